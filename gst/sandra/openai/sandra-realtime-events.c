/* gst-sandra: OpenAI Realtime client event builders and server event parser
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-realtime-events.h"
#include "sandra-json-util.h"

#include <gio/gio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (sandra_realtime_events_debug);
#define GST_CAT_DEFAULT sandra_realtime_events_debug

static void
debug_init (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (sandra_realtime_events_debug, "sandrarealtime",
        0, "gst-sandra OpenAI Realtime protocol");
    g_once_init_leave (&once, 1);
  }
}

/* ------------------------------------------------------------------------
 * Client events
 * ------------------------------------------------------------------------ */

static JsonObject *
event_new (const gchar * type, const gchar * event_id)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "type", type);
  if (event_id) {
    g_warn_if_fail (strlen (event_id) <= SANDRA_REALTIME_MAX_EVENT_ID);
    json_object_set_string_member (o, "event_id", event_id);
  }
  return o;
}

static gchar *
event_finish (JsonObject * o)
{
  JsonNode *root = json_node_new (JSON_NODE_OBJECT);
  gchar *s;

  json_node_take_object (root, o);
  s = json_to_string (root, FALSE);
  json_node_unref (root);
  return s;
}

gchar *
sandra_realtime_event_input_audio_append (gconstpointer audio, gsize size,
    const gchar * event_id)
{
  JsonObject *o;
  gchar *b64;

  g_return_val_if_fail (audio != NULL || size == 0, NULL);

  o = event_new ("input_audio_buffer.append", event_id);
  b64 = g_base64_encode (audio, size);
  json_object_set_string_member (o, "audio", b64);
  g_free (b64);
  return event_finish (o);
}

gchar *
sandra_realtime_event_input_audio_commit (const gchar * event_id)
{
  return event_finish (event_new ("input_audio_buffer.commit", event_id));
}

gchar *
sandra_realtime_event_input_audio_clear (const gchar * event_id)
{
  return event_finish (event_new ("input_audio_buffer.clear", event_id));
}

static gchar *
item_create (JsonObject * item, const gchar * previous_item_id,
    const gchar * event_id)
{
  JsonObject *o = event_new ("conversation.item.create", event_id);

  if (previous_item_id)
    json_object_set_string_member (o, "previous_item_id", previous_item_id);
  json_object_set_object_member (o, "item", item);
  return event_finish (o);
}

gchar *
sandra_realtime_event_user_text (const gchar * text,
    const gchar * previous_item_id, const gchar * event_id)
{
  JsonObject *item, *part;
  JsonArray *content;

  g_return_val_if_fail (text != NULL, NULL);

  part = json_object_new ();
  json_object_set_string_member (part, "type", "input_text");
  json_object_set_string_member (part, "text", text);
  content = json_array_new ();
  json_array_add_object_element (content, part);
  item = json_object_new ();
  json_object_set_string_member (item, "type", "message");
  json_object_set_string_member (item, "role", "user");
  json_object_set_array_member (item, "content", content);
  return item_create (item, previous_item_id, event_id);
}

gchar *
sandra_realtime_event_function_call_output (const gchar * call_id,
    const gchar * output, const gchar * previous_item_id,
    const gchar * event_id)
{
  JsonObject *item;

  g_return_val_if_fail (call_id != NULL && output != NULL, NULL);

  item = json_object_new ();
  json_object_set_string_member (item, "type", "function_call_output");
  json_object_set_string_member (item, "call_id", call_id);
  json_object_set_string_member (item, "output", output);
  return item_create (item, previous_item_id, event_id);
}

gchar *
sandra_realtime_event_item_truncate (const gchar * item_id,
    guint content_index, guint64 audio_end_ms, const gchar * event_id)
{
  JsonObject *o;

  g_return_val_if_fail (item_id != NULL, NULL);

  o = event_new ("conversation.item.truncate", event_id);
  json_object_set_string_member (o, "item_id", item_id);
  json_object_set_int_member (o, "content_index", content_index);
  json_object_set_int_member (o, "audio_end_ms", audio_end_ms);
  return event_finish (o);
}

gchar *
sandra_realtime_event_item_delete (const gchar * item_id,
    const gchar * event_id)
{
  JsonObject *o;

  g_return_val_if_fail (item_id != NULL, NULL);

  o = event_new ("conversation.item.delete", event_id);
  json_object_set_string_member (o, "item_id", item_id);
  return event_finish (o);
}

