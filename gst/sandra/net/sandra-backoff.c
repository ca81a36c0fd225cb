/* gst-sandra: retry delays
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-backoff.h"

#include <math.h>
#include <stdlib.h>
#include <libsoup/soup.h>

/* A server asking for more than a day is not asking for a retry. */
#define MAX_SERVER_DELAY_MS (24 * 3600 * 1000.0)

void
sandra_backoff_init (SandraBackoff * backoff, guint initial_ms, guint max_ms)
{
  g_return_if_fail (backoff != NULL);

  backoff->initial_ms = initial_ms;
  backoff->max_ms = MAX (max_ms, initial_ms);
  backoff->multiplier = 2.0;
  backoff->jitter = 0.5;
  backoff->random = NULL;
  backoff->random_data = NULL;
}

static gdouble
default_random (gpointer user_data)
{
  return g_random_double ();
}

guint
sandra_backoff_delay_ms (const SandraBackoff * backoff, guint attempt)
{
  SandraRandomFunc rnd;
  gdouble base, r, jitter;

  g_return_val_if_fail (backoff != NULL, 0);

  if (attempt == 0)
    attempt = 1;

  base = backoff->initial_ms * pow (MAX (backoff->multiplier, 1.0),
      attempt - 1);
  if (base > backoff->max_ms)
    base = backoff->max_ms;

  rnd = backoff->random ? backoff->random : default_random;
  r = CLAMP (rnd (backoff->random_data), 0.0, 1.0);
  jitter = CLAMP (backoff->jitter, 0.0, 1.0);

  return (guint) (base * (1.0 - jitter + jitter * r));
}

static gboolean
parse_number (const gchar * s, gdouble * out)
{
  gchar *end = NULL;
  gdouble v;

  while (g_ascii_isspace (*s))
    s++;
  if (*s == '\0' || *s == '-' || *s == '+')
    return FALSE;
  v = g_ascii_strtod (s, &end);
  if (end == s)
    return FALSE;
  while (g_ascii_isspace (*end))
    end++;
  if (*end != '\0' || !isfinite (v) || v < 0)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
sandra_backoff_parse_retry_after (const gchar * retry_after_ms,
    const gchar * retry_after, GDateTime * now, guint * delay_ms)
{
  gdouble v;

  g_return_val_if_fail (delay_ms != NULL, FALSE);

  if (retry_after_ms && parse_number (retry_after_ms, &v)) {
    *delay_ms = (guint) ceil (MIN (v, MAX_SERVER_DELAY_MS));
    return TRUE;
  }

  if (retry_after == NULL)
    return FALSE;

  if (parse_number (retry_after, &v)) {
    *delay_ms = (guint) ceil (MIN (v * 1000.0, MAX_SERVER_DELAY_MS));
    return TRUE;
  } else {
    GDateTime *when = soup_date_time_new_from_http_string (retry_after);
    GDateTime *ref;
    GTimeSpan diff;

    if (when == NULL)
      return FALSE;
    ref = now ? g_date_time_ref (now) : g_date_time_new_now_utc ();
    diff = g_date_time_difference (when, ref);
    g_date_time_unref (ref);
    g_date_time_unref (when);
    if (diff <= 0)
      *delay_ms = 0;
    else
      *delay_ms = (guint) MIN (ceil (diff / 1000.0), MAX_SERVER_DELAY_MS);
    return TRUE;
  }
}
