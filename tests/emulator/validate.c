/* gst-sandra local API emulator: the documented request schema
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Error messages, types and codes follow what the service answers, so that
 * a client's error mapping can be exercised offline.
 */
#include "validate.h"

#include <stdio.h>
#include <string.h>

gboolean
emu_api_error_set (EmuApiError * err, guint status, const gchar * param,
    const gchar * code, const gchar * format, ...)
{
  va_list ap;

  emu_api_error_clear (err);
  err->status = status;
  err->type = g_strdup ("invalid_request_error");
  err->param = g_strdup (param);
  err->code = g_strdup (code);
  va_start (ap, format);
  err->message = g_strdup_vprintf (format, ap);
  va_end (ap);
  return FALSE;
}

void
emu_api_error_clear (EmuApiError * err)
{
  g_clear_pointer (&err->type, g_free);
  g_clear_pointer (&err->param, g_free);
  g_clear_pointer (&err->code, g_free);
  g_clear_pointer (&err->message, g_free);
  err->status = 0;
}

JsonObject *
emu_error_object (const gchar * type, const gchar * message,
    const gchar * param, const gchar * code)
{
  JsonObject *e = json_object_new ();

  json_object_set_string_member (e, "message", message);
  json_object_set_string_member (e, "type", type);
  if (param)
    json_object_set_string_member (e, "param", param);
  else
    json_object_set_null_member (e, "param");
  if (code)
    json_object_set_string_member (e, "code", code);
  else
    json_object_set_null_member (e, "code");
  return e;
}

static const gchar *const transcription_models[] = { "whisper-1",
  "gpt-4o-transcribe", "gpt-4o-mini-transcribe", NULL
};

/* "gpt-4o-mini-transcribe-2025-03-20" is a snapshot of its base name. */
static gboolean
model_matches (const gchar * model, const gchar * base)
{
  gsize n = strlen (base);
  gint y, m, d;
  gchar end;

  if (g_str_equal (model, base))
    return TRUE;
  if (strncmp (model, base, n) != 0 || model[n] != '-')
    return FALSE;
  return sscanf (model + n + 1, "%4d-%2d-%2d%c", &y, &m, &d, &end) == 3;
}

gboolean
emu_is_transcription_model (const gchar * model)
{
  guint i;

  for (i = 0; model && transcription_models[i]; i++)
    if (model_matches (model, transcription_models[i]))
      return TRUE;
  return FALSE;
}

gboolean
emu_model_is_gpt4o (const gchar * model)
{
  return model && g_str_has_prefix (model, "gpt-4o");
}

/* Whisper's language table (a subset of ISO 639-1), with the names
 * verbose_json reports. */
static const gchar *const languages[][2] = {
  {"af", "afrikaans"}, {"ar", "arabic"}, {"az", "azerbaijani"},
  {"be", "belarusian"}, {"bg", "bulgarian"}, {"bs", "bosnian"},
  {"ca", "catalan"}, {"cs", "czech"}, {"cy", "welsh"}, {"da", "danish"},
  {"de", "german"}, {"el", "greek"}, {"en", "english"}, {"es", "spanish"},
  {"et", "estonian"}, {"eu", "basque"}, {"fa", "persian"}, {"fi", "finnish"},
  {"fr", "french"}, {"gl", "galician"}, {"he", "hebrew"}, {"hi", "hindi"},
  {"hr", "croatian"}, {"hu", "hungarian"}, {"hy", "armenian"},
  {"id", "indonesian"}, {"is", "icelandic"}, {"it", "italian"},
  {"ja", "japanese"}, {"kk", "kazakh"}, {"kn", "kannada"}, {"ko", "korean"},
  {"lt", "lithuanian"}, {"lv", "latvian"}, {"mi", "maori"},
  {"mk", "macedonian"}, {"mr", "marathi"}, {"ms", "malay"}, {"ne", "nepali"},
  {"nl", "dutch"}, {"no", "norwegian"}, {"pl", "polish"},
  {"pt", "portuguese"}, {"ro", "romanian"}, {"ru", "russian"},
  {"sk", "slovak"}, {"sl", "slovenian"}, {"sr", "serbian"},
  {"sv", "swedish"}, {"sw", "swahili"}, {"ta", "tamil"}, {"th", "thai"},
  {"tl", "tagalog"}, {"tr", "turkish"}, {"uk", "ukrainian"}, {"ur", "urdu"},
  {"vi", "vietnamese"}, {"zh", "chinese"},
};

const gchar *
emu_language_name (const gchar * code)
{
  guint i;

  for (i = 0; code && i < G_N_ELEMENTS (languages); i++)
    if (g_str_equal (languages[i][0], code))
      return languages[i][1];
  return NULL;
}

gboolean
emu_is_language_code (const gchar * code)
{
  return code && strlen (code) == 2 && g_ascii_islower (code[0]) &&
      g_ascii_islower (code[1]) && emu_language_name (code) != NULL;
}

/* extension, accepted content types (application/octet-stream is always
 * accepted: it is what clients send when they do not know), magic check */
typedef gboolean (*MagicFunc) (const guint8 * d, gsize n);

static gboolean
magic_wav (const guint8 * d, gsize n)
{
  return n >= 12 && memcmp (d, "RIFF", 4) == 0 && memcmp (d + 8, "WAVE",
      4) == 0;
}

static gboolean
magic_ogg (const guint8 * d, gsize n)
{
  return n >= 4 && memcmp (d, "OggS", 4) == 0;
}

static gboolean
magic_flac (const guint8 * d, gsize n)
{
  return n >= 4 && memcmp (d, "fLaC", 4) == 0;
}

static gboolean
magic_webm (const guint8 * d, gsize n)
{
  return n >= 4 && d[0] == 0x1a && d[1] == 0x45 && d[2] == 0xdf && d[3] == 0xa3;
}

