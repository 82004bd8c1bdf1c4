/* SPDX-License-Identifier: MIT */
/*
 * Firmware start (the boot handshake) and the service loop: admin mailbox
 * first, then one job at a time from the highest-priority queue with work.
 */
#include "fw_internal.h"

#define DESC(field) \
	(EYRIE_CTRL_OFF_DESC + FW_OFFSETOF(struct eyrie_hw_desc, field))

/* desc is packed in 16-bit pairs; read the word holding the field. */
static __u32 desc_u16(__u32 off)
{
	__u32 w = ctrl_rd(off & ~3u);

	return (off & 2) ? (w >> 16) : (w & 0xffff);
}

static void read_limits(struct fw_state *fw)
{
	struct fw_limits *l = &fw->lim;

	l->pe_rows = desc_u16(DESC(pe_rows));
	l->pe_cols = desc_u16(DESC(pe_cols));
	l->rf_ifmap_words = desc_u16(DESC(rf_ifmap_words));
	l->rf_filter_words = desc_u16(DESC(rf_filter_words));
	l->rf_psum_words = desc_u16(DESC(rf_psum_words));
	fw->num_queues = desc_u16(DESC(num_queues));
	if (fw->num_queues > EYRIE_MAX_QUEUES)
		fw->num_queues = EYRIE_MAX_QUEUES;
	l->glb_bytes = ctrl_rd(DESC(glb_bytes));
	l->stream_bytes = ctrl_rd(DESC(stream_bytes));
	l->max_cmds_per_job = ctrl_rd(DESC(max_cmds_per_job));
	l->caps = ctrl_rd64(CTRL(caps));
}

static void mbox_finish(__u32 result)
{
	ctrl_wr(MBOX(result), result);
	ctrl_wr(MBOX(done_seq), ctrl_rd(MBOX(seq)));
	hal_write32(FWR_MSIX, EYRIE_VECTOR_ADMIN);
}

void fw_start(struct fw_state *fw)
{
	__u32 i, w;

	fw->jobs_done = 0;
	for (i = 0; i < EYRIE_MAX_QUEUES; i++) {
		fw->cq_phase[i] = 1;
		fw->queue_bad_logged[i] = 0;
	}
	read_limits(fw);
	ctrl_wr(MBOX(fw_abi), FW_ABI);
	ctrl_wr(MBOX(fw_version), FW_VERSION);
	for (i = 0; i < 20; i += 4) {
		w = fw_build_id[i] | (__u32)fw_build_id[i + 1] << 8 |
		    (__u32)fw_build_id[i + 2] << 16 | (__u32)fw_build_id[i + 3] << 24;
		ctrl_wr(MBOX(fw_build_id) + i, w);
	}
	ctrl_wr(CTRL(status), EYRIE_DEV_STATUS_READY);
	fw_log_version("eyrie firmware up, version ", FW_VERSION);
	mbox_finish(EYRIE_MBOX_OK);
}

static void serve_mailbox(void)
{
	__u32 cmd = ctrl_rd(MBOX(cmd));

	if (ctrl_rd(MBOX(seq)) == ctrl_rd(MBOX(done_seq)))
		return;		/* spurious doorbell */
	switch (cmd) {
	case EYRIE_MBOX_PING:
		mbox_finish(EYRIE_MBOX_OK);
		break;
	case EYRIE_MBOX_SET_TELEMETRY: {
		__u64 us = ctrl_rd64(MBOX(arg0));

		if (us > 10000000u) {
			mbox_finish(EYRIE_MBOX_ERR_BAD_CMD);
			break;
		}
		hal_write32(FWR_TELEM_PERIOD_US, (__u32)us);
		mbox_finish(EYRIE_MBOX_OK);
		break;
	}
	case EYRIE_MBOX_BOOT:
		/* Already running: the driver resets first. */
		mbox_finish(EYRIE_MBOX_ERR_STATE);
		break;
	default:
		mbox_finish(EYRIE_MBOX_ERR_BAD_CMD);
		break;
	}
}

/* Queue q's ring size, or 0 if its registers are unusable. */
static __u32 queue_entries(struct fw_state *fw, __u32 q)
{
	__u32 log2 = ctrl_rd(QREG(q, log2_entries));
	__u32 max = ctrl_rd(DESC(queue_max_entries));

	if (log2 >= 16 || (1u << log2) > max || log2 == 0) {
		if (!fw->queue_bad_logged[q]) {
			fw_log_u64("queue: bad log2_entries, ignoring queue ", q);
			fw->queue_bad_logged[q] = 1;
		}
		return 0;
	}
	return 1u << log2;
}

/* Highest-priority enabled queue with a job and room for its completion. */
static int pick_queue(struct fw_state *fw, int *blocked)
{
	int best = -1;
	__u32 best_prio = 0, q;

	*blocked = 0;
	for (q = 0; q < fw->num_queues; q++) {
		__u32 n, head, tail, cq_tail, cq_head, prio;

		if (!(ctrl_rd(QREG(q, ctl)) & EYRIE_QUEUE_CTL_ENABLE))
			continue;
		n = queue_entries(fw, q);
		if (!n)
			continue;
		head = ctrl_rd(QREG(q, sq_head)) & (n - 1);
		tail = ctrl_rd(QREG(q, sq_tail)) & (n - 1);
		if (head == tail)
			continue;
		cq_tail = ctrl_rd(QREG(q, cq_tail)) & (n - 1);
		cq_head = ctrl_rd(QREG(q, cq_head)) & (n - 1);
		if (((cq_tail + 1) & (n - 1)) == cq_head) {
			*blocked = 1;
			continue;
		}
		prio = ctrl_rd(QREG(q, priority));
		if (best < 0 || prio > best_prio) {
			best = (int)q;
			best_prio = prio;
		}
	}
	return best;
}

enum fw_service_result fw_service(struct fw_state *fw)
{
	for (;;) {
		__u32 ev = hal_read32(FWR_EVENT);
		int q, blocked;

		if (ev)
			hal_write32(FWR_EVENT, ev);
		if (ev & FWR_EVENT_ADMIN)
			serve_mailbox();
		if (hal_read32(FWR_ABORT))
			return FW_IDLE;	/* the hardware is resetting */
		q = pick_queue(fw, &blocked);
		if (q < 0)
			return blocked ? FW_BLOCKED : FW_IDLE;
		fw_run_job(fw, (__u32)q);
	}
}
