/* Speed of the C Silero VAD v6 network next to ONNX Runtime.
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   build/bench/silero-speed [--seconds S] [--no-ort]
 *
 * Runs both engines on one thread over the same fixtures (tests/data, 16 kHz
 * and 8 kHz speech) and prints the median CPU time per 32 ms chunk (CPU
 * time, so that other load on the machine does not count). ONNX Runtime
 * is measured in the same run by scripts/silero/bench-ort.js, which needs
 * node and `npm ci` in scripts/silero; without them only the C figures are
 * printed. Figures only: nothing here passes or fails on time.
 */
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sandra-silero.h"

static const struct
{
  gint rate;
  const gchar *file;
} fixtures[] = {
  {16000, "librivox-0870-16k.wav"},
  {8000, "codec2-ve9qrp-8k.wav"},
};

/* Decodes @path to mono float at @rate, scaled like the parity test. */
static gfloat *
load_audio (const gchar * path, gint rate, gsize * n_samples)
{
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=%d,"
      "channels=1 ! appsink name=sink sync=false", path, rate);
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstElement *sink;
  GstSample *sample;
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gfloat));

  if (pipeline == NULL) {
    g_printerr ("cannot decode %s: %s\n", path, err->message);
    exit (1);
  }
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo map;
    gsize i;

    gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
    for (i = 0; i < map.size / 2; i++) {
      gfloat v = ((const gint16 *) map.data)[i] / 32768.0f;

      g_array_append_val (out, v);
    }
    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  if (out->len == 0) {
    g_printerr ("no audio decoded from %s\n", path);
    exit (1);
  }
  *n_samples = out->len;
  return (gfloat *) g_array_free (out, FALSE);
}

static gint
compare_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

/* CPU time of the calling thread, in microseconds. */
static gdouble
cpu_time_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Median over passes (for at least @seconds) of the mean CPU time per chunk
 * of one pass over the audio, in microseconds. */
static gdouble
time_c_engine (gint rate, const gfloat * samples, gsize n_samples,
    gdouble seconds, guint * n_chunks)
{
  SandraSilero *vad = sandra_silero_new (rate);
  guint chunk = sandra_silero_chunk_samples (vad), n = n_samples / chunk, i;
  GArray *passes = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gint64 end;
  volatile gfloat sink = 0.0f;
  gdouble median;

  for (i = 0; i < n; i++)       /* warm-up */
    sink += sandra_silero_process (vad, samples + (gsize) i * chunk);

  end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  do {
    gdouble t0, us;

    sandra_silero_reset (vad);
    t0 = cpu_time_us ();
    for (i = 0; i < n; i++)
      sink += sandra_silero_process (vad, samples + (gsize) i * chunk);
    us = (cpu_time_us () - t0) / n;
    g_array_append_val (passes, us);
  } while (g_get_monotonic_time () < end || passes->len < 3);

  g_array_sort (passes, compare_double);
  median = g_array_index (passes, gdouble, passes->len / 2);
  g_array_unref (passes);
  sandra_silero_free (vad);
  *n_chunks = n;
  return median;
}

typedef struct
{
  gdouble run_us, overhead_us;
} OrtFigures;

/* Runs bench-ort.js over all fixtures; fills @ort (one per fixture) and
 * returns TRUE, or says why not and returns FALSE. */
