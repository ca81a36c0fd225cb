/* gst-sandra: cuts a continuous audio stream into utterances
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * openaistt sends one request per utterance. Utterances come from upstream
 * sandravad events when there are any; a stream without them is cut into
 * pieces of at most max-segment-ms. A speech-start event arrives after the
 * detector has heard enough speech to be sure, and names a timestamp in the
 * past (onset minus pre-speech padding), so the cutter keeps a short history
 * of recent audio and replays it from that timestamp.
 *
 * Audio is delivered to the caller as it arrives, so the caller can encode
 * incrementally and have the request ready the moment speech stops.
 */
#ifndef __SANDRA_UTTERANCE_CUTTER_H__
#define __SANDRA_UTTERANCE_CUTTER_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef enum {
  SANDRA_CUT_SPEECH_STOP,       /* upstream VAD said speech stopped */
  SANDRA_CUT_MAX_LENGTH,        /* the utterance reached max-segment-ms */
  SANDRA_CUT_DRAIN,             /* EOS, a discontinuity or an explicit drain */
  SANDRA_CUT_ABANDONED,         /* superseded: discard, do not transcribe */
} SandraCutReason;

typedef struct {
  /* A new utterance begins; @pts is the buffer time of its first sample. */
  void (*start) (gpointer user_data, GstClockTime pts);
  /* More samples of the current utterance, in order and without gaps. */
  void (*audio) (gpointer user_data, const gint16 * samples, gsize n_samples);
  /* The current utterance is complete. @end_pts is the end of speech (for
   * a VAD cut, the detector's stop timestamp, which may precede the last
   * sample delivered: the hangover is kept because it helps recognition). */
  void (*end) (gpointer user_data, GstClockTime end_pts, SandraCutReason reason);
} SandraUtteranceCallbacks;

typedef struct _SandraUtteranceCutter SandraUtteranceCutter;

SandraUtteranceCutter *sandra_utterance_cutter_new (gint rate,
    guint history_ms, guint max_segment_ms,
    const SandraUtteranceCallbacks * callbacks, gpointer user_data);
void sandra_utterance_cutter_free (SandraUtteranceCutter * cutter);

void sandra_utterance_cutter_set_max_segment_ms (SandraUtteranceCutter * cutter,
    guint max_segment_ms);

/* Mono S16 samples whose first sample is at @pts. A jump in @pts (a gap
 * upstream) is bridged with silence up to the history length and otherwise
 * treated as a discontinuity. */
void sandra_utterance_cutter_push (SandraUtteranceCutter * cutter,
    GstClockTime pts, const gint16 * samples, gsize n_samples);

/* Upstream VAD boundaries, in buffer time. The first one switches the cutter
 * from fixed-length segments to speech-driven utterances for good (until
 * reset). */
void sandra_utterance_cutter_speech_start (SandraUtteranceCutter * cutter,
    GstClockTime pts);
void sandra_utterance_cutter_speech_stop (SandraUtteranceCutter * cutter,
    GstClockTime pts);

/* Ends the current utterance, if any (EOS). */
void sandra_utterance_cutter_drain (SandraUtteranceCutter * cutter);

/* A new segment: ends the current utterance (as SANDRA_CUT_DRAIN) and
 * forgets the timeline, but keeps the mode and whether speech is going on,
 * since the detector upstream carries on. */
void sandra_utterance_cutter_resync (SandraUtteranceCutter * cutter);

/* Forgets everything (flush). No callback is called. */
void sandra_utterance_cutter_reset (SandraUtteranceCutter * cutter);

gboolean sandra_utterance_cutter_in_utterance (SandraUtteranceCutter * cutter);
gboolean sandra_utterance_cutter_is_vad_driven (SandraUtteranceCutter * cutter);

G_END_DECLS

#endif
