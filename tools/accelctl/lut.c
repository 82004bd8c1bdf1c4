// SPDX-License-Identifier: MIT
/* NetAdapt look-up tables: the CSV file, its validation, lookups (lut.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "errbuf.h"
#include "lut.h"

static const char *const domain_key[ACCEL_ENERGY_DOMAINS] = {
	"dram", "glb", "noc", "rf", "mac", "static",
};

/* Shape columns, in file order: the layer's full geometry. */
#define SHAPE_FIELDS(X) \
	X(n) X(c) X(m) X(h) X(w) X(r) X(s) X(stride_h) X(stride_w) \
	X(pad_t) X(pad_b) X(pad_l) X(pad_r) X(dil_h) X(dil_w) X(groups)
#define N_SHAPE 16
/* layer_index, layer, op, shape (c, m, groups as _full), bias, per_channel */
#define N_HEAD (3 + N_SHAPE + 2)
/* c, m, groups, 6 energies, cycles, dram_words, dram_bytes, macs */
#define N_POINT (3 + ACCEL_ENERGY_DOMAINS + 4)
#define N_COLS (N_HEAD + N_POINT)

static void shape_values(const struct accel_layer_spec *s, uint32_t *v)
{
	int k = 0;
#define GET(f) v[k++] = s->f;
	SHAPE_FIELDS(GET)
#undef GET
}

static void set_shape_values(struct accel_layer_spec *s, const uint32_t *v)
{
	int k = 0;
#define SET(f) s->f = v[k++];
	SHAPE_FIELDS(SET)
#undef SET
}

static bool same_layer(const struct accel_layer_spec *a, const struct accel_layer_spec *b)
{
	uint32_t va[N_SHAPE], vb[N_SHAPE];

	shape_values(a, va);
	shape_values(b, vb);
	return a->op == b->op && !a->no_bias == !b->no_bias && !a->per_channel == !b->per_channel &&
	       !memcmp(va, vb, sizeof(va));
}

uint64_t lut_fingerprint(const struct accel_layer_spec *specs, int n)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a 64 */

	for (int i = 0; i < n; i++) {
		uint32_t v[N_SHAPE + 3];

		shape_values(&specs[i], v);
		v[N_SHAPE] = (uint32_t)specs[i].op;
		v[N_SHAPE + 1] = !!specs[i].no_bias;
		v[N_SHAPE + 2] = !!specs[i].per_channel;
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			for (int b = 0; b < 4; b++) {
				h ^= (v[k] >> (8 * b)) & 0xff;
				h *= 0x100000001b3ull;
			}
	}
	return h;
}

struct lut_layer *lut_add_layer(struct lut *t, int index, const char *name,
				const struct accel_layer_spec *full)
{
	struct lut_layer *l;

	if (t->n_l == t->cap_l) {
		int cap = t->cap_l ? 2 * t->cap_l : 16;
		struct lut_layer *nl = realloc(t->l, (size_t)cap * sizeof(*nl));

		if (!nl)
			return NULL;
		t->l = nl;
		t->cap_l = cap;
	}
	l = &t->l[t->n_l++];
	memset(l, 0, sizeof(*l));
	l->index = index;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->full = *full;
	return l;
}

int lut_add_entry(struct lut_layer *l, uint32_t c, uint32_t m, uint32_t groups,
		  const struct accel_layer_stats *st)
{
	if (l->n_e == l->cap_e) {
		int cap = l->cap_e ? 2 * l->cap_e : 16;
		struct lut_entry *ne = realloc(l->e, (size_t)cap * sizeof(*ne));

		if (!ne)
			return -1;
		l->e = ne;
		l->cap_e = cap;
	}
	l->e[l->n_e++] = (struct lut_entry){ .c = c, .m = m, .groups = groups, .st = *st };
	return 0;
}

void lut_free(struct lut *t)
{
	for (int i = 0; i < t->n_l; i++)
		free(t->l[i].e);
	free(t->l);
	memset(t, 0, sizeof(*t));
}

/* A CSV field: quoted when it holds a comma, quote or newline. */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
	fputc('"', f);
}

