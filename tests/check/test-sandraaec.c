/* sandraaec and sandraechoprobe: caps, properties and their effects,
 * flushing, stats, probe lookup and name reuse, state cycling.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/app.h>
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "aec-run.h"

#define FAR_FIXTURE "aec-far-speech.flac"
#define NEAR_FIXTURE "aec-near-speech.flac"

/* ---- caps -------------------------------------------------------------- */

static GstFlowReturn
push_one (const gchar * caps, GstHarness ** out)
{
  GstHarness *h = gst_harness_new ("sandraaec");
  GstFlowReturn ret;
  GstBuffer *buf = gst_buffer_new_allocate (NULL, 3840, NULL);

  gst_buffer_memset (buf, 0, 0, 3840);
  g_object_set (h->element, "probe", "no-such-probe-caps", NULL);
  gst_harness_set_src_caps_str (h, caps);
  ret = gst_harness_push (h, buf);
  *out = h;
  return ret;
}

GST_START_TEST (test_caps_accepted)
{
  static const gint rates[] = { 8000, 16000, 32000, 48000 };
  guint r, ch;

  for (r = 0; r < G_N_ELEMENTS (rates); r++)
    for (ch = 1; ch <= 2; ch++) {
      gchar *caps = g_strdup_printf ("audio/x-raw,format=S16LE,"
          "layout=interleaved,rate=%d,channels=%u", rates[r], ch);
      GstHarness *h;
      GstBuffer *out;
      guint64 bytes = 0;

      fail_unless_equals_int (push_one (caps, &h), GST_FLOW_OK);
      /* 3840 bytes hold whole 10 ms frames only for some formats; what is
       * out must be whole frames, the rest waits */
      while ((out = gst_harness_try_pull (h))) {
        bytes += gst_buffer_get_size (out);
        gst_buffer_unref (out);
      }
      fail_unless (bytes % (rates[r] / 100 * ch * 2) == 0);
      fail_unless (bytes <= 3840);
      gst_harness_teardown (h);
      g_free (caps);
    }
}

GST_END_TEST;

