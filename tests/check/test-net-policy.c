/* Pure policy modules of the network core: backoff and retry-after,
 * API error parsing and wording, rate-limit headers, credentials.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "sandra-backoff.h"
#include "sandra-api-error.h"
#include "sandra-credentials.h"

static gdouble
fixed_random (gpointer data)
{
  return *(gdouble *) data;
}

GST_START_TEST (test_backoff_growth_and_jitter)
{
  SandraBackoff b;
  gdouble r = 0.0;

  sandra_backoff_init (&b, 500, 8000);
  b.random = fixed_random;
  b.random_data = &r;

  /* r = 0: the lower edge of equal jitter, half the nominal delay */
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 1), 250);
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 2), 500);
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 3), 1000);
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 5), 4000);
  /* capped */
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 6), 4000);
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 60), 4000);

  r = 0.999;
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 1), 499);
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 60), 7996);

  /* no jitter: the nominal delays */
  b.jitter = 0.0;
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 1), 500);
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 4), 4000);

  /* full jitter can go to zero */
  b.jitter = 1.0;
  r = 0.0;
  fail_unless_equals_int (sandra_backoff_delay_ms (&b, 3), 0);

  /* the default random source stays within bounds */
  sandra_backoff_init (&b, 100, 1000);
  {
    guint i;
    for (i = 0; i < 1000; i++) {
      guint d = sandra_backoff_delay_ms (&b, 1 + i % 6);
      fail_unless (d <= 1000);
      fail_unless (d >= 50);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_retry_after_parsing)
{
  GDateTime *now = g_date_time_new_utc (2025, 3, 1, 12, 0, 0);
  guint d = 12345;

  fail_unless (sandra_backoff_parse_retry_after ("250", "7", now, &d));
  fail_unless_equals_int (d, 250);
  fail_unless (sandra_backoff_parse_retry_after ("12.2", NULL, now, &d));
  fail_unless_equals_int (d, 13);
  /* invalid ms header: fall back to retry-after seconds */
  fail_unless (sandra_backoff_parse_retry_after ("soon", "7", now, &d));
  fail_unless_equals_int (d, 7000);
  fail_unless (sandra_backoff_parse_retry_after (NULL, " 2 ", now, &d));
  fail_unless_equals_int (d, 2000);
  fail_unless (sandra_backoff_parse_retry_after (NULL, "0.5", now, &d));
  fail_unless_equals_int (d, 500);
  /* HTTP dates, relative to now */
  fail_unless (sandra_backoff_parse_retry_after (NULL,
          "Sat, 01 Mar 2025 12:00:30 GMT", now, &d));
  fail_unless_equals_int (d, 30000);
  fail_unless (sandra_backoff_parse_retry_after (NULL,
          "Sat, 01 Mar 2025 11:00:00 GMT", now, &d));
  fail_unless_equals_int (d, 0);
  /* nothing usable */
  d = 12345;
  fail_if (sandra_backoff_parse_retry_after (NULL, NULL, now, &d));
  fail_if (sandra_backoff_parse_retry_after ("-5", "-1", now, &d));
  fail_if (sandra_backoff_parse_retry_after ("", "tomorrow", now, &d));
  fail_if (sandra_backoff_parse_retry_after ("1e999", NULL, now, &d));
  fail_unless_equals_int (d, 12345);
  g_date_time_unref (now);
}

GST_END_TEST;

static SandraApiError *
parse (guint status, const gchar * body)
{
  GBytes *b = body ? g_bytes_new_static (body, strlen (body)) : NULL;
  SoupMessageHeaders *h = soup_message_headers_new
      (SOUP_MESSAGE_HEADERS_RESPONSE);
  SandraApiError *e;

  soup_message_headers_append (h, "x-request-id", "req_abc");
  e = sandra_api_error_new_from_response (status, h, b);
  soup_message_headers_unref (h);
  if (b)
    g_bytes_unref (b);
  return e;
}

GST_START_TEST (test_api_error_openai)
{
  SandraApiError *e;
  gchar *s;
  GstStructure *d;
  guint st;

  e = parse (401, "{\"error\":{\"message\":\"Incorrect API key provided\","
      "\"type\":\"invalid_request_error\",\"param\":null,"
      "\"code\":\"invalid_api_key\"}}");
  fail_unless_equals_int (e->http_status, 401);
  fail_unless_equals_string (e->code, "invalid_api_key");
  fail_unless_equals_string (e->type, "invalid_request_error");
  fail_unless (e->param == NULL);
  fail_unless_equals_string (e->request_id, "req_abc");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_FATAL_AUTH);
  fail_if (sandra_api_error_is_retryable (e));
  s = sandra_api_error_to_sentence (e, "OpenAI");
  fail_unless (g_str_has_prefix (s, "OpenAI rejected the API key"), "%s", s);
  fail_unless (strstr (s, "(401 invalid_api_key): Incorrect API key "
          "provided [request id req_abc]") != NULL, "%s", s);
  g_free (s);
  d = sandra_api_error_to_details (e);
  fail_unless_equals_string (gst_structure_get_name (d), "sandra-api-error");
  fail_unless (gst_structure_get_uint (d, "http-status", &st));
  fail_unless_equals_int (st, 401);
  fail_unless_equals_string (gst_structure_get_string (d, "code"),
      "invalid_api_key");
  fail_unless_equals_string (gst_structure_get_string (d, "request-id"),
      "req_abc");
  fail_if (gst_structure_has_field (d, "param"));
  gst_structure_free (d);
  sandra_api_error_free (e);

  e = parse (429, "{\"error\":{\"message\":\"You exceeded your quota\","
      "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_FATAL_QUOTA);
  sandra_api_error_free (e);
  /* quota signalled by type alone */
  e = parse (429, "{\"error\":{\"message\":\"quota\","
      "\"type\":\"insufficient_quota\",\"code\":null}}");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_FATAL_QUOTA);
  sandra_api_error_free (e);
  e = parse (429, "{\"error\":{\"message\":\"Rate limit reached\","
      "\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_TRANSIENT);
  s = sandra_api_error_to_sentence (e, "OpenAI");
  fail_unless (g_str_has_prefix (s, "OpenAI is rate limiting"), "%s", s);
  g_free (s);
  sandra_api_error_free (e);

  e = parse (413, "{\"error\":{\"message\":\"Maximum content size limit "
      "exceeded\",\"type\":\"invalid_request_error\"}}");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_TOO_LARGE);
  sandra_api_error_free (e);

  e = parse (403, "{\"error\":{\"message\":\"no access\",\"code\":42}}");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_FATAL_AUTH);
  fail_unless_equals_string (e->code, "42");
  s = sandra_api_error_to_sentence (e, "OpenAI");
  fail_unless (g_str_has_prefix (s, "OpenAI refused access"), "%s", s);
  g_free (s);
  sandra_api_error_free (e);

  /* a proxy's HTML page */
  e = parse (502, "<html><body>Bad gateway</body></html>");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_TRANSIENT);
  fail_unless_equals_string (e->message,
      "<html><body>Bad gateway</body></html>");
  sandra_api_error_free (e);
  e = parse (503, NULL);
  fail_unless_equals_string (e->message, "Service Unavailable");
  sandra_api_error_free (e);

  fail_unless_equals_int (sandra_api_error_class_to_resource_error
      (SANDRA_API_ERROR_CLASS_FATAL_AUTH), GST_RESOURCE_ERROR_NOT_AUTHORIZED);
  fail_unless_equals_int (sandra_api_error_class_to_resource_error
      (SANDRA_API_ERROR_CLASS_FATAL_REQUEST), GST_RESOURCE_ERROR_SETTINGS);
  fail_unless_equals_int (sandra_api_error_class_to_resource_error
      (SANDRA_API_ERROR_CLASS_TOO_LARGE), GST_RESOURCE_ERROR_NO_SPACE_LEFT);
}

