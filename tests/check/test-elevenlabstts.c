/* gst-sandra: elevenlabstts against the in-process emulator
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/check/gsttestclock.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include <string.h>

#include "sandra-emulator.h"
#include "sandra-events.h"
#include "test-util.h"

#define VOICE "21m00Tcm4TlvDq8ikWAM"
#define WAIT_MS 20000

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

/* An elevenlabstts in a GstHarness, with a bus to read its messages. The
 * harness answers latency queries as a live source, and its clock is a
 * test clock that stays at 0, so audio lands exactly at the text's running
 * time. */
typedef struct
{
  GstHarness *h;
  GstBus *bus;
  GstElement *tts;
} Tts;

static Tts *
tts_new (SandraEmulator * emu, const gchar * first_prop, ...)
{
  Tts *t = g_new0 (Tts, 1);
  va_list ap;

  t->tts = gst_element_factory_make ("elevenlabstts", NULL);
  fail_unless (t->tts != NULL);
  g_object_set (t->tts, "base-url", sandra_emulator_get_base_url (emu),
      "api-key", "xi-local", NULL);
  va_start (ap, first_prop);
  if (first_prop)
    g_object_set_valist (G_OBJECT (t->tts), first_prop, ap);
  va_end (ap);
  t->bus = gst_bus_new ();
  gst_element_set_bus (t->tts, t->bus);
  t->h = gst_harness_new_with_element (t->tts, "sink", "src");
  gst_harness_set_src_caps_str (t->h, "text/x-raw,format=utf8");
  return t;
}

static void
tts_free (Tts * t)
{
  gst_harness_teardown (t->h);
  gst_element_set_bus (t->tts, NULL);
  gst_object_unref (t->tts);
  gst_object_unref (t->bus);
  g_free (t);
}

static void
push_text (Tts * t, const gchar * text, GstClockTime pts, GstClockTime dur)
{
  GstBuffer *buf = gst_buffer_new_memdup (text, strlen (text));

  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = dur;
  fail_unless_equals_int (gst_harness_push (t->h, buf), GST_FLOW_OK);
}

static void
end_sentence (Tts * t)
{
  fail_unless (gst_harness_push_event (t->h,
          sandra_end_of_sentence_event_new ("", GST_CLOCK_TIME_NONE,
              GST_CLOCK_TIME_NONE)));
}

/* Pulls every buffer up to EOS into a list. */
static GList *
pull_until_eos (Tts * t)
{
  GList *bufs = NULL;
  gboolean eos = FALSE;
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (!eos) {
    GstEvent *ev;
    GstBuffer *b;

    /* a safety net: an element that holds EOS back fails, not hangs */
    fail_unless (g_get_monotonic_time () < deadline, "no EOS came out");

    while ((b = gst_harness_try_pull (t->h)))
      bufs = g_list_append (bufs, b);
    ev = gst_harness_try_pull_event (t->h);
    if (ev) {
      eos = GST_EVENT_TYPE (ev) == GST_EVENT_EOS;
      gst_event_unref (ev);
      continue;
    }
    g_usleep (2000);
  }
  while (TRUE) {
    GstBuffer *b = gst_harness_try_pull (t->h);

    if (b == NULL)
      break;
    bufs = g_list_append (bufs, b);
  }
  return bufs;
}

static void
finish (Tts * t)
{
  fail_unless (gst_harness_push_event (t->h, gst_event_new_eos ()));
}

static GstClockTime
total_duration (GList * bufs)
{
  GstClockTime d = 0;

  for (; bufs; bufs = bufs->next)
    d += GST_BUFFER_DURATION (bufs->data);
  return d;
}

/* Messages of one kind (structure name) from the bus, in order. */
static GList *
pop_messages (Tts * t, const gchar * name, GstMessageType type)
{
  GList *out = NULL, *keep = NULL, *l;
  GstMessage *m;

  while ((m = gst_bus_pop (t->bus))) {
    if (GST_MESSAGE_TYPE (m) == type && (name == NULL ||
            gst_message_has_name (m, name)))
      out = g_list_append (out, m);
    else
      keep = g_list_append (keep, m);
  }
  for (l = keep; l; l = l->next)
    gst_bus_post (t->bus, l->data);
  g_list_free (keep);
  return out;
}

static void
free_messages (GList * msgs)
{
  g_list_free_full (msgs, (GDestroyNotify) gst_message_unref);
}

static void
free_buffers (GList * bufs)
{
  g_list_free_full (bufs, (GDestroyNotify) gst_buffer_unref);
}

static gdouble
buffers_rms (GList * bufs)
{
  GByteArray *all = g_byte_array_new ();
  gdouble rms;

  for (; bufs; bufs = bufs->next) {
    GstMapInfo map;

    gst_buffer_map (bufs->data, &map, GST_MAP_READ);
    g_byte_array_append (all, map.data, map.size);
    gst_buffer_unmap (bufs->data, &map);
  }
  rms = sandra_test_rms_dbfs ((const gint16 *) all->data, all->len / 2);
  g_byte_array_unref (all);
  return rms;
}

