#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// The oracle's own checks (TAP), so that a wrong oracle cannot pass a
// wrong libaccel:
//  1. tensor.js decodes TensorProto files written every way ONNX allows
//     (raw_data; float_data, int32_data, int64_data, packed or not, negative
//     int8 values as sign-extended varints, bool) and round-trips each type;
//  2. ONNX Runtime, through ort-run.js's settings, reproduces the expected
//     outputs of ONNX's own backend node tests (Debian's libonnx-testdata)
//     for the ops of vision CNNs, within compare.js's thresholds.
//
//   selftest.js [NODE_TEST_DIR]   (default /usr/share/libonnx-testdata/data/node)
'use strict';
const fs = require('fs');
const path = require('path');
const { decode, encode, varintBytes } = require('./tensor');
const { compare, compareAll } = require('./compare');
const os = require('os');

let n = 0, failed = 0;
function tap(ok, msg, detail) {
	n++;
	if (!ok) failed++;
	console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${msg}`);
	if (detail) console.log(`# ${detail}`);
}

// --- 1. the codec ---
const key = (field, wire) => varintBytes((field << 3) | wire);
const lenField = (field, bytes) => [...key(field, 2), ...varintBytes(bytes.length), ...bytes];
const packed = (vals) => vals.flatMap((v) => varintBytes(v));
function f32bytes(vals) {
	const b = Buffer.alloc(4 * vals.length);
	vals.forEach((v, i) => b.writeFloatLE(v, i * 4));
	return [...b];
}
const dims = (ds) => ds.flatMap((d) => [...key(1, 0), ...varintBytes(d)]);
const dtype = (t) => [...key(2, 0), ...varintBytes(t)];
const cases = [
	['float_data packed', [...dims([2, 2]), ...dtype(1), ...lenField(4, f32bytes([1.5, -2, 0, 3.25]))],
		'float32', [1.5, -2, 0, 3.25]],
	['float_data unpacked', [...dims([2]), ...dtype(1), ...key(4, 5), ...f32bytes([7]), ...key(4, 5), ...f32bytes([-1])],
		'float32', [7, -1]],
	['int8 in int32_data (negative: 10-byte varints)', [...dims([3]), ...dtype(3), ...lenField(5, packed([-128, 5, 127]))],
		'int8', [-128, 5, 127]],
	['uint8 in int32_data unpacked', [...dims([2]), ...dtype(2), ...key(5, 0), ...varintBytes(255), ...key(5, 0), ...varintBytes(0)],
		'uint8', [255, 0]],
	['int32 in int32_data', [...dims([2]), ...dtype(6), ...lenField(5, packed([-70000, 2147483647]))],
		'int32', [-70000, 2147483647]],
	['int64_data', [...dims([2]), ...dtype(7), ...lenField(7, packed([-1, 4294967296]))],
		'int64', [-1n, 4294967296n]],
	['bool in int32_data', [...dims([3]), ...dtype(9), ...lenField(5, packed([1, 0, 1]))],
		'bool', [1, 0, 1]],
	['raw int32 with a name', [...dims([2]), ...dtype(6), ...lenField(8, [...Buffer.from('x')]),
		...lenField(9, [1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])], 'int32', [1, -1]],
	['scalar (no dims)', [...dtype(1), ...lenField(9, f32bytes([0.25]))], 'float32', [0.25]],
];
for (const [name, bytes, type, want] of cases) {
	try {
		const t = decode(Buffer.from(bytes));
		const got = Array.from(t.data);
		const ok = t.type === type && got.length === want.length && got.every((v, i) => v === want[i]);
		const back = decode(encode(t));
		const rt = back.type === t.type && back.dims.join() === t.dims.join() &&
			Array.from(back.data).every((v, i) => v === got[i]);
		tap(ok && rt, `tensor.js: ${name} decodes${rt ? ' and round-trips through raw_data' : ' (round trip FAILED)'}`,
			ok ? '' : `got ${t.type} [${got}], want ${type} [${want}]`);
	} catch (e) {
		tap(false, `tensor.js: ${name}`, e.message);
	}
}
try {
	decode(Buffer.from([...dims([4]), ...dtype(1), ...lenField(9, [0, 0, 0])]));
	tap(false, 'tensor.js: a short raw_data is refused');
} catch (e) {
	tap(true, `tensor.js: a short raw_data is refused (${e.message})`);
}

