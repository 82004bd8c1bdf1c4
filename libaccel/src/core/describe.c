// SPDX-License-Identifier: MIT
/*
 * Human-readable decoding of device commands: the command-stream dump
 * (ACCEL_LOG_TRACE, accel_cmdbuf_dump) and job error messages.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "core/device.h"

const char *eyr_opcode_name(unsigned int opcode)
{
	static const char *const names[EYRIE_OP_COUNT] = {
		[EYRIE_OP_NOP] = "NOP",
		[EYRIE_OP_DMA_LOAD] = "DMA_LOAD",
		[EYRIE_OP_DMA_STORE] = "DMA_STORE",
		[EYRIE_OP_CONV] = "CONV",
		[EYRIE_OP_FC] = "FC",
		[EYRIE_OP_POOL] = "POOL",
		[EYRIE_OP_ELTWISE] = "ELTWISE",
		[EYRIE_OP_BARRIER] = "BARRIER",
		[EYRIE_OP_TIMESTAMP] = "TIMESTAMP",
		[EYRIE_OP_ENERGY_SNAPSHOT] = "ENERGY_SNAPSHOT",
		[EYRIE_OP_STALL] = "STALL",
		[EYRIE_OP_LUT_LOAD] = "LUT_LOAD",
		[EYRIE_OP_EVENT_SIGNAL] = "EVENT_SIGNAL",
		[EYRIE_OP_EVENT_WAIT] = "EVENT_WAIT",
	};

	return opcode < EYRIE_OP_COUNT ? names[opcode] : NULL;
}

static const char *dataflow_name(unsigned int df)
{
	static const char *const names[EYRIE_DATAFLOW_COUNT] = {
		"RS", "WS", "OS", "IS", "NLR",
	};

	return df < EYRIE_DATAFLOW_COUNT ? names[df] : "?";
}

/* "glb:0x100" or "stream:0x100" */
static const char *local(char *buf, size_t len, uint32_t addr)
{
	snprintf(buf, len, "%s:0x%x", (addr & EYRIE_ADDR_STREAM) ? "stream" : "glb",
		 addr & ~EYRIE_ADDR_STREAM);
	return buf;
}

static int quant_text(char *buf, size_t len, const struct eyrie_quant *q)
{
	return snprintf(buf, len, " q{mult=%" PRId32 " shift=%" PRId32
			" zp_out=%d clamp=[%d,%d] table=0x%x}",
			q->mult, q->shift, q->zp_out, q->clamp_min, q->clamp_max,
			q->quant_addr);
}

static int describe_dma(char *buf, size_t len, const struct eyrie_cmd_dma *d,
			bool load)
{
	char l[32];

	local(l, sizeof(l), d->glb_addr);
	return snprintf(buf, len,
			"%s va=0x%" PRIx64 " %s %s %uB x [%u,%u,%u,%u] dram_stride=[%" PRId64
			",%" PRId64 ",%" PRId64 ",%" PRId64 "] local_stride=[%u,%u,%u,%u]",
			load ? "DMA_LOAD" : "DMA_STORE", (uint64_t)d->dram_addr,
			load ? "->" : "<-", l, d->elem_bytes, d->count[0], d->count[1],
			d->count[2], d->count[3], (int64_t)d->dram_stride[0],
			(int64_t)d->dram_stride[1], (int64_t)d->dram_stride[2],
			(int64_t)d->dram_stride[3], d->glb_stride[0], d->glb_stride[1],
			d->glb_stride[2], d->glb_stride[3]);
}

/*
 * The ring words of a conv (docs/hardware.md 7.12, 7.13), whenever the flag
 * or a word is set: a refused ring word shows in the job's error message.
 */
static int ring_text(char *buf, size_t len, const struct eyrie_cmd_conv *c)
{
	int n = 0;

	if ((c->hdr.flags & EYRIE_PASS_F_IN_RING) || c->in_ring_rows || c->in_row0)
		n = snprintf(buf, len, " in_ring{rows=%u row0=%u}", c->in_ring_rows, c->in_row0);
	if ((c->hdr.flags & EYRIE_PASS_F_OUT_RING) || c->out_ring_rows || c->out_row0)
		n += snprintf(buf + ((size_t)n < len ? (size_t)n : len),
			      (size_t)n < len ? len - (size_t)n : 0, " out_ring{rows=%u row0=%u}",
			      c->out_ring_rows, c->out_row0);
	return n;
}

