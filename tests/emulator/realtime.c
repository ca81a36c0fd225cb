/* gst-sandra local API emulator: Realtime WebSocket connections
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GET /v1/realtime is first an ordinary HTTP request: a regular handler on
 * the same path checks the key, the query and the scenario's connection
 * script, and by setting a status refuses the upgrade before libsoup's
 * WebSocket handshake runs. Accepted connections get an EmuRtConn.
 */
#include "realtime.h"

#include <string.h>

#define MAX_EVENT_ID_LEN 512

typedef struct
{
  EmuRtConn *conn;
  GSource *source;
  EmuRtTimerFunc func;
  gpointer data;
  GDestroyNotify notify;
} EmuRtTimer;

/* What the upgrade handler hands to the WebSocket callback. */
typedef struct
{
  guint record;
  gboolean beta;
  JsonObject *script;           /* connection script, or NULL */
} Upgrade;

static void
upgrade_free (Upgrade * up)
{
  if (up->script)
    json_object_unref (up->script);
  g_free (up);
}

gchar *
emu_rt_new_id (const gchar * prefix)
{
  return g_strdup_printf ("%s_%08x%08x", prefix, g_random_int (),
      g_random_int ());
}

void
emu_rt_send (EmuRtConn * conn, JsonObject * event)
{
  JsonNode *node;
  gchar *text;

  if (!json_object_has_member (event, "event_id")) {
    gchar *id = emu_rt_new_id ("event");

    json_object_set_string_member (event, "event_id", id);
    g_free (id);
  }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, event);
  emu_record_ws_event (conn->emu, conn->record, TRUE, node);
  if (!conn->closing && soup_websocket_connection_get_state (conn->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN) {
    text = json_to_string (node, FALSE);
    soup_websocket_connection_send_text (conn->ws, text);
    emu_log (conn->emu, "  ws <- %s",
        json_object_get_string_member (event, "type"));
    g_free (text);
  }
  json_node_unref (node);
}

void
emu_rt_send_error (EmuRtConn * conn, const gchar * event_id,
    const EmuApiError * err)
{
  JsonObject *ev = json_object_new (), *e = json_object_new ();

  json_object_set_string_member (e, "type", err->type ? err->type :
      "invalid_request_error");
  if (err->code)
    json_object_set_string_member (e, "code", err->code);
  else
    json_object_set_null_member (e, "code");
  json_object_set_string_member (e, "message", err->message);
  if (err->param)
    json_object_set_string_member (e, "param", err->param);
  else
    json_object_set_null_member (e, "param");
  if (event_id)
    json_object_set_string_member (e, "event_id", event_id);
  else
    json_object_set_null_member (e, "event_id");
  json_object_set_string_member (ev, "type", "error");
  json_object_set_object_member (ev, "error", e);
  emu_log (conn->emu, "  ws error: %s", err->message);
  emu_rt_send (conn, ev);
}

static gboolean
timer_fire (gpointer data)
{
  EmuRtTimer *t = data;
  EmuRtConn *conn = t->conn;

  conn->timers = g_list_remove (conn->timers, t);
  t->func (conn, t->data);      /* takes ownership of data */
  g_source_unref (t->source);
  g_free (t);
  return G_SOURCE_REMOVE;
}

void
emu_rt_schedule (EmuRtConn * conn, guint delay_ms, EmuRtTimerFunc func,
    gpointer data, GDestroyNotify notify)
{
  EmuRtTimer *t = g_new0 (EmuRtTimer, 1);

  t->conn = conn;
  t->func = func;
  t->data = data;
  t->notify = notify;
  conn->timers = g_list_append (conn->timers, t);
  t->source = emu_timeout_add (conn->emu, delay_ms, timer_fire, t, NULL);
}

static void
cancel_timers (EmuRtConn * conn)
{
  while (conn->timers) {
    EmuRtTimer *t = conn->timers->data;

    conn->timers = g_list_delete_link (conn->timers, conn->timers);
    g_source_destroy (t->source);
    g_source_unref (t->source);
    if (t->notify)
      t->notify (t->data);
    g_free (t);
  }
}

void
emu_rt_close (EmuRtConn * conn, gushort code, const gchar * reason)
{
  if (conn->closing)
    return;
  conn->closing = TRUE;
  cancel_timers (conn);
  emu_log (conn->emu, "  ws closing: %u %s", code, reason ? reason : "");
  emu_record_set_member (conn->emu, conn->record, "close_code",
      json_node_init_int (json_node_alloc (), code));
  soup_websocket_connection_close (conn->ws, code, reason);
}

