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
#include <stdlib.h>
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

/* Distinct in-bounds input rows read by ne output rows x nr filter rows. */
static uint64_t fold_rows(const struct eyr_geom *g, const struct eyr_pass_shape *ps,
			  uint32_t e0, uint32_t ne, uint32_t r0, uint32_t nr)
{
	uint64_t seen[128];
	int64_t base = (int64_t)e0 * g->sh - ps->pad_t + (int64_t)r0 * g->dh;
	uint64_t span = (uint64_t)(ne - 1) * g->sh + (uint64_t)(nr - 1) * g->dh + 1;
	uint64_t rows = 0;
	uint32_t i, j;

	if ((g->dh == 1 && g->sh <= nr) || (g->sh == 1 && g->dh <= ne) ||
	    (ne == 1 && g->dh == 1) || (nr == 1 && g->sh == 1)) {
		/* the windows overlap or touch: one interval */
		int64_t lo = base < 0 ? 0 : base, hi = base + (int64_t)span - 1;

		if (hi > (int64_t)ps->in_h - 1)
			hi = (int64_t)ps->in_h - 1;
		return hi >= lo ? (uint64_t)(hi - lo + 1) : 0;
	}
	if (g->dh == 1 || g->sh == 1) {
		/* disjoint runs: nr rows per output (dh == 1) or ne rows per tap (sh == 1) */
		uint32_t runs = g->dh == 1 ? ne : nr, len = g->dh == 1 ? nr : ne;
		uint32_t step = g->dh == 1 ? g->sh : g->dh, k;

		for (k = 0; k < runs; k++) {
			int64_t lo = base + (int64_t)k * step, hi = lo + len - 1;

			if (lo < 0)
				lo = 0;
			if (hi > (int64_t)ps->in_h - 1)
				hi = (int64_t)ps->in_h - 1;
			if (hi >= lo)
				rows += (uint64_t)(hi - lo + 1);
		}
		return rows;
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
	if ((uint64_t)mp->sets_m * mp->sets_c >
	    eyrie_pe_set_slots(arch->pe_rows, arch->pe_cols, mp->spatial_r, mp->spatial_e))
		return -EINVAL;
	/* group-parallel sets: the flexible NoC, at most the pass's groups */
	if ((mp->sets_g && !arch->flex_noc) || mp->sets_g > ps->g ||
	    !eyrie_mapping_places(mp, arch->pe_rows, arch->pe_cols))
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
 * Input rows the folds read, summed per class of output-row block (full
 * blocks of spatial_e, then the ragged last one) and per filter-row block:
 * the only term of the counts that depends on where a block sits.
 */
#define MAX_RB 256
struct fold_rows_table {
	uint32_t rb;			/* filter-row blocks */
	uint64_t full_blocks, last_ne;	/* E = full_blocks * spatial_e + last_ne */
	uint64_t rows[2][MAX_RB];	/* [full/last][r block] */
};

static int fold_table(const struct eyr_geom *g, const struct eyr_pass_shape *ps,
		      uint32_t se, uint32_t sr, struct fold_rows_table *t)
{
	uint32_t e0, rbi;

	t->rb = eyr_div_up(g->r, sr);
	if (t->rb > MAX_RB)
		return -E2BIG;
	t->full_blocks = ps->e / se;
	t->last_ne = ps->e % se;
	for (rbi = 0; rbi < t->rb; rbi++) {
		uint32_t r0 = rbi * sr, nr = g->r - r0 < sr ? g->r - r0 : sr;

		t->rows[0][rbi] = t->rows[1][rbi] = 0;
		for (e0 = 0; e0 < ps->e; e0 += se) {
			uint32_t ne = ps->e - e0 < se ? ps->e - e0 : se;

			t->rows[ne == se ? 0 : 1][rbi] += fold_rows(g, ps, e0, ne, r0, nr);
		}
	}
	return 0;
}

/*
 * The device's counting rules for one CONV/FC pass (docs/sim.md, "Counting
 * rules"), evaluated over the pass's folds: output-row blocks of spatial_e,
 * input-channel blocks of sets_c x rf_c and filter-row blocks of spatial_r,
 * each split into batch blocks of rf_n and output-channel blocks of
 * sets_m x rf_m. Folds that differ only in position are counted together;
 * every sum is the device's, term by term.
 */
static void pass_cost_core(const struct eyr_arch *arch, const struct eyr_geom *g,
			   enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
			   enum eyr_place in_place, enum eyr_place w_place,
			   const struct eyrie_mapping *mp,
			   const struct fold_rows_table *ft, struct eyr_pass_cost *pc)
{
	uint64_t R = g->r, S = g->s, F = ps->f, Cg = ps->c;
	uint64_t wp = (F - 1) * g->sw + (S - 1) * g->dw + 1, wv;
	uint64_t tc = (uint64_t)mp->sets_c * mp->rf_c;
	int in_glb = in_place == EYR_PLACE_GLB, w_glb = w_place == EYR_PLACE_GLB;
	uint64_t glb = 0, noc = 0, rf = 0, macs_all = 0, cycles = 0;
	uint64_t noc_pc = arch->noc_words_per_cycle;
	/* sets_g groups side by side: one hop more per NoC word (energy only) */
	uint64_t sg = eyrie_mapping_sets_g(mp);
	uint64_t hops = sg > 1 ? EYRIE_FLEX_NOC_HOPS : 1;
	struct split nt, mt, ct, gt;
	int64_t x0 = -(int64_t)ps->pad_l, x1 = x0 + (int64_t)wp - 1;
	uint32_t rbi;
	int ke, kc, kg, a, b;

	if (x0 < 0)
		x0 = 0;
	if (x1 > (int64_t)ps->in_w - 1)
		x1 = (int64_t)ps->in_w - 1;
	wv = x1 >= x0 ? (uint64_t)(x1 - x0 + 1) : 0;
	split(ps->n, mp->rf_n, &nt);
	split(ps->m, (uint64_t)mp->sets_m * mp->rf_m, &mt);
	split(Cg, tc, &ct);
	split(ps->g, sg, &gt);
	for (rbi = 0; rbi < ft->rb; rbi++) {
		uint64_t r0 = (uint64_t)rbi * mp->spatial_r;
		uint64_t nr = R - r0 < mp->spatial_r ? R - r0 : mp->spatial_r;

		for (ke = 0; ke < 2; ke++) {
			uint64_t ne = ke ? ft->last_ne : mp->spatial_e;
			uint64_t cnt_e = ke ? (ft->last_ne ? 1 : 0) : ft->full_blocks;
			uint64_t rows_sum = ft->rows[ke][rbi];

			if (!cnt_e)
				continue;
			for (kc = 0; kc < ct.n; kc++) {
				uint64_t nc = ct.size[kc], sc = (nc + mp->rf_c - 1) / mp->rf_c;
				uint64_t cnt_c = ct.count[kc];
				uint64_t n_first = (kc == 0 && r0 == 0) ? 1 : 0;
				uint64_t n_last = (kc == ct.n - 1 && r0 + nr == R) ? 1 : 0;

				for (a = 0; a < nt.n; a++)
				for (b = 0; b < mt.n; b++) {
					uint64_t nn = nt.size[a], nm = mt.size[b];
					uint64_t mult = nt.count[a] * mt.count[b];
					uint64_t folds = cnt_c * cnt_e;
					uint64_t macs = nn * nm * nc * nr * ne * S * F;
					uint64_t wu = nm * nc * nr * S;
					uint64_t iu_sum = nn * nc * rows_sum * wv;	/* over the e blocks */
					uint64_t pu = nn * nm * ne * F;
					uint64_t n_f, r_f, g_f, work, nacc, compute;

					switch (df) {
					case EYRIE_DATAFLOW_RS: {
						uint64_t nw = wu * ne, ni = nn * nc * nr * ne * wp;

						n_f = folds * (nw + ni + pu * nr * sc);
						r_f = folds * (4 * macs + nw + ni);
						break;
					}
					case EYRIE_DATAFLOW_WS:
						n_f = folds * (wu + 2 * macs);
						r_f = folds * (macs + wu);
						break;
					case EYRIE_DATAFLOW_OS:
						n_f = folds * (2 * macs + pu);
						r_f = folds * 2 * macs;
						break;
					case EYRIE_DATAFLOW_IS:
						n_f = cnt_c * (iu_sum + cnt_e * 2 * macs);
						r_f = cnt_c * (cnt_e * macs + iu_sum);
						break;
					default:
						n_f = folds * 3 * macs;
						r_f = 0;
						break;
					}
					/* psum reads: every fold but the first, or all with ACCUMULATE */
					nacc = (ps->accumulate ? cnt_c : cnt_c - n_first) * cnt_e;
					if (df == EYRIE_DATAFLOW_NLR)
						g_f = folds * ((in_glb ? macs : 0) + (w_glb ? macs : 0) + 2 * macs);
					else
						g_f = cnt_c * ((in_glb ? iu_sum : 0) +
							       cnt_e * ((w_glb ? wu : 0) + pu)) + nacc * pu;
					if (ps->bias)
						g_f += n_first * cnt_e * nm;
					if (ps->per_channel)
						g_f += n_last * cnt_e * 2 * nm;
					compute = nn * min32(mp->rf_m, (uint32_t)nm) *
						  min32(mp->rf_c, (uint32_t)nc) * S * F;
					/* a fold of gs groups: their sets at once, their NoC words together */
					work = 0;
					for (kg = 0; kg < gt.n; kg++) {
						uint64_t gs = gt.size[kg], wk;

						if (df == EYRIE_DATAFLOW_IS) {
							/* NoC time depends on each fold's rows: exact per fold */
							uint32_t e0;

							wk = 0;
							for (e0 = 0; e0 < ps->e; e0 += mp->spatial_e) {
								uint32_t ne2 = ps->e - e0 < mp->spatial_e ? ps->e - e0 : mp->spatial_e;
								uint64_t rows, nf1;

								if ((ne2 == mp->spatial_e) != (ke == 0))
									continue;
								rows = fold_rows(g, ps, e0, ne2, (uint32_t)r0, (uint32_t)nr);
								nf1 = gs * (nn * nc * rows * wv + 2 * macs);
								wk += max64(compute, (nf1 + noc_pc - 1) / noc_pc);
							}
							wk *= cnt_c;
						} else {
							uint64_t nf1 = gs * (n_f / folds);

							wk = folds * max64(compute, (nf1 + noc_pc - 1) / noc_pc);
						}
						work += wk * gt.count[kg];
					}
					glb += g_f * mult * ps->g;
					noc += n_f * mult * ps->g * hops;
					rf += r_f * mult * ps->g;
					macs_all += folds * macs * mult * ps->g;
					cycles += work * mult;
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
}

int eyr_pass_cost(const struct eyr_arch *arch, const struct eyr_geom *g,
		  enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
		  enum eyr_place in_place, enum eyr_place w_place,
		  const struct eyrie_mapping *mp, struct eyr_pass_cost *pc)
{
	struct fold_rows_table ft;
	int ret = eyr_pass_check(arch, g, df, ps, mp);

	if (ret)
		return ret;
	ret = fold_table(g, ps, mp->spatial_e, mp->spatial_r, &ft);
	if (ret)
		return ret;
	pass_cost_core(arch, g, df, ps, in_place, w_place, mp, &ft, pc);
	return 0;
}

/* Candidate block sizes for an extent: ceil(x / k), the balanced splits. */
static uint32_t cands(uint32_t x, uint32_t cap, uint32_t *out, uint32_t max)
{
	uint32_t k, n = 0, prev = 0;

	if (cap > x)
		cap = x;
	/*
	 * Jump from one distinct value of ceil(x / k) to the next: the
	 * largest k' with ceil(x / k') > v is ceil(x / v) - 1, so the loop
	 * runs once per value returned (it sits in the innermost loop of the
	 * array-mapping enumeration, where x can be thousands).
	 */
	k = x;
	while (k >= 1 && n < max) {
		uint32_t v = eyr_div_up(x, k);

		if (v > cap)
			break;
		if (v != prev)
			out[n++] = prev = v;
		k = eyr_div_up(x, v) - 1;
	}
	return n;
}

/* Objective of one pass: a primary key and a tie-breaker. */
struct pass_key {
	double k1, k2;
};

static double static_per_cycle(const struct eyr_arch *arch)
{
	/* static_mw x 1 cycle = static_mw x 10^6 / clock_khz ns x 1000 fJ/ns */
	return (double)arch->static_mw * 1e9 / arch->clock_khz;
}

/*
 * spc: static_per_cycle(arch), computed once per pass shape. Cycles: least
 * cycles then energy; energy, EDP and DRAM (a pass moves no DRAM word):
 * least energy then cycles.
 */
static struct pass_key pass_key_of(double spc, enum eyr_objective obj,
				   double dyn_fj, double cycles)
{
	struct pass_key k;
	double e = dyn_fj + spc * cycles;

	if (obj == EYR_OBJ_CYCLES) {
		k.k1 = cycles;
		k.k2 = e;
	} else {
		k.k1 = e;
		k.k2 = cycles;
	}
	return k;
}

static int key_less(struct pass_key a, struct pass_key b)
{
	return a.k1 < b.k1 || (a.k1 == b.k1 && a.k2 < b.k2);
}

/*
 * A lower bound of a mapping's pass cost without walking its folds: every
 * access count is a sum over folds whose terms factor into per-dimension
 * sums (number of blocks, rows read per output-row block), so the dynamic
 * energy below is exact; cycles are at least the larger of the summed
 * per-fold work and the summed NoC words over the NoC bandwidth (each fold
 * takes the maximum of the two, rounded up).
 */
struct pass_dims {
	uint64_t N, M, C, R, S, E, F, G, wp, wv, macs;
};

/* A pass shape's loop bounds, input window width and MAC count. */
static void pass_dims_of(const struct eyr_geom *g, const struct eyr_pass_shape *ps,
			 struct pass_dims *d)
{
	int64_t x0, x1;

	d->N = ps->n;
	d->M = ps->m;
	d->C = ps->c;
	d->R = g->r;
	d->S = g->s;
	d->E = ps->e;
	d->F = ps->f;
	d->G = ps->g;
	d->wp = (d->F - 1) * g->sw + (d->S - 1) * g->dw + 1;
	/* input columns the window touches that are not padding */
	x0 = -(int64_t)ps->pad_l;
	x1 = x0 + (int64_t)d->wp - 1;
	if (x0 < 0)
		x0 = 0;
	if (x1 > (int64_t)ps->in_w - 1)
		x1 = (int64_t)ps->in_w - 1;
	d->wv = x1 >= x0 ? (uint64_t)(x1 - x0 + 1) : 0;
	d->macs = d->N * d->M * d->C * d->R * d->E * d->S * d->F;
}


static void pass_bound(const struct eyr_arch *arch, enum eyrie_dataflow df,
		       const struct pass_dims *d, const struct eyr_pass_shape *ps,
		       int in_glb, int w_glb, uint64_t Bn, uint64_t Bm, uint64_t Wm,
		       uint64_t Bc, uint64_t Wc, uint64_t SCsum, uint64_t Be, uint64_t Br,
		       uint64_t rows_sum, uint64_t sg, double *dyn_fj, double *cycles_lb)
{
	/* sets_g groups per fold (a fold's work is one group's), NoC hops */
	uint64_t Bg = (d->G + sg - 1) / sg;
	double hops = sg > 1 ? EYRIE_FLEX_NOC_HOPS : 1;
	double noc_cyc;
	const uint32_t *e = arch->energy_fj;
	uint64_t macs = d->macs;
	uint64_t nmef = d->N * d->M * d->E * d->F;
	uint64_t sum_wu = d->M * d->C * d->R * d->S * Bn * Be;
	uint64_t sum_iu = d->N * d->C * d->wv * rows_sum * Bm;
	uint64_t sum_pu = nmef * Bc * Br;
	uint64_t noc, rf, glb, work;

	switch (df) {
	case EYRIE_DATAFLOW_RS: {
		uint64_t nw = d->M * d->C * d->R * d->S * d->E * Bn;
		uint64_t ni = d->N * d->C * d->R * d->E * d->wp * Bm;

		noc = nw + ni + nmef * d->R * SCsum;
		rf = 4 * macs + nw + ni;
		break;
	}
	case EYRIE_DATAFLOW_WS:
		noc = sum_wu + 2 * macs;
		rf = macs + sum_wu;
		break;
	case EYRIE_DATAFLOW_OS:
		noc = 2 * macs + sum_pu;
		rf = 2 * macs;
		break;
	case EYRIE_DATAFLOW_IS:
		noc = sum_iu + 2 * macs;
		rf = macs + sum_iu;
		break;
	default:
		noc = 3 * macs;
		rf = 0;
		break;
	}
	if (df == EYRIE_DATAFLOW_NLR)
		glb = (in_glb ? macs : 0) + (w_glb ? macs : 0) + 2 * macs;
	else
		glb = (in_glb ? sum_iu : 0) + (w_glb ? sum_wu : 0) + sum_pu +
		      sum_pu - (ps->accumulate ? 0 : nmef);
	if (ps->bias)
		glb += d->M * Bn * Be;
	if (ps->per_channel)
		glb += 2 * d->M * Bn * Be;
	work = d->S * d->F * d->N * Wm * Wc * Be * Br;
	*dyn_fj = (double)d->G * ((double)glb * e[EYRIE_ENERGY_GLB] +
				  hops * (double)noc * e[EYRIE_ENERGY_NOC] +
				  (double)rf * e[EYRIE_ENERGY_RF] + (double)macs * e[EYRIE_ENERGY_MAC]);
	/* each fold takes the longer of its work and its groups' NoC words */
	noc_cyc = (double)d->G * ((double)noc / arch->noc_words_per_cycle);
	*cycles_lb = (double)Bg * (double)work > noc_cyc ? (double)Bg * (double)work : noc_cyc;
}

/*
 * RF blocks (rf_n, rf_c, rf_m) that cover every mapping's: the RF
 * capacities bound their products (filter: rf_m rf_c S, ifmap: rf_c rf_n S,
 * psum: rf_m rf_n), so for every rf_n and rf_c the largest rf_m that fits,
 * keeping the triples no other one is at least as large as in all three.
 * Every mapping's blocks are at most one of these componentwise, and the
 * pass energy only falls as blocks grow, so a floor taken over these is
 * below every mapping's (the capacities taken one at a time, as before,
 * allowed rf_m = 24 with rf_c = 12 with rf_n = 4 at once).
 */
#define MAX_RF_COVER 64
struct rf_triple {
	uint64_t rn, rc, rm;
};

static uint32_t rf_cover(const struct eyr_arch *arch, enum eyrie_dataflow df,
			 const struct pass_dims *d, struct rf_triple *out)
{
	int w_rf = df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_WS;
	int i_rf = df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_IS;
	int p_rf = df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_OS;
	struct rf_triple t[MAX_RF_COVER];
	uint32_t n = 0, k, j, kept = 0;
	uint64_t rn, rc;

	if (df == EYRIE_DATAFLOW_NLR) {
		out[0].rn = out[0].rc = out[0].rm = 1;
		return 1;
	}
	for (rn = 1; rn <= d->N; rn++) {
		uint64_t rc_cap = d->C;

		if (i_rf && arch->rf_ifmap_words / (rn * d->S) < rc_cap)
			rc_cap = arch->rf_ifmap_words / (rn * d->S);
		if (w_rf && arch->rf_filter_words / d->S < rc_cap)
			rc_cap = arch->rf_filter_words / d->S;
		if (p_rf && rn > arch->rf_psum_words)
			rc_cap = 0;
		if (!rc_cap)
			break;
		/* rf_n + 1 allows the same rf_c and rf_m: it covers this one */
		if (rn < d->N && (!i_rf || arch->rf_ifmap_words / ((rn + 1) * d->S) ==
					   arch->rf_ifmap_words / (rn * d->S)) &&
		    (!p_rf || arch->rf_psum_words / (rn + 1) == arch->rf_psum_words / rn))
			continue;
		for (rc = 1; rc <= rc_cap; rc++) {
			uint64_t rm = d->M, next;

			if (w_rf && arch->rf_filter_words / (rc * d->S) < rm)
				rm = arch->rf_filter_words / (rc * d->S);
			if (p_rf && arch->rf_psum_words / rn < rm)
				rm = arch->rf_psum_words / rn;
			if (!rm)
				break;
			/* a larger rf_c with the same rf_m covers this one */
			next = d->M;
			if (w_rf && arch->rf_filter_words / ((rc + 1) * d->S) < next)
				next = arch->rf_filter_words / ((rc + 1) * d->S);
			if (p_rf && arch->rf_psum_words / rn < next)
				next = arch->rf_psum_words / rn;
			if (rc < rc_cap && next == rm)
				continue;
			if (n == MAX_RF_COVER)
				goto cap;
			t[n].rn = rn;
			t[n].rc = rc;
			t[n].rm = rm;
			n++;
		}
	}
	for (k = 0; k < n; k++) {
		for (j = 0; j < n; j++)
			if (j != k && t[j].rn >= t[k].rn && t[j].rc >= t[k].rc && t[j].rm >= t[k].rm &&
			    (t[j].rn > t[k].rn || t[j].rc > t[k].rc || t[j].rm > t[k].rm))
				break;
		if (j == n)
			out[kept++] = t[k];
	}
	return kept;
cap:
	/* too many to list: the capacities one at a time (looser, still a cover) */
	{
		uint64_t rm = d->M, rcm = d->C, rnm = d->N;

		if (w_rf) {
			rm = rm < arch->rf_filter_words / d->S ? rm : arch->rf_filter_words / d->S;
			rcm = rcm < arch->rf_filter_words / d->S ? rcm : arch->rf_filter_words / d->S;
		}
		if (i_rf) {
			rcm = rcm < arch->rf_ifmap_words / d->S ? rcm : arch->rf_ifmap_words / d->S;
			rnm = rnm < arch->rf_ifmap_words / d->S ? rnm : arch->rf_ifmap_words / d->S;
		}
		if (p_rf) {
			rm = rm < arch->rf_psum_words ? rm : arch->rf_psum_words;
			rnm = rnm < arch->rf_psum_words ? rnm : arch->rf_psum_words;
		}
		out[0].rn = rnm ? rnm : 1;
		out[0].rc = rcm ? rcm : 1;
		out[0].rm = rm ? rm : 1;
		return 1;
	}
}

/*
 * Most busy PE columns per fold times sets, over the set widths y <= emax
 * with spatial_r = x: with E (a pass's exact output rows) each output-row
 * block takes a whole fold, so a width y keeps E / ceil(E / y) columns
 * busy on average; with E = 0, y (a bound for any tile of at most emax rows).
 */
static double column_act(const struct eyr_arch *arch, uint32_t x, uint32_t emax, uint32_t E,
			 uint64_t mc)
{
	double best = 1;
	uint32_t y;

	for (y = emax; y >= 1; y--) {
		uint64_t sets = eyrie_pe_set_slots(arch->pe_rows, arch->pe_cols, x, y);
		double act;

		/* a wider set with as many sets across the columns is busier */
		if (y < emax && arch->pe_cols / y == arch->pe_cols / (y + 1))
			continue;
		if (sets > mc)
			sets = mc;
		act = (E ? (double)E / eyr_div_up(E, y) : y) * (double)sets;
		if (act > best)
			best = act;
		if (sets == mc)
			break;	/* narrower sets add none */
	}
	return best;
}

double eyr_max_active_pes(const struct eyr_arch *arch, uint32_t R, uint32_t E, uint64_t mc)
{
	uint32_t emax = E < arch->pe_cols ? E : arch->pe_cols, cr[64], ncr, a;
	double best = 1;

	/* per filter-row block count, the smallest spatial_r has the most sets */
	ncr = cands(R, arch->pe_rows, cr, 64);
	for (a = 0; a < ncr; a++) {
		/* the filter-row tiles of one (n, m, c, e) block take equal time */
		double act = (double)R / eyr_div_up(R, cr[a]) * column_act(arch, cr[a], emax, 0, mc);

		if (act > best)
			best = act;
	}
	return best;
}

/*
 * The sets_g choices of a pass on a set shape with `budget` slots: 1, and
 * with the flexible NoC the balanced splits of the pass's groups up to the
 * budget (each count of group blocks once, with its smallest sets_g).
 */
#define MAX_SG 256
static uint32_t group_sets(const struct eyr_arch *arch, const struct eyr_pass_shape *ps,
			   uint64_t budget, uint32_t *out)
{
	if (!arch->flex_noc || ps->g < 2 || budget < 2) {
		out[0] = 1;
		return 1;
	}
	return cands(ps->g, (uint32_t)(budget < ps->g ? budget : ps->g), out, MAX_SG);
}

/*
 * A floor on the cost of one pass under every array mapping, in closed
 * form: pass_bound's dynamic energy is exact for a mapping and grows with
 * each of its block counts, so taking every block count at the least any
 * mapping can reach (RF blocks from the cover of the jointly feasible ones,
 * all PEs in one set) gives a dynamic energy no mapping goes under.
 * Cycles: each fold takes at least its MACs over its busy PEs and at least
 * its NoC words over the bandwidth. Lets a search refute a tiling without
 * the array-mapping search of its passes.
 *
 * Few filter rows per set buy more sets on the mesh (fewer cycles, less
 * static energy) with more filter-row blocks (more dynamic energy), so
 * energy_fj, the floor on dynamic plus static energy, is taken per
 * filter-row block count (the smallest spatial_r with that count is the
 * one with the most sets): the least energy and the least cycles are
 * rarely one mapping's.
 */
void eyr_pass_floor(const struct eyr_arch *arch, const struct eyr_geom *g,
		    enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
		    enum eyr_place in_place, enum eyr_place w_place,
		    double *dyn_fj, double *cycles, double *energy_fj)
{
	uint64_t pes = (uint64_t)arch->pe_rows * arch->pe_cols;
	uint64_t se, Be, rows_sum, mc;
	struct rf_triple rf[MAX_RF_COVER];
	uint32_t nrf, k, cr[64], ncr, a;
	struct pass_dims d;
	double spc = static_per_cycle(arch);
	double best_dyn = 0, best_cyc = 0, best_e = 0;

	pass_dims_of(g, ps, &d);
	nrf = rf_cover(arch, df, &d, rf);
	se = d.E < arch->pe_cols ? d.E : arch->pe_cols;
	Be = (d.E + se - 1) / se;
	/* with the flexible NoC the sets may also hold different groups */
	mc = d.M * d.C * (arch->flex_noc ? d.G : 1);
	/* every input row some window reads is read by at least one fold */
	rows_sum = fold_rows(g, ps, 0, ps->e, 0, g->r);
	ncr = cands(d.R, arch->pe_rows, cr, 64);
	for (a = 0; a < ncr; a++) {
		uint64_t Br = eyr_div_up(d.R, cr[a]);
		double dyn = 0, noc_lb = 0, act, cyc;

		for (k = 0; k < nrf; k++) {
			/* sets_m x rf_m <= M and sets_m <= PEs; likewise for C */
			uint64_t bm = pes * rf[k].rm < d.M ? pes * rf[k].rm : d.M;
			uint64_t bc = pes * rf[k].rc < d.C ? pes * rf[k].rc : d.C;
			double dk, nk;

			pass_bound(arch, df, &d, ps, in_place == EYR_PLACE_GLB,
				   w_place == EYR_PLACE_GLB, (d.N + rf[k].rn - 1) / rf[k].rn,
				   (d.M + bm - 1) / bm, 0, (d.C + bc - 1) / bc, 0,
				   (d.C + rf[k].rc - 1) / rf[k].rc, Be, Br, rows_sum, 1, &dk, &nk);
			/* pass_bound's cycles with Wm = Wc = 0: G x NoC words / bandwidth */
			if (!k || dk < dyn)
				dyn = dk;
			if (!k || nk < noc_lb)
				noc_lb = nk;
		}
		/*
		 * Busy PEs per fold: the filter-row and output-row blocks of a
		 * pass each take a whole fold, on the sets the mesh holds.
		 */
		act = (double)d.R / Br * column_act(arch, cr[a], (uint32_t)se, (uint32_t)d.E, mc);
		cyc = (double)d.G * (double)d.macs / act;
		if (cyc < noc_lb)
			cyc = noc_lb;
		if (!a || dyn < best_dyn)
			best_dyn = dyn;
		if (!a || cyc < best_cyc)
			best_cyc = cyc;
		if (!a || dyn + spc * cyc < best_e)
			best_e = dyn + spc * cyc;
	}
	*dyn_fj = best_dyn;
	*cycles = best_cyc;
	*energy_fj = best_e;
}

/*
 * A floor on the cost of one pass under every array mapping: a relaxation
 * of eyr_pass_best. pass_bound's dynamic energy is exact for a mapping and
 * grows with each of its block counts, and its cycles are a floor. For
 * every (spatial_r, spatial_e) of the mapspace (exact: output-row blocks,
 * filter-row blocks, rows read) and every sets_m the PE budget allows,
 * and every RF triple of the cover (rf_cover), the other block counts are
 * taken at the least any mapping with those can reach: sets_c at the most
 * the budget leaves. The minimum over these of each of energy, cycles and
 * energy plus static energy is below every mapping's. Lets a search refute
 * a tiling without the array-mapping search of its passes. About a fifth
 * of that search's work, so a search asks for it only for a pass it would
 * otherwise search (eyr_pass_floor is the cheap one for all).
 */
void eyr_pass_floor_fine(const struct eyr_arch *arch, const struct eyr_geom *g,
			 enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
			 enum eyr_place in_place, enum eyr_place w_place,
			 double *dyn_fj, double *cycles, double *energy_fj)
{
	double spc = static_per_cycle(arch), best_e = 0;
	int in_glb = in_place == EYR_PLACE_GLB, w_glb = w_place == EYR_PLACE_GLB;
	struct rf_triple rf[MAX_RF_COVER];
	uint32_t nrf, cr[64], ce[64];
	uint32_t ncr = cands(g->r, arch->pe_rows, cr, 64);
	uint32_t nce = cands(ps->e, arch->pe_cols, ce, 64), a, b;
	uint32_t sgc[MAX_SG], nsg, kg;
	struct fold_rows_table ft;
	struct pass_dims d;
	double best_dyn = 0, best_cyc = 0;
	int any = 0;

	pass_dims_of(g, ps, &d);
	nrf = rf_cover(arch, df, &d, rf);
	for (a = 0; a < ncr; a++)
	for (b = 0; b < nce; b++) {
		uint64_t budget = eyrie_pe_set_slots(arch->pe_rows, arch->pe_cols, cr[a], ce[b]);
		uint64_t rows_sum = 0, Be, Br, sm, smax;
		uint32_t rbi;

		if (!budget || fold_table(g, ps, ce[b], cr[a], &ft))
			continue;
		for (rbi = 0; rbi < ft.rb; rbi++)
			rows_sum += ft.rows[0][rbi] + ft.rows[1][rbi];
		Be = eyr_div_up(ps->e, ce[b]);
		Br = ft.rb;
		nsg = group_sets(arch, ps, budget, sgc);
		for (kg = 0; kg < nsg; kg++) {
		uint64_t bud = budget / sgc[kg];

		smax = bud < d.M ? bud : d.M;
		for (sm = 1; sm <= smax; sm++) {
			uint64_t sc = bud / sm < d.C ? bud / sm : d.C;
			uint32_t k;

			for (k = 0; k < nrf; k++) {
				uint64_t bm = sm * rf[k].rm < d.M ? sm * rf[k].rm : d.M;
				uint64_t bc = sc * rf[k].rc < d.C ? sc * rf[k].rc : d.C;
				double dyn, cyc;

				/*
				 * Wm >= M / sets_m and Wc >= C / sets_c (each block's
				 * min(rf, size)); the sum over input-channel blocks of
				 * ceil(block / rf_c) >= C / rf_c
				 */
				pass_bound(arch, df, &d, ps, in_glb, w_glb,
					   (d.N + rf[k].rn - 1) / rf[k].rn, (d.M + bm - 1) / bm,
					   (d.M + sm - 1) / sm, (d.C + bc - 1) / bc,
					   (d.C + sc - 1) / sc, (d.C + rf[k].rc - 1) / rf[k].rc,
					   Be, Br, rows_sum, sgc[kg], &dyn, &cyc);
				if (!any || dyn < best_dyn)
					best_dyn = dyn;
				if (!any || cyc < best_cyc)
					best_cyc = cyc;
				/* one candidate's energy and time together: static included */
				if (!any || dyn + spc * cyc < best_e)
					best_e = dyn + spc * cyc;
				any = 1;
			}
		}
		}
	}
	/* no mapping fits: nothing to bound (the search reports it) */
	*dyn_fj = any ? best_dyn : 0;
	*cycles = any ? best_cyc : 0;
	*energy_fj = any ? best_e : 0;
}

struct pass_cand {
	struct eyrie_mapping mp;
	uint16_t table;			/* index of its fold-row table */
	struct pass_key lb;
};

static int pass_cand_cmp(const void *pa, const void *pb)
{
	const struct pass_cand *a = pa, *b = pb;

	if (key_less(a->lb, b->lb))
		return -1;
	if (key_less(b->lb, a->lb))
		return 1;
	return memcmp(&a->mp, &b->mp, sizeof(a->mp));
}

static uint64_t blocks_sum_min(uint64_t total, uint64_t block, uint64_t per_pe,
			       uint64_t *nblocks)
{
	uint64_t b = (total + block - 1) / block;
	uint64_t last = total - (b - 1) * block;

	*nblocks = b;
	return (b - 1) * (per_pe < block ? per_pe : block) + (per_pe < last ? per_pe : last);
}

/* Sum over blocks of ceil(block size / rf): active channel sets. */
static uint64_t blocks_sum_ceil(uint64_t total, uint64_t block, uint64_t rf)
{
	uint64_t b = (total + block - 1) / block;
	uint64_t last = total - (b - 1) * block;

	return (b - 1) * ((block + rf - 1) / rf) + (last + rf - 1) / rf;
}

/* A sets_m choice for one (spatial_r, spatial_e, rf_m): its output-channel blocks. */
struct sm_opt {
	uint32_t sm, next_sm;	/* next_sm: the next balanced split (0: none) */
	uint64_t Bm, Wm;
};

/*
 * The sets_m choices of one (PE budget, rf_m): balanced splits of M / rf_m
 * within the budget, keeping only the smallest rf_m per block count (a
 * larger one with the same blocks does the same work, never faster).
 */
static uint32_t sm_options(const struct eyr_pass_shape *ps, uint64_t budget, uint32_t rm,
			   struct sm_opt *out)
{
	uint32_t max_sm = ps->m / rm, sm_c[128], nsm, k, n = 0;

	nsm = cands(max_sm, (uint32_t)(budget < max_sm ? budget : max_sm), sm_c, 128);
	for (k = 0; k < nsm; k++) {
		uint32_t blocks = eyr_div_up(ps->m, (uint64_t)sm_c[k] * rm);

		if (eyr_div_up(ps->m, (uint64_t)sm_c[k] * blocks) != rm)
			continue;
		out[n].sm = sm_c[k];
		out[n].next_sm = k + 1 < nsm ? sm_c[k + 1] : 0;
		out[n].Wm = blocks_sum_min(ps->m, (uint64_t)sm_c[k] * rm, rm, &out[n].Bm);
		n++;
	}
	return n;
}

/* The sets_c that goes with a sets_m, and its input-channel blocks. */
struct sc_opt {
	uint32_t sc;
	int skip;		/* a larger sets_m gets the same sets_c: dominated */
	uint64_t Bc, Wc, SCsum;
};

static void sc_options(const struct eyr_pass_shape *ps, uint64_t budget, uint32_t rc,
		       const struct sm_opt *smo, uint32_t nsm, struct sc_opt *out,
		       struct sc_opt *min)
{
	uint64_t max_sc = ps->c / rc;
	uint32_t k;
	int any = 0;

	for (k = 0; k < nsm; k++) {
		uint64_t sc = budget / smo[k].sm;

		if (sc > max_sc)
			sc = max_sc;
		out[k].sc = (uint32_t)sc;
		out[k].skip = smo[k].next_sm &&
			      (budget / smo[k].next_sm < max_sc ? budget / smo[k].next_sm : max_sc) == sc;
		if (out[k].skip)
			continue;
		out[k].Wc = blocks_sum_min(ps->c, sc * rc, rc, &out[k].Bc);
		out[k].SCsum = blocks_sum_ceil(ps->c, sc * rc, rc);
		if (!any || out[k].Bc < min->Bc)
			min->Bc = out[k].Bc;
		if (!any || out[k].Wc < min->Wc)
			min->Wc = out[k].Wc;
		if (!any || out[k].SCsum < min->SCsum)
			min->SCsum = out[k].SCsum;
		any = 1;
	}
	min->skip = !any;
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
	int w_rf = df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_WS;
	int i_rf = df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_IS;
	int p_rf = df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_OS;
	int in_glb = in_place == EYR_PLACE_GLB, w_glb = w_place == EYR_PLACE_GLB;
	double spc = static_per_cycle(arch);
	struct fold_rows_table *tables;
	struct pass_cand *pcs = NULL;
	size_t npc = 0, cap = 0, i;
	struct pass_key best_k = { 0, 0 };
	struct pass_dims d;
	int found = 0, ret = 0;
	uint32_t a, b, x, y, z, ntab = 0, sgc[MAX_SG], nsg, kg;
	struct sm_opt smo[128];
	struct sc_opt sco[128], scmin;

	tables = malloc((size_t)ncr * nce * sizeof(*tables));
	if (!tables)
		return -ENOMEM;
	pass_dims_of(g, ps, &d);

	for (a = 0; a < ncr; a++)
	for (b = 0; b < nce; b++) {
		uint64_t budget = eyrie_pe_set_slots(arch->pe_rows, arch->pe_cols, cr[a], ce[b]);
		uint64_t rows_sum = 0, Be, Br;
		struct fold_rows_table *ft = &tables[ntab];
		uint32_t rbi;

		if (!budget || fold_table(g, ps, ce[b], cr[a], ft))
			continue;
		for (rbi = 0; rbi < ft->rb; rbi++)
			rows_sum += ft->rows[0][rbi] + ft->rows[1][rbi];
		Be = eyr_div_up(ps->e, ce[b]);
		Br = ft->rb;
		nsg = group_sets(arch, ps, budget, sgc);
		for (kg = 0; kg < nsg; kg++)
		for (x = 0; x < nm; x++) {
			uint32_t rm = cm[x], nsm, sg = sgc[kg];
			uint64_t bud = budget / sg;

			if (df == EYRIE_DATAFLOW_NLR && rm > 1)
				break;
			if (w_rf && rm * g->s > arch->rf_filter_words)
				break;
			if (p_rf && rm > arch->rf_psum_words)
				break;
			/* what depends only on rf_m (and the budget), once */
			nsm = sm_options(ps, bud, rm, smo);
			if (!nsm)
				continue;
			for (y = 0; y < nc; y++) {
				uint32_t rc = cc[y];

				if (df == EYRIE_DATAFLOW_NLR && rc > 1)
					break;
				if (w_rf && rm * rc * g->s > arch->rf_filter_words)
					break;
				if (i_rf && rc * g->s > arch->rf_ifmap_words)
					break;
				/* what depends on rf_c and sets_m, once for every rf_n */
				sc_options(ps, bud, rc, smo, nsm, sco, &scmin);
				if (scmin.skip)
					continue;
				for (z = 0; z < nn; z++) {
					uint32_t rn = cn[z], k;
					uint64_t Bn = eyr_div_up(ps->n, rn);

					if (df == EYRIE_DATAFLOW_NLR && rn > 1)
						break;
					if (i_rf && rc * rn * g->s > arch->rf_ifmap_words)
						break;
					if (p_rf && rm * rn > arch->rf_psum_words)
						break;
					for (k = 0; k < nsm; k++) {
						struct pass_cand pc;
						double dyn, cyc;

						if (sco[k].skip)
							continue;
						/*
						 * No eyr_pass_check here: the loop bounds above
						 * are its conditions (candidate caps, the PE
						 * budget, the RF breaks); the winner is
						 * checked once, below.
						 */
						memset(&pc, 0, sizeof(pc));
						pc.mp.spatial_r = (uint16_t)cr[a];
						pc.mp.spatial_e = (uint16_t)ce[b];
						pc.mp.sets_m = (uint16_t)smo[k].sm;
						pc.mp.sets_c = (uint16_t)sco[k].sc;
						pc.mp.rf_m = (uint16_t)rm;
						pc.mp.rf_c = (uint16_t)rc;
						pc.mp.rf_n = (uint16_t)rn;
						pc.mp.sets_g = (uint16_t)(sg > 1 ? sg : 0);
						pass_bound(arch, df, &d, ps, in_glb, w_glb, Bn, smo[k].Bm,
							   smo[k].Wm, sco[k].Bc, sco[k].Wc, sco[k].SCsum,
							   Be, Br, rows_sum, sg, &dyn, &cyc);
						pc.lb = pass_key_of(spc, obj, dyn, cyc);
						pc.table = (uint16_t)ntab;
						if (npc == cap) {
							struct pass_cand *np;

							cap = cap ? 2 * cap : 256;
							np = realloc(pcs, cap * sizeof(*np));
							if (!np) {
								ret = -ENOMEM;
								goto out;
							}
							pcs = np;
						}
						pcs[npc++] = pc;
					}
				}
			}
		}
		ntab++;
	}
	/*
	 * The bounds are exact in energy and a floor in cycles, so few
	 * candidates have a bound below the best exact cost: cost the
	 * smallest bound first, then every candidate still below the best.
	 */
	if (npc) {
		size_t first = 0;

		for (i = 1; i < npc; i++)
			if (pass_cand_cmp(&pcs[i], &pcs[first]) < 0)
				first = i;
		for (i = 0; i < npc; i++) {
			size_t j = i == 0 ? first : (i == first ? 0 : i);
			struct eyr_pass_cost pc;
			struct pass_key k;
			double dyn = 0;
			int l;

			if (found && !key_less(pcs[j].lb, best_k) &&
			    !(pcs[j].lb.k1 == best_k.k1 && pcs[j].lb.k2 == best_k.k2))
				continue;
			pass_cost_core(arch, g, df, ps, in_place, w_place, &pcs[j].mp,
				       &tables[pcs[j].table], &pc);
			for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
				dyn += (double)pc.access[l] * arch->energy_fj[l];
			k = pass_key_of(spc, obj, dyn, (double)pc.cycles);
			/* ties: the smaller mapping in memory order, as the sort did */
			if (!found || key_less(k, best_k) ||
			    (!key_less(best_k, k) && memcmp(&pcs[j].mp, best, sizeof(*best)) < 0)) {
				found = 1;
				best_k = k;
				*best = pcs[j].mp;
				*bpc = pc;
			}
		}
	}
	/* the enumeration's bounds are the check's conditions: a mismatch is a bug */
	if (found && eyr_pass_check(arch, g, df, ps, best))
		ret = -EINVAL;
out:
	free(pcs);
	free(tables);
	if (ret)
		return ret;
	return found ? 0 : -ENOSPC;
}
