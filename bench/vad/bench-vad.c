/* bench-vad: accuracy, latency and speed of the voice activity detectors
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Builds a labelled recording from real speech (LibriVox and CMU Sphinx test
 * utterances shipped by Debian's pocketsphinx package) separated by pauses,
 * adds pink noise at several signal-to-noise ratios and runs every detector
 * on it.
 *
 * Labels (--labels):
 *  - words (the default): where the words are, as PocketSphinx's forced
 *    alignment found them (bench/vad/labels/, made by
 *    scripts/vad-labels/align.py, independent of every detector measured).
 *    A 10 ms frame is speech when it overlaps a word. A pause between two
 *    words shorter than --bridge-ms (250 ms unless told, the usual
 *    threshold between the gaps of articulation and real pauses in the
 *    phonetics literature) counts as speech too: a detector that cuts
 *    utterances should not split there, nor is it wrong to keep it.
 *  - level: a frame is speech when its level is within --label-range-db
 *    (40 dB unless told) of the loudest frame of its utterance. This also
 *    takes in breaths and the recordings' room noise at utterance edges, so
 *    it rewards a detector that keeps them.
 * Everything is generated in memory; nothing is written. audiotestsrc's
 * pink noise is not seeded, so figures move a little from run to run; all
 * detectors of one run see the same noise.
 *
 * Prints figures only; it never passes or fails. Each detector is one
 * column: adding an engine is one more entry in detectors[].
 *
 *   bench-vad [--data-dir DIR] [--mode 0-3] [--label-range-db DB]
 *             [--repeat N]
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/audio/audio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sandra-vad-engine.h"
#include "sandra-vad-segmenter.h"

#define RATE 16000
#define GRID 160                /* label frame: 10 ms at 16 kHz */
#define LABEL_FLOOR_DBFS -60.0

static const gchar *speech_files[] = {
  "librivox/sense_and_sensibility_01_austen_64kb-0870.wav",
  "goforward.raw",
  "librivox/sense_and_sensibility_01_austen_64kb-0880.wav",
  "numbers.raw",
  "librivox/sense_and_sensibility_01_austen_64kb-0890.wav",
  "something.raw",
  "librivox/sense_and_sensibility_01_austen_64kb-0920.wav",
  "librivox/sense_and_sensibility_01_austen_64kb-0930.wav",
};

/* What counts as speech in the reference. */
typedef enum
{
  LABELS_WORDS,
  LABELS_LEVEL,
} LabelKind;

static LabelKind label_kind = LABELS_WORDS;
static gchar *labels_dir = NULL;
static gint bridge_ms = 250;

/* pause before each utterance, seconds; the last entry also ends the set */
static const gdouble pauses[] = { 1.0, 1.5, 0.7, 2.0, 1.2, 0.9, 1.8, 1.1, 1.5 };

static const gdouble snrs[] = { INFINITY, 20.0, 10.0, 5.0, 0.0 };

typedef struct
{
  gsize start, end;             /* samples: first/last labelled speech */
} Utterance;

typedef struct
{
  gint16 *clean;
  gsize n;
  guint8 *label;                /* per GRID frame */
  gsize n_grid;
  GArray *utterances;           /* Utterance */
} LabelledSet;

/* --- decoding through GStreamer ----------------------------------------- */

static GByteArray *
decode (const gchar * desc)
{
  GError *err = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &err);
  GstElement *sink;
  GByteArray *out;
  GstSample *sample;
  GstBus *bus;
  GstMessage *msg;

  if (pipeline == NULL) {
    g_printerr ("cannot build '%s': %s\n", desc, err->message);
    g_clear_error (&err);
    return NULL;
  }
  out = g_byte_array_new ();
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    GstMapInfo map;

    gst_buffer_map (gst_sample_get_buffer (sample), &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (gst_sample_get_buffer (sample), &map);
    gst_sample_unref (sample);
  }
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    g_printerr ("decoding failed: %s\n", desc);
    gst_message_unref (msg);
    g_byte_array_unref (out);
    out = NULL;
  }
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return out;
}

#define TO_S16_16K "audioconvert ! audioresample ! audio/x-raw,format=S16LE," \
  "layout=interleaved,rate=16000,channels=1 ! appsink name=sink sync=false"

