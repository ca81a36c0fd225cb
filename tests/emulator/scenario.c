/* gst-sandra local API emulator: scenarios
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The scenario is checked strictly when it is loaded (unknown members, wrong
 * types) so that a typo in a test's script fails loudly instead of silently
 * falling back to defaults.
 */
#include "scenario.h"
#include "sandra-emulator.h"

#include <string.h>

/* The service's documented limit. */
#define DEFAULT_MAX_BODY_BYTES (25 * 1024 * 1024)
#define DEFAULT_VAD_THRESHOLD_DBFS -45.0
#define DEFAULT_TEXT "This is a transcript from the sandra emulator."
/* The reply of the default scenario: a committed espeak-ng recording of
 * its own transcript (tests/data/README.md). */
#define DEFAULT_REPLY_TRANSCRIPT "Hello, this is the sandra emulator."
/* The service's maximum session durations. */
#define GA_MAX_SESSION_MS (60 * 60 * 1000)
#define BETA_MAX_SESSION_MS (30 * 60 * 1000)

struct _EmuScenario
{
  JsonNode *root;

  JsonArray *keys;              /* NULL: any non-empty key */
  gint64 max_body_bytes;

  guint rate_requests;          /* 0: no limit */
  guint rate_window_ms;
  guint rate_retry_after_ms;
  gint64 rate_window_start_us;
  guint rate_used;

  JsonArray *replies;
  guint next_reply;
  JsonObject *default_reply;

  JsonArray *turns;
  guint next_turn;
  JsonObject *default_turn;
  JsonArray *connections;
  guint next_connection;
  gdouble vad_threshold_dbfs;

  JsonArray *extra_models;
  gchar *data_dir;
  gchar *base_dir;              /* of the scenario file, or NULL */

  /* "realtime": conversation sessions */
  JsonArray *responses;
  guint next_response;
  JsonObject *default_response;
  JsonArray *conv_connections;
  guint next_conv_connection;
  guint max_session_ms;         /* 0: the service's */
  gboolean bad_key_close;
  guint secret_ttl_ms;          /* 0: as requested */

  JsonObject *elevenlabs;       /* checked by elevenlabs.c */
  guint next_el_request;
  guint next_el_connection;
};

static const gchar *const top_members[] = { "description", "api_keys",
  "max_body_bytes", "rate_limit", "transcription", "realtime_transcription",
  "extra_models", "realtime", "data_dir", "elevenlabs", NULL
};

static const gchar *const reply_members[] = { "text", "language",
  "duration", "segments", "words", "deltas", "delay_ms", "delta_delay_ms",
  "status", "error", "body", "content_type", "headers", "retry_after",
  "retry_after_ms", "malformed", "disconnect", NULL
};

static const gchar *const turn_members[] = { "transcript", "deltas",
  "delay_ms", "delta_delay_ms", "error", "error_event", "disconnect", NULL
};

static const gchar *const connection_members[] = { "reject_status",
  "reject_body", "close_after_ms", "close_code", "close_reason",
  "max_session_ms", NULL
};

static const gchar *const response_members[] = { "transcript", "text",
  "audio", "deltas", "delay_ms", "delta_delay_ms", "chunk_ms", "pace",
  "function_calls", "error_event", "failure", "incomplete", "disconnect",
  "rate_limits", "late_chunks", "stall_after_chunks", "endless", NULL
};

static const gchar *const function_call_members[] = { "name", "arguments",
  "call_id", NULL
};

static const gchar *const rate_limit_members[] = { "name", "limit",
  "remaining", "reset_seconds", NULL
};

static gboolean
fail (GError ** error, const gchar * where, const gchar * what)
{
  g_set_error (error, SANDRA_EMULATOR_ERROR, SANDRA_EMULATOR_ERROR_SCENARIO,
      "scenario: %s: %s", where, what);
  return FALSE;
}

static gboolean
check_members (JsonObject * obj, const gchar * const *allowed,
    const gchar * where, GError ** error)
{
  GList *names = json_object_get_members (obj), *l;
  gboolean ok = TRUE;

  for (l = names; l && ok; l = l->next) {
    if (!g_strv_contains (allowed, l->data)) {
      gchar *what = g_strdup_printf ("unknown member \"%s\"",
          (const gchar *) l->data);

      ok = fail (error, where, what);
      g_free (what);
    }
  }
  g_list_free (names);
  return ok;
}

