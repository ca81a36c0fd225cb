/* gst-sandra local API emulator: ElevenLabs text to speech, shared parts
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Routing of /v1/text-to-speech/..., the scenario's "elevenlabs" member,
 * keys (xi-api-key), voices, models, voice settings and the service's
 * `detail` error shapes.
 */
#include "elevenlabs.h"

#include <string.h>

#define DEFAULT_MS_PER_CHAR 70
#define DEFAULT_CHUNK_MS 500
#define DEFAULT_MAX_CONTEXTS 5

/* A few of the service's premade voices, accepted when the scenario does
 * not list its own. */
static const gchar *const premade_voices[] = {
  "21m00Tcm4TlvDq8ikWAM",       /* Rachel */
  "9BWtsMINqrJLrRacOk9x",       /* Aria */
  "EXAVITQu4vr4xnSDxMaL",       /* Sarah */
  "JBFqnCBsd6RMkjVDRZzb",       /* George */
  "pNInz6obpgDQGcFmaJgB",       /* Adam */
  "XrExE9yKIg1WjnnlVkGX",       /* Matilda */
  NULL
};

typedef struct
{
  const gchar *id;
  guint char_limit;
  gboolean websocket;           /* takes streamed text input */
} Model;

static const Model models[] = {
  {"eleven_flash_v2_5", 40000, TRUE},
  {"eleven_turbo_v2_5", 40000, TRUE},
  {"eleven_flash_v2", 30000, TRUE},
  {"eleven_turbo_v2", 30000, TRUE},
  {"eleven_multilingual_v2", 10000, TRUE},
  {"eleven_monolingual_v1", 10000, TRUE},
  {"eleven_v3", 5000, FALSE},
};

static const gchar *const el_members[] = { "voices", "ms_per_char",
  "first_audio_delay_ms", "chunk_interval_ms", "chunk_ms",
  "inactivity_timeout_ms", "max_contexts", "max_characters", "requests",
  "connections", "normalize", "http_setup_ms", "ws_setup_ms", NULL
};

static const gchar *const request_members[] = { "status", "detail",
  "delay_ms", "retry_after", "disconnect", NULL
};

static const gchar *const connection_members[] = { "reject_status",
  "reject_detail", "error", "error_after_messages", "close_after_ms",
  "close_code", "close_reason", "raw_message", "silent", NULL
};

static gboolean
scenario_fail (GError ** error, const gchar * where, const gchar * what)
{
  g_set_error (error, SANDRA_EMULATOR_ERROR, SANDRA_EMULATOR_ERROR_SCENARIO,
      "scenario: %s: %s", where, what);
  return FALSE;
}

static gboolean
only_members (JsonObject * o, const gchar * const *allowed,
    const gchar * where, GError ** error)
{
  GList *names = json_object_get_members (o), *l;

  for (l = names; l; l = l->next) {
    if (!g_strv_contains (allowed, l->data)) {
      gchar *what = g_strdup_printf ("unknown member \"%s\"",
          (const gchar *) l->data);
      gboolean ok = scenario_fail (error, where, what);

      g_free (what);
      g_list_free (names);
      return ok;
    }
  }
  g_list_free (names);
  return TRUE;
}

static gboolean
is_int (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n == NULL || (JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_INT64 &&
      json_node_get_int (n) >= 0);
}

static gboolean
check_ints (JsonObject * o, const gchar * where, GError ** error,
    const gchar * const *names)
{
  for (; *names; names++) {
    if (!is_int (o, *names)) {
      gchar *what = g_strdup_printf ("\"%s\" must be a non-negative integer",
          *names);
      gboolean ok = scenario_fail (error, where, what);

      g_free (what);
      return ok;
    }
  }
  return TRUE;
}

