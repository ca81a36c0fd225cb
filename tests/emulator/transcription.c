/* gst-sandra local API emulator: OpenAI audio transcription over HTTP
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * POST /v1/audio/transcriptions and /v1/audio/translations: a multipart
 * form is parsed, recorded and validated, then answered from the next
 * scripted reply in json, text, srt, vtt, verbose_json or, with
 * stream=true, as Server-Sent Events.
 */
#include "emulator-private.h"
#include "validate.h"

#include <math.h>
#include <string.h>

typedef struct
{
  SandraEmulator *emu;
  SoupServerMessage *msg;
  guint record;
  JsonObject *reply;
  gboolean translation;
  gchar *model;
  gchar *format;                /* response_format */
  gboolean stream;
  gboolean words;               /* timestamp_granularities[] has "word" */
  gdouble duration;             /* seconds of audio */
  /* streaming state */
  gchar **deltas;
  guint next_delta;
  guint delta_delay_ms;
} TxJob;

static void
tx_job_free (TxJob * job)
{
  g_object_unref (job->msg);
  if (job->reply)
    json_object_unref (job->reply);
  g_free (job->model);
  g_free (job->format);
  g_strfreev (job->deltas);
  g_free (job);
}

static const gchar *
reply_text (TxJob * job)
{
  return json_object_get_string_member_with_default (job->reply, "text", "");
}

/* ---- form parsing and validation ---- */

typedef struct
{
  GHashTable *fields;           /* name -> GPtrArray of gchar* */
  gchar *filename;
  gchar *content_type;
  GBytes *file;
} Form;

static void
form_clear (Form * f)
{
  g_clear_pointer (&f->fields, g_hash_table_unref);
  g_clear_pointer (&f->filename, g_free);
  g_clear_pointer (&f->content_type, g_free);
  g_clear_pointer (&f->file, g_bytes_unref);
}

static const gchar *
form_get (Form * f, const gchar * name)
{
  GPtrArray *v = g_hash_table_lookup (f->fields, name);

  return v && v->len ? g_ptr_array_index (v, v->len - 1) : NULL;
}

static const gchar *const transcription_fields[] = { "model", "language",
  "prompt", "response_format", "temperature", "timestamp_granularities[]",
  "include[]", "stream", "chunking_strategy", "chunking_strategy[type]",
  "chunking_strategy[prefix_padding_ms]",
  "chunking_strategy[silence_duration_ms]", "chunking_strategy[threshold]",
  NULL
};

static const gchar *const translation_fields[] = { "model", "prompt",
  "response_format", "temperature", NULL
};

/* Parses the multipart body into @form, recording every part. */
static gboolean
parse_form (TxJob * job, Form * form, EmuApiError * err)
{
  SoupMessageHeaders *headers =
      soup_server_message_get_request_headers (job->msg);
  GBytes *body = soup_message_body_flatten
      (soup_server_message_get_request_body (job->msg));
  const gchar *const *allowed = job->translation ? translation_fields :
      transcription_fields;
  const gchar *ctype = soup_message_headers_get_content_type (headers, NULL);
  SoupMultipart *mp = NULL;
  gboolean ok = TRUE;
  gint i;

  form->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_ptr_array_unref);
  if (ctype == NULL || g_ascii_strcasecmp (ctype, "multipart/form-data")) {
    ok = emu_api_error_set (err, 400, NULL, NULL,
        "Invalid Content-Type header (%s), expected multipart/form-data.",
        ctype ? ctype : "none");
    goto done;
  }
  mp = soup_multipart_new_from_message (headers, body);
  if (mp == NULL) {
    ok = emu_api_error_set (err, 400, NULL, NULL,
        "Could not parse multipart form");
    goto done;
  }

  for (i = 0; i < soup_multipart_get_length (mp); i++) {
    SoupMessageHeaders *ph;
    GBytes *pb;
    GHashTable *params = NULL;
    const gchar *name, *filename;

    soup_multipart_get_part (mp, i, &ph, &pb);
    if (!soup_message_headers_get_content_disposition (ph, NULL, &params) ||
        !(name = g_hash_table_lookup (params, "name"))) {
      if (params)
        g_hash_table_unref (params);
      ok = emu_api_error_set (err, 400, NULL, NULL,
          "Could not parse multipart form: a part has no name");
      goto done;
    }
    filename = g_hash_table_lookup (params, "filename");
    if (g_str_equal (name, "file")) {
      const gchar *pct = soup_message_headers_get_content_type (ph, NULL);

      emu_record_add_file (job->emu, job->record, name,
          filename ? filename : "", pct ? pct : "", pb);
      if (form->file == NULL) {
        form->file = g_bytes_ref (pb);
        form->filename = g_strdup (filename);
        form->content_type = g_strdup (pct);
      }
    } else {
      gchar *value = g_strndup (g_bytes_get_data (pb, NULL),
          g_bytes_get_size (pb));
      GPtrArray *values = g_hash_table_lookup (form->fields, name);

      emu_record_add_form_field (job->emu, job->record, name, value);
      if (values == NULL) {
        values = g_ptr_array_new_with_free_func (g_free);
        g_hash_table_insert (form->fields, g_strdup (name), values);
      }
      g_ptr_array_add (values, value);
      if (ok && !g_strv_contains (allowed, name))
        ok = emu_api_error_set (err, 400, name, NULL,
            "Unrecognized request argument supplied: %s", name);
    }
    g_hash_table_unref (params);
  }

