/* gst-sandra local API emulator: ElevenLabs text to speech over HTTP
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * POST /v1/text-to-speech/{voice_id}[/stream][/with-timestamps]. The
 * streaming variants send the audio in pieces of about chunk_ms, the first
 * after first_audio_delay_ms and the others chunk_interval_ms apart, so
 * clients see a service that starts talking before it has finished.
 * With timestamps, each newline-delimited JSON object holds one piece's
 * audio (base64; with Opus, a complete Ogg Opus stream per piece) and the
 * timings of its characters in seconds from the start of the request.
 */
#include "elevenlabs.h"

#include <string.h>

typedef struct
{
  SandraEmulator *emu;
  SoupServerMessage *msg;
  guint record;
  gboolean finished;
  gboolean stream;
  gboolean timestamps;
  EmuElFormat format;
  EmuElSettings settings;
  EmuElSpeech *speech;
  GArray *cuts;
  guint next_piece;
  GBytes *whole;                /* raw body: the encoded audio of it all */
  JsonObject *script;
} HttpJob;

static void
on_finished (SoupServerMessage * msg, gpointer data)
{
  ((HttpJob *) data)->finished = TRUE;
}

static void
job_free (HttpJob * job)
{
  g_signal_handlers_disconnect_by_data (job->msg, job);
  g_object_unref (job->msg);
  emu_el_speech_free (job->speech);
  if (job->cuts)
    g_array_unref (job->cuts);
  if (job->whole)
    g_bytes_unref (job->whole);
  if (job->script)
    json_object_unref (job->script);
  g_free (job);
}

static const gchar *
content_type (const EmuElFormat * f)
{
  switch (f->codec) {
    case EMU_EL_CODEC_OPUS:
      return "audio/ogg";
    case EMU_EL_CODEC_ULAW:
      return "audio/basic";
    case EMU_EL_CODEC_ALAW:
      return "audio/x-alaw-basic";
    default:
      return "application/octet-stream";
  }
}

static JsonObject *
alignment_object (EmuElSpeech * sp, guint from, guint to)
{
  JsonObject *o = json_object_new ();
  JsonArray *chars = json_array_new (), *starts = json_array_new (),
      *ends = json_array_new ();
  guint i;

  for (i = from; i < to; i++) {
    gint s = g_array_index (sp->start_ms, gint, i);
    gint d = g_array_index (sp->dur_ms, gint, i);

    json_array_add_string_element (chars, g_ptr_array_index (sp->chars, i));
    json_array_add_double_element (starts, s / 1000.0);
    json_array_add_double_element (ends, (s + d) / 1000.0);
  }
  json_object_set_array_member (o, "characters", chars);
  json_object_set_array_member (o, "character_start_times_seconds", starts);
  json_object_set_array_member (o, "character_end_times_seconds", ends);
  return o;
}

/* One piece as a JSON line (with-timestamps). */
static gchar *
piece_json (HttpJob * job, guint from, guint to, gboolean newline)
{
  EmuElSpeech *sp = job->speech;
  gsize s0 = emu_el_speech_sample_at (sp, from);
  gsize s1 = emu_el_speech_sample_at (sp, to);
  GBytes *audio = emu_el_encode (&job->format,
      &g_array_index (sp->samples, gint16, s0), s1 - s0);
  JsonObject *o = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  gchar *b64, *text, *line;

  b64 = g_base64_encode (g_bytes_get_data (audio, NULL),
      g_bytes_get_size (audio));
  json_object_set_string_member (o, "audio_base64", b64);
  json_object_set_object_member (o, "alignment", alignment_object (sp, from,
          to));
  json_object_set_object_member (o, "normalized_alignment",
      alignment_object (sp, from, to));
  json_node_take_object (node, o);
  text = json_to_string (node, FALSE);
  line = newline ? g_strconcat (text, "\n", NULL) : g_strdup (text);
  g_free (text);
  g_free (b64);
  g_bytes_unref (audio);
  json_node_unref (node);
  return line;
}

