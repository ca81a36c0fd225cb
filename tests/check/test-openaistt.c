/* openaistt against the in-process emulator.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsink.h>
#include <string.h>
#include <glib/gstdio.h>

#include "sandra-emulator.h"
#include "sandra-events.h"
#include "test-util.h"
#include "sandra-tcp-proxy.h"

#define RATE 16000
#define KEY "sk-test-4f9a1c"
#define CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=16000,channels=1"
#define TRANSCRIPTIONS "/v1/audio/transcriptions"

static GBytes *speech;          /* 16 kHz mono real speech */

static void
setup (void)
{
  g_unsetenv ("OPENAI_API_KEY");
  g_unsetenv ("OPENAI_BASE_URL");
  speech = sandra_test_load_audio ("librivox-0870-16k.wav", RATE, 1);
}

static void
teardown (void)
{
  g_clear_pointer (&speech, g_bytes_unref);
}

static SandraEmulator *
emulator_new (const gchar * scenario)
{
  GError *err = NULL;
  SandraEmulator *emu = sandra_emulator_new (scenario, &err);

  fail_unless (emu != NULL, "bad scenario: %s", err ? err->message : "?");
  if (g_getenv ("SANDRA_EMULATOR_VERBOSE"))
    sandra_emulator_set_verbose (emu, TRUE);
  fail_unless (sandra_emulator_start (emu, 0, &err), "emulator: %s",
      err ? err->message : "?");
  return emu;
}

typedef struct
{
  GstHarness *h;
  GstBus *bus;
  guint64 pos;                  /* samples pushed */
} Stt;

static Stt *
stt_new (SandraEmulator * emu, const gchar * first_prop, ...)
{
  Stt *s = g_new0 (Stt, 1);
  GstElement *e = gst_element_factory_make ("openaistt", NULL);
  va_list args;

  fail_unless (e != NULL);
  g_object_set (e, "base-url", sandra_emulator_get_base_url (emu),
      "api-key", KEY, NULL);
  va_start (args, first_prop);
  if (first_prop)
    g_object_set_valist (G_OBJECT (e), first_prop, args);
  va_end (args);
  s->bus = gst_bus_new ();
  gst_element_set_bus (e, s->bus);
  s->h = gst_harness_new_with_element (e, "sink", "src");
  gst_object_unref (e);
  gst_harness_set_src_caps_str (s->h, CAPS);
  return s;
}

static void
stt_free (Stt * s)
{
  if (s->h)
    gst_harness_teardown (s->h);
  gst_bus_set_flushing (s->bus, TRUE);
  gst_object_unref (s->bus);
  g_free (s);
}

/* Pushes @ms of audio: speech from the fixture (looping) or silence. */
static void
push_audio (Stt * s, guint ms, gboolean is_speech)
{
  gsize n_fixture;
  const gint16 *fixture = g_bytes_get_data (speech, &n_fixture);
  guint64 n = (guint64) ms * RATE / 1000, done = 0;

  n_fixture /= 2;
  while (done < n) {
    gsize chunk = MIN (320, n - done), i;
    gint16 *buf = g_new0 (gint16, chunk);

    if (is_speech)
      for (i = 0; i < chunk; i++)
        buf[i] = fixture[(s->pos + i) % n_fixture];
    fail_unless_equals_int (gst_harness_push (s->h,
            sandra_test_audio_buffer (buf, chunk, RATE, 1, s->pos)),
        GST_FLOW_OK);
    g_free (buf);
    s->pos += chunk;
    done += chunk;
  }
}

static GstClockTime
now_pts (Stt * s)
{
  return gst_util_uint64_scale_int (s->pos, GST_SECOND, RATE);
}

static void
push_vad (Stt * s, SandraVadBoundary boundary, GstClockTime ts)
{
  SandraVadInfo info = { boundary, ts, ts, ts, GST_CLOCK_TIME_NONE, 0.9 };

  fail_unless (gst_harness_push_event (s->h, sandra_vad_event_new (&info)));
}

/* One utterance: @lead ms silence, @speech_ms speech (start announced 200 ms
 * in, as a detector would), then stop. Returns the utterance start. */
static GstClockTime
push_utterance (Stt * s, guint lead_ms, guint speech_ms)
{
  GstClockTime start;

  push_audio (s, lead_ms, FALSE);
  start = now_pts (s);
  push_audio (s, 200, TRUE);
  push_vad (s, SANDRA_VAD_SPEECH_START, start);
  push_audio (s, speech_ms - 200, TRUE);
  push_vad (s, SANDRA_VAD_SPEECH_STOP, now_pts (s));
  return start;
}

static gchar *
buffer_text (GstBuffer * buf)
{
  GstMapInfo map;
  gchar *t;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  t = g_strndup ((const gchar *) map.data, map.size);
  gst_buffer_unmap (buf, &map);
  return t;
}

/* Next element message named openaistt (or error/warning if @types
 * says so), waiting at most 20 s as a safety net. */
static GstMessage *
pop_message (Stt * s, GstMessageType types)
{
  return gst_bus_timed_pop_filtered (s->bus, 20 * GST_SECOND, types);
}

static const GstStructure *
next_stt_message (Stt * s, GstMessage ** owner)
{
  for (;;) {
    GstMessage *m = pop_message (s, GST_MESSAGE_ELEMENT);

    fail_unless (m != NULL, "no openaistt message");
    if (gst_message_has_name (m, "openaistt")) {
      *owner = m;
      return gst_message_get_structure (m);
    }
    gst_message_unref (m);
  }
}

/* ---------------------------------------------------------------------- */

