// SPDX-License-Identifier: MIT
/*
 * modelgen: writes the standard networks as int8 ONNX models with seeded
 * random weights, reproducibly (same seed, same bytes), and no downloads.
 *
 *   modelgen NETWORK [--reduced] [--float-scales[=BITS]] -o MODEL.onnx
 *            [--input-out INPUT.pb] [--layers-out LAYERS.csv] [--seed N] [-v]
 *   modelgen NETWORK [--reduced] --float -o MODEL.onnx [--input-out INPUT.pb]
 *            [--samples-out DIR] [--holdout-out DIR] [--samples N]
 *            [--samples-seed S] [--seed N]
 *   modelgen --stats OUTPUT.pb     spread of an int8 output (exit 1 if it
 *                                  is degenerate: too few distinct values,
 *                                  mostly saturated or mostly zero)
 *
 * NETWORK: alexnet, vgg16, resnet18, resnet50, mobilenetv2. The full size
 * follows bench/workloads/layers.csv; --reduced shrinks the input
 * (AlexNet 67x67, the others 32x32) for quick tests. --float-scales picks
 * arbitrary seeded float scales (mantissas of BITS bits, default 24: any
 * float) instead of the tie-free powers of two, as a real quantizer would;
 * rounding ties then occur (docs/models.md).
 * --float writes the float32 network as PyTorch exports it (floatnet.c):
 * BatchNormalization after every conv, a Shape-subgraph flatten, Gemm
 * classifiers; --samples-out writes N more seeded inputs of the same
 * distribution, one TensorProto file each (a calibration folder for
 * accelctl quantize), --holdout-out N others from another stream (a
 * held-apart set for the quantization figures).
 */
#include <errno.h>
#include <getopt.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers.h"

static uint64_t net_stream(uint64_t seed, const char *name)
{
	uint64_t rng = seed * 0x9e3779b97f4a7c15ull;

	for (const char *p = name; *p; p++)
		rng = (rng ^ (uint8_t)*p) * 0x100000001b3ull;
	return rng ? rng : 1;
}

static void input_shape(const char *net, int reduced, int *d)
{
	int alex = !strcmp(net, "alexnet"), full = alex ? 227 : 224, red = alex ? 67 : 32;

	d[0] = alex ? 4 : 1;
	d[1] = 3;
	d[2] = d[3] = reduced ? red : full;
}

/* --samples-out: N seeded float inputs, DIR/sample_NNN.pb, named "input". */
static int write_samples(const char *net, int reduced, const char *dir, int count,
			 uint64_t seed)
{
	struct mg_net s = { .float_model = 1, .net = net };
	int d[4];
	int64_t dims[4];
	size_t n;
	float *buf;
	char path[4096];
	int rc = 0;

	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "modelgen: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	input_shape(net, reduced, d);
	for (int i = 0; i < 4; i++)
		dims[i] = d[i];
	n = (size_t)d[0] * d[1] * d[2] * d[3];
	buf = mg_xmalloc(n * sizeof(float));
	s.rng = net_stream(seed ^ 0x5a4d504c45ull, net);
	for (int i = 0; i < count && !rc; i++) {
		mgf_sample(&s, buf, d[0], d[1], d[2], d[3]);
		snprintf(path, sizeof(path), "%s/sample_%03d.pb", dir, i);
		rc = mg_write_tensor(path, "input", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, dims,
				     buf, n * sizeof(float));
	}
	free(buf);
	return rc;
}

static void alexnet(struct mg_net *net, struct mg_act *x, int reduced)
{
	mg_input(net, x, 4, 3, reduced ? 67 : 227, reduced ? 67 : 227);
	mg_conv(net, x, "conv1", 96, 11, 4, 0, 1, 1, "conv");
	mg_maxpool(net, x, "pool1", 3, 2, 0);
	mg_conv(net, x, "conv2", 256, 5, 1, 2, 2, 1, "conv");
	mg_maxpool(net, x, "pool2", 3, 2, 0);
	mg_conv(net, x, "conv3", 384, 3, 1, 1, 1, 1, "conv");
	mg_conv(net, x, "conv4", 384, 3, 1, 1, 2, 1, "conv");
	mg_conv(net, x, "conv5", 256, 3, 1, 1, 2, 1, "conv");
	mg_maxpool(net, x, "pool5", 3, 2, 0);
	mg_fc(net, x, "fc6", 4096, 1);
	mg_fc(net, x, "fc7", 4096, 1);
	mg_fc(net, x, "fc8", 1000, 0);
}

