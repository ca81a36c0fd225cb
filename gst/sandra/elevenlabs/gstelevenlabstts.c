/* gst-sandra: elevenlabstts, streaming speech synthesis with ElevenLabs
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-elevenlabstts
 * @title: elevenlabstts
 *
 * Speaks UTF-8 text with an ElevenLabs voice. Text may arrive in any
 * pieces, down to one token per buffer from a language model: it is
 * gathered into well-formed chunks and streamed to the service as it
 * comes (over the WebSocket word by word, with a flush at each sentence
 * end), so speech starts early, not after the last sentence.
 *
 * An utterance is the text between two sandra end-of-sentence events (as
 * sent by openairealtime and openaistt) or up to EOS; timed text that
 * starts after the previous text's slot (subtitles) begins a new one. Over the WebSocket
 * transport (default) each utterance is one context of a multi-stream-input
 * socket; a flushing seek or a FLUSH from upstream (barge-in) closes the
 * current context and none of its audio leaves the element afterwards.
 * Over HTTP each chunk is one streamed request.
 *
 * In a live pipeline, audio starts at the running time of its text, or as
 * soon as possible after it, and the element reports latency-ms as its
 * latency. In a non-live pipeline the output is continuous: silence fills
 * the time up to each utterance. With every piece of audio downstream
 * takes, an `elevenlabstts-alignment` element message gives each character
 * and word with its start and end on the running-time timeline (for lip
 * sync; none for audio a flush discarded); after each utterance an
 * `elevenlabstts-utterance` message gives its timing figures. The
 * WebSocket is opened when the element starts, so the first words do not
 * wait for its set-up.
 *
 * ## Example launch lines
 * |[
 * echo "Hello there. How are you today?" > hello.txt
 * gst-launch-1.0 filesrc location=hello.txt ! text/x-raw,format=utf8 ! \
 *     elevenlabstts voice-id=21m00Tcm4TlvDq8ikWAM ! audioconvert ! \
 *     autoaudiosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstelevenlabstts.h"
#include "elevenlabs-client.h"
#include "elevenlabs-chunker.h"
#include "sandra-events.h"
#include "net/sandra-credentials.h"

#include <gst/audio/audio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (elevenlabs_tts_debug);
#define GST_CAT_DEFAULT elevenlabs_tts_debug

#define DEFAULT_VOICE_ID "21m00Tcm4TlvDq8ikWAM"
#define DEFAULT_MODEL_ID "eleven_flash_v2_5"
#define DEFAULT_STABILITY 0.5
#define DEFAULT_SIMILARITY_BOOST 0.75
#define DEFAULT_STYLE 0.0
#define DEFAULT_SPEED 1.0
#define DEFAULT_USE_SPEAKER_BOOST TRUE
#define DEFAULT_SEED -1
#define DEFAULT_AUTO_MODE FALSE
#define DEFAULT_INACTIVITY_TIMEOUT 20
#define DEFAULT_KEEPALIVE TRUE
#define DEFAULT_LATENCY_MS 500
#define DEFAULT_OVERRUN GST_ELEVENLABS_OVERRUN_QUEUE
#define DEFAULT_OUTPUT_RATE 24000
#define DEFAULT_TRANSPORT ELEVENLABS_TRANSPORT_WEBSOCKET
#define DEFAULT_TRANSPORT_FORMAT ELEVENLABS_AUDIO_FORMAT_PCM
#define DEFAULT_RETRIES 3
#define DEFAULT_MAX_CHUNK_CHARS 250
#define DEFAULT_RESPONSE_TIMEOUT_MS 15000

/* In a live pipeline audio that is late is stamped this far ahead of
 * "now minus latency", so that the sink still plays it, not drops it. */
#define LIVE_MARGIN (20 * GST_MSECOND)

enum
{
  PROP_0,
  PROP_API_KEY,
  PROP_BASE_URL,
  PROP_VOICE_ID,
  PROP_MODEL_ID,
  PROP_LANGUAGE_CODE,
  PROP_STABILITY,
  PROP_SIMILARITY_BOOST,
  PROP_STYLE,
  PROP_SPEED,
  PROP_USE_SPEAKER_BOOST,
  PROP_SEED,
  PROP_CHUNK_LENGTH_SCHEDULE,
  PROP_AUTO_MODE,
  PROP_INACTIVITY_TIMEOUT,
  PROP_KEEPALIVE,
  PROP_LATENCY_MS,
  PROP_OVERRUN,
  PROP_OUTPUT_RATE,
  PROP_TRANSPORT,
  PROP_TRANSPORT_FORMAT,
  PROP_RETRIES,
  PROP_MAX_CHUNK_CHARS,
  PROP_RESPONSE_TIMEOUT_MS,
};

G_DEFINE_ENUM_TYPE (GstElevenlabsOverrun, gst_elevenlabs_overrun,
    G_DEFINE_ENUM_VALUE (GST_ELEVENLABS_OVERRUN_QUEUE, "queue"),
    G_DEFINE_ENUM_VALUE (GST_ELEVENLABS_OVERRUN_CLIP, "clip"),
    G_DEFINE_ENUM_VALUE (GST_ELEVENLABS_OVERRUN_INTERRUPT, "interrupt"));

/* One utterance on its way out. Fields below `lock` are under self->lock. */
typedef struct
{
  gint refcount;
  guint64 id;
  GstClockTime text_rt;         /* running time of its first text, or NONE */
  gint64 first_text_us;

  GstClockTime slot_end;        /* end of its text's time slot, or NONE */
  guint chars;
  GQueue chunks;                /* ElevenlabsAudio * */
  gboolean done;
  gboolean complete;
  gboolean cancelled;

  /* source pad task only */
  gboolean started;
  GstClockTime next_pts;
  gint64 first_audio_us;
  guint64 samples;
  guint64 clipped;
} Utterance;

typedef struct
{
  GstEvent *event;              /* or */
  Utterance *utterance;
} Item;

struct _GstElevenlabsTts
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  gchar *api_key;
  gchar *base_url;
  gchar *voice_id;
  gchar *model_id;
  gchar *language_code;
  gdouble stability;
  gdouble similarity_boost;
  gdouble style;
  gdouble speed;
  gboolean use_speaker_boost;
  gint64 seed;
  GArray *schedule;             /* guint */
  gboolean auto_mode;
  guint inactivity_timeout;
  gboolean keepalive;
  guint latency_ms;
  GstElevenlabsOverrun overrun;
  gint output_rate;
  GstElevenlabsTransport transport;
  GstElevenlabsAudioFormat transport_format;
  guint retries;
  guint max_chunk_chars;
  guint response_timeout_ms;

  /* streaming thread */
  GstSegment in_segment;
  ElevenlabsChunker *chunker;
  Utterance *cur;
  guint64 next_id;
  gboolean latency_known;
  GPtrArray *chunks;            /* scratch */

  /* output, under lock */
  GMutex lock;
  GCond cond;
  GQueue items;                 /* Item * */
  GHashTable *active;           /* id -> Utterance *, awaiting audio */
  gboolean flushing;
  guint flush_seq;              /* FLUSH_STARTs so far */
  gboolean live;
  GstClockTime pipeline_latency;
  GstFlowReturn last_flow;

  /* source pad task */
  GstAudioInfo out_info;
  GstClockTime out_next;        /* running time after the last sample */

  /* Held while an alignment message is posted; a FLUSH_START waits for it
   * before it goes downstream, so no message follows the flush that
   * discarded its audio. Recursive: a sync bus handler may flush. */
  GRecMutex post_lock;

  ElevenlabsClient *client;
};

