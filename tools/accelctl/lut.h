/* SPDX-License-Identifier: MIT */
/*
 * NetAdapt look-up tables (docs/accelctl.md, "profile"): per conv/FC layer
 * of a model, what the device measured for a sweep of input and output
 * channel counts at the layer's geometry. `accelctl profile` writes them,
 * `accelctl adapt` reads them back, validates them against its model and
 * looks figures up (bilinear between measured points).
 *
 * File format (CSV, version 1):
 *   # eyrie-netadapt-lut version=1
 *   # model=NAME fingerprint=16HEX device=NAME clock_khz=K dataflow=rs layers=L entries=E
 *   layer_index,layer,op,n,c_full,m_full,h,w,r,s,...,c,m,groups,energy_dram_fj,...
 *   one row per measured point, rows of a layer together
 */
#ifndef ACCELCTL_LUT_H
#define ACCELCTL_LUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "accel/measure.h"

#define LUT_VERSION 1
#define LUT_MAGIC "eyrie-netadapt-lut"

/* One measured point: the layer with c input and m output channels. */
struct lut_entry {
	uint32_t c, m, groups;
	struct accel_layer_stats st;
};

struct lut_layer {
	int index;			/* among the model's conv/FC layers */
	char name[128];
	struct accel_layer_spec full;	/* the layer as the model has it */
	struct lut_entry *e;
	int n_e, cap_e;
};

struct lut {
	int version;
	char model[256];		/* the profiled model's file name */
	uint64_t fingerprint;		/* of the model's conv/FC shapes */
	char device[64];
	char dataflow[8];
	uint32_t clock_khz;		/* the device's clock (latency budgets) */
	struct lut_layer *l;
	int n_l, cap_l;
};

/* The figures a budget can be given in. */
enum lut_metric {
	LUT_ENERGY,			/* total energy, fJ */
	LUT_CYCLES,			/* latency in cycles */
	LUT_DRAM,			/* DRAM words */
	LUT_MACS,			/* multiply-accumulates: NetAdapt's proxy */
};

/* Fingerprint of a model's conv/FC layers (their full shapes, in order). */
uint64_t lut_fingerprint(const struct accel_layer_spec *specs, int n);

struct lut_layer *lut_add_layer(struct lut *t, int index, const char *name,
				const struct accel_layer_spec *full);
int lut_add_entry(struct lut_layer *l, uint32_t c, uint32_t m, uint32_t groups,
		  const struct accel_layer_stats *st);
void lut_free(struct lut *t);

/* Writes the CSV file format (above). 0 or -1 (errno). */
int lut_write_csv(const struct lut *t, FILE *f);
/*
 * Reads and validates a LUT file. Returns 0, or -1 with a message in err
 * naming the cause and the fix (bad version, truncated, malformed value,
 * NaN, a layer without its full-size point).
 */
int lut_read(const char *path, struct lut *t, char *err, size_t errlen);
/*
 * Checks that t was profiled for a model whose conv/FC layers are specs
 * (names[i] for messages): same fingerprint, every layer present.
 * Returns 0 or -1 with the message in err.
 */
int lut_match_model(const struct lut *t, const char *model,
		    const struct accel_layer_spec *specs, char (*names)[128], int n,
		    char *err, size_t errlen);
/* The LUT layer of the model's conv/FC layer index, or NULL. */
const struct lut_layer *lut_layer_of(const struct lut *t, int index);
/*
 * The figure of a layer with c inputs and m outputs: the measured point if
 * there is one, else bilinear between the measured points around it (and
 * linear beyond the smallest measured count). Returns the value in the
 * metric's unit.
 */
double lut_lookup(const struct lut_layer *l, uint32_t c, uint32_t m, enum lut_metric metric);
/* A layer's figure in one metric. */
double lut_stat(const struct accel_layer_stats *st, enum lut_metric metric);

#endif /* ACCELCTL_LUT_H */
