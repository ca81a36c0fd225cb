/* gst-sandra: openairealtime, spoken conversation over the OpenAI Realtime API
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-openairealtime
 * @title: openairealtime
 *
 * Holds a full-duplex conversation with an OpenAI Realtime model. The
 * microphone goes in on `sink` (S16LE mono at 24 kHz, or G.711 mu-law /
 * A-law at 8 kHz, sent as is); the assistant's voice comes out on `src` in
 * the same family, stamped on the pipeline's running time like a live
 * source; its transcript (or its text, with output-modalities=text) comes
 * out on `text_src` with an end-of-sentence event after each sentence.
 * Typed input enters on `text_sink`.
 *
 * When the user starts speaking over the assistant, queued audio is dropped
 * downstream at once and the model is told how much the user really heard
 * (conversation.item.truncate), measured on the pipeline clock. A flush
 * from upstream (a seek, a restarted microphone) ends the reply the same
 * way and empties the service's input buffer. Sessions that expire or drop
 * are reconnected with the conversation (function calls included)
 * replayed as text and the audio captured meanwhile sent once the new
 * session is up.
 *
 * See docs/openairealtime.md for the bus messages and the routes.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample ! \
 *     audio/x-raw,format=S16LE,rate=24000,channels=1 ! \
 *     openairealtime voice=marin ! audioconvert ! autoaudiosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstopenairealtime.h"
#include "openairealtime-link.h"
#include "sandra-realtime-capture.h"
#include "sandra-realtime-events.h"
#include "sandra-realtime-history.h"
#include "sandra-realtime-playout.h"
#include "sandra-realtime-session.h"
#include "sandra-sentence-splitter.h"
#include "sandra-events.h"
#include "sandra-json-util.h"
#include "net/sandra-credentials.h"
#include "net/sandra-ordered-queue.h"
#include "net/sandra-worker.h"

#include <gst/audio/audio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (openai_realtime_debug);
#define GST_CAT_DEFAULT openai_realtime_debug

#define DEFAULT_MODEL "gpt-realtime-mini"
#define DEFAULT_API SANDRA_REALTIME_API_GA
#define DEFAULT_MODALITY SANDRA_REALTIME_MODALITY_AUDIO
#define DEFAULT_TURN_DETECTION SANDRA_REALTIME_TURN_DETECTION_SERVER_VAD
#define DEFAULT_VAD_THRESHOLD -1.0
#define DEFAULT_PREFIX_PADDING_MS -1
#define DEFAULT_SILENCE_DURATION_MS -1
#define DEFAULT_IDLE_TIMEOUT_MS 0
#define DEFAULT_EAGERNESS SANDRA_REALTIME_EAGERNESS_AUTO
#define DEFAULT_CREATE_RESPONSE TRUE
#define DEFAULT_INTERRUPT_RESPONSE TRUE
#define DEFAULT_TRANSCRIPTION_MODEL "gpt-4o-mini-transcribe"
#define DEFAULT_NOISE_REDUCTION SANDRA_REALTIME_NOISE_REDUCTION_NONE
#define DEFAULT_SPEED 0.0
#define DEFAULT_MAX_OUTPUT_TOKENS -1
#define DEFAULT_TEMPERATURE -1.0
/* Sessions end after 60 minutes on GA and 30 on beta: by default recycle
 * five minutes before (the first quiet moment after that), between turns,
 * rather than be cut off mid-sentence. 0 = follow the interface. */
#define DEFAULT_MAX_SESSION_MS 0
#define SESSION_RECYCLE_MARGIN_MS (5 * 60 * 1000)
#define GA_SESSION_LIMIT_MS (60 * 60 * 1000)
#define BETA_SESSION_LIMIT_MS (30 * 60 * 1000)
#define DEFAULT_MAX_RECONNECTS 5
#define DEFAULT_RECONNECT_INITIAL_MS 500
#define DEFAULT_RECONNECT_MAX_MS 15000
#define DEFAULT_CONNECT_TIMEOUT_MS 10000
#define DEFAULT_CAPTURE_BUFFER_MS 10000
#define DEFAULT_LATENCY_MS 20
#define DEFAULT_MAX_HISTORY_ITEMS 200
/* How long EOS waits for a running reply while the service sends nothing. */
#define DEFAULT_EOS_TIMEOUT_MS 30000

/* input_audio_buffer.append sizes the service recommends. */
#define MIN_APPEND_MS 20
#define MAX_APPEND_MS 100

enum
{
  PROP_0,
  PROP_API_KEY,
  PROP_BASE_URL,
  PROP_CLIENT_SECRET,
  PROP_TOKEN_URL,
  PROP_API_VERSION,
  PROP_MODEL,
  PROP_VOICE,
  PROP_INSTRUCTIONS,
  PROP_OUTPUT_MODALITIES,
  PROP_TURN_DETECTION,
  PROP_VAD_THRESHOLD,
  PROP_PREFIX_PADDING_MS,
  PROP_SILENCE_DURATION_MS,
  PROP_IDLE_TIMEOUT_MS,
  PROP_EAGERNESS,
  PROP_CREATE_RESPONSE,
  PROP_INTERRUPT_RESPONSE,
  PROP_INPUT_TRANSCRIPTION_MODEL,
  PROP_INPUT_TRANSCRIPTION_LANGUAGE,
  PROP_INPUT_TRANSCRIPTION_PROMPT,
  PROP_NOISE_REDUCTION,
  PROP_SPEED,
  PROP_MAX_OUTPUT_TOKENS,
  PROP_TOOLS,
  PROP_TOOL_CHOICE,
  PROP_TEMPERATURE,
  PROP_MAX_SESSION_MS,
  PROP_MAX_RECONNECTS,
  PROP_RECONNECT_INITIAL_MS,
  PROP_RECONNECT_MAX_MS,
  PROP_CONNECT_TIMEOUT_MS,
  PROP_CAPTURE_BUFFER_MS,
  PROP_LATENCY_MS,
  PROP_MAX_HISTORY_ITEMS,
  PROP_EOS_TIMEOUT_MS,
};

enum
{
  SIGNAL_FUNCTION_CALL,
  SIGNAL_FUNCTION_RESULT,
  SIGNAL_SEND_TEXT,
  SIGNAL_COMMIT,
  SIGNAL_CREATE_RESPONSE,
  SIGNAL_CANCEL_RESPONSE,
  SIGNAL_SEND_EVENT,
  LAST_SIGNAL
};

static guint signals[LAST_SIGNAL];

/* What a source pad task pushes, in order. */
typedef enum
{
  OUT_AUDIO,
  OUT_TEXT,
  OUT_EVENT,
} OutKind;

typedef struct
{
  OutKind kind;
  GstBuffer *buffer;
  GstEvent *event;
  gchar *item_id;
  gchar *response_id;
  /* OUT_AUDIO: the format the service produced it in, which is not
   * always the format of the input now (a caps change mid-reply). */
  SandraRealtimeAudioFormat format;
  /* For text_src, passed through the audio task on the way so that it is
   * stamped with the running time of the audio received with it. */
  gboolean via_audio;
} OutItem;

/* One source pad with its queue and task. */
typedef struct
{
  GstOpenaiRealtime *self;
  GstPad *pad;
  SandraOrderedQueue *queue;
  gboolean active;              /* under flush_lock */
  /* task thread (and flushes, with the task paused) */
  gboolean need_stream_start;
  gboolean need_segment;
  GstCaps *caps_sent;
  SandraRealtimeAudioFormat format_sent;        /* audio: of caps_sent */
  GstClockTime next_pts;
} OutPad;

struct _GstOpenaiRealtime
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *text_sinkpad;
  OutPad audio;
  OutPad text;

  /* properties, under the object lock */
  SandraRealtimeSessionConfig cfg;
  SandraRealtimeApi api;
  gchar *api_key;
  gchar *base_url;
  gchar *client_secret;
  gchar *token_url;
  guint max_session_ms;
  guint max_reconnects;
  guint reconnect_initial_ms;
  guint reconnect_max_ms;
  guint connect_timeout_ms;
  guint capture_buffer_ms;
  guint latency_ms;
  guint max_history_items;
  guint eos_timeout_ms;

  /* Serialises downstream flushes with pad (de)activation. */
  GMutex flush_lock;
  gboolean upstream_flushing;   /* under flush_lock: between FLUSH_START
                                 * and FLUSH_STOP on sink */

  /* Conversation state, under lock: touched by the worker (server
   * events), the streaming threads (audio, text, sandravad events), the
   * source tasks (what was pushed) and application threads (signals). */
  GMutex lock;
  SandraWorker *worker;
  OpenaiRealtimeLink *link;
  SandraRealtimeApi session_api;        /* the interface of this run */
  gboolean ready;               /* a session is open and set up */
  gboolean failed;
  gboolean session_announced;
  SandraRealtimeSessionConfig sent;     /* what the session was given */
  SandraRealtimeCapture *capture;
  guint64 session_start_abs;    /* capture offset of the session's byte 0 */
  guint64 pending_commit_abs;   /* G_MAXUINT64: none */
  SandraRealtimePlayout *playout;
  SandraRealtimeHistory *history;
  SandraSentenceSplitter *splitter;
  gchar *active_response_id;
  gboolean response_requested;
  gchar *response_create_id;    /* event id of the last response.create */
  gboolean pending_response_create;
  gboolean pending_turn_commit;
  GPtrArray *pending_events;    /* client events waiting for a session */
  gboolean eos_pending;
  gboolean eos_queued;          /* EOS queued for the source pads */
  GSource *eos_source;          /* bounds the wait of a pending EOS */
  gint64 last_server_us;        /* worker thread: last server event */
  gboolean user_speaking;
  gboolean recycle_pending;
  GSource *recycle_source;
  guint64 dropped_bytes;        /* unsent audio dropped, not yet reported */
  gboolean drop_warned;
  guint reconnects;
  guint session_max_ms;         /* max-session-ms resolved for this session */
  GstClockTime downstream_latency;
  guint event_serial;
  /* Output format of the responses the service creates from now on (the
   * last session.updated says), and of the current response: a response
   * keeps the format it started with. */
  SandraRealtimeAudioFormat service_format;
  SandraRealtimeAudioFormat response_format;
  /* per-turn timing (monotonic microseconds, 0 = unknown) */
  gint64 t_turn_end;
  gint64 t_first_delta;
  gchar *timing_response_id;

  /* input format (streaming thread writes, others read under lock) */
  gboolean have_caps;
  SandraRealtimeAudioFormat format;
  guint bytes_per_second;
  guint bpf;
  GstCaps *out_caps;
};

#define gst_openai_realtime_parent_class parent_class
G_DEFINE_TYPE (GstOpenaiRealtime, gst_openai_realtime, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (openairealtime, "openairealtime", GST_RANK_NONE,
    GST_TYPE_OPENAI_REALTIME);

#define AUDIO_CAPS \
  "audio/x-raw, format=(string)S16LE, layout=(string)interleaved, " \
  "rate=(int)24000, channels=(int)1; " \
  "audio/x-mulaw, rate=(int)8000, channels=(int)1; " \
  "audio/x-alaw, rate=(int)8000, channels=(int)1"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (AUDIO_CAPS));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (AUDIO_CAPS));
