// SPDX-License-Identifier: MIT
/*
 * make bench-mapper: the scheduler on the standard networks of
 * bench/workloads/layers.csv with the device's default description.
 *
 *  - per layer: search time, mappings costed, predicted energy (normalized,
 *    MAC = 1) and DRAM words per MAC, for every dataflow on AlexNet and RS on
 *    the other networks (BENCH_MAPPER_ALL=1: every dataflow everywhere);
 *  - AlexNet CONV1-5 at batch 4: RS energy against WS, OS, IS and NLR
 *    (Eyeriss, ISCA 2016: RS 1.4x to 2.5x better) and DRAM words per MAC
 *    (Eyeriss chip 0.0029; Timeloop's best on its Eyeriss-like
 *    configuration 0.00472, compulsory bound 0.00245, 16-bit words).
 *  - the same with sparsity (docs/scheduler.md, "Sparsity"): zero gating
 *    and run-length coded activations, on generated activations, next to
 *    the dense figures, under the energy and the DRAM objective; and ResNet-18 and MobileNetV2 whole (energy,
 *    latency, and the latency floor of a layer-by-layer stream);
 *  - per network with depthwise blocks, the latency floors with layer
 *    fusion (expand -> depthwise -> project, depthwise -> project and
 *    expand -> depthwise chains in one stream each).
 * BENCH_MAPPER_NO_SPILL=1 plans without psum spills (C innermost at the
 * DRAM level: the mapspace before issue 16 item 2), for before/after runs.
 * Figures only: nothing here passes or fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"
#include "sched_test_util.h"

/* Psum spills searched: EYR_SPILL_NEVER with BENCH_MAPPER_NO_SPILL. */
static int spill_mode;

/*
 * Generated activations of zero fraction z: the zero point (-128, a ReLU
 * output's zero) with probability z, else uniform in -127..127. Returns the
 * zeros written.
 */
static uint64_t gen_act(int8_t *t, uint64_t n, double z, uint64_t *rng)
{
	uint64_t zeros = 0;

	for (uint64_t i = 0; i < n; i++) {
		*rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
		if ((double)(*rng >> 11) / 9007199254740992.0 < z) {
			t[i] = -128;
			zeros++;
		} else {
			t[i] = (int8_t)(-127 + (int)((*rng >> 33) % 255));
		}
	}
	return zeros;
}

/*
 * AlexNet CONV1-5 at batch 4 with sparsity: per layer the dense plan, and
 * the same mapping with zero gating (exact gated MACs of the generated
 * input) and each of its input and output run-length coded (one row per
 * line) where that moves fewer DRAM words, sized exactly on the generated
 * tensors (prediction = measurement, test_sched_sim). CONV1's input is the
 * image (uniform, no zero point favoured). Under the energy objective, and
 * under the DRAM one (fewest words, the coded ones where the choices are
 * made on the sparse cost), with the energy each spends.
 */
static void alexnet_sparse(const struct eyr_arch *dev, const struct st_layer *ls, int n,
			   enum eyr_objective obj)
{
	static const double zs[] = { 0.5, 0.6, 0.7 };
	struct eyr_arch arch = *dev, *a = &arch;

