# SPDX-License-Identifier: LGPL-2.1-or-later
"""The turn manager's policy: who may talk, what is paused, what is ducked.

Pure Python, no GStreamer: examples/turn-manager.py feeds it what the
pipeline reports (assistant audio with its running times, responses that
end, barge-ins, the push-to-talk key, the clock) and applies the changes it
returns (a valve on the dictation branch, a valve on the microphone to the
assistants, volumes before the mixer, action signals of openairealtime).
examples/test_turn_manager.py drives it without a pipeline.

Times are running times in nanoseconds, as GStreamer counts them.

The rules:

- An assistant route (the conversation, the avatar) is *audible* from its
  first audio until nothing keeps it busy any more (a response still
  streaming, sentences still being synthesised: the glue says so with
  set_busy) and the last audio it handed to the speaker has been played
  (its end + the playback latency) plus a hangover for the room's echo.
- Dictation is paused while any assistant route is audible, so that the
  assistant's voice is never transcribed as the user's.
- The route with priority (the conversation by default) ducks the other one
  while it is audible: the other route's gain drops by duck_db at once,
  before it even starts, so no syllable escapes at full level.
- Push-to-talk: the microphone reaches the assistants only while the key
  is down. Pressing it while an assistant is audible (or its reply is on
  the way) interrupts it
  (cancel-response: the user takes the floor); releasing it ends the user's
  turn (commit, which with turn detection off also asks for the response).
"""

CONVERSATION = "conversation"
AVATAR = "avatar"

MS = 1000000
SECOND = 1000000000


class Change:
    """One thing the glue must do, with the reason to print.

    kind is "dictation" (value: open bool), "microphone" (value: open
    bool: the microphone reaches the assistants), "gain" (target: a route,
    value: linear gain), or "action" (target: a route, value: the name of
    an openairealtime action signal).
    """

    __slots__ = ("kind", "target", "value", "reason")

    def __init__(self, kind, target, value, reason):
        self.kind = kind
        self.target = target
        self.value = value
        self.reason = reason

    def __eq__(self, other):
        return (isinstance(other, Change) and
                (self.kind, self.target, self.value) ==
                (other.kind, other.target, other.value))

    def __repr__(self):
        return (f"Change({self.kind!r}, {self.target!r}, {self.value!r}, "
                f"{self.reason!r})")


def db_to_gain(db):
    return 10.0 ** (db / 20.0)


class _Voice:
    """What the manager knows of one assistant route."""

    def __init__(self):
        self.audible = False
        self.busy = set()          # reasons the route will speak again
        self.audio_end = None      # running time the last audio ends


class TurnManager:
    def __init__(self, routes=(CONVERSATION,), push_to_talk=False,
                 priority=CONVERSATION, duck_db=-18.0,
                 hangover_ns=300 * MS):
        if priority not in routes:
            priority = routes[0]
        self.routes = tuple(routes)
        self.push_to_talk = push_to_talk
        self.priority = priority
        self.duck_db = duck_db
        self.hangover_ns = hangover_ns
        self.latency_ns = 0
        self.talking = False
        self.now = 0               # the last running time tick() saw
        self._voices = {r: _Voice() for r in self.routes}
        # What the glue has been told; changes are diffs against it.
        self.dictation_open = True
        self.microphone_open = not push_to_talk
        self.gains = {r: 1.0 for r in self.routes}

    # -- queries -------------------------------------------------------

    def audible(self, route):
        return self._voices[route].audible

    def floor(self):
        """Who has the floor: the audible route with priority, else the
        other audible one, else the user."""
        for r in (self.priority,) + self.routes:
            if self._voices[r].audible:
                return r
        return "user"

    # -- inputs from the pipeline --------------------------------------

    def set_latency(self, latency_ns):
        """The pipeline's latency: audio stamped T is heard at T + it."""
        self.latency_ns = max(0, int(latency_ns))
        return []

    def audio(self, route, start, end):
        """route handed the speaker audio from start to end (running
        time)."""
        if end + self.latency_ns + self.hangover_ns <= self.now:
            return []               # already played out (a drained tail)
        v = self._voices[route]
        v.audio_end = end if v.audio_end is None else max(v.audio_end, end)
        reason = None
        if not v.audible:
            v.audible = True
            reason = f"{route} speaks"
        return self._update(reason)

    def set_busy(self, route, reason, busy):
        """Something will make route speak again (busy=True: a response
        is streaming, sentences wait for synthesis) or no longer will."""
        v = self._voices[route]
        if busy:
            v.busy.add(reason)
        else:
            v.busy.discard(reason)
        return []

    def interrupted(self, route, now):
        """route's queued audio was dropped (barge-in, cancel): it is
        silent from now on."""
        v = self._voices[route]
        v.busy.clear()
        if v.audio_end is not None:
            v.audio_end = min(v.audio_end, now - self.latency_ns)
        return self.tick(now, f"{route} interrupted")

    def tick(self, now, reason=None):
        """The clock moved to running time now: routes whose last audio
        has been played (and that wait for nothing more) fall silent."""
        self.now = max(self.now, now)
        for r, v in self._voices.items():
            if not v.audible or v.busy:
                continue
            if v.audio_end is None or \
                    now >= v.audio_end + self.latency_ns + self.hangover_ns:
                v.audible = False
                v.audio_end = None
                reason = reason or f"{r} finished"
        return self._update(reason)

    def talk_key(self, pressed, now):
        """Push-to-talk key down (pressed=True) or up."""
        if not self.push_to_talk or pressed == self.talking:
            return []
        self.talking = pressed
        changes = []
        if pressed:
            for r in self.routes:
                # A reply on its way counts too: it would start speaking
                # over the user.
                if self._voices[r].audible or self._voices[r].busy:
                    changes.append(Change("action", r, "cancel-response",
                                          "the user takes the floor"))
                    self._voices[r].busy.clear()
                    self._voices[r].audio_end = now - self.latency_ns
            changes += self.tick(now, "talk key down")
        else:
            changes += self._update("talk key up")
            for r in self.routes:
                changes.append(Change("action", r, "commit",
                                      "end of the user's turn"))
        return changes

    # -- the policy ----------------------------------------------------

    def _update(self, reason):
        reason = reason or "state"
        changes = []
        speaking = [r for r in self.routes if self._voices[r].audible]

        dictation = not speaking
        if dictation != self.dictation_open:
            self.dictation_open = dictation
            changes.append(Change("dictation", None, dictation, reason))

        mic = self.talking if self.push_to_talk else True
        if mic != self.microphone_open:
            self.microphone_open = mic
            changes.append(Change("microphone", None, mic, reason))

        lead = self._voices[self.priority].audible
        for r in self.routes:
            gain = db_to_gain(self.duck_db) \
                if (lead and r != self.priority) else 1.0
            if gain != self.gains[r]:
                self.gains[r] = gain
                changes.append(Change("gain", r, gain, reason))
        return changes
