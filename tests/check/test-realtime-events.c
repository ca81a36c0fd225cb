/* Realtime client event builders and the server event parser: produced JSON
 * read back field by field, real-shaped server events in GA and beta
 * spelling, and hostile input (malformed, truncated, wrongly typed, huge).
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>
#include <string.h>

#include "test-json.h"
#include "sandra-realtime-events.h"

/* ---- client events ---------------------------------------------------- */

GST_START_TEST (test_input_audio_events)
{
  gint16 pcm[480];
  gchar *text;
  JsonNode *r;
  guchar *decoded;
  gsize len, i;

  for (i = 0; i < G_N_ELEMENTS (pcm); i++)
    pcm[i] = (gint16) (i * 97 - 20000);

  text = sandra_realtime_event_input_audio_append (pcm, sizeof (pcm), "a1");
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "type"), "input_audio_buffer.append");
  fail_unless_equals_string (tj_str (r, "event_id"), "a1");
  decoded = g_base64_decode (tj_str (r, "audio"), &len);
  fail_unless_equals_int (len, sizeof (pcm));
  fail_unless (memcmp (decoded, pcm, len) == 0);
  fail_unless_equals_int (tj_size (r, NULL), 3);
  g_free (decoded);
  json_node_unref (r);
  g_free (text);

  text = sandra_realtime_event_input_audio_append (NULL, 0, NULL);
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "audio"), "");
  fail_if (tj_has (r, "event_id"));
  json_node_unref (r);
  g_free (text);

  text = sandra_realtime_event_input_audio_commit ("c1");
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "type"), "input_audio_buffer.commit");
  fail_unless_equals_string (tj_str (r, "event_id"), "c1");
  fail_unless_equals_int (tj_size (r, NULL), 2);
  json_node_unref (r);
  g_free (text);

  text = sandra_realtime_event_input_audio_clear (NULL);
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "type"), "input_audio_buffer.clear");
  fail_unless_equals_int (tj_size (r, NULL), 1);
  json_node_unref (r);
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_conversation_item_events)
{
  gchar *text;
  JsonNode *r;

  /* quotes, newlines and non-ASCII survive the escaping */
  text = sandra_realtime_event_user_text ("Hola, \"señor\"\nok", "root", "u1");
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "type"), "conversation.item.create");
  fail_unless_equals_string (tj_str (r, "event_id"), "u1");
  fail_unless_equals_string (tj_str (r, "previous_item_id"), "root");
  fail_unless_equals_string (tj_str (r, "item.type"), "message");
  fail_unless_equals_string (tj_str (r, "item.role"), "user");
  fail_unless_equals_int (tj_size (r, "item.content"), 1);
  fail_unless_equals_string (tj_str (r, "item.content.0.type"), "input_text");
  fail_unless_equals_string (tj_str (r, "item.content.0.text"),
      "Hola, \"señor\"\nok");
  json_node_unref (r);
  g_free (text);

  text = sandra_realtime_event_function_call_output ("call_123",
      "{\"temperature_c\":21}", NULL, NULL);
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "type"), "conversation.item.create");
  fail_if (tj_has (r, "previous_item_id"));
  fail_unless_equals_string (tj_str (r, "item.type"), "function_call_output");
  fail_unless_equals_string (tj_str (r, "item.call_id"), "call_123");
  fail_unless_equals_string (tj_str (r, "item.output"),
      "{\"temperature_c\":21}");
  json_node_unref (r);
  g_free (text);

  text = sandra_realtime_event_item_truncate ("item_9", 0, 1520, "t1");
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "type"), "conversation.item.truncate");
  fail_unless_equals_string (tj_str (r, "item_id"), "item_9");
  fail_unless_equals_int (tj_int (r, "content_index"), 0);
  fail_unless_equals_int (tj_int (r, "audio_end_ms"), 1520);
  fail_unless_equals_string (tj_str (r, "event_id"), "t1");
  json_node_unref (r);
  g_free (text);

  text = sandra_realtime_event_item_delete ("item_9", NULL);
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "type"), "conversation.item.delete");
  fail_unless_equals_string (tj_str (r, "item_id"), "item_9");
  json_node_unref (r);
  g_free (text);
}

GST_END_TEST;

