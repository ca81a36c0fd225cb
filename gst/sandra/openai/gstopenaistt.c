/* gst-sandra: openaistt, speech to text through OpenAI
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-openaistt
 * @title: openaistt
 *
 * Transcribes speech with OpenAI's transcription models. Each utterance is
 * uploaded as one request (Ogg Opus by default, far smaller than WAV) and
 * its transcript leaves the element as one text buffer carrying the
 * utterance's timestamp and duration. Utterances are cut on the speech
 * boundaries announced by an upstream sandravad; without one, the stream is
 * cut every max-segment-ms.
 *
 * Several utterances may be in flight at once (max-inflight); transcripts
 * still come out in order. With the gpt-4o models and stream=true, partial
 * text is posted on the bus as it forms.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample ! \
 *     audio/x-raw,rate=16000,channels=1 ! sandravad ! openaistt ! \
 *     fdsink fd=1 sync=false
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstopenaistt.h"
#include "openaistt-request.h"
#include "openaistt-realtime.h"
#include "sandra-utterance-cutter.h"
#include "sandra-upload-encoder.h"
#include "sandra-events.h"
#include "net/sandra-ordered-queue.h"
#include "net/sandra-credentials.h"

#include <gst/audio/audio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (openai_stt_debug);
#define GST_CAT_DEFAULT openai_stt_debug

#define DEFAULT_MODE GST_OPENAI_STT_MODE_HTTP
#define DEFAULT_API_VERSION SANDRA_REALTIME_API_GA
#define DEFAULT_TURN_DETECTION SANDRA_REALTIME_TURN_DETECTION_SERVER_VAD
#define DEFAULT_NOISE_REDUCTION SANDRA_REALTIME_NOISE_REDUCTION_NONE
#define DEFAULT_MODEL "gpt-4o-mini-transcribe"
#define DEFAULT_TEMPERATURE 0.0
#define DEFAULT_LOCK_LANGUAGE FALSE
#define DEFAULT_UPLOAD_FORMAT SANDRA_UPLOAD_FORMAT_OGG_OPUS
#define DEFAULT_UPLOAD_BITRATE 0
#define DEFAULT_STREAM TRUE
#define DEFAULT_MAX_SEGMENT_MS 30000
#define DEFAULT_MAX_INFLIGHT 2
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_RETRIES 3
#define DEFAULT_LATENCY_MS 0

/* How much audio is kept to honour a speech-start that names a moment in
 * the past (the detector's decision delay plus its pre-speech padding). */
#define HISTORY_MS 3000

enum
{
  PROP_0,
  PROP_MODE,
  PROP_API_VERSION,
  PROP_TURN_DETECTION,
  PROP_NOISE_REDUCTION,
  PROP_API_KEY,
  PROP_BASE_URL,
  PROP_MODEL,
  PROP_LANGUAGE,
  PROP_PROMPT,
  PROP_TEMPERATURE,
  PROP_LOCK_LANGUAGE,
  PROP_UPLOAD_FORMAT,
  PROP_UPLOAD_BITRATE,
  PROP_STREAM,
  PROP_MAX_SEGMENT_MS,
  PROP_MAX_INFLIGHT,
  PROP_TIMEOUT_MS,
  PROP_RETRIES,
  PROP_LATENCY_MS,
};

/* What the source pad task pushes, in order. */
typedef enum
{
  OUTPUT_EVENT,
  OUTPUT_TRANSCRIPT,
} OutputKind;

typedef struct
{
  OutputKind kind;
  GstEvent *event;
  /* OUTPUT_TRANSCRIPT: an empty text pushes a GAP instead of a buffer */
  gchar *text;
  GstClockTime pts;
  GstClockTime duration;
} OutputItem;

struct _GstOpenaiStt
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  GstOpenaiSttMode mode;
  SandraRealtimeApi api_version;
  SandraRealtimeTurnDetection turn_detection;
  SandraRealtimeNoiseReduction noise_reduction;
  gchar *api_key;
  gchar *base_url;
  gchar *model;
  gchar *language;
  gchar *prompt;
  gdouble temperature;
  gboolean lock_language;
  SandraUploadFormat upload_format;
  gint upload_bitrate;
  gboolean stream;
  guint max_segment_ms;
  guint max_inflight;
  guint timeout_ms;
  guint retries;
  guint latency_ms;

  /* streaming thread */
  GstAudioInfo info;
  GstSegment segment;
  SandraUtteranceCutter *cutter;
  SandraUploadEncoder *encoder;
  GByteArray *pcm;              /* the open utterance, kept for 413 splits */
  GstClockTime utterance_pts;
  guint64 utterance_samples;
  gboolean encoder_failed;
  gboolean have_caps;

  SandraOrderedQueue *output;
  /* network side, each owns its worker: one of them exists per run */
  OpenaiSttClient *client;      /* mode=http */
  OpenaiSttRealtime *realtime;  /* mode=realtime */
  /* Guards the two pointers against set_property() from the application
   * while a state change frees them. */
  GMutex client_lock;
  GstOpenaiSttMode active_mode;
  gboolean stream_all;          /* realtime with server VAD: no cutting */
  GstFlowReturn last_flow;      /* written by the task, read by chain */
};

