/* gst-sandra: events and messages shared between elements
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The elements cooperate without application code by sending serialized
 * custom events downstream: sandravad announces speech boundaries (openaistt
 * and openairealtime cut utterances on them), and the transcribing elements
 * announce the end of each sentence (elevenlabstts flushes on it).
 *
 * The same structure is posted on the bus as an element message, so an
 * application sees exactly what the downstream element sees.
 */
#ifndef __SANDRA_EVENTS_H__
#define __SANDRA_EVENTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* Structure name of the sandravad message and event. Fields:
 *   "event"         G_TYPE_STRING  "speech-start" or "speech-stop"
 *   "timestamp"     G_TYPE_UINT64  buffer time (PTS) of the boundary; for a
 *                                  start it includes the pre-speech padding
 *   "running-time"  G_TYPE_UINT64  the boundary on the running-time timeline
 *   "stream-time"   G_TYPE_UINT64  the boundary on the stream-time timeline
 *   "duration"      G_TYPE_UINT64  speech-stop only: length of the utterance
 *   "probability"   G_TYPE_DOUBLE  engine probability at the decision
 */
#define SANDRA_VAD_STRUCTURE_NAME "sandravad"

typedef enum {
  SANDRA_VAD_SPEECH_START,
  SANDRA_VAD_SPEECH_STOP,
} SandraVadBoundary;

typedef struct {
  SandraVadBoundary boundary;
  GstClockTime timestamp;
  GstClockTime running_time;
  GstClockTime stream_time;
  GstClockTime duration;        /* GST_CLOCK_TIME_NONE on a start */
  gdouble probability;
} SandraVadInfo;

GstStructure *sandra_vad_info_to_structure (const SandraVadInfo * info);
gboolean sandra_vad_info_from_structure (const GstStructure * s, SandraVadInfo * info);
GstEvent *sandra_vad_event_new (const SandraVadInfo * info);
/* Returns FALSE if @event is not a sandravad event. */
gboolean sandra_vad_event_parse (GstEvent * event, SandraVadInfo * info);

/* Structure name of the end-of-sentence event, sent downstream after each
 * final transcript or assistant sentence. Fields:
 *   "text"          G_TYPE_STRING  the sentence (may be empty)
 *   "timestamp"     G_TYPE_UINT64  PTS of the sentence's audio or text
 *   "duration"      G_TYPE_UINT64  its duration, or GST_CLOCK_TIME_NONE
 */
#define SANDRA_END_OF_SENTENCE_STRUCTURE_NAME "sandra-end-of-sentence"

GstEvent *sandra_end_of_sentence_event_new (const gchar * text,
    GstClockTime timestamp, GstClockTime duration);
/* Returns FALSE if @event is not an end-of-sentence event. @text, if given,
 * receives a newly allocated copy. */
gboolean sandra_end_of_sentence_event_parse (GstEvent * event, gchar ** text,
    GstClockTime * timestamp, GstClockTime * duration);

G_END_DECLS

#endif
