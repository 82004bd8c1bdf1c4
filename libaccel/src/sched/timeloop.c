// SPDX-License-Identifier: MIT
/*
 * Timeloop v3 (timeloopfe, format version 0.4) export: the architecture,
 * the layer as a CNN problem and the plan's mapping, so a result can be
 * re-evaluated in the community's reference model. Timeloop factors must
 * multiply to the problem bounds, so a ragged tiling is exported over the
 * bounds rounded up to tiles x tile (a comment in problem.yaml says so).
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

static void write_arch(FILE *f, const struct eyr_arch *a)
{
	fprintf(f, "# Eyrie architecture '%s' for Timeloop v3 (timeloopfe 0.4).\n", a->name);
	fprintf(f, "# Energies are per word access in pJ from the device table (fJ / 1000).\n");
	fprintf(f, "architecture:\n  version: 0.4\n  nodes:\n");
	fprintf(f, "  - !Container\n    name: system\n    attributes: {technology: \"45nm\", global_cycle_seconds: %.9g}\n",
		1.0 / ((double)a->clock_khz * 1000.0));
	fprintf(f, "  - !Component\n    name: DRAM\n    class: DRAM\n    attributes: {type: \"LPDDR4\", width: %u, datawidth: 8, read_bandwidth: %u, write_bandwidth: %u, energy_per_access_pj: %.6g}\n",
		a->dram_bytes_per_cycle * 8, a->dram_bytes_per_cycle, a->dram_bytes_per_cycle,
		a->energy_fj[EYRIE_ENERGY_DRAM] / 1000.0);
	fprintf(f, "  - !Container\n    name: eyrie\n");
	fprintf(f, "  - !Component\n    name: shared_glb\n    class: smartbuffer_SRAM\n    attributes: {depth: %u, width: 8, datawidth: 8, read_bandwidth: %u, write_bandwidth: %u, energy_per_access_pj: %.6g}\n",
		a->glb_bytes, a->glb_bytes_per_cycle, a->glb_bytes_per_cycle,
		a->energy_fj[EYRIE_ENERGY_GLB] / 1000.0);
	if (a->stream_bytes)
		fprintf(f, "  - !Component\n    name: stream_buffer\n    class: smartbuffer_SRAM\n    attributes: {depth: %u, width: 8, datawidth: 8, energy_per_access_pj: 0}\n",
			a->stream_bytes);
	fprintf(f, "  - !Component\n    name: noc\n    class: XY_NoC\n    attributes: {datawidth: 8, energy_per_hop_pj: %.6g, words_per_cycle: %u}\n",
		a->energy_fj[EYRIE_ENERGY_NOC] / 1000.0, a->noc_words_per_cycle);
	fprintf(f, "  - !Container\n    name: PE\n    spatial: {meshX: %u, meshY: %u}\n", a->pe_cols, a->pe_rows);
	fprintf(f, "  - !Component\n    name: ifmap_spad\n    class: smartbuffer_RF\n    attributes: {depth: %u, width: 8, datawidth: 8, energy_per_access_pj: %.6g}\n",
		a->rf_ifmap_words, a->energy_fj[EYRIE_ENERGY_RF] / 1000.0);
	fprintf(f, "  - !Component\n    name: weights_spad\n    class: smartbuffer_RF\n    attributes: {depth: %u, width: 8, datawidth: 8, energy_per_access_pj: %.6g}\n",
		a->rf_filter_words, a->energy_fj[EYRIE_ENERGY_RF] / 1000.0);
	fprintf(f, "  - !Component\n    name: psum_spad\n    class: smartbuffer_RF\n    attributes: {depth: %u, width: 32, datawidth: 32, energy_per_access_pj: %.6g}\n",
		a->rf_psum_words, a->energy_fj[EYRIE_ENERGY_RF] / 1000.0);
	fprintf(f, "  - !Component\n    name: mac\n    class: intmac\n    attributes: {datawidth: 8, energy_per_op_pj: %.6g}\n",
		a->energy_fj[EYRIE_ENERGY_MAC] / 1000.0);
}

/*
 * Timeloop dims N, M, C, P (output rows), Q (output columns), R, S; groups
 * are folded into M (C stays per group, as a depthwise layer is written in
 * Timeloop). Factors per level, innermost level last.
 */