#define gst_elevenlabs_tts_parent_class parent_class
G_DEFINE_TYPE (GstElevenlabsTts, gst_elevenlabs_tts, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (elevenlabstts, "elevenlabstts", GST_RANK_NONE,
    GST_TYPE_ELEVENLABS_TTS);

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("text/x-raw, format=(string)utf8"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC,
    GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("audio/x-raw, format=(string)S16LE, "
        "layout=(string)interleaved, rate=(int){ 8000, 16000, 22050, 24000, "
        "44100, 48000 }, channels=(int)1"));

static Utterance *
utterance_ref (Utterance * u)
{
  g_atomic_int_inc (&u->refcount);
  return u;
}

static void
utterance_unref (Utterance * u)
{
  if (u == NULL || !g_atomic_int_dec_and_test (&u->refcount))
    return;
  g_queue_clear_full (&u->chunks, (GDestroyNotify) elevenlabs_audio_free);
  g_free (u);
}

static void
item_free (Item * item)
{
  gst_clear_event (&item->event);
  utterance_unref (item->utterance);
  g_free (item);
}

static void
queue_event (GstElevenlabsTts * self, GstEvent * event)
{
  Item *item = g_new0 (Item, 1);

  item->event = event;
  g_mutex_lock (&self->lock);
  if (self->flushing) {
    g_mutex_unlock (&self->lock);
    item_free (item);
    return;
  }
  g_queue_push_tail (&self->items, item);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* ---------------------------------------------------------------------- */
/* Results from the network (worker thread) */

static void
on_audio (ElevenlabsAudio * audio, gpointer user_data)
{
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (user_data);
  Utterance *u;

  g_mutex_lock (&self->lock);
  u = g_hash_table_lookup (self->active, &audio->utterance);
  if (u && !u->cancelled && !self->flushing) {
    g_queue_push_tail (&u->chunks, audio);
    g_cond_broadcast (&self->cond);
    audio = NULL;
  }
  g_mutex_unlock (&self->lock);
  /* anything left is stale: its utterance was interrupted */
  elevenlabs_audio_free (audio);
}

static void
on_done (guint64 id, gboolean complete, gpointer user_data)
{
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (user_data);
  Utterance *u;

  g_mutex_lock (&self->lock);
  u = g_hash_table_lookup (self->active, &id);
  if (u) {
    u->done = TRUE;
    u->complete = complete;
    g_hash_table_remove (self->active, &id);
    g_cond_broadcast (&self->cond);
  }
  g_mutex_unlock (&self->lock);
}

static void
on_fatal (gpointer user_data)
{
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (user_data);

  /* The error is posted; stop the output so nothing pretends to work. */
  g_mutex_lock (&self->lock);
  self->flushing = TRUE;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* ---------------------------------------------------------------------- */
/* Source pad task */

static GstClockTime
now_running_time (GstElevenlabsTts * self)
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

/* The earliest running time a buffer pushed now can still be played at. */
static GstClockTime
live_floor (GstElevenlabsTts * self)
{
  GstClockTime now = now_running_time (self), lat;

  if (!GST_CLOCK_TIME_IS_VALID (now))
    return GST_CLOCK_TIME_NONE;
  g_mutex_lock (&self->lock);
  lat = self->pipeline_latency;
  g_mutex_unlock (&self->lock);
  now += LIVE_MARGIN;
  return now > lat ? now - lat : 0;
}

static void
set_flow (GstElevenlabsTts * self, GstFlowReturn ret)
{
  g_mutex_lock (&self->lock);
  self->last_flow = ret;
  g_mutex_unlock (&self->lock);
  /* Not linked is an error too, as for any source: speech nobody hears
   * still costs characters. EOS from downstream is not. */
  if (ret != GST_FLOW_OK && ret != GST_FLOW_FLUSHING && ret != GST_FLOW_EOS)
    GST_ELEMENT_FLOW_ERROR (self, ret);
}

/* Silence from @from to @to, in pieces of at most a second (a subtitle an
 * hour in must not allocate an hour of samples at once). */
static GstFlowReturn
push_silence (GstElevenlabsTts * self, GstClockTime from, GstClockTime to)
{
  gint rate = GST_AUDIO_INFO_RATE (&self->out_info);
  guint64 total = gst_util_uint64_scale (to - from, rate, GST_SECOND);
  guint64 done = 0;
  GstFlowReturn ret = GST_FLOW_OK;

  while (done < total && ret == GST_FLOW_OK) {
    guint64 n = MIN (total - done, (guint64) rate);
    GstBuffer *buf = gst_buffer_new_allocate (NULL, n * 2, NULL);
    GstMapInfo map;

    gst_buffer_map (buf, &map, GST_MAP_WRITE);
    memset (map.data, 0, map.size);
    gst_buffer_unmap (buf, &map);
    GST_BUFFER_PTS (buf) = from + gst_util_uint64_scale (done, GST_SECOND,
        rate);
    GST_BUFFER_DURATION (buf) = from + gst_util_uint64_scale (done + n,
        GST_SECOND, rate) - GST_BUFFER_PTS (buf);
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_GAP);
    done += n;
    self->out_next = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);
    ret = gst_pad_push (self->srcpad, buf);
  }
  return ret;
}

/* An upstream GAP (already on the running-time timeline), in its turn
 * after the utterances before it. Non-live output is continuous, so the
 * gap becomes silence up to its end (never over audio already pushed).
 * In a live pipeline the clock moves on by itself and a GAP for a time
 * already gone would only make the sink wait: it is dropped. */
static void
push_gap (GstElevenlabsTts * self, GstEvent * event)
{
  GstClockTime ts, dur, end;
  gboolean live;
  GstFlowReturn ret;

  gst_event_parse_gap (event, &ts, &dur);
  gst_event_unref (event);
  g_mutex_lock (&self->lock);
  live = self->live;
  g_mutex_unlock (&self->lock);
  if (live || !GST_CLOCK_TIME_IS_VALID (ts))
    return;
  end = ts + (GST_CLOCK_TIME_IS_VALID (dur) ? dur : 0);
  if (!GST_CLOCK_TIME_IS_VALID (self->out_next))
    self->out_next = 0;
  if (end <= self->out_next)
    return;
  ret = push_silence (self, self->out_next, end);
  if (ret != GST_FLOW_OK)
    set_flow (self, ret);
}

static GValue *
array_new (void)
{
  GValue *v = g_new0 (GValue, 1);

  g_value_init (v, GST_TYPE_ARRAY);
  return v;
}

static void
array_add_string (GValue * arr, const gchar * s)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, s);
  gst_value_array_append_and_take_value (arr, &v);
}

static void
array_add_time (GValue * arr, GstClockTime t)
{
  GValue v = G_VALUE_INIT;

  g_value_init (&v, G_TYPE_UINT64);
  g_value_set_uint64 (&v, t);
  gst_value_array_append_and_take_value (arr, &v);
}

/* elevenlabstts-alignment: the characters of this piece of audio and their
 * words, on the running-time timeline. Characters past @limit (clipped
 * audio) are left out. */