done:
  if (mp)
    soup_multipart_free (mp);
  g_bytes_unref (body);
  return ok;
}

static gboolean
parse_bool (const gchar * s, gboolean * out)
{
  if (g_ascii_strcasecmp (s, "true") == 0) {
    *out = TRUE;
    return TRUE;
  }
  if (g_ascii_strcasecmp (s, "false") == 0) {
    *out = FALSE;
    return TRUE;
  }
  return FALSE;
}

static gboolean
validate_chunking (Form * form, EmuApiError * err)
{
  const gchar *cs = form_get (form, "chunking_strategy");
  const gchar *type = form_get (form, "chunking_strategy[type]");
  JsonNode *node;

  if (cs && !g_str_equal (cs, "auto")) {
    node = json_from_string (cs, NULL);
    if (node && JSON_NODE_HOLDS_OBJECT (node))
      type = json_object_get_string_member_with_default
          (json_node_get_object (node), "type", "");
    if (type == NULL || !g_str_equal (type, "server_vad")) {
      if (node)
        json_node_unref (node);
      return emu_api_error_set (err, 400, "chunking_strategy",
          "invalid_value", "Invalid value for 'chunking_strategy': expected "
          "'auto' or an object with type 'server_vad'.");
    }
    json_node_unref (node);
    return TRUE;
  }
  if (type && !g_str_equal (type, "server_vad"))
    return emu_api_error_set (err, 400, "chunking_strategy.type",
        "invalid_value", "Invalid value: '%s'. Supported values are: "
        "'server_vad'.", type);
  return TRUE;
}

