// SPDX-License-Identifier: MIT
/*
 * accelctl plan: the tile scheduler's best mapping of a layer, its
 * predicted energy per level, cycles and DRAM traffic, per dataflow
 * (docs/accelctl.md, "plan"; docs/scheduler.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/model.h"
#include "accel/plan.h"
#include "accelctl.h"

ACCELCTL_COMMAND(plan);

const char cmd_plan_usage[] =
	"usage: accelctl plan (MODEL.onnx | --layer SPEC) [--dataflow rs|ws|os|is|nlr|all]\n"
	"                     [--objective energy|cycles|edp|dram] [--batch N] [--arch FILE]\n"
	"                     [--export-timeloop DIR] [--exhaustive]\n"
	"                     [--max-time-ms MS] [--max-evaluations N]\n"
	"                     [--zero-fraction F[,F...]]\n"
	"  SPEC: conv:n=1,c=3,m=96,h=227,w=227,r=11,s=11,stride=4,pad=0 (optional groups,\n"
	"        dilation, stride_h, stride_w, pad_t, pad_b, pad_l, pad_r), dwconv:...,\n"
	"        fc:n=1,c=4096,m=1000\n"
	"  The architecture is the device's (-d) unless --arch FILE overrides it.\n"
	"  --objective dram: fewest DRAM words, then least energy (bandwidth-bound boards).\n"
	"  The search stops at its budget (default 500 ms of CPU per layer and dataflow) with\n"
	"  the best mapping so far, marked \"budget exhausted\".\n"
	"  --zero-fraction: fraction of zeros in each layer's input (one value, or one per\n"
	"  layer of the model): the sparse figures (zero gating) next to the dense ones.\n"
	"       accelctl plan MODEL.onnx [same options]: every conv and FC layer of the model\n";

static const char *const level_names[ACCEL_ENERGY_DOMAINS] = {
	"dram", "glb", "noc", "rf", "mac", "static"
};

static const char *op_name(const struct accel_layer_spec *sp)
{
	if (sp->op == ACCEL_LAYER_FC)
		return "fc";
	if (sp->groups > 1 && sp->groups == sp->c && sp->groups == sp->m)
		return "dwconv";
	return "conv";
}

/* ACCEL_PLAN_DBUF_* bits, in order */
static const char *const dbuf_names[3] = { "inputs", "weights", "outputs" };