static void
post_alignment (GstElevenlabsTts * self, Utterance * u, ElevenlabsAudio * a,
    GstClockTime pts, GstClockTime duration, GstClockTime limit,
    gdouble wait_ms)
{
  GValue *chars = array_new (), *starts = array_new (), *ends = array_new (),
      *words = array_new (), *wstarts = array_new (), *wends = array_new ();
  GString *text = g_string_new (NULL), *word = g_string_new (NULL);
  GstClockTime wstart = 0, wend = 0;
  GstStructure *s;
  guint i;

  for (i = 0; i < a->chars->len; i++) {
    const gchar *c = g_ptr_array_index (a->chars, i);
    GstClockTime cs = g_array_index (a->starts, GstClockTime, i);
    GstClockTime ce = g_array_index (a->ends, GstClockTime, i);
    gboolean space = *c == '\0' || g_unichar_isspace (g_utf8_get_char (c));

    if (cs >= limit)
      break;
    array_add_string (chars, c);
    array_add_time (starts, pts + cs);
    array_add_time (ends, pts + MIN (ce, limit));
    g_string_append (text, c);
    if (space) {
      if (word->len) {
        array_add_string (words, word->str);
        array_add_time (wstarts, pts + wstart);
        array_add_time (wends, pts + wend);
        g_string_truncate (word, 0);
      }
      continue;
    }
    if (word->len == 0)
      wstart = cs;
    wend = MIN (ce, limit);
    g_string_append (word, c);
  }
  if (word->len) {
    array_add_string (words, word->str);
    array_add_time (wstarts, pts + wstart);
    array_add_time (wends, pts + wend);
  }

  s = gst_structure_new ("elevenlabstts-alignment",
      "utterance", G_TYPE_UINT64, u->id,
      "running-time", G_TYPE_UINT64, (guint64) pts,
      "duration", G_TYPE_UINT64, (guint64) duration,
      "text", G_TYPE_STRING, text->str,
      /* how long the audio waited in the element after it arrived */
      "wait-ms", G_TYPE_DOUBLE, wait_ms, NULL);
  gst_structure_take_value (s, "characters", chars);
  gst_structure_take_value (s, "character-start-times", starts);
  gst_structure_take_value (s, "character-end-times", ends);
  gst_structure_take_value (s, "words", words);
  gst_structure_take_value (s, "word-start-times", wstarts);
  gst_structure_take_value (s, "word-end-times", wends);
  g_free (chars);
  g_free (starts);
  g_free (ends);
  g_free (words);
  g_free (wstarts);
  g_free (wends);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), s));
  g_string_free (text, TRUE);
  g_string_free (word, TRUE);
}

static void
push_audio (GstElevenlabsTts * self, Utterance * u, ElevenlabsAudio * a)
{
  gint rate = GST_AUDIO_INFO_RATE (&self->out_info);
  gsize size = g_bytes_get_size (a->samples);
  guint64 n = size / 2;
  GstClockTime pts, duration, floor = GST_CLOCK_TIME_NONE, limit;
  gboolean live, discont = FALSE, current;
  guint seq;
  gdouble wait_ms;
  GstElevenlabsOverrun overrun;
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *buf;

  g_mutex_lock (&self->lock);
  live = self->live;
  g_mutex_unlock (&self->lock);
  GST_OBJECT_LOCK (self);
  overrun = self->overrun;
  GST_OBJECT_UNLOCK (self);
  if (live)
    floor = live_floor (self);
  else if (!GST_CLOCK_TIME_IS_VALID (self->out_next))
    self->out_next = 0;         /* continuous output starts at 0 */

  if (!u->started) {
    pts = u->text_rt;
    if (GST_CLOCK_TIME_IS_VALID (self->out_next))
      pts = GST_CLOCK_TIME_IS_VALID (pts) ? MAX (pts, self->out_next) :
          self->out_next;
    if (!GST_CLOCK_TIME_IS_VALID (pts))
      pts = live && GST_CLOCK_TIME_IS_VALID (floor) ? floor : 0;
    u->started = TRUE;
    u->first_audio_us = g_get_monotonic_time ();
    discont = TRUE;
  } else {
    pts = u->next_pts;
  }
  if (live && GST_CLOCK_TIME_IS_VALID (floor) && pts < floor) {
    /* late: play it as soon as possible rather than have it dropped */
    GST_DEBUG_OBJECT (self, "audio is %" GST_TIME_FORMAT " late",
        GST_TIME_ARGS (floor - pts));
    pts = floor;
    discont = TRUE;
  }
  if (!live && GST_CLOCK_TIME_IS_VALID (self->out_next) && pts > self->out_next) {
    ret = push_silence (self, self->out_next, pts);
    if (ret != GST_FLOW_OK) {
      set_flow (self, ret);
      return;
    }
  }

  duration = gst_util_uint64_scale (n, GST_SECOND, rate);
  limit = G_MAXUINT64;
  if (overrun == GST_ELEVENLABS_OVERRUN_CLIP &&
      GST_CLOCK_TIME_IS_VALID (u->slot_end)) {
    if (pts >= u->slot_end) {
      u->clipped += n;
      return;
    }
    if (pts + duration > u->slot_end) {
      guint64 keep = gst_util_uint64_scale (u->slot_end - pts, rate,
          GST_SECOND);

      u->clipped += n - keep;
      n = keep;
      duration = gst_util_uint64_scale (n, GST_SECOND, rate);
      limit = duration;
    }
  }
  if (n == 0)
    return;

  buf = gst_buffer_new_memdup (g_bytes_get_data (a->samples, NULL), n * 2);
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = duration;
  if (discont)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
  u->next_pts = pts + duration;
  self->out_next = u->next_pts;
  u->samples += n;
  GST_LOG_OBJECT (self, "utterance %" G_GUINT64_FORMAT ": %" GST_TIME_FORMAT
      " + %" GST_TIME_FORMAT, u->id, GST_TIME_ARGS (pts),
      GST_TIME_ARGS (duration));
  g_mutex_lock (&self->lock);
  seq = self->flush_seq;
  g_mutex_unlock (&self->lock);
  wait_ms = (g_get_monotonic_time () - a->arrival_us) / 1000.0;
  ret = gst_pad_push (self->srcpad, buf);
  if (ret != GST_FLOW_OK) {
    set_flow (self, ret);
    return;
  }
  /* The timings describe audio downstream took, and only while no flush
   * has begun since it was pushed: a flush discards it there, and a
   * message for it would make an avatar move its lips to silence.
   * Posting after the push rather than before costs nothing to a queue
   * or an audio sink downstream: they hold the buffer well before it is
   * played, and the message carries running times. */
  g_rec_mutex_lock (&self->post_lock);
  g_mutex_lock (&self->lock);
  current = !self->flushing && self->flush_seq == seq;
  g_mutex_unlock (&self->lock);
  if (current)
    post_alignment (self, u, a, pts, duration, limit, wait_ms);
  else
    GST_DEBUG_OBJECT (self, "a flush discarded the audio at %"
        GST_TIME_FORMAT ": no alignment for it", GST_TIME_ARGS (pts));
  g_rec_mutex_unlock (&self->post_lock);
}

static void
post_utterance_stats (GstElevenlabsTts * self, Utterance * u)
{
  gint rate = GST_AUDIO_INFO_RATE (&self->out_info);
  gdouble first = u->first_audio_us ?
      (u->first_audio_us - u->first_text_us) / 1000.0 : -1.0;

  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("elevenlabstts-utterance",
              "utterance", G_TYPE_UINT64, u->id,
              "characters", G_TYPE_UINT, u->chars,
              "first-audio-latency-ms", G_TYPE_DOUBLE, first,
              "audio-duration", G_TYPE_UINT64,
              gst_util_uint64_scale (u->samples, GST_SECOND, rate),
              "audio-seconds", G_TYPE_DOUBLE, (gdouble) u->samples / rate,
              "clipped-seconds", G_TYPE_DOUBLE, (gdouble) u->clipped / rate,
              "complete", G_TYPE_BOOLEAN, u->complete && !u->cancelled,
              "interrupted", G_TYPE_BOOLEAN, u->cancelled, NULL)));
}

/* With overrun=interrupt: the utterance after @head is ready and due while
 * @head still speaks. */
static gboolean
should_interrupt (GstElevenlabsTts * self, Utterance * head)
{
  GList *l;

  if (!head->started || !GST_CLOCK_TIME_IS_VALID (head->next_pts))
    return FALSE;
  for (l = self->items.head->next; l; l = l->next) {
    Item *item = l->data;
    Utterance *v = item->utterance;

    if (v == NULL)
      continue;
    return !g_queue_is_empty (&v->chunks) &&
        GST_CLOCK_TIME_IS_VALID (v->text_rt) && head->next_pts > v->text_rt;
  }
  return FALSE;
}