/* The column header line (with its newline). */
static void write_columns(FILE *f)
{
	fputs("layer_index,layer,op", f);
#define HDR(fld) fputs(!strcmp(#fld, "c") || !strcmp(#fld, "m") || !strcmp(#fld, "groups") ? \
		       "," #fld "_full" : "," #fld, f);
	SHAPE_FIELDS(HDR)
#undef HDR
	fputs(",bias,per_channel,c,m,groups", f);
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		fprintf(f, ",energy_%s_fj", domain_key[d]);
	fputs(",cycles,dram_words,dram_bytes,macs\n", f);
}

/*
 * Checks a column header line against this version's: 0, or -1 with the
 * first column that is missing, extra or out of place named in err.
 */
static int check_columns(const char *line, const char *path, char *err, size_t len)
{
	char want[1024] = "", got[1024];
	FILE *m = fmemopen(want, sizeof(want) - 1, "w");
	char *sw, *sg, *cw, *cg;
	int col = 1;

	if (!m)
		return errbuf_set(err, len, "out of memory");
	write_columns(m);
	fclose(m);
	snprintf(got, sizeof(got), "%s", line);
	got[strcspn(got, "\r\n")] = 0;
	want[strcspn(want, "\r\n")] = 0;
	if (!strcmp(got, want))
		return 0;
	cw = strtok_r(want, ",", &sw);
	cg = strtok_r(got, ",", &sg);
	for (; cw && cg && !strcmp(cw, cg); col++) {
		cw = strtok_r(NULL, ",", &sw);
		cg = strtok_r(NULL, ",", &sg);
	}
	if (!cg)
		return errbuf_set(err, len, "%s: the column header has %d columns, version %d has more: column %d '%s' is missing; profile the model again",
				  path, col - 1, LUT_VERSION, col, cw);
	if (!cw)
		return errbuf_set(err, len, "%s: the column header has an extra column %d '%s'; profile the model again",
				  path, col, cg);
	return errbuf_set(err, len, "%s: column %d of the header is '%s', version %d has '%s' there (a missing or renamed column); profile the model again",
			  path, col, cg, LUT_VERSION, cw);
}

int lut_write_csv(const struct lut *t, FILE *f)
{
	int entries = 0;

	for (int i = 0; i < t->n_l; i++)
		entries += t->l[i].n_e;
	fprintf(f, "# %s version=%d\n", LUT_MAGIC, LUT_VERSION);
	fprintf(f, "# model=%s fingerprint=%016" PRIx64 " device=%s clock_khz=%u dataflow=%s layers=%d entries=%d\n",
		t->model, t->fingerprint, t->device, t->clock_khz, t->dataflow, t->n_l, entries);
	write_columns(f);
	for (int i = 0; i < t->n_l; i++) {
		const struct lut_layer *l = &t->l[i];
		uint32_t v[N_SHAPE];

		shape_values(&l->full, v);
		for (int k = 0; k < l->n_e; k++) {
			const struct lut_entry *e = &l->e[k];

			fprintf(f, "%d,", l->index);
			csv_field(f, l->name);
			fprintf(f, ",%s", l->full.op == ACCEL_LAYER_FC ? "fc" : "conv");
			for (int s = 0; s < N_SHAPE; s++)
				fprintf(f, ",%u", v[s]);
			fprintf(f, ",%d,%d,%u,%u,%u", !l->full.no_bias, !!l->full.per_channel,
				e->c, e->m, e->groups);
			for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
				fprintf(f, ",%" PRIu64, e->st.energy_fj[d]);
			fprintf(f, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", e->st.cycles,
				e->st.dram_words, e->st.dram_bytes, e->st.macs);
		}
	}
	return ferror(f) ? -1 : 0;
}


/* Splits a CSV line in place (quotes allowed); returns the field count. */
static int split_csv(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *out;

		if (n == max)
			return max + 1;
		if (*p == '"') {
			fields[n++] = out = ++p;
			for (;;) {
				if (!*p)
					return -1;	/* unterminated quote */
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p++;
				}
			}
			*out = 0;
			if (*p != ',' && *p)
				return -1;
		} else {
			fields[n++] = p;
			p += strcspn(p, ",");
		}
		if (!*p)
			return n;
		*p++ = 0;
	}
}

