#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Compares a tensor with ONNX Runtime's (the oracle's) for the same input.
//
//   compare.js ORT.pb ACTUAL.pb [--spread] [--lsb SCALE] [--noise P.pb ...]
//   compare.js --all ORT_DIR RUN_DIR [--lsb SCALE]
//   compare.js --perturb one|many ORT.pb OUT.pb [--lsb SCALE]  (self-check)
//
// Thresholds (docs/models.md, "ONNX Runtime as the oracle"):
//  - int8/uint8 (quantized) outputs: every value within 1 LSB of ORT's, and
//    at most 1 % of the values (rounded down) 1 LSB away: rounding ties and
//    ORT's float requantization differ from the exact rule by 1 LSB, rarely;
//  - float outputs: |a - r| <= 1e-4 * |r| + 1e-5 * max|r| (max over the
//    tensor): float32 sums in another order, relative to the tensor's scale;
//    with --noise (repeatable, at least 2), + 10 * sigma, where sigma is
//    the rms over the values and the files of (P - ORT): P is ONNX
//    Runtime's output for the network with every float weight moved by
//    up to one float32 ulp (ort-run.js --perturb-weights), so sigma is
//    what the network itself makes of one rounding per weight. A deep
//    network amplifies rounding (resnet50-reduced-float: 3e-5 of its
//    output's rms), and any two float32 implementations part by about
//    that much; a wrong kernel parts by orders of magnitude more;
//  - int32, int64, bool: equal;
//  - --lsb SCALE: a float output that a DequantizeLinear of that scale
//    wrote (ONNX Runtime's quantized models end so) is compared as the
//    quantized one, in units of SCALE.
// --all compares every output_N.pb of ORT_DIR with the same file of RUN_DIR
// (the graph's outputs plus intermediate tensors made outputs, as
// ort-run.js --extra-output and `accelctl run --output-dir` write them),
// each within the thresholds above (--lsb applies to the float ones), and
// prints one line: the tensors, the values, how many are off and by how
// much at most over all of them.
// Shapes and types must match. --spread also fails a quantized ORT output
// with fewer than 16 distinct values or over 25 % of them saturated, so a
// degenerate graph cannot pass by agreeing on constants.
// Prints one line; exit 0 within the thresholds, 1 outside, 3 unreadable.
'use strict';
const { readTensor, writeTensor } = require('./tensor');

const QUANT_MAX_SHARE = 0.01;
const FLOAT_RTOL = 1e-4, FLOAT_ATOL_OF_MAX = 1e-5;
// Multiples of the measured float32 sensitivity (--noise) a float output may
// part by: the runs measured part from ONNX Runtime by up to 7.6 sigma on
// one value (alexnet-reduced-float's long fc sums) and 4.6 sigma on
// resnet50-reduced-float (docs/models.md, "Float networks against ONNX
// Runtime").
const NOISE_K = 10;
const RANGE = { int8: [-128, 127], uint8: [0, 255] };

function describe(t) {
	return `${t.type} [${t.dims.join(', ')}]`;
}

// Float values of a DequantizeLinear with scale lsb, as integer steps.
function steps(t, lsb) {
	const q = new Float64Array(t.data.length);
	for (let i = 0; i < q.length; i++) q[i] = t.data[i] / lsb;
	return q;
}

function compareSteps(ref, act, n, spread) {
	let maxd = 0, ones = 0, first = -1, lo = Infinity, hi = -Infinity;
	for (let i = 0; i < n; i++) {
		const d = Math.abs(ref[i] - act[i]);
		if (d > maxd) maxd = d;
		if (d > 0.5) { ones++; if (first < 0) first = i; }
		lo = Math.min(lo, ref[i]);
		hi = Math.max(hi, ref[i]);
	}
	const allowed = Math.floor(QUANT_MAX_SHARE * n);
	// 1e-3 LSB: the float error of dequantizing the same integer
	let ok = maxd <= 1 + 1e-3 && ones <= allowed;
	let msg = `max |diff| ${maxd.toFixed(3)} LSB, ${ones} of ${n} values ` +
		`(${(100 * ones / n).toFixed(2)} %) 1 LSB off (at most ${allowed} allowed)`;
	if (first >= 0)
		msg += `; first at [${first}]: ORT ${ref[first].toFixed(2)}, run ${act[first].toFixed(2)} LSB`;
	if (spread) {
		const seen = new Set();
		let ends = 0;
		for (let i = 0; i < n; i++) {
			seen.add(Math.round(ref[i]));
			if (ref[i] === lo || ref[i] === hi) ends++;
		}
		const good = seen.size >= 16 && ends <= 0.25 * n;
		msg += `; ORT output: ${seen.size} distinct, ${(100 * ends / n).toFixed(1)} % at its min or max` +
			(good ? '' : ' (DEGENERATE: the graph tests nothing)');
		ok = ok && good;
	}
	return { ok, msg };
}