static void print_json(struct json *j, const char *name, const struct accel_layer_spec *sp,
		       const struct accel_plan_result *r, double zf)
{
	int l;

	json_object_begin(j, NULL);
	json_string(j, "name", name);
	json_string(j, "op", op_name(sp));
	json_u64(j, "macs", r->macs);
	json_string(j, "dataflow", accel_dataflow_name(r->dataflow));
	json_object_begin(j, "mapping");
	json_object_begin(j, "tile");
	for (l = 0; l < ACCEL_PLAN_DIMS; l++) {
		char k[2] = { "NGMEFC"[l], 0 };
		json_u64(j, k, r->tile[l]);
	}
	json_object_end(j);
	json_object_begin(j, "tiles");
	for (l = 0; l < ACCEL_PLAN_DIMS; l++) {
		char k[2] = { "NGMEFC"[l], 0 };
		json_u64(j, k, r->tiles[l]);
	}
	json_object_end(j);
	json_string(j, "loop_order", r->order);
	json_u64(j, "psum_dram_words", r->psum_dram_words);
	json_u64(j, "in_ring", (uint64_t)r->in_ring);
	json_u64(j, "input_words", r->input_words);
	json_string(j, "inputs", r->stream_in ? "stream" : "glb");
	json_string(j, "weights", r->stream_w ? "stream" : "glb");
	json_object_begin(j, "spatial");
	json_u64(j, "spatial_r", r->spatial_r);
	json_u64(j, "spatial_e", r->spatial_e);
	json_u64(j, "sets_m", r->sets_m);
	json_u64(j, "sets_c", r->sets_c);
	json_u64(j, "sets_g", r->sets_g);
	json_object_end(j);
	json_object_begin(j, "rf");
	json_u64(j, "rf_m", r->rf_m);
	json_u64(j, "rf_c", r->rf_c);
	json_u64(j, "rf_n", r->rf_n);
	json_object_end(j);
	json_object_begin(j, "overlap");
	json_bool(j, "events", r->events);
	json_array_begin(j, "double_buffer");
	for (l = 0; l < 3; l++)
		if (r->double_buffer & (1u << l))
			json_string(j, NULL, dbuf_names[l]);
	json_array_end(j);
	json_object_end(j);
	json_object_end(j);
	json_object_begin(j, "predicted");
	json_object_begin(j, "energy_pj");
	for (l = 0; l < ACCEL_ENERGY_DOMAINS; l++)
		json_double(j, level_names[l], r->energy_pj[l]);
	json_double(j, "total", r->energy_total_pj);
	json_object_end(j);
	json_double(j, "energy_norm", r->energy_norm);
	json_u64(j, "cycles", r->cycles);
	json_u64(j, "dram_words", r->dram_words);
	json_u64(j, "dram_bytes", r->dram_bytes);
	json_object_end(j);
	if (r->sparse) {
		/* the same stream with zero gating, next to the dense figures above */
		json_object_begin(j, "sparse");
		json_double(j, "zero_fraction", zf);
		json_u64(j, "gated_macs", r->gated_macs);
		json_object_begin(j, "energy_pj");
		for (l = 0; l < ACCEL_ENERGY_DOMAINS; l++)
			json_double(j, level_names[l], r->sparse_energy_pj[l]);
		json_double(j, "total", r->sparse_energy_total_pj);
		json_object_end(j);
		json_double(j, "energy_norm", r->sparse_energy_norm);
		json_u64(j, "cycles", r->sparse_cycles);
		json_u64(j, "dram_words", r->sparse_dram_words);
		json_u64(j, "dram_bytes", r->sparse_dram_bytes);
		json_u64(j, "rle_in_rows", r->rle_in_rows);
		json_u64(j, "rle_out_rows", r->rle_out_rows);
		json_object_end(j);
	}
	json_object_begin(j, "lower_bound");
	json_u64(j, "dram_words", r->lb_dram_words);
	json_u64(j, "dram_bytes", r->lb_dram_bytes);
	json_object_end(j);
	json_object_begin(j, "search");
	json_u64(j, "evaluated", r->evaluated);
	json_u64(j, "time_us", r->time_us);
	json_bool(j, "exhaustive", r->exhaustive);
	json_bool(j, "budget_exhausted", r->budget_exhausted);
	json_object_end(j);
	json_object_end(j);
}

