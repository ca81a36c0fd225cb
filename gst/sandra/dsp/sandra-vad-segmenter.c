/* gst-sandra: speech segments from per-frame speech probabilities
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * States:
 *   SILENCE    no speech; a frame >= threshold opens a candidate
 *   CANDIDATE  a burst that must stay >= negative_threshold for min-speech
 *              before it counts; otherwise it is forgotten
 *   SPEECH     an utterance; it ends once frames have stayed below
 *              negative_threshold for min-silence (the hangover), at the end
 *              of its last speech frame
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-vad-segmenter.h"

typedef enum
{
  STATE_SILENCE,
  STATE_CANDIDATE,
  STATE_SPEECH,
} State;

struct _SandraVadSegmenter
{
  gint rate;
  guint frame_size;
  SandraVadSegmenterSettings settings;

  State state;
  guint64 position;             /* end of the last frame pushed */
  guint64 candidate_start;      /* first frame of the burst, unpadded */
  guint64 utterance_start;      /* reported start, padded */
  guint64 last_speech_end;      /* end of the last frame >= negative */
  guint64 last_stop;            /* offset of the last stop, 0 if none */
  guint64 decided;
};

static guint64
ms_to_samples (const SandraVadSegmenter * seg, guint ms)
{
  return ((guint64) ms) * seg->rate / 1000;
}

void
sandra_vad_segmenter_settings_init (SandraVadSegmenterSettings * settings)
{
  settings->threshold = SANDRA_VAD_DEFAULT_THRESHOLD;
  settings->negative_threshold = SANDRA_VAD_DEFAULT_NEGATIVE_THRESHOLD;
  settings->min_speech_ms = SANDRA_VAD_DEFAULT_MIN_SPEECH_MS;
  settings->min_silence_ms = SANDRA_VAD_DEFAULT_MIN_SILENCE_MS;
  settings->pre_speech_pad_ms = SANDRA_VAD_DEFAULT_PRE_SPEECH_PAD_MS;
  settings->max_speech_ms = SANDRA_VAD_DEFAULT_MAX_SPEECH_MS;
}

SandraVadSegmenter *
sandra_vad_segmenter_new (gint rate, guint frame_size,
    const SandraVadSegmenterSettings * settings)
{
  SandraVadSegmenter *seg;

  g_return_val_if_fail (rate > 0 && frame_size > 0, NULL);

  seg = g_new0 (SandraVadSegmenter, 1);
  seg->rate = rate;
  seg->frame_size = frame_size;
  if (settings)
    seg->settings = *settings;
  else
    sandra_vad_segmenter_settings_init (&seg->settings);
  sandra_vad_segmenter_reset (seg);
  return seg;
}

void
sandra_vad_segmenter_free (SandraVadSegmenter * seg)
{
  g_free (seg);
}

void
sandra_vad_segmenter_set_settings (SandraVadSegmenter * seg,
    const SandraVadSegmenterSettings * settings)
{
  seg->settings = *settings;
}

void
sandra_vad_segmenter_reset (SandraVadSegmenter * seg)
{
  seg->state = STATE_SILENCE;
  seg->position = 0;
  seg->candidate_start = 0;
  seg->utterance_start = 0;
  seg->last_speech_end = 0;
  seg->last_stop = 0;
  seg->decided = 0;
}

static guint64
round_up_to_frames (guint64 samples, guint frame_size)
{
  return (samples + frame_size - 1) / frame_size * frame_size;
}

/* The longest utterance, 0 for no limit. An utterance is at least its
 * padding plus min-speech when it is confirmed (and one frame), so a
 * shorter limit acts as that. */
static guint64
max_speech (const SandraVadSegmenter * seg)
{
  const SandraVadSegmenterSettings *s = &seg->settings;
  guint64 floor;

  if (s->max_speech_ms == 0)
    return 0;
  floor = ms_to_samples (seg, s->pre_speech_pad_ms) +
      round_up_to_frames (ms_to_samples (seg, s->min_speech_ms),
      seg->frame_size);
  floor = MAX (floor, seg->frame_size);
  return MAX (ms_to_samples (seg, s->max_speech_ms), floor);
}

/* Where an utterance whose first speech frame starts at @first begins. */
static guint64
padded_start (const SandraVadSegmenter * seg, guint64 first)
{
  guint64 pad = ms_to_samples (seg, seg->settings.pre_speech_pad_ms);
  guint64 start = first > pad ? first - pad : 0;

  /* Never into audio already declared final (the padding may have grown
   * since) nor into the previous utterance. */
  return MAX (start, MAX (seg->last_stop, seg->decided));
}

