/* gst-sandra local API emulator: the record of what clients sent
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Records are JSON objects kept under the emulator lock. The server thread
 * appends to them while a test reads them, so every reader gets a deep copy.
 * Secrets never enter a record: credential headers are replaced by
 * "REDACTED" and only whether a key was present, valid and which scenario
 * entry it matched is kept.
 */
#include "emulator-private.h"

#include <string.h>

static const gchar *const secret_headers[] = { "authorization",
  "xi-api-key", "api-key", "x-api-key", "openai-api-key",
  "proxy-authorization", "cookie", NULL
};

/* Query parameters that carry keys, for clients that put them there. */
static const gchar *const secret_params[] = { "key", "api_key", "api-key",
  "apikey", "xi_api_key", "xi-api-key", "token", "access_token",
  "client_secret", "authorization", "single_use_token", NULL
};

/* Browser-style Realtime clients pass the key as a subprotocol. */
#define INSECURE_KEY_PROTOCOL "openai-insecure-api-key."

static gchar *
redact_protocols (const gchar * value)
{
  gchar **protocols = g_strsplit (value, ",", -1);
  gchar *out;
  guint i;

  for (i = 0; protocols[i]; i++) {
    gchar *p = g_strstrip (protocols[i]);

    if (g_str_has_prefix (p, INSECURE_KEY_PROTOCOL)) {
      gchar *red = g_strconcat (" " INSECURE_KEY_PROTOCOL, "REDACTED", NULL);

      g_free (protocols[i]);
      protocols[i] = red;
    } else if (i > 0) {
      gchar *spaced = g_strconcat (" ", p, NULL);

      g_free (protocols[i]);
      protocols[i] = spaced;
    }
  }
  out = g_strjoinv (",", protocols);
  g_strfreev (protocols);
  return g_strstrip (out);
}

static JsonNode *deep_copy (JsonNode * node);

static JsonObject *
deep_copy_object (JsonObject * obj)
{
  JsonObject *copy = json_object_new ();
  JsonObjectIter iter;
  const gchar *name;
  JsonNode *member;

  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &name, &member))
    json_object_set_member (copy, name, deep_copy (member));
  return copy;
}

static JsonNode *
deep_copy (JsonNode * node)
{
  JsonNode *copy;

  switch (JSON_NODE_TYPE (node)) {
    case JSON_NODE_OBJECT:
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (copy, deep_copy_object (json_node_get_object
              (node)));
      return copy;
    case JSON_NODE_ARRAY:{
      JsonArray *src = json_node_get_array (node);
      JsonArray *dst = json_array_sized_new (json_array_get_length (src));
      guint i;

      for (i = 0; i < json_array_get_length (src); i++)
        json_array_add_element (dst,
            deep_copy (json_array_get_element (src, i)));
      copy = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (copy, dst);
      return copy;
    }
    default:
      return json_node_copy (node);
  }
}

/* Record ids keep growing across resets so that a WebSocket opened before
 * a reset never writes into a newer request's record. */
static JsonObject *
record_at (SandraEmulator * emu, guint record)
{
  if (record < emu->record_base ||
      record - emu->record_base >= json_array_get_length (emu->records))
    return NULL;
  return json_array_get_object_element (emu->records,
      record - emu->record_base);
}

static void
changed_locked (SandraEmulator * emu)
{
  g_cond_broadcast (&emu->cond);
}

