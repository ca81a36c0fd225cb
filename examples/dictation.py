#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Dictation into a chat: prints what is said, utterance by utterance.

The route is  source ! sandravad ! openaistt ; the application only listens
to the bus: 'openaistt' element messages carry partial text as it forms
(is-final=false) and each final transcript with its timing and latency.

  examples/dictation.py                      # microphone, real service
  examples/dictation.py --file speech.wav    # a recording
  OPENAI_BASE_URL=http://127.0.0.1:8089/v1 examples/dictation.py ...  # emulator

Needs OPENAI_API_KEY (or --api-key). Uses the uninstalled build when run
from the source tree.
"""
import argparse
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def build_pipeline(args):
    if args.file:
        source = f'filesrc location="{args.file}" ! decodebin'
    else:
        source = "autoaudiosrc"
    stt = ["openaistt name=stt"]
    for prop in ("language", "prompt", "model"):
        value = getattr(args, prop)
        if value:
            stt.append(f'{prop}="{value}"')
    if args.api_key:
        stt.append(f'api-key="{args.api_key}"')
    return Gst.parse_launch(
        f"{source} ! audioconvert ! audioresample ! "
        "audio/x-raw,rate=16000,channels=1 ! sandravad min-silence-ms=500 ! "
        f"{' '.join(stt)} ! fakesink sync=false")


def on_message(bus, message, loop, state):
    if message.type == Gst.MessageType.ELEMENT:
        s = message.get_structure()
        if s is None or s.get_name() != "openaistt":
            return
        text = s.get_string("text")
        if not s.get_value("is-final"):
            if state["tty"]:
                sys.stdout.write("\r\033[K… " + text)
                sys.stdout.flush()
            return
        start = s.get_value("timestamp") / Gst.SECOND
        end = start + s.get_value("duration") / Gst.SECOND
        language = s.get_string("language") if s.has_field("language") else ""
        if state["tty"]:
            sys.stdout.write("\r\033[K")
        print(f"[{start:6.2f} - {end:6.2f}] {text}"
              + (f"  ({language})" if language else "")
              + (f"  {s.get_value('latency-ms'):.0f} ms"
                 if state["show_latency"] else ""))
    elif message.type == Gst.MessageType.WARNING:
        err, _ = message.parse_warning()
        print(f"warning: {err.message}", file=sys.stderr)
    elif message.type == Gst.MessageType.ERROR:
        err, _ = message.parse_error()
        print(f"error: {err.message}", file=sys.stderr)
        state["status"] = 1
        loop.quit()
    elif message.type == Gst.MessageType.EOS:
        loop.quit()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", help="transcribe a recording instead of "
                        "the microphone")
    parser.add_argument("--language", help="ISO-639-1 code (default: detect)")
    parser.add_argument("--prompt", help="domain vocabulary")
    parser.add_argument("--model", help="transcription model")
    parser.add_argument("--api-key", help="default: OPENAI_API_KEY")
    parser.add_argument("--latency", action="store_true",
                        help="print each transcript's latency")
    args = parser.parse_args()

    build = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                         "build", "gst", "sandra")
    if os.path.isdir(build):
        os.environ["GST_PLUGIN_PATH_1_0"] = os.pathsep.join(
            filter(None, [build, os.environ.get("GST_PLUGIN_PATH_1_0")]))
    Gst.init(None)

    pipeline = build_pipeline(args)
    loop = GLib.MainLoop()
    state = {"status": 0, "tty": sys.stdout.isatty(),
             "show_latency": args.latency}
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message, loop, state)
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        # The error message says why (e.g. no API key).
        msg = bus.timed_pop_filtered(0, Gst.MessageType.ERROR)
        if msg:
            print(f"error: {msg.parse_error()[0].message}", file=sys.stderr)
        pipeline.set_state(Gst.State.NULL)
        return 1
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    pipeline.set_state(Gst.State.NULL)
    return state["status"]


if __name__ == "__main__":
    sys.exit(main())
