/* gst-sandra local API emulator: Realtime WebSocket connections
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The plumbing every Realtime session type shares: the authenticated
 * upgrade, event framing and ids, error events, recording, timers that die
 * with the connection. Session protocols (realtime-transcription.c, later
 * conversations) build on it.
 */
#ifndef __SANDRA_EMULATOR_REALTIME_H__
#define __SANDRA_EMULATOR_REALTIME_H__

#include "emulator-private.h"
#include "validate.h"

G_BEGIN_DECLS

typedef struct _EmuRtConn EmuRtConn;
typedef struct _EmuRtTranscription EmuRtTranscription;

struct _EmuRtConn
{
  SandraEmulator *emu;
  SoupWebsocketConnection *ws;
  guint record;
  gboolean beta;                /* OpenAI-Beta: realtime=v1 */
  GList *timers;                /* EmuRtTimer *, pending */
  gboolean closing;
  EmuRtTranscription *transcription;
};

/* Sends @event (transfer full), adding an event_id, and records it. */
void emu_rt_send (EmuRtConn * conn, JsonObject * event);

/* Sends an `error` event for @err, carrying the client's @event_id. */
void emu_rt_send_error (EmuRtConn * conn, const gchar * event_id,
    const EmuApiError * err);

/* Runs @func(@conn, @data) after @delay_ms, handing it @data; if the
 * connection closes first, @notify(@data) runs instead. */
typedef void (*EmuRtTimerFunc) (EmuRtConn * conn, gpointer data);
void emu_rt_schedule (EmuRtConn * conn, guint delay_ms, EmuRtTimerFunc func,
    gpointer data, GDestroyNotify notify);

/* Closes the WebSocket with @code and @reason. */
void emu_rt_close (EmuRtConn * conn, gushort code, const gchar * reason);

/* A fresh id such as "item_4f1c2a9b0d3e7f61". */
gchar *emu_rt_new_id (const gchar * prefix);

/* ---- realtime-transcription.c ---- */
EmuRtTranscription *emu_rt_transcription_new (EmuRtConn * conn);
void emu_rt_transcription_free (EmuRtTranscription * tx);
/* Sends session.created. */
void emu_rt_transcription_start (EmuRtTranscription * tx);
/* Handles one validated-as-JSON client event. Returns FALSE (with @err)
 * when the event is invalid. */
gboolean emu_rt_transcription_handle (EmuRtTranscription * tx,
    const gchar * type, JsonObject * event, EmuApiError * err);

G_END_DECLS

#endif
