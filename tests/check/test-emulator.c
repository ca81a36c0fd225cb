/* gst-sandra: tests of the local API emulator, driven by a plain libsoup
 * client
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/app/gstappsink.h>
#include <libsoup/soup.h>
#include <string.h>

#include "sandra-emulator.h"
#include "energy-vad.h"
#include "test-util.h"
#include "emu-rt-client.h"
#include <math.h>

#define SPEECH_WAV "librivox-0870-16k.wav"
#define TX_PATH "/v1/audio/transcriptions"

static GBytes *
load_fixture (const gchar * name)
{
  gchar *path = sandra_test_data_path (name), *data;
  gsize len;

  fail_unless (g_file_get_contents (path, &data, &len, NULL), "no %s", path);
  g_free (path);
  return g_bytes_new_take (data, len);
}

/* A multipart upload. @fields is NULL-terminated name, value pairs. */
static SoupMessage *
upload_message (SandraEmulator * emu, const gchar * path, const gchar * key,
    const gchar * filename, const gchar * ctype, GBytes * file,
    const gchar * first_field, ...)
{
  SoupMultipart *mp = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
  gchar *url = g_strdup_printf ("http://127.0.0.1:%u%s",
      sandra_emulator_get_port (emu), path);
  const gchar *name = first_field;
  SoupMessage *msg;
  va_list ap;

  if (file)
    soup_multipart_append_form_file (mp, "file", filename, ctype, file);
  va_start (ap, first_field);
  while (name) {
    soup_multipart_append_form_string (mp, name, va_arg (ap, const gchar *));
    name = va_arg (ap, const gchar *);
  }
  va_end (ap);
  msg = soup_message_new_from_multipart (url, mp);
  if (key) {
    gchar *auth = g_strdup_printf ("Bearer %s", key);

    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", auth);
    g_free (auth);
  }
  soup_multipart_free (mp);
  g_free (url);
  return msg;
}

/* Sends synchronously; returns the body (NULL on a transport error, with
 * @error set when given). */
static GBytes *
send_message (SoupMessage * msg, GError ** error)
{
  SoupSession *session = soup_session_new_with_options ("timeout", 30, NULL);
  GBytes *body = soup_session_send_and_read (session, msg, NULL, error);

  g_object_unref (session);
  return body;
}

static JsonObject *
parse_object (GBytes * body)
{
  gchar *text = g_strndup (g_bytes_get_data (body, NULL),
      g_bytes_get_size (body));
  JsonNode *node = json_from_string (text, NULL);
  JsonObject *obj;

  fail_unless (node != NULL && JSON_NODE_HOLDS_OBJECT (node),
      "not a JSON object: %s", text);
  obj = json_object_ref (json_node_get_object (node));
  json_node_unref (node);
  g_free (text);
  return obj;
}

/* Uploads the speech fixture and returns the status and parsed body. */
static JsonObject *
transcribe (SandraEmulator * emu, const gchar * key, guint * status,
    const gchar * first_field, ...)
{
  GBytes *wav = load_fixture (SPEECH_WAV);
  SoupMessage *msg;
  GBytes *body;
  JsonObject *obj;
  const gchar *names[8], *values[8];
  const gchar *name = first_field;
  guint n = 0;
  va_list ap;

  va_start (ap, first_field);
  while (name && n < 8) {
    names[n] = name;
    values[n++] = va_arg (ap, const gchar *);
    name = va_arg (ap, const gchar *);
  }
  va_end (ap);
  while (n < 8)
    names[n++] = NULL;
  msg = upload_message (emu, TX_PATH, key, "speech.wav", "audio/wav", wav,
      names[0], values[0], names[1], values[1], names[2], values[2],
      names[3], values[3], names[4], values[4], NULL);
  body = send_message (msg, NULL);
  fail_unless (body != NULL);
  *status = soup_message_get_status (msg);
  obj = parse_object (body);
  g_bytes_unref (body);
  g_object_unref (msg);
  g_bytes_unref (wav);
  return obj;
}

static const gchar *
error_member (JsonObject * obj, const gchar * name)
{
  JsonObject *e;

  fail_unless (json_object_has_member (obj, "error"));
  e = json_object_get_object_member (obj, "error");
  return json_object_get_string_member_with_default (e, name, NULL);
}

