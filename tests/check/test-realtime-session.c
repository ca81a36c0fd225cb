/* Realtime session configuration: session.update in the GA and beta shapes,
 * transcription sessions, partial updates, ephemeral secret requests and
 * their responses.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include <gio/gio.h>

#include "test-json.h"
#include "sandra-realtime-session.h"

#define TOOLS "[{\"type\":\"function\",\"name\":\"get_weather\"," \
  "\"description\":\"Weather for a city\",\"parameters\":{\"type\":\"object\"," \
  "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]"

/* A conversation configuration with every field set. */
static void
full_config (SandraRealtimeSessionConfig * cfg)
{
  sandra_realtime_session_config_init (cfg,
      SANDRA_REALTIME_SESSION_CONVERSATION);
  g_free (cfg->model);
  cfg->model = g_strdup ("gpt-realtime-mini");
  cfg->voice = g_strdup ("marin");
  cfg->instructions = g_strdup ("Answer briefly.");
  cfg->vad_threshold = 0.6;
  cfg->prefix_padding_ms = 250;
  cfg->silence_duration_ms = 700;
  cfg->idle_timeout_ms = 8000;
  cfg->create_response = FALSE;
  cfg->interrupt_response = TRUE;
  cfg->transcription_model = g_strdup ("gpt-4o-mini-transcribe");
  cfg->transcription_language = g_strdup ("es");
  cfg->transcription_prompt = g_strdup ("GStreamer, Opus");
  cfg->noise_reduction = SANDRA_REALTIME_NOISE_REDUCTION_NEAR_FIELD;
  cfg->speed = 1.25;
  cfg->max_output_tokens = 0;
  cfg->tools_json = g_strdup (TOOLS);
  cfg->tool_choice = g_strdup ("auto");
  cfg->temperature = 0.8;
  cfg->include_logprobs = TRUE;
}

static JsonNode *
build (const SandraRealtimeSessionConfig * cfg, SandraRealtimeApi api,
    SandraRealtimeFields fields, const gchar * event_id)
{
  GError *err = NULL;
  gchar *text = sandra_realtime_session_build_update (cfg, api, fields,
      event_id, &err);
  JsonNode *root;

  fail_unless (text != NULL, "%s", err ? err->message : "");
  root = tj_parse (text);
  g_free (text);
  return root;
}