static void print_text(const char *name, const struct accel_plan_result *r, double zf)
{
	int l;

	printf("%s  dataflow %s  MACs %llu\n", name, accel_dataflow_name(r->dataflow),
	       (unsigned long long)r->macs);
	printf("  GLB tile  N=%u G=%u M=%u E=%u F=%u C=%u  (tiles %u %u %u %u %u %u)  order %s  inputs %s  weights %s\n",
	       r->tile[0], r->tile[1], r->tile[2], r->tile[3], r->tile[4], r->tile[5],
	       r->tiles[0], r->tiles[1], r->tiles[2], r->tiles[3], r->tiles[4], r->tiles[5],
	       r->order, r->stream_in ? "stream" : "glb", r->stream_w ? "stream" : "glb");
	if (r->psum_dram_words)
		printf("  psums     spilled to DRAM (C not innermost): %llu int32 words out and back\n",
		       (unsigned long long)r->psum_dram_words);
	if (r->in_ring)
		printf("  inputs    row ring: consecutive row tiles keep their shared rows in the GLB (%llu input words loaded)\n",
		       (unsigned long long)r->input_words);
	printf("  array     spatial_r=%u spatial_e=%u sets_m=%u sets_c=%u rf_m=%u rf_c=%u rf_n=%u",
	       r->spatial_r, r->spatial_e, r->sets_m, r->sets_c, r->rf_m, r->rf_c, r->rf_n);
	if (r->sets_g > 1)
		printf(" sets_g=%u (groups side by side, flexible NoC)", r->sets_g);
	printf("\n");
	if (r->events) {
		printf("  overlap   DMA ahead of the array (events), double-buffered:");
		for (l = 0; l < 3; l++)
			if (r->double_buffer & (1u << l))
				printf(" %s", dbuf_names[l]);
		printf("%s\n", r->double_buffer ? "" : " none");
	} else {
		printf("  overlap   none (barriers)\n");
	}
	printf("  energy    ");
	for (l = 0; l < ACCEL_ENERGY_DOMAINS; l++)
		printf("%s %.1f  ", level_names[l], r->energy_pj[l]);
	printf("total %.1f pJ (%.3f x MAC per MAC)\n", r->energy_total_pj,
	       r->macs ? r->energy_norm / (double)r->macs : 0.0);
	printf("  cycles    %llu   DRAM %llu words %llu bytes (lower bound %llu words, %.3fx)\n",
	       (unsigned long long)r->cycles, (unsigned long long)r->dram_words,
	       (unsigned long long)r->dram_bytes, (unsigned long long)r->lb_dram_words,
	       r->lb_dram_words ? (double)r->dram_words / (double)r->lb_dram_words : 0.0);
	if (r->sparse) {
		printf("  sparse    zero fraction %.3f: %llu MACs gated (%.1f %%)  energy ",
		       zf, (unsigned long long)r->gated_macs,
		       r->macs ? 100.0 * (double)r->gated_macs / (double)r->macs : 0.0);
		for (l = 0; l < ACCEL_ENERGY_DOMAINS; l++)
			printf("%s %.1f  ", level_names[l], r->sparse_energy_pj[l]);
		printf("total %.1f pJ (%.3f x MAC per MAC; dense %.3f)\n", r->sparse_energy_total_pj,
		       r->macs ? r->sparse_energy_norm / (double)r->macs : 0.0,
		       r->macs ? r->energy_norm / (double)r->macs : 0.0);
		printf("  sparse    cycles %llu   DRAM %llu words %llu bytes (dense %llu words)  coded: input %s, output %s\n",
		       (unsigned long long)r->sparse_cycles, (unsigned long long)r->sparse_dram_words,
		       (unsigned long long)r->sparse_dram_bytes, (unsigned long long)r->dram_words,
		       r->rle_in_rows ? "yes" : "no", r->rle_out_rows ? "yes" : "no");
	}
	printf("  search    %llu mappings costed in %llu us%s%s\n",
	       (unsigned long long)r->evaluated, (unsigned long long)r->time_us,
	       r->exhaustive ? " (exhaustive)" : "",
	       r->budget_exhausted ? " (budget exhausted: best so far, not proven the best)" : "");
}

/* The conv and FC layers of a model, through the model importer. */
static int model_specs(const struct accelctl *ctx, const char *path,
		       struct accel_layer_spec **out, char (**names)[160], int *n)
{
	struct accel_model_opts mo = { .sz = sizeof(mo), .cpu_only = true };
	struct accel_model *m = NULL;
	int count, i, k = 0;

	if (accel_model_load(NULL, path, &mo, &m))
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
	count = accel_model_layer_count(m);
	*out = calloc(count > 0 ? (size_t)count : 1, sizeof(**out));
	*names = calloc(count > 0 ? (size_t)count : 1, sizeof(**names));
	if (!*out || !*names) {
		accel_model_free(m);
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "out of memory");
	}
	for (i = 0; i < count; i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };
		struct accel_layer_spec *sp = &(*out)[k];

		if (accel_model_layer_info(m, i, &li) || !li.has_shape)
			continue;
		memset(sp, 0, sizeof(*sp));
		sp->sz = sizeof(*sp);
		sp->op = (li.h == 1 && li.w == 1 && li.r == 1 && li.s == 1 && li.groups <= 1 &&
			  strstr(li.op, "Conv") == NULL) ? ACCEL_LAYER_FC : ACCEL_LAYER_CONV;
		sp->n = li.n;
		sp->c = li.c;
		sp->m = li.m;
		sp->h = li.h;
		sp->w = li.w;
		sp->r = li.r;
		sp->s = li.s;
		sp->stride_h = li.stride_h ? li.stride_h : 1;
		sp->stride_w = li.stride_w ? li.stride_w : 1;
		sp->pad_t = li.pad_t;
		sp->pad_b = li.pad_b;
		sp->pad_l = li.pad_l;
		sp->pad_r = li.pad_r;
		sp->dil_h = sp->dil_w = 1;
		sp->groups = li.groups ? li.groups : 1;
		snprintf((*names)[k], sizeof((*names)[k]), "%s", li.name);
		k++;
	}
	accel_model_free(m);
	if (!k)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s has no conv or FC layer to plan", path);
	*n = k;
	return 0;
}

