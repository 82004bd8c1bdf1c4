// SPDX-License-Identifier: MIT
/*
 * accelctl adapt: NetAdapt on the device's measurements. Shrinks a float
 * ONNX model's channels step by step until its figure (energy, latency or
 * DRAM traffic, from the LUT of `accelctl profile`) meets a budget, keeping
 * the output as close to the original as it can (docs/accelctl.md,
 * "adapt"; the loop in adapt_engine.h).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/measure.h"
#include "accelctl.h"
#include "adapt_engine.h"
#include "model_layers.h"
#include "profile.h"

ACCELCTL_COMMAND(adapt);

const char cmd_adapt_usage[] =
	"Usage: accelctl adapt FLOAT.onnx --calib DIR\n"
	"                      --budget energy=UJ|latency=MS|dram=WORDS [--step S]\n"
	"                      [--lut LUT] [--no-reconstruct] [--proxy macs]\n"
	"                      [--eval DIR] [--measure-iterations] -o OUT.onnx\n"
	"\n"
	"NetAdapt on measured figures: removes conv/FC channels, a few per iteration,\n"
	"until the model's figure meets the budget. Each iteration tries every\n"
	"prunable layer (or residual tie group), removes the fewest filters that meet\n"
	"the iteration's target according to the LUT (smallest L2 norm first),\n"
	"refits the next layer's weights to the original model's outputs on the\n"
	"calibration set (least squares), and keeps the proposal whose output agrees\n"
	"best with the original.\n"
	"\n"
	"  --calib DIR          calibration samples: one <input>.pb per sample, or one\n"
	"                       subfolder per sample with a <input name>.pb per input\n"
	"  --budget KEY=VALUE   energy=UJ (microjoules per inference), latency=MS\n"
	"                       (milliseconds at the device's clock), dram=WORDS\n"
	"  --step S             share of the original figure removed per iteration\n"
	"                       (0 < S <= 1, default 0.05)\n"
	"  --lut LUT            the model's LUT (accelctl profile); default: profile the\n"
	"                       model on the device (-d) first\n"
	"  --no-reconstruct     keep pruned weights as they are (no least squares)\n"
	"  --proxy macs         NetAdapt's comparison: shrink the MAC count to the\n"
	"                       budget's share of the figure instead of the measured\n"
	"                       figure itself, and report what that measures\n"
	"  --eval DIR           held-out samples (same layouts as --calib; alias\n"
	"                       --holdout): the agreement on them is reported too;\n"
	"                       they choose nothing\n"
	"  --measure-iterations measure each iteration's model on the device (energy,\n"
	"                       latency, DRAM words), not only the final one\n"
	"  -o, --output FILE    the adapted float model\n"
	"\n"
	"The figures count the model's conv/FC layers (what the LUT holds).\n"
	"Exit: 0 ok, 2 usage (bad or unreachable budget), 3 device, model, LUT or\n"
	"calibration error.\n";

struct adapt_args {
	const char *model, *calib, *eval, *lut, *out;
	const char *budget_text;
	double step;
	bool no_reconstruct;
	bool proxy_macs;
	bool measure_iterations;
};

struct budget {
	enum lut_metric metric;
	const char *key, *unit;
	double value;			/* as given */
};

static const char *metric_key(enum lut_metric m)
{
	return m == LUT_ENERGY ? "energy" : m == LUT_CYCLES ? "latency" : "dram";
}

/* The LUT's unit from the user's: uJ -> fJ, ms -> cycles, words. */
static double to_lut(const struct budget *b, double v, uint32_t clock_khz)
{
	return b->metric == LUT_ENERGY ? v * 1e9 : b->metric == LUT_CYCLES ? v * clock_khz : v;
}

static double from_lut(enum lut_metric m, double v, uint32_t clock_khz)
{
	return m == LUT_ENERGY ? v / 1e9 : m == LUT_CYCLES ? v / clock_khz : v;
}

