/* gst-sandra: responses of POST /v1/audio/transcriptions
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-transcription-response.h"
#include "sandra-json-util.h"

#include <gio/gio.h>
#include <string.h>

G_DEFINE_ENUM_TYPE (SandraTranscriptionFormat, sandra_transcription_format,
    G_DEFINE_ENUM_VALUE (SANDRA_TRANSCRIPTION_FORMAT_JSON, "json"),
    G_DEFINE_ENUM_VALUE (SANDRA_TRANSCRIPTION_FORMAT_TEXT, "text"),
    G_DEFINE_ENUM_VALUE (SANDRA_TRANSCRIPTION_FORMAT_VERBOSE_JSON,
        "verbose-json"));

const gchar *
sandra_transcription_format_to_wire (SandraTranscriptionFormat format)
{
  switch (format) {
    case SANDRA_TRANSCRIPTION_FORMAT_TEXT:
      return "text";
    case SANDRA_TRANSCRIPTION_FORMAT_VERBOSE_JSON:
      return "verbose_json";
    default:
      return "json";
  }
}

/* Whisper's language names (as verbose_json reports them) with their
 * ISO-639-1 codes, followed by the aliases Whisper also accepts. */
static const struct
{
  const gchar *name;
  const gchar *code;
} languages[] = {
  {"english", "en"}, {"chinese", "zh"}, {"german", "de"}, {"spanish", "es"},
  {"russian", "ru"}, {"korean", "ko"}, {"french", "fr"}, {"japanese", "ja"},
  {"portuguese", "pt"}, {"turkish", "tr"}, {"polish", "pl"},
  {"catalan", "ca"}, {"dutch", "nl"}, {"arabic", "ar"}, {"swedish", "sv"},
  {"italian", "it"}, {"indonesian", "id"}, {"hindi", "hi"},
  {"finnish", "fi"}, {"vietnamese", "vi"}, {"hebrew", "he"},
  {"ukrainian", "uk"}, {"greek", "el"}, {"malay", "ms"}, {"czech", "cs"},
  {"romanian", "ro"}, {"danish", "da"}, {"hungarian", "hu"}, {"tamil", "ta"},
  {"norwegian", "no"}, {"thai", "th"}, {"urdu", "ur"}, {"croatian", "hr"},
  {"bulgarian", "bg"}, {"lithuanian", "lt"}, {"latin", "la"},
  {"maori", "mi"}, {"malayalam", "ml"}, {"welsh", "cy"}, {"slovak", "sk"},
  {"telugu", "te"}, {"persian", "fa"}, {"latvian", "lv"}, {"bengali", "bn"},
  {"serbian", "sr"}, {"azerbaijani", "az"}, {"slovenian", "sl"},
  {"kannada", "kn"}, {"estonian", "et"}, {"macedonian", "mk"},
  {"breton", "br"}, {"basque", "eu"}, {"icelandic", "is"},
  {"armenian", "hy"}, {"nepali", "ne"}, {"mongolian", "mn"},
  {"bosnian", "bs"}, {"kazakh", "kk"}, {"albanian", "sq"}, {"swahili", "sw"},
  {"galician", "gl"}, {"marathi", "mr"}, {"punjabi", "pa"},
  {"sinhala", "si"}, {"khmer", "km"}, {"shona", "sn"}, {"yoruba", "yo"},
  {"somali", "so"}, {"afrikaans", "af"}, {"occitan", "oc"},
  {"georgian", "ka"}, {"belarusian", "be"}, {"tajik", "tg"}, {"sindhi", "sd"},
  {"gujarati", "gu"}, {"amharic", "am"}, {"yiddish", "yi"}, {"lao", "lo"},
  {"uzbek", "uz"}, {"faroese", "fo"}, {"haitian creole", "ht"},
  {"pashto", "ps"}, {"turkmen", "tk"}, {"nynorsk", "nn"}, {"maltese", "mt"},
  {"sanskrit", "sa"}, {"luxembourgish", "lb"}, {"myanmar", "my"},
  {"tibetan", "bo"}, {"tagalog", "tl"}, {"malagasy", "mg"},
  {"assamese", "as"}, {"tatar", "tt"}, {"hawaiian", "haw"},
  {"lingala", "ln"}, {"hausa", "ha"}, {"bashkir", "ba"}, {"javanese", "jv"},
  {"sundanese", "su"}, {"cantonese", "zh"},
  /* aliases */
  {"burmese", "my"}, {"valencian", "ca"}, {"flemish", "nl"},
  {"haitian", "ht"}, {"letzeburgesch", "lb"}, {"pushto", "ps"},
  {"panjabi", "pa"}, {"moldavian", "ro"}, {"moldovan", "ro"},
  {"sinhalese", "si"}, {"castilian", "es"}, {"mandarin", "zh"},
};

