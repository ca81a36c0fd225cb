/* gst-sandra: echo cancellation, noise suppression and gain control
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

/**
 * SECTION:element-sandraaec
 * @title: sandraaec
 *
 * Cleans a microphone signal with webrtc-audio-processing: acoustic echo
 * cancellation against what a #GstSandraEchoProbe saw going to the
 * loudspeaker, noise suppression, gain control and a high-pass filter.
 *
 * Far end and microphone are lined up by running time: the probe stamps
 * each far-end buffer with the moment its sink plays it (running time plus
 * the playback pipeline latency); a probe in another pipeline, started at
 * another time or on another clock, is related by what both running times
 * read at the same instant. What no latency query reports (device
 * buffers, the air, Bluetooth) is estimated from the signals themselves and
 * followed as it drifts, so there is no delay to guess. The far end may use
 * any rate and channel count; it is converted to the microphone's rate.
 *
 * Without a probe the element warns once and keeps processing (noise
 * suppression, gain control and the filter still apply); it keeps looking
 * for the probe, so the probe's pipeline may start later.
 *
 * Every #GstSandraAec:stats-interval-ms the element posts an element message
 * `sandraaec-stats` with the echo figures.
 *
 * |[
 * gst-launch-1.0 autoaudiosrc ! audioconvert ! audioresample ! \
 *     audio/x-raw,format=S16LE,rate=48000,channels=1 ! \
 *     sandraaec probe=speaker ! wavenc ! filesink location=clean.wav \
 *   audiotestsrc wave=ticks ! audioconvert ! audioresample ! \
 *     sandraechoprobe name=speaker ! autoaudiosink
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstsandraaec.h"
#include "gstsandraechoprobe.h"
#include "dsp/sandra-apm.h"
#include "dsp/sandra-delay-estimator.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (sandra_aec_debug);
#define GST_CAT_DEFAULT sandra_aec_debug

/* The canceller is handed the far end this much earlier than the echo is
 * expected, and told so: its filter then covers estimation errors in both
 * directions instead of missing an echo that comes a little early. */
#define ALIGN_MARGIN_MS 60
/* Frames after a (re)start during which a late far end is not counted:
 * the two sides are still starting up, and who came first says nothing. */
#define STARTUP_FRAMES 50
/* Far-end history kept at the microphone rate. */
#define FAR_RING_SECONDS 4
/* Far-end chunks closer than this to the previous one are contiguous. */
#define FAR_JITTER (2 * GST_MSECOND)
/* Unflagged near-end timestamp jumps beyond this are gaps (the default
 * alignment threshold of GstAudioBaseSink). */
#define GAP_THRESHOLD (40 * GST_MSECOND)
/* Two readings of our clock around one of the probe's farther apart than
 * this mean the thread was preempted in between. */
#define CLOCK_READ_SLACK (200 * GST_USECOND)
/* Far end waiting to enter the ring; beyond this much (a far end racing
 * ahead of the microphone) it enters anyway and pushes the oldest out. */
#define MAX_PENDING_TIME (30 * GST_SECOND)
/* Look for a missing probe every so many 10 ms frames. */
#define LOOKUP_EVERY_FRAMES 10
/* A probe may appear a little after the canceller starts; complain after
 * this much audio. */
#define MISSING_PROBE_GRACE_FRAMES 50

#define DEFAULT_ECHO_CANCEL TRUE
#define DEFAULT_SUPPRESSION GST_SANDRA_AEC_SUPPRESSION_MODERATE
#define DEFAULT_EXTENDED_FILTER TRUE
#define DEFAULT_DELAY_AGNOSTIC FALSE
#define DEFAULT_DELAY_ESTIMATION TRUE
#define DEFAULT_EXTRA_DELAY_MS 0
#define DEFAULT_MAX_DELAY_MS 500
#define DEFAULT_NOISE_SUPPRESSION TRUE
#define DEFAULT_NOISE_LEVEL GST_SANDRA_AEC_NOISE_SUPPRESSION_MODERATE
#define DEFAULT_GAIN_CONTROL FALSE
#define DEFAULT_GAIN_MODE GST_SANDRA_AEC_GAIN_CONTROL_ADAPTIVE_DIGITAL
#define DEFAULT_TARGET_LEVEL_DBFS 3
#define DEFAULT_COMPRESSION_GAIN_DB 9
#define DEFAULT_LIMITER TRUE
#define DEFAULT_HIGH_PASS_FILTER TRUE
#define DEFAULT_STATS_INTERVAL_MS 1000

enum
{
  PROP_0,
  PROP_PROBE,
  PROP_ECHO_CANCEL,
  PROP_ECHO_SUPPRESSION_LEVEL,
  PROP_EXTENDED_FILTER,
  PROP_DELAY_AGNOSTIC,
  PROP_DELAY_ESTIMATION,
  PROP_EXTRA_DELAY_MS,
  PROP_MAX_DELAY_MS,
  PROP_NOISE_SUPPRESSION,
  PROP_NOISE_SUPPRESSION_LEVEL,
  PROP_GAIN_CONTROL,
  PROP_GAIN_CONTROL_MODE,
  PROP_TARGET_LEVEL_DBFS,
  PROP_COMPRESSION_GAIN_DB,
  PROP_LIMITER,
  PROP_HIGH_PASS_FILTER,
  PROP_STATS_INTERVAL_MS,
};

struct _GstSandraAec
{
  GstAudioFilter parent;

  /* properties, under the object lock */
  gchar *probe_name;
  SandraApmConfig config;
  gboolean delay_estimation;
  gint extra_delay_ms;
  gint max_delay_ms;
  guint stats_interval_ms;
  gboolean config_dirty;
  gboolean probe_dirty;
  gboolean estimator_dirty;

  /* streaming state */
  SandraApm *apm;
  SandraApmConfig active_config;
  gint rate;
  gint channels;
  gint frame_size;              /* frames per channel in 10 ms */
  gsize frame_bytes;
  GstAdapter *adapter;
  gint16 *scratch;              /* one padded frame, for the EOS tail */
  gint16 *near_mono;
  gint16 *far_now;              /* far end played with the near frame */
  gint16 *far_feed;             /* far end handed to the canceller */
  gint64 next_near;             /* near sample index expected next */
  gboolean discont_pending;     /* flag the next output buffer */

  /* far end, at the near rate, mono, indexed by play-out sample */
  GstSandraEchoProbe *probe;
  GQueue far_chunks;            /* taken from the probe, being stored */
  guint lookup_countdown;
  guint64 frames_without_probe;
  gboolean warned_missing;
  gboolean warned_busy;
  GstAudioConverter *far_conv;
  GstAudioInfo far_in_info;
  gint16 *far_conv_out;
  gsize far_conv_out_len;
  gint16 *far_ring;
  gint64 far_ring_len;
  gint64 far_start;             /* oldest sample held */
  gint64 far_end;               /* one past the newest sample held; -1 empty */
  GstClockTime far_next_time;   /* play time the next chunk should have */
  GstClockTime far_latency;
  gint margin_ms;               /* how early the canceller gets the far end */
  gint64 far_wanted;            /* end of the far end handed over so far */
  gint64 clock_offset;          /* probe running time minus ours, samples */
  GstClockTime cut_time;        /* last playback flush, NONE: none pending */
  guint64 far_frames;           /* frames fed since the far end (re)started */
  guint margin_good_frames;