/* A whole unsigned decimal; "nan", signs, blanks and overflow refused. */
static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* key=value from a header line: the value's text up to a blank. */
static int header_value(const char *line, const char *key, char *out, size_t len)
{
	size_t kl = strlen(key);
	const char *p = line;

	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ') && p[kl] == '=') {
			size_t n = strcspn(p + kl + 1, " \n\r");

			snprintf(out, len, "%.*s", (int)n, p + kl + 1);
			return 0;
		}
		p += kl;
	}
	return -1;
}

static int read_headers(FILE *f, const char *path, struct lut *t, long *layers,
			long *entries, char *err, size_t len)
{
	char line[1024], v[256];

	if (!fgets(line, sizeof(line), f) || strncmp(line, "# " LUT_MAGIC " ", 2 + strlen(LUT_MAGIC) + 1))
		return errbuf_set(err, len, "%s is not a NetAdapt LUT (no '# %s' first line); write one with 'accelctl profile MODEL -o %s'",
			    path, LUT_MAGIC, path);
	if (header_value(line, "version", v, sizeof(v)))
		return errbuf_set(err, len, "%s: the first line has no version=N; profile the model again", path);
	t->version = atoi(v);
	if (t->version != LUT_VERSION)
		return errbuf_set(err, len, "%s has LUT version %s, this accelctl reads version %d; profile the model again with this accelctl",
			    path, v, LUT_VERSION);
	if (!fgets(line, sizeof(line), f) || line[0] != '#')
		return errbuf_set(err, len, "%s is truncated: the header line with model= and fingerprint= is missing; profile the model again",
			    path);
	if (header_value(line, "model", t->model, sizeof(t->model)) ||
	    header_value(line, "fingerprint", v, sizeof(v)) ||
	    header_value(line, "device", t->device, sizeof(t->device)) ||
	    header_value(line, "dataflow", t->dataflow, sizeof(t->dataflow)))
		return errbuf_set(err, len, "%s: the header lacks model=, fingerprint=, device= or dataflow=; profile the model again",
			    path);
	t->fingerprint = strtoull(v, NULL, 16);
	if (header_value(line, "clock_khz", v, sizeof(v)) || (t->clock_khz = (uint32_t)atol(v)) < 1)
		return errbuf_set(err, len, "%s: the header lacks a clock_khz= of at least 1; profile the model again",
			    path);
	if (header_value(line, "layers", v, sizeof(v)) || (*layers = atol(v)) < 1 ||
	    header_value(line, "entries", v, sizeof(v)) || (*entries = atol(v)) < 1)
		return errbuf_set(err, len, "%s: the header needs layers=N and entries=N of at least 1; profile the model again",
			    path);
	if (!fgets(line, sizeof(line), f) || strncmp(line, "layer_index,", 12))
		return errbuf_set(err, len, "%s is truncated: no column header line; profile the model again", path);
	return check_columns(line, path, err, len);
}

