/* gst-sandra: encoder for transcription uploads (Ogg Opus or WAV)
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __SANDRA_UPLOAD_ENCODER_H__
#define __SANDRA_UPLOAD_ENCODER_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * SandraUploadFormat:
 * @SANDRA_UPLOAD_FORMAT_OGG_OPUS: Ogg-encapsulated Opus (RFC 7845), about
 *   3 kB per second of speech at the default bitrate.
 * @SANDRA_UPLOAD_FORMAT_WAV: RIFF WAVE with 16-bit PCM, lossless but about
 *   ten times larger at 16 kHz.
 *
 * Container of the file sent to POST /v1/audio/transcriptions. Registered
 * as a GEnum so that elements can expose it as a property.
 */
typedef enum
{
  SANDRA_UPLOAD_FORMAT_OGG_OPUS,
  SANDRA_UPLOAD_FORMAT_WAV,
} SandraUploadFormat;

GType sandra_upload_format_get_type (void);
#define SANDRA_TYPE_UPLOAD_FORMAT (sandra_upload_format_get_type ())

/* Input rates accepted by sandra_upload_encoder_new(). */
#define SANDRA_UPLOAD_ENCODER_MIN_RATE 8000
#define SANDRA_UPLOAD_ENCODER_MAX_RATE 48000

/* Opus bitrate used for 0 ("auto"): what suits speech at the input's
 * bandwidth (12 kbit/s at 8 kHz, 16 at 12..16 kHz, 20 above), which is all
 * the transcription service needs. */
gint sandra_upload_encoder_auto_bitrate (gint rate);
#define SANDRA_UPLOAD_ENCODER_MIN_BITRATE 6000
#define SANDRA_UPLOAD_ENCODER_MAX_BITRATE 128000

typedef struct _SandraUploadEncoder SandraUploadEncoder;

/**
 * sandra_upload_encoder_new:
 * @format: container to produce
 * @rate: sample rate of the S16LE mono input, 8000..48000 Hz
 * @bitrate: Opus target bitrate in bit/s (0: sandra_upload_encoder_auto_bitrate());
 *   ignored for WAV
 * @error: return location for a #GError
 *
 * Creates an encoder for one utterance at a time. Opus only takes 8, 12, 16,
 * 24 and 48 kHz; other input rates are resampled (GstAudioResampler) up to
 * the next rate Opus accepts, so no bandwidth is lost. The Ogg stream uses
 * 20 ms frames, the VoIP application and the voice signal hint, and records
 * the original input rate in its OpusHead, as RFC 7845 asks. (GStreamer
 * 1.22 itself reads such files with decodebin; a hand-built
 * "oggdemux ! opusdec" refuses to link when that rate is not one Opus
 * codes at, e.g. 44100 Hz.)
 *
 * Returns: (transfer full) (nullable): a new encoder, or %NULL with @error set
 * when the rate or bitrate is out of range or libopus refuses the setup.
 */
SandraUploadEncoder *sandra_upload_encoder_new (SandraUploadFormat format,
    gint rate, gint bitrate, GError ** error);

void sandra_upload_encoder_free (SandraUploadEncoder * enc);

/**
 * sandra_upload_encoder_feed:
 * @enc: an encoder
 * @samples: S16 mono samples in host order (S16LE on every platform the
 *   plugin targets)
 * @n_samples: number of samples, any amount (buffers need not be aligned
 *   to frames)
 * @error: return location for a #GError
 *
 * Appends audio to the current utterance. Opus pages are produced as the
 * audio arrives, so the memory held stays proportional to the encoded size.
 *
 * Returns: %FALSE with @error set if libopus failed.
 */
gboolean sandra_upload_encoder_feed (SandraUploadEncoder * enc,
    const gint16 * samples, gsize n_samples, GError ** error);

/**
 * sandra_upload_encoder_finish:
 * @enc: an encoder
 * @duration: (out) (optional): duration of the audio in the file
 * @error: return location for a #GError
 *
 * Ends the utterance: pads and drains the resampler and the Opus encoder,
 * writes the last page with the end-of-stream flag and a granule position
 * that trims the padding, or fills in the WAV sizes. The encoder is then
 * reset and ready for the next utterance (with a new Ogg serial number).
 *
 * An utterance without any sample still yields a valid (empty) file.
 *
 * Returns: (transfer full) (nullable): the complete file, or %NULL with
 * @error set.
 */
GBytes *sandra_upload_encoder_finish (SandraUploadEncoder * enc,
    GstClockTime * duration, GError ** error);

/* Duration of the audio fed into the current utterance so far. */
GstClockTime sandra_upload_encoder_get_duration (SandraUploadEncoder * enc);

/* Bytes the current utterance has produced so far (an underestimate by at
 * most one Ogg page for Opus). Lets the caller cut utterances before the
 * service's 25 MB body limit. */
gsize sandra_upload_encoder_get_encoded_size (SandraUploadEncoder * enc);

SandraUploadFormat sandra_upload_encoder_get_format (SandraUploadEncoder * enc);

/* Filename with the extension the service uses to detect the container
 * ("audio.ogg" or "audio.wav"); the multipart "file" part needs one. */
const gchar *sandra_upload_format_get_filename (SandraUploadFormat format);

/* "audio/ogg" or "audio/wav". */
const gchar *sandra_upload_format_get_content_type (SandraUploadFormat format);

G_END_DECLS

#endif /* __SANDRA_UPLOAD_ENCODER_H__ */
