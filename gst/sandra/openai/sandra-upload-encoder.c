/* gst-sandra: encoder for transcription uploads (Ogg Opus or WAV)
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-upload-encoder.h"

#include <gst/audio/audio.h>
#include <ogg/ogg.h>
#include <opus.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (sandra_upload_debug);
#define GST_CAT_DEFAULT sandra_upload_debug

/* Ogg Opus timestamps always count 48 kHz samples (RFC 7845, 4). */
#define OPUS_GRANULE_RATE 48000
/* 20 ms: the frame size with the best quality/overhead trade-off for
 * speech; the service has no latency requirement for a whole-file upload. */
#define FRAME_MS 20
/* Recommended upper bound for one Opus packet (RFC 6716 allows 1275 bytes
 * per frame; 20 ms frames never exceed it). */
#define MAX_PACKET_BYTES 1500
/* Input frames resampled per step, so the scratch buffer stays small. */
#define RESAMPLE_CHUNK 4096
#define WAV_HEADER_BYTES 44

G_DEFINE_ENUM_TYPE (SandraUploadFormat, sandra_upload_format,
    G_DEFINE_ENUM_VALUE (SANDRA_UPLOAD_FORMAT_OGG_OPUS, "ogg-opus"),
    G_DEFINE_ENUM_VALUE (SANDRA_UPLOAD_FORMAT_WAV, "wav"));

struct _SandraUploadEncoder
{
  SandraUploadFormat format;
  gint rate;
  gint bitrate;

  /* Samples fed into the current utterance, at the input rate. */
  guint64 n_in;

  /* The file being built for the current utterance. */
  GByteArray *out;

  /* Opus only */
  OpusEncoder *opus;
  GstAudioResampler *resampler; /* NULL when @rate is an Opus rate */
  gint opus_rate;
  gint frame_size;              /* samples per frame at opus_rate */
  gint frame_fill;
  gint16 *frame;
  gint16 *scratch;              /* resampler output */
  gsize scratch_len;
  guint pre_skip;               /* 48 kHz samples */
  guint64 n_opus_in;            /* samples at opus_rate put into frames */
  guint64 n_packets;            /* audio packets encoded */
  ogg_stream_state os;
  gboolean os_valid;
  gint64 packetno;
  /* The newest packet is held back until the next one exists, because only
   * the last packet of the stream carries EOS and the trimmed granule. */
  guchar pending[MAX_PACKET_BYTES];
  gint pending_len;
};

static void
debug_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (sandra_upload_debug, "sandraupload", 0,
        "gst-sandra transcription upload encoder");
    g_once_init_leave (&once, 1);
  }
}

const gchar *
sandra_upload_format_get_filename (SandraUploadFormat format)
{
  return format == SANDRA_UPLOAD_FORMAT_WAV ? "audio.wav" : "audio.ogg";
}

const gchar *
sandra_upload_format_get_content_type (SandraUploadFormat format)
{
  return format == SANDRA_UPLOAD_FORMAT_WAV ? "audio/wav" : "audio/ogg";
}

/* Smallest rate libopus accepts that keeps the whole input bandwidth. */
static gint
opus_rate_for (gint rate)
{
  static const gint rates[] = { 8000, 12000, 16000, 24000, 48000 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rates); i++)
    if (rate <= rates[i])
      return rates[i];
  return 48000;
}

static void
append_pages (SandraUploadEncoder * enc, gboolean flush)
{
  ogg_page page;

  while (flush ? ogg_stream_flush (&enc->os, &page) :
      ogg_stream_pageout (&enc->os, &page)) {
    g_byte_array_append (enc->out, page.header, page.header_len);
    g_byte_array_append (enc->out, page.body, page.body_len);
  }
}

static void
submit_packet (SandraUploadEncoder * enc, guchar * data, gint len,
    ogg_int64_t granulepos, gboolean bos, gboolean eos)
{
  ogg_packet op;

  op.packet = data;
  op.bytes = len;
  op.b_o_s = bos;
  op.e_o_s = eos;
  op.granulepos = granulepos;
  op.packetno = enc->packetno++;
  ogg_stream_packetin (&enc->os, &op);
}

