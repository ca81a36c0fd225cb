/* gst-sandra: echo path delay estimation from the signals
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sandra-delay-estimator.h"

#include <math.h>
#include <string.h>

/* Envelope resolution. 5 ms is well inside what the canceller's filter
 * absorbs, and keeps the search cheap (a few hundred thousand
 * multiply-adds per estimate). */
#define BLOCK_MS 5
/* Correlation window: long enough to span a couple of phrases. */
#define WINDOW_BLOCKS (4000 / BLOCK_MS)
#define MIN_WINDOW_BLOCKS (1500 / BLOCK_MS)
/* A new estimate every 250 ms. */
#define HOP_BLOCKS (250 / BLOCK_MS)
/* Peaks below this are noise or double talk, not an echo path. */
#define MIN_CORRELATION 0.30
/* Lags within this much of the peak correlation count as the peak. */
#define LEADING_EDGE_SLACK 0.02
/* The current path is kept while it is within this of the peak. */
#define KEEP_SLACK 0.05
/* A first estimate this strong is taken at once; weaker ones must repeat. */
#define SURE_CORRELATION 0.55
/* The far end must be playing in this share of the window. */
#define MIN_FAR_ACTIVITY 0.15
/* Envelope level (dB re 1 LSB^2) under which the far end counts as idle:
 * about -66 dBFS. */
#define FAR_IDLE_DB 24.0

struct _SandraDelayEstimator
{
  gint rate;
  gint block_len;
  gint max_lag;                 /* blocks */
  gint ring_len;                /* blocks */
  gfloat *near_env;
  gfloat *far_env;
  gfloat *near_lin;             /* search scratch */
  gfloat *far_lin;
  gdouble *corr;
  guint64 n_blocks;             /* blocks written so far */
  guint64 next_estimate;
  /* partial block */
  gdouble acc_near;
  gdouble acc_far;
  gint acc_len;
  /* tracking */
  gint delay_blocks;            /* -1: none yet */
  gint candidate;               /* -1: none */
  gdouble confidence;
};

SandraDelayEstimator *
sandra_delay_estimator_new (gint rate, gint max_delay_ms)
{
  SandraDelayEstimator *est = g_new0 (SandraDelayEstimator, 1);

  est->rate = rate;
  est->block_len = MAX (1, rate * BLOCK_MS / 1000);
  est->max_lag = MAX (1, max_delay_ms / BLOCK_MS);
  est->ring_len = WINDOW_BLOCKS + est->max_lag + 1;
  est->near_env = g_new0 (gfloat, est->ring_len);
  est->far_env = g_new0 (gfloat, est->ring_len);
  est->near_lin = g_new (gfloat, est->ring_len);
  est->far_lin = g_new (gfloat, est->ring_len);
  est->corr = g_new (gdouble, est->max_lag + 1);
  sandra_delay_estimator_reset (est);
  return est;
}

void
sandra_delay_estimator_free (SandraDelayEstimator * est)
{
  if (est == NULL)
    return;
  g_free (est->near_env);
  g_free (est->far_env);
  g_free (est->near_lin);
  g_free (est->far_lin);
  g_free (est->corr);
  g_free (est);
}

void
sandra_delay_estimator_reset (SandraDelayEstimator * est)
{
  est->n_blocks = 0;
  est->next_estimate = MIN_WINDOW_BLOCKS + est->max_lag;
  est->acc_near = est->acc_far = 0.0;
  est->acc_len = 0;
  est->delay_blocks = -1;
  est->candidate = -1;
  est->confidence = 0.0;
}

static inline gfloat
env_at (const gfloat * ring, gint ring_len, guint64 block)
{
  return ring[block % ring_len];
}

/* Dot product of two float vectors. Eight independent partial sums let
 * the compiler vectorise the loop (a single double accumulator is one long
 * dependency chain); each sums at most a few hundred terms, well within
 * float precision for a correlation. This loop is most of the estimator's
 * cost: @w blocks times max-delay-ms / 5 lags, four times a second. */
static gdouble
dot (const gfloat * a, const gfloat * b, gint n)
{
  gfloat acc[8] = { 0.0f };
  gdouble sum = 0.0;
  gint i, k;

  for (i = 0; i + 8 <= n; i += 8)
    for (k = 0; k < 8; k++)
      acc[k] += a[i + k] * b[i + k];
  for (k = 0; k < 8; k++)
    sum += acc[k];
  for (; i < n; i++)
    sum += (gdouble) a[i] * b[i];
  return sum;
}

/* Normalised cross-correlation of near[i] with far[i - lag] over the last
 * @w blocks; returns the best lag and its correlation. Among lags whose
 * correlation is nearly the peak's, the earliest wins: reverberation
 * smears the microphone envelope towards later lags, and the canceller
 * needs the direct path. */
