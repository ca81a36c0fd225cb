/* gst-sandra: responses of POST /v1/audio/transcriptions
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __SANDRA_TRANSCRIPTION_RESPONSE_H__
#define __SANDRA_TRANSCRIPTION_RESPONSE_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/**
 * SandraTranscriptionFormat:
 * @SANDRA_TRANSCRIPTION_FORMAT_JSON: `{"text", "usage"}`; the only format
 *   the gpt-4o transcription models offer
 * @SANDRA_TRANSCRIPTION_FORMAT_TEXT: the bare transcript
 * @SANDRA_TRANSCRIPTION_FORMAT_VERBOSE_JSON: whisper-1 only: adds the
 *   detected language, duration, segments and (with
 *   timestamp_granularities[]=word) words
 *
 * The `response_format` form field, as a registered GEnum for an element
 * property (nicks "json", "text", "verbose-json").
 */
typedef enum
{
  SANDRA_TRANSCRIPTION_FORMAT_JSON,
  SANDRA_TRANSCRIPTION_FORMAT_TEXT,
  SANDRA_TRANSCRIPTION_FORMAT_VERBOSE_JSON,
} SandraTranscriptionFormat;

GType sandra_transcription_format_get_type (void);
#define SANDRA_TYPE_TRANSCRIPTION_FORMAT (sandra_transcription_format_get_type ())

/* The form field value: "json", "text" or "verbose_json". */
const gchar *sandra_transcription_format_to_wire (SandraTranscriptionFormat
    format);

/* What a request was billed: tokens (gpt-4o models, usage type "tokens")
 * or seconds of audio (whisper-1, usage type "duration"). Members not
 * given are -1. */
typedef struct
{
  gint64 input_tokens;
  gint64 input_audio_tokens;
  gint64 output_tokens;
  gint64 total_tokens;
  gdouble seconds;
} SandraTranscriptionUsage;

/* A verbose_json segment; times in seconds from the start of the file.
 * Members not given are -1 (or 0 for the probabilities). */
typedef struct
{
  gint id;
  gdouble start;
  gdouble end;
  gchar *text;
  gdouble avg_logprob;
  gdouble no_speech_prob;
  gdouble compression_ratio;
  gdouble temperature;
} SandraTranscriptionSegment;

/* A verbose_json word (timestamp_granularities[]=word). */
typedef struct
{
  gchar *word;
  gdouble start;
  gdouble end;
} SandraTranscriptionWord;

/**
 * SandraTranscription:
 * @text: the transcript (never %NULL; may be empty for silence)
 * @language: ISO-639-1 code of the detected language (verbose_json), or
 *   %NULL when not reported or not one Whisper knows
 * @language_name: the language as the service named it ("spanish")
 * @duration: audio duration in seconds, or -1
 * @segments: (element-type SandraTranscriptionSegment) (nullable): segments
 *   of verbose_json
 * @words: (element-type SandraTranscriptionWord) (nullable): words of
 *   verbose_json
 * @has_usage: @usage was present
 * @usage: billing information
 */
typedef struct
{
  gchar *text;
  gchar *language;
  gchar *language_name;
  gdouble duration;
  GArray *segments;
  GArray *words;
  gboolean has_usage;
  SandraTranscriptionUsage usage;
} SandraTranscription;

/**
 * sandra_transcription_parse:
 * @format: the response_format that was requested
 * @body: the response body
 * @length: its length in bytes, or -1 if NUL-terminated
 * @error: return location for a #GError
 *
 * Parses a successful (2xx) response. TEXT bodies are taken as they are,
 * minus the trailing newline; invalid UTF-8 is repaired rather than
 * rejected. JSON bodies must be objects with a string `text`; other
 * members are read tolerantly (wrong types read as absent). A JSON body
 * that holds an API error object fails with its message.
 *
 * Returns: (transfer full) (nullable): the transcription, or %NULL with
 * @error set (JSON_PARSER_ERROR, or G_IO_ERROR_INVALID_DATA).
 */
SandraTranscription *sandra_transcription_parse (SandraTranscriptionFormat
    format, const gchar * body, gssize length, GError ** error);

void sandra_transcription_free (SandraTranscription * t);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SandraTranscription, sandra_transcription_free);

/**
 * sandra_transcription_language_to_code:
 * @language: a language name as Whisper reports it ("spanish", "haitian
 *   creole"), one of its aliases ("castilian", "mandarin"), or already a code
 *   ("es"); case does not matter
 *
 * Maps the languages Whisper recognises to ISO-639-1. Javanese is "jv"
 * (Whisper's own token is "jw"); Cantonese maps to its macrolanguage "zh";
 * Hawaiian, which has no ISO-639-1 code, to its ISO-639-2 code "haw"
 * (GST_TAG_LANGUAGE_CODE accepts both kinds).
 *
 * Returns: (nullable): a static string, or %NULL for an unknown language.
 */
const gchar *sandra_transcription_language_to_code (const gchar * language);

/**
 * SandraTranscriptionStreamEventType:
 * @SANDRA_TRANSCRIPTION_STREAM_EVENT_UNKNOWN: any other event (ignore it)
 * @SANDRA_TRANSCRIPTION_STREAM_EVENT_DELTA: `transcript.text.delta`
 * @SANDRA_TRANSCRIPTION_STREAM_EVENT_DONE: `transcript.text.done`: the
 *   complete text; the stream is over
 * @SANDRA_TRANSCRIPTION_STREAM_EVENT_ERROR: an error object in the stream
 */
typedef enum
{
  SANDRA_TRANSCRIPTION_STREAM_EVENT_UNKNOWN,
  SANDRA_TRANSCRIPTION_STREAM_EVENT_DELTA,
  SANDRA_TRANSCRIPTION_STREAM_EVENT_DONE,
  SANDRA_TRANSCRIPTION_STREAM_EVENT_ERROR,
} SandraTranscriptionStreamEventType;

typedef struct
{
  SandraTranscriptionStreamEventType type;
  gchar *type_name;             /* as received, or NULL */
  gchar *delta;                 /* DELTA */
  gchar *text;                  /* DONE */
  gboolean has_usage;
  SandraTranscriptionUsage usage;       /* DONE */
  gchar *error_type;            /* ERROR */
  gchar *error_code;
  gchar *error_message;
} SandraTranscriptionStreamEvent;

/**
 * sandra_transcription_stream_event_parse:
 * @data: the payload of one SSE event (its `data:` lines joined, without
 *   the "data: " prefixes; splitting the stream is the network core's job)
 * @length: its length in bytes, or -1 if NUL-terminated
 *
 * Returns: (transfer full) (nullable): the event, or %NULL with @error set
 * when @data is not a JSON object.
 */
SandraTranscriptionStreamEvent *sandra_transcription_stream_event_parse (const
    gchar * data, gssize length, GError ** error);

void sandra_transcription_stream_event_free (SandraTranscriptionStreamEvent *
    ev);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SandraTranscriptionStreamEvent,
    sandra_transcription_stream_event_free);

G_END_DECLS

#endif /* __SANDRA_TRANSCRIPTION_RESPONSE_H__ */
