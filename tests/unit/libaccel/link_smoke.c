// SPDX-License-Identifier: MIT
/*
 * A program that uses libaccel the way an outside user does: only the
 * installed header, flags from libaccel.pc. Opens the emulated board, runs
 * one job, prints the library version. Built by test_link.sh.
 */
#include <stdio.h>

#include <accel/libaccel.h>

int main(void)
{
	struct accel_job_result r = ACCEL_OPTS_INIT(accel_job_result);
	struct accel_device *dev;
	struct accel_cmdbuf *cb;
	int err;

	if (accel_device_open("emu", NULL, &dev)) {
		fprintf(stderr, "open: %s\n", accel_last_error());
		return 1;
	}
	cb = accel_cmdbuf_new();
	accel_cmdbuf_nop(cb);
	err = accel_job_run(dev, cb, NULL, 10000, &r);
	accel_cmdbuf_free(cb);
	accel_device_close(dev);
	if (err) {
		fprintf(stderr, "job: %s\n", accel_last_error());
		return 1;
	}
	printf("libaccel %s job %s\n", accel_version_string(),
	       accel_job_status_str(r.status));
	return 0;
}