  SandraDelayEstimator *estimator;
  gint estimator_max_ms;

  /* statistics */
  guint64 frames_since_stats;
  guint64 far_late_samples;     /* far end that came after it was needed */
};

#define CAPS \
  "audio/x-raw, format = (string) " GST_AUDIO_NE (S16) ", " \
  "layout = (string) interleaved, " \
  "rate = (int) { 8000, 16000, 32000, 48000 }, channels = (int) [ 1, 2 ]"

G_DEFINE_ENUM_TYPE (GstSandraAecSuppressionLevel,
    gst_sandra_aec_suppression_level,
    G_DEFINE_ENUM_VALUE (GST_SANDRA_AEC_SUPPRESSION_LOW, "low"),
    G_DEFINE_ENUM_VALUE (GST_SANDRA_AEC_SUPPRESSION_MODERATE, "moderate"),
    G_DEFINE_ENUM_VALUE (GST_SANDRA_AEC_SUPPRESSION_HIGH, "high"));

G_DEFINE_ENUM_TYPE (GstSandraAecNoiseSuppressionLevel,
    gst_sandra_aec_noise_suppression_level,
    G_DEFINE_ENUM_VALUE (GST_SANDRA_AEC_NOISE_SUPPRESSION_LOW, "low"),
    G_DEFINE_ENUM_VALUE (GST_SANDRA_AEC_NOISE_SUPPRESSION_MODERATE,
        "moderate"),
    G_DEFINE_ENUM_VALUE (GST_SANDRA_AEC_NOISE_SUPPRESSION_HIGH, "high"),
    G_DEFINE_ENUM_VALUE (GST_SANDRA_AEC_NOISE_SUPPRESSION_VERY_HIGH,
        "very-high"));

G_DEFINE_ENUM_TYPE (GstSandraAecGainControlMode,
    gst_sandra_aec_gain_control_mode,
    G_DEFINE_ENUM_VALUE (GST_SANDRA_AEC_GAIN_CONTROL_ADAPTIVE_DIGITAL,
        "adaptive-digital"),
    G_DEFINE_ENUM_VALUE (GST_SANDRA_AEC_GAIN_CONTROL_FIXED_DIGITAL,
        "fixed-digital"));

G_DEFINE_TYPE (GstSandraAec, gst_sandra_aec, GST_TYPE_AUDIO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (sandraaec, "sandraaec", GST_RANK_NONE,
    GST_TYPE_SANDRA_AEC);

/* --- far end ------------------------------------------------------------ */

static void
far_reset (GstSandraAec * self)
{
  self->far_start = 0;
  self->far_end = -1;
  self->far_next_time = GST_CLOCK_TIME_NONE;
  self->margin_ms = ALIGN_MARGIN_MS;
  self->margin_good_frames = 0;
  self->far_wanted = G_MININT64;
  self->far_frames = 0;
  self->clock_offset = 0;
  self->cut_time = GST_CLOCK_TIME_NONE;
  g_queue_clear_full (&self->far_chunks,
      (GDestroyNotify) gst_sandra_echo_chunk_free);
  if (self->far_conv)
    gst_audio_converter_reset (self->far_conv);
  if (self->estimator)
    sandra_delay_estimator_reset (self->estimator);
}

static void
release_probe (GstSandraAec * self)
{
  if (self->probe == NULL)
    return;
  gst_sandra_echo_probe_detach (self->probe, self);
  gst_clear_object (&self->probe);
  far_reset (self);
}

static void
far_write (GstSandraAec * self, const gint16 * data, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++) {
    self->far_ring[self->far_end % self->far_ring_len] = data ? data[i] : 0;
    self->far_end++;
  }
  if (self->far_end - self->far_start > self->far_ring_len)
    self->far_start = self->far_end - self->far_ring_len;
}

/* The margin needs far end from the near frame's future. Behind a sink
 * that reports its latency there is plenty (the probe sees audio that long
 * before it is played). When a far-end chunk arrives after the canceller
 * already wanted it, the far end is late, not absent: shrink the margin so
 * that the canceller gets it in time instead of silence. A far end that
 * merely stopped (end of an utterance) shrinks nothing. */
static void
far_arrived (GstSandraAec * self, gint64 start, gint64 len)
{
  gint late_ms, m;

  if (start >= self->far_wanted || self->far_frames < STARTUP_FRAMES)
    return;
  /* Only what came after it was wanted is late: a far end that is merely
   * absent (nothing playing) is not. */
  self->far_late_samples += MIN (len, self->far_wanted - start);
  late_ms = (gint) ((self->far_wanted - start) * 1000 / self->rate);
  m = MAX (0, self->margin_ms - (late_ms + 9) / 10 * 10);
  if (m < self->margin_ms) {
    GST_DEBUG_OBJECT (self, "far end %d ms late: margin %d ms", late_ms, m);
    self->margin_ms = m;
  }
  self->margin_good_frames = 0;
}

/* Converts one far-end chunk to mono at the near rate and stores it at its
 * play-out position. */
static void
far_store (GstSandraAec * self, GstSandraEchoChunk * c)
{
  GstMapInfo map;
  gsize in_frames, out_frames;
  gint64 start;
  gboolean contiguous;
  gpointer in[1], out[1];

  if (self->far_conv == NULL
      || !gst_audio_info_is_equal (&self->far_in_info, &c->info)) {
    GstAudioInfo out_info;

    if (self->far_conv)
      gst_audio_converter_free (self->far_conv);
    gst_audio_info_set_format (&out_info, GST_AUDIO_FORMAT_S16, self->rate,
        1, NULL);
    self->far_conv = gst_audio_converter_new (GST_AUDIO_CONVERTER_FLAG_NONE,
        &c->info, &out_info, NULL);
    if (self->far_conv == NULL) {
      GST_WARNING_OBJECT (self, "cannot convert the far end");
      return;
    }
    self->far_in_info = c->info;
    GST_INFO_OBJECT (self, "far end %d Hz x%d -> %d Hz mono",
        GST_AUDIO_INFO_RATE (&c->info), GST_AUDIO_INFO_CHANNELS (&c->info),
        self->rate);
  }

  start = gst_util_uint64_scale_int_round (c->play_time, self->rate,
      GST_SECOND);
  /* Timestamps decide, not the DISCONT flag: sources flag the start of
   * every utterance even when it follows the previous one seamlessly, and
   * the far end already held is still what was played before it. */
  contiguous = self->far_end >= 0
      && GST_CLOCK_TIME_IS_VALID (self->far_next_time)
      && c->play_time + FAR_JITTER >= self->far_next_time
      && c->play_time <= self->far_next_time + FAR_JITTER;
  if (!contiguous) {
    if (self->far_end >= 0 && start >= self->far_end
        && start - self->far_end < self->far_ring_len) {
      /* Nothing was played in between: that is silence, not a loss. */
      far_write (self, NULL, start - self->far_end);
    } else if (self->far_end >= 0 && start >= self->far_start
        && start < self->far_end) {
      /* Back in time (less latency than before): what was held from here
       * on is replaced, what came before stays. */
      self->far_end = start;
      self->far_wanted = G_MININT64;
    } else {
      self->far_start = self->far_end = start;
      /* a far end that went back in time cannot be late for what the
       * microphone wanted before */
      self->far_wanted = G_MININT64;
    }
    gst_audio_converter_reset (self->far_conv);
  }
  self->far_next_time = c->play_time + c->duration;
  /* only a flowing far end can be late; a (re)start is just a start */
  if (contiguous)
    far_arrived (self, start, gst_util_uint64_scale_int_round (c->duration,
            self->rate, GST_SECOND));

  if (!gst_buffer_map (c->buffer, &map, GST_MAP_READ))
    return;
  in_frames = map.size / GST_AUDIO_INFO_BPF (&c->info);
  out_frames = gst_audio_converter_get_out_frames (self->far_conv, in_frames);
  if (out_frames > self->far_conv_out_len) {
    self->far_conv_out = g_renew (gint16, self->far_conv_out, out_frames);
    self->far_conv_out_len = out_frames;
  }
  in[0] = map.data;
  out[0] = self->far_conv_out;
  if (gst_audio_converter_samples (self->far_conv, 0, in, in_frames, out,
          out_frames))
    far_write (self, self->far_conv_out, out_frames);
  gst_buffer_unmap (c->buffer, &map);
}

