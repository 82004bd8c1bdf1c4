// SPDX-License-Identifier: MIT
/*
 * telem_hang DEVICE: makes one job hang, for the telemetry HIL case. It
 * submits a job whose only command stalls the device for as long as it can
 * (accel_cmdbuf_stall, on a board with ACCEL_CAP_DEBUG_STALL: the HIL boot
 * sets it), then
 * waits for the job to end: on kmd the driver's job_timeout_ms passes, the
 * driver reports a job hang, resets the device and the job ends TIMEOUT;
 * a subscriber of the driver's netlink family (accelctl power --watch) sees
 * the hang and reset events. Prints the job's status; exit 0 when the job
 * ended with TIMEOUT or ABORTED, 1 otherwise, 2 on bad use.
 */
#include <errno.h>
#include <stdio.h>

#include "accel/libaccel.h"

/* Longer than any job_timeout_ms the HIL boots use (5 s by default). */
#define HANG_WAIT_MS	60000

int main(int argc, char **argv)
{
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_job_result res = { .sz = sizeof(res) };
	struct accel_device *dev = NULL;
	struct accel_cmdbuf *cb = NULL;
	struct accel_job *job = NULL;
	int rc = 1, err;

	if (argc != 2) {
		fprintf(stderr, "usage: telem_hang DEVICE (e.g. /dev/accel/accel0)\n");
		return 2;
	}
	if (accel_device_open(argv[1], NULL, &dev)) {
		fprintf(stderr, "telem_hang: %s\n", accel_last_error());
		return 1;
	}
	if (accel_device_info(dev, &info) || !(info.caps & ACCEL_CAP_DEBUG_STALL)) {
		fprintf(stderr, "telem_hang: %s lacks the debug stall capability (eyrie-sim --caps-set 0x20)\n",
			argv[1]);
		goto out;
	}
	cb = accel_cmdbuf_new();
	/* 0xffffffff us: over an hour, far past any job timeout. */
	if (!cb || accel_cmdbuf_stall(cb, 0xffffffffu) ||
	    accel_job_submit(dev, cb, NULL, &job)) {
		fprintf(stderr, "telem_hang: cannot submit the stalling job: %s\n",
			accel_last_error());
		goto out;
	}
	err = accel_job_wait(job, HANG_WAIT_MS, &res);
	if (err == -ETIMEDOUT) {
		fprintf(stderr, "telem_hang: the job still runs after %d ms: the driver did not time it out\n",
			HANG_WAIT_MS);
		goto out;
	}
	printf("job ended: %s\n", accel_job_status_str(res.status));
	rc = (res.status == ACCEL_JOB_ERR_TIMEOUT || res.status == ACCEL_JOB_ERR_ABORTED) ? 0 : 1;
out:
	if (job)
		accel_job_free(job);
	accel_cmdbuf_free(cb);
	accel_device_close(dev);
	return rc;
}
