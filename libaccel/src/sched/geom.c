// SPDX-License-Identifier: MIT
/*
 * Layer geometry: loop bounds, input spans of output tiles (halo and
 * padding), and the classes of equal tiles along one dimension.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sched/sched_internal.h"

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int eyr_geom_init(struct eyr_geom *g, const struct eyr_layer_shape *l,
		  char *err, size_t errlen)
{
	uint32_t groups = l->groups ? l->groups : 1;
	uint64_t eh, ew;

	memset(g, 0, sizeof(*g));
	g->out_bytes = 1;
	g->op = l->op;
	if (l->op != EYR_LAYER_CONV && l->op != EYR_LAYER_FC)
		return bad(err, errlen, "layer op %d is not a conv or FC layer", (int)l->op);
	if (!l->n || !l->c || !l->m)
		return bad(err, errlen, "n, c and m must be at least 1 (got n=%u c=%u m=%u)",
			   l->n, l->c, l->m);
	if (l->n > 0xffff || l->c > 0xffff || l->m > 0xffff)
		return bad(err, errlen, "n, c and m must be at most 65535 (the pass fields are 16-bit)");
	if (l->op == EYR_LAYER_FC) {
		g->ext[EYR_DIM_N] = l->n;
		g->ext[EYR_DIM_G] = 1;
		g->ext[EYR_DIM_M] = l->m;
		g->ext[EYR_DIM_E] = 1;
		g->ext[EYR_DIM_F] = 1;
		g->ext[EYR_DIM_C] = l->c;
		g->h = g->w = g->r = g->s = 1;
		g->sh = g->sw = g->dh = g->dw = 1;
		g->macs = (uint64_t)l->n * l->c * l->m;
		return 0;
	}
	if (l->c % groups || l->m % groups)
		return bad(err, errlen, "groups=%u must divide c=%u and m=%u", groups, l->c, l->m);
	if (!l->h || !l->w || !l->r || !l->s)
		return bad(err, errlen, "h, w, r and s must be at least 1");
	if (l->h > 0xffff || l->w > 0xffff)
		return bad(err, errlen, "h and w must be at most 65535");
	if (!l->stride_h || !l->stride_w || !l->dil_h || !l->dil_w)
		return bad(err, errlen, "strides and dilations must be at least 1");
	if (l->r > 255 || l->s > 255 || l->stride_h > 255 || l->stride_w > 255 ||
	    l->dil_h > 255 || l->dil_w > 255 || l->pad_t > 255 || l->pad_b > 255 ||
	    l->pad_l > 255 || l->pad_r > 255)
		return bad(err, errlen, "r, s, strides, dilations and pads must be at most 255 (8-bit pass fields)");
	eh = (uint64_t)l->dil_h * (l->r - 1) + 1;
	ew = (uint64_t)l->dil_w * (l->s - 1) + 1;
	if ((uint64_t)l->h + l->pad_t + l->pad_b < eh || (uint64_t)l->w + l->pad_l + l->pad_r < ew)
		return bad(err, errlen, "the %llux%llu (dilated) filter is larger than the padded %ux%u input",
			   (unsigned long long)eh, (unsigned long long)ew, l->h, l->w);
	/* An output row whose window holds only padding has no input row to load. */
	if (l->pad_t >= eh || l->pad_b >= eh || l->pad_l >= ew || l->pad_r >= ew)
		return bad(err, errlen, "padding (t=%u b=%u l=%u r=%u) must be smaller than the dilated filter (%llux%llu): border outputs would see only padding",
			   l->pad_t, l->pad_b, l->pad_l, l->pad_r,
			   (unsigned long long)eh, (unsigned long long)ew);
	g->ext[EYR_DIM_N] = l->n;
	g->ext[EYR_DIM_G] = groups;
	g->ext[EYR_DIM_M] = l->m / groups;
	g->ext[EYR_DIM_E] = eyr_layer_out_h(l);
	g->ext[EYR_DIM_F] = eyr_layer_out_w(l);
	g->ext[EYR_DIM_C] = l->c / groups;
	if (g->ext[EYR_DIM_E] > 0xffff || g->ext[EYR_DIM_F] > 0xffff)
		return bad(err, errlen, "output larger than 65535");
	g->h = l->h;
	g->w = l->w;
	g->r = l->r;
	g->s = l->s;
	g->sh = l->stride_h;
	g->sw = l->stride_w;
	g->dh = l->dil_h;
	g->dw = l->dil_w;
	g->pt = l->pad_t;
	g->pb = l->pad_b;
	g->pl = l->pad_l;
	g->pr = l->pad_r;
	g->macs = (uint64_t)l->n * groups * g->ext[EYR_DIM_M] * g->ext[EYR_DIM_C] *
		  g->ext[EYR_DIM_E] * g->ext[EYR_DIM_F] * l->r * l->s;
	return 0;
}

