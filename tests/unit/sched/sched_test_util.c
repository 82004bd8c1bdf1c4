// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eyrie_sim.h"
#include "sched_test_util.h"

void st_default_arch(struct eyr_arch *a)
{
	struct eyrie_hw_desc d;

	eyrie_sim_default_desc(&d);
	eyr_arch_from_desc(a, &d, EYRIE_CAP_STREAM | EYRIE_CAP_FLEX_NOC);
}

struct eyr_layer_shape st_conv(uint32_t n, uint32_t c, uint32_t m, uint32_t h,
			       uint32_t r, uint32_t stride, uint32_t pad,
			       uint32_t groups)
{
	struct eyr_layer_shape s = {
		.op = EYR_LAYER_CONV, .n = n, .c = c, .m = m, .h = h, .w = h,
		.r = r, .s = r, .stride_h = stride, .stride_w = stride,
		.pad_t = pad, .pad_b = pad, .pad_l = pad, .pad_r = pad,
		.dil_h = 1, .dil_w = 1, .groups = groups,
	};
	return s;
}

struct eyr_layer_shape st_fc(uint32_t n, uint32_t c, uint32_t m)
{
	struct eyr_layer_shape s = {
		.op = EYR_LAYER_FC, .n = n, .c = c, .m = m, .h = 1, .w = 1,
		.r = 1, .s = 1, .stride_h = 1, .stride_w = 1, .dil_h = 1,
		.dil_w = 1, .groups = 1,
	};
	return s;
}

static uint32_t shrink(uint32_t v, unsigned int f, uint32_t min)
{
	uint32_t x = f > 1 ? (v + f - 1) / f : v;

	return x < min ? min : x;
}

int st_load_layers(struct st_layer **out, unsigned int scale_ch,
		   unsigned int scale_hw)
{
	const char *path = getenv("EYRIE_LAYERS_CSV");
	struct st_layer *v = NULL;
	char line[512];
	int n = 0, cap = 0;
	FILE *f;

	if (!path)
		path = EYRIE_LAYERS_CSV_DEFAULT;
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char net[32], name[32], type[16];
		unsigned int N, c, m, h, w, r, s, st, pad, g;
		struct st_layer *l;

		if (sscanf(line, "%31[^,],%31[^,],%15[^,],%u,%u,%u,%u,%u,%u,%u,%u,%u,%u",
			   net, name, type, &N, &c, &m, &h, &w, &r, &s, &st, &pad, &g) != 13)
			continue;	/* header */
		if (n == cap) {
			struct st_layer *nv;

			cap = cap ? 2 * cap : 64;
			nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv) {
				free(v);
				fclose(f);
				return -ENOMEM;
			}
			v = nv;
		}
		l = &v[n++];
		snprintf(l->net, sizeof(l->net), "%s", net);
		snprintf(l->name, sizeof(l->name), "%s", name);
		if (!strcmp(type, "fc")) {
			l->shape = st_fc(N, shrink(c, scale_ch, 1), shrink(m, scale_ch, 1));
		} else {
			uint32_t gg = g, cc = c, mm = m;

			if (g > 1 && g == c && g == m) {
				cc = mm = gg = shrink(c, scale_ch, 1);
			} else if (g > 1) {
				cc = g * shrink(c / g, scale_ch, 1);
				mm = g * shrink(m / g, scale_ch, 1);
			} else {
				cc = shrink(c, scale_ch, 1);
				mm = shrink(m, scale_ch, 1);
			}
			h = shrink(h, scale_hw, r > 1 ? r : 1);
			l->shape = st_conv(N, cc, mm, h, r, st, pad, gg);
			(void)w;
			(void)s;
		}
	}
	fclose(f);
	*out = v;
	return n;
}