static int describe_conv(char *buf, size_t len, const union eyrie_cmd *cmd)
{
	const struct eyrie_cmd_conv *c = &cmd->conv;
	char in[32], w[32], b[32], p[32], o[32];
	int n;

	n = snprintf(buf, len,
		     "%s df=%s flags=0x%x n=%u c=%u m=%u g=%u in=%ux%u out=%ux%u k=%ux%u"
		     " stride=%u,%u dil=%u,%u pad=%u,%u zp_in=%d zp_w=%d in=%s w=%s"
		     " bias=%s psum=%s out=%s map{r=%u e=%u sm=%u sc=%u rm=%u rc=%u rn=%u%s%.0u}",
		     eyr_opcode_name(cmd->hdr.opcode), dataflow_name(cmd->hdr.dataflow),
		     cmd->hdr.flags, c->n, c->c, c->m, c->groups, c->in_h, c->in_w,
		     c->out_h, c->out_w, c->r, c->s, c->stride_h, c->stride_w,
		     c->dil_h, c->dil_w, c->pad_t, c->pad_l, c->zp_in, c->zp_w,
		     local(in, sizeof(in), c->in_addr), local(w, sizeof(w), c->w_addr),
		     local(b, sizeof(b), c->bias_addr),
		     local(p, sizeof(p), c->psum_addr), local(o, sizeof(o), c->out_addr),
		     c->map.spatial_r, c->map.spatial_e, c->map.sets_m, c->map.sets_c,
		     c->map.rf_m, c->map.rf_c, c->map.rf_n, c->map.sets_g ? " sg=" : "",
		     c->map.sets_g);
	n += ring_text(buf + ((size_t)n < len ? (size_t)n : len),
		       (size_t)n < len ? len - (size_t)n : 0, c);
	return n + quant_text(buf + ((size_t)n < len ? (size_t)n : len),
			      (size_t)n < len ? len - (size_t)n : 0, &c->q);
}

static int describe_pool(char *buf, size_t len, const struct eyrie_cmd_pool *p,
			 uint16_t flags)
{
	char in[32], o[32];
	int n;

	n = snprintf(buf, len,
		     "POOL %s%s%s n=%u c=%u in=%ux%u out=%ux%u k=%ux%u stride=%u,%u"
		     " pad=%u,%u,%u,%u zp_in=%d in=%s out=%s",
		     (flags & EYRIE_PASS_F_POOL_AVG) ? "avg" : "max",
		     (flags & EYRIE_PASS_F_COUNT_PAD) ? "+pad" : "",
		     (flags & EYRIE_PASS_F_LUT) ? "+lut" : "", p->n, p->c,
		     p->in_h, p->in_w, p->out_h, p->out_w, p->r, p->s, p->stride_h,
		     p->stride_w, p->pad_t, p->pad_l, p->pad_b, p->pad_r, p->zp_in,
		     local(in, sizeof(in), p->in_addr), local(o, sizeof(o), p->out_addr));
	return n + quant_text(buf + ((size_t)n < len ? (size_t)n : len),
			      (size_t)n < len ? len - (size_t)n : 0, &p->q);
}

static int describe_eltwise(char *buf, size_t len, const struct eyrie_cmd_eltwise *e)
{
	char a[32], b[32], o[32];
	int n;

	if (e->hdr.flags & EYRIE_PASS_F_FP32_RQ) {
		union { uint32_t u; float f; } ra = { e->ratio_a }, rb = { e->ratio_b };
		union { uint32_t u; float f; } t = { e->term };

		/* ONNX Runtime's QLinearAdd rule (docs/hardware.md 7.11) */
		n = snprintf(buf, len,
			     "ELTWISE add%s+fp32 count=%u a=%s b=%s out=%s ratio_a=%.9g"
			     " ratio_b=%.9g term=%.9g offset=%d",
			     (e->hdr.flags & EYRIE_PASS_F_LUT) ? "+lut" : "",
			     e->count, local(a, sizeof(a), e->a_addr),
			     local(b, sizeof(b), e->b_addr), local(o, sizeof(o), e->out_addr),
			     (double)ra.f, (double)rb.f, (double)t.f, e->value_offset);
		return n + snprintf(buf + ((size_t)n < len ? (size_t)n : len),
				    (size_t)n < len ? len - (size_t)n : 0, " clamp=[%d,%d]",
				    e->q.clamp_min, e->q.clamp_max);
	}
	n = snprintf(buf, len,
		     "ELTWISE add%s count=%u a=%s b=%s out=%s zp_a=%d zp_b=%d"
		     " a_rq=%" PRId32 ">>%" PRId32 " b_rq=%" PRId32 ">>%" PRId32,
		     (e->hdr.flags & EYRIE_PASS_F_LUT) ? "+lut" : "",
		     e->count, local(a, sizeof(a), e->a_addr),
		     local(b, sizeof(b), e->b_addr), local(o, sizeof(o), e->out_addr),
		     e->zp_a, e->zp_b, e->a_mult, e->a_shift, e->b_mult, e->b_shift);
	return n + quant_text(buf + ((size_t)n < len ? (size_t)n : len),
			      (size_t)n < len ? len - (size_t)n : 0, &e->q);
}

