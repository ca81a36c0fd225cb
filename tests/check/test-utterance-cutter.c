/* The utterance cutter: fixed segments without a VAD, speech-driven
 * utterances with history replay, forced splits, gaps and resets.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include "openai/sandra-utterance-cutter.h"

#define RATE 16000
#define MS(x) ((x) * GST_MSECOND)
#define SAMPLES(ms) ((ms) * RATE / 1000)

typedef struct {
  GstClockTime start, end;
  SandraCutReason reason;
  GArray *audio;                /* gint16 */
} Utterance;

typedef struct {
  GPtrArray *done;
  Utterance *open;
} Recorder;

static void
rec_start (gpointer user_data, GstClockTime pts)
{
  Recorder *r = user_data;

  fail_unless (r->open == NULL, "start while an utterance is open");
  r->open = g_new0 (Utterance, 1);
  r->open->start = pts;
  r->open->audio = g_array_new (FALSE, FALSE, sizeof (gint16));
}

static void
rec_audio (gpointer user_data, const gint16 * s, gsize n)
{
  Recorder *r = user_data;

  fail_unless (r->open != NULL, "audio outside an utterance");
  g_array_append_vals (r->open->audio, s, n);
}

static void
rec_end (gpointer user_data, GstClockTime end, SandraCutReason reason)
{
  Recorder *r = user_data;

  fail_unless (r->open != NULL, "end without start");
  r->open->end = end;
  r->open->reason = reason;
  g_ptr_array_add (r->done, r->open);
  r->open = NULL;
}

static void
utterance_free (gpointer p)
{
  Utterance *u = p;

  g_array_unref (u->audio);
  g_free (u);
}

static const SandraUtteranceCallbacks callbacks = { rec_start, rec_audio,
  rec_end
};

static Recorder *
recorder_new (void)
{
  Recorder *r = g_new0 (Recorder, 1);

  r->done = g_ptr_array_new_with_free_func (utterance_free);
  return r;
}

static void
recorder_free (Recorder * r)
{
  if (r->open)
    utterance_free (r->open);
  g_ptr_array_unref (r->done);
  g_free (r);
}

/* Pushes @ms of a ramp whose sample value encodes its own position (mod
 * 30000), so tests can check exactly which samples an utterance holds. */
static guint64 pushed;

static void
push_ms (SandraUtteranceCutter * c, guint ms, guint chunk_ms)
{
  guint done = 0;

  while (done < ms) {
    guint this_ms = MIN (chunk_ms, ms - done);
    gsize n = SAMPLES (this_ms), i;
    gint16 *s = g_new (gint16, n);

    for (i = 0; i < n; i++)
      s[i] = (gint16) ((pushed + i) % 30000);
    sandra_utterance_cutter_push (c, gst_util_uint64_scale_int (pushed,
            GST_SECOND, RATE), s, n);
    pushed += n;
    done += this_ms;
    g_free (s);
  }
}

static void
assert_samples_from (Utterance * u, guint64 first_sample)
{
  guint i;

  for (i = 0; i < u->audio->len; i++)
    fail_unless_equals_int (g_array_index (u->audio, gint16, i),
        (gint16) ((first_sample + i) % 30000));
}

GST_START_TEST (test_fixed_segments_without_vad)
{
  Recorder *r = recorder_new ();
  SandraUtteranceCutter *c = sandra_utterance_cutter_new (RATE, 1000, 1000,
      &callbacks, r);
  Utterance *u;

  pushed = 0;
  push_ms (c, 2500, 30);
  fail_unless_equals_int (r->done->len, 2);
  sandra_utterance_cutter_drain (c);
  fail_unless_equals_int (r->done->len, 3);

  u = g_ptr_array_index (r->done, 0);
  fail_unless_equals_uint64 (u->start, 0);
  fail_unless_equals_uint64 (u->end, MS (1000));
  fail_unless_equals_int (u->reason, SANDRA_CUT_MAX_LENGTH);
  fail_unless_equals_int (u->audio->len, SAMPLES (1000));
  assert_samples_from (u, 0);
  u = g_ptr_array_index (r->done, 1);
  fail_unless_equals_uint64 (u->start, MS (1000));
  assert_samples_from (u, SAMPLES (1000));
  u = g_ptr_array_index (r->done, 2);
  fail_unless_equals_uint64 (u->start, MS (2000));
  fail_unless_equals_uint64 (u->end, MS (2500));
  fail_unless_equals_int (u->reason, SANDRA_CUT_DRAIN);
  fail_unless_equals_int (u->audio->len, SAMPLES (500));
  fail_if (sandra_utterance_cutter_is_vad_driven (c));

  sandra_utterance_cutter_free (c);
  recorder_free (r);
}
GST_END_TEST;

