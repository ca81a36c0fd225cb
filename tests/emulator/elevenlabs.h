/* gst-sandra local API emulator: ElevenLabs text to speech
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What the HTTP (elevenlabs-http.c) and WebSocket (elevenlabs-ws.c)
 * endpoints share: the scenario's "elevenlabs" settings, key checks on the
 * xi-api-key header, the `detail` error shapes, output formats, voice
 * settings and models, and the synthetic voice (elevenlabs-voice.c).
 */
#ifndef __SANDRA_EMULATOR_ELEVENLABS_H__
#define __SANDRA_EMULATOR_ELEVENLABS_H__

#include "emulator-private.h"

G_BEGIN_DECLS

/* ---- output formats ---- */

typedef enum
{
  EMU_EL_CODEC_PCM,             /* S16LE mono */
  EMU_EL_CODEC_ULAW,
  EMU_EL_CODEC_ALAW,
  EMU_EL_CODEC_OPUS,            /* Ogg Opus, 48 kHz mono */
  EMU_EL_CODEC_MP3,             /* documented, but the emulator cannot make it */
} EmuElCodec;

typedef struct
{
  EmuElCodec codec;
  gint rate;
  gint bitrate;                 /* bit/s, Opus and MP3 only */
} EmuElFormat;

/* Parses "pcm_24000", "ulaw_8000", "opus_48000_64"... FALSE for a name the
 * service does not document, or pcm_48000 on a WebSocket. */
gboolean emu_el_parse_format (const gchar * name, gboolean websocket,
    EmuElFormat * format);

/* The audio of @n samples (S16 mono at @format's rate) in @format. Opus
 * yields a complete Ogg Opus stream; MP3 NULL. */
GBytes *emu_el_encode (const EmuElFormat * format, const gint16 * samples,
    gsize n);

/* ---- the synthetic voice (elevenlabs-voice.c) ---- */

/* One generation: its samples and, per character (a UTF-8 code point), its
 * start and duration in milliseconds from the first sample. */
typedef struct
{
  gint rate;
  GArray *samples;              /* gint16 */
  GPtrArray *chars;             /* gchar *, one character each */
  GArray *start_ms;             /* gint */
  GArray *dur_ms;               /* gint */
} EmuElSpeech;

/* Deterministic speech-like audio for @text: vowels are voiced (a 120 Hz
 * glottal tone shaped by two formants), consonants are shaped noise,
 * spaces and punctuation are pauses. Every character lasts about
 * @ms_per_char / @speed (pauses after punctuation longer). */
EmuElSpeech *emu_el_synthesize (const gchar * text, gint rate, gdouble speed,
    guint ms_per_char);
void emu_el_speech_free (EmuElSpeech * speech);

/* Splits @speech into pieces of whole characters lasting at least
 * @chunk_ms (the last may be shorter). Returns the character index each
 * piece starts at, plus a final entry equal to the number of characters. */
GArray *emu_el_speech_split (EmuElSpeech * speech, guint chunk_ms);

/* Sample offset of character @index (or the end for chars->len). */
gsize emu_el_speech_sample_at (EmuElSpeech * speech, guint index);

/* ---- voice settings and models ---- */

typedef struct
{
  gdouble stability;
  gdouble similarity_boost;
  gdouble style;
  gdouble speed;
  gboolean use_speaker_boost;
} EmuElVoiceSettings;

void emu_el_voice_settings_init (EmuElVoiceSettings * vs);

/* Checks a voice_settings object (ranges, types, no unknown members) and
 * fills @vs. On failure returns FALSE with the offending member in @loc and
 * a message. */
gboolean emu_el_parse_voice_settings (JsonNode * node,
    EmuElVoiceSettings * vs, gchar ** loc, gchar ** message);

/* Checks a generation_config object: chunk_length_schedule, an array of
 * integers in 50..500. @schedule receives them (guint). */
gboolean emu_el_parse_generation_config (JsonNode * node, GArray * schedule,
    gchar ** message);

/* @text as the service would say it, following the scenario's
 * "normalize" member: written words replaced by their spoken forms and
 * whitespace collapsed. A copy of @text without that member. */
gchar *emu_el_normalize (SandraEmulator * emu, const gchar * text);

/* Whether the model exists (and, on a WebSocket, streams text input). */
gboolean emu_el_model_known (SandraEmulator * emu, const gchar * model,
    gboolean websocket);

/* Characters one request may hold with @model. */
guint emu_el_model_char_limit (SandraEmulator * emu, const gchar * model);

gboolean emu_el_voice_known (SandraEmulator * emu, const gchar * voice_id);

/* ---- scenario settings (read under the lock) ---- */

typedef struct
{
  guint ms_per_char;            /* speaking rate of the synthetic voice */
  guint first_audio_delay_ms;   /* simulated service delay */
  guint chunk_interval_ms;      /* between audio messages */
  guint chunk_ms;               /* audio per message */
  gint inactivity_timeout_ms;   /* overrides the query, -1: use it */
  guint max_contexts;
  guint max_characters;         /* 0: the model's limit */
  guint http_setup_ms;          /* before each HTTP request is handled */
  guint ws_setup_ms;            /* before each WebSocket upgrade is answered */
} EmuElSettings;

void emu_el_get_settings (SandraEmulator * emu, EmuElSettings * settings);

/* ---- keys and errors ---- */

/* Checks @key (NULL: the xi-api-key header of @msg) against the scenario
 * and fills the record's "auth" member. */
gboolean emu_el_check_key (SandraEmulator * emu, SoupServerMessage * msg,
    guint record, const gchar * key);

/* {"detail":{"status":@status,"message":...}} */
gchar *emu_el_detail_body (const gchar * status, const gchar * message);

/* Answers @http with a detail object and records it. */
void emu_el_reply_detail (SandraEmulator * emu, SoupServerMessage * msg,
    guint record, guint http, const gchar * status, const gchar * format,
    ...) G_GNUC_PRINTF (6, 7);

/* Answers 422 {"detail":[{"loc":[...],"msg","type"}]}; @loc is a
 * dot-separated path such as "body.voice_settings.stability". */
void emu_el_reply_validation (SandraEmulator * emu, SoupServerMessage * msg,
    guint record, const gchar * loc, const gchar * type,
    const gchar * message);

/* ---- endpoints ---- */

/* HTTP POST /v1/text-to-speech/{voice_id}[/stream][/with-timestamps] */
void emu_el_http_handle (SandraEmulator * emu, SoupServerMessage * msg,
    const gchar * path, GHashTable * query, const gchar * voice_id,
    const gchar * rest);

/* The upgrade request of .../stream-input and .../multi-stream-input. */
void emu_el_ws_upgrade (SandraEmulator * emu, SoupServerMessage * msg,
    const gchar * path, GHashTable * query, const gchar * voice_id,
    gboolean multi);

/* Adds the WebSocket handler (elevenlabs-ws.c). */
void emu_el_ws_register (SandraEmulator * emu);

void emu_elevenlabs_register (SandraEmulator * emu);
void emu_elevenlabs_close_all (SandraEmulator * emu);
void emu_elevenlabs_free_all (SandraEmulator * emu);

G_END_DECLS

#endif
