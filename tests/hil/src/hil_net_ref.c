// SPDX-License-Identifier: MIT
/*
 * Host side of the HIL network check: runs net_chain.h's command stream on
 * the in-process emulation (eyrie_simhost.h, same device model and
 * firmware as the emulated board) and prints the output hash, which the
 * guest's hil_net must reproduce through the driver.
 *
 *   hil_net_ref [FIRMWARE_IMAGE]     prints 0x<16 hex digits>
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "eyrie_simhost.h"
#include "net_chain.h"

struct host_ctx {
	struct eyrie_simhost *h;
	uint32_t ctx;
};

static int host_alloc(void *opaque, uint64_t size, void **cpu, uint64_t *va)
{
	struct host_ctx *c = opaque;

	return eyrie_simhost_bo_alloc(c->h, c->ctx, size, 0, cpu, va);
}

int main(int argc, char **argv)
{
	static int8_t ref_conv[NET_CONV_OUT], ref_add[NET_ADD_OUT];
	struct eyrie_simhost_opts opts = { .sz = sizeof(opts) };
	struct host_ctx c = { 0 };
	struct net_alloc a = { .alloc = host_alloc, .opaque = &c };
	struct eyrie_hw_cqe cqe;
	struct net_chain n;
	char err[256] = "";
	uint64_t tag;
	int rc;

	opts.fw_path = argc > 1 ? argv[1] : NULL;
	opts.errbuf = err;
	opts.errbuf_len = sizeof(err);
	rc = eyrie_simhost_open(&opts, &c.h);
	if (rc) {
		fprintf(stderr, "hil_net_ref: cannot start the emulation: %s\n", err);
		return 1;
	}
	rc = eyrie_simhost_ctx_create(c.h, &c.ctx);
	if (!rc)
		rc = net_chain_build(&a, &n);
	if (!rc)
		rc = eyrie_simhost_submit(c.h, c.ctx, EYRIE_SIMHOST_QUEUE_NORMAL,
					  n.cmds.va, n.cmd_count, &tag);
	if (!rc)
		rc = eyrie_simhost_wait(c.h, tag, 30000, &cqe);
	if (rc) {
		fprintf(stderr, "hil_net_ref: %s (%s)\n", eyrie_simhost_errmsg(c.h),
			strerror(-rc));
		eyrie_simhost_close(c.h);
		return 1;
	}
	if (cqe.status != EYRIE_JOB_OK) {
		fprintf(stderr, "hil_net_ref: the job failed with status %u at command %u\n",
			cqe.status, cqe.err_cmd_index);
		eyrie_simhost_close(c.h);
		return 1;
	}
	net_chain_reference(&n, ref_conv, ref_add);
	if (memcmp(n.conv_out.cpu, ref_conv, NET_CONV_OUT) ||
	    memcmp(n.add_out.cpu, ref_add, NET_ADD_OUT))
		fprintf(stderr, "hil_net_ref: warning: the emulation differs from the CPU reference\n");
	printf("0x%016" PRIx64 "\n", net_chain_hash(&n));
	eyrie_simhost_close(c.h);
	return 0;
}
