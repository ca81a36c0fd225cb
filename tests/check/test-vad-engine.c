/* Unit tests of the VAD engine layer with real speech.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "dsp/sandra-vad-engine.h"
#include "dsp/sandra-vad-webrtc.h"
#include "test-util.h"

#define FIXTURE "librivox-0880-trimmed-16k.wav"

/* 1 s of silence, the sentence, 1 s of silence, at 16 kHz. */
static gint16 *
sentence (gsize * n)
{
  GBytes *b = sandra_test_load_audio (FIXTURE, 16000, 1);
  gsize len;
  const gint16 *s = g_bytes_get_data (b, &len);
  gint16 *out;

  len /= 2;
  *n = len + 32000;
  out = g_new0 (gint16, *n);
  memcpy (out + 16000, s, len * 2);
  g_bytes_unref (b);
  return out;
}

GST_START_TEST (test_webrtc_geometry)
{
  const gint rates[] = { 8000, 16000, 24000, 32000, 48000 };
  const gint expected[] = { 8000, 16000, 16000, 16000, 16000 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rates); i++) {
    SandraVadEngine *e = sandra_vad_engine_new (SANDRA_VAD_ENGINE_WEBRTC,
        rates[i], 2, NULL);

    fail_unless (e != NULL);
    fail_unless_equals_int (sandra_vad_engine_get_rate (e), expected[i]);
    /* 10 ms frames */
    fail_unless_equals_int (sandra_vad_engine_get_frame_size (e),
        expected[i] / 100);
    sandra_vad_engine_free (e);
  }
  fail_unless_equals_string (sandra_vad_engine_kind_name
      (SANDRA_VAD_ENGINE_WEBRTC), "webrtc");
  /* the shim refuses rates the library does not take */
  fail_unless (sandra_vad_webrtc_new (24000, 2) == NULL);
  fail_unless (sandra_vad_webrtc_new (44100, 2) == NULL);
}

GST_END_TEST;

/* The engine's probability is the share of voiced decisions among the
 * last three frames of the library's own detector, called once per frame. */
GST_START_TEST (test_webrtc_probability)
{
  gsize n, i;
  gint16 *x = sentence (&n);
  SandraVadEngine *e = sandra_vad_engine_new (SANDRA_VAD_ENGINE_WEBRTC,
      16000, 2, NULL);
  SandraVadWebrtc *w = sandra_vad_webrtc_new (16000, 2);
  guint8 d[3] = { 0, 0, 0 };
  guint voiced_in_speech = 0, voiced_in_silence = 0, frames = 0;

  for (i = 0; i + 160 <= n; i += 160, frames++) {
    gint raw = sandra_vad_webrtc_process (w, x + i);
    gfloat p = sandra_vad_engine_process (e, x + i);

    fail_unless (raw == 0 || raw == 1);
    d[frames % 3] = raw;
    fail_unless_equals_float (p, (d[0] + d[1] + d[2]) / 3.0f);
    if (i >= 16000 + 1600 && i + 160 < n - 16000 - 1600)
      voiced_in_speech += raw;
    else if (i < 16000 - 1600 || i > n - 16000 + 3200)
      voiced_in_silence += raw;
  }
  /* it tells the sentence from digital silence */
  fail_unless (voiced_in_speech > (n - 32000 - 3200) / 160 / 2);
  fail_unless_equals_int (voiced_in_silence, 0);
  sandra_vad_engine_free (e);
  sandra_vad_webrtc_free (w);
  g_free (x);
}

GST_END_TEST;

/* After reset the engine behaves as a new one. */
GST_START_TEST (test_webrtc_reset)
{
  gsize n, i;
  gint16 *x = sentence (&n);
  SandraVadEngine *e = sandra_vad_engine_new (SANDRA_VAD_ENGINE_WEBRTC,
      16000, 1, NULL);
  gfloat *first_run = g_new (gfloat, n / 160);

  for (i = 0; i < n / 160; i++)
    first_run[i] = sandra_vad_engine_process (e, x + i * 160);
  sandra_vad_engine_reset (e);
  for (i = 0; i < n / 160; i++)
    fail_unless_equals_float (sandra_vad_engine_process (e, x + i * 160),
        first_run[i]);
  sandra_vad_engine_free (e);
  g_free (first_run);
  g_free (x);
}

GST_END_TEST;

static Suite *
engine_suite (void)
{
  Suite *s = suite_create ("sandra-vad-engine");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_webrtc_geometry);
  tcase_add_test (tc, test_webrtc_probability);
  tcase_add_test (tc, test_webrtc_reset);
  return s;
}

GST_CHECK_MAIN (engine);