// The rms over the values and the runs of (run - ref): the float32
// sensitivity of the network, from ONNX Runtime's runs of it with perturbed
// weights (--noise). Throws on a run of another shape or type.
function noiseSigma(ref, runs) {
	let s2 = 0;
	for (const p of runs) {
		if (p.type !== ref.type || p.dims.join() !== ref.dims.join())
			throw new Error(`a --noise output is ${describe(p)}, ORT's ${describe(ref)}`);
		for (let i = 0; i < ref.data.length; i++) {
			const d = p.data[i] - ref.data[i];
			s2 += d * d;
		}
	}
	return Math.sqrt(s2 / (ref.data.length * runs.length));
}

function compare(ref, act, spread, lsb, noise) {
	const n = ref.data.length;
	if (ref.type !== act.type || ref.dims.join() !== act.dims.join())
		return { ok: false, msg: `ORT gives ${describe(ref)}, the run ${describe(act)}` };
	if (lsb) {
		const r = compareSteps(steps(ref, lsb), steps(act, lsb), n, spread);
		return { ok: r.ok, msg: `${describe(ref)} in steps of ${lsb}: ${r.msg}` };
	}
	if (RANGE[ref.type]) {
		let maxd = 0, ones = 0, first = -1;
		for (let i = 0; i < n; i++) {
			const d = Math.abs(ref.data[i] - act.data[i]);
			if (d > maxd) maxd = d;
			if (d === 1) ones++;
			if (d && first < 0) first = i;
		}
		const allowed = Math.floor(QUANT_MAX_SHARE * n);
		let msg = `${describe(ref)}: max |diff| ${maxd} LSB, ${ones} of ${n} values ` +
			`(${(100 * ones / n).toFixed(2)} %) 1 LSB off (at most ${allowed} allowed)`;
		let ok = maxd <= 1 && ones <= allowed;
		if (first >= 0)
			msg += `; first at [${first}]: ORT ${ref.data[first]}, run ${act.data[first]}`;
		if (spread) {
			const [lo, hi] = RANGE[ref.type];
			const seen = new Set();
			let sat = 0;
			for (const v of ref.data) {
				seen.add(v);
				if (v === lo || v === hi) sat++;
			}
			const good = seen.size >= 16 && sat <= 0.25 * n;
			msg += `; ORT output: ${seen.size} distinct, ${(100 * sat / n).toFixed(1)} % saturated` +
				(good ? '' : ' (DEGENERATE: the graph tests nothing)');
			ok = ok && good;
		}
		return { ok, msg };
	}
	if (ref.type === 'float32' || ref.type === 'float64') {
		let rmax = 0;
		for (const v of ref.data) rmax = Math.max(rmax, Math.abs(v));
		const sigma = noise && noise.length ? noiseSigma(ref, noise) : 0;
		let worst = 0, wi = -1, bad = 0, maxd = 0;
		for (let i = 0; i < n; i++) {
			const r = ref.data[i], a = act.data[i];
			const tol = FLOAT_RTOL * Math.abs(r) + FLOAT_ATOL_OF_MAX * rmax + NOISE_K * sigma;
			const d = Math.abs(a - r);
			const ratio = Number.isNaN(d) ? (Number.isNaN(r) && Number.isNaN(a) ? 0 : Infinity) :
				(tol > 0 ? d / tol : (d > 0 ? Infinity : 0));
			if (!Number.isNaN(d)) maxd = Math.max(maxd, d);
			if (ratio > 1) bad++;
			if (ratio > worst) { worst = ratio; wi = i; }
		}
		let msg = `${describe(ref)}: max |diff| ${maxd.toExponential(2)} (max |ORT| ` +
			`${rmax.toExponential(2)}`;
		if (noise && noise.length)
			msg += `, float32 sensitivity sigma ${sigma.toExponential(2)}: max |diff| ` +
				`${(sigma > 0 ? maxd / sigma : Infinity).toFixed(2)} sigma`;
		msg += `), worst at ${worst.toFixed(3)} of the tolerance`;
		if (bad)
			msg += `; ${bad} values outside, first worst at [${wi}]: ORT ${ref.data[wi]}, run ${act.data[wi]}`;
		return { ok: bad === 0, msg };
	}
	let diff = 0, first = -1;
	for (let i = 0; i < n; i++)
		if (ref.data[i] !== act.data[i]) { diff++; if (first < 0) first = i; }
	return { ok: diff === 0, msg: `${describe(ref)}: ${diff} of ${n} values differ` +
		(first >= 0 ? `; first at [${first}]: ORT ${ref.data[first]}, run ${act.data[first]}` : '') };
}

