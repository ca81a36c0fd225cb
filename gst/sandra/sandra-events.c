/* gst-sandra: events and messages shared between elements
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-events.h"

static const gchar *
boundary_to_string (SandraVadBoundary boundary)
{
  return boundary == SANDRA_VAD_SPEECH_START ? "speech-start" : "speech-stop";
}

GstStructure *
sandra_vad_info_to_structure (const SandraVadInfo * info)
{
  GstStructure *s;

  g_return_val_if_fail (info != NULL, NULL);

  s = gst_structure_new (SANDRA_VAD_STRUCTURE_NAME,
      "event", G_TYPE_STRING, boundary_to_string (info->boundary),
      "timestamp", G_TYPE_UINT64, (guint64) info->timestamp,
      "running-time", G_TYPE_UINT64, (guint64) info->running_time,
      "stream-time", G_TYPE_UINT64, (guint64) info->stream_time,
      "probability", G_TYPE_DOUBLE, info->probability, NULL);
  if (info->boundary == SANDRA_VAD_SPEECH_STOP)
    gst_structure_set (s, "duration", G_TYPE_UINT64, (guint64) info->duration,
        NULL);
  return s;
}

gboolean
sandra_vad_info_from_structure (const GstStructure * s, SandraVadInfo * info)
{
  const gchar *event;
  guint64 v;

  g_return_val_if_fail (info != NULL, FALSE);

  if (s == NULL || !gst_structure_has_name (s, SANDRA_VAD_STRUCTURE_NAME))
    return FALSE;
  event = gst_structure_get_string (s, "event");
  if (g_strcmp0 (event, "speech-start") == 0)
    info->boundary = SANDRA_VAD_SPEECH_START;
  else if (g_strcmp0 (event, "speech-stop") == 0)
    info->boundary = SANDRA_VAD_SPEECH_STOP;
  else
    return FALSE;

  info->timestamp = gst_structure_get_uint64 (s, "timestamp", &v) ? v :
      GST_CLOCK_TIME_NONE;
  info->running_time = gst_structure_get_uint64 (s, "running-time", &v) ? v :
      GST_CLOCK_TIME_NONE;
  info->stream_time = gst_structure_get_uint64 (s, "stream-time", &v) ? v :
      GST_CLOCK_TIME_NONE;
  info->duration = gst_structure_get_uint64 (s, "duration", &v) ? v :
      GST_CLOCK_TIME_NONE;
  if (!gst_structure_get_double (s, "probability", &info->probability))
    info->probability = 0.0;
  return TRUE;
}

GstEvent *
sandra_vad_event_new (const SandraVadInfo * info)
{
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      sandra_vad_info_to_structure (info));
}

gboolean
sandra_vad_event_parse (GstEvent * event, SandraVadInfo * info)
{
  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM)
    return FALSE;
  return sandra_vad_info_from_structure (gst_event_get_structure (event), info);
}

GstEvent *
sandra_end_of_sentence_event_new (const gchar * text, GstClockTime timestamp,
    GstClockTime duration)
{
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM,
      gst_structure_new (SANDRA_END_OF_SENTENCE_STRUCTURE_NAME,
          "text", G_TYPE_STRING, text ? text : "",
          "timestamp", G_TYPE_UINT64, (guint64) timestamp,
          "duration", G_TYPE_UINT64, (guint64) duration, NULL));
}

gboolean
sandra_end_of_sentence_event_parse (GstEvent * event, gchar ** text,
    GstClockTime * timestamp, GstClockTime * duration)
{
  const GstStructure *s;
  guint64 v;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM)
    return FALSE;
  s = gst_event_get_structure (event);
  if (s == NULL || !gst_structure_has_name (s,
          SANDRA_END_OF_SENTENCE_STRUCTURE_NAME))
    return FALSE;
  if (text)
    *text = g_strdup (gst_structure_get_string (s, "text"));
  if (timestamp)
    *timestamp = gst_structure_get_uint64 (s, "timestamp", &v) ? v :
        GST_CLOCK_TIME_NONE;
  if (duration)
    *duration = gst_structure_get_uint64 (s, "duration", &v) ? v :
        GST_CLOCK_TIME_NONE;
  return TRUE;
}