static void
update_decided (SandraVadSegmenter * seg)
{
  guint64 d;

  switch (seg->state) {
    case STATE_SILENCE:
      /* A start found later cannot reach back further than its padding. */
      d = padded_start (seg, seg->position);
      break;
    case STATE_CANDIDATE:
      d = padded_start (seg, seg->candidate_start);
      break;
    case STATE_SPEECH:
    default:
      /* Anything after the last speech frame may still be hangover. */
      d = seg->last_speech_end;
      break;
  }
  /* Settings changed mid-stream may move the bound back; what was reported
   * decided stays decided. */
  seg->decided = MAX (seg->decided, d);
}

static void
make_stop (SandraVadSegmenter * seg, guint64 offset, gfloat p,
    SandraVadSegmentEvent * ev)
{
  ev->boundary = SANDRA_VAD_SEGMENT_STOP;
  ev->offset = offset;
  ev->length = offset - seg->utterance_start;
  ev->probability = p;
  seg->last_stop = offset;
  seg->state = STATE_SILENCE;
}

static void
make_start (SandraVadSegmenter * seg, guint64 offset, gfloat p,
    SandraVadSegmentEvent * ev)
{
  ev->boundary = SANDRA_VAD_SEGMENT_START;
  ev->offset = offset;
  ev->length = 0;
  ev->probability = p;
  seg->utterance_start = offset;
  seg->state = STATE_SPEECH;
}

guint
sandra_vad_segmenter_push (SandraVadSegmenter * seg, gfloat p,
    SandraVadSegmentEvent * events)
{
  const SandraVadSegmenterSettings *s = &seg->settings;
  guint64 frame_start = seg->position;
  guint64 frame_end = frame_start + seg->frame_size;
  gboolean continues = p >= s->negative_threshold;
  guint n = 0;

  seg->position = frame_end;

  switch (seg->state) {
    case STATE_SILENCE:
      if (p < s->threshold)
        break;
      seg->state = STATE_CANDIDATE;
      seg->candidate_start = frame_start;
      /* The opening frame may already be long enough. */
      G_GNUC_FALLTHROUGH;
    case STATE_CANDIDATE:
      if (!continues && frame_start != seg->candidate_start) {
        seg->state = STATE_SILENCE;
        break;
      }
      if (frame_end - seg->candidate_start >=
          ms_to_samples (seg, s->min_speech_ms)) {
        seg->last_speech_end = frame_end;
        make_start (seg, padded_start (seg, seg->candidate_start), p,
            &events[n++]);
      }
      break;
    case STATE_SPEECH:
      if (max_speech (seg) > 0 &&
          frame_end - seg->utterance_start > max_speech (seg)) {
        /* This frame would make the utterance too long: close it at the
         * last speech frame. If speech goes on, the next utterance starts
         * right there, unpadded, so no audio falls between the two. */
        guint64 split = seg->last_speech_end;

        make_stop (seg, split, p, &events[n++]);
        if (continues) {
          make_start (seg, split, p, &events[n++]);
          seg->last_speech_end = frame_end;
        }
        break;
      }
      if (continues)
        seg->last_speech_end = frame_end;
      else if (frame_end - seg->last_speech_end >=
          ms_to_samples (seg, s->min_silence_ms))
        make_stop (seg, seg->last_speech_end, p, &events[n++]);
      break;
  }

  update_decided (seg);
  return n;
}

guint
sandra_vad_segmenter_finish (SandraVadSegmenter * seg,
    SandraVadSegmentEvent * events)
{
  guint n = 0;

  if (seg->state == STATE_SPEECH)
    make_stop (seg, seg->last_speech_end, 0.0f, &events[n++]);
  /* Nothing can start any more: the whole stream is decided. */
  seg->state = STATE_SILENCE;
  seg->decided = MAX (seg->decided, seg->position);
  return n;
}

guint64
sandra_vad_segmenter_get_position (SandraVadSegmenter * seg)
{
  return seg->position;
}

guint64
sandra_vad_segmenter_get_decided (SandraVadSegmenter * seg)
{
  return seg->decided;
}

gboolean
sandra_vad_segmenter_in_speech (SandraVadSegmenter * seg)
{
  return seg->state == STATE_SPEECH;
}

guint64
sandra_vad_segmenter_max_decision_delay (gint rate, guint frame_size,
    const SandraVadSegmenterSettings * s)
{
  guint64 pad = (guint64) s->pre_speech_pad_ms * rate / 1000;
  guint64 speech = (guint64) s->min_speech_ms * rate / 1000;
  guint64 silence = (guint64) s->min_silence_ms * rate / 1000;

  /* A candidate waits for min-speech (at least its first frame), then
   * reaches back by the padding; a pause waits up to min-silence for the
   * verdict. Both in whole frames; a sample's wait for the rest of its
   * frame is inside these (the verdict comes at a frame's end). */
  return MAX (pad + MAX (round_up_to_frames (speech, frame_size), frame_size),
      MAX (round_up_to_frames (silence, frame_size), frame_size));
}
