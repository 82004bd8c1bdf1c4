// SPDX-License-Identifier: MIT
/*
 * Built against an installed libaccel (its headers and libaccel.pc only):
 * opens the emulated board, runs a copy job and checks the data, reads the
 * board info and the firmware log.
 */
#include <stdio.h>
#include <string.h>

#include <accel/board.h>
#include <accel/libaccel.h>

int main(void)
{
	struct accel_job_result r = { .sz = sizeof(r) };
	struct accel_board_info b = { .sz = sizeof(b) };
	struct accel_buffer *buf;
	struct accel_device *dev;
	struct accel_cmdbuf *cb;
	char log[4096];
	uint8_t *p;
	int err;

	if (accel_device_open("emu", NULL, &dev)) {
		fprintf(stderr, "open: %s\n", accel_last_error());
		return 1;
	}
	if (accel_buffer_create(dev, 8192, NULL, &buf) || accel_buffer_map(buf, (void **)&p)) {
		fprintf(stderr, "buffer: %s\n", accel_last_error());
		return 1;
	}
	for (int i = 0; i < 4096; i++)
		p[i] = (uint8_t)(i * 13 + 1);
	cb = accel_cmdbuf_new();
	accel_cmdbuf_copy_in(cb, buf, 0, 0, 4096);
	accel_cmdbuf_barrier(cb);
	accel_cmdbuf_copy_out(cb, buf, 4096, 0, 4096);
	err = accel_job_run(dev, cb, NULL, 10000, &r);
	accel_cmdbuf_free(cb);
	if (err || memcmp(p, p + 4096, 4096)) {
		fprintf(stderr, "job: %d %s\n", err, accel_last_error());
		return 1;
	}
	if (accel_device_board_info(dev, &b) || strcmp(b.shim, "emu") ||
	    accel_device_fw_log(dev, log, sizeof(log)) <= 0) {
		fprintf(stderr, "board/fw log: %s\n", accel_last_error());
		return 1;
	}
	printf("libaccel %s: job ok, %llu cycles\n", accel_version_string(),
	       (unsigned long long)r.cycles);
	accel_buffer_free(buf);
	accel_device_close(dev);
	return 0;
}
