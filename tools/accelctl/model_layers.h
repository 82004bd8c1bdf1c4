/* SPDX-License-Identifier: MIT */
/*
 * The conv/FC layers of a model as layer specs (accel_model_layer_spec):
 * what `profile` measures and `adapt` looks up, in the model's order.
 */
#ifndef ACCELCTL_MODEL_LAYERS_H
#define ACCELCTL_MODEL_LAYERS_H

#include "accel/measure.h"
#include "accelctl.h"

struct model_layers {
	struct accel_layer_spec *specs;
	char (*names)[128];
	int n;
};

/*
 * Loads path (on dev; NULL: CPU only) and collects its conv/FC layers.
 * Returns 0 or an exit code after printing the error (3: the model does
 * not load or has no conv/FC layer).
 */
int model_layers_load(const struct accelctl *ctx, struct accel_device *dev,
		      const char *path, enum accel_dataflow dataflow,
		      struct model_layers *out);
void model_layers_free(struct model_layers *ml);
const char *model_layers_base_name(const char *path);

#endif /* ACCELCTL_MODEL_LAYERS_H */