GST_START_TEST (test_json_reply_and_record)
{
  SandraEmulator *emu = emu_test_start ("{\"api_keys\":[\"sk-one\","
      "{\"id\":\"ci\",\"key\":\"sk-ci-secret\"}],"
      "\"transcription\":{\"replies\":[{\"text\":\"and mister john "
      "dashwood\"}]}}");
  GBytes *wav = load_fixture (SPEECH_WAV), *got;
  JsonObject *obj, *rec, *auth, *usage;
  gchar *field, *fname = NULL, *ctype = NULL, *dump;
  guint status;
  JsonArray *all;

  obj = transcribe (emu, "sk-ci-secret", &status, "model", "whisper-1",
      "language", "en", "prompt", "Dashwood", NULL);
  fail_unless_equals_int (status, 200);
  fail_unless_equals_string (json_object_get_string_member (obj, "text"),
      "and mister john dashwood");
  usage = json_object_get_object_member (obj, "usage");
  fail_unless_equals_string (json_object_get_string_member (usage, "type"),
      "duration");
  /* The fixture is 7.1 s of 16 kHz audio: billed as 8 whole seconds. */
  fail_unless_equals_int (json_object_get_int_member (usage, "seconds"), 8);
  json_object_unref (obj);

  fail_unless_equals_int (sandra_emulator_count_requests (emu, TX_PATH), 1);
  field = sandra_emulator_dup_last_form_field (emu, TX_PATH, "prompt");
  fail_unless_equals_string (field, "Dashwood");
  g_free (field);
  field = sandra_emulator_dup_last_form_field (emu, NULL, "language");
  fail_unless_equals_string (field, "en");
  g_free (field);

  got = sandra_emulator_dup_file (emu, 0, &fname, &ctype);
  fail_unless (got != NULL);
  fail_unless (g_bytes_equal (got, wav), "uploaded bytes differ");
  fail_unless_equals_string (fname, "speech.wav");
  fail_unless_equals_string (ctype, "audio/wav");

  rec = sandra_emulator_dup_request (emu, 0);
  fail_unless_equals_string (json_object_get_string_member (rec, "method"),
      "POST");
  fail_unless_equals_int (json_object_get_int_member (rec, "status"), 200);
  auth = json_object_get_object_member (rec, "auth");
  fail_unless (json_object_get_boolean_member (auth, "present"));
  fail_unless (json_object_get_boolean_member (auth, "valid"));
  fail_unless_equals_int (json_object_get_int_member (auth, "key_index"), 1);
  fail_unless_equals_string (json_object_get_string_member (auth, "key_id"),
      "ci");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (rec, "headers"), "authorization"),
      "Bearer REDACTED");

  /* The key appears nowhere in what the emulator kept. */
  all = sandra_emulator_dup_requests (emu);
  {
    JsonNode *n = json_node_new (JSON_NODE_ARRAY);

    json_node_set_array (n, all);
    dump = json_to_string (n, FALSE);
    json_node_unref (n);
  }
  fail_unless (strstr (dump, "sk-ci-secret") == NULL);
  g_free (dump);
  json_array_unref (all);

  json_object_unref (rec);
  g_free (fname);
  g_free (ctype);
  g_bytes_unref (got);
  g_bytes_unref (wav);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_verbose_json)
{
  SandraEmulator *emu = emu_test_start ("{\"transcription\":{\"default\":"
      "{\"text\":\"hola a todos\",\"language\":\"es\"}}}");
  JsonObject *obj, *seg;
  JsonArray *segs, *words;
  guint status;

  obj = transcribe (emu, "sk-any", &status, "model", "whisper-1",
      "response_format", "verbose_json", "timestamp_granularities[]", "word",
      "timestamp_granularities[]", "segment", NULL);
  fail_unless_equals_int (status, 200);
  fail_unless_equals_string (json_object_get_string_member (obj, "language"),
      "spanish");
  fail_unless_equals_string (json_object_get_string_member (obj, "task"),
      "transcribe");
  /* 113600 samples at 16 kHz in the fixture's data chunk. */
  fail_unless (G_APPROX_VALUE (json_object_get_double_member (obj,
              "duration"), 7.1, 0.01));
  segs = json_object_get_array_member (obj, "segments");
  fail_unless_equals_int (json_array_get_length (segs), 1);
  seg = json_array_get_object_element (segs, 0);
  fail_unless_equals_string (json_object_get_string_member (seg, "text"),
      "hola a todos");
  words = json_object_get_array_member (obj, "words");
  fail_unless_equals_int (json_array_get_length (words), 3);
  fail_unless_equals_string (json_object_get_string_member
      (json_array_get_object_element (words, 2), "word"), "todos");
  json_object_unref (obj);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* Parses "data: {...}" lines of an SSE body into event objects. */
static GPtrArray *
parse_sse (GBytes * body)
{
  gchar *text = g_strndup (g_bytes_get_data (body, NULL),
      g_bytes_get_size (body));
  gchar **lines = g_strsplit (text, "\n", -1);
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify)
      json_object_unref);
  guint i;

  for (i = 0; lines[i]; i++) {
    JsonNode *n;

    if (!g_str_has_prefix (lines[i], "data: "))
      continue;
    n = json_from_string (lines[i] + 6, NULL);
    fail_unless (n != NULL && JSON_NODE_HOLDS_OBJECT (n), "bad line %s",
        lines[i]);
    g_ptr_array_add (events, json_object_ref (json_node_get_object (n)));
    json_node_unref (n);
  }
  g_strfreev (lines);
  g_free (text);
  return events;
}

