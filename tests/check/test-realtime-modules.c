/* The plain modules behind openairealtime: the playout tracker (what the
 * user heard, for barge-in), the capture buffer (audio kept across
 * reconnections), the conversation history (replayed into a new session)
 * and the sentence splitter (end-of-sentence events).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "test-json.h"
#include "sandra-realtime-playout.h"
#include "sandra-realtime-capture.h"
#include "sandra-realtime-history.h"
#include "sandra-sentence-splitter.h"

#define PCM_BPS 48000           /* pcm16 at 24 kHz */

/* ---- playout ---- */

GST_START_TEST (test_playout_heard_follows_clock_and_latency)
{
  SandraRealtimePlayout *p = sandra_realtime_playout_new (PCM_BPS);
  gchar *item = NULL, *resp = NULL;
  guint64 ms = 0;

  fail_if (sandra_realtime_playout_heard (p, 0, 0, NULL, NULL, NULL));

  /* 2 s received, first sample pushed at running time 10 s. */
  fail_unless (sandra_realtime_playout_delta (p, "resp_1", "item_1",
          2 * PCM_BPS));
  sandra_realtime_playout_pushed (p, "item_1", 10 * GST_SECOND,
      GST_SECOND, PCM_BPS);

  /* Before the sink had rendered anything (latency 200 ms). */
  fail_unless (sandra_realtime_playout_heard (p, 10 * GST_SECOND +
          150 * GST_MSECOND, 200 * GST_MSECOND, &item, &resp, &ms));
  fail_unless_equals_string (item, "item_1");
  fail_unless_equals_string (resp, "resp_1");
  fail_unless_equals_uint64 (ms, 0);
  g_clear_pointer (&item, g_free);
  g_clear_pointer (&resp, g_free);

  /* 700 ms later the user has heard 500 ms. */
  fail_unless (sandra_realtime_playout_heard (p, 10 * GST_SECOND +
          700 * GST_MSECOND, 200 * GST_MSECOND, NULL, NULL, &ms));
  fail_unless_equals_uint64 (ms, 500);

  /* Never more than was pushed (1 s of the 2 s received). */
  fail_unless (sandra_realtime_playout_heard (p, 30 * GST_SECOND, 0, NULL,
          NULL, &ms));
  fail_unless_equals_uint64 (ms, 1000);

  /* All of it pushed: never more than was received. */
  sandra_realtime_playout_pushed (p, "item_1", 11 * GST_SECOND,
      GST_SECOND, PCM_BPS);
  fail_unless (sandra_realtime_playout_heard (p, 30 * GST_SECOND, 0, NULL,
          NULL, &ms));
  fail_unless_equals_uint64 (ms, 2000);
  sandra_realtime_playout_free (p);
}

GST_END_TEST;

/* The reply underran: 200 ms played, nothing for 800 ms, then the rest
 * started. The gap was silence, not heard audio. */
GST_START_TEST (test_playout_heard_skips_underrun_gaps)
{
  SandraRealtimePlayout *p = sandra_realtime_playout_new (PCM_BPS);
  guint64 ms = 0;

  fail_unless (sandra_realtime_playout_delta (p, "r", "i", PCM_BPS));
  sandra_realtime_playout_pushed (p, "i", 0, 100 * GST_MSECOND,
      PCM_BPS / 10);
  sandra_realtime_playout_pushed (p, "i", 100 * GST_MSECOND,
      100 * GST_MSECOND, PCM_BPS / 10);
  /* In the gap: the first run has been heard, no more. */
  fail_unless (sandra_realtime_playout_heard (p, 600 * GST_MSECOND, 0, NULL,
          NULL, &ms));
  fail_unless_equals_uint64 (ms, 200);
  /* The next run starts at 1 s (stamped at the clock after the underrun). */
  sandra_realtime_playout_pushed (p, "i", GST_SECOND, 200 * GST_MSECOND,
      PCM_BPS / 5);
  /* 100 ms into it, 20 ms latency: 200 + 80 ms heard, not 1080. */
  fail_unless (sandra_realtime_playout_heard (p, GST_SECOND +
          100 * GST_MSECOND, 20 * GST_MSECOND, NULL, NULL, &ms));
  fail_unless_equals_uint64 (ms, 280);
  /* Before that run reached the speaker (latency 20 ms): still 200. */
  fail_unless (sandra_realtime_playout_heard (p, GST_SECOND +
          10 * GST_MSECOND, 20 * GST_MSECOND, NULL, NULL, &ms));
  fail_unless_equals_uint64 (ms, 200);
  sandra_realtime_playout_free (p);
}

