// SPDX-License-Identifier: MIT
/*
 * accelctl profile: NetAdapt's look-up table. Every conv/FC layer of a model
 * is run on the device for a sweep of input and output channel counts at the
 * layer's own geometry, and what the device measured is recorded
 * (docs/accelctl.md, "profile"; the file format in lut.h).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/measure.h"
#include "accelctl.h"
#include "lut.h"
#include "model_layers.h"
#include "profile.h"

ACCELCTL_COMMAND(profile);

const char cmd_profile_usage[] =
	"Usage: accelctl profile MODEL.onnx [--layers NAME[,NAME...]] [--channels STEP]\n"
	"                        [--dataflow rs|ws|os|is|nlr] [--json | --csv] [-o LUT]\n"
	"\n"
	"Builds NetAdapt's look-up table: runs every conv/FC layer of MODEL on the\n"
	"device (-d) for a sweep of input and output channel counts at the layer's\n"
	"own shape (kernel, stride, padding, spatial size), and records what the\n"
	"device measured: energy per level, cycles, DRAM words and bytes.\n"
	"\n"
	"  -l, --layers NAMES   only these layers (comma-separated, repeatable)\n"
	"  -c, --channels STEP  channel step of the sweep (default: 8 counts per axis,\n"
	"                       from the full count down); rounded up to the groups\n"
	"      --dataflow DF    dataflow of the layers (default rs)\n"
	"  -o, --output LUT     write the table (CSV format, docs/accelctl.md)\n"
	"      --csv            print the table's CSV on stdout\n"
	"\n"
	"Prints per layer the points measured and the figures at full size, and the\n"
	"network totals the table predicts (conv/FC layers at full size).\n"
	"Exit: 0 ok, 2 usage, 3 device or model error.\n";

#define MAX_SELECTED 256
#define DEFAULT_POINTS 8

struct profile_args {
	const char *model, *out;
	const char *selected[MAX_SELECTED];
	bool csv;
	struct profile_opts o;
};

/*
 * Channel counts of one axis, from full down by step (a multiple of
 * granule, so every count is one too). Returns how many, into out.
 */
static int sweep(uint32_t full, uint32_t granule, uint64_t step, uint32_t *out, int max)
{
	uint64_t s = step ? step : (full + DEFAULT_POINTS - 1) / DEFAULT_POINTS;
	int n = 0;

	if (s < granule)
		s = granule;
	s = (s + granule - 1) / granule * granule;
	for (uint64_t v = full; v > 0 && n < max; v = v > s ? v - s : 0)
		out[n++] = (uint32_t)v;
	return n;
}

static bool selected(const struct profile_opts *o, const char *name)
{
	if (!o->n_selected)
		return true;
	for (int i = 0; i < o->n_selected; i++)
		if (!strcmp(o->selected[i], name))
			return true;
	return false;
}

static double pj(uint64_t fj)
{
	return (double)fj / 1000.0;
}

static uint64_t total_fj(const struct accel_layer_stats *st)
{
	uint64_t t = 0;

	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		t += st->energy_fj[d];
	return t;
}

static const struct lut_entry *full_point(const struct lut_layer *l)
{
	for (int k = 0; k < l->n_e; k++)
		if (l->e[k].c == l->full.c && l->e[k].m == l->full.m)
			return &l->e[k];
	return NULL;
}

