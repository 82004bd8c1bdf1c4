// SPDX-License-Identifier: MIT
/* accelctl list: the devices this host offers. */
#include <getopt.h>
#include <stdlib.h>

#include "accelctl.h"

ACCELCTL_COMMAND(list);

const char cmd_list_usage[] =
	"Usage: accelctl list [--json]\n"
	"\n"
	"Lists every /dev/accel/accel* node (with its DRM driver, so a node of\n"
	"another driver shows why it is skipped) and the emulated board 'emu'.\n"
	"The default device (what -d auto opens) is marked with '*'.\n";

#define MAX_LIST 64

int cmd_list(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option longopts[] = { { 0 } };
	struct accel_device_entry entries[MAX_LIST];
	int n;

	while (accelctl_getopt(argc, argv, "", longopts) != -1)
		return accelctl_bad_option(ctx, argv);
	if (optind < argc)
		return accelctl_usage_error(ctx, "unexpected argument '%s'", argv[optind]);

	n = accel_device_list(entries, MAX_LIST, sizeof(entries[0]));
	if (n < 0)
		return accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
	if (n > MAX_LIST)
		n = MAX_LIST;

	if (ctx->json) {
		struct json j;

		json_init(&j, stdout, true);
		json_object_begin(&j, NULL);
		json_array_begin(&j, "devices");
		for (int i = 0; i < n; i++) {
			json_object_begin(&j, NULL);
			json_string(&j, "name", entries[i].name);
			json_string(&j, "shim", entries[i].shim);
			json_string(&j, "driver", entries[i].driver);
			json_bool(&j, "eyrie", entries[i].is_eyrie);
			json_bool(&j, "usable", entries[i].usable);
			json_bool(&j, "default", entries[i].is_default);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
		return ACCELCTL_EXIT_OK;
	}
	printf("  %-22s %-5s %-16s %s\n", "DEVICE", "SHIM", "DRIVER", "STATE");
	for (int i = 0; i < n; i++) {
		const struct accel_device_entry *e = &entries[i];
		const char *state = e->usable ? "usable" :
				    !e->is_eyrie ? "not an Eyrie board" :
				    "Eyrie board; this build has no kmd shim";

		printf("%c %-22s %-5s %-16s %s\n", e->is_default ? '*' : ' ', e->name,
		       e->shim, e->driver[0] ? e->driver : "-", state);
	}
	return ACCELCTL_EXIT_OK;
}