/* The loudspeaker's branch was flushed at @play_time: what is held from
 * there on was never played, and is forgotten. */
static void
far_cut (GstSandraAec * self, GstClockTime play_time)
{
  gint64 at = gst_util_uint64_scale_int_round (play_time, self->rate,
      GST_SECOND);

  if (self->far_end >= 0 && at < self->far_end) {
    GST_DEBUG_OBJECT (self, "playback flushed: %" G_GINT64_FORMAT " ms of "
        "far end were not played", (self->far_end - at) * 1000 / self->rate);
    self->far_end = MAX (at, self->far_start);
  }
  /* whatever comes next starts a new stretch */
  self->far_next_time = GST_CLOCK_TIME_NONE;
}

/* Copies @n far-end samples from play-out index @at; what is not held is
 * silence. */
static void
far_read (GstSandraAec * self, gint64 at, gint16 * dest, gint n)
{
  gint i;

  for (i = 0; i < n; i++) {
    gint64 j = at + i;

    if (self->far_end >= 0 && j >= self->far_start && j < self->far_end)
      dest[i] = self->far_ring[j % self->far_ring_len];
    else
      dest[i] = 0;
  }
}

/* A cut (the playback branch was flushed) voids at once what waits to
 * enter the ring for later than the flush, not when its turn comes. */
static void
apply_cuts (GstSandraAec * self)
{
  GList *l, *next, *k, *prev;

  for (l = self->far_chunks.head; l != NULL; l = next) {
    GstSandraEchoChunk *cut = l->data;

    next = l->next;
    if (cut->buffer != NULL)
      continue;
    for (k = l->prev; k != NULL; k = prev) {
      GstSandraEchoChunk *c = k->data;

      prev = k->prev;
      if (c->buffer != NULL && c->play_time >= cut->play_time) {
        gst_sandra_echo_chunk_free (c);
        g_queue_delete_link (&self->far_chunks, k);
      }
    }
    /* what already entered the ring is cut there, and what still waits
     * from before the flush will be */
    far_cut (self, cut->play_time);
    self->cut_time = cut->play_time;
    gst_sandra_echo_chunk_free (cut);
    g_queue_delete_link (&self->far_chunks, l);
  }
}

/* Finds and attaches the probe, then moves what it queued into the ring.
 * Never blocks on the probe's streaming thread. */
static void
poll_probe (GstSandraAec * self)
{
  if (self->probe && !gst_sandra_echo_probe_is_registered (self->probe)) {
    GST_INFO_OBJECT (self, "probe left READY; looking for it again");
    release_probe (self);
    self->lookup_countdown = 0;
  }

  if (self->probe == NULL) {
    gchar *name;
    GstSandraEchoProbe *probe;

    self->frames_without_probe++;
    if (self->lookup_countdown > 0) {
      self->lookup_countdown--;
      return;
    }
    self->lookup_countdown = LOOKUP_EVERY_FRAMES;
    GST_OBJECT_LOCK (self);
    name = g_strdup (self->probe_name);
    GST_OBJECT_UNLOCK (self);
    probe = gst_sandra_echo_probe_acquire (name);
    if (probe && !gst_sandra_echo_probe_attach (probe, self)) {
      if (!self->warned_busy)
        GST_ELEMENT_WARNING (self, RESOURCE, BUSY,
            ("The sandraechoprobe '%s' already feeds another sandraaec.",
                GST_OBJECT_NAME (probe)),
            ("Give each canceller its own probe."));
      self->warned_busy = TRUE;
      gst_clear_object (&probe);
    }
    if (probe == NULL) {
      if (!self->warned_missing
          && self->frames_without_probe >= MISSING_PROBE_GRACE_FRAMES) {
        self->warned_missing = TRUE;
        if (name && *name)
          GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND,
              ("No sandraechoprobe named '%s' is running in this process; "
                  "echo cancellation waits for it.", name),
              ("Put 'sandraechoprobe name=%s' just before the loudspeaker "
                  "sink. Audio keeps flowing with noise suppression and gain "
                  "control only until the probe appears.", name));
        else
          GST_ELEMENT_WARNING (self, RESOURCE, NOT_FOUND,
              ("No far-end reference: set the 'probe' property to the name "
                  "of a sandraechoprobe."),
              ("%u probes are running in this process; without a name the "
                  "canceller uses one only when it is the only one. Audio "
                  "keeps flowing without echo cancellation.",
                  gst_sandra_echo_probe_count ()));
      }
      g_free (name);
      return;
    }
    g_free (name);
    self->probe = probe;
    far_reset (self);
    GST_INFO_OBJECT (self, "using probe '%s'", GST_OBJECT_NAME (probe));
  }

  gst_sandra_echo_probe_take_all (self->probe, &self->far_chunks);
  apply_cuts (self);
}

/* Stores the far end taken from the probe, oldest first, as far as the
 * ring can hold it without losing what the canceller may still read for
 * the frame at @index (on the probe's axis): a whole reply handed over at
 * once waits here and enters the ring as its time comes. */
static void
far_store_pending (GstSandraAec * self, gint64 index)
{
  GstSandraEchoChunk *c;
  gint64 behind, limit;
  gint extra, max_delay;

  GST_OBJECT_LOCK (self);
  extra = self->extra_delay_ms;
  max_delay = self->max_delay_ms;
  GST_OBJECT_UNLOCK (self);
  /* the earliest read: the estimator's farthest lag behind the known delay,
   * plus a frame */
  behind = (gint64) (MAX (extra, 0) + max_delay + 10) * self->rate / 1000;
  limit = index - behind + self->far_ring_len;

  while ((c = g_queue_peek_head (&self->far_chunks))) {
    GstSandraEchoChunk *last = g_queue_peek_tail (&self->far_chunks);

    if (self->far_end >= 0
        && last->play_time < c->play_time + MAX_PENDING_TIME
        && (gint64) gst_util_uint64_scale_int_round (c->play_time +
            c->duration, self->rate, GST_SECOND) > limit)
      break;
    g_queue_pop_head (&self->far_chunks);
    self->far_latency = c->latency;
    if (GST_CLOCK_TIME_IS_VALID (self->cut_time)
        && c->play_time >= self->cut_time)
      /* played after the flush: the cut is behind us */
      self->cut_time = GST_CLOCK_TIME_NONE;
    far_store (self, c);
    if (GST_CLOCK_TIME_IS_VALID (self->cut_time))
      /* a piece that straddles the flush */
      far_cut (self, self->cut_time);
    gst_sandra_echo_chunk_free (c);
  }
}

