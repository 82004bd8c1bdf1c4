/* SPDX-License-Identifier: MIT */
/*
 * Command validation: every field of every command is checked before any
 * command of the job runs; the firmware never trusts the command stream.
 * The rules (and which error each one gives) are listed in docs/firmware.md,
 * "Validation"; *detail gets the byte offset of the offending field.
 */
#include "fw_internal.h"

#define OFF(type, field)	FW_OFFSETOF(type, field)
#define VA_LIMIT		(1ull << EYRIE_VA_BITS)

/* Fails with code, recording the field. */
#define FAIL(code, off)		do { *detail = (__u32)(off); return (code); } while (0)

static int words_zero(const void *p, __u32 bytes)
{
	const __u8 *b = p;
	__u32 i;

	for (i = 0; i < bytes; i++)
		if (b[i])
			return 0;
	return 1;
}

static int zp_ok(__s32 zp)
{
	return zp >= -128 && zp <= 127;
}

/* mult is 0 or in [2^30, 2^31); t = 31 + shift in [1, 62]. */
static int rq_ok(__s32 mult, __s32 shift)
{
	if (mult != 0 && mult < (1 << 30))
		return 0;
	return shift >= -30 && shift <= 31;
}

/*
 * A [addr, addr + bytes) range of the GLB, or of the stream buffer when addr
 * has EYRIE_ADDR_STREAM (only where allow_stream). 0 or the error code.
 */
static __u32 region_check(__u32 addr, __u64 bytes, __u32 align,
			  int allow_stream, const struct fw_limits *lim)
{
	__u64 size = lim->glb_bytes;
	__u32 off = addr;

	if (addr & EYRIE_ADDR_STREAM) {
		if (!allow_stream || !(lim->caps & EYRIE_CAP_STREAM))
			return EYRIE_JOB_ERR_GLB_BOUNDS;
		off = addr & ~EYRIE_ADDR_STREAM;
		size = lim->stream_bytes;
	}
	if (align > 1 && (off % align))
		return EYRIE_JOB_ERR_ALIGN;
	if ((__u64)off + bytes > size)
		return EYRIE_JOB_ERR_GLB_BOUNDS;
	return 0;
}

#define REGION(addr, bytes, align, stream, field, type)			\
	do {								\
		__u32 rc_ = region_check((addr), (bytes), (align),	\
					 (stream), lim);		\
		if (rc_)						\
			FAIL(rc_, OFF(type, field));			\
	} while (0)

static __u32 check_header(const struct eyrie_cmd_header *h, __u16 allowed_flags,
			  int is_pass, __u32 *detail)
{
	if (h->reserved)
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_header, reserved));
	if (h->flags & ~allowed_flags)
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_header, flags));
	if (is_pass) {
		if (h->dataflow >= EYRIE_DATAFLOW_COUNT)
			FAIL(EYRIE_JOB_ERR_DATAFLOW,
			     OFF(struct eyrie_cmd_header, dataflow));
	} else if (h->dataflow) {
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_header, dataflow));
	}
	return 0;
}

/* The activation-table flag exists only on hardware that has the table. */
static __u16 lut_flag(const struct fw_limits *lim)
{
	return (lim->caps & EYRIE_CAP_ACT_LUT) ? EYRIE_PASS_F_LUT : 0;
}

/* Zero gating exists only on hardware that has it (CONV/FC passes). */
static __u16 gate_flag(const struct fw_limits *lim)
{
	return (lim->caps & EYRIE_CAP_ZERO_GATE) ? EYRIE_PASS_F_ZERO_GATE : 0;
}

/* Binary32 requantization exists only on hardware that has it (7.11). */
static __u16 fp32_flag(const struct fw_limits *lim)
{
	return (lim->caps & EYRIE_CAP_FP32_REQUANT) ? EYRIE_PASS_F_FP32_RQ : 0;
}

/*
 * The pass's requantization parameters: with EYRIE_PASS_F_FP32_RQ, mult
 * holds a binary32 scale (positive, normal) and shift is 0; else the
 * fixed-point rule's ranges.
 */
static int pass_rq_ok(__u16 flags, __s32 mult, __s32 shift)
{
	if (flags & EYRIE_PASS_F_FP32_RQ)
		return eyrie_fp32_scale_ok((__u32)mult) && shift == 0;
	return rq_ok(mult, shift);
}

/*
 * EYRIE_DMA_F_RLE (docs/hardware.md 7.10): int8 lines, dense in the coding
 * (dram_stride[0] = 1), each starting on a 64-bit word; the run value an
 * int8; a window (rle_skip) only on loads and within EYRIE_RLE_MAX_LINE.
 */
