// SPDX-License-Identifier: MIT
/*
 * Scheduler unit tests (no device): architecture files, the search's
 * optimality (fast search == exhaustive search on representative layers of
 * AlexNet, VGG-16, ResNet-50 and MobileNetV2, all dataflows and objectives),
 * the compulsory-traffic lower bound, and the command stream's agreement
 * with the cost model's command count and GLB layout.
 *
 * SCHED_TEST_SCALE=K shrinks the channel counts of the exhaustive cases by
 * K (default 16; the ASan build uses a larger K to stay quick).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sched/sched_internal.h"
#include "sched_test_util.h"

static unsigned int scale(void)
{
	const char *s = getenv("SCHED_TEST_SCALE");

	return s && atoi(s) > 0 ? (unsigned int)atoi(s) : 16;
}

static void test_arch_file(void **state)
{
	struct eyr_arch a;
	char err[256];
	int ret;

	(void)state;
	st_default_arch(&a);
	ret = eyr_arch_parse(&a, "# small array\nname = tiny\npe_rows = 4\npe_cols=6\nglb_bytes = 0x4000\n",
			     "t.arch", err, sizeof(err));
	assert_int_equal(ret, 0);
	assert_string_equal(a.name, "tiny");
	assert_int_equal(a.pe_rows, 4);
	assert_int_equal(a.pe_cols, 6);
	assert_int_equal(a.glb_bytes, 16384);
	assert_int_equal(a.rf_filter_words, 224);	/* kept from the device */

	ret = eyr_arch_parse(&a, "pe_rowz = 4\n", "t.arch", err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err, "unknown key 'pe_rowz'"));
	ret = eyr_arch_parse(&a, "pe_rows = -3\n", "t.arch", err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err, "pe_rows"));
	ret = eyr_arch_parse(&a, "pe_rows 4\n", "t.arch", err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_non_null(strstr(err, "key = value"));
	ret = eyr_arch_parse(&a, "pe_rows = 0\n", "t.arch", err, sizeof(err));
	assert_int_equal(ret, -EINVAL);
	assert_int_equal(a.pe_rows, 4);			/* unchanged on error */
	ret = eyr_arch_load(&a, "/nonexistent/x.arch", err, sizeof(err));
	assert_int_equal(ret, -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/x.arch"));

	/* the output ring (docs/hardware.md 7.13) comes from the caps; a file turns it off */
	{
		struct eyrie_hw_desc d;

		memset(&d, 0, sizeof(d));
		eyr_arch_to_desc(&a, &d);
		eyr_arch_from_desc(&a, &d, EYRIE_CAP_IN_RING);
		assert_int_equal(a.out_ring, 0);
		eyr_arch_from_desc(&a, &d, EYRIE_CAP_OUT_RING);
		assert_int_equal(a.out_ring, 1);
		assert_int_equal(a.in_ring, 0);
		ret = eyr_arch_parse(&a, "out_ring = 0\n", "t.arch", err, sizeof(err));
		assert_int_equal(ret, 0);
		assert_int_equal(a.out_ring, 0);
		ret = eyr_arch_parse(&a, "out_ring = 2\n", "t.arch", err, sizeof(err));
		assert_int_equal(ret, -EINVAL);
		assert_non_null(strstr(err, "out_ring"));
	}
}

static void test_bad_shapes(void **state)
{
	struct eyr_arch a;
	struct eyr_plan p;
	struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
	struct eyr_layer_shape s;
	char err[256];

	(void)state;
	st_default_arch(&a);
	s = st_conv(1, 6, 8, 8, 3, 1, 1, 4);		/* 4 does not divide 6 */
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "groups"));
	s = st_conv(1, 4, 4, 2, 5, 1, 0, 1);		/* filter larger than input */
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &p, err, sizeof(err)), -EINVAL);
	s = st_conv(1, 4, 4, 8, 3, 1, 3, 1);		/* padding >= filter */
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "padding"));
	s = st_conv(1, 4, 4, 8, 3, 1, 1, 1);
	o.dataflow = (enum eyrie_dataflow)7;
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dataflow"));
	/* a GLB too small for any tile */
	o.dataflow = EYRIE_DATAFLOW_RS;
	a.glb_bytes = 64;
	a.stream_bytes = 0;
	s = st_conv(1, 4, 4, 64, 7, 1, 1, 1);	/* one 7x7 filter alone is 49 bytes */
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &p, err, sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "fits"));
}

/* Representative layers (channels shrunk by the scale for the exhaustive run). */
static struct eyr_layer_shape rep_layer(int i, unsigned int k)
{
	switch (i) {
	case 0: return st_conv(4, 3, 96 / k, 227 / 4, 11, 4, 0, 1);		/* AlexNet conv1 */
	case 1: return st_conv(4, 2 * (48 / k), 2 * (128 / k), 27, 5, 1, 2, 2); /* AlexNet conv2, grouped */
	case 2: return st_conv(4, 256 / k, 384 / k, 13, 3, 1, 1, 1);		/* AlexNet conv3 */
	case 3: return st_fc(4, 9216 / (4 * k), 4096 / (4 * k));		/* AlexNet fc6 */
	case 4: return st_conv(1, 64 / k, 64 / k, 56, 3, 1, 1, 1);		/* VGG-16 conv3_x shape */
	case 5: return st_conv(1, 256 / k, 128 / k, 28, 1, 1, 0, 1);		/* ResNet-50 1x1 */
	case 6: return st_conv(1, 128 / k, 128 / k, 28, 3, 2, 1, 1);		/* ResNet-50 3x3 stride 2 */
	case 7: return st_conv(1, 3, 32 / k > 1 ? 32 / k : 2, 56, 3, 2, 1, 1); /* MobileNetV2 stem */
	case 8: return st_conv(1, 144 / k, 144 / k, 28, 3, 1, 1, 144 / k);	/* MobileNetV2 depthwise */
	default: return st_conv(1, 32 / k > 1 ? 32 / k : 2, 96 / k, 28, 1, 1, 0, 1); /* MobileNetV2 expand */
	}
}
#define REP_LAYERS 10

/* Which loop orders the searches below cover (EYR_SPILL_*). */
static int spill_mode;
/* 1: the searches below cover only the tilings of whole rows */
static int whole_rows_mode;

static void check_fast_equals_exhaustive(const struct eyr_arch *a,
					 const struct eyr_layer_shape *s,
					 enum eyrie_dataflow df,
					 enum eyr_objective obj, const char *what)
{
	struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
	struct eyr_plan fast, exh, cold;
	char err[256];

	o.dataflow = df;
	o.objective = obj;
	o.psum_spill = spill_mode;
	o.whole_rows = whole_rows_mode;
	assert_int_equal(eyr_sched_plan(a, s, &o, &fast, err, sizeof(err)), 0);
	if (whole_rows_mode)
		assert_int_equal(fast.map.tiles[EYR_DIM_F], 1);
	/*
	 * The pass mappings shared across searches (warmed by the layers,
	 * dataflows and objectives before this one) change nothing: a cold
	 * search finds the same plan.
	 */
	o.no_cache = 1;
	assert_int_equal(eyr_sched_plan(a, s, &o, &cold, err, sizeof(err)), 0);
	assert_memory_equal(&fast.map, &cold.map, sizeof(fast.map));
	assert_memory_equal(&fast.cost, &cold.cost, sizeof(fast.cost));
	o.no_cache = 0;
	o.exhaustive = 1;
	assert_int_equal(eyr_sched_plan(a, s, &o, &exh, err, sizeof(err)), 0);
	if (fast.cost.energy_total_fj != exh.cost.energy_total_fj ||
	    fast.cost.cycles != exh.cost.cycles || fast.cost.dram_words != exh.cost.dram_words)
		fail_msg("%s %s/%s: fast %llu fJ %llu cyc %llu words, exhaustive %llu fJ %llu cyc %llu words",
			 what, eyr_dataflow_name(df), eyr_objective_name(obj),
			 (unsigned long long)fast.cost.energy_total_fj,
			 (unsigned long long)fast.cost.cycles,
			 (unsigned long long)fast.cost.dram_words,
			 (unsigned long long)exh.cost.energy_total_fj,
			 (unsigned long long)exh.cost.cycles,
			 (unsigned long long)exh.cost.dram_words);
	/* the fast search really skipped most of the mapspace */
	assert_true(fast.search.evaluated < exh.search.evaluated);
	assert_true(fast.cost.dram_words >= fast.lb_dram_words);
	print_message("# %-6s %-3s %-6s optimum %llu fJ: fast %llu evaluated (%llu us), exhaustive %llu (%llu us)\n",
		      what, eyr_dataflow_name(df), eyr_objective_name(obj),
		      (unsigned long long)exh.cost.energy_total_fj,
		      (unsigned long long)fast.search.evaluated,
		      (unsigned long long)fast.search.time_us,
		      (unsigned long long)exh.search.evaluated,
		      (unsigned long long)exh.search.time_us);
}

