/* gst-sandra: OpenAI Realtime session configuration and its JSON shapes
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __SANDRA_REALTIME_SESSION_H__
#define __SANDRA_REALTIME_SESSION_H__

#include <gst/gst.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The enums below are registered GEnum types so that elements can expose
 * them as properties directly; their nicks are the property values. */

/**
 * SandraRealtimeApi:
 * @SANDRA_REALTIME_API_GA: the generally available interface (nested
 *   `audio.input` / `audio.output`, `session.type` required)
 * @SANDRA_REALTIME_API_BETA: the beta interface (header
 *   `OpenAI-Beta: realtime=v1`, flat session fields)
 *
 * The service rejects fields of the other interface, so every builder takes
 * the interface the socket was opened with.
 */
typedef enum
{
  SANDRA_REALTIME_API_GA,
  SANDRA_REALTIME_API_BETA,
} SandraRealtimeApi;

GType sandra_realtime_api_get_type (void);
#define SANDRA_TYPE_REALTIME_API (sandra_realtime_api_get_type ())

/**
 * SandraRealtimeSessionKind:
 * @SANDRA_REALTIME_SESSION_CONVERSATION: speech-to-speech (or text) with a
 *   model (`session.type` "realtime")
 * @SANDRA_REALTIME_SESSION_TRANSCRIPTION: input transcription only
 *   (`?intent=transcription`, `session.type` "transcription", or the beta
 *   `transcription_session.update`)
 */
typedef enum
{
  SANDRA_REALTIME_SESSION_CONVERSATION,
  SANDRA_REALTIME_SESSION_TRANSCRIPTION,
} SandraRealtimeSessionKind;

GType sandra_realtime_session_kind_get_type (void);
#define SANDRA_TYPE_REALTIME_SESSION_KIND (sandra_realtime_session_kind_get_type ())

/**
 * SandraRealtimeModality:
 * @SANDRA_REALTIME_MODALITY_AUDIO: spoken replies with their transcript
 *   (GA `["audio"]`, beta `["text","audio"]`)
 * @SANDRA_REALTIME_MODALITY_TEXT: text replies only (`["text"]`)
 */
typedef enum
{
  SANDRA_REALTIME_MODALITY_AUDIO,
  SANDRA_REALTIME_MODALITY_TEXT,
} SandraRealtimeModality;

GType sandra_realtime_modality_get_type (void);
#define SANDRA_TYPE_REALTIME_MODALITY (sandra_realtime_modality_get_type ())

/**
 * SandraRealtimeAudioFormat:
 * @SANDRA_REALTIME_AUDIO_FORMAT_PCM16: S16LE mono at 24 kHz (GA
 *   `{"type":"audio/pcm","rate":24000}`, beta `pcm16`)
 * @SANDRA_REALTIME_AUDIO_FORMAT_PCMU: G.711 mu-law at 8 kHz (GA
 *   `audio/pcmu`, beta `g711_ulaw`)
 * @SANDRA_REALTIME_AUDIO_FORMAT_PCMA: G.711 A-law at 8 kHz (GA
 *   `audio/pcma`, beta `g711_alaw`)
 */
typedef enum
{
  SANDRA_REALTIME_AUDIO_FORMAT_PCM16,
  SANDRA_REALTIME_AUDIO_FORMAT_PCMU,
  SANDRA_REALTIME_AUDIO_FORMAT_PCMA,
} SandraRealtimeAudioFormat;

GType sandra_realtime_audio_format_get_type (void);
#define SANDRA_TYPE_REALTIME_AUDIO_FORMAT (sandra_realtime_audio_format_get_type ())

/* The only PCM rate the service takes and produces. */
#define SANDRA_REALTIME_PCM_RATE 24000

/**
 * SandraRealtimeTurnDetection:
 * @SANDRA_REALTIME_TURN_DETECTION_SERVER_VAD: the server detects speech by
 *   level (threshold, padding, silence duration, idle timeout)
 * @SANDRA_REALTIME_TURN_DETECTION_SEMANTIC_VAD: the server decides when the
 *   user has finished, by meaning (eagerness)
 * @SANDRA_REALTIME_TURN_DETECTION_NONE: `null`; the client commits the
 *   input buffer and asks for responses itself
 */