/* The far end is indexed by the probe's running time, the microphone by
 * ours. In one pipeline they are the same. A probe in another pipeline
 * started at another moment, maybe on another clock (two pipelines clocked
 * by their own sound cards): the offset is what the probe's running time
 * reads at the instant ours reads zero. On one clock that is the difference
 * of the base times; across clocks both are read at one instant (and again
 * next frame if the thread was preempted in between, which would skew the
 * reading), which also follows any drift between the clocks. Only PLAYING
 * elements have meaningful running times; until then the last known offset
 * holds (none, at first). */
static void
update_clock_offset (GstSandraAec * self)
{
  GstElement *mine = GST_ELEMENT (self), *theirs = GST_ELEMENT (self->probe);
  GstClock *my_clock = NULL, *their_clock = NULL;
  GstClockTime my_base, their_base;
  GstClockTimeDiff diff;
  gboolean playing;
  gint64 offset;

  GST_OBJECT_LOCK (mine);
  if (GST_ELEMENT_CLOCK (mine))
    my_clock = gst_object_ref (GST_ELEMENT_CLOCK (mine));
  my_base = GST_ELEMENT_CAST (mine)->base_time;
  playing = GST_STATE (mine) == GST_STATE_PLAYING;
  GST_OBJECT_UNLOCK (mine);
  GST_OBJECT_LOCK (theirs);
  if (GST_ELEMENT_CLOCK (theirs))
    their_clock = gst_object_ref (GST_ELEMENT_CLOCK (theirs));
  their_base = GST_ELEMENT_CAST (theirs)->base_time;
  playing &= GST_STATE (theirs) == GST_STATE_PLAYING;
  GST_OBJECT_UNLOCK (theirs);
  if (!playing || my_clock == NULL || their_clock == NULL)
    goto done;

  if (my_clock == their_clock) {
    diff = GST_CLOCK_DIFF (their_base, my_base);
  } else {
    GstClockTime before = gst_clock_get_time (my_clock);
    GstClockTime theirs_now = gst_clock_get_time (their_clock);
    GstClockTime after = gst_clock_get_time (my_clock);

    if (after - before > CLOCK_READ_SLACK)
      goto done;
    diff = GST_CLOCK_DIFF (their_base, theirs_now) -
        GST_CLOCK_DIFF (my_base, before + (after - before) / 2);
  }
  offset = (gint64) gst_util_uint64_scale_int_round (ABS (diff), self->rate,
      GST_SECOND);
  if (diff < 0)
    offset = -offset;
  if (ABS (offset - self->clock_offset) > self->rate / 1000) {
    GST_INFO_OBJECT (self, "probe's running time is ours %+" G_GINT64_FORMAT
        " ms", offset * 1000 / self->rate);
    self->clock_offset = offset;
    /* what was wanted on the old axis says nothing about lateness now */
    self->far_wanted = G_MININT64;
    self->far_frames = 0;
  }

done:
  gst_clear_object (&my_clock);
  gst_clear_object (&their_clock);
}

/* --- near end ----------------------------------------------------------- */

static void
apply_settings (GstSandraAec * self)
{
  SandraApmConfig config;
  gboolean config_dirty, est_dirty, probe_dirty;
  gint max_delay;

  GST_OBJECT_LOCK (self);
  config = self->config;
  config_dirty = self->config_dirty;
  est_dirty = self->estimator_dirty;
  probe_dirty = self->probe_dirty;
  max_delay = self->max_delay_ms;
  self->config_dirty = self->estimator_dirty = self->probe_dirty = FALSE;
  GST_OBJECT_UNLOCK (self);

  if (config_dirty && self->apm) {
    gint ret = sandra_apm_configure (self->apm, &config);

    if (ret != 0)
      GST_WARNING_OBJECT (self, "configuration refused: %s",
          sandra_apm_strerror (ret));
    else
      self->active_config = config;
  }
  if (est_dirty || self->estimator == NULL
      || max_delay != self->estimator_max_ms) {
    sandra_delay_estimator_free (self->estimator);
    self->estimator = sandra_delay_estimator_new (self->rate, max_delay);
    self->estimator_max_ms = max_delay;
  }
  if (probe_dirty) {
    release_probe (self);
    self->lookup_countdown = 0;
    self->warned_missing = FALSE;
    self->frames_without_probe = 0;
  }
}

static void
post_stats (GstSandraAec * self, GstClockTime running_time)
{
  SandraApmStats s;
  GstStructure *st;
  gint residual = self->estimator ?
      sandra_delay_estimator_get_delay_ms (self->estimator) : -1;
  gint extra, pipeline_ms;
  gdouble confidence;
  guint64 dropped;

  GST_OBJECT_LOCK (self);
  extra = self->extra_delay_ms;
  GST_OBJECT_UNLOCK (self);

  sandra_apm_get_stats (self->apm, &s);
  if (!s.has_metrics)
    s.erle_db = s.erle_instant_db = s.erl_db = s.a_nlp_db = -100.0;
  pipeline_ms = (gint) (self->far_latency / GST_MSECOND);
  confidence = self->estimator ?
      sandra_delay_estimator_get_confidence (self->estimator) : 0.0;
  dropped = self->probe ? gst_sandra_echo_probe_get_dropped (self->probe) : 0;

  st = gst_structure_new ("sandraaec-stats",
      "running-time", G_TYPE_UINT64, running_time,
      "probe-connected", G_TYPE_BOOLEAN, self->probe != NULL,
      "echo-present", G_TYPE_BOOLEAN, s.echo_present != 0,
      "erle-db", G_TYPE_DOUBLE, s.erle_db,
      "erle-instant-db", G_TYPE_DOUBLE, s.erle_instant_db,
      "erl-db", G_TYPE_DOUBLE, s.erl_db,
      "a-nlp-db", G_TYPE_DOUBLE, s.a_nlp_db,
      "delay-ms", G_TYPE_INT, pipeline_ms + extra + MAX (residual, 0),
      "pipeline-delay-ms", G_TYPE_INT, pipeline_ms,
      "residual-delay-ms", G_TYPE_INT, residual,
      "margin-ms", G_TYPE_INT, self->margin_ms,
      "delay-confidence", G_TYPE_DOUBLE, confidence,
      "canceller-delay-ms", G_TYPE_INT, s.has_delay ? s.delay_median_ms : -1,
      "speech-probability", G_TYPE_DOUBLE, s.speech_probability_pct < 0 ?
      -1.0 : s.speech_probability_pct / 100.0,
      "far-end-late-frames", G_TYPE_UINT64,
      self->far_late_samples / self->frame_size,
      "far-end-dropped", G_TYPE_UINT64, dropped, NULL);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self), st));
}