/* Bytes of piece @i of the raw body. */
static GBytes *
raw_piece (HttpJob * job, guint i)
{
  EmuElSpeech *sp = job->speech;
  guint from = g_array_index (job->cuts, guint, i);
  guint to = g_array_index (job->cuts, guint, i + 1);
  gsize s0 = emu_el_speech_sample_at (sp, from);
  gsize s1 = emu_el_speech_sample_at (sp, to);

  if (job->format.codec == EMU_EL_CODEC_OPUS) {
    /* One Ogg stream for the body, cut in proportion to time. */
    gsize size = g_bytes_get_size (job->whole);
    gsize total = MAX (sp->samples->len, 1);
    gsize b0 = i == 0 ? 0 : size * s0 / total;
    gsize b1 = i + 2 >= job->cuts->len ? size : size * s1 / total;

    return g_bytes_new_from_bytes (job->whole, b0, b1 - b0);
  }
  return emu_el_encode (&job->format, &g_array_index (sp->samples, gint16,
          s0), s1 - s0);
}

static gboolean
stream_next (gpointer data)
{
  HttpJob *job = data;
  SoupMessageBody *body = soup_server_message_get_response_body (job->msg);
  guint n_pieces = job->cuts->len - 1;
  guint i = job->next_piece++;

  if (job->finished) {
    job_free (job);
    return G_SOURCE_REMOVE;
  }
  if (i < n_pieces) {
    if (job->timestamps) {
      gchar *line = piece_json (job, g_array_index (job->cuts, guint, i),
          g_array_index (job->cuts, guint, i + 1), TRUE);

      soup_message_body_append (body, SOUP_MEMORY_TAKE, line, strlen (line));
    } else {
      GBytes *b = raw_piece (job, i);

      if (g_bytes_get_size (b))
        soup_message_body_append_bytes (body, b);
      g_bytes_unref (b);
    }
  }
  if (job->next_piece >= n_pieces) {
    soup_message_body_complete (body);
    soup_server_message_unpause (job->msg);
    job_free (job);
    return G_SOURCE_REMOVE;
  }
  soup_server_message_unpause (job->msg);
  g_source_unref (emu_timeout_add (job->emu, job->settings.chunk_interval_ms,
          stream_next, job, NULL));
  return G_SOURCE_REMOVE;
}

/* Headers and half a body, then the connection drops. */
static void
reply_disconnect (HttpJob * job)
{
  GIOStream *io = soup_server_message_steal_connection (job->msg);
  GString *raw = g_string_new ("HTTP/1.1 200 OK\r\n");
  GBytes *b;

  if (io == NULL)
    return;
  emu_record_set_status (job->emu, job->record, 200);
  emu_record_set_member (job->emu, job->record, "disconnected",
      json_node_init_boolean (json_node_alloc (), TRUE));
  emu_log (job->emu, "  -> 200, connection dropped mid-response (scripted)");
  b = raw_piece (job, 0);
  g_string_append_printf (raw, "Content-Type: %s\r\n"
      "Transfer-Encoding: chunked\r\n\r\n%zx\r\n", content_type (&job->format),
      g_bytes_get_size (b) / 2 + 1);
  g_string_append_len (raw, g_bytes_get_data (b, NULL),
      g_bytes_get_size (b) / 2 + 1);
  g_output_stream_write_all (g_io_stream_get_output_stream (io), raw->str,
      raw->len, NULL, NULL, NULL);
  g_io_stream_close (io, NULL, NULL);
  g_object_unref (io);
  g_string_free (raw, TRUE);
  g_bytes_unref (b);
}