GST_START_TEST (test_response_events)
{
  SandraRealtimeResponseOptions opts = { 0, };
  GError *err = NULL;
  gchar *text;
  JsonNode *r;

  text = sandra_realtime_event_response_create (NULL, SANDRA_REALTIME_API_GA,
      "r1", &err);
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "type"), "response.create");
  fail_unless_equals_string (tj_str (r, "event_id"), "r1");
  fail_if (tj_has (r, "response"));
  json_node_unref (r);
  g_free (text);

  opts.set_modality = TRUE;
  opts.modality = SANDRA_REALTIME_MODALITY_TEXT;
  opts.instructions = "Summarise the call in one line.";
  opts.conversation = "none";
  opts.metadata_json = "{\"purpose\":\"summary\"}";
  opts.input_json = "[{\"type\":\"item_reference\",\"id\":\"item_1\"}]";
  opts.tools_json = "[]";
  text = sandra_realtime_event_response_create (&opts, SANDRA_REALTIME_API_GA,
      NULL, &err);
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "response.output_modalities.0"),
      "text");
  fail_unless_equals_int (tj_size (r, "response.output_modalities"), 1);
  fail_if (tj_has (r, "response.modalities"));
  fail_unless_equals_string (tj_str (r, "response.instructions"),
      "Summarise the call in one line.");
  fail_unless_equals_string (tj_str (r, "response.conversation"), "none");
  fail_unless_equals_string (tj_str (r, "response.metadata.purpose"),
      "summary");
  fail_unless_equals_string (tj_str (r, "response.input.0.id"), "item_1");
  fail_unless_equals_int (tj_size (r, "response.tools"), 0);
  json_node_unref (r);
  g_free (text);

  opts.modality = SANDRA_REALTIME_MODALITY_AUDIO;
  text = sandra_realtime_event_response_create (&opts,
      SANDRA_REALTIME_API_BETA, NULL, &err);
  r = tj_parse (text);
  fail_unless_equals_int (tj_size (r, "response.modalities"), 2);
  fail_unless_equals_string (tj_str (r, "response.modalities.1"), "audio");
  fail_if (tj_has (r, "response.output_modalities"));
  json_node_unref (r);
  g_free (text);

  opts.metadata_json = "[1]";
  fail_unless (sandra_realtime_event_response_create (&opts,
          SANDRA_REALTIME_API_GA, NULL, &err) == NULL);
  fail_unless (err != NULL);
  g_clear_error (&err);
  opts.metadata_json = NULL;
  opts.input_json = "{\"type\":";
  fail_unless (sandra_realtime_event_response_create (&opts,
          SANDRA_REALTIME_API_GA, NULL, &err) == NULL);
  fail_unless (err != NULL);
  g_clear_error (&err);

  text = sandra_realtime_event_response_cancel ("resp_7", "x");
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "type"), "response.cancel");
  fail_unless_equals_string (tj_str (r, "response_id"), "resp_7");
  json_node_unref (r);
  g_free (text);
  text = sandra_realtime_event_response_cancel (NULL, NULL);
  r = tj_parse (text);
  fail_unless_equals_int (tj_size (r, NULL), 1);
  json_node_unref (r);
  g_free (text);
}

GST_END_TEST;

/* ---- server events ---------------------------------------------------- */

static SandraRealtimeServerEvent *
parse_ok (const gchar * json)
{
  GError *err = NULL;
  SandraRealtimeServerEvent *ev =
      sandra_realtime_server_event_parse (json, -1, &err);

  fail_unless (ev != NULL, "%s: %s", json, err ? err->message : "");
  return ev;
}

