/* Round trips of the events elements use to cooperate.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include "sandra-events.h"

GST_START_TEST (test_vad_event_round_trip)
{
  SandraVadInfo in = { SANDRA_VAD_SPEECH_STOP, 2 * GST_SECOND,
    3 * GST_SECOND, 4 * GST_SECOND, 1500 * GST_MSECOND, 0.25
  };
  SandraVadInfo out;
  GstEvent *ev = sandra_vad_event_new (&in);

  fail_unless (GST_EVENT_IS_SERIALIZED (ev));
  fail_unless (GST_EVENT_IS_DOWNSTREAM (ev));
  fail_unless (sandra_vad_event_parse (ev, &out));
  fail_unless_equals_int (out.boundary, SANDRA_VAD_SPEECH_STOP);
  fail_unless_equals_uint64 (out.timestamp, 2 * GST_SECOND);
  fail_unless_equals_uint64 (out.running_time, 3 * GST_SECOND);
  fail_unless_equals_uint64 (out.stream_time, 4 * GST_SECOND);
  fail_unless_equals_uint64 (out.duration, 1500 * GST_MSECOND);
  fail_unless_equals_float (out.probability, 0.25);
  gst_event_unref (ev);

  in.boundary = SANDRA_VAD_SPEECH_START;
  ev = sandra_vad_event_new (&in);
  fail_unless (sandra_vad_event_parse (ev, &out));
  fail_unless_equals_int (out.boundary, SANDRA_VAD_SPEECH_START);
  /* a start carries no duration */
  fail_unless_equals_uint64 (out.duration, GST_CLOCK_TIME_NONE);
  fail_unless (!gst_structure_has_field (gst_event_get_structure (ev),
          "duration"));
  gst_event_unref (ev);
}
GST_END_TEST;

GST_START_TEST (test_foreign_events_rejected)
{
  SandraVadInfo out;
  GstEvent *ev = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new ("something-else", "event", G_TYPE_STRING,
          "speech-start", NULL));
  GstEvent *bad = gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new (SANDRA_VAD_STRUCTURE_NAME, "event", G_TYPE_STRING,
          "speech-middle", NULL));
  GstEvent *eos = gst_event_new_eos ();

  fail_if (sandra_vad_event_parse (ev, &out));
  fail_if (sandra_vad_event_parse (bad, &out));
  fail_if (sandra_vad_event_parse (eos, &out));
  fail_if (sandra_end_of_sentence_event_parse (ev, NULL, NULL, NULL));
  gst_event_unref (ev);
  gst_event_unref (bad);
  gst_event_unref (eos);
}
GST_END_TEST;

GST_START_TEST (test_end_of_sentence_round_trip)
{
  gchar *text = NULL;
  GstClockTime ts, dur;
  GstEvent *ev = sandra_end_of_sentence_event_new ("Hola, ¿qué tal?",
      GST_SECOND, 2 * GST_SECOND);

  fail_unless (GST_EVENT_IS_SERIALIZED (ev));
  fail_unless (sandra_end_of_sentence_event_parse (ev, &text, &ts, &dur));
  fail_unless_equals_string (text, "Hola, ¿qué tal?");
  fail_unless_equals_uint64 (ts, GST_SECOND);
  fail_unless_equals_uint64 (dur, 2 * GST_SECOND);
  g_free (text);
  gst_event_unref (ev);
}
GST_END_TEST;

static Suite *
events_suite (void)
{
  Suite *s = suite_create ("sandra-events");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_vad_event_round_trip);
  tcase_add_test (tc, test_foreign_events_rejected);
  tcase_add_test (tc, test_end_of_sentence_round_trip);
  return s;
}

GST_CHECK_MAIN (events);
