/* gst-sandra: microphone audio kept until the service has committed it
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A Realtime session keeps the user's uncommitted audio in its input
 * buffer; when the socket drops or the session expires, that buffer is gone
 * with it, and audio captured while reconnecting has nowhere to go. The
 * capture buffer keeps both, bounded:
 *
 * - every captured byte is appended here first, then taken out in chunks
 *   for input_audio_buffer.append while the session is open ("sent");
 * - sent bytes stay until the service commits them (speech_stopped /
 *   committed, or the client's own commit), so a new session after a drop
 *   receives the user's unfinished turn again;
 * - when the bound is exceeded the oldest bytes go: already sent ones are
 *   only a resend reserve (usually silence the server VAD never committed),
 *   but unsent ones are lost, and the caller is told how many, to report.
 *
 * Offsets are absolute byte counts since the buffer was created, so
 * positions the service reports relative to a session (audio_end_ms) can be
 * mapped with the session's start offset.
 *
 * Not thread-safe; the element holds its lock around calls.
 */
#ifndef __SANDRA_REALTIME_CAPTURE_H__
#define __SANDRA_REALTIME_CAPTURE_H__

#include <glib.h>

G_BEGIN_DECLS typedef struct _SandraRealtimeCapture SandraRealtimeCapture;

/* Keeps at most @max_bytes. */
SandraRealtimeCapture *sandra_realtime_capture_new (gsize max_bytes);
void sandra_realtime_capture_free (SandraRealtimeCapture * capture);

void sandra_realtime_capture_set_max_bytes (SandraRealtimeCapture * capture,
    gsize max_bytes);

/* Appends @size bytes. Returns how many bytes that were never sent had to
 * be dropped to stay within the bound (0 normally). */
gsize sandra_realtime_capture_push (SandraRealtimeCapture * capture,
    gconstpointer data, gsize size);

/* The next unsent bytes, at most @max_bytes (a multiple of @align), now
 * counted as sent; NULL when nothing is waiting. */
GBytes *sandra_realtime_capture_take (SandraRealtimeCapture * capture,
    gsize max_bytes, gsize align);

/* Bytes waiting to be sent. */
gsize sandra_realtime_capture_unsent (SandraRealtimeCapture * capture);
/* Bytes kept, sent or not. */
gsize sandra_realtime_capture_size (SandraRealtimeCapture * capture);

/* Absolute offset of the oldest byte kept, and of the next byte to send. */
guint64 sandra_realtime_capture_head_offset (SandraRealtimeCapture * capture);
guint64 sandra_realtime_capture_sent_offset (SandraRealtimeCapture * capture);

/* The service committed everything before absolute @offset: forget it.
 * Offsets beyond what was sent are clamped to the sent offset. */
void sandra_realtime_capture_commit (SandraRealtimeCapture * capture,
    guint64 offset);

/* A new session: everything kept is unsent again, to be replayed from the
 * head. Returns the head offset (the new session's byte 0). */
guint64 sandra_realtime_capture_rewind (SandraRealtimeCapture * capture);

/* Drops everything (flush). */
void sandra_realtime_capture_clear (SandraRealtimeCapture * capture);

G_END_DECLS
#endif /* __SANDRA_REALTIME_CAPTURE_H__ */