static GByteArray *
load_speech (const gchar * dir, const gchar * name)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gchar *desc;
  GByteArray *a;

  if (g_str_has_suffix (name, ".raw"))
    desc = g_strdup_printf ("filesrc location=\"%s\" ! rawaudioparse "
        "use-sink-caps=false format=pcm pcm-format=s16le sample-rate=16000 "
        "num-channels=1 ! " TO_S16_16K, path);
  else
    desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
        TO_S16_16K, path);
  a = decode (desc);
  g_free (desc);
  g_free (path);
  return a;
}

static gint16 *
make_noise (gsize n)
{
  gchar *desc = g_strdup_printf ("audiotestsrc wave=pink-noise "
      "samplesperbuffer=1600 num-buffers=%" G_GSIZE_FORMAT " ! "
      TO_S16_16K, n / 1600 + 1);
  GByteArray *a = decode (desc);
  gint16 *noise;

  g_free (desc);
  if (a == NULL || a->len < n * 2)
    g_error ("cannot generate noise");
  noise = g_memdup2 (a->data, n * 2);
  g_byte_array_unref (a);
  return noise;
}

/* --- the labelled set ---------------------------------------------------- */

/* How far below its utterance's loudest frame a frame still counts as
 * speech. 40 dB also takes in the quietest breaths and the recordings' own
 * background noise at utterance edges; a smaller range labels fewer of
 * them, which shows how much a detector's figures depend on those edges. */
static gdouble label_range_db = 40.0;

static gdouble
frame_db (const gint16 * x, gsize n)
{
  gdouble acc = 0.0;
  gsize i;

  for (i = 0; i < n; i++)
    acc += (gdouble) x[i] * x[i];
  return acc > 0 ? 10.0 * log10 (acc / n / (32768.0 * 32768.0)) : -120.0;
}

/* The word intervals of one recording, in samples from its start, from
 * bench/vad/labels/<basename>.words ("start_s end_s word" lines). */
static GArray *
load_words (const gchar * speech_file)
{
  gchar *base = g_path_get_basename (speech_file);
  gchar *dot = strrchr (base, '.');
  gchar *name, *path, *text = NULL, **lines;
  GArray *words = NULL;
  guint i;

  if (dot)
    *dot = '\0';
  name = g_strconcat (base, ".words", NULL);
  path = g_build_filename (labels_dir, name, NULL);
  if (!g_file_get_contents (path, &text, NULL, NULL)) {
    g_printerr ("no word alignment %s (scripts/vad-labels/align.py makes "
        "it)\n", path);
    goto out;
  }
  words = g_array_new (FALSE, FALSE, sizeof (Utterance));
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i]; i++) {
    gdouble a, b;
    Utterance w;

    if (lines[i][0] == '#' || sscanf (lines[i], "%lf %lf", &a, &b) != 2)
      continue;
    w.start = (gsize) lrint (a * RATE);
    w.end = (gsize) lrint (b * RATE);
    g_array_append_val (words, w);
  }
  g_strfreev (lines);
  if (words->len == 0) {
    g_printerr ("%s holds no words\n", path);
    g_clear_pointer (&words, g_array_unref);
  }
out:
  g_free (text);
  g_free (path);
  g_free (name);
  g_free (base);
  return words;
}

/* Marks the frames of @words (offset by @base) as speech, bridging pauses
 * shorter than bridge_ms; returns the utterance they span. */
static Utterance
label_words (LabelledSet * set, GArray * words, gsize base)
{
  gsize bridge = (gsize) bridge_ms * RATE / 1000;
  Utterance u = { G_MAXSIZE, 0 };
  guint i;

  for (i = 0; i < words->len; i++) {
    Utterance *w = &g_array_index (words, Utterance, i);
    gsize from = base + w->start, to = base + w->end, g;

    if (i + 1 < words->len) {
      gsize next = base + g_array_index (words, Utterance, i + 1).start;

      if (next > to && next - to < bridge)
        to = next;
    }
    for (g = from / GRID; g < (to + GRID - 1) / GRID && g < set->n_grid; g++)
      set->label[g] = 1;
    u.start = MIN (u.start, from);
    u.end = MAX (u.end, to);
  }
  return u;
}

