/* gst-sandra: echo cancellation benchmark, sandraaec beside webrtcdsp
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Plays real speech through a synthetic room into a synthetic microphone
 * and runs, in the same process and at the same time, sandraaec with
 * sandraechoprobe and GStreamer's webrtcdsp with webrtcechoprobe (with and
 * without its delay-agnostic mode) on identical input. Prints figures only;
 * it never passes or fails.
 *
 *   ERLE       echo return loss enhancement over the second half, dB:
 *              10 log10 (mic energy / output energy)
 *   conv       time until a 500 ms window with echo first reaches 20 dB
 *   DT atten   near-end talker attenuation while both talk, dB
 *              (0 is ideal; the echo has converged by then)
 *   CPU        element CPU time per audio time, % (canceller + probe,
 *              thread CPU time measured around each buffer); the summary
 *              gives seconds per audio second over all scenarios
 *
 * Pipelines run in real time (the two sides meet by running time, like a
 * microphone and a loudspeaker would), so a full run takes a few minutes.
 *
 * usage: bench-aec [--scenario TEXT] [far-speech-file [near-speech-file]]
 *   --scenario TEXT   run only the scenarios whose name contains TEXT
 */
#include <gst/gst.h>
#include <gst/app/app.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "sandra-echo-sim.h"

#define RATE 16000
#define WINDOW (RATE / 2)

typedef struct
{
  const gchar *name;
  gint delay_ms;
  gint rt60_ms;
  gdouble echo_db;
  gdouble overdrive_db;
  gboolean double_talk;
} Scenario;

static const Scenario scenarios[] = {
  {"delay 0 ms", 0, 150, -6, 0, FALSE},
  {"delay 30 ms", 30, 150, -6, 0, FALSE},
  {"delay 60 ms", 60, 150, -6, 0, FALSE},
  {"delay 120 ms", 120, 150, -6, 0, FALSE},
  {"delay 250 ms", 250, 150, -6, 0, FALSE},
  {"reverb short 50 ms", 60, 50, -6, 0, FALSE},
  {"reverb medium 250 ms", 60, 250, -6, 0, FALSE},
  {"reverb long 500 ms", 60, 500, -6, 0, FALSE},
  {"echo loud +6 dB", 60, 150, 6, 0, FALSE},
  {"echo quiet -20 dB", 60, 150, -20, 0, FALSE},
  {"clipped loudspeaker", 60, 150, -6, 12, FALSE},
  {"double talk", 60, 150, -6, 0, TRUE},
};

typedef struct
{
  const gchar *label;
  const gchar *aec;             /* element and its settings */
  const gchar *probe;           /* probe factory */
} Contender;

static const Contender contenders[] = {
  {"sandraaec", "sandraaec noise-suppression=false "
        "gain-control=false stats-interval-ms=0", "sandraechoprobe"},
  {"webrtcdsp", "webrtcdsp noise-suppression=false "
        "gain-control=false", "webrtcechoprobe"},
  {"webrtcdsp+DA", "webrtcdsp noise-suppression=false "
        "gain-control=false delay-agnostic=true", "webrtcechoprobe"},
};

#define N_CONTENDERS G_N_ELEMENTS (contenders)

typedef struct
{
  GstElement *pipeline;
  GByteArray *out;
  gdouble cpu;                  /* seconds */
  gdouble started;              /* per streaming thread: buffer entry */
  GMutex lock;
  gboolean eos;
  gchar *error;
} Run;

static gdouble
thread_cpu (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time between a buffer entering the element's sink pad and leaving
 * its source pad, in the streaming thread. The bench feeds 10 ms buffers,
 * so each input yields one output. */
static GstPadProbeReturn
enter_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  gdouble *started = g_object_get_data (G_OBJECT (pad), "started");

  *started = thread_cpu ();
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
leave_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Run *run = user_data;
  GstPad *sinkpad = g_object_get_data (G_OBJECT (pad), "sinkpad");
  gdouble *started = g_object_get_data (G_OBJECT (sinkpad), "started");

  if (*started > 0.0) {
    g_mutex_lock (&run->lock);
    run->cpu += thread_cpu () - *started;
    g_mutex_unlock (&run->lock);
    *started = 0.0;
  }
  return GST_PAD_PROBE_OK;
}

