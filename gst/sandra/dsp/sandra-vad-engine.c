/* gst-sandra: voice activity engines (frames in, speech probability out)
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-vad-engine.h"
#include "sandra-vad-webrtc.h"
#include "sandra-silero.h"

#include <gio/gio.h>
#include <string.h>

/* One engine kind. @geometry chooses the working rate and frame size for an
 * input rate (without building anything, so that latency can be answered
 * before an engine exists); @create returns the state of an engine working
 * at that @rate, or NULL if it cannot run. */
typedef struct
{
  const gchar *name;
  void (*geometry) (gint input_rate, gint * rate, guint * frame_size);
    gpointer (*create) (gint rate, gint mode);
    gfloat (*process) (gpointer state, const gint16 * frame);
  void (*reset) (gpointer state);
  void (*free) (gpointer state);
} SandraVadEngineClass;

struct _SandraVadEngine
{
  const SandraVadEngineClass *klass;
  gpointer state;
  gint rate;
  guint frame_size;
};

/* --- webrtc ------------------------------------------------------------
 *
 * WebRtcVad decides voice / no voice per 10 ms frame; it has no
 * probability. We report the share of voiced frames among the last
 * WEBRTC_WINDOW decisions (the current one included): 0, 1/3, 2/3 or 1.
 * This gives the segmenter's two thresholds something to work on (with the
 * defaults, 2 of 3 voiced frames start speech, and speech continues while
 * that holds) and rejects isolated one-frame false alarms, at the cost of up
 * to one frame (10 ms) of decision delay. */
#define WEBRTC_WINDOW 3

typedef struct
{
  SandraVadWebrtc *vad;
  guint8 history[WEBRTC_WINDOW];
  guint pos;
} WebrtcEngine;

static void
webrtc_geometry (gint input_rate, gint * rate, guint * frame_size)
{
  /* WebRtcVad analyses at most the band below 4 kHz (it decimates to
   * 8 kHz internally); at 32 and 48 kHz the library would first split the
   * signal into bands and feed it the lowest. Resampling those rates (and
   * 24 kHz, which it does not take) to 16 kHz ourselves is cheaper and makes
   * the decisions the same whatever the input rate. */
  *rate = input_rate == 8000 ? 8000 : 16000;
  *frame_size = *rate / 100;
}

static gpointer
webrtc_create (gint rate, gint mode)
{
  WebrtcEngine *e;

  e = g_new0 (WebrtcEngine, 1);
  e->vad = sandra_vad_webrtc_new (rate, mode);
  if (e->vad == NULL) {
    g_free (e);
    return NULL;
  }
  return e;
}

static gfloat
webrtc_process (gpointer state, const gint16 * frame)
{
  WebrtcEngine *e = state;
  gint voiced = sandra_vad_webrtc_process (e->vad, frame);
  guint i, sum = 0;

  e->history[e->pos] = voiced > 0;
  e->pos = (e->pos + 1) % WEBRTC_WINDOW;
  for (i = 0; i < WEBRTC_WINDOW; i++)
    sum += e->history[i];
  return (gfloat) sum / WEBRTC_WINDOW;
}

static void
webrtc_reset (gpointer state)
{
  WebrtcEngine *e = state;

  sandra_vad_webrtc_reset (e->vad);
  memset (e->history, 0, sizeof (e->history));
  e->pos = 0;
}

static void
webrtc_free (gpointer state)
{
  WebrtcEngine *e = state;

  sandra_vad_webrtc_free (e->vad);
  g_free (e);
}

static const SandraVadEngineClass webrtc_class = {
  "webrtc", webrtc_geometry, webrtc_create, webrtc_process, webrtc_reset,
  webrtc_free
};

/* --- silero ------------------------------------------------------------
 *
 * The Silero VAD v6 network (sandra-silero.h) scores 32 ms chunks at 8 or
 * 16 kHz. 8 kHz input stays at 8 kHz (the model has weights for it);
 * everything else is resampled to 16 kHz by the caller, which keeps twice
 * the bandwidth of 8 kHz. The network takes floats in [-1, 1]: the frame is
 * converted into a buffer owned by the engine, so nothing is allocated per
 * chunk. There is no aggressiveness knob: the segmenter's thresholds play
 * that role. */

typedef struct
{
  SandraSilero *net;
  gfloat *chunk;
  guint chunk_samples;
} SileroEngine;

static void
silero_geometry (gint input_rate, gint * rate, guint * frame_size)
{
  *rate = input_rate == 8000 ? 8000 : 16000;
  /* 32 ms: 256 or 512 samples */
  *frame_size = *rate / 1000 * 32;
}

static gpointer
silero_create (gint rate, gint mode)
{
  SileroEngine *e;
  SandraSilero *net = sandra_silero_new (rate);

  if (net == NULL)
    return NULL;
  e = g_new0 (SileroEngine, 1);
  e->net = net;
  e->chunk_samples = sandra_silero_chunk_samples (net);
  e->chunk = g_new0 (gfloat, e->chunk_samples);
  return e;
}