static gboolean
build_set (LabelledSet * set, const gchar * dir)
{
  GPtrArray *alignments = g_ptr_array_new_with_free_func
      ((GDestroyNotify) g_array_unref);
  GArray *bases = g_array_new (FALSE, FALSE, sizeof (gsize));
  GArray *a = g_array_new (FALSE, TRUE, sizeof (gint16));
  guint f;

  set->utterances = g_array_new (FALSE, FALSE, sizeof (Utterance));
  for (f = 0; f < G_N_ELEMENTS (speech_files); f++) {
    GByteArray *s = load_speech (dir, speech_files[f]);
    gsize base, len, i, first = G_MAXSIZE, last = 0;
    gdouble peak = -120.0;
    Utterance u;

    if (s == NULL)
      return FALSE;
    g_array_set_size (a, a->len + (gsize) (pauses[f] * RATE) / GRID * GRID);
    base = a->len;
    len = s->len / 2 / GRID * GRID;
    g_array_append_vals (a, s->data, len);
    g_byte_array_unref (s);
    g_array_append_val (bases, base);
    if (label_kind == LABELS_WORDS) {
      GArray *words = load_words (speech_files[f]);

      if (words == NULL)
        return FALSE;
      g_ptr_array_add (alignments, words);
      continue;
    }

    for (i = 0; i < len; i += GRID)
      peak = MAX (peak, frame_db (&g_array_index (a, gint16, base + i), GRID));
    for (i = 0; i < len; i += GRID) {
      gdouble db = frame_db (&g_array_index (a, gint16, base + i), GRID);

      if (db >= peak - label_range_db && db >= LABEL_FLOOR_DBFS) {
        first = MIN (first, base + i);
        last = base + i + GRID;
      }
    }
    u.start = first;
    u.end = last;
    g_array_append_val (set->utterances, u);
  }
  g_array_set_size (a, a->len + (gsize) (pauses[G_N_ELEMENTS (speech_files)]
          * RATE) / GRID * GRID);

  set->n = a->len;
  set->clean = (gint16 *) g_array_free (a, FALSE);
  set->n_grid = set->n / GRID;
  set->label = g_new0 (guint8, set->n_grid);
  if (label_kind == LABELS_WORDS) {
    for (f = 0; f < alignments->len; f++) {
      Utterance u = label_words (set, g_ptr_array_index (alignments, f),
          g_array_index (bases, gsize, f));

      g_array_append_val (set->utterances, u);
    }
  }
  g_ptr_array_unref (alignments);
  g_array_unref (bases);
  for (f = 0; label_kind == LABELS_LEVEL && f < set->utterances->len; f++) {
    Utterance *u = &g_array_index (set->utterances, Utterance, f);
    gdouble peak = -120.0;
    gsize i;

    for (i = u->start; i < u->end; i += GRID)
      peak = MAX (peak, frame_db (set->clean + i, GRID));
    for (i = u->start; i < u->end; i += GRID) {
      gdouble db = frame_db (set->clean + i, GRID);

      set->label[i / GRID] = db >= peak - label_range_db
          && db >= LABEL_FLOOR_DBFS;
    }
  }
  return TRUE;
}

/* Clean speech plus noise scaled to @snr dB over the labelled speech. */
static gint16 *
mix (const LabelledSet * set, const gint16 * noise, gdouble snr)
{
  gint16 *out = g_memdup2 (set->clean, set->n * 2);
  gdouble ps = 0.0, pn = 0.0, gain;
  gsize i, ns = 0;

  if (isinf (snr))
    return out;
  for (i = 0; i < set->n; i++) {
    if (set->label[i / GRID]) {
      ps += (gdouble) set->clean[i] * set->clean[i];
      ns++;
    }
    pn += (gdouble) noise[i] * noise[i];
  }
  ps /= MAX (ns, 1);
  pn /= set->n;
  gain = sqrt (ps / (pn * pow (10.0, snr / 10.0)));
  for (i = 0; i < set->n; i++) {
    gdouble v = set->clean[i] + gain * noise[i];

    out[i] = (gint16) CLAMP (lrint (v), -32768, 32767);
  }
  return out;
}

/* --- detectors ----------------------------------------------------------- */

static gint engine_mode = 2;    /* the element's default, aggressive */

typedef struct
{
  guint8 *frames;               /* per GRID frame: engine says speech */
  guint8 *segments;             /* per GRID frame: inside an utterance */
  GArray *start_decided;        /* gsize: sample where each start was known */
  GArray *stop_decided;
  GArray *stops;                /* gsize: stop offsets */
  gdouble cpu_seconds;          /* engine only */
} Result;

