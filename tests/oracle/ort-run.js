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
//   writes the model so changed (for `accelctl run` on the same graph);
//   without --input and --output-dir it only writes it.
//   --optimize turns ONNX Runtime's graph optimizations on ("extended":
//   its QDQ fusions run DequantizeLinear -> op -> QuantizeLinear as the
//   integer QLinear kernels, as it runs a QDQ model in production).
//   --perturb-weights SEED multiplies every element of every float
//   initializer by (1 + e), e uniform in [-2^-23, 2^-23] (up to one unit
//   in the last place of float32) drawn from SEED: the same network as
//   another float32 implementation's roundings see it. compare.js --noise
//   takes the outputs of a few such runs as the network's float32
//   sensitivity (docs/models.md, "ONNX Runtime as the oracle").
//   --zero-input-channel WEIGHT:C zeroes input channel C (the second
//   dimension) of the float initializer WEIGHT: what a Conv or Gemm kernel
//   whose reduction skips that channel computes; with --save-model, the
//   oracle's wrong kernel that its float tolerance must refuse.
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

// Edits the float initializers of a ModelProto in place (ModelProto.graph
// is field 7, GraphProto.initializer field 5; TensorProto dims 1,
// data_type 2, float_data 4, name 8, raw_data 9): their values are
// little-endian floats in the model's bytes (raw_data, or packed
// float_data), so no byte moves and a 150 MB model is not copied.
// edit({ name, dims, data }) changes data (a Float32Array) and returns
// true to write it back.
function editFloatInitializers(model, edit) {
	let pos = 0, end = 0;
	const varint = () => {
		let v = 0, mul = 1, b;
		do {
			if (pos >= end) throw new Error('truncated model');
			b = model[pos++];
			v += (b & 0x7f) * mul;
			mul *= 128;
		} while (b & 0x80);
		return v;
	};
	// the fields of model[start, stop): [field, from, to] (length-delimited)
	// or [field, value, null] (varint)
	const fields = (start, stop) => {
		const out = [];
		pos = start;
		end = stop;
		while (pos < end) {
			const key = varint(), field = Math.floor(key / 8), wire = key & 7;
			if (wire === 0) out.push([field, varint(), null]);
			else if (wire === 1) pos += 8;
			else if (wire === 5) pos += 4;
			else if (wire === 2) {
				const len = varint();
				out.push([field, pos, pos + len]);
				pos += len;
			} else throw new Error(`unsupported wire type ${wire}`);
		}
		return out;
	};
	for (const [gf, gs, ge] of fields(0, model.length)) {
		if (gf !== 7 || ge === null) continue;
		for (const [inf, is, ie] of fields(gs, ge)) {
			if (inf !== 5 || ie === null) continue;
			let type = 0, name = '', data = null;
			const dims = [];
			for (const [f, a, b] of fields(is, ie)) {
				if (f === 2 && b === null) type = a;
				else if (f === 1 && b === null) dims.push(a);
				else if (f === 1) {	// packed dims
					pos = a;
					end = b;
					while (pos < end) dims.push(varint());
				}
				else if (f === 8) name = model.toString('utf8', a, b);
				else if ((f === 9 || f === 4) && b !== null) data = [a, b];
			}
			if (type !== 1 || (!data && dims.includes(0)))
				continue;
			if (!data)	// one float_data field per value: not in place
				throw new Error(`float initializer ${name}: neither raw_data nor packed float_data`);
			const n = (data[1] - data[0]) / 4, at = model.byteOffset + data[0];
			// a view where the floats are aligned, else a copy written back
			const view = at % 4 === 0;
			const t = { name, dims, data: view ? new Float32Array(model.buffer, at, n) : new Float32Array(n) };
			if (!view)
				for (let i = 0; i < n; i++) t.data[i] = model.readFloatLE(data[0] + 4 * i);
			if (edit(t) && !view)
				for (let i = 0; i < n; i++) model.writeFloatLE(t.data[i], data[0] + 4 * i);
		}
	}
	return model;
}

// mulberry32: a seeded uniform [0, 1) stream, the same on every machine
function uniform(seed) {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = Math.imul(a ^ (a >>> 15), 1 | a);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

function perturbWeights(model, seed) {
	const u = uniform(seed);
	return editFloatInitializers(model, (t) => {
		for (let i = 0; i < t.data.length; i++)
			t.data[i] *= 1 + (2 * u() - 1) * 2 ** -23;
		return true;
	});
}

function zeroInputChannel(model, weight, c) {
	let found = false;
	const out = editFloatInitializers(model, (t) => {
		if (t.name !== weight)
			return false;
		if (t.dims.length < 2 || c < 0 || c >= t.dims[1])
			usage(`${weight} has dims [${t.dims.join(', ')}]: no input channel ${c}`);
		const inner = t.dims.slice(2).reduce((a, b) => a * b, 1);
		for (let m = 0; m < t.dims[0]; m++)
			t.data.fill(0, (m * t.dims[1] + c) * inner, (m * t.dims[1] + c + 1) * inner);
		found = true;
		return true;
	});
	if (!found)
		usage(`no float initializer ${weight}`);
	return out;
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
	console.error('usage: ort-run.js MODEL.onnx [--input [NAME=]FILE.pb ...] [--output-dir DIR] [--extra-output NAME ...]\n' +
		'       [--save-model FILE] [--optimize] [--perturb-weights SEED] [--zero-input-channel WEIGHT:C]\n' +
		'       | MODEL.onnx --list-inputs | --version');
	process.exit(2);
}

async function main(argv) {
	let model = null, outDir = null, list = false, saveModel = null, optimize = false;
	let perturbSeed = null, zero = null;
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
		} else if (a === '--perturb-weights') {
			if (++i >= argv.length || !/^\d+$/.test(argv[i])) usage('--perturb-weights needs a seed (an unsigned integer)');
			perturbSeed = Number(argv[i]);
		} else if (a === '--zero-input-channel') {
			const m = ++i < argv.length ? /^(.+):(\d+)$/.exec(argv[i]) : null;
			if (!m) usage('--zero-input-channel needs WEIGHT:C');
			zero = { weight: m[1], c: Number(m[2]) };
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
	if (perturbSeed !== null)
		bytes = perturbWeights(bytes, perturbSeed);
	if (zero)
		bytes = zeroInputChannel(bytes, zero.weight, zero.c);
	if (extra.length)
		bytes = withExtraOutputs(bytes, extra);
	if (saveModel)
		fs.writeFileSync(saveModel, bytes);
	// only the edited model wanted: no session
	if (saveModel && !inputs.length && !outDir && !list)
		return 0;
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