GST_START_TEST (test_transcripts_in_order_with_timestamps)
{
  /* The first reply is slow, the second fast: output must stay in order. */
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"replies\":["
      "{\"text\":\"First sentence.\",\"delay_ms\":600},"
      "{\"text\":\"Second sentence.\"},"
      "{\"text\":\"Third sentence.\"}]}}");
  Stt *s = stt_new (emu, "max-inflight", 3, "stream", FALSE, NULL);
  GstClockTime starts[3];
  const gchar *expect[] = { "First sentence.", "Second sentence.",
    "Third sentence."
  };
  guint i;

  /* Replies go to requests in arrival order: let each request arrive
   * before the next utterance ends, so the slow reply is the first one's. */
  starts[0] = push_utterance (s, 300, 1200);
  fail_unless (sandra_emulator_wait_requests (emu, TRANSCRIPTIONS, 1, 10000));
  starts[1] = push_utterance (s, 400, 900);
  fail_unless (sandra_emulator_wait_requests (emu, TRANSCRIPTIONS, 2, 10000));
  starts[2] = push_utterance (s, 500, 1500);
  for (i = 0; i < 3; i++) {
    GstBuffer *buf = gst_harness_pull (s->h);
    gchar *text;

    fail_unless (buf != NULL);
    text = buffer_text (buf);
    fail_unless_equals_string (text, expect[i]);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), starts[i]);
    g_free (text);
    gst_buffer_unref (buf);
  }
  fail_unless_equals_int (sandra_emulator_count_requests (emu,
          TRANSCRIPTIONS), 3);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_duration_and_end_of_sentence_event)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"default\":{\"text\":\"Hello world.\"}}}");
  Stt *s = stt_new (emu, "stream", FALSE, NULL);
  GstClockTime start = push_utterance (s, 200, 1000);
  GstBuffer *buf = gst_harness_pull (s->h);
  GstEvent *ev;
  gboolean found = FALSE;
  gchar *text = NULL;
  GstClockTime ts, dur;

  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), start);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf), GST_SECOND);
  gst_buffer_unref (buf);
  /* EOS makes sure everything the element pushed has arrived. */
  gst_harness_push_event (s->h, gst_event_new_eos ());
  while ((ev = gst_harness_pull_event (s->h))) {
    GstEventType type = GST_EVENT_TYPE (ev);

    if (sandra_end_of_sentence_event_parse (ev, &text, &ts, &dur)) {
      found = TRUE;
      fail_unless_equals_string (text, "Hello world.");
      fail_unless_equals_uint64 (ts, start);
      fail_unless_equals_uint64 (dur, GST_SECOND);
      g_free (text);
    }
    gst_event_unref (ev);
    if (type == GST_EVENT_EOS)
      break;
  }
  fail_unless (found, "no end-of-sentence event");
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_partials_then_final)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"default\":{\"text\":\"Good morning to you.\","
      "\"deltas\":[\"Good\",\" morning\",\" to you.\"],"
      "\"delta_delay_ms\":20}}}");
  Stt *s = stt_new (emu, "model", "gpt-4o-transcribe", "stream", TRUE, NULL);
  GstMessage *m;
  const GstStructure *st;
  gboolean is_final;
  guint partials = 0;
  gchar *form;

  push_utterance (s, 200, 1000);
  for (;;) {
    st = next_stt_message (s, &m);
    fail_unless (gst_structure_get_boolean (st, "is-final", &is_final));
    if (is_final) {
      fail_unless_equals_string (gst_structure_get_string (st, "text"),
          "Good morning to you.");
      fail_unless (gst_structure_has_field (st, "latency-ms"));
      gst_message_unref (m);
      break;
    }
    partials++;
    if (partials == 1)
      fail_unless_equals_string (gst_structure_get_string (st, "text"),
          "Good");
    if (partials == 2)
      fail_unless_equals_string (gst_structure_get_string (st, "text"),
          "Good morning");
    gst_message_unref (m);
  }
  fail_unless_equals_int (partials, 3);
  form = sandra_emulator_dup_last_form_field (emu, TRANSCRIPTIONS, "stream");
  fail_unless_equals_string (form, "true");
  g_free (form);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_request_carries_configuration)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"]}");
  Stt *s = stt_new (emu, "model", "gpt-4o-transcribe", "language", "es",
      "prompt", "Sandra, Zaragoza, Gasteiz", "temperature", 0.25,
      "stream", FALSE, NULL);
  GstBuffer *buf;
  JsonObject *req, *form, *headers;

  push_utterance (s, 200, 800);
  buf = gst_harness_pull (s->h);
  fail_unless (buf != NULL);
  gst_buffer_unref (buf);

  req = sandra_emulator_dup_request (emu, 0);
  fail_unless (req != NULL);
  form = json_object_get_object_member (req, "form");
  fail_unless_equals_string (json_object_get_string_member (form, "model"),
      "gpt-4o-transcribe");
  fail_unless_equals_string (json_object_get_string_member (form,
          "language"), "es");
  fail_unless_equals_string (json_object_get_string_member (form, "prompt"),
      "Sandra, Zaragoza, Gasteiz");
  fail_unless_equals_string (json_object_get_string_member (form,
          "temperature"), "0.25");
  fail_unless_equals_string (json_object_get_string_member (form,
          "response_format"), "json");
  fail_unless (json_object_get_boolean_member (json_object_get_object_member
          (req, "auth"), "valid"));
  headers = json_object_get_object_member (req, "headers");
  fail_unless (strstr (json_object_get_string_member (headers,
              "user-agent"), "gst-sandra") != NULL);
  json_object_unref (req);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_language_lock)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"replies\":["
      "{\"text\":\"Hola a todos.\",\"language\":\"es\"},"
      "{\"text\":\"Buenos días.\",\"language\":\"es\"}]}}");
  Stt *s = stt_new (emu, "model", "whisper-1", "lock-language", TRUE,
      "max-inflight", 1, NULL);
  GstBuffer *buf;
  JsonObject *req, *form;
  GstMessage *m;
  const GstStructure *st;

  push_utterance (s, 200, 800);
  buf = gst_harness_pull (s->h);
  gst_buffer_unref (buf);
  st = next_stt_message (s, &m);
  fail_unless_equals_string (gst_structure_get_string (st, "language"), "es");
  gst_message_unref (m);

  push_utterance (s, 200, 800);
  buf = gst_harness_pull (s->h);
  gst_buffer_unref (buf);

  /* First request: detection (verbose_json, no language). Second: forced. */
  req = sandra_emulator_dup_request (emu, 0);
  form = json_object_get_object_member (req, "form");
  fail_unless_equals_string (json_object_get_string_member (form,
          "response_format"), "verbose_json");
  fail_if (json_object_has_member (form, "language"));
  json_object_unref (req);
  req = sandra_emulator_dup_request (emu, 1);
  form = json_object_get_object_member (req, "form");
  fail_unless_equals_string (json_object_get_string_member (form,
          "language"), "es");
  json_object_unref (req);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_opus_upload_decodes_to_the_utterance)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"]}");
  Stt *s = stt_new (emu, "stream", FALSE, NULL);
  GstBuffer *buf;
  GBytes *file, *decoded;
  gchar *filename = NULL, *content_type = NULL, *path, *tmpname;
  gsize n_in, n_out;
  const gint16 *in, *out;
  gdouble in_db, out_db;
  guint64 start_sample;
  GstClockTime start;

  /* 2 s of speech after 0.5 s of silence */
  start = push_utterance (s, 500, 2000);
  start_sample = gst_util_uint64_scale_int (start, RATE, GST_SECOND);
  buf = gst_harness_pull (s->h);
  gst_buffer_unref (buf);

  file = sandra_emulator_dup_file (emu, 0, &filename, &content_type);
  fail_unless (file != NULL);
  fail_unless_equals_string (content_type, "audio/ogg");
  fail_unless (g_str_has_suffix (filename, ".ogg"));
  fail_unless (g_str_has_prefix (g_bytes_get_data (file, NULL), "OggS"));

  tmpname = g_strdup_printf ("openaistt-upload-%d.ogg", getpid ());
  path = g_build_filename (g_get_tmp_dir (), tmpname, NULL);
  fail_unless (g_file_set_contents (path, g_bytes_get_data (file, NULL),
          g_bytes_get_size (file), NULL));
  decoded = sandra_test_load_audio (path, RATE, 1);
  g_unlink (path);

  /* The upload holds the utterance: its duration (speech plus nothing
   * else: the stop came right after the speech) and its loudness. */
  out = g_bytes_get_data (decoded, &n_out);
  n_out /= 2;
  fail_unless (ABS ((gint64) n_out - 2 * RATE) <= RATE / 50,
      "decoded %" G_GSIZE_FORMAT " samples, expected %d", n_out, 2 * RATE);
  in = g_bytes_get_data (speech, &n_in);
  in_db = sandra_test_rms_dbfs (in + (start_sample % (n_in / 2)), 2 * RATE);
  out_db = sandra_test_rms_dbfs (out, n_out);
  fail_unless (ABS (in_db - out_db) < 1.5, "energy %.2f dB vs %.2f dB",
      out_db, in_db);

  g_bytes_unref (decoded);
  g_bytes_unref (file);
  g_free (path);
  g_free (tmpname);
  g_free (filename);
  g_free (content_type);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_retry_honours_retry_after)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"replies\":["
      "{\"status\":503,\"retry_after_ms\":250,\"error\":{\"message\":"
      "\"The server is overloaded\",\"type\":\"server_error\"}},"
      "{\"text\":\"After the retry.\"}]}}");
  Stt *s = stt_new (emu, "stream", FALSE, NULL);
  GstBuffer *buf;
  GstMessage *m;
  GError *err = NULL;
  gchar *debug = NULL, *text;
  const GstStructure *details = NULL;
  guint status;

  push_utterance (s, 200, 800);
  buf = gst_harness_pull (s->h);
  text = buffer_text (buf);
  fail_unless_equals_string (text, "After the retry.");
  g_free (text);
  gst_buffer_unref (buf);
  fail_unless_equals_int (sandra_emulator_count_requests (emu,
          TRANSCRIPTIONS), 2);

  m = pop_message (s, GST_MESSAGE_WARNING);
  fail_unless (m != NULL, "no warning for the retry");
  gst_message_parse_warning (m, &err, &debug);
  gst_message_parse_warning_details (m, &details);
  fail_unless (strstr (err->message, "retrying in 250 ms") != NULL,
      "unexpected warning: %s", err->message);
  fail_unless (details != NULL);
  fail_unless (gst_structure_get_uint (details, "http-status", &status));
  fail_unless_equals_int (status, 503);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (m);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_wrong_key_is_fatal_and_secret)
{
  /* The service quotes the refused key in its message; it must not reach
   * the bus. */
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"replies\":[{\"status\":401,\"error\":{"
      "\"message\":\"Incorrect API key provided: " KEY ".\","
      "\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}]}}");
  Stt *s = stt_new (emu, "stream", FALSE, NULL);
  GstMessage *m;
  GError *err = NULL;
  gchar *debug = NULL, *details_str;
  const GstStructure *details = NULL;

  push_utterance (s, 200, 800);
  m = pop_message (s, GST_MESSAGE_ERROR);
  fail_unless (m != NULL, "no error for a wrong key");
  gst_message_parse_error (m, &err, &debug);
  gst_message_parse_error_details (m, &details);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", err->message);
  fail_unless (strstr (err->message, "401") != NULL, "%s", err->message);
  fail_unless (strstr (err->message, "key") != NULL, "%s", err->message);
  /* The key itself appears nowhere. */
  fail_if (strstr (err->message, KEY) != NULL);
  fail_if (debug && strstr (debug, KEY) != NULL);
  details_str = details ? gst_structure_to_string (details) : g_strdup ("");
  fail_if (strstr (details_str, KEY) != NULL);
  g_free (details_str);
  g_clear_error (&err);
  g_free (debug);
  gst_message_unref (m);

  /* The element stops taking data. */
  fail_unless_equals_int (gst_harness_push (s->h, gst_buffer_new_and_alloc
          (640)), GST_FLOW_ERROR);
  fail_unless_equals_int (sandra_emulator_count_requests (emu,
          TRANSCRIPTIONS), 1);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_malformed_reply_is_a_warning)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"replies\":["
      "{\"text\":\"Lost to a broken reply.\",\"malformed\":true},"
      "{\"text\":\"Next one works.\"}]}}");
  Stt *s = stt_new (emu, "stream", FALSE, "max-inflight", 1, NULL);
  GstBuffer *buf;
  GstMessage *m;
  GError *err = NULL;
  gchar *text;
  GstEvent *ev;
  gboolean gap = FALSE;

  push_utterance (s, 200, 800);
  push_utterance (s, 200, 800);
  buf = gst_harness_pull (s->h);
  text = buffer_text (buf);
  fail_unless_equals_string (text, "Next one works.");
  g_free (text);
  gst_buffer_unref (buf);

  m = pop_message (s, GST_MESSAGE_WARNING);
  fail_unless (m != NULL);
  gst_message_parse_warning (m, &err, NULL);
  fail_unless (strstr (err->message, "could not be read") != NULL, "%s",
      err->message);
  g_clear_error (&err);
  gst_message_unref (m);
  /* The lost utterance still tells downstream that time passed. */
  while ((ev = gst_harness_try_pull_event (s->h))) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_GAP)
      gap = TRUE;
    gst_event_unref (ev);
  }
  fail_unless (gap);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_flush_cancels_in_flight)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"replies\":["
      "{\"text\":\"Flushed away.\",\"delay_ms\":3000},"
      "{\"text\":\"After the flush.\"}]}}");
  Stt *s = stt_new (emu, "stream", FALSE, NULL);
  GstBuffer *buf;
  gchar *text;
  GstSegment segment;

  push_utterance (s, 200, 800);
  fail_unless (sandra_emulator_wait_requests (emu, TRANSCRIPTIONS, 1, 10000));
  fail_unless (gst_harness_push_event (s->h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (s->h, gst_event_new_flush_stop
          (TRUE)));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_segment
          (&segment)));
  s->pos = 0;
  push_utterance (s, 200, 800);

  /* The first thing out is the second utterance. */
  buf = gst_harness_pull (s->h);
  text = buffer_text (buf);
  fail_unless_equals_string (text, "After the flush.");
  g_free (text);
  gst_buffer_unref (buf);
  fail_unless_equals_int (gst_harness_buffers_in_queue (s->h), 0);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_eos_waits_for_pending_transcripts)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"replies\":["
      "{\"text\":\"One.\",\"delay_ms\":400},"
      "{\"text\":\"Two.\",\"delay_ms\":200},"
      "{\"text\":\"Three (cut by EOS).\"}]}}");
  Stt *s = stt_new (emu, "stream", FALSE, "max-inflight", 2, NULL);
  GstEvent *ev;
  guint n_buffers;

  push_utterance (s, 200, 700);
  fail_unless (sandra_emulator_wait_requests (emu, TRANSCRIPTIONS, 1, 10000));
  push_utterance (s, 200, 700);
  /* speech still going on when the stream ends */
  push_audio (s, 100, FALSE);
  push_vad (s, SANDRA_VAD_SPEECH_START, now_pts (s));
  push_audio (s, 600, TRUE);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_eos ()));

  /* Pull events until EOS; all three transcripts must precede it. */
  for (;;) {
    ev = gst_harness_pull_event (s->h);
    fail_unless (ev != NULL, "no EOS");
    if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS) {
      gst_event_unref (ev);
      break;
    }
    gst_event_unref (ev);
  }
  n_buffers = gst_harness_buffers_received (s->h);
  fail_unless_equals_int (n_buffers, 3);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_too_large_is_split)
{
  /* Bodies over 6 kB are refused: a 4 s Opus upload (about 2 kB/s at
   * 16 kHz) is larger, each 2 s half is smaller. */
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"max_body_bytes\":6000,"
      "\"transcription\":{\"replies\":["
      "{\"text\":\"First half.\"},{\"text\":\"Second half.\"}]}}");
  Stt *s = stt_new (emu, "stream", FALSE, "max-inflight", 1, NULL);
  GstBuffer *buf;
  gchar *text;
  GstClockTime start;
  JsonObject *req;

  start = push_utterance (s, 200, 4000);
  buf = gst_harness_pull (s->h);
  text = buffer_text (buf);
  fail_unless_equals_string (text, "First half. Second half.");
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), start);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf), 4 * GST_SECOND);
  g_free (text);
  gst_buffer_unref (buf);
  fail_unless_equals_int (sandra_emulator_count_requests (emu,
          TRANSCRIPTIONS), 3);
  req = sandra_emulator_dup_request (emu, 0);
  fail_unless_equals_int (json_object_get_int_member (req, "status"), 413);
  json_object_unref (req);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_no_key_fails_to_start)
{
  GstElement *pipeline = gst_parse_launch ("audiotestsrc num-buffers=5 ! "
      CAPS " ! openaistt name=stt ! fakesink", NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m;
  GError *err = NULL;

  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (m != NULL);
  gst_message_parse_error (m, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED));
  fail_unless (strstr (err->message, "OPENAI_API_KEY") != NULL);
  g_clear_error (&err);
  gst_message_unref (m);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}