/* One detector: its frame decisions, its utterances, or both, each one
 * column of the report. */
typedef struct
{
  const gchar *name;
    gboolean (*run) (gconstpointer data, const gint16 * x, gsize n, Result * r);
  gconstpointer data;
  gboolean frames;              /* fills Result.frames */
  gboolean segments;            /* fills Result.segments */
  gboolean decisions;           /* fills the *_decided arrays */
} Detector;

static void
result_init (Result * r, gsize n_grid)
{
  r->frames = g_new0 (guint8, n_grid + 1);
  r->segments = g_new0 (guint8, n_grid + 1);
  r->start_decided = g_array_new (FALSE, FALSE, sizeof (gsize));
  r->stop_decided = g_array_new (FALSE, FALSE, sizeof (gsize));
  r->stops = g_array_new (FALSE, FALSE, sizeof (gsize));
  r->cpu_seconds = 0.0;
}

static void
result_clear (Result * r)
{
  g_free (r->frames);
  g_free (r->segments);
  g_array_unref (r->start_decided);
  g_array_unref (r->stop_decided);
  g_array_unref (r->stops);
}

static gdouble
cpu_now (int clock)
{
  struct timespec ts;

  clock_gettime (clock, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
mark (guint8 * grid, gsize from, gsize to)
{
  gsize g;

  for (g = from / GRID; g < (to + GRID - 1) / GRID; g++)
    grid[g] = 1;
}

/* A sandra engine, frame by frame, then the segmenter with that engine's
 * defaults (but no pre-speech padding, which would only shift the start). */
static gboolean
run_engine (gconstpointer data, const gint16 * x, gsize n, Result * r)
{
  SandraVadEngineKind kind = GPOINTER_TO_INT (data);
  SandraVadEngine *engine = sandra_vad_engine_new (kind, RATE, engine_mode,
      NULL);
  SandraVadSegmenterSettings settings;
  SandraVadSegmenter *seg;
  guint frame, i, k;
  gsize pos, n_frames;
  gfloat *p;
  gsize open_at = 0;
  gdouble t0;

  if (engine == NULL || sandra_vad_engine_get_rate (engine) != RATE)
    return FALSE;
  frame = sandra_vad_engine_get_frame_size (engine);
  n_frames = n / frame;
  p = g_new (gfloat, n_frames);

  t0 = cpu_now (CLOCK_THREAD_CPUTIME_ID);
  for (i = 0; i < n_frames; i++)
    p[i] = sandra_vad_engine_process (engine, x + (gsize) i * frame);
  r->cpu_seconds = cpu_now (CLOCK_THREAD_CPUTIME_ID) - t0;
  sandra_vad_engine_free (engine);

  sandra_vad_engine_kind_get_defaults (kind, &settings);
  settings.pre_speech_pad_ms = 0;
  seg = sandra_vad_segmenter_new (RATE, frame, &settings);
  for (i = 0; i <= n_frames; i++) {
    SandraVadSegmentEvent ev[SANDRA_VAD_SEGMENTER_MAX_EVENTS];

    if (i < n_frames) {
      if (p[i] >= settings.threshold)
        mark (r->frames, (gsize) i * frame, (gsize) (i + 1) * frame);
      k = sandra_vad_segmenter_push (seg, p[i], ev);
    } else {
      k = sandra_vad_segmenter_finish (seg, ev);
    }
    pos = sandra_vad_segmenter_get_position (seg);
    for (guint j = 0; j < k; j++) {
      if (ev[j].boundary == SANDRA_VAD_SEGMENT_START) {
        open_at = ev[j].offset;
        g_array_append_val (r->start_decided, pos);
      } else {
        gsize stop = ev[j].offset;

        mark (r->segments, open_at, stop);
        g_array_append_val (r->stop_decided, pos);
        g_array_append_val (r->stops, stop);
      }
    }
  }
  sandra_vad_segmenter_free (seg);
  g_free (p);
  return TRUE;
}

/* The sandravad element as the Realtime route uses it: 24 kHz input (the
 * set is resampled beforehand, untimed), resampled inside to the engine's
 * 16 kHz, fed in 20 ms buffers; utterances from its messages. @data is the
 * engine's nick; the element uses that engine's defaults. */
static gboolean
run_element (gconstpointer data, const gint16 * x, gsize n, Result * r)
{
  GstAudioResampler *rs = gst_audio_resampler_new
      (GST_AUDIO_RESAMPLER_METHOD_KAISER, GST_AUDIO_RESAMPLER_FLAG_NONE,
      GST_AUDIO_FORMAT_S16, 1, RATE, 24000, NULL);
  gsize n24 = gst_audio_resampler_get_out_frames (rs, n), i;
  gint16 *x24 = g_new (gint16, n24);
  gpointer in[1] = { (gpointer) x }, out[1] = { x24 };
  GstElement *pipeline, *src;
  GstBus *bus;
  GstMessage *msg;
  gsize open_at = 0;
  gdouble t0;
  gchar *desc;

  gst_audio_resampler_resample (rs, in, n, out, n24);
  gst_audio_resampler_free (rs);

  desc = g_strdup_printf ("appsrc name=src format=time "
      "caps=audio/x-raw,format=S16LE,layout=interleaved,rate=24000,channels=1 "
      "! sandravad engine=%s mode=%d pre-speech-pad-ms=0 ! fakesink",
      (const gchar *) data, engine_mode);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  if (pipeline == NULL) {
    g_free (x24);
    return FALSE;
  }
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  t0 = cpu_now (CLOCK_PROCESS_CPUTIME_ID);
  for (i = 0; i < n24; i += 480) {
    gsize len = MIN (480, n24 - i);
    GstBuffer *buf = gst_buffer_new_memdup (x24 + i, len * 2);

    GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (i, GST_SECOND, 24000);
    GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (i + len,
        GST_SECOND, 24000) - GST_BUFFER_PTS (buf);
    gst_app_src_push_buffer (GST_APP_SRC (src), buf);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  /* (popping with a filter drops the other messages: take all three) */
  while ((msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
              GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);
    GstMessageType type = GST_MESSAGE_TYPE (msg);
    guint64 ts;

    if (type == GST_MESSAGE_ELEMENT && gst_structure_has_name (st,
            "sandravad") && gst_structure_get_uint64 (st, "timestamp", &ts)) {
      gsize at = gst_util_uint64_scale_int (ts, RATE, GST_SECOND);

      if (g_strcmp0 (gst_structure_get_string (st, "event"),
              "speech-start") == 0)
        open_at = at;
      else
        mark (r->segments, open_at, at);
    }
    gst_message_unref (msg);
    if (type != GST_MESSAGE_ELEMENT)
      break;
  }
  r->cpu_seconds = cpu_now (CLOCK_PROCESS_CPUTIME_ID) - t0;

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (src);
  gst_object_unref (pipeline);
  g_free (x24);
  return TRUE;
}

/* Peer: gst-plugins-bad's webrtcdsp with only its voice detector on, read
 * from its "voice-activity" messages (posted on every change, stamped with
 * the stream time of the 10 ms frame). */
static gboolean
run_webrtcdsp (gconstpointer data, const gint16 * x, gsize n, Result * r)
{
  GstElement *pipeline, *src, *sink;
  GstSample *sample;
  GstBuffer *buf;
  GstBus *bus;
  GstMessage *msg;
  gsize pos = 0, voice_since = 0;
  gboolean voice = FALSE;
  gdouble t0;

  /* the same likelihood as the webrtc engine's mode */
  static const gchar *likelihood[] = { "high", "moderate", "low", "very-low" };
  gchar *desc = g_strdup_printf ("appsrc name=src format=time "
      "caps=audio/x-raw,format=S16LE,layout=interleaved,rate=16000,channels=1 "
      "! webrtcdsp echo-cancel=false noise-suppression=false "
      "gain-control=false high-pass-filter=false voice-detection=true "
      "voice-detection-likelihood=%s ! appsink name=sink sync=false",
      likelihood[CLAMP (engine_mode, 0, 3)]);

  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  if (pipeline == NULL)
    return FALSE;
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  buf = gst_buffer_new_memdup (x, n * 2);
  GST_BUFFER_PTS (buf) = 0;
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (n, GST_SECOND, RATE);
  t0 = cpu_now (CLOCK_PROCESS_CPUTIME_ID);
  gst_app_src_push_buffer (GST_APP_SRC (src), buf);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink)))) {
    pos += gst_buffer_get_size (gst_sample_get_buffer (sample)) / 2;
    gst_sample_unref (sample);
  }
  r->cpu_seconds = cpu_now (CLOCK_PROCESS_CPUTIME_ID) - t0;

  bus = gst_element_get_bus (pipeline);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT))) {
    const GstStructure *st = gst_message_get_structure (msg);
    guint64 t;
    gboolean v;

    if (gst_structure_has_name (st, "voice-activity")
        && gst_structure_get_uint64 (st, "stream-time", &t)
        && gst_structure_get_boolean (st, "stream-has-voice", &v)) {
      gsize at = gst_util_uint64_scale_int (t, RATE, GST_SECOND);

      if (v && !voice)
        voice_since = at;
      else if (!v && voice)
        mark (r->frames, voice_since, at);
      voice = v;
    }
    gst_message_unref (msg);
  }
  if (voice)
    mark (r->frames, voice_since, pos);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return pos > 0;
}

