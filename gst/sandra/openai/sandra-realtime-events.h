/* gst-sandra: OpenAI Realtime client event builders and server event parser
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __SANDRA_REALTIME_EVENTS_H__
#define __SANDRA_REALTIME_EVENTS_H__

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "sandra-realtime-session.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------------
 * Client events
 *
 * Every builder returns newly allocated JSON text for one WebSocket text
 * frame (free with g_free). @event_id is optional (NULL); when given (up to
 * 512 characters) the service echoes it in an `error` about that event, so
 * elements use it to tell which request failed. Session updates are built
 * by sandra_realtime_session_build_update().
 * ------------------------------------------------------------------------ */

/* Longest event_id the service accepts. */
#define SANDRA_REALTIME_MAX_EVENT_ID 512

/* `input_audio_buffer.append`: @audio in the session's input format (for
 * pcm16: S16LE mono 24 kHz), base64-encoded here. Send 20..100 ms per event;
 * the service caps one event at 15 MiB. */
gchar *sandra_realtime_event_input_audio_append (gconstpointer audio,
    gsize size, const gchar * event_id);

/* `input_audio_buffer.commit` (turn detection off: ends the user turn;
 * an empty buffer is answered by an input_audio_buffer_commit_empty error). */
gchar *sandra_realtime_event_input_audio_commit (const gchar * event_id);

/* `input_audio_buffer.clear`. */
gchar *sandra_realtime_event_input_audio_clear (const gchar * event_id);

/* `conversation.item.create` with a user message of one input_text part.
 * @previous_item_id: insert after this item ("root": at the start); NULL
 * appends. */
gchar *sandra_realtime_event_user_text (const gchar * text,
    const gchar * previous_item_id, const gchar * event_id);

/* `conversation.item.create` with a function_call_output item answering
 * @call_id; follow it with response.create so the model uses the result. */
gchar *sandra_realtime_event_function_call_output (const gchar * call_id,
    const gchar * output, const gchar * previous_item_id,
    const gchar * event_id);

/* `conversation.item.truncate`: drops the assistant audio the user did not
 * hear. @audio_end_ms is what was actually played (pcm16: bytes / 48), never
 * more than was received. */
gchar *sandra_realtime_event_item_truncate (const gchar * item_id,
    guint content_index, guint64 audio_end_ms, const gchar * event_id);

/* `conversation.item.delete`. */
gchar *sandra_realtime_event_item_delete (const gchar * item_id,
    const gchar * event_id);

/**
 * SandraRealtimeResponseOptions:
 * @set_modality: override the session's output modality with @modality
 * @modality: audio or text for this response only
 * @instructions: (nullable): instructions for this response only
 * @conversation: (nullable): "auto" (default conversation) or "none"
 *   (out-of-band response that does not touch the conversation)
 * @metadata_json: (nullable): JSON object echoed in the response events
 * @input_json: (nullable): JSON array of items the response sees instead
 *   of the conversation (usually with conversation "none")
 * @tools_json: (nullable): JSON array of tools for this response only
 *
 * Optional overrides of one `response.create`. All members are borrowed.
 */
typedef struct
{
  gboolean set_modality;
  SandraRealtimeModality modality;
  const gchar *instructions;
  const gchar *conversation;
  const gchar *metadata_json;
  const gchar *input_json;
  const gchar *tools_json;
} SandraRealtimeResponseOptions;

/* `response.create`, in @api's shape (GA `output_modalities`, beta
 * `modalities`). @opts may be NULL for a plain request. Fails only on
 * invalid JSON in @opts. */
gchar *sandra_realtime_event_response_create (const
    SandraRealtimeResponseOptions * opts, SandraRealtimeApi api,
    const gchar * event_id, GError ** error);

/* `response.cancel`; @response_id NULL cancels the active response. */
gchar *sandra_realtime_event_response_cancel (const gchar * response_id,
    const gchar * event_id);

/* ------------------------------------------------------------------------
 * Server events
 * ------------------------------------------------------------------------ */

