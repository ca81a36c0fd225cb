/* gst-sandra test helpers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "test-util.h"

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <math.h>

gchar *
sandra_test_data_path (const gchar * name)
{
  const gchar *dir = g_getenv ("SANDRA_TESTS_DATA_DIR");

  if (g_path_is_absolute (name))
    return g_strdup (name);
  if (dir == NULL || *dir == '\0')
    dir = SANDRA_TESTS_DATA_DIR;
  return g_build_filename (dir, name, NULL);
}

GBytes *
sandra_test_load_audio (const gchar * name, gint rate, gint channels)
{
  gchar *path = sandra_test_data_path (name);
  gchar *desc;
  GstElement *pipeline, *sink;
  GByteArray *out = g_byte_array_new ();
  GError *err = NULL;
  GstSample *sample;

  desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert ! audioresample ! "
      "audio/x-raw,format=S16LE,layout=interleaved,rate=%d,channels=%d ! "
      "appsink name=sink sync=false", path, rate, channels);
  pipeline = gst_parse_launch (desc, &err);
  fail_unless (pipeline != NULL, "cannot build decoder for %s: %s", path,
      err ? err->message : "?");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo map;
    GstBuffer *buf = gst_sample_get_buffer (sample);

    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  {
    GstBus *bus = gst_element_get_bus (pipeline);
    GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (msg == NULL, "decoding %s failed", path);
    gst_object_unref (bus);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  fail_unless (out->len > 0, "no audio decoded from %s", path);
  g_free (desc);
  g_free (path);
  return g_byte_array_free_to_bytes (out);
}

GstBuffer *
sandra_test_audio_buffer (const gint16 * frames, gsize n_frames, gint rate,
    gint channels, guint64 offset_frames)
{
  gsize size = n_frames * channels * sizeof (gint16);
  GstBuffer *buf = gst_buffer_new_memdup (frames, size);

  GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (offset_frames, GST_SECOND,
      rate);
  GST_BUFFER_DURATION (buf) =
      gst_util_uint64_scale_int (offset_frames + n_frames, GST_SECOND,
      rate) - GST_BUFFER_PTS (buf);
  GST_BUFFER_OFFSET (buf) = offset_frames;
  GST_BUFFER_OFFSET_END (buf) = offset_frames + n_frames;
  return buf;
}

gdouble
sandra_test_rms_dbfs (const gint16 * samples, gsize n_samples)
{
  gdouble acc = 0.0;
  gsize i;

  for (i = 0; i < n_samples; i++)
    acc += (gdouble) samples[i] * samples[i];
  if (n_samples == 0 || acc == 0.0)
    return -120.0;
  return 10.0 * log10 (acc / n_samples / (32768.0 * 32768.0));
}

gboolean
sandra_test_have_key (const gchar * name)
{
  const gchar *v = g_getenv (name);

  if (v != NULL && *v != '\0')
    return TRUE;
  g_print ("SKIP: %s is not set; this live test talks to the real service "
      "and runs only with a key\n", name);
  return FALSE;
}
