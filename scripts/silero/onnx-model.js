// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Where the Silero VAD v6 model comes from, shared by convert.js,
// reference.js and bench-ort.js: the ONNX file shipped in the npm package
// @ricky0123/vad-web, pinned by version and by the file's sha256 so that every
// script works on exactly the bytes the committed weights were made from.

'use strict';

const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const PACKAGE = '@ricky0123/vad-web';
const VERSION = '0.0.31';
const FILE = 'dist/silero_vad_v6.onnx';
const SHA256 = '1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3';

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

// Where a fetched model is kept between runs (node_modules is not committed).
const CACHE = path.join(__dirname, 'node_modules', '.cache', 'sandra-silero',
  `vad-web-${VERSION}-silero_vad_v6.onnx`);

// Returns the model bytes. An explicit path (a file already extracted by
// hand) is checked like a fetched one; without it the package tarball is
// fetched once with `npm pack` into a scratch directory that is removed
// again, and the model cached.
function loadModel(explicitPath) {
  let bytes;
  if (explicitPath) {
    bytes = fs.readFileSync(explicitPath);
  } else if (fs.existsSync(CACHE)) {
    bytes = fs.readFileSync(CACHE);
  } else {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandra-silero-'));
    try {
      const out = execFileSync('npm', ['pack', '--silent', `${PACKAGE}@${VERSION}`],
        { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      const tarball = out.trim().split('\n').pop();
      execFileSync('tar', ['-xzf', tarball, `package/${FILE}`], { cwd: dir });
      bytes = fs.readFileSync(path.join(dir, 'package', FILE));
      if (sha256(bytes) === SHA256) {
        fs.mkdirSync(path.dirname(CACHE), { recursive: true });
        fs.writeFileSync(CACHE, bytes);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const sum = sha256(bytes);
  if (sum !== SHA256) {
    throw new Error(`silero_vad_v6.onnx has sha256 ${sum}, expected ${SHA256} ` +
      `(${PACKAGE}@${VERSION})`);
  }
  return bytes;
}

module.exports = { PACKAGE, VERSION, FILE, SHA256, loadModel, sha256 };
