// SPDX-License-Identifier: MIT
/*
 * corpusgen: writes the exporter-style corpus, graphs shaped as PyTorch
 * and ONNX Runtime's quantizer write them (corpus.h), each as an ONNX
 * backend test directory with seeded inputs. ONNX Runtime computes the
 * expected outputs in the tests (tests/oracle); nothing here guesses them.
 *
 *   corpusgen -o DIR [--full] [--seed N] [NAME ...]
 *   corpusgen --list
 *
 * DIR/NAME/model.onnx, DIR/NAME/test_data_set_K/input_0.pb and
 * DIR/NAME/oracle.txt (the form and, for quantized graphs, the scale of
 * the output's DequantizeLinear: one LSB). --full: larger images and
 * channels, batch 4, three data sets (make check-full).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"

struct size {
	int hw, c, batch, sets;
};

struct graph {
	const char *name;
	enum cg_form form;
	int opset;
	int dynamic_batch;
	int folded_names;
	const char *about;
	int (*build)(struct cg_net *net, const struct size *sz);
};

/*
 * A conv and its BatchNormalization as PyTorch exports them (Conv without
 * bias, BN module `bn`), or, folded (the quantized forms: quant_pre_process
 * folds BN into the conv), one Conv with a bias.
 */
static int conv_bn(struct cg_net *net, int x, const char *conv, const char *bn, int m,
		   int k, int stride, int groups, int folded)
{
	x = cg_conv(net, x, conv, m, k, stride, groups, folded);
	return folded ? x : cg_bn(net, x, bn);
}

/* Two ResNet basic blocks (the second with a projection shortcut) as
 * torchvision names them; Relu after conv/add. */
static int resnet_body(struct cg_net *net, const struct size *sz, int folded)
{
	int c = sz->c, x, id, y;

	x = cg_input(net, 3, sz->hw, sz->hw);
	x = conv_bn(net, x, "conv1", "bn1", c, 3, 1, 1, folded);
	x = cg_act(net, x, CG_RELU, "relu", 0);
	x = cg_pool(net, x, CG_MAXPOOL, "maxpool", 3, 2, 1);
	id = x;
	y = conv_bn(net, x, "layer1.0.conv1", "layer1.0.bn1", c, 3, 1, 1, folded);
	y = cg_act(net, y, CG_RELU, "layer1.0.relu", 0);
	y = conv_bn(net, y, "layer1.0.conv2", "layer1.0.bn2", c, 3, 1, 1, folded);
	x = cg_binary(net, CG_ADD, y, id, "layer1.0");
	x = cg_act(net, x, CG_RELU, "layer1.0.relu_1", 0);
	y = conv_bn(net, x, "layer2.0.conv1", "layer2.0.bn1", 2 * c, 3, 2, 1, folded);
	y = cg_act(net, y, CG_RELU, "layer2.0.relu", 0);
	y = conv_bn(net, y, "layer2.0.conv2", "layer2.0.bn2", 2 * c, 3, 1, 1, folded);
	id = conv_bn(net, x, "layer2.0.downsample.0", "layer2.0.downsample.1", 2 * c, 1, 2, 1,
		     folded);
	x = cg_binary(net, CG_ADD, y, id, "layer2.0");
	x = cg_act(net, x, CG_RELU, "layer2.0.relu_1", 0);
	return cg_unary(net, x, CG_GAP, "avgpool");
}

/* The float export (BN kept: exported with do_constant_folding=False),
 * flattened with x.view(x.size(0), -1), classified with Softmax. */
static int torch_resnet(struct cg_net *net, const struct size *sz)
{
	int x = resnet_body(net, sz, 0);

	x = cg_flatten(net, x, "", 1);
	x = cg_gemm(net, x, "fc", 100);
	return cg_unary(net, x, CG_SOFTMAX, "");
}

/* The float export with the exporter's default constant folding, which
 * folds BatchNormalization into the convs; torch.flatten, logits out. */
static int torch_resnet_folded(struct cg_net *net, const struct size *sz)
{
	int x = resnet_body(net, sz, 1);

	x = cg_flatten(net, x, "", 0);
	return cg_gemm(net, x, "fc", 100);
}

