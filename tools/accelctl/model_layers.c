// SPDX-License-Identifier: MIT
/* The conv/FC layers of a model as layer specs (model_layers.h). */
#include <stdlib.h>
#include <string.h>

#include "model_layers.h"

static void compile_progress(void *arg, const char *layer, int done, int total)
{
	accelctl_progress(arg, "planning layer %d/%d: %s", done + 1, total, layer);
}

int model_layers_load(const struct accelctl *ctx, struct accel_device *dev,
		      const char *path, enum accel_dataflow dataflow,
		      struct model_layers *out)
{
	struct accel_model_opts mo = { .sz = sizeof(mo), .cpu_only = !dev, .dataflow = dataflow,
				       .progress = ctx->progress ? compile_progress : NULL,
				       .progress_ctx = (void *)ctx };
	struct accel_model *m = NULL;
	int count;

	memset(out, 0, sizeof(*out));
	accelctl_progress(ctx, "loading %s", path);
	if (accel_model_load(dev, path, &mo, &m))
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
	count = accel_model_layer_count(m);
	out->specs = calloc(count > 0 ? (size_t)count : 1, sizeof(*out->specs));
	out->names = calloc(count > 0 ? (size_t)count : 1, sizeof(*out->names));
	if (!out->specs || !out->names) {
		accel_model_free(m);
		model_layers_free(out);
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "out of memory");
	}
	for (int i = 0; i < count; i++) {
		struct accel_layer_info li = { .sz = sizeof(li) };

		if (accel_model_layer_spec(m, i, &out->specs[out->n]) ||
		    accel_model_layer_info(m, i, &li))
			continue;
		snprintf(out->names[out->n], sizeof(out->names[0]), "%s", li.name);
		out->n++;
	}
	accel_model_free(m);
	if (!out->n) {
		model_layers_free(out);
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s has no conv or FC layer", path);
	}
	return 0;
}

void model_layers_free(struct model_layers *ml)
{
	free(ml->specs);
	free(ml->names);
	memset(ml, 0, sizeof(*ml));
}

const char *model_layers_base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}