/**
 * SandraRealtimeServerEventType:
 *
 * Server events by their GA names. Beta names map to the same values:
 * response.audio.* = OUTPUT_AUDIO_*, response.audio_transcript.* =
 * OUTPUT_AUDIO_TRANSCRIPT_*, response.text.* = OUTPUT_TEXT_*,
 * transcription_session.created/updated = SESSION_CREATED/UPDATED.
 * UNKNOWN is any other type; elements ignore it (the service adds events
 * without notice).
 */
typedef enum
{
  SANDRA_REALTIME_SERVER_EVENT_UNKNOWN = 0,
  SANDRA_REALTIME_SERVER_EVENT_ERROR,
  SANDRA_REALTIME_SERVER_EVENT_SESSION_CREATED,
  SANDRA_REALTIME_SERVER_EVENT_SESSION_UPDATED,
  SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_CREATED,
  SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STARTED,
  SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STOPPED,
  SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_COMMITTED,
  SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_CLEARED,
  SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_TIMEOUT_TRIGGERED,
  SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_ADDED,
  SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_DONE,
  SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_CREATED,
  SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_RETRIEVED,
  SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_TRUNCATED,
  SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_DELETED,
  SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_DELTA,
  SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_COMPLETED,
  SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_FAILED,
  SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_SEGMENT,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CREATED,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_DONE,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_ITEM_ADDED,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_ITEM_DONE,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CONTENT_PART_ADDED,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CONTENT_PART_DONE,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DELTA,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DONE,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DELTA,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DONE,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA,
  SANDRA_REALTIME_SERVER_EVENT_RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE,
  SANDRA_REALTIME_SERVER_EVENT_RATE_LIMITS_UPDATED,
  SANDRA_REALTIME_SERVER_EVENT_OUTPUT_AUDIO_BUFFER_STARTED,
  SANDRA_REALTIME_SERVER_EVENT_OUTPUT_AUDIO_BUFFER_STOPPED,
  SANDRA_REALTIME_SERVER_EVENT_OUTPUT_AUDIO_BUFFER_CLEARED,
} SandraRealtimeServerEventType;

/* Maps a wire type (GA or beta name) to its value; UNKNOWN otherwise. */
SandraRealtimeServerEventType sandra_realtime_server_event_type_from_string
    (const gchar * type);

/* The GA wire name of @type ("unknown" for UNKNOWN). */
const gchar *sandra_realtime_server_event_type_to_string
    (SandraRealtimeServerEventType type);

typedef enum
{
  SANDRA_REALTIME_RESPONSE_STATUS_NONE = 0,     /* not given */
  SANDRA_REALTIME_RESPONSE_STATUS_IN_PROGRESS,
  SANDRA_REALTIME_RESPONSE_STATUS_COMPLETED,
  SANDRA_REALTIME_RESPONSE_STATUS_CANCELLED,
  SANDRA_REALTIME_RESPONSE_STATUS_FAILED,
  SANDRA_REALTIME_RESPONSE_STATUS_INCOMPLETE,
  SANDRA_REALTIME_RESPONSE_STATUS_OTHER,        /* a status added later */
} SandraRealtimeResponseStatus;

/* Token counts (response.done; transcription completed with usage type
 * "tokens") or seconds billed (transcription usage type "duration").
 * Members not given are -1. */
typedef struct
{
  gint64 input_tokens;
  gint64 output_tokens;
  gint64 total_tokens;
  gint64 input_audio_tokens;
  gint64 output_audio_tokens;
  gdouble seconds;
} SandraRealtimeUsage;

typedef struct
{
  gchar *name;                  /* "requests", "tokens", ... */
  gint64 limit;
  gint64 remaining;
  gdouble reset_seconds;
} SandraRealtimeRateLimit;

