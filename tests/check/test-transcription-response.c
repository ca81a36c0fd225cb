/* Responses of the transcription endpoint: json, verbose_json and text
 * bodies, the language-name mapping, and SSE stream events.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <string.h>

#include "sandra-transcription-response.h"

static SandraTranscription *
parse_ok (SandraTranscriptionFormat format, const gchar * body)
{
  GError *err = NULL;
  SandraTranscription *t = sandra_transcription_parse (format, body, -1,
      &err);

  fail_unless (t != NULL, "%s", err ? err->message : "");
  return t;
}

GST_START_TEST (test_json_tokens)
{
  SandraTranscription *t;

  t = parse_ok (SANDRA_TRANSCRIPTION_FORMAT_JSON,
      "{\"text\":\"Imagine the wildest idea that you've ever had.\","
      "\"usage\":{\"type\":\"tokens\",\"input_tokens\":14,"
      "\"input_token_details\":{\"text_tokens\":0,\"audio_tokens\":14},"
      "\"output_tokens\":45,\"total_tokens\":59}}");
  fail_unless_equals_string (t->text,
      "Imagine the wildest idea that you've ever had.");
  fail_unless (t->has_usage);
  fail_unless_equals_int64 (t->usage.input_tokens, 14);
  fail_unless_equals_int64 (t->usage.input_audio_tokens, 14);
  fail_unless_equals_int64 (t->usage.output_tokens, 45);
  fail_unless_equals_int64 (t->usage.total_tokens, 59);
  fail_unless (t->usage.seconds < 0);
  fail_unless (t->language == NULL && t->language_name == NULL);
  fail_unless (t->duration < 0);
  fail_unless (t->segments == NULL && t->words == NULL);
  sandra_transcription_free (t);

  /* whisper-1 bills seconds; logprobs and unknown members are ignored */
  t = parse_ok (SANDRA_TRANSCRIPTION_FORMAT_JSON,
      "{\"text\":\"Hola.\",\"logprobs\":[{\"token\":\"Hola\",\"logprob\":"
      "-0.1,\"bytes\":[72]}],\"usage\":{\"type\":\"duration\",\"seconds\":3},"
      "\"x_new\":{}}");
  fail_unless_equals_string (t->text, "Hola.");
  fail_unless_equals_float (t->usage.seconds, 3.0);
  fail_unless_equals_int64 (t->usage.total_tokens, -1);
  sandra_transcription_free (t);

  /* silence transcribes to an empty text, which is not an error */
  t = parse_ok (SANDRA_TRANSCRIPTION_FORMAT_JSON, "{\"text\":\"\"}");
  fail_unless_equals_string (t->text, "");
  fail_if (t->has_usage);
  sandra_transcription_free (t);
}

GST_END_TEST;