static gboolean
check_list (JsonObject * el, const gchar * name,
    const gchar * const *members, const gchar * const *ints, GError ** error)
{
  JsonNode *n = json_object_get_member (el, name);
  JsonArray *a;
  guint i;

  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return scenario_fail (error, name, "expected an array");
  a = json_node_get_array (n);
  for (i = 0; i < json_array_get_length (a); i++) {
    JsonNode *e = json_array_get_element (a, i);
    gchar *where = g_strdup_printf ("elevenlabs.%s[%u]", name, i);
    gboolean ok = JSON_NODE_HOLDS_OBJECT (e) &&
        only_members (json_node_get_object (e), members, where, error) &&
        check_ints (json_node_get_object (e), where, error, ints);

    if (!JSON_NODE_HOLDS_OBJECT (e))
      scenario_fail (error, where, "expected an object");
    g_free (where);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

gboolean
emu_elevenlabs_check_scenario (JsonObject * el, GError ** error)
{
  static const gchar *const top_ints[] = { "ms_per_char",
    "first_audio_delay_ms", "chunk_interval_ms", "chunk_ms",
    "inactivity_timeout_ms", "max_contexts", "max_characters",
    "http_setup_ms", "ws_setup_ms", NULL
  };
  static const gchar *const normalize_members[] = { "words", NULL };
  static const gchar *const request_ints[] = { "status", "delay_ms", NULL };
  static const gchar *const conn_ints[] = { "reject_status",
    "error_after_messages", "close_after_ms", "close_code", NULL
  };
  JsonNode *v;

  if (!only_members (el, el_members, "elevenlabs", error) ||
      !check_ints (el, "elevenlabs", error, top_ints) ||
      !check_list (el, "requests", request_members, request_ints, error) ||
      !check_list (el, "connections", connection_members, conn_ints, error))
    return FALSE;
  v = json_object_get_member (el, "normalize");
  if (v) {
    JsonNode *words;

    if (!JSON_NODE_HOLDS_OBJECT (v))
      return scenario_fail (error, "elevenlabs.normalize",
          "expected an object");
    if (!only_members (json_node_get_object (v), normalize_members,
            "elevenlabs.normalize", error))
      return FALSE;
    words = json_object_get_member (json_node_get_object (v), "words");
    if (words) {
      GList *names, *l;
      gboolean ok = JSON_NODE_HOLDS_OBJECT (words);

      names = ok ? json_object_get_members (json_node_get_object (words)) :
          NULL;
      for (l = names; l && ok; l = l->next) {
        JsonNode *w = json_object_get_member (json_node_get_object (words),
            l->data);

        ok = JSON_NODE_HOLDS_VALUE (w) &&
            json_node_get_value_type (w) == G_TYPE_STRING;
      }
      g_list_free (names);
      if (!ok)
        return scenario_fail (error, "elevenlabs.normalize.words",
            "expected an object of strings (written word: spoken form)");
    }
  }
  v = json_object_get_member (el, "voices");
  if (v && !JSON_NODE_HOLDS_ARRAY (v))
    return scenario_fail (error, "elevenlabs.voices",
        "expected an array of voice ids");
  if (json_object_get_int_member_with_default (el, "ms_per_char", 1) == 0)
    return scenario_fail (error, "elevenlabs.ms_per_char",
        "must be at least 1");
  return TRUE;
}

void
emu_el_get_settings (SandraEmulator * emu, EmuElSettings * s)
{
  JsonObject *el;

  g_mutex_lock (&emu->lock);
  el = emu_scenario_get_elevenlabs (emu->scenario);
  s->ms_per_char = el ? json_object_get_int_member_with_default (el,
      "ms_per_char", DEFAULT_MS_PER_CHAR) : DEFAULT_MS_PER_CHAR;
  s->first_audio_delay_ms = el ? json_object_get_int_member_with_default (el,
      "first_audio_delay_ms", 0) : 0;
  s->chunk_interval_ms = el ? json_object_get_int_member_with_default (el,
      "chunk_interval_ms", 0) : 0;
  s->chunk_ms = el ? json_object_get_int_member_with_default (el,
      "chunk_ms", DEFAULT_CHUNK_MS) : DEFAULT_CHUNK_MS;
  s->inactivity_timeout_ms = el ? json_object_get_int_member_with_default (el,
      "inactivity_timeout_ms", -1) : -1;
  s->max_contexts = el ? json_object_get_int_member_with_default (el,
      "max_contexts", DEFAULT_MAX_CONTEXTS) : DEFAULT_MAX_CONTEXTS;
  s->max_characters = el ? json_object_get_int_member_with_default (el,
      "max_characters", 0) : 0;
  s->http_setup_ms = el ? json_object_get_int_member_with_default (el,
      "http_setup_ms", 0) : 0;
  s->ws_setup_ms = el ? json_object_get_int_member_with_default (el,
      "ws_setup_ms", 0) : 0;
  g_mutex_unlock (&emu->lock);
  if (s->chunk_ms == 0)
    s->chunk_ms = DEFAULT_CHUNK_MS;
}

/* A word as written, as the scenario's normalize.words says it is
 * spoken: the word itself, else without its trailing punctuation (which
 * is kept: "42," is "forty two,"). NULL when it is said as written. */
static gchar *
spoken_form (JsonObject * words, const gchar * word)
{
  gsize len = strlen (word);
  gchar *bare;
  const gchar *said = NULL;

  if (json_object_has_member (words, word))
    return g_strdup (json_object_get_string_member (words, word));
  while (len > 0 && strchr (",.;:!?", word[len - 1]))
    len--;
  if (len == 0 || len == strlen (word))
    return NULL;
  bare = g_strndup (word, len);
  if (json_object_has_member (words, bare))
    said = json_object_get_string_member (words, bare);
  g_free (bare);
  return said ? g_strconcat (said, word + len, NULL) : NULL;
}

gchar *
emu_el_normalize (SandraEmulator * emu, const gchar * text)
{
  JsonObject *el, *norm = NULL, *words = NULL;
  GString *out;
  gchar **tokens, **t;

  g_mutex_lock (&emu->lock);
  el = emu_scenario_get_elevenlabs (emu->scenario);
  if (el && json_object_has_member (el, "normalize"))
    norm = json_object_ref (json_object_get_object_member (el, "normalize"));
  g_mutex_unlock (&emu->lock);
  if (norm == NULL)
    return g_strdup (text);
  if (json_object_has_member (norm, "words"))
    words = json_object_get_object_member (norm, "words");
  /* whitespace collapsed: one space between words, one after the last
   * when the text ended with whitespace */
  out = g_string_new (NULL);
  tokens = g_strsplit_set (text, " \t\n\r\f\v", -1);
  for (t = tokens; *t; t++) {
    gchar *said;

    if (**t == '\0')
      continue;
    said = words ? spoken_form (words, *t) : NULL;
    if (said && *said == '\0') {
      g_free (said);
      continue;                 /* said as nothing at all */
    }
    if (out->len)
      g_string_append_c (out, ' ');
    g_string_append (out, said ? said : *t);
    g_free (said);
  }
  if (out->len && *text && g_ascii_isspace (text[strlen (text) - 1]))
    g_string_append_c (out, ' ');
  g_strfreev (tokens);
  json_object_unref (norm);
  return g_string_free (out, FALSE);
}

gboolean
emu_el_model_known (SandraEmulator * emu, const gchar * model,
    gboolean websocket)
{
  guint i;
  gboolean extra;

  for (i = 0; i < G_N_ELEMENTS (models); i++)
    if (g_strcmp0 (models[i].id, model) == 0)
      return !websocket || models[i].websocket;
  g_mutex_lock (&emu->lock);
  extra = emu_scenario_extra_model (emu->scenario, model);
  g_mutex_unlock (&emu->lock);
  return extra;
}

guint
emu_el_model_char_limit (SandraEmulator * emu, const gchar * model)
{
  EmuElSettings s;
  guint i;

  emu_el_get_settings (emu, &s);
  if (s.max_characters)
    return s.max_characters;
  for (i = 0; i < G_N_ELEMENTS (models); i++)
    if (g_strcmp0 (models[i].id, model) == 0)
      return models[i].char_limit;
  return 10000;
}

gboolean
emu_el_voice_known (SandraEmulator * emu, const gchar * voice_id)
{
  JsonObject *el;
  JsonNode *v;
  gboolean known = FALSE;
  guint i;

  if (voice_id == NULL || *voice_id == '\0')
    return FALSE;
  g_mutex_lock (&emu->lock);
  el = emu_scenario_get_elevenlabs (emu->scenario);
  v = el ? json_object_get_member (el, "voices") : NULL;
  if (v) {
    JsonArray *a = json_node_get_array (v);

    for (i = 0; i < json_array_get_length (a) && !known; i++) {
      JsonNode *e = json_array_get_element (a, i);

      known = JSON_NODE_HOLDS_VALUE (e) &&
          json_node_get_value_type (e) == G_TYPE_STRING &&
          g_str_equal (json_node_get_string (e), voice_id);
    }
  } else {
    known = g_strv_contains (premade_voices, voice_id);
  }
  g_mutex_unlock (&emu->lock);
  return known;
}

void
emu_el_voice_settings_init (EmuElVoiceSettings * vs)
{
  vs->stability = 0.5;
  vs->similarity_boost = 0.75;
  vs->style = 0.0;
  vs->speed = 1.0;
  vs->use_speaker_boost = TRUE;
}

static gboolean
get_number (JsonObject * o, const gchar * name, gdouble lo, gdouble hi,
    gdouble * out, gchar ** loc, gchar ** message)
{
  JsonNode *n = json_object_get_member (o, name);
  GType t;

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  t = JSON_NODE_HOLDS_VALUE (n) ? json_node_get_value_type (n) : G_TYPE_NONE;
  if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64) {
    *loc = g_strdup_printf ("voice_settings.%s", name);
    *message = g_strdup ("Input should be a valid number");
    return FALSE;
  }
  *out = json_node_get_double (n);
  if (*out < lo || *out > hi) {
    *loc = g_strdup_printf ("voice_settings.%s", name);
    *message = g_strdup_printf ("Input should be between %g and %g", lo, hi);
    return FALSE;
  }
  return TRUE;
}

gboolean
emu_el_parse_voice_settings (JsonNode * node, EmuElVoiceSettings * vs,
    gchar ** loc, gchar ** message)
{
  static const gchar *const known[] = { "stability", "similarity_boost",
    "style", "speed", "use_speaker_boost", NULL
  };
  JsonObject *o;
  JsonNode *b;
  GList *names, *l;

  emu_el_voice_settings_init (vs);
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    *loc = g_strdup ("voice_settings");
    *message = g_strdup ("Input should be a valid dictionary");
    return FALSE;
  }
  o = json_node_get_object (node);
  names = json_object_get_members (o);
  for (l = names; l; l = l->next) {
    if (!g_strv_contains (known, l->data)) {
      *loc = g_strdup_printf ("voice_settings.%s", (const gchar *) l->data);
      *message = g_strdup ("Extra inputs are not permitted");
      g_list_free (names);
      return FALSE;
    }
  }
  g_list_free (names);
  if (!get_number (o, "stability", 0, 1, &vs->stability, loc, message) ||
      !get_number (o, "similarity_boost", 0, 1, &vs->similarity_boost, loc,
          message) ||
      !get_number (o, "style", 0, 1, &vs->style, loc, message) ||
      !get_number (o, "speed", 0.7, 1.2, &vs->speed, loc, message))
    return FALSE;
  b = json_object_get_member (o, "use_speaker_boost");
  if (b && !JSON_NODE_HOLDS_NULL (b)) {
    if (!JSON_NODE_HOLDS_VALUE (b) ||
        json_node_get_value_type (b) != G_TYPE_BOOLEAN) {
      *loc = g_strdup ("voice_settings.use_speaker_boost");
      *message = g_strdup ("Input should be a valid boolean");
      return FALSE;
    }
    vs->use_speaker_boost = json_node_get_boolean (b);
  }
  return TRUE;
}

