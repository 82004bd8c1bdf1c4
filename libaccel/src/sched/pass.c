// SPDX-License-Identifier: MIT
/*
 * The cost of one pass on the PE array, per dataflow.
 *
 * A pass works through its tile in array steps. One step puts a block of
 * filters (rf_m x sets_m output channels, rf_c x sets_c input channels,
 * spatial_r filter rows) and a block of rf_n images x spatial_e output rows
 * on the array; every PE then runs its 1-D row primitive (a filter row
 * against an input row, producing a psum row of F outputs). The dataflow
 * decides which operands a PE keeps in its register file for the whole
 * step (Chen et al., ISCA 2016, section V):
 *
 *   RS: filter row, input sliding window and psum      (all three)
 *   WS: weights only      OS: psums only      IS: inputs only
 *   NLR: nothing (every operand comes over the NoC for every MAC)
 *
 * An operand kept in the RF is read from its source once per step and
 * multicast to the PEs that use it; one that is not comes over the NoC for
 * every MAC (GLB reads shared only by PEs that use the same word in the
 * same cycle). docs/scheduler.md has the formulas.
 */
#include <errno.h>
#include <string.h>

#include "sched/sched_internal.h"

#define HOLD_W 1u
#define HOLD_I 2u
#define HOLD_P 4u

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* Distinct in-bounds input rows read by ne output rows x nr filter rows. */
static uint64_t fold_rows(const struct eyr_geom *g, const struct eyr_pass_shape *ps,
			  uint32_t e0, uint32_t ne, uint32_t r0, uint32_t nr)
{
	uint64_t seen[128];
	int64_t base = (int64_t)e0 * g->sh - ps->pad_t + (int64_t)r0 * g->dh;
	uint64_t span = (uint64_t)(ne - 1) * g->sh + (uint64_t)(nr - 1) * g->dh + 1;
	uint64_t rows = 0;
	uint32_t i, j;

	if (g->sh == 1 && g->dh == 1) {
		int64_t lo = base < 0 ? 0 : base, hi = base + (int64_t)span - 1;

		if (hi > (int64_t)ps->in_h - 1)
			hi = (int64_t)ps->in_h - 1;
		return hi >= lo ? (uint64_t)(hi - lo + 1) : 0;
	}
	if (span > sizeof(seen) * 8) {
		/* sparse and wide: count pairs, minus collisions, the slow way */
		for (j = 0; j < ne; j++)
			for (i = 0; i < nr; i++) {
				int64_t y = base + (int64_t)j * g->sh + (int64_t)i * g->dh;
				uint32_t j2, i2;
				int dup = 0;

				if (y < 0 || y >= ps->in_h)
					continue;
				for (j2 = 0; j2 <= j && !dup; j2++)
					for (i2 = 0; i2 < nr; i2++) {
						if (j2 == j && i2 >= i)
							break;
						if (base + (int64_t)j2 * g->sh + (int64_t)i2 * g->dh == y) {
							dup = 1;
							break;
						}
					}
				rows += !dup;
			}
		return rows;
	}
	memset(seen, 0, (span + 63) / 64 * 8);
	for (j = 0; j < ne; j++)
		for (i = 0; i < nr; i++) {
			uint64_t off = (uint64_t)j * g->sh + (uint64_t)i * g->dh;
			int64_t y = base + (int64_t)off;

			if (y < 0 || y >= ps->in_h || (seen[off / 64] >> (off % 64) & 1))
				continue;
			seen[off / 64] |= 1ull << (off % 64);
			rows++;
		}
	return rows;
}

int eyr_pass_check(const struct eyr_arch *arch, const struct eyr_geom *g,
		   enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
		   const struct eyrie_mapping *mp)
{
	uint64_t pes = (uint64_t)mp->spatial_r * mp->spatial_e * mp->sets_m * mp->sets_c;

	if (df >= EYRIE_DATAFLOW_COUNT)
		return -EINVAL;
	if (!mp->spatial_r || mp->spatial_r > g->r || mp->spatial_r > arch->pe_rows)
		return -EINVAL;
	if (!mp->spatial_e || mp->spatial_e > ps->e || mp->spatial_e > arch->pe_cols)
		return -EINVAL;
	if (!mp->rf_m || mp->rf_m > ps->m || !mp->rf_c || mp->rf_c > ps->c ||
	    !mp->rf_n || mp->rf_n > ps->n)
		return -EINVAL;
	if (!mp->sets_m || (uint32_t)mp->sets_m * mp->rf_m > ps->m ||
	    !mp->sets_c || (uint32_t)mp->sets_c * mp->rf_c > ps->c)
		return -EINVAL;
	if (pes > (uint64_t)arch->pe_rows * arch->pe_cols)
		return -EINVAL;
	if ((df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_WS) &&
	    (uint32_t)mp->rf_m * mp->rf_c * g->s > arch->rf_filter_words)
		return -EINVAL;
	if ((df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_IS) &&
	    (uint32_t)mp->rf_c * mp->rf_n * g->s > arch->rf_ifmap_words)
		return -EINVAL;
	if ((df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_OS) &&
	    (uint32_t)mp->rf_m * mp->rf_n > arch->rf_psum_words)
		return -EINVAL;
	if (df == EYRIE_DATAFLOW_NLR && (mp->rf_m != 1 || mp->rf_c != 1 || mp->rf_n != 1))
		return -EINVAL;
	return 0;
}

