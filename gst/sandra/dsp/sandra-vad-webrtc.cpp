/* gst-sandra: WebRTC voice activity detector, C interface
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An AudioProcessing instance with every component off except
 * voice_detection(): the only way 0.3 lets us reach WebRtcVad. The frame is
 * not modified by processing (nothing that alters audio is enabled), but we
 * process a copy anyway so the caller's data stays const.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-vad-webrtc.h"

#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>

struct _SandraVadWebrtc
{
  webrtc::AudioProcessing *apm;
  webrtc::AudioFrame frame;
  gint rate;
  gint mode;
  guint frame_size;
};

static gboolean
configure (SandraVadWebrtc * vad)
{
  webrtc::Config config;
  webrtc::ProcessingConfig pconfig = { {
          webrtc::StreamConfig (vad->rate, 1, false),
          webrtc::StreamConfig (vad->rate, 1, false),
          webrtc::StreamConfig (vad->rate, 1, false),
          webrtc::StreamConfig (vad->rate, 1, false),
  }
  };
  webrtc::VoiceDetection::Likelihood likelihood;

  /* The experimental AGC defaults to on in 0.3's Config; it is unused
   * without gain control, but say so explicitly. */
  config.Set < webrtc::ExperimentalAgc > (new webrtc::ExperimentalAgc (false));
  vad->apm = webrtc::AudioProcessing::Create (config);
  if (vad->apm == NULL)
    return FALSE;
  if (vad->apm->Initialize (pconfig) != webrtc::AudioProcessing::kNoError)
    return FALSE;

  /* The library maps likelihoods back onto WebRtcVad modes the same way. */
  switch (vad->mode) {
    case 0:
      likelihood = webrtc::VoiceDetection::kHighLikelihood;
      break;
    case 1:
      likelihood = webrtc::VoiceDetection::kModerateLikelihood;
      break;
    case 2:
      likelihood = webrtc::VoiceDetection::kLowLikelihood;
      break;
    default:
      likelihood = webrtc::VoiceDetection::kVeryLowLikelihood;
      break;
  }
  if (vad->apm->voice_detection ()->set_likelihood (likelihood) != 0 ||
      vad->apm->voice_detection ()->set_frame_size_ms (10) != 0 ||
      vad->apm->voice_detection ()->Enable (true) != 0)
    return FALSE;
  return TRUE;
}

SandraVadWebrtc *
sandra_vad_webrtc_new (gint rate, gint mode)
{
  SandraVadWebrtc *vad;

  if (rate != 8000 && rate != 16000 && rate != 32000 && rate != 48000)
    return NULL;

  vad = new SandraVadWebrtc ();
  vad->apm = NULL;
  vad->rate = rate;
  vad->mode = CLAMP (mode, 0, 3);
  vad->frame_size = rate / 100;
  if (!configure (vad)) {
    sandra_vad_webrtc_free (vad);
    return NULL;
  }
  return vad;
}

guint
sandra_vad_webrtc_frame_size (SandraVadWebrtc * vad)
{
  return vad->frame_size;
}

gint
sandra_vad_webrtc_process (SandraVadWebrtc * vad, const gint16 * frame)
{
  vad->frame.UpdateFrame (0, 0, frame, vad->frame_size, vad->rate,
      webrtc::AudioFrame::kNormalSpeech, webrtc::AudioFrame::kVadUnknown, 1);
  if (vad->apm->ProcessStream (&vad->frame) != webrtc::AudioProcessing::kNoError)
    return -1;
  return vad->apm->voice_detection ()->stream_has_voice ()? 1 : 0;
}

void
sandra_vad_webrtc_reset (SandraVadWebrtc * vad)
{
  /* Initialize() keeps the settings but drops the VAD's adaptive state. */
  vad->apm->Initialize ();
}

void
sandra_vad_webrtc_free (SandraVadWebrtc * vad)
{
  if (vad == NULL)
    return;
  delete vad->apm;
  delete vad;
}
