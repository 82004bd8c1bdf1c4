// SPDX-License-Identifier: MIT
/*
 * Float Conv through oneDNN (onednn.h). Every conv is described to oneDNN
 * in 2-D (a 1-D conv is H = 1, which is the same memory), grouped convs
 * with 5-D weights (goihw). The primitive chooses its layouts
 * (dnnl_format_tag_any); the weights are reordered into theirs once here,
 * the activations per run when the primitive's layout is not NCHW. A
 * conv with one output position per image runs as an inner product
 * (conv_product_new()).
 */
#include <dnnl.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "graph/infer.h"
#include "graph/onednn.h"
#include "graph/pool.h"
#include "graph/window.h"

struct gr_dnn {
	dnnl_engine_t eng;
	dnnl_stream_t stream;
};

struct gr_dnn_prim {
	struct gr_dnn *d;
	dnnl_primitive_t prim;	/* the convolution or inner product */
	/* NCHW <-> the primitive's layout; NULL when it is NCHW itself */
	dnnl_primitive_t x_in, add_in, y_out;
	/* x, y: NCHW (the graph's); xc, yc: the primitive's */
	dnnl_memory_t x, y, xc, yc, w, b;
	/*
	 * a Conv of one output position run as an inner product: its 2-D
	 * source (over xc, or over the touched pixels gathered from xc) and
	 * destination (over yc)
	 */
	dnnl_memory_t xs, ys;
	size_t xc_bytes, yc_bytes;
	/* the gather: the top-left th x tw pixels of each NHWC image, 0: none */
	int64_t th, tw;
	/* the layouts: the graph's NCHW output, the primitive's own */
	dnnl_memory_desc_t y_md, xc_md, yc_md;
	int rank, add;
	int64_t xdims[4], ydims[4];
};

int gr_dnn_new(struct gr_dnn **out)
{
	struct gr_dnn *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	if (dnnl_engine_create(&d->eng, dnnl_cpu, 0) != dnnl_success ||
	    dnnl_stream_create(&d->stream, d->eng, dnnl_stream_default_flags) != dnnl_success) {
		gr_dnn_free(d);
		return -ENOSYS;
	}
	*out = d;
	return 0;
}

void gr_dnn_free(struct gr_dnn *d)
{
	if (!d)
		return;
	if (d->stream)
		dnnl_stream_destroy(d->stream);
	if (d->eng)
		dnnl_engine_destroy(d->eng);
	free(d);
}

/*
 * oneDNN's OpenMP threads for one call: one, unless the user set
 * OMP_NUM_THREADS (then OpenMP's setting stands). The caller's setting is
 * put back after, so an application's own OpenMP code is not affected.
 */
static int threads_begin(void)
{
	int prev;

	if (getenv("OMP_NUM_THREADS"))
		return 0;
	prev = omp_get_max_threads();
	omp_set_num_threads(1);
	return prev;
}

static void threads_end(int prev)
{
	if (prev)
		omp_set_num_threads(prev);
}

static void destroy_prim(dnnl_primitive_t p)
{
	if (p)
		dnnl_primitive_destroy(p);
}

static void destroy_mem(dnnl_memory_t m)
{
	if (m)
		dnnl_memory_destroy(m);
}

void gr_dnn_prim_free(struct gr_dnn_prim *c)
{
	if (!c)
		return;
	destroy_prim(c->prim);
	destroy_prim(c->x_in);
	destroy_prim(c->add_in);
	destroy_prim(c->y_out);
	destroy_mem(c->x);
	destroy_mem(c->y);
	destroy_mem(c->xc);
	destroy_mem(c->yc);
	destroy_mem(c->xs);
	destroy_mem(c->ys);
	destroy_mem(c->w);
	destroy_mem(c->b);
	free(c);
}

int gr_dnn_prim_has_add(const struct gr_dnn_prim *c)
{
	return c->add;
}

int gr_dnn_prim_is_product(const struct gr_dnn_prim *c)
{
	const_dnnl_primitive_desc_t pd;
	dnnl_primitive_kind_t kind;

	return dnnl_primitive_get_primitive_desc(c->prim, &pd) == dnnl_success &&
	       dnnl_primitive_desc_query(pd, dnnl_query_primitive_kind, 0, &kind) == dnnl_success &&
	       kind == dnnl_inner_product;
}

/* A primitive from its descriptor (pd is destroyed either way). */
static int make_prim(dnnl_primitive_desc_t pd, dnnl_primitive_t *p)
{
	dnnl_status_t s = dnnl_primitive_create(p, pd);

	dnnl_primitive_desc_destroy(pd);
	if (s != dnnl_success) {
		*p = NULL;
		return s == dnnl_out_of_memory ? -ENOMEM : -ENOSYS;
	}
	return 0;
}

static int make_reorder(struct gr_dnn *d, const dnnl_memory_desc_t *from,
			const dnnl_memory_desc_t *to, dnnl_primitive_t *p)
{
	dnnl_primitive_desc_t pd;

	if (dnnl_reorder_primitive_desc_create(&pd, from, d->eng, to, d->eng, NULL) != dnnl_success)
		return -ENOSYS;
	return make_prim(pd, p);
}

