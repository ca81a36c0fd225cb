/* gst-sandra local API emulator: Realtime conversation sessions
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GET /v1/realtime?model=MODEL, GA (session.type "realtime", nested
 * audio.input / audio.output) and beta (OpenAI-Beta: realtime=v1, flat
 * fields). The input side (buffer, server VAD, commits, user transcripts)
 * is a transcription session driven through its hooks; this module keeps
 * the conversation (its items, in order) and plays the scenario's
 * responses: real audio from a fixture in the session's output format,
 * paced like the service, with transcript or text deltas and function
 * calls, and handles barge-in, truncation and cancellation as the service
 * does.
 */
#include "realtime.h"
#include "realtime-audio.h"

#include <math.h>
#include <string.h>

#define DEFAULT_CHUNK_MS 40
#define DEFAULT_PACE 1.0
/* Usage estimates: the order of magnitude the service reports. */
#define AUDIO_TOKENS_PER_S 10
#define CHARS_PER_TOKEN 4

typedef struct _Response Response;

struct _EmuRtConversation
{
  EmuRtConn *conn;
  EmuRtTranscription *input;
  JsonObject *session;          /* effective session, connection's shape */
  gchar *session_id;
  gchar *model;
  GPtrArray *items;             /* JsonObject *, the conversation in order */
  GHashTable *audio_ms;         /* item id -> ms of assistant audio sent */
  Response *active;             /* response being generated, or NULL */
  gboolean audio_sent;          /* the voice is fixed from then on */
  guint idle_generation;        /* bumped to disarm a pending idle timeout */
  guint64 idle_from_ms;         /* input stream position it counts from */
};

typedef enum
{
  STAGE_OPEN,                   /* first output after delay_ms */
  STAGE_STREAM,                 /* audio chunks or text deltas */
  STAGE_FUNCTIONS,              /* one function call per step */
  STAGE_DONE
} Stage;

struct _Response
{
  gint refcount;
  EmuRtConversation *conv;
  gchar *id;
  JsonObject *script;
  JsonObject *params;           /* response.create's "response", or NULL */
  gboolean in_conversation;     /* conversation "auto" (not "none") */
  gboolean text_mode;
  EmuAudioFormat format;
  Stage stage;
  gboolean finished;            /* response.done was sent */

  JsonArray *output;            /* output items, as response.done lists */
  guint output_index;

  gint64 first_audio_us;        /* monotonic time of the first chunk */

  /* the message item being streamed */
  JsonObject *item;
  GBytes *audio;
  gsize audio_offset;           /* in the fixture (wraps when endless) */
  gsize audio_total;            /* bytes of audio sent in all */
  gsize chunk_bytes;
  guint chunk_ms;
  gdouble pace;
  gchar **deltas;
  guint n_deltas;
  guint next_delta;
  GString *text;                /* transcript or text sent so far */
  guint chunks_sent;
  guint n_chunks;
  gint stop_after_chunks;       /* -1: stream it all */
  gint stall_after_chunks;      /* -1: no stall */
  guint pieces_sent;            /* audio chunks or text deltas streamed */
  gboolean endless;             /* starts over at the end, until cancelled */
  guint late_chunks;            /* still sent after a cancel */

  guint next_call;
};

/* ---- shapes ---- */

static const gchar *
ev_name (EmuRtConversation * conv, const gchar * ga, const gchar * beta)
{
  return conv->conn->beta ? beta : ga;
}

static JsonObject *
ga_format (const gchar * type)
{
  JsonObject *f = json_object_new ();

  json_object_set_string_member (f, "type", type);
  if (g_str_equal (type, "audio/pcm"))
    json_object_set_int_member (f, "rate", 24000);
  return f;
}

/* A turn_detection object as the service stores it: every field present. */
static void
fill_turn_detection (JsonObject * td, gboolean beta)
{
  const gchar *type = json_object_get_string_member_with_default (td, "type",
      "server_vad");

  if (g_str_equal (type, "server_vad")) {
    if (!json_object_has_member (td, "threshold"))
      json_object_set_double_member (td, "threshold", 0.5);
    if (!json_object_has_member (td, "prefix_padding_ms"))
      json_object_set_int_member (td, "prefix_padding_ms", 300);
    if (!json_object_has_member (td, "silence_duration_ms"))
      json_object_set_int_member (td, "silence_duration_ms", 500);
    if (!beta && !json_object_has_member (td, "idle_timeout_ms"))
      json_object_set_null_member (td, "idle_timeout_ms");
  } else if (!json_object_has_member (td, "eagerness")) {
    json_object_set_string_member (td, "eagerness", "auto");
  }
  if (!json_object_has_member (td, "create_response"))
    json_object_set_boolean_member (td, "create_response", TRUE);
  if (!json_object_has_member (td, "interrupt_response"))
    json_object_set_boolean_member (td, "interrupt_response", TRUE);
}

/* Conversations also start with create_response and interrupt_response. */
static JsonObject *
conversation_turn_detection (gboolean beta)
{
  JsonObject *td = emu_rt_default_turn_detection ();

  fill_turn_detection (td, beta);
  return td;
}

JsonObject *
emu_rt_conversation_default_session (gboolean beta, const gchar * model)
{
  JsonObject *s = json_object_new ();
  JsonArray *mod = json_array_new ();

  json_object_set_string_member (s, "model", model);
  if (beta) {
    json_array_add_string_element (mod, "text");
    json_array_add_string_element (mod, "audio");
    json_object_set_array_member (s, "modalities", mod);
    json_object_set_string_member (s, "instructions", "");
    json_object_set_string_member (s, "voice", "alloy");
    json_object_set_string_member (s, "input_audio_format", "pcm16");
    json_object_set_string_member (s, "output_audio_format", "pcm16");
    json_object_set_null_member (s, "input_audio_transcription");
    json_object_set_null_member (s, "input_audio_noise_reduction");
    json_object_set_object_member (s, "turn_detection",
        conversation_turn_detection (TRUE));
    json_object_set_array_member (s, "tools", json_array_new ());
    json_object_set_string_member (s, "tool_choice", "auto");
    json_object_set_double_member (s, "temperature", 0.8);
    json_object_set_string_member (s, "max_response_output_tokens", "inf");
    json_object_set_double_member (s, "speed", 1.0);
    json_object_set_null_member (s, "tracing");
  } else {
    JsonObject *audio = json_object_new (), *in = json_object_new ();
    JsonObject *out = json_object_new ();

    json_object_set_string_member (s, "type", "realtime");
    json_array_add_string_element (mod, "audio");
    json_object_set_array_member (s, "output_modalities", mod);
    json_object_set_string_member (s, "instructions", "");
    json_object_set_object_member (in, "format", ga_format ("audio/pcm"));
    json_object_set_null_member (in, "transcription");
    json_object_set_null_member (in, "noise_reduction");
    json_object_set_object_member (in, "turn_detection",
        conversation_turn_detection (FALSE));
    json_object_set_object_member (out, "format", ga_format ("audio/pcm"));
    json_object_set_string_member (out, "voice", "marin");
    json_object_set_double_member (out, "speed", 1.0);
    json_object_set_object_member (audio, "input", in);
    json_object_set_object_member (audio, "output", out);
    json_object_set_object_member (s, "audio", audio);
    json_object_set_array_member (s, "tools", json_array_new ());
    json_object_set_string_member (s, "tool_choice", "auto");
    json_object_set_string_member (s, "max_output_tokens", "inf");
    json_object_set_null_member (s, "tracing");
    json_object_set_string_member (s, "truncation", "auto");
    json_object_set_null_member (s, "prompt");
    json_object_set_null_member (s, "include");
  }
  return s;
}