guint
emu_record_request (SandraEmulator * emu, SoupServerMessage * msg)
{
  JsonObject *rec = json_object_new ();
  JsonObject *headers = json_object_new ();
  JsonObject *query = json_object_new ();
  GUri *uri = soup_server_message_get_uri (msg);
  SoupMessageHeadersIter iter;
  const gchar *name, *value;
  guint index;

  soup_message_headers_iter_init (&iter,
      soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value)) {
    gchar *lower = g_ascii_strdown (name, -1);

    if (g_strv_contains (secret_headers, lower)) {
      /* Keep the scheme so tests can tell "Bearer" from a bare key. */
      const gchar *space = strchr (value, ' ');
      gchar *red = space ? g_strdup_printf ("%.*s REDACTED",
          (int) (space - value), value) : g_strdup ("REDACTED");

      json_object_set_string_member (headers, lower, red);
      g_free (red);
    } else if (g_str_equal (lower, "sec-websocket-protocol")) {
      gchar *red = redact_protocols (value);

      json_object_set_string_member (headers, lower, red);
      g_free (red);
    } else {
      json_object_set_string_member (headers, lower, value);
    }
    g_free (lower);
  }

  if (g_uri_get_query (uri)) {
    GHashTable *q = g_uri_parse_params (g_uri_get_query (uri), -1, "&",
        G_URI_PARAMS_WWW_FORM, NULL);

    if (q) {
      GHashTableIter hi;
      gpointer k, v;

      g_hash_table_iter_init (&hi, q);
      while (g_hash_table_iter_next (&hi, &k, &v)) {
        gchar *lower = g_ascii_strdown (k, -1);

        json_object_set_string_member (query, k,
            g_strv_contains (secret_params, lower) ? "REDACTED" : v);
        g_free (lower);
      }
      g_hash_table_unref (q);
    }
  }

  json_object_set_string_member (rec, "method",
      soup_server_message_get_method (msg));
  json_object_set_string_member (rec, "path", g_uri_get_path (uri));
  json_object_set_object_member (rec, "query", query);
  json_object_set_object_member (rec, "headers", headers);
  json_object_set_int_member (rec, "status", 0);
  /* Process-monotonic: an in-process benchmark can subtract its own
   * g_get_monotonic_time () readings from these. */
  json_object_set_int_member (rec, "received_us", g_get_monotonic_time ());

  g_mutex_lock (&emu->lock);
  index = emu->record_base + json_array_get_length (emu->records);
  json_object_set_int_member (rec, "index", index);
  json_array_add_object_element (emu->records, rec);
  g_ptr_array_add (emu->record_files, NULL);
  changed_locked (emu);
  g_mutex_unlock (&emu->lock);
  return index;
}

void
emu_record_set_status (SandraEmulator * emu, guint record, guint status)
{
  JsonObject *rec;

  g_mutex_lock (&emu->lock);
  if ((rec = record_at (emu, record))) {
    json_object_set_int_member (rec, "status", status);
    json_object_set_int_member (rec, "responded_us", g_get_monotonic_time ());
  }
  changed_locked (emu);
  g_mutex_unlock (&emu->lock);
}

void
emu_record_set_member (SandraEmulator * emu, guint record,
    const gchar * name, JsonNode * value)
{
  JsonObject *rec;

  g_mutex_lock (&emu->lock);
  if ((rec = record_at (emu, record)))
    json_object_set_member (rec, name, value);
  else
    json_node_unref (value);
  changed_locked (emu);
  g_mutex_unlock (&emu->lock);
}

void
emu_record_add_form_field (SandraEmulator * emu, guint record,
    const gchar * name, const gchar * value)
{
  JsonObject *rec, *form;

  g_mutex_lock (&emu->lock);
  if ((rec = record_at (emu, record))) {
    if (!json_object_has_member (rec, "form"))
      json_object_set_object_member (rec, "form", json_object_new ());
    form = json_object_get_object_member (rec, "form");
    if (json_object_has_member (form, name)) {
      /* Repeated fields (include[], timestamp_granularities[]). */
      gchar *joined = g_strdup_printf ("%s,%s",
          json_object_get_string_member (form, name), value);

      json_object_set_string_member (form, name, joined);
      g_free (joined);
    } else {
      json_object_set_string_member (form, name, value);
    }
  }
  changed_locked (emu);
  g_mutex_unlock (&emu->lock);
}

