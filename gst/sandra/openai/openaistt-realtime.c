/* gst-sandra: openaistt's Realtime transcription session
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "openaistt-realtime.h"
#include "sandra-realtime-events.h"
#include "net/sandra-worker.h"
#include "net/sandra-websocket.h"
#include "net/sandra-credentials.h"

#include <gst/audio/audio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (stt_realtime_debug);
#define GST_CAT_DEFAULT stt_realtime_debug

/* The Realtime API's PCM input: S16LE mono at 24 kHz. */
#define SESSION_RATE 24000
/* Audio goes out in events of this length (the API asks for 20..100 ms). */
#define APPEND_MS 40
#define APPEND_SAMPLES (SESSION_RATE * APPEND_MS / 1000)
#define HOLD_SAMPLES ((gsize) SESSION_RATE * OPENAI_STT_REALTIME_HOLD_MS / 1000)
/* The server refuses to commit less than this. */
#define MIN_COMMIT_MS 100
/* How often deadlines are checked. */
#define SWEEP_MS 250

/* A commit the element sent, not yet answered. With turn detection off
 * the element knows the turn exactly; with the server's VAD it only knows
 * where the audio committed ends (at EOS or a new segment). */
typedef struct
{
  GstClockTime pts;
  GstClockTime duration;
  GstClockTime end;
} Commit;

/* A message handed to the socket. The socket keeps what it has not
 * written yet across a reconnection and sends it to the new session
 * first; these records let that part be taken back and held again, with
 * its timestamps, so that the new session's clock (audio_start_ms counts
 * from its first sample) maps to the right audio. */
typedef enum
{
  SENT_AUDIO,
  SENT_COMMIT,
  SENT_CLEAR,
  SENT_OTHER                    /* session.update: sent afresh on reconnect */
} SentKind;

typedef struct
{
  SentKind kind;
  GstClockTime pts;             /* SENT_AUDIO */
  GBytes *samples;              /* SENT_AUDIO: S16 at SESSION_RATE */
} Sent;

/* A turn the server committed, waiting for its transcript. */
typedef struct
{
  guint64 ticket;
  guint64 id;
  GstClockTime pts;
  GstClockTime duration;
  GString *partial;
  gint64 end_us;                /* when the turn was committed */
  gint64 deadline_us;           /* reported lost after this */
} Turn;

/* Where audio of a given PTS entered the session: server offsets count
 * samples sent, which only map to timestamps piece by piece (gaps, flushes
 * and new segments break a single mapping). */
typedef struct
{
  guint64 offset;               /* session samples before it */
  GstClockTime pts;
} Anchor;

/* A serialized event waiting for the commits made before it. */
typedef struct
{
  GstEvent *event;
  guint64 needed;               /* commits_answered must reach this */
  gint64 since_us;
} Barrier;

/* Where the server heard speech, in ms since the session's first sample. */
typedef struct
{
  gint64 start_ms;
  gint64 end_ms;
} Speech;

struct _OpenaiSttRealtime
{
  GstElement *element;
  OpenaiSttConfig *cfg;
  OpenaiSttClientCallbacks cb;
  gpointer user_data;

  SandraWorker *worker;
  SandraWebSocket *ws;

  /* streaming thread only */
  GstAudioResampler *resampler;
  gint resampler_rate;
  GByteArray *pending_out;      /* 24 kHz samples not yet APPEND_SAMPLES */
  GByteArray *resampled;        /* scratch, reused for every buffer */
  GstClockTime pending_out_pts;
  GstClockTime last_end_pts;    /* end of the last audio pushed */

  GMutex lock;
  GCond cond;
  gboolean open;
  gboolean failed;
  gboolean closed_for_good;
  GByteArray *held;             /* 24 kHz audio captured while not open */
  GArray *held_commits;         /* gsize: commits made meanwhile, as offsets
                                 * (in samples) into @held */
  GArray *held_anchors;         /* Anchor: offsets into @held */
  gsize held_dropped;           /* samples dropped since the last warning */
  /* The session's clock: server ms offsets count samples sent. */
  GArray *anchors;              /* Anchor */
  guint64 session_samples;
  guint64 samples_since_commit;
  GQueue commits;               /* Commit*, the element's own, in order */
  guint64 commits_sent;         /* the element's commits */
  guint64 commits_answered;     /* ... answered (or given up) */
  GQueue sent;                  /* Sent*: the newest messages handed to the
                                 * socket, at least those it still holds */
  /* The server answers each clear with `cleared`, in order: until the
   * clear sent on a flush is answered, commits are of flushed audio. */
  guint64 clears_sent;
  guint64 clears_answered;
  guint64 flushed_until;        /* clears_answered must reach this */
  GQueue barriers;              /* Barrier* */
  GSource *sweeper;             /* deadlines of turns and barriers */
  gsize send_dropped;           /* samples the socket queue refused */
  GHashTable *turns;            /* item_id -> Turn* */
  GHashTable *speech;           /* item_id -> Speech* */
  guint64 next_turn_id;
};

static void
sent_free (Sent * e)
{
  if (e->samples)
    g_bytes_unref (e->samples);
  g_free (e);
}

static void
turn_free (Turn * t)
{
  g_string_free (t->partial, TRUE);
  g_free (t);
}

static gboolean
server_vad (OpenaiSttRealtime * rt)
{
  return rt->cfg->turn_detection != SANDRA_REALTIME_TURN_DETECTION_NONE;
}

static guint
timeout_ms (OpenaiSttRealtime * rt)
{
  return rt->cfg->timeout_ms ? rt->cfg->timeout_ms : 30000;
}

/* Under the lock. */
static GstClockTime
session_ms_to_pts (OpenaiSttRealtime * rt, gint64 ms)
{
  guint64 offset;
  const Anchor *a = NULL;
  guint i;

  if (ms < 0 || rt->anchors->len == 0)
    return GST_CLOCK_TIME_NONE;
  offset = gst_util_uint64_scale_int (ms, SESSION_RATE, 1000);
  for (i = 0; i < rt->anchors->len; i++) {
    const Anchor *x = &g_array_index (rt->anchors, Anchor, i);

    if (x->offset > offset && a != NULL)
      break;
    a = x;
  }
  if (offset < a->offset)
    return a->pts;
  return a->pts + gst_util_uint64_scale_int (offset - a->offset, GST_SECOND,
      SESSION_RATE);
}

/* Under the lock: audio of @pts is about to become session samples
 * [session_samples, session_samples + n). */