static JsonObject *
session_input (EmuRtConversation * conv)
{
  return emu_rt_object_or_null (emu_rt_object_or_null (conv->session,
          "audio"), "input");
}

static JsonObject *
session_output (EmuRtConversation * conv)
{
  return emu_rt_object_or_null (emu_rt_object_or_null (conv->session,
          "audio"), "output");
}

static JsonObject *
turn_detection (EmuRtConversation * conv)
{
  return emu_rt_object_or_null (conv->conn->beta ? conv->session :
      session_input (conv), "turn_detection");
}

static gboolean
td_flag (EmuRtConversation * conv, const gchar * name)
{
  JsonObject *td = turn_detection (conv);

  return td && json_object_get_boolean_member_with_default (td, name, TRUE);
}

static EmuAudioFormat
format_from_name (const gchar * name)
{
  if (g_strcmp0 (name, "g711_ulaw") == 0 || g_strcmp0 (name, "audio/pcmu") == 0)
    return EMU_AUDIO_ULAW;
  if (g_strcmp0 (name, "g711_alaw") == 0 || g_strcmp0 (name, "audio/pcma") == 0)
    return EMU_AUDIO_ALAW;
  return EMU_AUDIO_PCM16;
}

static EmuAudioFormat
output_format (EmuRtConversation * conv, JsonObject * params)
{
  JsonObject *f;

  if (conv->conn->beta) {
    if (params && json_object_has_member (params, "output_audio_format"))
      return format_from_name (json_object_get_string_member (params,
              "output_audio_format"));
    return format_from_name (json_object_get_string_member_with_default
        (conv->session, "output_audio_format", "pcm16"));
  }
  f = emu_rt_object_or_null (emu_rt_object_or_null (emu_rt_object_or_null
          (params, "audio"), "output"), "format");
  if (f == NULL)
    f = emu_rt_object_or_null (session_output (conv), "format");
  return format_from_name (f ?
      json_object_get_string_member_with_default (f, "type", NULL) : NULL);
}

/* Text only when the modalities say exactly ["text"]. */
static gboolean
text_mode (EmuRtConversation * conv, JsonObject * params)
{
  const gchar *name = conv->conn->beta ? "modalities" : "output_modalities";
  JsonNode *n = params ? json_object_get_member (params, name) : NULL;
  JsonArray *a;

  if (n == NULL)
    n = json_object_get_member (conv->session, name);
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return FALSE;
  a = json_node_get_array (n);
  return json_array_get_length (a) == 1 &&
      g_strcmp0 (json_array_get_string_element (a, 0), "text") == 0;
}

static JsonObject *
session_event (EmuRtConversation * conv, const gchar * type)
{
  JsonObject *ev = json_object_new ();
  JsonObject *s = emu_rt_object_copy (conv->session);

  json_object_set_string_member (s, "id", conv->session_id);
  json_object_set_string_member (s, "object", "realtime.session");
  json_object_set_string_member (s, "model", conv->model);
  json_object_set_int_member (s, "expires_at",
      g_get_real_time () / G_USEC_PER_SEC + 3600);
  json_object_set_string_member (ev, "type", type);
  json_object_set_object_member (ev, "session", s);
  return ev;
}

/* ---- the conversation ---- */

static gint
item_index (EmuRtConversation * conv, const gchar * id)
{
  guint i;

  for (i = 0; id && i < conv->items->len; i++) {
    JsonObject *it = g_ptr_array_index (conv->items, i);

    if (g_strcmp0 (json_object_get_string_member_with_default (it, "id",
                NULL), id) == 0)
      return i;
  }
  return -1;
}

static const gchar *
item_id_at (EmuRtConversation * conv, gint i)
{
  if (i < 0 || i >= (gint) conv->items->len)
    return NULL;
  return json_object_get_string_member (g_ptr_array_index (conv->items, i),
      "id");
}

/* Keeps the record's copy of the conversation current, for tests. */
static void
record_conversation (EmuRtConversation * conv)
{
  JsonArray *a = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);
  guint i;

  for (i = 0; i < conv->items->len; i++)
    json_array_add_object_element (a,
        emu_rt_object_copy (g_ptr_array_index (conv->items, i)));
  json_node_take_array (node, a);
  emu_record_set_member (conv->conn->emu, conv->conn->record, "conversation",
      node);
}

static void
send_item_event (EmuRtConversation * conv, const gchar * type,
    JsonObject * item, const gchar * previous)
{
  JsonObject *ev = json_object_new ();

  json_object_set_string_member (ev, "type", type);
  if (previous)
    json_object_set_string_member (ev, "previous_item_id", previous);
  else
    json_object_set_null_member (ev, "previous_item_id");
  json_object_set_object_member (ev, "item", emu_rt_object_copy (item));
  emu_rt_send (conv->conn, ev);
}

/* Inserts @item (a reference is taken) at @index (-1: the end) and
 * announces it: GA conversation.item.added, and .done when it is
 * complete; beta conversation.item.created. */
static void
insert_item (EmuRtConversation * conv, JsonObject * item, gint index,
    gboolean complete)
{
  const gchar *previous;

  if (index < 0 || index > (gint) conv->items->len)
    index = conv->items->len;
  previous = item_id_at (conv, index - 1);
  g_ptr_array_insert (conv->items, index, json_object_ref (item));
  if (conv->conn->beta) {
    send_item_event (conv, "conversation.item.created", item, previous);
  } else {
    send_item_event (conv, "conversation.item.added", item, previous);
    if (complete)
      send_item_event (conv, "conversation.item.done", item, previous);
  }
  record_conversation (conv);
}

/* GA announces a finished response item again with conversation.item.done. */
static void
item_done (EmuRtConversation * conv, JsonObject * item)
{
  gint i = item_index (conv, json_object_get_string_member (item, "id"));

  if (!conv->conn->beta && i >= 0)
    send_item_event (conv, "conversation.item.done", item,
        item_id_at (conv, i - 1));
  record_conversation (conv);
}

/* ---- responses ---- */

static Response *
response_ref (Response * r)
{
  r->refcount++;
  return r;
}

static void
response_unref (gpointer data)
{
  Response *r = data;

  if (--r->refcount > 0)
    return;
  g_free (r->id);
  json_object_unref (r->script);
  if (r->params)
    json_object_unref (r->params);
  json_array_unref (r->output);
  if (r->item)
    json_object_unref (r->item);
  if (r->audio)
    g_bytes_unref (r->audio);
  g_strfreev (r->deltas);
  if (r->text)
    g_string_free (r->text, TRUE);
  g_free (r);
}

static guint64
audio_ms (Response * r, gsize bytes)
{
  return bytes * 1000 / (emu_audio_format_rate (r->format) *
      emu_audio_format_width (r->format));
}

