/* gst-sandra: tests of the emulated ElevenLabs endpoints, driven by a plain
 * libsoup client
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <libsoup/soup.h>
#include <string.h>

#include "sandra-emulator.h"
#include "test-util.h"

#define VOICE "21m00Tcm4TlvDq8ikWAM"

static SandraEmulator *
start_emulator (const gchar * scenario)
{
  GError *err = NULL;
  SandraEmulator *emu = sandra_emulator_new (scenario, &err);

  fail_unless (emu != NULL, "scenario rejected: %s", err ? err->message : "");
  sandra_emulator_set_verbose (emu, g_getenv ("EMU_VERBOSE") != NULL);
  fail_unless (sandra_emulator_start (emu, 0, &err), "start: %s",
      err ? err->message : "");
  return emu;
}

/* POSTs @body to /v1/text-to-speech/@voice/@rest?@query. */
static GBytes *
post_tts (SandraEmulator * emu, const gchar * key, const gchar * voice,
    const gchar * rest, const gchar * query, const gchar * body,
    guint * status, gchar ** ctype)
{
  SoupSession *session = soup_session_new ();
  gchar *url = g_strdup_printf ("%s/text-to-speech/%s%s%s?%s",
      sandra_emulator_get_base_url (emu), voice, *rest ? "/" : "", rest,
      query);
  SoupMessage *msg = soup_message_new ("POST", url);
  GBytes *req = g_bytes_new (body, strlen (body)), *out;
  GError *err = NULL;

  if (key)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "xi-api-key", key);
  soup_message_set_request_body_from_bytes (msg, "application/json", req);
  out = soup_session_send_and_read (session, msg, NULL, &err);
  fail_unless (out != NULL, "request failed: %s", err ? err->message : "");
  *status = soup_message_get_status (msg);
  if (ctype)
    *ctype = g_strdup (soup_message_headers_get_content_type
        (soup_message_get_response_headers (msg), NULL));
  g_bytes_unref (req);
  g_object_unref (msg);
  g_object_unref (session);
  g_free (url);
  return out;
}

static JsonObject *
parse_object (GBytes * b)
{
  gchar *s = g_strndup (g_bytes_get_data (b, NULL), g_bytes_get_size (b));
  JsonNode *n = json_from_string (s, NULL);
  JsonObject *o;

  fail_unless (n && JSON_NODE_HOLDS_OBJECT (n), "not a JSON object: %s", s);
  o = json_object_ref (json_node_get_object (n));
  json_node_unref (n);
  g_free (s);
  return o;
}

static const gchar *
detail_status (JsonObject * o)
{
  return json_object_get_string_member (json_object_get_object_member (o,
          "detail"), "status");
}

