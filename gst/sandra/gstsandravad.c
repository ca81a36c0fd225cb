/* gst-sandra: sandravad, voice activity detection
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * SECTION:element-sandravad
 * @title: sandravad
 *
 * Finds where speech starts and stops in mono S16 audio. Each boundary is
 * posted on the bus as a "sandravad" element message and sent downstream as
 * a serialized custom event with the same structure (see sandra-events.h),
 * so that transcription elements can cut utterances without application
 * code. Output buffers carry a #GstAudioLevelMeta with voice_activity set.
 *
 * Two engines score the audio: silero (the Silero VAD v6 network run in
 * plain C, 32 ms frames, the default; few false alarms at any noise level)
 * and webrtc (WebRTC's GMM detector, 10 ms frames; decides about 100 ms
 * sooner, at a quarter of the CPU). Selecting an engine also selects
 * its defaults for the thresholds and durations that were not set
 * explicitly, in whichever order the properties are set.
 *
 * By default the audio passes through untouched. With gate=true only the
 * utterances (with their pre-speech padding) pass; the rest becomes GAP
 * events, and the element delays audio by the time it needs to decide.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m filesrc location=speech.wav ! decodebin ! audioconvert !
 *   audioresample ! audio/x-raw,rate=16000,channels=1 ! sandravad ! fakesink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsandravad.h"
#include "sandra-events.h"

#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (sandra_vad_debug);
#define GST_CAT_DEFAULT sandra_vad_debug

#define DEFAULT_ENGINE SANDRA_VAD_ENGINE_SILERO
#define DEFAULT_MODE GST_SANDRA_VAD_MODE_AGGRESSIVE
#define DEFAULT_GATE FALSE

/* A buffer whose timestamp is further than this from where the previous one
 * ended starts a new stream (same figure as audio sinks use). */
#define RESYNC_THRESHOLD (40 * GST_MSECOND)

enum
{
  PROP_0,
  PROP_ENGINE,
  PROP_MODE,
  PROP_THRESHOLD,
  PROP_NEGATIVE_THRESHOLD,
  PROP_MIN_SPEECH_MS,
  PROP_MIN_SILENCE_MS,
  PROP_PRE_SPEECH_PAD_MS,
  PROP_MAX_SPEECH_MS,
  PROP_GATE,
};

struct _GstSandraVad
{
  GstAudioFilter parent;

  /* properties, under the object lock */
  SandraVadEngineKind engine_kind;
  GstSandraVadMode mode;
  SandraVadSegmenterSettings settings;
  guint user_set;               /* PROP_BIT()s of settings the user set */
  gboolean gate;
  gboolean engine_dirty;
  gboolean settings_dirty;
  /* for latency queries from other threads: the input rate (0 before the
   * first caps), the running engine's geometry (frame size 0: none) and
   * its resampler's look-ahead */
  gint latency_in_rate;
  gint latency_rate;
  guint latency_frame_size;
  GstClockTime resampler_latency;

  /* streaming state */
  gint in_rate;
  SandraVadEngine *engine;
  SandraVadEngineKind engine_kind_running;
  GstSandraVadMode mode_running;
  gint rate;                    /* engine rate */
  guint frame_size;             /* engine frame, samples */
  GstAudioResampler *resampler; /* in_rate -> rate, NULL when equal */
  gint16 *frame;
  guint frame_fill;
  gint16 *resampled;
  gsize resampled_size;
  SandraVadSegmenter *seg;
  gboolean active_gate;         /* gate as latched when the stream started */

  GstClockTime base_pts;        /* PTS of input sample 0 */
  guint64 in_samples;           /* input samples since base_pts */
  /* Where untimestamped audio goes on after a stream ended without a flush
   * or a new segment (caps or engine change, GAP): NONE for the segment
   * start. */
  GstClockTime next_pts;

  /* gate mode: held input, starting at input offset held_offset */
  GstAdapter *held;
  guint64 held_offset;
  gboolean gate_open;
  GQueue held_events;           /* HeldEvent: upstream events, in order */

  /* what generate_output hands out, in order: buffers and events */
  GQueue out;
};

typedef struct
{
  guint64 offset;
  GstEvent *event;
} HeldEvent;

#define SINK_CAPS \
  "audio/x-raw, format = (string) " GST_AUDIO_NE (S16) ", " \
  "layout = (string) interleaved, " \
  "rate = (int) { 8000, 16000, 24000, 32000, 48000 }, channels = (int) 1"

