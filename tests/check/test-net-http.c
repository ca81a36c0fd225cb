/* HTTP helper against a local SoupServer: bodies arrive intact, streams are
 * delivered incrementally, the retry policy holds, cancellation, timeouts
 * and teardown with requests in flight are clean, and keys stay out of logs.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "net-test-server.h"
#include "net-test-log.h"
#include "sandra-http.h"
#include "sandra-credentials.h"

static NetTestServer *server;
static SandraWorker *worker;
static SandraHttp *http;

/* ------------------------------------------------------------ client side */

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean done;
  gboolean notified;
  gboolean wrong_thread;
  guint status;
  GError *error;
  gchar *body;
  SandraApiError *api_error;
  guint attempts;
  guint responses;
  guint response_status;        /* of the last `response` */
  GArray *retry_delays;
  GArray *retry_statuses;
  GArray *retry_attempts;
  GPtrArray *items;             /* SSE data / NDJSON "t" values */
  GString *raw;
  gchar *sentence;              /* sandra_http_result_to_sentence() */
  GstStructure *details;
  /* called once, on the first item, in the worker thread */
  void (*first_item) (gpointer data);
  gpointer first_item_data;
} Collector;

static Collector *
collector_new (void)
{
  Collector *c = g_new0 (Collector, 1);

  g_mutex_init (&c->lock);
  g_cond_init (&c->cond);
  c->retry_delays = g_array_new (FALSE, FALSE, sizeof (guint));
  c->retry_statuses = g_array_new (FALSE, FALSE, sizeof (guint));
  c->retry_attempts = g_array_new (FALSE, FALSE, sizeof (guint));
  c->items = g_ptr_array_new_with_free_func (g_free);
  c->raw = g_string_new (NULL);
  return c;
}

static void
collector_free (Collector * c)
{
  g_mutex_clear (&c->lock);
  g_cond_clear (&c->cond);
  g_clear_error (&c->error);
  g_free (c->body);
  sandra_api_error_free (c->api_error);
  g_array_unref (c->retry_delays);
  g_array_unref (c->retry_statuses);
  g_array_unref (c->retry_attempts);
  g_ptr_array_unref (c->items);
  g_string_free (c->raw, TRUE);
  g_free (c->sentence);
  if (c->details)
    gst_structure_free (c->details);
  g_free (c);
}

static void
check_thread (Collector * c)
{
  if (!sandra_worker_is_current (worker))
    c->wrong_thread = TRUE;
}

static void
add_item (Collector * c, const gchar * item)
{
  gboolean first;

  g_mutex_lock (&c->lock);
  first = c->items->len == 0;
  g_ptr_array_add (c->items, g_strdup (item));
  g_mutex_unlock (&c->lock);
  if (first && c->first_item)
    c->first_item (c->first_item_data);
}

static void
on_response (guint status, SoupMessageHeaders * headers, gpointer data)
{
  Collector *c = data;
  check_thread (c);
  g_mutex_lock (&c->lock);
  c->responses++;
  c->response_status = status;
  g_mutex_unlock (&c->lock);
}

static void
on_data (const guint8 * data, gsize len, gpointer user_data)
{
  Collector *c = user_data;
  check_thread (c);
  g_mutex_lock (&c->lock);
  g_string_append_len (c->raw, (const gchar *) data, len);
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

static void
on_sse (const gchar * event, const gchar * data, gsize len, gpointer ud)
{
  Collector *c = ud;
  gchar *item = g_strdup_printf ("%s|%s", event, data);
  check_thread (c);
  add_item (c, item);
  g_free (item);
}

static void
on_json (JsonNode * node, const GError * error, gpointer ud)
{
  Collector *c = ud;
  check_thread (c);
  if (node == NULL) {
    add_item (c, "<invalid>");
    return;
  }
  add_item (c, json_object_get_string_member (json_node_get_object (node),
          "t"));
}

static void
on_retry (const SandraHttpRetryInfo * info, gpointer ud)
{
  Collector *c = ud;
  check_thread (c);
  g_mutex_lock (&c->lock);
  g_array_append_val (c->retry_delays, info->delay_ms);
  g_array_append_val (c->retry_statuses, info->status);
  g_array_append_val (c->retry_attempts, info->attempt);
  g_mutex_unlock (&c->lock);
}

static void
on_complete (const SandraHttpResult * r, gpointer ud)
{
  Collector *c = ud;

  check_thread (c);
  g_mutex_lock (&c->lock);
  fail_if (c->done, "complete called twice");
  c->status = r->status;
  c->error = r->error ? g_error_copy (r->error) : NULL;
  if (r->body)
    c->body = g_strndup (g_bytes_get_data (r->body, NULL),
        g_bytes_get_size (r->body));
  c->api_error = sandra_api_error_copy (r->api_error);
  c->attempts = r->attempts;
  c->sentence = sandra_http_result_to_sentence (r, "OpenAI");
  c->details = sandra_http_result_to_details (r);
  fail_unless_equals_int (sandra_http_result_ok (r), c->sentence == NULL
      && c->error == NULL);
  c->done = TRUE;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

static void
on_notify (gpointer ud)
{
  Collector *c = ud;
  g_mutex_lock (&c->lock);
  fail_unless (c->done, "notify before complete");
  c->notified = TRUE;
  g_cond_broadcast (&c->cond);
  g_mutex_unlock (&c->lock);
}

static const SandraHttpCallbacks callbacks = {
  on_response, on_data, on_sse, on_json, on_retry, on_complete
};

static void
send_req (SandraHttpRequest * req, Collector * c, GCancellable * cancellable)
{
  sandra_http_send (http, req, &callbacks, c, on_notify, cancellable);
  sandra_http_request_unref (req);
}

static void
wait_done (Collector * c)
{
  g_mutex_lock (&c->lock);
  while (!c->notified)
    g_cond_wait (&c->cond, &c->lock);
  g_mutex_unlock (&c->lock);
  fail_if (c->wrong_thread, "a callback ran outside the worker thread");
}

static gchar *
url_for (const gchar * path)
{
  return g_strconcat (net_test_server_get_url (server), path, NULL);
}

static SandraHttpRequest *
request_for (const gchar * method, const gchar * path)
{
  gchar *url = url_for (path);
  SandraHttpRequest *req = sandra_http_request_new (method, url);
  g_free (url);
  return req;
}

/* ------------------------------------------------------------ server side */

static GMutex srv_lock;
static GCond srv_cond;
static guint srv_requests;
static gchar *srv_method;
static gchar *srv_content_type;
static gchar *srv_auth;
static gchar *srv_xi_key;
static gchar *srv_custom;
static guint16 srv_client_port;  /* of the last request's connection */
static GBytes *srv_body;
static GHashTable *srv_form;    /* name -> value or "filename|ctype|data" */

static void
server_reset (void)
{
  g_mutex_lock (&srv_lock);
  srv_requests = 0;
  g_clear_pointer (&srv_method, g_free);
  g_clear_pointer (&srv_content_type, g_free);
  g_clear_pointer (&srv_auth, g_free);
  g_clear_pointer (&srv_xi_key, g_free);
  g_clear_pointer (&srv_custom, g_free);
  srv_client_port = 0;
  g_clear_pointer (&srv_body, g_bytes_unref);
  g_clear_pointer (&srv_form, g_hash_table_unref);
  g_mutex_unlock (&srv_lock);
}

static void
record_request (SoupServerMessage * msg)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);

  g_mutex_lock (&srv_lock);
  srv_requests++;
  g_free (srv_method);
  srv_method = g_strdup (soup_server_message_get_method (msg));
  g_free (srv_content_type);
  srv_content_type = g_strdup (soup_message_headers_get_content_type (h, NULL));
  g_free (srv_auth);
  srv_auth = g_strdup (soup_message_headers_get_one (h, "Authorization"));
  g_free (srv_xi_key);
  srv_xi_key = g_strdup (soup_message_headers_get_one (h, "xi-api-key"));
  g_free (srv_custom);
  srv_custom = g_strdup (soup_message_headers_get_one (h, "X-Goog-Api-Key"));
  srv_client_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS
      (soup_server_message_get_remote_address (msg)));
  if (srv_body)
    g_bytes_unref (srv_body);
  srv_body = soup_message_body_flatten (soup_server_message_get_request_body
      (msg));
  g_cond_broadcast (&srv_cond);
  g_mutex_unlock (&srv_lock);
}

