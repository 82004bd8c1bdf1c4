/* SPDX-License-Identifier: MIT */
/*
 * Sparsity in the prediction (docs/scheduler.md, "Sparsity"): zero gating
 * (EYRIE_CAP_ZERO_GATE, docs/hardware.md 7.9). A gated MAC is one whose
 * input activation is zero (the zero point, padding taps included): the
 * device does not multiply it and skips the weight's RF read where the
 * weight lives in the RF (RS, WS). Cycles and every other access stay, so
 * the gated figures are the dense plan's with those taken off: the mapping
 * is the dense optimum (gating takes the same amount off every mapping of a
 * dataflow's energy and nothing off its cycles).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"

/* Per input row (column) of a layer: how many (output, filter) row pairs read it. */
static void tap_mult(uint32_t in, uint32_t out, uint32_t r, uint32_t stride,
		     uint32_t pad, uint32_t dil, uint32_t *mult)
{
	memset(mult, 0, (size_t)in * sizeof(*mult));
	for (uint32_t e = 0; e < out; e++)
		for (uint32_t i = 0; i < r; i++) {
			int64_t y = (int64_t)e * stride - pad + (int64_t)i * dil;

			if (y >= 0 && y < in)
				mult[y]++;
		}
}

/* Input extent of a conv/FC shape (FC: 1 x 1 maps). */
static void in_hw(const struct eyr_layer_shape *s, uint32_t *h, uint32_t *w)
{
	*h = s->op == EYR_LAYER_FC ? 1 : s->h;
	*w = s->op == EYR_LAYER_FC ? 1 : s->w;
}

static int shape_dims(const struct eyr_layer_shape *s, uint32_t *E, uint32_t *F,
		      uint32_t *R, uint32_t *S)
{
	if (s->op == EYR_LAYER_FC) {
		*E = *F = *R = *S = 1;
		return 0;
	}
	if (s->op != EYR_LAYER_CONV)
		return -1;
	*E = eyr_layer_out_h(s);
	*F = eyr_layer_out_w(s);
	*R = s->r;
	*S = s->s;
	return 0;
}

uint64_t eyr_layer_gated_macs(const struct eyr_layer_shape *s, const int8_t *in,
			      int32_t zp_in, int *err)
{
	uint32_t E, F, R, S, H, W, G = s->groups ? s->groups : 1;
	uint64_t taps, sum = 0, mg = s->m / G;
	uint32_t *rowm, *colm;

	*err = 0;
	if (shape_dims(s, &E, &F, &R, &S)) {
		*err = -1;
		return 0;
	}
	in_hw(s, &H, &W);
	taps = (uint64_t)E * R * F * S;
	rowm = malloc(((size_t)H + W) * sizeof(*rowm));
	if (!rowm) {
		*err = -2;
		return 0;
	}
	colm = rowm + H;
	if (s->op == EYR_LAYER_FC) {
		rowm[0] = colm[0] = 1;
	} else {
		tap_mult(H, E, R, s->stride_h, s->pad_t, s->dil_h, rowm);
		tap_mult(W, F, S, s->stride_w, s->pad_l, s->dil_w, colm);
	}
	for (uint64_t p = 0; p < (uint64_t)s->n * s->c; p++) {
		const int8_t *pl = in + p * H * W;
		uint64_t nz = 0;

		for (uint32_t y = 0; y < H; y++) {
			uint64_t row = 0;

			if (!rowm[y])
				continue;
			for (uint32_t x = 0; x < W; x++)
				if (pl[(size_t)y * W + x] != zp_in)
					row += colm[x];
			nz += row * rowm[y];
		}
		/* every tap that reads no non-zero input reads a zero (or padding) */
		sum += (taps - nz) * mg;
	}
	free(rowm);
	return sum;
}

uint64_t eyr_layer_pad_macs(const struct eyr_layer_shape *s)
{
	uint32_t E, F, R, S, H, W, G = s->groups ? s->groups : 1;
	uint64_t rows = 0, cols = 0;
	uint32_t *m;

	if (shape_dims(s, &E, &F, &R, &S) || s->op == EYR_LAYER_FC)
		return 0;
	in_hw(s, &H, &W);
	m = malloc(((size_t)H > W ? H : W) * sizeof(*m));
	if (!m)
		return 0;
	tap_mult(H, E, R, s->stride_h, s->pad_t, s->dil_h, m);
	for (uint32_t y = 0; y < H; y++)
		rows += m[y];
	tap_mult(W, F, S, s->stride_w, s->pad_l, s->dil_w, m);
	for (uint32_t x = 0; x < W; x++)
		cols += m[x];
	free(m);
	/* taps of a plane minus the in-bounds ones, per (n, c) and filter */
	return ((uint64_t)E * R * F * S - rows * cols) * s->n * s->c * (s->m / G);
}