static int read_row(char *line, const char *path, int lineno, struct lut *t, char *err,
		    size_t len)
{
	char *fld[N_COLS + 1];
	uint64_t v[N_COLS];
	struct accel_layer_spec full = { .sz = sizeof(full) };
	struct accel_layer_stats st = { 0 };
	struct lut_layer *l;
	uint32_t shape[N_SHAPE];
	int n;

	line[strcspn(line, "\r\n")] = 0;
	n = split_csv(line, fld, N_COLS);
	if (n != N_COLS)
		return errbuf_set(err, len, "%s:%d: %d fields, a LUT row has %d (truncated or edited file); profile the model again",
			    path, lineno, n < 0 ? 0 : n, N_COLS);
	for (int k = 0; k < N_COLS; k++) {
		if (k == 1 || k == 2)
			continue;
		if (parse_u64(fld[k], &v[k]) || v[k] > (k < N_HEAD + 3 ? 0xffffffffull : UINT64_MAX))
			return errbuf_set(err, len, "%s:%d: column %d is '%s', not a non-negative integer%s; profile the model again",
				    path, lineno, k + 1, fld[k],
				    strstr(fld[k], "nan") || strstr(fld[k], "NaN") ? " (NaN)" : "");
	}
	if (strcmp(fld[2], "conv") && strcmp(fld[2], "fc"))
		return errbuf_set(err, len, "%s:%d: op '%s' is neither conv nor fc", path, lineno, fld[2]);
	full.op = !strcmp(fld[2], "fc") ? ACCEL_LAYER_FC : ACCEL_LAYER_CONV;
	for (int s = 0; s < N_SHAPE; s++)
		shape[s] = (uint32_t)v[3 + s];
	set_shape_values(&full, shape);
	full.no_bias = !v[3 + N_SHAPE];
	full.per_channel = (int)v[4 + N_SHAPE];
	l = t->n_l ? &t->l[t->n_l - 1] : NULL;
	if (!l || l->index != (int)v[0] || strcmp(l->name, fld[1])) {
		for (int i = 0; i < t->n_l; i++)
			if (t->l[i].index == (int)v[0])
				return errbuf_set(err, len, "%s:%d: rows of layer %d ('%s') are not together", path,
					    lineno, (int)v[0], fld[1]);
		l = lut_add_layer(t, (int)v[0], fld[1], &full);
		if (!l)
			return errbuf_set(err, len, "out of memory");
	} else if (!same_layer(&l->full, &full)) {
		return errbuf_set(err, len, "%s:%d: layer '%s' changes its full shape between rows", path,
			    lineno, l->name);
	}
	for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		st.energy_fj[d] = v[N_HEAD + 3 + d];
	st.cycles = v[N_HEAD + 3 + ACCEL_ENERGY_DOMAINS];
	st.dram_words = v[N_HEAD + 4 + ACCEL_ENERGY_DOMAINS];
	st.dram_bytes = v[N_HEAD + 5 + ACCEL_ENERGY_DOMAINS];
	st.macs = v[N_HEAD + 6 + ACCEL_ENERGY_DOMAINS];
	if (!v[N_HEAD] || !v[N_HEAD + 1] || !v[N_HEAD + 2] || v[N_HEAD] > full.c ||
	    v[N_HEAD + 1] > full.m)
		return errbuf_set(err, len, "%s:%d: layer '%s': c = %" PRIu64 ", m = %" PRIu64 " outside 1..%u, 1..%u",
			    path, lineno, l->name, v[N_HEAD], v[N_HEAD + 1], full.c, full.m);
	if (lut_add_entry(l, (uint32_t)v[N_HEAD], (uint32_t)v[N_HEAD + 1],
			  (uint32_t)v[N_HEAD + 2], &st))
		return errbuf_set(err, len, "out of memory");
	return 0;
}

int lut_read(const char *path, struct lut *t, char *err, size_t len)
{
	char line[4096];
	long layers = 0, entries = 0, rows = 0;
	int lineno = 3, rc;
	FILE *f = fopen(path, "r");

	memset(t, 0, sizeof(*t));
	if (!f)
		return errbuf_set(err, len, "cannot read the LUT %s: %s", path, strerror(errno));
	rc = read_headers(f, path, t, &layers, &entries, err, len);
	while (!rc && fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = errbuf_set(err, len, "%s:%d: line too long", path, lineno);
			break;
		}
		rc = read_row(line, path, lineno, t, err, len);
		rows++;
	}
	fclose(f);
	if (!rc && (rows != entries || t->n_l != layers))
		rc = errbuf_set(err, len, "%s is truncated: %ld of %ld rows, %d of %ld layers; profile the model again",
			  path, rows, entries, t->n_l, layers);
	for (int i = 0; !rc && i < t->n_l; i++) {
		const struct lut_layer *l = &t->l[i];
		bool has_full = false;

		for (int k = 0; k < l->n_e; k++)
			has_full |= l->e[k].c == l->full.c && l->e[k].m == l->full.m;
		if (!has_full)
			rc = errbuf_set(err, len, "%s: layer '%s' has no point at its full size c = %u, m = %u; profile the model again",
				  path, l->name, l->full.c, l->full.m);
	}
	if (rc)
		lut_free(t);
	return rc;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

