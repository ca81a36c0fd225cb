/* sandravad: caps, properties, speech boundaries on real speech, gate mode,
 * event order, EOS, flushing, latency and state changes.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/audio/audio.h>

#include "sandra-events.h"
#include "test-util.h"

/* How far a detected boundary may be from the constructed one. */
#define TOLERANCE (150 * GST_MSECOND)
/* Buffers as a capture device would deliver them. */
#define BUFFER_MS 20
#define NOISE_DBFS -55.0

/* --- a recording with known speech boundaries -------------------------
 *
 * 1.0 s noise, "go forward ten meters" (CMU), 1.5 s noise, "he was not an
 * ill disposed young man" (LibriVox), 1.0 s noise. Both speech fixtures were
 * trimmed to their first and last sample above -40 dB, so their edges are
 * the speech boundaries. White noise at -55 dBFS runs under everything. */
typedef struct
{
  gint rate;
  gint16 *samples;
  gsize n;
  GstClockTime speech_start[2];
  GstClockTime speech_end[2];
} Recording;

static void
append (GArray * a, const gint16 * s, gsize n)
{
  g_array_append_vals (a, s, n);
}

static void
append_silence (GArray * a, gsize n)
{
  g_array_set_size (a, a->len + n);
}

static GstClockTime
samples_to_time (gsize n, gint rate)
{
  return gst_util_uint64_scale_int (n, GST_SECOND, rate);
}

static void
recording_init (Recording * rec, gint rate)
{
  const gchar *files[2] = { "cmu-goforward-trimmed-16k.wav",
    "librivox-0880-trimmed-16k.wav"
  };
  const gdouble gaps[3] = { 1.0, 1.5, 1.0 };
  GArray *a = g_array_new (FALSE, TRUE, sizeof (gint16));
  GRand *rand = g_rand_new_with_seed (42);
  gdouble amp = 32768.0 * pow (10.0, NOISE_DBFS / 20.0) * sqrt (3.0);
  guint i;

  rec->rate = rate;
  for (i = 0; i < 2; i++) {
    GBytes *speech = sandra_test_load_audio (files[i], rate, 1);
    gsize len;
    const gint16 *s = g_bytes_get_data (speech, &len);

    append_silence (a, gaps[i] * rate);
    rec->speech_start[i] = samples_to_time (a->len, rate);
    append (a, s, len / 2);
    rec->speech_end[i] = samples_to_time (a->len, rate);
    g_bytes_unref (speech);
  }
  append_silence (a, gaps[2] * rate);
  for (i = 0; i < a->len; i++) {
    gint v = g_array_index (a, gint16, i) +
        (gint) g_rand_double_range (rand, -amp, amp);
    g_array_index (a, gint16, i) = CLAMP (v, -32768, 32767);
  }
  rec->n = a->len;
  rec->samples = (gint16 *) g_array_free (a, FALSE);
  g_rand_free (rand);
}

static void
recording_clear (Recording * rec)
{
  g_free (rec->samples);
}

/* --- running the element ---------------------------------------------- */

/* Everything the element sent downstream, in order, and what it posted. */
typedef struct
{
  GstHarness *h;
  GstBus *bus;
  GMutex lock;
  GPtrArray *items;             /* GstBuffer / GstEvent refs */
} Capture;

static GstPadProbeReturn
record_probe (GstPad * pad, GstPadProbeInfo * info, gpointer user_data)
{
  Capture *c = user_data;

  g_mutex_lock (&c->lock);
  g_ptr_array_add (c->items, gst_mini_object_ref (GST_PAD_PROBE_INFO_DATA
          (info)));
  g_mutex_unlock (&c->lock);
  return GST_PAD_PROBE_OK;
}

/* Sets "name=value name=value" @props (may be NULL) on @vad. */
static void
set_props (GstElement * vad, const gchar * props)
{
  gchar **kv = g_strsplit (props ? props : "", " ", -1), **p;

  for (p = kv; *p; p++) {
    gchar **pair = g_strsplit (*p, "=", 2);

    if (pair[0] && pair[1])
      gst_util_set_object_arg (G_OBJECT (vad), pair[0], pair[1]);
    g_strfreev (pair);
  }
  g_strfreev (kv);
}

static void
capture_init (Capture * c, gint rate, const gchar * props)
{
  GstPad *srcpad;
  gchar *caps;

  c->h = gst_harness_new ("sandravad");
  set_props (c->h->element, props);
  c->bus = gst_bus_new ();
  gst_element_set_bus (c->h->element, c->bus);
  g_mutex_init (&c->lock);
  c->items = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_mini_object_unref);
  srcpad = gst_element_get_static_pad (c->h->element, "src");
  gst_pad_add_probe (srcpad, GST_PAD_PROBE_TYPE_BUFFER |
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, record_probe, c, NULL);
  gst_object_unref (srcpad);
  caps = g_strdup_printf ("audio/x-raw,format=S16LE,layout=interleaved,"
      "rate=%d,channels=1", rate);
  gst_harness_set_src_caps_str (c->h, caps);
  g_free (caps);
}

static void
capture_clear (Capture * c)
{
  gst_element_set_bus (c->h->element, NULL);
  gst_object_unref (c->bus);
  gst_harness_teardown (c->h);
  g_ptr_array_unref (c->items);
  g_mutex_clear (&c->lock);
}

/* Pushes @n samples starting at sample @first of @rec, in BUFFER_MS
 * buffers stamped from @pts_offset samples on. */
static void
push_samples (Capture * c, const gint16 * samples, gsize n, gint rate,
    guint64 pts_offset)
{
  gsize chunk = rate * BUFFER_MS / 1000, i;

  for (i = 0; i < n; i += chunk) {
    gsize len = MIN (chunk, n - i);

    fail_unless_equals_int (gst_harness_push (c->h,
            sandra_test_audio_buffer (samples + i, len, rate, 1,
                pts_offset + i)), GST_FLOW_OK);
  }
}

static void
push_recording (Capture * c, const Recording * rec)
{
  push_samples (c, rec->samples, rec->n, rec->rate, 0);
  fail_unless (gst_harness_push_event (c->h, gst_event_new_eos ()));
}

/* The sandravad events in the capture, in order. */
static GArray *
capture_vad_events (Capture * c)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (SandraVadInfo));
  guint i;

  for (i = 0; i < c->items->len; i++) {
    GstMiniObject *obj = g_ptr_array_index (c->items, i);
    SandraVadInfo info;

    if (GST_IS_EVENT (obj) && sandra_vad_event_parse (GST_EVENT (obj), &info))
      g_array_append_val (out, info);
  }
  return out;
}

/* Checks that the bus got exactly the same structures as the events. */
static void
assert_messages_match_events (Capture * c)
{
  GstMessage *msg;
  guint i, n = 0;

  for (i = 0; i < c->items->len; i++) {
    GstMiniObject *obj = g_ptr_array_index (c->items, i);
    const GstStructure *es;

    if (!GST_IS_EVENT (obj) || GST_EVENT_TYPE (obj) !=
        GST_EVENT_CUSTOM_DOWNSTREAM)
      continue;
    es = gst_event_get_structure (GST_EVENT (obj));
    if (!gst_structure_has_name (es, SANDRA_VAD_STRUCTURE_NAME))
      continue;
    msg = gst_bus_pop_filtered (c->bus, GST_MESSAGE_ELEMENT);
    fail_unless (msg != NULL, "event %u has no message", n);
    fail_unless (GST_MESSAGE_SRC (msg) == GST_OBJECT (c->h->element));
    fail_unless (gst_structure_is_equal (gst_message_get_structure (msg), es),
        "message %" GST_PTR_FORMAT " differs from event %" GST_PTR_FORMAT,
        gst_message_get_structure (msg), es);
    gst_message_unref (msg);
    n++;
  }
  msg = gst_bus_pop_filtered (c->bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg == NULL, "more messages than events");
  fail_unless (n > 0);
}

/* Starts alternate with stops, in increasing time, each stop's duration
 * matching its start. */
static void
assert_well_formed (GArray * ev)
{
  GstClockTime last = 0;
  guint i;

  fail_unless (ev->len % 2 == 0, "%u boundaries: a start without stop",
      ev->len);
  for (i = 0; i < ev->len; i++) {
    SandraVadInfo *e = &g_array_index (ev, SandraVadInfo, i);

    fail_unless_equals_int (e->boundary, i % 2 == 0 ?
        SANDRA_VAD_SPEECH_START : SANDRA_VAD_SPEECH_STOP);
    fail_unless (e->timestamp >= last);
    /* default segment: running time and stream time equal the PTS */
    fail_unless_equals_uint64 (e->running_time, e->timestamp);
    fail_unless_equals_uint64 (e->stream_time, e->timestamp);
    fail_unless (e->probability >= 0.0 && e->probability <= 1.0);
    if (e->boundary == SANDRA_VAD_SPEECH_STOP) {
      fail_unless_equals_uint64 (e->duration, e->timestamp - last);
    } else {
      fail_unless (!GST_CLOCK_TIME_IS_VALID (e->duration));
    }
    last = e->timestamp;
  }
}

#define EV(a, i) (&g_array_index ((a), SandraVadInfo, (i)))

static GstClockTime
time_diff (GstClockTime a, GstClockTime b)
{
  return a > b ? a - b : b - a;
}

/* Every utterance lies within one spoken sentence (widened by the
 * tolerance), and each sentence's first start and last stop are within the
 * tolerance of its true boundaries. */
