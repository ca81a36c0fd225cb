/* openairealtime against the in-process emulator: handshake and session
 * shapes, audio round trip and timestamps, function calls, text in and
 * out, reconnection with replay, session ends, auth failures, state
 * changes mid-response, EOS, G.711 and ephemeral secrets through
 * examples/token-server. Interruptions (barge-in, flushes, caps changes)
 * are in test-openairealtime-interrupt.c.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/app/gstappsrc.h>
#include <gio/gio.h>
#include <string.h>

#include "rt-fixture.h"
#include "test-util.h"
#include "test-json.h"
#include "sandra-events.h"
#include "net-test-server.h"

static void
check_session_shapes (gboolean beta)
{
  Fx *fx = fx_new (NULL, "api-key=" KEY, NULL, FALSE, FALSE);
  GPtrArray *recs;
  JsonObject *rec, *headers, *query;
  JsonArray *updates;
  JsonNode *u;
  GstStructure *s;

  g_object_set (fx->rt, "api-version", beta ? 1 : 0, "voice", "ash",
      "instructions", "Answer briefly.", "turn-detection", 1 /* semantic */ ,
      "eagerness", 3 /* high */ , "input-transcription-language", "es",
      "input-transcription-prompt", "GStreamer", "noise-reduction", 2,
      "speed", 1.25, "max-output-tokens", 0, "tools", TOOLS,
      "tool-choice", "auto", "temperature", beta ? 0.7 : -1.0, NULL);
  fx_play (fx);
  s = wait_msg (fx, "openairealtime-session-ready", 1);
  fail_unless_equals_string (gst_structure_get_string (s, "model"),
      "gpt-realtime-mini");
  gst_structure_free (s);

  /* Handshake: model in the URL, bearer key, beta header only on beta. */
  recs = ws_records (fx->emu);
  fail_unless_equals_int (recs->len, 1);
  rec = g_ptr_array_index (recs, 0);
  query = json_object_get_object_member (rec, "query");
  fail_unless_equals_string (json_object_get_string_member (query, "model"),
      "gpt-realtime-mini");
  headers = json_object_get_object_member (rec, "headers");
  fail_unless (g_str_has_prefix (json_object_get_string_member (headers,
              "authorization"), "Bearer "));
  fail_if (strstr (json_object_get_string_member (headers, "authorization"),
          KEY) != NULL, "the key leaked into the record");
  fail_unless_equals_int (json_object_has_member (headers, "openai-beta"),
      beta);
  if (beta)
    fail_unless_equals_string (json_object_get_string_member (headers,
            "openai-beta"), "realtime=v1");
  g_ptr_array_unref (recs);

  /* The first update carries everything, in the interface's shape, and the
   * emulator (which validates like the service) accepted it. */
  updates = sandra_emulator_dup_ws_events (fx->emu, "session.update");
  fail_unless (json_array_get_length (updates) >= 1);
  u = event_node (updates, 0);
  if (beta) {
    fail_unless_equals_string (tj_str (u, "session.voice"), "ash");
    fail_unless_equals_string (tj_str (u, "session.input_audio_format"),
        "pcm16");
    fail_unless_equals_string (tj_str (u, "session.turn_detection.type"),
        "semantic_vad");
    fail_unless_equals_string (tj_str (u,
            "session.input_audio_transcription.language"), "es");
    fail_unless_equals_string (tj_str (u,
            "session.input_audio_noise_reduction.type"), "far_field");
    fail_unless (tj_double (u, "session.temperature") > 0.69);
    fail_unless_equals_string (tj_str (u,
            "session.max_response_output_tokens"), "inf");
  } else {
    fail_unless_equals_string (tj_str (u, "session.type"), "realtime");
    fail_unless_equals_string (tj_str (u, "session.audio.output.voice"), "ash");
    fail_unless_equals_string (tj_str (u,
            "session.audio.input.format.type"), "audio/pcm");
    fail_unless_equals_string (tj_str (u,
            "session.audio.input.turn_detection.eagerness"), "high");
    fail_unless_equals_string (tj_str (u,
            "session.audio.input.transcription.model"),
        "gpt-4o-mini-transcribe");
    fail_unless_equals_string (tj_str (u,
            "session.audio.input.transcription.prompt"), "GStreamer");
    fail_unless (!tj_has (u, "session.temperature"));
    fail_unless_equals_string (tj_str (u, "session.max_output_tokens"), "inf");
  }
  fail_unless_equals_string (tj_str (u, "session.instructions"),
      "Answer briefly.");
  fail_unless_equals_string (tj_str (u, "session.tools.0.name"), "get_weather");
  json_array_unref (updates);

  /* Changes while PLAYING: only what changed goes out (one update per
   * property set). */
  g_object_set (fx->rt, "instructions", "Answer in Spanish.", NULL);
  g_object_set (fx->rt, "turn-detection", 0 /* server VAD */ ,
      "silence-duration-ms", 800, NULL);
  fail_unless (sandra_emulator_wait_ws_events (fx->emu, "session.update", 4,
          WAIT_S * 1000));
  updates = sandra_emulator_dup_ws_events (fx->emu, "session.update");
  fail_unless_equals_int (json_array_get_length (updates), 4);
  u = event_node (updates, 1);
  fail_unless_equals_string (tj_str (u, "session.instructions"),
      "Answer in Spanish.");
  fail_if (tj_has (u, beta ? "session.voice" : "session.audio"));
  fail_if (tj_has (u, "session.tools"));
  if (!beta)
    fail_unless_equals_string (tj_str (u, "session.type"), "realtime");
  u = event_node (updates, 3);
  fail_unless_equals_string (tj_str (u, beta ? "session.turn_detection.type" :
          "session.audio.input.turn_detection.type"), "server_vad");
  fail_unless_equals_int (tj_int (u, beta ?
          "session.turn_detection.silence_duration_ms" :
          "session.audio.input.turn_detection.silence_duration_ms"), 800);
  fail_if (tj_has (u, "session.instructions"));
  json_array_unref (updates);
  /* Let the service answer them all. */
  {
    gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
    guint n = 0;

    while (n < 4 && g_get_monotonic_time () < end) {
      updates = sandra_emulator_dup_ws_server_events (fx->emu,
          "session.updated");
      n = json_array_get_length (updates);
      json_array_unref (updates);
      if (n < 4 && count_server_errors (fx->emu) > 0)
        break;
      g_usleep (10000);
    }
    fail_unless_equals_int (n, 4);
  }
  fail_unless_equals_int (count_server_errors (fx->emu), 0);
  fx_free (fx);
}

GST_START_TEST (test_session_ga)
{
  check_session_shapes (FALSE);
}

GST_END_TEST;

GST_START_TEST (test_session_beta)
{
  check_session_shapes (TRUE);
}

GST_END_TEST;

/* Speech in, the scripted reply out: bytes, timestamps, transcripts,
 * sentences, messages. */