G_DEFINE_TYPE (GstSandraVad, gst_sandra_vad, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (sandravad, "sandravad", GST_RANK_NONE,
    GST_TYPE_SANDRA_VAD,
    GST_DEBUG_CATEGORY_INIT (sandra_vad_debug, "sandravad", 0,
        "sandra voice activity detection"));

GType
gst_sandra_vad_engine_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {SANDRA_VAD_ENGINE_WEBRTC,
        "WebRTC GMM voice activity detector (10 ms frames)", "webrtc"},
    {SANDRA_VAD_ENGINE_SILERO,
        "Silero VAD v6 neural network (32 ms frames)", "silero"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSandraVadEngine", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

GType
gst_sandra_vad_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_SANDRA_VAD_MODE_QUALITY,
        "Quality: clips the least speech, most false alarms", "quality"},
    {GST_SANDRA_VAD_MODE_LOW_BITRATE, "Low bitrate", "low-bitrate"},
    {GST_SANDRA_VAD_MODE_AGGRESSIVE, "Aggressive", "aggressive"},
    {GST_SANDRA_VAD_MODE_VERY_AGGRESSIVE,
          "Very aggressive: fewest false alarms, clips the most speech",
        "very-aggressive"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstSandraVadMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* --- helpers ----------------------------------------------------------- */

static GstClockTime
input_offset_to_time (GstSandraVad * self, guint64 offset)
{
  return self->base_pts + gst_util_uint64_scale_int (offset, GST_SECOND,
      self->in_rate);
}

static guint64
engine_to_input_offset (GstSandraVad * self, guint64 offset)
{
  if (self->rate == self->in_rate)
    return offset;
  return gst_util_uint64_scale_int_round (offset, self->in_rate, self->rate);
}

static GstClockTime
decision_delay (gint rate, guint frame_size,
    const SandraVadSegmenterSettings * settings)
{
  return gst_util_uint64_scale_int (sandra_vad_segmenter_max_decision_delay
      (rate, frame_size, settings), GST_SECOND, rate);
}

/* Extra latency of gate mode: the longest a sample waits before its fate is
 * known, plus the resampler's look-ahead. It is that of the engine selected
 * (from the moment it is selected, even before caps, assuming 16 kHz), and
 * of the one still running until the next buffer replaces it. */
static GstClockTime
gate_latency (GstSandraVad * self)
{
  SandraVadSegmenterSettings settings;
  SandraVadEngineKind kind;
  GstClockTime latency, resampler_latency;
  gint in_rate, rate, running_rate;
  guint frame_size, running_frame_size;

  GST_OBJECT_LOCK (self);
  settings = self->settings;
  kind = self->engine_kind;
  in_rate = self->latency_in_rate;
  running_rate = self->latency_rate;
  running_frame_size = self->latency_frame_size;
  resampler_latency = self->resampler_latency;
  GST_OBJECT_UNLOCK (self);

  sandra_vad_engine_kind_get_geometry (kind, in_rate ? in_rate : 16000, &rate,
      &frame_size);
  latency = decision_delay (rate, frame_size, &settings);
  if (running_frame_size > 0)
    latency = MAX (latency, decision_delay (running_rate, running_frame_size,
            &settings));
  return latency + resampler_latency;
}

static void
post_latency (GstSandraVad * self)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_latency (GST_OBJECT (self)));
}

static guint8
level_dbov (const gint16 * samples, gsize n)
{
  gdouble acc = 0.0, db;
  gsize i;

  for (i = 0; i < n; i++)
    acc += (gdouble) samples[i] * samples[i];
  if (n == 0 || acc == 0.0)
    return 127;
  db = 10.0 * log10 (acc / n / (32768.0 * 32768.0));
  return (guint8) CLAMP (-db, 0.0, 127.0);
}

/* Tags @buf (writable) with its level and whether it holds voice, reusing
 * a level meta from upstream if there is one. */
static void
set_level_meta (GstBuffer * buf, gboolean voice)
{
  GstAudioLevelMeta *meta = gst_buffer_get_audio_level_meta (buf);
  GstMapInfo map;
  guint8 level = 127;

  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    level = level_dbov ((const gint16 *) map.data, map.size / 2);
    gst_buffer_unmap (buf, &map);
  }
  if (meta) {
    meta->level = level;
    meta->voice_activity = voice;
  } else {
    gst_buffer_add_audio_level_meta (buf, level, voice);
  }
}

static void
clear_queue (GQueue * q)
{
  GstMiniObject *obj;

  while ((obj = g_queue_pop_head (q)))
    gst_mini_object_unref (obj);
}

static void
clear_held_events (GstSandraVad * self)
{
  HeldEvent *he;

  while ((he = g_queue_pop_head (&self->held_events))) {
    gst_event_unref (he->event);
    g_free (he);
  }
}

/* --- gate -------------------------------------------------------------- */

/* Queues upstream events that were held at or before @offset. */
static void
release_held_events (GstSandraVad * self, guint64 offset)
{
  HeldEvent *he;

  while ((he = g_queue_peek_head (&self->held_events))
      && he->offset <= offset) {
    g_queue_pop_head (&self->held_events);
    g_queue_push_tail (&self->out, he->event);
    g_free (he);
  }
}

/* Hands out held input from held_offset to @to, as one buffer while the gate
 * is open or one GAP event while it is closed. */
static void
gate_release_chunk (GstSandraVad * self, guint64 to)
{
  guint64 n = to - self->held_offset;
  GstClockTime start = input_offset_to_time (self, self->held_offset);
  GstClockTime end = input_offset_to_time (self, to);

  if (self->gate_open) {
    GstBuffer *buf = gst_adapter_take_buffer (self->held, n * sizeof (gint16));

    buf = gst_buffer_make_writable (buf);
    GST_BUFFER_PTS (buf) = start;
    GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (buf) = end - start;
    GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
    GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
    set_level_meta (buf, TRUE);
    g_queue_push_tail (&self->out, buf);
  } else {
    gst_adapter_flush (self->held, n * sizeof (gint16));
    g_queue_push_tail (&self->out, gst_event_new_gap (start, end - start));
  }
  self->held_offset = to;
}

/* Hands out held input up to input offset @to, with the upstream events
 * that arrived in it at their places. */