#define gst_openai_stt_parent_class parent_class
G_DEFINE_TYPE (GstOpenaiStt, gst_openai_stt, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (openaistt, "openaistt", GST_RANK_NONE,
    GST_TYPE_OPENAI_STT);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format=(string)S16LE"
        ", layout=(string)interleaved, rate=(int)[8000, 48000], "
        "channels=(int)1"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format=(string)utf8"));

GType
gst_openai_stt_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_OPENAI_STT_MODE_HTTP, "One HTTPS request per utterance", "http"},
    {GST_OPENAI_STT_MODE_REALTIME,
        "Audio streamed to a Realtime transcription session", "realtime"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstOpenaiSttMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void
output_item_free (gpointer data)
{
  OutputItem *item = data;

  if (item == NULL)
    return;
  gst_clear_event (&item->event);
  g_free (item->text);
  g_free (item);
}

static void
queue_event (GstOpenaiStt * self, GstEvent * event)
{
  OutputItem *item = g_new0 (OutputItem, 1);

  item->kind = OUTPUT_EVENT;
  item->event = event;
  sandra_ordered_queue_push (self->output, item);
}

/* ---------------------------------------------------------------------- */
/* Results from the network side (called in the worker thread). */

static void
post_transcript_message (GstOpenaiStt * self, const OpenaiSttResult * r,
    gboolean is_final)
{
  GstClockTime start_rt = r->start_running_time, end_rt = r->end_running_time;
  GstStructure *s;

  if (!GST_CLOCK_TIME_IS_VALID (start_rt) && GST_CLOCK_TIME_IS_VALID (r->pts)) {
    GST_OBJECT_LOCK (self);
    start_rt = gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME,
        r->pts);
    if (GST_CLOCK_TIME_IS_VALID (r->duration))
      end_rt = gst_segment_to_running_time (&self->segment, GST_FORMAT_TIME,
          r->pts + r->duration);
    GST_OBJECT_UNLOCK (self);
  }
  s = gst_structure_new ("openaistt",
      "text", G_TYPE_STRING, r->text ? r->text : "",
      "is-final", G_TYPE_BOOLEAN, is_final,
      "utterance", G_TYPE_UINT64, r->utterance_id,
      "timestamp", G_TYPE_UINT64, (guint64) r->pts,
      "duration", G_TYPE_UINT64, (guint64) r->duration,
      "start-running-time", G_TYPE_UINT64, (guint64) start_rt,
      "end-running-time", G_TYPE_UINT64, (guint64) end_rt,
      NULL);

  if (r->language)
    gst_structure_set (s, "language", G_TYPE_STRING, r->language, NULL);
  if (is_final)
    gst_structure_set (s, "latency-ms", G_TYPE_DOUBLE, r->latency_ms, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static void
on_partial (const OpenaiSttResult * r, gpointer user_data)
{
  post_transcript_message (GST_OPENAI_STT (user_data), r, FALSE);
}

static void
on_final (const OpenaiSttResult * r, gpointer user_data)
{
  GstOpenaiStt *self = GST_OPENAI_STT (user_data);
  OutputItem *item = g_new0 (OutputItem, 1);

  post_transcript_message (self, r, TRUE);
  item->kind = OUTPUT_TRANSCRIPT;
  item->text = g_strdup (r->text ? r->text : "");
  item->pts = r->pts;
  item->duration = r->duration;
  sandra_ordered_queue_fill (self->output, r->ticket, item);
}

static void
on_failed (guint64 ticket, GstClockTime pts, GstClockTime duration,
    gpointer user_data)
{
  GstOpenaiStt *self = GST_OPENAI_STT (user_data);
  OutputItem *item = g_new0 (OutputItem, 1);

  /* The utterance is lost (the warning says why); downstream still learns
   * that this stretch of time holds no text. */
  item->kind = OUTPUT_TRANSCRIPT;
  item->text = g_strdup ("");
  item->pts = pts;
  item->duration = duration;
  sandra_ordered_queue_fill (self->output, ticket, item);
}

static void
on_event (GstEvent * event, gpointer user_data)
{
  queue_event (GST_OPENAI_STT (user_data), event);
}

static guint64
on_reserve (gpointer user_data)
{
  return sandra_ordered_queue_reserve (GST_OPENAI_STT (user_data)->output);
}

static void
on_fatal (gpointer user_data)
{
  GstOpenaiStt *self = GST_OPENAI_STT (user_data);

  /* The error message is already posted; stop output so that nothing
   * pretends to work. */
  sandra_ordered_queue_set_flushing (self->output, TRUE);
}

/* ---------------------------------------------------------------------- */
/* Source pad task */

static void
push_transcript (GstOpenaiStt * self, OutputItem * item)
{
  GstFlowReturn ret;
  gsize len = strlen (item->text);

  if (len == 0) {
    if (GST_CLOCK_TIME_IS_VALID (item->pts))
      gst_pad_push_event (self->srcpad, gst_event_new_gap (item->pts,
              item->duration));
    return;
  }

  {
    GstBuffer *buf = gst_buffer_new_memdup (item->text, len);

    GST_BUFFER_PTS (buf) = item->pts;
    GST_BUFFER_DURATION (buf) = item->duration;
    GST_DEBUG_OBJECT (self, "pushing transcript at %" GST_TIME_FORMAT ": %s",
        GST_TIME_ARGS (item->pts), item->text);
    ret = gst_pad_push (self->srcpad, buf);
  }
  if (ret != GST_FLOW_OK) {
    GST_OBJECT_LOCK (self);
    self->last_flow = ret;
    GST_OBJECT_UNLOCK (self);
    /* EOS from downstream (it has seen enough) is not an error. */
    if (ret == GST_FLOW_NOT_LINKED || ret < GST_FLOW_EOS)
      GST_ELEMENT_FLOW_ERROR (self, ret);
    return;
  }
  /* A sentence is complete: a synthesizer or an LLM further down can act
   * on it without waiting for more text. */
  gst_pad_push_event (self->srcpad,
      sandra_end_of_sentence_event_new (item->text, item->pts,
          item->duration));
}

static void
src_loop (GstOpenaiStt * self)
{
  gpointer payload = NULL;
  OutputItem *item;

  if (!sandra_ordered_queue_pop (self->output, &payload)) {
    GST_DEBUG_OBJECT (self, "flushing, pausing task");
    gst_pad_pause_task (self->srcpad);
    return;
  }
  item = payload;
  if (item == NULL)
    return;

  if (item->kind == OUTPUT_EVENT) {
    GstEventType type = GST_EVENT_TYPE (item->event);

    /* After EOS the task keeps waiting: a new stream may follow. */
    gst_pad_push_event (self->srcpad, item->event);
    item->event = NULL;
    if (type == GST_EVENT_EOS)
      GST_DEBUG_OBJECT (self, "EOS pushed");
  } else {
    push_transcript (self, item);
  }
  output_item_free (item);
}

static gboolean
src_activate_mode (GstPad * pad, GstObject * parent, GstPadMode mode,
    gboolean active)
{
  GstOpenaiStt *self = GST_OPENAI_STT (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  if (active) {
    sandra_ordered_queue_set_flushing (self->output, FALSE);
    self->last_flow = GST_FLOW_OK;
    return gst_pad_start_task (pad, (GstTaskFunction) src_loop, self, NULL);
  }
  sandra_ordered_queue_set_flushing (self->output, TRUE);
  return gst_pad_stop_task (pad);
}

static gboolean
src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstOpenaiStt *self = GST_OPENAI_STT (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gboolean live;
    GstClockTime min, max, ours;

    if (!gst_pad_peer_query (self->sinkpad, query))
      return FALSE;
    gst_query_parse_latency (query, &live, &min, &max);
    GST_OBJECT_LOCK (self);
    ours = self->latency_ms * GST_MSECOND;
    GST_OBJECT_UNLOCK (self);
    /* Transcripts may lag by more than any bound; what we add is the
     * budget the user granted through latency-ms. */
    min += ours;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += ours;
    gst_query_set_latency (query, live, min, max);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* ---------------------------------------------------------------------- */
/* Utterances (streaming thread) */

static void
utterance_start (gpointer user_data, GstClockTime pts)
{
  GstOpenaiStt *self = GST_OPENAI_STT (user_data);

  self->utterance_pts = pts;
  self->encoder_failed = FALSE;
  self->utterance_samples = 0;
  g_byte_array_set_size (self->pcm, 0);
}

static void
utterance_audio (gpointer user_data, const gint16 * samples, gsize n)
{
  GstOpenaiStt *self = GST_OPENAI_STT (user_data);
  GError *err = NULL;

  if (self->realtime) {
    /* Turn detection off: the session gets exactly the utterances. */
    openai_stt_realtime_push (self->realtime, self->utterance_pts +
        gst_util_uint64_scale_int (self->utterance_samples, GST_SECOND,
            GST_AUDIO_INFO_RATE (&self->info)), samples, n,
        GST_AUDIO_INFO_RATE (&self->info));
    self->utterance_samples += n;
    return;
  }
  g_byte_array_append (self->pcm, (const guint8 *) samples, n * 2);
  /* Encoding as the audio arrives means the request is ready the moment
   * speech stops. */
  if (!self->encoder_failed &&
      !sandra_upload_encoder_feed (self->encoder, samples, n, &err)) {
    GST_ELEMENT_WARNING (self, STREAM, ENCODE,
        ("Could not encode the utterance for upload: %s", err->message),
        (NULL));
    self->encoder_failed = TRUE;
    g_clear_error (&err);
  }
}

static void
utterance_end (gpointer user_data, GstClockTime end_pts,
    SandraCutReason reason)
{
  GstOpenaiStt *self = GST_OPENAI_STT (user_data);
  OpenaiSttUtterance *u;
  GError *err = NULL;
  GBytes *file;

  if (self->realtime) {
    if (reason == SANDRA_CUT_ABANDONED) {
      /* Its audio is in the session's buffer already and the replay
       * that follows repeats the speech in it: drop it first. */
      openai_stt_realtime_discard_uncommitted (self->realtime);
      return;
    }
    openai_stt_realtime_commit (self->realtime, self->utterance_pts,
        GST_CLOCK_DIFF (self->utterance_pts, end_pts) > 0 ?
        end_pts - self->utterance_pts : 0);
    return;
  }

  file = sandra_upload_encoder_finish (self->encoder, NULL, &err);
  if (reason == SANDRA_CUT_ABANDONED || self->encoder_failed || file == NULL) {
    if (err) {
      GST_ELEMENT_WARNING (self, STREAM, ENCODE,
          ("Could not encode the utterance for upload: %s", err->message),
          (NULL));
      g_clear_error (&err);
    }
    g_clear_pointer (&file, g_bytes_unref);
    return;
  }

  u = g_new0 (OpenaiSttUtterance, 1);
  u->ticket = sandra_ordered_queue_reserve (self->output);
  if (u->ticket == 0) {
    g_bytes_unref (file);
    g_free (u);
    return;                     /* flushing */
  }
  u->file = file;
  u->pcm = g_bytes_new (self->pcm->data, self->pcm->len);
  u->rate = GST_AUDIO_INFO_RATE (&self->info);
  u->pts = self->utterance_pts;
  u->duration = GST_CLOCK_DIFF (self->utterance_pts, end_pts) > 0 ?
      end_pts - self->utterance_pts : 0;
  u->start_running_time = gst_segment_to_running_time (&self->segment,
      GST_FORMAT_TIME, u->pts);
  u->end_running_time = gst_segment_to_running_time (&self->segment,
      GST_FORMAT_TIME, end_pts);
  u->cut_time_us = g_get_monotonic_time ();
  GST_DEBUG_OBJECT (self, "utterance %" GST_TIME_FORMAT " + %" GST_TIME_FORMAT
      " ready (%" G_GSIZE_FORMAT " bytes, cut reason %d)",
      GST_TIME_ARGS (u->pts), GST_TIME_ARGS (u->duration),
      g_bytes_get_size (file), reason);
  openai_stt_client_submit (self->client, u);
}

static const SandraUtteranceCallbacks cutter_callbacks = {
  utterance_start, utterance_audio, utterance_end
};

/* ---------------------------------------------------------------------- */
/* Sink pad */

static gboolean
setup_for_caps (GstOpenaiStt * self, GstCaps * caps)
{
  GstAudioInfo info;
  GError *err = NULL;
  SandraUploadFormat format;
  gint bitrate;
  guint max_segment_ms;

  if (!gst_audio_info_from_caps (&info, caps)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("Invalid caps %" GST_PTR_FORMAT, caps));
    return FALSE;
  }
  if (self->have_caps && gst_audio_info_is_equal (&info, &self->info))
    return TRUE;

  /* Whatever was collected at the old rate is sent before switching. */
  if (self->cutter)
    sandra_utterance_cutter_drain (self->cutter);

  GST_OBJECT_LOCK (self);
  format = self->upload_format;
  bitrate = self->upload_bitrate;
  max_segment_ms = self->max_segment_ms;
  GST_OBJECT_UNLOCK (self);

  g_clear_pointer (&self->encoder, sandra_upload_encoder_free);
  if (self->active_mode == GST_OPENAI_STT_MODE_HTTP)
    self->encoder = sandra_upload_encoder_new (format,
        GST_AUDIO_INFO_RATE (&info), bitrate, &err);
  if (self->active_mode == GST_OPENAI_STT_MODE_HTTP && self->encoder == NULL) {
    GST_ELEMENT_ERROR (self, STREAM, ENCODE,
        ("Cannot encode %d Hz audio for upload: %s",
            GST_AUDIO_INFO_RATE (&info), err->message), (NULL));
    g_clear_error (&err);
    return FALSE;
  }
  g_clear_pointer (&self->cutter, sandra_utterance_cutter_free);
  self->cutter = sandra_utterance_cutter_new (GST_AUDIO_INFO_RATE (&info),
      HISTORY_MS, max_segment_ms, &cutter_callbacks, self);
  self->info = info;
  self->have_caps = TRUE;
  return TRUE;
}

/* Serialized events keep their place among the transcripts. In realtime
 * mode a turn's place is only known when the server commits it, so the
 * session holds events back until the commits made before them are
 * answered (without blocking this thread). */
static void
queue_output_event (GstOpenaiStt * self, GstEvent * event)
{
  if (self->realtime)
    openai_stt_realtime_push_event (self->realtime, event);
  else
    queue_event (self, event);
}

static gboolean
sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstOpenaiStt *self = GST_OPENAI_STT (parent);
  SandraVadInfo vad;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps, *text_caps;

      gst_event_parse_caps (event, &caps);
      if (!setup_for_caps (self, caps)) {
        gst_event_unref (event);
        return FALSE;
      }
      gst_event_unref (event);
      text_caps = gst_pad_get_pad_template_caps (self->srcpad);
      queue_output_event (self, gst_event_new_caps (text_caps));
      gst_caps_unref (text_caps);
      return TRUE;
    }
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;

      gst_event_parse_segment (event, &segment);
      if (segment->format != GST_FORMAT_TIME) {
        GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
            ("openaistt needs a TIME segment, got %s",
                gst_format_get_name (segment->format)));
        gst_event_unref (event);
        return FALSE;
      }
      /* An utterance never spans two segments: what was collected is
       * sent (and takes its place) before the new segment. */
      if (self->cutter)
        sandra_utterance_cutter_resync (self->cutter);
      /* Read by the worker for running times in bus messages. */
      GST_OBJECT_LOCK (self);
      gst_segment_copy_into (segment, &self->segment);
      GST_OBJECT_UNLOCK (self);
      queue_output_event (self, event);
      return TRUE;
    }
    case GST_EVENT_EOS:
      if (self->cutter)
        sandra_utterance_cutter_drain (self->cutter);
      /* Queued behind every pending transcript: EOS waits for them
       * (each has a deadline, so it never waits forever). */
      queue_output_event (self, event);
      return TRUE;
    case GST_EVENT_FLUSH_START:
      sandra_ordered_queue_set_flushing (self->output, TRUE);
      if (self->client)
        openai_stt_client_cancel_all (self->client);
      if (self->realtime)
        openai_stt_realtime_cancel_all (self->realtime);
      gst_pad_push_event (self->srcpad, event);
      gst_pad_pause_task (self->srcpad);
      return TRUE;
    case GST_EVENT_FLUSH_STOP:
      /* Serialized: this is the streaming thread, which owns these. */
      if (self->cutter)
        sandra_utterance_cutter_reset (self->cutter);
      if (self->encoder && self->active_mode == GST_OPENAI_STT_MODE_HTTP) {
        GBytes *discard = sandra_upload_encoder_finish (self->encoder, NULL,
            NULL);
        g_clear_pointer (&discard, g_bytes_unref);
      }
      if (self->realtime)
        openai_stt_realtime_flush_stop (self->realtime);
      GST_OBJECT_LOCK (self);
      gst_segment_init (&self->segment, GST_FORMAT_TIME);
      self->last_flow = GST_FLOW_OK;
      GST_OBJECT_UNLOCK (self);
      gst_pad_push_event (self->srcpad, event);
      /* A flush that races with deactivation must not revive the task. */
      if (gst_pad_is_active (self->srcpad)) {
        sandra_ordered_queue_set_flushing (self->output, FALSE);
        gst_pad_start_task (self->srcpad, (GstTaskFunction) src_loop, self,
            NULL);
      }
      return TRUE;
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      if (sandra_vad_event_parse (event, &vad) && self->cutter &&
          !self->stream_all) {
        GST_LOG_OBJECT (self, "VAD %s at %" GST_TIME_FORMAT,
            vad.boundary == SANDRA_VAD_SPEECH_START ? "start" : "stop",
            GST_TIME_ARGS (vad.timestamp));
        if (vad.boundary == SANDRA_VAD_SPEECH_START)
          sandra_utterance_cutter_speech_start (self->cutter, vad.timestamp);
        else
          sandra_utterance_cutter_speech_stop (self->cutter, vad.timestamp);
      }
      queue_output_event (self, event);
      return TRUE;
    default:
      /* GAPs (silence from a gating sandravad) included: downstream learns
       * where time went between transcripts. */
      if (GST_EVENT_IS_SERIALIZED (event)) {
        queue_output_event (self, event);
        return TRUE;
      }
      return gst_pad_event_default (pad, parent, event);
  }
}