static void
wait_server_requests (guint n)
{
  g_mutex_lock (&srv_lock);
  while (srv_requests < n)
    g_cond_wait (&srv_cond, &srv_lock);
  g_mutex_unlock (&srv_lock);
}

static void
json_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  static const gchar reply[] = "{\"ok\":true}";

  record_request (msg);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
      reply, strlen (reply));
}

static void
multipart_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  SoupMultipart *mp;
  GBytes *body;
  gint i;
  static const gchar reply[] = "{\"text\":\"hola\"}";

  record_request (msg);
  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  mp = soup_multipart_new_from_message (soup_server_message_get_request_headers
      (msg), body);
  g_bytes_unref (body);
  g_mutex_lock (&srv_lock);
  srv_form = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (i = 0; mp && i < soup_multipart_get_length (mp); i++) {
    SoupMessageHeaders *ph;
    GBytes *pb;
    GHashTable *params = NULL;
    const gchar *name, *filename;
    gchar *value;

    soup_multipart_get_part (mp, i, &ph, &pb);
    soup_message_headers_get_content_disposition (ph, NULL, &params);
    name = g_hash_table_lookup (params, "name");
    filename = g_hash_table_lookup (params, "filename");
    if (filename) {
      GString *v = g_string_new (NULL);
      const guint8 *d = g_bytes_get_data (pb, NULL);
      gsize j;

      /* hex: the file holds NULs */
      g_string_printf (v, "%s|%s|", filename,
          soup_message_headers_get_content_type (ph, NULL));
      for (j = 0; j < g_bytes_get_size (pb); j++)
        g_string_append_printf (v, "%02x", d[j]);
      value = g_string_free (v, FALSE);
    } else
      value = g_strndup (g_bytes_get_data (pb, NULL), g_bytes_get_size (pb));
    g_hash_table_insert (srv_form, g_strdup (name), value);
    g_hash_table_unref (params);
  }
  g_mutex_unlock (&srv_lock);
  if (mp)
    soup_multipart_free (mp);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC,
      reply, strlen (reply));
}

/* Streams: part one is written at once, part two when the client asks for
 * it (after it has seen its first item), which proves that items reach the
 * caller while the response is still open. */
typedef struct
{
  SoupServerMessage *msg;
  const gchar *content_type;
  const gchar *part1;
  const gchar *part2;
  gboolean part2_sent;
  gboolean part2_before_first_item;
} Stream;

static Stream stream;

static void
stream_write (SoupServerMessage * msg, const gchar * text)
{
  SoupMessageBody *b = soup_server_message_get_response_body (msg);
  gsize len = strlen (text), i, step;

  /* odd splits: several small writes of 7 bytes */
  for (i = 0; i < len; i += step) {
    step = MIN (7, len - i);
    soup_message_body_append (b, SOUP_MEMORY_COPY, text + i, step);
  }
}

static void
stream_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  record_request (msg);
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_encoding (soup_server_message_get_response_headers
      (msg), SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type
      (soup_server_message_get_response_headers (msg), stream.content_type,
      NULL);
  stream.msg = msg;
  stream_write (msg, stream.part1);
  if (stream.part2 == NULL) {
    /* a stream that never ends */
    return;
  }
}

static gboolean
send_part2 (gpointer data)
{
  SoupServerMessage *msg = stream.msg;

  g_mutex_lock (&srv_lock);
  stream.part2_sent = TRUE;
  g_mutex_unlock (&srv_lock);
  stream_write (msg, stream.part2);
  soup_message_body_complete (soup_server_message_get_response_body (msg));
  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static void
release_part2 (gpointer data)
{
  g_mutex_lock (&srv_lock);
  stream.part2_before_first_item = stream.part2_sent;
  g_mutex_unlock (&srv_lock);
  if (stream.part2)
    net_test_server_post (server, send_part2, NULL);
}

/* Scripted replies for the retry tests, one per request. */
typedef struct
{
  guint status;
  const gchar *h1, *v1, *h2, *v2;
  const gchar *body;
} Reply;

static const Reply *script;
static guint script_len;

static void
script_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  const Reply *r;
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  guint n;

  record_request (msg);
  g_mutex_lock (&srv_lock);
  n = srv_requests;
  g_mutex_unlock (&srv_lock);
  r = &script[MIN (n, script_len) - 1];
  soup_server_message_set_status (msg, r->status, NULL);
  if (r->h1)
    soup_message_headers_replace (h, r->h1, r->v1);
  if (r->h2)
    soup_message_headers_replace (h, r->h2, r->v2);
  soup_message_headers_replace (h, "x-request-id", "req_test");
  if (r->body)
    soup_server_message_set_response (msg, "application/json",
        SOUP_MEMORY_STATIC, r->body, strlen (r->body));
}

