/* gst-sandra: HTTP requests with retries and streamed responses
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-http.h"
#include "sandra-credentials.h"
#include "sandra-sse.h"
#include "sandra-ndjson.h"

#include <gst/gst.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (sandra_http_debug);
#define GST_CAT_DEFAULT sandra_http_debug

#define READ_CHUNK 16384
#define MAX_ERROR_BODY (1024 * 1024)
#define DEFAULT_TIMEOUT_MS 60000
#define DEFAULT_MAX_RETRIES 2
#define DEFAULT_BACKOFF_INITIAL_MS 500
#define DEFAULT_BACKOFF_MAX_MS 8000
/* Longer server-requested waits fall back to our own backoff: a request
 * that has to wait minutes is better reported than silently parked. */
#define MAX_SERVER_DELAY_MS 60000

/* ---------------------------------------------------------------- request */

struct _SandraHttpRequest
{
  gint refcount;
  gchar *method;
  gchar *url;
  GPtrArray *header_names;
  GPtrArray *header_values;
  GPtrArray *secrets;
  gchar *content_type;
  GBytes *body;
  SoupMultipart *multipart;
  SandraHttpBodyMode mode;
  guint timeout_ms;
  guint max_retries;
  SandraBackoff backoff;
};

SandraHttpRequest *
sandra_http_request_new (const gchar * method, const gchar * url)
{
  SandraHttpRequest *req;

  g_return_val_if_fail (method != NULL, NULL);
  g_return_val_if_fail (url != NULL, NULL);

  req = g_new0 (SandraHttpRequest, 1);
  req->refcount = 1;
  req->method = g_strdup (method);
  req->url = g_strdup (url);
  req->header_names = g_ptr_array_new_with_free_func (g_free);
  req->header_values = g_ptr_array_new_with_free_func (g_free);
  req->secrets = g_ptr_array_new_with_free_func (g_free);
  sandra_credentials_collect_uri_secrets (url, req->secrets);
  req->mode = SANDRA_HTTP_BODY_FULL;
  req->timeout_ms = DEFAULT_TIMEOUT_MS;
  req->max_retries = DEFAULT_MAX_RETRIES;
  sandra_backoff_init (&req->backoff, DEFAULT_BACKOFF_INITIAL_MS,
      DEFAULT_BACKOFF_MAX_MS);
  return req;
}

SandraHttpRequest *
sandra_http_request_ref (SandraHttpRequest * req)
{
  g_return_val_if_fail (req != NULL, NULL);
  g_atomic_int_inc (&req->refcount);
  return req;
}

void
sandra_http_request_unref (SandraHttpRequest * req)
{
  g_return_if_fail (req != NULL);
  if (!g_atomic_int_dec_and_test (&req->refcount))
    return;
  g_free (req->method);
  g_free (req->url);
  g_ptr_array_unref (req->header_names);
  g_ptr_array_unref (req->header_values);
  g_ptr_array_unref (req->secrets);
  g_free (req->content_type);
  if (req->body)
    g_bytes_unref (req->body);
  if (req->multipart)
    soup_multipart_free (req->multipart);
  g_free (req);
}

void
sandra_http_request_set_header (SandraHttpRequest * req, const gchar * name,
    const gchar * value)
{
  g_return_if_fail (req != NULL && name != NULL && value != NULL);
  g_ptr_array_add (req->header_names, g_strdup (name));
  g_ptr_array_add (req->header_values, g_strdup (value));
  /* belt and braces: whatever the caller thinks, these carry keys */
  if (sandra_credentials_is_secret_header (name)) {
    g_ptr_array_add (req->secrets, g_strdup (value));
    /* a server quoting the key quotes the token, not the scheme */
    if (g_ascii_strncasecmp (value, "Bearer ", 7) == 0 && value[7])
      g_ptr_array_add (req->secrets, g_strdup (value + 7));
  }
}

void
sandra_http_request_set_secret_header (SandraHttpRequest * req,
    const gchar * name, const gchar * value)
{
  g_return_if_fail (req != NULL && name != NULL && value != NULL);
  if (!sandra_credentials_is_secret_header (name))
    g_ptr_array_add (req->secrets, g_strdup (value));
  sandra_http_request_set_header (req, name, value);
}

void
sandra_http_request_set_bearer (SandraHttpRequest * req, const gchar * key)
{
  gchar *v;

  g_return_if_fail (req != NULL && key != NULL);
  v = g_strconcat ("Bearer ", key, NULL);
  sandra_http_request_set_header (req, "Authorization", v);
  g_free (v);
}

void
sandra_http_request_set_body (SandraHttpRequest * req,
    const gchar * content_type, GBytes * body)
{
  g_return_if_fail (req != NULL && body != NULL);
  g_free (req->content_type);
  req->content_type = g_strdup (content_type);
  if (req->body)
    g_bytes_unref (req->body);
  req->body = g_bytes_ref (body);
  g_clear_pointer (&req->multipart, soup_multipart_free);
}