struct split {
	uint64_t size[2], count[2];
	int n;
};

static void split(uint64_t d, uint64_t t, struct split *s)
{
	s->n = 0;
	if (d / t) {
		s->size[s->n] = t;
		s->count[s->n++] = d / t;
	}
	if (d % t) {
		s->size[s->n] = d % t;
		s->count[s->n++] = 1;
	}
}

/*
 * The device's counting rules for one CONV/FC pass (docs/sim.md, "Counting
 * rules"), evaluated over the pass's folds: output-row blocks of spatial_e,
 * input-channel blocks of sets_c x rf_c and filter-row blocks of spatial_r,
 * each split into batch blocks of rf_n and output-channel blocks of
 * sets_m x rf_m.
 */
int eyr_pass_cost(const struct eyr_arch *arch, const struct eyr_geom *g,
		  enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
		  enum eyr_place in_place, enum eyr_place w_place,
		  const struct eyrie_mapping *mp, struct eyr_pass_cost *pc)
{
	uint64_t R = g->r, S = g->s, E = ps->e, F = ps->f, Cg = ps->c;
	uint64_t wp = (F - 1) * g->sw + (S - 1) * g->dw + 1, wv;
	uint64_t tc = (uint64_t)mp->sets_c * mp->rf_c;
	int in_glb = in_place == EYR_PLACE_GLB, w_glb = w_place == EYR_PLACE_GLB;
	uint64_t glb = 0, noc = 0, rf = 0, macs_all = 0, cycles = 0;
	struct split nt, mt, ct;
	int64_t x0 = -(int64_t)ps->pad_l, x1 = x0 + (int64_t)wp - 1;
	uint64_t e0, r0;
	int ret = eyr_pass_check(arch, g, df, ps, mp), kc;

	if (ret)
		return ret;
	if (x0 < 0)
		x0 = 0;
	if (x1 > (int64_t)ps->in_w - 1)
		x1 = (int64_t)ps->in_w - 1;
	wv = x1 >= x0 ? (uint64_t)(x1 - x0 + 1) : 0;
	split(ps->n, mp->rf_n, &nt);
	split(ps->m, (uint64_t)mp->sets_m * mp->rf_m, &mt);
	split(Cg, tc, &ct);
	for (e0 = 0; e0 < E; e0 += mp->spatial_e) {
		uint64_t ne = min64(mp->spatial_e, E - e0);

		for (r0 = 0; r0 < R; r0 += mp->spatial_r) {
			uint64_t nr = min64(mp->spatial_r, R - r0);
			uint64_t rows = fold_rows(g, ps, (uint32_t)e0, (uint32_t)ne,
						  (uint32_t)r0, (uint32_t)nr);

			for (kc = 0; kc < ct.n; kc++) {
				uint64_t nc = ct.size[kc], sc = (nc + mp->rf_c - 1) / mp->rf_c;
				/* which C blocks of this class are first / last */
				uint64_t cnt_c = ct.count[kc];
				uint64_t n_first = (kc == 0 && r0 == 0) ? 1 : 0;
				uint64_t n_last = (kc == ct.n - 1 && r0 + nr == R) ? 1 : 0;
				int a, b;

				for (a = 0; a < nt.n; a++)
				for (b = 0; b < mt.n; b++) {
					uint64_t nn = nt.size[a], nm = mt.size[b];
					uint64_t mult = nt.count[a] * mt.count[b] * ps->g;
					uint64_t macs = nn * nm * nc * nr * ne * S * F;
					uint64_t wu = nm * nc * nr * S;
					uint64_t iu = nn * nc * rows * wv;
					uint64_t pu = nn * nm * ne * F;
					uint64_t n_f, r_f, g_f, work, nacc;

					switch (df) {
					case EYRIE_DATAFLOW_RS: {
						uint64_t nw = wu * ne, ni = nn * nc * nr * ne * wp;

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
					default:
						n_f = 3 * macs;
						r_f = 0;
						break;
					}
					/* psum reads: every fold but the first, or all with ACCUMULATE */
					nacc = ps->accumulate ? cnt_c : cnt_c - n_first;
					if (df == EYRIE_DATAFLOW_NLR)
						g_f = cnt_c * ((in_glb ? macs : 0) + (w_glb ? macs : 0) + 2 * macs);
					else
						g_f = cnt_c * ((in_glb ? iu : 0) + (w_glb ? wu : 0) + pu) + nacc * pu;
					if (ps->bias)
						g_f += n_first * nm;
					if (ps->per_channel)
						g_f += n_last * 2 * nm;
					work = nn * min32(mp->rf_m, (uint32_t)nm) *
					       min32(mp->rf_c, (uint32_t)nc) * S * F;
					work = max64(work, (n_f + arch->noc_words_per_cycle - 1) /
							   arch->noc_words_per_cycle);
					glb += g_f * mult;
					noc += cnt_c * n_f * mult;
					rf += cnt_c * r_f * mult;
					macs_all += cnt_c * macs * mult;
					cycles += cnt_c * work * mult;
				}
			}
		}
	}
	memset(pc, 0, sizeof(*pc));
	pc->access[EYRIE_ENERGY_GLB] = glb;
	pc->access[EYRIE_ENERGY_NOC] = noc;
	pc->access[EYRIE_ENERGY_RF] = rf;
	pc->access[EYRIE_ENERGY_MAC] = macs_all;
	pc->cycles = cycles;
	return 0;
}

/* Candidate block sizes for an extent: ceil(x / k), the balanced splits. */
static uint32_t cands(uint32_t x, uint32_t cap, uint32_t *out, uint32_t max)
{
	uint32_t k, n = 0, prev = 0;

	if (cap > x)
		cap = x;
	for (k = x; k >= 1 && n < max; k--) {
		uint32_t v = eyr_div_up(x, k);

		if (v > cap)
			break;
		if (v != prev)
			out[n++] = prev = v;
	}
	return n;
}

static double pass_obj(const struct eyr_arch *arch, enum eyr_objective obj,
		       const struct eyr_pass_cost *pc)
{
	double e = 0;
	int l;

	for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
		e += (double)pc->access[l] * arch->energy_fj[l];
	if (obj == EYR_OBJ_CYCLES)
		return (double)pc->cycles * 1e12 + e;
	return e * 1e6 + (double)pc->cycles;
}

int eyr_pass_best(const struct eyr_arch *arch, const struct eyr_geom *g,
		  enum eyrie_dataflow df, enum eyr_objective obj,
		  const struct eyr_pass_shape *ps, enum eyr_place in_place,
		  enum eyr_place w_place, struct eyrie_mapping *best,
		  struct eyr_pass_cost *bpc)
{
	uint32_t cr[64], ce[64], cm[128], cc[128], cn[64];
	uint32_t ncr = cands(g->r, arch->pe_rows, cr, 64);
	uint32_t nce = cands(ps->e, arch->pe_cols, ce, 64);
	uint32_t nm = cands(ps->m, ps->m, cm, 128), nc = cands(ps->c, ps->c, cc, 128);
	uint32_t nn = cands(ps->n, ps->n, cn, 64);
	uint64_t pes = (uint64_t)arch->pe_rows * arch->pe_cols;
	int w_rf = df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_WS;
	int i_rf = df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_IS;
	int p_rf = df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_OS;
	double best_v = 0;
	int found = 0;
	uint32_t a, b, x, y, z, k;

	for (a = 0; a < ncr; a++)
	for (b = 0; b < nce; b++) {
		uint64_t budget = pes / ((uint64_t)cr[a] * ce[b]);

		for (x = 0; x < nm; x++) {
			uint32_t rm = cm[x];

			if (df == EYRIE_DATAFLOW_NLR && rm > 1)
				break;
			if (w_rf && rm * g->s > arch->rf_filter_words)
				break;
			if (p_rf && rm > arch->rf_psum_words)
				break;
			for (y = 0; y < nc; y++) {
				uint32_t rc = cc[y];

				if (df == EYRIE_DATAFLOW_NLR && rc > 1)
					break;
				if (w_rf && rm * rc * g->s > arch->rf_filter_words)
					break;
				if (i_rf && rc * g->s > arch->rf_ifmap_words)
					break;
				for (z = 0; z < nn; z++) {
					uint32_t rn = cn[z];
					uint32_t max_sm = ps->m / rm, max_sc = ps->c / rc;

					if (df == EYRIE_DATAFLOW_NLR && rn > 1)
						break;
					if (i_rf && rc * rn * g->s > arch->rf_ifmap_words)
						break;
					if (p_rf && rm * rn > arch->rf_psum_words)
						break;
					/* split the PEs left between sets over M and over C */
					for (k = 1; k <= max_sm && k <= budget; k++) {
						struct eyrie_mapping mp = { 0 };
						struct eyr_pass_cost pc;
						uint64_t sc = budget / k;
						double v;

						if (sc > max_sc)
							sc = max_sc;
						/* only the largest sets_m for each sets_c */
						if (k < max_sm && k < budget && budget / (k + 1) >= sc &&
						    (budget / (k + 1) < max_sc ? budget / (k + 1) : max_sc) == sc)
							continue;
						mp.spatial_r = (uint16_t)cr[a];
						mp.spatial_e = (uint16_t)ce[b];
						mp.sets_m = (uint16_t)k;
						mp.sets_c = (uint16_t)sc;
						mp.rf_m = (uint16_t)rm;
						mp.rf_c = (uint16_t)rc;
						mp.rf_n = (uint16_t)rn;
						if (eyr_pass_cost(arch, g, df, ps, in_place, w_place, &mp, &pc))
							continue;
						v = pass_obj(arch, obj, &pc);
						if (!found || v < best_v) {
							found = 1;
							best_v = v;
							*best = mp;
							*bpc = pc;
						}
					}
				}
			}
		}
	}
	return found ? 0 : -ENOSPC;
}