static gboolean
magic_mp4 (const guint8 * d, gsize n)
{
  return n >= 8 && memcmp (d + 4, "ftyp", 4) == 0;
}

static gboolean
magic_mp3 (const guint8 * d, gsize n)
{
  /* An ID3v2 tag or an MPEG audio frame sync. */
  return (n >= 3 && memcmp (d, "ID3", 3) == 0) ||
      (n >= 2 && d[0] == 0xff && (d[1] & 0xe0) == 0xe0);
}

static const struct
{
  const gchar *ext;
  const gchar *types;           /* space separated */
  MagicFunc magic;
} formats[] = {
  {"wav", "audio/wav audio/x-wav audio/wave audio/vnd.wave", magic_wav},
  {"flac", "audio/flac audio/x-flac", magic_flac},
  {"mp3", "audio/mpeg audio/mp3 audio/mpeg3", magic_mp3},
  {"mpga", "audio/mpeg audio/mp3", magic_mp3},
  {"mpeg", "audio/mpeg video/mpeg", magic_mp3},
  {"mp4", "audio/mp4 video/mp4", magic_mp4},
  {"m4a", "audio/mp4 audio/m4a audio/x-m4a", magic_mp4},
  {"ogg", "audio/ogg application/ogg audio/opus audio/vorbis", magic_ogg},
  {"oga", "audio/ogg application/ogg audio/opus", magic_ogg},
  {"webm", "audio/webm video/webm", magic_webm},
};

gboolean
emu_check_audio_upload (const gchar * filename, const gchar * content_type,
    GBytes * data, EmuApiError * err)
{
  const gchar *dot = filename ? strrchr (filename, '.') : NULL;
  gchar *ext, *type = NULL, **types;
  gsize n;
  const guint8 *d = g_bytes_get_data (data, &n);
  guint i;
  gboolean ok = FALSE;

  if (dot == NULL)
    return emu_api_error_set (err, 400, "file", "invalid_value",
        "Unrecognized file format. Supported formats: ['flac', 'm4a', "
        "'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']");
  ext = g_ascii_strdown (dot + 1, -1);
  for (i = 0; i < G_N_ELEMENTS (formats); i++)
    if (g_str_equal (formats[i].ext, ext))
      break;
  if (i == G_N_ELEMENTS (formats)) {
    emu_api_error_set (err, 400, "file", "invalid_value",
        "Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', "
        "'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm']");
    g_free (ext);
    return FALSE;
  }

  if (content_type) {
    /* Ignore parameters such as "; codecs=opus". */
    type = g_ascii_strdown (content_type, -1);
    g_strstrip (g_strdelimit (type, ";", '\0'));
  }
  types = g_strsplit (formats[i].types, " ", -1);
  if (type == NULL || *type == '\0') {
    emu_api_error_set (err, 400, "file", "invalid_value",
        "The file part '%s' has no content type.", filename);
  } else if (!g_str_equal (type, "application/octet-stream") &&
      !g_strv_contains ((const gchar * const *) types, type)) {
    emu_api_error_set (err, 400, "file", "invalid_value",
        "The file part '%s' has content type '%s', which does not match "
        "its extension '.%s'.", filename, type, ext);
  } else if (n == 0) {
    emu_api_error_set (err, 400, "file", "invalid_value",
        "The audio file is empty.");
  } else if (!formats[i].magic (d, n)) {
    emu_api_error_set (err, 400, "file", "invalid_value",
        "Audio file might be corrupted or unsupported");
  } else {
    ok = TRUE;
  }
  g_strfreev (types);
  g_free (type);
  g_free (ext);
  return ok;
}

static guint32
read_le32 (const guint8 * p)
{
  guint32 v;

  memcpy (&v, p, sizeof (v));   /* RIFF chunks are not aligned */
  return GUINT32_FROM_LE (v);
}

gdouble
emu_wav_duration (GBytes * data)
{
  gsize n, pos = 12;
  const guint8 *d = g_bytes_get_data (data, &n);
  guint32 byte_rate = 0;

  if (!magic_wav (d, n))
    return -1;
  /* Walk the RIFF chunks for "fmt " (byte rate) and "data" (size). */
  while (pos + 8 <= n) {
    guint32 size = read_le32 (d + pos + 4);

    if (memcmp (d + pos, "fmt ", 4) == 0 && pos + 16 <= n)
      byte_rate = read_le32 (d + pos + 16);
    if (memcmp (d + pos, "data", 4) == 0) {
      /* Streamed WAVs carry a placeholder size: use what is there. */
      gsize avail = n - pos - 8;

      if (byte_rate == 0)
        return -1;
      return (gdouble) MIN ((gsize) size, avail) / byte_rate;
    }
    pos += 8 + size + (size & 1);
  }
  return -1;
}

gboolean
emu_is_base64 (const gchar * text)
{
  gsize len = strlen (text), i, pad = 0;

  if (len % 4 != 0)
    return FALSE;
  for (i = 0; i < len; i++) {
    gchar c = text[i];

    if (c == '=') {
      pad++;
      continue;
    }
    if (pad > 0)
      return FALSE;
    if (!(g_ascii_isalnum (c) || c == '+' || c == '/'))
      return FALSE;
  }
  return pad <= 2;
}

/* ---- Realtime transcription sessions ---- */

static const gchar *
node_type_name (JsonNode * n)
{
  switch (JSON_NODE_TYPE (n)) {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    default:
      break;
  }
  switch (json_node_get_value_type (n)) {
    case G_TYPE_STRING:
      return "a string";
    case G_TYPE_BOOLEAN:
      return "a boolean";
    case G_TYPE_INT64:
      return "an integer";
    default:
      return "a number";
  }
}

static gboolean
type_error (EmuApiError * err, const gchar * path, const gchar * expected,
    JsonNode * got)
{
  return emu_api_error_set (err, 400, path, "invalid_type",
      "Invalid type for '%s': expected %s, but got %s instead.", path,
      expected, node_type_name (got));
}

