/* gst-sandra tests: sandraaec pipelines driven from appsrc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "aec-run.h"
#include "test-util.h"

#include <gst/check/gstcheck.h>
#include <gst/app/app.h>
#include <string.h>


static GstFlowReturn
on_sample (GstAppSink * sink, gpointer user_data)
{
  Run *run = user_data;
  GstSample *s = gst_app_sink_pull_sample (sink);
  GstBuffer *b = gst_sample_get_buffer (s);
  GstMapInfo map;

  gst_buffer_map (b, &map, GST_MAP_READ);
  g_byte_array_append (run->out, map.data, map.size);
  gst_buffer_unmap (b, &map);
  gst_sample_unref (s);
  return GST_FLOW_OK;
}

static void
push_all (GstElement * src, const gint16 * data, gsize frames, gint rate,
    gint channels)
{
  gsize chunk = rate / 50, pos;

  for (pos = 0; pos < frames; pos += chunk) {
    gsize len = MIN (chunk, frames - pos);

    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src),
            sandra_test_audio_buffer (data + pos * channels, len, rate,
                channels, pos)), GST_FLOW_OK);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
}

void
aec_run_start (Run * run)
{
  gchar *desc, *far_desc = NULL;
  GError *err = NULL;
  GstElement *mic, *sink;
  GstAppSinkCallbacks cb = { NULL, NULL, on_sample };

  if (run->probe_name)
    far_desc = g_strdup_printf (" appsrc name=far format=time "
        "caps=audio/x-raw,format=S16LE,layout=interleaved,rate=%d,channels=%d"
        " ! sandraechoprobe name=%s ! queue max-size-buffers=0 "
        "max-size-bytes=0 max-size-time=300000000 ! fakesink sync=%s",
        run->far_rate, run->far_channels, run->probe_name,
        run->sync ? "true" : "false");
  desc = g_strdup_printf ("appsrc name=mic format=time "
      "caps=audio/x-raw,format=S16LE,layout=interleaved,rate=%d,channels=%d"
      " ! sandraaec name=aec %s%s %s ! appsink name=out sync=%s%s",
      run->rate, run->channels, run->aec_probe ? "probe=" : "",
      run->aec_probe ? run->aec_probe : "", run->aec_props ? run->aec_props :
      "", run->sync ? "true" : "false", far_desc ? far_desc : "");
  run->pipeline = gst_parse_launch (desc, &err);
  fail_unless (run->pipeline != NULL, "%s: %s", desc, err ? err->message : "");
  g_free (desc);
  g_free (far_desc);
  run->out = g_byte_array_new ();
  sink = gst_bin_get_by_name (GST_BIN (run->pipeline), "out");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, run, NULL);
  gst_object_unref (sink);

  mic = gst_bin_get_by_name (GST_BIN (run->pipeline), "mic");
  g_object_set (mic, "max-bytes", (guint64) 0, NULL);
  push_all (mic, run->mic, run->mic_frames, run->rate, run->channels);
  gst_object_unref (mic);
  if (run->probe_name) {
    GstElement *far = gst_bin_get_by_name (GST_BIN (run->pipeline), "far");
    gsize size;
    const gint16 *d = g_bytes_get_data (run->far, &size);

    g_object_set (far, "max-bytes", (guint64) 0, NULL);
    push_all (far, d, size / 2 / run->far_channels, run->far_rate,
        run->far_channels);
    gst_object_unref (far);
  }
  fail_unless (gst_element_set_state (run->pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
}

void
aec_runs_wait (Run * runs, guint n)
{
  guint left = n, i;

  while (left > 0) {
    for (i = 0; i < n; i++) {
      GstBus *bus;
      GstMessage *m;

      if (runs[i].done)
        continue;
      bus = gst_element_get_bus (runs[i].pipeline);
      while ((m = gst_bus_timed_pop (bus, 10 * GST_MSECOND))) {
        const GstStructure *s = gst_message_get_structure (m);

        if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
          GError *e;

          gst_message_parse_error (m, &e, NULL);
          fail ("pipeline error: %s", e->message);
        } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_WARNING) {
          GError *e;

          gst_message_parse_warning (m, &e, NULL);
          if (runs[i].n_warnings++ == 0)
            runs[i].first_warning = g_strdup (e->message);
          g_error_free (e);
        } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ELEMENT && s
            && gst_structure_has_name (s, "sandraaec-stats")) {
          if (runs[i].last_stats)
            gst_structure_free (runs[i].last_stats);
          runs[i].last_stats = gst_structure_copy (s);
          runs[i].n_stats++;
        } else if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS) {
          runs[i].done = TRUE;
          left--;
          gst_message_unref (m);
          break;
        }
        gst_message_unref (m);
      }
      gst_object_unref (bus);
    }
  }
  for (i = 0; i < n; i++)
    gst_element_set_state (runs[i].pipeline, GST_STATE_NULL);
}

void
aec_run_clear (Run * run)
{
  gst_clear_object (&run->pipeline);
  if (run->out)
    g_byte_array_free (run->out, TRUE);
  if (run->last_stats)
    gst_structure_free (run->last_stats);
  g_free (run->first_warning);
  memset (run, 0, sizeof (*run));
}

gboolean
aec_run_stats_bool (Run * run, const gchar * field)
{
  gboolean v = FALSE;

  fail_unless (run->last_stats != NULL, "no sandraaec-stats message");
  fail_unless (gst_structure_get_boolean (run->last_stats, field, &v));
  return v;
}

/* A run without any probe pipeline, through the real element. */