static GstStaticPadTemplate text_src_template =
GST_STATIC_PAD_TEMPLATE ("text_src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format=(string)utf8"));
static GstStaticPadTemplate text_sink_template =
GST_STATIC_PAD_TEMPLATE ("text_sink", GST_PAD_SINK, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format=(string)utf8"));

/* ---------------------------------------------------------------------- */
/* Small helpers */

static void
out_item_free (gpointer data)
{
  OutItem *item = data;

  if (item == NULL)
    return;
  gst_clear_buffer (&item->buffer);
  gst_clear_event (&item->event);
  g_free (item->item_id);
  g_free (item->response_id);
  g_free (item);
}

static void
queue_event (OutPad * out, GstEvent * event)
{
  OutItem *item = g_new0 (OutItem, 1);

  item->kind = OUT_EVENT;
  item->event = event;
  sandra_ordered_queue_push (out->queue, item);
}

/* With spoken replies, the transcript describes the audio received with
 * it: the item goes through the audio queue, in order with that audio,
 * and the audio task stamps it with the running time at which the audio
 * that follows plays before handing it to text_src (see forward_text()).
 * Text replies have no audio to follow and go straight to text_src. */
static void
queue_text_item (GstOpenaiRealtime * self, OutItem * item)
{
  gboolean text_mode;

  GST_OBJECT_LOCK (self);
  text_mode = self->cfg.output_modality == SANDRA_REALTIME_MODALITY_TEXT;
  GST_OBJECT_UNLOCK (self);
  if (text_mode) {
    sandra_ordered_queue_push (self->text.queue, item);
  } else {
    item->via_audio = TRUE;
    sandra_ordered_queue_push (self->audio.queue, item);
  }
}

static void
queue_text_event (GstOpenaiRealtime * self, GstEvent * event)
{
  OutItem *item = g_new0 (OutItem, 1);

  item->kind = OUT_EVENT;
  item->event = event;
  queue_text_item (self, item);
}

static GstClockTime
running_time_now (GstOpenaiRealtime * self)
{
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  GstClockTime now, base;

  if (clock == NULL)
    return GST_CLOCK_TIME_NONE;
  now = gst_clock_get_time (clock);
  base = gst_element_get_base_time (GST_ELEMENT (self));
  gst_object_unref (clock);
  return now > base ? now - base : 0;
}

static void
post (GstOpenaiRealtime * self, GstStructure * s)
{
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
}

static gdouble
elapsed_ms (gint64 from_us, gint64 to_us)
{
  return (to_us - from_us) / 1000.0;
}

static guint
format_bytes_per_second (SandraRealtimeAudioFormat format)
{
  return format == SANDRA_REALTIME_AUDIO_FORMAT_PCM16 ?
      SANDRA_REALTIME_PCM_RATE * 2 : 8000;
}

static GstCaps *
format_caps (SandraRealtimeAudioFormat format)
{
  switch (format) {
    case SANDRA_REALTIME_AUDIO_FORMAT_PCMU:
      return gst_caps_from_string ("audio/x-mulaw, rate=(int)8000, "
          "channels=(int)1");
    case SANDRA_REALTIME_AUDIO_FORMAT_PCMA:
      return gst_caps_from_string ("audio/x-alaw, rate=(int)8000, "
          "channels=(int)1");
    default:
      return gst_caps_from_string ("audio/x-raw, format=(string)S16LE, "
          "layout=(string)interleaved, rate=(int)24000, channels=(int)1");
  }
}

/* A client event id, so that errors about it can be traced. */
static gchar *
next_event_id (GstOpenaiRealtime * self, const gchar * what)
{
  return g_strdup_printf ("gst_%s_%u", what, ++self->event_serial);
}

/* Lock held. Ends a pending EOS wait: TRUE when the caller must queue EOS
 * on both source pads (after releasing the lock). */
static gboolean
take_pending_eos (GstOpenaiRealtime * self)
{
  if (self->eos_source) {
    g_source_destroy (self->eos_source);
    g_clear_pointer (&self->eos_source, g_source_unref);
  }
  if (!self->eos_pending)
    return FALSE;
  self->eos_pending = FALSE;
  self->eos_queued = TRUE;
  return TRUE;
}

static void
queue_eos (GstOpenaiRealtime * self)
{
  /* Text first: it may pass through the audio queue, and nothing leaves
   * that queue after EOS. */
  queue_text_event (self, gst_event_new_eos ());
  queue_event (&self->audio, gst_event_new_eos ());
}

/* ---------------------------------------------------------------------- */
/* Sending (lock held) */

/* Sends now if a session is set up, else keeps the event for the next
 * session (after its configuration and replay). Takes @json. */
static void
send_or_queue (GstOpenaiRealtime * self, gchar * json)
{
  GError *err = NULL;

  if (json == NULL)
    return;
  if (!self->ready || self->link == NULL) {
    g_ptr_array_add (self->pending_events, json);
    return;
  }
  if (!openai_realtime_link_send (self->link, json, &err)) {
    GST_WARNING_OBJECT (self, "could not send an event: %s", err->message);
    g_clear_error (&err);
  }
  g_free (json);
}

/* Sends captured audio: chunks of MIN_APPEND_MS..MAX_APPEND_MS, or all of
 * it when @all. */
static void
send_captured (GstOpenaiRealtime * self, gboolean all)
{
  gsize min_bytes, max_bytes;
  GBytes *chunk;

  if (!self->ready || self->link == NULL || !self->have_caps)
    return;
  min_bytes = self->bytes_per_second * MIN_APPEND_MS / 1000;
  max_bytes = self->bytes_per_second * MAX_APPEND_MS / 1000;
  while (all || sandra_realtime_capture_unsent (self->capture) >= min_bytes) {
    GError *err = NULL;
    gchar *json;
    gsize size;
    gconstpointer data;

    chunk = sandra_realtime_capture_take (self->capture, max_bytes, self->bpf);
    if (chunk == NULL)
      break;
    data = g_bytes_get_data (chunk, &size);
    json = sandra_realtime_event_input_audio_append (data, size, NULL);
    /* On failure the bytes stay in the capture buffer as sent: a new
     * session resends everything not committed. */
    if (!openai_realtime_link_send (self->link, json, &err)) {
      GST_DEBUG_OBJECT (self, "audio not sent: %s", err->message);
      g_clear_error (&err);
    }
    g_free (json);
    g_bytes_unref (chunk);
  }
}

/* Forgets the captured audio, sent or not. */
static void
drop_capture (GstOpenaiRealtime * self)
{
  /* Unsent bytes never reached the service's audio timeline, on which it
   * reports speech_stopped positions. */
  self->session_start_abs += sandra_realtime_capture_unsent (self->capture);
  sandra_realtime_capture_clear (self->capture);
}

static void
send_response_create (GstOpenaiRealtime * self)
{
  gchar *json;

  if (self->active_response_id) {
    /* One response at a time: ask again when this one is done. */
    self->pending_response_create = TRUE;
    return;
  }
  /* An id, so that a refusal (an error event naming it) ends the wait
   * for the response that will never come. */
  g_free (self->response_create_id);
  self->response_create_id = next_event_id (self, "response");
  json = sandra_realtime_event_response_create (NULL, self->session_api,
      self->response_create_id, NULL);
  self->response_requested = TRUE;
  send_or_queue (self, json);
}

/* Ends the user's turn when turn detection is off. */
static void
commit_turn (GstOpenaiRealtime * self)
{
  gchar *id;

  if (!self->ready) {
    self->pending_turn_commit = TRUE;
    return;
  }
  send_captured (self, TRUE);
  self->pending_commit_abs = sandra_realtime_capture_sent_offset
      (self->capture);
  id = next_event_id (self, "commit");
  send_or_queue (self, sandra_realtime_event_input_audio_commit (id));
  g_free (id);
  self->t_turn_end = g_get_monotonic_time ();
  self->t_first_delta = 0;
  send_response_create (self);
}

/* A property changed: send what differs from what the session has. */
static void
apply_config (GstOpenaiRealtime * self)
{
  SandraRealtimeSessionConfig want;
  SandraRealtimeFields fields;
  GError *err = NULL;
  gchar *json;

  g_mutex_lock (&self->lock);
  if (!self->ready) {
    g_mutex_unlock (&self->lock);
    return;                     /* the next session gets all of it */
  }
  GST_OBJECT_LOCK (self);
  sandra_realtime_session_config_copy (&want, &self->cfg);
  GST_OBJECT_UNLOCK (self);
  /* The model is fixed for the life of a session. */
  fields = sandra_realtime_session_config_diff (&self->sent, &want) &
      ~SANDRA_REALTIME_FIELD_MODEL;
  if (fields != 0) {
    gchar *before, *after;

    /* A field the interface does not have (temperature on GA, the idle
     * timeout on beta) changes nothing on the wire: send nothing then. */
    before = sandra_realtime_session_build_update (&self->sent,
        self->session_api, fields, NULL, NULL);
    after = sandra_realtime_session_build_update (&want, self->session_api,
        fields, NULL, NULL);
    if (before && after && g_str_equal (before, after))
      fields = 0;
    g_free (before);
    g_free (after);
  }
  if (fields != 0) {
    gchar *id = next_event_id (self, "update");

    json = sandra_realtime_session_build_update (&want, self->session_api,
        fields, id, &err);
    g_free (id);
    if (json) {
      GST_DEBUG_OBJECT (self, "session.update with fields 0x%x", fields);
      send_or_queue (self, json);
      sandra_realtime_session_config_clear (&self->sent);
      sandra_realtime_session_config_copy (&self->sent, &want);
    } else {
      GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
          ("Invalid session setting: %s", err->message), (NULL));
      g_clear_error (&err);
    }
  } else {
    sandra_realtime_session_config_clear (&self->sent);
    sandra_realtime_session_config_copy (&self->sent, &want);
  }
  sandra_realtime_session_config_clear (&want);
  g_mutex_unlock (&self->lock);
}

/* ---------------------------------------------------------------------- */
/* Downstream flushes */

static void out_loop (OutPad * out);

/* Drops everything queued for @out and flushes downstream, then starts
 * again. Any thread but @out's task. */
static gboolean
flush_out (OutPad * out)
{
  g_mutex_lock (&out->self->flush_lock);
  /* During an upstream flush everything is being dropped already, and
   * the output must stay flushing until its FLUSH_STOP. */
  if (!out->active || out->self->upstream_flushing) {
    g_mutex_unlock (&out->self->flush_lock);
    return FALSE;
  }
  sandra_ordered_queue_set_flushing (out->queue, TRUE);
  gst_pad_push_event (out->pad, gst_event_new_flush_start ());
  gst_pad_pause_task (out->pad);
  /* Keep the running time: the pipeline is live. */
  gst_pad_push_event (out->pad, gst_event_new_flush_stop (FALSE));
  out->need_segment = TRUE;
  out->next_pts = GST_CLOCK_TIME_NONE;
  sandra_ordered_queue_set_flushing (out->queue, FALSE);
  gst_pad_start_task (out->pad, (GstTaskFunction) out_loop, out, NULL);
  g_mutex_unlock (&out->self->flush_lock);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Barge-in */

/* Why the reply the user was hearing stops. */
typedef enum
{
  INTERRUPT_SERVER_VAD,         /* the service's VAD heard the user */
  INTERRUPT_LOCAL,              /* sandravad with turn detection off, or the
                                 * cancel-response action */
  INTERRUPT_FLUSH,              /* an upstream flush: the output is being
                                 * flushed already, and it is no barge-in */
} Interruption;

/* Stops the reply the user was hearing: tells the service how much of it
 * was heard (truncate), cancels it if it is still being generated, drops
 * whatever of it is queued or still to come, and (unless the output is
 * being flushed by upstream already) flushes it downstream. */
static void
barge_in (GstOpenaiRealtime * self, Interruption cause)
{
  gboolean from_server = cause == INTERRUPT_SERVER_VAD;
  gchar *item_id = NULL, *response_id = NULL, *cancelled = NULL;
  guint64 heard_ms = 0, received_ms;
  gboolean audible, server_cancels;
  GstClockTime now = running_time_now (self);

  g_mutex_lock (&self->lock);
  audible = sandra_realtime_playout_heard (self->playout, now,
      self->downstream_latency, &item_id, &response_id, &heard_ms);
  if (audible) {
    received_ms = sandra_realtime_playout_received_ms (self->playout);
    if (self->ready) {
      gchar *id = next_event_id (self, "truncate");

      send_or_queue (self, sandra_realtime_event_item_truncate (item_id, 0,
              heard_ms, id));
      g_free (id);
    }
    sandra_realtime_history_truncate (self->history, item_id, heard_ms,
        received_ms);
    /* Its remaining deltas, if any, are not to be played. */
    sandra_realtime_playout_cancel_response (self->playout, response_id);
  }
  if (self->active_response_id) {
    GST_OBJECT_LOCK (self);
    server_cancels = from_server && self->cfg.interrupt_response &&
        self->cfg.turn_detection != SANDRA_REALTIME_TURN_DETECTION_NONE;
    GST_OBJECT_UNLOCK (self);
    if (!server_cancels && self->ready)
      send_or_queue (self, sandra_realtime_event_response_cancel
          (self->active_response_id, NULL));
    sandra_realtime_playout_cancel_response (self->playout,
        self->active_response_id);
    cancelled = g_strdup (self->active_response_id);
    sandra_sentence_splitter_reset (self->splitter);
  }
  sandra_realtime_playout_clear_item (self->playout);
  g_mutex_unlock (&self->lock);

  if (!audible && cancelled == NULL)
    return;

  GST_INFO_OBJECT (self, "%s: item %s heard %" G_GUINT64_FORMAT
      " ms, response %s cancelled", cause == INTERRUPT_FLUSH ? "flush" :
      "barge-in", GST_STR_NULL (item_id), heard_ms, GST_STR_NULL (cancelled));
  if (cause == INTERRUPT_FLUSH) {
    g_free (item_id);
    g_free (response_id);
    g_free (cancelled);
    return;
  }
  {
    gboolean audio_flushed = audible && flush_out (&self->audio);
    gboolean text_flushed = cancelled && flush_out (&self->text);
    gboolean eos_queued;

    /* An EOS already queued behind the reply went with the flush: the
     * stream still ends. */
    g_mutex_lock (&self->lock);
    eos_queued = self->eos_queued;
    g_mutex_unlock (&self->lock);
    if (eos_queued && audio_flushed)
      queue_eos (self);
    else if (eos_queued && text_flushed)
      queue_text_event (self, gst_event_new_eos ());
  }

  {
    GstStructure *s = gst_structure_new ("openairealtime-barge-in",
        "truncated", G_TYPE_BOOLEAN, audible,
        "audio-end-ms", G_TYPE_UINT64, heard_ms, NULL);

    if (item_id)
      gst_structure_set (s, "item-id", G_TYPE_STRING, item_id, NULL);
    if (cancelled)
      gst_structure_set (s, "cancelled-response-id", G_TYPE_STRING,
          cancelled, NULL);
    post (self, s);
  }
  g_free (item_id);
  g_free (response_id);
  g_free (cancelled);
}

/* ---------------------------------------------------------------------- */
/* Session life (worker thread) */

static gboolean
recycle_timeout (gpointer data)
{
  GstOpenaiRealtime *self = data;
  gboolean busy;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->recycle_source, g_source_unref);
  busy = self->active_response_id != NULL || self->response_requested ||
      self->user_speaking;
  /* Never in the middle of a turn: wait for it to end. */
  self->recycle_pending = busy;
  if (!busy && self->link)
    openai_realtime_link_recycle (self->link, "max-session-ms reached");
  g_mutex_unlock (&self->lock);
  return G_SOURCE_REMOVE;
}

/* Lock held. */
static void
maybe_recycle (GstOpenaiRealtime * self)
{
  if (self->recycle_pending && self->active_response_id == NULL &&
      !self->response_requested && !self->user_speaking && self->link) {
    self->recycle_pending = FALSE;
    openai_realtime_link_recycle (self->link, "max-session-ms reached");
  }
}

