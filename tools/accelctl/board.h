/* SPDX-License-Identifier: MIT */
/*
 * accelctl: the board behind a device (accel/board.h) -- driver and node,
 * PCI identity, PCIe link -- as text lines or a JSON object. Used by
 * `accelctl info` and `accelctl fw`.
 */
#ifndef ACCELCTL_BOARD_H
#define ACCELCTL_BOARD_H

#include "accel/board.h"
#include "accelctl.h"

/* Fills b; on failure a warning on stderr and b->sz == 0. */
void accelctl_board_read(struct accel_device *dev, struct accel_board_info *b);
/* "driver:", "PCI:" and "link:" lines (nothing for the emulated board). */
void accelctl_board_text(const struct accel_board_info *b);
/* A "board" member of the current JSON object. */
void accelctl_board_json(struct json *j, const struct accel_board_info *b);

#endif /* ACCELCTL_BOARD_H */