/* Client text of every WebSocket message, "" for messages without text. */
static GPtrArray *
sent_texts (SandraEmulator * emu, gboolean * flushes, guint max)
{
  JsonArray *events = sandra_emulator_dup_ws_events (emu, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  guint i;

  for (i = 0; i < json_array_get_length (events); i++) {
    JsonObject *o = json_array_get_object_element (events, i);
    const gchar *text = json_object_get_string_member_with_default (o, "text",
        NULL);
    gchar *stripped;

    if (text == NULL)
      continue;
    stripped = g_strstrip (g_strdup (text));
    if (*stripped == '\0') {
      g_free (stripped);
      continue;
    }
    g_free (stripped);
    if (flushes && out->len < max)
      flushes[out->len] = json_object_get_boolean_member_with_default (o,
          "flush", FALSE);
    g_ptr_array_add (out, g_strdup (text));
  }
  json_array_unref (events);
  return out;
}

static gboolean
sent_member (SandraEmulator * emu, const gchar * member, const gchar * context)
{
  JsonArray *events = sandra_emulator_dup_ws_events (emu, NULL);
  gboolean found = FALSE;
  guint i;

  for (i = 0; i < json_array_get_length (events) && !found; i++) {
    JsonObject *o = json_array_get_object_element (events, i);

    found = json_object_get_boolean_member_with_default (o, member, FALSE) &&
        (context == NULL
        || g_strcmp0 (json_object_get_string_member_with_default (o,
                "context_id", NULL), context) == 0);
  }
  json_array_unref (events);
  return found;
}

/* The characters spoken for @utterance, over its alignment messages
 * (valid until the next call). */
static const gchar *
alignment_text (GList * msgs, guint64 utterance)
{
  static gchar *text;
  GString *s = g_string_new (NULL);

  for (; msgs; msgs = msgs->next) {
    const GstStructure *st = gst_message_get_structure (msgs->data);
    guint64 u;

    if (gst_structure_get_uint64 (st, "utterance", &u) && u == utterance)
      g_string_append (s, gst_structure_get_string (st, "text"));
  }
  g_free (text);
  text = g_string_free (s, FALSE);
  return text;
}

/* Polls the record until @check is true; the timeout is a safety net. */
static gboolean
wait_for (gboolean (*check) (SandraEmulator *, gpointer), SandraEmulator * emu,
    gpointer data)
{
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;

  while (g_get_monotonic_time () < deadline) {
    if (check (emu, data))
      return TRUE;
    g_usleep (5000);
  }
  return FALSE;
}

/* ---------------------------------------------------------------------- */

GST_START_TEST (test_speaks_text)
{
  SandraEmulator *emu =
      start_emulator ("{\"elevenlabs\":{\"ms_per_char\":70}}");
  Tts *t = tts_new (emu, "output-rate", 16000, NULL);
  const gchar *text = "Hello there. How are you today?";
  GList *bufs, *l, *msgs;
  GstClockTime expected, d;
  GstCaps *caps;
  GstStructure *s;
  gint rate;
  gdouble audio_s;

  push_text (t, text, GST_SECOND, GST_SECOND);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless (bufs != NULL);

  caps = gst_pad_get_current_caps (t->h->sinkpad);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_get_int (s, "rate", &rate));
  fail_unless_equals_int (rate, 16000);
  gst_caps_unref (caps);

  /* the audio starts at the text's running time and has no holes */
  expected = GST_SECOND;
  for (l = bufs; l; l = l->next) {
    fail_unless_equals_uint64 (GST_BUFFER_PTS (l->data), expected);
    expected += GST_BUFFER_DURATION (l->data);
  }
  d = total_duration (bufs);
  /* 31 characters at about 70 ms, with pauses at punctuation */
  fail_unless (d > 31 * 50 * GST_MSECOND && d < 31 * 200 * GST_MSECOND,
      "%" GST_TIME_FORMAT, GST_TIME_ARGS (d));
  fail_unless (buffers_rms (bufs) > -40.0);

  msgs = pop_messages (t, "elevenlabstts-utterance", GST_MESSAGE_ELEMENT);
  fail_unless_equals_int (g_list_length (msgs), 1);
  s = (GstStructure *) gst_message_get_structure (msgs->data);
  fail_unless (gst_structure_get_double (s, "audio-seconds", &audio_s));
  fail_unless (fabs (audio_s - (gdouble) d / GST_SECOND) < 0.001);
  fail_unless (gst_structure_get_double (s, "first-audio-latency-ms",
          &audio_s) && audio_s >= 0);
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_alignment_matches_audio)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"chunk_ms\":400}}");
  Tts *t = tts_new (emu, NULL);
  GList *bufs, *msgs, *b, *m;
  GString *spoken = g_string_new (NULL);
  guint n_words = 0;

  push_text (t, "One small step. ", 0, GST_CLOCK_TIME_NONE);
  push_text (t, "A giant leap.", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  fail_unless (g_list_length (bufs) > 2);
  /* one message per buffer, for exactly its stretch of time */
  fail_unless_equals_int (g_list_length (msgs), g_list_length (bufs));
  for (b = bufs, m = msgs; b && m; b = b->next, m = m->next) {
    const GstStructure *s = gst_message_get_structure (m->data);
    const GValue *starts = gst_structure_get_value (s,
        "character-start-times");
    const GValue *ends = gst_structure_get_value (s, "character-end-times");
    const GValue *words = gst_structure_get_value (s, "words");
    guint64 rt, dur;
    guint i;

    fail_unless (gst_structure_get_uint64 (s, "running-time", &rt));
    fail_unless (gst_structure_get_uint64 (s, "duration", &dur));
    fail_unless_equals_uint64 (rt, GST_BUFFER_PTS (b->data));
    fail_unless_equals_uint64 (dur, GST_BUFFER_DURATION (b->data));
    for (i = 0; i < gst_value_array_get_size (starts); i++) {
      guint64 cs = g_value_get_uint64 (gst_value_array_get_value (starts, i));
      guint64 ce = g_value_get_uint64 (gst_value_array_get_value (ends, i));

      /* characters lie within their audio (ms rounding aside) */
      fail_unless (cs >= rt && ce >= cs && ce <= rt + dur + GST_MSECOND);
    }
    for (i = 0; i < gst_value_array_get_size (words); i++) {
      const gchar *w = g_value_get_string (gst_value_array_get_value (words,
              i));

      /* a word cut by a piece boundary comes in two parts */
      fail_unless (*w && strstr ("One small step. A giant leap.", w), "%s", w);
    }
    n_words += gst_value_array_get_size (words);
    g_string_append (spoken, gst_structure_get_string (s, "text"));
  }
  /* the chunks the service got, spoken in full */
  fail_unless_equals_string (spoken->str, "One small step. A giant leap. ");
  fail_unless (n_words >= 6);
  g_string_free (spoken, TRUE);
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_tokens_become_words_and_sentences)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, NULL);
  const gchar *tokens[] = { "Hel", "lo", " wor", "ld.", " How", " are",
    " you", "?", " Fi", "ne", NULL
  };
  const gchar *expected[] = { "Hello ", "world. ", "How ", "are ", "you? ",
    "Fine "
  };
  const gboolean expected_flush[] = { FALSE, TRUE, FALSE, FALSE, TRUE, TRUE };
  const gchar **tok;
  GPtrArray *texts;
  gboolean flushes[8] = { 0, };
  GList *bufs;
  guint i;

  for (tok = tokens; *tok; tok++)
    push_text (t, *tok, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless (bufs != NULL);

  /* whole words as soon as they are complete (the service buffers them by
   * its chunk_length_schedule), a flush at each sentence end */
  texts = sent_texts (emu, flushes, G_N_ELEMENTS (flushes));
  fail_unless_equals_int (texts->len, G_N_ELEMENTS (expected));
  for (i = 0; i < texts->len; i++) {
    fail_unless_equals_string (g_ptr_array_index (texts, i), expected[i]);
    fail_unless_equals_int (flushes[i], expected_flush[i]);
  }
  /* the utterance ended with EOS: flush and close its context */
  fail_unless (sent_member (emu, "close_context", "sandra-1"));
  g_ptr_array_unref (texts);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* With auto-mode the service wants whole sentences and no flush. */
GST_START_TEST (test_auto_mode_sends_sentences)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, "auto-mode", TRUE, NULL);
  const gchar *tokens[] = { "Hel", "lo", " wor", "ld.", " How", " are",
    " you", "?", NULL
  };
  const gchar **tok;
  GPtrArray *texts;
  GList *bufs;

  for (tok = tokens; *tok; tok++)
    push_text (t, *tok, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless (bufs != NULL);
  texts = sent_texts (emu, NULL, 0);
  fail_unless_equals_int (texts->len, 2);
  fail_unless_equals_string (g_ptr_array_index (texts, 0), "Hello world. ");
  fail_unless_equals_string (g_ptr_array_index (texts, 1), "How are you? ");
  g_ptr_array_unref (texts);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static gboolean audio_for_context_1 (SandraEmulator * emu, gpointer data);

/* A long first sentence streamed token by token starts speaking once the
 * service's first chunk_length_schedule step is reached, before the
 * sentence (or the utterance) ends. */
GST_START_TEST (test_long_sentence_starts_early)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, NULL);
  /* 200 characters without a sentence end: under max-chunk-chars (250),
   * over the service's first schedule step (120) */
  const gchar *sentence = "when the assistant starts a long answer with "
      "a sentence that goes on and on through several clauses and lists "
      "of things such as apples and pears and plums and cherries while "
      "it keeps going";
  gchar **words = g_strsplit (sentence, " ", -1);
  GstBuffer *b;
  GList *bufs, *msgs;
  guint i;

  fail_unless (strlen (sentence) > 150 && strlen (sentence) < 250);
  for (i = 0; words[i]; i++) {
    gchar *tok = g_strconcat (i ? " " : "", words[i], NULL);

    push_text (t, tok, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE);
    g_free (tok);
  }
  /* the sentence has not ended, yet audio comes (safety-net wait) */
  fail_unless (wait_for (audio_for_context_1, emu, NULL),
      "nothing was generated before the sentence ended");
  b = gst_harness_pull (t->h);
  fail_unless (b != NULL);
  gst_buffer_unref (b);
  fail_if (sent_member (emu, "flush", "sandra-1"),
      "a flush was sent although no sentence ended");

  finish (t);
  bufs = pull_until_eos (t);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  {
    gchar *expected = g_strconcat (sentence, " ", NULL);

    /* everything spoken, once */
    fail_unless_equals_string (alignment_text (msgs, 1), expected);
    g_free (expected);
  }
  free_messages (msgs);
  free_buffers (bufs);
  g_strfreev (words);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static guint
server_audio_messages (SandraEmulator * emu, const gchar * context)
{
  JsonArray *events = sandra_emulator_dup_ws_server_events (emu, NULL);
  guint i, n = 0;

  for (i = 0; i < json_array_get_length (events); i++) {
    JsonObject *o = json_array_get_object_element (events, i);

    if (json_object_has_member (o, "audio_bytes") &&
        g_strcmp0 (json_object_get_string_member_with_default (o,
                "contextId", NULL), context) == 0)
      n++;
  }
  json_array_unref (events);
  return n;
}

static gboolean
audio_for_context_1 (SandraEmulator * emu, gpointer data)
{
  return server_audio_messages (emu, "sandra-1") > 0;
}

