// SPDX-License-Identifier: MIT
/*
 * accelctl validate: known-answer self-tests on a device. Each test builds
 * a small job through the public API, runs it and compares what comes back
 * with an answer computed here on the CPU (or, for the malformed commands,
 * with the status and command index the hardware contract prescribes).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accelctl.h"

ACCELCTL_COMMAND(validate);

const char cmd_validate_usage[] =
	"Usage: accelctl [-d DEVICE] validate [--json] [--seed N]\n"
	"\n"
	"Runs known-answer self-tests on the device and prints TAP (\"ok N - ...\")\n"
	"or, with --json, {\"device\", \"tests\": [{\"name\", \"ok\", \"detail\"}],\n"
	"\"passed\", \"failed\"}. Exit status 1 if any test fails.\n"
	"\n"
	"  --seed N   seed of the test data (default 1)\n";

#define JOB_TIMEOUT_MS 20000
#define IO_BYTES (64 * 1024)

struct vt {
	struct accelctl *ctx;
	struct accel_device *dev;
	struct accel_device_info info;
	uint64_t rng;
	char detail[512];
	unsigned int jobs_run;
};

typedef bool (*test_fn)(struct vt *t);

static uint32_t rnd(struct vt *t)
{
	/* xorshift64*: reproducible test data from --seed. */
	t->rng ^= t->rng >> 12;
	t->rng ^= t->rng << 25;
	t->rng ^= t->rng >> 27;
	return (uint32_t)((t->rng * 2685821657736338717ull) >> 32);
}

static bool fail(struct vt *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(struct vt *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->detail, sizeof(t->detail), fmt, ap);
	va_end(ap);
	return false;
}

static bool note(struct vt *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool note(struct vt *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->detail, sizeof(t->detail), fmt, ap);
	va_end(ap);
	return true;
}

/* A zeroed buffer and its mapping; NULL after recording the failure. */
static struct accel_buffer *buffer(struct vt *t, size_t size, uint32_t flags,
				   uint8_t **map)
{
	struct accel_buffer_opts o = ACCEL_OPTS_INIT(accel_buffer_opts, .flags = flags);
	struct accel_buffer *b;
	void *p;

	if (accel_buffer_create(t->dev, size, &o, &b)) {
		fail(t, "buffer: %s", accel_last_error());
		return NULL;
	}
	accel_buffer_map(b, &p);
	*map = p;
	return b;
}

/* Runs cb; expects status at index (ACCEL_CMD_INDEX_NONE for OK). */
static bool run(struct vt *t, struct accel_cmdbuf *cb, enum accel_queue queue,
		int want_status, uint32_t want_index, struct accel_job_result *res)
{
	struct accel_submit_opts o = ACCEL_OPTS_INIT(accel_submit_opts, .queue = queue);
	int err;

	res->sz = sizeof(*res);
	if (!cb)
		return fail(t, "out of memory building the commands");
	err = accel_job_run(t->dev, cb, &o, JOB_TIMEOUT_MS, res);
	t->jobs_run++;
	if (err && err != -EIO)
		return fail(t, "job: %s", accel_last_error());
	if (res->status != want_status)
		return fail(t, "job ended with status %d (%s), expected %d (%s)%s%s",
			    res->status, accel_job_status_str(res->status), want_status,
			    accel_job_status_str(want_status), err ? ": " : "",
			    err ? accel_last_error() : "");
	if (want_status != ACCEL_JOB_OK && res->err_cmd_index != want_index)
		return fail(t, "job failed at command %u, expected command %u",
			    res->err_cmd_index, want_index);
	return true;
}

