#!/bin/sh
# Installs what is missing, builds, and runs the offline demo.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
./scripts/demo.sh
