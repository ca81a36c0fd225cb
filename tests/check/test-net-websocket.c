/* WebSocket client against a local SoupServer: echo, the send queue,
 * close-code classification, reconnection with backoff, upgrade failures,
 * timeouts and teardown with a live connection.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "net-test-server.h"
#include "net-test-log.h"
#include "sandra-websocket.h"
#include "sandra-credentials.h"

static NetTestServer *server;
static SandraWorker *worker;

/* ------------------------------------------------------------ server side */

static GMutex srv_lock;
static GCond srv_cond;
static GPtrArray *srv_received; /* "t:text" or "b:len" */
static GList *srv_conns;
static guint srv_upgrades;
static gchar *srv_auth;
static gchar *srv_protocol;

static void
srv_conn_closed (SoupWebsocketConnection * conn, gpointer data)
{
  g_mutex_lock (&srv_lock);
  srv_conns = g_list_remove (srv_conns, conn);
  g_mutex_unlock (&srv_lock);
  g_object_unref (conn);
}

static void
srv_message (SoupWebsocketConnection * conn, gint type, GBytes * message,
    gpointer data)
{
  gsize len;
  const gchar *text = g_bytes_get_data (message, &len);

  g_mutex_lock (&srv_lock);
  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    g_ptr_array_add (srv_received, g_strdup_printf ("t:%s", text));
  else
    g_ptr_array_add (srv_received, g_strdup_printf ("b:%" G_GSIZE_FORMAT, len));
  g_cond_broadcast (&srv_cond);
  g_mutex_unlock (&srv_lock);

  if (type == SOUP_WEBSOCKET_DATA_TEXT && g_str_has_prefix (text, "close:")) {
    /* "close:CODE:REASON" */
    gchar **parts = g_strsplit (text, ":", 3);
    soup_websocket_connection_close (conn, atoi (parts[1]), parts[2]);
    g_strfreev (parts);
  } else if (type == SOUP_WEBSOCKET_DATA_TEXT && strcmp (text, "drop") == 0) {
    /* vanish without a close frame */
    g_io_stream_close (soup_websocket_connection_get_io_stream (conn), NULL,
        NULL);
  } else {
    soup_websocket_connection_send_message (conn, type, message);
  }
}

static void
ws_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    SoupWebsocketConnection * conn, gpointer data)
{
  g_mutex_lock (&srv_lock);
  srv_upgrades++;
  g_free (srv_auth);
  srv_auth = g_strdup (soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "Authorization"));
  g_free (srv_protocol);
  srv_protocol = g_strdup (soup_websocket_connection_get_protocol (conn));
  srv_conns = g_list_prepend (srv_conns, g_object_ref (conn));
  g_cond_broadcast (&srv_cond);
  g_mutex_unlock (&srv_lock);
  soup_websocket_connection_set_max_incoming_payload_size (conn, 0);
  g_signal_connect (conn, "message", G_CALLBACK (srv_message), NULL);
  g_signal_connect (conn, "closed", G_CALLBACK (srv_conn_closed), NULL);
}

static gboolean
flaky_close (gpointer data)
{
  soup_websocket_connection_close (data, 1011, "overloaded");
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

/* Accepts, then closes at once: an overloaded service. */
static void
flaky_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    SoupWebsocketConnection * conn, gpointer data)
{
  g_mutex_lock (&srv_lock);
  srv_upgrades++;
  srv_conns = g_list_prepend (srv_conns, g_object_ref (conn));
  g_cond_broadcast (&srv_cond);
  g_mutex_unlock (&srv_lock);
  g_signal_connect (conn, "closed", G_CALLBACK (srv_conn_closed), NULL);
  /* once the upgrade is out */
  net_test_server_post (server, flaky_close, g_object_ref (conn));
}

static void
status_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  guint status = GPOINTER_TO_UINT (data);
  static const gchar body[] = "{\"error\":{\"message\":\"nope\"}}";

  g_mutex_lock (&srv_lock);
  srv_upgrades++;
  g_cond_broadcast (&srv_cond);
  g_mutex_unlock (&srv_lock);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json",
      SOUP_MEMORY_STATIC, body, strlen (body));
}

static void
hang_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  soup_server_message_pause (msg);
}

/* The server's handler may run after the client saw its 101. */
static void
wait_upgrades (guint n)
{
  g_mutex_lock (&srv_lock);
  while (srv_upgrades < n)
    g_cond_wait (&srv_cond, &srv_lock);
  g_mutex_unlock (&srv_lock);
}

static void
wait_received (guint n)
{
  g_mutex_lock (&srv_lock);
  while (srv_received->len < n)
    g_cond_wait (&srv_cond, &srv_lock);
  g_mutex_unlock (&srv_lock);
}