void
emu_record_add_file (SandraEmulator * emu, guint record, const gchar * field,
    const gchar * filename, const gchar * content_type, GBytes * data)
{
  JsonObject *rec, *file;
  GPtrArray *files;

  g_mutex_lock (&emu->lock);
  if ((rec = record_at (emu, record))) {
    if (!json_object_has_member (rec, "files"))
      json_object_set_array_member (rec, "files", json_array_new ());
    file = json_object_new ();
    json_object_set_string_member (file, "field", field);
    json_object_set_string_member (file, "filename", filename);
    json_object_set_string_member (file, "content_type", content_type);
    json_object_set_int_member (file, "size", g_bytes_get_size (data));
    json_array_add_object_element (json_object_get_array_member (rec,
            "files"), file);
    files = g_ptr_array_index (emu->record_files, record - emu->record_base);
    if (files == NULL) {
      files = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_ptr_array_index (emu->record_files, record - emu->record_base) = files;
    }
    g_ptr_array_add (files, g_bytes_ref (data));
  }
  changed_locked (emu);
  g_mutex_unlock (&emu->lock);
}

void
emu_record_ws_event (SandraEmulator * emu, guint record,
    gboolean server_event, JsonNode * event)
{
  const gchar *member = server_event ? "server_events" : "events";
  JsonObject *rec;

  g_mutex_lock (&emu->lock);
  if ((rec = record_at (emu, record))) {
    if (!json_object_has_member (rec, member))
      json_object_set_array_member (rec, member, json_array_new ());
    json_array_add_element (json_object_get_array_member (rec, member),
        deep_copy (event));
  }
  changed_locked (emu);
  g_mutex_unlock (&emu->lock);
}

void
emu_record_clear_locked (SandraEmulator * emu)
{
  emu->record_base += json_array_get_length (emu->records);
  json_array_unref (emu->records);
  emu->records = json_array_new ();
  g_ptr_array_set_size (emu->record_files, 0);
  changed_locked (emu);
}

gchar *
emu_record_dump_json (SandraEmulator * emu)
{
  JsonNode *root;
  JsonArray *arr;
  guint i, j;
  gchar *out;

  g_mutex_lock (&emu->lock);
  root = json_node_new (JSON_NODE_ARRAY);
  arr = json_array_new ();
  for (i = 0; i < json_array_get_length (emu->records); i++) {
    JsonNode *rec = deep_copy (json_array_get_element (emu->records, i));
    GPtrArray *files = g_ptr_array_index (emu->record_files, i);
    JsonObject *obj = json_node_get_object (rec);

    for (j = 0; files && j < files->len; j++) {
      JsonObject *f = json_array_get_object_element
          (json_object_get_array_member (obj, "files"), j);
      GBytes *b = g_ptr_array_index (files, j);
      gchar *b64 = g_base64_encode (g_bytes_get_data (b, NULL),
          g_bytes_get_size (b));

      json_object_set_string_member (f, "data_base64", b64);
      g_free (b64);
    }
    json_array_add_element (arr, rec);
  }
  g_mutex_unlock (&emu->lock);
  json_node_take_array (root, arr);
  out = json_to_string (root, TRUE);
  json_node_unref (root);
  return out;
}

/* ---- public lookups ---- */

JsonArray *
sandra_emulator_dup_requests (SandraEmulator * emu)
{
  JsonNode *copy, *src;
  JsonArray *arr;

  g_return_val_if_fail (emu != NULL, NULL);
  g_mutex_lock (&emu->lock);
  src = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (src, emu->records);
  copy = deep_copy (src);
  g_mutex_unlock (&emu->lock);
  arr = json_array_ref (json_node_get_array (copy));
  json_node_unref (copy);
  json_node_unref (src);
  return arr;
}

JsonObject *
sandra_emulator_dup_request (SandraEmulator * emu, guint index)
{
  JsonObject *rec, *copy = NULL;

  g_return_val_if_fail (emu != NULL, NULL);
  g_mutex_lock (&emu->lock);
  if ((rec = record_at (emu, index)))
    copy = deep_copy_object (rec);
  g_mutex_unlock (&emu->lock);
  return copy;
}

static guint
count_locked (SandraEmulator * emu, const gchar * path)
{
  guint i, n = 0;

  for (i = 0; i < json_array_get_length (emu->records); i++) {
    JsonObject *rec = json_array_get_object_element (emu->records, i);

    if (path == NULL ||
        g_strcmp0 (json_object_get_string_member (rec, "path"), path) == 0)
      n++;
  }
  return n;
}