static gboolean
respond (gpointer data)
{
  HttpJob *job = data;
  SoupMessageHeaders *h = soup_server_message_get_response_headers (job->msg);
  gchar *id;

  if (job->finished) {
    job_free (job);
    return G_SOURCE_REMOVE;
  }
  if (job->script && json_object_get_boolean_member_with_default (job->script,
          "disconnect", FALSE)) {
    reply_disconnect (job);
    job_free (job);
    return G_SOURCE_REMOVE;
  }

  id = g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
  soup_message_headers_replace (h, "request-id", id);
  g_free (id);
  id = g_strdup_printf ("%u", job->speech->chars->len);
  soup_message_headers_replace (h, "x-character-count", id);
  g_free (id);
  emu_set_status (job->msg, SOUP_STATUS_OK);
  emu_record_set_status (job->emu, job->record, 200);

  if (!job->stream) {
    gchar *body;
    gsize len;

    if (job->timestamps) {
      body = piece_json (job, 0, job->speech->chars->len, FALSE);
      len = strlen (body);
      soup_server_message_set_response (job->msg, "application/json",
          SOUP_MEMORY_TAKE, body, len);
    } else {
      GBytes *b = job->whole ? g_bytes_ref (job->whole) :
          emu_el_encode (&job->format, (gint16 *) job->speech->samples->data,
          job->speech->samples->len);
      gconstpointer d = g_bytes_get_data (b, &len);

      soup_server_message_set_response (job->msg,
          content_type (&job->format), SOUP_MEMORY_COPY, d, len);
      g_bytes_unref (b);
    }
    emu_log (job->emu, "  -> 200 (%u characters)", job->speech->chars->len);
    soup_server_message_unpause (job->msg);
    job_free (job);
    return G_SOURCE_REMOVE;
  }

  soup_message_headers_set_encoding (h, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (h, job->timestamps ?
      "application/json" : content_type (&job->format), NULL);
  emu_log (job->emu, "  -> 200 streamed, %u pieces", job->cuts->len - 1);
  stream_next (job);
  return G_SOURCE_REMOVE;
}

static gboolean
reply_scripted_error (HttpJob * job)
{
  JsonNode *detail = json_object_get_member (job->script, "detail");
  guint status = json_object_get_int_member (job->script, "status");
  JsonNode *ra = json_object_get_member (job->script, "retry_after");
  gchar *body;

  if (ra && JSON_NODE_HOLDS_VALUE (ra)) {
    gchar *v = json_node_get_value_type (ra) == G_TYPE_STRING ?
        g_strdup (json_node_get_string (ra)) :
        g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (ra));

    soup_message_headers_replace (soup_server_message_get_response_headers
        (job->msg), "retry-after", v);
    g_free (v);
  }
  if (detail) {
    JsonObject *root = json_object_new ();
    JsonNode *node = json_node_new (JSON_NODE_OBJECT);

    json_object_set_member (root, "detail", json_node_copy (detail));
    json_node_take_object (node, root);
    body = json_to_string (node, FALSE);
    json_node_unref (node);
  } else {
    body = emu_el_detail_body ("scripted_error", "Scripted error.");
  }
  emu_reply_json (job->msg, status, body);
  emu_record_set_status (job->emu, job->record, status);
  emu_record_set_member (job->emu, job->record, "error",
      json_from_string (body, NULL));
  emu_log (job->emu, "  -> %u %s (scripted)", status, body);
  g_free (body);
  return TRUE;
}

static gboolean
delayed_error (gpointer data)
{
  HttpJob *job = data;

  if (!job->finished) {
    reply_scripted_error (job);
    soup_server_message_unpause (job->msg);
  }
  job_free (job);
  return G_SOURCE_REMOVE;
}

