/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM as the device sees it for DMA.
 *
 * QEMU backs the guest's RAM with `-object memory-backend-file,share=on,
 * mem-path=FILE` and `-machine q35,memory-backend=...`. With less than 2 GiB
 * of RAM and no vIOMMU, q35 puts all of it below the PCI hole starting at
 * guest physical address 0, so a bus address the driver hands the device
 * is simply an offset into FILE.
 */
#ifndef EYRIE_DAEMON_GUEST_RAM_H
#define EYRIE_DAEMON_GUEST_RAM_H

#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

/*
 * QEMU connects to the ivshmem socket while it sets up its character
 * devices, before it creates the memory backend, so the file may not exist
 * yet when a VM attaches. It is mapped on the first DMA instead, long after
 * the guest started running.
 */
struct guest_ram {
	const char *path;
	void *base;			/* NULL until mapped */
	size_t size;
	int reported;			/* a mapping failure was logged */
	pthread_mutex_t lock;
};

void guest_ram_init(struct guest_ram *ram, const char *path);

/*
 * Maps the file shared (the daemon's writes are the guest's memory) unless
 * it is already. Returns 0 or -errno; on error *why holds a sentence naming
 * the cause.
 */
int guest_ram_map(struct guest_ram *ram, const char **why);
void guest_ram_destroy(struct guest_ram *ram);

/*
 * The host pointer of [bus_addr, bus_addr + len), or NULL if that is not
 * guest RAM (or the file cannot be mapped: logged once).
 */
void *guest_ram_translate(struct guest_ram *ram, uint64_t bus_addr,
			  uint64_t len);

#endif /* EYRIE_DAEMON_GUEST_RAM_H */