/* One real-shaped sample per event type, GA and beta spellings. */
static const struct
{
  const gchar *json;
  SandraRealtimeServerEventType type;
} samples[] = {
  {"{\"type\":\"error\",\"event_id\":\"event_1\",\"error\":{\"type\":"
        "\"invalid_request_error\",\"code\":\"invalid_value\",\"message\":"
        "\"Invalid value\",\"param\":\"session.voice\",\"event_id\":\"ev_c1\"}}",
      SANDRA_REALTIME_SERVER_EVENT_ERROR},
  {"{\"type\":\"session.created\",\"event_id\":\"e\",\"session\":{\"type\":"
        "\"realtime\",\"object\":\"realtime.session\",\"id\":\"sess_1\","
        "\"model\":\"gpt-realtime\"}}",
      SANDRA_REALTIME_SERVER_EVENT_SESSION_CREATED},
  {"{\"type\":\"session.updated\",\"session\":{\"id\":\"sess_1\"}}",
      SANDRA_REALTIME_SERVER_EVENT_SESSION_UPDATED},
  {"{\"type\":\"transcription_session.created\",\"session\":{\"id\":\"s\"}}",
      SANDRA_REALTIME_SERVER_EVENT_SESSION_CREATED},
  {"{\"type\":\"transcription_session.updated\",\"session\":{\"id\":\"s\"}}",
      SANDRA_REALTIME_SERVER_EVENT_SESSION_UPDATED},
  {"{\"type\":\"conversation.created\",\"conversation\":{\"id\":\"conv_1\","
        "\"object\":\"realtime.conversation\"}}",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_CREATED},
  {"{\"type\":\"input_audio_buffer.speech_started\",\"event_id\":\"e\","
        "\"audio_start_ms\":1000,\"item_id\":\"item_1\"}",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STARTED},
  {"{\"type\":\"input_audio_buffer.speech_stopped\",\"audio_end_ms\":2000,"
        "\"item_id\":\"item_1\"}",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STOPPED},
  {"{\"type\":\"input_audio_buffer.committed\",\"previous_item_id\":"
        "\"item_0\",\"item_id\":\"item_1\"}",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_COMMITTED},
  {"{\"type\":\"input_audio_buffer.cleared\",\"event_id\":\"e\"}",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_CLEARED},
  {"{\"type\":\"input_audio_buffer.timeout_triggered\",\"audio_start_ms\":"
        "13216,\"audio_end_ms\":19232,\"item_id\":\"item_2\"}",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_TIMEOUT_TRIGGERED},
  {"{\"type\":\"conversation.item.added\",\"previous_item_id\":null,\"item\":"
        "{\"id\":\"item_1\",\"type\":\"message\",\"status\":\"completed\","
        "\"role\":\"user\",\"content\":[{\"type\":\"input_audio\","
        "\"transcript\":null}]}}",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_ADDED},
  {"{\"type\":\"conversation.item.done\",\"item\":{\"id\":\"item_1\","
        "\"type\":\"message\",\"status\":\"completed\",\"role\":\"assistant\"}}",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_DONE},
  {"{\"type\":\"conversation.item.created\",\"previous_item_id\":\"item_0\","
        "\"item\":{\"id\":\"item_1\",\"object\":\"realtime.item\",\"type\":"
        "\"message\",\"status\":\"completed\",\"role\":\"user\"}}",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_CREATED},
  {"{\"type\":\"conversation.item.retrieved\",\"item\":{\"id\":\"item_1\"}}",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_RETRIEVED},
  {"{\"type\":\"conversation.item.truncated\",\"item_id\":\"item_3\","
        "\"content_index\":0,\"audio_end_ms\":1500}",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_TRUNCATED},
  {"{\"type\":\"conversation.item.deleted\",\"item_id\":\"item_3\"}",
      SANDRA_REALTIME_SERVER_EVENT_CONVERSATION_ITEM_DELETED},
  {"{\"type\":\"conversation.item.input_audio_transcription.delta\","
        "\"item_id\":\"item_1\",\"content_index\":0,\"delta\":\"Hel\"}",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_DELTA},
  {"{\"type\":\"conversation.item.input_audio_transcription.completed\","
        "\"item_id\":\"item_1\",\"content_index\":0,\"transcript\":\"Hello.\","
        "\"usage\":{\"type\":\"tokens\",\"total_tokens\":26,\"input_tokens\":17,"
        "\"output_tokens\":9}}",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_COMPLETED},
  {"{\"type\":\"conversation.item.input_audio_transcription.failed\","
        "\"item_id\":\"item_1\",\"content_index\":0,\"error\":{\"type\":"
        "\"transcription_error\",\"code\":\"audio_unintelligible\","
        "\"message\":\"The audio could not be transcribed.\"}}",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_FAILED},
  {"{\"type\":\"conversation.item.input_audio_transcription.segment\","
        "\"item_id\":\"item_1\",\"text\":\"hi\",\"speaker\":\"A\",\"start\":0.1,"
        "\"end\":0.5}",
      SANDRA_REALTIME_SERVER_EVENT_INPUT_TRANSCRIPTION_SEGMENT},
  {"{\"type\":\"response.created\",\"response\":{\"object\":"
        "\"realtime.response\",\"id\":\"resp_1\",\"status\":\"in_progress\","
        "\"status_details\":null,\"output\":[],\"usage\":null}}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CREATED},
  {"{\"type\":\"response.done\",\"response\":{\"id\":\"resp_1\",\"status\":"
        "\"completed\",\"usage\":{\"total_tokens\":253,\"input_tokens\":132,"
        "\"output_tokens\":121}}}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_DONE},
  {"{\"type\":\"response.output_item.added\",\"response_id\":\"resp_1\","
        "\"output_index\":0,\"item\":{\"id\":\"item_5\",\"type\":\"message\","
        "\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_ITEM_ADDED},
  {"{\"type\":\"response.output_item.done\",\"response_id\":\"resp_1\","
        "\"output_index\":0,\"item\":{\"id\":\"item_5\",\"type\":\"message\","
        "\"status\":\"completed\",\"role\":\"assistant\"}}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_ITEM_DONE},
  {"{\"type\":\"response.content_part.added\",\"response_id\":\"resp_1\","
        "\"item_id\":\"item_5\",\"output_index\":0,\"content_index\":0,"
        "\"part\":{\"type\":\"audio\",\"transcript\":\"\"}}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CONTENT_PART_ADDED},
  {"{\"type\":\"response.content_part.done\",\"response_id\":\"resp_1\","
        "\"item_id\":\"item_5\",\"output_index\":0,\"content_index\":0,"
        "\"part\":{\"type\":\"text\",\"text\":\"Sure.\"}}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_CONTENT_PART_DONE},
  {"{\"type\":\"response.output_audio.delta\",\"response_id\":\"resp_1\","
        "\"item_id\":\"item_5\",\"output_index\":0,\"content_index\":0,"
        "\"delta\":\"AAECAw==\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DELTA},
  {"{\"type\":\"response.audio.delta\",\"response_id\":\"resp_1\","
        "\"item_id\":\"item_5\",\"output_index\":0,\"content_index\":0,"
        "\"delta\":\"AAECAw==\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DELTA},
  {"{\"type\":\"response.output_audio.done\",\"response_id\":\"resp_1\","
        "\"item_id\":\"item_5\",\"output_index\":0,\"content_index\":0}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DONE},
  {"{\"type\":\"response.audio.done\",\"response_id\":\"resp_1\","
        "\"item_id\":\"item_5\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_DONE},
  {"{\"type\":\"response.output_audio_transcript.delta\",\"response_id\":"
        "\"resp_1\",\"item_id\":\"item_5\",\"delta\":\"Su\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA},
  {"{\"type\":\"response.audio_transcript.delta\",\"response_id\":"
        "\"resp_1\",\"item_id\":\"item_5\",\"delta\":\"Su\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA},
  {"{\"type\":\"response.output_audio_transcript.done\",\"response_id\":"
        "\"resp_1\",\"item_id\":\"item_5\",\"transcript\":\"Sure.\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE},
  {"{\"type\":\"response.audio_transcript.done\",\"response_id\":"
        "\"resp_1\",\"item_id\":\"item_5\",\"transcript\":\"Sure.\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE},
  {"{\"type\":\"response.output_text.delta\",\"response_id\":\"resp_1\","
        "\"item_id\":\"item_5\",\"delta\":\"Su\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DELTA},
  {"{\"type\":\"response.text.delta\",\"response_id\":\"resp_1\","
        "\"item_id\":\"item_5\",\"delta\":\"Su\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DELTA},
  {"{\"type\":\"response.output_text.done\",\"response_id\":\"resp_1\","
        "\"item_id\":\"item_5\",\"text\":\"Sure.\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DONE},
  {"{\"type\":\"response.text.done\",\"response_id\":\"resp_1\","
        "\"item_id\":\"item_5\",\"text\":\"Sure.\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_OUTPUT_TEXT_DONE},
  {"{\"type\":\"response.function_call_arguments.delta\",\"response_id\":"
        "\"resp_2\",\"item_id\":\"item_6\",\"output_index\":0,\"call_id\":"
        "\"call_1\",\"delta\":\"{\\\"ci\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA},
  {"{\"type\":\"response.function_call_arguments.done\",\"response_id\":"
        "\"resp_2\",\"item_id\":\"item_6\",\"output_index\":0,\"call_id\":"
        "\"call_1\",\"name\":\"get_weather\",\"arguments\":"
        "\"{\\\"city\\\":\\\"Paris\\\"}\"}",
      SANDRA_REALTIME_SERVER_EVENT_RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE},
  {"{\"type\":\"rate_limits.updated\",\"rate_limits\":[{\"name\":"
        "\"requests\",\"limit\":1000,\"remaining\":999,\"reset_seconds\":60},"
        "{\"name\":\"tokens\",\"limit\":50000,\"remaining\":49950,"
        "\"reset_seconds\":0.06}]}",
      SANDRA_REALTIME_SERVER_EVENT_RATE_LIMITS_UPDATED},
  {"{\"type\":\"output_audio_buffer.started\",\"response_id\":\"resp_1\"}",
      SANDRA_REALTIME_SERVER_EVENT_OUTPUT_AUDIO_BUFFER_STARTED},
  {"{\"type\":\"output_audio_buffer.stopped\",\"response_id\":\"resp_1\"}",
      SANDRA_REALTIME_SERVER_EVENT_OUTPUT_AUDIO_BUFFER_STOPPED},
  {"{\"type\":\"output_audio_buffer.cleared\",\"response_id\":\"resp_1\"}",
      SANDRA_REALTIME_SERVER_EVENT_OUTPUT_AUDIO_BUFFER_CLEARED},
};

GST_START_TEST (test_every_type_parses)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (samples); i++) {
    SandraRealtimeServerEvent *ev = parse_ok (samples[i].json);
    const gchar *canonical;

    fail_unless_equals_int (ev->type, samples[i].type);
    fail_unless (ev->object != NULL);
    fail_unless (g_str_has_prefix (samples[i].json + 9, ev->type_name));
    /* the canonical name maps back to the same type */
    canonical = sandra_realtime_server_event_type_to_string (ev->type);
    fail_unless_equals_int (sandra_realtime_server_event_type_from_string
        (canonical), ev->type);
    sandra_realtime_server_event_free (ev);
  }
  /* beta names come back as their GA names */
  fail_unless_equals_string (sandra_realtime_server_event_type_to_string
      (sandra_realtime_server_event_type_from_string ("response.audio.delta")),
      "response.output_audio.delta");
  fail_unless_equals_string (sandra_realtime_server_event_type_to_string
      (sandra_realtime_server_event_type_from_string
          ("response.audio_transcript.done")),
      "response.output_audio_transcript.done");
  fail_unless_equals_string (sandra_realtime_server_event_type_to_string
      (sandra_realtime_server_event_type_from_string ("response.text.delta")),
      "response.output_text.delta");
  fail_unless_equals_string (sandra_realtime_server_event_type_to_string
      (SANDRA_REALTIME_SERVER_EVENT_UNKNOWN), "unknown");
}

GST_END_TEST;

GST_START_TEST (test_fields_extracted)
{
  SandraRealtimeServerEvent *ev;
  SandraRealtimeRateLimit *rl;
  const guint8 *audio;
  gsize len;

  ev = parse_ok (samples[0].json);      /* error */
  fail_unless_equals_string (ev->event_id, "event_1");
  fail_unless_equals_string (ev->error_type, "invalid_request_error");
  fail_unless_equals_string (ev->error_code, "invalid_value");
  fail_unless_equals_string (ev->error_message, "Invalid value");
  fail_unless_equals_string (ev->error_param, "session.voice");
  fail_unless_equals_string (ev->error_event_id, "ev_c1");
  fail_if (sandra_realtime_server_event_is_benign_error (ev));
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[1].json);      /* session.created */
  fail_unless_equals_string (ev->session_id, "sess_1");
  fail_unless_equals_string (ev->model, "gpt-realtime");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[6].json);      /* speech_started */
  fail_unless_equals_int64 (ev->audio_start_ms, 1000);
  fail_unless_equals_int64 (ev->audio_end_ms, -1);
  fail_unless_equals_string (ev->item_id, "item_1");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[7].json);      /* speech_stopped */
  fail_unless_equals_int64 (ev->audio_end_ms, 2000);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[8].json);      /* committed */
  fail_unless_equals_string (ev->previous_item_id, "item_0");
  fail_unless_equals_string (ev->item_id, "item_1");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[10].json);     /* timeout_triggered */
  fail_unless_equals_int64 (ev->audio_start_ms, 13216);
  fail_unless_equals_int64 (ev->audio_end_ms, 19232);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[11].json);     /* conversation.item.added */
  fail_unless_equals_string (ev->item_id, "item_1");
  fail_unless_equals_string (ev->item_type, "message");
  fail_unless_equals_string (ev->item_role, "user");
  fail_unless_equals_string (ev->item_status, "completed");
  fail_unless (ev->previous_item_id == NULL);   /* null */
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[15].json);     /* truncated */
  fail_unless_equals_int (ev->content_index, 0);
  fail_unless_equals_int64 (ev->audio_end_ms, 1500);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[17].json);     /* input transcription delta */
  fail_unless_equals_string (ev->delta, "Hel");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[18].json);     /* input transcription completed */
  fail_unless_equals_string (ev->text, "Hello.");
  fail_unless (ev->has_usage);
  fail_unless_equals_int64 (ev->usage.input_tokens, 17);
  fail_unless_equals_int64 (ev->usage.output_tokens, 9);
  fail_unless_equals_int64 (ev->usage.total_tokens, 26);
  fail_unless (ev->usage.seconds < 0);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[19].json);     /* input transcription failed */
  fail_unless_equals_string (ev->error_code, "audio_unintelligible");
  fail_unless_equals_string (ev->error_type, "transcription_error");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[21].json);     /* response.created */
  fail_unless_equals_string (ev->response_id, "resp_1");
  fail_unless_equals_int (ev->status,
      SANDRA_REALTIME_RESPONSE_STATUS_IN_PROGRESS);
  fail_unless (ev->status_reason == NULL);
  fail_if (ev->has_usage);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[22].json);     /* response.done */
  fail_unless_equals_int (ev->status,
      SANDRA_REALTIME_RESPONSE_STATUS_COMPLETED);
  fail_unless_equals_int64 (ev->usage.total_tokens, 253);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[23].json);     /* output_item.added */
  fail_unless_equals_string (ev->response_id, "resp_1");
  fail_unless_equals_int (ev->output_index, 0);
  fail_unless_equals_int (ev->content_index, -1);
  fail_unless_equals_string (ev->item_id, "item_5");
  fail_unless_equals_string (ev->item_role, "assistant");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[26].json);     /* content_part.done */
  fail_unless_equals_string (ev->text, "Sure.");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[27].json);     /* output_audio.delta */
  audio = g_bytes_get_data (ev->audio, &len);
  fail_unless_equals_int (len, 4);
  fail_unless (audio[0] == 0 && audio[1] == 1 && audio[2] == 2
      && audio[3] == 3);
  fail_unless (ev->delta == NULL);
  fail_unless_equals_string (ev->item_id, "item_5");
  fail_unless_equals_int (ev->content_index, 0);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[28].json);     /* beta audio delta: same result */
  fail_unless_equals_int (g_bytes_get_size (ev->audio), 4);
  fail_unless_equals_string (ev->response_id, "resp_1");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[33].json);     /* GA transcript done */
  fail_unless_equals_string (ev->text, "Sure.");
  sandra_realtime_server_event_free (ev);
  ev = parse_ok (samples[34].json);     /* beta transcript done */
  fail_unless_equals_string (ev->text, "Sure.");
  sandra_realtime_server_event_free (ev);
  ev = parse_ok (samples[36].json);     /* beta text delta */
  fail_unless_equals_string (ev->delta, "Su");
  sandra_realtime_server_event_free (ev);
  ev = parse_ok (samples[38].json);     /* beta text done */
  fail_unless_equals_string (ev->text, "Sure.");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[39].json);     /* arguments delta */
  fail_unless_equals_string (ev->delta, "{\"ci");
  fail_unless_equals_string (ev->call_id, "call_1");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[40].json);     /* arguments done */
  fail_unless_equals_string (ev->call_id, "call_1");
  fail_unless_equals_string (ev->name, "get_weather");
  fail_unless_equals_string (ev->arguments, "{\"city\":\"Paris\"}");
  fail_unless_equals_string (ev->item_id, "item_6");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok (samples[41].json);     /* rate limits */
  fail_unless_equals_int (ev->rate_limits->len, 2);
  rl = &g_array_index (ev->rate_limits, SandraRealtimeRateLimit, 1);
  fail_unless_equals_string (rl->name, "tokens");
  fail_unless_equals_int64 (rl->limit, 50000);
  fail_unless_equals_int64 (rl->remaining, 49950);
  fail_unless_equals_float (rl->reset_seconds, 0.06);
  sandra_realtime_server_event_free (ev);
}

