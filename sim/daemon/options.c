// SPDX-License-Identifier: MIT
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
"Usage: eyrie-sim --socket PATH --guest-ram FILE [options]\n"
"\n"
"The Eyrie emulated board for QEMU: serves the ivshmem-doorbell protocol on\n"
"a UNIX socket and runs the device model behind it. BAR2 (control page +\n"
"device memory) is the ivshmem shared memory, doorbells arrive as eventfds,\n"
"MSI-X vectors are raised through the guest's eventfds, and device DMA goes\n"
"to the guest's RAM file.\n"
"\n"
"  -s, --socket PATH        UNIX socket to listen on (QEMU: -chardev socket,path=PATH)\n"
"  -r, --guest-ram FILE     the guest RAM file (QEMU: -object memory-backend-file,\n"
"                           mem-path=FILE,share=on and -machine memory-backend=...);\n"
"                           mapped when QEMU connects; keep guest RAM below 2 GiB\n"
"  -b, --bar2-size BYTES    BAR2 size, a power of two >= 4 MiB (default 4 MiB;\n"
"                           suffixes K, M)\n"
"      --caps-set HEX       EYRIE_CAP_* bits to add (e.g. 0x20: DEBUG_STALL)\n"
"      --caps-clear HEX     EYRIE_CAP_* bits to withhold\n"
"      --realtime           pace wall time to modeled device time\n"
"      --telemetry-us N     telemetry sample period in microseconds\n"
"  -l, --log FILE           also append the log to FILE\n"
"  -v, --verbose            log every doorbell and interrupt count at disconnect\n"
"  -q, --quiet              log errors only\n"
"      --exit-after N       exit after N QEMU connections have ended (tests)\n"
"  -h, --help               this text\n"
"\n"
"One QEMU at a time: a second connection is refused while a VM is attached.\n"
"Each new connection gets a freshly reset board. SIGTERM/SIGINT stop the\n"
"daemon and remove the socket. SIGUSR1 makes the attached board leave its\n"
"next RESET mailbox command unanswered, as a wedged device (fault injection\n"
"for the HIL suite); the RESET after it is handled.\n"
"\n"
"Example:\n"
"  eyrie-sim --socket /tmp/eyrie.sock --guest-ram /dev/shm/eyrie-ram &\n"
"  qemu-system-x86_64 -machine q35,memory-backend=mem -m 1G \\\n"
"    -object memory-backend-file,id=mem,size=1G,mem-path=/dev/shm/eyrie-ram,share=on \\\n"
"    -chardev socket,path=/tmp/eyrie.sock,id=ivs \\\n"
"    -device ivshmem-doorbell,chardev=ivs,vectors=5 ...\n";

static int parse_size(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	if (*end || v > UINT32_MAX / 2 + 1)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || end == s || *end ? -EINVAL : 0;
}

static enum options_result bad(const char *what, const char *arg)
{
	fprintf(stderr, "eyrie-sim: %s: '%s' (see eyrie-sim --help)\n", what, arg);
	return OPTIONS_EXIT_USAGE;
}

enum options_result options_parse(struct daemon_options *o, int argc,
				  char **argv)
{
	enum { OPT_CAPS_SET = 256, OPT_CAPS_CLEAR, OPT_REALTIME, OPT_TELEM,
	       OPT_EXIT_AFTER };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "guest-ram", required_argument, NULL, 'r' },
		{ "bar2-size", required_argument, NULL, 'b' },
		{ "caps-set", required_argument, NULL, OPT_CAPS_SET },
		{ "caps-clear", required_argument, NULL, OPT_CAPS_CLEAR },
		{ "realtime", no_argument, NULL, OPT_REALTIME },
		{ "telemetry-us", required_argument, NULL, OPT_TELEM },
		{ "log", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "exit-after", required_argument, NULL, OPT_EXIT_AFTER },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->log_level = DAEMON_LOG_INFO;
	o->board.bar2_size = EYRIE_BAR2_MIN_SIZE;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:r:b:l:vqh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket_path = optarg;
			break;
		case 'r':
			o->board.guest_ram_path = optarg;
			break;
		case 'b':
			if (parse_size(optarg, &o->board.bar2_size) ||
			    o->board.bar2_size < EYRIE_BAR2_MIN_SIZE ||
			    (o->board.bar2_size & (o->board.bar2_size - 1)))
				return bad("--bar2-size must be a power of two of at least 4M (a PCI BAR)", optarg);
			break;
		case OPT_CAPS_SET:
			if (parse_u64(optarg, &o->board.caps_set))
				return bad("--caps-set needs a number", optarg);
			break;
		case OPT_CAPS_CLEAR:
			if (parse_u64(optarg, &o->board.caps_clear))
				return bad("--caps-clear needs a number", optarg);
			break;
		case OPT_REALTIME:
			o->board.realtime = 1;
			break;
		case OPT_TELEM:
			if (parse_u64(optarg, &v) || v > UINT32_MAX)
				return bad("--telemetry-us needs a 32-bit number", optarg);
			o->board.telemetry_period_us = (uint32_t)v;
			break;
		case 'l':
			o->log_path = optarg;
			break;
		case 'v':
			o->log_level = DAEMON_LOG_DEBUG;
			break;
		case 'q':
			o->log_level = DAEMON_LOG_ERROR;
			break;
		case OPT_EXIT_AFTER:
			if (parse_u64(optarg, &v) || v == 0 || v > 1000000)
				return bad("--exit-after needs a positive count", optarg);
			o->exit_after_clients = (int)v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return OPTIONS_EXIT_OK;
		default:
			fputs("eyrie-sim: see eyrie-sim --help\n", stderr);
			return OPTIONS_EXIT_USAGE;
		}
	}
	if (optind < argc)
		return bad("unexpected argument", argv[optind]);
	if (!o->socket_path || !o->board.guest_ram_path) {
		fputs("eyrie-sim: --socket and --guest-ram are required (see eyrie-sim --help)\n",
		      stderr);
		return OPTIONS_EXIT_USAGE;
	}
	return OPTIONS_RUN;
}