/* The documented body members and their JSON types. */
static gboolean
validate_body (HttpJob * job, JsonObject * body, gchar ** loc,
    const gchar ** type, gchar ** message)
{
  static const struct
  {
    const gchar *name;
    GType type;                 /* G_TYPE_NONE: array, G_TYPE_OBJECT: object */
  } members[] = {
    {"text", G_TYPE_STRING}, {"model_id", G_TYPE_STRING},
    {"language_code", G_TYPE_STRING}, {"voice_settings", G_TYPE_OBJECT},
    {"seed", G_TYPE_INT64}, {"previous_text", G_TYPE_STRING},
    {"next_text", G_TYPE_STRING}, {"previous_request_ids", G_TYPE_NONE},
    {"next_request_ids", G_TYPE_NONE},
    {"pronunciation_dictionary_locators", G_TYPE_NONE},
    {"apply_text_normalization", G_TYPE_STRING},
    {"apply_language_text_normalization", G_TYPE_BOOLEAN},
    {"use_pvc_as_ivc", G_TYPE_BOOLEAN},
  };
  GList *names = json_object_get_members (body), *l;
  guint i;

  for (l = names; l; l = l->next) {
    const gchar *name = l->data;
    JsonNode *n = json_object_get_member (body, name);
    gboolean known = FALSE, ok = TRUE;

    for (i = 0; i < G_N_ELEMENTS (members); i++) {
      if (!g_str_equal (members[i].name, name))
        continue;
      known = TRUE;
      if (JSON_NODE_HOLDS_NULL (n))
        break;
      if (members[i].type == G_TYPE_OBJECT)
        ok = JSON_NODE_HOLDS_OBJECT (n);
      else if (members[i].type == G_TYPE_NONE)
        ok = JSON_NODE_HOLDS_ARRAY (n);
      else
        ok = JSON_NODE_HOLDS_VALUE (n) &&
            json_node_get_value_type (n) == members[i].type;
      break;
    }
    if (!known || !ok) {
      *loc = g_strdup_printf ("body.%s", name);
      *type = known ? "type_error" : "extra_forbidden";
      *message = g_strdup (known ? "Input has the wrong type" :
          "Extra inputs are not permitted");
      g_list_free (names);
      return FALSE;
    }
  }
  g_list_free (names);

  if (!json_object_has_member (body, "text") ||
      JSON_NODE_HOLDS_NULL (json_object_get_member (body, "text"))) {
    *loc = g_strdup ("body.text");
    *type = "missing";
    *message = g_strdup ("Field required");
    return FALSE;
  }
  if (json_object_has_member (body, "seed")) {
    gint64 seed = json_object_get_int_member (body, "seed");

    if (seed < 0 || seed > G_MAXUINT32) {
      *loc = g_strdup ("body.seed");
      *type = "value_error";
      *message = g_strdup ("Input should be between 0 and 4294967295");
      return FALSE;
    }
  }
  if (json_object_has_member (body, "apply_text_normalization")) {
    const gchar *v = json_object_get_string_member (body,
        "apply_text_normalization");

    if (v && !g_str_equal (v, "auto") && !g_str_equal (v, "on") &&
        !g_str_equal (v, "off")) {
      *loc = g_strdup ("body.apply_text_normalization");
      *type = "enum";
      *message = g_strdup ("Input should be 'auto', 'on' or 'off'");
      return FALSE;
    }
  }
  if (json_object_has_member (body, "previous_request_ids") &&
      JSON_NODE_HOLDS_ARRAY (json_object_get_member (body,
              "previous_request_ids")) &&
      json_array_get_length (json_object_get_array_member (body,
              "previous_request_ids")) > 3) {
    *loc = g_strdup ("body.previous_request_ids");
    *type = "too_long";
    *message = g_strdup ("A maximum of 3 request_ids can be sent");
    return FALSE;
  }
  return TRUE;
}