GST_START_TEST (test_flush_drops_stale_audio)
{
  /* Slow audio: many pieces 100 ms apart, so the flush lands mid-way. */
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"chunk_ms\":150,"
      "\"chunk_interval_ms\":100}}");
  Tts *t = tts_new (emu, NULL);
  GstBuffer *head;
  GList *bufs, *msgs, *l;
  guint before, stale;

  push_text (t, "This is a rather long answer that the user is going to "
      "interrupt before it ends. ", 0, GST_CLOCK_TIME_NONE);
  end_sentence (t);
  head = gst_harness_pull (t->h);
  fail_unless (head != NULL);
  gst_buffer_unref (head);

  /* barge-in */
  fail_unless (gst_harness_push_event (t->h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (t->h, gst_event_new_flush_stop (TRUE)));
  /* (sandra-1 was closed by the end of sentence already; what matters is
   * that its audio still arriving is dropped) */
  before = server_audio_messages (emu, "sandra-1");
  while ((head = gst_harness_try_pull (t->h)))
    gst_buffer_unref (head);
  free_messages (pop_messages (t, "elevenlabstts-alignment",
          GST_MESSAGE_ELEMENT));

  {
    GstSegment seg;

    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (t->h, gst_event_new_segment (&seg)));
  }
  push_text (t, "Sure. ", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  /* the service kept sending the abandoned context's audio a while... */
  stale = server_audio_messages (emu, "sandra-1") - before;
  fail_unless (stale > 0, "the emulator sent nothing stale to drop");
  /* ...and none of it came out: only the new utterance speaks */
  fail_unless (bufs != NULL);
  for (l = msgs; l; l = l->next) {
    guint64 u;

    fail_unless (gst_structure_get_uint64 (gst_message_get_structure
            (l->data), "utterance", &u));
    fail_unless (u > 1, "audio of the interrupted utterance leaked");
  }
  fail_unless (msgs != NULL);
  fail_unless_equals_string (alignment_text (msgs, 2), "Sure. ");
  /* after the barge-in, the timings still describe exactly the audio */
  fail_unless_equals_int (g_list_length (msgs), g_list_length (bufs));
  {
    GList *b, *m;

    for (b = bufs, m = msgs; b && m; b = b->next, m = m->next) {
      guint64 rt, dur;

      fail_unless (gst_structure_get_uint64 (gst_message_get_structure
              (m->data), "running-time", &rt));
      fail_unless (gst_structure_get_uint64 (gst_message_get_structure
              (m->data), "duration", &dur));
      fail_unless_equals_uint64 (rt, GST_BUFFER_PTS (b->data));
      fail_unless_equals_uint64 (dur, GST_BUFFER_DURATION (b->data));
    }
  }
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* The context @data was opened (its first message, with the voice
 * settings, reached the service). */
static gboolean
sent_init (SandraEmulator * emu, gpointer data)
{
  JsonArray *events = sandra_emulator_dup_ws_events (emu, NULL);
  gboolean found = FALSE;
  guint i;

  for (i = 0; i < json_array_get_length (events) && !found; i++) {
    JsonObject *o = json_array_get_object_element (events, i);

    found = json_object_has_member (o, "voice_settings") &&
        g_strcmp0 (json_object_get_string_member_with_default (o,
            "context_id", NULL), data) == 0;
  }
  json_array_unref (events);
  return found;
}

static gboolean
socket_upgraded (SandraEmulator * emu, gpointer data)
{
  return sandra_emulator_count_requests (emu,
      "/v1/text-to-speech/" VOICE "/multi-stream-input") > 0;
}

/* The WebSocket and the first utterance's context are set up when the
 * element starts, not when the first text comes: a reply whose text
 * arrives faster than a connection set-up does not wait for it. */
GST_START_TEST (test_websocket_connects_at_start)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, NULL);
  GList *bufs, *msgs;

  /* no text yet */
  fail_unless (wait_for (socket_upgraded, emu, NULL),
      "no WebSocket before the first text");
  fail_unless (wait_for (sent_init, emu, (gpointer) "sandra-1"));
  push_text (t, "Hello there. ", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  fail_unless_equals_string (alignment_text (msgs, 1), "Hello there. ");
  /* the text went on that socket, in that context */
  fail_unless_equals_int (sandra_emulator_count_requests (emu,
          "/v1/text-to-speech/" VOICE "/multi-stream-input"), 1);
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* A gate in the element's source pad: the first audio buffer of the
 * first utterance is held there until the test lets it go. */
typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean arrived;
  Tts *t;                       /* flush_then_drop flushes it */
} Hold;

static GstPadProbeReturn
block_first_audio (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Hold *hold = data;

  if (GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info),
          GST_BUFFER_FLAG_GAP))
    return GST_PAD_PROBE_PASS;
  g_mutex_lock (&hold->lock);
  hold->arrived = TRUE;
  g_cond_broadcast (&hold->cond);
  g_mutex_unlock (&hold->lock);
  /* stays blocked until the flush wakes the push up */
  return GST_PAD_PROBE_OK;
}

/* Every alignment message describes a buffer downstream received, none
 * belongs to utterance 1 (its only pushed piece was flushed away), and
 * utterance 2 is spoken. */
static void
check_alignment_only_for_received (Tts * t)
{
  GList *bufs, *msgs, *l;
  guint audio = 0;

  bufs = pull_until_eos (t);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  for (l = msgs; l; l = l->next) {
    guint64 u;

    fail_unless (gst_structure_get_uint64 (gst_message_get_structure
            (l->data), "utterance", &u));
    fail_unless (u != 1, "an alignment message for audio a flush dropped "
        "('%s')", gst_structure_get_string (gst_message_get_structure
            (l->data), "text"));
  }
  for (l = bufs; l; l = l->next)
    if (!GST_BUFFER_FLAG_IS_SET (l->data, GST_BUFFER_FLAG_GAP))
      audio++;
  fail_unless_equals_int (g_list_length (msgs), audio);
  fail_unless_equals_string (alignment_text (msgs, 2), "Sure. ");
  free_messages (msgs);
  free_buffers (bufs);
}

static void
restart_after_flush (Tts * t)
{
  GstSegment seg;

  fail_unless (gst_harness_push_event (t->h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t->h, gst_event_new_segment (&seg)));
  push_text (t, "Sure. ", 0, GST_CLOCK_TIME_NONE);
  finish (t);
}

/* A flush that catches a buffer on its way out (blocked in the push):
 * that audio is never played, so no alignment message may speak of it. */
GST_START_TEST (test_flush_in_push_posts_no_alignment)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"chunk_ms\":150,"
      "\"chunk_interval_ms\":100}}");
  Tts *t = tts_new (emu, NULL);
  GstPad *src = gst_element_get_static_pad (t->tts, "src");
  Hold hold = { 0, };
  gulong id;

  g_mutex_init (&hold.lock);
  g_cond_init (&hold.cond);
  id = gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BLOCK |
      GST_PAD_PROBE_TYPE_BUFFER, block_first_audio, &hold, NULL);
  push_text (t, "This answer is interrupted while its first words are on "
      "their way out. ", 0, GST_CLOCK_TIME_NONE);
  end_sentence (t);
  g_mutex_lock (&hold.lock);
  while (!hold.arrived)
    g_cond_wait (&hold.cond, &hold.lock);
  g_mutex_unlock (&hold.lock);

  /* barge-in while the first piece of audio is in the push */
  fail_unless (gst_harness_push_event (t->h, gst_event_new_flush_start ()));
  gst_pad_remove_probe (src, id);
  restart_after_flush (t);
  check_alignment_only_for_received (t);

  gst_object_unref (src);
  g_mutex_clear (&hold.lock);
  g_cond_clear (&hold.cond);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static GstPadProbeReturn
flush_then_drop (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Hold *hold = data;

  if (g_atomic_int_get (&hold->arrived) ||
      GST_BUFFER_FLAG_IS_SET (GST_PAD_PROBE_INFO_BUFFER (info),
          GST_BUFFER_FLAG_GAP))
    return GST_PAD_PROBE_PASS;
  /* The buffer is downstream's now, and a barge-in starts before the push
   * returns: the flush passes the element, then the buffer is discarded
   * (as a queue downstream would). The push itself returns OK. */
  fail_unless (gst_pad_push_event (hold->t->h->srcpad,
          gst_event_new_flush_start ()));
  /* only now may the test thread stop the flush */
  g_atomic_int_set (&hold->arrived, TRUE);
  return GST_PAD_PROBE_DROP;
}

/* Audio downstream accepted, then a flush discarded: no alignment message
 * for it after that flush. */