static __u32 check_rle(const struct eyrie_cmd_dma *d, __u32 *detail)
{
	__u32 i;

	if (d->elem_bytes != 1)
		FAIL(EYRIE_JOB_ERR_RLE, OFF(struct eyrie_cmd_dma, elem_bytes));
	if (d->dram_stride[0] != 1)
		FAIL(EYRIE_JOB_ERR_RLE, OFF(struct eyrie_cmd_dma, dram_stride[0]));
	if (d->rle_zero < -128 || d->rle_zero > 127)
		FAIL(EYRIE_JOB_ERR_RLE, OFF(struct eyrie_cmd_dma, rle_zero));
	if (d->rle_skip && d->hdr.opcode != EYRIE_OP_DMA_LOAD)
		FAIL(EYRIE_JOB_ERR_RLE, OFF(struct eyrie_cmd_dma, rle_skip));
	if ((__u64)d->rle_skip + d->count[0] > EYRIE_RLE_MAX_LINE)
		FAIL(EYRIE_JOB_ERR_RLE, OFF(struct eyrie_cmd_dma, rle_skip));
	if (d->dram_addr & 7)
		FAIL(EYRIE_JOB_ERR_ALIGN, OFF(struct eyrie_cmd_dma, dram_addr));
	for (i = 1; i < EYRIE_DMA_MAX_DIMS; i++)
		if ((__u64)d->dram_stride[i] & 7)
			FAIL(EYRIE_JOB_ERR_ALIGN, OFF(struct eyrie_cmd_dma, dram_stride[i]));
	return 0;
}

/* The DMA flags this device knows. */
static __u16 dma_flags(const struct fw_limits *lim)
{
	return ((lim->caps & EYRIE_CAP_RLE_DMA) ? EYRIE_DMA_F_RLE : 0) |
	       ((lim->caps & EYRIE_CAP_IN_RING) ? EYRIE_DMA_F_RING : 0);
}

/*
 * EYRIE_DMA_F_RING (docs/hardware.md 7.12): a load into the GLB whose
 * dimension 1 wraps after ring_rows rows; the box must not wrap onto
 * itself and the whole ring (ring_rows rows of dimension 1) must lie in
 * the GLB. Without the flag the ring fields are reserved.
 */
static __u32 check_dma_ring(const struct eyrie_cmd_dma *d, const struct fw_limits *lim,
			    __u32 *detail)
{
	__u64 extent = 0;
	__u32 i;

	if (!(d->hdr.flags & EYRIE_DMA_F_RING)) {
		if (d->ring_rows || d->ring_row0)
			FAIL(EYRIE_JOB_ERR_RESERVED,
			     d->ring_rows ? OFF(struct eyrie_cmd_dma, ring_rows) :
			     OFF(struct eyrie_cmd_dma, ring_row0));
		return 0;
	}
	if (d->hdr.opcode != EYRIE_OP_DMA_LOAD || (d->hdr.flags & EYRIE_DMA_F_RLE))
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_header, flags));
	if (d->glb_addr & EYRIE_ADDR_STREAM)
		FAIL(EYRIE_JOB_ERR_GLB_BOUNDS, OFF(struct eyrie_cmd_dma, glb_addr));
	if (!d->ring_rows || d->count[1] > d->ring_rows)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_dma, ring_rows));
	if (d->ring_row0 >= d->ring_rows)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_dma, ring_row0));
	if (d->ring_rows > lim->glb_bytes)
		FAIL(EYRIE_JOB_ERR_GLB_BOUNDS, OFF(struct eyrie_cmd_dma, ring_rows));
	/* the counts are within the GLB (check_dma): no overflow below */
	for (i = 0; i < EYRIE_DMA_MAX_DIMS; i++) {
		__u64 n = i == 1 ? d->ring_rows : d->count[i];

		/* n <= the GLB's bytes and stride < 2^32: no overflow */
		extent += (n - 1) * (__u64)d->glb_stride[i];
		if (extent >= lim->glb_bytes)
			FAIL(EYRIE_JOB_ERR_GLB_BOUNDS, OFF(struct eyrie_cmd_dma, ring_rows));
	}
	if ((__u64)d->glb_addr + extent + d->elem_bytes > lim->glb_bytes)
		FAIL(EYRIE_JOB_ERR_GLB_BOUNDS, OFF(struct eyrie_cmd_dma, ring_rows));
	return 0;
}