GST_START_TEST (test_sse_stream)
{
  SandraEmulator *emu = emu_test_start ("{\"transcription\":{\"replies\":["
      "{\"text\":\"Hello there.\",\"deltas\":[\"Hel\",\"lo\",\" there.\"]}]}}");
  GBytes *wav = load_fixture (SPEECH_WAV), *body;
  SoupMessage *msg;
  GPtrArray *events;
  GString *joined = g_string_new (NULL);
  JsonObject *last;
  guint i;

  msg = upload_message (emu, TX_PATH, "sk-x", "speech.wav", "audio/wav", wav,
      "model", "gpt-4o-mini-transcribe", "stream", "true", NULL);
  body = send_message (msg, NULL);
  fail_unless_equals_int (soup_message_get_status (msg), 200);
  fail_unless (g_str_has_prefix (soup_message_headers_get_content_type
          (soup_message_get_response_headers (msg), NULL),
          "text/event-stream"));
  events = parse_sse (body);
  fail_unless_equals_int (events->len, 4);
  for (i = 0; i + 1 < events->len; i++) {
    JsonObject *ev = g_ptr_array_index (events, i);

    fail_unless_equals_string (json_object_get_string_member (ev, "type"),
        "transcript.text.delta");
    g_string_append (joined, json_object_get_string_member (ev, "delta"));
  }
  last = g_ptr_array_index (events, events->len - 1);
  fail_unless_equals_string (json_object_get_string_member (last, "type"),
      "transcript.text.done");
  fail_unless_equals_string (json_object_get_string_member (last, "text"),
      joined->str);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (last, "usage"), "type"), "tokens");

  g_string_free (joined, TRUE);
  g_ptr_array_unref (events);
  g_bytes_unref (body);
  g_object_unref (msg);
  g_bytes_unref (wav);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_scripted_order_and_errors)
{
  SandraEmulator *emu = emu_test_start ("{\"transcription\":{\"replies\":["
      "{\"text\":\"one\"},"
      "{\"status\":503,\"retry_after\":2,\"retry_after_ms\":1500,"
      "\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}},"
      "{\"status\":429,\"error\":{\"message\":\"quota\","
      "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}},"
      "{\"text\":\"two\"}],\"default\":{\"text\":\"again\"}}}");
  GBytes *wav = load_fixture (SPEECH_WAV), *body;
  SoupMessage *msg;
  SoupMessageHeaders *h;
  JsonObject *obj;
  guint status;

  obj = transcribe (emu, "k", &status, "model", "whisper-1", NULL);
  fail_unless_equals_int (status, 200);
  fail_unless_equals_string (json_object_get_string_member (obj, "text"),
      "one");
  json_object_unref (obj);

  msg = upload_message (emu, TX_PATH, "k", "speech.wav", "audio/wav", wav,
      "model", "whisper-1", NULL);
  body = send_message (msg, NULL);
  fail_unless_equals_int (soup_message_get_status (msg), 503);
  h = soup_message_get_response_headers (msg);
  fail_unless_equals_string (soup_message_headers_get_one (h, "retry-after"),
      "2");
  fail_unless_equals_string (soup_message_headers_get_one (h,
          "retry-after-ms"), "1500");
  obj = parse_object (body);
  fail_unless_equals_string (error_member (obj, "message"), "overloaded");
  fail_unless_equals_string (error_member (obj, "type"), "server_error");
  json_object_unref (obj);
  g_bytes_unref (body);
  g_object_unref (msg);

  obj = transcribe (emu, "k", &status, "model", "whisper-1", NULL);
  fail_unless_equals_int (status, 429);
  fail_unless_equals_string (error_member (obj, "code"), "insufficient_quota");
  json_object_unref (obj);

  obj = transcribe (emu, "k", &status, "model", "whisper-1", NULL);
  fail_unless_equals_string (json_object_get_string_member (obj, "text"),
      "two");
  json_object_unref (obj);
  obj = transcribe (emu, "k", &status, "model", "whisper-1", NULL);
  fail_unless_equals_string (json_object_get_string_member (obj, "text"),
      "again");
  json_object_unref (obj);

  /* A reset rewinds the queue. */
  sandra_emulator_reset (emu);
  fail_unless_equals_int (sandra_emulator_count_requests (emu, NULL), 0);
  obj = transcribe (emu, "k", &status, "model", "whisper-1", NULL);
  fail_unless_equals_string (json_object_get_string_member (obj, "text"),
      "one");
  json_object_unref (obj);

  g_bytes_unref (wav);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_rate_limit)
{
  SandraEmulator *emu = emu_test_start ("{\"rate_limit\":{\"requests\":2,"
      "\"window_ms\":600000,\"retry_after_ms\":2500}}");
  GBytes *wav = load_fixture (SPEECH_WAV), *body;
  SoupMessage *msg;
  SoupMessageHeaders *h;
  JsonObject *obj;
  guint i;

  for (i = 0; i < 3; i++) {
    msg = upload_message (emu, TX_PATH, "k", "speech.wav", "audio/wav", wav,
        "model", "whisper-1", NULL);
    body = send_message (msg, NULL);
    h = soup_message_get_response_headers (msg);
    fail_unless_equals_string (soup_message_headers_get_one (h,
            "x-ratelimit-limit-requests"), "2");
    if (i < 2) {
      gchar *rem = g_strdup_printf ("%u", 1 - i);

      fail_unless_equals_int (soup_message_get_status (msg), 200);
      fail_unless_equals_string (soup_message_headers_get_one (h,
              "x-ratelimit-remaining-requests"), rem);
      g_free (rem);
    } else {
      fail_unless_equals_int (soup_message_get_status (msg), 429);
      fail_unless_equals_string (soup_message_headers_get_one (h,
              "x-ratelimit-remaining-requests"), "0");
      fail_unless_equals_string (soup_message_headers_get_one (h,
              "retry-after-ms"), "2500");
      fail_unless_equals_string (soup_message_headers_get_one (h,
              "retry-after"), "3");
      obj = parse_object (body);
      fail_unless_equals_string (error_member (obj, "code"),
          "rate_limit_exceeded");
      json_object_unref (obj);
    }
    g_bytes_unref (body);
    g_object_unref (msg);
  }
  g_bytes_unref (wav);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_body_too_large)
{
  SandraEmulator *emu = emu_test_start ("{\"max_body_bytes\":100000}");
  GBytes *wav = load_fixture (SPEECH_WAV), *body;
  SoupMessage *msg;
  JsonObject *obj, *rec;

  msg = upload_message (emu, TX_PATH, "k", "speech.wav", "audio/wav", wav,
      "model", "whisper-1", NULL);
  body = send_message (msg, NULL);
  fail_unless_equals_int (soup_message_get_status (msg), 413);
  obj = parse_object (body);
  fail_unless (strstr (error_member (obj, "message"), "100000") != NULL);
  json_object_unref (obj);
  rec = sandra_emulator_dup_request (emu, 0);
  fail_unless_equals_int (json_object_get_int_member (rec, "status"), 413);
  json_object_unref (rec);
  g_bytes_unref (body);
  g_object_unref (msg);
  g_bytes_unref (wav);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_unauthorized)
{
  SandraEmulator *emu = emu_test_start ("{\"api_keys\":[\"sk-good\"]}");
  JsonObject *obj, *rec, *auth;
  guint status;

  obj = transcribe (emu, NULL, &status, "model", "whisper-1", NULL);
  fail_unless_equals_int (status, 401);
  fail_unless_equals_string (error_member (obj, "type"),
      "invalid_request_error");
  json_object_unref (obj);

  obj = transcribe (emu, "sk-bad", &status, "model", "whisper-1", NULL);
  fail_unless_equals_int (status, 401);
  fail_unless_equals_string (error_member (obj, "code"), "invalid_api_key");
  fail_unless (strstr (error_member (obj, "message"), "sk-bad") == NULL);
  json_object_unref (obj);

  rec = sandra_emulator_dup_request (emu, 0);
  auth = json_object_get_object_member (rec, "auth");
  fail_if (json_object_get_boolean_member (auth, "present"));
  json_object_unref (rec);
  rec = sandra_emulator_dup_request (emu, 1);
  auth = json_object_get_object_member (rec, "auth");
  fail_unless (json_object_get_boolean_member (auth, "present"));
  fail_if (json_object_get_boolean_member (auth, "valid"));
  json_object_unref (rec);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static void
expect_rejection (SandraEmulator * emu, const gchar * path,
    const gchar * filename, const gchar * ctype, gboolean with_file,
    const gchar * param, const gchar * first_field, ...)
{
  GBytes *wav = load_fixture (SPEECH_WAV), *body;
  const gchar *names[6] = { NULL, }, *values[6] = { NULL, };
  const gchar *name = first_field;
  SoupMessage *msg;
  JsonObject *obj;
  guint n = 0;
  va_list ap;

  va_start (ap, first_field);
  while (name && n < 6) {
    names[n] = name;
    values[n++] = va_arg (ap, const gchar *);
    name = va_arg (ap, const gchar *);
  }
  va_end (ap);
  msg = upload_message (emu, path, "k", filename, ctype,
      with_file ? wav : NULL, names[0], values[0], names[1], values[1],
      names[2], values[2], names[3], values[3], NULL);
  body = send_message (msg, NULL);
  fail_unless_equals_int (soup_message_get_status (msg), 400);
  obj = parse_object (body);
  fail_unless_equals_string (error_member (obj, "type"),
      "invalid_request_error");
  fail_unless_equals_string (error_member (obj, "param"), param);
  fail_unless (error_member (obj, "message") != NULL);
  json_object_unref (obj);
  g_bytes_unref (body);
  g_object_unref (msg);
  g_bytes_unref (wav);
}

GST_START_TEST (test_schema_rejections)
{
  SandraEmulator *emu = emu_test_start ("{\"transcription\":{\"replies\":["
      "{\"text\":\"first valid\"}]}}");
  JsonObject *obj;
  guint status;
  const gchar *tr = "/v1/audio/translations";

  expect_rejection (emu, TX_PATH, "a.wav", "audio/wav", TRUE, "model",
      "model", "whisper-2", NULL);
  expect_rejection (emu, TX_PATH, "a.wav", "audio/wav", TRUE, "model",
      "language", "en", NULL);
  expect_rejection (emu, TX_PATH, "a.wav", "audio/wav", TRUE, "stream",
      "model", "whisper-1", "stream", "true", NULL);
  expect_rejection (emu, TX_PATH, "a.wav", "audio/wav", FALSE, "file",
      "model", "whisper-1", NULL);
  expect_rejection (emu, TX_PATH, "a.wav", "audio/wav", TRUE,
      "response_format", "model", "gpt-4o-transcribe", "response_format",
      "verbose_json", NULL);
  expect_rejection (emu, TX_PATH, "a.wav", "audio/wav", TRUE, "temperature",
      "model", "whisper-1", "temperature", "1.5", NULL);
  expect_rejection (emu, TX_PATH, "a.wav", "audio/wav", TRUE, "language",
      "model", "whisper-1", "language", "english", NULL);
  expect_rejection (emu, TX_PATH, "a.txt", "text/plain", TRUE, "file",
      "model", "whisper-1", NULL);
  expect_rejection (emu, TX_PATH, "a.wav", "audio/mpeg", TRUE, "file",
      "model", "whisper-1", NULL);
  /* WAV bytes named .ogg do not start like an Ogg stream. */
  expect_rejection (emu, TX_PATH, "a.ogg", "audio/ogg", TRUE, "file",
      "model", "whisper-1", NULL);
  expect_rejection (emu, TX_PATH, "a.wav", "audio/wav", TRUE, "voice",
      "model", "whisper-1", "voice", "alloy", NULL);
  expect_rejection (emu, TX_PATH, "a.wav", "audio/wav", TRUE,
      "timestamp_granularities", "model", "whisper-1",
      "timestamp_granularities[]", "word", NULL);
  expect_rejection (emu, tr, "a.wav", "audio/wav", TRUE, "model",
      "model", "gpt-4o-transcribe", NULL);
  expect_rejection (emu, tr, "a.wav", "audio/wav", TRUE, "language",
      "model", "whisper-1", "language", "en", NULL);

  /* Rejected requests do not consume scripted replies. */
  obj = transcribe (emu, "k", &status, "model", "whisper-1",
      "temperature", "0.2", "chunking_strategy", "auto", NULL);
  fail_unless_equals_int (status, 200);
  fail_unless_equals_string (json_object_get_string_member (obj, "text"),
      "first valid");
  json_object_unref (obj);
  fail_unless_equals_int (sandra_emulator_count_requests (emu, TX_PATH), 13);
  fail_unless_equals_int (sandra_emulator_count_requests (emu, tr), 2);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_translation_and_text)
{
  SandraEmulator *emu = emu_test_start ("{\"transcription\":{\"default\":"
      "{\"text\":\"good morning\",\"language\":\"fr\"}}}");
  GBytes *wav = load_fixture (SPEECH_WAV), *body;
  SoupMessage *msg;
  JsonObject *obj;

  msg = upload_message (emu, "/v1/audio/translations", "k", "speech.wav",
      "audio/wav", wav, "model", "whisper-1", "response_format",
      "verbose_json", NULL);
  body = send_message (msg, NULL);
  fail_unless_equals_int (soup_message_get_status (msg), 200);
  obj = parse_object (body);
  fail_unless_equals_string (json_object_get_string_member (obj, "task"),
      "translate");
  fail_unless_equals_string (json_object_get_string_member (obj, "language"),
      "english");
  json_object_unref (obj);
  g_bytes_unref (body);
  g_object_unref (msg);

  msg = upload_message (emu, TX_PATH, "k", "speech.wav", "audio/x-wav", wav,
      "model", "whisper-1", "response_format", "text", NULL);
  body = send_message (msg, NULL);
  fail_unless_equals_int (soup_message_get_status (msg), 200);
  fail_unless_equals_int (g_bytes_get_size (body), strlen ("good morning\n"));
  fail_unless (memcmp (g_bytes_get_data (body, NULL), "good morning\n",
          13) == 0);
  g_bytes_unref (body);
  g_object_unref (msg);
  g_bytes_unref (wav);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_malformed_and_disconnect)
{
  SandraEmulator *emu = emu_test_start ("{\"transcription\":{\"replies\":["
      "{\"text\":\"this will be cut\",\"malformed\":true},"
      "{\"text\":\"never complete\",\"disconnect\":true},"
      "{\"text\":\"a b c\",\"malformed\":true},"
      "{\"text\":\"x y z\",\"disconnect\":true}]}}");
  GBytes *wav = load_fixture (SPEECH_WAV), *body;
  SoupMessage *msg;
  GError *err = NULL;
  JsonNode *node;
  JsonObject *rec;
  gchar *text;

  msg = upload_message (emu, TX_PATH, "k", "speech.wav", "audio/wav", wav,
      "model", "whisper-1", NULL);
  body = send_message (msg, NULL);
  fail_unless_equals_int (soup_message_get_status (msg), 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  node = json_from_string (text, &err);
  fail_unless (node == NULL && err != NULL, "body parsed: %s", text);
  g_clear_error (&err);
  g_free (text);
  g_bytes_unref (body);
  g_object_unref (msg);

  msg = upload_message (emu, TX_PATH, "k", "speech.wav", "audio/wav", wav,
      "model", "whisper-1", NULL);
  body = send_message (msg, &err);
  fail_unless (body == NULL && err != NULL,
      "a dropped connection must be a transport error");
  g_clear_error (&err);
  g_object_unref (msg);

  /* Streaming: a cut-off event and no done. */
  msg = upload_message (emu, TX_PATH, "k", "speech.wav", "audio/wav", wav,
      "model", "gpt-4o-transcribe", "stream", "true", NULL);
  body = send_message (msg, NULL);
  fail_unless (body != NULL);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  fail_unless (strstr (text, "transcript.text.done") == NULL);
  fail_unless (strstr (text, "\"delta\":\n") != NULL, "%s", text);
  g_free (text);
  g_bytes_unref (body);
  g_object_unref (msg);

  /* libsoup 3.2 hands a chunked body cut at a chunk boundary back without
   * an error: what matters is that the first delta came and no done. */
  msg = upload_message (emu, TX_PATH, "k", "speech.wav", "audio/wav", wav,
      "model", "gpt-4o-transcribe", "stream", "true", NULL);
  body = send_message (msg, &err);
  fail_unless (body != NULL || err != NULL);
  if (body) {
    text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    fail_unless (strstr (text, "\"delta\":\"x\"") != NULL, "%s", text);
    fail_unless (strstr (text, "transcript.text.done") == NULL, "%s", text);
    g_free (text);
    g_bytes_unref (body);
  }
  g_clear_error (&err);
  g_object_unref (msg);
  rec = sandra_emulator_dup_request (emu, 3);
  fail_unless (json_object_get_boolean_member_with_default (rec,
          "disconnected", FALSE));
  json_object_unref (rec);

  g_bytes_unref (wav);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static guint
http_simple (SandraEmulator * emu, const gchar * method, const gchar * path,
    const gchar * body, GBytes ** out)
{
  gchar *url = g_strdup_printf ("http://127.0.0.1:%u%s",
      sandra_emulator_get_port (emu), path);
  SoupMessage *msg = soup_message_new (method, url);
  GBytes *resp;
  guint status;

  if (body) {
    GBytes *b = g_bytes_new (body, strlen (body));

    soup_message_set_request_body_from_bytes (msg, "application/json", b);
    g_bytes_unref (b);
  }
  resp = send_message (msg, NULL);
  fail_unless (resp != NULL);
  status = soup_message_get_status (msg);
  if (out)
    *out = resp;
  else
    g_bytes_unref (resp);
  g_object_unref (msg);
  g_free (url);
  return status;
}

GST_START_TEST (test_debug_endpoints)
{
  SandraEmulator *emu = emu_test_start (NULL);
  GBytes *body;
  JsonObject *obj;
  JsonNode *node;
  JsonArray *arr;
  gchar *text;
  guint status;

  fail_unless_equals_int (http_simple (emu, "POST", "/__emulator/scenario",
          "{\"transcription\":{\"default\":{\"text\":\"swapped\"}}}", NULL),
      200);
  fail_unless_equals_int (http_simple (emu, "POST", "/__emulator/scenario",
          "{\"transcripton\":{}}", NULL), 400);
  obj = transcribe (emu, "k", &status, "model", "whisper-1", NULL);
  fail_unless_equals_string (json_object_get_string_member (obj, "text"),
      "swapped");
  json_object_unref (obj);

  fail_unless_equals_int (http_simple (emu, "GET", "/__emulator/requests",
          NULL, &body), 200);
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  node = json_from_string (text, NULL);
  fail_unless (node && JSON_NODE_HOLDS_ARRAY (node));
  arr = json_node_get_array (node);
  fail_unless_equals_int (json_array_get_length (arr), 1);
  obj = json_array_get_object_element (arr, 0);
  fail_unless (json_object_has_member (json_array_get_object_element
          (json_object_get_array_member (obj, "files"), 0), "data_base64"));
  json_node_unref (node);
  g_free (text);
  g_bytes_unref (body);

  fail_unless_equals_int (http_simple (emu, "POST", "/__emulator/reset",
          NULL, NULL), 200);
  fail_unless_equals_int (sandra_emulator_count_requests (emu, NULL), 0);
  fail_unless_equals_int (http_simple (emu, "GET", "/v1/nothing/here", NULL,
          NULL), 404);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* ---- Realtime transcription over WebSocket ---- */

#define GA_SESSION(td) "{\"type\":\"session.update\",\"event_id\":\"evt_up\"," \
  "\"session\":{\"type\":\"transcription\",\"audio\":{\"input\":{" \
  "\"format\":{\"type\":\"audio/pcm\",\"rate\":24000}," \
  "\"transcription\":{\"model\":\"gpt-4o-transcribe\",\"language\":\"en\"}," \
  "\"noise_reduction\":{\"type\":\"near_field\"}," \
  "\"turn_detection\":" td "}},\"include\":[]}}"

GST_START_TEST (test_rt_ga_session)
{
  SandraEmulator *emu = emu_test_start ("{\"api_keys\":[\"sk-rt\"]}");
  RtClient *c = rt_connect (emu, "sk-rt", FALSE, "intent=transcription");
  JsonObject *ev, *s, *tr;
  JsonArray *got;

  fail_unless (c->ws != NULL, "upgrade failed: %s",
      c->error ? c->error->message : "");
  /* session.created is the very first event. */
  RT_ITERATE_UNTIL (c, c->events->len > 0);
  ev = g_ptr_array_index (c->events, 0);
  fail_unless_equals_string (json_object_get_string_member (ev, "type"),
      "session.created");
  s = json_object_get_object_member (ev, "session");
  fail_unless_equals_string (json_object_get_string_member (s, "type"),
      "transcription");

  rt_send (c, GA_SESSION ("{\"type\":\"server_vad\",\"threshold\":0.6,"
          "\"silence_duration_ms\":400}"));
  ev = rt_wait (c, "session.updated");
  tr = json_object_get_object_member (json_object_get_object_member
      (json_object_get_object_member (json_object_get_object_member (ev,
                  "session"), "audio"), "input"), "transcription");
  fail_unless_equals_string (json_object_get_string_member (tr, "model"),
      "gpt-4o-transcribe");

  /* Only the fields present change. */
  rt_send (c, "{\"type\":\"session.update\",\"session\":{\"type\":"
      "\"transcription\",\"audio\":{\"input\":{\"transcription\":{\"model\":"
      "\"whisper-1\"}}}}}");
  ev = rt_wait (c, "session.updated");
  s = json_object_get_object_member (json_object_get_object_member
      (json_object_get_object_member (ev, "session"), "audio"), "input");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (s, "transcription"), "model"),
      "whisper-1");
  fail_unless (json_object_get_double_member (json_object_get_object_member
          (s, "turn_detection"), "threshold") == 0.6);

  /* A beta field on GA is an error carrying the client's event_id. */
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"evt_beta\","
      "\"session\":{\"type\":\"transcription\","
      "\"input_audio_format\":\"pcm16\"}}");
  rt_wait_error (c, "evt_beta", "unknown_parameter",
      "session.input_audio_format");
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"evt_notype\","
      "\"session\":{\"audio\":{}}}");
  rt_wait_error (c, "evt_notype", "missing_required_parameter", "session.type");
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"evt_rate\","
      "\"session\":{\"type\":\"transcription\",\"audio\":{\"input\":{"
      "\"format\":{\"type\":\"audio/pcm\",\"rate\":16000}}}}}");
  rt_wait_error (c, "evt_rate", NULL, "session.audio.input.format.rate");
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"evt_thr\","
      "\"session\":{\"type\":\"transcription\",\"audio\":{\"input\":{"
      "\"turn_detection\":{\"type\":\"server_vad\",\"threshold\":1.5}}}}}");
  rt_wait_error (c, "evt_thr", NULL,
      "session.audio.input.turn_detection.threshold");
  rt_send (c, "{\"type\":\"transcription_session.update\","
      "\"event_id\":\"evt_old\",\"session\":{}}");
  rt_wait_error (c, "evt_old", "invalid_value", "type");
  rt_send (c, "{\"type\":\"response.create\",\"event_id\":\"evt_resp\"}");
  rt_wait_error (c, "evt_resp", "invalid_value", "type");
  rt_send (c, "{\"type\":\"input_audio_buffer.append\","
      "\"event_id\":\"evt_b64\",\"audio\":\"not base64!\"}");
  rt_wait_error (c, "evt_b64", "invalid_value", "audio");
  rt_send (c, "{\"type\":\"input_audio_buffer.append\","
      "\"event_id\":\"evt_noaudio\"}");
  rt_wait_error (c, "evt_noaudio", "missing_required_parameter", "audio");
  rt_send (c, "{\"type\":\"input_audio_buffer.commit\","
      "\"event_id\":\"evt_empty\"}");
  rt_wait_error (c, "evt_empty", "input_audio_buffer_commit_empty", NULL);
  rt_send (c, "not json");
  rt_wait_error (c, NULL, "invalid_json", NULL);
  rt_send (c, "{\"type\":\"input_audio_buffer.clear\"}");
  rt_wait (c, "input_audio_buffer.cleared");

  /* The socket stays open after errors, and everything was recorded. */
  fail_unless (!c->closed);
  got = sandra_emulator_dup_ws_events (emu, "session.update");
  fail_unless_equals_int (json_array_get_length (got), 6);
  fail_unless_equals_string (json_object_get_string_member
      (json_array_get_object_element (got, 0), "event_id"), "evt_up");
  json_array_unref (got);
  got = sandra_emulator_dup_ws_server_events (emu, "error");
  fail_unless_equals_int (json_array_get_length (got), 10);
  json_array_unref (got);

  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* Whether every speech_started so far was committed. */