static void
assert_boundaries (GArray * ev, const Recording * rec, GstClockTime pad)
{
  guint s, i;

  for (i = 0; i < ev->len; i++)
    GST_DEBUG ("boundary %u: %s at %" GST_TIME_FORMAT, i,
        EV (ev, i)->boundary == SANDRA_VAD_SPEECH_START ? "start" : "stop",
        GST_TIME_ARGS (EV (ev, i)->timestamp));
  for (s = 0; s < 2; s++) {
    GstClockTime first = GST_CLOCK_TIME_NONE, last = GST_CLOCK_TIME_NONE;

    for (i = 0; i + 1 < ev->len; i += 2) {
      SandraVadInfo *a = &g_array_index (ev, SandraVadInfo, i);
      SandraVadInfo *b = &g_array_index (ev, SandraVadInfo, i + 1);
      GstClockTime start = a->timestamp + pad;

      if (start + TOLERANCE < rec->speech_start[s] ||
          start > rec->speech_end[s] + TOLERANCE)
        continue;
      fail_unless (b->timestamp <= rec->speech_end[s] + TOLERANCE,
          "utterance %" GST_TIME_FORMAT "-%" GST_TIME_FORMAT " runs past "
          "sentence %u ending at %" GST_TIME_FORMAT, GST_TIME_ARGS (start),
          GST_TIME_ARGS (b->timestamp), s, GST_TIME_ARGS (rec->speech_end[s]));
      if (!GST_CLOCK_TIME_IS_VALID (first))
        first = start;
      last = b->timestamp;
    }
    fail_unless (GST_CLOCK_TIME_IS_VALID (first), "sentence %u not found", s);
    GST_INFO ("sentence %u: true %" GST_TIME_FORMAT "-%" GST_TIME_FORMAT
        ", found %" GST_TIME_FORMAT "-%" GST_TIME_FORMAT, s,
        GST_TIME_ARGS (rec->speech_start[s]),
        GST_TIME_ARGS (rec->speech_end[s]), GST_TIME_ARGS (first),
        GST_TIME_ARGS (last));
    fail_unless (time_diff (first, rec->speech_start[s]) <= TOLERANCE,
        "sentence %u starts at %" GST_TIME_FORMAT ", found %" GST_TIME_FORMAT,
        s, GST_TIME_ARGS (rec->speech_start[s]), GST_TIME_ARGS (first));
    fail_unless (time_diff (last, rec->speech_end[s]) <= TOLERANCE,
        "sentence %u ends at %" GST_TIME_FORMAT ", found %" GST_TIME_FORMAT,
        s, GST_TIME_ARGS (rec->speech_end[s]), GST_TIME_ARGS (last));
  }
  /* nothing found in the noise-only stretches */
  for (i = 0; i < ev->len; i += 2) {
    GstClockTime start = g_array_index (ev, SandraVadInfo, i).timestamp + pad;

    fail_unless (time_diff (start, rec->speech_start[0]) <= TOLERANCE ||
        time_diff (start, rec->speech_start[1]) <= TOLERANCE ||
        (start > rec->speech_start[0] && start < rec->speech_end[0]) ||
        (start > rec->speech_start[1] && start < rec->speech_end[1]),
        "speech found in noise at %" GST_TIME_FORMAT, GST_TIME_ARGS (start));
  }
}

/* --- caps -------------------------------------------------------------- */

GST_START_TEST (test_caps_accepted)
{
  const gint rates[] = { 8000, 16000, 24000, 32000, 48000 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rates); i++) {
    Recording rec;
    Capture c;
    GArray *ev;

    recording_init (&rec, rates[i]);
    capture_init (&c, rates[i], "pre-speech-pad-ms=0");
    push_recording (&c, &rec);
    ev = capture_vad_events (&c);
    assert_well_formed (ev);
    assert_boundaries (ev, &rec, 0);
    g_array_unref (ev);
    capture_clear (&c);
    recording_clear (&rec);
  }
}

GST_END_TEST;

static gboolean
accepts (const gchar * caps_str)
{
  GstElement *vad = gst_element_factory_make ("sandravad", NULL);
  GstPad *sink = gst_element_get_static_pad (vad, "sink");
  GstCaps *caps = gst_caps_from_string (caps_str);
  gboolean ret = gst_pad_query_accept_caps (sink, caps);

  gst_caps_unref (caps);
  gst_object_unref (sink);
  gst_object_unref (vad);
  return ret;
}

GST_START_TEST (test_caps_refused)
{
  GstElement *pipeline;
  GstMessage *msg;
  GstBus *bus;

  fail_unless (accepts ("audio/x-raw,format=S16LE,layout=interleaved,"
          "rate=24000,channels=1"));
  fail_if (accepts ("audio/x-raw,format=S16LE,layout=interleaved,"
          "rate=16000,channels=2"));
  fail_if (accepts ("audio/x-raw,format=F32LE,layout=interleaved,"
          "rate=16000,channels=1"));
  fail_if (accepts ("audio/x-raw,format=S16LE,layout=interleaved,"
          "rate=44100,channels=1"));

  /* and a pipeline that insists on 44.1 kHz fails to negotiate */
  pipeline = gst_parse_launch ("audiotestsrc num-buffers=10 ! "
      "audio/x-raw,format=S16LE,rate=44100,channels=1 ! sandravad ! fakesink",
      NULL);
  fail_unless (pipeline != NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* --- properties -------------------------------------------------------- */

static guint
get_uint (GstElement * e, const gchar * name)
{
  guint v;

  g_object_get (e, name, &v, NULL);
  return v;
}

/* A duration property of a fresh element with @props (the engine's default
 * unless @props sets it), as a time. */
static GstClockTime
default_ms (const gchar * props, const gchar * name)
{
  GstElement *e = gst_element_factory_make ("sandravad", NULL);
  GstClockTime t;

  set_props (e, props);
  t = get_uint (e, name) * GST_MSECOND;
  gst_object_unref (e);
  return t;
}

static gchar *
get_serialized (GObject * obj, const gchar * name)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (obj),
      name);
  GValue v = G_VALUE_INIT;
  gchar *str;

  fail_unless (pspec != NULL, "no property %s", name);
  g_value_init (&v, pspec->value_type);
  g_object_get_property (obj, name, &v);
  str = gst_value_serialize (&v);
  g_value_unset (&v);
  return str;
}

GST_START_TEST (test_properties)
{
  /* name, default, another valid value */
  static const gchar *props[][3] = {
    {"mode", "aggressive", "very-aggressive"},
    {"threshold", "0.5", "0.69999998807907104"},
    {"negative-threshold", "0.34999999403953552", "0.20000000298023224"},
    /* silero's defaults: the default engine's */
    {"min-speech-ms", "250", "60"},
    {"min-silence-ms", "100", "900"},
    {"pre-speech-pad-ms", "30", "120"},
    {"max-speech-ms", "0", "15000"},
    {"gate", "false", "true"},
    /* last: selecting an engine changes no property the user has set */
    {"engine", "silero", "webrtc"},
  };
  GstElement *vad = gst_element_factory_make ("sandravad", NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (props); i++) {
    gchar *v = get_serialized (G_OBJECT (vad), props[i][0]);

    fail_unless_equals_string (v, props[i][1]);
    g_free (v);
    gst_util_set_object_arg (G_OBJECT (vad), props[i][0], props[i][2]);
    v = get_serialized (G_OBJECT (vad), props[i][0]);
    fail_unless_equals_string (v, props[i][2]);
    g_free (v);
  }

  /* the enums are registered, with the documented nicks */
  {
    GEnumClass *k = g_type_class_ref (g_type_from_name ("GstSandraVadMode"));
    fail_unless (g_enum_get_value_by_nick (k, "quality") != NULL);
    fail_unless (g_enum_get_value_by_nick (k, "low-bitrate") != NULL);
    fail_unless (g_enum_get_value_by_nick (k, "aggressive") != NULL);
    g_type_class_unref (k);
    k = g_type_class_ref (g_type_from_name ("GstSandraVadEngine"));
    fail_unless (g_enum_get_value_by_nick (k, "webrtc") != NULL);
    fail_unless (g_enum_get_value_by_nick (k, "silero") != NULL);
    g_type_class_unref (k);
  }
  gst_object_unref (vad);
}

GST_END_TEST;

/* Each property changes what the element finds on the same recording. */
static GArray *
run_with (const Recording * rec, const gchar * props)
{
  Capture c;
  GArray *ev;

  capture_init (&c, rec->rate, props);
  push_recording (&c, rec);
  ev = capture_vad_events (&c);
  assert_well_formed (ev);
  capture_clear (&c);
  return ev;
}


static GstClockTime
speech_time (GArray * ev)
{
  GstClockTime t = 0;
  guint i;

  for (i = 1; i < ev->len; i += 2)
    t += EV (ev, i)->duration;
  return t;
}

/* Each property changes what the webrtc engine finds (its probabilities are
 * steps of 1/3, so thresholds of 1 mean every frame of its window voiced,
 * and mode is its own). */
GST_START_TEST (test_properties_take_effect)
{
  Recording rec;
  GArray *base, *ev;
  guint i;

  recording_init (&rec, 16000);
  base = run_with (&rec, "engine=webrtc pre-speech-pad-ms=0");
  fail_unless (base->len >= 4);

  /* pre-speech-pad-ms moves every start (nothing is closer than 300 ms to
   * the stream start or to a previous stop here) and no stop */
  ev = run_with (&rec, "engine=webrtc pre-speech-pad-ms=200");
  fail_unless_equals_int (ev->len, base->len);
  for (i = 0; i < ev->len; i++) {
    if (i % 2 == 0 && (i == 0 || EV (base, i)->timestamp -
            EV (base, i - 1)->timestamp >= 200 * GST_MSECOND)) {
      fail_unless_equals_uint64 (EV (ev, i)->timestamp,
          EV (base, i)->timestamp - 200 * GST_MSECOND);
    } else if (i % 2 == 1) {
      fail_unless_equals_uint64 (EV (ev, i)->timestamp,
          EV (base, i)->timestamp);
    }
  }
  g_array_unref (ev);

  /* a hangover longer than the 1.5 s pause joins both sentences */
  ev = run_with (&rec,
      "engine=webrtc pre-speech-pad-ms=0 min-silence-ms=2000");
  fail_unless_equals_int (ev->len, 2);
  fail_unless_equals_uint64 (EV (ev, 0)->timestamp, EV (base, 0)->timestamp);
  /* (a stray voiced frame in the trailing noise may extend it further) */
  fail_unless (EV (ev, 1)->timestamp >= EV (base, base->len - 1)->timestamp);
  g_array_unref (ev);

  /* max-speech-ms splits: no utterance is longer */
  ev = run_with (&rec,
      "engine=webrtc pre-speech-pad-ms=0 max-speech-ms=500");
  fail_unless (ev->len > base->len);
  for (i = 1; i < ev->len; i += 2)
    fail_unless (EV (ev, i)->duration <= 500 * GST_MSECOND);
  g_array_unref (ev);

  /* min-speech-ms longer than either sentence: nothing is speech */
  ev = run_with (&rec,
      "engine=webrtc pre-speech-pad-ms=0 min-speech-ms=3000");
  fail_unless_equals_int (ev->len, 0);
  g_array_unref (ev);

  /* thresholds of 1 need every frame of the engine's window voiced, and
   * without hangover speech ends at the first doubt: what is found is a
   * subset of what the defaults find */
  ev = run_with (&rec, "engine=webrtc pre-speech-pad-ms=0 min-silence-ms=0 "
      "threshold=1.0 negative-threshold=1.0");
  fail_unless (ev->len > 0);
  fail_unless (speech_time (ev) < speech_time (base));
  for (i = 0; i < ev->len; i += 2) {
    guint j;
    gboolean inside = FALSE;

    for (j = 0; j < base->len; j += 2)
      inside |= EV (ev, i)->timestamp >= EV (base, j)->timestamp &&
          EV (ev, i + 1)->timestamp <= EV (base, j + 1)->timestamp;
    fail_unless (inside, "strict utterance %u is not inside a default one",
        i / 2);
  }
  g_array_unref (ev);

  /* quality mode calls more of the noisy signal speech than very
   * aggressive: its utterances cover at least as much time */
  {
    GArray *q = run_with (&rec,
        "engine=webrtc pre-speech-pad-ms=0 mode=quality");
    GArray *va = run_with (&rec,
        "engine=webrtc pre-speech-pad-ms=0 mode=very-aggressive");
    GstClockTime tq = speech_time (q), tva = speech_time (va);

    GST_INFO ("speech time: quality %" GST_TIME_FORMAT ", very aggressive %"
        GST_TIME_FORMAT, GST_TIME_ARGS (tq), GST_TIME_ARGS (tva));
    fail_unless (tq >= tva);
    g_array_unref (q);
    g_array_unref (va);
  }

  g_array_unref (base);
  recording_clear (&rec);
}

