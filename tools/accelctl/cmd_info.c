// SPDX-License-Identifier: MIT
/* accelctl info: what the device says about itself. */
#include <getopt.h>
#include <stdlib.h>

#include "accelctl.h"
#include "board.h"

ACCELCTL_COMMAND(info);

const char cmd_info_usage[] =
	"Usage: accelctl [-d DEVICE] info [--json]\n"
	"\n"
	"Describes a device from its own description (nothing is assumed):\n"
	"PE array, register files, global buffer, clock, bandwidths, the energy\n"
	"table (per word access, per MAC, and relative to an RF access), static\n"
	"power, thermal limits, firmware version and build id, capabilities.\n";

static const char *const level_names[5] = { "dram", "glb", "noc", "rf", "mac" };

static void hex(char *out, const uint8_t *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

static void print_json(const struct accel_device_info *in,
		       const struct accel_board_info *board)
{
	char v[16], build[41];
	struct json j;

	hex(build, in->fw_build_id, sizeof(in->fw_build_id));
	json_init(&j, stdout, true);
	json_object_begin(&j, NULL);
	json_string(&j, "device", in->name);
	json_string(&j, "shim", in->shim);
	json_string(&j, "board_serial", in->board_serial);
	json_string(&j, "hw_version", accelctl_version_text(in->hw_version, v, sizeof(v)));
	json_object_begin(&j, "firmware");
	json_string(&j, "version", accelctl_version_text(in->fw_version, v, sizeof(v)));
	json_string(&j, "abi", accelctl_version_text(in->fw_abi, v, sizeof(v)));
	json_string(&j, "build_id", build);
	json_object_end(&j);
	json_array_begin(&j, "caps");
	for (unsigned int b = 0; b < 64; b++)
		if (in->caps & (1ull << b)) {
			const char *name = accel_cap_name(1ull << b);
			char unknown[16];

			if (!name) {
				snprintf(unknown, sizeof(unknown), "bit%u", b);
				name = unknown;
			}
			json_string(&j, NULL, name);
		}
	json_array_end(&j);
	json_u64(&j, "queues", in->num_queues);
	json_object_begin(&j, "array");
	json_u64(&j, "rows", in->pe_rows);
	json_u64(&j, "cols", in->pe_cols);
	json_u64(&j, "pes", (uint64_t)in->pe_rows * in->pe_cols);
	json_object_end(&j);
	json_object_begin(&j, "rf");
	json_u64(&j, "ifmap_words", in->rf_ifmap_words);
	json_u64(&j, "filter_words", in->rf_filter_words);
	json_u64(&j, "psum_words", in->rf_psum_words);
	json_object_end(&j);
	json_object_begin(&j, "word_bits");
	json_u64(&j, "act", in->word_bits_act);
	json_u64(&j, "psum", in->word_bits_psum);
	json_object_end(&j);
	json_object_begin(&j, "glb");
	json_u64(&j, "bytes", in->glb_bytes);
	json_u64(&j, "stream_bytes", in->stream_bytes);
	json_object_end(&j);
	json_object_begin(&j, "clock");
	json_u64(&j, "khz", in->clock_khz);
	json_u64(&j, "throttle_khz", in->throttle_clock_khz);
	json_object_end(&j);
	json_object_begin(&j, "bandwidth");
	json_u64(&j, "dram_bytes_per_cycle", in->dram_bytes_per_cycle);
	json_u64(&j, "glb_bytes_per_cycle", in->glb_bytes_per_cycle);
	json_u64(&j, "noc_words_per_cycle", in->noc_words_per_cycle);
	json_object_end(&j);
	json_object_begin(&j, "energy");
	json_object_begin(&j, "fj_per_access");
	for (int i = 0; i < 5; i++)
		json_u64(&j, level_names[i], in->energy_fj[i]);
	json_object_end(&j);
	json_object_begin(&j, "relative_to_rf");
	for (int i = 0; i < 5; i++)
		json_double(&j, level_names[i],
			    in->energy_fj[3] ? (double)in->energy_fj[i] / in->energy_fj[3] : 0.0);
	json_object_end(&j);
	json_u64(&j, "static_mw", in->static_mw);
	json_object_end(&j);
	json_object_begin(&j, "limits");
	json_u64(&j, "queue_max_entries", in->queue_max_entries);
	json_u64(&j, "max_cmds_per_job", in->max_cmds_per_job);
	json_u64(&j, "va_start", in->va_start);
	json_u64(&j, "va_size", in->va_size);
	json_object_end(&j);
	json_object_begin(&j, "thermal");
	json_double(&j, "ambient_c", in->ambient_mc / 1000.0);
	json_double(&j, "throttle_c", in->throttle_mc / 1000.0);
	json_double(&j, "critical_c", in->crit_mc / 1000.0);
	json_double(&j, "r_c_per_w", in->thermal_r_mc_per_w / 1000.0);
	json_u64(&j, "tau_ms", in->thermal_tau_ms);
	json_object_end(&j);
	accelctl_board_json(&j, board);
	json_object_end(&j);
	json_finish(&j);
}

static void print_text(const struct accel_device_info *in,
		       const struct accel_board_info *board)
{
	char v1[16], v2[16], v3[16], build[41];

	hex(build, in->fw_build_id, sizeof(in->fw_build_id));
	printf("device:      %s (%s shim), board serial %s\n", in->name, in->shim,
	       in->board_serial[0] ? in->board_serial : "-");
	printf("hardware:    interface %s, firmware %s (ABI %s), build id %s\n",
	       accelctl_version_text(in->hw_version, v1, sizeof(v1)),
	       accelctl_version_text(in->fw_version, v2, sizeof(v2)),
	       accelctl_version_text(in->fw_abi, v3, sizeof(v3)), build);
	printf("caps:       ");
	for (unsigned int b = 0; b < 64; b++)
		if (in->caps & (1ull << b)) {
			const char *name = accel_cap_name(1ull << b);

			if (name)
				printf(" %s", name);
			else
				printf(" bit%u", b);
		}
	printf("\nqueues:      %u\n", in->num_queues);
	printf("PE array:    %u x %u = %u PEs\n", in->pe_rows, in->pe_cols,
	       in->pe_rows * in->pe_cols);
	printf("RF per PE:   %u ifmap + %u filter words (%u-bit), %u psum words (%u-bit)\n",
	       in->rf_ifmap_words, in->rf_filter_words, in->word_bits_act,
	       in->rf_psum_words, in->word_bits_psum);
	printf("GLB:         %u bytes (%.1f KiB); stream buffer %u bytes\n",
	       in->glb_bytes, in->glb_bytes / 1024.0, in->stream_bytes);
	printf("clock:       %.1f MHz (%.1f MHz when throttled)\n",
	       in->clock_khz / 1000.0, in->throttle_clock_khz / 1000.0);
	printf("bandwidth:   DRAM %u B/cycle (%.2f GB/s), GLB %u B/cycle, NoC %u words/cycle\n",
	       in->dram_bytes_per_cycle,
	       in->dram_bytes_per_cycle * (in->clock_khz * 1e3) / 1e9,
	       in->glb_bytes_per_cycle, in->noc_words_per_cycle);
	printf("energy:      per access (fJ, and relative to an RF access):\n");
	for (int i = 0; i < 5; i++)
		printf("               %-5s %8u fJ  %6.1fx\n", level_names[i], in->energy_fj[i],
		       in->energy_fj[3] ? (double)in->energy_fj[i] / in->energy_fj[3] : 0.0);
	printf("static:      %u mW\n", in->static_mw);
	printf("thermal:     ambient %.1f C, throttle %.1f C, critical %.1f C, %.2f C/W, tau %u ms\n",
	       in->ambient_mc / 1000.0, in->throttle_mc / 1000.0, in->crit_mc / 1000.0,
	       in->thermal_r_mc_per_w / 1000.0, in->thermal_tau_ms);
	printf("limits:      %u queue entries, %u commands per job\n",
	       in->queue_max_entries, in->max_cmds_per_job);
	accelctl_board_text(board);
}

int cmd_info(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option longopts[] = { { 0 } };
	struct accel_device_info info = { .sz = sizeof(info) };
	struct accel_board_info board;
	struct accel_device *dev;
	int rc;

	while (accelctl_getopt(argc, argv, "", longopts) != -1)
		return accelctl_bad_option(ctx, argv);
	rc = accelctl_open_device_no_operands(ctx, argc, argv, &dev);
	if (rc)
		return rc;
	rc = accelctl_device_info(ctx, dev, &info);
	if (rc)
		return rc;
	accelctl_board_read(dev, &board);
	if (ctx->json)
		print_json(&info, &board);
	else
		print_text(&info, &board);
	accel_device_close(dev);
	return ACCELCTL_EXIT_OK;
}
