// SPDX-License-Identifier: MIT
/*
 * Symbolic input dims (a dim_param such as a batch 'N', or a dynamic H/W):
 * the model is compiled again for each run's input shapes, as if those
 * shapes were static, so shape subgraphs fold and the device layers apply.
 * The compiled variants are cached (least recently used out first) and a
 * run with shapes seen before reuses its variant.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "model/model_priv.h"
#include "onnx/onnx.h"

bool eyr_model_is_dynamic(const struct gr_graph *g)
{
	for (int i = 0; i < g->n_inputs; i++) {
		const struct gr_tensor *t = &g->tensors[g->inputs[i]];

		if (t->rank < 0 || gr_dims_count(t->rank, t->dims) < 0)
			return true;
	}
	return false;
}

struct accel_model *eyr_model_active(const struct accel_model *m)
{
	return m->active ? m->active : (struct accel_model *)m;
}

/* The variant compiled for exactly these input shapes. */
static bool same_shapes(const struct accel_model *v, struct accel_tensor *const *inputs)
{
	for (int i = 0; i < v->g->n_inputs; i++) {
		const struct gr_tensor *t = &v->g->tensors[v->g->inputs[i]];
		const struct gr_value *x = (const struct gr_value *)inputs[i];

		if (t->rank != x->rank || memcmp(t->dims, x->dims, (size_t)x->rank * sizeof(int64_t)))
			return false;
	}
	return true;
}

int eyr_model_variant(struct accel_model *m, struct accel_tensor *const *inputs,
		      int n_inputs, struct accel_model **out, bool *hit)
{
	const struct gr_value *shapes[GR_MAX_INPUTS];
	struct accel_model *v = NULL;
	struct gr_graph *g = NULL;
	struct gr_err err;
	int slot = 0, rc;

	if (n_inputs != m->g->n_inputs)
		return eyr_error(-EINVAL, "the model has %d inputs but %d were given",
				 m->g->n_inputs, n_inputs);
	if (n_inputs > GR_MAX_INPUTS)
		return eyr_error(-EINVAL, "too many inputs");
	for (int i = 0; i < n_inputs; i++) {
		const struct gr_tensor *t = &m->g->tensors[m->g->inputs[i]];

		if (!inputs[i])
			return eyr_error(-EINVAL, "input '%s' was not given", t->name);
		shapes[i] = (const struct gr_value *)inputs[i];
		if (shapes[i]->dtype != t->dtype)
			return eyr_error(-EINVAL, "input '%s' must be %s, not %s", t->name,
					 gr_dtype_name(t->dtype), gr_dtype_name(shapes[i]->dtype));
	}
	*hit = false;
	for (int k = 0; k < EYR_SHAPE_CACHE; k++) {
		if (m->variants[k] && same_shapes(m->variants[k], inputs)) {
			m->variant_used[k] = ++m->use_clock;
			*hit = true;
			*out = m->variants[k];
			return 0;
		}
		if (!m->variants[k] || (m->variants[slot] &&
					m->variant_used[k] < m->variant_used[slot]))
			slot = k;
	}
	rc = ox_model_load_shaped(m->onnx, m->onnx_len, m->path, shapes, n_inputs, &g, &err);
	if (rc)
		return eyr_error(rc, "%s", err.msg);
	rc = eyr_model_from_graph(m->dev, g, &m->opts, &v);
	if (rc)
		return rc;
	if (m->variants[slot] == m->active)
		m->active = NULL;
	accel_model_free(m->variants[slot]);
	m->variants[slot] = v;
	m->variant_used[slot] = ++m->use_clock;
	m->shape_variants++;
	*out = v;
	return 0;
}

void eyr_model_variants_free(struct accel_model *m)
{
	for (int k = 0; k < EYR_SHAPE_CACHE; k++)
		accel_model_free(m->variants[k]);
	free(m->onnx);
	free(m->path);
}

/*
 * The input shapes a caller gives without data (accelctl inspect --shape):
 * each checked against the model's input, then compiled as a run with
 * inputs of those shapes would be.
 */
int accel_model_prepare(struct accel_model *m, const int64_t *const *dims, int n_inputs)
{
	struct accel_tensor *values[GR_MAX_INPUTS] = { 0 };
	struct accel_model *v;
	struct gr_err err;
	bool hit;
	int rc = 0;

	if (!m || (n_inputs && !dims))
		return eyr_error(-EINVAL, "accel_model_prepare: NULL argument");
	if (n_inputs != m->g->n_inputs)
		return eyr_error(-EINVAL, "the model has %d inputs but %d shapes were given",
				 m->g->n_inputs, n_inputs);
	for (int i = 0; i < n_inputs; i++) {
		const struct gr_tensor *t = &m->g->tensors[m->g->inputs[i]];

		if (!dims[i])
			return eyr_error(-EINVAL, "no shape for input '%s'", t->name);
		for (int d = 0; d < t->rank; d++) {
			if (dims[i][d] <= 0)
				return eyr_error(-EINVAL, "input '%s': dimension %d must be positive, not %lld",
						 t->name, d, (long long)dims[i][d]);
			if (t->dims[d] >= 0 && t->dims[d] != dims[i][d])
				return eyr_error(-EINVAL,
						 "input '%s': dimension %d is %lld in the model, not %lld",
						 t->name, d, (long long)t->dims[d], (long long)dims[i][d]);
		}
	}
	if (!m->onnx)
		return 0;	/* static shapes: compiled at load */
	for (int i = 0; i < n_inputs && !rc; i++) {
		const struct gr_tensor *t = &m->g->tensors[m->g->inputs[i]];
		struct gr_value *x = gr_value_new_raw(t->dtype, t->rank, dims[i], &err);

		if (!x)
			rc = eyr_error(-EINVAL, "input '%s': %s", t->name, err.msg);
		values[i] = (struct accel_tensor *)x;
	}
	if (!rc)
		rc = eyr_model_variant(m, values, n_inputs, &v, &hit);
	for (int i = 0; i < n_inputs; i++)
		gr_value_free((struct gr_value *)values[i]);
	if (rc)
		return rc;
	m->active = v;
	m->last = v->last;
	m->last.shape_variants = m->shape_variants;
	m->last.shape_cache_hit = hit;
	return 0;
}
