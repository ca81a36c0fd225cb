#!/bin/sh
# Runs the whole test suite (installing and building first if needed) and
# ends with one line: "N passed, N failed[, N skipped]". Exits non-zero on any
# failure. Live tests skip themselves unless OPENAI_API_KEY or
# ELEVENLABS_API_KEY is set.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
./scripts/build.sh
status=0
meson test -C build --print-errorlogs "$@" || status=$?
/usr/bin/python3 scripts/summarize-tests.py build/meson-logs/testlog.json || status=1
exit $status
