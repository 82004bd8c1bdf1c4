#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// ELTWISE's binary32 rule (docs/hardware.md 7.11) against ONNX Runtime's
// QLinearAdd, and the CPU reference of QLinearMul against ONNX Runtime's,
// bit for bit (TAP):
//
//   qladd-check.js ACCELCTL
//
// Each case is a com.microsoft QLinearAdd of two int8 or uint8 vectors of
// 4099 elements (tails of the kernel's 32-wide loop included) with random
// values, zero points and scales: half the cases with power-of-two scales,
// so that many sums land exactly on a half (ties: ONNX Runtime rounds them
// to even), half with random binary32 scales (the ratios and the
// zero-point term rounded as ONNX Runtime rounds them). ONNX Runtime
// (onnxruntime-node, graph optimizations off) and `accelctl -d emu run`
// (the board with CAP_FP32_REQUANT: the Add on the device's ELTWISE) must
// give the same values everywhere. Then the same cases on
// emu:no_fp32_requant (the fixed-point rule) must part from ONNX Runtime
// somewhere, so the suite can fail.
//
// QLinearMul (the device has no multiply: the CPU reference kernel runs
// it) the same way: int8 and uint8, element-wise and with a one-element A
// or B (MLAS's scalar-B kernel), power-of-two scales whose ratio is 2^-1
// to 2^-4 on operands near their zero points, so that many products land
// on a half, and random binary32 scales. ONNX Runtime's rule (MLAS's
// x86-64 kernel): p = (a - a_zp)(b - b_zp) exact, ratio = fl32(fl32(a_s
// b_s) / c_s), f = fl32(fl32(p ratio) + c_zp), rne(f), saturated: the zero
// point is added before rounding, so a half rounds to even after it. This
// file's own model of the rule must equal ONNX Runtime everywhere, and
// rounding before adding the zero point must part from it (on the ties
// with an odd zero point), so a reference with that rule fails the check.
// A QDQ Mul (DequantizeLinear, Mul, QuantizeLinear: libaccel runs the
// three reference kernels) on the element-wise cases' data must equal ONNX
// Runtime with its optimizations off, where QLinearMul's rule parts from
// it. Exit 0 when every check passes.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { encode, readTensor, writeTensor, varintBytes } = require('./tensor');

const accelctl = process.argv[2];
if (!accelctl) {
	console.error('usage: qladd-check.js ACCELCTL');
	process.exit(2);
}
let ort;
try {
	ort = require('onnxruntime-node');
} catch (e) {
	console.log('not ok 1 - onnxruntime-node is not installed (tools/install-deps.sh)');
	process.exit(1);
}

const N = 4099;
const CASES = 16;

// protobuf: a length-delimited field and a varint field
const ld = (f, b) => Buffer.concat([Buffer.from([(f << 3) | 2, ...varintBytes(b.length)]), b]);
const vf = (f, v) => Buffer.from([f << 3, ...varintBytes(v)]);
const str = (f, s) => ld(f, Buffer.from(s, 'utf8'));

// ValueInfoProto of a 1-D tensor of elem type et
function vinfo(name, et, n) {
	const shape = ld(2, ld(1, vf(1, n)));
	return Buffer.concat([str(1, name), ld(2, ld(1, Buffer.concat([vf(1, et), shape])))]);
}

// QLinearAdd or QLinearMul (c.op)(a, as, az, b, bs, bz, cs, cz) -> c; a
// and b graph inputs of c.a.length and c.b.length elements.
function model(c) {
	const et = c.u8 ? 2 : 3, type = c.u8 ? 'uint8' : 'int8';
	const Arr = c.u8 ? Uint8Array : Int8Array;
	const ins = ['a', 'as', 'az', 'b', 'bs', 'bz', 'cs', 'cz'];
	const nd = (op, i, o, domain) => ld(1, Buffer.concat([...i.map((x) => str(1, x)), str(2, o),
		str(3, o), str(4, op), ...(domain ? [str(7, domain)] : [])]));
	// QDQMul: the float Mul between DequantizeLinear and QuantizeLinear
	const nodes = c.op === 'QDQMul' ?
		[nd('DequantizeLinear', ['a', 'as', 'az'], 'fa'), nd('DequantizeLinear', ['b', 'bs', 'bz'], 'fb'),
			nd('Mul', ['fa', 'fb'], 'fm'), nd('QuantizeLinear', ['fm', 'cs', 'cz'], 'c')] :
		[nd(c.op, ins, 'c', 'com.microsoft')];
	const inits = [
		{ name: 'as', type: 'float32', dims: [], data: Float32Array.of(c.sa) },
		{ name: 'bs', type: 'float32', dims: [], data: Float32Array.of(c.sb) },
		{ name: 'cs', type: 'float32', dims: [], data: Float32Array.of(c.sc) },
		{ name: 'az', type, dims: [], data: Arr.of(c.za) },
		{ name: 'bz', type, dims: [], data: Arr.of(c.zb) },
		{ name: 'cz', type, dims: [], data: Arr.of(c.zc) },
	];
	const graph = Buffer.concat([...nodes, str(2, 'qladd'),
		...inits.map((t) => ld(5, encode(t))),
		ld(11, vinfo('a', et, c.a.length)), ld(11, vinfo('b', et, c.b.length)),
		ld(12, vinfo('c', et, Math.max(c.a.length, c.b.length)))]);
	return Buffer.concat([vf(1, 8), ld(8, Buffer.concat([str(1, ''), vf(2, 13)])),
		ld(8, Buffer.concat([str(1, 'com.microsoft'), vf(2, 1)])), ld(7, graph)]);
}