/* --- scoring ------------------------------------------------------------- */

typedef struct
{
  gdouble precision, recall, f1, false_alarm;
} Scores;

static Scores
score (const LabelledSet * set, const guint8 * decided)
{
  gsize tp = 0, fp = 0, fn = 0, tn = 0, g;
  Scores s;

  for (g = 0; g < set->n_grid; g++) {
    if (set->label[g])
      decided[g] ? tp++ : fn++;
    else
      decided[g] ? fp++ : tn++;
  }
  s.precision = tp + fp ? (gdouble) tp / (tp + fp) : 0.0;
  s.recall = tp + fn ? (gdouble) tp / (tp + fn) : 0.0;
  s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall /
      (s.precision + s.recall) : 0.0;
  s.false_alarm = fp + tn ? (gdouble) fp / (fp + tn) : 0.0;
  return s;
}

static gint
cmp_double (gconstpointer a, gconstpointer b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static gdouble
median (GArray * v)
{
  if (v->len == 0)
    return NAN;
  g_array_sort (v, cmp_double);
  return g_array_index (v, gdouble, v->len / 2);
}

/* Median time (ms) from each true onset to the first frame called speech
 * within the utterance. */
static gdouble
frame_onset_ms (const LabelledSet * set, const guint8 * frames)
{
  GArray *v = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gdouble m;
  guint u;

  for (u = 0; u < set->utterances->len; u++) {
    Utterance *ut = &g_array_index (set->utterances, Utterance, u);
    gsize g;

    for (g = ut->start / GRID; g < ut->end / GRID; g++) {
      if (frames[g]) {
        gdouble ms = ((gdouble) (g + 1) * GRID - ut->start) * 1000.0 / RATE;

        g_array_append_val (v, ms);
        break;
      }
    }
  }
  m = median (v);
  g_array_unref (v);
  return m;
}

/* Median time (ms) from each true onset to the moment the segmenter knew
 * speech had started (the first start decided during the utterance), and
 * from each true end to the moment it announced the stop that closed the
 * utterance (the first stop placed between 500 ms before the true end and
 * the next utterance). Returns how many ends were announced at all: the
 * others were merged into the next utterance or never closed. */
static guint
segment_latency_ms (const LabelledSet * set, const Result * r,
    gdouble * onset, gdouble * offset)
{
  GArray *on = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *off = g_array_new (FALSE, FALSE, sizeof (gdouble));
  guint u, i, ends = 0;

  for (u = 0; u < set->utterances->len; u++) {
    Utterance *ut = &g_array_index (set->utterances, Utterance, u);
    gsize next = u + 1 < set->utterances->len ?
        g_array_index (set->utterances, Utterance, u + 1).start : set->n;
    gsize early = ut->end > RATE / 2 ? ut->end - RATE / 2 : 0;

    for (i = 0; i < r->start_decided->len; i++) {
      gsize d = g_array_index (r->start_decided, gsize, i);

      if (d >= ut->start && d < ut->end) {
        gdouble ms = (gdouble) (d - ut->start) * 1000.0 / RATE;

        g_array_append_val (on, ms);
        break;
      }
    }
    for (i = 0; i < r->stops->len; i++) {
      gsize stop = g_array_index (r->stops, gsize, i);
      gsize d = g_array_index (r->stop_decided, gsize, i);

      if (stop >= early && stop < next) {
        gdouble ms = ((gdouble) d - (gdouble) ut->end) * 1000.0 / RATE;

        g_array_append_val (off, ms);
        ends++;
        break;
      }
    }
  }
  *onset = median (on);
  *offset = median (off);
  g_array_unref (on);
  g_array_unref (off);
  return ends;
}

/* --- main ---------------------------------------------------------------- */

static const Detector detectors[] = {
  {"webrtc", run_engine, GINT_TO_POINTER (SANDRA_VAD_ENGINE_WEBRTC),
      TRUE, TRUE, TRUE},
  {"silero", run_engine, GINT_TO_POINTER (SANDRA_VAD_ENGINE_SILERO),
      TRUE, TRUE, TRUE},
  {"element webrtc", run_element, "webrtc", FALSE, TRUE, FALSE},
  {"element silero", run_element, "silero", FALSE, TRUE, FALSE},
  {"webrtcdsp (peer)", run_webrtcdsp, NULL, TRUE, FALSE, FALSE},
};

#define N_DETECTORS G_N_ELEMENTS (detectors)

enum
{
  ROW_PRECISION, ROW_RECALL, ROW_F1, ROW_FALSE_ALARM, ROW_ONSET, ROW_OFFSET,
  ROW_ENDS, ROW_RTF, N_ROWS
};

static void
fill_scores (gdouble row[N_ROWS][2 * N_DETECTORS], guint col, Scores sc)
{
  row[ROW_PRECISION][col] = sc.precision;
  row[ROW_RECALL][col] = sc.recall;
  row[ROW_F1][col] = sc.f1;
  row[ROW_FALSE_ALARM][col] = sc.false_alarm;
}

static void
print_row (const gchar * label, const gdouble * v, guint n, gint decimals)
{
  guint i;

  g_print ("  %-26s", label);
  for (i = 0; i < n; i++) {
    if (isnan (v[i]))
      g_print (" %16s", "-");
    else
      g_print (" %16.*f", decimals, v[i]);
  }
  g_print ("\n");
}

int
main (int argc, char **argv)
{
  gchar *data_dir = g_strdup ("/usr/share/pocketsphinx/test/data");
  gchar *labels = NULL;
  gint repeat = 3;
  GOptionEntry entries[] = {
    {"data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
        "Directory of the pocketsphinx test data", "DIR"},
    {"mode", 0, 0, G_OPTION_ARG_INT, &engine_mode,
        "Engine aggressiveness, 0-3 (sandravad's mode property)", "MODE"},
    {"labels", 0, 0, G_OPTION_ARG_STRING, &labels,
        "Reference: words (forced alignment, the default) or level", "KIND"},
    {"labels-dir", 0, 0, G_OPTION_ARG_FILENAME, &labels_dir,
        "Directory of the word alignments (default: bench/vad/labels of the "
          "source tree)", "DIR"},
    {"bridge-ms", 0, 0, G_OPTION_ARG_INT, &bridge_ms,
        "words: pauses between words shorter than this are speech "
          "(default 250)", "MS"},
    {"label-range-db", 0, 0, G_OPTION_ARG_DOUBLE, &label_range_db,
        "level: frames within this many dB of their utterance's peak are "
          "speech (default 40)", "DB"},
    {"repeat", 0, 0, G_OPTION_ARG_INT, &repeat,
        "Runs per figure for the real-time factor (the fastest counts)", "N"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("- VAD benchmark");
  GError *err = NULL;
  LabelledSet set;
  gint16 *noise;
  gdouble rtf[N_DETECTORS];
  gsize speech_frames = 0, g;
  guint s, d, i;

  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return 1;
  }
  g_option_context_free (ctx);
  if (labels == NULL || g_str_equal (labels, "words"))
    label_kind = LABELS_WORDS;
  else if (g_str_equal (labels, "level"))
    label_kind = LABELS_LEVEL;
  else {
    g_printerr ("--labels: words or level, not '%s'\n", labels);
    return 1;
  }
  if (labels_dir == NULL)
    labels_dir = g_strdup (SANDRA_VAD_LABELS_DIR);

  /* the element column uses the plugin from this build tree */
  if (!gst_registry_check_feature_version (gst_registry_get (), "sandravad",
          0, 0, 0))
    gst_registry_scan_path (gst_registry_get (), SANDRA_BUILD_PLUGIN_DIR);

  if (!build_set (&set, data_dir)) {
    g_print ("speech data not found in %s (Debian package pocketsphinx); "
        "nothing measured\n", data_dir);
    return 0;
  }
  for (g = 0; g < set.n_grid; g++)
    speech_frames += set.label[g];
  g_print ("labelled set: %.1f s, %u utterances, %.1f s labelled speech ",
      (gdouble) set.n / RATE, set.utterances->len,
      speech_frames * GRID / (gdouble) RATE);
  if (label_kind == LABELS_WORDS)
    g_print ("(10 ms frames overlapping a force-aligned word, pauses under "
        "%d ms bridged); pink noise\n\n", bridge_ms);
  else
    g_print ("(10 ms frames within %.0f dB of each utterance's peak); pink "
        "noise\n\n", label_range_db);
  noise = make_noise (set.n);

  for (d = 0; d < N_DETECTORS; d++)
    rtf[d] = NAN;

  for (s = 0; s < G_N_ELEMENTS (snrs); s++) {
    gint16 *x = mix (&set, noise, snrs[s]);
    gchar *title = isinf (snrs[s]) ? g_strdup ("clean") :
        g_strdup_printf ("SNR %.0f dB", snrs[s]);
    gdouble row[N_ROWS][2 * N_DETECTORS];
    guint col = 0;

    g_print ("%-28s", title);
    for (d = 0; d < N_DETECTORS; d++) {
      g_print (" %16s", detectors[d].name);
      if (detectors[d].frames && detectors[d].segments)
        g_print (" %16s", "+ segmenter");
    }
    g_print ("\n");

    for (d = 0; d < N_DETECTORS; d++) {
      const Detector *det = &detectors[d];
      guint ncols = (det->frames ? 1 : 0) + (det->segments ? 1 : 0);
      guint fc = col, sc = col + (det->frames ? 1 : 0);
      gdouble best = INFINITY;
      gboolean ok = TRUE;
      Result r;
      gint k;

      result_init (&r, set.n_grid);
      for (k = 0; k < repeat && ok; k++) {
        result_clear (&r);
        result_init (&r, set.n_grid);
        ok = det->run (det->data, x, set.n, &r);
        best = MIN (best, r.cpu_seconds);
      }
      for (i = 0; i < N_ROWS; i++)
        for (k = 0; k < (gint) ncols; k++)
          row[i][col + k] = NAN;
      if (ok) {
        row[ROW_RTF][col] = best / ((gdouble) set.n / RATE);
        if (s == 0)
          rtf[d] = row[ROW_RTF][col];
        if (det->frames) {
          fill_scores (row, fc, score (&set, r.frames));
          row[ROW_ONSET][fc] = frame_onset_ms (&set, r.frames);
        }
        if (det->segments)
          fill_scores (row, sc, score (&set, r.segments));
        if (det->decisions)
          row[ROW_ENDS][sc] = segment_latency_ms (&set, &r,
              &row[ROW_ONSET][sc], &row[ROW_OFFSET][sc]);
      }
      col += ncols;
      result_clear (&r);
    }
    print_row ("precision", row[ROW_PRECISION], col, 3);
    print_row ("recall", row[ROW_RECALL], col, 3);
    print_row ("F1", row[ROW_F1], col, 3);
    print_row ("false alarms (non-speech)", row[ROW_FALSE_ALARM], col, 3);
    print_row ("onset latency, median ms", row[ROW_ONSET], col, 0);
    print_row ("offset latency, median ms", row[ROW_OFFSET], col, 0);
    print_row ("utterance ends announced", row[ROW_ENDS], col, 0);
    print_row ("real-time factor (CPU)", row[ROW_RTF], col, 5);
    g_print ("\n");
    g_free (title);
    g_free (x);
  }

  g_print ("real-time factor, clean, fastest of %d runs (CPU time / audio "
      "time):\n", repeat);
  for (d = 0; d < N_DETECTORS; d++)
    g_print ("  %-26s %.6f\n", detectors[d].name, rtf[d]);
  g_print ("  (webrtc, silero: the engine alone, thread CPU time; element "
      "and webrtcdsp: the whole pipeline, process CPU time)\n");

  g_free (noise);
  g_free (set.clean);
  g_free (set.label);
  g_array_unref (set.utterances);
  g_free (data_dir);
  g_free (labels_dir);
  g_free (labels);
  return 0;
}