GST_END_TEST;

GST_START_TEST (test_response_done_details)
{
  SandraRealtimeServerEvent *ev;

  ev = parse_ok ("{\"type\":\"response.done\",\"event_id\":\"e9\","
      "\"response\":{\"id\":\"resp_3\",\"object\":\"realtime.response\","
      "\"status\":\"cancelled\",\"status_details\":{\"type\":\"cancelled\","
      "\"reason\":\"turn_detected\"},\"output\":[],\"usage\":{\"total_tokens\":"
      "40,\"input_tokens\":30,\"output_tokens\":10,\"input_token_details\":"
      "{\"text_tokens\":10,\"audio_tokens\":20},\"output_token_details\":"
      "{\"text_tokens\":4,\"audio_tokens\":6}}}}");
  fail_unless_equals_int (ev->status,
      SANDRA_REALTIME_RESPONSE_STATUS_CANCELLED);
  fail_unless_equals_string (ev->status_reason, "turn_detected");
  fail_unless_equals_string (ev->response_id, "resp_3");
  fail_unless_equals_int64 (ev->usage.input_audio_tokens, 20);
  fail_unless_equals_int64 (ev->usage.output_audio_tokens, 6);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"response.done\",\"response\":{\"id\":\"r\","
      "\"status\":\"failed\",\"status_details\":{\"type\":\"failed\","
      "\"error\":{\"type\":\"server_error\",\"code\":\"internal\"}}}}");
  fail_unless_equals_int (ev->status, SANDRA_REALTIME_RESPONSE_STATUS_FAILED);
  fail_unless_equals_string (ev->error_type, "server_error");
  fail_unless_equals_string (ev->error_code, "internal");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"response.done\",\"response\":{\"id\":\"r\","
      "\"status\":\"incomplete\",\"status_details\":{\"type\":\"incomplete\","
      "\"reason\":\"max_output_tokens\"}}}");
  fail_unless_equals_int (ev->status,
      SANDRA_REALTIME_RESPONSE_STATUS_INCOMPLETE);
  fail_unless_equals_string (ev->status_reason, "max_output_tokens");
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"response.done\",\"response\":{\"status\":"
      "\"paused\"}}");
  fail_unless_equals_int (ev->status, SANDRA_REALTIME_RESPONSE_STATUS_OTHER);
  sandra_realtime_server_event_free (ev);

  /* a function call item carries its call id, name and arguments */
  ev = parse_ok ("{\"type\":\"response.output_item.done\",\"response_id\":"
      "\"resp_2\",\"output_index\":0,\"item\":{\"id\":\"item_6\",\"type\":"
      "\"function_call\",\"status\":\"completed\",\"call_id\":\"call_1\","
      "\"name\":\"get_weather\",\"arguments\":\"{}\"}}");
  fail_unless_equals_string (ev->item_type, "function_call");
  fail_unless_equals_string (ev->call_id, "call_1");
  fail_unless_equals_string (ev->name, "get_weather");
  fail_unless_equals_string (ev->arguments, "{}");
  sandra_realtime_server_event_free (ev);

  /* transcription billed by duration */
  ev = parse_ok ("{\"type\":\"conversation.item.input_audio_transcription."
      "completed\",\"item_id\":\"i\",\"transcript\":\"ok\",\"usage\":{\"type\":"
      "\"duration\",\"seconds\":2.5}}");
  fail_unless (ev->has_usage);
  fail_unless_equals_float (ev->usage.seconds, 2.5);
  fail_unless_equals_int64 (ev->usage.input_tokens, -1);
  sandra_realtime_server_event_free (ev);
}

