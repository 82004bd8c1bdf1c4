// SPDX-License-Identifier: MIT
/*
 * accelctl run: an ONNX model on the device, checked against the CPU
 * reference, with where the time and energy went (docs/accelctl.md "run").
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "accel/model.h"
#include "accel/plan.h"
#include "accelctl.h"

ACCELCTL_COMMAND(run);

const char cmd_run_usage[] =
	"Usage: accelctl run MODEL.onnx [--input [NAME=]FILE.pb ...]\n"
	"                    [--output FILE.pb | --output-dir DIR] [--iterations N]\n"
	"                    [--warmup N]\n"
	"                    [--check] [--cpu] [--dataflow rs|ws|os|is|nlr]\n"
	"                    [--objective energy|cycles|edp|dram]\n"
	"                    [--max-memory MIB]\n"
	"       accelctl run --test-dir DIR [--cpu]\n"
	"\n"
	"Runs an ONNX model: device layers on the accelerator, the rest on the CPU.\n"
	"\n"
	"  -i, --input [NAME=]FILE  an input as an ONNX TensorProto file (NAME may be\n"
	"                           left out when the model has one input); inputs not\n"
	"                           given are filled with seeded pseudo-random values\n"
	"  -o, --output FILE        write the (single) output as a TensorProto file\n"
	"      --output-dir DIR     write every output as DIR/output_N.pb (graph order)\n"
	"  -n, --iterations N       run N times (default 1); figures are per inference\n"
	"      --warmup N           run N times more before those, untimed (default 0)\n"
	"  -c, --check              compare every device layer with the CPU reference\n"
	"                           (ONNX semantics) run on the inputs that layer read on\n"
	"                           the device: exit 1 on any difference other than the\n"
	"                           documented 1-LSB rounding ties (counted apart); the\n"
	"                           network's outputs are compared end to end too\n"
	"      --cpu                run every layer on the CPU (no device)\n"
	"      --dataflow DF        dataflow of the device layers (default rs)\n"
	"      --objective O        what the scheduler minimizes per device layer and\n"
	"                           chain: energy (default), cycles, edp, dram\n"
	"      --max-memory MIB     memory the model's load, and each run, may allocate\n"
	"                           for tensors (default 4096 MiB); a model or input\n"
	"                           needing more is refused before allocating\n"
	"      --test-dir DIR       run an ONNX backend test directory (model.onnx,\n"
	"                           test_data_set_*/input_N.pb, output_N.pb) and compare\n"
	"                           (int8 outputs within 1 LSB when a layer ran on the\n"
	"                           device: docs/models.md, rounding ties; int32 exact)\n"
	"  -h, --help               this help\n"
	"\n"
	"Prints per layer and in total: where it ran, cycles, energy per level, DRAM\n"
	"words and bytes as the device measured them, next to the scheduler's\n"
	"prediction and their ratio; latency at the modeled clock, inferences/s,\n"
	"average power.\n"
	"Exit: 0 ok, 1 check failed, 2 usage, 3 device or model error.\n";

#define MAX_IO 64

struct run_args {
	const char *model;
	const char *in_spec[MAX_IO];
	int n_in;
	const char *output, *output_dir, *test_dir;
	uint64_t iterations, warmup;
	bool check, cpu;
	enum accel_dataflow dataflow;
	enum accel_objective objective;
	uint64_t max_memory;		/* bytes, 0: the library's default */
};

static const char *const domain_key[ACCEL_ENERGY_DOMAINS] = {
	"dram", "glb", "noc", "rf", "mac", "static",
};

static double pj(uint64_t fj)
{
	return (double)fj / 1000.0;
}

static uint64_t energy_total(const struct accel_layer_stats *s)
{
	uint64_t t = 0;

	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		t += s->energy_fj[d];
	return t;
}

static void json_stats(struct json *j, const char *key, const struct accel_layer_stats *s)
{
	json_object_begin(j, key);
	json_object_begin(j, "energy_pj");
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		json_double(j, domain_key[d], pj(s->energy_fj[d]));
	json_double(j, "total", pj(energy_total(s)));
	json_object_end(j);
	json_u64(j, "cycles", s->cycles);
	json_u64(j, "dram_words", s->dram_words);
	json_u64(j, "dram_bytes", s->dram_bytes);
	json_object_end(j);
}

/* measured / predicted; 1 when both are 0 */
static double ratio(uint64_t measured, uint64_t predicted)
{
	if (!predicted)
		return measured ? INFINITY : 1.0;
	return (double)measured / (double)predicted;
}

/* What --check found: layer-wise verdict and the end-to-end comparison. */
struct check_report {
	bool done, ok;
	struct accel_check_result layers;
	double e2e_max_diff;		/* outputs against the whole reference */
	bool e2e_equal;
};

