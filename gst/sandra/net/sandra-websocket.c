/* gst-sandra: WebSocket client with a bounded send queue and reconnection
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-websocket.h"
#include "sandra-credentials.h"
#include "sandra-api-error.h"

#include <gst/gst.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (sandra_ws_debug);
#define GST_CAT_DEFAULT sandra_ws_debug

#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_KEEPALIVE_S 20
#define DEFAULT_MAX_MESSAGES 1024
#define DEFAULT_MAX_BYTES (16 * 1024 * 1024)
#define DEFAULT_MAX_INCOMING (64 * 1024 * 1024)
#define DEFAULT_MAX_RECONNECTS 5
#define DEFAULT_BACKOFF_INITIAL_MS 500
#define DEFAULT_BACKOFF_MAX_MS 15000
/* How long teardown waits for the peer to answer our close frame. */
#define SHUTDOWN_CLOSE_WAIT_MS 1000
/* Upgrade answers asking for a longer wait use our own backoff instead. */
#define MAX_SERVER_DELAY_MS 60000

GType
sandra_ws_close_class_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {SANDRA_WS_CLOSE_NORMAL, "Closed normally", "normal"},
    {SANDRA_WS_CLOSE_RETRYABLE, "Transient, reconnecting may help",
        "retryable"},
    {SANDRA_WS_CLOSE_FATAL_AUTH, "Credentials refused", "fatal-auth"},
    {SANDRA_WS_CLOSE_FATAL_QUOTA, "Out of quota", "fatal-quota"},
    {SANDRA_WS_CLOSE_FATAL_POLICY, "Policy violation", "fatal-policy"},
    {SANDRA_WS_CLOSE_FATAL, "Fatal", "fatal"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("SandraWsCloseClass", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static const gchar *
close_class_nick (SandraWsCloseClass klass)
{
  GEnumClass *k = g_type_class_ref (SANDRA_TYPE_WS_CLOSE_CLASS);
  GEnumValue *v = g_enum_get_value (k, klass);
  const gchar *nick = v ? v->value_nick : "unknown";

  /* static type: the class outlives the unref */
  g_type_class_unref (k);
  return nick;
}

typedef struct
{
  SoupWebsocketDataType type;
  GBytes *data;
} Outgoing;

static void
outgoing_free (gpointer p)
{
  Outgoing *o = p;

  g_bytes_unref (o->data);
  g_free (o);
}

struct _SandraWebSocket
{
  SandraWorker *worker;
  guint client_id;
  SandraWebSocketCallbacks cb;
  gpointer user_data;
  GDestroyNotify notify;

  GMutex lock;
  GCond cond;

  /* configuration, under lock */
  gchar *url;
  GPtrArray *header_names;
  GPtrArray *header_values;
  gchar **protocols;
  guint connect_timeout_ms;
  guint keepalive_s;
  guint max_messages;
  gsize max_bytes;
  guint64 max_incoming;
  guint max_reconnects;
  SandraBackoff backoff;
  SandraWsClassifyFunc classify;
  gpointer classify_data;
  gboolean insecure_loopback;

  /* under lock */
  GQueue first;
  GQueue queue;
  gsize queued_bytes;
  SandraWsState state;
  gboolean flush_scheduled;
  gboolean shutting_down;
  guint busy;
  gboolean disposed;

  /* worker thread only */
  SoupSession *session;
  SoupMessage *msg;
  GCancellable *connect_cancellable;
  GSource *connect_timer;
  GSource *reconnect_timer;
  GSource *close_timer;
  SoupWebsocketConnection *conn;
  GError *conn_error;
  gboolean timed_out;
  gboolean user_closing;
  guint16 user_close_code;
  gboolean ever_opened;
  gint64 opened_at_us;
  guint reconnect_attempt;
};

static void start_connect (SandraWebSocket * ws);
static void ws_shutdown (gpointer data);
static void ws_dispose (gpointer data);

static void
init_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (sandra_ws_debug, "sandranetws", 0,
        "gst-sandra WebSocket client");
    g_once_init_leave (&once, 1);
  }
}

/* ---------------------------------------------------------- classification */

static gboolean
reason_mentions (const gchar * reason, const gchar * word)
{
  gchar *lower;
  gboolean ret;

  if (reason == NULL || *reason == '\0')
    return FALSE;
  lower = g_ascii_strdown (reason, -1);
  ret = strstr (lower, word) != NULL;
  g_free (lower);
  return ret;
}