static void
link_opened (gboolean reconnected, gpointer user_data)
{
  GstOpenaiRealtime *self = user_data;
  SandraRealtimeSessionConfig want;
  GError *err = NULL;
  gchar *json, *id;
  guint max_session_ms, i;
  guint64 dropped;

  g_mutex_lock (&self->lock);
  GST_OBJECT_LOCK (self);
  sandra_realtime_session_config_copy (&want, &self->cfg);
  max_session_ms = self->max_session_ms;
  GST_OBJECT_UNLOCK (self);
  if (max_session_ms == 0)
    max_session_ms = (self->session_api == SANDRA_REALTIME_API_BETA ?
        BETA_SESSION_LIMIT_MS : GA_SESSION_LIMIT_MS) -
        SESSION_RECYCLE_MARGIN_MS;
  self->session_max_ms = max_session_ms;

  /* Configuration first, then the conversation so far, then the audio the
   * new session has not heard: the socket keeps this order. */
  id = next_event_id (self, "session");
  json = sandra_realtime_session_build_update (&want, self->session_api,
      SANDRA_REALTIME_FIELD_ALL, id, &err);
  g_free (id);
  if (json == NULL) {
    g_mutex_unlock (&self->lock);
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid session settings: %s", err->message), (NULL));
    g_clear_error (&err);
    sandra_realtime_session_config_clear (&want);
    return;
  }
  self->ready = TRUE;
  self->session_announced = FALSE;
  /* The update goes first: no response of this session predates it. */
  self->service_format = want.output_format;
  send_or_queue (self, json);
  sandra_realtime_session_config_clear (&self->sent);
  sandra_realtime_session_config_copy (&self->sent, &want);
  sandra_realtime_session_config_clear (&want);

  if (reconnected) {
    GPtrArray *replay = sandra_realtime_history_build_replay (self->history,
        self->session_api);

    GST_INFO_OBJECT (self, "replaying %u conversation items", replay->len);
    for (i = 0; i < replay->len; i++)
      send_or_queue (self, g_strdup (g_ptr_array_index (replay, i)));
    g_ptr_array_unref (replay);
  }

  /* Responses of the old session are gone with it. */
  sandra_realtime_playout_reset (self->playout);
  g_clear_pointer (&self->active_response_id, g_free);
  self->response_requested = FALSE;
  self->user_speaking = FALSE;
  self->pending_commit_abs = G_MAXUINT64;
  self->session_start_abs = sandra_realtime_capture_rewind (self->capture);
  send_captured (self, TRUE);

  for (i = 0; i < self->pending_events->len; i++) {
    gchar *ev = g_ptr_array_index (self->pending_events, i);

    g_ptr_array_index (self->pending_events, i) = NULL;
    send_or_queue (self, ev);
  }
  g_ptr_array_set_size (self->pending_events, 0);
  if (self->pending_turn_commit) {
    self->pending_turn_commit = FALSE;
    commit_turn (self);
  }
  if (self->pending_response_create) {
    self->pending_response_create = FALSE;
    send_response_create (self);
  }

  if (self->recycle_source) {
    g_source_destroy (self->recycle_source);
    g_clear_pointer (&self->recycle_source, g_source_unref);
  }
  self->recycle_pending = FALSE;
  self->recycle_source = sandra_worker_timeout_add (self->worker,
      max_session_ms, recycle_timeout, self, NULL);
  dropped = self->dropped_bytes;
  self->dropped_bytes = 0;
  self->drop_warned = FALSE;
  g_mutex_unlock (&self->lock);

  if (reconnected) {
    post (self, gst_structure_new ("openairealtime-reconnected",
            "reconnects", G_TYPE_UINT, self->reconnects,
            "dropped-audio-ms", G_TYPE_UINT64,
            self->bytes_per_second ? dropped * 1000 / self->bytes_per_second :
            0, NULL));
  }
}

static void
link_reconnecting (guint attempt, guint delay_ms, const gchar * reason,
    gpointer user_data)
{
  GstOpenaiRealtime *self = user_data;
  gchar *rest;
  gboolean eos;

  g_mutex_lock (&self->lock);
  self->ready = FALSE;
  self->reconnects++;
  g_clear_pointer (&self->active_response_id, g_free);
  self->response_requested = FALSE;
  self->user_speaking = FALSE;
  rest = sandra_sentence_splitter_finish (self->splitter);
  if (self->recycle_source) {
    g_source_destroy (self->recycle_source);
    g_clear_pointer (&self->recycle_source, g_source_unref);
  }
  /* The reply EOS was waiting for is lost with the session: no
   * response.done will ever come for it. */
  eos = take_pending_eos (self);
  g_mutex_unlock (&self->lock);

  /* Whatever sentence was in progress is over. */
  if (rest)
    queue_text_event (self, sandra_end_of_sentence_event_new (rest,
            GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE));
  g_free (rest);
  if (eos) {
    GST_INFO_OBJECT (self, "session lost while EOS waited for a reply");
    queue_eos (self);
  }

  GST_INFO_OBJECT (self, "session lost (%s); reconnecting in %u ms", reason,
      delay_ms);
  post (self, gst_structure_new ("openairealtime-reconnecting",
          "attempt", G_TYPE_UINT, attempt,
          "delay-ms", G_TYPE_UINT, delay_ms,
          "reason", G_TYPE_STRING, reason, NULL));
}

static void
link_failed (OpenaiRealtimeLinkFailure failure, const gchar * message,
    guint close_code, guint http_status, gpointer user_data)
{
  GstOpenaiRealtime *self = user_data;
  GstResourceError code;
  GstStructure *details = gst_structure_new ("details",
      "close-code", G_TYPE_UINT, close_code,
      "http-status", G_TYPE_UINT, http_status, NULL);

  g_mutex_lock (&self->lock);
  self->ready = FALSE;
  self->failed = TRUE;
  g_mutex_unlock (&self->lock);

  switch (failure) {
    case OPENAI_REALTIME_LINK_FAIL_AUTH:
    case OPENAI_REALTIME_LINK_FAIL_TOKEN:
      code = GST_RESOURCE_ERROR_NOT_AUTHORIZED;
      break;
    case OPENAI_REALTIME_LINK_FAIL_QUOTA:
    case OPENAI_REALTIME_LINK_FAIL_POLICY:
      code = GST_RESOURCE_ERROR_FAILED;
      break;
    default:
      code = GST_RESOURCE_ERROR_OPEN_READ_WRITE;
      break;
  }
  /* The message never holds a secret: the link words it from codes. */
  gst_element_message_full_with_details (GST_ELEMENT (self),
      GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, code, g_strdup (message),
      g_strdup_printf ("close code %u, HTTP status %u", close_code,
          http_status), __FILE__, GST_FUNCTION, __LINE__, details);
  /* Stop output so that nothing pretends to work. */
  sandra_ordered_queue_set_flushing (self->audio.queue, TRUE);
  sandra_ordered_queue_set_flushing (self->text.queue, TRUE);
}

/* ---------------------------------------------------------------------- */
/* Server events (worker thread) */

static void
post_transcript (GstOpenaiRealtime * self, const gchar * name,
    const SandraRealtimeServerEvent * ev, const gchar * text, gboolean is_final)
{
  GstStructure *s = gst_structure_new (name,
      "text", G_TYPE_STRING, text ? text : "",
      "is-final", G_TYPE_BOOLEAN, is_final, NULL);

  if (ev->item_id)
    gst_structure_set (s, "item-id", G_TYPE_STRING, ev->item_id, NULL);
  if (ev->response_id)
    gst_structure_set (s, "response-id", G_TYPE_STRING, ev->response_id, NULL);
  post (self, s);
}

/* The first text of an item's content, for user items echoed back. */
static const gchar *
item_text (const SandraRealtimeServerEvent * ev)
{
  JsonObject *item;
  JsonArray *content;
  guint i;

  if (ev->object == NULL || !json_object_has_member (ev->object, "item"))
    return NULL;
  item = json_object_get_object_member (ev->object, "item");
  if (item == NULL || !json_object_has_member (item, "content"))
    return NULL;
  content = json_object_get_array_member (item, "content");
  for (i = 0; content && i < json_array_get_length (content); i++) {
    JsonObject *part = json_array_get_object_element (content, i);
    const gchar *type, *text;

    if (part == NULL)
      continue;
    type = json_object_get_string_member_with_default (part, "type", "");
    text = json_object_get_string_member_with_default (part, "text", NULL);
    if (text && (g_str_equal (type, "input_text") ||
            g_str_equal (type, "text") || g_str_equal (type, "output_text")))
      return text;
    text = json_object_get_string_member_with_default (part, "transcript",
        NULL);
    if (text)
      return text;
  }
  return NULL;
}

static void
on_item (GstOpenaiRealtime * self, const SandraRealtimeServerEvent * ev)
{
  if (ev->item_id && ev->call_id &&
      g_strcmp0 (ev->item_type, "function_call_output") == 0) {
    /* A function-result of ours, as the conversation holds it: kept for
     * the replay with the call it answers. */
    JsonObject *item = sandra_json_get_object (ev->object, "item");

    g_mutex_lock (&self->lock);
    sandra_realtime_history_add_function_output (self->history, ev->item_id,
        ev->call_id, sandra_json_get_string (item, "output"));
    g_mutex_unlock (&self->lock);
    return;
  }
  if (ev->item_id == NULL || g_strcmp0 (ev->item_type, "message") != 0)
    return;
  g_mutex_lock (&self->lock);
  if (g_strcmp0 (ev->item_role, "user") == 0)
    sandra_realtime_history_add (self->history, ev->item_id,
        SANDRA_REALTIME_ROLE_USER, item_text (ev));
  else if (g_strcmp0 (ev->item_role, "assistant") == 0)
    sandra_realtime_history_add (self->history, ev->item_id,
        SANDRA_REALTIME_ROLE_ASSISTANT, NULL);
  g_mutex_unlock (&self->lock);
}

static void
note_first_delta (GstOpenaiRealtime * self, const gchar * response_id)
{
  if (self->t_first_delta != 0 || response_id == NULL)
    return;
  self->t_first_delta = g_get_monotonic_time ();
  g_free (self->timing_response_id);
  self->timing_response_id = g_strdup (response_id);
}

static void
on_audio_delta (GstOpenaiRealtime * self, SandraRealtimeServerEvent * ev)
{
  OutItem *item;
  gsize size;

  if (ev->audio == NULL || g_bytes_get_size (ev->audio) == 0)
    return;
  size = g_bytes_get_size (ev->audio);
  g_mutex_lock (&self->lock);
  if (!sandra_realtime_playout_delta (self->playout, ev->response_id,
          ev->item_id, size)) {
    g_mutex_unlock (&self->lock);
    GST_LOG_OBJECT (self, "dropping a late delta of cancelled response %s",
        ev->response_id);
    return;
  }
  note_first_delta (self, ev->response_id);
  item = g_new0 (OutItem, 1);
  item->format = self->response_format;
  g_mutex_unlock (&self->lock);

  item->kind = OUT_AUDIO;
  item->buffer = gst_buffer_new_wrapped_bytes (ev->audio);
  item->item_id = g_strdup (ev->item_id);
  item->response_id = g_strdup (ev->response_id);
  sandra_ordered_queue_push (self->audio.queue, item);
}

static void
on_text_delta (GstOpenaiRealtime * self, SandraRealtimeServerEvent * ev)
{
  gchar **sentences;
  OutItem *item;
  guint i;

  if (ev->delta == NULL || *ev->delta == '\0')
    return;
  g_mutex_lock (&self->lock);
  if (sandra_realtime_playout_is_cancelled (self->playout, ev->response_id)) {
    g_mutex_unlock (&self->lock);
    return;
  }
  sandra_realtime_history_append_text (self->history, ev->item_id, ev->delta);
  if (ev->type == SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DELTA)
    note_first_delta (self, ev->response_id);
  sentences = sandra_sentence_splitter_push (self->splitter, ev->delta);
  g_mutex_unlock (&self->lock);

  post_transcript (self, "openairealtime-assistant-transcript", ev,
      ev->delta, FALSE);
  item = g_new0 (OutItem, 1);
  item->kind = OUT_TEXT;
  item->buffer = gst_buffer_new_memdup (ev->delta, strlen (ev->delta));
  item->item_id = g_strdup (ev->item_id);
  item->response_id = g_strdup (ev->response_id);
  queue_text_item (self, item);
  for (i = 0; sentences && sentences[i]; i++)
    queue_text_event (self, sandra_end_of_sentence_event_new (sentences[i],
            GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE));
  g_strfreev (sentences);
}

static void
on_text_done (GstOpenaiRealtime * self, SandraRealtimeServerEvent * ev)
{
  gchar *rest;
  gboolean cancelled;

  g_mutex_lock (&self->lock);
  cancelled = sandra_realtime_playout_is_cancelled (self->playout,
      ev->response_id);
  if (ev->text)
    sandra_realtime_history_set_text (self->history, ev->item_id, ev->text);
  rest = sandra_sentence_splitter_finish (self->splitter);
  g_mutex_unlock (&self->lock);

  if (!cancelled) {
    if (rest)
      queue_text_event (self, sandra_end_of_sentence_event_new (rest,
              GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE));
    post_transcript (self, "openairealtime-assistant-transcript", ev,
        ev->text, TRUE);
  }
  g_free (rest);
}

static void
on_function_call (GstOpenaiRealtime * self, SandraRealtimeServerEvent * ev)
{
  GstStructure *s;

  if (ev->call_id == NULL || ev->name == NULL)
    return;
  /* The call is complete: kept for a replay, so that a new session knows
   * what the model asked for (and, with its output, what came back). */
  g_mutex_lock (&self->lock);
  sandra_realtime_history_add_function_call (self->history, ev->item_id,
      ev->call_id, ev->name, ev->arguments);
  g_mutex_unlock (&self->lock);
  s = gst_structure_new ("openairealtime-function-call",
      "name", G_TYPE_STRING, ev->name,
      "call-id", G_TYPE_STRING, ev->call_id,
      "arguments", G_TYPE_STRING, ev->arguments ? ev->arguments : "{}", NULL);
  post (self, s);
  /* Emitted from the worker thread: handlers may answer at once with
   * function-result, or later from any thread. */
  g_signal_emit (self, signals[SIGNAL_FUNCTION_CALL], 0, ev->name,
      ev->call_id, ev->arguments ? ev->arguments : "{}");
}

static const gchar *
response_status_nick (SandraRealtimeResponseStatus status)
{
  switch (status) {
    case SANDRA_REALTIME_RESPONSE_STATUS_IN_PROGRESS:
      return "in_progress";
    case SANDRA_REALTIME_RESPONSE_STATUS_COMPLETED:
      return "completed";
    case SANDRA_REALTIME_RESPONSE_STATUS_CANCELLED:
      return "cancelled";
    case SANDRA_REALTIME_RESPONSE_STATUS_FAILED:
      return "failed";
    case SANDRA_REALTIME_RESPONSE_STATUS_INCOMPLETE:
      return "incomplete";
    case SANDRA_REALTIME_RESPONSE_STATUS_OTHER:
      return "other";
    default:
      return "unknown";
  }
}