gboolean
emu_el_parse_generation_config (JsonNode * node, GArray * schedule,
    gchar ** message)
{
  JsonObject *o;
  JsonNode *s;
  JsonArray *a;
  guint i;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node)) {
    *message = g_strdup ("generation_config should be an object");
    return FALSE;
  }
  o = json_node_get_object (node);
  s = json_object_get_member (o, "chunk_length_schedule");
  if (s == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (s) ||
      json_array_get_length (json_node_get_array (s)) == 0) {
    *message = g_strdup ("chunk_length_schedule should be a non-empty list "
        "of integers");
    return FALSE;
  }
  a = json_node_get_array (s);
  g_array_set_size (schedule, 0);
  for (i = 0; i < json_array_get_length (a); i++) {
    JsonNode *e = json_array_get_element (a, i);
    gint64 v;
    guint u;

    if (!JSON_NODE_HOLDS_VALUE (e) ||
        json_node_get_value_type (e) != G_TYPE_INT64 ||
        (v = json_node_get_int (e)) < 50 || v > 500) {
      *message = g_strdup ("chunk_length_schedule values must be integers "
          "between 50 and 500");
      return FALSE;
    }
    u = v;
    g_array_append_val (schedule, u);
  }
  return TRUE;
}

gboolean
emu_el_check_key (SandraEmulator * emu, SoupServerMessage * msg,
    guint record, const gchar * key)
{
  const gchar *key_id = NULL;
  gint key_index = -1;
  gboolean valid = FALSE;
  JsonObject *auth = json_object_new ();
  JsonNode *node;

  if (key == NULL && msg)
    key = soup_message_headers_get_one
        (soup_server_message_get_request_headers (msg), "xi-api-key");
  g_mutex_lock (&emu->lock);
  if (key && *key)
    valid = emu_scenario_match_key (emu->scenario, key, &key_index, &key_id);
  json_object_set_boolean_member (auth, "present", key && *key);
  json_object_set_boolean_member (auth, "valid", valid);
  json_object_set_int_member (auth, "key_index", key_index);
  if (key_id)
    json_object_set_string_member (auth, "key_id", key_id);
  else
    json_object_set_null_member (auth, "key_id");
  g_mutex_unlock (&emu->lock);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, auth);
  emu_record_set_member (emu, record, "auth", node);
  return valid;
}

