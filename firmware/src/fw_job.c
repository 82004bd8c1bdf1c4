/* SPDX-License-Identifier: MIT */
/*
 * One job: fetch the SQE, validate every command through the job's MMU
 * context, then run them on the DMA unit and the PE array, and complete it
 * with a CQE and the queue's interrupt.
 */
#include "fw_internal.h"

#define CMD_WORDS	(EYRIE_CMD_SIZE / 4)
#define SQE_WORDS	(sizeof(struct eyrie_hw_sqe) / 4)
#define CQE_WORDS	(sizeof(struct eyrie_hw_cqe) / 4)

struct job_result {
	__u32 status;
	__u32 cmd_index;
	__u32 detail;
};

static void fail(struct job_result *r, __u32 status, __u32 index, __u32 detail)
{
	r->status = status;
	r->cmd_index = index;
	r->detail = detail;
}

static __u32 fetch_cmd(__u64 cmdbuf, __u32 i, union eyrie_cmd *cmd)
{
	return va_read(cmdbuf + (__u64)i * EYRIE_CMD_SIZE, (__u32 *)cmd, CMD_WORDS);
}

static __u32 fault_detail(void)
{
	return hal_read32(FWR_MMU_FAULT_ADDR_LO);
}

/* Pass 1: every command is fetched and validated before any runs. */
static void validate_all(struct fw_state *fw, const struct eyrie_hw_sqe *sqe,
			 struct job_result *r)
{
	struct fw_job_check job = { 0 };
	union eyrie_cmd cmd;
	__u32 i, rc, detail;

	for (i = 0; i < sqe->cmd_count; i++) {
		/* An unreadable command buffer is ERR_CMDBUF (the MMU still
		 * records the fault). */
		if (fetch_cmd(sqe->cmdbuf_addr, i, &cmd)) {
			fail(r, EYRIE_JOB_ERR_CMDBUF, i, fault_detail());
			return;
		}
		rc = fw_validate_in_job(&cmd, &fw->lim, &job, &detail);
		if (rc) {
			fail(r, rc, i, detail);
			return;
		}
	}
}

static void sample_counters(void)
{
	hal_write32(FWR_JOB_CTL, FWR_JOB_CTL_SAMPLE);
}

static __u32 write_timestamp(__u64 va)
{
	__u64 now;
	__u32 w[2];

	sample_counters();
	now = reg_rd64(FWR_JOB_NOW_NS);
	w[0] = (__u32)now;
	w[1] = (__u32)(now >> 32);
	return va_write(va, w, 2);
}

static __u32 write_snapshot(__u64 va)
{
	struct eyrie_energy_snapshot s;
	__u32 d;

	sample_counters();
	s.timestamp_ns = reg_rd64(FWR_JOB_NOW_NS);
	s.cycles = reg_rd64(FWR_JOB_CYCLES);
	for (d = 0; d < EYRIE_ENERGY_DOMAINS; d++)
		s.energy_fj[d] = reg_rd64(FWR_JOB_ENERGY(d));
	s.dram_words = reg_rd64(FWR_JOB_DRAM_WORDS);
	s.dram_bytes = reg_rd64(FWR_JOB_DRAM_BYTES);
	s.macs = reg_rd64(FWR_JOB_MACS);
	s.gated_macs = reg_rd64(FWR_JOB_GATED_MACS);
	return va_write(va, (const __u32 *)&s, sizeof(s) / 4);
}

/* usec of wall time on the hardware timer; 0xffffffff: until reset. */
static int stall(__u32 usec)
{
	if (usec != 0xffffffffu)
		hal_write32(FWR_TIMER_US, usec);
	for (;;) {
		if (hal_read32(FWR_ABORT))
			return -1;
		if (usec != 0xffffffffu && !hal_read32(FWR_TIMER_BUSY))
			return 0;
	}
}

static __u32 run_engine(const union eyrie_cmd *cmd, __u32 *detail)
{
	const __u32 *w = (const __u32 *)cmd;
	__u32 i, st;

	for (i = 0; i < FWR_DESC_WORDS; i++)
		hal_write32(FWR_DESC(i), w[i]);
	hal_write32(FWR_ENGINE_GO, 1);
	st = hal_read32(FWR_ENGINE_STATUS);
	if (st)
		*detail = hal_read32(FWR_ENGINE_DETAIL);
	return st;
}

/* Pass 2: run. Each command is validated again as fetched (the host may
 * have changed the buffer since pass 1). */
static void execute_all(struct fw_state *fw, const struct eyrie_hw_sqe *sqe,
			struct job_result *r)
{
	struct fw_job_check job = { 0 };
	union eyrie_cmd cmd;
	__u32 i, rc, detail;

	for (i = 0; i < sqe->cmd_count; i++) {
		if (hal_read32(FWR_ABORT)) {
			fail(r, EYRIE_JOB_ERR_ABORTED, i, 0);
			return;
		}
		if (fetch_cmd(sqe->cmdbuf_addr, i, &cmd)) {
			fail(r, EYRIE_JOB_ERR_CMDBUF, i, fault_detail());
			return;
		}
		rc = fw_validate_in_job(&cmd, &fw->lim, &job, &detail);
		if (rc) {
			fail(r, rc, i, detail);
			return;
		}
		detail = 0;
		switch (cmd.hdr.opcode) {
		case EYRIE_OP_NOP:
			break;
		case EYRIE_OP_BARRIER:
			hal_write32(FWR_BARRIER, 1);
			break;
		case EYRIE_OP_EVENT_SIGNAL:
		case EYRIE_OP_EVENT_WAIT:
			hal_write32(cmd.hdr.opcode == EYRIE_OP_EVENT_SIGNAL ?
				    FWR_EVENT_SIGNAL : FWR_EVENT_WAIT,
				    FWR_EVENT_ARG(cmd.event.event, cmd.event.engine));
			break;
		case EYRIE_OP_TIMESTAMP:
			rc = write_timestamp(cmd.write.dram_addr);
			if (rc)
				detail = fault_detail();
			break;
		case EYRIE_OP_ENERGY_SNAPSHOT:
			rc = write_snapshot(cmd.write.dram_addr);
			if (rc)
				detail = fault_detail();
			break;
		case EYRIE_OP_STALL:
			if (stall(cmd.stall.usec))
				rc = EYRIE_JOB_ERR_ABORTED;
			break;
		case EYRIE_OP_CONV:
		case EYRIE_OP_FC:
			fw_default_mapping(&cmd.conv, &fw->lim);
			rc = run_engine(&cmd, &detail);
			break;
		default:
			rc = run_engine(&cmd, &detail);
			break;
		}
		if (rc) {
			fail(r, rc, i, detail);
			return;
		}
	}
}

