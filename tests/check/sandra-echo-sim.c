/* gst-sandra: a synthetic echo path for tests and benchmarks
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sandra-echo-sim.h"

#include <math.h>

/* Builds the room response: unit direct path at 0, six early reflections in
 * the first 20 ms, then a noise tail decaying 60 dB over rt60. */
static gfloat *
make_ir (const SandraEchoSimParams * p, GRand * rand, gsize * len)
{
  gsize n, i;
  gfloat *h;
  gdouble decay;

  if (p->rt60_ms <= 0) {
    *len = 1;
    h = g_new0 (gfloat, 1);
    h[0] = 1.0f;
    return h;
  }
  n = (gsize) p->rate * p->rt60_ms / 1000;
  h = g_new0 (gfloat, n);
  h[0] = 1.0f;
  for (i = 0; i < 6; i++) {
    gsize at = g_rand_int_range (rand, p->rate / 1000, p->rate / 50);
    h[at] += (gfloat) g_rand_double_range (rand, -0.5, 0.5);
  }
  /* amplitude falls by 60 dB (a factor 1000) over n samples */
  decay = log (1000.0) / n;
  for (i = p->rate / 200; i < n; i++)
    h[i] += (gfloat) (0.25 * exp (-decay * i) *
        g_rand_double_range (rand, -1.0, 1.0));
  *len = n;
  return h;
}

gint16 *
sandra_echo_sim_render (const SandraEchoSimParams * p, const gint16 * far,
    gsize n, const gint16 * near, gsize near_n, gsize near_offset)
{
  GRand *rand = g_rand_new_with_seed (p->seed);
  gsize ir_len, i, k, delay = (gsize) p->rate * p->delay_ms / 1000;
  gfloat *h = make_ir (p, rand, &ir_len);
  gfloat *loud = g_new (gfloat, n);
  gint16 *mic = g_new (gint16, n);
  gdouble drive = pow (10.0, p->overdrive_db / 20.0);
  gdouble gain = pow (10.0, p->echo_gain_db / 20.0);
  gdouble noise = p->noise_dbfs > -120.0 ?
      32768.0 * pow (10.0, p->noise_dbfs / 20.0) * sqrt (3.0) : 0.0;

  for (i = 0; i < n; i++) {
    gdouble x = far[i] * drive;

    loud[i] = (gfloat) CLAMP (x, -32768.0, 32767.0);
  }
  for (i = 0; i < n; i++) {
    gdouble acc = 0.0;

    if (i >= delay) {
      gsize t = i - delay;
      gsize kmax = MIN (ir_len, t + 1);

      for (k = 0; k < kmax; k++)
        acc += h[k] * loud[t - k];
    }
    acc *= gain;
    if (noise > 0.0)
      acc += g_rand_double_range (rand, -noise, noise);
    if (near != NULL && i >= near_offset && i - near_offset < near_n)
      acc += near[i - near_offset];
    mic[i] = (gint16) CLAMP (lrint (acc), -32768, 32767);
  }
  g_free (loud);
  g_free (h);
  g_rand_free (rand);
  return mic;
}

gdouble
sandra_echo_sim_ratio_db (const gint16 * a, const gint16 * b, gsize from,
    gsize to)
{
  gdouble ea = 0.0, eb = 0.0;
  gsize i;

  for (i = from; i < to; i++) {
    ea += (gdouble) a[i] * a[i];
    eb += (gdouble) b[i] * b[i];
  }
  return 10.0 * log10 ((eb + 1.0) / (ea + 1.0));
}