static void
on_response_done (GstOpenaiRealtime * self, SandraRealtimeServerEvent * ev)
{
  GstStructure *s;
  gboolean eos = FALSE;

  s = gst_structure_new ("openairealtime-response-done",
      "response-id", G_TYPE_STRING, ev->response_id ? ev->response_id : "",
      "status", G_TYPE_STRING, response_status_nick (ev->status), NULL);
  if (ev->status_reason)
    gst_structure_set (s, "reason", G_TYPE_STRING, ev->status_reason, NULL);
  if (ev->has_usage) {
    gst_structure_set (s,
        "input-tokens", G_TYPE_INT64, ev->usage.input_tokens,
        "output-tokens", G_TYPE_INT64, ev->usage.output_tokens,
        "total-tokens", G_TYPE_INT64, ev->usage.total_tokens,
        "input-audio-tokens", G_TYPE_INT64, ev->usage.input_audio_tokens,
        "output-audio-tokens", G_TYPE_INT64, ev->usage.output_audio_tokens,
        NULL);
  }

  g_mutex_lock (&self->lock);
  if (ev->status == SANDRA_REALTIME_RESPONSE_STATUS_CANCELLED)
    sandra_realtime_playout_cancel_response (self->playout, ev->response_id);
  if (g_strcmp0 (ev->response_id, self->active_response_id) == 0 ||
      ev->response_id == NULL)
    g_clear_pointer (&self->active_response_id, g_free);
  if (self->active_response_id == NULL) {
    if (self->pending_response_create) {
      self->pending_response_create = FALSE;
      send_response_create (self);
    } else if (self->eos_pending && !self->response_requested) {
      eos = take_pending_eos (self);
    }
    maybe_recycle (self);
  }
  g_mutex_unlock (&self->lock);

  /* Posted once the response is over here too: an application reacting
   * to it (cancel-response, a flush) finds no response running. */
  post (self, s);
  if (eos)
    queue_eos (self);
}

static void
on_rate_limits (GstOpenaiRealtime * self, SandraRealtimeServerEvent * ev)
{
  GstStructure *s = gst_structure_new_empty ("openairealtime-rate-limits");
  guint i;

  for (i = 0; ev->rate_limits && i < ev->rate_limits->len; i++) {
    SandraRealtimeRateLimit *rl = &g_array_index (ev->rate_limits,
        SandraRealtimeRateLimit, i);
    gchar *base;

    if (rl->name == NULL || *rl->name == '\0' || !g_ascii_isalpha (rl->name[0]))
      continue;
    base = g_strdelimit (g_strdup (rl->name), "_ ", '-');
    {
      gchar *k1 = g_strconcat (base, "-limit", NULL);
      gchar *k2 = g_strconcat (base, "-remaining", NULL);
      gchar *k3 = g_strconcat (base, "-reset-seconds", NULL);

      gst_structure_set (s, k1, G_TYPE_INT64, rl->limit, k2, G_TYPE_INT64,
          rl->remaining, k3, G_TYPE_DOUBLE, rl->reset_seconds, NULL);
      g_free (k1);
      g_free (k2);
      g_free (k3);
    }
    g_free (base);
  }
  post (self, s);
}

static void
on_error (GstOpenaiRealtime * self, SandraRealtimeServerEvent * ev)
{
  GstStructure *s;
  gchar *message = NULL, *param = NULL;

  if (ev->error_event_id) {
    gboolean eos = FALSE;

    g_mutex_lock (&self->lock);
    if (self->response_requested &&
        g_strcmp0 (ev->error_event_id, self->response_create_id) == 0) {
      /* The response asked for will not come (for the benign
       * conversation_already_has_active_response, the active one's
       * response.created has come already). */
      self->response_requested = FALSE;
      if (self->active_response_id == NULL && !self->pending_response_create)
        eos = take_pending_eos (self);
    }
    g_mutex_unlock (&self->lock);
    if (eos)
      queue_eos (self);
  }
  if (sandra_realtime_server_event_is_benign_error (ev)) {
    GST_DEBUG_OBJECT (self, "benign error %s", ev->error_code);
    return;
  }
  /* The service quotes what it was given (a mistyped key, a parameter):
   * the secrets never leave the element. */
  g_mutex_lock (&self->lock);
  if (self->link) {
    message = openai_realtime_link_redact (self->link, ev->error_message);
    param = openai_realtime_link_redact (self->link, ev->error_param);
  }
  g_mutex_unlock (&self->lock);
  if (message == NULL && ev->error_message)
    message = g_strdup ("(message withheld)");
  if (param == NULL && ev->error_param)
    param = g_strdup ("(withheld)");

  s = gst_structure_new ("openairealtime-error",
      "type", G_TYPE_STRING, ev->error_type ? ev->error_type : "",
      "code", G_TYPE_STRING, ev->error_code ? ev->error_code : "",
      "message", G_TYPE_STRING, message ? message : "", NULL);
  if (ev->error_event_id)
    gst_structure_set (s, "event-id", G_TYPE_STRING, ev->error_event_id, NULL);
  if (param)
    gst_structure_set (s, "param", G_TYPE_STRING, param, NULL);
  post (self, s);

  if (g_strcmp0 (ev->error_code, "session_expired") == 0) {
    GST_INFO_OBJECT (self, "session expired, starting a new one");
    g_mutex_lock (&self->lock);
    if (self->link)
      openai_realtime_link_recycle (self->link, "session expired");
    g_mutex_unlock (&self->lock);
  } else {
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("OpenAI Realtime reported an error: %s",
            message ? message : "(no message)"),
        ("type %s, code %s, event %s", GST_STR_NULL (ev->error_type),
            GST_STR_NULL (ev->error_code), GST_STR_NULL (ev->error_event_id)));
  }
  g_free (message);
  g_free (param);
}

static void
link_message (const gchar * text, gsize len, gpointer user_data)
{
  GstOpenaiRealtime *self = user_data;
  g_autoptr (SandraRealtimeServerEvent) ev = NULL;
  GError *err = NULL;

  ev = sandra_realtime_server_event_parse (text, len, &err);
  if (ev == NULL) {
    /* The service adds and changes things; one bad frame is not worth
     * stopping a conversation for. */
    GST_WARNING_OBJECT (self, "ignoring a malformed server event: %s",
        err->message);
    g_clear_error (&err);
    return;
  }
  GST_LOG_OBJECT (self, "server event %s", ev->type_name);
  self->last_server_us = g_get_monotonic_time ();

  switch (ev->type) {
    case SANDRA_REALTIME_SERVER_EVENT_ERROR:
      on_error (self, ev);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_SESSION_CREATED:
      GST_INFO_OBJECT (self, "session %s created", GST_STR_NULL
          (ev->session_id));
      break;
    case SANDRA_REALTIME_SERVER_EVENT_SESSION_UPDATED:{
      gboolean announce;
      SandraRealtimeAudioFormat format;
      guint max_ms;

      g_mutex_lock (&self->lock);
      max_ms = self->session_max_ms;
      if (sandra_realtime_session_parse_output_format (sandra_json_get_object
              (ev->object, "session"), &format))
        self->service_format = format;
      announce = !self->session_announced;
      self->session_announced = TRUE;
      g_mutex_unlock (&self->lock);
      if (announce)
        post (self, gst_structure_new ("openairealtime-session-ready",
                "session-id", G_TYPE_STRING, ev->session_id ?
                ev->session_id : "", "model", G_TYPE_STRING,
                ev->model ? ev->model : "", "reconnects", G_TYPE_UINT,
                self->reconnects, "max-session-ms", G_TYPE_UINT, max_ms, NULL));
      break;
    }
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STARTED:
      g_mutex_lock (&self->lock);
      self->user_speaking = TRUE;
      g_mutex_unlock (&self->lock);
      post (self, gst_structure_new ("openairealtime-speech-started",
              "audio-start-ms", G_TYPE_INT64, ev->audio_start_ms,
              "item-id", G_TYPE_STRING, ev->item_id ? ev->item_id : "", NULL));
      barge_in (self, INTERRUPT_SERVER_VAD);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STOPPED:
      g_mutex_lock (&self->lock);
      self->user_speaking = FALSE;
      self->t_turn_end = g_get_monotonic_time ();
      self->t_first_delta = 0;
      if (ev->audio_end_ms >= 0)
        self->pending_commit_abs = self->session_start_abs +
            gst_util_uint64_scale (ev->audio_end_ms, self->bytes_per_second,
            1000) / MAX (self->bpf, 1) * MAX (self->bpf, 1);
      g_mutex_unlock (&self->lock);
      post (self, gst_structure_new ("openairealtime-speech-stopped",
              "audio-end-ms", G_TYPE_INT64, ev->audio_end_ms,
              "item-id", G_TYPE_STRING, ev->item_id ? ev->item_id : "", NULL));
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_COMMITTED:
      g_mutex_lock (&self->lock);
      if (self->pending_commit_abs != G_MAXUINT64)
        sandra_realtime_capture_commit (self->capture,
            self->pending_commit_abs);
      self->pending_commit_abs = G_MAXUINT64;
      if (ev->item_id)
        sandra_realtime_history_add (self->history, ev->item_id,
            SANDRA_REALTIME_ROLE_USER, NULL);
      g_mutex_unlock (&self->lock);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_ADDED:
    case SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_CREATED:
    case SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_DONE:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_ITEM_ADDED:
      on_item (self, ev);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_DELETED:
      g_mutex_lock (&self->lock);
      sandra_realtime_history_remove (self->history, ev->item_id);
      g_mutex_unlock (&self->lock);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_DELTA:
      post_transcript (self, "openairealtime-user-transcript", ev, ev->delta,
          FALSE);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_COMPLETED:
      g_mutex_lock (&self->lock);
      sandra_realtime_history_set_text (self->history, ev->item_id, ev->text);
      g_mutex_unlock (&self->lock);
      post_transcript (self, "openairealtime-user-transcript", ev, ev->text,
          TRUE);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_FAILED:{
      gchar *message = NULL;

      g_mutex_lock (&self->lock);
      if (self->link)
        message = openai_realtime_link_redact (self->link, ev->error_message);
      g_mutex_unlock (&self->lock);
      GST_WARNING_OBJECT (self, "input transcription failed: %s",
          GST_STR_NULL (message));
      g_free (message);
      break;
    }
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CREATED:
      g_mutex_lock (&self->lock);
      g_free (self->active_response_id);
      self->active_response_id = g_strdup (ev->response_id);
      self->response_requested = FALSE;
      self->response_format = self->service_format;
      sandra_realtime_playout_set_bytes_per_second (self->playout,
          format_bytes_per_second (self->response_format));
      sandra_sentence_splitter_reset (self->splitter);
      g_mutex_unlock (&self->lock);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DELTA:
      on_audio_delta (self, ev);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DONE:
      g_mutex_lock (&self->lock);
      sandra_realtime_playout_audio_done (self->playout, ev->item_id);
      g_mutex_unlock (&self->lock);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DELTA:
      on_text_delta (self, ev);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DONE:
      on_text_done (self, ev);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE:
      on_function_call (self, ev);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_DONE:
      on_response_done (self, ev);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RATE_LIMITS_UPDATED:
      on_rate_limits (self, ev);
      break;
    default:
      break;
  }
}

static const OpenaiRealtimeLinkCallbacks link_callbacks = {
  link_opened, link_message, link_reconnecting, link_failed
};

/* ---------------------------------------------------------------------- */
/* Source pad tasks */

/* Sticky events before @item (NULL: before an event). */
static void
out_prepare (GstOpenaiRealtime * self, OutPad * out, const OutItem * item)
{
  if (out->need_stream_start) {
    /* The replies are a stream of our own, not derived from the input
     * (and with two sink pads there is no single upstream id to derive
     * from): a random id, as sources make. */
    gchar *id = g_strdup_printf ("%08x%08x/%s", g_random_int (),
        g_random_int (), out == &self->audio ? "audio" : "text");

    gst_pad_push_event (out->pad, gst_event_new_stream_start (id));
    g_free (id);
    out->need_stream_start = FALSE;
  }
  if (out == &self->audio) {
    SandraRealtimeAudioFormat format;

    /* Audio goes out with the caps it was produced in: queued audio of a
     * reply keeps its format when the input caps change meanwhile. Before
     * an event (EOS with no audio yet), the format replies will have. */
    if (item && item->kind == OUT_AUDIO) {
      format = item->format;
    } else if (out->caps_sent) {
      format = out->format_sent;
    } else {
      g_mutex_lock (&self->lock);
      format = self->format;
      g_mutex_unlock (&self->lock);
    }
    if (out->caps_sent == NULL || format != out->format_sent) {
      GstCaps *caps = format_caps (format);

      gst_pad_push_event (out->pad, gst_event_new_caps (caps));
      gst_caps_replace (&out->caps_sent, caps);
      gst_caps_unref (caps);
      out->format_sent = format;
    }
  } else if (out->caps_sent == NULL) {
    out->caps_sent = gst_pad_get_pad_template_caps (out->pad);
    gst_pad_push_event (out->pad, gst_event_new_caps (out->caps_sent));
  }
  if (out->need_segment) {
    GstSegment segment;

    /* Buffers are stamped with running time directly. */
    gst_segment_init (&segment, GST_FORMAT_TIME);
    gst_pad_push_event (out->pad, gst_event_new_segment (&segment));
    out->need_segment = FALSE;
  }
}

static GstFlowReturn
push_audio (GstOpenaiRealtime * self, OutPad * out, OutItem * item)
{
  GstClockTime now = running_time_now (self), pts, duration, latency;
  gsize size = gst_buffer_get_size (item->buffer);
  GstBuffer *buf = item->buffer;
  gboolean discont = FALSE;
  gint64 t_push = 0, t_end = 0, t_delta = 0;
  gchar *timing_id = NULL;
  GstFlowReturn ret;

  item->buffer = NULL;
  g_mutex_lock (&self->lock);
  if (sandra_realtime_playout_is_cancelled (self->playout, item->response_id)) {
    g_mutex_unlock (&self->lock);
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  duration = gst_util_uint64_scale (size, GST_SECOND,
      format_bytes_per_second (item->format));
  latency = self->downstream_latency;
  g_mutex_unlock (&self->lock);

  /* Live-source stamping: continue the previous buffer as long as the
   * sinks can still play it on time (they render at running time plus the
   * pipeline latency, and block our push until then, so "now" is usually
   * past the previous buffer's start); after a real pause (a new response,
   * an underrun) start again at the clock's running time now. */
  if (!GST_CLOCK_TIME_IS_VALID (out->next_pts) ||
      (GST_CLOCK_TIME_IS_VALID (now) && out->next_pts + latency < now)) {
    pts = GST_CLOCK_TIME_IS_VALID (now) ? now :
        (GST_CLOCK_TIME_IS_VALID (out->next_pts) ? out->next_pts : 0);
    discont = TRUE;
  } else {
    pts = out->next_pts;
  }
  out->next_pts = pts + duration;
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = duration;
  if (discont)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);

  g_mutex_lock (&self->lock);
  sandra_realtime_playout_pushed (self->playout, item->item_id, pts, duration,
      size);
  if (self->t_first_delta != 0 && self->timing_response_id &&
      g_strcmp0 (self->timing_response_id, item->response_id) == 0) {
    t_push = g_get_monotonic_time ();
    t_end = self->t_turn_end;
    t_delta = self->t_first_delta;
    timing_id = g_steal_pointer (&self->timing_response_id);
  }
  g_mutex_unlock (&self->lock);

  if (timing_id) {
    post (self, gst_structure_new ("openairealtime-turn-timing",
            "response-id", G_TYPE_STRING, timing_id,
            "speech-to-first-delta-ms", G_TYPE_DOUBLE,
            t_end ? elapsed_ms (t_end, t_delta) : -1.0,
            "first-delta-to-push-ms", G_TYPE_DOUBLE,
            elapsed_ms (t_delta, t_push), NULL));
    g_free (timing_id);
  }

  GST_LOG_OBJECT (self, "pushing %" G_GSIZE_FORMAT " bytes at %"
      GST_TIME_FORMAT, size, GST_TIME_ARGS (pts));
  ret = gst_pad_push (out->pad, buf);
  return ret;
}

