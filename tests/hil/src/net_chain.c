// SPDX-License-Identifier: MIT
#include "net_chain.h"

#include <string.h>

/* GLB layout of the chain (byte offsets). */
enum {
	GLB_X = 0x0000,		/* 4 x 8 x 8 int8 */
	GLB_W = 0x0400,		/* 8 x 4 x 3 x 3 int8 */
	GLB_BIAS = 0x0800,	/* 8 int32 */
	GLB_CONV = 0x2000,	/* 8 x 8 x 8 int8 */
	GLB_POOL = 0x2400,	/* 8 x 4 x 4 int8 */
	GLB_Y = 0x2800,		/* 8 x 4 x 4 int8 */
	GLB_ADD = 0x2c00,	/* 8 x 4 x 4 int8 */
};

#define X_BYTES (NET_C * NET_H * NET_W)
#define W_BYTES (NET_M * NET_C * 9)
#define BIAS_BYTES (NET_M * 4)

/* Requantization parameters (docs/hardware.md 7.5): mult * 2^-(31+shift). */
#define CONV_MULT (1 << 30)	/* x 2^-6 overall: 2^30 * 2^-36 */
#define CONV_SHIFT 5
#define ADD_IN_MULT (1 << 30)	/* inputs x 2^20: 2^30 * 2^-10 */
#define ADD_IN_SHIFT (-21)
#define ADD_OUT_MULT (1 << 30)	/* back x 2^-20: 2^30 * 2^-50 */
#define ADD_OUT_SHIFT 19

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void fill(int8_t *p, unsigned int n, uint32_t seed, int lo, int span)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (int8_t)(lo + (int)(lcg(&seed) % (uint32_t)span));
}

static void dma(union eyrie_cmd *c, uint8_t op, uint64_t va, uint32_t glb,
		uint32_t len)
{
	memset(c, 0, sizeof(*c));
	c->dma.hdr.opcode = op;
	c->dma.dram_addr = va;
	c->dma.glb_addr = glb;
	c->dma.elem_bytes = 1;
	c->dma.count[0] = len;
	c->dma.dram_stride[0] = 1;
	c->dma.glb_stride[0] = 1;
	for (int i = 1; i < EYRIE_DMA_MAX_DIMS; i++)
		c->dma.count[i] = 1;
}

static void barrier(union eyrie_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->hdr.opcode = EYRIE_OP_BARRIER;
}

static void conv(union eyrie_cmd *c)
{
	struct eyrie_cmd_conv *v = &c->conv;

	memset(c, 0, sizeof(*c));
	v->hdr.opcode = EYRIE_OP_CONV;
	v->hdr.dataflow = EYRIE_DATAFLOW_RS;
	v->hdr.flags = EYRIE_PASS_F_BIAS | EYRIE_PASS_F_REQUANT;
	v->in_addr = GLB_X;
	v->w_addr = GLB_W;
	v->bias_addr = GLB_BIAS;
	/* psum_addr stays 0: with REQUANT and no ACCUMULATE it is unused. */
	v->out_addr = GLB_CONV;
	v->n = 1;
	v->c = NET_C;
	v->m = NET_M;
	v->groups = 1;
	v->in_h = v->out_h = NET_H;
	v->in_w = v->out_w = NET_W;
	v->r = v->s = 3;
	v->stride_h = v->stride_w = 1;
	v->dil_h = v->dil_w = 1;
	v->pad_t = v->pad_l = 1;
	v->q.mult = CONV_MULT;
	v->q.shift = CONV_SHIFT;
	v->q.zp_out = 0;
	v->q.clamp_min = 0;		/* fused ReLU */
	v->q.clamp_max = 127;
	/* Row stationary: 3 filter rows x 8 output rows per PE set, 2 sets. */
	v->map.spatial_r = 3;
	v->map.spatial_e = NET_H;
	v->map.sets_m = 2;
	v->map.sets_c = 1;
	v->map.rf_m = 2;
	v->map.rf_c = 2;
	v->map.rf_n = 1;
}

static void pool(union eyrie_cmd *c)
{
	struct eyrie_cmd_pool *p = &c->pool;

	memset(c, 0, sizeof(*c));
	p->hdr.opcode = EYRIE_OP_POOL;
	p->in_addr = GLB_CONV;
	p->out_addr = GLB_POOL;
	p->n = 1;
	p->c = NET_M;
	p->in_h = NET_H;
	p->in_w = NET_W;
	p->out_h = NET_PH;
	p->out_w = NET_PW;
	p->r = p->s = 2;
	p->stride_h = p->stride_w = 2;
	p->q.clamp_min = -128;		/* mult 0: out = clamp(max) */
	p->q.clamp_max = 127;
}

static void add(union eyrie_cmd *c)
{
	struct eyrie_cmd_eltwise *e = &c->eltwise;

	memset(c, 0, sizeof(*c));
	e->hdr.opcode = EYRIE_OP_ELTWISE;
	e->a_addr = GLB_POOL;
	e->b_addr = GLB_Y;
	e->out_addr = GLB_ADD;
	e->count = NET_ADD_OUT;
	e->a_mult = e->b_mult = ADD_IN_MULT;
	e->a_shift = e->b_shift = ADD_IN_SHIFT;
	e->q.mult = ADD_OUT_MULT;
	e->q.shift = ADD_OUT_SHIFT;
	e->q.clamp_min = -128;
	e->q.clamp_max = 127;
}

