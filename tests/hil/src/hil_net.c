// SPDX-License-Identifier: MIT
/*
 * A small network (net_chain.h: conv + pool + add) through the driver with
 * raw ioctls. Its outputs must equal the CPU reference, and their hash the
 * one the host's in-process emulation computed for the same command stream
 * (tests/hil/run-hil.sh runs hil_net_ref and ships the hash).
 *
 *   hil_net [EXPECTED_HASH_FILE]   default $HIL_NET_HASH, else
 *                                  /hil/expected/net_chain.hash
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hil_dev.h"
#include "net_chain.h"
#include "tap.h"

#define MAX_BOS 8

struct bo_set {
	int fd;
	uint32_t handles[MAX_BOS];
	struct hil_bo bos[MAX_BOS];
	uint32_t count;
};

static int bo_alloc(void *opaque, uint64_t size, void **cpu, uint64_t *va)
{
	struct bo_set *s = opaque;
	struct hil_bo *bo;
	int rc;

	if (s->count == MAX_BOS)
		return -ENOSPC;
	bo = &s->bos[s->count];
	rc = hil_bo_create(s->fd, size, 0, bo);
	if (!rc)
		rc = hil_bo_map(s->fd, bo);
	if (rc)
		return rc;
	s->handles[s->count++] = bo->handle;
	*cpu = bo->cpu;
	*va = bo->va;
	return 0;
}

static int read_hash(const char *path, uint64_t *out)
{
	unsigned long long v;
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%llx", &v) == 1;
	fclose(f);
	*out = v;
	return ok ? 0 : -EINVAL;
}

static int run_once(struct bo_set *s, struct net_chain *n,
		    struct drm_eyrie_wait *w)
{
	uint64_t seq;
	int rc;

	memset(n->conv_out.cpu, 0x11, NET_CONV_OUT);
	memset(n->add_out.cpu, 0x11, NET_ADD_OUT);
	rc = hil_submit(s->fd, n->cmds.va, n->cmd_count, DRM_EYRIE_QUEUE_NORMAL,
			s->handles, s->count, NULL, 0, 0, &seq);
	return rc ? rc : hil_wait(s->fd, seq, 30ll * 1000000000, w);
}

int main(int argc, char **argv)
{
	const char *hash_path = argc > 1 ? argv[1] : getenv("HIL_NET_HASH");
	static int8_t ref_conv[NET_CONV_OUT], ref_add[NET_ADD_OUT];
	struct bo_set set = { 0 };
	struct net_alloc a = { .alloc = bo_alloc, .opaque = &set };
	struct drm_eyrie_wait w;
	struct net_chain n;
	uint64_t hash, hash2, expected = 0;
	int rc;

	if (!hash_path)
		hash_path = "/hil/expected/net_chain.hash";
	set.fd = hil_open();
	if (!tap_ok(set.fd >= 0, "open the eyrie accel node"))
		return tap_done();
	rc = net_chain_build(&a, &n);
	if (!tap_ok(rc == 0, "net chain buffers and %u commands built", n.cmd_count))
		return tap_done();
	memset(&w, 0, sizeof(w));
	rc = run_once(&set, &n, &w);
	tap_ok(rc == 0 && w.status == EYRIE_JOB_OK,
	       "conv+pool+add job completed OK (rc %d, status %u, command %u)", rc,
	       w.status, w.err_cmd_index);
	tap_ok(w.cycles > 0 && w.energy_fj > 0,
	       "the completion reports cycles (%llu) and energy (%llu fJ)",
	       (unsigned long long)w.cycles, (unsigned long long)w.energy_fj);
	net_chain_reference(&n, ref_conv, ref_add);
	tap_ok(!memcmp(n.conv_out.cpu, ref_conv, NET_CONV_OUT),
	       "conv output (%d bytes) equals the CPU reference", NET_CONV_OUT);
	tap_ok(!memcmp(n.add_out.cpu, ref_add, NET_ADD_OUT),
	       "pool+add output (%d bytes) equals the CPU reference", NET_ADD_OUT);
	hash = net_chain_hash(&n);
	rc = read_hash(hash_path, &expected);
	if (rc)
		tap_ok(0, "host emulation hash readable from %s (%s)", hash_path,
		       strerror(-rc));
	else
		tap_ok(hash == expected,
		       "output hash 0x%016" PRIx64 " matches the host emulation's 0x%016" PRIx64,
		       hash, expected);
	rc = run_once(&set, &n, &w);
	hash2 = net_chain_hash(&n);
	tap_ok(rc == 0 && w.status == EYRIE_JOB_OK && hash2 == hash,
	       "a second run gives the same outputs");
	for (uint32_t i = 0; i < set.count; i++)
		hil_bo_close(set.fd, &set.bos[i]);
	close(set.fd);
	return tap_done();
}