static int parse_budget(const struct accelctl *ctx, const char *text, struct budget *b)
{
	static const struct { const char *key, *unit; enum lut_metric m; } keys[] = {
		{ "energy", "uJ", LUT_ENERGY },
		{ "latency", "ms", LUT_CYCLES },
		{ "dram", "words", LUT_DRAM },
	};
	const char *eq = strchr(text, '=');
	char *end;
	size_t i;

	if (!eq)
		return accelctl_usage_error(ctx, "--budget '%s' is not KEY=VALUE (energy=UJ, latency=MS or dram=WORDS)",
					    text);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].key) == (size_t)(eq - text) && !strncmp(text, keys[i].key, (size_t)(eq - text)))
			break;
	if (i == sizeof(keys) / sizeof(keys[0]))
		return accelctl_usage_error(ctx, "unknown budget '%.*s' (use energy=UJ, latency=MS or dram=WORDS)",
					    (int)(eq - text), text);
	b->metric = keys[i].m;
	b->key = keys[i].key;
	b->unit = keys[i].unit;
	errno = 0;
	b->value = strtod(eq + 1, &end);
	if (errno || end == eq + 1 || *end || !isfinite(b->value))
		return accelctl_usage_error(ctx, "--budget %s: '%s' is not a number of %s", b->key, eq + 1,
					    b->unit);
	if (b->value <= 0)
		return accelctl_usage_error(ctx, "--budget %s must be positive (%s %s given): a model cannot cost nothing",
					    b->key, eq + 1, b->unit);
	return 0;
}

/* What the device measured for a model's conv/FC layers, summed. */
struct measured {
	double energy_fj, cycles, dram_words;
};

static double measured_of(const struct measured *m, enum lut_metric metric)
{
	return metric == LUT_ENERGY ? m->energy_fj : metric == LUT_CYCLES ? m->cycles : m->dram_words;
}

static void measured_add(struct measured *m, const struct accel_layer_stats *st)
{
	m->energy_fj += lut_stat(st, LUT_ENERGY);
	m->cycles += lut_stat(st, LUT_CYCLES);
	m->dram_words += lut_stat(st, LUT_DRAM);
}

struct report {
	const struct accelctl *ctx;
	const struct budget *b;
	bool proxy;
	uint32_t clock_khz;
	struct json j;
	int w_name;
	/* the device's measurements during the loop */
	struct accel_device *dev;
	const struct lut *lut;
	int rc;				/* the measuring error's exit code */
};

static void on_progress(void *arg, const char *what)
{
	struct report *r = arg;

	accelctl_progress(r->ctx, "%s", what);
}

static void json_layers(struct json *j, const struct adapt_layer *l, int n)
{
	json_array_begin(j, "layers");
	for (int i = 0; i < n; i++) {
		json_object_begin(j, NULL);
		json_string(j, "name", l[i].name);
		json_u64(j, "c", l[i].c);
		json_u64(j, "m", l[i].m);
		json_object_end(j);
	}
	json_array_end(j);
}

/*
 * The conv/FC layers at the iteration's channel counts, measured on the
 * device: the LUT's full shapes with c and m (depthwise: groups) replaced.
 */
static int measure_layers(void *arg, const struct adapt_layer *layers, int n,
			  struct accel_layer_stats *out)
{
	struct report *r = arg;
	struct accel_measure_opts mo = { .sz = sizeof(mo) };

	memset(out, 0, sizeof(*out));
	for (int i = 0; i < n && i < r->lut->n_l; i++) {
		const struct accel_layer_spec *full = &r->lut->l[i].full;
		bool dw = full->groups > 1 && full->groups == full->c && full->groups == full->m;
		struct accel_layer_spec sp = *full;
		struct accel_layer_measurement res = { .sz = sizeof(res) };

		sp.c = layers[i].c;
		sp.m = layers[i].m;
		if (dw)
			sp.groups = sp.c;
		accelctl_progress(r->ctx, "measuring %s (%d/%d) at c=%u m=%u on the device",
				  layers[i].name, i + 1, n, sp.c, sp.m);
		if (accel_layer_measure(r->dev, &sp, &mo, &res)) {
			r->rc = accelctl_fail(r->ctx, ACCELCTL_EXIT_DEVICE, "layer '%s' at c=%u m=%u: %s",
					      layers[i].name, sp.c, sp.m, accel_last_error());
			return -1;
		}
		for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			out->energy_fj[d] += res.measured.energy_fj[d];
		out->cycles += res.measured.cycles;
		out->dram_words += res.measured.dram_words;
		out->dram_bytes += res.measured.dram_bytes;
		out->macs += res.measured.macs;
	}
	return 0;
}

