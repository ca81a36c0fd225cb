/* gst-sandra local API emulator: reply audio fixtures
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The assistant's audio in a Realtime conversation is a real recording,
 * named by the scenario, decoded and converted with GStreamer into the
 * session's output format, so clients get exactly what the service would
 * send them and tests can compare it with the fixture.
 */
#ifndef __SANDRA_EMULATOR_REALTIME_AUDIO_H__
#define __SANDRA_EMULATOR_REALTIME_AUDIO_H__

#include "emulator-private.h"

G_BEGIN_DECLS

typedef enum
{
  EMU_AUDIO_PCM16,              /* S16LE mono 24 kHz */
  EMU_AUDIO_ULAW,               /* G.711 mu-law 8 kHz */
  EMU_AUDIO_ALAW                /* G.711 A-law 8 kHz */
} EmuAudioFormat;

guint emu_audio_format_rate (EmuAudioFormat format);
guint emu_audio_format_width (EmuAudioFormat format);

/* The fixture at @path (any container and codec GStreamer decodes),
 * converted to @format. Decoded once per path and format, then cached for
 * the emulator's lifetime. Runs in the emulator thread. */
GBytes *emu_audio_load (SandraEmulator * emu, const gchar * path,
    EmuAudioFormat format, GError ** error);

void emu_audio_cache_free (SandraEmulator * emu);

G_END_DECLS

#endif