GST_START_TEST (test_audio_round_trip)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":[{\"transcript\":"
      "\"Hello there. How can I help?\",\"pace\":0,\"rate_limits\":["
      "{\"name\":\"requests\",\"limit\":1000,\"remaining\":999,"
      "\"reset_seconds\":1.5},{\"name\":\"tokens\",\"limit\":50000,"
      "\"remaining\":49000,\"reset_seconds\":0.5}]}]}}", NULL, NULL, FALSE,
      FALSE);
  GBytes *speech = speech_24k (), *reply;
  const guint8 *data;
  GstStructure *s;
  GstClockTime rt_before;
  guint i;
  gsize size;

  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  rt_before = gst_element_get_current_running_time (fx->rt);
  push_silence (fx, 200);
  data = g_bytes_get_data (speech, &size);
  push_audio (fx, data, size, 960);
  push_silence (fx, 1000);
  gst_structure_free (wait_msg (fx, "openairealtime-speech-started", 1));
  gst_structure_free (wait_msg (fx, "openairealtime-speech-stopped", 1));
  s = wait_msg (fx, "openairealtime-response-done", 1);
  fail_unless_equals_string (gst_structure_get_string (s, "status"),
      "completed");
  fail_unless (gst_structure_has_field (s, "output-tokens"));
  gst_structure_free (s);
  s = wait_msg (fx, "openairealtime-assistant-transcript", 1);
  gst_structure_free (s);
  s = wait_msg (fx, "openairealtime-turn-timing", 1);
  fail_unless (gst_structure_has_field (s, "speech-to-first-delta-ms"));
  fail_unless (gst_structure_has_field (s, "first-delta-to-push-ms"));
  gst_structure_free (s);

  /* Every byte of the reply fixture came out, as S16LE 24 kHz. */
  reply = sandra_test_load_audio ("emulator-reply-24k.wav", 24000, 1);
  g_mutex_lock (&fx->lock);
  {
    gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
    while (fx->rendered_bytes < g_bytes_get_size (reply) &&
        g_cond_wait_until (&fx->cond, &fx->lock, end));
  }
  fail_unless_equals_uint64 (fx->rendered_bytes, g_bytes_get_size (reply));
  fail_unless (fx->audio_caps != NULL);
  fail_unless_equals_string (gst_structure_get_string
      (gst_caps_get_structure (fx->audio_caps, 0), "format"), "S16LE");
  /* Stamped on the running time: the reply starts after the request and
   * runs contiguously. */
  fail_unless (g_array_index (fx->pts, GstClockTime, 0) >= rt_before);
  for (i = 1; i < fx->pts->len; i++) {
    GstClockTime prev = g_array_index (fx->pts, GstClockTime, i - 1) +
        g_array_index (fx->dur, GstClockTime, i - 1);
    fail_unless_equals_uint64 (g_array_index (fx->pts, GstClockTime, i), prev);
  }
  fail_unless (g_array_index (fx->pts, GstClockTime, 0) <=
      gst_element_get_current_running_time (fx->rt));
  g_mutex_unlock (&fx->lock);

  /* The transcript on text_src, with one end-of-sentence per sentence. */
  g_mutex_lock (&fx->lock);
  fail_unless_equals_string (fx->text->str, "Hello there. How can I help?");
  fail_unless_equals_int (fx->n_sentences, 2);
  fail_unless_equals_string (fx->sentences->str,
      "Hello there.|How can I help?|");
  g_mutex_unlock (&fx->lock);

  s = wait_msg (fx, "openairealtime-rate-limits", 1);
  {
    gint64 v = 0;
    gdouble d = 0;

    fail_unless (gst_structure_get_int64 (s, "requests-remaining", &v));
    fail_unless_equals_int64 (v, 999);
    fail_unless (gst_structure_get_int64 (s, "tokens-limit", &v));
    fail_unless_equals_int64 (v, 50000);
    fail_unless (gst_structure_get_double (s, "tokens-reset-seconds", &d));
    fail_unless (d > 0.49 && d < 0.51);
  }
  gst_structure_free (s);

  /* The user's words were transcribed (the default is on). */
  s = wait_msg (fx, "openairealtime-user-transcript", 1);
  gst_structure_free (s);

  /* EOS goes through once no response is running. */
  gst_app_src_end_of_stream (GST_APP_SRC (fx->in));
  g_mutex_lock (&fx->lock);
  {
    gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
    while (!(fx->audio_eos && fx->text_eos) &&
        g_cond_wait_until (&fx->cond, &fx->lock, end));
  }
  fail_unless (fx->audio_eos && fx->text_eos);
  g_mutex_unlock (&fx->lock);

  fail_unless_equals_int (count_server_errors (fx->emu), 0);
  g_bytes_unref (reply);
  g_bytes_unref (speech);
  fx_free (fx);
}

GST_END_TEST;

static void
on_function_call (GstElement * rt, const gchar * name, const gchar * call_id,
    const gchar * args, gpointer user_data)
{
  gboolean ok = FALSE;

  fail_unless_equals_string (name, "get_weather");
  fail_unless (strstr (args, "Paris") != NULL);
  g_signal_emit_by_name (rt, "function-result", call_id,
      "{\"temperature_c\":21}", &ok);
  fail_unless (ok);
}

GST_START_TEST (test_function_call)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":["
      "{\"function_calls\":[{\"name\":\"get_weather\",\"call_id\":\"call_1\","
      "\"arguments\":{\"city\":\"Paris\"}}]},"
      "{\"text\":\"It is 21 degrees in Paris.\",\"pace\":0}]}}",
      "api-key=" KEY " output-modalities=text", NULL, FALSE, FALSE);
  JsonArray *items, *creates;
  GstStructure *s;
  guint i;
  gboolean found = FALSE;

  g_object_set (fx->rt, "tools", TOOLS, NULL);
  g_signal_connect (fx->rt, "function-call", G_CALLBACK (on_function_call),
      NULL);
  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  fail_unless (send_text (fx, "Weather in Paris?"));

  s = wait_msg (fx, "openairealtime-function-call", 1);
  fail_unless_equals_string (gst_structure_get_string (s, "call-id"), "call_1");
  gst_structure_free (s);
  s = wait_msg (fx, "openairealtime-response-done", 2);
  fail_unless_equals_string (gst_structure_get_string (s, "status"),
      "completed");
  gst_structure_free (s);

  items = sandra_emulator_dup_ws_events (fx->emu, "conversation.item.create");
  for (i = 0; i < json_array_get_length (items); i++) {
    JsonNode *n = event_node (items, i);

    if (g_strcmp0 (tj_str (n, "item.type"), "function_call_output") == 0) {
      fail_unless_equals_string (tj_str (n, "item.call_id"), "call_1");
      fail_unless_equals_string (tj_str (n, "item.output"),
          "{\"temperature_c\":21}");
      found = TRUE;
    }
  }
  fail_unless (found);
  json_array_unref (items);
  /* One response for the question, one for the result. */
  creates = sandra_emulator_dup_ws_events (fx->emu, "response.create");
  fail_unless_equals_int (json_array_get_length (creates), 2);
  json_array_unref (creates);

  g_mutex_lock (&fx->lock);
  {
    gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
    while (fx->n_sentences < 1 && g_cond_wait_until (&fx->cond, &fx->lock,
            end));
  }
  fail_unless_equals_string (fx->text->str, "It is 21 degrees in Paris.");
  g_mutex_unlock (&fx->lock);
  fail_unless_equals_int (count_server_errors (fx->emu), 0);
  fx_free (fx);
}

GST_END_TEST;

/* Typed text in on text_sink, text out on text_src (avatar route). */
GST_START_TEST (test_text_in_text_out)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":[{\"text\":"
      "\"First sentence! Second one? Third\",\"pace\":0}]}}",
      "api-key=" KEY " output-modalities=text", NULL, FALSE, TRUE);
  JsonArray *items;
  GstStructure *s;
  const gchar *typed = "Say three things";

  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (fx->text_in),
          gst_buffer_new_memdup (typed, strlen (typed))), GST_FLOW_OK);
  s = wait_msg (fx, "openairealtime-response-done", 1);
  gst_structure_free (s);
  s = wait_msg (fx, "openairealtime-assistant-transcript", 1);
  gst_structure_free (s);

  items = sandra_emulator_dup_ws_events (fx->emu, "conversation.item.create");
  fail_unless_equals_int (json_array_get_length (items), 1);
  fail_unless_equals_string (tj_str (event_node (items, 0),
          "item.content.0.text"), typed);
  fail_unless_equals_string (tj_str (event_node (items, 0), "item.role"),
      "user");
  json_array_unref (items);

  g_mutex_lock (&fx->lock);
  {
    gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
    while (fx->n_sentences < 3 && g_cond_wait_until (&fx->cond, &fx->lock,
            end));
  }
  fail_unless_equals_string (fx->text->str,
      "First sentence! Second one? Third");
  fail_unless_equals_string (fx->sentences->str,
      "First sentence!|Second one?|Third|");
  /* No audio in text mode. */
  fail_unless_equals_int (fx->rendered_bytes, 0);
  g_mutex_unlock (&fx->lock);
  fail_unless_equals_int (count_server_errors (fx->emu), 0);
  fx_free (fx);
}

GST_END_TEST;

/* A quiet, non-repeating pattern: below the emulator's VAD, but every byte
 * identifiable. */
static void
pattern (guint8 * out, gsize size, guint32 * state)
{
  gsize i;

  for (i = 0; i + 1 < size; i += 2) {
    gint16 v;

    *state = *state * 1664525u + 1013904223u;
    v = (gint16) ((gint32) (*state >> 16) % 40);
    out[i] = v & 0xff;
    out[i + 1] = (v >> 8) & 0xff;
  }
}

static GByteArray *
session_appended_audio (JsonObject * rec)
{
  JsonArray *events = json_object_get_array_member (rec, "events");
  GByteArray *out = g_byte_array_new ();
  guint i;

  for (i = 0; events && i < json_array_get_length (events); i++) {
    JsonObject *e = json_array_get_object_element (events, i);
    const gchar *b64;
    guchar *data;
    gsize len;

    if (g_strcmp0 (json_object_get_string_member_with_default (e, "type",
                ""), "input_audio_buffer.append") != 0)
      continue;
    b64 = json_object_get_string_member (e, "audio");
    data = g_base64_decode (b64, &len);
    g_byte_array_append (out, data, len);
    g_free (data);
  }
  return out;
}

