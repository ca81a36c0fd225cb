/* gst-sandra: far-end reference for sandraaec
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __GST_SANDRA_ECHO_PROBE_H__
#define __GST_SANDRA_ECHO_PROBE_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_SANDRA_ECHO_PROBE (gst_sandra_echo_probe_get_type ())
G_DECLARE_FINAL_TYPE (GstSandraEchoProbe, gst_sandra_echo_probe, GST,
    SANDRA_ECHO_PROBE, GstAudioFilter);

GST_ELEMENT_REGISTER_DECLARE (sandraechoprobe);

/* One piece of what the loudspeaker plays. @play_time is the running time
 * at which its first sample leaves the sink (buffer running time plus the
 * playback pipeline's latency).
 *
 * A chunk without @buffer is a cut: the playback branch was flushed at
 * @play_time, and nothing handed over before for later than that was
 * played. */
typedef struct
{
  GstBuffer *buffer;
  GstAudioInfo info;
  GstClockTime play_time;
  GstClockTime duration;
  GstClockTime latency;         /* the latency included in play_time */
  gboolean discont;
} GstSandraEchoChunk;

void gst_sandra_echo_chunk_free (GstSandraEchoChunk * chunk);

/* Looks a probe up by name among the probes of this process that are at
 * least READY. With @name NULL or empty, returns the only such probe, or
 * NULL when there are none or several. Returns a new reference. */
GstSandraEchoProbe *gst_sandra_echo_probe_acquire (const gchar * name);

/* Number of registered probes, for diagnostics. */
guint gst_sandra_echo_probe_count (void);

/* A probe feeds one canceller. Returns FALSE (and attaches nothing) when
 * @reader is not the one already attached. */
gboolean gst_sandra_echo_probe_attach (GstSandraEchoProbe * probe,
    gpointer reader);
void gst_sandra_echo_probe_detach (GstSandraEchoProbe * probe,
    gpointer reader);

/* TRUE while the probe still holds its name (it left READY otherwise). */
gboolean gst_sandra_echo_probe_is_registered (GstSandraEchoProbe * probe);

/* Moves every queued chunk, oldest first, to the tail of @dest. Never
 * waits for the probe's streaming thread beyond a short lock. */
void gst_sandra_echo_probe_take_all (GstSandraEchoProbe * probe,
    GQueue * dest);

/* Chunks dropped because the canceller did not read them in time. */
guint64 gst_sandra_echo_probe_get_dropped (GstSandraEchoProbe * probe);

G_END_DECLS

#endif /* __GST_SANDRA_ECHO_PROBE_H__ */
