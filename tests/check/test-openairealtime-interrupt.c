/* openairealtime against the in-process emulator: what interrupts a reply.
 * Barge-in (server VAD and client cancel), flushes from upstream (with the
 * reply running or queued, and a barge-in during one), EOS behind an
 * interrupted reply, and a caps change while a reply is queued. "Nothing
 * more of the reply" is checked deterministically: the emulator sends
 * late deltas after the cancel and before response.done, and EOS marks
 * when everything queued has been rendered.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <string.h>

#include "rt-fixture.h"
#include "test-util.h"
#include "test-json.h"

/* The user talks over the assistant: output stops at once, the truncation
 * matches what the sink played, late audio is dropped. */
static void
check_barge_in (gboolean interrupt_response)
{
  gchar *props = g_strdup_printf ("api-key=" KEY " create-response=false "
      "interrupt-response=%s", interrupt_response ? "true" : "false");
  /* Sent 1.5 times faster than it plays: when the user interrupts, part
   * of it waits in the element and the rest is still coming, and some of
   * that after the cancel (late_chunks), as it does from the service. */
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":[{\"transcript\":"
      "\"Once upon a time there was a pipeline.\",\"chunk_ms\":20,"
      "\"pace\":1.5,\"late_chunks\":5}]}}", props, NULL, TRUE, FALSE);
  GBytes *speech = speech_24k ();
  const guint8 *data;
  JsonArray *truncs;
  JsonNode *t;
  GstStructure *s;
  gint64 audio_end_ms, played_ms, end;
  guint64 after;
  gsize size;

  g_free (props);
  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  push_silence (fx, 100);
  fail_unless (send_text (fx, "Tell me a story"));

  /* Let about 0.7 s play. */
  end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
  while (rendered_bytes (fx) < 700 * PCM_BPS / 1000 &&
      g_get_monotonic_time () < end)
    g_usleep (5000);
  fail_unless (rendered_bytes (fx) >= 700 * PCM_BPS / 1000);

  data = g_bytes_get_data (speech, &size);
  push_audio (fx, data, size, 960);
  fail_unless (sandra_emulator_wait_ws_events (fx->emu,
          "conversation.item.truncate", 1, WAIT_S * 1000));
  s = wait_msg (fx, "openairealtime-barge-in", 1);
  fail_unless (gst_structure_get_string (s, "cancelled-response-id"));
  fail_unless (gst_structure_get_string (s, "item-id"));
  gst_structure_free (s);
  /* The output was flushed before the message was posted: nothing of the
   * reply renders from here on. */
  after = rendered_bytes (fx);
  /* The late deltas come before response.done, and are handled in order. */
  s = wait_msg (fx, "openairealtime-response-done", 1);
  fail_unless_equals_string (gst_structure_get_string (s, "status"),
      "cancelled");
  gst_structure_free (s);

  /* response.cancel only when the server does not cancel by itself. */
  {
    JsonArray *c = sandra_emulator_dup_ws_events (fx->emu, "response.cancel");
    fail_unless_equals_int (json_array_get_length (c),
        interrupt_response ? 0 : 1);
    json_array_unref (c);
  }

  /* Nothing more of the cancelled reply reaches the sink, although the
   * element had received more than was played, and more came after the
   * cancel: EOS leaves behind anything that was queued. */
  fx_end_and_wait (fx);
  fail_unless_equals_uint64 (rendered_bytes (fx), after);
  g_mutex_lock (&fx->lock);
  fail_unless (fx->n_flush_start >= 1);
  g_mutex_unlock (&fx->lock);

  truncs = sandra_emulator_dup_ws_events (fx->emu,
      "conversation.item.truncate");
  fail_unless_equals_int (json_array_get_length (truncs), 1);
  t = event_node (truncs, 0);
  fail_unless_equals_int (tj_int (t, "content_index"), 0);
  audio_end_ms = tj_int (t, "audio_end_ms");
  /* Each rendered buffer (20 ms) counted when it started playing. */
  played_ms = (gint64) (after * 1000 / PCM_BPS);
  GST_INFO ("truncate at %" G_GINT64_FORMAT " ms, sink played %"
      G_GINT64_FORMAT " ms", audio_end_ms, played_ms);
  fail_unless (ABS (audio_end_ms - played_ms) <= 40,
      "truncated at %" G_GINT64_FORMAT " ms but the sink played %"
      G_GINT64_FORMAT " ms", audio_end_ms, played_ms);
  json_array_unref (truncs);
  fail_unless_equals_int (count_server_errors (fx->emu), 0);
  g_bytes_unref (speech);
  fx_free (fx);
}

