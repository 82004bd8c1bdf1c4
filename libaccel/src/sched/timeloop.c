// SPDX-License-Identifier: MIT
/*
 * Timeloop v3.0.3 export: the architecture (Accelergy v0.2 tree, the
 * format timeloop-model reads without the Python front end), the layer as a
 * grouped CNN problem and the plan's mapping, so a plan can be re-evaluated
 * by the community's reference model (docs/scheduler.md, "Timeloop
 * export", has the per-layer comparison).
 *
 * What is exported and why:
 *  - energies are the device table in fJ, written where Timeloop reads pJ
 *    (integers: v3.0.3 reads a MAC's `energy` as an integer first and does
 *    not parse a fraction there), so Timeloop's energy columns read as fJ;
 *  - one word per access at every level (block size 1, no DRAM `width`);
 *  - the stream buffer is not a level (Timeloop's levels are a chain and
 *    it sits beside the GLB): shared_glb holds streamed tiles too, so the
 *    DRAM traffic matches and the GLB energy of streamed words is extra;
 *  - the PE array is pe_rows x pe_cols: filter rows (R) down the rows,
 *    output rows (P) across the columns, and the sets_m / sets_c copies of
 *    a PE set along one axis each, as the geometric placement puts them
 *    (docs/hardware.md 7.2); a mapping whose sets do not split that way is
 *    exported on a one-row array of the same PE count (said in arch.yaml);
 *  - the three RF levels keep only the tensor the dataflow keeps there
 *    (RS: all three; WS weights, OS psums, IS inputs, NLR none);
 *  - groups are a dimension G (inputs at channel G * C + c);
 *  - ragged tiles are Timeloop's residual factors where the nest can say
 *    them (only the last tile of a dimension is short), else the bound
 *    grows to the product (said in problem.yaml);
 *  - padding is explicit: Timeloop has none, so the padded input is read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "accel/plan.h"
#include "core/internal.h"
#include "sched/plan_api.h"
#include "sched/sched_internal.h"

static FILE *open_out(const char *dir, const char *name, const char *file,
		      char *path, size_t len)
{
	snprintf(path, len, "%s/%s%s%s", dir, name ? name : "", name && *name ? "." : "", file);
	return fopen(path, "w");
}

/* Timeloop dimensions, and the loop levels of the exported mapping (outer first). */
enum { TL_G, TL_N, TL_M, TL_C, TL_P, TL_Q, TL_R, TL_S, TL_DIMS };
static const char tl_name[TL_DIMS] = { 'G', 'N', 'M', 'C', 'P', 'Q', 'R', 'S' };
enum { LV_DRAM, LV_GLB, LV_SPATIAL, LV_IFMAP, LV_WEIGHTS, LV_PSUM, TL_LEVELS };

struct tl_export {
	uint32_t end[TL_LEVELS][TL_DIMS], res[TL_LEVELS][TL_DIMS];
	uint32_t bound[TL_DIMS];
	int grown[TL_DIMS];
	int m_on_x, c_on_x;		/* spatial axis of the set copies */
	int flat;			/* one-row array (sets do not split by axis) */
	uint64_t glb_words;		/* the GLB tile as Timeloop counts it */
};

/*
 * One dimension over the levels: blk[l] is the extent one iteration of
 * level l covers (blk[-1] = the extent), so level l runs ceil(blk[l-1] /
 * blk[l]) times. Timeloop's residual factors describe a short last
 * iteration at every level, which is this tiling when every inner block
 * divides the one above it; otherwise the bound is rounded up.
 */
static void split_dim(struct tl_export *x, int d, uint32_t extent, const uint32_t blk[TL_LEVELS])
{
	uint64_t outer = extent, last = extent, prod = 1, ruby = 0;
	int l;

	for (l = 0; l < TL_LEVELS; l++) {
		uint64_t b = blk[l] ? blk[l] : 1;

		x->end[l][d] = (uint32_t)eyr_div_up(outer, b);
		x->res[l][d] = (uint32_t)eyr_div_up(last, b);
		last -= (x->res[l][d] - 1) * b;
		outer = b;
		prod *= x->end[l][d];
		/* Timeloop's reading of the factors, outer level first */
		ruby = ruby * x->end[l][d] + x->res[l][d] - 1;
	}
	x->bound[d] = extent;
	if (ruby + 1 != extent) {
		for (l = 0; l < TL_LEVELS; l++)
			x->res[l][d] = x->end[l][d];
		x->bound[d] = (uint32_t)prod;
	}
	x->grown[d] = x->bound[d] != extent;
}