GST_START_TEST (test_verbose_json)
{
  SandraTranscription *t;
  SandraTranscriptionSegment *seg;
  SandraTranscriptionWord *w;

  t = parse_ok (SANDRA_TRANSCRIPTION_FORMAT_VERBOSE_JSON,
      "{\"task\":\"transcribe\",\"language\":\"spanish\",\"duration\":8.47,"
      "\"text\":\"Hola, ¿qué tal? Muy bien.\",\"segments\":[{\"id\":0,"
      "\"seek\":0,\"start\":0.0,\"end\":3.32,\"text\":\" Hola, ¿qué tal?\","
      "\"tokens\":[50364,2425],\"temperature\":0.0,\"avg_logprob\":-0.286,"
      "\"compression_ratio\":1.24,\"no_speech_prob\":0.0098},{\"id\":1,"
      "\"seek\":0,\"start\":3.32,\"end\":8.47,\"text\":\" Muy bien.\","
      "\"tokens\":[],\"temperature\":0.2,\"avg_logprob\":-0.5,"
      "\"compression_ratio\":0.9,\"no_speech_prob\":0.1}],\"words\":[{\"word\":"
      "\"Hola\",\"start\":0.0,\"end\":0.48},{\"word\":\"qué\",\"start\":0.9,"
      "\"end\":1.1}],\"usage\":{\"type\":\"duration\",\"seconds\":9}}");
  fail_unless_equals_string (t->text, "Hola, ¿qué tal? Muy bien.");
  fail_unless_equals_string (t->language_name, "spanish");
  fail_unless_equals_string (t->language, "es");
  fail_unless_equals_float (t->duration, 8.47);
  fail_unless_equals_int (t->segments->len, 2);
  seg = &g_array_index (t->segments, SandraTranscriptionSegment, 1);
  fail_unless_equals_int (seg->id, 1);
  fail_unless_equals_float (seg->start, 3.32);
  fail_unless_equals_float (seg->end, 8.47);
  fail_unless_equals_string (seg->text, " Muy bien.");
  fail_unless_equals_float (seg->temperature, 0.2);
  fail_unless_equals_float (seg->no_speech_prob, 0.1);
  seg = &g_array_index (t->segments, SandraTranscriptionSegment, 0);
  fail_unless_equals_float (seg->avg_logprob, -0.286);
  fail_unless_equals_float (seg->compression_ratio, 1.24);
  fail_unless_equals_int (t->words->len, 2);
  w = &g_array_index (t->words, SandraTranscriptionWord, 1);
  fail_unless_equals_string (w->word, "qué");
  fail_unless_equals_float (w->start, 0.9);
  fail_unless_equals_float (w->end, 1.1);
  fail_unless_equals_float (t->usage.seconds, 9.0);
  sandra_transcription_free (t);

  /* wrongly typed members read as absent; broken entries are skipped */
  t = parse_ok (SANDRA_TRANSCRIPTION_FORMAT_VERBOSE_JSON,
      "{\"text\":\"x\",\"language\":42,\"duration\":\"long\",\"segments\":"
      "[1,{\"id\":\"a\",\"start\":\"b\",\"text\":7}],\"words\":{}}");
  fail_unless (t->language == NULL && t->language_name == NULL);
  fail_unless (t->duration < 0);
  fail_unless_equals_int (t->segments->len, 1);
  seg = &g_array_index (t->segments, SandraTranscriptionSegment, 0);
  fail_unless_equals_int (seg->id, -1);
  fail_unless (seg->start < 0);
  fail_unless (seg->text == NULL);
  fail_unless (t->words == NULL);
  sandra_transcription_free (t);

  /* a language Whisper does not know keeps its name but has no code */
  t = parse_ok (SANDRA_TRANSCRIPTION_FORMAT_VERBOSE_JSON,
      "{\"text\":\"x\",\"language\":\"klingon\"}");
  fail_unless_equals_string (t->language_name, "klingon");
  fail_unless (t->language == NULL);
  sandra_transcription_free (t);
}

GST_END_TEST;

GST_START_TEST (test_text_format)
{
  SandraTranscription *t;
  GError *err = NULL;
  const gchar body[] = "Hello world.\nSecond line.\n";

  t = parse_ok (SANDRA_TRANSCRIPTION_FORMAT_TEXT, body);
  fail_unless_equals_string (t->text, "Hello world.\nSecond line.");
  fail_if (t->has_usage);
  sandra_transcription_free (t);

  /* the length is honoured (bodies are not NUL-terminated) */
  t = sandra_transcription_parse (SANDRA_TRANSCRIPTION_FORMAT_TEXT, body, 5,
      &err);
  fail_unless_equals_string (t->text, "Hello");
  sandra_transcription_free (t);

  /* text that looks like JSON is still text */
  t = parse_ok (SANDRA_TRANSCRIPTION_FORMAT_TEXT, "{\"text\":\"no\"}\r\n");
  fail_unless_equals_string (t->text, "{\"text\":\"no\"}");
  sandra_transcription_free (t);

  /* invalid UTF-8 is repaired, never passed downstream */
  t = parse_ok (SANDRA_TRANSCRIPTION_FORMAT_TEXT, "ca\xff\xfe" "fe\n");
  fail_unless (g_utf8_validate (t->text, -1, NULL));
  fail_unless (g_str_has_prefix (t->text, "ca"));
  fail_unless (g_str_has_suffix (t->text, "fe"));
  sandra_transcription_free (t);

  t = parse_ok (SANDRA_TRANSCRIPTION_FORMAT_TEXT, "");
  fail_unless_equals_string (t->text, "");
  sandra_transcription_free (t);
}

