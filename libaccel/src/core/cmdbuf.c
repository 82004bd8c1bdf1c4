// SPDX-License-Identifier: MIT
/*
 * Command-buffer builder: appends 128-byte commands in the device format.
 * The builder only checks that each value fits its field; the firmware
 * validates the rest (that is what makes malformed-command tests possible).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/device.h"

struct accel_cmdbuf *accel_cmdbuf_new(void)
{
	struct accel_cmdbuf *cb = calloc(1, sizeof(*cb));

	if (!cb)
		eyr_error(-ENOMEM, "out of memory for a command buffer");
	return cb;
}

void accel_cmdbuf_free(struct accel_cmdbuf *cb)
{
	if (!cb)
		return;
	free(cb->cmds);
	free(cb);
}

void accel_cmdbuf_reset(struct accel_cmdbuf *cb)
{
	if (cb)
		cb->count = 0;
}

uint32_t accel_cmdbuf_count(const struct accel_cmdbuf *cb)
{
	return cb ? cb->count : 0;
}

const union eyrie_cmd *eyr_cmdbuf_cmds(const struct accel_cmdbuf *cb)
{
	return cb->cmds;
}

const void *accel_cmdbuf_cmd(const struct accel_cmdbuf *cb, uint32_t index)
{
	if (!cb || index >= cb->count)
		return NULL;
	return &cb->cmds[index];
}

/* Room for n more commands; returns the index of the first or -errno. */
static int reserve(struct accel_cmdbuf *cb, uint32_t n)
{
	if (!cb)
		return eyr_error(-EINVAL, "command buffer is NULL");
	if (n > INT32_MAX - cb->count)
		return eyr_error(-E2BIG, "command buffer would exceed %d commands",
				 INT32_MAX);
	if (cb->count + n > cb->capacity) {
		uint32_t cap = cb->capacity ? cb->capacity : 64;
		union eyrie_cmd *cmds;

		while (cap < cb->count + n)
			cap = cap > UINT32_MAX / 2 ? cb->count + n : cap * 2;
		cmds = realloc(cb->cmds, (size_t)cap * sizeof(*cmds));
		if (!cmds)
			return eyr_error(-ENOMEM, "out of memory for %u commands", cap);
		cb->cmds = cmds;
		cb->capacity = cap;
	}
	return (int)cb->count;
}

int accel_cmdbuf_append_raw(struct accel_cmdbuf *cb, const void *cmds,
			    uint32_t count)
{
	int first;

	if (count && !cmds)
		return eyr_error(-EINVAL, "append_raw: commands pointer is NULL");
	first = reserve(cb, count);
	if (first < 0)
		return first;
	memcpy(&cb->cmds[first], cmds, (size_t)count * sizeof(union eyrie_cmd));
	cb->count += count;
	return first;
}

/* Appends one zeroed command with this opcode; returns it or NULL. */
static union eyrie_cmd *push(struct accel_cmdbuf *cb, uint8_t opcode, int *index)
{
	union eyrie_cmd *cmd;
	int first = reserve(cb, 1);

	*index = first;
	if (first < 0)
		return NULL;
	cmd = &cb->cmds[first];
	memset(cmd, 0, sizeof(*cmd));
	cmd->hdr.opcode = opcode;
	cb->count++;
	return cmd;
}

/* Range checks that name the offending field. */
#define FIT(what, field, value, lo, hi) do { \
	long long v_ = (long long)(value); \
	if (v_ < (long long)(lo) || v_ > (long long)(hi)) \
		return eyr_error(-EINVAL, "%s: %s = %lld does not fit the device field (%lld..%lld)", \
				 what, field, v_, (long long)(lo), (long long)(hi)); \
} while (0)

