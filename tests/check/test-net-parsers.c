/* SSE and NDJSON readers fed in every possible split of their input.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "sandra-sse.h"
#include "sandra-ndjson.h"

static void
collect_sse (const gchar * event, const gchar * data, gsize len,
    const gchar * id, gpointer user_data)
{
  GPtrArray *out = user_data;

  fail_unless_equals_int (strlen (data), len);
  g_ptr_array_add (out, g_strdup_printf ("%s|%s|%s", event, data,
          id ? id : "-"));
}

/* Feeds @text to a fresh parser in two or three pieces cut at every pair of
 * positions, and checks each run yields @expected. */
static void
check_sse_all_splits (const gchar * text, const gchar ** expected)
{
  gsize len = strlen (text), a, b;
  guint n_expected = g_strv_length ((gchar **) expected);

  for (a = 0; a <= len; a++) {
    for (b = a; b <= len; b++) {
      GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
      SandraSseParser *p = sandra_sse_parser_new (collect_sse, out);
      guint i;

      fail_unless (sandra_sse_parser_feed (p, (const guint8 *) text, a));
      fail_unless (sandra_sse_parser_feed (p, (const guint8 *) text + a,
              b - a));
      fail_unless (sandra_sse_parser_feed (p, (const guint8 *) text + b,
              len - b));
      sandra_sse_parser_finish (p);
      fail_unless_equals_int (out->len, n_expected);
      for (i = 0; i < n_expected; i++)
        fail_unless_equals_string (g_ptr_array_index (out, i), expected[i]);
      sandra_sse_parser_free (p);
      g_ptr_array_unref (out);
    }
  }
}

GST_START_TEST (test_sse_openai_stream)
{
  const gchar *text =
      "data: {\"type\":\"transcript.text.delta\",\"delta\":\"Hi\"}\n\n"
      "data: {\"type\":\"transcript.text.done\",\"text\":\"Hi\"}\n\n";
  const gchar *expected[] = {
    "message|{\"type\":\"transcript.text.delta\",\"delta\":\"Hi\"}|-",
    "message|{\"type\":\"transcript.text.done\",\"text\":\"Hi\"}|-",
    NULL
  };
  check_sse_all_splits (text, expected);
}

GST_END_TEST;

GST_START_TEST (test_sse_line_endings_and_fields)
{
  /* BOM, CRLF / CR / LF endings, comments, multi-line data, named events,
   * ids that persist, a field without colon, no space after the colon,
   * an event with no data (not dispatched) */
  const gchar *text =
      "\xEF\xBB\xBF: hello\r\n"
      "event: delta\r\ndata: a\r\ndata:b\r\nid: 7\r\n\r\n"
      "data: c\rdata\r\r"
      "event: lonely\n\n"
      "data: d\nretry: 1500\n\n" "data: dropped at end of stream";
  const gchar *expected[] = {
    "delta|a\nb|7",
    "message|c\n|7",
    "message|d|7",
    NULL
  };
  check_sse_all_splits (text, expected);
}

GST_END_TEST;

GST_START_TEST (test_sse_retry_and_limits)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  SandraSseParser *p = sandra_sse_parser_new (collect_sse, out);
  const gchar *s1 = "retry: 1500\nretry: x\n";
  const gchar *s2 = "data: 0123456789012345678901234567890123456789\n\n";
  const gchar *s3 = "data: short\n\n";

  fail_unless_equals_int64 (sandra_sse_parser_get_retry_ms (p), -1);
  sandra_sse_parser_feed (p, (const guint8 *) s1, strlen (s1));
  fail_unless_equals_int64 (sandra_sse_parser_get_retry_ms (p), 1500);
  /* too large to hold: ignored like any invalid value (was an overflow) */
  {
    const gchar *huge = "retry: 99999999999999999999999\n";

    sandra_sse_parser_feed (p, (const guint8 *) huge, strlen (huge));
    fail_unless_equals_int64 (sandra_sse_parser_get_retry_ms (p), 1500);
  }

  /* an oversized line is refused and dropped, the stream recovers */
  sandra_sse_parser_set_max_line (p, 20);
  fail_if (sandra_sse_parser_feed (p, (const guint8 *) s2, strlen (s2)));
  fail_unless (sandra_sse_parser_feed (p, (const guint8 *) s3, strlen (s3)));
  fail_unless_equals_int (out->len, 1);
  fail_unless_equals_string (g_ptr_array_index (out, 0), "message|short|-");
  sandra_sse_parser_free (p);
  g_ptr_array_unref (out);
}