static int alloc(const struct net_alloc *a, uint64_t size, struct net_buf *b)
{
	return a->alloc(a->opaque, size, &b->cpu, &b->va);
}

int net_chain_build(const struct net_alloc *a, struct net_chain *n)
{
	union eyrie_cmd *c;
	int32_t *bias;
	unsigned int k = 0;
	int rc;

	memset(n, 0, sizeof(*n));
	if ((rc = alloc(a, X_BYTES, &n->x)) || (rc = alloc(a, W_BYTES, &n->w)) ||
	    (rc = alloc(a, BIAS_BYTES, &n->bias)) ||
	    (rc = alloc(a, NET_ADD_OUT, &n->y)) ||
	    (rc = alloc(a, NET_CONV_OUT, &n->conv_out)) ||
	    (rc = alloc(a, NET_ADD_OUT, &n->add_out)) ||
	    (rc = alloc(a, NET_MAX_CMDS * EYRIE_CMD_SIZE, &n->cmds)))
		return rc;
	fill(n->x.cpu, X_BYTES, 1, -16, 32);
	fill(n->w.cpu, W_BYTES, 2, -8, 16);
	fill(n->y.cpu, NET_ADD_OUT, 3, -40, 80);
	bias = n->bias.cpu;
	for (int i = 0; i < NET_M; i++)
		bias[i] = (i - NET_M / 2) * 37;
	memset(n->conv_out.cpu, 0x11, NET_CONV_OUT);
	memset(n->add_out.cpu, 0x11, NET_ADD_OUT);

	c = n->cmds.cpu;
	dma(&c[k++], EYRIE_OP_DMA_LOAD, n->x.va, GLB_X, X_BYTES);
	dma(&c[k++], EYRIE_OP_DMA_LOAD, n->w.va, GLB_W, W_BYTES);
	dma(&c[k++], EYRIE_OP_DMA_LOAD, n->bias.va, GLB_BIAS, BIAS_BYTES);
	dma(&c[k++], EYRIE_OP_DMA_LOAD, n->y.va, GLB_Y, NET_ADD_OUT);
	barrier(&c[k++]);
	conv(&c[k++]);
	barrier(&c[k++]);
	pool(&c[k++]);
	barrier(&c[k++]);
	add(&c[k++]);
	barrier(&c[k++]);
	dma(&c[k++], EYRIE_OP_DMA_STORE, n->conv_out.va, GLB_CONV, NET_CONV_OUT);
	dma(&c[k++], EYRIE_OP_DMA_STORE, n->add_out.va, GLB_ADD, NET_ADD_OUT);
	n->cmd_count = k;
	return 0;
}

uint64_t net_chain_hash(const struct net_chain *n)
{
	const unsigned char *p;
	uint64_t h = 0xcbf29ce484222325ull;

	p = n->conv_out.cpu;
	for (unsigned int i = 0; i < NET_CONV_OUT; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	p = n->add_out.cpu;
	for (unsigned int i = 0; i < NET_ADD_OUT; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* The exact rule of docs/hardware.md 7.5. */
static int64_t rq(int64_t x, int32_t mult, int32_t shift)
{
	int t = 31 + shift;

	return (x * mult + (1ll << (t - 1))) >> t;
}

static int8_t clamp8(int64_t v, int lo, int hi)
{
	return (int8_t)(v < lo ? lo : v > hi ? hi : v);
}

void net_chain_reference(const struct net_chain *n,
			 int8_t conv_out[NET_CONV_OUT],
			 int8_t add_out[NET_ADD_OUT])
{
	const int8_t *x = n->x.cpu, *w = n->w.cpu, *y = n->y.cpu;
	const int32_t *bias = n->bias.cpu;

	for (int k = 0; k < NET_M; k++)
		for (int oy = 0; oy < NET_H; oy++)
			for (int ox = 0; ox < NET_W; ox++) {
				int64_t acc = bias[k];

				for (int ci = 0; ci < NET_C; ci++)
					for (int i = 0; i < 3; i++)
						for (int j = 0; j < 3; j++) {
							int iy = oy - 1 + i, ix = ox - 1 + j;

							if (iy < 0 || iy >= NET_H || ix < 0 || ix >= NET_W)
								continue;
							acc += x[(ci * NET_H + iy) * NET_W + ix] *
							       w[((k * NET_C + ci) * 3 + i) * 3 + j];
						}
				conv_out[(k * NET_H + oy) * NET_W + ox] =
					clamp8(rq(acc, CONV_MULT, CONV_SHIFT), 0, 127);
			}
	for (int k = 0; k < NET_M; k++)
		for (int py = 0; py < NET_PH; py++)
			for (int px = 0; px < NET_PW; px++) {
				int mx = -128, idx = (k * NET_PH + py) * NET_PW + px;
				int64_t acc;

				for (int i = 0; i < 2; i++)
					for (int j = 0; j < 2; j++) {
						int v = conv_out[(k * NET_H + 2 * py + i) * NET_W + 2 * px + j];

						mx = v > mx ? v : mx;
					}
				acc = rq(mx, ADD_IN_MULT, ADD_IN_SHIFT) +
				      rq(y[idx], ADD_IN_MULT, ADD_IN_SHIFT);
				add_out[idx] = clamp8(rq(acc, ADD_OUT_MULT, ADD_OUT_SHIFT),
						      -128, 127);
			}
}
