/* Unit tests of the VAD segmenter with synthetic probability sequences.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The segmenter runs at "1000 Hz" with 10-sample frames, so offsets read as
 * milliseconds and every frame is 10 ms.
 */
#include <gst/check/gstcheck.h>

#include "dsp/sandra-vad-segmenter.h"

#define RATE 1000
#define FRAME 10

/* check's fail_unless() records every passing assertion through a pipe;
 * the per-frame invariants below run millions of times, so they only call
 * into check when they fail. */
#define CHECK(expr) G_STMT_START { \
  if (G_UNLIKELY (!(expr))) \
    ck_abort_msg ("invariant failed: " #expr); \
} G_STMT_END

typedef struct
{
  SandraVadSegmenter *seg;
  SandraVadSegmentEvent events[4096];
  guint n_events;
  /* frame index (1-based count of frames pushed) at which each event came */
  guint64 decided_at[4096];
  /* if set, checked after every frame: no sample waits longer */
  guint64 bound;
} Run;

static void
run_init (Run * run, const SandraVadSegmenterSettings * settings)
{
  run->n_events = 0;
  run->bound = 0;
  run->seg = sandra_vad_segmenter_new (RATE, FRAME, settings);
}

/* Pushes @n frames of probability @p, checking the invariants every
 * consumer relies on at each step. */
static void
run_push (Run * run, guint n, gfloat p)
{
  SandraVadSegmentEvent ev[SANDRA_VAD_SEGMENTER_MAX_EVENTS];
  guint i, k, j;

  for (i = 0; i < n; i++) {
    guint64 decided_before = sandra_vad_segmenter_get_decided (run->seg);

    k = sandra_vad_segmenter_push (run->seg, p, ev);
    CHECK (k <= SANDRA_VAD_SEGMENTER_MAX_EVENTS);
    for (j = 0; j < k; j++) {
      /* A boundary never lands in audio already declared final. */
      CHECK (ev[j].offset >= decided_before);
      CHECK (ev[j].offset <= sandra_vad_segmenter_get_position (run->seg));
      CHECK (run->n_events < G_N_ELEMENTS (run->events));
      run->decided_at[run->n_events] =
          sandra_vad_segmenter_get_position (run->seg);
      run->events[run->n_events++] = ev[j];
    }
    CHECK (sandra_vad_segmenter_get_decided (run->seg) >= decided_before);
    CHECK (sandra_vad_segmenter_get_decided (run->seg) <=
        sandra_vad_segmenter_get_position (run->seg));
    /* a sample may also have waited for the rest of its frame */
    if (run->bound)
      CHECK (sandra_vad_segmenter_get_position (run->seg) -
          sandra_vad_segmenter_get_decided (run->seg) + FRAME - 1 <=
          run->bound);
  }
}

static void
run_finish (Run * run)
{
  SandraVadSegmentEvent ev[SANDRA_VAD_SEGMENTER_MAX_EVENTS];
  guint k = sandra_vad_segmenter_finish (run->seg, ev), j;

  for (j = 0; j < k; j++) {
    run->decided_at[run->n_events] =
        sandra_vad_segmenter_get_position (run->seg);
    run->events[run->n_events++] = ev[j];
  }
  fail_unless_equals_uint64 (sandra_vad_segmenter_get_decided (run->seg),
      sandra_vad_segmenter_get_position (run->seg));
}

static void
run_clear (Run * run)
{
  sandra_vad_segmenter_free (run->seg);
}

static void
assert_event (Run * run, guint i, SandraVadSegmentBoundary b, guint64 offset)
{
  fail_unless (i < run->n_events, "missing event %u (have %u)", i,
      run->n_events);
  fail_unless_equals_int (run->events[i].boundary, b);
  fail_unless_equals_uint64 (run->events[i].offset, offset);
}

static void
settings (SandraVadSegmenterSettings * s, guint min_speech, guint min_silence,
    guint pad)
{
  sandra_vad_segmenter_settings_init (s);
  s->min_speech_ms = min_speech;
  s->min_silence_ms = min_silence;
  s->pre_speech_pad_ms = pad;
}

GST_START_TEST (test_single_utterance)
{
  SandraVadSegmenterSettings s;
  static Run run;

  settings (&s, 100, 200, 100);
  run_init (&run, &s);
  run_push (&run, 50, 0.0f);
  run_push (&run, 30, 0.9f);
  run_push (&run, 60, 0.1f);
  fail_unless_equals_int (run.n_events, 2);
  /* onset at 500, padded by 100 */
  assert_event (&run, 0, SANDRA_VAD_SEGMENT_START, 400);
  /* decided once 100 ms of speech were seen */
  fail_unless_equals_uint64 (run.decided_at[0], 600);
  fail_unless (run.events[0].probability > 0.8f);
  /* stop at the end of the last speech frame, decided 200 ms later */
  assert_event (&run, 1, SANDRA_VAD_SEGMENT_STOP, 800);
  fail_unless_equals_uint64 (run.decided_at[1], 1000);
  fail_unless_equals_uint64 (run.events[1].length, 400);
  fail_if (sandra_vad_segmenter_in_speech (run.seg));
  run_clear (&run);
}

