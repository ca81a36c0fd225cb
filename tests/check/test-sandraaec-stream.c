/* sandraaec and sandraechoprobe: the stream around the canceller, as a
 * GStreamer element must handle it: timestamp gaps, caps changes mid-stream,
 * probes coming and going, pipelines with different base times.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/app.h>
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "sandra-echo-sim.h"

#define FAR_FIXTURE "aec-far-speech.flac"

#define MS(x) ((x) * GST_MSECOND)

typedef struct
{
  GstClockTime pts, duration;
  gsize size;
  gboolean discont;
} Out;

/* Pulls what the harness holds, in order; returns how many. */
static guint
pull_all (GstHarness * h, Out * out, guint max)
{
  GstBuffer *b;
  guint n = 0;

  while ((b = gst_harness_try_pull (h))) {
    fail_unless (n < max, "more output than expected");
    out[n].pts = GST_BUFFER_PTS (b);
    out[n].duration = GST_BUFFER_DURATION (b);
    out[n].size = gst_buffer_get_size (b);
    out[n].discont = GST_BUFFER_IS_DISCONT (b);
    n++;
    gst_buffer_unref (b);
  }
  return n;
}

static GstHarness *
near_harness (const gchar * probe)
{
  GstHarness *h = gst_harness_new ("sandraaec");

  g_object_set (h->element, "probe", probe, "stats-interval-ms", 0, NULL);
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");
  return h;
}

static GstBuffer *
silence (gsize frames, gint rate, gint channels, GstClockTime pts)
{
  gsize bytes = frames * channels * 2;
  GstBuffer *b = gst_buffer_new_allocate (NULL, bytes, NULL);

  gst_buffer_memset (b, 0, 0, bytes);
  GST_BUFFER_PTS (b) = pts;
  GST_BUFFER_DURATION (b) = gst_util_uint64_scale_int (frames, GST_SECOND,
      rate);
  return b;
}

/* A microphone that skips 85 ms (a USB hiccup, a dropped packet): the
 * samples after the gap keep their own time. Glued to the 5 ms that waited
 * for a whole frame, they would come out 85 ms early, and the canceller
 * would look for their echo at the wrong place. */
