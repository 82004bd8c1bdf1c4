/* SPDX-License-Identifier: MIT */
/*
 * A small network as hand-built device commands, the same on every
 * front-end: conv 3x3 (4 -> 8 channels, 8x8, pad 1, bias, requant, ReLU),
 * 2x2 max pool, then an element-wise add with a second input. The HIL guest
 * runs it through the driver (hil_net); the host runs it on the in-process
 * emulation (hil_net_ref). Both hash the outputs; the hashes must match,
 * and both must match the CPU reference computed here from the formulas of
 * docs/hardware.md.
 */
#ifndef EYRIE_HIL_NET_CHAIN_H
#define EYRIE_HIL_NET_CHAIN_H

#include <stdint.h>

#include "eyrie_hw.h"

#define NET_C 4
#define NET_M 8
#define NET_H 8
#define NET_W 8
#define NET_PH (NET_H / 2)
#define NET_PW (NET_W / 2)
#define NET_CONV_OUT (NET_M * NET_H * NET_W)	/* int8 */
#define NET_ADD_OUT (NET_M * NET_PH * NET_PW)	/* int8 */
#define NET_MAX_CMDS 16

/* Allocates device-visible memory: CPU pointer and device VA. */
struct net_alloc {
	int (*alloc)(void *opaque, uint64_t size, void **cpu, uint64_t *va);
	void *opaque;
};

struct net_buf {
	void *cpu;
	uint64_t va;
};

struct net_chain {
	struct net_buf x, w, bias, y, conv_out, add_out, cmds;
	uint32_t cmd_count;
};

/* Allocates the buffers, fills inputs and writes the command stream. */
int net_chain_build(const struct net_alloc *a, struct net_chain *n);

/* FNV-1a over the conv output then the final output. */
uint64_t net_chain_hash(const struct net_chain *n);

/* Computes both outputs on the CPU from n's inputs. */
void net_chain_reference(const struct net_chain *n,
			 int8_t conv_out[NET_CONV_OUT],
			 int8_t add_out[NET_ADD_OUT]);

#endif /* EYRIE_HIL_NET_CHAIN_H */
