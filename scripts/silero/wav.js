// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Reads a mono 16-bit PCM WAV file into float samples in [-1, 1), scaled by
// 1/32768 exactly as the C test scales S16 samples, so both sides feed the
// network bit-identical input.

'use strict';

const fs = require('fs');

function readWav(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WAVE')
    throw new Error(`${file}: not a RIFF/WAVE file`);
  let fmt = null;
  let data = null;
  for (let p = 12; p + 8 <= b.length;) {
    const id = b.toString('latin1', p, p + 4);
    const size = b.readUInt32LE(p + 4);
    if (id === 'fmt ')
      fmt = {
        format: b.readUInt16LE(p + 8), channels: b.readUInt16LE(p + 10),
        rate: b.readUInt32LE(p + 12), bits: b.readUInt16LE(p + 22),
      };
    else if (id === 'data')
      data = b.subarray(p + 8, p + 8 + size);
    p += 8 + size + (size & 1);
  }
  if (!fmt || !data)
    throw new Error(`${file}: missing fmt or data chunk`);
  if (fmt.format !== 1 || fmt.channels !== 1 || fmt.bits !== 16)
    throw new Error(`${file}: not mono 16-bit PCM`);
  const samples = new Float32Array(data.length >> 1);
  for (let i = 0; i < samples.length; i++)
    samples[i] = data.readInt16LE(2 * i) / 32768;
  return { rate: fmt.rate, samples };
}

module.exports = { readWav };
