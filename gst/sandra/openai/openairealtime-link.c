/* gst-sandra: openairealtime's connection to a Realtime session
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "openairealtime-link.h"
#include "net/sandra-backoff.h"
#include "net/sandra-credentials.h"
#include "net/sandra-http.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (openai_realtime_link_debug);
#define GST_CAT_DEFAULT openai_realtime_link_debug

#define TOKEN_TIMEOUT_MS 15000

struct _OpenaiRealtimeLink
{
  OpenaiRealtimeLinkConfig *cfg;
  OpenaiRealtimeLinkCallbacks cb;
  gpointer user_data;
  SandraWorker *worker;

  GMutex lock;
  gchar *token_body;            /* under lock */
  gboolean stopping;            /* under lock */
  gint64 opened_at_us;          /* under lock; 0 when no session is open */

  /* worker thread only */
  SandraWebSocket *ws;
  SandraHttp *http;
  GCancellable *token_cancellable;
  SandraBackoff backoff;
  guint attempt;                /* consecutive failures */
  guint connections;            /* sessions opened so far */
  gboolean recycling;
  gchar *recycle_reason;
  GSource *retry_source;
  gboolean failed;
};

void
openai_realtime_link_config_free (OpenaiRealtimeLinkConfig * cfg)
{
  if (cfg == NULL)
    return;
  g_free (cfg->base_url);
  g_free (cfg->model);
  if (cfg->api_key)
    memset (cfg->api_key, 0, strlen (cfg->api_key));
  g_free (cfg->api_key);
  if (cfg->client_secret)
    memset (cfg->client_secret, 0, strlen (cfg->client_secret));
  g_free (cfg->client_secret);
  g_free (cfg->token_url);
  g_free (cfg);
}

static gboolean
is_stopping (OpenaiRealtimeLink * link)
{
  gboolean stopping;

  g_mutex_lock (&link->lock);
  stopping = link->stopping;
  g_mutex_unlock (&link->lock);
  return stopping;
}

static void connect_now (OpenaiRealtimeLink * link);

static void
fail (OpenaiRealtimeLink * link, OpenaiRealtimeLinkFailure failure,
    const gchar * message, guint close_code, guint http_status)
{
  if (link->failed || is_stopping (link))
    return;
  link->failed = TRUE;
  GST_WARNING ("link failed: %s", message);
  if (link->cb.failed)
    link->cb.failed (failure, message, close_code, http_status,
        link->user_data);
}

static gboolean
retry_timeout (gpointer data)
{
  OpenaiRealtimeLink *link = data;

  g_clear_pointer (&link->retry_source, g_source_unref);
  if (!is_stopping (link))
    connect_now (link);
  return G_SOURCE_REMOVE;
}

/* Worker thread. A failure that a new attempt may fix. */
static void
schedule_retry (OpenaiRealtimeLink * link, const gchar * reason)
{
  guint delay;

  if (is_stopping (link) || link->failed)
    return;
  link->attempt++;
  if (link->attempt > link->cfg->max_reconnects) {
    gchar *msg = g_strdup_printf ("Could not reach the OpenAI Realtime "
        "service after %u attempts (last: %s)", link->attempt, reason);

    fail (link, OPENAI_REALTIME_LINK_FAIL_GAVE_UP, msg, 0, 0);
    g_free (msg);
    return;
  }
  delay = sandra_backoff_delay_ms (&link->backoff, link->attempt);
  GST_INFO ("reconnecting in %u ms (attempt %u): %s", delay, link->attempt,
      reason);
  if (link->cb.reconnecting)
    link->cb.reconnecting (link->attempt, delay, reason, link->user_data);
  g_clear_pointer (&link->retry_source, g_source_unref);
  link->retry_source = sandra_worker_timeout_add (link->worker, delay,
      retry_timeout, link, NULL);
}

/* ---- WebSocket callbacks (worker thread) ---- */

static void
ws_opened (SandraWebSocket * ws, const gchar * protocol,
    SoupMessageHeaders * response_headers, gboolean reconnected,
    gpointer user_data)
{
  OpenaiRealtimeLink *link = user_data;
  gboolean again = link->connections > 0;

  /* the count of attempts is reset when this session proves stable, not
   * now: see ws_closed() */
  link->connections++;
  g_mutex_lock (&link->lock);
  link->opened_at_us = g_get_monotonic_time ();
  g_mutex_unlock (&link->lock);
  GST_INFO ("session socket open (%s)", again ? "reconnected" : "first");
  if (link->cb.opened)
    link->cb.opened (again, link->user_data);
}

