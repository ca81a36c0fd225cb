#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Turn manager: the three routes from one microphone, kept from talking over
each other.

One pipeline, one microphone, a tee with a queue per route:

  mic -> tee -+-> queue ! volume(mute) ! sandravad ! openaistt
              |     (transcripts for a chat box; paused while an assistant
              |      speaks, so its voice is never taken for the user's)
              +-> queue ! sandraaec ! valve(talk) ! tee -+-> openairealtime
              |                                          |     -> volume -+
              |                        (--avatar)        +-> openairealtime |
              |                                          output-modalities |
              |                         text_src ! elevenlabstts -> volume -+
              |                                                            |
              |   speaker <- sandraechoprobe <- audiomixer <---------------+

The conversation (the Realtime model's own voice) has the floor: while it
speaks, the avatar (the same microphone answered by a second Realtime
session in text mode, spoken by an ElevenLabs voice) is ducked by --duck-db
(--priority avatar swaps them). Dictation pauses from an assistant's first
audio until its response is done and its last audio has been played, plus
a hangover (--hangover-ms) for the room's echo. With --push-to-talk the
microphone reaches the assistants only while the talk key is down (Enter
toggles it); turn detection is then off, releasing the key commits the
turn (the commit action, which also asks for the response) and pressing it
while an assistant speaks interrupts it (cancel-response).

The policy is examples/turn_manager_state.py (pure Python, unit-tested by
examples/test_turn_manager.py); this file is the GStreamer glue.

Live (microphone and speaker; use headphones or trust the echo canceller):

  export OPENAI_API_KEY=sk-... ELEVENLABS_API_KEY=...
  examples/turn-manager.py                       # dictation + conversation
  examples/turn-manager.py --avatar              # + the avatar voice
  examples/turn-manager.py --push-to-talk        # Enter: talk / done

Offline, against the local emulator (docs/emulator.md, docs/routes.md):

  build/tests/emulator/sandra-emulator --port 8089 &
  export OPENAI_BASE_URL=http://127.0.0.1:8089/v1 OPENAI_API_KEY=sk-local
  export ELEVENLABS_BASE_URL=$OPENAI_BASE_URL ELEVENLABS_API_KEY=local
  examples/turn-manager.py --file speech.wav --sink fakesink --avatar

--file plays a recording as the microphone, paced in real time
(identity sync=true); --talk-at 1.0-3.5,9-11 holds the talk key over those
running times (seconds), for push-to-talk without a keyboard.
examples/turn-manager-demo.sh runs all of that offline. Uses the
uninstalled build when run from the source tree.
"""
import argparse
import math
import os
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from turn_manager_state import (AVATAR, CONVERSATION, MS,  # noqa: E402
                                SECOND, TurnManager)

# The echo canceller runs at 48 kHz (it takes 8/16/32/48), the Realtime API
# at 24 kHz, the dictation VAD at 16 kHz.
MIC_CAPS = "audio/x-raw,format=S16LE,rate=48000,channels=1"
RT_CAPS = "audio/x-raw,format=S16LE,rate=24000,channels=1"
OUT_CAPS = "audio/x-raw,format=S16LE,rate=48000,channels=1"
RAMP_STEPS = 8              # volume changes in 8 steps ...
RAMP_STEP_MS = 15           # ... 15 ms apart, so ducking does not click


def quote(value):
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def realtime_props(args):
    props = []
    if args.instructions:
        props.append(f"instructions={quote(args.instructions)}")
    if args.push_to_talk:
        props.append("turn-detection=none")
    return " ".join(props)


def build_description(args):
    if args.file:
        source = (f"filesrc location={quote(args.file)} ! decodebin ! "
                  f"audioconvert ! audioresample ! {MIC_CAPS} ! "
                  "identity sync=true")
    else:
        source = f"autoaudiosrc ! audioconvert ! audioresample ! {MIC_CAPS}"
    if args.sink == "fakesink":
        sink = "fakesink sync=true"
    else:
        sink = f"audioconvert ! audioresample ! {args.sink}"
    rt = realtime_props(args)
    # The talk valve forwards sticky events while closed: caps reach
    # openairealtime before the first word, and EOS ends the stream.
    valve = "valve drop-mode=forward-sticky-events"
    parts = [
        f"{source} ! tee name=mic",
        # Dictation pauses by muting, not by a valve: silence keeps the
        # timeline going, so sandravad ends the user's utterance on time
        # (a valve would freeze it until the pause ends, and the last
        # transcript before the assistant spoke would wait for it).
        "mic. ! queue ! volume name=dictation_gate ! audioresample ! "
        "audio/x-raw,rate=16000 ! sandravad min-silence-ms=500 ! "
        f"openaistt name=stt {args.stt_props} ! fakesink sync=false async=false",
        "mic. ! queue ! sandraaec probe=turnmgr_speaker ! audioconvert ! "
        f"audioresample ! {RT_CAPS} ! {valve} name=talk_valve "
        f"drop={'true' if args.push_to_talk else 'false'} ! tee name=talk",
        f"talk. ! queue ! openairealtime name=conversation {rt} ! "
        "audioconvert ! audioresample ! volume name=conversation_volume ! "
        "mixer.",
        f"audiomixer name=mixer start-time-selection=first ! {OUT_CAPS} ! "
        f"sandraechoprobe name=turnmgr_speaker ! {sink}",
    ]
    if args.avatar:
        parts += [
            "talk. ! queue ! openairealtime name=avatar_rt "
            f"output-modalities=text {rt}",
            "avatar_rt.text_src ! queue ! elevenlabstts name=tts "
            f"{args.tts_props} ! audioconvert ! audioresample ! "
            "volume name=avatar_volume ! mixer.",
        ]
    return "  ".join(parts)


class Glue:
    """Connects a TurnManager to the pipeline: bus messages and pad probes
    in, valves, volumes and action signals out."""

    def __init__(self, args, pipeline, loop):
        self.args = args
        self.pipeline = pipeline
        self.loop = loop
        self.status = 0
        routes = (CONVERSATION, AVATAR) if args.avatar else (CONVERSATION,)
        self.tm = TurnManager(routes=routes, push_to_talk=args.push_to_talk,
                              priority=args.priority, duck_db=args.duck_db,
                              hangover_ns=args.hangover_ms * MS)
        self.realtime = {CONVERSATION: pipeline.get_by_name("conversation")}
        self.volume = {CONVERSATION: pipeline.get_by_name(
            "conversation_volume")}
        if args.avatar:
            self.realtime[AVATAR] = pipeline.get_by_name("avatar_rt")
            self.volume[AVATAR] = pipeline.get_by_name("avatar_volume")
        self.route_of = {e.get_name(): r for r, e in self.realtime.items()}
        self.dictation_gate = pipeline.get_by_name("dictation_gate")
        self.talk_valve = pipeline.get_by_name("talk_valve")
        self.ramps = {}
        self.sentences = 0          # avatar sentences sent to synthesis
        self.talk_at = args.talk_at
        self.muted_dictation_ns = 0

        self.played_ns = {r: 0 for r in self.volume}
        self.ducked_ns = {r: 0 for r in self.volume}
        for route, vol in self.volume.items():
            vol.get_static_pad("sink").add_probe(
                Gst.PadProbeType.BUFFER, self.on_audio_probe, route)
            vol.get_static_pad("src").add_probe(
                Gst.PadProbeType.BUFFER, self.on_played_probe, route)
        if args.avatar:
            pipeline.get_by_name("tts").get_static_pad("sink").add_probe(
                Gst.PadProbeType.EVENT_DOWNSTREAM, self.on_tts_event)
        self.dictation_gate.get_static_pad("sink").add_probe(
            Gst.PadProbeType.BUFFER, self.on_dictation_probe)

        bus = pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)
        GLib.timeout_add(20, self.on_tick)

    # -- time and printing ---------------------------------------------

    def now(self):
        clock = self.pipeline.get_clock()
        if clock is None:
            return 0
        return max(0, clock.get_time() - self.pipeline.get_base_time())

    def say(self, text, when=None):
        when = self.now() if when is None else when
        print(f"[{when / SECOND:7.2f}] {text}", flush=True)

    # -- streaming threads: hand over to the main loop -----------------

    def on_audio_probe(self, pad, info, route):
        buf = info.get_buffer()
        # Empty buffers (a resampler drained at EOS) play nothing.
        if buf.pts != Gst.CLOCK_TIME_NONE and buf.get_size() > 0:
            seg = pad.get_sticky_event(Gst.EventType.SEGMENT, 0)
            start = buf.pts
            if seg is not None:
                start = seg.parse_segment().to_running_time(
                    Gst.Format.TIME, buf.pts)
            end = start + (buf.duration
                           if buf.duration != Gst.CLOCK_TIME_NONE else 0)
            GLib.idle_add(self.apply_audio, route, start, end)
        return Gst.PadProbeReturn.OK

    def on_played_probe(self, pad, info, route):
        # What left the volume element, and at what gain: the figures
        # printed at the end show that ducking reached the audio.
        buf = info.get_buffer()
        if buf.duration != Gst.CLOCK_TIME_NONE:
            self.played_ns[route] += buf.duration
            if self.volume[route].get_property("volume") < 1.0:
                self.ducked_ns[route] += buf.duration
        return Gst.PadProbeReturn.OK

    def on_tts_event(self, pad, info):
        ev = info.get_event()
        if ev.type == Gst.EventType.CUSTOM_DOWNSTREAM:
            s = ev.get_structure()
            if s is not None and s.get_name() == "sandra-end-of-sentence":
                GLib.idle_add(self.apply_sentence, 1)
        elif ev.type == Gst.EventType.FLUSH_STOP:
            GLib.idle_add(self.apply_sentence, None)
        return Gst.PadProbeReturn.OK

    def on_dictation_probe(self, pad, info):
        # What the pause kept from dictation.
        if self.dictation_gate.get_property("mute"):
            buf = info.get_buffer()
            if buf.duration != Gst.CLOCK_TIME_NONE:
                self.muted_dictation_ns += buf.duration
        return Gst.PadProbeReturn.OK

    # -- main loop -----------------------------------------------------

    def apply_audio(self, route, start, end):
        self.apply(self.tm.audio(route, start, end))
        return False

    def apply_sentence(self, delta):
        self.sentences = 0 if delta is None else self.sentences + delta
        self.tm.set_busy(AVATAR, "synthesis", self.sentences > 0)
        return False

    def on_tick(self):
        now = self.now()
        for start, end in list(self.talk_at):
            if start <= now < end and not self.tm.talking:
                self.apply(self.tm.talk_key(True, now), "(--talk-at)")
            elif now >= end and self.tm.talking and start <= now:
                self.apply(self.tm.talk_key(False, now), "(--talk-at)")
                self.talk_at.remove((start, end))
        self.apply(self.tm.tick(now))
        return True

    def on_stdin(self, source, condition):
        line = sys.stdin.readline()
        if not line:
            return False                # stdin closed: no more key presses
        self.apply(self.tm.talk_key(not self.tm.talking, self.now()),
                   "(Enter)")
        return True

    def apply(self, changes, how=""):
        for c in changes:
            why = f"  <- {c.reason}{' ' + how if how else ''}"
            if c.kind == "dictation":
                self.dictation_gate.set_property("mute", not c.value)
                self.say(("dictation resumed" if c.value
                          else "dictation paused") + why)
            elif c.kind == "microphone":
                self.talk_valve.set_property("drop", not c.value)
                self.say(("talk key down: the assistants hear you"
                          if c.value else
                          "talk key up: the assistants no longer hear you")
                         + why)
            elif c.kind == "gain":
                self.ramp(c.target, c.value)
                db = 20.0 * math.log10(c.value)
                self.say((f"{c.target} ducked to {db:+.0f} dB"
                          if c.value < 1.0 else f"{c.target} back to 0 dB")
                         + why)
            elif c.kind == "action":
                self.realtime[c.target].emit(c.value)
                if c.value == "cancel-response" and c.target == AVATAR:
                    self.apply_sentence(None)
                self.say(f"{c.target}: {c.value}{why}")

    def ramp(self, route, target):
        vol = self.volume[route]
        start = vol.get_property("volume")
        steps = [start + (target - start) * (i + 1) / RAMP_STEPS
                 for i in range(RAMP_STEPS)]
        self.ramps[route] = steps

        def step():
            if self.ramps.get(route) is not steps:
                return False            # a newer ramp took over
            vol.set_property("volume", steps.pop(0))
            return bool(steps)
        step()
        GLib.timeout_add(RAMP_STEP_MS, step)

    def on_message(self, bus, msg):
        t = msg.type
        if t == Gst.MessageType.ELEMENT:
            self.on_element(msg)
        elif t == Gst.MessageType.LATENCY:
            # Audio stamped T is heard at T + the latency the sinks use.
            self.pipeline.recalculate_latency()
            query = Gst.Query.new_latency()
            if self.pipeline.query(query):
                live, min_latency, _ = query.parse_latency()
                if live and min_latency != Gst.CLOCK_TIME_NONE:
                    self.tm.set_latency(min_latency)
        elif t == Gst.MessageType.WARNING:
            err, _ = msg.parse_warning()
            self.say(f"warning from {msg.src.get_name()}: {err.message}")
        elif t == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            self.say(f"error from {msg.src.get_name()}: {err.message}")
            self.status = 1
            self.loop.quit()
        elif t == Gst.MessageType.EOS:
            self.say("end of stream")
            self.loop.quit()

    def on_element(self, msg):
        s = msg.get_structure()
        name = s.get_name()
        src = msg.src.get_name()
        route = self.route_of.get(src)
        if name == "openaistt":
            if s.get_value("is-final") and s.get_string("text"):
                start = s.get_value("start-running-time") / SECOND
                end = s.get_value("end-running-time") / SECOND
                self.say(f"dictation ({start:.2f}-{end:.2f} s): "
                         f"{s.get_string('text')!r}")
        elif name == "openairealtime-session-ready":
            self.say(f"{route}: session ready ({s.get_string('model')})")
        elif name == "openairealtime-speech-started":
            self.say(f"{route}: hears the user")
        elif name == "openairealtime-user-transcript":
            if s.get_value("is-final"):
                self.say(f"{route}: user said {s.get_string('text')!r}")
        elif name == "openairealtime-assistant-transcript":
            if s.get_value("is-final"):
                self.say(f"{route}: assistant says "
                         f"{s.get_string('text')!r}")
            else:
                self.tm.set_busy(route, "response", True)
        elif name == "openairealtime-response-done":
            self.tm.set_busy(route, "response", False)
            status = s.get_string("status")
            self.say(f"{route}: response {status}"
                     + (f" ({s.get_string('reason')})"
                        if status != "completed" and s.has_field("reason")
                        else ""))
        elif name == "openairealtime-barge-in":
            self.say(f"{route}: barge-in, the user interrupted")
            if route == AVATAR:
                self.apply_sentence(None)
            self.apply(self.tm.interrupted(route, self.now()))
        elif name == "openairealtime-error":
            self.say(f"{route}: error {s.get_string('code')}: "
                     f"{s.get_string('message')}")
        elif name == "elevenlabstts-utterance":
            self.apply_sentence(-1 if self.sentences > 0 else 0)


def parse_talk_at(text):
    spans = []
    for part in filter(None, (text or "").split(",")):
        a, _, b = part.partition("-")
        spans.append((int(float(a) * SECOND), int(float(b) * SECOND)))
    return spans


def main():
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="\n".join(__doc__.splitlines()[1:]))
    p.add_argument("--file", help="a recording instead of the microphone, "
                   "played in real time")
    p.add_argument("--sink", default="autoaudiosink",
                   help="speaker element (fakesink: no audio device)")
    p.add_argument("--avatar", action="store_true",
                   help="add the avatar voice route (ElevenLabs)")
    p.add_argument("--push-to-talk", action="store_true",
                   help="the assistants hear the microphone only while the "
                   "talk key is down (Enter toggles)")
    p.add_argument("--talk-at", type=parse_talk_at, default=[],
                   metavar="S-E,...", help="hold the talk key over these "
                   "running times in seconds (implies --push-to-talk)")
    p.add_argument("--priority", choices=(CONVERSATION, AVATAR),
                   default=CONVERSATION, help="the route that ducks the other")
    p.add_argument("--duck-db", type=float, default=-18.0,
                   help="gain of the ducked route (default -18 dB)")
    p.add_argument("--hangover-ms", type=int, default=300,
                   help="dictation stays paused this long after the last "
                   "assistant audio was played (default 300)")
    p.add_argument("--instructions", help="instructions for the assistants")
    p.add_argument("--stt-props", default="", help="extra openaistt "
                   "properties, e.g. 'language=en'")
    p.add_argument("--tts-props", default="", help="extra elevenlabstts "
                   "properties, e.g. 'voice-id=...'")
    p.add_argument("--duration", type=float, default=0,
                   help="stop after this many seconds (0: at the end)")
    args = p.parse_args()
    if args.talk_at:
        args.push_to_talk = True

    build = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                         "build", "gst", "sandra")
    if os.path.isdir(build):
        os.environ["GST_PLUGIN_PATH_1_0"] = os.pathsep.join(
            filter(None, [build, os.environ.get("GST_PLUGIN_PATH_1_0")]))
    Gst.init(None)

    pipeline = Gst.parse_launch(build_description(args))
    loop = GLib.MainLoop()
    glue = Glue(args, pipeline, loop)
    routes = ", ".join(glue.tm.routes)
    glue.say(f"turn manager: dictation + {routes}"
             + (", push-to-talk" if args.push_to_talk else "")
             + (f", {glue.tm.priority} ducks the other by {args.duck_db:g} dB"
                if args.avatar else ""), 0)
    if args.push_to_talk and not args.talk_at:
        print("press Enter to talk, Enter again when done", flush=True)
        GLib.io_add_watch(sys.stdin, GLib.PRIORITY_DEFAULT, GLib.IO_IN,
                          glue.on_stdin)

    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        msg = pipeline.get_bus().timed_pop_filtered(0, Gst.MessageType.ERROR)
        if msg:
            print(f"error: {msg.parse_error()[0].message}", file=sys.stderr)
        pipeline.set_state(Gst.State.NULL)
        return 1
    if args.duration > 0:
        def stop():
            glue.say(f"stopping after {args.duration:g} s")
            loop.quit()
            return False
        GLib.timeout_add(int(args.duration * 1000), stop)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    pipeline.set_state(Gst.State.NULL)
    print(f"dictation muted for {glue.muted_dictation_ns / SECOND:.2f} s "
          "of microphone audio while an assistant spoke", flush=True)
    for route in glue.played_ns:
        print(f"{route}: {glue.played_ns[route] / SECOND:.2f} s of audio "
              f"played, {glue.ducked_ns[route] / SECOND:.2f} s of it ducked",
              flush=True)
    return glue.status


if __name__ == "__main__":
    sys.exit(main())
