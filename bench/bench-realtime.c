/* gst-sandra bench: openairealtime sessions against the emulator
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Runs 1, 10 and 100 (or the counts given as arguments) concurrent
 * conversations, each a live pipeline
 *   audiotestsrc is-live (silence, 20 ms buffers) ! openairealtime ! fakesink
 * against a sandra-emulator in a separate process (so that its CPU is not
 * counted), each asking for a spoken reply every 2 s. Prints, per count:
 * CPU time of this process per session (percent of one core), resident
 * memory per session, and the delay the element adds between the first
 * audio delta of a reply and its first buffer pushed downstream (p50, p99;
 * from the openairealtime-turn-timing messages). For comparison it prints
 * the same CPU figure for the bare input path (the pipelines with the
 * element replaced by fakesink), the floor any element sits on.
 *
 * Figures only: nothing passes or fails.
 */
#include <gst/gst.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define WARMUP_S 3
#define MEASURE_S 8
#define TURN_EVERY_MS 2000

typedef struct
{
  GMutex lock;
  GArray *added_ms;             /* gdouble: first delta to first push */
  guint turns;
} Stats;

static Stats stats;

static GstBusSyncReply
bus_sync (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  const GstStructure *s = gst_message_get_structure (msg);

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT && s &&
      gst_structure_has_name (s, "openairealtime-turn-timing")) {
    gdouble v;

    if (gst_structure_get_double (s, "first-delta-to-push-ms", &v)) {
      g_mutex_lock (&stats.lock);
      g_array_append_val (stats.added_ms, v);
      g_mutex_unlock (&stats.lock);
    }
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;

    gst_message_parse_error (msg, &err, NULL);
    g_printerr ("error: %s\n", err->message);
    g_error_free (err);
  }
  /* A sync handler that drops a message owns it. */
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static gdouble
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static gdouble
rss_mib (void)
{
  gchar *text = NULL;
  gdouble mib = 0;

  if (g_file_get_contents ("/proc/self/statm", &text, NULL, NULL)) {
    gulong size, resident;

    if (sscanf (text, "%lu %lu", &size, &resident) == 2)
      mib = resident * (gdouble) sysconf (_SC_PAGESIZE) / (1024.0 * 1024.0);
  }
  g_free (text);
  return mib;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static gdouble
percentile (GArray * a, gdouble p)
{
  guint i;

  if (a->len == 0)
    return -1;
  g_array_sort (a, cmp_double);
  i = MIN (a->len - 1, (guint) (p * (a->len - 1) + 0.5));
  return g_array_index (a, gdouble, i);
}

static GstElement **
start_sessions (guint n, const gchar * base_url, gboolean with_element)
{
  GstElement **p = g_new0 (GstElement *, n);
  guint i;

  for (i = 0; i < n; i++) {
    gchar *desc = g_strdup_printf ("audiotestsrc is-live=true wave=silence "
        "samplesperbuffer=480 ! audio/x-raw,format=S16LE,rate=24000,"
        "channels=1 ! %s%s%s fakesink sync=false async=false",
        with_element ? "openairealtime name=rt api-key=sk-bench base-url=" :
        "", with_element ? base_url : "", with_element ? " !"
        : "");
    GError *err = NULL;
    GstBus *bus;

    p[i] = gst_parse_launch (desc, &err);
    g_assert (p[i] != NULL);
    g_free (desc);
    bus = gst_element_get_bus (p[i]);
    gst_bus_set_sync_handler (bus, bus_sync, NULL, NULL);
    gst_object_unref (bus);
    gst_element_set_state (p[i], GST_STATE_PLAYING);
  }
  return p;
}

static void
stop_sessions (GstElement ** p, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    gst_element_set_state (p[i], GST_STATE_NULL);
    gst_object_unref (p[i]);
  }
  g_free (p);
}

static void
ask_all (GstElement ** p, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstElement *rt = gst_bin_get_by_name (GST_BIN (p[i]), "rt");
    gboolean ok;

    if (rt) {
      g_signal_emit_by_name (rt, "send-text", "Hello", &ok);
      gst_object_unref (rt);
    }
  }
}

