/* The transcription upload encoder: Ogg Opus and WAV files that GStreamer's
 * own demuxers and decoders read back with the input's duration, level and
 * timing.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include <ogg/ogg.h>
#include <opus.h>
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "sandra-upload-encoder.h"

#define SPEECH_FIXTURE "librivox-austen-0880-16k.wav"

/* Pushes @file through @decoder_desc into an appsink and returns what comes
 * out as S16LE mono at @rate. */
static GBytes *
decode_bytes (GBytes * file, const gchar * decoder_desc, gint rate)
{
  GstElement *pipeline, *src, *sink;
  GByteArray *out = g_byte_array_new ();
  GError *err = NULL;
  GstSample *sample;
  GstBus *bus;
  GstMessage *msg;
  gchar *desc;

  desc = g_strdup_printf ("appsrc name=src ! %s ! audioconvert ! "
      "audioresample ! audio/x-raw,format=S16LE,channels=1,rate=%d ! "
      "appsink name=sink sync=false", decoder_desc, rate);
  pipeline = gst_parse_launch (desc, &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : desc);
  g_free (desc);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src),
          gst_buffer_new_wrapped_bytes (file)), GST_FLOW_OK);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo map;
    GstBuffer *buf = gst_sample_get_buffer (sample);

    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    GError *e = NULL;

    gst_message_parse_error (msg, &e, NULL);
    fail ("decoding failed: %s", e->message);
  }
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return g_byte_array_free_to_bytes (out);
}

/* Feeds @pcm in uneven pieces, as an element receiving arbitrary buffers
 * would, and returns the finished file. */
static GBytes *
encode (SandraUploadEncoder * enc, GBytes * pcm, GstClockTime * duration)
{
  gsize n;
  const gint16 *s = g_bytes_get_data (pcm, &n);
  gsize done = 0, step = 317;
  GError *err = NULL;
  GBytes *file;

  n /= sizeof (gint16);
  while (done < n) {
    gsize chunk = MIN (step, n - done);

    fail_unless (sandra_upload_encoder_feed (enc, s + done, chunk, &err),
        "%s", err ? err->message : "");
    done += chunk;
    step = step * 7 % 2000 + 1;
  }
  file = sandra_upload_encoder_finish (enc, duration, &err);
  fail_unless (file != NULL, "%s", err ? err->message : "");
  return file;
}

typedef struct
{
  guint8 version, channels, mapping;
  guint pre_skip;
  guint32 input_rate;
  gboolean have_tags;
  gint n_bos, n_eos;
  gboolean eos_last;            /* EOS only on the final page */
  gint64 last_granule;
  gint64 n_audio_packets;
} OggOpusInfo;

/* Reads the file back with libogg, independently of GStreamer. */
static void
parse_ogg_opus (GBytes * file, OggOpusInfo * info)
{
  ogg_sync_state oy;
  ogg_stream_state os;
  ogg_page og;
  ogg_packet op;
  gsize len;
  const guint8 *data = g_bytes_get_data (file, &len);
  gboolean stream_init = FALSE;
  gint64 packets = 0;

  memset (info, 0, sizeof (*info));
  info->last_granule = -1;
  ogg_sync_init (&oy);
  memcpy (ogg_sync_buffer (&oy, len), data, len);
  ogg_sync_wrote (&oy, len);
  while (ogg_sync_pageout (&oy, &og) == 1) {
    fail_if (info->n_eos > 0, "page after the EOS page");
    if (!stream_init) {
      ogg_stream_init (&os, ogg_page_serialno (&og));
      stream_init = TRUE;
    }
    info->n_bos += ogg_page_bos (&og) != 0;
    info->n_eos += ogg_page_eos (&og) != 0;
    if (ogg_page_granulepos (&og) >= 0)
      info->last_granule = ogg_page_granulepos (&og);
    ogg_stream_pagein (&os, &og);
    while (ogg_stream_packetout (&os, &op) == 1) {
      if (packets == 0) {
        fail_unless_equals_int (op.bytes, 19);
        fail_unless (memcmp (op.packet, "OpusHead", 8) == 0);
        info->version = op.packet[8];
        info->channels = op.packet[9];
        info->pre_skip = GST_READ_UINT16_LE (op.packet + 10);
        info->input_rate = GST_READ_UINT32_LE (op.packet + 12);
        info->mapping = op.packet[18];
        /* the head is alone on the file_a page */
        fail_unless_equals_int (ogg_page_packets (&og), 1);
      } else if (packets == 1) {
        info->have_tags = op.bytes >= 16
            && memcmp (op.packet, "OpusTags", 8) == 0;
      } else {
        fail_unless (opus_packet_get_nb_samples (op.packet, op.bytes,
                48000) == 960, "not a 20 ms packet");
        info->n_audio_packets++;
      }
      packets++;
    }
  }
  info->eos_last = info->n_eos == 1;
  if (stream_init)
    ogg_stream_clear (&os);
  ogg_sync_clear (&oy);
}