GST_START_TEST (test_vad_start_replays_history)
{
  Recorder *r = recorder_new ();
  SandraUtteranceCutter *c = sandra_utterance_cutter_new (RATE, 2000, 0,
      &callbacks, r);
  Utterance *u;

  pushed = 0;
  push_ms (c, 1500, 20);
  /* The detector decides at 1.5 s that speech began at 1.2 s. */
  sandra_utterance_cutter_speech_start (c, MS (1200));
  /* The fixed segment that was open is abandoned, not sent. */
  fail_unless_equals_int (r->done->len, 1);
  u = g_ptr_array_index (r->done, 0);
  fail_unless_equals_int (u->reason, SANDRA_CUT_ABANDONED);
  g_ptr_array_remove_index (r->done, 0);

  push_ms (c, 1000, 20);
  sandra_utterance_cutter_speech_stop (c, MS (2300));
  /* Between utterances nothing is delivered. */
  push_ms (c, 500, 20);
  fail_unless_equals_int (r->done->len, 1);
  fail_unless (r->open == NULL);

  u = g_ptr_array_index (r->done, 0);
  fail_unless_equals_uint64 (u->start, MS (1200));
  fail_unless_equals_uint64 (u->end, MS (2300));
  fail_unless_equals_int (u->reason, SANDRA_CUT_SPEECH_STOP);
  /* Audio from the start through what had arrived when the stop came. */
  fail_unless_equals_int (u->audio->len, SAMPLES (2500 - 1200));
  assert_samples_from (u, SAMPLES (1200));
  fail_unless (sandra_utterance_cutter_is_vad_driven (c));

  sandra_utterance_cutter_free (c);
  recorder_free (r);
}
GST_END_TEST;

GST_START_TEST (test_start_older_than_history_is_clamped)
{
  Recorder *r = recorder_new ();
  SandraUtteranceCutter *c = sandra_utterance_cutter_new (RATE, 500, 0,
      &callbacks, r);
  Utterance *u;

  pushed = 0;
  sandra_utterance_cutter_speech_stop (c, 0);   /* enter VAD mode, no-op */
  push_ms (c, 2000, 100);
  sandra_utterance_cutter_speech_start (c, MS (200));
  sandra_utterance_cutter_speech_stop (c, MS (2000));
  u = g_ptr_array_index (r->done, 0);
  /* Only 500 ms of history exist: the utterance starts at 1.5 s. */
  fail_unless_equals_uint64 (u->start, MS (1500));
  fail_unless_equals_int (u->audio->len, SAMPLES (500));
  assert_samples_from (u, SAMPLES (1500));

  sandra_utterance_cutter_free (c);
  recorder_free (r);
}
GST_END_TEST;

GST_START_TEST (test_long_speech_is_split_and_continues)
{
  Recorder *r = recorder_new ();
  SandraUtteranceCutter *c = sandra_utterance_cutter_new (RATE, 1000, 1000,
      &callbacks, r);
  Utterance *u;
  guint i;

  pushed = 0;
  sandra_utterance_cutter_speech_start (c, 0);
  fail_unless (sandra_utterance_cutter_is_vad_driven (c));
  /* Chunks that land exactly on the split point. */
  push_ms (c, 3000, 500);
  sandra_utterance_cutter_speech_stop (c, MS (3000));
  fail_unless_equals_int (r->done->len, 3);
  for (i = 0; i < 3; i++) {
    u = g_ptr_array_index (r->done, i);
    fail_unless_equals_uint64 (u->start, MS (1000 * i));
    fail_unless_equals_uint64 (u->end, MS (1000 * (i + 1)));
    fail_unless_equals_int (u->audio->len, SAMPLES (1000));
    assert_samples_from (u, SAMPLES (1000 * i));
  }
  fail_unless_equals_int (((Utterance *) g_ptr_array_index (r->done,
              2))->reason, SANDRA_CUT_MAX_LENGTH);

  sandra_utterance_cutter_free (c);
  recorder_free (r);
}
GST_END_TEST;