GST_START_TEST (test_ga_conversation_full)
{
  SandraRealtimeSessionConfig cfg;
  JsonNode *r;

  full_config (&cfg);
  r = build (&cfg, SANDRA_REALTIME_API_GA, SANDRA_REALTIME_FIELD_ALL, "ev1");

  fail_unless_equals_string (tj_str (r, "type"), "session.update");
  fail_unless_equals_string (tj_str (r, "event_id"), "ev1");
  fail_unless_equals_string (tj_str (r, "session.type"), "realtime");
  fail_unless_equals_string (tj_str (r, "session.model"), "gpt-realtime-mini");
  fail_unless_equals_string (tj_str (r, "session.instructions"),
      "Answer briefly.");
  fail_unless_equals_int (tj_size (r, "session.output_modalities"), 1);
  fail_unless_equals_string (tj_str (r, "session.output_modalities.0"),
      "audio");

  fail_unless_equals_string (tj_str (r, "session.audio.input.format.type"),
      "audio/pcm");
  fail_unless_equals_int (tj_int (r, "session.audio.input.format.rate"), 24000);
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.transcription.model"), "gpt-4o-mini-transcribe");
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.transcription.language"), "es");
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.transcription.prompt"), "GStreamer, Opus");
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.noise_reduction.type"), "near_field");
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.turn_detection.type"), "server_vad");
  fail_unless_equals_float (tj_double (r,
          "session.audio.input.turn_detection.threshold"), 0.6);
  fail_unless_equals_int (tj_int (r,
          "session.audio.input.turn_detection.prefix_padding_ms"), 250);
  fail_unless_equals_int (tj_int (r,
          "session.audio.input.turn_detection.silence_duration_ms"), 700);
  fail_unless_equals_int (tj_int (r,
          "session.audio.input.turn_detection.idle_timeout_ms"), 8000);
  fail_if (tj_bool (r, "session.audio.input.turn_detection.create_response"));
  fail_unless (tj_bool (r,
          "session.audio.input.turn_detection.interrupt_response"));
  fail_if (tj_has (r, "session.audio.input.turn_detection.eagerness"));

  fail_unless_equals_string (tj_str (r, "session.audio.output.format.type"),
      "audio/pcm");
  fail_unless_equals_string (tj_str (r, "session.audio.output.voice"), "marin");
  fail_unless_equals_float (tj_double (r, "session.audio.output.speed"), 1.25);
  fail_unless_equals_int (tj_size (r, "session.tools"), 1);
  fail_unless_equals_string (tj_str (r, "session.tools.0.name"), "get_weather");
  fail_unless_equals_string (tj_str (r,
          "session.tools.0.parameters.required.0"), "city");
  fail_unless_equals_string (tj_str (r, "session.tool_choice"), "auto");
  fail_unless_equals_string (tj_str (r, "session.max_output_tokens"), "inf");
  fail_unless_equals_string (tj_str (r, "session.include.0"),
      "item.input_audio_transcription.logprobs");

  /* nothing of the beta shape, and no temperature on GA */
  fail_if (tj_has (r, "session.temperature"));
  fail_if (tj_has (r, "session.modalities"));
  fail_if (tj_has (r, "session.input_audio_format"));
  fail_if (tj_has (r, "session.voice"));
  fail_if (tj_has (r, "session.turn_detection"));
  fail_if (tj_has (r, "session.max_response_output_tokens"));

  json_node_unref (r);
  sandra_realtime_session_config_clear (&cfg);
}

GST_END_TEST;

GST_START_TEST (test_beta_conversation_full)
{
  SandraRealtimeSessionConfig cfg;
  JsonNode *r;

  full_config (&cfg);
  g_free (cfg.model);
  cfg.model = g_strdup ("gpt-4o-realtime-preview");
  cfg.input_format = SANDRA_REALTIME_AUDIO_FORMAT_PCMU;
  cfg.output_format = SANDRA_REALTIME_AUDIO_FORMAT_PCMA;
  cfg.max_output_tokens = 500;
  cfg.noise_reduction = SANDRA_REALTIME_NOISE_REDUCTION_FAR_FIELD;
  r = build (&cfg, SANDRA_REALTIME_API_BETA, SANDRA_REALTIME_FIELD_ALL, NULL);

  fail_unless_equals_string (tj_str (r, "type"), "session.update");
  fail_if (tj_has (r, "event_id"));
  fail_unless_equals_string (tj_str (r, "session.model"),
      "gpt-4o-realtime-preview");
  fail_unless_equals_int (tj_size (r, "session.modalities"), 2);
  fail_unless_equals_string (tj_str (r, "session.modalities.0"), "text");
  fail_unless_equals_string (tj_str (r, "session.modalities.1"), "audio");
  fail_unless_equals_string (tj_str (r, "session.voice"), "marin");
  fail_unless_equals_string (tj_str (r, "session.instructions"),
      "Answer briefly.");
  fail_unless_equals_string (tj_str (r, "session.input_audio_format"),
      "g711_ulaw");
  fail_unless_equals_string (tj_str (r, "session.output_audio_format"),
      "g711_alaw");
  fail_unless_equals_string (tj_str (r,
          "session.input_audio_transcription.model"), "gpt-4o-mini-transcribe");
  fail_unless_equals_string (tj_str (r,
          "session.input_audio_transcription.language"), "es");
  fail_unless_equals_string (tj_str (r,
          "session.input_audio_noise_reduction.type"), "far_field");
  fail_unless_equals_string (tj_str (r, "session.turn_detection.type"),
      "server_vad");
  fail_unless_equals_int (tj_int (r,
          "session.turn_detection.silence_duration_ms"), 700);
  fail_if (tj_bool (r, "session.turn_detection.create_response"));
  /* idle_timeout_ms is GA only */
  fail_if (tj_has (r, "session.turn_detection.idle_timeout_ms"));
  fail_unless_equals_float (tj_double (r, "session.temperature"), 0.8);
  fail_unless_equals_float (tj_double (r, "session.speed"), 1.25);
  fail_unless_equals_int (tj_int (r, "session.max_response_output_tokens"),
      500);
  fail_unless_equals_string (tj_str (r, "session.tools.0.type"), "function");
  fail_unless_equals_string (tj_str (r, "session.tool_choice"), "auto");

  /* nothing of the GA shape */
  fail_if (tj_has (r, "session.type"));
  fail_if (tj_has (r, "session.audio"));
  fail_if (tj_has (r, "session.output_modalities"));
  fail_if (tj_has (r, "session.max_output_tokens"));
  fail_if (tj_has (r, "session.include"));

  json_node_unref (r);
  sandra_realtime_session_config_clear (&cfg);
}

