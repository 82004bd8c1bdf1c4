// SPDX-License-Identifier: MIT
/*
 * accelctl inspect: where each node of an ONNX model will run (device or
 * CPU) and why, its MACs, and the share of the model's MACs on the device,
 * from the compiled model before anything runs (docs/accelctl.md "inspect").
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/model.h"
#include "accelctl.h"

ACCELCTL_COMMAND(inspect);

const char cmd_inspect_usage[] =
	"Usage: accelctl inspect [--shape [NAME=]DIMS]... MODEL.onnx\n"
	"\n"
	"Compiles the model for the device (nothing runs) and prints, per ONNX node:\n"
	"where it will run (device, cpu, or none for a view that moves no data) and\n"
	"why, the device layer it belongs to, and its multiply-accumulates; then\n"
	"the model's MACs and the share of them on the device. The placement\n"
	"depends on the device's capabilities (-d).\n"
	"\n"
	"A model with symbolic input dimensions (a dynamic batch, say) is compiled\n"
	"for one shape of each input, as a run with it would be: the dimensions\n"
	"--shape gives, and 1 for every other symbolic one (the line 'shapes:'\n"
	"says which were taken).\n"
	"\n"
	"  --shape [NAME=]DIMS      input NAME's shape, as 1x3x224x224 (NAME may be\n"
	"                           left out for a one-input model); repeatable\n"
	"  -h, --help               this help\n"
	"\n"
	"Exit: 0 ok, 2 usage, 3 device or model error (the message names the node).\n";

static const char *on_name(enum accel_layer_target on)
{
	return on == ACCEL_ON_DEVICE ? "device" : on == ACCEL_ON_CPU ? "cpu" : "none";
}

struct totals {
	uint64_t macs, device_macs;
	int nodes[3];			/* per enum accel_layer_target */
};

static double share(const struct totals *t)
{
	return t->macs ? 100.0 * (double)t->device_macs / (double)t->macs : 0.0;
}

static void node_json(struct json *j, int i, const struct accel_node_info *ni)
{
	json_object_begin(j, NULL);
	json_i64(j, "index", i);
	json_string(j, "name", ni->name);
	json_string(j, "op", ni->op);
	json_string(j, "domain", ni->domain);
	json_string(j, "on", on_name(ni->on));
	json_bool(j, "fused", ni->fused);
	if (ni->layer >= 0)
		json_i64(j, "layer", ni->layer);
	else
		json_null(j, "layer");
	json_string(j, "reason", ni->reason);
	json_u64(j, "macs", ni->macs);
	json_object_end(j);
}

static void node_text(int i, const struct accel_node_info *ni)
{
	char op[160];

	snprintf(op, sizeof(op), "%s%s%s", ni->domain[0] ? ni->domain : "",
		 ni->domain[0] ? ":" : "", ni->op);
	printf("%4d  %-28.28s %-24.24s %-6s %14llu  %s\n", i, ni->name, op, on_name(ni->on),
	       (unsigned long long)ni->macs, ni->reason);
}

#define INSPECT_MAX_INPUTS 64
#define INSPECT_MAX_RANK 8	/* libaccel's rank limit: no input has more */

/* --shape options as given: NAME (or NULL) and the dims text. */
struct shape_opts {
	int n;
	const char *arg[INSPECT_MAX_INPUTS];
};

/* "1x3x224x224" -> dims; the count, or -1 when it is not such a list. */
static int parse_dims(const char *text, int64_t *dims)
{
	int rank = 0;

	while (*text) {
		char *end;
		long long v;

		if (rank == INSPECT_MAX_RANK || *text < '0' || *text > '9')
			return -1;
		v = strtoll(text, &end, 10);
		if (v <= 0 || v > (1ll << 31) || (*end && *end != 'x'))
			return -1;
		dims[rank++] = v;
		text = *end ? end + 1 : end;
		if (*end && !*text)
			return -1;
	}
	return rank ? rank : -1;
}

/*
 * Every input's shape for accel_model_prepare(): the model's static dims,
 * --shape's, and 1 for the symbolic dims left. Prints which were taken.
 * Returns 1 when the model has no symbolic dim and no --shape was given.
 */
