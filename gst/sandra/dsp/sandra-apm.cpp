/* gst-sandra: a C interface to webrtc-audio-processing
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Backend: webrtc-audio-processing 0.3 (the AudioProcessing interface with
 * per-component objects). A 1.x backend would map the same SandraApmConfig
 * onto AudioProcessing::Config inside this file.
 */
#include "sandra-apm.h"

#include <string.h>
#include <new>

/* The library's headers are not warning-clean at this project's level. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include <webrtc/modules/audio_processing/include/audio_processing.h>
#include <webrtc/modules/interface/module_common_types.h>
#pragma GCC diagnostic pop

struct _SandraApm
{
  webrtc::AudioProcessing *ap;
  webrtc::AudioFrame near_frame;
  webrtc::AudioFrame far_frame;
  SandraApmConfig config;
  int rate;
  int channels;
  int far_channels;
  int frame_size;
  int last_echo;
};

extern "C" void
sandra_apm_config_init (SandraApmConfig * config)
{
  memset (config, 0, sizeof (*config));
  config->echo_cancel = 1;
  config->suppression_level = SANDRA_APM_SUPPRESSION_MODERATE;
  /* The long filter tolerates a few tens of ms of alignment error and
   * longer rooms; its cost is small on current machines. */
  config->extended_filter = 1;
  config->delay_agnostic = 0;
  config->noise_suppression = 1;
  config->noise_level = SANDRA_APM_NS_MODERATE;
  config->gain_control = 0;
  config->gain_mode = SANDRA_APM_AGC_ADAPTIVE_DIGITAL;
  config->target_level_dbfs = 3;
  config->compression_gain_db = 9;
  config->limiter = 1;
  config->high_pass_filter = 1;
  config->metrics = 1;
}

static webrtc::AudioProcessing::ChannelLayout
layout_for (int channels)
{
  return channels == 2 ? webrtc::AudioProcessing::kStereo :
      webrtc::AudioProcessing::kMono;
}

static int
apply_config (SandraApm * apm, const SandraApmConfig * c)
{
  webrtc::AudioProcessing *ap = apm->ap;
  webrtc::Config extra;
  int ret;

  /* Options that live in webrtc::Config apply at the next Initialize in
   * 0.3; SetExtraOptions forwards them to the canceller immediately. */
  extra.Set < webrtc::ExtendedFilter >
      (new webrtc::ExtendedFilter (c->extended_filter != 0));
  extra.Set < webrtc::DelayAgnostic >
      (new webrtc::DelayAgnostic (c->delay_agnostic != 0));
  /* The experimental (analog) AGC needs a hardware volume we do not own. */
  extra.Set < webrtc::ExperimentalAgc > (new webrtc::ExperimentalAgc (false));
  ap->SetExtraOptions (extra);

  webrtc::EchoCancellation * ec = ap->echo_cancellation ();
  if ((ret = ec->Enable (c->echo_cancel != 0)) != 0)
    return ret;
  if (c->echo_cancel) {
    ec->set_suppression_level ((webrtc::EchoCancellation::SuppressionLevel)
        c->suppression_level);
    ec->enable_drift_compensation (false);
    ec->enable_metrics (c->metrics != 0);
    /* The library's delay logging runs a second delay search on every
     * block; only worth its CPU when that search drives the canceller. */
    ec->enable_delay_logging (c->delay_agnostic != 0);
  }

  webrtc::NoiseSuppression * ns = ap->noise_suppression ();
  if ((ret = ns->Enable (c->noise_suppression != 0)) != 0)
    return ret;
  if (c->noise_suppression)
    ns->set_level ((webrtc::NoiseSuppression::Level) c->noise_level);

  webrtc::GainControl * gc = ap->gain_control ();
  if (c->gain_control) {
    gc->set_mode (c->gain_mode == SANDRA_APM_AGC_FIXED_DIGITAL ?
        webrtc::GainControl::kFixedDigital :
        webrtc::GainControl::kAdaptiveDigital);
    if ((ret = gc->set_target_level_dbfs (c->target_level_dbfs)) != 0)
      return ret;
    if ((ret = gc->set_compression_gain_db (c->compression_gain_db)) != 0)
      return ret;
    gc->enable_limiter (c->limiter != 0);
  }
  if ((ret = gc->Enable (c->gain_control != 0)) != 0)
    return ret;

  if ((ret = ap->high_pass_filter ()->Enable (c->high_pass_filter != 0)) != 0)
    return ret;

  apm->config = *c;
  return 0;
}

extern "C" SandraApm *
sandra_apm_new (const SandraApmConfig * config, int rate, int channels,
    int far_channels)
{
  SandraApm *apm;
  webrtc::Config cfg;

  if (rate != 8000 && rate != 16000 && rate != 32000 && rate != 48000)
    return NULL;
  if (channels < 1 || channels > 2 || far_channels < 1 || far_channels > 2)
    return NULL;

  apm = new (std::nothrow) SandraApm ();
  if (apm == NULL)
    return NULL;
  cfg.Set < webrtc::ExtendedFilter >
      (new webrtc::ExtendedFilter (config->extended_filter != 0));
  cfg.Set < webrtc::DelayAgnostic >
      (new webrtc::DelayAgnostic (config->delay_agnostic != 0));
  cfg.Set < webrtc::ExperimentalAgc > (new webrtc::ExperimentalAgc (false));
  apm->ap = webrtc::AudioProcessing::Create (cfg);
  if (apm->ap == NULL) {
    delete apm;
    return NULL;
  }
  apm->rate = rate;
  apm->channels = channels;
  apm->far_channels = far_channels;
  apm->frame_size = rate / 100;
  if (apm->ap->Initialize (rate, rate, rate, layout_for (channels),
          layout_for (channels), layout_for (far_channels)) != 0
      || apply_config (apm, config) != 0) {
    sandra_apm_free (apm);
    return NULL;
  }
  return apm;
}