static gboolean
only_members (JsonObject * obj, const gchar * path,
    const gchar * const *allowed, EmuApiError * err)
{
  GList *names = json_object_get_members (obj), *l;
  gboolean ok = TRUE;

  for (l = names; l && ok; l = l->next) {
    if (!g_strv_contains (allowed, l->data)) {
      gchar *p = g_strdup_printf ("%s.%s", path, (const gchar *) l->data);

      ok = emu_api_error_set (err, 400, p, "unknown_parameter",
          "Unknown parameter: '%s'.", p);
      g_free (p);
    }
  }
  g_list_free (names);
  return ok;
}

static gboolean
is_number (JsonNode * n)
{
  return JSON_NODE_HOLDS_VALUE (n) &&
      (json_node_get_value_type (n) == G_TYPE_DOUBLE ||
      json_node_get_value_type (n) == G_TYPE_INT64);
}

static gboolean
is_string (JsonNode * n)
{
  return JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_STRING;
}

static gboolean
is_bool (JsonNode * n)
{
  return JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_BOOLEAN;
}

/* A string member that must be one of @values (NULL-terminated). */
static gboolean
check_enum (JsonObject * obj, const gchar * path, const gchar * name,
    const gchar * const *values, gboolean required, EmuApiError * err)
{
  JsonNode *n = json_object_get_member (obj, name);
  gchar *p = g_strdup_printf ("%s.%s", path, name);
  gboolean ok = TRUE;

  if (n == NULL) {
    if (required)
      ok = emu_api_error_set (err, 400, p, "missing_required_parameter",
          "Missing required parameter: '%s'.", p);
  } else if (!is_string (n)) {
    ok = type_error (err, p, "a string", n);
  } else if (!g_strv_contains (values, json_node_get_string (n))) {
    gchar *list = g_strjoinv ("', '", (gchar **) values);

    ok = emu_api_error_set (err, 400, p, "invalid_value",
        "Invalid value: '%s'. Supported values are: '%s'.",
        json_node_get_string (n), list);
    g_free (list);
  }
  g_free (p);
  return ok;
}

static gboolean
check_range (JsonObject * obj, const gchar * path, const gchar * name,
    gdouble min, gdouble max, gboolean integer, gboolean nullable,
    EmuApiError * err)
{
  JsonNode *n = json_object_get_member (obj, name);
  gchar *p;
  gboolean ok = TRUE;

  if (n == NULL || (nullable && JSON_NODE_HOLDS_NULL (n)))
    return TRUE;
  p = g_strdup_printf ("%s.%s", path, name);
  if (!is_number (n) || (integer &&
          json_node_get_value_type (n) != G_TYPE_INT64)) {
    ok = type_error (err, p, integer ? "an integer" : "a number", n);
  } else if (json_node_get_double (n) < min || json_node_get_double (n) > max) {
    ok = emu_api_error_set (err, 400, p, "decimal_out_of_range",
        "Invalid '%s': %g is out of range, expected a value between %g and "
        "%g.", p, json_node_get_double (n), min, max);
  }
  g_free (p);
  return ok;
}

static gboolean
check_bool (JsonObject * obj, const gchar * path, const gchar * name,
    EmuApiError * err)
{
  JsonNode *n = json_object_get_member (obj, name);
  gchar *p;
  gboolean ok;

  if (n == NULL || is_bool (n))
    return TRUE;
  p = g_strdup_printf ("%s.%s", path, name);
  ok = type_error (err, p, "a boolean", n);
  g_free (p);
  return ok;
}

/* Fetches an optional object member; FALSE (and @err) when it is neither
 * absent, null (if @nullable) nor an object. */
static gboolean
get_object (JsonObject * obj, const gchar * path, const gchar * name,
    gboolean nullable, JsonObject ** out, EmuApiError * err)
{
  JsonNode *n = json_object_get_member (obj, name);
  gchar *p;

  *out = NULL;
  if (n == NULL || (nullable && JSON_NODE_HOLDS_NULL (n)))
    return TRUE;
  if (JSON_NODE_HOLDS_OBJECT (n)) {
    *out = json_node_get_object (n);
    return TRUE;
  }
  p = g_strdup_printf ("%s.%s", path, name);
  type_error (err, p, nullable ? "an object or null" : "an object", n);
  g_free (p);
  return FALSE;
}

static gboolean
check_turn_detection (JsonObject * td, const gchar * path, gboolean beta,
    EmuApiError * err)
{
  static const gchar *const types[] = { "server_vad", "semantic_vad", NULL };
  static const gchar *const server_m[] = { "type", "threshold",
    "prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms",
    "create_response", "interrupt_response", NULL
  };
  static const gchar *const semantic_m[] = { "type", "eagerness",
    "create_response", "interrupt_response", NULL
  };
  static const gchar *const eagerness[] = { "low", "medium", "high", "auto",
    NULL
  };

  if (!check_enum (td, path, "type", types, TRUE, err))
    return FALSE;
  if (g_str_equal (json_object_get_string_member (td, "type"), "server_vad")) {
    return only_members (td, path, server_m, err) &&
        check_range (td, path, "threshold", 0.0, 1.0, FALSE, FALSE, err) &&
        check_range (td, path, "prefix_padding_ms", 0, 10000, TRUE, FALSE,
        err) &&
        check_range (td, path, "silence_duration_ms", 0, 10000, TRUE, FALSE,
        err) &&
        check_range (td, path, "idle_timeout_ms", 5000, 30000, TRUE, TRUE,
        err) &&
        check_bool (td, path, "create_response", err) &&
        check_bool (td, path, "interrupt_response", err);
  }
  return only_members (td, path, semantic_m, err) &&
      check_enum (td, path, "eagerness", eagerness, FALSE, err) &&
      check_bool (td, path, "create_response", err) &&
      check_bool (td, path, "interrupt_response", err);
}