static __u32 check_dma(const struct eyrie_cmd_dma *d, const struct fw_limits *lim,
		       __u32 *detail)
{
	int load = d->hdr.opcode == EYRIE_OP_DMA_LOAD;
	__u32 eb = d->elem_bytes, rc, i;
	__u64 elems = 1, glb_extent = 0, region;
	__u32 off = d->glb_addr & ~EYRIE_ADDR_STREAM;

	rc = check_header(&d->hdr, dma_flags(lim), 0, detail);
	if (rc)
		return rc;
	if (!words_zero(d->reserved, sizeof(d->reserved)))
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_dma, reserved));
	if (d->hdr.flags & EYRIE_DMA_F_RLE) {
		rc = check_rle(d, detail);
		if (rc)
			return rc;
	} else if (d->rle_zero || d->rle_skip) {
		FAIL(EYRIE_JOB_ERR_RESERVED, d->rle_zero ? OFF(struct eyrie_cmd_dma, rle_zero) :
			OFF(struct eyrie_cmd_dma, rle_skip));
	}
	if (eb != 1 && eb != 4)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_dma, elem_bytes));
	if (d->glb_addr & EYRIE_ADDR_STREAM) {
		/* The stream buffer only feeds the array: loads only. */
		if (!load || !(lim->caps & EYRIE_CAP_STREAM))
			FAIL(EYRIE_JOB_ERR_GLB_BOUNDS, OFF(struct eyrie_cmd_dma, glb_addr));
		region = lim->stream_bytes;
	} else {
		region = lim->glb_bytes;
	}
	if (off % eb)
		FAIL(EYRIE_JOB_ERR_ALIGN, OFF(struct eyrie_cmd_dma, glb_addr));
	if (d->dram_addr % eb)
		FAIL(EYRIE_JOB_ERR_ALIGN, OFF(struct eyrie_cmd_dma, dram_addr));
	for (i = 0; i < EYRIE_DMA_MAX_DIMS; i++) {
		__u64 n = d->count[i];
		__s64 ds = d->dram_stride[i];
		__u64 mag = ds < 0 ? (__u64)0 - (__u64)ds : (__u64)ds;

		if (n == 0)
			FAIL(EYRIE_JOB_ERR_COUNT, OFF(struct eyrie_cmd_dma, count[i]));
		elems *= n;
		if (elems * eb > region)
			FAIL(EYRIE_JOB_ERR_COUNT, OFF(struct eyrie_cmd_dma, count[i]));
		if (d->glb_stride[i] % eb)
			FAIL(EYRIE_JOB_ERR_ALIGN, OFF(struct eyrie_cmd_dma, glb_stride[i]));
		if (mag % eb)
			FAIL(EYRIE_JOB_ERR_ALIGN, OFF(struct eyrie_cmd_dma, dram_stride[i]));
		if (n == 1)
			continue;
		if (d->glb_stride[i] == 0)
			FAIL(EYRIE_JOB_ERR_STRIDE, OFF(struct eyrie_cmd_dma, glb_stride[i]));
		if (ds == 0 && !load)
			FAIL(EYRIE_JOB_ERR_STRIDE, OFF(struct eyrie_cmd_dma, dram_stride[i]));
		if (mag >= VA_LIMIT || (n - 1) > VA_LIMIT / (mag ? mag : 1))
			FAIL(EYRIE_JOB_ERR_STRIDE, OFF(struct eyrie_cmd_dma, dram_stride[i]));
		/* n <= region and stride < 2^32: no overflow below. */
		glb_extent += (n - 1) * d->glb_stride[i];
		if (glb_extent >= region)
			FAIL(EYRIE_JOB_ERR_GLB_BOUNDS,
			     OFF(struct eyrie_cmd_dma, glb_stride[i]));
	}
	if ((__u64)off + glb_extent + eb > region)
		FAIL(EYRIE_JOB_ERR_GLB_BOUNDS, OFF(struct eyrie_cmd_dma, glb_addr));
	return check_dma_ring(d, lim, detail);
}

/*
 * One spatial axis of a CONV window: sizes >= 1. Taps outside the input
 * read the zero point, so any out size is computable (docs/hardware.md 7.2).
 */
static int conv_axis_ok(__u32 in, __u32 out, __u32 k, __u32 stride, __u32 dil)
{
	return in && out && k && stride && dil;
}

/*
 * One axis of a POOL window: sizes >= 1 and every window overlaps the input
 * (a window of padding only has no maximum and no average).
 */
static int pool_axis_ok(__u32 in, __u32 out, __u32 k, __u32 stride, __u32 pad)
{
	if (!in || !out || !k || !stride || pad >= k)
		return 0;
	return (__u64)(out - 1) * stride < (__u64)in + pad;
}

static int mapping_is_zero(const struct eyrie_mapping *mp)
{
	return words_zero(mp, sizeof(*mp));
}

void fw_default_mapping(struct eyrie_cmd_conv *c, const struct fw_limits *lim)
{
	struct eyrie_mapping *mp = &c->map;

	if (!mapping_is_zero(mp))
		return;
	/* Eyeriss-style PE sets of filter rows x output rows, one channel
	 * per PE: fits every RF that holds a filter row. */
	mp->spatial_r = (__u16)(c->r < lim->pe_rows ? c->r : lim->pe_rows);
	mp->spatial_e = (__u16)(c->out_h < lim->pe_cols ? c->out_h : lim->pe_cols);
	mp->sets_m = 1;
	mp->sets_c = 1;
	mp->rf_m = 1;
	mp->rf_c = 1;
	mp->rf_n = 1;
}

