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

static unsigned int holds(enum eyrie_dataflow df)
{
	switch (df) {
	case EYRIE_DATAFLOW_RS: return HOLD_W | HOLD_I | HOLD_P;
	case EYRIE_DATAFLOW_WS: return HOLD_W;
	case EYRIE_DATAFLOW_OS: return HOLD_P;
	case EYRIE_DATAFLOW_IS: return HOLD_I;
	default: return 0;
	}
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Distinct input rows used by e_blk output rows x r_blk filter rows. */
static uint64_t rows_used(const struct eyr_geom *g, uint32_t e_blk,
			  uint32_t r_blk, uint32_t in_h)
{
	uint64_t span = (uint64_t)(e_blk - 1) * g->sh + (uint64_t)(r_blk - 1) * g->dh + 1;
	uint64_t dense = (uint64_t)e_blk * r_blk;
	uint64_t rows = span < dense ? span : dense;

	return rows < in_h ? rows : in_h;
}

int eyr_pass_check(const struct eyr_arch *arch, const struct eyr_geom *g,
		   enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
		   const struct eyrie_mapping *mp)
{
	unsigned int h = holds(df);

	if (df >= EYRIE_DATAFLOW_COUNT)
		return -EINVAL;
	if (!mp->spatial_r || !mp->spatial_e || !mp->sets_m || !mp->sets_c ||
	    !mp->rf_m || !mp->rf_c || !mp->rf_n)
		return -EINVAL;
	if (mp->spatial_r > g->r || mp->spatial_e > ps->e || mp->sets_m > ps->m ||
	    mp->sets_c > ps->c || mp->rf_m > ps->m || mp->rf_c > ps->c || mp->rf_n > ps->n)
		return -EINVAL;
	if ((uint32_t)mp->spatial_r * mp->sets_c > arch->pe_rows ||
	    (uint32_t)mp->spatial_e * mp->sets_m > arch->pe_cols)
		return -EINVAL;
	/* RF capacity for what the dataflow keeps; RF blocking is pointless otherwise */
	if (h & HOLD_W) {
		if ((uint32_t)mp->rf_m * mp->rf_c * g->s > arch->rf_filter_words)
			return -EINVAL;
	}
	if (h & HOLD_I) {
		if ((uint32_t)mp->rf_c * mp->rf_n * g->s > arch->rf_ifmap_words)
			return -EINVAL;
	}
	if (h & HOLD_P) {
		if ((uint32_t)mp->rf_m * mp->rf_n > arch->rf_psum_words)
			return -EINVAL;
	}
	if (!(h & (HOLD_W | HOLD_P)) && mp->rf_m != 1)
		return -EINVAL;
	if (!(h & (HOLD_W | HOLD_I)) && mp->rf_c != 1)
		return -EINVAL;
	if (!(h & (HOLD_I | HOLD_P)) && mp->rf_n != 1)
		return -EINVAL;
	return 0;
}

int eyr_pass_cost(const struct eyr_arch *arch, const struct eyr_geom *g,
		  enum eyrie_dataflow df, const struct eyr_pass_shape *ps,
		  enum eyr_place in_place, enum eyr_place w_place,
		  const struct eyrie_mapping *mp, struct eyr_pass_cost *pc)
{
	unsigned int h = holds(df);
	uint32_t bm = (uint32_t)mp->rf_m * mp->sets_m, bc = (uint32_t)mp->rf_c * mp->sets_c;
	uint32_t nb = eyr_div_up(ps->n, mp->rf_n), eb = eyr_div_up(ps->e, mp->spatial_e);
	uint32_t mb = eyr_div_up(ps->m, bm), cb = eyr_div_up(ps->c, bc);
	uint32_t rb = eyr_div_up(g->r, mp->spatial_r);
	uint64_t glb_i = 0, glb_w = 0, glb_p = 0, noc = 0, rf = 0, macs = 0, cyc = 0;
	uint64_t steps_psum = (uint64_t)cb * rb;
	int ret = eyr_pass_check(arch, g, df, ps, mp);
	uint32_t i;

	if (ret)
		return ret;
	memset(pc, 0, sizeof(*pc));
	/*
	 * Steps differ only in the sizes of their ragged last blocks, so the
	 * counts are sums over (full, last) block sizes of each loop, weighted
	 * by how many steps have them.
	 */
	for (i = 0; i < 32; i++) {
		uint32_t n_blk, e_blk, m_blk, c_blk, r_blk;
		uint64_t cnt = ps->g;
		uint64_t smacs, w_words, i_words, p_words, sets_m_act, e_act, r_act;
		uint64_t sets_c_act, pe_macs, step_noc, step_glb_bytes;

#define PICK(bit, total, blk, nblk, out) do {					\
		uint32_t last_ = (total) - ((nblk) - 1) * (blk);		\
		if (i >> (bit) & 1) {						\
			if (last_ == (blk)) goto next;				\
			out = last_;						\
		} else {							\
			if ((nblk) == 1 && last_ != (blk)) goto next;		\
			out = (blk);						\
			cnt *= (last_ == (blk)) ? (nblk) : (nblk) - 1;		\
		}								\
	} while (0)
		PICK(0, ps->n, mp->rf_n, nb, n_blk);
		PICK(1, ps->e, mp->spatial_e, eb, e_blk);
		PICK(2, ps->m, bm, mb, m_blk);
		PICK(3, ps->c, bc, cb, c_blk);
		PICK(4, g->r, mp->spatial_r, rb, r_blk);
#undef PICK
		if (!cnt)
			goto next;
		/* active sets / PEs in this step */
		sets_m_act = eyr_div_up(m_blk, mp->rf_m);
		sets_c_act = eyr_div_up(c_blk, mp->rf_c);
		e_act = e_blk;
		r_act = r_blk;
		smacs = (uint64_t)n_blk * m_blk * c_blk * e_blk * r_blk * g->s * ps->f;
		w_words = (uint64_t)m_blk * c_blk * r_blk * g->s;
		i_words = (uint64_t)c_blk * n_blk * rows_used(g, e_blk, r_blk, ps->in_h) * ps->in_w;
		p_words = (uint64_t)m_blk * n_blk * e_blk * ps->f;
		/* per PE: its share of the step's MACs, one per cycle */
		pe_macs = (uint64_t)min32(mp->rf_n, n_blk) * min32(mp->rf_m, m_blk) *
			  min32(mp->rf_c, c_blk) * g->s * ps->f;
		step_noc = 0;
		step_glb_bytes = 0;

		/* weights: multicast along the E columns of a set */
		if (h & HOLD_W) {
			glb_w += cnt * w_words;
			step_glb_bytes += w_words;
			step_noc += w_words * e_act;
			rf += cnt * (w_words * e_act + smacs);
		} else {
			glb_w += cnt * (smacs / e_act);
			step_glb_bytes += smacs / e_act;
			step_noc += smacs;
		}
		/* inputs: multicast to the sets over M (and diagonally in RS) */
		if (h & HOLD_I) {
			uint64_t per_pe = (uint64_t)c_blk * n_blk * ps->in_w * r_act * e_act;

			glb_i += cnt * i_words;
			step_glb_bytes += i_words;
			step_noc += per_pe * sets_m_act;
			rf += cnt * (per_pe * sets_m_act + smacs);
		} else {
			glb_i += cnt * (smacs / sets_m_act);
			step_glb_bytes += smacs / sets_m_act;
			step_noc += smacs;
		}
		/*
		 * psums: reduced over the r_act x sets_c_act PEs of a column,
		 * then accumulated into the GLB copy once per step (held) or
		 * once per MAC group (not held).
		 */
		if (h & HOLD_P) {
			glb_p += cnt * 2 * p_words;
			step_glb_bytes += 2 * 4 * p_words;
			step_noc += p_words * r_act * sets_c_act;
			rf += cnt * 2 * smacs;
		} else {
			uint64_t red = smacs / (r_act * sets_c_act);

			glb_p += cnt * 2 * red;
			step_glb_bytes += 2 * 4 * red;
			step_noc += smacs;
		}
		noc += cnt * step_noc;
		macs += cnt * smacs;
		cyc += cnt * max64(pe_macs,
				   max64(eyr_div_up(step_glb_bytes, arch->glb_bytes_per_cycle),
					 eyr_div_up(step_noc, arch->noc_words_per_cycle)));
next:		;
	}
	(void)steps_psum;
	pc->access[EYRIE_ENERGY_GLB] = (in_place == EYR_PLACE_GLB ? glb_i : 0) +
				       (w_place == EYR_PLACE_GLB ? glb_w : 0) + glb_p;
	pc->access[EYRIE_ENERGY_NOC] = noc;
	pc->access[EYRIE_ENERGY_RF] = rf;
	pc->access[EYRIE_ENERGY_MAC] = macs;
	pc->cycles = cyc;
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
	uint32_t cr[64], ce[64], cm[128], cc[128], cn[64], sm_c[128], sc_c[128];
	uint32_t ncr = cands(g->r, arch->pe_rows, cr, 64);
	uint32_t nce = cands(ps->e, arch->pe_cols, ce, 64);
	uint32_t nm = cands(ps->m, ps->m, cm, 128), nc = cands(ps->c, ps->c, cc, 128);
	uint32_t nn = cands(ps->n, ps->n, cn, 64);
	unsigned int h = holds(df);
	double best_v = 0;
	int found = 0;
	uint32_t a, b, x, y, z;

	(void)sm_c;
	(void)sc_c;
	for (a = 0; a < ncr; a++)
		for (b = 0; b < nce; b++) {
			struct eyrie_mapping mp = { 0 };
			uint32_t kx, ky;

			mp.spatial_r = (uint16_t)cr[a];
			mp.spatial_e = (uint16_t)ce[b];
			/* fill the array: as many sets as fit, balanced */
			for (kx = 1; ; kx++) {
				uint32_t v = eyr_div_up(ps->c, kx);
				if (v * cr[a] <= arch->pe_rows) { mp.sets_c = (uint16_t)v; break; }
			}
			for (ky = 1; ; ky++) {
				uint32_t v = eyr_div_up(ps->m, ky);
				if (v * ce[b] <= arch->pe_cols) { mp.sets_m = (uint16_t)v; break; }
			}
			for (x = 0; x < nm; x++) {
				uint32_t rm = cm[x];

				if (rm > 1 && !(h & (HOLD_W | HOLD_P)))
					break;
				if ((h & HOLD_W) && rm * g->s > arch->rf_filter_words)
					break;
				if ((h & HOLD_P) && rm > arch->rf_psum_words)
					break;
				/* RF blocks beyond what the sets leave are idle */
				if (rm > 1 && rm * mp.sets_m > ps->m)
					break;
				for (y = 0; y < nc; y++) {
					uint32_t rc = cc[y];

					if (rc > 1 && !(h & (HOLD_W | HOLD_I)))
						break;
					if ((h & HOLD_W) && rm * rc * g->s > arch->rf_filter_words)
						break;
					if ((h & HOLD_I) && rc * g->s > arch->rf_ifmap_words)
						break;
					if (rc > 1 && rc * mp.sets_c > ps->c)
						break;
					for (z = 0; z < nn; z++) {
						struct eyr_pass_cost pc;
						uint32_t rn = cn[z];
						double v;

						if (rn > 1 && !(h & (HOLD_I | HOLD_P)))
							break;
						if ((h & HOLD_I) && rc * rn * g->s > arch->rf_ifmap_words)
							break;
						if ((h & HOLD_P) && rm * rn > arch->rf_psum_words)
							break;
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
	return found ? 0 : -ENOSPC;
}