GST_END_TEST;

GST_START_TEST (test_benign_errors)
{
  SandraRealtimeServerEvent *ev;

  ev = parse_ok ("{\"type\":\"error\",\"event_id\":\"e\",\"error\":{\"type\":"
      "\"invalid_request_error\",\"code\":\"response_cancel_not_active\","
      "\"message\":\"Cancellation failed: no active response found\","
      "\"param\":null,\"event_id\":null}}");
  fail_unless (sandra_realtime_server_event_is_benign_error (ev));
  fail_unless (ev->error_param == NULL);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"error\",\"error\":{\"type\":"
      "\"invalid_request_error\",\"code\":"
      "\"conversation_already_has_active_response\",\"message\":\"...\"}}");
  fail_unless (sandra_realtime_server_event_is_benign_error (ev));
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"error\",\"error\":{\"type\":"
      "\"invalid_request_error\",\"code\":\"input_audio_buffer_commit_empty\","
      "\"message\":\"buffer too small\"}}");
  fail_if (sandra_realtime_server_event_is_benign_error (ev));
  sandra_realtime_server_event_free (ev);

  /* a benign code on another event is not an error at all */
  ev = parse_ok ("{\"type\":\"response.done\",\"response\":{\"status\":"
      "\"failed\",\"status_details\":{\"error\":{\"code\":"
      "\"response_cancel_not_active\"}}}}");
  fail_if (sandra_realtime_server_event_is_benign_error (ev));
  sandra_realtime_server_event_free (ev);

  fail_unless (sandra_realtime_error_code_is_benign
      ("response_cancel_not_active"));
  fail_if (sandra_realtime_error_code_is_benign ("session_expired"));
  fail_if (sandra_realtime_error_code_is_benign (NULL));
}