GST_END_TEST;

GST_START_TEST (test_playout_finished_item_is_not_truncated)
{
  SandraRealtimePlayout *p = sandra_realtime_playout_new (8000);
  guint64 ms;

  sandra_realtime_playout_delta (p, "r", "i", 8000);
  sandra_realtime_playout_pushed (p, "i", GST_SECOND, GST_SECOND, 8000);
  sandra_realtime_playout_audio_done (p, "i");
  /* Still playing (end at 2 s + 100 ms latency). */
  fail_unless (sandra_realtime_playout_heard (p, 2 * GST_SECOND, 100 *
          GST_MSECOND, NULL, NULL, &ms));
  fail_unless_equals_uint64 (ms, 900);
  /* Done and played out. */
  fail_if (sandra_realtime_playout_heard (p, 2 * GST_SECOND + 100 *
          GST_MSECOND, 100 * GST_MSECOND, NULL, NULL, &ms));

  /* Done but not all pushed yet: still audible. */
  sandra_realtime_playout_delta (p, "r2", "i2", 16000);
  sandra_realtime_playout_pushed (p, "i2", 5 * GST_SECOND, GST_SECOND, 8000);
  sandra_realtime_playout_audio_done (p, "i2");
  fail_unless (sandra_realtime_playout_heard (p, 9 * GST_SECOND, 0, NULL,
          NULL, &ms));
  /* (the 1 s pushed; the rest has not reached the sink) */
  fail_unless_equals_uint64 (ms, 1000);

  /* Nothing pushed yet: the user heard nothing, truncate at 0. */
  sandra_realtime_playout_delta (p, "r3", "i3", 800);
  fail_unless (sandra_realtime_playout_heard (p, 9 * GST_SECOND, 0, NULL,
          NULL, &ms));
  fail_unless_equals_uint64 (ms, 0);
  sandra_realtime_playout_free (p);
}

GST_END_TEST;

GST_START_TEST (test_playout_cancelled_responses_are_dropped)
{
  SandraRealtimePlayout *p = sandra_realtime_playout_new (PCM_BPS);
  gchar *id;
  guint i;

  fail_unless (sandra_realtime_playout_delta (p, "resp_a", "item_a", 480));
  sandra_realtime_playout_cancel_response (p, "resp_a");
  fail_if (sandra_realtime_playout_delta (p, "resp_a", "item_a", 480));
  fail_unless (sandra_realtime_playout_delta (p, "resp_b", "item_b", 480));
  /* Pushing buffers of another item does not move the tracked one. */
  sandra_realtime_playout_pushed (p, "item_a", 0, GST_SECOND, 480);
  fail_unless (sandra_realtime_playout_heard (p, GST_SECOND, 0, &id, NULL,
          NULL));
  fail_unless_equals_string (id, "item_b");
  g_free (id);

  /* The memory is bounded but the most recent ids stay. */
  for (i = 0; i < 50; i++) {
    gchar *r = g_strdup_printf ("resp_%u", i);
    sandra_realtime_playout_cancel_response (p, r);
    g_free (r);
  }
  fail_unless (sandra_realtime_playout_is_cancelled (p, "resp_49"));
  fail_if (sandra_realtime_playout_is_cancelled (p, "resp_0"));
  sandra_realtime_playout_reset (p);
  fail_if (sandra_realtime_playout_is_cancelled (p, "resp_49"));
  sandra_realtime_playout_free (p);
}

GST_END_TEST;

/* ---- capture ---- */

static void
fill (guint8 * buf, gsize n, guint8 first)
{
  gsize i;

  for (i = 0; i < n; i++)
    buf[i] = (guint8) (first + i);
}