static gfloat
silero_process (gpointer state, const gint16 * frame)
{
  SileroEngine *e = state;
  guint i;

  /* The scaling of Silero's own wrappers and of scripts/silero, whose
   * ONNX Runtime output the network is tested against. */
  for (i = 0; i < e->chunk_samples; i++)
    e->chunk[i] = frame[i] / 32768.0f;
  return sandra_silero_process (e->net, e->chunk);
}

static void
silero_reset (gpointer state)
{
  SileroEngine *e = state;

  sandra_silero_reset (e->net);
}

static void
silero_free (gpointer state)
{
  SileroEngine *e = state;

  sandra_silero_free (e->net);
  g_free (e->chunk);
  g_free (e);
}

static const SandraVadEngineClass silero_class = {
  "silero", silero_geometry, silero_create, silero_process, silero_reset,
  silero_free
};

/* --- dispatch ----------------------------------------------------------
 *
 * Adding an engine: a SandraVadEngineClass whose geometry() picks the rate
 * and frame size, whose create() builds the engine and whose process() converts the S16 frame to what the model
 * takes, one more SandraVadEngineKind value, one more case in engine_class()
 * and in sandra_vad_engine_kind_get_defaults(), and one more value in the
 * element's GstSandraVadEngine enum. */

static const SandraVadEngineClass *
engine_class (SandraVadEngineKind kind)
{
  switch (kind) {
    case SANDRA_VAD_ENGINE_WEBRTC:
      return &webrtc_class;
    case SANDRA_VAD_ENGINE_SILERO:
      return &silero_class;
  }
  return NULL;
}

void
sandra_vad_engine_kind_get_defaults (SandraVadEngineKind kind,
    SandraVadSegmenterSettings * settings)
{
  sandra_vad_segmenter_settings_init (settings);
  switch (kind) {
    case SANDRA_VAD_ENGINE_WEBRTC:
      /* WebRTC's decisions are binary and noisy in noise: a longer
       * minimum burst and hangover hold utterances together, and a wide
       * padding recovers the weak onsets it misses. */
      break;
    case SANDRA_VAD_ENGINE_SILERO:
      /* Silero's own get_speech_timestamps() / VADIterator defaults: its
       * probabilities are sharp enough to need little smoothing. */
      settings->threshold = 0.5f;
      settings->negative_threshold = 0.35f;
      settings->min_speech_ms = 250;
      settings->min_silence_ms = 100;
      settings->pre_speech_pad_ms = 30;
      break;
  }
}

const gchar *
sandra_vad_engine_kind_name (SandraVadEngineKind kind)
{
  const SandraVadEngineClass *klass = engine_class (kind);

  return klass ? klass->name : NULL;
}

void
sandra_vad_engine_kind_get_geometry (SandraVadEngineKind kind,
    gint input_rate, gint * rate, guint * frame_size)
{
  const SandraVadEngineClass *klass = engine_class (kind);

  g_return_if_fail (klass != NULL);

  klass->geometry (input_rate, rate, frame_size);
}

SandraVadEngine *
sandra_vad_engine_new (SandraVadEngineKind kind, gint input_rate, gint mode,
    GError ** error)
{
  const SandraVadEngineClass *klass = engine_class (kind);
  SandraVadEngine *engine;
  gpointer state;
  gint rate = 0;
  guint frame_size = 0;

  g_return_val_if_fail (klass != NULL, NULL);

  klass->geometry (input_rate, &rate, &frame_size);
  state = klass->create (rate, mode);
  if (state == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
        "The %s voice activity engine cannot run on %d Hz audio",
        klass->name, input_rate);
    return NULL;
  }
  engine = g_new0 (SandraVadEngine, 1);
  engine->klass = klass;
  engine->state = state;
  engine->rate = rate;
  engine->frame_size = frame_size;
  return engine;
}

gint
sandra_vad_engine_get_rate (SandraVadEngine * engine)
{
  return engine->rate;
}

guint
sandra_vad_engine_get_frame_size (SandraVadEngine * engine)
{
  return engine->frame_size;
}

gfloat
sandra_vad_engine_process (SandraVadEngine * engine, const gint16 * frame)
{
  /* (CLAMP evaluates its argument more than once) */
  gfloat p = engine->klass->process (engine->state, frame);

  return CLAMP (p, 0.0f, 1.0f);
}

void
sandra_vad_engine_reset (SandraVadEngine * engine)
{
  engine->klass->reset (engine->state);
}

void
sandra_vad_engine_free (SandraVadEngine * engine)
{
  if (engine == NULL)
    return;
  engine->klass->free (engine->state);
  g_free (engine);
}
