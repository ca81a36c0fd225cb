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

#include "sandra-emulator.h"
#include "emu-rt-client.h"
#include "test-util.h"

#define SPEECH_WAV "librivox-sense-0870.wav"
#define REPLY_WAV "emulator-reply-24k.wav"
#define WEATHER_WAV "emulator-weather-24k.wav"

static SandraEmulator *
start_emulator (const gchar * scenario)
{
  GError *err = NULL;
  SandraEmulator *emu = sandra_emulator_new (scenario, &err);

  fail_unless (emu != NULL, "scenario rejected: %s", err ? err->message : "");
  fail_unless (sandra_emulator_start (emu, 0, &err), "start: %s",
      err ? err->message : "");
  return emu;
}

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

/* The speech fixture at 24 kHz, followed by @silence_ms of silence. */
static GBytes *
speech_24k (guint silence_ms)
{
  GBytes *speech = sandra_test_load_audio (SPEECH_WAV, 24000, 1);
  GByteArray *a = g_byte_array_new ();
  gsize n = 24000 * 2 * silence_ms / 1000;

  g_byte_array_append (a, g_bytes_get_data (speech, NULL),
      g_bytes_get_size (speech));
  g_byte_array_set_size (a, a->len + n);
  memset (a->data + a->len - n, 0, n);
  g_bytes_unref (speech);
  return g_byte_array_free_to_bytes (a);
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

#define GA_UPDATE(fields) "{\"type\":\"session.update\",\"event_id\":" \
  "\"evt_up\",\"session\":{\"type\":\"realtime\"" fields "}}"

GST_START_TEST (test_ga_turn_with_audio_reply)
{
  SandraEmulator *emu = start_emulator ("{\"api_keys\":[\"sk-rt\"],"
      "\"realtime_transcription\":{\"turns\":[{\"transcript\":"
      "\"and mister john dashwood\"}]},"
      "\"realtime\":{\"responses\":[{\"audio\":\"" WEATHER_WAV "\","
      "\"transcript\":\"The weather in Paris is sunny, twenty one degrees.\","
      "\"pace\":0}]}}");
  RtClient *c = rt_connect (emu, "sk-rt", FALSE, "model=gpt-realtime");
  GBytes *speech = speech_24k (1000);
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

static Suite *
emulator_realtime_suite (void)
{
  Suite *s = suite_create ("emulator-realtime");
  TCase *tc = tcase_create ("conversation");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_ga_turn_with_audio_reply);
  return s;
}

GST_CHECK_MAIN (emulator_realtime);