static void span(uint32_t o0, uint32_t olen, uint32_t stride, uint32_t dil,
		 uint32_t taps, uint32_t pad, uint32_t in, struct eyr_span *sp)
{
	int64_t y0 = (int64_t)o0 * stride - pad;
	int64_t y1 = (int64_t)(o0 + olen - 1) * stride - pad + (int64_t)(taps - 1) * dil;
	int64_t lo = y0 < 0 ? 0 : y0;
	int64_t hi = y1 > (int64_t)in - 1 ? (int64_t)in - 1 : y1;

	/* eyr_geom_init rejects layers where hi < lo could happen */
	sp->lo = (uint32_t)lo;
	sp->len = (uint32_t)(hi - lo + 1);
	sp->pad = (uint32_t)(lo - y0);
}

void eyr_geom_span_rows(const struct eyr_geom *g, uint32_t e0, uint32_t e_len,
			struct eyr_span *sp)
{
	span(e0, e_len, g->sh, g->dh, g->r, g->pt, g->h, sp);
}

void eyr_geom_span_cols(const struct eyr_geom *g, uint32_t f0, uint32_t f_len,
			struct eyr_span *sp)
{
	span(f0, f_len, g->sw, g->dw, g->s, g->pl, g->w, sp);
}

/*
 * The rows row tile o0 (span sp) loads into a ring after the tile before
 * it (eyr_ring_step; the first tile loads all of its rows), as classes of
 * equal counts; more than EYR_MAX_CLASSES counts drop the ring.
 */
#define EYR_RING_DROPPED (EYR_MAX_CLASSES + 1)
static void ring_add(struct eyr_dim_tiling *t, uint32_t o0, const struct eyr_span *sp)
{
	static const struct eyr_span none;
	uint32_t y0, rows, i;

	if (o0 == 0) {
		t->nnew = 0;
		t->sum_new = 0;
		t->ring_prev = none;
		y0 = sp->lo;
		rows = sp->len;
	} else {
		eyr_ring_step(&t->ring_prev, sp, &y0, &rows);
	}
	(void)y0;
	t->ring_prev = *sp;
	if (t->nnew == EYR_RING_DROPPED)
		return;
	t->sum_new += rows;
	for (i = 0; i < t->nnew; i++)
		if (t->newc[i].rows == rows) {
			t->newc[i].count++;
			return;
		}
	if (t->nnew == EYR_MAX_CLASSES) {
		t->nnew = EYR_RING_DROPPED;
		return;
	}
	t->newc[t->nnew].rows = rows;
	t->newc[t->nnew].count = 1;
	t->nnew++;
}

static int add_class(struct eyr_dim_tiling *t, uint32_t len, uint32_t in_len, uint32_t pad)
{
	uint32_t i;

	t->sum_in += in_len;
	if (in_len > t->max_in)
		t->max_in = in_len;
	for (i = 0; i < t->nclass; i++)
		if (t->cls[i].len == len && t->cls[i].in_len == in_len && t->cls[i].pad == pad) {
			t->cls[i].count++;
			return 0;
		}
	/*
	 * Tiles of one size differ in input span only at the borders (top
	 * padding, bottom clipping) and the ragged end.
	 */
	if (t->nclass == EYR_MAX_CLASSES)
		return -E2BIG;
	t->cls[t->nclass].len = len;
	t->cls[t->nclass].in_len = in_len;
	t->cls[t->nclass].pad = pad;
	t->cls[t->nclass].count = 1;
	t->nclass++;
	return 0;
}

