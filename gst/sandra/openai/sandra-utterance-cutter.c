/* gst-sandra: cuts a continuous audio stream into utterances
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-utterance-cutter.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (cutter_debug);
#define GST_CAT_DEFAULT cutter_debug

/* Timestamps going back by more than this start a new timeline; less is
 * jitter and the sample count is trusted. */
#define BACKWARD_JUMP (100 * GST_MSECOND)

struct _SandraUtteranceCutter
{
  gint rate;
  SandraUtteranceCallbacks cb;
  gpointer user_data;

  /* Ring of the most recent samples, so that a speech-start naming a moment
   * in the past can be honoured. */
  gint16 *history;
  gsize history_capacity;
  gsize history_len;
  gsize history_write;

  /* Position of the next expected sample, as a base timestamp plus a sample
   * count: exact for any rate, no rounding drift. */
  GstClockTime base_pts;
  guint64 position;

  guint64 max_segment_samples;  /* 0: unlimited */
  gboolean vad_driven;
  gboolean speech_active;       /* between a VAD start and its stop */
  gboolean in_utterance;
  GstClockTime utterance_start_pts;
  guint64 utterance_samples;
};

static GstClockTime
position_to_pts (SandraUtteranceCutter * c, guint64 position)
{
  return c->base_pts + gst_util_uint64_scale_int (position, GST_SECOND,
      c->rate);
}

static GstClockTime
next_pts (SandraUtteranceCutter * c)
{
  if (!GST_CLOCK_TIME_IS_VALID (c->base_pts))
    return GST_CLOCK_TIME_NONE;
  return position_to_pts (c, c->position);
}

SandraUtteranceCutter *
sandra_utterance_cutter_new (gint rate, guint history_ms,
    guint max_segment_ms, const SandraUtteranceCallbacks * callbacks,
    gpointer user_data)
{
  static gsize debug_once = 0;
  SandraUtteranceCutter *c;

  g_return_val_if_fail (rate > 0, NULL);
  g_return_val_if_fail (callbacks != NULL, NULL);

  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (cutter_debug, "sandrautterancecutter", 0,
        "gst-sandra utterance cutter");
    g_once_init_leave (&debug_once, 1);
  }

  c = g_new0 (SandraUtteranceCutter, 1);
  c->rate = rate;
  c->cb = *callbacks;
  c->user_data = user_data;
  c->history_capacity = MAX (1, gst_util_uint64_scale_int (history_ms, rate,
          1000));
  c->history = g_new0 (gint16, c->history_capacity);
  sandra_utterance_cutter_set_max_segment_ms (c, max_segment_ms);
  sandra_utterance_cutter_reset (c);
  return c;
}

void
sandra_utterance_cutter_free (SandraUtteranceCutter * c)
{
  if (c == NULL)
    return;
  g_free (c->history);
  g_free (c);
}

void
sandra_utterance_cutter_set_max_segment_ms (SandraUtteranceCutter * c,
    guint max_segment_ms)
{
  c->max_segment_samples = gst_util_uint64_scale_int (max_segment_ms, c->rate,
      1000);
}

void
sandra_utterance_cutter_reset (SandraUtteranceCutter * c)
{
  c->history_len = 0;
  c->history_write = 0;
  c->base_pts = GST_CLOCK_TIME_NONE;
  c->position = 0;
  c->vad_driven = FALSE;
  c->speech_active = FALSE;
  c->in_utterance = FALSE;
  c->utterance_start_pts = GST_CLOCK_TIME_NONE;
  c->utterance_samples = 0;
}

static void
history_append (SandraUtteranceCutter * c, const gint16 * samples, gsize n)
{
  /* Only the tail can survive; skip what would be overwritten anyway. */
  if (n > c->history_capacity) {
    samples += n - c->history_capacity;
    n = c->history_capacity;
  }
  while (n > 0) {
    gsize chunk = MIN (n, c->history_capacity - c->history_write);

    memcpy (c->history + c->history_write, samples, chunk * sizeof (gint16));
    c->history_write = (c->history_write + chunk) % c->history_capacity;
    c->history_len = MIN (c->history_capacity, c->history_len + chunk);
    samples += chunk;
    n -= chunk;
  }
}