/* The socket drops mid-conversation: a new session gets the configuration,
 * the conversation so far, and every byte captured. */
GST_START_TEST (test_reconnect_replays_and_keeps_audio)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":[{\"transcript\":"
      "\"It is sunny.\",\"pace\":0}],\"connections\":[{\"close_after_ms\":"
      "1500,\"close_code\":1011,\"close_reason\":\"server restart\"}]}}",
      "api-key=" KEY " reconnect-initial-ms=100", NULL, FALSE, FALSE);
  GByteArray *pushed = g_byte_array_new (), *second_audio;
  GPtrArray *recs;
  JsonObject *rec;
  JsonArray *events;
  guint32 state = 1;
  guint8 chunk[960];
  gboolean user_replayed = FALSE, assistant_replayed = FALSE;
  gint first_append = -1, last_item = -1, first_update = -1;
  GstStructure *s;
  gint64 end;
  guint i;

  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  fail_unless (send_text (fx, "What is the weather?"));
  s = wait_msg (fx, "openairealtime-response-done", 1);
  gst_structure_free (s);

  /* Keep talking quietly, in real time, through the drop and after. */
  end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
  while (g_get_monotonic_time () < end) {
    gboolean reconnected;

    pattern (chunk, sizeof (chunk), &state);
    g_byte_array_append (pushed, chunk, sizeof (chunk));
    push_audio (fx, chunk, sizeof (chunk), sizeof (chunk));
    g_usleep (20000);
    g_mutex_lock (&fx->lock);
    reconnected = count_msgs_locked (fx, "openairealtime-reconnected") > 0;
    g_mutex_unlock (&fx->lock);
    if (reconnected)
      break;
  }
  s = wait_msg (fx, "openairealtime-reconnected", 1);
  fail_unless_equals_uint64 (g_value_get_uint64 (gst_structure_get_value (s,
              "dropped-audio-ms")), 0);
  gst_structure_free (s);
  s = wait_msg (fx, "openairealtime-reconnecting", 1);
  fail_unless (strstr (gst_structure_get_string (s, "reason"), "1011"));
  gst_structure_free (s);
  for (i = 0; i < 10; i++) {
    pattern (chunk, sizeof (chunk), &state);
    g_byte_array_append (pushed, chunk, sizeof (chunk));
    push_audio (fx, chunk, sizeof (chunk), sizeof (chunk));
  }
  gst_app_src_end_of_stream (GST_APP_SRC (fx->in));

  /* Everything captured reaches the second_audio session (none was committed,
   * so the first session's share is resent too). */
  end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
  do {
    recs = ws_records (fx->emu);
    second_audio = recs->len >= 2 ?
        session_appended_audio (g_ptr_array_index (recs, 1)) : NULL;
    if (second_audio && second_audio->len >= pushed->len)
      break;
    g_clear_pointer (&second_audio, g_byte_array_unref);
    g_ptr_array_unref (recs);
    recs = NULL;
    g_usleep (20000);
  } while (g_get_monotonic_time () < end);
  fail_unless (second_audio != NULL && recs != NULL);
  fail_unless_equals_int (second_audio->len, pushed->len);
  fail_unless (memcmp (second_audio->data, pushed->data, pushed->len) == 0);

  /* Order in the new session: configuration, replay, audio. */
  rec = g_ptr_array_index (recs, 1);
  events = json_object_get_array_member (rec, "events");
  for (i = 0; i < json_array_get_length (events); i++) {
    JsonNode *n = event_node (events, i);
    const gchar *type = tj_str (n, "type");

    if (g_str_equal (type, "session.update") && first_update < 0)
      first_update = i;
    if (g_str_equal (type, "input_audio_buffer.append") && first_append < 0)
      first_append = i;
    if (g_str_equal (type, "conversation.item.create")) {
      last_item = i;
      if (g_strcmp0 (tj_str (n, "item.role"), "user") == 0 &&
          g_strcmp0 (tj_str (n, "item.content.0.text"),
              "What is the weather?") == 0)
        user_replayed = TRUE;
      if (g_strcmp0 (tj_str (n, "item.role"), "assistant") == 0 &&
          g_strcmp0 (tj_str (n, "item.content.0.type"), "output_text") == 0
          && g_strcmp0 (tj_str (n, "item.content.0.text"), "It is sunny.") == 0)
        assistant_replayed = TRUE;
    }
  }
  fail_unless (user_replayed);
  fail_unless (assistant_replayed);
  fail_unless_equals_int (first_update, 0);
  fail_unless (last_item < first_append);
  g_ptr_array_unref (recs);
  g_byte_array_unref (second_audio);
  g_byte_array_unref (pushed);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 2));
  fail_unless_equals_int (count_server_errors (fx->emu), 0);
  fx_free (fx);
}

GST_END_TEST;

/* The index of the first conversation.item.create of @events whose item
 * has @type (and, when given, @field equal to @value), from @from on; -1
 * if none. */
static gint
find_item_create (JsonArray * events, guint from, const gchar * type,
    const gchar * field, const gchar * value)
{
  guint i;

  for (i = from; events && i < json_array_get_length (events); i++) {
    JsonNode *n = event_node (events, i);

    if (g_strcmp0 (tj_str (n, "type"), "conversation.item.create") != 0 ||
        g_strcmp0 (tj_str (n, "item.type"), type) != 0)
      continue;
    if (field == NULL || (tj_has (n, field) &&
            g_strcmp0 (tj_str (n, field), value) == 0))
      return i;
  }
  return -1;
}

/* The client events of session @index (0-based) once the user message
 * @text has been replayed into it (session.updated can overtake the
 * replayed items on their way in), or fails. Returns a new reference. */
static JsonArray *
wait_replayed (Fx * fx, guint index, const gchar * text)
{
  gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
  JsonArray *events = NULL;

  while (events == NULL && g_get_monotonic_time () < end) {
    GPtrArray *recs = ws_records (fx->emu);

    if (recs->len > index) {
      JsonArray *a = json_object_get_array_member (g_ptr_array_index (recs,
              index), "events");

      if (find_item_create (a, 0, "message", "item.content.0.text", text) >= 0)
        events = json_array_ref (a);
    }
    g_ptr_array_unref (recs);
    if (events == NULL)
      g_usleep (10000);
  }
  fail_unless (events != NULL, "\"%s\" was not replayed into session %u",
      text, index);
  return events;
}

/* A tool was called and answered; then the session drops. The new session
 * gets the call and its result with the rest of the conversation, in
 * order, so the model knows what it asked for and what came back. */
/* A service that accepts every connection and drops it at once is not
 * reconnected to for ever: only a session that lasted at least the longest
 * backoff wait resets the count of attempts, so max-reconnects ends it. */
GST_START_TEST (test_no_reconnect_storm)
{
  GString *sc = g_string_new ("{\"realtime\":{\"connections\":[");
  GstMessage *m;
  GError *err = NULL;
  guint i;
  Fx *fx;

  /* more drops than max-reconnects allows: without the limit the element
   * would reach the seventh, undisturbed, session */
  for (i = 0; i < 6; i++)
    g_string_append_printf (sc, "%s{\"close_after_ms\":30,"
        "\"close_code\":1011,\"close_reason\":\"overloaded\"}",
        i ? "," : "");
  g_string_append (sc, "]}}");
  fx = fx_new (sc->str, "api-key=" KEY " max-reconnects=3 "
      "reconnect-initial-ms=10 reconnect-max-ms=2000", NULL, FALSE, FALSE);
  g_string_free (sc, TRUE);

  fx_play (fx);
  m = wait_error (fx);
  gst_message_parse_error (m, &err, NULL);
  fail_unless (strstr (err->message, "after 4 attempts") != NULL, "%s",
      err->message);
  /* the first connection and three reconnections, no more */
  fail_unless_equals_int (sandra_emulator_count_requests (fx->emu,
          "/v1/realtime"), 4);
  g_error_free (err);
  fx_free (fx);
}

GST_END_TEST;

