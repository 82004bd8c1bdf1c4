// SPDX-License-Identifier: MIT
/*
 * Normalization: BatchNormalization (running statistics per channel, or with
 * training_mode=1 the batch's own statistics plus the updated running mean
 * and variance, as opset 14/15 define it) and InstanceNormalization
 * (statistics of each (n, c) plane).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

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
	int64_t training = gr_attr_int(n, "training_mode", 0), c;
	int rc;

	if (training != 0 && training != 1)
		return NODE_ERR(err, -EINVAL, n, "training_mode must be 0 or 1 (got %lld)",
				(long long)training);
	/*
	 * Opset 14/15 outputs: Y, and in training mode optionally running_mean
	 * and running_var. The older forms' saved mean / var outputs (opset
	 * 9 and before) are not these.
	 */
	if (n->n_out > 3)
		return NODE_ERR(err, -EOPNOTSUPP, n,
				"%d outputs: only Y, running_mean and running_var (opset 14+) are supported",
				n->n_out);
	if (n->n_out > 1 && !training)
		return NODE_ERR(err, -EINVAL, n,
				"running_mean / running_var outputs need training_mode=1");
	if ((rc = infer_norm(n, in, out, 4, err)))
		return rc;
	c = in[0]->dims[1];
	for (int o = 1; o < n->n_out; o++)
		gr_set_shape(&out[o], in[0]->dtype, 1, &c);
	return 0;
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
	double momentum = gr_attr_float(n, "momentum", 0.9f);
	int64_t c = x->dims[1], plane = 1, per_channel;
	int training = gr_attr_int(n, "training_mode", 0) != 0;
	double *mean, *var;

	for (int k = 2; k < x->rank; k++)
		plane *= x->dims[k];
	per_channel = c ? (int64_t)x->count / c : 0;
	mean = calloc((size_t)c + 1, sizeof(double));
	var = calloc((size_t)c + 1, sizeof(double));
	if (!mean || !var) {
		free(mean);
		free(var);
		return NODE_ERR(err, -ENOMEM, n, "out of memory");
	}
	for (int64_t ch = 0; ch < c; ch++) {
		mean[ch] = gr_value_get_f(in[3], (size_t)ch);
		var[ch] = gr_value_get_f(in[4], (size_t)ch);
	}
	if (training) {
		/* the batch's statistics over N and the spatial axes; population variance */
		double *sum = calloc((size_t)c + 1, sizeof(double));

		if (!sum) {
			free(mean);
			free(var);
			return NODE_ERR(err, -ENOMEM, n, "out of memory");
		}
		for (size_t i = 0; i < x->count; i++)
			sum[(int64_t)i / plane % c] += gr_value_get_f(x, i);
		for (int64_t ch = 0; ch < c; ch++)
			sum[ch] = per_channel ? sum[ch] / (double)per_channel : 0;
		for (int64_t ch = 0; ch < c; ch++) {
			double cur_var = 0;

			for (int64_t b = 0; b < (plane ? per_channel / plane : 0); b++)
				for (int64_t k = 0; k < plane; k++) {
					double d = gr_value_get_f(x, (size_t)((b * c + ch) * plane + k)) -
						   sum[ch];

					cur_var += d * d;
				}
			cur_var = per_channel ? cur_var / (double)per_channel : 0;
			if (n->n_out > 1 && out[1])
				gr_value_set_f(out[1], (size_t)ch,
					       mean[ch] * momentum + sum[ch] * (1 - momentum));
			if (n->n_out > 2 && out[2])
				gr_value_set_f(out[2], (size_t)ch,
					       var[ch] * momentum + cur_var * (1 - momentum));
			mean[ch] = sum[ch];
			var[ch] = cur_var;
		}
		free(sum);
	}
	for (size_t i = 0; i < x->count; i++) {
		size_t ch = (size_t)((int64_t)i / plane % c);
		double y = (gr_value_get_f(x, i) - mean[ch]) / sqrt(var[ch] + eps);

		gr_value_set_f(out[0], i, y * gr_value_get_f(in[1], ch) + gr_value_get_f(in[2], ch));
	}
	free(mean);
	free(var);
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