static void
begin_utterance (SandraUtteranceCutter * c, GstClockTime pts)
{
  c->in_utterance = TRUE;
  c->utterance_start_pts = pts;
  c->utterance_samples = 0;
  GST_LOG ("utterance starts at %" GST_TIME_FORMAT, GST_TIME_ARGS (pts));
  c->cb.start (c->user_data, pts);
}

static void
end_utterance (SandraUtteranceCutter * c, GstClockTime end_pts,
    SandraCutReason reason)
{
  c->in_utterance = FALSE;
  GST_LOG ("utterance %" GST_TIME_FORMAT " - %" GST_TIME_FORMAT " ends (%d)",
      GST_TIME_ARGS (c->utterance_start_pts), GST_TIME_ARGS (end_pts), reason);
  c->cb.end (c->user_data, end_pts, reason);
}

/* Hands samples of the current stream position to the open utterance,
 * cutting at max-segment-ms and carrying on in a fresh utterance. Expects
 * c->position to be the position of samples[0]. */
static void
deliver (SandraUtteranceCutter * c, const gint16 * samples, gsize n)
{
  guint64 pos = c->position;

  while (n > 0) {
    gsize chunk = n;

    if (!c->in_utterance) {
      if (c->vad_driven && !c->speech_active)
        return;                 /* silence between utterances */
      begin_utterance (c, position_to_pts (c, pos));
    }
    if (c->max_segment_samples > 0)
      chunk = MIN (chunk, c->max_segment_samples - c->utterance_samples);
    if (chunk > 0) {
      c->cb.audio (c->user_data, samples, chunk);
      c->utterance_samples += chunk;
      samples += chunk;
      n -= chunk;
      pos += chunk;
    }
    /* Whatever follows (speech still going on, or the next fixed
     * segment) opens a new utterance on the next loop or push. */
    if (c->max_segment_samples > 0 &&
        c->utterance_samples >= c->max_segment_samples)
      end_utterance (c, position_to_pts (c, pos), SANDRA_CUT_MAX_LENGTH);
  }
}

void
sandra_utterance_cutter_push (SandraUtteranceCutter * c, GstClockTime pts,
    const gint16 * samples, gsize n_samples)
{
  GstClockTime expected = next_pts (c);

  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (expected)) {
    GstClockTimeDiff drift = GST_CLOCK_DIFF (expected, pts);
    GstClockTime tolerance = GST_SECOND / c->rate + GST_USECOND;

    if (drift > (GstClockTimeDiff) tolerance) {
      guint64 missing = gst_util_uint64_scale_int (drift, c->rate, GST_SECOND);

      if (c->in_utterance && missing <= c->history_capacity) {
        /* A short hole inside an utterance: keep the utterance's duration
         * true by bridging with silence. */
        gint16 *silence = g_new0 (gint16, missing);

        GST_DEBUG ("bridging a %" G_GUINT64_FORMAT "-sample gap", missing);
        history_append (c, silence, missing);
        deliver (c, silence, missing);
        c->position += missing;
        g_free (silence);
      } else {
        if (c->in_utterance)
          end_utterance (c, expected, SANDRA_CUT_DRAIN);
        GST_DEBUG ("discontinuity of %" GST_STIME_FORMAT ", resyncing",
            GST_STIME_ARGS (drift));
        c->history_len = 0;
        c->history_write = 0;
        c->base_pts = pts;
        c->position = 0;
      }
    } else if (drift < -(GstClockTimeDiff) BACKWARD_JUMP) {
      /* Time went back (a loop, concatenated streams): a new timeline. */
      if (c->in_utterance)
        end_utterance (c, expected, SANDRA_CUT_DRAIN);
      GST_DEBUG ("timestamps went back by %" GST_STIME_FORMAT ", resyncing",
          GST_STIME_ARGS (-drift));
      c->history_len = 0;
      c->history_write = 0;
      c->base_pts = pts;
      c->position = 0;
    } else if (drift < -(GstClockTimeDiff) tolerance) {
      /* Slightly overlapping timestamps: trust the sample count, as audio
       * sinks do. */
      GST_LOG ("ignoring timestamp %" GST_STIME_FORMAT " early",
          GST_STIME_ARGS (-drift));
    }
  } else if (!GST_CLOCK_TIME_IS_VALID (expected)) {
    c->base_pts = GST_CLOCK_TIME_IS_VALID (pts) ? pts : 0;
    c->position = 0;
  }

  history_append (c, samples, n_samples);
  deliver (c, samples, n_samples);
  c->position += n_samples;
}