static bool test_description(struct vt *t)
{
	const struct accel_device_info *in = &t->info;

	if (!in->pe_rows || !in->pe_cols || !in->glb_bytes || !in->clock_khz)
		return fail(t, "empty description: %ux%u PEs, %u B GLB, %u kHz",
			    in->pe_rows, in->pe_cols, in->glb_bytes, in->clock_khz);
	if (!in->rf_ifmap_words || !in->rf_filter_words || !in->rf_psum_words)
		return fail(t, "an RF size is zero");
	/* Energy per access grows with distance from the PE (Eyeriss). */
	if (!(in->energy_fj[0] > in->energy_fj[1] && in->energy_fj[1] > in->energy_fj[3] &&
	      in->energy_fj[3] > 0 && in->energy_fj[4] > 0))
		return fail(t, "energy table not ordered DRAM > GLB > RF > 0: %u %u %u %u %u fJ",
			    in->energy_fj[0], in->energy_fj[1], in->energy_fj[2],
			    in->energy_fj[3], in->energy_fj[4]);
	if (in->num_queues < 1 || in->max_cmds_per_job < 16)
		return fail(t, "limits too small: %u queues, %u commands per job",
			    in->num_queues, in->max_cmds_per_job);
	return note(t, "%ux%u PEs, %u KiB GLB, %.0f MHz", in->pe_rows, in->pe_cols,
		    in->glb_bytes / 1024, in->clock_khz / 1000.0);
}

static bool test_nop(struct vt *t)
{
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_job_result r;
	bool ok;

	if (cb) {
		accel_cmdbuf_nop(cb);
		accel_cmdbuf_barrier(cb);
	}
	ok = run(t, cb, ACCEL_QUEUE_NORMAL, ACCEL_JOB_OK, 0, &r);
	accel_cmdbuf_free(cb);
	if (ok && r.end_ns < r.start_ns)
		return fail(t, "job ends (%" PRIu64 " ns) before it starts (%" PRIu64 " ns)",
			    r.end_ns, r.start_ns);
	return ok ? note(t, "%" PRIu64 " cycles", r.cycles) : false;
}

static bool test_high_queue(struct vt *t)
{
	struct accel_cmdbuf *cb;
	struct accel_job_result r;
	bool ok;

	if (t->info.num_queues < 2)
		return fail(t, "device reports %u queue(s); the contract has a high-priority queue 1",
			    t->info.num_queues);
	cb = accel_cmdbuf_new();
	if (cb)
		accel_cmdbuf_nop(cb);
	ok = run(t, cb, ACCEL_QUEUE_HIGH, ACCEL_JOB_OK, 0, &r);
	accel_cmdbuf_free(cb);
	return ok;
}

static bool test_dma(struct vt *t)
{
	enum { N = 8192, ROWS = 32, ROW = 64, TAKE = 48 };
	struct accel_buffer *src = NULL, *dst = NULL;
	struct accel_cmdbuf *cb = NULL;
	struct accel_job_result r;
	uint8_t *s, *d;
	bool ok = false;

	if (t->info.glb_bytes < N + ROWS * ROW)
		return fail(t, "GLB of %u bytes is too small for the test", t->info.glb_bytes);
	src = buffer(t, N, 0, &s);
	dst = buffer(t, N + ROWS * ROW, 0, &d);
	cb = accel_cmdbuf_new();
	if (!src || !dst || !cb)
		goto out;
	for (int i = 0; i < N; i++)
		s[i] = (uint8_t)rnd(t);
	accel_buffer_sync(src, ACCEL_SYNC_TO_DEVICE, 0, 0);
	/* 1-D round trip of N bytes through the GLB... */
	accel_cmdbuf_copy_in(cb, src, 0, 0, N);
	/* ...and a 2-D gather: the first TAKE bytes of every other row. */
	struct accel_dma g = ACCEL_OPTS_INIT(accel_dma, .buf = src, .offset = 0,
		.glb_addr = N, .elem_bytes = 1, .dims = 2,
		.count = { TAKE, ROWS / 2 }, .dram_stride = { 1, 2 * ROW },
		.glb_stride = { 1, TAKE });
	accel_cmdbuf_dma_load(cb, &g);
	accel_cmdbuf_barrier(cb);
	accel_cmdbuf_copy_out(cb, dst, 0, 0, N);
	accel_cmdbuf_copy_out(cb, dst, N, N, TAKE * ROWS / 2);
	if (!run(t, cb, ACCEL_QUEUE_NORMAL, ACCEL_JOB_OK, 0, &r))
		goto out;
	accel_buffer_sync(dst, ACCEL_SYNC_FROM_DEVICE, 0, 0);
	for (int i = 0; i < N; i++)
		if (d[i] != s[i]) {
			fail(t, "byte %d came back 0x%02x, sent 0x%02x", i, d[i], s[i]);
			goto out;
		}
	for (int row = 0; row < ROWS / 2; row++)
		for (int x = 0; x < TAKE; x++) {
			uint8_t want = s[2 * row * ROW + x], got = d[N + row * TAKE + x];

			if (got != want) {
				fail(t, "strided gather row %d byte %d: 0x%02x, expected 0x%02x",
				     row, x, got, want);
				goto out;
			}
		}
	ok = note(t, "%d bytes dense + %d bytes strided, %" PRIu64 " cycles", N,
		  TAKE * ROWS / 2, r.cycles);
out:
	accel_cmdbuf_free(cb);
	accel_buffer_free(src);
	accel_buffer_free(dst);
	return ok;
}