static gboolean
is_type (JsonObject * obj, const gchar * name, GType vtype, JsonNodeType ntype)
{
  JsonNode *n = json_object_get_member (obj, name);

  if (n == NULL)
    return TRUE;
  if (JSON_NODE_TYPE (n) != ntype)
    return FALSE;
  if (ntype == JSON_NODE_VALUE && vtype != G_TYPE_INVALID) {
    GType t = json_node_get_value_type (n);

    if (vtype == G_TYPE_DOUBLE)
      return t == G_TYPE_DOUBLE || t == G_TYPE_INT64;
    return t == vtype;
  }
  return TRUE;
}

static gboolean
check_types (JsonObject * obj, const gchar * where, GError ** error,
    const gchar * first, ...)
{
  va_list ap;
  const gchar *name = first;
  gboolean ok = TRUE;

  /* name, GType (G_TYPE_INVALID for any value), JsonNodeType, ... NULL */
  va_start (ap, first);
  while (name && ok) {
    GType vt = va_arg (ap, GType);
    JsonNodeType nt = va_arg (ap, JsonNodeType);

    if (!is_type (obj, name, vt, nt)) {
      gchar *what = g_strdup_printf ("\"%s\" has the wrong type", name);

      ok = fail (error, where, what);
      g_free (what);
    }
    name = va_arg (ap, const gchar *);
  }
  va_end (ap);
  return ok;
}

