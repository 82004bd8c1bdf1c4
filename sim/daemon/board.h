/* SPDX-License-Identifier: MIT */
/*
 * One emulated board for one connected QEMU: a fresh device model, its BAR2
 * (a memfd QEMU maps as the ivshmem BAR2), the doorbell eventfds QEMU signals
 * when the guest writes BAR0.DOORBELL for the device's peer id, the guest's
 * MSI-X eventfds the device signals, and the guest's RAM for DMA.
 *
 * A board lives exactly as long as its QEMU connection: a rebooted or
 * restarted VM finds the device in the RESET state, as after a power cycle.
 */
#ifndef EYRIE_DAEMON_BOARD_H
#define EYRIE_DAEMON_BOARD_H

#include <stdint.h>

#include "eyrie_sim.h"
#include "guest_ram.h"

/* The device is peer 0; connecting VMs get 1, 2, ... */
#define BOARD_DEVICE_PEER	0

struct board_options {
	const char *guest_ram_path;
	uint32_t bar2_size;
	uint64_t caps_set;
	uint64_t caps_clear;
	int realtime;
	uint32_t telemetry_period_us;
};

struct board {
	struct eyrie_sim *sim;
	struct guest_ram ram;
	int bar2_fd;
	void *bar2;
	uint32_t bar2_size;
	int client_sock;
	uint32_t client_peer;
	/* Signalled by QEMU on a doorbell write; read by the daemon. */
	int doorbell_fd[EYRIE_NUM_VECTORS];
	/* The guest's MSI-X vectors; written by the device thread. */
	int irq_fd[EYRIE_NUM_VECTORS];
	uint64_t doorbells[EYRIE_NUM_VECTORS];
	uint64_t irqs[EYRIE_NUM_VECTORS];
	uint64_t dma_faults;
};

/*
 * Builds a board for the client on sock (taking ownership of sock) and sends
 * it the ivshmem setup messages. Returns 0, or -errno with *why set; on
 * error sock is closed and nothing is left allocated.
 */
int board_open(struct board *b, const struct board_options *opt, int sock,
	       uint32_t client_peer, const char **why);

/* Consumes a doorbell eventfd's count and rings the device once. */
void board_doorbell(struct board *b, unsigned int vector);

/* Stops the device, closes the connection and frees everything. */
void board_close(struct board *b);

#endif /* EYRIE_DAEMON_BOARD_H */