static void
gate_release (GstSandraVad * self, guint64 to)
{
  guint64 avail = self->held_offset +
      gst_adapter_available (self->held) / sizeof (gint16);

  to = MIN (to, avail);
  release_held_events (self, self->held_offset);
  while (self->held_offset < to) {
    HeldEvent *he = g_queue_peek_head (&self->held_events);
    guint64 stop = he && he->offset < to ? he->offset : to;

    gate_release_chunk (self, stop);
    release_held_events (self, self->held_offset);
  }
}

/* --- boundaries -------------------------------------------------------- */

static GstEvent *
boundary_announce (GstSandraVad * self, const SandraVadSegmentEvent * ev)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  SandraVadInfo info;
  GstStructure *s;

  info.boundary = ev->boundary == SANDRA_VAD_SEGMENT_START ?
      SANDRA_VAD_SPEECH_START : SANDRA_VAD_SPEECH_STOP;
  /* Computed at the engine rate: exact whatever the input rate. */
  info.timestamp = self->base_pts + gst_util_uint64_scale_int (ev->offset,
      GST_SECOND, self->rate);
  /* Raw audio from a file or pipe may come in a BYTES segment: no
   * running time then. */
  if (trans->segment.format == GST_FORMAT_TIME) {
    info.running_time = gst_segment_to_running_time (&trans->segment,
        GST_FORMAT_TIME, info.timestamp);
    info.stream_time = gst_segment_to_stream_time (&trans->segment,
        GST_FORMAT_TIME, info.timestamp);
  } else {
    info.running_time = info.stream_time = GST_CLOCK_TIME_NONE;
  }
  /* From the start's own timestamp, so that start + duration == stop to
   * the nanosecond. */
  info.duration = ev->boundary == SANDRA_VAD_SEGMENT_STOP ?
      info.timestamp - (self->base_pts + gst_util_uint64_scale_int
      (ev->offset - ev->length, GST_SECOND, self->rate)) : GST_CLOCK_TIME_NONE;
  info.probability = ev->probability;

  GST_INFO_OBJECT (self, "speech-%s at %" GST_TIME_FORMAT " (p=%.2f)",
      ev->boundary == SANDRA_VAD_SEGMENT_START ? "start" : "stop",
      GST_TIME_ARGS (info.timestamp), ev->probability);

  s = sandra_vad_info_to_structure (&info);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
  return sandra_vad_event_new (&info);
}

/* Announces a boundary now and returns the event, which the caller places
 * in the output. In gate mode the held audio before the boundary goes out
 * first, so the event sits exactly at the boundary. */
static void
handle_boundary (GstSandraVad * self, const SandraVadSegmentEvent * ev,
    GQueue * pending)
{
  GstEvent *event = boundary_announce (self, ev);

  if (self->active_gate) {
    gate_release (self, engine_to_input_offset (self, ev->offset));
    g_queue_push_tail (&self->out, event);
    self->gate_open = ev->boundary == SANDRA_VAD_SEGMENT_START;
  } else {
    g_queue_push_tail (pending, event);
  }
}

/* --- stream state ------------------------------------------------------ */

static void
free_engine (GstSandraVad * self)
{
  g_clear_pointer (&self->engine, sandra_vad_engine_free);
  g_clear_pointer (&self->resampler, gst_audio_resampler_free);
  g_clear_pointer (&self->seg, sandra_vad_segmenter_free);
  g_clear_pointer (&self->frame, g_free);
  g_clear_pointer (&self->resampled, g_free);
  self->resampled_size = 0;
}

/* Builds engine, resampler and segmenter for the current input rate. */
static gboolean
create_engine (GstSandraVad * self)
{
  SandraVadSegmenterSettings settings;
  SandraVadEngineKind kind;
  GstSandraVadMode mode;
  GError *err = NULL;
  GstClockTime resampler_latency;
  gboolean latency_changed;

  GST_OBJECT_LOCK (self);
  kind = self->engine_kind;
  mode = self->mode;
  settings = self->settings;
  self->engine_dirty = FALSE;
  self->settings_dirty = FALSE;
  GST_OBJECT_UNLOCK (self);

  free_engine (self);
  self->engine = sandra_vad_engine_new (kind, self->in_rate, mode, &err);
  if (self->engine == NULL) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, ("%s", err->message),
        ("engine %s, rate %d", sandra_vad_engine_kind_name (kind),
            self->in_rate));
    g_clear_error (&err);
    return FALSE;
  }
  self->engine_kind_running = kind;
  self->mode_running = mode;
  self->rate = sandra_vad_engine_get_rate (self->engine);
  self->frame_size = sandra_vad_engine_get_frame_size (self->engine);
  self->frame = g_new0 (gint16, self->frame_size);
  self->frame_fill = 0;
  if (self->rate != self->in_rate) {
    GstStructure *options = gst_structure_new_empty ("resampler");

    gst_audio_resampler_options_set_quality (GST_AUDIO_RESAMPLER_METHOD_KAISER,
        GST_AUDIO_RESAMPLER_QUALITY_DEFAULT, self->in_rate, self->rate,
        options);
    self->resampler = gst_audio_resampler_new
        (GST_AUDIO_RESAMPLER_METHOD_KAISER, GST_AUDIO_RESAMPLER_FLAG_NONE,
        GST_AUDIO_FORMAT_S16, 1, self->in_rate, self->rate, options);
    gst_structure_free (options);
  }
  self->seg = sandra_vad_segmenter_new (self->rate, self->frame_size,
      &settings);

  resampler_latency = self->resampler ?
      gst_util_uint64_scale_int (gst_audio_resampler_get_max_latency
      (self->resampler), GST_SECOND, self->in_rate) : 0;
  GST_OBJECT_LOCK (self);
  /* What a latency query answered before (caps, or the engine's first
   * buffer) may have been a guess: tell the pipeline if it was wrong. */
  latency_changed = (self->gate || self->active_gate) &&
      (self->latency_in_rate != self->in_rate ||
      self->latency_rate != self->rate ||
      self->latency_frame_size != self->frame_size ||
      self->resampler_latency != resampler_latency);
  self->latency_in_rate = self->in_rate;
  self->latency_rate = self->rate;
  self->latency_frame_size = self->frame_size;
  self->resampler_latency = resampler_latency;
  GST_OBJECT_UNLOCK (self);
  if (latency_changed)
    post_latency (self);
  GST_DEBUG_OBJECT (self, "engine %s at %d Hz, %u-sample frames, input %d Hz",
      sandra_vad_engine_kind_name (kind), self->rate, self->frame_size,
      self->in_rate);
  return TRUE;
}