/* Lag (in samples) at which @b best matches @a, searched in +-@max_lag. */
static gint
best_lag (const gint16 * a, const gint16 * b, gsize n, gint max_lag)
{
  gint lag, best = 0;
  gdouble best_score = -G_MAXDOUBLE;

  for (lag = -max_lag; lag <= max_lag; lag++) {
    gdouble acc = 0.0;
    gsize i;

    for (i = max_lag; i + max_lag < n; i++)
      acc += (gdouble) a[i] * b[i + lag];
    if (acc > best_score) {
      best_score = acc;
      best = lag;
    }
  }
  return best;
}

static void
check_opus_round_trip (gint rate)
{
  SandraUploadEncoder *enc, *wav_enc;
  GBytes *pcm, *file, *decoded, *wav;
  GError *err = NULL;
  GstClockTime duration;
  OggOpusInfo info;
  const gint16 *in, *out;
  gsize n_in, n_out, n_cmp;
  gdouble in_db, out_db;
  gint lag, opus_rate;
  opus_int32 lookahead;
  OpusEncoder *ref;
  int ref_err;

  pcm = sandra_test_load_audio (SPEECH_FIXTURE, rate, 1);
  in = g_bytes_get_data (pcm, &n_in);
  n_in /= sizeof (gint16);

  enc = sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_OGG_OPUS, rate, 0,
      &err);
  fail_unless (enc != NULL, "%s", err ? err->message : "");
  file = encode (enc, pcm, &duration);
  fail_unless_equals_uint64 (duration,
      gst_util_uint64_scale_int (n_in, GST_SECOND, rate));
  /* ready for the next utterance, which starts empty */
  fail_unless_equals_uint64 (sandra_upload_encoder_get_duration (enc), 0);

  /* RFC 7845 structure */
  parse_ogg_opus (file, &info);
  fail_unless_equals_int (info.version, 1);
  fail_unless_equals_int (info.channels, 1);
  fail_unless_equals_int (info.mapping, 0);
  fail_unless_equals_int (info.input_rate, rate);
  fail_unless (info.have_tags);
  fail_unless_equals_int (info.n_bos, 1);
  fail_unless (info.eos_last);
  opus_rate = rate <= 8000 ? 8000 : rate <= 12000 ? 12000 : rate <= 16000 ?
      16000 : rate <= 24000 ? 24000 : 48000;
  ref = opus_encoder_create (opus_rate, 1, OPUS_APPLICATION_VOIP, &ref_err);
  opus_encoder_ctl (ref, OPUS_GET_LOOKAHEAD (&lookahead));
  opus_encoder_destroy (ref);
  fail_unless_equals_int (info.pre_skip, lookahead * (48000 / opus_rate));
  /* end trimming: the last granule is the exact input length */
  fail_unless_equals_int64 (info.last_granule, info.pre_skip +
      gst_util_uint64_scale_int_round (n_in, 48000, rate));
  fail_unless (info.n_audio_packets * 960 >= info.last_granule);
  fail_unless (info.n_audio_packets * 960 < info.last_granule + 960);

  /* GStreamer decodes it back: same duration within a frame, same level */
  /* decodebin rather than "oggdemux ! opusdec": GStreamer 1.22's opusdec
   * refuses a direct link when OpusHead names a rate Opus cannot code at
   * (such as 44100 Hz), although RFC 7845 calls that field informational;
   * decodebin links the same elements without that check. */
  decoded = decode_bytes (file, "decodebin", rate);
  out = g_bytes_get_data (decoded, &n_out);
  n_out /= sizeof (gint16);
  GST_INFO ("%d Hz: %" G_GSIZE_FORMAT " samples in, %" G_GSIZE_FORMAT
      " out, %" G_GSIZE_FORMAT " bytes", rate, n_in, n_out,
      g_bytes_get_size (file));
  fail_unless (ABS ((gint64) n_out - (gint64) n_in) <= rate / 50,
      "%d Hz: decoded %" G_GSIZE_FORMAT " samples for %" G_GSIZE_FORMAT,
      rate, n_out, n_in);
  n_cmp = MIN (n_in, n_out);
  in_db = sandra_test_rms_dbfs (in, n_cmp);
  out_db = sandra_test_rms_dbfs (out, n_cmp);
  GST_INFO ("%d Hz: input %.2f dBFS, decoded %.2f dBFS", rate, in_db, out_db);
  fail_unless (fabs (in_db - out_db) < 1.5, "%d Hz: level %.2f dB vs %.2f dB",
      rate, out_db, in_db);
  fail_unless (in_db > -40.0, "fixture is not speech");

  /* pre-skip and resampler delay are accounted for: the decoded audio lines
   * up with the input to within a millisecond */
  lag = best_lag (in, out, n_cmp, rate / 100);
  fail_unless (ABS (lag) <= rate / 1000, "%d Hz: decoded audio is %d "
      "samples off", rate, lag);

  /* much smaller than the same audio as WAV */
  wav_enc = sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_WAV, rate, 0, &err);
  wav = encode (wav_enc, pcm, NULL);
  GST_INFO ("%d Hz: Opus %" G_GSIZE_FORMAT " bytes, WAV %" G_GSIZE_FORMAT,
      rate, g_bytes_get_size (file), g_bytes_get_size (wav));
  if (rate == 16000)
    fail_unless (g_bytes_get_size (file) * 8 <= g_bytes_get_size (wav),
        "Opus %" G_GSIZE_FORMAT " bytes is not 8x smaller than WAV %"
        G_GSIZE_FORMAT, g_bytes_get_size (file), g_bytes_get_size (wav));

  g_bytes_unref (wav);
  sandra_upload_encoder_free (wav_enc);
  g_bytes_unref (decoded);
  g_bytes_unref (file);
  g_bytes_unref (pcm);
  sandra_upload_encoder_free (enc);
}