static gboolean
validate_form (TxJob * job, Form * form, EmuApiError * err)
{
  static const gchar *const formats[] = { "json", "text", "srt",
    "verbose_json", "vtt", NULL
  };
  const gchar *model = form_get (form, "model");
  const gchar *rf = form_get (form, "response_format");
  const gchar *s;
  GPtrArray *v;
  gboolean extra;
  guint i;

  if (form->file == NULL)
    return emu_api_error_set (err, 400, "file", "missing_required_parameter",
        "Missing required parameter: 'file'.");
  if (model == NULL || *model == '\0')
    return emu_api_error_set (err, 400, "model",
        "missing_required_parameter", "Missing required parameter: 'model'.");
  g_mutex_lock (&job->emu->lock);
  extra = emu_scenario_extra_model (job->emu->scenario, model);
  g_mutex_unlock (&job->emu->lock);
  if (!extra && (job->translation ? !g_str_equal (model, "whisper-1") :
          !emu_is_transcription_model (model)))
    return emu_api_error_set (err, 400, "model", "invalid_value",
        "Invalid model '%s' for %s. Supported models: %s.", model,
        job->translation ? "translations" : "transcriptions",
        job->translation ? "'whisper-1'" : "'whisper-1', "
        "'gpt-4o-transcribe', 'gpt-4o-mini-transcribe'");
  job->model = g_strdup (model);

  if (!emu_check_audio_upload (form->filename, form->content_type,
          form->file, err))
    return FALSE;

  rf = rf ? rf : "json";
  if (!g_strv_contains (formats, rf))
    return emu_api_error_set (err, 400, "response_format", "invalid_value",
        "Invalid value: '%s'. Supported values are: 'json', 'text', 'srt', "
        "'verbose_json', and 'vtt'.", rf);
  if (emu_model_is_gpt4o (model) && !g_str_equal (rf, "json") &&
      !g_str_equal (rf, "text"))
    return emu_api_error_set (err, 400, "response_format",
        "unsupported_value", "response_format '%s' is not compatible with "
        "model '%s'. Use 'json' or 'text' instead.", rf, model);
  job->format = g_strdup (rf);

  if ((s = form_get (form, "temperature"))) {
    gchar *end = NULL;
    gdouble t = g_ascii_strtod (s, &end);

    if (end == s || *end != '\0' || isnan (t))
      return emu_api_error_set (err, 400, "temperature", "invalid_type",
          "Invalid type for 'temperature': expected a number, but got '%s'.",
          s);
    if (t < 0.0 || t > 1.0)
      return emu_api_error_set (err, 400, "temperature",
          "decimal_out_of_range", "Invalid 'temperature': %g is out of "
          "range, expected a value between 0 and 1.", t);
  }
  if ((s = form_get (form, "language")) && !emu_is_language_code (s))
    return emu_api_error_set (err, 400, "language", "invalid_language_format",
        "Invalid language '%s'. Language parameter must be specified in "
        "ISO-639-1 format.", s);

  if ((v = g_hash_table_lookup (form->fields, "timestamp_granularities[]"))) {
    if (!g_str_equal (rf, "verbose_json"))
      return emu_api_error_set (err, 400, "timestamp_granularities",
          "invalid_value", "timestamp_granularities is only supported with "
          "response_format 'verbose_json'.");
    for (i = 0; i < v->len; i++) {
      s = g_ptr_array_index (v, i);
      if (!g_str_equal (s, "word") && !g_str_equal (s, "segment"))
        return emu_api_error_set (err, 400, "timestamp_granularities",
            "invalid_value", "Invalid value: '%s'. Supported values are: "
            "'word' and 'segment'.", s);
      if (g_str_equal (s, "word"))
        job->words = TRUE;
    }
  }
  if ((v = g_hash_table_lookup (form->fields, "include[]"))) {
    for (i = 0; i < v->len; i++) {
      if (!g_str_equal (g_ptr_array_index (v, i), "logprobs"))
        return emu_api_error_set (err, 400, "include", "invalid_value",
            "Invalid value: '%s'. Supported values are: 'logprobs'.",
            (const gchar *) g_ptr_array_index (v, i));
    }
    if (!emu_model_is_gpt4o (model) || !g_str_equal (rf, "json"))
      return emu_api_error_set (err, 400, "include", "invalid_value",
          "include[]=logprobs is only supported for the gpt-4o "
          "transcription models with response_format 'json'.");
  }
  if ((s = form_get (form, "stream"))) {
    if (!parse_bool (s, &job->stream))
      return emu_api_error_set (err, 400, "stream", "invalid_type",
          "Invalid type for 'stream': expected a boolean, but got '%s'.", s);
    if (job->stream && !emu_model_is_gpt4o (model))
      return emu_api_error_set (err, 400, "stream", "unsupported_value",
          "Streaming is not supported for the model '%s'.", model);
  }
  return validate_chunking (form, err);
}

/* ---- replies ---- */

static gdouble
member_double (JsonObject * o, const gchar * name, gdouble def)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_double (n) : def;
}