extern "C" void
sandra_apm_free (SandraApm * apm)
{
  if (apm == NULL)
    return;
  delete apm->ap;
  delete apm;
}

extern "C" int
sandra_apm_configure (SandraApm * apm, const SandraApmConfig * config)
{
  return apply_config (apm, config);
}

extern "C" int
sandra_apm_reset (SandraApm * apm)
{
  int ret = apm->ap->Initialize ();

  apm->last_echo = 0;
  if (ret != 0)
    return ret;
  /* Initialize keeps component settings; re-apply to be explicit. */
  return apply_config (apm, &apm->config);
}

extern "C" int
sandra_apm_frame_size (const SandraApm * apm)
{
  return apm->frame_size;
}

static void
fill_frame (webrtc::AudioFrame * f, const int16_t * data, int frames,
    int rate, int channels)
{
  f->sample_rate_hz_ = rate;
  f->num_channels_ = channels;
  f->samples_per_channel_ = frames;
  memcpy (f->data_, data, sizeof (int16_t) * frames * channels);
}

extern "C" int
sandra_apm_analyze_far (SandraApm * apm, const int16_t * far)
{
  fill_frame (&apm->far_frame, far, apm->frame_size, apm->rate,
      apm->far_channels);
  /* Analyze, not Process: nothing renders the far end after us, so the
   * library need not write a processed copy back (saves two conversions
   * and a band synthesis per block). */
  return apm->ap->AnalyzeReverseStream (&apm->far_frame);
}

extern "C" int
sandra_apm_process_near (SandraApm * apm, int16_t * near, int delay_ms)
{
  webrtc::AudioProcessing * ap = apm->ap;
  int ret;

  fill_frame (&apm->near_frame, near, apm->frame_size, apm->rate,
      apm->channels);
  ap->set_stream_delay_ms (delay_ms);
  if (apm->config.gain_control)
    ap->gain_control ()->set_stream_analog_level (0);
  ret = ap->ProcessStream (&apm->near_frame);
  /* A stream parameter warning still produced output; pass it on. */
  if (ret != 0 && ret != webrtc::AudioProcessing::kBadStreamParameterWarning)
    return ret;
  memcpy (near, apm->near_frame.data_,
      sizeof (int16_t) * apm->frame_size * apm->channels);
  apm->last_echo = apm->config.echo_cancel ?
      ap->echo_cancellation ()->stream_has_echo () : 0;
  return 0;
}

extern "C" void
sandra_apm_get_stats (SandraApm * apm, SandraApmStats * s)
{
  webrtc::AudioProcessing * ap = apm->ap;
  webrtc::EchoCancellation * ec = ap->echo_cancellation ();

  memset (s, 0, sizeof (*s));
  s->speech_probability_pct = -1;
  if (apm->config.echo_cancel) {
    webrtc::EchoCancellation::Metrics m;
    int median, std;
    float poor;

    if (apm->config.metrics && ec->GetMetrics (&m) == 0) {
      s->has_metrics = 1;
      s->erle_db = m.echo_return_loss_enhancement.average;
      s->erle_instant_db = m.echo_return_loss_enhancement.instant;
      s->erl_db = m.echo_return_loss.average;
      s->a_nlp_db = m.a_nlp.average;
    }
    if (ec->GetDelayMetrics (&median, &std, &poor) == 0 && median >= 0) {
      s->has_delay = 1;
      s->delay_median_ms = median;
      s->delay_std_ms = std;
      s->fraction_poor_delays = poor;
    }
    s->echo_present = apm->last_echo;
  }
  if (apm->config.noise_suppression)
    s->speech_probability_pct =
        (int) (ap->noise_suppression ()->speech_probability () * 100.0f);
}

extern "C" const char *
sandra_apm_strerror (int code)
{
  switch (code) {
    case webrtc::AudioProcessing::kNoError:
      return "no error";
    case webrtc::AudioProcessing::kBadParameterError:
      return "bad parameter";
    case webrtc::AudioProcessing::kBadSampleRateError:
      return "unsupported sample rate";
    case webrtc::AudioProcessing::kBadDataLengthError:
      return "bad frame length";
    case webrtc::AudioProcessing::kBadNumberChannelsError:
      return "unsupported channel count";
    case webrtc::AudioProcessing::kStreamParameterNotSetError:
      return "stream parameter not set";
    case webrtc::AudioProcessing::kNotEnabledError:
      return "component not enabled";
    case webrtc::AudioProcessing::kBadStreamParameterWarning:
      return "stream parameter out of range";
    default:
      return "processing error";
  }
}
