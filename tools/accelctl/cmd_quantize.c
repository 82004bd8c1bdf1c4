// SPDX-License-Identifier: MIT
/*
 * accelctl quantize: post-training quantization of a float ONNX model
 * (libaccel's accel_quantize(), accel/quantize.h); this file parses the
 * command line, shows progress and prints the report.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accel/quantize.h"
#include "accelctl.h"

ACCELCTL_COMMAND(quantize);

const char cmd_quantize_usage[] =
	"Usage: accelctl quantize MODEL.onnx -o OUT.onnx --calib DIR\n"
	"        [--method minmax|percentile|entropy] [--percentile P]\n"
	"        [--per-channel | --per-tensor] [--format qdq|qoperator]\n"
	"        [--exclude NODE[,NODE...]]... [--eval DIR] [--report FILE.json]\n"
	"        [--max-memory MIB] [--json]\n"
	"\n"
	"Quantizes a float model to int8 (QDQ or QOperator) for the device: runs it\n"
	"on the CPU over the calibration samples, picks a scale and zero point per\n"
	"activation, quantizes weights (int8, symmetric) and biases (int32), and\n"
	"writes OUT.onnx (atomically: on any error OUT.onnx is left as it was).\n"
	"BatchNormalization is folded into the convs first.\n"
	"\n"
	"  -o, --output OUT.onnx    the quantized model\n"
	"  -c, --calib DIR          calibration samples: one subfolder per sample with\n"
	"                           NAME.pb per model input, or *.pb files directly in\n"
	"                           DIR for a single-input model (ONNX TensorProto)\n"
	"  -m, --method M           minmax (default), percentile, entropy (TensorRT's\n"
	"                           KL-divergence calibration)\n"
	"      --percentile P       for --method percentile (default 99.999)\n"
	"      --per-channel        one weight scale per output channel (default)\n"
	"      --per-tensor         one weight scale per weight tensor\n"
	"      --format F           qdq (default): QuantizeLinear/DequantizeLinear\n"
	"                           around float ops; qoperator: ONNX Runtime's\n"
	"                           QOperator ops (QLinearConv, QGemm, QLinearAdd, ...)\n"
	"      --exclude NODES      keep these nodes float (names, comma-separated;\n"
	"                           repeatable)\n"
	"      --eval DIR           held-apart samples for the report's figures (same\n"
	"                           layout; default: the calibration samples)\n"
	"      --report FILE.json   write the report (the --json document) to FILE\n"
	"      --max-memory MIB     memory each model load, and each float run over a\n"
	"                           sample, may allocate for tensors (default 4096 MiB);\n"
	"                           a model needing more is refused before allocating\n"
	"\n"
	"Prints per quantized tensor its range, scale, zero point and the SQNR of the\n"
	"quantized against the float activations, then the outputs' SQNR and, for a\n"
	"classifier, the top-1 agreement with the float model.\n"
	"Exit status: 0 ok, 2 usage error or calibration samples that do not match\n"
	"the model (name, type, shape) or an empty folder, 3 model error (also NaN or\n"
	"Inf activations).\n";

#define MAX_EXCLUDE 256

struct qargs {
	const char *model, *out, *calib, *eval, *report;
	struct accel_quantize_opts o;
	char *exclude_buf[MAX_EXCLUDE];
	const char *exclude[MAX_EXCLUDE + 1];
	int n_exclude;
};

struct progress_state {
	const struct accelctl *ctx;
	int tty;
	int open;		/* a bar is drawn on the current line */
	char stage[64];
};

static void on_progress(void *p, const char *stage, int done, int total)
{
	struct progress_state *ps = p;

	if (ps->tty) {
		int width = 30, fill = total ? done * width / total : width;

		fprintf(stderr, "\r%-26s [%.*s%*s] %d/%d", stage, fill,
			"##############################", width - fill, "", done, total);
		ps->open = done != total;
		if (!ps->open)
			fputc('\n', stderr);
		fflush(stderr);
	} else if (ps->ctx->progress && strcmp(ps->stage, stage)) {
		snprintf(ps->stage, sizeof(ps->stage), "%s", stage);
		accelctl_progress(ps->ctx, "%s (%d samples)", stage, total);
	}
}