static void test_fast_equals_exhaustive_rs(void **state)
{
	struct eyr_arch a;
	int i;

	(void)state;
	st_default_arch(&a);
	for (i = 0; i < REP_LAYERS; i++) {
		struct eyr_layer_shape s = rep_layer(i, scale());
		char what[16];

		snprintf(what, sizeof(what), "rep%d", i);
		check_fast_equals_exhaustive(&a, &s, EYRIE_DATAFLOW_RS, EYR_OBJ_ENERGY, what);
	}
}

static const enum eyr_objective all_objs[] = { EYR_OBJ_ENERGY, EYR_OBJ_CYCLES, EYR_OBJ_EDP,
					       EYR_OBJ_DRAM };
#define NOBJS ((int)(sizeof(all_objs) / sizeof(all_objs[0])))

/*
 * The representative layers (channels / 2 scale()) on a, each under
 * rotating dataflows and objectives; small: on 6-12 KiB GLBs with or
 * without a 2 KiB stream buffer, where most tilings do not fit, ragged and
 * streamed tiles win, and the footprint floors and box bounds cut hardest
 * (half of them with events: double-buffer footprints, overlapped streams).
 */
static void check_reps_rotating(int small)
{
	struct eyr_arch a;
	int i;

	st_default_arch(&a);
	for (i = 0; i < REP_LAYERS; i++) {
		struct eyr_layer_shape s = rep_layer(i, 2 * scale());
		char what[24];

		snprintf(what, sizeof(what), "%s%d", small ? "small" : "rep", i);
		if (small) {
			a.glb_bytes = i % 2 ? 6144 : 12288;
			a.stream_bytes = i % 3 ? 2048 : 0;
			/* with events both searches also plan for double buffers */
			a.events = (i / 2) % 2;
			check_fast_equals_exhaustive(&a, &s, (enum eyrie_dataflow)(i % 5),
						     all_objs[i % NOBJS], what);
			continue;
		}
		check_fast_equals_exhaustive(&a, &s, (enum eyrie_dataflow)(1 + i % 4),
					     EYR_OBJ_ENERGY, what);
		check_fast_equals_exhaustive(&a, &s, EYRIE_DATAFLOW_RS, all_objs[1 + i % (NOBJS - 1)], what);
	}
}

/* The other dataflows and objectives, rotating over the layers. */
static void test_fast_equals_exhaustive_other(void **state)
{
	(void)state;
	check_reps_rotating(0);
}

static void test_fast_equals_exhaustive_small_glb(void **state)
{
	(void)state;
	check_reps_rotating(1);
}

/*
 * Psum spills: fast == exhaustive (all 720 orders) holds on the mapspaces
 * with only the mappings that spill (every layer) and with none (C
 * innermost; every other layer), on the representative layers and on
 * small GLBs, where C is tiled most.
 */
static void test_fast_equals_exhaustive_spill(void **state)
{
	struct eyr_arch a;
	int i;

	(void)state;
	st_default_arch(&a);
	for (i = 0; i < REP_LAYERS; i++) {
		struct eyr_layer_shape s = rep_layer(i, 2 * scale());
		char what[24];

		a.glb_bytes = i % 2 ? 3072 : 8192;
		a.stream_bytes = i % 3 ? 1024 : 0;
		a.events = i % 2;
		snprintf(what, sizeof(what), "spill%d", i);
		spill_mode = EYR_SPILL_ONLY;
		{
			/* a layer whose C cannot be split has no spilling mapping */
			struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
			struct eyr_plan p;
			char err[256];
			int r;

			o.psum_spill = EYR_SPILL_ONLY;
			r = eyr_sched_plan(&a, &s, &o, &p, err, sizeof(err));
			if (r == -ENOSPC && s.c / (s.groups ? s.groups : 1) == 1) {
				spill_mode = EYR_SPILL_ANY;
				continue;
			}
			assert_int_equal(r, 0);
			assert_true(eyr_map_spills(&p.map) && p.cost.psum_words > 0);
		}
		check_fast_equals_exhaustive(&a, &s, (enum eyrie_dataflow)(i % 5), all_objs[i % NOBJS], what);
		/* every other layer: the mapspace without spills (make check's time) */
		spill_mode = EYR_SPILL_NEVER;
		if (i % 2)
			check_fast_equals_exhaustive(&a, &s, (enum eyrie_dataflow)(i % 5),
						     all_objs[i % NOBJS], what);
		spill_mode = EYR_SPILL_ANY;
	}
}

/*
 * Halo reuse (arch->in_ring, docs/scheduler.md "Halo reuse"): fast ==
 * exhaustive (all 720 orders, the ring wherever an order allows it) on
 * the representative layers, on the default GLB (every other one) and on
 * small ones (rows, C and M in several tiles, psums spilling), every
 * dataflow and objective, half with events (double-buffered rings). The box bounds take
 * the fewer of the summed spans and the ring's rows, so they stay
 * admissible; the four canonical orders put E innermost where that is
 * free, which the exhaustive search checks against every order. Some of
 * these optima use the ring (counted), and each stays above the bound.
 */
static void test_fast_equals_exhaustive_in_ring(void **state)
{
	struct eyr_arch a;
	int i, rings = 0;

	(void)state;
	st_default_arch(&a);
	a.in_ring = 1;
	for (i = 0; i < 2 * REP_LAYERS; i++) {
		struct eyr_layer_shape s = rep_layer(i % REP_LAYERS, 2 * scale());
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		struct eyr_plan p;
		char what[24], err[256];

		/* on the default GLB every other layer (make check's time) */
		if (i < REP_LAYERS && i % 2 == 0)
			continue;
		a.glb_bytes = i < REP_LAYERS ? 108 * 1024 : (i % 2 ? 4096 : 10240);
		a.stream_bytes = i % 3 ? 2048 : 0;
		a.events = (i / 2) % 2;
		snprintf(what, sizeof(what), "ring%d", i);
		check_fast_equals_exhaustive(&a, &s, (enum eyrie_dataflow)(i % 5), all_objs[i % NOBJS],
					     what);
		o.dataflow = (enum eyrie_dataflow)(i % 5);
		o.objective = all_objs[i % NOBJS];
		assert_int_equal(eyr_sched_plan(&a, &s, &o, &p, err, sizeof(err)), 0);
		rings += eyr_plan_in_ring(&p);
	}
	print_message("# %d of %d optima keep their inputs in a ring\n", rings, 3 * REP_LAYERS / 2);
	assert_true(rings > 0);
}

/*
 * Where spilling psums is cheaper, the search spills: ResNet-50's 1024 ->
 * 256 1x1 (conv4_2a) and the 1024 -> 2048 stride-2 projection (conv5_1proj)
 * on the default device load their input once (inputs ignore M) and let
 * the psums of C's two tiles go to DRAM and back, instead of reloading the
 * input per output-channel tile; VGG-16's conv3_2 likewise. Their plans
 * spill and cost less than the best plan that keeps C innermost.
 */