uint64_t eyr_gated_estimate(const struct eyr_layer_shape *s, uint64_t macs,
			    double zero_fraction)
{
	uint64_t pad = eyr_layer_pad_macs(s);
	double f = zero_fraction < 0 ? 0 : zero_fraction > 1 ? 1 : zero_fraction;

	if (pad > macs)
		pad = macs;
	return pad + (uint64_t)llround(f * (double)(macs - pad));
}

void eyr_cost_gate(const struct eyr_arch *arch, enum eyrie_dataflow df,
		   uint64_t gated, struct eyr_cost *c)
{
	if (gated > c->access[EYRIE_ENERGY_MAC])
		gated = c->access[EYRIE_ENERGY_MAC];
	c->access[EYRIE_ENERGY_MAC] -= gated;
	c->macs -= gated;
	if (df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_WS)
		c->access[EYRIE_ENERGY_RF] -= gated;
	eyr_cost_finish(arch, c);
}

void eyr_rle_layout(uint32_t n, uint32_t c, uint32_t h, uint32_t w, uint32_t rows,
		    struct eyr_rle_layout *lay)
{
	lay->rows = rows && rows < h ? rows : h;
	lay->blocks = (h + lay->rows - 1) / lay->rows;
	lay->slot = EYRIE_RLE_LINE_MAX_BYTES((uint64_t)lay->rows * w);
	lay->bytes = (uint64_t)n * c * lay->blocks * lay->slot;
}

void eyr_rle_pack(const int8_t *dense, uint32_t n, uint32_t c, uint32_t h, uint32_t w,
		  const struct eyr_rle_layout *lay, int8_t zero, uint8_t *coded)
{
	__u64 *words = malloc(lay->slot + 8);

	if (!words)
		abort();
	for (uint64_t p = 0; p < (uint64_t)n * c; p++)
		for (uint32_t b = 0; b < lay->blocks; b++) {
			uint32_t y0 = b * lay->rows;
			uint32_t rows = lay->rows < h - y0 ? lay->rows : h - y0;
			uint8_t *dst = coded + (p * lay->blocks + b) * lay->slot;
			uint32_t nw = eyrie_rle_encode(dense + (p * h + y0) * w, rows * w, zero,
						       words);

			for (uint32_t k = 0; k < nw; k++)
				for (int i = 0; i < 8; i++)	/* little endian */
					dst[8 * k + i] = (uint8_t)(words[k] >> (8 * i));
		}
	free(words);
}

void eyr_rle_unpack(const uint8_t *coded, uint32_t n, uint32_t c, uint32_t h, uint32_t w,
		    const struct eyr_rle_layout *lay, int8_t zero, int8_t *dense)
{
	for (uint64_t p = 0; p < (uint64_t)n * c; p++)
		for (uint32_t b = 0; b < lay->blocks; b++) {
			uint32_t y0 = b * lay->rows;
			uint32_t rows = lay->rows < h - y0 ? lay->rows : h - y0, pos = 0;
			const uint8_t *src = coded + (p * lay->blocks + b) * lay->slot;

			for (uint32_t k = 0; pos < rows * w; k++) {
				__u64 v = 0;

				for (int i = 0; i < 8; i++)
					v |= (__u64)src[8 * k + i] << (8 * i);
				eyrie_rle_decode_word(v, zero, (__s8 *)dense + (p * h + y0) * w,
						      &pos, rows * w);
			}
		}
}

void eyr_sched_rle_choose(const struct eyr_arch *arch, uint32_t in_rows, int out,
			  struct eyr_plan *plan)
{
	struct eyr_geom g;
	uint32_t f0;

	plan->rle_in_rows = plan->rle_out_rows = 0;
	if (!arch->rle_dma || plan->shape.op != EYR_LAYER_CONV ||
	    eyr_geom_init(&g, &plan->shape, NULL, 0))
		return;
	if (in_rows) {
		/* a window of coded rows is a run of whole rows: full-width tiles only */
		int full = 1;

		for (f0 = 0; f0 < g.ext[EYR_DIM_F]; f0 += plan->map.tile[EYR_DIM_F]) {
			struct eyr_span sp;
			uint32_t fl = plan->map.tile[EYR_DIM_F];

			if (fl > g.ext[EYR_DIM_F] - f0)
				fl = (uint32_t)(g.ext[EYR_DIM_F] - f0);
			eyr_geom_span_cols(&g, f0, fl, &sp);
			full &= sp.lo == 0 && sp.len == g.w;
		}
		if (in_rows > g.h)
			in_rows = g.h;
		if (full && (uint64_t)in_rows * g.w <= EYRIE_RLE_MAX_LINE)
			plan->rle_in_rows = in_rows;
	}
	/* a coded line is whole output rows of one tile: F untiled, int8 out */
	if (out && !plan->int32_out && plan->map.tiles[EYR_DIM_F] == 1 &&
	    (uint64_t)plan->map.tile[EYR_DIM_E] * g.ext[EYR_DIM_F] <= EYRIE_RLE_MAX_LINE)
		plan->rle_out_rows = out == EYR_RLE_OUT_ROW ? 1 : plan->map.tile[EYR_DIM_E];
}
