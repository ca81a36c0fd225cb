#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Unit tests of the turn manager's policy (turn_manager_state.py).

Plain unittest, no GStreamer, no network:
  /usr/bin/python3 examples/test_turn_manager.py
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from turn_manager_state import (AVATAR, CONVERSATION, MS,  # noqa: E402
                                SECOND, Change, TurnManager, db_to_gain)


def kinds(changes):
    return [(c.kind, c.target, c.value) for c in changes]


class DictationPause(unittest.TestCase):
    def setUp(self):
        self.tm = TurnManager(hangover_ns=300 * MS)
        self.tm.set_latency(100 * MS)

    def test_paused_from_first_audio_to_end_of_playback(self):
        tm = self.tm
        self.assertTrue(tm.dictation_open)
        self.assertEqual(kinds(tm.audio(CONVERSATION, 5 * SECOND,
                                        5 * SECOND + 40 * MS)),
                         [("dictation", None, False)])
        self.assertEqual(tm.floor(), CONVERSATION)
        # More audio: nothing new to do.
        self.assertEqual(tm.audio(CONVERSATION, 5 * SECOND + 40 * MS,
                                  6 * SECOND), [])
        # The audio is played at 6 s + latency; the hangover follows.
        self.assertEqual(tm.tick(6 * SECOND + 100 * MS), [])
        self.assertEqual(tm.tick(6 * SECOND + 399 * MS), [])
        self.assertEqual(kinds(tm.tick(6 * SECOND + 400 * MS)),
                         [("dictation", None, True)])
        self.assertEqual(tm.floor(), "user")

    def test_busy_route_keeps_dictation_paused_through_a_stall(self):
        tm = self.tm
        tm.set_busy(CONVERSATION, "response", True)
        tm.audio(CONVERSATION, 1 * SECOND, 2 * SECOND)
        # The network stalls: no audio for a while, response not done.
        self.assertEqual(tm.tick(5 * SECOND), [])
        self.assertFalse(tm.dictation_open)
        tm.set_busy(CONVERSATION, "response", False)
        self.assertEqual(kinds(tm.tick(5 * SECOND)),
                         [("dictation", None, True)])

    def test_audio_already_played_is_ignored(self):
        # A resampler drains a few samples stamped in the past at EOS.
        tm = self.tm
        tm.tick(10 * SECOND)
        self.assertEqual(tm.audio(CONVERSATION, 5 * SECOND,
                                  5 * SECOND + 10 * MS), [])
        self.assertFalse(tm.audible(CONVERSATION))
        # Audio still to be heard (latency + hangover ahead) counts.
        self.assertEqual(kinds(tm.audio(CONVERSATION, 9 * SECOND + 700 * MS,
                                        9 * SECOND + 710 * MS)),
                         [("dictation", None, False)])

    def test_busy_without_audio_does_not_pause(self):
        # A response that only calls a tool never speaks.
        tm = self.tm
        tm.set_busy(CONVERSATION, "response", True)
        self.assertEqual(tm.tick(SECOND), [])
        self.assertTrue(tm.dictation_open)

    def test_barge_in_silences_after_hangover(self):
        tm = self.tm
        tm.set_busy(CONVERSATION, "response", True)
        tm.audio(CONVERSATION, 1 * SECOND, 9 * SECOND)
        self.assertEqual(tm.interrupted(CONVERSATION, 2 * SECOND), [])
        self.assertFalse(tm.dictation_open)
        self.assertEqual(kinds(tm.tick(2 * SECOND + 300 * MS)),
                         [("dictation", None, True)])