static void
measure_element (Run * run, GstElement * e)
{
  GstPad *sink = gst_element_get_static_pad (e, "sink");
  GstPad *src = gst_element_get_static_pad (e, "src");

  g_object_set_data_full (G_OBJECT (sink), "started", g_new0 (gdouble, 1),
      g_free);
  g_object_set_data (G_OBJECT (src), "sinkpad", sink);
  gst_pad_add_probe (sink, GST_PAD_PROBE_TYPE_BUFFER, enter_probe, run, NULL);
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, leave_probe, run, NULL);
  gst_object_unref (sink);
  gst_object_unref (src);
}

static GstFlowReturn
on_sample (GstAppSink * sink, gpointer user_data)
{
  Run *run = user_data;
  GstSample *s = gst_app_sink_pull_sample (sink);
  GstMapInfo map;

  gst_buffer_map (gst_sample_get_buffer (s), &map, GST_MAP_READ);
  g_mutex_lock (&run->lock);
  g_byte_array_append (run->out, map.data, map.size);
  g_mutex_unlock (&run->lock);
  gst_buffer_unmap (gst_sample_get_buffer (s), &map);
  gst_sample_unref (s);
  return GST_FLOW_OK;
}

static void
push_all (GstElement * src, const gint16 * data, gsize n)
{
  gsize pos, chunk = RATE / 100;

  for (pos = 0; pos < n; pos += chunk) {
    gsize len = MIN (chunk, n - pos);
    GstBuffer *b = gst_buffer_new_memdup (data + pos, len * 2);

    GST_BUFFER_PTS (b) = gst_util_uint64_scale_int (pos, GST_SECOND, RATE);
    GST_BUFFER_DURATION (b) = gst_util_uint64_scale_int (len, GST_SECOND, RATE);
    gst_app_src_push_buffer (GST_APP_SRC (src), b);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
}

#define CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=16000," \
  "channels=1"

static void
run_start (Run * run, const Contender * c, guint id, const gint16 * mic,
    const gint16 * far, gsize n)
{
  gchar *probe_name = g_strdup_printf ("bench-probe-%u", id);
  gchar *desc = g_strdup_printf ("appsrc name=mic format=time caps=" CAPS
      " max-bytes=0 ! %s probe=%s name=aec ! appsink name=out sync=true "
      "appsrc name=far format=time caps=" CAPS " max-bytes=0 ! %s name=%s ! "
      "queue max-size-buffers=0 max-size-bytes=0 max-size-time=300000000 ! "
      "fakesink sync=true", c->aec, probe_name, c->probe, probe_name);
  GError *err = NULL;
  GstElement *e;
  GstAppSinkCallbacks cb = { NULL, NULL, on_sample };

  memset (run, 0, sizeof (*run));
  g_mutex_init (&run->lock);
  run->out = g_byte_array_new ();
  run->pipeline = gst_parse_launch (desc, &err);
  if (run->pipeline == NULL)
    g_error ("cannot build '%s': %s", desc, err->message);

  e = gst_bin_get_by_name (GST_BIN (run->pipeline), "aec");
  measure_element (run, e);
  gst_object_unref (e);
  e = gst_bin_get_by_name (GST_BIN (run->pipeline), probe_name);
  measure_element (run, e);
  gst_object_unref (e);
  e = gst_bin_get_by_name (GST_BIN (run->pipeline), "out");
  gst_app_sink_set_callbacks (GST_APP_SINK (e), &cb, run, NULL);
  gst_object_unref (e);
  e = gst_bin_get_by_name (GST_BIN (run->pipeline), "mic");
  push_all (e, mic, n);
  gst_object_unref (e);
  e = gst_bin_get_by_name (GST_BIN (run->pipeline), "far");
  push_all (e, far, n);
  gst_object_unref (e);

  gst_element_set_state (run->pipeline, GST_STATE_PLAYING);
  g_free (desc);
  g_free (probe_name);
}

static void
runs_wait (Run * runs, guint n)
{
  guint left = n, i;

  while (left > 0) {
    for (i = 0; i < n; i++) {
      GstBus *bus;
      GstMessage *m;

      if (runs[i].eos)
        continue;
      bus = gst_element_get_bus (runs[i].pipeline);
      m = gst_bus_timed_pop_filtered (bus, 20 * GST_MSECOND,
          GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
      if (m) {
        if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_ERROR) {
          GError *e;

          gst_message_parse_error (m, &e, NULL);
          runs[i].error = g_strdup (e->message);
          g_error_free (e);
        }
        runs[i].eos = TRUE;
        left--;
        gst_message_unref (m);
      }
      gst_object_unref (bus);
    }
  }
  for (i = 0; i < n; i++)
    gst_element_set_state (runs[i].pipeline, GST_STATE_NULL);
}

static gdouble
energy (const gint16 * s, gsize from, gsize to)
{
  gdouble e = 0.0;
  gsize i;

  for (i = from; i < to; i++)
    e += (gdouble) s[i] * s[i];
  return e;
}

/* First 500 ms window with echo (mic above -50 dBFS) whose ERLE reaches
 * 20 dB, in seconds; negative when never. */
static gdouble
convergence_s (const gint16 * out, const gint16 * mic, gsize n)
{
  gsize w;
  gdouble active = WINDOW * pow (32768.0 * pow (10.0, -50.0 / 20.0), 2);

  for (w = 0; w + WINDOW <= n; w += WINDOW / 5) {
    gdouble em = energy (mic, w, w + WINDOW);

    if (em < active)
      continue;
    if (10.0 * log10 ((em + 1.0) / (energy (out, w, w + WINDOW) + 1.0))
        >= 20.0)
      return (gdouble) (w + WINDOW) / RATE;
  }
  return -1.0;
}

static GBytes *
load_speech (const gchar * path)
{
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert ! audioresample ! " CAPS " ! appsink name=s sync=false",
      path);
  GstElement *p = gst_parse_launch (desc, NULL), *sink;
  GByteArray *a = g_byte_array_new ();
  GstSample *s;

  if (p == NULL)
    g_error ("cannot decode %s", path);
  sink = gst_bin_get_by_name (GST_BIN (p), "s");
  gst_element_set_state (p, GST_STATE_PLAYING);
  while ((s = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo map;

    gst_buffer_map (gst_sample_get_buffer (s), &map, GST_MAP_READ);
    g_byte_array_append (a, map.data, map.size);
    gst_buffer_unmap (gst_sample_get_buffer (s), &map);
    gst_sample_unref (s);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (p);
  g_free (desc);
  if (a->len == 0)
    g_error ("no audio in %s", path);
  return g_byte_array_free_to_bytes (a);
}

int
main (int argc, char **argv)
{
  gchar *only = NULL;
  GOptionEntry entries[] = {
    {"scenario", 's', 0, G_OPTION_ARG_STRING, &only,
        "Run only the scenarios whose name contains TEXT", "TEXT"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("[FAR-SPEECH [NEAR-SPEECH]]");
  GError *err = NULL;
  const gchar *far_path, *near_path;
  GBytes *far_b, *near_b;
  const gint16 *far, *near;
  gsize n, near_n;
  guint s, c, id = 0;
  gdouble cpu_total[N_CONTENDERS] = { 0 }, audio_total = 0.0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 2;
  }
  g_option_context_free (ctx);
  far_path = argc > 1 ? argv[1] : BENCH_DATA_DIR "/aec-far-speech.flac";
  near_path = argc > 2 ? argv[2] : BENCH_DATA_DIR "/aec-near-speech.flac";
  for (c = 0; c < N_CONTENDERS; c++) {
    GstElementFactory *f = gst_element_factory_find (contenders[c].probe);

    if (f == NULL) {
      g_printerr ("%s is not installed (gstreamer1.0-plugins-bad for "
          "webrtcdsp; GST_PLUGIN_PATH for sandra)\n", contenders[c].probe);
      return 1;
    }
    gst_object_unref (f);
  }
  far_b = load_speech (far_path);
  near_b = load_speech (near_path);
  far = g_bytes_get_data (far_b, &n);
  near = g_bytes_get_data (near_b, &near_n);
  n /= 2;
  near_n /= 2;

  g_print ("far end: %s (%.1f s), near talker: %s\n", far_path,
      (gdouble) n / RATE, near_path);
  g_print ("%-22s", "scenario");
  for (c = 0; c < N_CONTENDERS; c++)
    g_print (" | %-12s ERLE  conv  CPU", contenders[c].label);
  g_print ("\n");

  for (s = 0; s < G_N_ELEMENTS (scenarios); s++) {
    const Scenario *sc = &scenarios[s];
    Run runs[N_CONTENDERS];
    gint16 *mic;
    SandraEchoSimParams p = { RATE, sc->delay_ms, sc->rt60_ms, sc->echo_db,
      sc->overdrive_db, -70.0, 11 + s
    };
    /* the near talker enters after 60 % of the file, once converged */
    gsize dt_from = n * 6 / 10, dt_to = MIN (n, dt_from + near_n);

    if (only && !strstr (sc->name, only))
      continue;
    mic = sandra_echo_sim_render (&p, far, n, sc->double_talk ? near : NULL,
        near_n, dt_from);

    for (c = 0; c < N_CONTENDERS; c++)
      run_start (&runs[c], &contenders[c], id++, mic, far, n);
    runs_wait (runs, N_CONTENDERS);

    g_print ("%-22s", sc->name);
    for (c = 0; c < N_CONTENDERS; c++) {
      const gint16 *out = (const gint16 *) runs[c].out->data;
      gsize out_n = MIN (runs[c].out->len / 2, n);

      if (runs[c].error) {
        g_print (" | error: %s", runs[c].error);
      } else if (sc->double_talk) {
        gdouble att = 10.0 * log10 ((energy (near, 0, dt_to - dt_from) + 1.0)
            / (energy (out, dt_from, MIN (dt_to, out_n)) + 1.0));

        g_print (" | DT atten %5.1f dB      ", att);
        g_print (" %4.2f%%", 100.0 * runs[c].cpu * RATE / n);
      } else {
        gdouble erle = sandra_echo_sim_ratio_db (out, mic, out_n / 2, out_n);
        gdouble conv = convergence_s (out, mic, out_n);

        if (conv >= 0)
          g_print (" | %12s %5.1f %4.1fs", "", erle, conv);
        else
          g_print (" | %12s %5.1f never", "", erle);
        g_print (" %4.2f%%", 100.0 * runs[c].cpu * RATE / n);
      }
      cpu_total[c] += runs[c].cpu;
      g_byte_array_free (runs[c].out, TRUE);
      gst_object_unref (runs[c].pipeline);
      g_free (runs[c].error);
      g_mutex_clear (&runs[c].lock);
    }
    audio_total += (gdouble) n / RATE;
    g_print ("\n");
    g_free (mic);
  }

  g_print ("\nCPU seconds per audio second (canceller + probe, streaming "
      "threads):\n");
  for (c = 0; c < N_CONTENDERS; c++)
    g_print ("  %-14s %.4f\n", contenders[c].label, cpu_total[c] / audio_total);
  g_bytes_unref (far_b);
  g_bytes_unref (near_b);
  g_free (only);
  return 0;
}
