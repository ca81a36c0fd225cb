/* gst-sandra local API emulator: Realtime ephemeral client secrets
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A device should hold only a short-lived secret that its owner's backend
 * minted with the account key. GA: POST /v1/realtime/client_secrets
 * returns {"value":"ek_...","expires_at":...,"session":{...}}; beta:
 * POST /v1/realtime/sessions (and /v1/realtime/transcription_sessions)
 * return the session with client_secret.value. The secret then authenticates the WebSocket
 * upgrade, with the session it was minted with, until it expires.
 */
#include "realtime.h"

#include <string.h>

/* GA bounds of expires_after.seconds, and its default. */
#define GA_TTL_MIN_S 10
#define GA_TTL_MAX_S 7200
#define GA_TTL_DEFAULT_S 600
/* Beta secrets always live one minute. */
#define BETA_TTL_S 60

typedef struct
{
  JsonObject *session;
  gboolean beta;
  gint64 expires_us;            /* real time */
} Secret;

static void
secret_free (Secret * s)
{
  json_object_unref (s->session);
  g_free (s);
}

gboolean
emu_rt_secret_lookup (SandraEmulator * emu, const gchar * key,
    JsonObject ** session, gboolean * beta, gboolean * expired)
{
  Secret *s = emu->rt_secrets ? g_hash_table_lookup (emu->rt_secrets,
      key) : NULL;

  *expired = FALSE;
  if (s == NULL)
    return FALSE;
  if (g_get_real_time () >= s->expires_us) {
    *expired = TRUE;
    return FALSE;
  }
  *session = json_object_ref (s->session);
  *beta = s->beta;
  return TRUE;
}

static gchar *
new_secret_value (void)
{
  GString *v = g_string_new ("ek_");
  guint i;

  for (i = 0; i < 6; i++)
    g_string_append_printf (v, "%08x", g_random_int ());
  return g_string_free (v, FALSE);
}

/* The minted session: the default of its kind with the request's fields
 * on top. */
static JsonObject *
effective_session (JsonObject * requested, gboolean beta)
{
  static const gchar *const ga_nested[] = { "audio", "input", "output",
    NULL
  };
  const gchar *model = requested ?
      json_object_get_string_member_with_default (requested, "model",
      "gpt-realtime") : "gpt-realtime";
  JsonObject *s;

  if (requested && g_strcmp0 (json_object_get_string_member_with_default
          (requested, "type", NULL), "transcription") == 0)
    return emu_rt_object_copy (requested);
  s = emu_rt_conversation_default_session (beta, model);
  if (requested)
    emu_rt_merge (s, requested, beta ? NULL : ga_nested);
  return s;
}

/* {"anchor":"created_at","seconds":10..7200} at @path, or absent. */
static gboolean
parse_expires_after (JsonNode * n, const gchar * path, gint64 * ttl_s,
    EmuApiError * err)
{
  static const gchar *const m[] = { "anchor", "seconds", NULL };
  JsonObject *ea;
  JsonNode *sec;
  GList *names, *l;
  gboolean ok = TRUE;

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return emu_api_error_set (err, 400, path, "invalid_type",
        "Invalid type for '%s': expected an object.", path);
  ea = json_node_get_object (n);
  names = json_object_get_members (ea);
  for (l = names; l && ok; l = l->next)
    if (!g_strv_contains (m, l->data))
      ok = emu_api_error_set (err, 400, path, "unknown_parameter",
          "Unknown parameter: '%s.%s'.", path, (const gchar *) l->data);
  g_list_free (names);
  if (!ok)
    return FALSE;
  if (g_strcmp0 (json_object_get_string_member_with_default (ea, "anchor",
              "created_at"), "created_at") != 0)
    return emu_api_error_set (err, 400, path, "invalid_value",
        "Invalid value for '%s.anchor': expected 'created_at'.", path);
  sec = json_object_get_member (ea, "seconds");
  if (sec) {
    gchar *p = g_strdup_printf ("%s.seconds", path);

    if (!JSON_NODE_HOLDS_VALUE (sec) ||
        json_node_get_value_type (sec) != G_TYPE_INT64 ||
        json_node_get_int (sec) < GA_TTL_MIN_S ||
        json_node_get_int (sec) > GA_TTL_MAX_S) {
      emu_api_error_set (err, 400, p, "integer_out_of_range",
          "Invalid '%s': expected an integer between %d and %d.", p,
          GA_TTL_MIN_S, GA_TTL_MAX_S);
      g_free (p);
      return FALSE;
    }
    g_free (p);
    *ttl_s = json_node_get_int (sec);
  }
  return TRUE;
}