/* ---- a small conv against the CPU ---- */

enum { CN = 1, CC = 4, CM = 8, CH = 10, CW = 10, CR = 3, CS = 3, COH = 10, COW = 10 };
/* GLB layout of the conv test */
enum { G_IN = 0, G_W = 512, G_BIAS = 1024, G_PSUM = 2048, G_OUT = 6144 };
/* host buffer layout */
enum { H_IN = 0, H_W = 4096, H_BIAS = 8192, H_PSUM = 12288, H_OUT = 24576, H_SNAP = 32768 };

/* The requantization rule of the hardware contract, on the CPU. */
static int64_t rq(int64_t x, int32_t mult, int32_t shift)
{
	int t = 31 + shift;

	return (x * mult + ((int64_t)1 << (t - 1))) >> t;
}

static int32_t sat32(int64_t v)
{
	return v > INT32_MAX ? INT32_MAX : v < INT32_MIN ? INT32_MIN : (int32_t)v;
}

static bool test_conv(struct vt *t)
{
	const int32_t zp_in = 3, zp_w = -2, zp_out = -5, mult = 1395864371, shift = 10;
	struct accel_buffer *io = NULL;
	struct accel_cmdbuf *cb = NULL;
	struct accel_job_result r;
	int8_t *in, *w, *out;
	int32_t *bias, *psum;
	uint64_t taps_inside = 0, taps_all = 0, energy = 0;
	struct accel_energy_snapshot *snap;
	uint8_t *base;
	bool ok = false;
	int interior = 0, saturated = 0;

	if (t->info.glb_bytes < G_OUT + CN * CM * COH * COW)
		return fail(t, "GLB of %u bytes is too small for the test (needs %d)",
			    t->info.glb_bytes, G_OUT + CN * CM * COH * COW);
	io = buffer(t, IO_BYTES, 0, &base);
	cb = accel_cmdbuf_new();
	if (!io || !cb)
		goto out;
	in = (int8_t *)(base + H_IN);
	w = (int8_t *)(base + H_W);
	bias = (int32_t *)(base + H_BIAS);
	psum = (int32_t *)(base + H_PSUM);
	out = (int8_t *)(base + H_OUT);
	snap = (struct accel_energy_snapshot *)(base + H_SNAP);
	for (int i = 0; i < CN * CC * CH * CW; i++)
		in[i] = (int8_t)rnd(t);
	for (int i = 0; i < CM * CC * CR * CS; i++)
		w[i] = (int8_t)rnd(t);
	for (int i = 0; i < CM; i++)
		bias[i] = (int32_t)(rnd(t) % 10001) - 5000;
	accel_buffer_sync(io, ACCEL_SYNC_TO_DEVICE, 0, 0);

	struct accel_quant q8 = { .mult = mult, .shift = shift, .zp_out = zp_out,
				  .clamp_min = zp_out, .clamp_max = 127 };
	/* The psum pass has no requantization: its quant fields stay zero. */
	struct accel_conv c = ACCEL_OPTS_INIT(accel_conv,
		.flags = ACCEL_PASS_BIAS, .dataflow = ACCEL_DATAFLOW_RS,
		.in_addr = G_IN, .w_addr = G_W, .bias_addr = G_BIAS,
		.psum_addr = G_PSUM,	/* operands a pass does not use stay 0 */
		.n = CN, .c = CC, .m = CM, .groups = 1,
		.in_h = CH, .in_w = CW, .out_h = COH, .out_w = COW,
		.r = CR, .s = CS, .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1,
		.pad_t = 1, .pad_l = 1, .zp_in = zp_in, .zp_w = zp_w);
	/*
	 * A row-stationary mapping that fits any array of at least 1 x 1:
	 * filter rows on PE rows, output rows on PE columns, as many output
	 * channel sets as the mesh holds; one channel per PE RF.
	 */
	{
		uint32_t sr = CR < t->info.pe_rows ? CR : t->info.pe_rows;
		uint32_t se = COH < t->info.pe_cols ? COH : t->info.pe_cols;
		/* set-sized rectangles on the mesh's grid (docs/hardware.md 7.2) */
		uint32_t sets = (t->info.pe_rows / sr) * (t->info.pe_cols / se);

		c.map = (struct accel_mapping){ .spatial_r = sr, .spatial_e = se,
			.sets_m = sets < CM ? (sets ? sets : 1) : CM, .sets_c = 1,
			.rf_m = 1, .rf_c = 1, .rf_n = 1 };
	}
	accel_cmdbuf_copy_in(cb, io, H_IN, G_IN, CN * CC * CH * CW);
	accel_cmdbuf_copy_in(cb, io, H_W, G_W, CM * CC * CR * CS);
	accel_cmdbuf_copy_in(cb, io, H_BIAS, G_BIAS, CM * 4);
	accel_cmdbuf_barrier(cb);
	accel_cmdbuf_conv(cb, &c);		/* int32 psums */
	c.flags = ACCEL_PASS_BIAS | ACCEL_PASS_REQUANT;
	c.q = q8;
	c.psum_addr = 0;
	c.out_addr = G_OUT;
	accel_cmdbuf_conv(cb, &c);		/* int8, requantized, ReLU */
	accel_cmdbuf_barrier(cb);
	accel_cmdbuf_copy_out(cb, io, H_PSUM, G_PSUM, CN * CM * COH * COW * 4);
	accel_cmdbuf_copy_out(cb, io, H_OUT, G_OUT, CN * CM * COH * COW);
	accel_cmdbuf_energy_snapshot(cb, io, H_SNAP);
	if (!run(t, cb, ACCEL_QUEUE_NORMAL, ACCEL_JOB_OK, 0, &r))
		goto out;
	accel_buffer_sync(io, ACCEL_SYNC_FROM_DEVICE, 0, 0);

	for (int k = 0; k < CM; k++)
		for (int y = 0; y < COH; y++)
			for (int x = 0; x < COW; x++) {
				int64_t acc = bias[k];
				int idx = (k * COH + y) * COW + x;
				int64_t want8;

				for (int ci = 0; ci < CC; ci++)
					for (int i = 0; i < CR; i++)
						for (int j = 0; j < CS; j++) {
							int iy = y - 1 + i, ix = x - 1 + j;
							bool inside = iy >= 0 && iy < CH && ix >= 0 && ix < CW;
							int v = inside ? in[(ci * CH + iy) * CW + ix] : zp_in;

							taps_all++;
							taps_inside += inside;
							acc += (int64_t)(v - zp_in) *
							       (w[((k * CC + ci) * CR + i) * CS + j] - zp_w);
						}
				if (psum[idx] != sat32(acc)) {
					fail(t, "psum[m=%d y=%d x=%d] = %d, CPU says %d", k, y, x,
					     psum[idx], sat32(acc));
					goto out;
				}
				want8 = zp_out + rq(sat32(acc), mult, shift);
				want8 = want8 < zp_out ? zp_out : want8 > 127 ? 127 : want8;
				if (out[idx] != want8) {
					fail(t, "out[m=%d y=%d x=%d] = %d, CPU says %d", k, y, x,
					     out[idx], (int)want8);
					goto out;
				}
				interior += want8 > zp_out && want8 < 127;
				saturated += want8 == 127;
			}
	/*
	 * An all-clamped answer would prove little: with ReLU about half the
	 * outputs sit at zp_out; ask for a quarter strictly inside the range
	 * and few saturated.
	 */
	if (interior < CM * COH * COW / 4 || saturated > CM * COH * COW / 10) {
		fail(t, "test data degenerate: %d of %d outputs inside (zp_out, 127), %d saturated",
		     interior, CM * COH * COW, saturated);
		goto out;
	}
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		energy += snap->energy_fj[d];
	/* Two passes; the device may or may not count MACs on padding taps. */
	if (snap->macs < 2 * taps_inside || snap->macs > 2 * taps_all) {
		fail(t, "device counted %" PRIu64 " MACs; two passes have %" PRIu64
		     " taps, %" PRIu64 " of them inside the input",
		     snap->macs, 2 * taps_all, 2 * taps_inside);
		goto out;
	}
	if (!r.cycles || !r.energy_fj || energy > r.energy_fj) {
		fail(t, "job reports %" PRIu64 " cycles, %" PRIu64 " fJ; snapshot %" PRIu64 " fJ",
		     r.cycles, r.energy_fj, energy);
		goto out;
	}
	ok = note(t, "%d outputs exact (psum and int8), %" PRIu64 " MACs, %" PRIu64
		  " cycles, %.3f nJ", CM * COH * COW, snap->macs, r.cycles, r.energy_fj / 1e6);
out:
	accel_cmdbuf_free(cb);
	accel_buffer_free(io);
	return ok;
}

