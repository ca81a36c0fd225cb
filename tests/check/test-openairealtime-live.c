/* openairealtime against the real OpenAI Realtime service: one typed turn
 * answered with voice and transcript. Skipped (exit 77) without
 * OPENAI_API_KEY. Costs a few cents per run.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <stdlib.h>

#include "test-util.h"

typedef struct
{
  GMutex lock;
  GCond cond;
  guint64 audio_bytes;
  GString *transcript;
  gchar *status;
  gboolean ready;
  gchar *error;
} Live;

static GstBusSyncReply
bus_sync (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  Live *l = user_data;
  const GstStructure *s = gst_message_get_structure (msg);

  g_mutex_lock (&l->lock);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR && l->error == NULL) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    l->error = g_strdup (err->message);
    g_error_free (err);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT && s) {
    if (gst_structure_has_name (s, "openairealtime-session-ready"))
      l->ready = TRUE;
    else if (gst_structure_has_name (s, "openairealtime-response-done"))
      l->status = g_strdup (gst_structure_get_string (s, "status"));
    else if (gst_structure_has_name (s, "openairealtime-assistant-transcript")) {
      gboolean final = FALSE;

      gst_structure_get_boolean (s, "is-final", &final);
      if (final)
        g_string_assign (l->transcript, gst_structure_get_string (s, "text"));
    }
  }
  g_cond_broadcast (&l->cond);
  g_mutex_unlock (&l->lock);
  /* A sync handler that drops a message owns it. */
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, Live * l)
{
  g_mutex_lock (&l->lock);
  l->audio_bytes += gst_buffer_get_size (buf);
  g_mutex_unlock (&l->lock);
}

GST_START_TEST (test_live_typed_turn)
{
  Live l = { 0, };
  GstElement *pipeline, *rt, *out;
  GstBus *bus;
  gboolean ok = FALSE;
  gint64 end;

  g_mutex_init (&l.lock);
  g_cond_init (&l.cond);
  l.transcript = g_string_new (NULL);
  pipeline = gst_parse_launch ("audiotestsrc is-live=true wave=silence ! "
      "audio/x-raw,format=S16LE,rate=24000,channels=1 ! "
      "openairealtime name=rt instructions=\"Answer in five words or "
      "fewer.\" ! fakesink name=out sync=false async=false "
      "signal-handoffs=true rt.text_src ! fakesink async=false", NULL);
  fail_unless (pipeline != NULL);
  rt = gst_bin_get_by_name (GST_BIN (pipeline), "rt");
  out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  g_signal_connect (out, "handoff", G_CALLBACK (on_handoff), &l);
  bus = gst_element_get_bus (pipeline);
  gst_bus_set_sync_handler (bus, bus_sync, &l, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  end = g_get_monotonic_time () + 30 * G_TIME_SPAN_SECOND;
  g_mutex_lock (&l.lock);
  while (!l.ready && !l.error && g_cond_wait_until (&l.cond, &l.lock, end));
  g_mutex_unlock (&l.lock);
  fail_unless (l.error == NULL, "%s", l.error);
  fail_unless (l.ready, "no session");

  g_signal_emit_by_name (rt, "send-text", "Say hello.", &ok);
  fail_unless (ok);
  g_mutex_lock (&l.lock);
  while (!l.status && !l.error && g_cond_wait_until (&l.cond, &l.lock, end));
  fail_unless (l.error == NULL, "%s", l.error);
  fail_unless_equals_string (l.status, "completed");
  /* The final transcript comes with or before response.done. */
  fail_unless (l.transcript->len > 0);
  GST_INFO ("assistant said: %s (%" G_GUINT64_FORMAT " bytes of audio)",
      l.transcript->str, l.audio_bytes);
  g_mutex_unlock (&l.lock);
  /* Audio arrives before response.done, give the task a moment to push. */
  end = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < end) {
    guint64 b;

    g_mutex_lock (&l.lock);
    b = l.audio_bytes;
    g_mutex_unlock (&l.lock);
    if (b > 0)
      break;
    g_usleep (10000);
  }
  fail_unless (l.audio_bytes > 0);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (out);
  gst_object_unref (rt);
  gst_object_unref (pipeline);
  g_string_free (l.transcript, TRUE);
  g_free (l.status);
  g_free (l.error);
  g_mutex_clear (&l.lock);
  g_cond_clear (&l.cond);
}

GST_END_TEST;

static Suite *
openairealtime_live_suite (void)
{
  Suite *s = suite_create ("openairealtime-live");
  TCase *tc = tcase_create ("live");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_live_typed_turn);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  gst_check_init (&argc, &argv);
  if (!sandra_test_have_key ("OPENAI_API_KEY"))
    return SANDRA_TEST_SKIP_EXIT_CODE;
  s = openairealtime_live_suite ();
  return gst_check_run_suite (s, "openairealtime-live", __FILE__);
}
