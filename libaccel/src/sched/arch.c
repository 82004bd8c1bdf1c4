// SPDX-License-Identifier: MIT
/*
 * Architecture descriptions for the scheduler: from the device's
 * description, or from a user's architecture file (docs/scheduler.md,
 * "Architecture files"), so other designs can be explored without a device.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched.h"
#include "sched/sched_internal.h"

void eyr_arch_from_desc(struct eyr_arch *arch, const struct eyrie_hw_desc *d,
			uint64_t caps)
{
	memset(arch, 0, sizeof(*arch));
	snprintf(arch->name, sizeof(arch->name), "device");
	arch->pe_rows = d->pe_rows;
	arch->pe_cols = d->pe_cols;
	arch->rf_ifmap_words = d->rf_ifmap_words;
	arch->rf_filter_words = d->rf_filter_words;
	arch->rf_psum_words = d->rf_psum_words;
	arch->glb_bytes = d->glb_bytes;
	arch->stream_bytes = (caps & EYRIE_CAP_STREAM) ? d->stream_bytes : 0;
	arch->clock_khz = d->clock_khz;
	arch->dram_bytes_per_cycle = d->dram_bytes_per_cycle;
	arch->glb_bytes_per_cycle = d->glb_bytes_per_cycle;
	arch->noc_words_per_cycle = d->noc_words_per_cycle;
	memcpy(arch->energy_fj, d->energy_fj, sizeof(arch->energy_fj));
	arch->static_mw = d->static_mw;
	arch->max_cmds_per_job = d->max_cmds_per_job;
	arch->events = !!(caps & EYRIE_CAP_EVENTS);
	arch->zero_gate = !!(caps & EYRIE_CAP_ZERO_GATE);
	arch->rle_dma = !!(caps & EYRIE_CAP_RLE_DMA);
	arch->flex_noc = !!(caps & EYRIE_CAP_FLEX_NOC);
	arch->fp32_rq = !!(caps & EYRIE_CAP_FP32_REQUANT);
	arch->in_ring = !!(caps & EYRIE_CAP_IN_RING);
	arch->out_ring = !!(caps & EYRIE_CAP_OUT_RING);
}

void eyr_arch_to_desc(const struct eyr_arch *arch, struct eyrie_hw_desc *d)
{
	d->pe_rows = (__u16)arch->pe_rows;
	d->pe_cols = (__u16)arch->pe_cols;
	d->rf_ifmap_words = (__u16)arch->rf_ifmap_words;
	d->rf_filter_words = (__u16)arch->rf_filter_words;
	d->rf_psum_words = (__u16)arch->rf_psum_words;
	d->glb_bytes = arch->glb_bytes;
	d->stream_bytes = arch->stream_bytes;
	d->clock_khz = arch->clock_khz;
	d->dram_bytes_per_cycle = arch->dram_bytes_per_cycle;
	d->glb_bytes_per_cycle = arch->glb_bytes_per_cycle;
	d->noc_words_per_cycle = arch->noc_words_per_cycle;
	memcpy(d->energy_fj, arch->energy_fj, sizeof(d->energy_fj));
	d->static_mw = arch->static_mw;
	d->max_cmds_per_job = arch->max_cmds_per_job;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int eyr_arch_check(const struct eyr_arch *a, char *err, size_t errlen)
{
	if (!a->pe_rows || !a->pe_cols || a->pe_rows > 0xffff || a->pe_cols > 0xffff) {
		set_err(err, errlen, "arch '%s': pe_rows and pe_cols must be 1..65535", a->name);
		return -EINVAL;
	}
	if (!a->rf_ifmap_words || !a->rf_filter_words || !a->rf_psum_words) {
		set_err(err, errlen, "arch '%s': every RF size (rf_ifmap_words, rf_filter_words, rf_psum_words) must be at least 1",
			a->name);
		return -EINVAL;
	}
	if (a->glb_bytes < 64) {
		set_err(err, errlen, "arch '%s': glb_bytes = %u is too small to hold any tile (need at least 64)",
			a->name, a->glb_bytes);
		return -EINVAL;
	}
	if (!a->clock_khz || !a->dram_bytes_per_cycle || !a->glb_bytes_per_cycle ||
	    !a->noc_words_per_cycle) {
		set_err(err, errlen, "arch '%s': clock_khz and the bandwidths (dram_bytes_per_cycle, glb_bytes_per_cycle, noc_words_per_cycle) must be non-zero",
			a->name);
		return -EINVAL;
	}
	return 0;
}

struct arch_key {
	const char *name;
	size_t off;
	uint32_t max;
};

#define AK(f, mx) { #f, offsetof(struct eyr_arch, f), mx }
static const struct arch_key arch_keys[] = {
	AK(pe_rows, 0xffff), AK(pe_cols, 0xffff), AK(rf_ifmap_words, 0xffff),
	AK(rf_filter_words, 0xffff), AK(rf_psum_words, 0xffff),
	AK(glb_bytes, 0x7fffffff), AK(stream_bytes, 0x7fffffff),
	AK(clock_khz, 0xffffffff), AK(dram_bytes_per_cycle, 0xffffffff),
	AK(glb_bytes_per_cycle, 0xffffffff), AK(noc_words_per_cycle, 0xffffffff),
	AK(static_mw, 0xffffffff), AK(max_cmds_per_job, 0xffffffff), AK(events, 1),
	AK(zero_gate, 1), AK(rle_dma, 1),
	AK(flex_noc, 1), AK(fp32_rq, 1), AK(in_ring, 1), AK(out_ring, 1),
	{ "energy_dram_fj", offsetof(struct eyr_arch, energy_fj[EYRIE_ENERGY_DRAM]), 0xffffffff },
	{ "energy_glb_fj", offsetof(struct eyr_arch, energy_fj[EYRIE_ENERGY_GLB]), 0xffffffff },
	{ "energy_noc_fj", offsetof(struct eyr_arch, energy_fj[EYRIE_ENERGY_NOC]), 0xffffffff },
	{ "energy_rf_fj", offsetof(struct eyr_arch, energy_fj[EYRIE_ENERGY_RF]), 0xffffffff },
	{ "energy_mac_fj", offsetof(struct eyr_arch, energy_fj[EYRIE_ENERGY_MAC]), 0xffffffff },
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int eyr_arch_parse(struct eyr_arch *arch, const char *text, const char *what,
		   char *err, size_t errlen)
{
	struct eyr_arch a = *arch;
	char *copy = strdup(text), *line, *save = NULL;
	unsigned int lineno = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *hash = strchr(line, '#'), *eq, *key, *val, *end;
		unsigned long long v;
		size_t i;

		lineno++;	/* counts non-empty lines; strtok_r skips blank ones */
		if (hash)
			*hash = 0;
		line = trim(line);
		if (!*line)
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			set_err(err, errlen, "%s: line '%s': expected 'key = value'", what, line);
			ret = -EINVAL;
			break;
		}
		*eq = 0;
		key = trim(line);
		val = trim(eq + 1);
		if (!strcmp(key, "name")) {
			snprintf(a.name, sizeof(a.name), "%s", val);
			continue;
		}
		for (i = 0; i < sizeof(arch_keys) / sizeof(arch_keys[0]); i++)
			if (!strcmp(key, arch_keys[i].name))
				break;
		if (i == sizeof(arch_keys) / sizeof(arch_keys[0])) {
			set_err(err, errlen, "%s: unknown key '%s' (see docs/scheduler.md, \"Architecture files\", for the keys)",
				what, key);
			ret = -EINVAL;
			break;
		}
		errno = 0;
		v = strtoull(val, &end, 0);
		if (errno || end == val || *end || val[0] == '-' || v > arch_keys[i].max) {
			set_err(err, errlen, "%s: key '%s': '%s' is not an integer in 0..%u",
				what, key, val, arch_keys[i].max);
			ret = -EINVAL;
			break;
		}
		*(uint32_t *)((char *)&a + arch_keys[i].off) = (uint32_t)v;
	}
	free(copy);
	if (!ret)
		ret = eyr_arch_check(&a, err, errlen);
	if (!ret)
		*arch = a;
	return ret;
}

int eyr_arch_load(struct eyr_arch *arch, const char *path, char *err,
		  size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;
	int ret;

	if (!f) {
		ret = -errno;
		set_err(err, errlen, "cannot open architecture file '%s': %s", path, strerror(errno));
		return ret;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || len > EYR_ARCH_TEXT_MAX ||
	    fseek(f, 0, SEEK_SET)) {
		fclose(f);
		set_err(err, errlen, "architecture file '%s' is unreadable or larger than %u bytes", path,
			EYR_ARCH_TEXT_MAX);
		return -EINVAL;
	}
	text = calloc(1, (size_t)len + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		free(text);
		fclose(f);
		set_err(err, errlen, "short read on architecture file '%s'", path);
		return -EIO;
	}
	fclose(f);
	if (memchr(text, 0, (size_t)len)) {
		free(text);
		set_err(err, errlen, "architecture file '%s' is not text", path);
		return -EINVAL;
	}
	ret = eyr_arch_parse(arch, text, path, err, errlen);
	free(text);
	return ret;
}