typedef enum
{
  SANDRA_REALTIME_TURN_DETECTION_SERVER_VAD,
  SANDRA_REALTIME_TURN_DETECTION_SEMANTIC_VAD,
  SANDRA_REALTIME_TURN_DETECTION_NONE,
} SandraRealtimeTurnDetection;

GType sandra_realtime_turn_detection_get_type (void);
#define SANDRA_TYPE_REALTIME_TURN_DETECTION (sandra_realtime_turn_detection_get_type ())

typedef enum
{
  SANDRA_REALTIME_EAGERNESS_AUTO,
  SANDRA_REALTIME_EAGERNESS_LOW,
  SANDRA_REALTIME_EAGERNESS_MEDIUM,
  SANDRA_REALTIME_EAGERNESS_HIGH,
} SandraRealtimeEagerness;

GType sandra_realtime_eagerness_get_type (void);
#define SANDRA_TYPE_REALTIME_EAGERNESS (sandra_realtime_eagerness_get_type ())

/**
 * SandraRealtimeNoiseReduction:
 * @SANDRA_REALTIME_NOISE_REDUCTION_NONE: `null`, off
 * @SANDRA_REALTIME_NOISE_REDUCTION_NEAR_FIELD: close-talking microphones
 *   (headsets)
 * @SANDRA_REALTIME_NOISE_REDUCTION_FAR_FIELD: laptop or room microphones
 */
typedef enum
{
  SANDRA_REALTIME_NOISE_REDUCTION_NONE,
  SANDRA_REALTIME_NOISE_REDUCTION_NEAR_FIELD,
  SANDRA_REALTIME_NOISE_REDUCTION_FAR_FIELD,
} SandraRealtimeNoiseReduction;

GType sandra_realtime_noise_reduction_get_type (void);
#define SANDRA_TYPE_REALTIME_NOISE_REDUCTION (sandra_realtime_noise_reduction_get_type ())

/**
 * SandraRealtimeFields:
 *
 * Field mask for partial updates. The service changes only the fields a
 * session.update carries, so while PLAYING an element sends only what the
 * application changed (see sandra_realtime_session_config_diff()). Each
 * flag covers one documented field (TURN_DETECTION: the whole
 * turn_detection object; TRANSCRIPTION: model, language and prompt).
 */
typedef enum
{
  SANDRA_REALTIME_FIELD_MODEL = 1 << 0,
  SANDRA_REALTIME_FIELD_VOICE = 1 << 1,
  SANDRA_REALTIME_FIELD_INSTRUCTIONS = 1 << 2,
  SANDRA_REALTIME_FIELD_OUTPUT_MODALITIES = 1 << 3,
  SANDRA_REALTIME_FIELD_INPUT_FORMAT = 1 << 4,
  SANDRA_REALTIME_FIELD_OUTPUT_FORMAT = 1 << 5,
  SANDRA_REALTIME_FIELD_TURN_DETECTION = 1 << 6,
  SANDRA_REALTIME_FIELD_TRANSCRIPTION = 1 << 7,
  SANDRA_REALTIME_FIELD_NOISE_REDUCTION = 1 << 8,
  SANDRA_REALTIME_FIELD_SPEED = 1 << 9,
  SANDRA_REALTIME_FIELD_MAX_OUTPUT_TOKENS = 1 << 10,
  SANDRA_REALTIME_FIELD_TOOLS = 1 << 11,
  SANDRA_REALTIME_FIELD_TOOL_CHOICE = 1 << 12,
  SANDRA_REALTIME_FIELD_TEMPERATURE = 1 << 13,
  SANDRA_REALTIME_FIELD_INCLUDE = 1 << 14,
  SANDRA_REALTIME_FIELD_ALL = (1 << 15) - 1,
} SandraRealtimeFields;