static void test_spill_chosen(void **state)
{
	struct eyr_layer_shape shapes[] = {
		st_conv(1, 1024, 256, 14, 1, 1, 0, 1),		/* ResNet-50 conv4_2a */
		st_conv(1, 1024, 2048, 14, 1, 2, 0, 1),		/* ResNet-50 conv5_1proj */
		st_conv(1, 256, 256, 56, 3, 1, 1, 1),		/* VGG-16 conv3_2 */
	};
	struct eyr_arch a;
	unsigned int i;

	(void)state;
	st_default_arch(&a);
	a.events = 1;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		struct eyr_plan any, never;
		char err[256];

		assert_int_equal(eyr_sched_plan(&a, &shapes[i], &o, &any, err, sizeof(err)), 0);
		o.psum_spill = EYR_SPILL_NEVER;
		assert_int_equal(eyr_sched_plan(&a, &shapes[i], &o, &never, err, sizeof(err)), 0);
		print_message("# spill %u: %llu fJ, %llu DRAM words (%llu psum words), order %s%s%s%s%s%s; C innermost %llu fJ, %llu DRAM words\n",
			      i, (unsigned long long)any.cost.energy_total_fj,
			      (unsigned long long)any.cost.dram_words,
			      (unsigned long long)any.cost.psum_words,
			      eyr_dim_name(any.map.order[0]), eyr_dim_name(any.map.order[1]),
			      eyr_dim_name(any.map.order[2]), eyr_dim_name(any.map.order[3]),
			      eyr_dim_name(any.map.order[4]), eyr_dim_name(any.map.order[5]),
			      (unsigned long long)never.cost.energy_total_fj,
			      (unsigned long long)never.cost.dram_words);
		assert_true(eyr_map_spills(&any.map));
		assert_true(any.cost.psum_words > 0);
		assert_false(eyr_map_spills(&never.map));
		assert_int_equal(never.cost.psum_words, 0);
		assert_true(any.cost.energy_total_fj < never.cost.energy_total_fj);
		assert_true(any.cost.dram_words >= any.lb_dram_words);
	}
}

/* Every layer of layers.csv (shrunk by $SCHED_FULL_SCALE): check-full. */
static void test_fast_equals_exhaustive_csv(void **state)
{
	struct st_layer *ls = NULL;
	const char *sc = getenv("SCHED_FULL_SCALE");
	unsigned int k = sc && atoi(sc) > 0 ? (unsigned int)atoi(sc) : 8;
	struct eyr_arch a;
	int n, i;

	(void)state;
	if (!getenv("SCHED_FULL"))
		return;
	st_default_arch(&a);
	n = st_load_layers(&ls, k, 2);
	assert_true(n > 100);
	for (i = 0; i < n; i++) {
		char what[80];

		snprintf(what, sizeof(what), "%s/%s", ls[i].net, ls[i].name);
		check_fast_equals_exhaustive(&a, &ls[i].shape, EYRIE_DATAFLOW_RS, EYR_OBJ_ENERGY, what);
	}
	free(ls);
}

/*
 * The search walks a tree whose boxes skip the tile sizes that provably
 * cannot fit (footprint floors). Counted by brute force (every balanced
 * split of every dimension, each checked against the GLB and the stream
 * buffer), the exhaustive search must visit exactly the (tiling,
 * placement) pairs that fit: a floor above a real footprint would drop
 * part of the mapspace from both searches alike, which fast == exhaustive
 * cannot see. Shapes with wide padding (spans that shrink as tiles grow),
 * groups, int32 outputs and GLBs from tiny to roomy.
 */
static uint64_t brute_force_tilings(const struct eyr_arch *a, const struct eyr_layer_shape *l,
				    int has_bias, int per_channel, int int32_out)
{
	static struct eyr_dim_tiling t[EYR_DIMS][512];
	uint32_t n[EYR_DIMS], i[EYR_DIMS];
	struct eyr_geom g;
	uint64_t count = 0;
	char err[128];
	int d;

	if (eyr_geom_init(&g, l, err, sizeof(err)))
		fail_msg("%s", err);
	g.out_bytes = int32_out ? 4 : 1;
	for (d = 0; d < EYR_DIMS; d++) {
		uint32_t k, prev = 0;

		n[d] = 0;
		for (k = g.ext[d]; k >= 1; k--) {
			uint32_t v = (g.ext[d] + k - 1) / k;

			if (v == prev)
				continue;
			prev = v;
			if (!eyr_dim_tiling_init(&g, (enum eyr_dim)d, v, &t[d][n[d]]))
				n[d]++;
		}
	}
	for (i[0] = 0; i[0] < n[0]; i[0]++)
	for (i[1] = 0; i[1] < n[1]; i[1]++)
	for (i[2] = 0; i[2] < n[2]; i[2]++)
	for (i[3] = 0; i[3] < n[3]; i[3]++)
	for (i[4] = 0; i[4] < n[4]; i[4]++)
	for (i[5] = 0; i[5] < n[5]; i[5]++) {
		struct eyr_mapping m;
		struct eyr_tile_bytes tb;
		unsigned int places;

		memset(&m, 0, sizeof(m));
		for (d = 0; d < EYR_DIMS; d++) {
			m.tile[d] = t[d][i[d]].tile;
			m.tiles[d] = t[d][i[d]].tiles;
		}
		/* a tile of several groups holds whole ones */
		if (m.tile[EYR_DIM_G] > 1 && (m.tile[EYR_DIM_M] != g.ext[EYR_DIM_M] ||
					      m.tile[EYR_DIM_C] != g.ext[EYR_DIM_C]))
			continue;
		eyr_tile_bytes(&g, &m, t[EYR_DIM_E][i[EYR_DIM_E]].max_in,
			       t[EYR_DIM_F][i[EYR_DIM_F]].max_in, per_channel, &tb);
		for (places = 0; places < eyr_placements(a); places++) {
			struct eyr_glb_layout lay;

			eyr_mapping_set_places(&m, places);
			eyr_glb_layout(&tb, &m, has_bias, &lay);
			count += lay.glb_bytes <= a->glb_bytes && lay.stream_bytes <= a->stream_bytes;
		}
	}
	return count;
}

static void test_mapspace_complete(void **state)
{
	static const uint32_t glbs[] = { 700, 1024, 1500, 2200, 3000, 4500, 6500, 12288, 40000, 110592 };
	static const uint32_t streams[] = { 0, 512, 16384 };
	struct eyr_layer_shape shapes[7];
	struct eyr_arch a;
	size_t si, gi;
	int checked = 0;

	(void)state;
	st_default_arch(&a);
	shapes[0] = st_conv(2, 4, 6, 11, 5, 1, 3, 1);	/* padding wider than the stride */
	shapes[1] = st_conv(1, 6, 10, 13, 7, 2, 3, 1);
	shapes[2] = st_conv(3, 8, 8, 15, 3, 1, 1, 4);	/* grouped */
	shapes[3] = st_conv(1, 12, 12, 17, 3, 1, 1, 12);	/* depthwise */
	shapes[4] = st_fc(4, 300, 70);
	shapes[5] = st_conv(1, 9, 7, 13, 3, 1, 0, 1);
	shapes[5].pad_b = 2;					/* asymmetric */
	shapes[5].pad_l = 1;
	/*
	 * 5x5 over a 6x6 input, pad 2: tiles of 1, 2, 3 and 6 rows load at
	 * most 5, 6, 5 and 6 input rows
	 */
	shapes[6] = st_conv(1, 24, 8, 6, 5, 1, 2, 1);
	for (si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++)
	for (gi = 0; gi < sizeof(glbs) / sizeof(glbs[0]); gi++) {
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		struct eyr_plan p;
		char err[256];
		uint64_t want;
		int ret;

		/* every GLB size for the shape whose spans shrink, half of them for the rest */
		if (si != 6 && (si + gi) % 2)
			continue;
		a.glb_bytes = glbs[gi];
		a.stream_bytes = streams[(si + gi) % 3];
		o.exhaustive = 1;
		o.no_cache = 1;
		o.per_channel = si == 3 || si == 5;
		o.int32_out = si == 1 || si == 4;
		o.no_bias = si == 5;
		want = brute_force_tilings(&a, &shapes[si], !o.no_bias, o.per_channel, o.int32_out);
		ret = eyr_sched_plan(&a, &shapes[si], &o, &p, err, sizeof(err));
		if (!want) {
			assert_int_equal(ret, -ENOSPC);
			continue;
		}
		assert_int_equal(ret, 0);
		if (p.search.tilings != want)
			fail_msg("shape %zu, GLB %u, stream %u: the search visits %llu (tiling, placement) pairs, %llu fit",
				 si, a.glb_bytes, a.stream_bytes,
				 (unsigned long long)p.search.tilings, (unsigned long long)want);
		checked++;
	}
	/* most combinations have something that fits */
	assert_true(checked >= 30);
}