gchar *
emu_el_detail_body (const gchar * status, const gchar * message)
{
  JsonObject *root = json_object_new (), *detail = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  gchar *body;

  json_object_set_string_member (detail, "status", status);
  json_object_set_string_member (detail, "message", message);
  json_object_set_object_member (root, "detail", detail);
  json_node_take_object (node, root);
  body = json_to_string (node, FALSE);
  json_node_unref (node);
  return body;
}

static void
reply_body (SandraEmulator * emu, SoupServerMessage * msg, guint record,
    guint http, const gchar * body)
{
  JsonNode *node = json_from_string (body, NULL);

  emu_reply_json (msg, http, body);
  emu_record_set_status (emu, record, http);
  if (node)
    emu_record_set_member (emu, record, "error", node);
  emu_log (emu, "  -> %u %s", http, body);
}

void
emu_el_reply_detail (SandraEmulator * emu, SoupServerMessage * msg,
    guint record, guint http, const gchar * status, const gchar * format, ...)
{
  gchar *message, *body;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  body = emu_el_detail_body (status, message);
  reply_body (emu, msg, record, http, body);
  g_free (body);
  g_free (message);
}

void
emu_el_reply_validation (SandraEmulator * emu, SoupServerMessage * msg,
    guint record, const gchar * loc, const gchar * type, const gchar * message)
{
  JsonBuilder *b = json_builder_new ();
  gchar **parts = g_strsplit (loc, ".", -1), **p;
  JsonNode *root;
  gchar *body;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "detail");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "loc");
  json_builder_begin_array (b);
  for (p = parts; *p; p++)
    json_builder_add_string_value (b, *p);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "msg");
  json_builder_add_string_value (b, message);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_end_object (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  body = json_to_string (root, FALSE);
  reply_body (emu, msg, record, 422, body);
  g_free (body);
  json_node_unref (root);
  g_object_unref (b);
  g_strfreev (parts);
}

/* /v1/text-to-speech/{voice_id}/{rest}: HTTP conversions and the
 * WebSocket upgrades share the prefix. */
static void
tts_handler (SoupServer * server, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer user_data)
{
  SandraEmulator *emu = user_data;
  const gchar *p = path + strlen ("/v1/text-to-speech");
  gchar **parts;
  const gchar *voice, *rest;

  if (*p == '/')
    p++;
  parts = g_strsplit (p, "/", 2);
  voice = parts[0] ? parts[0] : "";
  rest = parts[0] && parts[1] ? parts[1] : "";
  if (g_str_equal (rest, "stream-input") ||
      g_str_equal (rest, "multi-stream-input")) {
    emu_el_ws_upgrade (emu, msg, path, query, voice,
        g_str_equal (rest, "multi-stream-input"));
  } else {
    emu_el_http_handle (emu, msg, path, query, voice, rest);
  }
  g_strfreev (parts);
}

void
emu_elevenlabs_register (SandraEmulator * emu)
{
  soup_server_add_handler (emu->server, "/v1/text-to-speech", tts_handler,
      emu, NULL);
  emu_el_ws_register (emu);
}
