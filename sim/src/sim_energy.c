/* SPDX-License-Identifier: MIT */
/*
 * Energy model: access counts (words) per level and cycles of a pass,
 * counted over the pass's processing folds and their row primitives as the
 * mapping places them on the array. docs/sim.md ("Counting rules") states
 * every term below; the scheduler's predictions are checked against it.
 */
#include <string.h>

#include "sim_internal.h"

static uint64_t ceil_div(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Tiles of size t over a dimension of d: full tiles plus one ragged tile. */
struct tile_classes {
	uint64_t size[2], count[2];
	int n;
};

static void tile_split(uint64_t d, uint64_t t, struct tile_classes *tc)
{
	tc->n = 0;
	if (d / t) {
		tc->size[tc->n] = t;
		tc->count[tc->n++] = d / t;
	}
	if (d % t) {
		tc->size[tc->n] = d % t;
		tc->count[tc->n++] = 1;
	}
}

/*
 * Distinct input rows inside [0, in_h) that a fold's PEs read. seen[y] ==
 * stamp marks row y as counted for this fold (no clearing between folds).
 */
static uint64_t fold_rows(const struct eyrie_cmd_conv *c, uint32_t e0, uint32_t ne,
			  uint32_t r0, uint32_t nr, uint32_t *seen, uint32_t stamp)
{
	uint64_t rows = 0;

	for (uint32_t j = 0; j < ne; j++) {
		for (uint32_t i = 0; i < nr; i++) {
			int64_t y = (int64_t)(e0 + j) * c->stride_h - c->pad_t +
				    (int64_t)(r0 + i) * c->dil_h;

			if (y >= 0 && y < c->in_h && seen[y] != stamp) {
				seen[y] = stamp;
				rows++;
			}
		}
	}
	return rows;
}

/* In-bounds input columns of the span one output row reads. */
static uint64_t row_cols(const struct eyrie_cmd_conv *c, uint64_t wp)
{
	int64_t x0 = -(int64_t)c->pad_l, x1 = x0 + (int64_t)wp - 1;

	if (x0 < 0)
		x0 = 0;
	if (x1 > (int64_t)c->in_w - 1)
		x1 = (int64_t)c->in_w - 1;
	return x1 >= x0 ? (uint64_t)(x1 - x0 + 1) : 0;
}

uint64_t sim_energy_conv(const struct eyrie_hw_desc *desc,
			 const struct eyrie_cmd_conv *c, struct sim_counts *out)
{
	const struct eyrie_mapping *mp = &c->map;
	uint32_t df = c->hdr.dataflow;
	uint64_t G = c->groups, Cg = c->c / c->groups, Mg = c->m / c->groups;
	uint64_t R = c->r, S = c->s, E = c->out_h, F = c->out_w;
	uint64_t wp = (F - 1) * c->stride_w + (S - 1) * c->dil_w + 1;
	uint64_t wv = row_cols(c, wp);
	int in_glb = !(c->in_addr & EYRIE_ADDR_STREAM);
	int w_glb = !(c->w_addr & EYRIE_ADDR_STREAM);
	uint16_t fl = c->hdr.flags;
	uint64_t tc_size = (uint64_t)mp->sets_c * mp->rf_c;
	/* sets_g > 1: groups side by side on the flexible NoC, one hop more per word */
	uint64_t hops = eyrie_mapping_sets_g(mp) > 1 ? EYRIE_FLEX_NOC_HOPS : 1;
	struct tile_classes nt, mt, gt;
	uint64_t glb = 0, noc = 0, rf = 0, macs_all = 0, cycles = 0;
	uint32_t seen[65536], stamp = 0;	/* in_h <= 65535 */

	memset(out, 0, sizeof(*out));
	memset(seen, 0, (size_t)c->in_h * sizeof(seen[0]));
	tile_split(c->n, mp->rf_n, &nt);
	tile_split(Mg, (uint64_t)mp->sets_m * mp->rf_m, &mt);
	tile_split(G, eyrie_mapping_sets_g(mp), &gt);

	for (uint64_t e0 = 0; e0 < E; e0 += mp->spatial_e) {
		uint64_t ne = min_u64(mp->spatial_e, E - e0);

		for (uint64_t c0 = 0; c0 < Cg; c0 += tc_size) {
			uint64_t nc = min_u64(tc_size, Cg - c0);
			uint64_t sc = ceil_div(nc, mp->rf_c);

			for (uint64_t r0 = 0; r0 < R; r0 += mp->spatial_r) {
				uint64_t nr = min_u64(mp->spatial_r, R - r0);
				int first = c0 == 0 && r0 == 0;
				int last = c0 + nc == Cg && r0 + nr == R;
				uint64_t rows = fold_rows(c, (uint32_t)e0, (uint32_t)ne,
							  (uint32_t)r0, (uint32_t)nr, seen,
							  ++stamp);

				for (int a = 0; a < nt.n; a++) {
					for (int b = 0; b < mt.n; b++) {
						uint64_t nn = nt.size[a], nm = mt.size[b];
						uint64_t mult = nt.count[a] * mt.count[b];
						uint64_t macs = nn * nm * nc * nr * ne * S * F;
						uint64_t wu = nm * nc * nr * S;
						uint64_t iu = nn * nc * rows * wv;
						uint64_t pu = nn * nm * ne * F;
						uint64_t g_f = 0, n_f = 0, r_f = 0, work;

						switch (df) {
						case EYRIE_DATAFLOW_RS: {
							uint64_t nw = wu * ne;
							uint64_t ni = nn * nc * nr * ne * wp;

							n_f = nw + ni + pu * nr * sc;
							r_f = 4 * macs + nw + ni;
							break;
						}
						case EYRIE_DATAFLOW_WS:
							n_f = wu + 2 * macs;
							r_f = macs + wu;
							break;
						case EYRIE_DATAFLOW_OS:
							n_f = 2 * macs + pu;
							r_f = 2 * macs;
							break;
						case EYRIE_DATAFLOW_IS:
							n_f = iu + 2 * macs;
							r_f = macs + iu;
							break;
						default: /* NLR */
							n_f = 3 * macs;
							r_f = 0;
							break;
						}
						if (df == EYRIE_DATAFLOW_NLR) {
							g_f = (in_glb ? macs : 0) + (w_glb ? macs : 0) +
							      2 * macs;
						} else {
							g_f = (in_glb ? iu : 0) + (w_glb ? wu : 0) + pu;
							if (!first || (fl & EYRIE_PASS_F_ACCUMULATE))
								g_f += pu;
						}
						if (first && (fl & EYRIE_PASS_F_BIAS))
							g_f += nm;
						if (last && (fl & EYRIE_PASS_F_PER_CHANNEL))
							g_f += 2 * nm;
						work = nn * min_u64(mp->rf_m, nm) *
						       min_u64(mp->rf_c, nc) * S * F;
						/* a fold of g groups: their sets in parallel, their words together */
						for (int k = 0; k < gt.n; k++)
							cycles += mult * gt.count[k] *
								  max_u64(work, ceil_div(gt.size[k] * n_f,
											 desc->noc_words_per_cycle));
						glb += g_f * mult * G;
						noc += n_f * mult * G * hops;
						rf += r_f * mult * G;
						macs_all += macs * mult * G;
					}
				}
			}
		}
	}
	/* one activation-table read (RF) per int8 output the pass writes */
	if ((fl & EYRIE_PASS_F_LUT) && (fl & EYRIE_PASS_F_REQUANT))
		rf += (uint64_t)c->n * c->m * E * F;
	out->words[EYRIE_ENERGY_GLB] = glb;
	out->words[EYRIE_ENERGY_NOC] = noc;
	out->words[EYRIE_ENERGY_RF] = rf;
	out->words[EYRIE_ENERGY_MAC] = macs_all;
	return cycles;
}

static uint64_t pes(const struct eyrie_hw_desc *d)
{
	return (uint64_t)d->pe_rows * d->pe_cols;
}

uint64_t sim_energy_pool(const struct eyrie_hw_desc *desc,
			 const struct eyrie_cmd_pool *p, struct sim_counts *out)
{
	uint64_t outs = (uint64_t)p->n * p->c * p->out_h * p->out_w;
	uint64_t taps = outs * p->r * p->s;
	uint64_t ins = (uint64_t)p->n * p->c * p->in_h * p->in_w;

	memset(out, 0, sizeof(*out));
	out->words[EYRIE_ENERGY_GLB] = ((p->in_addr & EYRIE_ADDR_STREAM) ? 0 : ins) + outs;
	out->words[EYRIE_ENERGY_NOC] = taps + outs;
	out->words[EYRIE_ENERGY_RF] = 2 * taps +
		((p->hdr.flags & EYRIE_PASS_F_LUT) ? outs : 0);
	out->words[EYRIE_ENERGY_MAC] = taps;
	return max_u64(ceil_div(taps, pes(desc)),
		       ceil_div(taps + outs, desc->noc_words_per_cycle));
}

uint64_t sim_energy_eltwise(const struct eyrie_hw_desc *desc,
			    const struct eyrie_cmd_eltwise *e,
			    struct sim_counts *out)
{
	uint64_t n = e->count;
	uint64_t reads = ((e->a_addr & EYRIE_ADDR_STREAM) ? 0 : n) +
			 ((e->b_addr & EYRIE_ADDR_STREAM) ? 0 : n);

	memset(out, 0, sizeof(*out));
	out->words[EYRIE_ENERGY_GLB] = reads + n;
	out->words[EYRIE_ENERGY_NOC] = 3 * n;
	out->words[EYRIE_ENERGY_RF] = (e->hdr.flags & EYRIE_PASS_F_LUT) ? n : 0;
	out->words[EYRIE_ENERGY_MAC] = 3 * n;
	return max_u64(ceil_div(n, pes(desc)),
		       ceil_div(3 * n, desc->noc_words_per_cycle));
}

uint64_t sim_energy_dma_cycles(const struct eyrie_hw_desc *desc, uint64_t bytes)
{
	return max_u64(ceil_div(bytes, desc->dram_bytes_per_cycle),
		       ceil_div(bytes, desc->glb_bytes_per_cycle));
}

/* RLE: the DRAM side moves the coded bytes, the GLB side the elements. */
uint64_t sim_energy_dma_cycles_rle(const struct eyrie_hw_desc *desc, uint64_t dram_bytes,
				   uint64_t glb_bytes)
{
	return max_u64(ceil_div(dram_bytes, desc->dram_bytes_per_cycle),
		       ceil_div(glb_bytes, desc->glb_bytes_per_cycle));
}

uint64_t sim_counts_energy_fj(const struct eyrie_hw_desc *desc,
			      const struct sim_counts *c, int level)
{
	uint64_t words = c->words[level];

	/* the binary32 rule's multiply, in MAC energies (docs/hardware.md 7.11) */
	if (level == EYRIE_ENERGY_MAC)
		words += EYRIE_FP32_RQ_MAC_ENERGY * c->fp32_rq;
	return words * desc->energy_fj[level];
}