// deterministic cases (a 32-bit LCG)
let seed = 0x13add;
const rnd = () => {
	seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
	return seed / 4294967296;
};
const cases = [];
for (let k = 0; k < CASES; k++) {
	const u8 = k % 2 === 1, lo = u8 ? 0 : -128, pow2 = k % 4 < 2;
	const zp = () => lo + Math.floor(rnd() * 256);
	const sc = () => (pow2 ? Math.pow(2, -9 + Math.floor(rnd() * 6)) :
		Math.fround(0.002 + rnd() * 0.1));
	const c = { op: 'QLinearAdd', u8, pow2, sa: sc(), sb: sc(), sc: sc(), za: zp(), zb: zp(), zc: zp() };
	const Arr = u8 ? Uint8Array : Int8Array;
	c.a = new Arr(N);
	c.b = new Arr(N);
	for (let i = 0; i < N; i++) {
		c.a[i] = zp();
		c.b[i] = zp();
	}
	cases.push(c);
}
// QLinearMul: k % 2 uint8, k % 4 < 2 power-of-two scales, k >= 8 a
// one-element B (k 8..11) or A (k 12..15)
const mulCases = [];
for (let k = 0; k < CASES; k++) {
	const u8 = k % 2 === 1, lo = u8 ? 0 : -128, pow2 = k % 4 < 2;
	const zp = () => lo + Math.floor(rnd() * 256);
	const sat = (v) => Math.min(Math.max(v, lo), lo + 255);
	const c = { op: 'QLinearMul', u8, pow2, za: zp(), zb: zp(), zc: zp() };
	if (pow2) {
		// ratio 2^-1 .. 2^-4; operands within 15 of their zero points
		c.sa = Math.pow(2, -9 + Math.floor(rnd() * 6));
		c.sb = Math.pow(2, -9 + Math.floor(rnd() * 6));
		c.sc = c.sa * c.sb * Math.pow(2, 1 + Math.floor(rnd() * 4));
	} else {
		c.sa = Math.fround(0.002 + rnd() * 0.1);
		c.sb = Math.fround(0.002 + rnd() * 0.1);
		c.sc = Math.fround(c.sa * c.sb * (16 + rnd() * 240));
	}
	const Arr = u8 ? Uint8Array : Int8Array;
	const fill = (len, z) => {
		const x = new Arr(len);
		for (let i = 0; i < len; i++)
			x[i] = pow2 ? sat(z - 15 + Math.floor(rnd() * 31)) : zp();
		return x;
	};
	c.a = fill(k >= 12 ? 1 : N, c.za);
	c.b = fill(k >= 8 && k < 12 ? 1 : N, c.zb);
	mulCases.push(c);
}