static __u32 check_mapping(const struct eyrie_cmd_conv *c, __u32 df,
			   const struct fw_limits *lim, __u32 *detail)
{
	const struct eyrie_mapping *mp = &c->map;
	__u32 cg = c->c / c->groups, mg = c->m / c->groups;
	const __u32 base = OFF(struct eyrie_cmd_conv, map);

	/* group-parallel sets need the flexible NoC; else the field is reserved */
	if (mp->sets_g && !(lim->caps & EYRIE_CAP_FLEX_NOC))
		FAIL(EYRIE_JOB_ERR_RESERVED, base + OFF(struct eyrie_mapping, sets_g));
	if (mp->sets_g > c->groups)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, sets_g));
	if (!mp->spatial_r || mp->spatial_r > c->r || mp->spatial_r > lim->pe_rows)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, spatial_r));
	if (!mp->spatial_e || mp->spatial_e > c->out_h || mp->spatial_e > lim->pe_cols)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, spatial_e));
	if (!mp->rf_m || mp->rf_m > mg)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, rf_m));
	if (!mp->rf_c || mp->rf_c > cg)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, rf_c));
	if (!mp->rf_n || mp->rf_n > c->n)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, rf_n));
	if (!mp->sets_m || (__u32)mp->sets_m * mp->rf_m > mg)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, sets_m));
	if (!mp->sets_c || (__u32)mp->sets_c * mp->rf_c > cg)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, sets_c));
	/* the sets must tile the mesh as rectangles, not just fit its PE count */
	if ((__u64)mp->sets_m * mp->sets_c >
	    eyrie_pe_set_slots(lim->pe_rows, lim->pe_cols, mp->spatial_r, mp->spatial_e))
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, sets_c));
	/* and with sets_g groups at once, every group's sets too */
	if (!eyrie_mapping_places(mp, lim->pe_rows, lim->pe_cols))
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, sets_g));
	/* What each dataflow keeps in the PE register files must fit. */
	if ((df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_WS) &&
	    (__u32)mp->rf_m * mp->rf_c * c->s > lim->rf_filter_words)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, rf_m));
	if ((df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_IS) &&
	    (__u32)mp->rf_c * mp->rf_n * c->s > lim->rf_ifmap_words)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, rf_c));
	if ((df == EYRIE_DATAFLOW_RS || df == EYRIE_DATAFLOW_OS) &&
	    (__u32)mp->rf_m * mp->rf_n > lim->rf_psum_words)
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, rf_n));
	if (df == EYRIE_DATAFLOW_NLR &&
	    (mp->rf_m != 1 || mp->rf_c != 1 || mp->rf_n != 1))
		FAIL(EYRIE_JOB_ERR_DATAFLOW, base + OFF(struct eyrie_mapping, rf_m));
	return 0;
}

/* Output quantization of a CONV/FC pass (flags decide what is used). */
static __u32 check_pass_quant(const struct eyrie_quant *q, __u16 flags,
			      __u32 m, __u32 base, const struct fw_limits *lim,
			      __u32 *detail)
{
	if (!(flags & EYRIE_PASS_F_REQUANT)) {
		/* No int8 output: q is not used, but a table without a
		 * requantization is a contradiction. */
		if (flags & (EYRIE_PASS_F_PER_CHANNEL | EYRIE_PASS_F_LUT |
			     EYRIE_PASS_F_FP32_RQ))
			FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_header, flags));
		return 0;
	}
	if (!zp_ok(q->zp_out))
		FAIL(EYRIE_JOB_ERR_QUANT, base + OFF(struct eyrie_quant, zp_out));
	if (q->clamp_min > q->clamp_max)
		FAIL(EYRIE_JOB_ERR_QUANT, base + OFF(struct eyrie_quant, clamp_min));
	if (flags & EYRIE_PASS_F_PER_CHANNEL) {
		__u32 rc;

		/* q.mult and q.shift are not used: the table has them (the
		 * array checks its entries, binary32 or fixed point). */
		rc = region_check(q->quant_addr, 8ull * m, 4, 0, lim);
		if (rc)
			FAIL(rc, base + OFF(struct eyrie_quant, quant_addr));
		return 0;
	}
	if (!pass_rq_ok(flags, q->mult, q->shift))
		FAIL(EYRIE_JOB_ERR_QUANT, base + OFF(struct eyrie_quant, mult));
	return 0;
}

/*
 * The input operand of a CONV pass: a dense n x c x in_h x in_w block, or
 * with EYRIE_PASS_F_IN_RING (docs/hardware.md 7.12) n x c planes of
 * in_ring_rows rows in the GLB, of which the pass reads in_h from slot
 * in_row0 on (wrapping). Without the flag the ring fields are reserved.
 */