GST_END_TEST;

GST_START_TEST (test_short_burst_ignored)
{
  SandraVadSegmenterSettings s;
  static Run run;

  settings (&s, 100, 200, 0);
  run_init (&run, &s);
  run_push (&run, 20, 0.0f);
  run_push (&run, 9, 1.0f);     /* 90 ms: one frame short */
  run_push (&run, 40, 0.0f);
  run_push (&run, 3, 1.0f);
  run_push (&run, 40, 0.0f);
  fail_unless_equals_int (run.n_events, 0);
  /* exactly min-speech is enough */
  run_push (&run, 10, 1.0f);
  fail_unless_equals_int (run.n_events, 1);
  assert_event (&run, 0, SANDRA_VAD_SEGMENT_START, 1120);
  run_clear (&run);
}

GST_END_TEST;

GST_START_TEST (test_hysteresis)
{
  SandraVadSegmenterSettings s;
  static Run run;

  settings (&s, 0, 0, 0);
  s.threshold = 0.6f;
  s.negative_threshold = 0.3f;
  run_init (&run, &s);
  /* between the thresholds: cannot start */
  run_push (&run, 20, 0.5f);
  fail_unless_equals_int (run.n_events, 0);
  run_push (&run, 1, 0.6f);
  assert_event (&run, 0, SANDRA_VAD_SEGMENT_START, 200);
  /* between the thresholds: keeps going */
  run_push (&run, 20, 0.31f);
  fail_unless_equals_int (run.n_events, 1);
  /* just below the negative threshold: stops at once (no hangover) */
  run_push (&run, 1, 0.29f);
  assert_event (&run, 1, SANDRA_VAD_SEGMENT_STOP, 410);
  run_clear (&run);
}

GST_END_TEST;

GST_START_TEST (test_hangover)
{
  SandraVadSegmenterSettings s;
  static Run run;

  settings (&s, 50, 300, 0);
  run_init (&run, &s);
  run_push (&run, 10, 0.0f);
  run_push (&run, 20, 1.0f);
  /* a 290 ms pause stays inside the utterance */
  run_push (&run, 29, 0.0f);
  run_push (&run, 20, 1.0f);
  fail_unless_equals_int (run.n_events, 1);
  /* a 300 ms one ends it, at the last speech frame */
  run_push (&run, 30, 0.0f);
  fail_unless_equals_int (run.n_events, 2);
  assert_event (&run, 0, SANDRA_VAD_SEGMENT_START, 100);
  assert_event (&run, 1, SANDRA_VAD_SEGMENT_STOP, 790);
  fail_unless_equals_uint64 (run.events[1].length, 690);
  run_clear (&run);
}

GST_END_TEST;

GST_START_TEST (test_padding_clamped)
{
  SandraVadSegmenterSettings s;
  static Run run;

  settings (&s, 0, 100, 300);
  run_init (&run, &s);
  /* onset at 50 ms: the padding cannot reach before the stream */
  run_push (&run, 5, 0.0f);
  run_push (&run, 10, 1.0f);
  run_push (&run, 10, 0.0f);
  assert_event (&run, 0, SANDRA_VAD_SEGMENT_START, 0);
  assert_event (&run, 1, SANDRA_VAD_SEGMENT_STOP, 150);
  /* onset 150 ms after that stop: the padding stops at the stop */
  run_push (&run, 5, 0.0f);
  run_push (&run, 10, 1.0f);
  assert_event (&run, 2, SANDRA_VAD_SEGMENT_START, 150);
  run_finish (&run);
  assert_event (&run, 3, SANDRA_VAD_SEGMENT_STOP, 400);
  fail_unless_equals_uint64 (run.events[3].length, 250);
  run_clear (&run);
}

GST_END_TEST;

GST_START_TEST (test_max_speech_split)
{
  SandraVadSegmenterSettings s;
  static Run run;
  guint i;

  settings (&s, 0, 100, 0);
  s.max_speech_ms = 300;
  run_init (&run, &s);
  run_push (&run, 100, 1.0f);   /* one second of speech */
  run_finish (&run);
  /* starts at 0, 300, 600, 900; each stop at the next start; last at 1000 */
  fail_unless_equals_int (run.n_events, 8);
  for (i = 0; i < 4; i++) {
    assert_event (&run, 2 * i, SANDRA_VAD_SEGMENT_START, 300 * i);
    assert_event (&run, 2 * i + 1, SANDRA_VAD_SEGMENT_STOP,
        MIN (300 * (i + 1), 1000));
    fail_unless (run.events[2 * i + 1].length <= 300);
  }
  run_clear (&run);
}