/* self->lock held. */
static gboolean
output_is_text (GstOpenaiRealtime * self)
{
  gboolean text;

  GST_OBJECT_LOCK (self);
  text = self->cfg.output_modality == SANDRA_REALTIME_MODALITY_TEXT;
  GST_OBJECT_UNLOCK (self);
  return text;
}

static GstFlowReturn
push_text (GstOpenaiRealtime * self, OutPad * out, OutItem * item)
{
  GstClockTime now = running_time_now (self);
  GstBuffer *buf = item->buffer;
  gint64 t_delta = 0, t_end = 0, t_push;
  gchar *timing_id = NULL;

  item->buffer = NULL;
  /* A transcript was stamped by the audio task with the time its audio
   * plays; a text reply describes nothing but itself: the running time
   * at which it leaves. Never before the previous one. */
  if (GST_BUFFER_PTS_IS_VALID (buf))
    now = GST_BUFFER_PTS (buf);
  if (GST_CLOCK_TIME_IS_VALID (now)) {
    if (GST_CLOCK_TIME_IS_VALID (out->next_pts) && now < out->next_pts)
      now = out->next_pts;
    GST_BUFFER_PTS (buf) = now;
    out->next_pts = now;
  }

  g_mutex_lock (&self->lock);
  if (self->t_first_delta != 0 && self->timing_response_id &&
      g_strcmp0 (self->timing_response_id, item->response_id) == 0 &&
      output_is_text (self)) {
    t_end = self->t_turn_end;
    t_delta = self->t_first_delta;
    timing_id = g_steal_pointer (&self->timing_response_id);
  }
  g_mutex_unlock (&self->lock);
  if (timing_id) {
    t_push = g_get_monotonic_time ();
    post (self, gst_structure_new ("openairealtime-turn-timing",
            "response-id", G_TYPE_STRING, timing_id,
            "speech-to-first-delta-ms", G_TYPE_DOUBLE,
            t_end ? elapsed_ms (t_end, t_delta) : -1.0,
            "first-delta-to-push-ms", G_TYPE_DOUBLE,
            elapsed_ms (t_delta, t_push), NULL));
    g_free (timing_id);
  }
  return gst_pad_push (out->pad, buf);
}

/* Audio task: a text_src item queued behind the audio received before it.
 * A transcript delta is stamped with the running time at which the next
 * audio will play (where this task stamps its next buffer), then handed
 * to text_src. */
static void
forward_text (GstOpenaiRealtime * self, OutPad * out, OutItem * item)
{
  gboolean cancelled;
  GstClockTime latency;

  g_mutex_lock (&self->lock);
  cancelled = item->response_id &&
      sandra_realtime_playout_is_cancelled (self->playout, item->response_id);
  latency = self->downstream_latency;
  g_mutex_unlock (&self->lock);
  if (cancelled) {
    out_item_free (item);
    return;
  }
  if (item->kind == OUT_TEXT) {
    GstClockTime now = running_time_now (self), pts = now;

    /* The same rule as push_audio(): continue the audio timeline while
     * the sinks can still play it on time. */
    if (GST_CLOCK_TIME_IS_VALID (out->next_pts) &&
        (!GST_CLOCK_TIME_IS_VALID (now) || out->next_pts + latency >= now))
      pts = out->next_pts;
    GST_BUFFER_PTS (item->buffer) = pts;
  }
  item->via_audio = FALSE;
  sandra_ordered_queue_push (self->text.queue, item);
}

static void
out_loop (OutPad * out)
{
  GstOpenaiRealtime *self = out->self;
  gpointer payload = NULL;
  OutItem *item;
  GstFlowReturn ret = GST_FLOW_OK;

  if (!sandra_ordered_queue_pop (out->queue, &payload)) {
    GST_DEBUG_OBJECT (out->pad, "flushing, pausing task");
    gst_pad_pause_task (out->pad);
    return;
  }
  item = payload;
  if (item == NULL)
    return;

  if (item->via_audio) {
    forward_text (self, out, item);
    return;
  }
  if (item->kind == OUT_EVENT) {
    GstEventType type = GST_EVENT_TYPE (item->event);

    if (type == GST_EVENT_EOS || GST_EVENT_IS_SERIALIZED (item->event))
      out_prepare (self, out, NULL);
    gst_pad_push_event (out->pad, item->event);
    item->event = NULL;
    if (type == GST_EVENT_EOS) {
      GST_DEBUG_OBJECT (out->pad, "EOS pushed, pausing task");
      gst_pad_pause_task (out->pad);
    }
  } else {
    out_prepare (self, out, item);
    if (item->kind == OUT_AUDIO)
      ret = push_audio (self, out, item);
    else
      ret = push_text (self, out, item);
  }
  out_item_free (item);

  if (ret != GST_FLOW_OK && ret != GST_FLOW_NOT_LINKED &&
      ret != GST_FLOW_FLUSHING) {
    if (ret != GST_FLOW_EOS)
      GST_ELEMENT_FLOW_ERROR (self, ret);
    GST_DEBUG_OBJECT (out->pad, "pausing task: %s", gst_flow_get_name (ret));
    gst_pad_pause_task (out->pad);
  }
}

static gboolean
out_activate_mode (GstPad * pad, GstObject * parent, GstPadMode mode,
    gboolean active)
{
  GstOpenaiRealtime *self = GST_OPENAI_REALTIME (parent);
  OutPad *out = pad == self->audio.pad ? &self->audio : &self->text;
  gboolean ret;

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  g_mutex_lock (&self->flush_lock);
  self->upstream_flushing = FALSE;
  if (active) {
    out->need_stream_start = TRUE;
    out->need_segment = TRUE;
    out->next_pts = GST_CLOCK_TIME_NONE;
    gst_caps_replace (&out->caps_sent, NULL);
    sandra_ordered_queue_set_flushing (out->queue, FALSE);
    out->active = TRUE;
    ret = gst_pad_start_task (pad, (GstTaskFunction) out_loop, out, NULL);
  } else {
    out->active = FALSE;
    sandra_ordered_queue_set_flushing (out->queue, TRUE);
    ret = gst_pad_stop_task (pad);
  }
  g_mutex_unlock (&self->flush_lock);
  return ret;
}

static gboolean
out_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstOpenaiRealtime *self = GST_OPENAI_REALTIME (parent);

  switch (GST_QUERY_TYPE (query)) {
    case GST_QUERY_LATENCY:{
      GstClockTime min;

      /* A live source: buffers are stamped with the running time at which
       * they leave, so a sink needs this much headroom to play them on
       * time. Upstream latency does not apply: replies are not a
       * transformation of the input timeline. */
      GST_OBJECT_LOCK (self);
      min = self->latency_ms * GST_MSECOND;
      GST_OBJECT_UNLOCK (self);
      gst_query_set_latency (query, TRUE, min, GST_CLOCK_TIME_NONE);
      return TRUE;
    }
    case GST_QUERY_CAPS:{
      GstCaps *caps, *filter;

      gst_query_parse_caps (query, &filter);
      if (pad == self->audio.pad) {
        g_mutex_lock (&self->lock);
        caps = gst_caps_ref (self->out_caps);
        g_mutex_unlock (&self->lock);
      } else {
        caps = gst_pad_get_pad_template_caps (pad);
      }
      if (filter) {
        GstCaps *tmp = gst_caps_intersect_full (filter, caps,
            GST_CAPS_INTERSECT_FIRST);
        gst_caps_unref (caps);
        caps = tmp;
      }
      gst_query_set_caps_result (query, caps);
      gst_caps_unref (caps);
      return TRUE;
    }
    default:
      return gst_pad_query_default (pad, parent, query);
  }
}

static gboolean
out_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstOpenaiRealtime *self = GST_OPENAI_REALTIME (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY && pad == self->text.pad) {
    gst_event_unref (event);
    return TRUE;                /* text timing is not measured against it */
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY) {
    GstClockTime latency;

    /* The sinks render at running time + this: barge-in subtracts it from
     * what was pushed to know what was heard. */
    gst_event_parse_latency (event, &latency);
    g_mutex_lock (&self->lock);
    self->downstream_latency = latency;
    g_mutex_unlock (&self->lock);
    GST_DEBUG_OBJECT (self, "pipeline latency %" GST_TIME_FORMAT,
        GST_TIME_ARGS (latency));
    gst_event_unref (event);
    return TRUE;
  }
  /* Nothing upstream of a live source can act on the rest. */
  gst_event_unref (event);
  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* Audio sink pad (streaming thread) */

static gboolean
setup_for_caps (GstOpenaiRealtime * self, GstCaps * caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  SandraRealtimeAudioFormat format;
  GstCaps *out_caps;

  if (gst_structure_has_name (s, "audio/x-mulaw"))
    format = SANDRA_REALTIME_AUDIO_FORMAT_PCMU;
  else if (gst_structure_has_name (s, "audio/x-alaw"))
    format = SANDRA_REALTIME_AUDIO_FORMAT_PCMA;
  else
    format = SANDRA_REALTIME_AUDIO_FORMAT_PCM16;

  out_caps = format_caps (format);
  g_mutex_lock (&self->lock);
  if (self->have_caps && format != self->format) {
    /* The audio captured in the old format goes out before the session
     * switches to the new one (apply_config() below); it cannot be sent
     * again to a session that takes the new format, after a reconnection,
     * so it is forgotten then. Without a session it is lost. */
    send_captured (self, TRUE);
    drop_capture (self);
  }
  self->format = format;
  self->bytes_per_second = format_bytes_per_second (format);
  self->bpf = format == SANDRA_REALTIME_AUDIO_FORMAT_PCM16 ? 2 : 1;
  gst_caps_replace (&self->out_caps, out_caps);
  GST_OBJECT_LOCK (self);
  sandra_realtime_capture_set_max_bytes (self->capture,
      (gsize) self->bytes_per_second * self->capture_buffer_ms / 1000);
  self->cfg.input_format = format;
  self->cfg.output_format = format;
  GST_OBJECT_UNLOCK (self);
  self->have_caps = TRUE;
  g_mutex_unlock (&self->lock);
  gst_caps_unref (out_caps);

  GST_INFO_OBJECT (self, "input %" GST_PTR_FORMAT, caps);
  apply_config (self);
  return TRUE;
}

/* Worker thread: a pending EOS has waited eos-timeout-ms. It goes out
 * once the service has been silent that long; while the reply is still
 * streaming the wait goes on. */
static gboolean
eos_timeout (gpointer data)
{
  GstOpenaiRealtime *self = data;
  gboolean eos = FALSE;
  gint64 idle_ms;
  guint timeout_ms;

  GST_OBJECT_LOCK (self);
  timeout_ms = self->eos_timeout_ms;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->eos_source, g_source_unref);
  idle_ms = (g_get_monotonic_time () - self->last_server_us) / 1000;
  if (!self->eos_pending) {
    /* released meanwhile */
  } else if (idle_ms >= timeout_ms || self->worker == NULL) {
    GST_WARNING_OBJECT (self, "no answer from the service for %"
        G_GINT64_FORMAT " ms: EOS without the rest of the reply", idle_ms);
    eos = take_pending_eos (self);
    g_clear_pointer (&self->active_response_id, g_free);
    self->response_requested = FALSE;
  } else {
    self->eos_source = sandra_worker_timeout_add (self->worker,
        timeout_ms - idle_ms, eos_timeout, self, NULL);
  }
  g_mutex_unlock (&self->lock);
  if (eos)
    queue_eos (self);
  return G_SOURCE_REMOVE;
}

static void
start_eos (GstOpenaiRealtime * self)
{
  gboolean now;
  SandraRealtimeTurnDetection td;
  guint timeout_ms;

  GST_OBJECT_LOCK (self);
  td = self->cfg.turn_detection;
  timeout_ms = self->eos_timeout_ms;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->lock);
  send_captured (self, TRUE);
  /* Without turn detection the last words still deserve an answer. */
  if (td == SANDRA_REALTIME_TURN_DETECTION_NONE &&
      sandra_realtime_capture_size (self->capture) > 0 && self->ready)
    commit_turn (self);
  now = self->active_response_id == NULL && !self->response_requested;
  self->eos_pending = !now;
  self->eos_queued = now;
  /* A service that never finishes the reply must not hold EOS forever. */
  if (!now && timeout_ms > 0 && self->worker && self->eos_source == NULL)
    self->eos_source = sandra_worker_timeout_add (self->worker, timeout_ms,
        eos_timeout, self, NULL);
  g_mutex_unlock (&self->lock);

  if (now)
    queue_eos (self);
}

