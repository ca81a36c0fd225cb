/* gst-sandra: tests of the emulator's Realtime conversation sessions,
 * driven by a plain libsoup client
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <string.h>
#include <glib/gstdio.h>

#include "sandra-emulator.h"
#include "emu-rt-client.h"
#include "test-util.h"

#define SPEECH_WAV "librivox-0870-16k.wav"
#define REPLY_WAV "emulator-reply-24k.wav"
#define WEATHER_WAV "emulator-weather-24k.wav"

static const gchar *
str (JsonObject * o, const gchar * name)
{
  return json_object_get_string_member_with_default (o, name, NULL);
}

static JsonObject *
obj (JsonObject * o, const gchar * name)
{
  return json_object_get_object_member (o, name);
}

/* Collects the audio and transcript of one response, up to its
 * response.done (returned). The audio deltas must be whole base64. */
static JsonObject *
collect_response (RtClient * c, gboolean beta, GByteArray * audio,
    GString * transcript, guint * n_chunks)
{
  const gchar *audio_delta = beta ? "response.audio.delta" :
      "response.output_audio.delta";
  const gchar *tr_delta = beta ? "response.audio_transcript.delta" :
      "response.output_audio_transcript.delta";
  JsonObject *done = NULL;

  while (done == NULL) {
    JsonObject *ev;
    const gchar *type;

    RT_ITERATE_UNTIL (c, c->cursor < c->events->len || c->closed);
    fail_unless (c->cursor < c->events->len, "the socket closed");
    ev = g_ptr_array_index (c->events, c->cursor++);
    type = str (ev, "type");
    if (g_str_equal (type, audio_delta)) {
      gsize len;
      guchar *d = g_base64_decode (str (ev, "delta"), &len);

      g_byte_array_append (audio, d, len);
      g_free (d);
      if (n_chunks)
        (*n_chunks)++;
    } else if (g_str_equal (type, tr_delta)) {
      g_string_append (transcript, str (ev, "delta"));
    } else if (g_str_equal (type, "response.done")) {
      done = obj (ev, "response");
    }
  }
  return done;
}

#define GA_UPDATE_ID(id, fields) "{\"type\":\"session.update\"," \
  "\"event_id\":\"" id "\",\"session\":{\"type\":\"realtime\"" fields "}}"
#define GA_UPDATE(fields) GA_UPDATE_ID ("evt_up", fields)

