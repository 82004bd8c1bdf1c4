/* SPDX-License-Identifier: MIT */
/*
 * Editing a float ONNX model in memory (protobuf-c bindings generated from
 * Debian's onnx.proto): what `accelctl adapt` needs to prune channels and
 * rewrite weights. Loading and running stay libaccel's (accel/model.h);
 * this only reads and rewrites the file's messages.
 */
#ifndef ACCELCTL_ONNX_EDIT_H
#define ACCELCTL_ONNX_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "onnx/onnx.pb-c.h"

#define OX_MAX_RANK 8

/* A float initializer, copied out (data owned: free with ox_tensor_free). */
struct ox_tensor {
	int rank;
	int64_t dims[OX_MAX_RANK];
	size_t count;
	float *data;
};

/* Reads path; NULL with a message in err on failure. */
Onnx__ModelProto *ox_load(const char *path, char *err, size_t errlen);
/* Writes m to path (through path.tmp, renamed): 0 or -1 (errno). */
int ox_save(const Onnx__ModelProto *m, const char *path);
/* A deep copy (packed and unpacked again); NULL on failure. */
Onnx__ModelProto *ox_clone(const Onnx__ModelProto *m);
void ox_free(Onnx__ModelProto *m);

/* libaccel's name of node i: its name, else its first output, else "#i". */
const char *ox_node_name(const Onnx__GraphProto *g, size_t i, char *buf, size_t len);
/* Index of the node called name (ox_node_name), or -1. */
int ox_find_node(const Onnx__GraphProto *g, const char *name);
/* Index of the node producing tensor name, or -1. */
int ox_producer(const Onnx__GraphProto *g, const char *name);
/* The initializer called name, or NULL. */
Onnx__TensorProto *ox_initializer(const Onnx__GraphProto *g, const char *name);
/* Whether name is a graph output. */
int ox_is_output(const Onnx__GraphProto *g, const char *name);

/* Integer attribute of a node, or dflt. */
int64_t ox_attr_int(const Onnx__NodeProto *n, const char *name, int64_t dflt);
/* Float attribute of a node, or dflt. */
float ox_attr_float(const Onnx__NodeProto *n, const char *name, float dflt);
/* Sets (or adds) an integer attribute. 0 or -1. */
int ox_set_attr_int(Onnx__NodeProto *n, const char *name, int64_t v);
/* Integer list attribute into v (up to max); returns its length, -1 if absent. */
int ox_attr_ints(const Onnx__NodeProto *n, const char *name, int64_t *v, int max);

/* A float initializer's values (float_data or raw_data). 0 or -1. */
int ox_get_float(const Onnx__TensorProto *t, struct ox_tensor *out);
/* Replaces an initializer's dims and values (raw_data, float). 0 or -1. */
int ox_set_float(Onnx__TensorProto *t, int rank, const int64_t *dims, const float *data);
void ox_tensor_free(struct ox_tensor *t);

/* Appends graph outputs (name only) for tensors; 0 or -1. */
int ox_add_outputs(Onnx__ModelProto *m, const char *const *names, int n);
/* Drops value_info (shapes of inner tensors go stale when channels change). */
void ox_clear_value_info(Onnx__ModelProto *m);

#endif /* ACCELCTL_ONNX_EDIT_H */
