/* gst-sandra: far-end reference for sandraaec
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-sandraechoprobe
 * @title: sandraechoprobe
 *
 * Passes audio through untouched and hands a copy, stamped with the running
 * time at which the loudspeaker plays it, to the sandraaec that names it in
 * its #GstSandraAec:probe property. Place it just before the playback sink.
 *
 * Probes are found by name anywhere in the process, not only in the same
 * bin: the canceller's pipeline usually feeds the probe's pipeline, and a pad
 * link between them would close a cycle. A probe holds its name from
 * NULL->READY to READY->NULL (and drops it at once when disposed), so a new
 * pipeline in the same process can reuse the name right after the old one is
 * shut down; a probe that found its name taken warns, and takes the name
 * over when the holder lets go.
 *
 * A flush of the playback branch (barge-in) throws away audio this element
 * already passed on; it tells the canceller when, so that what was never
 * played is not cancelled as echo.
 *
 * |[
 * gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample ! \
 *     audio/x-raw,rate=16000,channels=1 ! sandraaec probe=p ! fakesink \
 *   filesrc location=music.ogg ! decodebin ! audioconvert ! audioresample ! \
 *     sandraechoprobe name=p ! autoaudiosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsandraechoprobe.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (sandra_echo_probe_debug);
#define GST_CAT_DEFAULT sandra_echo_probe_debug

/* Bound of what waits for a canceller that stopped reading (took nothing
 * for this long): beyond this the oldest far end is dropped, so a stalled
 * capture side costs no memory. A canceller that reads takes everything
 * every 10 ms, however much arrived at once. */
#define MAX_QUEUED_TIME (1 * GST_SECOND)
/* Longer buffers are handed over in pieces of at most this (sharing the
 * memory), so that the canceller can store each when its time comes. */
#define MAX_CHUNK_TIME (100 * GST_MSECOND)

struct _GstSandraEchoProbe
{
  GstAudioFilter parent;

  GMutex lock;
  GQueue chunks;                /* GstSandraEchoChunk, oldest first */
  GstClockTime queued_time;
  gint64 last_take_us;          /* monotonic time the reader last read */
  guint64 dropped;
  gpointer reader;
  GstClockTime latency;         /* playback pipeline latency */
  gboolean discont;
  gboolean flushing;            /* between FLUSH_START and FLUSH_STOP */
  GstClockTime next_running_time;       /* for buffers without PTS */

  /* registry; protected by registry_lock */
  gchar *registered_name;
  /* the name this probe waits for while another probe holds it */
  gchar *wanted_name;
  /* mirrors registered_name != NULL, read without the lock per frame */
  gint registered;
};

#define CAPS \
  "audio/x-raw, format = (string) " GST_AUDIO_NE (S16) ", " \
  "layout = (string) interleaved, rate = (int) [ 8000, 48000 ], " \
  "channels = (int) [ 1, 2 ]"