/* ------------------------------------------------------------ client side */

typedef struct
{
  GMutex lock;
  GCond cond;
  GPtrArray *events;
  gboolean wrong_thread;
  gboolean notified;
  SandraWebSocket *ws;
  /* sent from the opened callback with SANDRA_WS_SEND_FIRST, in order */
  const gchar *hello;
  const gchar *hello2;
  SandraWsCloseInfo last_close;
  gchar *last_reason;
  gboolean timed_out;
} Client;

static const gchar *
class_nick (SandraWsCloseClass k)
{
  GEnumClass *klass = g_type_class_ref (SANDRA_TYPE_WS_CLOSE_CLASS);
  const gchar *nick = g_enum_get_value (klass, k)->value_nick;

  g_type_class_unref (klass);
  return nick;
}

static void
add_event (Client * c, gchar * ev)
{
  if (!sandra_worker_is_current (worker))
    c->wrong_thread = TRUE;
  g_mutex_lock (&c->lock);
  g_ptr_array_add (c->events, ev);
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

static void
on_opened (SandraWebSocket * ws, const gchar * protocol,
    SoupMessageHeaders * headers, gboolean reconnected, gpointer data)
{
  Client *c = data;

  if (c->hello) {
    GBytes *b = g_bytes_new_static (c->hello, strlen (c->hello));
    if (!sandra_websocket_send (ws, SOUP_WEBSOCKET_DATA_TEXT, b,
            SANDRA_WS_SEND_FIRST, NULL))
      add_event (c, g_strdup ("hello refused"));
    g_bytes_unref (b);
  }
  if (c->hello2) {
    GBytes *b = g_bytes_new_static (c->hello2, strlen (c->hello2));
    if (!sandra_websocket_send (ws, SOUP_WEBSOCKET_DATA_TEXT, b,
            SANDRA_WS_SEND_FIRST, NULL))
      add_event (c, g_strdup ("hello2 refused"));
    g_bytes_unref (b);
  }
  add_event (c, g_strdup_printf ("open:%s:%d", protocol ? protocol : "-",
          reconnected));
}

static void
on_text (SandraWebSocket * ws, const gchar * text, gsize len, gpointer data)
{
  fail_unless_equals_int (strlen (text), len);
  add_event (data, g_strdup_printf ("text:%s", text));
}

static void
on_binary (SandraWebSocket * ws, GBytes * bytes, gpointer data)
{
  add_event (data, g_strdup_printf ("binary:%" G_GSIZE_FORMAT,
          g_bytes_get_size (bytes)));
}

static void
on_closed (SandraWebSocket * ws, const SandraWsCloseInfo * info, gpointer data)
{
  Client *c = data;

  c->last_close = *info;
  g_free (c->last_reason);
  c->last_reason = g_strdup (info->reason);
  c->last_close.reason = c->last_reason;
  c->last_close.error = NULL;
  if (g_error_matches (info->error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    c->timed_out = TRUE;
  add_event (c, g_strdup_printf ("closed:%u:%s:%u:%s:%d:%u", info->code,
          info->reason, info->http_status, class_nick (info->klass),
          info->will_reconnect, info->dropped));
}

static void
on_reconnecting (SandraWebSocket * ws, guint attempt, guint delay_ms,
    gpointer data)
{
  add_event (data, g_strdup_printf ("reconnecting:%u:%u", attempt, delay_ms));
}

static void
on_notify (gpointer data)
{
  ((Client *) data)->notified = TRUE;
}

static const SandraWebSocketCallbacks callbacks = {
  on_opened, on_text, on_binary, on_closed, on_reconnecting
};

static gdouble
fixed_random (gpointer data)
{
  return 0.5;
}

static Client *
client_new (const gchar * path)
{
  Client *c = g_new0 (Client, 1);
  gchar *url = g_strconcat (net_test_server_get_url (server), path, NULL);
  SandraBackoff b;

  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  c->events = g_ptr_array_new_with_free_func (g_free);
  /* http:// is mapped to ws:// */
  c->ws = sandra_websocket_new (worker, url, &callbacks, c, on_notify);
  sandra_backoff_init (&b, 20, 1000);
  b.random = fixed_random;
  sandra_websocket_set_backoff (c->ws, &b);
  g_free (url);
  return c;
}

static void
client_free (Client * c)
{
  if (c->ws)
    sandra_websocket_free (c->ws);
  fail_unless (c->notified || c->ws == NULL);
  fail_if (c->wrong_thread, "a callback ran outside the worker thread");
  g_ptr_array_unref (c->events);
  g_free (c->last_reason);
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
  g_free (c);
}

/* Waits for event number @n (0-based) and returns it. */
static const gchar *
wait_event (Client * c, guint n)
{
  const gchar *ev;

  g_mutex_lock (&c->lock);
  while (c->events->len <= n)
    g_cond_wait (&c->cond, &c->lock);
  ev = g_ptr_array_index (c->events, n);
  g_mutex_unlock (&c->lock);
  return ev;
}

/* ------------------------------------------------------------------ setup */

static gchar *server_protocols[] = { (gchar *) "sandra-test", NULL };

static void
setup (void)
{
  srv_received = g_ptr_array_new_with_free_func (g_free);
  srv_upgrades = 0;
  server = net_test_server_new ();
  net_test_server_add_websocket_handler (server, "/ws", server_protocols,
      ws_handler, NULL);
  net_test_server_add_websocket_handler (server, "/flaky", NULL,
      flaky_handler, NULL);

  net_test_server_add_handler (server, "/401", status_handler,
      GUINT_TO_POINTER (401));
  net_test_server_add_handler (server, "/403", status_handler,
      GUINT_TO_POINTER (403));
  net_test_server_add_handler (server, "/503", status_handler,
      GUINT_TO_POINTER (503));
  net_test_server_add_handler (server, "/hang", hang_handler, NULL);
  worker = sandra_worker_new ("test-ws");
}

static gboolean
close_server_conns (gpointer data)
{
  GList *l, *copy;

  g_mutex_lock (&srv_lock);
  copy = g_list_copy (srv_conns);
  g_mutex_unlock (&srv_lock);
  for (l = copy; l; l = l->next)
    g_io_stream_close (soup_websocket_connection_get_io_stream (l->data),
        NULL, NULL);
  g_list_free (copy);
  return G_SOURCE_REMOVE;
}

static void
teardown (void)
{
  sandra_worker_unref (worker);
  net_test_server_run (server, close_server_conns, NULL);
  net_test_server_free (server);
  g_list_free_full (srv_conns, g_object_unref);
  srv_conns = NULL;
  g_ptr_array_unref (srv_received);
  g_clear_pointer (&srv_auth, g_free);
  g_clear_pointer (&srv_protocol, g_free);
}

/* ------------------------------------------------------------------ tests */

GST_START_TEST (test_echo)
{
  Client *c = client_new ("/ws");
  const gchar *protocols[] = { "sandra-test", NULL };
  GBytes *bin;
  guint8 payload[300000];
  GError *err = NULL;

  memset (payload, 0xa5, sizeof (payload));
  sandra_websocket_set_bearer (c->ws, "sk-ws-key");
  sandra_websocket_set_header (c->ws, "OpenAI-Beta", "realtime=v1");
  sandra_websocket_set_protocols (c->ws, protocols);
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "open:sandra-test:0");
  fail_unless_equals_int (sandra_websocket_get_state (c->ws),
      SANDRA_WS_STATE_OPEN);
  wait_upgrades (1);
  fail_unless_equals_string (srv_auth, "Bearer sk-ws-key");
  fail_unless_equals_string (srv_protocol, "sandra-test");

  fail_unless (sandra_websocket_send_text (c->ws, "{\"type\":\"ping\"}", &err));
  /* larger than libsoup's default incoming limit of 128 KiB */
  bin = g_bytes_new (payload, sizeof (payload));
  fail_unless (sandra_websocket_send (c->ws, SOUP_WEBSOCKET_DATA_BINARY, bin,
          SANDRA_WS_SEND_NONE, &err));
  g_bytes_unref (bin);
  fail_unless_equals_string (wait_event (c, 1), "text:{\"type\":\"ping\"}");
  fail_unless_equals_string (wait_event (c, 2), "binary:300000");

  sandra_websocket_close (c->ws, 1000, "bye");
  fail_unless_equals_string (wait_event (c, 3), "closed:1000:bye:0:normal:0:0");
  fail_unless_equals_int (sandra_websocket_get_state (c->ws),
      SANDRA_WS_STATE_CLOSED);
  /* closed for good: sends fail */
  fail_if (sandra_websocket_send_text (c->ws, "late", &err));
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CLOSED));
  g_clear_error (&err);
  client_free (c);
}