static int dma(struct accel_cmdbuf *cb, uint8_t opcode, const struct accel_dma *d)
{
	const char *what = opcode == EYRIE_OP_DMA_LOAD ? "dma_load" : "dma_store";
	union eyrie_cmd *cmd;
	uint64_t dram;
	int index, err;

	if (!d)
		return eyr_error(-EINVAL, "%s: descriptor is NULL", what);
	err = EYR_OPTS_CHECK(d, accel_dma);
	if (err)
		return err;
	if (d->dims < 1 || d->dims > ACCEL_DMA_MAX_DIMS)
		return eyr_error(-EINVAL, "%s: dims = %u; use 1..%d", what, d->dims,
				 ACCEL_DMA_MAX_DIMS);
	if (d->buf) {
		if (d->offset > accel_buffer_size(d->buf))
			return eyr_error(-EINVAL,
					 "%s: offset %llu is past the end of the %zu-byte buffer",
					 what, (unsigned long long)d->offset,
					 accel_buffer_size(d->buf));
		dram = accel_buffer_device_addr(d->buf) + d->offset;
	} else {
		dram = d->offset;
	}
	cmd = push(cb, opcode, &index);
	if (!cmd)
		return index;
	cmd->dma.dram_addr = dram;
	cmd->dma.glb_addr = d->glb_addr;
	cmd->dma.elem_bytes = d->elem_bytes;
	for (unsigned int i = 0; i < EYRIE_DMA_MAX_DIMS; i++) {
		bool used = i < d->dims;

		cmd->dma.count[i] = used ? d->count[i] : 1;
		cmd->dma.dram_stride[i] = used ? d->dram_stride[i] : 0;
		cmd->dma.glb_stride[i] = used ? d->glb_stride[i] : 0;
	}
	return index;
}

int accel_cmdbuf_dma_load(struct accel_cmdbuf *cb, const struct accel_dma *d)
{
	return dma(cb, EYRIE_OP_DMA_LOAD, d);
}

int accel_cmdbuf_dma_store(struct accel_cmdbuf *cb, const struct accel_dma *d)
{
	return dma(cb, EYRIE_OP_DMA_STORE, d);
}

static int copy_1d(struct accel_cmdbuf *cb, uint8_t opcode,
		   struct accel_buffer *buf, uint64_t offset, uint32_t glb_addr,
		   uint32_t bytes)
{
	struct accel_dma d = ACCEL_OPTS_INIT(accel_dma,
		.buf = buf, .offset = offset, .glb_addr = glb_addr,
		.elem_bytes = 1, .dims = 1, .count = { bytes },
		.dram_stride = { 1 }, .glb_stride = { 1 });

	if (!buf)
		return eyr_error(-EINVAL, "copy: buffer is NULL");
	if (offset > accel_buffer_size(buf) ||
	    bytes > accel_buffer_size(buf) - offset)
		return eyr_error(-EINVAL,
				 "copy: %u bytes at offset %llu overrun the %zu-byte buffer",
				 bytes, (unsigned long long)offset,
				 accel_buffer_size(buf));
	return dma(cb, opcode, &d);
}

int accel_cmdbuf_copy_in(struct accel_cmdbuf *cb, struct accel_buffer *buf,
			 uint64_t offset, uint32_t glb_addr, uint32_t bytes)
{
	return copy_1d(cb, EYRIE_OP_DMA_LOAD, buf, offset, glb_addr, bytes);
}

int accel_cmdbuf_copy_out(struct accel_cmdbuf *cb, struct accel_buffer *buf,
			  uint64_t offset, uint32_t glb_addr, uint32_t bytes)
{
	return copy_1d(cb, EYRIE_OP_DMA_STORE, buf, offset, glb_addr, bytes);
}

static int quant(const char *what, struct eyrie_quant *out,
		 const struct accel_quant *q)
{
	FIT(what, "q.zp_out", q->zp_out, INT16_MIN, INT16_MAX);
	FIT(what, "q.clamp_min", q->clamp_min, INT8_MIN, INT8_MAX);
	FIT(what, "q.clamp_max", q->clamp_max, INT8_MIN, INT8_MAX);
	out->mult = q->mult;
	out->shift = q->shift;
	out->quant_addr = q->quant_addr;
	out->zp_out = (int16_t)q->zp_out;
	out->clamp_min = (int8_t)q->clamp_min;
	out->clamp_max = (int8_t)q->clamp_max;
	return 0;
}