static void vgg16(struct mg_net *net, struct mg_act *x, int reduced)
{
	static const int convs[5] = { 2, 2, 3, 3, 3 }, width[5] = { 64, 128, 256, 512, 512 };
	char name[32];

	mg_input(net, x, 1, 3, reduced ? 32 : 224, reduced ? 32 : 224);
	for (int b = 0; b < 5; b++) {
		for (int i = 0; i < convs[b]; i++) {
			snprintf(name, sizeof(name), "conv%d_%d", b + 1, i + 1);
			mg_conv(net, x, name, width[b], 3, 1, 1, 1, 1, "conv");
		}
		snprintf(name, sizeof(name), "pool%d", b + 1);
		mg_maxpool(net, x, name, 2, 2, 0);
	}
	mg_fc(net, x, "fc6", 4096, 1);
	mg_fc(net, x, "fc7", 4096, 1);
	mg_fc(net, x, "fc8", 1000, 0);
}

static void resnet(struct mg_net *net, struct mg_act *x, int reduced, int deep)
{
	static const int blocks18[4] = { 2, 2, 2, 2 }, blocks50[4] = { 3, 4, 6, 3 };
	const int *blocks = deep ? blocks50 : blocks18;
	char n1[32], n2[32], n3[32], np[32], na[32];

	mg_input(net, x, 1, 3, reduced ? 32 : 224, reduced ? 32 : 224);
	mg_conv(net, x, "conv1", 64, 7, 2, 3, 1, 1, "conv");
	mg_maxpool(net, x, "pool1", 3, 2, 1);
	for (int st = 0; st < 4; st++) {
		int width = 64 << st, out = deep ? 4 * width : width;

		for (int b = 0; b < blocks[st]; b++) {
			int stride = (st > 0 && b == 0) ? 2 : 1;
			struct mg_act sc;

			snprintf(n1, sizeof(n1), "conv%d_%da", st + 2, b + 1);
			snprintf(n2, sizeof(n2), "conv%d_%db", st + 2, b + 1);
			snprintf(n3, sizeof(n3), "conv%d_%dc", st + 2, b + 1);
			snprintf(np, sizeof(np), "conv%d_%dproj", st + 2, b + 1);
			snprintf(na, sizeof(na), "add%d_%d", st + 2, b + 1);
			mg_act_dup(x, &sc);
			if (deep) {
				mg_conv(net, x, n1, width, 1, 1, 0, 1, 1, "conv");
				mg_conv(net, x, n2, width, 3, stride, 1, 1, 1, "conv");
				mg_conv(net, x, n3, out, 1, 1, 0, 1, 0, "conv");
			} else {
				mg_conv(net, x, n1, width, 3, stride, 1, 1, 1, "conv");
				mg_conv(net, x, n2, width, 3, 1, 1, 1, 0, "conv");
			}
			if (sc.c != out || stride != 1)
				mg_conv(net, &sc, np, out, 1, stride, 0, 1, 0, "conv");
			mg_add(net, x, &sc, na, 1);
		}
	}
	mg_gap(net, x, "pool5");
	mg_fc(net, x, "fc", 1000, 0);
}

static void mobilenetv2(struct mg_net *net, struct mg_act *x, int reduced)
{
	/* expansion t, output channels c, repeats n, first stride s */
	static const int cfg[7][4] = {
		{ 1, 16, 1, 1 }, { 6, 24, 2, 2 }, { 6, 32, 3, 2 }, { 6, 64, 4, 2 },
		{ 6, 96, 3, 1 }, { 6, 160, 3, 2 }, { 6, 320, 1, 1 },
	};
	char name[32];
	int blk = 0;

	mg_input(net, x, 1, 3, reduced ? 32 : 224, reduced ? 32 : 224);
	mg_conv(net, x, "stem", 32, 3, 2, 1, 1, 1, "conv");
	for (int g = 0; g < 7; g++)
		for (int r = 0; r < cfg[g][2]; r++) {
			int stride = r ? 1 : cfg[g][3], cin = x->c, hid = cin * cfg[g][0];
			struct mg_act sc;
			int res = stride == 1 && cin == cfg[g][1];

			blk++;
			if (res)
				mg_act_dup(x, &sc);
			if (cfg[g][0] != 1) {
				snprintf(name, sizeof(name), "b%d_expand", blk);
				mg_conv(net, x, name, hid, 1, 1, 0, 1, 1, "conv");
			}
			snprintf(name, sizeof(name), "b%d_dw", blk);
			mg_conv(net, x, name, hid, 3, stride, 1, hid, 1, "dwconv");
			snprintf(name, sizeof(name), "b%d_project", blk);
			mg_conv(net, x, name, cfg[g][1], 1, 1, 0, 1, 0, "conv");
			if (res) {
				snprintf(name, sizeof(name), "b%d_add", blk);
				mg_add(net, x, &sc, name, 0);
			}
		}
	mg_conv(net, x, "last", 1280, 1, 1, 0, 1, 1, "conv");
	mg_gap(net, x, "pool");
	mg_fc(net, x, "fc", 1000, 0);
}