/* NULL when absent (json-glib warns on absent members). */
static JsonObject *
get_object (JsonObject * obj, const gchar * name)
{
  JsonNode *n = json_object_get_member (obj, name);

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static gboolean
check_reply (JsonObject * r, const gchar * where, GError ** error)
{
  if (!check_members (r, reply_members, where, error))
    return FALSE;
  if (!check_types (r, where, error,
          "text", G_TYPE_STRING, JSON_NODE_VALUE,
          "language", G_TYPE_STRING, JSON_NODE_VALUE,
          "duration", G_TYPE_DOUBLE, JSON_NODE_VALUE,
          "segments", G_TYPE_INVALID, JSON_NODE_ARRAY,
          "words", G_TYPE_INVALID, JSON_NODE_ARRAY,
          "deltas", G_TYPE_INVALID, JSON_NODE_ARRAY,
          "delay_ms", G_TYPE_INT64, JSON_NODE_VALUE,
          "delta_delay_ms", G_TYPE_INT64, JSON_NODE_VALUE,
          "status", G_TYPE_INT64, JSON_NODE_VALUE,
          "error", G_TYPE_INVALID, JSON_NODE_OBJECT,
          "content_type", G_TYPE_STRING, JSON_NODE_VALUE,
          "headers", G_TYPE_INVALID, JSON_NODE_OBJECT,
          "retry_after", G_TYPE_INVALID, JSON_NODE_VALUE,
          "retry_after_ms", G_TYPE_INVALID, JSON_NODE_VALUE,
          "malformed", G_TYPE_BOOLEAN, JSON_NODE_VALUE,
          "disconnect", G_TYPE_BOOLEAN, JSON_NODE_VALUE, NULL))
    return FALSE;
  if (json_object_has_member (r, "status")) {
    gint64 s = json_object_get_int_member (r, "status");

    if (s < 200 || s > 599)
      return fail (error, where, "\"status\" must be an HTTP status");
  }
  return TRUE;
}

static gboolean
check_turn (JsonObject * t, const gchar * where, GError ** error)
{
  JsonNode *d;

  if (!check_members (t, turn_members, where, error))
    return FALSE;
  if (!check_types (t, where, error,
          "transcript", G_TYPE_STRING, JSON_NODE_VALUE,
          "deltas", G_TYPE_INVALID, JSON_NODE_ARRAY,
          "delay_ms", G_TYPE_INT64, JSON_NODE_VALUE,
          "delta_delay_ms", G_TYPE_INT64, JSON_NODE_VALUE,
          "error", G_TYPE_INVALID, JSON_NODE_OBJECT,
          "error_event", G_TYPE_INVALID, JSON_NODE_OBJECT, NULL))
    return FALSE;
  d = json_object_get_member (t, "disconnect");
  if (d && !JSON_NODE_HOLDS_OBJECT (d) &&
      !(JSON_NODE_HOLDS_VALUE (d) &&
          json_node_get_value_type (d) == G_TYPE_BOOLEAN))
    return fail (error, where, "\"disconnect\" must be true or an object");
  return TRUE;
}

static gboolean
check_list (JsonObject * parent, const gchar * name, const gchar * where,
    gboolean (*check) (JsonObject *, const gchar *, GError **),
    JsonArray ** out, GError ** error)
{
  JsonNode *n = json_object_get_member (parent, name);
  guint i;

  *out = NULL;
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return fail (error, where, "expected an array");
  *out = json_node_get_array (n);
  for (i = 0; i < json_array_get_length (*out); i++) {
    JsonNode *e = json_array_get_element (*out, i);
    gchar *w = g_strdup_printf ("%s.%s[%u]", where, name, i);
    gboolean ok;

    ok = JSON_NODE_HOLDS_OBJECT (e) ? check (json_node_get_object (e), w,
        error) : fail (error, w, "expected an object");
    g_free (w);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

static gboolean
check_connection (JsonObject * c, const gchar * where, GError ** error)
{
  if (!check_members (c, connection_members, where, error))
    return FALSE;
  return check_types (c, where, error,
      "reject_status", G_TYPE_INT64, JSON_NODE_VALUE,
      "close_after_ms", G_TYPE_INT64, JSON_NODE_VALUE,
      "close_code", G_TYPE_INT64, JSON_NODE_VALUE,
      "close_reason", G_TYPE_STRING, JSON_NODE_VALUE,
      "max_session_ms", G_TYPE_INT64, JSON_NODE_VALUE, NULL);
}

static gboolean
check_error_object (JsonObject * r, const gchar * name, const gchar * where,
    GError ** error)
{
  static const gchar *const m[] = { "type", "code", "message", "param",
    NULL
  };
  JsonObject *o = get_object (r, name);
  gchar *w;
  gboolean ok;

  if (o == NULL)
    return TRUE;
  w = g_strdup_printf ("%s.%s", where, name);
  ok = check_members (o, m, w, error) && check_types (o, w, error,
      "type", G_TYPE_STRING, JSON_NODE_VALUE,
      "code", G_TYPE_STRING, JSON_NODE_VALUE,
      "message", G_TYPE_STRING, JSON_NODE_VALUE,
      "param", G_TYPE_STRING, JSON_NODE_VALUE, NULL);
  g_free (w);
  return ok;
}

static gboolean
check_function_call (JsonObject * f, const gchar * where, GError ** error)
{
  JsonNode *a;

  if (!check_members (f, function_call_members, where, error) ||
      !check_types (f, where, error,
          "name", G_TYPE_STRING, JSON_NODE_VALUE,
          "call_id", G_TYPE_STRING, JSON_NODE_VALUE, NULL))
    return FALSE;
  if (!json_object_has_member (f, "name"))
    return fail (error, where, "a function call needs a \"name\"");
  a = json_object_get_member (f, "arguments");
  if (a && !JSON_NODE_HOLDS_OBJECT (a) && !(JSON_NODE_HOLDS_VALUE (a) &&
          json_node_get_value_type (a) == G_TYPE_STRING))
    return fail (error, where, "\"arguments\" is a JSON string or object");
  return TRUE;
}

static gboolean
check_rate_limit_entry (JsonObject * r, const gchar * where, GError ** error)
{
  return check_members (r, rate_limit_members, where, error) &&
      check_types (r, where, error,
      "name", G_TYPE_STRING, JSON_NODE_VALUE,
      "limit", G_TYPE_INT64, JSON_NODE_VALUE,
      "remaining", G_TYPE_INT64, JSON_NODE_VALUE,
      "reset_seconds", G_TYPE_DOUBLE, JSON_NODE_VALUE, NULL);
}

static gboolean
check_response (JsonObject * r, const gchar * where, GError ** error)
{
  static const gchar *const reasons[] = { "max_output_tokens",
    "content_filter", NULL
  };
  JsonArray *list;
  JsonNode *d;

  if (!check_members (r, response_members, where, error) ||
      !check_types (r, where, error,
          "transcript", G_TYPE_STRING, JSON_NODE_VALUE,
          "text", G_TYPE_STRING, JSON_NODE_VALUE,
          "audio", G_TYPE_STRING, JSON_NODE_VALUE,
          "deltas", G_TYPE_INVALID, JSON_NODE_ARRAY,
          "delay_ms", G_TYPE_INT64, JSON_NODE_VALUE,
          "delta_delay_ms", G_TYPE_INT64, JSON_NODE_VALUE,
          "chunk_ms", G_TYPE_INT64, JSON_NODE_VALUE,
          "pace", G_TYPE_DOUBLE, JSON_NODE_VALUE,
          "late_chunks", G_TYPE_INT64, JSON_NODE_VALUE,
          "stall_after_chunks", G_TYPE_INT64, JSON_NODE_VALUE,
          "endless", G_TYPE_BOOLEAN, JSON_NODE_VALUE,
          "incomplete", G_TYPE_STRING, JSON_NODE_VALUE, NULL) ||
      !check_error_object (r, "error_event", where, error) ||
      !check_error_object (r, "failure", where, error) ||
      !check_list (r, "function_calls", where, check_function_call, &list,
          error) ||
      !check_list (r, "rate_limits", where, check_rate_limit_entry, &list,
          error))
    return FALSE;
  if (json_object_has_member (r, "chunk_ms")) {
    gint64 c = json_object_get_int_member (r, "chunk_ms");

    if (c < 10 || c > 1000)
      return fail (error, where, "\"chunk_ms\" must be in 10..1000");
  }
  if (json_object_get_int_member_with_default (r, "late_chunks", 0) < 0 ||
      json_object_get_int_member_with_default (r, "stall_after_chunks", 0) < 0)
    return fail (error, where,
        "\"late_chunks\" and \"stall_after_chunks\" must be >= 0");
  if (json_object_has_member (r, "pace") &&
      json_object_get_double_member (r, "pace") < 0)
    return fail (error, where, "\"pace\" must be >= 0 (0: no pacing)");
  if (json_object_has_member (r, "incomplete") &&
      !g_strv_contains (reasons, json_object_get_string_member (r,
              "incomplete")))
    return fail (error, where,
        "\"incomplete\" is \"max_output_tokens\" or \"content_filter\"");
  d = json_object_get_member (r, "disconnect");
  if (d) {
    static const gchar *const m[] = { "code", "reason", "after_chunks", NULL };
    gchar *w = g_strdup_printf ("%s.disconnect", where);
    gboolean ok = TRUE;

    if (JSON_NODE_HOLDS_OBJECT (d))
      ok = check_members (json_node_get_object (d), m, w, error) &&
          check_types (json_node_get_object (d), w, error,
          "code", G_TYPE_INT64, JSON_NODE_VALUE,
          "reason", G_TYPE_STRING, JSON_NODE_VALUE,
          "after_chunks", G_TYPE_INT64, JSON_NODE_VALUE, NULL);
    else if (!(JSON_NODE_HOLDS_VALUE (d) &&
            json_node_get_value_type (d) == G_TYPE_BOOLEAN))
      ok = fail (error, where, "\"disconnect\" must be true or an object");
    g_free (w);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

/* A missing audio fixture fails when the scenario loads, not mid-test. */
static gboolean
check_fixture (EmuScenario * sc, JsonObject * r, const gchar * where,
    GError ** error)
{
  gchar *path, *what;
  gboolean ok = TRUE;

  if (!json_object_has_member (r, "audio"))
    return TRUE;
  path = emu_scenario_resolve_path (sc, json_object_get_string_member (r,
          "audio"));
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    what = g_strdup_printf ("audio fixture \"%s\" not found", path);
    ok = fail (error, where, what);
    g_free (what);
  }
  g_free (path);
  return ok;
}

static gboolean
parse_realtime (EmuScenario * sc, JsonObject * o, GError ** error)
{
  static const gchar *const m[] = { "responses", "default", "connections",
    "max_session_ms", "bad_key_close", "secret_ttl_ms", NULL
  };
  JsonNode *d;
  guint i;

  if (!check_members (o, m, "realtime", error) ||
      !check_types (o, "realtime", error,
          "max_session_ms", G_TYPE_INT64, JSON_NODE_VALUE,
          "bad_key_close", G_TYPE_BOOLEAN, JSON_NODE_VALUE,
          "secret_ttl_ms", G_TYPE_INT64, JSON_NODE_VALUE, NULL) ||
      !check_list (o, "responses", "realtime", check_response,
          &sc->responses, error) ||
      !check_list (o, "connections", "realtime", check_connection,
          &sc->conv_connections, error))
    return FALSE;
  for (i = 0; sc->responses && i < json_array_get_length (sc->responses); i++) {
    gchar *w = g_strdup_printf ("realtime.responses[%u]", i);
    gboolean ok = check_fixture (sc,
        json_array_get_object_element (sc->responses, i), w, error);

    g_free (w);
    if (!ok)
      return FALSE;
  }
  sc->max_session_ms = json_object_get_int_member_with_default (o,
      "max_session_ms", 0);
  sc->bad_key_close = json_object_get_boolean_member_with_default (o,
      "bad_key_close", FALSE);
  sc->secret_ttl_ms = json_object_get_int_member_with_default (o,
      "secret_ttl_ms", 0);
  d = json_object_get_member (o, "default");
  if (d) {
    if (!JSON_NODE_HOLDS_OBJECT (d))
      return fail (error, "realtime.default", "expected an object");
    sc->default_response = json_object_ref (json_node_get_object (d));
    if (!check_response (sc->default_response, "realtime.default", error) ||
        !check_fixture (sc, sc->default_response, "realtime.default", error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse_keys (EmuScenario * sc, JsonObject * root, GError ** error)
{
  JsonNode *n = json_object_get_member (root, "api_keys");
  guint i;

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return fail (error, "api_keys", "expected an array");
  sc->keys = json_node_get_array (n);
  for (i = 0; i < json_array_get_length (sc->keys); i++) {
    JsonNode *e = json_array_get_element (sc->keys, i);

    if (JSON_NODE_HOLDS_VALUE (e) &&
        json_node_get_value_type (e) == G_TYPE_STRING)
      continue;
    if (JSON_NODE_HOLDS_OBJECT (e) &&
        json_object_has_member (json_node_get_object (e), "key") &&
        json_object_get_string_member_with_default (json_node_get_object (e),
            "key", NULL) != NULL)
      continue;
    return fail (error, "api_keys",
        "entries are strings or {\"id\":\"...\",\"key\":\"...\"}");
  }
  return TRUE;
}

static gboolean
parse (EmuScenario * sc, GError ** error)
{
  JsonObject *root, *o;

  if (!JSON_NODE_HOLDS_OBJECT (sc->root))
    return fail (error, "(root)", "expected a JSON object");
  root = json_node_get_object (sc->root);
  if (!check_members (root, top_members, "(root)", error))
    return FALSE;
  if (!check_types (root, "(root)", error,
          "max_body_bytes", G_TYPE_INT64, JSON_NODE_VALUE,
          "rate_limit", G_TYPE_INVALID, JSON_NODE_OBJECT,
          "transcription", G_TYPE_INVALID, JSON_NODE_OBJECT,
          "realtime_transcription", G_TYPE_INVALID, JSON_NODE_OBJECT,
          "realtime", G_TYPE_INVALID, JSON_NODE_OBJECT,
          "data_dir", G_TYPE_STRING, JSON_NODE_VALUE,
          "extra_models", G_TYPE_INVALID, JSON_NODE_ARRAY, NULL))
    return FALSE;
  sc->data_dir = g_strdup (json_object_get_string_member_with_default (root,
          "data_dir", NULL));
  if (!parse_keys (sc, root, error))
    return FALSE;

  sc->max_body_bytes = json_object_get_int_member_with_default (root,
      "max_body_bytes", DEFAULT_MAX_BODY_BYTES);
  if (json_object_has_member (root, "extra_models"))
    sc->extra_models = json_object_get_array_member (root, "extra_models");

  if ((o = get_object (root, "rate_limit"))) {
    static const gchar *const m[] = { "requests", "window_ms",
      "retry_after_ms", NULL
    };
    if (!check_members (o, m, "rate_limit", error) ||
        !check_types (o, "rate_limit", error,
            "requests", G_TYPE_INT64, JSON_NODE_VALUE,
            "window_ms", G_TYPE_INT64, JSON_NODE_VALUE,
            "retry_after_ms", G_TYPE_INT64, JSON_NODE_VALUE, NULL))
      return FALSE;
    sc->rate_requests = json_object_get_int_member_with_default (o,
        "requests", 0);
    sc->rate_window_ms = json_object_get_int_member_with_default (o,
        "window_ms", 60000);
    sc->rate_retry_after_ms = json_object_get_int_member_with_default (o,
        "retry_after_ms", 0);
    if (sc->rate_requests == 0)
      return fail (error, "rate_limit", "\"requests\" must be at least 1");
  }

  if ((o = get_object (root, "transcription"))) {
    static const gchar *const m[] = { "replies", "default", NULL };
    JsonNode *d;

    if (!check_members (o, m, "transcription", error) ||
        !check_list (o, "replies", "transcription", check_reply,
            &sc->replies, error))
      return FALSE;
    d = json_object_get_member (o, "default");
    if (d) {
      if (!JSON_NODE_HOLDS_OBJECT (d))
        return fail (error, "transcription.default", "expected an object");
      sc->default_reply = json_object_ref (json_node_get_object (d));
      if (!check_reply (sc->default_reply, "transcription.default", error))
        return FALSE;
    }
  }

  if ((o = get_object (root, "realtime_transcription"))) {
    static const gchar *const m[] = { "turns", "default", "connections",
      "vad_threshold_dbfs", NULL
    };
    JsonNode *d;

    if (!check_members (o, m, "realtime_transcription", error) ||
        !check_types (o, "realtime_transcription", error,
            "vad_threshold_dbfs", G_TYPE_DOUBLE, JSON_NODE_VALUE, NULL) ||
        !check_list (o, "turns", "realtime_transcription", check_turn,
            &sc->turns, error) ||
        !check_list (o, "connections", "realtime_transcription",
            check_connection, &sc->connections, error))
      return FALSE;
    sc->vad_threshold_dbfs = json_object_get_double_member_with_default (o,
        "vad_threshold_dbfs", DEFAULT_VAD_THRESHOLD_DBFS);
    d = json_object_get_member (o, "default");
    if (d) {
      if (!JSON_NODE_HOLDS_OBJECT (d))
        return fail (error, "realtime_transcription.default",
            "expected an object");
      sc->default_turn = json_object_ref (json_node_get_object (d));
      if (!check_turn (sc->default_turn, "realtime_transcription.default",
              error))
        return FALSE;
    }
  }

  if ((o = get_object (root, "realtime"))) {
    if (!parse_realtime (sc, o, error))
      return FALSE;
  }
  if (sc->default_response == NULL) {
    sc->default_response = json_object_new ();
    json_object_set_string_member (sc->default_response, "transcript",
        DEFAULT_REPLY_TRANSCRIPT);
    json_object_set_string_member (sc->default_response, "audio",
        EMU_DEFAULT_REPLY_AUDIO);
  }
  if ((o = get_object (root, "elevenlabs"))) {
    if (!emu_elevenlabs_check_scenario (o, error))
      return FALSE;
    sc->elevenlabs = o;
  } else if (json_object_has_member (root, "elevenlabs")) {
    return fail (error, "elevenlabs", "expected an object");
  }

  if (sc->default_reply == NULL) {
    sc->default_reply = json_object_new ();
    json_object_set_string_member (sc->default_reply, "text", DEFAULT_TEXT);
  }
  if (sc->default_turn == NULL) {
    sc->default_turn = json_object_new ();
    json_object_set_string_member (sc->default_turn, "transcript",
        DEFAULT_TEXT);
  }
  return TRUE;
}

EmuScenario *
emu_scenario_new (const gchar * json, GError ** error)
{
  return emu_scenario_new_in_dir (json, NULL, error);
}

EmuScenario *
emu_scenario_new_in_dir (const gchar * json, const gchar * base_dir,
    GError ** error)
{
  EmuScenario *sc = g_new0 (EmuScenario, 1);

  sc->base_dir = g_strdup (base_dir);
  sc->vad_threshold_dbfs = DEFAULT_VAD_THRESHOLD_DBFS;
  if (json == NULL || *json == '\0')
    json = "{}";
  sc->root = json_from_string (json, error);
  if (sc->root == NULL) {
    if (error && *error) {
      (*error)->domain = SANDRA_EMULATOR_ERROR;
      (*error)->code = SANDRA_EMULATOR_ERROR_SCENARIO;
    }
    emu_scenario_free (sc);
    return NULL;
  }
  if (!parse (sc, error)) {
    emu_scenario_free (sc);
    return NULL;
  }
  return sc;
}

void
emu_scenario_free (EmuScenario * sc)
{
  if (sc == NULL)
    return;
  g_clear_pointer (&sc->default_reply, json_object_unref);
  g_clear_pointer (&sc->default_turn, json_object_unref);
  g_clear_pointer (&sc->default_response, json_object_unref);
  g_free (sc->data_dir);
  g_free (sc->base_dir);
  g_clear_pointer (&sc->root, json_node_unref);
  g_free (sc);
}

void
emu_scenario_restart (EmuScenario * sc)
{
  sc->next_reply = 0;
  sc->next_turn = 0;
  sc->next_connection = 0;
  sc->next_response = 0;
  sc->next_conv_connection = 0;
  sc->next_el_request = 0;
  sc->next_el_connection = 0;
  sc->rate_used = 0;
  sc->rate_window_start_us = 0;
}

gboolean
emu_scenario_match_key (EmuScenario * sc, const gchar * key,
    gint * key_index, const gchar ** key_id)
{
  guint i;

  *key_index = -1;
  *key_id = NULL;
  if (key == NULL || *key == '\0')
    return FALSE;
  if (sc->keys == NULL)
    return TRUE;
  for (i = 0; i < json_array_get_length (sc->keys); i++) {
    JsonNode *e = json_array_get_element (sc->keys, i);
    const gchar *k, *id = NULL;

    if (JSON_NODE_HOLDS_OBJECT (e)) {
      JsonObject *o = json_node_get_object (e);

      k = json_object_get_string_member (o, "key");
      id = json_object_get_string_member_with_default (o, "id", NULL);
    } else {
      k = json_node_get_string (e);
    }
    if (g_strcmp0 (k, key) == 0) {
      *key_index = i;
      *key_id = id;
      return TRUE;
    }
  }
  return FALSE;
}

gint64
emu_scenario_get_max_body_bytes (EmuScenario * sc)
{
  return sc->max_body_bytes;
}

gboolean
emu_scenario_take_request (EmuScenario * sc, gint64 now_us, guint * limit,
    guint * remaining, guint * reset_ms, guint * retry_after_ms)
{
  gint64 elapsed_ms;

  *limit = sc->rate_requests;
  *remaining = 0;
  *reset_ms = 0;
  *retry_after_ms = 0;
  if (sc->rate_requests == 0)
    return TRUE;

  if (sc->rate_window_start_us == 0 ||
      now_us - sc->rate_window_start_us >= (gint64) sc->rate_window_ms * 1000) {
    sc->rate_window_start_us = now_us;
    sc->rate_used = 0;
  }
  elapsed_ms = (now_us - sc->rate_window_start_us) / 1000;
  *reset_ms = sc->rate_window_ms - MIN (elapsed_ms, sc->rate_window_ms);
  if (sc->rate_used >= sc->rate_requests) {
    *retry_after_ms = sc->rate_retry_after_ms ? sc->rate_retry_after_ms :
        *reset_ms;
    return FALSE;
  }
  sc->rate_used++;
  *remaining = sc->rate_requests - sc->rate_used;
  return TRUE;
}

static JsonObject *
next_in (JsonArray * queue, guint * next, JsonObject * fallback)
{
  if (queue && *next < json_array_get_length (queue))
    return json_object_ref (json_array_get_object_element (queue, (*next)++));
  return fallback ? json_object_ref (fallback) : NULL;
}

JsonObject *
emu_scenario_next_transcription (EmuScenario * sc)
{
  return next_in (sc->replies, &sc->next_reply, sc->default_reply);
}

JsonObject *
emu_scenario_next_realtime_turn (EmuScenario * sc)
{
  return next_in (sc->turns, &sc->next_turn, sc->default_turn);
}

JsonObject *
emu_scenario_next_realtime_connection (EmuScenario * sc)
{
  return next_in (sc->connections, &sc->next_connection, NULL);
}

gdouble
emu_scenario_get_vad_threshold_dbfs (EmuScenario * sc)
{
  return sc->vad_threshold_dbfs;
}

gboolean
emu_scenario_extra_model (EmuScenario * sc, const gchar * model)
{
  guint i;

  if (sc->extra_models == NULL || model == NULL)
    return FALSE;
  for (i = 0; i < json_array_get_length (sc->extra_models); i++) {
    if (g_strcmp0 (json_array_get_string_element (sc->extra_models, i),
            model) == 0)
      return TRUE;
  }
  return FALSE;
}

gchar **
emu_split_deltas (const gchar * text)
{
  GPtrArray *out = g_ptr_array_new ();
  const gchar *p, *start = text;

  for (p = text; *p; p++) {
    if (*p == ' ' && p != start) {
      g_ptr_array_add (out, g_strndup (start, p - start));
      start = p;
    }
  }
  if (p != start)
    g_ptr_array_add (out, g_strndup (start, p - start));
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

JsonObject *
emu_scenario_next_realtime_response (EmuScenario * sc)
{
  return next_in (sc->responses, &sc->next_response, sc->default_response);
}

JsonObject *
emu_scenario_next_conversation_connection (EmuScenario * sc)
{
  return next_in (sc->conv_connections, &sc->next_conv_connection, NULL);
}

guint
emu_scenario_get_max_session_ms (EmuScenario * sc, gboolean beta)
{
  if (sc->max_session_ms)
    return sc->max_session_ms;
  return beta ? BETA_MAX_SESSION_MS : GA_MAX_SESSION_MS;
}

gboolean
emu_scenario_bad_key_closes (EmuScenario * sc)
{
  return sc->bad_key_close;
}

guint
emu_scenario_get_secret_ttl_ms (EmuScenario * sc)
{
  return sc->secret_ttl_ms;
}

gchar *
emu_scenario_resolve_path (EmuScenario * sc, const gchar * name)
{
  const gchar *dirs[3];
  gchar *path = NULL;
  guint i;

  if (g_path_is_absolute (name))
    return g_strdup (name);
  if (sc->data_dir)
    return sc->base_dir && !g_path_is_absolute (sc->data_dir) ?
        g_build_filename (sc->base_dir, sc->data_dir, name, NULL) :
        g_build_filename (sc->data_dir, name, NULL);
  /* Next to the scenario file first, then the user's and the project's
   * fixtures; the default reply lives in the latter. */
  dirs[0] = sc->base_dir;
  dirs[1] = g_getenv ("SANDRA_EMULATOR_DATA_DIR");
  dirs[2] = EMU_DATA_DIR;
  for (i = 0; i < G_N_ELEMENTS (dirs); i++) {
    if (dirs[i] == NULL || *dirs[i] == '\0')
      continue;
    g_free (path);
    path = g_build_filename (dirs[i], name, NULL);
    if (g_file_test (path, G_FILE_TEST_EXISTS))
      break;
  }
  return path;
}

JsonObject *
emu_scenario_get_elevenlabs (EmuScenario * sc)
{
  return sc->elevenlabs;
}

static JsonArray *
el_list (EmuScenario * sc, const gchar * name)
{
  JsonNode *n;

  if (sc->elevenlabs == NULL)
    return NULL;
  n = json_object_get_member (sc->elevenlabs, name);
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

JsonObject *
emu_scenario_next_elevenlabs_request (EmuScenario * sc)
{
  return next_in (el_list (sc, "requests"), &sc->next_el_request, NULL);
}

JsonObject *
emu_scenario_next_elevenlabs_connection (EmuScenario * sc)
{
  return next_in (el_list (sc, "connections"), &sc->next_el_connection, NULL);
}
