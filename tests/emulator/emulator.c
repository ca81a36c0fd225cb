/* gst-sandra local API emulator: life cycle, server thread, shared checks
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The SoupServer lives in a thread of its own, with its own GMainContext:
 * a gst-check test blocks its main thread on a pipeline or a synchronous
 * client, and the emulator must keep answering meanwhile. Everything soup
 * does happens in that thread; other threads only touch the scenario and the
 * records, under the lock.
 */
#include "emulator-private.h"
#include "validate.h"

#include <string.h>

G_DEFINE_QUARK (sandra - emulator - error - quark, sandra_emulator_error);

void
emu_log (SandraEmulator * emu, const gchar * format, ...)
{
  gboolean verbose;
  va_list ap;

  g_mutex_lock (&emu->lock);
  verbose = emu->verbose;
  g_mutex_unlock (&emu->lock);
  if (!verbose)
    return;
  va_start (ap, format);
  g_logv (EMU_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE, format, ap);
  va_end (ap);
}

GSource *
emu_timeout_add (SandraEmulator * emu, guint delay_ms, GSourceFunc func,
    gpointer data, GDestroyNotify notify)
{
  GSource *src = delay_ms ? g_timeout_source_new (delay_ms) :
      g_idle_source_new ();

  g_source_set_callback (src, func, data, notify);
  g_source_attach (src, emu->context);
  return src;
}

static void
add_request_id (SoupServerMessage * msg)
{
  gchar *id = g_strdup_printf ("req_%08x%08x", g_random_int (),
      g_random_int ());

  soup_message_headers_replace (soup_server_message_get_response_headers
      (msg), "x-request-id", id);
  g_free (id);
}

const gchar *
emu_status_phrase (guint status)
{
  /* libsoup 3.2 has no phrase for 429. */
  if (status == 429)
    return "Too Many Requests";
  return soup_status_get_phrase (status);
}

void
emu_set_status (SoupServerMessage * msg, guint status)
{
  soup_server_message_set_status (msg, status, emu_status_phrase (status));
}

void
emu_reply_json (SoupServerMessage * msg, guint status, const gchar * json)
{
  add_request_id (msg);
  emu_set_status (msg, status);
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_COPY, json, strlen (json));
}

void
emu_reply_error (SandraEmulator * emu, SoupServerMessage * msg, guint record,
    guint status, const gchar * type, const gchar * param, const gchar * code,
    const gchar * format, ...)
{
  JsonObject *wrapper = json_object_new ();
  JsonNode *root = json_node_new (JSON_NODE_OBJECT);
  gchar *message, *body;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);

  json_object_set_object_member (wrapper, "error",
      emu_error_object (type, message, param, code));
  json_node_take_object (root, wrapper);
  body = json_to_string (root, FALSE);

  emu_reply_json (msg, status, body);
  emu_record_set_status (emu, record, status);
  emu_record_set_member (emu, record, "error", json_node_copy (root));
  emu_log (emu, "  -> %u %s", status, message);

  json_node_unref (root);
  g_free (body);
  g_free (message);
}

gboolean
emu_check_auth (SandraEmulator * emu, SoupServerMessage * msg, guint record)
{
  const gchar *h = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Authorization");
  const gchar *key = NULL, *key_id = NULL;
  gint key_index = -1;
  gboolean valid = FALSE;
  JsonObject *auth = json_object_new ();
  JsonNode *node;

  if (h && g_ascii_strncasecmp (h, "Bearer ", 7) == 0) {
    key = h + 7;
    while (*key == ' ')
      key++;
  }
  g_mutex_lock (&emu->lock);
  if (key)
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

  if (key == NULL || *key == '\0') {
    emu_reply_error (emu, msg, record, SOUP_STATUS_UNAUTHORIZED,
        "invalid_request_error", NULL, NULL,
        "You didn't provide an API key. You need to provide your API key in "
        "an Authorization header using Bearer auth (i.e. Authorization: "
        "Bearer YOUR_KEY).");
    return FALSE;
  }
  if (!valid) {
    /* The service echoes a masked key; the emulator does not echo it at all
     * so that no part of a secret ever lands in a test log. */
    emu_reply_error (emu, msg, record, SOUP_STATUS_UNAUTHORIZED,
        "invalid_request_error", NULL, "invalid_api_key",
        "Incorrect API key provided.");
    return FALSE;
  }
  return TRUE;
}