static gboolean
turns_balanced (SandraEmulator * emu)
{
  JsonArray *st = sandra_emulator_dup_ws_server_events (emu,
      "input_audio_buffer.speech_started");
  JsonArray *cm = sandra_emulator_dup_ws_server_events (emu,
      "input_audio_buffer.committed");
  gboolean eq = json_array_get_length (st) == json_array_get_length (cm);

  json_array_unref (st);
  json_array_unref (cm);
  return eq;
}

GST_START_TEST (test_rt_server_vad_turn)
{
  SandraEmulator *emu = emu_test_start ("{\"realtime_transcription\":{"
      "\"turns\":[{\"transcript\":\"and mister john dashwood\","
      "\"deltas\":[\"and mister\",\" john\",\" dashwood\"]}],"
      "\"default\":{\"transcript\":\"more\"}}}");
  RtClient *c = rt_connect (emu, "sk-any", FALSE, "intent=transcription");
  GBytes *audio = emu_test_speech_24k (SPEECH_WAV, 1500);
  JsonObject *started, *stopped, *committed, *ev;
  GString *text = g_string_new (NULL);
  gint64 start_ms, end_ms, total_ms;
  gchar *item;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  rt_send (c, GA_SESSION ("{\"type\":\"server_vad\",\"threshold\":0.5,"
          "\"prefix_padding_ms\":300,\"silence_duration_ms\":500}"));
  rt_wait (c, "session.updated");

  rt_append_audio (c, g_bytes_get_data (audio, NULL), g_bytes_get_size (audio));
  total_ms = g_bytes_get_size (audio) / 48;

  started = rt_wait (c, "input_audio_buffer.speech_started");
  stopped = rt_wait (c, "input_audio_buffer.speech_stopped");
  item = g_strdup (json_object_get_string_member (started, "item_id"));
  fail_unless_equals_string (json_object_get_string_member (stopped,
          "item_id"), item);
  start_ms = json_object_get_int_member (started, "audio_start_ms");
  end_ms = json_object_get_int_member (stopped, "audio_end_ms");
  fail_unless (start_ms < end_ms && end_ms <= total_ms,
      "speech %" G_GINT64_FORMAT "..%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
      " ms", start_ms, end_ms, total_ms);
  /* The fixture starts speaking right away: no long silence is skipped. */
  fail_unless (start_ms < 1000);

  committed = rt_wait (c, "input_audio_buffer.committed");
  fail_unless_equals_string (json_object_get_string_member (committed,
          "item_id"), item);
  rt_wait (c, "conversation.item.added");
  while (TRUE) {
    ev = rt_wait (c, "conversation.item.input_audio_transcription.delta");
    fail_unless_equals_string (json_object_get_string_member (ev, "item_id"),
        item);
    g_string_append (text, json_object_get_string_member (ev, "delta"));
    if (g_str_equal (text->str, "and mister john dashwood"))
      break;
  }
  ev = rt_wait (c, "conversation.item.input_audio_transcription.completed");
  fail_unless_equals_string (json_object_get_string_member (ev, "item_id"),
      item);
  fail_unless_equals_string (json_object_get_string_member (ev,
          "transcript"), "and mister john dashwood");

  /* The trailing silence ends the last turn too: every started turn stops
   * and is committed. */
  fail_unless (sandra_emulator_wait_ws_events (emu,
          "input_audio_buffer.append", g_bytes_get_size (audio) / 1920, 20000));
  RT_ITERATE_UNTIL (c, turns_balanced (emu));
  {
    JsonArray *st, *sp, *cm;

    st = sandra_emulator_dup_ws_server_events (emu,
        "input_audio_buffer.speech_started");
    sp = sandra_emulator_dup_ws_server_events (emu,
        "input_audio_buffer.speech_stopped");
    cm = sandra_emulator_dup_ws_server_events (emu,
        "input_audio_buffer.committed");
    fail_unless (json_array_get_length (st) >= 1);
    fail_unless_equals_int (json_array_get_length (st),
        json_array_get_length (sp));
    fail_unless_equals_int (json_array_get_length (sp),
        json_array_get_length (cm));
    json_array_unref (st);
    json_array_unref (sp);
    json_array_unref (cm);
  }

  g_string_free (text, TRUE);
  g_free (item);
  g_bytes_unref (audio);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_rt_beta_manual_commit)
{
  SandraEmulator *emu = emu_test_start ("{\"realtime_transcription\":{"
      "\"turns\":[{\"transcript\":\"he was not an ill disposed young man\"}]}}");
  RtClient *c = rt_connect (emu, "sk-any", TRUE, "intent=transcription");
  GBytes *audio = emu_test_speech_24k (SPEECH_WAV, 0);
  JsonObject *ev, *committed;
  JsonArray *vad;

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  /* A GA field on the beta interface is an error. */
  rt_send (c, "{\"type\":\"transcription_session.update\","
      "\"event_id\":\"evt_ga\",\"session\":{\"type\":\"transcription\"}}");
  rt_wait_error (c, "evt_ga", "unknown_parameter", "session.type");
  rt_send (c, "{\"type\":\"session.update\",\"event_id\":\"evt_s\","
      "\"session\":{}}");
  rt_wait_error (c, "evt_s", "invalid_value", "type");

  rt_send (c, "{\"type\":\"transcription_session.update\","
      "\"session\":{\"input_audio_format\":\"pcm16\","
      "\"input_audio_transcription\":{\"model\":\"whisper-1\","
      "\"language\":\"en\",\"prompt\":\"Dashwood\"},"
      "\"turn_detection\":null,\"input_audio_noise_reduction\":null}}");
  ev = rt_wait (c, "transcription_session.updated");
  fail_unless (json_object_get_null_member (json_object_get_object_member
          (ev, "session"), "turn_detection"));

  /* 2 s of speech, with no VAD: nothing happens until the commit. */
  rt_append_audio (c, g_bytes_get_data (audio, NULL), 24000 * 2 * 2);
  rt_send (c, "{\"type\":\"input_audio_buffer.commit\","
      "\"event_id\":\"evt_commit\"}");
  committed = rt_wait (c, "input_audio_buffer.committed");
  ev = rt_wait (c, "conversation.item.created");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (ev, "item"), "id"),
      json_object_get_string_member (committed, "item_id"));
  /* whisper-1 sends the whole transcript as one delta. */
  ev = rt_wait (c, "conversation.item.input_audio_transcription.delta");
  fail_unless_equals_string (json_object_get_string_member (ev, "delta"),
      "he was not an ill disposed young man");
  ev = rt_wait (c, "conversation.item.input_audio_transcription.completed");
  fail_unless_equals_string (json_object_get_string_member (ev,
          "transcript"), "he was not an ill disposed young man");
  fail_unless (G_APPROX_VALUE (json_object_get_double_member
          (json_object_get_object_member (ev, "usage"), "seconds"), 2.0,
          0.001));

  vad = sandra_emulator_dup_ws_server_events (emu,
      "input_audio_buffer.speech_started");
  fail_unless_equals_int (json_array_get_length (vad), 0);
  json_array_unref (vad);
  g_bytes_unref (audio);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* The speech fixture at 8 kHz through GStreamer's @encoder (mulawenc or
 * alawenc), then @silence_ms of encoded silence. */