// A wrong output the comparison must refuse: "one" moves one value by 2 LSB
// (float: by 1e-3 of the tensor's max), "many" moves 2 % of the values by
// 1 LSB (float: each by 1e-3 relative); with --lsb SCALE a float LSB is SCALE.
function perturb(t, mode, scale) {
	const n = t.data.length, range = RANGE[t.type];
	const step = (i, lsb) => {
		if (scale) {
			t.data[i] += lsb * scale;
		} else if (range) {
			const v = t.data[i];
			t.data[i] = v + lsb <= range[1] ? v + lsb : v - lsb;
		} else if (t.type === 'float32') {
			let m = 0;
			for (const v of t.data) m = Math.max(m, Math.abs(v));
			t.data[i] += (mode === 'one' ? 1e-3 * m : 1e-3 * Math.abs(t.data[i]) + 1e-4 * m);
		} else {
			t.data[i] = typeof t.data[i] === 'bigint' ? t.data[i] + 1n : t.data[i] ^ 1;
		}
	};
	if (mode === 'one')
		step(n >> 1, 2);
	else
		for (let i = 0; i < n; i += 50) step(i, 1);
	return t;
}

// Every output_N.pb of two directories (see --all above).
function compareAll(ortDir, runDir, lsb) {
	const fs = require('fs');
	const path = require('path');
	const files = fs.readdirSync(ortDir).filter((f) => /^output_\d+\.pb$/.test(f)).sort();
	let values = 0, off = 0, maxd = 0, ok = true;
	const bad = [];
	if (!files.length)
		throw new Error(`${ortDir} holds no output_N.pb`);
	for (const f of files) {
		const ref = readTensor(path.join(ortDir, f)), act = readTensor(path.join(runDir, f));
		const quant = !!RANGE[ref.type];
		const r = compare(ref, act, false, quant ? 0 : lsb);
		const n = ref.data.length;
		values += n;
		if (ref.type === act.type && act.data.length === n && (quant || lsb)) {
			for (let i = 0; i < n; i++) {
				const d = Math.abs(quant ? ref.data[i] - act.data[i] :
					(ref.data[i] - act.data[i]) / lsb);
				if (d > 0.5) off++;
				if (d > maxd) maxd = d;
			}
		}
		if (!r.ok) {
			ok = false;
			bad.push(`${f}: ${r.msg}`);
		}
	}
	let msg = `${files.length} tensors, ${values} values: ${off} (${(100 * off / values).toFixed(3)} %) ` +
		`off, max |diff| ${maxd.toFixed(3)} LSB`;
	if (bad.length)
		msg += `; ${bad.length} outside: ${bad.join('; ')}`;
	return { ok, msg };
}

function main(argv) {
	try {
		if (argv[0] === '--all') {
			const lsb = argv[3] === '--lsb' ? Number(argv[4]) : 0;
			if ((argv.length !== 3 && argv.length !== 5) || Number.isNaN(lsb) || lsb < 0)
				throw new Error('usage: compare.js --all ORT_DIR RUN_DIR [--lsb SCALE]');
			const r = compareAll(argv[1], argv[2], lsb);
			console.log(`${r.ok ? 'within' : 'OUTSIDE'} thresholds: ${r.msg}`);
			return r.ok ? 0 : 1;
		}
		if (argv[0] === '--perturb') {
			const scale = argv[4] === '--lsb' ? Number(argv[5]) : 0;
			if ((argv.length !== 4 && !scale) || !['one', 'many'].includes(argv[1]))
				throw new Error('usage: compare.js --perturb one|many IN.pb OUT.pb [--lsb SCALE]');
			writeTensor(argv[3], perturb(readTensor(argv[2]), argv[1], scale));
			return 0;
		}
		const files = [], noise = [];
		let lsb = 0, spread = false;
		for (let i = 0; i < argv.length; i++) {
			if (argv[i] === '--spread') spread = true;
			else if (argv[i] === '--lsb') lsb = Number(argv[++i]);
			else if (argv[i] === '--noise' && i + 1 < argv.length) noise.push(argv[++i]);
			else files.push(argv[i]);
		}
		// one perturbed run is one sample of the rounding: at least two
		if (files.length !== 2 || Number.isNaN(lsb) || lsb < 0 || noise.length === 1 ||
		    (noise.length && lsb)) {
			console.error('usage: compare.js ORT.pb ACTUAL.pb [--spread] [--lsb SCALE] [--noise P.pb --noise P.pb ...]');
			return 2;
		}
		const r = compare(readTensor(files[0]), readTensor(files[1]), spread, lsb,
			noise.map((f) => readTensor(f)));
		console.log(`${r.ok ? 'within' : 'OUTSIDE'} thresholds: ${r.msg}`);
		return r.ok ? 0 : 1;
	} catch (e) {
		console.error(`compare: ${e.message}`);
		return 3;
	}
}

if (require.main === module)
	process.exit(main(process.argv.slice(2)));
module.exports = { compare, compareAll, perturb };
