/* gst-sandra: voice activity engines (frames in, speech probability out)
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-vad-engine.h"
#include "sandra-vad-webrtc.h"

#include <gio/gio.h>
#include <string.h>

/* One engine kind. @create chooses the working rate for an input rate and
 * returns the engine state, or NULL if it cannot run. */
typedef struct
{
  const gchar *name;
    gpointer (*create) (gint input_rate, gint mode, gint * rate,
      guint * frame_size);
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

static gpointer
webrtc_create (gint input_rate, gint mode, gint * rate, guint * frame_size)
{
  WebrtcEngine *e;
  gint r;

  /* WebRtcVad analyses at most the band below 4 kHz (it decimates to
   * 8 kHz internally); at 32 and 48 kHz the library would first split the
   * signal into bands and feed it the lowest. Resampling those rates (and
   * 24 kHz, which it does not take) to 16 kHz ourselves is cheaper and makes
   * the decisions the same whatever the input rate. */
  r = input_rate == 8000 ? 8000 : 16000;

  e = g_new0 (WebrtcEngine, 1);
  e->vad = sandra_vad_webrtc_new (r, mode);
  if (e->vad == NULL) {
    g_free (e);
    return NULL;
  }
  *rate = r;
  *frame_size = sandra_vad_webrtc_frame_size (e->vad);
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
  "webrtc", webrtc_create, webrtc_process, webrtc_reset, webrtc_free
};

/* --- dispatch ----------------------------------------------------------
 *
 * Adding an engine: a SandraVadEngineClass whose create() picks the rate and
 * frame size (for Silero: 8 kHz and 256 samples for 8 kHz input, 16 kHz and
 * 512 samples otherwise) and whose process() converts the S16 frame to what
 * the model takes, one more SandraVadEngineKind value, one more case below,
 * and one more value in the element's GstSandraVadEngine enum. */

static const SandraVadEngineClass *
engine_class (SandraVadEngineKind kind)
{
  switch (kind) {
    case SANDRA_VAD_ENGINE_WEBRTC:
      return &webrtc_class;
  }
  return NULL;
}

const gchar *
sandra_vad_engine_kind_name (SandraVadEngineKind kind)
{
  const SandraVadEngineClass *klass = engine_class (kind);

  return klass ? klass->name : NULL;
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

  state = klass->create (input_rate, mode, &rate, &frame_size);
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