static int stats(const char *path)
{
	Onnx__TensorProto *t;
	double sat, z;
	size_t len;
	uint8_t *buf;
	int d, ok;
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "modelgen: cannot open %s\n", path);
		return 3;
	}
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = mg_xmalloc(len);
	if (fread(buf, 1, len, f) != len) {
		fclose(f);
		free(buf);
		return 3;
	}
	fclose(f);
	t = onnx__tensor_proto__unpack(NULL, len, buf);
	free(buf);
	if (!t || t->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__INT8 || !t->has_raw_data) {
		fprintf(stderr, "modelgen: %s is not an int8 tensor with raw data\n", path);
		if (t)
			onnx__tensor_proto__free_unpacked(t, NULL);
		return 3;
	}
	mg_spread((const int8_t *)t->raw_data.data, t->raw_data.len, 0, &d, &sat, &z);
	ok = d >= 16 && sat < 0.25 && z < 0.9;
	printf("%s: %zu values, %d distinct, %.1f%% saturated, %.1f%% zero: %s\n", path,
	       t->raw_data.len, d, 100 * sat, 100 * z, ok ? "spread" : "DEGENERATE");
	onnx__tensor_proto__free_unpacked(t, NULL);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reduced", no_argument, NULL, 'r' },
		{ "float-scales", optional_argument, NULL, 'F' },
		{ "float", no_argument, NULL, 'f' },
		{ "samples-out", required_argument, NULL, 'D' },
		{ "samples", required_argument, NULL, 'N' },
		{ "samples-seed", required_argument, NULL, 'E' },
		{ "holdout-out", required_argument, NULL, 'H' },
		{ "output", required_argument, NULL, 'o' },
		{ "input-out", required_argument, NULL, 'I' },
		{ "layers-out", required_argument, NULL, 'L' },
		{ "seed", required_argument, NULL, 's' },
		{ "stats", required_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *out = NULL, *in_out = NULL, *layers_out = NULL, *samples_out = NULL;
	const char *holdout_out = NULL;
	int samples = 0;
	uint64_t samples_seed = 2;
	struct mg_net net = { 0 };
	int reduced = 0, c, rc;
	uint64_t seed = 1;
	struct mg_act x;
	int64_t idims[4];

	while ((c = getopt_long(argc, argv, "ro:s:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': reduced = 1; break;
		case 'F':
			net.float_scales = optarg ? atoi(optarg) : 24;
			if (net.float_scales < 1 || net.float_scales > 24) {
				fprintf(stderr, "modelgen: --float-scales takes mantissa bits from 1 to 24, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'f': net.float_model = 1; break;
		case 'D': samples_out = optarg; break;
		case 'H': holdout_out = optarg; break;
		case 'N': samples = atoi(optarg); break;
		case 'E': samples_seed = strtoull(optarg, NULL, 0); break;
		case 'o': out = optarg; break;
		case 'I': in_out = optarg; break;
		case 'L': layers_out = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'S': return stats(optarg);
		case 'v': net.verbose = 1; break;
		case 'h':
			printf("usage: modelgen alexnet|vgg16|resnet18|resnet50|mobilenetv2 [--reduced] [--float-scales[=BITS]]\n"
			       "                -o MODEL.onnx [--input-out INPUT.pb] [--layers-out LAYERS.csv]\n"
			       "                [--seed N] [-v]\n"
			       "       modelgen NETWORK [--reduced] --float -o MODEL.onnx [--input-out INPUT.pb]\n"
			       "                [--samples-out DIR] [--holdout-out DIR] [--samples N] [--samples-seed S]\n"
			       "       modelgen --stats OUTPUT.pb\n");
			return 0;
		default:
			return 2;
		}
	}
	if (net.float_model && net.float_scales) {
		fprintf(stderr, "modelgen: --float and --float-scales exclude each other\n");
		return 2;
	}
	if ((samples_out || holdout_out) && (!net.float_model || samples < 1)) {
		fprintf(stderr, "modelgen: --samples-out and --holdout-out need --float and --samples N (N >= 1)\n");
		return 2;
	}
	if (optind != argc - 1 || !out) {
		fprintf(stderr, "modelgen: a network name and -o MODEL.onnx are required (see --help)\n");
		return 2;
	}
	net.net = argv[optind];
	/* each network has its own stream, so one can change without the others */
	net.rng = seed * 0x9e3779b97f4a7c15ull;
	for (const char *p = net.net; *p; p++)
		net.rng = (net.rng ^ (uint8_t)*p) * 0x100000001b3ull;
	if (!net.rng)
		net.rng = 1;
	if (layers_out) {
		net.layers_csv = fopen(layers_out, "w");
		if (!net.layers_csv) {
			fprintf(stderr, "modelgen: cannot write %s\n", layers_out);
			return 3;
		}
	}
	if (net.verbose)
		fprintf(stderr, "modelgen: %s%s, calibrating on a seeded input\n", net.net,
			reduced ? " (reduced)" : "");
	if (!strcmp(net.net, "alexnet")) {
		alexnet(&net, &x, reduced);
	} else if (!strcmp(net.net, "vgg16")) {
		vgg16(&net, &x, reduced);
	} else if (!strcmp(net.net, "resnet18")) {
		resnet(&net, &x, reduced, 0);
	} else if (!strcmp(net.net, "resnet50")) {
		resnet(&net, &x, reduced, 1);
	} else if (!strcmp(net.net, "mobilenetv2")) {
		mobilenetv2(&net, &x, reduced);
	} else {
		fprintf(stderr, "modelgen: unknown network '%s' (alexnet, vgg16, resnet18, resnet50, mobilenetv2)\n",
			net.net);
		return 2;
	}
	if (net.layers_csv)
		fclose(net.layers_csv);
	{
		int64_t od[2] = { x.n, x.c };

		mg_io(&net.g, 1, x.name, net.float_model ? ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT :
		      ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 2, od);
	}
	mg_act_free(&x);
	rc = mg_write(&net.g, net.net, out);
	if (!rc && samples_out)
		rc = write_samples(net.net, reduced, samples_out, samples, samples_seed);
	/* held apart: another stream, never seen by calibration */
	if (!rc && holdout_out)
		rc = write_samples(net.net, reduced, holdout_out, samples, samples_seed + 1000);
	if (!rc && in_out && net.float_model) {
		/* the model's batch of the seeded statistics input, again */
		struct mg_net again = { .float_model = 1, .net = net.net };
		int d[4];
		struct mg_act in;

		again.rng = net_stream(seed, net.net);
		input_shape(net.net, reduced, d);
		mg_input(&again, &in, d[0], d[1], d[2], d[3]);
		for (int i = 0; i < 4; i++)
			idims[i] = d[i];
		rc = mg_write_tensor(in_out, "input", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4, idims,
				     in.f, (size_t)in.n * in.c * in.h * in.w * sizeof(float));
		mg_act_free(&in);
		onnx__value_info_proto__free_unpacked(again.g.input, NULL);
	} else if (!rc && in_out) {
		/* the calibration input again, from the same seed */
		struct mg_net again = { .float_scales = net.float_scales };
		struct mg_act in;

		again.rng = seed * 0x9e3779b97f4a7c15ull;
		for (const char *p = net.net; *p; p++)
			again.rng = (again.rng ^ (uint8_t)*p) * 0x100000001b3ull;
		if (!again.rng)
			again.rng = 1;
		if (!strcmp(net.net, "alexnet"))
			mg_input(&again, &in, 4, 3, reduced ? 67 : 227, reduced ? 67 : 227);
		else
			mg_input(&again, &in, 1, 3, reduced ? 32 : 224, reduced ? 32 : 224);
		idims[0] = in.n;
		idims[1] = in.c;
		idims[2] = in.h;
		idims[3] = in.w;
		rc = mg_write_tensor(in_out, "input", ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 4, idims,
				     in.q, (size_t)in.n * in.c * in.h * in.w);
		mg_act_free(&in);
		for (size_t i = 0; i < again.g.n_inits; i++)
			onnx__tensor_proto__free_unpacked(again.g.inits[i], NULL);
		free(again.g.inits);
		onnx__value_info_proto__free_unpacked(again.g.input, NULL);
	}
	return rc ? 3 : 0;
}