GST_END_TEST;

GST_START_TEST (test_ga_variants)
{
  SandraRealtimeSessionConfig cfg;
  JsonNode *r;

  sandra_realtime_session_config_init (&cfg,
      SANDRA_REALTIME_SESSION_CONVERSATION);
  cfg.voice = g_strdup ("voice_1234abcd");
  cfg.output_modality = SANDRA_REALTIME_MODALITY_TEXT;
  cfg.input_format = SANDRA_REALTIME_AUDIO_FORMAT_PCMA;
  cfg.output_format = SANDRA_REALTIME_AUDIO_FORMAT_PCMU;
  cfg.turn_detection = SANDRA_REALTIME_TURN_DETECTION_SEMANTIC_VAD;
  cfg.eagerness = SANDRA_REALTIME_EAGERNESS_HIGH;
  cfg.max_output_tokens = 1024;
  cfg.tool_choice = g_strdup ("get_weather");
  r = build (&cfg, SANDRA_REALTIME_API_GA, SANDRA_REALTIME_FIELD_ALL, NULL);

  /* custom voices are objects on GA */
  fail_unless_equals_string (tj_str (r, "session.audio.output.voice.id"),
      "voice_1234abcd");
  fail_unless_equals_int (tj_size (r, "session.output_modalities"), 1);
  fail_unless_equals_string (tj_str (r, "session.output_modalities.0"), "text");
  fail_unless_equals_string (tj_str (r, "session.audio.input.format.type"),
      "audio/pcma");
  fail_if (tj_has (r, "session.audio.input.format.rate"));
  fail_unless_equals_string (tj_str (r, "session.audio.output.format.type"),
      "audio/pcmu");
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.turn_detection.type"), "semantic_vad");
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.turn_detection.eagerness"), "high");
  fail_if (tj_has (r, "session.audio.input.turn_detection.threshold"));
  fail_if (tj_has (r, "session.audio.input.turn_detection.idle_timeout_ms"));
  fail_unless (tj_bool (r,
          "session.audio.input.turn_detection.create_response"));
  /* off is null, which the service reads as "switch off" */
  fail_unless (tj_is_null (r, "session.audio.input.transcription"));
  fail_unless (tj_is_null (r, "session.audio.input.noise_reduction"));
  fail_unless_equals_int (tj_int (r, "session.max_output_tokens"), 1024);
  fail_unless_equals_string (tj_str (r, "session.tool_choice.type"),
      "function");
  fail_unless_equals_string (tj_str (r, "session.tool_choice.name"),
      "get_weather");
  /* unset values are left to the server */
  fail_if (tj_has (r, "session.instructions"));
  fail_if (tj_has (r, "session.audio.output.speed"));
  fail_if (tj_has (r, "session.tools"));
  json_node_unref (r);

  /* server VAD without idle timeout sends null to clear one set before */
  cfg.turn_detection = SANDRA_REALTIME_TURN_DETECTION_SERVER_VAD;
  r = build (&cfg, SANDRA_REALTIME_API_GA,
      SANDRA_REALTIME_FIELD_TURN_DETECTION, NULL);
  fail_unless (tj_is_null (r,
          "session.audio.input.turn_detection.idle_timeout_ms"));
  fail_if (tj_has (r, "session.audio.input.turn_detection.threshold"));
  json_node_unref (r);

  cfg.turn_detection = SANDRA_REALTIME_TURN_DETECTION_NONE;
  r = build (&cfg, SANDRA_REALTIME_API_GA, SANDRA_REALTIME_FIELD_ALL, NULL);
  fail_unless (tj_is_null (r, "session.audio.input.turn_detection"));
  json_node_unref (r);
  r = build (&cfg, SANDRA_REALTIME_API_BETA, SANDRA_REALTIME_FIELD_ALL, NULL);
  fail_unless (tj_is_null (r, "session.turn_detection"));
  /* beta voice is always a string, beta text modality is ["text"] */
  fail_unless_equals_string (tj_str (r, "session.voice"), "voice_1234abcd");
  fail_unless_equals_int (tj_size (r, "session.modalities"), 1);
  fail_unless_equals_string (tj_str (r, "session.modalities.0"), "text");
  fail_unless_equals_string (tj_str (r, "session.tool_choice"), "get_weather");
  json_node_unref (r);

  sandra_realtime_session_config_clear (&cfg);
}