GST_START_TEST (test_no_alignment_after_its_flush)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"chunk_ms\":150,"
      "\"chunk_interval_ms\":100}}");
  Tts *t = tts_new (emu, NULL);
  GstPad *src = gst_element_get_static_pad (t->tts, "src");
  Hold hold = { 0, };
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  gulong id;

  hold.t = t;
  id = gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, flush_then_drop,
      &hold, NULL);
  push_text (t, "This answer is interrupted just after its first words "
      "left. ", 0, GST_CLOCK_TIME_NONE);
  end_sentence (t);
  while (!g_atomic_int_get (&hold.arrived)) {
    fail_unless (g_get_monotonic_time () < deadline, "no audio came");
    g_usleep (2000);
  }
  gst_pad_remove_probe (src, id);
  restart_after_flush (t);
  check_alignment_only_for_received (t);

  gst_object_unref (src);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_http_transport)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, "transport", 1, "output-rate", 22050, NULL);
  GList *bufs;
  JsonArray *reqs;
  JsonObject *r0 = NULL, *r1 = NULL, *body;
  guint i, n = 0;

  push_text (t, "First sentence. Second", GST_CLOCK_TIME_NONE,
      GST_CLOCK_TIME_NONE);
  push_text (t, " sentence.", GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless (total_duration (bufs) > GST_SECOND);

  reqs = sandra_emulator_dup_requests (emu);
  for (i = 0; i < json_array_get_length (reqs); i++) {
    JsonObject *r = json_array_get_object_element (reqs, i);

    if (!g_str_has_suffix (json_object_get_string_member (r, "path"),
            "/stream/with-timestamps"))
      continue;
    fail_unless_equals_int (json_object_get_int_member (r, "status"), 200);
    fail_unless_equals_string (json_object_get_string_member
        (json_object_get_object_member (r, "query"), "output_format"),
        "pcm_22050");
    if (n == 0)
      r0 = r;
    else
      r1 = r;
    n++;
  }
  fail_unless_equals_int (n, 2);
  body = json_object_get_object_member (r0, "body");
  fail_unless_equals_string (json_object_get_string_member (body, "text"),
      "First sentence. ");
  fail_unless_equals_string (json_object_get_string_member (body,
          "model_id"), "eleven_flash_v2_5");
  fail_if (json_object_has_member (body, "previous_text"));
  body = json_object_get_object_member (r1, "body");
  fail_unless_equals_string (json_object_get_string_member (body, "text"),
      "Second sentence. ");
  fail_unless_equals_string (json_object_get_string_member (body,
          "previous_text"), "First sentence. ");
  json_array_unref (reqs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_opus_transport)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, "transport-format", 2, NULL);
  GList *bufs, *msgs, *l;
  GstClockTime audio, aligned = 0;
  GstCaps *caps;
  gint rate;

  push_text (t, "Opus travels light. It decodes here.", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  caps = gst_pad_get_current_caps (t->h->sinkpad);
  fail_unless (gst_structure_get_int (gst_caps_get_structure (caps, 0),
          "rate", &rate));
  fail_unless_equals_int (rate, 48000);
  gst_caps_unref (caps);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  for (l = msgs; l; l = l->next) {
    const GValue *ends = gst_structure_get_value (gst_message_get_structure
        (l->data), "character-end-times");
    guint64 rt;

    gst_structure_get_uint64 (gst_message_get_structure (l->data),
        "running-time", &rt);
    aligned = g_value_get_uint64 (gst_value_array_get_value (ends,
            gst_value_array_get_size (ends) - 1));
  }
  audio = total_duration (bufs);
  /* decoded Opus lasts as long as the text's timings say (pre-skip and
   * end trimming applied): within a frame */
  fail_unless (aligned > 0 && (GstClockTimeDiff) (audio - aligned) <
      20 * GST_MSECOND && (GstClockTimeDiff) (aligned - audio) <
      20 * GST_MSECOND, "audio %" GST_TIME_FORMAT ", aligned %"
      GST_TIME_FORMAT, GST_TIME_ARGS (audio), GST_TIME_ARGS (aligned));
  fail_unless (buffers_rms (bufs) > -40.0);
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* The first socket was closed by the emulator with close code @data. */
static gboolean
first_socket_closed (SandraEmulator * emu, gpointer data)
{
  JsonObject *r = sandra_emulator_dup_request (emu, 0);
  gboolean closed = r && json_object_get_int_member_with_default (r,
      "close_code", 0) == GPOINTER_TO_INT (data);

  if (r)
    json_object_unref (r);
  return closed;
}

GST_START_TEST (test_reconnect_after_inactivity)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":"
      "{\"inactivity_timeout_ms\":300}}");
  Tts *t = tts_new (emu, "keepalive", FALSE, NULL);
  GstBuffer *b;
  GList *bufs, *msgs;
  GList *errors;

  push_text (t, "Before the pause. ", 0, GST_CLOCK_TIME_NONE);
  end_sentence (t);
  b = gst_harness_pull (t->h);
  fail_unless (b != NULL);
  gst_buffer_unref (b);
  /* the service gives up on the silent socket */
  fail_unless (wait_for (first_socket_closed, emu, GINT_TO_POINTER (1008)));

  push_text (t, "After the pause.", 10 * GST_SECOND, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless_equals_int (sandra_emulator_count_requests (emu,
          "/v1/text-to-speech/" VOICE "/multi-stream-input"), 2);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  fail_unless (msgs != NULL);
  fail_unless_equals_string (alignment_text (msgs, 2), "After the pause. ");
  errors = pop_messages (t, NULL, GST_MESSAGE_ERROR);
  fail_unless (errors == NULL, "inactivity is not an error");
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static gboolean
two_keepalives (SandraEmulator * emu, gpointer data)
{
  JsonArray *events = sandra_emulator_dup_ws_events (emu, NULL);
  guint i, n = 0;

  /* after the first utterance: " " on the spare context sandra-2 */
  for (i = 0; i < json_array_get_length (events); i++) {
    JsonObject *o = json_array_get_object_element (events, i);

    if (g_strcmp0 (json_object_get_string_member_with_default (o, "text",
                NULL), " ") == 0 && !json_object_has_member (o,
            "voice_settings") && g_strcmp0
        (json_object_get_string_member_with_default (o, "context_id", NULL),
            "sandra-2") == 0)
      n++;
  }
  json_array_unref (events);
  return n >= 2;
}

GST_START_TEST (test_keepalive_between_utterances)
{
  SandraEmulator *emu = start_emulator (NULL);
  /* the service would close after 1 s of silence */
  Tts *t = tts_new (emu, "inactivity-timeout", 1, NULL);
  GstBuffer *b;
  GList *bufs, *msgs;
  JsonObject *rec;

  push_text (t, "First. ", 0, GST_CLOCK_TIME_NONE);
  end_sentence (t);
  b = gst_harness_pull (t->h);
  fail_unless (b != NULL);
  gst_buffer_unref (b);
  fail_unless (wait_for (two_keepalives, emu, NULL));

  push_text (t, "Second.", 5 * GST_SECOND, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  /* one socket all along, and the spare context spoke the second */
  fail_unless_equals_int (sandra_emulator_count_requests (emu, NULL), 1);
  rec = sandra_emulator_dup_request (emu, 0);
  fail_unless_equals_string (json_object_get_string_member
      (json_object_get_object_member (rec, "query"), "inactivity_timeout"),
      "1");
  json_object_unref (rec);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  fail_unless_equals_string (alignment_text (msgs, 2), "Second. ");
  fail_unless (sent_member (emu, "close_context", "sandra-2"));
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_reconnect_after_drop)
{
  /* the first socket drops (1011) before any audio came */
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{"
      "\"first_audio_delay_ms\":300,\"connections\":[{\"close_after_ms\":100,"
      "\"close_code\":1011,\"close_reason\":\"internal error\"}]}}");
  Tts *t = tts_new (emu, NULL);
  GList *bufs, *msgs, *warnings;

  push_text (t, "Said once, heard once.", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless_equals_int (sandra_emulator_count_requests (emu,
          "/v1/text-to-speech/" VOICE "/multi-stream-input"), 2);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  /* the text went again on the new socket, and is spoken exactly once */
  fail_unless_equals_string (alignment_text (msgs, 1),
      "Said once, heard once. ");
  warnings = pop_messages (t, NULL, GST_MESSAGE_WARNING);
  fail_unless (warnings != NULL, "a dropped connection is worth a warning");
  fail_unless (pop_messages (t, NULL, GST_MESSAGE_ERROR) == NULL);
  free_messages (warnings);
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* Runs text into a fresh element and returns its first ERROR, or NULL
 * once EOS came out. */
static GstMessage *
run_for_error (SandraEmulator * emu, const gchar * text, const gchar * prop,
    gint value)
{
  Tts *t = prop ? tts_new (emu, prop, value, NULL) : tts_new (emu, NULL);
  GstMessage *m = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  GstFlowReturn ret;

  /* The WebSocket connects when the element starts: what its upgrade
   * fails on may have failed the element before the text comes. */
  ret = gst_harness_push (t->h, gst_buffer_new_memdup (text, strlen (text)));
  fail_unless (ret == GST_FLOW_OK || ret == GST_FLOW_ERROR, "%s",
      gst_flow_get_name (ret));
  gst_harness_push_event (t->h, gst_event_new_eos ());
  while (m == NULL && g_get_monotonic_time () < deadline) {
    GstEvent *ev = gst_harness_try_pull_event (t->h);

    m = gst_bus_pop_filtered (t->bus, GST_MESSAGE_ERROR);
    if (ev && GST_EVENT_TYPE (ev) == GST_EVENT_EOS) {
      gst_event_unref (ev);
      break;
    }
    if (ev)
      gst_event_unref (ev);
    if (m == NULL)
      g_usleep (5000);
  }
  tts_free (t);
  return m;
}

static void
check_error (GstMessage * m, GQuark domain, gint code, const gchar * status,
    const gchar * words)
{
  GError *err = NULL;
  gchar *debug = NULL;
  const GstStructure *details = NULL;

  fail_unless (m != NULL, "no error for %s", status);
  gst_message_parse_error (m, &err, &debug);
  fail_unless (err->domain == domain && err->code == code,
      "%s: got %s", status, err->message);
  fail_unless (strstr (err->message, words) != NULL, "%s", err->message);
  fail_if (strstr (err->message, "xi-local") != NULL);
  gst_message_parse_error_details (m, &details);
  fail_unless (details != NULL);
  fail_unless_equals_string (gst_structure_get_string (details, "code"),
      status);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (m);
}

GST_START_TEST (test_errors)
{
  SandraEmulator *emu;

  emu = start_emulator ("{\"api_keys\":[\"only-this\"]}");
  check_error (run_for_error (emu, "Hello.", NULL, 0), GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_AUTHORIZED, "invalid_api_key", "API key");
  check_error (run_for_error (emu, "Hello.", "transport", 1),
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_AUTHORIZED,
      "invalid_api_key", "API key");
  sandra_emulator_free (emu);

  emu = start_emulator ("{\"elevenlabs\":{\"voices\":[\"someone-else\"]}}");
  check_error (run_for_error (emu, "Hello.", NULL, 0), GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_NOT_FOUND, "voice_not_found", "voice-id");
  check_error (run_for_error (emu, "Hello.", "transport", 1),
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, "voice_not_found",
      "voice-id");
  sandra_emulator_free (emu);

  emu = start_emulator ("{\"elevenlabs\":{\"connections\":[{\"error\":"
      "{\"status\":\"quota_exceeded\",\"message\":\"This request exceeds "
      "your quota of 10000.\"}}]}}");
  check_error (run_for_error (emu, "Hello.", NULL, 0), GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_FAILED, "quota_exceeded", "quota");
  sandra_emulator_free (emu);

  emu = start_emulator ("{\"elevenlabs\":{\"max_characters\":10}}");
  check_error (run_for_error (emu, "This is more than ten characters.",
          NULL, 0), GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
      "max_character_limit_exceeded", "too large");
  check_error (run_for_error (emu, "This is more than ten characters.",
          "transport", 1), GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_FAILED,
      "max_character_limit_exceeded", "too large");
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* Busy answers are warnings and retries, and the speech still comes. */
static void
check_busy_then_speaks (const gchar * scenario, gint transport,
    const gchar * code)
{
  SandraEmulator *emu = start_emulator (scenario);
  Tts *t = tts_new (emu, "transport", transport, NULL);
  GList *bufs, *warnings, *l;
  gboolean named = FALSE;

  push_text (t, "Eventually.", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless (total_duration (bufs) > 200 * GST_MSECOND);
  warnings = pop_messages (t, NULL, GST_MESSAGE_WARNING);
  fail_unless (warnings != NULL);
  for (l = warnings; l; l = l->next) {
    GError *err = NULL;

    gst_message_parse_warning (l->data, &err, NULL);
    named |= strstr (err->message, "busy") != NULL ||
        strstr (err->message, code) != NULL;
    g_error_free (err);
  }
  fail_unless (named);
  fail_unless (pop_messages (t, NULL, GST_MESSAGE_ERROR) == NULL);
  free_messages (warnings);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_START_TEST (test_busy_retries)
{
  check_busy_then_speaks ("{\"elevenlabs\":{\"requests\":[{\"status\":429,"
      "\"retry_after\":0,\"detail\":{\"status\":"
      "\"too_many_concurrent_requests\",\"message\":\"Too many concurrent "
      "requests\"}}]}}", 1, "too_many_concurrent_requests");
  check_busy_then_speaks ("{\"elevenlabs\":{\"requests\":[{\"status\":429,"
      "\"detail\":{\"status\":\"system_busy\",\"message\":\"busy\"}}]}}", 1,
      "system_busy");
  check_busy_then_speaks ("{\"elevenlabs\":{\"connections\":[{"
      "\"reject_status\":429,\"reject_detail\":{\"status\":"
      "\"too_many_concurrent_requests\",\"message\":\"busy\"}}]}}", 0,
      "too_many_concurrent_requests");
  check_busy_then_speaks ("{\"elevenlabs\":{\"connections\":[{\"error\":"
      "{\"status\":\"system_busy\",\"message\":\"The system is busy\"}}]}}",
      0, "system_busy");
}

GST_END_TEST;

GST_START_TEST (test_malformed_message_warns)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"connections\":"
      "[{\"raw_message\":\"{\\\"audio\\\": \"}]}}");
  Tts *t = tts_new (emu, NULL);
  GList *bufs, *warnings;

  push_text (t, "Still fine.", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless (total_duration (bufs) > 200 * GST_MSECOND);
  warnings = pop_messages (t, NULL, GST_MESSAGE_WARNING);
  fail_unless_equals_int (g_list_length (warnings), 1);
  free_messages (warnings);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_timed_text_is_spoken_on_time)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, NULL);
  GList *bufs, *msgs, *l;
  guint64 first2 = GST_CLOCK_TIME_NONE;

  /* subtitles: each has a slot, and there is a gap between them */
  push_text (t, "First line.", 0, GST_SECOND);
  push_text (t, "Second line.", 5 * GST_SECOND, GST_SECOND);
  finish (t);
  bufs = pull_until_eos (t);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  fail_unless_equals_string (alignment_text (msgs, 1), "First line. ");
  fail_unless_equals_string (alignment_text (msgs, 2), "Second line. ");
  for (l = msgs; l; l = l->next) {
    const GstStructure *s = gst_message_get_structure (l->data);
    guint64 u, rt;

    gst_structure_get_uint64 (s, "utterance", &u);
    gst_structure_get_uint64 (s, "running-time", &rt);
    if (u == 2 && !GST_CLOCK_TIME_IS_VALID (first2))
      first2 = rt;
  }
  /* the second line waits for its time instead of following the first */
  fail_unless_equals_uint64 (first2, 5 * GST_SECOND);
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_live_timestamps)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, "latency-ms", 300, NULL);
  GstTestClock *clock = GST_TEST_CLOCK (gst_harness_get_testclock (t->h));
  GList *bufs;
  GstClockTime expected;

  gst_harness_set_upstream_latency (t->h, 100 * GST_MSECOND);
  /* the element adds its latency-ms to what upstream reports */
  fail_unless_equals_uint64 (gst_harness_query_latency (t->h),
      400 * GST_MSECOND);

  /* The text is stamped 1 s, but the clock already says 5 s: its audio
   * cannot be heard at 1 s any more and must play as soon as possible,
   * that is "now" minus the pipeline latency, plus the 20 ms margin. */
  gst_test_clock_set_time (clock, 5 * GST_SECOND);
  push_text (t, "Late.", GST_SECOND, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  expected = 5 * GST_SECOND + 20 * GST_MSECOND - 400 * GST_MSECOND;
  fail_unless_equals_uint64 (GST_BUFFER_PTS (bufs->data), expected);
  fail_unless (GST_BUFFER_FLAG_IS_SET (bufs->data, GST_BUFFER_FLAG_DISCONT));
  gst_object_unref (clock);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static GstStructure *
utterance_stats (GList * msgs, guint64 utterance)
{
  for (; msgs; msgs = msgs->next) {
    const GstStructure *s = gst_message_get_structure (msgs->data);
    guint64 u;

    if (gst_structure_get_uint64 (s, "utterance", &u) && u == utterance)
      return gst_structure_copy (s);
  }
  fail ("no stats for utterance %" G_GUINT64_FORMAT, utterance);
  return NULL;
}

GST_START_TEST (test_overrun_clip)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"chunk_ms\":200}}");
  Tts *t = tts_new (emu, "overrun", 1, NULL);
  GList *bufs, *msgs, *l;
  GstStructure *s;
  gdouble clipped;
  gboolean interrupted;

  /* far more speech than its half second slot */
  push_text (t, "This sentence takes a lot longer than half a second. ",
      GST_SECOND, GST_SECOND / 2);
  end_sentence (t);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless_equals_uint64 (GST_BUFFER_PTS (bufs->data), GST_SECOND);
  fail_unless_equals_uint64 (total_duration (bufs), GST_SECOND / 2);
  msgs = pop_messages (t, "elevenlabstts-utterance", GST_MESSAGE_ELEMENT);
  s = utterance_stats (msgs, 1);
  fail_unless (gst_structure_get_double (s, "clipped-seconds", &clipped));
  fail_unless (clipped > 2.0, "%f s clipped", clipped);
  fail_unless (gst_structure_get_boolean (s, "interrupted", &interrupted));
  fail_if (interrupted);
  gst_structure_free (s);
  free_messages (msgs);
  /* no character is announced beyond the cut */
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  for (l = msgs; l; l = l->next) {
    const GValue *ends = gst_structure_get_value (gst_message_get_structure
        (l->data), "character-end-times");
    guint i;

    for (i = 0; i < gst_value_array_get_size (ends); i++)
      fail_unless (g_value_get_uint64 (gst_value_array_get_value (ends, i))
          <= GST_SECOND + GST_SECOND / 2);
  }
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_overrun_interrupt)
{
  /* the first answer trickles in (a 100 ms piece every 150 ms), the
   * second is due at 300 ms */
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"chunk_ms\":100,"
      "\"chunk_interval_ms\":150}}");
  Tts *t = tts_new (emu, "overrun", 2, NULL);
  GList *bufs, *msgs;
  GstStructure *s1, *s2;
  gdouble a1;
  gboolean interrupted;

  push_text (t, "A long first answer that will not be heard to its end. ", 0,
      GST_CLOCK_TIME_NONE);
  end_sentence (t);
  push_text (t, "Second. ", 300 * GST_MSECOND, GST_CLOCK_TIME_NONE);
  end_sentence (t);
  finish (t);
  bufs = pull_until_eos (t);
  msgs = pop_messages (t, "elevenlabstts-utterance", GST_MESSAGE_ELEMENT);
  s1 = utterance_stats (msgs, 1);
  s2 = utterance_stats (msgs, 2);
  fail_unless (gst_structure_get_boolean (s1, "interrupted", &interrupted));
  fail_unless (interrupted);
  /* cut once it ran past 300 ms, far from its full length */
  fail_unless (gst_structure_get_double (s1, "audio-seconds", &a1));
  fail_unless (a1 >= 0.3 && a1 < 1.0, "%f s", a1);
  fail_unless (gst_structure_get_boolean (s2, "interrupted", &interrupted));
  fail_if (interrupted);
  fail_unless (gst_structure_get_double (s2, "audio-seconds", &a1) && a1 > 0.3);
  /* (no check on close_context here: the end of sentence closed
   * sandra-1 before any interruption, so it could not tell) */
  gst_structure_free (s1);
  gst_structure_free (s2);
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* ---- a real non-live pipeline: continuous output ---- */

static GstFlowReturn
collect_sample (GstAppSink * sink, gpointer data)
{
  GstSample *s = gst_app_sink_pull_sample (sink);

  g_ptr_array_add (data, gst_buffer_ref (gst_sample_get_buffer (s)));
  gst_sample_unref (s);
  return GST_FLOW_OK;
}

GST_START_TEST (test_non_live_is_continuous)
{
  SandraEmulator *emu = start_emulator (NULL);
  gchar *desc = g_strdup_printf ("appsrc name=src format=time "
      "caps=text/x-raw,format=utf8 ! elevenlabstts base-url=%s "
      "api-key=xi-local ! appsink name=sink sync=false",
      sandra_emulator_get_base_url (emu));
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GPtrArray *bufs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_buffer_unref);
  GstAppSinkCallbacks cb = { NULL, NULL, collect_sample };
  GstMessage *msg;
  GstBuffer *b;
  GstClockTime expected = 0, first_speech = GST_CLOCK_TIME_NONE;
  guint i;

  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, bufs, NULL);
  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  b = gst_buffer_new_memdup ("Two seconds in.", 15);
  GST_BUFFER_PTS (b) = 2 * GST_SECOND;
  gst_app_src_push_buffer (GST_APP_SRC (src), b);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS);
  gst_message_unref (msg);

  /* from 0, no gap: silence up to the text's time, then speech */
  fail_unless (bufs->len > 1);
  for (i = 0; i < bufs->len; i++) {
    GstBuffer *buf = g_ptr_array_index (bufs, i);

    fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), expected);
    expected += GST_BUFFER_DURATION (buf);
    if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_GAP) &&
        !GST_CLOCK_TIME_IS_VALID (first_speech))
      first_speech = GST_BUFFER_PTS (buf);
  }
  fail_unless_equals_uint64 (first_speech, 2 * GST_SECOND);
  gst_element_set_state (pipe, GST_STATE_NULL);
  g_ptr_array_unref (bufs);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
  sandra_emulator_free (emu);
}

