// SPDX-License-Identifier: MIT
/*
 * Layer chains (layer fusion, docs/scheduler.md "Layer fusion"): several
 * layers in one command stream, the tensors between them kept in the GLB.
 *
 * This file holds what a chain's traffic and time cannot go under: which
 * consecutive layers form a chain (an inverted-residual block's 1x1 expand
 * -> 3x3 depthwise -> 1x1 project, or a part of it), a chain's compulsory
 * DRAM traffic (its input, every weight, bias and table, its output, each
 * once) and the latency floor of a network whose chains each run as one
 * stream.
 */
#include <string.h>

#include "sched/sched_internal.h"

static int is_pointwise(const struct eyr_layer_shape *s)
{
	return s->op == EYR_LAYER_CONV && (s->groups ? s->groups : 1) == 1 && s->r == 1 &&
	       s->s == 1 && s->stride_h == 1 && s->stride_w == 1 && !s->pad_t && !s->pad_b &&
	       !s->pad_l && !s->pad_r;
}

/* A 3x3 depthwise conv of stride 1 or 2 in both directions, undilated. */
int eyr_chain_is_dw(const struct eyr_layer_shape *s)
{
	return s->op == EYR_LAYER_CONV && s->groups == s->c && s->c == s->m && s->r == 3 &&
	       s->s == 3 && s->stride_h == s->stride_w && (s->stride_h == 1 || s->stride_h == 2) &&
	       s->dil_h == 1 && s->dil_w == 1;
}

/* b reads exactly a's output: same batch, channels and spatial size. */
static int feeds(const struct eyr_layer_shape *a, const struct eyr_layer_shape *b)
{
	return a->n == b->n && a->m == b->c && eyr_layer_out_h(a) == b->h &&
	       eyr_layer_out_w(a) == b->w;
}

enum eyr_chain_link eyr_chain_link(const struct eyr_layer_shape *a,
				   const struct eyr_layer_shape *b)
{
	if (!feeds(a, b))
		return EYR_LINK_NONE;
	if (is_pointwise(a) && eyr_chain_is_dw(b))
		return EYR_LINK_E_DW;
	if (eyr_chain_is_dw(a) && is_pointwise(b))
		return EYR_LINK_DW_P;
	return EYR_LINK_NONE;
}

void eyr_chain_bound(const struct eyr_layer_shape *ls, unsigned int n, int has_bias,
		     int per_channel, uint64_t *words, uint64_t *bytes)
{
	uint64_t w = 0, b = 0;
	unsigned int i;

	*words = *bytes = 0;
	for (i = 0; i < n; i++) {
		struct eyr_geom g;
		uint64_t mall, cin;

		if (eyr_geom_init(&g, &ls[i], NULL, 0))
			continue;	/* not a conv/FC layer: nothing of it is bounded */
		mall = (uint64_t)g.ext[EYR_DIM_G] * g.ext[EYR_DIM_M];
		cin = (uint64_t)g.ext[EYR_DIM_G] * g.ext[EYR_DIM_C];
		if (i == 0) {
			/* rows and columns no window reads are not needed */
			uint64_t in = g.ext[EYR_DIM_N] * cin * eyr_geom_touched_rows(&g) *
				      eyr_geom_touched_cols(&g);

			*words += in;
			*bytes += in;
		}
		w += mall * g.ext[EYR_DIM_C] * g.r * g.s;
		b += (has_bias ? mall : 0) + (per_channel ? 2 * mall : 0);
		if (i == n - 1) {
			uint64_t out = g.ext[EYR_DIM_N] * mall * g.ext[EYR_DIM_E] *
				       g.ext[EYR_DIM_F];

			*words += out;
			*bytes += out;
		}
	}
	*words += w + b;
	*bytes += w + 4 * b;
}

/* The floor of one stream running layers ls[0..n) one after the other. */
static uint64_t stream_floor(const struct eyr_arch *arch, const struct eyr_layer_shape *ls,
			     unsigned int n, uint64_t *dram_bound)
{
	uint64_t pes = (uint64_t)arch->pe_rows * arch->pe_cols, pk = 0, words, bytes, db;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct eyr_geom g;

		/* the array runs the passes of the layers one after the other */
		if (!eyr_geom_init(&g, &ls[i], NULL, 0))
			pk += (g.macs + pes - 1) / pes;
	}
	eyr_chain_bound(ls, n, 1, 0, &words, &bytes);
	db = (bytes + arch->dram_bytes_per_cycle - 1) / arch->dram_bytes_per_cycle;
	if (db > pk)
		*dram_bound += db;
	return db > pk ? db : pk;
}

uint64_t eyr_chain_network_floor(const struct eyr_arch *arch,
				 const struct eyr_layer_shape *ls, unsigned int n,
				 unsigned int links, uint64_t *dram_bound)
{
	uint64_t cycles = 0, db = 0;
	unsigned int i = 0;

	while (i < n) {
		unsigned int j = i + 1;

		while (j < n && (links & EYR_LINK_MASK(eyr_chain_link(&ls[j - 1], &ls[j]))))
			j++;
		cycles += stream_floor(arch, ls + i, j - i, &db);
		i = j;
	}
	if (dram_bound)
		*dram_bound = db;
	return cycles;
}