GST_END_TEST;

GST_START_TEST (test_pipeline_without_vad_cuts_fixed_segments)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"replies\":[{\"text\":\"a\"},{\"text\":\"b\"},"
      "{\"text\":\"c\"}]}}");
  gchar *path = sandra_test_data_path ("librivox-0870-16k.wav");
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert ! audioresample ! " CAPS " ! openaistt name=stt "
      "max-segment-ms=3000 max-inflight=1 stream=false ! "
      "appsink name=out sync=false",
      path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *stt = gst_bin_get_by_name (GST_BIN (pipeline), "stt");
  GstElement *out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstSample *sample;
  GstMessage *m;
  const gchar *expect[] = { "a", "b", "c" };
  guint i = 0;

  g_object_set (stt, "base-url", sandra_emulator_get_base_url (emu),
      "api-key", KEY, NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (out)))) {
    GstBuffer *buf = gst_sample_get_buffer (sample);
    gchar *text = buffer_text (buf);

    fail_unless (i < 3);
    fail_unless_equals_string (text, expect[i]);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), i * 3 * GST_SECOND);
    g_free (text);
    gst_sample_unref (sample);
    i++;
  }
  fail_unless_equals_int (i, 3);
  m = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (m != NULL && GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS);
  gst_message_unref (m);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (stt);
  gst_object_unref (out);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_state_cycling_mid_request)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"default\":{\"text\":\"slow\",\"delay_ms\":2000}}}");
  GstElement *e = gst_element_factory_make ("openaistt", NULL);
  guint round;

  g_object_set (e, "base-url", sandra_emulator_get_base_url (emu),
      "api-key", KEY, "stream", FALSE, NULL);
  for (round = 0; round < 5; round++) {
    GstHarness *h = gst_harness_new_with_element (e, "sink", "src");
    Stt s = { h, NULL, 0 };

    gst_harness_set_src_caps_str (h, CAPS);
    push_utterance (&s, 100, 500);
    fail_unless (sandra_emulator_wait_requests (emu, TRANSCRIPTIONS,
            round + 1, 10000));
    /* A request is on the wire; going to NULL must not wait for it. */
    gst_harness_teardown (h);
    fail_unless_equals_int (GST_STATE (e), GST_STATE_NULL);
  }
  gst_object_unref (e);
  sandra_emulator_free (emu);
}
GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* mode=realtime */

