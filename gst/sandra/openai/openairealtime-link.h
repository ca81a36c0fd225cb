/* gst-sandra: openairealtime's connection to a Realtime session
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The link owns the WebSocket and keeps a session available: it
 * authenticates (API key, a fixed client secret, or an ephemeral secret
 * fetched from the owner's token endpoint before every connection),
 * reconnects after retryable failures with exponential backoff and jitter,
 * and starts a fresh session on request (session expiry, max-session-ms).
 * Each new session is announced through `opened`; setting it up (session
 * configuration, conversation replay, buffered audio) is the element's job,
 * since only the element knows the conversation.
 *
 * Reconnection is done here rather than by SandraWebSocket because every
 * attempt may need a new secret first, and because a new session must not
 * receive messages queued for the old one (item ids, truncations): the
 * socket's own queue is dropped on close and the element resends what is
 * still relevant.
 *
 * Callbacks run in the worker thread. Functions may be called from any
 * thread unless noted.
 */
#ifndef __OPENAI_REALTIME_LINK_H__
#define __OPENAI_REALTIME_LINK_H__

#include <gst/gst.h>

#include "sandra-realtime-session.h"
#include "net/sandra-worker.h"
#include "net/sandra-websocket.h"

G_BEGIN_DECLS typedef struct _OpenaiRealtimeLink OpenaiRealtimeLink;

typedef struct
{
  SandraRealtimeApi api;
  gchar *base_url;              /* resolved (property, env, default) */
  gchar *model;
  gchar *api_key;               /* or NULL */
  gchar *client_secret;         /* or NULL: used as the bearer when set */
  gchar *token_url;             /* or NULL: fetch a secret before each connect */
  guint max_reconnects;         /* consecutive failures before giving up */
  guint reconnect_initial_ms;
  guint reconnect_max_ms;
  guint connect_timeout_ms;
} OpenaiRealtimeLinkConfig;

void openai_realtime_link_config_free (OpenaiRealtimeLinkConfig * cfg);

typedef enum
{
  OPENAI_REALTIME_LINK_FAIL_AUTH,       /* key or secret refused */
  OPENAI_REALTIME_LINK_FAIL_QUOTA,
  OPENAI_REALTIME_LINK_FAIL_POLICY,
  OPENAI_REALTIME_LINK_FAIL_TOKEN,      /* the token endpoint refused us */
  OPENAI_REALTIME_LINK_FAIL_GAVE_UP,    /* max-reconnects exhausted */
  OPENAI_REALTIME_LINK_FAIL_OTHER,
} OpenaiRealtimeLinkFailure;

typedef struct
{
  /* A session socket is open; @reconnected after the first. */
  void (*opened) (gboolean reconnected, gpointer user_data);
  /* One text frame. */
  void (*message) (const gchar * text, gsize len, gpointer user_data);
  /* The session was lost (@reason for humans); a new connection starts in
   * @delay_ms (@attempt 0: a planned recycle, not a failure). */
  void (*reconnecting) (guint attempt, guint delay_ms, const gchar * reason,
      gpointer user_data);
  /* No more connections: @failure, a sentence for humans (no secrets),
   * the close code / HTTP status when known. */
  void (*failed) (OpenaiRealtimeLinkFailure failure, const gchar * message,
      guint close_code, guint http_status, gpointer user_data);
} OpenaiRealtimeLinkCallbacks;

/* Takes @cfg. Nothing happens before openai_realtime_link_start(). */
OpenaiRealtimeLink *openai_realtime_link_new (SandraWorker * worker,
    OpenaiRealtimeLinkConfig * cfg, const OpenaiRealtimeLinkCallbacks * cb,
    gpointer user_data);

/* Body POSTed to the token URL (the session the secret should carry, in
 * the client_secrets request shape); copied. */
void openai_realtime_link_set_token_body (OpenaiRealtimeLink * link,
    const gchar * json);

void openai_realtime_link_start (OpenaiRealtimeLink * link);

/* Sends one text frame if a session is open. FALSE (with @error) when
 * not open or the send queue is full. */
gboolean openai_realtime_link_send (OpenaiRealtimeLink * link,
    const gchar * text, GError ** error);

/* Ends the current session and connects a new one at once. */
void openai_realtime_link_recycle (OpenaiRealtimeLink * link,
    const gchar * reason);

/* Copy of @text with the key and the client secret of this link replaced
 * by SANDRA_REDACTED: for server-provided text (error messages) before it
 * reaches a log, a bus message or an error. */
gchar *openai_realtime_link_redact (OpenaiRealtimeLink * link,
    const gchar * text);

/* Milliseconds the current session has been open, 0 when none. */
guint64 openai_realtime_link_session_age_ms (OpenaiRealtimeLink * link);

/* Closes and frees; no callback runs after it returns. Not from a
 * callback. */
void openai_realtime_link_free (OpenaiRealtimeLink * link);

G_END_DECLS
#endif /* __OPENAI_REALTIME_LINK_H__ */