static JsonObject *
usage_object (Response * r)
{
  EmuRtConversation *conv = r->conv;
  JsonObject *u = json_object_new (), *in_d = json_object_new ();
  JsonObject *out_d = json_object_new ();
  gint64 text_in = 0, audio_in = 0, text_out, audio_out = 0;
  guint i;

  /* Everything in the conversation is input to the model. */
  for (i = 0; i < conv->items->len; i++) {
    JsonNode *n = json_object_get_member (g_ptr_array_index (conv->items, i),
        "content");

    if (n && JSON_NODE_HOLDS_ARRAY (n)) {
      gchar *t = json_to_string (n, FALSE);

      text_in += strlen (t) / CHARS_PER_TOKEN;
      g_free (t);
    }
  }
  audio_in = emu_rt_transcription_get_audio_bytes (conv->input) *
      AUDIO_TOKENS_PER_S / 48000;
  text_out = r->text ? (r->text->len + CHARS_PER_TOKEN - 1) /
      CHARS_PER_TOKEN : 0;
  if (r->audio)
    audio_out = audio_ms (r, r->audio_total) * AUDIO_TOKENS_PER_S / 1000;
  json_object_set_int_member (u, "total_tokens", text_in + audio_in +
      text_out + audio_out);
  json_object_set_int_member (u, "input_tokens", text_in + audio_in);
  json_object_set_int_member (u, "output_tokens", text_out + audio_out);
  json_object_set_int_member (in_d, "text_tokens", text_in);
  json_object_set_int_member (in_d, "audio_tokens", audio_in);
  json_object_set_int_member (in_d, "cached_tokens", 0);
  json_object_set_object_member (u, "input_token_details", in_d);
  json_object_set_int_member (out_d, "text_tokens", text_out);
  json_object_set_int_member (out_d, "audio_tokens", audio_out);
  json_object_set_object_member (u, "output_token_details", out_d);
  return u;
}

/* A member of the response parameters, else of the session. */
static JsonNode *
setting (Response * r, JsonObject * session_holder, JsonObject * params_holder,
    const gchar * name)
{
  JsonNode *n = params_holder ? json_object_get_member (params_holder,
      name) : NULL;

  if (n == NULL && session_holder)
    n = json_object_get_member (session_holder, name);
  return n;
}

/* The voice, format and token limit the response is made with. */
static void
add_output_settings (Response * r, JsonObject * o)
{
  EmuRtConversation *conv = r->conv;
  JsonNode *n;

  if (conv->conn->beta) {
    static const gchar *const names[] = { "voice", "output_audio_format",
      "temperature", NULL
    };
    guint i;

    for (i = 0; names[i]; i++)
      if ((n = setting (r, conv->session, r->params, names[i])))
        json_object_set_member (o, names[i], json_node_copy (n));
    n = setting (r, conv->session, r->params, "max_response_output_tokens");
  } else {
    JsonObject *audio = json_object_new (), *out = json_object_new ();
    JsonObject *params_out = emu_rt_object_or_null (emu_rt_object_or_null
        (r->params, "audio"), "output");

    if ((n = setting (r, session_output (conv), params_out, "format")))
      json_object_set_member (out, "format", json_node_copy (n));
    if ((n = setting (r, session_output (conv), params_out, "voice")))
      json_object_set_member (out, "voice", json_node_copy (n));
    json_object_set_object_member (audio, "output", out);
    json_object_set_object_member (o, "audio", audio);
    n = setting (r, conv->session, r->params, "max_output_tokens");
  }
  if (n)
    json_object_set_member (o, "max_output_tokens", json_node_copy (n));
}

/* The response object of response.created / response.done. */
static JsonObject *
response_object (Response * r, const gchar * status, JsonObject * details)
{
  EmuRtConversation *conv = r->conv;
  JsonObject *o = json_object_new ();
  JsonArray *mod = json_array_new ();
  JsonNode *meta = r->params ? json_object_get_member (r->params,
      "metadata") : NULL;
  guint i;

  json_object_set_string_member (o, "object", "realtime.response");
  json_object_set_string_member (o, "id", r->id);
  json_object_set_string_member (o, "status", status);
  if (details)
    json_object_set_object_member (o, "status_details", details);
  else
    json_object_set_null_member (o, "status_details");
  {
    JsonArray *out = json_array_new ();

    for (i = 0; i < json_array_get_length (r->output); i++)
      json_array_add_object_element (out, emu_rt_object_copy
          (json_array_get_object_element (r->output, i)));
    json_object_set_array_member (o, "output", out);
  }
  if (r->in_conversation)
    json_object_set_string_member (o, "conversation_id", conv->session_id);
  else
    json_object_set_null_member (o, "conversation_id");
  if (!r->text_mode && conv->conn->beta)
    json_array_add_string_element (mod, "audio");
  json_array_add_string_element (mod, r->text_mode ? "text" :
      (conv->conn->beta ? "text" : "audio"));
  json_object_set_array_member (o, conv->conn->beta ? "modalities" :
      "output_modalities", mod);
  add_output_settings (r, o);
  if (meta)
    json_object_set_member (o, "metadata", json_node_copy (meta));
  else
    json_object_set_null_member (o, "metadata");
  if (g_str_equal (status, "in_progress"))
    json_object_set_null_member (o, "usage");
  else
    json_object_set_object_member (o, "usage", usage_object (r));
  return o;
}

static JsonObject *
response_event (Response * r, const gchar * type)
{
  JsonObject *ev = json_object_new ();

  json_object_set_string_member (ev, "type", type);
  json_object_set_string_member (ev, "response_id", r->id);
  return ev;
}

static JsonObject *
part_event (Response * r, const gchar * type)
{
  JsonObject *ev = response_event (r, type);

  json_object_set_string_member (ev, "item_id",
      json_object_get_string_member (r->item, "id"));
  json_object_set_int_member (ev, "output_index", r->output_index);
  json_object_set_int_member (ev, "content_index", 0);
  return ev;
}

static void
send_rate_limits (Response * r)
{
  JsonNode *n = json_object_get_member (r->script, "rate_limits");
  JsonObject *ev;

  if (n == NULL)
    return;
  ev = json_object_new ();
  json_object_set_string_member (ev, "type", "rate_limits.updated");
  json_object_set_member (ev, "rate_limits", json_node_copy (n));
  emu_rt_send (r->conv->conn, ev);
}

static void arm_idle_timeout (Response * r);

/* Sends response.done and lets the conversation take the next one. */
static void
finish (Response * r, const gchar * status, JsonObject * details)
{
  EmuRtConversation *conv = r->conv;
  JsonObject *ev;

  if (r->finished)
    return;
  r->finished = TRUE;
  ev = json_object_new ();
  json_object_set_string_member (ev, "type", "response.done");
  json_object_set_object_member (ev, "response", response_object (r, status,
          details));
  emu_rt_send (conv->conn, ev);
  if (g_str_equal (status, "completed")) {
    send_rate_limits (r);
    arm_idle_timeout (r);
  }
  if (conv->active == r) {
    conv->active = NULL;
    response_unref (r);         /* may be the last reference */
  }
}

static JsonObject *
status_details (const gchar * type, const gchar * reason)
{
  JsonObject *d = json_object_new ();

  json_object_set_string_member (d, "type", type);
  if (reason)
    json_object_set_string_member (d, "reason", reason);
  return d;
}

/* The content part of the message being streamed, as items carry it. */
static JsonObject *
message_part (Response * r)
{
  return json_array_get_object_element (json_object_get_array_member
      (r->item, "content"), 0);
}

/* Ends the message item: the .done events of its content (unless it was
 * cut short), then output_item.done with @item_status. */
