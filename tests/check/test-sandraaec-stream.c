/* sandraaec and sandraechoprobe: the stream around the canceller, as a
 * GStreamer element must handle it: timestamp gaps, caps changes mid-stream,
 * probes coming and going, pipelines with different base times.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>

#include "test-util.h"

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

/* A GAP event (a muted or stalled source) follows the audio before it: the
 * partial frame leaves first instead of surfacing later, older than the
 * gap. */
GST_START_TEST (test_gap_event_drains_partial_frame)
{
  GstHarness *h = near_harness ("stream-gap-event-no-probe");
  Out out[8];
  guint n;

  fail_unless_equals_int (gst_harness_push (h, silence (240, 16000, 1, 0)),
      GST_FLOW_OK);
  fail_unless_equals_int (pull_all (h, out, G_N_ELEMENTS (out)), 1);
  fail_unless (gst_harness_push_event (h, gst_event_new_gap (MS (15),
              MS (20))));
  n = pull_all (h, out, G_N_ELEMENTS (out));
  fail_unless_equals_int (n, 1);
  fail_unless_equals_uint64 (out[0].pts, MS (10));
  fail_unless_equals_int (out[0].size, 160);
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

static Suite *
sandraaec_stream_suite (void)
{
  Suite *s = suite_create ("sandraaec-stream");
  TCase *tc = tcase_create ("stream");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_near_gap_keeps_timestamps);
  tcase_add_test (tc, test_near_jitter_is_not_a_gap);
  tcase_add_test (tc, test_gap_event_drains_partial_frame);
  tcase_add_test (tc, test_caps_change_keeps_audio);
  return s;
}

GST_CHECK_MAIN (sandraaec_stream);