static __u32 check_conv_input(const struct eyrie_cmd_conv *c, const struct fw_limits *lim,
			      __u32 *detail)
{
	__u64 planes = (__u64)c->n * c->c;

	if (!(c->hdr.flags & EYRIE_PASS_F_IN_RING)) {
		if (c->in_ring_rows || c->in_row0)
			FAIL(EYRIE_JOB_ERR_RESERVED,
			     c->in_ring_rows ? OFF(struct eyrie_cmd_conv, in_ring_rows) :
			     OFF(struct eyrie_cmd_conv, in_row0));
		REGION(c->in_addr, planes * c->in_h * c->in_w, 1, 1, in_addr,
		       struct eyrie_cmd_conv);
		return 0;
	}
	if (c->in_ring_rows < c->in_h)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, in_ring_rows));
	if (c->in_row0 >= c->in_ring_rows)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, in_row0));
	/* the ring lives in the GLB: the stream buffer is not addressed by rows */
	REGION(c->in_addr, planes * c->in_ring_rows * c->in_w, 1, 0, in_addr,
	       struct eyrie_cmd_conv);
	return 0;
}

/*
 * The int8 output operand of a CONV pass with REQUANT: a dense n x m x
 * out_h x out_w block, or with EYRIE_PASS_F_OUT_RING (docs/hardware.md
 * 7.13) n x m planes of out_ring_rows rows in the GLB, of which the pass
 * writes out_h from slot out_row0 on (wrapping). The flag needs an int8
 * output (the int32 psums stay dense); without it the ring fields are
 * reserved.
 */
static __u32 check_conv_output(const struct eyrie_cmd_conv *c, const struct fw_limits *lim,
			       __u32 *detail)
{
	__u64 planes = (__u64)c->n * c->m;
	__u16 fl = c->hdr.flags;

	if (!(fl & EYRIE_PASS_F_OUT_RING)) {
		if (c->out_ring_rows || c->out_row0)
			FAIL(EYRIE_JOB_ERR_RESERVED,
			     c->out_ring_rows ? OFF(struct eyrie_cmd_conv, out_ring_rows) :
			     OFF(struct eyrie_cmd_conv, out_row0));
		if (fl & EYRIE_PASS_F_REQUANT)
			REGION(c->out_addr, planes * c->out_h * c->out_w, 1, 0, out_addr,
			       struct eyrie_cmd_conv);
		return 0;
	}
	if (!(fl & EYRIE_PASS_F_REQUANT))
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_header, flags));
	/* out_h >= 1 (checked before): the ring has at least one row */
	if (c->out_ring_rows < c->out_h)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, out_ring_rows));
	if (c->out_row0 >= c->out_ring_rows)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, out_row0));
	/* four 16-bit factors: the product fits 64 bits; outputs never in the stream buffer */
	REGION(c->out_addr, planes * c->out_ring_rows * c->out_w, 1, 0, out_addr,
	       struct eyrie_cmd_conv);
	return 0;
}

static __u16 ring_flags(const struct fw_limits *lim)
{
	return ((lim->caps & EYRIE_CAP_IN_RING) ? EYRIE_PASS_F_IN_RING : 0) |
	       ((lim->caps & EYRIE_CAP_OUT_RING) ? EYRIE_PASS_F_OUT_RING : 0);
}