static int mapping(const char *what, struct eyrie_mapping *out,
		   const struct accel_mapping *m)
{
	FIT(what, "map.spatial_r", m->spatial_r, 0, UINT16_MAX);
	FIT(what, "map.spatial_e", m->spatial_e, 0, UINT16_MAX);
	FIT(what, "map.sets_m", m->sets_m, 0, UINT16_MAX);
	FIT(what, "map.sets_c", m->sets_c, 0, UINT16_MAX);
	FIT(what, "map.rf_m", m->rf_m, 0, UINT16_MAX);
	FIT(what, "map.rf_c", m->rf_c, 0, UINT16_MAX);
	FIT(what, "map.rf_n", m->rf_n, 0, UINT16_MAX);
	out->spatial_r = (uint16_t)m->spatial_r;
	out->spatial_e = (uint16_t)m->spatial_e;
	out->sets_m = (uint16_t)m->sets_m;
	out->sets_c = (uint16_t)m->sets_c;
	out->rf_m = (uint16_t)m->rf_m;
	out->rf_c = (uint16_t)m->rf_c;
	out->rf_n = (uint16_t)m->rf_n;
	return 0;
}

static int pass(struct accel_cmdbuf *cb, uint8_t opcode, const struct accel_conv *c)
{
	const char *what = opcode == EYRIE_OP_CONV ? "conv" : "fc";
	struct eyrie_cmd_conv hw = { 0 };
	union eyrie_cmd *cmd;
	int index, err;

	if (!c)
		return eyr_error(-EINVAL, "%s: descriptor is NULL", what);
	err = EYR_OPTS_CHECK(c, accel_conv);
	if (err)
		return err;
	FIT(what, "flags", c->flags, 0, UINT16_MAX);
	FIT(what, "dataflow", c->dataflow, 0, UINT8_MAX);
	FIT(what, "n", c->n, 0, UINT16_MAX);
	FIT(what, "c", c->c, 0, UINT16_MAX);
	FIT(what, "m", c->m, 0, UINT16_MAX);
	FIT(what, "groups", c->groups, 0, UINT16_MAX);
	FIT(what, "in_h", c->in_h, 0, UINT16_MAX);
	FIT(what, "in_w", c->in_w, 0, UINT16_MAX);
	FIT(what, "out_h", c->out_h, 0, UINT16_MAX);
	FIT(what, "out_w", c->out_w, 0, UINT16_MAX);
	FIT(what, "r", c->r, 0, UINT8_MAX);
	FIT(what, "s", c->s, 0, UINT8_MAX);
	FIT(what, "stride_h", c->stride_h, 0, UINT8_MAX);
	FIT(what, "stride_w", c->stride_w, 0, UINT8_MAX);
	FIT(what, "dil_h", c->dil_h, 0, UINT8_MAX);
	FIT(what, "dil_w", c->dil_w, 0, UINT8_MAX);
	FIT(what, "pad_t", c->pad_t, 0, UINT8_MAX);
	FIT(what, "pad_l", c->pad_l, 0, UINT8_MAX);
	FIT(what, "zp_in", c->zp_in, INT16_MIN, INT16_MAX);
	FIT(what, "zp_w", c->zp_w, INT16_MIN, INT16_MAX);
	err = quant(what, &hw.q, &c->q);
	if (!err)
		err = mapping(what, &hw.map, &c->map);
	if (err)
		return err;
	hw.hdr.opcode = opcode;
	hw.hdr.dataflow = (uint8_t)c->dataflow;
	hw.hdr.flags = (uint16_t)c->flags;
	hw.in_addr = c->in_addr;
	hw.w_addr = c->w_addr;
	hw.bias_addr = c->bias_addr;
	hw.psum_addr = c->psum_addr;
	hw.out_addr = c->out_addr;
	hw.n = (uint16_t)c->n;
	hw.c = (uint16_t)c->c;
	hw.m = (uint16_t)c->m;
	hw.groups = (uint16_t)c->groups;
	hw.in_h = (uint16_t)c->in_h;
	hw.in_w = (uint16_t)c->in_w;
	hw.out_h = (uint16_t)c->out_h;
	hw.out_w = (uint16_t)c->out_w;
	hw.r = (uint8_t)c->r;
	hw.s = (uint8_t)c->s;
	hw.stride_h = (uint8_t)c->stride_h;
	hw.stride_w = (uint8_t)c->stride_w;
	hw.dil_h = (uint8_t)c->dil_h;
	hw.dil_w = (uint8_t)c->dil_w;
	hw.pad_t = (uint8_t)c->pad_t;
	hw.pad_l = (uint8_t)c->pad_l;
	hw.zp_in = (int16_t)c->zp_in;
	hw.zp_w = (int16_t)c->zp_w;
	cmd = push(cb, opcode, &index);
	if (!cmd)
		return index;
	cmd->conv = hw;
	return index;
}

