// SPDX-License-Identifier: MIT
/*
 * The public planning API (accel/plan.h) over the internal scheduler.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/plan.h"
#include "core/internal.h"
#include "sched/sched_internal.h"
#include "sched/plan_api.h"

struct accel_arch {
	struct eyr_arch a;
};

_Static_assert((int)ACCEL_DATAFLOW_NLR == (int)EYRIE_DATAFLOW_NLR, "dataflow ids");
_Static_assert((int)ACCEL_LAYER_ADD == (int)EYR_LAYER_ADD, "layer op ids");
_Static_assert((int)ACCEL_LAYER_UPSAMPLE == (int)EYR_LAYER_UPSAMPLE, "layer op ids");
_Static_assert((int)ACCEL_OBJECTIVE_EDP == (int)EYR_OBJ_EDP, "objective ids");
_Static_assert((int)ACCEL_OBJECTIVE_DRAM == (int)EYR_OBJ_DRAM, "objective ids");
_Static_assert(ACCEL_OBJECTIVE_COUNT == EYR_OBJECTIVES, "objective count");

int accel_arch_from_device(struct accel_device *dev, struct accel_arch **out)
{
	struct accel_device_info info;
	struct eyrie_hw_desc desc;
	struct accel_arch *arch;
	int ret;

	if (!dev || !out)
		return eyr_error(-EINVAL, "accel_arch_from_device: NULL argument");
	memset(&info, 0, sizeof(info));
	info.sz = sizeof(info);
	ret = accel_device_info(dev, &info);
	if (ret)
		return ret;
	ret = eyr_device_hw_desc(dev, &desc);
	if (ret)
		return ret;
	arch = calloc(1, sizeof(*arch));
	if (!arch)
		return eyr_error(-ENOMEM, "out of memory");
	eyr_arch_from_desc(&arch->a, &desc, info.caps);
	snprintf(arch->a.name, sizeof(arch->a.name), "%s", info.name);
	*out = arch;
	return 0;
}

int accel_arch_from_info(const struct accel_device_info *info, struct accel_arch **out)
{
	struct accel_device_info in;
	struct eyrie_hw_desc desc;
	struct accel_arch *arch;
	char err[256] = "";
	int ret;

	if (!info || !out)
		return eyr_error(-EINVAL, "accel_arch_from_info: NULL argument");
	ret = eyr_opts_check(info, info->sz, sizeof(in), "accel_device_info");
	if (ret)
		return ret;
	memset(&in, 0, sizeof(in));
	memcpy(&in, info, info->sz < sizeof(in) ? info->sz : sizeof(in));
	memset(&desc, 0, sizeof(desc));
	desc.pe_rows = (__u16)(in.pe_rows > 0xffff ? 0 : in.pe_rows);
	desc.pe_cols = (__u16)(in.pe_cols > 0xffff ? 0 : in.pe_cols);
	desc.rf_ifmap_words = (__u16)(in.rf_ifmap_words > 0xffff ? 0 : in.rf_ifmap_words);
	desc.rf_filter_words = (__u16)(in.rf_filter_words > 0xffff ? 0 : in.rf_filter_words);
	desc.rf_psum_words = (__u16)(in.rf_psum_words > 0xffff ? 0 : in.rf_psum_words);
	desc.glb_bytes = in.glb_bytes;
	desc.stream_bytes = in.stream_bytes;
	desc.clock_khz = in.clock_khz;
	desc.dram_bytes_per_cycle = in.dram_bytes_per_cycle;
	desc.glb_bytes_per_cycle = in.glb_bytes_per_cycle;
	desc.noc_words_per_cycle = in.noc_words_per_cycle;
	memcpy(desc.energy_fj, in.energy_fj, sizeof(desc.energy_fj));
	desc.static_mw = in.static_mw;
	desc.max_cmds_per_job = in.max_cmds_per_job;
	arch = calloc(1, sizeof(*arch));
	if (!arch)
		return eyr_error(-ENOMEM, "out of memory");
	/* stream_bytes without the capability is no stream buffer, as on a device */
	eyr_arch_from_desc(&arch->a, &desc, in.caps);
	in.name[sizeof(in.name) - 1] = 0;
	snprintf(arch->a.name, sizeof(arch->a.name), "%s", in.name[0] ? in.name : "device");
	ret = eyr_arch_check(&arch->a, err, sizeof(err));
	if (ret) {
		free(arch);
		return eyr_error(ret, "accel_arch_from_info: %s (or a 16-bit field above 65535)",
				 err);
	}
	*out = arch;
	return 0;
}

