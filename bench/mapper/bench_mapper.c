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
 * Figures only: nothing here passes or fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_internal.h"
#include "sched_test_util.h"

struct net_total {
	double energy_norm, macs, dram_words, lb_words;
	uint64_t time_us, layers;
};

int main(void)
{
	struct st_layer *ls = NULL;
	struct eyr_arch a;
	uint32_t events_cfg;	/* BENCH_MAPPER_NO_EVENTS, kept across the networks section */
	int n, i, df;
	int all = getenv("BENCH_MAPPER_ALL") != NULL;
	/* only the whole-network section (to count its instructions alone) */
	int networks_only = getenv("BENCH_MAPPER_NETWORKS_ONLY") != NULL;
	double alex_e[EYRIE_DATAFLOW_COUNT] = { 0 }, alex_words = 0, alex_macs = 0, alex_lb = 0;
	uint64_t alex_bytes = 0, alex_lb_bytes = 0;
	char cur[32] = "";
	struct net_total tot = { 0 };

	st_default_arch(&a);
	/* the device's default: DMA runs ahead of the array (CAP_EVENTS) */
	a.events = getenv("BENCH_MAPPER_NO_EVENTS") == NULL;
	n = st_load_layers(&ls, 1, 1);
	if (n <= 0) {
		fprintf(stderr, "bench-mapper: cannot read layers.csv (set EYRIE_LAYERS_CSV)\n");
		return 1;
	}
	printf("arch: %ux%u PEs, GLB %u B, stream %u B, RF %u/%u/%u, energy fJ dram %u glb %u noc %u rf %u mac %u, static %u mW, events %u\n",
	       a.pe_rows, a.pe_cols, a.glb_bytes, a.stream_bytes, a.rf_ifmap_words,
	       a.rf_filter_words, a.rf_psum_words, a.energy_fj[0], a.energy_fj[1],
	       a.energy_fj[2], a.energy_fj[3], a.energy_fj[4], a.static_mw, a.events);
	printf("%-12s %-10s %-3s %10s %8s %9s %10s %10s\n", "network", "layer", "df",
	       "search_us", "costed", "E/MAC", "words/MAC", "bound/MAC");
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
			o.no_cache = 1;		/* time every search, repeated shapes too */
			if (eyr_sched_plan(&a, &ls[i].shape, &o, &p, err, sizeof(err))) {
				printf("%-12s %-10s %-3s error: %s\n", ls[i].net, ls[i].name,
				       eyr_dataflow_name(o.dataflow), err);
				continue;
			}
			en = eyr_cost_energy_norm(&a, &p.cost);
			printf("%-12s %-10s %-3s %10llu %8llu %9.3f %10.5f %10.5f\n", ls[i].net,
			       ls[i].name, eyr_dataflow_name(o.dataflow),
			       (unsigned long long)p.search.time_us,
			       (unsigned long long)p.search.evaluated, en / (double)p.cost.macs,
			       (double)p.cost.dram_words / (double)p.cost.macs,
			       (double)p.lb_dram_words / (double)p.cost.macs);
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
	if (!networks_only)
		printf("%-12s total: %llu layers, search %.1f ms, %.3f E/MAC, %.5f DRAM words/MAC (RS)\n",
		       cur, (unsigned long long)tot.layers, tot.time_us / 1000.0,
		       tot.energy_norm / tot.macs, tot.dram_words / tot.macs);
	/* what a compiler sees: one network after another, repeated shapes cached */
	events_cfg = a.events;
	printf("\nwhole networks (RS, plan cache on from cold, as the runner plans them;\n"
	       "conv/FC layers of layers.csv, predicted = measured, at %u kHz;\n"
	       "peak: MACs over all %u PEs; barriers: DMA and passes alternate,\n"
	       "events: DMA runs ahead, double buffers chosen per tensor):\n",
	       a.clock_khz, a.pe_rows * a.pe_cols);
	/* both stream kinds, then the arch as configured (BENCH_MAPPER_NO_EVENTS) */
	for (unsigned int ev = 0; ev <= 1; ev++)
	for (a.events = ev, i = 0; i < n; ) {
		uint64_t t0, cycles = 0, macs = 0;
		double energy_fj = 0, static_fj = 0;
		int j = i, layers = 0;

		eyr_sched_cache_clear();	/* each network from a cold cache */
		t0 = eyr_now_us();

		while (j < n && !strcmp(ls[j].net, ls[i].net)) {
			struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
			struct eyr_plan p;
			char err[256];

			if (!eyr_sched_plan(&a, &ls[j].shape, &o, &p, err, sizeof(err))) {
				layers++;
				cycles += p.cost.cycles;
				macs += p.cost.macs;
				energy_fj += (double)p.cost.energy_total_fj;
				static_fj += (double)p.cost.energy_fj[EYRIE_ENERGY_STATIC];
			}
			j++;
		}
		printf("  %-8s %-12s %3d layers planned in %.1f ms: latency %.2f ms (peak %.2f ms, util %.0f %%), energy %.3f mJ (static %.0f %%)\n",
		       a.events ? "events" : "barriers", ls[i].net, layers, (eyr_now_us() - t0) / 1000.0,
		       (double)cycles / a.clock_khz,
		       (double)macs / ((double)a.pe_rows * a.pe_cols) / a.clock_khz,
		       cycles ? 100.0 * (double)macs / ((double)a.pe_rows * a.pe_cols * cycles) : 0,
		       energy_fj * 1e-12, energy_fj > 0 ? 100.0 * static_fj / energy_fj : 0);
		i = j;
	}
	a.events = events_cfg;
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
	free(ls);
	return 0;
}