G_DEFINE_TYPE (GstSandraEchoProbe, gst_sandra_echo_probe,
    GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (sandraechoprobe, "sandraechoprobe", GST_RANK_NONE,
    GST_TYPE_SANDRA_ECHO_PROBE);

/* --- process-wide registry --------------------------------------------- */

static GMutex registry_lock;
static GHashTable *registry;    /* name -> GstSandraEchoProbe (no ref) */
/* Probes (no ref) that found their name taken, oldest first: a new
 * loudspeaker pipeline is often started before the old one is shut down. */
static GList *waiting;

/* registry_lock held */
static void
registry_insert_unlocked (GstSandraEchoProbe * self, gchar * name)
{
  self->registered_name = name;
  g_hash_table_insert (registry, self->registered_name, self);
  g_atomic_int_set (&self->registered, 1);
}

static gboolean
registry_add (GstSandraEchoProbe * self)
{
  gchar *name = gst_object_get_name (GST_OBJECT (self));
  GstSandraEchoProbe *other;
  gboolean ok = TRUE;

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new (g_str_hash, g_str_equal);
  other = g_hash_table_lookup (registry, name);
  if (other != NULL && other != self) {
    ok = FALSE;
    if (self->wanted_name == NULL) {
      self->wanted_name = g_strdup (name);
      waiting = g_list_append (waiting, self);
    }
  } else if (self->registered_name == NULL) {
    registry_insert_unlocked (self, g_strdup (name));
  }
  g_mutex_unlock (&registry_lock);

  if (!ok)
    GST_ELEMENT_WARNING (self, RESOURCE, BUSY,
        ("Another sandraechoprobe named '%s' is already active in this "
            "process; this one feeds no canceller until that one shuts "
            "down.", name),
        ("Give each probe a unique name, or shut the other pipeline down "
            "first."));
  else
    GST_DEBUG_OBJECT (self, "registered as '%s'", name);
  g_free (name);
  return ok;
}

static void
registry_remove (GstSandraEchoProbe * self)
{
  GList *l;

  g_mutex_lock (&registry_lock);
  if (self->wanted_name != NULL) {
    waiting = g_list_remove (waiting, self);
    g_clear_pointer (&self->wanted_name, g_free);
  }
  if (self->registered_name != NULL) {
    if (g_hash_table_lookup (registry, self->registered_name) == self)
      g_hash_table_remove (registry, self->registered_name);
    GST_DEBUG_OBJECT (self, "released name '%s'", self->registered_name);
    /* the oldest probe waiting for this name takes it over */
    for (l = waiting; l != NULL; l = l->next) {
      GstSandraEchoProbe *next = l->data;

      if (strcmp (next->wanted_name, self->registered_name) == 0) {
        waiting = g_list_delete_link (waiting, l);
        registry_insert_unlocked (next, next->wanted_name);
        next->wanted_name = NULL;
        GST_INFO_OBJECT (next, "took over the name '%s'",
            next->registered_name);
        break;
      }
    }
    g_clear_pointer (&self->registered_name, g_free);
    g_atomic_int_set (&self->registered, 0);
  }
  g_mutex_unlock (&registry_lock);
}

GstSandraEchoProbe *
gst_sandra_echo_probe_acquire (const gchar * name)
{
  GstSandraEchoProbe *probe = NULL;

  g_mutex_lock (&registry_lock);
  if (registry != NULL) {
    if (name != NULL && *name != '\0') {
      probe = g_hash_table_lookup (registry, name);
    } else if (g_hash_table_size (registry) == 1) {
      GHashTableIter it;

      g_hash_table_iter_init (&it, registry);
      g_hash_table_iter_next (&it, NULL, (gpointer *) & probe);
    }
    if (probe != NULL)
      gst_object_ref (probe);
  }
  g_mutex_unlock (&registry_lock);
  return probe;
}

guint
gst_sandra_echo_probe_count (void)
{
  guint n;

  g_mutex_lock (&registry_lock);
  n = registry ? g_hash_table_size (registry) : 0;
  g_mutex_unlock (&registry_lock);
  return n;
}

gboolean
gst_sandra_echo_probe_is_registered (GstSandraEchoProbe * probe)
{
  return g_atomic_int_get (&probe->registered) != 0;
}

/* --- far-end queue ------------------------------------------------------ */

void
gst_sandra_echo_chunk_free (GstSandraEchoChunk * chunk)
{
  if (chunk == NULL)
    return;
  if (chunk->buffer)
    gst_buffer_unref (chunk->buffer);
  g_free (chunk);
}

static void
clear_queue_unlocked (GstSandraEchoProbe * self)
{
  GstSandraEchoChunk *c;

  while ((c = g_queue_pop_head (&self->chunks)))
    gst_sandra_echo_chunk_free (c);
  self->queued_time = 0;
  self->discont = TRUE;
}

gboolean
gst_sandra_echo_probe_attach (GstSandraEchoProbe * probe, gpointer reader)
{
  gboolean ok;

  g_mutex_lock (&probe->lock);
  ok = probe->reader == NULL || probe->reader == reader;
  if (ok && probe->reader == NULL) {
    probe->reader = reader;
    probe->last_take_us = g_get_monotonic_time ();
    clear_queue_unlocked (probe);
  }
  g_mutex_unlock (&probe->lock);
  return ok;
}

void
gst_sandra_echo_probe_detach (GstSandraEchoProbe * probe, gpointer reader)
{
  g_mutex_lock (&probe->lock);
  if (probe->reader == reader) {
    probe->reader = NULL;
    clear_queue_unlocked (probe);
  }
  g_mutex_unlock (&probe->lock);
}

void
gst_sandra_echo_probe_take_all (GstSandraEchoProbe * probe, GQueue * dest)
{
  g_mutex_lock (&probe->lock);
  while (!g_queue_is_empty (&probe->chunks))
    g_queue_push_tail (dest, g_queue_pop_head (&probe->chunks));
  probe->queued_time = 0;
  probe->last_take_us = g_get_monotonic_time ();
  g_mutex_unlock (&probe->lock);
}

guint64
gst_sandra_echo_probe_get_dropped (GstSandraEchoProbe * probe)
{
  guint64 n;

  g_mutex_lock (&probe->lock);
  n = probe->dropped;
  g_mutex_unlock (&probe->lock);
  return n;
}

/* --- element ------------------------------------------------------------ */

static GstFlowReturn
gst_sandra_echo_probe_transform_ip (GstBaseTransform * trans, GstBuffer * buf)
{
  GstSandraEchoProbe *self = GST_SANDRA_ECHO_PROBE (trans);
  GstAudioFilter *filter = GST_AUDIO_FILTER (trans);
  GstAudioInfo *info = &filter->info;
  GstClockTime rt, dur;
  GstSandraEchoChunk *c;
  gsize frames, bpf, max_frames, at;

  bpf = GST_AUDIO_INFO_BPF (info);
  if (bpf == 0)
    return GST_FLOW_NOT_NEGOTIATED;
  frames = gst_buffer_get_size (buf) / bpf;
  dur = gst_util_uint64_scale_int (frames, GST_SECOND,
      GST_AUDIO_INFO_RATE (info));

  if (GST_BUFFER_PTS_IS_VALID (buf))
    rt = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME,
        GST_BUFFER_PTS (buf));
  else
    rt = self->next_running_time;

  g_mutex_lock (&self->lock);
  if (self->reader == NULL || !GST_CLOCK_TIME_IS_VALID (rt) || frames == 0
      || self->flushing) {
    g_mutex_unlock (&self->lock);
    self->next_running_time = GST_CLOCK_TIME_IS_VALID (rt) ? rt + dur : rt;
    return GST_FLOW_OK;
  }
  max_frames = gst_util_uint64_scale_int (MAX_CHUNK_TIME,
      GST_AUDIO_INFO_RATE (info), GST_SECOND);
  for (at = 0; at < frames; at += max_frames) {
    gsize n = MIN (max_frames, frames - at);
    GstClockTime offset = gst_util_uint64_scale_int (at, GST_SECOND,
        GST_AUDIO_INFO_RATE (info));

    c = g_new0 (GstSandraEchoChunk, 1);
    /* A reference (or a region sharing the memory) is enough: the buffer
     * is not written after this element. */
    c->buffer = n == frames ? gst_buffer_ref (buf) :
        gst_buffer_copy_region (buf, GST_BUFFER_COPY_MEMORY, at * bpf, n * bpf);
    c->duration = gst_util_uint64_scale_int (at + n, GST_SECOND,
        GST_AUDIO_INFO_RATE (info)) - offset;
    c->info = *info;
    c->play_time = rt + offset + self->latency;
    c->latency = self->latency;
    c->discont = at == 0 && (self->discont || GST_BUFFER_IS_DISCONT (buf));
    g_queue_push_tail (&self->chunks, c);
    self->queued_time += c->duration;
  }
  self->discont = FALSE;
  while (self->queued_time > MAX_QUEUED_TIME
      && g_get_monotonic_time () - self->last_take_us >
      MAX_QUEUED_TIME / GST_USECOND) {
    GstSandraEchoChunk *old = g_queue_pop_head (&self->chunks);

    self->queued_time -= old->duration;
    gst_sandra_echo_chunk_free (old);
    self->dropped++;
    self->discont = TRUE;
    /* the next chunk starts after a hole */
    if (g_queue_peek_head (&self->chunks))
      ((GstSandraEchoChunk *) g_queue_peek_head (&self->chunks))->discont =
          TRUE;
  }
  g_mutex_unlock (&self->lock);

  self->next_running_time = rt + dur;
  return GST_FLOW_OK;
}