int accel_arch_copy(const struct accel_arch *arch, struct accel_arch **out)
{
	struct accel_arch *c;

	if (!arch || !out)
		return eyr_error(-EINVAL, "accel_arch_copy: NULL argument");
	c = malloc(sizeof(*c));
	if (!c)
		return eyr_error(-ENOMEM, "out of memory");
	*c = *arch;
	*out = c;
	return 0;
}

int accel_arch_load_mem(struct accel_arch *arch, const char *text, size_t len,
			const char *what)
{
	char err[256] = "";
	char *copy;
	int ret;

	if (!arch || (!text && len))
		return eyr_error(-EINVAL, "accel_arch_load_mem: NULL argument");
	if (!what)
		what = "architecture text";
	if (len > EYR_ARCH_TEXT_MAX)
		return eyr_error(-E2BIG, "%s: larger than %u bytes: not an architecture file",
				 what, EYR_ARCH_TEXT_MAX);
	if (len && memchr(text, 0, len))
		return eyr_error(-EINVAL, "%s: not text (contains a NUL byte)", what);
	copy = malloc(len + 1);
	if (!copy)
		return eyr_error(-ENOMEM, "out of memory");
	if (len)
		memcpy(copy, text, len);
	copy[len] = 0;
	ret = eyr_arch_parse(&arch->a, copy, what, err, sizeof(err));
	free(copy);
	return ret ? eyr_error(ret, "%s", err) : 0;
}

int accel_arch_load_file(struct accel_arch *arch, const char *path)
{
	char err[256] = "";
	int ret;

	if (!arch || !path)
		return eyr_error(-EINVAL, "accel_arch_load_file: NULL argument");
	ret = eyr_arch_load(&arch->a, path, err, sizeof(err));
	return ret ? eyr_error(ret, "%s", err) : 0;
}

const char *accel_arch_name(const struct accel_arch *arch)
{
	return arch ? arch->a.name : "";
}

void accel_arch_free(struct accel_arch *arch)
{
	free(arch);
}

const char *accel_dataflow_name(enum accel_dataflow df)
{
	return eyr_dataflow_name((enum eyrie_dataflow)df);
}

int accel_dataflow_parse(const char *text, enum accel_dataflow *df)
{
	enum eyrie_dataflow d;

	if (!text || eyr_dataflow_parse(text, &d))
		return eyr_error(-EINVAL, "unknown dataflow '%s' (use rs, ws, os, is or nlr)",
				 text ? text : "");
	*df = (enum accel_dataflow)d;
	return 0;
}

const char *accel_objective_name(enum accel_objective o)
{
	return eyr_objective_name((enum eyr_objective)o);
}

int accel_objective_parse(const char *text, enum accel_objective *o)
{
	enum eyr_objective e;

	if (!text || eyr_objective_parse(text, &e))
		return eyr_error(-EINVAL, "unknown objective '%s' (use energy, cycles, edp or dram)",
				 text ? text : "");
	*o = (enum accel_objective)e;
	return 0;
}

void eyr_spec_to_shape(const struct accel_layer_spec *sp, struct eyr_layer_shape *l)
{
	memset(l, 0, sizeof(*l));
	l->op = (enum eyr_layer_op)sp->op;
	l->n = sp->n;
	l->c = sp->c;
	l->m = sp->m;
	l->h = sp->h;
	l->w = sp->w;
	l->r = sp->r;
	l->s = sp->s;
	l->stride_h = sp->stride_h;
	l->stride_w = sp->stride_w;
	l->pad_t = sp->pad_t;
	l->pad_b = sp->pad_b;
	l->pad_l = sp->pad_l;
	l->pad_r = sp->pad_r;
	l->dil_h = sp->dil_h;
	l->dil_w = sp->dil_w;
	l->groups = sp->groups ? sp->groups : 1;
	if (sp->op == ACCEL_LAYER_FC) {
		l->h = l->w = l->r = l->s = 1;
		l->stride_h = l->stride_w = l->dil_h = l->dil_w = 1;
		l->groups = 1;
	}
}

uint64_t accel_layer_spec_macs(const struct accel_layer_spec *sp)
{
	struct eyr_layer_shape l;
	struct eyr_geom g;

	eyr_spec_to_shape(sp, &l);
	if (eyr_geom_init(&g, &l, NULL, 0))
		return 0;
	return g.macs;
}

