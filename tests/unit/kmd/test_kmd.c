// SPDX-License-Identifier: MIT
/*
 * The kmd shim without a board: what it says when a path is not an Eyrie
 * node (missing, not DRM, not readable), the advice attached to each errno
 * the driver returns, the checks made before an ioctl, the firmware log
 * ring reader, libpci on this machine's own PCI functions, and the board
 * API (accel/board.h) on the emulated board.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "accel/board.h"
#include "accel/libaccel.h"
#include "accel/share.h"
#include "shim/kmd.h"

static void assert_msg_has(const char *needle)
{
	const char *msg = accel_last_error();

	if (!strstr(msg, needle))
		fail_msg("message '%s' lacks '%s'", msg, needle);
}

static struct eyr_shim *try_open(const char *path, int *err)
{
	struct eyr_shim *s = NULL;

	*err = eyr_shim_kmd_ops.open(path, NULL, &s);
	return s;
}

static void test_linked(void **state)
{
	(void)state;
	assert_non_null(&eyr_shim_kmd_ops);
	assert_string_equal(eyr_shim_kmd_ops.name, "kmd");
	assert_non_null(eyr_shim_kmd_ops.open);
	assert_non_null(eyr_shim_kmd_ops.drain);
	assert_non_null(eyr_shim_kmd_ops.close);
	assert_non_null(eyr_shim_kmd_ops.query);
	assert_non_null(eyr_shim_kmd_ops.bo_alloc);
	assert_non_null(eyr_shim_kmd_ops.bo_free);
	assert_non_null(eyr_shim_kmd_ops.submit);
	assert_non_null(eyr_shim_kmd_ops.wait);
	assert_non_null(eyr_shim_kmd_ops.fence_free);
	assert_non_null(eyr_shim_kmd_ops.reset);
	assert_non_null(eyr_shim_kmd_ops.telemetry_read);
	assert_non_null(eyr_shim_kmd_ops.board_info);
	assert_non_null(eyr_shim_kmd_ops.fw_log);
	assert_non_null(eyr_shim_kmd_ops.bo_export);
	assert_non_null(eyr_shim_kmd_ops.bo_import);
}

static void test_open_missing(void **state)
{
	int err;

	(void)state;
	assert_null(try_open("/nonexistent/accel7", &err));
	assert_int_equal(err, -ENOENT);
	assert_msg_has("/nonexistent/accel7");
	assert_msg_has("modprobe eyrie");
}

static void test_open_not_drm(void **state)
{
	char path[] = "/tmp/eyrie-kmd-XXXXXX";
	int fd = mkstemp(path), err;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_null(try_open("/dev/null", &err));
	assert_int_equal(err, -ENODEV);
	assert_msg_has("/dev/null is not a DRM device node");
	assert_null(try_open(path, &err));
	assert_int_equal(err, -ENODEV);
	assert_msg_has("not an Eyrie board");
	unlink(path);
	/* Through the public API, discovery says the same before any shim. */
	struct accel_device *dev = NULL;

	assert_int_equal(accel_device_open("/dev/null", NULL, &dev), -ENODEV);
	assert_null(dev);
}

static void test_open_too_long(void **state)
{
	char path[200];
	int err;

	(void)state;
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_null(try_open(path, &err));
	assert_int_equal(err, -ENAMETOOLONG);
}

/* A node nobody but its owner may open: the message names the fix. */
static void test_open_permission(void **state)
{
	char path[] = "/tmp/eyrie-kmd-XXXXXX";
	int fd = mkstemp(path), status = 0, pipefd[2];
	char msg[600] = "";
	pid_t pid;
	ssize_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path, 0), 0);
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct eyr_shim *s = NULL;
		int err;

		close(pipefd[0]);
		/* root reads mode-000 files: drop to nobody first. */
		if (geteuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(2);
		err = eyr_shim_kmd_ops.open(path, NULL, &s);
		if (dprintf(pipefd[1], "%d %s", err, accel_last_error()) < 0)
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, sizeof(msg) - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	unlink(path);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(atoi(msg), -EACCES);
	if (!strstr(msg, "'render' group") || !strstr(msg, "70-eyrie.rules"))
		fail_msg("message lacks the fix: %s", msg);
}

static struct kmd_shim fake(int fd)
{
	struct kmd_shim k = { .base.ops = &eyr_shim_kmd_ops, .fd = fd };