class Ducking(unittest.TestCase):
    def setUp(self):
        self.tm = TurnManager(routes=(CONVERSATION, AVATAR), duck_db=-20.0,
                              hangover_ns=0)

    def test_avatar_ducked_while_conversation_speaks(self):
        tm = self.tm
        ch = kinds(tm.audio(AVATAR, 0, SECOND))
        self.assertEqual(ch, [("dictation", None, False)])
        self.assertEqual(tm.gains[AVATAR], 1.0)
        ch = kinds(tm.audio(CONVERSATION, 500 * MS, 2 * SECOND))
        self.assertEqual(ch, [("gain", AVATAR, db_to_gain(-20.0))])
        self.assertAlmostEqual(tm.gains[AVATAR], 0.1)
        self.assertEqual(tm.floor(), CONVERSATION)
        # The avatar ends first: still ducked, dictation still paused.
        self.assertEqual(tm.tick(SECOND), [])
        self.assertFalse(tm.audible(AVATAR))
        # The conversation ends: everything back.
        self.assertEqual(kinds(tm.tick(2 * SECOND)),
                         [("dictation", None, True),
                          ("gain", AVATAR, 1.0)])

    def test_avatar_priority(self):
        tm = TurnManager(routes=(CONVERSATION, AVATAR), priority=AVATAR,
                         duck_db=-6.0, hangover_ns=0)
        ch = kinds(tm.audio(AVATAR, 0, SECOND))
        self.assertEqual(ch, [("dictation", None, False),
                              ("gain", CONVERSATION, db_to_gain(-6.0))])
        self.assertEqual(tm.gains[AVATAR], 1.0)

    def test_unknown_priority_falls_back_to_first_route(self):
        tm = TurnManager(routes=(CONVERSATION,), priority=AVATAR)
        self.assertEqual(tm.priority, CONVERSATION)


class PushToTalk(unittest.TestCase):
    def setUp(self):
        self.tm = TurnManager(routes=(CONVERSATION, AVATAR),
                              push_to_talk=True, hangover_ns=0)

    def test_microphone_follows_key_and_release_commits(self):
        tm = self.tm
        self.assertFalse(tm.microphone_open)
        self.assertEqual(kinds(tm.talk_key(True, SECOND)),
                         [("microphone", None, True)])
        self.assertEqual(tm.talk_key(True, SECOND), [])   # already down
        self.assertEqual(kinds(tm.talk_key(False, 3 * SECOND)),
                         [("microphone", None, False),
                          ("action", CONVERSATION, "commit"),
                          ("action", AVATAR, "commit")])

    def test_key_down_interrupts_the_assistant(self):
        tm = self.tm
        tm.set_busy(CONVERSATION, "response", True)
        tm.audio(CONVERSATION, SECOND, 10 * SECOND)
        ch = kinds(tm.talk_key(True, 2 * SECOND))
        self.assertEqual(ch, [("action", CONVERSATION, "cancel-response"),
                              ("dictation", None, True),
                              ("microphone", None, True),
                              ("gain", AVATAR, 1.0)])
        self.assertEqual(tm.floor(), "user")

    def test_key_down_cancels_a_reply_on_its_way(self):
        tm = self.tm
        tm.set_busy(AVATAR, "response", True)    # text, no audio yet
        self.assertEqual(kinds(tm.talk_key(True, SECOND)),
                         [("action", AVATAR, "cancel-response"),
                          ("microphone", None, True)])
        self.assertFalse(tm.audible(AVATAR))

    def test_without_push_to_talk_the_key_does_nothing(self):
        tm = TurnManager()
        self.assertTrue(tm.microphone_open)
        self.assertEqual(tm.talk_key(True, 0), [])
        self.assertTrue(tm.microphone_open)


class Changes(unittest.TestCase):
    def test_equality_ignores_reason(self):
        self.assertEqual(Change("gain", AVATAR, 1.0, "a"),
                         Change("gain", AVATAR, 1.0, "b"))
        self.assertNotEqual(Change("gain", AVATAR, 1.0, "a"),
                            Change("gain", AVATAR, 0.5, "a"))

    def test_db_to_gain(self):
        self.assertAlmostEqual(db_to_gain(0.0), 1.0)
        self.assertAlmostEqual(db_to_gain(-20.0), 0.1)


if __name__ == "__main__":
    unittest.main()