/* Replaces the engine after a change of mode or kind when the new one
 * works on the same frames, so the utterance in progress and the timeline
 * go on. Returns FALSE (changing nothing) otherwise. */
static gboolean
swap_engine (GstSandraVad * self, SandraVadEngineKind kind,
    GstSandraVadMode mode)
{
  SandraVadEngine *engine;

  engine = sandra_vad_engine_new (kind, self->in_rate, mode, NULL);
  if (engine == NULL || sandra_vad_engine_get_rate (engine) != self->rate ||
      sandra_vad_engine_get_frame_size (engine) != self->frame_size) {
    sandra_vad_engine_free (engine);
    return FALSE;
  }
  sandra_vad_engine_free (self->engine);
  self->engine = engine;
  self->engine_kind_running = kind;
  self->mode_running = mode;
  GST_DEBUG_OBJECT (self, "engine %s, mode %d from the next frame",
      sandra_vad_engine_kind_name (kind), mode);
  return TRUE;
}

/* Forgets the stream: the next buffer starts a new timeline. Output
 * already queued is kept (it belongs to the old stream and goes out first)
 * unless @discard is set, as on flushing. */
static void
reset_stream (GstSandraVad * self, gboolean discard)
{
  gboolean gate_dropped;

  if (self->engine)
    sandra_vad_engine_reset (self->engine);
  if (self->resampler)
    gst_audio_resampler_reset (self->resampler);
  if (self->seg)
    sandra_vad_segmenter_reset (self->seg);
  self->frame_fill = 0;
  self->base_pts = GST_CLOCK_TIME_NONE;
  self->in_samples = 0;
  if (self->held)
    gst_adapter_clear (self->held);
  self->held_offset = 0;
  self->gate_open = FALSE;
  clear_held_events (self);
  if (discard)
    clear_queue (&self->out);
  GST_OBJECT_LOCK (self);
  gate_dropped = self->active_gate && !self->gate;
  self->active_gate = self->gate;
  GST_OBJECT_UNLOCK (self);
  /* The latency query stops counting the gate from here on: let the
   * pipeline lower its latency. */
  if (gate_dropped && self->in_rate != 0)
    post_latency (self);
}

/* End of a stream (EOS, new segment or caps, discontinuity): closes the
 * open utterance and, in gate mode, lets out what is held. Everything goes
 * to the output queue; the caller pushes it. */
static void
drain (GstSandraVad * self)
{
  SandraVadSegmentEvent events[SANDRA_VAD_SEGMENTER_MAX_EVENTS];
  GQueue pending = G_QUEUE_INIT;
  GstClockTime end;
  guint n, i;

  if (self->seg == NULL || !GST_CLOCK_TIME_IS_VALID (self->base_pts))
    return;
  end = input_offset_to_time (self, self->in_samples);

  n = sandra_vad_segmenter_finish (self->seg, events);
  for (i = 0; i < n; i++)
    handle_boundary (self, &events[i], &pending);
  if (self->active_gate) {
    gate_release (self, self->in_samples);
    release_held_events (self, G_MAXUINT64);
  }
  while (!g_queue_is_empty (&pending))
    g_queue_push_tail (&self->out, g_queue_pop_head (&pending));
  reset_stream (self, FALSE);
  self->next_pts = end;
}

/* Pushes the output queue from an event handler (outside the chain loop). */
static GstFlowReturn
push_queued (GstSandraVad * self)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstFlowReturn ret = GST_FLOW_OK;
  GstMiniObject *obj;

  while ((obj = g_queue_pop_head (&self->out))) {
    if (GST_IS_BUFFER (obj)) {
      if (ret == GST_FLOW_OK)
        ret = gst_pad_push (trans->srcpad, GST_BUFFER_CAST (obj));
      else
        gst_mini_object_unref (obj);
    } else {
      gst_pad_push_event (trans->srcpad, GST_EVENT_CAST (obj));
    }
  }
  return ret;
}

/* --- processing -------------------------------------------------------- */

/* Runs complete frames of @samples (engine rate) through engine and
 * segmenter. Returns TRUE if any frame was inside an utterance. */