GST_START_TEST (test_reconnect_replays_function_calls)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":["
      "{\"function_calls\":[{\"name\":\"get_weather\",\"call_id\":\"call_1\","
      "\"arguments\":{\"city\":\"Paris\"}}]},"
      "{\"text\":\"It is 21 degrees in Paris.\",\"pace\":0},"
      "{\"text\":\"Tomorrow it will\",\"pace\":0,\"disconnect\":true},"
      "{\"text\":\"Still here\",\"pace\":0,\"disconnect\":true},"
      "{\"text\":\"Yes.\",\"pace\":0}]}}",
      "api-key=" KEY " output-modalities=text reconnect-initial-ms=50",
      NULL, FALSE, FALSE);
  JsonArray *events;
  gint user, call, output, answer, again;

  g_object_set (fx->rt, "tools", TOOLS, NULL);
  g_signal_connect (fx->rt, "function-call", G_CALLBACK (on_function_call),
      NULL);
  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  fail_unless (send_text (fx, "Weather in Paris?"));
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 2));
  /* The next reply drops the socket half-way. */
  fail_unless (send_text (fx, "And tomorrow?"));
  gst_structure_free (wait_msg (fx, "openairealtime-reconnected", 1));
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 2));

  events = wait_replayed (fx, 1, "And tomorrow?");
  again = find_item_create (events, 0, "message", "item.content.0.text",
      "And tomorrow?");
  user = find_item_create (events, 0, "message", "item.content.0.text",
      "Weather in Paris?");
  fail_unless (user >= 0);
  call = find_item_create (events, user, "function_call", "item.call_id",
      "call_1");
  fail_unless (call > user, "the function call was not replayed");
  fail_unless_equals_string (tj_str (event_node (events, call), "item.name"),
      "get_weather");
  fail_unless (strstr (tj_str (event_node (events, call), "item.arguments"),
          "Paris") != NULL);
  output = find_item_create (events, call, "function_call_output",
      "item.call_id", "call_1");
  fail_unless (output > call, "the function result was not replayed");
  fail_unless_equals_string (tj_str (event_node (events, output),
          "item.output"), "{\"temperature_c\":21}");
  answer = find_item_create (events, output, "message",
      "item.content.0.text", "It is 21 degrees in Paris.");
  fail_unless (answer > output);
  fail_unless (again > answer);
  json_array_unref (events);

  /* The new session took them all; it drops too, and the next one gets
   * each item once (not also the new session's echoes of the replay). */
  fail_unless (send_text (fx, "Still there?"));
  gst_structure_free (wait_msg (fx, "openairealtime-reconnected", 2));
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 3));
  events = wait_replayed (fx, 2, "Still there?");
  user = find_item_create (events, 0, "message", "item.content.0.text",
      "Weather in Paris?");
  call = find_item_create (events, 0, "function_call", NULL, NULL);
  output = find_item_create (events, 0, "function_call_output", NULL, NULL);
  fail_unless (user >= 0 && call > user && output > call);
  fail_unless_equals_int (find_item_create (events, user + 1, "message",
          "item.content.0.text", "Weather in Paris?"), -1);
  fail_unless_equals_int (find_item_create (events, call + 1,
          "function_call", NULL, NULL), -1);
  fail_unless_equals_int (find_item_create (events, output + 1,
          "function_call_output", NULL, NULL), -1);
  json_array_unref (events);

  /* And goes on (the replies lost with the old sessions never ended: this
   * is the third to). */
  fail_unless (send_text (fx, "Still there?"));
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 3));
  fail_unless_equals_int (count_server_errors (fx->emu), 0);
  fx_free (fx);
}

GST_END_TEST;

static void
check_fatal_auth (gboolean close_3000)
{
  Fx *fx = fx_new (close_3000 ?
      "{\"api_keys\":[\"sk-good\"],\"realtime\":{\"bad_key_close\":true}}" :
      "{\"api_keys\":[\"sk-good\"]}", "api-key=sk-wrong-secret-key", NULL,
      FALSE, FALSE);
  GstMessage *m;
  GError *err = NULL;
  gchar *debug = NULL;
  const GstStructure *details = NULL;

  fx_play (fx);
  m = wait_error (fx);
  gst_message_parse_error (m, &err, &debug);
  gst_message_parse_error_details (m, &details);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", err->message);
  fail_if (strstr (err->message, "sk-wrong") != NULL);
  fail_if (debug && strstr (debug, "sk-wrong") != NULL);
  fail_unless (details != NULL);
  if (close_3000) {
    guint code = 0;
    gst_structure_get_uint (details, "close-code", &code);
    fail_unless_equals_int (code, 3000);
  } else {
    guint status = 0;
    gst_structure_get_uint (details, "http-status", &status);
    fail_unless_equals_int (status, 401);
  }
  /* No retry after a refusal. */
  g_usleep (300 * 1000);
  fail_unless_equals_int (sandra_emulator_count_requests (fx->emu,
          "/v1/realtime"), 1);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (m);
  fx_free (fx);
}

GST_START_TEST (test_fatal_auth_401)
{
  check_fatal_auth (FALSE);
}

GST_END_TEST;

GST_START_TEST (test_fatal_auth_close_3000)
{
  check_fatal_auth (TRUE);
}

GST_END_TEST;

/* PLAYING -> NULL -> PLAYING in the middle of a reply, repeatedly (the
 * reply never ends by itself). */
GST_START_TEST (test_state_cycling_mid_response)
{
  Fx *fx = fx_new ("{\"realtime\":{\"default\":{\"transcript\":"
      "\"A long answer.\",\"pace\":1,\"endless\":true}}}", NULL, NULL,
      TRUE, FALSE);
  guint i;

  for (i = 0; i < 3; i++) {
    gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
    guint64 before = rendered_bytes (fx);

    fx_play (fx);
    gst_structure_free (wait_msg (fx, "openairealtime-session-ready", i + 1));
    fail_unless (send_text (fx, "Talk"));
    while (rendered_bytes (fx) < before + 200 * PCM_BPS / 1000 &&
        g_get_monotonic_time () < end)
      g_usleep (5000);
    fail_unless (rendered_bytes (fx) >= before + 200 * PCM_BPS / 1000);
    fail_unless_equals_int (gst_element_set_state (fx->pipeline,
            i == 1 ? GST_STATE_READY : GST_STATE_NULL),
        GST_STATE_CHANGE_SUCCESS);
  }
  /* Each run was its own session, and each was closed. */
  fail_unless_equals_int (sandra_emulator_count_requests (fx->emu,
          "/v1/realtime"), 3);
  fx_free (fx);
}

GST_END_TEST;

/* mu-law in, mu-law out, sent as audio/pcmu without transcoding. */
GST_START_TEST (test_g711)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":[{\"transcript\":"
      "\"Hello.\",\"pace\":0}]}}", NULL, "audio/x-mulaw,rate=8000,channels=1",
      FALSE, FALSE);
  JsonArray *updates, *appends;
  JsonNode *last;
  guint8 ulaw[160];
  GstStructure *s;
  gsize total = 0;
  guint i;

  fx_play (fx);
  /* Quiet mu-law (0xff is zero) in 20 ms buffers. */
  memset (ulaw, 0xff, sizeof (ulaw));
  for (i = 0; i < 10; i++)
    push_audio (fx, ulaw, sizeof (ulaw), sizeof (ulaw));
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  fail_unless (sandra_emulator_wait_ws_events (fx->emu,
          "input_audio_buffer.append", 1, WAIT_S * 1000));
  updates = sandra_emulator_dup_ws_events (fx->emu, "session.update");
  last = event_node (updates, json_array_get_length (updates) - 1);
  fail_unless_equals_string (tj_str (last,
          "session.audio.input.format.type"), "audio/pcmu");
  fail_unless_equals_string (tj_str (last,
          "session.audio.output.format.type"), "audio/pcmu");
  json_array_unref (updates);
  appends = sandra_emulator_dup_ws_events (fx->emu,
      "input_audio_buffer.append");
  for (i = 0; i < json_array_get_length (appends); i++) {
    gsize len;
    guchar *d = g_base64_decode (tj_str (event_node (appends, i), "audio"),
        &len);
    fail_unless (len > 0 && d[0] == 0xff);
    total += len;
    g_free (d);
  }
  /* Not transcoded: one byte per sample. */
  fail_unless (total <= sizeof (ulaw) * 10);
  json_array_unref (appends);

  fail_unless (send_text (fx, "Hi"));
  s = wait_msg (fx, "openairealtime-response-done", 1);
  gst_structure_free (s);
  g_mutex_lock (&fx->lock);
  {
    gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
    while (fx->n_audio_buffers == 0 && g_cond_wait_until (&fx->cond,
            &fx->lock, end));
  }
  fail_unless (fx->audio_caps != NULL);
  fail_unless (gst_structure_has_name (gst_caps_get_structure
          (fx->audio_caps, 0), "audio/x-mulaw"));
  /* 8000 bytes per second_audio of playback. */
  {
    GstClockTime dur_sum = 0;

    for (i = 0; i < fx->dur->len; i++)
      dur_sum += g_array_index (fx->dur, GstClockTime, i);
    fail_unless (dur_sum > 0);
    fail_unless (ABS (GST_CLOCK_DIFF (dur_sum, gst_util_uint64_scale
                (fx->rendered_bytes, GST_SECOND, 8000))) <=
        (GstClockTimeDiff) fx->dur->len);
  }
  g_mutex_unlock (&fx->lock);
  fail_unless_equals_int (count_server_errors (fx->emu), 0);
  fx_free (fx);
}

