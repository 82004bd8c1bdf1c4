// SPDX-License-Identifier: MIT
/* Editing a float ONNX model in memory (onnx_edit.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accelctl.h"
#include "onnx_edit.h"

#define ONNX_FLOAT 1
/* A model file larger than this is refused (the whole file is read). */
#define MAX_MODEL_BYTES (2ull << 30)

Onnx__ModelProto *ox_load(const char *path, char *err, size_t errlen)
{
	Onnx__ModelProto *m = NULL;
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!f) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || (unsigned long long)len > MAX_MODEL_BYTES ||
	    fseek(f, 0, SEEK_SET)) {
		snprintf(err, errlen, "cannot read %s: not a regular file of at most 2 GiB", path);
		fclose(f);
		return NULL;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (buf && fread(buf, 1, (size_t)len, f) == (size_t)len)
		m = onnx__model_proto__unpack(NULL, (size_t)len, buf);
	fclose(f);
	free(buf);
	if (!m)
		snprintf(err, errlen, "%s is not an ONNX model (it does not parse as a ModelProto)", path);
	else if (!m->graph) {
		snprintf(err, errlen, "%s has no graph", path);
		onnx__model_proto__free_unpacked(m, NULL);
		m = NULL;
	}
	return m;
}

int ox_save(const Onnx__ModelProto *m, const char *path)
{
	size_t len = onnx__model_proto__get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	char *tmp;
	FILE *f;
	int bad;

	if (!buf)
		return -1;
	onnx__model_proto__pack(m, buf);
	f = accelctl_out_open(path, "wb", &tmp);
	if (!f) {
		free(buf);
		return -1;
	}
	bad = fwrite(buf, 1, len, f) != len;
	free(buf);
	return accelctl_out_close(f, path, tmp) || bad ? -1 : 0;
}

Onnx__ModelProto *ox_clone(const Onnx__ModelProto *m)
{
	size_t len = onnx__model_proto__get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	Onnx__ModelProto *c;

	if (!buf)
		return NULL;
	onnx__model_proto__pack(m, buf);
	c = onnx__model_proto__unpack(NULL, len, buf);
	free(buf);
	return c;
}

void ox_free(Onnx__ModelProto *m)
{
	if (m)
		onnx__model_proto__free_unpacked(m, NULL);
}

const char *ox_node_name(const Onnx__GraphProto *g, size_t i, char *buf, size_t len)
{
	const Onnx__NodeProto *n = g->node[i];

	if (n->name && n->name[0])
		return n->name;
	if (n->n_output && n->output[0][0])
		return n->output[0];
	snprintf(buf, len, "#%zu", i);
	return buf;
}

int ox_find_node(const Onnx__GraphProto *g, const char *name)
{
	char buf[32];

	for (size_t i = 0; i < g->n_node; i++)
		if (!strcmp(ox_node_name(g, i, buf, sizeof(buf)), name))
			return (int)i;
	return -1;
}

int ox_producer(const Onnx__GraphProto *g, const char *name)
{
	for (size_t i = 0; i < g->n_node; i++)
		for (size_t o = 0; o < g->node[i]->n_output; o++)
			if (!strcmp(g->node[i]->output[o], name))
				return (int)i;
	return -1;
}

Onnx__TensorProto *ox_initializer(const Onnx__GraphProto *g, const char *name)
{
	for (size_t i = 0; i < g->n_initializer; i++)
		if (g->initializer[i]->name && !strcmp(g->initializer[i]->name, name))
			return g->initializer[i];
	return NULL;
}

int ox_is_output(const Onnx__GraphProto *g, const char *name)
{
	for (size_t i = 0; i < g->n_output; i++)
		if (g->output[i]->name && !strcmp(g->output[i]->name, name))
			return 1;
	return 0;
}

static Onnx__AttributeProto *find_attr(const Onnx__NodeProto *n, const char *name)
{
	for (size_t i = 0; i < n->n_attribute; i++)
		if (n->attribute[i]->name && !strcmp(n->attribute[i]->name, name))
			return n->attribute[i];
	return NULL;
}

int64_t ox_attr_int(const Onnx__NodeProto *n, const char *name, int64_t dflt)
{
	const Onnx__AttributeProto *a = find_attr(n, name);

	return a && a->has_i ? a->i : dflt;
}

