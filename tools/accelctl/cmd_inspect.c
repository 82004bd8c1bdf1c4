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
	"Usage: accelctl inspect MODEL.onnx\n"
	"\n"
	"Compiles the model for the device (nothing runs) and prints, per ONNX node:\n"
	"where it will run (device, cpu, or none for a view that moves no data) and\n"
	"why, the device layer it belongs to, and its multiply-accumulates; then\n"
	"the model's MACs and the share of them on the device. The placement\n"
	"depends on the device's capabilities (-d).\n"
	"\n"
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

static int inspect(const struct accelctl *ctx, const char *path)
{
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
	n = accel_model_node_count(m);
	if (ctx->json) {
		json_init(&j, stdout, true);
		json_object_begin(&j, NULL);
		json_string(&j, "model", path);
		json_array_begin(&j, "nodes");
	} else {
		printf("%s: %d nodes\n", path, n);
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
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = accelctl_getopt(argc, argv, "", opts)) != -1)
		return accelctl_bad_option(ctx, argv);
	if (optind >= argc)
		return accelctl_usage_error(ctx, "MODEL.onnx is required");
	if (optind != argc - 1)
		return accelctl_usage_error(ctx, "one model at a time ('%s' is extra)", argv[optind + 1]);
	return inspect(ctx, argv[optind]);
}
