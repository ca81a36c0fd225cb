/* gst-sandra: elevenlabstts against the real ElevenLabs service
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs only with ELEVENLABS_API_KEY set (exit 77, skipped, otherwise).
 * ELEVENLABS_VOICE_ID picks another voice than the element's default.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>
#include <stdlib.h>

#include "test-util.h"

/* Speaks a sentence from filesrc and returns the seconds of audio and the
 * number of alignment messages. */
static void
speak (const gchar * transport, const gchar * format, gdouble * seconds,
    guint * alignments)
{
  gchar *path = g_build_filename (g_get_tmp_dir (), "sandra-live-tts.txt",
      NULL);
  const gchar *voice = g_getenv ("ELEVENLABS_VOICE_ID");
  gchar *desc;
  GstElement *pipe, *sink;
  GstBus *bus;
  GstMessage *m;
  GstSample *sample;
  gsize bytes = 0;
  gint rate = 0;

  fail_unless (g_file_set_contents (path, "Hello from gst-sandra. This is a "
          "live test of streamed speech.", -1, NULL));
  desc = g_strdup_printf ("filesrc location=%s ! text/x-raw,format=utf8 ! "
      "elevenlabstts transport=%s transport-format=%s %s%s ! "
      "appsink name=sink sync=false", path, transport, format,
      voice ? "voice-id=" : "", voice ? voice : "");
  pipe = gst_parse_launch (desc, NULL);
  fail_unless (pipe != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  bus = gst_element_get_bus (pipe);
  *alignments = 0;
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink),
              30 * GST_SECOND))) {
    GstStructure *s = gst_caps_get_structure (gst_sample_get_caps (sample),
        0);

    gst_structure_get_int (s, "rate", &rate);
    bytes += gst_buffer_get_size (gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
  }
  while ((m = gst_bus_pop (bus))) {
    fail_if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR, "error from the "
        "service");
    if (gst_message_has_name (m, "elevenlabstts-alignment"))
      (*alignments)++;
    gst_message_unref (m);
  }
  fail_unless (rate > 0);
  *seconds = bytes / 2.0 / rate;
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
  g_unlink (path);
  g_free (path);
}

GST_START_TEST (test_live_websocket)
{
  gdouble seconds;
  guint alignments;

  speak ("websocket", "pcm", &seconds, &alignments);
  /* about fifty characters of speech */
  fail_unless (seconds > 1.5 && seconds < 15.0, "%f s", seconds);
  fail_unless (alignments > 0);
}

GST_END_TEST;

GST_START_TEST (test_live_http_opus)
{
  gdouble seconds;
  guint alignments;

  speak ("http", "opus-64", &seconds, &alignments);
  fail_unless (seconds > 1.5 && seconds < 15.0, "%f s", seconds);
  fail_unless (alignments > 0);
}

GST_END_TEST;

static Suite *
elevenlabstts_live_suite (void)
{
  Suite *s = suite_create ("elevenlabstts-live");
  TCase *tc = tcase_create ("live");

  tcase_set_timeout (tc, 90);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_live_websocket);
  tcase_add_test (tc, test_live_http_opus);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  gst_check_init (&argc, &argv);
  if (!sandra_test_have_key ("ELEVENLABS_API_KEY"))
    return SANDRA_TEST_SKIP_EXIT_CODE;
  s = elevenlabstts_live_suite ();
  return gst_check_run_suite (s, "elevenlabstts-live", __FILE__);
}
