#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs sandravad on bundled speech and prints the utterances it finds.
#
# Builds a recording from the two speech fixtures in tests/data: 1 s of
# silence, "go forward ten meters", 1.5 s of silence, "he was not an ill
# disposed young man", 1 s of silence, with a little noise under all of it,
# then prints every speech-start / speech-stop that sandravad posts.
#
#   examples/vad-demo.sh [extra sandravad properties, e.g. mode=quality]
set -eu
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH_1_0="$PWD/build/gst/sandra${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

a=tests/data/cmu-goforward-trimmed-16k.wav
b=tests/data/librivox-0880-trimmed-16k.wav
sox -n -r 16000 -c 1 -b 16 "$tmp/s1.wav" trim 0 1.0
sox -n -r 16000 -c 1 -b 16 "$tmp/s2.wav" trim 0 1.5
sox "$tmp/s1.wav" "$a" "$tmp/s2.wav" "$b" "$tmp/s1.wav" "$tmp/speech.wav"
len=$(soxi -D "$tmp/speech.wav")
sox -R -n -r 16000 -c 1 -b 16 "$tmp/noise.wav" synth "$len" pinknoise vol 0.003
sox -m "$tmp/speech.wav" "$tmp/noise.wav" "$tmp/demo.wav"

la=$(soxi -D "$a")
lb=$(soxi -D "$b")
echo "speech in the recording (seconds):"
awk -v a="$la" -v b="$lb" 'BEGIN {
  printf "  %6.2f - %6.2f  go forward ten meters\n", 1.0, 1.0 + a
  printf "  %6.2f - %6.2f  he was not an ill disposed young man\n", 2.5 + a, 2.5 + a + b }'

echo "sandravad${*:+ $*} found:"
gst-launch-1.0 -m filesrc location="$tmp/demo.wav" ! decodebin ! audioconvert ! \
    audioresample ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! \
    sandravad "$@" ! fakesink 2>&1 |
  sed -n 's/.*sandravad, event=(string)\(speech-[a-z]*\), timestamp=(guint64)\([0-9]*\).*/\1 \2/p' |
  awk '$1 == "speech-start" { start = $2 / 1e9; next }
       $1 == "speech-stop" { printf "  %6.2f - %6.2f  utterance (pre-speech padding included)\n", start, $2 / 1e9 }'
if [ $# -eq 0 ]; then
  echo "(the default engine, silero, ends an utterance after 100 ms of"
  echo " silence, so a breath can split a sentence; for one utterance per"
  echo " sentence: examples/vad-demo.sh min-silence-ms=300)"
fi