static const char *method_name(enum accel_calib_method m)
{
	return m == ACCEL_CALIB_PERCENTILE ? "percentile" :
	       m == ACCEL_CALIB_ENTROPY ? "entropy" : "minmax";
}

static void write_json(FILE *f, const struct qargs *a, const struct accel_quant_report *r)
{
	struct accel_quant_summary s = { .sz = sizeof(s) };
	struct json j;

	accel_quant_report_summary(r, &s);
	json_init(&j, f, true);
	json_object_begin(&j, NULL);
	json_string(&j, "model", a->model);
	json_string(&j, "output", a->out);
	json_string(&j, "format", a->o.format == ACCEL_QUANT_QOPERATOR ? "qoperator" : "qdq");
	json_string(&j, "method", method_name(s.method));
	if (s.method == ACCEL_CALIB_PERCENTILE)
		json_double(&j, "percentile", s.percentile);
	json_bool(&j, "per_channel", s.per_channel);
	json_u64(&j, "calib_samples", s.calib_samples);
	json_u64(&j, "eval_samples", s.eval_samples);
	json_bool(&j, "eval_held_apart", s.eval_held_apart);
	json_u64(&j, "nodes", s.nodes);
	json_u64(&j, "quantized_nodes", s.quantized_nodes);
	json_u64(&j, "batchnorm_folded", s.batchnorm_folded);
	json_u64(&j, "opset_in", s.opset_in);
	json_u64(&j, "opset_out", s.opset_out);
	json_double(&j, "output_sqnr_db", s.output_sqnr_db);
	json_bool(&j, "classifier", s.classifier);
	if (s.classifier) {
		json_double(&j, "top1_agreement", s.top1_agreement);
		json_u64(&j, "top1_rows", s.top1_rows);
	} else {
		json_null(&j, "top1_agreement");
	}
	json_array_begin(&j, "tensors");
	for (int i = 0; i < accel_quant_report_tensor_count(r); i++) {
		struct accel_quant_tensor_info t = { .sz = sizeof(t) };

		accel_quant_report_tensor(r, i, &t);
		json_object_begin(&j, NULL);
		json_string(&j, "tensor", t.tensor);
		json_string(&j, "node", t.node);
		json_string(&j, "op", t.op);
		json_double(&j, "min", t.min);
		json_double(&j, "max", t.max);
		json_array_begin(&j, "range");
		json_double(&j, NULL, t.range_lo);
		json_double(&j, NULL, t.range_hi);
		json_array_end(&j);
		json_double(&j, "scale", t.scale);
		json_i64(&j, "zero_point", t.zero_point);
		json_double(&j, "sqnr_db", t.sqnr_db);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
}

static void print_text(const struct qargs *a, const struct accel_quant_report *r)
{
	struct accel_quant_summary s = { .sz = sizeof(s) };
	int n = accel_quant_report_tensor_count(r), wt = 6, wo = 2;

	accel_quant_report_summary(r, &s);
	for (int i = 0; i < n; i++) {
		struct accel_quant_tensor_info t = { .sz = sizeof(t) };

		accel_quant_report_tensor(r, i, &t);
		if ((int)strlen(t.tensor) > wt)
			wt = (int)strlen(t.tensor);
		if ((int)strlen(t.op) > wo)
			wo = (int)strlen(t.op);
	}
	printf("%s -> %s: %u of %u nodes quantized (%s, int8), %u BatchNormalization folded, weights %s\n",
	       a->model, a->out, s.quantized_nodes, s.nodes,
	       a->o.format == ACCEL_QUANT_QOPERATOR ? "QOperator" : "QDQ", s.batchnorm_folded,
	       s.per_channel ? "per channel" : "per tensor");
	if (s.opset_in != s.opset_out)
		printf("opset: the model's %u rewritten at %u (QuantizeLinear needs 10, per-channel DequantizeLinear 13); its float outputs are unchanged\n",
		       s.opset_in, s.opset_out);
	printf("calibration: %s", method_name(s.method));
	if (s.method == ACCEL_CALIB_PERCENTILE)
		printf(" %g", s.percentile);
	printf(" over %u sample(s); figures over %u %s sample(s)\n", s.calib_samples,
	       s.eval_samples, s.eval_held_apart ? "held-apart" : "calibration");
	printf("%-*s  %-*s  %12s %12s  %12s %12s  %11s %4s  %8s\n", wt, "TENSOR", wo, "OP",
	       "MIN", "MAX", "RANGE_LO", "RANGE_HI", "SCALE", "ZP", "SQNR_DB");
	for (int i = 0; i < n; i++) {
		struct accel_quant_tensor_info t = { .sz = sizeof(t) };

		accel_quant_report_tensor(r, i, &t);
		printf("%-*s  %-*s  %12.5g %12.5g  %12.5g %12.5g  %11.5g %4d  %8.2f\n", wt, t.tensor,
		       wo, t.op, t.min, t.max, t.range_lo, t.range_hi, (double)t.scale,
		       t.zero_point, t.sqnr_db);
	}
	printf("output SQNR: %.2f dB\n", s.output_sqnr_db);
	if (s.classifier)
		printf("top-1 agreement with the float model: %.2f %% (%u rows)\n",
		       100.0 * s.top1_agreement, s.top1_rows);
}

/* The report file, replaced atomically as the model is. */
static int write_report(const struct accelctl *ctx, const struct qargs *a,
			const struct accel_quant_report *r)
{
	char *tmp;
	FILE *f = accelctl_out_open(a->report, "w", &tmp);

	if (!f)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "cannot write the report '%s': %s",
				     a->report, strerror(errno));
	write_json(f, a, r);
	if (accelctl_out_close(f, a->report, tmp))
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "cannot write the report '%s': %s",
				     a->report, strerror(errno));
	return 0;
}