static gint
search (SandraDelayEstimator * est, gint w, gdouble * best_corr)
{
  guint64 end = est->n_blocks;
  guint64 start = end - w;
  gint span = w + est->max_lag, i, lag, best = -1;
  gfloat *nr = est->near_lin, *fr = est->far_lin;
  gdouble mn = 0.0, vn = 0.0, sf = 0.0, sff = 0.0, peak = -1.0;

  /* Unroll the rings: fr[k] is block start - max_lag + k. */
  for (i = 0; i < w; i++)
    nr[i] = env_at (est->near_env, est->ring_len, start + i);
  for (i = 0; i < span; i++)
    fr[i] = env_at (est->far_env, est->ring_len, start - est->max_lag + i);

  for (i = 0; i < w; i++)
    mn += nr[i];
  mn /= w;
  for (i = 0; i < w; i++) {
    nr[i] -= mn;
    vn += (gdouble) nr[i] * nr[i];
  }
  if (vn <= 1e-9)
    return -1;

  /* Running sums of the far window give its mean and variance per lag. */
  for (i = est->max_lag; i < span; i++) {
    sf += fr[i];
    sff += (gdouble) fr[i] * fr[i];
  }
  for (lag = 0; lag <= est->max_lag; lag++) {
    const gfloat *f = fr + est->max_lag - lag;
    gdouble c, vf, corr;

    if (lag > 0) {
      /* slide the window one block earlier */
      gfloat in = f[0], out = f[w];

      sf += in - out;
      sff += (gdouble) in *in - (gdouble) out *out;
    }
    vf = sff - sf * sf / w;
    c = dot (nr, f, w);
    est->corr[lag] = -1.0;
    if (vf <= 1e-6)
      continue;
    /* the near window is zero-mean, so the far mean drops out of c */
    corr = c / sqrt (vn * vf);
    est->corr[lag] = corr;
    if (corr > peak)
      peak = corr;
  }
  for (lag = 0; lag <= est->max_lag; lag++)
    if (est->corr[lag] >= peak - LEADING_EDGE_SLACK) {
      best = lag;
      break;
    }
  *best_corr = peak;
  return best;
}

static gboolean
far_active_enough (SandraDelayEstimator * est, gint w)
{
  guint64 i, end = est->n_blocks;
  gint active = 0;

  for (i = end - w - est->max_lag; i < end; i++)
    if (env_at (est->far_env, est->ring_len, i) > FAR_IDLE_DB)
      active++;
  return active >= MIN_FAR_ACTIVITY * (w + est->max_lag);
}

static gboolean
estimate (SandraDelayEstimator * est)
{
  gint w = (gint) MIN ((guint64) WINDOW_BLOCKS, est->n_blocks - est->max_lag);
  gdouble corr;
  gint lag;

  if (!far_active_enough (est, w))
    return FALSE;
  lag = search (est, w, &corr);
  if (lag < 0 || corr < MIN_CORRELATION) {
    est->candidate = -1;
    return FALSE;
  }
  /* A path that still explains the echo nearly as well as the peak stays:
   * reverberation flattens the peak, and every move costs the canceller a
   * re-convergence. */
  if (est->delay_blocks >= 0
      && est->corr[est->delay_blocks] >= corr - KEEP_SLACK) {
    est->candidate = -1;
    est->confidence = est->corr[est->delay_blocks];
    return FALSE;
  }
  if (est->delay_blocks >= 0 && ABS (lag - est->delay_blocks) <= 1) {
    /* Same path, or a one-block drift: follow it only when it repeats. */
    if (lag != est->delay_blocks && lag == est->candidate) {
      est->delay_blocks = lag;
      est->confidence = corr;
      est->candidate = -1;
      return TRUE;
    }
    est->candidate = lag == est->delay_blocks ? -1 : lag;
    est->confidence = corr;
    return FALSE;
  }
  if ((est->delay_blocks < 0 && corr >= SURE_CORRELATION) ||
      (est->candidate >= 0 && ABS (lag - est->candidate) <= 1)) {
    est->delay_blocks = lag;
    est->confidence = corr;
    est->candidate = -1;
    return TRUE;
  }
  est->candidate = lag;
  return FALSE;
}

static void
close_block (SandraDelayEstimator * est)
{
  gint idx = est->n_blocks % est->ring_len;

  est->near_env[idx] = 10.0 * log10 (1.0 + est->acc_near / est->acc_len);
  est->far_env[idx] = 10.0 * log10 (1.0 + est->acc_far / est->acc_len);
  est->n_blocks++;
  est->acc_near = est->acc_far = 0.0;
  est->acc_len = 0;
}

static gint64
sum_squares (const gint16 * x, gint n)
{
  gint64 acc = 0;
  gint i;

  /* integer and branch-free so that the compiler vectorises it */
  for (i = 0; i < n; i++)
    acc += (gint32) x[i] * x[i];
  return acc;
}

gboolean
sandra_delay_estimator_push (SandraDelayEstimator * est, const gint16 * near,
    const gint16 * far, gint frames)
{
  gboolean changed = FALSE;

  while (frames > 0) {
    gint take = MIN (frames, est->block_len - est->acc_len);

    est->acc_near += sum_squares (near, take);
    if (far != NULL) {
      est->acc_far += sum_squares (far, take);
      far += take;
    }
    near += take;
    frames -= take;
    est->acc_len += take;
    if (est->acc_len == est->block_len) {
      close_block (est);
      if (est->n_blocks >= est->next_estimate) {
        est->next_estimate = est->n_blocks + HOP_BLOCKS;
        changed |= estimate (est);
      }
    }
  }
  return changed;
}

gint
sandra_delay_estimator_get_delay_ms (const SandraDelayEstimator * est)
{
  return est->delay_blocks < 0 ? -1 : est->delay_blocks * BLOCK_MS;
}

gdouble
sandra_delay_estimator_get_confidence (const SandraDelayEstimator * est)
{
  return est->confidence;
}
