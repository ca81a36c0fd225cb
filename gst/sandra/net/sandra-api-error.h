/* gst-sandra: errors returned by the OpenAI and ElevenLabs APIs
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Turns an error response (HTTP status, headers, JSON body) into a
 * SandraApiError: what went wrong, whether retrying can help, a sentence a
 * user can act on, and a GstStructure for GST_ELEMENT_ERROR_WITH_DETAILS.
 * Also reads the `x-ratelimit-*` headers.
 */
#ifndef __SANDRA_API_ERROR_H__
#define __SANDRA_API_ERROR_H__

#include <gst/gst.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/**
 * SandraApiErrorClass:
 * @SANDRA_API_ERROR_CLASS_TRANSIENT: retrying later may succeed (408, 409,
 *   429 rate limits, 5xx, network)
 * @SANDRA_API_ERROR_CLASS_FATAL_AUTH: the key is missing, wrong or lacks
 *   access (401, 403, invalid_api_key)
 * @SANDRA_API_ERROR_CLASS_FATAL_QUOTA: the account is out of credit
 *   (insufficient_quota, quota_exceeded); retrying cannot help
 * @SANDRA_API_ERROR_CLASS_FATAL_REQUEST: the request itself is wrong (400,
 *   404, 422, other 4xx)
 * @SANDRA_API_ERROR_CLASS_TOO_LARGE: the upload is over the size limit (413)
 */
typedef enum
{
  SANDRA_API_ERROR_CLASS_TRANSIENT,
  SANDRA_API_ERROR_CLASS_FATAL_AUTH,
  SANDRA_API_ERROR_CLASS_FATAL_QUOTA,
  SANDRA_API_ERROR_CLASS_FATAL_REQUEST,
  SANDRA_API_ERROR_CLASS_TOO_LARGE,
} SandraApiErrorClass;

GType sandra_api_error_class_get_type (void);
#define SANDRA_TYPE_API_ERROR_CLASS (sandra_api_error_class_get_type ())

/**
 * SandraApiError:
 * @http_status: HTTP status, 0 for errors that arrived on a WebSocket
 * @code: machine code ("insufficient_quota", "invalid_api_key",
 *   "voice_not_found"; ElevenLabs `detail.status`), or NULL
 * @type: OpenAI error type ("invalid_request_error"), or NULL
 * @param: OpenAI `param`, or NULL
 * @message: the service's human message (422 validation lists are joined),
 *   or NULL
 * @request_id: the `x-request-id` header, or NULL; quote it to support
 * @klass: what the caller should do about it
 */
typedef struct
{
  guint http_status;
  gchar *code;
  gchar *type;
  gchar *param;
  gchar *message;
  gchar *request_id;
  SandraApiErrorClass klass;
} SandraApiError;

/* Parses an error response. @headers and @body may be NULL; a body that is
 * not JSON (an HTML page from a proxy) becomes the message, shortened. Never
 * returns NULL. */
SandraApiError *sandra_api_error_new_from_response (guint http_status,
    SoupMessageHeaders * headers, GBytes * body);

/* Parses an error that arrived as a JSON message on a WebSocket: OpenAI
 * Realtime `{"type":"error","error":{...}}`, ElevenLabs
 * `{"error":"input_timeout_exceeded","message":"..."}`. Returns NULL when
 * @json does not look like an error. */
SandraApiError *sandra_api_error_new_from_json (guint http_status,
    const gchar * json, gssize len);

SandraApiError *sandra_api_error_copy (const SandraApiError * error);
void sandra_api_error_free (SandraApiError * error);

/* Classification from status and code alone: 429 with
 * insufficient_quota/quota_exceeded is FATAL_QUOTA, 401/403 FATAL_AUTH,
 * 413 TOO_LARGE, 408/409/429/5xx TRANSIENT, other 4xx FATAL_REQUEST. */
SandraApiErrorClass sandra_api_error_classify (guint http_status,
    const gchar * code);

/* TRUE when klass is TRANSIENT. */
gboolean sandra_api_error_is_retryable (const SandraApiError * error);

/* "OpenAI rejected the API key (401): Incorrect API key provided." — the
 * first words name @service ("OpenAI", "ElevenLabs") and what to do. */
gchar *sandra_api_error_to_sentence (const SandraApiError * error,
    const gchar * service);

/* Appends the first words of that sentence (service, what happened, what
 * to do) for @klass and HTTP status @http_status; shared with the
 * WebSocket client so both word things alike. */
void sandra_api_error_append_headline (GString * s, SandraApiErrorClass klass,
    guint http_status, const gchar * service);

/* A "sandra-api-error" structure with http-status (uint), and, when known,
 * code, type, param, message, request-id (strings) and class (enum). */
GstStructure *sandra_api_error_to_details (const SandraApiError * error);

/* The GST_RESOURCE_ERROR code that fits @klass (NOT_AUTHORIZED for auth,
 * SETTINGS for a rejected request, NO_SPACE_LEFT for too large, FAILED
 * otherwise), so all elements report alike. */
GstResourceError sandra_api_error_class_to_resource_error (SandraApiErrorClass
    klass);

/**
 * SandraRateLimits:
 * Values of the `x-ratelimit-*` headers; -1 when absent. Reset durations
 * ("6m0s", "12ms", "1.5s") are converted to milliseconds.
 */
typedef struct
{
  gint64 limit_requests;
  gint64 remaining_requests;
  gint64 reset_requests_ms;
  gint64 limit_tokens;
  gint64 remaining_tokens;
  gint64 reset_tokens_ms;
} SandraRateLimits;

/* Fills @limits; TRUE when at least one header was present. */
gboolean sandra_rate_limits_parse (SoupMessageHeaders * headers,
    SandraRateLimits * limits);

/* Parses a Go-style duration ("1h2m3.5s", "12ms", "250us", "0s") into ms,
 * rounding up. FALSE on malformed input. */
gboolean sandra_parse_duration_ms (const gchar * s, gint64 * ms);

G_END_DECLS

#endif /* __SANDRA_API_ERROR_H__ */
