/* sandraaec quality: the delay estimator alone, and echo cancellation of
 * a synthesized echo of real speech through real pipelines.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <string.h>

#include "test-util.h"
#include "aec-run.h"
#include "sandra-echo-sim.h"
#include "sandra-delay-estimator.h"

#define FAR_FIXTURE "aec-far-speech.flac"


#define ECHO_DELAY_MS 80

static gdouble
second_half_erle (Run * run, const gint16 * mic, gsize n, gint channels)
{
  const gint16 *out = (const gint16 *) run->out->data;
  gsize out_n = run->out->len / 2;

  fail_unless_equals_int (out_n, n * channels);
  return sandra_echo_sim_ratio_db (out, mic, out_n / 2, out_n);
}

/* Real speech through a synthetic room (80 ms delay, 150 ms reverberation)
 * into the microphone; the element must remove the echo. The same signal
 * through the same element with the canceller off is the reference. Both
 * run at once, plus the same echo with the probe at 48 kHz stereo and the
 * microphone at 16 kHz. */
GST_START_TEST (test_erle_speech)
{
  GBytes *far16 = sandra_test_load_audio (FAR_FIXTURE, 16000, 1);
  GBytes *far48 = sandra_test_load_audio (FAR_FIXTURE, 48000, 2);
  SandraEchoSimParams p = { 16000, ECHO_DELAY_MS, 150, -6.0, 0.0, -65.0, 3 };
  gsize n;
  const gint16 *far = g_bytes_get_data (far16, &n);
  gint16 *mic;
  Run runs[3] = { {0} };
  gdouble erle_aec, erle_off, erle_mixed;
  gint residual;
  guint i;

  n = MIN (n / 2, 16000 * 9);
  mic = sandra_echo_sim_render (&p, far, n, NULL, 0, 0);
  for (i = 0; i < 3; i++) {
    runs[i].rate = 16000;
    runs[i].channels = 1;
    runs[i].far_rate = 16000;
    runs[i].far_channels = 1;
    runs[i].far = far16;
    runs[i].mic = mic;
    runs[i].mic_frames = n;
    runs[i].sync = TRUE;
  }
  runs[0].probe_name = runs[0].aec_probe = "erle-on";
  runs[0].aec_props = "noise-suppression=false stats-interval-ms=1000";
  runs[1].probe_name = runs[1].aec_probe = "erle-off";
  runs[1].aec_props = "noise-suppression=false echo-cancel=false";
  runs[2].probe_name = runs[2].aec_probe = "erle-mixed";
  runs[2].aec_props = "noise-suppression=false stats-interval-ms=1000";
  runs[2].far = far48;
  runs[2].far_rate = 48000;
  runs[2].far_channels = 2;
  for (i = 0; i < 3; i++)
    aec_run_start (&runs[i]);
  aec_runs_wait (runs, 3);

  erle_aec = second_half_erle (&runs[0], mic, n, 1);
  erle_off = second_half_erle (&runs[1], mic, n, 1);
  erle_mixed = second_half_erle (&runs[2], mic, n, 1);
  g_print ("ERLE: canceller %.1f dB, off %.1f dB, 48k stereo probe %.1f dB",
      erle_aec, erle_off, erle_mixed);
  fail_unless (erle_aec >= erle_off + 10.0,
      "ERLE %.1f dB is not 10 dB above the unprocessed %.1f dB", erle_aec,
      erle_off);
  fail_unless (erle_mixed >= erle_off + 10.0,
      "with a 48 kHz stereo probe ERLE %.1f dB is not 10 dB above %.1f dB",
      erle_mixed, erle_off);
  fail_unless (aec_run_stats_bool (&runs[0], "probe-connected"));
  /* The probe's pipeline latency is 0 here, so the whole 80 ms is left for
   * the estimator; its 5 ms blocks and the reverberation allow a little
   * slack. */
  fail_unless (gst_structure_get_int (runs[0].last_stats, "residual-delay-ms",
          &residual));
  fail_unless (residual >= ECHO_DELAY_MS - 10
      && residual <= ECHO_DELAY_MS + 25, "estimated %d ms", residual);
  for (i = 0; i < 3; i++) {
    fail_unless_equals_int (runs[i].n_warnings, 0);
    aec_run_clear (&runs[i]);
  }
  g_free (mic);
  g_bytes_unref (far16);
  g_bytes_unref (far48);
}

GST_END_TEST;