GST_START_TEST (test_barge_in_server_cancels)
{
  check_barge_in (TRUE);
}

GST_END_TEST;

GST_START_TEST (test_barge_in_client_cancels)
{
  check_barge_in (FALSE);
}

GST_END_TEST;

/* An upstream flush (a seek, a restarted microphone) in the middle of a
 * reply and of the user's half-spoken utterance. What was queued is
 * dropped and the flush reaches the sinks; the service is told how much
 * of the reply was heard (truncate), a reply still being generated is
 * cancelled and its late deltas are dropped, and the service's input
 * buffer is cleared, so the half utterance never becomes a turn. The
 * element keeps working. @reply_running: the flush comes while the reply
 * is still streaming (else it has arrived whole and waits in the
 * element). */
static void
check_flush (gboolean reply_running)
{
  Fx *fx = fx_new (reply_running ?
      "{\"realtime\":{\"responses\":[{\"transcript\":\"A long answer.\","
      "\"chunk_ms\":20,\"pace\":1,\"late_chunks\":5},"
      "{\"transcript\":\"Short.\",\"pace\":0}]}}" :
      "{\"realtime\":{\"responses\":[{\"transcript\":\"A long answer.\","
      "\"chunk_ms\":20,\"pace\":0},"
      "{\"transcript\":\"Short.\",\"pace\":0}]}}",
      "api-key=" KEY " create-response=false", NULL, TRUE, FALSE);
  GstPad *sinkpad = gst_element_get_static_pad (fx->rt, "sink");
  GBytes *speech = speech_24k ();
  GBytes *reply = sandra_test_load_audio ("emulator-reply-24k.wav", 24000, 1);
  JsonArray *truncs;
  GstStructure *s;
  GstSegment seg;
  guint64 after;
  gint64 audio_end_ms, played_ms;

  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  /* The user starts a sentence (one second of it)... */
  push_audio (fx, g_bytes_get_data (speech, NULL), PCM_BPS, 960);
  gst_structure_free (wait_msg (fx, "openairealtime-speech-started", 1));
  /* ...and a reply plays meanwhile. */
  fail_unless (send_text (fx, "Talk"));
  wait_rendered (fx, 300 * PCM_BPS / 1000);
  if (!reply_running)
    gst_structure_free (wait_msg (fx, "openairealtime-response-done", 1));

  fail_unless (gst_pad_send_event (sinkpad, gst_event_new_flush_start ()));
  /* The sink has seen the flush: nothing renders before new data. */
  after = rendered_bytes (fx);
  fail_unless (gst_pad_send_event (sinkpad, gst_event_new_flush_stop (TRUE)));
  /* What an upstream element does after its flush. */
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_pad_send_event (sinkpad, gst_event_new_segment (&seg)));
  g_mutex_lock (&fx->lock);
  fail_unless (fx->n_flush_start >= 1);
  g_mutex_unlock (&fx->lock);
  fail_unless (after < g_bytes_get_size (reply));

  /* The service heard about it. */
  fail_unless (sandra_emulator_wait_ws_events (fx->emu,
          "input_audio_buffer.clear", 1, WAIT_S * 1000));
  fail_unless (sandra_emulator_wait_ws_server_events (fx->emu,
          "input_audio_buffer.cleared", 1, WAIT_S * 1000));
  fail_unless (sandra_emulator_wait_ws_events (fx->emu,
          "conversation.item.truncate", 1, WAIT_S * 1000));
  truncs = sandra_emulator_dup_ws_events (fx->emu,
      "conversation.item.truncate");
  audio_end_ms = tj_int (event_node (truncs, 0), "audio_end_ms");
  played_ms = (gint64) (after * 1000 / PCM_BPS);
  fail_unless (ABS (audio_end_ms - played_ms) <= 40,
      "truncated at %" G_GINT64_FORMAT " ms but the sink played %"
      G_GINT64_FORMAT " ms", audio_end_ms, played_ms);
  json_array_unref (truncs);
  if (reply_running) {
    /* The service sends response.done after the late deltas. */
    s = wait_msg (fx, "openairealtime-response-done", 1);
    fail_unless_equals_string (gst_structure_get_string (s, "status"),
        "cancelled");
    gst_structure_free (s);
  }
  fail_unless_equals_int (count_ws_events (fx, "response.cancel", FALSE),
      reply_running ? 1 : 0);
  /* A flush is no barge-in. */
  g_mutex_lock (&fx->lock);
  fail_unless_equals_int (count_msgs_locked (fx, "openairealtime-barge-in"), 0);
  g_mutex_unlock (&fx->lock);

  /* Still working: silence (which would end the stale half utterance as
   * a turn had it stayed in the service's buffer), then a new question;
   * the service handles events in order, so when its reply is done the
   * silence has been through its VAD. */
  push_silence (fx, 1000);
  fail_unless (send_text (fx, "Again"));
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 2));
  fx_end_and_wait (fx);
  /* Of the first reply nothing more was rendered: exactly the second one
   * came out after the flush. */
  fail_unless_equals_uint64 (rendered_bytes (fx) - after,
      g_bytes_get_size (reply));
  fail_unless_equals_int (count_ws_events (fx, "input_audio_buffer.committed",
          TRUE), 0);
  fail_unless_equals_int (count_server_errors (fx->emu), 0);

  g_bytes_unref (reply);
  g_bytes_unref (speech);
  gst_object_unref (sinkpad);
  fx_free (fx);
}