void
sandra_http_request_set_json (SandraHttpRequest * req, JsonNode * node)
{
  gsize len;
  gchar *text;
  GBytes *body;

  g_return_if_fail (req != NULL && node != NULL);
  text = json_to_string (node, FALSE);
  len = strlen (text);
  body = g_bytes_new_take (text, len);
  sandra_http_request_set_body (req, "application/json", body);
  g_bytes_unref (body);
}

static SoupMultipart *
ensure_multipart (SandraHttpRequest * req)
{
  if (req->multipart == NULL) {
    req->multipart = soup_multipart_new ("multipart/form-data");
    g_clear_pointer (&req->body, g_bytes_unref);
    g_clear_pointer (&req->content_type, g_free);
  }
  return req->multipart;
}

void
sandra_http_request_add_form_field (SandraHttpRequest * req,
    const gchar * name, const gchar * value)
{
  g_return_if_fail (req != NULL && name != NULL && value != NULL);
  soup_multipart_append_form_string (ensure_multipart (req), name, value);
}

void
sandra_http_request_add_form_file (SandraHttpRequest * req,
    const gchar * name, const gchar * filename, const gchar * content_type,
    GBytes * data)
{
  g_return_if_fail (req != NULL && name != NULL && data != NULL);
  soup_multipart_append_form_file (ensure_multipart (req), name, filename,
      content_type, data);
}

void
sandra_http_request_set_body_mode (SandraHttpRequest * req,
    SandraHttpBodyMode mode)
{
  g_return_if_fail (req != NULL);
  req->mode = mode;
}

void
sandra_http_request_set_timeout_ms (SandraHttpRequest * req, guint ms)
{
  g_return_if_fail (req != NULL);
  req->timeout_ms = ms;
}

void
sandra_http_request_set_max_retries (SandraHttpRequest * req, guint max_retries)
{
  g_return_if_fail (req != NULL);
  req->max_retries = max_retries;
}

void
sandra_http_request_set_backoff (SandraHttpRequest * req,
    const SandraBackoff * backoff)
{
  g_return_if_fail (req != NULL && backoff != NULL);
  req->backoff = *backoff;
}

gboolean
sandra_http_result_ok (const SandraHttpResult * result)
{
  return result && result->error == NULL && result->status >= 200
      && result->status < 300;
}