int cmd_plan(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "layer", required_argument, NULL, 'l' },
		{ "dataflow", required_argument, NULL, 'f' },
		{ "objective", required_argument, NULL, 'o' },
		{ "batch", required_argument, NULL, 'b' },
		{ "arch", required_argument, NULL, 'a' },
		{ "export-timeloop", required_argument, NULL, 't' },
		{ "exhaustive", no_argument, NULL, 'x' },
		{ "max-time-ms", required_argument, NULL, 'T' },
		{ "max-evaluations", required_argument, NULL, 'E' },
		{ "zero-fraction", required_argument, NULL, 'z' },
		{ NULL, 0, NULL, 0 },
	};
	const char *layer = NULL, *dataflow = "rs", *arch_file = NULL, *tl_dir = NULL;
	const char *model = NULL;
	double zfs[256];
	int nzf = 0;
	struct accel_layer_spec *specs = NULL;
	char (*names)[160] = NULL;
	int nspecs = 0, li;
	struct accel_plan_opts po = { .sz = sizeof(po) };
	struct accel_layer_spec spec;
	struct accel_device *dev = NULL;
	struct accel_arch *arch = NULL;
	double total_pj = 0, total_sparse_pj = 0;
	uint64_t total_sparse_words = 0;
	uint64_t total_cycles = 0, total_words = 0, total_bytes = 0;
	int c, rc = ACCELCTL_EXIT_OK, d, d0, d1;
	struct json j;

	while ((c = accelctl_getopt(argc, argv, "", opts)) != -1) {
		uint64_t v;

		switch (c) {
		case 'l': layer = optarg; break;
		case 'f': dataflow = optarg; break;
		case 'a': arch_file = optarg; break;
		case 't': tl_dir = optarg; break;
		case 'x': po.exhaustive = 1; break;
		case 'z': {
			const char *s = optarg;

			for (nzf = 0; *s; nzf++) {
				char *end;

				if (nzf == (int)(sizeof(zfs) / sizeof(zfs[0])))
					return accelctl_usage_error(ctx, "--zero-fraction: at most %d values", nzf);
				zfs[nzf] = strtod(s, &end);
				if (end == s || (*end && *end != ',') || !(zfs[nzf] >= 0 && zfs[nzf] <= 1))
					return accelctl_usage_error(ctx, "--zero-fraction needs fractions in 0..1 separated by commas, got '%s'", optarg);
				s = *end ? end + 1 : end;
			}
			if (!nzf)
				return accelctl_usage_error(ctx, "--zero-fraction needs a fraction in 0..1");
			po.sparse = 1;
			po.out_zero_fraction = -1;	/* the output's: the same */
			break;
		}
		case 'o':
			if (accel_objective_parse(optarg, &po.objective))
				return accelctl_usage_error(ctx, "unknown objective '%s' (use energy, cycles, edp or dram)", optarg);
			break;
		case 'b':
			if (accelctl_parse_u64(optarg, 1, 65535, &v))
				return accelctl_usage_error(ctx, "--batch needs a number in 1..65535, got '%s'", optarg);
			po.batch = (uint32_t)v;
			break;
		case 'T':
			if (accelctl_parse_u64(optarg, 1, UINT64_MAX / 1000, &v))
				return accelctl_usage_error(ctx, "--max-time-ms needs a number of milliseconds (at least 1), got '%s'", optarg);
			po.max_time_us = v * 1000;
			break;
		case 'E':
			if (accelctl_parse_u64(optarg, 1, UINT64_MAX, &v))
				return accelctl_usage_error(ctx, "--max-evaluations needs a number (at least 1), got '%s'", optarg);
			po.max_evaluations = v;
			break;
		default:
			return accelctl_bad_option(ctx, argv);
		}
	}
	if (optind < argc - 1)
		return accelctl_usage_error(ctx, "one MODEL.onnx at most ('%s' is extra)", argv[optind + 1]);
	if (optind < argc && layer)
		return accelctl_usage_error(ctx, "give MODEL.onnx or --layer SPEC, not both");
	if (optind < argc) {
		model = argv[optind];
	} else {
		if (!layer)
			return accelctl_usage_error(ctx, "MODEL.onnx or --layer SPEC is required");
		if (accel_layer_spec_parse(layer, &spec))
			return accelctl_usage_error(ctx, "%s", accel_last_error());
		nspecs = 1;
	}
	if (!strcmp(dataflow, "all")) {
		d0 = 0;
		d1 = ACCEL_DATAFLOW_COUNT - 1;
	} else {
		enum accel_dataflow df;

		if (accel_dataflow_parse(dataflow, &df))
			return accelctl_usage_error(ctx, "unknown dataflow '%s' (use rs, ws, os, is, nlr or all)", dataflow);
		d0 = d1 = (int)df;
	}
	rc = accelctl_open_device(ctx, &dev);
	if (rc)
		return rc;
	if (accel_arch_from_device(dev, &arch)) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
		goto out;
	}
	if (arch_file && accel_arch_load_file(arch, arch_file)) {
		rc = accelctl_usage_error(ctx, "%s", accel_last_error());
		goto out;
	}
	if (model) {
		rc = model_specs(ctx, model, &specs, &names, &nspecs);
		if (rc)
			goto out;
	} else {
		specs = &spec;
	}
	if (nzf > 1 && nzf != nspecs) {
		rc = accelctl_usage_error(ctx, "--zero-fraction has %d values for %d layers (give one, or one per layer)",
					  nzf, nspecs);
		goto out;
	}
	if (ctx->json) {
		json_init(&j, stdout, true);
		json_object_begin(&j, NULL);
		json_string(&j, "arch", accel_arch_name(arch));
		json_string(&j, "objective", accel_objective_name(po.objective));
		json_array_begin(&j, "layers");
	}
	for (li = 0; li < nspecs; li++)
	for (d = d0; d <= d1; d++) {
		struct accel_plan_result r = { .sz = sizeof(r) };
		const char *lname = model ? names[li] : layer;

		po.dataflow = (enum accel_dataflow)d;
		po.zero_fraction = nzf ? zfs[nzf > 1 ? li : 0] : 0;
		if (model)
			accelctl_progress(ctx, "planning %s (%d/%d)", lname, li + 1, nspecs);
		if (accel_plan_layer(arch, &specs[li], &po, &r)) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s: %s", lname, accel_last_error());
			goto out;
		}
		if (ctx->json)
			print_json(&j, lname, &specs[li], &r, po.zero_fraction);
		else
			print_text(lname, &r, po.zero_fraction);
		total_pj += r.energy_total_pj;
		total_sparse_pj += r.sparse_energy_total_pj;
		total_sparse_words += r.sparse_dram_words;
		total_cycles += r.cycles;
		total_words += r.dram_words;
		total_bytes += r.dram_bytes;
		if (tl_dir) {
			char name[200];

			if (model)
				snprintf(name, sizeof(name), "%s.%s", names[li], accel_dataflow_name(r.dataflow));
			else
				snprintf(name, sizeof(name), "%s", accel_dataflow_name(r.dataflow));
			if (accel_plan_export_timeloop(arch, &specs[li], &po, tl_dir, name)) {
				rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
				goto out;
			}
		}
	}
	if (ctx->json) {
		json_array_end(&j);
		json_object_begin(&j, "total");
		json_double(&j, "energy_pj", total_pj);
		json_u64(&j, "cycles", total_cycles);
		json_u64(&j, "dram_words", total_words);
		json_u64(&j, "dram_bytes", total_bytes);
		if (po.sparse) {
			json_double(&j, "sparse_energy_pj", total_sparse_pj);
			json_u64(&j, "sparse_dram_words", total_sparse_words);
		}
		json_object_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
out:
	if (specs != &spec)
		free(specs);
	free(names);
	accel_arch_free(arch);
	accel_device_close(dev);
	return rc;
}