/**
 * SandraRealtimeSessionConfig:
 * @kind: conversation or transcription session
 * @model: Realtime model (conversation only; it cannot change once the
 *   session exists, and the connect URL names it too)
 * @voice: a built-in voice name ("marin", "cedar", "alloy", ...) or a custom
 *   voice id ("voice_..."; GA only, sent as `{"id": ...}`); %NULL: server
 *   default. Fixed by the service after the first audio output.
 * @instructions: system instructions; %NULL leaves the server's, "" clears
 * @output_modality: audio (with transcript) or text
 * @input_format: format of input_audio_buffer.append audio
 * @output_format: format of response audio deltas
 * @turn_detection: server VAD, semantic VAD or none
 * @vad_threshold: server VAD activation threshold 0..1; < 0: server default
 * @prefix_padding_ms: server VAD audio kept before speech; < 0: default
 * @silence_duration_ms: server VAD silence that ends a turn; < 0: default
 * @idle_timeout_ms: server VAD (GA) reply prompt after this long without
 *   speech, 5000..30000; 0: none (sent as null)
 * @eagerness: semantic VAD eagerness
 * @create_response: VAD stop creates a response
 * @interrupt_response: VAD start cancels the ongoing response
 * @transcription_model: input transcription model ("gpt-4o-mini-transcribe",
 *   "gpt-4o-transcribe", "whisper-1"); %NULL: transcription off (null)
 * @transcription_language: ISO-639-1 hint, or %NULL
 * @transcription_prompt: vocabulary / style hint, or %NULL
 * @noise_reduction: input noise reduction
 * @speed: speech speed 0.25..1.5; <= 0: server default
 * @max_output_tokens: 1..4096 per response, 0 for "inf"; < 0: not sent
 * @tools_json: JSON array of function tools
 *   (`[{"type":"function","name":...,"description":...,"parameters":{...}}]`);
 *   %NULL: not sent, "[]" clears
 * @tool_choice: "auto", "none", "required" or the name of one function;
 *   %NULL: not sent
 * @temperature: beta only, 0.6..1.2; < 0: not sent. Never sent on GA,
 *   which rejects it.
 * @include_logprobs: ask for `item.input_audio_transcription.logprobs`
 *   (when off, `include` is left out of a full session and sent as [] in a
 *   partial update, to switch it off again)
 *
 * Plain data; strings are owned by the struct (free with
 * sandra_realtime_session_config_clear()).
 */
typedef struct
{
  SandraRealtimeSessionKind kind;
  gchar *model;
  gchar *voice;
  gchar *instructions;
  SandraRealtimeModality output_modality;
  SandraRealtimeAudioFormat input_format;
  SandraRealtimeAudioFormat output_format;

  SandraRealtimeTurnDetection turn_detection;
  gdouble vad_threshold;
  gint prefix_padding_ms;
  gint silence_duration_ms;
  gint idle_timeout_ms;
  SandraRealtimeEagerness eagerness;
  gboolean create_response;
  gboolean interrupt_response;

  gchar *transcription_model;
  gchar *transcription_language;
  gchar *transcription_prompt;
  SandraRealtimeNoiseReduction noise_reduction;

  gdouble speed;
  gint max_output_tokens;
  gchar *tools_json;
  gchar *tool_choice;
  gdouble temperature;
  gboolean include_logprobs;
} SandraRealtimeSessionConfig;

/* Fills @cfg with the defaults: @kind, model "gpt-realtime" for
 * conversations, audio output, pcm16 in and out, server VAD with server
 * defaults, create and interrupt responses, no transcription, no noise
 * reduction, everything else unset (left to the server). */
void sandra_realtime_session_config_init (SandraRealtimeSessionConfig * cfg,
    SandraRealtimeSessionKind kind);
void sandra_realtime_session_config_clear (SandraRealtimeSessionConfig * cfg);
/* Deep copy; @dst must not hold strings (init or clear it first). */
void sandra_realtime_session_config_copy (SandraRealtimeSessionConfig * dst,
    const SandraRealtimeSessionConfig * src);

/* The fields in which @a and @b differ: what a session.update must carry
 * to turn @a into @b. */