GST_END_TEST;

/* --- passthrough: order of events and buffers --------------------------- */

/* Engine frames, for the bounds on when a decision is announced. */
#define WEBRTC_FRAME (10 * GST_MSECOND)
#define SILERO_FRAME (32 * GST_MSECOND)

static void
check_passthrough_order (const gchar * props, GstClockTime frame)
{
  GstClockTime pad = default_ms (props, "pre-speech-pad-ms");
  GstClockTime min_speech = default_ms (props, "min-speech-ms");
  GstClockTime min_silence = default_ms (props, "min-silence-ms");
  Recording rec;
  Capture c;
  GstClockTime out_end = 0, first_speech_buffer = GST_CLOCK_TIME_NONE;
  gboolean in_utterance = FALSE;
  guint i, n_starts = 0;
  guint64 out_samples = 0;

  recording_init (&rec, 16000);
  capture_init (&c, 16000, props);
  push_recording (&c, &rec);

  for (i = 0; i < c.items->len; i++) {
    GstMiniObject *obj = g_ptr_array_index (c.items, i);
    SandraVadInfo info;

    if (GST_IS_BUFFER (obj)) {
      GstBuffer *buf = GST_BUFFER (obj);
      GstAudioLevelMeta *meta = gst_buffer_get_audio_level_meta (buf);
      GstMapInfo map;

      /* passthrough: same audio, same timestamps */
      fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), out_end);
      fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
      fail_unless (memcmp (map.data, rec.samples + out_samples, map.size) == 0);
      out_samples += map.size / 2;
      gst_buffer_unmap (buf, &map);
      out_end = GST_BUFFER_PTS (buf) + GST_BUFFER_DURATION (buf);

      fail_unless (meta != NULL, "no level meta");
      /* the noise is about -55 dBov */
      if (out_end < rec.speech_start[0] - TOLERANCE)
        fail_unless (meta->level >= 50 && meta->level <= 60 &&
            !meta->voice_activity, "level %u voice %d", meta->level,
            meta->voice_activity);
      if (meta->voice_activity && !GST_CLOCK_TIME_IS_VALID
          (first_speech_buffer))
        first_speech_buffer = GST_BUFFER_PTS (buf);
      fail_unless (!in_utterance || meta->voice_activity);
    } else if (sandra_vad_event_parse (GST_EVENT (obj), &info)) {
      /* an event follows the audio that decided it: the buffers before it
       * reach past its timestamp */
      fail_unless (out_end >= info.timestamp);
      if (info.boundary == SANDRA_VAD_SPEECH_START) {
        fail_unless (!in_utterance);
        /* the start is decided after min-speech-ms of speech (the
         * timestamp is at least that far back, more with the padding) */
        fail_unless (out_end >= info.timestamp + min_speech);
        /* and announced within one buffer of that decision (durations are
         * counted in whole engine frames) */
        fail_unless (out_end <= info.timestamp + pad + min_speech + frame +
            2 * BUFFER_MS * GST_MSECOND);
        n_starts++;
      } else {
        fail_unless (in_utterance);
        /* the stop is decided after min-silence-ms of silence */
        fail_unless (out_end >= info.timestamp + min_silence);
        fail_unless (out_end <= info.timestamp + min_silence + frame +
            2 * BUFFER_MS * GST_MSECOND);
      }
      in_utterance = info.boundary == SANDRA_VAD_SPEECH_START;
    } else if (GST_EVENT_TYPE (obj) == GST_EVENT_EOS) {
      fail_unless (!in_utterance, "EOS inside an utterance");
      fail_unless (i == c.items->len - 1);
    }
  }
  fail_unless_equals_uint64 (out_samples, rec.n);
  fail_unless (n_starts >= 2);
  fail_unless (GST_CLOCK_TIME_IS_VALID (first_speech_buffer));
  fail_unless (first_speech_buffer > rec.speech_start[0]);
  assert_messages_match_events (&c);

  capture_clear (&c);
  recording_clear (&rec);
}

GST_START_TEST (test_passthrough_order)
{
  check_passthrough_order (NULL, SILERO_FRAME);
  check_passthrough_order ("engine=webrtc", WEBRTC_FRAME);
}

GST_END_TEST;

/* --- gate mode ------------------------------------------------------- */

static GstClockTime
query_latency (GstHarness * h, gboolean * live)
{
  GstQuery *q = gst_query_new_latency ();
  GstClockTime min, max;
  GstPad *src = gst_element_get_static_pad (h->element, "src");

  fail_unless (gst_pad_query (src, q));
  gst_query_parse_latency (q, live, &min, &max);
  gst_query_unref (q);
  gst_object_unref (src);
  return min;
}

GST_START_TEST (test_gate)
{
  /* the engine, and the gate's latency: the longest wait, pre-speech
   * padding plus min-speech-ms (webrtc 300 + 150 ms; silero 30 ms + 250 ms
   * in whole 32 ms chunks), plus up to a frame and the resampler */
  static const struct
  {
    const gchar *props;
    gint rate;
    GstClockTime min, max;
  } runs[] = {
    {"gate=true", 16000, 286 * GST_MSECOND, 336 * GST_MSECOND},
    {"gate=true", 24000, 286 * GST_MSECOND, 336 * GST_MSECOND},
    {"gate=true engine=webrtc", 16000, 450 * GST_MSECOND, 500 * GST_MSECOND},
    {"gate=true engine=webrtc", 24000, 450 * GST_MSECOND, 500 * GST_MSECOND},
  };
  guint r;

  for (r = 0; r < G_N_ELEMENTS (runs); r++) {
    gint rate = runs[r].rate;
    gsize chunk = rate * BUFFER_MS / 1000, pushed;
    Recording rec;
    Capture c;
    GstClockTime latency, covered = 0, utt_start = GST_CLOCK_TIME_NONE;
    gboolean live, open = FALSE;
    guint seen = 0, n_buffers = 0, n_gaps = 0;
    GArray *ev;

    recording_init (&rec, rate);
    capture_init (&c, rate, runs[r].props);
    gst_harness_set_upstream_latency (c.h, 5 * GST_MSECOND);
    latency = query_latency (c.h, &live) - 5 * GST_MSECOND;
    fail_unless (latency >= runs[r].min, "latency %" GST_TIME_FORMAT,
        GST_TIME_ARGS (latency));
    fail_unless (latency <= runs[r].max, "latency %" GST_TIME_FORMAT,
        GST_TIME_ARGS (latency));

    for (pushed = 0; pushed < rec.n; pushed += chunk) {
      gsize len = MIN (chunk, rec.n - pushed);
      GstClockTime in_end;

      fail_unless_equals_int (gst_harness_push (c.h,
              sandra_test_audio_buffer (rec.samples + pushed, len, rate, 1,
                  pushed)), GST_FLOW_OK);
      in_end = samples_to_time (pushed + len, rate);

      /* walk what came out: buffers and GAPs tile the timeline */
      for (; seen < c.items->len; seen++) {
        GstMiniObject *obj = g_ptr_array_index (c.items, seen);
        SandraVadInfo info;

        if (GST_IS_BUFFER (obj)) {
          GstBuffer *buf = GST_BUFFER (obj);
          GstAudioLevelMeta *meta = gst_buffer_get_audio_level_meta (buf);
          GstMapInfo map;
          gsize first_sample;

          fail_unless (open, "audio outside an utterance at %"
              GST_TIME_FORMAT, GST_TIME_ARGS (GST_BUFFER_PTS (buf)));
          fail_unless_equals_uint64 (GST_BUFFER_PTS (buf), covered);
          fail_unless (meta != NULL && meta->voice_activity);
          /* it is the input audio of that time */
          first_sample = gst_util_uint64_scale_int_round (covered, rate,
              GST_SECOND);
          fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
          fail_unless (memcmp (map.data, rec.samples + first_sample,
                  map.size) == 0);
          fail_unless_equals_uint64 (GST_BUFFER_DURATION (buf),
              samples_to_time (first_sample + map.size / 2, rate) - covered);
          gst_buffer_unmap (buf, &map);
          covered += GST_BUFFER_DURATION (buf);
          n_buffers++;
        } else if (GST_EVENT_TYPE (obj) == GST_EVENT_GAP) {
          GstClockTime ts, dur;

          gst_event_parse_gap (GST_EVENT (obj), &ts, &dur);
          fail_if (open, "GAP inside an utterance");
          fail_unless_equals_uint64 (ts, covered);
          covered += dur;
          n_gaps++;
        } else if (sandra_vad_event_parse (GST_EVENT (obj), &info)) {
          /* boundaries sit exactly where the audio starts and ends */
          fail_unless_equals_uint64 (info.timestamp, covered);
          open = info.boundary == SANDRA_VAD_SPEECH_START;
          if (open)
            utt_start = info.timestamp;
          else
            fail_unless_equals_uint64 (info.duration, covered - utt_start);
        }
      }
      /* nothing is held longer than the reported latency */
      fail_unless (covered + latency >= in_end, "holding %" GST_TIME_FORMAT
          " with latency %" GST_TIME_FORMAT, GST_TIME_ARGS (in_end - covered),
          GST_TIME_ARGS (latency));
    }
    fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));
    for (; seen < c.items->len; seen++) {
      GstMiniObject *obj = g_ptr_array_index (c.items, seen);
      SandraVadInfo info;

      if (GST_IS_BUFFER (obj)) {
        covered += GST_BUFFER_DURATION (obj);
      } else if (GST_EVENT_TYPE (obj) == GST_EVENT_GAP) {
        GstClockTime ts, dur;

        gst_event_parse_gap (GST_EVENT (obj), &ts, &dur);
        fail_unless_equals_uint64 (ts, covered);
        covered += dur;
      } else if (sandra_vad_event_parse (GST_EVENT (obj), &info)) {
        open = info.boundary == SANDRA_VAD_SPEECH_START;
      }
    }
    /* at EOS the whole input is accounted for */
    fail_unless_equals_uint64 (covered, samples_to_time (rec.n, rate));
    fail_if (open);
    fail_unless (n_buffers > 0 && n_gaps > 0);

    ev = capture_vad_events (&c);
    assert_well_formed (ev);
    assert_boundaries (ev, &rec, default_ms (runs[r].props,
            "pre-speech-pad-ms"));
    assert_messages_match_events (&c);
    g_array_unref (ev);

    /* without the gate, the element adds no latency (once the gated
     * stream is over: a flush ends it) */
    g_object_set (c.h->element, "gate", FALSE, NULL);
    fail_unless (query_latency (c.h, &live) > 5 * GST_MSECOND);
    fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_stop (TRUE)));
    fail_unless_equals_uint64 (query_latency (c.h, &live), 5 * GST_MSECOND);

    capture_clear (&c);
    recording_clear (&rec);
  }
}