static void
add_usage (TxJob * job, JsonBuilder * b)
{
  json_builder_set_member_name (b, "usage");
  json_builder_begin_object (b);
  if (emu_model_is_gpt4o (job->model)) {
    /* Token counts are estimates of the same order as the service's:
     * about 10 audio tokens a second, 4 characters a text token. */
    gint64 audio = (gint64) ceil (job->duration * 10.0);
    gint64 out = (strlen (reply_text (job)) + 3) / 4;

    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, "tokens");
    json_builder_set_member_name (b, "input_tokens");
    json_builder_add_int_value (b, audio);
    json_builder_set_member_name (b, "input_token_details");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "text_tokens");
    json_builder_add_int_value (b, 0);
    json_builder_set_member_name (b, "audio_tokens");
    json_builder_add_int_value (b, audio);
    json_builder_end_object (b);
    json_builder_set_member_name (b, "output_tokens");
    json_builder_add_int_value (b, out);
    json_builder_set_member_name (b, "total_tokens");
    json_builder_add_int_value (b, audio + out);
  } else {
    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, "duration");
    json_builder_set_member_name (b, "seconds");
    json_builder_add_int_value (b, (gint64) ceil (job->duration));
  }
  json_builder_end_object (b);
}

static gchar *
builder_to_string (JsonBuilder * b)
{
  JsonNode *root = json_builder_get_root (b);
  gchar *s = json_to_string (root, FALSE);

  json_node_unref (root);
  g_object_unref (b);
  return s;
}

/* The segments to report: the scripted ones, or one covering the audio. */
static JsonArray *
get_segments (TxJob * job)
{
  JsonArray *out = json_array_new ();
  JsonNode *n = json_object_get_member (job->reply, "segments");
  guint i;

  if (n && JSON_NODE_HOLDS_ARRAY (n)) {
    JsonArray *src = json_node_get_array (n);

    for (i = 0; i < json_array_get_length (src); i++) {
      JsonNode *e = json_array_get_element (src, i);

      if (JSON_NODE_HOLDS_OBJECT (e))
        json_array_add_object_element (out,
            json_object_ref (json_node_get_object (e)));
    }
  }
  if (json_array_get_length (out) == 0) {
    JsonObject *seg = json_object_new ();

    json_object_set_double_member (seg, "start", 0.0);
    json_object_set_double_member (seg, "end", job->duration);
    json_object_set_string_member (seg, "text", reply_text (job));
    json_array_add_object_element (out, seg);
  }
  return out;
}

static void
add_words (TxJob * job, JsonBuilder * b)
{
  gchar **words = g_strsplit_set (reply_text (job), " \t\n", -1);
  guint i, n = 0;
  gdouble t = 0.0, step;

  for (i = 0; words[i]; i++)
    n += *words[i] != '\0';
  step = n ? job->duration / n : 0.0;
  json_builder_set_member_name (b, "words");
  json_builder_begin_array (b);
  for (i = 0; words[i]; i++) {
    if (*words[i] == '\0')
      continue;
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "word");
    json_builder_add_string_value (b, words[i]);
    json_builder_set_member_name (b, "start");
    json_builder_add_double_value (b, t);
    json_builder_set_member_name (b, "end");
    json_builder_add_double_value (b, t + step);
    json_builder_end_object (b);
    t += step;
  }
  json_builder_end_array (b);
  g_strfreev (words);
}

static gchar *
verbose_json (TxJob * job)
{
  JsonBuilder *b = json_builder_new ();
  JsonArray *segs = get_segments (job);
  const gchar *lang = job->translation ? "en" :
      json_object_get_string_member_with_default (job->reply, "language",
      "en");
  guint i;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "task");
  json_builder_add_string_value (b, job->translation ? "translate" :
      "transcribe");
  json_builder_set_member_name (b, "language");
  json_builder_add_string_value (b, emu_language_name (lang) ?
      emu_language_name (lang) : lang);
  json_builder_set_member_name (b, "duration");
  json_builder_add_double_value (b, job->duration);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, reply_text (job));
  json_builder_set_member_name (b, "segments");
  json_builder_begin_array (b);
  for (i = 0; i < json_array_get_length (segs); i++) {
    JsonObject *s = json_array_get_object_element (segs, i);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "id");
    json_builder_add_int_value (b, i);
    json_builder_set_member_name (b, "seek");
    json_builder_add_int_value (b, 0);
    json_builder_set_member_name (b, "start");
    json_builder_add_double_value (b, member_double (s, "start", 0.0));
    json_builder_set_member_name (b, "end");
    json_builder_add_double_value (b, member_double (s, "end",
            job->duration));
    json_builder_set_member_name (b, "text");
    json_builder_add_string_value (b,
        json_object_get_string_member_with_default (s, "text", ""));
    json_builder_set_member_name (b, "tokens");
    json_builder_begin_array (b);
    json_builder_end_array (b);
    json_builder_set_member_name (b, "temperature");
    json_builder_add_double_value (b, 0.0);
    json_builder_set_member_name (b, "avg_logprob");
    json_builder_add_double_value (b, member_double (s, "avg_logprob",
            -0.2));
    json_builder_set_member_name (b, "compression_ratio");
    json_builder_add_double_value (b, 1.0);
    json_builder_set_member_name (b, "no_speech_prob");
    json_builder_add_double_value (b, member_double (s, "no_speech_prob",
            0.01));
    json_builder_end_object (b);
  }
  json_builder_end_array (b);
  if (job->words)
    add_words (job, b);
  add_usage (job, b);
  json_builder_end_object (b);
  json_array_unref (segs);
  return builder_to_string (b);
}

