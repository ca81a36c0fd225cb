/* gst-sandra: echo cancellation, noise suppression and gain control
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_SANDRA_AEC_H__
#define __GST_SANDRA_AEC_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

G_BEGIN_DECLS

typedef enum
{
  GST_SANDRA_AEC_SUPPRESSION_LOW = 0,
  GST_SANDRA_AEC_SUPPRESSION_MODERATE = 1,
  GST_SANDRA_AEC_SUPPRESSION_HIGH = 2
} GstSandraAecSuppressionLevel;

typedef enum
{
  GST_SANDRA_AEC_NOISE_SUPPRESSION_LOW = 0,
  GST_SANDRA_AEC_NOISE_SUPPRESSION_MODERATE = 1,
  GST_SANDRA_AEC_NOISE_SUPPRESSION_HIGH = 2,
  GST_SANDRA_AEC_NOISE_SUPPRESSION_VERY_HIGH = 3
} GstSandraAecNoiseSuppressionLevel;

typedef enum
{
  GST_SANDRA_AEC_GAIN_CONTROL_ADAPTIVE_DIGITAL = 0,
  GST_SANDRA_AEC_GAIN_CONTROL_FIXED_DIGITAL = 1
} GstSandraAecGainControlMode;

#define GST_TYPE_SANDRA_AEC_SUPPRESSION_LEVEL \
  (gst_sandra_aec_suppression_level_get_type ())
GType gst_sandra_aec_suppression_level_get_type (void);
#define GST_TYPE_SANDRA_AEC_NOISE_SUPPRESSION_LEVEL \
  (gst_sandra_aec_noise_suppression_level_get_type ())
GType gst_sandra_aec_noise_suppression_level_get_type (void);
#define GST_TYPE_SANDRA_AEC_GAIN_CONTROL_MODE \
  (gst_sandra_aec_gain_control_mode_get_type ())
GType gst_sandra_aec_gain_control_mode_get_type (void);

#define GST_TYPE_SANDRA_AEC (gst_sandra_aec_get_type ())
G_DECLARE_FINAL_TYPE (GstSandraAec, gst_sandra_aec, GST, SANDRA_AEC,
    GstAudioFilter);

GST_ELEMENT_REGISTER_DECLARE (sandraaec);

G_END_DECLS

#endif /* __GST_SANDRA_AEC_H__ */