static gboolean
analyse (GstSandraVad * self, const gint16 * samples, gsize n, GQueue * pending)
{
  SandraVadSegmentEvent events[SANDRA_VAD_SEGMENTER_MAX_EVENTS];
  gboolean voice = sandra_vad_segmenter_in_speech (self->seg);

  while (n > 0) {
    guint take = MIN (n, self->frame_size - self->frame_fill);
    guint k, i;
    gfloat p;

    memcpy (self->frame + self->frame_fill, samples, take * sizeof (gint16));
    self->frame_fill += take;
    samples += take;
    n -= take;
    if (self->frame_fill < self->frame_size)
      break;
    self->frame_fill = 0;

    p = sandra_vad_engine_process (self->engine, self->frame);
    GST_LOG_OBJECT (self, "frame at %" G_GUINT64_FORMAT ": p=%.2f",
        sandra_vad_segmenter_get_position (self->seg), p);
    k = sandra_vad_segmenter_push (self->seg, p, events);
    for (i = 0; i < k; i++)
      handle_boundary (self, &events[i], pending);
    voice |= sandra_vad_segmenter_in_speech (self->seg);
  }
  /* Boundaries released what came before them; what is decided beyond the
   * last one goes out now, in one piece. */
  if (self->active_gate)
    gate_release (self, engine_to_input_offset (self,
            sandra_vad_segmenter_get_decided (self->seg)));
  return voice;
}

static void
apply_settings (GstSandraVad * self)
{
  SandraVadSegmenterSettings settings;
  gboolean changed;

  GST_OBJECT_LOCK (self);
  settings = self->settings;
  changed = self->settings_dirty;
  self->settings_dirty = FALSE;
  GST_OBJECT_UNLOCK (self);
  if (changed && self->seg)
    sandra_vad_segmenter_set_settings (self->seg, &settings);
}

/* Where a stream whose first buffer has timestamp @pts starts: there; for
 * untimestamped audio, where the previous stream ended or else at the
 * segment start. */
static GstClockTime
stream_start_time (GstSandraVad * self, GstClockTime pts)
{
  const GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;

  if (GST_CLOCK_TIME_IS_VALID (pts))
    return pts;
  if (GST_CLOCK_TIME_IS_VALID (self->next_pts))
    return self->next_pts;
  if (segment->format == GST_FORMAT_TIME && segment->rate > 0.0)
    return segment->start;
  return 0;
}

static GstFlowReturn
gst_sandra_vad_submit_input_buffer (GstBaseTransform * trans,
    gboolean is_discont, GstBuffer * buf)
{
  GstSandraVad *self = GST_SANDRA_VAD (trans);
  GQueue pending = G_QUEUE_INIT;
  GstClockTime pts = GST_BUFFER_PTS (buf);
  GstMapInfo map;
  gboolean voice, engine_dirty;
  SandraVadEngineKind kind;
  GstSandraVadMode mode;
  gsize n;

  if (self->in_rate == 0) {
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  /* Read and cleared in one go, so that a change made meanwhile is seen at
   * the next buffer. */
  GST_OBJECT_LOCK (self);
  engine_dirty = self->engine_dirty;
  self->engine_dirty = FALSE;
  kind = self->engine_kind;
  mode = self->mode;
  GST_OBJECT_UNLOCK (self);
  /* Setting the engine or mode it already has changes nothing (modes are
   * webrtc's): the engine keeps its state. */
  if (engine_dirty && self->engine && kind == self->engine_kind_running &&
      (mode == self->mode_running || kind != SANDRA_VAD_ENGINE_WEBRTC))
    engine_dirty = FALSE;
  if (engine_dirty && self->engine && swap_engine (self, kind, mode)) {
    /* same frames: the segmenter carries on with the new engine */
  } else if (engine_dirty || self->engine == NULL) {
    /* Different frames are a new stream: close what the old engine found. */
    drain (self);
    if (!create_engine (self)) {
      gst_buffer_unref (buf);
      return GST_FLOW_NOT_NEGOTIATED;
    }
  }
  apply_settings (self);

  /* A jump in the timeline ends the stream we were following. */
  if (GST_CLOCK_TIME_IS_VALID (self->base_pts) && GST_CLOCK_TIME_IS_VALID (pts)) {
    GstClockTime expected = input_offset_to_time (self, self->in_samples);
    GstClockTimeDiff diff = GST_CLOCK_DIFF (expected, pts);

    if (ABS (diff) > RESYNC_THRESHOLD) {
      GST_DEBUG_OBJECT (self, "timestamp jump of %" GST_STIME_FORMAT
          ", starting over", GST_STIME_ARGS (diff));
      drain (self);
    }
  }
  if (!GST_CLOCK_TIME_IS_VALID (self->base_pts))
    self->base_pts = stream_start_time (self, pts);

  if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
    gst_buffer_unref (buf);
    GST_ELEMENT_ERROR (self, STREAM, FAILED, (NULL), ("cannot map buffer"));
    return GST_FLOW_ERROR;
  }
  n = map.size / sizeof (gint16);

  if (self->active_gate)
    gst_adapter_push (self->held, gst_buffer_ref (buf));
  self->in_samples += n;

  if (self->resampler) {
    gsize out_frames = gst_audio_resampler_get_out_frames (self->resampler, n);
    gpointer in[1] = { map.data };
    gpointer out[1];

    if (out_frames > self->resampled_size) {
      self->resampled = g_renew (gint16, self->resampled, out_frames);
      self->resampled_size = out_frames;
    }
    out[0] = self->resampled;
    gst_audio_resampler_resample (self->resampler, in, n, out, out_frames);
    voice = analyse (self, self->resampled, out_frames, &pending);
  } else {
    voice = analyse (self, (const gint16 *) map.data, n, &pending);
  }
  gst_buffer_unmap (buf, &map);

  if (self->active_gate) {
    gst_buffer_unref (buf);
  } else {
    /* Only the metadata is written: the audio is shared, not copied. */
    buf = gst_buffer_make_writable (buf);
    set_level_meta (buf, voice);
    g_queue_push_tail (&self->out, buf);
    while (!g_queue_is_empty (&pending))
      g_queue_push_tail (&self->out, g_queue_pop_head (&pending));
  }
  return GST_FLOW_OK;
}