static gboolean
check_transcription (JsonObject * tr, const gchar * path, EmuApiError * err)
{
  static const gchar *const m[] = { "model", "language", "prompt", NULL };
  JsonNode *n;
  gchar *p;
  gboolean ok = TRUE;

  if (!only_members (tr, path, m, err))
    return FALSE;
  n = json_object_get_member (tr, "model");
  if (n) {
    p = g_strdup_printf ("%s.model", path);
    if (!is_string (n))
      ok = type_error (err, p, "a string", n);
    else if (!emu_is_transcription_model (json_node_get_string (n)))
      ok = emu_api_error_set (err, 400, p, "invalid_value",
          "Invalid value: '%s'. Supported values are: 'whisper-1', "
          "'gpt-4o-transcribe', 'gpt-4o-mini-transcribe'.",
          json_node_get_string (n));
    g_free (p);
  }
  n = json_object_get_member (tr, "language");
  if (ok && n) {
    p = g_strdup_printf ("%s.language", path);
    if (!is_string (n))
      ok = type_error (err, p, "a string", n);
    else if (!emu_is_language_code (json_node_get_string (n)))
      ok = emu_api_error_set (err, 400, p, "invalid_value",
          "Invalid language '%s'. Language parameter must be specified in "
          "ISO-639-1 format.", json_node_get_string (n));
    g_free (p);
  }
  n = json_object_get_member (tr, "prompt");
  if (ok && n && !is_string (n)) {
    p = g_strdup_printf ("%s.prompt", path);
    ok = type_error (err, p, "a string", n);
    g_free (p);
  }
  return ok;
}

static gboolean
check_noise_reduction (JsonObject * nr, const gchar * path, EmuApiError * err)
{
  static const gchar *const m[] = { "type", NULL };
  static const gchar *const types[] = { "near_field", "far_field", NULL };

  return only_members (nr, path, m, err) &&
      check_enum (nr, path, "type", types, TRUE, err);
}

static gboolean
check_include (JsonObject * session, EmuApiError * err)
{
  JsonNode *n = json_object_get_member (session, "include");
  JsonArray *a;
  guint i;

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return type_error (err, "session.include", "an array", n);
  a = json_node_get_array (n);
  for (i = 0; i < json_array_get_length (a); i++) {
    JsonNode *e = json_array_get_element (a, i);

    if (!is_string (e) || !g_str_equal (json_node_get_string (e),
            "item.input_audio_transcription.logprobs"))
      return emu_api_error_set (err, 400, "session.include",
          "invalid_value", "Invalid value in 'session.include'. Supported "
          "values are: 'item.input_audio_transcription.logprobs'.");
  }
  return TRUE;
}

static gboolean
check_ga_format (JsonObject * f, const gchar * path, EmuApiError * err)
{
  static const gchar *const m[] = { "type", "rate", NULL };
  static const gchar *const types[] = { "audio/pcm", "audio/pcmu",
    "audio/pcma", NULL
  };
  JsonNode *rate;

  if (!only_members (f, path, m, err) ||
      !check_enum (f, path, "type", types, TRUE, err))
    return FALSE;
  rate = json_object_get_member (f, "rate");
  if (rate && (!is_number (rate) || json_node_get_int (rate) != 24000 ||
          !g_str_equal (json_object_get_string_member (f, "type"),
              "audio/pcm"))) {
    gchar *p = g_strdup_printf ("%s.rate", path);

    emu_api_error_set (err, 400, p, "invalid_value", "Invalid value for "
        "'%s': only 24000 is supported, for 'audio/pcm'.", p);
    g_free (p);
    return FALSE;
  }
  return TRUE;
}

/* audio.input of a GA session, of either kind. */
static gboolean
check_ga_input (JsonObject * input, EmuApiError * err)
{
  static const gchar *const input_m[] = { "format", "transcription",
    "noise_reduction", "turn_detection", NULL
  };
  JsonObject *o;

  if (!only_members (input, "session.audio.input", input_m, err))
    return FALSE;
  if (!get_object (input, "session.audio.input", "format", FALSE, &o, err) ||
      (o && !check_ga_format (o, "session.audio.input.format", err)))
    return FALSE;
  if (!get_object (input, "session.audio.input", "transcription", TRUE, &o,
          err) || (o && !check_transcription (o,
              "session.audio.input.transcription", err)))
    return FALSE;
  if (!get_object (input, "session.audio.input", "noise_reduction", TRUE, &o,
          err) || (o && !check_noise_reduction (o,
              "session.audio.input.noise_reduction", err)))
    return FALSE;
  if (!get_object (input, "session.audio.input", "turn_detection", TRUE, &o,
          err) || (o && !check_turn_detection (o,
              "session.audio.input.turn_detection", FALSE, err)))
    return FALSE;
  return TRUE;
}

/* The flat input members of a beta session, of either kind. */
static gboolean
check_beta_input (JsonObject * session, EmuApiError * err)
{
  JsonObject *o;

  if (!get_object (session, "session", "input_audio_transcription", TRUE, &o,
          err) || (o && !check_transcription (o,
              "session.input_audio_transcription", err)))
    return FALSE;
  if (!get_object (session, "session", "input_audio_noise_reduction", TRUE,
          &o, err) || (o && !check_noise_reduction (o,
              "session.input_audio_noise_reduction", err)))
    return FALSE;
  if (!get_object (session, "session", "turn_detection", TRUE, &o, err) ||
      (o && !check_turn_detection (o, "session.turn_detection", TRUE, err)))
    return FALSE;
  return TRUE;
}