GST_START_TEST (test_gap_inside_utterance_is_bridged)
{
  Recorder *r = recorder_new ();
  SandraUtteranceCutter *c = sandra_utterance_cutter_new (RATE, 1000, 0,
      &callbacks, r);
  Utterance *u;

  pushed = 0;
  sandra_utterance_cutter_speech_start (c, 0);
  push_ms (c, 300, 100);
  pushed += SAMPLES (200);      /* 200 ms lost upstream */
  push_ms (c, 300, 100);
  sandra_utterance_cutter_drain (c);
  u = g_ptr_array_index (r->done, 0);
  fail_unless_equals_int (u->reason, SANDRA_CUT_DRAIN);
  fail_unless_equals_int (u->audio->len, SAMPLES (800));
  fail_unless_equals_uint64 (u->end, MS (800));
  /* the hole is silence */
  fail_unless_equals_int (g_array_index (u->audio, gint16, SAMPLES (400)), 0);
  fail_unless_equals_int (g_array_index (u->audio, gint16, SAMPLES (500)),
      (gint16) (SAMPLES (500) % 30000));

  sandra_utterance_cutter_free (c);
  recorder_free (r);
}
GST_END_TEST;

GST_START_TEST (test_reset_forgets)
{
  Recorder *r = recorder_new ();
  SandraUtteranceCutter *c = sandra_utterance_cutter_new (RATE, 1000, 0,
      &callbacks, r);

  pushed = 0;
  sandra_utterance_cutter_speech_start (c, 0);
  push_ms (c, 300, 100);
  fail_unless (sandra_utterance_cutter_in_utterance (c));
  sandra_utterance_cutter_reset (c);
  fail_if (sandra_utterance_cutter_in_utterance (c));
  fail_if (sandra_utterance_cutter_is_vad_driven (c));
  fail_unless_equals_int (r->done->len, 0);
  /* The recorder still holds the open one; a reset calls nothing. */
  fail_unless (r->open != NULL);

  sandra_utterance_cutter_free (c);
  recorder_free (r);
}
GST_END_TEST;

GST_START_TEST (test_time_going_back_starts_a_new_timeline)
{
  Recorder *r = recorder_new ();
  SandraUtteranceCutter *c = sandra_utterance_cutter_new (RATE, 1000, 0,
      &callbacks, r);
  Utterance *u;

  pushed = 0;
  sandra_utterance_cutter_speech_stop (c, 0);   /* VAD mode */
  push_ms (c, 9000, 100);
  /* The stream loops: timestamps restart at 0. */
  pushed = 0;
  push_ms (c, 2000, 100);
  sandra_utterance_cutter_speech_start (c, MS (1500));
  push_ms (c, 1000, 100);
  sandra_utterance_cutter_speech_stop (c, MS (3000));
  fail_unless_equals_int (r->done->len, 1);
  u = g_ptr_array_index (r->done, 0);
  fail_unless_equals_uint64 (u->start, MS (1500));
  fail_unless_equals_uint64 (u->end, MS (3000));
  assert_samples_from (u, SAMPLES (1500));

  sandra_utterance_cutter_free (c);
  recorder_free (r);
}
GST_END_TEST;

GST_START_TEST (test_resync_ends_the_utterance_and_keeps_the_mode)
{
  Recorder *r = recorder_new ();
  SandraUtteranceCutter *c = sandra_utterance_cutter_new (RATE, 1000, 0,
      &callbacks, r);
  Utterance *u;

  pushed = 0;
  sandra_utterance_cutter_speech_start (c, 0);
  push_ms (c, 500, 100);
  sandra_utterance_cutter_resync (c);
  fail_unless_equals_int (r->done->len, 1);
  u = g_ptr_array_index (r->done, 0);
  fail_unless_equals_int (u->reason, SANDRA_CUT_DRAIN);
  fail_unless_equals_uint64 (u->end, MS (500));
  fail_unless (sandra_utterance_cutter_is_vad_driven (c));
  /* Speech goes on in the new segment: a new utterance from its start. */
  pushed = SAMPLES (100000);
  push_ms (c, 300, 100);
  fail_unless (r->open != NULL);
  fail_unless_equals_uint64 (r->open->start, 100 * GST_SECOND);

  sandra_utterance_cutter_free (c);
  recorder_free (r);
}
GST_END_TEST;

static Suite *
cutter_suite (void)
{
  Suite *s = suite_create ("sandra-utterance-cutter");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_fixed_segments_without_vad);
  tcase_add_test (tc, test_vad_start_replays_history);
  tcase_add_test (tc, test_start_older_than_history_is_clamped);
  tcase_add_test (tc, test_long_speech_is_split_and_continues);
  tcase_add_test (tc, test_gap_inside_utterance_is_bridged);
  tcase_add_test (tc, test_reset_forgets);
  tcase_add_test (tc, test_time_going_back_starts_a_new_timeline);
  tcase_add_test (tc, test_resync_ends_the_utterance_and_keeps_the_mode);
  return s;
}

GST_CHECK_MAIN (cutter);
