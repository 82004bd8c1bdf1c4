// SPDX-License-Identifier: MIT
/*
 * The search: the best mapping of the mapspace (docs/scheduler.md).
 *
 * Mapspace: per dimension a GLB tile size from the balanced splits
 * ceil(extent / k) (ragged last tile allowed), a DRAM-level loop order (C
 * anywhere: psums spill to DRAM when a loop runs inside C), GLB or stream
 * placement of inputs and weights, and for each pass the best array mapping
 * of its shape (pass.c).
 *
 * The GLB tilings form a tree of boxes (each fixes some tile sizes, below).
 * Exhaustive mode walks all of it and costs every point. Fast mode goes
 * best-first on admissible lower bounds of boxes and of single tilings
 * (exact DMA-level cost plus floors on the passes that no mapping can
 * beat) and stops when the next bound exceeds the best cost found: the
 * result is the same optimum, after costing a handful of points.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sched/sched_internal.h"

#define MAX_CANDS 512

struct dim_cands {
	uint32_t n;
	struct eyr_dim_tiling t[MAX_CANDS];
	/* E and F: least max_in of candidates >= i, least sum_in of those <= i */
	uint32_t sufmin_in[MAX_CANDS];
	uint64_t premin_sum[MAX_CANDS];
};

/* Memo of pass_best per pass shape and placement. */
struct memo_entry {
	struct eyr_pass_shape ps;
	uint8_t places, used;
	int ret;
	struct eyrie_mapping map;
	struct eyr_pass_cost pc;
};

/*
 * Memo of the pass floors per pass shape and placement: eyr_pass_floor_fine,
 * and eyr_pass_floor under places | FLOOR_COARSE (the same shapes recur in
 * thousands of tilings).
 */
#define FLOOR_COARSE 0x80u
struct floor_entry {
	struct eyr_pass_shape ps;
	uint8_t places, used;
	double dyn, cyc, en;
};

struct pass_class;

struct search {
	const struct eyr_arch *arch;
	struct eyr_geom g;
	enum eyrie_dataflow df;
	enum eyr_objective obj;
	int has_bias, per_channel;
	int shared_memo;		/* pass mappings via pass_memo.c */
	struct dim_cands *dc;		/* [EYR_DIMS] */
	struct memo_entry *memo;
	size_t memo_cap, memo_used;
	struct floor_entry *floors;
	size_t floor_cap, floor_used;
	struct pass_class *pcl;		/* add_passes' scratch, MAX_PASS_CLASSES */
	uint8_t dbuf;			/* EYR_DBUF_* the tilings must fit with */
	int spill;			/* EYR_SPILL_*: which loop orders are searched */
	/* input rings searched: arch->in_ring and the layer has a halo */
	int ring;
	uint64_t evaluated, pruned, tilings;
	double efj[EYRIE_ACCESS_LEVELS];
	/* budget (fast search): see budget_spent() */
	uint64_t searched;		/* array mappings searched (memo misses) */
	uint64_t deadline_us, budget_us, max_evals;
	int over;			/* the budget ran out */
};

/*
 * The canonical loop orders (docs/scheduler.md, "Three loop orders
 * suffice"): some order of each kind is optimal among all 720.
 *   ORD_IN_ONCE  G N E F C M: inputs loaded once, weights per (N, E, F)
 *                tile, psums spilled per C tile (written G N E F M C when
 *                C or M has one tile: the same nest, no spill);
 *   ORD_M_OUTER  G M N E F C: psums stay in the GLB, bias once;
 *   ORD_W_ONCE   G M C N E F: weights loaded once, inputs per M tile,
 *                psums spilled (C outside the batch and row tiles; with
 *                one M tile this is C outermost, the order of Timeloop's
 *                best AlexNet CONV5 mapping).
 */
enum { ORD_IN_ONCE, ORD_M_OUTER, ORD_W_ONCE, ORDERS };
static const uint8_t order_m_inner[EYR_DIMS] = { EYR_DIM_G, EYR_DIM_N, EYR_DIM_E, EYR_DIM_F, EYR_DIM_M, EYR_DIM_C };
static const uint8_t order_in_once[EYR_DIMS] = { EYR_DIM_G, EYR_DIM_N, EYR_DIM_E, EYR_DIM_F, EYR_DIM_C, EYR_DIM_M };
static const uint8_t order_m_outer[EYR_DIMS] = { EYR_DIM_G, EYR_DIM_M, EYR_DIM_N, EYR_DIM_E, EYR_DIM_F, EYR_DIM_C };
static const uint8_t order_w_once[EYR_DIMS] = { EYR_DIM_G, EYR_DIM_M, EYR_DIM_C, EYR_DIM_N, EYR_DIM_E, EYR_DIM_F };

/*
 * With halo reuse (arch->in_ring, docs/scheduler.md "Halo reuse") the
 * same kinds, each with E as the innermost of its N, E, F, C loops
 * wherever that costs nothing, so its row tiles follow each other:
 *   G N F E M C  (C one tile, or M one tile: no spill, C innermost)
 *   G N F C E M  (in once: C moved above E, which spills as G N E F C M
 *                 does, so the inputs go through the ring)
 *   G M N F E C, G M C N F E
 */
static const uint8_t ring_m_inner[EYR_DIMS] = { EYR_DIM_G, EYR_DIM_N, EYR_DIM_F, EYR_DIM_E, EYR_DIM_M, EYR_DIM_C };
static const uint8_t ring_in_once[EYR_DIMS] = { EYR_DIM_G, EYR_DIM_N, EYR_DIM_F, EYR_DIM_C, EYR_DIM_E, EYR_DIM_M };
static const uint8_t ring_m_outer[EYR_DIMS] = { EYR_DIM_G, EYR_DIM_M, EYR_DIM_N, EYR_DIM_F, EYR_DIM_E, EYR_DIM_C };
static const uint8_t ring_w_once[EYR_DIMS] = { EYR_DIM_G, EYR_DIM_M, EYR_DIM_C, EYR_DIM_N, EYR_DIM_F, EYR_DIM_E };

/* Sets canonical order o on a mapping whose tile counts and in_ring are set. */
static void set_order(struct eyr_mapping *m, unsigned int o)
{
	int r = m->in_ring;
	const uint8_t *ord = r ? ring_w_once : order_w_once;

	if (o == ORD_IN_ONCE)
		ord = m->tiles[EYR_DIM_C] > 1 && m->tiles[EYR_DIM_M] > 1 ?
		      (r ? ring_in_once : order_in_once) : (r ? ring_m_inner : order_m_inner);
	else if (o == ORD_M_OUTER)
		ord = r ? ring_m_outer : order_m_outer;
	memcpy(m->order, ord, EYR_DIMS);
}

/*
 * The canonical orders worth costing for a tiling (a bit per order): one
 * of two orders that run the same nest is skipped (the same cost; the
 * one kept sorts first in map_cmp among the canonical ones, which is all
 * the fast search compares), and the spill mode drops what it excludes.
 */
static unsigned int live_orders(const struct search *s, const struct eyr_mapping *m0)
{
	int xtriv = m0->tiles[EYR_DIM_N] == 1 && m0->tiles[EYR_DIM_E] == 1 &&
		    m0->tiles[EYR_DIM_F] == 1;
	int tc1 = m0->tiles[EYR_DIM_C] == 1;
	unsigned int live = 1u << ORD_IN_ONCE, o, out = 0;

	/* M outer = G N E F C when M is one tile; = G M C when C and N, E, F are */
	if (!(m0->tiles[EYR_DIM_M] == 1 || (tc1 && xtriv)))
		live |= 1u << ORD_M_OUTER;
	/* weights once = M outer when C is one tile or N, E, F are */
	if (!(tc1 || xtriv))
		live |= 1u << ORD_W_ONCE;
	if (s->spill == EYR_SPILL_ANY)
		return live;
	for (o = 0; o < ORDERS; o++) {
		struct eyr_mapping m = *m0;

		if (!(live >> o & 1))
			continue;
		set_order(&m, o);
		if (eyr_map_spills(&m) == (s->spill == EYR_SPILL_ONLY))
			out |= 1u << o;
	}
	return out;
}