#define REALTIME "/v1/realtime"

GST_START_TEST (test_realtime_server_vad)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"turns\":[{\"transcript\":"
      "\"And Mister John Dashwood had then leisure to consider.\"}]}}");
  Stt *s = stt_new (emu, "mode", 1 /* realtime */ , NULL);
  GstBuffer *buf;
  gchar *text;
  GstMessage *m;
  const GstStructure *st;
  gboolean is_final = TRUE;
  JsonArray *updates;
  JsonObject *session;
  GstClockTime speech_start;

  /* silence, 2.5 s of real speech, silence for the server VAD to end it */
  push_audio (s, 1000, FALSE);
  speech_start = now_pts (s);
  push_audio (s, 2500, TRUE);
  push_audio (s, 1500, FALSE);

  buf = gst_harness_pull (s->h);
  fail_unless (buf != NULL);
  text = buffer_text (buf);
  fail_unless_equals_string (text,
      "And Mister John Dashwood had then leisure to consider.");
  /* The server's VAD places the turn; an energy VAD finds the onset of
   * this recording within a few frames. */
  fail_unless (ABS (GST_CLOCK_DIFF (speech_start, GST_BUFFER_PTS (buf))) <
      300 * GST_MSECOND, "turn at %" GST_TIME_FORMAT ", speech at %"
      GST_TIME_FORMAT, GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
      GST_TIME_ARGS (speech_start));
  fail_unless (GST_BUFFER_DURATION (buf) > GST_SECOND);
  g_free (text);
  gst_buffer_unref (buf);

  /* partials first */
  st = next_stt_message (s, &m);
  fail_unless (gst_structure_get_boolean (st, "is-final", &is_final));
  fail_if (is_final);
  gst_message_unref (m);

  /* The session was configured as a GA transcription session. */
  updates = sandra_emulator_dup_ws_events (emu, "session.update");
  fail_unless (json_array_get_length (updates) >= 1);
  session = json_object_get_object_member (json_array_get_object_element
      (updates, 0), "session");
  fail_unless_equals_string (json_object_get_string_member (session, "type"),
      "transcription");
  json_array_unref (updates);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_realtime_commits_on_vad_events)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"turns\":[{\"transcript\":\"One.\"},"
      "{\"transcript\":\"Two.\"}]}}");
  Stt *s = stt_new (emu, "mode", 1, "turn-detection", 2 /* none */ ,
      "api-version", 1 /* beta */ , NULL);
  GstClockTime starts[2];
  const gchar *expect[] = { "One.", "Two." };
  JsonArray *commits, *updates;
  JsonObject *update;
  guint i;

  starts[0] = push_utterance (s, 300, 1000);
  starts[1] = push_utterance (s, 600, 800);
  for (i = 0; i < 2; i++) {
    GstBuffer *buf = gst_harness_pull (s->h);
    gchar *text = buffer_text (buf);

    fail_unless_equals_string (text, expect[i]);
    /* The element committed these turns itself: exact timestamps. */
    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), starts[i]);
    g_free (text);
    gst_buffer_unref (buf);
  }
  commits = sandra_emulator_dup_ws_events (emu, "input_audio_buffer.commit");
  fail_unless_equals_int (json_array_get_length (commits), 2);
  json_array_unref (commits);
  /* beta shape, with turn detection off */
  updates = sandra_emulator_dup_ws_events (emu,
      "transcription_session.update");
  fail_unless_equals_int (json_array_get_length (updates), 1);
  update = json_object_get_object_member (json_array_get_object_element
      (updates, 0), "session");
  fail_unless (json_object_has_member (update, "turn_detection"));
  fail_unless (JSON_NODE_HOLDS_NULL (json_object_get_member (update,
              "turn_detection")));
  json_array_unref (updates);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_realtime_eos_waits_for_transcript)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"default\":{\"transcript\":\"Late.\","
      "\"delay_ms\":300}}}");
  Stt *s = stt_new (emu, "mode", 1, NULL);
  GstEvent *ev;

  push_audio (s, 500, FALSE);
  /* The stream ends in the middle of speech: the element commits. */
  push_audio (s, 1500, TRUE);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_eos ()));
  for (;;) {
    ev = gst_harness_pull_event (s->h);
    fail_unless (ev != NULL);
    if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS) {
      gst_event_unref (ev);
      break;
    }
    gst_event_unref (ev);
  }
  fail_unless_equals_int (gst_harness_buffers_received (s->h), 1);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_realtime_wrong_key)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"sk-other\"]}");
  Stt *s = stt_new (emu, "mode", 1, NULL);
  GstMessage *m;
  GError *err = NULL;

  push_audio (s, 200, FALSE);
  m = pop_message (s, GST_MESSAGE_ERROR);
  fail_unless (m != NULL);
  gst_message_parse_error (m, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_NOT_AUTHORIZED), "%s", err->message);
  fail_unless (strstr (err->message, "401") != NULL, "%s", err->message);
  fail_if (strstr (err->message, KEY) != NULL);
  g_clear_error (&err);
  gst_message_unref (m);
  fail_unless_equals_int (sandra_emulator_count_requests (emu, REALTIME), 1);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