int lut_match_model(const struct lut *t, const char *model,
		    const struct accel_layer_spec *specs, char (*names)[128], int n,
		    char *err, size_t len)
{
	uint64_t fp = lut_fingerprint(specs, n);

	if (fp != t->fingerprint)
		return errbuf_set(err, len, "the LUT was profiled for %s (fingerprint %016" PRIx64 "), whose conv/FC layers differ from those of %s (%016" PRIx64 "); run 'accelctl profile %s -o LUT'",
			    t->model, t->fingerprint, base_name(model), fp, model);
	for (int i = 0; i < n; i++)
		if (!lut_layer_of(t, i))
			return errbuf_set(err, len, "the LUT has no entries for layer '%s' (profiled with --layers?); run 'accelctl profile %s -o LUT' for every layer",
				    names[i], model);
	return 0;
}

const struct lut_layer *lut_layer_of(const struct lut *t, int index)
{
	for (int i = 0; i < t->n_l; i++)
		if (t->l[i].index == index)
			return &t->l[i];
	return NULL;
}

double lut_stat(const struct accel_layer_stats *st, enum lut_metric metric)
{
	double e = 0;

	switch (metric) {
	case LUT_CYCLES:
		return (double)st->cycles;
	case LUT_DRAM:
		return (double)st->dram_words;
	case LUT_MACS:
		return (double)st->macs;
	case LUT_ENERGY:
		for (int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
			e += (double)st->energy_fj[d];
		return e;
	}
	return 0;
}

/* Depthwise layers are measured along c = m = groups only. */
static bool one_axis(const struct lut_layer *l)
{
	return l->full.groups > 1 && l->full.groups == l->full.c && l->full.groups == l->full.m;
}

static const struct lut_entry *point(const struct lut_layer *l, uint32_t c, uint32_t m)
{
	for (int k = 0; k < l->n_e; k++)
		if (l->e[k].c == c && (one_axis(l) || l->e[k].m == m))
			return &l->e[k];
	return NULL;
}

/* The measured counts around x on one axis: lo <= x <= hi (lo may be 0). */
static void bracket(const struct lut_layer *l, bool axis_m, uint32_t x, uint32_t *lo,
		    uint32_t *hi)
{
	*lo = 0;
	*hi = UINT32_MAX;
	for (int k = 0; k < l->n_e; k++) {
		uint32_t v = axis_m ? l->e[k].m : l->e[k].c;

		if (v <= x && v > *lo)
			*lo = v;
		if (v >= x && v < *hi)
			*hi = v;
	}
	if (*hi == UINT32_MAX)
		*hi = *lo;
}

/* Value at a measured (c, m) pair; count 0 on an axis scales to 0. */
static double corner(const struct lut_layer *l, uint32_t c, uint32_t m, enum lut_metric metric,
		     bool *ok)
{
	const struct lut_entry *e;

	if (!c || !m)
		return 0;
	e = point(l, c, m);
	if (!e) {
		*ok = false;
		return 0;
	}
	return lut_stat(&e->st, metric);
}

static double lerp(double a, double b, uint32_t lo, uint32_t hi, uint32_t x)
{
	return hi == lo ? a : a + (b - a) * (double)(x - lo) / (double)(hi - lo);
}

double lut_lookup(const struct lut_layer *l, uint32_t c, uint32_t m, enum lut_metric metric)
{
	uint32_t c0, c1, m0, m1;
	bool ok = true;
	double v;

	bracket(l, false, c, &c0, &c1);
	if (one_axis(l)) {
		v = lerp(corner(l, c0, c0, metric, &ok), corner(l, c1, c1, metric, &ok), c0, c1, c);
		return ok ? v : NAN;
	}
	bracket(l, true, m, &m0, &m1);
	v = lerp(lerp(corner(l, c0, m0, metric, &ok), corner(l, c1, m0, metric, &ok), c0, c1, c),
		 lerp(corner(l, c0, m1, metric, &ok), corner(l, c1, m1, metric, &ok), c0, c1, c),
		 m0, m1, m);
	return ok ? v : NAN;
}