static void
note_append_locked (OpenaiSttRealtime * rt, GstClockTime pts, gsize n)
{
  if (GST_CLOCK_TIME_IS_VALID (pts)) {
    gboolean anchor = rt->anchors->len == 0;

    if (!anchor) {
      const Anchor *last = &g_array_index (rt->anchors, Anchor,
          rt->anchors->len - 1);
      GstClockTime expected = last->pts +
          gst_util_uint64_scale_int (rt->session_samples - last->offset,
          GST_SECOND, SESSION_RATE);

      anchor = ABS (GST_CLOCK_DIFF (expected, pts)) > 2 * GST_MSECOND;
    }
    if (anchor) {
      Anchor a = { rt->session_samples, pts };

      g_array_append_val (rt->anchors, a);
    }
  }
  rt->session_samples += n;
}

static void
post_warning (OpenaiSttRealtime * rt, gchar * text, GstStructure * details)
{
  gst_element_message_full_with_details (rt->element, GST_MESSAGE_WARNING,
      GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ, text, NULL, __FILE__,
      GST_FUNCTION, __LINE__, details);
}

static gchar *
build_session_update (OpenaiSttRealtime * rt)
{
  SandraRealtimeSessionConfig sc;
  GError *err = NULL;
  gchar *json;

  sandra_realtime_session_config_init (&sc,
      SANDRA_REALTIME_SESSION_TRANSCRIPTION);
  g_mutex_lock (&rt->lock);
  sc.transcription_model = g_strdup (rt->cfg->model);
  sc.transcription_language = rt->cfg->language && *rt->cfg->language ?
      g_strdup (rt->cfg->language) : NULL;
  sc.transcription_prompt = rt->cfg->prompt && *rt->cfg->prompt ?
      g_strdup (rt->cfg->prompt) : NULL;
  g_mutex_unlock (&rt->lock);
  sc.turn_detection = rt->cfg->turn_detection;
  sc.noise_reduction = rt->cfg->noise_reduction;
  json = sandra_realtime_session_build_update (&sc, rt->cfg->api,
      SANDRA_REALTIME_FIELD_ALL, "sandra-session", &err);
  if (json == NULL) {
    GST_ERROR_OBJECT (rt->element, "cannot build session.update: %s",
        err->message);
    g_clear_error (&err);
  }
  sandra_realtime_session_config_clear (&sc);
  return json;
}

/* Under the lock (every message goes through here, so that the records
 * are in the order of the socket's queue): queues @json (taken) and
 * records it. Only the records the socket may still hold are kept. */
static gboolean
send_locked (OpenaiSttRealtime * rt, gchar * json, SandraWsSendFlags flags,
    SentKind kind, const gint16 * samples, gsize n, GstClockTime pts)
{
  GBytes *data = g_bytes_new_take (json, strlen (json));
  gboolean queued_ok;
  Sent *e;
  guint queued;

  queued_ok = sandra_websocket_send (rt->ws, SOUP_WEBSOCKET_DATA_TEXT, data,
      flags, NULL);
  g_bytes_unref (data);
  if (!queued_ok)
    return FALSE;
  e = g_new0 (Sent, 1);
  e->kind = kind;
  e->pts = pts;
  if (kind == SENT_AUDIO)
    e->samples = g_bytes_new (samples, n * 2);
  g_queue_push_tail (&rt->sent, e);
  /* The socket writes its queue in order: what it no longer holds is the
   * oldest part of the records. */
  queued = sandra_websocket_get_queued (rt->ws);
  while (rt->sent.length > queued)
    sent_free (g_queue_pop_head (&rt->sent));
  return TRUE;
}

/* Under the lock: the server's input buffer loses what was not
 * committed. */
static gboolean
send_clear_locked (OpenaiSttRealtime * rt)
{
  if (!send_locked (rt, sandra_realtime_event_input_audio_clear (NULL),
          SANDRA_WS_SEND_NONE, SENT_CLEAR, NULL, 0, GST_CLOCK_TIME_NONE))
    return FALSE;
  rt->clears_sent++;
  return TRUE;
}

/* Under the lock: whether events now come from before a flush. */
static gboolean
flushed_locked (OpenaiSttRealtime * rt)
{
  return rt->clears_answered < rt->flushed_until;
}

/* Under the lock. */
static void
send_append_locked (OpenaiSttRealtime * rt, const gint16 * samples, gsize n,
    GstClockTime pts)
{
  gchar *event;

  event = sandra_realtime_event_input_audio_append (samples, n * 2, NULL);
  if (!send_locked (rt, event, SANDRA_WS_SEND_NONE, SENT_AUDIO, samples, n,
          pts)) {
    /* The socket's queue is full: the service is not keeping up. */
    rt->send_dropped += n;
    return;
  }
  note_append_locked (rt, pts, n);
}

/* Under the lock: hands every event whose commits are answered to the
 * element, in order. Delivering under the lock keeps events and the turns
 * reserved in on_committed() in one order. */
static void
release_barriers_locked (OpenaiSttRealtime * rt)
{
  Barrier *b;

  while ((b = g_queue_peek_head (&rt->barriers)) &&
      b->needed <= rt->commits_answered) {
    g_queue_pop_head (&rt->barriers);
    rt->cb.event (b->event, rt->user_data);
    g_free (b);
  }
}

/* Under the lock: a commit was answered (or will never be). */
static void
commit_answered_locked (OpenaiSttRealtime * rt)
{
  if (rt->commits_answered < rt->commits_sent)
    rt->commits_answered++;
  release_barriers_locked (rt);
}

/* Under the lock: puts a counted commit on the wire. */
static void
send_commit_locked (OpenaiSttRealtime * rt)
{
  gchar *event = sandra_realtime_event_input_audio_commit (NULL);

  if (!send_locked (rt, event, SANDRA_WS_SEND_NONE, SENT_COMMIT, NULL, 0,
          GST_CLOCK_TIME_NONE)) {
    GST_WARNING_OBJECT (rt->element, "commit could not be queued");
    g_free (g_queue_pop_tail (&rt->commits));
    commit_answered_locked (rt);
  }
}

/* Worker thread: every turn still waiting is reported lost, so output
 * never stalls behind it; commits without a record (see on_closed()) are
 * given up. */