static __u32 check_conv(const struct eyrie_cmd_conv *c, const struct fw_limits *lim,
			__u32 *detail)
{
	const __u16 allowed = EYRIE_PASS_F_ACCUMULATE | EYRIE_PASS_F_BIAS |
			      EYRIE_PASS_F_REQUANT | EYRIE_PASS_F_PER_CHANNEL |
			      lut_flag(lim) | gate_flag(lim) | fp32_flag(lim) |
			      (c->hdr.opcode == EYRIE_OP_CONV ? ring_flags(lim) : 0);
	int fc = c->hdr.opcode == EYRIE_OP_FC;
	__u16 fl = c->hdr.flags;
	__u64 w_b, out_e;
	__u32 rc;

	rc = check_header(&c->hdr, allowed, 1, detail);
	if (rc)
		return rc;
	if (!words_zero(c->reserved, sizeof(c->reserved)))
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_conv, reserved));
	if (!c->n)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, n));
	if (!c->groups)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, groups));
	if (!c->c || c->c % c->groups)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, c));
	if (!c->m || c->m % c->groups)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, m));
	if (fc) {
		/* FC / matmul: a 1 x 1 conv on 1 x 1 maps, no window options. */
		if (c->groups != 1)
			FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, groups));
		if (c->in_h != 1 || c->in_w != 1 || c->out_h != 1 || c->out_w != 1)
			FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, in_h));
		if (c->r != 1 || c->s != 1)
			FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, r));
		if (c->stride_h != 1 || c->stride_w != 1 || c->dil_h != 1 ||
		    c->dil_w != 1)
			FAIL(EYRIE_JOB_ERR_STRIDE, OFF(struct eyrie_cmd_conv, stride_h));
		if (c->pad_t || c->pad_l)
			FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, pad_t));
	}
	if (!c->stride_h || !c->stride_w)
		FAIL(EYRIE_JOB_ERR_STRIDE, OFF(struct eyrie_cmd_conv, stride_h));
	if (!c->dil_h || !c->dil_w)
		FAIL(EYRIE_JOB_ERR_STRIDE, OFF(struct eyrie_cmd_conv, dil_h));
	if (!conv_axis_ok(c->in_h, c->out_h, c->r, c->stride_h, c->dil_h))
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, out_h));
	if (!conv_axis_ok(c->in_w, c->out_w, c->s, c->stride_w, c->dil_w))
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_conv, out_w));
	if (!zp_ok(c->zp_in))
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_conv, zp_in));
	if (!zp_ok(c->zp_w))
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_conv, zp_w));
	rc = check_pass_quant(&c->q, fl, c->m, OFF(struct eyrie_cmd_conv, q), lim,
			      detail);
	if (rc)
		return rc;
	if (!mapping_is_zero(&c->map)) {
		rc = check_mapping(c, c->hdr.dataflow, lim, detail);
		if (rc)
			return rc;
	} else {
		struct eyrie_cmd_conv d = *c;

		fw_default_mapping(&d, lim);
		rc = check_mapping(&d, d.hdr.dataflow, lim, detail);
		if (rc)
			return rc;
	}

	rc = check_conv_input(c, lim, detail);
	if (rc)
		return rc;
	w_b = (__u64)c->m * (c->c / c->groups) * c->r * c->s;
	out_e = (__u64)c->n * c->m * c->out_h * c->out_w;
	REGION(c->w_addr, w_b, 1, 1, w_addr, struct eyrie_cmd_conv);
	/* Operands the flags do not use are ignored. */
	if (fl & EYRIE_PASS_F_BIAS)
		REGION(c->bias_addr, 4ull * c->m, 4, 0, bias_addr, struct eyrie_cmd_conv);
	if ((fl & EYRIE_PASS_F_ACCUMULATE) || !(fl & EYRIE_PASS_F_REQUANT))
		REGION(c->psum_addr, 4 * out_e, 4, 0, psum_addr, struct eyrie_cmd_conv);
	return check_conv_output(c, lim, detail);
}

static __u32 check_pool(const struct eyrie_cmd_pool *p, const struct fw_limits *lim,
			__u32 *detail)
{
	const __u16 allowed = EYRIE_PASS_F_POOL_AVG | EYRIE_PASS_F_COUNT_PAD |
			      lut_flag(lim) | fp32_flag(lim);
	const __u32 qb = OFF(struct eyrie_cmd_pool, q);
	const struct eyrie_quant *q = &p->q;
	__u32 rc;

	rc = check_header(&p->hdr, allowed, 1, detail);
	if (rc)
		return rc;
	if (p->reserved0 || !words_zero(p->reserved, sizeof(p->reserved)))
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_pool, reserved0));
	/* COUNT_PAD and the binary32 rule are average-pool flags */
	if ((p->hdr.flags & (EYRIE_PASS_F_COUNT_PAD | EYRIE_PASS_F_FP32_RQ)) &&
	    !(p->hdr.flags & EYRIE_PASS_F_POOL_AVG))
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_header, flags));
	if (!p->n || !p->c)
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_pool, n));
	if (!p->stride_h || !p->stride_w)
		FAIL(EYRIE_JOB_ERR_STRIDE, OFF(struct eyrie_cmd_pool, stride_h));
	if (!pool_axis_ok(p->in_h, p->out_h, p->r, p->stride_h, p->pad_t))
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_pool, out_h));
	if (!pool_axis_ok(p->in_w, p->out_w, p->s, p->stride_w, p->pad_l))
		FAIL(EYRIE_JOB_ERR_SHAPE, OFF(struct eyrie_cmd_pool, out_w));
	if (!zp_ok(p->zp_in))
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_pool, zp_in));
	if (q->quant_addr)
		FAIL(EYRIE_JOB_ERR_QUANT, qb + OFF(struct eyrie_quant, quant_addr));
	if (q->clamp_min > q->clamp_max)
		FAIL(EYRIE_JOB_ERR_QUANT, qb + OFF(struct eyrie_quant, clamp_min));
	/* Average always rescales; max only when q.mult != 0. */
	if ((p->hdr.flags & EYRIE_PASS_F_POOL_AVG) || q->mult) {
		if (!zp_ok(q->zp_out))
			FAIL(EYRIE_JOB_ERR_QUANT, qb + OFF(struct eyrie_quant, zp_out));
		if (!pass_rq_ok(p->hdr.flags, q->mult, q->shift))
			FAIL(EYRIE_JOB_ERR_QUANT, qb + OFF(struct eyrie_quant, mult));
	}
	REGION(p->in_addr, (__u64)p->n * p->c * p->in_h * p->in_w, 1, 1, in_addr,
	       struct eyrie_cmd_pool);
	REGION(p->out_addr, (__u64)p->n * p->c * p->out_h * p->out_w, 1, 0,
	       out_addr, struct eyrie_cmd_pool);
	return 0;
}