static const char *on_name(enum accel_layer_target on)
{
	return on == ACCEL_ON_DEVICE ? "device" : on == ACCEL_ON_CPU ? "cpu" : "none";
}

/* Deterministic inputs for models run without --input (xorshift64*). */
static struct accel_tensor *seeded_input(const struct accel_model *m, int i)
{
	int dtype, rank;
	int64_t dims[ACCEL_TENSOR_MAX_RANK];
	struct accel_tensor *t;
	uint64_t x = 0x9e3779b97f4a7c15ull + (uint64_t)i;

	if (accel_model_input_type(m, i, &dtype, &rank, dims))
		return NULL;
	for (int d = 0; d < rank; d++)
		if (dims[d] < 0)
			dims[d] = 1;	/* symbolic batch: one */
	t = accel_tensor_new(dtype, rank, dims);
	if (!t)
		return NULL;
	for (size_t k = 0; k < accel_tensor_count(t); k++) {
		uint32_t r;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		r = (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
		switch (dtype) {
		case ACCEL_DTYPE_FLOAT:
			((float *)accel_tensor_data(t))[k] = (float)r / 2147483648.0f - 1.0f;
			break;
		case ACCEL_DTYPE_INT8:
		case ACCEL_DTYPE_UINT8:
			((uint8_t *)accel_tensor_data(t))[k] = (uint8_t)(r >> 24);
			break;
		case ACCEL_DTYPE_INT32:
			((int32_t *)accel_tensor_data(t))[k] = (int32_t)(r >> 16) - 32768;
			break;
		default:
			((int64_t *)accel_tensor_data(t))[k] = (int64_t)(r >> 28);
			break;
		}
	}
	return t;
}

static int find_input(const struct accel_model *m, const char *name)
{
	for (int i = 0; i < accel_model_input_count(m); i++)
		if (!strcmp(accel_model_input_name(m, i), name))
			return i;
	return -1;
}

static int load_inputs(const struct accelctl *ctx, const struct run_args *a,
		       const struct accel_model *m, struct accel_tensor **in)
{
	int n = accel_model_input_count(m);

	for (int k = 0; k < a->n_in; k++) {
		const char *spec = a->in_spec[k], *eq = strchr(spec, '='), *file = spec;
		int i = 0;

		if (eq) {
			char name[256];

			snprintf(name, sizeof(name), "%.*s", (int)(eq - spec), spec);
			i = find_input(m, name);
			if (i < 0)
				return accelctl_usage_error(ctx, "the model has no input '%s'", name);
			file = eq + 1;
		} else if (n != 1) {
			return accelctl_usage_error(ctx,
						    "the model has %d inputs: name them (--input NAME=FILE.pb)", n);
		}
		if (in[i])
			return accelctl_usage_error(ctx, "input '%s' given twice",
						    accel_model_input_name(m, i));
		if (accel_tensor_load(file, &in[i]))
			return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
	}
	for (int i = 0; i < n; i++)
		if (!in[i]) {
			in[i] = seeded_input(m, i);
			if (!in[i])
				return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s",
						     accel_last_error());
			if (!ctx->json)
				printf("input '%s': no file given, using seeded pseudo-random values\n",
				       accel_model_input_name(m, i));
		}
	return 0;
}

/* |a-b| within tolerance: int8 exact (or int_tol), int32 exact, floats 1e-3 rel. */
static bool within(const struct accel_tensor *got, const struct accel_tensor *want,
		   double int_tol, double *max_diff)
{
	double d;

	if (accel_tensor_compare(got, want, &d)) {
		*max_diff = INFINITY;
		return false;
	}
	if (d > *max_diff || isnan(d))
		*max_diff = d;
	/*
	 * The 1-LSB allowance is for requantization ties, which only int8/uint8
	 * outputs have; int32 accumulators are exact on any implementation.
	 */
	if (accel_tensor_dtype(want) == ACCEL_DTYPE_INT32)
		return d == 0;
	if (accel_tensor_dtype(want) != ACCEL_DTYPE_FLOAT)
		return d <= int_tol;
	for (size_t i = 0; i < accel_tensor_count(want); i++) {
		float x = ((float *)accel_tensor_data((struct accel_tensor *)got))[i];
		float y = ((float *)accel_tensor_data((struct accel_tensor *)want))[i];

		if (!(fabsf(x - y) <= 1e-3f * fabsf(y) + 1e-5f) && !(isnan(x) && isnan(y)))
			return false;
	}
	return true;
}

