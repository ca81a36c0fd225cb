/* gst-sandra: Silero VAD v6 network in plain C
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The speech-probability network of Silero VAD version 6 (MIT, Silero Team;
 * see silero/LICENSE), reimplemented without any inference runtime. Frames in,
 * probabilities out: turning probabilities into speech segments is the
 * caller's job.
 */
#ifndef __SANDRA_SILERO_H__
#define __SANDRA_SILERO_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SandraSilero SandraSilero;

/* A detector for mono audio at @rate, which must be 8000 or 16000 Hz;
 * returns NULL for any other rate (or if the built-in weights cannot be
 * read). Instances are independent; the weights are shared between them. */
SandraSilero *sandra_silero_new (gint rate);

/* Samples per call to sandra_silero_process(): 512 at 16 kHz, 256 at 8 kHz
 * (32 ms). */
guint sandra_silero_chunk_samples (const SandraSilero * s);

/* Feeds the next chunk of exactly sandra_silero_chunk_samples() samples in
 * [-1, 1] and returns the probability, in [0, 1], that it holds speech. The
 * detector remembers the end of the chunk and its recurrent state, so chunks
 * must be consecutive. Does not allocate. */
gfloat sandra_silero_process (SandraSilero * s, const gfloat * chunk);

/* Forgets all history, as if the detector had just been created. */
void sandra_silero_reset (SandraSilero * s);

void sandra_silero_free (SandraSilero * s);

G_END_DECLS

#endif /* __SANDRA_SILERO_H__ */
