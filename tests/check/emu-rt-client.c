/* gst-sandra tests: emulator helpers and a plain libsoup Realtime client
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "emu-rt-client.h"
#include "test-util.h"

#include <string.h>

SandraEmulator *
emu_test_start (const gchar * scenario)
{
  GError *err = NULL;
  SandraEmulator *emu = sandra_emulator_new (scenario, &err);

  fail_unless (emu != NULL, "scenario rejected: %s", err ? err->message : "");
  fail_unless (sandra_emulator_start (emu, 0, &err), "start: %s",
      err ? err->message : "");
  return emu;
}

GBytes *
emu_test_speech_24k (const gchar * name, guint silence_ms)
{
  GBytes *speech = sandra_test_load_audio (name, 24000, 1);
  GByteArray *a = g_byte_array_new ();
  gsize n = 24000 * 2 * silence_ms / 1000;

  g_byte_array_append (a, g_bytes_get_data (speech, NULL),
      g_bytes_get_size (speech));
  g_byte_array_set_size (a, a->len + n);
  memset (a->data + a->len - n, 0, n);
  g_bytes_unref (speech);
  return g_byte_array_free_to_bytes (a);
}

static void
rt_on_message (SoupWebsocketConnection * ws, gint type, GBytes * msg,
    gpointer data)
{
  RtClient *c = data;
  gchar *text = g_strndup (g_bytes_get_data (msg, NULL),
      g_bytes_get_size (msg));
  JsonNode *n = json_from_string (text, NULL);

  fail_unless (n != NULL && JSON_NODE_HOLDS_OBJECT (n), "bad event %s", text);
  g_ptr_array_add (c->events, json_object_ref (json_node_get_object (n)));
  json_node_unref (n);
  g_free (text);
}

static void
rt_on_closed (SoupWebsocketConnection * ws, gpointer data)
{
  ((RtClient *) data)->closed = TRUE;
}

static void
rt_connected (GObject * source, GAsyncResult * res, gpointer data)
{
  RtClient *c = data;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), res,
      &c->error);
  c->done = TRUE;
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

RtClient *
rt_connect (SandraEmulator * emu, const gchar * key, gboolean beta,
    const gchar * query)
{
  RtClient *c = g_new0 (RtClient, 1);
  gchar *url = g_strdup_printf ("ws://127.0.0.1:%u/v1/realtime?%s",
      sandra_emulator_get_port (emu), query);
  SoupMessage *msg = soup_message_new ("GET", url);
  GSource *tick;

  c->context = g_main_context_new ();
  c->events = g_ptr_array_new_with_free_func ((GDestroyNotify)
      json_object_unref);
  g_main_context_push_thread_default (c->context);
  c->session = soup_session_new ();
  if (key) {
    gchar *auth = g_strdup_printf ("Bearer %s", key);

    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", auth);
    g_free (auth);
  }
  if (beta)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "OpenAI-Beta", "realtime=v1");
  /* Wakes the loop so RT_ITERATE_UNTIL can check its deadline. */
  tick = g_timeout_source_new (100);
  g_source_set_callback (tick, wake, NULL, NULL);
  g_source_attach (tick, c->context);
  g_source_unref (tick);

  soup_session_websocket_connect_async (c->session, msg, NULL, NULL,
      G_PRIORITY_DEFAULT, NULL, rt_connected, c);
  RT_ITERATE_UNTIL (c, c->done);
  c->status = soup_message_get_status (msg);
  if (c->ws) {
    g_signal_connect (c->ws, "message", G_CALLBACK (rt_on_message), c);
    g_signal_connect (c->ws, "closed", G_CALLBACK (rt_on_closed), c);
  }
  g_object_unref (msg);
  g_free (url);
  return c;
}

void
rt_free (RtClient * c)
{
  if (c->ws) {
    if (soup_websocket_connection_get_state (c->ws) ==
        SOUP_WEBSOCKET_STATE_OPEN) {
      soup_websocket_connection_close (c->ws, SOUP_WEBSOCKET_CLOSE_NORMAL,
          NULL);
      RT_ITERATE_UNTIL (c, c->closed);
    }
    g_signal_handlers_disconnect_by_data (c->ws, c);
    g_object_unref (c->ws);
  }
  g_object_unref (c->session);
  g_clear_error (&c->error);
  g_ptr_array_unref (c->events);
  while (g_main_context_iteration (c->context, FALSE));
  g_main_context_pop_thread_default (c->context);
  g_main_context_unref (c->context);
  g_free (c);
}

void
rt_send (RtClient * c, const gchar * json)
{
  soup_websocket_connection_send_text (c->ws, json);
}

JsonObject *
rt_scan (RtClient * c, const gchar * type)
{
  while (c->cursor < c->events->len) {
    JsonObject *ev = g_ptr_array_index (c->events, c->cursor++);

    if (g_str_equal (json_object_get_string_member (ev, "type"), type))
      return ev;
  }
  return NULL;
}

/* The next server event of @type (skipping others), or fails. */
JsonObject *
rt_wait (RtClient * c, const gchar * type)
{
  JsonObject *found = NULL;

  RT_ITERATE_UNTIL (c, (found = rt_scan (c, type)) || c->closed);
  if (found == NULL)
    found = rt_scan (c, type);
  fail_unless (found != NULL, "no %s event came", type);
  return found;
}

JsonObject *
rt_wait_error (RtClient * c, const gchar * event_id, const gchar * code,
    const gchar * param)
{
  JsonObject *ev = rt_wait (c, "error");
  JsonObject *e = json_object_get_object_member (ev, "error");

  fail_unless_equals_string (json_object_get_string_member (e, "type"),
      "invalid_request_error");
  if (event_id)
    fail_unless_equals_string (json_object_get_string_member (e,
            "event_id"), event_id);
  if (code)
    fail_unless_equals_string (json_object_get_string_member (e, "code"), code);
  if (param)
    fail_unless_equals_string (json_object_get_string_member (e, "param"),
        param);
  return e;
}

/* Sends @n_bytes of 24 kHz S16LE as appends of 40 ms. */
void
rt_append_audio (RtClient * c, const guint8 * data, gsize n_bytes)
{
  const gsize chunk = 24000 * 2 * 40 / 1000;
  gsize off;

  for (off = 0; off < n_bytes; off += chunk) {
    gchar *b64 = g_base64_encode (data + off, MIN (chunk, n_bytes - off));
    gchar *ev = g_strdup_printf ("{\"type\":\"input_audio_buffer.append\","
        "\"audio\":\"%s\"}", b64);

    rt_send (c, ev);
    g_free (ev);
    g_free (b64);
  }
}