static int sqe_reserved_zero(const struct eyrie_hw_sqe *sqe)
{
	__u32 i;

	for (i = 0; i < sizeof(sqe->reserved) / sizeof(sqe->reserved[0]); i++)
		if (sqe->reserved[i])
			return 0;
	return 1;
}

static void complete(struct fw_state *fw, __u32 q, const struct eyrie_hw_sqe *sqe,
		     const struct job_result *r, __u32 sq_head)
{
	struct eyrie_hw_cqe cqe;
	__u32 n = 1u << ctrl_rd(QREG(q, log2_entries));
	__u32 tail = ctrl_rd(QREG(q, cq_tail)) & (n - 1);
	__u64 cq_base = ctrl_rd64(QREG(q, cq_base));

	cqe.tag = sqe->tag;
	cqe.cycles = reg_rd64(FWR_JOB_CYCLES);
	cqe.energy_fj = reg_rd64(FWR_JOB_ENERGY_TOTAL);
	cqe.start_ns = reg_rd64(FWR_JOB_START_NS);
	cqe.end_ns = reg_rd64(FWR_JOB_NOW_NS);
	cqe.status = r->status;
	cqe.err_cmd_index = r->cmd_index;
	cqe.err_detail = r->detail;
	cqe.sq_head = (__u16)sq_head;
	cqe.flags = fw->cq_phase[q] ? EYRIE_CQE_F_PHASE : 0;
	cqe.reserved = 0;
	if (bus_write(cq_base + (__u64)tail * sizeof(cqe), (const __u32 *)&cqe,
		      CQE_WORDS))
		fw_log("job: bus error writing the completion entry");
	tail = (tail + 1) & (n - 1);
	if (tail == 0)
		fw->cq_phase[q] ^= 1;
	ctrl_wr(QREG(q, cq_tail), tail);
	hal_write32(FWR_MSIX, EYRIE_VECTOR_QUEUE(q));
	if (r->status != EYRIE_JOB_OK) {
		fw_log_u64("job failed: status ", r->status);
		fw_log_u64("  command index ", r->cmd_index);
		fw_log_u64("  detail ", r->detail);
	}
}

void fw_run_job(struct fw_state *fw, __u32 q)
{
	struct eyrie_hw_sqe sqe;
	struct job_result r = { EYRIE_JOB_OK, EYRIE_CMD_INDEX_NONE, 0 };
	__u32 n = 1u << ctrl_rd(QREG(q, log2_entries));
	__u32 head = ctrl_rd(QREG(q, sq_head)) & (n - 1);
	__u64 sq_base = ctrl_rd64(QREG(q, sq_base));

	hal_write32(FWR_JOB_CTL, FWR_JOB_CTL_BEGIN);
	if (bus_read(sq_base + (__u64)head * sizeof(sqe), (__u32 *)&sqe,
		     SQE_WORDS)) {
		/* Nothing of the entry can be trusted, not even its tag. */
		sqe.tag = 0;
		fail(&r, EYRIE_JOB_ERR_CMDBUF, EYRIE_CMD_INDEX_NONE, 1);
		fw_log("job: bus error fetching the submission entry");
	}
	head = (head + 1) & (n - 1);
	ctrl_wr(QREG(q, sq_head), head);

	if (r.status != EYRIE_JOB_OK) {
		/* already failed */
	} else if (!sqe.cmd_count || sqe.cmd_count > fw->lim.max_cmds_per_job) {
		fail(&r, EYRIE_JOB_ERR_CMDBUF, EYRIE_CMD_INDEX_NONE, sqe.cmd_count);
	} else if (sqe.flags || !sqe_reserved_zero(&sqe)) {
		fail(&r, EYRIE_JOB_ERR_RESERVED, EYRIE_CMD_INDEX_NONE, 0);
	} else if (sqe.cmdbuf_addr % 8) {
		fail(&r, EYRIE_JOB_ERR_ALIGN, EYRIE_CMD_INDEX_NONE,
		     (__u32)sqe.cmdbuf_addr);
	} else {
		reg_wr64(FWR_MMU_ROOT_LO, FWR_MMU_ROOT_HI, sqe.pt_root);
		hal_write32(FWR_MMU_CTX, sqe.ctx_id);
		reg_wr64(FWR_MMU_TAG_LO, FWR_MMU_TAG_HI, sqe.tag);
		hal_write32(FWR_MMU_FLUSH, 1);
		validate_all(fw, &sqe, &r);
		if (r.status == EYRIE_JOB_OK)
			execute_all(fw, &sqe, &r);
	}
	hal_write32(FWR_JOB_CTL, FWR_JOB_CTL_END);
	fw->jobs_done++;
	complete(fw, q, &sqe, &r, head);
}
