/* SPDX-License-Identifier: MIT */
/*
 * Boot: the image checks of the boot ROM give the precise mailbox result
 * (magic, sizes, CRC, ABI, build id) and leave the device FAILED; a good
 * image boots and the firmware answers the handshake; mailbox commands in
 * the wrong state are refused.
 */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_test_util.h"

static struct th T;
static uint8_t *img;
static size_t img_len;

static int setup(void **state)
{
	FILE *f;

	(void)state;
	if (th_open(&T, NULL))
		return -1;
	f = fopen(FW_IMAGE_PATH, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	img_len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	img = malloc(img_len);
	if (fread(img, 1, img_len, f) != img_len)
		return -1;
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(img);
	th_close(&T);
	return 0;
}

static uint32_t status(void)
{
	return __atomic_load_n(&eyrie_simhost_ctrl(T.h)->status, __ATOMIC_ACQUIRE);
}


/* Boots a mutated copy, expects result, then the good image again. */
static void boot_expect(void (*mutate)(uint8_t *, size_t *), int expect)
{
	uint8_t *copy = malloc(img_len + 64);
	size_t len = img_len;

	memcpy(copy, img, img_len);
	mutate(copy, &len);
	assert_int_equal(eyrie_simhost_boot_image(T.h, copy, len), expect);
	assert_int_equal(status(), EYRIE_DEV_STATUS_FAILED);
	free(copy);
	assert_int_equal(eyrie_simhost_boot_image(T.h, img, img_len), EYRIE_MBOX_OK);
	assert_int_equal(status(), EYRIE_DEV_STATUS_READY);
}

static void mut_magic(uint8_t *im, size_t *len) { (void)len; im[0] ^= 1; }
static void mut_hdr_version(uint8_t *im, size_t *len)
{
	(void)len;
	((struct eyrie_fw_header *)im)->header_version = 2;
}
static void mut_hdr_size(uint8_t *im, size_t *len)
{
	(void)len;
	((struct eyrie_fw_header *)im)->header_size = 60;
}
static void mut_truncated(uint8_t *im, size_t *len) { (void)im; *len -= 100; }
static void mut_payload_size(uint8_t *im, size_t *len)
{
	(void)len;
	((struct eyrie_fw_header *)im)->payload_size += 4;
}
static void mut_tiny(uint8_t *im, size_t *len) { (void)im; *len = 10; }
static void mut_crc(uint8_t *im, size_t *len) { im[*len - 1] ^= 0x80; }
/* The CRC check comes before the ABI check: a bad CRC wins. */
static void mut_crc_and_abi(uint8_t *im, size_t *len)
{
	im[*len - 1] ^= 0x80;
	((struct eyrie_fw_header *)im)->abi_major++;
}

/* Trailing bytes after the payload are allowed (size <= arg1). */
static int boot_with_tail(void)
{
	uint8_t *copy = malloc(img_len + 64);
	int r;

	memcpy(copy, img, img_len);
	memset(copy + img_len, 0xee, 64);
	r = eyrie_simhost_boot_image(T.h, copy, img_len + 64);
	free(copy);
	return r;
}
static void mut_abi_major(uint8_t *im, size_t *len)
{
	(void)len;
	((struct eyrie_fw_header *)im)->abi_major++;
}
static void mut_abi_minor(uint8_t *im, size_t *len)
{
	(void)len;
	((struct eyrie_fw_header *)im)->abi_minor++;
}
static void mut_build_id(uint8_t *im, size_t *len)
{
	(void)len;
	((struct eyrie_fw_header *)im)->build_id[7] ^= 0x10;
}

/* With the image refused, submitting is a clear error, not a hang. */
static void test_submit_without_firmware(void **state)
{
	uint8_t *copy = malloc(img_len);
	uint64_t va, tag;

	(void)state;
	th_alloc(&T, 4096, &va, 1);
	memcpy(copy, img, img_len);
	copy[0] ^= 1;
	assert_int_equal(eyrie_simhost_boot_image(T.h, copy, img_len), EYRIE_MBOX_ERR_FW_MAGIC);
	assert_int_equal(eyrie_simhost_submit(T.h, T.ctx, 0, va, 1, &tag), -EIO);
	assert_non_null(strstr(eyrie_simhost_errmsg(T.h), "not running"));
	assert_int_equal(eyrie_simhost_boot_image(T.h, img, img_len), EYRIE_MBOX_OK);
	free(copy);
}

static void test_bad_images(void **state)
{
	(void)state;
	boot_expect(mut_magic, EYRIE_MBOX_ERR_FW_MAGIC);
	boot_expect(mut_hdr_version, EYRIE_MBOX_ERR_FW_SIZE);
	boot_expect(mut_hdr_size, EYRIE_MBOX_ERR_FW_SIZE);
	boot_expect(mut_truncated, EYRIE_MBOX_ERR_FW_SIZE);
	boot_expect(mut_payload_size, EYRIE_MBOX_ERR_FW_SIZE);
	boot_expect(mut_tiny, EYRIE_MBOX_ERR_FW_SIZE);
	boot_expect(mut_crc, EYRIE_MBOX_ERR_FW_CRC);
	boot_expect(mut_crc_and_abi, EYRIE_MBOX_ERR_FW_CRC);
	assert_int_equal(boot_with_tail(), EYRIE_MBOX_OK);
	boot_expect(mut_abi_major, EYRIE_MBOX_ERR_FW_ABI);
	boot_expect(mut_abi_minor, EYRIE_MBOX_ERR_FW_ABI);
	boot_expect(mut_build_id, EYRIE_MBOX_ERR_FW_BUILD_ID);
	assert_non_null(strstr(eyrie_simhost_errmsg(T.h), "build id"));
}

static void test_handshake(void **state)
{
	const struct eyrie_hw_ctrl *ctrl = eyrie_simhost_ctrl(T.h);
	const struct eyrie_hw_mailbox *mb = (const void *)((const uint8_t *)ctrl +
							    EYRIE_CTRL_OFF_MAILBOX);
	const struct eyrie_fw_header *h = (const void *)img;

	(void)state;
	assert_int_equal(ctrl->magic, EYRIE_CTRL_MAGIC);
	assert_int_equal(ctrl->hw_version, EYRIE_HW_VERSION);
	assert_int_equal(status(), EYRIE_DEV_STATUS_READY);
	assert_int_equal(mb->fw_version, h->fw_version);
	assert_int_equal(mb->fw_abi, (EYRIE_FW_ABI_MAJOR << 16) | EYRIE_FW_ABI_MINOR);
	assert_memory_equal(mb->fw_build_id, h->build_id, 20);
	assert_int_equal(ctrl->desc.pe_rows, 12);
	assert_int_equal(ctrl->desc.pe_cols, 14);
	assert_int_equal(ctrl->desc.glb_bytes, 108 * 1024);
	assert_int_equal(ctrl->desc.num_queues, 2);
	assert_int_equal(ctrl->desc.queue_max_entries, 1024);
	assert_int_equal(eyrie_simhost_mailbox(T.h, EYRIE_MBOX_PING, 0, 0, 5000), EYRIE_MBOX_OK);
}

static void test_mailbox_states(void **state)
{
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;

	(void)state;
	/* Running firmware refuses a second boot and unknown commands. */
	assert_int_equal(eyrie_simhost_mailbox(T.h, EYRIE_MBOX_BOOT, EYRIE_FW_LOAD_OFFSET,
					       img_len, 5000), EYRIE_MBOX_ERR_STATE);
	assert_int_equal(eyrie_simhost_mailbox(T.h, 99, 0, 0, 5000), EYRIE_MBOX_ERR_BAD_CMD);
	assert_int_equal(eyrie_simhost_mailbox(T.h, EYRIE_MBOX_SET_TELEMETRY, 20000000, 0,
					       5000), EYRIE_MBOX_ERR_BAD_CMD);
	/* After a reset only BOOT is served. */
	assert_int_equal(eyrie_simhost_mailbox(T.h, EYRIE_MBOX_RESET, 0, 0, 5000), EYRIE_MBOX_OK);
	assert_int_equal(status(), EYRIE_DEV_STATUS_RESET);
	assert_int_equal(eyrie_simhost_mailbox(T.h, EYRIE_MBOX_PING, 0, 0, 5000),
			 EYRIE_MBOX_ERR_STATE);
	assert_int_equal(eyrie_simhost_reset(T.h), 0);
	cl_add(&cl, EYRIE_OP_NOP);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	cl_free(&cl);
}

/* Fault injection: a RESET left unanswered (a wedged device), then one handled. */
static void test_refused_reset(void **state)
{
	char buf[EYRIE_LOG_RING_BYTES + 1];
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	uint64_t pos = 0;

	(void)state;
	assert_int_equal(status(), EYRIE_DEV_STATUS_READY);
	eyrie_sim_refuse_next_reset(eyrie_simhost_sim(T.h));
	assert_int_equal(eyrie_simhost_mailbox(T.h, EYRIE_MBOX_RESET, 0, 0, 300), -ETIMEDOUT);
	/* Nothing was reset: the firmware still runs. */
	assert_int_equal(status(), EYRIE_DEV_STATUS_READY);
	eyrie_simhost_log_read(T.h, &pos, buf, sizeof(buf));
	assert_non_null(strstr(buf, "debug: the next RESET goes unanswered"));
	assert_non_null(strstr(buf, "bootrom: debug: RESET left unanswered"));
	/* Only the next one: the RESET after it is handled. */
	assert_int_equal(eyrie_simhost_mailbox(T.h, EYRIE_MBOX_RESET, 0, 0, 5000), EYRIE_MBOX_OK);
	assert_int_equal(status(), EYRIE_DEV_STATUS_RESET);
	assert_int_equal(eyrie_simhost_reset(T.h), 0);
	cl_add(&cl, EYRIE_OP_NOP);
	assert_int_equal(th_run(&T, &cl, &cqe), 0);
	assert_int_equal(cqe.status, EYRIE_JOB_OK);
	cl_free(&cl);
}

static void test_log(void **state)
{
	char buf[EYRIE_LOG_RING_BYTES + 1];
	uint64_t pos = 0;

	(void)state;
	eyrie_simhost_log_read(T.h, &pos, buf, sizeof(buf));
	assert_non_null(strstr(buf, "image rejected: payload CRC-32 mismatch"));
	assert_non_null(strstr(buf, "eyrie firmware up"));
	assert_true(pos > 0);
	assert_int_equal(eyrie_simhost_log_read(T.h, &pos, buf, sizeof(buf)), 0);
}

static void test_open_errors(void **state)
{
	struct eyrie_simhost_opts o;
	struct eyrie_simhost *h = NULL;
	char err[512] = "";

	(void)state;
	memset(&o, 0, sizeof(o));
	o.sz = sizeof(o);
	o.fw_path = "/nonexistent/eyrie_fw.bin";
	o.errbuf = err;
	o.errbuf_len = sizeof(err);
	assert_int_equal(eyrie_simhost_open(&o, &h), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/eyrie_fw.bin"));
	o.fw_path = FW_IMAGE_PATH;
	o.queue_entries = 3;
	assert_int_equal(eyrie_simhost_open(&o, &h), -EINVAL);
	assert_non_null(strstr(err, "power of two"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake),
		cmocka_unit_test(test_bad_images),
		cmocka_unit_test(test_submit_without_firmware),
		cmocka_unit_test(test_mailbox_states),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_refused_reset),
		cmocka_unit_test(test_open_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
