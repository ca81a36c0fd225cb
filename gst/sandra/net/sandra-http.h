/* gst-sandra: HTTP requests with retries and streamed responses
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One SandraHttp wraps one SoupSession living in a SandraWorker. Requests
 * are described with SandraHttpRequest from any thread and sent with
 * sandra_http_send(); every callback then runs in the worker thread. Each
 * send gets exactly one `complete` callback: on success, on a final HTTP
 * error, on a transport error, on timeout, and on cancellation (including
 * sandra_http_free() and sandra_worker_stop(), which deliver it before they
 * return).
 *
 * Retries: 408, 409, 429 and 5xx answers, connection failures and
 * timeouts are retried (default: 2 retries) as long as no body data has
 * reached the caller. The delay is `retry-after-ms`, else `retry-after`
 * (seconds or HTTP date), when the server gives one of at most 60 s;
 * otherwise exponential backoff with jitter. A 429 whose code is
 * insufficient_quota, and 400/401/403/404/413/422 are never retried.
 *
 * Keys: set them with sandra_http_request_set_bearer() or
 * sandra_http_request_set_secret_header(); debug logs show those headers
 * as <redacted>, and the key is scrubbed from server error messages.
 */
#ifndef __SANDRA_HTTP_H__
#define __SANDRA_HTTP_H__

#include <gst/gst.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "sandra-worker.h"
#include "sandra-backoff.h"
#include "sandra-api-error.h"

G_BEGIN_DECLS

typedef struct _SandraHttp SandraHttp;
typedef struct _SandraHttpRequest SandraHttpRequest;

/**
 * SandraHttpBodyMode:
 * @SANDRA_HTTP_BODY_FULL: collect the body, hand it over in the result
 * @SANDRA_HTTP_BODY_RAW: `data` callback for every chunk as it arrives
 * @SANDRA_HTTP_BODY_SSE: `sse_event` callback per Server-Sent Event; a
 *   response that is not text/event-stream (an endpoint that ignored
 *   stream=true) is collected as in FULL mode instead
 * @SANDRA_HTTP_BODY_NDJSON: `json_line` callback per newline-delimited JSON
 *   line
 *
 * Error responses (status >= 300) are always collected (up to 1 MiB) and
 * parsed into the result's api_error, whatever the mode.
 */
typedef enum
{
  SANDRA_HTTP_BODY_FULL,
  SANDRA_HTTP_BODY_RAW,
  SANDRA_HTTP_BODY_SSE,
  SANDRA_HTTP_BODY_NDJSON,
} SandraHttpBodyMode;

/* --- Request description: build in any thread, then send. --- */

SandraHttpRequest *sandra_http_request_new (const gchar * method,
    const gchar * url);
SandraHttpRequest *sandra_http_request_ref (SandraHttpRequest * req);
void sandra_http_request_unref (SandraHttpRequest * req);

void sandra_http_request_set_header (SandraHttpRequest * req,
    const gchar * name, const gchar * value);
/* A header whose value is a secret (e.g. "xi-api-key"). */
void sandra_http_request_set_secret_header (SandraHttpRequest * req,
    const gchar * name, const gchar * value);
/* "Authorization: Bearer @key", treated as a secret. */
void sandra_http_request_set_bearer (SandraHttpRequest * req,
    const gchar * key);

void sandra_http_request_set_body (SandraHttpRequest * req,
    const gchar * content_type, GBytes * body);
/* Serialises @node as an application/json body. */
void sandra_http_request_set_json (SandraHttpRequest * req, JsonNode * node);

/* multipart/form-data, built with SoupMultipart. Adding a part replaces a
 * body set with set_body/set_json. */
void sandra_http_request_add_form_field (SandraHttpRequest * req,
    const gchar * name, const gchar * value);
void sandra_http_request_add_form_file (SandraHttpRequest * req,
    const gchar * name, const gchar * filename, const gchar * content_type,
    GBytes * data);

void sandra_http_request_set_body_mode (SandraHttpRequest * req,
    SandraHttpBodyMode mode);

/* An attempt fails with G_IO_ERROR_TIMED_OUT when nothing (connection,
 * headers or body bytes) arrives for @ms. The clock restarts on every
 * chunk, so long streams are fine. 0 disables. Default 60000. */
void sandra_http_request_set_timeout_ms (SandraHttpRequest * req, guint ms);

/* Retries after the first attempt (default 2; 0 disables). */
void sandra_http_request_set_max_retries (SandraHttpRequest * req,
    guint max_retries);
