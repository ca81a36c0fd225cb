/* gst-sandra: what the listener has heard of the assistant's audio
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Barge-in needs one number: how much of the playing assistant item the
 * user actually heard, so that conversation.item.truncate removes exactly
 * the rest from the model's memory. The tracker follows the audio item
 * being played: bytes received from the service, the running time of its
 * first sample as pushed downstream and the end of what was pushed. At
 * barge-in time it turns the pipeline clock into milliseconds heard:
 *
 *   heard = now - first_sample_running_time - downstream_latency
 *
 * since a sink renders a buffer at its running time plus the pipeline
 * latency; gaps between contiguously stamped runs (underruns) count for
 * nothing, and the result never exceeds what was pushed (nor received).
 *
 * It also remembers which responses were cancelled, so that the deltas the
 * service had already sent for them are dropped instead of played.
 *
 * Plain data, no locking: the element serialises calls.
 */
#ifndef __SANDRA_REALTIME_PLAYOUT_H__
#define __SANDRA_REALTIME_PLAYOUT_H__

#include <gst/gst.h>

G_BEGIN_DECLS typedef struct _SandraRealtimePlayout SandraRealtimePlayout;

/* @bytes_per_second of the output format: 48000 for pcm16 at 24 kHz,
 * 8000 for G.711. */
SandraRealtimePlayout *sandra_realtime_playout_new (guint bytes_per_second);
void sandra_realtime_playout_free (SandraRealtimePlayout * playout);

void sandra_realtime_playout_set_bytes_per_second (SandraRealtimePlayout *
    playout, guint bytes_per_second);

/* An audio delta of @size bytes for @item_id of @response_id arrived.
 * Returns FALSE when the response was cancelled: drop the delta. A new
 * @item_id replaces the tracked item. */
gboolean sandra_realtime_playout_delta (SandraRealtimePlayout * playout,
    const gchar * response_id, const gchar * item_id, gsize size);

/* The service finished sending audio for @item_id. */
void sandra_realtime_playout_audio_done (SandraRealtimePlayout * playout,
    const gchar * item_id);

/* A buffer of @size bytes of @item_id was pushed downstream, stamped at
 * running time @running_time for @duration. Buffers of other items are
 * ignored. */
void sandra_realtime_playout_pushed (SandraRealtimePlayout * playout,
    const gchar * item_id, GstClockTime running_time, GstClockTime duration,
    gsize size);

/**
 * sandra_realtime_playout_heard:
 * @now: running time of the pipeline clock now, or GST_CLOCK_TIME_NONE when
 *   there is no clock (then everything pushed counts as heard)
 * @latency: downstream latency (the pipeline latency), or 0
 * @item_id: (out) (transfer full) (optional): the item that was playing
 * @response_id: (out) (transfer full) (optional): its response
 * @audio_end_ms: (out) (optional): milliseconds heard
 *
 * Returns: TRUE when assistant audio is audible or still to come, i.e. a
 * barge-in must truncate. FALSE when there is no item, or the item's audio
 * is complete, all of it was pushed and it has finished playing.
 */
gboolean sandra_realtime_playout_heard (SandraRealtimePlayout * playout,
    GstClockTime now, GstClockTime latency, gchar ** item_id,
    gchar ** response_id, guint64 * audio_end_ms);

/* Milliseconds of audio received for the tracked item. */
guint64 sandra_realtime_playout_received_ms (SandraRealtimePlayout * playout);

/* Forgets the tracked item (after a barge-in or a flush). */
void sandra_realtime_playout_clear_item (SandraRealtimePlayout * playout);

/* Drop every later delta of @response_id. The last few cancelled ids are
 * remembered; ids are unique so older ones never come back. */
void sandra_realtime_playout_cancel_response (SandraRealtimePlayout *
    playout, const gchar * response_id);
gboolean sandra_realtime_playout_is_cancelled (SandraRealtimePlayout *
    playout, const gchar * response_id);

/* Forgets everything (new session). */
void sandra_realtime_playout_reset (SandraRealtimePlayout * playout);

G_END_DECLS
#endif /* __SANDRA_REALTIME_PLAYOUT_H__ */