SandraWsCloseClass
sandra_websocket_classify (guint16 code, const gchar * reason,
    guint http_status, const GError * error)
{
  if (http_status) {
    if (http_status == 401 || http_status == 403)
      return SANDRA_WS_CLOSE_FATAL_AUTH;
    if (http_status == 408 || http_status == 429 || (http_status >= 500
            && http_status < 600))
      return SANDRA_WS_CLOSE_RETRYABLE;
    return SANDRA_WS_CLOSE_FATAL;
  }

  if (reason_mentions (reason, "invalid_api_key") ||
      reason_mentions (reason, "authentication"))
    return SANDRA_WS_CLOSE_FATAL_AUTH;
  if (reason_mentions (reason, "quota"))
    return SANDRA_WS_CLOSE_FATAL_QUOTA;

  if (error && code == 0) {
    /* certificates and protocol mismatches will not fix themselves */
    if (error->domain == G_TLS_ERROR)
      return SANDRA_WS_CLOSE_FATAL;
    if (error->domain == SOUP_WEBSOCKET_ERROR)
      return SANDRA_WS_CLOSE_FATAL;
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT))
      return SANDRA_WS_CLOSE_FATAL;
    return SANDRA_WS_CLOSE_RETRYABLE;
  }

  switch (code) {
    case 1000:
      return SANDRA_WS_CLOSE_NORMAL;
    case 0:                    /* dropped without a close frame */
    case 1001:                 /* going away */
    case 1005:                 /* no status */
    case 1006:                 /* abnormal */
    case 1011:                 /* server error */
    case 1012:                 /* service restart */
    case 1013:                 /* try again later */
    case 1014:                 /* bad gateway */
    case 1015:                 /* TLS handshake */
      return SANDRA_WS_CLOSE_RETRYABLE;
    case 1008:
      return SANDRA_WS_CLOSE_FATAL_POLICY;
    case 3000:                 /* OpenAI: invalid_request_error.invalid_api_key */
      return SANDRA_WS_CLOSE_FATAL_AUTH;
    default:
      return SANDRA_WS_CLOSE_FATAL;
  }
}

gchar *
sandra_websocket_close_to_sentence (const SandraWsCloseInfo * info,
    const gchar * service)
{
  GString *s = g_string_new (NULL);
  const gchar *reason;

  g_return_val_if_fail (info != NULL, NULL);
  if (service == NULL)
    service = "The service";
  reason = info->reason ? info->reason : "";

  switch (info->klass) {
    case SANDRA_WS_CLOSE_FATAL_AUTH:
      sandra_api_error_append_headline (s, SANDRA_API_ERROR_CLASS_FATAL_AUTH,
          info->http_status, service);
      break;
    case SANDRA_WS_CLOSE_FATAL_QUOTA:
      sandra_api_error_append_headline (s, SANDRA_API_ERROR_CLASS_FATAL_QUOTA,
          info->http_status, service);
      break;
    case SANDRA_WS_CLOSE_FATAL_POLICY:
      g_string_append_printf (s, "%s closed the connection for a policy "
          "violation", service);
      break;
    case SANDRA_WS_CLOSE_RETRYABLE:
      g_string_append_printf (s, "%s connection failed and reconnecting "
          "did not help", service);
      break;
    case SANDRA_WS_CLOSE_NORMAL:
      g_string_append_printf (s, "%s closed the connection", service);
      break;
    case SANDRA_WS_CLOSE_FATAL:
    default:
      if (info->error && info->code == 0 && info->http_status == 0)
        g_string_append_printf (s, "Could not connect to %s", service);
      else
        g_string_append_printf (s, "%s ended the connection with an error",
            service);
      break;
  }

  if (info->http_status)
    g_string_append_printf (s, " (HTTP %u on connect)", info->http_status);
  else if (info->code)
    g_string_append_printf (s, " (close %u%s%s)", info->code,
        *reason ? ": " : "", reason);
  if (info->error)
    g_string_append_printf (s, ": %s", info->error->message);
  return g_string_free (s, FALSE);
}

GstStructure *
sandra_websocket_close_to_details (const SandraWsCloseInfo * info)
{
  GstStructure *st;

  g_return_val_if_fail (info != NULL, NULL);
  st = gst_structure_new ("sandra-ws-close",
      "close-code", G_TYPE_UINT, (guint) info->code,
      "reason", G_TYPE_STRING, info->reason ? info->reason : "",
      "http-status", G_TYPE_UINT, info->http_status,
      "class", SANDRA_TYPE_WS_CLOSE_CLASS, info->klass, NULL);
  if (info->error)
    gst_structure_set (st, "error", G_TYPE_STRING, info->error->message, NULL);
  return st;
}

/* ------------------------------------------------------------------ busy */

static void
busy_inc (SandraWebSocket * ws)
{
  sandra_worker_hold (ws->worker);
  g_mutex_lock (&ws->lock);
  ws->busy++;
  g_mutex_unlock (&ws->lock);
}

static void
busy_dec (SandraWebSocket * ws)
{
  g_mutex_lock (&ws->lock);
  ws->busy--;
  g_cond_broadcast (&ws->cond);
  g_mutex_unlock (&ws->lock);
  sandra_worker_release (ws->worker);
}

static gboolean
is_shutting_down (SandraWebSocket * ws)
{
  gboolean ret;

  g_mutex_lock (&ws->lock);
  ret = ws->shutting_down;
  g_mutex_unlock (&ws->lock);
  return ret;
}

static void
set_state (SandraWebSocket * ws, SandraWsState state)
{
  g_mutex_lock (&ws->lock);
  ws->state = state;
  g_mutex_unlock (&ws->lock);
}

/* Under lock. Returns how many messages were dropped. */
static guint
clear_queue_locked (SandraWebSocket * ws)
{
  guint n = ws->first.length + ws->queue.length;

  g_queue_clear_full (&ws->first, outgoing_free);
  g_queue_clear_full (&ws->queue, outgoing_free);
  ws->queued_bytes = 0;
  return n;
}