GST_END_TEST;

GST_START_TEST (test_queue_holds_until_open)
{
  Client *c = client_new ("/ws");

  c->hello = "session.update";
  /* queued before connecting: kept, then sent in order after the
   * opened callback's SANDRA_WS_SEND_FIRST message */
  fail_unless (sandra_websocket_send_text (c->ws, "a1", NULL));
  fail_unless (sandra_websocket_send_text (c->ws, "a2", NULL));
  fail_unless_equals_int (sandra_websocket_get_queued (c->ws), 2);
  sandra_websocket_connect (c->ws);
  wait_received (3);
  fail_unless_equals_string (g_ptr_array_index (srv_received, 0),
      "t:session.update");
  fail_unless_equals_string (g_ptr_array_index (srv_received, 1), "t:a1");
  fail_unless_equals_string (g_ptr_array_index (srv_received, 2), "t:a2");
  fail_unless_equals_int (sandra_websocket_get_queued (c->ws), 0);
  client_free (c);
}

GST_END_TEST;

GST_START_TEST (test_several_first_messages_precede_queue)
{
  Client *c = client_new ("/ws");

  /* A session setup of two messages (configuration, then replayed context)
   * must reach the server before anything queued while connecting. */
  c->hello = "session.update";
  c->hello2 = "conversation.item.create";
  fail_unless (sandra_websocket_send_text (c->ws, "a1", NULL));
  fail_unless (sandra_websocket_send_text (c->ws, "a2", NULL));
  sandra_websocket_connect (c->ws);
  wait_received (4);
  fail_unless_equals_string (g_ptr_array_index (srv_received, 0),
      "t:session.update");
  fail_unless_equals_string (g_ptr_array_index (srv_received, 1),
      "t:conversation.item.create");
  fail_unless_equals_string (g_ptr_array_index (srv_received, 2), "t:a1");
  fail_unless_equals_string (g_ptr_array_index (srv_received, 3), "t:a2");
  client_free (c);
}