GST_START_TEST (test_opus_8k)
{
  check_opus_round_trip (8000);
}

GST_END_TEST;

GST_START_TEST (test_opus_16k)
{
  check_opus_round_trip (16000);
}

GST_END_TEST;

GST_START_TEST (test_opus_22050)
{
  check_opus_round_trip (22050);
}

GST_END_TEST;

GST_START_TEST (test_opus_24k)
{
  check_opus_round_trip (24000);
}

GST_END_TEST;

GST_START_TEST (test_opus_44100)
{
  check_opus_round_trip (44100);
}

GST_END_TEST;

GST_START_TEST (test_opus_48k)
{
  check_opus_round_trip (48000);
}

GST_END_TEST;

static void
check_wav_round_trip (gint rate)
{
  SandraUploadEncoder *enc;
  GBytes *pcm, *file, *decoded;
  GError *err = NULL;
  GstClockTime duration;
  const guint8 *h;
  gsize n;

  pcm = sandra_test_load_audio (SPEECH_FIXTURE, rate, 1);
  enc = sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_WAV, rate, 0, &err);
  fail_unless (enc != NULL);
  fail_unless_equals_string (sandra_upload_format_get_content_type
      (sandra_upload_encoder_get_format (enc)), "audio/wav");
  fail_unless (g_str_has_suffix (sandra_upload_format_get_filename
          (SANDRA_UPLOAD_FORMAT_WAV), ".wav"));
  file = encode (enc, pcm, &duration);
  fail_unless_equals_uint64 (duration, gst_util_uint64_scale_int
      (g_bytes_get_size (pcm) / 2, GST_SECOND, rate));
  h = g_bytes_get_data (file, &n);
  fail_unless_equals_int (n, g_bytes_get_size (pcm) + 44);
  fail_unless_equals_int (GST_READ_UINT32_LE (h + 4), n - 8);
  fail_unless_equals_int (GST_READ_UINT32_LE (h + 24), rate);

  /* wavparse hands back exactly the samples that went in */
  decoded = decode_bytes (file, "wavparse", rate);
  fail_unless (g_bytes_equal (decoded, pcm));

  g_bytes_unref (decoded);
  g_bytes_unref (file);
  g_bytes_unref (pcm);
  sandra_upload_encoder_free (enc);
}

GST_START_TEST (test_wav_round_trip)
{
  check_wav_round_trip (16000);
  check_wav_round_trip (44100);
  check_wav_round_trip (8000);
}

GST_END_TEST;

/* One encoder serves utterance after utterance; each file is complete on
 * its own, with a fresh stream. */
