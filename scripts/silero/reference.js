#!/usr/bin/env node
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Writes the ONNX Runtime reference probabilities that tests/check/test-silero.c
// compares the C engine with.
//
//   cd scripts/silero && npm ci && node reference.js [file.wav ...]
//
// For each mono 16-bit WAV (default: the two Silero fixtures in tests/data)
// it runs the original silero_vad_v6.onnx over every full chunk, from a fresh
// state, and writes one probability per line to <file>.silero-v6.txt beside
// it. A trailing partial chunk is not processed.

'use strict';

const fs = require('fs');
const path = require('path');
const ortPackage = require('onnxruntime-node/package.json');
const { loadModel, PACKAGE, VERSION, FILE, SHA256 } = require('./onnx-model.js');
const { OrtSilero } = require('./ort-silero.js');
const { readWav } = require('./wav.js');

const DATA = path.resolve(__dirname, '../../tests/data');
const DEFAULT_FIXTURES = ['librivox-0870-16k.wav', 'codec2-ve9qrp-8k.wav'];

async function reference(model, file) {
  const { rate, samples } = readWav(file);
  const vad = await OrtSilero.create(model, rate);
  const lines = [
    '# Silero VAD v6 speech probability per chunk, computed by ONNX Runtime',
    `# (onnxruntime-node ${ortPackage.version}) with scripts/silero/reference.js from`,
    `# ${PACKAGE}@${VERSION} ${FILE}, sha256 ${SHA256}.`,
    `# audio ${path.basename(file)}: rate ${rate}, chunk ${vad.chunk} samples, ` +
      `context ${vad.context} samples, S16 scaled by 1/32768`,
  ];
  const n = Math.floor(samples.length / vad.chunk);
  for (let i = 0; i < n; i++) {
    const p = await vad.process(samples.subarray(i * vad.chunk, (i + 1) * vad.chunk));
    lines.push(p.toPrecision(9));
  }
  const out = file.replace(/\.wav$/, '') + '.silero-v6.txt';
  fs.writeFileSync(out, lines.join('\n') + '\n');
  console.log(`${path.relative(process.cwd(), out)}: ${n} chunks at ${rate} Hz`);
}

async function main() {
  const model = loadModel(process.env.SILERO_ONNX);
  const files = process.argv.length > 2 ? process.argv.slice(2)
    : DEFAULT_FIXTURES.map(f => path.join(DATA, f));
  for (const f of files)
    await reference(model, f);
}

main().catch(e => {
  console.error(e.message);
  process.exit(1);
});