/* ---- malformed commands must fail with the prescribed status and index ---- */

static bool test_bad_glb(struct vt *t)
{
	struct accel_buffer *io = NULL;
	struct accel_cmdbuf *cb = NULL;
	struct accel_job_result r;
	uint8_t *p;
	bool ok = false;

	io = buffer(t, 8192, 0, &p);
	cb = accel_cmdbuf_new();
	if (!io || !cb)
		goto out;
	memset(p, 0xa5, 8192);
	accel_buffer_sync(io, ACCEL_SYNC_TO_DEVICE, 0, 0);
	accel_cmdbuf_nop(cb);
	accel_cmdbuf_copy_out(cb, io, 0, 0, 4096);	/* valid, must not run */
	accel_cmdbuf_copy_in(cb, io, 4096, t->info.glb_bytes - 8, 16);
	if (!run(t, cb, ACCEL_QUEUE_NORMAL, ACCEL_JOB_ERR_GLB_BOUNDS, 2, &r))
		goto out;
	accel_buffer_sync(io, ACCEL_SYNC_FROM_DEVICE, 0, 0);
	for (int i = 0; i < 4096; i++)
		if (p[i] != 0xa5) {
			fail(t, "the job had a side effect: byte %d changed before the bad command", i);
			goto out;
		}
	ok = note(t, "status %d at command 2, no side effect", r.status);
out:
	accel_cmdbuf_free(cb);
	accel_buffer_free(io);
	return ok;
}