static void
destroy_source (GSource ** src)
{
  if (*src) {
    g_source_destroy (*src);
    g_source_unref (*src);
    *src = NULL;
  }
}

/* ----------------------------------------------------------------- flush */

static gboolean
flush_queue (gpointer data)
{
  SandraWebSocket *ws = data;

  g_mutex_lock (&ws->lock);
  ws->flush_scheduled = FALSE;
  while (ws->state == SANDRA_WS_STATE_OPEN && ws->conn &&
      soup_websocket_connection_get_state (ws->conn) ==
      SOUP_WEBSOCKET_STATE_OPEN) {
    Outgoing *o = g_queue_pop_head (&ws->first);

    if (o == NULL)
      o = g_queue_pop_head (&ws->queue);
    if (o == NULL)
      break;
    ws->queued_bytes -= g_bytes_get_size (o->data);
    g_mutex_unlock (&ws->lock);
    GST_LOG ("sending %s message of %" G_GSIZE_FORMAT " bytes",
        o->type == SOUP_WEBSOCKET_DATA_TEXT ? "text" : "binary",
        g_bytes_get_size (o->data));
    soup_websocket_connection_send_message (ws->conn, o->type, o->data);
    outgoing_free (o);
    g_mutex_lock (&ws->lock);
  }
  g_mutex_unlock (&ws->lock);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------- disconnections */

static void
drop_connection (SandraWebSocket * ws)
{
  if (ws->conn) {
    g_signal_handlers_disconnect_by_data (ws->conn, ws);
    g_clear_object (&ws->conn);
  }
}

static gboolean
on_reconnect_timer (gpointer data)
{
  SandraWebSocket *ws = data;

  g_clear_pointer (&ws->reconnect_timer, g_source_unref);
  start_connect (ws);
  return G_SOURCE_REMOVE;
}

/* A copy of @reason without the keys this socket sends (secret headers,
 * the URL's credential parameters): a server may quote them back in its
 * close reason, which ends up in warnings and error messages. */
static gchar *
scrub_reason (SandraWebSocket * ws, const gchar * reason)
{
  GPtrArray *secrets = g_ptr_array_new_with_free_func (g_free);
  gchar *clean = g_strdup (reason ? reason : "");
  guint i;

  g_mutex_lock (&ws->lock);
  sandra_credentials_collect_uri_secrets (ws->url, secrets);
  for (i = 0; i < ws->header_names->len; i++) {
    const gchar *value = g_ptr_array_index (ws->header_values, i);

    if (!sandra_credentials_is_secret_header (g_ptr_array_index
            (ws->header_names, i)))
      continue;
    g_ptr_array_add (secrets, g_strdup (value));
    if (g_ascii_strncasecmp (value, "Bearer ", 7) == 0 && value[7])
      g_ptr_array_add (secrets, g_strdup (value + 7));
  }
  g_mutex_unlock (&ws->lock);

  for (i = 0; i < secrets->len; i++) {
    gchar *next = sandra_credentials_redact_text (clean,
        g_ptr_array_index (secrets, i));

    g_free (clean);
    clean = next;
  }
  g_ptr_array_unref (secrets);
  return clean;
}

/* Worker thread. The connection is gone (or never came); decide what's
 * next and tell the user. */
static void
handle_disconnect (SandraWebSocket * ws, guint16 code, const gchar * reason,
    guint http_status, const GError * error, SoupMessageHeaders * headers)
{
  SandraWsCloseInfo info = { 0, };
  SandraWsClassifyFunc classify;
  gpointer classify_data;
  guint max_reconnects;
  SandraBackoff backoff;
  gboolean will_reconnect;
  guint delay = 0;
  gchar *clean_reason;

  if (is_shutting_down (ws)) {
    set_state (ws, SANDRA_WS_STATE_CLOSED);
    return;
  }

  g_mutex_lock (&ws->lock);
  classify = ws->classify;
  classify_data = ws->classify_data;
  max_reconnects = ws->max_reconnects;
  backoff = ws->backoff;
  g_mutex_unlock (&ws->lock);

  info.code = code;
  clean_reason = scrub_reason (ws, reason);
  info.reason = clean_reason;
  info.http_status = http_status;
  info.error = error;
  if (ws->user_closing) {
    info.klass = SANDRA_WS_CLOSE_NORMAL;
  } else {
    info.klass = sandra_websocket_classify (code, reason, http_status, error);
    if (classify)
      info.klass = classify (&info, info.klass, classify_data);
  }

  will_reconnect = info.klass == SANDRA_WS_CLOSE_RETRYABLE &&
      ws->reconnect_attempt < max_reconnects;
  info.will_reconnect = will_reconnect;

  g_mutex_lock (&ws->lock);
  if (will_reconnect) {
    ws->state = SANDRA_WS_STATE_RECONNECTING;
  } else {
    ws->state = SANDRA_WS_STATE_CLOSED;
    info.dropped = clear_queue_locked (ws);
  }
  g_mutex_unlock (&ws->lock);

  GST_INFO ("closed: code %u reason '%s' http %u error '%s' -> %s%s, "
      "%u queued messages dropped", code, info.reason, http_status,
      error ? error->message : "", close_class_nick (info.klass),
      will_reconnect ? ", reconnecting" : "", info.dropped);

  if (ws->cb.closed)
    ws->cb.closed (ws, &info, ws->user_data);
  g_free (clean_reason);

  if (!will_reconnect || sandra_websocket_get_state (ws) !=
      SANDRA_WS_STATE_RECONNECTING)
    return;                     /* closed from the callback */

  ws->reconnect_attempt++;
  if (headers && http_status && sandra_backoff_parse_retry_after
      (soup_message_headers_get_one (headers, "retry-after-ms"),
          soup_message_headers_get_one (headers, "retry-after"), NULL, &delay)
      && delay <= MAX_SERVER_DELAY_MS) {
    GST_DEBUG ("server asked to wait %u ms", delay);
  } else {
    delay = sandra_backoff_delay_ms (&backoff, ws->reconnect_attempt);
  }
  GST_INFO ("reconnection attempt %u in %u ms", ws->reconnect_attempt, delay);
  if (ws->cb.reconnecting)
    ws->cb.reconnecting (ws, ws->reconnect_attempt, delay, ws->user_data);
  if (sandra_websocket_get_state (ws) != SANDRA_WS_STATE_RECONNECTING)
    return;
  ws->reconnect_timer = sandra_worker_timeout_add (ws->worker, delay,
      on_reconnect_timer, ws, NULL);
}

static gboolean
on_close_wait_timeout (gpointer data)
{
  SandraWebSocket *ws = data;

  GST_DEBUG ("peer did not answer our close in time");
  g_clear_pointer (&ws->close_timer, g_source_unref);
  drop_connection (ws);
  busy_dec (ws);
  return G_SOURCE_REMOVE;
}

static void
on_conn_closed (SoupWebsocketConnection * conn, gpointer data)
{
  SandraWebSocket *ws = data;
  guint16 code = soup_websocket_connection_get_close_code (conn);
  gchar *reason = g_strdup (soup_websocket_connection_get_close_data (conn));
  GError *error = g_steal_pointer (&ws->conn_error);

  drop_connection (ws);

  if (ws->close_timer) {
    /* teardown was waiting for this */
    destroy_source (&ws->close_timer);
    busy_dec (ws);
  }

  /* A server that accepts and drops at once (overloaded, misconfigured)
   * must not keep us reconnecting forever: only a connection that lasted
   * at least the longest backoff wait starts a fresh series of attempts. */
  g_mutex_lock (&ws->lock);
  if (g_get_monotonic_time () - ws->opened_at_us >=
      (gint64) ws->backoff.max_ms * G_TIME_SPAN_MILLISECOND)
    ws->reconnect_attempt = 0;
  g_mutex_unlock (&ws->lock);

  if (code == 0 && !ws->user_closing)
    code = 1006;
  /* a dropped connection is not a transport failure of the connect */
  handle_disconnect (ws, code, reason, 0, code ? NULL : error, NULL);
  g_free (reason);
  g_clear_error (&error);
}

static void
on_conn_error (SoupWebsocketConnection * conn, GError * error, gpointer data)
{
  SandraWebSocket *ws = data;

  GST_DEBUG ("connection error: %s", error->message);
  if (ws->conn_error == NULL)
    ws->conn_error = g_error_copy (error);
}

static void
on_conn_message (SoupWebsocketConnection * conn, gint type, GBytes * message,
    gpointer data)
{
  SandraWebSocket *ws = data;

  if (is_shutting_down (ws))
    return;
  if (type == SOUP_WEBSOCKET_DATA_TEXT) {
    gsize len;
    const gchar *text = g_bytes_get_data (message, &len);

    GST_LOG ("text message of %" G_GSIZE_FORMAT " bytes", len);
    if (ws->cb.text)
      ws->cb.text (ws, text ? text : "", len, ws->user_data);
  } else {
    GST_LOG ("binary message of %" G_GSIZE_FORMAT " bytes",
        g_bytes_get_size (message));
    if (ws->cb.binary)
      ws->cb.binary (ws, message, ws->user_data);
  }
}

/* ------------------------------------------------------------ connecting */

static void
begin_shutdown_close (SandraWebSocket * ws)
{
  if (ws->conn && soup_websocket_connection_get_state (ws->conn) ==
      SOUP_WEBSOCKET_STATE_OPEN) {
    busy_inc (ws);
    soup_websocket_connection_close (ws->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
        "going away");
    ws->close_timer = sandra_worker_timeout_add (ws->worker,
        SHUTDOWN_CLOSE_WAIT_MS, on_close_wait_timeout, ws, NULL);
  } else {
    drop_connection (ws);
  }
}

static void
on_connected (GObject * source, GAsyncResult * res, gpointer data)
{
  SandraWebSocket *ws = data;
  GError *error = NULL;
  SoupWebsocketConnection *conn;
  guint status = 0;
  gboolean reconnected;
  guint keepalive;
  guint64 max_incoming;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), res,
      &error);
  destroy_source (&ws->connect_timer);
  g_clear_object (&ws->connect_cancellable);

  if (conn == NULL) {
    SoupMessageHeaders *headers = NULL;

    if (ws->msg) {
      status = soup_message_get_status (ws->msg);
      /* only real HTTP answers count; 0/1xx mean it never got that far */
      if (status < 200 || status == 101)
        status = 0;
      else
        headers = soup_message_get_response_headers (ws->msg);
    }
    if (ws->timed_out && g_error_matches (error, G_IO_ERROR,
            G_IO_ERROR_CANCELLED)) {
      g_clear_error (&error);
      error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
          "WebSocket connection timed out");
    }
    GST_DEBUG ("connection failed: HTTP %u, %s", status, error->message);
    handle_disconnect (ws, 0, NULL, status, error, headers);
    g_clear_object (&ws->msg);
    g_error_free (error);
    busy_dec (ws);
    return;
  }

  ws->conn = conn;
  if (is_shutting_down (ws) || ws->user_closing) {
    gboolean user = !is_shutting_down (ws);

    if (user) {
      /* closed while connecting: finish the close properly */
      set_state (ws, SANDRA_WS_STATE_CLOSING);
      g_signal_connect (conn, "closed", G_CALLBACK (on_conn_closed), ws);
      soup_websocket_connection_close (conn, ws->user_close_code, NULL);
    } else {
      begin_shutdown_close (ws);
    }
    g_clear_object (&ws->msg);
    busy_dec (ws);
    return;
  }

  g_mutex_lock (&ws->lock);
  keepalive = ws->keepalive_s;
  max_incoming = ws->max_incoming;
  ws->state = SANDRA_WS_STATE_OPEN;
  /* The flush below runs once the opened callback has returned: marking it
   * pending now keeps sends made from the callback from flushing early, so
   * every SANDRA_WS_SEND_FIRST message of a session setup goes out before
   * what was queued meanwhile, not just the first one. */
  ws->flush_scheduled = TRUE;
  g_mutex_unlock (&ws->lock);

  soup_websocket_connection_set_keepalive_interval (conn, keepalive);
  soup_websocket_connection_set_max_incoming_payload_size (conn, max_incoming);
  g_signal_connect (conn, "message", G_CALLBACK (on_conn_message), ws);
  g_signal_connect (conn, "closed", G_CALLBACK (on_conn_closed), ws);
  g_signal_connect (conn, "error", G_CALLBACK (on_conn_error), ws);

  reconnected = ws->ever_opened;
  ws->ever_opened = TRUE;
  /* the count of attempts is reset when this connection proves stable,
   * not now: see on_conn_closed() */
  ws->opened_at_us = g_get_monotonic_time ();
  GST_INFO ("open (protocol %s)%s", GST_STR_NULL
      (soup_websocket_connection_get_protocol (conn)),
      reconnected ? ", reconnected" : "");

  if (ws->cb.opened)
    ws->cb.opened (ws, soup_websocket_connection_get_protocol (conn),
        soup_message_get_response_headers (ws->msg), reconnected,
        ws->user_data);
  g_clear_object (&ws->msg);
  flush_queue (ws);
  busy_dec (ws);
}