GST_END_TEST;

/* In gate mode audio is held back; an upstream serialized event waits with
 * it and comes out after the audio (or GAP) that preceded it upstream. */
GST_START_TEST (test_gate_event_order)
{
  Recording rec;
  Capture c;
  gsize cut;
  GstClockTime at, covered = 0;
  gboolean seen_marker = FALSE;
  guint i;

  recording_init (&rec, 16000);
  capture_init (&c, 16000, "gate=true");
  /* inside the first sentence, while audio is held */
  at = rec.speech_start[0] + 100 * GST_MSECOND;
  cut = gst_util_uint64_scale_int (at, 16000, GST_SECOND);
  push_samples (&c, rec.samples, cut, 16000, 0);
  fail_unless (gst_harness_push_event (c.h,
          gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
              gst_structure_new_empty ("test-marker"))));
  push_samples (&c, rec.samples + cut, rec.n - cut, 16000, cut);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));

  for (i = 0; i < c.items->len; i++) {
    GstMiniObject *obj = g_ptr_array_index (c.items, i);

    if (GST_IS_BUFFER (obj)) {
      covered = GST_BUFFER_PTS (obj) + GST_BUFFER_DURATION (obj);
    } else if (GST_EVENT_TYPE (obj) == GST_EVENT_GAP) {
      GstClockTime ts, dur;

      gst_event_parse_gap (GST_EVENT (obj), &ts, &dur);
      covered = ts + dur;
    } else if (GST_EVENT_TYPE (obj) == GST_EVENT_CUSTOM_DOWNSTREAM &&
        gst_structure_has_name (gst_event_get_structure (GST_EVENT (obj)),
            "test-marker")) {
      /* all audio before it went out first, and nothing after it */
      fail_unless_equals_uint64 (covered, at);
      seen_marker = TRUE;
    }
  }
  fail_unless (seen_marker);
  capture_clear (&c);
  recording_clear (&rec);
}

GST_END_TEST;

/* --- 24 kHz agrees with 16 kHz --------------------------------------- */

GST_START_TEST (test_24k_matches_16k)
{
  Recording r16, r24;
  GArray *e16, *e24;
  guint i;

  recording_init (&r16, 16000);
  recording_init (&r24, 24000);
  e16 = run_with (&r16, NULL);
  e24 = run_with (&r24, NULL);
  assert_boundaries (e24, &r24, default_ms (NULL, "pre-speech-pad-ms"));
  /* the 24 kHz input is resampled to 16 kHz for the engine: the same
   * utterances, within a couple of frames */
  fail_unless_equals_int (e24->len, e16->len);
  for (i = 0; i < e16->len; i++)
    fail_unless (time_diff (EV (e16, i)->timestamp, EV (e24, i)->timestamp)
        <= 30 * GST_MSECOND, "boundary %u: %" GST_TIME_FORMAT " vs %"
        GST_TIME_FORMAT, i, GST_TIME_ARGS (EV (e16, i)->timestamp),
        GST_TIME_ARGS (EV (e24, i)->timestamp));
  g_array_unref (e16);
  g_array_unref (e24);
  recording_clear (&r16);
  recording_clear (&r24);
}

GST_END_TEST;

/* --- EOS, flushing, timestamps ------------------------------------------ */

GST_START_TEST (test_eos_in_speech)
{
  Recording rec;
  Capture c;
  GArray *ev;
  gsize cut;
  GstMiniObject *last, *before;
  SandraVadInfo info;

  recording_init (&rec, 16000);
  capture_init (&c, 16000, "pre-speech-pad-ms=0");
  /* stop in the middle of the second sentence */
  cut = gst_util_uint64_scale_int (rec.speech_start[1] + GST_SECOND, 16000,
      GST_SECOND);
  push_samples (&c, rec.samples, cut, 16000, 0);
  ev = capture_vad_events (&c);
  fail_unless (ev->len % 2 == 1, "not in speech when EOS comes");
  g_array_unref (ev);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));

  last = g_ptr_array_index (c.items, c.items->len - 1);
  before = g_ptr_array_index (c.items, c.items->len - 2);
  fail_unless_equals_int (GST_EVENT_TYPE (last), GST_EVENT_EOS);
  fail_unless (sandra_vad_event_parse (GST_EVENT (before), &info));
  fail_unless_equals_int (info.boundary, SANDRA_VAD_SPEECH_STOP);
  fail_unless (info.timestamp <= samples_to_time (cut, 16000));
  fail_unless (time_diff (info.timestamp, samples_to_time (cut, 16000)) <=
      TOLERANCE);
  ev = capture_vad_events (&c);
  assert_well_formed (ev);
  g_array_unref (ev);
  assert_messages_match_events (&c);
  capture_clear (&c);
  recording_clear (&rec);
}

GST_END_TEST;

GST_START_TEST (test_flush_resets)
{
  Recording rec;
  Capture c;
  GArray *ev;
  gsize cut;
  GstSegment seg;
  guint64 base = 1000 * 16000;  /* the new stream starts at 1000 s */

  recording_init (&rec, 16000);
  capture_init (&c, 16000, "pre-speech-pad-ms=0");
  cut = gst_util_uint64_scale_int (rec.speech_start[0] + GST_SECOND / 2,
      16000, GST_SECOND);
  push_samples (&c, rec.samples, cut, 16000, 0);
  ev = capture_vad_events (&c);
  fail_unless_equals_int (ev->len, 1);
  g_array_unref (ev);

  fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_stop (TRUE)));
  gst_segment_init (&seg, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_segment (&seg)));

  /* the interrupted utterance is forgotten, not stopped */
  push_samples (&c, rec.samples, rec.speech_start[0] * 16000 / GST_SECOND,
      16000, base);
  ev = capture_vad_events (&c);
  fail_unless_equals_int (ev->len, 1);
  g_array_unref (ev);

  /* and detection starts afresh on the new timeline */
  push_samples (&c, rec.samples, rec.n, 16000, base + 16000 * 2);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));
  ev = capture_vad_events (&c);
  fail_unless (ev->len >= 5);
  fail_unless_equals_int (EV (ev, 1)->boundary, SANDRA_VAD_SPEECH_START);
  fail_unless (time_diff (EV (ev, 1)->timestamp, 1002 * GST_SECOND +
          rec.speech_start[0]) <= TOLERANCE);
  fail_unless_equals_uint64 (EV (ev, 1)->running_time, EV (ev, 1)->timestamp);
  g_array_remove_index (ev, 0);
  assert_well_formed (ev);
  g_array_unref (ev);
  capture_clear (&c);
  recording_clear (&rec);
}

GST_END_TEST;

/* Boundaries are in buffer time: with a segment that starts later, the
 * running time differs from the PTS but the PTS is still the boundary. */
GST_START_TEST (test_segment_times)
{
  Recording rec;
  Capture c;
  GArray *ev;
  GstSegment seg;
  GstClockTime offset = 10 * GST_SECOND;
  guint i;

  recording_init (&rec, 16000);
  capture_init (&c, 16000, "pre-speech-pad-ms=0");
  gst_segment_init (&seg, GST_FORMAT_TIME);
  seg.start = offset;
  seg.time = 0;
  /* a PTS of 10 s is stream time 0 and running time 0 */
  fail_unless (gst_harness_push_event (c.h, gst_event_new_segment (&seg)));
  push_samples (&c, rec.samples, rec.n, 16000, 10 * 16000);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));
  ev = capture_vad_events (&c);
  fail_unless (ev->len >= 4);
  for (i = 0; i < ev->len; i++) {
    fail_unless (EV (ev, i)->timestamp >= offset);
    fail_unless_equals_uint64 (EV (ev, i)->running_time,
        EV (ev, i)->timestamp - offset);
    fail_unless_equals_uint64 (EV (ev, i)->stream_time,
        EV (ev, i)->timestamp - offset);
  }
  fail_unless (time_diff (EV (ev, 0)->timestamp - offset,
          rec.speech_start[0]) <= TOLERANCE);
  g_array_unref (ev);
  capture_clear (&c);
  recording_clear (&rec);
}

GST_END_TEST;

/* Starts @c (16 kHz, no padding, @engine) and feeds @rec up to 700 ms into
 * the first sentence, where an utterance is in progress. Returns the samples
 * pushed; @at is their end. */
static gsize
push_into_first_sentence (Capture * c, const Recording * rec,
    const gchar * engine, GstClockTime * at)
{
  GArray *ev;
  gsize cut;

  capture_init (c, 16000, "pre-speech-pad-ms=0");
  gst_util_set_object_arg (G_OBJECT (c->h->element), "engine", engine);
  *at = rec->speech_start[0] + 700 * GST_MSECOND;
  cut = gst_util_uint64_scale_int (*at, 16000, GST_SECOND);
  push_samples (c, rec->samples, cut, 16000, 0);
  ev = capture_vad_events (c);
  fail_unless_equals_int (ev->len, 1);
  g_array_unref (ev);
  return cut;
}

