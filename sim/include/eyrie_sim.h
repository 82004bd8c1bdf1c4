/* SPDX-License-Identifier: MIT */
/*
 * Eyrie device model: the front-end interface.
 *
 * The core models one board exactly as docs/hardware.md describes it: BAR2
 * (control page + device memory), doorbells in, MSI-X out, DMA to host memory
 * through the device MMU. It knows nothing about who hosts it. Two front-ends
 * use this interface:
 *   - libaccel's emu shim, in process: host memory is process memory and
 *     interrupts are callbacks;
 *   - the eyrie-sim daemon behind QEMU's ivshmem-doorbell: BAR2 is the shared
 *     memory, doorbells arrive as eventfds, interrupts are eventfd writes and
 *     host memory is QEMU's memory-backend-file.
 *
 * Threading: the device runs on its own thread (started by eyrie_sim_create),
 * so jobs run asynchronously, as on a board. eyrie_sim_doorbell may be called
 * from any thread. The host callbacks are called from the device thread.
 */
#ifndef EYRIE_SIM_H
#define EYRIE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "eyrie_hw.h"

#ifdef __cplusplus
extern "C" {
#endif

struct eyrie_sim;

/* What the host provides to the device. */
struct eyrie_sim_host {
	/*
	 * Returns a pointer to len bytes of host memory at bus address
	 * bus_addr, or NULL if that range is not host memory (the device then
	 * reports a bus error for the job). The range never crosses a 4 KiB
	 * page boundary in the calls the device makes.
	 */
	void *(*dma_map)(void *opaque, uint64_t bus_addr, uint64_t len);
	/* Raises MSI-X vector (EYRIE_VECTOR_ADMIN or EYRIE_VECTOR_QUEUE(q)). */
	void (*irq)(void *opaque, unsigned int vector);
	void *opaque;
};

struct eyrie_sim_config {
	size_t sz;			/* sizeof(struct eyrie_sim_config) */
	/*
	 * Device description; fields left 0 take the defaults of
	 * eyrie_sim_default_desc() (Eyeriss-like, 12 x 14 PEs, 108 KiB GLB).
	 */
	struct eyrie_hw_desc desc;
	/* BAR2 backing memory (>= bar2_size bytes), or NULL to allocate. */
	void *bar2;
	uint32_t bar2_size;		/* 0: EYRIE_BAR2_MIN_SIZE */
	uint32_t doorbell_peer;		/* written to ctrl.doorbell_peer */
	uint64_t caps_clear;		/* EYRIE_CAP_* bits to withhold */
	uint64_t caps_set;		/* optional caps (e.g. DEBUG_STALL) */
	int realtime;			/* pace wall time to modeled time */
	uint32_t telemetry_period_us;	/* 0: default (10 ms) */
};

/* Fills *desc with the default (Eyeriss-like) device description. */
void eyrie_sim_default_desc(struct eyrie_hw_desc *desc);

/*
 * Creates a device in the RESET state (waiting for the driver's BOOT
 * mailbox command) and starts its thread. Returns 0 or a negative errno.
 */
int eyrie_sim_create(const struct eyrie_sim_config *cfg,
		     const struct eyrie_sim_host *host, struct eyrie_sim **out);

/* Stops the device thread and frees everything (BAR2 only if allocated). */
void eyrie_sim_destroy(struct eyrie_sim *sim);

/* BAR2: control page at offset 0 (struct eyrie_hw_ctrl), then memory. */
void *eyrie_sim_bar2(struct eyrie_sim *sim);
size_t eyrie_sim_bar2_size(const struct eyrie_sim *sim);

/* A doorbell write of vector (EYRIE_VECTOR_ADMIN or EYRIE_VECTOR_QUEUE(q)). */
void eyrie_sim_doorbell(struct eyrie_sim *sim, unsigned int vector);

/*
 * Fault injection (tests): the next MBOX_RESET goes unanswered, as on a
 * wedged device: no result, no interrupt, nothing reset, a running job
 * runs on. The one after it is handled. The device notes the arming, and
 * the refusal, in its log ring, so a test in the guest sees when it holds.
 */
void eyrie_sim_refuse_next_reset(struct eyrie_sim *sim);

/*
 * Blocks until the device has no runnable work (all rung queues drained,
 * mailbox idle) or timeout_ms passes; returns 0 or -ETIMEDOUT. For tests
 * and benchmarks; drivers use interrupts.
 */
int eyrie_sim_quiesce(struct eyrie_sim *sim, unsigned int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* EYRIE_SIM_H */
