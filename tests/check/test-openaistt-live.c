/* openaistt against the real OpenAI service. Runs only when OPENAI_API_KEY
 * is set; otherwise it reports itself skipped (exit code 77).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <string.h>

#include "test-util.h"

static gchar *
transcribe (const gchar * extra_props)
{
  gchar *path = sandra_test_data_path ("librivox-0870-16k.wav");
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=16000,"
      "channels=1 ! sandravad ! openaistt %s ! appsink name=out sync=false",
      path, extra_props);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  GString *all = g_string_new (NULL);
  GstSample *sample;
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (out)))) {
    GstMapInfo map;
    GstBuffer *buf = gst_sample_get_buffer (sample);

    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_string_append_len (all, (const gchar *) map.data, map.size);
    g_string_append_c (all, ' ');
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (m) {
    GError *err = NULL;

    gst_message_parse_error (m, &err, NULL);
    fail ("the service answered with an error: %s", err->message);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (out);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
  g_print ("transcript: %s\n", all->str);
  return g_ascii_strdown (g_string_free (all, FALSE), -1);
}

GST_START_TEST (test_live_http)
{
  gchar *text = transcribe ("");

  /* "and mister john dashwood had then leisure to consider how much there
   * might be prudently in his power to do for them" */
  fail_unless (strstr (text, "dashwood") != NULL, "%s", text);
  fail_unless (strstr (text, "leisure") != NULL, "%s", text);
  g_free (text);
}
GST_END_TEST;

GST_START_TEST (test_live_realtime)
{
  gchar *text = transcribe ("mode=realtime turn-detection=none");

  fail_unless (strstr (text, "dashwood") != NULL, "%s", text);
  g_free (text);
}
GST_END_TEST;

static Suite *
live_suite (void)
{
  Suite *s = suite_create ("openaistt-live");
  TCase *tc = tcase_create ("live");

  tcase_set_timeout (tc, 120);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_live_http);
  tcase_add_test (tc, test_live_realtime);
  return s;
}

int
main (int argc, char **argv)
{
  if (!sandra_test_have_key ("OPENAI_API_KEY"))
    return SANDRA_TEST_SKIP_EXIT_CODE;
  gst_check_init (&argc, &argv);
  return gst_check_run_suite (live_suite (), "openaistt-live", __FILE__);
}