GST_START_TEST (test_flush_cancels_running_reply)
{
  check_flush (TRUE);
}

GST_END_TEST;

GST_START_TEST (test_flush_truncates_queued_reply)
{
  check_flush (FALSE);
}

GST_END_TEST;

/* The user interrupts (cancel-response) while an upstream flush is in
 * progress: the output must stay flushing until the upstream FLUSH_STOP,
 * not be restarted by the barge-in's own flush. The flush itself cancels
 * the reply that was playing, so the barge-in interrupts a new one, asked
 * for during the flush (and endless, so that it is still running). */
GST_START_TEST (test_barge_in_during_upstream_flush)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":[{\"transcript\":"
      "\"A long answer.\",\"chunk_ms\":20,\"pace\":4},"
      "{\"transcript\":\"On and on.\",\"chunk_ms\":20,\"endless\":true},"
      "{\"transcript\":\"Short.\",\"pace\":0}]}}", NULL, NULL, TRUE, FALSE);
  GstPad *sinkpad = gst_element_get_static_pad (fx->rt, "sink");
  GstElement *out = gst_bin_get_by_name (GST_BIN (fx->pipeline), "out");
  GstPad *outpad = gst_element_get_static_pad (out, "sink");
  GstStructure *s;
  GstSegment seg;
  guint64 before;
  guint n;

  fx_play_and_ask (fx, "Talk");
  wait_rendered (fx, 100 * PCM_BPS / 1000);

  fail_unless (gst_pad_send_event (sinkpad, gst_event_new_flush_start ()));
  fail_unless (GST_PAD_IS_FLUSHING (outpad));
  s = wait_msg (fx, "openairealtime-response-done", 1);
  fail_unless_equals_string (gst_structure_get_string (s, "status"),
      "cancelled");
  gst_structure_free (s);
  /* A new reply starts while the input is still flushing. */
  g_mutex_lock (&fx->lock);
  n = count_msgs_locked (fx, "openairealtime-assistant-transcript");
  g_mutex_unlock (&fx->lock);
  fail_unless (send_text (fx, "More"));
  gst_structure_free (wait_msg (fx, "openairealtime-assistant-transcript",
          n + 1));
  g_signal_emit_by_name (fx->rt, "cancel-response");
  s = wait_msg (fx, "openairealtime-barge-in", 1);
  fail_unless (gst_structure_get_string (s, "cancelled-response-id"));
  gst_structure_free (s);
  fail_unless (GST_PAD_IS_FLUSHING (outpad),
      "the barge-in ended the upstream flush downstream");

  fail_unless (gst_pad_send_event (sinkpad, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_pad_send_event (sinkpad, gst_event_new_segment (&seg)));
  fail_if (GST_PAD_IS_FLUSHING (outpad));

  /* Still working. */
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 2));
  before = rendered_bytes (fx);
  push_silence (fx, 40);
  fail_unless (send_text (fx, "Again"));
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 3));
  wait_rendered (fx, before + 1);
  gst_object_unref (outpad);
  gst_object_unref (out);
  gst_object_unref (sinkpad);
  fx_free (fx);
}