static int exec(const struct gr_dnn *d, dnnl_primitive_t p, int nargs,
		const dnnl_exec_arg_t *args)
{
	return dnnl_primitive_execute(p, d->stream, nargs, args) == dnnl_success ? 0 : -EIO;
}

/* The weights as they are, reordered once into the primitive's layout. */
static int load_weights(struct gr_dnn_prim *c, const dnnl_memory_desc_t *plain,
			const dnnl_memory_desc_t *want, const void *w)
{
	dnnl_memory_t src;
	dnnl_primitive_t re;
	int rc;

	if (dnnl_memory_create(&c->w, want, c->d->eng, DNNL_MEMORY_ALLOCATE) != dnnl_success) {
		c->w = NULL;
		return -ENOMEM;
	}
	if (dnnl_memory_create(&src, plain, c->d->eng, (void *)w) != dnnl_success)
		return -ENOMEM;
	rc = make_reorder(c->d, plain, want, &re);
	if (!rc) {
		dnnl_exec_arg_t a[2] = { { DNNL_ARG_FROM, src }, { DNNL_ARG_TO, c->w } };

		rc = exec(c->d, re, 2, a);
		if (!rc && dnnl_stream_wait(c->d->stream) != dnnl_success)
			rc = -EIO;
		dnnl_primitive_destroy(re);
	}
	dnnl_memory_destroy(src);
	return rc;
}

/* A memory object of desc md with no buffer yet (set per run). */
static int mem_none(struct gr_dnn *d, const dnnl_memory_desc_t *md, dnnl_memory_t *m)
{
	if (dnnl_memory_create(m, md, d->eng, DNNL_MEMORY_NONE) != dnnl_success) {
		*m = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * The activations' memory: the NCHW one (the graph's), and when the
 * primitive chose another layout, its own and the reorders between them.
 */
static int act_mem(struct gr_dnn_prim *c, const dnnl_memory_desc_t *plain,
		   const dnnl_memory_desc_t *want, int into, dnnl_memory_t *pm, dnnl_memory_t *wm,
		   dnnl_primitive_t *re, dnnl_primitive_t *add_re, size_t *bytes)
{
	int rc;

	if ((rc = mem_none(c->d, plain, pm)))
		return rc;
	if (dnnl_memory_desc_equal(plain, want))
		return 0;
	*bytes = dnnl_memory_desc_get_size(want);
	if ((rc = mem_none(c->d, want, wm)))
		return rc;
	if (into)
		return make_reorder(c->d, plain, want, re);
	if ((rc = make_reorder(c->d, want, plain, re)))
		return rc;
	return add_re ? make_reorder(c->d, plain, want, add_re) : 0;
}

/*
 * The memories of a primitive with weights (convolution, inner product)
 * made from pd: the weights (w: w_plain's values) reordered once into the
 * layout it chose, the input and output in theirs (with their reorders
 * from and to the plain layouts), the bias (its values, b_md's count)
 * copied; then the primitive. pd is consumed, whatever the outcome.
 *
 * x_own, y_own (a Conv run as an inner product; else NULL): the layouts
 * the input and output are kept in instead of the primitive's 2-D ones,
 * which then read and write the same memory (xs, ys).
 */
static int bind_weighted(struct gr_dnn_prim *c, dnnl_primitive_desc_t pd,
			 const dnnl_memory_desc_t *w_plain, const void *w,
			 const dnnl_memory_desc_t *x_plain, const dnnl_memory_desc_t *y_plain,
			 const dnnl_memory_desc_t *x_own, const dnnl_memory_desc_t *y_own,
			 dnnl_primitive_t *add_in, const dnnl_memory_desc_t *b_md,
			 const struct gr_value *b)
{
	const dnnl_memory_desc_t *xq = dnnl_primitive_desc_query_md(pd, dnnl_query_src_md, 0);
	const dnnl_memory_desc_t *yq = dnnl_primitive_desc_query_md(pd, dnnl_query_dst_md, 0);
	const dnnl_memory_desc_t *wq = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
	void *bp;
	int rc = -ENOSYS;

	if (!xq || !yq || !wq)
		goto out;
	if (x_own) {
		if ((rc = mem_none(c->d, xq, &c->xs)) || (rc = mem_none(c->d, yq, &c->ys)))
			goto out;
		xq = x_own;
		yq = y_own;
	}
	if ((rc = load_weights(c, w_plain, wq, w)) ||
	    (rc = act_mem(c, x_plain, xq, 1, &c->x, &c->xc, &c->x_in, NULL, &c->xc_bytes)) ||
	    (rc = act_mem(c, y_plain, yq, 0, &c->y, &c->yc, &c->y_out, add_in, &c->yc_bytes)))
		goto out;
	c->y_md = *y_plain;
	c->xc_md = *xq;
	c->yc_md = *yq;
	if (b) {
		if (dnnl_memory_create(&c->b, b_md, c->d->eng, DNNL_MEMORY_ALLOCATE) != dnnl_success ||
		    dnnl_memory_get_data_handle(c->b, &bp) != dnnl_success) {
			rc = -ENOMEM;
			goto out;
		}
		memcpy(bp, b->data, b->count * sizeof(float));
	}
	return make_prim(pd, &c->prim);
out:
	dnnl_primitive_desc_destroy(pd);
	return rc;
}

/*
 * A Conv's geometry in 2-D (a 1-D conv is H = 1) and its group, when
 * oneDNN takes it: 0, or -ENOSYS.
 */
static int conv_geom(const struct gr_node *n, int xrank, const int64_t *xdims,
		     const struct gr_value *w, const struct gr_value *b, struct gr_geom *g,
		     int64_t *grp)
{
	struct gr_value shape = { .dtype = GR_FLOAT, .rank = xrank };
	int64_t C, M, kh, kw;
	struct gr_err err;

	*grp = gr_attr_int(n, "group", 1);
	if ((xrank != 3 && xrank != 4) || !w || w->dtype != GR_FLOAT || w->rank != xrank ||
	    *grp < 1 || (b && (b->dtype != GR_FLOAT || b->rank != 1)))
		return -ENOSYS;
	for (int i = 0; i < xrank; i++)
		if (xdims[i] < 1)
			return -ENOSYS;
	memcpy(shape.dims, xdims, (size_t)xrank * sizeof(int64_t));
	C = xdims[1];
	M = w->dims[0];
	if (C % *grp || M % *grp || w->dims[1] != C / *grp || (b && b->dims[0] != M))
		return -ENOSYS;
	kh = xrank == 4 ? w->dims[2] : 1;
	kw = w->dims[xrank - 1];
	if (gr_infer_window(n, &shape, kh, kw, g, &err))
		return -ENOSYS;
	/* the same in 2-D for a 1-D conv */
	g->kh = kh;
	g->kw = kw;
	return 0;
}

/* The epilogue as post-ops, in the order of fast.h's: (sum + bias) + add, then the clamp. */
static int epi_attr(const struct gr_dnn_epi *e, dnnl_primitive_attr_t *attr)
{
	dnnl_post_ops_t ops = NULL;
	int rc = -ENOSYS;

	*attr = NULL;
	if (dnnl_primitive_attr_create(attr) || dnnl_post_ops_create(&ops)) {
		rc = -ENOMEM;
		goto out;
	}
	if (e && e->add && dnnl_post_ops_append_sum(ops, 1.0f))
		goto out;
	if (e && e->clamp) {
		dnnl_status_t s;

		if (e->lo == 0.0f && isinf(e->hi) && e->hi > 0)
			s = dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f);
		else
			s = dnnl_post_ops_append_eltwise(ops, 1.0f, dnnl_eltwise_clip, e->lo, e->hi);
		if (s)
			goto out;
	}
	if (!dnnl_primitive_attr_set_post_ops(*attr, ops))
		rc = 0;
out:
	if (ops)
		dnnl_post_ops_destroy(ops);
	if (rc && *attr) {
		dnnl_primitive_attr_destroy(*attr);
		*attr = NULL;
	}
	return rc;
}