/* Parses @json and checks it holds @expected (an object or an array). */
static JsonNode *
parse_option (const gchar * what, const gchar * json, JsonNodeType expected,
    GError ** error)
{
  JsonNode *node = json_from_string (json, error);

  if (node == NULL) {
    if (error && *error)
      g_prefix_error (error, "Invalid %s JSON: ", what);
    else
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "Invalid %s JSON: empty", what);
    return NULL;
  }
  if (JSON_NODE_TYPE (node) != expected) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Invalid %s JSON: expected an %s", what,
        expected == JSON_NODE_ARRAY ? "array" : "object");
    json_node_unref (node);
    return NULL;
  }
  return node;
}

gchar *
sandra_realtime_event_response_create (const SandraRealtimeResponseOptions *
    opts, SandraRealtimeApi api, const gchar * event_id, GError ** error)
{
  JsonObject *o, *resp;
  JsonNode *node;

  o = event_new ("response.create", event_id);
  if (opts == NULL)
    return event_finish (o);

  resp = json_object_new ();
  if (opts->set_modality) {
    JsonArray *m = json_array_new ();

    if (opts->modality == SANDRA_REALTIME_MODALITY_TEXT) {
      json_array_add_string_element (m, "text");
    } else {
      if (api == SANDRA_REALTIME_API_BETA)
        json_array_add_string_element (m, "text");
      json_array_add_string_element (m, "audio");
    }
    json_object_set_array_member (resp, api == SANDRA_REALTIME_API_GA ?
        "output_modalities" : "modalities", m);
  }
  if (opts->instructions)
    json_object_set_string_member (resp, "instructions", opts->instructions);
  if (opts->conversation)
    json_object_set_string_member (resp, "conversation", opts->conversation);
  if (opts->metadata_json) {
    node = parse_option ("metadata", opts->metadata_json, JSON_NODE_OBJECT,
        error);
    if (node == NULL)
      goto failed;
    json_object_set_member (resp, "metadata", node);
  }
  if (opts->input_json) {
    node = parse_option ("input", opts->input_json, JSON_NODE_ARRAY, error);
    if (node == NULL)
      goto failed;
    json_object_set_member (resp, "input", node);
  }
  if (opts->tools_json) {
    node = parse_option ("tools", opts->tools_json, JSON_NODE_ARRAY, error);
    if (node == NULL)
      goto failed;
    json_object_set_member (resp, "tools", node);
  }
  json_object_set_object_member (o, "response", resp);
  return event_finish (o);

failed:
  json_object_unref (resp);
  json_object_unref (o);
  return NULL;
}

gchar *
sandra_realtime_event_response_cancel (const gchar * response_id,
    const gchar * event_id)
{
  JsonObject *o = event_new ("response.cancel", event_id);

  if (response_id)
    json_object_set_string_member (o, "response_id", response_id);
  return event_finish (o);
}

/* ------------------------------------------------------------------------
 * Server events
 * ------------------------------------------------------------------------ */

typedef struct
{
  const gchar *name;
  SandraRealtimeServerEventType type;
} TypeName;

/* GA names first: the first entry of a type gives its canonical name. */
static const TypeName type_names[] = {
  {"error", SANDRA_REALTIME_SERVER_EVENT_ERROR},
  {"session.created", SANDRA_REALTIME_SERVER_EVENT_SESSION_CREATED},
  {"session.updated", SANDRA_REALTIME_SERVER_EVENT_SESSION_UPDATED},
  {"conversation.created", SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_CREATED},
  {"input_audio_buffer.speech_started",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STARTED},
  {"input_audio_buffer.speech_stopped",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STOPPED},
  {"input_audio_buffer.committed",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_COMMITTED},
  {"input_audio_buffer.cleared",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_CLEARED},
  {"input_audio_buffer.timeout_triggered",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_TIMEOUT_TRIGGERED},
  {"conversation.item.added",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_ADDED},
  {"conversation.item.done",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_DONE},
  {"conversation.item.created",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_CREATED},
  {"conversation.item.retrieved",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_RETRIEVED},
  {"conversation.item.truncated",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_TRUNCATED},
  {"conversation.item.deleted",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_DELETED},
  {"conversation.item.input_audio_transcription.delta",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_DELTA},
  {"conversation.item.input_audio_transcription.completed",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_COMPLETED},
  {"conversation.item.input_audio_transcription.failed",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_FAILED},
  {"conversation.item.input_audio_transcription.segment",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_SEGMENT},
  {"response.created", SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CREATED},
  {"response.done", SANDRA_REALTIME_SERVER_EVENT_RESPONSE_DONE},
  {"response.output_item.added",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_ITEM_ADDED},
  {"response.output_item.done",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_ITEM_DONE},
  {"response.content_part.added",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CONTENT_PART_ADDED},
  {"response.content_part.done",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CONTENT_PART_DONE},
  {"response.output_audio.delta",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DELTA},
  {"response.output_audio.done",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DONE},
  {"response.output_audio_transcript.delta",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA},
  {"response.output_audio_transcript.done",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE},
  {"response.output_text.delta",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DELTA},
  {"response.output_text.done",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DONE},
  {"response.function_call_arguments.delta",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA},
  {"response.function_call_arguments.done",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE},
  {"rate_limits.updated", SANDRA_REALTIME_SERVER_EVENT_RATE_LIMITS_UPDATED},
  {"output_audio_buffer.started",
      SANDRA_REALTIME_SERVER_EVENT_OUTPUT_AUDIO_BUFFER_STARTED},
  {"output_audio_buffer.stopped",
      SANDRA_REALTIME_SERVER_EVENT_OUTPUT_AUDIO_BUFFER_STOPPED},
  {"output_audio_buffer.cleared",
      SANDRA_REALTIME_SERVER_EVENT_OUTPUT_AUDIO_BUFFER_CLEARED},
  /* beta spellings */
  {"transcription_session.created",
      SANDRA_REALTIME_SERVER_EVENT_SESSION_CREATED},
  {"transcription_session.updated",
      SANDRA_REALTIME_SERVER_EVENT_SESSION_UPDATED},
  {"response.audio.delta",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DELTA},
  {"response.audio.done",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DONE},
  {"response.audio_transcript.delta",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA},
  {"response.audio_transcript.done",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE},
  {"response.text.delta",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DELTA},
  {"response.text.done",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DONE},
};