gchar *
sandra_http_result_to_sentence (const SandraHttpResult * result,
    const gchar * service)
{
  g_return_val_if_fail (result != NULL, NULL);

  if (service == NULL)
    service = "The service";
  if (result->error) {
    if (g_error_matches (result->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return NULL;
    if (g_error_matches (result->error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
      return g_strdup_printf ("%s did not answer in time (after %u "
          "attempts): %s", service, result->attempts, result->error->message);
    if (result->error->domain == G_TLS_ERROR)
      return g_strdup_printf ("The TLS certificate of %s could not be "
          "verified: %s", service, result->error->message);
    if (result->status)
      return g_strdup_printf ("%s's response was cut short (%u): %s",
          service, result->status, result->error->message);
    return g_strdup_printf ("Could not reach %s (after %u attempts): %s",
        service, result->attempts, result->error->message);
  }
  if (result->api_error)
    return sandra_api_error_to_sentence (result->api_error, service);
  if (result->status < 200 || result->status >= 300)
    return g_strdup_printf ("%s answered with an unexpected status %u",
        service, result->status);
  return NULL;
}

GstStructure *
sandra_http_result_to_details (const SandraHttpResult * result)
{
  g_return_val_if_fail (result != NULL, NULL);

  if (result->error) {
    if (g_error_matches (result->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return NULL;
    return gst_structure_new ("sandra-http-error",
        "http-status", G_TYPE_UINT, result->status,
        "attempts", G_TYPE_UINT, result->attempts,
        "error", G_TYPE_STRING, result->error->message, NULL);
  }
  if (result->api_error)
    return sandra_api_error_to_details (result->api_error);
  if (result->status < 200 || result->status >= 300)
    return gst_structure_new ("sandra-http-error",
        "http-status", G_TYPE_UINT, result->status,
        "attempts", G_TYPE_UINT, result->attempts, NULL);
  return NULL;
}

/* ----------------------------------------------------------------- client */

struct _SandraHttp
{
  SandraWorker *worker;
  guint client_id;
  gchar *user_agent;
  gboolean insecure_loopback;

  /* worker thread only */
  SoupSession *session;
  GList *calls;

  /* shared with sandra_http_free() */
  GMutex lock;
  GCond cond;
  guint n_calls;
  gboolean closing;
  gboolean disposed;
};

typedef struct
{
  SandraHttp *http;
  SandraHttpRequest *req;
  SandraHttpCallbacks cb;
  gpointer user_data;
  GDestroyNotify notify;

  GCancellable *user_cancellable;
  gulong user_cancel_id;
  GSource *user_cancel_src;
  gboolean cancelled;           /* by the user or by closing */

  /* current attempt */
  guint attempt;
  SoupMessage *msg;
  GInputStream *stream;
  GCancellable *attempt_cancellable;
  gboolean op_pending;
  gboolean timed_out;
  GSource *timeout_src;
  GSource *retry_src;
  guint status;
  gboolean collecting;          /* body goes to body_buf */
  gboolean delivered;           /* the caller has seen body data */
  GByteArray *body_buf;
  gboolean body_truncated;      /* an error body hit MAX_ERROR_BODY */
  SandraSseParser *sse;
  SandraNdjsonParser *ndjson;
  GError *stream_error;
} Call;

static void start_attempt (Call * call);

static void
init_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (sandra_http_debug, "sandranethttp", 0,
        "gst-sandra HTTP client");
    g_once_init_leave (&once, 1);
  }
}

static SoupSession *
ensure_session (SandraHttp * http)
{
  if (http->session == NULL) {
    http->session = soup_session_new_with_options ("user-agent",
        http->user_agent, "timeout", 0, "idle-timeout", 60, NULL);
  }
  return http->session;
}

static void
call_disarm_timeout (Call * call)
{
  if (call->timeout_src) {
    g_source_destroy (call->timeout_src);
    g_clear_pointer (&call->timeout_src, g_source_unref);
  }
}

static gboolean
on_attempt_timeout (gpointer data)
{
  Call *call = data;

  GST_DEBUG ("attempt %u timed out after %u ms", call->attempt,
      call->req->timeout_ms);
  call->timed_out = TRUE;
  g_cancellable_cancel (call->attempt_cancellable);
  g_clear_pointer (&call->timeout_src, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void
call_arm_timeout (Call * call)
{
  call_disarm_timeout (call);
  if (call->req->timeout_ms == 0)
    return;
  call->timeout_src = sandra_worker_timeout_add (call->http->worker,
      call->req->timeout_ms, on_attempt_timeout, call, NULL);
}

static void
call_reset_attempt (Call * call)
{
  call_disarm_timeout (call);
  if (call->msg)
    g_signal_handlers_disconnect_by_data (call->msg, call);
  g_clear_object (&call->msg);
  if (call->stream) {
    /* not g_input_stream_close(): that would block the worker */
    g_clear_object (&call->stream);
  }
  g_clear_object (&call->attempt_cancellable);
  if (call->body_buf)
    g_clear_pointer (&call->body_buf, g_byte_array_unref);
  g_clear_pointer (&call->sse, sandra_sse_parser_free);
  g_clear_pointer (&call->ndjson, sandra_ndjson_parser_free);
  g_clear_error (&call->stream_error);
  call->timed_out = FALSE;
  call->collecting = FALSE;
  call->body_truncated = FALSE;
  call->status = 0;
}

static void
call_free (Call * call)
{
  SandraHttp *http = call->http;

  call_reset_attempt (call);
  if (call->retry_src) {
    g_source_destroy (call->retry_src);
    g_clear_pointer (&call->retry_src, g_source_unref);
  }
  /* Does not wait for a g_cancellable_cancel() running in another thread
   * (whose other handlers might wait for us): the handler holds its own
   * reference to the source it wakes. */
  if (call->user_cancel_id)
    g_signal_handler_disconnect (call->user_cancellable, call->user_cancel_id);
  call->user_cancel_id = 0;
  if (call->user_cancel_src) {
    g_source_destroy (call->user_cancel_src);
    g_clear_pointer (&call->user_cancel_src, g_source_unref);
  }
  g_clear_object (&call->user_cancellable);
  if (call->notify)
    call->notify (call->user_data);
  sandra_http_request_unref (call->req);
  http->calls = g_list_remove (http->calls, call);
  g_free (call);

  g_mutex_lock (&http->lock);
  http->n_calls--;
  g_cond_broadcast (&http->cond);
  g_mutex_unlock (&http->lock);
  sandra_worker_release (http->worker);
}

static SandraApiError *
parse_api_error (Call * call, GBytes * body)
{
  /* the body was scrubbed of our keys when it was read */
  return sandra_api_error_new_from_response (call->status,
      call->msg ? soup_message_get_response_headers (call->msg) : NULL, body);
}

/* A server that quotes the key back (in an error message, a parameter, an
 * echoed header, an HTML page) must not carry it into our messages, logs
 * or the result body. Scrubbed before anything is parsed or shortened, so
 * no cut can leave a piece of a key behind. @truncated: the body was cut
 * at our cap, so its tail may be the start of a key. */
static GBytes *
scrub_body (Call * call, GBytes * body, gboolean truncated)
{
  GPtrArray *secrets = call->req->secrets;
  guint i;

  if (body == NULL)
    return NULL;
  for (i = 0; i < secrets->len; i++) {
    const gchar *secret = g_ptr_array_index (secrets, i);
    gsize slen = strlen (secret), len, pos = 0, k;
    const gchar *data = g_bytes_get_data (body, &len);
    GByteArray *out;

    if (slen == 0)
      continue;
    out = g_byte_array_sized_new (len);
    while (pos < len) {
      const gchar *hit = g_strstr_len (data + pos, len - pos, secret);
      gsize upto = hit ? (gsize) (hit - data) : len;

      g_byte_array_append (out, (const guint8 *) data + pos, upto - pos);
      if (hit == NULL)
        break;
      g_byte_array_append (out, (const guint8 *) SANDRA_REDACTED,
          strlen (SANDRA_REDACTED));
      pos = upto + slen;
    }
    for (k = MIN (slen - 1, out->len); truncated && k > 0; k--) {
      if (memcmp (out->data + out->len - k, secret, k) == 0) {
        g_byte_array_set_size (out, out->len - k);
        break;
      }
    }
    g_bytes_unref (body);
    body = g_byte_array_free_to_bytes (out);
  }
  return body;
}

static void
call_complete (Call * call, const GError * error, GBytes * body)
{
  SandraHttpResult result = { 0, };
  SandraApiError *api_error = NULL;
  SoupMessageHeaders *headers = NULL;

  if (call->msg && call->status)
    headers = soup_message_get_response_headers (call->msg);
  if (error == NULL && call->status >= 400)
    api_error = parse_api_error (call, body);

  result.status = call->status;
  result.error = error;
  result.headers = headers;
  result.body = body;
  result.api_error = api_error;
  result.attempts = call->attempt;

  GST_DEBUG ("%s request done after %u attempt(s): status %u%s%s",
      call->req->method, call->attempt, result.status,
      error ? ", error: " : "", error ? error->message : "");

  if (call->cb.complete)
    call->cb.complete (&result, call->user_data);
  sandra_api_error_free (api_error);
  call_free (call);
}

static void
complete_with_error (Call * call, const GError * error)
{
  call_complete (call, error, NULL);
}

static void
complete_cancelled (Call * call)
{
  GError *err = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
      "Request cancelled");
  call->status = 0;
  complete_with_error (call, err);
  g_error_free (err);
}

static gboolean
on_retry_timer (gpointer data)
{
  Call *call = data;

  g_clear_pointer (&call->retry_src, g_source_unref);
  start_attempt (call);
  return G_SOURCE_REMOVE;
}

static gboolean
status_is_retryable (guint status)
{
  return status == 408 || status == 409 || status == 429 ||
      (status >= 500 && status < 600);
}

/* Schedules another attempt if the policy allows; FALSE when not. */
static gboolean
maybe_retry (Call * call, const GError * error, GBytes * body)
{
  SandraHttpRetryInfo info = { 0, };
  SandraApiError *api_error = NULL;
  SoupMessageHeaders *headers = NULL;
  guint delay = 0;
  gboolean server_delay = FALSE;

  if (call->cancelled || call->delivered)
    return FALSE;
  if (call->attempt > call->req->max_retries)
    return FALSE;

  if (error) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return FALSE;
    /* certificate problems will not fix themselves */
    if (error->domain == G_TLS_ERROR)
      return FALSE;
  } else {
    if (!status_is_retryable (call->status))
      return FALSE;
    api_error = parse_api_error (call, body);
    if (!sandra_api_error_is_retryable (api_error)) {
      sandra_api_error_free (api_error);
      return FALSE;
    }
    headers = soup_message_get_response_headers (call->msg);
    if (sandra_backoff_parse_retry_after (soup_message_headers_get_one
            (headers, "retry-after-ms"), soup_message_headers_get_one (headers,
                "retry-after"), NULL, &delay) && delay <= MAX_SERVER_DELAY_MS)
      server_delay = TRUE;
  }
  if (!server_delay)
    delay = sandra_backoff_delay_ms (&call->req->backoff, call->attempt);

  info.attempt = call->attempt + 1;
  info.delay_ms = delay;
  info.server_delay = server_delay;
  info.status = error ? 0 : call->status;
  info.error = error;
  info.api_error = api_error;

  GST_INFO ("attempt %u failed (status %u%s%s), retrying in %u ms%s",
      call->attempt, info.status, error ? ", " : "",
      error ? error->message : "", delay,
      server_delay ? " as the server asked" : "");
  if (call->cb.retry)
    call->cb.retry (&info, call->user_data);
  sandra_api_error_free (api_error);

  call_reset_attempt (call);
  call->retry_src = sandra_worker_timeout_add (call->http->worker, delay,
      on_retry_timer, call, NULL);
  return TRUE;
}

/* The attempt ended with a transport error (or timeout/cancel). */
static void
attempt_failed (Call * call, GError * error)
{
  if (call->cancelled) {
    g_error_free (error);
    complete_cancelled (call);
    return;
  }
  if (call->timed_out && g_error_matches (error, G_IO_ERROR,
          G_IO_ERROR_CANCELLED)) {
    GError *t = g_error_new (G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
        "No response for %u ms", call->req->timeout_ms);
    g_error_free (error);
    error = t;
  }
  if (!maybe_retry (call, error, NULL))
    complete_with_error (call, error);
  g_error_free (error);
}

/* Also TRUE as soon as the user's cancellable is, before the worker has
 * seen the wake-up: a caller that cancels from inside a callback (or just
 * before one) gets nothing more. */
static gboolean
call_is_cancelled (Call * call)
{
  return call->cancelled || g_cancellable_is_cancelled (call->user_cancellable);
}

static void
on_sse_event (const gchar * event, const gchar * data, gsize len,
    const gchar * id, gpointer user_data)
{
  Call *call = user_data;

  if (call->cb.sse_event && !call_is_cancelled (call))
    call->cb.sse_event (event, data, len, call->user_data);
}

static void
on_ndjson_line (JsonNode * node, const gchar * line, const GError * error,
    gpointer user_data)
{
  Call *call = user_data;

  if (call->cb.json_line && !call_is_cancelled (call))
    call->cb.json_line (node, error, call->user_data);
}

static void
deliver (Call * call, const guint8 * data, gsize len)
{
  if (call->collecting) {
    gsize room = MAX_ERROR_BODY - MIN (call->body_buf->len, MAX_ERROR_BODY);

    /* FULL mode bodies are not capped; error bodies are */
    if (call->status < 300)
      room = len;
    if (room < len)
      call->body_truncated = TRUE;
    g_byte_array_append (call->body_buf, data, MIN (len, room));
    return;
  }

  if (!call->delivered && call->cb.response && !call_is_cancelled (call))
    call->cb.response (call->status,
        soup_message_get_response_headers (call->msg), call->user_data);
  call->delivered = TRUE;
  switch (call->req->mode) {
    case SANDRA_HTTP_BODY_RAW:
      if (call->cb.data && !call_is_cancelled (call))
        call->cb.data (data, len, call->user_data);
      break;
    case SANDRA_HTTP_BODY_SSE:
      if (!sandra_sse_parser_feed (call->sse, data, len)
          && call->stream_error == NULL)
        call->stream_error = g_error_new_literal (G_IO_ERROR,
            G_IO_ERROR_MESSAGE_TOO_LARGE, "Server-sent event line too long");
      break;
    case SANDRA_HTTP_BODY_NDJSON:
      if (!sandra_ndjson_parser_feed (call->ndjson, data, len)
          && call->stream_error == NULL)
        call->stream_error = g_error_new_literal (G_IO_ERROR,
            G_IO_ERROR_MESSAGE_TOO_LARGE, "JSON line too long");
      break;
    case SANDRA_HTTP_BODY_FULL:
      g_assert_not_reached ();
      break;
  }
}

static void
body_finished (Call * call)
{
  GBytes *body = NULL;

  call_disarm_timeout (call);
  if (call->body_buf)
    body = g_byte_array_free_to_bytes (g_steal_pointer (&call->body_buf));
  if (call->status >= 300)
    body = scrub_body (call, body, call->body_truncated);

  if (call->status >= 300 && maybe_retry (call, NULL, body)) {
    g_bytes_unref (body);
    return;
  }

  if (call->sse)
    sandra_sse_parser_finish (call->sse);
  if (call->ndjson)
    sandra_ndjson_parser_finish (call->ndjson);

  if (call->cb.response && !call->delivered && !call->cancelled)
    call->cb.response (call->status,
        soup_message_get_response_headers (call->msg), call->user_data);

  if (call->cancelled)
    complete_cancelled (call);
  else
    call_complete (call, call->stream_error, body);
  if (body)
    g_bytes_unref (body);
}

static void read_next (Call * call);

static void
on_read (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Call *call = user_data;
  GError *error = NULL;
  GBytes *bytes;

  call->op_pending = FALSE;
  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), res,
      &error);
  if (bytes == NULL) {
    attempt_failed (call, error);
    return;
  }
  if (call->cancelled) {
    g_bytes_unref (bytes);
    complete_cancelled (call);
    return;
  }
  if (g_bytes_get_size (bytes) == 0) {
    g_bytes_unref (bytes);
    body_finished (call);
    return;
  }

  call_arm_timeout (call);
  GST_LOG ("read %" G_GSIZE_FORMAT " bytes", g_bytes_get_size (bytes));
  deliver (call, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_bytes_unref (bytes);

  if (call_is_cancelled (call)) {
    /* the caller cancelled from inside a callback */
    call->cancelled = TRUE;
    complete_cancelled (call);
    return;
  }
  read_next (call);
}

static void
read_next (Call * call)
{
  call->op_pending = TRUE;
  g_input_stream_read_bytes_async (call->stream, READ_CHUNK,
      G_PRIORITY_DEFAULT, call->attempt_cancellable, on_read, call);
}

static void
log_headers (Call * call, const gchar * what, SoupMessageHeaders * headers)
{
  gchar *text;
  guint i;

  if (gst_debug_category_get_threshold (sandra_http_debug) < GST_LEVEL_DEBUG)
    return;
  text = sandra_credentials_format_headers (headers);
  /* values of secret headers under names the list does not know, and keys
   * a server echoes in a response header */
  for (i = 0; i < call->req->secrets->len; i++) {
    gchar *clean = sandra_credentials_redact_text (text,
        g_ptr_array_index (call->req->secrets, i));

    g_free (text);
    text = clean;
  }
  GST_DEBUG ("%s headers:\n%s", what, text);
  g_free (text);
}

static void
on_sent (GObject * source, GAsyncResult * res, gpointer user_data)
{
  Call *call = user_data;
  GError *error = NULL;
  GInputStream *stream;
  const gchar *ctype;

  call->op_pending = FALSE;
  stream = soup_session_send_finish (SOUP_SESSION (source), res, &error);
  if (stream == NULL) {
    attempt_failed (call, error);
    return;
  }
  call->stream = stream;
  call->status = soup_message_get_status (call->msg);
  GST_DEBUG ("attempt %u: HTTP %u %s", call->attempt, call->status,
      soup_message_get_reason_phrase (call->msg));
  log_headers (call, "response", soup_message_get_response_headers (call->msg));

  if (call->cancelled) {
    complete_cancelled (call);
    return;
  }
  call_arm_timeout (call);

  ctype = soup_message_headers_get_content_type
      (soup_message_get_response_headers (call->msg), NULL);
  call->collecting = call->status >= 300
      || call->req->mode == SANDRA_HTTP_BODY_FULL
      || (call->req->mode == SANDRA_HTTP_BODY_SSE
      && g_strcmp0 (ctype, "text/event-stream") != 0);
  if (call->collecting) {
    call->body_buf = g_byte_array_new ();
  } else {
    /* announced with the first body bytes (deliver()): until then a
     * failure of this attempt can still be retried, and the caller must
     * hear only of the response that it gets */
    if (call->req->mode == SANDRA_HTTP_BODY_SSE)
      call->sse = sandra_sse_parser_new (on_sse_event, call);
    else if (call->req->mode == SANDRA_HTTP_BODY_NDJSON)
      call->ndjson = sandra_ndjson_parser_new (on_ndjson_line, call);
  }
  if (call->cancelled) {
    complete_cancelled (call);
    return;
  }
  read_next (call);
}

static gint
uri_port (GUri * uri)
{
  gint port = g_uri_get_port (uri);
  const gchar *scheme = g_uri_get_scheme (uri);

  if (port > 0)
    return port;
  if (g_ascii_strcasecmp (scheme, "https") == 0 ||
      g_ascii_strcasecmp (scheme, "wss") == 0)
    return 443;
  return 80;
}

static gboolean
same_origin (GUri * a, GUri * b)
{
  return a && b && g_ascii_strcasecmp (g_uri_get_scheme (a),
      g_uri_get_scheme (b)) == 0 && g_uri_get_host (a) && g_uri_get_host (b)
      && g_ascii_strcasecmp (g_uri_get_host (a), g_uri_get_host (b)) == 0
      && uri_port (a) == uri_port (b);
}

/* Emitted before every send of the message, redirections included. libsoup
 * drops only Authorization when a redirection leaves the origin; keys in
 * other headers (xi-api-key...) would follow it to any host, or in clear
 * text to an http:// address. */
static void
on_msg_starting (SoupMessage * msg, gpointer data)
{
  Call *call = data;
  SandraHttpRequest *req = call->req;
  SoupMessageHeaders *hdrs = soup_message_get_request_headers (msg);
  GUri *first;
  guint i;

  first = g_uri_parse (req->url, SOUP_HTTP_URI_FLAGS, NULL);
  if (!same_origin (first, soup_message_get_uri (msg))) {
    GST_WARNING ("redirected to another origin: not sending credentials");
    for (i = 0; i < req->header_names->len; i++) {
      const gchar *name = g_ptr_array_index (req->header_names, i);
      const gchar *value = g_ptr_array_index (req->header_values, i);

      if (sandra_credentials_is_secret_header (name) ||
          g_ptr_array_find_with_equal_func (req->secrets, value, g_str_equal,
              NULL))
        soup_message_headers_remove (hdrs, name);
    }
  }
  if (first)
    g_uri_unref (first);
}

static void
start_attempt (Call * call)
{
  SandraHttpRequest *req = call->req;
  SoupMessageHeaders *hdrs;
  GError *error = NULL;
  GUri *uri;
  guint i;

  call->attempt++;
  uri = g_uri_parse (req->url, SOUP_HTTP_URI_FLAGS, &error);
  if (uri == NULL) {
    complete_with_error (call, error);
    g_error_free (error);
    return;
  }
  call->msg = soup_message_new_from_uri (req->method, uri);
  g_uri_unref (uri);
  if (call->msg == NULL) {
    error = g_error_new (G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Not an HTTP URL");
    complete_with_error (call, error);
    g_error_free (error);
    return;
  }

  hdrs = soup_message_get_request_headers (call->msg);
  for (i = 0; i < req->header_names->len; i++)
    soup_message_headers_replace (hdrs, g_ptr_array_index (req->header_names,
            i), g_ptr_array_index (req->header_values, i));

  if (req->multipart) {
    SoupMessageHeaders *mh =
        soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
    GBytes *body = NULL;

    soup_multipart_to_message (req->multipart, mh, &body);
    soup_message_set_request_body_from_bytes (call->msg,
        soup_message_headers_get_one (mh, "Content-Type"), body);
    g_bytes_unref (body);
    soup_message_headers_unref (mh);
  } else if (req->body) {
    soup_message_set_request_body_from_bytes (call->msg, req->content_type,
        req->body);
  }

  /* libsoup sends a request that is not marked idempotent on a new
   * connection every time, so each POST (each utterance transcribed, each
   * sentence synthesised) would pay a TCP and TLS handshake. Marked, it
   * may take an idle kept-alive connection, and libsoup sends it again on
   * a fresh one if the server closed that connection just before: every
   * body here is held in memory, and the same request would be retried
   * after any connection failure anyway (see the retry policy above). */
  soup_message_add_flags (call->msg, SOUP_MESSAGE_IDEMPOTENT);

  if (req->mode == SANDRA_HTTP_BODY_SSE)
    soup_message_headers_replace (hdrs, "Accept", "text/event-stream");
  g_signal_connect (call->msg, "starting", G_CALLBACK (on_msg_starting), call);
  if (call->http->insecure_loopback)
    g_signal_connect (call->msg, "accept-certificate",
        G_CALLBACK (sandra_credentials_accept_loopback_certificate), NULL);

  if (gst_debug_category_get_threshold (sandra_http_debug) >= GST_LEVEL_DEBUG) {
    gchar *safe = sandra_credentials_redact_uri (req->url);
    GST_DEBUG ("attempt %u: %s %s", call->attempt, req->method, safe);
    g_free (safe);
    log_headers (call, "request", hdrs);
  }

  call->attempt_cancellable = g_cancellable_new ();
  call_arm_timeout (call);
  call->op_pending = TRUE;
  soup_session_send_async (ensure_session (call->http), call->msg,
      G_PRIORITY_DEFAULT, call->attempt_cancellable, on_sent, call);
}

/* Worker thread: stop whatever the call is doing. */
static void
call_cancel (Call * call)
{
  if (call->cancelled)
    return;
  call->cancelled = TRUE;
  if (call->op_pending) {
    /* its callback completes the call */
    g_cancellable_cancel (call->attempt_cancellable);
  } else {
    /* waiting for a retry (or not started) */
    complete_cancelled (call);
  }
}

/* A user's cancellation reaches the worker through a source of our own
 * that the "cancelled" handler wakes, not through a GCancellableSource:
 * GLib 2.74 leaks a GCancellableSource that is destroyed while
 * g_cancellable_cancel() is still running in another thread, which is
 * exactly what happens when the worker completes the call at once. */
static gboolean
wake_dispatch (GSource * source, GSourceFunc callback, gpointer data)
{
  g_source_set_ready_time (source, -1);
  return callback (data);
}

static GSourceFuncs wake_funcs = { NULL, NULL, wake_dispatch, NULL };

/* Any thread, possibly after the call is gone: the source is then
 * destroyed and waking it does nothing. */
static void
on_user_cancel_signal (GCancellable * cancellable, gpointer data)
{
  g_source_set_ready_time (data, 0);
}

static gboolean
on_user_cancelled (gpointer data)
{
  Call *call = data;

  call_cancel (call);
  return G_SOURCE_CONTINUE;
}

static gboolean
start_call (gpointer data)
{
  Call *call = data;
  SandraHttp *http = call->http;

  sandra_worker_hold (http->worker);
  http->calls = g_list_prepend (http->calls, call);

  if (http->closing || g_cancellable_is_cancelled (call->user_cancellable)) {
    call->cancelled = TRUE;
    complete_cancelled (call);
    return G_SOURCE_REMOVE;
  }
  if (call->user_cancellable) {
    /* cancellation from any thread is delivered here, in the worker */
    call->user_cancel_src = g_source_new (&wake_funcs, sizeof (GSource));
    g_source_set_callback (call->user_cancel_src, on_user_cancelled, call,
        NULL);
    g_source_attach (call->user_cancel_src,
        sandra_worker_get_context (http->worker));
    call->user_cancel_id = g_cancellable_connect (call->user_cancellable,
        G_CALLBACK (on_user_cancel_signal),
        g_source_ref (call->user_cancel_src), (GDestroyNotify) g_source_unref);
  }
  start_attempt (call);
  return G_SOURCE_REMOVE;
}

void
sandra_http_send (SandraHttp * http, SandraHttpRequest * req,
    const SandraHttpCallbacks * callbacks, gpointer user_data,
    GDestroyNotify notify, GCancellable * cancellable)
{
  Call *call;

  g_return_if_fail (http != NULL);
  g_return_if_fail (req != NULL);

  call = g_new0 (Call, 1);
  call->http = http;
  call->req = sandra_http_request_ref (req);
  if (callbacks)
    call->cb = *callbacks;
  call->user_data = user_data;
  call->notify = notify;
  call->user_cancellable = cancellable ? g_object_ref (cancellable) : NULL;

  g_mutex_lock (&http->lock);
  http->n_calls++;
  g_mutex_unlock (&http->lock);

  if (!sandra_worker_invoke (http->worker, start_call, call, NULL)) {
    /* The worker is stopping: answer right here, no soup involved. */
    GError *err = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
        "Network worker stopped");
    SandraHttpResult result = { 0, };

    result.error = err;
    if (call->cb.complete)
      call->cb.complete (&result, user_data);
    g_error_free (err);
    if (notify)
      notify (user_data);
    g_clear_object (&call->user_cancellable);
    sandra_http_request_unref (call->req);
    g_free (call);
    g_mutex_lock (&http->lock);
    http->n_calls--;
    g_cond_broadcast (&http->cond);
    g_mutex_unlock (&http->lock);
  }
}

/* Worker thread. */
static void
http_cancel_all (gpointer data)
{
  SandraHttp *http = data;
  GList *calls, *l;

  g_mutex_lock (&http->lock);
  http->closing = TRUE;
  g_mutex_unlock (&http->lock);

  /* completing a call removes it from the list: iterate over a copy */
  calls = g_list_copy (http->calls);
  for (l = calls; l; l = l->next)
    call_cancel (l->data);
  g_list_free (calls);
}

static void
http_dispose (gpointer data)
{
  SandraHttp *http = data;

  if (http->session)
    soup_session_abort (http->session);
  g_clear_object (&http->session);
  g_mutex_lock (&http->lock);
  http->disposed = TRUE;
  g_cond_broadcast (&http->cond);
  g_mutex_unlock (&http->lock);
}

static gboolean
cancel_all_cb (gpointer data)
{
  http_cancel_all (data);
  return G_SOURCE_REMOVE;
}

static gboolean
dispose_cb (gpointer data)
{
  SandraHttp *http = data;

  /* in the worker thread, so a concurrent stop cannot snapshot us after
   * this point */
  sandra_worker_remove_client (http->worker, http->client_id);
  http_dispose (http);
  return G_SOURCE_REMOVE;
}

SandraHttp *
sandra_http_new (SandraWorker * worker, const gchar * user_agent)
{
  SandraHttp *http;

  g_return_val_if_fail (worker != NULL, NULL);
  init_debug ();

  http = g_new0 (SandraHttp, 1);
  http->worker = sandra_worker_ref (worker);
  http->user_agent = g_strdup (user_agent ? user_agent : "gst-sandra");
  g_mutex_init (&http->lock);
  g_cond_init (&http->cond);
  http->client_id = sandra_worker_add_client (worker, http_cancel_all,
      http_dispose, http);
  return http;
}

void
sandra_http_set_insecure_loopback_tls (SandraHttp * http, gboolean allow)
{
  g_return_if_fail (http != NULL);
  http->insecure_loopback = allow;
}

void
sandra_http_free (SandraHttp * http)
{
  g_return_if_fail (http != NULL);
  g_return_if_fail (!sandra_worker_is_current (http->worker));

  if (sandra_worker_invoke_sync (http->worker, cancel_all_cb, http)) {
    g_mutex_lock (&http->lock);
    while (http->n_calls > 0 && !http->disposed)
      g_cond_wait (&http->cond, &http->lock);
    g_mutex_unlock (&http->lock);
    if (!sandra_worker_invoke_sync (http->worker, dispose_cb, http))
      sandra_worker_stop (http->worker);
  } else {
    /* stopping: its hooks cancel and dispose us; wait for that */
    sandra_worker_stop (http->worker);
  }
  sandra_worker_remove_client (http->worker, http->client_id);

  g_mutex_clear (&http->lock);
  g_cond_clear (&http->cond);
  g_free (http->user_agent);
  sandra_worker_unref (http->worker);
  g_free (http);
}