static GBytes *
speech_g711 (const gchar * encoder, guint silence_ms)
{
  gchar *path = sandra_test_data_path (SPEECH_WAV);
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 ! "
      "%s ! appsink name=sink sync=false", path, encoder);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GByteArray *out = g_byte_array_new ();
  /* G.711 silence: the code of a zero sample. */
  guint8 zero = g_str_equal (encoder, "mulawenc") ? 0xff : 0xd5;
  GstSample *sample;
  guint i;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo map;

    gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  fail_unless (out->len > 8000, "%s produced no audio", encoder);
  for (i = 0; i < 8 * silence_ms; i++)
    g_byte_array_append (out, &zero, 1);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
  return g_byte_array_free_to_bytes (out);
}

/* G.711 input: the VAD decodes it, and times count 8 bytes a millisecond. */
static void
check_g711 (gboolean beta, const gchar * encoder)
{
  SandraEmulator *emu = emu_test_start (NULL);
  RtClient *c = rt_connect (emu, "k", beta, "intent=transcription");
  GBytes *audio = speech_g711 (encoder, 1500);
  gboolean ulaw = g_str_equal (encoder, "mulawenc");
  gchar *update;
  JsonObject *started, *stopped;
  gsize off, n = g_bytes_get_size (audio);
  const guint8 *d = g_bytes_get_data (audio, NULL);

  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  if (beta)
    update = g_strdup_printf ("{\"type\":\"transcription_session.update\","
        "\"session\":{\"input_audio_format\":\"%s\","
        "\"input_audio_transcription\":{\"model\":\"gpt-4o-transcribe\"}}}",
        ulaw ? "g711_ulaw" : "g711_alaw");
  else
    update = g_strdup_printf ("{\"type\":\"session.update\",\"session\":{"
        "\"type\":\"transcription\",\"audio\":{\"input\":{\"format\":"
        "{\"type\":\"%s\"},\"transcription\":{\"model\":"
        "\"gpt-4o-mini-transcribe\"}}}}}", ulaw ? "audio/pcmu" : "audio/pcma");
  rt_send (c, update);
  rt_wait (c, beta ? "transcription_session.updated" : "session.updated");
  for (off = 0; off < n; off += 320) {
    gchar *b64 = g_base64_encode (d + off, MIN (320, n - off));
    gchar *ev = g_strdup_printf ("{\"type\":\"input_audio_buffer.append\","
        "\"audio\":\"%s\"}", b64);

    rt_send (c, ev);
    g_free (ev);
    g_free (b64);
  }
  started = rt_wait (c, "input_audio_buffer.speech_started");
  stopped = rt_wait (c, "input_audio_buffer.speech_stopped");
  fail_unless (json_object_get_int_member (started, "audio_start_ms") <
      json_object_get_int_member (stopped, "audio_end_ms"));
  fail_unless (json_object_get_int_member (stopped, "audio_end_ms") <=
      (gint64) n / 8);
  rt_wait (c, "input_audio_buffer.committed");
  rt_wait (c, "conversation.item.input_audio_transcription.completed");
  g_free (update);
  g_bytes_unref (audio);
  rt_free (c);
  sandra_emulator_free (emu);
}