/* ---------------------------------------------------------------------- */
/* Regressions found in review */

#define COMPLETED "conversation.item.input_audio_transcription.completed"

static void
pull_until_eos (Stt * s)
{
  for (;;) {
    GstEvent *ev = gst_harness_pull_event (s->h);

    fail_unless (ev != NULL, "no EOS");
    if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS) {
      gst_event_unref (ev);
      return;
    }
    gst_event_unref (ev);
  }
}

GST_START_TEST (test_realtime_shutdown_does_not_wait_for_transcripts)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"default\":{\"transcript\":\"Slow.\","
      "\"delay_ms\":8000}}}");
  Stt *s = stt_new (emu, "mode", 1, NULL);
  JsonArray *done;

  push_audio (s, 300, FALSE);
  push_audio (s, 1200, TRUE);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_eos ()));
  fail_unless (sandra_emulator_wait_ws_events (emu,
          "input_audio_buffer.commit", 1, 20000));
  /* Going to NULL while EOS waits behind an unanswered turn returns before
   * the transcript could have been produced. */
  gst_harness_teardown (s->h);
  s->h = NULL;
  done = sandra_emulator_dup_ws_server_events (emu, COMPLETED);
  fail_unless_equals_int (json_array_get_length (done), 0);
  json_array_unref (done);
  gst_bus_set_flushing (s->bus, TRUE);
  gst_object_unref (s->bus);
  g_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_realtime_turn_deadline_releases_eos)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"default\":{\"transcript\":\"Too late.\","
      "\"delay_ms\":6000}}}");
  Stt *s = stt_new (emu, "mode", 1, "timeout-ms", 1000, NULL);
  JsonArray *done;
  GstMessage *m;
  GError *err = NULL;
  gboolean warned = FALSE;

  push_audio (s, 300, FALSE);
  push_audio (s, 1200, TRUE);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_eos ()));
  pull_until_eos (s);
  /* EOS came out after the turn's deadline, not after its transcript. */
  done = sandra_emulator_dup_ws_server_events (emu, COMPLETED);
  fail_unless_equals_int (json_array_get_length (done), 0);
  json_array_unref (done);
  fail_unless_equals_int (gst_harness_buffers_received (s->h), 0);
  while ((m = gst_bus_pop_filtered (s->bus, GST_MESSAGE_WARNING))) {
    gst_message_parse_warning (m, &err, NULL);
    if (strstr (err->message, "no transcript"))
      warned = TRUE;
    g_clear_error (&err);
    gst_message_unref (m);
  }
  fail_unless (warned, "the lost turn was not reported");
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_realtime_timestamps_after_a_gap)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"turns\":[{\"transcript\":\"One.\"},"
      "{\"transcript\":\"Two.\"}]}}");
  Stt *s = stt_new (emu, "mode", 1, NULL);
  GstClockTime starts[2];
  guint i;

  push_audio (s, 1000, FALSE);
  starts[0] = now_pts (s);
  push_audio (s, 1500, TRUE);
  push_audio (s, 1500, FALSE);
  /* Ten seconds upstream sent nothing (a gating VAD, a dropped link). */
  s->pos += 10 * RATE;
  push_audio (s, 1000, FALSE);
  starts[1] = now_pts (s);
  push_audio (s, 1500, TRUE);
  push_audio (s, 1500, FALSE);
  for (i = 0; i < 2; i++) {
    GstBuffer *buf = gst_harness_pull (s->h);

    fail_unless (ABS (GST_CLOCK_DIFF (starts[i], GST_BUFFER_PTS (buf))) <
        300 * GST_MSECOND, "turn %u at %" GST_TIME_FORMAT ", speech at %"
        GST_TIME_FORMAT, i, GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
        GST_TIME_ARGS (starts[i]));
    gst_buffer_unref (buf);
  }
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_realtime_replayed_onset_is_not_sent_twice)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"default\":{\"transcript\":\"Once.\"}}}");
  Stt *s = stt_new (emu, "mode", 1, "turn-detection", 2, NULL);
  JsonArray *events;
  GstBuffer *buf;
  guint i, clear_at = G_MAXUINT, commit_at = G_MAXUINT;

  /* Before the detector's first event the element cuts fixed segments and
   * streams them; the detector's start abandons that segment. (Before the
   * session is open the held audio is simply dropped: wait until audio
   * reaches the server, which only happens once the session is open.) */
  push_audio (s, 300, FALSE);
  fail_unless (sandra_emulator_wait_ws_events (emu,
          "input_audio_buffer.append", 1, 20000));
  push_utterance (s, 200, 1000);
  buf = gst_harness_pull (s->h);
  gst_buffer_unref (buf);
  events = sandra_emulator_dup_ws_events (emu, NULL);
  for (i = 0; i < json_array_get_length (events); i++) {
    const gchar *type = json_object_get_string_member
        (json_array_get_object_element (events, i), "type");

    if (g_str_equal (type, "input_audio_buffer.clear") && clear_at == G_MAXUINT)
      clear_at = i;
    if (g_str_equal (type, "input_audio_buffer.commit") &&
        commit_at == G_MAXUINT)
      commit_at = i;
  }
  json_array_unref (events);
  /* The abandoned audio was cleared before the utterance was committed. */
  fail_unless (clear_at < commit_at, "clear at %u, commit at %u", clear_at,
      commit_at);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