static void json_measured(struct json *j, const struct measured *me, uint32_t clock_khz)
{
	json_double(j, "measured_energy_uj", from_lut(LUT_ENERGY, me->energy_fj, clock_khz));
	json_double(j, "measured_latency_ms", from_lut(LUT_CYCLES, me->cycles, clock_khz));
	json_double(j, "measured_dram_words", me->dram_words);
}

static void json_eval(struct json *j, bool has, const struct agreement *a)
{
	if (has) {
		json_double(j, "eval_top1_agreement", a->top1);
		json_double(j, "eval_sqnr_db", a->sqnr_db);
	} else {
		json_null(j, "eval_top1_agreement");
		json_null(j, "eval_sqnr_db");
	}
}

static void on_iteration(void *arg, const struct adapt_iter *it)
{
	struct report *r = arg;
	enum lut_metric m = r->b->metric;
	struct measured me = { 0 };
	bool have_me = it->has_measured;

	if (have_me)
		measured_add(&me, &it->measured);
	if (r->ctx->json) {
		json_object_begin(&r->j, NULL);
		json_u64(&r->j, "iteration", (uint64_t)it->iteration);
		if (r->proxy) {
			json_double(&r->j, "target_macs", it->target);
			json_double(&r->j, "macs", it->figure);
		} else {
			json_double(&r->j, "target", from_lut(m, it->target, r->clock_khz));
		}
		json_double(&r->j, "figure", from_lut(m, it->reported, r->clock_khz));
		json_u64(&r->j, "proposals", (uint64_t)it->proposals);
		json_string(&r->j, "pruned", it->chosen);
		json_u64(&r->j, "removed", (uint64_t)it->removed);
		json_u64(&r->j, "kept", (uint64_t)it->kept);
		json_bool(&r->j, "met_target", it->met);
		json_u64(&r->j, "refitted", (uint64_t)it->reconstructed);
		json_double(&r->j, "top1_agreement", it->agr.top1);
		json_double(&r->j, "sqnr_db", it->agr.sqnr_db);
		json_eval(&r->j, it->has_eval, &it->eval_agr);
		if (have_me) {
			json_double(&r->j, "measured", from_lut(m, measured_of(&me, m), r->clock_khz));
			json_measured(&r->j, &me, r->clock_khz);
		} else {
			json_null(&r->j, "measured");
		}
		json_layers(&r->j, it->layers, it->n_layers);
		json_object_end(&r->j);
		return;
	}
	printf("iteration %d: %s %.4g %s (target %.4g%s): %s keeps %d of %d channels; top-1 %.1f %%, SQNR %.1f dB; %d layer(s) refitted, %d proposal(s)\n",
	       it->iteration, r->b->key, from_lut(m, it->reported, r->clock_khz), r->b->unit,
	       r->proxy ? it->target : from_lut(m, it->target, r->clock_khz),
	       r->proxy ? " MACs" : "", it->chosen, it->kept,
	       it->kept + it->removed, it->agr.top1 * 100, it->agr.sqnr_db, it->reconstructed,
	       it->proposals);
	if (it->has_eval)
		printf("  held out: top-1 %.1f %%, SQNR %.1f dB\n", it->eval_agr.top1 * 100,
		       it->eval_agr.sqnr_db);
	if (have_me)
		printf("  measured on the device: %.4g uJ, %.4g ms, %.0f DRAM words\n",
		       from_lut(LUT_ENERGY, me.energy_fj, r->clock_khz),
		       from_lut(LUT_CYCLES, me.cycles, r->clock_khz), me.dram_words);
	printf("  channels:");
	for (int i = 0; i < it->n_layers; i++)
		printf(" %s %ux%u", it->layers[i].name, it->layers[i].c, it->layers[i].m);
	printf("\n");
}

