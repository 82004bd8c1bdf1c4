// SPDX-License-Identifier: MIT
/*
 * Node attributes by name. Import copies every attribute of a NodeProto
 * into the node; each op reads the ones it defines, with ONNX's defaults,
 * where it infers shapes and where it runs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph/graph.h"
#include "graph/registry.h"

const struct gr_attr *gr_attr_find(const struct gr_node *n, const char *name)
{
	for (int i = 0; i < n->n_attrs; i++)
		if (!strcmp(n->attrs[i].name, name))
			return &n->attrs[i];
	return NULL;
}

int64_t gr_attr_int(const struct gr_node *n, const char *name, int64_t dflt)
{
	const struct gr_attr *a = gr_attr_find(n, name);

	return a && a->type == GR_ATTR_INT ? a->i : dflt;
}

float gr_attr_float(const struct gr_node *n, const char *name, float dflt)
{
	const struct gr_attr *a = gr_attr_find(n, name);

	return a && a->type == GR_ATTR_FLOAT ? a->f : dflt;
}

const char *gr_attr_str(const struct gr_node *n, const char *name, const char *dflt)
{
	const struct gr_attr *a = gr_attr_find(n, name);

	return a && a->type == GR_ATTR_STRING ? a->s : dflt;
}

int gr_attr_ints(const struct gr_node *n, const char *name, const int64_t **v)
{
	const struct gr_attr *a = gr_attr_find(n, name);

	if (!a || a->type != GR_ATTR_INTS)
		return -1;
	*v = a->ints;
	return (int)a->n;
}

void gr_node_clear(struct gr_node *n)
{
	for (int i = 0; i < n->n_attrs; i++) {
		free(n->attrs[i].name);
		free(n->attrs[i].s);
		free(n->attrs[i].ints);
		free(n->attrs[i].floats);
		gr_value_free(n->attrs[i].t);
	}
	free(n->attrs);
	free(n->name);
	free(n->unsupported);
	free(n->in);
	n->unsupported = NULL;
	n->attrs = NULL;
	n->n_attrs = 0;
	n->name = NULL;
	n->in = NULL;
	n->n_in = 0;
}

int gr_node_set_inputs(struct gr_node *n, int n_in, struct gr_err *err)
{
	int *in;

	if (n_in < 0 || n_in > GR_MAX_INPUTS)
		return gr_err_set(err, -E2BIG, "node '%s' (%s): %d inputs (at most %d are supported)",
				  n->name ? n->name : "?", n->op_type ? n->op_type : "?", n_in,
				  GR_MAX_INPUTS);
	in = realloc(n->in, (size_t)(n_in ? n_in : 1) * sizeof(*in));
	if (!in)
		return gr_err_set(err, -ENOMEM, "out of memory");
	for (int i = n->n_in; i < n_in; i++)
		in[i] = -1;
	n->in = in;
	n->n_in = n_in;
	return 0;
}

int gr_node_is(const struct gr_node *n, const char *op_type)
{
	return n->def && !n->def->domain[0] && !strcmp(n->def->name, op_type);
}

#define NODE_ERR(err, code, node, fmt, ...) \
	gr_err_set(err, code, "node '%s' (%s): " fmt, (node)->name, \
		   (node)->op_type, ##__VA_ARGS__)

/*
 * 2-D: [h, w] (pads: [t, l, b, r]); 1-D: [w] (pads: [l, r]). Returns the
 * spatial axes given (1 or 2), 0 when absent, or an error.
 */
static int window_ints(const struct gr_node *n, const char *name, int64_t *v2,
		       int64_t dflt, int pairs, struct gr_err *err)
{
	size_t want = (size_t)(pairs ? 4 : 2);
	const struct gr_attr *a = gr_attr_find(n, name);

	if (!a)
		return 0;
	if (a->type != GR_ATTR_INTS)
		return NODE_ERR(err, -EINVAL, n, "attribute %s must be a list of ints", name);
	if (a->n == want) {
		memcpy(v2, a->ints, want * sizeof(int64_t));
		return 2;
	}
	if (a->n == want / 2) {
		if (pairs) {
			v2[0] = dflt;
			v2[1] = a->ints[0];
			v2[2] = dflt;
			v2[3] = a->ints[1];
		} else {
			v2[0] = dflt;
			v2[1] = a->ints[0];
		}
		return 1;
	}
	return NODE_ERR(err, -EOPNOTSUPP, n,
			"attribute %s has %zu values: only 1-D and 2-D windows are supported",
			name, a->n);
}

int gr_node_window(const struct gr_node *n, struct gr_window *w, struct gr_err *err)
{
	const char *ap = gr_attr_str(n, "auto_pad", "NOTSET");
	int64_t v[4];
	int rc;

	memset(w, 0, sizeof(*w));
	w->sh = w->sw = w->dh = w->dw = 1;
	if ((rc = window_ints(n, "kernel_shape", v, 1, 0, err)) < 0)
		return rc;
	if (rc) {
		w->spatial = rc;
		w->has_kernel = 1;
		w->kh = v[0];
		w->kw = v[1];
	}
	if ((rc = window_ints(n, "strides", v, 1, 0, err)) < 0)
		return rc;
	if (rc) {
		w->spatial = rc > w->spatial ? rc : w->spatial;
		w->sh = v[0];
		w->sw = v[1];
	}
	if ((rc = window_ints(n, "dilations", v, 1, 0, err)) < 0)
		return rc;
	if (rc) {
		w->spatial = rc > w->spatial ? rc : w->spatial;
		w->dh = v[0];
		w->dw = v[1];
	}
	if ((rc = window_ints(n, "pads", v, 0, 1, err)) < 0)
		return rc;
	if (rc) {
		w->spatial = rc > w->spatial ? rc : w->spatial;
		w->pt = v[0];
		w->pl = v[1];
		w->pb = v[2];
		w->pr = v[3];
	}
	if (!strcmp(ap, "SAME_UPPER"))
		w->auto_pad = GR_PAD_SAME_UPPER;
	else if (!strcmp(ap, "SAME_LOWER"))
		w->auto_pad = GR_PAD_SAME_LOWER;
	else if (!strcmp(ap, "VALID"))
		w->auto_pad = GR_PAD_VALID;
	else if (!strcmp(ap, "NOTSET") || !ap[0])
		w->auto_pad = GR_PAD_NOTSET;
	else
		return NODE_ERR(err, -EINVAL, n, "unknown auto_pad '%s'", ap);
	w->group = gr_attr_int(n, "group", 1);
	w->ceil_mode = (int)gr_attr_int(n, "ceil_mode", 0);
	w->count_include_pad = (int)gr_attr_int(n, "count_include_pad", 0);
	return 0;
}