/* The beta body is the flat session, plus an optional
 * client_secret.expires_after. */
static gboolean
validate_beta_request (JsonObject * body, gboolean transcription,
    JsonObject ** session, gint64 * ttl_s, EmuApiError * err)
{
  static const gchar *const cs_m[] = { "expires_after", NULL };
  JsonNode *cs = json_object_get_member (body, "client_secret");

  *ttl_s = BETA_TTL_S;
  if (cs) {
    GList *names, *l;
    gboolean ok = TRUE;

    if (!JSON_NODE_HOLDS_OBJECT (cs))
      return emu_api_error_set (err, 400, "client_secret", "invalid_type",
          "Invalid type for 'client_secret': expected an object.");
    names = json_object_get_members (json_node_get_object (cs));
    for (l = names; l && ok; l = l->next)
      if (!g_strv_contains (cs_m, l->data))
        ok = emu_api_error_set (err, 400, "client_secret",
            "unknown_parameter", "Unknown parameter: 'client_secret.%s'.",
            (const gchar *) l->data);
    g_list_free (names);
    if (!ok || !parse_expires_after (json_object_get_member
            (json_node_get_object (cs), "expires_after"),
            "client_secret.expires_after", ttl_s, err))
      return FALSE;
  }
  *session = emu_rt_object_copy (body);
  json_object_remove_member (*session, "client_secret");
  if (transcription ? emu_validate_transcription_session (*session, TRUE,
          err) : emu_validate_realtime_session (*session, TRUE, err))
    return TRUE;
  g_clear_pointer (session, json_object_unref);
  return FALSE;
}

static gboolean
validate_ga_request (JsonObject * body, JsonObject ** session,
    gint64 * ttl_s, EmuApiError * err)
{
  static const gchar *const m[] = { "expires_after", "session", NULL };
  JsonNode *n;
  GList *names, *l;
  gboolean ok = TRUE;

  names = json_object_get_members (body);
  for (l = names; l && ok; l = l->next)
    if (!g_strv_contains (m, l->data))
      ok = emu_api_error_set (err, 400, l->data, "unknown_parameter",
          "Unknown parameter: '%s'.", (const gchar *) l->data);
  g_list_free (names);
  if (!ok)
    return FALSE;

  *ttl_s = GA_TTL_DEFAULT_S;
  if (!parse_expires_after (json_object_get_member (body, "expires_after"),
          "expires_after", ttl_s, err))
    return FALSE;

  *session = NULL;
  if ((n = json_object_get_member (body, "session"))) {
    JsonObject *s;

    if (!JSON_NODE_HOLDS_OBJECT (n))
      return emu_api_error_set (err, 400, "session", "invalid_type",
          "Invalid type for 'session': expected an object.");
    s = json_node_get_object (n);
    if (g_strcmp0 (json_object_get_string_member_with_default (s, "type",
                NULL), "transcription") == 0) {
      if (!emu_validate_transcription_session (s, FALSE, err))
        return FALSE;
    } else if (!emu_validate_realtime_session (s, FALSE, err)) {
      return FALSE;
    }
    *session = json_object_ref (s);
  }
  return TRUE;
}