static gboolean
validate_ga (JsonObject * session, EmuApiError * err)
{
  static const gchar *const top[] = { "type", "audio", "include", NULL };
  static const gchar *const audio_m[] = { "input", NULL };
  static const gchar *const session_types[] = { "transcription", NULL };
  JsonObject *audio, *input;
  JsonNode *type = json_object_get_member (session, "type");

  if (type == NULL)
    return emu_api_error_set (err, 400, "session.type",
        "missing_required_parameter",
        "Missing required parameter: 'session.type'.");
  if (is_string (type) && g_str_equal (json_node_get_string (type), "realtime"))
    return emu_api_error_set (err, 400, "session.type", "invalid_value",
        "Passing a realtime session update event to a transcription session "
        "is not allowed.");
  if (!check_enum (session, "session", "type", session_types, TRUE, err) ||
      !only_members (session, "session", top, err) ||
      !check_include (session, err) ||
      !get_object (session, "session", "audio", FALSE, &audio, err))
    return FALSE;
  if (audio == NULL)
    return TRUE;
  if (!only_members (audio, "session.audio", audio_m, err) ||
      !get_object (audio, "session.audio", "input", FALSE, &input, err))
    return FALSE;
  if (input == NULL)
    return TRUE;
  return check_ga_input (input, err);
}

static gboolean
validate_beta (JsonObject * session, EmuApiError * err)
{
  static const gchar *const top[] = { "input_audio_format",
    "input_audio_transcription", "turn_detection",
    "input_audio_noise_reduction", "include", NULL
  };
  static const gchar *const beta_formats[] = { "pcm16", "g711_ulaw",
    "g711_alaw", NULL
  };

  if (!only_members (session, "session", top, err) ||
      !check_enum (session, "session", "input_audio_format", beta_formats,
          FALSE, err) || !check_include (session, err))
    return FALSE;
  return check_beta_input (session, err);
}

gboolean
emu_validate_transcription_session (JsonObject * session, gboolean beta,
    EmuApiError * err)
{
  return beta ? validate_beta (session, err) : validate_ga (session, err);
}

/* ---- Realtime conversation sessions ---- */

static const gchar *const realtime_models[] = { "gpt-realtime",
  "gpt-realtime-mini", "gpt-4o-realtime-preview",
  "gpt-4o-mini-realtime-preview", NULL
};

gboolean
emu_is_realtime_model (const gchar * model)
{
  guint i;

  for (i = 0; realtime_models[i]; i++)
    if (model_matches (model, realtime_models[i]))
      return TRUE;
  return FALSE;
}

static const gchar *const voices[] = { "alloy", "ash", "ballad", "coral",
  "echo", "sage", "shimmer", "verse", "marin", "cedar", NULL
};

static gboolean
check_string (JsonObject * obj, const gchar * path, const gchar * name,
    gboolean required, EmuApiError * err)
{
  JsonNode *n = json_object_get_member (obj, name);
  gchar *p = g_strdup_printf ("%s.%s", path, name);
  gboolean ok = TRUE;

  if (n == NULL && required)
    ok = emu_api_error_set (err, 400, p, "missing_required_parameter",
        "Missing required parameter: '%s'.", p);
  else if (n && !is_string (n))
    ok = type_error (err, p, "a string", n);
  g_free (p);
  return ok;
}

/* A voice name, or on GA a custom voice {"id": "voice_..."}. */
static gboolean
check_voice (JsonObject * obj, const gchar * path, const gchar * name,
    gboolean beta, EmuApiError * err)
{
  JsonNode *n = json_object_get_member (obj, name);
  gchar *p;
  gboolean ok;

  if (n == NULL)
    return TRUE;
  if (!beta && JSON_NODE_HOLDS_OBJECT (n)) {
    static const gchar *const m[] = { "id", NULL };
    JsonObject *v = json_node_get_object (n);

    p = g_strdup_printf ("%s.%s", path, name);
    ok = only_members (v, p, m, err) && check_string (v, p, "id", TRUE, err);
    g_free (p);
    return ok;
  }
  return check_enum (obj, path, name, voices, FALSE, err);
}

/* An integer 1..4096 or "inf". */
static gboolean
check_max_tokens (JsonObject * obj, const gchar * path, const gchar * name,
    EmuApiError * err)
{
  JsonNode *n = json_object_get_member (obj, name);

  if (n && is_string (n)) {
    gchar *p;

    if (g_str_equal (json_node_get_string (n), "inf"))
      return TRUE;
    p = g_strdup_printf ("%s.%s", path, name);
    emu_api_error_set (err, 400, p, "invalid_value",
        "Invalid value: '%s'. Expected an integer or 'inf'.",
        json_node_get_string (n));
    g_free (p);
    return FALSE;
  }
  return check_range (obj, path, name, 1, 4096, TRUE, FALSE, err);
}

static gboolean
check_tools (JsonObject * obj, const gchar * path, EmuApiError * err)
{
  static const gchar *const m[] = { "type", "name", "description",
    "parameters", NULL
  };
  static const gchar *const types[] = { "function", NULL };
  JsonNode *n = json_object_get_member (obj, "tools");
  gchar *p = g_strdup_printf ("%s.tools", path);
  gboolean ok = TRUE;
  JsonArray *a;
  guint i;

  if (n == NULL) {
    g_free (p);
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_ARRAY (n)) {
    ok = type_error (err, p, "an array", n);
    g_free (p);
    return ok;
  }
  a = json_node_get_array (n);
  for (i = 0; ok && i < json_array_get_length (a); i++) {
    JsonNode *e = json_array_get_element (a, i);
    gchar *ep = g_strdup_printf ("%s[%u]", p, i);

    if (!JSON_NODE_HOLDS_OBJECT (e)) {
      ok = type_error (err, ep, "an object", e);
    } else {
      JsonObject *t = json_node_get_object (e);
      JsonObject *params;

      ok = check_enum (t, ep, "type", types, TRUE, err) &&
          only_members (t, ep, m, err) &&
          check_string (t, ep, "name", TRUE, err) &&
          check_string (t, ep, "description", FALSE, err) &&
          get_object (t, ep, "parameters", FALSE, &params, err);
    }
    g_free (ep);
  }
  g_free (p);
  return ok;
}