GST_END_TEST;

GST_START_TEST (test_bounded_queue)
{
  Client *c = client_new ("/ws");
  GError *err = NULL;
  GBytes *big = g_bytes_new_take (g_malloc0 (600), 600);

  sandra_websocket_set_max_queue (c->ws, 3, 1000);
  fail_unless (sandra_websocket_send_text (c->ws, "1", NULL));
  fail_unless (sandra_websocket_send_text (c->ws, "2", NULL));
  fail_unless (sandra_websocket_send_text (c->ws, "3", NULL));
  fail_if (sandra_websocket_send_text (c->ws, "4", &err));
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NO_SPACE));
  g_clear_error (&err);
  fail_unless_equals_int (sandra_websocket_get_queued (c->ws), 3);

  /* the byte bound too */
  sandra_websocket_set_max_queue (c->ws, 100, 1000);
  fail_unless (sandra_websocket_send (c->ws, SOUP_WEBSOCKET_DATA_BINARY, big,
          0, NULL));
  fail_if (sandra_websocket_send (c->ws, SOUP_WEBSOCKET_DATA_BINARY, big, 0,
          &err));
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_NO_SPACE));
  g_clear_error (&err);

  /* once open it drains, and there is room again */
  sandra_websocket_connect (c->ws);
  wait_received (4);
  fail_unless_equals_string (g_ptr_array_index (srv_received, 3), "b:600");
  fail_unless (sandra_websocket_send_text (c->ws, "5", NULL));
  wait_received (5);
  g_bytes_unref (big);
  client_free (c);
}

GST_END_TEST;

GST_START_TEST (test_classification_table)
{
  GError *net = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED,
      "refused");
  GError *tls = g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE,
      "bad cert");
  guint16 retryable[] = { 1001, 1005, 1006, 1011, 1012, 1013, 1014, 1015 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (retryable); i++)
    fail_unless_equals_int (sandra_websocket_classify (retryable[i], "", 0,
            NULL), SANDRA_WS_CLOSE_RETRYABLE);
  fail_unless_equals_int (sandra_websocket_classify (1000, "", 0, NULL),
      SANDRA_WS_CLOSE_NORMAL);
  fail_unless_equals_int (sandra_websocket_classify (1008, "", 0, NULL),
      SANDRA_WS_CLOSE_FATAL_POLICY);
  fail_unless_equals_int (sandra_websocket_classify (3000,
          "invalid_request_error.invalid_api_key", 0, NULL),
      SANDRA_WS_CLOSE_FATAL_AUTH);
  fail_unless_equals_int (sandra_websocket_classify (1011,
          "Invalid_API_Key", 0, NULL), SANDRA_WS_CLOSE_FATAL_AUTH);
  fail_unless_equals_int (sandra_websocket_classify (1008,
          "quota_exceeded", 0, NULL), SANDRA_WS_CLOSE_FATAL_QUOTA);
  fail_unless_equals_int (sandra_websocket_classify (1002, "", 0, NULL),
      SANDRA_WS_CLOSE_FATAL);
  fail_unless_equals_int (sandra_websocket_classify (1009, "", 0, NULL),
      SANDRA_WS_CLOSE_FATAL);
  fail_unless_equals_int (sandra_websocket_classify (0, NULL, 401, NULL),
      SANDRA_WS_CLOSE_FATAL_AUTH);
  fail_unless_equals_int (sandra_websocket_classify (0, NULL, 403, NULL),
      SANDRA_WS_CLOSE_FATAL_AUTH);
  fail_unless_equals_int (sandra_websocket_classify (0, NULL, 429, NULL),
      SANDRA_WS_CLOSE_RETRYABLE);
  fail_unless_equals_int (sandra_websocket_classify (0, NULL, 503, NULL),
      SANDRA_WS_CLOSE_RETRYABLE);
  fail_unless_equals_int (sandra_websocket_classify (0, NULL, 404, NULL),
      SANDRA_WS_CLOSE_FATAL);
  fail_unless_equals_int (sandra_websocket_classify (0, NULL, 0, net),
      SANDRA_WS_CLOSE_RETRYABLE);
  fail_unless_equals_int (sandra_websocket_classify (0, NULL, 0, tls),
      SANDRA_WS_CLOSE_FATAL);
  g_error_free (net);
  g_error_free (tls);
}