GST_END_TEST;

GST_START_TEST (test_malformed)
{
  static const gchar *bad[] = {
    "", " ", "{", "{\"type\":\"error\"", "{\"type\":\"response.output_audio."
        "delta\",\"delta\":\"AAEC", "[1,2,3]", "\"session.created\"", "42",
    "null", "{}", "{\"type\":5}", "{\"type\":null}", "{\"type\":[\"error\"]}",
    "{\"type\" \"error\"}", "{\"type\":\"error\",}x", "\xff\xfe{\"type\":1}",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *err = NULL;
    SandraRealtimeServerEvent *ev =
        sandra_realtime_server_event_parse (bad[i], -1, &err);

    fail_unless (ev == NULL, "accepted '%s'", bad[i]);
    fail_unless (err != NULL, "no error for '%s'", bad[i]);
    g_clear_error (&err);
  }

  /* the length is honoured: a valid prefix cut short is an error, and bytes
   * past the length are not read */
  {
    const gchar *ev_text = "{\"type\":\"input_audio_buffer.cleared\"}GARBAGE";
    GError *err = NULL;
    SandraRealtimeServerEvent *ev;

    fail_unless (sandra_realtime_server_event_parse (ev_text, 20, &err) ==
        NULL);
    g_clear_error (&err);
    ev = sandra_realtime_server_event_parse (ev_text,
        strlen (ev_text) - strlen ("GARBAGE"), &err);
    fail_unless (ev != NULL);
    fail_unless_equals_int (ev->type,
        SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_CLEARED);
    sandra_realtime_server_event_free (ev);
  }
}

