#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Echo cancellation on bundled speech, offline: plays a LibriVox reading as
# the "loudspeaker", makes the "microphone" hear it 80 ms later through a
# reverberant room (sox), runs sandraaec with the loudspeaker signal on a
# sandraechoprobe, and prints how much echo was removed.
# Runs in real time (about 13 s): the two sides meet by running time.
set -eu
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH_1_0="$PWD/build/gst/sandra${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

far=tests/data/aec-far-speech.flac
len=$(soxi -D "$far")
# loudspeaker -> room: 80 ms of travel, a reverberant tail, -6 dB
sox -V1 "$far" -r 16000 -c 1 -b 16 "$tmp/mic.wav" pad 0.08 reverb 40 50 30 \
    gain -6 trim 0 "$len"

gst-launch-1.0 -m \
  filesrc location="$tmp/mic.wav" ! wavparse ! audioconvert ! \
    audio/x-raw,format=S16LE,rate=16000,channels=1 ! identity sync=true ! \
    sandraaec probe=demo-speaker noise-suppression=false \
      stats-interval-ms=2000 ! \
    wavenc ! filesink location="$tmp/clean.wav" \
  filesrc location="$far" ! decodebin ! audioconvert ! audioresample ! \
    sandraechoprobe name=demo-speaker ! \
    queue max-size-time=300000000 max-size-buffers=0 max-size-bytes=0 ! \
    fakesink sync=true > "$tmp/log.txt"

half=$(awk "BEGIN { print $len / 2 }")
rms() { sox "$1" -n trim "$half" stats 2>&1 | awk '/RMS lev dB/ {print $4}'; }
in_db=$(rms "$tmp/mic.wav")
out_db=$(rms "$tmp/clean.wav")
stats=$(grep 'sandraaec-stats' "$tmp/log.txt" | tail -1)
field() { echo "$stats" | sed -n "s/.*[ ,]$1=([a-z0-9]*)\([^,;]*\).*/\1/p"; }
echo "sandraaec on bundled speech (echo 80 ms late, reverberant, -6 dB):"
echo "  microphone, second half: $in_db dBFS RMS"
echo "  after sandraaec:         $out_db dBFS RMS"
echo "  ERLE (measured):         $(awk "BEGIN { printf \"%.1f\", $in_db - ($out_db) }") dB"
echo "  element's own figures:   erle-db=$(field erle-db) delay-ms=$(field delay-ms) (residual $(field residual-delay-ms)) echo-present=$(field echo-present)"