enum { TL_N, TL_M, TL_C, TL_P, TL_Q, TL_R, TL_S, TL_DIMS };
#define TL_LEVELS 4	/* DRAM temporal, GLB temporal, GLB spatial, RF temporal */

static void factors(const struct eyr_plan *p, uint32_t f[TL_LEVELS][TL_DIMS])
{
	const struct eyr_mapping *m = &p->map;
	const struct eyrie_mapping *pm = &m->pass;
	uint32_t r = p->shape.op == EYR_LAYER_FC ? 1 : p->shape.r;
	uint32_t s = p->shape.op == EYR_LAYER_FC ? 1 : p->shape.s;
	uint32_t sr = pm->spatial_r ? pm->spatial_r : 1, se = pm->spatial_e ? pm->spatial_e : 1;
	uint32_t sm = pm->sets_m ? pm->sets_m : 1, sc = pm->sets_c ? pm->sets_c : 1;
	uint32_t rm = pm->rf_m ? pm->rf_m : 1, rc = pm->rf_c ? pm->rf_c : 1;
	uint32_t rn = pm->rf_n ? pm->rf_n : 1;
	int l, d;

	for (l = 0; l < TL_LEVELS; l++)
		for (d = 0; d < TL_DIMS; d++)
			f[l][d] = 1;
	f[0][TL_N] = m->tiles[EYR_DIM_N];
	f[0][TL_M] = m->tiles[EYR_DIM_M] * m->tiles[EYR_DIM_G] * m->tile[EYR_DIM_G];
	f[0][TL_C] = m->tiles[EYR_DIM_C];
	f[0][TL_P] = m->tiles[EYR_DIM_E];
	f[0][TL_Q] = m->tiles[EYR_DIM_F];
	f[1][TL_N] = eyr_div_up(m->tile[EYR_DIM_N], rn);
	f[1][TL_M] = eyr_div_up(m->tile[EYR_DIM_M], (uint64_t)rm * sm);
	f[1][TL_C] = eyr_div_up(m->tile[EYR_DIM_C], (uint64_t)rc * sc);
	f[1][TL_P] = eyr_div_up(m->tile[EYR_DIM_E], se);
	f[1][TL_R] = eyr_div_up(r, sr);
	f[2][TL_M] = sm;
	f[2][TL_C] = sc;
	f[2][TL_P] = se;
	f[2][TL_R] = sr;
	f[3][TL_N] = rn;
	f[3][TL_M] = rm;
	f[3][TL_C] = rc;
	f[3][TL_Q] = m->tile[EYR_DIM_F];
	f[3][TL_S] = s;
}

static void write_problem(FILE *f, const struct eyr_plan *p, uint32_t fac[TL_LEVELS][TL_DIMS])
{
	const struct eyr_layer_shape *l = &p->shape;
	uint32_t groups = l->groups ? l->groups : 1, bound[TL_DIMS];
	int fc = l->op == EYR_LAYER_FC, d, k;

	for (d = 0; d < TL_DIMS; d++)
		for (bound[d] = 1, k = 0; k < TL_LEVELS; k++)
			bound[d] *= fac[k][d];
	fprintf(f, "# Layer %s (groups=%u, folded into M). Where the Eyrie tiling is ragged the\n"
		   "# bounds are rounded up to the product of the mapping's factors (Timeloop\n"
		   "# needs exact factorizations).\n", fc ? "fc" : "conv", groups);
	fprintf(f, "problem:\n  version: 0.4\n  shape:\n    name: CNN_Layer\n");
	fprintf(f, "    dimensions: [C, M, R, S, N, P, Q]\n");
	fprintf(f, "    coefficients:\n");
	fprintf(f, "    - {name: Wstride, default: 1}\n    - {name: Hstride, default: 1}\n");
	fprintf(f, "    - {name: Wdilation, default: 1}\n    - {name: Hdilation, default: 1}\n");
	fprintf(f, "    data_spaces:\n");
	fprintf(f, "    - name: Weights\n      projection: [[[C]], [[M]], [[R]], [[S]]]\n");
	fprintf(f, "    - name: Inputs\n      projection: [[[N]], [[C]], [[R, Hdilation], [P, Hstride]], [[S, Wdilation], [Q, Wstride]]]\n");
	fprintf(f, "    - name: Outputs\n      projection: [[[N]], [[M]], [[P]], [[Q]]]\n      read_write: true\n");
	fprintf(f, "  instance: {C: %u, M: %u, R: %u, S: %u, N: %u, P: %u, Q: %u, Hstride: %u, Wstride: %u, Hdilation: %u, Wdilation: %u}\n",
		bound[TL_C], bound[TL_M], bound[TL_R], bound[TL_S], bound[TL_N], bound[TL_P],
		bound[TL_Q], fc ? 1 : l->stride_h, fc ? 1 : l->stride_w, fc ? 1 : l->dil_h,
		fc ? 1 : l->dil_w);
}