static void json_check(struct json *j, const struct accel_model *m,
		       const struct check_report *ck)
{
	int nl = accel_model_layer_count(m);

	if (!ck->done) {
		json_null(j, "check");
		return;
	}
	json_object_begin(j, "check");
	json_bool(j, "ok", ck->ok);
	json_double(j, "max_abs_diff", ck->layers.max_abs_diff);
	json_string(j, "mode", "layer-wise");
	json_u64(j, "layers_checked", ck->layers.layers_checked);
	json_u64(j, "layers_on_chip", ck->layers.layers_on_chip);
	json_u64(j, "elements", ck->layers.elements);
	json_u64(j, "ties", ck->layers.ties);
	json_u64(j, "mismatches", ck->layers.mismatches);
	json_array_begin(j, "tie_layers");
	for (int i = 0; i < nl; i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		if (!accel_model_layer_info(m, i, &li) && li.check.ties)
			json_string(j, NULL, li.name);
	}
	json_array_end(j);
	json_array_begin(j, "failed_layers");
	for (int i = 0; i < nl; i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		if (!accel_model_layer_info(m, i, &li) && li.check.mismatches)
			json_string(j, NULL, li.name);
	}
	json_array_end(j);
	json_array_begin(j, "layers");
	for (int i = 0; i < nl; i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		if (accel_model_layer_info(m, i, &li) || !li.check.checked)
			continue;
		json_object_begin(j, NULL);
		json_string(j, "name", li.name);
		json_bool(j, "ok", !li.check.mismatches);
		json_u64(j, "elements", li.check.elements);
		json_u64(j, "ties", li.check.ties);
		json_u64(j, "mismatches", li.check.mismatches);
		json_double(j, "max_abs_diff", li.check.max_abs_diff);
		if (li.check.mismatches) {
			json_i64(j, "first_mismatch", li.check.first_mismatch);
			json_i64(j, "device_value", li.check.device_value);
			json_i64(j, "reference_value", li.check.reference_value);
		}
		json_object_end(j);
	}
	json_array_end(j);
	json_object_begin(j, "end_to_end");
	json_bool(j, "equal", ck->e2e_equal);
	json_double(j, "max_abs_diff", ck->e2e_max_diff);
	json_object_end(j);
	json_object_end(j);
}

static void print_check(const struct accel_model *m, const struct check_report *ck)
{
	int nl = accel_model_layer_count(m), shown = 0;

	if (!ck->ok) {
		printf("check: MISMATCH (%u of %u device layer(s) differ from the CPU reference on their own inputs",
		       ck->layers.layers_failed, ck->layers.layers_checked);
		if (!ck->layers.layers_failed)
			printf("; none does, but the outputs differ end to end with no rounding tie to explain it");
		printf(")\n");
		for (int i = 0; i < nl; i++) {
			struct accel_layer_info li = { .sz = sizeof(li) };

			if (accel_model_layer_info(m, i, &li) || !li.check.mismatches)
				continue;
			printf("  layer '%s' (%s): %llu of %llu element(s) differ, max |diff| %g; first at element %lld: device %d, reference %d\n",
			       li.name, li.op, (unsigned long long)li.check.mismatches,
			       (unsigned long long)li.check.elements, li.check.max_abs_diff,
			       (long long)li.check.first_mismatch, li.check.device_value,
			       li.check.reference_value);
		}
	} else {
		printf("check: ok (max |device - reference| = %g; %u device layer(s) compared on their own inputs, %llu element(s))\n",
		       ck->layers.max_abs_diff, ck->layers.layers_checked,
		       (unsigned long long)ck->layers.elements);
	}
	if (ck->layers.layers_on_chip)
		printf("check: %u depthwise layer output(s) stay in the GLB (chains): not observable, checked through their project layer's output, the reference running both layers from the chain's device input\n",
		       ck->layers.layers_on_chip);
	printf("check: rounding ties (1 LSB, allowed): %llu", (unsigned long long)ck->layers.ties);
	for (int i = 0; i < nl; i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		if (accel_model_layer_info(m, i, &li) || !li.check.ties)
			continue;
		printf("%s%s %llu", shown++ ? ", " : " in ", li.name,
		       (unsigned long long)li.check.ties);
	}
	printf("\n");
	printf("check: end to end (information): %s, max |device - reference| = %g\n",
	       ck->e2e_equal ? "outputs equal" : "outputs differ", ck->e2e_max_diff);
}

/* Width of the name / op columns: the longest entry (at least the header). */
static void column_widths(const struct accel_model *m, int *wname, int *wop)
{
	*wname = (int)strlen("layer");
	*wop = (int)strlen("op");
	for (int i = 0; i < accel_model_layer_count(m); i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		if (accel_model_layer_info(m, i, &li))
			continue;
		if ((int)strlen(li.name) > *wname)
			*wname = (int)strlen(li.name);
		if ((int)strlen(li.op) > *wop)
			*wop = (int)strlen(li.op);
	}
}