const gchar *
sandra_transcription_language_to_code (const gchar * language)
{
  gchar *lower;
  const gchar *code = NULL;
  guint i;

  if (language == NULL)
    return NULL;
  lower = g_strstrip (g_ascii_strdown (language, -1));
  /* Whisper's own token for Javanese is not the ISO code */
  if (!strcmp (lower, "jw"))
    code = "jv";
  for (i = 0; code == NULL && i < G_N_ELEMENTS (languages); i++)
    if (!strcmp (lower, languages[i].name)
        || !strcmp (lower, languages[i].code))
      code = languages[i].code;
  g_free (lower);
  return code;
}

static void
usage_init (SandraTranscriptionUsage * u)
{
  u->input_tokens = u->input_audio_tokens = -1;
  u->output_tokens = u->total_tokens = -1;
  u->seconds = -1.0;
}

/* Fills @u from a usage object; FALSE if there is none. */
static gboolean
read_usage (SandraTranscriptionUsage * u, JsonObject * usage)
{
  usage_init (u);
  if (usage == NULL)
    return FALSE;
  u->input_tokens = sandra_json_get_int (usage, "input_tokens", -1);
  u->input_audio_tokens = sandra_json_get_int (sandra_json_get_object (usage,
          "input_token_details"), "audio_tokens", -1);
  u->output_tokens = sandra_json_get_int (usage, "output_tokens", -1);
  u->total_tokens = sandra_json_get_int (usage, "total_tokens", -1);
  u->seconds = sandra_json_get_double (usage, "seconds", -1.0);
  return TRUE;
}

static void
segment_clear (gpointer p)
{
  g_free (((SandraTranscriptionSegment *) p)->text);
}

static void
word_clear (gpointer p)
{
  g_free (((SandraTranscriptionWord *) p)->word);
}

static GArray *
read_segments (JsonArray * arr)
{
  GArray *segments;
  guint i;

  if (arr == NULL)
    return NULL;
  segments = g_array_new (FALSE, TRUE, sizeof (SandraTranscriptionSegment));
  g_array_set_clear_func (segments, segment_clear);
  for (i = 0; i < json_array_get_length (arr); i++) {
    JsonNode *n = json_array_get_element (arr, i);
    JsonObject *o;
    SandraTranscriptionSegment seg;

    if (!JSON_NODE_HOLDS_OBJECT (n))
      continue;
    o = json_node_get_object (n);
    seg.id = (gint) CLAMP (sandra_json_get_int (o, "id", -1), -1, G_MAXINT);
    seg.start = sandra_json_get_double (o, "start", -1.0);
    seg.end = sandra_json_get_double (o, "end", -1.0);
    seg.text = g_strdup (sandra_json_get_string (o, "text"));
    seg.avg_logprob = sandra_json_get_double (o, "avg_logprob", 0.0);
    seg.no_speech_prob = sandra_json_get_double (o, "no_speech_prob", 0.0);
    seg.compression_ratio =
        sandra_json_get_double (o, "compression_ratio", -1.0);
    seg.temperature = sandra_json_get_double (o, "temperature", -1.0);
    g_array_append_val (segments, seg);
  }
  return segments;
}

static GArray *
read_words (JsonArray * arr)
{
  GArray *words;
  guint i;

  if (arr == NULL)
    return NULL;
  words = g_array_new (FALSE, TRUE, sizeof (SandraTranscriptionWord));
  g_array_set_clear_func (words, word_clear);
  for (i = 0; i < json_array_get_length (arr); i++) {
    JsonNode *n = json_array_get_element (arr, i);
    JsonObject *o;
    SandraTranscriptionWord w;

    if (!JSON_NODE_HOLDS_OBJECT (n))
      continue;
    o = json_node_get_object (n);
    w.word = g_strdup (sandra_json_get_string (o, "word"));
    w.start = sandra_json_get_double (o, "start", -1.0);
    w.end = sandra_json_get_double (o, "end", -1.0);
    g_array_append_val (words, w);
  }
  return words;
}

static SandraTranscription *
transcription_new (void)
{
  SandraTranscription *t = g_new0 (SandraTranscription, 1);

  t->duration = -1.0;
  usage_init (&t->usage);
  return t;
}