/* Durations as the service writes them in x-ratelimit-reset-*: "12ms",
 * "1.5s", "6m0s". */
static gchar *
format_duration (guint ms)
{
  if (ms < 1000)
    return g_strdup_printf ("%ums", ms);
  if (ms < 60000)
    return g_strdup_printf ("%gs", ms / 1000.0);
  return g_strdup_printf ("%um%us", ms / 60000, (ms % 60000) / 1000);
}

gboolean
emu_check_rate_limit (SandraEmulator * emu, SoupServerMessage * msg,
    guint record)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  guint limit, remaining, reset_ms, retry_ms;
  gboolean ok;
  gchar *s;

  g_mutex_lock (&emu->lock);
  ok = emu_scenario_take_request (emu->scenario, g_get_monotonic_time (),
      &limit, &remaining, &reset_ms, &retry_ms);
  g_mutex_unlock (&emu->lock);
  if (limit == 0)
    return TRUE;

  s = g_strdup_printf ("%u", limit);
  soup_message_headers_replace (h, "x-ratelimit-limit-requests", s);
  g_free (s);
  s = g_strdup_printf ("%u", remaining);
  soup_message_headers_replace (h, "x-ratelimit-remaining-requests", s);
  g_free (s);
  s = format_duration (reset_ms);
  soup_message_headers_replace (h, "x-ratelimit-reset-requests", s);
  g_free (s);
  if (ok)
    return TRUE;

  s = g_strdup_printf ("%u", retry_ms);
  soup_message_headers_replace (h, "retry-after-ms", s);
  g_free (s);
  s = g_strdup_printf ("%u", (retry_ms + 999) / 1000);
  soup_message_headers_replace (h, "retry-after", s);
  g_free (s);
  emu_reply_error (emu, msg, record, 429, "requests", NULL,
      "rate_limit_exceeded",
      "Rate limit reached for requests (limit %u). Please try again in %gs.",
      limit, retry_ms / 1000.0);
  return FALSE;
}

/* Rejects oversized bodies as soon as the headers say so, before reading
 * them, as a front end does. */
static void
early_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  SandraEmulator *emu = user_data;
  goffset len = soup_message_headers_get_content_length
      (soup_server_message_get_request_headers (msg));
  gint64 max;
  guint record;

  g_mutex_lock (&emu->lock);
  max = emu_scenario_get_max_body_bytes (emu->scenario);
  g_mutex_unlock (&emu->lock);
  if (len <= max)
    return;
  record = emu_record_request (emu, msg);
  emu_log (emu, "%s %s (%" G_GOFFSET_FORMAT " bytes)",
      soup_server_message_get_method (msg), path, len);
  emu_reply_error (emu, msg, record, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
      "server_error", NULL, NULL,
      "Maximum content size limit (%" G_GINT64_FORMAT ") exceeded (%"
      G_GOFFSET_FORMAT " bytes read)", max, len);
}

static void
not_found_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  SandraEmulator *emu = user_data;
  guint record = emu_record_request (emu, msg);

  emu_log (emu, "%s %s", soup_server_message_get_method (msg), path);
  emu_reply_error (emu, msg, record, SOUP_STATUS_NOT_FOUND,
      "invalid_request_error", NULL, NULL, "Invalid URL (%s %s)",
      soup_server_message_get_method (msg), path);
}

/* /__emulator/...: the executable's window on the record and scenario. Not
 * recorded and not authenticated: it is the tester's side, not the API. */