static gboolean
on_connect_timeout (gpointer data)
{
  SandraWebSocket *ws = data;

  GST_DEBUG ("connect timed out");
  ws->timed_out = TRUE;
  g_clear_pointer (&ws->connect_timer, g_source_unref);
  g_cancellable_cancel (ws->connect_cancellable);
  return G_SOURCE_REMOVE;
}

static void
start_connect (SandraWebSocket * ws)
{
  SoupMessageHeaders *hdrs;
  gchar **protocols;
  guint timeout_ms, i;
  GError *error = NULL;
  gchar *url;

  g_mutex_lock (&ws->lock);
  url = g_strdup (ws->url);
  ws->state = SANDRA_WS_STATE_CONNECTING;
  g_mutex_unlock (&ws->lock);

  ws->timed_out = FALSE;
  ws->msg = url ? soup_message_new ("GET", url) : NULL;
  if (ws->msg == NULL) {
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Invalid WebSocket URL");
    busy_inc (ws);
    handle_disconnect (ws, 0, NULL, 0, error, NULL);
    busy_dec (ws);
    g_error_free (error);
    g_free (url);
    return;
  }

  hdrs = soup_message_get_request_headers (ws->msg);
  g_mutex_lock (&ws->lock);
  if (ws->insecure_loopback)
    g_signal_connect (ws->msg, "accept-certificate",
        G_CALLBACK (sandra_credentials_accept_loopback_certificate), NULL);
  for (i = 0; i < ws->header_names->len; i++)
    soup_message_headers_replace (hdrs, g_ptr_array_index (ws->header_names,
            i), g_ptr_array_index (ws->header_values, i));
  protocols = g_strdupv (ws->protocols);
  timeout_ms = ws->connect_timeout_ms;
  g_mutex_unlock (&ws->lock);

  if (gst_debug_category_get_threshold (sandra_ws_debug) >= GST_LEVEL_DEBUG) {
    gchar *safe = sandra_credentials_redact_uri (url);
    gchar *h = sandra_credentials_format_headers (hdrs);

    GST_DEBUG ("connecting to %s, headers:\n%s", safe, h);
    g_free (safe);
    g_free (h);
  }

  if (ws->session == NULL)
    ws->session = soup_session_new_with_options ("user-agent", "gst-sandra",
        NULL);
  ws->connect_cancellable = g_cancellable_new ();
  if (timeout_ms)
    ws->connect_timer = sandra_worker_timeout_add (ws->worker, timeout_ms,
        on_connect_timeout, ws, NULL);
  busy_inc (ws);
  soup_session_websocket_connect_async (ws->session, ws->msg, NULL, protocols,
      G_PRIORITY_DEFAULT, ws->connect_cancellable, on_connected, ws);
  g_strfreev (protocols);
  g_free (url);
}