guint
sandra_emulator_count_requests (SandraEmulator * emu, const gchar * path)
{
  guint n;

  g_return_val_if_fail (emu != NULL, 0);
  g_mutex_lock (&emu->lock);
  n = count_locked (emu, path);
  g_mutex_unlock (&emu->lock);
  return n;
}

gchar *
sandra_emulator_dup_last_form_field (SandraEmulator * emu,
    const gchar * path, const gchar * name)
{
  gchar *value = NULL;
  guint i;

  g_return_val_if_fail (emu != NULL && name != NULL, NULL);
  g_mutex_lock (&emu->lock);
  for (i = json_array_get_length (emu->records); i > 0; i--) {
    JsonObject *rec = json_array_get_object_element (emu->records, i - 1);
    JsonObject *form;

    if (path && g_strcmp0 (json_object_get_string_member (rec, "path"),
            path) != 0)
      continue;
    if (!json_object_has_member (rec, "form"))
      break;
    form = json_object_get_object_member (rec, "form");
    value = g_strdup (json_object_get_string_member_with_default (form, name,
            NULL));
    break;
  }
  g_mutex_unlock (&emu->lock);
  return value;
}

GBytes *
sandra_emulator_dup_file (SandraEmulator * emu, guint index,
    gchar ** filename, gchar ** content_type)
{
  GBytes *data = NULL;
  GPtrArray *files;

  g_return_val_if_fail (emu != NULL, NULL);
  g_mutex_lock (&emu->lock);
  if (record_at (emu, index) &&
      (files = g_ptr_array_index (emu->record_files,
              index - emu->record_base)) && files->len > 0) {
    JsonObject *f = json_array_get_object_element
        (json_object_get_array_member (record_at (emu, index), "files"), 0);

    data = g_bytes_ref (g_ptr_array_index (files, 0));
    if (filename)
      *filename = g_strdup (json_object_get_string_member (f, "filename"));
    if (content_type)
      *content_type =
          g_strdup (json_object_get_string_member (f, "content_type"));
  }
  g_mutex_unlock (&emu->lock);
  return data;
}

static guint
collect_events_locked (SandraEmulator * emu, const gchar * member,
    const gchar * type, JsonArray * out)
{
  guint i, j, n = 0;

  for (i = 0; i < json_array_get_length (emu->records); i++) {
    JsonObject *rec = json_array_get_object_element (emu->records, i);
    JsonArray *events;

    if (!json_object_has_member (rec, member))
      continue;
    events = json_object_get_array_member (rec, member);
    for (j = 0; j < json_array_get_length (events); j++) {
      JsonNode *ev = json_array_get_element (events, j);
      const gchar *t = NULL;

      if (JSON_NODE_HOLDS_OBJECT (ev))
        t = json_object_get_string_member_with_default
            (json_node_get_object (ev), "type", NULL);
      if (type && g_strcmp0 (t, type) != 0)
        continue;
      n++;
      if (out)
        json_array_add_element (out, deep_copy (ev));
    }
  }
  return n;
}

JsonArray *
sandra_emulator_dup_ws_events (SandraEmulator * emu, const gchar * type)
{
  JsonArray *out = json_array_new ();

  g_return_val_if_fail (emu != NULL, out);
  g_mutex_lock (&emu->lock);
  collect_events_locked (emu, "events", type, out);
  g_mutex_unlock (&emu->lock);
  return out;
}

JsonArray *
sandra_emulator_dup_ws_server_events (SandraEmulator * emu, const gchar * type)
{
  JsonArray *out = json_array_new ();

  g_return_val_if_fail (emu != NULL, out);
  g_mutex_lock (&emu->lock);
  collect_events_locked (emu, "server_events", type, out);
  g_mutex_unlock (&emu->lock);
  return out;
}

gboolean
sandra_emulator_wait_ws_events (SandraEmulator * emu, const gchar * type,
    guint count, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean reached;

  g_return_val_if_fail (emu != NULL, FALSE);
  g_mutex_lock (&emu->lock);
  while (!(reached = collect_events_locked (emu, "events", type,
              NULL) >= count))
    if (!g_cond_wait_until (&emu->cond, &emu->lock, end))
      break;
  reached = collect_events_locked (emu, "events", type, NULL) >= count;
  g_mutex_unlock (&emu->lock);
  return reached;
}