void
sandra_utterance_cutter_speech_start (SandraUtteranceCutter * c,
    GstClockTime pts)
{
  guint64 now_pos = c->position, from_pos, oldest_pos;
  gsize replay, first;

  if (!c->vad_driven) {
    c->vad_driven = TRUE;
    /* A fixed-length segment was collecting audio before the detector
     * spoke; the speech in it is replayed from history below, so the
     * segment itself is abandoned rather than sent twice. */
    if (c->in_utterance)
      end_utterance (c, next_pts (c), SANDRA_CUT_ABANDONED);
  }
  c->speech_active = TRUE;
  if (c->in_utterance)
    return;                     /* already inside speech (a max-length split) */

  if (!GST_CLOCK_TIME_IS_VALID (c->base_pts)) {
    /* No audio yet: the utterance starts with the next sample. */
    c->base_pts = GST_CLOCK_TIME_IS_VALID (pts) ? pts : 0;
    begin_utterance (c, c->base_pts);
    return;
  }

  oldest_pos = now_pos - c->history_len;
  if (!GST_CLOCK_TIME_IS_VALID (pts) || pts < c->base_pts)
    from_pos = oldest_pos;
  else
    from_pos = gst_util_uint64_scale_int (pts - c->base_pts, c->rate,
        GST_SECOND);
  from_pos = CLAMP (from_pos, oldest_pos, now_pos);

  begin_utterance (c, position_to_pts (c, from_pos));

  /* Replay [from_pos, now_pos) from the ring, in at most two pieces. */
  replay = now_pos - from_pos;
  first = (c->history_write + c->history_capacity - replay) %
      c->history_capacity;
  c->position = from_pos;
  while (replay > 0) {
    gsize chunk = MIN (replay, c->history_capacity - first);

    deliver (c, c->history + first, chunk);
    c->position += chunk;
    first = (first + chunk) % c->history_capacity;
    replay -= chunk;
  }
  c->position = now_pos;
}

void
sandra_utterance_cutter_speech_stop (SandraUtteranceCutter * c,
    GstClockTime pts)
{
  GstClockTime end;

  c->vad_driven = TRUE;
  c->speech_active = FALSE;
  if (!c->in_utterance)
    return;
  end = next_pts (c);
  if (GST_CLOCK_TIME_IS_VALID (pts))
    end = CLAMP (pts, c->utterance_start_pts, end);
  end_utterance (c, end, SANDRA_CUT_SPEECH_STOP);
}

void
sandra_utterance_cutter_drain (SandraUtteranceCutter * c)
{
  c->speech_active = FALSE;
  if (c->in_utterance)
    end_utterance (c, next_pts (c), SANDRA_CUT_DRAIN);
}

void
sandra_utterance_cutter_resync (SandraUtteranceCutter * c)
{
  if (c->in_utterance)
    end_utterance (c, next_pts (c), SANDRA_CUT_DRAIN);
  c->history_len = 0;
  c->history_write = 0;
  c->base_pts = GST_CLOCK_TIME_NONE;
  c->position = 0;
}

gboolean
sandra_utterance_cutter_in_utterance (SandraUtteranceCutter * c)
{
  return c->in_utterance;
}

gboolean
sandra_utterance_cutter_is_vad_driven (SandraUtteranceCutter * c)
{
  return c->vad_driven;
}