GST_START_TEST (test_http_stream_pcm)
{
  SandraEmulator *emu =
      start_emulator ("{\"elevenlabs\":{\"ms_per_char\":70}}");
  const gchar *text = "Hello there, how are you today?";
  gchar *body = g_strdup_printf ("{\"text\":\"%s\",\"model_id\":"
      "\"eleven_flash_v2_5\",\"voice_settings\":{\"stability\":0.4,"
      "\"speed\":1.0}}", text);
  guint status;
  GBytes *audio = post_tts (emu, "xi-local", VOICE, "stream",
      "output_format=pcm_16000", body, &status, NULL);
  gsize n = g_bytes_get_size (audio) / 2;
  gdouble seconds = n / 16000.0;
  JsonObject *rec;

  fail_unless_equals_int (status, 200);
  /* about 70 ms a character, longer pauses at punctuation */
  fail_unless (seconds > strlen (text) * 0.05 && seconds < strlen (text) *
      0.2, "%f s of audio", seconds);
  fail_unless (sandra_test_rms_dbfs (g_bytes_get_data (audio, NULL),
          n) > -40.0);
  rec = sandra_emulator_dup_request (emu, 0);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (rec, "body"), "text"), text);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (rec, "headers"), "xi-api-key"),
      "REDACTED");
  json_object_unref (rec);
  g_bytes_unref (audio);
  g_free (body);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_http_with_timestamps)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"chunk_ms\":300}}");
  guint status, lines = 0, chars = 0;
  gdouble last_end = 0;
  gsize audio_bytes = 0;
  GBytes *out = post_tts (emu, "k", VOICE, "stream/with-timestamps",
      "output_format=pcm_24000", "{\"text\":\"One two three four five.\"}",
      &status, NULL);
  gchar *s = g_strndup (g_bytes_get_data (out, NULL), g_bytes_get_size (out));
  gchar **l, **split = g_strsplit (s, "\n", -1);

  fail_unless_equals_int (status, 200);
  for (l = split; *l; l++) {
    JsonNode *n;
    JsonObject *o, *al;
    JsonArray *c, *st, *en;
    guchar *raw;
    gsize len;
    guint i;

    if (**l == '\0')
      continue;
    n = json_from_string (*l, NULL);
    fail_unless (n != NULL);
    o = json_node_get_object (n);
    raw = g_base64_decode (json_object_get_string_member (o, "audio_base64"),
        &len);
    audio_bytes += len;
    g_free (raw);
    al = json_object_get_object_member (o, "alignment");
    c = json_object_get_array_member (al, "characters");
    st = json_object_get_array_member (al, "character_start_times_seconds");
    en = json_object_get_array_member (al, "character_end_times_seconds");
    fail_unless_equals_int (json_array_get_length (c),
        json_array_get_length (st));
    for (i = 0; i < json_array_get_length (c); i++) {
      /* contiguous, cumulative from the request's first sample */
      fail_unless (fabs (json_array_get_double_element (st, i) - last_end) <
          1e-6);
      last_end = json_array_get_double_element (en, i);
      chars++;
    }
    lines++;
    json_node_unref (n);
  }
  fail_unless (lines > 1, "%u pieces", lines);
  fail_unless_equals_int (chars, strlen ("One two three four five."));
  /* the timings cover exactly the audio */
  fail_unless (fabs (audio_bytes / 48000.0 - last_end) < 0.002,
      "%f s of audio, alignment ends at %f", audio_bytes / 48000.0, last_end);
  g_strfreev (split);
  g_free (s);
  g_bytes_unref (out);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_http_formats)
{
  SandraEmulator *emu = start_emulator (NULL);
  guint status;
  gchar *ctype = NULL;
  GBytes *out;
  JsonObject *o;

  out = post_tts (emu, "k", VOICE, "stream", "output_format=opus_48000_64",
      "{\"text\":\"Opus please.\"}", &status, &ctype);
  fail_unless_equals_int (status, 200);
  fail_unless (g_bytes_get_size (out) > 4 &&
      memcmp (g_bytes_get_data (out, NULL), "OggS", 4) == 0);
  fail_unless_equals_string (ctype, "audio/ogg");
  g_free (ctype);
  g_bytes_unref (out);

  out = post_tts (emu, "k", VOICE, "stream", "output_format=ulaw_8000",
      "{\"text\":\"Telephone.\"}", &status, NULL);
  fail_unless_equals_int (status, 200);
  /* one byte a sample, 8 kHz: ten characters, well under two seconds */
  fail_unless (g_bytes_get_size (out) > 4000 && g_bytes_get_size (out) < 16000);
  g_bytes_unref (out);

  out = post_tts (emu, "k", VOICE, "stream", "output_format=mp3_44100_128",
      "{\"text\":\"MP3.\"}", &status, NULL);
  fail_unless_equals_int (status, 400);
  o = parse_object (out);
  fail_unless_equals_string (detail_status (o), "unsupported_output_format");
  json_object_unref (o);
  g_bytes_unref (out);

  out = post_tts (emu, "k", VOICE, "stream", "output_format=pcm_12345",
      "{\"text\":\"x\"}", &status, NULL);
  fail_unless_equals_int (status, 422);
  g_bytes_unref (out);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_http_errors)
{
  SandraEmulator *emu = start_emulator ("{\"api_keys\":[\"good\"],"
      "\"elevenlabs\":{\"max_characters\":20,\"requests\":[{\"status\":429,"
      "\"detail\":{\"status\":\"too_many_concurrent_requests\",\"message\":"
      "\"busy\"}}]}}");
  guint status;
  GBytes *out;
  JsonObject *o, *d;

  out = post_tts (emu, "bad", VOICE, "stream", "output_format=pcm_16000",
      "{\"text\":\"x\"}", &status, NULL);
  fail_unless_equals_int (status, 401);
  o = parse_object (out);
  fail_unless_equals_string (detail_status (o), "invalid_api_key");
  json_object_unref (o);
  g_bytes_unref (out);

  out = post_tts (emu, "good", "nosuchvoice", "stream",
      "output_format=pcm_16000", "{\"text\":\"x\"}", &status, NULL);
  fail_unless_equals_int (status, 400);
  o = parse_object (out);
  fail_unless_equals_string (detail_status (o), "voice_not_found");
  json_object_unref (o);
  g_bytes_unref (out);

  out = post_tts (emu, "good", VOICE, "stream", "output_format=pcm_16000",
      "{\"text\":\"x\",\"voice_settings\":{\"stability\":3}}", &status, NULL);
  fail_unless_equals_int (status, 422);
  o = parse_object (out);
  d = json_array_get_object_element (json_object_get_array_member (o,
          "detail"), 0);
  fail_unless_equals_string (json_array_get_string_element
      (json_object_get_array_member (d, "loc"), 2), "stability");
  json_object_unref (o);
  g_bytes_unref (out);

  out = post_tts (emu, "good", VOICE, "stream", "output_format=pcm_16000",
      "{\"text\":\"x\",\"speling\":1}", &status, NULL);
  fail_unless_equals_int (status, 422);
  g_bytes_unref (out);

  out = post_tts (emu, "good", VOICE, "stream", "output_format=pcm_16000",
      "{\"text\":\"this text is longer than twenty characters\"}", &status,
      NULL);
  fail_unless_equals_int (status, 400);
  o = parse_object (out);
  fail_unless_equals_string (detail_status (o), "max_character_limit_exceeded");
  json_object_unref (o);
  g_bytes_unref (out);

  /* the scripted 429, then a normal answer */
  out = post_tts (emu, "good", VOICE, "stream", "output_format=pcm_16000",
      "{\"text\":\"short\"}", &status, NULL);
  fail_unless_equals_int (status, 429);
  o = parse_object (out);
  fail_unless_equals_string (detail_status (o), "too_many_concurrent_requests");
  json_object_unref (o);
  g_bytes_unref (out);
  out = post_tts (emu, "good", VOICE, "stream", "output_format=pcm_16000",
      "{\"text\":\"short\"}", &status, NULL);
  fail_unless_equals_int (status, 200);
  g_bytes_unref (out);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* ---- WebSocket ---- */

typedef struct
{
  GMainContext *ctx;
  SoupWebsocketConnection *ws;
  GPtrArray *received;          /* JsonObject * */
  gboolean closed;
  gushort close_code;
  GError *error;
} WsClient;

static void
ws_message (SoupWebsocketConnection * ws, gint type, GBytes * data,
    WsClient * c)
{
  gchar *s = g_strndup (g_bytes_get_data (data, NULL),
      g_bytes_get_size (data));
  JsonNode *n = json_from_string (s, NULL);

  fail_unless (n && JSON_NODE_HOLDS_OBJECT (n));
  g_ptr_array_add (c->received, json_object_ref (json_node_get_object (n)));
  json_node_unref (n);
  g_free (s);
}

static void
ws_closed (SoupWebsocketConnection * ws, WsClient * c)
{
  c->closed = TRUE;
  c->close_code = soup_websocket_connection_get_close_code (ws);
}

static void
ws_connected (GObject * src, GAsyncResult * res, gpointer data)
{
  WsClient *c = data;

  c->ws = soup_session_websocket_connect_finish (SOUP_SESSION (src), res,
      &c->error);
  if (c->ws == NULL)
    c->closed = TRUE;
}

static WsClient *
ws_connect (SandraEmulator * emu, const gchar * path_query, const gchar * key)
{
  WsClient *c = g_new0 (WsClient, 1);
  SoupSession *session;
  gchar *url = g_strdup_printf ("ws://127.0.0.1:%u/v1/text-to-speech/%s",
      sandra_emulator_get_port (emu), path_query);
  SoupMessage *msg = soup_message_new ("GET", url);

  c->ctx = g_main_context_new ();
  /* A session belongs to the context that is current when it is made. */
  g_main_context_push_thread_default (c->ctx);
  session = soup_session_new ();
  c->received = g_ptr_array_new_with_free_func ((GDestroyNotify)
      json_object_unref);
  if (key)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "xi-api-key", key);
  soup_session_websocket_connect_async (session, msg, NULL, NULL, 0, NULL,
      ws_connected, c);
  while (c->ws == NULL && !c->closed)
    g_main_context_iteration (c->ctx, TRUE);
  /* The connection attaches its sources lazily to the thread-default
   * context: it stays pushed until ws_free(). */
  fail_unless (c->ws != NULL, "connect: %s", c->error ? c->error->message : "");
  g_signal_connect (c->ws, "message", G_CALLBACK (ws_message), c);
  g_signal_connect (c->ws, "closed", G_CALLBACK (ws_closed), c);
  g_object_unref (msg);
  g_object_unref (session);
  g_free (url);
  return c;
}

