// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the kmd telemetry source's netlink parsers (samples,
 * events, sequence numbers) on a received buffer. The buffer is walked as
 * libnl's receive loop walks it (nlmsg_ok / nlmsg_next), so each parser
 * sees what a hostile or broken driver could send: truncated generic
 * netlink headers, attributes of the wrong size, missing attributes.
 */
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_note.h"
#include "telemetry/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct accel_telemetry raw;
	struct accel_telemetry_event ev;
	struct nlmsghdr *nlh;
	uint32_t device = 0;
	void *buf;
	int len;

	if (size > 65536)
		return 0;
	/* a receive buffer is aligned: copy (the fuzz data need not be) */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (size >= 4)
		memcpy(&device, data, 4);
	device &= 3;
	len = (int)size;
	for (nlh = buf; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
		int sample = eyr_telem_kmd_parse(nlh, device, &raw) == 1;
		int event = eyr_telem_kmd_parse_event(nlh, device, &ev) == 1;

		if (sample)
			fuzz_note("message: sample seq %llu",
				  (unsigned long long)eyr_telem_kmd_sample_seq(nlh));
		else if (event)
			fuzz_note("message: event %u", ev.kind);
		else
			fuzz_note("message: ignored");
	}
	free(buf);
	return 0;
}
