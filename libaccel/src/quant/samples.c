// SPDX-License-Identifier: MIT
/*
 * Calibration folders (accel/quantize.h): one subfolder per sample with
 * NAME.pb (or input_N.pb) per model input, or *.pb files directly in the
 * folder for a single-input model. Every sample is checked against the
 * model's inputs (name, type, shape) and must hold finite values.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onnx/onnx.h"
#include "quant/quant.h"

static int ends_with_pb(const char *s)
{
	size_t n = strlen(s);

	return n > 3 && !strcmp(s + n - 3, ".pb");
}

/* dir/name into buf; -ENAMETOOLONG if it does not fit. */
static int join(char *buf, size_t len, const char *dir, const char *name, struct gr_err *err)
{
	int k = snprintf(buf, len, "%s/%s", dir, name);

	if (k < 0 || (size_t)k >= len)
		return gr_err_set(err, -ENAMETOOLONG, "path '%s/%s' is too long", dir, name);
	return 0;
}

static int is_dir(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

static void shape_text(char *buf, size_t len, int dtype, int rank, const int64_t *dims)
{
	size_t k = (size_t)snprintf(buf, len, "%s [", gr_dtype_name(dtype));

	for (int i = 0; i < rank && k < len; i++)
		k += (size_t)snprintf(buf + k, len - k, dims[i] < 0 ? "%s?" : "%s%lld",
				      i ? "," : "", (long long)dims[i]);
	if (k < len)
		snprintf(buf + k, len - k, "]");
}

/* The value v (from file what) as graph input i of g. */
static int check_input(const struct gr_graph *g, int i, const struct gr_value *v,
		       const char *what, int named_by_file, struct gr_err *err)
{
	const struct gr_tensor *t = &g->tensors[g->inputs[i]];
	char want[160], have[160];
	int ok = v->dtype == t->dtype && (t->rank < 0 || v->rank == t->rank);

	for (int d = 0; ok && t->rank >= 0 && d < t->rank; d++)
		if (t->dims[d] >= 0 && t->dims[d] != v->dims[d])
			ok = 0;
	if (v->name && v->name[0] && strcmp(v->name, t->name) && !named_by_file)
		return gr_err_set(err, -EILSEQ,
				  "calibration sample '%s' holds tensor '%s' but the model's input is '%s'; name it '%s' or leave its name empty",
				  what, v->name, t->name, t->name);
	if (v->name && v->name[0] && strcmp(v->name, t->name) && named_by_file)
		return gr_err_set(err, -EILSEQ,
				  "calibration sample '%s' is the file for input '%s' but holds tensor '%s'; rename the tensor or the file",
				  what, t->name, v->name);
	if (!ok) {
		shape_text(want, sizeof(want), t->dtype, t->rank, t->dims);
		shape_text(have, sizeof(have), v->dtype, v->rank, v->dims);
		return gr_err_set(err, -EILSEQ,
				  "calibration sample '%s' is %s but the model's input '%s' is %s; write samples of the input's type and shape (as the model is fed, after preprocessing)",
				  what, have, t->name, want);
	}
	if (v->dtype == GR_FLOAT)
		for (size_t k = 0; k < v->count; k++)
			if (!isfinite(((const float *)v->data)[k]))
				return gr_err_set(err, -ERANGE,
						  "calibration sample '%s' holds NaN or Inf (element %zu); calibration needs finite inputs",
						  what, k);
	return 0;
}

static int load_one(const struct gr_graph *g, int i, const char *path, int named_by_file,
		    struct gr_value **out, struct gr_err *err)
{
	int rc = ox_tensor_load_file(path, out, err);

	if (rc) {
		char why[GR_ERR_LEN];

		snprintf(why, sizeof(why), "%s", err->msg);
		return gr_err_set(err, rc == -ENOMEM ? rc : -EILSEQ,
				  "calibration sample '%s' is not a readable ONNX TensorProto (%s)",
				  path, why);
	}
	rc = check_input(g, i, *out, path, named_by_file, err);
	if (rc) {
		gr_value_free(*out);
		*out = NULL;
	}
	return rc;
}

static int add_sample(struct qz_set *set, const char *what, struct gr_err *err)
{
	void *p = realloc(set->s, (size_t)(set->n + 1) * sizeof(*set->s));
	struct qz_sample *s;

	if (!p)
		return gr_err_set(err, -ENOMEM, "out of memory");
	set->s = p;
	s = &set->s[set->n];
	s->in = calloc((size_t)(set->n_inputs ? set->n_inputs : 1), sizeof(*s->in));
	s->what = strdup(what);
	set->n++;
	if (!s->in || !s->what)
		return gr_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* A subfolder: NAME.pb, else input_N.pb, for every input. */
static int load_folder(const struct gr_graph *g, const char *sub, struct qz_sample *s,
		       struct gr_err *err)
{
	char path[4096], file[300];
	int rc;

	for (int i = 0; i < g->n_inputs; i++) {
		const char *name = g->tensors[g->inputs[i]].name;

		if (strlen(name) + 4 > sizeof(file))
			return gr_err_set(err, -ENAMETOOLONG, "input name '%s' is too long", name);
		snprintf(file, sizeof(file), "%s.pb", name);
		if ((rc = join(path, sizeof(path), sub, file, err)))
			return rc;
		if (access(path, F_OK)) {
			snprintf(file, sizeof(file), "input_%d.pb", i);
			if ((rc = join(path, sizeof(path), sub, file, err)))
				return rc;
			if (access(path, F_OK))
				return gr_err_set(err, -EILSEQ,
						  "calibration sample '%s' has no file for input '%s'; add %s/%s.pb (a TensorProto)",
						  sub, name, sub, name);
		}
		rc = load_one(g, i, path, 1, &s->in[i], err);
		if (rc)
			return rc;
	}
	return 0;
}

int qz_samples_load(const struct gr_graph *g, const char *dir, struct qz_set *set,
		    struct gr_err *err)
{
	struct dirent **ents = NULL;
	int n, rc = 0, n_dirs = 0, n_pb = 0;
	char path[4096];

	memset(set, 0, sizeof(*set));
	set->n_inputs = g->n_inputs;
	if (!is_dir(dir))
		return gr_err_set(err, -ENOENT,
				  "calibration folder '%s' does not exist or is not a folder", dir);
	if (!g->n_inputs)
		return gr_err_set(err, -EINVAL, "the model has no inputs to calibrate with");
	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return gr_err_set(err, -errno, "cannot read calibration folder '%s': %s", dir,
				  strerror(errno));
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] == '.' || join(path, sizeof(path), dir, ents[i]->d_name, NULL))
			continue;
		if (is_dir(path))
			n_dirs++;
		else if (ends_with_pb(ents[i]->d_name))
			n_pb++;
	}
	if (n_dirs && n_pb) {
		rc = gr_err_set(err, -EILSEQ,
				"calibration folder '%s' mixes sample subfolders and .pb files; use one layout (a subfolder per sample, or .pb files for a single-input model)",
				dir);
	} else if (!n_dirs && !n_pb) {
		rc = gr_err_set(err, -ENODATA,
				"calibration folder '%s' holds no samples; put one TensorProto .pb file per sample in it (single-input model) or one subfolder per sample with a NAME.pb per model input",
				dir);
	} else if (n_pb && g->n_inputs != 1) {
		rc = gr_err_set(err, -EILSEQ,
				"calibration folder '%s' holds .pb files directly, but the model has %d inputs; use one subfolder per sample with a NAME.pb for each input",
				dir, g->n_inputs);
	}
	for (int i = 0; i < n && !rc; i++) {
		if (ents[i]->d_name[0] == '.')
			continue;
		if ((rc = join(path, sizeof(path), dir, ents[i]->d_name, err)))
			break;
		if (n_dirs && is_dir(path)) {
			rc = add_sample(set, path, err);
			if (!rc)
				rc = load_folder(g, path, &set->s[set->n - 1], err);
		} else if (n_pb && ends_with_pb(ents[i]->d_name)) {
			rc = add_sample(set, path, err);
			if (!rc)
				rc = load_one(g, 0, path, 0, &set->s[set->n - 1].in[0], err);
		}
	}
	for (int i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (rc)
		qz_samples_free(set);
	return rc;
}

void qz_samples_free(struct qz_set *set)
{
	for (int i = 0; i < set->n; i++) {
		for (int k = 0; set->s[i].in && k < set->n_inputs; k++)
			gr_value_free(set->s[i].in[k]);
		free(set->s[i].in);
		free(set->s[i].what);
	}
	free(set->s);
	memset(set, 0, sizeof(*set));
}