/* Changing mode and thresholds while an utterance is in progress does not
 * cut it, with either engine (silero ignores the mode). */
GST_START_TEST (test_runtime_changes)
{
  const gchar *engines[] = { "webrtc", "silero" };
  Recording rec;
  guint e;

  recording_init (&rec, 16000);
  for (e = 0; e < G_N_ELEMENTS (engines); e++) {
    Capture c;
    GArray *ev;
    gsize cut;
    GstClockTime at;
    guint i;

    cut = push_into_first_sentence (&c, &rec, engines[e], &at);
    gst_util_set_object_arg (G_OBJECT (c.h->element), "mode",
        "very-aggressive");
    g_object_set (c.h->element, "threshold", 0.6f, "negative-threshold",
        0.3f, "min-silence-ms", 300, NULL);
    push_samples (&c, rec.samples + cut, rec.n - cut, 16000, cut);
    fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));

    ev = capture_vad_events (&c);
    assert_well_formed (ev);
    assert_boundaries (ev, &rec, 0);
    for (i = 1; i < ev->len; i += 2)
      fail_unless (time_diff (EV (ev, i)->timestamp, at) > 100 * GST_MSECOND,
          "%s: utterance cut where the properties changed", engines[e]);
    g_array_unref (ev);
    capture_clear (&c);
  }
  recording_clear (&rec);
}

GST_END_TEST;

/* The boundaries posted until EOS (or an error, which fails). */
static GArray *
collect_until_eos (GstBus * bus)
{
  GArray *ev = g_array_new (FALSE, FALSE, sizeof (SandraVadInfo));
  GstMessage *msg;
  gboolean eos = FALSE;

  while (!eos && (msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
              GST_MESSAGE_ELEMENT | GST_MESSAGE_EOS | GST_MESSAGE_ERROR))) {
    SandraVadInfo info;

    fail_if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
      eos = TRUE;
    else if (sandra_vad_info_from_structure (gst_message_get_structure (msg),
            &info))
      g_array_append_val (ev, info);
    gst_message_unref (msg);
  }
  fail_unless (eos);
  return ev;
}

/* A real pipeline: decoding a fixture, resampling to 24 kHz; the bus gets
 * the utterance before EOS. */
GST_START_TEST (test_pipeline)
{
  gchar *path = sandra_test_data_path ("cmu-goforward-trimmed-16k.wav");
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert ! audioresample ! audio/x-raw,format=S16LE,rate=24000,"
      "channels=1 ! sandravad ! fakesink", path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GArray *ev;
  GstClockTime len = 1722187500;        /* the fixture's length */

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  ev = collect_until_eos (bus);
  assert_well_formed (ev);
  fail_unless_equals_int (ev->len, 2);
  /* speech from the first sample: the padding cannot reach before it */
  fail_unless_equals_uint64 (EV (ev, 0)->timestamp, 0);
  fail_unless (time_diff (EV (ev, 1)->timestamp, len) <= TOLERANCE);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_array_unref (ev);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
}

GST_END_TEST;

/* --- the silero engine ------------------------------------------------ */

/* engine=silero finds the sentences of the recording as the webrtc engine
 * does, at every accepted rate: 8 kHz runs the 8 kHz model, the others are
 * resampled to 16 kHz (24 kHz is the Realtime rate). */
GST_START_TEST (test_silero_boundaries)
{
  const gint rates[] = { 16000, 24000, 8000 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (rates); i++) {
    Recording rec;
    GArray *ev;

    recording_init (&rec, rates[i]);
    ev = run_with (&rec, "engine=silero pre-speech-pad-ms=0");
    assert_boundaries (ev, &rec, 0);
    g_array_unref (ev);
    /* with its 30 ms default padding, as a user gets it */
    ev = run_with (&rec, "engine=silero");
    assert_boundaries (ev, &rec, 30 * GST_MSECOND);
    g_array_unref (ev);
    recording_clear (&rec);
  }
}

GST_END_TEST;

/* Selecting an engine brings its defaults for every threshold and duration
 * the user has not set, whichever order the properties come in. */
GST_START_TEST (test_engine_defaults)
{
  GstElement *vad = gst_element_factory_make ("sandravad", NULL);
  GstElement *vad2 = gst_element_factory_make ("sandravad", NULL);
  gfloat t;

  gst_util_set_object_arg (G_OBJECT (vad), "engine", "silero");
  fail_unless_equals_int (get_uint (vad, "min-speech-ms"), 250);
  fail_unless_equals_int (get_uint (vad, "min-silence-ms"), 100);
  fail_unless_equals_int (get_uint (vad, "pre-speech-pad-ms"), 30);
  fail_unless_equals_int (get_uint (vad, "max-speech-ms"), 0);
  g_object_get (vad, "threshold", &t, NULL);
  fail_unless_equals_float (t, 0.5f);
  g_object_get (vad, "negative-threshold", &t, NULL);
  fail_unless_equals_float (t, 0.35f);

  /* a value the user sets stays, before or after the engine */
  g_object_set (vad, "min-silence-ms", 300, NULL);
  gst_util_set_object_arg (G_OBJECT (vad2), "min-silence-ms", "300");
  gst_util_set_object_arg (G_OBJECT (vad2), "engine", "silero");
  fail_unless_equals_int (get_uint (vad, "min-silence-ms"), 300);
  fail_unless_equals_int (get_uint (vad2, "min-silence-ms"), 300);
  fail_unless_equals_int (get_uint (vad2, "min-speech-ms"), 250);

  /* back to webrtc: its defaults, the user's value kept */
  gst_util_set_object_arg (G_OBJECT (vad), "engine", "webrtc");
  fail_unless_equals_int (get_uint (vad, "min-speech-ms"), 150);
  fail_unless_equals_int (get_uint (vad, "pre-speech-pad-ms"), 300);
  fail_unless_equals_int (get_uint (vad, "min-silence-ms"), 300);
  /* even a value equal to the default counts as set */
  g_object_set (vad, "pre-speech-pad-ms", 300, NULL);
  gst_util_set_object_arg (G_OBJECT (vad), "engine", "silero");
  fail_unless_equals_int (get_uint (vad, "pre-speech-pad-ms"), 300);
  fail_unless_equals_int (get_uint (vad, "min-speech-ms"), 250);

  gst_object_unref (vad);
  gst_object_unref (vad2);
}

GST_END_TEST;

/* The gate's latency follows the engine: Silero's shorter defaults hold
 * less audio, in whole 32 ms chunks. */
GST_START_TEST (test_silero_gate_latency)
{
  Capture c;
  gboolean live;
  GstClockTime latency;

  capture_init (&c, 16000, "gate=true engine=silero");
  /* max (30 ms + 250 ms rounded up to 8 chunks, 100 ms rounded up to 4) */
  latency = query_latency (c.h, &live);
  fail_unless_equals_uint64 (latency, 30 * GST_MSECOND + 256 * GST_MSECOND);
  capture_clear (&c);
}

GST_END_TEST;

static void
assert_same_boundaries (GArray * a, GArray * b)
{
  guint i;

  fail_unless_equals_int (a->len, b->len);
  for (i = 0; i < a->len; i++) {
    fail_unless_equals_int (EV (a, i)->boundary, EV (b, i)->boundary);
    fail_unless_equals_uint64 (EV (a, i)->timestamp, EV (b, i)->timestamp);
  }
}

/* One element, one engine per run: each run finds what a fresh element
 * with that engine finds. Runs are separated by a flush, as a seek would. */
GST_START_TEST (test_engine_switch_between_runs)
{
  const gchar *engines[] = { "webrtc", "silero", "webrtc" };
  Recording rec;
  Capture c;
  GArray *fresh[2];
  GstSegment seg;
  guint r;

  recording_init (&rec, 24000);
  fresh[0] = run_with (&rec, "engine=webrtc");
  fresh[1] = run_with (&rec, "engine=silero");
  /* the engines do not find the same boundaries, or this proves little */
  fail_if (fresh[0]->len == fresh[1]->len &&
      EV (fresh[0], 0)->timestamp == EV (fresh[1], 0)->timestamp);

  capture_init (&c, 24000, NULL);
  for (r = 0; r < G_N_ELEMENTS (engines); r++) {
    GArray *ev;
    guint before = c.items->len;

    gst_util_set_object_arg (G_OBJECT (c.h->element), "engine", engines[r]);
    push_recording (&c, &rec);
    /* only this run's events */
    g_ptr_array_remove_range (c.items, 0, before);
    ev = capture_vad_events (&c);
    assert_well_formed (ev);
    assert_same_boundaries (ev, fresh[r % 2]);
    g_array_unref (ev);
    fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_start ()));
    fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_stop (TRUE)));
    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (c.h, gst_event_new_segment (&seg)));
    g_ptr_array_set_size (c.items, 0);
  }
  capture_clear (&c);

  g_array_unref (fresh[0]);
  g_array_unref (fresh[1]);
  recording_clear (&rec);
}

GST_END_TEST;

/* Switching engine while playing ends the utterance in progress (the
 * frames differ) and detection goes on with the new engine: the second
 * sentence is found by silero as a fresh silero element finds it. */
GST_START_TEST (test_engine_switch_while_playing)
{
  Recording rec;
  Capture c;
  GArray *ev, *ref;
  gsize cut;
  GstClockTime at;
  guint i;

  recording_init (&rec, 16000);
  ref = run_with (&rec, "engine=silero pre-speech-pad-ms=0");
  cut = push_into_first_sentence (&c, &rec, "webrtc", &at);

  gst_util_set_object_arg (G_OBJECT (c.h->element), "engine", "silero");
  push_samples (&c, rec.samples + cut, rec.n - cut, 16000, cut);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));

  ev = capture_vad_events (&c);
  assert_well_formed (ev);
  /* the webrtc utterance was closed where the switch happened */
  fail_unless (EV (ev, 1)->timestamp <= at);
  fail_unless (at - EV (ev, 1)->timestamp <= 2 * BUFFER_MS * GST_MSECOND);
  assert_messages_match_events (&c);
  /* from the second sentence on, exactly what silero finds alone: a new
   * engine starts a new stream at the switch, on the same timeline */
  for (i = 0; i < ref->len; i++) {
    if (EV (ref, i)->timestamp > rec.speech_end[0] + TOLERANCE)
      break;
  }
  fail_unless (i < ref->len);
  fail_unless (ev->len >= ref->len - i + 2);
  for (; i < ref->len; i++) {
    SandraVadInfo *a = EV (ref, i), *b = EV (ev, ev->len - ref->len + i);

    fail_unless_equals_int (a->boundary, b->boundary);
    fail_unless (time_diff (a->timestamp, b->timestamp) <= 2 * 32 *
        GST_MSECOND, "boundary %u: %" GST_TIME_FORMAT " vs %" GST_TIME_FORMAT,
        i, GST_TIME_ARGS (a->timestamp), GST_TIME_ARGS (b->timestamp));
  }
  g_array_unref (ev);
  g_array_unref (ref);
  capture_clear (&c);
  recording_clear (&rec);
}