static void
conn_free (EmuRtConn * conn)
{
  cancel_timers (conn);
  emu_rt_transcription_free (conn->transcription);
  g_signal_handlers_disconnect_by_data (conn->ws, conn);
  g_object_unref (conn->ws);
  g_free (conn);
}

static void
on_closed (SoupWebsocketConnection * ws, gpointer data)
{
  EmuRtConn *conn = data;
  SandraEmulator *emu = conn->emu;

  emu_log (emu, "  ws closed (%u)",
      soup_websocket_connection_get_close_code (ws));
  emu_record_set_member (emu, conn->record, "closed",
      json_node_init_boolean (json_node_alloc (), TRUE));
  emu->rt_conns = g_list_remove (emu->rt_conns, conn);
  conn_free (conn);
}

static void
on_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    gpointer data)
{
  EmuRtConn *conn = data;
  EmuApiError err = { 0, };
  JsonNode *node = NULL;
  JsonObject *event = NULL;
  const gchar *ev_type = NULL, *event_id = NULL;
  gchar *text;

  if (conn->closing)
    return;
  text = g_strndup (g_bytes_get_data (message, NULL),
      g_bytes_get_size (message));
  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    node = json_from_string (text, NULL);

  if (node && JSON_NODE_HOLDS_OBJECT (node)) {
    emu_record_ws_event (conn->emu, conn->record, FALSE, node);
    event = json_node_get_object (node);
  } else {
    /* Keep what could not be parsed, for the test to see. */
    JsonNode *raw = json_node_new (JSON_NODE_OBJECT);
    JsonObject *o = json_object_new ();

    json_object_set_string_member (o, "_unparsed",
        type == SOUP_WEBSOCKET_DATA_TEXT ? text : "(binary frame)");
    json_node_take_object (raw, o);
    emu_record_ws_event (conn->emu, conn->record, FALSE, raw);
    json_node_unref (raw);
  }

  if (type != SOUP_WEBSOCKET_DATA_TEXT) {
    emu_api_error_set (&err, 400, NULL, "invalid_value",
        "Binary frames are not supported: send JSON events as text.");
  } else if (event == NULL) {
    emu_api_error_set (&err, 400, NULL, "invalid_json",
        "The server could not parse the event: it is not a JSON object.");
  } else {
    JsonNode *id = json_object_get_member (event, "event_id");
    JsonNode *t = json_object_get_member (event, "type");

    if (id && JSON_NODE_HOLDS_VALUE (id) &&
        json_node_get_value_type (id) == G_TYPE_STRING)
      event_id = json_node_get_string (id);
    if (t && JSON_NODE_HOLDS_VALUE (t) &&
        json_node_get_value_type (t) == G_TYPE_STRING)
      ev_type = json_node_get_string (t);
    emu_log (conn->emu, "  ws -> %s", ev_type ? ev_type : "(no type)");

    if (id && event_id == NULL) {
      emu_api_error_set (&err, 400, "event_id", "invalid_type",
          "Invalid type for 'event_id': expected a string.");
    } else if (event_id && strlen (event_id) > MAX_EVENT_ID_LEN) {
      emu_api_error_set (&err, 400, "event_id", "string_above_max_length",
          "Invalid 'event_id': string too long. Expected a string with "
          "maximum length %d, but got a string with length %zu instead.",
          MAX_EVENT_ID_LEN, strlen (event_id));
      event_id = NULL;
    } else if (ev_type == NULL) {
      emu_api_error_set (&err, 400, "type", "missing_required_parameter",
          "Missing required parameter: 'type'.");
    } else {
      emu_rt_transcription_handle (conn->transcription, ev_type, event,
          &err);
    }
  }
  if (err.message)
    emu_rt_send_error (conn, event_id, &err);
  emu_api_error_clear (&err);
  if (node)
    json_node_unref (node);
  g_free (text);
}

static void
scripted_close (EmuRtConn * conn, gpointer data)
{
  JsonObject *script = data;

  emu_rt_close (conn, json_object_get_int_member_with_default (script,
          "close_code", 1011),
      json_object_get_string_member_with_default (script, "close_reason",
          "scripted close"));
  json_object_unref (script);
}