/* -------------------------------------------------------------- public */

SandraWebSocket *
sandra_websocket_new (SandraWorker * worker, const gchar * url,
    const SandraWebSocketCallbacks * callbacks, gpointer user_data,
    GDestroyNotify notify)
{
  SandraWebSocket *ws;

  g_return_val_if_fail (worker != NULL, NULL);
  g_return_val_if_fail (url != NULL, NULL);
  init_debug ();

  ws = g_new0 (SandraWebSocket, 1);
  ws->worker = sandra_worker_ref (worker);
  if (callbacks)
    ws->cb = *callbacks;
  ws->user_data = user_data;
  ws->notify = notify;
  g_mutex_init (&ws->lock);
  g_cond_init (&ws->cond);
  ws->url = sandra_credentials_ws_url (url, NULL);
  ws->header_names = g_ptr_array_new_with_free_func (g_free);
  ws->header_values = g_ptr_array_new_with_free_func (g_free);
  ws->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  ws->keepalive_s = DEFAULT_KEEPALIVE_S;
  ws->max_messages = DEFAULT_MAX_MESSAGES;
  ws->max_bytes = DEFAULT_MAX_BYTES;
  ws->max_incoming = DEFAULT_MAX_INCOMING;
  ws->max_reconnects = DEFAULT_MAX_RECONNECTS;
  sandra_backoff_init (&ws->backoff, DEFAULT_BACKOFF_INITIAL_MS,
      DEFAULT_BACKOFF_MAX_MS);
  g_queue_init (&ws->first);
  g_queue_init (&ws->queue);
  ws->state = SANDRA_WS_STATE_IDLE;
  ws->client_id = sandra_worker_add_client (worker, ws_shutdown, ws_dispose,
      ws);
  return ws;
}

