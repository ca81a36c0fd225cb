/* The C Silero VAD v6 network against ONNX Runtime running the original model.
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The reference files in tests/data were written by
 * scripts/silero/reference.js: one probability per 32 ms chunk of the
 * fixture, from a fresh state. The C engine must match every one of them.
 */
#include <gst/check/gstcheck.h>

#include "test-util.h"
#include "sandra-silero.h"

#define TOLERANCE 1e-4

typedef struct
{
  gfloat *samples;
  gsize n_samples;
} Audio;

static Audio
load_fixture (const gchar * name, gint rate)
{
  GBytes *bytes = sandra_test_load_audio (name, rate, 1);
  gsize size, i;
  const gint16 *s16 = g_bytes_get_data (bytes, &size);
  Audio audio;

  audio.n_samples = size / sizeof (gint16);
  audio.samples = g_new (gfloat, audio.n_samples);
  /* The same scaling as scripts/silero/wav.js. */
  for (i = 0; i < audio.n_samples; i++)
    audio.samples[i] = s16[i] / 32768.0f;
  g_bytes_unref (bytes);
  return audio;
}

static GArray *
load_reference (const gchar * name)
{
  gchar *path = sandra_test_data_path (name);
  gchar *text = NULL, **lines, **l;
  GError *err = NULL;
  GArray *probs = g_array_new (FALSE, FALSE, sizeof (gdouble));

  fail_unless (g_file_get_contents (path, &text, NULL, &err),
      "cannot read %s: %s", path, err ? err->message : "?");
  lines = g_strsplit (text, "\n", -1);
  for (l = lines; *l; l++) {
    gchar *end;
    gdouble p;

    if (**l == '#' || **l == '\0')
      continue;
    p = g_ascii_strtod (*l, &end);
    fail_unless (end != *l && *end == '\0', "bad line in %s: %s", name, *l);
    g_array_append_val (probs, p);
  }
  g_strfreev (lines);
  g_free (text);
  g_free (path);
  return probs;
}

static void
check_parity (const gchar * audio_name, const gchar * reference_name,
    gint rate, guint expected_chunk)
{
  Audio audio = load_fixture (audio_name, rate);
  GArray *ref = load_reference (reference_name);
  SandraSilero *vad = sandra_silero_new (rate);
  guint chunk, n_chunks, i, worst_at = 0, speech = 0;
  gdouble worst = 0.0;

  fail_unless (vad != NULL);
  chunk = sandra_silero_chunk_samples (vad);
  fail_unless_equals_int (chunk, expected_chunk);
  n_chunks = audio.n_samples / chunk;
  fail_unless_equals_int (n_chunks, ref->len);

  for (i = 0; i < n_chunks; i++) {
    gfloat p = sandra_silero_process (vad, audio.samples + (gsize) i * chunk);
    gdouble expect = g_array_index (ref, gdouble, i);
    gdouble err = fabs (p - expect);

    fail_unless (p >= 0.0f && p <= 1.0f);
    fail_unless (err <= TOLERANCE, "%s chunk %u: C %.7f, ONNX Runtime %.7f",
        audio_name, i, p, expect);
    if (err > worst) {
      worst = err;
      worst_at = i;
    }
    if (expect > 0.5)
      speech++;
  }
  GST_INFO ("%s: %u chunks, worst difference %.3g at chunk %u", audio_name,
      n_chunks, worst, worst_at);

  /* The fixture must exercise both outcomes, or parity proves little. */
  fail_unless (speech > n_chunks / 4 && speech < n_chunks - n_chunks / 20,
      "%s: %u of %u reference chunks are speech", audio_name, speech, n_chunks);

  sandra_silero_free (vad);
  g_array_unref (ref);
  g_free (audio.samples);
}

GST_START_TEST (test_parity_16k)
{
  check_parity ("librivox-0870-16k.wav", "librivox-0870-16k.silero-v6.txt",
      16000, 512);
}
GST_END_TEST;

GST_START_TEST (test_parity_8k)
{
  check_parity ("codec2-ve9qrp-8k.wav", "codec2-ve9qrp-8k.silero-v6.txt",
      8000, 256);
}
GST_END_TEST;

static void
run (SandraSilero * vad, const Audio * audio, guint first, guint n,
    gfloat * out)
{
  guint chunk = sandra_silero_chunk_samples (vad), i;

  for (i = 0; i < n; i++)
    out[i] = sandra_silero_process (vad,
        audio->samples + (gsize) (first + i) * chunk);
}

/* After reset() the detector must behave exactly like a new one: the context
 * samples and both LSTM states are forgotten. Speech is fed before the reset
 * so that stale state would show. */