/*
 * The pass floors the search prunes with are below what the array search
 * finds, for random pass shapes (border tiles with their padding, every
 * dataflow and placement, first/middle/last passes over C) on RF sizes
 * from small to large: dynamic energy and cycles under the energy and the
 * cycles objective, and energy with static under the energy objective. A
 * floor above a real cost would let the fast search miss the optimum.
 */
static uint32_t lcg(uint64_t *st, uint32_t lo, uint32_t hi)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return lo + (uint32_t)((*st >> 33) % (hi - lo + 1));
}

static void test_pass_floors_admissible(void **state)
{
	static const uint32_t ks[] = { 1, 3, 5, 7, 11 };
	uint64_t st = 42;
	int i, checked = 0;

	(void)state;
	for (i = 0; i < 400; i++) {
		/*
		 * every 8th: hundreds of channels under a filter RF of thousands
		 * of words, more RF blocks than rf_cover lists (its fallback)
		 */
		int wide = i % 8 == 7;
		struct eyr_layer_shape l = st_conv(lcg(&st, 1, 4), lcg(&st, 1, wide ? 600 : 48),
						   lcg(&st, 1, wide ? 600 : 48), lcg(&st, 4, wide ? 8 : 30),
						   ks[lcg(&st, 0, wide ? 1 : 4)], lcg(&st, 1, 3), 0, 1);
		struct eyr_dim_tiling te, tf;
		struct eyr_pass_shape ps;
		struct eyr_geom g;
		struct eyr_arch a;
		enum eyrie_dataflow df = (enum eyrie_dataflow)(i % EYRIE_DATAFLOW_COUNT);
		enum eyr_place pin = lcg(&st, 0, 1) ? EYR_PLACE_STREAM : EYR_PLACE_GLB;
		enum eyr_place pw = lcg(&st, 0, 1) ? EYR_PLACE_STREAM : EYR_PLACE_GLB;
		struct eyrie_mapping mp;
		struct eyr_pass_cost pe, pcyc;
		double cd, cc, cen, fd, fc, fe, dyn_e = 0, dyn_c = 0, spc;
		char err[128];
		int lv;

		l.s = lcg(&st, 0, 3) ? l.r : ks[lcg(&st, 0, 4)];
		l.pad_t = lcg(&st, 0, l.r - 1);
		l.pad_l = lcg(&st, 0, l.s - 1);
		l.pad_b = lcg(&st, 0, l.r - 1);
		l.dil_h = l.r > 1 && l.r < 7 ? lcg(&st, 1, 2) : 1;
		if (l.h + l.pad_t + l.pad_b < l.dil_h * (l.r - 1) + 1 || l.w + l.pad_l + l.pad_r < l.s)
			continue;
		if (eyr_geom_init(&g, &l, err, sizeof(err)))
			continue;
		st_default_arch(&a);
		a.rf_ifmap_words = lcg(&st, 6, 24);
		a.rf_filter_words = wide ? lcg(&st, 1024, 8192) : lcg(&st, 32, 448);
		a.rf_psum_words = lcg(&st, 8, 48);
		if (eyr_dim_tiling_init(&g, EYR_DIM_E, lcg(&st, 1, g.ext[EYR_DIM_E]), &te) ||
		    eyr_dim_tiling_init(&g, EYR_DIM_F, lcg(&st, 1, g.ext[EYR_DIM_F]), &tf))
			continue;
		memset(&ps, 0, sizeof(ps));
		ps.n = lcg(&st, 1, g.ext[EYR_DIM_N]);
		/* every third: several groups, on the flexible NoC or not */
		ps.g = i % 3 == 2 ? lcg(&st, 2, 40) : 1;
		a.flex_noc = i % 3 == 2 ? lcg(&st, 0, 3) != 0 : a.flex_noc;
		ps.m = lcg(&st, 1, g.ext[EYR_DIM_M]);
		ps.c = lcg(&st, 1, g.ext[EYR_DIM_C]);
		{
			const struct eyr_dim_class *ce = &te.cls[lcg(&st, 0, te.nclass - 1)];
			const struct eyr_dim_class *cf = &tf.cls[lcg(&st, 0, tf.nclass - 1)];

			ps.e = ce->len;
			ps.in_h = ce->in_len;
			ps.pad_t = ce->pad;
			ps.f = cf->len;
			ps.in_w = cf->in_len;
			ps.pad_l = cf->pad;
		}
		ps.accumulate = lcg(&st, 0, 1);
		ps.bias = !ps.accumulate && lcg(&st, 0, 1);
		ps.per_channel = lcg(&st, 0, 1);
		if (eyr_pass_best(&a, &g, df, EYR_OBJ_ENERGY, &ps, pin, pw, &mp, &pe))
			continue;	/* no mapping: nothing to bound */
		assert_int_equal(eyr_pass_best(&a, &g, df, EYR_OBJ_CYCLES, &ps, pin, pw, &mp, &pcyc), 0);
		for (lv = 0; lv < EYRIE_ACCESS_LEVELS; lv++) {
			dyn_e += (double)pe.access[lv] * a.energy_fj[lv];
			dyn_c += (double)pcyc.access[lv] * a.energy_fj[lv];
		}
		spc = (double)a.static_mw * 1e9 / a.clock_khz;
		eyr_pass_floor(&a, &g, df, &ps, pin, pw, &cd, &cc, &cen);
		eyr_pass_floor_fine(&a, &g, df, &ps, pin, pw, &fd, &fc, &fe);
		if (cd > dyn_e * (1 + 1e-12) || cd > dyn_c * (1 + 1e-12) || fd > dyn_e * (1 + 1e-12) ||
		    fd > dyn_c * (1 + 1e-12) || cc > (double)pcyc.cycles * (1 + 1e-12) ||
		    fc > (double)pcyc.cycles * (1 + 1e-12) ||
		    fe > (dyn_e + spc * (double)pe.cycles) * (1 + 1e-12) ||
		    cen > (dyn_e + spc * (double)pe.cycles) * (1 + 1e-12))
			fail_msg("case %d (%s, pass n%u m%u c%u e%u f%u, R%u S%u, RF %u/%u/%u): floors dyn %g/%g cyc %g/%g en %g/%g above dyn %g/%g cyc %llu en %g",
				 i, eyr_dataflow_name(df), ps.n, ps.m, ps.c, ps.e, ps.f, g.r, g.s,
				 a.rf_ifmap_words, a.rf_filter_words, a.rf_psum_words, cd, fd, cc, fc,
				 cen, fe, dyn_e, dyn_c, (unsigned long long)pcyc.cycles,
				 dyn_e + spc * (double)pe.cycles);
		checked++;
	}
	assert_true(checked >= 200);
}

/*
 * Whole rows (opts.whole_rows, the tilings a coded layout can carry): fast
 * == exhaustive on that subset of the mapspace, on the representative
 * layers and on small GLBs (where the optimum tiles F most), with and
 * without events; no plan of it is better than the whole mapspace's.
 */
static void test_fast_equals_exhaustive_whole_rows(void **state)
{
	struct eyr_arch a;
	int i, f_tiled = 0;

	(void)state;
	st_default_arch(&a);
	for (i = 0; i < REP_LAYERS; i++) {
		struct eyr_layer_shape s = rep_layer(i, 2 * scale());
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		struct eyr_plan any, whole;
		char what[24], err[256];

		a.glb_bytes = i % 2 ? 4096 : 110592;
		a.stream_bytes = i % 3 ? 1024 : 0;
		a.events = 0;	/* one search each: the subset's optimum is not below */
		o.dataflow = (enum eyrie_dataflow)(i % EYRIE_DATAFLOW_COUNT);
		assert_int_equal(eyr_sched_plan(&a, &s, &o, &any, err, sizeof(err)), 0);
		o.whole_rows = 1;
		assert_int_equal(eyr_sched_plan(&a, &s, &o, &whole, err, sizeof(err)), 0);
		assert_int_equal(whole.map.tiles[EYR_DIM_F], 1);
		assert_true(eyr_objective_value(o.objective, &whole.cost) >=
			    eyr_objective_value(o.objective, &any.cost));
		f_tiled += any.map.tiles[EYR_DIM_F] > 1;
		a.events = i % 2;
		snprintf(what, sizeof(what), "whole%d", i);
		whole_rows_mode = 1;
		check_fast_equals_exhaustive(&a, &s, (enum eyrie_dataflow)(i % EYRIE_DATAFLOW_COUNT),
					     all_objs[i % NOBJS], what);
		whole_rows_mode = 0;
	}
	/* the restriction cut something */
	assert_true(f_tiled > 0);
}

