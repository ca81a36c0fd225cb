/* gst-sandra: what the listener has heard of the assistant's audio
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sandra-realtime-playout.h"

#include <string.h>

/* Cancelled response ids kept. Late deltas only ever belong to the last
 * response or two; a handful covers rapid repeated barge-ins. */
#define MAX_CANCELLED 8

/* A run of contiguously stamped audio: it starts at running time @rt with
 * the item's byte @bytes_before. Underruns and pauses start a new one. */
typedef struct
{
  GstClockTime rt;
  guint64 bytes_before;
} Run;

struct _SandraRealtimePlayout
{
  guint bytes_per_second;

  gchar *item_id;
  gchar *response_id;
  guint64 received;             /* bytes */
  guint64 pushed;               /* bytes */
  gboolean done;
  GstClockTime first_rt;        /* running time of the first pushed sample */
  GstClockTime end_rt;          /* end of the last pushed buffer */
  GArray *runs;                 /* of Run, in push order */

  gchar *cancelled[MAX_CANCELLED];
  guint next_cancelled;
};

SandraRealtimePlayout *
sandra_realtime_playout_new (guint bytes_per_second)
{
  SandraRealtimePlayout *p;

  g_return_val_if_fail (bytes_per_second > 0, NULL);
  p = g_new0 (SandraRealtimePlayout, 1);
  p->bytes_per_second = bytes_per_second;
  p->first_rt = p->end_rt = GST_CLOCK_TIME_NONE;
  p->runs = g_array_new (FALSE, FALSE, sizeof (Run));
  return p;
}

void
sandra_realtime_playout_free (SandraRealtimePlayout * playout)
{
  if (playout == NULL)
    return;
  sandra_realtime_playout_reset (playout);
  g_array_unref (playout->runs);
  g_free (playout);
}

void
sandra_realtime_playout_set_bytes_per_second (SandraRealtimePlayout *
    playout, guint bytes_per_second)
{
  g_return_if_fail (bytes_per_second > 0);
  playout->bytes_per_second = bytes_per_second;
}

void
sandra_realtime_playout_clear_item (SandraRealtimePlayout * playout)
{
  g_clear_pointer (&playout->item_id, g_free);
  g_clear_pointer (&playout->response_id, g_free);
  playout->received = playout->pushed = 0;
  playout->done = FALSE;
  playout->first_rt = playout->end_rt = GST_CLOCK_TIME_NONE;
  g_array_set_size (playout->runs, 0);
}

gboolean
sandra_realtime_playout_delta (SandraRealtimePlayout * playout,
    const gchar * response_id, const gchar * item_id, gsize size)
{
  if (sandra_realtime_playout_is_cancelled (playout, response_id))
    return FALSE;
  if (g_strcmp0 (item_id, playout->item_id) != 0) {
    sandra_realtime_playout_clear_item (playout);
    playout->item_id = g_strdup (item_id);
    playout->response_id = g_strdup (response_id);
  }
  playout->received += size;
  return TRUE;
}

void
sandra_realtime_playout_audio_done (SandraRealtimePlayout * playout,
    const gchar * item_id)
{
  if (playout->item_id && g_strcmp0 (item_id, playout->item_id) == 0)
    playout->done = TRUE;
}

void
sandra_realtime_playout_pushed (SandraRealtimePlayout * playout,
    const gchar * item_id, GstClockTime running_time, GstClockTime duration,
    gsize size)
{
  if (playout->item_id == NULL || g_strcmp0 (item_id, playout->item_id) != 0)
    return;
  if (!GST_CLOCK_TIME_IS_VALID (playout->first_rt))
    playout->first_rt = running_time;
  if (GST_CLOCK_TIME_IS_VALID (running_time) &&
      running_time != playout->end_rt) {
    Run run = { running_time, playout->pushed };

    g_array_append_val (playout->runs, run);
  }
  if (GST_CLOCK_TIME_IS_VALID (running_time) &&
      GST_CLOCK_TIME_IS_VALID (duration))
    playout->end_rt = running_time + duration;
  playout->pushed += size;
}