GST_END_TEST;

GST_START_TEST (test_wrong_field_types)
{
  SandraRealtimeServerEvent *ev;

  ev = parse_ok ("{\"type\":\"input_audio_buffer.speech_started\","
      "\"audio_start_ms\":\"1000\",\"item_id\":42,\"event_id\":{}}");
  fail_unless_equals_int64 (ev->audio_start_ms, -1);
  fail_unless (ev->item_id == NULL);
  fail_unless (ev->event_id == NULL);
  sandra_realtime_server_event_free (ev);

  /* a float where an integer is documented is still read */
  ev = parse_ok ("{\"type\":\"input_audio_buffer.speech_stopped\","
      "\"audio_end_ms\":2500.0}");
  fail_unless_equals_int64 (ev->audio_end_ms, 2500);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"response.done\",\"response\":\"oops\"}");
  fail_unless_equals_int (ev->status, SANDRA_REALTIME_RESPONSE_STATUS_NONE);
  fail_unless (ev->response_id == NULL);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"response.done\",\"response\":{\"status\":7,"
      "\"status_details\":[],\"usage\":{\"total_tokens\":\"many\"}}}");
  fail_unless_equals_int (ev->status, SANDRA_REALTIME_RESPONSE_STATUS_NONE);
  fail_unless (ev->has_usage);
  fail_unless_equals_int64 (ev->usage.total_tokens, -1);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"rate_limits.updated\",\"rate_limits\":"
      "{\"name\":\"requests\"}}");
  fail_unless (ev->rate_limits != NULL);
  fail_unless_equals_int (ev->rate_limits->len, 0);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"rate_limits.updated\",\"rate_limits\":"
      "[1,null,{\"name\":3,\"limit\":\"x\"}]}");
  fail_unless_equals_int (ev->rate_limits->len, 1);
  fail_unless (g_array_index (ev->rate_limits, SandraRealtimeRateLimit,
          0).name == NULL);
  fail_unless_equals_int64 (g_array_index (ev->rate_limits,
          SandraRealtimeRateLimit, 0).limit, -1);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"error\",\"error\":[1]}");
  fail_unless (ev->error_code == NULL && ev->error_message == NULL);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"response.output_audio.delta\",\"delta\":17}");
  fail_unless (ev->audio == NULL);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"response.output_audio.delta\","
      "\"delta\":\"!!not base64!!\"}");
  fail_unless (ev->audio != NULL);
  sandra_realtime_server_event_free (ev);

  ev = parse_ok ("{\"type\":\"conversation.item.added\",\"item\":\"x\","
      "\"output_index\":-3,\"content_index\":1e30}");
  fail_unless (ev->item_id == NULL && ev->item_type == NULL);
  fail_unless_equals_int (ev->output_index, -1);
  fail_unless_equals_int (ev->content_index, -1);
  sandra_realtime_server_event_free (ev);
}