/* Measures one layer's sweep into l; the worst |measured / predicted - 1|. */
static int profile_layer(const struct accelctl *ctx, struct accel_device *dev,
			 const struct profile_opts *a, struct lut_layer *l, int li, int nl,
			 double *worst)
{
	const struct accel_layer_spec *full = &l->full;
	bool dw = full->groups > 1 && full->groups == full->c && full->groups == full->m;
	uint32_t g = dw ? 1 : full->groups, cs[4096], ms[4096];
	int nc = sweep(full->c, g, a->step, cs, 4096);
	int nm = dw ? 1 : sweep(full->m, g, a->step, ms, 4096);
	int total = nc * nm, done = 0;
	struct accel_measure_opts mo = { .sz = sizeof(mo), .dataflow = a->dataflow };

	for (int i = 0; i < nc; i++)
		for (int k = 0; k < nm; k++) {
			struct accel_layer_spec sp = *full;
			struct accel_layer_measurement r = { .sz = sizeof(r) };
			double e_m, e_p;

			sp.c = cs[i];
			sp.m = dw ? cs[i] : ms[k];
			sp.groups = dw ? cs[i] : full->groups;
			accelctl_progress(ctx, "layer %d/%d %s: point %d/%d (c=%u m=%u)", li + 1, nl,
					  l->name, ++done, total, sp.c, sp.m);
			if (accel_layer_measure(dev, &sp, &mo, &r))
				return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "layer '%s' at c=%u m=%u: %s",
						     l->name, sp.c, sp.m, accel_last_error());
			if (lut_add_entry(l, sp.c, sp.m, sp.groups, &r.measured))
				return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "out of memory");
			e_m = (double)total_fj(&r.measured);
			e_p = (double)total_fj(&r.predicted);
			if (e_p > 0 && (e_m / e_p - 1 > *worst || 1 - e_m / e_p > *worst))
				*worst = e_m > e_p ? e_m / e_p - 1 : 1 - e_m / e_p;
		}
	return 0;
}

static void json_stats(struct json *j, const struct accel_layer_stats *st)
{
	static const char *const key[ACCEL_ENERGY_DOMAINS] = {
		"dram", "glb", "noc", "rf", "mac", "static",
	};

	json_object_begin(j, "energy_pj");
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		json_double(j, key[d], pj(st->energy_fj[d]));
	json_double(j, "total", pj(total_fj(st)));
	json_object_end(j);
	json_u64(j, "cycles", st->cycles);
	json_u64(j, "dram_words", st->dram_words);
	json_u64(j, "dram_bytes", st->dram_bytes);
	json_u64(j, "macs", st->macs);
}