GST_START_TEST (test_reset)
{
  const gint rates[] = { 16000, 8000 };
  const gchar *files[] = { "librivox-0870-16k.wav", "codec2-ve9qrp-8k.wav" };
  guint r;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    Audio audio = load_fixture (files[r], rates[r]);
    SandraSilero *vad = sandra_silero_new (rates[r]);
    guint n = 60, i;
    gfloat fresh[60], again[60], busy[60];

    run (vad, &audio, 0, n, fresh);
    run (vad, &audio, n, n, busy);
    sandra_silero_reset (vad);
    run (vad, &audio, 0, n, again);
    for (i = 0; i < n; i++)
      fail_unless (fresh[i] == again[i], "%d Hz chunk %u: %f before reset, "
          "%f after", rates[r], i, fresh[i], again[i]);

    /* Without the reset the history does matter: otherwise this test could
     * not fail. */
    run (vad, &audio, 0, n, busy);
    for (i = 0; i < n; i++)
      if (busy[i] != fresh[i])
        break;
    fail_unless (i < n, "%d Hz: history made no difference", rates[r]);

    sandra_silero_free (vad);
    g_free (audio.samples);
  }
}
GST_END_TEST;

/* Instances share weights but nothing else: interleaving two detectors over
 * different audio gives each the same results as running it alone. */
GST_START_TEST (test_instances_independent)
{
  Audio a = load_fixture ("librivox-0870-16k.wav", 16000);
  Audio b = load_fixture ("codec2-ve9qrp-8k.wav", 16000);
  SandraSilero *va = sandra_silero_new (16000);
  SandraSilero *vb = sandra_silero_new (16000);
  gfloat alone_a[80], alone_b[80];
  guint i;

  run (va, &a, 0, 80, alone_a);
  run (vb, &b, 0, 80, alone_b);
  sandra_silero_reset (va);
  sandra_silero_reset (vb);
  for (i = 0; i < 80; i++) {
    gfloat pa, pb;

    run (va, &a, i, 1, &pa);
    run (vb, &b, i, 1, &pb);
    fail_unless (pa == alone_a[i] && pb == alone_b[i], "chunk %u differs", i);
  }

  /* Freeing one leaves the other's shared weights intact. */
  sandra_silero_free (vb);
  sandra_silero_reset (va);
  for (i = 0; i < 80; i++) {
    gfloat pa;

    run (va, &a, i, 1, &pa);
    fail_unless (pa == alone_a[i], "chunk %u differs after free", i);
  }
  sandra_silero_free (va);
  g_free (a.samples);
  g_free (b.samples);
}
GST_END_TEST;

/* Digital silence, with a speech burst before it at the start: the
 * probability falls back well below Silero's 0.5 threshold and stays there.
 * (ONNX Runtime gives at most 0.009 at 16 kHz and 0.022 at 8 kHz over 100
 * silent chunks from a fresh state.) */
GST_START_TEST (test_silence)
{
  const gint rates[] = { 16000, 8000 };
  const gchar *files[] = { "librivox-0870-16k.wav", "codec2-ve9qrp-8k.wav" };
  guint r, i;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    Audio audio = load_fixture (files[r], rates[r]);
    SandraSilero *vad = sandra_silero_new (rates[r]);
    guint chunk = sandra_silero_chunk_samples (vad);
    gfloat *zeros = g_new0 (gfloat, chunk);
    gfloat speech[100], p;

    run (vad, &audio, 0, 100, speech);
    for (i = 0; i < 100; i++)
      if (speech[i] > 0.5f)
        break;
    fail_unless (i < 100, "%d Hz: no speech in the first 100 chunks",
        rates[r]);

    /* A few chunks to let the hangover of the LSTM decay, then silence
     * must read as silence. */
    for (i = 0; i < 10; i++)
      sandra_silero_process (vad, zeros);
    for (i = 0; i < 100; i++) {
      p = sandra_silero_process (vad, zeros);
      fail_unless (p < 0.1f, "%d Hz: silent chunk %u has probability %f",
          rates[r], i, p);
    }
    g_free (zeros);
    sandra_silero_free (vad);
    g_free (audio.samples);
  }
}
GST_END_TEST;

/* Input at the edges of what S16 can carry: digital silence, one-LSB
 * noise, full-scale square waves, clipped noise and DC. Every probability
 * stays a number in [0, 1], and the recurrent state is not left saturated
 * or poisoned: speech afterwards still reads as speech. */
GST_START_TEST (test_extreme_input)
{
  const gint rates[] = { 16000, 8000 };
  const gchar *files[] = { "librivox-0870-16k.wav", "codec2-ve9qrp-8k.wav" };
  guint r;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    Audio audio = load_fixture (files[r], rates[r]);
    SandraSilero *vad = sandra_silero_new (rates[r]);
    guint chunk = sandra_silero_chunk_samples (vad), kind, i, j;
    gfloat *x = g_new (gfloat, chunk), speech[100];
    GRand *rand = g_rand_new_with_seed (5);

    for (kind = 0; kind < 6; kind++) {
      for (i = 0; i < 200; i++) {
        gfloat p;

        for (j = 0; j < chunk; j++) {
          switch (kind) {
            case 0:
              x[j] = 0.0f;
              break;
            case 1:
              x[j] = g_rand_int_range (rand, -1, 2) / 32768.0f;
              break;
            case 2:
              x[j] = (j / 8) % 2 ? 32767 / 32768.0f : -1.0f;
              break;
            case 3:
              x[j] = g_rand_boolean (rand) ? 32767 / 32768.0f : -1.0f;
              break;
            case 4:
              x[j] = -1.0f;
              break;
            default:
              x[j] = 32767 / 32768.0f;
              break;
          }
        }
        p = sandra_silero_process (vad, x);
        fail_unless (isfinite (p) && p >= 0.0f && p <= 1.0f,
            "%d Hz, input %u, chunk %u: probability %f", rates[r], kind, i,
            p);
      }
    }
    run (vad, &audio, 0, 100, speech);
    for (i = 0; i < 100; i++)
      if (speech[i] > 0.5f)
        break;
    fail_unless (i < 100, "%d Hz: no speech after extreme input", rates[r]);

    g_rand_free (rand);
    g_free (x);
    sandra_silero_free (vad);
    g_free (audio.samples);
  }
}
GST_END_TEST;