/* At least @min_ms of silence, and then more until the fixture is at 1 s,
 * in the middle of a word: speech pushed next starts at once. */
static void
push_silence_before_speech (Stt * s, guint min_ms)
{
  gsize n_fixture = g_bytes_get_size (speech) / 2;
  guint64 at;

  push_audio (s, min_ms, FALSE);
  at = (RATE + n_fixture - s->pos % n_fixture) % n_fixture;
  push_audio (s, at * 1000 / RATE, FALSE);
  fail_unless_equals_int (s->pos % n_fixture, RATE);
}

typedef struct
{
  SandraEmulator *emu;
  SandraTcpProxy *proxy;
  Stt *s;
} Relayed;

/* mode=realtime with @turn_detection, reaching the emulator through a
 * relay, to stage connection trouble. */
static Relayed *
relayed_new (const gchar * scenario, gint turn_detection)
{
  Relayed *r = g_new0 (Relayed, 1);
  gchar *url;

  r->emu = emulator_new (scenario);
  r->proxy = sandra_tcp_proxy_new (sandra_emulator_get_port (r->emu));
  url = g_strdup_printf ("http://127.0.0.1:%u/v1",
      sandra_tcp_proxy_get_port (r->proxy));
  r->s = stt_new (r->emu, "mode", 1, "turn-detection", turn_detection,
      "base-url", url, NULL);
  g_free (url);
  return r;
}