GST_END_TEST;

static SandraWsCloseClass
inactivity_is_normal (const SandraWsCloseInfo * info,
    SandraWsCloseClass proposed, gpointer data)
{
  if (info->code == 1008 && strstr (info->reason, "input_timeout"))
    return SANDRA_WS_CLOSE_NORMAL;
  return proposed;
}

GST_START_TEST (test_server_close_codes)
{
  Client *c = client_new ("/ws");

  /* fatal: no reconnection, the queue is dropped */
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "open:-:0");
  fail_unless (sandra_websocket_send_text (c->ws,
          "close:3000:invalid_request_error.invalid_api_key", NULL));
  fail_unless_equals_string (wait_event (c, 1),
      "closed:3000:invalid_request_error.invalid_api_key:0:fatal-auth:0:0");

  /* policy, unless the hook says otherwise */
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 2), "open:-:1");
  fail_unless (sandra_websocket_send_text (c->ws,
          "close:1008:input_timeout_exceeded", NULL));
  fail_unless_equals_string (wait_event (c, 3),
      "closed:1008:input_timeout_exceeded:0:fatal-policy:0:0");
  sandra_websocket_set_classify_func (c->ws, inactivity_is_normal, NULL);
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 4), "open:-:1");
  fail_unless (sandra_websocket_send_text (c->ws,
          "close:1008:input_timeout_exceeded", NULL));
  fail_unless_equals_string (wait_event (c, 5),
      "closed:1008:input_timeout_exceeded:0:normal:0:0");
  client_free (c);
}

GST_END_TEST;

GST_START_TEST (test_reconnect_after_drop)
{
  Client *c = client_new ("/ws");
  SandraBackoff b;

  /* no connection here lasts the longest wait: attempts keep counting */
  sandra_backoff_init (&b, 20, 60000);
  b.random = fixed_random;
  sandra_websocket_set_backoff (c->ws, &b);
  sandra_websocket_set_bearer (c->ws, "sk-old");
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "open:-:0");
  wait_upgrades (1);
  fail_unless_equals_string (srv_auth, "Bearer sk-old");
  /* the server vanishes; then a message is queued while reconnecting */
  sandra_websocket_send_text (c->ws, "drop", NULL);
  fail_unless_equals_string (wait_event (c, 1), "closed:1006::0:retryable:1:0");
  /* backoff 20 ms, equal jitter at 0.5: 15 ms */
  fail_unless_equals_string (wait_event (c, 2), "reconnecting:1:15");
  /* refreshed credentials are used by the reconnection */
  sandra_websocket_set_bearer (c->ws, "sk-fresh");
  sandra_websocket_send_text (c->ws, "after", NULL);
  fail_unless_equals_string (wait_event (c, 3), "open:-:1");
  fail_unless_equals_string (wait_event (c, 4), "text:after");
  wait_upgrades (2);
  fail_unless_equals_int (srv_upgrades, 2);
  fail_unless_equals_string (srv_auth, "Bearer sk-fresh");

  /* a server error close is retryable too */
  fail_unless (sandra_websocket_send_text (c->ws, "close:1011:oops", NULL));
  fail_unless_equals_string (wait_event (c, 5),
      "closed:1011:oops:0:retryable:1:0");
  fail_unless_equals_string (wait_event (c, 6), "reconnecting:2:30");
  fail_unless_equals_string (wait_event (c, 7), "open:-:1");
  client_free (c);
}

GST_END_TEST;