static struct gr_dnn_prim *prim_alloc(struct gr_dnn *d, int rank, const int64_t *xdims,
				      int64_t M, const struct gr_geom *g, const struct gr_dnn_epi *e)
{
	struct gr_dnn_prim *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->d = d;
	c->rank = rank;
	c->add = e && e->add;
	memcpy(c->xdims, xdims, (size_t)rank * sizeof(int64_t));
	c->ydims[0] = xdims[0];
	c->ydims[1] = M;
	c->ydims[2] = rank == 4 ? g->oh : g->ow;
	c->ydims[3] = g->ow;
	return c;
}

static int conv_new(struct gr_dnn *d, const struct gr_node *n, int xrank, const int64_t *xdims,
		    const struct gr_value *w, const struct gr_value *b,
		    const struct gr_dnn_epi *e, struct gr_dnn_prim **out)
{
	int64_t grp, C, M;
	dnnl_dims_t xd, yd, wd, bd, st, dl, pl, pr;
	dnnl_memory_desc_t x_plain, y_plain, w_plain, b_md, x_any, y_any, w_any;
	dnnl_convolution_desc_t cd;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_primitive_desc_t pd = NULL;
	struct gr_dnn_prim *c;
	struct gr_geom g;
	int rc, wrank;

	if ((rc = conv_geom(n, xrank, xdims, w, b, &g, &grp)))
		return rc;
	C = xdims[1];
	M = w->dims[0];
	c = prim_alloc(d, xrank, xdims, M, &g, e);
	if (!c)
		return -ENOMEM;
	/* in 2-D: N, C, H, W (H = 1 for 1-D) */
	xd[0] = xdims[0];
	xd[1] = C;
	xd[2] = g.ih;
	xd[3] = g.iw;
	yd[0] = xdims[0];
	yd[1] = M;
	yd[2] = g.oh;
	yd[3] = g.ow;
	if (grp == 1) {
		wrank = 4;
		wd[0] = M;
		wd[1] = C;
		wd[2] = g.kh;
		wd[3] = g.kw;
	} else {
		wrank = 5;
		wd[0] = grp;
		wd[1] = M / grp;
		wd[2] = C / grp;
		wd[3] = g.kh;
		wd[4] = g.kw;
	}
	bd[0] = M;
	st[0] = g.sh;
	st[1] = g.sw;
	/* oneDNN's dilation counts the gaps: ONNX's minus one */
	dl[0] = g.dh - 1;
	dl[1] = g.dw - 1;
	pl[0] = g.pt;
	pl[1] = g.pl;
	pr[0] = g.pb;
	pr[1] = g.pr;
	rc = -ENOSYS;
	if (dnnl_memory_desc_init_by_tag(&x_plain, 4, xd, dnnl_f32, dnnl_nchw) ||
	    dnnl_memory_desc_init_by_tag(&y_plain, 4, yd, dnnl_f32, dnnl_nchw) ||
	    dnnl_memory_desc_init_by_tag(&w_plain, wrank, wd, dnnl_f32,
					 grp == 1 ? dnnl_oihw : dnnl_goihw) ||
	    dnnl_memory_desc_init_by_tag(&b_md, 1, bd, dnnl_f32, dnnl_x) ||
	    dnnl_memory_desc_init_by_tag(&x_any, 4, xd, dnnl_f32, dnnl_format_tag_any) ||
	    dnnl_memory_desc_init_by_tag(&y_any, 4, yd, dnnl_f32, dnnl_format_tag_any) ||
	    dnnl_memory_desc_init_by_tag(&w_any, wrank, wd, dnnl_f32, dnnl_format_tag_any))
		goto out;
	if (dnnl_dilated_convolution_forward_desc_init(&cd, dnnl_forward_inference,
						       dnnl_convolution_direct, &x_any, &w_any,
						       b ? &b_md : NULL, &y_any, st, dl, pl, pr))
		goto out;
	if ((rc = epi_attr(e, &attr)))
		goto out;
	rc = -ENOSYS;
	if (dnnl_primitive_desc_create(&pd, &cd, attr, d->eng, NULL))
		goto out;
	rc = bind_weighted(c, pd, &w_plain, w->data, &x_plain, &y_plain, NULL, NULL,
			   c->add ? &c->add_in : NULL, &b_md, b);
	pd = NULL;
out:
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	if (attr)
		dnnl_primitive_attr_destroy(attr);
	if (rc) {
		gr_dnn_prim_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/*
 * A Conv (one group, no dilation) with one output position per image
 * reads only the input pixels under that position's window: the top-left
 * th x tw of each image (its window starts at -pad, before pixel 0),
 * through the weights' taps from (pt, pl). Over those pixels it is an
 * inner product, y[n, m] = sum over (h, w, c) of x[n, c, h, w] *
 * W[m, c, pt + h, pl + w], with the weights (M x th x tw x C, reordered
 * once) streamed once per run: oneDNN's inner product streams them about
 * a third faster than its brgemm convolutions of the same shape do
 * (resnet50-reduced's last stage, docs/models.md). The activations are
 * NHWC, the layout the brgemm convolutions (AVX-512) around it keep
 * theirs in (another layout costs a reorder), so the product reads its
 * input in place when the window covers the whole image (1x1 on 1x1,
 * 3x3 pad 1 on 1x1 and stride 2 on 2x2) and a copy of the touched pixels
 * otherwise (1x1 stride 2 on 2x2: pixel (0, 0)); its output, of one
 * position, is the same memory in NHWC and NCHW.
 * -ENOSYS when the Conv is not of this form (conv_new() runs it).
 */
static int conv_product_new(struct gr_dnn *d, const struct gr_node *n, int xrank,
			    const int64_t *xdims, const struct gr_value *w,
			    const struct gr_value *b, const struct gr_dnn_epi *e,
			    struct gr_dnn_prim **out)
{
	int64_t grp, C, M, th, tw, K;
	dnnl_dims_t xd, yd, wd, bd, sd, dd;
	dnnl_memory_desc_t x_plain, y_plain, x_nhwc, y_nhwc, w_plain, b_md, w_any, s_md, d_md;
	dnnl_inner_product_desc_t ipd;
	dnnl_primitive_attr_t attr = NULL;
	dnnl_primitive_desc_t pd = NULL;
	const float *wf;
	float *wp = NULL;
	struct gr_dnn_prim *c;
	struct gr_geom g;
	int rc;

	if ((rc = conv_geom(n, xrank, xdims, w, b, &g, &grp)))
		return rc;
	th = g.ih < g.kh - g.pt ? g.ih : g.kh - g.pt;
	tw = g.iw < g.kw - g.pl ? g.iw : g.kw - g.pl;
	if (grp != 1 || g.oh != 1 || g.ow != 1 || g.dh != 1 || g.dw != 1 || th < 1 || tw < 1)
		return -ENOSYS;
	C = xdims[1];
	M = w->dims[0];
	K = th * tw * C;
	c = prim_alloc(d, xrank, xdims, M, &g, e);
	if (!c)
		return -ENOMEM;
	if (th != g.ih || tw != g.iw) {
		c->th = th;
		c->tw = tw;
	}
	/* the weights' taps under the window, (h, w, c) fastest last as NHWC's pixels */
	wp = malloc((size_t)M * (size_t)K * sizeof(float));
	if (!wp) {
		rc = -ENOMEM;
		goto out;
	}
	wf = w->data;
	for (int64_t m = 0; m < M; m++)
		for (int64_t h = 0; h < th; h++)
			for (int64_t x = 0; x < tw; x++)
				for (int64_t ch = 0; ch < C; ch++)
					wp[((m * th + h) * tw + x) * C + ch] =
						wf[((m * C + ch) * g.kh + g.pt + h) * g.kw + g.pl + x];
	xd[0] = xdims[0];
	xd[1] = C;
	xd[2] = g.ih;
	xd[3] = g.iw;
	yd[0] = xdims[0];
	yd[1] = M;
	yd[2] = yd[3] = 1;
	sd[0] = dd[0] = xdims[0];
	sd[1] = K;
	dd[1] = M;
	wd[0] = M;
	wd[1] = K;
	bd[0] = M;
	rc = -ENOSYS;
	if (dnnl_memory_desc_init_by_tag(&x_plain, 4, xd, dnnl_f32, dnnl_nchw) ||
	    dnnl_memory_desc_init_by_tag(&y_plain, 4, yd, dnnl_f32, dnnl_nchw) ||
	    dnnl_memory_desc_init_by_tag(&x_nhwc, 4, xd, dnnl_f32, dnnl_nhwc) ||
	    dnnl_memory_desc_init_by_tag(&y_nhwc, 4, yd, dnnl_f32, dnnl_nhwc) ||
	    dnnl_memory_desc_init_by_tag(&s_md, 2, sd, dnnl_f32, dnnl_nc) ||
	    dnnl_memory_desc_init_by_tag(&d_md, 2, dd, dnnl_f32, dnnl_nc) ||
	    dnnl_memory_desc_init_by_tag(&w_plain, 2, wd, dnnl_f32, dnnl_oi) ||
	    dnnl_memory_desc_init_by_tag(&w_any, 2, wd, dnnl_f32, dnnl_format_tag_any) ||
	    dnnl_memory_desc_init_by_tag(&b_md, 1, bd, dnnl_f32, dnnl_x))
		goto out;
	if (dnnl_inner_product_forward_desc_init(&ipd, dnnl_forward_inference, &s_md, &w_any,
						 b ? &b_md : NULL, &d_md))
		goto out;
	if ((rc = epi_attr(e, &attr)))
		goto out;
	rc = -ENOSYS;
	if (dnnl_primitive_desc_create(&pd, &ipd, attr, d->eng, NULL))
		goto out;
	rc = bind_weighted(c, pd, &w_plain, wp, &x_plain, &y_plain, &x_nhwc, &y_nhwc,
			   c->add ? &c->add_in : NULL, &b_md, b);
	pd = NULL;
out:
	free(wp);
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	if (attr)
		dnnl_primitive_attr_destroy(attr);
	if (rc) {
		gr_dnn_prim_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int gr_dnn_conv_new(struct gr_dnn *d, const struct gr_node *n, int xrank, const int64_t *xdims,
		    const struct gr_value *w, const struct gr_value *b,
		    const struct gr_dnn_epi *e, struct gr_dnn_prim **out)
{
	/* a primitive keeps the thread count it was made with: make it with the run's */
	int prev = threads_begin(), rc = conv_product_new(d, n, xrank, xdims, w, b, e, out);

	if (rc == -ENOSYS)
		rc = conv_new(d, n, xrank, xdims, w, b, e, out);
	threads_end(prev);
	return rc;
}

/*
 * Gemm as oneDNN's inner product: y[M x N] = a[M x K] op(B) + c with B the
 * weights (transB 0: K x N, the "io" layout; 1: N x K, "oi") and c a bias
 * of N values or none; alpha and beta 1, a not transposed.
 */
static int gemm_new(struct gr_dnn *d, const struct gr_node *n, const int64_t *adims,
		    const struct gr_value *w, const struct gr_value *bias,
		    struct gr_dnn_prim **out)
{
	int trans_b = (int)gr_attr_int(n, "transB", 0);
	dnnl_dims_t xd, yd, wd, bd;
	dnnl_memory_desc_t x_plain, y_plain, w_plain, b_md, w_any;
	dnnl_inner_product_desc_t ipd;
	dnnl_primitive_desc_t pd = NULL;
	struct gr_dnn_prim *c;
	int64_t M = adims[0], K = adims[1], N;
	int rc = -ENOSYS;

	if (gr_attr_int(n, "transA", 0) || gr_attr_float(n, "alpha", 1.0f) != 1.0f ||
	    gr_attr_float(n, "beta", 1.0f) != 1.0f || !w || w->dtype != GR_FLOAT ||
	    w->rank != 2 || M < 1 || K < 1 || w->dims[trans_b ? 1 : 0] != K)
		return -ENOSYS;
	N = w->dims[trans_b ? 0 : 1];
	/* c: N values (rank 1, or 1 x N); other broadcasts run on the fast path */
	if (bias && (bias->dtype != GR_FLOAT || bias->count != (size_t)N ||
		     !((bias->rank == 1) || (bias->rank == 2 && bias->dims[0] == 1))))
		return -ENOSYS;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->d = d;
	c->rank = 2;
	c->xdims[0] = c->ydims[0] = M;
	c->xdims[1] = K;
	c->ydims[1] = N;
	xd[0] = yd[0] = M;
	xd[1] = K;
	yd[1] = N;
	wd[0] = N;
	wd[1] = K;
	bd[0] = N;
	if (dnnl_memory_desc_init_by_tag(&x_plain, 2, xd, dnnl_f32, dnnl_nc) ||
	    dnnl_memory_desc_init_by_tag(&y_plain, 2, yd, dnnl_f32, dnnl_nc) ||
	    dnnl_memory_desc_init_by_tag(&w_plain, 2, wd, dnnl_f32, trans_b ? dnnl_oi : dnnl_io) ||
	    dnnl_memory_desc_init_by_tag(&b_md, 1, bd, dnnl_f32, dnnl_x) ||
	    dnnl_memory_desc_init_by_tag(&w_any, 2, wd, dnnl_f32, dnnl_format_tag_any))
		goto out;
	/* the activations as they are: a reorder would cost what the product does */
	if (dnnl_inner_product_forward_desc_init(&ipd, dnnl_forward_inference, &x_plain, &w_any,
						 bias ? &b_md : NULL, &y_plain) ||
	    dnnl_primitive_desc_create(&pd, &ipd, NULL, d->eng, NULL))
		goto out;
	rc = bind_weighted(c, pd, &w_plain, w->data, &x_plain, &y_plain, NULL, NULL, NULL,
			   &b_md, bias);
	pd = NULL;
out:
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	if (rc) {
		gr_dnn_prim_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

/*
 * MaxPool (one output, rank 4) as oneDNN's max pooling in NHWC, the layout
 * the brgemm convolutions around it use on AVX-512, so a pool between two
 * convs keeps their tensors in it. Padding never wins, as in the reference.
 */
static int maxpool_new(struct gr_dnn *d, const struct gr_node *n, const int64_t *xdims,
		       struct gr_dnn_prim **out)
{
	struct gr_value shape = { .dtype = GR_FLOAT, .rank = 4 };
	dnnl_dims_t xd, yd, st, k, dl, pl, pr;
	dnnl_memory_desc_t x_plain, y_plain, x_nhwc, y_nhwc;
	dnnl_pooling_v2_desc_t pdesc;
	dnnl_primitive_desc_t pd = NULL;
	struct gr_dnn_prim *c;
	struct gr_window win;
	struct gr_geom g;
	struct gr_err err;
	int rc = -ENOSYS;

	memcpy(shape.dims, xdims, 4 * sizeof(int64_t));
	if ((n->n_out > 1 && n->out[1] >= 0) || gr_attr_int(n, "storage_order", 0) ||
	    gr_node_window(n, &win, &err) || !win.has_kernel ||
	    gr_infer_window(n, &shape, win.kh, win.kw, &g, &err))
		return -ENOSYS;
	xd[0] = yd[0] = xdims[0];
	xd[1] = yd[1] = xdims[1];
	xd[2] = g.ih;
	xd[3] = g.iw;
	yd[2] = g.oh;
	yd[3] = g.ow;
	st[0] = g.sh;
	st[1] = g.sw;
	k[0] = g.kh;
	k[1] = g.kw;
	dl[0] = g.dh - 1;
	dl[1] = g.dw - 1;
	pl[0] = g.pt;
	pl[1] = g.pl;
	/*
	 * oneDNN wants (in + pads - window) / stride + 1 == out exactly; with
	 * ceil_mode the last window reaches past the bottom / right pads
	 */
	pr[0] = (g.oh - 1) * g.sh + (g.kh - 1) * g.dh + 1 - g.ih - g.pt;
	pr[1] = (g.ow - 1) * g.sw + (g.kw - 1) * g.dw + 1 - g.iw - g.pl;
	if (pr[0] < g.pb)
		pr[0] = g.pb;
	if (pr[1] < g.pr)
		pr[1] = g.pr;
	for (int i = 0; i < 2; i++)
		if ((xd[2 + i] + pl[i] + pr[i] - ((k[i] - 1) * (dl[i] + 1) + 1)) / st[i] + 1 != yd[2 + i])
			return -ENOSYS;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->d = d;
	c->rank = 4;
	for (int i = 0; i < 4; i++) {
		c->xdims[i] = xd[i];
		c->ydims[i] = yd[i];
	}
	if (dnnl_memory_desc_init_by_tag(&x_plain, 4, xd, dnnl_f32, dnnl_nchw) ||
	    dnnl_memory_desc_init_by_tag(&y_plain, 4, yd, dnnl_f32, dnnl_nchw) ||
	    dnnl_memory_desc_init_by_tag(&x_nhwc, 4, xd, dnnl_f32, dnnl_nhwc) ||
	    dnnl_memory_desc_init_by_tag(&y_nhwc, 4, yd, dnnl_f32, dnnl_nhwc) ||
	    dnnl_pooling_v2_forward_desc_init(&pdesc, dnnl_forward_inference, dnnl_pooling_max,
					      &x_nhwc, &y_nhwc, st, k, dl, pl, pr) ||
	    dnnl_primitive_desc_create(&pd, &pdesc, NULL, d->eng, NULL))
		goto out;
	if ((rc = act_mem(c, &x_plain, &x_nhwc, 1, &c->x, &c->xc, &c->x_in, NULL, &c->xc_bytes)) ||
	    (rc = act_mem(c, &y_plain, &y_nhwc, 0, &c->y, &c->yc, &c->y_out, NULL, &c->yc_bytes)))
		goto out;
	c->y_md = y_plain;
	c->xc_md = x_nhwc;
	c->yc_md = y_nhwc;
	rc = make_prim(pd, &c->prim);
	pd = NULL;
out:
	if (pd)
		dnnl_primitive_desc_destroy(pd);
	if (rc) {
		gr_dnn_prim_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int gr_dnn_maxpool_new(struct gr_dnn *d, const struct gr_node *n, int xrank, const int64_t *xdims,
		       struct gr_dnn_prim **out)
{
	int prev, rc;

	if (xrank != 4)
		return -ENOSYS;
	for (int i = 0; i < 4; i++)
		if (xdims[i] < 1)
			return -ENOSYS;
	prev = threads_begin();
	rc = maxpool_new(d, n, xdims, out);
	threads_end(prev);
	return rc;
}

int gr_dnn_gemm_new(struct gr_dnn *d, const struct gr_node *n, int arank, const int64_t *adims,
		    const struct gr_value *w, const struct gr_value *c, struct gr_dnn_prim **out)
{
	int prev, rc;

	if (arank != 2)
		return -ENOSYS;
	prev = threads_begin();
	rc = gemm_new(d, n, adims, w, c, out);
	threads_end(prev);
	return rc;
}

static int same_dims(const struct gr_value *v, int rank, const int64_t *dims)
{
	return v && v->dtype == GR_FLOAT && v->rank == rank &&
	       !memcmp(v->dims, dims, (size_t)rank * sizeof(int64_t));
}

int gr_dnn_prim_chains(const struct gr_dnn_prim *from, const struct gr_dnn_prim *to, int as_add)
{
	const dnnl_memory_desc_t *md;

	/* nothing to gain when the producer writes NCHW itself */
	if (!from->yc || !dnnl_memory_desc_get_size(&from->yc_md) ||
	    dnnl_memory_desc_get_size(&from->yc_md) != dnnl_memory_desc_get_size(&from->y_md))
		return 0;
	if (as_add) {
		if (!to->add || !to->yc)
			return 0;
		md = &to->yc_md;
	} else {
		if (!to->xc)
			return 0;
		md = &to->xc_md;
	}
	return dnnl_memory_desc_equal(&from->yc_md, md);
}

static size_t elems(int rank, const int64_t *dims)
{
	size_t n = 1;

	for (int i = 0; i < rank; i++)
		n *= (size_t)dims[i];
	return n;
}

/* The top-left th x tw pixels of each NHWC image x, into g (N x th x tw x C). */
static void gather(const struct gr_dnn_prim *c, const float *x, float *g)
{
	int64_t C = c->xdims[1], ih = c->rank == 4 ? c->xdims[2] : 1, iw = c->xdims[c->rank - 1];
	size_t row = (size_t)(c->tw * C) * sizeof(float);

	for (int64_t n = 0; n < c->xdims[0]; n++)
		for (int64_t h = 0; h < c->th; h++)
			memcpy(g + (n * c->th + h) * c->tw * C, x + (n * ih + h) * iw * C, row);
}

int gr_dnn_prim_run(struct gr_dnn_prim *c, const struct gr_value *x, const struct gr_value *add,
		    unsigned native, struct gr_value **out, struct gr_err *err)
{
	/* a value in the primitive's layout: only one without padding fits a value */
	size_t xn = elems(c->rank, c->xdims), yn = elems(c->rank, c->ydims);
	int x_native = (native & GR_DNN_X_NATIVE) && c->xc && c->xc_bytes == xn * sizeof(float);
	int y_fits = c->yc && c->yc_bytes == yn * sizeof(float);
	int add_native = (native & GR_DNN_ADD_NATIVE) && y_fits;
	int y_native = (native & GR_DNN_Y_NATIVE) && y_fits;
	void *xc = NULL, *yc = NULL, *xg = NULL;
	struct gr_value *y;
	int rc = 0, prev;

	if (!same_dims(x, c->rank, c->xdims) ||
	    (c->add ? !same_dims(add, c->rank, c->ydims) : add != NULL) ||
	    ((native & GR_DNN_X_NATIVE) && !x_native) ||
	    ((native & GR_DNN_ADD_NATIVE) && !add_native) ||
	    ((native & GR_DNN_Y_NATIVE) && !y_native))
		return -ENOSYS;
	y = gr_value_new_raw(GR_FLOAT, c->rank, c->ydims, err);
	if (!y)
		return -ENOMEM;
	/* scratch for the layouts the graph's tensors do not carry */
	if ((c->xc && !x_native && !(xc = gr_mem_get(c->xc_bytes, 0))) ||
	    (c->yc && !y_native && !(yc = gr_mem_get(c->yc_bytes, 0))) ||
	    (c->th && !(xg = gr_mem_get((size_t)(c->xdims[0] * c->th * c->tw * c->xdims[1]) *
					sizeof(float), 0)))) {
		if (!x_native)
			gr_mem_put(xc);
		if (!y_native)
			gr_mem_put(yc);
		gr_value_free(y);
		return gr_err_set(err, -ENOMEM, "oneDNN: out of memory");
	}
	if (x_native)
		xc = x->data;
	if (y_native)
		yc = y->data;
	/* oneDNN only reads its source */
	dnnl_memory_set_data_handle(c->x, x->data);
	dnnl_memory_set_data_handle(c->y, y->data);
	if (c->xc)
		dnnl_memory_set_data_handle(c->xc, xc);
	if (c->yc)
		dnnl_memory_set_data_handle(c->yc, yc);
	prev = threads_begin();
	if (c->x_in && !x_native) {
		dnnl_exec_arg_t a[2] = { { DNNL_ARG_FROM, c->x }, { DNNL_ARG_TO, c->xc } };

		rc = exec(c->d, c->x_in, 2, a);
	}
	/* the sum post-op adds what the output holds: the Add's operand */
	if (!rc && c->add) {
		if (add_native || !c->yc) {
			/* in the layout the primitive writes */
			memcpy(c->yc ? yc : y->data, add->data, y->count * sizeof(float));
		} else {
			dnnl_exec_arg_t a[2] = { { DNNL_ARG_FROM, c->y }, { DNNL_ARG_TO, c->yc } };

			dnnl_memory_set_data_handle(c->y, add->data);
			rc = exec(c->d, c->add_in, 2, a);
			dnnl_memory_set_data_handle(c->y, y->data);
		}
	}
	/* a Conv as a product: its input NHWC, or the pixels it reads from it */
	if (!rc && c->xs) {
		void *src = c->xc ? xc : x->data;

		if (xg) {
			if (dnnl_stream_wait(c->d->stream) != dnnl_success)
				rc = -EIO;
			else
				gather(c, src, xg);
			src = xg;
		}
		dnnl_memory_set_data_handle(c->xs, src);
		dnnl_memory_set_data_handle(c->ys, c->yc ? yc : y->data);
	}
	if (!rc) {
		/* a pooling has no weights, a conv or product may have no bias */
		dnnl_exec_arg_t a[4] = {
			{ DNNL_ARG_SRC, c->xs ? c->xs : c->xc ? c->xc : c->x },
			{ DNNL_ARG_DST, c->ys ? c->ys : c->yc ? c->yc : c->y },
			{ DNNL_ARG_WEIGHTS, c->w },
			{ DNNL_ARG_BIAS, c->b },
		};

		rc = exec(c->d, c->prim, 2 + !!c->w + !!c->b, a);
	}
	if (!rc && c->y_out && !y_native) {
		dnnl_exec_arg_t a[2] = { { DNNL_ARG_FROM, c->yc }, { DNNL_ARG_TO, c->y } };

		rc = exec(c->d, c->y_out, 2, a);
	}
	if (!rc && dnnl_stream_wait(c->d->stream) != dnnl_success)
		rc = -EIO;
	threads_end(prev);
	if (!x_native)
		gr_mem_put(xc);
	if (!y_native)
		gr_mem_put(yc);
	gr_mem_put(xg);
	if (rc) {
		gr_value_free(y);
		return gr_err_set(err, rc, "oneDNN: a primitive failed");
	}
	*out = y;
	return 0;
}

int gr_dnn_prim_to_plain(struct gr_dnn_prim *c, const struct gr_value *v, struct gr_value **out,
			 struct gr_err *err)
{
	struct gr_value *y;
	int rc, prev;

	if (!c->y_out || !same_dims(v, c->rank, c->ydims))
		return gr_err_set(err, -EINVAL, "oneDNN: a value not of this primitive's output");
	y = gr_value_new_raw(GR_FLOAT, c->rank, c->ydims, err);
	if (!y)
		return -ENOMEM;
	dnnl_memory_set_data_handle(c->yc, v->data);
	dnnl_memory_set_data_handle(c->y, y->data);
	prev = threads_begin();
	{
		dnnl_exec_arg_t a[2] = { { DNNL_ARG_FROM, c->yc }, { DNNL_ARG_TO, c->y } };

		rc = exec(c->d, c->y_out, 2, a);
	}
	if (!rc && dnnl_stream_wait(c->d->stream) != dnnl_success)
		rc = -EIO;
	threads_end(prev);
	if (rc) {
		gr_value_free(y);
		return gr_err_set(err, rc, "oneDNN: a reorder failed");
	}
	*out = y;
	return 0;
}
