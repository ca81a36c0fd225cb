/* gst-sandra: echo path delay estimation from the signals
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pipeline latency tells how long the far end takes to reach the
 * loudspeaker as far as GStreamer knows; the device, the air and the
 * microphone add a bulk delay nobody reports. This module finds it by
 * cross-correlating the short-term log energy envelopes of the far end
 * (stamped with its play-out time) and the microphone over a few seconds,
 * and follows it as it drifts, with hysteresis so that the canceller is not
 * re-aligned on every noisy estimate.
 */
#ifndef __SANDRA_DELAY_ESTIMATOR_H__
#define __SANDRA_DELAY_ESTIMATOR_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SandraDelayEstimator SandraDelayEstimator;

/* @rate: sample rate of both signals; @max_delay_ms: largest delay searched. */
SandraDelayEstimator *sandra_delay_estimator_new (gint rate,
    gint max_delay_ms);

void sandra_delay_estimator_free (SandraDelayEstimator * est);

void sandra_delay_estimator_reset (SandraDelayEstimator * est);

/* Feeds @frames mono samples of microphone and of the far end played at the
 * same instant. @far may be NULL when nothing was played. Returns TRUE when
 * the estimate changed. */
gboolean sandra_delay_estimator_push (SandraDelayEstimator * est,
    const gint16 * near, const gint16 * far, gint frames);

/* Current estimate in ms (the microphone hears the far end this much after
 * its play-out time), or -1 before the first confident estimate. */
gint sandra_delay_estimator_get_delay_ms (const SandraDelayEstimator * est);

/* Normalised correlation (0..1) of the last accepted estimate. */
gdouble sandra_delay_estimator_get_confidence (const SandraDelayEstimator *
    est);

G_END_DECLS

#endif /* __SANDRA_DELAY_ESTIMATOR_H__ */