static gboolean
sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstOpenaiRealtime *self = GST_OPENAI_REALTIME (parent);
  SandraVadInfo vad;

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps;
      gboolean ok;

      gst_event_parse_caps (event, &caps);
      ok = setup_for_caps (self, caps);
      gst_event_unref (event);
      return ok;
    }
    case GST_EVENT_EOS:
      start_eos (self);
      gst_event_unref (event);
      return TRUE;
    case GST_EVENT_FLUSH_START:
      /* The user no longer hears the reply: the service must know how
       * much was heard (measured before the flush stops the sinks), and
       * stop generating the rest, whose late deltas are dropped. */
      barge_in (self, INTERRUPT_FLUSH);
      /* Input is being discarded (a seek upstream): so is everything
       * derived from it that has not left yet. Under flush_lock, so that
       * a barge-in's own flush cannot restart the output in the middle. */
      g_mutex_lock (&self->flush_lock);
      self->upstream_flushing = TRUE;
      sandra_ordered_queue_set_flushing (self->audio.queue, TRUE);
      sandra_ordered_queue_set_flushing (self->text.queue, TRUE);
      gst_pad_push_event (self->audio.pad, gst_event_ref (event));
      gst_pad_push_event (self->text.pad, event);
      if (self->audio.active)
        gst_pad_pause_task (self->audio.pad);
      if (self->text.active)
        gst_pad_pause_task (self->text.pad);
      g_mutex_unlock (&self->flush_lock);
      return TRUE;
    case GST_EVENT_FLUSH_STOP:{
      OutPad *outs[2] = { &self->audio, &self->text };
      guint i;

      g_mutex_lock (&self->lock);
      /* The audio before the flush is not the user's turn any more (a
       * seek, a restarted microphone): neither here nor in the service's
       * input buffer, where half an utterance would otherwise join
       * whatever comes next. The streaming thread is stopped, so every
       * append of the old audio is already on the socket before this. */
      if (self->ready) {
        gchar *id = next_event_id (self, "clear");

        send_or_queue (self, sandra_realtime_event_input_audio_clear (id));
        g_free (id);
      }
      drop_capture (self);
      self->pending_turn_commit = FALSE;
      self->user_speaking = FALSE;
      take_pending_eos (self);
      self->eos_queued = FALSE;
      maybe_recycle (self);
      g_mutex_unlock (&self->lock);
      g_mutex_lock (&self->flush_lock);
      self->upstream_flushing = FALSE;
      for (i = 0; i < 2; i++) {
        gst_pad_push_event (outs[i]->pad, gst_event_ref (event));
        if (!outs[i]->active)
          continue;
        outs[i]->need_segment = TRUE;
        outs[i]->next_pts = GST_CLOCK_TIME_NONE;
        sandra_ordered_queue_set_flushing (outs[i]->queue, FALSE);
        gst_pad_start_task (outs[i]->pad, (GstTaskFunction) out_loop,
            outs[i], NULL);
      }
      g_mutex_unlock (&self->flush_lock);
      gst_event_unref (event);
      return TRUE;
    }
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      if (sandra_vad_event_parse (event, &vad)) {
        SandraRealtimeTurnDetection td;

        GST_OBJECT_LOCK (self);
        td = self->cfg.turn_detection;
        GST_OBJECT_UNLOCK (self);
        /* With a server VAD the service decides turns; an upstream
         * detector only matters when turn detection is off. */
        if (td == SANDRA_REALTIME_TURN_DETECTION_NONE) {
          GST_DEBUG_OBJECT (self, "sandravad %s",
              vad.boundary == SANDRA_VAD_SPEECH_START ? "start" : "stop");
          if (vad.boundary == SANDRA_VAD_SPEECH_START) {
            g_mutex_lock (&self->lock);
            self->user_speaking = TRUE;
            g_mutex_unlock (&self->lock);
            barge_in (self, INTERRUPT_LOCAL);
          } else {
            g_mutex_lock (&self->lock);
            self->user_speaking = FALSE;
            commit_turn (self);
            g_mutex_unlock (&self->lock);
          }
        }
      }
      gst_event_unref (event);
      return TRUE;
    default:
      /* The output is a stream of its own (a live source): input
       * segments, tags and the like do not describe it. */
      if (GST_EVENT_IS_SERIALIZED (event)) {
        gst_event_unref (event);
        return TRUE;
      }
      return gst_pad_event_default (pad, parent, event);
  }
}

static GstFlowReturn
sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstOpenaiRealtime *self = GST_OPENAI_REALTIME (parent);
  GstMapInfo map;
  gsize dropped = 0;
  gboolean warn = FALSE;

  g_mutex_lock (&self->lock);
  if (self->failed) {
    g_mutex_unlock (&self->lock);
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }
  if (!self->have_caps) {
    g_mutex_unlock (&self->lock);
    gst_buffer_unref (buf);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    dropped = sandra_realtime_capture_push (self->capture, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    send_captured (self, FALSE);
  }
  if (dropped) {
    self->dropped_bytes += dropped;
    warn = !self->drop_warned;
    self->drop_warned = TRUE;
  }
  g_mutex_unlock (&self->lock);
  gst_buffer_unref (buf);

  if (warn) {
    guint ms;

    GST_OBJECT_LOCK (self);
    ms = self->capture_buffer_ms;
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("No Realtime session for more than %u ms: the oldest captured "
            "audio is being dropped", ms), (NULL));
  }
  return GST_FLOW_OK;
}

/* ---------------------------------------------------------------------- */
/* Text sink pad */

static void
send_user_text (GstOpenaiRealtime * self, const gchar * text)
{
  g_mutex_lock (&self->lock);
  send_or_queue (self, sandra_realtime_event_user_text (text, NULL, NULL));
  self->t_turn_end = g_get_monotonic_time ();
  self->t_first_delta = 0;
  send_response_create (self);
  g_mutex_unlock (&self->lock);
}

static GstFlowReturn
text_sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstOpenaiRealtime *self = GST_OPENAI_REALTIME (parent);
  GstMapInfo map;

  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    gchar *text = g_strndup ((const gchar *) map.data, map.size);

    gst_buffer_unmap (buf, &map);
    g_strstrip (text);
    if (*text && g_utf8_validate (text, -1, NULL))
      send_user_text (self, text);
    else if (*text)
      GST_WARNING_OBJECT (self, "ignoring text that is not UTF-8");
    g_free (text);
  }
  gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

static gboolean
text_sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  /* Typed input has no timeline of its own to pass on. */
  if (GST_EVENT_IS_SERIALIZED (event) || GST_EVENT_TYPE (event) ==
      GST_EVENT_FLUSH_START) {
    gst_event_unref (event);
    return TRUE;
  }
  return gst_pad_event_default (pad, parent, event);
}

/* ---------------------------------------------------------------------- */
/* Action signals (any thread) */

static gboolean
action_function_result (GstOpenaiRealtime * self, const gchar * call_id,
    const gchar * output)
{
  if (call_id == NULL || *call_id == '\0')
    return FALSE;
  g_mutex_lock (&self->lock);
  send_or_queue (self, sandra_realtime_event_function_call_output (call_id,
          output ? output : "", NULL, NULL));
  self->t_turn_end = g_get_monotonic_time ();
  self->t_first_delta = 0;
  send_response_create (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
action_send_text (GstOpenaiRealtime * self, const gchar * text)
{
  if (text == NULL || *text == '\0' || !g_utf8_validate (text, -1, NULL))
    return FALSE;
  send_user_text (self, text);
  return TRUE;
}

static void
action_commit (GstOpenaiRealtime * self)
{
  g_mutex_lock (&self->lock);
  commit_turn (self);
  g_mutex_unlock (&self->lock);
}

static void
action_create_response (GstOpenaiRealtime * self)
{
  g_mutex_lock (&self->lock);
  send_response_create (self);
  g_mutex_unlock (&self->lock);
}

static void
action_cancel_response (GstOpenaiRealtime * self)
{
  barge_in (self, INTERRUPT_LOCAL);
}

static gboolean
action_send_event (GstOpenaiRealtime * self, const gchar * json)
{
  JsonNode *node;
  JsonObject *obj;
  gboolean ok;

  if (json == NULL)
    return FALSE;
  node = json_from_string (json, NULL);
  ok = node && JSON_NODE_HOLDS_OBJECT (node) &&
      (obj = json_node_get_object (node)) &&
      json_object_has_member (obj, "type") &&
      json_object_get_string_member_with_default (obj, "type", NULL) != NULL;
  if (node)
    json_node_unref (node);
  if (!ok) {
    GST_WARNING_OBJECT (self, "send-event needs a JSON object with a type");
    return FALSE;
  }
  g_mutex_lock (&self->lock);
  send_or_queue (self, g_strdup (json));
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* State */

/* TRUE when @url is absolute, with a host, and of one of @schemes. */
static gboolean
url_is_usable (const gchar * url, const gchar * const *schemes)
{
  GUri *uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  gboolean ok;

  ok = uri && g_uri_get_host (uri) && *g_uri_get_host (uri) &&
      g_strv_contains (schemes, g_uri_get_scheme (uri));
  g_clear_pointer (&uri, g_uri_unref);
  return ok;
}

/* A URL the element cannot use fails READY->PAUSED with a message that
 * says what is wrong, instead of a connection that never opens. */
static gboolean
check_urls (GstOpenaiRealtime * self, const OpenaiRealtimeLinkConfig * lc)
{
  static const gchar *const base_schemes[] =
      { "http", "https", "ws", "wss", NULL };
  static const gchar *const token_schemes[] = { "http", "https", NULL };
  const gchar *what = NULL, *url = NULL;
  gchar *shown;

  if (!url_is_usable (lc->base_url, base_schemes)) {
    what = "base URL";
    url = lc->base_url;
  } else if (lc->token_url && *lc->token_url &&
      !url_is_usable (lc->token_url, token_schemes)) {
    what = "token URL";
    url = lc->token_url;
  }
  if (what == NULL)
    return TRUE;
  shown = sandra_credentials_redact_uri (url);
  GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
      ("Invalid %s \"%s\": expected an http:// or https:// URL such as "
          "https://api.openai.com/v1.", what, shown ? shown : url), (NULL));
  g_free (shown);
  return FALSE;
}

static gboolean
start (GstOpenaiRealtime * self)
{
  OpenaiRealtimeLinkConfig *lc = g_new0 (OpenaiRealtimeLinkConfig, 1);
  gchar *token_body;
  GError *err = NULL;

  GST_OBJECT_LOCK (self);
  lc->api = self->api;
  lc->base_url = sandra_credentials_resolve_base_url (self->base_url,
      SANDRA_OPENAI_BASE_URL_ENV, SANDRA_OPENAI_DEFAULT_BASE_URL);
  lc->model = g_strdup (self->cfg.model);
  lc->client_secret = g_strdup (self->client_secret);
  lc->token_url = g_strdup (self->token_url);
  lc->api_key = (lc->client_secret && *lc->client_secret) ||
      (lc->token_url && *lc->token_url) ? NULL :
      sandra_credentials_resolve_key (self->api_key, SANDRA_OPENAI_KEY_ENV);
  lc->max_reconnects = self->max_reconnects;
  lc->reconnect_initial_ms = self->reconnect_initial_ms;
  lc->reconnect_max_ms = self->reconnect_max_ms;
  lc->connect_timeout_ms = self->connect_timeout_ms;
  token_body = sandra_realtime_client_secret_build_request (&self->cfg,
      self->api, 0, &err);
  GST_OBJECT_UNLOCK (self);

  if (token_body == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Invalid session settings: %s", err->message), (NULL));
    g_clear_error (&err);
    openai_realtime_link_config_free (lc);
    return FALSE;
  }
  if (!check_urls (self, lc)) {
    openai_realtime_link_config_free (lc);
    g_free (token_body);
    return FALSE;
  }
  if (lc->api_key == NULL && !(lc->client_secret && *lc->client_secret) &&
      !(lc->token_url && *lc->token_url)) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("No OpenAI credentials: set api-key (or OPENAI_API_KEY), "
            "client-secret or token-url."), ("no key, secret or token URL"));
    openai_realtime_link_config_free (lc);
    g_free (token_body);
    return FALSE;
  }

  g_mutex_lock (&self->lock);
  self->session_api = lc->api;
  self->ready = FALSE;
  self->failed = FALSE;
  self->reconnects = 0;
  self->eos_pending = FALSE;
  self->eos_queued = FALSE;
  self->pending_response_create = FALSE;
  self->pending_turn_commit = FALSE;
  self->downstream_latency = 0;
  self->pending_commit_abs = G_MAXUINT64;
  sandra_realtime_capture_clear (self->capture);
  sandra_realtime_history_free (self->history);
  GST_OBJECT_LOCK (self);
  self->history = sandra_realtime_history_new (self->max_history_items);
  sandra_realtime_capture_set_max_bytes (self->capture,
      (gsize) self->bytes_per_second * self->capture_buffer_ms / 1000);
  GST_OBJECT_UNLOCK (self);
  sandra_realtime_playout_reset (self->playout);
  sandra_sentence_splitter_reset (self->splitter);
  self->worker = sandra_worker_new ("openairealtime");
  self->link = openai_realtime_link_new (self->worker, lc, &link_callbacks,
      self);
  openai_realtime_link_set_token_body (self->link, token_body);
  g_mutex_unlock (&self->lock);
  g_free (token_body);
  openai_realtime_link_start (self->link);
  return TRUE;
}

static void
stop (GstOpenaiRealtime * self)
{
  OpenaiRealtimeLink *link;
  SandraWorker *worker;

  g_mutex_lock (&self->lock);
  link = g_steal_pointer (&self->link);
  worker = g_steal_pointer (&self->worker);
  self->ready = FALSE;
  if (self->recycle_source) {
    g_source_destroy (self->recycle_source);
    g_clear_pointer (&self->recycle_source, g_source_unref);
  }
  take_pending_eos (self);
  g_mutex_unlock (&self->lock);

  /* Closes the socket and waits for callbacks; they check self->link. */
  openai_realtime_link_free (link);
  if (worker)
    sandra_worker_unref (worker);

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->active_response_id, g_free);
  g_clear_pointer (&self->timing_response_id, g_free);
  g_clear_pointer (&self->response_create_id, g_free);
  g_ptr_array_set_size (self->pending_events, 0);
  sandra_realtime_capture_clear (self->capture);
  sandra_realtime_session_config_clear (&self->sent);
  sandra_realtime_session_config_init (&self->sent,
      SANDRA_REALTIME_SESSION_CONVERSATION);
  self->have_caps = FALSE;
  g_mutex_unlock (&self->lock);
}

