/* gst-sandra: decoding the audio ElevenLabs sends
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Audio arrives as byte pieces: raw S16LE PCM (pieces may split a sample),
 * or Ogg Opus. The Ogg layout is not documented: a piece may continue one
 * stream or hold complete streams of its own (a chained Ogg file), so the
 * decoder follows the Ogg pages (libogg) whatever the piece boundaries,
 * starts over at every beginning-of-stream page, removes each stream's
 * pre-skip and trims the end to the last granule position (RFC 7845), and
 * decodes with libopus at 48 kHz mono.
 */
#ifndef __ELEVENLABS_DECODER_H__
#define __ELEVENLABS_DECODER_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ElevenlabsDecoder ElevenlabsDecoder;

/* @opus: Ogg Opus input (output 48 kHz) instead of S16LE PCM. */
ElevenlabsDecoder *elevenlabs_decoder_new (gboolean opus);
void elevenlabs_decoder_free (ElevenlabsDecoder * dec);

/* Decodes @len bytes and appends the S16 (host order) mono samples that
 * are complete to @out. FALSE with @error on corrupt Opus data; the
 * decoder then resynchronises on the next page. */
gboolean elevenlabs_decoder_push (ElevenlabsDecoder * dec,
    const guint8 * data, gsize len, GByteArray * out, GError ** error);

G_END_DECLS

#endif