GST_END_TEST;

GST_START_TEST (test_max_speech_in_hangover)
{
  SandraVadSegmenterSettings s;
  static Run run;

  settings (&s, 0, 500, 0);
  s.max_speech_ms = 300;
  run_init (&run, &s);
  run_push (&run, 25, 1.0f);
  run_push (&run, 10, 0.0f);    /* the limit is hit during the pause */
  run_push (&run, 10, 1.0f);
  /* split at the last speech frame; what follows is a new utterance */
  assert_event (&run, 0, SANDRA_VAD_SEGMENT_START, 0);
  assert_event (&run, 1, SANDRA_VAD_SEGMENT_STOP, 250);
  assert_event (&run, 2, SANDRA_VAD_SEGMENT_START, 350);
  fail_unless_equals_int (run.n_events, 3);
  run_clear (&run);
}

GST_END_TEST;

GST_START_TEST (test_finish)
{
  SandraVadSegmenterSettings s;
  static Run run;

  settings (&s, 100, 300, 0);
  run_init (&run, &s);
  /* a burst still shorter than min-speech at the end is dropped */
  run_push (&run, 5, 1.0f);
  run_finish (&run);
  fail_unless_equals_int (run.n_events, 0);

  /* an utterance in its hangover ends at its last speech frame */
  sandra_vad_segmenter_reset (run.seg);
  fail_unless_equals_uint64 (sandra_vad_segmenter_get_position (run.seg), 0);
  run_push (&run, 20, 1.0f);
  run_push (&run, 5, 0.0f);
  run_finish (&run);
  fail_unless_equals_int (run.n_events, 2);
  assert_event (&run, 0, SANDRA_VAD_SEGMENT_START, 0);
  assert_event (&run, 1, SANDRA_VAD_SEGMENT_STOP, 200);
  run_clear (&run);
}

GST_END_TEST;

/* Random probability sequences: events alternate, stay in order, and no
 * sample waits longer than max_decision_delay() to be decided. */
GST_START_TEST (test_random_invariants)
{
  GRand *rand = g_rand_new_with_seed (20261123);
  guint trial;

  for (trial = 0; trial < 200; trial++) {
    SandraVadSegmenterSettings s;
    guint64 bound, last = 0;
    static Run run;
    guint i;

    settings (&s, g_rand_int_range (rand, 0, 300),
        g_rand_int_range (rand, 0, 600), g_rand_int_range (rand, 0, 500));
    /* the edges: no minimum speech, no hangover */
    if (trial % 10 == 0)
      s.min_speech_ms = 0;
    if (trial % 10 == 5)
      s.min_silence_ms = 0;
    s.threshold = g_rand_double_range (rand, 0.3, 0.8);
    s.negative_threshold = s.threshold - g_rand_double_range (rand, 0, 0.3);
    s.max_speech_ms = g_rand_boolean (rand) ? 0 :
        g_rand_int_range (rand, 200, 3000);
    bound = sandra_vad_segmenter_max_decision_delay (RATE, FRAME, &s);
    run_init (&run, &s);
    run.bound = bound;
    for (i = 0; i < 300; i++) {
      /* runs of similar probability, like real speech */
      run_push (&run, g_rand_int_range (rand, 1, 40),
          g_rand_double_range (rand, 0.0, 1.0));
    }
    run_finish (&run);
    for (i = 0; i < run.n_events; i++) {
      SandraVadSegmentEvent *e = &run.events[i];

      fail_unless_equals_int (e->boundary, i % 2 == 0 ?
          SANDRA_VAD_SEGMENT_START : SANDRA_VAD_SEGMENT_STOP);
      fail_unless (e->offset >= last);
      if (e->boundary == SANDRA_VAD_SEGMENT_STOP) {
        fail_unless_equals_uint64 (e->length, e->offset - last);
        if (s.max_speech_ms) {
          guint floor = s.pre_speech_pad_ms + (s.min_speech_ms + FRAME - 1) /
              FRAME * FRAME;

          fail_unless (e->length <= MAX (MAX (s.max_speech_ms, floor), FRAME));
        }
      }
      last = e->offset;
    }
    fail_unless (run.n_events % 2 == 0);
    run_clear (&run);
  }
  g_rand_free (rand);
}

GST_END_TEST;

static Suite *
segmenter_suite (void)
{
  Suite *s = suite_create ("sandra-vad-segmenter");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_single_utterance);
  tcase_add_test (tc, test_short_burst_ignored);
  tcase_add_test (tc, test_hysteresis);
  tcase_add_test (tc, test_hangover);
  tcase_add_test (tc, test_padding_clamped);
  tcase_add_test (tc, test_max_speech_split);
  tcase_add_test (tc, test_max_speech_in_hangover);
  tcase_add_test (tc, test_finish);
  tcase_add_test (tc, test_random_invariants);
  return s;
}

GST_CHECK_MAIN (segmenter);