GST_END_TEST;

GST_START_TEST (test_api_error_elevenlabs_and_websocket)
{
  SandraApiError *e;
  const gchar *ws;

  e = parse (401, "{\"detail\":{\"status\":\"invalid_api_key\","
      "\"message\":\"Invalid API key\"}}");
  fail_unless_equals_string (e->code, "invalid_api_key");
  fail_unless_equals_string (e->message, "Invalid API key");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_FATAL_AUTH);
  sandra_api_error_free (e);

  e = parse (401, "{\"detail\":{\"status\":\"quota_exceeded\","
      "\"message\":\"This request exceeds your quota\"}}");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_FATAL_QUOTA);
  sandra_api_error_free (e);

  e = parse (422, "{\"detail\":[{\"loc\":[\"body\",\"text\"],"
      "\"msg\":\"field required\",\"type\":\"value_error.missing\"},"
      "{\"loc\":[\"query\",\"output_format\"],\"msg\":\"bad\"}]}");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_FATAL_REQUEST);
  fail_unless_equals_string (e->message,
      "body.text: field required; query.output_format: bad");
  sandra_api_error_free (e);

  e = parse (429, "{\"detail\":{\"status\":\"system_busy\","
      "\"message\":\"busy\"}}");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_TRANSIENT);
  sandra_api_error_free (e);

  /* WebSocket messages */
  ws = "{\"type\":\"error\",\"event_id\":\"e1\",\"error\":{\"type\":"
      "\"invalid_request_error\",\"code\":\"input_audio_buffer_commit_empty\","
      "\"message\":\"buffer too small\",\"param\":null,\"event_id\":\"c1\"}}";
  e = sandra_api_error_new_from_json (0, ws, -1);
  fail_unless (e != NULL);
  fail_unless_equals_string (e->code, "input_audio_buffer_commit_empty");
  fail_unless_equals_int (e->klass, SANDRA_API_ERROR_CLASS_FATAL_REQUEST);
  sandra_api_error_free (e);
  e = sandra_api_error_new_from_json (0, "{\"error\":"
      "\"input_timeout_exceeded\",\"message\":\"no text for 20s\"}", -1);
  fail_unless_equals_string (e->code, "input_timeout_exceeded");
  fail_unless_equals_string (e->message, "no text for 20s");
  sandra_api_error_free (e);
  fail_unless (sandra_api_error_new_from_json (0, "{\"audio\":\"AA\"}",
          -1) == NULL);
  fail_unless (sandra_api_error_new_from_json (0, "not json", -1) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_rate_limits)
{
  SoupMessageHeaders *h = soup_message_headers_new
      (SOUP_MESSAGE_HEADERS_RESPONSE);
  SandraRateLimits l;
  gint64 ms;

  fail_if (sandra_rate_limits_parse (h, &l));
  fail_unless_equals_int64 (l.remaining_requests, -1);

  soup_message_headers_append (h, "x-ratelimit-limit-requests", "500");
  soup_message_headers_append (h, "x-ratelimit-remaining-requests", "499");
  soup_message_headers_append (h, "x-ratelimit-reset-requests", "120ms");
  soup_message_headers_append (h, "x-ratelimit-remaining-tokens", "149984");
  soup_message_headers_append (h, "x-ratelimit-reset-tokens", "6m0s");
  fail_unless (sandra_rate_limits_parse (h, &l));
  fail_unless_equals_int64 (l.limit_requests, 500);
  fail_unless_equals_int64 (l.remaining_requests, 499);
  fail_unless_equals_int64 (l.reset_requests_ms, 120);
  fail_unless_equals_int64 (l.limit_tokens, -1);
  fail_unless_equals_int64 (l.remaining_tokens, 149984);
  fail_unless_equals_int64 (l.reset_tokens_ms, 360000);
  soup_message_headers_unref (h);

  fail_unless (sandra_parse_duration_ms ("1h2m3.5s", &ms));
  fail_unless_equals_int64 (ms, 3723500);
  fail_unless (sandra_parse_duration_ms ("250us", &ms));
  fail_unless_equals_int64 (ms, 1);
  fail_unless (sandra_parse_duration_ms ("0s", &ms));
  fail_unless_equals_int64 (ms, 0);
  fail_unless (sandra_parse_duration_ms ("17", &ms) == FALSE);
  fail_if (sandra_parse_duration_ms ("", &ms));
  fail_if (sandra_parse_duration_ms ("5x", &ms));
  fail_if (sandra_parse_duration_ms ("-1s", &ms));
  /* beyond what a gint64 of milliseconds holds (was a negative number) */
  ms = 7;
  fail_if (sandra_parse_duration_ms ("1e300h", &ms));
  fail_if (sandra_parse_duration_ms ("1e400s", &ms));
  fail_unless_equals_int64 (ms, 7);
}