static void
relayed_free (Relayed * r)
{
  stt_free (r->s);
  sandra_tcp_proxy_free (r->proxy);
  sandra_emulator_free (r->emu);
  g_free (r);
}

/* Audio the socket had queued but not written when the connection
 * dropped goes to the next session; the first turn there is still placed
 * where its speech was. */
GST_START_TEST (test_realtime_timestamps_after_reconnection)
{
  Relayed *r = relayed_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"turns\":[{\"transcript\":\"Cut off.\","
      "\"disconnect\":true},{\"transcript\":\"After.\"}]}}", 0);
  Stt *s = r->s;
  GstClockTime speech_start;
  GstBuffer *buf;
  gchar *text;

  /* The first turn makes the server close the socket. The relay keeps the
   * client in the closing handshake, so the next 2 s of audio stay in the
   * socket's queue, unwritten, until the connection is gone. */
  sandra_tcp_proxy_set_linger (r->proxy, TRUE);
  push_audio (s, 1000, FALSE);
  push_audio (s, 1500, TRUE);
  push_audio (s, 1500, FALSE);
  fail_unless (sandra_tcp_proxy_wait_server_closes (r->proxy, 1, 20000));
  push_audio (s, 2000, FALSE);
  sandra_tcp_proxy_release (r->proxy);

  push_silence_before_speech (s, 1000);
  speech_start = now_pts (s);
  push_audio (s, 2500, TRUE);
  push_audio (s, 1500, FALSE);

  /* The first turn was lost with the connection (a GAP). */
  buf = gst_harness_pull (s->h);
  fail_unless (buf != NULL);
  text = buffer_text (buf);
  fail_unless_equals_string (text, "After.");
  fail_unless (ABS (GST_CLOCK_DIFF (speech_start, GST_BUFFER_PTS (buf))) <
      300 * GST_MSECOND, "turn at %" GST_TIME_FORMAT ", speech at %"
      GST_TIME_FORMAT, GST_TIME_ARGS (GST_BUFFER_PTS (buf)),
      GST_TIME_ARGS (speech_start));
  g_free (text);
  gst_buffer_unref (buf);
  fail_unless_equals_int (sandra_emulator_count_requests (r->emu, REALTIME),
      2);
  relayed_free (r);
}
GST_END_TEST;

/* With turn detection off, a commit the socket had not written when the
 * connection dropped goes to the next session with its audio: that turn
 * is transcribed there, with the element's exact timestamps. */
GST_START_TEST (test_realtime_unwritten_commit_survives_reconnection)
{
  Relayed *r = relayed_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"turns\":[{\"transcript\":\"One.\","
      "\"disconnect\":true},{\"transcript\":\"Two.\"}]}}", 2 /* none */ );
  Stt *s = r->s;
  GstClockTime start, end;
  GstBuffer *buf;
  gchar *text;

  sandra_tcp_proxy_set_linger (r->proxy, TRUE);
  push_utterance (s, 300, 1000);
  fail_unless (sandra_tcp_proxy_wait_server_closes (r->proxy, 1, 20000));
  /* This utterance and its commit stay in the socket's queue. */
  start = push_utterance (s, 300, 1000);
  end = now_pts (s);
  sandra_tcp_proxy_release (r->proxy);

  buf = gst_harness_pull (s->h);
  fail_unless (buf != NULL);
  text = buffer_text (buf);
  fail_unless_equals_string (text, "Two.");
  fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), start);
  fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf), end - start);
  g_free (text);
  gst_buffer_unref (buf);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_eos ()));
  pull_until_eos (s);
  fail_unless_equals_int (gst_harness_buffers_received (s->h), 1);
  fail_unless_equals_int (sandra_emulator_count_requests (r->emu, REALTIME),
      2);
  relayed_free (r);
}
GST_END_TEST;

/* With the server's VAD, EOS waits for the turn the element commits for
 * the audio before it, not for whichever commit is answered next: here
 * the server's own commit of the first turn arrives after the element's
 * commit was sent. */
GST_START_TEST (test_realtime_eos_follows_the_last_turn)
{
  Relayed *r = relayed_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"turns\":[{\"transcript\":\"First.\"},"
      "{\"transcript\":\"Second.\"}]}}", 0);
  Stt *s = r->s;
  const gchar *expect[] = { "First.", "Second." };
  guint i;

  push_audio (s, 300, FALSE);
  fail_unless (sandra_emulator_wait_ws_events (r->emu,
          "input_audio_buffer.append", 1, 20000));
  /* Everything the server says from here on arrives after EOS. */
  sandra_tcp_proxy_set_paused (r->proxy, TRUE);
  push_audio (s, 1500, TRUE);
  push_audio (s, 1000, FALSE);
  push_audio (s, 800, TRUE);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_eos ()));
  fail_unless (sandra_emulator_wait_ws_events (r->emu,
          "input_audio_buffer.commit", 1, 20000));
  fail_unless (sandra_emulator_wait_ws_server_events (r->emu,
          "input_audio_buffer.committed", 2, 20000));
  sandra_tcp_proxy_set_paused (r->proxy, FALSE);

  pull_until_eos (s);
  fail_unless_equals_int (gst_harness_buffers_received (s->h), 2);
  for (i = 0; i < 2; i++) {
    GstBuffer *buf = gst_harness_pull (s->h);
    gchar *text = buffer_text (buf);

    fail_unless_equals_string (text, expect[i]);
    g_free (text);
    gst_buffer_unref (buf);
  }
  relayed_free (r);
}
GST_END_TEST;

/* A turn committed just before a flush is answered after it: its
 * transcript belongs to the flushed data and never comes out. */