int accel_cmdbuf_conv(struct accel_cmdbuf *cb, const struct accel_conv *c)
{
	return pass(cb, EYRIE_OP_CONV, c);
}

int accel_cmdbuf_fc(struct accel_cmdbuf *cb, const struct accel_conv *c)
{
	return pass(cb, EYRIE_OP_FC, c);
}

int accel_cmdbuf_pool(struct accel_cmdbuf *cb, const struct accel_pool *p)
{
	const char *what = "pool";
	struct eyrie_cmd_pool hw = { 0 };
	union eyrie_cmd *cmd;
	int index, err;

	if (!p)
		return eyr_error(-EINVAL, "pool: descriptor is NULL");
	err = EYR_OPTS_CHECK(p, accel_pool);
	if (err)
		return err;
	FIT(what, "flags", p->flags, 0, UINT16_MAX);
	FIT(what, "n", p->n, 0, UINT16_MAX);
	FIT(what, "c", p->c, 0, UINT16_MAX);
	FIT(what, "in_h", p->in_h, 0, UINT16_MAX);
	FIT(what, "in_w", p->in_w, 0, UINT16_MAX);
	FIT(what, "out_h", p->out_h, 0, UINT16_MAX);
	FIT(what, "out_w", p->out_w, 0, UINT16_MAX);
	FIT(what, "r", p->r, 0, UINT8_MAX);
	FIT(what, "s", p->s, 0, UINT8_MAX);
	FIT(what, "stride_h", p->stride_h, 0, UINT8_MAX);
	FIT(what, "stride_w", p->stride_w, 0, UINT8_MAX);
	FIT(what, "pad_t", p->pad_t, 0, UINT8_MAX);
	FIT(what, "pad_l", p->pad_l, 0, UINT8_MAX);
	FIT(what, "pad_b", p->pad_b, 0, UINT8_MAX);
	FIT(what, "pad_r", p->pad_r, 0, UINT8_MAX);
	FIT(what, "zp_in", p->zp_in, INT16_MIN, INT16_MAX);
	err = quant(what, &hw.q, &p->q);
	if (err)
		return err;
	hw.hdr.opcode = EYRIE_OP_POOL;
	hw.hdr.flags = (uint16_t)p->flags;
	hw.in_addr = p->in_addr;
	hw.out_addr = p->out_addr;
	hw.n = (uint16_t)p->n;
	hw.c = (uint16_t)p->c;
	hw.in_h = (uint16_t)p->in_h;
	hw.in_w = (uint16_t)p->in_w;
	hw.out_h = (uint16_t)p->out_h;
	hw.out_w = (uint16_t)p->out_w;
	hw.r = (uint8_t)p->r;
	hw.s = (uint8_t)p->s;
	hw.stride_h = (uint8_t)p->stride_h;
	hw.stride_w = (uint8_t)p->stride_w;
	hw.pad_t = (uint8_t)p->pad_t;
	hw.pad_l = (uint8_t)p->pad_l;
	hw.pad_b = (uint8_t)p->pad_b;
	hw.pad_r = (uint8_t)p->pad_r;
	hw.zp_in = (int16_t)p->zp_in;
	cmd = push(cb, EYRIE_OP_POOL, &index);
	if (!cmd)
		return index;
	cmd->pool = hw;
	return index;
}