/* The adapted model's conv/FC layers measured on the device at their sizes. */
static int measure_model(const struct accelctl *ctx, struct accel_device *dev, const char *path,
			 struct measured *fig)
{
	struct model_layers ml = { 0 };
	struct accel_measure_opts mo = { .sz = sizeof(mo) };
	int rc = model_layers_load(ctx, NULL, path, ACCEL_DATAFLOW_RS, &ml);

	memset(fig, 0, sizeof(*fig));
	for (int i = 0; !rc && i < ml.n; i++) {
		struct accel_layer_measurement r = { .sz = sizeof(r) };

		accelctl_progress(ctx, "measuring %s (%d/%d) on the device", ml.names[i], i + 1, ml.n);
		if (accel_layer_measure(dev, &ml.specs[i], &mo, &r))
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "layer '%s': %s", ml.names[i],
					   accel_last_error());
		else
			measured_add(fig, &r.measured);
	}
	model_layers_free(&ml);
	return rc;
}

static int get_lut(const struct accelctl *ctx, struct accel_device *dev, const struct adapt_args *a,
		   struct lut *t)
{
	struct model_layers ml = { 0 };
	char err[1024];
	double worst;
	int rc;

	if (a->lut) {
		if (lut_read(a->lut, t, err, sizeof(err)))
			return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", err);
	} else {
		struct profile_opts po = { 0 };

		accelctl_progress(ctx, "no --lut: profiling %s on the device", a->model);
		if ((rc = profile_model(ctx, dev, a->model, &po, t, &worst)))
			return rc;
	}
	if ((rc = model_layers_load(ctx, NULL, a->model, ACCEL_DATAFLOW_RS, &ml)))
		return rc;
	rc = lut_match_model(t, a->model, ml.specs, ml.names, ml.n, err, sizeof(err));
	model_layers_free(&ml);
	return rc ? accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", err) : 0;
}