static void plan_factors(const struct eyr_arch *a, const struct eyr_plan *p, struct tl_export *x)
{
	const struct eyr_mapping *m = &p->map;
	const struct eyrie_mapping *pm = &m->pass;
	const struct eyr_layer_shape *l = &p->shape;
	int fc = l->op == EYR_LAYER_FC;
	uint32_t G = l->groups ? l->groups : 1;
	uint32_t E = fc ? 1 : eyr_layer_out_h(l), F = fc ? 1 : eyr_layer_out_w(l);
	uint32_t R = fc ? 1 : l->r, S = fc ? 1 : l->s;
	uint32_t sr = pm->spatial_r ? pm->spatial_r : 1, se = pm->spatial_e ? pm->spatial_e : 1;
	uint32_t sm = pm->sets_m ? pm->sets_m : 1, sc = pm->sets_c ? pm->sets_c : 1;
	uint32_t rm = pm->rf_m ? pm->rf_m : 1, rc = pm->rf_c ? pm->rf_c : 1;
	uint32_t rn = pm->rf_n ? pm->rf_n : 1;
	uint32_t cols = a->pe_cols / se, rows = a->pe_rows / sr;
	uint32_t b[TL_LEVELS];

	memset(x, 0, sizeof(*x));
	/* levels: DRAM (tiles), GLB temporal (folds), spatial, ifmap, weights, psum RF */
#define BLK(d, ext, t_glb, t_fold, t_sp, t_if, t_w, t_ps) do {				\
		b[LV_DRAM] = (t_glb); b[LV_GLB] = (t_fold); b[LV_SPATIAL] = (t_sp);	\
		b[LV_IFMAP] = (t_if); b[LV_WEIGHTS] = (t_w); b[LV_PSUM] = (t_ps);	\
		split_dim(x, d, ext, b);						\
	} while (0)
	BLK(TL_G, G, m->tile[EYR_DIM_G], 1, 1, 1, 1, 1);
	BLK(TL_N, l->n, m->tile[EYR_DIM_N], rn, rn, rn, rn, 1);
	BLK(TL_M, l->m / G, m->tile[EYR_DIM_M], sm * rm, rm, rm, rm, 1);
	BLK(TL_C, l->c / G, m->tile[EYR_DIM_C], sc * rc, rc, rc, 1, 1);
	BLK(TL_P, E, m->tile[EYR_DIM_E], se, 1, 1, 1, 1);
	BLK(TL_Q, F, m->tile[EYR_DIM_F], 1, 1, 1, 1, 1);
	BLK(TL_R, R, R, sr, 1, 1, 1, 1);
	BLK(TL_S, S, S, S, S, S, 1, 1);
#undef BLK
	/*
	 * Timeloop's GLB tile: one word per element, the padded input span
	 * (it has no padding; the device never loads those rows).
	 */
	{
		uint64_t tn = m->tile[EYR_DIM_N], tg = m->tile[EYR_DIM_G];
		uint64_t tm = m->tile[EYR_DIM_M], tc = m->tile[EYR_DIM_C];
		uint64_t te = m->tile[EYR_DIM_E], tf = m->tile[EYR_DIM_F];
		uint64_t span_h = fc ? 1 : (te - 1) * l->stride_h + (uint64_t)(R - 1) * l->dil_h + 1;
		uint64_t span_w = fc ? 1 : (tf - 1) * l->stride_w + (uint64_t)(S - 1) * l->dil_w + 1;

		x->glb_words = tn * tg * tm * te * tf + tn * tg * tc * span_h * span_w +
			       tg * tm * tc * R * S;
	}
	/* the set copies along the mesh axes (docs/hardware.md 7.2) */
	x->flat = 0;
	if (se * sm * sc <= a->pe_cols) {
		x->m_on_x = x->c_on_x = 1;
	} else if (sm <= cols && sc <= rows) {
		x->m_on_x = 1;
	} else if (sc <= cols && sm <= rows) {
		x->c_on_x = 1;
	} else if (sr * sm * sc <= a->pe_rows) {
		/* both down the rows */
	} else {
		x->flat = 1;
	}
}

static const char *kept_rf(enum eyrie_dataflow df, int which)
{
	/* which: 0 inputs, 1 weights, 2 outputs */
	static const int keeps[EYRIE_DATAFLOW_COUNT][3] = {
		[EYRIE_DATAFLOW_RS] = { 1, 1, 1 }, [EYRIE_DATAFLOW_WS] = { 0, 1, 0 },
		[EYRIE_DATAFLOW_OS] = { 0, 0, 1 }, [EYRIE_DATAFLOW_IS] = { 1, 0, 0 },
	};

	return keeps[df][which] ? "keep" : "bypass";
}