GST_END_TEST;

GST_START_TEST (test_partial_update)
{
  SandraRealtimeSessionConfig a, b;
  SandraRealtimeFields changed;
  JsonNode *r;

  full_config (&a);
  sandra_realtime_session_config_copy (&b, &a);
  fail_unless_equals_int (sandra_realtime_session_config_diff (&a, &b), 0);

  g_free (b.instructions);
  b.instructions = g_strdup ("");       /* clears */
  b.silence_duration_ms = 400;
  changed = sandra_realtime_session_config_diff (&a, &b);
  fail_unless_equals_int (changed, SANDRA_REALTIME_FIELD_INSTRUCTIONS |
      SANDRA_REALTIME_FIELD_TURN_DETECTION);

  r = build (&b, SANDRA_REALTIME_API_GA, changed, NULL);
  /* type, instructions and audio, nothing else */
  fail_unless_equals_int (tj_size (r, "session"), 3);
  fail_unless_equals_string (tj_str (r, "session.type"), "realtime");
  fail_unless_equals_string (tj_str (r, "session.instructions"), "");
  fail_unless_equals_int (tj_size (r, "session.audio"), 1);
  fail_unless_equals_int (tj_size (r, "session.audio.input"), 1);
  fail_unless_equals_int (tj_int (r,
          "session.audio.input.turn_detection.silence_duration_ms"), 400);
  json_node_unref (r);

  r = build (&b, SANDRA_REALTIME_API_BETA, changed, NULL);
  fail_unless_equals_int (tj_size (r, "session"), 2);
  fail_unless_equals_string (tj_str (r, "session.instructions"), "");
  fail_unless_equals_int (tj_int (r,
          "session.turn_detection.silence_duration_ms"), 400);
  json_node_unref (r);

  /* tools cleared with [] */
  g_free (b.tools_json);
  b.tools_json = g_strdup ("[]");
  changed = sandra_realtime_session_config_diff (&a, &b) &
      SANDRA_REALTIME_FIELD_TOOLS;
  fail_unless_equals_int (changed, SANDRA_REALTIME_FIELD_TOOLS);
  r = build (&b, SANDRA_REALTIME_API_GA, changed, NULL);
  fail_unless_equals_int (tj_size (r, "session"), 2);
  fail_unless_equals_int (tj_size (r, "session.tools"), 0);
  json_node_unref (r);

  /* logprobs off: left out of a full session, [] in a partial update */
  b.include_logprobs = FALSE;
  r = build (&b, SANDRA_REALTIME_API_GA, SANDRA_REALTIME_FIELD_ALL, NULL);
  fail_if (tj_has (r, "session.include"));
  json_node_unref (r);
  r = build (&b, SANDRA_REALTIME_API_GA, SANDRA_REALTIME_FIELD_INCLUDE, NULL);
  fail_unless_equals_int (tj_size (r, "session.include"), 0);
  json_node_unref (r);

  /* an empty mask still carries the GA session type */
  r = build (&b, SANDRA_REALTIME_API_GA, 0, NULL);
  fail_unless_equals_int (tj_size (r, "session"), 1);
  fail_unless_equals_string (tj_str (r, "session.type"), "realtime");
  json_node_unref (r);

  /* each field maps to exactly its own member */
  b.speed = 0.9;
  r = build (&b, SANDRA_REALTIME_API_GA, SANDRA_REALTIME_FIELD_SPEED, NULL);
  fail_unless_equals_int (tj_size (r, "session.audio.output"), 1);
  fail_unless_equals_float (tj_double (r, "session.audio.output.speed"), 0.9);
  fail_if (tj_has (r, "session.audio.input"));
  json_node_unref (r);

  sandra_realtime_session_config_clear (&a);
  sandra_realtime_session_config_clear (&b);
}

