// SPDX-License-Identifier: MIT
#include "board.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ivshmem_proto.h"
#include "log.h"

#define BOARD_DMA_FAULTS_LOGGED 10

static void *board_dma_map(void *opaque, uint64_t bus_addr, uint64_t len)
{
	struct board *b = opaque;
	void *p = guest_ram_translate(&b->ram, bus_addr, len);

	if (!p) {
		uint64_t n = __atomic_add_fetch(&b->dma_faults, 1, __ATOMIC_RELAXED);

		/* A runaway job faults on every page: name the first few. */
		if (b->ram.base && n <= BOARD_DMA_FAULTS_LOGGED)
			log_warn("device DMA to bus address 0x%llx (+%llu) is outside the guest's %zu MiB of RAM%s",
				 (unsigned long long)bus_addr,
				 (unsigned long long)len, b->ram.size >> 20,
				 n == BOARD_DMA_FAULTS_LOGGED ?
				 " (further ones only counted)" : "");
	}
	return p;
}

static void board_irq(void *opaque, unsigned int vector)
{
	struct board *b = opaque;
	uint64_t one = 1;

	if (vector >= EYRIE_NUM_VECTORS) {
		log_error("device raised MSI-X vector %u, the board has %d", vector,
			  EYRIE_NUM_VECTORS);
		return;
	}
	__atomic_add_fetch(&b->irqs[vector], 1, __ATOMIC_RELAXED);
	if (write(b->irq_fd[vector], &one, sizeof(one)) != sizeof(one))
		log_error("cannot raise MSI-X vector %u: %s", vector,
			  strerror(errno));
}

static void close_fds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

static void board_free(struct board *b)
{
	if (b->sim)
		eyrie_sim_destroy(b->sim);
	b->sim = NULL;
	close_fds(b->doorbell_fd, EYRIE_NUM_VECTORS);
	close_fds(b->irq_fd, EYRIE_NUM_VECTORS);
	if (b->bar2)
		munmap(b->bar2, b->bar2_size);
	b->bar2 = NULL;
	if (b->bar2_fd >= 0)
		close(b->bar2_fd);
	b->bar2_fd = -1;
	if (b->client_sock >= 0)
		close(b->client_sock);
	b->client_sock = -1;
	guest_ram_destroy(&b->ram);
}

static int make_bar2(struct board *b, uint32_t size, const char **why)
{
	b->bar2_fd = memfd_create("eyrie-bar2", MFD_CLOEXEC);
	if (b->bar2_fd < 0) {
		*why = "cannot create the BAR2 memfd";
		return -errno;
	}
	if (ftruncate(b->bar2_fd, size) < 0) {
		*why = "cannot size the BAR2 memfd";
		return -errno;
	}
	b->bar2 = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       b->bar2_fd, 0);
	if (b->bar2 == MAP_FAILED) {
		b->bar2 = NULL;
		*why = "cannot map the BAR2 memfd";
		return -errno;
	}
	b->bar2_size = size;
	return 0;
}

static int make_eventfds(int *fds, const char **why)
{
	for (unsigned int v = 0; v < EYRIE_NUM_VECTORS; v++) {
		fds[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fds[v] < 0) {
			*why = "cannot create an eventfd";
			return -errno;
		}
	}
	return 0;
}

static int send_setup(struct board *b, const char **why)
{
	int sock = b->client_sock;
	int err;

	*why = "cannot send the ivshmem setup messages (QEMU hung up?)";
	err = ivshmem_send(sock, IVSHMEM_PROTOCOL_VERSION, -1);
	if (!err)
		err = ivshmem_send(sock, b->client_peer, -1);
	if (!err)
		err = ivshmem_send(sock, IVSHMEM_SHM_MSG, b->bar2_fd);
	for (unsigned int v = 0; !err && v < EYRIE_NUM_VECTORS; v++)
		err = ivshmem_send(sock, BOARD_DEVICE_PEER, b->doorbell_fd[v]);
	for (unsigned int v = 0; !err && v < EYRIE_NUM_VECTORS; v++)
		err = ivshmem_send(sock, b->client_peer, b->irq_fd[v]);
	return err;
}

int board_open(struct board *b, const struct board_options *opt, int sock,
	       uint32_t client_peer, const char **why)
{
	struct eyrie_sim_config cfg;
	struct eyrie_sim_host host;
	int err;

	memset(b, 0, sizeof(*b));
	b->bar2_fd = -1;
	b->client_sock = sock;
	b->client_peer = client_peer;
	for (unsigned int v = 0; v < EYRIE_NUM_VECTORS; v++)
		b->doorbell_fd[v] = b->irq_fd[v] = -1;

	guest_ram_init(&b->ram, opt->guest_ram_path);
	/* Usually absent yet: QEMU creates it after connecting (see guest_ram.h). */
	if (guest_ram_map(&b->ram, why))
		log_debug("guest RAM %s not mapped yet: %s", opt->guest_ram_path, *why);
	err = make_bar2(b, opt->bar2_size, why);
	if (!err)
		err = make_eventfds(b->doorbell_fd, why);
	if (!err)
		err = make_eventfds(b->irq_fd, why);
	if (err)
		goto fail;

	memset(&cfg, 0, sizeof(cfg));
	cfg.sz = sizeof(cfg);
	cfg.bar2 = b->bar2;
	cfg.bar2_size = b->bar2_size;
	cfg.doorbell_peer = BOARD_DEVICE_PEER;
	cfg.caps_set = opt->caps_set;
	cfg.caps_clear = opt->caps_clear;
	cfg.realtime = opt->realtime;
	cfg.telemetry_period_us = opt->telemetry_period_us;
	host.dma_map = board_dma_map;
	host.irq = board_irq;
	host.opaque = b;
	/* The control page must be valid before QEMU maps BAR2. */
	err = eyrie_sim_create(&cfg, &host, &b->sim);
	if (err) {
		b->sim = NULL;
		*why = "the device model refused its configuration";
		goto fail;
	}
	err = send_setup(b, why);
	if (err)
		goto fail;
	return 0;
fail:
	board_free(b);
	return err;
}

void board_doorbell(struct board *b, unsigned int vector)
{
	uint64_t count;

	if (read(b->doorbell_fd[vector], &count, sizeof(count)) != sizeof(count))
		return;	/* spurious wakeup: nothing was rung */
	b->doorbells[vector] += count;
	/* Doorbells announce state (SQ tail, mailbox), so one ring is enough. */
	eyrie_sim_doorbell(b->sim, vector);
}

void board_close(struct board *b)
{
	board_free(b);
}