static gchar *
plain_json (TxJob * job)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, reply_text (job));
  add_usage (job, b);
  json_builder_end_object (b);
  return builder_to_string (b);
}

static gchar *
subtitles (TxJob * job, gboolean vtt)
{
  GString *s = g_string_new (vtt ? "WEBVTT\n\n" : "");
  JsonArray *segs = get_segments (job);
  guint i;

  for (i = 0; i < json_array_get_length (segs); i++) {
    JsonObject *seg = json_array_get_object_element (segs, i);
    gdouble t[2] = { member_double (seg, "start", 0.0),
      member_double (seg, "end", job->duration)
    };
    gchar stamp[2][32];
    guint k;

    for (k = 0; k < 2; k++) {
      guint64 ms = (guint64) llround (t[k] * 1000.0);

      g_snprintf (stamp[k], sizeof (stamp[k]), "%02u:%02u:%02u%c%03u",
          (guint) (ms / 3600000), (guint) (ms / 60000 % 60),
          (guint) (ms / 1000 % 60), vtt ? '.' : ',', (guint) (ms % 1000));
    }
    if (!vtt)
      g_string_append_printf (s, "%u\n", i + 1);
    g_string_append_printf (s, "%s --> %s\n%s\n\n", stamp[0], stamp[1],
        json_object_get_string_member_with_default (seg, "text", ""));
  }
  json_array_unref (segs);
  return g_string_free (s, FALSE);
}

/* The body and content type of a complete (non-streamed) reply. */
static gchar *
build_body (TxJob * job, const gchar ** ctype)
{
  *ctype = "application/json";
  if (g_str_equal (job->format, "text")) {
    *ctype = "text/plain; charset=utf-8";
    return g_strdup_printf ("%s\n", reply_text (job));
  }
  if (g_str_equal (job->format, "srt") || g_str_equal (job->format, "vtt")) {
    *ctype = "text/plain; charset=utf-8";
    return subtitles (job, g_str_equal (job->format, "vtt"));
  }
  if (g_str_equal (job->format, "verbose_json"))
    return verbose_json (job);
  return plain_json (job);
}

static gchar *
sse_event (const gchar * type, const gchar * member, const gchar * value,
    TxJob * job)
{
  JsonBuilder *b = json_builder_new ();
  gchar *json, *line;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, value);
  if (job)
    add_usage (job, b);
  json_builder_end_object (b);
  json = builder_to_string (b);
  line = g_strdup_printf ("data: %s\n\n", json);
  g_free (json);
  return line;
}