GST_START_TEST (test_rt_g711)
{
  check_g711 (TRUE, "mulawenc");
  check_g711 (FALSE, "alawenc");
}

GST_END_TEST;

GST_START_TEST (test_rt_auth_and_scripts)
{
  SandraEmulator *emu = emu_test_start ("{\"api_keys\":[\"sk-rt\"],"
      "\"realtime_transcription\":{"
      "\"connections\":[{\"reject_status\":403},{},"
      "{\"close_after_ms\":0,\"close_code\":1001,\"close_reason\":\"going away\"}],"
      "\"turns\":[{\"error\":{\"code\":\"audio_unintelligible\","
      "\"message\":\"could not transcribe\"}},"
      "{\"disconnect\":{\"code\":1011,\"reason\":\"boom\"}}]}}");
  GBytes *audio = emu_test_speech_24k (SPEECH_WAV, 0);
  RtClient *c;
  JsonObject *ev, *rec;

  /* A bad key never gets a WebSocket: 401 on the upgrade. */
  c = rt_connect (emu, "sk-wrong", FALSE, "intent=transcription");
  fail_unless (c->ws == NULL);
  fail_unless_equals_int (c->status, 401);
  rt_free (c);
  c = rt_connect (emu, NULL, FALSE, "intent=transcription");
  fail_unless (c->ws == NULL);
  fail_unless_equals_int (c->status, 401);
  rt_free (c);

  /* Scripted connections: rejected, then normal, then closed at once. */
  c = rt_connect (emu, "sk-rt", FALSE, "intent=transcription");
  fail_unless (c->ws == NULL);
  fail_unless_equals_int (c->status, 403);
  rt_free (c);

  c = rt_connect (emu, "sk-rt", FALSE, "intent=transcription");
  fail_unless (c->ws != NULL);
  rt_wait (c, "session.created");
  rt_send (c, GA_SESSION ("null"));
  rt_wait (c, "session.updated");
  rt_append_audio (c, g_bytes_get_data (audio, NULL), 24000 * 2);
  rt_send (c, "{\"type\":\"input_audio_buffer.commit\"}");
  ev = rt_wait (c, "conversation.item.input_audio_transcription.failed");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (ev, "error"), "code"),
      "audio_unintelligible");
  rt_append_audio (c, g_bytes_get_data (audio, NULL), 24000 * 2);
  rt_send (c, "{\"type\":\"input_audio_buffer.commit\"}");
  rt_wait (c, "input_audio_buffer.committed");
  RT_ITERATE_UNTIL (c, c->closed);
  fail_unless (c->closed);
  fail_unless_equals_int (soup_websocket_connection_get_close_code (c->ws),
      1011);
  fail_unless_equals_string (soup_websocket_connection_get_close_data
      (c->ws), "boom");
  rt_free (c);

  c = rt_connect (emu, "sk-rt", FALSE, "intent=transcription");
  fail_unless (c->ws != NULL);
  RT_ITERATE_UNTIL (c, c->closed);
  fail_unless_equals_int (soup_websocket_connection_get_close_code (c->ws),
      1001);
  rt_free (c);

  /* An unknown model is refused before the upgrade. */
  c = rt_connect (emu, "sk-rt", FALSE, "model=gpt-nonexistent");
  fail_unless (c->ws == NULL);
  fail_unless_equals_int (c->status, 400);
  rt_free (c);

  rec = sandra_emulator_dup_request (emu, 0);
  fail_unless_equals_int (json_object_get_int_member (rec, "status"), 401);
  fail_unless (json_object_get_boolean_member (rec, "websocket"));
  json_object_unref (rec);

  /* A plain GET of the WebSocket path is refused by the handshake, and
   * the record says so. */
  {
    gchar *url = g_strdup_printf ("http://127.0.0.1:%u/v1/realtime?"
        "intent=transcription", sandra_emulator_get_port (emu));
    SoupMessage *msg = soup_message_new ("GET", url);
    GBytes *body;
    guint last = sandra_emulator_count_requests (emu, NULL) - 1;

    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", "Bearer sk-rt");
    body = send_message (msg, NULL);
    fail_unless_equals_int (soup_message_get_status (msg), 400);
    rec = sandra_emulator_dup_request (emu, last + 1);
    fail_unless_equals_int (json_object_get_int_member (rec, "status"), 400);
    json_object_unref (rec);
    g_bytes_unref (body);
    g_object_unref (msg);
    g_free (url);
  }
  g_bytes_unref (audio);
  sandra_emulator_free (emu);
}