static void write_arch(FILE *f, const struct eyr_arch *a, const struct tl_export *x)
{
	uint32_t pes = a->pe_rows * a->pe_cols, mesh_x = x->flat ? pes : a->pe_cols;

	fprintf(f, "# Eyrie architecture '%s' for Timeloop v3.0.3 (Accelergy v0.2 tree).\n", a->name);
	fprintf(f, "# Energies: the device table in fJ per word (per MAC), written where\n"
		   "# Timeloop reads pJ: its energy columns read as fJ.\n");
	if (x->flat)
		fprintf(f, "# This mapping's PE sets do not split by mesh axis in Timeloop's terms:\n"
			   "# the %u PEs are exported as one row.\n", pes);
	fprintf(f, "architecture:\n  version: 0.3\n  subtree:\n  - name: system\n    local:\n");
	fprintf(f, "    - name: DRAM\n      class: DRAM\n      attributes: {word-bits: 8, block-size: 1, read_bandwidth: %u, write_bandwidth: %u, vector-access-energy: %u}\n",
		a->dram_bytes_per_cycle, a->dram_bytes_per_cycle, a->energy_fj[EYRIE_ENERGY_DRAM]);
	fprintf(f, "    subtree:\n    - name: eyrie\n      local:\n");
	fprintf(f, "# shared_glb stands for the GLB and the stream buffer beside it (Timeloop's\n"
		   "# levels are a chain): a streamed tile is kept there too, so DRAM traffic\n"
		   "# matches, and Timeloop charges it GLB energy the device does not spend.\n"
		   "# Entries: the tile as Timeloop counts it (one word per element, padded\n"
		   "# input rows the device never loads) or the device's %u + %u bytes.\n",
		a->glb_bytes, a->stream_bytes);
	fprintf(f, "      - name: shared_glb\n        class: SRAM\n        attributes: {entries: %llu, word-bits: 8, block-size: 1, read_bandwidth: %u, write_bandwidth: %u, vector-access-energy: %u}\n",
		(unsigned long long)(x->glb_words > (uint64_t)a->glb_bytes + a->stream_bytes ?
				     x->glb_words : (uint64_t)a->glb_bytes + a->stream_bytes),
		a->glb_bytes_per_cycle, a->glb_bytes_per_cycle,
		a->energy_fj[EYRIE_ENERGY_GLB]);
	fprintf(f, "      subtree:\n      - name: PE[0..%u]\n        local:\n", pes - 1);
	fprintf(f, "        - name: ifmap_spad\n          class: regfile\n          attributes: {entries: %u, word-bits: 8, block-size: 1, meshX: %u, vector-access-energy: %u}\n",
		a->rf_ifmap_words, mesh_x, a->energy_fj[EYRIE_ENERGY_RF]);
	fprintf(f, "        - name: weights_spad\n          class: regfile\n          attributes: {entries: %u, word-bits: 8, block-size: 1, meshX: %u, vector-access-energy: %u}\n",
		a->rf_filter_words, mesh_x, a->energy_fj[EYRIE_ENERGY_RF]);
	fprintf(f, "        - name: psum_spad\n          class: regfile\n          attributes: {entries: %u, word-bits: 32, block-size: 1, meshX: %u, vector-access-energy: %u}\n",
		a->rf_psum_words, mesh_x, a->energy_fj[EYRIE_ENERGY_RF]);
	fprintf(f, "        - name: mac\n          class: intmac\n          attributes: {word-bits: 8, meshX: %u, energy: %u}\n",
		mesh_x, a->energy_fj[EYRIE_ENERGY_MAC]);
}

