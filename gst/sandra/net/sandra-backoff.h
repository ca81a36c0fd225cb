/* gst-sandra: retry delays
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure helpers (no I/O, no clock of their own) that compute how long to wait
 * before the next attempt: exponential backoff with jitter, and the delay a
 * server asked for in `retry-after-ms` / `retry-after` headers.
 */
#ifndef __SANDRA_BACKOFF_H__
#define __SANDRA_BACKOFF_H__

#include <glib.h>

G_BEGIN_DECLS

/**
 * SandraRandomFunc:
 * @user_data: the data given with the function
 *
 * Returns: a uniformly distributed number in [0, 1). Injectable so tests
 * can make jitter deterministic.
 */
typedef gdouble (*SandraRandomFunc) (gpointer user_data);

/**
 * SandraBackoff:
 * @initial_ms: delay before the first retry, before jitter
 * @max_ms: upper bound of any computed delay
 * @multiplier: growth factor per attempt (2.0 doubles)
 * @jitter: fraction of the delay that is randomised, 0..1. With 0.5 the
 *   delay is uniformly drawn from [d/2, d) ("equal jitter"), which spreads
 *   clients that failed together without ever retrying immediately.
 * @random: random source, g_random_double() when NULL
 * @random_data: passed to @random
 */
typedef struct
{
  guint initial_ms;
  guint max_ms;
  gdouble multiplier;
  gdouble jitter;
  SandraRandomFunc random;
  gpointer random_data;
} SandraBackoff;

#define SANDRA_BACKOFF_DEFAULT_INITIAL_MS 500
#define SANDRA_BACKOFF_DEFAULT_MAX_MS 30000

void sandra_backoff_init (SandraBackoff * backoff, guint initial_ms,
    guint max_ms);

/* Delay before retry number @attempt (1 = first retry), in ms. */
guint sandra_backoff_delay_ms (const SandraBackoff * backoff, guint attempt);

/* Parses the server's wish. @retry_after_ms is the `retry-after-ms` header
 * (milliseconds, may be fractional), @retry_after the `retry-after` header
 * (delta-seconds, possibly fractional, or an HTTP date, compared with @now;
 * NULL @now means the current time). `retry-after-ms` wins when both are
 * valid. Dates in the past give 0. Returns FALSE when neither header holds a
 * usable value. */
gboolean sandra_backoff_parse_retry_after (const gchar * retry_after_ms,
    const gchar * retry_after, GDateTime * now, guint * delay_ms);

G_END_DECLS

#endif /* __SANDRA_BACKOFF_H__ */