/* Wins the margin back, 10 ms at a time, once the far end has been well
 * ahead for half a second. @aligned is the far-end index of this frame. */
static void
regrow_margin (GstSandraAec * self, gint64 aligned)
{
  gint64 headroom;

  if (self->margin_ms >= ALIGN_MARGIN_MS || self->far_end < 0)
    return;
  headroom = (self->far_end - aligned) * 1000 / self->rate;
  if (headroom < self->margin_ms + 30) {
    self->margin_good_frames = 0;
  } else if (++self->margin_good_frames >= 50) {
    self->margin_ms += 10;
    self->margin_good_frames = 0;
  }
}

/* Processes one 10 ms frame in place; @index is its first sample on the
 * running-time axis at the near rate. */
static void
process_frame (GstSandraAec * self, gint16 * data, gint64 index,
    GstClockTime running_time)
{
  gint fs = self->frame_size, ret, i;
  guint stats_ms;
  gboolean estimate;
  gint extra;

  GST_OBJECT_LOCK (self);
  estimate = self->delay_estimation;
  extra = self->extra_delay_ms;
  stats_ms = self->stats_interval_ms;
  GST_OBJECT_UNLOCK (self);

  if (self->active_config.echo_cancel)
    poll_probe (self);
  else if (self->probe)
    /* let the probe stop queueing for a reader that no longer reads */
    release_probe (self);

  if (self->active_config.echo_cancel && self->probe) {
    gint residual;
    gint64 offset;

    /* from here on @index is on the probe's running-time axis */
    update_clock_offset (self);
    index += self->clock_offset;
    far_store_pending (self, index);

    if (self->channels == 1)
      memcpy (self->near_mono, data, fs * sizeof (gint16));
    else
      for (i = 0; i < fs; i++)
        self->near_mono[i] = (data[2 * i] + data[2 * i + 1]) / 2;

    /* The far end as played with this frame, with no acoustic delay. */
    far_read (self, index - (gint64) extra * self->rate / 1000,
        self->far_now, fs);
    if (estimate && sandra_delay_estimator_push (self->estimator,
            self->near_mono, self->far_now, fs))
      GST_INFO_OBJECT (self, "echo path delay now %d ms beyond latency "
          "(correlation %.2f)",
          sandra_delay_estimator_get_delay_ms (self->estimator),
          sandra_delay_estimator_get_confidence (self->estimator));
    residual = estimate ?
        MAX (0, sandra_delay_estimator_get_delay_ms (self->estimator)) : 0;
    offset = (gint64) (extra + residual) * self->rate / 1000;
    regrow_margin (self, index - offset);
    offset -= (gint64) self->margin_ms * self->rate / 1000;
    far_read (self, index - offset, self->far_feed, fs);
    self->far_wanted = MAX (self->far_wanted, index - offset + fs);
    self->far_frames++;
    ret = sandra_apm_analyze_far (self->apm, self->far_feed);
    if (ret != 0)
      GST_LOG_OBJECT (self, "far end refused: %s", sandra_apm_strerror (ret));
  }

  ret = sandra_apm_process_near (self->apm, data, self->margin_ms);
  if (ret != 0)
    GST_LOG_OBJECT (self, "near end refused: %s", sandra_apm_strerror (ret));

  if (stats_ms > 0 && ++self->frames_since_stats * 10 >= stats_ms) {
    self->frames_since_stats = 0;
    post_stats (self, running_time);
  }
}

static GstFlowReturn
process_buffer (GstSandraAec * self, GstBuffer * buf, gsize valid_frames)
{
  GstBaseTransform *trans = GST_BASE_TRANSFORM (self);
  GstMapInfo map;
  gsize n_frames, f;
  GstClockTime pts = GST_BUFFER_PTS (buf);

  apply_settings (self);
  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    return GST_FLOW_ERROR;
  n_frames = map.size / self->frame_bytes;
  for (f = 0; f < n_frames; f++) {
    GstClockTime t = GST_CLOCK_TIME_NONE, rt = GST_CLOCK_TIME_NONE;
    gint64 index;

    if (GST_CLOCK_TIME_IS_VALID (pts)) {
      t = pts + gst_util_uint64_scale_int (f * self->frame_size, GST_SECOND,
          self->rate);
      rt = gst_segment_to_running_time (&trans->segment, GST_FORMAT_TIME, t);
    }
    if (GST_CLOCK_TIME_IS_VALID (rt))
      index = gst_util_uint64_scale_int_round (rt, self->rate, GST_SECOND);
    else
      index = self->next_near;
    /* Frames that only pad the EOS tail are not counted as audio. */
    if (f * self->frame_size < valid_frames)
      process_frame (self, (gint16 *) (map.data + f * self->frame_bytes),
          index, rt);
    self->next_near = index + self->frame_size;
  }
  gst_buffer_unmap (buf, &map);
  return GST_FLOW_OK;
}

/* Time at which the next input sample is expected, from what waits in the
 * adapter; NONE when nothing waits or nothing is timestamped. */
static GstClockTime
adapter_end_time (GstSandraAec * self)
{
  gsize avail = gst_adapter_available (self->adapter);
  gsize bpf = self->frame_bytes / self->frame_size;
  GstClockTime pts;
  guint64 dist;

  if (avail == 0)
    return GST_CLOCK_TIME_NONE;
  pts = gst_adapter_prev_pts (self->adapter, &dist);
  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_CLOCK_TIME_NONE;
  return pts + gst_util_uint64_scale_int ((dist + avail) / bpf, GST_SECOND,
      self->rate);
}

static void drain_tail (GstSandraAec * self);