static void
fail_pending_turns (OpenaiSttRealtime * rt)
{
  GHashTableIter iter;
  gpointer key, value;
  GList *lost = NULL, *l;

  g_mutex_lock (&rt->lock);
  g_hash_table_iter_init (&iter, rt->turns);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    /* stealing frees neither: the turn is reported below, the id here */
    lost = g_list_prepend (lost, value);
    g_hash_table_iter_steal (&iter);
    g_free (key);
  }
  g_hash_table_remove_all (rt->speech);
  g_cond_broadcast (&rt->cond);
  g_mutex_unlock (&rt->lock);

  /* Lost turns first, then the events that waited behind them. */
  for (l = lost; l; l = l->next) {
    Turn *t = l->data;

    rt->cb.failed (t->ticket, t->pts, t->duration, rt->user_data);
    turn_free (t);
  }
  g_list_free (lost);
  g_mutex_lock (&rt->lock);
  /* One record per open commit, including those made meanwhile. */
  rt->commits_answered = rt->commits_sent - rt->commits.length;
  release_barriers_locked (rt);
  g_mutex_unlock (&rt->lock);
}

/* ---------------------------------------------------------------------- */
/* WebSocket callbacks (worker thread) */

/* Under the lock: the timestamp of held sample @off. */
static GstClockTime
held_pts_at (OpenaiSttRealtime * rt, gsize off)
{
  const Anchor *a = NULL;
  guint i;

  for (i = 0; i < rt->held_anchors->len; i++) {
    const Anchor *x = &g_array_index (rt->held_anchors, Anchor, i);

    if (x->offset > off)
      break;
    a = x;
  }
  if (a == NULL || !GST_CLOCK_TIME_IS_VALID (a->pts))
    return GST_CLOCK_TIME_NONE;
  return a->pts + gst_util_uint64_scale_int (off - a->offset, GST_SECOND,
      SESSION_RATE);
}

/* Under the lock: where the next jump in time after @off is. */
static gsize
held_next_anchor (OpenaiSttRealtime * rt, gsize off)
{
  guint i;

  for (i = 0; i < rt->held_anchors->len; i++) {
    const Anchor *x = &g_array_index (rt->held_anchors, Anchor, i);

    if (x->offset > off)
      return x->offset;
  }
  return G_MAXSIZE;
}

/* Under the lock: appends to the held audio, which keeps its timeline
 * (jumps included) and at most OPENAI_STT_REALTIME_HOLD_MS. Returns how
 * much of the oldest audio was dropped, when that is worth a warning. */
static gsize
hold_audio_locked (OpenaiSttRealtime * rt, const gint16 * samples, gsize n,
    GstClockTime pts)
{
  gsize dropped = 0;
  gsize at = rt->held->len / 2;
  GstClockTime expected = rt->held_anchors->len ? held_pts_at (rt, at) :
      GST_CLOCK_TIME_NONE;

  if (rt->held_anchors->len == 0 || (GST_CLOCK_TIME_IS_VALID (pts) &&
          (!GST_CLOCK_TIME_IS_VALID (expected) ||
              ABS (GST_CLOCK_DIFF (expected, pts)) > 2 * GST_MSECOND))) {
    Anchor a = { at, pts };

    g_array_append_val (rt->held_anchors, a);
  }
  g_byte_array_append (rt->held, (const guint8 *) samples, n * 2);
  if (rt->held->len / 2 > HOLD_SAMPLES) {
    gsize excess = rt->held->len / 2 - HOLD_SAMPLES;
    guint i;

    /* Keep the newest audio: it is what the user is saying now. Commits
     * whose audio is gone now end whatever is left. */
    g_byte_array_remove_range (rt->held, 0, excess * 2);
    for (i = 0; i < rt->held_commits->len; i++) {
      gsize *o = &g_array_index (rt->held_commits, gsize, i);

      *o = *o > excess ? *o - excess : 0;
    }
    {
      GstClockTime first = held_pts_at (rt, excess);
      Anchor a = { 0, first };

      /* Anchors move with the audio; the oldest kept sample gets one. */
      while (rt->held_anchors->len > 0 &&
          g_array_index (rt->held_anchors, Anchor, 0).offset <= excess)
        g_array_remove_index (rt->held_anchors, 0);
      for (i = 0; i < rt->held_anchors->len; i++)
        g_array_index (rt->held_anchors, Anchor, i).offset -= excess;
      g_array_prepend_val (rt->held_anchors, a);
    }
    rt->held_dropped += excess;
    if (rt->held_dropped >= SESSION_RATE) {
      dropped = rt->held_dropped;
      rt->held_dropped = 0;
    }
  }
  return dropped;
}

/* Under the lock: forgets the held audio after the last held commit. */
static void
held_discard_uncommitted_locked (OpenaiSttRealtime * rt)
{
  gsize keep = rt->held_commits->len > 0 ?
      g_array_index (rt->held_commits, gsize, rt->held_commits->len - 1) : 0;

  g_byte_array_set_size (rt->held, keep * 2);
  while (rt->held_anchors->len > 0 && g_array_index (rt->held_anchors,
          Anchor, rt->held_anchors->len - 1).offset >= keep && keep > 0)
    g_array_remove_index (rt->held_anchors, rt->held_anchors->len - 1);
  if (keep == 0)
    g_array_set_size (rt->held_anchors, 0);
}

/* Worker thread, under the lock, an open socket just dropped: what it
 * had not written yet would reach the next session ahead of the audio
 * held from now on, unaccounted for, and shift that session's clock (its
 * audio_start_ms count from its own first sample). Take it back and hold
 * it, with its timestamps and commits. Commits the old session received
 * and did not answer are given up (their records dropped); those taken
 * back stay open. Returns what the hold limit dropped. */
static gsize
hold_unwritten_locked (OpenaiSttRealtime * rt)
{
  guint unwritten = MIN (sandra_websocket_clear_queue (rt->ws),
      rt->sent.length);
  guint commits = 0;
  gsize dropped = 0;
  GList *l;

  /* The socket was open, so nothing was being held. */
  g_warn_if_fail (rt->held->len == 0 && rt->held_commits->len == 0);
  l = unwritten ? g_queue_peek_nth_link (&rt->sent,
      rt->sent.length - unwritten) : NULL;
  for (; l; l = l->next) {
    Sent *e = l->data;
    gsize at = rt->held->len / 2, n;
    const gint16 *samples;

    switch (e->kind) {
      case SENT_AUDIO:
        samples = g_bytes_get_data (e->samples, &n);
        dropped += hold_audio_locked (rt, samples, n / 2, e->pts);
        break;
      case SENT_COMMIT:
        g_array_append_val (rt->held_commits, at);
        commits++;
        break;
      case SENT_CLEAR:
        held_discard_uncommitted_locked (rt);
        break;
      case SENT_OTHER:
        break;
    }
  }
  /* Commits are answered in order: the ones taken back are the newest. */
  while (rt->commits.length > commits)
    g_free (g_queue_pop_head (&rt->commits));
  GST_DEBUG_OBJECT (rt->element, "took back %u unwritten messages (%"
      G_GSIZE_FORMAT " ms of audio, %u commits)", unwritten,
      (gsize) rt->held->len / 2 * 1000 / SESSION_RATE, commits);
  return dropped;
}