static void print_report(const struct accelctl *ctx, const struct accel_model *m,
			 const struct accel_device_info *info, const struct run_args *a,
			 struct accel_tensor **out, int n_out, const struct check_report *ck,
			 double host_ms, double host_median, double cpu_median)
{
	struct accel_run_stats st = { .sz = sizeof(st) };
	struct accel_layer_stats pred_total = { 0 };
	double clock_khz = info ? info->clock_khz : 0;
	double lat_ms, ips, power_mw;
	uint64_t etot;
	int nl = accel_model_layer_count(m), wname, wop, n_pred = 0;

	accel_model_run_stats(m, &st);
	etot = energy_total(&st.measured);
	lat_ms = clock_khz > 0 ? (double)st.measured.cycles / clock_khz : 0;
	ips = lat_ms > 0 ? 1000.0 / lat_ms : 0;
	/* fJ / ms: 1e-15 J / 1e-3 s = 1e-12 W = 1e-9 mW */
	power_mw = lat_ms > 0 ? (double)etot * 1e-9 / lat_ms : 0;
	for (int i = 0; i < nl; i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		if (accel_model_layer_info(m, i, &li) || !li.has_prediction)
			continue;
		n_pred++;
		for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			pred_total.energy_fj[d] += li.predicted.energy_fj[d];
		pred_total.cycles += li.predicted.cycles;
		pred_total.dram_words += li.predicted.dram_words;
		pred_total.dram_bytes += li.predicted.dram_bytes;
		pred_total.macs += li.predicted.macs;
	}
	if (ctx->json) {
		struct json j;

		json_init(&j, stdout, true);
		json_object_begin(&j, NULL);
		json_string(&j, "model", a->model);
		json_string(&j, "device", info ? info->name : "cpu");
		json_u64(&j, "iterations", a->iterations);
		json_array_begin(&j, "outputs");
		for (int i = 0; i < n_out; i++) {
			json_object_begin(&j, NULL);
			json_string(&j, "name", accel_tensor_name(out[i]));
			json_array_begin(&j, "shape");
			for (int d = 0; d < accel_tensor_rank(out[i]); d++)
				json_i64(&j, NULL, accel_tensor_dims(out[i])[d]);
			json_array_end(&j);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_check(&j, m, ck);
		json_array_begin(&j, "layers");
		for (int i = 0; i < nl; i++) {
			struct accel_layer_info li = { .sz = sizeof(li) };

			accel_model_layer_info(m, i, &li);
			json_object_begin(&j, NULL);
			json_string(&j, "name", li.name);
			json_string(&j, "op", li.op);
			json_string(&j, "on", on_name(li.on));
			if (li.on == ACCEL_ON_CPU)
				json_string(&j, "reason", li.reason);
			if (li.chain_with[0])
				json_string(&j, "chain_with", li.chain_with);
			json_stats(&j, "measured", &li.measured);
			if (li.has_prediction) {
				json_stats(&j, "predicted", &li.predicted);
				json_double(&j, "energy_ratio", ratio(energy_total(&li.measured),
								      energy_total(&li.predicted)));
				json_double(&j, "cycles_ratio", ratio(li.measured.cycles,
								      li.predicted.cycles));
			}
			json_double(&j, "cpu_ms", (double)li.cpu_ns / 1e6);
			if (li.has_shape) {
				json_object_begin(&j, "shape");
				json_u64(&j, "n", li.n);
				json_u64(&j, "c", li.c);
				json_u64(&j, "m", li.m);
				json_u64(&j, "h", li.h);
				json_u64(&j, "w", li.w);
				json_u64(&j, "r", li.r);
				json_u64(&j, "s", li.s);
				json_u64(&j, "stride_h", li.stride_h);
				json_u64(&j, "stride_w", li.stride_w);
				json_u64(&j, "pad_t", li.pad_t);
				json_u64(&j, "pad_l", li.pad_l);
				json_u64(&j, "pad_b", li.pad_b);
				json_u64(&j, "pad_r", li.pad_r);
				json_u64(&j, "groups", li.groups);
				json_object_end(&j);
			}
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_begin(&j, "total");
		json_object_begin(&j, "energy_pj");
		for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			json_double(&j, domain_key[d], pj(st.measured.energy_fj[d]));
		json_double(&j, "total", pj(etot));
		json_object_end(&j);
		json_u64(&j, "cycles", st.measured.cycles);
		json_u64(&j, "dram_words", st.measured.dram_words);
		json_u64(&j, "dram_bytes", st.measured.dram_bytes);
		json_u64(&j, "macs", st.measured.macs);
		json_double(&j, "latency_ms", lat_ms);
		json_double(&j, "inferences_per_s", ips);
		json_double(&j, "power_mw", power_mw);
		json_u64(&j, "jobs", st.jobs);
		json_u64(&j, "job_cycles", st.job_cycles);
		json_double(&j, "job_energy_pj", pj(st.job_energy_fj));
		json_u64(&j, "device_layers", st.device_layers);
		json_u64(&j, "cpu_layers", st.cpu_layers);
		json_u64(&j, "concats_in_place", st.concats_in_place);
		json_u64(&j, "concat_bytes_in_place", st.concat_bytes_in_place);
		json_u64(&j, "chains", st.chains);
		json_u64(&j, "chain_bytes_on_chip", st.chain_bytes_on_chip);
		json_double(&j, "host_ms_per_inference", host_ms);
		json_double(&j, "host_ms_median", host_median);
		json_double(&j, "host_cpu_ms_median", cpu_median);
		if (n_pred) {
			json_stats(&j, "predicted", &pred_total);
			json_double(&j, "energy_ratio", ratio(etot, energy_total(&pred_total)));
			json_double(&j, "cycles_ratio", ratio(st.measured.cycles, pred_total.cycles));
		}
		json_object_end(&j);
		json_object_end(&j);
		json_finish(&j);
		return;
	}
	column_widths(m, &wname, &wop);
	printf("model %s on %s, %llu iteration(s)\n", a->model, info ? info->name : "cpu",
	       (unsigned long long)a->iterations);
	printf("measured by the device; pred = the scheduler's prediction; ratio = measured / predicted\n");
	printf("%-*s  %-*s  %-6s %12s %12s %7s %14s %14s %7s %12s %12s %12s\n", wname, "layer",
	       wop, "op", "on", "cycles", "pred_cycles", "ratio", "energy_pj", "pred_energy_pj",
	       "ratio", "dram_words", "pred_words", "dram_bytes");
	for (int i = 0; i < nl; i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		accel_model_layer_info(m, i, &li);
		printf("%-*s  %-*s  %-6s %12llu", wname, li.name, wop, li.op, on_name(li.on),
		       (unsigned long long)li.measured.cycles);
		if (li.has_prediction)
			printf(" %12llu %7.3f", (unsigned long long)li.predicted.cycles,
			       ratio(li.measured.cycles, li.predicted.cycles));
		else
			printf(" %12s %7s", "-", "-");
		printf(" %14.1f", pj(energy_total(&li.measured)));
		if (li.has_prediction)
			printf(" %14.1f %7.3f", pj(energy_total(&li.predicted)),
			       ratio(energy_total(&li.measured), energy_total(&li.predicted)));
		else
			printf(" %14s %7s", "-", "-");
		printf(" %12llu", (unsigned long long)li.measured.dram_words);
		if (li.has_prediction)
			printf(" %12llu", (unsigned long long)li.predicted.dram_words);
		else
			printf(" %12s", "-");
		printf(" %12llu", (unsigned long long)li.measured.dram_bytes);
		if (li.has_shape)
			printf("  [n=%u c=%u m=%u h=%u w=%u r=%u s=%u stride=%u pad=%u groups=%u]",
			       li.n, li.c, li.m, li.h, li.w, li.r, li.s, li.stride_h, li.pad_t,
			       li.groups);
		if (li.on == ACCEL_ON_CPU)
			printf("  (cpu: %s)", li.reason);
		if (li.chain_with[0])
			printf("  (chain with %s)", li.chain_with);
		printf("\n");
	}
	printf("layers: %u on the device (%u jobs), %u on the CPU\n", st.device_layers,
	       st.jobs, st.cpu_layers);
	if (st.concats_in_place)
		printf("concats in place: %u (%llu bytes written by their producers, no copy)\n",
		       st.concats_in_place, (unsigned long long)st.concat_bytes_in_place);
	if (st.chains)
		printf("chains: %u depthwise -> project, one stream each (%llu bytes kept in the GLB; the depthwise rows show 0, the project rows the chain)\n",
		       st.chains, (unsigned long long)st.chain_bytes_on_chip);
	printf("total cycles: %llu\n", (unsigned long long)st.measured.cycles);
	printf("latency: %.3f ms at %.0f MHz (%.1f inferences/s)\n", lat_ms,
	       clock_khz / 1000.0, ips);
	printf("average power: %.1f mW\n", power_mw);
	printf("energy per inference: %.1f uJ (", (double)etot / 1e9);
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		printf("%s%s %.1f uJ", d ? ", " : "", domain_key[d],
		       (double)st.measured.energy_fj[d] / 1e9);
	printf(")\n");
	printf("DRAM: %llu words, %llu bytes\n", (unsigned long long)st.measured.dram_words,
	       (unsigned long long)st.measured.dram_bytes);
	if (n_pred) {
		printf("predicted (%d device layer(s)): %llu cycles, %.1f uJ (", n_pred,
		       (unsigned long long)pred_total.cycles,
		       (double)energy_total(&pred_total) / 1e9);
		for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			printf("%s%s %.1f uJ", d ? ", " : "", domain_key[d],
			       (double)pred_total.energy_fj[d] / 1e9);
		printf("), %llu DRAM words; measured / predicted: cycles %.4f, energy %.4f\n",
		       (unsigned long long)pred_total.dram_words,
		       ratio(st.measured.cycles, pred_total.cycles),
		       ratio(etot, energy_total(&pred_total)));
	}
	printf("host time per inference: %.1f ms (median %.1f ms, process CPU time %.1f ms)\n",
	       host_ms, host_median, cpu_median);
	for (int i = 0; i < n_out; i++) {
		printf("output '%s': %s [", accel_tensor_name(out[i]),
		       accel_dtype_name(accel_tensor_dtype(out[i])));
		for (int d = 0; d < accel_tensor_rank(out[i]); d++)
			printf("%s%lld", d ? "," : "", (long long)accel_tensor_dims(out[i])[d]);
		printf("]\n");
	}
	if (ck->done)
		print_check(m, ck);
}

static int write_outputs(const struct accelctl *ctx, const struct run_args *a,
			 struct accel_tensor **out, int n_out)
{
	char path[4096];

	if (a->output) {
		if (n_out != 1)
			return accelctl_usage_error(ctx, "the model has %d outputs: use --output-dir",
						    n_out);
		if (accel_tensor_save(out[0], a->output))
			return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
	}
	if (a->output_dir) {
		mkdir(a->output_dir, 0755);
		for (int i = 0; i < n_out; i++) {
			snprintf(path, sizeof(path), "%s/output_%d.pb", a->output_dir, i);
			if (accel_tensor_save(out[i], path))
				return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s",
						     accel_last_error());
		}
	}
	return 0;
}

static void free_all(struct accel_tensor **t, int n)
{
	for (int i = 0; i < n; i++) {
		accel_tensor_free(t[i]);
		t[i] = NULL;
	}
}

static void compile_progress(void *arg, const char *layer, int done, int total)
{
	accelctl_progress(arg, "planning layer %d/%d: %s", done + 1, total, layer);
}

static int open_model(const struct accelctl *ctx, const struct run_args *a,
		      const char *path, struct accel_device **dev,
		      struct accel_device_info *info, struct accel_model **m)
{
	struct accel_model_opts o = { .sz = sizeof(o), .cpu_only = a->cpu,
				      .dataflow = a->dataflow,
				      .objective = (int)a->objective,
				      .progress = ctx->progress ? compile_progress : NULL,
				      .progress_ctx = (void *)ctx,
				      .max_memory = a->max_memory };
	int rc;

	if (!a->cpu && !*dev) {
		if ((rc = accelctl_open_device(ctx, dev)))
			return rc;
		if (accel_device_info(*dev, info))
			return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
	}
	accelctl_progress(ctx, "compiling %s", path);
	if (accel_model_load(*dev, path, &o, m))
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
	if (accel_model_input_count(*m) > MAX_IO || accel_model_output_count(*m) > MAX_IO)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "more than %d inputs or outputs",
				     MAX_IO);
	return 0;
}

