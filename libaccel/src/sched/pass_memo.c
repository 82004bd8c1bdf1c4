// SPDX-License-Identifier: MIT
/*
 * The best array mapping per pass shape, shared by all searches.
 *
 * eyr_pass_best is a pure function of the architecture, the filter's
 * geometry (R, S, strides, dilations), the dataflow, the objective, the pass
 * shape and the placements; nothing else of the layer reaches it. Layers of
 * a network differ in their extents but their tilings bring in the same
 * pass shapes again and again (every 3x3 stride-1 layer with the same tile
 * of 64 channels and 14 rows), which the plan cache (whole identical layers
 * only) does not catch. Entries are exact results, so a hit returns what
 * the search would have computed: plans do not depend on what was planned
 * before. Direct-mapped (a collision replaces the older entry), bounded
 * memory, thread-safe.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "sched/sched_internal.h"

#define PASS_MEMO_SLOTS 8192	/* power of two; ~2.5 MiB */

struct pass_memo_key {
	struct eyr_arch arch;		/* name zeroed: only the numbers matter */
	uint32_t r, s, sh, sw, dh, dw;
	uint32_t df, obj, in_place, w_place;
	struct eyr_pass_shape ps;
};

struct pass_memo_slot {
	int used;
	int ret;
	struct pass_memo_key key;
	struct eyrie_mapping map;
	struct eyr_pass_cost pc;
};

static struct pass_memo_slot pass_memo[PASS_MEMO_SLOTS];
static pthread_mutex_t pass_memo_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t key_hash(const struct pass_memo_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < sizeof(*k); i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 31);
}

int eyr_pass_best_shared(const struct eyr_arch *arch, const struct eyr_geom *g,
			 enum eyrie_dataflow df, enum eyr_objective obj,
			 const struct eyr_pass_shape *ps, enum eyr_place in_place,
			 enum eyr_place w_place, struct eyrie_mapping *map,
			 struct eyr_pass_cost *pc)
{
	struct pass_memo_key k;
	struct pass_memo_slot *slot;
	int ret;

	/* memset: the key is compared and hashed bytewise, padding included */
	memset(&k, 0, sizeof(k));
	k.arch = *arch;
	memset(k.arch.name, 0, sizeof(k.arch.name));
	k.r = g->r;
	k.s = g->s;
	k.sh = g->sh;
	k.sw = g->sw;
	k.dh = g->dh;
	k.dw = g->dw;
	k.df = (uint32_t)df;
	/* a pass moves no DRAM word: the DRAM objective ranks passes by energy */
	k.obj = (uint32_t)(obj == EYR_OBJ_DRAM ? EYR_OBJ_ENERGY : obj);
	k.in_place = (uint32_t)in_place;
	k.w_place = (uint32_t)w_place;
	k.ps = *ps;
	slot = &pass_memo[key_hash(&k) & (PASS_MEMO_SLOTS - 1)];

	pthread_mutex_lock(&pass_memo_lock);
	if (slot->used && !memcmp(&slot->key, &k, sizeof(k))) {
		ret = slot->ret;
		*map = slot->map;
		*pc = slot->pc;
		pthread_mutex_unlock(&pass_memo_lock);
		return ret;
	}
	pthread_mutex_unlock(&pass_memo_lock);

	memset(map, 0, sizeof(*map));
	memset(pc, 0, sizeof(*pc));
	ret = eyr_pass_best(arch, g, df, obj, ps, in_place, w_place, map, pc);
	/* out of memory is not a property of the shape: do not keep it */
	if (ret == -ENOMEM)
		return ret;
	pthread_mutex_lock(&pass_memo_lock);
	slot->used = 1;
	slot->ret = ret;
	slot->key = k;
	slot->map = *map;
	slot->pc = *pc;
	pthread_mutex_unlock(&pass_memo_lock);
	return ret;
}

void eyr_pass_memo_clear(void)
{
	pthread_mutex_lock(&pass_memo_lock);
	memset(pass_memo, 0, sizeof(pass_memo));
	pthread_mutex_unlock(&pass_memo_lock);
}