GST_END_TEST;

GST_START_TEST (test_bad_bodies)
{
  static const gchar *bad[] = {
    "", "{", "{\"text\":\"cut", "[\"text\"]", "\"text\"", "{}",
    "{\"text\":null}", "{\"text\":5}", "<html>502 Bad Gateway</html>",
  };
  GError *err = NULL;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    fail_unless (sandra_transcription_parse (SANDRA_TRANSCRIPTION_FORMAT_JSON,
            bad[i], -1, &err) == NULL, "accepted '%s'", bad[i]);
    fail_unless (err != NULL);
    g_clear_error (&err);
    fail_unless (sandra_transcription_parse
        (SANDRA_TRANSCRIPTION_FORMAT_VERBOSE_JSON, bad[i], -1, NULL) == NULL);
  }

  /* an API error object explains itself */
  fail_unless (sandra_transcription_parse (SANDRA_TRANSCRIPTION_FORMAT_JSON,
          "{\"error\":{\"message\":\"Audio file is too short.\",\"type\":"
          "\"invalid_request_error\",\"param\":\"file\",\"code\":"
          "\"audio_too_short\"}}", -1, &err) == NULL);
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
  fail_unless (strstr (err->message, "Audio file is too short.") != NULL);
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_language_codes)
{
  static const struct
  {
    const gchar *in;
    const gchar *code;
  } cases[] = {
    {"english", "en"}, {"Spanish", "es"}, {"GERMAN", "de"},
    {"chinese", "zh"}, {"japanese", "ja"}, {"hebrew", "he"},
    {"norwegian", "no"}, {"nynorsk", "nn"}, {"haitian creole", "ht"},
    {"  welsh ", "cy"}, {"javanese", "jv"}, {"jw", "jv"}, {"cantonese", "zh"},
    {"hawaiian", "haw"}, {"castilian", "es"}, {"mandarin", "zh"},
    {"burmese", "my"}, {"myanmar", "my"}, {"valencian", "ca"},
    {"flemish", "nl"}, {"moldovan", "ro"}, {"sinhalese", "si"},
    {"es", "es"}, {"EN", "en"}, {"klingon", NULL}, {"", NULL},
    {"xx", NULL},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    fail_unless_equals_string (sandra_transcription_language_to_code
        (cases[i].in), cases[i].code);
  fail_unless (sandra_transcription_language_to_code (NULL) == NULL);
}

GST_END_TEST;

GST_START_TEST (test_stream_events)
{
  SandraTranscriptionStreamEvent *ev;
  GError *err = NULL;
  const gchar *payloads[] = {
    "{\"type\":\"transcript.text.delta\",\"delta\":\"I\",\"logprobs\":"
        "[{\"token\":\"I\",\"logprob\":-0.0001,\"bytes\":[73]}]}",
    "{\"type\":\"transcript.text.delta\",\"delta\":\" see\"}",
    "{\"type\":\"transcript.text.delta\",\"delta\":\" skies.\"}",
    "{\"type\":\"transcript.text.done\",\"text\":\"I see skies.\","
        "\"usage\":{\"type\":\"tokens\",\"input_tokens\":14,"
        "\"input_token_details\":{\"text_tokens\":10,\"audio_tokens\":4},"
        "\"output_tokens\":31,\"total_tokens\":45}}",
  };
  GString *joined = g_string_new (NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (payloads); i++) {
    ev = sandra_transcription_stream_event_parse (payloads[i], -1, &err);
    fail_unless (ev != NULL);
    if (i < 3) {
      fail_unless_equals_int (ev->type,
          SANDRA_TRANSCRIPTION_STREAM_EVENT_DELTA);
      g_string_append (joined, ev->delta);
    } else {
      fail_unless_equals_int (ev->type, SANDRA_TRANSCRIPTION_STREAM_EVENT_DONE);
      /* the deltas add up to the final text */
      fail_unless_equals_string (ev->text, joined->str);
      fail_unless (ev->has_usage);
      fail_unless_equals_int64 (ev->usage.input_audio_tokens, 4);
      fail_unless_equals_int64 (ev->usage.total_tokens, 45);
    }
    sandra_transcription_stream_event_free (ev);
  }
  g_string_free (joined, TRUE);

  ev = sandra_transcription_stream_event_parse
      ("{\"type\":\"transcript.text.segment\",\"text\":\"x\",\"speaker\":"
      "\"A\"}", -1, &err);
  fail_unless_equals_int (ev->type, SANDRA_TRANSCRIPTION_STREAM_EVENT_UNKNOWN);
  fail_unless_equals_string (ev->type_name, "transcript.text.segment");
  sandra_transcription_stream_event_free (ev);

  ev = sandra_transcription_stream_event_parse
      ("{\"error\":{\"message\":\"Internal error\",\"type\":\"server_error\","
      "\"code\":null}}", -1, &err);
  fail_unless_equals_int (ev->type, SANDRA_TRANSCRIPTION_STREAM_EVENT_ERROR);
  fail_unless_equals_string (ev->error_type, "server_error");
  fail_unless_equals_string (ev->error_message, "Internal error");
  fail_unless (ev->error_code == NULL);
  sandra_transcription_stream_event_free (ev);

  /* wrong types read as absent */
  ev = sandra_transcription_stream_event_parse
      ("{\"type\":\"transcript.text.delta\",\"delta\":[\"x\"]}", -1, &err);
  fail_unless_equals_int (ev->type, SANDRA_TRANSCRIPTION_STREAM_EVENT_DELTA);
  fail_unless (ev->delta == NULL);
  sandra_transcription_stream_event_free (ev);

  fail_unless (sandra_transcription_stream_event_parse ("[DONE]", -1,
          &err) == NULL);
  fail_unless (err != NULL);
  g_clear_error (&err);
  fail_unless (sandra_transcription_stream_event_parse
      ("{\"type\":\"transcript.text.delta\",\"del", -1, &err) == NULL);
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_format_enum)
{
  GEnumClass *klass = g_type_class_ref (SANDRA_TYPE_TRANSCRIPTION_FORMAT);
  GEnumValue *v = g_enum_get_value_by_nick (klass, "verbose-json");

  fail_unless (v != NULL);
  fail_unless_equals_string (sandra_transcription_format_to_wire (v->value),
      "verbose_json");
  fail_unless_equals_string (sandra_transcription_format_to_wire
      (SANDRA_TRANSCRIPTION_FORMAT_JSON), "json");
  fail_unless_equals_string (sandra_transcription_format_to_wire
      (SANDRA_TRANSCRIPTION_FORMAT_TEXT), "text");
  g_type_class_unref (klass);
}

GST_END_TEST;

static Suite *
transcription_response_suite (void)
{
  Suite *s = suite_create ("transcription-response");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_json_tokens);
  tcase_add_test (tc, test_verbose_json);
  tcase_add_test (tc, test_text_format);
  tcase_add_test (tc, test_bad_bodies);
  tcase_add_test (tc, test_language_codes);
  tcase_add_test (tc, test_stream_events);
  tcase_add_test (tc, test_format_enum);
  return s;
}

GST_CHECK_MAIN (transcription_response);
