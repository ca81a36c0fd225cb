/* gst-sandra local API emulator: the documented request schema
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything the emulator knows about what a valid request looks like lives
 * here, so the API modules only decide what to answer.
 */
#ifndef __SANDRA_EMULATOR_VALIDATE_H__
#define __SANDRA_EMULATOR_VALIDATE_H__

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* An error as the service reports it: {"message","type","param","code"}. */
typedef struct
{
  guint status;                 /* HTTP status (WebSocket: unused) */
  gchar *type;
  gchar *param;
  gchar *code;
  gchar *message;
} EmuApiError;

/* Fills @err (invalid_request_error) and returns FALSE, so validators can
 * `return emu_api_error_set (...)`. */
gboolean emu_api_error_set (EmuApiError * err, guint status,
    const gchar * param, const gchar * code, const gchar * format, ...)
    G_GNUC_PRINTF (5, 6);
void emu_api_error_clear (EmuApiError * err);

/* The service's error object {"message","type","param","code"}, with
 * null for a NULL param or code. */
JsonObject *emu_error_object (const gchar * type, const gchar * message,
    const gchar * param, const gchar * code);

/* whisper-1, gpt-4o-transcribe, gpt-4o-mini-transcribe and their dated
 * snapshots. */
gboolean emu_is_transcription_model (const gchar * model);

/* Only the gpt-4o transcription models stream and take include[]. */
gboolean emu_model_is_gpt4o (const gchar * model);

/* Two lowercase letters of a language Whisper knows. */
gboolean emu_is_language_code (const gchar * code);

/* "en" -> "english", as verbose_json reports it; NULL if unknown. */
const gchar *emu_language_name (const gchar * code);

/* Checks an uploaded file: a supported extension, a content type that fits
 * it, and a body that starts like that container. */
gboolean emu_check_audio_upload (const gchar * filename,
    const gchar * content_type, GBytes * data, EmuApiError * err);

/* Duration of a PCM WAV upload in seconds, or -1 when it is not one. */
gdouble emu_wav_duration (GBytes * data);

/* Strict base64 (RFC 4648 alphabet, padded). */
gboolean emu_is_base64 (const gchar * text);

/* Validates the session object of a Realtime transcription session update:
 * GA shape (session.update, "type":"transcription") or beta shape
 * (transcription_session.update, flat). Parameter paths in errors start
 * with "session.". */
gboolean emu_validate_transcription_session (JsonObject * session,
    gboolean beta, EmuApiError * err);

/* gpt-realtime, gpt-realtime-mini, gpt-4o(-mini)-realtime-preview and
 * their dated snapshots. */
gboolean emu_is_realtime_model (const gchar * model);

/* Validates the session object of a Realtime conversation update: GA
 * shape ("type":"realtime", nested audio.input/output) or beta (flat). */
gboolean emu_validate_realtime_session (JsonObject * session,
    gboolean beta, EmuApiError * err);

/* Validates an item of conversation.item.create (or of response.input);
 * @path prefixes parameter names ("item"). */
gboolean emu_validate_conversation_item (JsonObject * item,
    const gchar * path, gboolean beta, EmuApiError * err);

/* Validates the optional "response" object of response.create. */
gboolean emu_validate_response_params (JsonObject * response,
    gboolean beta, EmuApiError * err);

G_END_DECLS

#endif