SandraRealtimeServerEventType
sandra_realtime_server_event_type_from_string (const gchar * type)
{
  static GHashTable *table = NULL;
  gpointer v;

  if (g_once_init_enter (&table)) {
    GHashTable *t = g_hash_table_new (g_str_hash, g_str_equal);
    guint i;

    for (i = 0; i < G_N_ELEMENTS (type_names); i++)
      g_hash_table_insert (t, (gpointer) type_names[i].name,
          GINT_TO_POINTER (type_names[i].type));
    g_once_init_leave (&table, t);
  }
  if (type == NULL)
    return SANDRA_REALTIME_SERVER_EVENT_UNKNOWN;
  v = g_hash_table_lookup (table, type);
  return v ? (SandraRealtimeServerEventType) GPOINTER_TO_INT (v) :
      SANDRA_REALTIME_SERVER_EVENT_UNKNOWN;
}

const gchar *
sandra_realtime_server_event_type_to_string (SandraRealtimeServerEventType type)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (type_names); i++)
    if (type_names[i].type == type)
      return type_names[i].name;
  return "unknown";
}

gboolean
sandra_realtime_error_code_is_benign (const gchar * code)
{
  return !g_strcmp0 (code, "response_cancel_not_active")
      || !g_strcmp0 (code, "conversation_already_has_active_response");
}

gboolean
sandra_realtime_server_event_is_benign_error (const SandraRealtimeServerEvent
    * ev)
{
  g_return_val_if_fail (ev != NULL, FALSE);

  return ev->type == SANDRA_REALTIME_SERVER_EVENT_ERROR
      && sandra_realtime_error_code_is_benign (ev->error_code);
}

static gchar *
dup_str (JsonObject * o, const gchar * name)
{
  return g_strdup (sandra_json_get_string (o, name));
}

static gint
get_index (JsonObject * o, const gchar * name)
{
  gint64 v = sandra_json_get_int (o, name, -1);

  return v < 0 || v > G_MAXINT ? -1 : (gint) v;
}

static void
set_if_unset (gchar ** dest, JsonObject * o, const gchar * name)
{
  if (*dest == NULL)
    *dest = dup_str (o, name);
}

static void
read_error (SandraRealtimeServerEvent * ev, JsonObject * err)
{
  if (err == NULL)
    return;
  ev->error_type = dup_str (err, "type");
  ev->error_code = dup_str (err, "code");
  ev->error_message = dup_str (err, "message");
  ev->error_param = dup_str (err, "param");
  ev->error_event_id = dup_str (err, "event_id");
}

