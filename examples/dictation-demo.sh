#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The dictation route, offline: sandravad cuts bundled speech into
# utterances, openaistt uploads each one (Ogg Opus) to the local emulator,
# and the transcripts come back in order with their timestamps.
#
# The emulator does not recognise speech: it answers each request with the
# next scripted transcript (here, what the recordings really say). Point
# OPENAI_API_KEY at your account and drop OPENAI_BASE_URL to use the real
# service instead.
set -eu
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH_1_0="$PWD/build/gst/sandra${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"

tmp=$(mktemp -d)
emu_pid=""
cleanup () {
  [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Two utterances with silence around them.
sox -n -r 16000 -c 1 -b 16 "$tmp/s1.wav" trim 0 1.0
sox -n -r 16000 -c 1 -b 16 "$tmp/s2.wav" trim 0 1.5
sox "$tmp/s1.wav" tests/data/cmu-goforward-trimmed-16k.wav "$tmp/s2.wav" \
    tests/data/librivox-0880-trimmed-16k.wav "$tmp/s1.wav" "$tmp/demo.wav"

cat > "$tmp/scenario.json" <<'JSON'
{"api_keys": ["sk-local-demo"],
 "transcription": {"replies": [
   {"text": "Go forward ten meters."},
   {"text": "He was not an ill disposed young man."}]}}
JSON

port=$(( 20000 + $$ % 20000 ))
build/tests/emulator/sandra-emulator --port "$port" \
    --scenario "$tmp/scenario.json" > "$tmp/emulator.log" 2>&1 &
emu_pid=$!
i=0
until grep -q "http://" "$tmp/emulator.log" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 50 ] && { cat "$tmp/emulator.log"; exit 1; }
  sleep 0.1
done

echo "dictation (examples/dictation.py: sandravad ! openaistt, against the local emulator):"
OPENAI_BASE_URL="http://127.0.0.1:$port/v1" OPENAI_API_KEY=sk-local-demo \
  examples/dictation.py --file "$tmp/demo.wav"