GST_END_TEST;

/* token-url: examples/token-server mints an ephemeral secret with the
 * account key; the device connects with it. */
GST_START_TEST (test_token_url)
{
  Fx *fx;
  GSubprocessLauncher *launcher;
  GSubprocess *proc;
  GDataInputStream *out;
  GError *err = NULL;
  gchar *line, *url, *script, *props;
  GPtrArray *recs;
  JsonObject *auth;
  SandraEmulator *emu = start_emulator (NULL);

  script = g_build_filename (SANDRA_TESTS_DATA_DIR, "..", "..", "examples",
      "token-server", "token-server.py", NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "OPENAI_API_KEY", KEY, TRUE);
  g_subprocess_launcher_setenv (launcher, "OPENAI_BASE_URL",
      sandra_emulator_get_base_url (emu), TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &err, "python3", script,
      "--port", "0", NULL);
  fail_unless (proc != NULL, "%s", err ? err->message : "");
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  line = g_data_input_stream_read_line (out, NULL, NULL, &err);
  fail_unless (line != NULL, "token server did not start");
  url = g_strdup (strstr (line, "http://"));
  fail_unless (url != NULL, "%s", line);

  /* No api-key: the device only knows the token URL. */
  props = g_strdup_printf ("token-url=%s", url);
  fx = fx_new_with (emu, props, NULL, FALSE, FALSE);
  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  fail_unless_equals_int (sandra_emulator_count_requests (emu,
          "/v1/realtime/client_secrets"), 1);
  recs = ws_records (emu);
  fail_unless_equals_int (recs->len, 1);
  auth = json_object_get_object_member (g_ptr_array_index (recs, 0), "auth");
  fail_unless_equals_string (json_object_get_string_member (auth, "kind"),
      "ephemeral");
  fail_unless (json_object_get_boolean_member (auth, "valid"));
  g_ptr_array_unref (recs);

  fx_free (fx);
  g_subprocess_force_exit (proc);
  g_subprocess_wait (proc, NULL, NULL);
  g_object_unref (out);
  g_object_unref (proc);
  g_object_unref (launcher);
  g_free (line);
  g_free (url);
  g_free (props);
  g_free (script);
}

GST_END_TEST;

/* Turn detection off: upstream sandravad events end the turn and
 * interrupt the assistant. */
GST_START_TEST (test_vad_none_with_sandravad_events)
{
  Fx *fx = fx_new ("{\"realtime\":{\"default\":{\"transcript\":"
      "\"A reply that takes a while.\",\"chunk_ms\":20,\"pace\":1.5}}}",
      "api-key=" KEY " turn-detection=none", NULL, TRUE, FALSE);
  GBytes *speech = speech_24k ();
  const guint8 *data;
  SandraVadInfo vad = { SANDRA_VAD_SPEECH_START, 0, 0, 0,
    GST_CLOCK_TIME_NONE, 0.9
  };
  JsonArray *ev;
  GstStructure *s;
  gint64 end;
  gsize size;

  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  data = g_bytes_get_data (speech, &size);
  fail_unless (gst_element_send_event (fx->in, sandra_vad_event_new (&vad)));
  push_audio (fx, data, size, 960);
  vad.boundary = SANDRA_VAD_SPEECH_STOP;
  vad.duration = GST_SECOND;
  fail_unless (gst_element_send_event (fx->in, sandra_vad_event_new (&vad)));

  /* The element committed the turn and asked for the reply itself. */
  fail_unless (sandra_emulator_wait_ws_events (fx->emu,
          "input_audio_buffer.commit", 1, WAIT_S * 1000));
  fail_unless (sandra_emulator_wait_ws_events (fx->emu, "response.create", 1,
          WAIT_S * 1000));
  s = wait_msg (fx, "openairealtime-turn-timing", 1);
  gst_structure_free (s);

  /* The user speaks again over the reply: with no server VAD, the element
   * cancels the response itself. */
  end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
  while (rendered_bytes (fx) < 300 * PCM_BPS / 1000 &&
      g_get_monotonic_time () < end)
    g_usleep (5000);
  vad.boundary = SANDRA_VAD_SPEECH_START;
  vad.duration = GST_CLOCK_TIME_NONE;
  fail_unless (gst_element_send_event (fx->in, sandra_vad_event_new (&vad)));
  push_silence (fx, 20);
  fail_unless (sandra_emulator_wait_ws_events (fx->emu, "response.cancel", 1,
          WAIT_S * 1000));
  fail_unless (sandra_emulator_wait_ws_events (fx->emu,
          "conversation.item.truncate", 1, WAIT_S * 1000));
  s = wait_msg (fx, "openairealtime-response-done", 1);
  fail_unless_equals_string (gst_structure_get_string (s, "status"),
      "cancelled");
  gst_structure_free (s);
  /* No server VAD events were ever involved. */
  ev = sandra_emulator_dup_ws_server_events (fx->emu,
      "input_audio_buffer.speech_started");
  fail_unless_equals_int (json_array_get_length (ev), 0);
  json_array_unref (ev);
  fail_unless_equals_int (count_server_errors (fx->emu), 0);
  g_bytes_unref (speech);
  fx_free (fx);
}

GST_END_TEST;

/* Sessions end: the service's session_expired, and the element's own
 * max-session-ms; either way a new session takes over with the history. */
static void
check_session_end (gboolean by_service)
{
  Fx *fx = fx_new (by_service ?
      "{\"realtime\":{\"max_session_ms\":1500,\"responses\":[{\"text\":"
      "\"Noted.\",\"pace\":0}]}}" :
      "{\"realtime\":{\"responses\":[{\"text\":\"Noted.\",\"pace\":0}]}}",
      by_service ? "api-key=" KEY " output-modalities=text "
      "reconnect-initial-ms=50" : "api-key=" KEY " output-modalities=text "
      "max-session-ms=1500", NULL, FALSE, FALSE);
  GstStructure *s;
  GPtrArray *recs;
  JsonArray *events;
  gboolean replayed = FALSE;
  gint64 end;
  guint i;

  fx_play (fx);
  s = wait_msg (fx, "openairealtime-session-ready", 1);
  if (!by_service) {
    guint max_ms = 0;

    fail_unless (gst_structure_get_uint (s, "max-session-ms", &max_ms));
    fail_unless_equals_int (max_ms, 1500);
  }
  gst_structure_free (s);
  fail_unless (send_text (fx, "Remember the number 42."));
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 1));

  s = wait_msg (fx, "openairealtime-reconnecting", 1);
  if (by_service) {
    GST_INFO ("reconnecting: %" GST_PTR_FORMAT, s);
  } else {
    fail_unless_equals_int (g_value_get_uint (gst_structure_get_value (s,
                "attempt")), 0);
    fail_unless (strstr (gst_structure_get_string (s, "reason"),
            "max-session-ms") != NULL);
  }
  gst_structure_free (s);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 2));
  if (by_service) {
    s = wait_msg (fx, "openairealtime-error", 1);
    fail_unless_equals_string (gst_structure_get_string (s, "code"),
        "session_expired");
    gst_structure_free (s);
  }

  /* session.updated can overtake the replayed items on their way in. */
  end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
  while (!replayed && g_get_monotonic_time () < end) {
    recs = ws_records (fx->emu);
    fail_unless (recs->len >= 2);
    events = json_object_get_array_member (g_ptr_array_index (recs, 1),
        "events");
    for (i = 0; events && i < json_array_get_length (events); i++) {
      JsonNode *n = event_node (events, i);

      if (tj_has (n, "item.content.0.text") &&
          g_strcmp0 (tj_str (n, "item.content.0.text"),
              "Remember the number 42.") == 0)
        replayed = TRUE;
    }
    g_ptr_array_unref (recs);
    if (!replayed)
      g_usleep (10000);
  }
  fail_unless (replayed);
  /* Still usable. */
  fail_unless (send_text (fx, "Which number?"));
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 2));
  fx_free (fx);
}