GST_END_TEST;

GST_START_TEST (test_state_cycles)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"chunk_ms\":100,"
      "\"chunk_interval_ms\":50}}");
  guint i;

  /* tearing down in the middle of speech leaves nothing behind */
  for (i = 0; i < 3; i++) {
    Tts *t = tts_new (emu, "transport", i % 2, NULL);
    GstBuffer *b;

    push_text (t, "Interrupted by a state change, again and again. ", 0,
        GST_CLOCK_TIME_NONE);
    end_sentence (t);
    b = gst_harness_pull (t->h);
    fail_unless (b != NULL);
    gst_buffer_unref (b);
    tts_free (t);
  }
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* A second stream after EOS (STREAM_START without a flush, as from concat
 * or an application reusing its source) is spoken too. */
GST_START_TEST (test_new_stream_after_eos)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, NULL);
  GList *bufs, *msgs;
  GstSegment seg;

  push_text (t, "First stream.", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless (bufs != NULL);
  free_buffers (bufs);

  fail_unless (gst_harness_push_event (t->h,
          gst_event_new_stream_start ("second")));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t->h, gst_event_new_segment (&seg)));
  push_text (t, "Second stream.", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless (bufs != NULL, "nothing was spoken after the first EOS");
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  fail_unless_equals_string (alignment_text (msgs, 2), "Second stream. ");
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* A base URL that cannot work fails the state change with a clear error,
 * not a connection failure once text comes. */
GST_START_TEST (test_invalid_base_url_fails_start)
{
  const gchar *urls[] = { "not a url", "ftp://example.com/v1", "http://",
    NULL
  };
  const gchar **url;

  for (url = urls; *url; url++) {
    GstElement *tts = gst_element_factory_make ("elevenlabstts", NULL);
    GstBus *bus = gst_bus_new ();
    GstMessage *m;
    GError *err = NULL;

    gst_element_set_bus (tts, bus);
    g_object_set (tts, "base-url", *url, "api-key", "xi-local", NULL);
    fail_unless_equals_int (gst_element_set_state (tts, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    m = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
    fail_unless (m != NULL, "no error for %s", *url);
    gst_message_parse_error (m, &err, NULL);
    fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
            GST_RESOURCE_ERROR_SETTINGS), "%s: %s", *url, err->message);
    fail_unless (strstr (err->message, "base URL") != NULL);
    g_error_free (err);
    gst_message_unref (m);
    gst_element_set_state (tts, GST_STATE_NULL);
    gst_element_set_bus (tts, NULL);
    gst_object_unref (bus);
    gst_object_unref (tts);
  }
}

GST_END_TEST;

/* A service that quotes the key back in its error (WebSocket error event)
 * does not get it onto the bus. */
GST_START_TEST (test_server_error_never_shows_key)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"connections\":"
      "[{\"error\":{\"status\":\"quota_exceeded\",\"message\":\"Key "
      "xi-local has no quota left.\"}}]}}");
  GstMessage *m = run_for_error (emu, "Hello.", NULL, 0);
  GError *err = NULL;
  gchar *debug = NULL, *details_str;
  const GstStructure *details = NULL;

  fail_unless (m != NULL);
  gst_message_parse_error (m, &err, &debug);
  fail_unless (strstr (err->message, "quota") != NULL, "%s", err->message);
  fail_if (strstr (err->message, "xi-local") != NULL, "%s", err->message);
  fail_if (debug && strstr (debug, "xi-local") != NULL, "%s", debug);
  gst_message_parse_error_details (m, &details);
  fail_unless (details != NULL);
  details_str = gst_structure_to_string (details);
  fail_if (strstr (details_str, "xi-local") != NULL, "%s", details_str);
  g_free (details_str);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (m);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* A service that takes the text and never answers (no audio, no isFinal)
 * must not hold EOS back forever: the utterance is given up with a
 * warning and EOS follows. */