/*
 * opts.sparse_choose: the choices between searches made on the sparse
 * cost. MobileNetV2's b2_expand (16 -> 96 channels, 112 x 112) tiles F in
 * its dense optimum, so its output cannot be stored coded; with
 * sparse_choose the whole-row plan carries it, and the plan is exact and
 * the same for the fast and the exhaustive search (small layers). Its
 * b1_dw (depthwise, 32 groups at 112 x 112) runs one group at a time in the
 * dense optimum (its DMA hides the array); coded at 70 % zeros the DMA no
 * longer does, and the plan chosen on the sparse cost is faster.
 */
static void test_sparse_choose(void **state)
{
	struct eyr_arch a;
	struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
	struct eyr_layer_shape s;
	struct eyr_plan plain, chosen, exh;
	char err[256];

	(void)state;
	st_default_arch(&a);
	a.events = a.in_ring = a.zero_gate = a.rle_dma = 1;
	o.zero_gate = 1;
	o.zero_fraction = 0.7;
	o.out_zero_fraction = 0.7;
	o.rle_out = EYR_RLE_OUT_ROW;
	s = st_conv(1, 16, 96, 112, 1, 1, 0, 1);
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &plain, err, sizeof(err)), 0);
	assert_true(plain.map.tiles[EYR_DIM_F] > 1);
	assert_int_equal(plain.rle_out_rows, 0);
	o.sparse_choose = 1;
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &chosen, err, sizeof(err)), 0);
	assert_int_equal(chosen.map.tiles[EYR_DIM_F], 1);
	assert_int_equal(chosen.rle_out_rows, 1);
	assert_true(chosen.cost.dram_words < plain.cost.dram_words);
	/* dense: the chosen mapping's own figures, not below the dense optimum */
	assert_true(chosen.dense.energy_total_fj >= plain.dense.energy_total_fj);

	s = st_conv(1, 32, 32, 112, 3, 1, 1, 32);
	o.rle_in_rows = 1;
	o.sparse_choose = 0;
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &plain, err, sizeof(err)), 0);
	o.sparse_choose = 1;
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &chosen, err, sizeof(err)), 0);
	assert_true(chosen.rle_in_rows && chosen.rle_out_rows);
	assert_true(chosen.cost.cycles < plain.cost.cycles);
	assert_true(chosen.cost.energy_total_fj <= plain.cost.energy_total_fj ||
		    (!plain.rle_in_rows || !plain.rle_out_rows));

	/*
	 * fast == exhaustive through the chooser, on small copies (barriers:
	 * quick), under the energy objective and the DRAM one (the coded words)
	 */
	a.events = 0;
	for (int i = 0; i < 4; i++) {
		s = i % 2 ? st_conv(1, 4, 4, 14, 3, 1, 1, 4) : st_conv(1, 4, 8, 14, 1, 1, 0, 1);
		a.glb_bytes = i % 2 ? 1024 : 1536;
		o.rle_in_rows = (uint32_t)(i % 2);
		o.objective = i < 2 ? EYR_OBJ_ENERGY : EYR_OBJ_DRAM;
		o.exhaustive = 0;
		assert_int_equal(eyr_sched_plan(&a, &s, &o, &chosen, err, sizeof(err)), 0);
		o.exhaustive = 1;
		assert_int_equal(eyr_sched_plan(&a, &s, &o, &exh, err, sizeof(err)), 0);
		assert_int_equal(chosen.cost.energy_total_fj, exh.cost.energy_total_fj);
		assert_int_equal(chosen.cost.cycles, exh.cost.cycles);
		assert_int_equal(chosen.cost.dram_words, exh.cost.dram_words);
		assert_int_equal(chosen.rle_in_rows, exh.rle_in_rows);
		assert_int_equal(chosen.rle_out_rows, exh.rle_out_rows);
	}
}

/* Predicted DRAM traffic is never below the compulsory traffic, nor cycles below their floor. */
static void test_lower_bound(void **state)
{
	struct st_layer *ls = NULL;
	struct eyr_arch a;
	int n, i, df;

	(void)state;
	st_default_arch(&a);
	/* full-size layers of layers.csv, every dataflow on a rotation */
	n = st_load_layers(&ls, getenv("SCHED_FULL") ? 1 : 4, getenv("SCHED_FULL") ? 1 : 2);
	assert_true(n > 100);
	for (i = 0; i < n; i += getenv("SCHED_FULL") ? 1 : 7) {
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		struct eyr_plan p;
		char err[256];

		df = i % EYRIE_DATAFLOW_COUNT;
		o.dataflow = (enum eyrie_dataflow)df;
		/* every other layer overlapped, with rings (the device's default) */
		a.events = a.in_ring = (i / 7) % 2;
		/* every third under the DRAM objective, whose plans obey the same floors */
		o.objective = (i / 7) % 3 == 2 ? EYR_OBJ_DRAM : EYR_OBJ_ENERGY;
		assert_int_equal(eyr_sched_plan(&a, &ls[i].shape, &o, &p, err, sizeof(err)), 0);
		if (p.cost.dram_words < p.lb_dram_words || p.cost.dram_bytes < p.lb_dram_bytes)
			fail_msg("%s/%s: %llu words below the bound %llu", ls[i].net, ls[i].name,
				 (unsigned long long)p.cost.dram_words,
				 (unsigned long long)p.lb_dram_words);
		/*
		 * nor the cycles below the latency floor of bench-mapper: the
		 * MACs over all PEs (array time line) and the compulsory bytes
		 * over the DRAM port (DMA time line)
		 */
		if (p.cost.cycles * a.pe_rows * a.pe_cols < p.cost.macs ||
		    p.cost.cycles * a.dram_bytes_per_cycle < p.lb_dram_bytes)
			fail_msg("%s/%s: %llu cycles below the floor (%llu MACs, %llu bytes)",
				 ls[i].net, ls[i].name, (unsigned long long)p.cost.cycles,
				 (unsigned long long)p.cost.macs,
				 (unsigned long long)p.lb_dram_bytes);
		assert_true(p.cost.macs == eyr_layer_out_h(&ls[i].shape) * eyr_layer_out_w(&ls[i].shape) *
			    (uint64_t)ls[i].shape.n * ls[i].shape.m * (ls[i].shape.c / ls[i].shape.groups) *
			    ls[i].shape.r * ls[i].shape.s || ls[i].shape.op == EYR_LAYER_FC);
	}
	free(ls);
}

/*
 * The fused latency floors of bench-mapper (eyr_chain_network_floor) on
 * MobileNetV2 of layers.csv: the per-layer floor is the sum of each
 * plan's floor (MACs over all PEs, compulsory bytes over the DRAM port),
 * a chain of one layer has the plan's compulsory traffic, and the fused
 * floors are those of the fusion study's arithmetic (docs/scheduler.md
 * "Layer fusion": 13.499, 9.819, 10.843 and 10.351 ms at 200 MHz), none
 * above the per-layer floor.
 */