static GstFlowReturn
sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstOpenaiStt *self = GST_OPENAI_STT (parent);
  GstMapInfo map;
  GstFlowReturn ret;

  GST_OBJECT_LOCK (self);
  ret = self->last_flow;
  GST_OBJECT_UNLOCK (self);
  if (ret != GST_FLOW_OK && ret != GST_FLOW_NOT_LINKED) {
    gst_buffer_unref (buf);
    return ret;
  }
  if ((self->client && openai_stt_client_has_failed (self->client)) ||
      (self->realtime && openai_stt_realtime_has_failed (self->realtime))) {
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }
  if (!self->have_caps) {
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    GstClockTime pts = GST_BUFFER_PTS (buf);

    gsize n = map.size / GST_AUDIO_INFO_BPF (&self->info);

    if (self->stream_all)
      openai_stt_realtime_push (self->realtime, pts, (const gint16 *) map.data,
          n, GST_AUDIO_INFO_RATE (&self->info));
    else
      sandra_utterance_cutter_push (self->cutter, pts,
          (const gint16 *) map.data, n);
    gst_buffer_unmap (buf, &map);
  }
  gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

/* ---------------------------------------------------------------------- */
/* State */

static OpenaiSttConfig *
snapshot_config (GstOpenaiStt * self)
{
  OpenaiSttConfig *cfg = g_new0 (OpenaiSttConfig, 1);

  GST_OBJECT_LOCK (self);
  cfg->api_key = sandra_credentials_resolve_key (self->api_key,
      SANDRA_OPENAI_KEY_ENV);
  cfg->base_url = sandra_credentials_resolve_base_url (self->base_url,
      SANDRA_OPENAI_BASE_URL_ENV, SANDRA_OPENAI_DEFAULT_BASE_URL);
  cfg->model = g_strdup (self->model);
  cfg->language = g_strdup (self->language);
  cfg->prompt = g_strdup (self->prompt);
  cfg->temperature = self->temperature;
  cfg->lock_language = self->lock_language;
  cfg->stream = self->stream;
  cfg->max_inflight = self->max_inflight;
  cfg->timeout_ms = self->timeout_ms;
  cfg->retries = self->retries;
  cfg->upload_format = self->upload_format;
  cfg->upload_bitrate = self->upload_bitrate;
  cfg->api = self->api_version;
  cfg->turn_detection = self->turn_detection;
  cfg->noise_reduction = self->noise_reduction;
  GST_OBJECT_UNLOCK (self);
  return cfg;
}