GST_START_TEST (test_opus_reuse_and_empty)
{
  SandraUploadEncoder *enc;
  GBytes *pcm, *file_a, *file_b, *empty, *decoded;
  GError *err = NULL;
  GstClockTime duration = 1;
  OggOpusInfo a, b, e;

  pcm = sandra_test_load_audio (SPEECH_FIXTURE, 16000, 1);
  enc = sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_OGG_OPUS, 16000,
      32000, &err);
  fail_unless (enc != NULL);
  fail_unless_equals_string (sandra_upload_format_get_content_type
      (SANDRA_UPLOAD_FORMAT_OGG_OPUS), "audio/ogg");
  fail_unless (g_str_has_suffix (sandra_upload_format_get_filename
          (SANDRA_UPLOAD_FORMAT_OGG_OPUS), ".ogg"));
  /* headers are produced up front and counted */
  fail_unless (sandra_upload_encoder_get_encoded_size (enc) > 19);
  file_a = encode (enc, pcm, NULL);
  file_b = encode (enc, pcm, NULL);
  parse_ogg_opus (file_a, &a);
  parse_ogg_opus (file_b, &b);
  fail_unless_equals_int64 (a.last_granule, b.last_granule);
  fail_unless (b.eos_last && b.n_bos == 1);
  decoded = decode_bytes (file_b, "oggdemux ! opusdec", 16000);
  fail_unless (ABS ((gint64) g_bytes_get_size (decoded) -
          (gint64) g_bytes_get_size (pcm)) <= 2 * 320);
  g_bytes_unref (decoded);

  empty = sandra_upload_encoder_finish (enc, &duration, &err);
  fail_unless (empty != NULL);
  fail_unless_equals_uint64 (duration, 0);
  parse_ogg_opus (empty, &e);
  fail_unless (e.have_tags && e.eos_last);
  fail_unless_equals_int64 (e.last_granule, e.pre_skip);

  g_bytes_unref (empty);
  g_bytes_unref (file_a);
  g_bytes_unref (file_b);
  g_bytes_unref (pcm);
  sandra_upload_encoder_free (enc);
}

GST_END_TEST;

/* A higher bitrate spends more bytes on the same audio. */
GST_START_TEST (test_opus_bitrate)
{
  SandraUploadEncoder *lo, *hi;
  GBytes *pcm, *a, *b;

  pcm = sandra_test_load_audio (SPEECH_FIXTURE, 16000, 1);
  lo = sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_OGG_OPUS, 16000,
      12000, NULL);
  hi = sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_OGG_OPUS, 16000,
      64000, NULL);
  a = encode (lo, pcm, NULL);
  b = encode (hi, pcm, NULL);
  fail_unless (g_bytes_get_size (b) > 2 * g_bytes_get_size (a));
  g_bytes_unref (a);
  g_bytes_unref (b);
  g_bytes_unref (pcm);
  sandra_upload_encoder_free (lo);
  sandra_upload_encoder_free (hi);
}

GST_END_TEST;

GST_START_TEST (test_invalid_settings)
{
  GError *err = NULL;

  fail_unless (sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_OGG_OPUS,
          7999, 0, &err) == NULL);
  fail_unless (g_error_matches (err, GST_LIBRARY_ERROR,
          GST_LIBRARY_ERROR_SETTINGS));
  g_clear_error (&err);
  fail_unless (sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_WAV,
          48001, 0, &err) == NULL);
  g_clear_error (&err);
  fail_unless (sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_OGG_OPUS,
          16000, 1000, &err) == NULL);
  g_clear_error (&err);
  fail_unless (sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_OGG_OPUS,
          16000, 1000000, &err) == NULL);
  g_clear_error (&err);
  /* registered for use as a property */
  {
    GEnumClass *klass = g_type_class_ref (SANDRA_TYPE_UPLOAD_FORMAT);

    fail_unless (g_enum_get_value_by_nick (klass, "ogg-opus") != NULL);
    fail_unless (g_enum_get_value_by_nick (klass, "wav") != NULL);
    g_type_class_unref (klass);
  }
}

GST_END_TEST;

static Suite *
upload_encoder_suite (void)
{
  Suite *s = suite_create ("upload-encoder");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_opus_8k);
  tcase_add_test (tc, test_opus_16k);
  tcase_add_test (tc, test_opus_22050);
  tcase_add_test (tc, test_opus_24k);
  tcase_add_test (tc, test_opus_44100);
  tcase_add_test (tc, test_opus_48k);
  tcase_add_test (tc, test_wav_round_trip);
  tcase_add_test (tc, test_opus_reuse_and_empty);
  tcase_add_test (tc, test_opus_bitrate);
  tcase_add_test (tc, test_invalid_settings);
  return s;
}

GST_CHECK_MAIN (upload_encoder);