static void
read_usage (SandraRealtimeServerEvent * ev, JsonObject * usage)
{
  JsonObject *in_details, *out_details;

  if (usage == NULL)
    return;
  ev->has_usage = TRUE;
  ev->usage.input_tokens = sandra_json_get_int (usage, "input_tokens", -1);
  ev->usage.output_tokens = sandra_json_get_int (usage, "output_tokens", -1);
  ev->usage.total_tokens = sandra_json_get_int (usage, "total_tokens", -1);
  in_details = sandra_json_get_object (usage, "input_token_details");
  out_details = sandra_json_get_object (usage, "output_token_details");
  ev->usage.input_audio_tokens =
      sandra_json_get_int (in_details, "audio_tokens", -1);
  ev->usage.output_audio_tokens =
      sandra_json_get_int (out_details, "audio_tokens", -1);
  if (!sandra_json_get_number (usage, "seconds", &ev->usage.seconds))
    ev->usage.seconds = -1.0;
}

static SandraRealtimeResponseStatus
status_from_string (const gchar * s)
{
  if (s == NULL)
    return SANDRA_REALTIME_RESPONSE_STATUS_NONE;
  if (!strcmp (s, "in_progress"))
    return SANDRA_REALTIME_RESPONSE_STATUS_IN_PROGRESS;
  if (!strcmp (s, "completed"))
    return SANDRA_REALTIME_RESPONSE_STATUS_COMPLETED;
  if (!strcmp (s, "cancelled"))
    return SANDRA_REALTIME_RESPONSE_STATUS_CANCELLED;
  if (!strcmp (s, "failed"))
    return SANDRA_REALTIME_RESPONSE_STATUS_FAILED;
  if (!strcmp (s, "incomplete"))
    return SANDRA_REALTIME_RESPONSE_STATUS_INCOMPLETE;
  return SANDRA_REALTIME_RESPONSE_STATUS_OTHER;
}

static void
read_response (SandraRealtimeServerEvent * ev, JsonObject * resp)
{
  JsonObject *details;

  if (resp == NULL)
    return;
  set_if_unset (&ev->response_id, resp, "id");
  ev->status = status_from_string (sandra_json_get_string (resp, "status"));
  details = sandra_json_get_object (resp, "status_details");
  ev->status_reason = dup_str (details, "reason");
  /* a failed response explains itself in status_details.error */
  read_error (ev, sandra_json_get_object (details, "error"));
  read_usage (ev, sandra_json_get_object (resp, "usage"));
}

static void
read_item (SandraRealtimeServerEvent * ev, JsonObject * item)
{
  if (item == NULL)
    return;
  set_if_unset (&ev->item_id, item, "id");
  ev->item_type = dup_str (item, "type");
  ev->item_role = dup_str (item, "role");
  ev->item_status = dup_str (item, "status");
  set_if_unset (&ev->call_id, item, "call_id");
  set_if_unset (&ev->name, item, "name");
  set_if_unset (&ev->arguments, item, "arguments");
}

static void
read_rate_limits (SandraRealtimeServerEvent * ev, JsonArray * arr)
{
  guint i;

  ev->rate_limits = g_array_new (FALSE, TRUE, sizeof (SandraRealtimeRateLimit));
  for (i = 0; arr && i < json_array_get_length (arr); i++) {
    JsonNode *n = json_array_get_element (arr, i);
    JsonObject *o;
    SandraRealtimeRateLimit rl;

    if (!JSON_NODE_HOLDS_OBJECT (n))
      continue;
    o = json_node_get_object (n);
    rl.name = dup_str (o, "name");
    rl.limit = sandra_json_get_int (o, "limit", -1);
    rl.remaining = sandra_json_get_int (o, "remaining", -1);
    if (!sandra_json_get_number (o, "reset_seconds", &rl.reset_seconds))
      rl.reset_seconds = -1.0;
    g_array_append_val (ev->rate_limits, rl);
  }
}

static void
rate_limit_clear (gpointer p)
{
  g_free (((SandraRealtimeRateLimit *) p)->name);
}

static void
read_audio (SandraRealtimeServerEvent * ev, JsonObject * o)
{
  const gchar *b64 = sandra_json_get_string (o, "delta");
  gsize len = 0;
  guchar *data;

  if (b64 == NULL)
    return;
  /* g_base64_decode skips characters outside the alphabet rather than
   * failing, so a damaged delta yields (shorter) audio, never a crash. */
  data = g_base64_decode (b64, &len);
  ev->audio = g_bytes_new_take (data, len);
}