static void
ws_send (WsClient * c, const gchar * text)
{
  soup_websocket_connection_send_text (c->ws, text);
}

static guint
count_received (WsClient * c, const gchar * member, const gchar * context)
{
  guint i, n = 0;

  for (i = 0; i < c->received->len; i++) {
    JsonObject *o = g_ptr_array_index (c->received, i);
    JsonNode *m = json_object_get_member (o, member);

    if (m == NULL || JSON_NODE_HOLDS_NULL (m))
      continue;
    if (context && g_strcmp0 (json_object_get_string_member_with_default (o,
                "contextId", NULL), context) != 0)
      continue;
    n++;
  }
  return n;
}

/* Iterates until @member was received @count times (or the socket closed). */
static void
ws_wait (WsClient * c, const gchar * member, guint count)
{
  while (!c->closed && (member == NULL || count_received (c, member,
              NULL) < count))
    g_main_context_iteration (c->ctx, TRUE);
}

static void
ws_free (WsClient * c)
{
  if (!c->closed) {
    soup_websocket_connection_close (c->ws, 1000, NULL);
    while (!c->closed)
      g_main_context_iteration (c->ctx, TRUE);
  }
  g_clear_object (&c->ws);
  g_ptr_array_unref (c->received);
  g_clear_error (&c->error);
  while (g_main_context_iteration (c->ctx, FALSE));
  g_main_context_pop_thread_default (c->ctx);
  g_main_context_unref (c->ctx);
  g_free (c);
}