/* Quantized to QOperator: Relu folded into QLinearConv / QLinearAdd. */
static int qop_resnet(struct cg_net *net, const struct size *sz)
{
	int x = resnet_body(net, sz, 1);

	x = cg_flatten(net, x, "", 0);
	return cg_gemm(net, x, "fc", 100);
}

/* MobileNetV2's first blocks (ReLU6 as Clip; the expansion's activation
 * a Relu when `relu_expand`), global pooling, torch.flatten. */
static int mobilenet_body(struct cg_net *net, const struct size *sz, int folded, int expand,
			  int relu_expand)
{
	int c = sz->c, x, y;

	x = cg_input(net, 3, sz->hw, sz->hw);
	x = conv_bn(net, x, "features.0.0", "features.0.1", c, 3, 2, 1, folded);
	x = cg_act(net, x, CG_CLIP6, "features.0.2", 0);
	x = conv_bn(net, x, "features.1.conv.0.0", "features.1.conv.0.1", c, 3, 1, c, folded);
	x = cg_act(net, x, CG_CLIP6, "features.1.conv.0.2", 0);
	x = conv_bn(net, x, "features.1.conv.1", "features.1.conv.2", c, 1, 1, 1, folded);
	y = conv_bn(net, x, "features.2.conv.0.0", "features.2.conv.0.1", expand * c, 1, 1, 1,
		    folded);
	y = cg_act(net, y, relu_expand ? CG_RELU : CG_CLIP6, "features.2.conv.0.2", 0);
	y = conv_bn(net, y, "features.2.conv.1.0", "features.2.conv.1.1", expand * c, 3, 1,
		    expand * c, folded);
	y = cg_act(net, y, CG_CLIP6, "features.2.conv.1.2", 0);
	y = conv_bn(net, y, "features.2.conv.2", "features.2.conv.3", c, 1, 1, 1, folded);
	x = cg_binary(net, CG_ADD, x, y, "features.2");
	return x;
}

/* The float export: a last 1x1 conv, Dropout gone in eval mode, Softmax. */
static int torch_mobilenet(struct cg_net *net, const struct size *sz)
{
	int x = mobilenet_body(net, sz, 0, 4, 0);

	x = conv_bn(net, x, "features.3.0", "features.3.1", 4 * sz->c, 1, 1, 1, 0);
	x = cg_act(net, x, CG_CLIP6, "features.3.2", 0);
	x = cg_unary(net, x, CG_GAP, "");
	x = cg_flatten(net, x, "", 0);
	x = cg_gemm(net, x, "classifier.1", 100);
	return cg_unary(net, x, CG_SOFTMAX, "");
}

/* QOperator activations and joins: LeakyRelu, a sigmoid gate (Mul),
 * Concat of two differently scaled inputs, padded AveragePool (also as
 * the float export the quantizer starts from). */
static int qop_gates(struct cg_net *net, const struct size *sz)
{
	int c = sz->c, x, a, b;

	x = cg_input(net, 3, sz->hw, sz->hw);
	x = cg_conv(net, x, "stem.0", c, 3, 1, 1, 1);
	x = cg_act(net, x, CG_RELU, "stem.1", 0);
	a = cg_conv(net, x, "branch_a.0", c, 3, 1, 1, 1);
	a = cg_act(net, a, CG_LEAKY, "branch_a.1", 0.1f);
	b = cg_conv(net, x, "gate.0", c, 1, 1, 1, 1);
	b = cg_act(net, b, CG_SIGMOID, "gate.1", 0);
	b = cg_binary(net, CG_MUL, a, b, "gate");
	x = cg_concat(net, a, b, "");
	x = cg_pool(net, x, CG_AVGPOOL, "pool", 3, 2, 1);
	return cg_conv(net, x, "head", c, 1, 1, 1, 1);
}

/* An Inception-style join: a 1x1 and a 3x3 branch (Relu folded into each
 * conv by the quantizer) concatenated on channels, then a 1x1 conv. Each
 * branch is read only by the Concat: its conv can write its slice of the
 * Concat's output in place (docs/models.md "Concat without copies"). */