GST_END_TEST;

/* --- state changes under load ---------------------------------------- */

GST_START_TEST (test_state_cycling)
{
  const gchar *descs[] = {
    /* as fast as the machine goes, through the resampler, gated */
    "audiotestsrc wave=pink-noise samplesperbuffer=480 ! "
        "audio/x-raw,format=S16LE,rate=24000,channels=1 ! "
        "sandravad gate=true min-speech-ms=0 ! fakesink",
    /* live, passthrough */
    "audiotestsrc is-live=true wave=ticks samplesperbuffer=160 ! "
        "audio/x-raw,format=S16LE,rate=16000,channels=1 ! "
        "sandravad ! fakesink sync=true",
  };
  GRand *rand = g_rand_new_with_seed (7);
  guint d, i;

  for (d = 0; d < G_N_ELEMENTS (descs); d++) {
    GstElement *pipeline = gst_parse_launch (descs[d], NULL);
    GstBus *bus = gst_element_get_bus (pipeline);

    fail_unless (pipeline != NULL);
    for (i = 0; i < 15; i++) {
      GstMessage *msg;

      fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
          GST_STATE_CHANGE_FAILURE);
      g_usleep (g_rand_int_range (rand, 0, 60000));
      if (i % 3 == 0)
        gst_element_set_state (pipeline, GST_STATE_PAUSED);
      fail_unless (gst_element_set_state (pipeline, GST_STATE_NULL) ==
          GST_STATE_CHANGE_SUCCESS);
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
      fail_unless (msg == NULL, "error while cycling");
      gst_bus_set_flushing (bus, TRUE);
      gst_bus_set_flushing (bus, FALSE);
    }
    gst_object_unref (bus);
    gst_object_unref (pipeline);
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* --- streams without timestamps, rate changes, upstream GAPs ---------- */

/* The buffers and GAP events that came out tile the timeline from 0 to
 * @end, each starting within @slack of where the one before ended. */
static void
assert_output_tiles (Capture * c, GstClockTime end, GstClockTime slack)
{
  GstClockTime covered = 0;
  guint i;

  for (i = 0; i < c->items->len; i++) {
    GstMiniObject *obj = g_ptr_array_index (c->items, i);
    GstClockTime ts = GST_CLOCK_TIME_NONE, dur = 0;

    if (GST_IS_BUFFER (obj)) {
      ts = GST_BUFFER_PTS (obj);
      dur = GST_BUFFER_DURATION (obj);
    } else if (GST_EVENT_TYPE (obj) == GST_EVENT_GAP) {
      gst_event_parse_gap (GST_EVENT (obj), &ts, &dur);
    }
    if (GST_CLOCK_TIME_IS_VALID (ts)) {
      fail_unless (time_diff (ts, covered) <= slack, "output at %"
          GST_TIME_FORMAT " after %" GST_TIME_FORMAT, GST_TIME_ARGS (ts),
          GST_TIME_ARGS (covered));
      covered = ts + dur;
    }
  }
  fail_unless (time_diff (covered, end) <= slack, "output ends at %"
      GST_TIME_FORMAT ", input at %" GST_TIME_FORMAT, GST_TIME_ARGS (covered),
      GST_TIME_ARGS (end));
}


/* Like push_samples(), but the buffers carry no timestamps. */
static void
push_untimed (Capture * c, const gint16 * samples, gsize n, gint rate)
{
  gsize chunk = rate * BUFFER_MS / 1000, i;

  for (i = 0; i < n; i += chunk) {
    GstBuffer *buf = sandra_test_audio_buffer (samples + i, MIN (chunk,
            n - i), rate, 1, 0);

    GST_BUFFER_PTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DTS (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_DURATION (buf) = GST_CLOCK_TIME_NONE;
    GST_BUFFER_OFFSET (buf) = GST_BUFFER_OFFSET_NONE;
    GST_BUFFER_OFFSET_END (buf) = GST_BUFFER_OFFSET_NONE;
    fail_unless_equals_int (gst_harness_push (c->h, buf), GST_FLOW_OK);
  }
}

/* Untimestamped audio is placed at the start of its segment: with a
 * segment from 10 s, boundaries (and gated output) are at 10 s + their
 * place in the stream, on a valid running time. */
GST_START_TEST (test_untimestamped_segment_start)
{
  const gchar *props[] = { "pre-speech-pad-ms=0",
    "pre-speech-pad-ms=0 gate=true"
  };
  GstClockTime offset = 10 * GST_SECOND;
  Recording rec;
  guint p, i;

  recording_init (&rec, 16000);
  for (p = 0; p < G_N_ELEMENTS (props); p++) {
    Capture c;
    GstSegment seg;
    GArray *ev;

    capture_init (&c, 16000, props[p]);
    gst_segment_init (&seg, GST_FORMAT_TIME);
    seg.start = offset;
    seg.time = offset;
    fail_unless (gst_harness_push_event (c.h, gst_event_new_segment (&seg)));
    push_untimed (&c, rec.samples, rec.n, 16000);
    fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));

    ev = capture_vad_events (&c);
    fail_unless (ev->len >= 4);
    for (i = 0; i < ev->len; i++) {
      fail_unless (EV (ev, i)->timestamp >= offset, "boundary %u at %"
          GST_TIME_FORMAT, i, GST_TIME_ARGS (EV (ev, i)->timestamp));
      fail_unless_equals_uint64 (EV (ev, i)->running_time,
          EV (ev, i)->timestamp - offset);
      fail_unless_equals_uint64 (EV (ev, i)->stream_time,
          EV (ev, i)->timestamp);
      /* the rest of the checks work on stream offsets */
      EV (ev, i)->timestamp -= offset;
      EV (ev, i)->running_time = EV (ev, i)->stream_time =
          EV (ev, i)->timestamp;
    }
    assert_well_formed (ev);
    assert_boundaries (ev, &rec, 0);
    g_array_unref (ev);

    /* gated output lies inside the segment, so a sink keeps it */
    for (i = 0; i < c.items->len; i++) {
      GstMiniObject *obj = g_ptr_array_index (c.items, i);
      GstClockTime ts = GST_CLOCK_TIME_NONE, dur;

      if (GST_IS_BUFFER (obj) && p == 1)
        ts = GST_BUFFER_PTS (obj);
      else if (GST_IS_EVENT (obj) && GST_EVENT_TYPE (obj) == GST_EVENT_GAP)
        gst_event_parse_gap (GST_EVENT (obj), &ts, &dur);
      if (GST_CLOCK_TIME_IS_VALID (ts))
        fail_unless (ts >= offset, "output at %" GST_TIME_FORMAT,
            GST_TIME_ARGS (ts));
    }
    capture_clear (&c);
  }
  recording_clear (&rec);
}

GST_END_TEST;

/* Raw audio read from a file or a pipe comes in a BYTES segment without
 * timestamps (filesrc ! capsfilter): the element still finds the speech,
 * in time from the stream start, and has no running time to give. */
GST_START_TEST (test_bytes_segment)
{
  Recording rec;
  Capture c;
  GstSegment seg;
  GArray *ev;
  guint i;

  recording_init (&rec, 16000);
  capture_init (&c, 16000, "pre-speech-pad-ms=0");
  gst_segment_init (&seg, GST_FORMAT_BYTES);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_segment (&seg)));
  push_untimed (&c, rec.samples, rec.n, 16000);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));

  ev = capture_vad_events (&c);
  fail_unless (ev->len >= 4);
  for (i = 0; i < ev->len; i++) {
    fail_if (GST_CLOCK_TIME_IS_VALID (EV (ev, i)->running_time));
    fail_if (GST_CLOCK_TIME_IS_VALID (EV (ev, i)->stream_time));
    EV (ev, i)->running_time = EV (ev, i)->stream_time =
        EV (ev, i)->timestamp;
  }
  assert_well_formed (ev);
  assert_boundaries (ev, &rec, 0);
  g_array_unref (ev);
  capture_clear (&c);
  recording_clear (&rec);
}

GST_END_TEST;

/* The input rate changes from 16 to 8 kHz in the middle of an untimestamped
 * stream (silero switches to its 8 kHz model), and later the engine
 * changes: each closes the utterance in progress and detection goes on in
 * the same timeline, never back to zero. */
GST_START_TEST (test_rate_change_untimestamped)
{
  Recording r16, r8;
  Capture c;
  GArray *ev;
  gsize cut16, cut8;
  GstClockTime at;
  guint i;

  recording_init (&r16, 16000);
  recording_init (&r8, 8000);
  capture_init (&c, 16000, "pre-speech-pad-ms=0");
  /* 16 kHz up to 700 ms into the first sentence... */
  at = r16.speech_start[0] + 700 * GST_MSECOND;
  cut16 = gst_util_uint64_scale_int (at, 16000, GST_SECOND);
  cut8 = cut16 / 2;
  push_untimed (&c, r16.samples, cut16, 16000);
  ev = capture_vad_events (&c);
  fail_unless_equals_int (ev->len, 1);
  g_array_unref (ev);

  /* ...then the same recording goes on at 8 kHz */
  /* (a caps event alone: the harness would add a new segment) */
  fail_unless (gst_harness_push_event (c.h,
          gst_event_new_caps (gst_caps_from_string ("audio/x-raw,"
                  "format=S16LE,layout=interleaved,rate=8000,channels=1"))));
  ev = capture_vad_events (&c);
  fail_unless_equals_int (ev->len, 2);
  fail_unless (EV (ev, 1)->timestamp <= at && at - EV (ev, 1)->timestamp <=
      2 * BUFFER_MS * GST_MSECOND);
  g_array_unref (ev);
  push_untimed (&c, r8.samples + cut8, r8.n - cut8, 8000);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));

  ev = capture_vad_events (&c);
  assert_well_formed (ev);
  /* the rest of the first sentence and the second one, where they are */
  fail_unless (ev->len >= 6);
  fail_unless (EV (ev, 2)->timestamp >= at);
  fail_unless (EV (ev, 3)->timestamp <= r8.speech_end[0] + TOLERANCE);
  g_array_remove_range (ev, 0, 4);
  for (i = 0; i < ev->len; i++)
    fail_unless (EV (ev, i)->timestamp + TOLERANCE >= r8.speech_start[1]);
  fail_unless (time_diff (EV (ev, 0)->timestamp, r8.speech_start[1]) <=
      TOLERANCE);
  fail_unless (time_diff (EV (ev, ev->len - 1)->timestamp, r8.speech_end[1])
      <= TOLERANCE);
  g_array_unref (ev);
  capture_clear (&c);

  /* the same with an engine change instead of a rate change */
  capture_init (&c, 16000, "pre-speech-pad-ms=0 engine=webrtc");
  push_untimed (&c, r16.samples, cut16, 16000);
  gst_util_set_object_arg (G_OBJECT (c.h->element), "engine", "silero");
  push_untimed (&c, r16.samples + cut16, r16.n - cut16, 16000);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));
  ev = capture_vad_events (&c);
  assert_well_formed (ev);
  fail_unless (ev->len >= 6);
  fail_unless (time_diff (EV (ev, ev->len - 1)->timestamp,
          r16.speech_end[1]) <= TOLERANCE);
  g_array_unref (ev);
  capture_clear (&c);

  recording_clear (&r16);
  recording_clear (&r8);
}