static void
on_opened (SandraWebSocket * ws, const gchar * protocol,
    SoupMessageHeaders * headers, gboolean reconnected, gpointer user_data)
{
  OpenaiSttRealtime *rt = user_data;
  gchar *update = build_session_update (rt);
  gsize n, off;
  const gint16 *held;
  guint i;

  GST_INFO_OBJECT (rt->element, "transcription session %s",
      reconnected ? "reconnected" : "connected");
  g_mutex_lock (&rt->lock);
  /* The socket's queue is empty (see on_closed()): the records stay in
   * the order it writes. */
  if (update)
    send_locked (rt, update, SANDRA_WS_SEND_FIRST, SENT_OTHER, NULL, 0,
        GST_CLOCK_TIME_NONE);
  /* A new session counts its audio from zero. */
  g_array_set_size (rt->anchors, 0);
  rt->session_samples = 0;
  held = (const gint16 *) rt->held->data;
  n = rt->held->len / 2;
  /* Audio and the commits made while it was held go out in their order. */
  for (off = 0, i = 0; off < n || i < rt->held_commits->len;) {
    gsize next_commit = i < rt->held_commits->len ?
        g_array_index (rt->held_commits, gsize, i) : G_MAXSIZE;
    gsize chunk = MIN (MIN (APPEND_SAMPLES, n - off), next_commit - off);

    if (off >= next_commit || off >= n) {
      send_commit_locked (rt);
      i++;
      continue;
    }
    /* A chunk never straddles a jump in time. */
    chunk = MIN (chunk, held_next_anchor (rt, off) - off);
    send_append_locked (rt, held + off, chunk, held_pts_at (rt, off));
    off += chunk;
  }
  g_array_set_size (rt->held_commits, 0);
  g_array_set_size (rt->held_anchors, 0);
  g_byte_array_set_size (rt->held, 0);
  rt->open = TRUE;
  g_cond_broadcast (&rt->cond);
  g_mutex_unlock (&rt->lock);

  if (reconnected) {
    gst_element_post_message (rt->element,
        gst_message_new_element (GST_OBJECT (rt->element),
            gst_structure_new ("openaistt-reconnected",
                "held-ms", G_TYPE_UINT64, (guint64) n * 1000 / SESSION_RATE,
                NULL)));
  }
}

static Turn *
lookup_turn (OpenaiSttRealtime * rt, const gchar * item_id)
{
  Turn *t;

  g_mutex_lock (&rt->lock);
  t = item_id ? g_hash_table_lookup (rt->turns, item_id) : NULL;
  g_mutex_unlock (&rt->lock);
  return t;
}

static void
fill_result (OpenaiSttResult * r, Turn * t, const gchar * text)
{
  memset (r, 0, sizeof (*r));
  r->ticket = t->ticket;
  r->utterance_id = t->id;
  r->text = text;
  r->pts = t->pts;
  r->duration = t->duration;
  r->start_running_time = GST_CLOCK_TIME_NONE;
  r->end_running_time = GST_CLOCK_TIME_NONE;
  r->latency_ms = (g_get_monotonic_time () - t->end_us) / 1000.0;
}

static void
on_committed (OpenaiSttRealtime * rt, const SandraRealtimeServerEvent * ev)
{
  Turn *t = g_new0 (Turn, 1);
  Commit *c = NULL;
  Speech *sp;

  t->partial = g_string_new (NULL);
  t->end_us = g_get_monotonic_time ();
  t->deadline_us = t->end_us + timeout_ms (rt) * G_TIME_SPAN_MILLISECOND;
  g_mutex_lock (&rt->lock);
  if (flushed_locked (rt)) {
    /* A turn of flushed audio: its transcript must not come out. */
    if (ev->item_id)
      g_hash_table_remove (rt->speech, ev->item_id);
    g_mutex_unlock (&rt->lock);
    GST_DEBUG_OBJECT (rt->element, "ignoring turn %s, committed before a "
        "flush", GST_STR_NULL (ev->item_id));
    turn_free (t);
    return;
  }
  sp = ev->item_id ? g_hash_table_lookup (rt->speech, ev->item_id) : NULL;
  /* Whose commit is this? The server's VAD announces the end of speech
   * (speech_stopped) before it commits a turn; a commit without one
   * answers the oldest of the element's open commits. Events wait for
   * the element's commits only: a turn the server cut before one of them
   * must not release an event that follows the audio after the cut. */
  if (rt->commits_answered < rt->commits_sent &&
      (!server_vad (rt) || sp == NULL || sp->end_ms < 0))
    c = g_queue_pop_head (&rt->commits);
  /* Its place in the output, then the events that waited for it. */
  t->ticket = rt->cb.reserve (rt->user_data);
  if (c)
    commit_answered_locked (rt);
  t->id = rt->next_turn_id++;
  rt->samples_since_commit = 0;
  if (c && GST_CLOCK_TIME_IS_VALID (c->pts)) {
    /* Turn detection off: the element knows exactly what it committed. */
    t->pts = c->pts;
    t->duration = c->duration;
  } else if (sp) {
    t->pts = session_ms_to_pts (rt, sp->start_ms);
    t->duration = sp->end_ms >= sp->start_ms ?
        (GstClockTime) (sp->end_ms - sp->start_ms) * GST_MSECOND :
        GST_CLOCK_TIME_NONE;
    /* Speech the element's commit cut short ends where that audio did. */
    if (c && sp->end_ms < 0 && GST_CLOCK_TIME_IS_VALID (t->pts) &&
        GST_CLOCK_TIME_IS_VALID (c->end) && c->end > t->pts)
      t->duration = c->end - t->pts;
  } else {
    t->pts = GST_CLOCK_TIME_NONE;
    t->duration = GST_CLOCK_TIME_NONE;
  }
  g_free (c);
  if (ev->item_id)
    g_hash_table_remove (rt->speech, ev->item_id);
  if (t->ticket == 0 || ev->item_id == NULL) {
    g_mutex_unlock (&rt->lock);
    /* A turn nothing can refer to: its place is filled as lost at once. */
    if (t->ticket != 0)
      rt->cb.failed (t->ticket, t->pts, t->duration, rt->user_data);
    turn_free (t);
    return;
  }
  g_hash_table_insert (rt->turns, g_strdup (ev->item_id), t);
  g_mutex_unlock (&rt->lock);
  GST_DEBUG_OBJECT (rt->element, "turn %s committed (%" GST_TIME_FORMAT
      " + %" GST_TIME_FORMAT ")", ev->item_id, GST_TIME_ARGS (t->pts),
      GST_TIME_ARGS (t->duration));
}