GST_END_TEST;

GST_START_TEST (test_transcription_session)
{
  SandraRealtimeSessionConfig cfg;
  JsonNode *r;

  full_config (&cfg);
  cfg.kind = SANDRA_REALTIME_SESSION_TRANSCRIPTION;

  r = build (&cfg, SANDRA_REALTIME_API_GA, SANDRA_REALTIME_FIELD_ALL, "t1");
  fail_unless_equals_string (tj_str (r, "type"), "session.update");
  fail_unless_equals_string (tj_str (r, "session.type"), "transcription");
  fail_unless_equals_string (tj_str (r, "session.audio.input.format.type"),
      "audio/pcm");
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.transcription.model"), "gpt-4o-mini-transcribe");
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.transcription.language"), "es");
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.noise_reduction.type"), "near_field");
  fail_unless_equals_string (tj_str (r,
          "session.audio.input.turn_detection.type"), "server_vad");
  fail_unless_equals_string (tj_str (r, "session.include.0"),
      "item.input_audio_transcription.logprobs");
  /* conversation-only fields never appear */
  fail_if (tj_has (r, "session.model"));
  fail_if (tj_has (r, "session.instructions"));
  fail_if (tj_has (r, "session.output_modalities"));
  fail_if (tj_has (r, "session.audio.output"));
  fail_if (tj_has (r, "session.tools"));
  fail_if (tj_has (r, "session.max_output_tokens"));
  fail_if (tj_has (r, "session.audio.input.turn_detection.create_response"));
  fail_if (tj_has (r, "session.audio.input.turn_detection.idle_timeout_ms"));
  json_node_unref (r);

  r = build (&cfg, SANDRA_REALTIME_API_BETA, SANDRA_REALTIME_FIELD_ALL, "t2");
  fail_unless_equals_string (tj_str (r, "type"),
      "transcription_session.update");
  fail_unless_equals_string (tj_str (r, "event_id"), "t2");
  fail_unless_equals_string (tj_str (r, "session.input_audio_format"), "pcm16");
  fail_unless_equals_string (tj_str (r,
          "session.input_audio_transcription.model"), "gpt-4o-mini-transcribe");
  fail_unless_equals_string (tj_str (r,
          "session.input_audio_transcription.prompt"), "GStreamer, Opus");
  fail_unless_equals_string (tj_str (r,
          "session.input_audio_noise_reduction.type"), "near_field");
  fail_unless_equals_int (tj_int (r,
          "session.turn_detection.prefix_padding_ms"), 250);
  fail_unless_equals_string (tj_str (r, "session.include.0"),
      "item.input_audio_transcription.logprobs");
  fail_unless_equals_int (tj_size (r, "session"), 5);
  json_node_unref (r);

  sandra_realtime_session_config_clear (&cfg);
}

