/* gst-sandra local API emulator: a plain energy voice activity detector
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The emulated Realtime server VAD. The real service runs a neural model;
 * for an emulator a level threshold on 10 ms frames, with a minimum speech
 * run and a silence hangover, gives the same event sequence on clean test
 * speech, deterministically.
 */
#ifndef __SANDRA_EMULATOR_ENERGY_VAD_H__
#define __SANDRA_EMULATOR_ENERGY_VAD_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint rate;
  gdouble threshold_dbfs;
  guint min_speech_ms;
  guint silence_ms;

  guint64 frames_done;          /* complete 10 ms frames analysed */
  gint16 *frame;                /* samples of the frame being filled */
  guint frame_fill;
  gboolean in_speech;
  guint voiced_ms;
  guint unvoiced_ms;
} EmuEnergyVad;

/* @started: TRUE for speech start, FALSE for stop. @at_ms is in stream
 * time: for a start, the first voiced frame; for a stop, the end of the
 * silence hangover (the current position), as the service reports it. */
typedef void (*EmuVadCallback) (gboolean started, guint64 at_ms,
    gpointer user_data);

void emu_energy_vad_init (EmuEnergyVad * vad, guint rate,
    gdouble threshold_dbfs, guint min_speech_ms, guint silence_ms);
void emu_energy_vad_clear (EmuEnergyVad * vad);

/* Forgets any speech in progress (after a commit or clear) but keeps the
 * stream clock. */
void emu_energy_vad_reset_state (EmuEnergyVad * vad);

void emu_energy_vad_process (EmuEnergyVad * vad, const gint16 * samples,
    gsize n_samples, EmuVadCallback callback, gpointer user_data);

G_END_DECLS

#endif