GST_END_TEST;

typedef struct
{
  guint n;
  gboolean started[4];
  guint64 at_ms[4];
} VadLog;

static void
vad_logged (gboolean started, guint64 at_ms, gpointer data)
{
  VadLog *log = data;

  fail_unless (log->n < 4);
  log->started[log->n] = started;
  log->at_ms[log->n++] = at_ms;
}

/* The emulated server VAD alone, on a synthetic burst: its events land on
 * the frame grid exactly where the hangover rules put them. */
GST_START_TEST (test_energy_vad)
{
  const guint rate = 24000;
  const guint n = rate * 2;     /* 200 ms silence, 500 ms tone, 1300 silence */
  gint16 *s = g_new0 (gint16, n);
  EmuEnergyVad vad;
  VadLog log = { 0, };
  guint i;

  for (i = rate / 5; i < rate * 7 / 10; i++)
    s[i] = (gint16) (3276.0 * sin (2 * G_PI * 440.0 * i / rate));
  emu_energy_vad_init (&vad, rate, -45.0, 60, 500);
  /* Fed in uneven pieces: framing must not depend on the append size. */
  for (i = 0; i < n; i += 777)
    emu_energy_vad_process (&vad, s + i, MIN (777, n - i), vad_logged, &log);
  fail_unless_equals_int (log.n, 2);
  fail_unless (log.started[0]);
  fail_unless_equals_int (log.at_ms[0], 200);
  fail_if (log.started[1]);
  fail_unless_equals_int (log.at_ms[1], 700 + 500);
  emu_energy_vad_clear (&vad);
  g_free (s);
}