GST_END_TEST;

GST_START_TEST (test_credentials_resolution)
{
  gchar *s;

  g_setenv ("SANDRA_TEST_KEY", " sk-from-env\n", TRUE);
  s = sandra_credentials_resolve_key ("sk-prop", "SANDRA_TEST_KEY");
  fail_unless_equals_string (s, "sk-prop");
  g_free (s);
  s = sandra_credentials_resolve_key ("", "SANDRA_TEST_KEY");
  fail_unless_equals_string (s, "sk-from-env");
  g_free (s);
  s = sandra_credentials_resolve_key (NULL, "SANDRA_TEST_KEY");
  fail_unless_equals_string (s, "sk-from-env");
  g_free (s);
  g_unsetenv ("SANDRA_TEST_KEY");
  fail_unless (sandra_credentials_resolve_key (NULL, "SANDRA_TEST_KEY")
      == NULL);
  fail_unless (sandra_credentials_resolve_key ("  ", NULL) == NULL);

  g_setenv ("SANDRA_TEST_BASE", "http://127.0.0.1:8080/v1/", TRUE);
  s = sandra_credentials_resolve_base_url (NULL, "SANDRA_TEST_BASE",
      SANDRA_OPENAI_DEFAULT_BASE_URL);
  fail_unless_equals_string (s, "http://127.0.0.1:8080/v1");
  g_free (s);
  s = sandra_credentials_resolve_base_url ("https://proxy.example/v1//",
      "SANDRA_TEST_BASE", SANDRA_OPENAI_DEFAULT_BASE_URL);
  fail_unless_equals_string (s, "https://proxy.example/v1");
  g_free (s);
  g_unsetenv ("SANDRA_TEST_BASE");
  s = sandra_credentials_resolve_base_url (NULL, "SANDRA_TEST_BASE",
      SANDRA_OPENAI_DEFAULT_BASE_URL);
  fail_unless_equals_string (s, "https://api.openai.com/v1");
  g_free (s);

  s = sandra_credentials_ws_url ("https://api.openai.com/v1",
      "/realtime?model=gpt-realtime");
  fail_unless_equals_string (s,
      "wss://api.openai.com/v1/realtime?model=gpt-realtime");
  g_free (s);
  s = sandra_credentials_ws_url ("http://127.0.0.1:9/v1", NULL);
  fail_unless_equals_string (s, "ws://127.0.0.1:9/v1");
  g_free (s);
  s = sandra_credentials_ws_url ("WSS://x", "/a");
  fail_unless_equals_string (s, "wss://x/a");
  g_free (s);
  fail_unless (sandra_credentials_ws_url ("ftp://x", NULL) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_credentials_redaction)
{
  SoupMessageHeaders *h = soup_message_headers_new
      (SOUP_MESSAGE_HEADERS_REQUEST);
  gchar *s;
  GUri *u;

  soup_message_headers_append (h, "Authorization", "Bearer sk-secret");
  soup_message_headers_append (h, "XI-API-KEY", "xi-secret");
  soup_message_headers_append (h, "OpenAI-Beta", "realtime=v1");
  s = sandra_credentials_format_headers (h);
  fail_unless_equals_string (s, "Authorization: <redacted>\n"
      "XI-API-KEY: <redacted>\nOpenAI-Beta: realtime=v1");
  g_free (s);
  soup_message_headers_unref (h);

  s = sandra_credentials_redact_uri ("wss://user:pw@api.elevenlabs.io/v1/"
      "text-to-speech/v/stream-input?model_id=m&xi_api_key=xi-secret&"
      "output_format=pcm_16000");
  fail_unless (strstr (s, "xi-secret") == NULL, "%s", s);
  fail_unless (strstr (s, "pw") == NULL, "%s", s);
  fail_unless (strstr (s, "model_id=m&xi_api_key=<redacted>&"
          "output_format=pcm_16000") != NULL, "%s", s);
  g_free (s);

  s = sandra_credentials_redact_text ("bad key sk-secret, sk-secret!",
      "sk-secret");
  fail_unless_equals_string (s, "bad key <redacted>, <redacted>!");
  g_free (s);
  s = sandra_credentials_redact_text ("nothing", NULL);
  fail_unless_equals_string (s, "nothing");
  g_free (s);

  u = g_uri_parse ("http://127.0.0.1:1/v1", G_URI_FLAGS_NONE, NULL);
  fail_unless (sandra_credentials_is_loopback_uri (u));
  g_uri_unref (u);
  u = g_uri_parse ("https://[::1]:1/v1", G_URI_FLAGS_NONE, NULL);
  fail_unless (sandra_credentials_is_loopback_uri (u));
  g_uri_unref (u);
  u = g_uri_parse ("https://localhost/v1", G_URI_FLAGS_NONE, NULL);
  fail_unless (sandra_credentials_is_loopback_uri (u));
  g_uri_unref (u);
  u = g_uri_parse ("https://api.openai.com/v1", G_URI_FLAGS_NONE, NULL);
  fail_if (sandra_credentials_is_loopback_uri (u));
  g_uri_unref (u);
  u = g_uri_parse ("https://10.0.0.1/v1", G_URI_FLAGS_NONE, NULL);
  fail_if (sandra_credentials_is_loopback_uri (u));
  g_uri_unref (u);
}

GST_END_TEST;

static Suite *
net_policy_suite (void)
{
  Suite *s = suite_create ("net-policy");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_backoff_growth_and_jitter);
  tcase_add_test (tc, test_retry_after_parsing);
  tcase_add_test (tc, test_api_error_openai);
  tcase_add_test (tc, test_api_error_elevenlabs_and_websocket);
  tcase_add_test (tc, test_rate_limits);
  tcase_add_test (tc, test_credentials_resolution);
  tcase_add_test (tc, test_credentials_redaction);
  return s;
}

GST_CHECK_MAIN (net_policy);
