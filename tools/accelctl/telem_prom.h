/* SPDX-License-Identifier: MIT */
/*
 * Prometheus text exposition (format 0.0.4) of telemetry samples, for
 * accelctl exporter. Pure formatting: no I/O but the FILE it writes to.
 */
#ifndef ACCELCTL_TELEM_PROM_H
#define ACCELCTL_TELEM_PROM_H

#include <stddef.h>
#include <stdio.h>

#include "accel/telemetry.h"

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One device's latest sample. */
struct prom_device {
	const char *name;
	struct accel_telemetry_sample sample;
};

/*
 * Writes every metric family (with # HELP and # TYPE) for the devices.
 * Returns 0, or -1 if writing failed.
 */
int prom_render(FILE *f, const struct prom_device *devs, size_t count);

/* Writes value as a label value: quoted, with \\, \" and \n escaped. */
void prom_label_value(FILE *f, const char *value);

#endif /* ACCELCTL_TELEM_PROM_H */