static void
close_message (Response * r, const gchar * item_status, gboolean part_done)
{
  EmuRtConversation *conv = r->conv;
  JsonObject *part = message_part (r), *ev;

  if (r->text_mode)
    json_object_set_string_member (part, "text", r->text->str);
  else
    json_object_set_string_member (part, "transcript", r->text->str);
  if (part_done) {
    if (r->text_mode) {
      ev = part_event (r, ev_name (conv, "response.output_text.done",
              "response.text.done"));
      json_object_set_string_member (ev, "text", r->text->str);
      emu_rt_send (conv->conn, ev);
    } else {
      emu_rt_send (conv->conn, part_event (r, ev_name (conv,
                  "response.output_audio.done", "response.audio.done")));
      ev = part_event (r, ev_name (conv,
              "response.output_audio_transcript.done",
              "response.audio_transcript.done"));
      json_object_set_string_member (ev, "transcript", r->text->str);
      emu_rt_send (conv->conn, ev);
    }
    ev = part_event (r, "response.content_part.done");
    {
      JsonObject *p = json_object_new ();

      json_object_set_string_member (p, "type", r->text_mode ? "text" :
          "audio");
      if (r->text_mode)
        json_object_set_string_member (p, "text", r->text->str);
      else
        json_object_set_string_member (p, "transcript", r->text->str);
      json_object_set_object_member (ev, "part", p);
    }
    emu_rt_send (conv->conn, ev);
  }
  json_object_set_string_member (r->item, "status", item_status);
  ev = response_event (r, "response.output_item.done");
  json_object_set_int_member (ev, "output_index", r->output_index);
  json_object_set_object_member (ev, "item", emu_rt_object_copy (r->item));
  emu_rt_send (conv->conn, ev);
  if (r->in_conversation)
    item_done (conv, r->item);
  json_array_add_object_element (r->output, emu_rt_object_copy (r->item));
  r->output_index++;
  g_clear_pointer (&r->item, json_object_unref);
}

/* The assistant message: output_item.added, the conversation item and the
 * content part. */
static void
open_message (Response * r)
{
  EmuRtConversation *conv = r->conv;
  JsonObject *ev, *part, *p;
  JsonArray *content = json_array_new ();
  gchar *id = emu_rt_new_id ("item");

  r->item = json_object_new ();
  json_object_set_string_member (r->item, "id", id);
  json_object_set_string_member (r->item, "object", "realtime.item");
  json_object_set_string_member (r->item, "type", "message");
  json_object_set_string_member (r->item, "status", "in_progress");
  json_object_set_string_member (r->item, "role", "assistant");
  part = json_object_new ();
  if (r->text_mode) {
    json_object_set_string_member (part, "type",
        ev_name (conv, "output_text", "text"));
    json_object_set_string_member (part, "text", "");
  } else {
    json_object_set_string_member (part, "type",
        ev_name (conv, "output_audio", "audio"));
    json_object_set_string_member (part, "transcript", "");
  }
  json_array_add_object_element (content, part);
  json_object_set_array_member (r->item, "content", content);

  ev = response_event (r, "response.output_item.added");
  json_object_set_int_member (ev, "output_index", r->output_index);
  json_object_set_object_member (ev, "item", emu_rt_object_copy (r->item));
  emu_rt_send (conv->conn, ev);
  if (r->in_conversation) {
    insert_item (conv, r->item, -1, FALSE);
    if (!r->text_mode)
      g_hash_table_insert (conv->audio_ms, g_strdup (id), GUINT_TO_POINTER (0));
  }

  ev = part_event (r, "response.content_part.added");
  p = json_object_new ();
  json_object_set_string_member (p, "type", r->text_mode ? "text" : "audio");
  if (r->text_mode)
    json_object_set_string_member (p, "text", "");
  else
    json_object_set_string_member (p, "transcript", "");
  json_object_set_object_member (ev, "part", p);
  emu_rt_send (conv->conn, ev);
  g_free (id);
}

static void
send_text_delta (Response * r)
{
  EmuRtConversation *conv = r->conv;
  const gchar *d = r->deltas[r->next_delta++];
  JsonObject *ev = part_event (r, r->text_mode ?
      ev_name (conv, "response.output_text.delta", "response.text.delta") :
      ev_name (conv, "response.output_audio_transcript.delta",
          "response.audio_transcript.delta"));

  json_object_set_string_member (ev, "delta", d);
  g_string_append (r->text, d);
  emu_rt_send (conv->conn, ev);
}

/* One audio chunk, with the transcript deltas due by then: the service
 * sends the transcript along with the audio, slightly ahead of it. */
static void
send_audio_chunk (Response * r)
{
  EmuRtConversation *conv = r->conv;
  gsize size = g_bytes_get_size (r->audio);
  gsize n = MIN (r->chunk_bytes, size - r->audio_offset);
  const guint8 *data = g_bytes_get_data (r->audio, NULL);
  gchar *b64 = g_base64_encode (data + r->audio_offset, n);
  JsonObject *ev = part_event (r, ev_name (conv,
          "response.output_audio.delta", "response.audio.delta"));
  const gchar *item_id = json_object_get_string_member (r->item, "id");
  guint due;

  json_object_set_string_member (ev, "delta", b64);
  emu_rt_send (conv->conn, ev);
  g_free (b64);
  if (r->audio_offset == 0)
    r->first_audio_us = g_get_monotonic_time ();
  r->audio_offset += n;
  r->audio_total += n;
  r->chunks_sent++;
  conv->audio_sent = TRUE;
  if (g_hash_table_contains (conv->audio_ms, item_id))
    g_hash_table_insert (conv->audio_ms, g_strdup (item_id),
        GUINT_TO_POINTER ((guint) audio_ms (r, r->audio_total)));

  due = r->n_chunks ? (r->chunks_sent + 1) * r->n_deltas / r->n_chunks : 0;
  while (r->next_delta < MIN (due, r->n_deltas))
    send_text_delta (r);
}

/* Sends the next piece of the message: an audio chunk (with the
 * transcript deltas due by then) or a text delta. An endless message
 * starts over at its end. FALSE when the message has been sent whole. */
static gboolean
stream_piece (Response * r)
{
  if (r->endless) {
    if (r->text_mode && r->next_delta >= r->n_deltas && r->n_deltas > 0)
      r->next_delta = 0;
    if (!r->text_mode && r->audio_offset >= g_bytes_get_size (r->audio)) {
      r->audio_offset = 0;
      r->chunks_sent = 0;
      r->next_delta = 0;
    }
  }
  if (r->text_mode && r->next_delta < r->n_deltas)
    send_text_delta (r);
  else if (!r->text_mode && r->audio_offset < g_bytes_get_size (r->audio))
    send_audio_chunk (r);
  else
    return FALSE;
  r->pieces_sent++;
  return TRUE;
}

static void step (EmuRtConn * conn, gpointer data);

static void
schedule (Response * r, guint delay_ms)
{
  emu_rt_schedule (r->conv->conn, delay_ms, step, response_ref (r),
      response_unref);
}

static gboolean
has_message (Response * r)
{
  return json_object_has_member (r->script, "transcript") ||
      json_object_has_member (r->script, "text") ||
      json_object_has_member (r->script, "audio");
}

/* Starts streaming the message. FALSE when its audio cannot be had (an
 * error event was sent and the response failed). */
