// SPDX-License-Identifier: MIT
/*
 * Float execution for calibration and the report: every node on the CPU in
 * graph order, every tensor kept (the statistics and the per-tensor SQNR
 * need them all).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "graph/fast.h"
#include "graph/ref.h"
#include "quant/quant.h"

void qz_values_free(struct qz_values *vals)
{
	for (int i = 0; i < vals->n; i++)
		if (vals->owned && vals->owned[i])
			gr_value_free(vals->v[i]);
	free(vals->v);
	free(vals->owned);
	memset(vals, 0, sizeof(*vals));
}

static int finite_values(const struct gr_value *v)
{
	const float *f = v->data;

	if (v->dtype != GR_FLOAT)
		return 1;
	for (size_t i = 0; i < v->count; i++)
		if (!isfinite(f[i]))
			return 0;
	return 1;
}

int qz_exec(const struct gr_graph *g, const struct qz_sample *s, bool check_finite,
	    struct qz_values *vals, struct gr_err *err)
{
	const struct gr_value *in[GR_MAX_INPUTS];
	struct gr_value *out[GR_MAX_OUTPUTS];
	int rc = 0;

	memset(vals, 0, sizeof(*vals));
	vals->n = g->n_tensors;
	vals->v = calloc((size_t)g->n_tensors + 1, sizeof(*vals->v));
	vals->owned = calloc((size_t)g->n_tensors + 1, 1);
	if (!vals->v || !vals->owned) {
		qz_values_free(vals);
		return gr_err_set(err, -ENOMEM, "out of memory");
	}
	for (int t = 0; t < g->n_tensors; t++)
		vals->v[t] = g->tensors[t].constant;
	for (int i = 0; i < g->n_inputs; i++)
		vals->v[g->inputs[i]] = s->in[i];
	for (int ni = 0; ni < g->n_nodes && !rc; ni++) {
		const struct gr_node *n = &g->nodes[ni];

		/* computed at import (Constant, constant folding): never runs */
		if (n->folded)
			continue;
		for (int i = 0; i < n->n_in; i++) {
			in[i] = n->in[i] >= 0 ? vals->v[n->in[i]] : NULL;
			if (n->in[i] >= 0 && !in[i])
				rc = gr_err_set(err, -EINVAL, "node '%s' (%s): input '%s' has no value",
						n->name, n->op_type, g->tensors[n->in[i]].name);
		}
		if (rc)
			break;
		memset(out, 0, sizeof(out));
		rc = gr_fast_node(n, in, out, err);
		if (rc == -ENOSYS)
			rc = gr_ref_node(n, in, out, err);
		for (int o = 0; o < n->n_out; o++) {
			int t = n->out[o];

			if (t < 0 || !out[o]) {
				gr_value_free(out[o]);
				continue;
			}
			if (vals->owned[t])
				gr_value_free(vals->v[t]);
			vals->v[t] = out[o];
			vals->owned[t] = 1;
			if (!rc && check_finite && !finite_values(out[o]))
				rc = gr_err_set(err, -ERANGE,
						"calibration sample '%s': node '%s' (%s) produced NaN or Inf in '%s'; the sample or the model's weights lead to non-finite activations (check the sample's preprocessing and the model)",
						s->what, n->name, n->op_type, g->tensors[t].name);
		}
	}
	if (rc) {
		qz_values_free(vals);
		return rc;
	}
	return 0;
}
