/* gst-sandra: speech segments from per-frame speech probabilities
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure logic, no audio and no GStreamer: feed it one probability per engine
 * frame and it reports where utterances start and stop, in samples from the
 * start of the stream. Hysteresis: a frame at or above "threshold" may start
 * speech, frames at or above the lower "negative_threshold" keep it going.
 */
#ifndef __SANDRA_VAD_SEGMENTER_H__
#define __SANDRA_VAD_SEGMENTER_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  gfloat threshold;             /* probability that may start speech */
  gfloat negative_threshold;    /* probability below which a frame is silence
                                 * once speech has started */
  guint min_speech_ms;          /* shorter bursts are not speech */
  guint min_silence_ms;         /* silence this long ends speech (hangover) */
  guint pre_speech_pad_ms;      /* the start is moved this much earlier */
  guint max_speech_ms;          /* longer utterances are split; 0: never.
                                 * Acts as at least pre_speech_pad_ms +
                                 * min_speech_ms (and one frame). */
} SandraVadSegmenterSettings;

#define SANDRA_VAD_DEFAULT_THRESHOLD            0.5f
#define SANDRA_VAD_DEFAULT_NEGATIVE_THRESHOLD   0.35f
#define SANDRA_VAD_DEFAULT_MIN_SPEECH_MS        150
#define SANDRA_VAD_DEFAULT_MIN_SILENCE_MS       400
#define SANDRA_VAD_DEFAULT_PRE_SPEECH_PAD_MS    300
#define SANDRA_VAD_DEFAULT_MAX_SPEECH_MS        0

typedef enum {
  SANDRA_VAD_SEGMENT_START,
  SANDRA_VAD_SEGMENT_STOP,
} SandraVadSegmentBoundary;

typedef struct {
  SandraVadSegmentBoundary boundary;
  /* Start: first sample of the utterance, pre-speech padding included (never
   * before the stream start nor before the previous stop). Stop: the sample
   * after the last speech frame. */
  guint64 offset;
  /* Stop only: samples from the matching start's offset to this stop. */
  guint64 length;
  /* Probability of the frame that made the decision. */
  gfloat probability;
} SandraVadSegmentEvent;

/* A push reports at most this many events (a forced split: stop + start). */
#define SANDRA_VAD_SEGMENTER_MAX_EVENTS 2

typedef struct _SandraVadSegmenter SandraVadSegmenter;

void sandra_vad_segmenter_settings_init (SandraVadSegmenterSettings * settings);

/* @rate: samples per second of the positions it reports; @frame_size:
 * samples per probability. */
SandraVadSegmenter *sandra_vad_segmenter_new (gint rate, guint frame_size,
    const SandraVadSegmenterSettings * settings);
void sandra_vad_segmenter_free (SandraVadSegmenter * seg);

/* Takes effect from the next frame. */
void sandra_vad_segmenter_set_settings (SandraVadSegmenter * seg,
    const SandraVadSegmenterSettings * settings);

/* Feeds the next frame's probability; writes the decisions it caused to
 * @events (room for SANDRA_VAD_SEGMENTER_MAX_EVENTS) and returns how many. */
guint sandra_vad_segmenter_push (SandraVadSegmenter * seg, gfloat probability,
    SandraVadSegmentEvent * events);

/* End of stream: closes an utterance in progress (a burst still shorter than
 * min-speech is dropped). Returns 0 or 1 events. Call reset() before
 * reusing. */
guint sandra_vad_segmenter_finish (SandraVadSegmenter * seg,
    SandraVadSegmentEvent * events);

/* Back to the state of a new stream at offset 0. */
void sandra_vad_segmenter_reset (SandraVadSegmenter * seg);

/* Samples consumed so far (frames pushed times frame size). */
guint64 sandra_vad_segmenter_get_position (SandraVadSegmenter * seg);

/* Everything before this offset is final: later frames cannot change
 * whether it belongs to an utterance. Never decreases. */
guint64 sandra_vad_segmenter_get_decided (SandraVadSegmenter * seg);

/* TRUE between a start and its stop. */
gboolean sandra_vad_segmenter_in_speech (SandraVadSegmenter * seg);

/* The longest a sample can wait, from its arrival until it is decided, for
 * the given settings, in samples: it covers waiting for the rest of its
 * frame and then for the verdict (min-speech plus padding before a start,
 * min-silence during a pause). What a gate adds to latency. */
guint64 sandra_vad_segmenter_max_decision_delay (gint rate, guint frame_size,
    const SandraVadSegmenterSettings * settings);

G_END_DECLS

#endif
