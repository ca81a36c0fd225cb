#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// ONNX Runtime's side of bench/silero-speed: times the original Silero VAD v6
// model, one thread, over the chunks of a WAV file.
//
//   node bench-ort.js SECONDS file.wav [file.wav ...]
//
// prints one line per file:
//   ort RATE CHUNKS RUN_US OVERHEAD_US
// RUN_US is the CPU time of the process per session.run() (median over
// passes over the file), as seen from JavaScript; CPU time rather than wall
// time, so that other load on the machine does not count. OVERHEAD_US is the same for a graph with the same inputs and
// outputs that computes almost nothing (a mean and an identity): the cost of
// the Node binding and of ONNX Runtime's per-run bookkeeping, so that
// RUN_US - OVERHEAD_US estimates the inference alone.

'use strict';

const { onnx } = require('onnx-proto');
const { loadModel } = require('./onnx-model.js');
const { OrtSilero } = require('./ort-silero.js');
const { readWav } = require('./wav.js');

// A model with Silero's signature: input [1, N] float, state [2, 1, 128]
// float, sr int64 -> output [1, 1] = mean(input), stateN = state.
function trivialModel() {
  const T = onnx.TensorProto.DataType;
  const value = (name, type, dims) => ({
    name,
    type: { tensorType: { elemType: type, shape: { dim: dims.map(d => typeof d === 'string' ? { dimParam: d } : { dimValue: d }) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 16 }],
    graph: {
      name: 'silero_signature',
      input: [value('input', T.FLOAT, [1, 'n']), value('state', T.FLOAT, [2, 1, 128]),
        value('sr', T.INT64, [])],
      output: [value('output', T.FLOAT, [1, 1]), value('stateN', T.FLOAT, [2, 1, 128])],
      node: [
        { opType: 'ReduceMean', input: ['input'], output: ['output'],
          attribute: [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] }] },
        { opType: 'Identity', input: ['state'], output: ['stateN'] },
      ],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[s.length >> 1];
}

// Median over passes of the mean time per chunk of one pass.
async function time(vad, samples, seconds) {
  const n = Math.floor(samples.length / vad.chunk);
  const chunks = [];
  for (let i = 0; i < n; i++)
    chunks.push(samples.subarray(i * vad.chunk, (i + 1) * vad.chunk));
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const pass = async () => {
    vad.reset();
    const t0 = cpu();
    for (const c of chunks)
      await vad.process(c);
    return (cpu() - t0) / n;
  };
  await pass();   // warm-up
  const perChunk = [];
  const end = Date.now() + seconds * 1000;
  do
    perChunk.push(await pass());
  while (Date.now() < end || perChunk.length < 3);
  return { n, us: median(perChunk) };
}

async function main() {
  const seconds = Number(process.argv[2]);
  const files = process.argv.slice(3);
  if (!(seconds > 0) || files.length === 0) {
    console.error('usage: bench-ort.js SECONDS file.wav [file.wav ...]');
    process.exit(2);
  }
  const model = loadModel(process.env.SILERO_ONNX);
  const trivial = trivialModel();
  for (const file of files) {
    const { rate, samples } = readWav(file);
    const run = await time(await OrtSilero.create(model, rate), samples, seconds);
    const overhead = await time(await OrtSilero.create(trivial, rate), samples, seconds / 2);
    console.log(`ort ${rate} ${run.n} ${run.us.toFixed(2)} ${overhead.us.toFixed(2)}`);
  }
}

main().catch(e => {
  console.error(e.message);
  process.exit(1);
});
