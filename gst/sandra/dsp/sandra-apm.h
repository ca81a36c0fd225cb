/* gst-sandra: a C interface to webrtc-audio-processing
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The element code speaks only this header. The C++ library behind it is an
 * implementation detail: today webrtc-audio-processing 0.3, later possibly
 * 1.x, selected inside sandra-apm.cpp without touching any caller. Hence an
 * opaque handle, plain C enums and a plain C configuration struct.
 *
 * Audio is interleaved signed 16-bit, processed in 10 ms frames
 * (sandra_apm_frame_size() frames per channel).
 */
#ifndef __SANDRA_APM_H__
#define __SANDRA_APM_H__

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _SandraApm SandraApm;

typedef enum {
  SANDRA_APM_SUPPRESSION_LOW = 0,
  SANDRA_APM_SUPPRESSION_MODERATE = 1,
  SANDRA_APM_SUPPRESSION_HIGH = 2
} SandraApmSuppressionLevel;

typedef enum {
  SANDRA_APM_NS_LOW = 0,
  SANDRA_APM_NS_MODERATE = 1,
  SANDRA_APM_NS_HIGH = 2,
  SANDRA_APM_NS_VERY_HIGH = 3
} SandraApmNoiseLevel;

typedef enum {
  SANDRA_APM_AGC_ADAPTIVE_DIGITAL = 0,
  SANDRA_APM_AGC_FIXED_DIGITAL = 1
} SandraApmGainMode;

typedef struct {
  int echo_cancel;              /* boolean */
  SandraApmSuppressionLevel suppression_level;
  int extended_filter;          /* boolean: longer adaptive filter */
  int delay_agnostic;           /* boolean: library's own delay search */
  int noise_suppression;        /* boolean */
  SandraApmNoiseLevel noise_level;
  int gain_control;             /* boolean */
  SandraApmGainMode gain_mode;
  int target_level_dbfs;        /* 0..31, the level is -target */
  int compression_gain_db;      /* 0..90 */
  int limiter;                  /* boolean */
  int high_pass_filter;         /* boolean */
  int metrics;                  /* boolean: compute echo figures (costs CPU) */
} SandraApmConfig;

typedef struct {
  /* echo-cancellation figures, in dB; valid only when has_metrics (which
   * needs config.metrics) */
  int has_metrics;
  double erle_db;               /* echo return loss enhancement, average */
  double erle_instant_db;
  double erl_db;                /* echo return loss (acoustic path), average */
  double a_nlp_db;              /* enhancement of the non-linear stage */
  /* the canceller's own view of the residual delay, ms; valid when has_delay
   * (only with delay_agnostic, whose search produces it) */
  int has_delay;
  int delay_median_ms;
  int delay_std_ms;
  double fraction_poor_delays;
  int echo_present;             /* boolean, last frame */
  int speech_probability_pct;   /* noise suppressor's voice estimate, -1 off */
} SandraApmStats;

/* Fills @config with the library's recommended defaults. */
void sandra_apm_config_init (SandraApmConfig * config);

/* Creates a processor for @rate (8000, 16000, 32000 or 48000) and
 * @channels (1 or 2) near-end audio and @far_channels (1 or 2) far-end
 * audio at the same rate. Returns NULL when the library refuses. */
SandraApm *sandra_apm_new (const SandraApmConfig * config, int rate,
    int channels, int far_channels);

void sandra_apm_free (SandraApm * apm);

/* Applies a new configuration; safe between frames. Returns 0 or a
 * negative library error code. */
int sandra_apm_configure (SandraApm * apm, const SandraApmConfig * config);

/* Forgets all adaptive state (filters, gains, noise estimate). */
int sandra_apm_reset (SandraApm * apm);

/* Frames per channel in one 10 ms block. */
int sandra_apm_frame_size (const SandraApm * apm);

/* Feeds one 10 ms far-end block (what the loudspeaker plays). */
int sandra_apm_analyze_far (SandraApm * apm, const int16_t * far);

/* Processes one 10 ms near-end block in place. @delay_ms is the time between
 * the far-end block passed to sandra_apm_analyze_far() and its echo showing
 * up in this near-end block. */
int sandra_apm_process_near (SandraApm * apm, int16_t * near, int delay_ms);

/* Reads the processor's figures; cheap enough to call every stats period. */
void sandra_apm_get_stats (SandraApm * apm, SandraApmStats * stats);

/* Human name of a negative return code. */
const char *sandra_apm_strerror (int code);

#ifdef __cplusplus
}
#endif

#endif /* __SANDRA_APM_H__ */