int eyr_cmd_describe(const union eyrie_cmd *cmd, char *buf, size_t len)
{
	switch (cmd->hdr.opcode) {
	case EYRIE_OP_NOP:
	case EYRIE_OP_BARRIER:
		return snprintf(buf, len, "%s", eyr_opcode_name(cmd->hdr.opcode));
	case EYRIE_OP_DMA_LOAD:
	case EYRIE_OP_DMA_STORE:
		return describe_dma(buf, len, &cmd->dma,
				    cmd->hdr.opcode == EYRIE_OP_DMA_LOAD);
	case EYRIE_OP_CONV:
	case EYRIE_OP_FC:
		return describe_conv(buf, len, cmd);
	case EYRIE_OP_POOL:
		return describe_pool(buf, len, &cmd->pool, cmd->hdr.flags);
	case EYRIE_OP_ELTWISE:
		return describe_eltwise(buf, len, &cmd->eltwise);
	case EYRIE_OP_TIMESTAMP:
	case EYRIE_OP_ENERGY_SNAPSHOT:
		return snprintf(buf, len, "%s -> va=0x%" PRIx64,
				eyr_opcode_name(cmd->hdr.opcode),
				(uint64_t)cmd->write.dram_addr);
	case EYRIE_OP_STALL:
		return snprintf(buf, len, "STALL %u us", cmd->stall.usec);
	case EYRIE_OP_LUT_LOAD:
		return snprintf(buf, len, "LUT_LOAD va=0x%" PRIx64 " -> table",
				(uint64_t)cmd->lut_load.dram_addr);
	case EYRIE_OP_EVENT_SIGNAL:
	case EYRIE_OP_EVENT_WAIT:
		return snprintf(buf, len, "%s %u %s", eyr_opcode_name(cmd->hdr.opcode),
				cmd->event.event,
				cmd->event.engine == EYRIE_ENGINE_DMA ? "dma" : "array");
	default:
		return snprintf(buf, len, "opcode %u (unknown)", cmd->hdr.opcode);
	}
}

void eyr_cmds_trace(const char *what, const union eyrie_cmd *cmds,
		    uint32_t count)
{
	char line[512];

	if (!eyr_log_enabled(ACCEL_LOG_TRACE))
		return;
	eyr_log(ACCEL_LOG_TRACE, "%s: %u commands", what, count);
	for (uint32_t i = 0; i < count; i++) {
		eyr_cmd_describe(&cmds[i], line, sizeof(line));
		eyr_log(ACCEL_LOG_TRACE, "  %4u: %s", i, line);
	}
}

int accel_cmdbuf_describe(const struct accel_cmdbuf *cb, uint32_t index,
			  char *buf, size_t len)
{
	if (!cb || index >= cb->count)
		return eyr_error(-EINVAL, "describe: no command %u (buffer has %u)",
				 index, cb ? cb->count : 0);
	if (!buf && len)
		return eyr_error(-EINVAL, "describe: output buffer is NULL");
	return eyr_cmd_describe(&cb->cmds[index], buf, len);
}

int accel_cmdbuf_dump(const struct accel_cmdbuf *cb, FILE *f)
{
	char line[512];

	if (!cb || !f)
		return eyr_error(-EINVAL, "dump: NULL command buffer or stream");
	for (uint32_t i = 0; i < cb->count; i++) {
		eyr_cmd_describe(&cb->cmds[i], line, sizeof(line));
		if (fprintf(f, "%4u: %s\n", i, line) < 0)
			return eyr_error(-EIO, "dump: write failed");
	}
	return 0;
}