GST_END_TEST;

/* A GAP event from upstream that leaves a hole (a muted or dropped-out
 * source) ends the utterance in progress at once: the speech-stop goes
 * downstream before the GAP, and in gate mode the held audio goes out
 * first, not when audio comes back. */
GST_START_TEST (test_upstream_gap_ends_utterance)
{
  const gchar *props[] = { "pre-speech-pad-ms=0",
    "pre-speech-pad-ms=0 gate=true"
  };
  Recording rec;
  guint p;

  recording_init (&rec, 16000);
  for (p = 0; p < G_N_ELEMENTS (props); p++) {
    Capture c;
    GArray *ev;
    gsize cut;
    GstClockTime at, covered = 0;
    guint i, gap_at = G_MAXUINT, stop_at = G_MAXUINT;

    capture_init (&c, 16000, props[p]);
    at = rec.speech_start[0] + 700 * GST_MSECOND;
    cut = gst_util_uint64_scale_int (at, 16000, GST_SECOND);
    push_samples (&c, rec.samples, cut, 16000, 0);
    fail_unless (gst_harness_push_event (c.h, gst_event_new_gap (at,
                2 * GST_SECOND)));

    for (i = 0; i < c.items->len; i++) {
      GstMiniObject *obj = g_ptr_array_index (c.items, i);
      SandraVadInfo info;

      if (GST_IS_BUFFER (obj)) {
        covered = GST_BUFFER_PTS (obj) + GST_BUFFER_DURATION (obj);
      } else if (GST_EVENT_TYPE (obj) == GST_EVENT_GAP) {
        GstClockTime ts, dur;

        gst_event_parse_gap (GST_EVENT (obj), &ts, &dur);
        if (ts == at && dur == 2 * GST_SECOND) {
          gap_at = i;
          /* all the audio before the hole went out before it */
          fail_unless_equals_uint64 (covered, at);
        }
        covered = ts + dur;
      } else if (sandra_vad_event_parse (GST_EVENT (obj), &info) &&
          info.boundary == SANDRA_VAD_SPEECH_STOP) {
        stop_at = i;
        fail_unless (info.timestamp <= at);
      }
    }
    fail_unless (gap_at != G_MAXUINT, "%s: the GAP did not go downstream",
        props[p]);
    fail_unless (stop_at < gap_at, "%s: no speech-stop before the GAP",
        props[p]);

    /* the audio after the hole is a new stream, found as usual */
    push_samples (&c, rec.samples + cut + 2 * 16000, rec.n - cut - 2 * 16000,
        16000, cut + 2 * 16000);
    fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));
    ev = capture_vad_events (&c);
    assert_well_formed (ev);
    fail_unless (time_diff (EV (ev, ev->len - 1)->timestamp,
            rec.speech_end[1]) <= TOLERANCE);
    g_array_unref (ev);
    assert_messages_match_events (&c);
    capture_clear (&c);
  }
  recording_clear (&rec);
}

GST_END_TEST;

/* Ends @c's stream, checks it found exactly @ref's boundaries, and frees
 * both. */
static void
finish_like (Capture * c, GArray * ref)
{
  GArray *ev;

  fail_unless (gst_harness_push_event (c->h, gst_event_new_eos ()));
  ev = capture_vad_events (c);
  assert_same_boundaries (ev, ref);
  g_array_unref (ev);
  g_array_unref (ref);
  capture_clear (c);
}

/* An application that sets a property to the value it already has (say,
 * re-applying its whole configuration) does not disturb detection: the
 * engine keeps its state. */
GST_START_TEST (test_same_value_keeps_state)
{
  static const struct
  {
    const gchar *props, *name, *value;
  } runs[] = {
    {"engine=silero", "engine", "silero"},
    {"engine=webrtc mode=aggressive", "mode", "aggressive"},
  };
  Recording rec;
  guint r;

  recording_init (&rec, 16000);
  for (r = 0; r < G_N_ELEMENTS (runs); r++) {
    GArray *ref = run_with (&rec, runs[r].props);
    gsize chunk = 16000 * BUFFER_MS / 1000, i;
    Capture c;

    capture_init (&c, 16000, runs[r].props);
    for (i = 0; i < rec.n; i += chunk) {
      gst_util_set_object_arg (G_OBJECT (c.h->element), runs[r].name,
          runs[r].value);
      fail_unless_equals_int (gst_harness_push (c.h,
              sandra_test_audio_buffer (rec.samples + i, MIN (chunk,
                      rec.n - i), 16000, 1, i)), GST_FLOW_OK);
    }
    finish_like (&c, ref);
  }
  recording_clear (&rec);
}

GST_END_TEST;

/* The gate's latency follows the engine as soon as it is selected, even
 * while the previous engine is still running. */
GST_START_TEST (test_gate_latency_engine_switch)
{
  Recording rec;
  Capture c;
  gboolean live;

  recording_init (&rec, 16000);
  capture_init (&c, 16000, "gate=true engine=webrtc");
  push_samples (&c, rec.samples, 16000, 16000, 0);
  /* webrtc: 300 ms + 150 ms, whole 10 ms frames */
  fail_unless_equals_uint64 (query_latency (c.h, &live), 450 * GST_MSECOND);
  gst_util_set_object_arg (G_OBJECT (c.h->element), "engine", "silero");
  /* silero: 30 ms + 250 ms in whole 32 ms chunks */
  fail_unless_equals_uint64 (query_latency (c.h, &live), 286 * GST_MSECOND);
  push_samples (&c, rec.samples + 16000, 16000, 16000, 16000);
  fail_unless_equals_uint64 (query_latency (c.h, &live), 286 * GST_MSECOND);
  capture_clear (&c);

  /* the same for an element that has not seen caps since it last ran
   * webrtc */
  capture_init (&c, 16000, "gate=true engine=webrtc");
  push_samples (&c, rec.samples, 16000, 16000, 0);
  gst_element_set_state (c.h->element, GST_STATE_READY);
  gst_util_set_object_arg (G_OBJECT (c.h->element), "engine", "silero");
  fail_unless_equals_uint64 (query_latency (c.h, &live), 286 * GST_MSECOND);
  capture_clear (&c);
  recording_clear (&rec);
}

GST_END_TEST;

/* Turning the gate off tells the pipeline that the latency went down, once
 * the gated stream is over. */
GST_START_TEST (test_gate_off_posts_latency)
{
  Recording rec;
  Capture c;
  gboolean live;
  GstMessage *msg;

  recording_init (&rec, 16000);
  capture_init (&c, 16000, "gate=true");
  push_samples (&c, rec.samples, 16000, 16000, 0);
  fail_unless (query_latency (c.h, &live) > 0);
  gst_bus_set_flushing (c.bus, TRUE);
  gst_bus_set_flushing (c.bus, FALSE);

  g_object_set (c.h->element, "gate", FALSE, NULL);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_start ()));
  fail_unless (gst_harness_push_event (c.h, gst_event_new_flush_stop (TRUE)));
  fail_unless_equals_uint64 (query_latency (c.h, &live), 0);
  msg = gst_bus_pop_filtered (c.bus, GST_MESSAGE_LATENCY);
  fail_unless (msg != NULL, "no latency message");
  gst_message_unref (msg);
  capture_clear (&c);
  recording_clear (&rec);
}

GST_END_TEST;

/* Going to READY in the middle of an utterance and starting again gives
 * what a fresh element gives: no engine, resampler or gate state survives
 * the stop. */
GST_START_TEST (test_ready_cycle_forgets)
{
  const gchar *props[] = { NULL, "engine=webrtc", "gate=true" };
  Recording rec;
  guint p;

  recording_init (&rec, 24000);
  for (p = 0; p < G_N_ELEMENTS (props); p++) {
    GArray *ref = run_with (&rec, props[p]), *ev;
    gsize cut = gst_util_uint64_scale_int (rec.speech_start[1] +
        GST_SECOND, 24000, GST_SECOND);
    Capture c;

    capture_init (&c, 24000, props[p]);
    push_samples (&c, rec.samples, cut, 24000, 0);
    ev = capture_vad_events (&c);
    fail_unless (ev->len % 2 == 1, "%s: not in speech", props[p]);
    g_array_unref (ev);

    fail_unless_equals_int (gst_element_set_state (c.h->element,
            GST_STATE_READY), GST_STATE_CHANGE_SUCCESS);
    fail_unless_equals_int (gst_element_set_state (c.h->element,
            GST_STATE_PLAYING), GST_STATE_CHANGE_SUCCESS);
    g_ptr_array_set_size (c.items, 0);
    gst_bus_set_flushing (c.bus, TRUE);
    gst_bus_set_flushing (c.bus, FALSE);
    gst_harness_set_src_caps_str (c.h, "audio/x-raw,format=S16LE,"
        "layout=interleaved,rate=24000,channels=1");
    push_recording (&c, &rec);
    ev = capture_vad_events (&c);
    assert_same_boundaries (ev, ref);
    g_array_unref (ev);
    g_array_unref (ref);
    assert_messages_match_events (&c);
    capture_clear (&c);
  }
  recording_clear (&rec);
}