GST_END_TEST;

GST_START_TEST (test_huge_audio_delta)
{
  /* 4 MiB of audio (about 87 s of pcm16), far beyond what the service
   * sends in one delta */
  const gsize size = 4 * 1024 * 1024;
  guint8 *pcm = g_malloc (size);
  gchar *b64, *json;
  SandraRealtimeServerEvent *ev;
  GRand *rand = g_rand_new_with_seed (7);
  gsize i;

  for (i = 0; i < size; i++)
    pcm[i] = g_rand_int (rand) & 0xff;
  b64 = g_base64_encode (pcm, size);
  json = g_strdup_printf ("{\"type\":\"response.output_audio.delta\","
      "\"response_id\":\"resp_1\",\"item_id\":\"item_5\",\"output_index\":0,"
      "\"content_index\":0,\"delta\":\"%s\"}", b64);
  ev = parse_ok (json);
  fail_unless_equals_int (g_bytes_get_size (ev->audio), size);
  fail_unless (memcmp (g_bytes_get_data (ev->audio, NULL), pcm, size) == 0);
  sandra_realtime_server_event_free (ev);

  /* and the builder side of the same size round-trips */
  g_free (json);
  json = sandra_realtime_event_input_audio_append (pcm, size, NULL);
  {
    JsonNode *r = tj_parse (json);
    gsize len;
    guchar *back = g_base64_decode (tj_str (r, "audio"), &len);

    fail_unless_equals_int (len, size);
    fail_unless (memcmp (back, pcm, size) == 0);
    g_free (back);
    json_node_unref (r);
  }
  g_free (json);
  g_free (b64);
  g_free (pcm);
  g_rand_free (rand);
}

GST_END_TEST;

GST_START_TEST (test_unknown_events)
{
  SandraRealtimeServerEvent *ev;

  ev = parse_ok ("{\"type\":\"response.mcp_call.in_progress\","
      "\"event_id\":\"e1\",\"item_id\":\"mcp_1\",\"extra\":{\"deep\":[1,2]}}");
  fail_unless_equals_int (ev->type, SANDRA_REALTIME_SERVER_EVENT_UNKNOWN);
  fail_unless_equals_string (ev->type_name, "response.mcp_call.in_progress");
  fail_unless_equals_string (ev->event_id, "e1");
  fail_unless_equals_string (ev->item_id, "mcp_1");
  /* the raw event stays available */
  fail_unless (json_object_has_member (ev->object, "extra"));
  sandra_realtime_server_event_free (ev);

  /* unknown fields on a known event are ignored */
  ev = parse_ok ("{\"type\":\"input_audio_buffer.speech_started\","
      "\"audio_start_ms\":5,\"item_id\":\"i\",\"new_field\":true,"
      "\"another\":{\"x\":null}}");
  fail_unless_equals_int (ev->type,
      SANDRA_REALTIME_SERVER_EVENT_INPUT_AUDIO_BUFFER_SPEECH_STARTED);
  fail_unless_equals_int64 (ev->audio_start_ms, 5);
  sandra_realtime_server_event_free (ev);

  {
    g_autoptr (SandraRealtimeServerEvent) auto_ev =
        parse_ok ("{\"type\":\"\"}");

    fail_unless_equals_int (auto_ev->type,
        SANDRA_REALTIME_SERVER_EVENT_UNKNOWN);
  }
}

GST_END_TEST;

static Suite *
realtime_events_suite (void)
{
  Suite *s = suite_create ("realtime-events");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_input_audio_events);
  tcase_add_test (tc, test_conversation_item_events);
  tcase_add_test (tc, test_response_events);
  tcase_add_test (tc, test_every_type_parses);
  tcase_add_test (tc, test_fields_extracted);
  tcase_add_test (tc, test_response_done_details);
  tcase_add_test (tc, test_benign_errors);
  tcase_add_test (tc, test_malformed);
  tcase_add_test (tc, test_wrong_field_types);
  tcase_add_test (tc, test_huge_audio_delta);
  tcase_add_test (tc, test_unknown_events);
  return s;
}

GST_CHECK_MAIN (realtime_events);