GST_START_TEST (test_upgrade_failures)
{
  Client *c;

  /* 401: fatal at once, the status is reported */
  c = client_new ("/401");
  sandra_websocket_send_text (c->ws, "queued", NULL);
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "closed:0::401:fatal-auth:0:1");
  {
    gchar *sentence = sandra_websocket_close_to_sentence (&c->last_close,
        "OpenAI");
    GstStructure *d = sandra_websocket_close_to_details (&c->last_close);
    guint st;

    fail_unless (g_str_has_prefix (sentence, "OpenAI rejected the API key"),
        "%s", sentence);
    fail_unless (g_str_has_suffix (sentence, "(HTTP 401 on connect)"), "%s",
        sentence);
    fail_unless (gst_structure_get_uint (d, "http-status", &st));
    fail_unless_equals_int (st, 401);
    g_free (sentence);
    gst_structure_free (d);
  }
  client_free (c);

  c = client_new ("/403");
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "closed:0::403:fatal-auth:0:0");
  client_free (c);

  /* 503: retried with backoff until the attempts run out */
  srv_upgrades = 0;
  c = client_new ("/503");
  sandra_websocket_set_max_reconnects (c->ws, 2);
  sandra_websocket_send_text (c->ws, "queued", NULL);
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "closed:0::503:retryable:1:0");
  fail_unless_equals_string (wait_event (c, 1), "reconnecting:1:15");
  fail_unless_equals_string (wait_event (c, 2), "closed:0::503:retryable:1:0");
  fail_unless_equals_string (wait_event (c, 3), "reconnecting:2:30");
  fail_unless_equals_string (wait_event (c, 4), "closed:0::503:retryable:0:1");
  fail_unless_equals_int (srv_upgrades, 3);
  fail_unless_equals_int (sandra_websocket_get_state (c->ws),
      SANDRA_WS_STATE_CLOSED);
  client_free (c);
}

GST_END_TEST;

GST_START_TEST (test_connect_timeout)
{
  Client *c = client_new ("/hang");

  sandra_websocket_set_connect_timeout_ms (c->ws, 100);
  sandra_websocket_set_max_reconnects (c->ws, 0);
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "closed:0::0:retryable:0:0");
  fail_unless_equals_int (c->last_close.klass, SANDRA_WS_CLOSE_RETRYABLE);
  fail_unless (c->timed_out);
  client_free (c);
}

GST_END_TEST;

GST_START_TEST (test_teardown)
{
  Client *open = client_new ("/ws");
  Client *waiting = client_new ("/503");
  Client *connecting = client_new ("/hang");
  SandraBackoff slow;

  sandra_websocket_connect (open->ws);
  fail_unless_equals_string (wait_event (open, 0), "open:-:0");
  sandra_backoff_init (&slow, 60000, 60000);
  sandra_websocket_set_backoff (waiting->ws, &slow);
  sandra_websocket_connect (waiting->ws);
  wait_event (waiting, 1);      /* reconnecting in a minute */
  sandra_websocket_connect (connecting->ws);

  /* free one while open: the server sees a going-away close */
  sandra_websocket_free (open->ws);
  fail_unless (open->notified);
  open->ws = NULL;
  fail_unless_equals_int (open->events->len, 1);

  /* stop the worker under the other two; no callbacks after that */
  sandra_worker_stop (worker);
  fail_unless_equals_int (waiting->events->len, 2);
  fail_unless_equals_int (connecting->events->len, 0);
  client_free (open);
  client_free (waiting);
  client_free (connecting);
}

GST_END_TEST;

GST_START_TEST (test_tls)
{
  gchar *pem = g_build_filename (SANDRA_TESTS_DATA_DIR,
      "net-loopback-selfsigned.pem", NULL);
  GTlsCertificate *cert = g_tls_certificate_new_from_file (pem, NULL);
  NetTestServer *plain = server;
  Client *c;

  fail_unless (cert != NULL);
  server = net_test_server_new_tls (cert);
  net_test_server_add_websocket_handler (server, "/ws", NULL, ws_handler, NULL);

  /* verified: a self-signed certificate is fatal, not retried */
  c = client_new ("/ws");
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "closed:0::0:fatal:0:0");
  client_free (c);

  /* unless the loopback exception is asked for */
  c = client_new ("/ws");
  sandra_websocket_set_insecure_loopback_tls (c->ws, TRUE);
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "open:-:0");
  sandra_websocket_close (c->ws, 1000, NULL);
  fail_unless_equals_string (wait_event (c, 1), "closed:1000::0:normal:0:0");
  client_free (c);

  net_test_server_run (server, close_server_conns, NULL);
  net_test_server_free (server);
  server = plain;
  g_object_unref (cert);
  g_free (pem);
  net_test_settle_tls_threads ();
}

GST_END_TEST;