static gboolean
check_tool_choice (JsonObject * obj, const gchar * path, EmuApiError * err)
{
  static const gchar *const modes[] = { "auto", "none", "required", NULL };
  static const gchar *const m[] = { "type", "name", NULL };
  static const gchar *const types[] = { "function", NULL };
  JsonNode *n = json_object_get_member (obj, "tool_choice");
  gchar *p;
  gboolean ok;

  if (n == NULL || is_string (n))
    return check_enum (obj, path, "tool_choice", modes, FALSE, err);
  p = g_strdup_printf ("%s.tool_choice", path);
  if (!JSON_NODE_HOLDS_OBJECT (n))
    ok = type_error (err, p, "a string or an object", n);
  else
    ok = only_members (json_node_get_object (n), p, m, err) &&
        check_enum (json_node_get_object (n), p, "type", types, TRUE, err) &&
        check_string (json_node_get_object (n), p, "name", TRUE, err);
  g_free (p);
  return ok;
}

/* GA output_modalities: ["audio"] or ["text"]. Beta modalities: ["text"]
 * or ["audio", "text"]. */
static gboolean
check_modalities (JsonObject * obj, const gchar * path, const gchar * name,
    gboolean beta, EmuApiError * err)
{
  JsonNode *n = json_object_get_member (obj, name);
  gboolean audio = FALSE, text = FALSE, ok = TRUE;
  gchar *p;
  JsonArray *a;
  guint i, len;

  if (n == NULL)
    return TRUE;
  p = g_strdup_printf ("%s.%s", path, name);
  if (!JSON_NODE_HOLDS_ARRAY (n)) {
    ok = type_error (err, p, "an array", n);
    g_free (p);
    return ok;
  }
  a = json_node_get_array (n);
  len = json_array_get_length (a);
  for (i = 0; i < len; i++) {
    JsonNode *e = json_array_get_element (a, i);
    const gchar *v = is_string (e) ? json_node_get_string (e) : "";

    if (g_str_equal (v, "audio"))
      audio = TRUE;
    else if (g_str_equal (v, "text"))
      text = TRUE;
    else
      ok = FALSE;
  }
  if (ok && beta)
    ok = (text && !audio && len == 1) || (text && audio && len == 2);
  else if (ok)
    ok = len == 1;
  if (!ok)
    emu_api_error_set (err, 400, p, "invalid_value", beta ?
        "Invalid modalities. Supported combinations are: ['text'] and "
        "['audio', 'text']." :
        "Invalid value for '%s': expected ['audio'] or ['text'].", p);
  g_free (p);
  return ok;
}

static gboolean
check_tracing (JsonObject * obj, const gchar * path, EmuApiError * err)
{
  static const gchar *const m[] = { "workflow_name", "group_id", "metadata",
    NULL
  };
  JsonNode *n = json_object_get_member (obj, "tracing");
  gchar *p;
  gboolean ok = TRUE;

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  p = g_strdup_printf ("%s.tracing", path);
  if (is_string (n)) {
    if (!g_str_equal (json_node_get_string (n), "auto"))
      ok = emu_api_error_set (err, 400, p, "invalid_value",
          "Invalid value: '%s'. Supported values are: 'auto'.",
          json_node_get_string (n));
  } else if (JSON_NODE_HOLDS_OBJECT (n)) {
    ok = only_members (json_node_get_object (n), p, m, err);
  } else {
    ok = type_error (err, p, "'auto', an object or null", n);
  }
  g_free (p);
  return ok;
}

static gboolean
check_truncation (JsonObject * obj, const gchar * path, EmuApiError * err)
{
  static const gchar *const modes[] = { "auto", "disabled", NULL };
  static const gchar *const m[] = { "type", "retention_ratio", NULL };
  static const gchar *const types[] = { "retention_ratio", NULL };
  JsonNode *n = json_object_get_member (obj, "truncation");
  gchar *p;
  gboolean ok;

  if (n == NULL || is_string (n))
    return check_enum (obj, path, "truncation", modes, FALSE, err);
  p = g_strdup_printf ("%s.truncation", path);
  if (!JSON_NODE_HOLDS_OBJECT (n))
    ok = type_error (err, p, "a string or an object", n);
  else
    ok = only_members (json_node_get_object (n), p, m, err) &&
        check_enum (json_node_get_object (n), p, "type", types, TRUE, err) &&
        check_range (json_node_get_object (n), p, "retention_ratio", 0, 1,
        FALSE, FALSE, err);
  g_free (p);
  return ok;
}

static gboolean
check_ga_audio (JsonObject * audio, EmuApiError * err)
{
  static const gchar *const audio_m[] = { "input", "output", NULL };
  static const gchar *const output_m[] = { "format", "voice", "speed", NULL };
  JsonObject *input, *output, *o;

  if (!only_members (audio, "session.audio", audio_m, err) ||
      !get_object (audio, "session.audio", "input", FALSE, &input, err) ||
      !get_object (audio, "session.audio", "output", FALSE, &output, err))
    return FALSE;
  if (input) {
    if (!check_ga_input (input, err))
      return FALSE;
  }
  if (output) {
    if (!only_members (output, "session.audio.output", output_m, err) ||
        !get_object (output, "session.audio.output", "format", FALSE, &o,
            err) || (o && !check_ga_format (o, "session.audio.output.format",
                err)) ||
        !check_voice (output, "session.audio.output", "voice", FALSE, err) ||
        !check_range (output, "session.audio.output", "speed", 0.25, 1.5,
            FALSE, FALSE, err))
      return FALSE;
  }
  return TRUE;
}