void
emu_el_http_handle (SandraEmulator * emu, SoupServerMessage * msg,
    const gchar * path, GHashTable * query, const gchar * voice_id,
    const gchar * rest)
{
  HttpJob *job = g_new0 (HttpJob, 1);
  SoupMessageBody *req_body = soup_server_message_get_request_body (msg);
  GBytes *bytes = NULL;
  JsonNode *root = NULL;
  JsonObject *body;
  const gchar *ofmt = query ? g_hash_table_lookup (query, "output_format") :
      NULL;
  const gchar *text, *model;
  EmuElVoiceSettings vs;
  gchar *loc = NULL, *message = NULL;
  const gchar *type = NULL;
  guint limit, n_chars, delay;
  /* Delays count from the request's arrival: the time this emulator
   * takes to make the audio is not the service's. */
  gint64 arrival_us = g_get_monotonic_time (), spent_ms;

  job->emu = emu;
  job->msg = g_object_ref (msg);
  job->record = emu_record_request (emu, msg);
  emu_log (emu, "%s %s", soup_server_message_get_method (msg), path);
  emu_el_get_settings (emu, &job->settings);

  if (!g_str_equal (rest, "") && !g_str_equal (rest, "stream") &&
      !g_str_equal (rest, "with-timestamps") &&
      !g_str_equal (rest, "stream/with-timestamps")) {
    emu_el_reply_detail (emu, msg, job->record, SOUP_STATUS_NOT_FOUND,
        "not_found", "Not Found: %s", path);
    goto out;
  }
  if (!g_str_equal (soup_server_message_get_method (msg), "POST")) {
    emu_el_reply_detail (emu, msg, job->record,
        SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
        "Method Not Allowed");
    goto out;
  }
  job->stream = g_str_has_prefix (rest, "stream");
  job->timestamps = g_str_has_suffix (rest, "with-timestamps");

  if (!emu_el_check_key (emu, msg, job->record, NULL)) {
    emu_el_reply_detail (emu, msg, job->record, SOUP_STATUS_UNAUTHORIZED,
        "invalid_api_key", "Invalid API key");
    goto out;
  }

  bytes = soup_message_body_flatten (req_body);
  root = json_from_string (g_bytes_get_size (bytes) ?
      g_bytes_get_data (bytes, NULL) : "", NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root)) {
    emu_el_reply_validation (emu, msg, job->record, "body", "json_invalid",
        "JSON decode error: the body must be a JSON object");
    goto out;
  }
  emu_record_set_member (emu, job->record, "body", json_node_copy (root));
  body = json_node_get_object (root);

  if (!validate_body (job, body, &loc, &type, &message)) {
    emu_el_reply_validation (emu, msg, job->record, loc, type, message);
    goto out;
  }
  if (!emu_el_parse_voice_settings (json_object_get_member (body,
              "voice_settings"), &vs, &loc, &message)) {
    gchar *full = g_strdup_printf ("body.%s", loc);

    emu_el_reply_validation (emu, msg, job->record, full, "value_error",
        message);
    g_free (full);
    goto out;
  }
  if (!emu_el_voice_known (emu, voice_id)) {
    emu_el_reply_detail (emu, msg, job->record, SOUP_STATUS_BAD_REQUEST,
        "voice_not_found", "A voice with the voice_id %s was not found.",
        voice_id);
    goto out;
  }
  model = json_object_get_string_member_with_default (body, "model_id",
      "eleven_multilingual_v2");
  if (!emu_el_model_known (emu, model, FALSE)) {
    emu_el_reply_detail (emu, msg, job->record, SOUP_STATUS_BAD_REQUEST,
        "model_not_found", "A model with the model_id %s was not found.",
        model);
    goto out;
  }
  if (ofmt == NULL)
    ofmt = "mp3_44100_128";
  if (!emu_el_parse_format (ofmt, FALSE, &job->format)) {
    emu_el_reply_validation (emu, msg, job->record, "query.output_format",
        "enum", "Input should be one of the documented output formats");
    goto out;
  }
  if (job->format.codec == EMU_EL_CODEC_MP3) {
    emu_el_reply_detail (emu, msg, job->record, SOUP_STATUS_BAD_REQUEST,
        "unsupported_output_format", "The sandra emulator cannot encode "
        "MP3; ask for pcm_*, ulaw_8000, alaw_8000 or opus_48000_*.");
    goto out;
  }
  text = json_object_get_string_member (body, "text");
  n_chars = g_utf8_strlen (text, -1);
  limit = emu_el_model_char_limit (emu, model);
  if (n_chars > limit) {
    emu_el_reply_detail (emu, msg, job->record, SOUP_STATUS_BAD_REQUEST,
        "max_character_limit_exceeded", "This request's text has %u "
        "characters and exceeds the character limit of %u characters for "
        "non signed in accounts.", n_chars, limit);
    goto out;
  }

  g_mutex_lock (&emu->lock);
  job->script = emu_scenario_next_elevenlabs_request (emu->scenario);
  g_mutex_unlock (&emu->lock);
  delay = job->settings.http_setup_ms + (job->script ?
      json_object_get_int_member_with_default (job->script, "delay_ms", 0) : 0);
  g_signal_connect (msg, "finished", G_CALLBACK (on_finished), job);
  /* A status now tells libsoup that this is not a WebSocket handshake (the
   * WebSocket handler shares the path); the answer may still change it. */
  emu_set_status (msg, SOUP_STATUS_OK);
  soup_server_message_pause (msg);
  if (job->script && json_object_get_int_member_with_default (job->script,
          "status", 200) >= 300) {
    g_source_unref (emu_timeout_add (emu, delay, delayed_error, job, NULL));
    goto done;
  }

  {
    gchar *said = emu_el_normalize (emu, text);

    job->speech = emu_el_synthesize (said, job->format.rate, vs.speed,
        job->settings.ms_per_char);
    g_free (said);
  }
  job->cuts = emu_el_speech_split (job->speech, job->settings.chunk_ms);
  if (job->format.codec == EMU_EL_CODEC_OPUS && !job->timestamps)
    job->whole = emu_el_encode (&job->format,
        (gint16 *) job->speech->samples->data, job->speech->samples->len);
  spent_ms = (g_get_monotonic_time () - arrival_us) / 1000;
  delay += job->settings.first_audio_delay_ms;
  g_source_unref (emu_timeout_add (emu, delay > spent_ms ? delay - spent_ms :
          0, respond, job, NULL));
  goto done;

out:
  job_free (job);
done:
  if (root)
    json_node_unref (root);
  if (bytes)
    g_bytes_unref (bytes);
  g_free (loc);
  g_free (message);
}