/* Runs @n sessions; returns CPU percent of one core per session. */
static gdouble
run (guint n, const gchar * base_url, gboolean with_element, gdouble * mem)
{
  gdouble rss0 = rss_mib (), cpu0, cpu1, rss1;
  gint64 t0, t1, next_turn;
  GstElement **p = start_sessions (n, base_url, with_element);

  g_usleep (WARMUP_S * G_USEC_PER_SEC);
  rss1 = rss_mib ();
  g_mutex_lock (&stats.lock);
  g_array_set_size (stats.added_ms, 0);
  g_mutex_unlock (&stats.lock);
  cpu0 = cpu_seconds ();
  t0 = g_get_monotonic_time ();
  next_turn = t0;
  while ((t1 = g_get_monotonic_time ()) < t0 + MEASURE_S * G_USEC_PER_SEC) {
    if (with_element && t1 >= next_turn) {
      ask_all (p, n);
      next_turn += TURN_EVERY_MS * 1000;
    }
    g_usleep (20000);
  }
  cpu1 = cpu_seconds ();
  stop_sessions (p, n);
  if (mem)
    *mem = (rss1 - rss0) / n;
  return 100.0 * (cpu1 - cpu0) / ((t1 - t0) / 1e6) / n;
}

int
main (int argc, char **argv)
{
  guint counts[8] = { 1, 10, 100 }, n_counts = 3, i;
  GSubprocess *emu;
  GDataInputStream *out;
  gchar *line, *url, *scenario, *emulator;
  GError *err = NULL;

  gst_init (&argc, &argv);
  if (argc > 1) {
    n_counts = 0;
    for (i = 1; i < (guint) argc && n_counts < 8; i++)
      counts[n_counts++] = atoi (argv[i]);
  }
  g_mutex_init (&stats.lock);
  stats.added_ms = g_array_new (FALSE, FALSE, sizeof (gdouble));

  scenario = g_build_filename (g_get_tmp_dir (), "sandra-bench-rt.json", NULL);
  g_file_set_contents (scenario, "{\"realtime\":{\"default\":{\"transcript\":"
      "\"Hello, this is the sandra emulator.\",\"pace\":1}}}", -1, NULL);
  emulator = g_build_filename (SANDRA_BUILD_ROOT, "tests", "emulator",
      "sandra-emulator", NULL);
  emu = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &err, emulator,
      "--port", "0", "--scenario", scenario, NULL);
  if (emu == NULL) {
    g_printerr ("cannot start %s: %s\n", emulator, err->message);
    return 1;
  }
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (emu));
  line = g_data_input_stream_read_line (out, NULL, NULL, NULL);
  url = line ? g_strdup (strstr (line, "http://")) : NULL;
  if (url == NULL) {
    g_printerr ("the emulator did not start\n");
    return 1;
  }
  g_strchomp (url);

  g_print ("openairealtime against sandra-emulator (separate process), "
      "%d s per run, a spoken reply requested every %d ms\n", MEASURE_S,
      TURN_EVERY_MS);
  g_print ("%9s %18s %18s %14s %16s %16s %7s\n", "sessions",
      "cpu/session %", "bare input cpu %", "rss/session", "added p50 ms",
      "added p99 ms", "turns");
  for (i = 0; i < n_counts; i++) {
    gdouble mem = 0, cpu, bare, p50, p99;
    guint turns;

    bare = run (counts[i], url, FALSE, NULL);
    cpu = run (counts[i], url, TRUE, &mem);
    g_mutex_lock (&stats.lock);
    turns = stats.added_ms->len;
    p50 = percentile (stats.added_ms, 0.5);
    p99 = percentile (stats.added_ms, 0.99);
    g_mutex_unlock (&stats.lock);
    g_print ("%9u %18.2f %18.2f %11.2f MiB %16.3f %16.3f %7u\n", counts[i],
        cpu, bare, mem, p50, p99, turns);
  }

  g_subprocess_force_exit (emu);
  g_subprocess_wait (emu, NULL, NULL);
  g_object_unref (out);
  g_object_unref (emu);
  g_free (line);
  g_free (url);
  g_unlink (scenario);
  g_free (scenario);
  g_free (emulator);
  return 0;
}