static void test_fused_floor(void **state)
{
	struct st_layer *ls = NULL;
	struct eyr_layer_shape sh[64];
	struct eyr_arch a;
	uint64_t per_layer = 0, pes, f0, full, dwp, edw, db;
	unsigned int k = 0;
	int n, i;

	(void)state;
	st_default_arch(&a);
	a.events = a.flex_noc = a.in_ring = 1;
	pes = (uint64_t)a.pe_rows * a.pe_cols;
	n = st_load_layers(&ls, 1, 1);
	assert_true(n > 100);
	for (i = 0; i < n; i++) {
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		struct eyr_plan p;
		uint64_t words, bytes, pk, dbc;
		char err[256];

		if (strcmp(ls[i].net, "mobilenetv2"))
			continue;
		assert_true(k < sizeof(sh) / sizeof(sh[0]));
		sh[k++] = ls[i].shape;
		assert_int_equal(eyr_sched_plan(&a, &ls[i].shape, &o, &p, err, sizeof(err)), 0);
		eyr_chain_bound(&ls[i].shape, 1, 1, 0, &words, &bytes);
		assert_int_equal(words, p.lb_dram_words);
		assert_int_equal(bytes, p.lb_dram_bytes);
		pk = (p.cost.macs + pes - 1) / pes;
		dbc = (p.lb_dram_bytes + a.dram_bytes_per_cycle - 1) / a.dram_bytes_per_cycle;
		per_layer += pk > dbc ? pk : dbc;
	}
	assert_int_equal(k, 53);
	assert_int_equal(a.clock_khz, 200000);
	f0 = eyr_chain_network_floor(&a, sh, k, 0, &db);
	full = eyr_chain_network_floor(&a, sh, k, EYR_LINKS_FULL, NULL);
	dwp = eyr_chain_network_floor(&a, sh, k, EYR_LINK_MASK(EYR_LINK_DW_P), NULL);
	edw = eyr_chain_network_floor(&a, sh, k, EYR_LINK_MASK(EYR_LINK_E_DW), NULL);
	assert_int_equal(f0, per_layer);
	/* the study's script, cycles at 200 MHz */
	assert_int_equal(f0, 2699852);		/* 13.499 ms */
	assert_int_equal(full, 1963748);	/* 9.819 ms */
	assert_int_equal(dwp, 2168638);		/* 10.843 ms */
	assert_int_equal(edw, 2070220);		/* 10.351 ms */
	assert_true(full <= dwp && full <= edw && dwp <= f0 && edw <= f0);
	/* 16 DW->P links (b1-b17), 16 E->DW links (b2-b17), nothing else */
	for (i = 0, n = 0; i + 1 < (int)k; i++) {
		enum eyr_chain_link l = eyr_chain_link(&sh[i], &sh[i + 1]);

		if (l == EYR_LINK_DW_P)
			n += 100;
		else if (l == EYR_LINK_E_DW)
			n += 1;
	}
	assert_int_equal(n, 17 * 100 + 16);
	free(ls);
}

static uint64_t chain_rng = 0x2545f4914f6cdd1dull;

static uint32_t chain_rnd(uint32_t lo, uint32_t hi)
{
	chain_rng ^= chain_rng << 13;
	chain_rng ^= chain_rng >> 7;
	chain_rng ^= chain_rng << 17;
	return lo + (uint32_t)(chain_rng >> 16) % (hi - lo + 1);
}

/* A random DW->P chain (the depthwise 3x3, stride 1 or 2, and the 1x1). */
static void random_chain(struct eyr_layer_shape *dw, struct eyr_layer_shape *pw, uint32_t cmax,
			 uint32_t hmax)
{
	uint32_t C = chain_rnd(1, cmax);

	*dw = st_conv(chain_rnd(1, 2), C, C, 1, 3, chain_rnd(1, 2), 1, C);
	dw->h = chain_rnd(3, hmax);
	dw->w = chain_rnd(3, hmax);
	dw->pad_b = chain_rnd(0, 1);
	dw->pad_r = chain_rnd(0, 1);
	*pw = st_conv(dw->n, C, chain_rnd(1, cmax), 1, 1, 1, 0, 1);
	pw->h = eyr_layer_out_h(dw);
	pw->w = eyr_layer_out_w(dw);
}

/* A chain plan's traffic and time are never below the chain's compulsory ones. */
static void check_chain_bound(const struct eyr_arch *a, const struct eyr_chain_plan *p)
{
	uint64_t w, b;
	struct eyr_layer_shape pair[2] = { p->dw, p->pw };

	assert_true(p->cost.dram_words >= p->lb_dram_words);
	assert_true(p->cost.dram_bytes >= p->lb_dram_bytes);
	assert_true(p->cost.cycles * a->dram_bytes_per_cycle >= p->lb_dram_bytes);
	assert_true(p->cost.cycles * a->pe_rows * a->pe_cols >= p->cost.macs);
	/* and the bound is the chain's: below the two layers' own bounds summed */
	eyr_chain_bound(pair, 2, 0, 0, &w, &b);
	assert_true(p->lb_dram_words >= w);
	assert_true(p->lb_dram_words < p->layer[0].lb_dram_words + p->layer[1].lb_dram_words);
}

/*
 * DW->P chains: the fast search (tilings in the order of a floor, pruned
 * by floors) finds the plan the exhaustive one does, on random chains
 * (small GLBs, events on and off, every objective and dataflow) and on
 * MobileNetV2's seventeen pairs (channels and sizes scaled down), and
 * every chain plan is above the chain's compulsory traffic and time.
 */
/*
 * The chain search keeps to the planning budget, as a layer's does. A pair
 * whose chain search takes 0.2 s unbudgeted (512 channels, 512 x 1; more
 * under ASan) under 20 ms of CPU: the layers' own searches return their
 * best so far, the chain's stops with its best so far (marked) or none
 * (-ETIME, the compiler then runs the layers apart).
 */
static void test_chain_budget(void **state)
{
	struct eyr_chain_plan *p = malloc(sizeof(*p));
	struct eyr_layer_shape dw = { .op = EYR_LAYER_CONV, .n = 1, .c = 512, .m = 512, .h = 512,
				      .w = 1, .r = 3, .s = 3, .stride_h = 1, .stride_w = 1,
				      .pad_t = 1, .pad_b = 1, .pad_l = 1, .pad_r = 1, .dil_h = 1,
				      .dil_w = 1, .groups = 512 };
	struct eyr_layer_shape pw = { .op = EYR_LAYER_CONV, .n = 1, .c = 512, .m = 512, .h = 512,
				      .w = 1, .r = 1, .s = 1, .stride_h = 1, .stride_w = 1,
				      .dil_h = 1, .dil_w = 1, .groups = 1 };
	struct eyr_sched_opts od = EYR_SCHED_OPTS_INIT, op = EYR_SCHED_OPTS_INIT;
	struct eyr_arch a;
	char err[256] = "";
	int ret;

	(void)state;
	assert_non_null(p);
	st_default_arch(&a);
	/*
	 * The layers' own searches share the budget and must find a mapping
	 * within it: under ASan 20 ms may not do, so the budget grows until
	 * they do (the chain's unbudgeted search stays far above it)
	 */
	for (uint64_t us = 20000; us <= 640000; us *= 4) {
		od.max_time_us = op.max_time_us = us;
		ret = eyr_chain_plan(&a, &dw, &pw, &od, &op, p, err, sizeof(err));
		print_message("# chain under %llu ms: %d, %s, %llu us\n",
			      (unsigned long long)us / 1000, ret,
			      ret ? err : p->search.budget_exhausted ? "best so far" : "complete",
			      (unsigned long long)p->search.time_us);
		if (!(ret == -ETIME && !strstr(err, "no chain mapping")))
			break;
	}
	assert_true((ret == -ETIME && strstr(err, "no chain mapping")) ||
		    (ret == 0 && p->search.budget_exhausted));
	free(p);
}