static int cmp_double(const void *pa, const void *pb)
{
	double x = *(const double *)pa, y = *(const double *)pb;

	return (x > y) - (x < y);
}

/* Sorts v. */
static double median(double *v, uint64_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * CPU time of the process: what a run costs without the time other
 * processes had the CPU (on a loaded machine, the wall time of a longer
 * run includes more of theirs).
 */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int run_model(const struct accelctl *ctx, struct run_args *a)
{
	struct accel_tensor *in[MAX_IO] = { 0 }, *out[MAX_IO] = { 0 }, *ref[MAX_IO] = { 0 };
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_device *dev = NULL;
	struct accel_model *m = NULL;
	struct check_report ck = { .ok = true };
	double host_ms = 0, host_median = 0, cpu_median = 0, *times = NULL, *cpu = NULL;
	int rc, n_in = 0, n_out = 0;

	rc = open_model(ctx, a, a->model, &dev, &info, &m);
	if (rc)
		goto out;
	n_in = accel_model_input_count(m);
	n_out = accel_model_output_count(m);
	if ((rc = load_inputs(ctx, a, m, in)))
		goto out;
	times = calloc(a->iterations, sizeof(*times));
	cpu = calloc(a->iterations, sizeof(*cpu));
	if (!times || !cpu) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "out of memory");
		goto out;
	}
	/* untimed runs first: steady state (caches, recycled tensor memory) */
	for (uint64_t it = 0; it < a->warmup + a->iterations; it++) {
		struct accel_run_stats st = { .sz = sizeof(st) };
		double c0;

		free_all(out, n_out);
		c0 = cpu_ms();
		if (accel_model_run(m, in, n_in, out, n_out)) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
			goto out;
		}
		if (it < a->warmup)
			continue;
		cpu[it - a->warmup] = cpu_ms() - c0;
		accel_model_run_stats(m, &st);
		times[it - a->warmup] = (double)st.host_ns / 1e6;
		host_ms += (double)st.host_ns / 1e6;
		if (a->iterations > 1)
			accelctl_progress(ctx, "iteration %llu/%llu: %.1f ms",
					  (unsigned long long)(it - a->warmup) + 1,
					  (unsigned long long)a->iterations,
					  (double)st.host_ns / 1e6);
	}
	host_ms /= (double)a->iterations;
	host_median = median(times, a->iterations);
	cpu_median = median(cpu, a->iterations);
	if (a->check) {
		ck.done = true;
		ck.layers.sz = sizeof(ck.layers);
		accelctl_progress(ctx, "checking every device layer against the CPU reference");
		if (accel_model_check(m, in, n_in, &ck.layers)) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "check: %s",
					   accel_last_error());
			goto out;
		}
		accelctl_progress(ctx, "running the CPU reference end to end");
		if (accel_model_reference(m, in, n_in, ref, n_out)) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "reference: %s",
					   accel_last_error());
			goto out;
		}
		ck.e2e_equal = true;
		for (int i = 0; i < n_out; i++)
			ck.e2e_equal &= within(out[i], ref[i], 0, &ck.e2e_max_diff);
		/*
		 * Layer-wise decides; the outputs may differ end to end only where
		 * a rounding tie explains it.
		 */
		ck.ok = ck.layers.ok && (ck.e2e_equal || ck.layers.ties > 0);
	}
	if ((rc = write_outputs(ctx, a, out, n_out)))
		goto out;
	print_report(ctx, m, a->cpu ? NULL : &info, a, out, n_out, &ck, host_ms, host_median,
		     cpu_median);
	rc = ck.ok ? ACCELCTL_EXIT_OK : ACCELCTL_EXIT_FAIL;