static void
src_loop (GstElevenlabsTts * self)
{
  Item *item;
  Utterance *u;
  ElevenlabsAudio *a;
  GstElevenlabsOverrun overrun;

  GST_OBJECT_LOCK (self);
  overrun = self->overrun;
  GST_OBJECT_UNLOCK (self);

  g_mutex_lock (&self->lock);
  for (;;) {
    if (self->flushing) {
      g_mutex_unlock (&self->lock);
      GST_DEBUG_OBJECT (self, "flushing, pausing task");
      gst_pad_pause_task (self->srcpad);
      return;
    }
    item = g_queue_peek_head (&self->items);
    if (item == NULL) {
      g_cond_wait (&self->cond, &self->lock);
      continue;
    }
    if (item->event) {
      GstEvent *event = item->event;
      gboolean eos = GST_EVENT_TYPE (event) == GST_EVENT_EOS;

      item->event = NULL;
      g_queue_pop_head (&self->items);
      g_mutex_unlock (&self->lock);
      item_free (item);
      if (GST_EVENT_TYPE (event) == GST_EVENT_GAP) {
        push_gap (self, event);
        return;
      }
      /* The task keeps running after EOS: a new stream (STREAM_START
       * without a flush) must be spoken too. Its timeline starts afresh. */
      if (eos)
        self->out_next = GST_CLOCK_TIME_NONE;
      gst_pad_push_event (self->srcpad, event);
      return;
    }
    u = item->utterance;
    if (overrun == GST_ELEVENLABS_OVERRUN_INTERRUPT && !u->cancelled &&
        should_interrupt (self, u)) {
      GST_DEBUG_OBJECT (self, "utterance %" G_GUINT64_FORMAT " runs into "
          "the next one: interrupting it", u->id);
      u->cancelled = TRUE;
      g_queue_clear_full (&u->chunks, (GDestroyNotify) elevenlabs_audio_free);
      if (!u->done) {
        g_mutex_unlock (&self->lock);
        elevenlabs_client_cancel (self->client, u->id);
        g_mutex_lock (&self->lock);
      }
      continue;
    }
    a = g_queue_pop_head (&u->chunks);
    if (a) {
      utterance_ref (u);
      g_mutex_unlock (&self->lock);
      push_audio (self, u, a);
      elevenlabs_audio_free (a);
      utterance_unref (u);
      return;
    }
    if (u->done) {
      g_queue_pop_head (&self->items);
      g_mutex_unlock (&self->lock);
      post_utterance_stats (self, u);
      item_free (item);
      return;
    }
    g_cond_wait (&self->cond, &self->lock);
  }
}

static gboolean
src_activate_mode (GstPad * pad, GstObject * parent, GstPadMode mode,
    gboolean active)
{
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (parent);

  if (mode != GST_PAD_MODE_PUSH)
    return FALSE;
  g_mutex_lock (&self->lock);
  self->flushing = !active;
  self->last_flow = GST_FLOW_OK;
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  if (active)
    return gst_pad_start_task (pad, (GstTaskFunction) src_loop, self, NULL);
  return gst_pad_stop_task (pad);
}

/* Asks upstream whether the pipeline is live, once per stream. */
static void
learn_liveness (GstElevenlabsTts * self)
{
  GstQuery *q = gst_query_new_latency ();
  gboolean live = FALSE;
  GstClockTime min = 0, max, ours;

  if (gst_pad_peer_query (self->sinkpad, q))
    gst_query_parse_latency (q, &live, &min, &max);
  gst_query_unref (q);
  GST_OBJECT_LOCK (self);
  ours = self->latency_ms * GST_MSECOND;
  GST_OBJECT_UNLOCK (self);
  g_mutex_lock (&self->lock);
  self->live = live;
  self->pipeline_latency = (GST_CLOCK_TIME_IS_VALID (min) ? min : 0) + ours;
  g_mutex_unlock (&self->lock);
  GST_DEBUG_OBJECT (self, "upstream is %slive, pipeline latency %"
      GST_TIME_FORMAT, live ? "" : "not ", GST_TIME_ARGS (min + ours));
  self->latency_known = TRUE;
}

static gboolean
src_query (GstPad * pad, GstObject * parent, GstQuery * query)
{
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (parent);

  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gboolean live;
    GstClockTime min, max, ours;

    if (!gst_pad_peer_query (self->sinkpad, query))
      return FALSE;
    gst_query_parse_latency (query, &live, &min, &max);
    GST_OBJECT_LOCK (self);
    ours = self->latency_ms * GST_MSECOND;
    GST_OBJECT_UNLOCK (self);
    if (live) {
      /* The time we grant the service to start talking. */
      min += ours;
      if (GST_CLOCK_TIME_IS_VALID (max))
        max += ours;
      g_mutex_lock (&self->lock);
      self->live = TRUE;
      self->pipeline_latency = min;
      g_mutex_unlock (&self->lock);
    }
    gst_query_set_latency (query, live, min, max);
    return TRUE;
  }
  if (GST_QUERY_TYPE (query) == GST_QUERY_CAPS) {
    /* The rate is a property, not negotiated: offer exactly it. */
    GstCaps *filter, *caps;
    gint rate;

    GST_OBJECT_LOCK (self);
    rate = self->transport_format == ELEVENLABS_AUDIO_FORMAT_PCM ?
        self->output_rate : 48000;
    GST_OBJECT_UNLOCK (self);
    caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING,
        "S16LE", "layout", G_TYPE_STRING, "interleaved", "rate", G_TYPE_INT,
        rate, "channels", G_TYPE_INT, 1, NULL);
    gst_query_parse_caps (query, &filter);
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
  return gst_pad_query_default (pad, parent, query);
}

/* ---------------------------------------------------------------------- */
/* Utterances (streaming thread) */