/*
 * ELTWISE with the binary32 rule (ONNX Runtime's QLinearAdd,
 * eyrie_eltwise_fp32()): positive normal ratios, a finite term, an offset
 * of 0 or 128, and the integer rule's words 0.
 */
static __u32 check_eltwise_fp32(const struct eyrie_cmd_eltwise *e, __u32 *detail)
{
	const __u32 qb = OFF(struct eyrie_cmd_eltwise, q);

	if (!eyrie_fp32_scale_ok(e->ratio_a))
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, ratio_a));
	if (!eyrie_fp32_scale_ok(e->ratio_b))
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, ratio_b));
	if (!eyrie_fp32_term_ok(e->term))
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, term));
	if (e->value_offset != 0 && e->value_offset != EYRIE_ELTWISE_FP32_U8_OFFSET)
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, value_offset));
	if (e->zp_a || e->zp_b)
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, zp_a));
	if (e->a_mult || e->a_shift)
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, a_mult));
	if (e->b_mult || e->b_shift)
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, b_mult));
	if (e->q.zp_out)
		FAIL(EYRIE_JOB_ERR_QUANT, qb + OFF(struct eyrie_quant, zp_out));
	if (e->q.mult || e->q.shift)
		FAIL(EYRIE_JOB_ERR_QUANT, qb + OFF(struct eyrie_quant, mult));
	return 0;
}

/* ELTWISE with the integer rule: its four binary32 words are reserved. */
static __u32 check_eltwise_int(const struct eyrie_cmd_eltwise *e, __u32 *detail)
{
	const __u32 qb = OFF(struct eyrie_cmd_eltwise, q);

	if (e->ratio_a || e->ratio_b || e->term || e->value_offset)
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_eltwise, ratio_a));
	if (!zp_ok(e->zp_a))
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, zp_a));
	if (!zp_ok(e->zp_b))
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, zp_b));
	if (!rq_ok(e->a_mult, e->a_shift))
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, a_mult));
	if (!rq_ok(e->b_mult, e->b_shift))
		FAIL(EYRIE_JOB_ERR_QUANT, OFF(struct eyrie_cmd_eltwise, b_mult));
	if (!zp_ok(e->q.zp_out))
		FAIL(EYRIE_JOB_ERR_QUANT, qb + OFF(struct eyrie_quant, zp_out));
	if (!rq_ok(e->q.mult, e->q.shift))
		FAIL(EYRIE_JOB_ERR_QUANT, qb + OFF(struct eyrie_quant, mult));
	return 0;
}

static __u32 check_eltwise(const struct eyrie_cmd_eltwise *e,
			   const struct fw_limits *lim, __u32 *detail)
{
	const __u32 qb = OFF(struct eyrie_cmd_eltwise, q);
	__u32 rc;

	rc = check_header(&e->hdr, lut_flag(lim) | fp32_flag(lim), 1, detail);
	if (rc)
		return rc;
	if (e->reserved0 || !words_zero(e->reserved, sizeof(e->reserved)))
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_eltwise, reserved0));
	if (!e->count)
		FAIL(EYRIE_JOB_ERR_COUNT, OFF(struct eyrie_cmd_eltwise, count));
	rc = (e->hdr.flags & EYRIE_PASS_F_FP32_RQ) ? check_eltwise_fp32(e, detail) :
						      check_eltwise_int(e, detail);
	if (rc)
		return rc;
	if (e->q.quant_addr)
		FAIL(EYRIE_JOB_ERR_QUANT, qb + OFF(struct eyrie_quant, quant_addr));
	if (e->q.clamp_min > e->q.clamp_max)
		FAIL(EYRIE_JOB_ERR_QUANT, qb + OFF(struct eyrie_quant, clamp_min));
	REGION(e->a_addr, e->count, 1, 1, a_addr, struct eyrie_cmd_eltwise);
	REGION(e->b_addr, e->count, 1, 1, b_addr, struct eyrie_cmd_eltwise);
	REGION(e->out_addr, e->count, 1, 0, out_addr, struct eyrie_cmd_eltwise);
	return 0;
}

static __u32 check_write(const struct eyrie_cmd_write *w, __u32 *detail)
{
	__u32 rc = check_header(&w->hdr, 0, 0, detail);

	if (rc)
		return rc;
	if (!words_zero(w->reserved, sizeof(w->reserved)))
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_write, reserved));
	if (w->dram_addr % 8)
		FAIL(EYRIE_JOB_ERR_ALIGN, OFF(struct eyrie_cmd_write, dram_addr));
	return 0;
}

