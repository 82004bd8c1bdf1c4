// SPDX-License-Identifier: MIT
/*
 * accelctl fw: the firmware the board runs (version, ABI, build id) and its
 * log ring. emu reads the ring from the in-process control page; a board
 * behind the kernel driver through the driver's debugfs file fw_log.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "accelctl.h"
#include "board.h"

ACCELCTL_COMMAND(fw);

const char cmd_fw_usage[] =
	"Usage: accelctl [-d DEVICE] fw [--json] [--no-log] [--lines N]\n"
	"\n"
	"Shows the firmware the board runs (version, ABI, build id) and the\n"
	"firmware's log ring (emu: the control page; /dev/accel nodes: the\n"
	"driver's debugfs file fw_log, which needs root and a mounted debugfs).\n"
	"\n"
	"      --no-log    version and build id only\n"
	"  -n, --lines N   only the last N log lines\n"
	"\n"
	"An unreadable log is reported (and in --json as \"log_error\") without\n"
	"failing: the version and build id come from the device itself.\n";

/* The ring is 32 KiB; twice that leaves room for a larger firmware's. */
#define FW_LOG_MAX	(64 * 1024)

static const char *last_lines(const char *text, uint64_t lines)
{
	const char *p = text + strlen(text);

	if (p > text && p[-1] == '\n')
		p--;
	while (p > text) {
		if (p[-1] == '\n' && --lines == 0)
			break;
		p--;
	}
	return p;
}

static void hex(char *out, const uint8_t *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", bytes[i]);
}

int cmd_fw(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "no-log", no_argument, NULL, 'L' },
		{ "lines", required_argument, NULL, 'n' },
		{ 0 }
	};
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_board_info board;
	struct accel_device *dev;
	char v1[16], v2[16], build[41];
	char *log = NULL, *log_error = NULL;
	const char *shown = NULL;
	bool want_log = true;
	uint64_t lines = 0;
	int c, rc;

	while ((c = accelctl_getopt(argc, argv, "n:", longopts)) != -1) {
		switch (c) {
		case 'L':
			want_log = false;
			break;
		case 'n':
			if (accelctl_parse_u64(optarg, 1, 1000000, &lines))
				return accelctl_usage_error(ctx, "--lines takes a number from 1 to 1000000, not '%s'",
							    optarg);
			break;
		default:
			return accelctl_bad_option(ctx, argv);
		}
	}
	rc = accelctl_open_device_no_operands(ctx, argc, argv, &dev);
	if (rc)
		return rc;
	rc = accelctl_device_info(ctx, dev, &info);
	if (rc)
		return rc;
	accelctl_board_read(dev, &board);
	hex(build, info.fw_build_id, sizeof(info.fw_build_id));
	if (want_log) {
		log = malloc(FW_LOG_MAX);
		if (!log) {
			accel_device_close(dev);
			return accelctl_fail(ctx, ACCELCTL_EXIT_FAIL, "out of memory");
		}
		if (accel_device_fw_log(dev, log, FW_LOG_MAX) < 0)
			log_error = strdup(accel_last_error());
		else
			shown = lines ? last_lines(log, lines) : log;
	}

	if (ctx->json) {
		struct json j;

		json_init(&j, stdout, true);
		json_object_begin(&j, NULL);
		json_string(&j, "device", info.name);
		json_string(&j, "shim", info.shim);
		json_string(&j, "version", accelctl_version_text(info.fw_version, v1, sizeof(v1)));
		json_string(&j, "abi", accelctl_version_text(info.fw_abi, v2, sizeof(v2)));
		json_string(&j, "build_id", build);
		if (board.sz && board.debugfs[0])
			json_string(&j, "debugfs", board.debugfs);
		if (shown)
			json_string(&j, "log", shown);
		else
			json_null(&j, "log");
		if (log_error)
			json_string(&j, "log_error", log_error);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("device:      %s (%s shim)\n", info.name, info.shim);
		printf("firmware:    version %s, ABI %s\n",
		       accelctl_version_text(info.fw_version, v1, sizeof(v1)),
		       accelctl_version_text(info.fw_abi, v2, sizeof(v2)));
		printf("build id:    %s\n", build);
		if (board.sz && board.debugfs[0])
			printf("debugfs:     %s\n", board.debugfs);
		if (shown) {
			printf("log%s:\n", lines ? " (last lines)" : "");
			fputs(shown, stdout);
			if (*shown && shown[strlen(shown) - 1] != '\n')
				putchar('\n');
		}
	}
	if (log_error)
		fprintf(stderr, "accelctl fw: firmware log unavailable: %s\n", log_error);
	free(log_error);
	free(log);
	accel_device_close(dev);
	return ACCELCTL_EXIT_OK;
}
