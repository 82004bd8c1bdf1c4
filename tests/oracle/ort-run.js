#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Runs an ONNX model in ONNX Runtime (npm onnxruntime-node, the tests'
// oracle: never a runtime dependency of Eyrie) on TensorProto inputs and
// writes TensorProto outputs.
//
//   ort-run.js MODEL.onnx [--input [NAME=]FILE.pb ...] [--output-dir DIR]
//   ort-run.js MODEL.onnx --list-inputs     graph input names, one a line
//   ort-run.js --version                    the onnxruntime-node version
//   --extra-output NAME (repeatable) makes an intermediate tensor a graph
//   output too, to find the node where two runtimes part; --save-model FILE
//   writes the model so changed (for `accelctl run` on the same graph).
//   --optimize turns ONNX Runtime's graph optimizations on ("extended":
//   its QDQ fusions run DequantizeLinear -> op -> QuantizeLinear as the
//   integer QLinear kernels, as it runs a QDQ model in production).
//
// Inputs without NAME= feed the graph inputs in order. Every output is
// written as DIR/output_N.pb (graph order), as `accelctl run --output-dir`
// does. One intra-op and one inter-op thread, sequential execution, and
// every graph optimization off (unless --optimize): the result does not
// depend on the machine's core count and is ONNX Runtime's kernels, not its
// fused rewrites.
// Exit: 0 ok, 2 usage, 3 model or runtime error, 4 onnxruntime-node missing.
'use strict';
const fs = require('fs');
const path = require('path');
const { readTensor, writeTensor, varintBytes, fieldsOf } = require('./tensor');

// Appends graph outputs (ValueInfoProto with only a name) to a ModelProto:
// ModelProto.graph is field 7, GraphProto.output field 12.
function withExtraOutputs(model, names) {
	const parts = [];
	for (const f of fieldsOf(model)) {
		if (f.field !== 7) {
			parts.push(f.bytes);
			continue;
		}
		const add = names.map((n) => {
			const name = Buffer.from(n, 'utf8');
			const vi = Buffer.concat([Buffer.from([0x0a, ...varintBytes(name.length)]), name]);
			return Buffer.concat([Buffer.from([0x62, ...varintBytes(vi.length)]), vi]);
		});
		const graph = Buffer.concat([f.value, ...add]);
		parts.push(Buffer.from([0x3a, ...varintBytes(graph.length)]), graph);
	}
	return Buffer.concat(parts);
}

function loadOrt() {
	try {
		return require('onnxruntime-node');
	} catch (e) {
		console.error(`ort-run: onnxruntime-node is not installed (${e.code || e.message}).\n` +
			'  Install it with tools/install-deps.sh (npm ci --ignore-scripts in tests/oracle/).');
		process.exit(4);
	}
}

function usage(msg) {
	if (msg)
		console.error(`ort-run: ${msg}`);
	console.error('usage: ort-run.js MODEL.onnx [--input [NAME=]FILE.pb ...] [--output-dir DIR] | --list-inputs | --version');
	process.exit(2);
}

async function main(argv) {
	let model = null, outDir = null, list = false, saveModel = null, optimize = false;
	const inputs = [], extra = [];
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--version') {
			const ort = loadOrt();
			console.log(ort.env.versions.node || ort.env.versions.common);
			return 0;
		} else if (a === '--input' || a === '-i') {
			if (++i >= argv.length) usage('--input needs a file');
			const eq = argv[i].indexOf('=');
			inputs.push(eq > 0 ? { name: argv[i].slice(0, eq), file: argv[i].slice(eq + 1) } :
				{ name: null, file: argv[i] });
		} else if (a === '--output-dir') {
			if (++i >= argv.length) usage('--output-dir needs a directory');
			outDir = argv[i];
		} else if (a === '--extra-output') {
			if (++i >= argv.length) usage('--extra-output needs a tensor name');
			extra.push(argv[i]);
		} else if (a === '--save-model') {
			if (++i >= argv.length) usage('--save-model needs a file');
			saveModel = argv[i];
		} else if (a === '--optimize') {
			optimize = true;
		} else if (a === '--list-inputs') {
			list = true;
		} else if (a.startsWith('-')) {
			usage(`unknown option ${a}`);
		} else if (!model) {
			model = a;
		} else {
			usage(`unexpected argument ${a}`);
		}
	}
	if (!model) usage('no model given');
	const ort = loadOrt();
	let bytes = fs.readFileSync(model);
	if (extra.length)
		bytes = withExtraOutputs(bytes, extra);
	if (saveModel)
		fs.writeFileSync(saveModel, bytes);
	let session;
	try {
		session = await ort.InferenceSession.create(bytes, {
			intraOpNumThreads: 1, interOpNumThreads: 1,
			executionMode: 'sequential', graphOptimizationLevel: optimize ? 'extended' : 'disabled',
			executionProviders: ['cpu'], logSeverityLevel: 3,
		});
	} catch (e) {
		console.error(`ort-run: ${model}: onnxruntime cannot load it: ${e.message}`);
		return 3;
	}
	if (list) {
		for (const n of session.inputNames) console.log(n);
		return 0;
	}
	const feeds = {};
	inputs.forEach((inp, k) => {
		const name = inp.name || session.inputNames[k];
		if (!session.inputNames.includes(name))
			usage(`${model} has no input ${name} (inputs: ${session.inputNames.join(', ')})`);
		const t = readTensor(inp.file);
		feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
	});
	for (const n of session.inputNames)
		if (!feeds[n]) usage(`input ${n} not given`);
	let res;
	try {
		res = await session.run(feeds);
	} catch (e) {
		console.error(`ort-run: ${model}: onnxruntime failed to run it: ${e.message}`);
		return 3;
	}
	session.outputNames.forEach((n, k) => {
		const o = res[n];
		console.log(`${n}: ${o.type} [${o.dims.join(', ')}]`);
		if (outDir) {
			fs.mkdirSync(outDir, { recursive: true });
			writeTensor(path.join(outDir, `output_${k}.pb`),
				{ name: n, type: o.type, dims: o.dims, data: o.data });
		}
	});
	return 0;
}

main(process.argv.slice(2)).then((rc) => process.exit(rc), (e) => {
	console.error(`ort-run: ${e.message}`);
	process.exit(3);
});