static GstClockTime
running_time (GstElevenlabsTts * self, GstClockTime ts)
{
  if (!GST_CLOCK_TIME_IS_VALID (ts) ||
      self->in_segment.format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time (&self->in_segment, GST_FORMAT_TIME, ts);
}

static void
send_chunks (GstElevenlabsTts * self)
{
  guint i;

  for (i = 0; i < self->chunks->len; i++) {
    ElevenlabsChunk *c = g_ptr_array_index (self->chunks, i);

    GST_DEBUG_OBJECT (self, "utterance %" G_GUINT64_FORMAT " chunk%s: %s",
        self->cur->id, c->flush ? " (flush)" : "", c->text);
    g_mutex_lock (&self->lock);
    self->cur->chars += g_utf8_strlen (c->text, -1);
    g_mutex_unlock (&self->lock);
    elevenlabs_client_text (self->client, self->cur->id, c->text, c->flush);
  }
  g_ptr_array_set_size (self->chunks, 0);
}

static void
begin_utterance (GstElevenlabsTts * self, GstClockTime pts)
{
  Utterance *u = g_new0 (Utterance, 1);
  Item *item = g_new0 (Item, 1);

  u->refcount = 1;
  u->id = ++self->next_id;
  u->text_rt = running_time (self, pts);
  u->slot_end = GST_CLOCK_TIME_NONE;
  u->next_pts = GST_CLOCK_TIME_NONE;
  u->first_text_us = g_get_monotonic_time ();
  g_queue_init (&u->chunks);
  item->utterance = utterance_ref (u);
  self->cur = u;

  g_mutex_lock (&self->lock);
  if (self->flushing) {
    /* A FLUSH_START came while this buffer was on its way in: its text is
     * as stale as what the flush dropped. The utterance stays current
     * (FLUSH_STOP forgets it) but is never queued nor sent. */
    u->cancelled = TRUE;
    g_mutex_unlock (&self->lock);
    item_free (item);
    GST_DEBUG_OBJECT (self, "utterance %" G_GUINT64_FORMAT " begun while "
        "flushing: dropped", u->id);
    return;
  }
  g_hash_table_insert (self->active, &u->id, utterance_ref (u));
  g_queue_push_tail (&self->items, item);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
  GST_DEBUG_OBJECT (self, "utterance %" G_GUINT64_FORMAT " begins at %"
      GST_TIME_FORMAT, u->id, GST_TIME_ARGS (u->text_rt));
  elevenlabs_client_begin (self->client, u->id);
}

static void
end_utterance (GstElevenlabsTts * self)
{
  if (self->cur == NULL) {
    /* Text left over after the service ended an utterance on its own. */
    elevenlabs_chunker_reset (self->chunker);
    return;
  }
  elevenlabs_chunker_finish (self->chunker, self->chunks);
  send_chunks (self);
  elevenlabs_client_end (self->client, self->cur->id);
  GST_DEBUG_OBJECT (self, "utterance %" G_GUINT64_FORMAT " ends",
      self->cur->id);
  g_clear_pointer (&self->cur, utterance_unref);
}

/* Barge-in: every utterance still to be heard is abandoned. */
static void
cancel_all (GstElevenlabsTts * self)
{
  GList *l;
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (guint64));
  guint i;

  g_mutex_lock (&self->lock);
  for (l = self->items.head; l; l = l->next) {
    Item *item = l->data;

    if (item->utterance && !item->utterance->done) {
      item->utterance->cancelled = TRUE;
      g_array_append_val (ids, item->utterance->id);
    }
  }
  g_hash_table_remove_all (self->active);
  /* Sticky events not pushed yet (STREAM_START, CAPS, TAG) survive a
   * flush, as on a pad; SEGMENT and EOS do not. */
  l = self->items.head;
  while (l) {
    GList *next = l->next;
    Item *item = l->data;

    if (item->event == NULL || !GST_EVENT_IS_STICKY (item->event) ||
        GST_EVENT_TYPE (item->event) == GST_EVENT_SEGMENT ||
        GST_EVENT_TYPE (item->event) == GST_EVENT_EOS) {
      g_queue_delete_link (&self->items, l);
      item_free (item);
    }
    l = next;
  }
  g_mutex_unlock (&self->lock);
  for (i = 0; i < ids->len; i++)
    elevenlabs_client_cancel (self->client, g_array_index (ids, guint64, i));
  g_array_unref (ids);
}

/* ---------------------------------------------------------------------- */
/* Sink pad */

static GstCaps *
output_caps (GstElevenlabsTts * self)
{
  gint rate;

  GST_OBJECT_LOCK (self);
  rate = self->transport_format == ELEVENLABS_AUDIO_FORMAT_PCM ?
      self->output_rate : 48000;
  GST_OBJECT_UNLOCK (self);
  gst_audio_info_set_format (&self->out_info, GST_AUDIO_FORMAT_S16LE, rate, 1,
      NULL);
  return gst_audio_info_to_caps (&self->out_info);
}

static gboolean
sink_event (GstPad * pad, GstObject * parent, GstEvent * event)
{
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:{
      GstCaps *caps = output_caps (self);

      gst_event_unref (event);
      queue_event (self, gst_event_new_caps (caps));
      gst_caps_unref (caps);
      return TRUE;
    }
    case GST_EVENT_SEGMENT:{
      const GstSegment *segment;
      GstSegment out;

      gst_event_parse_segment (event, &segment);
      /* A BYTES segment (filesrc) is fine: its text is timeless and is
       * spoken back to back. */
      gst_segment_copy_into (segment, &self->in_segment);
      /* Audio is stamped with running times: a plain segment from 0. */
      gst_segment_init (&out, GST_FORMAT_TIME);
      gst_event_unref (event);
      queue_event (self, gst_event_new_segment (&out));
      return TRUE;
    }
    case GST_EVENT_GAP:{
      GstClockTime ts, dur, rt, end_rt;

      gst_event_parse_gap (event, &ts, &dur);
      rt = running_time (self, ts);
      end_rt = GST_CLOCK_TIME_IS_VALID (dur) ?
          running_time (self, ts + dur) : rt;
      gst_event_unref (event);
      if (!GST_CLOCK_TIME_IS_VALID (rt))
        return TRUE;
      /* No text until the gap's end: timed text before it is complete,
       * speak it now rather than when the next text comes. */
      if (self->cur && GST_CLOCK_TIME_IS_VALID (self->cur->slot_end) &&
          rt >= self->cur->slot_end)
        end_utterance (self);
      if (!self->latency_known)
        learn_liveness (self);
      queue_event (self, gst_event_new_gap (rt,
              GST_CLOCK_TIME_IS_VALID (end_rt) && end_rt > rt ? end_rt - rt :
              0));
      return TRUE;
    }
    case GST_EVENT_EOS:
      end_utterance (self);
      /* queued behind every utterance: EOS waits for their audio */
      queue_event (self, event);
      return TRUE;
    case GST_EVENT_FLUSH_START:
      cancel_all (self);
      g_mutex_lock (&self->lock);
      self->flushing = TRUE;
      self->flush_seq++;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);
      /* An alignment being posted for audio downstream already holds
       * finishes first; none is posted from now on. */
      g_rec_mutex_lock (&self->post_lock);
      g_rec_mutex_unlock (&self->post_lock);
      gst_pad_push_event (self->srcpad, event);
      gst_pad_pause_task (self->srcpad);
      return TRUE;
    case GST_EVENT_FLUSH_STOP:
      g_clear_pointer (&self->cur, utterance_unref);
      elevenlabs_chunker_reset (self->chunker);
      gst_segment_init (&self->in_segment, GST_FORMAT_TIME);
      self->out_next = GST_CLOCK_TIME_NONE;
      gst_pad_push_event (self->srcpad, event);
      g_mutex_lock (&self->lock);
      self->flushing = FALSE;
      self->last_flow = GST_FLOW_OK;
      g_mutex_unlock (&self->lock);
      gst_pad_start_task (self->srcpad, (GstTaskFunction) src_loop, self, NULL);
      return TRUE;
    case GST_EVENT_CUSTOM_DOWNSTREAM:
      if (sandra_end_of_sentence_event_parse (event, NULL, NULL, NULL)) {
        GST_DEBUG_OBJECT (self, "end of sentence upstream");
        end_utterance (self);
      }
      queue_event (self, event);
      return TRUE;
    default:
      if (GST_EVENT_IS_SERIALIZED (event)) {
        queue_event (self, event);
        return TRUE;
      }
      return gst_pad_event_default (pad, parent, event);
  }
}

static GstFlowReturn
sink_chain (GstPad * pad, GstObject * parent, GstBuffer * buf)
{
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (parent);
  GstFlowReturn ret;
  GstMapInfo map;
  gchar *text;
  GstClockTime pts = GST_BUFFER_PTS (buf), end_rt;
  gboolean done;

  g_mutex_lock (&self->lock);
  ret = self->last_flow;
  g_mutex_unlock (&self->lock);
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (buf);
    return ret;
  }
  if (elevenlabs_client_has_failed (self->client)) {
    gst_buffer_unref (buf);
    return GST_FLOW_ERROR;
  }
  if (!gst_buffer_map (buf, &map, GST_MAP_READ)) {
    gst_buffer_unref (buf);
    return GST_FLOW_OK;
  }
  text = g_utf8_make_valid ((const gchar *) map.data, map.size);
  gst_buffer_unmap (buf, &map);
  if (!self->latency_known)
    learn_liveness (self);

  if (self->cur) {
    g_mutex_lock (&self->lock);
    done = self->cur->done;
    g_mutex_unlock (&self->lock);
    /* the service ended it (connection lost while idle): start anew */
    if (done)
      g_clear_pointer (&self->cur, utterance_unref);
  }
  if (self->cur && GST_CLOCK_TIME_IS_VALID (pts)) {
    GstClockTime rt = running_time (self, pts), slot_end;

    g_mutex_lock (&self->lock);
    slot_end = self->cur->slot_end;
    g_mutex_unlock (&self->lock);
    /* Timed text (subtitles, transcripts) that starts after the previous
     * text's slot is a new utterance, spoken at its own time. Contiguous
     * pieces (a token stream) stay together. */
    if (GST_CLOCK_TIME_IS_VALID (slot_end) && GST_CLOCK_TIME_IS_VALID (rt) &&
        rt > slot_end) {
      GST_DEBUG_OBJECT (self, "text at %" GST_TIME_FORMAT " starts after "
          "the previous slot: new utterance", GST_TIME_ARGS (rt));
      end_utterance (self);
    }
  }
  if (self->cur == NULL)
    begin_utterance (self, pts);

  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_BUFFER_DURATION_IS_VALID (buf) &&
      GST_CLOCK_TIME_IS_VALID (end_rt = running_time (self,
              pts + GST_BUFFER_DURATION (buf)))) {
    g_mutex_lock (&self->lock);
    if (!GST_CLOCK_TIME_IS_VALID (self->cur->slot_end) ||
        end_rt > self->cur->slot_end)
      self->cur->slot_end = end_rt;
    g_mutex_unlock (&self->lock);
  }

  elevenlabs_chunker_push (self->chunker, text, self->chunks);
  send_chunks (self);
  g_free (text);
  gst_buffer_unref (buf);
  return GST_FLOW_OK;
}

