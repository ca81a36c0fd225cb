/* gst-sandra: openairealtime, spoken conversation over the OpenAI Realtime API
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_OPENAI_REALTIME_H__
#define __GST_OPENAI_REALTIME_H__

#include <gst/gst.h>

G_BEGIN_DECLS
#define GST_TYPE_OPENAI_REALTIME (gst_openai_realtime_get_type ())
G_DECLARE_FINAL_TYPE (GstOpenaiRealtime, gst_openai_realtime, GST,
    OPENAI_REALTIME, GstElement)
GST_ELEMENT_REGISTER_DECLARE (openairealtime);

G_END_DECLS
#endif