GST_START_TEST (test_realtime_flush_drops_turns_answered_late)
{
  Relayed *r = relayed_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"realtime_transcription\":{\"turns\":[{\"transcript\":\"Stale.\"},"
      "{\"transcript\":\"Fresh.\"}]}}", 2 /* none */ );
  Stt *s = r->s;
  GstSegment segment;
  GstBuffer *buf;
  gchar *text;

  push_audio (s, 300, FALSE);
  fail_unless (sandra_emulator_wait_ws_events (r->emu,
          "input_audio_buffer.append", 1, 20000));
  /* The answer to this commit reaches the element after the flush. */
  sandra_tcp_proxy_set_paused (r->proxy, TRUE);
  push_utterance (s, 200, 1000);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (s->h, gst_event_new_flush_stop (TRUE)));
  fail_unless (sandra_emulator_wait_ws_server_events (r->emu,
          "input_audio_buffer.cleared", 1, 20000));
  sandra_tcp_proxy_set_paused (r->proxy, FALSE);

  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_segment (&segment)));
  s->pos = 0;
  push_utterance (s, 300, 1000);
  buf = gst_harness_pull (s->h);
  text = buffer_text (buf);
  fail_unless_equals_string (text, "Fresh.");
  g_free (text);
  gst_buffer_unref (buf);
  relayed_free (r);
}
GST_END_TEST;

GST_START_TEST (test_new_stream_after_eos)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"replies\":[{\"text\":\"First stream.\"},"
      "{\"text\":\"Second stream.\"}]}}");
  Stt *s = stt_new (emu, "stream", FALSE, NULL);
  GstSegment segment;
  GstBuffer *buf;
  gchar *text;

  push_utterance (s, 200, 800);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_eos ()));
  pull_until_eos (s);
  buf = gst_harness_pull (s->h);
  gst_buffer_unref (buf);

  fail_unless (gst_harness_push_event (s->h,
          gst_event_new_stream_start ("second")));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (s->h, gst_event_new_segment
          (&segment)));
  s->pos = 0;
  push_utterance (s, 200, 800);
  buf = gst_harness_pull (s->h);
  text = buffer_text (buf);
  fail_unless_equals_string (text, "Second stream.");
  g_free (text);
  gst_buffer_unref (buf);
  stt_free (s);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_downstream_eos_is_not_an_error)
{
  SandraEmulator *emu = emulator_new ("{\"api_keys\":[\"" KEY "\"]}");
  gchar *path = sandra_test_data_path ("librivox-0870-16k.wav");
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert ! audioresample ! " CAPS " ! openaistt name=stt "
      "max-segment-ms=2000 max-inflight=1 stream=false ! "
      "fakesink num-buffers=1", path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *stt = gst_bin_get_by_name (GST_BIN (pipeline), "stt");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *m;

  g_object_set (stt, "base-url", sandra_emulator_get_base_url (emu),
      "api-key", KEY, NULL);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  /* The sink wants one transcript and then says EOS: no error follows. */
  fail_unless (sandra_emulator_wait_requests (emu, TRANSCRIPTIONS, 2, 20000));
  m = gst_bus_timed_pop_filtered (bus, 2 * GST_SECOND, GST_MESSAGE_ERROR);
  fail_unless (m == NULL, "an error was posted");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (stt);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
  sandra_emulator_free (emu);
}
GST_END_TEST;

GST_START_TEST (test_invalid_base_url)
{
  GstElement *e = gst_element_factory_make ("openaistt", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *m;
  GError *err = NULL;

  g_object_set (e, "api-key", KEY, "base-url", "api.example.com/v1", NULL);
  gst_element_set_bus (e, bus);
  fail_unless_equals_int (gst_element_set_state (e, GST_STATE_PAUSED),
      GST_STATE_CHANGE_FAILURE);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (m != NULL);
  gst_message_parse_error (m, &err, NULL);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
          GST_RESOURCE_ERROR_SETTINGS));
  fail_unless (strstr (err->message, "api.example.com/v1") != NULL);
  g_clear_error (&err);
  gst_message_unref (m);
  gst_element_set_state (e, GST_STATE_NULL);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
  gst_object_unref (e);
}
GST_END_TEST;

static Suite *
openaistt_suite (void)
{
  Suite *s = suite_create ("openaistt");
  TCase *tc = tcase_create ("emulator");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_transcripts_in_order_with_timestamps);
  tcase_add_test (tc, test_duration_and_end_of_sentence_event);
  tcase_add_test (tc, test_partials_then_final);
  tcase_add_test (tc, test_request_carries_configuration);
  tcase_add_test (tc, test_language_lock);
  tcase_add_test (tc, test_opus_upload_decodes_to_the_utterance);
  tcase_add_test (tc, test_retry_honours_retry_after);
  tcase_add_test (tc, test_wrong_key_is_fatal_and_secret);
  tcase_add_test (tc, test_malformed_reply_is_a_warning);
  tcase_add_test (tc, test_flush_cancels_in_flight);
  tcase_add_test (tc, test_eos_waits_for_pending_transcripts);
  tcase_add_test (tc, test_too_large_is_split);
  tcase_add_test (tc, test_no_key_fails_to_start);
  tcase_add_test (tc, test_pipeline_without_vad_cuts_fixed_segments);
  tcase_add_test (tc, test_state_cycling_mid_request);
  tcase_add_test (tc, test_realtime_server_vad);
  tcase_add_test (tc, test_realtime_commits_on_vad_events);
  tcase_add_test (tc, test_realtime_eos_waits_for_transcript);
  tcase_add_test (tc, test_realtime_wrong_key);
  tcase_add_test (tc, test_realtime_shutdown_does_not_wait_for_transcripts);
  tcase_add_test (tc, test_realtime_turn_deadline_releases_eos);
  tcase_add_test (tc, test_realtime_timestamps_after_a_gap);
  tcase_add_test (tc, test_realtime_replayed_onset_is_not_sent_twice);
  tcase_add_test (tc, test_realtime_timestamps_after_reconnection);
  tcase_add_test (tc, test_realtime_eos_follows_the_last_turn);
  tcase_add_test (tc, test_realtime_unwritten_commit_survives_reconnection);
  tcase_add_test (tc, test_realtime_flush_drops_turns_answered_late);
  tcase_add_test (tc, test_new_stream_after_eos);
  tcase_add_test (tc, test_downstream_eos_is_not_an_error);
  tcase_add_test (tc, test_invalid_base_url);
  return s;
}

GST_CHECK_MAIN (openaistt);