/* Splits the text into word-sized deltas that concatenate back to it. */
static gchar **
default_deltas (const gchar * text)
{
  GPtrArray *out = g_ptr_array_new ();
  const gchar *p = text, *start = text;

  while (*p) {
    if (*p == ' ' && p != start) {
      g_ptr_array_add (out, g_strndup (start, p - start));
      start = p;
    }
    p++;
  }
  if (p != start)
    g_ptr_array_add (out, g_strndup (start, p - start));
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

static gchar **
get_deltas (TxJob * job)
{
  JsonNode *n = json_object_get_member (job->reply, "deltas");
  GPtrArray *out;
  JsonArray *a;
  guint i;

  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return default_deltas (reply_text (job));
  a = json_node_get_array (n);
  out = g_ptr_array_new ();
  for (i = 0; i < json_array_get_length (a); i++)
    g_ptr_array_add (out,
        g_strdup (json_array_get_string_element (a, i) ? : ""));
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

static void
apply_headers (TxJob * job)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (job->msg);
  JsonNode *n;

  if ((n = json_object_get_member (job->reply, "headers")) &&
      JSON_NODE_HOLDS_OBJECT (n)) {
    JsonObjectIter iter;
    const gchar *name;
    JsonNode *v;

    json_object_iter_init (&iter, json_node_get_object (n));
    while (json_object_iter_next (&iter, &name, &v)) {
      if (JSON_NODE_HOLDS_VALUE (v)) {
        gchar *s = json_node_get_value_type (v) == G_TYPE_STRING ?
            g_strdup (json_node_get_string (v)) :
            g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (v));

        soup_message_headers_replace (h, name, s);
        g_free (s);
      }
    }
  }
  if ((n = json_object_get_member (job->reply, "retry_after"))) {
    gchar *s = json_node_get_value_type (n) == G_TYPE_STRING ?
        g_strdup (json_node_get_string (n)) :
        g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));

    soup_message_headers_replace (h, "retry-after", s);
    g_free (s);
  }
  if ((n = json_object_get_member (job->reply, "retry_after_ms"))) {
    gchar *s = json_node_get_value_type (n) == G_TYPE_STRING ?
        g_strdup (json_node_get_string (n)) :
        g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));

    soup_message_headers_replace (h, "retry-after-ms", s);
    g_free (s);
  }
}

/* A scripted error: the "body" verbatim, or the service's error shape. */
static void
reply_scripted_error (TxJob * job)
{
  guint status = json_object_get_int_member (job->reply, "status");
  JsonNode *body = json_object_get_member (job->reply, "body");
  JsonObject *e = json_object_has_member (job->reply, "error") ?
      json_object_get_object_member (job->reply, "error") : NULL;
  const gchar *ctype = json_object_get_string_member_with_default
      (job->reply, "content_type", "application/json");
  gchar *text;

  if (body && JSON_NODE_HOLDS_VALUE (body) &&
      json_node_get_value_type (body) == G_TYPE_STRING) {
    text = g_strdup (json_node_get_string (body));
  } else if (body) {
    text = json_to_string (body, FALSE);
  } else {
    JsonBuilder *b = json_builder_new ();
    const gchar *code = e ? json_object_get_string_member_with_default (e,
        "code", NULL) : NULL;
    const gchar *param = e ? json_object_get_string_member_with_default (e,
        "param", NULL) : NULL;

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "error");
    json_builder_begin_object (b);
    json_builder_set_member_name (b, "message");
    json_builder_add_string_value (b, e ?
        json_object_get_string_member_with_default (e, "message",
            "Scripted error") : emu_status_phrase (status));
    json_builder_set_member_name (b, "type");
    json_builder_add_string_value (b, e ?
        json_object_get_string_member_with_default (e, "type",
            status >= 500 ? "server_error" : "invalid_request_error") :
        status >= 500 ? "server_error" : "invalid_request_error");
    json_builder_set_member_name (b, "param");
    if (param)
      json_builder_add_string_value (b, param);
    else
      json_builder_add_null_value (b);
    json_builder_set_member_name (b, "code");
    if (code)
      json_builder_add_string_value (b, code);
    else
      json_builder_add_null_value (b);
    json_builder_end_object (b);
    json_builder_end_object (b);
    text = builder_to_string (b);
  }
  emu_set_status (job->msg, status);
  soup_server_message_set_response (job->msg, ctype, SOUP_MEMORY_TAKE, text,
      strlen (text));
  emu_record_set_status (job->emu, job->record, status);
  emu_log (job->emu, "  -> %u (scripted)", status);
}

/* Writes a response that stops half way and drops the connection, as a
 * failing proxy or server would. */