static GstStateChangeReturn
change_state (GstElement * element, GstStateChange transition)
{
  GstOpenaiRealtime *self = GST_OPENAI_REALTIME (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED && !start (self))
    return GST_STATE_CHANGE_FAILURE;

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE) {
    if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
      stop (self);
    return ret;
  }

  switch (transition) {
    case GST_STATE_CHANGE_READY_TO_PAUSED:
    case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
      /* A live source: replies come when they come, never as preroll. */
      ret = GST_STATE_CHANGE_NO_PREROLL;
      break;
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      stop (self);
      break;
    default:
      break;
  }
  return ret;
}

/* ---------------------------------------------------------------------- */
/* GObject */

static void
set_string (GstOpenaiRealtime * self, gchar ** field, const GValue * value)
{
  GST_OBJECT_LOCK (self);
  g_free (*field);
  *field = g_value_dup_string (value);
  if (*field && **field == '\0')
    g_clear_pointer (field, g_free);
  GST_OBJECT_UNLOCK (self);
}

static void
set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstOpenaiRealtime *self = GST_OPENAI_REALTIME (object);
  SandraRealtimeSessionConfig *cfg = &self->cfg;
  gboolean session_field = TRUE;

  switch (prop_id) {
    case PROP_API_KEY:
      GST_OBJECT_LOCK (self);
      if (self->api_key)
        memset (self->api_key, 0, strlen (self->api_key));
      GST_OBJECT_UNLOCK (self);
      set_string (self, &self->api_key, value);
      session_field = FALSE;
      break;
    case PROP_BASE_URL:
      set_string (self, &self->base_url, value);
      session_field = FALSE;
      break;
    case PROP_CLIENT_SECRET:
      GST_OBJECT_LOCK (self);
      if (self->client_secret)
        memset (self->client_secret, 0, strlen (self->client_secret));
      GST_OBJECT_UNLOCK (self);
      set_string (self, &self->client_secret, value);
      session_field = FALSE;
      break;
    case PROP_TOKEN_URL:
      set_string (self, &self->token_url, value);
      session_field = FALSE;
      break;
    case PROP_API_VERSION:
      GST_OBJECT_LOCK (self);
      self->api = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      session_field = FALSE;
      break;
    case PROP_MODEL:
      GST_OBJECT_LOCK (self);
      g_free (cfg->model);
      cfg->model = g_value_dup_string (value);
      if (cfg->model == NULL || *cfg->model == '\0') {
        g_free (cfg->model);
        cfg->model = g_strdup (DEFAULT_MODEL);
      }
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_VOICE:
      set_string (self, &cfg->voice, value);
      break;
    case PROP_INSTRUCTIONS:
      /* "" is meaningful here: it clears the instructions. */
      GST_OBJECT_LOCK (self);
      g_free (cfg->instructions);
      cfg->instructions = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_OUTPUT_MODALITIES:
      GST_OBJECT_LOCK (self);
      cfg->output_modality = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_TURN_DETECTION:
      GST_OBJECT_LOCK (self);
      cfg->turn_detection = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_VAD_THRESHOLD:
      GST_OBJECT_LOCK (self);
      cfg->vad_threshold = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PREFIX_PADDING_MS:
      GST_OBJECT_LOCK (self);
      cfg->prefix_padding_ms = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SILENCE_DURATION_MS:
      GST_OBJECT_LOCK (self);
      cfg->silence_duration_ms = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_IDLE_TIMEOUT_MS:{
      guint v = g_value_get_uint (value);

      GST_OBJECT_LOCK (self);
      /* The service takes 5000..30000 or nothing. */
      cfg->idle_timeout_ms = v == 0 ? 0 : CLAMP (v, 5000, 30000);
      GST_OBJECT_UNLOCK (self);
      break;
    }
    case PROP_EAGERNESS:
      GST_OBJECT_LOCK (self);
      cfg->eagerness = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CREATE_RESPONSE:
      GST_OBJECT_LOCK (self);
      cfg->create_response = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_INTERRUPT_RESPONSE:
      GST_OBJECT_LOCK (self);
      cfg->interrupt_response = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_INPUT_TRANSCRIPTION_MODEL:
      set_string (self, &cfg->transcription_model, value);
      break;
    case PROP_INPUT_TRANSCRIPTION_LANGUAGE:
      set_string (self, &cfg->transcription_language, value);
      break;
    case PROP_INPUT_TRANSCRIPTION_PROMPT:
      set_string (self, &cfg->transcription_prompt, value);
      break;
    case PROP_NOISE_REDUCTION:
      GST_OBJECT_LOCK (self);
      cfg->noise_reduction = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SPEED:{
      gdouble v = g_value_get_double (value);

      GST_OBJECT_LOCK (self);
      cfg->speed = v <= 0.0 ? 0.0 : MAX (v, 0.25);
      GST_OBJECT_UNLOCK (self);
      break;
    }
    case PROP_MAX_OUTPUT_TOKENS:
      GST_OBJECT_LOCK (self);
      cfg->max_output_tokens = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_TOOLS:{
      const gchar *tools = g_value_get_string (value);
      GError *err = NULL;

      if (tools && *tools && !sandra_realtime_tools_validate (tools, &err)) {
        GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
            ("Ignoring the tools property: %s", err->message), (NULL));
        g_clear_error (&err);
        return;
      }
      set_string (self, &cfg->tools_json, value);
      break;
    }
    case PROP_TOOL_CHOICE:
      set_string (self, &cfg->tool_choice, value);
      break;
    case PROP_TEMPERATURE:{
      gdouble v = g_value_get_double (value);

      GST_OBJECT_LOCK (self);
      cfg->temperature = v < 0.0 ? -1.0 : CLAMP (v, 0.6, 1.2);
      GST_OBJECT_UNLOCK (self);
      break;
    }
    case PROP_MAX_SESSION_MS:
      GST_OBJECT_LOCK (self);
      self->max_session_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      session_field = FALSE;
      break;
    case PROP_MAX_RECONNECTS:
      GST_OBJECT_LOCK (self);
      self->max_reconnects = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      session_field = FALSE;
      break;
    case PROP_RECONNECT_INITIAL_MS:
      GST_OBJECT_LOCK (self);
      self->reconnect_initial_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      session_field = FALSE;
      break;
    case PROP_RECONNECT_MAX_MS:
      GST_OBJECT_LOCK (self);
      self->reconnect_max_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      session_field = FALSE;
      break;
    case PROP_CONNECT_TIMEOUT_MS:
      GST_OBJECT_LOCK (self);
      self->connect_timeout_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      session_field = FALSE;
      break;
    case PROP_CAPTURE_BUFFER_MS:
      GST_OBJECT_LOCK (self);
      self->capture_buffer_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      session_field = FALSE;
      break;
    case PROP_LATENCY_MS:
      GST_OBJECT_LOCK (self);
      self->latency_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      gst_element_post_message (GST_ELEMENT (self),
          gst_message_new_latency (GST_OBJECT (self)));
      session_field = FALSE;
      break;
    case PROP_MAX_HISTORY_ITEMS:
      GST_OBJECT_LOCK (self);
      self->max_history_items = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      session_field = FALSE;
      break;
    case PROP_EOS_TIMEOUT_MS:
      GST_OBJECT_LOCK (self);
      self->eos_timeout_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      session_field = FALSE;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
  }
  if (session_field)
    apply_config (self);
}

static void
get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstOpenaiRealtime *self = GST_OPENAI_REALTIME (object);
  SandraRealtimeSessionConfig *cfg = &self->cfg;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_TOKEN_URL:
      g_value_set_string (value, self->token_url);
      break;
    case PROP_API_VERSION:
      g_value_set_enum (value, self->api);
      break;
    case PROP_MODEL:
      g_value_set_string (value, cfg->model);
      break;
    case PROP_VOICE:
      g_value_set_string (value, cfg->voice);
      break;
    case PROP_INSTRUCTIONS:
      g_value_set_string (value, cfg->instructions);
      break;
    case PROP_OUTPUT_MODALITIES:
      g_value_set_enum (value, cfg->output_modality);
      break;
    case PROP_TURN_DETECTION:
      g_value_set_enum (value, cfg->turn_detection);
      break;
    case PROP_VAD_THRESHOLD:
      g_value_set_double (value, cfg->vad_threshold);
      break;
    case PROP_PREFIX_PADDING_MS:
      g_value_set_int (value, cfg->prefix_padding_ms);
      break;
    case PROP_SILENCE_DURATION_MS:
      g_value_set_int (value, cfg->silence_duration_ms);
      break;
    case PROP_IDLE_TIMEOUT_MS:
      g_value_set_uint (value, cfg->idle_timeout_ms);
      break;
    case PROP_EAGERNESS:
      g_value_set_enum (value, cfg->eagerness);
      break;
    case PROP_CREATE_RESPONSE:
      g_value_set_boolean (value, cfg->create_response);
      break;
    case PROP_INTERRUPT_RESPONSE:
      g_value_set_boolean (value, cfg->interrupt_response);
      break;
    case PROP_INPUT_TRANSCRIPTION_MODEL:
      g_value_set_string (value, cfg->transcription_model);
      break;
    case PROP_INPUT_TRANSCRIPTION_LANGUAGE:
      g_value_set_string (value, cfg->transcription_language);
      break;
    case PROP_INPUT_TRANSCRIPTION_PROMPT:
      g_value_set_string (value, cfg->transcription_prompt);
      break;
    case PROP_NOISE_REDUCTION:
      g_value_set_enum (value, cfg->noise_reduction);
      break;
    case PROP_SPEED:
      g_value_set_double (value, cfg->speed);
      break;
    case PROP_MAX_OUTPUT_TOKENS:
      g_value_set_int (value, cfg->max_output_tokens);
      break;
    case PROP_TOOLS:
      g_value_set_string (value, cfg->tools_json);
      break;
    case PROP_TOOL_CHOICE:
      g_value_set_string (value, cfg->tool_choice);
      break;
    case PROP_TEMPERATURE:
      g_value_set_double (value, cfg->temperature);
      break;
    case PROP_MAX_SESSION_MS:
      g_value_set_uint (value, self->max_session_ms);
      break;
    case PROP_MAX_RECONNECTS:
      g_value_set_uint (value, self->max_reconnects);
      break;
    case PROP_RECONNECT_INITIAL_MS:
      g_value_set_uint (value, self->reconnect_initial_ms);
      break;
    case PROP_RECONNECT_MAX_MS:
      g_value_set_uint (value, self->reconnect_max_ms);
      break;
    case PROP_CONNECT_TIMEOUT_MS:
      g_value_set_uint (value, self->connect_timeout_ms);
      break;
    case PROP_CAPTURE_BUFFER_MS:
      g_value_set_uint (value, self->capture_buffer_ms);
      break;
    case PROP_LATENCY_MS:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_MAX_HISTORY_ITEMS:
      g_value_set_uint (value, self->max_history_items);
      break;
    case PROP_EOS_TIMEOUT_MS:
      g_value_set_uint (value, self->eos_timeout_ms);
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
  GstOpenaiRealtime *self = GST_OPENAI_REALTIME (object);

  stop (self);
  sandra_ordered_queue_free (self->audio.queue);
  sandra_ordered_queue_free (self->text.queue);
  gst_caps_replace (&self->audio.caps_sent, NULL);
  gst_caps_replace (&self->text.caps_sent, NULL);
  gst_caps_replace (&self->out_caps, NULL);
  sandra_realtime_capture_free (self->capture);
  sandra_realtime_playout_free (self->playout);
  sandra_realtime_history_free (self->history);
  sandra_sentence_splitter_free (self->splitter);
  g_ptr_array_unref (self->pending_events);
  sandra_realtime_session_config_clear (&self->cfg);
  sandra_realtime_session_config_clear (&self->sent);
  if (self->api_key)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  if (self->client_secret)
    memset (self->client_secret, 0, strlen (self->client_secret));
  g_free (self->client_secret);
  g_free (self->base_url);
  g_free (self->token_url);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->flush_lock);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
init_out_pad (GstOpenaiRealtime * self, OutPad * out,
    GstStaticPadTemplate * templ, const gchar * name)
{
  out->self = self;
  out->pad = gst_pad_new_from_static_template (templ, name);
  out->queue = sandra_ordered_queue_new (out_item_free);
  sandra_ordered_queue_set_flushing (out->queue, TRUE);
  out->next_pts = GST_CLOCK_TIME_NONE;
  gst_pad_set_activatemode_function (out->pad, out_activate_mode);
  gst_pad_set_query_function (out->pad, out_query);
  gst_pad_set_event_function (out->pad, out_event);
  gst_pad_use_fixed_caps (out->pad);
  gst_element_add_pad (GST_ELEMENT (self), out->pad);
}

static void
gst_openai_realtime_init (GstOpenaiRealtime * self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->flush_lock);

  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, sink_chain);
  gst_pad_set_event_function (self->sinkpad, sink_event);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  init_out_pad (self, &self->audio, &src_template, "src");
  init_out_pad (self, &self->text, &text_src_template, "text_src");

  self->text_sinkpad = gst_pad_new_from_static_template (&text_sink_template,
      "text_sink");
  gst_pad_set_chain_function (self->text_sinkpad, text_sink_chain);
  gst_pad_set_event_function (self->text_sinkpad, text_sink_event);
  gst_element_add_pad (GST_ELEMENT (self), self->text_sinkpad);

  sandra_realtime_session_config_init (&self->cfg,
      SANDRA_REALTIME_SESSION_CONVERSATION);
  g_free (self->cfg.model);
  self->cfg.model = g_strdup (DEFAULT_MODEL);
  self->cfg.transcription_model = g_strdup (DEFAULT_TRANSCRIPTION_MODEL);
  sandra_realtime_session_config_init (&self->sent,
      SANDRA_REALTIME_SESSION_CONVERSATION);
  self->api = DEFAULT_API;
  self->max_session_ms = DEFAULT_MAX_SESSION_MS;
  self->max_reconnects = DEFAULT_MAX_RECONNECTS;
  self->reconnect_initial_ms = DEFAULT_RECONNECT_INITIAL_MS;
  self->reconnect_max_ms = DEFAULT_RECONNECT_MAX_MS;
  self->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
  self->capture_buffer_ms = DEFAULT_CAPTURE_BUFFER_MS;
  self->latency_ms = DEFAULT_LATENCY_MS;
  self->max_history_items = DEFAULT_MAX_HISTORY_ITEMS;
  self->eos_timeout_ms = DEFAULT_EOS_TIMEOUT_MS;

  self->format = SANDRA_REALTIME_AUDIO_FORMAT_PCM16;
  self->bytes_per_second = format_bytes_per_second (self->format);
  self->bpf = 2;
  self->out_caps = format_caps (self->format);
  self->capture = sandra_realtime_capture_new ((gsize) self->bytes_per_second
      * DEFAULT_CAPTURE_BUFFER_MS / 1000);
  self->playout = sandra_realtime_playout_new (self->bytes_per_second);
  self->history = sandra_realtime_history_new (DEFAULT_MAX_HISTORY_ITEMS);
  self->splitter = sandra_sentence_splitter_new ();
  self->pending_events = g_ptr_array_new_with_free_func (g_free);
  self->pending_commit_abs = G_MAXUINT64;
}