static bool test_bad_shape(struct vt *t)
{
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	struct accel_job_result r;
	bool ok;
	struct accel_conv c = ACCEL_OPTS_INIT(accel_conv,
		.in_addr = 0, .w_addr = 1024, .psum_addr = 4096,
		.n = 1, .c = 4, .m = 6, .groups = 3,	/* 3 does not divide 4 */
		.in_h = 4, .in_w = 4, .out_h = 2, .out_w = 2, .r = 3, .s = 3,
		.stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1);

	if (cb) {
		accel_cmdbuf_nop(cb);
		accel_cmdbuf_barrier(cb);
		accel_cmdbuf_conv(cb, &c);
	}
	ok = run(t, cb, ACCEL_QUEUE_NORMAL, ACCEL_JOB_ERR_SHAPE, 2, &r);
	accel_cmdbuf_free(cb);
	return ok ? note(t, "groups=3 with c=4: status %d at command 2", r.status) : false;
}

static bool test_stall_cap(struct vt *t)
{
	struct accel_cmdbuf *cb = accel_cmdbuf_new();
	bool has = t->info.caps & ACCEL_CAP_DEBUG_STALL;
	struct accel_job_result r;
	bool ok;

	if (cb) {
		accel_cmdbuf_nop(cb);
		accel_cmdbuf_stall(cb, 1);
	}
	ok = run(t, cb, ACCEL_QUEUE_NORMAL, has ? ACCEL_JOB_OK : ACCEL_JOB_ERR_STALL_DENIED,
		 1, &r);
	accel_cmdbuf_free(cb);
	return ok ? note(t, "debug-stall cap %s: status %d", has ? "present" : "absent",
			 r.status) : false;
}

