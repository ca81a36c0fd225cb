/* gst-sandra: voice activity engines (frames in, speech probability out)
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An engine classifies fixed-size frames of mono S16 audio at a rate of its
 * own choosing and returns a speech probability per frame. It knows nothing
 * about segments: sandra-vad-segmenter turns probabilities into speech
 * boundaries. Each engine kind is one SandraVadEngineClass (a small vtable)
 * in sandra-vad-engine.c.
 */
#ifndef __SANDRA_VAD_ENGINE_H__
#define __SANDRA_VAD_ENGINE_H__

#include <glib.h>

#include "sandra-vad-segmenter.h"

G_BEGIN_DECLS

typedef enum {
  SANDRA_VAD_ENGINE_WEBRTC,
  SANDRA_VAD_ENGINE_SILERO,
} SandraVadEngineKind;

typedef struct _SandraVadEngine SandraVadEngine;

/* Creates an engine for audio arriving at @input_rate. @mode is the
 * engine's aggressiveness, 0 (clips the least speech) .. 3 (fewest false
 * alarms); engines without such a knob ignore it. Returns NULL with @error set if the
 * engine cannot run. */
SandraVadEngine *sandra_vad_engine_new (SandraVadEngineKind kind,
    gint input_rate, gint mode, GError ** error);

/* The rate the engine works at; the caller resamples to it when it differs
 * from the input rate. */
gint sandra_vad_engine_get_rate (SandraVadEngine * engine);

/* Samples per frame at sandra_vad_engine_get_rate(). */
guint sandra_vad_engine_get_frame_size (SandraVadEngine * engine);

/* The rate and frame size an engine of @kind would have for @input_rate,
 * without creating one. */
void sandra_vad_engine_kind_get_geometry (SandraVadEngineKind kind,
    gint input_rate, gint * rate, guint * frame_size);

/* Speech probability (0..1) of one frame of get_frame_size() samples. */
gfloat sandra_vad_engine_process (SandraVadEngine * engine,
    const gint16 * frame);

/* Starts a new stream: forgets all adaptive state. */
void sandra_vad_engine_reset (SandraVadEngine * engine);

void sandra_vad_engine_free (SandraVadEngine * engine);

/* "webrtc", "silero" */
const gchar *sandra_vad_engine_kind_name (SandraVadEngineKind kind);

/* Fills @settings with the segmenter settings that suit @kind's
 * probabilities (for silero, those of Silero's own tools). */
void sandra_vad_engine_kind_get_defaults (SandraVadEngineKind kind,
    SandraVadSegmenterSettings * settings);

G_END_DECLS

#endif