static SandraTranscription *
parse_text (const gchar * body, gssize length)
{
  SandraTranscription *t = transcription_new ();
  gsize len = length < 0 ? strlen (body) : (gsize) length;

  /* the body ends with a newline that is not part of the transcript */
  while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r'))
    len--;
  t->text = g_utf8_make_valid (body, len);
  return t;
}

SandraTranscription *
sandra_transcription_parse (SandraTranscriptionFormat format,
    const gchar * body, gssize length, GError ** error)
{
  SandraTranscription *t;
  JsonObject *o, *err_obj;
  const gchar *text;

  g_return_val_if_fail (body != NULL, NULL);

  if (format == SANDRA_TRANSCRIPTION_FORMAT_TEXT)
    return parse_text (body, length);

  o = sandra_json_parse_object (body, length, "Transcription response", error);
  if (o == NULL)
    return NULL;
  text = sandra_json_get_string (o, "text");
  if (text == NULL) {
    err_obj = sandra_json_get_object (o, "error");
    if (err_obj && sandra_json_get_string (err_obj, "message"))
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "Transcription failed: %s",
          sandra_json_get_string (err_obj, "message"));
    else
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
          "Transcription response has no text");
    json_object_unref (o);
    return NULL;
  }

  t = transcription_new ();
  t->text = g_strdup (text);
  t->has_usage = read_usage (&t->usage, sandra_json_get_object (o, "usage"));
  /* verbose_json members; harmless to look for in plain json */
  t->language_name = g_strdup (sandra_json_get_string (o, "language"));
  t->language = g_strdup (sandra_transcription_language_to_code
      (t->language_name));
  t->duration = sandra_json_get_double (o, "duration", -1.0);
  t->segments = read_segments (sandra_json_get_array (o, "segments"));
  t->words = read_words (sandra_json_get_array (o, "words"));
  json_object_unref (o);
  return t;
}

void
sandra_transcription_free (SandraTranscription * t)
{
  if (t == NULL)
    return;
  g_free (t->text);
  g_free (t->language);
  g_free (t->language_name);
  if (t->segments)
    g_array_unref (t->segments);
  if (t->words)
    g_array_unref (t->words);
  g_free (t);
}

SandraTranscriptionStreamEvent *
sandra_transcription_stream_event_parse (const gchar * data, gssize length,
    GError ** error)
{
  SandraTranscriptionStreamEvent *ev;
  JsonObject *o, *err_obj;
  const gchar *type;

  g_return_val_if_fail (data != NULL, NULL);

  o = sandra_json_parse_object (data, length, "Transcription stream event",
      error);
  if (o == NULL)
    return NULL;

  ev = g_new0 (SandraTranscriptionStreamEvent, 1);
  usage_init (&ev->usage);
  type = sandra_json_get_string (o, "type");
  ev->type_name = g_strdup (type);
  err_obj = sandra_json_get_object (o, "error");

  if (!g_strcmp0 (type, "transcript.text.delta")) {
    ev->type = SANDRA_TRANSCRIPTION_STREAM_EVENT_DELTA;
    ev->delta = g_strdup (sandra_json_get_string (o, "delta"));
  } else if (!g_strcmp0 (type, "transcript.text.done")) {
    ev->type = SANDRA_TRANSCRIPTION_STREAM_EVENT_DONE;
    ev->text = g_strdup (sandra_json_get_string (o, "text"));
    ev->has_usage = read_usage (&ev->usage,
        sandra_json_get_object (o, "usage"));
  } else if (err_obj || !g_strcmp0 (type, "error")) {
    /* an error object, bare or typed, aborts the stream */
    ev->type = SANDRA_TRANSCRIPTION_STREAM_EVENT_ERROR;
    ev->error_type = g_strdup (sandra_json_get_string (err_obj, "type"));
    ev->error_code = g_strdup (sandra_json_get_string (err_obj, "code"));
    ev->error_message = g_strdup (sandra_json_get_string (err_obj, "message"));
  }
  json_object_unref (o);
  return ev;
}

void
sandra_transcription_stream_event_free (SandraTranscriptionStreamEvent * ev)
{
  if (ev == NULL)
    return;
  g_free (ev->type_name);
  g_free (ev->delta);
  g_free (ev->text);
  g_free (ev->error_type);
  g_free (ev->error_code);
  g_free (ev->error_message);
  g_free (ev);
}