out:
	free(times);
	free(cpu);
	free_all(in, MAX_IO);
	free_all(out, MAX_IO);
	free_all(ref, MAX_IO);
	accel_model_free(m);
	accel_device_close(dev);
	return rc;
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* ONNX backend test directory: every test_data_set_* against its outputs. */
static int run_test_dir(const struct accelctl *ctx, struct run_args *a)
{
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_device *dev = NULL;
	struct accel_model *m = NULL;
	char path[4096], *sets[256];
	int n_sets = 0, rc, n_dev = 0, n_cpu = 0, failed = 0;
	double worst = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/model.onnx", a->test_dir);
	a->model = path;
	rc = open_model(ctx, a, path, &dev, &info, &m);
	if (rc)
		goto out;
	d = opendir(a->test_dir);
	if (!d) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "cannot read %s: %s", a->test_dir,
				   strerror(errno));
		goto out;
	}
	while ((de = readdir(d)) && n_sets < 256)
		if (!strncmp(de->d_name, "test_data_set_", 14))
			sets[n_sets++] = strdup(de->d_name);
	closedir(d);
	qsort(sets, (size_t)n_sets, sizeof(sets[0]), cmp_names);
	if (!n_sets) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s has no test_data_set_*",
				   a->test_dir);
		goto out;
	}
	for (int s = 0; s < n_sets && !rc; s++) {
		struct accel_tensor *in[MAX_IO] = { 0 }, *out[MAX_IO] = { 0 }, *want[MAX_IO] = { 0 };
		int n_in = accel_model_input_count(m), n_out = accel_model_output_count(m);
		double diff = 0;
		bool ok = true;

		for (int i = 0; i < n_in && !rc; i++) {
			snprintf(path, sizeof(path), "%s/%s/input_%d.pb", a->test_dir, sets[s], i);
			if (accel_tensor_load(path, &in[i]))
				rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
		}
		for (int i = 0; i < n_out && !rc; i++) {
			snprintf(path, sizeof(path), "%s/%s/output_%d.pb", a->test_dir, sets[s], i);
			if (accel_tensor_load(path, &want[i]))
				rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
		}
		if (!rc && accel_model_run(m, in, n_in, out, n_out))
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
		/* where layers ran (a model may be specialized per run) */
		n_dev = n_cpu = 0;
		for (int i = 0; !rc && i < accel_model_layer_count(m); i++) {
			struct accel_layer_info li = { .sz = sizeof(li) };

			accel_model_layer_info(m, i, &li);
			n_dev += li.on == ACCEL_ON_DEVICE;
			n_cpu += li.on == ACCEL_ON_CPU;
		}
		for (int i = 0; i < n_out && !rc; i++)
			ok &= within(out[i], want[i], n_dev ? 1 : 0, &diff);
		if (!rc) {
			if (!ok)
				failed++;
			if (diff > worst)
				worst = diff;
			if (!ctx->json)
				printf("%s %s/%s (max abs diff %g)\n", ok ? "PASS" : "FAIL",
				       a->test_dir, sets[s], diff);
		}
		free_all(in, MAX_IO);
		free_all(out, MAX_IO);
		free_all(want, MAX_IO);
	}
	if (!rc) {
		const char *on = n_dev && n_cpu ? "mixed" : n_dev ? "device" : "cpu";

		if (ctx->json) {
			struct json j;

			json_init(&j, stdout, false);
			json_object_begin(&j, NULL);
			json_string(&j, "test_dir", a->test_dir);
			json_string(&j, "device", a->cpu ? "cpu" : info.name);
			json_u64(&j, "data_sets", (uint64_t)n_sets);
			json_u64(&j, "failed", (uint64_t)failed);
			json_bool(&j, "ok", !failed);
			json_double(&j, "max_abs_diff", worst);
			json_string(&j, "on", on);
			json_object_end(&j);
			json_finish(&j);
		} else {
			printf("ran on: %s (%d device layer(s), %d CPU layer(s))\n", on, n_dev, n_cpu);
			for (int i = 0; i < accel_model_layer_count(m); i++) {
				struct accel_layer_info li = { .sz = sizeof(li) };

				accel_model_layer_info(m, i, &li);
				if (li.on == ACCEL_ON_CPU)
					printf("  %s (%s) on the CPU: %s\n", li.name, li.op, li.reason);
			}
		}
		rc = failed ? ACCELCTL_EXIT_FAIL : ACCELCTL_EXIT_OK;
	}