static int choose_shapes(const struct accelctl *ctx, struct accel_model *m,
			 const struct shape_opts *so, int64_t (*dims)[INSPECT_MAX_RANK],
			 char *note, size_t note_len)
{
	int n = accel_model_input_count(m), dynamic = 0, ranks[INSPECT_MAX_INPUTS];
	size_t o = 0;

	if (n > INSPECT_MAX_INPUTS)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "the model has %d inputs (at most %d)",
				     n, INSPECT_MAX_INPUTS);
	note[0] = 0;
	for (int i = 0; i < n; i++) {
		int dtype, rank;

		if (accel_model_input_type(m, i, &dtype, &rank, dims[i]) || rank > INSPECT_MAX_RANK)
			return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "input %d: rank %d not supported here",
					     i, rank);
		ranks[i] = rank;
		for (int d = 0; d < rank; d++)
			dynamic |= dims[i][d] < 0;
	}
	for (int k = 0; k < so->n; k++) {
		const char *eq = strchr(so->arg[k], '='), *text = eq ? eq + 1 : so->arg[k];
		int64_t given[INSPECT_MAX_RANK];
		int i = -1, dtype, rank, grank;

		if (eq) {
			for (int c = 0; c < n; c++)
				if (strlen(accel_model_input_name(m, c)) == (size_t)(eq - so->arg[k]) &&
				    !strncmp(accel_model_input_name(m, c), so->arg[k], (size_t)(eq - so->arg[k])))
					i = c;
			if (i < 0)
				return accelctl_usage_error(ctx, "--shape %s: the model has no input '%.*s'",
							    so->arg[k], (int)(eq - so->arg[k]), so->arg[k]);
		} else if (n == 1) {
			i = 0;
		} else {
			return accelctl_usage_error(ctx, "--shape %s: the model has %d inputs; write NAME=DIMS",
						    so->arg[k], n);
		}
		grank = parse_dims(text, given);
		if (grank < 0)
			return accelctl_usage_error(ctx, "--shape %s: DIMS must be positive sizes joined by 'x', as 1x3x224x224",
						    so->arg[k]);
		accel_model_input_type(m, i, &dtype, &rank, dims[i]);
		if (grank != rank)
			return accelctl_usage_error(ctx, "--shape %s: input '%s' has %d dimensions, not %d",
						    so->arg[k], accel_model_input_name(m, i), rank, grank);
		for (int d = 0; d < rank; d++)
			if (dims[i][d] >= 0 && dims[i][d] != given[d])
				return accelctl_usage_error(ctx, "--shape %s: dimension %d of input '%s' is %lld in the model",
							    so->arg[k], d, accel_model_input_name(m, i),
							    (long long)dims[i][d]);
		memcpy(dims[i], given, sizeof(given[0]) * (size_t)rank);
	}
	if (!dynamic && !so->n)
		return 1;
	for (int i = 0; i < n; i++) {
		o += (size_t)snprintf(note + o, o < note_len ? note_len - o : 0, "%s%s ",
				      i ? ", " : "", accel_model_input_name(m, i));
		for (int d = 0; d < ranks[i]; d++) {
			int taken = dims[i][d] < 0;

			if (taken)
				dims[i][d] = 1;
			o += (size_t)snprintf(note + o, o < note_len ? note_len - o : 0, "%s%lld%s",
					      d ? "x" : "", (long long)dims[i][d],
					      taken ? "*" : "");
		}
	}
	return 0;
}

