// SPDX-License-Identifier: MIT
/* Calibration set and CPU runs with inner tensors (adapt_data.h). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapt_data.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of dir: subfolders (dirs) or *.pb files. */
static int list_dir(const char *dir, bool dirs, char ***out, int *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[4096];
	int cap = 0;

	*out = NULL;
	*n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct stat st;
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st))
			continue;
		if (dirs ? !S_ISDIR(st.st_mode) :
			   !(S_ISREG(st.st_mode) && len > 3 && !strcmp(de->d_name + len - 3, ".pb")))
			continue;
		if (*n == cap) {
			char **na = realloc(*out, (size_t)(cap = cap ? 2 * cap : 64) * sizeof(*na));

			if (!na)
				break;
			*out = na;
		}
		(*out)[(*n)++] = strdup(de->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*out, (size_t)*n, sizeof(**out), cmp_str);
	return 0;
}

static void free_list(char **l, int n)
{
	for (int i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static int check_sample(const struct accel_model *m, struct accel_tensor *const *in, int n_in,
			const char *where, char *err, size_t errlen)
{
	for (int i = 0; i < n_in; i++) {
		int dtype, rank;
		int64_t dims[ACCEL_TENSOR_MAX_RANK];

		if (accel_model_input_type(m, i, &dtype, &rank, dims))
			continue;
		if (dtype != accel_tensor_dtype(in[i]) || rank != accel_tensor_rank(in[i])) {
			snprintf(err, errlen, "%s: input '%s' is %s of rank %d, the model wants %s of rank %d",
				 where, accel_model_input_name(m, i), accel_dtype_name(accel_tensor_dtype(in[i])),
				 accel_tensor_rank(in[i]), accel_dtype_name(dtype), rank);
			return -1;
		}
		for (int d = 0; d < rank; d++)
			if (dims[d] >= 0 && dims[d] != accel_tensor_dims(in[i])[d]) {
				snprintf(err, errlen, "%s: input '%s' has dimension %d of %lld, the model wants %lld",
					 where, accel_model_input_name(m, i), d,
					 (long long)accel_tensor_dims(in[i])[d], (long long)dims[d]);
				return -1;
			}
	}
	return 0;
}

int calib_load(const char *dir, const char *model, struct calib *c, char *err, size_t errlen)
{
	struct accel_model_opts mo = { .sz = sizeof(mo), .cpu_only = true };
	struct accel_model *m = NULL;
	char **subs = NULL, **files = NULL, path[4096];
	int n_subs = 0, n_files = 0, rc = -1, n_in;

	memset(c, 0, sizeof(*c));
	if (accel_model_load(NULL, model, &mo, &m)) {
		snprintf(err, errlen, "%s", accel_last_error());
		return -1;
	}
	n_in = accel_model_input_count(m);
	if (n_in < 1 || n_in > CALIB_MAX_INPUTS) {
		snprintf(err, errlen, "%s has %d inputs; adapt takes 1 to %d", model, n_in, CALIB_MAX_INPUTS);
		goto out;
	}
	if (list_dir(dir, true, &subs, &n_subs) || list_dir(dir, false, &files, &n_files)) {
		snprintf(err, errlen, "cannot read the calibration folder %s: %s", dir, strerror(errno));
		goto out;
	}
	if (!n_subs && !n_files) {
		snprintf(err, errlen, "the calibration folder %s is empty: put one .pb per sample in it (single-input model) or one subfolder per sample with a <input name>.pb per input",
			 dir);
		goto out;
	}
	if (!n_subs && n_in != 1) {
		snprintf(err, errlen, "%s has %d inputs: give one subfolder per sample in %s, with a <input name>.pb for each",
			 model, n_in, dir);
		goto out;
	}
	c->n_inputs = n_in;
	c->in = calloc((size_t)(n_subs ? n_subs : n_files), sizeof(*c->in));
	if (!c->in) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (int s = 0; s < (n_subs ? n_subs : n_files); s++) {
		for (int i = 0; i < n_in; i++) {
			if (n_subs)
				snprintf(path, sizeof(path), "%s/%s/%s.pb", dir, subs[s], accel_model_input_name(m, i));
			else
				snprintf(path, sizeof(path), "%s/%s", dir, files[s]);
			if (accel_tensor_load(path, &c->in[s][i])) {
				snprintf(err, errlen, "calibration sample %s: %s%s", path, accel_last_error(),
					 n_subs && access(path, F_OK) ? " (each sample folder needs a <input name>.pb per model input)" : "");
				c->n = s + 1;
				goto out;
			}
		}
		c->n = s + 1;
		if (check_sample(m, c->in[s], n_in, n_subs ? subs[s] : files[s], err, errlen))
			goto out;
	}
	rc = 0;
out:
	if (rc)
		calib_free(c);
	free_list(subs, n_subs);
	free_list(files, n_files);
	accel_model_free(m);
	return rc;
}

void calib_free(struct calib *c)
{
	for (int s = 0; s < c->n; s++)
		for (int i = 0; i < CALIB_MAX_INPUTS; i++)
			accel_tensor_free(c->in[s][i]);
	free(c->in);
	memset(c, 0, sizeof(*c));
}

struct accel_tensor *collected_get(const struct collected *cl, int k, int s)
{
	return cl->t[(size_t)k * (size_t)cl->samples + (size_t)s];
}

void collected_free(struct collected *cl)
{
	if (cl->t)
		for (int i = 0; i < cl->n_names * cl->samples; i++)
			accel_tensor_free(cl->t[i]);
	free(cl->t);
	memset(cl, 0, sizeof(*cl));
}

static int output_index(const Onnx__GraphProto *g, const char *name)
{
	for (size_t i = 0; i < g->n_output; i++)
		if (!strcmp(g->output[i]->name, name))
			return (int)i;
	return -1;
}

/* The tensor an earlier name of sample s already took for output idx[k]. */
static struct accel_tensor *tensor_copy(const struct collected *cl, int k, int s, const int *idx,
					int samples)
{
	for (int e = 0; e < k; e++)
		if (idx[e] == idx[k]) {
			const struct accel_tensor *src = cl->t[(size_t)e * (size_t)samples + (size_t)s];
			struct accel_tensor *t = accel_tensor_new(accel_tensor_dtype(src),
								  accel_tensor_rank(src),
								  accel_tensor_dims(src));
			size_t bytes = accel_tensor_count(src) *
				       (accel_tensor_dtype(src) == ACCEL_DTYPE_FLOAT ? 4 : 1);

			if (t)
				memcpy(accel_tensor_data(t),
				       accel_tensor_data((struct accel_tensor *)src), bytes);
			return t;
		}
	return NULL;
}

int collect_run(const Onnx__ModelProto *model, const struct calib *c, const char *const *names,
		int n, struct collected *out, char *err, size_t errlen)
{
	struct accel_model_opts mo = { .sz = sizeof(mo), .cpu_only = true };
	char path[] = "/tmp/accelctl-adapt-XXXXXX";
	Onnx__ModelProto *m = ox_clone(model);
	struct accel_model *am = NULL;
	struct accel_tensor **res = NULL;
	int *idx = calloc((size_t)n + 1, sizeof(int)), fd, n_out = 0, rc = -1;

	memset(out, 0, sizeof(*out));
	if (!m || !idx || ox_add_outputs(m, names, n)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	ox_clear_value_info(m);
	idx[0] = 0;
	for (int k = 0; k < n; k++)
		idx[k + 1] = output_index(m->graph, names[k]);
	fd = mkstemp(path);
	if (fd < 0 || (close(fd), ox_save(m, path))) {
		snprintf(err, errlen, "cannot write a temporary model in /tmp: %s", strerror(errno));
		goto out;
	}
	if (accel_model_load(NULL, path, &mo, &am)) {
		snprintf(err, errlen, "%s", accel_last_error());
		goto out;
	}
	n_out = accel_model_output_count(am);
	res = calloc((size_t)n_out, sizeof(*res));
	out->n_names = n + 1;
	out->samples = c->n;
	out->t = calloc((size_t)(n + 1) * (size_t)c->n, sizeof(*out->t));
	if (!res || !out->t) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (int s = 0; s < c->n; s++) {
		if (accel_model_run(am, c->in[s], c->n_inputs, res, n_out)) {
			snprintf(err, errlen, "running the model on calibration sample %d: %s", s + 1,
				 accel_last_error());
			goto out;
		}
		for (int k = 0; k <= n; k++) {
			struct accel_tensor **slot = &out->t[(size_t)k * (size_t)c->n + (size_t)s];

			/* a name asked twice (or the output itself): a copy */
			*slot = res[idx[k]] ? res[idx[k]] : tensor_copy(out, k, s, idx, c->n);
			res[idx[k]] = NULL;
			if (!*slot) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
		}
		for (int o = 0; o < n_out; o++) {
			accel_tensor_free(res[o]);
			res[o] = NULL;
		}
	}
	rc = 0;
out:
	if (rc)
		collected_free(out);
	free(res);
	accel_model_free(am);
	unlink(path);
	ox_free(m);
	free(idx);
	return rc;
}

int agreement_of(const struct collected *out, const struct collected *ref, struct agreement *a)
{
	double sig = 0, noise = 0;
	long agree = 0;

	memset(a, 0, sizeof(*a));
	for (int s = 0; s < ref->samples; s++) {
		struct accel_tensor *y = collected_get(out, 0, s), *r = collected_get(ref, 0, s);
		const float *yv, *rv;
		size_t count = accel_tensor_count(r), cls;

		if (accel_tensor_dtype(y) != ACCEL_DTYPE_FLOAT || accel_tensor_dtype(r) != ACCEL_DTYPE_FLOAT ||
		    accel_tensor_count(y) != count || !count)
			return -1;
		yv = accel_tensor_data(y);
		rv = accel_tensor_data(r);
		cls = (size_t)accel_tensor_dims(r)[accel_tensor_rank(r) - 1];
		for (size_t i = 0; i < count; i++) {
			sig += (double)rv[i] * rv[i];
			noise += ((double)yv[i] - rv[i]) * ((double)yv[i] - rv[i]);
		}
		for (size_t row = 0; cls && row < count / cls; row++) {
			size_t by = 0, br = 0;

			for (size_t j = 1; j < cls; j++) {
				if (yv[row * cls + j] > yv[row * cls + by])
					by = j;
				if (rv[row * cls + j] > rv[row * cls + br])
					br = j;
			}
			agree += by == br;
			a->rows++;
		}
	}
	a->top1 = a->rows ? (double)agree / (double)a->rows : 0;
	a->sqnr_db = noise > 0 ? 10 * log10(sig / noise) : INFINITY;
	return 0;
}