GST_END_TEST;

static void
collect_json (JsonNode * node, const gchar * line, const GError * error,
    gpointer user_data)
{
  GPtrArray *out = user_data;

  if (node == NULL) {
    fail_unless (error != NULL);
    g_ptr_array_add (out, g_strdup_printf ("invalid:%s", line));
  } else {
    fail_unless (error == NULL);
    g_ptr_array_add (out, json_to_string (node, FALSE));
  }
}

GST_START_TEST (test_ndjson_all_splits)
{
  const gchar *text =
      "{\"audio_base64\":\"AAEC\",\"alignment\":{\"characters\":[\"H\",\"i\"]}}\n"
      "\r\n  \n{\"a\":1}\r\n[1,2]\nnot json\n{\"last\":true}";
  const gchar *expected[] = {
    "{\"audio_base64\":\"AAEC\",\"alignment\":{\"characters\":[\"H\",\"i\"]}}",
    "{\"a\":1}", "[1,2]", "invalid:not json", "{\"last\":true}", NULL
  };
  gsize len = strlen (text), a, b;
  guint i;

  for (a = 0; a <= len; a++) {
    for (b = a; b <= len; b++) {
      GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
      SandraNdjsonParser *p = sandra_ndjson_parser_new (collect_json, out);

      sandra_ndjson_parser_feed (p, (const guint8 *) text, a);
      sandra_ndjson_parser_feed (p, (const guint8 *) text + a, b - a);
      sandra_ndjson_parser_feed (p, (const guint8 *) text + b, len - b);
      /* the last line has no newline: only finish delivers it */
      fail_unless_equals_int (out->len, 4);
      sandra_ndjson_parser_finish (p);
      fail_unless_equals_int (out->len, 5);
      for (i = 0; i < 5; i++)
        fail_unless_equals_string (g_ptr_array_index (out, i), expected[i]);
      sandra_ndjson_parser_free (p);
      g_ptr_array_unref (out);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_ndjson_max_line)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  SandraNdjsonParser *p = sandra_ndjson_parser_new (collect_json, out);
  const gchar *big = "{\"x\":\"0123456789012345678901234567890\"}\n{\"y\":2}\n";

  sandra_ndjson_parser_set_max_line (p, 16);
  fail_unless (sandra_ndjson_parser_feed (p, (const guint8 *) big, 10));
  fail_if (sandra_ndjson_parser_feed (p, (const guint8 *) big + 10, 10));
  sandra_ndjson_parser_feed (p, (const guint8 *) big + 20, strlen (big) - 20);
  sandra_ndjson_parser_finish (p);
  fail_unless_equals_int (out->len, 1);
  fail_unless_equals_string (g_ptr_array_index (out, 0), "{\"y\":2}");
  sandra_ndjson_parser_free (p);
  g_ptr_array_unref (out);
}

GST_END_TEST;

static Suite *
net_parsers_suite (void)
{
  Suite *s = suite_create ("net-parsers");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_sse_openai_stream);
  tcase_add_test (tc, test_sse_line_endings_and_fields);
  tcase_add_test (tc, test_sse_retry_and_limits);
  tcase_add_test (tc, test_ndjson_all_splits);
  tcase_add_test (tc, test_ndjson_max_line);
  return s;
}

GST_CHECK_MAIN (net_parsers);
