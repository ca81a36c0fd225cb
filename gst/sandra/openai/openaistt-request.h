/* gst-sandra: openaistt's network side, one request per utterance
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Owns the worker thread and the HTTP client. The element hands over each
 * finished utterance; the client keeps at most max-inflight requests on
 * the wire, splits an utterance the service finds too large (413), locks
 * the language once detected, turns failures into bus messages a user can
 * act on, and reports each transcript through callbacks that run in the
 * worker thread.
 */
#ifndef __OPENAI_STT_REQUEST_H__
#define __OPENAI_STT_REQUEST_H__

#include <gst/gst.h>
#include "sandra-upload-encoder.h"
#include "sandra-realtime-session.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *api_key;               /* resolved; never logged */
  gchar *base_url;              /* resolved, without trailing '/' */
  gchar *model;
  gchar *language;              /* NULL or "" = detect */
  gchar *prompt;
  gdouble temperature;
  gboolean lock_language;
  gboolean stream;
  guint max_inflight;
  guint timeout_ms;
  guint retries;
  SandraUploadFormat upload_format;
  gint upload_bitrate;
  /* mode=realtime only */
  SandraRealtimeApi api;
  SandraRealtimeTurnDetection turn_detection;
  SandraRealtimeNoiseReduction noise_reduction;
} OpenaiSttConfig;

void openai_stt_config_free (OpenaiSttConfig * cfg);

/* One utterance, handed over with everything needed to transcribe it. */
typedef struct
{
  guint64 ticket;               /* its place in the element's output */
  GBytes *file;                 /* encoded upload */
  GBytes *pcm;                  /* S16 mono, to re-encode halves on 413 */
  gint rate;
  GstClockTime pts;
  GstClockTime duration;
  GstClockTime start_running_time;
  GstClockTime end_running_time;
  gint64 cut_time_us;           /* monotonic time the utterance ended */
} OpenaiSttUtterance;

typedef struct
{
  guint64 ticket;
  guint64 utterance_id;         /* 1, 2, ... per client */
  const gchar *text;
  const gchar *language;        /* ISO-639-1 when the service said, or NULL */
  GstClockTime pts;
  GstClockTime duration;
  GstClockTime start_running_time;
  GstClockTime end_running_time;
  gdouble latency_ms;           /* utterance end to final text */
} OpenaiSttResult;

typedef struct
{
  /* Partial text of an utterance so far (streaming). */
  void (*partial) (const OpenaiSttResult * result, gpointer user_data);
  /* The final transcript (possibly empty: silence). */
  void (*final) (const OpenaiSttResult * result, gpointer user_data);
  /* The utterance could not be transcribed; a warning was posted. */
  void (*failed) (guint64 ticket, GstClockTime pts, GstClockTime duration,
      gpointer user_data);
  /* An error was posted; nothing more will succeed. */
  void (*fatal) (gpointer user_data);
  /* Realtime mode: a turn was committed; returns its place in the output
   * (0 while flushing). */
  guint64 (*reserve) (gpointer user_data);
  /* Realtime mode: a serialized event whose turn of output has come
   * (any thread). Takes @event. */
  void (*event) (GstEvent * event, gpointer user_data);
} OpenaiSttClientCallbacks;

typedef struct _OpenaiSttClient OpenaiSttClient;

/* Takes @cfg. @element receives warnings and errors. */
OpenaiSttClient *openai_stt_client_new (GstElement * element,
    OpenaiSttConfig * cfg, const OpenaiSttClientCallbacks * callbacks,
    gpointer user_data);

/* Cancels what is in flight, joins the worker and frees. */
void openai_stt_client_free (OpenaiSttClient * client);

/* Takes @utterance. Thread-safe. */
void openai_stt_client_submit (OpenaiSttClient * client,
    OpenaiSttUtterance * utterance);

/* Cancels every queued and in-flight request (flush). Their results are
 * never reported. */
void openai_stt_client_cancel_all (OpenaiSttClient * client);

/* TRUE once a fatal error (auth, quota, bad configuration) was posted. */
gboolean openai_stt_client_has_failed (OpenaiSttClient * client);

/* Settings that may change while PLAYING; they apply to the next request. */
void openai_stt_client_set_model (OpenaiSttClient * client,
    const gchar * model);
void openai_stt_client_set_language (OpenaiSttClient * client,
    const gchar * language);
void openai_stt_client_set_prompt (OpenaiSttClient * client,
    const gchar * prompt);

/* Requests waiting for a free slot plus those on the wire. */
guint openai_stt_client_get_queued (OpenaiSttClient * client);

G_END_DECLS

#endif