gboolean
sandra_emulator_wait_requests (SandraEmulator * emu, const gchar * path,
    guint count, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean reached;

  g_return_val_if_fail (emu != NULL, FALSE);
  g_mutex_lock (&emu->lock);
  while (count_locked (emu, path) < count)
    if (!g_cond_wait_until (&emu->cond, &emu->lock, end))
      break;
  reached = count_locked (emu, path) >= count;
  g_mutex_unlock (&emu->lock);
  return reached;
}

gboolean
sandra_emulator_wait_ws_server_events (SandraEmulator * emu,
    const gchar * type, guint count, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean reached;

  g_return_val_if_fail (emu != NULL, FALSE);
  g_mutex_lock (&emu->lock);
  while (collect_events_locked (emu, "server_events", type, NULL) < count)
    if (!g_cond_wait_until (&emu->cond, &emu->lock, end))
      break;
  reached = collect_events_locked (emu, "server_events", type, NULL) >= count;
  g_mutex_unlock (&emu->lock);
  return reached;
}

gint
sandra_emulator_get_last_ws_session (SandraEmulator * emu)
{
  gint found = -1;
  guint i;

  g_return_val_if_fail (emu != NULL, -1);
  g_mutex_lock (&emu->lock);
  for (i = json_array_get_length (emu->records); i > 0 && found < 0; i--) {
    JsonObject *rec = json_array_get_object_element (emu->records, i - 1);

    if (json_object_get_boolean_member_with_default (rec, "websocket", FALSE)
        && json_object_get_int_member_with_default (rec, "status", 0) == 101)
      found = json_object_get_int_member (rec, "index");
  }
  g_mutex_unlock (&emu->lock);
  return found;
}

JsonArray *
sandra_emulator_dup_session_events (SandraEmulator * emu, guint index,
    const gchar * type, gboolean server)
{
  JsonArray *out = json_array_new ();
  JsonObject *rec;
  JsonNode *n;
  guint i;

  g_return_val_if_fail (emu != NULL, out);
  g_mutex_lock (&emu->lock);
  rec = record_at (emu, index);
  n = rec ? json_object_get_member (rec, server ? "server_events" :
      "events") : NULL;
  for (i = 0; n && i < json_array_get_length (json_node_get_array (n)); i++) {
    JsonNode *ev = json_array_get_element (json_node_get_array (n), i);

    if (type && (!JSON_NODE_HOLDS_OBJECT (ev) ||
            g_strcmp0 (json_object_get_string_member_with_default
                (json_node_get_object (ev), "type", NULL), type) != 0))
      continue;
    json_array_add_element (out, deep_copy (ev));
  }
  g_mutex_unlock (&emu->lock);
  return out;
}

JsonArray *
sandra_emulator_dup_conversation (SandraEmulator * emu, guint index)
{
  JsonArray *out = NULL;
  JsonObject *rec;
  JsonNode *n;

  g_return_val_if_fail (emu != NULL, json_array_new ());
  g_mutex_lock (&emu->lock);
  rec = record_at (emu, index);
  n = rec ? json_object_get_member (rec, "conversation") : NULL;
  if (n && JSON_NODE_HOLDS_ARRAY (n)) {
    JsonNode *copy = deep_copy (n);

    out = json_array_ref (json_node_get_array (copy));
    json_node_unref (copy);
  }
  g_mutex_unlock (&emu->lock);
  return out ? out : json_array_new ();
}

guint64
sandra_emulator_get_audio_bytes_received (SandraEmulator * emu, guint index)
{
  JsonObject *rec;
  guint64 bytes = 0;

  g_return_val_if_fail (emu != NULL, 0);
  g_mutex_lock (&emu->lock);
  rec = record_at (emu, index);
  if (rec)
    bytes = json_object_get_int_member_with_default (rec,
        "audio_bytes_received", 0);
  g_mutex_unlock (&emu->lock);
  return bytes;
}
