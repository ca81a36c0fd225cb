#!/bin/sh
# The offline demo: the local elements on bundled speech, and the dictation
# route against the local emulator. Uses the uninstalled build.
set -eu
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH_1_0="$PWD/build/gst/sandra${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"

echo "== gst-sandra elements =="
gst-inspect-1.0 sandra | sed -n '/^  [a-z]/p'
for demo in examples/aec-demo.sh examples/vad-demo.sh examples/dictation-demo.sh \
    examples/turn-manager-demo.sh; do
  if [ -x "$demo" ]; then
    echo
    echo "== $demo =="
    "$demo"
  fi
done