GST_START_TEST (test_key_not_logged)
{
  Client *c = client_new ("/ws?xi_api_key=xi-QUERYSECRET");
  gchar *logged;

  net_test_log_start ();
  sandra_websocket_set_header (c->ws, "xi-api-key", "xi-HEADERSECRET");
  sandra_websocket_set_bearer (c->ws, "sk-BEARERSECRET");
  sandra_websocket_connect (c->ws);
  wait_event (c, 0);
  fail_unless (sandra_websocket_send_text (c->ws, "close:1000:done", NULL));
  wait_event (c, 1);
  logged = net_test_log_stop ();

  fail_unless (strstr (logged, "xi-api-key: " SANDRA_REDACTED));
  fail_unless (strstr (logged, "xi_api_key=" SANDRA_REDACTED));
  fail_if (strstr (logged, "SECRET") != NULL, "%s", logged);
  g_free (logged);
  client_free (c);
}

GST_END_TEST;

/* A close reason quoting the keys back reaches no callback, sentence or
 * details with them. */
GST_START_TEST (test_close_reason_scrubbed)
{
  Client *c = client_new ("/ws?xi_api_key=xi-QUERYSECRET");
  const gchar *ev;
  gchar *sentence;
  GstStructure *details;
  gchar *text;

  sandra_websocket_set_header (c->ws, "xi-api-key", "xi-HEADERSECRET");
  sandra_websocket_set_bearer (c->ws, "sk-BEARERSECRET");
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "open:-:0");
  fail_unless (sandra_websocket_send_text (c->ws, "close:1008:invalid key "
          "sk-BEARERSECRET (xi-HEADERSECRET, xi-QUERYSECRET)", NULL));
  ev = wait_event (c, 1);
  fail_unless (g_str_has_prefix (ev, "closed:1008:invalid key "), "%s", ev);
  fail_if (strstr (ev, "SECRET") != NULL, "%s", ev);
  sentence = sandra_websocket_close_to_sentence (&c->last_close, "ElevenLabs");
  details = sandra_websocket_close_to_details (&c->last_close);
  text = gst_structure_to_string (details);
  fail_if (strstr (sentence, "SECRET") != NULL, "%s", sentence);
  fail_if (strstr (text, "SECRET") != NULL, "%s", text);
  g_free (text);
  gst_structure_free (details);
  g_free (sentence);
  client_free (c);
}

GST_END_TEST;

/* Connections that open and die at once use up the attempts like failed
 * connects do, instead of reconnecting forever at the first backoff step. */
GST_START_TEST (test_no_reconnect_storm)
{
  Client *c = client_new ("/flaky");
  SandraBackoff b;
  guint i;

  sandra_backoff_init (&b, 20, 60000);
  b.random = fixed_random;
  sandra_websocket_set_backoff (c->ws, &b);
  sandra_websocket_set_max_reconnects (c->ws, 3);
  sandra_websocket_connect (c->ws);
  for (i = 0; i < 3; i++) {
    gchar *closed = g_strdup ("closed:1011:overloaded:0:retryable:1:0");
    gchar *again = g_strdup_printf ("reconnecting:%u:%u", i + 1,
        15 << i);
    gchar *open = g_strdup_printf ("open:-:%d", i > 0);

    fail_unless_equals_string (wait_event (c, 3 * i), open);
    fail_unless_equals_string (wait_event (c, 3 * i + 1), closed);
    fail_unless_equals_string (wait_event (c, 3 * i + 2), again);
    g_free (closed);
    g_free (again);
    g_free (open);
  }
  fail_unless_equals_string (wait_event (c, 9), "open:-:1");
  fail_unless_equals_string (wait_event (c, 10),
      "closed:1011:overloaded:0:retryable:0:0");
  fail_unless_equals_int (sandra_websocket_get_state (c->ws),
      SANDRA_WS_STATE_CLOSED);
  client_free (c);
}

GST_END_TEST;

/* Answers every upgrade, then closes with the code in @data and a reason:
 * codes SoupServer refuses to send (1012, 1013, 1014). */
static void
raw_close_with (const gchar * head, guint index, NetTestRawReply * reply,
    gpointer data)
{
  guint code = GPOINTER_TO_UINT (data);
  static const gchar reason[] = "try again later";
  guint8 frame[2 + 2 + sizeof (reason) - 1];

  frame[0] = 0x88;              /* FIN, close */
  frame[1] = 2 + sizeof (reason) - 1;
  frame[2] = code >> 8;
  frame[3] = code & 0xff;
  memcpy (frame + 4, reason, sizeof (reason) - 1);
  reply->reply = net_test_raw_websocket_accept (head, frame, sizeof (frame));
  reply->linger = TRUE;
}

