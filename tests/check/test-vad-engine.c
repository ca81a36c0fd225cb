/* Unit tests of the VAD engine layer with real speech.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "dsp/sandra-vad-engine.h"
#include "dsp/sandra-vad-webrtc.h"
#include "dsp/sandra-silero.h"
#include "test-util.h"

#define FIXTURE "librivox-0880-trimmed-16k.wav"

/* 1 s of silence, the sentence, 1 s of silence, at @rate. */
static gint16 *
sentence_at (gint rate, gsize * n)
{
  GBytes *b = sandra_test_load_audio (FIXTURE, rate, 1);
  gsize len;
  const gint16 *s = g_bytes_get_data (b, &len);
  gint16 *out;

  len /= 2;
  *n = len + 2 * rate;
  out = g_new0 (gint16, *n);
  memcpy (out + rate, s, len * 2);
  g_bytes_unref (b);
  return out;
}

static gint16 *
sentence (gsize * n)
{
  return sentence_at (16000, n);
}

/* 8 kHz input is analysed at 8 kHz, every other rate at 16 kHz, in frames
 * of @frame_ms; the geometry known without an engine is the engine's. */
static void
check_geometry (SandraVadEngineKind kind, gint frame_ms)
{
  const gint rates[] = { 8000, 16000, 24000, 32000, 48000 };
  const gint expected[] = { 8000, 16000, 16000, 16000, 16000 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rates); i++) {
    SandraVadEngine *e = sandra_vad_engine_new (kind, rates[i], 2, NULL);
    gint rate = 0;
    guint frame_size = 0;

    fail_unless (e != NULL);
    fail_unless_equals_int (sandra_vad_engine_get_rate (e), expected[i]);
    fail_unless_equals_int (sandra_vad_engine_get_frame_size (e),
        expected[i] * frame_ms / 1000);
    sandra_vad_engine_kind_get_geometry (kind, rates[i], &rate, &frame_size);
    fail_unless_equals_int (rate, expected[i]);
    fail_unless_equals_int (frame_size, expected[i] * frame_ms / 1000);
    sandra_vad_engine_free (e);
  }
}