static void
ws_text (SandraWebSocket * ws, const gchar * text, gsize len,
    gpointer user_data)
{
  OpenaiRealtimeLink *link = user_data;

  if (link->cb.message)
    link->cb.message (text, len, link->user_data);
}

static void
ws_closed (SandraWebSocket * ws, const SandraWsCloseInfo * info,
    gpointer user_data)
{
  OpenaiRealtimeLink *link = user_data;
  gchar *reason;
  gint64 lasted_us;

  g_mutex_lock (&link->lock);
  lasted_us = link->opened_at_us ?
      g_get_monotonic_time () - link->opened_at_us : 0;
  link->opened_at_us = 0;
  g_mutex_unlock (&link->lock);

  /* A service that accepts and drops at once (overloaded, misconfigured)
   * must not keep us reconnecting forever: only a session that lasted at
   * least the longest backoff wait starts a fresh series of attempts. */
  if (lasted_us >= (gint64) link->backoff.max_ms * G_TIME_SPAN_MILLISECOND)
    link->attempt = 0;

  if (is_stopping (link))
    return;

  GST_INFO ("socket closed: code %u reason '%s' http %u class %d dropped %u",
      info->code, info->reason, info->http_status, info->klass, info->dropped);

  if (link->recycling) {
    link->recycling = FALSE;
    if (link->cb.reconnecting)
      link->cb.reconnecting (0, 0, link->recycle_reason, link->user_data);
    g_clear_pointer (&link->recycle_reason, g_free);
    connect_now (link);
    return;
  }

  if (info->http_status)
    reason = g_strdup_printf ("upgrade refused with HTTP %u",
        info->http_status);
  else if (info->error)
    reason = g_strdup (info->error->message);
  else {
    gchar *said = openai_realtime_link_redact (link, info->reason);

    reason = g_strdup_printf ("closed with code %u%s%s", info->code,
        said && *said ? ": " : "", said ? said : "");
    g_free (said);
  }

  switch (info->klass) {
    case SANDRA_WS_CLOSE_NORMAL:
      /* The server ended the session (it does after session_expired);
       * the conversation goes on in a new one. */
    case SANDRA_WS_CLOSE_RETRYABLE:
      schedule_retry (link, reason);
      break;
    case SANDRA_WS_CLOSE_FATAL_AUTH:{
      gchar *msg = g_strdup_printf ("OpenAI refused the credentials (%s)",
          reason);
      fail (link, OPENAI_REALTIME_LINK_FAIL_AUTH, msg, info->code,
          info->http_status);
      g_free (msg);
      break;
    }
    case SANDRA_WS_CLOSE_FATAL_QUOTA:{
      gchar *msg = g_strdup_printf ("The OpenAI account is out of quota (%s)",
          reason);
      fail (link, OPENAI_REALTIME_LINK_FAIL_QUOTA, msg, info->code,
          info->http_status);
      g_free (msg);
      break;
    }
    case SANDRA_WS_CLOSE_FATAL_POLICY:{
      gchar *msg = g_strdup_printf ("OpenAI closed the session for a policy "
          "violation (%s)", reason);
      fail (link, OPENAI_REALTIME_LINK_FAIL_POLICY, msg, info->code,
          info->http_status);
      g_free (msg);
      break;
    }
    default:{
      gchar *msg = g_strdup_printf ("The OpenAI Realtime session failed (%s)",
          reason);
      fail (link, OPENAI_REALTIME_LINK_FAIL_OTHER, msg, info->code,
          info->http_status);
      g_free (msg);
      break;
    }
  }
  g_free (reason);
}

static const SandraWebSocketCallbacks ws_callbacks = {
  ws_opened, ws_text, NULL, ws_closed, NULL
};

/* ---- Ephemeral secrets (worker thread) ---- */