SandraRealtimeServerEvent *
sandra_realtime_server_event_parse (const gchar * data, gssize length,
    GError ** error)
{
  JsonObject *o;
  SandraRealtimeServerEvent *ev;
  const gchar *type;

  g_return_val_if_fail (data != NULL, NULL);

  debug_init ();
  o = sandra_json_parse_object (data, length, "Realtime server event", error);
  if (o == NULL)
    return NULL;
  type = sandra_json_get_string (o, "type");
  if (type == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "Realtime server event has no type");
    json_object_unref (o);
    return NULL;
  }

  ev = g_new0 (SandraRealtimeServerEvent, 1);
  ev->object = o;
  ev->type = sandra_realtime_server_event_type_from_string (type);
  ev->type_name = g_strdup (type);
  ev->event_id = dup_str (o, "event_id");
  ev->item_id = dup_str (o, "item_id");
  ev->previous_item_id = dup_str (o, "previous_item_id");
  ev->response_id = dup_str (o, "response_id");
  ev->output_index = get_index (o, "output_index");
  ev->content_index = get_index (o, "content_index");
  ev->audio_start_ms = sandra_json_get_int (o, "audio_start_ms", -1);
  ev->audio_end_ms = sandra_json_get_int (o, "audio_end_ms", -1);
  ev->call_id = dup_str (o, "call_id");
  ev->name = dup_str (o, "name");
  ev->arguments = dup_str (o, "arguments");
  ev->usage.input_tokens = ev->usage.output_tokens = -1;
  ev->usage.total_tokens = -1;
  ev->usage.input_audio_tokens = ev->usage.output_audio_tokens = -1;
  ev->usage.seconds = -1.0;

  switch (ev->type) {
    case SANDRA_REALTIME_SERVER_EVENT_ERROR:
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_FAILED:
      read_error (ev, sandra_json_get_object (o, "error"));
      break;
    case SANDRA_REALTIME_SERVER_EVENT_SESSION_CREATED:
    case SANDRA_REALTIME_SERVER_EVENT_SESSION_UPDATED:{
      JsonObject *s = sandra_json_get_object (o, "session");

      ev->session_id = dup_str (s, "id");
      ev->model = dup_str (s, "model");
      break;
    }
    case SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_ADDED:
    case SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_DONE:
    case SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_CREATED:
    case SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_RETRIEVED:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_ITEM_ADDED:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_ITEM_DONE:
      read_item (ev, sandra_json_get_object (o, "item"));
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_DELTA:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DELTA:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA:
      ev->delta = dup_str (o, "delta");
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_COMPLETED:
      ev->text = dup_str (o, "transcript");
      read_usage (ev, sandra_json_get_object (o, "usage"));
      break;
    case SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_SEGMENT:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DONE:
      ev->text = dup_str (o, "text");
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE:
      ev->text = dup_str (o, "transcript");
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CONTENT_PART_ADDED:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CONTENT_PART_DONE:{
      JsonObject *part = sandra_json_get_object (o, "part");

      ev->text = dup_str (part, "text");
      set_if_unset (&ev->text, part, "transcript");
      break;
    }
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DELTA:
      read_audio (ev, o);
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CREATED:
    case SANDRA_REALTIME_SERVER_EVENT_RESPONSE_DONE:
      read_response (ev, sandra_json_get_object (o, "response"));
      break;
    case SANDRA_REALTIME_SERVER_EVENT_RATE_LIMITS_UPDATED:
      read_rate_limits (ev, sandra_json_get_array (o, "rate_limits"));
      break;
    default:
      break;
  }

  if (ev->type == SANDRA_REALTIME_SERVER_EVENT_UNKNOWN)
    GST_DEBUG ("unknown server event type '%s'", type);
  return ev;
}

void
sandra_realtime_server_event_free (SandraRealtimeServerEvent * ev)
{
  if (ev == NULL)
    return;
  g_free (ev->type_name);
  g_free (ev->event_id);
  g_free (ev->item_id);
  g_free (ev->previous_item_id);
  g_free (ev->response_id);
  g_free (ev->delta);
  g_free (ev->text);
  if (ev->audio)
    g_bytes_unref (ev->audio);
  g_free (ev->item_type);
  g_free (ev->item_role);
  g_free (ev->item_status);
  g_free (ev->call_id);
  g_free (ev->name);
  g_free (ev->arguments);
  g_free (ev->status_reason);
  g_free (ev->error_type);
  g_free (ev->error_code);
  g_free (ev->error_message);
  g_free (ev->error_param);
  g_free (ev->error_event_id);
  if (ev->rate_limits) {
    guint i;

    for (i = 0; i < ev->rate_limits->len; i++)
      rate_limit_clear (&g_array_index (ev->rate_limits,
              SandraRealtimeRateLimit, i));
    g_array_unref (ev->rate_limits);
  }
  g_free (ev->session_id);
  g_free (ev->model);
  if (ev->object)
    json_object_unref (ev->object);
  g_free (ev);
}
