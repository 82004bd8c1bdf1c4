// SPDX-License-Identifier: MIT
/*
 * BatchNormalization folded into the conv before it, in a float ONNX model
 * (adapt_fold.h): adapt runs models with inner tensors as extra outputs,
 * which keeps libaccel's import from folding them itself.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt_fold.h"

/* How many node inputs read tensor name (initializers included). */
static int readers(const Onnx__GraphProto *g, const char *name)
{
	int n = 0;

	for (size_t i = 0; i < g->n_node; i++)
		for (size_t k = 0; k < g->node[i]->n_input; k++)
			n += !strcmp(g->node[i]->input[k], name);
	return n;
}

static int add_bias(Onnx__GraphProto *g, Onnx__NodeProto *conv, int64_t m)
{
	Onnx__TensorProto *t = malloc(sizeof(*t)), **ni;
	char **in = realloc(conv->input, 3 * sizeof(*in)), name[300];
	float *zero = calloc((size_t)m, sizeof(float));

	if (in)
		conv->input = in;
	ni = realloc(g->initializer, (g->n_initializer + 1) * sizeof(*ni));
	if (ni)
		g->initializer = ni;
	if (!t || !in || !ni || !zero) {
		free(t);
		free(zero);
		return -1;
	}
	onnx__tensor_proto__init(t);
	snprintf(name, sizeof(name), "%s.bnfold_bias", conv->output[0]);
	t->name = strdup(name);
	t->has_data_type = 1;
	t->data_type = 1;
	if (!t->name || ox_set_float(t, 1, &m, zero)) {
		onnx__tensor_proto__free_unpacked(t, NULL);
		free(zero);
		return -1;
	}
	free(zero);
	g->initializer[g->n_initializer++] = t;
	if (conv->n_input == 3)
		free(conv->input[2]);
	conv->input[2] = strdup(name);
	conv->n_input = 3;
	return conv->input[2] ? 0 : -1;
}

/* Folds BN node b into conv node c; 1 folded, 0 left alone, -1 error. */
static int fold_one(Onnx__GraphProto *g, size_t bi)
{
	Onnx__NodeProto *bn = g->node[bi], *conv;
	struct ox_tensor w, p[4], bias = { 0 };
	int ci = ox_producer(g, bn->input[0]), rc = 0;
	float eps = ox_attr_float(bn, "epsilon", 1e-5f);
	int64_t m;
	size_t per;

	if (ci < 0 || bn->n_input != 5 || bn->n_output < 1 || ox_attr_int(bn, "training_mode", 0))
		return 0;
	conv = g->node[ci];
	if (strcmp(conv->op_type, "Conv") || conv->n_input < 2 || readers(g, bn->input[0]) != 1 ||
	    ox_is_output(g, bn->input[0]) || readers(g, conv->input[1]) != 1 ||
	    (conv->n_input > 2 && conv->input[2][0] && readers(g, conv->input[2]) != 1))
		return 0;
	if (ox_get_float(ox_initializer(g, conv->input[1]), &w))
		return 0;
	m = w.dims[0];
	for (int k = 0; k < 4; k++)
		if (ox_get_float(ox_initializer(g, bn->input[k + 1]), &p[k]) || p[k].count != (size_t)m) {
			for (int j = 0; j <= k; j++)
				ox_tensor_free(&p[j]);
			ox_tensor_free(&w);
			return 0;
		}
	if ((conv->n_input < 3 || !conv->input[2][0]) && add_bias(g, conv, m))
		rc = -1;
	if (!rc && ox_get_float(ox_initializer(g, conv->input[2]), &bias))
		rc = -1;
	per = w.count / (size_t)m;
	for (int64_t c = 0; !rc && c < m; c++) {
		/* y = gamma (x - mean) / sqrt(var + eps) + beta, in double */
		double s = (double)p[0].data[c] / sqrt((double)p[3].data[c] + eps);

		for (size_t j = 0; j < per; j++)
			w.data[(size_t)c * per + j] = (float)(w.data[(size_t)c * per + j] * s);
		bias.data[c] = (float)(((double)bias.data[c] - p[2].data[c]) * s + p[1].data[c]);
	}
	if (!rc && (ox_set_float(ox_initializer(g, conv->input[1]), w.rank, w.dims, w.data) ||
		    ox_set_float(ox_initializer(g, conv->input[2]), 1, &m, bias.data)))
		rc = -1;
	ox_tensor_free(&w);
	ox_tensor_free(&bias);
	for (int k = 0; k < 4; k++)
		ox_tensor_free(&p[k]);
	if (rc)
		return -1;
	/* the conv writes the BN's output; the BN goes */
	free(conv->output[0]);
	conv->output[0] = strdup(bn->output[0]);
	onnx__node_proto__free_unpacked(bn, NULL);
	memmove(&g->node[bi], &g->node[bi + 1], (g->n_node - bi - 1) * sizeof(g->node[0]));
	g->n_node--;
	return conv->output[0] ? 1 : -1;
}

int adapt_fold_bn(Onnx__GraphProto *g, int *folded)
{
	*folded = 0;
	for (size_t i = 0; i < g->n_node;) {
		int rc = strcmp(g->node[i]->op_type, "BatchNormalization") ? 0 : fold_one(g, i);

		if (rc < 0)
			return -1;
		if (rc) {
			(*folded)++;
			continue;	/* node i is the next one now */
		}
		i++;
	}
	return 0;
}