static const OpenaiSttClientCallbacks client_callbacks = {
  on_partial, on_final, on_failed, on_fatal, on_reserve, on_event
};

static gboolean
start (GstOpenaiStt * self)
{
  OpenaiSttConfig *cfg = snapshot_config (self);

  if (cfg->api_key == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("No OpenAI API key: set the api-key property or the "
            SANDRA_OPENAI_KEY_ENV " environment variable."),
        ("no key in the property nor in the environment"));
    openai_stt_config_free (cfg);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  self->active_mode = self->mode;
  GST_OBJECT_UNLOCK (self);
  self->stream_all = FALSE;
  {
    GUri *uri = g_uri_parse (cfg->base_url, G_URI_FLAGS_NONE, NULL);
    gboolean ok = uri && (g_strcmp0 (g_uri_get_scheme (uri), "http") == 0 ||
        g_strcmp0 (g_uri_get_scheme (uri), "https") == 0);

    g_clear_pointer (&uri, g_uri_unref);
    if (!ok) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          ("Invalid base URL \"%s\": expected an http:// or https:// URL "
              "such as https://api.openai.com/v1.", cfg->base_url), (NULL));
      openai_stt_config_free (cfg);
      return FALSE;
    }
  }
  g_mutex_lock (&self->client_lock);
  if (self->active_mode == GST_OPENAI_STT_MODE_REALTIME) {
    self->stream_all =
        cfg->turn_detection != SANDRA_REALTIME_TURN_DETECTION_NONE;
    self->realtime = openai_stt_realtime_new (GST_ELEMENT (self), cfg,
        &client_callbacks, self);
  } else {
    self->client = openai_stt_client_new (GST_ELEMENT (self), cfg,
        &client_callbacks, self);
  }
  g_mutex_unlock (&self->client_lock);
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
  self->have_caps = FALSE;
  self->last_flow = GST_FLOW_OK;
  return TRUE;
}