static void
reply_disconnect (TxJob * job)
{
  GIOStream *io = soup_server_message_steal_connection (job->msg);
  GOutputStream *out;
  GString *raw = g_string_new ("HTTP/1.1 200 OK\r\n");
  gchar *body = NULL;

  if (io == NULL)
    return;
  /* Recorded first: the client may look as soon as the socket closes. */
  emu_record_set_status (job->emu, job->record, 200);
  emu_record_set_member (job->emu, job->record, "disconnected",
      json_node_init_boolean (json_node_alloc (), TRUE));
  emu_log (job->emu, "  -> 200, connection dropped mid-response (scripted)");
  out = g_io_stream_get_output_stream (io);
  if (job->stream) {
    gchar **deltas = get_deltas (job);
    gchar *ev = sse_event ("transcript.text.delta", "delta",
        deltas[0] ? deltas[0] : "", NULL);

    g_string_append (raw, "Content-Type: text/event-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
    g_string_append_printf (raw, "%zx\r\n%s\r\n", strlen (ev), ev);
    g_free (ev);
    g_strfreev (deltas);
  } else {
    const gchar *ctype;

    body = build_body (job, &ctype);
    g_string_append_printf (raw, "Content-Type: %s\r\nContent-Length: %zu"
        "\r\n\r\n%.*s", ctype, strlen (body), (int) (strlen (body) / 2),
        body);
  }
  g_output_stream_write_all (out, raw->str, raw->len, NULL, NULL, NULL);
  g_io_stream_close (io, NULL, NULL);
  g_object_unref (io);
  g_string_free (raw, TRUE);
  g_free (body);
}

static gboolean stream_next (gpointer data);

static void
stream_start (TxJob * job)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (job->msg);

  soup_server_message_set_status (job->msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_type (h, "text/event-stream", NULL);
  soup_message_headers_set_encoding (h, SOUP_ENCODING_CHUNKED);
  soup_message_headers_replace (h, "Cache-Control", "no-cache");
  emu_record_set_status (job->emu, job->record, 200);
  job->deltas = get_deltas (job);
  job->delta_delay_ms = json_object_get_int_member_with_default (job->reply,
      "delta_delay_ms", 0);
  emu_log (job->emu, "  -> 200 SSE, %u deltas",
      g_strv_length (job->deltas));
  stream_next (job);
}

/* Appends one event (then the next after delta_delay_ms) until done. */
static gboolean
stream_next (gpointer data)
{
  TxJob *job = data;
  SoupMessageBody *body = soup_server_message_get_response_body (job->msg);
  gboolean malformed = json_object_get_boolean_member_with_default
      (job->reply, "malformed", FALSE);
  gchar *ev;

  if (job->deltas[job->next_delta]) {
    ev = sse_event ("transcript.text.delta", "delta",
        job->deltas[job->next_delta++], NULL);
    soup_message_body_append (body, SOUP_MEMORY_TAKE, ev, strlen (ev));
    soup_server_message_unpause (job->msg);
    if (job->deltas[job->next_delta] || !malformed) {
      GSource *src = emu_timeout_add (job->emu, job->delta_delay_ms,
          stream_next, job, NULL);

      g_source_unref (src);
      return G_SOURCE_REMOVE;
    }
  }
  if (malformed) {
    /* A cut-off JSON object and no done event. */
    ev = g_strdup ("data: {\"type\":\"transcript.text.delta\",\"delta\":\n\n");
  } else {
    ev = sse_event ("transcript.text.done", "text", reply_text (job), job);
  }
  soup_message_body_append (body, SOUP_MEMORY_TAKE, ev, strlen (ev));
  soup_message_body_complete (body);
  soup_server_message_unpause (job->msg);
  tx_job_free (job);
  return G_SOURCE_REMOVE;
}

static gboolean
respond (gpointer data)
{
  TxJob *job = data;
  const gchar *ctype;
  gchar *body;

  apply_headers (job);
  if (json_object_get_int_member_with_default (job->reply, "status",
          200) >= 300) {
    reply_scripted_error (job);
  } else if (json_object_get_boolean_member_with_default (job->reply,
          "disconnect", FALSE)) {
    reply_disconnect (job);
    tx_job_free (job);          /* the message no longer has a connection */
    return G_SOURCE_REMOVE;
  } else if (job->stream) {
    stream_start (job);
    return G_SOURCE_REMOVE;     /* the stream owns the job now */
  } else {
    body = build_body (job, &ctype);
    if (json_object_get_boolean_member_with_default (job->reply, "malformed",
            FALSE))
      body[strlen (body) / 2] = '\0';
    soup_server_message_set_status (job->msg, SOUP_STATUS_OK, NULL);
    soup_server_message_set_response (job->msg, ctype, SOUP_MEMORY_TAKE,
        body, strlen (body));
    emu_record_set_status (job->emu, job->record, 200);
    emu_log (job->emu, "  -> 200 %s", job->format);
  }
  soup_server_message_unpause (job->msg);
  tx_job_free (job);
  return G_SOURCE_REMOVE;
}

static void
transcription_handler (SoupServer * server, SoupServerMessage * msg,
    const char *path, GHashTable * query, gpointer user_data)
{
  SandraEmulator *emu = user_data;
  TxJob *job;
  Form form = { 0, };
  EmuApiError err = { 0, };
  gint64 max;
  goffset len;
  guint delay;

  job = g_new0 (TxJob, 1);
  job->emu = emu;
  job->msg = g_object_ref (msg);
  job->translation = g_str_has_suffix (path, "/translations");
  job->record = emu_record_request (emu, msg);
  emu_log (emu, "%s %s", soup_server_message_get_method (msg), path);

  if (!g_str_equal (soup_server_message_get_method (msg), "POST")) {
    emu_reply_error (emu, msg, job->record, SOUP_STATUS_METHOD_NOT_ALLOWED,
        "invalid_request_error", NULL, NULL,
        "Not allowed to %s on %s. (HINT: Perhaps you meant to use a "
        "different HTTP method?)", soup_server_message_get_method (msg),
        path);
    goto out;
  }
  if (!emu_check_auth (emu, msg, job->record) ||
      !emu_check_rate_limit (emu, msg, job->record))
    goto out;

  /* Chunked uploads carry no Content-Length for the early check. */
  g_mutex_lock (&emu->lock);
  max = emu_scenario_get_max_body_bytes (emu->scenario);
  g_mutex_unlock (&emu->lock);
  len = soup_server_message_get_request_body (msg)->length;
  if (len > max) {
    emu_reply_error (emu, msg, job->record,
        SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "server_error", NULL, NULL,
        "Maximum content size limit (%" G_GINT64_FORMAT ") exceeded (%"
        G_GOFFSET_FORMAT " bytes read)", max, len);
    goto out;
  }

  if (!parse_form (job, &form, &err) || !validate_form (job, &form, &err)) {
    emu_reply_error (emu, msg, job->record, err.status,
        "invalid_request_error", err.param, err.code, "%s", err.message);
    goto out;
  }

  g_mutex_lock (&emu->lock);
  job->reply = emu_scenario_next_transcription (emu->scenario);
  g_mutex_unlock (&emu->lock);
  job->duration = member_double (job->reply, "duration", -1.0);
  if (job->duration < 0)
    job->duration = emu_wav_duration (form.file);
  if (job->duration < 0) {
    /* Not a WAV and no scripted duration: assume a speaking rate of
     * about 2.5 words a second. */
    gchar **words = default_deltas (reply_text (job));

    job->duration = 0.4 * g_strv_length (words);
    g_strfreev (words);
  }

  form_clear (&form);
  emu_api_error_clear (&err);
  delay = json_object_get_int_member_with_default (job->reply, "delay_ms", 0);
  soup_server_message_pause (msg);
  g_source_unref (emu_timeout_add (emu, delay, respond, job, NULL));
  return;

out:
  form_clear (&form);
  emu_api_error_clear (&err);
  tx_job_free (job);
}

void
emu_transcription_register (SandraEmulator * emu)
{
  soup_server_add_handler (emu->server, "/v1/audio/transcriptions",
      transcription_handler, emu, NULL);
  soup_server_add_handler (emu->server, "/v1/audio/translations",
      transcription_handler, emu, NULL);
}
