/* SPDX-License-Identifier: MIT */
/*
 * make bench-sim: how fast the device model runs ResNet-50-sized conv
 * layers, next to a plain single-thread CPU int8 convolution, in the same
 * run; plus what the model measures for the layer (cycles, energy).
 * Figures only: nothing here passes or fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_ref.h"
#include "sim_test_util.h"

struct layer {
	const char *name;
	int c, m, hw, k, pad;
};

/*
 * Process CPU time: the model computes on its device thread, the reference
 * on the main thread, one thread busy at a time either way; CPU time keeps
 * the comparison fair on a host shared with other work (wall time would
 * count the time other processes had the CPU).
 */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void conv_cmd(struct eyrie_cmd_conv *c, const struct layer *l, int cc, int mm,
		     uint16_t flags)
{
	memset(c, 0, sizeof(*c));
	c->hdr.opcode = EYRIE_OP_CONV;
	c->hdr.dataflow = EYRIE_DATAFLOW_RS;
	c->hdr.flags = flags;
	c->n = 1; c->c = (uint16_t)cc; c->m = (uint16_t)mm; c->groups = 1;
	c->in_h = c->in_w = c->out_h = c->out_w = (uint16_t)l->hw;
	c->r = c->s = (uint8_t)l->k;
	c->stride_h = c->stride_w = c->dil_h = c->dil_w = 1;
	c->pad_t = c->pad_l = (uint8_t)l->pad;
	c->zp_in = 3;
	if (flags & EYRIE_PASS_F_REQUANT) {
		c->q.mult = 1 << 30;
		c->q.shift = 10;
		c->q.clamp_min = -128;
		c->q.clamp_max = 127;
	}
	/* Eyeriss-style RS mapping: R x E PE sets, channels in the RF. */
	c->map.spatial_r = (uint16_t)l->k;
	c->map.spatial_e = (uint16_t)(l->hw < 14 ? l->hw : 14);
	c->map.sets_m = 4;
	c->map.sets_c = 1;
	c->map.rf_m = 16;
	c->map.rf_c = 4;
	c->map.rf_n = 1;
	while (c->map.rf_m > mm)
		c->map.rf_m /= 2;
	while (c->map.sets_m * c->map.rf_m > mm)
		c->map.sets_m /= 2;
	while (c->map.rf_c > cc || c->map.rf_c * l->k > 12)
		c->map.rf_c /= 2;
}

/* Runs the command list `reps` times; returns the best wall time. */
static double time_job(struct th *t, struct cmdlist *cl, int reps,
		       struct eyrie_hw_cqe *cqe)
{
	double best = 1e9;

	for (int r = 0; r < reps; r++) {
		double t0 = now_s();

		if (th_run(t, cl, cqe) || cqe->status != EYRIE_JOB_OK) {
			fprintf(stderr, "bench-sim: job failed (status %u at command %u)\n",
				cqe->status, cqe->err_cmd_index);
			exit(1);
		}
		if (now_s() - t0 < best)
			best = now_s() - t0;
	}
	return best;
}

static void report_model(const struct eyrie_hw_desc *d, const struct eyrie_hw_cqe *cqe,
			 const struct eyrie_energy_snapshot *s, double macs)
{
	static const char *names[] = { "dram", "glb", "noc", "rf", "mac", "static" };
	double unit = d->energy_fj[EYRIE_ENERGY_MAC];

	printf("      modeled: %llu cycles = %.3f ms at %u MHz, PE utilization %.1f%%, "
	       "DRAM %llu words / %llu B\n", (unsigned long long)cqe->cycles,
	       (cqe->end_ns - cqe->start_ns) / 1e6, d->clock_khz / 1000,
	       100.0 * macs / ((double)cqe->cycles * d->pe_rows * d->pe_cols),
	       (unsigned long long)s->dram_words, (unsigned long long)s->dram_bytes);
	printf("      energy:");
	for (int i = 0; i < EYRIE_ENERGY_DOMAINS; i++)
		printf(" %s %.1f uJ", names[i], s->energy_fj[i] / 1e9);
	printf("; total %.1f uJ = %.2f x MAC energy per MAC\n", cqe->energy_fj / 1e9,
	       cqe->energy_fj / unit / macs);
}

