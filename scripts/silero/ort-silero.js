// SPDX-License-Identifier: LGPL-2.1-or-later
//
// The reference Silero VAD v6: the ONNX model run by ONNX Runtime, driven the
// way silero-vad's own OnnxWrapper drives it. Each call takes one chunk (512
// samples at 16 kHz, 256 at 8 kHz), prepends the last 64 (32) samples of the
// previous chunk (zeros at first), and carries the [2, 1, 128] LSTM state
// from one call to the next.

'use strict';

const ort = require('onnxruntime-node');

const CONFIG = {
  16000: { chunk: 512, context: 64 },
  8000: { chunk: 256, context: 32 },
};

class OrtSilero {
  static async create(modelBytes, rate) {
    if (!CONFIG[rate])
      throw new Error(`Silero VAD runs at 8000 or 16000 Hz, not ${rate}`);
    // One thread, like the C engine, so the bench compares like with like.
    const session = await ort.InferenceSession.create(modelBytes, {
      intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new OrtSilero(session, rate);
  }

  constructor(session, rate) {
    this.session = session;
    this.rate = rate;
    this.chunk = CONFIG[rate].chunk;
    this.context = CONFIG[rate].context;
    this.sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(rate)]), []);
    this.input = new Float32Array(this.context + this.chunk);
    this.reset();
  }

  reset() {
    this.state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
    this.input.fill(0);
  }

  // @chunk: Float32Array of this.chunk samples. Resolves to the probability.
  async process(chunk) {
    const n = this.context + this.chunk;
    this.input.set(chunk, this.context);
    const out = await this.session.run({
      input: new ort.Tensor('float32', this.input, [1, n]),
      state: this.state,
      sr: this.sr,
    });
    this.state = out.stateN;
    this.input.copyWithin(0, n - this.context, n);
    return out.output.data[0];
  }
}

module.exports = { OrtSilero, CONFIG };