static int inception(struct cg_net *net, const struct size *sz)
{
	int c = sz->c, x, a, b;

	x = cg_input(net, 3, sz->hw, sz->hw);
	x = cg_conv(net, x, "stem.0", c, 3, 1, 1, 1);
	x = cg_act(net, x, CG_RELU, "stem.1", 0);
	a = cg_conv(net, x, "branch1x1.conv", c, 1, 1, 1, 1);
	a = cg_act(net, a, CG_RELU, "branch1x1.relu", 0);
	b = cg_conv(net, x, "branch3x3.conv", c / 2, 3, 1, 1, 1);
	b = cg_act(net, b, CG_RELU, "branch3x3.relu", 0);
	x = cg_concat(net, a, b, "");
	return cg_conv(net, x, "head", c, 1, 1, 1, 1);
}

/* MobileNetV2 blocks in QDQ: ReLU6 kept as Clip (QDQKeepRemovableActivations),
 * the expansion's Relu folded, depthwise convs, a residual Add, Gemm with
 * per-channel weights. */
static int qdq_mobilenet(struct cg_net *net, const struct size *sz)
{
	int x = mobilenet_body(net, sz, 1, 2, 1);

	x = cg_unary(net, x, CG_GAP, "");
	x = cg_flatten(net, x, "", 0);
	return cg_gemm(net, x, "classifier.1", 100);
}

/* A feature-pyramid step (QDQ, and QOperator with Resize on u8):
 * LeakyRelu, nearest x2 Resize, a Sigmoid branch, Concat of inputs with
 * different scales. */
static int fpn(struct cg_net *net, const struct size *sz)
{
	int c = sz->c, x, up, lat;

	x = cg_input(net, 3, sz->hw, sz->hw);
	x = cg_conv(net, x, "stem.0", c, 3, 1, 1, 1);
	x = cg_act(net, x, CG_LEAKY, "stem.1", 0.1f);
	up = cg_conv(net, x, "down.0", c, 3, 2, 1, 1);
	up = cg_act(net, up, CG_RELU, "down.1", 0);
	up = cg_unary(net, up, CG_RESIZE2X, "up");
	lat = cg_conv(net, x, "lateral.0", c, 1, 1, 1, 1);
	lat = cg_act(net, lat, CG_SIGMOID, "lateral.1", 0);
	x = cg_concat(net, up, lat, "");
	x = cg_pool(net, x, CG_MAXPOOL, "pool", 2, 2, 0);
	return cg_conv(net, x, "head", c, 1, 1, 1, 1);
}

/* A classifier head as PyTorch exports bias-free nn.Linear layers on some
 * inputs: MatMul by a c x m initializer ("onnx::MatMul_N"), a Relu between
 * (quantize writes them as QDQ MatMul or QLinearMatMul: FC layers). */
static int torch_mlp(struct cg_net *net, const struct size *sz)
{
	int x = cg_input(net, 3, sz->hw, sz->hw);

	x = cg_conv(net, x, "features.0", sz->c, 3, 2, 1, 1);
	x = cg_act(net, x, CG_RELU, "features.1", 0);
	x = cg_unary(net, x, CG_GAP, "avgpool");
	x = cg_flatten(net, x, "", 0);
	x = cg_matmul(net, x, "head.0", 2 * sz->c);
	x = cg_act(net, x, CG_RELU, "head.1", 0);
	return cg_matmul(net, x, "head.2", 100);
}