static __u32 check_lut_load(const struct eyrie_cmd_lut_load *l,
			    const struct fw_limits *lim, __u32 *detail)
{
	__u32 rc;

	if (!(lim->caps & EYRIE_CAP_ACT_LUT))
		FAIL(EYRIE_JOB_ERR_OPCODE, OFF(struct eyrie_cmd_header, opcode));
	rc = check_header(&l->hdr, 0, 0, detail);
	if (rc)
		return rc;
	if (!words_zero(l->reserved, sizeof(l->reserved)))
		FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_lut_load, reserved));
	if (l->dram_addr % 4)
		FAIL(EYRIE_JOB_ERR_ALIGN, OFF(struct eyrie_cmd_lut_load, dram_addr));
	if (l->dram_addr >= VA_LIMIT || VA_LIMIT - l->dram_addr < EYRIE_LUT_ENTRIES)
		FAIL(EYRIE_JOB_ERR_COUNT, OFF(struct eyrie_cmd_lut_load, dram_addr));
	return 0;
}

static int is_pass(__u8 opcode)
{
	return opcode == EYRIE_OP_CONV || opcode == EYRIE_OP_FC ||
	       opcode == EYRIE_OP_POOL || opcode == EYRIE_OP_ELTWISE;
}

__u32 fw_validate_in_job(const union eyrie_cmd *cmd, const struct fw_limits *lim,
			 struct fw_job_check *job, __u32 *detail)
{
	__u32 rc = fw_validate_cmd(cmd, lim, detail);

	if (rc)
		return rc;
	if (cmd->hdr.opcode == EYRIE_OP_LUT_LOAD)
		job->lut_loaded = 1;
	else if (is_pass(cmd->hdr.opcode) && (cmd->hdr.flags & EYRIE_PASS_F_LUT) &&
		 !job->lut_loaded)
		FAIL(EYRIE_JOB_ERR_LUT, OFF(struct eyrie_cmd_header, flags));
	return 0;
}

__u32 fw_validate_cmd(const union eyrie_cmd *cmd, const struct fw_limits *lim,
		      __u32 *detail)
{
	__u32 rc;

	*detail = 0;
	switch (cmd->hdr.opcode) {
	case EYRIE_OP_NOP:
	case EYRIE_OP_BARRIER:
		rc = check_header(&cmd->hdr, 0, 0, detail);
		if (rc)
			return rc;
		if (!words_zero(cmd->raw + sizeof(cmd->hdr),
				EYRIE_CMD_SIZE - sizeof(cmd->hdr)))
			FAIL(EYRIE_JOB_ERR_RESERVED, sizeof(cmd->hdr));
		return 0;
	case EYRIE_OP_DMA_LOAD:
	case EYRIE_OP_DMA_STORE:
		return check_dma(&cmd->dma, lim, detail);
	case EYRIE_OP_CONV:
	case EYRIE_OP_FC:
		return check_conv(&cmd->conv, lim, detail);
	case EYRIE_OP_POOL:
		return check_pool(&cmd->pool, lim, detail);
	case EYRIE_OP_ELTWISE:
		return check_eltwise(&cmd->eltwise, lim, detail);
	case EYRIE_OP_TIMESTAMP:
	case EYRIE_OP_ENERGY_SNAPSHOT:
		return check_write(&cmd->write, detail);
	case EYRIE_OP_LUT_LOAD:
		return check_lut_load(&cmd->lut_load, lim, detail);
	case EYRIE_OP_EVENT_SIGNAL:
	case EYRIE_OP_EVENT_WAIT:
		if (!(lim->caps & EYRIE_CAP_EVENTS))
			FAIL(EYRIE_JOB_ERR_OPCODE, OFF(struct eyrie_cmd_header, opcode));
		rc = check_header(&cmd->hdr, 0, 0, detail);
		if (rc)
			return rc;
		if (!words_zero(cmd->event.reserved, sizeof(cmd->event.reserved)))
			FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_event, reserved));
		if (cmd->event.event >= EYRIE_NUM_EVENTS)
			FAIL(EYRIE_JOB_ERR_COUNT, OFF(struct eyrie_cmd_event, event));
		if (cmd->event.engine >= EYRIE_ENGINE_COUNT)
			FAIL(EYRIE_JOB_ERR_COUNT, OFF(struct eyrie_cmd_event, engine));
		return 0;
	case EYRIE_OP_STALL:
		rc = check_header(&cmd->hdr, 0, 0, detail);
		if (rc)
			return rc;
		if (!words_zero(cmd->stall.reserved, sizeof(cmd->stall.reserved)))
			FAIL(EYRIE_JOB_ERR_RESERVED, OFF(struct eyrie_cmd_stall, reserved));
		if (!(lim->caps & EYRIE_CAP_DEBUG_STALL))
			FAIL(EYRIE_JOB_ERR_STALL_DENIED, 0);
		return 0;
	default:
		FAIL(EYRIE_JOB_ERR_OPCODE, OFF(struct eyrie_cmd_header, opcode));
	}
}