static void
stop (GstOpenaiStt * self)
{
  OpenaiSttClient *client;
  OpenaiSttRealtime *realtime;

  g_mutex_lock (&self->client_lock);
  client = g_steal_pointer (&self->client);
  realtime = g_steal_pointer (&self->realtime);
  g_mutex_unlock (&self->client_lock);
  /* Cancels what is in flight and joins the worker. */
  g_clear_pointer (&client, openai_stt_client_free);
  g_clear_pointer (&realtime, openai_stt_realtime_free);
  g_clear_pointer (&self->cutter, sandra_utterance_cutter_free);
  g_clear_pointer (&self->encoder, sandra_upload_encoder_free);
  g_byte_array_set_size (self->pcm, 0);
  self->have_caps = FALSE;
}

static GstStateChangeReturn
change_state (GstElement * element, GstStateChange transition)
{
  GstOpenaiStt *self = GST_OPENAI_STT (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !start (self))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY ||
      (transition == GST_STATE_CHANGE_READY_TO_PAUSED &&
          ret == GST_STATE_CHANGE_FAILURE))
    stop (self);
  return ret;
}

/* ---------------------------------------------------------------------- */
/* GObject */

static void
set_string (GstOpenaiStt * self, gchar ** field, const GValue * value)
{
  GST_OBJECT_LOCK (self);
  g_free (*field);
  *field = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (self);
}