static void
finish_turn (OpenaiSttRealtime * rt, const gchar * item_id, const gchar * text)
{
  Turn *t;
  gchar *key;
  OpenaiSttResult r;

  g_mutex_lock (&rt->lock);
  if (item_id == NULL ||
      !g_hash_table_steal_extended (rt->turns, item_id, (gpointer *) & key,
          (gpointer *) & t)) {
    g_mutex_unlock (&rt->lock);
    return;
  }
  g_cond_broadcast (&rt->cond);
  g_mutex_unlock (&rt->lock);
  g_free (key);

  if (text) {
    fill_result (&r, t, text);
    rt->cb.final (&r, rt->user_data);
  } else {
    rt->cb.failed (t->ticket, t->pts, t->duration, rt->user_data);
  }
  turn_free (t);
}

static void
on_error_event (OpenaiSttRealtime * rt, const SandraRealtimeServerEvent * ev)
{
  gchar *msg;

  if (g_strcmp0 (ev->error_code, "input_audio_buffer_commit_empty") == 0) {
    /* A commit with nothing (new) in it: that turn simply has no text. */
    g_mutex_lock (&rt->lock);
    /* The flush forgot the commits made before it. */
    if (!flushed_locked (rt)) {
      if (rt->commits_answered < rt->commits_sent)
        g_free (g_queue_pop_head (&rt->commits));
      commit_answered_locked (rt);
    }
    g_mutex_unlock (&rt->lock);
    return;
  }
  if (sandra_realtime_server_event_is_benign_error (ev))
    return;
  if (g_strcmp0 (ev->error_code, "invalid_api_key") == 0 ||
      g_strcmp0 (ev->error_type, "authentication_error") == 0) {
    g_mutex_lock (&rt->lock);
    rt->failed = TRUE;
    g_mutex_unlock (&rt->lock);
    msg = sandra_credentials_redact_text (ev->error_message,
        rt->cfg->api_key);
    GST_ELEMENT_ERROR_WITH_DETAILS (rt->element, RESOURCE, NOT_AUTHORIZED,
        ("OpenAI rejected the API key: %s", GST_STR_NULL (msg)), (NULL),
        ("code", G_TYPE_STRING, ev->error_code ? ev->error_code : "",
            "type", G_TYPE_STRING, ev->error_type ? ev->error_type : "",
            NULL));
    g_free (msg);
    rt->cb.fatal (rt->user_data);
    return;
  }
  msg = sandra_credentials_redact_text (ev->error_message, rt->cfg->api_key);
  post_warning (rt, g_strdup_printf ("OpenAI Realtime error %s: %s",
          GST_STR_NULL (ev->error_code), GST_STR_NULL (msg)),
      gst_structure_new ("sandra-api-error",
          "code", G_TYPE_STRING, ev->error_code ? ev->error_code : "",
          "type", G_TYPE_STRING, ev->error_type ? ev->error_type : "",
          "event-id", G_TYPE_STRING,
          ev->error_event_id ? ev->error_event_id : "", NULL));
  g_free (msg);
}

static void
on_text (SandraWebSocket * ws, const gchar * text, gsize len,
    gpointer user_data)
{
  OpenaiSttRealtime *rt = user_data;
  g_autoptr (GError) err = NULL;
  g_autoptr (SandraRealtimeServerEvent) ev =
      sandra_realtime_server_event_parse (text, len, &err);
  Speech *sp;
  Turn *t;

  if (ev == NULL) {
    post_warning (rt, g_strdup_printf ("OpenAI sent an event that could not "
            "be read (%s); ignored", err->message), NULL);
    return;
  }

  switch (ev->type) {
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STARTED:
      g_mutex_lock (&rt->lock);
      sp = g_new0 (Speech, 1);
      sp->start_ms = ev->audio_start_ms;
      sp->end_ms = -1;
      if (ev->item_id)
        g_hash_table_replace (rt->speech, g_strdup (ev->item_id), sp);
      else
        g_free (sp);
      g_mutex_unlock (&rt->lock);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STOPPED:
      g_mutex_lock (&rt->lock);
      sp = ev->item_id ? g_hash_table_lookup (rt->speech, ev->item_id) : NULL;
      if (sp)
        sp->end_ms = ev->audio_end_ms;
      g_mutex_unlock (&rt->lock);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_COMMITTED:
      on_committed (rt, ev);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_CLEARED:
      g_mutex_lock (&rt->lock);
      if (rt->clears_answered < rt->clears_sent)
        rt->clears_answered++;
      /* Speech in the cleared buffer will not be committed. */
      g_hash_table_remove_all (rt->speech);
      g_mutex_unlock (&rt->lock);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_DELTA:
      if ((t = lookup_turn (rt, ev->item_id))) {
        OpenaiSttResult r;

        /* Only the worker thread touches a turn's text. */
        g_string_append (t->partial, ev->delta ? ev->delta : "");
        fill_result (&r, t, t->partial->str);
        rt->cb.partial (&r, rt->user_data);
      }
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_COMPLETED:
      if ((t = lookup_turn (rt, ev->item_id)))
        finish_turn (rt, ev->item_id, ev->text ? ev->text : t->partial->str);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_FAILED:
      {
        gchar *msg = sandra_credentials_redact_text (ev->error_message,
            rt->cfg->api_key);

        post_warning (rt, g_strdup_printf ("OpenAI could not transcribe a "
                "turn (%s); that turn is lost", GST_STR_NULL (msg)), NULL);
        g_free (msg);
      }
      finish_turn (rt, ev->item_id, NULL);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_ERROR:
      on_error_event (rt, ev);
      break;
    default:
      GST_LOG_OBJECT (rt->element, "ignoring %s", ev->type_name);
      break;
  }
}