/* Three events in one piece. */
static void
sse3_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  static const gchar body[] = "data: one\n\ndata: two\n\ndata: three\n\n";

  record_request (msg);
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/event-stream",
      SOUP_MEMORY_STATIC, body, strlen (body));
}

/* Never answers. */
static void
hang_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  record_request (msg);
  soup_server_message_pause (msg);
}

/* ------------------------------------------------------------------ setup */

static void
setup (void)
{
  server_reset ();
  memset (&stream, 0, sizeof (stream));
  server = net_test_server_new ();
  net_test_server_add_handler (server, "/json", json_handler, NULL);
  net_test_server_add_handler (server, "/multipart", multipart_handler, NULL);
  net_test_server_add_handler (server, "/stream", stream_handler, NULL);
  net_test_server_add_handler (server, "/script", script_handler, NULL);
  net_test_server_add_handler (server, "/hang", hang_handler, NULL);
  net_test_server_add_handler (server, "/sse3", sse3_handler, NULL);
  worker = sandra_worker_new ("test-http");
  http = sandra_http_new (worker, "gst-sandra-test");
}

static void
teardown (void)
{
  if (http)
    sandra_http_free (http);
  http = NULL;
  sandra_worker_unref (worker);
  net_test_server_free (server);
  server_reset ();
}

/* ------------------------------------------------------------------ tests */

GST_START_TEST (test_json_post)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/json");
  JsonBuilder *b = json_builder_new ();
  JsonNode *node;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, "¡Hola, señor! \"quoted\"");
  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, 42);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  sandra_http_request_set_json (req, node);
  sandra_http_request_set_bearer (req, "sk-json");
  send_req (req, c, NULL);
  wait_done (c);

  fail_unless (c->error == NULL);
  fail_unless_equals_int (c->status, 200);
  fail_unless_equals_int (c->attempts, 1);
  fail_unless_equals_int (c->responses, 1);
  fail_unless_equals_string (c->body, "{\"ok\":true}");
  fail_unless (c->api_error == NULL);

  fail_unless_equals_string (srv_method, "POST");
  fail_unless_equals_string (srv_content_type, "application/json");
  fail_unless_equals_string (srv_auth, "Bearer sk-json");
  {
    JsonParser *p = json_parser_new ();
    JsonObject *o;

    fail_unless (json_parser_load_from_data (p, g_bytes_get_data (srv_body,
                NULL), g_bytes_get_size (srv_body), NULL));
    o = json_node_get_object (json_parser_get_root (p));
    fail_unless_equals_string (json_object_get_string_member (o, "text"),
        "¡Hola, señor! \"quoted\"");
    fail_unless_equals_int (json_object_get_int_member (o, "n"), 42);
    g_object_unref (p);
  }
  json_node_unref (node);
  g_object_unref (b);
  collector_free (c);
}

GST_END_TEST;

/* Requests, POSTs included, go out on a kept-alive connection when one is
 * idle: against a real service each new one would cost a TCP and TLS
 * handshake per utterance. (Every body is held in memory, so libsoup can
 * send it again if the server closed that connection just before.) */
GST_START_TEST (test_post_reuses_connection)
{
  guint16 first_port;
  guint i;

  for (i = 0; i < 3; i++) {
    Collector *c = collector_new ();
    SandraHttpRequest *req = request_for ("POST", "/json");
    GBytes *body = g_bytes_new_static ("{}", 2);

    sandra_http_request_set_body (req, "application/json", body);
    g_bytes_unref (body);
    send_req (req, c, NULL);
    wait_done (c);
    fail_unless (c->error == NULL);
    fail_unless_equals_int (c->status, 200);
    collector_free (c);
    g_mutex_lock (&srv_lock);
    if (i == 0)
      first_port = srv_client_port;
    else
      fail_unless_equals_int (srv_client_port, first_port);
    g_mutex_unlock (&srv_lock);
  }
}

GST_END_TEST;

GST_START_TEST (test_multipart)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/multipart");
  static const guint8 wav[] = { 'R', 'I', 'F', 'F', 0x00, 0x01, 0xff, '\r',
    '\n', '-', '-', 'x'
  };
  GBytes *file = g_bytes_new_static (wav, sizeof (wav));
  gchar *expect;

  sandra_http_request_add_form_field (req, "model", "gpt-4o-transcribe");
  sandra_http_request_add_form_field (req, "language", "es");
  sandra_http_request_add_form_field (req, "timestamp_granularities[]", "word");
  sandra_http_request_add_form_file (req, "file", "utterance.wav",
      "audio/wav", file);
  send_req (req, c, NULL);
  wait_done (c);

  fail_unless (c->error == NULL);
  fail_unless_equals_int (c->status, 200);
  fail_unless_equals_string (c->body, "{\"text\":\"hola\"}");
  fail_unless_equals_string (srv_content_type, "multipart/form-data");
  fail_unless (srv_form != NULL);
  fail_unless_equals_int (g_hash_table_size (srv_form), 4);
  fail_unless_equals_string (g_hash_table_lookup (srv_form, "model"),
      "gpt-4o-transcribe");
  fail_unless_equals_string (g_hash_table_lookup (srv_form, "language"), "es");
  fail_unless_equals_string (g_hash_table_lookup (srv_form,
          "timestamp_granularities[]"), "word");
  expect = g_strdup ("utterance.wav|audio/wav|52494646" "0001ff0d0a2d2d78");
  fail_unless_equals_string (g_hash_table_lookup (srv_form, "file"), expect);
  g_free (expect);
  g_bytes_unref (file);
  collector_free (c);
}

GST_END_TEST;

