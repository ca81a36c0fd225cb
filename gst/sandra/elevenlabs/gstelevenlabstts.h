/* gst-sandra: elevenlabstts, streaming speech synthesis with ElevenLabs
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_ELEVENLABS_TTS_H__
#define __GST_ELEVENLABS_TTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_ELEVENLABS_TTS (gst_elevenlabs_tts_get_type ())
G_DECLARE_FINAL_TYPE (GstElevenlabsTts, gst_elevenlabs_tts, GST,
    ELEVENLABS_TTS, GstElement)

/**
 * GstElevenlabsOverrun:
 * @GST_ELEVENLABS_OVERRUN_QUEUE: an utterance that is still speaking when
 *   the next one is due delays it (nothing is lost; delays add up)
 * @GST_ELEVENLABS_OVERRUN_CLIP: audio beyond the end of its text's slot
 *   (the text buffers' timestamp + duration) is cut
 * @GST_ELEVENLABS_OVERRUN_INTERRUPT: the next utterance starts on time and
 *   the rest of the late one is dropped
 */
typedef enum
{
  GST_ELEVENLABS_OVERRUN_QUEUE,
  GST_ELEVENLABS_OVERRUN_CLIP,
  GST_ELEVENLABS_OVERRUN_INTERRUPT,
} GstElevenlabsOverrun;

GType gst_elevenlabs_overrun_get_type (void);
#define GST_TYPE_ELEVENLABS_OVERRUN (gst_elevenlabs_overrun_get_type ())

GST_ELEMENT_REGISTER_DECLARE (elevenlabstts);

G_END_DECLS

#endif
