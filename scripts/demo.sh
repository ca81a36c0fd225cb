#!/bin/sh
# The offline demo: shows what the plugin provides, using the uninstalled build.
set -eu
cd "$(dirname "$0")/.."
export GST_PLUGIN_PATH_1_0="$PWD/build/gst/sandra${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
gst-inspect-1.0 sandra