static GstFlowReturn
gst_sandra_aec_submit_input_buffer (GstBaseTransform * trans,
    gboolean is_discont, GstBuffer * input)
{
  GstSandraAec *self = GST_SANDRA_AEC (trans);
  GstClockTime end, pts = GST_BUFFER_PTS (input);

  /* Audio after a gap must not be glued to the partial frame that waits
   * from before it: it would inherit that frame's timestamp, come out early
   * by the length of the gap and be matched against the wrong far end. The
   * waiting samples leave first, at their own time and length. Flagged
   * discontinuities count from one sample on; unflagged timestamp jitter is
   * tolerated up to the alignment threshold audio sinks use. */
  if (self->apm != NULL && GST_CLOCK_TIME_IS_VALID (pts)
      && GST_CLOCK_TIME_IS_VALID (end = adapter_end_time (self))) {
    GstClockTimeDiff diff = GST_CLOCK_DIFF (end, pts);
    GstClockTime tolerance = is_discont ?
        gst_util_uint64_scale_int (1, GST_SECOND, self->rate) : GAP_THRESHOLD;

    if ((GstClockTime) ABS (diff) > tolerance) {
      GST_DEBUG_OBJECT (self, "input jumps by %" GST_STIME_FORMAT
          ", flushing the partial frame", GST_STIME_ARGS (diff));
      drain_tail (self);
      is_discont = TRUE;
    }
  }
  if (is_discont)
    self->discont_pending = TRUE;
  gst_adapter_push (self->adapter, input);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_sandra_aec_generate_output (GstBaseTransform * trans, GstBuffer ** outbuf)
{
  GstSandraAec *self = GST_SANDRA_AEC (trans);
  gsize avail = gst_adapter_available (self->adapter), nbytes;
  GstClockTime pts;
  guint64 dist;
  GstBuffer *buf;
  GstFlowReturn ret;

  *outbuf = NULL;
  if (self->apm == NULL)
    return GST_FLOW_NOT_NEGOTIATED;
  if (avail < self->frame_bytes)
    return GST_FLOW_OK;
  nbytes = avail - avail % self->frame_bytes;

  pts = gst_adapter_prev_pts (self->adapter, &dist);
  if (GST_CLOCK_TIME_IS_VALID (pts))
    pts += gst_util_uint64_scale_int (dist / (self->frame_bytes /
            self->frame_size), GST_SECOND, self->rate);
  buf = gst_adapter_take_buffer (self->adapter, nbytes);
  buf = gst_buffer_make_writable (buf);
  if (self->discont_pending) {
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    self->discont_pending = FALSE;
  } else {
    GST_BUFFER_FLAG_UNSET (buf, GST_BUFFER_FLAG_DISCONT);
  }
  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (nbytes /
      (self->frame_bytes / self->frame_size), GST_SECOND, self->rate);

  ret = process_buffer (self, buf, G_MAXSIZE);
  if (ret != GST_FLOW_OK) {
    gst_buffer_unref (buf);
    return ret;
  }
  *outbuf = buf;
  return GST_FLOW_OK;
}

/* At EOS the last partial frame is padded, processed and pushed at its
 * true length, so no input is lost. */
static void
drain_tail (GstSandraAec * self)
{
  gsize avail = gst_adapter_available (self->adapter);
  GstClockTime pts;
  guint64 dist;
  GstBuffer *buf;
  gsize bpf;

  if (self->apm == NULL || avail == 0)
    return;
  bpf = self->frame_bytes / self->frame_size;
  pts = gst_adapter_prev_pts (self->adapter, &dist);
  if (GST_CLOCK_TIME_IS_VALID (pts))
    pts += gst_util_uint64_scale_int (dist / bpf, GST_SECOND, self->rate);
  memset (self->scratch, 0, self->frame_bytes);
  gst_adapter_copy (self->adapter, self->scratch, 0, avail);
  gst_adapter_clear (self->adapter);

  buf = gst_buffer_new_memdup (self->scratch, self->frame_bytes);
  GST_BUFFER_PTS (buf) = pts;
  process_buffer (self, buf, avail / bpf);
  gst_buffer_resize (buf, 0, avail);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (avail / bpf,
      GST_SECOND, self->rate);
  gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), buf);
}

static void
reset_stream (GstSandraAec * self)
{
  gst_adapter_clear (self->adapter);
  if (self->apm)
    sandra_apm_reset (self->apm);
  far_reset (self);
  self->next_near = 0;
  self->frames_since_stats = 0;
}

static gboolean
gst_sandra_aec_sink_event (GstBaseTransform * trans, GstEvent * event)
{
  GstSandraAec *self = GST_SANDRA_AEC (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_FLUSH_STOP:
      /* A flush drops the microphone audio in flight. The room, the echo
       * path delay and what the loudspeaker played are unchanged: the
       * canceller's filter, the delay estimate and the far end stay (a
       * flush of the loudspeaker's side reaches its probe, which tells).
       * Only who-came-first bookkeeping starts over: running time may
       * restart. */
      gst_adapter_clear (self->adapter);
      self->next_near = 0;
      self->far_wanted = G_MININT64;
      self->far_frames = 0;
      break;
    case GST_EVENT_EOS:
    case GST_EVENT_GAP:
    case GST_EVENT_SEGMENT:
      /* what waits goes out before the event that follows it (and, for a
       * segment, still on the segment it belongs to) */
      drain_tail (self);
      break;
    case GST_EVENT_CAPS:{
      GstAudioInfo info;
      GstCaps *caps;

      /* The partial frame is in the old format: process and push it with
       * the old settings before the new caps replace them. */
      gst_event_parse_caps (event, &caps);
      if (self->apm && gst_audio_info_from_caps (&info, caps)
          && (GST_AUDIO_INFO_RATE (&info) != self->rate
              || GST_AUDIO_INFO_CHANNELS (&info) != self->channels))
        drain_tail (self);
      break;
    }
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (gst_sandra_aec_parent_class)->sink_event
      (trans, event);
}

static gboolean
gst_sandra_aec_query (GstBaseTransform * trans, GstPadDirection direction,
    GstQuery * query)
{
  gboolean ret = GST_BASE_TRANSFORM_CLASS (gst_sandra_aec_parent_class)->query
      (trans, direction, query);

  /* Output leaves in whole 10 ms frames: a sample may wait up to one frame
   * for the rest of its frame to arrive. */
  if (ret && direction == GST_PAD_SRC
      && GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gboolean live;
    GstClockTime min, max;

    gst_query_parse_latency (query, &live, &min, &max);
    min += 10 * GST_MSECOND;
    if (GST_CLOCK_TIME_IS_VALID (max))
      max += 10 * GST_MSECOND;
    gst_query_set_latency (query, live, min, max);
  }
  return ret;
}

static gboolean
gst_sandra_aec_setup (GstAudioFilter * filter, const GstAudioInfo * info)
{
  GstSandraAec *self = GST_SANDRA_AEC (filter);
  gint rate = GST_AUDIO_INFO_RATE (info);
  gint channels = GST_AUDIO_INFO_CHANNELS (info);
  SandraApmConfig config;

  if (GST_AUDIO_INFO_FORMAT (info) != GST_AUDIO_FORMAT_S16
      || (rate != 8000 && rate != 16000 && rate != 32000 && rate != 48000)
      || channels < 1 || channels > 2) {
    GST_WARNING_OBJECT (self, "unsupported format: %s, %d Hz, %d channels",
        GST_AUDIO_INFO_NAME (info), rate, channels);
    return FALSE;
  }

  GST_OBJECT_LOCK (self);
  config = self->config;
  self->config_dirty = FALSE;
  GST_OBJECT_UNLOCK (self);

  if (self->apm && self->rate == rate && self->channels == channels)
    return TRUE;

  sandra_apm_free (self->apm);
  self->apm = sandra_apm_new (&config, rate, channels, 1);
  if (self->apm == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        ("webrtc-audio-processing refused %d Hz, %d channels", rate,
            channels), (NULL));
    return FALSE;
  }
  self->active_config = config;
  self->rate = rate;
  self->channels = channels;
  self->frame_size = sandra_apm_frame_size (self->apm);
  self->frame_bytes = self->frame_size * GST_AUDIO_INFO_BPF (info);
  self->scratch = g_renew (gint16, self->scratch, self->frame_size * channels);
  self->near_mono = g_renew (gint16, self->near_mono, self->frame_size);
  self->far_now = g_renew (gint16, self->far_now, self->frame_size);
  self->far_feed = g_renew (gint16, self->far_feed, self->frame_size);
  self->far_ring_len = (gint64) rate *FAR_RING_SECONDS;
  self->far_ring = g_renew (gint16, self->far_ring, self->far_ring_len);
  if (self->far_conv) {
    gst_audio_converter_free (self->far_conv);
    self->far_conv = NULL;
  }
  sandra_delay_estimator_free (self->estimator);
  self->estimator = NULL;
  gst_adapter_clear (self->adapter);
  far_reset (self);
  GST_INFO_OBJECT (self, "processing %d Hz, %d channel(s)", rate, channels);
  return TRUE;
}