static bool test_mmu(struct vt *t)
{
	struct accel_buffer *ro = NULL, *ok_buf = NULL;
	struct accel_cmdbuf *cb = NULL;
	struct accel_job_result r;
	uint64_t hole = t->info.va_start + t->info.va_size - 4096;
	uint8_t *p, *q;
	bool ok = false;

	ro = buffer(t, 4096, ACCEL_BUFFER_DEVICE_RO, &p);
	ok_buf = buffer(t, 4096, 0, &q);
	cb = accel_cmdbuf_new();
	if (!ro || !ok_buf || !cb)
		goto out;
	/* A load from an address no buffer covers faults that job only... */
	struct accel_dma d = ACCEL_OPTS_INIT(accel_dma, .offset = hole, .glb_addr = 0,
		.elem_bytes = 1, .dims = 1, .count = { 64 }, .dram_stride = { 1 },
		.glb_stride = { 1 });
	accel_cmdbuf_nop(cb);
	accel_cmdbuf_dma_load(cb, &d);
	if (!run(t, cb, ACCEL_QUEUE_NORMAL, ACCEL_JOB_ERR_MMU_UNMAPPED, 1, &r))
		goto out;
	/* ...a store into a device-read-only buffer faults too... */
	accel_cmdbuf_reset(cb);
	accel_cmdbuf_copy_out(cb, ro, 0, 0, 64);
	if (!run(t, cb, ACCEL_QUEUE_NORMAL, ACCEL_JOB_ERR_MMU_PERM, 0, &r))
		goto out;
	/* ...and the next job runs normally. */
	accel_cmdbuf_reset(cb);
	accel_cmdbuf_copy_in(cb, ro, 0, 0, 64);
	accel_cmdbuf_barrier(cb);
	accel_cmdbuf_copy_out(cb, ok_buf, 0, 0, 64);
	if (!run(t, cb, ACCEL_QUEUE_NORMAL, ACCEL_JOB_OK, 0, &r))
		goto out;
	ok = note(t, "unmapped va 0x%" PRIx64 " and read-only page fault their jobs only", hole);
out:
	accel_cmdbuf_free(cb);
	accel_buffer_free(ro);
	accel_buffer_free(ok_buf);
	return ok;
}

/*
 * Reads telemetry until it counts `jobs` completed jobs, for at most two
 * sample periods (+100 ms): the block is refreshed at least once a period.
 */
static int read_settled(struct vt *t, uint64_t jobs, struct accel_telemetry *out)
{
	struct timespec ms = { 0, 1000000 };
	uint64_t waited_us = 0, limit_us;
	int err;

	for (;;) {
		err = accel_telemetry_read(t->dev, out);
		if (err || out->jobs_completed >= jobs)
			return err;
		limit_us = 2ull * out->sample_period_us + 100000;
		if (waited_us >= limit_us)
			return 0;
		nanosleep(&ms, NULL);
		waited_us += 1000;
	}
}

static bool test_telemetry(struct vt *t, const struct accel_telemetry *t0)
{
	struct accel_telemetry t1 = { .sz = sizeof(t1) }, t2 = { .sz = sizeof(t2) };
	uint64_t e0 = 0, e1 = 0;

	if (read_settled(t, t0->jobs_completed + t->jobs_run, &t1) ||
	    accel_telemetry_read(t->dev, &t2))
		return fail(t, "telemetry: %s", accel_last_error());
	if (t1.timestamp_ns <= t0->timestamp_ns || t2.timestamp_ns < t1.timestamp_ns)
		return fail(t, "device time not increasing: %" PRIu64 ", %" PRIu64 ", %" PRIu64 " ns",
			    t0->timestamp_ns, t1.timestamp_ns, t2.timestamp_ns);
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++) {
		if (t1.energy_fj[d] < t0->energy_fj[d] || t2.energy_fj[d] < t1.energy_fj[d])
			return fail(t, "%s energy decreased", accel_energy_domain_name(d));
		e0 += t0->energy_fj[d];
		e1 += t1.energy_fj[d];
	}
	if (e1 <= e0)
		return fail(t, "total energy did not grow over %u jobs", t->jobs_run);
	if (t1.jobs_completed < t0->jobs_completed + t->jobs_run)
		return fail(t, "jobs_completed grew by %" PRIu64 ", %u jobs ran",
			    t1.jobs_completed - t0->jobs_completed, t->jobs_run);
	return note(t, "%u jobs, +%.3f nJ, +%" PRIu64 " ns device time", t->jobs_run,
		    (e1 - e0) / 1e6, t1.timestamp_ns - t0->timestamp_ns);
}

