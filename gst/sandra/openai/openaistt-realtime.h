/* gst-sandra: openaistt's Realtime transcription session
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * mode=realtime: audio is appended continuously to a Realtime
 * transcription session over a WebSocket. Turns are cut by the server's
 * VAD or, with turn detection off, by the element's commits (on upstream
 * sandravad events or every max-segment-ms). Partial and final text come
 * back through the same callbacks as the HTTP client, in commit order.
 *
 * While the socket reconnects, captured audio is held (at most
 * OPENAI_STT_REALTIME_HOLD_MS, the oldest is dropped beyond that and a
 * warning says how much) and sent once the new session is configured;
 * what the socket had queued but not written when it dropped is taken
 * back and held first, so the new session's clock stays aligned.
 * Turns the old session had not finished transcribing are reported lost,
 * and so is a turn without a transcript after the configured timeout.
 */
#ifndef __OPENAI_STT_REALTIME_H__
#define __OPENAI_STT_REALTIME_H__

#include "openaistt-request.h"

G_BEGIN_DECLS

#define OPENAI_STT_REALTIME_HOLD_MS 10000

typedef struct _OpenaiSttRealtime OpenaiSttRealtime;

/* Takes @cfg and starts connecting. */
OpenaiSttRealtime *openai_stt_realtime_new (GstElement * element,
    OpenaiSttConfig * cfg, const OpenaiSttClientCallbacks * callbacks,
    gpointer user_data);
void openai_stt_realtime_free (OpenaiSttRealtime * rt);

/* Streaming thread: S16 mono at @rate, first sample at @pts. */
void openai_stt_realtime_push (OpenaiSttRealtime * rt, GstClockTime pts,
    const gint16 * samples, gsize n_samples, gint rate);

/* Streaming thread, turn detection off: ends the current turn, whose
 * audio spans @pts .. @pts + @duration. */
void openai_stt_realtime_commit (OpenaiSttRealtime * rt, GstClockTime pts,
    GstClockTime duration);

/* Streaming thread: a serialized event (takes it). It is handed to the
 * `event` callback once every commit the element made before it has been
 * answered (the server's own VAD commits do not count), so it keeps its
 * place among the transcripts; this never blocks. EOS and
 * SEGMENT first commit the audio the server has not cut into a turn yet.
 * A commit left unanswered for the configured timeout no longer holds
 * events back. */
void openai_stt_realtime_push_event (OpenaiSttRealtime * rt, GstEvent * event);

/* Streaming thread, turn detection off: the audio sent since the last
 * commit is not to be transcribed (a segment superseded by a replay). */
void openai_stt_realtime_discard_uncommitted (OpenaiSttRealtime * rt);

/* Flush start (any thread): clears the server's input buffer, forgets
 * pending turns and held-back events. */
void openai_stt_realtime_cancel_all (OpenaiSttRealtime * rt);

/* Flush stop (streaming thread): forgets partial audio kept by the
 * streaming side. */
void openai_stt_realtime_flush_stop (OpenaiSttRealtime * rt);

gboolean openai_stt_realtime_has_failed (OpenaiSttRealtime * rt);

/* Applies to the next session.update (sent at once when connected). */
void openai_stt_realtime_update_session (OpenaiSttRealtime * rt,
    const gchar * model, const gchar * language, const gchar * prompt);

G_END_DECLS

#endif