GST_START_TEST (test_sse_incremental)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/stream");

  stream.content_type = "text/event-stream";
  stream.part1 = "data: {\"type\":\"transcript.text.delta\",\"delta\":\"Hel\"}"
      "\n\n: keep-alive comment\r\ndata: {\"type\":\"transcript.text.del";
  stream.part2 = "ta\",\"delta\":\"lo\"}\r\n\r\nevent: done\ndata: line1\n"
      "data: line2\n\n";
  c->first_item = release_part2;
  sandra_http_request_set_body_mode (req, SANDRA_HTTP_BODY_SSE);
  send_req (req, c, NULL);
  wait_done (c);

  fail_unless (c->error == NULL);
  fail_unless_equals_int (c->status, 200);
  fail_unless (c->body == NULL);
  fail_unless (!stream.part2_before_first_item,
      "the first event was not delivered before the stream ended");
  fail_unless_equals_int (c->items->len, 3);
  fail_unless_equals_string (g_ptr_array_index (c->items, 0),
      "message|{\"type\":\"transcript.text.delta\",\"delta\":\"Hel\"}");
  fail_unless_equals_string (g_ptr_array_index (c->items, 1),
      "message|{\"type\":\"transcript.text.delta\",\"delta\":\"lo\"}");
  fail_unless_equals_string (g_ptr_array_index (c->items, 2),
      "done|line1\nline2");
  collector_free (c);
}

GST_END_TEST;

GST_START_TEST (test_ndjson_incremental)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/stream");

  stream.content_type = "application/x-ndjson";
  stream.part1 = "{\"t\":\"uno\"}\n\n{\"t\":\"do";
  stream.part2 = "s\"}\r\nnot json\n{\"t\":\"tres\"}";
  c->first_item = release_part2;
  sandra_http_request_set_body_mode (req, SANDRA_HTTP_BODY_NDJSON);
  send_req (req, c, NULL);
  wait_done (c);

  fail_unless (c->error == NULL);
  fail_unless (!stream.part2_before_first_item);
  fail_unless_equals_int (c->items->len, 4);
  fail_unless_equals_string (g_ptr_array_index (c->items, 0), "uno");
  fail_unless_equals_string (g_ptr_array_index (c->items, 1), "dos");
  fail_unless_equals_string (g_ptr_array_index (c->items, 2), "<invalid>");
  /* the last line has no newline and is still delivered */
  fail_unless_equals_string (g_ptr_array_index (c->items, 3), "tres");
  collector_free (c);
}

GST_END_TEST;

GST_START_TEST (test_raw_stream)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/stream");

  stream.content_type = "audio/pcm";
  stream.part1 = "0123456789abcdefghij";
  stream.part2 = "KLMNOP";
  sandra_http_request_set_body_mode (req, SANDRA_HTTP_BODY_RAW);
  send_req (req, c, NULL);
  /* part two only once part one has been read */
  g_mutex_lock (&c->lock);
  while (c->raw->len < 20)
    g_cond_wait_until (&c->cond, &c->lock, g_get_monotonic_time () +
        10 * G_TIME_SPAN_MILLISECOND);
  fail_unless_equals_string (c->raw->str, "0123456789abcdefghij");
  g_mutex_unlock (&c->lock);
  release_part2 (NULL);
  wait_done (c);
  fail_unless (c->error == NULL);
  fail_unless_equals_string (c->raw->str, "0123456789abcdefghijKLMNOP");
  collector_free (c);
}

GST_END_TEST;

static const Reply json_reply[] = {
  {200, NULL, NULL, NULL, NULL, "{\"text\":\"whole\"}"},
};

GST_START_TEST (test_sse_request_answered_with_json)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/script");

  /* an endpoint that ignores stream=true: the body is collected */
  script = json_reply;
  script_len = 1;
  sandra_http_request_set_body_mode (req, SANDRA_HTTP_BODY_SSE);
  send_req (req, c, NULL);
  wait_done (c);
  fail_unless (c->error == NULL);
  fail_unless_equals_int (c->status, 200);
  fail_unless_equals_int (c->items->len, 0);
  fail_unless_equals_string (c->body, "{\"text\":\"whole\"}");
  fail_unless_equals_int (c->responses, 1);
  collector_free (c);
}

GST_END_TEST;

static const Reply retry_after_script[] = {
  {503, "retry-after-ms", "25", "retry-after", "9",
      "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"},
  {429, "retry-after", "0", NULL, NULL,
      "{\"error\":{\"message\":\"slow down\",\"code\":\"rate_limit_exceeded\"}}"},
  {429, "retry-after", "Tue, 01 Jan 2019 00:00:00 GMT", NULL, NULL, NULL},
  {200, NULL, NULL, NULL, NULL, "{\"text\":\"ok\"}"},
};

GST_START_TEST (test_retry_honours_retry_after)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/script");

  script = retry_after_script;
  script_len = G_N_ELEMENTS (retry_after_script);
  sandra_http_request_set_max_retries (req, 3);
  send_req (req, c, NULL);
  wait_done (c);

  fail_unless (c->error == NULL);
  fail_unless_equals_int (c->status, 200);
  fail_unless_equals_string (c->body, "{\"text\":\"ok\"}");
  fail_unless_equals_int (c->attempts, 4);
  fail_unless_equals_int (srv_requests, 4);
  fail_unless_equals_int (c->retry_delays->len, 3);
  /* retry-after-ms wins over retry-after */
  fail_unless_equals_int (g_array_index (c->retry_delays, guint, 0), 25);
  fail_unless_equals_int (g_array_index (c->retry_delays, guint, 1), 0);
  /* a date in the past means now */
  fail_unless_equals_int (g_array_index (c->retry_delays, guint, 2), 0);
  fail_unless_equals_int (g_array_index (c->retry_statuses, guint, 0), 503);
  fail_unless_equals_int (g_array_index (c->retry_statuses, guint, 1), 429);
  fail_unless_equals_int (g_array_index (c->retry_attempts, guint, 0), 2);
  fail_unless_equals_int (g_array_index (c->retry_attempts, guint, 2), 4);
  fail_unless_equals_int (c->responses, 1);
  collector_free (c);
}

GST_END_TEST;

static const Reply always_500[] = {
  {500, NULL, NULL, NULL, NULL, "<html>boom</html>"},
};

static gdouble
fixed_random (gpointer data)
{
  return *(gdouble *) data;
}