GST_START_TEST (test_session_expired_by_service)
{
  check_session_end (TRUE);
}

GST_END_TEST;

GST_START_TEST (test_max_session_ms_recycles)
{
  check_session_end (FALSE);
}

GST_END_TEST;

/* Without max-session-ms the element recycles sessions before the limit
 * of the interface it uses: 60 minutes on GA, 30 on beta. */
static void
check_default_max_session (gboolean beta)
{
  Fx *fx = fx_new (NULL, NULL, NULL, FALSE, FALSE);
  GstStructure *s;
  guint max_ms = 0, prop_ms = 1;

  g_object_get (fx->rt, "max-session-ms", &prop_ms, NULL);
  fail_unless_equals_int (prop_ms, 0);
  g_object_set (fx->rt, "api-version", beta ? 1 : 0, NULL);
  fx_play (fx);
  s = wait_msg (fx, "openairealtime-session-ready", 1);
  fail_unless (gst_structure_get_uint (s, "max-session-ms", &max_ms));
  gst_structure_free (s);
  fail_unless (max_ms < (beta ? 30u : 60u) * 60 * 1000,
      "sessions recycled after %u ms, past the service's limit", max_ms);
  fail_unless_equals_int (max_ms, (beta ? 25 : 55) * 60 * 1000);
  fx_free (fx);
}

GST_START_TEST (test_default_max_session_ga)
{
  check_default_max_session (FALSE);
}

GST_END_TEST;

GST_START_TEST (test_default_max_session_beta)
{
  check_default_max_session (TRUE);
}

GST_END_TEST;

/* A peer that sends what the emulator never would: frames that are not
 * JSON, not objects, events of unknown types, and both kinds of errors. */
static void
odd_peer_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    gpointer user_data)
{
  gsize len;
  const gchar *text = g_bytes_get_data (message, &len);
  gchar *copy = g_strndup (text, len);

  if (strstr (copy, "\"session.update\"")) {
    soup_websocket_connection_send_text (ws, "{\"type\":\"session.updated\","
        "\"session\":{\"id\":\"sess_odd\",\"model\":\"gpt-realtime-mini\"}}");
  } else if (strstr (copy, "\"response.create\"")) {
    soup_websocket_connection_send_text (ws, "{this is not json");
    soup_websocket_connection_send_text (ws, "[1,2,3]");
    soup_websocket_connection_send_text (ws, "{\"no_type\":true}");
    soup_websocket_connection_send_text (ws, "{\"type\":\"response.teleport"
        ".started\",\"destination\":\"mars\"}");
    soup_websocket_connection_send_text (ws, "{\"type\":\"error\",\"error\":"
        "{\"type\":\"invalid_request_error\",\"code\":"
        "\"response_cancel_not_active\",\"message\":\"benign\"}}");
    soup_websocket_connection_send_text (ws, "{\"type\":\"error\",\"error\":"
        "{\"type\":\"invalid_request_error\",\"code\":\"weird_thing\","
        "\"message\":\"Something odd\"}}");
    soup_websocket_connection_send_text (ws, "{\"type\":\"response.created\","
        "\"response\":{\"id\":\"resp_odd\",\"status\":\"in_progress\"}}");
    soup_websocket_connection_send_text (ws, "{\"type\":"
        "\"response.output_text.delta\",\"response_id\":\"resp_odd\","
        "\"item_id\":\"item_odd\",\"delta\":\"Still \",\"extra\":{\"x\":1}}");
    soup_websocket_connection_send_text (ws, "{\"type\":"
        "\"response.output_text.delta\",\"response_id\":\"resp_odd\","
        "\"item_id\":\"item_odd\",\"delta\":42}");
    soup_websocket_connection_send_text (ws, "{\"type\":"
        "\"response.output_text.delta\",\"response_id\":\"resp_odd\","
        "\"item_id\":\"item_odd\",\"delta\":\"here.\"}");
    soup_websocket_connection_send_text (ws, "{\"type\":"
        "\"response.output_text.done\",\"response_id\":\"resp_odd\","
        "\"item_id\":\"item_odd\",\"text\":\"Still here.\"}");
    soup_websocket_connection_send_text (ws, "{\"type\":\"response.done\","
        "\"response\":{\"id\":\"resp_odd\",\"status\":\"completed\"}}");
  }
  g_free (copy);
}

static void
odd_peer (SoupServer * server, SoupServerMessage * msg, const char *path,
    SoupWebsocketConnection * ws, gpointer user_data)
{
  g_object_ref (ws);
  g_signal_connect (ws, "message", G_CALLBACK (odd_peer_message), NULL);
  g_signal_connect (ws, "closed", G_CALLBACK (g_object_unref), NULL);
  soup_websocket_connection_send_text (ws, "{\"type\":\"session.created\","
      "\"session\":{\"id\":\"sess_odd\"}}");
}

GST_START_TEST (test_malformed_and_unknown_events)
{
  NetTestServer *server = net_test_server_new ();
  gchar *props;
  Fx *fx;
  GstStructure *s;

  net_test_server_add_websocket_handler (server, "/v1/realtime", NULL,
      odd_peer, NULL);
  props = g_strdup_printf ("api-key=" KEY " output-modalities=text "
      "base-url=%s/v1", net_test_server_get_url (server));
  /* The emulator is only there to satisfy the fixture. */
  fx = fx_new (NULL, props, NULL, FALSE, FALSE);
  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  fail_unless (send_text (fx, "Are you there?"));
  s = wait_msg (fx, "openairealtime-response-done", 1);
  fail_unless_equals_string (gst_structure_get_string (s, "status"),
      "completed");
  gst_structure_free (s);

  g_mutex_lock (&fx->lock);
  {
    gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
    while (fx->n_sentences < 1 && g_cond_wait_until (&fx->cond, &fx->lock,
            end));
  }
  /* The delta whose text was a number read as absent. */
  fail_unless_equals_string (fx->text->str, "Still here.");
  fail_unless (fx->error == NULL);
  /* Only the error that is not benign reached the application. */
  fail_unless_equals_int (count_msgs_locked (fx, "openairealtime-error"), 1);
  g_mutex_unlock (&fx->lock);
  s = wait_msg (fx, "openairealtime-error", 1);
  fail_unless_equals_string (gst_structure_get_string (s, "code"),
      "weird_thing");
  gst_structure_free (s);
  fx_free (fx);
  net_test_server_free (server);
  g_free (props);
}

GST_END_TEST;

/* Every session property, set while PLAYING, produces a session.update
 * with that field only, in the interface's shape, and the emulator (which
 * validates like the service) accepts each one. */
typedef struct
{
  const gchar *prop;
  const gchar *value;
  const gchar *ga_path;         /* NULL: not a GA field (no update) */
  const gchar *beta_path;       /* NULL: not a beta field */
  const gchar *expect;          /* string value at the path, or NULL */
} PropCase;

static const PropCase prop_cases[] = {
  {"vad-threshold", "0.7", "audio.input.turn_detection.threshold",
      "turn_detection.threshold", NULL},
  {"prefix-padding-ms", "200", "audio.input.turn_detection.prefix_padding_ms",
      "turn_detection.prefix_padding_ms", NULL},
  {"silence-duration-ms", "700",
        "audio.input.turn_detection.silence_duration_ms",
      "turn_detection.silence_duration_ms", NULL},
  {"idle-timeout-ms", "6000", "audio.input.turn_detection.idle_timeout_ms",
      NULL, NULL},
  {"create-response", "false", "audio.input.turn_detection.create_response",
      "turn_detection.create_response", NULL},
  {"interrupt-response", "false",
        "audio.input.turn_detection.interrupt_response",
      "turn_detection.interrupt_response", NULL},
  {"turn-detection", "semantic-vad", "audio.input.turn_detection.type",
      "turn_detection.type", "semantic_vad"},
  {"eagerness", "low", "audio.input.turn_detection.eagerness",
      "turn_detection.eagerness", "low"},
  {"input-transcription-model", "gpt-4o-transcribe",
        "audio.input.transcription.model",
      "input_audio_transcription.model", "gpt-4o-transcribe"},
  {"input-transcription-language", "fr", "audio.input.transcription.language",
      "input_audio_transcription.language", "fr"},
  {"input-transcription-prompt", "GStreamer",
        "audio.input.transcription.prompt",
      "input_audio_transcription.prompt", "GStreamer"},
  {"noise-reduction", "near-field", "audio.input.noise_reduction.type",
      "input_audio_noise_reduction.type", "near_field"},
  {"speed", "1.2", "audio.output.speed", "speed", NULL},
  {"max-output-tokens", "500", "max_output_tokens",
      "max_response_output_tokens", NULL},
  {"tools", TOOLS, "tools.0.name", "tools.0.name", "get_weather"},
  {"tool-choice", "required", "tool_choice", "tool_choice", "required"},
  {"instructions", "Be terse.", "instructions", "instructions", "Be terse."},
  {"voice", "coral", "audio.output.voice", "voice", "coral"},
  {"output-modalities", "text", "output_modalities.0", "modalities.0",
      "text"},
  {"temperature", "0.9", NULL, "temperature", NULL},
};