/* Backoff used when the server does not say how long to wait (default
 * 500 ms doubling up to 8 s, equal jitter). Copied. */
void sandra_http_request_set_backoff (SandraHttpRequest * req,
    const SandraBackoff * backoff);

/* --- Results, valid only during the callback. --- */

/**
 * SandraHttpRetryInfo:
 * @attempt: number of the attempt about to be made (2 for the first retry)
 * @delay_ms: how long until it starts
 * @server_delay: TRUE when @delay_ms came from retry-after(-ms)
 * @status: HTTP status of the failed attempt, 0 for transport errors
 * @error: the transport error, or NULL
 * @api_error: the parsed error body, or NULL
 */
typedef struct
{
  guint attempt;
  guint delay_ms;
  gboolean server_delay;
  guint status;
  const GError *error;
  const SandraApiError *api_error;
} SandraHttpRetryInfo;

/**
 * SandraHttpResult:
 * @status: final HTTP status, 0 when no response arrived
 * @error: G_IO_ERROR_CANCELLED, G_IO_ERROR_TIMED_OUT, a transport or TLS
 *   error, G_IO_ERROR_MESSAGE_TOO_LARGE for an oversized stream line; NULL
 *   when a response was read completely (whatever its status)
 * @headers: response headers, or NULL
 * @body: FULL mode body, or the error body; NULL otherwise
 * @api_error: parsed when @status >= 400
 * @attempts: attempts made
 */
typedef struct
{
  guint status;
  const GError *error;
  SoupMessageHeaders *headers;
  GBytes *body;
  const SandraApiError *api_error;
  guint attempts;
} SandraHttpResult;

/* TRUE for a complete 2xx response. */
gboolean sandra_http_result_ok (const SandraHttpResult * result);

/* For a failed result: the API error's sentence, or for transport failures
 * "Could not reach OpenAI: ..." / "OpenAI did not answer in time: ...".
 * NULL for a successful or cancelled result. */
gchar *sandra_http_result_to_sentence (const SandraHttpResult * result,
    const gchar * service);
/* The API error's details, or a "sandra-http-error" structure with
 * http-status and error for transport failures. NULL when there is
 * nothing to report. */
GstStructure *sandra_http_result_to_details (const SandraHttpResult * result);

/**
 * SandraHttpCallbacks:
 * All optional, all called in the worker thread.
 * @response: headers of the response that is going to be delivered (not
 *   of attempts that will be retried)
 * @data: RAW mode chunks
 * @sse_event: SSE mode events
 * @json_line: NDJSON mode lines (@node NULL with @error for a bad line)
 * @retry: a retry was scheduled; post a warning from here
 * @complete: the end, exactly once per send
 */
typedef struct
{
  void (*response) (guint status, SoupMessageHeaders * headers,
      gpointer user_data);
  void (*data) (const guint8 * data, gsize len, gpointer user_data);
  void (*sse_event) (const gchar * event, const gchar * data, gsize len,
      gpointer user_data);
  void (*json_line) (JsonNode * node, const GError * error,
      gpointer user_data);
  void (*retry) (const SandraHttpRetryInfo * info, gpointer user_data);
  void (*complete) (const SandraHttpResult * result, gpointer user_data);
} SandraHttpCallbacks;

/* --- The client --- */

/* The session is created lazily in @worker's thread. */
SandraHttp *sandra_http_new (SandraWorker * worker, const gchar * user_agent);

/* Cancels every request (each gets its `complete` with
 * G_IO_ERROR_CANCELLED), waits for them, drops the session in the worker
 * and frees. Never call it from the worker thread (a callback). */
void sandra_http_free (SandraHttp * http);

/* Accept an invalid TLS certificate when, and only when, the host is a
 * loopback address (a local emulator with a self-signed certificate).
 * Remote hosts are always verified. Default FALSE. */
void sandra_http_set_insecure_loopback_tls (SandraHttp * http,
    gboolean allow);

/* Sends @req (a reference is taken). Thread-safe. @callbacks is copied.
 * @notify(@user_data) runs after `complete`. If the worker has already
 * stopped, `complete` (G_IO_ERROR_CANCELLED) runs at once in the calling
 * thread. Cancelling @cancellable (from
 * any thread) ends the request with G_IO_ERROR_CANCELLED, also while it
 * waits for a retry. */
void sandra_http_send (SandraHttp * http, SandraHttpRequest * req,
    const SandraHttpCallbacks * callbacks, gpointer user_data,
    GDestroyNotify notify, GCancellable * cancellable);

G_END_DECLS

#endif /* __SANDRA_HTTP_H__ */
