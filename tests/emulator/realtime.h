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
typedef struct _EmuRtConversation EmuRtConversation;

struct _EmuRtConn
{
  SandraEmulator *emu;
  SoupWebsocketConnection *ws;
  guint record;
  gboolean beta;                /* OpenAI-Beta: realtime=v1 */
  GList *timers;                /* EmuRtTimer *, pending */
  gboolean closing;
  /* Exactly one of these: a transcription session (?intent=transcription)
   * or a conversation (?model=...). */
  EmuRtTranscription *transcription;
  EmuRtConversation *conversation;
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

/* Copies each member of @from into @into, replacing whole values except
 * for the objects named in @nested, which merge member by member: "only
 * the fields present change", and null clears. */
void emu_rt_merge (JsonObject * into, JsonObject * from,
    const gchar * const *nested);

/* A deep copy of @obj. */
JsonObject *emu_rt_object_copy (JsonObject * obj);

/* The object member @name of @obj, or NULL (also for a NULL @obj). */
JsonObject *emu_rt_object_or_null (JsonObject * obj, const gchar * name);

/* The object member @name of a client event, which must be there: FALSE
 * (and @err) when it is missing or not an object. */
gboolean emu_rt_required_object (JsonObject * event, const gchar * name,
    JsonObject ** out, EmuApiError * err);

/* turn_detection as the service starts a session with: server_vad,
 * threshold 0.5, prefix_padding_ms 300, silence_duration_ms 500. */
JsonObject *emu_rt_default_turn_detection (void);

/* FALSE (and an unknown_parameter error) when @event has a member other
 * than type, event_id and @allowed. */
gboolean emu_rt_only_members (JsonObject * event, const gchar * const *allowed,
    EmuApiError * err);

/* ---- realtime-transcription.c ---- */
EmuRtTranscription *emu_rt_transcription_new (EmuRtConn * conn);
void emu_rt_transcription_free (EmuRtTranscription * tx);
/* Sends session.created. */
void emu_rt_transcription_start (EmuRtTranscription * tx);
/* Handles one validated-as-JSON client event. Returns FALSE (with @err)
 * when the event is invalid. */
gboolean emu_rt_transcription_handle (EmuRtTranscription * tx,
    const gchar * type, JsonObject * event, EmuApiError * err);

/* A conversation uses a transcription session as its input side: the
 * input buffer, the server VAD, commits, user items and their
 * transcripts. The conversation owns the session object (the input
 * members have the same names in both session kinds) and hears about
 * turns through these hooks. */
typedef struct
{
  /* Speech started at @audio_start_ms in item @item_id. */
  void (*speech_started) (gpointer owner, const gchar * item_id,
      guint64 audio_start_ms);
  /* The input buffer was committed as user item @item (not yet announced):
   * the owner announces it (conversation.item.added/created) and keeps it.
   * @by_vad tells a server VAD commit from the client's. */
  void (*committed) (gpointer owner, JsonObject * item, gboolean by_vad);
  /* The id of the item a new one follows (NULL: none). */
  const gchar *(*last_item_id) (gpointer owner);
  /* The transcript of user item @item_id is complete. */
  void (*transcribed) (gpointer owner, const gchar * item_id,
      const gchar * transcript);
} EmuRtInputHooks;

void emu_rt_transcription_set_owner (EmuRtTranscription * tx,
    const EmuRtInputHooks * hooks, gpointer owner);
/* Takes @session (a reference) as the session and applies its input
 * settings. */
void emu_rt_transcription_use_session (EmuRtTranscription * tx,
    JsonObject * session);
/* Handles input_audio_buffer.append / .commit / .clear; FALSE for other
 * types (err unset) or when the event is invalid (err set). */
gboolean emu_rt_transcription_handle_input (EmuRtTranscription * tx,
    const gchar * type, JsonObject * event, EmuApiError * err,
    gboolean * handled);
/* Bytes of input audio received so far. */
guint64 emu_rt_transcription_get_audio_bytes (EmuRtTranscription * tx);
/* Position of the input stream clock (audio_start_ms and friends). */
guint64 emu_rt_transcription_get_stream_ms (EmuRtTranscription * tx);
/* Commits the input buffer, even empty, as item @item_id, the way the
 * server VAD does when its idle timeout fires. */
void emu_rt_transcription_commit_idle (EmuRtTranscription * tx,
    const gchar * item_id);

/* ---- realtime-conversation.c ---- */
EmuRtConversation *emu_rt_conversation_new (EmuRtConn * conn,
    const gchar * model, JsonObject * initial_session);
void emu_rt_conversation_free (EmuRtConversation * conv);
/* Sends session.created. */
void emu_rt_conversation_start (EmuRtConversation * conv);
gboolean emu_rt_conversation_handle (EmuRtConversation * conv,
    const gchar * type, JsonObject * event, EmuApiError * err);
/* Its input side, a transcription session. */
EmuRtTranscription *emu_rt_conversation_get_input (EmuRtConversation * conv);
/* The default session of a conversation, in the GA or beta shape, as
 * session.created reports it (without id and expiry). */
JsonObject *emu_rt_conversation_default_session (gboolean beta,
    const gchar * model);

/* ---- realtime-secrets.c ---- */
void emu_rt_secrets_register (SandraEmulator * emu);
void emu_rt_secrets_free (SandraEmulator * emu);
/* Whether @key is a live ephemeral secret minted by this emulator; if so,
 * @session receives a new reference to the session it was minted with
 * (in its shape, @beta telling which). @expired is set for a known but
 * expired secret. */
gboolean emu_rt_secret_lookup (SandraEmulator * emu, const gchar * key,
    JsonObject ** session, gboolean * beta, gboolean * expired);

G_END_DECLS

#endif