static void
token_complete (const SandraHttpResult * result, gpointer user_data)
{
  OpenaiRealtimeLink *link = user_data;
  GError *err = NULL;
  gchar *secret = NULL;
  const gchar *body;
  gsize len = 0;

  g_clear_object (&link->token_cancellable);
  if (is_stopping (link))
    return;
  if (result->error && g_error_matches (result->error, G_IO_ERROR,
          G_IO_ERROR_CANCELLED))
    return;

  if (!sandra_http_result_ok (result)) {
    gchar *reason;

    if (result->status == 401 || result->status == 403) {
      reason = g_strdup_printf ("The token endpoint refused to issue a "
          "client secret (HTTP %u)", result->status);
      fail (link, OPENAI_REALTIME_LINK_FAIL_TOKEN, reason, 0, result->status);
    } else {
      reason = result->error ?
          g_strdup_printf ("token request failed: %s", result->error->message)
          : g_strdup_printf ("token request failed with HTTP %u",
          result->status);
      schedule_retry (link, reason);
    }
    g_free (reason);
    return;
  }

  body = result->body ? g_bytes_get_data (result->body, &len) : "";
  if (!sandra_realtime_client_secret_parse (body, len, &secret, NULL, &err)) {
    gchar *reason = g_strdup_printf ("The token endpoint answered without a "
        "client secret: %s", err->message);

    fail (link, OPENAI_REALTIME_LINK_FAIL_TOKEN, reason, 0, result->status);
    g_free (reason);
    g_clear_error (&err);
    return;
  }
  GST_DEBUG ("got an ephemeral client secret");
  sandra_websocket_set_bearer (link->ws, secret);
  memset (secret, 0, strlen (secret));
  g_free (secret);
  sandra_websocket_connect (link->ws);
}

static void
fetch_token (OpenaiRealtimeLink * link)
{
  SandraHttpRequest *req;
  SandraHttpCallbacks cb = { 0, };
  gchar *body;
  GBytes *bytes;

  if (link->http == NULL)
    link->http = sandra_http_new (link->worker, "gst-sandra/" VERSION);

  g_mutex_lock (&link->lock);
  body = g_strdup (link->token_body ? link->token_body : "{}");
  g_mutex_unlock (&link->lock);

  req = sandra_http_request_new ("POST", link->cfg->token_url);
  bytes = g_bytes_new_take (body, strlen (body));
  sandra_http_request_set_body (req, "application/json", bytes);
  g_bytes_unref (bytes);
  sandra_http_request_set_timeout_ms (req, TOKEN_TIMEOUT_MS);
  /* Retries are the link's backoff, not the HTTP helper's. */
  sandra_http_request_set_max_retries (req, 0);
  cb.complete = token_complete;
  link->token_cancellable = g_cancellable_new ();
  GST_DEBUG ("fetching an ephemeral secret");
  sandra_http_send (link->http, req, &cb, link, NULL, link->token_cancellable);
  sandra_http_request_unref (req);
}

static void
connect_now (OpenaiRealtimeLink * link)
{
  if (link->cfg->token_url && *link->cfg->token_url)
    fetch_token (link);
  else
    sandra_websocket_connect (link->ws);
}

/* ---- Public ---- */

OpenaiRealtimeLink *
openai_realtime_link_new (SandraWorker * worker,
    OpenaiRealtimeLinkConfig * cfg, const OpenaiRealtimeLinkCallbacks * cb,
    gpointer user_data)
{
  OpenaiRealtimeLink *link = g_new0 (OpenaiRealtimeLink, 1);
  gchar *model, *path, *url;
  const gchar *bearer;

  if (g_once_init_enter (&openai_realtime_link_debug)) {
    GST_DEBUG_CATEGORY_INIT (openai_realtime_link_debug, "openairealtimelink",
        0, "openairealtime connection");
  }
  link->cfg = cfg;
  link->cb = *cb;
  link->user_data = user_data;
  link->worker = sandra_worker_ref (worker);
  g_mutex_init (&link->lock);
  sandra_backoff_init (&link->backoff, cfg->reconnect_initial_ms,
      cfg->reconnect_max_ms);

  model = g_uri_escape_string (cfg->model ? cfg->model : "", NULL, FALSE);
  path = g_strdup_printf ("/realtime?model=%s", model);
  url = sandra_credentials_ws_url (cfg->base_url, path);
  link->ws = sandra_websocket_new (worker, url, &ws_callbacks, link, NULL);
  g_free (url);
  g_free (path);
  g_free (model);

  if (cfg->api == SANDRA_REALTIME_API_BETA)
    sandra_websocket_set_header (link->ws, "OpenAI-Beta", "realtime=v1");
  bearer = cfg->client_secret && *cfg->client_secret ? cfg->client_secret :
      cfg->api_key;
  if (bearer)
    sandra_websocket_set_bearer (link->ws, bearer);
  /* Our own reconnection (see the header). */
  sandra_websocket_set_max_reconnects (link->ws, 0);
  if (cfg->connect_timeout_ms)
    sandra_websocket_set_connect_timeout_ms (link->ws, cfg->connect_timeout_ms);
  return link;
}