GST_START_TEST (test_caps_refused)
{
  static const gchar *bad[] = {
    "audio/x-raw,format=S16LE,layout=interleaved,rate=44100,channels=1",
    "audio/x-raw,format=S16LE,layout=interleaved,rate=24000,channels=1",
    "audio/x-raw,format=S16LE,layout=interleaved,rate=16000,channels=3",
    "audio/x-raw,format=F32LE,layout=interleaved,rate=16000,channels=1",
    "audio/x-raw,format=S16LE,layout=non-interleaved,rate=16000,channels=2",
    NULL
  };
  const gchar **c;

  for (c = bad; *c; c++) {
    GstHarness *h;

    fail_unless_equals_int (push_one (*c, &h), GST_FLOW_NOT_NEGOTIATED);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* ---- properties -------------------------------------------------------- */

/* What a new element reports is what its property specs announce. */
GST_START_TEST (test_properties_defaults)
{
  GstElement *e = gst_element_factory_make ("sandraaec", NULL);
  GParamSpec **specs;
  guint n, i;

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (e), &n);
  for (i = 0; i < n; i++) {
    GValue v = G_VALUE_INIT;

    if (specs[i]->owner_type != G_OBJECT_TYPE (e))
      continue;
    g_value_init (&v, specs[i]->value_type);
    g_object_get_property (G_OBJECT (e), specs[i]->name, &v);
    fail_unless (g_param_value_defaults (specs[i], &v),
        "%s does not start at its default", specs[i]->name);
    g_value_unset (&v);
  }
  g_free (specs);
  gst_object_unref (e);
}

GST_END_TEST;

GST_START_TEST (test_properties_round_trip)
{
  GstElement *e = gst_element_factory_make ("sandraaec", NULL);
  gchar *probe;
  gboolean b[8];
  gint level, ns_level, mode, target, gain, extra, maxd;
  guint stats;

  fail_unless (e != NULL);
  g_object_set (e, "probe", "speaker", "echo-cancel", FALSE,
      "echo-suppression-level", 2, "extended-filter", FALSE,
      "delay-agnostic", TRUE, "delay-estimation", FALSE,
      "extra-delay-ms", 120, "max-delay-ms", 800,
      "noise-suppression", FALSE, "noise-suppression-level", 3,
      "gain-control", TRUE, "gain-control-mode", 1,
      "target-level-dbfs", 9, "compression-gain-db", 20, "limiter", FALSE,
      "high-pass-filter", FALSE, "stats-interval-ms", 250, NULL);
  g_object_get (e, "probe", &probe, "echo-cancel", &b[0],
      "echo-suppression-level", &level, "extended-filter", &b[1],
      "delay-agnostic", &b[2], "delay-estimation", &b[3],
      "extra-delay-ms", &extra, "max-delay-ms", &maxd,
      "noise-suppression", &b[4], "noise-suppression-level", &ns_level,
      "gain-control", &b[5], "gain-control-mode", &mode,
      "target-level-dbfs", &target, "compression-gain-db", &gain,
      "limiter", &b[6], "high-pass-filter", &b[7],
      "stats-interval-ms", &stats, NULL);
  fail_unless_equals_string (probe, "speaker");
  fail_unless (!b[0] && !b[1] && b[2] && !b[3] && !b[4] && b[5] && !b[6]
      && !b[7]);
  fail_unless_equals_int (level, 2);
  fail_unless_equals_int (ns_level, 3);
  fail_unless_equals_int (mode, 1);
  fail_unless_equals_int (target, 9);
  fail_unless_equals_int (gain, 20);
  fail_unless_equals_int (extra, 120);
  fail_unless_equals_int (maxd, 800);
  fail_unless_equals_int (stats, 250);
  g_free (probe);

  /* enums are registered with nicks usable from gst-launch */
  gst_util_set_object_arg (G_OBJECT (e), "echo-suppression-level", "low");
  gst_util_set_object_arg (G_OBJECT (e), "noise-suppression-level",
      "very-high");
  gst_util_set_object_arg (G_OBJECT (e), "gain-control-mode",
      "adaptive-digital");
  g_object_get (e, "echo-suppression-level", &level,
      "noise-suppression-level", &ns_level, "gain-control-mode", &mode, NULL);
  fail_unless_equals_int (level, 0);
  fail_unless_equals_int (ns_level, 3);
  fail_unless_equals_int (mode, 0);
  gst_object_unref (e);
}

GST_END_TEST;

/* Runs @n_frames of a 16 kHz mono signal through a harnessed sandraaec
 * configured by @props (gst_util_set_object_arg pairs) and returns the
 * output. */
static gint16 *
run_harness (const gint16 * in, gsize n, const gchar ** props, gsize * out_n)
{
  GstHarness *h = gst_harness_new ("sandraaec");
  GByteArray *out = g_byte_array_new ();
  GstBuffer *b;
  gsize pos;

  g_object_set (h->element, "stats-interval-ms", 0, "echo-cancel", FALSE, NULL);
  for (; props && props[0]; props += 2)
    gst_util_set_object_arg (G_OBJECT (h->element), props[0], props[1]);
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");
  for (pos = 0; pos < n; pos += 320) {
    gsize len = MIN (320, n - pos);

    fail_unless_equals_int (gst_harness_push (h,
            sandra_test_audio_buffer (in + pos, len, 16000, 1, pos)),
        GST_FLOW_OK);
    while ((b = gst_harness_try_pull (h))) {
      GstMapInfo map;

      gst_buffer_map (b, &map, GST_MAP_READ);
      g_byte_array_append (out, map.data, map.size);
      gst_buffer_unmap (b, &map);
      gst_buffer_unref (b);
    }
  }
  gst_harness_teardown (h);
  *out_n = out->len / 2;
  return (gint16 *) g_byte_array_free (out, FALSE);
}

static gdouble
mean_of (const gint16 * s, gsize from, gsize to)
{
  gdouble acc = 0.0;
  gsize i;

  for (i = from; i < to; i++)
    acc += s[i];
  return acc / (to - from);
}

GST_START_TEST (test_high_pass_filter_effect)
{
  gsize n = 16000, i, out_n;
  gint16 *in = g_new (gint16, n), *on, *off;
  const gchar *p_on[] = { "noise-suppression", "false", NULL };
  const gchar *p_off[] = { "noise-suppression", "false",
    "high-pass-filter", "false", NULL
  };

  /* a DC offset under a 440 Hz tone */
  for (i = 0; i < n; i++)
    in[i] = 4000 + (gint16) (3000 * sin (2 * G_PI * 440 * i / 16000.0));
  on = run_harness (in, n, p_on, &out_n);
  fail_unless_equals_int (out_n, n);
  off = run_harness (in, n, p_off, &out_n);
  fail_unless (fabs (mean_of (on, n / 2, n)) < 200.0,
      "DC survived the filter: %f", mean_of (on, n / 2, n));
  fail_unless (fabs (mean_of (off, n / 2, n) - 4000.0) < 200.0,
      "without the filter the DC must stay: %f", mean_of (off, n / 2, n));
  g_free (in);
  g_free (on);
  g_free (off);
}

GST_END_TEST;

GST_START_TEST (test_gain_control_effect)
{
  GBytes *speech = sandra_test_load_audio (NEAR_FIXTURE, 16000, 1);
  gsize n, i, out_n;
  const gint16 *src = g_bytes_get_data (speech, &n);
  gint16 *quiet, *with, *without;
  const gchar *p_on[] = { "noise-suppression", "false", "gain-control", "true",
    "gain-control-mode", "fixed-digital", "compression-gain-db", "20", NULL
  };
  const gchar *p_off[] = { "noise-suppression", "false", NULL };
  gdouble lvl_with, lvl_without;

  n /= 2;
  quiet = g_new (gint16, n);
  for (i = 0; i < n; i++)
    quiet[i] = src[i] / 20;     /* -26 dB */
  with = run_harness (quiet, n, p_on, &out_n);
  without = run_harness (quiet, n, p_off, &out_n);
  lvl_with = sandra_test_rms_dbfs (with, out_n);
  lvl_without = sandra_test_rms_dbfs (without, out_n);
  fail_unless (lvl_with > lvl_without + 6.0,
      "gain control did not raise quiet speech: %.1f vs %.1f dBFS",
      lvl_with, lvl_without);
  g_free (quiet);
  g_free (with);
  g_free (without);
  g_bytes_unref (speech);
}

GST_END_TEST;

GST_START_TEST (test_noise_suppression_effect)
{
  gsize n = 32000, i, out_n;
  gint16 *noise = g_new (gint16, n), *with, *without;
  GRand *r = g_rand_new_with_seed (7);
  const gchar *p_on[] = { "noise-suppression-level", "very-high", NULL };
  const gchar *p_off[] = { "noise-suppression", "false", NULL };
  gdouble a, b;

  for (i = 0; i < n; i++)
    noise[i] = (gint16) g_rand_int_range (r, -1500, 1500);
  with = run_harness (noise, n, p_on, &out_n);
  a = sandra_test_rms_dbfs (with + out_n / 2, out_n / 2);
  without = run_harness (noise, n, p_off, &out_n);
  b = sandra_test_rms_dbfs (without + out_n / 2, out_n / 2);
  fail_unless (a < b - 10.0, "stationary noise not suppressed: %.1f vs %.1f",
      a, b);
  g_rand_free (r);
  g_free (noise);
  g_free (with);
  g_free (without);
}

GST_END_TEST;

/* A flush drops the partial frame waiting in the element and processing
 * resumes cleanly on the new segment. */
GST_START_TEST (test_flush)
{
  GstHarness *h = gst_harness_new ("sandraaec");
  gint16 frame[240] = { 0 };
  GstBuffer *b;
  GstSegment seg;
  guint n_out = 0;

  g_object_set (h->element, "probe", "no-such-probe-flush", NULL);
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");
  /* 15 ms: one frame out, 5 ms waiting */
  fail_unless_equals_int (gst_harness_push (h,
          sandra_test_audio_buffer (frame, 240, 16000, 1, 0)), GST_FLOW_OK);
  b = gst_harness_pull (h);
  fail_unless_equals_int (gst_buffer_get_size (b), 320);
  gst_buffer_unref (b);

  fail_unless (gst_harness_push_event (h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&seg)));
  /* 10 ms after the flush: exactly one frame, the old 5 ms are gone */
  fail_unless_equals_int (gst_harness_push (h,
          sandra_test_audio_buffer (frame, 160, 16000, 1, 0)), GST_FLOW_OK);
  while ((b = gst_harness_try_pull (h))) {
    fail_unless_equals_int (gst_buffer_get_size (b), 320);
    fail_unless_equals_uint64 (GST_BUFFER_PTS (b), 0);
    gst_buffer_unref (b);
    n_out++;
  }
  fail_unless_equals_int (n_out, 1);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
run_without_probe (Run * run, const gchar * probe, const gchar * props,
    const gint16 * mic, gsize n)
{
  run->aec_probe = probe;
  run->aec_props = props;
  run->rate = 16000;
  run->channels = 1;
  run->mic = mic;
  run->mic_frames = n;
  aec_run_start (run);
  aec_runs_wait (run, 1);
}

GST_START_TEST (test_missing_probe_warns_once)
{
  gsize n = 16000 * 2, i;
  gint16 *mic = g_new (gint16, n);
  Run run = { 0 };

  for (i = 0; i < n; i++)
    mic[i] = (gint16) (2000 * sin (2 * G_PI * 300 * i / 16000.0));
  run_without_probe (&run, "nobody-has-this-name", "stats-interval-ms=500",
      mic, n);
  fail_unless_equals_int (run.n_warnings, 1);
  fail_unless (strstr (run.first_warning, "nobody-has-this-name") != NULL,
      "warning does not name the probe: %s", run.first_warning);
  /* all audio came out, nothing was held back */
  fail_unless_equals_int (run.out->len, n * 2);
  fail_unless (run.n_stats >= 3);
  fail_if (aec_run_stats_bool (&run, "probe-connected"));
  aec_run_clear (&run);
  g_free (mic);
}

GST_END_TEST;

GST_START_TEST (test_stats_interval)
{
  gsize n = 16000, i;
  gint16 *mic = g_new0 (gint16, n);
  Run run = { 0 };

  for (i = 0; i < n; i++)
    mic[i] = (gint16) (i % 100);
  run_without_probe (&run, "stats-probe-absent", "stats-interval-ms=100",
      mic, n);
  fail_unless_equals_int (run.n_stats, 10);
  fail_unless (gst_structure_has_field_typed (run.last_stats, "erle-db",
          G_TYPE_DOUBLE));
  fail_unless (gst_structure_has_field_typed (run.last_stats, "delay-ms",
          G_TYPE_INT));
  aec_run_clear (&run);

  run_without_probe (&run, "stats-probe-absent", "stats-interval-ms=0", mic, n);
  fail_unless_equals_int (run.n_stats, 0);
  aec_run_clear (&run);
  g_free (mic);
}

GST_END_TEST;

/* One second of speech played and heard, with a probe; the caller clears
 * the run. */
static void
short_probe_run (Run * run, const gchar * probe_name, GBytes * speech,
    gboolean name_it)
{
  gsize size;
  const gint16 *d = g_bytes_get_data (speech, &size);
  GBytes *far = g_bytes_new_from_bytes (speech, 0, MIN (size, 32000));

  run->probe_name = probe_name;
  run->aec_probe = name_it ? probe_name : NULL;
  run->aec_props = "stats-interval-ms=200";
  run->rate = 16000;
  run->channels = 1;
  run->far_rate = 16000;
  run->far_channels = 1;
  run->far = far;
  run->mic = d;
  run->mic_frames = MIN (size / 2, 16000);
  run->sync = TRUE;
  aec_run_start (run);
  aec_runs_wait (run, 1);
  run->far = NULL;
  g_bytes_unref (far);
}

GST_START_TEST (test_probe_found_by_name_and_name_reused)
{
  GBytes *far = sandra_test_load_audio (FAR_FIXTURE, 16000, 1);
  Run run = { 0 };

  short_probe_run (&run, "reused-speaker", far, TRUE);
  fail_unless (aec_run_stats_bool (&run, "probe-connected"));
  fail_unless_equals_int (run.n_warnings, 0);
  /* The pipeline is shut down and dropped; the name must be free now. */
  aec_run_clear (&run);

  short_probe_run (&run, "reused-speaker", far, TRUE);
  fail_unless (aec_run_stats_bool (&run, "probe-connected"),
      "second pipeline did not find the reused probe name");
  fail_unless_equals_int (run.n_warnings, 0);
  aec_run_clear (&run);
  g_bytes_unref (far);
}

GST_END_TEST;

/* Without a name the canceller takes the only probe in the process. */
GST_START_TEST (test_probe_unset_uses_the_only_one)
{
  GBytes *far = sandra_test_load_audio (FAR_FIXTURE, 16000, 1);
  Run run = { 0 };

  short_probe_run (&run, "the-only-probe", far, FALSE);
  fail_unless (aec_run_stats_bool (&run, "probe-connected"));
  fail_unless_equals_int (run.n_warnings, 0);
  aec_run_clear (&run);
  g_bytes_unref (far);
}

GST_END_TEST;

GST_START_TEST (test_probe_name_free_while_referenced)
{
  GstElement *p1 = gst_element_factory_make ("sandraechoprobe", "held-probe");
  GstElement *p2 = gst_element_factory_make ("sandraechoprobe", "held-probe");
  GstBus *bus = gst_bus_new ();
  GstMessage *m;

  gst_element_set_bus (p2, bus);
  /* An application still holds p1, but it is back in NULL: its name is
   * free and p2 takes it without complaint. */
  fail_unless (gst_element_set_state (p1, GST_STATE_READY) ==
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_element_set_state (p1, GST_STATE_NULL) ==
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_element_set_state (p2, GST_STATE_READY) ==
      GST_STATE_CHANGE_SUCCESS);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING) == NULL);
  /* a second active probe with a taken name is reported */
  gst_element_set_bus (p1, bus);
  fail_unless (gst_element_set_state (p1, GST_STATE_READY) ==
      GST_STATE_CHANGE_SUCCESS);
  m = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (m != NULL, "duplicate probe name not reported");
  gst_message_unref (m);
  gst_element_set_state (p1, GST_STATE_NULL);
  gst_element_set_state (p2, GST_STATE_NULL);
  /* queued state messages hold the elements */
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (p1);
  gst_object_unref (p2);
  gst_object_unref (bus);
}