void
sandra_websocket_set_header (SandraWebSocket * ws, const gchar * name,
    const gchar * value)
{
  guint i;

  g_return_if_fail (ws != NULL && name != NULL && value != NULL);
  g_mutex_lock (&ws->lock);
  /* replacing lets a `reconnecting` callback refresh an expiring key */
  for (i = 0; i < ws->header_names->len; i++) {
    if (g_ascii_strcasecmp (g_ptr_array_index (ws->header_names, i), name) == 0) {
      g_free (g_ptr_array_index (ws->header_values, i));
      g_ptr_array_index (ws->header_values, i) = g_strdup (value);
      break;
    }
  }
  if (i == ws->header_names->len) {
    g_ptr_array_add (ws->header_names, g_strdup (name));
    g_ptr_array_add (ws->header_values, g_strdup (value));
  }
  g_mutex_unlock (&ws->lock);
}

void
sandra_websocket_set_url (SandraWebSocket * ws, const gchar * url)
{
  g_return_if_fail (ws != NULL && url != NULL);
  g_mutex_lock (&ws->lock);
  g_free (ws->url);
  ws->url = sandra_credentials_ws_url (url, NULL);
  g_mutex_unlock (&ws->lock);
}

void
sandra_websocket_set_bearer (SandraWebSocket * ws, const gchar * key)
{
  gchar *v;

  g_return_if_fail (ws != NULL && key != NULL);
  v = g_strconcat ("Bearer ", key, NULL);
  sandra_websocket_set_header (ws, "Authorization", v);
  g_free (v);
}

void
sandra_websocket_set_protocols (SandraWebSocket * ws,
    const gchar * const *protocols)
{
  g_return_if_fail (ws != NULL);
  g_mutex_lock (&ws->lock);
  g_strfreev (ws->protocols);
  ws->protocols = g_strdupv ((gchar **) protocols);
  g_mutex_unlock (&ws->lock);
}

void
sandra_websocket_set_connect_timeout_ms (SandraWebSocket * ws, guint ms)
{
  g_return_if_fail (ws != NULL);
  g_mutex_lock (&ws->lock);
  ws->connect_timeout_ms = ms;
  g_mutex_unlock (&ws->lock);
}

void
sandra_websocket_set_keepalive_interval_s (SandraWebSocket * ws, guint s)
{
  g_return_if_fail (ws != NULL);
  g_mutex_lock (&ws->lock);
  ws->keepalive_s = s;
  g_mutex_unlock (&ws->lock);
}

void
sandra_websocket_set_max_queue (SandraWebSocket * ws, guint max_messages,
    gsize max_bytes)
{
  g_return_if_fail (ws != NULL);
  g_mutex_lock (&ws->lock);
  ws->max_messages = max_messages;
  ws->max_bytes = max_bytes;
  g_mutex_unlock (&ws->lock);
}

void
sandra_websocket_set_max_incoming_payload (SandraWebSocket * ws,
    guint64 max_bytes)
{
  g_return_if_fail (ws != NULL);
  g_mutex_lock (&ws->lock);
  ws->max_incoming = max_bytes;
  g_mutex_unlock (&ws->lock);
}

void
sandra_websocket_set_max_reconnects (SandraWebSocket * ws, guint n)
{
  g_return_if_fail (ws != NULL);
  g_mutex_lock (&ws->lock);
  ws->max_reconnects = n;
  g_mutex_unlock (&ws->lock);
}