static const struct graph graphs[] = {
	{ "torch-resnet-folded-op14", CG_FLOAT, 14, 1, 1,
	  "PyTorch float export with its default constant folding: BatchNormalization "
	  "folded into Conv (onnx::Conv_N initializers), MaxPool, residual Add, "
	  "GlobalAveragePool, Flatten, Gemm; dynamic batch",
	  torch_resnet_folded },
	{ "torch-resnet-op13", CG_FLOAT, 13, 1, 0,
	  "PyTorch float export: Conv+BatchNormalization+Relu, residual Add, MaxPool, "
	  "Shape->Gather->Unsqueeze->Concat->Reshape flatten, Gemm, Softmax; dynamic batch",
	  torch_resnet },
	{ "torch-mobilenet-op17", CG_FLOAT, 17, 1, 0,
	  "PyTorch float export: depthwise Conv+BatchNormalization, ReLU6 as Clip, "
	  "residual Add, GlobalAveragePool, Flatten, Gemm, Softmax; dynamic batch",
	  torch_mobilenet },
	{ "torch-gates-op13", CG_FLOAT, 13, 1, 0,
	  "PyTorch float export: LeakyRelu, a Sigmoid gate (Mul), Concat, padded "
	  "AveragePool, convs with biases; dynamic batch",
	  qop_gates },
	{ "torch-mlp-op13", CG_FLOAT, 13, 1, 0,
	  "PyTorch float export: Conv, Relu, GlobalAveragePool, Flatten, two bias-free "
	  "Linear layers as MatMul by c x m initializers, Relu between; dynamic batch",
	  torch_mlp },
	{ "torch-mobilenet-op9", CG_FLOAT, 9, 1, 0,
	  "PyTorch 1.x float export at its then default opset 9: ReLU6 as Clip with "
	  "min/max attributes, BatchNormalization, depthwise Conv, Softmax-1; dynamic "
	  "batch (quantize rewrites it at opset 13)",
	  torch_mobilenet },
	{ "torch-fpn-op9", CG_FLOAT, 9, 1, 0,
	  "PyTorch 1.x float export at opset 9: F.interpolate(scale_factor=2) as "
	  "Upsample-9 (nearest), LeakyRelu, Sigmoid, Concat, MaxPool; dynamic batch",
	  fpn },
	{ "torch-resnet-op11", CG_FLOAT, 11, 1, 0,
	  "PyTorch float export at opset 11: Shape->Gather->Unsqueeze(axes attribute)"
	  "->Concat->Reshape flatten, BatchNormalization, Gemm, Softmax-11; dynamic batch",
	  torch_resnet },
	{ "ort-qop-resnet", CG_QOP, 13, 0, 0,
	  "ONNX Runtime QOperator: QLinearConv (per-channel s8), MaxPool on u8, QLinearAdd, "
	  "QLinearGlobalAveragePool, Flatten, QGemm",
	  qop_resnet },
	{ "ort-qop-gates", CG_QOP, 13, 0, 0,
	  "ONNX Runtime QOperator: QLinearLeakyRelu, QLinearSigmoid, QLinearMul, "
	  "QLinearConcat (inputs of different scales), QLinearAveragePool (padded)",
	  qop_gates },
	{ "ort-qop-inception", CG_QOP, 13, 0, 0,
	  "ONNX Runtime QOperator: two QLinearConv branches (Relu folded, different "
	  "scales) joined by QLinearConcat on channels, QLinearConv head",
	  inception },
	{ "ort-qdq-inception", CG_QDQ, 13, 0, 0,
	  "ONNX Runtime QDQ: two Conv branches (Relu folded, different scales) joined "
	  "by Concat on channels, Conv head",
	  inception },
	{ "ort-qdq-mobilenet", CG_QDQ, 13, 0, 0,
	  "ONNX Runtime QDQ: per-channel weights (DequantizeLinear axis=0), ReLU6 as Clip, "
	  "depthwise Conv, residual Add, GlobalAveragePool, Gemm",
	  qdq_mobilenet },
	{ "ort-qdq-fpn", CG_QDQ, 13, 0, 0,
	  "ONNX Runtime QDQ: LeakyRelu, nearest Resize x2, Sigmoid, Concat of inputs "
	  "with different scales, MaxPool",
	  fpn },
	{ "ort-qop-fpn", CG_QOP, 13, 0, 0,
	  "ONNX Runtime QOperator: QLinearLeakyRelu, nearest Resize x2 directly on u8, "
	  "QLinearSigmoid, QLinearConcat of inputs with different scales, MaxPool on u8",
	  fpn },
};
#define N_GRAPHS (sizeof(graphs) / sizeof(graphs[0]))

static uint64_t seed_of(uint64_t seed, const char *name, int salt)
{
	uint64_t h = seed * 0x9e3779b97f4a7c15ull + (uint64_t)salt * 0xbf58476d1ce4e5b9ull;

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	return h ? h : 1;
}