	snprintf(k.path, sizeof(k.path), "/dev/accel/accel3");
	k.info.num_queues = 2;
	k.tail = &k.head;
	return k;
}

static void test_errno_advice(void **state)
{
	struct kmd_shim k = fake(-1);
	static const struct { int err; const char *says; } cases[] = {
		{ -EACCES, "render" },
		{ -EPERM, "usermod -aG render" },
		{ -ENODEV, "gone away" },
		{ -ENXIO, "gone away" },
		{ -ECANCELED, "ban_threshold" },
		{ -EIO, "accelctl reset" },
		{ -ENOTTY, "too old" },
		{ -ENOENT, "modprobe eyrie" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(eyr_kmd_error(&k, cases[i].err, "job submit (SUBMIT)"),
				 cases[i].err);
		assert_msg_has("kmd: job submit (SUBMIT) on /dev/accel/accel3: ");
		assert_msg_has(strerror(-cases[i].err));
		assert_msg_has(cases[i].says);
	}
	/* No advice invented for what has none. */
	assert_int_equal(eyr_kmd_error(&k, -EINVAL, "x"), -EINVAL);
	assert_string_equal(accel_last_error(), "kmd: x on /dev/accel/accel3: Invalid argument");
}

/* Arguments refused before any ioctl reaches the (here absent) device. */
static void test_submit_checks(void **state)
{
	struct kmd_shim k = fake(-1);
	struct eyr_shim_submit args = { .cmdbuf_addr = 0x100000, .cmd_count = 1, .queue = 2 };
	struct eyr_shim_fence *f = NULL;

	(void)state;
	pthread_mutex_init(&k.lock, NULL);
	pthread_mutex_init(&k.submit_lock, NULL);
	assert_int_equal(eyr_shim_kmd_ops.submit(&k.base, &args, &f), -EINVAL);
	assert_null(f);
	assert_msg_has("queue 2 does not exist on /dev/accel/accel3");
	/* A valid queue reaches the kernel: a closed descriptor says EBADF. */
	args.queue = 1;
	assert_int_equal(eyr_shim_kmd_ops.submit(&k.base, &args, &f), -EBADF);
	assert_null(f);
	assert_msg_has("syncobj create");
	pthread_mutex_destroy(&k.submit_lock);
	pthread_mutex_destroy(&k.lock);
}

/* ioctls on a node of another kind: ENOTTY, read as "driver too old". */
static void test_ioctl_marshalling_not_eyrie(void **state)
{
	struct kmd_shim k = fake(open("/dev/null", O_RDWR | O_CLOEXEC));
	struct accel_telemetry t = { .sz = sizeof(t) };
	struct eyr_shim_bo *bo = NULL;

	(void)state;
	assert_true(k.fd >= 0);
	assert_int_equal(eyr_kmd_ioctl(&k, DRM_IOCTL_EYRIE_WAIT, &(struct drm_eyrie_wait){ 0 }),
			 -ENOTTY);
	/* Reset is debugfs's (root): no such device here, the message says where. */
	assert_true(eyr_shim_kmd_ops.reset(&k.base) < 0);
	assert_msg_has("reset");
	assert_int_equal(eyr_shim_kmd_ops.telemetry_read(&k.base, &t), -ENOTTY);
	assert_msg_has("telemetry query");
	assert_int_equal(eyr_shim_kmd_ops.bo_alloc(&k.base, 4096, 0, &bo), -ENOTTY);
	assert_null(bo);
	assert_msg_has("BO_CREATE");
	close(k.fd);
}

static void test_slot_name(void **state)
{
	struct drm_eyrie_device_info info = { .pci_domain = 1, .pci_bus = 0x3a,
					       .pci_dev = 0x1f, .pci_func = 7 };
	char buf[16];

	(void)state;
	eyr_kmd_slot_name(&info, buf, sizeof(buf));
	assert_string_equal(buf, "0001:3a:1f.7");
}

static void *ctrl_page(void)
{
	return calloc(1, EYRIE_CTRL_SIZE);
}

static void ring_write(void *ctrl, const char *text)
{
	struct eyrie_hw_log *log = (void *)((char *)ctrl + EYRIE_CTRL_OFF_LOG);
	char *data = (char *)(log + 1);

	for (const char *p = text; *p; p++)
		data[log->head++ % EYRIE_LOG_RING_BYTES] = *p;
}

static void test_fw_log_ring(void **state)
{
	void *ctrl = ctrl_page();
	char *big = malloc(EYRIE_LOG_RING_BYTES + 64), buf[8];
	size_t n;

	(void)state;
	assert_non_null(ctrl);
	assert_int_equal(eyr_fw_log_from_ring(ctrl, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	ring_write(ctrl, "hello\n");
	assert_int_equal(eyr_fw_log_from_ring(ctrl, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "hello\n");
	/* Only the newest bytes fit. */
	assert_int_equal(eyr_fw_log_from_ring(ctrl, buf, 4), 3);
	assert_string_equal(buf, "lo\n");
	assert_int_equal(eyr_fw_log_from_ring(ctrl, buf, 0), 0);
	/* Wrapped: the oldest bytes were overwritten; the order is kept. */
	for (unsigned int i = 0; i < EYRIE_LOG_RING_BYTES / 8; i++)
		ring_write(ctrl, "abcdefg\n");
	ring_write(ctrl, "LAST");
	n = eyr_fw_log_from_ring(ctrl, big, EYRIE_LOG_RING_BYTES + 64);
	assert_int_equal(n, EYRIE_LOG_RING_BYTES);
	assert_memory_equal(big + n - 12, "abcdefg\nLAST", 12);
	assert_int_equal(strlen(big), n);
	free(big);
	free(ctrl);
}

/* NULs in the ring (a firmware writing binary) do not end the text early. */
static void test_fw_log_ring_nul(void **state)
{
	void *ctrl = ctrl_page();
	struct eyrie_hw_log *log = (void *)((char *)ctrl + EYRIE_CTRL_OFF_LOG);
	char buf[16];

	(void)state;
	ring_write(ctrl, "ab");
	log->head++;		/* a zero byte */
	ring_write(ctrl, "c");
	assert_int_equal(eyr_fw_log_from_ring(ctrl, buf, sizeof(buf)), 4);
	assert_string_equal(buf, "ab.c");
	free(ctrl);
}

static unsigned int read_hex(const char *dir, const char *file)
{
	char path[512];
	unsigned int v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fscanf(f, "%x", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* libpci against sysfs for every function this machine has (maybe none). */
static void test_pci_fill_matches_sysfs(void **state)
{
	FILE *ls = popen("ls /sys/bus/pci/devices 2>/dev/null", "r");
	char slot[64];
	unsigned int seen = 0;

	(void)state;
	assert_non_null(ls);
	while (fgets(slot, sizeof(slot), ls)) {
		unsigned int dom, bus, dev, fn;
		struct accel_board_info b = { .sz = sizeof(b) };

		slot[strcspn(slot, "\n")] = '\0';
		if (sscanf(slot, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4)
			continue;
		eyr_kmd_pci_fill(dom, (uint8_t)bus, (uint8_t)dev, (uint8_t)fn, &b);
		assert_int_equal(b.pci_vendor, read_hex(slot, "vendor"));
		assert_int_equal(b.pci_device, read_hex(slot, "device"));
		assert_int_equal(b.pci_class, read_hex(slot, "class"));
		if (b.has_link)
			assert_true(b.link_width <= 32 && b.link_max_width <= 32);
		seen++;
	}
	pclose(ls);
	print_message("libpci matched sysfs on %u PCI functions\n", seen);
}

/* A function that does not exist: no crash, no exit, nothing made up. */
static void test_pci_fill_absent(void **state)
{
	struct accel_board_info b = { .sz = sizeof(b) };

	(void)state;
	eyr_kmd_pci_fill(0x7ffe, 0xfe, 31, 7, &b);
	assert_false(b.has_link);
	assert_true(b.pci_vendor == 0 || b.pci_vendor == 0xffff);
}

static void test_board_api_emu(void **state)
{
	struct accel_board_info b = { .sz = sizeof(b) };
	struct accel_device *dev;
	char log[4096];
	int n;

	(void)state;
	assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
	memset(&b, 0x5a, sizeof(b));
	b.sz = sizeof(b);
	assert_int_equal(accel_device_board_info(dev, &b), 0);
	assert_string_equal(b.shim, "emu");
	assert_string_equal(b.node, "");
	assert_false(b.has_pci);
	assert_false(b.has_link);
	assert_int_equal(b.uapi_version, 0);
	/* An older caller's smaller struct gets only its part. */
	struct { struct accel_board_info b; char guard[8]; } small;

	memset(&small, 0x77, sizeof(small));
	small.b.sz = offsetof(struct accel_board_info, node);
	assert_int_equal(accel_device_board_info(dev, &small.b), 0);
	assert_string_equal(small.b.shim, "emu");
	assert_int_equal((unsigned char)small.b.node[0], 0x77);
	small.b.sz = 1;
	assert_int_equal(accel_device_board_info(dev, &small.b), -EINVAL);

	n = accel_device_fw_log(dev, log, sizeof(log));
	assert_true(n > 0);
	assert_int_equal(strlen(log), n);
	assert_non_null(strstr(log, "firmware up"));
	assert_int_equal(accel_device_fw_log(dev, NULL, 10), -EINVAL);
	assert_int_equal(accel_device_fw_log(NULL, log, sizeof(log)), -EINVAL);
	assert_int_equal(accel_device_board_info(NULL, &b), -EINVAL);
	/* A reset reboots the firmware: one more boot line in the log. */
	const char *p = log;
	int boots = 0, after = 0;

	while ((p = strstr(p, "firmware up")))
		boots++, p++;
	assert_int_equal(accel_device_reset(dev), 0);
	assert_true(accel_device_fw_log(dev, log, sizeof(log)) > 0);
	for (p = log; (p = strstr(p, "firmware up")); p++)
		after++;
	assert_int_equal(after, boots + 1);
	accel_device_close(dev);
}

/* Sharing needs the driver: emu says so; bad arguments are refused. */
static void test_share_api(void **state)
{
	struct accel_buffer *buf, *imp = (void *)1;
	struct accel_device *dev;
	int fd = -1;

	(void)state;
	assert_int_equal(accel_device_open("emu", NULL, &dev), 0);
	assert_int_equal(accel_buffer_create(dev, 4096, NULL, &buf), 0);
	assert_int_equal(accel_buffer_export_fd(buf, &fd), -EOPNOTSUPP);
	assert_int_equal(fd, -1);
	assert_msg_has("sharing needs a board behind the eyrie driver");
	assert_int_equal(accel_buffer_import_fd(dev, 0, &imp), -EOPNOTSUPP);
	assert_null(imp);
	assert_int_equal(accel_buffer_import_fd(dev, -1, &imp), -EBADF);
	assert_int_equal(accel_buffer_export_fd(NULL, &fd), -EINVAL);
	assert_int_equal(accel_buffer_export_fd(buf, NULL), -EINVAL);
	assert_int_equal(accel_buffer_import_fd(NULL, 0, &imp), -EINVAL);
	accel_buffer_free(buf);
	accel_device_close(dev);
}

/* The kmd import path on a descriptor of another kind: refused, no leak. */
static void test_kmd_import_not_dmabuf(void **state)
{
	struct kmd_shim k = fake(open("/dev/null", O_RDWR | O_CLOEXEC));
	struct eyr_shim_bo *bo = NULL;
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	(void)state;
	pthread_mutex_init(&k.lock, NULL);
	assert_true(k.fd >= 0 && fd >= 0);
	assert_true(eyr_shim_kmd_ops.bo_import(&k.base, fd, &bo) < 0);
	assert_null(bo);
	assert_msg_has("/dev/accel/accel3");
	pthread_mutex_destroy(&k.lock);
	close(fd);
	close(k.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linked),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_open_not_drm),
		cmocka_unit_test(test_open_too_long),
		cmocka_unit_test(test_open_permission),
		cmocka_unit_test(test_errno_advice),
		cmocka_unit_test(test_submit_checks),
		cmocka_unit_test(test_ioctl_marshalling_not_eyrie),
		cmocka_unit_test(test_slot_name),
		cmocka_unit_test(test_fw_log_ring),
		cmocka_unit_test(test_fw_log_ring_nul),
		cmocka_unit_test(test_pci_fill_matches_sysfs),
		cmocka_unit_test(test_pci_fill_absent),
		cmocka_unit_test(test_board_api_emu),
		cmocka_unit_test(test_share_api),
		cmocka_unit_test(test_kmd_import_not_dmabuf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