void
sandra_websocket_set_backoff (SandraWebSocket * ws,
    const SandraBackoff * backoff)
{
  g_return_if_fail (ws != NULL && backoff != NULL);
  g_mutex_lock (&ws->lock);
  ws->backoff = *backoff;
  g_mutex_unlock (&ws->lock);
}

void
sandra_websocket_set_classify_func (SandraWebSocket * ws,
    SandraWsClassifyFunc func, gpointer user_data)
{
  g_return_if_fail (ws != NULL);
  g_mutex_lock (&ws->lock);
  ws->classify = func;
  ws->classify_data = user_data;
  g_mutex_unlock (&ws->lock);
}

void
sandra_websocket_set_insecure_loopback_tls (SandraWebSocket * ws,
    gboolean allow)
{
  g_return_if_fail (ws != NULL);
  g_mutex_lock (&ws->lock);
  ws->insecure_loopback = allow;
  g_mutex_unlock (&ws->lock);
}

static gboolean
do_connect (gpointer data)
{
  SandraWebSocket *ws = data;
  SandraWsState state = sandra_websocket_get_state (ws);

  if (is_shutting_down (ws))
    return G_SOURCE_REMOVE;
  if (state != SANDRA_WS_STATE_IDLE && state != SANDRA_WS_STATE_CLOSED)
    return G_SOURCE_REMOVE;
  ws->user_closing = FALSE;
  ws->reconnect_attempt = 0;
  start_connect (ws);
  return G_SOURCE_REMOVE;
}

void
sandra_websocket_connect (SandraWebSocket * ws)
{
  g_return_if_fail (ws != NULL);

  g_mutex_lock (&ws->lock);
  if (ws->state == SANDRA_WS_STATE_CLOSED)
    ws->state = SANDRA_WS_STATE_IDLE;
  g_mutex_unlock (&ws->lock);
  sandra_worker_invoke (ws->worker, do_connect, ws, NULL);
}

gboolean
sandra_websocket_send (SandraWebSocket * ws, SoupWebsocketDataType type,
    GBytes * data, SandraWsSendFlags flags, GError ** error)
{
  Outgoing *o;
  gboolean schedule = FALSE;
  gsize size;

  g_return_val_if_fail (ws != NULL, FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  size = g_bytes_get_size (data);
  g_mutex_lock (&ws->lock);
  if (ws->shutting_down || ws->state == SANDRA_WS_STATE_CLOSED ||
      ws->state == SANDRA_WS_STATE_CLOSING) {
    g_mutex_unlock (&ws->lock);
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED,
        "The WebSocket is closed");
    return FALSE;
  }
  /* The bound is for the backlog: a session setup (SEND_FIRST, sent from
   * the opened callback) must get through even when the backlog filled
   * the queue while reconnecting, or the backlog would go out without it. */
  if (!(flags & SANDRA_WS_SEND_FIRST) &&
      (ws->first.length + ws->queue.length >= ws->max_messages ||
          ws->queued_bytes + size > ws->max_bytes)) {
    guint n = ws->first.length + ws->queue.length;
    gsize b = ws->queued_bytes;

    g_mutex_unlock (&ws->lock);
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
        "WebSocket send queue full (%u messages, %" G_GSIZE_FORMAT " bytes)",
        n, b);
    return FALSE;
  }
  o = g_new0 (Outgoing, 1);
  o->type = type;
  o->data = g_bytes_ref (data);
  g_queue_push_tail ((flags & SANDRA_WS_SEND_FIRST) ? &ws->first :
      &ws->queue, o);
  ws->queued_bytes += size;
  if (ws->state == SANDRA_WS_STATE_OPEN && !ws->flush_scheduled) {
    ws->flush_scheduled = TRUE;
    schedule = TRUE;
  }
  g_mutex_unlock (&ws->lock);

  /* outside the lock: from the worker thread this runs at once */
  if (schedule)
    sandra_worker_invoke (ws->worker, flush_queue, ws, NULL);
  return TRUE;
}

gboolean
sandra_websocket_send_text (SandraWebSocket * ws, const gchar * text,
    GError ** error)
{
  GBytes *b;
  gboolean ret;

  g_return_val_if_fail (text != NULL, FALSE);
  b = g_bytes_new (text, strlen (text));
  ret = sandra_websocket_send (ws, SOUP_WEBSOCKET_DATA_TEXT, b,
      SANDRA_WS_SEND_NONE, error);
  g_bytes_unref (b);
  return ret;
}

typedef struct
{
  SandraWebSocket *ws;
  guint16 code;
  gchar *reason;
} CloseCall;