static void bench_layer(const struct layer *l)
{
	size_t in_n = (size_t)l->c * l->hw * l->hw, w_n = (size_t)l->m * l->c * l->k * l->k;
	size_t out_n = (size_t)l->m * l->hw * l->hw;
	double macs = (double)l->m * l->c * l->k * l->k * l->hw * l->hw;
	struct eyrie_sim_config cfg;
	struct th big, small;
	struct cmdlist cl = { 0 };
	struct eyrie_hw_cqe cqe;
	struct eyrie_energy_snapshot *snap;
	int8_t *in, *w;
	int32_t *ref;
	uint64_t in_va, w_va, out_va, snap_va;
	double t_one, t_tiled, t_cpu = 1e9;
	int passes = 0;

	printf("%s: conv %dx%d, %d -> %d channels, %dx%d, pad %d: %.1f MMAC\n", l->name,
	       l->k, l->k, l->c, l->m, l->hw, l->hw, l->pad, macs / 1e6);

	/* One pass: a GLB big enough for the whole layer. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.sz = sizeof(cfg);
	cfg.desc.glb_bytes = (uint32_t)(in_n + w_n + out_n + 4096);
	if (th_open(&big, &cfg))
		exit(1);
	in = th_alloc(&big, in_n, &in_va, 1);
	w = th_alloc(&big, w_n, &w_va, 1);
	th_alloc(&big, out_n, &out_va, 0);
	snap = th_alloc(&big, 4096, &snap_va, 0);
	rnd_fill_i8(in, in_n);
	rnd_fill_i8(w, w_n);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, in_va, 0, 1, (uint32_t)in_n);
	cl_dma(&cl, EYRIE_OP_DMA_LOAD, w_va, (uint32_t)in_n, 1, (uint32_t)w_n);
	cl_add(&cl, EYRIE_OP_BARRIER);
	conv_cmd(&cl_add(&cl, EYRIE_OP_CONV)->conv, l, l->c, l->m, EYRIE_PASS_F_REQUANT);
	cl.cmds[cl.n - 1].conv.w_addr = (uint32_t)in_n;
	cl.cmds[cl.n - 1].conv.out_addr = (uint32_t)(in_n + w_n);
	cl_add(&cl, EYRIE_OP_BARRIER);
	cl_dma(&cl, EYRIE_OP_DMA_STORE, out_va, (uint32_t)(in_n + w_n), 1, (uint32_t)out_n);
	cl_add(&cl, EYRIE_OP_BARRIER);
	cl_add(&cl, EYRIE_OP_ENERGY_SNAPSHOT)->write.dram_addr = snap_va;
	t_one = time_job(&big, &cl, 3, &cqe);
	printf("  device model, 1 pass (GLB %u KiB):      %7.2f GMAC/s  (%.1f ms CPU per layer)\n",
	       cfg.desc.glb_bytes / 1024, macs / t_one / 1e9, t_one * 1e3);
	report_model(&eyrie_simhost_ctrl(big.h)->desc, &cqe, snap, macs);
	cl_free(&cl);

	/* Tiled for the default 108 KiB GLB: 16 output x 64 input channels. */
	if (th_open(&small, NULL))
		exit(1);
	{
		/* Largest channel tiles (powers of two) whose input, weights,
		 * psums and output fit the GLB. */
		int tm = l->m, tc = l->c;
		uint32_t glb = eyrie_simhost_ctrl(small.h)->desc.glb_bytes;

		while ((uint64_t)tc * l->hw * l->hw + (uint64_t)tm * tc * l->k * l->k +
		       5ull * tm * l->hw * l->hw > glb) {
			if (tc * l->hw * l->hw > 5 * tm * l->hw * l->hw || tm == 1)
				tc /= 2;
			else
				tm /= 2;
		}
		uint64_t iva, wva, ova, sva;
		int8_t *tin = th_alloc(&small, in_n, &iva, 1);
		int8_t *tw = th_alloc(&small, w_n, &wva, 1);

		th_alloc(&small, out_n, &ova, 0);
		snap = th_alloc(&small, 4096, &sva, 0);
		memcpy(tin, in, in_n);
		memcpy(tw, w, w_n);
		for (int m0 = 0; m0 < l->m; m0 += tm) {
			for (int c0 = 0; c0 < l->c; c0 += tc) {
				uint32_t in_b = (uint32_t)(tc * l->hw * l->hw);
				uint32_t w_b = (uint32_t)(tm * tc * l->k * l->k);
				uint32_t out_e = (uint32_t)(tm * l->hw * l->hw);
				uint32_t w_at = in_b, psum_at = in_b + w_b, out_at = psum_at + 4 * out_e;
				int last = c0 + tc >= l->c;
				union eyrie_cmd *d;
				struct eyrie_cmd_conv *c;

				cl_dma(&cl, EYRIE_OP_DMA_LOAD, iva + (uint64_t)c0 * l->hw * l->hw,
				       0, 1, in_b);
				/* weights [m0..m0+tm) x [c0..c0+tc): rows of tc*k*k bytes */
				d = cl_add(&cl, EYRIE_OP_DMA_LOAD);
				d->dma.dram_addr = wva + ((uint64_t)m0 * l->c + c0) * l->k * l->k;
				d->dma.glb_addr = w_at;
				d->dma.elem_bytes = 1;
				d->dma.count[0] = (uint32_t)(tc * l->k * l->k);
				d->dma.count[1] = (uint32_t)tm;
				d->dma.count[2] = d->dma.count[3] = 1;
				d->dma.dram_stride[0] = 1;
				d->dma.dram_stride[1] = (int64_t)l->c * l->k * l->k;
				d->dma.glb_stride[0] = 1;
				d->dma.glb_stride[1] = (uint32_t)(tc * l->k * l->k);
				cl_add(&cl, EYRIE_OP_BARRIER);
				c = &cl_add(&cl, EYRIE_OP_CONV)->conv;
				conv_cmd(c, l, tc, tm, (uint16_t)((c0 ? EYRIE_PASS_F_ACCUMULATE : 0) |
								  (last ? EYRIE_PASS_F_REQUANT : 0)));
				c->w_addr = w_at;
				c->psum_addr = (c0 || !last) ? psum_at : 0;
				c->out_addr = last ? out_at : 0;
				cl_add(&cl, EYRIE_OP_BARRIER);
				passes++;
				if (last)
					cl_dma(&cl, EYRIE_OP_DMA_STORE,
					       ova + (uint64_t)m0 * l->hw * l->hw, out_at, 1, out_e);
			}
		}
		cl_add(&cl, EYRIE_OP_BARRIER);
		cl_add(&cl, EYRIE_OP_ENERGY_SNAPSHOT)->write.dram_addr = sva;
		t_tiled = time_job(&small, &cl, 3, &cqe);
		printf("  device model, %d passes (GLB 108 KiB, %dx%d ch tiles): %7.2f GMAC/s  (%.1f ms CPU per layer)\n",
		       passes, tm, tc, macs / t_tiled / 1e9, t_tiled * 1e3);
		report_model(&eyrie_simhost_ctrl(small.h)->desc, &cqe, snap, macs);
		cl_free(&cl);
	}

	ref = malloc(out_n * sizeof(*ref));
	for (int r = 0; r < 3; r++) {
		double t0 = now_s();

		bench_ref_conv(in, w, ref, l->c, l->m, l->hw, l->hw, l->k, l->pad, 3);
		if (now_s() - t0 < t_cpu)
			t_cpu = now_s() - t0;
	}
	printf("  CPU int8 reference, 1 thread:           %7.2f GMAC/s  (%.1f ms CPU per layer)\n",
	       macs / t_cpu / 1e9, t_cpu * 1e3);
	free(ref);
	th_close(&big);
	th_close(&small);
}

int main(void)
{
	static const struct layer layers[] = {
		{ "resnet50 conv4_x 3x3", 256, 256, 14, 3, 1 },
		{ "resnet50 conv3_x 3x3", 128, 128, 28, 3, 1 },
	};

	rnd_seed(42);
	for (size_t i = 0; i < sizeof(layers) / sizeof(layers[0]); i++)
		bench_layer(&layers[i]);
	return 0;
}