static void
check_each_property (gboolean beta)
{
  Fx *fx = fx_new (NULL, NULL, NULL, FALSE, FALSE);
  guint i, expected = 1;
  JsonArray *updates;

  g_object_set (fx->rt, "api-version", beta ? 1 : 0, NULL);
  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));

  for (i = 0; i < G_N_ELEMENTS (prop_cases); i++) {
    const PropCase *c = &prop_cases[i];
    const gchar *path = beta ? c->beta_path : c->ga_path;
    gchar *full;
    JsonNode *u;
    JsonObject *session;

    gst_util_set_object_arg (G_OBJECT (fx->rt), c->prop, c->value);
    if (path == NULL)
      continue;                 /* not in this shape: nothing is sent */
    expected++;
    fail_unless (sandra_emulator_wait_ws_events (fx->emu, "session.update",
            expected, WAIT_S * 1000), "no update for %s", c->prop);
    updates = sandra_emulator_dup_ws_events (fx->emu, "session.update");
    fail_unless_equals_int (json_array_get_length (updates), expected);
    u = event_node (updates, expected - 1);
    full = g_strconcat ("session.", path, NULL);
    fail_unless (tj_has (u, full), "%s: no %s", c->prop, full);
    if (c->expect)
      fail_unless_equals_string (tj_str (u, full), c->expect);
    g_free (full);
    /* Only that field (GA also carries the required type). */
    session = json_object_get_object_member (json_node_get_object (u),
        "session");
    fail_unless_equals_int (json_object_get_size (session), beta ? 1 : 2);
    json_array_unref (updates);
  }
  /* The service-side shape check: every update accepted. */
  {
    gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
    guint n = 0;

    while (n < expected && g_get_monotonic_time () < end &&
        count_server_errors (fx->emu) == 0) {
      updates = sandra_emulator_dup_ws_server_events (fx->emu,
          "session.updated");
      n = json_array_get_length (updates);
      json_array_unref (updates);
      g_usleep (10000);
    }
    fail_unless_equals_int (count_server_errors (fx->emu), 0);
    fail_unless_equals_int (n, expected);
  }
  fx_free (fx);
}

GST_START_TEST (test_each_property_ga)
{
  check_each_property (FALSE);
}

GST_END_TEST;

GST_START_TEST (test_each_property_beta)
{
  check_each_property (TRUE);
}

GST_END_TEST;

/* A peer that starts a reply and never finishes it; with @close_on_append
 * it drops the socket (1011) when audio arrives after the reply started. */
typedef struct
{
  gboolean close_on_append;
  gboolean replying;
  gchar *secret_in_error;       /* also answers response.create with an
                                 * error quoting this, then nothing else */
} HangPeer;

static void
hang_peer_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    HangPeer * peer)
{
  gsize len;
  const gchar *text = g_bytes_get_data (message, &len);
  gchar *copy = g_strndup (text, len);

  if (strstr (copy, "\"session.update\"")) {
    soup_websocket_connection_send_text (ws, "{\"type\":\"session.updated\","
        "\"session\":{\"id\":\"sess_hang\",\"model\":\"gpt-realtime-mini\"}}");
  } else if (strstr (copy, "\"response.create\"") && peer->secret_in_error) {
    gchar *ev = g_strdup_printf ("{\"type\":\"error\",\"error\":{\"type\":"
        "\"invalid_request_error\",\"code\":\"invalid_api_key\",\"message\":"
        "\"Incorrect API key provided: %s.\"}}", peer->secret_in_error);

    soup_websocket_connection_send_text (ws, ev);
    g_free (ev);
  } else if (strstr (copy, "\"response.create\"")) {
    peer->replying = TRUE;
    soup_websocket_connection_send_text (ws, "{\"type\":\"response.created\","
        "\"response\":{\"id\":\"resp_hang\",\"status\":\"in_progress\"}}");
    soup_websocket_connection_send_text (ws, "{\"type\":"
        "\"response.output_text.delta\",\"response_id\":\"resp_hang\","
        "\"item_id\":\"item_hang\",\"delta\":\"Let me think\"}");
  } else if (strstr (copy, "\"input_audio_buffer.append\"") &&
      peer->replying && peer->close_on_append) {
    peer->replying = FALSE;
    soup_websocket_connection_close (ws, 1011, "server restart");
  }
  g_free (copy);
}

static void
hang_peer (SoupServer * server, SoupServerMessage * msg, const char *path,
    SoupWebsocketConnection * ws, gpointer user_data)
{
  g_object_ref (ws);
  g_signal_connect (ws, "message", G_CALLBACK (hang_peer_message), user_data);
  g_signal_connect (ws, "closed", G_CALLBACK (g_object_unref), NULL);
  soup_websocket_connection_send_text (ws, "{\"type\":\"session.created\","
      "\"session\":{\"id\":\"sess_hang\"}}");
}

static Fx *
fx_new_hang_peer (NetTestServer * server, HangPeer * peer, const gchar * extra)
{
  gchar *props;
  Fx *fx;

  net_test_server_add_websocket_handler (server, "/v1/realtime", NULL,
      hang_peer, peer);
  props = g_strdup_printf ("api-key=" KEY " output-modalities=text "
      "reconnect-initial-ms=50 base-url=%s/v1 %s",
      net_test_server_get_url (server), extra ? extra : "");
  fx = fx_new (NULL, props, NULL, FALSE, FALSE);
  g_free (props);
  return fx;
}

/* Push the last 10 ms (too little to have been sent yet) and EOS while a
 * reply is running: EOS must wait for it, then go out. */
static void
eos_during_reply (Fx * fx)
{
  guint8 tail[480];

  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  fail_unless (send_text (fx, "Think hard"));
  /* The reply has started (events are handled in order). */
  gst_structure_free (wait_msg (fx, "openairealtime-assistant-transcript", 1));
  memset (tail, 0, sizeof (tail));
  push_audio (fx, tail, sizeof (tail), sizeof (tail));
  fail_unless_equals_int (gst_app_src_end_of_stream (GST_APP_SRC (fx->in)),
      GST_FLOW_OK);
}

/* The session drops while EOS waits for the reply: no response.done will
 * ever come for it, so EOS must not wait for one. */
GST_START_TEST (test_eos_when_session_lost_mid_reply)
{
  NetTestServer *server = net_test_server_new ();
  HangPeer peer = { TRUE, FALSE, NULL };
  Fx *fx = fx_new_hang_peer (server, &peer, NULL);

  eos_during_reply (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-reconnecting", 1));
  wait_both_eos (fx);
  fx_free (fx);
  net_test_server_free (server);
}

GST_END_TEST;

/* The service starts a reply and then says nothing more (a scripted
 * stall): EOS goes out after eos-timeout-ms of silence instead of never. */
GST_START_TEST (test_eos_when_service_never_finishes)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":[{\"text\":"
      "\"Let me think about it.\",\"stall_after_chunks\":1}]}}",
      "api-key=" KEY " output-modalities=text eos-timeout-ms=200", NULL,
      FALSE, FALSE);

  eos_during_reply (fx);
  wait_both_eos (fx);
  /* It was the timeout, not a lost session. */
  g_mutex_lock (&fx->lock);
  fail_unless_equals_int (count_msgs_locked (fx, "openairealtime-reconnecting"),
      0);
  fail_unless_equals_string (fx->text->str, "Let");
  g_mutex_unlock (&fx->lock);
  fx_free (fx);
}

GST_END_TEST;

/* A base URL (or token URL) the element cannot connect to fails the
 * state change with a settings error, before any connection. */