static void test_chain_fast_equals_exhaustive(void **state)
{
	struct st_layer *ls = NULL;
	struct eyr_chain_plan *f = malloc(sizeof(*f)), *x = malloc(sizeof(*x));
	/* fewer cases and smaller MobileNetV2 channels as the scale grows (ASan) */
	unsigned int cases = getenv("SCHED_FULL") ? 200 : 384 / scale(), k, planned = 0, pruned = 0;
	int n, i, nets = 0;

	(void)state;
	assert_non_null(f);
	assert_non_null(x);
	n = st_load_layers(&ls, scale(), 4);
	assert_true(n > 100);
	for (k = 0; k < cases + (unsigned int)n; k++) {
		struct eyr_arch a;
		struct eyr_layer_shape dw, pw;
		struct eyr_sched_opts od = EYR_SCHED_OPTS_INIT, op = EYR_SCHED_OPTS_INIT;
		char err[256];
		int ret;

		st_default_arch(&a);
		if (k < cases) {
			random_chain(&dw, &pw, 24, 20);
			if (chain_rnd(0, 1))
				a.glb_bytes = chain_rnd(1536, 8192);
			a.events = chain_rnd(0, 1);
			a.flex_noc = chain_rnd(0, 1);
			a.in_ring = chain_rnd(0, 1);
			od.objective = (enum eyr_objective)chain_rnd(0, EYR_OBJECTIVES - 1);
			od.dataflow = (enum eyrie_dataflow)chain_rnd(0, EYRIE_DATAFLOW_COUNT - 1);
			od.per_channel = chain_rnd(0, 1);
			op.no_bias = chain_rnd(0, 1);
		} else {
			i = (int)(k - cases);
			if (i + 1 >= n || strcmp(ls[i].net, "mobilenetv2") ||
			    eyr_chain_link(&ls[i].shape, &ls[i + 1].shape) != EYR_LINK_DW_P)
				continue;
			dw = ls[i].shape;
			pw = ls[i + 1].shape;
			a.events = a.flex_noc = a.in_ring = 1;
			nets++;
		}
		od.no_cache = op.no_cache = 1;
		ret = eyr_chain_plan(&a, &dw, &pw, &od, &op, f, err, sizeof(err));
		if (ret == -ENOSPC)
			continue;
		assert_int_equal(ret, 0);
		od.exhaustive = 1;
		assert_int_equal(eyr_chain_plan(&a, &dw, &pw, &od, &op, x, err, sizeof(err)), 0);
		if (memcmp(&f->map, &x->map, sizeof(f->map)) ||
		    memcmp(&f->cost, &x->cost, sizeof(f->cost)))
			fail_msg("chain n%u c%u m%u %ux%u s%u %s %s glb %u: fast B%u t%u (%llu fJ, %llu cycles) exhaustive B%u t%u (%llu fJ, %llu cycles)",
				 dw.n, dw.c, pw.m, dw.h, dw.w, dw.stride_h,
				 eyr_objective_name(od.objective), eyr_dataflow_name(od.dataflow),
				 a.glb_bytes, f->map.band, f->map.ctile,
				 (unsigned long long)f->cost.energy_total_fj,
				 (unsigned long long)f->cost.cycles, x->map.band, x->map.ctile,
				 (unsigned long long)x->cost.energy_total_fj,
				 (unsigned long long)x->cost.cycles);
		assert_int_equal(f->fused, x->fused);
		check_chain_bound(&a, f);
		planned++;
		pruned += f->search.pruned > 0;
	}
	print_message("# %u chains planned alike fast and exhaustive (%d of MobileNetV2), %u with tilings pruned\n",
		      planned, nets, pruned);
	assert_true(nets >= 10);
	assert_true(planned > cases / 2 && pruned > planned / 2);
	free(ls);
	free(f);
	free(x);
}

/*
 * The chain mapspace by brute force: every mapping eyr_chain_cost accepts
 * (every band height and channel tile, not only the balanced ones the
 * search takes, both project modes, weights resident or not, barriers and
 * every double buffer choice): none is better than the plan among those
 * of balanced sizes, the plan's own mapping costs what the plan says, and
 * the mappings that do not fit are refused with -ENOSPC.
 */
static void test_chain_mapspace(void **state)
{
	struct eyr_chain_plan *p = malloc(sizeof(*p)), *q = malloc(sizeof(*q));
	unsigned int k, costed = 0, refused = 0;

	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	chain_rng = 0x9e3779b97f4a7c15ull;	/* the same chains whatever ran before */
	for (k = 0; k < 8; k++) {
		struct eyr_arch a;
		struct eyr_layer_shape dw, pw;
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		uint32_t E, C, B, t, mode, v;
		char err[256];

		st_default_arch(&a);
		random_chain(&dw, &pw, 12, 12);
		a.glb_bytes = chain_rnd(1024, 4096);
		a.events = k % 2;
		a.in_ring = 1;
		o.objective = (enum eyr_objective)(k % EYR_OBJECTIVES);
		if (eyr_chain_plan(&a, &dw, &pw, &o, &o, p, err, sizeof(err)))
			continue;
		E = eyr_layer_out_h(&dw);
		C = dw.c;
		*q = *p;
		assert_int_equal(eyr_chain_cost(&a, q), 0);
		assert_memory_equal(&q->cost, &p->cost, sizeof(q->cost));
		for (B = 1; B <= E; B++)
		for (t = 1; t <= C; t++)
		for (mode = 0; mode < 6; mode++)
		for (v = 0; v < 9; v++) {
			int ret, balanced = B == (E + (E + B - 1) / B - 1) / ((E + B - 1) / B) &&
					    t == (C + (C + t - 1) / t - 1) / ((C + t - 1) / t);

			*q = *p;
			q->map.band = B;
			q->map.bands = (E + B - 1) / B;
			q->map.ctile = t;
			q->map.ctiles = (C + t - 1) / t;
			q->map.w_resident = mode % 3 != 1;
			q->map.proj_whole = mode % 3 == 2;
			q->map.in_ring = mode >= 3;
			q->map.events = v > 0;
			q->map.dbuf = (uint8_t)(v ? v - 1 : 0);
			ret = eyr_chain_cost(&a, q);
			if (ret == -ENOSPC) {
				refused++;
				continue;
			}
			if (ret == -EINVAL)
				continue;	/* outside the mapspace (or events without the cap) */
			assert_int_equal(ret, 0);
			costed++;
			check_chain_bound(&a, q);
			if (balanced && eyr_objective_better(o.objective, &q->cost, &p->cost))
				fail_msg("B%u t%u mode %u v%u beats the plan B%u t%u", B, t, mode, v,
					 p->map.band, p->map.ctile);
		}
	}
	print_message("# %u chain mappings costed, %u refused (GLB)\n", costed, refused);
	assert_true(costed > 1000 && refused > 0);
	free(p);
	free(q);
}

/*
 * The DRAM objective: no plan of another objective moves fewer DRAM words
 * (the representative layers on the default device with events, rings and
 * the flexible NoC, and on 4-12 KiB GLBs, every dataflow), and where the
 * energy objective trades words for on-chip energy it moves fewer: AlexNet
 * CONV5 at batch 4, whose energy plan spills psums (docs/scheduler.md).
 */
static void test_dram_objective(void **state)
{
	struct eyr_arch a;
	struct eyr_layer_shape conv5 = st_conv(4, 384, 256, 13, 3, 1, 1, 2);
	struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
	struct eyr_plan pe, pd;
	enum eyr_objective obj;
	char err[256];
	int i, fewer = 0, k;

	(void)state;
	assert_int_equal(eyr_objective_parse("dram", &obj), 0);
	assert_int_equal(obj, EYR_OBJ_DRAM);
	assert_string_equal(eyr_objective_name(EYR_OBJ_DRAM), "dram");
	assert_int_equal(eyr_objective_parse("words", &obj), -EINVAL);
	o.objective = (enum eyr_objective)EYR_OBJECTIVES;
	st_default_arch(&a);
	assert_int_equal(eyr_sched_plan(&a, &conv5, &o, &pd, err, sizeof(err)), -EINVAL);
	a.events = a.in_ring = a.flex_noc = 1;
	for (i = 0; i < 2 * REP_LAYERS; i++) {
		struct eyr_layer_shape s = rep_layer(i % REP_LAYERS, i < REP_LAYERS ? 4 : 2 * scale());

		a.glb_bytes = i < REP_LAYERS ? 108 * 1024 : (i % 2 ? 4096 : 12288);
		a.stream_bytes = i % 3 ? 2048 : 0;
		o.dataflow = (enum eyrie_dataflow)(i % EYRIE_DATAFLOW_COUNT);
		o.objective = EYR_OBJ_DRAM;
		assert_int_equal(eyr_sched_plan(&a, &s, &o, &pd, err, sizeof(err)), 0);
		assert_true(pd.cost.dram_words >= pd.lb_dram_words);
		for (k = 0; k < NOBJS - 1; k++) {
			o.objective = all_objs[k];
			assert_int_equal(eyr_sched_plan(&a, &s, &o, &pe, err, sizeof(err)), 0);
			if (pe.cost.dram_words < pd.cost.dram_words)
				fail_msg("rep%d %s: %s plan %llu DRAM words, dram plan %llu", i,
					 eyr_dataflow_name(o.dataflow), eyr_objective_name(all_objs[k]),
					 (unsigned long long)pe.cost.dram_words,
					 (unsigned long long)pd.cost.dram_words);
			fewer += k == 0 && pd.cost.dram_words < pe.cost.dram_words;
		}
	}
	print_message("# %d of %d dram plans move fewer words than the energy plan\n", fewer,
		      2 * REP_LAYERS);
	assert_true(fewer > 0);
	st_default_arch(&a);
	a.events = a.in_ring = a.flex_noc = 1;
	o.dataflow = EYRIE_DATAFLOW_RS;
	o.objective = EYR_OBJ_ENERGY;
	assert_int_equal(eyr_sched_plan(&a, &conv5, &o, &pe, err, sizeof(err)), 0);
	o.objective = EYR_OBJ_DRAM;
	assert_int_equal(eyr_sched_plan(&a, &conv5, &o, &pd, err, sizeof(err)), 0);
	print_message("# AlexNet CONV5 b4: energy plan %llu words %llu fJ, dram plan %llu words %llu fJ (bound %llu)\n",
		      (unsigned long long)pe.cost.dram_words,
		      (unsigned long long)pe.cost.energy_total_fj,
		      (unsigned long long)pd.cost.dram_words,
		      (unsigned long long)pd.cost.energy_total_fj,
		      (unsigned long long)pd.lb_dram_words);
	assert_true(eyr_map_spills(&pe.map));
	assert_true(pd.cost.dram_words < pe.cost.dram_words);
	assert_true(pd.cost.energy_total_fj > pe.cost.energy_total_fj);
}

