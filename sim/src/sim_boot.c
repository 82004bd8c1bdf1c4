/* SPDX-License-Identifier: MIT */
/*
 * Mailbox commands the hardware handles itself: the boot ROM (MBOX_BOOT:
 * check the image in BAR2, then release the firmware core) and MBOX_RESET.
 * Everything else goes to the running firmware.
 */
#include <string.h>

#include "eyrie_crc32.h"
#include "sim_internal.h"

#define MBOX_OFF(f)	(EYRIE_CTRL_OFF_MAILBOX + offsetof(struct eyrie_hw_mailbox, f))

/* A line in the log ring, as the boot ROM writes it (firmware not running). */
void sim_log(struct eyrie_sim *sim, const char *msg)
{
	struct eyrie_hw_log *log = (struct eyrie_hw_log *)(sim->bar2 + EYRIE_CTRL_OFF_LOG);
	uint8_t *data = (uint8_t *)(log + 1);
	uint64_t head = __atomic_load_n(&log->head, __ATOMIC_ACQUIRE);
	size_t i, n = strlen(msg);

	for (i = 0; i <= n; i++)
		data[(head + i) % EYRIE_LOG_RING_BYTES] = i < n ? (uint8_t)msg[i] : '\n';
	__atomic_store_n(&log->head, head + n + 1, __ATOMIC_RELEASE);
}

static void mbox_finish(struct eyrie_sim *sim, uint32_t result)
{
	ctrl_store(sim, MBOX_OFF(result), result);
	ctrl_store(sim, MBOX_OFF(done_seq), ctrl_load(sim, MBOX_OFF(seq)));
	sim_irq(sim, EYRIE_VECTOR_ADMIN);
}

/*
 * Returns EYRIE_MBOX_OK or the precise EYRIE_MBOX_ERR_FW_* of the image, in
 * the order of docs/hardware.md 4.1 (the first failing check decides).
 */
static uint32_t check_image(struct eyrie_sim *sim, uint64_t off, uint64_t size)
{
	struct eyrie_fw_header h;
	const uint8_t *payload;

	if (off < EYRIE_CTRL_SIZE || off > sim->bar2_size || size < 4 ||
	    size > sim->bar2_size - off)
		return EYRIE_MBOX_ERR_FW_SIZE;
	memset(&h, 0, sizeof(h));
	memcpy(&h, sim->bar2 + off, size < sizeof(h) ? size : sizeof(h));
	if (h.magic != EYRIE_FW_MAGIC)
		return EYRIE_MBOX_ERR_FW_MAGIC;
	if (size < sizeof(h) || h.header_version != EYRIE_FW_HEADER_VERSION ||
	    h.header_size != sizeof(h) ||
	    (uint64_t)h.payload_size + sizeof(h) > size || size > EYRIE_FW_MAX_SIZE)
		return EYRIE_MBOX_ERR_FW_SIZE;
	payload = sim->bar2 + off + sizeof(h);
	if (eyrie_crc32(payload, h.payload_size) != h.payload_crc32)
		return EYRIE_MBOX_ERR_FW_CRC;
	if (h.abi_major != EYRIE_FW_ABI_MAJOR || h.abi_minor > EYRIE_FW_ABI_MINOR)
		return EYRIE_MBOX_ERR_FW_ABI;
	/* The model runs its host build of the firmware: it must be this one. */
	if (memcmp(h.build_id, fw_build_id, sizeof(h.build_id)))
		return EYRIE_MBOX_ERR_FW_BUILD_ID;
	return EYRIE_MBOX_OK;
}

static const char *image_error_text(uint32_t r)
{
	switch (r) {
	case EYRIE_MBOX_ERR_FW_MAGIC:
		return "bootrom: image rejected: bad magic";
	case EYRIE_MBOX_ERR_FW_SIZE:
		return "bootrom: image rejected: header version/size or payload size inconsistent with the load";
	case EYRIE_MBOX_ERR_FW_CRC:
		return "bootrom: image rejected: payload CRC-32 mismatch";
	case EYRIE_MBOX_ERR_FW_ABI:
		return "bootrom: image rejected: firmware ABI not supported";
	case EYRIE_MBOX_ERR_FW_BUILD_ID:
		return "bootrom: image rejected: build id differs from this device's firmware";
	default:
		return "bootrom: image rejected";
	}
}

