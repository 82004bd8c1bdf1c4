#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Times ONNX Runtime (npm onnxruntime-node, as installed for the tests'
// oracle in tests/oracle/node_modules) on one thread: for make bench-cpu.
//
//   ort-time.js MODEL.onnx INPUT.pb ITERATIONS
//
// One intra-op and one inter-op thread, sequential execution, ONNX
// Runtime's graph optimizations on (its normal configuration); two warm-up
// runs, then prints "ms_per_inference N" (the mean over ITERATIONS runs)
// and "ms_median N" (their median), and "cpu_ms_median N": the median of
// the process CPU time of a run (user + system, process.cpuUsage).
// Exit: 0 ok, 2 usage, 3 model or runtime error, 4 onnxruntime-node missing.
'use strict';
const path = require('path');
const oracle = path.join(__dirname, '..', '..', 'tests', 'oracle');

async function main(argv) {
	if (argv.length !== 3) {
		console.error('usage: ort-time.js MODEL.onnx INPUT.pb ITERATIONS');
		return 2;
	}
	let ort, tensor;
	try {
		ort = require(path.join(oracle, 'node_modules', 'onnxruntime-node'));
		tensor = require(path.join(oracle, 'tensor.js'));
	} catch (e) {
		console.error(`ort-time: onnxruntime-node is not installed (${e.code || e.message}); ` +
			'tools/install-deps.sh installs it into tests/oracle/');
		return 4;
	}
	const [model, input, iters] = [argv[0], argv[1], Number(argv[2])];
	let session;
	try {
		session = await ort.InferenceSession.create(model, {
			intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
			graphOptimizationLevel: 'all', executionProviders: ['cpu'], logSeverityLevel: 3,
		});
	} catch (e) {
		console.error(`ort-time: ${model}: ${e.message}`);
		return 3;
	}
	const t = tensor.readTensor(input);
	const feeds = { [session.inputNames[0]]: new ort.Tensor(t.type, t.data, t.dims) };
	for (let i = 0; i < 2; i++)
		await session.run(feeds);
	const ms = [], cpu = [];
	for (let i = 0; i < iters; i++) {
		const c0 = process.cpuUsage();
		const start = process.hrtime.bigint();
		await session.run(feeds);
		ms.push(Number(process.hrtime.bigint() - start) / 1e6);
		const c = process.cpuUsage(c0);
		cpu.push((c.user + c.system) / 1e3);
	}
	const median = (v) => {
		v.sort((a, b) => a - b);
		const h = Math.floor(v.length / 2);
		return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
	};
	console.log(`ms_per_inference ${(ms.reduce((a, b) => a + b, 0) / iters).toFixed(3)}`);
	console.log(`ms_median ${median(ms).toFixed(3)}`);
	console.log(`cpu_ms_median ${median(cpu).toFixed(3)}`);
	return 0;
}

main(process.argv.slice(2)).then((rc) => process.exit(rc), (e) => {
	console.error(`ort-time: ${e.message}`);
	process.exit(3);
});