static void
debug_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  SandraEmulator *emu = user_data;
  const gchar *method = soup_server_message_get_method (msg);

  if (g_str_equal (path, "/__emulator/requests") && g_str_equal (method, "GET")) {
    gchar *json = emu_record_dump_json (emu);

    emu_reply_json (msg, SOUP_STATUS_OK, json);
    g_free (json);
  } else if (g_str_equal (path, "/__emulator/reset") &&
      g_str_equal (method, "POST")) {
    sandra_emulator_reset (emu);
    emu_reply_json (msg, SOUP_STATUS_OK, "{\"ok\":true}");
  } else if (g_str_equal (path, "/__emulator/scenario") &&
      g_str_equal (method, "POST")) {
    SoupMessageBody *body = soup_server_message_get_request_body (msg);
    GBytes *bytes = soup_message_body_flatten (body);
    gchar *json = g_strndup (g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes));
    GError *err = NULL;

    if (sandra_emulator_set_scenario (emu, json, &err)) {
      emu_reply_json (msg, SOUP_STATUS_OK, "{\"ok\":true}");
    } else {
      JsonBuilder *b = json_builder_new ();
      JsonNode *root;
      gchar *out;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "ok");
      json_builder_add_boolean_value (b, FALSE);
      json_builder_set_member_name (b, "message");
      json_builder_add_string_value (b, err->message);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      out = json_to_string (root, FALSE);
      emu_reply_json (msg, SOUP_STATUS_BAD_REQUEST, out);
      g_free (out);
      json_node_unref (root);
      g_object_unref (b);
      g_error_free (err);
    }
    g_free (json);
    g_bytes_unref (bytes);
  } else {
    emu_reply_json (msg, SOUP_STATUS_NOT_FOUND,
        "{\"ok\":false,\"message\":\"debug endpoints: GET "
        "/__emulator/requests, POST /__emulator/scenario, "
        "POST /__emulator/reset\"}");
  }
}

