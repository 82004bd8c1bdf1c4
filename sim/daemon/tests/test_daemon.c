// SPDX-License-Identifier: MIT
/*
 * eyrie-sim, driven as QEMU's ivshmem-doorbell device drives it: connect to
 * the socket, take the setup messages and fds, ring doorbells, wait for
 * interrupts. The daemon binary to test is argv[1].
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "eyrie_hw.h"
#include "ivshmem_proto.h"

#define GUEST_RAM_BYTES (16u << 20)

static const char *daemon_path;

struct fixture {
	char dir[64];
	char sock[96];
	char ram[96];
	char log[96];
	pid_t pid;
};

/* What a connected client (a QEMU) holds. */
struct client {
	int sock;
	int64_t peer;
	int shm_fd;
	void *bar2;
	size_t bar2_size;
	int doorbell_fd[EYRIE_NUM_VECTORS];
	int irq_fd[EYRIE_NUM_VECTORS];
};

static pid_t spawn(const char *const *argv, int *stderr_pipe)
{
	int p[2] = { -1, -1 };
	pid_t pid;

	if (stderr_pipe)
		assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(stderr_pipe ? p[1] : null, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (stderr_pipe) {
		close(p[1]);
		*stderr_pipe = p[0];
	}
	return pid;
}

static int wait_exit(pid_t pid, int timeout_ms)
{
	int status;

	for (int waited = 0; waited < timeout_ms; waited += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
						   128 + WTERMSIG(status);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static void read_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(fd);
}

static int connect_to(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(addr.sun_path, path);
	if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

static void start_daemon_args(struct fixture *f, int make_ram,
			      const char *extra)
{
	const char *argv[] = { daemon_path, "--socket", f->sock, "--guest-ram",
			       f->ram, "--log", f->log, "-v", extra, extra ? "2" : NULL,
			       NULL };

	if (make_ram) {
		int fd = open(f->ram, O_RDWR | O_CREAT | O_TRUNC, 0600);

		assert_true(fd >= 0);
		assert_int_equal(ftruncate(fd, GUEST_RAM_BYTES), 0);
		close(fd);
	}
	f->pid = spawn(argv, NULL);
	/* Ready once the socket answers. */
	for (int i = 0; i < 500; i++) {
		int s = connect_to(f->sock);

		if (s >= 0) {
			/* That probe was a client: let the daemon see it go. */
			close(s);
			usleep(20000);
			return;
		}
		usleep(10000);
	}
	fail_msg("eyrie-sim did not listen on %s within 5 s", f->sock);
}

static void start_daemon(struct fixture *f, int make_ram)
{
	start_daemon_args(f, make_ram, NULL);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/eyrie-sim-test.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/sock", f->dir);
	snprintf(f->ram, sizeof(f->ram), "%s/ram", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		wait_exit(f->pid, 5000);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static void recv_expect(int sock, int64_t want, int want_fd, int *fd)
{
	int64_t v;
	int got_fd;

	assert_int_equal(ivshmem_recv(sock, &v, &got_fd), 0);
	assert_int_equal(v, want);
	if (want_fd) {
		assert_true(got_fd >= 0);
		*fd = got_fd;
	} else {
		assert_int_equal(got_fd, -1);
	}
}

static void client_connect(struct client *c, const char *path)
{
	struct stat st;
	int64_t peer;
	int fd;

	memset(c, 0, sizeof(*c));
	c->sock = connect_to(path);
	assert_true(c->sock >= 0);
	recv_expect(c->sock, IVSHMEM_PROTOCOL_VERSION, 0, NULL);
	assert_int_equal(ivshmem_recv(c->sock, &peer, &fd), 0);
	assert_int_equal(fd, -1);
	assert_true(peer > 0 && peer <= IVSHMEM_MAX_PEER_ID);
	c->peer = peer;
	recv_expect(c->sock, IVSHMEM_SHM_MSG, 1, &c->shm_fd);
	assert_int_equal(fstat(c->shm_fd, &st), 0);
	c->bar2_size = (size_t)st.st_size;
	c->bar2 = mmap(NULL, c->bar2_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       c->shm_fd, 0);
	assert_true(c->bar2 != MAP_FAILED);
	for (int v = 0; v < EYRIE_NUM_VECTORS; v++)
		recv_expect(c->sock, 0, 1, &c->doorbell_fd[v]);
	for (int v = 0; v < EYRIE_NUM_VECTORS; v++)
		recv_expect(c->sock, c->peer, 1, &c->irq_fd[v]);
}

static void client_close(struct client *c)
{
	for (int v = 0; v < EYRIE_NUM_VECTORS; v++) {
		close(c->doorbell_fd[v]);
		close(c->irq_fd[v]);
	}
	munmap(c->bar2, c->bar2_size);
	close(c->shm_fd);
	close(c->sock);
}

static struct eyrie_hw_ctrl *ctrl_of(struct client *c)
{
	return c->bar2;
}

static int log_contains(const struct fixture *f, const char *needle)
{
	char buf[16384];
	int fd = open(f->log, O_RDONLY);

	if (fd < 0)
		return 0;
	read_all(fd, buf, sizeof(buf));
	return strstr(buf, needle) != NULL;
}

static void test_help(void **state)
{
	const char *argv[] = { daemon_path, "--help", NULL };
	int out;
	pid_t pid;
	char buf[8192];

	(void)state;
	/* --help goes to stdout; capture it through a shell-free pipe. */
	{
		int p[2];

		assert_int_equal(pipe(p), 0);
		pid = fork();
		if (pid == 0) {
			dup2(p[1], STDOUT_FILENO);
			execv(argv[0], (char *const *)argv);
			_exit(127);
		}
		close(p[1]);
		out = p[0];
	}
	read_all(out, buf, sizeof(buf));
	assert_int_equal(wait_exit(pid, 5000), 0);
	assert_non_null(strstr(buf, "--socket"));
	assert_non_null(strstr(buf, "--guest-ram"));
}

static void test_missing_arguments(void **state)
{
	const char *argv[] = { daemon_path, "--socket", "/tmp/x", NULL };
	char buf[4096];
	int err;
	pid_t pid;

	(void)state;
	pid = spawn(argv, &err);
	read_all(err, buf, sizeof(buf));
	assert_int_equal(wait_exit(pid, 5000), 2);
	assert_non_null(strstr(buf, "--guest-ram"));
}

static void test_bad_bar2_size(void **state)
{
	const char *argv[] = { daemon_path, "--socket", "/tmp/x", "--guest-ram",
			       "/tmp/y", "--bar2-size", "5M", NULL };
	char buf[4096];
	int err;
	pid_t pid;

	(void)state;
	pid = spawn(argv, &err);
	read_all(err, buf, sizeof(buf));
	assert_int_equal(wait_exit(pid, 5000), 2);
	assert_non_null(strstr(buf, "power of two"));
}

static void test_setup_messages(void **state)
{
	struct fixture *f = *state;
	struct client c;

	start_daemon(f, 1);
	client_connect(&c, f->sock);
	assert_int_equal(c.bar2_size, EYRIE_BAR2_MIN_SIZE);
	assert_int_equal(ctrl_of(&c)->magic, EYRIE_CTRL_MAGIC);
	assert_int_equal(ctrl_of(&c)->doorbell_peer, 0);
	assert_int_equal(ctrl_of(&c)->status, EYRIE_DEV_STATUS_RESET);
	client_close(&c);
}

static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void ring(int fd)
{
	uint64_t one = 1;

	assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
}

/* A mailbox command through the admin doorbell completes with MSI-X 0. */
static void test_doorbell_raises_interrupt(void **state)
{
	struct fixture *f = *state;
	struct eyrie_hw_mailbox *mb;
	struct client c;
	uint64_t count;

	start_daemon(f, 1);
	client_connect(&c, f->sock);
	mb = (void *)((char *)c.bar2 + EYRIE_CTRL_OFF_MAILBOX);
	mb->cmd = EYRIE_MBOX_PING;
	__atomic_store_n(&mb->seq, 7, __ATOMIC_RELEASE);
	ring(c.doorbell_fd[EYRIE_VECTOR_ADMIN]);
	assert_true(wait_readable(c.irq_fd[EYRIE_VECTOR_ADMIN], 5000));
	assert_int_equal(read(c.irq_fd[EYRIE_VECTOR_ADMIN], &count,
			      sizeof(count)), sizeof(count));
	assert_true(count >= 1);
	assert_int_equal(__atomic_load_n(&mb->done_seq, __ATOMIC_ACQUIRE), 7);
	assert_int_not_equal(mb->result, EYRIE_MBOX_PENDING);
	client_close(&c);
}

/* A VM that goes away and comes back finds a freshly reset board. */
static void test_reconnect_gets_fresh_board(void **state)
{
	struct fixture *f = *state;
	struct client a, b;

	start_daemon(f, 1);
	client_connect(&a, f->sock);
	/* Scribble on the device memory past the control page. */
	memset((char *)a.bar2 + EYRIE_CTRL_SIZE, 0xa5, 4096);
	client_close(&a);
	usleep(100000);
	client_connect(&b, f->sock);
	assert_int_not_equal(b.peer, a.peer);
	assert_int_equal(ctrl_of(&b)->magic, EYRIE_CTRL_MAGIC);
	assert_int_equal(((unsigned char *)b.bar2)[EYRIE_CTRL_SIZE], 0);
	client_close(&b);
	assert_true(log_contains(f, "disconnected"));
}

/* One board, one VM: a second QEMU is hung up on, the first keeps going. */
static void test_second_client_refused(void **state)
{
	struct fixture *f = *state;
	struct eyrie_hw_mailbox *mb;
	struct client a;
	int64_t v;
	int s, fd;

	start_daemon(f, 1);
	client_connect(&a, f->sock);
	s = connect_to(f->sock);
	assert_true(s >= 0);
	assert_int_equal(ivshmem_recv(s, &v, &fd), -EPIPE);
	close(s);
	mb = (void *)((char *)a.bar2 + EYRIE_CTRL_OFF_MAILBOX);
	mb->cmd = EYRIE_MBOX_PING;
	__atomic_store_n(&mb->seq, 1, __ATOMIC_RELEASE);
	ring(a.doorbell_fd[EYRIE_VECTOR_ADMIN]);
	assert_true(wait_readable(a.irq_fd[EYRIE_VECTOR_ADMIN], 5000));
	client_close(&a);
	assert_true(log_contains(f, "refused a second QEMU"));
}

/*
 * QEMU connects before it creates its RAM file: the setup must not wait for
 * it (the file is mapped at the first DMA).
 */
static void test_guest_ram_created_after_connect(void **state)
{
	struct fixture *f = *state;
	struct client c;

	start_daemon(f, 0);
	client_connect(&c, f->sock);
	assert_int_equal(ctrl_of(&c)->magic, EYRIE_CTRL_MAGIC);
	client_close(&c);
}

static void test_guest_ram_dir_missing(void **state)
{
	const char *argv[] = { daemon_path, "--socket", "/tmp/x.sock",
			       "--guest-ram", "/nonexistent-dir/ram", NULL };
	char buf[4096];
	int err;
	pid_t pid;

	(void)state;
	pid = spawn(argv, &err);
	read_all(err, buf, sizeof(buf));
	assert_int_equal(wait_exit(pid, 5000), 1);
	assert_non_null(strstr(buf, "does not exist"));
}

static void test_socket_in_use(void **state)
{
	struct fixture *f = *state;
	const char *argv[] = { daemon_path, "--socket", f->sock, "--guest-ram",
			       f->ram, NULL };
	char buf[4096];
	int err;
	pid_t pid;

	start_daemon(f, 1);
	pid = spawn(argv, &err);
	read_all(err, buf, sizeof(buf));
	assert_int_equal(wait_exit(pid, 5000), 1);
	assert_non_null(strstr(buf, "in use"));
}

static void test_sigterm_removes_socket(void **state)
{
	struct fixture *f = *state;
	struct client c;
	struct stat st;

	start_daemon(f, 1);
	client_connect(&c, f->sock);
	kill(f->pid, SIGTERM);
	assert_int_equal(wait_exit(f->pid, 5000), 0);
	f->pid = 0;
	assert_int_equal(stat(f->sock, &st), -1);
	client_close(&c);
}

/* A socket file left by a killed daemon does not block a new one. */
static void test_stale_socket_replaced(void **state)
{
	struct fixture *f = *state;
	struct client c;

	start_daemon(f, 1);
	kill(f->pid, SIGKILL);
	wait_exit(f->pid, 5000);
	f->pid = 0;
	start_daemon(f, 1);
	client_connect(&c, f->sock);
	assert_int_equal(ctrl_of(&c)->magic, EYRIE_CTRL_MAGIC);
	client_close(&c);
}

/* --exit-after N: the readiness probe is connection 1, the VM number 2. */
static void test_exit_after(void **state)
{
	struct fixture *f = *state;
	struct client c;

	start_daemon_args(f, 1, "--exit-after");
	client_connect(&c, f->sock);
	client_close(&c);
	assert_int_equal(wait_exit(f->pid, 5000), 0);
	f->pid = 0;
	assert_true(log_contains(f, "served 2 connection(s)"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_missing_arguments),
		cmocka_unit_test(test_bad_bar2_size),
		cmocka_unit_test_setup_teardown(test_setup_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doorbell_raises_interrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnect_gets_fresh_board, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_client_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_ram_created_after_connect, setup, teardown),
		cmocka_unit_test(test_guest_ram_dir_missing),
		cmocka_unit_test_setup_teardown(test_socket_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm_removes_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_socket_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_after, setup, teardown),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/TO/eyrie-sim\n", argv[0]);
		return 2;
	}
	daemon_path = argv[1];
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("sim-daemon", tests, NULL, NULL);
}