static void print_json(const struct profile_args *a, const struct lut *t,
		       const struct accel_layer_stats *sum, double worst)
{
	struct json j;
	char fp[32];

	snprintf(fp, sizeof(fp), "%016" PRIx64, t->fingerprint);
	json_init(&j, stdout, true);
	json_object_begin(&j, NULL);
	json_string(&j, "model", a->model);
	json_string(&j, "device", t->device);
	json_string(&j, "dataflow", t->dataflow);
	if (a->out)
		json_string(&j, "lut", a->out);
	else
		json_null(&j, "lut");
	json_u64(&j, "version", LUT_VERSION);
	json_string(&j, "fingerprint", fp);
	json_array_begin(&j, "layers");
	for (int i = 0; i < t->n_l; i++) {
		const struct lut_layer *l = &t->l[i];

		json_object_begin(&j, NULL);
		json_u64(&j, "index", (uint64_t)l->index);
		json_string(&j, "name", l->name);
		json_string(&j, "op", l->full.op == ACCEL_LAYER_FC ? "fc" : "conv");
		json_object_begin(&j, "shape");
		json_u64(&j, "n", l->full.n);
		json_u64(&j, "c", l->full.c);
		json_u64(&j, "m", l->full.m);
		json_u64(&j, "h", l->full.h);
		json_u64(&j, "w", l->full.w);
		json_u64(&j, "r", l->full.r);
		json_u64(&j, "s", l->full.s);
		json_u64(&j, "stride_h", l->full.stride_h);
		json_u64(&j, "stride_w", l->full.stride_w);
		json_u64(&j, "pad_t", l->full.pad_t);
		json_u64(&j, "pad_b", l->full.pad_b);
		json_u64(&j, "pad_l", l->full.pad_l);
		json_u64(&j, "pad_r", l->full.pad_r);
		json_u64(&j, "dil_h", l->full.dil_h);
		json_u64(&j, "dil_w", l->full.dil_w);
		json_u64(&j, "groups", l->full.groups);
		json_object_end(&j);
		json_bool(&j, "bias", !l->full.no_bias);
		json_bool(&j, "per_channel", l->full.per_channel);
		json_array_begin(&j, "points");
		for (int k = 0; k < l->n_e; k++) {
			json_object_begin(&j, NULL);
			json_u64(&j, "c", l->e[k].c);
			json_u64(&j, "m", l->e[k].m);
			json_u64(&j, "groups", l->e[k].groups);
			json_stats(&j, &l->e[k].st);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_begin(&j, "total");
	json_stats(&j, sum);
	json_object_end(&j);
	json_double(&j, "max_prediction_error", worst);
	json_object_end(&j);
	json_finish(&j);
}

static void print_text(const struct profile_args *a, const struct lut *t,
		       const struct accel_layer_stats *sum, double worst)
{
	int points = 0, wname = 5;

	for (int i = 0; i < t->n_l; i++) {
		points += t->l[i].n_e;
		if ((int)strlen(t->l[i].name) > wname)
			wname = (int)strlen(t->l[i].name);
	}
	printf("profile of %s on %s (dataflow %s): %d layer(s), %d point(s) measured\n",
	       a->model, t->device, t->dataflow, t->n_l, points);
	printf("%-*s  %-4s %6s %6s %6s %14s %12s %12s\n", wname, "layer", "op", "c", "m", "points",
	       "energy_pj", "cycles", "dram_words");
	for (int i = 0; i < t->n_l; i++) {
		const struct lut_layer *l = &t->l[i];
		const struct lut_entry *e = full_point(l);

		printf("%-*s  %-4s %6u %6u %6d %14.1f %12" PRIu64 " %12" PRIu64 "\n", wname, l->name,
		       l->full.op == ACCEL_LAYER_FC ? "fc" : "conv", l->full.c, l->full.m, l->n_e,
		       e ? pj(total_fj(&e->st)) : 0.0, e ? e->st.cycles : 0,
		       e ? e->st.dram_words : 0);
	}
	printf("LUT network total (conv/FC layers at full size): %.3f uJ, %" PRIu64 " cycles, %" PRIu64 " DRAM words\n",
	       (double)total_fj(sum) / 1e9, sum->cycles, sum->dram_words);
	printf("measured / predicted energy: worst point off by %.2g %%\n", worst * 100);
	if (a->out)
		printf("wrote %s\n", a->out);
}

/* Writes the LUT next to its destination, then renames: never a partial file. */
static int write_lut(const struct accelctl *ctx, const struct lut *t, const char *path)
{
	char *tmp;
	FILE *f = accelctl_out_open(path, "w", &tmp);
	int bad;

	if (!f)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "cannot write %s: %s", path,
				     strerror(errno));
	bad = lut_write_csv(t, f);
	if (accelctl_out_close(f, path, tmp) || bad)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "cannot write %s: %s", path,
				     strerror(errno));
	return 0;
}

int profile_model(const struct accelctl *ctx, struct accel_device *dev, const char *model,
		  const struct profile_opts *o, struct lut *t, double *worst)
{
	struct accel_device_info info = { .sz = sizeof(info) };
	struct model_layers ml = { 0 };
	int rc, n_sel = 0, done = 0;

	memset(t, 0, sizeof(*t));
	*worst = 0;
	if (accel_device_info(dev, &info))
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
	if ((rc = model_layers_load(ctx, dev, model, o->dataflow, &ml)))
		return rc;
	for (int s = 0; s < o->n_selected; s++) {
		bool found = false;

		for (int i = 0; i < ml.n; i++)
			found |= !strcmp(ml.names[i], o->selected[s]);
		if (!found) {
			rc = accelctl_usage_error(ctx, "%s has no conv/FC layer named '%s' (`accelctl plan %s` lists them)",
						  model, o->selected[s], model);
			goto out;
		}
	}
	snprintf(t->model, sizeof(t->model), "%s", model_layers_base_name(model));
	snprintf(t->device, sizeof(t->device), "%s", info.name);
	snprintf(t->dataflow, sizeof(t->dataflow), "%s", accel_dataflow_name(o->dataflow));
	t->clock_khz = info.clock_khz;
	t->version = LUT_VERSION;
	t->fingerprint = lut_fingerprint(ml.specs, ml.n);
	for (int i = 0; i < ml.n; i++)
		n_sel += selected(o, ml.names[i]);
	for (int i = 0; i < ml.n; i++) {
		struct lut_layer *l;

		if (!selected(o, ml.names[i]))
			continue;
		l = lut_add_layer(t, i, ml.names[i], &ml.specs[i]);
		if (!l) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "out of memory");
			goto out;
		}
		if ((rc = profile_layer(ctx, dev, o, l, done++, n_sel, worst)))
			goto out;
	}
