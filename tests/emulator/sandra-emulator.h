/* gst-sandra local API emulator: public API
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A SoupServer that speaks the documented OpenAI transcription and Realtime
 * transcription protocols from a JSON scenario, validates what clients send
 * and records it. It runs in its own thread with its own GMainContext, so a
 * test can block on a pipeline (or on a synchronous client) while the
 * emulator answers. See docs/emulator.md for the scenario schema.
 *
 * All functions are thread-safe and may be called from any thread.
 */
#ifndef __SANDRA_EMULATOR_H__
#define __SANDRA_EMULATOR_H__

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _SandraEmulator SandraEmulator;

#define SANDRA_EMULATOR_ERROR (sandra_emulator_error_quark ())
GQuark sandra_emulator_error_quark (void);

typedef enum
{
  SANDRA_EMULATOR_ERROR_SCENARIO,       /* the scenario is not valid */
  SANDRA_EMULATOR_ERROR_START           /* the server could not listen */
} SandraEmulatorError;

/* Parses @scenario_json (a JSON object, or NULL/"" for the built-in default
 * scenario: any non-empty key accepted, one canned transcript). */
SandraEmulator *sandra_emulator_new (const gchar * scenario_json,
    GError ** error);

/* Same, reading the scenario from a file. */
SandraEmulator *sandra_emulator_new_from_file (const gchar * path,
    GError ** error);

/* Listens on 127.0.0.1:@port (0 picks a free port) and serves from the
 * emulator's own thread until sandra_emulator_free(). */
gboolean sandra_emulator_start (SandraEmulator * emu, guint port,
    GError ** error);

/* Like sandra_emulator_start() but on @host (an IP address literal). */
gboolean sandra_emulator_start_on (SandraEmulator * emu, const gchar * host,
    guint port, GError ** error);

/* Stops the server (closing every connection) and frees everything. */
void sandra_emulator_free (SandraEmulator * emu);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SandraEmulator, sandra_emulator_free);

guint sandra_emulator_get_port (SandraEmulator * emu);

/* "http://127.0.0.1:PORT/v1": what a client's base-url property (or
 * OPENAI_BASE_URL) takes. Valid until sandra_emulator_free(). */
const gchar *sandra_emulator_get_base_url (SandraEmulator * emu);

/* Replaces the scenario (and restarts its reply queues and rate-limit
 * counters). Connections already open keep running with the new scenario. */
gboolean sandra_emulator_set_scenario (SandraEmulator * emu,
    const gchar * scenario_json, GError ** error);

/* Forgets every recorded request and restarts the scenario's queues. */
void sandra_emulator_reset (SandraEmulator * emu);

/* When TRUE, logs one line per request and WebSocket event (keys redacted)
 * with g_message(). */
void sandra_emulator_set_verbose (SandraEmulator * emu, gboolean verbose);

/* ---- What the emulator received ----
 *
 * Every request (HTTP or WebSocket upgrade) is one JSON object, in arrival
 * order:
 *   {"index":0,"method":"POST","path":"/v1/audio/transcriptions",
 *    "query":{...},"headers":{"authorization":"Bearer REDACTED",...},
 *    "auth":{"present":true,"valid":true,"key_index":0,"key_id":"ci"},
 *    "status":200,"form":{"model":"whisper-1",...},
 *    "files":[{"field":"file","filename":"a.wav","content_type":"audio/wav",
 *              "size":1234}],
 *    "websocket":true, "events":[...client events...],
 *    "server_events":[...events the emulator sent...]}
 * File bytes are not in the JSON (see sandra_emulator_dup_file()); the
 * debug endpoint adds them as "data_base64". */

/* A deep copy of every record. Free with json_array_unref(). */
JsonArray *sandra_emulator_dup_requests (SandraEmulator * emu);

/* Records are addressed by their "index": 0 for the first request, counting
 * on across sandra_emulator_reset() (so the first request after a reset
 * that dropped 3 records is 3). */

/* A deep copy of record @index, or NULL. Free with json_object_unref(). */
JsonObject *sandra_emulator_dup_request (SandraEmulator * emu, guint index);

/* Number of requests received on @path (NULL: all paths), including
 * rejected ones. */
guint sandra_emulator_count_requests (SandraEmulator * emu,
    const gchar * path);

/* Value of multipart form field @name in the last request to @path (NULL:
 * any path), or NULL. Repeated fields (include[]) come back comma-joined.
 * Free with g_free(). */
gchar *sandra_emulator_dup_last_form_field (SandraEmulator * emu,
    const gchar * path, const gchar * name);

/* The bytes of the first uploaded file of record @index, or NULL. The
 * filename and content type are returned when the out pointers are set. */
GBytes *sandra_emulator_dup_file (SandraEmulator * emu, guint index,
    gchar ** filename, gchar ** content_type);

/* Every client WebSocket event of @type (NULL: all), over all sessions, in
 * arrival order. Free with json_array_unref(). */
JsonArray *sandra_emulator_dup_ws_events (SandraEmulator * emu,
    const gchar * type);

/* Same for the events the emulator sent to clients. */
JsonArray *sandra_emulator_dup_ws_server_events (SandraEmulator * emu,
    const gchar * type);

/* Blocks until at least @count client WebSocket events of @type (NULL: any)
 * have been received or @timeout_ms elapsed. Returns whether the count was
 * reached. The timeout is a safety net for tests that wait on a pipeline,
 * not a performance threshold. */
gboolean sandra_emulator_wait_ws_events (SandraEmulator * emu,
    const gchar * type, guint count, guint timeout_ms);

/* Same as sandra_emulator_wait_ws_events() for server events. */
gboolean sandra_emulator_wait_ws_server_events (SandraEmulator * emu,
    const gchar * type, guint count, guint timeout_ms);

/* ---- Per Realtime session ----
 * A session is addressed by the index of its upgrade's record. */

/* The record index of the last accepted WebSocket session (status 101),
 * or -1. */
gint sandra_emulator_get_last_ws_session (SandraEmulator * emu);

/* The client events (@server FALSE) or server events (@server TRUE) of
 * @type (NULL: all) in session @index. Free with json_array_unref(). */
JsonArray *sandra_emulator_dup_session_events (SandraEmulator * emu,
    guint index, const gchar * type, gboolean server);

/* The conversation of session @index as the emulator holds it now (items
 * in order, after creates, deletes and truncations), e.g. to check that a
 * reconnecting client replayed its context. Empty for transcription
 * sessions. Free with json_array_unref(). */
JsonArray *sandra_emulator_dup_conversation (SandraEmulator * emu,
    guint index);

/* Bytes of input audio (decoded from input_audio_buffer.append) received
 * in session @index. */
guint64 sandra_emulator_get_audio_bytes_received (SandraEmulator * emu,
    guint index);

/* Blocks until at least @count requests to @path (NULL: any) were recorded
 * or @timeout_ms elapsed. */
gboolean sandra_emulator_wait_requests (SandraEmulator * emu,
    const gchar * path, guint count, guint timeout_ms);

G_END_DECLS

#endif /* __SANDRA_EMULATOR_H__ */
