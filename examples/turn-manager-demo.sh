#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The turn manager (examples/turn-manager.py), offline: one recording plays
# the microphone (two sentences with silence around them) into the three
# routes at once, against the local emulator, with no audio device.
#
#  1. dictation + conversation + avatar, server turn detection: watch
#     dictation pause while an assistant speaks and the avatar duck under
#     the conversation;
#  2. push-to-talk (--talk-at holds the key over two spans): the turn ends
#     when the key is released, and the second press interrupts the
#     assistant's reply.
#
# The emulator does not recognise speech or think: transcripts and replies
# are scripted below; the reply audio is tests/data/emulator-reply-24k.wav,
# the avatar's voice the emulator's synthetic one. Exits non-zero when a
# decision is missing from the logs (their timing is not checked).
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

# 1 s silence, "go forward ten meters" (1.0 - 2.7 s), 4 s silence, "he was
# not an ill disposed young man" (6.7 - 9.2 s), 5 s silence.
sox -n -r 16000 -c 1 -b 16 "$tmp/s1.wav" trim 0 1.0
sox -n -r 16000 -c 1 -b 16 "$tmp/s4.wav" trim 0 4.0
sox -n -r 16000 -c 1 -b 16 "$tmp/s5.wav" trim 0 5.0
sox "$tmp/s1.wav" tests/data/cmu-goforward-trimmed-16k.wav "$tmp/s4.wav" \
    tests/data/librivox-0880-trimmed-16k.wav "$tmp/s5.wav" "$tmp/mic.wav"

# Transcripts and replies. Each Realtime session transcribes the user's
# turns, so with the avatar every transcript is asked for twice.
scenario () {
  turns=""
  for t in "Go forward ten meters." "He was not an ill disposed young man."; do
    i=0
    while [ $i -lt "$1" ]; do
      turns="$turns${turns:+, }{\"transcript\": \"$t\"}"; i=$((i + 1))
    done
  done
  cat <<JSON
{"api_keys": ["sk-local-demo"],
 "transcription": {"replies": [
   {"text": "Go forward ten meters."},
   {"text": "He was not an ill disposed young man."}]},
 "realtime_transcription": {"turns": [$turns]},
 "realtime": {"default": {
   "audio": "emulator-reply-24k.wav",
   "transcript": "Hello, this is the sandra emulator.",
   "text": "Hello, this is the avatar speaking.", "delta_delay_ms": 40}}}
JSON
}
scenario 2 > "$tmp/scenario.json"

port=$(( 20000 + $$ % 20000 ))
build/tests/emulator/sandra-emulator --port "$port" \
    --scenario "$tmp/scenario.json" > "$tmp/emulator.log" 2>&1 &
emu_pid=$!
i=0
until grep -q "http://" "$tmp/emulator.log" 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 50 ] && { cat "$tmp/emulator.log"; exit 1; }
  sleep 0.1
done
export OPENAI_BASE_URL="http://127.0.0.1:$port/v1" OPENAI_API_KEY=sk-local-demo
export ELEVENLABS_BASE_URL="$OPENAI_BASE_URL" ELEVENLABS_API_KEY=sk-local-demo

use_scenario () {
  # Replaces the emulator's scenario (and rewinds its queues).
  scenario "$1" | python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1],
    data=sys.stdin.buffer.read(), method="POST"))' \
      "http://127.0.0.1:$port/__emulator/scenario"
}

echo "-- 1. dictation + conversation + avatar (server turn detection) --"
examples/turn-manager.py --file "$tmp/mic.wav" --sink fakesink --avatar \
    --duration 25 < /dev/null | tee "$tmp/run1.log"

use_scenario 1
echo
echo "-- 2. push-to-talk: key down 0.8-3.0 s and 4.5-9.6 s --"
examples/turn-manager.py --file "$tmp/mic.wav" --sink fakesink \
    --talk-at 0.8-3.0,4.5-9.6 --duration 25 < /dev/null | tee "$tmp/run2.log"

# The decisions the runs must have made (not their timing).
expect () {
  n=$(grep -c -- "$2" "$tmp/$1.log" || true)
  if [ "$n" -lt "$3" ]; then
    echo "turn-manager-demo: expected $3 x '$2' in $1, got $n" >&2
    failed=1
  fi
}
failed=0
expect run1 "dictation paused  <- conversation speaks" 2
expect run1 "avatar ducked to -18 dB" 2
expect run1 "dictation resumed" 2
expect run1 "dictation (.*): '" 2
expect run1 "avatar: .* s of audio played, .* s of it ducked" 1
expect run2 "conversation: commit" 2
expect run2 "conversation: cancel-response" 1
expect run2 "conversation: response cancelled" 1
expect run2 "dictation (.*): '" 2
exit $failed
