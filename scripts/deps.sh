#!/bin/sh
# Installs what gst-sandra needs to build, test and benchmark on Debian 12.
# Idempotent: it only calls apt when a package is missing.
set -eu

PACKAGES="
meson ninja-build pkg-config gcc g++ python3 python3-gi gir1.2-gstreamer-1.0
libglib2.0-dev glib-networking
libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
libsoup-3.0-dev libjson-glib-dev libopus-dev libogg-dev libwebrtc-audio-processing-dev
espeak-ng sox pocketsphinx-testdata codec2-examples
"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $p"
  fi
done

if [ -z "$missing" ]; then
  echo "deps: everything is installed"
  exit 0
fi

echo "deps: installing$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $missing
