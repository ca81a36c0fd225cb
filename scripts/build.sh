#!/bin/sh
# Configures (once) and builds gst-sandra in ./build.
set -eu
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  meson setup build
fi
ninja -C build