static gboolean
check_model_member (JsonObject * obj, EmuApiError * err)
{
  JsonNode *n = json_object_get_member (obj, "model");

  if (n == NULL)
    return TRUE;
  if (!is_string (n))
    return type_error (err, "session.model", "a string", n);
  if (!emu_is_realtime_model (json_node_get_string (n)))
    return emu_api_error_set (err, 400, "session.model", "invalid_value",
        "Invalid value: '%s'. Supported values are: 'gpt-realtime', "
        "'gpt-realtime-mini' and their snapshots.", json_node_get_string (n));
  return TRUE;
}

static gboolean
validate_realtime_ga (JsonObject * session, EmuApiError * err)
{
  static const gchar *const top[] = { "type", "model", "instructions",
    "output_modalities", "audio", "tools", "tool_choice",
    "max_output_tokens", "tracing", "truncation", "prompt", "include", NULL
  };
  static const gchar *const session_types[] = { "realtime", NULL };
  JsonNode *type = json_object_get_member (session, "type");
  JsonObject *o;

  if (type == NULL)
    return emu_api_error_set (err, 400, "session.type",
        "missing_required_parameter",
        "Missing required parameter: 'session.type'.");
  if (is_string (type) &&
      g_str_equal (json_node_get_string (type), "transcription"))
    return emu_api_error_set (err, 400, "session.type", "invalid_value",
        "Passing a transcription session update event to a realtime "
        "session is not allowed.");
  return check_enum (session, "session", "type", session_types, TRUE, err) &&
      only_members (session, "session", top, err) &&
      check_model_member (session, err) &&
      check_string (session, "session", "instructions", FALSE, err) &&
      check_modalities (session, "session", "output_modalities", FALSE, err) &&
      get_object (session, "session", "audio", FALSE, &o, err) &&
      (o == NULL || check_ga_audio (o, err)) &&
      check_tools (session, "session", err) &&
      check_tool_choice (session, "session", err) &&
      check_max_tokens (session, "session", "max_output_tokens", err) &&
      check_tracing (session, "session", err) &&
      check_truncation (session, "session", err) &&
      get_object (session, "session", "prompt", TRUE, &o, err) &&
      check_include (session, err);
}

static gboolean
validate_realtime_beta (JsonObject * session, EmuApiError * err)
{
  static const gchar *const top[] = { "model", "modalities", "instructions",
    "voice", "input_audio_format", "output_audio_format",
    "input_audio_transcription", "input_audio_noise_reduction",
    "turn_detection", "tools", "tool_choice", "temperature",
    "max_response_output_tokens", "speed", "tracing", NULL
  };
  static const gchar *const beta_formats[] = { "pcm16", "g711_ulaw",
    "g711_alaw", NULL
  };

  if (!only_members (session, "session", top, err) ||
      !check_model_member (session, err) ||
      !check_modalities (session, "session", "modalities", TRUE, err) ||
      !check_string (session, "session", "instructions", FALSE, err) ||
      !check_voice (session, "session", "voice", TRUE, err) ||
      !check_enum (session, "session", "input_audio_format", beta_formats,
          FALSE, err) ||
      !check_enum (session, "session", "output_audio_format", beta_formats,
          FALSE, err) ||
      !check_tools (session, "session", err) ||
      !check_tool_choice (session, "session", err) ||
      !check_range (session, "session", "temperature", 0.6, 1.2, FALSE,
          FALSE, err) ||
      !check_max_tokens (session, "session", "max_response_output_tokens",
          err) ||
      !check_range (session, "session", "speed", 0.25, 1.5, FALSE, FALSE,
          err) || !check_tracing (session, "session", err))
    return FALSE;
  return check_beta_input (session, err);
}

gboolean
emu_validate_realtime_session (JsonObject * session, gboolean beta,
    EmuApiError * err)
{
  return beta ? validate_realtime_beta (session, err) :
      validate_realtime_ga (session, err);
}

/* ---- Conversation items ---- */

static gboolean
check_content (JsonArray * content, const gchar * path, const gchar * role,
    gboolean beta, EmuApiError * err)
{
  static const gchar *const user_ga[] = { "input_text", "input_audio",
    "input_image", NULL
  };
  static const gchar *const user_beta[] = { "input_text", "input_audio",
    "item_reference", NULL
  };
  static const gchar *const system[] = { "input_text", NULL };
  static const gchar *const assistant_ga[] = { "output_text",
    "output_audio", NULL
  };
  static const gchar *const assistant_beta[] = { "text", "audio", NULL };
  static const gchar *const part_m[] = { "type", "text", "audio",
    "transcript", "image_url", "detail", "id", NULL
  };
  const gchar *const *types = g_str_equal (role, "system") ? system :
      g_str_equal (role, "user") ? (beta ? user_beta : user_ga) :
      (beta ? assistant_beta : assistant_ga);
  guint i;

  for (i = 0; i < json_array_get_length (content); i++) {
    JsonNode *e = json_array_get_element (content, i);
    gchar *p = g_strdup_printf ("%s[%u]", path, i);
    gboolean ok;

    if (!JSON_NODE_HOLDS_OBJECT (e)) {
      ok = type_error (err, p, "an object", e);
    } else {
      JsonObject *part = json_node_get_object (e);
      const gchar *t;

      ok = check_enum (part, p, "type", types, TRUE, err) &&
          only_members (part, p, part_m, err);
      t = ok ? json_object_get_string_member (part, "type") : "";
      if (ok && (g_str_has_suffix (t, "text") || g_str_equal (t, "text")))
        ok = check_string (part, p, "text", TRUE, err);
      if (ok && g_str_has_suffix (t, "audio")) {
        JsonNode *a = json_object_get_member (part, "audio");

        ok = check_string (part, p, "transcript", FALSE, err);
        if (ok && a && (!is_string (a) ||
                !emu_is_base64 (json_node_get_string (a)))) {
          gchar *ap = g_strdup_printf ("%s.audio", p);

          ok = emu_api_error_set (err, 400, ap, "invalid_value",
              "Invalid '%s'. Expected base64-encoded audio bytes.", ap);
          g_free (ap);
        }
      }
    }
    g_free (p);
    if (!ok)
      return FALSE;
  }
  return TRUE;
}