/* Writes the two header packets, each on a page of its own as RFC 7845
 * requires, for a fresh logical stream. */
static void
opus_begin_stream (SandraUploadEncoder * enc)
{
  GByteArray *pkt = g_byte_array_new ();
  guint8 head[19];
  guint8 le32[4];
  const gchar *vendor = opus_get_version_string ();
  const gchar *comment = "ENCODER=gst-sandra " VERSION;

  enc->os_valid = ogg_stream_init (&enc->os, (int) g_random_int ()) == 0;
  g_assert (enc->os_valid);
  enc->packetno = 0;

  memcpy (head, "OpusHead", 8);
  head[8] = 1;                  /* version */
  head[9] = 1;                  /* channels */
  GST_WRITE_UINT16_LE (head + 10, enc->pre_skip);
  GST_WRITE_UINT32_LE (head + 12, enc->rate);   /* original input rate */
  GST_WRITE_UINT16_LE (head + 16, 0);   /* output gain */
  head[18] = 0;                 /* mapping family: mono/stereo */
  submit_packet (enc, head, sizeof (head), 0, TRUE, FALSE);
  append_pages (enc, TRUE);

  g_byte_array_append (pkt, (const guint8 *) "OpusTags", 8);
  GST_WRITE_UINT32_LE (le32, strlen (vendor));
  g_byte_array_append (pkt, le32, 4);
  g_byte_array_append (pkt, (const guint8 *) vendor, strlen (vendor));
  GST_WRITE_UINT32_LE (le32, 1);
  g_byte_array_append (pkt, le32, 4);
  GST_WRITE_UINT32_LE (le32, strlen (comment));
  g_byte_array_append (pkt, le32, 4);
  g_byte_array_append (pkt, (const guint8 *) comment, strlen (comment));
  submit_packet (enc, pkt->data, pkt->len, 0, FALSE, FALSE);
  append_pages (enc, TRUE);
  g_byte_array_unref (pkt);
}

static void
wav_begin (SandraUploadEncoder * enc)
{
  guint8 *h;

  g_byte_array_set_size (enc->out, WAV_HEADER_BYTES);
  h = enc->out->data;
  memcpy (h, "RIFF", 4);
  GST_WRITE_UINT32_LE (h + 4, 0);       /* filled in by finish */
  memcpy (h + 8, "WAVEfmt ", 8);
  GST_WRITE_UINT32_LE (h + 16, 16);
  GST_WRITE_UINT16_LE (h + 20, 1);      /* WAVE_FORMAT_PCM */
  GST_WRITE_UINT16_LE (h + 22, 1);      /* channels */
  GST_WRITE_UINT32_LE (h + 24, enc->rate);
  GST_WRITE_UINT32_LE (h + 28, enc->rate * 2);  /* byte rate */
  GST_WRITE_UINT16_LE (h + 32, 2);      /* block align */
  GST_WRITE_UINT16_LE (h + 34, 16);     /* bits per sample */
  memcpy (h + 36, "data", 4);
  GST_WRITE_UINT32_LE (h + 40, 0);
}

static void
begin_utterance (SandraUploadEncoder * enc)
{
  enc->n_in = 0;
  enc->out = g_byte_array_new ();
  if (enc->format == SANDRA_UPLOAD_FORMAT_WAV) {
    wav_begin (enc);
    return;
  }
  enc->frame_fill = 0;
  enc->n_opus_in = 0;
  enc->n_packets = 0;
  enc->pending_len = -1;
  opus_begin_stream (enc);
}

gint
sandra_upload_encoder_auto_bitrate (gint rate)
{
  /* Opus's own guidance for speech: narrowband is transparent at about
   * 12 kbit/s, wideband at 16, super-wideband and up at 20. More buys a
   * transcriber nothing but upload time. */
  if (rate <= 8000)
    return 12000;
  if (rate <= 16000)
    return 16000;
  return 20000;
}