GST_END_TEST;

typedef struct
{
  GstElement *vad;
  gint stop;
  guint changes;
} Changer;

/* The application side: sets every property, over and over, as a control
 * panel might, until told to stop. */
static gpointer
change_properties (gpointer data)
{
  Changer *ch = data;
  GRand *rand = g_rand_new_with_seed (11);
  const gchar *engines[] = { "webrtc", "silero" };
  const gchar *modes[] = { "quality", "low-bitrate", "aggressive",
    "very-aggressive"
  };

  while (!g_atomic_int_get (&ch->stop)) {
    switch (g_rand_int_range (rand, 0, 8)) {
      case 0:
        gst_util_set_object_arg (G_OBJECT (ch->vad), "engine",
            engines[g_rand_int_range (rand, 0, 2)]);
        break;
      case 1:
        gst_util_set_object_arg (G_OBJECT (ch->vad), "mode",
            modes[g_rand_int_range (rand, 0, 4)]);
        break;
      case 2:
        g_object_set (ch->vad, "threshold", (gfloat) g_rand_double_range
            (rand, 0.4, 0.7), NULL);
        break;
      case 3:
        g_object_set (ch->vad, "negative-threshold", (gfloat)
            g_rand_double_range (rand, 0.2, 0.4), NULL);
        break;
      case 4:
        g_object_set (ch->vad, "min-speech-ms", g_rand_int_range (rand, 0,
                400), "min-silence-ms", g_rand_int_range (rand, 0, 600),
            NULL);
        break;
      case 5:
        g_object_set (ch->vad, "pre-speech-pad-ms", g_rand_int_range (rand,
                0, 400), "max-speech-ms", g_rand_int_range (rand, 0, 2000),
            NULL);
        break;
      case 6:
        g_object_set (ch->vad, "gate", g_rand_boolean (rand), NULL);
        break;
      default:{
        guint v;

        /* and reads them back */
        g_object_get (ch->vad, "min-silence-ms", &v, NULL);
        break;
      }
    }
    ch->changes++;
    g_usleep (g_rand_int_range (rand, 0, 500));
  }
  g_rand_free (rand);
  return NULL;
}

/* Properties changed from another thread while the element streams: the
 * output still tiles the timeline with audio and GAPs, boundaries still
 * alternate and match the messages. */
GST_START_TEST (test_properties_while_streaming)
{
  Recording rec;
  Capture c;
  Changer ch = { NULL, 0, 0 };
  GThread *thread;
  GArray *ev;
  guint pass;

  recording_init (&rec, 24000);
  capture_init (&c, 24000, NULL);
  ch.vad = c.h->element;
  thread = g_thread_new ("changer", change_properties, &ch);
  for (pass = 0; pass < 3; pass++)
    push_samples (&c, rec.samples, rec.n, 24000, pass * rec.n);
  fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));
  g_atomic_int_set (&ch.stop, 1);
  g_thread_join (thread);
  GST_INFO ("%u property changes", ch.changes);
  fail_unless (ch.changes > 10);

  /* Each stream (an engine change starts one) is timed from its first
   * buffer's PTS: where a gated stream ends and the next begins, the two
   * roundings of 1/24000 s to nanoseconds may differ by one. */
  assert_output_tiles (&c, samples_to_time (3 * rec.n, 24000), 1);
  ev = capture_vad_events (&c);
  fail_unless (ev->len > 0);
  assert_well_formed (ev);
  g_array_unref (ev);
  assert_messages_match_events (&c);
  capture_clear (&c);
  recording_clear (&rec);
}

GST_END_TEST;

/* Buffers of any size, down to a single sample and up to several frames,
 * give exactly the boundaries of regular 20 ms buffers, with and without
 * resampling, and gated output still tiles the timeline. */
GST_START_TEST (test_irregular_buffers)
{
  static const struct
  {
    gint rate;
    const gchar *props;
  } runs[] = {
    {16000, NULL}, {24000, NULL}, {8000, NULL},
    {16000, "engine=webrtc"}, {24000, "gate=true"},
  };
  GRand *rand = g_rand_new_with_seed (3);
  guint r;

  for (r = 0; r < G_N_ELEMENTS (runs); r++) {
    Recording rec;
    Capture c;
    GArray *ref, *ev;
    gsize pushed = 0;

    recording_init (&rec, runs[r].rate);
    ref = run_with (&rec, runs[r].props);
    capture_init (&c, runs[r].rate, runs[r].props);
    while (pushed < rec.n) {
      gsize len = g_rand_boolean (rand) ? g_rand_int_range (rand, 1, 8) :
          g_rand_int_range (rand, 8, 2000);

      len = MIN (len, rec.n - pushed);
      fail_unless_equals_int (gst_harness_push (c.h,
              sandra_test_audio_buffer (rec.samples + pushed, len,
                  runs[r].rate, 1, pushed)), GST_FLOW_OK);
      pushed += len;
    }
    fail_unless (gst_harness_push_event (c.h, gst_event_new_eos ()));
    ev = capture_vad_events (&c);
    assert_same_boundaries (ev, ref);
    assert_output_tiles (&c, samples_to_time (rec.n, runs[r].rate), 0);
    g_array_unref (ev);
    g_array_unref (ref);
    capture_clear (&c);
    recording_clear (&rec);
  }
  g_rand_free (rand);
}

GST_END_TEST;

/* Some elements re-send their sticky events unchanged (on a relink, a
 * renegotiation that ends where it started, a valve reopening): the same
 * stream-start, caps and segment in the middle of an utterance are not a
 * new stream and change nothing. */
GST_START_TEST (test_repeated_sticky_events)
{
  const gchar *props[] = { NULL, "gate=true" };
  Recording rec;
  guint p;

  recording_init (&rec, 16000);
  for (p = 0; p < G_N_ELEMENTS (props); p++) {
    GArray *ref = run_with (&rec, props[p]);
    GstClockTime at = rec.speech_start[0] + 700 * GST_MSECOND;
    gsize cut = gst_util_uint64_scale_int (at, 16000, GST_SECOND);
    GstEvent *stream_start;
    const gchar *stream_id;
    GstSegment seg;
    Capture c;

    capture_init (&c, 16000, props[p]);
    push_samples (&c, rec.samples, cut, 16000, 0);
    stream_start = gst_pad_get_sticky_event (c.h->srcpad,
        GST_EVENT_STREAM_START, 0);
    fail_unless (stream_start != NULL);
    gst_event_parse_stream_start (stream_start, &stream_id);
    fail_unless (gst_harness_push_event (c.h,
            gst_event_new_stream_start (stream_id)));
    gst_event_unref (stream_start);
    fail_unless (gst_harness_push_event (c.h,
            gst_event_new_caps (gst_caps_from_string ("audio/x-raw,"
                    "format=S16LE,layout=interleaved,rate=16000,"
                    "channels=1"))));
    gst_segment_init (&seg, GST_FORMAT_TIME);
    fail_unless (gst_harness_push_event (c.h, gst_event_new_segment (&seg)));
    push_samples (&c, rec.samples + cut, rec.n - cut, 16000, cut);
    finish_like (&c, ref);
  }
  recording_clear (&rec);
}

GST_END_TEST;

/* Flushing seeks in a real pipeline (8 kHz, Silero's 8 kHz model): after a
 * seek into the file the
 * boundaries are in the file's time and the running time starts at 0;
 * after a seek back to the start, the element finds exactly what it found
 * the first time (nothing of the engine's state survives the flush). */
GST_START_TEST (test_seek_pipeline)
{
  gchar *path = sandra_test_data_path ("codec2-ve9qrp-8k.wav");
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! "
      "sandravad ! fakesink sync=false", path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GArray *whole, *after, *again;
  GstClockTime seek_to = 3 * GST_SECOND;
  guint i;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  whole = collect_until_eos (bus);
  fail_unless (whole->len >= 4);
  assert_well_formed (whole);

  fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, seek_to));
  after = collect_until_eos (bus);
  fail_unless (after->len >= 2);
  for (i = 0; i < after->len; i++) {
    fail_unless (EV (after, i)->timestamp >= seek_to);
    fail_unless_equals_uint64 (EV (after, i)->running_time,
        EV (after, i)->timestamp - seek_to);
    fail_unless_equals_uint64 (EV (after, i)->stream_time,
        EV (after, i)->timestamp);
  }

  fail_unless (gst_element_seek_simple (pipeline, GST_FORMAT_TIME,
          GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE, 0));
  again = collect_until_eos (bus);
  assert_same_boundaries (again, whole);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_array_unref (whole);
  g_array_unref (after);
  g_array_unref (again);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
}

GST_END_TEST;

static Suite *
sandravad_suite (void)
{
  Suite *s = suite_create ("sandravad");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_caps_accepted);
  tcase_add_test (tc, test_caps_refused);
  tcase_add_test (tc, test_properties);
  tcase_add_test (tc, test_properties_take_effect);
  tcase_add_test (tc, test_passthrough_order);
  tcase_add_test (tc, test_gate);
  tcase_add_test (tc, test_gate_event_order);
  tcase_add_test (tc, test_24k_matches_16k);
  tcase_add_test (tc, test_eos_in_speech);
  tcase_add_test (tc, test_flush_resets);
  tcase_add_test (tc, test_segment_times);
  tcase_add_test (tc, test_runtime_changes);
  tcase_add_test (tc, test_pipeline);
  tcase_add_test (tc, test_silero_boundaries);
  tcase_add_test (tc, test_engine_defaults);
  tcase_add_test (tc, test_silero_gate_latency);
  tcase_add_test (tc, test_engine_switch_between_runs);
  tcase_add_test (tc, test_engine_switch_while_playing);
  tcase_add_test (tc, test_state_cycling);
  tcase_add_test (tc, test_untimestamped_segment_start);
  tcase_add_test (tc, test_bytes_segment);
  tcase_add_test (tc, test_rate_change_untimestamped);
  tcase_add_test (tc, test_upstream_gap_ends_utterance);
  tcase_add_test (tc, test_same_value_keeps_state);
  tcase_add_test (tc, test_gate_latency_engine_switch);
  tcase_add_test (tc, test_gate_off_posts_latency);
  tcase_add_test (tc, test_ready_cycle_forgets);
  tcase_add_test (tc, test_properties_while_streaming);
  tcase_add_test (tc, test_irregular_buffers);
  tcase_add_test (tc, test_repeated_sticky_events);
  tcase_add_test (tc, test_seek_pipeline);
  return s;
}

GST_CHECK_MAIN (sandravad);