/**
 * SandraRealtimeServerEvent:
 * @type: the event
 * @type_name: the wire type as received (beta or GA spelling)
 * @event_id: the server's id of this event
 * @item_id: the item concerned (top level `item_id`, or the `id` of the
 *   `item` of item events)
 * @previous_item_id: where an item was inserted or committed
 * @response_id: the response concerned (`response_id`, or `response.id`)
 * @output_index: index in the response output, -1 if absent
 * @content_index: index in the item content, -1 if absent
 * @audio_start_ms: speech_started / timeout_triggered, -1 if absent
 * @audio_end_ms: speech_stopped / truncated / timeout_triggered, -1 if
 *   absent
 * @delta: incremental text of transcript, text, input transcription and
 *   function-call-argument deltas
 * @text: final text: `transcript` of transcript and input transcription
 *   events, `text` of text done events
 * @audio: decoded audio of output audio deltas (the session's output
 *   format), %NULL otherwise
 * @item_type: "message", "function_call", "function_call_output", ...
 * @item_role: "user", "assistant", "system"
 * @item_status: "in_progress", "completed", "incomplete"
 * @call_id: function call id (arguments events, function_call items)
 * @name: function name
 * @arguments: complete function arguments (JSON text)
 * @status: response status (response.created / response.done)
 * @status_reason: `status_details.reason` ("turn_detected",
 *   "client_cancelled", "max_output_tokens", "content_filter", ...)
 * @has_usage: @usage was present
 * @usage: usage of response.done or transcription completed
 * @error_type: `error.type` of error events, transcription failures, or a
 *   failed response's `status_details.error`
 * @error_code: `error.code`
 * @error_message: `error.message`
 * @error_param: `error.param`
 * @error_event_id: `error.event_id`: the client event that caused it
 * @rate_limits: (element-type SandraRealtimeRateLimit): rate_limits.updated
 *   entries, %NULL for other events
 * @session_id: `session.id` of session events
 * @model: `session.model` of session events
 * @object: the whole event, for what is not extracted above
 *
 * One parsed server event. Fields absent from the event, or present with a
 * type other than the documented one, are %NULL / -1: the parser never
 * fails on content, only on an envelope that is not a typed JSON object.
 */
typedef struct
{
  SandraRealtimeServerEventType type;
  gchar *type_name;
  gchar *event_id;
  gchar *item_id;
  gchar *previous_item_id;
  gchar *response_id;
  gint output_index;
  gint content_index;
  gint64 audio_start_ms;
  gint64 audio_end_ms;
  gchar *delta;
  gchar *text;
  GBytes *audio;
  gchar *item_type;
  gchar *item_role;
  gchar *item_status;
  gchar *call_id;
  gchar *name;
  gchar *arguments;
  SandraRealtimeResponseStatus status;
  gchar *status_reason;
  gboolean has_usage;
  SandraRealtimeUsage usage;
  gchar *error_type;
  gchar *error_code;
  gchar *error_message;
  gchar *error_param;
  gchar *error_event_id;
  GArray *rate_limits;
  gchar *session_id;
  gchar *model;
  JsonObject *object;
} SandraRealtimeServerEvent;

/**
 * sandra_realtime_server_event_parse:
 * @data: one WebSocket text frame
 * @length: its length in bytes, or -1 if NUL-terminated
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the event, or %NULL with @error set
 * when @data is not JSON (JSON_PARSER_ERROR) or not an object with a string
 * `type` (G_IO_ERROR_INVALID_DATA). Unknown types parse as UNKNOWN.
 */
SandraRealtimeServerEvent *sandra_realtime_server_event_parse (const gchar *
    data, gssize length, GError ** error);

void sandra_realtime_server_event_free (SandraRealtimeServerEvent * ev);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SandraRealtimeServerEvent,
    sandra_realtime_server_event_free);

/* Error codes that report a harmless race rather than a failure:
 * response_cancel_not_active (cancelled just after the response ended) and
 * conversation_already_has_active_response (asked for a response while the
 * server had started one itself). Elements log these and go on. */
gboolean sandra_realtime_error_code_is_benign (const gchar * code);

/* TRUE for an ERROR event whose code is benign. */
gboolean sandra_realtime_server_event_is_benign_error (const
    SandraRealtimeServerEvent * ev);

G_END_DECLS

#endif /* __SANDRA_REALTIME_EVENTS_H__ */