/* Hands out queued buffers one by one, pushing queued events on the way, so
 * that events land between the right buffers. */
static GstFlowReturn
gst_sandra_vad_generate_output (GstBaseTransform * trans, GstBuffer ** outbuf)
{
  GstSandraVad *self = GST_SANDRA_VAD (trans);
  GstMiniObject *obj;

  *outbuf = NULL;
  while ((obj = g_queue_pop_head (&self->out))) {
    if (GST_IS_BUFFER (obj)) {
      *outbuf = GST_BUFFER_CAST (obj);
      break;
    }
    gst_pad_push_event (trans->srcpad, GST_EVENT_CAST (obj));
  }
  return GST_FLOW_OK;
}

/* TRUE if @event repeats the stream-start, caps or segment the sink pad
 * already has: some elements re-send their sticky events unchanged (on a
 * relink, a renegotiation that ends where it began, a valve reopening), and
 * that does not end the stream. */
static gboolean
repeats_sticky_event (GstSandraVad * self, GstEvent * event)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  gboolean same = FALSE;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:{
      gchar *current = gst_pad_get_stream_id (trans->sinkpad);
      const gchar *id;

      gst_event_parse_stream_start (event, &id);
      same = current != NULL && g_strcmp0 (id, current) == 0;
      g_free (current);
      break;
    }
    case GST_EVENT_CAPS:{
      GstCaps *current = gst_pad_get_current_caps (trans->sinkpad), *caps;

      gst_event_parse_caps (event, &caps);
      same = current != NULL && gst_caps_is_equal (caps, current);
      if (current)
        gst_caps_unref (current);
      break;
    }
    case GST_EVENT_SEGMENT:{
      GstSegment segment;

      /* (the position moves on with the buffers) */
      gst_event_copy_segment (event, &segment);
      segment.position = trans->segment.position;
      same = gst_segment_is_equal (&segment, &trans->segment);
      break;
    }
    default:
      break;
  }
  return same;
}

static gboolean
gst_sandra_vad_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstSandraVad *self = GST_SANDRA_VAD (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      reset_stream (self, TRUE);
      self->next_pts = GST_CLOCK_TIME_NONE;
      break;
    case GST_EVENT_SEGMENT:
    case GST_EVENT_CAPS:
    case GST_EVENT_STREAM_START:
      if (repeats_sticky_event (self, event))
        break;
      G_GNUC_FALLTHROUGH;
    case GST_EVENT_EOS:
      /* The stream as we know it ends here: speech-stop before EOS. */
      drain (self);
      push_queued (self);
      /* Untimestamped audio of a new segment starts at its start. */
      if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
        self->next_pts = GST_CLOCK_TIME_NONE;
      break;
    case GST_EVENT_FLUSH_START:
      break;
    case GST_EVENT_GAP:{
      GstClockTime ts, duration, end;

      /* Upstream has no audio for this time (a muted or dropped-out
       * source): if that leaves a hole, the stream ends here as at a
       * timestamp jump, and the utterance in progress with it. */
      gst_event_parse_gap (event, &ts, &duration);
      end = ts;
      if (GST_CLOCK_TIME_IS_VALID (ts) && GST_CLOCK_TIME_IS_VALID (duration))
        end += duration;
      if (GST_CLOCK_TIME_IS_VALID (self->base_pts)
          && GST_CLOCK_TIME_IS_VALID (end)
          && end > input_offset_to_time (self, self->in_samples) +
          RESYNC_THRESHOLD) {
        GST_DEBUG_OBJECT (self, "GAP up to %" GST_TIME_FORMAT
            ", starting over", GST_TIME_ARGS (end));
        drain (self);
        push_queued (self);
        self->next_pts = end;
      }
    }
      /* otherwise it is held with the audio, as below */
      G_GNUC_FALLTHROUGH;
    default:
      /* In gate mode audio is held back; serialized events wait with it so
       * their order relative to the audio is kept. */
      if (GST_EVENT_IS_SERIALIZED (event) && self->active_gate
          && GST_CLOCK_TIME_IS_VALID (self->base_pts)) {
        HeldEvent *he = g_new (HeldEvent, 1);

        he->offset = self->in_samples;
        he->event = event;
        g_queue_push_tail (&self->held_events, he);
        return TRUE;
      }
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_sandra_vad_parent_class)->sink_event
      (trans, event);
}

static gboolean
gst_sandra_vad_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  GstSandraVad *self = GST_SANDRA_VAD (trans);
  gboolean ret;

  ret = GST_BASE_TRANSFORM_CLASS (gst_sandra_vad_parent_class)->query (trans,
      direction, query);
  if (ret && direction == GST_PAD_SRC
      && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gboolean live, gate;
    GstClockTime min, max, latency;

    /* Until the next stream the previous setting may still hold audio:
     * count the gate if either is on. */
    GST_OBJECT_LOCK (self);
    gate = self->gate || self->active_gate;
    GST_OBJECT_UNLOCK (self);
    if (gate) {
      latency = gate_latency (self);
      gst_query_parse_latency (query, &live, &min, &max);
      min += latency;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += latency;
      gst_query_set_latency (query, live, min, max);
      GST_DEBUG_OBJECT (self, "gate adds %" GST_TIME_FORMAT " of latency",
          GST_TIME_ARGS (latency));
    }
  }
  return ret;
}