GST_START_TEST (test_capture_send_commit_rewind)
{
  SandraRealtimeCapture *c = sandra_realtime_capture_new (1000);
  guint8 buf[400];
  GBytes *b;
  const guint8 *d;

  fill (buf, 400, 0);
  fail_unless_equals_uint64 (sandra_realtime_capture_push (c, buf, 400), 0);
  b = sandra_realtime_capture_take (c, 250, 2);
  fail_unless_equals_int (g_bytes_get_size (b), 250 - 250 % 2);
  d = g_bytes_get_data (b, NULL);
  fail_unless_equals_int (d[0], 0);
  g_bytes_unref (b);
  fail_unless_equals_int (sandra_realtime_capture_unsent (c), 150);

  /* The service committed the first 100 bytes. */
  sandra_realtime_capture_commit (c, 100);
  fail_unless_equals_uint64 (sandra_realtime_capture_head_offset (c), 100);
  fail_unless_equals_int (sandra_realtime_capture_size (c), 300);
  /* A commit beyond what was sent stops at what was sent. */
  sandra_realtime_capture_commit (c, 10000);
  fail_unless_equals_uint64 (sandra_realtime_capture_head_offset (c), 250);

  /* New session: everything kept is resent, from the head. */
  fail_unless_equals_uint64 (sandra_realtime_capture_rewind (c), 250);
  fail_unless_equals_int (sandra_realtime_capture_unsent (c), 150);
  b = sandra_realtime_capture_take (c, 1000, 1);
  d = g_bytes_get_data (b, NULL);
  fail_unless_equals_int (d[0], 250 % 256);
  fail_unless_equals_int (g_bytes_get_size (b), 150);
  g_bytes_unref (b);
  fail_unless (sandra_realtime_capture_take (c, 1000, 1) == NULL);
  sandra_realtime_capture_free (c);
}

GST_END_TEST;

GST_START_TEST (test_capture_bound_reports_unsent_drops)
{
  SandraRealtimeCapture *c = sandra_realtime_capture_new (1000);
  guint8 buf[600];
  GBytes *b;
  guint i;

  fill (buf, 600, 0);
  sandra_realtime_capture_push (c, buf, 600);
  g_bytes_unref (sandra_realtime_capture_take (c, 600, 1));
  /* 600 sent bytes + 600 new: 200 sent ones go, silently. */
  fail_unless_equals_uint64 (sandra_realtime_capture_push (c, buf, 600), 0);
  fail_unless_equals_int (sandra_realtime_capture_size (c), 1000);
  /* Disconnected: more unsent audio than the bound; the oldest unsent
   * bytes are reported. */
  fail_unless_equals_uint64 (sandra_realtime_capture_push (c, buf, 600), 200);
  fail_unless_equals_int (sandra_realtime_capture_unsent (c), 1000);
  /* Many small pushes keep the bound and the byte order. */
  for (i = 0; i < 100; i++)
    sandra_realtime_capture_push (c, buf, 7);
  fail_unless_equals_int (sandra_realtime_capture_size (c), 1000);
  b = sandra_realtime_capture_take (c, 2000, 1);
  fail_unless_equals_int (((const guint8 *) g_bytes_get_data (b, NULL))[999],
      6);
  g_bytes_unref (b);
  sandra_realtime_capture_clear (c);
  fail_unless_equals_int (sandra_realtime_capture_size (c), 0);
  sandra_realtime_capture_free (c);
}

GST_END_TEST;

/* ---- history ---- */

GST_START_TEST (test_history_replay_shapes)
{
  SandraRealtimeHistory *h = sandra_realtime_history_new (100);
  GPtrArray *ev;
  JsonNode *n;

  sandra_realtime_history_add (h, "item_u1", SANDRA_REALTIME_ROLE_USER, NULL);
  sandra_realtime_history_add (h, "item_a1", SANDRA_REALTIME_ROLE_ASSISTANT,
      NULL);
  sandra_realtime_history_append_text (h, "item_a1", "Hello, ");
  sandra_realtime_history_append_text (h, "item_a1", "how can I help?");
  /* The user's transcript completes after the assistant started. */
  fail_unless (sandra_realtime_history_set_text (h, "item_u1", "Hi there"));
  sandra_realtime_history_add (h, "item_u2", SANDRA_REALTIME_ROLE_USER, NULL);
  sandra_realtime_history_add (h, NULL, SANDRA_REALTIME_ROLE_USER, "typed");
  fail_if (sandra_realtime_history_set_text (h, "nope", "x"));

  ev = sandra_realtime_history_build_replay (h, SANDRA_REALTIME_API_GA);
  /* item_u2 has no text and is skipped. */
  fail_unless_equals_int (ev->len, 3);
  n = tj_parse (g_ptr_array_index (ev, 0));
  fail_unless_equals_string (tj_str (n, "type"), "conversation.item.create");
  fail_unless_equals_string (tj_str (n, "item.role"), "user");
  fail_unless_equals_string (tj_str (n, "item.content.0.type"), "input_text");
  fail_unless_equals_string (tj_str (n, "item.content.0.text"), "Hi there");
  json_node_unref (n);
  n = tj_parse (g_ptr_array_index (ev, 1));
  fail_unless_equals_string (tj_str (n, "item.role"), "assistant");
  fail_unless_equals_string (tj_str (n, "item.content.0.type"), "output_text");
  fail_unless_equals_string (tj_str (n, "item.content.0.text"),
      "Hello, how can I help?");
  json_node_unref (n);
  n = tj_parse (g_ptr_array_index (ev, 2));
  fail_unless_equals_string (tj_str (n, "item.content.0.text"), "typed");
  json_node_unref (n);
  g_ptr_array_unref (ev);

  ev = sandra_realtime_history_build_replay (h, SANDRA_REALTIME_API_BETA);
  n = tj_parse (g_ptr_array_index (ev, 1));
  fail_unless_equals_string (tj_str (n, "item.content.0.type"), "text");
  json_node_unref (n);
  g_ptr_array_unref (ev);

  sandra_realtime_history_remove (h, "item_a1");
  fail_unless_equals_int (sandra_realtime_history_length (h), 3);
  sandra_realtime_history_free (h);
}