static gboolean
gst_sandra_aec_start (GstBaseTransform * trans)
{
  GstSandraAec *self = GST_SANDRA_AEC (trans);

  /* The warnings are per run: a restarted pipeline says it again. */
  self->warned_missing = FALSE;
  self->warned_busy = FALSE;
  self->frames_without_probe = 0;
  self->lookup_countdown = 0;
  self->far_late_samples = 0;
  self->far_latency = 0;
  reset_stream (self);
  return TRUE;
}

static gboolean
gst_sandra_aec_stop (GstBaseTransform * trans)
{
  GstSandraAec *self = GST_SANDRA_AEC (trans);

  release_probe (self);
  gst_adapter_clear (self->adapter);
  g_clear_pointer (&self->apm, sandra_apm_free);
  g_clear_pointer (&self->estimator, sandra_delay_estimator_free);
  if (self->far_conv) {
    gst_audio_converter_free (self->far_conv);
    self->far_conv = NULL;
  }
  self->rate = self->channels = 0;
  return TRUE;
}

/* --- properties --------------------------------------------------------- */

static void
gst_sandra_aec_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstSandraAec *self = GST_SANDRA_AEC (object);
  SandraApmConfig *c = &self->config;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROBE:
      g_free (self->probe_name);
      self->probe_name = g_value_dup_string (value);
      self->probe_dirty = TRUE;
      break;
    case PROP_ECHO_CANCEL:
      c->echo_cancel = g_value_get_boolean (value);
      break;
    case PROP_ECHO_SUPPRESSION_LEVEL:
      c->suppression_level = g_value_get_enum (value);
      break;
    case PROP_EXTENDED_FILTER:
      c->extended_filter = g_value_get_boolean (value);
      break;
    case PROP_DELAY_AGNOSTIC:
      c->delay_agnostic = g_value_get_boolean (value);
      break;
    case PROP_DELAY_ESTIMATION:
      self->delay_estimation = g_value_get_boolean (value);
      self->estimator_dirty = TRUE;
      break;
    case PROP_EXTRA_DELAY_MS:
      self->extra_delay_ms = g_value_get_int (value);
      break;
    case PROP_MAX_DELAY_MS:
      self->max_delay_ms = g_value_get_int (value);
      break;
    case PROP_NOISE_SUPPRESSION:
      c->noise_suppression = g_value_get_boolean (value);
      break;
    case PROP_NOISE_SUPPRESSION_LEVEL:
      c->noise_level = g_value_get_enum (value);
      break;
    case PROP_GAIN_CONTROL:
      c->gain_control = g_value_get_boolean (value);
      break;
    case PROP_GAIN_CONTROL_MODE:
      c->gain_mode = g_value_get_enum (value);
      break;
    case PROP_TARGET_LEVEL_DBFS:
      c->target_level_dbfs = g_value_get_int (value);
      break;
    case PROP_COMPRESSION_GAIN_DB:
      c->compression_gain_db = g_value_get_int (value);
      break;
    case PROP_LIMITER:
      c->limiter = g_value_get_boolean (value);
      break;
    case PROP_HIGH_PASS_FILTER:
      c->high_pass_filter = g_value_get_boolean (value);
      break;
    case PROP_STATS_INTERVAL_MS:
      self->stats_interval_ms = g_value_get_uint (value);
      /* the library's echo figures cost CPU; only when someone reads them */
      c->metrics = self->stats_interval_ms > 0;
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  self->config_dirty = TRUE;
  GST_OBJECT_UNLOCK (self);
}

