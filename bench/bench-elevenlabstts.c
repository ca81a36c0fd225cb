/* gst-sandra: elevenlabstts time to first audio, WebSocket against HTTP
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A reply is pushed token by token, as a language model streams it (one
 * token every --token-ms; tokens are words with their leading space and
 * punctuation apart, about four characters each), into elevenlabstts
 * pointed at the in-process emulator. The pipeline is already playing
 * when the first token comes (--idle-ms after it started), as in a
 * conversation. The emulator's simulated service takes --service-ms
 * before the first audio of each generation, and every HTTP request and
 * every WebSocket upgrade pays --setup-ms of connection set-up (TCP, TLS,
 * routing: what a request over the internet costs before the service
 * starts on it). Both transports run against the same emulator settings
 * in the same process, one after the other, for two replies: one whose
 * first sentence is short, one whose first sentence is long (over HTTP
 * a sentence is one request and waits for its end; over the WebSocket
 * the service's chunk_length_schedule starts it before its end).
 *
 * Prints, per reply and transport:
 * - time to first audio: from the first token pushed to the first audio
 *   buffer leaving the element (median and worst over the runs), next to
 *   the time the first sentence's last token was pushed (median; the
 *   sentence end is seen with the next token's leading space);
 * - time the audio waits inside the element between its arrival from the
 *   network and its push downstream (p50, p99 over every piece).
 * Figures only; nothing passes or fails.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include <stdlib.h>
#include <string.h>

#include "sandra-emulator.h"

typedef struct
{
  const gchar *name;
  const gchar *text;
} Reply;

static const Reply replies[] = {
  {"short first sentence", "Sure, I can help with that. The weather today "
        "is sunny with a light breeze from the west. Would you like the "
        "forecast for tomorrow as well?"},
  {"long first sentence", "Tomorrow should start mostly sunny with a light "
        "breeze from the west, turning cloudy around noon, with a good "
        "chance of scattered showers from about four in the afternoon until "
        "late in the evening, so take an umbrella if you are out then. "
        "Anything else?"},
};

typedef struct
{
  gint64 first_audio_us;
} Run;

static GstFlowReturn
on_sample (GstAppSink * sink, gpointer data)
{
  Run *run = data;
  GstSample *s = gst_app_sink_pull_sample (sink);

  if (run->first_audio_us == 0)
    run->first_audio_us = g_get_monotonic_time ();
  gst_sample_unref (s);
  return GST_FLOW_OK;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static gdouble
percentile (GArray * values, gdouble p)
{
  guint i;

  if (values->len == 0)
    return 0;
  g_array_sort (values, cmp_double);
  i = (guint) (p * (values->len - 1) + 0.5);
  return g_array_index (values, gdouble, i);
}

/* Language-model-like tokens: each word with the space before it, and
 * trailing punctuation as a token of its own. */
static GPtrArray *
tokenize (const gchar * text)
{
  GPtrArray *tokens = g_ptr_array_new_with_free_func (g_free);
  gchar **words = g_strsplit (text, " ", -1), **w;

  for (w = words; *w; w++) {
    gsize len = strlen (*w), cut = len;

    while (cut > 0 && strchr (",.;:!?", (*w)[cut - 1]))
      cut--;
    if (cut == 0)
      cut = len;
    g_ptr_array_add (tokens, g_strdup_printf ("%s%.*s", w == words ? "" :
            " ", (gint) cut, *w));
    if (cut < len)
      g_ptr_array_add (tokens, g_strdup (*w + cut));
  }
  g_strfreev (words);
  return tokens;
}

/* Index of the token that ends the first sentence. */
static guint
first_sentence_end (GPtrArray * tokens)
{
  guint i;

  for (i = 0; i < tokens->len; i++) {
    const gchar *t = g_ptr_array_index (tokens, i);

    if (strchr (".!?", t[strlen (t) - 1]))
      return i;
  }
  return tokens->len - 1;
}

typedef struct
{
  const gchar *transport;
  const gchar *schedule;        /* chunk-length-schedule, or NULL */
  guint token_ms;
  guint idle_ms;
} Setup;

/* One run: returns time to first audio in ms, adds the wait figures and
 * the time the first sentence's last token was pushed (ms). */