GST_START_TEST (test_ws_stream_input)
{
  SandraEmulator *emu = start_emulator (NULL);
  WsClient *c = ws_connect (emu, VOICE "/stream-input?model_id="
      "eleven_flash_v2_5&output_format=pcm_16000", "k");
  gsize total = 0;
  guint i;

  ws_send (c, "{\"text\":\" \",\"voice_settings\":{\"speed\":1.1},"
      "\"generation_config\":{\"chunk_length_schedule\":[50]}}");
  ws_send (c, "{\"text\":\"Hello world, this is a streamed sentence. \"}");
  ws_send (c, "{\"text\":\"\"}");
  ws_wait (c, NULL, 0);
  fail_unless_equals_int (c->close_code, 1000);
  fail_unless_equals_int (count_received (c, "isFinal", NULL), 1);
  for (i = 0; i < c->received->len; i++) {
    JsonObject *o = g_ptr_array_index (c->received, i);
    guchar *raw;
    gsize len;

    if (!json_object_has_member (o, "audio"))
      continue;
    raw = g_base64_decode (json_object_get_string_member (o, "audio"), &len);
    total += len;
    g_free (raw);
  }
  fail_unless (total / 32000.0 > 1.0, "%f s", total / 32000.0);
  ws_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_ws_chunk_length_schedule)
{
  SandraEmulator *emu = start_emulator (NULL);
  WsClient *c = ws_connect (emu, VOICE "/multi-stream-input?model_id="
      "eleven_flash_v2_5&output_format=pcm_16000", "k");
  GString *spoken = g_string_new (NULL);
  guint done = 0;

  /* 58 characters, no flush: a schedule of 50 generates on its own, up to
   * the last space */
  ws_send (c, "{\"text\":\" \",\"context_id\":\"s\",\"generation_config\":"
      "{\"chunk_length_schedule\":[50]}}");
  ws_send (c, "{\"text\":\"The schedule decides when this text is spoken "
      "without a flush\",\"context_id\":\"s\"}");
  /* generation continues while messages arrive: read until it is all
   * there (a socket closed early ends the wait and fails below) */
  while (!c->closed && !g_str_has_suffix (spoken->str, "without a ")) {
    ws_wait (c, "audio", done + 1);
    for (; done < c->received->len; done++) {
      JsonObject *o = g_ptr_array_index (c->received, done);
      JsonArray *chars = json_object_get_array_member
          (json_object_get_object_member (o, "alignment"), "chars");
      guint j;

      for (j = 0; j < json_array_get_length (chars); j++)
        g_string_append (spoken, json_array_get_string_element (chars, j));
    }
  }
  /* "flush" stays in the buffer until more text or a flush comes */
  fail_unless_equals_string (spoken->str, "The schedule decides when this "
      "text is spoken without a ");
  g_string_free (spoken, TRUE);
  ws_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* With "normalize", the voice says written words its own way and the
 * alignment (both members) spells what it said, whitespace collapsed. */
GST_START_TEST (test_ws_normalize)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"normalize\":"
      "{\"words\":{\"42\":\"forty two\",\"Dr.\":\"Doctor\",\"\\u2014\":\"\"}}}}");
  WsClient *c = ws_connect (emu, VOICE "/multi-stream-input?model_id="
      "eleven_flash_v2_5&output_format=pcm_16000", "k");
  GString *said = g_string_new (NULL), *norm = g_string_new (NULL);
  GError *err = NULL;
  guint i;

  ws_send (c, "{\"text\":\" \",\"context_id\":\"n\"}");
  ws_send (c, "{\"text\":\"Dr.  Lee \\u2014 has 42,   I think. \","
      "\"context_id\":\"n\",\"flush\":true}");
  ws_send (c, "{\"context_id\":\"n\",\"close_context\":true}");
  ws_wait (c, "isFinal", 1);
  for (i = 0; i < c->received->len; i++) {
    JsonObject *o = g_ptr_array_index (c->received, i);
    JsonArray *a, *b;
    guint j;

    if (!json_object_has_member (o, "audio"))
      continue;
    a = json_object_get_array_member (json_object_get_object_member (o,
            "alignment"), "chars");
    b = json_object_get_array_member (json_object_get_object_member (o,
            "normalizedAlignment"), "chars");
    for (j = 0; j < json_array_get_length (a); j++)
      g_string_append (said, json_array_get_string_element (a, j));
    for (j = 0; j < json_array_get_length (b); j++)
      g_string_append (norm, json_array_get_string_element (b, j));
  }
  fail_unless_equals_string (said->str, "Doctor Lee has forty two, I think. ");
  fail_unless_equals_string (norm->str, said->str);
  g_string_free (said, TRUE);
  g_string_free (norm, TRUE);
  ws_free (c);
  sandra_emulator_free (emu);

  /* spoken forms are strings */
  fail_unless (sandra_emulator_new ("{\"elevenlabs\":{\"normalize\":"
          "{\"words\":{\"42\":42}}}}", &err) == NULL);
  fail_unless (strstr (err->message, "normalize.words") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  fail_unless (sandra_emulator_new ("{\"elevenlabs\":{\"normalize\":"
          "{\"numbers\":true}}}", &err) == NULL);
  g_clear_error (&err);
}