GST_START_TEST (test_silent_service_releases_eos)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"connections\":"
      "[{\"silent\":true}]}}");
  Tts *t = tts_new (emu, "response-timeout-ms", 200, NULL);
  GList *bufs, *msgs, *warnings;
  GstStructure *s;
  gboolean complete;

  push_text (t, "Is anybody there?", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  /* fails (safety net) when EOS never comes */
  bufs = pull_until_eos (t);
  fail_unless (bufs == NULL);
  msgs = pop_messages (t, "elevenlabstts-utterance", GST_MESSAGE_ELEMENT);
  s = utterance_stats (msgs, 1);
  fail_unless (gst_structure_get_boolean (s, "complete", &complete));
  fail_if (complete);
  gst_structure_free (s);
  warnings = pop_messages (t, NULL, GST_MESSAGE_WARNING);
  fail_unless (warnings != NULL, "giving up is worth a warning");
  fail_unless (pop_messages (t, NULL, GST_MESSAGE_ERROR) == NULL);
  free_messages (warnings);
  free_messages (msgs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* The spoken text (alignment) is @full said once: nothing repeated and
 * nothing lost but at most the tail of one word cut by a dropped
 * connection. Spaces are ignored. */
static void
check_said_once (const gchar * spoken, const gchar * full)
{
  GString *a = g_string_new (NULL), *b = g_string_new (NULL);
  gsize pre = 0, suf = 0, i;
  const gchar *p;

  for (p = spoken; *p; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (a, *p);
  for (p = full; *p; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (b, *p);
  fail_unless (a->len <= b->len, "said more than the text: '%s'", spoken);
  while (pre < a->len && a->str[pre] == b->str[pre])
    pre++;
  while (suf < a->len - pre &&
      a->str[a->len - 1 - suf] == b->str[b->len - 1 - suf])
    suf++;
  fail_unless (pre + suf == a->len, "not the text said once: '%s'", spoken);
  /* what is missing lies within one word of the original */
  {
    gsize from = 0, skipped = b->len - a->len, words = 0;
    const gchar *q;

    /* map the missing non-space range back onto @full */
    for (q = full; *q && from < pre; q++)
      if (!g_ascii_isspace (*q))
        from++;
    for (i = 0; *q && i < skipped; q++) {
      if (g_ascii_isspace (*q)) {
        if (i > 0)
          words++;
      } else {
        i++;
      }
    }
    fail_unless (words == 0, "whole words were lost: '%s'", spoken);
  }
  g_string_free (a, TRUE);
  g_string_free (b, TRUE);
}

static guint
audio_on_record (SandraEmulator * emu, guint index)
{
  JsonObject *r = sandra_emulator_dup_request (emu, index);
  JsonArray *ev;
  guint i, n = 0;

  if (r == NULL)
    return 0;
  ev = json_object_has_member (r, "server_events") ?
      json_object_get_array_member (r, "server_events") : NULL;
  for (i = 0; ev && i < json_array_get_length (ev); i++)
    if (json_object_has_member (json_array_get_object_element (ev, i),
            "audio_bytes"))
      n++;
  json_object_unref (r);
  return n;
}

/* The connection drops (1011) while the utterance is being spoken: the
 * text not heard yet goes again on the new socket, and the utterance is
 * heard to its end, nothing twice. */
GST_START_TEST (test_drop_mid_speech_resends_rest)
{
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"chunk_ms\":100,"
      "\"chunk_interval_ms\":100,\"connections\":[{\"close_after_ms\":800,"
      "\"close_code\":1011,\"close_reason\":\"internal error\"}]}}");
  Tts *t = tts_new (emu, NULL);
  const gchar *text = "The quick brown fox jumps over the lazy dog near the "
      "river bank today.";
  GList *bufs, *msgs, *stats;
  GstStructure *s;
  gboolean complete;

  push_text (t, text, 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless_equals_int (sandra_emulator_count_requests (emu,
          "/v1/text-to-speech/" VOICE "/multi-stream-input"), 2);
  /* the drop came in the middle: some audio before, the rest after */
  fail_unless (audio_on_record (emu, 0) > 0, "no audio before the drop");
  fail_unless (audio_on_record (emu, 1) > 0, "nothing spoken after the drop");
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  check_said_once (alignment_text (msgs, 1), text);
  /* the last word made it */
  fail_unless (g_str_has_suffix (alignment_text (msgs, 1), "today. "),
      "%s", alignment_text (msgs, 1));
  stats = pop_messages (t, "elevenlabstts-utterance", GST_MESSAGE_ELEMENT);
  s = utterance_stats (stats, 1);
  fail_unless (gst_structure_get_boolean (s, "complete", &complete));
  fail_unless (complete);
  gst_structure_free (s);
  fail_unless (pop_messages (t, NULL, GST_MESSAGE_ERROR) == NULL);
  free_messages (stats);
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* The spoken text (alignment, as the service normalised it) is @full
 * said once, each written word of @full as @words says it: nothing
 * repeated, and nothing lost but the tail of one written word's spoken
 * form, cut by a dropped connection. Spaces are ignored. */
static void
check_said_once_normalized (const gchar * spoken, const gchar * full,
    const gchar * const *words)
{
  GString *said = g_string_new (NULL), *norm = g_string_new (NULL);
  GArray *ends = g_array_new (FALSE, FALSE, sizeof (gsize));
  gchar **tokens = g_strsplit (full, " ", -1), **t;
  gsize pre = 0, suf = 0, i;
  const gchar *p;

  /* the normalised text without spaces, and where each written word's
   * spoken form ends in it */
  for (t = tokens; *t; t++) {
    const gchar *form = *t;

    for (i = 0; words[i]; i += 2)
      if (g_str_equal (words[i], *t))
        form = words[i + 1];
    for (p = form; *p; p++)
      if (!g_ascii_isspace (*p))
        g_string_append_c (norm, *p);
    g_array_append_val (ends, norm->len);
  }
  for (p = spoken; *p; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (said, *p);
  fail_unless (said->len <= norm->len, "said more than the text: '%s'", spoken);
  while (pre < said->len && said->str[pre] == norm->str[pre])
    pre++;
  while (suf < said->len - pre &&
      said->str[said->len - 1 - suf] == norm->str[norm->len - 1 - suf])
    suf++;
  fail_unless (pre + suf == said->len, "not the text said once: '%s'", spoken);
  /* the missing stretch [pre, norm->len - suf) lies in one written word */
  for (i = 0; i < ends->len && g_array_index (ends, gsize, i) <= pre; i++);
  fail_unless (norm->len - suf == pre || (i < ends->len &&
          norm->len - suf <= g_array_index (ends, gsize, i)),
      "words were lost: '%s'", spoken);
  g_strfreev (tokens);
  g_array_unref (ends);
  g_string_free (said, TRUE);
  g_string_free (norm, TRUE);
}

/* The service says the text its own way ("42" as "forty two", "Dr." as
 * "Doctor") and its alignment spells what it said. A drop in the middle:
 * the rest is found by words, and said once. Counting characters would
 * start the rest too late (skipping words). */
GST_START_TEST (test_drop_with_normalised_text_resends_rest)
{
  static const gchar *const words[] = { "Dr.", "Doctor", "42", "forty two",
    "km", "kilometres", "9", "nine", "am,", "a m,", NULL
  };
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{\"chunk_ms\":100,"
      "\"chunk_interval_ms\":100,\"normalize\":{\"words\":{\"Dr.\":\"Doctor\","
      "\"42\":\"forty two\",\"km\":\"kilometres\",\"9\":\"nine\","
      "\"am\":\"a m\"}},\"connections\":[{\"close_after_ms\":1500,"
      "\"close_code\":1011,\"close_reason\":\"internal error\"}]}}");
  Tts *t = tts_new (emu, NULL);
  const gchar *text = "Dr. Lee drove 42 km to the old mill by 9 am, then "
      "walked home along the river bank today.";
  GList *bufs, *msgs;

  push_text (t, text, 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless_equals_int (sandra_emulator_count_requests (emu,
          "/v1/text-to-speech/" VOICE "/multi-stream-input"), 2);
  fail_unless (audio_on_record (emu, 0) > 0, "no audio before the drop");
  fail_unless (audio_on_record (emu, 1) > 0, "nothing spoken after the drop");
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  GST_INFO ("heard: %s", alignment_text (msgs, 1));
  check_said_once_normalized (alignment_text (msgs, 1), text, words);
  fail_unless (g_str_has_suffix (alignment_text (msgs, 1), "today. "),
      "%s", alignment_text (msgs, 1));
  fail_unless (pop_messages (t, NULL, GST_MESSAGE_ERROR) == NULL);
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* Text that comes while the socket reconnects is said once: the resend
 * on the new socket carries it, the send queue does not repeat it. */
GST_START_TEST (test_text_during_reconnect_said_once)
{
  /* no audio before the drop; the first reconnection is refused, so the
   * second sentence surely arrives while reconnecting */
  SandraEmulator *emu = start_emulator ("{\"elevenlabs\":{"
      "\"first_audio_delay_ms\":500,\"connections\":[{\"close_after_ms\":"
      "100,\"close_code\":1011},{\"reject_status\":503}]}}");
  Tts *t = tts_new (emu, "retries", 5, NULL);
  GList *bufs, *msgs;

  push_text (t, "First part, ", 0, GST_CLOCK_TIME_NONE);
  fail_unless (wait_for (first_socket_closed, emu, GINT_TO_POINTER (1011)));
  push_text (t, "second part.", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  fail_unless_equals_string (alignment_text (msgs, 1),
      "First part, second part. ");
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* Non-live: a GAP in timed text ends the utterance before it (it is
 * spoken now, not when the next text comes) and the output stays
 * continuous through the gap as silence, before any EOS. */
GST_START_TEST (test_gap_fills_non_live)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, NULL);
  GstClockTime expected = 0;
  gint64 deadline = g_get_monotonic_time () + WAIT_MS * 1000;
  gboolean speech = FALSE, silence_after = FALSE;
  GList *msgs;

  gst_harness_set_live (t->h, FALSE);
  push_text (t, "Hello.", 0, GST_SECOND);
  fail_unless (gst_harness_push_event (t->h, gst_event_new_gap (GST_SECOND,
              4 * GST_SECOND)));
  /* no EOS: the output must reach the gap's end by itself */
  while (expected < 5 * GST_SECOND) {
    GstBuffer *b = gst_harness_try_pull (t->h);

    fail_unless (g_get_monotonic_time () < deadline,
        "the output stopped at %" GST_TIME_FORMAT, GST_TIME_ARGS (expected));
    if (b == NULL) {
      g_usleep (2000);
      continue;
    }
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), expected);
    expected += GST_BUFFER_DURATION (b);
    if (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_GAP))
      silence_after |= speech;
    else
      speech = TRUE;
    gst_buffer_unref (b);
  }
  fail_unless_equals_uint64 (expected, 5 * GST_SECOND);
  fail_unless (speech && silence_after);
  /* the utterance was over before any EOS */
  msgs = pop_messages (t, "elevenlabstts-utterance", GST_MESSAGE_ELEMENT);
  fail_unless_equals_int (g_list_length (msgs), 1);
  free_messages (msgs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* Live: a GAP pushes nothing (no stale silence); the next text is spoken
 * at its own time. */
GST_START_TEST (test_gap_live_pushes_nothing_stale)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, NULL);
  GList *bufs, *l, *msgs;
  guint64 first2 = GST_CLOCK_TIME_NONE;

  push_text (t, "Hello.", 0, GST_SECOND);
  fail_unless (gst_harness_push_event (t->h, gst_event_new_gap (GST_SECOND,
              4 * GST_SECOND)));
  push_text (t, "World.", 5 * GST_SECOND, GST_SECOND);
  finish (t);
  bufs = pull_until_eos (t);
  for (l = bufs; l; l = l->next)
    fail_if (GST_BUFFER_FLAG_IS_SET (l->data, GST_BUFFER_FLAG_GAP));
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  for (l = msgs; l; l = l->next) {
    const GstStructure *st = gst_message_get_structure (l->data);
    guint64 u, rt;

    gst_structure_get_uint64 (st, "utterance", &u);
    gst_structure_get_uint64 (st, "running-time", &rt);
    if (u == 2 && !GST_CLOCK_TIME_IS_VALID (first2))
      first2 = rt;
  }
  fail_unless_equals_uint64 (first2, 5 * GST_SECOND);
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static GstPadProbeReturn
flush_during_chain (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  gboolean *done = data;

  /* the element asks upstream for the latency from inside its chain
   * function: a FLUSH_START now lands while that buffer is being handled */
  if (GST_QUERY_TYPE (GST_PAD_PROBE_INFO_QUERY (info)) == GST_QUERY_LATENCY
      && !*done) {
    *done = TRUE;
    fail_unless (gst_pad_push_event (pad, gst_event_new_flush_start ()));
  }
  return GST_PAD_PROBE_OK;
}

/* Text whose buffer was already inside the element when a flush started
 * is not spoken after the flush. */
GST_START_TEST (test_flush_during_chain_drops_its_text)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = tts_new (emu, NULL);
  gboolean flushed = FALSE;
  GList *bufs, *msgs, *l;
  GstSegment seg;
  gulong id;

  id = gst_pad_add_probe (t->h->srcpad, GST_PAD_PROBE_TYPE_QUERY_UPSTREAM,
      flush_during_chain, &flushed, NULL);
  /* the buffer was accepted before the flush began */
  push_text (t, "Stale words. ", 0, GST_CLOCK_TIME_NONE);
  fail_unless (flushed);
  gst_pad_remove_probe (t->h->srcpad, id);
  fail_unless (gst_harness_push_event (t->h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t->h, gst_event_new_segment (&seg)));
  push_text (t, "Fresh words. ", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  msgs = pop_messages (t, "elevenlabstts-alignment", GST_MESSAGE_ELEMENT);
  fail_unless (msgs != NULL);
  for (l = msgs; l; l = l->next)
    fail_if (strstr (gst_structure_get_string (gst_message_get_structure
                (l->data), "text"), "Stale") != NULL,
        "text from before the flush was spoken");
  fail_unless_equals_string (alignment_text (msgs, 2), "Fresh words. ");
  free_messages (msgs);
  free_buffers (bufs);
  tts_free (t);
  sandra_emulator_free (emu);
}

GST_END_TEST;

typedef struct
{
  GMutex lock;
  GCond cond;
  gboolean blocked, released;
} Gate;

static GstPadProbeReturn
hold_stream_start (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  Gate *g = data;
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);

  g_mutex_lock (&g->lock);
  if (GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_START) {
    g->released = TRUE;
    g_cond_broadcast (&g->cond);
  } else if (GST_EVENT_TYPE (ev) == GST_EVENT_STREAM_START && !g->blocked) {
    /* the output task is held here, CAPS and SEGMENT still queued */
    g->blocked = TRUE;
    g_cond_broadcast (&g->cond);
    while (!g->released)
      g_cond_wait (&g->cond, &g->lock);
  }
  g_mutex_unlock (&g->lock);
  return GST_PAD_PROBE_OK;
}

/* A flush before the output pushed the stream's CAPS keeps them: the
 * audio after the flush still goes out with caps. */
GST_START_TEST (test_flush_keeps_pending_caps)
{
  SandraEmulator *emu = start_emulator (NULL);
  Tts *t = g_new0 (Tts, 1);
  Gate gate = { 0, };
  GList *bufs;
  GstCaps *caps;
  GstSegment seg;

  g_mutex_init (&gate.lock);
  g_cond_init (&gate.cond);
  t->tts = gst_element_factory_make ("elevenlabstts", NULL);
  g_object_set (t->tts, "base-url", sandra_emulator_get_base_url (emu),
      "api-key", "xi-local", NULL);
  t->bus = gst_bus_new ();
  gst_element_set_bus (t->tts, t->bus);
  t->h = gst_harness_new_with_element (t->tts, "sink", "src");
  gst_pad_add_probe (t->h->sinkpad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
      GST_PAD_PROBE_TYPE_EVENT_FLUSH, hold_stream_start, &gate, NULL);
  gst_harness_set_src_caps_str (t->h, "text/x-raw,format=utf8");
  g_mutex_lock (&gate.lock);
  while (!gate.blocked)
    g_cond_wait (&gate.cond, &gate.lock);
  g_mutex_unlock (&gate.lock);

  fail_unless (gst_harness_push_event (t->h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (t->h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (t->h, gst_event_new_segment (&seg)));
  push_text (t, "After the flush.", 0, GST_CLOCK_TIME_NONE);
  finish (t);
  bufs = pull_until_eos (t);
  fail_unless (bufs != NULL);
  caps = gst_pad_get_current_caps (t->h->sinkpad);
  fail_unless (caps != NULL, "audio went out without caps");
  gst_caps_unref (caps);
  free_buffers (bufs);
  tts_free (t);
  g_mutex_clear (&gate.lock);
  g_cond_clear (&gate.cond);
  sandra_emulator_free (emu);
}

GST_END_TEST;

/* Speech pushed into an unlinked source pad is an error (as for any
 * source), and the text that follows is refused, not sent to be billed. */
GST_START_TEST (test_not_linked_is_an_error)
{
  SandraEmulator *emu = start_emulator (NULL);
  gchar *desc = g_strdup_printf ("appsrc name=src format=time "
      "caps=text/x-raw,format=utf8 ! elevenlabstts name=tts base-url=%s "
      "api-key=xi-local", sandra_emulator_get_base_url (emu));
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstMessage *msg;
  GError *err = NULL;
  GstBuffer *b;

  fail_unless (gst_element_set_state (pipe, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  b = gst_buffer_new_memdup ("Nobody listens.", 15);
  GST_BUFFER_PTS (b) = 0;
  gst_app_src_push_buffer (GST_APP_SRC (src), b);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  msg = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipe), 20 * GST_SECOND,
      GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error for an unlinked source pad");
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR,
          GST_STREAM_ERROR_FAILED), "%s", err->message);
  g_error_free (err);
  gst_message_unref (msg);
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (pipe);
  g_free (desc);
  sandra_emulator_free (emu);
}

GST_END_TEST;

static Suite *
elevenlabstts_suite (void)
{
  Suite *s = suite_create ("elevenlabstts");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_speaks_text);
  tcase_add_test (tc, test_alignment_matches_audio);
  tcase_add_test (tc, test_tokens_become_words_and_sentences);
  tcase_add_test (tc, test_long_sentence_starts_early);
  tcase_add_test (tc, test_auto_mode_sends_sentences);
  tcase_add_test (tc, test_flush_drops_stale_audio);
  tcase_add_test (tc, test_flush_in_push_posts_no_alignment);
  tcase_add_test (tc, test_websocket_connects_at_start);
  tcase_add_test (tc, test_no_alignment_after_its_flush);
  tcase_add_test (tc, test_http_transport);
  tcase_add_test (tc, test_opus_transport);
  tcase_add_test (tc, test_reconnect_after_inactivity);
  tcase_add_test (tc, test_keepalive_between_utterances);
  tcase_add_test (tc, test_reconnect_after_drop);
  tcase_add_test (tc, test_errors);
  tcase_add_test (tc, test_busy_retries);
  tcase_add_test (tc, test_malformed_message_warns);
  tcase_add_test (tc, test_timed_text_is_spoken_on_time);
  tcase_add_test (tc, test_live_timestamps);
  tcase_add_test (tc, test_overrun_clip);
  tcase_add_test (tc, test_overrun_interrupt);
  tcase_add_test (tc, test_non_live_is_continuous);
  tcase_add_test (tc, test_state_cycles);
  tcase_add_test (tc, test_new_stream_after_eos);
  tcase_add_test (tc, test_invalid_base_url_fails_start);
  tcase_add_test (tc, test_server_error_never_shows_key);
  tcase_add_test (tc, test_silent_service_releases_eos);
  tcase_add_test (tc, test_drop_mid_speech_resends_rest);
  tcase_add_test (tc, test_drop_with_normalised_text_resends_rest);
  tcase_add_test (tc, test_text_during_reconnect_said_once);
  tcase_add_test (tc, test_gap_fills_non_live);
  tcase_add_test (tc, test_gap_live_pushes_nothing_stale);
  tcase_add_test (tc, test_flush_during_chain_drops_its_text);
  tcase_add_test (tc, test_flush_keeps_pending_caps);
  tcase_add_test (tc, test_not_linked_is_an_error);
  return s;
}

GST_CHECK_MAIN (elevenlabstts);