static int add_excludes(const struct accelctl *ctx, struct qargs *a, const char *list)
{
	char *copy = strdup(list), *save = NULL;

	if (!copy)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "out of memory");
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (a->n_exclude == MAX_EXCLUDE) {
			free(copy);
			return accelctl_usage_error(ctx, "more than %d --exclude nodes", MAX_EXCLUDE);
		}
		a->exclude_buf[a->n_exclude] = strdup(tok);
		a->exclude[a->n_exclude] = a->exclude_buf[a->n_exclude];
		a->n_exclude++;
	}
	free(copy);
	return 0;
}

static int parse(const struct accelctl *ctx, int argc, char **argv, struct qargs *a)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "calib", required_argument, NULL, 'c' },
		{ "method", required_argument, NULL, 'm' },
		{ "percentile", required_argument, NULL, 'P' },
		{ "per-channel", no_argument, NULL, 'C' },
		{ "per-tensor", no_argument, NULL, 'T' },
		{ "format", required_argument, NULL, 'F' },
		{ "exclude", required_argument, NULL, 'x' },
		{ "eval", required_argument, NULL, 'e' },
		{ "report", required_argument, NULL, 'r' },
		{ "max-memory", required_argument, NULL, 'M' },
		{ 0 },
	};
	int c, rc;

	while ((c = accelctl_getopt(argc, argv, "o:c:m:", opts)) != -1) {
		switch (c) {
		case 'o': a->out = optarg; break;
		case 'c': a->calib = optarg; break;
		case 'e': a->eval = optarg; break;
		case 'r': a->report = optarg; break;
		case 'm':
			if (!strcmp(optarg, "minmax"))
				a->o.method = ACCEL_CALIB_MINMAX;
			else if (!strcmp(optarg, "percentile"))
				a->o.method = ACCEL_CALIB_PERCENTILE;
			else if (!strcmp(optarg, "entropy"))
				a->o.method = ACCEL_CALIB_ENTROPY;
			else
				return accelctl_usage_error(ctx, "unknown --method '%s' (minmax, percentile, entropy)",
							    optarg);
			break;
		case 'P': {
			char *end;

			a->o.percentile = strtod(optarg, &end);
			if (*end || !(a->o.percentile > 50 && a->o.percentile <= 100))
				return accelctl_usage_error(ctx, "--percentile takes a number in (50, 100], not '%s'",
							    optarg);
			break;
		}
		case 'C': a->o.per_tensor_weights = false; break;
		case 'T': a->o.per_tensor_weights = true; break;
		case 'F':
			if (!strcmp(optarg, "qdq"))
				a->o.format = ACCEL_QUANT_QDQ;
			else if (!strcmp(optarg, "qoperator"))
				a->o.format = ACCEL_QUANT_QOPERATOR;
			else
				return accelctl_usage_error(ctx, "unknown --format '%s' (qdq, qoperator)",
							    optarg);
			break;
		case 'x':
			if ((rc = add_excludes(ctx, a, optarg)))
				return rc;
			break;
		case 'M':
			if (accelctl_parse_u64(optarg, 1, UINT64_MAX >> 20, &a->o.max_memory))
				return accelctl_usage_error(ctx,
							    "--max-memory takes a number of MiB (at least 1), not '%s'",
							    optarg);
			a->o.max_memory <<= 20;
			break;
		default:
			return accelctl_bad_option(ctx, argv);
		}
	}
	if (optind >= argc)
		return accelctl_usage_error(ctx, "a model (MODEL.onnx) is required");
	if (optind + 1 < argc)
		return accelctl_usage_error(ctx, "unexpected argument '%s'", argv[optind + 1]);
	a->model = argv[optind];
	if (!a->out)
		return accelctl_usage_error(ctx, "-o OUT.onnx is required");
	if (!a->calib)
		return accelctl_usage_error(ctx, "--calib DIR is required");
	return 0;
}