static gboolean
start_message (Response * r)
{
  EmuRtConversation *conv = r->conv;
  const gchar *text = json_object_get_string_member_with_default (r->script,
      r->text_mode ? "text" : "transcript", NULL);
  JsonObject *details;
  JsonNode *d;

  if (text == NULL)
    text = json_object_get_string_member_with_default (r->script,
        r->text_mode ? "transcript" : "text", "");
  d = json_object_get_member (r->script, "deltas");
  if (d) {
    JsonArray *a = json_node_get_array (d);
    guint i;

    r->deltas = g_new0 (gchar *, json_array_get_length (a) + 1);
    for (i = 0; i < json_array_get_length (a); i++)
      r->deltas[i] = g_strdup (json_array_get_string_element (a, i));
  } else {
    r->deltas = emu_split_deltas (text);
  }
  r->n_deltas = g_strv_length (r->deltas);
  r->text = g_string_new (NULL);

  if (!r->text_mode) {
    const gchar *name = json_object_get_string_member_with_default
        (r->script, "audio", EMU_DEFAULT_REPLY_AUDIO);
    GError *error = NULL;
    gchar *path;

    g_mutex_lock (&conv->conn->emu->lock);
    path = emu_scenario_resolve_path (conv->conn->emu->scenario, name);
    g_mutex_unlock (&conv->conn->emu->lock);
    r->audio = emu_audio_load (conv->conn->emu, path, r->format, &error);
    g_free (path);
    if (r->audio == NULL) {
      JsonObject *e = json_object_new ();

      json_object_set_string_member (e, "type", "server_error");
      json_object_set_string_member (e, "code", "fixture_unreadable");
      json_object_set_string_member (e, "message", error->message);
      g_error_free (error);
      details = status_details ("failed", NULL);
      json_object_set_object_member (details, "error", e);
      finish (r, "failed", details);
      return FALSE;
    }
    r->chunk_bytes = (gsize) r->chunk_ms * emu_audio_format_rate (r->format) *
        emu_audio_format_width (r->format) / 1000;
    r->n_chunks = (g_bytes_get_size (r->audio) + r->chunk_bytes - 1) /
        r->chunk_bytes;
  }
  open_message (r);
  return TRUE;
}

static void
send_function_call (Response * r, JsonObject * call)
{
  EmuRtConversation *conv = r->conv;
  JsonNode *a = json_object_get_member (call, "arguments");
  gchar *args, *id = emu_rt_new_id ("item"), *call_id;
  const gchar *name = json_object_get_string_member (call, "name");
  JsonObject *item, *ev;
  gsize len, off, piece;

  if (a == NULL)
    args = g_strdup ("{}");
  else if (JSON_NODE_HOLDS_OBJECT (a))
    args = json_to_string (a, FALSE);
  else
    args = g_strdup (json_node_get_string (a));
  call_id = g_strdup (json_object_get_string_member_with_default (call,
          "call_id", NULL));
  if (call_id == NULL)
    call_id = emu_rt_new_id ("call");

  item = json_object_new ();
  json_object_set_string_member (item, "id", id);
  json_object_set_string_member (item, "object", "realtime.item");
  json_object_set_string_member (item, "type", "function_call");
  json_object_set_string_member (item, "status", "in_progress");
  json_object_set_string_member (item, "name", name);
  json_object_set_string_member (item, "call_id", call_id);
  json_object_set_string_member (item, "arguments", "");
  ev = response_event (r, "response.output_item.added");
  json_object_set_int_member (ev, "output_index", r->output_index);
  json_object_set_object_member (ev, "item", emu_rt_object_copy (item));
  emu_rt_send (conv->conn, ev);
  if (r->in_conversation)
    insert_item (conv, item, -1, FALSE);

  /* The arguments stream in a few pieces. */
  len = strlen (args);
  piece = MAX (1, (len + 2) / 3);
  for (off = 0; off < len; off += piece) {
    gchar *d = g_strndup (args + off, MIN (piece, len - off));

    ev = response_event (r, "response.function_call_arguments.delta");
    json_object_set_string_member (ev, "item_id", id);
    json_object_set_int_member (ev, "output_index", r->output_index);
    json_object_set_string_member (ev, "call_id", call_id);
    json_object_set_string_member (ev, "delta", d);
    emu_rt_send (conv->conn, ev);
    g_free (d);
  }
  ev = response_event (r, "response.function_call_arguments.done");
  json_object_set_string_member (ev, "item_id", id);
  json_object_set_int_member (ev, "output_index", r->output_index);
  json_object_set_string_member (ev, "call_id", call_id);
  json_object_set_string_member (ev, "name", name);
  json_object_set_string_member (ev, "arguments", args);
  emu_rt_send (conv->conn, ev);

  json_object_set_string_member (item, "status", "completed");
  json_object_set_string_member (item, "arguments", args);
  ev = response_event (r, "response.output_item.done");
  json_object_set_int_member (ev, "output_index", r->output_index);
  json_object_set_object_member (ev, "item", emu_rt_object_copy (item));
  emu_rt_send (conv->conn, ev);
  if (r->in_conversation)
    item_done (conv, item);
  json_array_add_object_element (r->output, item);
  r->output_index++;
  g_free (args);
  g_free (id);
  g_free (call_id);
}

/* "disconnect": true or an object (false means no). */
static gboolean
wants_disconnect (JsonObject * script)
{
  JsonNode *d = json_object_get_member (script, "disconnect");

  return d && (JSON_NODE_HOLDS_OBJECT (d) || json_node_get_boolean (d));
}

/* Closes the socket as the script says, mid-response. */
static void
scripted_disconnect (Response * r)
{
  JsonNode *d = json_object_get_member (r->script, "disconnect");
  JsonObject *o = JSON_NODE_HOLDS_OBJECT (d) ? json_node_get_object (d) : NULL;

  emu_rt_close (r->conv->conn, o ? json_object_get_int_member_with_default (o,
          "code", 1011) : 1011, o ?
      json_object_get_string_member_with_default (o, "reason",
          "scripted disconnect") : "scripted disconnect");
}

/* One step of the response; owns a reference to @data. */
static void
step (EmuRtConn * conn, gpointer data)
{
  Response *r = data;
  JsonNode *calls;
  guint delay = 0;

  if (r->finished) {
    response_unref (r);
    return;
  }
  switch (r->stage) {
    case STAGE_OPEN:
      if (json_object_has_member (r->script, "failure")) {
        JsonObject *f = json_object_get_object_member (r->script, "failure");
        JsonObject *det = status_details ("failed", NULL);

        json_object_set_object_member (det, "error", emu_rt_object_copy (f));
        finish (r, "failed", det);
        break;
      }
      if (!has_message (r) && wants_disconnect (r->script)) {
        scripted_disconnect (r);
        break;
      }
      if (has_message (r) && !start_message (r))
        break;
      r->stage = r->item ? STAGE_STREAM : STAGE_FUNCTIONS;
      break;
    case STAGE_STREAM:
      if (r->stop_after_chunks >= 0 &&
          r->chunks_sent + (r->text_mode ? r->next_delta : 0) >=
          (guint) r->stop_after_chunks) {
        if (wants_disconnect (r->script)) {
          scripted_disconnect (r);
          break;
        }
        /* incomplete: the output stops here. */
        close_message (r, "incomplete", TRUE);
        finish (r, "incomplete", status_details ("incomplete",
                json_object_get_string_member (r->script, "incomplete")));
        break;
      }
      if (r->stall_after_chunks >= 0 &&
          r->pieces_sent >= (guint) r->stall_after_chunks) {
        /* A stalled service: nothing more, not even response.done, until
         * the client cancels or the socket goes. */
        response_unref (r);
        return;
      }
      if (stream_piece (r)) {
        delay = r->text_mode ? json_object_get_int_member_with_default
            (r->script, "delta_delay_ms", 0) : r->pace > 0 ?
            (guint) (r->chunk_ms / r->pace) : 0;
      } else {
        while (r->next_delta < r->n_deltas)
          send_text_delta (r);
        close_message (r, "completed", TRUE);
        r->stage = STAGE_FUNCTIONS;
      }
      break;
    case STAGE_FUNCTIONS:
      calls = json_object_get_member (r->script, "function_calls");
      if (calls && r->next_call <
          json_array_get_length (json_node_get_array (calls))) {
        send_function_call (r, json_array_get_object_element
            (json_node_get_array (calls), r->next_call++));
      } else {
        r->stage = STAGE_DONE;
      }
      break;
    case STAGE_DONE:
      finish (r, "completed", NULL);
      break;
  }
  if (!r->finished && !conn->closing)
    schedule (r, delay);
  response_unref (r);
}