out:
	if (rc)
		lut_free(t);
	model_layers_free(&ml);
	return rc;
}

static int profile(const struct accelctl *ctx, const struct profile_args *a)
{
	struct accel_layer_stats sum = { 0 };
	struct accel_device *dev = NULL;
	struct lut t = { 0 };
	double worst = 0;
	int rc;

	if ((rc = accelctl_open_device(ctx, &dev)))
		return rc;
	if ((rc = profile_model(ctx, dev, a->model, &a->o, &t, &worst)))
		goto out;
	for (int i = 0; i < t.n_l; i++) {
		const struct lut_entry *e = full_point(&t.l[i]);

		for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			sum.energy_fj[d] += e->st.energy_fj[d];
		sum.cycles += e->st.cycles;
		sum.dram_words += e->st.dram_words;
		sum.dram_bytes += e->st.dram_bytes;
		sum.macs += e->st.macs;
	}
	if (a->out && (rc = write_lut(ctx, &t, a->out)))
		goto out;
	if (a->csv)
		lut_write_csv(&t, stdout);
	else if (ctx->json)
		print_json(a, &t, &sum, worst);
	else
		print_text(a, &t, &sum, worst);
out:
	lut_free(&t);
	accel_device_close(dev);
	return rc;
}

int cmd_profile(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "layers", required_argument, NULL, 'l' },
		{ "channels", required_argument, NULL, 'c' },
		{ "dataflow", required_argument, NULL, 'D' },
		{ "output", required_argument, NULL, 'o' },
		{ "csv", no_argument, NULL, 'C' },
		{ 0 },
	};
	struct profile_args a = { 0 };
	int c;

	while ((c = accelctl_getopt(argc, argv, "l:c:o:", opts)) != -1) {
		switch (c) {
		case 'l': {
			char *save = NULL;

			for (char *n = strtok_r(optarg, ",", &save); n; n = strtok_r(NULL, ",", &save)) {
				if (a.o.n_selected == MAX_SELECTED)
					return accelctl_usage_error(ctx, "more than %d --layers", MAX_SELECTED);
				a.selected[a.o.n_selected++] = n;
			}
			break;
		}
		case 'c':
			if (accelctl_parse_u64(optarg, 1, 65535, &a.o.step))
				return accelctl_usage_error(ctx, "--channels takes a channel step from 1 to 65535, not '%s'",
							    optarg);
			break;
		case 'D':
			if (accel_dataflow_parse(optarg, &a.o.dataflow))
				return accelctl_usage_error(ctx, "unknown dataflow '%s' (rs, ws, os, is, nlr)",
							    optarg);
			break;
		case 'o':
			a.out = optarg;
			break;
		case 'C':
			a.csv = true;
			break;
		default:
			return accelctl_bad_option(ctx, argv);
		}
	}
	if (optind != argc - 1)
		return accelctl_usage_error(ctx, optind >= argc ? "MODEL.onnx is required" :
					    "one model at a time");
	if (a.csv && ctx->json)
		return accelctl_usage_error(ctx, "--csv and --json are exclusive");
	a.model = argv[optind];
	a.o.selected = a.selected;
	return profile(ctx, &a);
}