static void
gst_openai_realtime_class_init (GstOpenaiRealtimeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_playing = rw | GST_PARAM_MUTABLE_PLAYING;
  const GParamFlags rw_ready = rw | GST_PARAM_MUTABLE_READY;

  GST_DEBUG_CATEGORY_INIT (openai_realtime_debug, "openairealtime", 0,
      "OpenAI Realtime conversation");

  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  element_class->change_state = change_state;

  g_object_class_install_property (gobject_class, PROP_API_KEY,
      g_param_spec_string ("api-key", "API key",
          "OpenAI API key; when empty, OPENAI_API_KEY from the environment. "
          "Write-only: it is never shown or logged", NULL,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_BASE_URL,
      g_param_spec_string ("base-url", "Base URL",
          "API base URL; when empty, OPENAI_BASE_URL from the environment, "
          "else https://api.openai.com/v1 (point it at the local emulator)",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_CLIENT_SECRET,
      g_param_spec_string ("client-secret", "Client secret",
          "An ephemeral client secret (ek_...) minted by the owner's "
          "backend, used instead of an API key. Write-only", NULL,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_TOKEN_URL,
      g_param_spec_string ("token-url", "Token URL",
          "URL of the owner's backend that mints ephemeral client secrets: "
          "POSTed the session before every connection (see "
          "examples/token-server); the device never holds the API key",
          NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_API_VERSION,
      g_param_spec_enum ("api-version", "API version",
          "Realtime interface: the generally available one, or the beta "
          "(OpenAI-Beta: realtime=v1)", SANDRA_TYPE_REALTIME_API,
          DEFAULT_API, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MODEL,
      g_param_spec_string ("model", "Model",
          "Realtime model (gpt-realtime, gpt-realtime-mini, ...); a change "
          "applies to the next session", DEFAULT_MODEL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_VOICE,
      g_param_spec_string ("voice", "Voice",
          "Voice (alloy ash ballad coral echo sage shimmer verse marin "
          "cedar, or a custom voice_... id on GA); empty: the service's "
          "default. Fixed once the assistant has spoken", NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_INSTRUCTIONS,
      g_param_spec_string ("instructions", "Instructions",
          "System instructions (unset: the service's default, empty: none)",
          NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_OUTPUT_MODALITIES,
      g_param_spec_enum ("output-modalities", "Output modalities",
          "audio: spoken replies on src with their transcript on text_src; "
          "text: text replies on text_src only (for another synthesizer)",
          SANDRA_TYPE_REALTIME_MODALITY, DEFAULT_MODALITY, rw_playing));
  g_object_class_install_property (gobject_class, PROP_TURN_DETECTION,
      g_param_spec_enum ("turn-detection", "Turn detection",
          "Who decides when the user's turn ends: the server's level VAD, "
          "its semantic VAD, or none (upstream sandravad events, or the "
          "commit action)", SANDRA_TYPE_REALTIME_TURN_DETECTION,
          DEFAULT_TURN_DETECTION, rw_playing));
  g_object_class_install_property (gobject_class, PROP_VAD_THRESHOLD,
      g_param_spec_double ("vad-threshold", "VAD threshold",
          "Server VAD activation threshold 0..1 (higher needs louder "
          "speech); -1: the service's default", -1.0, 1.0,
          DEFAULT_VAD_THRESHOLD, rw_playing));
  g_object_class_install_property (gobject_class, PROP_PREFIX_PADDING_MS,
      g_param_spec_int ("prefix-padding-ms", "Prefix padding",
          "Server VAD: audio kept before detected speech, in ms; -1: the "
          "service's default", -1, 10000, DEFAULT_PREFIX_PADDING_MS,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_SILENCE_DURATION_MS,
      g_param_spec_int ("silence-duration-ms", "Silence duration",
          "Server VAD: silence that ends the user's turn, in ms; -1: the "
          "service's default", -1, 10000, DEFAULT_SILENCE_DURATION_MS,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_IDLE_TIMEOUT_MS,
      g_param_spec_uint ("idle-timeout-ms", "Idle timeout",
          "Server VAD (GA): prompt the model after this long without "
          "speech, 5000..30000 ms; 0: never", 0, 30000,
          DEFAULT_IDLE_TIMEOUT_MS, rw_playing));
  g_object_class_install_property (gobject_class, PROP_EAGERNESS,
      g_param_spec_enum ("eagerness", "Eagerness",
          "Semantic VAD: how soon the model answers",
          SANDRA_TYPE_REALTIME_EAGERNESS, DEFAULT_EAGERNESS, rw_playing));
  g_object_class_install_property (gobject_class, PROP_CREATE_RESPONSE,
      g_param_spec_boolean ("create-response", "Create response",
          "The end of the user's turn (VAD) starts a response",
          DEFAULT_CREATE_RESPONSE, rw_playing));
  g_object_class_install_property (gobject_class, PROP_INTERRUPT_RESPONSE,
      g_param_spec_boolean ("interrupt-response", "Interrupt response",
          "The server cancels its response when the user starts speaking "
          "(otherwise the element cancels it on barge-in)",
          DEFAULT_INTERRUPT_RESPONSE, rw_playing));
  g_object_class_install_property (gobject_class,
      PROP_INPUT_TRANSCRIPTION_MODEL, g_param_spec_string
      ("input-transcription-model", "Input transcription model",
          "Transcribe what the user says (gpt-4o-mini-transcribe, "
          "gpt-4o-transcribe, whisper-1): bus messages, and the text "
          "replayed after a reconnection; empty: off",
          DEFAULT_TRANSCRIPTION_MODEL, rw_playing));
  g_object_class_install_property (gobject_class,
      PROP_INPUT_TRANSCRIPTION_LANGUAGE, g_param_spec_string
      ("input-transcription-language", "Input transcription language",
          "ISO-639-1 code of the user's language, as a hint", NULL,
          rw_playing));
  g_object_class_install_property (gobject_class,
      PROP_INPUT_TRANSCRIPTION_PROMPT, g_param_spec_string
      ("input-transcription-prompt", "Input transcription prompt",
          "Vocabulary hints for the user transcript", NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_NOISE_REDUCTION,
      g_param_spec_enum ("noise-reduction", "Noise reduction",
          "The service's input noise reduction",
          SANDRA_TYPE_REALTIME_NOISE_REDUCTION, DEFAULT_NOISE_REDUCTION,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_SPEED,
      g_param_spec_double ("speed", "Speed",
          "Speaking speed 0.25..1.5; 0: the service's default", 0.0, 1.5,
          DEFAULT_SPEED, rw_playing));
  g_object_class_install_property (gobject_class, PROP_MAX_OUTPUT_TOKENS,
      g_param_spec_int ("max-output-tokens", "Maximum output tokens",
          "Per response, 1..4096; 0: unlimited (\"inf\"); -1: the service's "
          "default", -1, 4096, DEFAULT_MAX_OUTPUT_TOKENS, rw_playing));
  g_object_class_install_property (gobject_class, PROP_TOOLS,
      g_param_spec_string ("tools", "Tools",
          "JSON array of function tools "
          "([{\"type\":\"function\",\"name\",\"description\",\"parameters\"}]); "
          "calls arrive through the function-call signal", NULL, rw_playing));
  g_object_class_install_property (gobject_class, PROP_TOOL_CHOICE,
      g_param_spec_string ("tool-choice", "Tool choice",
          "auto, none, required, or the name of one function", NULL,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_TEMPERATURE,
      g_param_spec_double ("temperature", "Temperature",
          "Sampling temperature 0.6..1.2, beta interface only (GA has "
          "none); -1: the service's default", -1.0, 1.2, DEFAULT_TEMPERATURE,
          rw_playing));
  g_object_class_install_property (gobject_class, PROP_MAX_SESSION_MS,
      g_param_spec_uint ("max-session-ms", "Maximum session",
          "Start a fresh session (conversation replayed) after this long, "
          "at the first moment between turns, before the service ends it "
          "(it does after 60 min on GA, 30 on beta); 0: automatic, 5 "
          "minutes below the limit of the api-version in use (55 min on GA, "
          "25 on beta)", 0, G_MAXUINT, DEFAULT_MAX_SESSION_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MAX_RECONNECTS,
      g_param_spec_uint ("max-reconnects", "Maximum reconnections",
          "Consecutive failed connection attempts before giving up with an "
          "error (a session that lasted reconnect-max-ms resets the count)",
          0, 1000,
          DEFAULT_MAX_RECONNECTS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_RECONNECT_INITIAL_MS,
      g_param_spec_uint ("reconnect-initial-ms", "Initial reconnection delay",
          "Delay before the first reconnection attempt, doubled for each "
          "further one (with jitter)", 0, 600000,
          DEFAULT_RECONNECT_INITIAL_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_RECONNECT_MAX_MS,
      g_param_spec_uint ("reconnect-max-ms", "Maximum reconnection delay",
          "Longest delay between reconnection attempts", 0, 600000,
          DEFAULT_RECONNECT_MAX_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_CONNECT_TIMEOUT_MS,
      g_param_spec_uint ("connect-timeout-ms", "Connect timeout",
          "A connection attempt fails after this long", 1000, 120000,
          DEFAULT_CONNECT_TIMEOUT_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_CAPTURE_BUFFER_MS,
      g_param_spec_uint ("capture-buffer-ms", "Capture buffer",
          "Microphone audio kept while no session is open (and not yet "
          "committed by the service), sent when one is; beyond it the "
          "oldest audio is dropped and reported", 0, 600000,
          DEFAULT_CAPTURE_BUFFER_MS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_LATENCY_MS,
      g_param_spec_uint ("latency-ms", "Latency",
          "Latency reported on the source pads, in ms: the headroom sinks "
          "get to play replies stamped with the running time at which "
          "they leave the element", 0, 10000, DEFAULT_LATENCY_MS, rw));
  g_object_class_install_property (gobject_class, PROP_MAX_HISTORY_ITEMS,
      g_param_spec_uint ("max-history-items", "Maximum history items",
          "Conversation items kept for replay into a new session", 1, 10000,
          DEFAULT_MAX_HISTORY_ITEMS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_EOS_TIMEOUT_MS,
      g_param_spec_uint ("eos-timeout-ms", "EOS timeout",
          "At EOS, how long to wait for the running reply while the service "
          "sends nothing, in ms, before EOS goes out without the rest; "
          "0: wait as long as the session lasts", 0, G_MAXUINT,
          DEFAULT_EOS_TIMEOUT_MS, rw));

  /**
   * GstOpenaiRealtime::function-call:
   * @name: the function
   * @call_id: answer with this id
   * @arguments: JSON text
   *
   * The model calls a tool. Emitted from the network thread; answer with
   * the function-result action (from the handler or later).
   */
  signals[SIGNAL_FUNCTION_CALL] = g_signal_new ("function-call",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
      G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstOpenaiRealtime::function-result:
   * @call_id: from function-call
   * @output: the result (usually JSON)
   *
   * Sends the function_call_output item, then asks for a response.
   * Returns: FALSE without a call id.
   */
  signals[SIGNAL_FUNCTION_RESULT] = g_signal_new_class_handler
      ("function-result", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (action_function_result), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 2, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * GstOpenaiRealtime::send-text:
   * @text: what the user typed
   *
   * Adds a user message and asks for a response (like text_sink).
   */
  signals[SIGNAL_SEND_TEXT] = g_signal_new_class_handler ("send-text",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (action_send_text), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);
  /**
   * GstOpenaiRealtime::commit:
   *
   * Ends the user's turn (turn-detection none, e.g. push-to-talk):
   * commits the input audio and asks for a response.
   */
  signals[SIGNAL_COMMIT] = g_signal_new_class_handler ("commit",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (action_commit), NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * GstOpenaiRealtime::create-response:
   *
   * Asks the model to respond now.
   */
  signals[SIGNAL_CREATE_RESPONSE] = g_signal_new_class_handler
      ("create-response", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (action_create_response), NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * GstOpenaiRealtime::cancel-response:
   *
   * Stops the assistant as a barge-in does: drops what is queued, tells
   * the model what was heard and cancels the response.
   */
  signals[SIGNAL_CANCEL_RESPONSE] = g_signal_new_class_handler
      ("cancel-response", G_TYPE_FROM_CLASS (klass),
      G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (action_cancel_response), NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * GstOpenaiRealtime::send-event:
   * @json: a client event, a JSON object with a type
   *
   * Sends a raw client event (for what no property or action covers).
   * Returns: FALSE if @json is not an object with a type.
   */
  signals[SIGNAL_SEND_EVENT] = g_signal_new_class_handler ("send-event",
      G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST | G_SIGNAL_ACTION,
      G_CALLBACK (action_send_event), NULL, NULL, NULL,
      G_TYPE_BOOLEAN, 1, G_TYPE_STRING);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_add_static_pad_template (element_class, &text_src_template);
  gst_element_class_add_static_pad_template (element_class,
      &text_sink_template);
  gst_element_class_set_static_metadata (element_class,
      "OpenAI Realtime conversation", "Filter/Audio/Network",
      "Spoken (or text) conversation with an OpenAI Realtime model, with "
      "barge-in, function calling and session reconnection",
      "gst-sandra contributors");

  gst_type_mark_as_plugin_api (SANDRA_TYPE_REALTIME_API, 0);
  gst_type_mark_as_plugin_api (SANDRA_TYPE_REALTIME_MODALITY, 0);
  gst_type_mark_as_plugin_api (SANDRA_TYPE_REALTIME_TURN_DETECTION, 0);
  gst_type_mark_as_plugin_api (SANDRA_TYPE_REALTIME_EAGERNESS, 0);
  gst_type_mark_as_plugin_api (SANDRA_TYPE_REALTIME_NOISE_REDUCTION, 0);
}