// --- compare.js --all: every tensor of two directories ---
{
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'oracle-all-'));
	const dirs = ['ort', 'same', 'one', 'two'].map((d) => path.join(tmp, d));
	const q = new Int8Array(200).map((_, i) => (i * 37) % 256 - 128);
	const f = new Float32Array(10).map((_, i) => 0.5 * i);
	dirs.forEach((d) => fs.mkdirSync(d));
	const put = (d, f0, q1) => {
		fs.writeFileSync(path.join(d, 'output_0.pb'), encode({ name: 'y', type: 'float32', dims: [10], data: f0 }));
		fs.writeFileSync(path.join(d, 'output_1.pb'), encode({ name: 't', type: 'int8', dims: [200], data: q1 }));
	};
	const one = q.slice(), two = q.slice();
	one[7] += 1;			/* 1 of 200 values 1 LSB off: within */
	two[9] += 2;			/* 2 LSB off: outside */
	put(dirs[0], f, q);
	put(dirs[1], f, q);
	put(dirs[2], f, one);
	put(dirs[3], f, two);
	const same = compareAll(dirs[0], dirs[1], 0.5), r1 = compareAll(dirs[0], dirs[2], 0.5);
	const r2 = compareAll(dirs[0], dirs[3], 0.5);
	tap(same.ok && /: 0 \(/.test(same.msg), `compare.js --all: equal directories agree (${same.msg})`);
	tap(r1.ok && /: 1 \(/.test(r1.msg), `compare.js --all: 1 value 1 LSB off is counted, within (${r1.msg})`);
	tap(!r2.ok && /max \|diff\| 2\.000/.test(r2.msg), 'compare.js --all: a value 2 LSB off is outside', r2.msg);
	fs.rmSync(tmp, { recursive: true, force: true });
}

// --- 2. ONNX Runtime against ONNX's expected outputs ---
const OPS = /^test_(add|averagepool_2d|batchnorm|clip|concat|conv|convinteger|dequantizelinear|flatten|gather_0|gemm|globalaveragepool|leakyrelu|matmul|matmulinteger|maxpool_2d|mul|qlinearconv|qlinearmatmul|quantizelinear|relu|reshape|resize_upsample_scales_nearest|shape|sigmoid|softmax|unsqueeze)(_|$)/;

async function nodeTests(dir) {
	let ort;
	try {
		ort = require('onnxruntime-node');
	} catch (e) {
		tap(false, 'onnxruntime-node is not installed: run tools/install-deps.sh', e.message);
		return;
	}
	let names;
	try {
		names = fs.readdirSync(dir).filter((d) => OPS.test(d)).sort();
	} catch (e) {
		tap(false, `ONNX node tests: cannot read ${dir} (libonnx-testdata)`, e.message);
		return;
	}
	for (const name of names) {
		const td = path.join(dir, name);
		try {
			const s = await ort.InferenceSession.create(path.join(td, 'model.onnx'), {
				intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
				graphOptimizationLevel: 'disabled', logSeverityLevel: 3 });
			const sets = fs.readdirSync(td).filter((d) => d.startsWith('test_data_set_'));
			const notes = [];
			let ok = true;
			for (const set of sets) {
				const feeds = {};
				s.inputNames.forEach((inName, k) => {
					const t = decode(fs.readFileSync(path.join(td, set, `input_${k}.pb`)));
					feeds[inName] = new ort.Tensor(t.type, t.data, t.dims);
				});
				const res = await s.run(feeds);
				s.outputNames.forEach((outName, k) => {
					const want = decode(fs.readFileSync(path.join(td, set, `output_${k}.pb`)));
					const o = res[outName];
					const r = compare(want, { type: o.type, dims: Array.from(o.dims, Number), data: o.data }, false, 0);
					if (!r.ok) { ok = false; notes.push(`${set} output ${k}: ${r.msg}`); }
				});
			}
			tap(ok, `ONNX Runtime reproduces ${name} (${sets.length} data set(s))`, notes.join('; '));
		} catch (e) {
			tap(false, `ONNX Runtime cannot run ${name}`, e.message.split('\n')[0]);
		}
	}
}

nodeTests(process.argv[2] || '/usr/share/libonnx-testdata/data/node').then(() => {
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
});
