/* gst-sandra local API emulator: Realtime WebSocket connections
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GET /v1/realtime is first an ordinary HTTP request: a regular handler on
 * the same path checks the key, the query and the scenario's connection
 * script, and by setting a status refuses the upgrade before libsoup's
 * WebSocket handshake runs. Accepted connections get an EmuRtConn, which
 * runs a transcription session (?intent=transcription) or a conversation
 * (?model=...).
 */
#include "realtime.h"
#include "realtime-audio.h"

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
  gchar *model;                 /* NULL: a transcription session */
  JsonObject *session;          /* from an ephemeral secret, or NULL */
  gboolean bad_key_close;       /* accept, then close 3000 */
  guint max_session_ms;
} Upgrade;

static void
upgrade_free (Upgrade * up)
{
  if (up->script)
    json_object_unref (up->script);
  if (up->session)
    json_object_unref (up->session);
  g_free (up->model);
  g_free (up);
}

gchar *
emu_rt_new_id (const gchar * prefix)
{
  return g_strdup_printf ("%s_%08x%08x", prefix, g_random_int (),
      g_random_int ());
}

void
emu_rt_merge (JsonObject * into, JsonObject * from, const gchar * const *nested)
{
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *value;

  json_object_iter_init (&iter, from);
  while (json_object_iter_next (&iter, &name, &value)) {
    if (nested && g_strv_contains (nested, name) &&
        JSON_NODE_HOLDS_OBJECT (value) &&
        json_object_has_member (into, name) &&
        JSON_NODE_HOLDS_OBJECT (json_object_get_member (into, name))) {
      emu_rt_merge (json_object_get_object_member (into, name),
          json_node_get_object (value), nested);
    } else {
      json_object_set_member (into, name, json_node_copy (value));
    }
  }
}

JsonObject *
emu_rt_object_copy (JsonObject * obj)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonNode *copy;
  JsonObject *out;
  gchar *text;

  /* json_node_copy() shares the members: serialise to get a copy that
   * later changes of @obj cannot reach. */
  json_node_set_object (node, obj);
  text = json_to_string (node, FALSE);
  copy = json_from_string (text, NULL);
  out = json_object_ref (json_node_get_object (copy));
  json_node_unref (copy);
  json_node_unref (node);
  g_free (text);
  return out;
}