static int inspect(const struct accelctl *ctx, const char *path, const struct shape_opts *so)
{
	int64_t dims[INSPECT_MAX_INPUTS][INSPECT_MAX_RANK];
	const int64_t *dims_of[INSPECT_MAX_INPUTS];
	char shapes[1024];
	int fixed;
	struct accel_model_opts o = { .sz = sizeof(o) };
	struct accel_device *dev = NULL;
	struct accel_model *m = NULL;
	struct accel_run_stats st = { .sz = sizeof(st) };
	struct totals t = { 0 };
	struct json j;
	int rc, n;

	if ((rc = accelctl_open_device(ctx, &dev)))
		return rc;
	accelctl_progress(ctx, "compiling %s", path);
	if (accel_model_load(dev, path, &o, &m)) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
		accel_device_close(dev);
		return rc;
	}
	fixed = choose_shapes(ctx, m, so, dims, shapes, sizeof(shapes));
	if (fixed < 0 || fixed > 1) {
		rc = fixed;
		accel_model_free(m);
		accel_device_close(dev);
		return rc;
	}
	if (!fixed) {
		for (int i = 0; i < accel_model_input_count(m); i++)
			dims_of[i] = dims[i];
		if (accel_model_prepare(m, dims_of, accel_model_input_count(m))) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
			goto out;
		}
	}
	n = accel_model_node_count(m);
	if (ctx->json) {
		json_init(&j, stdout, true);
		json_object_begin(&j, NULL);
		json_string(&j, "model", path);
		if (!fixed)
			json_string(&j, "shapes", shapes);
		json_array_begin(&j, "nodes");
	} else {
		printf("%s: %d nodes\n", path, n);
		if (!fixed)
			printf("shapes: %s (* a symbolic dimension taken as 1; --shape chooses)\n", shapes);
		printf("%4s  %-28s %-24s %-6s %14s  %s\n", "#", "node", "op", "on", "macs", "why");
	}
	for (int i = 0; i < n; i++) {
		struct accel_node_info ni = { .sz = sizeof(ni) };

		if (accel_model_node_info(m, i, &ni)) {
			rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
			goto out;
		}
		t.macs += ni.macs;
		if (ni.on == ACCEL_ON_DEVICE)
			t.device_macs += ni.macs;
		if ((unsigned int)ni.on < 3)
			t.nodes[ni.on]++;
		if (ctx->json)
			node_json(&j, i, &ni);
		else
			node_text(i, &ni);
	}
	accel_model_run_stats(m, &st);
	if (ctx->json) {
		json_array_end(&j);
		json_object_begin(&j, "macs");
		json_u64(&j, "total", t.macs);
		json_u64(&j, "device", t.device_macs);
		json_u64(&j, "cpu", t.macs - t.device_macs);
		json_double(&j, "device_share", t.macs ? (double)t.device_macs / (double)t.macs : 0.0);
		json_object_end(&j);
		json_object_begin(&j, "nodes_on");
		json_i64(&j, "device", t.nodes[ACCEL_ON_DEVICE]);
		json_i64(&j, "cpu", t.nodes[ACCEL_ON_CPU]);
		json_i64(&j, "none", t.nodes[ACCEL_ON_NONE]);
		json_object_end(&j);
		json_object_begin(&j, "concat_in_place");
		json_u64(&j, "count", st.concats_in_place);
		json_u64(&j, "bytes", st.concat_bytes_in_place);
		json_object_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("MACs: %llu, on the device %llu (%.1f %%), on the CPU %llu\n",
		       (unsigned long long)t.macs, (unsigned long long)t.device_macs, share(&t),
		       (unsigned long long)(t.macs - t.device_macs));
		printf("nodes: %d on the device, %d on the CPU, %d moving no data\n",
		       t.nodes[ACCEL_ON_DEVICE], t.nodes[ACCEL_ON_CPU], t.nodes[ACCEL_ON_NONE]);
		printf("concats in place: %u (%llu bytes written by their producers, no copy)\n",
		       st.concats_in_place, (unsigned long long)st.concat_bytes_in_place);
	}
	rc = ACCELCTL_EXIT_OK;
out:
	accel_model_free(m);
	accel_device_close(dev);
	return rc;
}

int cmd_inspect(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "shape", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct shape_opts so = { 0 };
	int c;

	while ((c = accelctl_getopt(argc, argv, "", opts)) != -1) {
		if (c != 's')
			return accelctl_bad_option(ctx, argv);
		if (so.n == INSPECT_MAX_INPUTS)
			return accelctl_usage_error(ctx, "at most %d --shape options", INSPECT_MAX_INPUTS);
		so.arg[so.n++] = optarg;
	}
	if (optind >= argc)
		return accelctl_usage_error(ctx, "MODEL.onnx is required");
	if (optind != argc - 1)
		return accelctl_usage_error(ctx, "one model at a time ('%s' is extra)", argv[optind + 1]);
	return inspect(ctx, argv[optind], &so);
}
