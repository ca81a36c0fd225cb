/* gst-sandra: elevenlabstts time to first audio, WebSocket against HTTP
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Text is pushed token by token, as a language model produces it (one
 * token every --token-ms), into elevenlabstts pointed at the in-process
 * emulator, whose simulated service takes --service-ms before the first
 * audio of each generation. Both transports run against the same
 * emulator settings in the same process, one after the other.
 *
 * Prints, per transport:
 * - time to first audio: from the first token pushed to the first audio
 *   buffer leaving the element (median and worst over the runs);
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

static const gchar *reply = "Sure, I can help with that. The weather today "
    "is sunny with a light breeze from the west. Would you like the forecast "
    "for tomorrow as well?";

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

/* One run: returns time to first audio in ms, adds the wait figures. */
static gdouble
run_once (SandraEmulator * emu, const gchar * transport, guint token_ms,
    GArray * waits)
{
  gchar *desc = g_strdup_printf ("appsrc name=src format=time "
      "caps=text/x-raw,format=utf8 ! elevenlabstts name=tts base-url=%s "
      "api-key=bench transport=%s ! appsink name=sink sync=false",
      sandra_emulator_get_base_url (emu), transport);
  GstElement *pipe = gst_parse_launch (desc, NULL);
  GstElement *src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  GstAppSinkCallbacks cb = { NULL, NULL, on_sample };
  GstBus *bus = gst_element_get_bus (pipe);
  gchar **tokens = g_strsplit (reply, " ", -1), **t;
  Run run = { 0, };
  gint64 start;
  GstMessage *m;
  gboolean eos = FALSE;

  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &cb, &run, NULL);
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  start = g_get_monotonic_time ();
  for (t = tokens; *t; t++) {
    gchar *tok = g_strdup_printf ("%s%s", t == tokens ? "" : " ", *t);

    gst_app_src_push_buffer (GST_APP_SRC (src),
        gst_buffer_new_wrapped (tok, strlen (tok)));
    g_usleep (token_ms * 1000);
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
  g_strfreev (tokens);
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
  gint runs = 5, token_ms = 30, service_ms = 150;
  GOptionEntry entries[] = {
    {"runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Runs per transport", "N"},
    {"token-ms", 0, 0, G_OPTION_ARG_INT, &token_ms,
        "Time between tokens", "MS"},
    {"service-ms", 0, 0, G_OPTION_ARG_INT, &service_ms,
        "Simulated service delay before each generation's first audio", "MS"},
    {NULL}
  };
  const gchar *transports[] = { "websocket", "http" };
  GOptionContext *ctx = g_option_context_new ("- elevenlabstts latency");
  GError *err = NULL;
  gchar *scenario;
  SandraEmulator *emu;
  guint i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 1;
  }
  g_option_context_free (ctx);
  scenario = g_strdup_printf ("{\"elevenlabs\":{\"first_audio_delay_ms\":%d,"
      "\"chunk_interval_ms\":50}}", service_ms);
  emu = sandra_emulator_new (scenario, &err);
  if (emu == NULL || !sandra_emulator_start (emu, 0, &err)) {
    g_printerr ("emulator: %s\n", err->message);
    return 1;
  }

  {
    gchar **tokens = g_strsplit (reply, " ", -1);

    g_print ("elevenlabstts: %u tokens, one every %d ms; simulated service "
        "delay %d ms; %d runs each\n", g_strv_length (tokens), token_ms,
        service_ms, runs);
    g_strfreev (tokens);
  }
  g_print ("%-10s %22s %22s %14s %14s\n", "transport",
      "first audio median ms", "first audio worst ms", "wait p50 ms",
      "wait p99 ms");
  for (i = 0; i < G_N_ELEMENTS (transports); i++) {
    GArray *firsts = g_array_new (FALSE, FALSE, sizeof (gdouble));
    GArray *waits = g_array_new (FALSE, FALSE, sizeof (gdouble));
    gint r;

    for (r = 0; r < runs; r++) {
      gdouble f = run_once (emu, transports[i], token_ms, waits);

      g_array_append_val (firsts, f);
    }
    g_print ("%-10s %22.1f %22.1f %14.2f %14.2f\n", transports[i],
        percentile (firsts, 0.5), percentile (firsts, 1.0),
        percentile (waits, 0.5), percentile (waits, 0.99));
    g_array_unref (firsts);
    g_array_unref (waits);
  }
  sandra_emulator_free (emu);
  g_free (scenario);
  return 0;
}
