/* gst-sandra: elevenlabstts's network side
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Owns the worker thread and speaks one of the two transports:
 *
 * - websocket: one multi-stream-input socket, one context per utterance.
 *   Chunks are sent as they come, `flush` where a sentence ends; an
 *   utterance ends with flush + close_context and is complete on its
 *   isFinal. A cancelled utterance gets close_context at once and any of
 *   its audio still in flight is dropped by context id. With keep-alive, a
 *   spare context (voice settings already sent) waits for the next
 *   utterance and receives the keep-alive messages; without it, the
 *   service closes an idle socket (1008, input_timeout_exceeded) and the
 *   next utterance reconnects.
 * - http: one POST .../stream/with-timestamps per chunk, in order, one at
 *   a time, each with the utterance's earlier text as previous_text.
 *
 * The element hands over text from its streaming thread; everything else
 * happens in the worker, and results come back through callbacks that run
 * there. Errors become bus messages posted on the element.
 */
#ifndef __ELEVENLABS_CLIENT_H__
#define __ELEVENLABS_CLIENT_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum
{
  ELEVENLABS_TRANSPORT_WEBSOCKET,
  ELEVENLABS_TRANSPORT_HTTP,
} GstElevenlabsTransport;

GType elevenlabs_transport_get_type (void);
#define ELEVENLABS_TYPE_TRANSPORT (elevenlabs_transport_get_type ())

/* How the audio travels: PCM at the output rate, or Ogg Opus at the given
 * bitrate (decoded to 48 kHz). */
typedef enum
{
  ELEVENLABS_AUDIO_FORMAT_PCM,
  ELEVENLABS_AUDIO_FORMAT_OPUS_32,
  ELEVENLABS_AUDIO_FORMAT_OPUS_64,
  ELEVENLABS_AUDIO_FORMAT_OPUS_96,
  ELEVENLABS_AUDIO_FORMAT_OPUS_128,
  ELEVENLABS_AUDIO_FORMAT_OPUS_192,
} GstElevenlabsAudioFormat;

GType elevenlabs_audio_format_get_type (void);
#define ELEVENLABS_TYPE_AUDIO_FORMAT (elevenlabs_audio_format_get_type ())

typedef struct
{
  gchar *api_key;               /* resolved; never logged */
  gchar *base_url;              /* resolved, without trailing '/' */
  gchar *voice_id;
  gchar *model_id;
  gchar *language_code;         /* NULL: the model decides */
  gdouble stability;
  gdouble similarity_boost;
  gdouble style;
  gdouble speed;
  gboolean use_speaker_boost;
  gint64 seed;                  /* -1: none */
  GArray *chunk_length_schedule;        /* guint; empty: the service's */
  gboolean auto_mode;
  guint inactivity_timeout_s;
  gboolean keepalive;
  guint retries;
  guint response_timeout_ms;    /* 0: wait for the service forever */
  GstElevenlabsTransport transport;
  GstElevenlabsAudioFormat audio_format;
  gint rate;                    /* PCM output rate */
} ElevenlabsConfig;

void elevenlabs_config_free (ElevenlabsConfig * cfg);

/* "pcm_24000", "opus_48000_64" */
gchar *elevenlabs_config_output_format (const ElevenlabsConfig * cfg);
/* Rate of the decoded audio: @cfg->rate, or 48000 for Opus. */
gint elevenlabs_config_output_rate (const ElevenlabsConfig * cfg);

/**
 * ElevenlabsAudio:
 * One piece of decoded audio and the characters it speaks.
 * @utterance: the id given to elevenlabs_client_begin()
 * @samples: S16 mono (host order) at the output rate
 * @chars: (element-type utf8) one character each
 * @starts, @ends: GstClockTime, relative to the first sample of @samples
 * @arrival_us: monotonic time the message carrying it was received
 */
typedef struct
{
  guint64 utterance;
  gint64 arrival_us;
  GBytes *samples;
  GPtrArray *chars;
  GArray *starts;
  GArray *ends;
} ElevenlabsAudio;

void elevenlabs_audio_free (ElevenlabsAudio * audio);

typedef struct
{
  /* Audio for an utterance (transfer full). */
  void (*audio) (ElevenlabsAudio * audio, gpointer user_data);
  /* No more audio will come for @utterance (@complete: all of it came). */
  void (*done) (guint64 utterance, gboolean complete, gpointer user_data);
  /* An error was posted; nothing more will succeed. */
  void (*fatal) (gpointer user_data);
} ElevenlabsClientCallbacks;

typedef struct _ElevenlabsClient ElevenlabsClient;

/* Takes @cfg. @element receives warnings and errors. */
ElevenlabsClient *elevenlabs_client_new (GstElement * element,
    ElevenlabsConfig * cfg, const ElevenlabsClientCallbacks * callbacks,
    gpointer user_data);

/* Cancels everything, joins the worker, frees. No callback runs after. */
void elevenlabs_client_free (ElevenlabsClient * client);

/* An utterance starts (the WebSocket connects if needed). Thread-safe, as
 * are the functions below; they return at once. */
void elevenlabs_client_begin (ElevenlabsClient * client, guint64 utterance);

/* A chunk of text (ending with a space); @flush: generate now. */
void elevenlabs_client_text (ElevenlabsClient * client, guint64 utterance,
    const gchar * text, gboolean flush);

/* No more text for @utterance; `done` follows once its audio is complete. */
void elevenlabs_client_end (ElevenlabsClient * client, guint64 utterance);

/* Abandons @utterance (barge-in): no more audio is reported for it, and
 * `done` (incomplete) follows. */
void elevenlabs_client_cancel (ElevenlabsClient * client, guint64 utterance);

/* Opens the WebSocket now (with keep-alive, also the next utterance's
 * context), so that the first text does not wait for the connection
 * set-up. Nothing over HTTP. */
void elevenlabs_client_connect (ElevenlabsClient * client);

/* TRUE once a fatal error was posted. */
gboolean elevenlabs_client_has_failed (ElevenlabsClient * client);

G_END_DECLS

#endif