static const struct {
	const char *name;
	test_fn fn;
} tests[] = {
	{ "device description is complete", test_description },
	{ "empty job completes", test_nop },
	{ "high-priority queue runs a job", test_high_queue },
	{ "DMA round trip through the GLB (dense and strided)", test_dma },
	{ "conv pass matches the CPU (psums and requantized int8)", test_conv },
	{ "GLB overflow fails with ERR_GLB_BOUNDS at its index, no side effect", test_bad_glb },
	{ "inconsistent conv shape fails with ERR_SHAPE at its index", test_bad_shape },
	{ "debug stall obeys the capability bit", test_stall_cap },
	{ "MMU faults fail only the faulting job", test_mmu },
};
#define NUM_TESTS (sizeof(tests) / sizeof(tests[0]))

int cmd_validate(struct accelctl *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ 0 },
	};
	struct accel_telemetry t0 = { .sz = sizeof(t0) };
	struct vt t = { .ctx = ctx, .info = { .sz = sizeof(t.info) } };
	bool results[NUM_TESTS + 1];
	char details[NUM_TESTS + 1][512];
	unsigned int passed = 0, total = NUM_TESTS + 1;
	uint64_t seed = 1;
	int c, rc;

	while ((c = accelctl_getopt(argc, argv, "", longopts)) != -1) {
		if (c == 's') {
			if (accelctl_parse_u64(optarg, 0, UINT64_MAX, &seed))
				return accelctl_usage_error(ctx, "--seed '%s' is not a non-negative integer",
							    optarg);
		} else {
			return accelctl_bad_option(ctx, argv);
		}
	}
	if (optind < argc)
		return accelctl_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	t.rng = seed * 0x9e3779b97f4a7c15ull + 1;

	rc = accelctl_open_device(ctx, &t.dev);
	if (rc)
		return rc;
	if (accel_device_info(t.dev, &t.info) || accel_telemetry_read(t.dev, &t0)) {
		rc = accelctl_fail(ctx, ACCELCTL_EXIT_DEVICE, "%s", accel_last_error());
		accel_device_close(t.dev);
		return rc;
	}
	if (!ctx->json)
		printf("1..%u\n", total);
	for (unsigned int i = 0; i < total; i++) {
		const char *name = i < NUM_TESTS ? tests[i].name :
				   "telemetry is monotonic and counts the jobs";

		accelctl_progress(ctx, "validate: %s", name);
		t.detail[0] = '\0';
		results[i] = i < NUM_TESTS ? tests[i].fn(&t) : test_telemetry(&t, &t0);
		snprintf(details[i], sizeof(details[i]), "%s", t.detail);
		passed += results[i];
		if (!ctx->json) {
			printf("%s %u - %s%s%s\n", results[i] ? "ok" : "not ok", i + 1, name,
			       details[i][0] ? " # " : "", details[i]);
			fflush(stdout);
		}
	}
	if (ctx->json) {
		struct json j;

		json_init(&j, stdout, true);
		json_object_begin(&j, NULL);
		json_string(&j, "device", accel_device_name(t.dev));
		json_u64(&j, "seed", seed);
		json_array_begin(&j, "tests");
		for (unsigned int i = 0; i < total; i++) {
			json_object_begin(&j, NULL);
			json_string(&j, "name", i < NUM_TESTS ? tests[i].name :
				    "telemetry is monotonic and counts the jobs");
			json_bool(&j, "ok", results[i]);
			json_string(&j, "detail", details[i]);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_u64(&j, "passed", passed);
		json_u64(&j, "failed", total - passed);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("# %u of %u self-tests passed on %s\n", passed, total,
		       accel_device_name(t.dev));
	}
	accel_device_close(t.dev);
	return passed == total ? ACCELCTL_EXIT_OK : ACCELCTL_EXIT_FAIL;
}
