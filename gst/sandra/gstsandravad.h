/* gst-sandra: sandravad, voice activity detection
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_SANDRA_VAD_H__
#define __GST_SANDRA_VAD_H__

#include <gst/gst.h>
#include <gst/base/gstadapter.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

#include "dsp/sandra-vad-engine.h"
#include "dsp/sandra-vad-segmenter.h"

G_BEGIN_DECLS

#define GST_TYPE_SANDRA_VAD (gst_sandra_vad_get_type ())
G_DECLARE_FINAL_TYPE (GstSandraVad, gst_sandra_vad, GST, SANDRA_VAD,
    GstAudioFilter);

/* Values of the "mode" property: how readily the engine calls a frame
 * speech. */
typedef enum {
  GST_SANDRA_VAD_MODE_QUALITY,
  GST_SANDRA_VAD_MODE_LOW_BITRATE,
  GST_SANDRA_VAD_MODE_AGGRESSIVE,
  GST_SANDRA_VAD_MODE_VERY_AGGRESSIVE,
} GstSandraVadMode;

#define GST_TYPE_SANDRA_VAD_ENGINE (gst_sandra_vad_engine_get_type ())
GType gst_sandra_vad_engine_get_type (void);
#define GST_TYPE_SANDRA_VAD_MODE (gst_sandra_vad_mode_get_type ())
GType gst_sandra_vad_mode_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (sandravad);

G_END_DECLS

#endif