GST_END_TEST;

GST_START_TEST (test_invalid_tools)
{
  SandraRealtimeSessionConfig cfg;
  GError *err = NULL;
  gchar *text;

  fail_unless (sandra_realtime_tools_validate ("[]", NULL));
  fail_unless (sandra_realtime_tools_validate (TOOLS, NULL));
  fail_if (sandra_realtime_tools_validate ("{}", &err));
  fail_unless (err != NULL);
  g_clear_error (&err);
  fail_if (sandra_realtime_tools_validate ("[1]", NULL));
  fail_if (sandra_realtime_tools_validate ("[{\"type\":", NULL));
  fail_if (sandra_realtime_tools_validate ("", NULL));

  sandra_realtime_session_config_init (&cfg,
      SANDRA_REALTIME_SESSION_CONVERSATION);
  cfg.tools_json = g_strdup ("not json");
  text = sandra_realtime_session_build_update (&cfg, SANDRA_REALTIME_API_GA,
      SANDRA_REALTIME_FIELD_ALL, NULL, &err);
  fail_unless (text == NULL);
  fail_unless (err != NULL);
  g_clear_error (&err);
  /* not part of the mask: not looked at */
  text = sandra_realtime_session_build_update (&cfg, SANDRA_REALTIME_API_GA,
      SANDRA_REALTIME_FIELD_VOICE, NULL, &err);
  fail_unless (text != NULL);
  g_free (text);
  sandra_realtime_session_config_clear (&cfg);
}

GST_END_TEST;

GST_START_TEST (test_client_secret_request)
{
  SandraRealtimeSessionConfig cfg;
  GError *err = NULL;
  JsonNode *r;
  gchar *text;

  full_config (&cfg);
  text = sandra_realtime_client_secret_build_request (&cfg,
      SANDRA_REALTIME_API_GA, 600, &err);
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "expires_after.anchor"), "created_at");
  fail_unless_equals_int (tj_int (r, "expires_after.seconds"), 600);
  fail_unless_equals_string (tj_str (r, "session.type"), "realtime");
  fail_unless_equals_string (tj_str (r, "session.model"), "gpt-realtime-mini");
  fail_unless_equals_string (tj_str (r, "session.audio.output.voice"), "marin");
  fail_if (tj_has (r, "type"));
  json_node_unref (r);
  g_free (text);

  text = sandra_realtime_client_secret_build_request (&cfg,
      SANDRA_REALTIME_API_BETA, 120, &err);
  r = tj_parse (text);
  /* beta: the flat session itself */
  fail_unless_equals_string (tj_str (r, "model"), "gpt-realtime-mini");
  fail_unless_equals_string (tj_str (r, "voice"), "marin");
  fail_unless_equals_string (tj_str (r, "input_audio_format"), "pcm16");
  fail_unless_equals_int (tj_int (r, "client_secret.expires_after.seconds"),
      120);
  fail_if (tj_has (r, "session"));
  json_node_unref (r);
  g_free (text);

  cfg.kind = SANDRA_REALTIME_SESSION_TRANSCRIPTION;
  text = sandra_realtime_client_secret_build_request (&cfg,
      SANDRA_REALTIME_API_GA, 0, &err);
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "session.type"), "transcription");
  fail_if (tj_has (r, "expires_after"));
  json_node_unref (r);
  g_free (text);
  text = sandra_realtime_client_secret_build_request (&cfg,
      SANDRA_REALTIME_API_BETA, 600, &err);
  r = tj_parse (text);
  fail_unless_equals_string (tj_str (r, "input_audio_transcription.model"),
      "gpt-4o-mini-transcribe");
  fail_if (tj_has (r, "client_secret"));
  fail_if (tj_has (r, "model"));
  json_node_unref (r);
  g_free (text);

  fail_unless (sandra_realtime_client_secret_build_request (&cfg,
          SANDRA_REALTIME_API_GA, 5, &err) == NULL);
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT));
  g_clear_error (&err);
  fail_unless (sandra_realtime_client_secret_build_request (&cfg,
          SANDRA_REALTIME_API_GA, 7201, NULL) == NULL);

  fail_unless_equals_string (sandra_realtime_client_secret_path
      (SANDRA_REALTIME_API_GA, SANDRA_REALTIME_SESSION_TRANSCRIPTION),
      "/v1/realtime/client_secrets");
  fail_unless_equals_string (sandra_realtime_client_secret_path
      (SANDRA_REALTIME_API_BETA, SANDRA_REALTIME_SESSION_CONVERSATION),
      "/v1/realtime/sessions");
  fail_unless_equals_string (sandra_realtime_client_secret_path
      (SANDRA_REALTIME_API_BETA, SANDRA_REALTIME_SESSION_TRANSCRIPTION),
      "/v1/realtime/transcription_sessions");
  sandra_realtime_session_config_clear (&cfg);
}