static gboolean
gst_sandra_echo_probe_src_event (GstBaseTransform * trans, GstEvent * event)
{
  GstSandraEchoProbe *self = GST_SANDRA_ECHO_PROBE (trans);

  /* The bin distributes the pipeline latency upstream from the sinks: a
   * buffer passing here at running time T is played at T + latency. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_LATENCY) {
    GstClockTime latency;

    gst_event_parse_latency (event, &latency);
    g_mutex_lock (&self->lock);
    self->latency = latency;
    g_mutex_unlock (&self->lock);
    GST_DEBUG_OBJECT (self, "play-out latency %" GST_TIME_FORMAT,
        GST_TIME_ARGS (latency));
  }
  return
      GST_BASE_TRANSFORM_CLASS (gst_sandra_echo_probe_parent_class)->src_event
      (trans, event);
}

/* The running time now, by our clock; NONE unless PLAYING. */
static GstClockTime
running_time_now (GstSandraEchoProbe * self)
{
  GstElement *element = GST_ELEMENT (self);
  GstClock *clock = NULL;
  GstClockTime base = 0, now = GST_CLOCK_TIME_NONE;

  GST_OBJECT_LOCK (element);
  if (GST_STATE (element) == GST_STATE_PLAYING && GST_ELEMENT_CLOCK (element)) {
    clock = gst_object_ref (GST_ELEMENT_CLOCK (element));
    base = GST_ELEMENT_CAST (element)->base_time;
  }
  GST_OBJECT_UNLOCK (element);
  if (clock) {
    now = gst_clock_get_time (clock);
    now = now > base ? now - base : 0;
    gst_object_unref (clock);
  }
  return now;
}

static gboolean
gst_sandra_echo_probe_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstSandraEchoProbe *self = GST_SANDRA_ECHO_PROBE (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_START:{
      /* Barge-in: the application flushes the playback branch. What this
       * probe passed on but the sink has not played yet is thrown away and
       * will never be heard; the canceller already has some of it and must
       * learn that it is not echo. Without a running clock (a seek in a
       * paused pipeline) nothing was going to play anyway. */
      GstClockTime now = running_time_now (self);

      g_mutex_lock (&self->lock);
      self->flushing = TRUE;
      clear_queue_unlocked (self);
      if (self->reader != NULL && GST_CLOCK_TIME_IS_VALID (now)) {
        GstSandraEchoChunk *cut = g_new0 (GstSandraEchoChunk, 1);

        cut->play_time = now;
        cut->latency = self->latency;
        g_queue_push_tail (&self->chunks, cut);
        GST_DEBUG_OBJECT (self, "flushed at %" GST_TIME_FORMAT,
            GST_TIME_ARGS (now));
      }
      g_mutex_unlock (&self->lock);
      break;
    }
    case GST_EVENT_FLUSH_STOP:
      g_mutex_lock (&self->lock);
      self->flushing = FALSE;
      self->discont = TRUE;
      g_mutex_unlock (&self->lock);
      self->next_running_time = GST_CLOCK_TIME_NONE;
      break;
    default:
      break;
  }
  return
      GST_BASE_TRANSFORM_CLASS (gst_sandra_echo_probe_parent_class)->sink_event
      (trans, event);
}

