/* gst-sandra local API emulator: reply audio fixtures
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "realtime-audio.h"

#include <gst/gst.h>
#include <gst/app/gstappsink.h>

guint
emu_audio_format_rate (EmuAudioFormat format)
{
  return format == EMU_AUDIO_PCM16 ? 24000 : 8000;
}

guint
emu_audio_format_width (EmuAudioFormat format)
{
  return format == EMU_AUDIO_PCM16 ? 2 : 1;
}

/* The same decode / convert / resample chain a test uses to read the
 * fixture, so that both see the same samples. */
static GBytes *
decode (const gchar * path, EmuAudioFormat format, GError ** error)
{
  static const gchar *const encoders[] = { "", " ! mulawenc", " ! alawenc" };
  GstElement *pipeline, *src, *sink;
  GByteArray *out;
  GstSample *sample;
  GstMessage *msg;
  GstBus *bus;
  gchar *desc;

  desc = g_strdup_printf ("filesrc name=src ! decodebin ! audioconvert ! "
      "audioresample ! audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=%u,channels=1%s ! appsink name=sink sync=false wait-on-eos=false",
      emu_audio_format_rate (format), encoders[format]);
  pipeline = gst_parse_launch (desc, error);
  g_free (desc);
  if (pipeline == NULL)
    return NULL;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (src, "location", path, NULL);
  gst_object_unref (src);

  /* appsink queues everything (max-buffers 0) and, without wait-on-eos,
   * posts EOS at once, so the pipeline runs to EOS or error on its own and
   * the samples are collected afterwards. */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  out = g_byte_array_new ();
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
    while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0))) {
      GstMapInfo map;
      GstBuffer *buf = gst_sample_get_buffer (sample);

      gst_buffer_map (buf, &map, GST_MAP_READ);
      g_byte_array_append (out, map.data, map.size);
      gst_buffer_unmap (buf, &map);
      gst_sample_unref (sample);
    }
  } else {
    GError *gerr = NULL;

    if (msg)
      gst_message_parse_error (msg, &gerr, NULL);
    g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        "cannot decode %s: %s", path, gerr ? gerr->message : "timed out");
    g_clear_error (&gerr);
    g_byte_array_set_size (out, 0);
  }
  if (msg)
    gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  if (out->len == 0) {
    if (error && *error == NULL)
      g_set_error (error, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
          "no audio in %s", path);
    g_byte_array_unref (out);
    return NULL;
  }
  return g_byte_array_free_to_bytes (out);
}

GBytes *
emu_audio_load (SandraEmulator * emu, const gchar * path,
    EmuAudioFormat format, GError ** error)
{
  gchar *key = g_strdup_printf ("%d:%s", format, path);
  GBytes *audio;

  if (emu->rt_audio == NULL)
    emu->rt_audio = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        (GDestroyNotify) g_bytes_unref);
  audio = g_hash_table_lookup (emu->rt_audio, key);
  if (audio) {
    g_free (key);
    return g_bytes_ref (audio);
  }
  if (!gst_is_initialized () && !gst_init_check (NULL, NULL, error)) {
    g_free (key);
    return NULL;
  }
  audio = decode (path, format, error);
  if (audio == NULL) {
    g_free (key);
    return NULL;
  }
  g_hash_table_insert (emu->rt_audio, key, g_bytes_ref (audio));
  return audio;
}

void
emu_audio_cache_free (SandraEmulator * emu)
{
  g_clear_pointer (&emu->rt_audio, g_hash_table_unref);
}