GST_START_TEST (test_webrtc_geometry)
{
  check_geometry (SANDRA_VAD_ENGINE_WEBRTC, 10);
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

/* After reset an engine behaves as a new one, even when reset in the
 * middle of the sentence, far from a fresh state. */
static void
check_reset (SandraVadEngineKind kind, gint mode)
{
  gsize n, i;
  gint16 *x = sentence (&n);
  SandraVadEngine *e = sandra_vad_engine_new (kind, 16000, mode, NULL);
  guint frame = sandra_vad_engine_get_frame_size (e);
  gsize frames = n / frame;
  gfloat *first_run = g_new (gfloat, frames);

  for (i = 0; i < frames; i++)
    first_run[i] = sandra_vad_engine_process (e, x + i * frame);
  sandra_vad_engine_reset (e);
  for (i = 0; i < frames / 2; i++)
    sandra_vad_engine_process (e, x + i * frame);
  sandra_vad_engine_reset (e);
  for (i = 0; i < frames; i++)
    fail_unless (sandra_vad_engine_process (e, x + i * frame) ==
        first_run[i], "frame %" G_GSIZE_FORMAT " differs after reset", i);
  sandra_vad_engine_free (e);
  g_free (first_run);
  g_free (x);
}

GST_START_TEST (test_webrtc_reset)
{
  check_reset (SANDRA_VAD_ENGINE_WEBRTC, 1);
}

GST_END_TEST;


/* --- silero ------------------------------------------------------------ */

GST_START_TEST (test_silero_geometry)
{
  check_geometry (SANDRA_VAD_ENGINE_SILERO, 32);
  fail_unless_equals_string (sandra_vad_engine_kind_name
      (SANDRA_VAD_ENGINE_SILERO), "silero");
}

GST_END_TEST;

/* Through the engine interface, S16 chunks give exactly what the network
 * gives for the same chunks scaled to [-1, 1], at both model rates, and
 * @mode changes nothing. */
static void
check_silero_matches_network (gint rate)
{
  gsize n, i, j;
  gint16 *x = sentence_at (rate, &n);
  SandraVadEngine *e = sandra_vad_engine_new (SANDRA_VAD_ENGINE_SILERO,
      rate, 0, NULL);
  SandraVadEngine *e3 = sandra_vad_engine_new (SANDRA_VAD_ENGINE_SILERO,
      rate, 3, NULL);
  SandraSilero *net = sandra_silero_new (rate);
  guint chunk = sandra_silero_chunk_samples (net);
  gfloat *f = g_new (gfloat, chunk);
  gfloat max_in_silence = 0.0f;
  guint speech_chunks = 0, chunks = 0;

  fail_unless_equals_int (sandra_vad_engine_get_frame_size (e), chunk);
  for (i = 0; i + chunk <= n; i += chunk, chunks++) {
    gfloat p, q;

    for (j = 0; j < chunk; j++)
      f[j] = x[i + j] / 32768.0f;
    q = sandra_silero_process (net, f);
    p = sandra_vad_engine_process (e, x + i);
    fail_unless (p == q, "chunk %u: engine %f, network %f", chunks, p, q);
    fail_unless (sandra_vad_engine_process (e3, x + i) == q);
    /* well inside the leading or trailing second of silence */
    if (i + chunk < (gsize) rate * 9 / 10 || i > n - (gsize) rate * 7 / 10)
      max_in_silence = MAX (max_in_silence, p);
    else if (p >= 0.5f)
      speech_chunks++;
  }
  /* and it tells the sentence from silence */
  GST_INFO ("%d Hz: %u of %u chunks speech, max %f in silence", rate,
      speech_chunks, chunks, max_in_silence);
  fail_unless (max_in_silence < 0.1f);
  fail_unless (speech_chunks > (chunks - 2 * rate / chunk) / 2);
  sandra_vad_engine_free (e);
  sandra_vad_engine_free (e3);
  sandra_silero_free (net);
  g_free (f);
  g_free (x);
}

GST_START_TEST (test_silero_matches_network)
{
  check_silero_matches_network (16000);
  check_silero_matches_network (8000);
}

GST_END_TEST;

/* The network's recurrent state and its carried context are both
 * forgotten. */
GST_START_TEST (test_silero_reset)
{
  check_reset (SANDRA_VAD_ENGINE_SILERO, 2);
}

GST_END_TEST;

/* Each engine brings segmenter defaults that suit its probabilities. */
GST_START_TEST (test_engine_defaults)
{
  SandraVadSegmenterSettings s, generic;

  sandra_vad_segmenter_settings_init (&generic);
  sandra_vad_engine_kind_get_defaults (SANDRA_VAD_ENGINE_WEBRTC, &s);
  fail_unless (memcmp (&s, &generic, sizeof (s)) == 0);

  /* Silero's own get_speech_timestamps() defaults */
  sandra_vad_engine_kind_get_defaults (SANDRA_VAD_ENGINE_SILERO, &s);
  fail_unless_equals_float (s.threshold, 0.5f);
  fail_unless_equals_float (s.negative_threshold, 0.35f);
  fail_unless_equals_int (s.min_speech_ms, 250);
  fail_unless_equals_int (s.min_silence_ms, 100);
  fail_unless_equals_int (s.pre_speech_pad_ms, 30);
  fail_unless_equals_int (s.max_speech_ms, 0);
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
  tcase_add_test (tc, test_silero_geometry);
  tcase_add_test (tc, test_silero_matches_network);
  tcase_add_test (tc, test_silero_reset);
  tcase_add_test (tc, test_engine_defaults);
  return s;
}

GST_CHECK_MAIN (engine);