int eyr_dim_tiling_init(const struct eyr_geom *g, enum eyr_dim d,
			 uint32_t tile, struct eyr_dim_tiling *t)
{
	uint32_t ext = g->ext[d], o;

	memset(t, 0, sizeof(*t));
	t->tile = tile;
	t->tiles = eyr_div_up(ext, tile);
	if (d == EYR_DIM_C) {
		/* first, middle and last tiles differ in the pass's flags */
		for (o = 0; o < ext; o += tile) {
			uint32_t len = ext - o < tile ? ext - o : tile;
			uint32_t first = o == 0, last = o + tile >= ext, i;

			for (i = 0; i < t->nclass; i++)
				if (t->cls[i].len == len && t->cls[i].first == first &&
				    t->cls[i].last == last)
					break;
			if (i == t->nclass) {
				if (t->nclass == EYR_MAX_CLASSES)
					return -E2BIG;
				t->cls[i].len = t->cls[i].in_len = len;
				t->cls[i].first = first;
				t->cls[i].last = last;
				t->nclass++;
			}
			t->cls[i].count++;
			if (!first && !last && t->cls[i].count > 1) {
				/* all middle tiles are alike: count them at once */
				uint32_t mid = (ext - 1) / tile - 1;

				t->cls[i].count = mid;
				o = mid * tile;
			}
		}
		t->sum_in = t->sum_new = ext;
		t->max_in = tile;
		return 0;
	}
	if (d != EYR_DIM_E && d != EYR_DIM_F) {
		t->cls[0].len = t->cls[0].in_len = tile;
		t->cls[0].count = ext / tile;
		t->nclass = t->cls[0].count ? 1 : 0;
		if (ext % tile) {
			t->cls[t->nclass].len = t->cls[t->nclass].in_len = ext % tile;
			t->cls[t->nclass].count = 1;
			t->nclass++;
		}
		t->sum_in = t->sum_new = ext;
		t->max_in = tile;
		return 0;
	}
	for (o = 0; o < ext; o += tile) {
		uint32_t len = ext - o < tile ? ext - o : tile;
		struct eyr_span sp;

		if (d == EYR_DIM_E) {
			eyr_geom_span_rows(g, o, len, &sp);
			ring_add(t, o, &sp);
		} else {
			eyr_geom_span_cols(g, o, len, &sp);
		}
		if (add_class(t, len, sp.len, sp.pad))
			return -E2BIG;
	}
	/*
	 * no ring: no halo to keep (disjoint spans), too many counts, or rows
	 * beyond the pass's 16 bits
	 */
	if (d != EYR_DIM_E || t->nnew == EYR_RING_DROPPED || t->sum_new >= t->sum_in ||
	    2ull * t->max_in > 0xffff)
		t->nnew = 0;
	if (!t->nnew)
		t->sum_new = t->sum_in;
	return 0;
}

/* Distinct input rows (or columns) some window of the layer reads. */
static uint64_t touched(uint32_t outs, uint32_t stride, uint32_t dil, uint32_t taps,
			uint32_t pad, uint32_t in)
{
	uint8_t *seen = calloc(in, 1);
	uint64_t n = 0;
	uint32_t o, t;

	if (!seen)
		return 0;	/* a smaller bound is still a bound */
	for (o = 0; o < outs; o++)
		for (t = 0; t < taps; t++) {
			int64_t y = (int64_t)o * stride - pad + (int64_t)t * dil;

			if (y >= 0 && y < in && !seen[y]) {
				seen[y] = 1;
				n++;
			}
		}
	free(seen);
	return n;
}

uint64_t eyr_geom_touched_rows(const struct eyr_geom *g)
{
	return touched(g->ext[EYR_DIM_E], g->sh, g->dh, g->r, g->pt, g->h);
}

uint64_t eyr_geom_touched_cols(const struct eyr_geom *g)
{
	return touched(g->ext[EYR_DIM_F], g->sw, g->dw, g->s, g->pl, g->w);
}