static int adapt(const struct accelctl *ctx, const struct adapt_args *a, const struct budget *b)
{
	struct adapt_opts o = ADAPT_OPTS_DEFAULTS;
	struct adapt_result res = { 0 };
	struct report r = { .ctx = ctx, .b = b };
	struct accel_device *dev = NULL;
	struct calib cal = { 0 }, ev = { 0 };
	struct lut t = { 0 };
	Onnx__ModelProto *model = NULL;
	struct measured me = { 0 };
	double measured = NAN;
	char err[1024];
	int rc, st;

	if ((rc = accelctl_open_device(ctx, &dev)))
		return rc;
	if ((rc = get_lut(ctx, dev, a, &t)))
		goto out;
	r.clock_khz = t.clock_khz;
	model = ox_load(a->model, err, sizeof(err));
	if (!model) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", err);
		goto out;
	}
	if (calib_load(a->calib, a->model, &cal, err, sizeof(err))) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", err);
		goto out;
	}
	if (a->eval && calib_load(a->eval, a->model, &ev, err, sizeof(err))) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "--eval: %s", err);
		goto out;
	}
	if (a->eval)
		o.eval = &ev;
	r.dev = dev;
	r.lut = &t;
	o.measure = measure_layers;
	o.measure_each = a->measure_iterations;
	o.metric = o.report_metric = b->metric;
	o.budget = to_lut(b, b->value, t.clock_khz);
	r.proxy = a->proxy_macs;
	if (a->proxy_macs) {
		double fig, macs;

		/* the same share of the MACs as the budget's share of the figure */
		if (adapt_figure(model->graph, &t, b->metric, &fig, err, sizeof(err)) ||
		    adapt_figure(model->graph, &t, LUT_MACS, &macs, err, sizeof(err))) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", err);
			goto out;
		}
		o.metric = LUT_MACS;
		o.budget = o.budget >= fig ? macs : macs * (o.budget / fig);
	}
	o.step = a->step;
	o.reconstruct = !a->no_reconstruct;
	o.progress = on_progress;
	o.iteration = on_iteration;
	o.ctx = &r;
	if (ctx->json) {
		json_init(&r.j, stdout, true);
		json_object_begin(&r.j, NULL);
		json_string(&r.j, "model", a->model);
		json_string(&r.j, "output", a->out);
		json_string(&r.j, "device", t.device);
		json_object_begin(&r.j, "budget");
		json_string(&r.j, "metric", metric_key(b->metric));
		json_double(&r.j, "value", b->value);
		json_string(&r.j, "unit", b->unit);
		json_object_end(&r.j);
		json_double(&r.j, "step", a->step);
		if (a->proxy_macs)
			json_string(&r.j, "proxy", "macs");
		else
			json_null(&r.j, "proxy");
		json_u64(&r.j, "calibration_samples", (uint64_t)cal.n);
		if (a->eval)
			json_u64(&r.j, "eval_samples", (uint64_t)ev.n);
		else
			json_null(&r.j, "eval_samples");
		json_array_begin(&r.j, "iterations");
	} else {
		printf("adapting %s to %s <= %g %s on %s (LUT %s, %d calibration sample(s)", a->model,
		       b->key, b->value, b->unit, t.device, a->lut ? a->lut : "profiled now", cal.n);
		if (a->eval)
			printf(", %d held-out sample(s)", ev.n);
		printf(")\n");
	}
	st = adapt_run(model, &t, &cal, &o, &res, err, sizeof(err));
	if (st == ADAPT_UNREACHABLE) {
		if (ctx->json) {
			json_array_end(&r.j);
			json_object_end(&r.j);
			json_finish(&r.j);
		}
		if (a->proxy_macs)
			rc = accelctl_usage_error(ctx, "--budget %s=%g %s is unreachable by the MAC proxy: with every prunable layer cut to one channel the model still has %.4g MACs (%.4g now); raise the budget",
						  b->key, b->value, b->unit, res.minimum, res.original);
		else
			rc = accelctl_usage_error(ctx, "--budget %s=%g %s is unreachable: with every prunable layer cut to one channel the model's conv/FC layers still need %.4g %s (they need %.4g %s now); raise the budget to at least that",
						  b->key, b->value, b->unit,
						  from_lut(b->metric, res.minimum, t.clock_khz), b->unit,
						  from_lut(b->metric, res.original, t.clock_khz), b->unit);
		goto out;
	}
	if (st) {
		/* a measuring error was reported where it happened */
		rc = r.rc ? r.rc : accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", err);
		goto out;
	}
	if (ox_save(res.model, a->out)) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "cannot write %s: %s", a->out, strerror(errno));
		goto out;
	}
	if ((rc = measure_model(ctx, dev, a->out, &me))) {
		remove(a->out);
		goto out;
	}
	measured = measured_of(&me, b->metric);
	if (ctx->json) {
		json_array_end(&r.j);
		json_object_begin(&r.j, "original");
		json_double(&r.j, "figure", from_lut(b->metric, res.reported_original, t.clock_khz));
		json_object_end(&r.j);
		json_object_begin(&r.j, "final");
		json_double(&r.j, "figure", from_lut(b->metric, res.reported_final, t.clock_khz));
		json_bool(&r.j, "within_budget", measured <= to_lut(b, b->value, t.clock_khz) * (1 + 1e-9));
		json_double(&r.j, "measured", from_lut(b->metric, measured, t.clock_khz));
		json_measured(&r.j, &me, t.clock_khz);
		json_double(&r.j, "top1_agreement", res.agr.top1);
		json_double(&r.j, "sqnr_db", res.agr.sqnr_db);
		json_eval(&r.j, a->eval, &res.eval_agr);
		json_u64(&r.j, "iterations", (uint64_t)res.iterations);
		json_u64(&r.j, "corrections", (uint64_t)res.corrections);
		json_object_end(&r.j);
		json_object_end(&r.j);
		json_finish(&r.j);
	} else {
		if (!res.iterations)
			printf("the model already meets the budget (%s %.4g %s): written unchanged\n", b->key,
			       from_lut(b->metric, res.reported_original, t.clock_khz), b->unit);
		printf("%s: %.4g -> %.4g %s by the LUT (measured on the device: %.4g %s) in %d iteration(s); top-1 agreement %.1f %%, output SQNR %.1f dB\n",
		       b->key, from_lut(b->metric, res.reported_original, t.clock_khz),
		       from_lut(b->metric, res.reported_final, t.clock_khz), b->unit,
		       from_lut(b->metric, measured, t.clock_khz), b->unit, res.iterations,
		       res.agr.top1 * 100, res.agr.sqnr_db);
		if (res.corrections)
			printf("the device measured the LUT's choice above the budget %d time(s) (by %.4g %s the last time): the loop went on\n",
			       res.corrections, from_lut(b->metric, res.gap, t.clock_khz), b->unit);
		if (a->eval)
			printf("held out (%d sample(s)): top-1 agreement %.1f %%, output SQNR %.1f dB\n",
			       ev.n, res.eval_agr.top1 * 100, res.eval_agr.sqnr_db);
		if (a->proxy_macs)
			printf("MAC proxy: %.4g -> %.4g MACs; the measured %s is %s the budget of %g %s\n",
			       res.original, res.final, b->key,
			       measured <= to_lut(b, b->value, t.clock_khz) * (1 + 1e-9) ? "within" : "above",
			       b->value, b->unit);
		printf("wrote %s\n", a->out);
	}