	/* the default device has both (CAP_ZERO_GATE, CAP_RLE_DMA) */
	arch.zero_gate = 1;
	arch.rle_dma = 1;
	printf("\nAlexNet CONV1-5, batch 4, sparse, %s objective: zero gating + run-length coded activations\n"
	       "(generated activations; a coded tensor: one row per line, only where it moves fewer words):\n",
	       eyr_objective_name(obj));
	for (size_t zi = 0; zi < sizeof(zs) / sizeof(zs[0]); zi++) {
		double dense_w = 0, sparse_w = 0, lb = 0, macs = 0, de = 0, se = 0;
		uint64_t zeros = 0, elems = 0, rng = 0x5eed + zi, gated = 0;
		int first = 1;

		for (int i = 0; i < n; i++) {
			const struct eyr_layer_shape *s = &ls[i].shape;
			uint64_t in_n = (uint64_t)s->n * s->c * s->h * s->w;
			uint64_t out_n = (uint64_t)s->n * s->m * eyr_layer_out_h(s) * eyr_layer_out_w(s);
			struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
			struct eyr_rle_data rd = { .in_zero = -128, .out_zero = -128 };
			struct eyr_plan best, p, dp;
			int8_t *in, *out;
			char err[256];
			int gerr, v;

			if (strcmp(ls[i].net, "alexnet") || s->op != EYR_LAYER_CONV)
				continue;
			in = malloc(in_n);
			out = malloc(out_n);
			if (!in || !out) {
				free(in);
				free(out);
				return;
			}
			if (first) {
				gen_act(in, in_n, 0, &rng);	/* the image */
			} else {
				zeros += gen_act(in, in_n, zs[zi], &rng);
				elems += in_n;
			}
			zeros += gen_act(out, out_n, zs[zi], &rng);
			elems += out_n;
			rd.in = in;
			rd.out = out;
			o.psum_spill = spill_mode;
			o.objective = obj;
			/* the dense figures: the plan without sparsity */
			if (eyr_sched_plan(a, s, &o, &dp, err, sizeof(err))) {
				printf("  %s: %s\n", ls[i].name, err);
				free(in);
				free(out);
				continue;
			}
			o.zero_gate = 1;
			o.gated_known = 1;
			o.gated_macs = eyr_layer_gated_macs(s, in, -128, &gerr);
			o.rle_data = &rd;
			/* rings, groups side by side, whole rows: chosen on the sparse cost */
			o.sparse_choose = 1;
			/* the four choices: input and output coded or not */
			for (v = 0; v < 4; v++) {
				o.rle_in_rows = (v & 1) && !first ? 1 : 0;
				o.rle_out = v & 2 ? EYR_RLE_OUT_ROW : 0;
				if (eyr_sched_plan(a, s, &o, &p, err, sizeof(err))) {
					printf("  %s: %s\n", ls[i].name, err);
					break;
				}
				if (!v || p.cost.dram_words < best.cost.dram_words)
					best = p;
			}
			printf("  z %.1f %-6s gated %5.1f %% of MACs, coded: input %-3s output %-3s DRAM %.5f words/MAC (dense %.5f, bound %.5f), E/MAC %.3f (dense %.3f), tiles M%u E%u F%u C%u%s\n",
			       zs[zi], ls[i].name, 100.0 * (double)best.gated_macs / (double)dp.cost.macs,
			       best.rle_in_rows ? "yes" : "no", best.rle_out_rows ? "yes" : "no",
			       (double)best.cost.dram_words / (double)dp.cost.macs,
			       (double)dp.cost.dram_words / (double)dp.cost.macs,
			       (double)dp.lb_dram_words / (double)dp.cost.macs,
			       eyr_cost_energy_norm(a, &best.cost) / (double)dp.cost.macs,
			       eyr_cost_energy_norm(a, &dp.cost) / (double)dp.cost.macs,
			       best.map.tiles[EYR_DIM_M], best.map.tiles[EYR_DIM_E],
			       best.map.tiles[EYR_DIM_F], best.map.tiles[EYR_DIM_C],
			       eyr_map_spills(&best.map) ? " spill" : "");
			dense_w += (double)dp.cost.dram_words;
			sparse_w += (double)best.cost.dram_words;
			lb += (double)dp.lb_dram_words;
			macs += (double)dp.cost.macs;
			de += eyr_cost_energy_norm(a, &dp.cost);
			se += eyr_cost_energy_norm(a, &best.cost);
			gated += best.gated_macs;
			first = 0;
			free(in);
			free(out);
		}
		printf("  z %.1f %s total: activations %.3f zeros (measured), %.1f %% of MACs gated; DRAM %.5f words/MAC sparse, %.5f dense, bound %.5f (dense); E/MAC %.3f sparse, %.3f dense\n",
		       zs[zi], eyr_objective_name(obj), elems ? (double)zeros / (double)elems : 0,
		       100.0 * (double)gated / macs,
		       sparse_w / macs, dense_w / macs, lb / macs, se / macs, de / macs);
		fflush(stdout);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Halo reuse (CAP_IN_RING): AlexNet CONV1-5 at batch 4 (RS, energy, events,
 * flexible NoC, as the per-layer lines) planned without and with input
 * rings in one run: input words, the halo words the ring does not load
 * again, DRAM words per MAC against the compulsory bound.
 */
static void alexnet_halo(const struct eyr_arch *dev, const struct st_layer *ls, int n)
{
	double words[2] = { 0 }, macs = 0, lb = 0, energy[2] = { 0 };
	int i, ring;

	printf("\nAlexNet CONV1-5, batch 4, halo reuse (RS; without / with input rings, in_ring = 0 / 1):\n");
	for (i = 0; i < n; i++) {
		struct eyr_plan p[2];
		char err[256];
		int ok = 1;

		if (strcmp(ls[i].net, "alexnet") || ls[i].shape.op != EYR_LAYER_CONV)
			continue;
		for (ring = 0; ring < 2; ring++) {
			struct eyr_arch a = *dev;
			struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;

			a.in_ring = (uint32_t)ring;
			o.psum_spill = spill_mode;
			if (eyr_sched_plan(&a, &ls[i].shape, &o, &p[ring], err, sizeof(err))) {
				printf("  %s: %s\n", ls[i].name, err);
				ok = 0;
				break;
			}
		}
		if (!ok)
			continue;
		printf("  %-6s input words %9llu -> %9llu (halo words not reloaded %8lld%s), DRAM %.5f -> %.5f words/MAC (bound %.5f), E/MAC %.3f -> %.3f, tiles E%u F%u C%u, order %s%s%s%s%s%s\n",
		       ls[i].name, (unsigned long long)p[0].cost.in_words,
		       (unsigned long long)p[1].cost.in_words,
		       (long long)p[0].cost.in_words - (long long)p[1].cost.in_words,
		       eyr_plan_in_ring(&p[1]) ? ", ring" : ", no ring",
		       (double)p[0].cost.dram_words / (double)p[0].cost.macs,
		       (double)p[1].cost.dram_words / (double)p[1].cost.macs,
		       (double)p[1].lb_dram_words / (double)p[1].cost.macs,
		       eyr_cost_energy_norm(dev, &p[0].cost) / (double)p[0].cost.macs,
		       eyr_cost_energy_norm(dev, &p[1].cost) / (double)p[1].cost.macs,
		       p[1].map.tiles[EYR_DIM_E], p[1].map.tiles[EYR_DIM_F], p[1].map.tiles[EYR_DIM_C],
		       eyr_dim_name(p[1].map.order[0]), eyr_dim_name(p[1].map.order[1]),
		       eyr_dim_name(p[1].map.order[2]), eyr_dim_name(p[1].map.order[3]),
		       eyr_dim_name(p[1].map.order[4]), eyr_dim_name(p[1].map.order[5]));
		for (ring = 0; ring < 2; ring++) {
			words[ring] += (double)p[ring].cost.dram_words;
			energy[ring] += eyr_cost_energy_norm(dev, &p[ring].cost);
		}
		macs += (double)p[1].cost.macs;
		lb += (double)p[1].lb_dram_words;
	}
	if (macs > 0)
		printf("  total: DRAM %.5f -> %.5f words/MAC, compulsory bound %.5f; E/MAC %.3f -> %.3f\n",
		       words[0] / macs, words[1] / macs, lb / macs, energy[0] / macs,
		       energy[1] / macs);
}

/*
 * Which tensors of the sparse networks are ReLU outputs (their zeros are
 * the zero point): ResNet-18's conv inputs but the image and the FC's
 * (average-pooled) input, the outputs of conv1 and of the first conv of
 * each block ("a"); MobileNetV2's depthwise and project inputs, the
 * outputs of the stem, expand, depthwise and last convs. Project outputs
 * feed the residual add, which no ReLU follows.
 */
static int relu_in(const struct st_layer *l)
{
	if (!strcmp(l->net, "resnet18"))
		return strcmp(l->name, "conv1") && strcmp(l->name, "fc");
	return strstr(l->name, "_dw") || strstr(l->name, "_project");
}

static int relu_out(const struct st_layer *l)
{
	size_t k = strlen(l->name);

	if (!strcmp(l->net, "resnet18"))
		return !strcmp(l->name, "conv1") || (k && l->name[k - 1] == 'a');
	return !strcmp(l->name, "stem") || strstr(l->name, "_expand") ||
	       strstr(l->name, "_dw") || !strcmp(l->name, "last");
}

/*
 * A tensor one conv stores and the next loads as it is (no pool or add
 * between): the only ones a coded layout can carry from layer to layer.
 */
static int direct(const struct st_layer *prev, const struct st_layer *l)
{
	const struct eyr_layer_shape *p = &prev->shape, *s = &l->shape;

	return !strcmp(prev->net, l->net) && relu_out(prev) && relu_in(l) &&
	       s->op == EYR_LAYER_CONV && p->op == EYR_LAYER_CONV && p->n == s->n &&
	       p->m == s->c && eyr_layer_out_h(p) == s->h && eyr_layer_out_w(p) == s->w;
}

/* Bytes of an n x c x h x w int8 tensor coded one row per line. */
static uint64_t coded_bytes(const int8_t *t, uint64_t planes, uint32_t h, uint32_t w)
{
	uint64_t bytes = 0;

	for (uint64_t r = 0; r < planes * h; r++)
		bytes += 8ull * eyrie_rle_encode(t + r * w, w, -128, NULL);
	return bytes;
}

struct sp_var {
	int ok;
	struct eyr_plan p;
};

/*
 * ResNet-18 and MobileNetV2 with sparsity, whole networks (conv/FC layers
 * of layers.csv, RS, events, flexible NoC, rings, energy objective per
 * layer): every ReLU output generated with zero fraction z (zero point
 * -128), the rest uniform; every conv and FC gated (exact gated MACs of its
 * generated input: zeros and padding taps); a tensor one conv stores and
 * the next loads directly is coded (one row per line) or not, chosen over
 * the network by dynamic programming for the least energy (ResNet-18) or
 * latency (MobileNetV2), both layers' plans sized exactly on it. Each
 * plan is made with sparse_choose (rings, groups side by side, whole-row
 * tiles chosen on the sparse cost). Also the latency floor of the
 * layer-by-layer streams with those tensors coded where that is smaller.
 */
static void networks_sparse(const struct eyr_arch *dev, const struct st_layer *ls, int n)
{
	static const char *const nets[] = { "resnet18", "mobilenetv2" };
	static const double zs[] = { 0.5, 0.6, 0.7 };

	printf("\nResNet-18 and MobileNetV2, sparse: zero gating + run-length coded activations\n"
	       "(generated ReLU outputs of zero fraction z; a tensor coded one row per line where one\n"
	       "conv stores it and the next loads it, chosen for the least energy (ResNet-18) or\n"
	       "latency (MobileNetV2) over the network):\n");
	for (size_t ni = 0; ni < sizeof(nets) / sizeof(nets[0]); ni++)
	for (size_t zi = 0; zi < sizeof(zs) / sizeof(zs[0]); zi++) {
		int by_cycles = ni == 1, i0 = -1, k = 0, j, coded_t = 0, direct_t = 0;
		uint64_t rng = 0x5eed5 + 16 * ni + zi, zeros = 0, elems = 0, gated = 0, macs = 0;
		uint64_t dense_cyc = 0, floor_dense = 0, floor_coded = 0;
		double dense_e = 0, best[2], nbest[2];
		int8_t *prev_out = NULL;
		struct sp_var (*var)[2][2];
		int (*from)[2];
		uint64_t *fl;	/* per layer the floor with its tensors coded */
		struct eyr_cost *dense_j;	/* per layer the dense plan's cost */
		uint64_t pes = (uint64_t)dev->pe_rows * dev->pe_cols;

		for (j = 0; j < n; j++)
			if (!strcmp(ls[j].net, nets[ni])) {
				if (i0 < 0)
					i0 = j;
				k++;
			}
		if (!k)
			continue;
		var = calloc((size_t)k, sizeof(*var));
		from = calloc((size_t)k, sizeof(*from));
		fl = calloc((size_t)k, sizeof(*fl));
		dense_j = calloc((size_t)k, sizeof(*dense_j));
		if (!var || !from || !fl || !dense_j) {
			free(var);
			free(from);
			free(fl);
			free(dense_j);
			return;
		}
		best[0] = 0;
		best[1] = -1;	/* the first layer's input is not coded */
		for (j = 0; j < k; j++) {
			const struct st_layer *l = &ls[i0 + j];
			const struct eyr_layer_shape *s = &l->shape;
			int din = j > 0 && direct(&ls[i0 + j - 1], l);
			int dout = j + 1 < k && direct(l, &ls[i0 + j + 1]);
			uint64_t in_n = (uint64_t)s->n * s->c * s->h * s->w;
			uint64_t out_n = (uint64_t)s->n * s->m * eyr_layer_out_h(s) * eyr_layer_out_w(s);
			uint64_t lb, ci, co, pk;
			int8_t *in = din ? prev_out : malloc(in_n), *out = malloc(out_n);
			struct eyr_rle_data rd = { .in = in, .out = out, .in_zero = -128, .out_zero = -128 };
			struct eyr_plan dp;
			uint64_t gm;
			int gerr, cin, cout;

			if (!in || !out) {
				free(out);
				if (!din)
					free(in);
				break;
			}
			if (!din) {
				uint64_t zz = gen_act(in, in_n, relu_in(l) ? zs[zi] : 0, &rng);

				if (relu_in(l)) {
					zeros += zz;
					elems += in_n;
				}
			}
			if (relu_out(l)) {
				zeros += gen_act(out, out_n, zs[zi], &rng);
				elems += out_n;
			} else {
				gen_act(out, out_n, 0, &rng);
			}
			direct_t += dout;
			gm = eyr_layer_gated_macs(s, in, -128, &gerr);
			for (cin = 0; cin <= din && !gerr; cin++)
			for (cout = 0; cout <= dout; cout++) {
				struct eyr_arch a = *dev;
				struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
				struct sp_var *v = &var[j][cin][cout];
				char err[256];

				a.zero_gate = a.rle_dma = 1;
				o.zero_gate = 1;
				o.gated_known = 1;
				o.gated_macs = gm;
				o.rle_data = &rd;
				o.rle_in_rows = (uint32_t)cin;
				o.rle_out = cout ? EYR_RLE_OUT_ROW : 0;
				/* rings, groups side by side, whole rows: chosen on the sparse cost */
				o.sparse_choose = 1;
				if (eyr_sched_plan(&a, s, &o, &v->p, err, sizeof(err)))
					continue;
				/* the layouts asked for must be the ones planned */
				v->ok = !v->p.rle_in_rows == !cin && !v->p.rle_out_rows == !cout;
			}
			{
				/* the dense figures: the plan of the whole-network lines */
				struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
				char err[256];

				if (eyr_sched_plan(dev, s, &o, &dp, err, sizeof(err)))
					var[j][0][0].ok = 0;
			}
			if (!var[j][0][0].ok) {
				printf("  %s %s: no plan\n", l->net, l->name);
				free(out);
				if (!din)
					free(in);
				break;
			}
			dense_e += (double)dp.cost.energy_total_fj;
			dense_cyc += dp.cost.cycles;
			dense_j[j] = dp.cost;
			/* the floor: the longer of the MACs over all PEs and the DRAM bytes */
			lb = dp.lb_dram_bytes;
			pk = (dp.cost.macs + pes - 1) / pes;
			ci = din ? coded_bytes(in, (uint64_t)s->n * s->c, s->h, s->w) : in_n;
			co = dout ? coded_bytes(out, (uint64_t)s->n * s->m, eyr_layer_out_h(s),
						eyr_layer_out_w(s)) : out_n;
			floor_dense += pk > lb / dev->dram_bytes_per_cycle ? pk :
				       (lb + dev->dram_bytes_per_cycle - 1) / dev->dram_bytes_per_cycle;
			ci = (ci < in_n ? in_n - ci : 0) + (co < out_n ? out_n - co : 0);
			lb -= ci < lb ? ci : lb;
			fl[j] = pk > lb / dev->dram_bytes_per_cycle ? pk :
				(lb + dev->dram_bytes_per_cycle - 1) / dev->dram_bytes_per_cycle;
			floor_coded += fl[j];
			/* dynamic programming over the coded tensors: best[c] ends with input coded c */
			nbest[0] = nbest[1] = -1;
			for (cin = 0; cin < 2; cin++)
			for (cout = 0; cout < 2; cout++) {
				const struct sp_var *v = &var[j][cin][cout];
				double c;

				if (best[cin] < 0 || !v->ok)
					continue;
				c = best[cin] + (by_cycles ? (double)v->p.cost.cycles :
						 (double)v->p.cost.energy_total_fj);
				if (nbest[cout] < 0 || c < nbest[cout]) {
					nbest[cout] = c;
					from[j][cout] = cin;
				}
			}
			best[0] = nbest[0];
			best[1] = nbest[1];
			if (din)
				free(in);
			prev_out = out;
			if (!dout) {
				free(out);
				prev_out = NULL;
			}
		}
		free(prev_out);
		if (j == k && best[0] >= 0) {
			double e = 0, stat = 0;
			uint64_t cyc = 0;
			int c = 0;

			/* back from the last layer, whose output is dense */
			for (j = k - 1; j >= 0; j--) {
				int cin = from[j][c];
				const struct eyr_plan *p = &var[j][cin][c].p;

				if (getenv("BENCH_MAPPER_SPARSE_LAYERS"))
					printf("    %-11s input %-5s output %-5s tiles E%u F%u%s: %8llu cycles (dense %8llu, floor %8llu), %.3f uJ (dense %.3f)\n",
					       ls[i0 + j].name, cin ? "coded" : "dense",
					       c ? "coded" : "dense", p->map.tiles[EYR_DIM_E],
					       p->map.tiles[EYR_DIM_F],
					       eyr_plan_in_ring(p) ? " ring" : "",
					       (unsigned long long)p->cost.cycles,
					       (unsigned long long)dense_j[j].cycles,
					       (unsigned long long)fl[j],
					       (double)p->cost.energy_total_fj * 1e-9,
					       (double)dense_j[j].energy_total_fj * 1e-9);
				e += (double)p->cost.energy_total_fj;
				stat += (double)p->cost.energy_fj[EYRIE_ENERGY_STATIC];
				cyc += p->cost.cycles;
				gated += p->gated_macs;
				macs += p->dense.macs;
				coded_t += c;
				c = cin;
			}
			printf("  z %.1f %-11s activations %.3f zeros (measured), %.1f %% of MACs gated, %d of %d direct tensors coded:\n"
			       "        energy %.3f mJ (static %.3f), dense %.3f mJ; latency %.2f ms, dense %.2f ms;\n"
			       "        latency floor %.2f ms coded, %.2f ms dense (per layer the longer of MACs over all PEs and compulsory DRAM bytes over the DRAM port)\n",
			       zs[zi], nets[ni], elems ? (double)zeros / (double)elems : 0,
			       100.0 * (double)gated / (double)macs, coded_t, direct_t,
			       e * 1e-12, stat * 1e-12, dense_e * 1e-12,
			       (double)cyc / dev->clock_khz, (double)dense_cyc / dev->clock_khz,
			       (double)floor_coded / dev->clock_khz,
			       (double)floor_dense / dev->clock_khz);
		}
		free(var);
		free(from);
		free(fl);
		free(dense_j);
		fflush(stdout);
	}
}

/*
 * The latency floor with layer fusion (docs/scheduler.md "Layer fusion"):
 * the same rule as the per-layer floor, with each chain of an expand,
 * depthwise and project layer (or the part of it fused) one stream whose
 * compulsory traffic is the chain's input, weights and output
 * (eyr_chain_network_floor); printed when some layers chain.
 */
static void print_fused_floors(const struct eyr_arch *a, const struct st_layer *ls, int n,
			       uint64_t per_layer)
{
	static const struct { const char *name; unsigned int links; } v[] = {
		{ "E->DW->P", EYR_LINKS_FULL },
		{ "DW->P", EYR_LINK_MASK(EYR_LINK_DW_P) },
		{ "E->DW", EYR_LINK_MASK(EYR_LINK_E_DW) },
	};
	struct eyr_layer_shape *sh = calloc((size_t)n, sizeof(*sh));
	unsigned int k;
	int i;

	if (!sh)
		return;
	for (i = 0; i < n; i++)
		sh[i] = ls[i].shape;
	if (eyr_chain_network_floor(a, sh, (unsigned int)n, EYR_LINKS_FULL, NULL) < per_layer) {
		printf("  %-8s %-12s fused latency floor", "", ls[0].net);
		for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
			uint64_t db, f = eyr_chain_network_floor(a, sh, (unsigned int)n,
								 v[k].links, &db);

			printf("%s %s %.2f ms (%.2f DRAM-bound)", k ? "," : "", v[k].name,
			       (double)f / a->clock_khz, (double)db / a->clock_khz);
		}
		printf(" (chains in one stream: their input, weights and output through DRAM)\n");
	}
	free(sh);
}

/*
 * The network with its depthwise -> project pairs planned as chains
 * (eyr_chain_plan, one stream each, the depthwise output in the GLB)
 * where the chain beats the two layers' own plans, every other layer as
 * before; the chains' search time apart (each chain's search alone, the
 * layers' own plans it compares with are in the per-layer figures).
 */
static void fused_network(const struct eyr_arch *a, const struct st_layer *ls, int n)
{
	uint64_t cycles = 0, macs = 0, *ct = calloc((size_t)n + 1, sizeof(*ct));
	double energy = 0, stat = 0, words = 0;
	int j, chains = 0, fused = 0, links = 0;
	struct eyr_chain_plan *cp = malloc(sizeof(*cp));
	char err[256];

	if (!ct || !cp) {
		free(ct);
		free(cp);
		return;
	}
	for (j = 0; j + 1 < n; j++)
		links += eyr_chain_link(&ls[j].shape, &ls[j + 1].shape) == EYR_LINK_DW_P;
	for (j = 0; j < n && links; j++) {
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		const struct eyr_cost *c = NULL;
		struct eyr_plan p;

		o.psum_spill = spill_mode;
		if (j + 1 < n && eyr_chain_link(&ls[j].shape, &ls[j + 1].shape) == EYR_LINK_DW_P &&
		    !eyr_chain_plan(a, &ls[j].shape, &ls[j + 1].shape, &o, &o, cp, err, sizeof(err))) {
			ct[chains++] = cp->search.time_us;
			fused += cp->fused;
			c = cp->fused ? &cp->cost : &cp->separate;
			if (getenv("BENCH_MAPPER_CHAINS"))
				printf("    %-10s -> %-10s B%u x%u t%u x%u %s%s%s ev %u dbuf %u: %8llu cycles, %.3f uJ; own plans %8llu cycles, %.3f uJ%s (search %.2f ms, %llu streams walked, %llu tilings pruned)\n",
				       ls[j].name, ls[j + 1].name, cp->map.band, cp->map.bands,
				       cp->map.ctile, cp->map.ctiles,
				       cp->map.proj_whole ? "per-band" : "per-tile",
				       cp->map.w_resident ? "" : " reload",
				       cp->map.in_ring ? " ring" : "", cp->map.events,
				       cp->map.dbuf, (unsigned long long)cp->cost.cycles,
				       (double)cp->cost.energy_total_fj * 1e-9,
				       (unsigned long long)cp->separate.cycles,
				       (double)cp->separate.energy_total_fj * 1e-9,
				       cp->fused ? "" : " (kept)", cp->search.time_us / 1000.0,
				       (unsigned long long)cp->search.evaluated,
				       (unsigned long long)cp->search.pruned);
			j++;
		} else if (!eyr_sched_plan(a, &ls[j].shape, &o, &p, err, sizeof(err))) {
			c = &p.cost;
		}
		if (!c)
			continue;
		cycles += c->cycles;
		macs += c->macs;
		energy += (double)c->energy_total_fj;
		stat += (double)c->energy_fj[EYRIE_ENERGY_STATIC];
		words += (double)c->dram_words;
	}
	if (links) {
		qsort(ct, (size_t)chains, sizeof(*ct), cmp_u64);
		printf("  %-8s %-12s %d of %d DW->P chains fused: latency %.2f ms (peak %.2f ms, util %.0f %%), energy %.3f mJ (static %.0f %%), DRAM %.3f M words; chain search median %.2f ms, slowest %.2f ms\n",
		       "fused", ls[0].net, fused, links, (double)cycles / a->clock_khz,
		       (double)macs / ((double)a->pe_rows * a->pe_cols) / a->clock_khz,
		       cycles ? 100.0 * (double)macs / ((double)a->pe_rows * a->pe_cols * cycles) : 0,
		       energy * 1e-12, energy > 0 ? 100.0 * stat / energy : 0, words * 1e-6,
		       chains ? (chains % 2 ? (double)ct[chains / 2] :
				 (ct[chains / 2 - 1] + ct[chains / 2]) / 2.0) / 1000.0 : 0,
		       chains ? ct[chains - 1] / 1000.0 : 0);
	}
	free(ct);
	free(cp);
}

struct net_total {
	double energy_norm, macs, dram_words, lb_words;
	uint64_t time_us, layers;
};

int main(void)
{
	struct st_layer *ls = NULL;
	struct eyr_arch a;
	uint32_t events_cfg;	/* BENCH_MAPPER_NO_EVENTS, kept across the networks section */
	uint32_t flex_cfg;	/* BENCH_MAPPER_NO_FLEX, likewise */
	uint32_t ring_cfg;	/* BENCH_MAPPER_NO_RING, likewise */
	int n, i, df;
	int all = getenv("BENCH_MAPPER_ALL") != NULL;
	/* only the whole-network section (to count its instructions alone) */
	int networks_only = getenv("BENCH_MAPPER_NETWORKS_ONLY") != NULL;
	double alex_e[EYRIE_DATAFLOW_COUNT] = { 0 }, alex_words = 0, alex_macs = 0, alex_lb = 0;
	uint64_t alex_bytes = 0, alex_lb_bytes = 0;
	char cur[32] = "";
	struct net_total tot = { 0 };
	uint64_t *times = NULL, spilled = 0;
	size_t ntimes = 0;

	st_default_arch(&a);
	/* the device's default: DMA runs ahead of the array (CAP_EVENTS) */
	a.events = getenv("BENCH_MAPPER_NO_EVENTS") == NULL;
	/* and runs the PE sets of several groups at once (CAP_FLEX_NOC) */
	a.flex_noc = getenv("BENCH_MAPPER_NO_FLEX") == NULL;
	/* and keeps conv inputs in row rings, the halo on chip (CAP_IN_RING) */
	a.in_ring = getenv("BENCH_MAPPER_NO_RING") == NULL;
	spill_mode = getenv("BENCH_MAPPER_NO_SPILL") ? EYR_SPILL_NEVER : EYR_SPILL_ANY;
	n = st_load_layers(&ls, 1, 1);
	if (n <= 0) {
		fprintf(stderr, "bench-mapper: cannot read layers.csv (set EYRIE_LAYERS_CSV)\n");
		return 1;
	}
	times = calloc((size_t)n * EYRIE_DATAFLOW_COUNT, sizeof(*times));
	if (!times) {
		free(ls);
		return 1;
	}
	printf("arch: %ux%u PEs, GLB %u B, stream %u B, RF %u/%u/%u, energy fJ dram %u glb %u noc %u rf %u mac %u, static %u mW, events %u\n",
	       a.pe_rows, a.pe_cols, a.glb_bytes, a.stream_bytes, a.rf_ifmap_words,
	       a.rf_filter_words, a.rf_psum_words, a.energy_fj[0], a.energy_fj[1],
	       a.energy_fj[2], a.energy_fj[3], a.energy_fj[4], a.static_mw, a.events);
	printf("psum spills: %s\n", spill_mode == EYR_SPILL_NEVER ? "no (BENCH_MAPPER_NO_SPILL)" : "searched");
	printf("input rings (halo reuse): %s\n", a.in_ring ? "searched" : "no (BENCH_MAPPER_NO_RING)");
	printf("%-12s %-10s %-3s %10s %8s %9s %10s %10s %s\n", "network", "layer", "df",
	       "search_us", "costed", "E/MAC", "words/MAC", "bound/MAC", "order");
	for (i = 0; i < n && !networks_only; i++) {
		int alex = !strcmp(ls[i].net, "alexnet");
		int is_conv = ls[i].shape.op == EYR_LAYER_CONV;

		if (strcmp(cur, ls[i].net)) {
			if (cur[0])
				printf("%-12s total: %llu layers, search %.1f ms, %.3f E/MAC, %.5f DRAM words/MAC (RS)\n",
				       cur, (unsigned long long)tot.layers, tot.time_us / 1000.0,
				       tot.energy_norm / tot.macs, tot.dram_words / tot.macs);
			snprintf(cur, sizeof(cur), "%s", ls[i].net);
			memset(&tot, 0, sizeof(tot));
		}
		for (df = 0; df < EYRIE_DATAFLOW_COUNT; df++) {
			struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
			struct eyr_plan p;
			char err[256];
			double en;

			if (df && !alex && !all)
				break;
			o.dataflow = (enum eyrie_dataflow)df;
			o.psum_spill = spill_mode;
			o.no_cache = 1;		/* time every search, repeated shapes too */
			if (eyr_sched_plan(&a, &ls[i].shape, &o, &p, err, sizeof(err))) {
				printf("%-12s %-10s %-3s error: %s\n", ls[i].net, ls[i].name,
				       eyr_dataflow_name(o.dataflow), err);
				continue;
			}
			en = eyr_cost_energy_norm(&a, &p.cost);
			/* the DRAM loop order, outermost first; "spill" when psums leave the GLB */
			printf("%-12s %-10s %-3s %10llu %8llu %9.3f %10.5f %10.5f %s%s%s%s%s%s%s\n", ls[i].net,
			       ls[i].name, eyr_dataflow_name(o.dataflow),
			       (unsigned long long)p.search.time_us,
			       (unsigned long long)p.search.evaluated, en / (double)p.cost.macs,
			       (double)p.cost.dram_words / (double)p.cost.macs,
			       (double)p.lb_dram_words / (double)p.cost.macs,
			       eyr_dim_name(p.map.order[0]), eyr_dim_name(p.map.order[1]),
			       eyr_dim_name(p.map.order[2]), eyr_dim_name(p.map.order[3]),
			       eyr_dim_name(p.map.order[4]), eyr_dim_name(p.map.order[5]),
			       eyr_map_spills(&p.map) ? " spill" : "");
			times[ntimes++] = p.search.time_us;
			spilled += eyr_map_spills(&p.map);
			fflush(stdout);
			if (df == 0) {
				tot.energy_norm += en;
				tot.macs += (double)p.cost.macs;
				tot.dram_words += (double)p.cost.dram_words;
				tot.time_us += p.search.time_us;
				tot.layers++;
			}
			if (alex && is_conv) {
				alex_e[df] += en;
				if (df == 0) {
					alex_words += (double)p.cost.dram_words;
					alex_bytes += p.cost.dram_bytes;
					alex_lb += (double)p.lb_dram_words;
					alex_lb_bytes += p.lb_dram_bytes;
					alex_macs += (double)p.cost.macs;
				}
			}
		}
	}
	if (!networks_only) {
		printf("%-12s total: %llu layers, search %.1f ms, %.3f E/MAC, %.5f DRAM words/MAC (RS)\n",
		       cur, (unsigned long long)tot.layers, tot.time_us / 1000.0,
		       tot.energy_norm / tot.macs, tot.dram_words / tot.macs);
		qsort(times, ntimes, sizeof(*times), cmp_u64);
		if (ntimes)
			printf("search time over the %zu layer x dataflow lines: median %.2f ms, slowest %.2f ms; %llu plans spill psums\n",
			       ntimes, (ntimes % 2 ? (double)times[ntimes / 2] :
					(times[ntimes / 2 - 1] + times[ntimes / 2]) / 2.0) / 1000.0,
			       times[ntimes - 1] / 1000.0, (unsigned long long)spilled);
	}
	free(times);
	/* what a compiler sees: one network after another, repeated shapes cached */
	events_cfg = a.events;
	flex_cfg = a.flex_noc;
	ring_cfg = a.in_ring;
	printf("\nwhole networks (RS, plan cache on from cold, as the runner plans them;\n"
	       "conv/FC layers of layers.csv, predicted = measured, at %u kHz;\n"
	       "peak: MACs over all %u PEs; barriers: DMA and passes alternate,\n"
	       "events: DMA runs ahead, double buffers chosen per tensor;\n"
	       "flex-noc: events and groups side by side on the flexible NoC;\n"
	       "ring: flex-noc and conv inputs in row rings, halo reuse):\n",
	       a.clock_khz, a.pe_rows * a.pe_cols);
	/*
	 * barriers, events (both one group at a time, as before CAP_FLEX_NOC),
	 * flex-noc (no rings, as before CAP_IN_RING), ring
	 */
	for (unsigned int ev = 0; ev <= 3; ev++)
	for (a.events = ev > 0, a.flex_noc = ev > 1, a.in_ring = ev > 2, i = 0; i < n; ) {
		uint64_t t0, cycles = 0, macs = 0, lb_words = 0, floor_cyc = 0, dram_bound = 0;
		double energy_fj = 0, static_fj = 0, floor_fj, dram_words = 0;
		int j = i, layers = 0;

		eyr_sched_cache_clear();	/* each network from a cold cache */
		t0 = eyr_now_us();

		while (j < n && !strcmp(ls[j].net, ls[i].net)) {
			struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
			struct eyr_plan p;
			char err[256];
			uint64_t pes = (uint64_t)a.pe_rows * a.pe_cols, pk, db;

			o.psum_spill = spill_mode;
			if (!eyr_sched_plan(&a, &ls[j].shape, &o, &p, err, sizeof(err))) {
				layers++;
				cycles += p.cost.cycles;
				macs += p.cost.macs;
				energy_fj += (double)p.cost.energy_total_fj;
				static_fj += (double)p.cost.energy_fj[EYRIE_ENERGY_STATIC];
				lb_words += p.lb_dram_words;
				dram_words += (double)p.cost.dram_words;
				/*
				 * no stream of the layer is shorter than its MACs over
				 * all PEs (array time line) or its compulsory DRAM
				 * bytes over the DRAM port (DMA time line)
				 */
				pk = (p.cost.macs + pes - 1) / pes;
				db = (p.lb_dram_bytes + a.dram_bytes_per_cycle - 1) /
				     a.dram_bytes_per_cycle;
				floor_cyc += pk > db ? pk : db;
				dram_bound += db > pk ? db : 0;
			}
			j++;
		}
		printf("  %-8s %-12s %3d layers planned in %.1f ms: latency %.2f ms (peak %.2f ms, util %.0f %%), energy %.3f mJ (static %.0f %%), DRAM %.3f M words\n",
		       a.in_ring ? "ring" : a.flex_noc ? "flex-noc" : a.events ? "events" : "barriers",
		       ls[i].net, layers, (eyr_now_us() - t0) / 1000.0,
		       (double)cycles / a.clock_khz,
		       (double)macs / ((double)a.pe_rows * a.pe_cols) / a.clock_khz,
		       cycles ? 100.0 * (double)macs / ((double)a.pe_rows * a.pe_cols * cycles) : 0,
		       energy_fj * 1e-12, energy_fj > 0 ? 100.0 * static_fj / energy_fj : 0,
		       dram_words * 1e-6);
		/*
		 * What no RS mapping goes under with the device's counting rules
		 * (docs/sim.md): 4 RF words and a MAC per MAC, every compulsory
		 * DRAM word once, static power over the peak time.
		 */
		floor_fj = (double)macs * (4.0 * a.energy_fj[EYRIE_ENERGY_RF] +
					   a.energy_fj[EYRIE_ENERGY_MAC]) +
			   (double)lb_words * a.energy_fj[EYRIE_ENERGY_DRAM] +
			   (double)a.static_mw * 1e9 / a.clock_khz *
			   ((double)macs / ((double)a.pe_rows * a.pe_cols));
		if (a.flex_noc && !a.in_ring)
			printf("  %-8s %-12s energy floor %.3f mJ (RS: 4 RF words + 1 MAC per MAC, compulsory DRAM words, static power over the peak time)\n",
			       "", ls[i].net, floor_fj * 1e-12);
		if (a.in_ring)
			printf("  %-8s %-12s latency floor %.2f ms (per layer the longer of MACs over all PEs and compulsory DRAM bytes over the DRAM port; %.2f ms of it DRAM-bound)\n",
			       "", ls[i].net, (double)floor_cyc / a.clock_khz,
			       (double)dram_bound / a.clock_khz);
		if (a.in_ring) {
			print_fused_floors(&a, ls + i, j - i, floor_cyc);
			fused_network(&a, ls + i, j - i);
		}
		i = j;
	}
	a.events = events_cfg;
	a.flex_noc = flex_cfg;
	a.in_ring = ring_cfg;
	if (networks_only) {
		free(ls);
		return 0;
	}
	printf("\nAlexNet CONV1-5, batch 4:\n");
	for (df = 1; df < EYRIE_DATAFLOW_COUNT; df++)
		printf("  energy %s / rs = %.2fx\n", eyr_dataflow_name((enum eyrie_dataflow)df),
		       alex_e[df] / alex_e[0]);
	printf("  rs: %.3f E/MAC, DRAM %.5f words/MAC (%.5f bytes/MAC), compulsory bound %.5f words/MAC\n",
	       alex_e[0] / alex_macs, alex_words / alex_macs, (double)alex_bytes / alex_macs,
	       alex_lb / alex_macs);
	printf("  (Eyeriss chip: 0.0029 accesses/MAC; Timeloop best 0.00472, bound 0.00245, 16-bit words)\n");
	alexnet_halo(&a, ls, n);
	alexnet_sparse(&a, ls, n, EYR_OBJ_ENERGY);
	alexnet_sparse(&a, ls, n, EYR_OBJ_DRAM);
	networks_sparse(&a, ls, n);
	free(ls);
	return 0;
}