/* Cancels the active response: the message in progress ends incomplete
 * and response.done says why. */
static void
cancel_active (EmuRtConversation * conv, const gchar * reason)
{
  Response *r = conv->active;
  guint i;

  if (r == NULL)
    return;
  /* What the service had sent before it saw the cancel still arrives
   * after it. */
  for (i = 0; r->item && i < r->late_chunks; i++)
    if (!stream_piece (r))
      break;
  if (r->item)
    close_message (r, "incomplete", FALSE);
  finish (r, "cancelled", status_details ("cancelled", reason));
}

/* Creates a response from the scenario's next script; @params is the
 * response.create parameter object, or NULL. A scripted error_event is
 * sent at once, or, for a client's response.create (@refusal given), set
 * in @refusal to be answered with that event's id, as the service does;
 * FALSE then. */
static gboolean
start_response (EmuRtConversation * conv, JsonObject * params,
    EmuApiError * refusal)
{
  SandraEmulator *emu = conv->conn->emu;
  Response *r;
  JsonObject *ev, *script, *e;
  JsonNode *d;

  conv->idle_generation++;      /* the model speaks again: no idle timeout */

  g_mutex_lock (&emu->lock);
  script = emu_scenario_next_realtime_response (emu->scenario);
  g_mutex_unlock (&emu->lock);

  if ((e = emu_rt_object_or_null (script, "error_event"))) {
    EmuApiError own = { 0, }, *err = refusal ? refusal : &own;

    err->status = 400;
    err->type = g_strdup (json_object_get_string_member_with_default (e,
            "type", "server_error"));
    err->code = g_strdup (json_object_get_string_member_with_default (e,
            "code", NULL));
    err->param = g_strdup (json_object_get_string_member_with_default (e,
            "param", NULL));
    err->message = g_strdup (json_object_get_string_member_with_default (e,
            "message", "Scripted error."));
    if (refusal == NULL)
      emu_rt_send_error (conv->conn, NULL, &own);
    emu_api_error_clear (&own);
    json_object_unref (script);
    return FALSE;
  }

  r = g_new0 (Response, 1);
  r->refcount = 1;
  r->conv = conv;
  r->id = emu_rt_new_id ("resp");
  r->script = script;
  r->params = params ? json_object_ref (params) : NULL;
  r->in_conversation = !params || g_strcmp0
      (json_object_get_string_member_with_default (params, "conversation",
          "auto"), "none") != 0;
  r->text_mode = text_mode (conv, params);
  r->format = output_format (conv, params);
  r->output = json_array_new ();
  r->chunk_ms = json_object_get_int_member_with_default (script, "chunk_ms",
      DEFAULT_CHUNK_MS);
  r->pace = json_object_get_double_member_with_default (script, "pace",
      DEFAULT_PACE);
  r->stop_after_chunks = -1;
  r->stall_after_chunks = json_object_get_int_member_with_default (script,
      "stall_after_chunks", -1);
  r->endless = json_object_get_boolean_member_with_default (script,
      "endless", FALSE);
  r->late_chunks = json_object_get_int_member_with_default (script,
      "late_chunks", 0);
  d = json_object_get_member (script, "disconnect");
  if (d && JSON_NODE_HOLDS_OBJECT (d) &&
      json_object_has_member (json_node_get_object (d), "after_chunks"))
    r->stop_after_chunks = json_object_get_int_member (json_node_get_object
        (d), "after_chunks");
  else if (wants_disconnect (script))
    r->stop_after_chunks = 1;
  else if (json_object_has_member (script, "incomplete"))
    r->stop_after_chunks = 2;

  conv->active = r;             /* the conversation's reference */
  ev = json_object_new ();
  json_object_set_string_member (ev, "type", "response.created");
  json_object_set_object_member (ev, "response", response_object (r,
          "in_progress", NULL));
  emu_rt_send (conv->conn, ev);
  schedule (r, json_object_get_int_member_with_default (script, "delay_ms", 0));
  return TRUE;
}

/* ---- the server VAD's idle timeout ---- */

/* The user stayed silent for idle_timeout_ms after the assistant's audio
 * ended: the server commits what it has and prompts the model. */
static void
idle_timeout_fired (EmuRtConn * conn, gpointer data)
{
  EmuRtConversation *conv = conn->conversation;
  JsonObject *ev;
  gchar *item_id;

  if (GPOINTER_TO_UINT (data) != conv->idle_generation || conv->active)
    return;
  item_id = emu_rt_new_id ("item");
  ev = json_object_new ();
  json_object_set_string_member (ev, "type",
      "input_audio_buffer.timeout_triggered");
  json_object_set_int_member (ev, "audio_start_ms", conv->idle_from_ms);
  json_object_set_int_member (ev, "audio_end_ms",
      emu_rt_transcription_get_stream_ms (conv->input));
  json_object_set_string_member (ev, "item_id", item_id);
  emu_rt_send (conn, ev);
  emu_rt_transcription_commit_idle (conv->input, item_id);
  if (conv->active == NULL && !conn->closing)
    start_response (conv, NULL, NULL);
  g_free (item_id);
}

/* GA server_vad with idle_timeout_ms: the timeout runs from the end of
 * the reply's playback, estimated as real-time playback from its first
 * chunk. */
static void
arm_idle_timeout (Response * r)
{
  EmuRtConversation *conv = r->conv;
  JsonObject *td = turn_detection (conv);
  JsonNode *n = td ? json_object_get_member (td, "idle_timeout_ms") : NULL;
  gint64 playback_ms = 0;

  if (conv->conn->beta || n == NULL || !JSON_NODE_HOLDS_VALUE (n) ||
      g_strcmp0 (json_object_get_string_member_with_default (td, "type",
              NULL), "server_vad") != 0)
    return;
  if (r->audio && r->first_audio_us)
    playback_ms = MAX (0, (gint64) audio_ms (r, r->audio_total) -
        (g_get_monotonic_time () - r->first_audio_us) / 1000);
  conv->idle_from_ms = emu_rt_transcription_get_stream_ms (conv->input);
  emu_rt_schedule (conv->conn, playback_ms + json_node_get_int (n),
      idle_timeout_fired, GUINT_TO_POINTER (++conv->idle_generation), NULL);
}

/* ---- input hooks ---- */

static void
on_speech_started (gpointer owner, const gchar * item_id, guint64 ms)
{
  EmuRtConversation *conv = owner;

  conv->idle_generation++;
  /* Barge-in: the server cuts its own answer short. */
  if (conv->active && td_flag (conv, "interrupt_response"))
    cancel_active (conv, "turn_detected");
}

static void
on_committed (gpointer owner, JsonObject * item, gboolean by_vad)
{
  EmuRtConversation *conv = owner;

  insert_item (conv, item, -1, TRUE);
  if (by_vad && td_flag (conv, "create_response") && conv->active == NULL &&
      !conv->conn->closing)
    start_response (conv, NULL, NULL);
}