/* The newer registered codes (service restart, try again later, bad
 * gateway) are retryable, although libsoup 3.2 will not echo them. */
GST_START_TEST (test_newer_retryable_close_codes)
{
  guint codes[] = { 1012, 1013, 1014 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (codes); i++) {
    NetTestRawServer *raw = net_test_raw_server_new (raw_close_with,
        GUINT_TO_POINTER (codes[i]));
    Client *c = g_new0 (Client, 1);
    gchar *expect = g_strdup_printf ("closed:%u:try again later:0:"
        "retryable:0:0", codes[i]);

    g_mutex_init (&c->lock);
    g_cond_init (&c->cond);
    c->events = g_ptr_array_new_with_free_func (g_free);
    c->ws = sandra_websocket_new (worker, net_test_raw_server_get_url (raw),
        &callbacks, c, on_notify);
    sandra_websocket_set_max_reconnects (c->ws, 0);
    sandra_websocket_connect (c->ws);
    fail_unless_equals_string (wait_event (c, 0), "open:-:0");
    fail_unless_equals_string (wait_event (c, 1), expect);
    fail_unless_equals_int (c->last_close.klass, SANDRA_WS_CLOSE_RETRYABLE);
    client_free (c);
    net_test_raw_server_free (raw);
    g_free (expect);
  }
}

GST_END_TEST;

static gboolean
noop (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* close() on a socket that never connected is reported like any other
 * close: an element waiting for `closed` must not wait forever. */
GST_START_TEST (test_close_before_connect_reports_closed)
{
  Client *c = client_new ("/ws");
  GError *err = NULL;

  fail_unless (sandra_websocket_send_text (c->ws, "queued", NULL));
  sandra_websocket_close (c->ws, 1000, "never mind");
  /* the close was queued to the worker before this */
  sandra_worker_invoke_sync (worker, noop, NULL);
  fail_unless_equals_int (c->events->len, 1);
  fail_unless_equals_string (g_ptr_array_index (c->events, 0),
      "closed:1000:never mind:0:normal:0:0");
  fail_unless_equals_int (sandra_websocket_get_state (c->ws),
      SANDRA_WS_STATE_CLOSED);
  fail_unless_equals_int (sandra_websocket_get_queued (c->ws), 0);
  fail_if (sandra_websocket_send_text (c->ws, "late", &err));
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_CLOSED));
  g_clear_error (&err);
  client_free (c);
}

GST_END_TEST;

/* A backlog that filled the queue while (re)connecting does not keep the
 * session setup out, nor go out ahead of it. */
GST_START_TEST (test_full_queue_still_takes_session_setup)
{
  Client *c = client_new ("/ws");

  c->hello = "session.update";
  sandra_websocket_set_max_queue (c->ws, 2, 1000);
  fail_unless (sandra_websocket_send_text (c->ws, "a1", NULL));
  fail_unless (sandra_websocket_send_text (c->ws, "a2", NULL));
  fail_if (sandra_websocket_send_text (c->ws, "a3", NULL));
  sandra_websocket_connect (c->ws);
  fail_unless_equals_string (wait_event (c, 0), "open:-:0");
  wait_received (3);
  fail_unless_equals_string (g_ptr_array_index (srv_received, 0),
      "t:session.update");
  fail_unless_equals_string (g_ptr_array_index (srv_received, 1), "t:a1");
  fail_unless_equals_string (g_ptr_array_index (srv_received, 2), "t:a2");
  client_free (c);
}

GST_END_TEST;

static Suite *
net_websocket_suite (void)
{
  Suite *s = suite_create ("net-websocket");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_echo);
  tcase_add_test (tc, test_queue_holds_until_open);
  tcase_add_test (tc, test_several_first_messages_precede_queue);
  tcase_add_test (tc, test_bounded_queue);
  tcase_add_test (tc, test_classification_table);
  tcase_add_test (tc, test_server_close_codes);
  tcase_add_test (tc, test_reconnect_after_drop);
  tcase_add_test (tc, test_upgrade_failures);
  tcase_add_test (tc, test_connect_timeout);
  tcase_add_test (tc, test_teardown);
  tcase_add_test (tc, test_tls);
  tcase_add_test (tc, test_key_not_logged);
  tcase_add_test (tc, test_close_reason_scrubbed);
  tcase_add_test (tc, test_no_reconnect_storm);
  tcase_add_test (tc, test_newer_retryable_close_codes);
  tcase_add_test (tc, test_close_before_connect_reports_closed);
  tcase_add_test (tc, test_full_queue_still_takes_session_setup);
  return s;
}

GST_CHECK_MAIN (net_websocket);