SandraUploadEncoder *
sandra_upload_encoder_new (SandraUploadFormat format, gint rate, gint bitrate,
    GError ** error)
{
  SandraUploadEncoder *enc;
  opus_int32 lookahead = 0;
  int err;

  debug_init ();

  if (rate < SANDRA_UPLOAD_ENCODER_MIN_RATE
      || rate > SANDRA_UPLOAD_ENCODER_MAX_RATE) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "Unsupported sample rate %d Hz for an upload (%d..%d Hz)", rate,
        SANDRA_UPLOAD_ENCODER_MIN_RATE, SANDRA_UPLOAD_ENCODER_MAX_RATE);
    return NULL;
  }
  if (bitrate == 0)
    bitrate = sandra_upload_encoder_auto_bitrate (rate);
  if (bitrate < SANDRA_UPLOAD_ENCODER_MIN_BITRATE
      || bitrate > SANDRA_UPLOAD_ENCODER_MAX_BITRATE) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
        "Unsupported Opus bitrate %d bit/s (%d..%d)", bitrate,
        SANDRA_UPLOAD_ENCODER_MIN_BITRATE, SANDRA_UPLOAD_ENCODER_MAX_BITRATE);
    return NULL;
  }

  enc = g_new0 (SandraUploadEncoder, 1);
  enc->format = format;
  enc->rate = rate;
  enc->bitrate = bitrate;

  if (format == SANDRA_UPLOAD_FORMAT_OGG_OPUS) {
    enc->opus_rate = opus_rate_for (rate);
    enc->frame_size = enc->opus_rate * FRAME_MS / 1000;
    enc->frame = g_new0 (gint16, enc->frame_size);
    enc->opus = opus_encoder_create (enc->opus_rate, 1,
        OPUS_APPLICATION_VOIP, &err);
    if (enc->opus == NULL) {
      g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT,
          "Cannot create the Opus encoder: %s", opus_strerror (err));
      sandra_upload_encoder_free (enc);
      return NULL;
    }
    opus_encoder_ctl (enc->opus, OPUS_SET_BITRATE (bitrate));
    opus_encoder_ctl (enc->opus, OPUS_SET_SIGNAL (OPUS_SIGNAL_VOICE));
    opus_encoder_ctl (enc->opus, OPUS_SET_LSB_DEPTH (16));
    opus_encoder_ctl (enc->opus, OPUS_GET_LOOKAHEAD (&lookahead));
    /* Pre-skip is in 48 kHz samples whatever the coding rate. */
    enc->pre_skip = lookahead * (OPUS_GRANULE_RATE / enc->opus_rate);

    if (enc->opus_rate != rate) {
      GstStructure *options = gst_structure_new_empty ("options");

      gst_audio_resampler_options_set_quality
          (GST_AUDIO_RESAMPLER_METHOD_KAISER,
          GST_AUDIO_RESAMPLER_QUALITY_DEFAULT, rate, enc->opus_rate, options);
      enc->resampler =
          gst_audio_resampler_new (GST_AUDIO_RESAMPLER_METHOD_KAISER,
          GST_AUDIO_RESAMPLER_FLAG_NONE, GST_AUDIO_FORMAT_S16, 1, rate,
          enc->opus_rate, options);
      gst_structure_free (options);
      if (enc->resampler == NULL) {
        g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_INIT,
            "Cannot resample %d Hz to %d Hz", rate, enc->opus_rate);
        sandra_upload_encoder_free (enc);
        return NULL;
      }
    }
    GST_DEBUG ("Opus upload: input %d Hz, coded at %d Hz, %d bit/s, "
        "pre-skip %u", rate, enc->opus_rate, bitrate, enc->pre_skip);
  }

  begin_utterance (enc);
  return enc;
}

void
sandra_upload_encoder_free (SandraUploadEncoder * enc)
{
  if (enc == NULL)
    return;
  if (enc->os_valid)
    ogg_stream_clear (&enc->os);
  if (enc->opus)
    opus_encoder_destroy (enc->opus);
  if (enc->resampler)
    gst_audio_resampler_free (enc->resampler);
  if (enc->out)
    g_byte_array_unref (enc->out);
  g_free (enc->frame);
  g_free (enc->scratch);
  g_free (enc);
}

/* Releases the held-back packet as an ordinary (non-final) packet. Its
 * granule position counts every sample up to its end, pre-skip included. */