// round half to even of a double
function rne(x) {
	const f = Math.floor(x), d = x - f;
	return d < 0.5 ? f : d > 0.5 ? f + 1 : (f % 2 === 0 ? f : f + 1);
}
// ONNX Runtime's QLinearMul of element i (the rule above), and the rule
// that rounds before adding the zero point
function mulRule(c, i, zpFirst) {
	const lo = c.u8 ? 0 : -128;
	const a = c.a[c.a.length > 1 ? i : 0], b = c.b[c.b.length > 1 ? i : 0];
	const ratio = Math.fround(Math.fround(c.sa * c.sb) / c.sc);
	const p = Math.fround(Math.fround((a - c.za) * (b - c.zb)) * ratio);
	let r;
	if (zpFirst) {
		const f = Math.fround(p + c.zc);
		r = f >= -2147483648 && f < 2147483648 ? rne(f) : -2147483648;
	} else {
		r = rne(p) + c.zc;
	}
	return Math.min(Math.max(r, lo), lo + 255);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eyrie-qladd-'));
let n = 0, failed = 0;
const tap = (ok, msg, detail) => {
	n++;
	if (!ok)
		failed++;
	console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${msg}`);
	if (detail)
		console.log(`# ${detail}`);
};

// accelctl's output for case c on board, or an Error
function device(c, k, board) {
	const dir = path.join(tmp, `${k}`), out = path.join(dir, board.replace(':', '-'));
	fs.mkdirSync(dir, { recursive: true });
	const m = path.join(dir, 'model.onnx');
	if (!fs.existsSync(m)) {
		fs.writeFileSync(m, model(c));
		const type = c.u8 ? 'uint8' : 'int8';
		writeTensor(path.join(dir, 'a.pb'), { name: 'a', type, dims: [c.a.length], data: c.a });
		writeTensor(path.join(dir, 'b.pb'), { name: 'b', type, dims: [c.b.length], data: c.b });
	}
	try {
		execFileSync(accelctl, ['-d', board, 'run', m, '--input', `a=${path.join(dir, 'a.pb')}`,
			'--input', `b=${path.join(dir, 'b.pb')}`, '--output-dir', out],
		{ stdio: ['ignore', 'pipe', 'pipe'] });
	} catch (e) {
		return new Error(`accelctl -d ${board} run: exit ${e.status}: ${String(e.stderr).slice(0, 300)}`);
	}
	return readTensor(path.join(out, 'output_0.pb')).data;
}

// the Add runs on the device's ELTWISE (not on the CPU reference)
function onDevice(c, k) {
	const m = path.join(tmp, `${k}`, 'model.onnx');
	const txt = execFileSync(accelctl, ['-d', 'emu', 'inspect', m], { encoding: 'utf8' });
	return /QLinearAdd\s+device\b/.test(txt) && /nodes: 1 on the device, 0 on the CPU/.test(txt);
}

// ONNX Runtime's output for case c
async function ortRun(c, optimize) {
	const type = c.u8 ? 'uint8' : 'int8';
	const s = await ort.InferenceSession.create(model(c), {
		graphOptimizationLevel: optimize ? 'extended' : 'disabled', intraOpNumThreads: 1,
		interOpNumThreads: 1,
	});
	const r = await s.run({ a: new ort.Tensor(type, c.a, [c.a.length]),
		b: new ort.Tensor(type, c.b, [c.b.length]) });
	return r.c.data;
}

(async () => {
	let fixedDiffers = 0, ties = 0;
	for (let k = 0; k < cases.length; k++) {
		const c = cases[k];
		const type = c.u8 ? 'uint8' : 'int8';
		const want = await ortRun(c);
		const what = `${type} ${c.pow2 ? 'power-of-two' : 'random'} scales ` +
			`${c.sa}/${c.sb}/${c.sc} zero points ${c.za}/${c.zb}/${c.zc}`;
		// exact halves before rounding (power-of-two scales: exact in double)
		if (c.pow2)
			for (let i = 0; i < N; i++) {
				const v = (c.a[i] - c.za) * c.sa / c.sc + (c.b[i] - c.zb) * c.sb / c.sc;
				if (Math.abs(v - Math.trunc(v)) === 0.5 && Math.abs(v + c.zc) < 200)
					ties++;
			}
		const got = device(c, k, 'emu');
		if (got instanceof Error) {
			tap(false, `case ${k}: ${what}`, got.message);
			continue;
		}
		let bad = 0, first = -1;
		for (let i = 0; i < N; i++)
			if (got[i] !== want[i] && bad++ === 0)
				first = i;
		tap(bad === 0, `case ${k}: ${what}: ELTWISE (binary32 rule) = ONNX Runtime on ${N - bad} of ${N}`,
			bad ? `first at ${first}: a=${c.a[first]} b=${c.b[first]} ORT ${want[first]} device ${got[first]}` : '');
		const fx = device(c, k, 'emu:no_fp32_requant');
		if (!(fx instanceof Error))
			for (let i = 0; i < N; i++)
				fixedDiffers += fx[i] !== want[i];
	}
	tap(onDevice(cases[0], 0), 'the QLinearAdd runs on the device (accelctl inspect)');
	tap(ties > 1000, `the power-of-two cases hold ${ties} exact ties`);
	tap(fixedDiffers > 0, `the fixed-point rule (emu:no_fp32_requant) parts from ONNX Runtime on ${fixedDiffers} values, so this check can fail`);

	// QLinearMul: the CPU reference kernel against ONNX Runtime
	let mulTies = 0, ruleOff = 0, earlyOff = 0;
	for (let k = 0; k < mulCases.length; k++) {
		const c = mulCases[k], n = Math.max(c.a.length, c.b.length);
		const want = await ortRun(c);
		const what = `QLinearMul ${c.u8 ? 'uint8' : 'int8'} ${c.pow2 ? 'power-of-two' : 'random'} scales ` +
			`${c.sa}/${c.sb}/${c.sc} zero points ${c.za}/${c.zb}/${c.zc}` +
			(c.a.length === 1 ? ', one-element A' : c.b.length === 1 ? ', one-element B' : '');
		for (let i = 0; i < n; i++) {
			const a = c.a[c.a.length > 1 ? i : 0], b = c.b[c.b.length > 1 ? i : 0];
			const v = (a - c.za) * (b - c.zb) * c.sa * c.sb / c.sc;
			if (c.pow2 && Math.abs(v - Math.trunc(v)) === 0.5 && Math.abs(v + c.zc) < 127)
				mulTies++;
			ruleOff += mulRule(c, i, true) !== want[i];
			earlyOff += mulRule(c, i, false) !== want[i];
		}
		const got = device(c, 'mul' + k, 'emu');
		if (got instanceof Error) {
			tap(false, `mul case ${k}: ${what}`, got.message);
			continue;
		}
		let bad = 0, first = -1;
		for (let i = 0; i < n; i++)
			if (got[i] !== want[i] && bad++ === 0)
				first = i;
		tap(bad === 0, `mul case ${k}: ${what}: the CPU reference = ONNX Runtime on ${n - bad} of ${n}`,
			bad ? `first at ${first}: a=${c.a[c.a.length > 1 ? first : 0]} b=${c.b[c.b.length > 1 ? first : 0]} ORT ${want[first]} accelctl ${got[first]}` : '');
	}
	tap(mulTies > 1000, `the power-of-two QLinearMul cases hold ${mulTies} exact ties`);

	// QDQ Mul (DequantizeLinear, float Mul, QuantizeLinear): libaccel has
	// no fused form of it and runs the three ops (the reference kernels),
	// as ONNX Runtime does with its graph optimizations off; QuantizeLinear
	// rounds x / scale to even and then adds the zero point, so on the
	// element-wise QLinearMul cases' data it must equal ONNX Runtime there.
	// ONNX Runtime with its QDQ fusions runs the island as QLinearMul
	// instead; where that parts from the ops is printed, not tested (it is
	// ONNX Runtime's choice).
	let fusedOff = 0, qdqValues = 0, qlmulRuleOff = 0;
	for (let k = 0; k < 8; k++) {
		const c = { ...mulCases[k], op: 'QDQMul' }, n = c.a.length;
		const want = await ortRun(c), fused = await ortRun(c, true);
		for (let i = 0; i < n; i++) {
			fusedOff += fused[i] !== want[i];
			qlmulRuleOff += mulRule(c, i, true) !== want[i];
		}
		qdqValues += n;
		const got = device(c, 'qdqmul' + k, 'emu');
		if (got instanceof Error) {
			tap(false, `QDQ Mul case ${k}`, got.message);
			continue;
		}
		let bad = 0, first = -1;
		for (let i = 0; i < n; i++)
			if (got[i] !== want[i] && bad++ === 0)
				first = i;
		tap(bad === 0, `QDQ Mul case ${k} (${c.u8 ? 'uint8' : 'int8'}, ${c.pow2 ? 'power-of-two' : 'random'} scales): ` +
			`the reference's DequantizeLinear, Mul, QuantizeLinear = ONNX Runtime (optimizations off) on ${n - bad} of ${n}`,
			bad ? `first at ${first}: a=${c.a[first]} b=${c.b[first]} ORT ${want[first]} accelctl ${got[first]}` : '');
	}
	tap(qlmulRuleOff > 0, `QDQ Mul: QLinearMul's rule parts from ONNX Runtime's unfused QDQ Mul on ${qlmulRuleOff} of ${qdqValues} values, so that check can fail`);
	console.log(`# ONNX Runtime with its QDQ fusions (QLinearMul) parts from its own unfused QDQ Mul on ${fusedOff} of ${qdqValues} values`);
	tap(ruleOff === 0, `QLinearMul: the rule as written above = ONNX Runtime (${ruleOff} values differ)`);
	tap(earlyOff > 0, `QLinearMul: rounding before adding the zero point parts from ONNX Runtime on ${earlyOff} values, so this check can fail`);
	fs.rmSync(tmp, { recursive: true, force: true });
	console.log(`1..${n}`);
	process.exit(failed ? 1 : 0);
})().catch((e) => {
	console.log(`not ok ${n + 1} - ${e.message}`);
	process.exit(1);
});
