/* gst-sandra: a synthetic echo path for tests and benchmarks
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Renders what a microphone hears when a loudspeaker plays the far end in a
 * room: an optional overdriven (clipping) loudspeaker, a bulk delay, a room
 * impulse response (direct path, a few early reflections and an
 * exponentially decaying diffuse tail), an echo level, sensor noise and an
 * optional near-end talker. Deterministic for a given seed.
 */
#ifndef __SANDRA_ECHO_SIM_H__
#define __SANDRA_ECHO_SIM_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gint rate;
  gint delay_ms;                /* far end play-out to direct path */
  gint rt60_ms;                 /* reverberation time; 0 = direct path only */
  gdouble echo_gain_db;         /* direct path level relative to the far end */
  gdouble overdrive_db;         /* loudspeaker drive into clipping; 0 = clean */
  gdouble noise_dbfs;           /* white sensor noise; <= -120 = none */
  guint32 seed;
} SandraEchoSimParams;

/* Mic signal of @n samples for far end @far (mono, @n samples). When @near
 * is not NULL, @near_n samples of it are added starting at sample
 * @near_offset. Free with g_free. */
gint16 *sandra_echo_sim_render (const SandraEchoSimParams * p,
    const gint16 * far, gsize n, const gint16 * near, gsize near_n,
    gsize near_offset);

/* Energy ratio in dB of @a over @b on samples [@from, @to), the way ERLE is
 * computed from input and output (10 log10 (sum b^2 / sum a^2) with @a the
 * output). Silence in @a gives a large finite value. */
gdouble sandra_echo_sim_ratio_db (const gint16 * a, const gint16 * b,
    gsize from, gsize to);

G_END_DECLS

#endif