GST_END_TEST;

/* Keys in other places than Authorization (a query parameter, another
 * header, the browser-style Realtime subprotocol) stay out of the record
 * too: the record is printed and served by the debug endpoint. */
GST_START_TEST (test_record_hides_keys_everywhere)
{
  SandraEmulator *emu = sandra_emulator_new (NULL, NULL);
  gchar *url, *text;
  SoupMessage *msg;
  SoupMessageHeaders *h;
  GBytes *resp;
  JsonArray *all;
  JsonNode *n;
  JsonObject *rec;

  fail_unless (sandra_emulator_start (emu, 0, NULL));
  url = g_strdup_printf ("http://127.0.0.1:%u/v1/models?xi_api_key="
      "SECRET-Q1&Key=SECRET-Q2&model=m", sandra_emulator_get_port (emu));
  msg = soup_message_new ("GET", url);
  h = soup_message_get_request_headers (msg);
  soup_message_headers_replace (h, "x-api-key", "SECRET-H1");
  soup_message_headers_replace (h, "Cookie", "session=SECRET-H2");
  soup_message_headers_replace (h, "Sec-WebSocket-Protocol",
      "realtime, openai-insecure-api-key.SECRET-P1");
  resp = send_message (msg, NULL);
  fail_unless (resp != NULL);

  all = sandra_emulator_dup_requests (emu);
  n = json_node_new (JSON_NODE_ARRAY);
  json_node_set_array (n, all);
  text = json_to_string (n, FALSE);
  fail_if (strstr (text, "SECRET") != NULL, "%s", text);
  /* what is not a key is kept */
  rec = json_array_get_object_element (all, 0);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (rec, "query"), "model"), "m");
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (rec, "headers"),
          "sec-websocket-protocol"),
      "realtime, openai-insecure-api-key.REDACTED");
  g_free (text);
  json_node_unref (n);
  json_array_unref (all);
  g_bytes_unref (resp);
  g_object_unref (msg);
  g_free (url);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static Suite *
emulator_suite (void)
{
  Suite *s = suite_create ("emulator");
  TCase *tc = tcase_create ("http");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_json_reply_and_record);
  tcase_add_test (tc, test_verbose_json);
  tcase_add_test (tc, test_sse_stream);
  tcase_add_test (tc, test_scripted_order_and_errors);
  tcase_add_test (tc, test_rate_limit);
  tcase_add_test (tc, test_body_too_large);
  tcase_add_test (tc, test_unauthorized);
  tcase_add_test (tc, test_record_hides_keys_everywhere);
  tcase_add_test (tc, test_schema_rejections);
  tcase_add_test (tc, test_translation_and_text);
  tcase_add_test (tc, test_malformed_and_disconnect);
  tcase_add_test (tc, test_debug_endpoints);

  tc = tcase_create ("realtime");
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_energy_vad);
  tcase_add_test (tc, test_rt_ga_session);
  tcase_add_test (tc, test_rt_server_vad_turn);
  tcase_add_test (tc, test_rt_beta_manual_commit);
  tcase_add_test (tc, test_rt_g711);
  tcase_add_test (tc, test_rt_auth_and_scripts);
  return s;
}

GST_CHECK_MAIN (emulator);