GST_END_TEST;

GST_START_TEST (test_ws_multi_contexts)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"max_contexts\":2,"
      "\"inactivity_timeout_ms\":60000}}");
  WsClient *c = ws_connect (emu, VOICE "/multi-stream-input?model_id="
      "eleven_flash_v2_5&output_format=pcm_22050", "k");

  ws_send (c, "{\"text\":\" \",\"context_id\":\"a\"}");
  ws_send (c, "{\"text\":\"First context. \",\"context_id\":\"a\","
      "\"flush\":true}");
  ws_send (c, "{\"context_id\":\"a\",\"close_context\":true}");
  ws_wait (c, "isFinal", 1);
  fail_unless (count_received (c, "audio", "a") > 0);
  fail_unless_equals_int (count_received (c, "isFinal", "a"), 1);

  /* a closed context frees its place: two more fit, a third does not */
  ws_send (c, "{\"text\":\" \",\"context_id\":\"b\"}");
  ws_send (c, "{\"text\":\" \",\"context_id\":\"c\"}");
  ws_send (c, "{\"text\":\"Too many. \",\"context_id\":\"d\"}");
  ws_wait (c, NULL, 0);
  fail_unless_equals_int (c->close_code, 1008);
  fail_unless_equals_int (count_received (c, "error", NULL), 1);
  fail_unless_equals_string (json_object_get_string_member
      (g_ptr_array_index (c->received, c->received->len - 1), "error"),
      "max_active_conversations");
  ws_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_ws_errors)
{
  SandraEmulator *emu = start_emulator ("{\"api_keys\":[\"good\"],"
      "\"elevenlabs\":{\"inactivity_timeout_ms\":200}}");
  WsClient *c;

  /* inactivity */
  c = ws_connect (emu, VOICE "/multi-stream-input?model_id=eleven_flash_v2_5"
      "&output_format=pcm_16000", "good");
  ws_send (c, "{\"text\":\" \",\"context_id\":\"a\"}");
  ws_wait (c, NULL, 0);
  fail_unless_equals_int (c->close_code, 1008);
  fail_unless_equals_string (json_object_get_string_member
      (g_ptr_array_index (c->received, 0), "error"), "input_timeout_exceeded");
  ws_free (c);

  /* a bad key, in the first message */
  c = ws_connect (emu, VOICE "/stream-input?model_id=eleven_flash_v2_5"
      "&output_format=pcm_16000", NULL);
  ws_send (c, "{\"text\":\" \",\"xi_api_key\":\"bad\"}");
  ws_wait (c, NULL, 0);
  fail_unless_equals_int (c->close_code, 1008);
  fail_unless_equals_string (json_object_get_string_member
      (g_ptr_array_index (c->received, 0), "error"), "invalid_api_key");
  ws_free (c);

  /* an unknown voice */
  c = ws_connect (emu, "nobody/stream-input?model_id=eleven_flash_v2_5"
      "&output_format=pcm_16000", "good");
  ws_wait (c, NULL, 0);
  fail_unless_equals_string (json_object_get_string_member
      (g_ptr_array_index (c->received, 0), "error"), "voice_not_found");
  ws_free (c);

  /* pcm_48000 is HTTP only */
  c = ws_connect (emu, VOICE "/stream-input?model_id=eleven_flash_v2_5"
      "&output_format=pcm_48000", "good");
  ws_wait (c, NULL, 0);
  fail_unless_equals_string (json_object_get_string_member
      (g_ptr_array_index (c->received, 0), "error"), "invalid_output_format");
  ws_free (c);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static Suite *
emulator_elevenlabs_suite (void)
{
  Suite *s = suite_create ("emulator-elevenlabs");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_http_stream_pcm);
  tcase_add_test (tc, test_http_with_timestamps);
  tcase_add_test (tc, test_http_formats);
  tcase_add_test (tc, test_http_errors);
  tcase_add_test (tc, test_ws_stream_input);
  tcase_add_test (tc, test_ws_chunk_length_schedule);
  tcase_add_test (tc, test_ws_multi_contexts);
  tcase_add_test (tc, test_ws_normalize);
  tcase_add_test (tc, test_ws_errors);
  return s;
}

GST_CHECK_MAIN (emulator_elevenlabs);