static gboolean
quit_cb (gpointer data)
{
  SandraEmulator *emu = data;

  g_main_loop_quit (emu->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
server_thread (gpointer data)
{
  SandraEmulator *emu = data;
  GInetAddress *addr;
  GSocketAddress *sockaddr;
  GError *err = NULL;
  GSList *uris;
  gint64 deadline;
  guint i;

  g_main_context_push_thread_default (emu->context);
  emu->server = soup_server_new ("server-header", "sandra-emulator ", NULL);
  soup_server_add_early_handler (emu->server, "/v1", early_handler, emu, NULL);
  /* Also at "/v1": the early handler's entry would otherwise shadow the
   * root one and leave unknown API paths without a handler (500). */
  soup_server_add_handler (emu->server, NULL, not_found_handler, emu, NULL);
  soup_server_add_handler (emu->server, "/v1", not_found_handler, emu, NULL);
  soup_server_add_handler (emu->server, "/__emulator", debug_handler, emu,
      NULL);
  emu_transcription_register (emu);
  emu_realtime_register (emu);

  addr = g_inet_address_new_from_string (emu->host);
  sockaddr = g_inet_socket_address_new (addr, emu->port);
  if (soup_server_listen (emu->server, sockaddr, 0, &err)) {
    uris = soup_server_get_uris (emu->server);
    emu->port = g_uri_get_port (uris->data);
    g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
    emu->base_url = g_strdup_printf ("http://%s%s%s:%u/v1",
        strchr (emu->host, ':') ? "[" : "", emu->host,
        strchr (emu->host, ':') ? "]" : "", emu->port);
  } else {
    g_set_error (&emu->start_error, SANDRA_EMULATOR_ERROR,
        SANDRA_EMULATOR_ERROR_START, "cannot listen on %s:%u: %s",
        emu->host, emu->port, err->message);
    g_error_free (err);
  }
  g_object_unref (sockaddr);
  g_object_unref (addr);

  g_mutex_lock (&emu->lock);
  emu->start_done = TRUE;
  g_cond_broadcast (&emu->cond);
  g_mutex_unlock (&emu->lock);

  if (emu->start_error == NULL)
    g_main_loop_run (emu->loop);

  emu_realtime_close_all (emu);
  soup_server_disconnect (emu->server);
  /* Let pending callbacks (timers holding messages, closing handshakes)
   * run and release what they hold, for a bounded time. */
  deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && (emu->rt_conns ||
          g_main_context_pending (emu->context))) {
    if (!g_main_context_iteration (emu->context, FALSE))
      g_usleep (1000);
  }
  emu_realtime_free_all (emu);
  g_clear_object (&emu->server);
  for (i = 0; i < 100 && g_main_context_iteration (emu->context, FALSE); i++);
  g_main_context_pop_thread_default (emu->context);
  return NULL;
}

static void
free_files (gpointer files)
{
  if (files)
    g_ptr_array_unref (files);
}

static SandraEmulator *
emulator_new (EmuScenario * sc)
{
  SandraEmulator *emu;

  if (sc == NULL)
    return NULL;
  emu = g_new0 (SandraEmulator, 1);
  g_mutex_init (&emu->lock);
  g_cond_init (&emu->cond);
  emu->scenario = sc;
  emu->records = json_array_new ();
  emu->record_files = g_ptr_array_new_with_free_func (free_files);
  emu->context = g_main_context_new ();
  emu->loop = g_main_loop_new (emu->context, FALSE);
  return emu;
}

SandraEmulator *
sandra_emulator_new (const gchar * scenario_json, GError ** error)
{
  return emulator_new (emu_scenario_new (scenario_json, error));
}

SandraEmulator *
sandra_emulator_new_from_file (const gchar * path, GError ** error)
{
  gchar *contents = NULL;
  SandraEmulator *emu;

  gchar *dir;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  /* Fixtures the file names sit next to it. */
  dir = g_path_get_dirname (path);
  if (!g_path_is_absolute (dir)) {
    gchar *cwd = g_get_current_dir ();
    gchar *abs = g_build_filename (cwd, dir, NULL);

    g_free (cwd);
    g_free (dir);
    dir = abs;
  }
  emu = emulator_new (emu_scenario_new_in_dir (contents, dir, error));
  g_free (dir);
  g_free (contents);
  return emu;
}

gboolean
sandra_emulator_start_on (SandraEmulator * emu, const gchar * host,
    guint port, GError ** error)
{
  g_return_val_if_fail (emu != NULL && emu->thread == NULL, FALSE);
  g_return_val_if_fail (port <= G_MAXUINT16, FALSE);

  if (!g_hostname_is_ip_address (host)) {
    g_set_error (error, SANDRA_EMULATOR_ERROR, SANDRA_EMULATOR_ERROR_START,
        "\"%s\" is not an IP address", host);
    return FALSE;
  }
  emu->host = g_strdup (host);
  emu->port = port;
  emu->thread = g_thread_new ("sandra-emulator", server_thread, emu);
  g_mutex_lock (&emu->lock);
  while (!emu->start_done)
    g_cond_wait (&emu->cond, &emu->lock);
  g_mutex_unlock (&emu->lock);
  if (emu->start_error) {
    g_propagate_error (error, g_error_copy (emu->start_error));
    return FALSE;
  }
  return TRUE;
}

gboolean
sandra_emulator_start (SandraEmulator * emu, guint port, GError ** error)
{
  return sandra_emulator_start_on (emu, "127.0.0.1", port, error);
}

void
sandra_emulator_free (SandraEmulator * emu)
{
  if (emu == NULL)
    return;
  if (emu->thread) {
    g_main_context_invoke (emu->context, quit_cb, emu);
    g_thread_join (emu->thread);
  }
  g_clear_error (&emu->start_error);
  g_main_loop_unref (emu->loop);
  g_main_context_unref (emu->context);
  emu_scenario_free (emu->scenario);
  json_array_unref (emu->records);
  g_ptr_array_unref (emu->record_files);
  g_mutex_clear (&emu->lock);
  g_cond_clear (&emu->cond);
  g_free (emu->host);
  g_free (emu->base_url);
  g_free (emu);
}

guint
sandra_emulator_get_port (SandraEmulator * emu)
{
  g_return_val_if_fail (emu != NULL, 0);
  return emu->port;
}

const gchar *
sandra_emulator_get_base_url (SandraEmulator * emu)
{
  g_return_val_if_fail (emu != NULL, NULL);
  return emu->base_url;
}

gboolean
sandra_emulator_set_scenario (SandraEmulator * emu,
    const gchar * scenario_json, GError ** error)
{
  EmuScenario *sc = emu_scenario_new (scenario_json, error);

  if (sc == NULL)
    return FALSE;
  g_mutex_lock (&emu->lock);
  emu_scenario_free (emu->scenario);
  emu->scenario = sc;
  g_mutex_unlock (&emu->lock);
  return TRUE;
}

void
sandra_emulator_reset (SandraEmulator * emu)
{
  g_mutex_lock (&emu->lock);
  emu_scenario_restart (emu->scenario);
  emu_record_clear_locked (emu);
  g_mutex_unlock (&emu->lock);
}

void
sandra_emulator_set_verbose (SandraEmulator * emu, gboolean verbose)
{
  g_mutex_lock (&emu->lock);
  emu->verbose = verbose;
  g_mutex_unlock (&emu->lock);
}
