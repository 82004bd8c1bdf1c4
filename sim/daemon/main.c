// SPDX-License-Identifier: MIT
/*
 * eyrie-sim: the emulated Eyrie board behind QEMU's ivshmem-doorbell.
 * See `eyrie-sim --help` and docs/emulated-board.md.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"
#include "ivshmem_proto.h"
#include "log.h"
#include "options.h"

struct daemon {
	struct daemon_options opt;
	int signal_fd;
	int listen_fd;
	struct board board;
	int attached;
	uint32_t next_peer;
	int clients_done;
};

enum { PFD_SIGNAL, PFD_LISTEN, PFD_CLIENT, PFD_DOORBELL0,
       PFD_COUNT = PFD_DOORBELL0 + EYRIE_NUM_VECTORS };

static uint32_t take_peer_id(struct daemon *d)
{
	uint32_t id = d->next_peer++;

	if (d->next_peer > IVSHMEM_MAX_PEER_ID)
		d->next_peer = BOARD_DEVICE_PEER + 1;
	return id;
}

static void accept_client(struct daemon *d)
{
	const char *why = NULL;
	uint32_t peer;
	int sock, err;

	sock = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (sock < 0) {
		log_warn("accept on %s failed: %s", d->opt.socket_path,
			 strerror(errno));
		return;
	}
	if (d->attached) {
		log_warn("refused a second QEMU: the board is attached to peer %u; one VM per eyrie-sim",
			 d->board.client_peer);
		close(sock);
		return;
	}
	peer = take_peer_id(d);
	err = board_open(&d->board, &d->opt.board, sock, peer, &why);
	if (err) {
		log_error("cannot attach QEMU (peer %u): %s (%s)", peer, why,
			  strerror(-err));
		d->clients_done++;
		return;
	}
	d->attached = 1;
	log_info("QEMU attached as peer %u: BAR2 %u KiB, guest RAM %s, device peer %d, %d vectors",
		 peer, d->board.bar2_size >> 10, d->opt.board.guest_ram_path,
		 BOARD_DEVICE_PEER, EYRIE_NUM_VECTORS);
}

static void detach_client(struct daemon *d, const char *how)
{
	struct board *b = &d->board;

	log_info("QEMU peer %u %s; board reset", b->client_peer, how);
	for (unsigned int v = 0; v < EYRIE_NUM_VECTORS; v++)
		log_debug("  vector %u: %llu doorbells, %llu interrupts", v,
			  (unsigned long long)b->doorbells[v],
			  (unsigned long long)b->irqs[v]);
	if (b->dma_faults)
		log_warn("  %llu device DMA accesses fell outside guest RAM",
			 (unsigned long long)b->dma_faults);
	board_close(b);
	d->attached = 0;
	d->clients_done++;
}

/* QEMU never sends on this socket: readable means hung up (or garbage). */
static void client_readable(struct daemon *d, short revents)
{
	char buf[64];
	ssize_t n;

	if (revents & (POLLHUP | POLLERR)) {
		detach_client(d, "disconnected");
		return;
	}
	n = recv(d->board.client_sock, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		detach_client(d, "disconnected");
	else if (n > 0)
		log_warn("ignoring %zd unexpected bytes from QEMU peer %u", n,
			 d->board.client_peer);
}

static int serve(struct daemon *d)
{
	struct pollfd pfd[PFD_COUNT];

	for (;;) {
		int n;

		if (d->opt.exit_after_clients &&
		    d->clients_done >= d->opt.exit_after_clients) {
			log_info("served %d connection(s) as asked (--exit-after)",
				 d->clients_done);
			return 0;
		}
		memset(pfd, 0, sizeof(pfd));
		for (int i = 0; i < PFD_COUNT; i++)
			pfd[i].fd = -1;
		pfd[PFD_SIGNAL].fd = d->signal_fd;
		pfd[PFD_SIGNAL].events = POLLIN;
		pfd[PFD_LISTEN].fd = d->listen_fd;
		pfd[PFD_LISTEN].events = POLLIN;
		if (d->attached) {
			pfd[PFD_CLIENT].fd = d->board.client_sock;
			pfd[PFD_CLIENT].events = POLLIN | POLLRDHUP;
			for (int v = 0; v < EYRIE_NUM_VECTORS; v++) {
				pfd[PFD_DOORBELL0 + v].fd = d->board.doorbell_fd[v];
				pfd[PFD_DOORBELL0 + v].events = POLLIN;
			}
		}
		n = poll(pfd, PFD_COUNT, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll failed: %s", strerror(errno));
			return 1;
		}
		if (pfd[PFD_SIGNAL].revents) {
			struct signalfd_siginfo si;

			if (read(d->signal_fd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGUSR1) {
				/* Fault injection for the HIL suite's wedge test. */
				if (d->attached) {
					eyrie_sim_refuse_next_reset(d->board.sim);
					log_info("SIGUSR1: the board leaves the next RESET unanswered");
				} else {
					log_warn("SIGUSR1 ignored: no guest attached");
				}
				continue;
			}
			log_info("caught signal %u, shutting down", si.ssi_signo);
			return 0;
		}
		/* Doorbells before hang-up: a last ring still reaches the device. */
		for (int v = 0; d->attached && v < EYRIE_NUM_VECTORS; v++)
			if (pfd[PFD_DOORBELL0 + v].revents & POLLIN)
				board_doorbell(&d->board, (unsigned int)v);
		if (d->attached && pfd[PFD_CLIENT].revents)
			client_readable(d, pfd[PFD_CLIENT].revents);
		if (pfd[PFD_LISTEN].revents & POLLIN)
			accept_client(d);
	}
}

static int check_guest_ram_dir(const char *path)
{
	char copy[PATH_MAX];
	struct stat st;

	if (strlen(path) >= sizeof(copy))
		return -ENAMETOOLONG;
	strcpy(copy, path);
	if (stat(dirname(copy), &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d;
	const char *why = NULL;
	sigset_t mask;
	int rc, err;

	memset(&d, 0, sizeof(d));
	switch (options_parse(&d.opt, argc, argv)) {
	case OPTIONS_EXIT_OK:
		return 0;
	case OPTIONS_EXIT_USAGE:
		return 2;
	case OPTIONS_RUN:
		break;
	}
	err = daemon_log_open(d.opt.log_path, d.opt.log_level);
	if (err) {
		fprintf(stderr, "eyrie-sim: cannot open log file %s: %s\n",
			d.opt.log_path, strerror(-err));
		return 1;
	}
	if (check_guest_ram_dir(d.opt.board.guest_ram_path)) {
		log_error("the directory of --guest-ram %s does not exist; QEMU creates the file there (mem-path=)",
			  d.opt.board.guest_ram_path);
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	/* Block before any thread starts, so every thread inherits it. */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (d.signal_fd < 0) {
		log_error("signalfd failed: %s", strerror(errno));
		return 1;
	}

	d.listen_fd = ivshmem_listen(d.opt.socket_path, &why);
	if (d.listen_fd < 0) {
		log_error("cannot listen on %s: %s (%s)", d.opt.socket_path, why,
			  strerror(-d.listen_fd));
		return 1;
	}
	d.next_peer = BOARD_DEVICE_PEER + 1;
	log_info("listening on %s (guest RAM %s, BAR2 %u KiB)",
		 d.opt.socket_path, d.opt.board.guest_ram_path,
		 d.opt.board.bar2_size >> 10);

	rc = serve(&d);

	if (d.attached)
		detach_client(&d, "dropped at shutdown");
	close(d.listen_fd);
	unlink(d.opt.socket_path);
	close(d.signal_fd);
	log_info("stopped");
	daemon_log_close();
	return rc;
}