GST_END_TEST;

GST_START_TEST (test_client_secret_parse)
{
  GError *err = NULL;
  gchar *value = NULL;
  gint64 expires = -1;
  const gchar *ga = "{\"value\":\"ek_68af296e8e408191a1120ab6383263c2\","
      "\"expires_at\":1756310470,\"session\":{\"type\":\"realtime\","
      "\"object\":\"realtime.session\",\"id\":\"sess_C9CiUVUzUzYIssh3ELY1d\","
      "\"model\":\"gpt-realtime\",\"output_modalities\":[\"audio\"]}}";
  const gchar *beta = "{\"id\":\"sess_001\",\"object\":\"realtime.session\","
      "\"model\":\"gpt-4o-realtime-preview\",\"modalities\":[\"audio\",\"text\"],"
      "\"client_secret\":{\"value\":\"ek_abc123\",\"expires_at\":1234567890}}";

  fail_unless (sandra_realtime_client_secret_parse (ga, -1, &value, &expires,
          &err));
  fail_unless_equals_string (value, "ek_68af296e8e408191a1120ab6383263c2");
  fail_unless_equals_int64 (expires, 1756310470);
  g_free (value);

  fail_unless (sandra_realtime_client_secret_parse (beta, strlen (beta),
          &value, &expires, &err));
  fail_unless_equals_string (value, "ek_abc123");
  fail_unless_equals_int64 (expires, 1234567890);
  g_free (value);

  /* expiry is optional */
  fail_unless (sandra_realtime_client_secret_parse ("{\"value\":\"ek_1\"}", -1,
          &value, &expires, NULL));
  fail_unless_equals_int64 (expires, 0);
  g_free (value);

  fail_if (sandra_realtime_client_secret_parse ("{\"session\":{}}", -1,
          &value, NULL, &err));
  fail_unless (g_error_matches (err, G_IO_ERROR, G_IO_ERROR_INVALID_DATA));
  fail_unless (value == NULL);
  g_clear_error (&err);
  fail_if (sandra_realtime_client_secret_parse ("{\"value\":42}", -1,
          &value, NULL, NULL));
  fail_if (sandra_realtime_client_secret_parse
      ("{\"client_secret\":{\"value\":null}}", -1, &value, NULL, NULL));
  fail_if (sandra_realtime_client_secret_parse ("{\"value\":\"\"}", -1,
          &value, NULL, NULL));
  fail_if (sandra_realtime_client_secret_parse ("[\"ek_1\"]", -1, &value,
          NULL, NULL));
  fail_if (sandra_realtime_client_secret_parse ("{\"value\":\"ek_", -1,
          &value, NULL, &err));
  fail_unless (err != NULL);
  g_clear_error (&err);
}

GST_END_TEST;

/* The output format the service confirms, in both shapes: what it builds
 * reads back, and what it does not know is not guessed. */