/*
 * The largest value of each key: the device's pass fields (16-bit extents,
 * 8-bit window fields, docs/hardware.md). Larger values are refused here,
 * naming the key, rather than deep inside the scheduler.
 */
#define SPEC_MAX_EXTENT 65535u
#define SPEC_MAX_WINDOW 255u

static uint32_t key_max(const char *key)
{
	static const char *const window_keys[] = {
		"r", "s", "stride", "stride_h", "stride_w", "pad", "pad_t", "pad_b",
		"pad_l", "pad_r", "dilation", "dil_h", "dil_w",
	};

	for (size_t i = 0; i < sizeof(window_keys) / sizeof(window_keys[0]); i++)
		if (!strcmp(key, window_keys[i]))
			return SPEC_MAX_WINDOW;
	return SPEC_MAX_EXTENT;
}

static int set_key(struct accel_layer_spec *sp, const char *key, uint32_t v)
{
	static const struct { const char *k; size_t off; } keys[] = {
#define K(f) { #f, offsetof(struct accel_layer_spec, f) }
		K(n), K(c), K(m), K(h), K(w), K(r), K(s), K(stride_h), K(stride_w),
		K(pad_t), K(pad_b), K(pad_l), K(pad_r), K(dil_h), K(dil_w), K(groups),
#undef K
	};
	size_t i;

	if (!strcmp(key, "stride")) {
		sp->stride_h = sp->stride_w = v;
		return 0;
	}
	if (!strcmp(key, "pad")) {
		sp->pad_t = sp->pad_b = sp->pad_l = sp->pad_r = v;
		return 0;
	}
	if (!strcmp(key, "dilation")) {
		sp->dil_h = sp->dil_w = v;
		return 0;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].k)) {
			*(uint32_t *)((char *)sp + keys[i].off) = v;
			return 0;
		}
	return -1;
}

int accel_layer_spec_parse(const char *text, struct accel_layer_spec *sp)
{
	char buf[512], *save = NULL, *item, *body;
	int dw = 0;

	if (!text || !sp)
		return eyr_error(-EINVAL, "accel_layer_spec_parse: NULL argument");
	if (strlen(text) >= sizeof(buf))
		return eyr_error(-EINVAL, "layer spec too long");
	snprintf(buf, sizeof(buf), "%s", text);
	memset(sp, 0, sizeof(*sp));
	sp->sz = sizeof(*sp);
	body = strchr(buf, ':');
	if (!body)
		return eyr_error(-EINVAL, "layer spec '%s': expected OP:key=value,... with OP conv, dwconv or fc",
				 text);
	*body++ = 0;
	if (!strcmp(buf, "conv"))
		sp->op = ACCEL_LAYER_CONV;
	else if (!strcmp(buf, "dwconv"))
		sp->op = ACCEL_LAYER_CONV, dw = 1;
	else if (!strcmp(buf, "fc"))
		sp->op = ACCEL_LAYER_FC;
	else
		return eyr_error(-EINVAL, "layer spec '%s': unknown op '%s' (use conv, dwconv or fc)",
				 text, buf);
	for (item = strtok_r(body, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '='), *end;
		unsigned long v;

		if (!eq)
			return eyr_error(-EINVAL, "layer spec '%s': '%s' is not key=value", text, item);
		*eq = 0;
		errno = 0;
		v = strtoul(eq + 1, &end, 10);
		if (errno || end == eq + 1 || *end || eq[1] == '-' || v > 0xffffffffu)
			return eyr_error(-EINVAL, "layer spec '%s': value of '%s' is not a non-negative integer",
					 text, item);
		if (set_key(sp, item, (uint32_t)v))
			return eyr_error(-EINVAL, "layer spec '%s': unknown key '%s' (keys: n c m h w r s stride stride_h stride_w pad pad_t pad_b pad_l pad_r dilation groups)",
					 text, item);
		if (v > key_max(item))
			return eyr_error(-E2BIG, "layer spec '%s': %s = %lu is above the largest value the device can run (%u)",
					 text, item, v, key_max(item));
	}
	if (!sp->n)
		sp->n = 1;
	if (sp->op == ACCEL_LAYER_FC) {
		sp->h = sp->w = sp->r = sp->s = 1;
	} else {
		if (!sp->w)
			sp->w = sp->h;
		if (!sp->s)
			sp->s = sp->r;
	}
	if (dw) {
		if (!sp->m)
			sp->m = sp->c;
		if (sp->m != sp->c)
			return eyr_error(-EINVAL, "layer spec '%s': dwconv needs m = c", text);
		sp->groups = sp->c;
	}
	if (!sp->stride_h)
		sp->stride_h = 1;
	if (!sp->stride_w)
		sp->stride_w = 1;
	if (!sp->dil_h)
		sp->dil_h = 1;
	if (!sp->dil_w)
		sp->dil_w = 1;
	if (!sp->groups)
		sp->groups = 1;
	if (!sp->c || !sp->m || !sp->h || !sp->r)
		return eyr_error(-EINVAL, "layer spec '%s': c, m, h and r (fc: c and m) are required and must be at least 1",
				 text);
	return 0;
}