static const gchar *
last_item_id (gpointer owner)
{
  EmuRtConversation *conv = owner;

  return item_id_at (conv, (gint) conv->items->len - 1);
}

/* The stored user item carries its transcript, as the service's does. */
static void
on_transcribed (gpointer owner, const gchar * item_id, const gchar * transcript)
{
  EmuRtConversation *conv = owner;
  gint i = item_index (conv, item_id);
  JsonObject *part;

  if (i < 0)
    return;                     /* deleted meanwhile */
  part = json_array_get_object_element (json_object_get_array_member
      (g_ptr_array_index (conv->items, i), "content"), 0);
  json_object_set_string_member (part, "transcript", transcript);
  record_conversation (conv);
}

static const EmuRtInputHooks input_hooks = {
  on_speech_started,
  on_committed,
  last_item_id,
  on_transcribed,
};

/* ---- life cycle ---- */

EmuRtConversation *
emu_rt_conversation_new (EmuRtConn * conn, const gchar * model,
    JsonObject * initial_session)
{
  EmuRtConversation *conv = g_new0 (EmuRtConversation, 1);

  conv->conn = conn;
  conv->model = g_strdup (model);
  conv->session_id = emu_rt_new_id ("sess");
  conv->items = g_ptr_array_new_with_free_func ((GDestroyNotify)
      json_object_unref);
  conv->audio_ms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      NULL);
  conv->session = initial_session ? emu_rt_object_copy (initial_session) :
      emu_rt_conversation_default_session (conn->beta, model);
  json_object_remove_member (conv->session, "model");
  conv->input = emu_rt_transcription_new (conn);
  emu_rt_transcription_set_owner (conv->input, &input_hooks, conv);
  emu_rt_transcription_use_session (conv->input, conv->session);
  return conv;
}

void
emu_rt_conversation_free (EmuRtConversation * conv)
{
  if (conv == NULL)
    return;
  if (conv->active)
    response_unref (conv->active);
  emu_rt_transcription_free (conv->input);
  json_object_unref (conv->session);
  g_ptr_array_unref (conv->items);
  g_hash_table_unref (conv->audio_ms);
  g_free (conv->session_id);
  g_free (conv->model);
  g_free (conv);
}

void
emu_rt_conversation_start (EmuRtConversation * conv)
{
  emu_rt_send (conv->conn, session_event (conv, "session.created"));
  record_conversation (conv);
}

EmuRtTranscription *
emu_rt_conversation_get_input (EmuRtConversation * conv)
{
  return conv->input;
}

/* ---- client events ---- */

static gboolean
get_string (JsonObject * event, const gchar * name, gboolean required,
    const gchar ** out, EmuApiError * err)
{
  JsonNode *n = json_object_get_member (event, name);

  *out = NULL;
  if (n == NULL) {
    if (required)
      return emu_api_error_set (err, 400, name, "missing_required_parameter",
          "Missing required parameter: '%s'.", name);
    return TRUE;
  }
  if (!JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING)
    return emu_api_error_set (err, 400, name, "invalid_type",
        "Invalid type for '%s': expected a string.", name);
  *out = json_node_get_string (n);
  return TRUE;
}

static gboolean
handle_update (EmuRtConversation * conv, JsonObject * event, EmuApiError * err)
{
  static const gchar *const allowed[] = { "session", NULL };
  static const gchar *const ga_nested[] = { "audio", "input", "output",
    NULL
  };
  JsonObject *update, *td, *voice_holder;
  const gchar *model;
  JsonNode *v;

  if (!emu_rt_only_members (event, allowed, err) ||
      !emu_rt_required_object (event, "session", &update, err) ||
      !emu_validate_realtime_session (update, conv->conn->beta, err))
    return FALSE;

  model = json_object_get_string_member_with_default (update, "model", NULL);
  if (model && !g_str_equal (model, conv->model))
    return emu_api_error_set (err, 400, "session.model", "invalid_value",
        "Cannot change the model of a session (it is '%s').", conv->model);
  /* The voice is fixed once the assistant has spoken. */
  voice_holder = conv->conn->beta ? update :
      emu_rt_object_or_null (emu_rt_object_or_null (update, "audio"), "output");
  v = voice_holder ? json_object_get_member (voice_holder, "voice") : NULL;
  if (v && conv->audio_sent) {
    JsonNode *cur = conv->conn->beta ?
        json_object_get_member (conv->session, "voice") :
        json_object_get_member (session_output (conv), "voice");

    if (!(cur && json_node_equal (cur, v)))
      return emu_api_error_set (err, 400, conv->conn->beta ? "session.voice" :
          "session.audio.output.voice", "cannot_update_voice",
          "Cannot update a conversation's voice if assistant audio is "
          "present.");
  }

  emu_rt_merge (conv->session, update, conv->conn->beta ? NULL : ga_nested);
  json_object_remove_member (conv->session, "model");
  if ((td = turn_detection (conv)))
    fill_turn_detection (td, conv->conn->beta);
  emu_rt_transcription_use_session (conv->input, conv->session);
  emu_rt_send (conv->conn, session_event (conv, "session.updated"));
  return TRUE;
}

static gboolean
handle_item_create (EmuRtConversation * conv, JsonObject * event,
    EmuApiError * err)
{
  static const gchar *const allowed[] = { "item", "previous_item_id", NULL };
  const gchar *previous, *id;
  JsonObject *given, *item;
  gint index = -1;
  gchar *new_id = NULL;

  if (!emu_rt_only_members (event, allowed, err) ||
      !get_string (event, "previous_item_id", FALSE, &previous, err) ||
      !emu_rt_required_object (event, "item", &given, err) ||
      !emu_validate_conversation_item (given, "item", conv->conn->beta, err))
    return FALSE;
  if (previous && g_str_equal (previous, "root")) {
    index = 0;
  } else if (previous) {
    gint p = item_index (conv, previous);

    if (p < 0)
      return emu_api_error_set (err, 400, "previous_item_id",
          "invalid_value", "Error adding item: the previous item with id "
          "'%s' does not exist.", previous);
    index = p + 1;
  }
  item = emu_rt_object_copy (given);
  id = json_object_get_string_member_with_default (item, "id", NULL);
  if (id && item_index (conv, id) >= 0) {
    emu_api_error_set (err, 400, "item.id", "invalid_value",
        "Error adding item: an item with id '%s' already exists.", id);
    json_object_unref (item);
    return FALSE;
  }
  if (id == NULL) {
    new_id = emu_rt_new_id ("item");
    json_object_set_string_member (item, "id", new_id);
  }
  json_object_set_string_member (item, "object", "realtime.item");
  json_object_set_string_member (item, "status", "completed");
  insert_item (conv, item, index, TRUE);
  json_object_unref (item);
  g_free (new_id);
  return TRUE;
}

/* The index of the existing item that @event names in "item_id", or -1
 * (and @err, saying what @action failed). */
static gint
named_item (EmuRtConversation * conv, JsonObject * event, const gchar * action,
    EmuApiError * err)
{
  static const gchar *const allowed[] = { "item_id", NULL };
  const gchar *id;
  gint i;

  if (!emu_rt_only_members (event, allowed, err) ||
      !get_string (event, "item_id", TRUE, &id, err))
    return -1;
  if ((i = item_index (conv, id)) < 0)
    emu_api_error_set (err, 400, "item_id", "invalid_value",
        "Error %s item: the item with id '%s' does not exist.", action, id);
  return i;
}