static gdouble
run_once (SandraEmulator * emu, const Setup * setup, GPtrArray * tokens,
    guint sentence_end, GArray * waits, GArray * sentences)
{
  gchar *desc = g_strdup_printf ("appsrc name=src format=time "
      "caps=text/x-raw,format=utf8 ! elevenlabstts name=tts base-url=%s "
      "api-key=bench transport=%s%s%s ! appsink name=sink sync=false async=false",
      sandra_emulator_get_base_url (emu), setup->transport,
      setup->schedule ? " chunk-length-schedule=" : "",
      setup->schedule ? setup->schedule : "");
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstAppSinkCallbacks cb = { NULL, NULL, on_sample };
  GstBus *bus = gst_element_get_bus (pipe);
  Run run = { 0, };
  gint64 start;
  GstMessage *m;
  gboolean eos = FALSE;
  guint i;

  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, &run, NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  gst_element_get_state (pipe, NULL, NULL, GST_CLOCK_TIME_NONE);
  /* the user asks, the model thinks: the pipeline waits for its reply */
  g_usleep (setup->idle_ms * 1000);
  start = g_get_monotonic_time ();
  for (i = 0; i < tokens->len; i++) {
    const gchar *tok = g_ptr_array_index (tokens, i);

    gst_app_src_push_buffer (GST_APP_SRC (src),
        gst_buffer_new_memdup (tok, strlen (tok)));
    if (i == sentence_end) {
      gdouble ms = (g_get_monotonic_time () - start) / 1000.0;

      g_array_append_val (sentences, ms);
    }
    g_usleep (setup->token_ms * 1000);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  while (!eos && (m = gst_bus_timed_pop (bus, 30 * GST_SECOND))) {
    if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS ||
        GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR)
      eos = TRUE;
    else if (gst_message_has_name (m, "elevenlabstts-alignment")) {
      gdouble w;

      if (gst_structure_get_double (gst_message_get_structure (m),
              "wait-ms", &w))
        g_array_append_val (waits, w);
    }
    gst_message_unref (m);
  }
  gst_element_set_state (pipe, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipe);
  g_free (desc);
  return run.first_audio_us ? (run.first_audio_us - start) / 1000.0 : -1;
}

int
main (int argc, char **argv)
{
  gint runs = 5, token_ms = 40, service_ms = 150, setup_ms = 100, idle_ms = 500;
  gchar *schedule = NULL;
  GOptionEntry entries[] = {
    {"runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Runs per transport", "N"},
    {"token-ms", 0, 0, G_OPTION_ARG_INT, &token_ms,
        "Time between tokens (default 40)", "MS"},
    {"service-ms", 0, 0, G_OPTION_ARG_INT, &service_ms,
        "Simulated service delay before each generation's first audio "
          "(default 150)", "MS"},
    {"setup-ms", 0, 0, G_OPTION_ARG_INT, &setup_ms,
        "Connection set-up paid by every HTTP request and every WebSocket "
          "upgrade (default 100)", "MS"},
    {"idle-ms", 0, 0, G_OPTION_ARG_INT, &idle_ms,
          "Time between the pipeline playing and the first token (default 500)",
        "MS"},
    {"schedule", 0, 0, G_OPTION_ARG_STRING, &schedule,
        "WebSocket chunk-length-schedule, e.g. \"<50,120,250>\" (default: "
          "the service's, 120 characters first)", "ARRAY"},
    {NULL}
  };
  const gchar *transports[] = { "websocket", "http" };
  GOptionContext *ctx = g_option_context_new ("- elevenlabstts latency");
  GError *err = NULL;
  gchar *scenario;
  SandraEmulator *emu;
  guint r, i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 1;
  }
  g_option_context_free (ctx);
  scenario = g_strdup_printf ("{\"elevenlabs\":{\"first_audio_delay_ms\":%d,"
      "\"chunk_interval_ms\":50,\"http_setup_ms\":%d,\"ws_setup_ms\":%d}}",
      service_ms, setup_ms, setup_ms);
  emu = sandra_emulator_new (scenario, &err);
  if (emu == NULL || !sandra_emulator_start (emu, 0, &err)) {
    g_printerr ("emulator: %s\n", err->message);
    return 1;
  }

  g_print ("elevenlabstts: a token every %d ms; simulated service delay %d "
      "ms; connection set-up %d ms; first token %d ms after PLAYING; "
      "WebSocket schedule %s; %d runs each\n", token_ms, service_ms,
      setup_ms, idle_ms, schedule ? schedule : "(service default)", runs);
  g_print ("%-21s %-10s %7s %13s %12s %11s %9s %9s\n", "reply", "transport",
      "tokens", "sentence 1", "first audio", "worst ms", "wait p50",
      "wait p99");
  g_print ("%-21s %-10s %7s %13s %12s %11s %9s %9s\n", "", "", "",
      "typed at ms", "median ms", "", "ms", "ms");
  for (r = 0; r < G_N_ELEMENTS (replies); r++) {
    GPtrArray *tokens = tokenize (replies[r].text);
    guint end = first_sentence_end (tokens);

    for (i = 0; i < G_N_ELEMENTS (transports); i++) {
      GArray *firsts = g_array_new (FALSE, FALSE, sizeof (gdouble));
      GArray *waits = g_array_new (FALSE, FALSE, sizeof (gdouble));
      GArray *sentences = g_array_new (FALSE, FALSE, sizeof (gdouble));
      Setup setup = { transports[i], i == 0 ? schedule : NULL, token_ms,
        idle_ms
      };
      gint k;

      for (k = 0; k < runs; k++) {
        gdouble f = run_once (emu, &setup, tokens, end, waits, sentences);

        g_array_append_val (firsts, f);
      }
      g_print ("%-21s %-10s %7u %13.1f %12.1f %11.1f %9.2f %9.2f\n",
          replies[r].name, transports[i], tokens->len,
          percentile (sentences, 0.5), percentile (firsts, 0.5),
          percentile (firsts, 1.0), percentile (waits, 0.5),
          percentile (waits, 0.99));
      g_array_unref (sentences);
      g_array_unref (firsts);
      g_array_unref (waits);
    }
    g_ptr_array_unref (tokens);
  }
  sandra_emulator_free (emu);
  g_free (scenario);
  g_free (schedule);
  return 0;
}
