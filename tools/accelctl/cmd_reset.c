// SPDX-License-Identifier: MIT
/*
 * accelctl reset: a full device reset. On a board behind the kernel driver
 * it is the driver's debugfs reset file (root: it aborts every process's
 * jobs); on emu it reboots this process's in-process board.
 */
#include <getopt.h>

#include "accelctl.h"

ACCELCTL_COMMAND(reset);

const char cmd_reset_usage[] =
	"Usage: accelctl [-d DEVICE] reset [--json]\n"
	"\n"
	"Resets the device: jobs in flight end ABORTED (every process's, on a\n"
	"board behind the kernel driver), the firmware restarts, buffers stay\n"
	"valid. Needs root (CAP_SYS_ADMIN, debugfs mounted) on /dev/accel\n"
	"nodes. On emu it\n"
	"reboots the in-process board of this command only (a self-test).\n"
	"Exit status 3 if the reset failed (the message says why).\n";

int cmd_reset(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option longopts[] = { { 0 } };
	struct accel_device_info before = { .sz = sizeof(before) };
	struct accel_device *dev;
	int rc;

	while (accelctl_getopt(argc, argv, "", longopts) != -1)
		return accelctl_bad_option(ctx, argv);
	rc = accelctl_open_device_no_operands(ctx, argc, argv, &dev);
	if (rc)
		return rc;
	accelctl_progress(ctx, "resetting %s", accel_device_name(dev));
	if (accel_device_reset(dev)) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "reset of %s failed: %s",
				   accel_device_name(dev), accel_last_error());
		accel_device_close(dev);
		return rc;
	}
	/* The board answers again: its description is readable. */
	if (accel_device_info(dev, &before)) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s did not come back after the reset: %s",
				   accel_device_name(dev), accel_last_error());
		accel_device_close(dev);
		return rc;
	}
	if (ctx->json) {
		struct json j;

		json_init(&j, stdout, true);
		json_object_begin(&j, NULL);
		json_string(&j, "device", accel_device_name(dev));
		json_string(&j, "shim", accel_device_shim(dev));
		json_bool(&j, "reset", true);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("%s: reset done (%s shim)\n", accel_device_name(dev),
		       accel_device_shim(dev));
	}
	accel_device_close(dev);
	return ACCELCTL_EXIT_OK;
}