static void
gst_sandra_aec_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstSandraAec *self = GST_SANDRA_AEC (object);
  SandraApmConfig *c = &self->config;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_PROBE:
      g_value_set_string (value, self->probe_name);
      break;
    case PROP_ECHO_CANCEL:
      g_value_set_boolean (value, c->echo_cancel);
      break;
    case PROP_ECHO_SUPPRESSION_LEVEL:
      g_value_set_enum (value, c->suppression_level);
      break;
    case PROP_EXTENDED_FILTER:
      g_value_set_boolean (value, c->extended_filter);
      break;
    case PROP_DELAY_AGNOSTIC:
      g_value_set_boolean (value, c->delay_agnostic);
      break;
    case PROP_DELAY_ESTIMATION:
      g_value_set_boolean (value, self->delay_estimation);
      break;
    case PROP_EXTRA_DELAY_MS:
      g_value_set_int (value, self->extra_delay_ms);
      break;
    case PROP_MAX_DELAY_MS:
      g_value_set_int (value, self->max_delay_ms);
      break;
    case PROP_NOISE_SUPPRESSION:
      g_value_set_boolean (value, c->noise_suppression);
      break;
    case PROP_NOISE_SUPPRESSION_LEVEL:
      g_value_set_enum (value, c->noise_level);
      break;
    case PROP_GAIN_CONTROL:
      g_value_set_boolean (value, c->gain_control);
      break;
    case PROP_GAIN_CONTROL_MODE:
      g_value_set_enum (value, c->gain_mode);
      break;
    case PROP_TARGET_LEVEL_DBFS:
      g_value_set_int (value, c->target_level_dbfs);
      break;
    case PROP_COMPRESSION_GAIN_DB:
      g_value_set_int (value, c->compression_gain_db);
      break;
    case PROP_LIMITER:
      g_value_set_boolean (value, c->limiter);
      break;
    case PROP_HIGH_PASS_FILTER:
      g_value_set_boolean (value, c->high_pass_filter);
      break;
    case PROP_STATS_INTERVAL_MS:
      g_value_set_uint (value, self->stats_interval_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_sandra_aec_finalize (GObject * object)
{
  GstSandraAec *self = GST_SANDRA_AEC (object);

  release_probe (self);
  sandra_apm_free (self->apm);
  sandra_delay_estimator_free (self->estimator);
  if (self->far_conv)
    gst_audio_converter_free (self->far_conv);
  g_object_unref (self->adapter);
  g_free (self->probe_name);
  g_free (self->scratch);
  g_free (self->near_mono);
  g_free (self->far_now);
  g_free (self->far_feed);
  g_free (self->far_ring);
  g_free (self->far_conv_out);
  G_OBJECT_CLASS (gst_sandra_aec_parent_class)->finalize (object);
}

#define PARAM_FLAGS \
  (G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING)

static void
gst_sandra_aec_class_init (GstSandraAecClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstAudioFilterClass *filter_class = GST_AUDIO_FILTER_CLASS (klass);
  GstCaps *caps;

  GST_DEBUG_CATEGORY_INIT (sandra_aec_debug, "sandraaec", 0,
      "echo cancellation, noise suppression and gain control");

  gobject_class->set_property = gst_sandra_aec_set_property;
  gobject_class->get_property = gst_sandra_aec_get_property;
  gobject_class->finalize = gst_sandra_aec_finalize;

  g_object_class_install_property (gobject_class, PROP_PROBE,
      g_param_spec_string ("probe", "Probe",
          "Name of the sandraechoprobe that sees the loudspeaker audio, "
          "looked up anywhere in this process (unset: the only probe "
          "running, if there is exactly one)", NULL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_ECHO_CANCEL,
      g_param_spec_boolean ("echo-cancel", "Echo cancellation",
          "Remove the loudspeaker echo found by the probe",
          DEFAULT_ECHO_CANCEL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_ECHO_SUPPRESSION_LEVEL,
      g_param_spec_enum ("echo-suppression-level", "Echo suppression level",
          "How hard the residual echo suppressor works; higher removes more "
          "echo and more of a near-end talker speaking over it",
          GST_TYPE_SANDRA_AEC_SUPPRESSION_LEVEL, DEFAULT_SUPPRESSION,
          PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_EXTENDED_FILTER,
      g_param_spec_boolean ("extended-filter", "Extended filter",
          "Use the long adaptive filter (about 128 ms of echo tail instead "
          "of 48 ms): better in reverberant rooms, slightly more CPU",
          DEFAULT_EXTENDED_FILTER, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_DELAY_AGNOSTIC,
      g_param_spec_boolean ("delay-agnostic", "Delay agnostic",
          "Also let the library search the delay itself; usually not needed "
          "since the element estimates it (see delay-estimation)",
          DEFAULT_DELAY_AGNOSTIC, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_DELAY_ESTIMATION,
      g_param_spec_boolean ("delay-estimation", "Delay estimation",
          "Estimate the echo path delay that latency queries do not report "
          "(device buffers, air, Bluetooth) from the signals, and track it",
          DEFAULT_DELAY_ESTIMATION, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_EXTRA_DELAY_MS,
      g_param_spec_int ("extra-delay-ms", "Extra delay",
          "Known far-end to microphone delay beyond the pipeline latency, in "
          "milliseconds; the estimator searches from there on",
          -200, 1000, DEFAULT_EXTRA_DELAY_MS, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_MAX_DELAY_MS,
      g_param_spec_int ("max-delay-ms", "Maximum delay",
          "Largest unreported echo path delay the estimator searches, in "
          "milliseconds", 50, 2000, DEFAULT_MAX_DELAY_MS, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_NOISE_SUPPRESSION,
      g_param_spec_boolean ("noise-suppression", "Noise suppression",
          "Attenuate stationary background noise", DEFAULT_NOISE_SUPPRESSION,
          PARAM_FLAGS));
  g_object_class_install_property (gobject_class,
      PROP_NOISE_SUPPRESSION_LEVEL,
      g_param_spec_enum ("noise-suppression-level", "Noise suppression level",
          "How much noise to remove; higher levels remove more noise and "
          "colour speech more", GST_TYPE_SANDRA_AEC_NOISE_SUPPRESSION_LEVEL,
          DEFAULT_NOISE_LEVEL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_GAIN_CONTROL,
      g_param_spec_boolean ("gain-control", "Gain control",
          "Automatic digital gain control towards target-level-dbfs "
          "(off by default: speech recognisers prefer the level unchanged)",
          DEFAULT_GAIN_CONTROL, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_GAIN_CONTROL_MODE,
      g_param_spec_enum ("gain-control-mode", "Gain control mode",
          "adaptive-digital follows the talker's level; fixed-digital applies "
          "compression-gain-db", GST_TYPE_SANDRA_AEC_GAIN_CONTROL_MODE,
          DEFAULT_GAIN_MODE, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_TARGET_LEVEL_DBFS,
      g_param_spec_int ("target-level-dbfs", "Target level",
          "Gain control target peak level, in dB below full scale (3 means "
          "-3 dBFS)", 0, 31, DEFAULT_TARGET_LEVEL_DBFS, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_COMPRESSION_GAIN_DB,
      g_param_spec_int ("compression-gain-db", "Compression gain",
          "Largest gain the gain control's compressor may apply, in dB", 0, 90,
          DEFAULT_COMPRESSION_GAIN_DB, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_LIMITER,
      g_param_spec_boolean ("limiter", "Limiter",
          "Keep the gain control's output from clipping at the target level",
          DEFAULT_LIMITER, PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_HIGH_PASS_FILTER,
      g_param_spec_boolean ("high-pass-filter", "High-pass filter",
          "Remove DC and rumble below about 80 Hz", DEFAULT_HIGH_PASS_FILTER,
          PARAM_FLAGS));
  g_object_class_install_property (gobject_class, PROP_STATS_INTERVAL_MS,
      g_param_spec_uint ("stats-interval-ms", "Statistics interval",
          "Post a 'sandraaec-stats' element message every so many "
          "milliseconds of audio (0 = never)", 0, 3600000,
          DEFAULT_STATS_INTERVAL_MS, PARAM_FLAGS));

  trans_class->submit_input_buffer =
      GST_DEBUG_FUNCPTR (gst_sandra_aec_submit_input_buffer);
  trans_class->generate_output =
      GST_DEBUG_FUNCPTR (gst_sandra_aec_generate_output);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_sandra_aec_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_sandra_aec_query);
  trans_class->start = GST_DEBUG_FUNCPTR (gst_sandra_aec_start);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_sandra_aec_stop);
  filter_class->setup = GST_DEBUG_FUNCPTR (gst_sandra_aec_setup);

  caps = gst_caps_from_string (CAPS);
  gst_audio_filter_class_add_pad_templates (filter_class, caps);
  gst_caps_unref (caps);

  gst_element_class_set_static_metadata (element_class,
      "Acoustic echo canceller", "Filter/Effect/Audio",
      "Removes loudspeaker echo (with automatic delay estimation), noise and "
      "level swings from a microphone, with webrtc-audio-processing",
      "gst-sandra contributors");

  gst_type_mark_as_plugin_api (GST_TYPE_SANDRA_AEC_SUPPRESSION_LEVEL, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SANDRA_AEC_NOISE_SUPPRESSION_LEVEL, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_SANDRA_AEC_GAIN_CONTROL_MODE, 0);
}

static void
gst_sandra_aec_init (GstSandraAec * self)
{
  SandraApmConfig *c = &self->config;

  /* The shim's recommended settings are the element's defaults; the
   * DEFAULT_ values above document them for the property specs, and a test
   * checks that both agree. */
  sandra_apm_config_init (c);
  self->delay_estimation = DEFAULT_DELAY_ESTIMATION;
  self->extra_delay_ms = DEFAULT_EXTRA_DELAY_MS;
  self->max_delay_ms = DEFAULT_MAX_DELAY_MS;
  self->stats_interval_ms = DEFAULT_STATS_INTERVAL_MS;
  c->metrics = DEFAULT_STATS_INTERVAL_MS > 0;
  self->adapter = gst_adapter_new ();
  g_queue_init (&self->far_chunks);
  self->far_end = -1;
}