GST_END_TEST;

GST_START_TEST (test_state_cycling_under_load)
{
  gint i;
  GstStateChangeReturn ret;
  GstElement *p = gst_parse_launch ("audiotestsrc is-live=true "
      "samplesperbuffer=441 ! audioconvert ! audioresample ! "
      "audio/x-raw,rate=48000,channels=2 ! sandraaec probe=cycle-probe ! "
      "fakesink sync=true audiotestsrc is-live=true wave=pink-noise ! "
      "audio/x-raw,rate=22050 ! sandraechoprobe name=cycle-probe ! "
      "fakesink sync=true", NULL);

  fail_unless (p != NULL);
  for (i = 0; i < 12; i++) {
    GstState target = (i % 3 == 0) ? GST_STATE_READY :
        (i % 3 == 1) ? GST_STATE_PAUSED : GST_STATE_NULL;

    fail_unless (gst_element_set_state (p, GST_STATE_PLAYING) !=
        GST_STATE_CHANGE_FAILURE);
    ret = gst_element_get_state (p, NULL, NULL, 5 * GST_SECOND);
    fail_unless (ret == GST_STATE_CHANGE_SUCCESS
        || ret == GST_STATE_CHANGE_NO_PREROLL, "state change: %s",
        gst_element_state_change_return_get_name (ret));
    g_usleep (60 * 1000);
    fail_unless (gst_element_set_state (p, target) != GST_STATE_CHANGE_FAILURE);
    gst_element_get_state (p, NULL, NULL, 5 * GST_SECOND);
  }
  {
    GstBus *bus = gst_element_get_bus (p);

    fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
    gst_object_unref (bus);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (p);
}

GST_END_TEST;

static Suite *
sandraaec_suite (void)
{
  Suite *s = suite_create ("sandraaec");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_caps_accepted);
  tcase_add_test (tc, test_caps_refused);
  tcase_add_test (tc, test_properties_defaults);
  tcase_add_test (tc, test_properties_round_trip);
  tcase_add_test (tc, test_high_pass_filter_effect);
  tcase_add_test (tc, test_gain_control_effect);
  tcase_add_test (tc, test_noise_suppression_effect);
  tcase_add_test (tc, test_flush);
  tcase_add_test (tc, test_missing_probe_warns_once);
  tcase_add_test (tc, test_stats_interval);
  tcase_add_test (tc, test_probe_found_by_name_and_name_reused);
  tcase_add_test (tc, test_probe_unset_uses_the_only_one);
  tcase_add_test (tc, test_probe_name_free_while_referenced);
  tcase_add_test (tc, test_state_cycling_under_load);
  return s;
}

GST_CHECK_MAIN (sandraaec);
