/* gst-sandra local API emulator: a plain energy voice activity detector
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "energy-vad.h"

#include <math.h>

#define FRAME_MS 10

void
emu_energy_vad_init (EmuEnergyVad * vad, guint rate, gdouble threshold_dbfs,
    guint min_speech_ms, guint silence_ms)
{
  vad->rate = rate;
  vad->threshold_dbfs = threshold_dbfs;
  vad->min_speech_ms = MAX (min_speech_ms, FRAME_MS);
  vad->silence_ms = MAX (silence_ms, FRAME_MS);
  vad->frames_done = 0;
  vad->frame = g_new0 (gint16, rate * FRAME_MS / 1000);
  vad->frame_fill = 0;
  emu_energy_vad_reset_state (vad);
}

void
emu_energy_vad_clear (EmuEnergyVad * vad)
{
  g_clear_pointer (&vad->frame, g_free);
}

void
emu_energy_vad_reset_state (EmuEnergyVad * vad)
{
  vad->in_speech = FALSE;
  vad->voiced_ms = 0;
  vad->unvoiced_ms = 0;
}

static gdouble
frame_dbfs (const gint16 * s, guint n)
{
  gdouble acc = 0.0;
  guint i;

  for (i = 0; i < n; i++)
    acc += (gdouble) s[i] * s[i];
  if (acc == 0.0)
    return -120.0;
  return 10.0 * log10 (acc / n / (32768.0 * 32768.0));
}

static void
analyse_frame (EmuEnergyVad * vad, EmuVadCallback callback, gpointer data)
{
  guint n = vad->rate * FRAME_MS / 1000;
  gboolean voiced = frame_dbfs (vad->frame, n) > vad->threshold_dbfs;
  guint64 end_ms = (vad->frames_done + 1) * FRAME_MS;

  vad->frames_done++;
  if (!vad->in_speech) {
    vad->voiced_ms = voiced ? vad->voiced_ms + FRAME_MS : 0;
    if (vad->voiced_ms >= vad->min_speech_ms) {
      vad->in_speech = TRUE;
      vad->unvoiced_ms = 0;
      callback (TRUE, end_ms - vad->voiced_ms, data);
    }
  } else {
    vad->unvoiced_ms = voiced ? 0 : vad->unvoiced_ms + FRAME_MS;
    if (vad->unvoiced_ms >= vad->silence_ms) {
      vad->in_speech = FALSE;
      vad->voiced_ms = 0;
      callback (FALSE, end_ms, data);
    }
  }
}

void
emu_energy_vad_process (EmuEnergyVad * vad, const gint16 * samples,
    gsize n_samples, EmuVadCallback callback, gpointer user_data)
{
  guint frame_len = vad->rate * FRAME_MS / 1000;
  gsize i;

  for (i = 0; i < n_samples; i++) {
    vad->frame[vad->frame_fill++] = samples[i];
    if (vad->frame_fill == frame_len) {
      analyse_frame (vad, callback, user_data);
      vad->frame_fill = 0;
    }
  }
}