static int is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

int cmd_quantize(struct accelctl *ctx, int argc, char **argv)
{
	struct qargs a = { .o = { .sz = sizeof(a.o) } };
	struct progress_state ps = { .ctx = ctx, .tty = isatty(STDERR_FILENO) };
	struct accel_quant_report *r = NULL;
	int rc;

	rc = parse(ctx, argc, argv, &a);
	if (rc)
		goto out;
	/* bad calibration data is a bad argument (2); a bad model is 3 */
	if (!is_dir(a.calib)) {
		rc = accelctl_usage_error(ctx, "--calib '%s' is not a folder", a.calib);
		goto out;
	}
	if (a.eval && !is_dir(a.eval)) {
		rc = accelctl_usage_error(ctx, "--eval '%s' is not a folder", a.eval);
		goto out;
	}
	a.o.exclude = a.n_exclude ? a.exclude : NULL;
	a.o.eval_dir = a.eval;
	a.o.progress = on_progress;
	a.o.progress_ctx = &ps;
	rc = accel_quantize(a.model, a.out, a.calib, &a.o, &r);
	if (ps.open)
		fputc('\n', stderr);
	if (rc == -ENODATA || rc == -EILSEQ || rc == -ESRCH) {
		rc = accelctl_usage_error(ctx, "%s", accel_last_error());
		goto out;
	}
	if (rc) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
		goto out;
	}
	if (a.report && (rc = write_report(ctx, &a, r)))
		goto out;
	if (ctx->json)
		write_json(stdout, &a, r);
	else
		print_text(&a, r);
out:
	accel_quant_report_free(r);
	for (int i = 0; i < a.n_exclude; i++)
		free(a.exclude_buf[i]);
	return rc;
}