void
openai_realtime_link_set_token_body (OpenaiRealtimeLink * link,
    const gchar * json)
{
  g_mutex_lock (&link->lock);
  g_free (link->token_body);
  link->token_body = g_strdup (json);
  g_mutex_unlock (&link->lock);
}

static gboolean
start_in_worker (gpointer data)
{
  connect_now (data);
  return G_SOURCE_REMOVE;
}

void
openai_realtime_link_start (OpenaiRealtimeLink * link)
{
  sandra_worker_invoke (link->worker, start_in_worker, link, NULL);
}

gboolean
openai_realtime_link_send (OpenaiRealtimeLink * link, const gchar * text,
    GError ** error)
{
  if (sandra_websocket_get_state (link->ws) != SANDRA_WS_STATE_OPEN) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
        "no Realtime session is open");
    return FALSE;
  }
  return sandra_websocket_send_text (link->ws, text, error);
}

typedef struct
{
  OpenaiRealtimeLink *link;
  gchar *reason;
} Recycle;

static gboolean
recycle_in_worker (gpointer data)
{
  Recycle *r = data;
  OpenaiRealtimeLink *link = r->link;

  if (!is_stopping (link) && !link->recycling &&
      sandra_websocket_get_state (link->ws) == SANDRA_WS_STATE_OPEN) {
    GST_INFO ("recycling the session: %s", r->reason);
    link->recycling = TRUE;
    g_free (link->recycle_reason);
    link->recycle_reason = g_strdup (r->reason);
    sandra_websocket_close (link->ws, 1000, "session recycled");
  }
  return G_SOURCE_REMOVE;
}

static void
recycle_free (gpointer data)
{
  Recycle *r = data;

  g_free (r->reason);
  g_free (r);
}

void
openai_realtime_link_recycle (OpenaiRealtimeLink * link, const gchar * reason)
{
  Recycle *r = g_new0 (Recycle, 1);

  r->link = link;
  r->reason = g_strdup (reason);
  sandra_worker_invoke (link->worker, recycle_in_worker, r, recycle_free);
}

gchar *
openai_realtime_link_redact (OpenaiRealtimeLink * link, const gchar * text)
{
  gchar *a, *b;

  if (text == NULL)
    return NULL;
  /* cfg is fixed for the life of the link. */
  a = sandra_credentials_redact_text (text, link->cfg->api_key);
  b = sandra_credentials_redact_text (a, link->cfg->client_secret);
  g_free (a);
  return b;
}

guint64
openai_realtime_link_session_age_ms (OpenaiRealtimeLink * link)
{
  guint64 age = 0;

  g_mutex_lock (&link->lock);
  if (link->opened_at_us)
    age = (g_get_monotonic_time () - link->opened_at_us) / 1000;
  g_mutex_unlock (&link->lock);
  return age;
}

static gboolean
stop_in_worker (gpointer data)
{
  OpenaiRealtimeLink *link = data;

  if (link->retry_source) {
    g_source_destroy (link->retry_source);
    g_clear_pointer (&link->retry_source, g_source_unref);
  }
  if (link->token_cancellable)
    g_cancellable_cancel (link->token_cancellable);
  return G_SOURCE_REMOVE;
}

void
openai_realtime_link_free (OpenaiRealtimeLink * link)
{
  if (link == NULL)
    return;
  g_mutex_lock (&link->lock);
  link->stopping = TRUE;
  g_mutex_unlock (&link->lock);
  sandra_worker_invoke_sync (link->worker, stop_in_worker, link);
  if (link->http)
    sandra_http_free (link->http);
  sandra_websocket_free (link->ws);
  /* Sources and callbacks referring to us are gone now. */
  sandra_worker_invoke_sync (link->worker, stop_in_worker, link);
  sandra_worker_unref (link->worker);
  g_clear_object (&link->token_cancellable);
  g_free (link->token_body);
  g_free (link->recycle_reason);
  openai_realtime_link_config_free (link->cfg);
  g_mutex_clear (&link->lock);
  g_free (link);
}