static gboolean
do_close (gpointer data)
{
  CloseCall *c = data;
  SandraWebSocket *ws = c->ws;
  SandraWsState state = sandra_websocket_get_state (ws);

  if (is_shutting_down (ws))
    return G_SOURCE_REMOVE;

  ws->user_closing = TRUE;
  ws->user_close_code = c->code;
  g_mutex_lock (&ws->lock);
  clear_queue_locked (ws);
  g_mutex_unlock (&ws->lock);

  switch (state) {
    case SANDRA_WS_STATE_OPEN:
      set_state (ws, SANDRA_WS_STATE_CLOSING);
      soup_websocket_connection_close (ws->conn, c->code, c->reason);
      break;
    case SANDRA_WS_STATE_CONNECTING:
      /* on_connected() reports it */
      g_cancellable_cancel (ws->connect_cancellable);
      break;
    case SANDRA_WS_STATE_RECONNECTING:
      destroy_source (&ws->reconnect_timer);
      handle_disconnect (ws, c->code, c->reason, 0, NULL, NULL);
      break;
    case SANDRA_WS_STATE_IDLE:
      /* never connected: still closed, and said so like any other close */
      handle_disconnect (ws, c->code, c->reason, 0, NULL, NULL);
      break;
    default:
      break;
  }
  return G_SOURCE_REMOVE;
}

static void
close_call_free (gpointer data)
{
  CloseCall *c = data;

  g_free (c->reason);
  g_free (c);
}

void
sandra_websocket_close (SandraWebSocket * ws, guint16 code,
    const gchar * reason)
{
  CloseCall *c;

  g_return_if_fail (ws != NULL);
  c = g_new0 (CloseCall, 1);
  c->ws = ws;
  c->code = code ? code : SOUP_WEBSOCKET_CLOSE_NORMAL;
  c->reason = g_strdup (reason);
  sandra_worker_invoke (ws->worker, do_close, c, close_call_free);
}

SandraWsState
sandra_websocket_get_state (SandraWebSocket * ws)
{
  SandraWsState s;

  g_return_val_if_fail (ws != NULL, SANDRA_WS_STATE_CLOSED);
  g_mutex_lock (&ws->lock);
  s = ws->state;
  g_mutex_unlock (&ws->lock);
  return s;
}

guint
sandra_websocket_get_queued (SandraWebSocket * ws)
{
  guint n;

  g_return_val_if_fail (ws != NULL, 0);
  g_mutex_lock (&ws->lock);
  n = ws->first.length + ws->queue.length;
  g_mutex_unlock (&ws->lock);
  return n;
}

guint
sandra_websocket_clear_queue (SandraWebSocket * ws)
{
  guint n;

  g_return_val_if_fail (ws != NULL, 0);
  g_mutex_lock (&ws->lock);
  n = clear_queue_locked (ws);
  g_mutex_unlock (&ws->lock);
  return n;
}

/* Worker thread: stop everything; callbacks are off from here on. */
static void
ws_shutdown (gpointer data)
{
  SandraWebSocket *ws = data;

  g_mutex_lock (&ws->lock);
  if (ws->shutting_down) {
    g_mutex_unlock (&ws->lock);
    return;
  }
  ws->shutting_down = TRUE;
  clear_queue_locked (ws);
  g_mutex_unlock (&ws->lock);

  destroy_source (&ws->reconnect_timer);
  if (ws->connect_cancellable)
    g_cancellable_cancel (ws->connect_cancellable);
  begin_shutdown_close (ws);
}

static void
ws_dispose (gpointer data)
{
  SandraWebSocket *ws = data;

  ws_shutdown (ws);
  destroy_source (&ws->reconnect_timer);
  destroy_source (&ws->connect_timer);
  destroy_source (&ws->close_timer);
  drop_connection (ws);
  g_clear_object (&ws->msg);
  g_clear_error (&ws->conn_error);
  if (ws->session)
    soup_session_abort (ws->session);
  g_clear_object (&ws->session);
  g_mutex_lock (&ws->lock);
  ws->state = SANDRA_WS_STATE_CLOSED;
  ws->disposed = TRUE;
  g_cond_broadcast (&ws->cond);
  g_mutex_unlock (&ws->lock);
}

static gboolean
shutdown_cb (gpointer data)
{
  ws_shutdown (data);
  return G_SOURCE_REMOVE;
}

static gboolean
dispose_cb (gpointer data)
{
  SandraWebSocket *ws = data;

  /* in the worker thread, so a concurrent stop cannot snapshot us after
   * this point */
  sandra_worker_remove_client (ws->worker, ws->client_id);
  ws_dispose (ws);
  return G_SOURCE_REMOVE;
}

void
sandra_websocket_free (SandraWebSocket * ws)
{
  g_return_if_fail (ws != NULL);
  g_return_if_fail (!sandra_worker_is_current (ws->worker));

  if (sandra_worker_invoke_sync (ws->worker, shutdown_cb, ws)) {
    g_mutex_lock (&ws->lock);
    while (ws->busy > 0 && !ws->disposed)
      g_cond_wait (&ws->cond, &ws->lock);
    g_mutex_unlock (&ws->lock);
    if (!sandra_worker_invoke_sync (ws->worker, dispose_cb, ws))
      sandra_worker_stop (ws->worker);
  } else {
    sandra_worker_stop (ws->worker);
  }
  sandra_worker_remove_client (ws->worker, ws->client_id);

  if (ws->notify)
    ws->notify (ws->user_data);
  clear_queue_locked (ws);
  g_free (ws->url);
  g_ptr_array_unref (ws->header_names);
  g_ptr_array_unref (ws->header_values);
  g_strfreev (ws->protocols);
  g_mutex_clear (&ws->lock);
  g_cond_clear (&ws->cond);
  sandra_worker_unref (ws->worker);
  g_free (ws);
}