static void
on_closed (SandraWebSocket * ws, const SandraWsCloseInfo * info,
    gpointer user_data)
{
  OpenaiSttRealtime *rt = user_data;
  gsize dropped = 0;

  g_mutex_lock (&rt->lock);
  if (!info->will_reconnect) {
    rt->closed_for_good = TRUE;
    /* Nothing will answer the open commits. */
    g_queue_clear_full (&rt->commits, g_free);
  } else if (rt->open)
    dropped = hold_unwritten_locked (rt);
  rt->open = FALSE;
  g_queue_clear_full (&rt->sent, (GDestroyNotify) sent_free);
  /* Nothing from before a flush can come from the next session. */
  rt->clears_answered = rt->clears_sent = rt->flushed_until = 0;
  g_cond_broadcast (&rt->cond);
  g_mutex_unlock (&rt->lock);

  fail_pending_turns (rt);
  if (dropped)
    post_warning (rt, g_strdup_printf ("Not connected to OpenAI: dropped %"
            G_GSIZE_FORMAT " ms of the oldest held audio (at most %d ms is "
            "kept)", dropped * 1000 / SESSION_RATE,
            OPENAI_STT_REALTIME_HOLD_MS), NULL);

  if (info->will_reconnect) {
    post_warning (rt, g_strdup_printf ("The OpenAI Realtime connection was "
            "lost (%u %s); reconnecting. Turns being transcribed are lost; "
            "audio is held meanwhile.", info->code,
            info->reason ? info->reason : ""),
        gst_structure_new ("sandra-websocket-close",
            "close-code", G_TYPE_UINT, (guint) info->code,
            "http-status", G_TYPE_UINT, info->http_status, NULL));
    return;
  }
  if (info->klass == SANDRA_WS_CLOSE_NORMAL)
    return;

  g_mutex_lock (&rt->lock);
  rt->failed = TRUE;
  g_mutex_unlock (&rt->lock);
  if (info->klass == SANDRA_WS_CLOSE_FATAL_AUTH) {
    GST_ELEMENT_ERROR_WITH_DETAILS (rt->element, RESOURCE, NOT_AUTHORIZED,
        ("OpenAI rejected the API key (%s %u). Check the api-key property "
            "or OPENAI_API_KEY.", info->http_status ? "HTTP" : "close code",
            info->http_status ? info->http_status : info->code), (NULL),
        ("http-status", G_TYPE_UINT, info->http_status,
            "close-code", G_TYPE_UINT, (guint) info->code, NULL));
  } else {
    GST_ELEMENT_ERROR_WITH_DETAILS (rt->element, RESOURCE, OPEN_READ,
        ("The OpenAI Realtime transcription session ended: %s",
            info->error ? info->error->message :
            (info->reason && *info->reason ? info->reason :
                "the connection was closed")), (NULL),
        ("http-status", G_TYPE_UINT, info->http_status,
            "close-code", G_TYPE_UINT, (guint) info->code, NULL));
  }
  rt->cb.fatal (rt->user_data);
}

static void
on_reconnecting (SandraWebSocket * ws, guint attempt, guint delay_ms,
    gpointer user_data)
{
  OpenaiSttRealtime *rt = user_data;

  GST_INFO_OBJECT (rt->element, "reconnecting in %u ms (attempt %u)",
      delay_ms, attempt);
}

/* Worker thread: turns without a transcript and events held back by an
 * unanswered commit must not stall the output for ever. */
static gboolean
sweep (gpointer data)
{
  OpenaiSttRealtime *rt = data;
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  gpointer key, value;
  GPtrArray *late = g_ptr_array_new_with_free_func (g_free);
  Barrier *b;
  gsize dropped;
  guint i;

  g_mutex_lock (&rt->lock);
  g_hash_table_iter_init (&iter, rt->turns);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((Turn *) value)->deadline_us < now)
      g_ptr_array_add (late, g_strdup (key));
  b = g_queue_peek_head (&rt->barriers);
  if (b && now - b->since_us > (gint64) timeout_ms (rt) * 1000) {
    GST_WARNING_OBJECT (rt->element, "no answer to a commit in %u ms; "
        "letting the events behind it through", timeout_ms (rt));
    while (rt->commits_answered < b->needed) {
      g_free (g_queue_pop_head (&rt->commits));
      rt->commits_answered++;
    }
    release_barriers_locked (rt);
  }
  dropped = rt->send_dropped;
  rt->send_dropped = 0;
  g_mutex_unlock (&rt->lock);

  for (i = 0; i < late->len; i++) {
    post_warning (rt, g_strdup_printf ("OpenAI sent no transcript for a turn "
            "within %u ms (timeout-ms); that turn is lost", timeout_ms (rt)),
        NULL);
    finish_turn (rt, g_ptr_array_index (late, i), NULL);
  }
  g_ptr_array_unref (late);
  if (dropped)
    post_warning (rt, g_strdup_printf ("The connection to OpenAI is not "
            "keeping up: %" G_GSIZE_FORMAT " ms of audio could not be queued "
            "and was dropped", dropped * 1000 / SESSION_RATE), NULL);
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* Public API */

OpenaiSttRealtime *
openai_stt_realtime_new (GstElement * element, OpenaiSttConfig * cfg,
    const OpenaiSttClientCallbacks * callbacks, gpointer user_data)
{
  static gsize debug_once = 0;
  static const SandraWebSocketCallbacks ws_callbacks = {
    on_opened, on_text, NULL, on_closed, on_reconnecting
  };
  OpenaiSttRealtime *rt;
  gchar *url;

  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (stt_realtime_debug, "openaistt-realtime", 0,
        "openaistt Realtime transcription sessions");
    g_once_init_leave (&debug_once, 1);
  }

  rt = g_new0 (OpenaiSttRealtime, 1);
  rt->element = element;
  rt->cfg = cfg;
  rt->cb = *callbacks;
  rt->user_data = user_data;
  g_mutex_init (&rt->lock);
  g_cond_init (&rt->cond);
  g_queue_init (&rt->commits);
  rt->held = g_byte_array_new ();
  rt->held_commits = g_array_new (FALSE, FALSE, sizeof (gsize));
  rt->held_anchors = g_array_new (FALSE, FALSE, sizeof (Anchor));
  rt->pending_out = g_byte_array_new ();
  rt->resampled = g_byte_array_new ();
  rt->pending_out_pts = GST_CLOCK_TIME_NONE;
  rt->last_end_pts = GST_CLOCK_TIME_NONE;
  g_queue_init (&rt->sent);
  rt->anchors = g_array_new (FALSE, FALSE, sizeof (Anchor));
  g_queue_init (&rt->barriers);
  rt->turns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) turn_free);
  rt->speech = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      g_free);
  rt->next_turn_id = 1;

  rt->worker = sandra_worker_new ("openaistt-rt");
  url = sandra_credentials_ws_url (cfg->base_url,
      "/realtime?intent=transcription");
  rt->ws = sandra_websocket_new (rt->worker, url, &ws_callbacks, rt, NULL);
  g_free (url);
  sandra_websocket_set_bearer (rt->ws, cfg->api_key);
  if (cfg->api == SANDRA_REALTIME_API_BETA)
    sandra_websocket_set_header (rt->ws, "OpenAI-Beta", "realtime=v1");
  sandra_websocket_set_header (rt->ws, "User-Agent", "gst-sandra/" VERSION);
  if (cfg->timeout_ms > 0)
    sandra_websocket_set_connect_timeout_ms (rt->ws, cfg->timeout_ms);
  sandra_websocket_set_max_reconnects (rt->ws, cfg->retries);
  rt->sweeper = sandra_worker_timeout_add (rt->worker, SWEEP_MS, sweep, rt,
      NULL);
  sandra_websocket_connect (rt->ws);
  return rt;
}

