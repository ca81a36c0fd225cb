/* gst-sandra: decoding the audio ElevenLabs sends
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elevenlabs-decoder.h"

#include <gio/gio.h>
#include <ogg/ogg.h>
#include <opus.h>
#include <string.h>

/* 120 ms at 48 kHz: the longest Opus packet. */
#define MAX_FRAME 5760

struct _ElevenlabsDecoder
{
  gboolean opus;
  guint8 odd_byte;              /* PCM: half a sample from the last piece */
  gboolean have_odd;

  ogg_sync_state sync;
  ogg_stream_state stream;
  gboolean have_stream;
  guint packets;                /* in the current logical stream */
  OpusDecoder *dec;
  guint pre_skip;               /* samples still to drop */
  guint orig_pre_skip;
  guint64 decoded;              /* samples of this stream decoded, incl. pre-skip */
  gint16 *pcm;
};

ElevenlabsDecoder *
elevenlabs_decoder_new (gboolean opus)
{
  ElevenlabsDecoder *d = g_new0 (ElevenlabsDecoder, 1);

  d->opus = opus;
  if (opus) {
    ogg_sync_init (&d->sync);
    d->pcm = g_new (gint16, MAX_FRAME);
  }
  return d;
}

void
elevenlabs_decoder_free (ElevenlabsDecoder * d)
{
  if (d == NULL)
    return;
  if (d->opus) {
    ogg_sync_clear (&d->sync);
    if (d->have_stream)
      ogg_stream_clear (&d->stream);
    if (d->dec)
      opus_decoder_destroy (d->dec);
    g_free (d->pcm);
  }
  g_free (d);
}

static gboolean
push_pcm (ElevenlabsDecoder * d, const guint8 * data, gsize len,
    GByteArray * out)
{
  gsize i;

  if (d->have_odd && len > 0) {
    guint8 s[2] = { d->odd_byte, data[0] };
    gint16 v = GINT16_FROM_LE (*(gint16 *) s);

    g_byte_array_append (out, (guint8 *) & v, 2);
    data++;
    len--;
    d->have_odd = FALSE;
  }
  for (i = 0; i + 1 < len; i += 2) {
    gint16 v;

    memcpy (&v, data + i, 2);
    v = GINT16_FROM_LE (v);
    g_byte_array_append (out, (guint8 *) & v, 2);
  }
  if (i < len) {
    d->odd_byte = data[i];
    d->have_odd = TRUE;
  }
  return TRUE;
}

/* OpusHead: magic, version, channels, pre-skip (LE 16), ... */
static gboolean
read_head (ElevenlabsDecoder * d, ogg_packet * op, GError ** error)
{
  gint err;

  if (op->bytes < 19 || memcmp (op->packet, "OpusHead", 8) != 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "the Ogg stream does not start with an OpusHead packet");
    return FALSE;
  }
  d->orig_pre_skip = d->pre_skip = op->packet[10] | (op->packet[11] << 8);
  d->decoded = 0;
  if (d->dec == NULL) {
    /* Mono output whatever the stream's channel count: libopus downmixes. */
    d->dec = opus_decoder_create (48000, 1, &err);
    if (d->dec == NULL) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
          "cannot create an Opus decoder: %s", opus_strerror (err));
      return FALSE;
    }
  } else {
    opus_decoder_ctl (d->dec, OPUS_RESET_STATE);
  }
  return TRUE;
}

static gboolean
decode_page (ElevenlabsDecoder * d, ogg_page * page, GByteArray * out,
    GError ** error)
{
  ogg_packet op;
  gsize start = out->len;
  gint64 granule = ogg_page_granulepos (page);
  gboolean ok = TRUE;

  if (ogg_page_bos (page)) {
    if (d->have_stream)
      ogg_stream_clear (&d->stream);
    ogg_stream_init (&d->stream, ogg_page_serialno (page));
    d->have_stream = TRUE;
    d->packets = 0;
  }
  if (!d->have_stream || ogg_stream_pagein (&d->stream, page) != 0)
    return TRUE;                /* a page of a stream we never saw begin */

  while (ogg_stream_packetout (&d->stream, &op) == 1) {
    gint n;

    d->packets++;
    if (d->packets == 1) {
      if (!(ok = read_head (d, &op, error)))
        break;
      continue;
    }
    if (d->packets == 2 || d->dec == NULL)
      continue;                 /* OpusTags */
    n = opus_decode (d->dec, op.packet, op.bytes, d->pcm, MAX_FRAME, 0);
    if (n < 0) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "corrupt Opus packet: %s", opus_strerror (n));
      ok = FALSE;
      continue;
    }
    d->decoded += n;
    if (d->pre_skip >= (guint) n) {
      d->pre_skip -= n;
      continue;
    }
    g_byte_array_append (out, (guint8 *) (d->pcm + d->pre_skip),
        (n - d->pre_skip) * 2);
    d->pre_skip = 0;
  }

  /* The last page's granule position says where the audio really ends. */
  if (ogg_page_eos (page) && granule >= 0 && (guint64) granule < d->decoded) {
    guint64 excess = d->decoded - MAX ((guint64) granule, d->orig_pre_skip);
    gsize bytes = MIN (excess * 2, out->len - start);

    g_byte_array_set_size (out, out->len - bytes);
  }
  return ok;
}

gboolean
elevenlabs_decoder_push (ElevenlabsDecoder * d, const guint8 * data,
    gsize len, GByteArray * out, GError ** error)
{
  ogg_page page;
  gboolean ok = TRUE;
  gchar *buf;

  if (!d->opus)
    return push_pcm (d, data, len, out);

  buf = ogg_sync_buffer (&d->sync, len);
  memcpy (buf, data, len);
  ogg_sync_wrote (&d->sync, len);
  for (;;) {
    gint r = ogg_sync_pageout (&d->sync, &page);

    if (r == 0)
      break;
    if (r < 0)
      continue;                 /* skipped garbage; resynchronised */
    if (!decode_page (d, &page, out, ok ? error : NULL))
      ok = FALSE;
  }
  return ok;
}