out:
	ox_free(res.model);
	ox_free(model);
	calib_free(&cal);
	calib_free(&ev);
	lut_free(&t);
	accel_device_close(dev);
	return rc;
}

int cmd_adapt(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "calib", required_argument, NULL, 'c' },
		{ "budget", required_argument, NULL, 'b' },
		{ "step", required_argument, NULL, 's' },
		{ "lut", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "no-reconstruct", no_argument, NULL, 'N' },
		{ "proxy", required_argument, NULL, 'P' },
		{ "eval", required_argument, NULL, 'e' },
		{ "holdout", required_argument, NULL, 'e' },
		{ "measure-iterations", no_argument, NULL, 'M' },
		{ 0 },
	};
	struct adapt_args a = { .step = 0.05 };
	struct budget b = { 0 };
	int c, rc;

	while ((c = accelctl_getopt(argc, argv, "o:", opts)) != -1) {
		char *end;

		switch (c) {
		case 'c':
			a.calib = optarg;
			break;
		case 'b':
			a.budget_text = optarg;
			break;
		case 's':
			errno = 0;
			a.step = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(a.step > 0 && a.step <= 1))
				return accelctl_usage_error(ctx, "--step takes a share of the original figure in (0, 1], not '%s'",
							    optarg);
			break;
		case 'l':
			a.lut = optarg;
			break;
		case 'o':
			a.out = optarg;
			break;
		case 'N':
			a.no_reconstruct = true;
			break;
		case 'e':
			a.eval = optarg;
			break;
		case 'M':
			a.measure_iterations = true;
			break;
		case 'P':
			if (strcmp(optarg, "macs"))
				return accelctl_usage_error(ctx, "--proxy takes macs (NetAdapt's comparison), not '%s'",
							    optarg);
			a.proxy_macs = true;
			break;
		default:
			return accelctl_bad_option(ctx, argv);
		}
	}
	if (optind != argc - 1)
		return accelctl_usage_error(ctx, optind >= argc ? "FLOAT.onnx is required" :
					    "one model at a time");
	a.model = argv[optind];
	if (!a.budget_text)
		return accelctl_usage_error(ctx, "--budget is required (energy=UJ, latency=MS or dram=WORDS)");
	if (!a.calib)
		return accelctl_usage_error(ctx, "--calib DIR is required (the calibration samples)");
	if (!a.out)
		return accelctl_usage_error(ctx, "-o OUT.onnx is required");
	if ((rc = parse_budget(ctx, a.budget_text, &b)))
		return rc;
	return adapt(ctx, &a, &b);
}