SandraRealtimeFields sandra_realtime_session_config_diff
    (const SandraRealtimeSessionConfig * a,
    const SandraRealtimeSessionConfig * b);

/* Checks that @tools_json is a JSON array of objects (what the service
 * expects). Elements call it when the property is set. */
gboolean sandra_realtime_tools_validate (const gchar * tools_json,
    GError ** error);

/**
 * sandra_realtime_session_build_object:
 * @cfg: the configuration
 * @api: interface shape to produce
 * @fields: which fields to include (#SANDRA_REALTIME_FIELD_ALL for the
 *   first update or a client secret)
 * @error: return location for a #GError (invalid @tools_json)
 *
 * Builds the session object. GA always carries `type` ("realtime" or
 * "transcription") and nests audio settings under `audio.input` /
 * `audio.output`; beta is flat. Fields the interface or session kind does
 * not document are never produced (e.g. temperature on GA, voice or
 * instructions in a transcription session, idle_timeout_ms on beta).
 *
 * Returns: (transfer full) (nullable): a JSON object node.
 */
JsonNode *sandra_realtime_session_build_object (const SandraRealtimeSessionConfig
    * cfg, SandraRealtimeApi api, SandraRealtimeFields fields,
    GError ** error);

/**
 * sandra_realtime_session_build_update:
 * @event_id: (nullable): client event id, echoed by errors about it
 *
 * Serialises the client event that applies @cfg: `session.update` (GA, both
 * kinds; beta conversation) or `transcription_session.update` (beta
 * transcription).
 *
 * Returns: (transfer full) (nullable): JSON text for a WebSocket text frame.
 */
gchar *sandra_realtime_session_build_update (const SandraRealtimeSessionConfig
    * cfg, SandraRealtimeApi api, SandraRealtimeFields fields,
    const gchar * event_id, GError ** error);

/**
 * sandra_realtime_session_parse_output_format:
 * @session: the `session` object of a session.created / session.updated
 *   event, in either interface's shape (GA `audio.output.format.type`,
 *   beta `output_audio_format`)
 * @format: (out): the format of the audio deltas of responses created
 *   from now on
 *
 * Returns: FALSE when @session names no output format (or one unknown).
 */
gboolean sandra_realtime_session_parse_output_format (JsonObject * session,
    SandraRealtimeAudioFormat * format);

/* HTTP path that mints an ephemeral secret for @api and @kind:
 * GA "/v1/realtime/client_secrets"; beta "/v1/realtime/sessions" or
 * "/v1/realtime/transcription_sessions". */
const gchar *sandra_realtime_client_secret_path (SandraRealtimeApi api,
    SandraRealtimeSessionKind kind);

/**
 * sandra_realtime_client_secret_build_request:
 * @expires_after_s: secret lifetime, 10..7200 s (0: server default)
 *
 * Body of the secret request. GA:
 * `{"expires_after":{"anchor":"created_at","seconds":N},"session":{...}}`.
 * Beta: the flat session itself (conversation sessions add
 * `client_secret.expires_after`).
 *
 * Returns: (transfer full) (nullable): JSON text.
 */
gchar *sandra_realtime_client_secret_build_request (const
    SandraRealtimeSessionConfig * cfg, SandraRealtimeApi api,
    guint expires_after_s, GError ** error);

/**
 * sandra_realtime_client_secret_parse:
 * @body: response body
 * @length: its length, or -1 if NUL-terminated
 * @value: (out) (transfer full): the secret ("ek_..."); never log it
 * @expires_at: (out) (optional): expiry, UNIX seconds, or 0 if absent
 *
 * Reads either shape: GA `{"value","expires_at"}` or beta
 * `{"client_secret":{"value","expires_at"}}`.
 *
 * Returns: %FALSE with @error set if the body is not JSON
 * (JSON_PARSER_ERROR) or carries no secret (G_IO_ERROR_INVALID_DATA).
 */
gboolean sandra_realtime_client_secret_parse (const gchar * body,
    gssize length, gchar ** value, gint64 * expires_at, GError ** error);

G_END_DECLS

#endif /* __SANDRA_REALTIME_SESSION_H__ */