static guint64
bytes_to_ms (SandraRealtimePlayout * playout, guint64 bytes)
{
  return gst_util_uint64_scale (bytes, 1000, playout->bytes_per_second);
}

guint64
sandra_realtime_playout_received_ms (SandraRealtimePlayout * playout)
{
  return bytes_to_ms (playout, playout->received);
}

gboolean
sandra_realtime_playout_heard (SandraRealtimePlayout * playout,
    GstClockTime now, GstClockTime latency, gchar ** item_id,
    gchar ** response_id, guint64 * audio_end_ms)
{
  guint64 received_ms, heard_ms;

  if (playout->item_id == NULL)
    return FALSE;
  if (!GST_CLOCK_TIME_IS_VALID (latency))
    latency = 0;

  /* Finished: nothing more will come and the last pushed sample has left
   * the speaker. Truncating then would cut nothing the user missed. */
  if (playout->done && playout->pushed >= playout->received &&
      GST_CLOCK_TIME_IS_VALID (now) && GST_CLOCK_TIME_IS_VALID (playout->end_rt)
      && now >= playout->end_rt + latency)
    return FALSE;

  received_ms = bytes_to_ms (playout, playout->received);
  if (!GST_CLOCK_TIME_IS_VALID (playout->first_rt)) {
    heard_ms = 0;               /* nothing reached the sink yet */
  } else if (!GST_CLOCK_TIME_IS_VALID (now)) {
    heard_ms = bytes_to_ms (playout, playout->pushed);
  } else {
    /* The sink renders at running time + latency. Within a run the
     * clock and the audio advance together; a gap between runs (an
     * underrun) played nothing, so the clock alone would overstate what
     * was heard. */
    GstClockTime t = now > latency ? now - latency : 0;
    guint64 heard_bytes = 0;
    guint i;

    for (i = playout->runs->len; i > 0; i--) {
      const Run *run = &g_array_index (playout->runs, Run, i - 1);
      guint64 run_end = i < playout->runs->len ?
          g_array_index (playout->runs, Run, i).bytes_before : playout->pushed;

      if (run->rt > t)
        continue;
      heard_bytes = run->bytes_before + gst_util_uint64_scale (t - run->rt,
          playout->bytes_per_second, GST_SECOND);
      heard_bytes = MIN (heard_bytes, run_end);
      break;
    }
    heard_ms = bytes_to_ms (playout, heard_bytes);
  }
  /* Never more than was pushed, let alone received. */
  heard_ms = MIN (heard_ms, bytes_to_ms (playout, playout->pushed));
  heard_ms = MIN (heard_ms, received_ms);

  if (item_id)
    *item_id = g_strdup (playout->item_id);
  if (response_id)
    *response_id = g_strdup (playout->response_id);
  if (audio_end_ms)
    *audio_end_ms = heard_ms;
  return TRUE;
}

void
sandra_realtime_playout_cancel_response (SandraRealtimePlayout * playout,
    const gchar * response_id)
{
  if (response_id == NULL
      || sandra_realtime_playout_is_cancelled (playout, response_id))
    return;
  g_free (playout->cancelled[playout->next_cancelled]);
  playout->cancelled[playout->next_cancelled] = g_strdup (response_id);
  playout->next_cancelled = (playout->next_cancelled + 1) % MAX_CANCELLED;
}

gboolean
sandra_realtime_playout_is_cancelled (SandraRealtimePlayout * playout,
    const gchar * response_id)
{
  guint i;

  if (response_id == NULL)
    return FALSE;
  for (i = 0; i < MAX_CANCELLED; i++)
    if (g_strcmp0 (playout->cancelled[i], response_id) == 0)
      return TRUE;
  return FALSE;
}

void
sandra_realtime_playout_reset (SandraRealtimePlayout * playout)
{
  guint i;

  sandra_realtime_playout_clear_item (playout);
  for (i = 0; i < MAX_CANCELLED; i++)
    g_clear_pointer (&playout->cancelled[i], g_free);
  playout->next_cancelled = 0;
}