float ox_attr_float(const Onnx__NodeProto *n, const char *name, float dflt)
{
	const Onnx__AttributeProto *a = find_attr(n, name);

	return a && a->has_f ? a->f : dflt;
}

int ox_attr_ints(const Onnx__NodeProto *n, const char *name, int64_t *v, int max)
{
	const Onnx__AttributeProto *a = find_attr(n, name);

	if (!a)
		return -1;
	for (size_t i = 0; i < a->n_ints && (int)i < max; i++)
		v[i] = a->ints[i];
	return (int)a->n_ints;
}

int ox_set_attr_int(Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = find_attr(n, name), **arr;

	if (!a) {
		a = malloc(sizeof(*a));
		arr = realloc(n->attribute, (n->n_attribute + 1) * sizeof(*arr));
		if (!a || !arr) {
			free(a);
			if (arr)
				n->attribute = arr;
			return -1;
		}
		onnx__attribute_proto__init(a);
		a->name = strdup(name);
		if (!a->name) {
			free(a);
			n->attribute = arr;
			return -1;
		}
		n->attribute = arr;
		n->attribute[n->n_attribute++] = a;
	}
	a->has_type = 1;
	a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	a->has_i = 1;
	a->i = v;
	return 0;
}

int ox_get_float(const Onnx__TensorProto *t, struct ox_tensor *out)
{
	size_t count = 1;

	memset(out, 0, sizeof(*out));
	if (!t || t->data_type != ONNX_FLOAT || t->n_dims > OX_MAX_RANK)
		return -1;
	out->rank = (int)t->n_dims;
	for (size_t d = 0; d < t->n_dims; d++) {
		if (t->dims[d] < 0)
			return -1;
		out->dims[d] = t->dims[d];
		count *= (size_t)t->dims[d];
	}
	out->count = count;
	out->data = malloc(count ? count * sizeof(float) : 1);
	if (!out->data)
		return -1;
	if (t->has_raw_data && t->raw_data.len == count * sizeof(float)) {
		memcpy(out->data, t->raw_data.data, count * sizeof(float));
	} else if (t->n_float_data == count) {
		memcpy(out->data, t->float_data, count * sizeof(float));
	} else {
		ox_tensor_free(out);
		return -1;
	}
	return 0;
}

int ox_set_float(Onnx__TensorProto *t, int rank, const int64_t *dims, const float *data)
{
	size_t count = 1;
	int64_t *nd = malloc((size_t)(rank ? rank : 1) * sizeof(*nd));
	uint8_t *raw;

	for (int d = 0; d < rank; d++)
		count *= (size_t)dims[d];
	raw = malloc(count ? count * sizeof(float) : 1);
	if (!nd || !raw) {
		free(nd);
		free(raw);
		return -1;
	}
	memcpy(nd, dims, (size_t)rank * sizeof(*nd));
	memcpy(raw, data, count * sizeof(float));
	free(t->dims);
	t->dims = nd;
	t->n_dims = (size_t)rank;
	free(t->float_data);
	t->float_data = NULL;
	t->n_float_data = 0;
	free(t->raw_data.data);
	t->raw_data.data = raw;
	t->raw_data.len = count * sizeof(float);
	t->has_raw_data = 1;
	return 0;
}

void ox_tensor_free(struct ox_tensor *t)
{
	free(t->data);
	t->data = NULL;
}

int ox_add_outputs(Onnx__ModelProto *m, const char *const *names, int n)
{
	Onnx__GraphProto *g = m->graph;
	Onnx__ValueInfoProto **arr = realloc(g->output, (g->n_output + (size_t)n) * sizeof(*arr));

	if (!arr)
		return -1;
	g->output = arr;
	for (int i = 0; i < n; i++) {
		Onnx__ValueInfoProto *v;

		if (ox_is_output(g, names[i]))
			continue;
		v = malloc(sizeof(*v));
		if (!v)
			return -1;
		onnx__value_info_proto__init(v);
		v->name = strdup(names[i]);
		if (!v->name) {
			free(v);
			return -1;
		}
		g->output[g->n_output++] = v;
	}
	return 0;
}

void ox_clear_value_info(Onnx__ModelProto *m)
{
	Onnx__GraphProto *g = m->graph;

	for (size_t i = 0; i < g->n_value_info; i++)
		onnx__value_info_proto__free_unpacked(g->value_info[i], NULL);
	free(g->value_info);
	g->value_info = NULL;
	g->n_value_info = 0;
}