void eyr_plan_to_result(const struct eyr_arch *a, const struct eyr_plan *p,
			struct accel_plan_result *r)
{
	static const char letters[] = "NGMEFC";
	int l;

	memset(r, 0, sizeof(*r));
	r->sz = sizeof(*r);
	r->dataflow = (enum accel_dataflow)p->map.dataflow;
	r->macs = p->cost.macs;
	for (l = 0; l < EYR_DIMS; l++) {
		r->tile[l] = p->map.tile[l];
		r->tiles[l] = p->map.tiles[l];
		r->order[l] = letters[p->map.order[l] % EYR_DIMS];
	}
	r->order[EYR_DIMS] = 0;
	r->stream_in = p->map.place_in == EYR_PLACE_STREAM;
	r->stream_w = p->map.place_w == EYR_PLACE_STREAM;
	r->spatial_r = p->map.pass.spatial_r;
	r->spatial_e = p->map.pass.spatial_e;
	r->sets_m = p->map.pass.sets_m;
	r->sets_c = p->map.pass.sets_c;
	r->rf_m = p->map.pass.rf_m;
	r->rf_c = p->map.pass.rf_c;
	r->rf_n = p->map.pass.rf_n;
	for (l = 0; l < EYRIE_ENERGY_DOMAINS; l++)
		r->energy_pj[l] = (double)p->cost.energy_fj[l] / 1000.0;
	for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
		r->access[l] = p->cost.access[l];
	r->energy_total_pj = (double)p->cost.energy_total_fj / 1000.0;
	r->energy_norm = eyr_cost_energy_norm(a, &p->cost);
	r->cycles = p->cost.cycles;
	r->dram_words = p->cost.dram_words;
	r->dram_bytes = p->cost.dram_bytes;
	r->commands = p->cost.cmds;
	r->lb_dram_words = p->lb_dram_words;
	r->lb_dram_bytes = p->lb_dram_bytes;
	r->evaluated = p->search.evaluated;
	r->pruned = p->search.pruned;
	r->time_us = p->search.time_us;
	r->exhaustive = p->search.exhaustive;
	r->events = p->map.events;
	r->double_buffer = p->map.dbuf;		/* EYR_DBUF_* = ACCEL_PLAN_DBUF_* */
	r->budget_exhausted = p->search.budget_exhausted;
	/* dense figures above, the measured stream's (gated) here */
	for (l = 0; l < EYRIE_ENERGY_DOMAINS; l++)
		r->energy_pj[l] = (double)p->dense.energy_fj[l] / 1000.0;
	for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
		r->access[l] = p->dense.access[l];
	r->energy_total_pj = (double)p->dense.energy_total_fj / 1000.0;
	r->energy_norm = eyr_cost_energy_norm(a, &p->dense);
	r->macs = p->dense.macs;
	r->gated_macs = p->gated_macs;
	for (l = 0; l < EYRIE_ENERGY_DOMAINS; l++)
		r->sparse_energy_pj[l] = (double)p->cost.energy_fj[l] / 1000.0;
	for (l = 0; l < EYRIE_ACCESS_LEVELS; l++)
		r->sparse_access[l] = p->cost.access[l];
	r->sparse_energy_total_pj = (double)p->cost.energy_total_fj / 1000.0;
	r->sparse_energy_norm = eyr_cost_energy_norm(a, &p->cost);
	r->sparse_dram_words = p->cost.dram_words;
	r->sparse_dram_bytes = p->cost.dram_bytes;
	r->sparse_cycles = p->cost.cycles;
	r->cycles = p->dense.cycles;
	r->dram_words = p->dense.dram_words;
	r->dram_bytes = p->dense.dram_bytes;
	r->commands = p->dense.cmds;
	r->rle_in_rows = p->rle_in_rows;
	r->rle_out_rows = p->rle_out_rows;
	r->sets_g = eyrie_mapping_sets_g(&p->map.pass);
	r->psum_dram_words = p->cost.psum_words;
	r->in_ring = eyr_plan_in_ring(p);
	r->input_words = p->cost.in_words;
}