typedef struct
{
  const Audio *audio[2];
  const gfloat *expected[2];
  gint start;
  gint failures;
} Crowd;

#define CROWD_THREADS 8
#define CROWD_CHUNKS 40

/* One instance at a rate chosen by @index: waits for the others, then
 * creates, runs and frees a detector at the same moment as they do. */
static gpointer
crowd_member (gpointer data)
{
  Crowd *crowd = ((gpointer *) data)[0];
  guint index = GPOINTER_TO_UINT (((gpointer *) data)[1]), r = index % 2, i;
  SandraSilero *vad;
  gfloat p;

  while (!g_atomic_int_get (&crowd->start))
    g_thread_yield ();
  vad = sandra_silero_new (r == 0 ? 16000 : 8000);
  if (vad == NULL) {
    g_atomic_int_inc (&crowd->failures);
    return NULL;
  }
  for (i = 0; i < CROWD_CHUNKS; i++) {
    run (vad, crowd->audio[r], i, 1, &p);
    if (p != crowd->expected[r][i])
      g_atomic_int_inc (&crowd->failures);
  }
  sandra_silero_free (vad);
  return NULL;
}

/* Many elements starting at once (a pipeline with several sandravads going
 * to PAUSED): the shared weights are loaded once per rate, used by all and
 * released by the last, whatever the interleaving. Under the sanitizers a
 * race in the sharing would show as a leak or a use after free. */
GST_START_TEST (test_instances_in_threads)
{
  Audio a16 = load_fixture ("librivox-0870-16k.wav", 16000);
  Audio a8 = load_fixture ("codec2-ve9qrp-8k.wav", 8000);
  gfloat e16[CROWD_CHUNKS], e8[CROWD_CHUNKS];
  Crowd crowd = { {&a16, &a8}, {e16, e8}, 0, 0 };
  SandraSilero *vad;
  guint round, i;

  vad = sandra_silero_new (16000);
  run (vad, &a16, 0, CROWD_CHUNKS, e16);
  sandra_silero_free (vad);
  vad = sandra_silero_new (8000);
  run (vad, &a8, 0, CROWD_CHUNKS, e8);
  sandra_silero_free (vad);

  for (round = 0; round < 5; round++) {
    GThread *threads[CROWD_THREADS];
    gpointer args[CROWD_THREADS][2];

    g_atomic_int_set (&crowd.start, 0);
    for (i = 0; i < CROWD_THREADS; i++) {
      args[i][0] = &crowd;
      args[i][1] = GUINT_TO_POINTER (i);
      threads[i] = g_thread_new ("silero", crowd_member, args[i]);
    }
    g_atomic_int_set (&crowd.start, 1);
    for (i = 0; i < CROWD_THREADS; i++)
      g_thread_join (threads[i]);
  }
  fail_unless_equals_int (g_atomic_int_get (&crowd.failures), 0);
  g_free (a16.samples);
  g_free (a8.samples);
}
GST_END_TEST;

GST_START_TEST (test_rates)
{
  const gint refused[] = { 0, -16000, 11025, 22050, 24000, 32000, 44100,
    48000, 16001
  };
  SandraSilero *vad;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (refused); i++)
    fail_unless (sandra_silero_new (refused[i]) == NULL, "rate %d accepted",
        refused[i]);

  vad = sandra_silero_new (16000);
  fail_unless (vad != NULL);
  fail_unless_equals_int (sandra_silero_chunk_samples (vad), 512);
  sandra_silero_free (vad);
  vad = sandra_silero_new (8000);
  fail_unless (vad != NULL);
  fail_unless_equals_int (sandra_silero_chunk_samples (vad), 256);
  sandra_silero_free (vad);
}
GST_END_TEST;

static Suite *
silero_suite (void)
{
  Suite *s = suite_create ("silero");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_parity_16k);
  tcase_add_test (tc, test_parity_8k);
  tcase_add_test (tc, test_reset);
  tcase_add_test (tc, test_instances_independent);
  tcase_add_test (tc, test_silence);
  tcase_add_test (tc, test_rates);
  tcase_add_test (tc, test_instances_in_threads);
  tcase_add_test (tc, test_extreme_input);
  return s;
}

GST_CHECK_MAIN (silero);