static uint64_t hash_shape(const struct eyr_pass_shape *ps, unsigned int places)
{
	const uint32_t *w = (const uint32_t *)ps;
	uint64_t h = 1469598103934665603ull ^ places;
	size_t i;

	for (i = 0; i < sizeof(*ps) / 4; i++) {
		h ^= w[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

static int memo_grow(struct search *s)
{
	size_t cap = s->memo_cap ? s->memo_cap * 2 : 1024, i;
	struct memo_entry *nm = calloc(cap, sizeof(*nm));

	if (!nm)
		return -ENOMEM;
	for (i = 0; i < s->memo_cap; i++) {
		struct memo_entry *e = &s->memo[i];
		size_t j;

		if (!e->used)
			continue;
		j = hash_shape(&e->ps, e->places) & (cap - 1);
		while (nm[j].used)
			j = (j + 1) & (cap - 1);
		nm[j] = *e;
	}
	free(s->memo);
	s->memo = nm;
	s->memo_cap = cap;
	return 0;
}

static const struct memo_entry *pass_lookup(struct search *s,
					    const struct eyr_pass_shape *ps,
					    unsigned int places)
{
	size_t j;

	if ((s->memo_used + 1) * 2 > s->memo_cap && memo_grow(s))
		return NULL;
	j = hash_shape(ps, places) & (s->memo_cap - 1);
	while (s->memo[j].used) {
		if (s->memo[j].places == places && !memcmp(&s->memo[j].ps, ps, sizeof(*ps)))
			return &s->memo[j];
		j = (j + 1) & (s->memo_cap - 1);
	}
	s->memo[j].used = 1;
	s->memo[j].places = (uint8_t)places;
	s->memo[j].ps = *ps;
	s->memo[j].ret = (s->shared_memo ? eyr_pass_best_shared : eyr_pass_best)(
				       s->arch, &s->g, s->df, s->obj, ps,
				       eyr_place_of(places, 0), eyr_place_of(places, 1),
				       &s->memo[j].map, &s->memo[j].pc);
	s->memo_used++;
	s->searched++;
	return &s->memo[j];
}

/*
 * CPU time of this thread: the budget counts the search's own work, so a
 * loaded machine does not change the result (wall time does not bound it
 * under load, but nothing could).
 */
uint64_t eyr_cpu_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * The fast search's budget: evaluations (mappings costed plus array
 * mappings searched, where the time goes on large layers) and CPU time.
 * Checked between heap entries, so it overshoots by one tiling's costing.
 */
static int budget_spent(struct search *s)
{
	if (!s->over &&
	    ((s->max_evals && s->evaluated + s->searched >= s->max_evals) ||
	     (s->deadline_us && eyr_cpu_now_us() >= s->deadline_us)))
		s->over = 1;
	return s->over;
}

static int floor_grow(struct search *s)
{
	size_t cap = s->floor_cap ? s->floor_cap * 2 : 1024, i;
	struct floor_entry *nf = calloc(cap, sizeof(*nf));

	if (!nf)
		return -ENOMEM;
	for (i = 0; i < s->floor_cap; i++) {
		struct floor_entry *e = &s->floors[i];
		size_t j;

		if (!e->used)
			continue;
		j = hash_shape(&e->ps, e->places) & (cap - 1);
		while (nf[j].used)
			j = (j + 1) & (cap - 1);
		nf[j] = *e;
	}
	free(s->floors);
	s->floors = nf;
	s->floor_cap = cap;
	return 0;
}

/* eyr_pass_floor_fine (or, with FLOOR_COARSE, eyr_pass_floor) of a pass shape, once per search. */
static int floor_lookup(struct search *s, const struct eyr_pass_shape *ps,
			unsigned int places, double *dyn, double *cyc, double *en)
{
	size_t j;

	if ((s->floor_used + 1) * 2 > s->floor_cap && floor_grow(s))
		return -ENOMEM;
	j = hash_shape(ps, places) & (s->floor_cap - 1);
	while (s->floors[j].used) {
		if (s->floors[j].places == places && !memcmp(&s->floors[j].ps, ps, sizeof(*ps))) {
			*dyn = s->floors[j].dyn;
			*cyc = s->floors[j].cyc;
			*en = s->floors[j].en;
			return 0;
		}
		j = (j + 1) & (s->floor_cap - 1);
	}
	s->floors[j].used = 1;
	s->floors[j].places = (uint8_t)places;
	s->floors[j].ps = *ps;
	if (places & FLOOR_COARSE)
		eyr_pass_floor(s->arch, &s->g, s->df, ps, eyr_place_of(places, 0),
			       eyr_place_of(places, 1), &s->floors[j].dyn, &s->floors[j].cyc,
			       &s->floors[j].en);
	else
		eyr_pass_floor_fine(s->arch, &s->g, s->df, ps,
				    eyr_place_of(places, 0), eyr_place_of(places, 1),
				    &s->floors[j].dyn, &s->floors[j].cyc, &s->floors[j].en);
	s->floor_used++;
	*dyn = s->floors[j].dyn;
	*cyc = s->floors[j].cyc;
	*en = s->floors[j].en;
	return 0;
}

/* Whether this search already has the pass's best mapping. */
static int pass_known(const struct search *s, const struct eyr_pass_shape *ps,
		      unsigned int places)
{
	size_t j;

	if (!s->memo_cap)
		return 0;
	j = hash_shape(ps, places) & (s->memo_cap - 1);
	while (s->memo[j].used) {
		if (s->memo[j].places == places && !memcmp(&s->memo[j].ps, ps, sizeof(*ps)))
			return 1;
		j = (j + 1) & (s->memo_cap - 1);
	}
	return 0;
}

/* The mapping of candidate indices idx under a placement and loop order. */
static void build_map(const struct search *s, const uint16_t *idx, unsigned int places,
		      const uint8_t *order, struct eyr_mapping *m,
		      const struct eyr_dim_tiling **dt)
{
	int d;

	memset(m, 0, sizeof(*m));
	m->dataflow = s->df;
	for (d = 0; d < EYR_DIMS; d++) {
		dt[d] = &s->dc[d].t[idx[d]];
		m->tile[d] = dt[d]->tile;
		m->tiles[d] = dt[d]->tiles;
	}
	memcpy(m->order, order, EYR_DIMS);
	eyr_mapping_set_places(m, places);
	m->in_ring = (uint8_t)s->ring;
}

/* Sum of the passes' costs over all tiles; fills the full tile's mapping. */
struct best {
	int found;
	struct eyr_mapping map;
	struct eyr_cost cost;
};

/* Per MAC, the least dynamic energy and cycles any pass can spend. */
static void per_mac_floor(const struct search *s, const struct eyr_mapping *m,
			  double *dyn, double *noc)
{
	const double *e = s->efj;

	switch (s->df) {
	case EYRIE_DATAFLOW_RS: *noc = 0; *dyn = 4 * e[EYRIE_ENERGY_RF]; break;
	case EYRIE_DATAFLOW_WS: *noc = 2; *dyn = e[EYRIE_ENERGY_RF]; break;
	case EYRIE_DATAFLOW_OS: *noc = 2; *dyn = 2 * e[EYRIE_ENERGY_RF]; break;
	case EYRIE_DATAFLOW_IS: *noc = 2; *dyn = e[EYRIE_ENERGY_RF]; break;
	default:
		*noc = 3;
		*dyn = ((m->place_in == EYR_PLACE_GLB) + (m->place_w == EYR_PLACE_GLB) + 2) *
		       e[EYRIE_ENERGY_GLB];
		break;
	}
	*dyn += e[EYRIE_ENERGY_MAC] + *noc * e[EYRIE_ENERGY_NOC];
}

struct pass_class {
	struct eyr_pass_shape ps;
	uint64_t cnt;
	double macs;		/* of all its tiles */
	/* floors of all its tiles: cycles, and dynamic + static energy */
	double fl_cyc, fl_en;
};

static int class_cmp(const void *pa, const void *pb)
{
	const struct pass_class *a = pa, *b = pb;

	return a->macs > b->macs ? -1 : a->macs < b->macs;
}

#define MAX_PASS_CLASSES 4096

static double objective_of(enum eyr_objective o, double energy, double cycles)
{
	if (o == EYR_OBJ_CYCLES)
		return cycles;
	if (o == EYR_OBJ_EDP)
		return energy * cycles;
	return energy;
}

/*
 * What the fast search bounds, cuts and orders its queue by: the
 * objective's value (a; b = 0), or for the DRAM objective the DRAM words
 * (a) and the energy that breaks their ties (b), compared in that order.
 * A pair of floors (words, energy) is a floor of the pair: a mapping
 * either moves more words than the first, or as many and spends at least
 * the second.
 */
struct okey {
	double a, b;
};

static struct okey okey_none(void)
{
	struct okey k = { HUGE_VAL, HUGE_VAL };

	return k;
}

static struct okey okey_of(enum eyr_objective o, double words, double energy, double cycles)
{
	struct okey k = { objective_of(o, energy, cycles), 0 };

	if (o == EYR_OBJ_DRAM) {
		k.a = words;
		k.b = energy;
	}
	return k;
}

/* x comes before y (the queue's order) */
static int okey_less(struct okey x, struct okey y)
{
	return x.a < y.a || (x.a == y.a && x.b < y.b);
}

/*
 * x is above y by more than the relative slack eps (the floors are sums
 * of doubles); DRAM words are whole numbers, compared exactly.
 */
static int okey_above(enum eyr_objective o, struct okey x, struct okey y, double eps)
{
	if (o != EYR_OBJ_DRAM)
		return x.a > y.a * (1 + eps);
	if (x.a != y.a)
		return x.a > y.a;
	return x.b > y.b * (1 + eps);
}

/*
 * Whether the cost summed so far plus floors on the passes not yet costed
 * (rest_en fJ of dynamic and static energy, rest_cyc cycles) is above cut;
 * *lb: that objective floor (with the DRAM objective, the words and the
 * energy floor).
 */
static int passes_exceed(const struct search *s, const struct eyr_cost *c,
			 double rest_en, double rest_cyc, double rate, struct okey cut,
			 struct okey *lb)
{
	double dyn = 0, cyc, e;
	int l;

	for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
		dyn += (double)c->access[l] * s->efj[l];
	cyc = (double)c->cycles + rest_cyc;
	e = dyn + rate * (double)c->cycles + rest_en;
	/* passes move no DRAM word: c's are the tiling's */
	*lb = okey_of(s->obj, (double)c->dram_words, e, cyc);
	return okey_above(s->obj, *lb, cut, 1e-9);
}

/*
 * Sum of the passes' costs over all tiles. With a finite cut (fast search),
 * the classes go biggest first and the sum stops as soon as what is summed
 * plus a floor on the rest exceeds the cut: returns 1 then, with that floor
 * of the whole tiling's objective in *proved.
 */
static int add_passes(struct search *s, const struct eyr_mapping *m,
		      const struct eyr_dim_tiling *const *dt, struct eyr_cost *c,
		      struct okey cut, struct okey *proved)
{
	const struct eyr_dim_tiling *tn = dt[EYR_DIM_N], *tg = dt[EYR_DIM_G],
		*tm = dt[EYR_DIM_M], *tc = dt[EYR_DIM_C], *te = dt[EYR_DIM_E],
		*tf = dt[EYR_DIM_F];
	unsigned int places = eyr_mapping_places(m);
	struct pass_class *pcl;
	uint32_t a, b, x, y, u, v, n = 0, i;
	double rest_en = 0, rest_cyc = 0, dyn_pm = 0, noc_pm = 0, cyc_pm = 0, rate;
	int l, ret = 0, bounded = cut.a < HUGE_VAL;

	/* one scratch array per search: no allocation per costed tiling */
	if (!s->pcl) {
		s->pcl = malloc(MAX_PASS_CLASSES * sizeof(*s->pcl));
		if (!s->pcl)
			return -ENOMEM;
	}
	pcl = s->pcl;
	for (a = 0; a < tn->nclass; a++)
	for (b = 0; b < tg->nclass; b++)
	for (x = 0; x < tm->nclass; x++)
	for (y = 0; y < tc->nclass; y++)
	for (u = 0; u < te->nclass; u++)
	for (v = 0; v < tf->nclass; v++) {
		struct pass_class *pc = &pcl[n];
		struct eyr_pass_shape *ps = &pc->ps;

		if (n == MAX_PASS_CLASSES)
			return -E2BIG;
		memset(ps, 0, sizeof(*ps));
		pc->cnt = (uint64_t)tn->cls[a].count * tg->cls[b].count *
			  tm->cls[x].count * tc->cls[y].count *
			  te->cls[u].count * tf->cls[v].count;
		ps->n = tn->cls[a].len;
		ps->g = tg->cls[b].len;
		ps->m = tm->cls[x].len;
		ps->c = tc->cls[y].len;
		ps->e = te->cls[u].len;
		ps->f = tf->cls[v].len;
		ps->in_h = te->cls[u].in_len;
		ps->in_w = tf->cls[v].in_len;
		ps->pad_t = te->cls[u].pad;
		ps->pad_l = tf->cls[v].pad;
		ps->accumulate = !tc->cls[y].first;
		ps->bias = tc->cls[y].first && s->has_bias;
		ps->per_channel = tc->cls[y].last && s->per_channel;
		pc->macs = (double)pc->cnt * ps->n * ps->g * ps->m * ps->c * ps->e * ps->f *
			   s->g.r * s->g.s;
		n++;
	}
	if (bounded) {
		qsort(pcl, n, sizeof(*pcl), class_cmp);
		per_mac_floor(s, m, &dyn_pm, &noc_pm);
		cyc_pm = 1.0 / ((double)s->arch->pe_rows * s->arch->pe_cols);
		if (noc_pm / s->arch->noc_words_per_cycle > cyc_pm)
			cyc_pm = noc_pm / s->arch->noc_words_per_cycle;
		rate = (double)s->arch->static_mw * 1e9 / s->arch->clock_khz;
		/*
		 * Each class's floor: the closed-form one of its pass shape or
		 * the per-MAC one, whichever is higher (both are admissible).
		 */
		for (i = 0; i < n; i++) {
			double fd, fc, fe;

			if (floor_lookup(s, &pcl[i].ps, places | FLOOR_COARSE, &fd, &fc, &fe))
				return -ENOMEM;
			if (fd < pcl[i].macs / pcl[i].cnt * dyn_pm)
				fd = pcl[i].macs / pcl[i].cnt * dyn_pm;
			if (fc < pcl[i].macs / pcl[i].cnt * cyc_pm)
				fc = pcl[i].macs / pcl[i].cnt * cyc_pm;
			if (fe < fd + rate * fc)
				fe = fd + rate * fc;
			pcl[i].fl_cyc = fc * pcl[i].cnt;
			pcl[i].fl_en = fe * pcl[i].cnt;
			rest_en += pcl[i].fl_en;
			rest_cyc += pcl[i].fl_cyc;
		}
	} else {
		rate = 0;
	}
	for (i = 0; i < n; i++) {
		const struct memo_entry *me;

		/* refuted by the floors alone: no array-mapping search */
		if (bounded && passes_exceed(s, c, rest_en, rest_cyc, rate, cut, proved)) {
			ret = 1;
			break;
		}
		/*
		 * About to search this pass's mappings: first its fine floor
		 * (a fifth to a quarter of the search), which may refute the tiling.
		 */
		if (bounded && !pass_known(s, &pcl[i].ps, places)) {
			double fd, fc, fe;

			if (floor_lookup(s, &pcl[i].ps, places, &fd, &fc, &fe)) {
				ret = -ENOMEM;
				break;
			}
			fd *= pcl[i].cnt;
			fc *= pcl[i].cnt;
			fe *= pcl[i].cnt;
			if (fd + rate * fc > fe)
				fe = fd + rate * fc;
			if (fe > pcl[i].fl_en) {
				rest_en += fe - pcl[i].fl_en;
				pcl[i].fl_en = fe;
			}
			if (fc > pcl[i].fl_cyc) {
				rest_cyc += fc - pcl[i].fl_cyc;
				pcl[i].fl_cyc = fc;
			}
			if (passes_exceed(s, c, rest_en, rest_cyc, rate, cut, proved)) {
				ret = 1;
				break;
			}
		}
		me = pass_lookup(s, &pcl[i].ps, places);

		if (!me) {
			ret = -ENOMEM;
			break;
		}
		if (me->ret) {
			ret = me->ret;
			break;
		}
		for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
			c->access[l] += pcl[i].cnt * me->pc.access[l];
		c->cycles += pcl[i].cnt * me->pc.cycles;
		if (bounded) {
			rest_en -= pcl[i].fl_en;
			rest_cyc -= pcl[i].fl_cyc;
		}
	}
	return ret;
}

static int cost_full(struct search *s, const struct eyr_mapping *m,
		     const struct eyr_dim_tiling *const *dt, struct eyr_cost *c,
		     struct okey cut, struct okey *proved)
{
	int ret;

	eyr_cost_dram(s->arch, &s->g, m, dt, s->has_bias, s->per_channel, c);
	/* the DMA level fixes the command count: refuse before costing passes */
	if (s->arch->max_cmds_per_job && c->cmds > s->arch->max_cmds_per_job)
		return -ENOSPC;
	ret = add_passes(s, m, dt, c, cut, proved);
	if (ret)
		return ret;
	eyr_cost_finish(s->arch, c);
	s->evaluated++;
	return 0;
}

/* Exact comparison of two costs under the objective (then energy, cycles). */
static int cost_cmp(enum eyr_objective o, const struct eyr_cost *a,
		    const struct eyr_cost *b)
{
	unsigned __int128 va, vb;

	switch (o) {
	case EYR_OBJ_CYCLES:
		va = a->cycles;
		vb = b->cycles;
		break;
	case EYR_OBJ_EDP:
		va = (unsigned __int128)a->energy_total_fj * a->cycles;
		vb = (unsigned __int128)b->energy_total_fj * b->cycles;
		break;
	case EYR_OBJ_DRAM:
		va = a->dram_words;
		vb = b->dram_words;
		break;
	default:
		va = a->energy_total_fj;
		vb = b->energy_total_fj;
		break;
	}
	if (va != vb)
		return va < vb ? -1 : 1;
	if (a->energy_total_fj != b->energy_total_fj)
		return a->energy_total_fj < b->energy_total_fj ? -1 : 1;
	if (a->cycles != b->cycles)
		return a->cycles < b->cycles ? -1 : 1;
	return 0;
}

/* Total order on mappings with equal cost, so both searches pick the same. */
static int map_cmp(const struct eyr_mapping *a, const struct eyr_mapping *b)
{
	int d;

	for (d = 0; d < EYR_DIMS; d++)
		if (a->tile[d] != b->tile[d])
			return a->tile[d] > b->tile[d] ? -1 : 1;
	if (a->place_in != b->place_in)
		return a->place_in < b->place_in ? -1 : 1;
	if (a->place_w != b->place_w)
		return a->place_w < b->place_w ? -1 : 1;
	return memcmp(a->order, b->order, EYR_DIMS);
}

/* Candidate tile sizes of one dimension (balanced splits). */
static int dim_candidates(const struct eyr_geom *g, enum eyr_dim d,
			  struct dim_cands *dc)
{
	uint32_t ext = g->ext[d], k, prev = 0;

	dc->n = 0;
	for (k = ext; k >= 1; k--) {
		uint32_t v = eyr_div_up(ext, k);

		if (v == prev)
			continue;
		prev = v;
		if (dc->n == MAX_CANDS)
			return -E2BIG;
		if (eyr_dim_tiling_init(g, d, v, &dc->t[dc->n]))
			continue;
		dc->n++;
	}
	return dc->n ? 0 : -ENOSPC;
}

/*
 * Costs a mapping and keeps it if it is the best so far. Returns 1 (and a
 * floor of its objective in *proved) when it cannot be below cut, a
 * negative error when it cannot run, 0 when costed.
 */
static int consider(struct search *s, struct best *b, struct eyr_mapping *m,
		    const struct eyr_dim_tiling *const *dt, struct okey cut, struct okey *proved)
{
	struct eyr_cost c;
	int k, ret;

	ret = cost_full(s, m, dt, &c, cut, proved);
	if (ret)
		return ret;
	k = b->found ? cost_cmp(s->obj, &c, &b->cost) : -1;
	if (k < 0 || (k == 0 && map_cmp(m, &b->map) < 0)) {
		b->found = 1;
		b->map = *m;
		b->cost = c;
	}
	return 0;
}

/* Exhaustive: the passes' cost once, then every loop order on top of it. */
static void consider_all_orders(struct search *s, struct best *b,
				struct eyr_mapping *m,
				const struct eyr_dim_tiling *const *dt);

/* The next permutation in lexicographic order (*done after the last). */
static void next_perm(uint8_t *a, int n, int *done)
{
	int i = n - 2, j;
	uint8_t t;

	while (i >= 0 && a[i] >= a[i + 1])
		i--;
	if (i < 0) {
		*done = 1;
		return;
	}
	j = n - 1;
	while (a[j] <= a[i])
		j--;
	t = a[i]; a[i] = a[j]; a[j] = t;
	for (i++, j = n - 1; i < j; i++, j--) {
		t = a[i]; a[i] = a[j]; a[j] = t;
	}
}

static void consider_all_orders(struct search *s, struct best *b,
				struct eyr_mapping *m,
				const struct eyr_dim_tiling *const *dt)
{
	uint8_t perm[EYR_DIMS] = { 0, 1, 2, 3, 4, 5 };
	struct eyr_dram_units u;
	struct eyr_cost passes;
	int done = 0, l;

	memset(&passes, 0, sizeof(passes));
	if (add_passes(s, m, dt, &passes, okey_none(), NULL))
		return;
	/* the order-independent part once per tiling */
	eyr_dram_units(s->arch, &s->g, dt, s->has_bias, s->per_channel, 1, &u);
	while (!done) {
		struct eyr_cost c;
		int k;

		memcpy(m->order, perm, EYR_DIMS);
		next_perm(perm, EYR_DIMS, &done);
		if (s->spill != EYR_SPILL_ANY &&
		    eyr_map_spills(m) != (s->spill == EYR_SPILL_ONLY))
			continue;
		eyr_cost_dram_units(s->arch, &s->g, m, &u, s->has_bias, s->per_channel, &c);
		for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
			c.access[l] += passes.access[l];
		c.cycles += passes.cycles;
		if (s->arch->max_cmds_per_job && c.cmds > s->arch->max_cmds_per_job)
			continue;
		eyr_cost_finish(s->arch, &c);
		s->evaluated++;
		k = b->found ? cost_cmp(s->obj, &c, &b->cost) : -1;
		if (k < 0 || (k == 0 && map_cmp(m, &b->map) < 0)) {
			b->found = 1;
			b->map = *m;
			b->cost = c;
		}
	}
}

/*
 * Most PEs a pass of this tiling can keep busy: a fold uses spatial_r x
 * spatial_e PEs per set (spatial_r <= R, spatial_e <= the tile's rows), the
 * sets the mesh holds (docs/hardware.md 7.2) and at most one set per
 * (output, input) channel pair of the tile, and the filter-row tiles of a
 * block take a fold each; groups run one after the other (with the
 * flexible NoC, side by side: then a set per (group, output, input) channel
 * triple). Each fold's
 * cycles are at least its MACs over its busy PEs, so the passes take at
 * least MACs / this.
 */
static double max_active_pes(const struct eyr_arch *a, const struct eyr_geom *g,
			     const struct eyr_mapping *m)
{
	/* with the flexible NoC, sets of different groups run at once too */
	return eyr_max_active_pes(a, g->r, m->tile[EYR_DIM_E],
				  (uint64_t)m->tile[EYR_DIM_M] * m->tile[EYR_DIM_C] *
				  (a->flex_noc ? m->tile[EYR_DIM_G] : 1));
}

/*
 * Floor on what the passes of a tiling can cost, whatever their array
 * mappings: each term is a sum the device counts (pass.c) taken at its
 * smallest possible value. Every MAC reads the RF for each operand the
 * dataflow keeps there and crosses the NoC for each one it does not; every
 * weight of a tile is read from its buffer at least once per batch block
 * and output-row block, and for RS filled into the PEs of every output row
 * it serves; every output is written once and read back on every pass over
 * C but the first; for RS every input row is delivered to each filter row
 * at least once and every psum travels up the R filter rows.
 */
static void pass_floor(const struct search *s, const struct eyr_mapping *m,
		       double active_pes, double *energy, double *cycles)
{
	const struct eyr_arch *a = s->arch;
	const struct eyr_geom *g = &s->g;
	const double *e = s->efj;
	double macs = (double)g->macs;
	double outs = (double)g->ext[EYR_DIM_N] * g->ext[EYR_DIM_G] *
		      g->ext[EYR_DIM_M] * g->ext[EYR_DIM_E] * g->ext[EYR_DIM_F];
	double wts = (double)g->ext[EYR_DIM_G] * g->ext[EYR_DIM_M] *
		     g->ext[EYR_DIM_C] * g->r * g->s;
	double tn = m->tiles[EYR_DIM_N], te = m->tiles[EYR_DIM_E], tf = m->tiles[EYR_DIM_F];
	double glb_w = m->place_w == EYR_PLACE_GLB ? e[EYRIE_ENERGY_GLB] : 0;
	double en, noc, rf, compute;

	/* psums: written every pass, read on every pass over C but the first */
	en = outs * (2.0 * m->tiles[EYR_DIM_C] - 1) * e[EYRIE_ENERGY_GLB];
	en += macs * e[EYRIE_ENERGY_MAC];
	/* weights read from their buffer once per (batch, row) block */
	en += wts * tn * te * tf * glb_w;
	switch (s->df) {
	case EYRIE_DATAFLOW_RS: {
		double nw = wts * tn * tf * g->ext[EYR_DIM_E];
		double ni = macs * m->tiles[EYR_DIM_M] / ((double)g->ext[EYR_DIM_M] * g->s);
		double np = outs * g->r * m->tiles[EYR_DIM_C];

		noc = nw + ni + np;
		rf = macs * 4 + nw + ni;
		break;
	}
	case EYRIE_DATAFLOW_WS:
		noc = 2 * macs + wts * tn * te * tf;
		rf = macs + wts * tn * te * tf;
		break;
	case EYRIE_DATAFLOW_OS:
		noc = 2 * macs + outs;
		rf = 2 * macs;
		break;
	case EYRIE_DATAFLOW_IS:
		noc = 2 * macs;
		rf = macs;
		break;
	default:
		noc = 3 * macs;
		rf = 0;
		/* NLR reads every operand from its buffer for every MAC */
		en = macs * e[EYRIE_ENERGY_MAC] +
		     macs * ((m->place_in == EYR_PLACE_GLB) + (m->place_w == EYR_PLACE_GLB) + 2) *
		     e[EYRIE_ENERGY_GLB];
		break;
	}
	*energy = en + noc * e[EYRIE_ENERGY_NOC] + rf * e[EYRIE_ENERGY_RF];
	/* every fold takes the longer of its work and its NoC transfers */
	compute = macs / active_pes;
	*cycles = compute > noc / a->noc_words_per_cycle ? compute : noc / a->noc_words_per_cycle;
}

static void static_energy(const struct eyr_arch *a, double cycles, double *e)
{
	/* the device rounds ns up, so this never exceeds what it counts */
	*e += (double)a->static_mw * cycles * 1e9 / a->clock_khz;
}

/*
 * The tiling space is searched as a tree of boxes. A box fixes the tile
 * sizes of N and G and of the first `level` dimensions of split_dims; the
 * others are free. Candidates of each dimension are listed in increasing
 * tile size (dim_candidates), so a larger index means a larger tile and
 * fewer tiles.
 *
 * A tile's GLB and stream-buffer footprint grows with its sizes and with
 * the input rows and columns it spans, which need not grow with the tile
 * size (a tile that reaches into padding loads fewer rows): the suffix
 * minima of those spans, the free dimensions at their smallest tiles and no
 * psum region while C is free give a footprint floor that grows with each
 * index, so the largest index of a free dimension that can fit is a binary
 * search and nothing that fits is missed.
 */
static const enum eyr_dim split_dims[] = { EYR_DIM_M, EYR_DIM_C, EYR_DIM_E, EYR_DIM_F };
#define SPLIT_LEVELS 4
#define FIT_NONE (-1)

struct box {
	uint16_t idx[EYR_DIMS];		/* free dimensions: unused */
	uint8_t level;			/* split_dims[0 .. level-1] are fixed */
};

/*
 * premin_sum: with halo reuse (ring) the least of a tiling's summed spans
 * and of the rows its ring loads, a floor on the input rows under every
 * loop order.
 */
static void span_tables_init(struct dim_cands *dc, int ring)
{
	int i;

	for (i = (int)dc->n - 1; i >= 0; i--) {
		uint32_t v = dc->t[i].max_in;

		if (i + 1 < (int)dc->n && dc->sufmin_in[i + 1] < v)
			v = dc->sufmin_in[i + 1];
		dc->sufmin_in[i] = v;
	}
	for (i = 0; i < (int)dc->n; i++) {
		uint64_t v = ring && dc->t[i].sum_new < dc->t[i].sum_in ? dc->t[i].sum_new :
			     dc->t[i].sum_in;

		if (i && dc->premin_sum[i - 1] < v)
			v = dc->premin_sum[i - 1];
		dc->premin_sum[i] = v;
	}
}

static int box_fixes(const struct box *b, enum eyr_dim d)
{
	int l;

	if (d == EYR_DIM_N || d == EYR_DIM_G)
		return 1;
	for (l = 0; l < b->level; l++)
		if (split_dims[l] == d)
			return 1;
	return 0;
}

/*
 * The footprint floor of a box: fixed dimensions at their tile, free ones
 * at their smallest, the free E/F spans at their suffix minima, and no
 * psum region while C is free.
 */
struct fit_floor {
	struct eyr_mapping m;
	uint32_t span[EYR_DIMS];
	uint8_t fixed[EYR_DIMS];
};

static void fit_floor_init(const struct search *s, const struct box *b, struct fit_floor *f)
{
	int k;

	memset(&f->m, 0, sizeof(f->m));
	for (k = 0; k < EYR_DIMS; k++) {
		const struct dim_cands *dc = &s->dc[k];
		uint32_t j;

		f->fixed[k] = (uint8_t)box_fixes(b, (enum eyr_dim)k);
		j = f->fixed[k] ? b->idx[k] : 0;
		f->m.tile[k] = dc->t[j].tile;
		f->m.tiles[k] = dc->t[j].tiles;
		f->span[k] = f->fixed[k] ? dc->t[j].max_in : dc->sufmin_in[j];
	}
	if (!f->fixed[EYR_DIM_C])
		f->m.tiles[EYR_DIM_C] = 1;
}

/* Placements under which the floor fits with free dimension d at candidate i. */
static unsigned int fit_floor_mask(const struct search *s, const struct fit_floor *f,
				   enum eyr_dim d, uint32_t i)
{
	struct eyr_mapping m = f->m;
	struct eyr_tile_bytes tb;
	uint32_t span_e = f->span[EYR_DIM_E], span_f = f->span[EYR_DIM_F];

	m.tile[d] = s->dc[d].t[i].tile;
	if (d == EYR_DIM_E)
		span_e = s->dc[d].sufmin_in[i];
	else if (d == EYR_DIM_F)
		span_f = s->dc[d].sufmin_in[i];
	eyr_tile_bytes(&s->g, &m, span_e, span_f, s->per_channel, &tb);
	m.dbuf = s->dbuf;
	return eyr_tile_fit_mask(s->arch, &tb, &m, s->has_bias);
}

/*
 * For every placement, the largest candidate of free dimension d whose
 * floor fits (FIT_NONE): the floor grows with the candidate, so these are
 * binary searches, which share their probes.
 */
#define MAX_PROBES 64
static void fit_floor_last(const struct search *s, const struct fit_floor *f, enum eyr_dim d,
			   int *hi)
{
	uint32_t probe_i[MAX_PROBES];
	unsigned int probe_mask[MAX_PROBES], places;
	int nprobe = 0;

	for (places = 0; places < 4; places++) {
		int lo = 0, top = (int)s->dc[d].n - 1, best = FIT_NONE;

		while (lo <= top) {
			int mid = (lo + top) / 2, k;
			unsigned int mask;

			for (k = 0; k < nprobe; k++)
				if (probe_i[k] == (uint32_t)mid)
					break;
			if (k < nprobe) {
				mask = probe_mask[k];
			} else {
				mask = fit_floor_mask(s, f, d, (uint32_t)mid);
				if (nprobe < MAX_PROBES) {
					probe_i[nprobe] = (uint32_t)mid;
					probe_mask[nprobe++] = mask;
				}
			}
			if (mask >> places & 1) {
				best = mid;
				lo = mid + 1;
			} else {
				top = mid - 1;
			}
		}
		hi[places] = best;
	}
}

/*
 * Admissible bounds of a tiling for each placement in mask and each
 * canonical order (lb[places][order]): the exact DMA-level energy and a
 * DMA time floor, plus pass_floor. For a fixed order every term grows with
 * every tile count and with the inputs' summed spans (of dt[E] and dt[F]
 * only sum_in is read; the psums spilled grow with the C and the other
 * tile counts) and shrinks as act grows, so at a box's least counts, least
 * spans and most active PEs this bounds every tiling of the box under
 * that order. The orders are the fixed permutations (ORD_IN_ONCE as
 * G N E F C M, which costs the same as the nest set_order writes).
 */
static void tiling_bounds(const struct search *s, const struct eyr_mapping *m0,
			  const struct eyr_dim_tiling *const *dt, double act,
			  unsigned int mask, struct okey lb[4][ORDERS])
{
	static const uint8_t *const perms[ORDERS] = { order_in_once, order_m_outer, order_w_once };
	const struct eyr_arch *a = s->arch;
	struct eyr_mapping mg = *m0;
	struct eyr_dram_units u;
	struct eyr_cost base[ORDERS];
	double base_pe, base_pcyc, base_e[ORDERS], eg = a->energy_fj[EYRIE_ENERGY_GLB];
	double wts_glb = (double)s->g.ext[EYR_DIM_G] * s->g.ext[EYR_DIM_M] *
			 s->g.ext[EYR_DIM_C] * s->g.r * s->g.s * m0->tiles[EYR_DIM_N] *
			 m0->tiles[EYR_DIM_E] * m0->tiles[EYR_DIM_F] * eg;
	unsigned int places, o;
	int l;

	mg.place_in = mg.place_w = EYR_PLACE_GLB;
	eyr_dram_units(a, &s->g, dt, s->has_bias, s->per_channel, 0, &u);
	/*
	 * halo reuse: whether an order of the box puts the inputs through a
	 * ring depends on its tile counts, so every order gets the fewer of
	 * the two input words (the ring loads at most the summed spans)
	 */
	if (s->ring && u.in_ring_ok && u.in_ring_words < u.in_words)
		u.in_words = u.in_ring_words;
	u.in_ring_ok = 0;
	for (o = 0; o < ORDERS; o++) {
		memcpy(mg.order, perms[o], EYR_DIMS);
		eyr_cost_dram_units(a, &s->g, &mg, &u, s->has_bias, s->per_channel, &base[o]);
		base_e[o] = 0;
		for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
			base_e[o] += (double)base[o].access[l] * a->energy_fj[l];
	}
	pass_floor(s, &mg, act, &base_pe, &base_pcyc);
	/* the placements change only GLB terms: take them off the all-GLB ones */
	for (places = 0; places < 4; places++) {
		int sin = places & 1, sw = (places >> 1) & 1;
		double pe = base_pe;

		if (!(mask >> places & 1))
			continue;
		if (s->df == EYRIE_DATAFLOW_NLR)
			pe -= (double)(sin + sw) * (double)s->g.macs * eg;
		else if (sw)
			pe -= wts_glb;
		for (o = 0; o < ORDERS; o++) {
			double e = base_e[o] + pe - (double)((sin ? base[o].in_words : 0) +
							     (sw ? base[o].w_words : 0)) * eg;
			double cyc = (double)base[o].cycles + base_pcyc;

			static_energy(a, cyc, &e);
			/* placements move the same DRAM words */
			lb[places][o] = okey_of(s->obj, (double)base[o].dram_words, e, cyc);
		}
	}
}

/*
 * Bound of everything in a box that can fit (HUGE_VAL if nothing can):
 * under each placement, every free dimension at the largest candidate that
 * can fit (least count) with the least summed input span up to it. *top:
 * the largest candidate of the box's next dimension that can fit under
 * some placement (what expanding the box walks up to).
 */
static struct okey box_bound(const struct search *s, const struct box *b, int *top)
{
	int hi[EYR_DIMS][4], k;
	unsigned int places;
	struct fit_floor ff;
	struct okey best = okey_none();

	fit_floor_init(s, b, &ff);
	for (k = 0; k < EYR_DIMS; k++)
		if (!ff.fixed[k])
			fit_floor_last(s, &ff, (enum eyr_dim)k, hi[k]);
	*top = FIT_NONE;
	for (places = 0; places < 4; places++)
		if (hi[split_dims[b->level]][places] > *top)
			*top = hi[split_dims[b->level]][places];
	for (places = 0; places < eyr_placements(s->arch); places++) {
		const struct eyr_dim_tiling *dt[EYR_DIMS];
		struct eyr_dim_tiling virt[2];
		struct eyr_mapping m;
		struct okey lb[4][ORDERS];
		unsigned int p2, mask = 1u << places, o;
		int ok = 1, seen = 0;

		/* placements with the same largest candidates share one bound */
		for (p2 = 0; p2 < eyr_placements(s->arch); p2++) {
			int same = 1;

			for (k = 0; k < EYR_DIMS; k++)
				if (!ff.fixed[k] && hi[k][p2] != hi[k][places])
					same = 0;
			if (same && p2 < places)
				seen = 1;
			else if (same)
				mask |= 1u << p2;
		}
		if (seen)
			continue;
		memset(&m, 0, sizeof(m));
		m.dataflow = s->df;
		for (k = 0; k < EYR_DIMS; k++) {
			const struct dim_cands *dc = &s->dc[k];
			int j = ff.fixed[k] ? b->idx[k] : hi[k][places];

			if (j == FIT_NONE) {
				ok = 0;
				break;
			}
			m.tile[k] = dc->t[j].tile;
			m.tiles[k] = dc->t[j].tiles;
			dt[k] = &dc->t[j];
			if (!ff.fixed[k] && (k == EYR_DIM_E || k == EYR_DIM_F)) {
				struct eyr_dim_tiling *v = &virt[k == EYR_DIM_F];

				/* cost_dram2 without exact cycles reads only sum_in */
				v->tile = dc->t[j].tile;
				v->tiles = dc->t[j].tiles;
				v->sum_in = v->sum_new = dc->premin_sum[j];
				v->nnew = 0;
				dt[k] = v;
			}
		}
		if (!ok)
			continue;
		tiling_bounds(s, &m, dt, max_active_pes(s->arch, &s->g, &m), mask, lb);
		/*
		 * every order, whatever the spill mode: the orders searched are
		 * a subset, so the least of all is a bound on them too
		 */
		for (p2 = 0; p2 < 4; p2++) {
			if (!(mask >> p2 & 1))
				continue;
			for (o = 0; o < ORDERS; o++)
				if (okey_less(lb[p2][o], best))
					best = lb[p2][o];
		}
	}
	return best;
}

/* Placements under which a tiling (every dimension fixed) fits. */
static unsigned int tiling_places(const struct search *s, const struct eyr_mapping *m0,
				  const struct eyr_dim_tiling *const *dt)
{
	struct eyr_mapping m = *m0;
	struct eyr_tile_bytes tb;

	eyr_tile_bytes(&s->g, m0, dt[EYR_DIM_E]->max_in, dt[EYR_DIM_F]->max_in,
		       s->per_channel, &tb);
	m.dbuf = s->dbuf;
	return eyr_tile_fit_mask(s->arch, &tb, &m, s->has_bias);
}

/*
 * Largest candidate of the box's next dimension that can fit (FIT_NONE),
 * for the exhaustive walk (the fast one has it from box_bound).
 */
static int box_top(const struct search *s, const struct box *b)
{
	struct fit_floor ff;
	int hi[4], top = FIT_NONE;
	unsigned int places;

	fit_floor_init(s, b, &ff);
	fit_floor_last(s, &ff, split_dims[b->level], hi);
	for (places = 0; places < 4; places++)
		if (hi[places] > top)
			top = hi[places];
	return top;
}

/* The roots: one box per N and G tile size; a tile of several groups holds whole ones. */
static int root_next(const struct search *s, struct box *b, int first)
{
	if (!first) {
		if (++b->idx[EYR_DIM_G] == s->dc[EYR_DIM_G].n) {
			b->idx[EYR_DIM_G] = 0;
			if (++b->idx[EYR_DIM_N] == s->dc[EYR_DIM_N].n)
				return 0;
		}
	} else {
		memset(b, 0, sizeof(*b));
	}
	b->level = 0;
	b->idx[EYR_DIM_M] = b->idx[EYR_DIM_C] = 0;
	if (s->dc[EYR_DIM_G].t[b->idx[EYR_DIM_G]].tile > 1) {
		b->idx[EYR_DIM_M] = (uint16_t)(s->dc[EYR_DIM_M].n - 1);
		b->idx[EYR_DIM_C] = (uint16_t)(s->dc[EYR_DIM_C].n - 1);
		if (s->dc[EYR_DIM_M].t[b->idx[EYR_DIM_M]].tile != s->g.ext[EYR_DIM_M] ||
		    s->dc[EYR_DIM_C].t[b->idx[EYR_DIM_C]].tile != s->g.ext[EYR_DIM_C])
			return root_next(s, b, 0);	/* no whole-group M or C tile */
		b->level = 2;
	}
	return 1;
}

/* Exhaustive: every tiling that fits, every placement, every order. */
static void exhaust_box(struct search *s, struct best *best, const struct box *b)
{
	int i, top = box_top(s, b);

	for (i = 0; i <= top; i++) {
		struct box c = *b;

		c.idx[split_dims[b->level]] = (uint16_t)i;
		c.level++;
		if (c.level < SPLIT_LEVELS) {
			exhaust_box(s, best, &c);
		} else {
			const struct eyr_dim_tiling *dt[EYR_DIMS];
			struct eyr_mapping m;
			unsigned int mask, places;

			build_map(s, c.idx, 0, order_m_inner, &m, dt);
			mask = tiling_places(s, &m, dt);
			for (places = 0; places < 4; places++) {
				if (!(mask >> places & 1))
					continue;
				s->tilings++;
				eyr_mapping_set_places(&m, places);
				consider_all_orders(s, best, &m, dt);
			}
		}
	}
}

static int search_exhaustive(struct search *s, struct best *b)
{
	struct box root;
	int more = root_next(s, &root, 1);

	while (more) {
		exhaust_box(s, b, &root);
		more = root_next(s, &root, 0);
	}
	return b->found ? 0 : -ENOSPC;
}

/*
 * Fast: best-first over the tree. A box is expanded (its next dimension
 * split into its candidates) or, for a single tiling under one placement
 * and loop order, costed exactly, in increasing bound order; the search
 * stops when the smallest bound left exceeds the best cost found. Every
 * bound is at most the true cost of everything below it, so nothing left
 * can win: the result is the exhaustive optimum.
 */
struct hent {
	struct okey lb;
	struct box b;			/* level SPLIT_LEVELS: one tiling */
	int16_t top;			/* a box: box_bound's *top */
	uint8_t places, order;		/* a tiling: its placement and loop order */
};

struct heap {
	struct hent *v;
	size_t n, cap;
};

static int heap_push(struct heap *h, const struct hent *e)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 1024;
		struct hent *nv = realloc(h->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		h->v = nv;
		h->cap = cap;
	}
	i = h->n++;
	while (i && okey_less(e->lb, h->v[(i - 1) / 2].lb)) {
		h->v[i] = h->v[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h->v[i] = *e;
	return 0;
}

static void heap_pop(struct heap *h, struct hent *top)
{
	struct hent last;
	size_t i = 0;

	*top = h->v[0];
	last = h->v[--h->n];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && okey_less(h->v[c + 1].lb, h->v[c].lb))
			c++;
		if (!okey_less(h->v[c].lb, last.lb))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
}

/* A tiling's entries: one per placement that fits and loop order. */
static int push_tiling(struct search *s, struct heap *h, const struct box *b)
{
	const struct eyr_dim_tiling *dt[EYR_DIMS];
	struct eyr_mapping m;
	unsigned int mask, places, live;
	struct okey lb[4][ORDERS];

	build_map(s, b->idx, 0, order_m_inner, &m, dt);
	mask = tiling_places(s, &m, dt);
	live = live_orders(s, &m);
	if (!mask || !live)
		return 0;
	tiling_bounds(s, &m, dt, max_active_pes(s->arch, &s->g, &m), mask, lb);
	for (places = 0; places < 4; places++) {
		struct hent e;
		unsigned int o;

		if (!(mask >> places & 1))
			continue;
		memset(&e, 0, sizeof(e));
		e.b = *b;
		e.places = (uint8_t)places;
		for (o = 0; o < ORDERS; o++) {
			if (!(live >> o & 1))
				continue;
			e.order = (uint8_t)o;
			e.lb = lb[places][o];
			if (heap_push(h, &e))
				return -ENOMEM;
		}
	}
	return 0;
}

static int push_box(struct search *s, struct heap *h, const struct box *b)
{
	struct hent e;

	if (b->level == SPLIT_LEVELS)
		return push_tiling(s, h, b);
	int top;

	memset(&e, 0, sizeof(e));
	e.b = *b;
	e.lb = box_bound(s, b, &top);
	e.top = (int16_t)top;
	return e.lb.a == HUGE_VAL ? 0 : heap_push(h, &e);
}

static int expand_box(struct search *s, struct heap *h, const struct hent *e)
{
	const struct box *b = &e->b;
	int i, ret;

	for (i = 0; i <= e->top; i++) {
		struct box c = *b;

		c.idx[split_dims[b->level]] = (uint16_t)i;
		c.level++;
		ret = push_box(s, h, &c);
		if (ret)
			return ret;
	}
	return 0;
}

static int search_fast(struct search *s, struct best *b)
{
	struct heap h = { 0 };
	struct box root;
	int ret = 0, more = root_next(s, &root, 1);

	while (more && !ret) {
		ret = push_box(s, &h, &root);
		more = root_next(s, &root, 0);
	}
	while (!ret && h.n) {
		struct okey inc = b->found ? okey_of(s->obj, (double)b->cost.dram_words,
						     (double)b->cost.energy_total_fj,
						     (double)b->cost.cycles) : okey_none();
		struct hent e;

		/*
		 * Out of budget: stop with the best so far; with none yet, cost
		 * what comes next in full (no cut) until one mapping runs, for
		 * at most the budget once more.
		 */
		if (budget_spent(s)) {
			if (b->found || (s->deadline_us && eyr_cpu_now_us() >= s->deadline_us + s->budget_us) ||
			    (s->max_evals && s->evaluated + s->searched >= 2 * s->max_evals))
				break;
			inc = okey_none();
		}
		/* strict: equal bounds may still tie and win the tie-break */
		if (okey_above(s->obj, h.v[0].lb, inc, 1e-12)) {
			s->pruned += h.n;
			break;
		}
		heap_pop(&h, &e);
		if (e.b.level < SPLIT_LEVELS) {
			ret = expand_box(s, &h, &e);
		} else {
			struct eyr_mapping m;
			const struct eyr_dim_tiling *dt[EYR_DIMS];
			struct okey next = h.n ? h.v[0].lb : okey_none(), proved = { 0, 0 };
			int r;

			build_map(s, e.b.idx, e.places, order_m_inner, &m, dt);
			set_order(&m, e.order);
			/*
			 * Costing stops once the tiling is known to be above the
			 * incumbent or above the next entry's bound: in the latter
			 * case it goes back with the higher bound it now has, so
			 * the entries below it are looked at first (they may raise
			 * the incumbent past it). The memos keep what was learnt.
			 */
			r = consider(s, b, &m, dt,
				     s->over ? okey_none() : okey_less(next, inc) ? next : inc,
				     &proved);
			if (r == 1) {
				if (okey_above(s->obj, proved, inc, 1e-9)) {
					s->pruned++;
				} else {
					e.lb = proved;
					ret = heap_push(&h, &e);
				}
			}
		}
	}
	if (h.n && !ret && s->over)
		s->pruned += h.n;
	free(h.v);
	if (!ret && !b->found && s->over)
		return -ETIME;
	return ret ? ret : (b->found ? 0 : -ENOSPC);
}

static int search_run(struct search *s, int exhaustive, struct best *b)
{
	span_tables_init(&s->dc[EYR_DIM_E], s->ring);
	span_tables_init(&s->dc[EYR_DIM_F], 0);
	return exhaustive ? search_exhaustive(s, b) : search_fast(s, b);
}


/* The plan of the search's best tiling: its pass mapping and its stream. */
static int plan_from_best(struct search *sp, const struct best *bp, struct eyr_plan *plan,
			  char *err, size_t errlen)
{
	const struct memo_entry *me;
	unsigned int places = eyr_mapping_places(&bp->map);
	struct eyr_dim_tiling te, tf;
	struct eyr_pass_shape ps;
	int ret;

	plan->map = bp->map;
	plan->cost = bp->cost;
	/* the full tile's pass mapping, as reported (ragged tiles clip it) */
	eyr_dim_tiling_init(&sp->g, EYR_DIM_E, bp->map.tile[EYR_DIM_E], &te);
	eyr_dim_tiling_init(&sp->g, EYR_DIM_F, bp->map.tile[EYR_DIM_F], &tf);
	memset(&ps, 0, sizeof(ps));
	ps.n = bp->map.tile[EYR_DIM_N];
	ps.g = bp->map.tile[EYR_DIM_G];
	ps.m = bp->map.tile[EYR_DIM_M];
	ps.c = bp->map.tile[EYR_DIM_C];
	ps.e = bp->map.tile[EYR_DIM_E];
	ps.f = bp->map.tile[EYR_DIM_F];
	ps.in_h = te.max_in;
	ps.in_w = tf.max_in;
	ps.bias = sp->has_bias;
	ps.accumulate = bp->map.tiles[EYR_DIM_C] > 1;
	me = pass_lookup(sp, &ps, places);
	if (me && !me->ret)
		plan->map.pass = me->map;
	/* the tiling's stream with events and double buffers, if faster */
	ret = eyr_sched_overlap_choose(sp->arch, plan);
	if (ret)
		eyr_set_err(err, errlen, ret, "cannot time the overlapped command stream");
	return ret;
}

int eyr_sched_plan_conv(const struct eyr_arch *arch, const struct eyr_sched_opts *o,
			struct eyr_plan *plan, char *err, size_t errlen)
{
	struct search s;
	struct best b;
	uint64_t t0 = eyr_now_us();
	int ret, d;

	memset(&s, 0, sizeof(s));
	memset(&b, 0, sizeof(b));
	s.arch = arch;
	s.df = o->dataflow;
	s.obj = o->objective;
	s.has_bias = !o->no_bias;
	s.per_channel = o->per_channel;
	s.spill = o->psum_spill;
	/* no_cache asks for a cold search: nothing from earlier plans */
	s.shared_memo = !o->no_cache;
	/* internal callers (tests, benches) search unbounded unless they ask */
	s.budget_us = o->max_time_us;
	s.deadline_us = !s.budget_us || s.budget_us == UINT64_MAX ? 0 :
			eyr_cpu_now_us() + s.budget_us;
	s.max_evals = o->max_evals;
	for (d = 0; d < EYRIE_ACCESS_LEVELS; d++)
		s.efj[d] = arch->energy_fj[d];
	ret = eyr_geom_init(&s.g, &plan->shape, err, errlen);
	if (ret)
		return ret;
	s.g.out_bytes = o->int32_out ? 4 : 1;
	s.ring = arch->in_ring && eyr_geom_has_halo(&s.g);
	s.dc = calloc(EYR_DIMS, sizeof(*s.dc));
	if (!s.dc)
		return -ENOMEM;
	for (d = 0; d < EYR_DIMS; d++) {
		ret = dim_candidates(&s.g, (enum eyr_dim)d, &s.dc[d]);
		if (ret) {
			free(s.dc);
			return eyr_set_err(err, errlen, ret, "dimension %s (extent %u) has no usable tile size",
				       eyr_dim_name((enum eyr_dim)d), s.g.ext[d]);
		}
	}
	/* whole rows: F's one candidate is its whole extent (listed last) */
	if (o->whole_rows) {
		struct dim_cands *f = &s.dc[EYR_DIM_F];

		if (f->t[f->n - 1].tile != s.g.ext[EYR_DIM_F]) {
			free(s.dc);
			return eyr_set_err(err, errlen, -ENOSPC, "no whole-row tiling of this layer (extent %u)",
				       s.g.ext[EYR_DIM_F]);
		}
		f->t[0] = f->t[f->n - 1];
		f->n = 1;
	}
	ret = search_run(&s, o->exhaustive, &b);
	if (!ret)
		ret = plan_from_best(&s, &b, plan, err, errlen);
	/*
	 * With events, also the best tiling that leaves room for a second
	 * region of every tensor: its overlapped stream may beat the first
	 * plan's on the objective (less static energy, fewer cycles).
	 */
	/* (not when the budget is spent: the first plan is then the best so far) */
	if (!ret && arch->events && !s.over) {
		struct eyr_plan alt = *plan;
		struct best b2;
		int r2;

		memset(&b2, 0, sizeof(b2));
		s.dbuf = EYR_DBUF_IN | EYR_DBUF_W | EYR_DBUF_OUT;
		r2 = search_run(&s, o->exhaustive, &b2);
		if (!r2)
			r2 = plan_from_best(&s, &b2, &alt, err, errlen);
		if (!r2 && eyr_objective_better(o->objective, &alt.cost, &plan->cost))
			*plan = alt;
		/* out of budget for the alternative: the first plan stands */
		else if (r2 && r2 != -ENOSPC && r2 != -ETIME)
			ret = r2;
	}
	if (ret == -ETIME) {
		eyr_set_err(err, errlen, ret, "no %s mapping found within the planning budget (%llu us, %llu evaluations): every mapping tried fails on arch '%s' (GLB %u bytes, %u commands per job); raise the budget, use a larger architecture or another dataflow",
			eyr_dataflow_name(o->dataflow),
			(unsigned long long)(eyr_now_us() - t0),
			(unsigned long long)(s.evaluated + s.searched), arch->name,
			arch->glb_bytes, arch->max_cmds_per_job);
	} else if (ret == -ENOSPC) {
		eyr_set_err(err, errlen, ret, "no %s mapping of this layer fits arch '%s' (GLB %u bytes, stream buffer %u bytes, RF %u/%u/%u words, %u commands per job): use a larger architecture or another dataflow",
			eyr_dataflow_name(o->dataflow), arch->name, arch->glb_bytes,
			arch->stream_bytes, arch->rf_ifmap_words, arch->rf_filter_words,
			arch->rf_psum_words, arch->max_cmds_per_job);
	}
	plan->search.evaluated = s.evaluated;
	plan->search.pruned = s.pruned;
	plan->search.tilings = s.tilings;
	plan->search.exhaustive = o->exhaustive;
	plan->search.budget_exhausted = !ret && s.over;
	plan->search.time_us = eyr_now_us() - t0;
	free(s.memo);
	free(s.floors);
	free(s.pcl);
	free(s.dc);
	return ret;
}