int accel_cmdbuf_eltwise(struct accel_cmdbuf *cb, const struct accel_eltwise *e)
{
	const char *what = "eltwise";
	struct eyrie_cmd_eltwise hw = { 0 };
	union eyrie_cmd *cmd;
	int index, err;

	if (!e)
		return eyr_error(-EINVAL, "eltwise: descriptor is NULL");
	err = EYR_OPTS_CHECK(e, accel_eltwise);
	if (err)
		return err;
	FIT(what, "zp_a", e->zp_a, INT16_MIN, INT16_MAX);
	FIT(what, "zp_b", e->zp_b, INT16_MIN, INT16_MAX);
	err = quant(what, &hw.q, &e->q);
	if (err)
		return err;
	hw.hdr.opcode = EYRIE_OP_ELTWISE;
	hw.a_addr = e->a_addr;
	hw.b_addr = e->b_addr;
	hw.out_addr = e->out_addr;
	hw.count = e->count;
	hw.zp_a = (int16_t)e->zp_a;
	hw.zp_b = (int16_t)e->zp_b;
	hw.a_mult = e->a_mult;
	hw.a_shift = e->a_shift;
	hw.b_mult = e->b_mult;
	hw.b_shift = e->b_shift;
	cmd = push(cb, EYRIE_OP_ELTWISE, &index);
	if (!cmd)
		return index;
	cmd->eltwise = hw;
	return index;
}

int accel_cmdbuf_nop(struct accel_cmdbuf *cb)
{
	int index;

	push(cb, EYRIE_OP_NOP, &index);
	return index;
}

int accel_cmdbuf_barrier(struct accel_cmdbuf *cb)
{
	int index;

	push(cb, EYRIE_OP_BARRIER, &index);
	return index;
}

static int write_cmd(struct accel_cmdbuf *cb, uint8_t opcode,
		     struct accel_buffer *buf, uint64_t offset, size_t bytes)
{
	union eyrie_cmd *cmd;
	int index;

	if (!buf)
		return eyr_error(-EINVAL, "%s: buffer is NULL",
				 eyr_opcode_name(opcode));
	if (offset > accel_buffer_size(buf) ||
	    bytes > accel_buffer_size(buf) - offset)
		return eyr_error(-EINVAL,
				 "%s: %zu bytes at offset %llu overrun the %zu-byte buffer",
				 eyr_opcode_name(opcode), bytes,
				 (unsigned long long)offset, accel_buffer_size(buf));
	cmd = push(cb, opcode, &index);
	if (!cmd)
		return index;
	cmd->write.dram_addr = accel_buffer_device_addr(buf) + offset;
	return index;
}

int accel_cmdbuf_timestamp(struct accel_cmdbuf *cb, struct accel_buffer *buf,
			   uint64_t offset)
{
	return write_cmd(cb, EYRIE_OP_TIMESTAMP, buf, offset, sizeof(uint64_t));
}

int accel_cmdbuf_energy_snapshot(struct accel_cmdbuf *cb,
				 struct accel_buffer *buf, uint64_t offset)
{
	return write_cmd(cb, EYRIE_OP_ENERGY_SNAPSHOT, buf, offset,
			 sizeof(struct eyrie_energy_snapshot));
}

int accel_cmdbuf_stall(struct accel_cmdbuf *cb, uint32_t usec)
{
	union eyrie_cmd *cmd;
	int index;

	cmd = push(cb, EYRIE_OP_STALL, &index);
	if (!cmd)
		return index;
	cmd->stall.usec = usec;
	return index;
}