/* The stream has the commands the model counted, in bounds of the GLB. */
static void test_emit_matches_model(void **state)
{
	struct eyr_arch a;
	int i;

	(void)state;
	st_default_arch(&a);
	for (i = 0; i < REP_LAYERS; i++) {
		struct eyr_layer layer = { .name = "t" };
		struct eyr_layer_bufs bufs = { 0x100000, 0, 0x4000000, 0x5000000, 0x6000000, 0x7000000 };
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		struct eyr_cmdbuf cb = { 0 };
		struct eyr_plan p;
		uint32_t k, passes = 0, loads = 0;
		char err[256];

		layer.shape = rep_layer(i, scale());
		bufs.psum = 0x8000000;
		layer.quant.has_bias = 1;
		layer.quant.per_channel = i & 1;
		layer.quant.mult = 1 << 30;
		layer.quant.shift = 8;
		layer.quant.clamp_min = -128;
		layer.quant.clamp_max = 127;
		o.per_channel = i & 1;
		o.dataflow = (enum eyrie_dataflow)(i % EYRIE_DATAFLOW_COUNT);
		assert_int_equal(eyr_sched_plan(&a, &layer.shape, &o, &p, err, sizeof(err)), 0);
		assert_int_equal(eyr_sched_emit(&a, &p, &layer, &bufs, &cb), 0);
		assert_int_equal(cb.count, p.cost.cmds);
		for (k = 0; k < cb.count; k++) {
			const union eyrie_cmd *c = &cb.cmds[k];

			if (c->hdr.opcode == EYRIE_OP_CONV || c->hdr.opcode == EYRIE_OP_FC) {
				passes++;
				assert_int_equal(c->hdr.dataflow, o.dataflow);
				/* placeable: the sets tile the mesh (docs/hardware.md 7.2) */
				assert_true((uint64_t)c->conv.map.sets_m * c->conv.map.sets_c <=
					    eyrie_pe_set_slots(a.pe_rows, a.pe_cols,
							       c->conv.map.spatial_r,
							       c->conv.map.spatial_e));
			} else if (c->hdr.opcode == EYRIE_OP_DMA_LOAD) {
				uint64_t end = (c->dma.glb_addr & ~EYRIE_ADDR_STREAM) +
					       ((uint64_t)c->dma.count[3] - 1) * c->dma.glb_stride[3] +
					       ((uint64_t)c->dma.count[2] - 1) * c->dma.glb_stride[2] +
					       ((uint64_t)c->dma.count[1] - 1) * c->dma.glb_stride[1] +
					       (uint64_t)c->dma.count[0] * c->dma.elem_bytes;

				loads++;
				assert_true(end <= ((c->dma.glb_addr & EYRIE_ADDR_STREAM) ?
						    a.stream_bytes : a.glb_bytes));
			}
		}
		assert_int_equal(cb.cmds[cb.count - 1].hdr.opcode, EYRIE_OP_BARRIER);
		{
			uint64_t tiles = 1;
			int d;

			for (d = 0; d < EYR_DIMS; d++)
				tiles *= p.map.tiles[d];
			assert_int_equal(passes, tiles);
		}
		assert_true(loads >= 2);
		eyr_cmdbuf_release(&cb);
	}
}


/* The plan cache hands out the same plan; threads may plan concurrently. */
struct thr_arg {
	const struct eyr_arch *a;
	int id;
	struct eyr_plan plan[REP_LAYERS];
	int ret;
};

static void *thr_plan(void *p)
{
	struct thr_arg *t = p;
	int i;

	for (i = 0; i < REP_LAYERS; i++) {
		struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
		struct eyr_layer_shape s = rep_layer((i + t->id) % REP_LAYERS, 2 * scale());
		char err[256];

		o.dataflow = (enum eyrie_dataflow)((i + t->id) % EYRIE_DATAFLOW_COUNT);
		t->ret |= eyr_sched_plan(t->a, &s, &o, &t->plan[(i + t->id) % REP_LAYERS], err,
					 sizeof(err));
	}
	return NULL;
}

static void test_cache_and_threads(void **state)
{
	struct eyr_sched_opts o = EYR_SCHED_OPTS_INIT;
	struct eyr_layer_shape s = rep_layer(4, scale());
	struct thr_arg t[4];
	pthread_t th[4];
	struct eyr_plan p1, p2;
	struct eyr_arch a;
	char err[256];
	int i, k;

	(void)state;
	st_default_arch(&a);
	o.no_cache = 1;
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &p1, err, sizeof(err)), 0);
	assert_int_equal(p1.search.cached, 0);
	o.no_cache = 0;
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &p2, err, sizeof(err)), 0);
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &p2, err, sizeof(err)), 0);
	assert_int_equal(p2.search.cached, 1);
	assert_memory_equal(&p1.map, &p2.map, sizeof(p1.map));
	assert_memory_equal(&p1.cost, &p2.cost, sizeof(p1.cost));
	/* another arch is another key */
	a.glb_bytes /= 2;
	assert_int_equal(eyr_sched_plan(&a, &s, &o, &p2, err, sizeof(err)), 0);
	assert_int_equal(p2.search.cached, 0);
	a.glb_bytes *= 2;

	for (i = 0; i < 4; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].a = &a;
		t[i].id = i;
		assert_int_equal(pthread_create(&th[i], NULL, thr_plan, &t[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].ret, 0);
	}
	/* every thread got the same plan for the same (layer, dataflow) */
	for (i = 1; i < 4; i++)
		for (k = 0; k < REP_LAYERS; k++)
			if (t[i].plan[k].map.dataflow == t[0].plan[k].map.dataflow)
				assert_int_equal(t[i].plan[k].cost.energy_total_fj,
						 t[0].plan[k].cost.energy_total_fj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arch_file),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_mapspace_complete),
		cmocka_unit_test(test_pass_floors_admissible),
		cmocka_unit_test(test_fast_equals_exhaustive_rs),
		cmocka_unit_test(test_fast_equals_exhaustive_other),
		cmocka_unit_test(test_fast_equals_exhaustive_small_glb),
		cmocka_unit_test(test_fast_equals_exhaustive_spill),
		cmocka_unit_test(test_fast_equals_exhaustive_in_ring),
		cmocka_unit_test(test_spill_chosen),
		cmocka_unit_test(test_fast_equals_exhaustive_csv),
		cmocka_unit_test(test_fast_equals_exhaustive_whole_rows),
		cmocka_unit_test(test_sparse_choose),
		cmocka_unit_test(test_lower_bound),
		cmocka_unit_test(test_fused_floor),
		cmocka_unit_test(test_chain_fast_equals_exhaustive),
		cmocka_unit_test(test_chain_budget),
		cmocka_unit_test(test_chain_mapspace),
		cmocka_unit_test(test_dram_objective),
		cmocka_unit_test(test_emit_matches_model),
		cmocka_unit_test(test_cache_and_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
