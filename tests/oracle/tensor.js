// SPDX-License-Identifier: MIT
// ONNX TensorProto (.pb) files: decode and encode, no protobuf library.
//
// Decodes the fields a TensorProto uses for dense tensors: dims (1),
// data_type (2), float_data (4), int32_data (5: int32, int16, int8, uint8,
// bool), int64_data (7), name (8), raw_data (9), double_data (10),
// uint64_data (11), packed or not. Encodes with raw_data (little endian),
// which every ONNX reader accepts.
'use strict';
const fs = require('fs');

// TensorProto.DataType -> [name, bytes per element, typed array]
const DTYPES = {
	1: ['float32', 4, Float32Array],
	2: ['uint8', 1, Uint8Array],
	3: ['int8', 1, Int8Array],
	5: ['int16', 2, Int16Array],
	6: ['int32', 4, Int32Array],
	7: ['int64', 8, BigInt64Array],
	9: ['bool', 1, Uint8Array],
	11: ['float64', 8, Float64Array],
};
const BY_NAME = {};
for (const [code, d] of Object.entries(DTYPES))
	BY_NAME[d[0]] = Number(code);

class Reader {
	constructor(buf) { this.buf = buf; this.pos = 0; }
	varint() {		// as a BigInt (int64 fields need all 64 bits)
		let v = 0n, shift = 0n;
		for (;;) {
			if (this.pos >= this.buf.length)
				throw new Error('truncated varint');
			const b = this.buf[this.pos++];
			v |= BigInt(b & 0x7f) << shift;
			if (!(b & 0x80))
				return v;
			shift += 7n;
			if (shift > 63n)
				throw new Error('varint longer than 64 bits');
		}
	}
	bytes() {
		const n = Number(this.varint());
		if (this.pos + n > this.buf.length)
			throw new Error('truncated field');
		const b = this.buf.subarray(this.pos, this.pos + n);
		this.pos += n;
		return b;
	}
	skip(wire) {
		if (wire === 0) this.varint();
		else if (wire === 1) this.pos += 8;
		else if (wire === 2) this.bytes();
		else if (wire === 5) this.pos += 4;
		else throw new Error(`unsupported wire type ${wire}`);
	}
}

const asInt64 = (v) => BigInt.asIntN(64, v);

// Repeated scalar field, packed (wire 2) or one element (wire 0/1/5).
function readRepeated(r, wire, kind, out) {
	const one = (rr) => {
		if (kind === 'varint') out.push(asInt64(rr.varint()));
		else if (kind === 'f32') { out.push(rr.buf.readFloatLE(rr.pos)); rr.pos += 4; }
		else if (kind === 'f64') { out.push(rr.buf.readDoubleLE(rr.pos)); rr.pos += 8; }
	};
	if (wire === 2) {
		const sub = new Reader(Buffer.from(r.bytes()));
		while (sub.pos < sub.buf.length)
			one(sub);
	} else {
		one(r);
	}
}

function decode(buf) {
	const r = new Reader(buf);
	const t = { name: '', dims: [], dataType: 0 };
	const f32 = [], i32 = [], i64 = [], f64 = [], u64 = [];
	let raw = null;
	while (r.pos < buf.length) {
		const key = Number(r.varint()), field = key >> 3, wire = key & 7;
		switch (field) {
		case 1: readRepeated(r, wire, 'varint', t.dims); break;
		case 2: t.dataType = Number(r.varint()); break;
		case 4: readRepeated(r, wire, 'f32', f32); break;
		case 5: readRepeated(r, wire, 'varint', i32); break;
		case 7: readRepeated(r, wire, 'varint', i64); break;
		case 8: t.name = Buffer.from(r.bytes()).toString('utf8'); break;
		case 9: raw = Buffer.from(r.bytes()); break;
		case 10: readRepeated(r, wire, 'f64', f64); break;
		case 11: readRepeated(r, wire, 'varint', u64); break;
		case 13: case 14:
			throw new Error('external data is not supported');
		default: r.skip(wire);
		}
	}
	const d = DTYPES[t.dataType];
	if (!d)
		throw new Error(`unsupported data_type ${t.dataType}`);
	t.dims = t.dims.map(Number);
	t.type = d[0];
	const count = t.dims.reduce((a, b) => a * b, 1);
	const Arr = d[2];
	if (raw) {
		if (raw.length !== count * d[1])
			throw new Error(`raw_data has ${raw.length} bytes, ${count} elements of ${d[0]} need ${count * d[1]}`);
		const copy = new Uint8Array(raw);	// aligned
		t.data = new Arr(copy.buffer, 0, count);
	} else {
		const src = { 1: f32, 11: f64, 7: i64 }[t.dataType] || i32;
		if (src.length !== count)
			throw new Error(`${src.length} typed values, the dims need ${count}`);
		t.data = new Arr(count);
		for (let i = 0; i < count; i++)
			t.data[i] = t.dataType === 7 ? BigInt(src[i]) : Number(src[i]);
	}
	return t;
}

function varintBytes(v) {
	let x = BigInt.asUintN(64, BigInt(v));
	const out = [];
	do {
		let b = Number(x & 0x7fn);
		x >>= 7n;
		if (x) b |= 0x80;
		out.push(b);
	} while (x);
	return out;
}

// t: { name, type ('float32', ...), dims, data (typed array) }
function encode(t) {
	const code = BY_NAME[t.type];
	if (!code)
		throw new Error(`cannot encode type ${t.type}`);
	const parts = [];
	for (const d of t.dims)
		parts.push(Buffer.from([0x08, ...varintBytes(d)]));
	parts.push(Buffer.from([0x10, ...varintBytes(code)]));
	const name = Buffer.from(t.name || '', 'utf8');
	parts.push(Buffer.from([0x42, ...varintBytes(name.length)]), name);
	const raw = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
	parts.push(Buffer.from([0x4a, ...varintBytes(raw.length)]), raw);
	return Buffer.concat(parts);
}

// The top-level fields of a message: { field, wire, bytes (the whole
// field, key included), value (a length-delimited field's contents) }.
function fieldsOf(buf) {
	const r = new Reader(buf), out = [];
	while (r.pos < buf.length) {
		const start = r.pos;
		const key = Number(r.varint()), wire = key & 7;
		let value = null;
		if (wire === 2)
			value = Buffer.from(r.bytes());
		else
			r.skip(wire);
		out.push({ field: key >> 3, wire, bytes: buf.subarray(start, r.pos), value });
	}
	return out;
}

const readTensor = (path) => decode(fs.readFileSync(path));
const writeTensor = (path, t) => fs.writeFileSync(path, encode(t));

module.exports = { decode, encode, readTensor, writeTensor, varintBytes, fieldsOf, DTYPES };