out:
	for (int s = 0; s < n_sets; s++)
		free(sets[s]);
	accel_model_free(m);
	accel_device_close(dev);
	return rc;
}

int cmd_run(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "output-dir", required_argument, NULL, 'O' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "check", no_argument, NULL, 'c' },
		{ "cpu", no_argument, NULL, 'C' },
		{ "dataflow", required_argument, NULL, 'D' },
		{ "objective", required_argument, NULL, 'J' },
		{ "test-dir", required_argument, NULL, 'T' },
		{ "max-memory", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const dataflows[] = { "rs", "ws", "os", "is", "nlr" };
	struct run_args a = { .iterations = 1 };
	int c;

	while ((c = accelctl_getopt(argc, argv, "i:o:n:ch", opts)) != -1) {
		switch (c) {
		case 'i':
			if (a.n_in == MAX_IO)
				return accelctl_usage_error(ctx, "too many --input");
			a.in_spec[a.n_in++] = optarg;
			break;
		case 'o':
			a.output = optarg;
			break;
		case 'O':
			a.output_dir = optarg;
			break;
		case 'n':
			if (accelctl_parse_u64(optarg, 1, 1000000, &a.iterations))
				return accelctl_usage_error(ctx,
							    "--iterations takes a number from 1 to 1000000, not '%s'",
							    optarg);
			break;
		case 'W':
			if (accelctl_parse_u64(optarg, 0, 1000000, &a.warmup))
				return accelctl_usage_error(ctx,
							    "--warmup takes a number from 0 to 1000000, not '%s'",
							    optarg);
			break;
		case 'c':
			a.check = true;
			break;
		case 'C':
			a.cpu = true;
			break;
		case 'D': {
			int found = -1;

			for (int i = 0; i < 5; i++)
				if (!strcmp(optarg, dataflows[i]))
					found = i;
			if (found < 0)
				return accelctl_usage_error(ctx,
							    "unknown dataflow '%s' (rs, ws, os, is, nlr)",
							    optarg);
			a.dataflow = (enum accel_dataflow)found;
			break;
		}
		case 'J':
			if (accel_objective_parse(optarg, &a.objective))
				return accelctl_usage_error(ctx,
							    "unknown objective '%s' (energy, cycles, edp, dram)",
							    optarg);
			break;
		case 'T':
			a.test_dir = optarg;
			break;
		case 'M':
			if (accelctl_parse_u64(optarg, 1, UINT64_MAX >> 20, &a.max_memory))
				return accelctl_usage_error(ctx,
							    "--max-memory takes a number of MiB (at least 1), not '%s'",
							    optarg);
			a.max_memory <<= 20;
			break;
		case 'h':
			fputs(cmd_run_usage, stdout);
			return ACCELCTL_EXIT_OK;
		default:
			return accelctl_bad_option(ctx, argv);
		}
	}
	if (a.test_dir) {
		if (optind < argc || a.n_in || a.output || a.output_dir || a.check)
			return accelctl_usage_error(ctx,
						    "--test-dir takes no model, --input, --output or --check");
		return run_test_dir(ctx, &a);
	}
	if (optind != argc - 1)
		return accelctl_usage_error(ctx, optind >= argc ? "MODEL.onnx is required" :
					    "one model at a time");
	if (a.output && a.output_dir)
		return accelctl_usage_error(ctx, "--output and --output-dir are exclusive");
	a.model = argv[optind];
	return run_model(ctx, &a);
}