GST_START_TEST (test_retry_backoff_gives_up)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("GET", "/script");
  SandraBackoff b;
  gdouble r = 0.5;

  script = always_500;
  script_len = 1;
  sandra_backoff_init (&b, 40, 1000);
  b.random = fixed_random;
  b.random_data = &r;
  sandra_http_request_set_backoff (req, &b);
  sandra_http_request_set_max_retries (req, 2);
  send_req (req, c, NULL);
  wait_done (c);

  fail_unless (c->error == NULL);
  fail_unless_equals_int (c->status, 500);
  fail_unless_equals_int (c->attempts, 3);
  fail_unless_equals_int (srv_requests, 3);
  fail_unless_equals_int (c->retry_delays->len, 2);
  /* equal jitter with r = 0.5: 3/4 of 40 and of 80 */
  fail_unless_equals_int (g_array_index (c->retry_delays, guint, 0), 30);
  fail_unless_equals_int (g_array_index (c->retry_delays, guint, 1), 60);
  fail_unless (c->api_error != NULL);
  fail_unless_equals_int (c->api_error->klass,
      SANDRA_API_ERROR_CLASS_TRANSIENT);
  fail_unless_equals_string (c->api_error->message, "<html>boom</html>");
  fail_unless_equals_string (c->api_error->request_id, "req_test");
  collector_free (c);
}

GST_END_TEST;

static const Reply unauthorized[] = {
  {401, "retry-after-ms", "5", NULL, NULL,
      "{\"error\":{\"message\":\"Incorrect API key provided: sk-bad.\","
        "\"type\":\"invalid_request_error\",\"param\":null,"
        "\"code\":\"invalid_api_key\"}}"},
  {200, NULL, NULL, NULL, NULL, "{}"},
};

static const Reply no_quota[] = {
  {429, "retry-after-ms", "5", NULL, NULL,
      "{\"error\":{\"message\":\"You exceeded your current quota\","
        "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}"},
  {200, NULL, NULL, NULL, NULL, "{}"},
};

static const Reply bad_request[] = {
  {400, NULL, NULL, NULL, NULL,
      "{\"detail\":{\"status\":\"voice_not_found\",\"message\":\"No voice\"}}"},
  {200, NULL, NULL, NULL, NULL, "{}"},
};

static Collector *
run_script (const Reply * s, guint len)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/script");

  server_reset ();
  script = s;
  script_len = len;
  send_req (req, c, NULL);
  wait_done (c);
  return c;
}

GST_START_TEST (test_no_retry_on_fatal)
{
  Collector *c;
  gchar *sentence;

  c = run_script (unauthorized, 2);
  fail_unless_equals_int (c->status, 401);
  fail_unless_equals_int (c->attempts, 1);
  fail_unless_equals_int (srv_requests, 1);
  fail_unless_equals_int (c->retry_delays->len, 0);
  fail_unless_equals_int (c->api_error->klass,
      SANDRA_API_ERROR_CLASS_FATAL_AUTH);
  fail_unless_equals_string (c->api_error->code, "invalid_api_key");
  sentence = sandra_api_error_to_sentence (c->api_error, "OpenAI");
  fail_unless (g_str_has_prefix (sentence,
          "OpenAI rejected the API key"), "%s", sentence);
  fail_unless_equals_string (c->sentence, sentence);
  fail_unless_equals_string (gst_structure_get_string (c->details, "code"),
      "invalid_api_key");
  fail_unless (strstr (sentence, "(401 invalid_api_key)") != NULL);
  g_free (sentence);
  collector_free (c);

  c = run_script (no_quota, 2);
  fail_unless_equals_int (c->status, 429);
  fail_unless_equals_int (c->attempts, 1);
  fail_unless_equals_int (srv_requests, 1);
  fail_unless_equals_int (c->retry_delays->len, 0);
  fail_unless_equals_int (c->api_error->klass,
      SANDRA_API_ERROR_CLASS_FATAL_QUOTA);
  collector_free (c);

  c = run_script (bad_request, 2);
  fail_unless_equals_int (c->status, 400);
  fail_unless_equals_int (c->attempts, 1);
  fail_unless_equals_int (c->api_error->klass,
      SANDRA_API_ERROR_CLASS_FATAL_REQUEST);
  fail_unless_equals_string (c->api_error->code, "voice_not_found");
  collector_free (c);
}

GST_END_TEST;

static GCancellable *cancel_on_first;

static gpointer
cancel_thread (gpointer data)
{
  g_cancellable_cancel (data);
  return NULL;
}

static void
cancel_first (gpointer data)
{
  /* from another thread than the worker, as a flush would */
  GThread *t = g_thread_new ("canceller", cancel_thread,
      cancel_on_first);
  g_thread_unref (t);
}