void
openai_stt_realtime_free (OpenaiSttRealtime * rt)
{
  if (rt == NULL)
    return;
  g_source_destroy (rt->sweeper);
  g_source_unref (rt->sweeper);
  /* No callback runs after this returns. */
  sandra_websocket_free (rt->ws);
  sandra_worker_unref (rt->worker);
  if (rt->resampler)
    gst_audio_resampler_free (rt->resampler);
  g_byte_array_unref (rt->held);
  g_array_unref (rt->held_commits);
  g_array_unref (rt->held_anchors);
  g_byte_array_unref (rt->pending_out);
  g_byte_array_unref (rt->resampled);
  g_queue_clear_full (&rt->commits, g_free);
  g_queue_clear_full (&rt->sent, (GDestroyNotify) sent_free);
  g_hash_table_unref (rt->turns);
  g_hash_table_unref (rt->speech);
  g_array_unref (rt->anchors);
  while (!g_queue_is_empty (&rt->barriers)) {
    Barrier *b = g_queue_pop_head (&rt->barriers);

    gst_event_unref (b->event);
    g_free (b);
  }
  openai_stt_config_free (rt->cfg);
  g_mutex_clear (&rt->lock);
  g_cond_clear (&rt->cond);
  g_free (rt);
}

/* Streaming thread: hands 24 kHz samples to the session (or holds them). */
static void
send_or_hold (OpenaiSttRealtime * rt, const gint16 * samples, gsize n,
    GstClockTime pts)
{
  gsize dropped = 0;

  g_mutex_lock (&rt->lock);
  /* Counted as captured, whether sent now or held. */
  rt->samples_since_commit += n;
  if (rt->open) {
    send_append_locked (rt, samples, n, pts);
    g_mutex_unlock (&rt->lock);
    return;
  }
  dropped = hold_audio_locked (rt, samples, n, pts);
  g_mutex_unlock (&rt->lock);
  if (dropped)
    post_warning (rt, g_strdup_printf ("Still not connected to OpenAI: "
            "dropped %" G_GSIZE_FORMAT " ms of the oldest held audio (at most "
            "%d ms is kept)", dropped * 1000 / SESSION_RATE,
            OPENAI_STT_REALTIME_HOLD_MS), NULL);
}

static void flush_out (OpenaiSttRealtime * rt);

static void
queue_out (OpenaiSttRealtime * rt, const gint16 * s, gsize n, GstClockTime pts)
{
  if (rt->pending_out->len > 0 && GST_CLOCK_TIME_IS_VALID (pts) &&
      GST_CLOCK_TIME_IS_VALID (rt->pending_out_pts)) {
    GstClockTime end = rt->pending_out_pts +
        gst_util_uint64_scale_int (rt->pending_out->len / 2, GST_SECOND,
        SESSION_RATE);

    /* A jump in time: what is pending belongs before it. */
    if (ABS (GST_CLOCK_DIFF (end, pts)) > 2 * GST_MSECOND)
      flush_out (rt);
  }
  if (rt->pending_out->len == 0)
    rt->pending_out_pts = pts;
  g_byte_array_append (rt->pending_out, (const guint8 *) s, n * 2);
  while (rt->pending_out->len / 2 >= APPEND_SAMPLES) {
    send_or_hold (rt, (const gint16 *) rt->pending_out->data, APPEND_SAMPLES,
        rt->pending_out_pts);
    g_byte_array_remove_range (rt->pending_out, 0, APPEND_SAMPLES * 2);
    if (GST_CLOCK_TIME_IS_VALID (rt->pending_out_pts))
      rt->pending_out_pts += APPEND_MS * GST_MSECOND;
  }
}

static void
flush_out (OpenaiSttRealtime * rt)
{
  if (rt->pending_out->len > 0)
    send_or_hold (rt, (const gint16 *) rt->pending_out->data,
        rt->pending_out->len / 2, rt->pending_out_pts);
  g_byte_array_set_size (rt->pending_out, 0);
}

void
openai_stt_realtime_push (OpenaiSttRealtime * rt, GstClockTime pts,
    const gint16 * samples, gsize n, gint rate)
{
  rt->last_end_pts = GST_CLOCK_TIME_IS_VALID (pts) ?
      pts + gst_util_uint64_scale_int (n, GST_SECOND, rate) :
      GST_CLOCK_TIME_NONE;
  if (rate == SESSION_RATE) {
    queue_out (rt, samples, n, pts);
    return;
  }
  if (rt->resampler == NULL || rt->resampler_rate != rate) {
    GstStructure *options = gst_structure_new_empty ("options");

    if (rt->resampler)
      gst_audio_resampler_free (rt->resampler);
    gst_audio_resampler_options_set_quality (GST_AUDIO_RESAMPLER_METHOD_KAISER,
        GST_AUDIO_RESAMPLER_QUALITY_DEFAULT, rate, SESSION_RATE, options);
    rt->resampler = gst_audio_resampler_new (GST_AUDIO_RESAMPLER_METHOD_KAISER,
        GST_AUDIO_RESAMPLER_FLAG_NONE, GST_AUDIO_FORMAT_S16, 1, rate,
        SESSION_RATE, options);
    gst_structure_free (options);
    rt->resampler_rate = rate;
  }
  {
    gsize out_n = gst_audio_resampler_get_out_frames (rt->resampler, n);
    gpointer in_planes[1] = { (gpointer) samples };
    gpointer out_planes[1];

    g_byte_array_set_size (rt->resampled, MAX (out_n, 1) * 2);
    out_planes[0] = rt->resampled->data;
    gst_audio_resampler_resample (rt->resampler, in_planes, n, out_planes,
        out_n);
    queue_out (rt, (const gint16 *) rt->resampled->data, out_n, pts);
  }
}