static gboolean
time_onnx_runtime (gdouble seconds, OrtFigures * ort)
{
  gchar *script = g_build_filename (SANDRA_SOURCE_DIR, "scripts", "silero",
      "bench-ort.js", NULL);
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  gchar *out = NULL, *errout = NULL, **lines, **l;
  GError *err = NULL;
  gint status = 0;
  guint i, found = 0;
  gboolean ok = FALSE;

  g_ptr_array_add (argv, g_strdup ("node"));
  g_ptr_array_add (argv, g_strdup (script));
  g_ptr_array_add (argv, g_strdup_printf ("%g", seconds));
  for (i = 0; i < G_N_ELEMENTS (fixtures); i++)
    g_ptr_array_add (argv, g_build_filename (SANDRA_SOURCE_DIR, "tests",
            "data", fixtures[i].file, NULL));
  g_ptr_array_add (argv, NULL);

  if (!g_spawn_sync (NULL, (gchar **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH,
          NULL, NULL, &out, &errout, &status, &err)) {
    g_print ("ONNX Runtime not measured: %s\n", err->message);
    g_clear_error (&err);
    goto done;
  }
  if (!g_spawn_check_wait_status (status, NULL)) {
    g_print ("ONNX Runtime not measured (run `npm ci` in scripts/silero?): "
        "%s\n", g_strstrip (errout));
    goto done;
  }
  lines = g_strsplit (out, "\n", -1);
  for (l = lines; *l; l++) {
    gint rate;
    guint chunks;
    gdouble run, overhead;

    if (sscanf (*l, "ort %d %u %lf %lf", &rate, &chunks, &run, &overhead) != 4)
      continue;
    for (i = 0; i < G_N_ELEMENTS (fixtures); i++)
      if (fixtures[i].rate == rate) {
        ort[i].run_us = run;
        ort[i].overhead_us = overhead;
        found++;
      }
  }
  g_strfreev (lines);
  ok = found == G_N_ELEMENTS (fixtures);
  if (!ok)
    g_print ("ONNX Runtime not measured: unexpected output\n%s", out);

done:
  g_free (out);
  g_free (errout);
  g_free (script);
  g_ptr_array_unref (argv);
  return ok;
}

int
main (int argc, char **argv)
{
  gdouble seconds = 3.0;
  gboolean no_ort = FALSE;
  GOptionEntry entries[] = {
    {"seconds", 's', 0, G_OPTION_ARG_DOUBLE, &seconds,
        "Time each engine for at least this long per rate (default 3)", "S"},
    {"no-ort", 0, 0, G_OPTION_ARG_NONE, &no_ort,
        "Do not measure ONNX Runtime", NULL},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- Silero VAD v6 speed");
  GError *err = NULL;
  gdouble c_us[G_N_ELEMENTS (fixtures)];
  guint chunks[G_N_ELEMENTS (fixtures)];
  OrtFigures ort[G_N_ELEMENTS (fixtures)];
  gboolean have_ort;
  guint i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);

  for (i = 0; i < G_N_ELEMENTS (fixtures); i++) {
    gchar *path = g_build_filename (SANDRA_SOURCE_DIR, "tests", "data",
        fixtures[i].file, NULL);
    gsize n;
    gfloat *samples = load_audio (path, fixtures[i].rate, &n);

    c_us[i] = time_c_engine (fixtures[i].rate, samples, n, seconds, &chunks[i]);
    g_free (samples);
    g_free (path);
  }
  have_ort = !no_ort && time_onnx_runtime (seconds, ort);

  g_print ("Silero VAD v6, one thread, CPU microseconds per 32 ms chunk "
      "(median over passes of at least %g s)\n", seconds);
  g_print ("%-6s %-7s %9s %14s %14s %9s\n", "rate", "chunks", "C engine",
      "ORT via node", "ORT inference", "C / ORT");
  for (i = 0; i < G_N_ELEMENTS (fixtures); i++) {
    if (have_ort) {
      gdouble net = ort[i].run_us - ort[i].overhead_us;

      g_print ("%-6d %-7u %9.1f %14.1f %14.1f %9.2f\n", fixtures[i].rate,
          chunks[i], c_us[i], ort[i].run_us, net, c_us[i] / net);
    } else {
      g_print ("%-6d %-7u %9.1f %14s %14s %9s\n", fixtures[i].rate, chunks[i],
          c_us[i], "-", "-", "-");
    }
  }
  g_print ("C engine real-time factor: %.4f at 16 kHz, %.4f at 8 kHz\n",
      c_us[0] / 32000.0, c_us[1] / 32000.0);
  if (have_ort)
    g_print ("ORT inference = ORT via node minus the same call on a trivial "
        "graph with Silero's inputs and outputs (binding and per-run cost: "
        "%.1f / %.1f us)\n", ort[0].overhead_us, ort[1].overhead_us);

  gst_deinit ();
  return 0;
}