GST_START_TEST (test_cancel_mid_body)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/stream");

  stream.content_type = "text/event-stream";
  stream.part1 = "data: first\n\ndata: partial";
  stream.part2 = NULL;          /* never completes */
  cancel_on_first = g_cancellable_new ();
  c->first_item = cancel_first;
  sandra_http_request_set_body_mode (req, SANDRA_HTTP_BODY_SSE);
  send_req (req, c, cancel_on_first);
  wait_done (c);

  fail_unless (g_error_matches (c->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  /* a cancellation is not a failure to report */
  fail_unless (c->sentence == NULL && c->details == NULL);
  fail_unless_equals_int (c->items->len, 1);
  fail_unless_equals_int (c->retry_delays->len, 0);
  g_object_unref (cancel_on_first);
  collector_free (c);
}

GST_END_TEST;

static void
cancel_here (gpointer data)
{
  g_cancellable_cancel (data);
}

/* Cancelling from inside a callback (an element that got what it wanted)
 * stops delivery at once, even for events already read. */
GST_START_TEST (test_cancel_inside_callback_stops_delivery)
{
  Collector *c = collector_new ();
  GCancellable *cancellable = g_cancellable_new ();
  SandraHttpRequest *req = request_for ("GET", "/sse3");

  c->first_item = cancel_here;
  c->first_item_data = cancellable;
  sandra_http_request_set_body_mode (req, SANDRA_HTTP_BODY_SSE);
  send_req (req, c, cancellable);
  wait_done (c);
  fail_unless (g_error_matches (c->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  fail_unless_equals_int (c->items->len, 1);
  fail_unless_equals_string (g_ptr_array_index (c->items, 0), "message|one");
  g_object_unref (cancellable);
  collector_free (c);
}

GST_END_TEST;

GST_START_TEST (test_cancel_before_headers_and_during_retry)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/hang");
  GCancellable *cancellable = g_cancellable_new ();
  static const Reply slow_retry[] = {
    {503, "retry-after-ms", "50000", NULL, NULL, NULL},
  };

  send_req (req, c, cancellable);
  wait_server_requests (1);
  g_cancellable_cancel (cancellable);
  wait_done (c);
  fail_unless (g_error_matches (c->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  fail_unless_equals_int (c->status, 0);
  collector_free (c);
  g_object_unref (cancellable);

  /* cancelled while waiting 50 s for its retry */
  server_reset ();
  script = slow_retry;
  script_len = 1;
  c = collector_new ();
  cancellable = g_cancellable_new ();
  req = request_for ("POST", "/script");
  send_req (req, c, cancellable);
  g_mutex_lock (&c->lock);
  while (c->retry_delays->len == 0)
    g_cond_wait_until (&c->cond, &c->lock, g_get_monotonic_time () +
        10 * G_TIME_SPAN_MILLISECOND);
  g_mutex_unlock (&c->lock);
  fail_unless_equals_int (g_array_index (c->retry_delays, guint, 0), 50000);
  g_cancellable_cancel (cancellable);
  wait_done (c);
  fail_unless (g_error_matches (c->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  fail_unless_equals_int (srv_requests, 1);
  collector_free (c);
  g_object_unref (cancellable);

  /* already cancelled: never sent */
  server_reset ();
  c = collector_new ();
  cancellable = g_cancellable_new ();
  g_cancellable_cancel (cancellable);
  send_req (request_for ("POST", "/json"), c, cancellable);
  wait_done (c);
  fail_unless (g_error_matches (c->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  fail_unless_equals_int (c->attempts, 0);
  collector_free (c);
  g_object_unref (cancellable);
}

GST_END_TEST;

/* Another "cancelled" handler keeps g_cancellable_cancel() busy while the
 * worker, woken by ours, completes and frees the call. Nothing may be left
 * behind: under the asan setup (meson test --setup asan) a GLib 2.74
 * GCancellableSource destroyed during the emission leaked here. */
static gboolean
noop (gpointer data)
{
  return G_SOURCE_REMOVE;
}

static void
slow_cancelled_handler (GCancellable * cancellable, gpointer data)
{
  Collector *c = data;
  gint64 give_up = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;

  /* until the worker has completed the call */
  g_mutex_lock (&c->lock);
  while (!c->notified && g_cond_wait_until (&c->cond, &c->lock, give_up));
  g_mutex_unlock (&c->lock);
  /* and has returned from the dispatch that did it */
  sandra_worker_invoke_sync (worker, noop, NULL);
}

GST_START_TEST (test_cancel_while_cancel_runs)
{
  static const Reply slow_retry[] = {
    {503, "retry-after-ms", "50000", NULL, NULL, NULL},
  };
  guint i;

  script = slow_retry;
  script_len = 1;
  for (i = 0; i < 3; i++) {
    Collector *c = collector_new ();
    GCancellable *cancellable = g_cancellable_new ();

    send_req (request_for ("POST", "/script"), c, cancellable);
    g_mutex_lock (&c->lock);
    while (c->retry_delays->len == 0)
      g_cond_wait_until (&c->cond, &c->lock, g_get_monotonic_time () +
          10 * G_TIME_SPAN_MILLISECOND);
    g_mutex_unlock (&c->lock);
    /* connected after the client's own handler, so it runs second */
    g_signal_connect (cancellable, "cancelled",
        G_CALLBACK (slow_cancelled_handler), c);
    g_cancellable_cancel (cancellable);
    wait_done (c);
    fail_unless (g_error_matches (c->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    g_object_unref (cancellable);
    collector_free (c);
  }
}

GST_END_TEST;

GST_START_TEST (test_timeout)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/hang");
  SandraBackoff b;

  sandra_backoff_init (&b, 10, 10);
  sandra_http_request_set_backoff (req, &b);
  sandra_http_request_set_timeout_ms (req, 100);
  sandra_http_request_set_max_retries (req, 1);
  send_req (req, c, NULL);
  wait_done (c);

  fail_unless (g_error_matches (c->error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT),
      "%s", c->error ? c->error->message : "no error");
  fail_unless_equals_int (c->attempts, 2);
  fail_unless_equals_int (c->retry_delays->len, 1);
  fail_unless_equals_int (g_array_index (c->retry_statuses, guint, 0), 0);
  /* how many attempts reached the server before timing out depends on the
   * machine's load; the client side is what is asserted here */
  fail_unless (g_str_has_prefix (c->sentence, "OpenAI did not answer in time"),
      "%s", c->sentence);
  fail_unless_equals_string (gst_structure_get_name (c->details),
      "sandra-http-error");
  collector_free (c);
}

GST_END_TEST;

GST_START_TEST (test_teardown_in_flight)
{
  Collector *c1 = collector_new (), *c2 = collector_new ();
  Collector *c3 = collector_new ();
  static const Reply slow_retry[] = {
    {503, "retry-after-ms", "50000", NULL, NULL, NULL},
  };

  /* stop the worker under a hanging request and one waiting to retry */
  script = slow_retry;
  script_len = 1;
  send_req (request_for ("POST", "/hang"), c1, NULL);
  send_req (request_for ("POST", "/script"), c2, NULL);
  wait_server_requests (2);
  g_mutex_lock (&c2->lock);
  while (c2->retry_delays->len == 0)
    g_cond_wait_until (&c2->cond, &c2->lock, g_get_monotonic_time () +
        10 * G_TIME_SPAN_MILLISECOND);
  g_mutex_unlock (&c2->lock);

  sandra_worker_stop (worker);
  /* both completed (cancelled) and were notified before stop returned */
  fail_unless (c1->notified && c2->notified);
  fail_unless (g_error_matches (c1->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  fail_unless (g_error_matches (c2->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));

  /* sending on a stopped worker completes at once */
  send_req (request_for ("GET", "/json"), c3, NULL);
  fail_unless (c3->notified);
  fail_unless (g_error_matches (c3->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  collector_free (c1);
  collector_free (c2);
  collector_free (c3);
  /* teardown frees the client after its worker: must be fine too */
}

GST_END_TEST;

GST_START_TEST (test_free_client_in_flight)
{
  Collector *c = collector_new ();

  send_req (request_for ("POST", "/hang"), c, NULL);
  wait_server_requests (1);
  sandra_http_free (http);
  http = NULL;
  fail_unless (c->notified);
  fail_unless (g_error_matches (c->error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  collector_free (c);
}

GST_END_TEST;

/* ------------------------------------------------------------------- TLS */

GST_START_TEST (test_tls_verified_unless_loopback_exception)
{
  gchar *pem = g_build_filename (SANDRA_TESTS_DATA_DIR,
      "net-loopback-selfsigned.pem", NULL);
  GError *err = NULL;
  GTlsCertificate *cert = g_tls_certificate_new_from_file (pem, &err);
  NetTestServer *tls;
  Collector *c;
  SandraHttpRequest *req;
  gchar *url;

  fail_unless (cert != NULL, "%s", err ? err->message : "");
  tls = net_test_server_new_tls (cert);
  net_test_server_add_handler (tls, "/json", json_handler, NULL);
  url = g_strconcat (net_test_server_get_url (tls), "/json", NULL);
  fail_unless (g_str_has_prefix (url, "https://127.0.0.1:"));

  /* a self-signed certificate is refused, and not retried */
  c = collector_new ();
  req = sandra_http_request_new ("GET", url);
  send_req (req, c, NULL);
  wait_done (c);
  fail_unless (c->error != NULL && c->error->domain == G_TLS_ERROR,
      "%s", c->error ? c->error->message : "no error");
  fail_unless_equals_int (c->attempts, 1);
  fail_unless (g_str_has_prefix (c->sentence, "The TLS certificate of OpenAI"),
      "%s", c->sentence);
  fail_unless_equals_int (srv_requests, 0);
  collector_free (c);

  /* the loopback-only exception lets it through */
  sandra_http_set_insecure_loopback_tls (http, TRUE);
  c = collector_new ();
  req = sandra_http_request_new ("GET", url);
  send_req (req, c, NULL);
  wait_done (c);
  fail_unless (c->error == NULL, "%s", c->error ? c->error->message : "");
  fail_unless_equals_int (c->status, 200);
  fail_unless_equals_int (srv_requests, 1);
  collector_free (c);

  g_free (url);
  g_free (pem);
  net_test_server_free (tls);
  g_object_unref (cert);
  net_test_settle_tls_threads ();
}

GST_END_TEST;

/* ------------------------------------------------------------- redaction */

/* Fake, and shaped so that secret scanners do not take it for a real key. */
#define SECRET_KEY "test-only-Zq9SECRETvalue0123456789"
#define SECRET_XI "xi-SECRET-4f2a9b77c1"

static const Reply echo_key[] = {
  {401, NULL, NULL, NULL, NULL,
      "{\"error\":{\"message\":\"Incorrect API key provided: "
        SECRET_KEY ". Also " SECRET_XI "\",\"code\":\"invalid_api_key\"}}"},
};

GST_START_TEST (test_keys_never_logged)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/script?xi_api_key="
      SECRET_XI "&model=m");
  gchar *sentence, *logged;

  net_test_log_start ();

  script = echo_key;
  script_len = 1;
  sandra_http_request_set_bearer (req, SECRET_KEY);
  sandra_http_request_set_secret_header (req, "xi-api-key", SECRET_XI);
  send_req (req, c, NULL);
  wait_done (c);

  logged = net_test_log_stop ();

  /* the request itself carried the keys */
  fail_unless_equals_string (srv_auth, "Bearer " SECRET_KEY);
  fail_unless_equals_string (srv_xi_key, SECRET_XI);
  /* the logs saw the request and its headers, without the keys */
  fail_unless (strstr (logged, "Authorization: " SANDRA_REDACTED),
      "%s", logged);
  fail_unless (strstr (logged, "xi-api-key: " SANDRA_REDACTED));
  fail_unless (strstr (logged, "/script?") != NULL);
  fail_if (strstr (logged, SECRET_KEY) != NULL, "%s", logged);
  fail_if (strstr (logged, SECRET_XI) != NULL, "%s", logged);
  /* and the echoed key did not survive into the error either */
  fail_if (strstr (c->api_error->message, SECRET_KEY) != NULL);
  fail_if (strstr (c->api_error->message, SECRET_XI) != NULL);
  sentence = sandra_api_error_to_sentence (c->api_error, "OpenAI");
  fail_if (strstr (sentence, SECRET_KEY) != NULL);
  g_free (sentence);
  g_free (logged);
  collector_free (c);
}

GST_END_TEST;

#define SECRET_CUSTOM "custom-SECRET-77aa0b"
#define SECRET_QUERY "query-SECRET-19fe"

/* Whatever a server quotes back: a key cut in half by the length limit of
 * error messages, a key in another field, the URL's key, the value of a
 * secret header with a name of its own (which the logs must hide too). */
GST_START_TEST (test_echoed_keys_scrubbed_everywhere)
{
  Collector *c = collector_new ();
  SandraHttpRequest *req = request_for ("POST", "/script?key=" SECRET_QUERY);
  gchar *filler = g_strnfill (470, 'x');
  gchar *body = g_strdup_printf ("{\"error\":{\"message\":\"%s "
      SECRET_KEY "\",\"param\":\"" SECRET_CUSTOM "\",\"code\":\""
      SECRET_QUERY "\"}}", filler);
  Reply reply[] = { {401, "x-echo", SECRET_CUSTOM, NULL, NULL, body} };
  gchar *logged;
  const gchar *field;

  net_test_log_start ();
  script = reply;
  script_len = 1;
  sandra_http_request_set_bearer (req, SECRET_KEY);
  sandra_http_request_set_secret_header (req, "X-Goog-Api-Key", SECRET_CUSTOM);
  send_req (req, c, NULL);
  wait_done (c);
  logged = net_test_log_stop ();

  fail_unless_equals_int (c->status, 401);
  /* not even the first half of the key survives the shortening */
  fail_if (strstr (c->api_error->message, "Zq9SECRET") != NULL, "%s",
      c->api_error->message);
  fail_unless (strstr (c->api_error->message, SANDRA_REDACTED) != NULL);
  fail_if (strstr (c->sentence, "SECRET") != NULL, "%s", c->sentence);
  field = gst_structure_get_string (c->details, "param");
  fail_if (field && strstr (field, "SECRET") != NULL, "%s", field);
  field = gst_structure_get_string (c->details, "code");
  fail_if (field && strstr (field, "SECRET") != NULL, "%s", field);
  fail_if (strstr (c->body, "SECRET") != NULL, "%s", c->body);
  /* the custom secret header was sent, and logged as redacted */
  fail_unless (strstr (logged, "X-Goog-Api-Key: " SANDRA_REDACTED) != NULL,
      "%s", logged);
  fail_if (strstr (logged, "SECRET") != NULL, "%s", logged);
  g_free (logged);
  g_free (body);
  g_free (filler);
  collector_free (c);
}

GST_END_TEST;

static void
redirect_handler (SoupServer * s, SoupServerMessage * msg, const char *path,
    GHashTable * query, gpointer data)
{
  soup_server_message_set_redirect (msg, 307, data);
}

/* A redirection to another origin (here another port; a downgrade to
 * http:// is the same case) must not carry any key along. */
GST_START_TEST (test_redirect_keeps_keys_at_home)
{
  NetTestServer *other = net_test_server_new ();
  gchar *there, *here;
  Collector *c;
  SandraHttpRequest *req;

  net_test_server_add_handler (other, "/json", json_handler, NULL);
  there = g_strconcat (net_test_server_get_url (other), "/json", NULL);
  here = url_for ("/json");
  net_test_server_add_handler (server, "/away", redirect_handler, there);
  net_test_server_add_handler (server, "/home", redirect_handler, here);

  c = collector_new ();
  req = request_for ("GET", "/away");
  sandra_http_request_set_bearer (req, SECRET_KEY);
  sandra_http_request_set_secret_header (req, "xi-api-key", SECRET_XI);
  sandra_http_request_set_secret_header (req, "X-Goog-Api-Key", SECRET_CUSTOM);
  send_req (req, c, NULL);
  wait_done (c);
  fail_unless_equals_int (c->status, 200);
  fail_unless_equals_int (srv_requests, 1);
  fail_unless (srv_auth == NULL, "%s", srv_auth);
  fail_unless (srv_xi_key == NULL, "%s", srv_xi_key);
  fail_unless (srv_custom == NULL, "%s", srv_custom);
  collector_free (c);

  /* within the origin the keys go along */
  server_reset ();
  c = collector_new ();
  req = request_for ("GET", "/home");
  sandra_http_request_set_bearer (req, SECRET_KEY);
  sandra_http_request_set_secret_header (req, "xi-api-key", SECRET_XI);
  send_req (req, c, NULL);
  wait_done (c);
  fail_unless_equals_int (c->status, 200);
  fail_unless_equals_string (srv_auth, "Bearer " SECRET_KEY);
  fail_unless_equals_string (srv_xi_key, SECRET_XI);
  collector_free (c);

  net_test_server_free (other);
  g_free (there);
  g_free (here);
}

GST_END_TEST;

/* First request: an event stream's headers, then the connection drops
 * before any byte of its body. Second: a final 503. */
static void
raw_stream_then_503 (const gchar * head, guint index, NetTestRawReply * reply,
    gpointer data)
{
  /* a cut Content-Length body is an error (libsoup 3.2 takes a cut
   * chunked one for complete) */
  static const gchar head200[] = "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/event-stream\r\n" "Content-Length: 100\r\n\r\n";
  static const gchar busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
      "Content-Type: application/json\r\nContent-Length: 40\r\n"
      "Connection: close\r\n\r\n"
      "{\"error\":{\"message\":\"overloaded now\"}}";

  if (index == 0)
    reply->reply = g_bytes_new_static (head200, strlen (head200));
  else
    reply->reply = g_bytes_new_static (busy, strlen (busy));
}

/* `response` describes the response the caller gets, never that of an
 * attempt that failed and was retried. */
GST_START_TEST (test_response_of_retried_attempt_not_announced)
{
  NetTestRawServer *raw = net_test_raw_server_new (raw_stream_then_503, NULL);
  gchar *url = g_strconcat (net_test_raw_server_get_url (raw), "/stream",
      NULL);
  SandraHttpRequest *req = sandra_http_request_new ("POST", url);
  Collector *c = collector_new ();
  SandraBackoff b;

  sandra_backoff_init (&b, 10, 10);
  sandra_http_request_set_backoff (req, &b);
  sandra_http_request_set_max_retries (req, 1);
  sandra_http_request_set_body_mode (req, SANDRA_HTTP_BODY_SSE);
  send_req (req, c, NULL);
  wait_done (c);
  fail_unless_equals_int (c->attempts, 2);
  fail_unless_equals_int (c->status, 503);
  fail_unless_equals_int (c->responses, 1);
  fail_unless_equals_int (c->response_status, 503);
  collector_free (c);
  net_test_raw_server_free (raw);
  g_free (url);
}

GST_END_TEST;

static Suite *
net_http_suite (void)
{
  Suite *s = suite_create ("net-http");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_json_post);
  tcase_add_test (tc, test_post_reuses_connection);
  tcase_add_test (tc, test_multipart);
  tcase_add_test (tc, test_sse_incremental);
  tcase_add_test (tc, test_ndjson_incremental);
  tcase_add_test (tc, test_raw_stream);
  tcase_add_test (tc, test_sse_request_answered_with_json);
  tcase_add_test (tc, test_retry_honours_retry_after);
  tcase_add_test (tc, test_retry_backoff_gives_up);
  tcase_add_test (tc, test_no_retry_on_fatal);
  tcase_add_test (tc, test_cancel_mid_body);
  tcase_add_test (tc, test_cancel_inside_callback_stops_delivery);
  tcase_add_test (tc, test_cancel_before_headers_and_during_retry);
  tcase_add_test (tc, test_cancel_while_cancel_runs);
  tcase_add_test (tc, test_timeout);
  tcase_add_test (tc, test_teardown_in_flight);
  tcase_add_test (tc, test_free_client_in_flight);
  tcase_add_test (tc, test_tls_verified_unless_loopback_exception);
  tcase_add_test (tc, test_keys_never_logged);
  tcase_add_test (tc, test_echoed_keys_scrubbed_everywhere);
  tcase_add_test (tc, test_redirect_keeps_keys_at_home);
  tcase_add_test (tc, test_response_of_retried_attempt_not_announced);
  return s;
}

GST_CHECK_MAIN (net_http);
