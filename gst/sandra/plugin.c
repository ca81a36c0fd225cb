/* gst-sandra: the voice stack of a hosted voice assistant, for GStreamer.
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Registration only: each element registers itself through
 * GST_ELEMENT_REGISTER_DEFINE in its own file.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>

GST_ELEMENT_REGISTER_DECLARE (openaistt);
GST_ELEMENT_REGISTER_DECLARE (sandravad);
GST_ELEMENT_REGISTER_DECLARE (sandraaec);
GST_ELEMENT_REGISTER_DECLARE (sandraechoprobe);
GST_ELEMENT_REGISTER_DECLARE (elevenlabstts);
GST_ELEMENT_REGISTER_DECLARE (openairealtime);

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = TRUE;

  /* element registrations, one per line: ret &= GST_ELEMENT_REGISTER (x, plugin); */
  ret &= GST_ELEMENT_REGISTER (openaistt, plugin);
  ret &= GST_ELEMENT_REGISTER (sandravad, plugin);
  ret &= GST_ELEMENT_REGISTER (sandraaec, plugin);
  ret &= GST_ELEMENT_REGISTER (sandraechoprobe, plugin);
  ret &= GST_ELEMENT_REGISTER (elevenlabstts, plugin);
  ret &= GST_ELEMENT_REGISTER (openairealtime, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, sandra,
    "Voice assistant stack: echo cancellation, voice activity detection, "
    "OpenAI speech to text and Realtime conversation, ElevenLabs speech "
    "synthesis", plugin_init, VERSION, "LGPL", GST_PACKAGE_NAME,
    GST_PACKAGE_ORIGIN)