static void
release_pending (SandraUploadEncoder * enc, gboolean eos, guint64 final_gp)
{
  guint64 gp;

  if (enc->pending_len < 0)
    return;
  gp = eos ? final_gp : enc->n_packets * (guint64) (OPUS_GRANULE_RATE *
      FRAME_MS / 1000);
  submit_packet (enc, enc->pending, enc->pending_len, gp, FALSE, eos);
  enc->pending_len = -1;
  append_pages (enc, eos);
}

static gboolean
encode_frame (SandraUploadEncoder * enc, GError ** error)
{
  guchar packet[MAX_PACKET_BYTES];
  opus_int32 len;

  len = opus_encode (enc->opus, enc->frame, enc->frame_size, packet,
      sizeof (packet));
  if (len < 0) {
    g_set_error (error, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_ENCODE,
        "Opus encoding failed: %s", opus_strerror (len));
    return FALSE;
  }
  /* The previous packet is now known not to be the last one. */
  release_pending (enc, FALSE, 0);
  memcpy (enc->pending, packet, len);
  enc->pending_len = len;
  enc->n_packets++;
  enc->frame_fill = 0;
  return TRUE;
}

/* Samples at the Opus rate the current input amounts to. */
static guint64
expected_opus_samples (SandraUploadEncoder * enc)
{
  return gst_util_uint64_scale_int_round (enc->n_in, enc->opus_rate, enc->rate);
}

static gboolean
push_opus_samples (SandraUploadEncoder * enc, const gint16 * samples,
    gsize n, GError ** error)
{
  guint64 room = expected_opus_samples (enc) - MIN (enc->n_opus_in,
      expected_opus_samples (enc));

  /* The resampler's tail (drained with silence) may run past the input's
   * length; what lies beyond it is not part of the utterance. */
  n = MIN (n, room);
  enc->n_opus_in += n;
  while (n > 0) {
    gsize take = MIN (n, (gsize) (enc->frame_size - enc->frame_fill));

    memcpy (enc->frame + enc->frame_fill, samples, take * sizeof (gint16));
    enc->frame_fill += take;
    samples += take;
    n -= take;
    if (enc->frame_fill == enc->frame_size && !encode_frame (enc, error))
      return FALSE;
  }
  return TRUE;
}

/* Runs @n_in input frames (or silence when @in is NULL) through the
 * resampler and on into the encoder. */
static gboolean
resample_and_push (SandraUploadEncoder * enc, const gint16 * in, gsize n_in,
    GError ** error)
{
  gsize n_out = gst_audio_resampler_get_out_frames (enc->resampler, n_in);
  gpointer in_planes[1] = { (gpointer) in };
  gpointer out_planes[1];

  if (n_out > enc->scratch_len) {
    enc->scratch = g_renew (gint16, enc->scratch, n_out);
    enc->scratch_len = n_out;
  }
  out_planes[0] = enc->scratch;
  gst_audio_resampler_resample (enc->resampler, in ? in_planes : NULL, n_in,
      out_planes, n_out);
  return push_opus_samples (enc, enc->scratch, n_out, error);
}

gboolean
sandra_upload_encoder_feed (SandraUploadEncoder * enc, const gint16 * samples,
    gsize n_samples, GError ** error)
{
  g_return_val_if_fail (enc != NULL, FALSE);
  g_return_val_if_fail (samples != NULL || n_samples == 0, FALSE);

  if (enc->format == SANDRA_UPLOAD_FORMAT_WAV) {
    enc->n_in += n_samples;
    g_byte_array_append (enc->out, (const guint8 *) samples,
        n_samples * sizeof (gint16));
    return TRUE;
  }

  if (enc->resampler == NULL) {
    enc->n_in += n_samples;
    return push_opus_samples (enc, samples, n_samples, error);
  }
  while (n_samples > 0) {
    gsize chunk = MIN (n_samples, RESAMPLE_CHUNK);

    enc->n_in += chunk;
    if (!resample_and_push (enc, samples, chunk, error))
      return FALSE;
    samples += chunk;
    n_samples -= chunk;
  }
  return TRUE;
}