/* Streaming thread, under the lock: a commit counted now, put on the wire
 * now or after the audio held before it. */
static void
commit_locked (OpenaiSttRealtime * rt)
{
  rt->commits_sent++;
  rt->samples_since_commit = 0;
  if (rt->open) {
    send_commit_locked (rt);
  } else {
    gsize at = rt->held->len / 2;

    /* Audio is being held: the commit must follow it, not overtake it. */
    g_array_append_val (rt->held_commits, at);
  }
}

void
openai_stt_realtime_commit (OpenaiSttRealtime * rt, GstClockTime pts,
    GstClockTime duration)
{
  Commit *c = g_new0 (Commit, 1);

  flush_out (rt);
  c->pts = pts;
  c->duration = duration;
  c->end = GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_TIME_IS_VALID (duration)
      ? pts + duration : GST_CLOCK_TIME_NONE;
  g_mutex_lock (&rt->lock);
  if (rt->closed_for_good) {
    /* Nothing will answer this commit. */
    g_mutex_unlock (&rt->lock);
    g_free (c);
    return;
  }
  g_queue_push_tail (&rt->commits, c);
  commit_locked (rt);
  g_mutex_unlock (&rt->lock);
}

void
openai_stt_realtime_push_event (OpenaiSttRealtime * rt, GstEvent * event)
{
  GstEventType type = GST_EVENT_TYPE (event);
  Barrier *b;

  flush_out (rt);
  g_mutex_lock (&rt->lock);
  /* The server's VAD may still be waiting for silence: the audio before
   * the end of a stream or segment is a turn of its own. */
  if ((type == GST_EVENT_EOS || type == GST_EVENT_SEGMENT) &&
      server_vad (rt) && !rt->closed_for_good &&
      rt->samples_since_commit * 1000 / SESSION_RATE >= MIN_COMMIT_MS) {
    Commit *c = g_new0 (Commit, 1);

    /* The server places the turn; the element only knows its end. */
    c->pts = GST_CLOCK_TIME_NONE;
    c->duration = GST_CLOCK_TIME_NONE;
    c->end = rt->last_end_pts;
    g_queue_push_tail (&rt->commits, c);
    commit_locked (rt);
  }
  if (g_queue_is_empty (&rt->barriers) &&
      rt->commits_answered >= rt->commits_sent) {
    rt->cb.event (event, rt->user_data);
  } else {
    b = g_new0 (Barrier, 1);
    b->event = event;
    b->needed = rt->commits_sent;
    b->since_us = g_get_monotonic_time ();
    g_queue_push_tail (&rt->barriers, b);
  }
  g_mutex_unlock (&rt->lock);
}

void
openai_stt_realtime_discard_uncommitted (OpenaiSttRealtime * rt)
{
  g_byte_array_set_size (rt->pending_out, 0);
  g_mutex_lock (&rt->lock);
  if (rt->open) {
    send_clear_locked (rt);
  } else {
    /* Still held: drop what follows the last commit. */
    held_discard_uncommitted_locked (rt);
  }
  rt->samples_since_commit = 0;
  g_mutex_unlock (&rt->lock);
}

void
openai_stt_realtime_cancel_all (OpenaiSttRealtime * rt)
{
  g_mutex_lock (&rt->lock);
  g_byte_array_set_size (rt->held, 0);
  g_array_set_size (rt->held_commits, 0);
  g_array_set_size (rt->held_anchors, 0);
  g_queue_clear_full (&rt->commits, g_free);
  /* The element's output was flushed: these tickets are gone already, and
   * the events held back were flushed with it. */
  g_hash_table_remove_all (rt->turns);
  g_hash_table_remove_all (rt->speech);
  while (!g_queue_is_empty (&rt->barriers)) {
    Barrier *b = g_queue_pop_head (&rt->barriers);

    gst_event_unref (b->event);
    g_free (b);
  }
  rt->commits_answered = rt->commits_sent;
  rt->samples_since_commit = 0;
  /* Nothing sent before this is to be sent again after a reconnection. */
  g_queue_clear_full (&rt->sent, (GDestroyNotify) sent_free);
  /* Commits already on their way are answered after this: their turns
   * are ignored until the server confirms the clear. */
  if (rt->open && send_clear_locked (rt))
    rt->flushed_until = rt->clears_sent;
  g_cond_broadcast (&rt->cond);
  g_mutex_unlock (&rt->lock);
}

void
openai_stt_realtime_flush_stop (OpenaiSttRealtime * rt)
{
  g_byte_array_set_size (rt->pending_out, 0);
  if (rt->resampler)
    gst_audio_resampler_reset (rt->resampler);
}

gboolean
openai_stt_realtime_has_failed (OpenaiSttRealtime * rt)
{
  gboolean failed;

  g_mutex_lock (&rt->lock);
  failed = rt->failed;
  g_mutex_unlock (&rt->lock);
  return failed;
}

void
openai_stt_realtime_update_session (OpenaiSttRealtime * rt,
    const gchar * model, const gchar * language, const gchar * prompt)
{
  gchar *update;

  g_mutex_lock (&rt->lock);
  if (model) {
    g_free (rt->cfg->model);
    rt->cfg->model = g_strdup (model);
  }
  if (language) {
    g_free (rt->cfg->language);
    rt->cfg->language = g_strdup (language);
  }
  if (prompt) {
    g_free (rt->cfg->prompt);
    rt->cfg->prompt = g_strdup (prompt);
  }
  g_mutex_unlock (&rt->lock);
  update = build_session_update (rt);
  if (update == NULL)
    return;
  g_mutex_lock (&rt->lock);
  if (rt->open)
    send_locked (rt, update, SANDRA_WS_SEND_NONE, SENT_OTHER, NULL, 0,
        GST_CLOCK_TIME_NONE);
  else
    g_free (update);            /* sent with the next session setup */
  g_mutex_unlock (&rt->lock);
}