GST_START_TEST (test_near_gap_keeps_timestamps)
{
  GstHarness *h = near_harness ("stream-gap-no-probe");
  GstBuffer *b;
  Out out[8];
  guint n;

  fail_unless_equals_int (gst_harness_push (h, silence (240, 16000, 1, 0)),
      GST_FLOW_OK);
  n = pull_all (h, out, G_N_ELEMENTS (out));
  fail_unless_equals_int (n, 1);
  fail_unless_equals_uint64 (out[0].pts, 0);

  b = silence (320, 16000, 1, MS (100));
  GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
  fail_unless_equals_int (gst_harness_push (h, b), GST_FLOW_OK);
  n = pull_all (h, out, G_N_ELEMENTS (out));
  /* the 5 ms before the gap, at their time and length, then the new audio
   * at its own time, flagged as a discontinuity */
  fail_unless_equals_int (n, 2);
  fail_unless_equals_uint64 (out[0].pts, MS (10));
  fail_unless_equals_uint64 (out[0].duration, MS (5));
  fail_unless_equals_int (out[0].size, 160);
  fail_unless_equals_uint64 (out[1].pts, MS (100));
  fail_unless_equals_uint64 (out[1].duration, MS (20));
  fail_unless_equals_int (out[1].size, 640);
  fail_unless (out[1].discont);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Timestamps that jitter by less than a sample are one stream: nothing is
 * cut into short buffers. */
GST_START_TEST (test_near_jitter_is_not_a_gap)
{
  GstHarness *h = near_harness ("stream-jitter-no-probe");
  Out out[8];
  guint n, i;
  gsize bytes = 0;

  fail_unless_equals_int (gst_harness_push (h, silence (240, 16000, 1, 0)),
      GST_FLOW_OK);
  /* 15 ms later, give or take 20 us */
  fail_unless_equals_int (gst_harness_push (h, silence (240, 16000, 1,
              MS (15) + 20 * GST_USECOND)), GST_FLOW_OK);
  n = pull_all (h, out, G_N_ELEMENTS (out));
  for (i = 0; i < n; i++) {
    fail_unless_equals_int (out[i].size % 320, 0);
    bytes += out[i].size;
  }
  fail_unless_equals_int (bytes, 960);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Pushes 15 ms at 16 kHz into a fresh canceller, then @event, and checks
 * that the 5 ms waiting for a whole frame came out at their own time
 * before the event. Returns the harness. */
static GstHarness *
event_drains_partial_frame (const gchar * probe, GstEvent * event)
{
  GstHarness *h = near_harness (probe);
  Out out[8];

  fail_unless_equals_int (gst_harness_push (h, silence (240, 16000, 1, 0)),
      GST_FLOW_OK);
  fail_unless_equals_int (pull_all (h, out, G_N_ELEMENTS (out)), 1);
  fail_unless (gst_harness_push_event (h, event));
  fail_unless_equals_int (pull_all (h, out, G_N_ELEMENTS (out)), 1);
  fail_unless_equals_uint64 (out[0].pts, MS (10));
  fail_unless_equals_int (out[0].size, 160);
  return h;
}

/* A GAP event (a muted or stalled source) follows the audio before it: the
 * partial frame leaves first instead of surfacing later, older than the
 * gap. */
GST_START_TEST (test_gap_event_drains_partial_frame)
{
  gst_harness_teardown (event_drains_partial_frame
      ("stream-gap-event-no-probe", gst_event_new_gap (MS (15), MS (20))));
}

GST_END_TEST;

/* A new segment without a flush (the next file of a playlist): the partial
 * frame belongs to the old segment and leaves before the new one starts,
 * whose timestamps start again. */
GST_START_TEST (test_new_segment_drains_partial_frame)
{
  GstSegment seg;
  GstHarness *h;
  Out out[8];

  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.base = MS (15);
  h = event_drains_partial_frame ("stream-segment-no-probe",
      gst_event_new_segment (&seg));
  fail_unless_equals_int (gst_harness_push (h, silence (160, 16000, 1, 0)),
      GST_FLOW_OK);
  fail_unless_equals_int (pull_all (h, out, G_N_ELEMENTS (out)), 1);
  fail_unless_equals_uint64 (out[0].pts, 0);
  fail_unless_equals_int (out[0].size, 320);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Rate and channels change mid-stream: what waited for a whole frame in the
 * old format comes out, in the old format, before the new one starts. */
GST_START_TEST (test_caps_change_keeps_audio)
{
  GstHarness *h = near_harness ("stream-caps-no-probe");
  Out out[8];
  guint n;

  fail_unless_equals_int (gst_harness_push (h, silence (240, 16000, 1, 0)),
      GST_FLOW_OK);
  n = pull_all (h, out, G_N_ELEMENTS (out));
  fail_unless_equals_int (n, 1);

  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=48000,channels=2");
  n = pull_all (h, out, G_N_ELEMENTS (out));
  fail_unless_equals_int (n, 1);
  fail_unless_equals_uint64 (out[0].pts, MS (10));
  fail_unless_equals_int (out[0].size, 160);

  fail_unless_equals_int (gst_harness_push (h, silence (960, 48000, 2,
              MS (15))), GST_FLOW_OK);
  n = pull_all (h, out, G_N_ELEMENTS (out));
  fail_unless_equals_int (n, 1);
  fail_unless_equals_uint64 (out[0].pts, MS (15));
  fail_unless_equals_int (out[0].size, 960 * 4);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* ---- probes coming and going ------------------------------------------- */

/* Runs 300 ms of audio through a canceller looking for @probe and returns
 * whether its last stats message says a probe was connected. */
static gboolean
canceller_finds (const gchar * probe)
{
  GstHarness *h = gst_harness_new ("sandraaec");
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  gboolean connected = FALSE;
  guint i;

  gst_element_set_bus (h->element, bus);
  g_object_set (h->element, "probe", probe, "stats-interval-ms", 100, NULL);
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");
  for (i = 0; i < 30; i++)
    fail_unless_equals_int (gst_harness_push (h, silence (160, 16000, 1,
                MS (10) * i)), GST_FLOW_OK);
  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (m);

    if (gst_structure_has_name (st, "sandraaec-stats"))
      fail_unless (gst_structure_get_boolean (st, "probe-connected",
              &connected));
    gst_message_unref (m);
  }
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  return connected;
}

/* A new loudspeaker pipeline is started before the old one is shut down
 * (a device switch without a gap): its probe cannot have the name yet and
 * says so, but it takes the name over as soon as the old probe lets go. */
GST_START_TEST (test_probe_waiting_for_name_takes_it_over)
{
  GstElement *old = gst_element_factory_make ("sandraechoprobe",
      "handover-speaker");
  GstElement *new = gst_element_factory_make ("sandraechoprobe",
      "handover-speaker");
  GstBus *bus = gst_bus_new ();
  GstMessage *m;

  gst_element_set_bus (new, bus);
  fail_unless (gst_element_set_state (old, GST_STATE_READY) ==
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_element_set_state (new, GST_STATE_READY) ==
      GST_STATE_CHANGE_SUCCESS);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (m != NULL, "a taken name was not reported");
  gst_message_unref (m);
  fail_unless (canceller_finds ("handover-speaker"));

  fail_unless (gst_element_set_state (old, GST_STATE_NULL) ==
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (canceller_finds ("handover-speaker"),
      "the waiting probe did not take the name over");
  /* and when it stops, the name is free */
  fail_unless (gst_element_set_state (new, GST_STATE_NULL) ==
      GST_STATE_CHANGE_SUCCESS);
  fail_if (canceller_finds ("handover-speaker"));

  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (old);
  gst_object_unref (new);
  gst_object_unref (bus);
}

GST_END_TEST;

/* ---- far end late or absent -------------------------------------------- */

/* Pushes @n 10 ms frames of a 440 Hz tone into a harness from frame @from. */
static void
push_tone (GstHarness * h, guint from, guint n)
{
  gint16 frame[160];
  guint f, i;

  for (f = from; f < from + n; f++) {
    for (i = 0; i < 160; i++)
      frame[i] = (gint16) (3000 * sin (2 * G_PI * 440 * (f * 160 + i) /
              16000.0));
    fail_unless_equals_int (gst_harness_push (h,
            sandra_test_audio_buffer (frame, 160, 16000, 1, f * 160)),
        GST_FLOW_OK);
  }
}

static guint64
last_late_frames (GstBus * bus)
{
  GstMessage *m;
  guint64 late = G_MAXUINT64;

  while ((m = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (m);

    if (gst_structure_has_name (st, "sandraaec-stats"))
      fail_unless (gst_structure_get_uint64 (st, "far-end-late-frames", &late));
    gst_message_unref (m);
  }
  fail_unless (late != G_MAXUINT64, "no stats");
  return late;
}

/* Probe and canceller driven by hand, so that who comes first is exact. A
 * loudspeaker that stops playing (the end of a reply) leaves the far end
 * absent, not late; far end that arrives after the canceller needed it
 * is late, and counted. */
GST_START_TEST (test_far_end_late_versus_absent)
{
  GstHarness *probe = gst_harness_new_parse ("sandraechoprobe "
      "name=late-or-absent");
  GstHarness *aec = gst_harness_new ("sandraaec");
  GstBus *bus = gst_bus_new ();
  guint64 late;

  gst_harness_set_src_caps_str (probe, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");
  gst_element_set_bus (aec->element, bus);
  g_object_set (aec->element, "probe", "late-or-absent",
      "stats-interval-ms", 100, NULL);
  gst_harness_set_src_caps_str (aec, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");

  /* attach, then 1 s of far end always ahead of the microphone */
  push_tone (aec, 0, 1);
  push_tone (probe, 0, 100);
  push_tone (aec, 1, 99);
  /* the loudspeaker falls silent; the microphone goes on for 2 s */
  push_tone (aec, 100, 200);
  late = last_late_frames (bus);
  fail_unless_equals_uint64 (late, 0);

  /* the far end goes on where it stopped, but only now: 1 s of it comes
   * after the microphone frames it belonged to were processed */
  push_tone (probe, 100, 100);
  push_tone (aec, 300, 10);
  late = last_late_frames (bus);
  fail_unless (late >= 90 && late <= 110, "%" G_GUINT64_FORMAT
      " late frames", late);

  gst_harness_teardown (aec);
  gst_harness_teardown (probe);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

GST_END_TEST;

/* ---- barge-in: the loudspeaker is flushed ------------------------------ */

/* Flushes what the harness feeds, keeping the running time, as a live
 * pipeline does. */
static void
flush_live (GstHarness * h)
{
  GstSegment seg;

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (FALSE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
}

/* Appends the canceller's output to @out (which holds @got of at most @n
 * samples), drops the probe's; returns the new count. */
static gsize
collect_output (GstHarness * aec, GstHarness * probe, gint16 * out, gsize got,
    gsize n)
{
  GstBuffer *b;

  while ((b = gst_harness_try_pull (aec))) {
    gsize sz = gst_buffer_get_size (b) / 2;

    fail_unless (got + sz <= n);
    gst_buffer_extract (b, 0, out + got, sz * 2);
    got += sz;
    gst_buffer_unref (b);
  }
  while ((b = gst_harness_try_pull (probe)))
    gst_buffer_unref (b);
  return got;
}

#define NEAR_FIXTURE "aec-near-speech.flac"
#define BARGE_IN_FRAME 400      /* 10 ms frames */
#define AHEAD_FRAMES 30         /* what waits in the sink: 300 ms */

/* Echo of speech for 4 s, then the user barges in: the application flushes
 * the playback branch (if @flush) and the loudspeaker stops; the microphone
 * hears the user. The probe had seen 300 ms more than was played, as it
 * always does with a sink buffer. Without @flush, the probe never saw
 * them (the reference). Returns the output over the 400 ms after the
 * barge-in, energy ratio to the microphone, in dB. */
static gdouble
barge_in_run (gboolean flush, gboolean whole)
{
  GBytes *far_b = sandra_test_load_audio (FAR_FIXTURE, 16000, 1);
  GBytes *near_b = sandra_test_load_audio (NEAR_FIXTURE, 16000, 1);
  gsize n_far, n_near, n = 16000 * 6;
  const gint16 *far = g_bytes_get_data (far_b, &n_far);
  const gint16 *near = g_bytes_get_data (near_b, &n_near);
  SandraEchoSimParams p = { 16000, 40, 150, -6.0, 0.0, -65.0, 21 };
  gint16 *played = g_new0 (gint16, n), *mic, *out = g_new0 (gint16, n);
  const gchar *name = whole ? "barge-in-whole" : flush ? "barge-in-flushed" :
      "barge-in-reference";
  gchar *desc = g_strdup_printf ("sandraechoprobe name=%s", name);
  GstHarness *probe = gst_harness_new_parse (desc);
  GstHarness *aec = gst_harness_new ("sandraaec");
  guint f, last_far;
  gsize got = 0;
  gdouble ratio;

  memcpy (played, far, BARGE_IN_FRAME * 160 * 2);
  /* the user's first word starts 0.5 s into the recording: she starts
   * talking as the flush comes (a voice detector's reaction time) */
  mic = sandra_echo_sim_render (&p, played, n, near, MIN (n_near / 2,
          n - (BARGE_IN_FRAME - 50) * 160), (BARGE_IN_FRAME - 50) * 160);

  gst_harness_set_src_caps_str (probe, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");
  g_object_set (aec->element, "probe", name, "noise-suppression", FALSE,
      "stats-interval-ms", 0, NULL);
  gst_harness_set_src_caps_str (aec, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");

  last_far = whole ? 0 : flush ? BARGE_IN_FRAME + AHEAD_FRAMES : BARGE_IN_FRAME;
  for (f = 0; f < n / 160; f++) {
    if (f == 0)
      /* the canceller attaches on its first frame */
      fail_unless_equals_int (gst_harness_push (aec,
              sandra_test_audio_buffer (mic, 160, 16000, 1, 0)), GST_FLOW_OK);
    if (f == 0 && whole) {
      /* the whole reply at once, as an application may push it */
      fail_unless_equals_int (gst_harness_push (probe,
              sandra_test_audio_buffer (far, n_far / 2, 16000, 1, 0)),
          GST_FLOW_OK);
    } else if (f == 0) {
      guint k;

      for (k = 0; k < AHEAD_FRAMES; k++)
        fail_unless_equals_int (gst_harness_push (probe,
                sandra_test_audio_buffer (far + k * 160, 160, 16000, 1,
                    k * 160)), GST_FLOW_OK);
    }
    if (f + AHEAD_FRAMES < last_far)
      fail_unless_equals_int (gst_harness_push (probe,
              sandra_test_audio_buffer (far + (f + AHEAD_FRAMES) * 160, 160,
                  16000, 1, (f + AHEAD_FRAMES) * 160)), GST_FLOW_OK);
    if (f == BARGE_IN_FRAME && flush) {
      gst_harness_set_time (probe, MS (10) * f);
      flush_live (probe);
    }
    if (f > 0)
      fail_unless_equals_int (gst_harness_push (aec,
              sandra_test_audio_buffer (mic + f * 160, 160, 16000, 1,
                  f * 160)), GST_FLOW_OK);
    got = collect_output (aec, probe, out, got, n);
  }
  fail_unless_equals_int (got, n);
  ratio = sandra_echo_sim_ratio_db (out, mic, BARGE_IN_FRAME * 160,
      (BARGE_IN_FRAME + 40) * 160);
  GST_INFO ("flush %d: ERLE before %.1f dB, talker attenuation after %.1f dB",
      flush, sandra_echo_sim_ratio_db (out, mic, 200 * 160,
          BARGE_IN_FRAME * 160), ratio);

  gst_harness_teardown (aec);
  gst_harness_teardown (probe);
  g_free (desc);
  g_free (played);
  g_free (mic);
  g_free (out);
  g_bytes_unref (far_b);
  g_bytes_unref (near_b);
  return ratio;
}

/* The far end that a flush kept from being played is not echo: the
 * canceller must not subtract it from (and suppress) the user who just
 * barged in. Fed to the canceller, the 300 ms that never played cost her
 * about 2 dB more in the 400 ms after the flush. */
GST_START_TEST (test_flushed_far_end_is_not_echo)
{
  gdouble reference = barge_in_run (FALSE, FALSE);
  gdouble flushed = barge_in_run (TRUE, FALSE);
  gdouble whole = barge_in_run (TRUE, TRUE);

  /* everything here is deterministic: no clock, no threads */
  fail_unless (flushed <= reference + 1.0, "after a flush the talker loses "
      "%.1f dB, %.1f dB when nothing unplayed reached the probe", flushed,
      reference);
  /* the reply was handed over whole; the flush still ends it */
  fail_unless (whole <= reference + 1.0, "after a flush of a reply given in "
      "one buffer the talker loses %.1f dB, %.1f dB when nothing unplayed "
      "reached the probe", whole, reference);
}

GST_END_TEST;

/* ---- events on either side, and what the echo model keeps ------------- */

#define NEAR_FLUSH_FRAME 400

typedef enum
{
  RUN_PLAIN,
  RUN_NEAR_FLUSH,               /* the microphone side flushes at 4 s */
  RUN_FAR_DISCONT,              /* far-end buffers flagged DISCONT every
                                 * 500 ms, timestamps contiguous */
  RUN_FAR_ONE_BUFFER            /* the whole far end in one buffer, first */
} RunMode;

/* 6 s of speech echo; the loudspeaker's pipeline feeds the probe 300 ms
 * ahead. Returns the ERLE over 10 ms frames [@from, @to), in dB. */
static gdouble
echo_run (RunMode mode, guint from, guint to)
{
  static const gchar *names[] = { "echo-run-plain", "echo-run-near-flush",
    "echo-run-far-discont", "echo-run-far-one-buffer"
  };
  GBytes *far_b = sandra_test_load_audio (FAR_FIXTURE, 16000, 1);
  gsize n_far, n = 16000 * 6, got = 0;
  const gint16 *far = g_bytes_get_data (far_b, &n_far);
  SandraEchoSimParams p = { 16000, 120, 150, -6.0, 0.0, -65.0, 23 };
  gint16 *mic, *out = g_new0 (gint16, n);
  gchar *desc = g_strdup_printf ("sandraechoprobe name=%s", names[mode]);
  GstHarness *probe = gst_harness_new_parse (desc);
  GstHarness *aec = gst_harness_new ("sandraaec");
  GstBuffer *b;
  guint f;
  gdouble erle;

  fail_unless (n_far / 2 >= n + AHEAD_FRAMES * 160);
  mic = sandra_echo_sim_render (&p, far, n, NULL, 0, 0);
  gst_harness_set_src_caps_str (probe, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");
  g_object_set (aec->element, "probe", names[mode], "noise-suppression", FALSE,
      "stats-interval-ms", 0, NULL);
  gst_harness_set_src_caps_str (aec, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");

  for (f = 0; f < n / 160; f++) {
    guint k;

    /* the canceller attaches on its first frame, then the far end runs
     * 300 ms ahead */
    fail_unless_equals_int (gst_harness_push (aec,
            sandra_test_audio_buffer (mic + f * 160, 160, 16000, 1, f * 160)),
        GST_FLOW_OK);
    if (mode == RUN_FAR_ONE_BUFFER) {
      if (f == 0)
        fail_unless_equals_int (gst_harness_push (probe,
                sandra_test_audio_buffer (far, n_far / 2, 16000, 1, 0)),
            GST_FLOW_OK);
    } else
      for (k = (f == 0 ? 0 : f + AHEAD_FRAMES); k <= f + AHEAD_FRAMES; k++) {
        b = sandra_test_audio_buffer (far + k * 160, 160, 16000, 1, k * 160);
        if (mode == RUN_FAR_DISCONT && k % 50 == 0)
          GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DISCONT);
        fail_unless_equals_int (gst_harness_push (probe, b), GST_FLOW_OK);
      }
    if (mode == RUN_NEAR_FLUSH && f + 1 == NEAR_FLUSH_FRAME) {
      flush_live (aec);
    }
    got = collect_output (aec, probe, out, got, n);
  }
  fail_unless_equals_int (got, n);
  erle = sandra_echo_sim_ratio_db (out, mic, from * 160, to * 160);
  GST_INFO ("%s: ERLE %.1f dB", names[mode], erle);

  gst_harness_teardown (aec);
  gst_harness_teardown (probe);
  g_free (desc);
  g_free (mic);
  g_free (out);
  g_bytes_unref (far_b);
  return erle;
}

/* The ERLE of @mode over 10 ms frames [@from, @to) must be within 3 dB of
 * the same run without the event. Everything here is deterministic: no
 * clock, no threads. */
static void
assert_erle_kept (RunMode mode, guint from, guint to, const gchar * what)
{
  gdouble reference = echo_run (RUN_PLAIN, from, to);
  gdouble erle = echo_run (mode, from, to);

  fail_unless (erle >= reference - 3.0, "ERLE %.1f dB %s, %.1f dB without",
      erle, what, reference);
}

/* A flush on the microphone side drops the audio in flight, not what the
 * canceller learnt about the room and the delay, nor the far end the
 * loudspeaker's pipeline (which did not flush) already played. */
GST_START_TEST (test_near_flush_keeps_echo_model)
{
  assert_erle_kept (RUN_NEAR_FLUSH, NEAR_FLUSH_FRAME, NEAR_FLUSH_FRAME + 100,
      "in the second after a flush");
}

GST_END_TEST;

/* A far end whose buffers are flagged DISCONT although nothing is missing
 * (elevenlabstts starts every utterance so, right after the previous one)
 * is one stream: the far end already played stays available. */
GST_START_TEST (test_far_discont_without_gap)
{
  assert_erle_kept (RUN_FAR_DISCONT, 400, 500,
      "with DISCONT flags on a contiguous far end");
}

GST_END_TEST;

/* An application hands the loudspeaker a whole 12 s reply in one buffer:
 * the canceller still gets all of it, also what plays long before the
 * end (the far-end history holds 4 s). */
GST_START_TEST (test_far_end_in_one_large_buffer)
{
  assert_erle_kept (RUN_FAR_ONE_BUFFER, 400, 500,
      "with the far end in one buffer");
}

GST_END_TEST;

/* ---- probe and canceller in different pipelines ------------------------ */

static GstElement *
launch (const gchar * desc)
{
  GError *err = NULL;
  GstElement *p = gst_parse_launch (desc, &err);

  fail_unless (p != NULL, "%s: %s", desc, err ? err->message : "");
  return p;
}

static void
push_all (GstElement * pipeline, const gchar * name, const gint16 * data,
    gsize frames)
{
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipeline), name);
  gsize pos, chunk = 320;

  g_object_set (src, "max-bytes", (guint64) 0, NULL);
  for (pos = 0; pos < frames; pos += chunk)
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src),
            sandra_test_audio_buffer (data + pos, MIN (chunk, frames - pos),
                16000, 1, pos)), GST_FLOW_OK);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  gst_object_unref (src);
}

static GstFlowReturn
collect (GstAppSink * sink, gpointer user_data)
{
  GByteArray *out = user_data;
  GstSample *s = gst_app_sink_pull_sample (sink);
  GstMapInfo map;

  gst_buffer_map (gst_sample_get_buffer (s), &map, GST_MAP_READ);
  g_byte_array_append (out, map.data, map.size);
  gst_buffer_unmap (gst_sample_get_buffer (s), &map);
  gst_sample_unref (s);
  return GST_FLOW_OK;
}

static void
wait_eos (GstElement * pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

  fail_unless (m != NULL, "no EOS");
  fail_unless (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS, "pipeline error");
  gst_message_unref (m);
  gst_object_unref (bus);
}

/* The loudspeaker pipeline starts a second after the microphone pipeline,
 * so their running times differ by that second. The probe is found by name
 * across pipelines; the far end must also be lined up across them, by what
 * happens at the same instant. The microphone hears the loudspeaker 200 ms
 * after it plays (well inside max-delay-ms). With @other_clock, the
 * loudspeaker pipeline follows the wall clock and the microphone pipeline
 * the monotonic one (as two pipelines clocked by their own sound card
 * would). Returns the ERLE over the second half. */
static gdouble
cross_pipeline_erle (gboolean other_clock)
{
  GBytes *far16 = sandra_test_load_audio (FAR_FIXTURE, 16000, 1);
  const gint start_gap_ms = 1000;
  SandraEchoSimParams p = { 16000, start_gap_ms + 200, 150, -6.0, 0.0,
    -65.0, 11
  };
  GstAppSinkCallbacks cb = { NULL, NULL, collect };
  gsize n_far, n_mic;
  const gint16 *far = g_bytes_get_data (far16, &n_far);
  gint16 *far_padded, *mic;
  GstElement *near_p, *far_p, *sink;
  GByteArray *out = g_byte_array_new ();
  gdouble erle;
  gchar *desc;
  const gchar *name = other_clock ? "other-clock-speaker" :
      "other-pipeline-speaker";

  n_far = MIN (n_far / 2, 16000 * 7);
  n_mic = n_far + 16000 * (start_gap_ms + 300) / 1000;
  far_padded = g_new0 (gint16, n_mic);
  memcpy (far_padded, far, n_far * 2);
  mic = sandra_echo_sim_render (&p, far_padded, n_mic, NULL, 0, 0);

  desc = g_strdup_printf ("appsrc name=mic format=time caps=audio/x-raw,"
      "format=S16LE,layout=interleaved,rate=16000,channels=1 ! "
      "sandraaec probe=%s noise-suppression=false "
      "stats-interval-ms=0 ! appsink name=out sync=true", name);
  near_p = launch (desc);
  g_free (desc);
  desc = g_strdup_printf ("appsrc name=far format=time caps=audio/x-raw,"
      "format=S16LE,layout=interleaved,rate=16000,channels=1 ! "
      "sandraechoprobe name=%s ! queue max-size-buffers=0 max-size-bytes=0 "
      "max-size-time=300000000 ! fakesink sync=true", name);
  far_p = launch (desc);
  g_free (desc);
  if (other_clock) {
    GstClock *wall = g_object_new (GST_TYPE_SYSTEM_CLOCK, "clock-type",
        GST_CLOCK_TYPE_REALTIME, NULL);

    gst_pipeline_use_clock (GST_PIPELINE (far_p), wall);
    gst_object_unref (wall);
  }
  sink = gst_bin_get_by_name (GST_BIN (near_p), "out");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, out, NULL);
  gst_object_unref (sink);
  push_all (near_p, "mic", mic, n_mic);
  push_all (far_p, "far", far, n_far);

  /* the probe holds its name from READY on */
  fail_unless (gst_element_set_state (far_p, GST_STATE_READY) ==
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_element_set_state (near_p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless (gst_element_get_state (near_p, NULL, NULL, 10 * GST_SECOND)
      == GST_STATE_CHANGE_SUCCESS);
  g_usleep (start_gap_ms * 1000);
  fail_unless (gst_element_set_state (far_p, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  wait_eos (near_p);
  gst_element_set_state (near_p, GST_STATE_NULL);
  gst_element_set_state (far_p, GST_STATE_NULL);

  fail_unless_equals_int (out->len, n_mic * 2);
  erle = sandra_echo_sim_ratio_db ((const gint16 *) out->data, mic,
      n_mic / 2, n_mic);
  GST_INFO ("ERLE across pipelines (other clock %d): %.1f dB", other_clock,
      erle);

  gst_object_unref (near_p);
  gst_object_unref (far_p);
  g_byte_array_free (out, TRUE);
  g_free (mic);
  g_free (far_padded);
  g_bytes_unref (far16);
  return erle;
}

GST_START_TEST (test_probe_in_another_pipeline)
{
  gdouble erle = cross_pipeline_erle (FALSE);

  fail_unless (erle >= 15.0, "ERLE %.1f dB across pipelines", erle);
}

GST_END_TEST;

GST_START_TEST (test_probe_in_another_pipeline_on_another_clock)
{
  gdouble erle = cross_pipeline_erle (TRUE);

  fail_unless (erle >= 15.0, "ERLE %.1f dB across pipelines on different "
      "clocks", erle);
}

GST_END_TEST;

static Suite *
sandraaec_stream_suite (void)
{
  Suite *s = suite_create ("sandraaec-stream");
  TCase *tc = tcase_create ("stream");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_near_gap_keeps_timestamps);
  tcase_add_test (tc, test_near_jitter_is_not_a_gap);
  tcase_add_test (tc, test_gap_event_drains_partial_frame);
  tcase_add_test (tc, test_new_segment_drains_partial_frame);
  tcase_add_test (tc, test_caps_change_keeps_audio);
  tcase_add_test (tc, test_probe_waiting_for_name_takes_it_over);
  tcase_add_test (tc, test_far_end_late_versus_absent);
  tcase_add_test (tc, test_flushed_far_end_is_not_echo);
  tcase_add_test (tc, test_near_flush_keeps_echo_model);
  tcase_add_test (tc, test_far_discont_without_gap);
  tcase_add_test (tc, test_far_end_in_one_large_buffer);
  tcase_add_test (tc, test_probe_in_another_pipeline);
  tcase_add_test (tc, test_probe_in_another_pipeline_on_another_clock);
  return s;
}

GST_CHECK_MAIN (sandraaec_stream);