JsonObject *
emu_rt_object_or_null (JsonObject * obj, const gchar * name)
{
  JsonNode *n = obj ? json_object_get_member (obj, name) : NULL;

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

gboolean
emu_rt_required_object (JsonObject * event, const gchar * name,
    JsonObject ** out, EmuApiError * err)
{
  JsonNode *n = json_object_get_member (event, name);

  *out = NULL;
  if (n == NULL)
    return emu_api_error_set (err, 400, name, "missing_required_parameter",
        "Missing required parameter: '%s'.", name);
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return emu_api_error_set (err, 400, name, "invalid_type",
        "Invalid type for '%s': expected an object.", name);
  *out = json_node_get_object (n);
  return TRUE;
}

JsonObject *
emu_rt_default_turn_detection (void)
{
  JsonObject *td = json_object_new ();

  json_object_set_string_member (td, "type", "server_vad");
  json_object_set_double_member (td, "threshold", 0.5);
  json_object_set_int_member (td, "prefix_padding_ms", 300);
  json_object_set_int_member (td, "silence_duration_ms", 500);
  return td;
}

gboolean
emu_rt_only_members (JsonObject * event, const gchar * const *allowed,
    EmuApiError * err)
{
  GList *names = json_object_get_members (event), *l;
  gboolean ok = TRUE;

  for (l = names; l && ok; l = l->next) {
    const gchar *name = l->data;

    if (!g_str_equal (name, "type") && !g_str_equal (name, "event_id") &&
        !(allowed && g_strv_contains (allowed, name)))
      ok = emu_api_error_set (err, 400, name, "unknown_parameter",
          "Unknown parameter: '%s'.", name);
  }
  g_list_free (names);
  return ok;
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
  JsonObject *ev = json_object_new ();
  JsonObject *e = emu_error_object (err->type ? err->type :
      "invalid_request_error", err->message, err->param, err->code);

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
  emu_rt_conversation_free (conn->conversation);
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
    } else if (conn->conversation) {
      emu_rt_conversation_handle (conn->conversation, ev_type, event, &err);
    } else {
      emu_rt_transcription_handle (conn->transcription, ev_type, event, &err);
    }
  }
  if (ev_type && g_str_equal (ev_type, "input_audio_buffer.append")) {
    EmuRtTranscription *input = conn->conversation ?
        emu_rt_conversation_get_input (conn->conversation) :
        conn->transcription;

    emu_record_set_member (conn->emu, conn->record, "audio_bytes_received",
        json_node_init_int (json_node_alloc (),
            emu_rt_transcription_get_audio_bytes (input)));
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

/* The service ends sessions after their maximum duration with an error
 * event, then closes. */
static void
session_expired (EmuRtConn * conn, gpointer data)
{
  guint ms = GPOINTER_TO_UINT (data);
  EmuApiError err = { 0, };

  if (ms % 60000 == 0)
    emu_api_error_set (&err, 400, NULL, "session_expired",
        "Your session hit the maximum duration of %u minutes.", ms / 60000);
  else
    emu_api_error_set (&err, 400, NULL, "session_expired",
        "Your session hit the maximum duration of %u ms.", ms);
  emu_rt_send_error (conn, NULL, &err);
  emu_api_error_clear (&err);
  emu_rt_close (conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "session_expired");
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

  if (up->bad_key_close) {
    /* Field-observed: some paths accept the upgrade with a bad key and
     * close at once, before session.created. */
    emu_rt_close (conn, 3000, "invalid_request_error.invalid_api_key");
    return;
  }
  if (up->model) {
    conn->conversation = emu_rt_conversation_new (conn, up->model, up->session);
    emu_rt_conversation_start (conn->conversation);
  } else {
    conn->transcription = emu_rt_transcription_new (conn);
    emu_rt_transcription_start (conn->transcription);
  }
  emu_rt_schedule (conn, up->max_session_ms, session_expired,
      GUINT_TO_POINTER (up->max_session_ms), NULL);

  if (up->script && json_object_has_member (up->script, "close_after_ms"))
    emu_rt_schedule (conn, json_object_get_int_member (up->script,
            "close_after_ms"), scripted_close,
        json_object_ref (up->script), (GDestroyNotify) json_object_unref);
}

typedef struct
{
  SandraEmulator *emu;
  guint record;
} StatusHook;

/* Records the status libsoup itself answers with, such as the 400 to a
 * GET that is not an upgrade. */
static void
record_written_status (SoupServerMessage * msg, StatusHook * hook)
{
  emu_record_set_status (hook->emu, hook->record,
      soup_server_message_get_status (msg));
}

static void
status_hook_free (gpointer data, GClosure * closure)
{
  g_free (data);
}

static const gchar *
bearer_key (SoupServerMessage * msg)
{
  const gchar *h = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Authorization");
  const gchar *key;

  if (h == NULL || g_ascii_strncasecmp (h, "Bearer ", 7) != 0)
    return NULL;
  for (key = h + 7; *key == ' '; key++);
  return *key ? key : NULL;
}

static void
record_auth (SandraEmulator * emu, guint record, gboolean valid,
    const gchar * kind)
{
  JsonObject *auth = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_boolean_member (auth, "present", TRUE);
  json_object_set_boolean_member (auth, "valid", valid);
  json_object_set_int_member (auth, "key_index", -1);
  json_object_set_null_member (auth, "key_id");
  json_object_set_string_member (auth, "kind", kind);
  json_node_take_object (node, auth);
  emu_record_set_member (emu, record, "auth", node);
}

/* The account key, an ephemeral secret minted here, or (when the scenario
 * asks for the field-observed behaviour) a bad key accepted and closed
 * with 3000. Answers 401 itself otherwise. */
static gboolean
check_upgrade_auth (SandraEmulator * emu, SoupServerMessage * msg,
    guint record, Upgrade * up)
{
  const gchar *key = bearer_key (msg);
  gboolean valid, close_3000, expired = FALSE, secret_beta;
  const gchar *key_id;
  gint key_index;

  if (key && g_str_has_prefix (key, "ek_")) {
    JsonObject *session = NULL;

    if (emu_rt_secret_lookup (emu, key, &session, &secret_beta, &expired)) {
      record_auth (emu, record, TRUE, "ephemeral");
      /* A secret minted in the other shape still authenticates; its
       * session applies only in its own shape. */
      if (secret_beta == up->beta)
        up->session = session;
      else
        json_object_unref (session);
      return TRUE;
    }
    record_auth (emu, record, FALSE, "ephemeral");
    emu_reply_error (emu, msg, record, SOUP_STATUS_UNAUTHORIZED,
        "invalid_request_error", NULL, "invalid_api_key", expired ?
        "The ephemeral client secret has expired." :
        "Incorrect API key provided.");
    return FALSE;
  }

  g_mutex_lock (&emu->lock);
  valid = emu_scenario_match_key (emu->scenario, key, &key_index, &key_id);
  close_3000 = emu_scenario_bad_key_closes (emu->scenario);
  g_mutex_unlock (&emu->lock);
  if (key && !valid && close_3000) {
    record_auth (emu, record, FALSE, "key");
    up->bad_key_close = TRUE;
    return TRUE;
  }
  return emu_check_auth (emu, msg, record);
}

/* A conversation needs a known model (from the URL, or from the secret's
 * session); a transcription session takes none. */
static gboolean
check_model (SandraEmulator * emu, SoupServerMessage * msg, guint record,
    GHashTable * query, const gchar * intent, Upgrade * up)
{
  const gchar *model = query ? g_hash_table_lookup (query, "model") : NULL;
  gboolean extra;

  if (g_strcmp0 (intent, "transcription") == 0)
    return TRUE;
  if (intent) {
    emu_reply_error (emu, msg, record, SOUP_STATUS_BAD_REQUEST,
        "invalid_request_error", "intent", "invalid_value",
        "Invalid value: '%s'. Supported values are: 'transcription'.", intent);
    return FALSE;
  }
  if (model == NULL && up->session)
    model = json_object_get_string_member_with_default (up->session,
        "model", NULL);
  if (model == NULL) {
    emu_reply_error (emu, msg, record, SOUP_STATUS_BAD_REQUEST,
        "invalid_request_error", "model", "missing_required_parameter",
        "Missing required parameter: 'model'.");
    return FALSE;
  }
  g_mutex_lock (&emu->lock);
  extra = emu_scenario_extra_model (emu->scenario, model);
  g_mutex_unlock (&emu->lock);
  if (!extra && !emu_is_realtime_model (model)) {
    emu_reply_error (emu, msg, record, SOUP_STATUS_BAD_REQUEST,
        "invalid_request_error", "model", "model_not_found",
        "The model '%s' does not exist or you do not have access to it.",
        model);
    return FALSE;
  }
  up->model = g_strdup (model);
  return TRUE;
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
  StatusHook *hook;
  Upgrade *up;

  hook = g_new0 (StatusHook, 1);
  hook->emu = emu;
  hook->record = record;
  g_signal_connect_data (msg, "wrote-headers",
      G_CALLBACK (record_written_status), hook, status_hook_free, 0);
  emu_log (emu, "%s %s (WebSocket upgrade%s)",
      soup_server_message_get_method (msg), path, beta ? ", beta" : "");
  emu_record_set_member (emu, record, "websocket",
      json_node_init_boolean (json_node_alloc (), TRUE));
  up = g_new0 (Upgrade, 1);
  up->record = record;
  up->beta = beta && strstr (beta, "realtime=v1") != NULL;
  if (!check_upgrade_auth (emu, msg, record, up) ||
      !check_model (emu, msg, record, query, intent, up)) {
    upgrade_free (up);
    return;
  }

  g_mutex_lock (&emu->lock);
  script = up->model ?
      emu_scenario_next_conversation_connection (emu->scenario) :
      emu_scenario_next_realtime_connection (emu->scenario);
  up->max_session_ms = emu_scenario_get_max_session_ms (emu->scenario,
      up->beta);
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
    upgrade_free (up);
    return;
  }
  if (script && json_object_has_member (script, "max_session_ms"))
    up->max_session_ms = json_object_get_int_member (script, "max_session_ms");
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
  emu_rt_secrets_register (emu);
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
  emu_rt_secrets_free (emu);
  emu_audio_cache_free (emu);
}
