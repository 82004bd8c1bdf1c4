// SPDX-License-Identifier: MIT
/*
 * Normalization at inference: BatchNormalization (running statistics,
 * per channel) and InstanceNormalization (statistics of each (n, c) plane).
 */
#include <errno.h>
#include <math.h>

#include "graph/ops/ops.h"

/* Per-channel 1-D parameter input i of length c. */
static int channel_param(const struct gr_node *n, const struct gr_value *const *in, int i,
			 const char *what, int64_t c, struct gr_err *err)
{
	char b1[64];
	int rc;

	if ((rc = gr_need(n, in, i, err)) || (rc = gr_need_float(n, in[i], what, err)))
		return rc;
	if (in[i]->rank != 1 || (c >= 0 && in[i]->dims[0] >= 0 && in[i]->dims[0] != c))
		return NODE_ERR(err, -EINVAL, n, "%s %s must be 1-D with one value per channel (%lld)",
				what, gr_dims_str(in[i], b1, sizeof(b1)), (long long)c);
	return 0;
}

static int infer_norm(const struct gr_node *n, const struct gr_value *const *in,
		      struct gr_value *out, int n_params, struct gr_err *err)
{
	static const char *const what[] = { "scale", "B", "mean", "var" };
	int64_t c;
	int rc;

	if ((rc = gr_need(n, in, 0, err)) || (rc = gr_need_float(n, in[0], "X", err)))
		return rc;
	if (in[0]->rank < 2)
		return NODE_ERR(err, -EINVAL, n, "X must be N x C x ... (rank >= 2, got %d)",
				in[0]->rank);
	c = in[0]->dims[1];
	for (int i = 1; i <= n_params; i++)
		if ((rc = channel_param(n, in, i, what[i - 1], c, err)))
			return rc;
	gr_set_shape(&out[0], in[0]->dtype, in[0]->rank, in[0]->dims);
	return 0;
}

static int infer_batchnorm(const struct gr_node *n, const struct gr_value *const *in,
			   struct gr_value *out, struct gr_err *err)
{
	if (n->n_out > 1 || gr_attr_int(n, "training_mode", 0))
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"training mode (running mean / var outputs) is not supported; export the model for inference");
	return infer_norm(n, in, out, 4, err);
}

static int infer_instancenorm(const struct gr_node *n, const struct gr_value *const *in,
			      struct gr_value *out, struct gr_err *err)
{
	return infer_norm(n, in, out, 2, err);
}

static int ref_batchnorm(const struct gr_node *n, const struct gr_value *const *in,
			 struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	double eps = gr_attr_float(n, "epsilon", 1e-5f);
	int64_t c = x->dims[1], plane = 1;

	(void)err;
	for (int k = 2; k < x->rank; k++)
		plane *= x->dims[k];
	for (size_t i = 0; i < x->count; i++) {
		size_t ch = (size_t)((int64_t)i / plane % c);
		double y = (gr_value_get_f(x, i) - gr_value_get_f(in[3], ch)) /
			   sqrt(gr_value_get_f(in[4], ch) + eps);

		gr_value_set_f(out[0], i, y * gr_value_get_f(in[1], ch) + gr_value_get_f(in[2], ch));
	}
	return 0;
}

static int ref_instancenorm(const struct gr_node *n, const struct gr_value *const *in,
			    struct gr_value **out, struct gr_err *err)
{
	const struct gr_value *x = in[0];
	double eps = gr_attr_float(n, "epsilon", 1e-5f);
	int64_t c = x->dims[1], plane = 1, planes = (int64_t)x->count;

	(void)err;
	for (int k = 2; k < x->rank; k++)
		plane *= x->dims[k];
	planes = plane ? planes / plane : 0;
	for (int64_t p = 0; p < planes; p++) {
		size_t base = (size_t)(p * plane), ch = (size_t)(p % c);
		double mean = 0, var = 0;

		for (int64_t k = 0; k < plane; k++)
			mean += gr_value_get_f(x, base + (size_t)k);
		mean /= (double)plane;
		for (int64_t k = 0; k < plane; k++) {
			double d = gr_value_get_f(x, base + (size_t)k) - mean;

			var += d * d;
		}
		var /= (double)plane;
		for (int64_t k = 0; k < plane; k++) {
			double y = (gr_value_get_f(x, base + (size_t)k) - mean) / sqrt(var + eps);

			gr_value_set_f(out[0], base + (size_t)k,
				       y * gr_value_get_f(in[1], ch) + gr_value_get_f(in[2], ch));
		}
	}
	return 0;
}

const struct gr_op_def gr_op_BatchNormalization = {
	.name = "BatchNormalization", .domain = "", .since = 7,
	.infer = infer_batchnorm, .ref = ref_batchnorm,
};

const struct gr_op_def gr_op_InstanceNormalization = {
	.name = "InstanceNormalization", .domain = "", .since = 6,
	.infer = infer_instancenorm, .ref = ref_instancenorm,
};