static void write_problem(FILE *f, const struct eyr_plan *p, const struct tl_export *x)
{
	const struct eyr_layer_shape *l = &p->shape;
	int fc = l->op == EYR_LAYER_FC, d, any = 0;
	uint32_t G = l->groups ? l->groups : 1;

	fprintf(f, "# Layer: %s, %u group(s). Padding is explicit (Timeloop reads the padded\n"
		   "# input).", fc ? "fc" : "conv", G);
	for (d = 0; d < TL_DIMS; d++)
		if (x->grown[d]) {
			fprintf(f, "%s %c", any ? "," : " Ragged tiles Timeloop's residuals cannot say grow", tl_name[d]);
			any = 1;
		}
	fprintf(f, "%s\n", any ? " to the product of the factors." : "");
	fprintf(f, "problem:\n  shape:\n    name: Eyrie_grouped_conv\n");
	fprintf(f, "    dimensions: [G, N, M, C, P, Q, R, S]\n");
	fprintf(f, "    coefficients:\n");
	fprintf(f, "    - {name: Wstride, default: 1}\n    - {name: Hstride, default: 1}\n");
	fprintf(f, "    - {name: Wdilation, default: 1}\n    - {name: Hdilation, default: 1}\n");
	fprintf(f, "    - {name: Cgroup, default: 1}\n    - {name: Mgroup, default: 1}\n");
	fprintf(f, "    data-spaces:\n");
	fprintf(f, "    - name: Weights\n      projection: [[[G]], [[M]], [[C]], [[R]], [[S]]]\n");
	fprintf(f, "    - name: Inputs\n      projection: [[[N]], [[C], [G, Cgroup]], [[R, Hdilation], [P, Hstride]], [[S, Wdilation], [Q, Wstride]]]\n");
	fprintf(f, "    - name: Outputs\n      projection: [[[N]], [[M], [G, Mgroup]], [[P]], [[Q]]]\n      read-write: True\n");
	fprintf(f, "  instance: {G: %u, N: %u, M: %u, C: %u, P: %u, Q: %u, R: %u, S: %u, Hstride: %u, Wstride: %u, Hdilation: %u, Wdilation: %u, Cgroup: %u, Mgroup: %u}\n",
		x->bound[TL_G], x->bound[TL_N], x->bound[TL_M], x->bound[TL_C], x->bound[TL_P],
		x->bound[TL_Q], x->bound[TL_R], x->bound[TL_S], fc ? 1 : l->stride_h,
		fc ? 1 : l->stride_w, fc ? 1 : l->dil_h, fc ? 1 : l->dil_w, x->bound[TL_C],
		x->bound[TL_M]);
}

static void write_factors(FILE *f, const struct tl_export *x, int lv)
{
	int d;

	fprintf(f, "  factors:");
	for (d = 0; d < TL_DIMS; d++) {
		fprintf(f, " %c=%u", tl_name[d], x->end[lv][d]);
		if (x->res[lv][d] != x->end[lv][d])
			fprintf(f, ",%u", x->res[lv][d]);
	}
	fprintf(f, "\n");
}

/* A permutation (innermost first) from a list of dimensions, the rest appended. */
static void write_perm(FILE *f, const char *first)
{
	int d;

	fprintf(f, "  permutation: %s", first);
	for (d = 0; d < TL_DIMS; d++)
		if (!strchr(first, tl_name[d]))
			fputc(tl_name[d], f);
	fputc('\n', f);
}

static void write_keep(FILE *f, const char *target, const char *in, const char *w,
		       const char *out)
{
	const char *v[3] = { in, w, out }, *nm[3] = { "Inputs", "Weights", "Outputs" };
	int k, i, any;

	fprintf(f, "- target: %s\n  type: datatype\n", target);
	for (k = 0; k < 2; k++) {
		const char *what = k ? "bypass" : "keep";

		fprintf(f, "  %s: [", what);
		for (i = 0, any = 0; i < 3; i++)
			if (!strcmp(v[i], what)) {
				fprintf(f, "%s%s", any ? ", " : "", nm[i]);
				any = 1;
			}
		fprintf(f, "]\n");
	}
}