/* ---------------------------------------------------------------------- */
/* State */

static ElevenlabsConfig *
snapshot_config (GstElevenlabsTts * self)
{
  ElevenlabsConfig *cfg = g_new0 (ElevenlabsConfig, 1);

  GST_OBJECT_LOCK (self);
  cfg->api_key = sandra_credentials_resolve_key (self->api_key,
      SANDRA_ELEVENLABS_KEY_ENV);
  cfg->base_url = sandra_credentials_resolve_base_url (self->base_url,
      SANDRA_ELEVENLABS_BASE_URL_ENV, SANDRA_ELEVENLABS_DEFAULT_BASE_URL);
  cfg->voice_id = g_strdup (self->voice_id);
  cfg->model_id = g_strdup (self->model_id);
  cfg->language_code = g_strdup (self->language_code);
  cfg->stability = self->stability;
  cfg->similarity_boost = self->similarity_boost;
  cfg->style = self->style;
  cfg->speed = self->speed;
  cfg->use_speaker_boost = self->use_speaker_boost;
  cfg->seed = self->seed;
  cfg->chunk_length_schedule = g_array_copy (self->schedule);
  cfg->auto_mode = self->auto_mode;
  cfg->inactivity_timeout_s = self->inactivity_timeout;
  cfg->keepalive = self->keepalive;
  cfg->retries = self->retries;
  cfg->response_timeout_ms = self->response_timeout_ms;
  cfg->transport = self->transport;
  cfg->audio_format = self->transport_format;
  cfg->rate = self->output_rate;
  GST_OBJECT_UNLOCK (self);
  return cfg;
}

static const ElevenlabsClientCallbacks client_callbacks = {
  on_audio, on_done, on_fatal
};

/* An absolute http or https URL with a host (the WebSocket URL is derived
 * from it). */
static gboolean
valid_base_url (const gchar * url)
{
  GUri *uri = url ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  const gchar *scheme, *host;
  gboolean ok;

  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  host = g_uri_get_host (uri);
  ok = host && *host && (g_ascii_strcasecmp (scheme, "http") == 0 ||
      g_ascii_strcasecmp (scheme, "https") == 0);
  g_uri_unref (uri);
  return ok;
}

static gboolean
start (GstElevenlabsTts * self)
{
  ElevenlabsConfig *cfg = snapshot_config (self);
  gboolean websocket;

  if (cfg->api_key == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("No ElevenLabs API key: set the api-key property or the "
            SANDRA_ELEVENLABS_KEY_ENV " environment variable."),
        ("no key in the property nor in the environment"));
    elevenlabs_config_free (cfg);
    return FALSE;
  }
  if (!valid_base_url (cfg->base_url)) {
    /* Caught here, not as a connection failure at the first text. */
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid ElevenLabs base URL: set base-url (or "
            SANDRA_ELEVENLABS_BASE_URL_ENV ") to an http:// or https:// URL "
            "such as " SANDRA_ELEVENLABS_DEFAULT_BASE_URL), (NULL));
    elevenlabs_config_free (cfg);
    return FALSE;
  }
  if (cfg->voice_id == NULL || *cfg->voice_id == '\0') {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("No ElevenLabs voice: set the voice-id property."), (NULL));
    elevenlabs_config_free (cfg);
    return FALSE;
  }
  if (cfg->transport == ELEVENLABS_TRANSPORT_WEBSOCKET &&
      cfg->audio_format == ELEVENLABS_AUDIO_FORMAT_PCM && cfg->rate == 48000) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("ElevenLabs streams 48 kHz PCM over HTTP only: use "
            "transport=http, another output-rate, or transport-format=opus-64"),
        (NULL));
    elevenlabs_config_free (cfg);
    return FALSE;
  }
  GST_OBJECT_LOCK (self);
  self->chunker = elevenlabs_chunker_new (self->max_chunk_chars);
  GST_OBJECT_UNLOCK (self);
  /* Over the WebSocket the service applies chunk_length_schedule itself:
   * holding words back for a sentence end would defeat it. auto_mode has
   * no schedule and wants whole sentences. */
  elevenlabs_chunker_set_stream_words (self->chunker,
      cfg->transport == ELEVENLABS_TRANSPORT_WEBSOCKET && !cfg->auto_mode);
  websocket = cfg->transport == ELEVENLABS_TRANSPORT_WEBSOCKET;
  self->client = elevenlabs_client_new (GST_ELEMENT (self), cfg,
      &client_callbacks, self);
  /* The socket's set-up (TCP, TLS, upgrade: a few hundred milliseconds
   * over the internet) is paid now, not by the first words: a reply
   * whose text comes faster than that would otherwise wait for it. */
  if (websocket)
    elevenlabs_client_connect (self->client);
  gst_segment_init (&self->in_segment, GST_FORMAT_TIME);
  self->latency_known = FALSE;
  self->out_next = GST_CLOCK_TIME_NONE;
  self->next_id = 0;
  g_mutex_lock (&self->lock);
  self->live = FALSE;
  self->pipeline_latency = 0;
  self->last_flow = GST_FLOW_OK;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static void
stop (GstElevenlabsTts * self)
{
  /* Joins the worker: no callback runs after this. */
  g_clear_pointer (&self->client, elevenlabs_client_free);
  g_clear_pointer (&self->cur, utterance_unref);
  g_clear_pointer (&self->chunker, elevenlabs_chunker_free);
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->active);
  g_queue_clear_full (&self->items, (GDestroyNotify) item_free);
  g_mutex_unlock (&self->lock);
}