int eyr_plan_spec(const struct accel_arch *arch, const struct accel_layer_spec *spec,
		  const struct accel_plan_opts *opts, struct eyr_plan *plan)
{
	struct accel_plan_opts o = { .sz = sizeof(o), .dataflow = ACCEL_DATAFLOW_RS,
				     .objective = ACCEL_OBJECTIVE_ENERGY };
	struct eyr_sched_opts so = EYR_SCHED_OPTS_INIT;
	struct eyr_layer_shape shape;
	char err[512] = "";
	int ret;

	if (!arch || !spec)
		return eyr_error(-EINVAL, "accel_plan_layer: NULL argument");
	if (opts) {
		ret = eyr_opts_check(opts, opts->sz, sizeof(o), "accel_plan_opts");
		if (ret)
			return ret;
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	eyr_spec_to_shape(spec, &shape);
	so.dataflow = (enum eyrie_dataflow)o.dataflow;
	so.objective = (enum eyr_objective)o.objective;
	so.exhaustive = o.exhaustive;
	so.batch = o.batch;
	so.max_time_us = o.max_time_us ? o.max_time_us : ACCEL_PLAN_DEFAULT_TIME_US;
	so.max_evals = o.max_evaluations;
	so.no_bias = spec->no_bias;
	so.per_channel = spec->per_channel;
	if (o.sz > offsetof(struct accel_plan_opts, sparse) && o.sparse) {
		if (!o.gated_macs_known && !(o.zero_fraction >= 0 && o.zero_fraction <= 1))
			return eyr_error(-EINVAL, "zero fraction %g is not in [0, 1]", o.zero_fraction);
		so.zero_gate = 1;
		so.zero_fraction = o.zero_fraction;
		so.gated_known = !!o.gated_macs_known;
		so.gated_macs = o.gated_macs;
		if (!o.no_rle) {
			so.rle_in_rows = o.rle_in_rows ? o.rle_in_rows : 1;
			so.rle_out = EYR_RLE_OUT_ROW;
			so.out_zero_fraction = o.out_zero_fraction;
			if (so.out_zero_fraction > 1)
				return eyr_error(-EINVAL, "output zero fraction %g is not in [0, 1]",
						 o.out_zero_fraction);
		}
	}
	ret = eyr_sched_plan(&arch->a, &shape, &so, plan, err, sizeof(err));
	return ret ? eyr_error(ret, "%s", err[0] ? err : "planning failed") : 0;
}

int accel_plan_layer(const struct accel_arch *arch, const struct accel_layer_spec *spec,
		     const struct accel_plan_opts *opts, struct accel_plan_result *res)
{
	struct accel_plan_result full;
	struct eyr_plan plan;
	int ret;

	if (!res)
		return eyr_error(-EINVAL, "accel_plan_layer: NULL result");
	ret = eyr_out_check(res, res->sz, "accel_plan_result");
	if (ret)
		return ret;
	ret = eyr_plan_spec(arch, spec, opts, &plan);
	if (ret)
		return ret;
	eyr_plan_to_result(&arch->a, &plan, &full);
	full.sparse = opts && opts->sz > offsetof(struct accel_plan_opts, sparse) && opts->sparse;
	eyr_out_copy(res, res->sz, &full, sizeof(full));
	return 0;
}

int accel_layer_gated_macs(const struct accel_layer_spec *spec, uint32_t batch,
			   const int8_t *input, int zp, uint64_t *gated_macs)
{
	struct eyr_layer_shape shape;
	int err;

	if (!spec || !input || !gated_macs)
		return eyr_error(-EINVAL, "accel_layer_gated_macs: NULL argument");
	if (spec->op != ACCEL_LAYER_CONV && spec->op != ACCEL_LAYER_FC)
		return eyr_error(-EINVAL, "accel_layer_gated_macs: conv and fc layers only");
	eyr_spec_to_shape(spec, &shape);
	if (batch)
		shape.n = batch;
	*gated_macs = eyr_layer_gated_macs(&shape, input, zp, &err);
	if (err == -2)
		return eyr_error(-ENOMEM, "accel_layer_gated_macs: out of memory");
	return err ? eyr_error(-EINVAL, "accel_layer_gated_macs: not a conv or fc layer") : 0;
}

const struct eyr_arch *eyr_arch_of(const struct accel_arch *arch)
{
	return &arch->a;
}