gboolean
emu_validate_conversation_item (JsonObject * item, const gchar * path,
    gboolean beta, EmuApiError * err)
{
  static const gchar *const types[] = { "message", "function_call",
    "function_call_output", NULL
  };
  static const gchar *const roles[] = { "user", "assistant", "system", NULL };
  static const gchar *const message_m[] = { "id", "type", "object",
    "status", "role", "content", NULL
  };
  static const gchar *const call_m[] = { "id", "type", "object", "status",
    "call_id", "name", "arguments", NULL
  };
  static const gchar *const output_m[] = { "id", "type", "object", "status",
    "call_id", "output", NULL
  };
  const gchar *type;

  if (!check_enum (item, path, "type", types, TRUE, err) ||
      !check_string (item, path, "id", FALSE, err))
    return FALSE;
  type = json_object_get_string_member (item, "type");
  if (g_str_equal (type, "message")) {
    JsonNode *c = json_object_get_member (item, "content");
    gchar *p;
    gboolean ok;

    if (!only_members (item, path, message_m, err) ||
        !check_enum (item, path, "role", roles, TRUE, err))
      return FALSE;
    p = g_strdup_printf ("%s.content", path);
    if (c == NULL)
      ok = emu_api_error_set (err, 400, p, "missing_required_parameter",
          "Missing required parameter: '%s'.", p);
    else if (!JSON_NODE_HOLDS_ARRAY (c))
      ok = type_error (err, p, "an array", c);
    else
      ok = check_content (json_node_get_array (c), p,
          json_object_get_string_member (item, "role"), beta, err);
    g_free (p);
    return ok;
  }
  if (g_str_equal (type, "function_call"))
    return only_members (item, path, call_m, err) &&
        check_string (item, path, "call_id", TRUE, err) &&
        check_string (item, path, "name", TRUE, err) &&
        check_string (item, path, "arguments", TRUE, err);
  return only_members (item, path, output_m, err) &&
      check_string (item, path, "call_id", TRUE, err) &&
      check_string (item, path, "output", TRUE, err);
}

/* ---- response.create parameters ---- */

gboolean
emu_validate_response_params (JsonObject * resp, gboolean beta,
    EmuApiError * err)
{
  static const gchar *const ga_m[] = { "output_modalities", "instructions",
    "tools", "tool_choice", "conversation", "metadata", "input",
    "max_output_tokens", "audio", "prompt", NULL
  };
  static const gchar *const beta_m[] = { "modalities", "instructions",
    "voice", "output_audio_format", "tools", "tool_choice", "temperature",
    "max_response_output_tokens", "conversation", "metadata", "input", NULL
  };
  static const gchar *const conversations[] = { "auto", "none", NULL };
  static const gchar *const beta_formats[] = { "pcm16", "g711_ulaw",
    "g711_alaw", NULL
  };
  JsonObject *o;
  JsonNode *input;

  if (!only_members (resp, "response", beta ? beta_m : ga_m, err) ||
      !check_string (resp, "response", "instructions", FALSE, err) ||
      !check_modalities (resp, "response", beta ? "modalities" :
          "output_modalities", beta, err) ||
      !check_tools (resp, "response", err) ||
      !check_tool_choice (resp, "response", err) ||
      !check_enum (resp, "response", "conversation", conversations, FALSE,
          err) ||
      !check_max_tokens (resp, "response", beta ?
          "max_response_output_tokens" : "max_output_tokens", err) ||
      !get_object (resp, "response", "metadata", TRUE, &o, err))
    return FALSE;
  if (beta && (!check_voice (resp, "response", "voice", TRUE, err) ||
          !check_enum (resp, "response", "output_audio_format", beta_formats,
              FALSE, err) ||
          !check_range (resp, "response", "temperature", 0.6, 1.2, FALSE,
              FALSE, err)))
    return FALSE;
  if (!beta) {
    static const gchar *const audio_m[] = { "output", NULL };
    static const gchar *const output_m[] = { "format", "voice", NULL };
    JsonObject *out = NULL, *f;

    if (!get_object (resp, "response", "audio", FALSE, &o, err) ||
        (o && (!only_members (o, "response.audio", audio_m, err) ||
                !get_object (o, "response.audio", "output", FALSE, &out,
                    err))) ||
        (out && (!only_members (out, "response.audio.output", output_m, err)
                || !check_voice (out, "response.audio.output", "voice",
                    FALSE, err) ||
                !get_object (out, "response.audio.output", "format", FALSE,
                    &f, err) || (f && !check_ga_format (f,
                        "response.audio.output.format", err)))))
      return FALSE;
  }
  input = json_object_get_member (resp, "input");
  if (input) {
    JsonArray *a;
    guint i;

    if (!JSON_NODE_HOLDS_ARRAY (input))
      return type_error (err, "response.input", "an array", input);
    a = json_node_get_array (input);
    for (i = 0; i < json_array_get_length (a); i++) {
      JsonNode *e = json_array_get_element (a, i);
      gchar *p = g_strdup_printf ("response.input[%u]", i);
      gboolean ok;

      if (!JSON_NODE_HOLDS_OBJECT (e)) {
        ok = type_error (err, p, "an object", e);
      } else if (g_strcmp0 (json_object_get_string_member_with_default
              (json_node_get_object (e), "type", NULL),
              "item_reference") == 0) {
        static const gchar *const m[] = { "type", "id", NULL };

        ok = only_members (json_node_get_object (e), p, m, err) &&
            check_string (json_node_get_object (e), p, "id", TRUE, err);
      } else {
        ok = emu_validate_conversation_item (json_node_get_object (e), p,
            beta, err);
      }
      g_free (p);
      if (!ok)
        return FALSE;
    }
  }
  return TRUE;
}