static GstStateChangeReturn
change_state (GstElement * element, GstStateChange transition)
{
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (element);
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
set_string (GstElevenlabsTts * self, gchar ** field, const GValue * value)
{
  GST_OBJECT_LOCK (self);
  g_free (*field);
  *field = g_value_dup_string (value);
  GST_OBJECT_UNLOCK (self);
}

static gboolean
valid_rate (gint rate)
{
  return rate == 8000 || rate == 16000 || rate == 22050 || rate == 24000 ||
      rate == 44100 || rate == 48000;
}

static void
set_property (GObject * object, guint prop_id, const GValue * value,
    GParamSpec * pspec)
{
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (object);

  switch (prop_id) {
    case PROP_API_KEY:
      GST_OBJECT_LOCK (self);
      if (self->api_key)
        memset (self->api_key, 0, strlen (self->api_key));
      g_free (self->api_key);
      self->api_key = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_BASE_URL:
      set_string (self, &self->base_url, value);
      break;
    case PROP_VOICE_ID:
      set_string (self, &self->voice_id, value);
      break;
    case PROP_MODEL_ID:
      set_string (self, &self->model_id, value);
      break;
    case PROP_LANGUAGE_CODE:
      set_string (self, &self->language_code, value);
      break;
    case PROP_STABILITY:
      GST_OBJECT_LOCK (self);
      self->stability = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SIMILARITY_BOOST:
      GST_OBJECT_LOCK (self);
      self->similarity_boost = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_STYLE:
      GST_OBJECT_LOCK (self);
      self->style = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SPEED:
      GST_OBJECT_LOCK (self);
      self->speed = g_value_get_double (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_USE_SPEAKER_BOOST:
      GST_OBJECT_LOCK (self);
      self->use_speaker_boost = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_SEED:
      GST_OBJECT_LOCK (self);
      self->seed = g_value_get_int64 (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CHUNK_LENGTH_SCHEDULE:{
      guint i, n = gst_value_array_get_size (value);

      GST_OBJECT_LOCK (self);
      g_array_set_size (self->schedule, 0);
      for (i = 0; i < n; i++) {
        const GValue *v = gst_value_array_get_value (value, i);
        guint len = CLAMP (g_value_get_int (v), 50, 500);

        g_array_append_val (self->schedule, len);
      }
      GST_OBJECT_UNLOCK (self);
      break;
    }
    case PROP_AUTO_MODE:
      GST_OBJECT_LOCK (self);
      self->auto_mode = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_INACTIVITY_TIMEOUT:
      GST_OBJECT_LOCK (self);
      self->inactivity_timeout = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_KEEPALIVE:
      GST_OBJECT_LOCK (self);
      self->keepalive = g_value_get_boolean (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_LATENCY_MS:
      GST_OBJECT_LOCK (self);
      self->latency_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      gst_element_post_message (GST_ELEMENT (self),
          gst_message_new_latency (GST_OBJECT (self)));
      break;
    case PROP_OVERRUN:
      GST_OBJECT_LOCK (self);
      self->overrun = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_OUTPUT_RATE:{
      gint rate = g_value_get_int (value);

      if (!valid_rate (rate)) {
        g_warning ("elevenlabstts: output-rate must be 8000, 16000, 22050, "
            "24000, 44100 or 48000, not %d", rate);
        break;
      }
      GST_OBJECT_LOCK (self);
      self->output_rate = rate;
      GST_OBJECT_UNLOCK (self);
      break;
    }
    case PROP_TRANSPORT:
      GST_OBJECT_LOCK (self);
      self->transport = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_TRANSPORT_FORMAT:
      GST_OBJECT_LOCK (self);
      self->transport_format = g_value_get_enum (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_RETRIES:
      GST_OBJECT_LOCK (self);
      self->retries = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_CHUNK_CHARS:
      GST_OBJECT_LOCK (self);
      self->max_chunk_chars = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_RESPONSE_TIMEOUT_MS:
      GST_OBJECT_LOCK (self);
      self->response_timeout_ms = g_value_get_uint (value);
      GST_OBJECT_UNLOCK (self);
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
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_VOICE_ID:
      g_value_set_string (value, self->voice_id);
      break;
    case PROP_MODEL_ID:
      g_value_set_string (value, self->model_id);
      break;
    case PROP_LANGUAGE_CODE:
      g_value_set_string (value, self->language_code);
      break;
    case PROP_STABILITY:
      g_value_set_double (value, self->stability);
      break;
    case PROP_SIMILARITY_BOOST:
      g_value_set_double (value, self->similarity_boost);
      break;
    case PROP_STYLE:
      g_value_set_double (value, self->style);
      break;
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case PROP_USE_SPEAKER_BOOST:
      g_value_set_boolean (value, self->use_speaker_boost);
      break;
    case PROP_SEED:
      g_value_set_int64 (value, self->seed);
      break;
    case PROP_CHUNK_LENGTH_SCHEDULE:{
      guint i;

      for (i = 0; i < self->schedule->len; i++) {
        GValue v = G_VALUE_INIT;

        g_value_init (&v, G_TYPE_INT);
        g_value_set_int (&v, g_array_index (self->schedule, guint, i));
        gst_value_array_append_and_take_value (value, &v);
      }
      break;
    }
    case PROP_AUTO_MODE:
      g_value_set_boolean (value, self->auto_mode);
      break;
    case PROP_INACTIVITY_TIMEOUT:
      g_value_set_uint (value, self->inactivity_timeout);
      break;
    case PROP_KEEPALIVE:
      g_value_set_boolean (value, self->keepalive);
      break;
    case PROP_LATENCY_MS:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_OVERRUN:
      g_value_set_enum (value, self->overrun);
      break;
    case PROP_OUTPUT_RATE:
      g_value_set_int (value, self->output_rate);
      break;
    case PROP_TRANSPORT:
      g_value_set_enum (value, self->transport);
      break;
    case PROP_TRANSPORT_FORMAT:
      g_value_set_enum (value, self->transport_format);
      break;
    case PROP_RETRIES:
      g_value_set_uint (value, self->retries);
      break;
    case PROP_MAX_CHUNK_CHARS:
      g_value_set_uint (value, self->max_chunk_chars);
      break;
    case PROP_RESPONSE_TIMEOUT_MS:
      g_value_set_uint (value, self->response_timeout_ms);
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
  GstElevenlabsTts *self = GST_ELEVENLABS_TTS (object);

  stop (self);
  g_hash_table_unref (self->active);
  g_ptr_array_unref (self->chunks);
  g_array_unref (self->schedule);
  g_mutex_clear (&self->lock);
  g_rec_mutex_clear (&self->post_lock);
  g_cond_clear (&self->cond);
  if (self->api_key)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  g_free (self->base_url);
  g_free (self->voice_id);
  g_free (self->model_id);
  g_free (self->language_code);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_elevenlabs_tts_init (GstElevenlabsTts * self)
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

  self->voice_id = g_strdup (DEFAULT_VOICE_ID);
  self->model_id = g_strdup (DEFAULT_MODEL_ID);
  self->stability = DEFAULT_STABILITY;
  self->similarity_boost = DEFAULT_SIMILARITY_BOOST;
  self->style = DEFAULT_STYLE;
  self->speed = DEFAULT_SPEED;
  self->use_speaker_boost = DEFAULT_USE_SPEAKER_BOOST;
  self->seed = DEFAULT_SEED;
  self->schedule = g_array_new (FALSE, FALSE, sizeof (guint));
  self->auto_mode = DEFAULT_AUTO_MODE;
  self->inactivity_timeout = DEFAULT_INACTIVITY_TIMEOUT;
  self->keepalive = DEFAULT_KEEPALIVE;
  self->latency_ms = DEFAULT_LATENCY_MS;
  self->overrun = DEFAULT_OVERRUN;
  self->output_rate = DEFAULT_OUTPUT_RATE;
  self->transport = DEFAULT_TRANSPORT;
  self->transport_format = DEFAULT_TRANSPORT_FORMAT;
  self->retries = DEFAULT_RETRIES;
  self->max_chunk_chars = DEFAULT_MAX_CHUNK_CHARS;
  self->response_timeout_ms = DEFAULT_RESPONSE_TIMEOUT_MS;

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  g_rec_mutex_init (&self->post_lock);
  g_queue_init (&self->items);
  self->active = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
      (GDestroyNotify) utterance_unref);
  self->chunks = g_ptr_array_new_with_free_func ((GDestroyNotify)
      elevenlabs_chunk_free);
  self->flushing = TRUE;
  self->out_next = GST_CLOCK_TIME_NONE;
  gst_segment_init (&self->in_segment, GST_FORMAT_TIME);
  gst_audio_info_init (&self->out_info);
}

static void
gst_elevenlabs_tts_class_init (GstElevenlabsTtsClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw_ready = rw | GST_PARAM_MUTABLE_READY;

  GST_DEBUG_CATEGORY_INIT (elevenlabs_tts_debug, "elevenlabstts", 0,
      "ElevenLabs text to speech");

  gobject_class->set_property = set_property;
  gobject_class->get_property = get_property;
  gobject_class->finalize = finalize;
  element_class->change_state = change_state;

  g_object_class_install_property (gobject_class, PROP_API_KEY,
      g_param_spec_string ("api-key", "API key",
          "ElevenLabs API key; when empty, ELEVENLABS_API_KEY from the "
          "environment. Write-only: it is never shown or logged", NULL,
          G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_BASE_URL,
      g_param_spec_string ("base-url", "Base URL",
          "API base URL; when empty, ELEVENLABS_BASE_URL from the "
          "environment, else https://api.elevenlabs.io/v1 (point it at the "
          "local emulator)", NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_VOICE_ID,
      g_param_spec_string ("voice-id", "Voice ID",
          "ElevenLabs voice that speaks", DEFAULT_VOICE_ID, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MODEL_ID,
      g_param_spec_string ("model-id", "Model ID",
          "Synthesis model: eleven_flash_v2_5 (lowest latency), "
          "eleven_turbo_v2_5, eleven_multilingual_v2, eleven_v3 (HTTP only)",
          DEFAULT_MODEL_ID, rw_ready));
  g_object_class_install_property (gobject_class, PROP_LANGUAGE_CODE,
      g_param_spec_string ("language-code", "Language code",
          "ISO 639-1 language to speak (\"en\", \"es\"); empty lets the "
          "model decide", NULL, rw_ready));
  g_object_class_install_property (gobject_class, PROP_STABILITY,
      g_param_spec_double ("stability", "Stability",
          "Voice stability: low is more expressive, high more monotonous",
          0.0, 1.0, DEFAULT_STABILITY, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SIMILARITY_BOOST,
      g_param_spec_double ("similarity-boost", "Similarity boost",
          "How closely the voice sticks to the original", 0.0, 1.0,
          DEFAULT_SIMILARITY_BOOST, rw_ready));
  g_object_class_install_property (gobject_class, PROP_STYLE,
      g_param_spec_double ("style", "Style",
          "Style exaggeration (adds latency when above 0)", 0.0, 1.0,
          DEFAULT_STYLE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SPEED,
      g_param_spec_double ("speed", "Speed",
          "Speaking rate (1.0 = normal)", 0.7, 1.2, DEFAULT_SPEED, rw_ready));
  g_object_class_install_property (gobject_class, PROP_USE_SPEAKER_BOOST,
      g_param_spec_boolean ("use-speaker-boost", "Use speaker boost",
          "Boost the similarity to the original speaker",
          DEFAULT_USE_SPEAKER_BOOST, rw_ready));
  g_object_class_install_property (gobject_class, PROP_SEED,
      g_param_spec_int64 ("seed", "Seed",
          "Seed for repeatable synthesis over HTTP (-1 = none)", -1,
          G_MAXUINT32, DEFAULT_SEED, rw_ready));
  g_object_class_install_property (gobject_class, PROP_CHUNK_LENGTH_SCHEDULE,
      gst_param_spec_array ("chunk-length-schedule", "Chunk length schedule",
          "Characters the service buffers before each successive generation "
          "(WebSocket; values 50..500, e.g. <120,160,250,290>); empty uses "
          "the service's default",
          g_param_spec_int ("length", "Length", "Characters", 50, 500, 120,
              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS), rw_ready));
  g_object_class_install_property (gobject_class, PROP_AUTO_MODE,
      g_param_spec_boolean ("auto-mode", "Auto mode",
          "Let the service decide when to generate (WebSocket): no flush at "
          "sentence ends, lowest latency with whole sentences as input",
          DEFAULT_AUTO_MODE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_INACTIVITY_TIMEOUT,
      g_param_spec_uint ("inactivity-timeout", "Inactivity timeout",
          "Seconds without text after which the service closes the "
          "WebSocket (it is reopened when text comes)", 1, 180,
          DEFAULT_INACTIVITY_TIMEOUT, rw_ready));
  g_object_class_install_property (gobject_class, PROP_KEEPALIVE,
      g_param_spec_boolean ("keepalive", "Keep-alive",
          "Keep the WebSocket open between utterances with keep-alive "
          "messages and a context ready for the next one",
          DEFAULT_KEEPALIVE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_LATENCY_MS,
      g_param_spec_uint ("latency-ms", "Latency",
          "Latency reported in a live pipeline, in milliseconds: the time "
          "granted to the service to start speaking a text; audio that "
          "comes later is played as soon as possible", 0, 10000,
          DEFAULT_LATENCY_MS, rw));
  g_object_class_install_property (gobject_class, PROP_OVERRUN,
      g_param_spec_enum ("overrun", "Overrun policy",
          "What happens when an utterance's audio runs past the time of the "
          "next text", GST_TYPE_ELEVENLABS_OVERRUN, DEFAULT_OVERRUN, rw));
  g_object_class_install_property (gobject_class, PROP_OUTPUT_RATE,
      g_param_spec_int ("output-rate", "Output rate",
          "Sample rate of the PCM asked for: 8000, 16000, 22050, 24000, "
          "44100 or 48000 (HTTP only); Opus transport always gives 48000",
          8000, 48000, DEFAULT_OUTPUT_RATE, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TRANSPORT,
      g_param_spec_enum ("transport", "Transport",
          "websocket: text streamed into one socket, one context per "
          "utterance; http: one streamed request per sentence",
          ELEVENLABS_TYPE_TRANSPORT, DEFAULT_TRANSPORT, rw_ready));
  g_object_class_install_property (gobject_class, PROP_TRANSPORT_FORMAT,
      g_param_spec_enum ("transport-format", "Transport format",
          "Audio on the wire: PCM, or Ogg Opus at a bitrate in kbit/s "
          "(smaller, decoded to 48 kHz here)", ELEVENLABS_TYPE_AUDIO_FORMAT,
          DEFAULT_TRANSPORT_FORMAT, rw_ready));
  g_object_class_install_property (gobject_class, PROP_RETRIES,
      g_param_spec_uint ("retries", "Retries",
          "Retries after a busy service (429), a server error or a dropped "
          "connection", 0, 20, DEFAULT_RETRIES, rw_ready));
  g_object_class_install_property (gobject_class, PROP_MAX_CHUNK_CHARS,
      g_param_spec_uint ("max-chunk-chars", "Maximum chunk",
          "HTTP: characters held back waiting for a sentence end before "
          "they are sent up to the last word (the WebSocket sends every "
          "word at once)", 16, 5000, DEFAULT_MAX_CHUNK_CHARS, rw_ready));
  g_object_class_install_property (gobject_class, PROP_RESPONSE_TIMEOUT_MS,
      g_param_spec_uint ("response-timeout-ms", "Response timeout",
          "Milliseconds the open WebSocket waits for the service once an "
          "utterance's text is all sent (counted from the last audio); "
          "then the rest is skipped with a warning, so EOS is not held "
          "back forever (0 = wait forever)", 0, 600000,
          DEFAULT_RESPONSE_TIMEOUT_MS, rw_ready));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "ElevenLabs text to speech", "Filter/Text/Audio/Network",
      "Speaks text with ElevenLabs voices, streamed over a WebSocket or "
      "HTTPS, with character timings for lip sync", "gst-sandra contributors");

  gst_type_mark_as_plugin_api (GST_TYPE_ELEVENLABS_OVERRUN, 0);
  gst_type_mark_as_plugin_api (ELEVENLABS_TYPE_TRANSPORT, 0);
  gst_type_mark_as_plugin_api (ELEVENLABS_TYPE_AUDIO_FORMAT, 0);
}