GST_END_TEST;

GST_START_TEST (test_history_truncate_and_bound)
{
  SandraRealtimeHistory *h = sandra_realtime_history_new (3);
  guint i;

  sandra_realtime_history_add (h, "a", SANDRA_REALTIME_ROLE_ASSISTANT,
      "one two three four five six seven eight");
  /* Heard half: the text is cut back to a whole word near the middle. */
  sandra_realtime_history_truncate (h, "a", 1000, 2000);
  fail_unless_equals_string (sandra_realtime_history_get_text (h, "a"),
      "one two three four");
  /* The final transcript arriving later does not undo the cut. */
  sandra_realtime_history_set_text (h, "a", "one two three four five six");
  fail_unless_equals_string (sandra_realtime_history_get_text (h, "a"),
      "one two three four");

  sandra_realtime_history_add (h, "b", SANDRA_REALTIME_ROLE_ASSISTANT,
      "never heard");
  sandra_realtime_history_truncate (h, "b", 0, 2000);
  fail_unless_equals_string (sandra_realtime_history_get_text (h, "b"), "");

  for (i = 0; i < 5; i++) {
    gchar *id = g_strdup_printf ("u%u", i);
    sandra_realtime_history_add (h, id, SANDRA_REALTIME_ROLE_USER, id);
    g_free (id);
  }
  fail_unless_equals_int (sandra_realtime_history_length (h), 3);
  fail_unless (sandra_realtime_history_get_text (h, "a") == NULL);
  fail_unless_equals_string (sandra_realtime_history_get_text (h, "u4"), "u4");
  sandra_realtime_history_free (h);
}

GST_END_TEST;

/* Function calls and their results are replayed as the items they were,
 * in order; a result whose call fell out of the bound is not (the service
 * could not pair it). */