static gboolean
handle_item_delete (EmuRtConversation * conv, JsonObject * event,
    EmuApiError * err)
{
  gint i = named_item (conv, event, "deleting", err);
  JsonObject *ev;

  if (i < 0)
    return FALSE;
  ev = json_object_new ();
  json_object_set_string_member (ev, "type", "conversation.item.deleted");
  json_object_set_string_member (ev, "item_id", item_id_at (conv, i));
  g_ptr_array_remove_index (conv->items, i);
  record_conversation (conv);
  emu_rt_send (conv->conn, ev);
  return TRUE;
}

static gboolean
handle_item_retrieve (EmuRtConversation * conv, JsonObject * event,
    EmuApiError * err)
{
  gint i = named_item (conv, event, "retrieving", err);
  JsonObject *ev;

  if (i < 0)
    return FALSE;
  ev = json_object_new ();
  json_object_set_string_member (ev, "type", "conversation.item.retrieved");
  json_object_set_object_member (ev, "item",
      emu_rt_object_copy (g_ptr_array_index (conv->items, i)));
  emu_rt_send (conv->conn, ev);
  return TRUE;
}

static gboolean
get_int (JsonObject * event, const gchar * name, gint64 * out,
    EmuApiError * err)
{
  JsonNode *n = json_object_get_member (event, name);

  if (n == NULL)
    return emu_api_error_set (err, 400, name, "missing_required_parameter",
        "Missing required parameter: '%s'.", name);
  if (!JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_INT64)
    return emu_api_error_set (err, 400, name, "invalid_type",
        "Invalid type for '%s': expected an integer.", name);
  *out = json_node_get_int (n);
  if (*out < 0)
    return emu_api_error_set (err, 400, name, "integer_below_min_value",
        "Invalid '%s': expected a value >= 0.", name);
  return TRUE;
}

/* The client tells how much of an assistant item was heard; the audio
 * after it (and the whole transcript) leaves the context. The service
 * refuses to cut beyond the audio it sent. */
static gboolean
handle_truncate (EmuRtConversation * conv, JsonObject * event,
    EmuApiError * err)
{
  static const gchar *const allowed[] = { "item_id", "content_index",
    "audio_end_ms", NULL
  };
  const gchar *id;
  gint64 content_index, end_ms;
  gpointer sent;
  guint64 sent_ms;
  JsonObject *ev, *item, *part;
  gint i;

  if (!emu_rt_only_members (event, allowed, err) ||
      !get_string (event, "item_id", TRUE, &id, err) ||
      !get_int (event, "content_index", &content_index, err) ||
      !get_int (event, "audio_end_ms", &end_ms, err))
    return FALSE;
  if ((i = item_index (conv, id)) < 0)
    return emu_api_error_set (err, 400, "item_id", "invalid_value",
        "Error truncating item: the item with id '%s' does not exist.", id);
  if (!g_hash_table_lookup_extended (conv->audio_ms, id, NULL, &sent))
    return emu_api_error_set (err, 400, "item_id", "invalid_value",
        "Error truncating item: only assistant messages with audio can be "
        "truncated.");
  if (content_index != 0)
    return emu_api_error_set (err, 400, "content_index", "invalid_value",
        "Error truncating item: content_index %" G_GINT64_FORMAT
        " has no audio.", content_index);
  sent_ms = GPOINTER_TO_UINT (sent);
  if ((guint64) end_ms > sent_ms)
    return emu_api_error_set (err, 400, "audio_end_ms", "invalid_value",
        "Audio content of %" G_GUINT64_FORMAT "ms is already shorter than %"
        G_GINT64_FORMAT "ms.", sent_ms, end_ms);

  item = g_ptr_array_index (conv->items, i);
  part = json_array_get_object_element (json_object_get_array_member (item,
          "content"), 0);
  json_object_set_string_member (part, "transcript", "");
  g_hash_table_insert (conv->audio_ms, g_strdup (id),
      GUINT_TO_POINTER ((guint) end_ms));
  record_conversation (conv);
  ev = json_object_new ();
  json_object_set_string_member (ev, "type", "conversation.item.truncated");
  json_object_set_string_member (ev, "item_id", id);
  json_object_set_int_member (ev, "content_index", 0);
  json_object_set_int_member (ev, "audio_end_ms", end_ms);
  emu_rt_send (conv->conn, ev);
  return TRUE;
}

static gboolean
handle_response_create (EmuRtConversation * conv, JsonObject * event,
    EmuApiError * err)
{
  static const gchar *const allowed[] = { "response", NULL };
  JsonNode *n = json_object_get_member (event, "response");
  JsonObject *params = NULL;

  if (!emu_rt_only_members (event, allowed, err))
    return FALSE;
  if (n && !JSON_NODE_HOLDS_NULL (n)) {
    if (!JSON_NODE_HOLDS_OBJECT (n))
      return emu_api_error_set (err, 400, "response", "invalid_type",
          "Invalid type for 'response': expected an object.");
    params = json_node_get_object (n);
    if (!emu_validate_response_params (params, conv->conn->beta, err))
      return FALSE;
  }
  if (conv->active)
    return emu_api_error_set (err, 400, NULL,
        "conversation_already_has_active_response", "Conversation already "
        "has an active response in progress: %s. Wait until the response is "
        "finished before creating a new one.", conv->active->id);
  return start_response (conv, params, err);
}

static gboolean
handle_response_cancel (EmuRtConversation * conv, JsonObject * event,
    EmuApiError * err)
{
  static const gchar *const allowed[] = { "response_id", NULL };
  const gchar *id;

  if (!emu_rt_only_members (event, allowed, err) ||
      !get_string (event, "response_id", FALSE, &id, err))
    return FALSE;
  if (conv->active == NULL || (id && !g_str_equal (id, conv->active->id)))
    return emu_api_error_set (err, 400, NULL, "response_cancel_not_active",
        "Cancellation failed: no active response found");
  cancel_active (conv, "client_cancelled");
  return TRUE;
}

gboolean
emu_rt_conversation_handle (EmuRtConversation * conv, const gchar * type,
    JsonObject * event, EmuApiError * err)
{
  gboolean handled, ok;

  ok = emu_rt_transcription_handle_input (conv->input, type, event, err,
      &handled);
  if (handled)
    return ok;
  if (g_str_equal (type, "session.update"))
    return handle_update (conv, event, err);
  if (g_str_equal (type, "conversation.item.create"))
    return handle_item_create (conv, event, err);
  if (g_str_equal (type, "conversation.item.delete"))
    return handle_item_delete (conv, event, err);
  if (g_str_equal (type, "conversation.item.retrieve"))
    return handle_item_retrieve (conv, event, err);
  if (g_str_equal (type, "conversation.item.truncate"))
    return handle_truncate (conv, event, err);
  if (g_str_equal (type, "response.create"))
    return handle_response_create (conv, event, err);
  if (g_str_equal (type, "response.cancel"))
    return handle_response_cancel (conv, event, err);
  if (g_str_equal (type, "output_audio_buffer.clear"))
    return emu_api_error_set (err, 400, "type", "invalid_value",
        "output_audio_buffer.clear is only supported for WebRTC and SIP "
        "connections.");
  return emu_api_error_set (err, 400, "type", "invalid_value",
      "Invalid value: '%s'. Supported values are: 'session.update', "
      "'input_audio_buffer.append', 'input_audio_buffer.commit', "
      "'input_audio_buffer.clear', 'conversation.item.create', "
      "'conversation.item.retrieve', 'conversation.item.truncate', "
      "'conversation.item.delete', 'response.create', and "
      "'response.cancel'.", type);
}