GST_START_TEST (test_parse_output_format)
{
  const SandraRealtimeAudioFormat formats[] = {
    SANDRA_REALTIME_AUDIO_FORMAT_PCM16, SANDRA_REALTIME_AUDIO_FORMAT_PCMU,
    SANDRA_REALTIME_AUDIO_FORMAT_PCMA
  };
  SandraRealtimeSessionConfig cfg;
  SandraRealtimeAudioFormat got;
  JsonObject *o;
  guint i, api;

  for (api = 0; api < 2; api++) {
    for (i = 0; i < G_N_ELEMENTS (formats); i++) {
      gchar *json;
      JsonNode *root;

      sandra_realtime_session_config_init (&cfg,
          SANDRA_REALTIME_SESSION_CONVERSATION);
      cfg.output_format = formats[i];
      cfg.input_format = formats[(i + 1) % G_N_ELEMENTS (formats)];
      json = sandra_realtime_session_build_update (&cfg, api == 0 ?
          SANDRA_REALTIME_API_GA : SANDRA_REALTIME_API_BETA,
          SANDRA_REALTIME_FIELD_ALL, NULL, NULL);
      fail_unless (json != NULL);
      root = json_from_string (json, NULL);
      o = json_object_get_object_member (json_node_get_object (root),
          "session");
      got = 99;
      fail_unless (sandra_realtime_session_parse_output_format (o, &got));
      fail_unless_equals_int (got, formats[i]);
      json_node_unref (root);
      g_free (json);
      sandra_realtime_session_config_clear (&cfg);
    }
  }
  o = json_object_new ();
  fail_if (sandra_realtime_session_parse_output_format (o, &got));
  json_object_set_string_member (o, "output_audio_format", "opus");
  fail_if (sandra_realtime_session_parse_output_format (o, &got));
  json_object_unref (o);
  fail_if (sandra_realtime_session_parse_output_format (NULL, &got));
}

GST_END_TEST;

GST_START_TEST (test_enums_registered)
{
  struct
  {
    GType type;
    const gchar *nick;
    gint value;
  } cases[] = {
    {SANDRA_TYPE_REALTIME_API, "beta", SANDRA_REALTIME_API_BETA},
    {SANDRA_TYPE_REALTIME_SESSION_KIND, "transcription",
        SANDRA_REALTIME_SESSION_TRANSCRIPTION},
    {SANDRA_TYPE_REALTIME_MODALITY, "text", SANDRA_REALTIME_MODALITY_TEXT},
    {SANDRA_TYPE_REALTIME_AUDIO_FORMAT, "pcmu",
        SANDRA_REALTIME_AUDIO_FORMAT_PCMU},
    {SANDRA_TYPE_REALTIME_TURN_DETECTION, "semantic-vad",
        SANDRA_REALTIME_TURN_DETECTION_SEMANTIC_VAD},
    {SANDRA_TYPE_REALTIME_EAGERNESS, "low", SANDRA_REALTIME_EAGERNESS_LOW},
    {SANDRA_TYPE_REALTIME_NOISE_REDUCTION, "far-field",
        SANDRA_REALTIME_NOISE_REDUCTION_FAR_FIELD},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GEnumClass *klass = g_type_class_ref (cases[i].type);
    GEnumValue *v = g_enum_get_value_by_nick (klass, cases[i].nick);

    fail_unless (v != NULL, "%s has no %s", g_type_name (cases[i].type),
        cases[i].nick);
    fail_unless_equals_int (v->value, cases[i].value);
    g_type_class_unref (klass);
  }
}

GST_END_TEST;

static Suite *
realtime_session_suite (void)
{
  Suite *s = suite_create ("realtime-session");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_ga_conversation_full);
  tcase_add_test (tc, test_beta_conversation_full);
  tcase_add_test (tc, test_ga_variants);
  tcase_add_test (tc, test_partial_update);
  tcase_add_test (tc, test_transcription_session);
  tcase_add_test (tc, test_invalid_tools);
  tcase_add_test (tc, test_client_secret_request);
  tcase_add_test (tc, test_client_secret_parse);
  tcase_add_test (tc, test_enums_registered);
  tcase_add_test (tc, test_parse_output_format);
  return s;
}

GST_CHECK_MAIN (realtime_session);