/* Device-side queue state and engines back to their reset values. */
void sim_reset_state(struct eyrie_sim *sim)
{
	struct eyrie_hw_ctrl *ctrl = sim_ctrl(sim);
	struct eyrie_hw_mailbox *mb =
		(struct eyrie_hw_mailbox *)(sim->bar2 + EYRIE_CTRL_OFF_MAILBOX);
	uint32_t q;

	for (q = 0; q < EYRIE_MAX_QUEUES; q++) {
		uint32_t base = EYRIE_CTRL_OFF_QUEUES +
				q * (uint32_t)sizeof(struct eyrie_hw_queue_regs);

		/* Disabled and cleared: the driver programs them again. */
		for (uint32_t w = 0; w < sizeof(struct eyrie_hw_queue_regs); w += 4)
			ctrl_store(sim, base + w, 0);
	}
	mb->fw_abi = 0;
	mb->fw_version = 0;
	memset(mb->fw_build_id, 0, sizeof(mb->fw_build_id));
	memset(&sim->mmu, 0, sizeof(sim->mmu));
	memset(&sim->job, 0, sizeof(sim->job));
	sim->fw_running = 0;
	sim->fw_blocked = 0;
	ctrl_store(sim, offsetof(struct eyrie_hw_ctrl, status), EYRIE_DEV_STATUS_RESET);
	(void)ctrl;
}

void sim_boot_handle_admin(struct eyrie_sim *sim)
{
	uint32_t cmd = ctrl_load(sim, MBOX_OFF(cmd));
	uint64_t arg0, arg1;
	uint32_t r;

	switch (cmd) {
	case EYRIE_MBOX_RESET: {
		int refuse;

		pthread_mutex_lock(&sim->lock);
		refuse = sim->refuse_reset;
		sim->refuse_reset = 0;
		pthread_mutex_unlock(&sim->lock);
		if (refuse) {
			/* Wedged (eyrie_sim_refuse_next_reset()): the firmware runs on. */
			__atomic_store_n(&sim->abort_pending, 0, __ATOMIC_RELEASE);
			sim_log(sim, "bootrom: debug: RESET left unanswered");
			return;
		}
		/* The firmware has returned (FWR_ABORT); unload it. */
		pthread_mutex_lock(&sim->lock);
		sim->fw_events = 0;
		pthread_mutex_unlock(&sim->lock);
		sim_reset_state(sim);
		__atomic_store_n(&sim->abort_pending, 0, __ATOMIC_RELEASE);
		sim_log(sim, "bootrom: device reset");
		mbox_finish(sim, EYRIE_MBOX_OK);
		return;
	}
	case EYRIE_MBOX_BOOT: {
		uint32_t st = ctrl_load(sim, offsetof(struct eyrie_hw_ctrl, status));

		if (st != EYRIE_DEV_STATUS_RESET && st != EYRIE_DEV_STATUS_FAILED) {
			mbox_finish(sim, EYRIE_MBOX_ERR_STATE);
			return;
		}
		memcpy(&arg0, sim->bar2 + MBOX_OFF(arg0), 8);
		memcpy(&arg1, sim->bar2 + MBOX_OFF(arg1), 8);
		ctrl_store(sim, offsetof(struct eyrie_hw_ctrl, status),
			   EYRIE_DEV_STATUS_BOOTING);
		r = check_image(sim, arg0, arg1);
		if (r != EYRIE_MBOX_OK) {
			sim_log(sim, image_error_text(r));
			ctrl_store(sim, offsetof(struct eyrie_hw_ctrl, status),
				   EYRIE_DEV_STATUS_FAILED);
			mbox_finish(sim, r);
			return;
		}
		sim_reset_state(sim);
		ctrl_store(sim, offsetof(struct eyrie_hw_ctrl, status),
			   EYRIE_DEV_STATUS_BOOTING);
		sim_log(sim, "bootrom: image accepted, starting firmware");
		pthread_mutex_lock(&sim->lock);
		sim->fw_running = 1;
		pthread_mutex_unlock(&sim->lock);
		/* The firmware answers the handshake itself. */
		fw_start(&sim->fw);
		return;
	}
	case EYRIE_MBOX_PING:
	case EYRIE_MBOX_SET_TELEMETRY:
		mbox_finish(sim, EYRIE_MBOX_ERR_STATE);
		return;
	default:
		mbox_finish(sim, EYRIE_MBOX_ERR_BAD_CMD);
		return;
	}
}
