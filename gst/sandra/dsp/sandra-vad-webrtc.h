/* gst-sandra: WebRTC voice activity detector, C interface
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * webrtc-audio-processing 0.3 exposes its VAD only through the C++
 * AudioProcessing API; this header hides that behind plain C so that the
 * engine layer and the tests never see C++.
 */
#ifndef __SANDRA_VAD_WEBRTC_H__
#define __SANDRA_VAD_WEBRTC_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SandraVadWebrtc SandraVadWebrtc;

/* @mode: aggressiveness as in WebRtcVad's modes, 0 (quality: clips the
 * least speech) .. 3 (very aggressive: fewest false alarms); it selects the
 * VoiceDetection likelihood. @rate must be one of 8000, 16000, 32000, 48000.
 * Returns NULL if the library refuses them. */
SandraVadWebrtc *sandra_vad_webrtc_new (gint rate, gint mode);

/* Samples in the 10 ms frame that sandra_vad_webrtc_process() expects. */
guint sandra_vad_webrtc_frame_size (SandraVadWebrtc * vad);

/* Classifies one 10 ms frame of mono S16 audio: 1 voice, 0 no voice,
 * -1 on a library error. */
gint sandra_vad_webrtc_process (SandraVadWebrtc * vad, const gint16 * frame);

/* Forgets the history of the stream (noise estimates, hangover). */
void sandra_vad_webrtc_reset (SandraVadWebrtc * vad);

void sandra_vad_webrtc_free (SandraVadWebrtc * vad);

G_END_DECLS

#endif