static void
check_bad_url (const gchar * props)
{
  GstElement *rt = gst_element_factory_make ("openairealtime", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  GError *err = NULL;

  fail_unless (rt != NULL);
  gst_element_set_bus (rt, bus);
  gst_util_set_object_arg (G_OBJECT (rt), "api-key", KEY);
  {
    gchar **kv = g_strsplit (props, "=", 2);

    gst_util_set_object_arg (G_OBJECT (rt), kv[0], kv[1]);
    g_strfreev (kv);
  }
  fail_unless_equals_int (gst_element_set_state (rt, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (m != NULL, "%s: no error message", props);
  gst_message_parse_error (m, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS), "%s: %s", props, err->message);
  fail_if (strstr (err->message, KEY) != NULL);
  g_error_free (err);
  gst_message_unref (m);
  gst_element_set_state (rt, GST_STATE_NULL);
  gst_element_set_bus (rt, NULL);
  gst_object_unref (bus);
  gst_object_unref (rt);
}

GST_START_TEST (test_invalid_base_url_rejected)
{
  check_bad_url ("base-url=ftp://example.com/v1");
  check_bad_url ("base-url=not a url");
  check_bad_url ("base-url=https://");
  check_bad_url ("token-url=file:///etc/passwd");
}

GST_END_TEST;

/* The service refuses the response.create: no response will come, and
 * EOS must not wait for one (here longer than the test waits). */
GST_START_TEST (test_eos_when_response_refused)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":[{\"error_event\":{"
      "\"type\":\"invalid_request_error\",\"code\":\"invalid_value\","
      "\"message\":\"Refused.\"}}]}}", "api-key=" KEY
      " output-modalities=text eos-timeout-ms=60000", NULL, FALSE, FALSE);
  GstPad *sinkpad;
  GstStructure *s;

  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  fail_unless (send_text (fx, "Hello"));
  s = wait_msg (fx, "openairealtime-error", 1);
  fail_unless (g_str_has_prefix (gst_structure_get_string (s, "event-id"),
          "gst_response_"));
  gst_structure_free (s);
  push_silence (fx, 20);
  sinkpad = gst_element_get_static_pad (fx->rt, "sink");
  fail_unless (gst_pad_send_event (sinkpad, gst_event_new_eos ()));
  gst_object_unref (sinkpad);
  wait_both_eos (fx);
  fx_free (fx);
}

GST_END_TEST;

/* The service quotes a key it refuses: the key must not reach the bus. */
GST_START_TEST (test_server_error_scrubbed_of_key)
{
  NetTestServer *server = net_test_server_new ();
  HangPeer peer = { FALSE, FALSE, (gchar *) KEY };
  Fx *fx = fx_new_hang_peer (server, &peer, NULL);
  GstStructure *s;

  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  fail_unless (send_text (fx, "Hello"));
  s = wait_msg (fx, "openairealtime-error", 1);
  fail_unless_equals_string (gst_structure_get_string (s, "code"),
      "invalid_api_key");
  GST_INFO ("error message: %s", gst_structure_get_string (s, "message"));
  fail_unless (strstr (gst_structure_get_string (s, "message"),
          "Incorrect API key provided") != NULL);
  fail_if (strstr (gst_structure_get_string (s, "message"), KEY) != NULL,
      "the key reached the bus message");
  gst_structure_free (s);
  /* The warning is posted right after the element message. */
  g_mutex_lock (&fx->lock);
  {
    gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
    while (fx->warnings->len == 0 && g_cond_wait_until (&fx->cond,
            &fx->lock, end));
  }
  fail_unless (strstr (fx->warnings->str, "Incorrect API key") != NULL);
  fail_if (strstr (fx->warnings->str, KEY) != NULL,
      "the key reached a warning: %s", fx->warnings->str);
  g_mutex_unlock (&fx->lock);
  fx_free (fx);
  net_test_server_free (server);
}

GST_END_TEST;

/* Transcript deltas carry the running time of the audio they came with
 * (the audio buffer that follows them), not the time they left. The reply
 * arrives all at once (pace 0) and the sinks do not sync, so the time of
 * leaving says nothing about where the words are in the audio. */
GST_START_TEST (test_transcript_stamped_with_its_audio)
{
  Fx *fx = fx_new ("{\"realtime\":{\"responses\":[{\"transcript\":"
      "\"Hello there. How can I help?\",\"pace\":0}]}}", NULL, NULL, FALSE,
      FALSE);
  GBytes *reply = sandra_test_load_audio ("emulator-reply-24k.wav", 24000, 1);
  GstClockTime first_pts, last_text, audio_end;
  guint i, j, n_text;

  fx_play_and_ask (fx, "Hi");
  gst_structure_free (wait_msg (fx, "openairealtime-response-done", 1));
  gst_app_src_end_of_stream (GST_APP_SRC (fx->in));
  wait_both_eos (fx);

  g_mutex_lock (&fx->lock);
  fail_unless_equals_uint64 (fx->rendered_bytes, g_bytes_get_size (reply));
  fail_unless_equals_string (fx->text->str, "Hello there. How can I help?");
  n_text = fx->text_pts->len;
  fail_unless (n_text >= 2);
  first_pts = g_array_index (fx->pts, GstClockTime, 0);
  audio_end = g_array_index (fx->pts, GstClockTime, fx->pts->len - 1) +
      g_array_index (fx->dur, GstClockTime, fx->dur->len - 1);
  for (i = 0; i < n_text; i++) {
    GstClockTime t = g_array_index (fx->text_pts, GstClockTime, i);
    gboolean on_audio = t == audio_end;

    for (j = 0; j < fx->pts->len && !on_audio; j++)
      on_audio = t == g_array_index (fx->pts, GstClockTime, j);
    GST_INFO ("text %u at %" GST_TIME_FORMAT, i, GST_TIME_ARGS (t));
    /* Before any audio was stamped, the audio starts no earlier. */
    fail_unless (on_audio || t <= first_pts, "text %u at %" GST_TIME_FORMAT
        " is not on the audio timeline (%" GST_TIME_FORMAT " - %"
        GST_TIME_FORMAT ")", i, GST_TIME_ARGS (t), GST_TIME_ARGS (first_pts),
        GST_TIME_ARGS (audio_end));
  }
  /* The last words come with the later audio, not with the first. */
  last_text = g_array_index (fx->text_pts, GstClockTime, n_text - 1);
  fail_unless (last_text > first_pts + g_array_index (fx->dur, GstClockTime, 0),
      "last text at %" GST_TIME_FORMAT ", audio from %" GST_TIME_FORMAT,
      GST_TIME_ARGS (last_text), GST_TIME_ARGS (first_pts));
  g_mutex_unlock (&fx->lock);
  g_bytes_unref (reply);
  fx_free (fx);
}

GST_END_TEST;

static Suite *
openairealtime_suite (void)
{
  Suite *s = suite_create ("openairealtime");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 60);
  tcase_add_test (tc, test_session_ga);
  tcase_add_test (tc, test_session_beta);
  tcase_add_test (tc, test_each_property_ga);
  tcase_add_test (tc, test_each_property_beta);
  tcase_add_test (tc, test_audio_round_trip);
  tcase_add_test (tc, test_function_call);
  tcase_add_test (tc, test_text_in_text_out);
  tcase_add_test (tc, test_reconnect_replays_and_keeps_audio);
  tcase_add_test (tc, test_reconnect_replays_function_calls);
  tcase_add_test (tc, test_no_reconnect_storm);
  tcase_add_test (tc, test_fatal_auth_401);
  tcase_add_test (tc, test_fatal_auth_close_3000);
  tcase_add_test (tc, test_state_cycling_mid_response);
  tcase_add_test (tc, test_g711);
  tcase_add_test (tc, test_token_url);
  tcase_add_test (tc, test_vad_none_with_sandravad_events);
  tcase_add_test (tc, test_session_expired_by_service);
  tcase_add_test (tc, test_max_session_ms_recycles);
  tcase_add_test (tc, test_default_max_session_ga);
  tcase_add_test (tc, test_default_max_session_beta);
  tcase_add_test (tc, test_malformed_and_unknown_events);
  tcase_add_test (tc, test_eos_when_session_lost_mid_reply);
  tcase_add_test (tc, test_eos_when_service_never_finishes);
  tcase_add_test (tc, test_invalid_base_url_rejected);
  tcase_add_test (tc, test_server_error_scrubbed_of_key);
  tcase_add_test (tc, test_eos_when_response_refused);
  tcase_add_test (tc, test_transcript_stamped_with_its_audio);
  return s;
}

GST_CHECK_MAIN (openairealtime);