/* The estimator alone, on reverberant speech echoes, away from pipelines. */
GST_START_TEST (test_delay_estimator)
{
  static const gint delays[] = { 30, 120, 250, 400 };
  GBytes *far16 = sandra_test_load_audio (FAR_FIXTURE, 16000, 1);
  gsize n;
  const gint16 *far = g_bytes_get_data (far16, &n);
  guint d;

  n /= 2;
  for (d = 0; d < G_N_ELEMENTS (delays); d++) {
    SandraEchoSimParams p = { 16000, delays[d], 100, -10.0, 0.0, -60.0, d };
    gint16 *mic = sandra_echo_sim_render (&p, far, n, NULL, 0, 0);
    SandraDelayEstimator *est = sandra_delay_estimator_new (16000, 500);
    gsize i;
    gint got;

    fail_unless_equals_int (sandra_delay_estimator_get_delay_ms (est), -1);
    for (i = 0; i + 160 <= n; i += 160)
      sandra_delay_estimator_push (est, mic + i, far + i, 160);
    got = sandra_delay_estimator_get_delay_ms (est);
    fail_unless (got >= delays[d] - 5 && got <= delays[d] + 20,
        "echo at %d ms estimated at %d ms", delays[d], got);
    sandra_delay_estimator_free (est);
    g_free (mic);
  }
  g_bytes_unref (far16);
}

GST_END_TEST;

/* The path changes (a device switch, drift): the estimate follows. */
GST_START_TEST (test_delay_estimator_follows_change)
{
  GBytes *far16 = sandra_test_load_audio (FAR_FIXTURE, 16000, 1);
  gsize n, half, i;
  const gint16 *far = g_bytes_get_data (far16, &n);
  SandraEchoSimParams p1 = { 16000, 100, 100, -10.0, 0.0, -60.0, 5 };
  SandraEchoSimParams p2 = { 16000, 160, 100, -10.0, 0.0, -60.0, 6 };
  gint16 *a, *b;
  SandraDelayEstimator *est = sandra_delay_estimator_new (16000, 500);
  gint first, last;

  n /= 2;
  half = n / 2 / 160 * 160;
  a = sandra_echo_sim_render (&p1, far, n, NULL, 0, 0);
  b = sandra_echo_sim_render (&p2, far, n, NULL, 0, 0);
  for (i = 0; i + 160 <= half; i += 160)
    sandra_delay_estimator_push (est, a + i, far + i, 160);
  first = sandra_delay_estimator_get_delay_ms (est);
  for (; i + 160 <= n; i += 160)
    sandra_delay_estimator_push (est, b + i, far + i, 160);
  last = sandra_delay_estimator_get_delay_ms (est);
  fail_unless (first >= 95 && first <= 120, "first path estimated at %d ms",
      first);
  fail_unless (last >= 155 && last <= 180, "new path estimated at %d ms",
      last);
  sandra_delay_estimator_free (est);
  g_free (a);
  g_free (b);
  g_bytes_unref (far16);
}

GST_END_TEST;

/* Without far-end activity there is nothing to estimate from. */
GST_START_TEST (test_delay_estimator_silence)
{
  gsize n = 16000 * 6, i;
  gint16 *near = g_new (gint16, n), *far = g_new0 (gint16, n);
  GRand *r = g_rand_new_with_seed (1);
  SandraDelayEstimator *est = sandra_delay_estimator_new (16000, 500);

  for (i = 0; i < n; i++)
    near[i] = (gint16) g_rand_int_range (r, -3000, 3000);
  for (i = 0; i + 160 <= n; i += 160)
    sandra_delay_estimator_push (est, near + i, far + i, 160);
  fail_unless_equals_int (sandra_delay_estimator_get_delay_ms (est), -1);
  sandra_delay_estimator_free (est);
  g_rand_free (r);
  g_free (near);
  g_free (far);
}

GST_END_TEST;

static Suite *
sandraaec_quality_suite (void)
{
  Suite *s = suite_create ("sandraaec-quality");
  TCase *tq = tcase_create ("quality");

  suite_add_tcase (s, tq);
  tcase_set_timeout (tq, 120);
  tcase_add_test (tq, test_delay_estimator);
  tcase_add_test (tq, test_delay_estimator_silence);
  tcase_add_test (tq, test_delay_estimator_follows_change);
  tcase_add_test (tq, test_erle_speech);
  return s;
}

GST_CHECK_MAIN (sandraaec_quality);