static void write_factors(FILE *f, const uint32_t *x)
{
	fprintf(f, "  factors: N=%u M=%u C=%u P=%u Q=%u R=%u S=%u\n", x[TL_N], x[TL_M], x[TL_C],
		x[TL_P], x[TL_Q], x[TL_R], x[TL_S]);
}

static void write_mapping(FILE *f, const struct eyr_plan *p, uint32_t fac[TL_LEVELS][TL_DIMS])
{
	const struct eyr_mapping *m = &p->map;
	static const char tl[EYR_DIMS] = { 'N', 'M', 'M', 'P', 'Q', 'C' };
	char perm[8];
	int i, k = 0;

	/* Timeloop permutations list the innermost loop first */
	for (i = EYR_DIMS - 1; i >= 0; i--) {
		char c = tl[m->order[i] % EYR_DIMS];

		if (!memchr(perm, c, (size_t)k))
			perm[k++] = c;
	}
	perm[k] = 0;
	fprintf(f, "# Eyrie %s mapping: DRAM -> GLB tiles, GLB -> array (spatial), array -> RF.\n",
		eyr_dataflow_name(m->dataflow));
	fprintf(f, "mapping:\n");
	fprintf(f, "- target: DRAM\n  type: temporal\n");
	write_factors(f, fac[0]);
	fprintf(f, "  permutation: %sRS\n", perm);
	fprintf(f, "- target: shared_glb\n  type: temporal\n");
	write_factors(f, fac[1]);
	fprintf(f, "  permutation: RCMPNQS\n");
	fprintf(f, "- target: shared_glb\n  type: spatial\n");
	write_factors(f, fac[2]);
	fprintf(f, "  permutation: MPCRNQS\n  split: 2\n");
	fprintf(f, "- target: psum_spad\n  type: temporal\n");
	write_factors(f, fac[3]);
	fprintf(f, "  permutation: SQCMNPR\n");
}

int eyr_timeloop_write(const struct eyr_arch *a, const struct eyr_plan *p,
		       const char *dir, const char *name, char *err, size_t errlen)
{
	char path[4096];
	uint32_t fac[TL_LEVELS][TL_DIMS];
	FILE *f;

	if (p->shape.op != EYR_LAYER_CONV && p->shape.op != EYR_LAYER_FC) {
		snprintf(err, errlen, "Timeloop export covers conv and FC layers only");
		return -EINVAL;
	}
	if (mkdir(dir, 0777) && errno != EEXIST) {
		snprintf(err, errlen, "cannot create directory '%s': %s", dir, strerror(errno));
		return -errno;
	}
	factors(p, fac);
	f = open_out(dir, name, "arch.yaml", path, sizeof(path));
	if (!f)
		goto fail;
	write_arch(f, a);
	if (fclose(f))
		goto fail;
	f = open_out(dir, name, "problem.yaml", path, sizeof(path));
	if (!f)
		goto fail;
	write_problem(f, p, fac);
	if (fclose(f))
		goto fail;
	f = open_out(dir, name, "mapping.yaml", path, sizeof(path));
	if (!f)
		goto fail;
	write_mapping(f, p, fac);
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