static gboolean
gst_sandra_echo_probe_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstSandraEchoProbe *self = GST_SANDRA_ECHO_PROBE (filter);

  GST_DEBUG_OBJECT (self, "far end: %d Hz, %d channel(s)",
      GST_AUDIO_INFO_RATE (info), GST_AUDIO_INFO_CHANNELS (info));
  g_mutex_lock (&self->lock);
  self->discont = TRUE;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static GstStateChangeReturn
gst_sandra_echo_probe_change_state (GstElement * element,
    GstStateChange transition)
{
  GstSandraEchoProbe *self = GST_SANDRA_ECHO_PROBE (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY)
    registry_add (self);

  ret = GST_ELEMENT_CLASS (gst_sandra_echo_probe_parent_class)->change_state
      (element, transition);

  switch (transition) {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      g_mutex_lock (&self->lock);
      clear_queue_unlocked (self);
      self->flushing = FALSE;
      self->latency = 0;
      g_mutex_unlock (&self->lock);
      self->next_running_time = GST_CLOCK_TIME_NONE;
      break;
    case GST_STATE_CHANGE_READY_TO_NULL:
      registry_remove (self);
      break;
    default:
      break;
  }
  return ret;
}

static void
gst_sandra_echo_probe_dispose (GObject * object)
{
  GstSandraEchoProbe *self = GST_SANDRA_ECHO_PROBE (object);

  /* The name must be free the moment the application lets go, even if a
   * canceller still holds a reference to this object. */
  registry_remove (self);
  G_OBJECT_CLASS (gst_sandra_echo_probe_parent_class)->dispose (object);
}

static void
gst_sandra_echo_probe_finalize (GObject * object)
{
  GstSandraEchoProbe *self = GST_SANDRA_ECHO_PROBE (object);

  clear_queue_unlocked (self);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_sandra_echo_probe_parent_class)->finalize (object);
}

static void
gst_sandra_echo_probe_class_init (GstSandraEchoProbeClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  GST_DEBUG_CATEGORY_INIT (sandra_echo_probe_debug, "sandraechoprobe", 0,
      "far-end reference for sandraaec");

  gobject_class->dispose = gst_sandra_echo_probe_dispose;
  gobject_class->finalize = gst_sandra_echo_probe_finalize;
  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_sandra_echo_probe_change_state);
  trans_class->transform_ip =
      GST_DEBUG_FUNCPTR (gst_sandra_echo_probe_transform_ip);
  trans_class->src_event = GST_DEBUG_FUNCPTR (gst_sandra_echo_probe_src_event);
  trans_class->sink_event =
      GST_DEBUG_FUNCPTR (gst_sandra_echo_probe_sink_event);
  trans_class->passthrough_on_same_caps = TRUE;
  filter_class->setup = GST_DEBUG_FUNCPTR (gst_sandra_echo_probe_setup);

  caps = gst_caps_from_string (CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  gst_element_class_set_static_metadata (element_class,
      "Echo canceller far-end probe", "Generic/Audio",
      "Passes audio to the loudspeaker and records it, stamped with its "
      "play-out time, as the far-end reference of a sandraaec",
      "gst-sandra contributors");
}

static void
gst_sandra_echo_probe_init (GstSandraEchoProbe * self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->chunks);
  self->next_running_time = GST_CLOCK_TIME_NONE;
  self->discont = TRUE;
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
}
