/* gst-sandra: openaistt, speech to text through OpenAI
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_OPENAI_STT_H__
#define __GST_OPENAI_STT_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_OPENAI_STT (gst_openai_stt_get_type ())
G_DECLARE_FINAL_TYPE (GstOpenaiStt, gst_openai_stt, GST, OPENAI_STT, GstElement)

typedef enum
{
  GST_OPENAI_STT_MODE_HTTP,
  GST_OPENAI_STT_MODE_REALTIME,
} GstOpenaiSttMode;

GType gst_openai_stt_mode_get_type (void);
#define GST_TYPE_OPENAI_STT_MODE (gst_openai_stt_mode_get_type ())

GST_ELEMENT_REGISTER_DECLARE (openaistt);

G_END_DECLS

#endif