static int mkdir_p(const char *path)
{
	if (mkdir(path, 0755) && errno != EEXIST) {
		fprintf(stderr, "corpusgen: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int write_graph(const struct graph *gr, const char *dir, const struct size *sz,
		       uint64_t seed)
{
	struct cg_net *net = mg_xmalloc(sizeof(*net));
	struct cg_model m = {
		.name = gr->name, .form = gr->form, .opset = gr->opset,
		.dynamic_batch = gr->dynamic_batch, .fixed_batch = sz->batch,
		.folded_names = gr->folded_names,
	};
	static const int dyn_batch[3] = { 2, 1, 3 };	/* data sets of a dynamic batch */
	char path[4096];
	float lsb;
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, gr->name);
	if (mkdir_p(path))
		return -1;
	/* calibration batch, from its own stream (not a test input) */
	net->batch = 4;
	net->rng = seed_of(seed, gr->name, 0);
	gr->build(net, sz);
	snprintf(path, sizeof(path), "%s/%s/model.onnx", dir, gr->name);
	if (cg_write(net, &m, path, &lsb))
		rc = -1;
	for (int k = 0; !rc && k < sz->sets; k++) {
		const struct cg_node *in = &net->nd[0];
		int b = gr->dynamic_batch ? dyn_batch[k % 3] : sz->batch;
		int64_t dims[4] = { b, in->c, in->h, in->w };
		size_t n = (size_t)b * in->c * in->h * in->w;
		float *v = mg_xmalloc(n * sizeof(float));
		uint64_t rng = seed_of(seed, gr->name, k + 1);

		cg_fill_input(&rng, v, n);
		snprintf(path, sizeof(path), "%s/%s/test_data_set_%d", dir, gr->name, k);
		if (mkdir_p(path))
			rc = -1;
		snprintf(path, sizeof(path), "%s/%s/test_data_set_%d/input_0.pb", dir, gr->name, k);
		if (!rc && mg_write_tensor(path, "input", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 4,
					   dims, v, n * sizeof(float)))
			rc = -1;
		free(v);
	}
	snprintf(path, sizeof(path), "%s/%s/oracle.txt", dir, gr->name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "corpusgen: cannot write %s\n", path);
		rc = -1;
	} else {
		fprintf(f, "form %s\n", gr->form == CG_FLOAT ? "float" : gr->form == CG_QOP ? "qoperator" : "qdq");
		if (lsb > 0)
			fprintf(f, "output_0 lsb %.9g\n", lsb);
		fprintf(f, "about %s\n", gr->about);
		fclose(f);
	}
	cg_net_free(net);
	free(net);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "full", no_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 's' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct size check = { .hw = 16, .c = 8, .batch = 2, .sets = 2 };
	struct size full = { .hw = 64, .c = 32, .batch = 4, .sets = 3 };
	const struct size *sz = &check;
	const char *dir = NULL;
	uint64_t seed = 1;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "o:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'f': sz = &full; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'l':
			for (size_t i = 0; i < N_GRAPHS; i++)
				printf("%s\t%s\n", graphs[i].name, graphs[i].about);
			return 0;
		case 'h':
			printf("usage: corpusgen -o DIR [--full] [--seed N] [NAME ...]\n"
			       "       corpusgen --list\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!dir) {
		fprintf(stderr, "corpusgen: -o DIR is required (see --help)\n");
		return 2;
	}
	if (mkdir_p(dir))
		return 3;
	for (size_t i = 0; i < N_GRAPHS; i++) {
		int want = optind == argc;

		for (int a = optind; a < argc; a++)
			want |= !strcmp(argv[a], graphs[i].name);
		if (want && write_graph(&graphs[i], dir, sz, seed))
			rc = 3;
	}
	for (int a = optind; a < argc; a++) {
		size_t i = 0;

		while (i < N_GRAPHS && strcmp(argv[a], graphs[i].name))
			i++;
		if (i == N_GRAPHS) {
			fprintf(stderr, "corpusgen: unknown graph '%s' (--list)\n", argv[a]);
			rc = 2;
		}
	}
	return rc;
}
