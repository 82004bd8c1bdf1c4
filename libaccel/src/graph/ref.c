// SPDX-License-Identifier: MIT
/*
 * The CPU reference through the registry: infer the outputs (this
 * validates every input), allocate them, run the row's kernel.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "graph/ops/ops.h"
#include "graph/ref.h"

/*
 * Added before every rounding to an integer type; 0 except while the
 * layer-wise check classifies 1-LSB differences (gr_ref_set_round_bias).
 * Per thread: models on one device may run in several threads.
 */
static _Thread_local double round_bias;

void gr_ref_set_round_bias(double bias)
{
	round_bias = bias;
}

double gr_ref_round_bias(void)
{
	return round_bias;
}

/*
 * ONNX Runtime's requantization (MLAS MlasRequantizeOutput): the int32
 * accumulator to float, times the float scale, rounded half to even, + zp,
 * saturated (its clamp before the rounding gives the same).
 */
int32_t gr_ref_requant_f32(int64_t acc, float scale, int32_t zp, int dtype)
{
	float v = (float)acc;

	v = v * scale;
	return (int32_t)gr_ref_quant_f(v, zp, dtype);
}

/*
 * Float32 rounding as ONNX's QuantizeLinear does it (nearbyintf), in double
 * when the check's rounding bias is set, then + zp, saturated.
 */
int64_t gr_ref_quant_f(float r, int64_t zp, int dtype)
{
	double v = (round_bias != 0 ? nearbyint((double)r + round_bias) : nearbyintf(r)) +
		   (double)zp;

	return gr_sat((int64_t)fmax(fmin(v, 1e9), -1e9), dtype);
}

int gr_ref_node(const struct gr_node *n, const struct gr_value *const *in,
		struct gr_value **out, struct gr_err *err)
{
	struct gr_value shapes[GR_MAX_OUTPUTS];
	struct gr_value *o[GR_MAX_OUTPUTS] = { 0 };
	int rc;

	memset(shapes, 0, sizeof(shapes));
	if ((rc = gr_infer_node(n, in, shapes, err)))
		return rc;
	if (!n->def->ref)
		return NODE_ERR(err, -EOPNOTSUPP, n, "no CPU kernel");
	for (int k = 0; k < n->n_out; k++) {
		for (int i = 0; i < shapes[k].rank; i++)
			if (shapes[k].dims[i] < 0) {
				rc = NODE_ERR(err, -EINVAL, n, "output %d: shape not resolvable", k);
				goto fail;
			}
		o[k] = gr_value_new(shapes[k].dtype, shapes[k].rank, shapes[k].dims, err);
		if (!o[k]) {
			char why[GR_ERR_LEN];

			snprintf(why, sizeof(why), "%s", err ? err->msg : "");
			/* keep the cause's code: -E2BIG for the budget */
			rc = NODE_ERR(err, err && err->code ? err->code : -ENOMEM, n, "output: %s",
				      why);
			goto fail;
		}
	}
	rc = n->def->ref(n, in, o, err);
	if (rc)
		goto fail;
	for (int k = 0; k < n->n_out; k++)
		out[k] = o[k];
	return 0;
fail:
	for (int k = 0; k < n->n_out; k++)
		gr_value_free(o[k]);
	return rc;
}