static gboolean
opus_finish (SandraUploadEncoder * enc, GError ** error)
{
  const guint frame48 = OPUS_GRANULE_RATE * FRAME_MS / 1000;
  guint64 total48, final_gp;

  if (enc->resampler) {
    /* The resampler holds back up to its filter latency; flush it with
     * silence so the end of the utterance is not cut. */
    gsize latency = gst_audio_resampler_get_max_latency (enc->resampler);

    if (latency > 0 && !resample_and_push (enc, NULL, latency, error))
      return FALSE;
    gst_audio_resampler_reset (enc->resampler);
  }
  /* Whatever the resampler could not deliver is padded with silence, so the
   * file has exactly the input's duration. */
  while (enc->n_opus_in < expected_opus_samples (enc)) {
    static const gint16 zeros[256] = { 0 };
    gsize n = MIN (G_N_ELEMENTS (zeros),
        expected_opus_samples (enc) - enc->n_opus_in);

    if (!push_opus_samples (enc, zeros, n, error))
      return FALSE;
  }

  total48 = gst_util_uint64_scale_int_round (enc->n_in, OPUS_GRANULE_RATE,
      enc->rate);
  final_gp = enc->pre_skip + total48;

  /* The encoder delays its input by the pre-skip: keep feeding silence
   * until the packets cover pre-skip + the whole input, then trim the
   * excess through the last granule position (RFC 7845, 4.4). An empty
   * utterance still gets one packet so the stream has an EOS page. */
  while (enc->n_packets * frame48 < final_gp || enc->n_packets == 0) {
    memset (enc->frame + enc->frame_fill, 0,
        (enc->frame_size - enc->frame_fill) * sizeof (gint16));
    enc->frame_fill = enc->frame_size;
    if (!encode_frame (enc, error))
      return FALSE;
  }
  release_pending (enc, TRUE, final_gp);
  opus_encoder_ctl (enc->opus, OPUS_RESET_STATE);
  ogg_stream_clear (&enc->os);
  enc->os_valid = FALSE;
  return TRUE;
}

GBytes *
sandra_upload_encoder_finish (SandraUploadEncoder * enc,
    GstClockTime * duration, GError ** error)
{
  GBytes *bytes;
  GstClockTime dur;

  g_return_val_if_fail (enc != NULL, NULL);

  dur = sandra_upload_encoder_get_duration (enc);
  if (enc->format == SANDRA_UPLOAD_FORMAT_WAV) {
    GST_WRITE_UINT32_LE (enc->out->data + 4, enc->out->len - 8);
    GST_WRITE_UINT32_LE (enc->out->data + 40, enc->out->len - WAV_HEADER_BYTES);
  } else if (!opus_finish (enc, error)) {
    /* Start over so that the encoder stays usable. */
    if (enc->os_valid)
      ogg_stream_clear (&enc->os);
    enc->os_valid = FALSE;
    opus_encoder_ctl (enc->opus, OPUS_RESET_STATE);
    if (enc->resampler)
      gst_audio_resampler_reset (enc->resampler);
    g_byte_array_unref (enc->out);
    begin_utterance (enc);
    return NULL;
  }

  GST_DEBUG ("utterance of %" GST_TIME_FORMAT " encoded in %u bytes",
      GST_TIME_ARGS (dur), enc->out->len);
  bytes = g_byte_array_free_to_bytes (enc->out);
  enc->out = NULL;
  if (duration)
    *duration = dur;
  begin_utterance (enc);
  return bytes;
}

GstClockTime
sandra_upload_encoder_get_duration (SandraUploadEncoder * enc)
{
  g_return_val_if_fail (enc != NULL, GST_CLOCK_TIME_NONE);

  return gst_util_uint64_scale_int (enc->n_in, GST_SECOND, enc->rate);
}

gsize
sandra_upload_encoder_get_encoded_size (SandraUploadEncoder * enc)
{
  g_return_val_if_fail (enc != NULL, 0);

  return enc->out->len;
}

SandraUploadFormat
sandra_upload_encoder_get_format (SandraUploadEncoder * enc)
{
  g_return_val_if_fail (enc != NULL, SANDRA_UPLOAD_FORMAT_OGG_OPUS);

  return enc->format;
}