static void write_mapping(FILE *f, const struct eyr_plan *p, const struct tl_export *x)
{
	const struct eyr_mapping *m = &p->map;
	static const char dim_tl[EYR_DIMS] = { 'N', 'G', 'M', 'P', 'Q', 'C' };
	char perm[TL_DIMS + 1], xs[TL_DIMS + 1], ys[TL_DIMS + 1];
	int i, k = 0, nx = 0, ny = 0;
	enum eyrie_dataflow df = m->dataflow;

	/* DRAM: the plan's loop order, innermost first */
	for (i = EYR_DIMS - 1; i >= 0; i--)
		perm[k++] = dim_tl[m->order[i]];
	perm[k] = 0;
	fprintf(f, "# Eyrie %s mapping: DRAM -> GLB tiles (the plan's loop order), GLB ->\n"
		   "# array folds (the device's fold order: groups, batch, output channels,\n"
		   "# output rows, input channels, filter rows), PE sets on the mesh, RF blocks.\n",
		eyr_dataflow_name(df));
	if (eyr_map_spills(m))
		fprintf(f, "# C is not innermost at the DRAM level: the plan spills psums to DRAM\n"
			   "# (int32, %u words per output), which Timeloop counts as output reads\n"
			   "# and updates at DRAM, one access per element as the device does.\n",
			2 * (m->tiles[EYR_DIM_C] - 1));
	fprintf(f, "mapping:\n");
	fprintf(f, "- target: DRAM\n  type: temporal\n");
	write_factors(f, x, LV_DRAM);
	write_perm(f, perm);
	fprintf(f, "- target: shared_glb\n  type: temporal\n");
	write_factors(f, x, LV_GLB);
	write_perm(f, "QRCPMNG");
	/* spatial: output rows across the columns, filter rows down the rows */
	if (x->flat) {
		xs[nx++] = 'P'; xs[nx++] = 'R'; xs[nx++] = 'M'; xs[nx++] = 'C';
	} else {
		xs[nx++] = 'P';
		ys[ny++] = 'R';
		if (x->m_on_x)
			xs[nx++] = 'M';
		else
			ys[ny++] = 'M';
		if (x->c_on_x)
			xs[nx++] = 'C';
		else
			ys[ny++] = 'C';
	}
	xs[nx] = 0;
	ys[ny] = 0;
	{
		char sp[2 * TL_DIMS + 1];

		snprintf(sp, sizeof(sp), "%s%s", xs, ys);
		fprintf(f, "- target: shared_glb\n  type: spatial\n");
		write_factors(f, x, LV_SPATIAL);
		write_perm(f, sp);
		fprintf(f, "  split: %d\n", nx);
	}
	fprintf(f, "- target: ifmap_spad\n  type: temporal\n");
	write_factors(f, x, LV_IFMAP);
	write_perm(f, "");
	fprintf(f, "- target: weights_spad\n  type: temporal\n");
	write_factors(f, x, LV_WEIGHTS);
	write_perm(f, "SC");
	fprintf(f, "- target: psum_spad\n  type: temporal\n");
	write_factors(f, x, LV_PSUM);
	write_perm(f, "MN");
	write_keep(f, "DRAM", "keep", "keep", "keep");
	/* the GLB and the stream buffer beside it hold every tile (write_arch) */
	write_keep(f, "shared_glb", "keep", "keep", "keep");
	write_keep(f, "ifmap_spad", kept_rf(df, 0), "bypass", "bypass");
	write_keep(f, "weights_spad", "bypass", kept_rf(df, 1), "bypass");
	write_keep(f, "psum_spad", "bypass", "bypass", kept_rf(df, 2));
}

int eyr_timeloop_write(const struct eyr_arch *a, const struct eyr_plan *p,
		       const char *dir, const char *name, char *err, size_t errlen)
{
	char path[4096];
	struct tl_export x;
	FILE *f;

	if (p->shape.op != EYR_LAYER_CONV && p->shape.op != EYR_LAYER_FC) {
		snprintf(err, errlen, "Timeloop export covers conv and FC layers only");
		return -EINVAL;
	}
	if (mkdir(dir, 0777) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create directory '%s': %s", dir, strerror(errno));
		return -errno;
	}
	plan_factors(a, p, &x);
	f = open_out(dir, name, "arch.yaml", path, sizeof(path));
	if (!f)
		goto fail;
	write_arch(f, a, &x);
	if (fclose(f))
		goto fail;
	f = open_out(dir, name, "problem.yaml", path, sizeof(path));
	if (!f)
		goto fail;
	write_problem(f, p, &x);
	if (fclose(f))
		goto fail;
	f = open_out(dir, name, "mapping.yaml", path, sizeof(path));
	if (!f)
		goto fail;
	write_mapping(f, p, &x);
	if (fclose(f))
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
	return -EIO;
}

int accel_plan_export_timeloop(const struct accel_arch *arch,
			       const struct accel_layer_spec *spec,
			       const struct accel_plan_opts *opts,
			       const char *dir, const char *name)
{
	struct eyr_plan plan;
	char err[512] = "";
	int ret;

	if (!dir)
		return eyr_error(-EINVAL, "accel_plan_export_timeloop: NULL directory");
	ret = eyr_plan_spec(arch, spec, opts, &plan);
	if (ret)
		return ret;
	ret = eyr_timeloop_write(eyr_arch_of(arch), &plan, dir, name, err, sizeof(err));
	return ret ? eyr_error(ret, "%s", err) : 0;
}