GST_START_TEST (test_history_function_calls)
{
  SandraRealtimeHistory *h = sandra_realtime_history_new (4);
  GPtrArray *ev;
  JsonNode *n;
  guint api;

  sandra_realtime_history_add (h, "u1", SANDRA_REALTIME_ROLE_USER,
      "Weather in Paris?");
  sandra_realtime_history_add_function_call (h, "fc1", "call_1",
      "get_weather", "{\"city\":\"Paris\"}");
  sandra_realtime_history_add_function_output (h, "fo1", "call_1",
      "{\"temperature_c\":21}");
  /* The echo of the same item again changes nothing. */
  sandra_realtime_history_add_function_output (h, "fo1", "call_1", "other");
  /* Text updates are for messages only. */
  fail_if (sandra_realtime_history_set_text (h, "fo1", "x"));
  sandra_realtime_history_truncate (h, "fc1", 0, 1000);
  sandra_realtime_history_add (h, "a1", SANDRA_REALTIME_ROLE_ASSISTANT,
      "It is 21 degrees.");

  for (api = 0; api < 2; api++) {
    ev = sandra_realtime_history_build_replay (h, api == 0 ?
        SANDRA_REALTIME_API_GA : SANDRA_REALTIME_API_BETA);
    fail_unless_equals_int (ev->len, 4);
    n = tj_parse (g_ptr_array_index (ev, 1));
    fail_unless_equals_string (tj_str (n, "type"), "conversation.item.create");
    fail_unless_equals_string (tj_str (n, "item.type"), "function_call");
    fail_unless_equals_string (tj_str (n, "item.call_id"), "call_1");
    fail_unless_equals_string (tj_str (n, "item.name"), "get_weather");
    /* Replayed with its id, so that the new session's echo is known. */
    fail_unless_equals_string (tj_str (n, "item.id"), "fc1");
    fail_unless_equals_string (tj_str (n, "item.arguments"),
        "{\"city\":\"Paris\"}");
    fail_if (tj_has (n, "item.role"));
    json_node_unref (n);
    n = tj_parse (g_ptr_array_index (ev, 2));
    fail_unless_equals_string (tj_str (n, "item.type"), "function_call_output");
    fail_unless_equals_string (tj_str (n, "item.call_id"), "call_1");
    fail_unless_equals_string (tj_str (n, "item.output"),
        "{\"temperature_c\":21}");
    json_node_unref (n);
    n = tj_parse (g_ptr_array_index (ev, 3));
    fail_unless_equals_string (tj_str (n, "item.content.0.text"),
        "It is 21 degrees.");
    json_node_unref (n);
    g_ptr_array_unref (ev);
  }

  /* Two more entries push out the question and the call, not the result:
   * the orphaned result is left out. */
  sandra_realtime_history_add (h, "u2_an_id_longer_than_the_service_takes",
      SANDRA_REALTIME_ROLE_USER, "Thanks");
  sandra_realtime_history_add (h, "a2", SANDRA_REALTIME_ROLE_ASSISTANT,
      "You're welcome.");
  fail_unless_equals_int (sandra_realtime_history_length (h), 4);
  ev = sandra_realtime_history_build_replay (h, SANDRA_REALTIME_API_GA);
  fail_unless_equals_int (ev->len, 3);
  n = tj_parse (g_ptr_array_index (ev, 0));
  fail_unless_equals_string (tj_str (n, "item.content.0.text"),
      "It is 21 degrees.");
  fail_unless_equals_string (tj_str (n, "item.id"), "a1");
  json_node_unref (n);
  /* An id the service would refuse is left for it to choose. */
  n = tj_parse (g_ptr_array_index (ev, 1));
  fail_unless_equals_string (tj_str (n, "item.content.0.text"), "Thanks");
  fail_if (tj_has (n, "item.id"));
  json_node_unref (n);
  g_ptr_array_unref (ev);
  sandra_realtime_history_free (h);
}

GST_END_TEST;

/* ---- sentences ---- */

GST_START_TEST (test_sentence_splitter)
{
  SandraSentenceSplitter *s = sandra_sentence_splitter_new ();
  gchar **out;
  gchar *rest;

  fail_unless (sandra_sentence_splitter_push (s, "It costs 3") == NULL);
  /* "3." could go on as "3.5": wait for what follows. */
  fail_unless (sandra_sentence_splitter_push (s, ".") == NULL);
  fail_unless (sandra_sentence_splitter_push (s, "5 euros") == NULL);
  out = sandra_sentence_splitter_push (s, ". Really?\" He");
  fail_unless (out != NULL);
  fail_unless_equals_int (g_strv_length (out), 2);
  fail_unless_equals_string (out[0], "It costs 3.5 euros.");
  /* Closing quotes stay with their sentence. */
  fail_unless_equals_string (out[1], "Really?\"");
  g_strfreev (out);
  out = sandra_sentence_splitter_push (s, " smiled! Yes");
  fail_unless_equals_int (g_strv_length (out), 1);
  fail_unless_equals_string (out[0], "He smiled!");
  g_strfreev (out);
  /* A CJK full stop needs no space. */
  out = sandra_sentence_splitter_push (s, "。好");
  fail_unless_equals_int (g_strv_length (out), 1);
  fail_unless_equals_string (out[0], "Yes。");
  g_strfreev (out);
  rest = sandra_sentence_splitter_finish (s);
  fail_unless_equals_string (rest, "好");
  g_free (rest);
  fail_unless (sandra_sentence_splitter_finish (s) == NULL);
  sandra_sentence_splitter_free (s);
}

GST_END_TEST;

static Suite *
realtime_modules_suite (void)
{
  Suite *s = suite_create ("realtime-modules");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_playout_heard_follows_clock_and_latency);
  tcase_add_test (tc, test_playout_heard_skips_underrun_gaps);
  tcase_add_test (tc, test_playout_finished_item_is_not_truncated);
  tcase_add_test (tc, test_playout_cancelled_responses_are_dropped);
  tcase_add_test (tc, test_capture_send_commit_rewind);
  tcase_add_test (tc, test_capture_bound_reports_unsent_drops);
  tcase_add_test (tc, test_history_replay_shapes);
  tcase_add_test (tc, test_history_truncate_and_bound);
  tcase_add_test (tc, test_history_function_calls);
  tcase_add_test (tc, test_sentence_splitter);
  return s;
}

GST_CHECK_MAIN (realtime_modules);