static gboolean
gst_sandra_vad_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstSandraVad *self = GST_SANDRA_VAD (filter);

  self->in_rate = GST_AUDIO_INFO_RATE (info);
  if (!create_engine (self))
    return FALSE;
  reset_stream (self, TRUE);
  return TRUE;
}

static gboolean
gst_sandra_vad_start (GstBaseTransform * trans)
{
  GstSandraVad *self = GST_SANDRA_VAD (trans);

  self->held = gst_adapter_new ();
  self->in_rate = 0;
  reset_stream (self, TRUE);
  self->next_pts = GST_CLOCK_TIME_NONE;
  return TRUE;
}

static gboolean
gst_sandra_vad_stop (GstBaseTransform * trans)
{
  GstSandraVad *self = GST_SANDRA_VAD (trans);

  reset_stream (self, TRUE);
  g_clear_object (&self->held);
  free_engine (self);
  self->in_rate = 0;
  /* The input rate and resampler stay as the next run's best guess. */
  GST_OBJECT_LOCK (self);
  self->latency_frame_size = 0;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* --- properties -------------------------------------------------------- */

#define PROP_BIT(prop) (1u << (prop))

/* The engine's defaults for every segmenter setting the user has not set,
 * so that engine=silero brings Silero's timings whether it comes before or
 * after the user's own values. Called with the object lock. */
static void
apply_engine_defaults (GstSandraVad * self)
{
  SandraVadSegmenterSettings d;
  SandraVadSegmenterSettings *s = &self->settings;

  sandra_vad_engine_kind_get_defaults (self->engine_kind, &d);
  if (!(self->user_set & PROP_BIT (PROP_THRESHOLD)))
    s->threshold = d.threshold;
  if (!(self->user_set & PROP_BIT (PROP_NEGATIVE_THRESHOLD)))
    s->negative_threshold = d.negative_threshold;
  if (!(self->user_set & PROP_BIT (PROP_MIN_SPEECH_MS)))
    s->min_speech_ms = d.min_speech_ms;
  if (!(self->user_set & PROP_BIT (PROP_MIN_SILENCE_MS)))
    s->min_silence_ms = d.min_silence_ms;
  if (!(self->user_set & PROP_BIT (PROP_PRE_SPEECH_PAD_MS)))
    s->pre_speech_pad_ms = d.pre_speech_pad_ms;
  if (!(self->user_set & PROP_BIT (PROP_MAX_SPEECH_MS)))
    s->max_speech_ms = d.max_speech_ms;
}

static void
gst_sandra_vad_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSandraVad *self = GST_SANDRA_VAD (object);
  gboolean latency_changed = FALSE;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_ENGINE:
      /* The streaming thread compares with the engine running. */
      self->engine_kind = g_value_get_enum (value);
      self->engine_dirty = TRUE;
      apply_engine_defaults (self);
      self->settings_dirty = latency_changed = TRUE;
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      self->engine_dirty = TRUE;
      break;
    case PROP_THRESHOLD:
      self->settings.threshold = g_value_get_float (value);
      self->settings_dirty = TRUE;
      break;
    case PROP_NEGATIVE_THRESHOLD:
      self->settings.negative_threshold = g_value_get_float (value);
      self->settings_dirty = TRUE;
      break;
    case PROP_MIN_SPEECH_MS:
      self->settings.min_speech_ms = g_value_get_uint (value);
      self->settings_dirty = latency_changed = TRUE;
      break;
    case PROP_MIN_SILENCE_MS:
      self->settings.min_silence_ms = g_value_get_uint (value);
      self->settings_dirty = latency_changed = TRUE;
      break;
    case PROP_PRE_SPEECH_PAD_MS:
      self->settings.pre_speech_pad_ms = g_value_get_uint (value);
      self->settings_dirty = latency_changed = TRUE;
      break;
    case PROP_MAX_SPEECH_MS:
      self->settings.max_speech_ms = g_value_get_uint (value);
      self->settings_dirty = TRUE;
      break;
    case PROP_GATE:
      self->gate = g_value_get_boolean (value);
      latency_changed = TRUE;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  if (prop_id >= PROP_THRESHOLD && prop_id <= PROP_MAX_SPEECH_MS)
    self->user_set |= PROP_BIT (prop_id);
  latency_changed &= self->gate;
  GST_OBJECT_UNLOCK (self);

  if (latency_changed)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

static void
gst_sandra_vad_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstSandraVad *self = GST_SANDRA_VAD (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_ENGINE:
      g_value_set_enum (value, self->engine_kind);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_THRESHOLD:
      g_value_set_float (value, self->settings.threshold);
      break;
    case PROP_NEGATIVE_THRESHOLD:
      g_value_set_float (value, self->settings.negative_threshold);
      break;
    case PROP_MIN_SPEECH_MS:
      g_value_set_uint (value, self->settings.min_speech_ms);
      break;
    case PROP_MIN_SILENCE_MS:
      g_value_set_uint (value, self->settings.min_silence_ms);
      break;
    case PROP_PRE_SPEECH_PAD_MS:
      g_value_set_uint (value, self->settings.pre_speech_pad_ms);
      break;
    case PROP_MAX_SPEECH_MS:
      g_value_set_uint (value, self->settings.max_speech_ms);
      break;
    case PROP_GATE:
      g_value_set_boolean (value, self->gate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_sandra_vad_finalize (GObject * object)
{
  GstSandraVad *self = GST_SANDRA_VAD (object);

  clear_queue (&self->out);
  clear_held_events (self);
  g_clear_object (&self->held);
  free_engine (self);
  G_OBJECT_CLASS (gst_sandra_vad_parent_class)->finalize (object);
}

static void
gst_sandra_vad_class_init (GstSandraVadClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;
  SandraVadSegmenterSettings defaults;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  gobject_class->set_property = gst_sandra_vad_set_property;
  gobject_class->get_property = gst_sandra_vad_get_property;
  gobject_class->finalize = gst_sandra_vad_finalize;

  /* The defaults shown are the default engine's. */
  sandra_vad_engine_kind_get_defaults (DEFAULT_ENGINE, &defaults);

  g_object_class_install_property (gobject_class, PROP_ENGINE,
      g_param_spec_enum ("engine", "Engine",
          "Voice activity engine that scores each frame. Selecting one also "
          "selects its defaults for the thresholds and durations the user "
          "has not set. Changing it to an engine with other frames ends the "
          "current utterance", GST_TYPE_SANDRA_VAD_ENGINE,
          DEFAULT_ENGINE, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "Aggressiveness of the webrtc engine: higher modes call less noise "
          "speech but clip more of quiet speech (other engines ignore it)",
          GST_TYPE_SANDRA_VAD_MODE,
          DEFAULT_MODE, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_THRESHOLD,
      g_param_spec_float ("threshold", "Threshold",
          "Speech probability (0-1) at or above which a frame may start an "
          "utterance (default: the engine's; 0.5 for both)", 0.0f, 1.0f,
          defaults.threshold, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_NEGATIVE_THRESHOLD,
      g_param_spec_float ("negative-threshold", "Negative threshold",
          "Speech probability (0-1) below which a frame counts as silence "
          "once an utterance has started; keep it at or below threshold "
          "(default: the engine's; 0.35 for both)", 0.0f, 1.0f,
          defaults.negative_threshold, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_SPEECH_MS,
      g_param_spec_uint ("min-speech-ms", "Minimum speech",
          "Bursts of speech shorter than this (milliseconds) are ignored "
          "(default: the engine's; webrtc 150, silero 250)", 0, 10000,
          defaults.min_speech_ms, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MIN_SILENCE_MS,
      g_param_spec_uint ("min-silence-ms", "Minimum silence",
          "Silence (milliseconds) that must follow speech before it stops; "
          "shorter pauses stay inside the utterance (default: the engine's; "
          "webrtc 400, silero 100)", 0, 10000, defaults.min_silence_ms,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PRE_SPEECH_PAD_MS,
      g_param_spec_uint ("pre-speech-pad-ms", "Pre-speech padding",
          "Audio (milliseconds) before the detected onset that belongs to the "
          "utterance, so soft onsets are not clipped (default: the engine's; "
          "webrtc 300, silero 30)", 0, 5000, defaults.pre_speech_pad_ms,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_SPEECH_MS,
      g_param_spec_uint ("max-speech-ms", "Maximum speech",
          "Utterances longer than this (milliseconds) are split with a stop "
          "and a new start; 0 never splits", 0, G_MAXUINT32 / 1000,
          defaults.max_speech_ms, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_GATE,
      g_param_spec_boolean ("gate", "Gate",
          "Pass only utterances (with their padding) and replace the rest "
          "with GAP events; adds the decision delay to the latency. Takes "
          "effect at the start of the next stream", DEFAULT_GATE,
          rw | GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_set_static_metadata (element_class,
      "Voice activity detector", "Filter/Analyzer/Audio",
      "Detects where speech starts and stops, announces it with messages and "
      "downstream events, and optionally gates out non-speech",
      "gst-sandra contributors");

  caps = gst_caps_from_string (SINK_CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  trans_class->submit_input_buffer =
      GST_DEBUG_FUNCPTR (gst_sandra_vad_submit_input_buffer);
  trans_class->generate_output =
      GST_DEBUG_FUNCPTR (gst_sandra_vad_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_sandra_vad_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_sandra_vad_query);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_sandra_vad_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_sandra_vad_stop);
  filter_class->setup = GST_DEBUG_FUNCPTR (gst_sandra_vad_setup);

  gst_type_mark_as_plugin_api (GST_TYPE_SANDRA_VAD_ENGINE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SANDRA_VAD_MODE, 0);
}

static void
gst_sandra_vad_init (GstSandraVad * self)
{
  self->engine_kind = DEFAULT_ENGINE;
  self->mode = DEFAULT_MODE;
  self->gate = DEFAULT_GATE;
  self->user_set = 0;
  apply_engine_defaults (self);
  self->base_pts = GST_CLOCK_TIME_NONE;
  self->next_pts = GST_CLOCK_TIME_NONE;
  /* No engine runs yet; latency queries assume 16 kHz until caps say
   * otherwise (and a latency message follows if that was wrong). */
  self->latency_in_rate = 0;
  self->latency_rate = 0;
  self->latency_frame_size = 0;
  self->resampler_latency = 0;
  g_queue_init (&self->out);
  g_queue_init (&self->held_events);
  /* Buffers go out as they came (or as sub-buffers of them): allocation
   * queries are answered downstream. */
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