static void
websocket_cb (SoupServer * server, SoupServerMessage * msg, const char *path,
    SoupWebsocketConnection * ws, gpointer user_data)
{
  SandraEmulator *emu = user_data;
  Upgrade *up = g_object_get_data (G_OBJECT (msg), "sandra-upgrade");
  EmuRtConn *conn;

  if (up == NULL) {
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR,
        NULL);
    return;
  }
  conn = g_new0 (EmuRtConn, 1);
  conn->emu = emu;
  conn->ws = g_object_ref (ws);
  conn->record = up->record;
  conn->beta = up->beta;
  /* A silent client is still connected: the service does not ping-close
   * idle sockets within a test's lifetime. */
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  emu->rt_conns = g_list_prepend (emu->rt_conns, conn);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), conn);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), conn);
  emu_record_set_status (emu, conn->record, 101);

  conn->transcription = emu_rt_transcription_new (conn);
  emu_rt_transcription_start (conn->transcription);

  if (up->script && json_object_has_member (up->script, "close_after_ms"))
    emu_rt_schedule (conn, json_object_get_int_member (up->script,
            "close_after_ms"), scripted_close,
        json_object_ref (up->script), (GDestroyNotify) json_object_unref);
}

static void
upgrade_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  SandraEmulator *emu = user_data;
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const gchar *intent = query ? g_hash_table_lookup (query, "intent") : NULL;
  const gchar *beta = soup_message_headers_get_one (h, "OpenAI-Beta");
  guint record = emu_record_request (emu, msg);
  JsonObject *script;
  Upgrade *up;

  emu_log (emu, "%s %s (WebSocket upgrade%s)",
      soup_server_message_get_method (msg), path, beta ? ", beta" : "");
  emu_record_set_member (emu, record, "websocket",
      json_node_init_boolean (json_node_alloc (), TRUE));
  if (!emu_check_auth (emu, msg, record))
    return;

  if (g_strcmp0 (intent, "transcription") != 0) {
    emu_reply_error (emu, msg, record, SOUP_STATUS_BAD_REQUEST,
        "invalid_request_error", "intent", NULL,
        "This emulator serves Realtime transcription sessions "
        "(?intent=transcription); conversation sessions are not emulated "
        "yet.");
    return;
  }

  g_mutex_lock (&emu->lock);
  script = emu_scenario_next_realtime_connection (emu->scenario);
  g_mutex_unlock (&emu->lock);
  if (script && json_object_has_member (script, "reject_status")) {
    guint status = json_object_get_int_member (script, "reject_status");
    JsonNode *body = json_object_get_member (script, "reject_body");

    if (body) {
      gchar *text = json_to_string (body, FALSE);

      emu_reply_json (msg, status, text);
      emu_record_set_status (emu, record, status);
      g_free (text);
    } else {
      emu_reply_error (emu, msg, record, status, "invalid_request_error",
          NULL, NULL, "Connection rejected by the scenario (%u).", status);
    }
    json_object_unref (script);
    return;
  }

  up = g_new0 (Upgrade, 1);
  up->record = record;
  up->beta = beta && strstr (beta, "realtime=v1") != NULL;
  up->script = script;
  g_object_set_data_full (G_OBJECT (msg), "sandra-upgrade", up,
      (GDestroyNotify) upgrade_free);
  /* Leaving the status unset lets libsoup complete the handshake (or
   * answer 400 itself to a request that is not an upgrade). */
}

void
emu_realtime_register (SandraEmulator * emu)
{
  soup_server_add_handler (emu->server, "/v1/realtime", upgrade_handler, emu,
      NULL);
  soup_server_add_websocket_handler (emu->server, "/v1/realtime", NULL, NULL,
      websocket_cb, emu, NULL);
}

void
emu_realtime_close_all (SandraEmulator * emu)
{
  GList *l, *conns = g_list_copy (emu->rt_conns);

  for (l = conns; l; l = l->next)
    emu_rt_close (l->data, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
        "emulator shutting down");
  g_list_free (conns);
}

void
emu_realtime_free_all (SandraEmulator * emu)
{
  while (emu->rt_conns) {
    EmuRtConn *conn = emu->rt_conns->data;

    emu->rt_conns = g_list_delete_link (emu->rt_conns, emu->rt_conns);
    conn_free (conn);
  }
}
