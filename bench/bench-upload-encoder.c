/* Prints the size and encoding speed of transcription uploads made by
 * SandraUploadEncoder next to GStreamer's own opusenc ! oggmux at the same
 * settings, for a speech fixture at several input rates. Figures only.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>

#include "sandra-upload-encoder.h"

#define REPEATS 10
#define BITRATE 24000

/* Runs @desc (ending in appsink name=sink, starting with appsrc name=src
 * when @in is given) and returns everything the sink received. */
static GBytes *
run_pipeline (const gchar * desc, GstBuffer * in, GstCaps * caps)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstElement *src, *sink;
  GByteArray *out = g_byte_array_new ();
  GstSample *sample;

  if (pipeline == NULL)
    g_error ("%s: %s", desc, err->message);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  if (src && caps)
    gst_app_src_set_caps (GST_APP_SRC (src), caps);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  if (src && in) {
    gst_app_src_push_buffer (GST_APP_SRC (src), in);
    gst_app_src_end_of_stream (GST_APP_SRC (src));
  }
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo map;
    GstBuffer *buf = gst_sample_get_buffer (sample);

    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (src)
    gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
load_pcm (const gchar * path, gint rate)
{
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert ! audioresample ! audio/x-raw,format=S16LE,channels=1,"
      "rate=%d ! appsink name=sink sync=false",
      path, rate);
  GBytes *pcm = run_pipeline (desc, NULL, NULL);

  g_free (desc);
  return pcm;
}

static void
bench_rate (const gchar * path, gint rate)
{
  GBytes *pcm = load_pcm (path, rate), *file = NULL;
  gsize n;
  const gint16 *s = g_bytes_get_data (pcm, &n);
  gdouble seconds = (gdouble) n / 2 / rate;
  gint64 t0;
  gdouble ours_ms, peer_ms;
  gsize ours_bytes, peer_bytes = 0;
  GstCaps *caps;
  gchar *desc;
  gint i;

  t0 = g_get_monotonic_time ();
  for (i = 0; i < REPEATS; i++) {
    SandraUploadEncoder *enc =
        sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_OGG_OPUS, rate,
        BITRATE, NULL);

    /* 20 ms input buffers, as a live source delivers them */
    gsize step = rate / 50, done;

    for (done = 0; done < n / 2; done += step)
      sandra_upload_encoder_feed (enc, s + done, MIN (step, n / 2 - done),
          NULL);
    if (file)
      g_bytes_unref (file);
    file = sandra_upload_encoder_finish (enc, NULL, NULL);
    sandra_upload_encoder_free (enc);
  }
  ours_ms = (g_get_monotonic_time () - t0) / 1000.0 / REPEATS;
  ours_bytes = g_bytes_get_size (file);
  g_bytes_unref (file);

  /* the peer: opusenc only takes Opus rates, so it gets audioresample */
  caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "S16LE",
      "layout", G_TYPE_STRING, "interleaved", "channels", G_TYPE_INT, 1,
      "rate", G_TYPE_INT, rate, NULL);
  desc = g_strdup_printf ("appsrc name=src format=time ! audioresample ! "
      "opusenc bitrate=%d audio-type=voice frame-size=20 ! oggmux ! "
      "appsink name=sink sync=false", BITRATE);
  t0 = g_get_monotonic_time ();
  for (i = 0; i < REPEATS; i++) {
    GstBuffer *buf = gst_buffer_new_wrapped_bytes (pcm);
    GBytes *peer;

    /* opusenc needs timestamps to finish its last frame */
    GST_BUFFER_PTS (buf) = 0;
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (n / 2, GST_SECOND,
        rate);
    peer = run_pipeline (desc, buf, caps);

    peer_bytes = g_bytes_get_size (peer);
    g_bytes_unref (peer);
  }
  peer_ms = (g_get_monotonic_time () - t0) / 1000.0 / REPEATS;

  g_print ("%6d Hz  %5.2f s | sandra %6" G_GSIZE_FORMAT " B %7.2f ms "
      "(%5.0fx realtime) | opusenc!oggmux %6" G_GSIZE_FORMAT " B %7.2f ms "
      "(%5.0fx realtime) | WAV %7" G_GSIZE_FORMAT " B\n", rate, seconds,
      ours_bytes, ours_ms, seconds * 1000.0 / ours_ms, peer_bytes, peer_ms,
      seconds * 1000.0 / peer_ms, n + 44);

  g_free (desc);
  gst_caps_unref (caps);
  g_bytes_unref (pcm);
}

int
main (int argc, char **argv)
{
  static const gint rates[] = { 8000, 16000, 24000, 44100, 48000 };
  const gchar *path = argc > 1 ? argv[1] : SANDRA_BENCH_SPEECH;
  guint i;

  gst_init (&argc, &argv);
  g_print ("Ogg Opus upload of %s at %d bit/s, mean of %d runs\n", path,
      BITRATE, REPEATS);
  for (i = 0; i < G_N_ELEMENTS (rates); i++)
    bench_rate (path, rates[i]);
  return 0;
}