GST_END_TEST;

/* The reply has arrived whole and EOS waits behind it in the element when
 * the user interrupts: the flush drops the rest of the reply, but the
 * stream must still end. */
GST_START_TEST (test_eos_survives_barge_in)
{
  Fx *fx = fx_new ("{\"realtime\":{\"default\":{\"transcript\":"
      "\"A long answer.\",\"chunk_ms\":20,\"pace\":0}}}", NULL, NULL, TRUE,
      FALSE);

  fx_play_and_ask (fx, "Talk");
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 1));
  wait_rendered (fx, 1);
  /* No reply is running: EOS is queued behind the 2.4 s being played
   * (sent on the pad itself, so it has been handled when this returns). */
  {
    GstPad *sinkpad = gst_element_get_static_pad (fx->rt, "sink");

    fail_unless (gst_pad_send_event (sinkpad, gst_event_new_eos ()));
    gst_object_unref (sinkpad);
  }
  g_signal_emit_by_name (fx->rt, "cancel-response");
  gst_structure_free (wait_msg (fx, "openairealtime-barge-in", 1));
  wait_both_eos (fx);
  fx_free (fx);
}

GST_END_TEST;

/* The input switches from PCM to mu-law while a PCM reply is still queued
 * in the element: that reply keeps its caps (and durations) to the end,
 * and only the replies the service makes in the new format come out as
 * mu-law. */