static void
secrets_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  SandraEmulator *emu = user_data;
  gboolean transcription = g_str_equal (path,
      "/v1/realtime/transcription_sessions");
  gboolean beta = transcription || g_str_equal (path,
      "/v1/realtime/sessions");
  guint record = emu_record_request (emu, msg);
  GBytes *bytes;
  EmuApiError err = { 0, };
  JsonNode *root = NULL, *out_node;
  JsonObject *requested = NULL, *session, *out;
  gint64 ttl_s, ttl_ms, expires_at;
  guint override_ms;
  gchar *value, *text;
  Secret *secret;

  emu_log (emu, "%s %s", soup_server_message_get_method (msg), path);
  if (!g_str_equal (soup_server_message_get_method (msg), "POST")) {
    emu_reply_error (emu, msg, record, SOUP_STATUS_METHOD_NOT_ALLOWED,
        "invalid_request_error", NULL, NULL, "Not allowed to %s on %s.",
        soup_server_message_get_method (msg), path);
    return;
  }
  if (!emu_check_auth (emu, msg, record) ||
      !emu_check_rate_limit (emu, msg, record))
    return;

  bytes = soup_message_body_flatten (soup_server_message_get_request_body
      (msg));
  if (g_bytes_get_size (bytes) > 0) {
    gchar *json = g_strndup (g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes));

    root = json_from_string (json, NULL);
    g_free (json);
  }
  g_bytes_unref (bytes);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    emu_reply_error (emu, msg, record, SOUP_STATUS_BAD_REQUEST,
        "invalid_request_error", NULL, "invalid_json", "We could not parse "
        "the JSON body of your request. The OpenAI API expects a JSON "
        "payload.");
    goto out;
  }
  emu_record_set_member (emu, record, "json", json_node_copy (root));

  if (beta) {
    if (!validate_beta_request (json_node_get_object (root), transcription,
            &requested, &ttl_s, &err))
      goto invalid;
  } else if (!validate_ga_request (json_node_get_object (root), &requested,
          &ttl_s, &err)) {
    goto invalid;
  }

  g_mutex_lock (&emu->lock);
  override_ms = emu_scenario_get_secret_ttl_ms (emu->scenario);
  g_mutex_unlock (&emu->lock);
  ttl_ms = override_ms ? override_ms : ttl_s * 1000;

  session = transcription ? json_object_ref (requested) :
      effective_session (requested, beta);
  secret = g_new0 (Secret, 1);
  secret->session = json_object_ref (session);
  secret->beta = beta;
  secret->expires_us = g_get_real_time () + ttl_ms * 1000;
  expires_at = (secret->expires_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
  value = new_secret_value ();
  if (emu->rt_secrets == NULL)
    emu->rt_secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        (GDestroyNotify) secret_free);
  g_hash_table_insert (emu->rt_secrets, g_strdup (value), secret);

  if (beta) {
    JsonObject *cs = json_object_new ();
    gchar *id = emu_rt_new_id ("sess");

    out = emu_rt_object_copy (session);
    json_object_set_string_member (out, "id", id);
    json_object_set_string_member (out, "object", transcription ?
        "realtime.transcription_session" : "realtime.session");
    json_object_set_string_member (cs, "value", value);
    json_object_set_int_member (cs, "expires_at", expires_at);
    json_object_set_object_member (out, "client_secret", cs);
    g_free (id);
  } else {
    out = json_object_new ();
    json_object_set_string_member (out, "value", value);
    json_object_set_int_member (out, "expires_at", expires_at);
    json_object_set_object_member (out, "session",
        emu_rt_object_copy (session));
  }
  out_node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (out_node, out);
  text = json_to_string (out_node, FALSE);
  emu_reply_json (msg, SOUP_STATUS_OK, text);
  emu_record_set_status (emu, record, SOUP_STATUS_OK);
  /* The secret is a credential: the record keeps that one was minted, not
   * its value. */
  emu_record_set_member (emu, record, "minted_expires_at",
      json_node_init_int (json_node_alloc (), expires_at));
  g_free (text);
  g_free (value);
  json_node_unref (out_node);
  json_object_unref (session);
  goto out;

invalid:
  emu_reply_error (emu, msg, record, SOUP_STATUS_BAD_REQUEST,
      "invalid_request_error", err.param, err.code, "%s", err.message);
out:
  emu_api_error_clear (&err);
  if (requested)
    json_object_unref (requested);
  if (root)
    json_node_unref (root);
}

void
emu_rt_secrets_register (SandraEmulator * emu)
{
  soup_server_add_handler (emu->server, "/v1/realtime/client_secrets",
      secrets_handler, emu, NULL);
  soup_server_add_handler (emu->server, "/v1/realtime/sessions",
      secrets_handler, emu, NULL);
  soup_server_add_handler (emu->server, "/v1/realtime/transcription_sessions",
      secrets_handler, emu, NULL);
}

void
emu_rt_secrets_free (SandraEmulator * emu)
{
  g_clear_pointer (&emu->rt_secrets, g_hash_table_unref);
}