GST_START_TEST (test_ga_turn_with_audio_reply)
{
  SandraEmulator *emu = emu_test_start ("{\"api_keys\":[\"sk-rt\"],"
      "\"realtime_transcription\":{\"turns\":[{\"transcript\":"
      "\"and mister john dashwood\"}]},"
      "\"realtime\":{\"responses\":[{\"audio\":\"" WEATHER_WAV "\","
      "\"transcript\":\"The weather in Paris is sunny, twenty one degrees.\","
      "\"pace\":0}]}}");
  RtClient *c = rt_connect (emu, "sk-rt", FALSE, "model=gpt-realtime");
  GBytes *speech = emu_test_speech_24k (SPEECH_WAV, 1000);
  GBytes *expected = sandra_test_load_audio (WEATHER_WAV, 24000, 1);
  GByteArray *audio = g_byte_array_new ();
  GString *transcript = g_string_new (NULL);
  JsonObject *ev, *s, *done, *started, *committed;
  JsonArray *conv;
  gchar *user_item;
  guint chunks = 0;
  gint session;

  fail_unless (c->ws != NULL, "upgrade failed: %s",
      c->error ? c->error->message : "");
  RT_ITERATE_UNTIL (c, c->events->len > 0);
  ev = g_ptr_array_index (c->events, 0);
  fail_unless_equals_string (str (ev, "type"), "session.created");
  s = obj (ev, "session");
  fail_unless_equals_string (str (s, "type"), "realtime");
  fail_unless_equals_string (str (s, "model"), "gpt-realtime");
  fail_unless_equals_string (str (obj (obj (s, "audio"), "output"), "voice"),
      "marin");

  rt_send (c, GA_UPDATE (",\"instructions\":\"Be brief.\","
          "\"audio\":{\"input\":{\"transcription\":{\"model\":"
          "\"gpt-4o-transcribe\"},\"turn_detection\":{\"type\":\"server_vad\","
          "\"silence_duration_ms\":500}},\"output\":{\"voice\":\"cedar\"}}"));
  ev = rt_wait (c, "session.updated");
  s = obj (ev, "session");
  /* The whole effective session comes back: untouched fields too. */
  fail_unless_equals_string (str (s, "instructions"), "Be brief.");
  fail_unless_equals_string (str (obj (obj (s, "audio"), "output"), "voice"),
      "cedar");
  fail_unless_equals_int (json_object_get_int_member (obj (obj (obj (s,
                      "audio"), "output"), "format"), "rate"), 24000);
  fail_unless (json_object_get_boolean_member (obj (obj (obj (s, "audio"),
                  "input"), "turn_detection"), "interrupt_response"));

  rt_append_audio (c, g_bytes_get_data (speech, NULL),
      g_bytes_get_size (speech));
  started = rt_wait (c, "input_audio_buffer.speech_started");
  user_item = g_strdup (str (started, "item_id"));
  rt_wait (c, "input_audio_buffer.speech_stopped");
  committed = rt_wait (c, "input_audio_buffer.committed");
  fail_unless_equals_string (str (committed, "item_id"), user_item);
  ev = rt_wait (c, "conversation.item.added");
  fail_unless_equals_string (str (obj (ev, "item"), "id"), user_item);
  fail_unless_equals_string (str (obj (ev, "item"), "role"), "user");
  ev = rt_wait (c, "response.created");
  fail_unless_equals_string (str (obj (ev, "response"), "status"),
      "in_progress");

  done = collect_response (c, FALSE, audio, transcript, &chunks);
  fail_unless_equals_string (str (done, "status"), "completed");
  fail_unless_equals_string (str (obj (obj (done, "audio"), "output"),
          "voice"), "cedar");
  /* The reply is the fixture, sample for sample, in 40 ms chunks. */
  fail_unless_equals_int (audio->len, g_bytes_get_size (expected));
  fail_unless (memcmp (audio->data, g_bytes_get_data (expected, NULL),
          audio->len) == 0);
  fail_unless_equals_int (chunks, (audio->len + 1919) / 1920);
  fail_unless_equals_string (transcript->str,
      "The weather in Paris is sunny, twenty one degrees.");
  fail_unless_equals_int (json_array_get_length (json_object_get_array_member
          (done, "output")), 1);

  /* The user's words were transcribed too. */
  c->cursor = 0;
  ev = rt_wait (c, "conversation.item.input_audio_transcription.completed");
  fail_unless_equals_string (str (ev, "item_id"), user_item);
  fail_unless_equals_string (str (ev, "transcript"),
      "and mister john dashwood");

  session = sandra_emulator_get_last_ws_session (emu);
  fail_unless (session >= 0);
  fail_unless_equals_int (sandra_emulator_get_audio_bytes_received (emu,
          session), g_bytes_get_size (speech));
  conv = sandra_emulator_dup_conversation (emu, session);
  fail_unless (json_array_get_length (conv) >= 2);
  fail_unless_equals_string (str (json_array_get_object_element (conv, 0),
          "id"), user_item);
  fail_unless_equals_string (str (json_array_get_object_element
          (json_object_get_array_member (json_array_get_object_element (conv,
                      0), "content"), 0), "transcript"),
      "and mister john dashwood");
  fail_unless_equals_string (str (json_array_get_object_element (conv, 1),
          "role"), "assistant");
  json_array_unref (conv);

  g_free (user_item);
  g_string_free (transcript, TRUE);
  g_byte_array_unref (audio);
  g_bytes_unref (expected);
  g_bytes_unref (speech);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* A text item from the user, then response.create. */
#define USER_TEXT(text) "{\"type\":\"conversation.item.create\"," \
  "\"item\":{\"type\":\"message\",\"role\":\"user\",\"content\":" \
  "[{\"type\":\"input_text\",\"text\":\"" text "\"}]}}"

GST_START_TEST (test_beta_manual_commit_g711)
{
  SandraEmulator *emu = emu_test_start (NULL);
  RtClient *c = rt_connect (emu, "sk-any", TRUE,
      "model=gpt-4o-realtime-preview-2024-12-17");
  GBytes *speech = emu_test_speech_24k (SPEECH_WAV, 0);
  GBytes *expected = sandra_test_load_audio (REPLY_WAV, 8000, 1);
  GByteArray *audio = g_byte_array_new ();
  GString *transcript = g_string_new (NULL);
  JsonObject *ev, *s, *done;

  fail_unless (c->ws != NULL);
  ev = rt_wait (c, "session.created");
  s = obj (ev, "session");
  /* The beta session is flat. */
  fail_unless_equals_string (str (s, "output_audio_format"), "pcm16");
  fail_unless_equals_string (str (s, "voice"), "alloy");
  fail_unless (!json_object_has_member (s, "audio"));

  /* A GA field on beta is an error with the client's event_id. */
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"evt_ga\","
      "\"session\":{\"type\":\"realtime\"}}");
  rt_wait_error (c, "evt_ga", "unknown_parameter", "session.type");
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"evt_mod\","
      "\"session\":{\"modalities\":[\"audio\"]}}");
  rt_wait_error (c, "evt_mod", "invalid_value", "session.modalities");
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"evt_temp\","
      "\"session\":{\"temperature\":2.0}}");
  rt_wait_error (c, "evt_temp", "decimal_out_of_range", "session.temperature");

  rt_send (c, "{\"type\":\"session.update\",\"session\":{"
      "\"turn_detection\":null,\"output_audio_format\":\"g711_ulaw\","
      "\"voice\":\"verse\",\"temperature\":0.7}}");
  ev = rt_wait (c, "session.updated");
  s = obj (ev, "session");
  fail_unless (json_node_is_null (json_object_get_member (s,
              "turn_detection")));
  fail_unless_equals_string (str (s, "output_audio_format"), "g711_ulaw");
  fail_unless_equals_string (str (s, "input_audio_format"), "pcm16");

  /* Without turn detection nothing happens until the client commits. */
  rt_append_audio (c, g_bytes_get_data (speech, NULL),
      g_bytes_get_size (speech));
  rt_send (c, "{\"type\":\"input_audio_buffer.commit\"}");
  ev = rt_wait (c, "input_audio_buffer.committed");
  ev = rt_wait (c, "conversation.item.created");
  fail_unless_equals_string (str (obj (ev, "item"), "role"), "user");
  rt_send (c, "{\"type\":\"response.create\"}");
  rt_wait (c, "response.created");
  done = collect_response (c, TRUE, audio, transcript, NULL);
  fail_unless_equals_string (str (done, "status"), "completed");
  fail_unless (json_object_has_member (done, "modalities"));
  /* mu-law: one byte per sample at 8 kHz. */
  fail_unless_equals_int (audio->len, g_bytes_get_size (expected) / 2);
  fail_unless_equals_string (transcript->str,
      "Hello, this is the sandra emulator.");
  fail_unless (sandra_emulator_wait_ws_server_events (emu,
          "input_audio_buffer.speech_started", 0, 0));
  {
    JsonArray *st = sandra_emulator_dup_ws_server_events (emu,
        "input_audio_buffer.speech_started");

    fail_unless_equals_int (json_array_get_length (st), 0);
    json_array_unref (st);
  }

  /* The voice is fixed once the assistant has spoken. */
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"evt_voice\","
      "\"session\":{\"voice\":\"ash\"}}");
  rt_wait_error (c, "evt_voice", "cannot_update_voice", "session.voice");
  rt_send (c, "{\"type\":\"session.update\",\"session\":{\"voice\":"
      "\"verse\"}}");
  rt_wait (c, "session.updated");

  g_string_free (transcript, TRUE);
  g_byte_array_unref (audio);
  g_bytes_unref (expected);
  g_bytes_unref (speech);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_ga_session_update_rules)
{
  SandraEmulator *emu = emu_test_start (NULL);
  RtClient *c = rt_connect (emu, "sk-any", FALSE, "model=gpt-realtime-mini");
  JsonObject *ev, *s;
  JsonArray *errors;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"e1\","
      "\"session\":{\"instructions\":\"x\"}}");
  rt_wait_error (c, "e1", "missing_required_parameter", "session.type");
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"e2\","
      "\"session\":{\"type\":\"transcription\"}}");
  rt_wait_error (c, "e2", "invalid_value", "session.type");
  rt_send (c, GA_UPDATE_ID ("e3", ",\"modalities\":[\"text\"]"));
  rt_wait_error (c, "e3", "unknown_parameter", "session.modalities");
  rt_send (c, GA_UPDATE_ID ("e4", ",\"temperature\":0.8"));
  rt_wait_error (c, "e4", "unknown_parameter", "session.temperature");
  rt_send (c, GA_UPDATE_ID ("e5", ",\"output_modalities\":[\"audio\","
          "\"text\"]"));
  rt_wait_error (c, "e5", "invalid_value", "session.output_modalities");
  rt_send (c, GA_UPDATE_ID ("e6", ",\"audio\":{\"output\":{\"voice\":"
          "\"robot\"}}"));
  rt_wait_error (c, "e6", "invalid_value", "session.audio.output.voice");
  rt_send (c, GA_UPDATE_ID ("e7", ",\"audio\":{\"output\":{\"speed\":2}}"));
  rt_wait_error (c, "e7", "decimal_out_of_range", "session.audio.output.speed");
  rt_send (c, GA_UPDATE_ID ("e8", ",\"audio\":{\"output\":{\"format\":"
          "{\"type\":\"audio/pcm\",\"rate\":16000}}}"));
  rt_wait_error (c, "e8", "invalid_value", "session.audio.output.format.rate");
  rt_send (c, GA_UPDATE_ID ("e9", ",\"input_audio_format\":\"pcm16\""));
  rt_wait_error (c, "e9", "unknown_parameter", "session.input_audio_format");
  rt_send (c, GA_UPDATE_ID ("e10", ",\"tools\":[{\"type\":\"function\"}]"));
  rt_wait_error (c, "e10", "missing_required_parameter",
      "session.tools[0].name");
  rt_send (c, GA_UPDATE_ID ("e11", ",\"max_output_tokens\":5000"));
  rt_wait_error (c, "e11", "decimal_out_of_range", "session.max_output_tokens");
  rt_send (c, GA_UPDATE_ID ("e12", ",\"model\":\"gpt-realtime\""));
  rt_wait_error (c, "e12", "invalid_value", "session.model");
  rt_send (c, GA_UPDATE_ID ("e13", ",\"audio\":{\"input\":{"
          "\"turn_detection\":{\"type\":\"semantic_vad\",\"eagerness\":"
          "\"sometimes\"}}}"));
  rt_wait_error (c, "e13", "invalid_value",
      "session.audio.input.turn_detection.eagerness");

  /* Valid updates: only the fields present change. */
  rt_send (c, GA_UPDATE_ID ("ok1", ",\"instructions\":\"Speak French.\","
          "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\","
          "\"description\":\"Weather of a city\",\"parameters\":{\"type\":"
          "\"object\"}}],\"tool_choice\":\"auto\",\"max_output_tokens\":"
          "\"inf\",\"audio\":{\"input\":{\"noise_reduction\":{\"type\":"
          "\"far_field\"},\"turn_detection\":{\"type\":\"semantic_vad\"}},"
          "\"output\":{\"voice\":\"ash\",\"speed\":1.2}}"));
  ev = rt_wait (c, "session.updated");
  rt_send (c, GA_UPDATE_ID ("ok2", ",\"tools\":[],\"audio\":{\"input\":{"
          "\"turn_detection\":null}}"));
  ev = rt_wait (c, "session.updated");
  s = obj (ev, "session");
  fail_unless_equals_string (str (s, "instructions"), "Speak French.");
  fail_unless_equals_int (json_array_get_length (json_object_get_array_member
          (s, "tools")), 0);
  fail_unless (json_node_is_null (json_object_get_member (obj (obj (s,
                      "audio"), "input"), "turn_detection")));
  fail_unless_equals_string (str (obj (obj (obj (s, "audio"), "input"),
              "noise_reduction"), "type"), "far_field");
  fail_unless_equals_string (str (obj (obj (s, "audio"), "output"), "voice"),
      "ash");
  fail_unless (json_object_get_double_member (obj (obj (s, "audio"),
              "output"), "speed") == 1.2);
  fail_unless_equals_string (str (s, "model"), "gpt-realtime-mini");

  errors = sandra_emulator_dup_ws_server_events (emu, "error");
  fail_unless_equals_int (json_array_get_length (errors), 13);
  json_array_unref (errors);
  fail_unless (!c->closed);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_text_mode_and_items)
{
  SandraEmulator *emu = emu_test_start ("{\"realtime\":{\"responses\":["
      "{\"text\":\"Bonjour, comment allez-vous ?\",\"delta_delay_ms\":1}]}}");
  RtClient *c = rt_connect (emu, "sk-any", FALSE, "model=gpt-realtime");
  GString *text = g_string_new (NULL);
  JsonObject *ev, *done, *item;
  JsonArray *conv;
  gchar *first_id, *second_id;
  gint session;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  rt_send (c, GA_UPDATE (",\"output_modalities\":[\"text\"],"
          "\"audio\":{\"input\":{\"turn_detection\":null}}"));
  rt_wait (c, "session.updated");

  rt_send (c, USER_TEXT ("Hello"));
  ev = rt_wait (c, "conversation.item.added");
  first_id = g_strdup (str (obj (ev, "item"), "id"));
  fail_unless (json_node_is_null (json_object_get_member (ev,
              "previous_item_id")));
  rt_wait (c, "conversation.item.done");

  /* Items: placed after previous_item_id, "root" first; unknown ids and
   * bad items are errors. */
  rt_send (c, "{\"type\":\"conversation.item.create\",\"previous_item_id\":"
      "\"root\",\"item\":{\"id\":\"item_sys\",\"type\":\"message\",\"role\":"
      "\"system\",\"content\":[{\"type\":\"input_text\",\"text\":\"Be "
      "nice.\"}]}}");
  ev = rt_wait (c, "conversation.item.added");
  fail_unless_equals_string (str (obj (ev, "item"), "id"), "item_sys");
  rt_send (c, "{\"type\":\"conversation.item.create\",\"event_id\":\"e_prev\","
      "\"previous_item_id\":\"item_nope\",\"item\":{\"type\":\"message\","
      "\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":"
      "\"x\"}]}}");
  rt_wait_error (c, "e_prev", "invalid_value", "previous_item_id");
  rt_send (c, "{\"type\":\"conversation.item.create\",\"event_id\":\"e_role\","
      "\"item\":{\"type\":\"message\",\"role\":\"robot\",\"content\":[]}}");
  rt_wait_error (c, "e_role", "invalid_value", "item.role");
  rt_send (c, "{\"type\":\"conversation.item.create\",\"event_id\":\"e_part\","
      "\"item\":{\"type\":\"message\",\"role\":\"assistant\",\"content\":"
      "[{\"type\":\"input_text\",\"text\":\"x\"}]}}");
  rt_wait_error (c, "e_part", "invalid_value", "item.content[0].type");
  rt_send (c, "{\"type\":\"conversation.item.create\",\"event_id\":\"e_dup\","
      "\"item\":{\"id\":\"item_sys\",\"type\":\"message\",\"role\":\"user\","
      "\"content\":[{\"type\":\"input_text\",\"text\":\"x\"}]}}");
  rt_wait_error (c, "e_dup", "invalid_value", "item.id");
  rt_send (c, USER_TEXT ("Delete me"));
  ev = rt_wait (c, "conversation.item.added");
  second_id = g_strdup (str (obj (ev, "item"), "id"));
  fail_unless_equals_string (str (ev, "previous_item_id"), first_id);
  rt_send (c, "{\"type\":\"conversation.item.delete\",\"event_id\":"
      "\"e_del\",\"item_id\":\"item_nope\"}");
  rt_wait_error (c, "e_del", "invalid_value", "item_id");
  {
    gchar *del = g_strdup_printf ("{\"type\":\"conversation.item.delete\","
        "\"item_id\":\"%s\"}", second_id);

    rt_send (c, del);
    g_free (del);
  }
  ev = rt_wait (c, "conversation.item.deleted");
  fail_unless_equals_string (str (ev, "item_id"), second_id);
  rt_send (c, "{\"type\":\"conversation.item.retrieve\",\"item_id\":"
      "\"item_sys\"}");
  ev = rt_wait (c, "conversation.item.retrieved");
  fail_unless_equals_string (str (obj (ev, "item"), "role"), "system");

  rt_send (c, "{\"type\":\"response.create\",\"response\":{\"metadata\":"
      "{\"turn\":\"1\"}}}");
  rt_wait (c, "response.created");
  ev = rt_wait (c, "response.content_part.added");
  fail_unless_equals_string (str (obj (ev, "part"), "type"), "text");
  while (TRUE) {
    RT_ITERATE_UNTIL (c, c->cursor < c->events->len || c->closed);
    fail_unless (c->cursor < c->events->len);
    ev = g_ptr_array_index (c->events, c->cursor++);
    fail_if (g_str_has_prefix (str (ev, "type"), "response.output_audio"));
    if (g_str_equal (str (ev, "type"), "response.output_text.delta"))
      g_string_append (text, str (ev, "delta"));
    if (g_str_equal (str (ev, "type"), "response.output_text.done"))
      break;
  }
  fail_unless_equals_string (text->str, "Bonjour, comment allez-vous ?");
  fail_unless_equals_string (str (ev, "text"), text->str);
  ev = rt_wait (c, "response.done");
  done = obj (ev, "response");
  fail_unless_equals_string (str (done, "status"), "completed");
  fail_unless_equals_string (str (obj (done, "metadata"), "turn"), "1");
  item = json_array_get_object_element (json_object_get_array_member (done,
          "output"), 0);
  fail_unless_equals_string (str (json_array_get_object_element
          (json_object_get_array_member (item, "content"), 0), "text"),
      text->str);

  /* The record holds the conversation: system, user, assistant. */
  session = sandra_emulator_get_last_ws_session (emu);
  conv = sandra_emulator_dup_conversation (emu, session);
  fail_unless_equals_int (json_array_get_length (conv), 3);
  fail_unless_equals_string (str (json_array_get_object_element (conv, 0),
          "id"), "item_sys");
  fail_unless_equals_string (str (json_array_get_object_element (conv, 1),
          "id"), first_id);
  fail_unless_equals_string (str (json_array_get_object_element (conv, 2),
          "role"), "assistant");
  json_array_unref (conv);

  g_free (first_id);
  g_free (second_id);
  g_string_free (text, TRUE);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* Waits for the first_id audio delta of the response being streamed. */
static JsonObject *
wait_first_audio (RtClient * c)
{
  return rt_wait (c, "response.output_audio.delta");
}

GST_START_TEST (test_barge_in_and_truncate)
{
  /* Real-time pacing keeps the reply going while the user speaks. */
  SandraEmulator *emu = emu_test_start ("{\"realtime\":{\"default\":"
      "{\"audio\":\"" WEATHER_WAV "\",\"transcript\":\"The weather.\","
      "\"chunk_ms\":20,\"pace\":1}}}");
  RtClient *c = rt_connect (emu, "sk-any", FALSE, "model=gpt-realtime");
  GBytes *speech = emu_test_speech_24k (SPEECH_WAV, 0);
  JsonObject *ev, *done, *delta;
  gchar *item_id, *msg;
  gint64 sent_ms;
  JsonArray *truncates;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  rt_send (c, USER_TEXT ("What is the weather?"));
  rt_send (c, "{\"type\":\"response.create\"}");
  rt_wait (c, "response.created");
  delta = wait_first_audio (c);
  item_id = g_strdup (str (delta, "item_id"));

  /* The user talks over the reply: the server VAD hears it and, with
   * interrupt_response on, the server cancels its own response. */
  rt_append_audio (c, g_bytes_get_data (speech, NULL), 24000 * 2);
  rt_wait (c, "input_audio_buffer.speech_started");
  ev = rt_wait (c, "response.done");
  done = obj (ev, "response");
  fail_unless_equals_string (str (done, "status"), "cancelled");
  fail_unless_equals_string (str (obj (done, "status_details"), "reason"),
      "turn_detected");
  fail_unless_equals_string (str (json_array_get_object_element
          (json_object_get_array_member (done, "output"), 0), "status"),
      "incomplete");

  /* What was sent of the item bounds the truncation. */
  {
    JsonArray *deltas = sandra_emulator_dup_ws_server_events (emu,
        "response.output_audio.delta");
    guint i;
    gsize bytes = 0;

    for (i = 0; i < json_array_get_length (deltas); i++) {
      gsize len;
      guchar *d = g_base64_decode (str (json_array_get_object_element
              (deltas, i), "delta"), &len);

      bytes += len;
      g_free (d);
    }
    json_array_unref (deltas);
    sent_ms = bytes / 48;
    /* Cancelled well before the 3.3 s of the reply were sent. */
    fail_unless (sent_ms < 3000, "sent %" G_GINT64_FORMAT " ms", sent_ms);
  }
  msg = g_strdup_printf ("{\"type\":\"conversation.item.truncate\","
      "\"event_id\":\"e_long\",\"item_id\":\"%s\",\"content_index\":0,"
      "\"audio_end_ms\":%" G_GINT64_FORMAT "}", item_id, sent_ms + 100);
  rt_send (c, msg);
  g_free (msg);
  rt_wait_error (c, "e_long", "invalid_value", "audio_end_ms");
  rt_send (c, "{\"type\":\"conversation.item.truncate\",\"event_id\":"
      "\"e_user\",\"item_id\":\"item_none\",\"content_index\":0,"
      "\"audio_end_ms\":0}");
  rt_wait_error (c, "e_user", "invalid_value", "item_id");
  msg = g_strdup_printf ("{\"type\":\"conversation.item.truncate\","
      "\"item_id\":\"%s\",\"content_index\":0,\"audio_end_ms\":%"
      G_GINT64_FORMAT "}", item_id, sent_ms / 2);
  rt_send (c, msg);
  g_free (msg);
  ev = rt_wait (c, "conversation.item.truncated");
  fail_unless_equals_string (str (ev, "item_id"), item_id);
  fail_unless_equals_int (json_object_get_int_member (ev, "audio_end_ms"),
      sent_ms / 2);

  truncates = sandra_emulator_dup_session_events (emu,
      sandra_emulator_get_last_ws_session (emu),
      "conversation.item.truncate", FALSE);
  fail_unless_equals_int (json_array_get_length (truncates), 3);
  json_array_unref (truncates);

  g_free (item_id);
  g_bytes_unref (speech);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_response_cancel)
{
  SandraEmulator *emu = emu_test_start ("{\"realtime\":{\"default\":"
      "{\"audio\":\"" WEATHER_WAV "\",\"transcript\":\"The weather.\","
      "\"pace\":1}}}");
  RtClient *c = rt_connect (emu, "sk-any", FALSE, "model=gpt-realtime");
  GBytes *speech = emu_test_speech_24k (SPEECH_WAV, 0);
  JsonObject *ev, *created;
  gchar *id, *msg;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  rt_send (c, GA_UPDATE (",\"audio\":{\"input\":{\"turn_detection\":{"
          "\"type\":\"server_vad\",\"interrupt_response\":false}}}"));
  ev = rt_wait (c, "session.updated");
  /* The service fills in the fields a new turn_detection leaves out. */
  fail_unless (json_object_get_boolean_member (obj (obj (obj (obj (ev,
                          "session"), "audio"), "input"), "turn_detection"),
          "create_response"));
  rt_send (c, "{\"type\":\"response.cancel\",\"event_id\":\"e_none\"}");
  rt_wait_error (c, "e_none", "response_cancel_not_active", NULL);

  rt_send (c, "{\"type\":\"response.create\"}");
  created = rt_wait (c, "response.created");
  id = g_strdup (str (obj (created, "response"), "id"));
  rt_send (c, "{\"type\":\"response.create\",\"event_id\":\"e_twice\"}");
  rt_wait_error (c, "e_twice", "conversation_already_has_active_response",
      NULL);
  rt_send (c, "{\"type\":\"response.cancel\",\"event_id\":\"e_other\","
      "\"response_id\":\"resp_other\"}");
  rt_wait_error (c, "e_other", "response_cancel_not_active", NULL);
  wait_first_audio (c);
  /* With interrupt_response off, speech does not stop the reply: the
   * client decides. */
  rt_append_audio (c, g_bytes_get_data (speech, NULL), 24000 * 2);
  rt_wait (c, "input_audio_buffer.speech_started");
  wait_first_audio (c);
  fail_if (rt_scan (c, "response.done") != NULL);
  msg = g_strdup_printf ("{\"type\":\"response.cancel\",\"response_id\":"
      "\"%s\"}", id);
  rt_send (c, msg);
  g_free (msg);
  ev = rt_wait (c, "response.done");
  fail_unless_equals_string (str (obj (ev, "response"), "id"), id);
  fail_unless_equals_string (str (obj (ev, "response"), "status"), "cancelled");
  fail_unless_equals_string (str (obj (obj (ev, "response"),
              "status_details"), "reason"), "client_cancelled");
  /* Nothing of the cancelled response follows its response.done. */
  {
    guint before = c->events->len;
    gint i;

    rt_send (c, "{\"type\":\"response.cancel\",\"event_id\":\"e_after\"}");
    rt_wait_error (c, "e_after", "response_cancel_not_active", NULL);
    for (i = before; i < (gint) c->events->len; i++)
      fail_if (g_str_has_prefix (str (g_ptr_array_index (c->events, i),
                  "type"), "response.output_audio"));
  }
  /* A client that leaves in the middle of a response leaves nothing
   * behind in the emulator (valgrind runs see to that). */
  rt_send (c, "{\"type\":\"response.create\"}");
  wait_first_audio (c);
  g_free (id);
  g_bytes_unref (speech);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* Counts the events of @type from @from to the end of what arrived. */
static guint
count_from (RtClient * c, guint from, const gchar * type)
{
  guint i, n = 0;

  for (i = from; i < c->events->len; i++)
    if (g_strcmp0 (str (g_ptr_array_index (c->events, i), "type"), type) == 0)
      n++;
  return n;
}

/* The position of the first event of @type from @from on, or -1. */
static gint
index_from (RtClient * c, guint from, const gchar * type)
{
  guint i;

  for (i = from; i < c->events->len; i++)
    if (g_strcmp0 (str (g_ptr_array_index (c->events, i), "type"), type) == 0)
      return i;
  return -1;
}

/* late_chunks: deltas still arrive after the cancel, before response.done;
 * the slow pace makes sure none of them were merely in flight. */
GST_START_TEST (test_late_chunks_after_cancel)
{
  SandraEmulator *emu = emu_test_start ("{\"realtime\":{\"default\":"
      "{\"transcript\":\"A long answer.\",\"chunk_ms\":20,\"pace\":0.02,"
      "\"late_chunks\":3}}}");
  RtClient *c = rt_connect (emu, "sk-any", FALSE, "model=gpt-realtime");
  JsonObject *ev;
  guint sent;
  gint done;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  rt_send (c, "{\"type\":\"response.create\"}");
  wait_first_audio (c);
  sent = c->events->len;
  rt_send (c, "{\"type\":\"response.cancel\"}");
  ev = rt_wait (c, "response.done");
  fail_unless_equals_string (str (obj (ev, "response"), "status"), "cancelled");
  done = index_from (c, sent, "response.done");
  fail_unless (done > 0);
  fail_unless_equals_int (count_from (c, sent, "response.output_audio.delta")
      - count_from (c, done, "response.output_audio.delta"), 3);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* stall_after_chunks: the reply stops (here after 2 of 60 chunks, sent as
 * fast as possible) and never ends by itself; a cancel still ends it. */
GST_START_TEST (test_stall_and_endless)
{
  SandraEmulator *emu = emu_test_start ("{\"realtime\":{\"responses\":["
      "{\"transcript\":\"A long answer.\",\"pace\":0,"
      "\"stall_after_chunks\":2},"
      "{\"text\":\"Again and again.\",\"delta_delay_ms\":5,"
      "\"endless\":true}]}}");
  RtClient *c = rt_connect (emu, "sk-any", FALSE, "model=gpt-realtime");
  JsonObject *ev;
  guint start;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  start = c->events->len;
  rt_send (c, "{\"type\":\"response.create\"}");
  wait_first_audio (c);
  wait_first_audio (c);
  /* A round trip through the server: it answers in order. */
  rt_send (c, "{\"type\":\"input_audio_buffer.clear\"}");
  rt_wait (c, "input_audio_buffer.cleared");
  fail_unless_equals_int (count_from (c, start,
          "response.output_audio.delta"), 2);
  fail_unless_equals_int (count_from (c, start, "response.done"), 0);
  rt_send (c, "{\"type\":\"response.cancel\"}");
  ev = rt_wait (c, "response.done");
  fail_unless_equals_string (str (obj (ev, "response"), "status"), "cancelled");
  fail_unless_equals_int (count_from (c, start,
          "response.output_audio.delta"), 2);

  /* endless: the text starts over (3 deltas) until cancelled. */
  start = c->events->len;
  rt_send (c, "{\"type\":\"response.create\",\"response\":"
      "{\"output_modalities\":[\"text\"]}}");
  RT_ITERATE_UNTIL (c, count_from (c, start, "response.output_text.delta") >
      10);
  fail_unless (count_from (c, start, "response.output_text.delta") > 10);
  fail_unless_equals_int (count_from (c, start, "response.done"), 0);
  rt_send (c, "{\"type\":\"response.cancel\"}");
  ev = rt_wait (c, "response.done");
  fail_unless_equals_string (str (obj (ev, "response"), "status"), "cancelled");
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_out_of_band_response)
{
  SandraEmulator *emu = emu_test_start ("{\"realtime\":{\"default\":"
      "{\"text\":\"A summary.\",\"transcript\":\"A summary.\",\"pace\":0}}}");
  RtClient *c = rt_connect (emu, "sk-any", FALSE, "model=gpt-realtime");
  JsonObject *ev, *done;
  JsonArray *conv;
  guint i, start;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  rt_send (c, USER_TEXT ("Hello"));
  rt_wait (c, "conversation.item.done");
  /* Parameters are checked against the connection's shape. */
  rt_send (c, "{\"type\":\"response.create\",\"event_id\":\"e_voice\","
      "\"response\":{\"voice\":\"ash\"}}");
  rt_wait_error (c, "e_voice", "unknown_parameter", "response.voice");
  rt_send (c, "{\"type\":\"response.create\",\"event_id\":\"e_conv\","
      "\"response\":{\"conversation\":\"other\"}}");
  rt_wait_error (c, "e_conv", "invalid_value", "response.conversation");

  /* A text response outside the conversation, in an audio session. */
  start = c->cursor;
  rt_send (c, "{\"type\":\"response.create\",\"response\":{"
      "\"conversation\":\"none\",\"output_modalities\":[\"text\"],"
      "\"instructions\":\"Summarise.\",\"metadata\":{\"topic\":\"sum\"},"
      "\"input\":[{\"type\":\"item_reference\",\"id\":\"item_x\"}]}}");
  ev = rt_wait (c, "response.done");
  done = obj (ev, "response");
  fail_unless_equals_string (str (done, "status"), "completed");
  fail_unless (json_node_is_null (json_object_get_member (done,
              "conversation_id")));
  fail_unless_equals_string (str (obj (done, "metadata"), "topic"), "sum");
  for (i = start; i < c->events->len; i++) {
    const gchar *t = str (g_ptr_array_index (c->events, i), "type");

    fail_if (g_str_has_prefix (t, "conversation.item."), "%s", t);
    fail_if (g_str_has_prefix (t, "response.output_audio"), "%s", t);
  }
  conv = sandra_emulator_dup_conversation (emu,
      sandra_emulator_get_last_ws_session (emu));
  fail_unless_equals_int (json_array_get_length (conv), 1);
  json_array_unref (conv);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_function_call_round_trip)
{
  SandraEmulator *emu = emu_test_start ("{\"realtime\":{\"responses\":["
      "{\"function_calls\":[{\"name\":\"get_weather\",\"call_id\":\"call_1\","
      "\"arguments\":{\"city\":\"Paris\"}}],"
      "\"rate_limits\":[{\"name\":\"tokens\",\"limit\":40000,"
      "\"remaining\":39000,\"reset_seconds\":1.5}]},"
      "{\"audio\":\"" WEATHER_WAV "\",\"transcript\":"
      "\"The weather in Paris is sunny, twenty one degrees.\",\"pace\":0}]}}");
  RtClient *c = rt_connect (emu, "sk-any", FALSE, "model=gpt-realtime");
  GBytes *expected = sandra_test_load_audio (WEATHER_WAV, 24000, 1);
  GByteArray *audio = g_byte_array_new ();
  GString *transcript = g_string_new (NULL), *args = g_string_new (NULL);
  JsonObject *ev, *item, *done;
  JsonArray *conv;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  rt_send (c, USER_TEXT ("Weather in Paris?"));
  rt_send (c, "{\"type\":\"response.create\"}");
  ev = rt_wait (c, "response.output_item.added");
  item = obj (ev, "item");
  fail_unless_equals_string (str (item, "type"), "function_call");
  fail_unless_equals_string (str (item, "call_id"), "call_1");
  while (TRUE) {
    RT_ITERATE_UNTIL (c, c->cursor < c->events->len || c->closed);
    fail_unless (c->cursor < c->events->len);
    ev = g_ptr_array_index (c->events, c->cursor++);
    if (g_str_equal (str (ev, "type"),
            "response.function_call_arguments.delta"))
      g_string_append (args, str (ev, "delta"));
    if (g_str_equal (str (ev, "type"), "response.function_call_arguments.done"))
      break;
  }
  fail_unless_equals_string (str (ev, "call_id"), "call_1");
  fail_unless_equals_string (str (ev, "name"), "get_weather");
  fail_unless_equals_string (str (ev, "arguments"), "{\"city\":\"Paris\"}");
  fail_unless_equals_string (args->str, str (ev, "arguments"));
  ev = rt_wait (c, "response.done");
  fail_unless_equals_string (str (obj (ev, "response"), "status"), "completed");
  ev = rt_wait (c, "rate_limits.updated");
  fail_unless_equals_int (json_object_get_int_member
      (json_array_get_object_element (json_object_get_array_member (ev,
                  "rate_limits"), 0), "remaining"), 39000);

  rt_send (c, "{\"type\":\"conversation.item.create\",\"item\":{\"type\":"
      "\"function_call_output\",\"call_id\":\"call_1\",\"output\":"
      "\"{\\\"temp_c\\\":21}\"}}");
  ev = rt_wait (c, "conversation.item.added");
  fail_unless_equals_string (str (obj (ev, "item"), "type"),
      "function_call_output");
  rt_send (c, "{\"type\":\"response.create\"}");
  rt_wait (c, "response.created");
  done = collect_response (c, FALSE, audio, transcript, NULL);
  fail_unless_equals_string (str (done, "status"), "completed");
  fail_unless_equals_int (audio->len, g_bytes_get_size (expected));
  fail_unless_equals_string (transcript->str,
      "The weather in Paris is sunny, twenty one degrees.");

  conv = sandra_emulator_dup_conversation (emu,
      sandra_emulator_get_last_ws_session (emu));
  fail_unless_equals_int (json_array_get_length (conv), 4);
  fail_unless_equals_string (str (json_array_get_object_element (conv, 1),
          "type"), "function_call");
  fail_unless_equals_string (str (json_array_get_object_element (conv, 2),
          "type"), "function_call_output");
  json_array_unref (conv);

  g_string_free (args, TRUE);
  g_string_free (transcript, TRUE);
  g_byte_array_unref (audio);
  g_bytes_unref (expected);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* POSTs @json to @path with Bearer @key; returns the parsed body. */
static JsonObject *
post_json (SandraEmulator * emu, const gchar * path, const gchar * key,
    const gchar * json, guint * status)
{
  gchar *url = g_strdup_printf ("%s%s", sandra_emulator_get_base_url (emu),
      path);
  SoupSession *session = soup_session_new ();
  SoupMessage *msg = soup_message_new ("POST", url);
  GBytes *body = g_bytes_new (json, strlen (json)), *reply;
  gchar *auth = g_strdup_printf ("Bearer %s", key);
  JsonObject *out = NULL;
  JsonNode *node;
  gchar *text;

  soup_message_headers_replace (soup_message_get_request_headers (msg),
      "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  reply = soup_session_send_and_read (session, msg, NULL, NULL);
  fail_unless (reply != NULL);
  *status = soup_message_get_status (msg);
  text = g_strndup (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply));
  node = json_from_string (text, NULL);
  if (node && JSON_NODE_HOLDS_OBJECT (node))
    out = json_object_ref (json_node_get_object (node));
  if (node)
    json_node_unref (node);
  g_free (text);
  g_bytes_unref (reply);
  g_bytes_unref (body);
  g_free (auth);
  g_object_unref (msg);
  g_object_unref (session);
  g_free (url);
  return out;
}

GST_START_TEST (test_ephemeral_secrets)
{
  SandraEmulator *emu = emu_test_start ("{\"api_keys\":[\"sk-owner\"],"
      "\"realtime\":{\"secret_ttl_ms\":1500}}");
  JsonObject *reply, *ev, *rec;
  RtClient *c;
  guint status;
  gchar *secret, *beta_secret;

  /* Minting needs the account key and a valid request. */
  reply = post_json (emu, "/realtime/client_secrets", "sk-wrong", "{}",
      &status);
  fail_unless_equals_int (status, 401);
  json_object_unref (reply);
  reply = post_json (emu, "/realtime/client_secrets", "sk-owner",
      "{\"expires_after\":{\"anchor\":\"created_at\",\"seconds\":5}}", &status);
  fail_unless_equals_int (status, 400);
  fail_unless_equals_string (str (obj (reply, "error"), "param"),
      "expires_after.seconds");
  json_object_unref (reply);
  reply = post_json (emu, "/realtime/client_secrets", "sk-owner",
      "{\"session\":{\"type\":\"realtime\",\"modalities\":[\"text\"]}}",
      &status);
  fail_unless_equals_int (status, 400);
  fail_unless_equals_string (str (obj (reply, "error"), "param"),
      "session.modalities");
  json_object_unref (reply);

  reply = post_json (emu, "/realtime/client_secrets", "sk-owner",
      "{\"expires_after\":{\"anchor\":\"created_at\",\"seconds\":600},"
      "\"session\":{\"type\":\"realtime\",\"model\":\"gpt-realtime-mini\","
      "\"instructions\":\"You are a kiosk.\"}}", &status);
  fail_unless_equals_int (status, 200);
  secret = g_strdup (str (reply, "value"));
  fail_unless (g_str_has_prefix (secret, "ek_"));
  fail_unless (json_object_get_int_member (reply, "expires_at") >
      g_get_real_time () / G_USEC_PER_SEC);
  fail_unless_equals_string (str (obj (reply, "session"), "instructions"),
      "You are a kiosk.");
  json_object_unref (reply);

  reply = post_json (emu, "/realtime/sessions", "sk-owner",
      "{\"model\":\"gpt-4o-realtime-preview\",\"voice\":\"sage\","
      "\"client_secret\":{\"expires_after\":{\"anchor\":\"created_at\","
      "\"seconds\":120}}}", &status);
  fail_unless_equals_int (status, 200);
  beta_secret = g_strdup (str (obj (reply, "client_secret"), "value"));
  fail_unless (g_str_has_prefix (beta_secret, "ek_"));
  fail_unless_equals_string (str (reply, "voice"), "sage");
  json_object_unref (reply);

  reply = post_json (emu, "/realtime/transcription_sessions", "sk-owner",
      "{\"input_audio_transcription\":{\"model\":\"whisper-1\"},"
      "\"voice\":\"sage\"}", &status);
  fail_unless_equals_int (status, 400);
  fail_unless_equals_string (str (obj (reply, "error"), "param"),
      "session.voice");
  json_object_unref (reply);

  /* The secret opens a session configured as it was minted; the model
   * comes from it when the URL names none. */
  c = rt_connect (emu, secret, FALSE, "");
  fail_unless (c->ws != NULL, "status %u", c->status);
  ev = rt_wait (c, "session.created");
  fail_unless_equals_string (str (obj (ev, "session"), "instructions"),
      "You are a kiosk.");
  fail_unless_equals_string (str (obj (ev, "session"), "model"),
      "gpt-realtime-mini");
  rt_free (c);
  rec = sandra_emulator_dup_request (emu,
      sandra_emulator_get_last_ws_session (emu));
  fail_unless_equals_string (str (obj (rec, "auth"), "kind"), "ephemeral");
  json_object_unref (rec);

  c = rt_connect (emu, beta_secret, TRUE, "model=gpt-4o-realtime-preview");
  fail_unless (c->ws != NULL);
  ev = rt_wait (c, "session.created");
  fail_unless_equals_string (str (obj (ev, "session"), "voice"), "sage");
  rt_free (c);

  /* A secret is accepted until it expires, then refused like a bad key;
   * a made-up one never. */
  c = rt_connect (emu, "ek_made_up", FALSE, "model=gpt-realtime");
  fail_unless (c->ws == NULL);
  fail_unless_equals_int (c->status, 401);
  rt_free (c);
  g_usleep (1600 * 1000);
  c = rt_connect (emu, secret, FALSE, "model=gpt-realtime");
  fail_unless (c->ws == NULL);
  fail_unless_equals_int (c->status, 401);
  rt_free (c);

  g_free (secret);
  g_free (beta_secret);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_scripted_failures)
{
  SandraEmulator *emu = emu_test_start ("{\"api_keys\":[\"sk-rt\"],"
      "\"realtime\":{\"responses\":["
      "{\"error_event\":{\"type\":\"server_error\",\"code\":\"overloaded\","
      "\"message\":\"try later\"}},"
      "{\"failure\":{\"type\":\"server_error\",\"code\":\"internal\"}},"
      "{\"transcript\":\"cut short\",\"incomplete\":\"max_output_tokens\","
      "\"pace\":0},"
      "{\"transcript\":\"never finished\",\"pace\":0,"
      "\"disconnect\":{\"code\":1011,\"reason\":\"boom\",\"after_chunks\":3}}],"
      "\"connections\":[{\"reject_status\":403},{},{},"
      "{\"max_session_ms\":200}]}}");
  RtClient *c;
  JsonObject *ev;
  JsonArray *deltas;

  /* No key or a wrong one: 401 before any WebSocket exists (and the
   * connection scripts are not consumed). */
  c = rt_connect (emu, NULL, FALSE, "model=gpt-realtime");
  fail_unless (c->ws == NULL);
  fail_unless_equals_int (c->status, 401);
  rt_free (c);
  c = rt_connect (emu, "sk-wrong", TRUE, "model=gpt-realtime");
  fail_unless_equals_int (c->status, 401);
  rt_free (c);

  /* An account without access: 403 on the upgrade. */
  c = rt_connect (emu, "sk-rt", FALSE, "model=gpt-realtime");
  fail_unless (c->ws == NULL);
  fail_unless_equals_int (c->status, 403);
  rt_free (c);
  c = rt_connect (emu, "sk-rt", FALSE, "");
  fail_unless_equals_int (c->status, 400);
  rt_free (c);

  c = rt_connect (emu, "sk-rt", FALSE, "model=gpt-realtime");
  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  /* A refused response.create: the error names the client's event. */
  rt_send (c, "{\"type\":\"response.create\",\"event_id\":\"e_resp\"}");
  ev = rt_wait (c, "error");
  fail_unless_equals_string (str (obj (ev, "error"), "event_id"), "e_resp");
  fail_unless_equals_string (str (obj (ev, "error"), "code"), "overloaded");
  fail_unless_equals_string (str (obj (ev, "error"), "type"), "server_error");
  fail_if (rt_scan (c, "response.created") != NULL);
  rt_send (c, "{\"type\":\"response.create\"}");
  ev = rt_wait (c, "response.done");
  fail_unless_equals_string (str (obj (ev, "response"), "status"), "failed");
  fail_unless_equals_string (str (obj (obj (obj (ev, "response"),
                  "status_details"), "error"), "code"), "internal");
  rt_send (c, "{\"type\":\"response.create\"}");
  ev = rt_wait (c, "response.done");
  fail_unless_equals_string (str (obj (ev, "response"), "status"),
      "incomplete");
  fail_unless_equals_string (str (obj (obj (ev, "response"),
              "status_details"), "reason"), "max_output_tokens");
  /* A disconnect in the middle of a response. */
  rt_send (c, "{\"type\":\"response.create\"}");
  RT_ITERATE_UNTIL (c, c->closed);
  fail_unless (c->closed);
  fail_unless_equals_int (soup_websocket_connection_get_close_code (c->ws),
      1011);
  fail_unless_equals_string (soup_websocket_connection_get_close_data
      (c->ws), "boom");
  deltas = sandra_emulator_dup_session_events (emu,
      sandra_emulator_get_last_ws_session (emu),
      "response.output_audio.delta", TRUE);
  /* 2 chunks of the incomplete response, 3 of the interrupted one. */
  fail_unless_equals_int (json_array_get_length (deltas), 5);
  json_array_unref (deltas);
  rt_free (c);

  /* A bad key seen as the field sometimes sees it: closed with 3000. */
  fail_unless (sandra_emulator_set_scenario (emu, "{\"api_keys\":[\"sk-rt\"],"
          "\"realtime\":{\"bad_key_close\":true,\"max_session_ms\":200}}",
          NULL));
  c = rt_connect (emu, "sk-bad", FALSE, "model=gpt-realtime");
  fail_unless (c->ws != NULL);
  RT_ITERATE_UNTIL (c, c->closed);
  fail_unless_equals_int (soup_websocket_connection_get_close_code (c->ws),
      3000);
  fail_unless_equals_string (soup_websocket_connection_get_close_data
      (c->ws), "invalid_request_error.invalid_api_key");
  fail_unless_equals_int (c->events->len, 0);
  rt_free (c);

  /* The maximum session time, made short: session_expired, then close. */
  c = rt_connect (emu, "sk-rt", TRUE, "model=gpt-realtime");
  fail_unless (c->ws != NULL);
  ev = rt_wait (c, "error");
  fail_unless_equals_string (str (obj (ev, "error"), "code"),
      "session_expired");
  RT_ITERATE_UNTIL (c, c->closed);
  fail_unless_equals_int (soup_websocket_connection_get_close_code (c->ws),
      1001);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_scenario_schema)
{
  static const gchar *const bad[] = {
    "{\"realtime\":{\"responses\":[{\"audio\":\"no-such-file.wav\"}]}}",
    "{\"realtime\":{\"responses\":[{\"transcrip\":\"typo\"}]}}",
    "{\"realtime\":{\"responses\":[{\"chunk_ms\":5}]}}",
    "{\"realtime\":{\"responses\":[{\"function_calls\":[{\"arguments\":"
        "\"{}\"}]}]}}",
    "{\"realtime\":{\"responses\":[{\"incomplete\":\"bored\"}]}}",
    "{\"realtime\":{\"connections\":[{\"close_after\":1}]}}",
    "{\"realtime\":{\"max_session_ms\":\"soon\"}}",
    "{\"realtime\":{\"responses\":[{\"late_chunks\":-1}]}}",
    "{\"realtime\":{\"responses\":[{\"endless\":\"yes\"}]}}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *err = NULL;
    SandraEmulator *emu = sandra_emulator_new (bad[i], &err);

    fail_unless (emu == NULL, "accepted %s", bad[i]);
    fail_unless (g_error_matches (err, SANDRA_EMULATOR_ERROR,
            SANDRA_EMULATOR_ERROR_SCENARIO));
    g_error_free (err);
  }
}

GST_END_TEST;

GST_START_TEST (test_scenario_file_fixtures)
{
  gchar *dir = g_dir_make_tmp ("sandra-emu-XXXXXX", NULL);
  gchar *src = sandra_test_data_path (WEATHER_WAV);
  gchar *wav = g_build_filename (dir, "my-reply.wav", NULL);
  gchar *json = g_build_filename (dir, "scenario.json", NULL);
  gchar *contents;
  gsize len;
  GBytes *expected = sandra_test_load_audio (WEATHER_WAV, 24000, 1);
  GByteArray *audio = g_byte_array_new ();
  GString *transcript = g_string_new (NULL);
  SandraEmulator *emu;
  GError *err = NULL;
  RtClient *c;

  fail_unless (g_file_get_contents (src, &contents, &len, NULL));
  fail_unless (g_file_set_contents (wav, contents, len, NULL));
  g_free (contents);
  /* A relative name is looked up next to the scenario file. */
  fail_unless (g_file_set_contents (json, "{\"realtime\":{\"responses\":"
          "[{\"audio\":\"my-reply.wav\",\"transcript\":\"x\",\"pace\":0}]}}",
          -1, NULL));
  emu = sandra_emulator_new_from_file (json, &err);
  fail_unless (emu != NULL, "%s", err ? err->message : "");
  fail_unless (sandra_emulator_start (emu, 0, NULL));
  c = rt_connect (emu, "sk-any", FALSE, "model=gpt-realtime");
  rt_wait (c, "session.created");
  rt_send (c, "{\"type\":\"response.create\"}");
  collect_response (c, FALSE, audio, transcript, NULL);
  fail_unless_equals_int (audio->len, g_bytes_get_size (expected));
  rt_free (c);
  sandra_emulator_free (emu);

  /* The same scenario given as a string has no such directory. */
  fail_unless (g_file_get_contents (json, &contents, NULL, NULL));
  emu = sandra_emulator_new (contents, &err);
  fail_unless (emu == NULL);
  fail_unless (strstr (err->message, "my-reply.wav") != NULL);
  g_clear_error (&err);
  g_free (contents);

  g_unlink (wav);
  g_unlink (json);
  g_rmdir (dir);
  g_string_free (transcript, TRUE);
  g_byte_array_unref (audio);
  g_bytes_unref (expected);
  g_free (json);
  g_free (wav);
  g_free (src);
  g_free (dir);
}

GST_END_TEST;

/* The server VAD's idle timeout prompts the model when the user stays
 * silent after a reply (5 s is the shortest the service takes). */
GST_START_TEST (test_idle_timeout)
{
  SandraEmulator *emu = emu_test_start ("{\"realtime\":{\"responses\":["
      "{\"text\":\"Hello.\"},{\"text\":\"Are you still there?\"}]}}");
  RtClient *c = rt_connect (emu, "sk-any", FALSE, "model=gpt-realtime");
  JsonObject *ev, *committed;
  gchar *item;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  rt_send (c, GA_UPDATE (",\"output_modalities\":[\"text\"],"
          "\"audio\":{\"input\":{\"turn_detection\":{\"type\":"
          "\"server_vad\",\"idle_timeout_ms\":5000}}}"));
  rt_wait (c, "session.updated");
  rt_send (c, USER_TEXT ("Hi"));
  rt_send (c, "{\"type\":\"response.create\"}");
  rt_wait (c, "response.done");

  ev = rt_wait (c, "input_audio_buffer.timeout_triggered");
  item = g_strdup (str (ev, "item_id"));
  committed = rt_wait (c, "input_audio_buffer.committed");
  fail_unless_equals_string (str (committed, "item_id"), item);
  rt_wait (c, "response.created");
  ev = rt_wait (c, "response.output_text.done");
  fail_unless_equals_string (str (ev, "text"), "Are you still there?");
  g_free (item);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static Suite *
emulator_realtime_suite (void)
{
  Suite *s = suite_create ("emulator-realtime");
  TCase *tc = tcase_create ("conversation");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_ga_turn_with_audio_reply);
  tcase_add_test (tc, test_beta_manual_commit_g711);
  tcase_add_test (tc, test_ga_session_update_rules);
  tcase_add_test (tc, test_text_mode_and_items);
  tcase_add_test (tc, test_barge_in_and_truncate);
  tcase_add_test (tc, test_response_cancel);
  tcase_add_test (tc, test_late_chunks_after_cancel);
  tcase_add_test (tc, test_stall_and_endless);
  tcase_add_test (tc, test_out_of_band_response);
  tcase_add_test (tc, test_function_call_round_trip);
  tcase_add_test (tc, test_ephemeral_secrets);
  tcase_add_test (tc, test_scripted_failures);
  tcase_add_test (tc, test_scenario_schema);
  tcase_add_test (tc, test_scenario_file_fixtures);
  tcase_add_test (tc, test_idle_timeout);
  return s;
}

GST_CHECK_MAIN (emulator_realtime);