static void
set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstOpenaiStt *self = GST_OPENAI_STT (object);

  switch (prop_id) {
    case PROP_MODE:
      GST_OBJECT_LOCK (self);
      self->mode = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_API_VERSION:
      GST_OBJECT_LOCK (self);
      self->api_version = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_TURN_DETECTION:
      GST_OBJECT_LOCK (self);
      self->turn_detection = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_NOISE_REDUCTION:
      GST_OBJECT_LOCK (self);
      self->noise_reduction = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_API_KEY:
      set_string (self, &self->api_key, value);
      break;
    case PROP_BASE_URL:
      set_string (self, &self->base_url, value);
      break;
    case PROP_MODEL:
      set_string (self, &self->model, value);
      g_mutex_lock (&self->client_lock);
      if (self->client)
        openai_stt_client_set_model (self->client, g_value_get_string (value));
      if (self->realtime)
        openai_stt_realtime_update_session (self->realtime,
            g_value_get_string (value), NULL, NULL);
      g_mutex_unlock (&self->client_lock);
      break;
    case PROP_LANGUAGE:
      set_string (self, &self->language, value);
      g_mutex_lock (&self->client_lock);
      if (self->client)
        openai_stt_client_set_language (self->client,
            g_value_get_string (value));
      if (self->realtime)
        openai_stt_realtime_update_session (self->realtime, NULL,
            g_value_get_string (value) ? g_value_get_string (value) : "", NULL);
      g_mutex_unlock (&self->client_lock);
      break;
    case PROP_PROMPT:
      set_string (self, &self->prompt, value);
      g_mutex_lock (&self->client_lock);
      if (self->client)
        openai_stt_client_set_prompt (self->client, g_value_get_string (value));
      if (self->realtime)
        openai_stt_realtime_update_session (self->realtime, NULL, NULL,
            g_value_get_string (value) ? g_value_get_string (value) : "");
      g_mutex_unlock (&self->client_lock);
      break;
    case PROP_TEMPERATURE:
      GST_OBJECT_LOCK (self);
      self->temperature = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_LOCK_LANGUAGE:
      GST_OBJECT_LOCK (self);
      self->lock_language = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_UPLOAD_FORMAT:
      GST_OBJECT_LOCK (self);
      self->upload_format = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_UPLOAD_BITRATE:
      GST_OBJECT_LOCK (self);
      self->upload_bitrate = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STREAM:
      GST_OBJECT_LOCK (self);
      self->stream = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_SEGMENT_MS:
      GST_OBJECT_LOCK (self);
      self->max_segment_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_INFLIGHT:
      GST_OBJECT_LOCK (self);
      self->max_inflight = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_TIMEOUT_MS:
      GST_OBJECT_LOCK (self);
      self->timeout_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_RETRIES:
      GST_OBJECT_LOCK (self);
      self->retries = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_LATENCY_MS:
      GST_OBJECT_LOCK (self);
      self->latency_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      gst_element_post_message (GST_ELEMENT (self),
          gst_message_new_latency (GST_OBJECT (self)));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstOpenaiStt *self = GST_OPENAI_STT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_API_VERSION:
      g_value_set_enum (value, self->api_version);
      break;
    case PROP_TURN_DETECTION:
      g_value_set_enum (value, self->turn_detection);
      break;
    case PROP_NOISE_REDUCTION:
      g_value_set_enum (value, self->noise_reduction);
      break;
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_MODEL:
      g_value_set_string (value, self->model);
      break;
    case PROP_LANGUAGE:
      g_value_set_string (value, self->language);
      break;
    case PROP_PROMPT:
      g_value_set_string (value, self->prompt);
      break;
    case PROP_TEMPERATURE:
      g_value_set_double (value, self->temperature);
      break;
    case PROP_LOCK_LANGUAGE:
      g_value_set_boolean (value, self->lock_language);
      break;
    case PROP_UPLOAD_FORMAT:
      g_value_set_enum (value, self->upload_format);
      break;
    case PROP_UPLOAD_BITRATE:
      g_value_set_int (value, self->upload_bitrate);
      break;
    case PROP_STREAM:
      g_value_set_boolean (value, self->stream);
      break;
    case PROP_MAX_SEGMENT_MS:
      g_value_set_uint (value, self->max_segment_ms);
      break;
    case PROP_MAX_INFLIGHT:
      g_value_set_uint (value, self->max_inflight);
      break;
    case PROP_TIMEOUT_MS:
      g_value_set_uint (value, self->timeout_ms);
      break;
    case PROP_RETRIES:
      g_value_set_uint (value, self->retries);
      break;
    case PROP_LATENCY_MS:
      g_value_set_uint (value, self->latency_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
finalize (GObject * object)
{
  GstOpenaiStt *self = GST_OPENAI_STT (object);

  g_clear_pointer (&self->client, openai_stt_client_free);
  g_clear_pointer (&self->realtime, openai_stt_realtime_free);
  g_clear_pointer (&self->cutter, sandra_utterance_cutter_free);
  g_clear_pointer (&self->encoder, sandra_upload_encoder_free);
  sandra_ordered_queue_free (self->output);
  g_mutex_clear (&self->client_lock);
  g_byte_array_unref (self->pcm);
  if (self->api_key)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  g_free (self->base_url);
  g_free (self->model);
  g_free (self->language);
  g_free (self->prompt);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_openai_stt_init (GstOpenaiStt * self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, sink_chain);
  gst_pad_set_event_function (self->sinkpad, sink_event);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_set_activatemode_function (self->srcpad, src_activate_mode);
  gst_pad_set_query_function (self->srcpad, src_query);
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->mode = DEFAULT_MODE;
  self->api_version = DEFAULT_API_VERSION;
  self->turn_detection = DEFAULT_TURN_DETECTION;
  self->noise_reduction = DEFAULT_NOISE_REDUCTION;
  self->model = g_strdup (DEFAULT_MODEL);
  self->temperature = DEFAULT_TEMPERATURE;
  self->lock_language = DEFAULT_LOCK_LANGUAGE;
  self->upload_format = DEFAULT_UPLOAD_FORMAT;
  self->upload_bitrate = DEFAULT_UPLOAD_BITRATE;
  self->stream = DEFAULT_STREAM;
  self->max_segment_ms = DEFAULT_MAX_SEGMENT_MS;
  self->max_inflight = DEFAULT_MAX_INFLIGHT;
  self->timeout_ms = DEFAULT_TIMEOUT_MS;
  self->retries = DEFAULT_RETRIES;
  self->latency_ms = DEFAULT_LATENCY_MS;

  g_mutex_init (&self->client_lock);
  self->output = sandra_ordered_queue_new (output_item_free);
  sandra_ordered_queue_set_flushing (self->output, TRUE);
  self->pcm = g_byte_array_new ();
  gst_segment_init (&self->segment, GST_FORMAT_TIME);
}

static void
gst_openai_stt_class_init (GstOpenaiSttClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_playing = rw | GST_PARAM_MUTABLE_PLAYING;
  const GParamFlags rw_ready = rw | GST_PARAM_MUTABLE_READY;

  GST_DEBUG_CATEGORY_INIT (openai_stt_debug, "openaistt", 0,
      "OpenAI speech to text");

  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  element_class->change_state = change_state;

  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "How audio reaches OpenAI: one HTTPS request per utterance, or "
          "streamed to a Realtime transcription session",
          GST_TYPE_OPENAI_STT_MODE, DEFAULT_MODE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_API_VERSION,
      g_param_spec_enum ("api-version", "API version",
          "Realtime interface (mode=realtime): the GA interface or the "
          "older beta one", SANDRA_TYPE_REALTIME_API, DEFAULT_API_VERSION,
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_TURN_DETECTION,
      g_param_spec_enum ("turn-detection", "Turn detection",
          "Who cuts turns in mode=realtime: the server's VAD, or (none) the "
          "element, on upstream sandravad events or every max-segment-ms",
          SANDRA_TYPE_REALTIME_TURN_DETECTION, DEFAULT_TURN_DETECTION,
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_NOISE_REDUCTION,
      g_param_spec_enum ("noise-reduction", "Noise reduction",
          "The server's input noise reduction in mode=realtime (near-field "
          "for headsets, far-field for laptop and room microphones)",
          SANDRA_TYPE_REALTIME_NOISE_REDUCTION, DEFAULT_NOISE_REDUCTION,
          rw_ready));
  g_object_class_install_property (gobject_class, PROP_API_KEY,
      g_param_spec_string ("api-key", "API key",
          "OpenAI API key; when empty, OPENAI_API_KEY from the environment. "
          "Write-only: it is never shown or logged", NULL,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_BASE_URL,
      g_param_spec_string ("base-url", "Base URL",
          "API base URL; when empty, OPENAI_BASE_URL from the environment, "
          "else https://api.openai.com/v1 (point it at the local emulator "
          "or an OpenAI-compatible server)", NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Transcription model: gpt-4o-mini-transcribe, gpt-4o-transcribe "
          "(partial text with stream=true) or whisper-1 (reports the "
          "language)", DEFAULT_MODEL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_LANGUAGE,
      g_param_spec_string ("language", "Language",
          "ISO-639-1 code of the spoken language (\"en\", \"es\"); empty "
          "lets the service detect it", NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_PROMPT,
      g_param_spec_string ("prompt", "Prompt",
          "Domain vocabulary and style hints: place names, brands, people",
          NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_TEMPERATURE,
      g_param_spec_double ("temperature", "Temperature",
          "Sampling temperature of the transcription model (0 = most "
          "likely text)", 0.0, 1.0, DEFAULT_TEMPERATURE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_LOCK_LANGUAGE,
      g_param_spec_boolean ("lock-language", "Lock language",
          "Detect the language on the first utterance that reports one and "
          "force it for the rest (only whisper-1 reports a language)",
          DEFAULT_LOCK_LANGUAGE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_UPLOAD_FORMAT,
      g_param_spec_enum ("upload-format", "Upload format",
          "Container of the uploaded audio", SANDRA_TYPE_UPLOAD_FORMAT,
          DEFAULT_UPLOAD_FORMAT, rw_ready));
  g_object_class_install_property (gobject_class, PROP_UPLOAD_BITRATE,
      g_param_spec_int ("upload-bitrate", "Upload bitrate",
          "Opus bitrate of the upload, in bit/s; 0 picks what suits speech "
          "at the input rate (12000 up to 8 kHz, 16000 up to 16 kHz, 20000 "
          "above). "
          "Ignored for WAV", 0, SANDRA_UPLOAD_ENCODER_MAX_BITRATE,
          DEFAULT_UPLOAD_BITRATE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_STREAM,
      g_param_spec_boolean ("stream", "Stream",
          "Ask for partial text as it forms (gpt-4o models only; posted as "
          "is-final=false messages)", DEFAULT_STREAM, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MAX_SEGMENT_MS,
      g_param_spec_uint ("max-segment-ms", "Maximum segment",
          "Longest utterance sent in one request, in milliseconds; without "
          "upstream sandravad events the stream is cut at this length",
          1000, 600000, DEFAULT_MAX_SEGMENT_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MAX_INFLIGHT,
      g_param_spec_uint ("max-inflight", "Maximum requests in flight",
          "How many utterances may be transcribed at once; output stays in "
          "order", 1, 16, DEFAULT_MAX_INFLIGHT, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TIMEOUT_MS,
      g_param_spec_uint ("timeout-ms", "Timeout",
          "A request attempt fails when nothing arrives for this long, in "
          "milliseconds (0 = never)", 0, 600000, DEFAULT_TIMEOUT_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_RETRIES,
      g_param_spec_uint ("retries", "Retries",
          "Retries of a request after a timeout, a network error, 408, 409, "
          "429 or 5xx (never after auth or quota errors)", 0, 20,
          DEFAULT_RETRIES, rw_ready));
  g_object_class_install_property (gobject_class, PROP_LATENCY_MS,
      g_param_spec_uint ("latency-ms", "Latency",
          "Latency reported to the pipeline, in milliseconds: the time "
          "granted for a transcript to arrive when a synchronised sink "
          "downstream must show it on time (0: text is late; use "
          "sync=false)", 0, 60000, DEFAULT_LATENCY_MS, rw));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "OpenAI speech to text", "Filter/Audio/Text/Network",
      "Transcribes speech with OpenAI transcription models, one request "
      "per utterance", "gst-sandra contributors");

  gst_type_mark_as_plugin_api (SANDRA_TYPE_UPLOAD_FORMAT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_OPENAI_STT_MODE, 0);
  gst_type_mark_as_plugin_api (SANDRA_TYPE_REALTIME_API, 0);
  gst_type_mark_as_plugin_api (SANDRA_TYPE_REALTIME_TURN_DETECTION, 0);
  gst_type_mark_as_plugin_api (SANDRA_TYPE_REALTIME_NOISE_REDUCTION, 0);
}