GST_START_TEST (test_caps_change_mid_reply)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":[{\"transcript\":"
      "\"A long answer.\",\"chunk_ms\":20,\"pace\":4},"
      "{\"transcript\":\"Hello.\",\"pace\":0}]}}", NULL, NULL, TRUE, FALSE);
  GBytes *reply = sandra_test_load_audio ("emulator-reply-24k.wav", 24000, 1);
  GstCaps *ulaw_caps = gst_caps_from_string ("audio/x-mulaw,rate=8000,"
      "channels=1");
  guint8 ulaw[160];
  guint64 pcm_bytes = 0, ulaw_bytes = 0;
  guint i;

  fx_play_and_ask (fx, "Talk");
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 1));
  /* The reply (2.4 s) has arrived whole; a little of it has played. */
  wait_rendered (fx, 100 * PCM_BPS / 1000);

  /* 10 ms of PCM, too little to have been sent yet when the caps change. */
  memset (ulaw, 0x01, sizeof (ulaw));
  push_audio (fx, ulaw, sizeof (ulaw), sizeof (ulaw));
  push_audio (fx, ulaw, sizeof (ulaw), sizeof (ulaw));
  push_audio (fx, ulaw, sizeof (ulaw), sizeof (ulaw));
  g_object_set (fx->in, "caps", ulaw_caps, NULL);
  memset (ulaw, 0xff, sizeof (ulaw));
  for (i = 0; i < 5; i++)
    push_audio (fx, ulaw, sizeof (ulaw), sizeof (ulaw));
  /* The service confirms the new format, then answers in it. */
  fail_unless (sandra_emulator_wait_ws_server_events (fx->emu,
          "session.updated", 2, WAIT_S * 1000));
  fail_unless (send_text (fx, "Again"));
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 2));
  fx_end_and_wait (fx);

  g_mutex_lock (&fx->lock);
  for (i = 0; i < fx->buf_caps->len; i++) {
    GstStructure *st = gst_caps_get_structure (g_ptr_array_index
        (fx->buf_caps, i), 0);
    GstClockTime dur = g_array_index (fx->dur, GstClockTime, i);
    gsize size = g_array_index (fx->sizes, gsize, i);

    if (pcm_bytes < g_bytes_get_size (reply)) {
      /* Every buffer of the first reply is PCM, and lasts as PCM does. */
      fail_unless (gst_structure_has_name (st, "audio/x-raw"),
          "buffer %u of the PCM reply went out as %s", i,
          gst_structure_get_name (st));
      fail_unless_equals_uint64 (dur, gst_util_uint64_scale (size,
              GST_SECOND, PCM_BPS));
      pcm_bytes += size;
    } else {
      fail_unless (gst_structure_has_name (st, "audio/x-mulaw"),
          "buffer %u of the second reply went out as %s", i,
          gst_structure_get_name (st));
      fail_unless_equals_uint64 (dur, gst_util_uint64_scale (size,
              GST_SECOND, 8000));
      ulaw_bytes += size;
    }
  }
  /* The first reply came out whole, then the second. */
  fail_unless_equals_uint64 (pcm_bytes, g_bytes_get_size (reply));
  fail_unless (ulaw_bytes > 0);
  g_mutex_unlock (&fx->lock);

  /* The input: the PCM went out before the session switched to mu-law,
   * and only mu-law after. */
  {
    GPtrArray *recs = ws_records (fx->emu);
    JsonArray *events = json_object_get_array_member (g_ptr_array_index
        (recs, 0), "events");
    gboolean switched = FALSE;
    gsize pcm_tail = 0, after = 0;

    for (i = 0; i < json_array_get_length (events); i++) {
      JsonNode *n = event_node (events, i);
      guchar *d;
      gsize len, j;

      if (g_str_equal (tj_str (n, "type"), "session.update") &&
          g_strcmp0 (tj_has (n, "session.audio.input.format.type") ?
              tj_str (n, "session.audio.input.format.type") : NULL,
              "audio/pcmu") == 0)
        switched = TRUE;
      if (!g_str_equal (tj_str (n, "type"), "input_audio_buffer.append"))
        continue;
      d = g_base64_decode (tj_str (n, "audio"), &len);
      for (j = 0; j < len; j++) {
        if (switched) {
          fail_unless_equals_int (d[j], 0xff);
          after++;
        } else if (d[j] == 0x01) {
          pcm_tail++;
        }
      }
      g_free (d);
    }
    fail_unless (switched);
    fail_unless_equals_int (pcm_tail, 3 * sizeof (ulaw));
    fail_unless (after > 0);
    g_ptr_array_unref (recs);
  }

  g_bytes_unref (reply);
  gst_caps_unref (ulaw_caps);
  fx_free (fx);
}

GST_END_TEST;

static Suite *
openairealtime_interrupt_suite (void)
{
  Suite *s = suite_create ("openairealtime-interrupt");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_barge_in_server_cancels);
  tcase_add_test (tc, test_barge_in_client_cancels);
  tcase_add_test (tc, test_flush_cancels_running_reply);
  tcase_add_test (tc, test_flush_truncates_queued_reply);
  tcase_add_test (tc, test_barge_in_during_upstream_flush);
  tcase_add_test (tc, test_eos_survives_barge_in);
  tcase_add_test (tc, test_caps_change_mid_reply);
  return s;
}

GST_CHECK_MAIN (openairealtime_interrupt);
