/* gst-sandra: OpenAI Realtime session configuration and its JSON shapes
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-realtime-session.h"
#include "sandra-json-util.h"

#include <gio/gio.h>
#include <string.h>

G_DEFINE_ENUM_TYPE (SandraRealtimeApi, sandra_realtime_api,
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_API_GA, "ga"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_API_BETA, "beta"));

G_DEFINE_ENUM_TYPE (SandraRealtimeSessionKind, sandra_realtime_session_kind,
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_SESSION_CONVERSATION, "conversation"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_SESSION_TRANSCRIPTION,
        "transcription"));

G_DEFINE_ENUM_TYPE (SandraRealtimeModality, sandra_realtime_modality,
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_MODALITY_AUDIO, "audio"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_MODALITY_TEXT, "text"));

G_DEFINE_ENUM_TYPE (SandraRealtimeAudioFormat, sandra_realtime_audio_format,
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_AUDIO_FORMAT_PCM16, "pcm16"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_AUDIO_FORMAT_PCMU, "pcmu"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_AUDIO_FORMAT_PCMA, "pcma"));

G_DEFINE_ENUM_TYPE (SandraRealtimeTurnDetection,
    sandra_realtime_turn_detection,
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_TURN_DETECTION_SERVER_VAD,
        "server-vad"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_TURN_DETECTION_SEMANTIC_VAD,
        "semantic-vad"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_TURN_DETECTION_NONE, "none"));

G_DEFINE_ENUM_TYPE (SandraRealtimeEagerness, sandra_realtime_eagerness,
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_EAGERNESS_AUTO, "auto"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_EAGERNESS_LOW, "low"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_EAGERNESS_MEDIUM, "medium"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_EAGERNESS_HIGH, "high"));

G_DEFINE_ENUM_TYPE (SandraRealtimeNoiseReduction,
    sandra_realtime_noise_reduction,
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_NOISE_REDUCTION_NONE, "none"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_NOISE_REDUCTION_NEAR_FIELD,
        "near-field"),
    G_DEFINE_ENUM_VALUE (SANDRA_REALTIME_NOISE_REDUCTION_FAR_FIELD,
        "far-field"));

#define DEFAULT_MODEL "gpt-realtime"
#define CUSTOM_VOICE_PREFIX "voice_"

void
sandra_realtime_session_config_init (SandraRealtimeSessionConfig * cfg,
    SandraRealtimeSessionKind kind)
{
  g_return_if_fail (cfg != NULL);

  memset (cfg, 0, sizeof (*cfg));
  cfg->kind = kind;
  if (kind == SANDRA_REALTIME_SESSION_CONVERSATION)
    cfg->model = g_strdup (DEFAULT_MODEL);
  cfg->output_modality = SANDRA_REALTIME_MODALITY_AUDIO;
  cfg->input_format = SANDRA_REALTIME_AUDIO_FORMAT_PCM16;
  cfg->output_format = SANDRA_REALTIME_AUDIO_FORMAT_PCM16;
  cfg->turn_detection = SANDRA_REALTIME_TURN_DETECTION_SERVER_VAD;
  cfg->vad_threshold = -1.0;
  cfg->prefix_padding_ms = -1;
  cfg->silence_duration_ms = -1;
  cfg->idle_timeout_ms = 0;
  cfg->eagerness = SANDRA_REALTIME_EAGERNESS_AUTO;
  cfg->create_response = TRUE;
  cfg->interrupt_response = TRUE;
  cfg->noise_reduction = SANDRA_REALTIME_NOISE_REDUCTION_NONE;
  cfg->speed = 0.0;
  cfg->max_output_tokens = -1;
  cfg->temperature = -1.0;
}

void
sandra_realtime_session_config_clear (SandraRealtimeSessionConfig * cfg)
{
  g_return_if_fail (cfg != NULL);

  g_clear_pointer (&cfg->model, g_free);
  g_clear_pointer (&cfg->voice, g_free);
  g_clear_pointer (&cfg->instructions, g_free);
  g_clear_pointer (&cfg->transcription_model, g_free);
  g_clear_pointer (&cfg->transcription_language, g_free);
  g_clear_pointer (&cfg->transcription_prompt, g_free);
  g_clear_pointer (&cfg->tools_json, g_free);
  g_clear_pointer (&cfg->tool_choice, g_free);
}

void
sandra_realtime_session_config_copy (SandraRealtimeSessionConfig * dst,
    const SandraRealtimeSessionConfig * src)
{
  g_return_if_fail (dst != NULL && src != NULL);

  *dst = *src;
  dst->model = g_strdup (src->model);
  dst->voice = g_strdup (src->voice);
  dst->instructions = g_strdup (src->instructions);
  dst->transcription_model = g_strdup (src->transcription_model);
  dst->transcription_language = g_strdup (src->transcription_language);
  dst->transcription_prompt = g_strdup (src->transcription_prompt);
  dst->tools_json = g_strdup (src->tools_json);
  dst->tool_choice = g_strdup (src->tool_choice);
}

SandraRealtimeFields
sandra_realtime_session_config_diff (const SandraRealtimeSessionConfig * a,
    const SandraRealtimeSessionConfig * b)
{
  SandraRealtimeFields f = 0;

  g_return_val_if_fail (a != NULL && b != NULL, SANDRA_REALTIME_FIELD_ALL);

  if (g_strcmp0 (a->model, b->model))
    f |= SANDRA_REALTIME_FIELD_MODEL;
  if (g_strcmp0 (a->voice, b->voice))
    f |= SANDRA_REALTIME_FIELD_VOICE;
  if (g_strcmp0 (a->instructions, b->instructions))
    f |= SANDRA_REALTIME_FIELD_INSTRUCTIONS;
  if (a->output_modality != b->output_modality)
    f |= SANDRA_REALTIME_FIELD_OUTPUT_MODALITIES;
  if (a->input_format != b->input_format)
    f |= SANDRA_REALTIME_FIELD_INPUT_FORMAT;
  if (a->output_format != b->output_format)
    f |= SANDRA_REALTIME_FIELD_OUTPUT_FORMAT;
  if (a->turn_detection != b->turn_detection
      || a->vad_threshold != b->vad_threshold
      || a->prefix_padding_ms != b->prefix_padding_ms
      || a->silence_duration_ms != b->silence_duration_ms
      || a->idle_timeout_ms != b->idle_timeout_ms
      || a->eagerness != b->eagerness
      || !a->create_response != !b->create_response
      || !a->interrupt_response != !b->interrupt_response)
    f |= SANDRA_REALTIME_FIELD_TURN_DETECTION;
  if (g_strcmp0 (a->transcription_model, b->transcription_model)
      || g_strcmp0 (a->transcription_language, b->transcription_language)
      || g_strcmp0 (a->transcription_prompt, b->transcription_prompt))
    f |= SANDRA_REALTIME_FIELD_TRANSCRIPTION;
  if (a->noise_reduction != b->noise_reduction)
    f |= SANDRA_REALTIME_FIELD_NOISE_REDUCTION;
  if (a->speed != b->speed)
    f |= SANDRA_REALTIME_FIELD_SPEED;
  if (a->max_output_tokens != b->max_output_tokens)
    f |= SANDRA_REALTIME_FIELD_MAX_OUTPUT_TOKENS;
  if (g_strcmp0 (a->tools_json, b->tools_json))
    f |= SANDRA_REALTIME_FIELD_TOOLS;
  if (g_strcmp0 (a->tool_choice, b->tool_choice))
    f |= SANDRA_REALTIME_FIELD_TOOL_CHOICE;
  if (a->temperature != b->temperature)
    f |= SANDRA_REALTIME_FIELD_TEMPERATURE;
  if (!a->include_logprobs != !b->include_logprobs)
    f |= SANDRA_REALTIME_FIELD_INCLUDE;
  return f;
}

static JsonNode *
parse_tools (const gchar * tools_json, GError ** error)
{
  JsonNode *node = json_from_string (tools_json, error);
  JsonArray *arr;
  guint i;

  if (node == NULL) {
    if (error && *error)
      g_prefix_error (error, "Invalid tools JSON: ");
    else
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "Invalid tools JSON: empty");
    return NULL;
  }
  if (!JSON_NODE_HOLDS_ARRAY (node)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Invalid tools JSON: expected an array of tool objects");
    json_node_unref (node);
    return NULL;
  }
  arr = json_node_get_array (node);
  for (i = 0; i < json_array_get_length (arr); i++) {
    if (!JSON_NODE_HOLDS_OBJECT (json_array_get_element (arr, i))) {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
          "Invalid tools JSON: element %u is not an object", i);
      json_node_unref (node);
      return NULL;
    }
  }
  return node;
}

gboolean
sandra_realtime_tools_validate (const gchar * tools_json, GError ** error)
{
  JsonNode *node;

  g_return_val_if_fail (tools_json != NULL, FALSE);

  node = parse_tools (tools_json, error);
  if (node == NULL)
    return FALSE;
  json_node_unref (node);
  return TRUE;
}

gboolean
sandra_realtime_session_parse_output_format (JsonObject * session,
    SandraRealtimeAudioFormat * format)
{
  const gchar *name;
  JsonObject *fmt;

  /* GA nests an object; beta names the format directly. */
  fmt = sandra_json_get_object (sandra_json_get_object
      (sandra_json_get_object (session, "audio"), "output"), "format");
  name = fmt ? sandra_json_get_string (fmt, "type") :
      sandra_json_get_string (session, "output_audio_format");
  if (name == NULL)
    return FALSE;
  if (g_str_equal (name, "audio/pcm") || g_str_equal (name, "pcm16"))
    *format = SANDRA_REALTIME_AUDIO_FORMAT_PCM16;
  else if (g_str_equal (name, "audio/pcmu") || g_str_equal (name, "g711_ulaw"))
    *format = SANDRA_REALTIME_AUDIO_FORMAT_PCMU;
  else if (g_str_equal (name, "audio/pcma") || g_str_equal (name, "g711_alaw"))
    *format = SANDRA_REALTIME_AUDIO_FORMAT_PCMA;
  else
    return FALSE;
  return TRUE;
}

static JsonNode *
format_node (SandraRealtimeAudioFormat format, SandraRealtimeApi api)
{
  JsonObject *o;
  JsonNode *node;

  if (api == SANDRA_REALTIME_API_BETA) {
    node = json_node_new (JSON_NODE_VALUE);
    json_node_set_string (node,
        format == SANDRA_REALTIME_AUDIO_FORMAT_PCMU ? "g711_ulaw" :
        format == SANDRA_REALTIME_AUDIO_FORMAT_PCMA ? "g711_alaw" : "pcm16");
    return node;
  }
  o = json_object_new ();
  switch (format) {
    case SANDRA_REALTIME_AUDIO_FORMAT_PCMU:
      json_object_set_string_member (o, "type", "audio/pcmu");
      break;
    case SANDRA_REALTIME_AUDIO_FORMAT_PCMA:
      json_object_set_string_member (o, "type", "audio/pcma");
      break;
    default:
      json_object_set_string_member (o, "type", "audio/pcm");
      json_object_set_int_member (o, "rate", SANDRA_REALTIME_PCM_RATE);
      break;
  }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  return node;
}

static const gchar *
eagerness_wire (SandraRealtimeEagerness e)
{
  switch (e) {
    case SANDRA_REALTIME_EAGERNESS_LOW:
      return "low";
    case SANDRA_REALTIME_EAGERNESS_MEDIUM:
      return "medium";
    case SANDRA_REALTIME_EAGERNESS_HIGH:
      return "high";
    default:
      return "auto";
  }
}

static JsonNode *
turn_detection_node (const SandraRealtimeSessionConfig * cfg,
    SandraRealtimeApi api)
{
  JsonObject *o;
  JsonNode *node;
  /* Responses do not exist in a transcription session. */
  gboolean responses = cfg->kind == SANDRA_REALTIME_SESSION_CONVERSATION;

  if (cfg->turn_detection == SANDRA_REALTIME_TURN_DETECTION_NONE)
    return json_node_new (JSON_NODE_NULL);

  o = json_object_new ();
  if (cfg->turn_detection == SANDRA_REALTIME_TURN_DETECTION_SEMANTIC_VAD) {
    json_object_set_string_member (o, "type", "semantic_vad");
    json_object_set_string_member (o, "eagerness",
        eagerness_wire (cfg->eagerness));
  } else {
    json_object_set_string_member (o, "type", "server_vad");
    if (cfg->vad_threshold >= 0.0)
      json_object_set_double_member (o, "threshold", cfg->vad_threshold);
    if (cfg->prefix_padding_ms >= 0)
      json_object_set_int_member (o, "prefix_padding_ms",
          cfg->prefix_padding_ms);
    if (cfg->silence_duration_ms >= 0)
      json_object_set_int_member (o, "silence_duration_ms",
          cfg->silence_duration_ms);
    /* GA only; null switches a previously set timeout off again. */
    if (api == SANDRA_REALTIME_API_GA && responses) {
      if (cfg->idle_timeout_ms > 0)
        json_object_set_int_member (o, "idle_timeout_ms", cfg->idle_timeout_ms);
      else
        json_object_set_null_member (o, "idle_timeout_ms");
    }
  }
  if (responses) {
    json_object_set_boolean_member (o, "create_response", cfg->create_response);
    json_object_set_boolean_member (o, "interrupt_response",
        cfg->interrupt_response);
  }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  return node;
}

static JsonNode *
transcription_node (const SandraRealtimeSessionConfig * cfg)
{
  JsonObject *o;
  JsonNode *node;

  if (cfg->transcription_model == NULL || *cfg->transcription_model == '\0')
    return json_node_new (JSON_NODE_NULL);
  o = json_object_new ();
  json_object_set_string_member (o, "model", cfg->transcription_model);
  if (cfg->transcription_language && *cfg->transcription_language)
    json_object_set_string_member (o, "language", cfg->transcription_language);
  if (cfg->transcription_prompt && *cfg->transcription_prompt)
    json_object_set_string_member (o, "prompt", cfg->transcription_prompt);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  return node;
}

static JsonNode *
noise_reduction_node (SandraRealtimeNoiseReduction nr)
{
  JsonObject *o;
  JsonNode *node;

  if (nr == SANDRA_REALTIME_NOISE_REDUCTION_NONE)
    return json_node_new (JSON_NODE_NULL);
  o = json_object_new ();
  json_object_set_string_member (o, "type",
      nr == SANDRA_REALTIME_NOISE_REDUCTION_FAR_FIELD ? "far_field" :
      "near_field");
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  return node;
}

static JsonNode *
tool_choice_node (const gchar * choice, SandraRealtimeApi api)
{
  JsonObject *o;
  JsonNode *node;

  if (api == SANDRA_REALTIME_API_BETA || !g_strcmp0 (choice, "auto")
      || !g_strcmp0 (choice, "none") || !g_strcmp0 (choice, "required")) {
    node = json_node_new (JSON_NODE_VALUE);
    json_node_set_string (node, choice);
    return node;
  }
  /* GA names one function with an object. */
  o = json_object_new ();
  json_object_set_string_member (o, "type", "function");
  json_object_set_string_member (o, "name", choice);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  return node;
}

static JsonNode *
voice_node (const gchar * voice, SandraRealtimeApi api)
{
  JsonObject *o;
  JsonNode *node;

  if (api == SANDRA_REALTIME_API_BETA
      || !g_str_has_prefix (voice, CUSTOM_VOICE_PREFIX)) {
    node = json_node_new (JSON_NODE_VALUE);
    json_node_set_string (node, voice);
    return node;
  }
  o = json_object_new ();
  json_object_set_string_member (o, "id", voice);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, o);
  return node;
}

static void
set_modalities (JsonObject * session, const gchar * member,
    SandraRealtimeModality m, SandraRealtimeApi api)
{
  JsonArray *arr = json_array_new ();

  if (m == SANDRA_REALTIME_MODALITY_TEXT) {
    json_array_add_string_element (arr, "text");
  } else {
    /* Beta lists the transcript's text alongside audio; GA's "audio"
     * implies it and refuses both together. */
    if (api == SANDRA_REALTIME_API_BETA)
      json_array_add_string_element (arr, "text");
    json_array_add_string_element (arr, "audio");
  }
  json_object_set_array_member (session, member, arr);
}

/* An empty list is only worth sending to switch logprobs off again in a
 * partial update; a full session just leaves it out. */
static void
set_include (JsonObject * session, gboolean logprobs, SandraRealtimeFields f)
{
  JsonArray *arr;

  if (!(f & SANDRA_REALTIME_FIELD_INCLUDE)
      || (!logprobs && f == SANDRA_REALTIME_FIELD_ALL))
    return;
  arr = json_array_new ();

  if (logprobs)
    json_array_add_string_element (arr,
        "item.input_audio_transcription.logprobs");
  json_object_set_array_member (session, "include", arr);
}

static void
set_max_tokens (JsonObject * session, const gchar * member, gint max)
{
  if (max == 0)
    json_object_set_string_member (session, member, "inf");
  else
    json_object_set_int_member (session, member, max);
}

/* Members common to the audio input of every shape, keyed by the names the
 * caller passes (nested GA names or flat beta names). */
static void
add_input_members (JsonObject * dest, const SandraRealtimeSessionConfig * cfg,
    SandraRealtimeApi api, SandraRealtimeFields f, const gchar * format_key,
    const gchar * transcription_key, const gchar * noise_key)
{
  if (f & SANDRA_REALTIME_FIELD_INPUT_FORMAT)
    json_object_set_member (dest, format_key,
        format_node (cfg->input_format, api));
  if (f & SANDRA_REALTIME_FIELD_TRANSCRIPTION) {
    JsonNode *t = transcription_node (cfg);

    /* A transcription session without a model has nothing to switch off:
     * leave the server's choice. */
    if (JSON_NODE_HOLDS_NULL (t)
        && cfg->kind == SANDRA_REALTIME_SESSION_TRANSCRIPTION)
      json_node_unref (t);
    else
      json_object_set_member (dest, transcription_key, t);
  }
  if (f & SANDRA_REALTIME_FIELD_NOISE_REDUCTION)
    json_object_set_member (dest, noise_key,
        noise_reduction_node (cfg->noise_reduction));
  if (f & SANDRA_REALTIME_FIELD_TURN_DETECTION)
    json_object_set_member (dest, "turn_detection",
        turn_detection_node (cfg, api));
}

static gboolean
add_tools (JsonObject * session, const SandraRealtimeSessionConfig * cfg,
    SandraRealtimeApi api, SandraRealtimeFields f, GError ** error)
{
  if ((f & SANDRA_REALTIME_FIELD_TOOLS) && cfg->tools_json) {
    JsonNode *tools = parse_tools (cfg->tools_json, error);

    if (tools == NULL)
      return FALSE;
    json_object_set_member (session, "tools", tools);
  }
  if ((f & SANDRA_REALTIME_FIELD_TOOL_CHOICE) && cfg->tool_choice
      && *cfg->tool_choice)
    json_object_set_member (session, "tool_choice",
        tool_choice_node (cfg->tool_choice, api));
  return TRUE;
}

static JsonObject *
build_ga (const SandraRealtimeSessionConfig * cfg, SandraRealtimeFields f,
    GError ** error)
{
  const SandraRealtimeApi api = SANDRA_REALTIME_API_GA;
  gboolean conv = cfg->kind == SANDRA_REALTIME_SESSION_CONVERSATION;
  JsonObject *session = json_object_new ();
  JsonObject *input = json_object_new ();
  JsonObject *output = json_object_new ();

  json_object_set_string_member (session, "type",
      conv ? "realtime" : "transcription");
  if (conv && (f & SANDRA_REALTIME_FIELD_MODEL) && cfg->model)
    json_object_set_string_member (session, "model", cfg->model);
  if (conv && (f & SANDRA_REALTIME_FIELD_INSTRUCTIONS) && cfg->instructions)
    json_object_set_string_member (session, "instructions", cfg->instructions);
  if (conv && (f & SANDRA_REALTIME_FIELD_OUTPUT_MODALITIES))
    set_modalities (session, "output_modalities", cfg->output_modality, api);

  add_input_members (input, cfg, api, f, "format", "transcription",
      "noise_reduction");
  if (conv) {
    if (f & SANDRA_REALTIME_FIELD_OUTPUT_FORMAT)
      json_object_set_member (output, "format",
          format_node (cfg->output_format, api));
    if ((f & SANDRA_REALTIME_FIELD_VOICE) && cfg->voice && *cfg->voice)
      json_object_set_member (output, "voice", voice_node (cfg->voice, api));
    if ((f & SANDRA_REALTIME_FIELD_SPEED) && cfg->speed > 0.0)
      json_object_set_double_member (output, "speed", cfg->speed);
  }
  if (json_object_get_size (input) > 0 || json_object_get_size (output) > 0) {
    JsonObject *audio = json_object_new ();

    if (json_object_get_size (input) > 0)
      json_object_set_object_member (audio, "input", json_object_ref (input));
    if (json_object_get_size (output) > 0)
      json_object_set_object_member (audio, "output", json_object_ref (output));
    json_object_set_object_member (session, "audio", audio);
  }
  json_object_unref (input);
  json_object_unref (output);

  set_include (session, cfg->include_logprobs, f);
  if (conv) {
    if (!add_tools (session, cfg, api, f, error)) {
      json_object_unref (session);
      return NULL;
    }
    if ((f & SANDRA_REALTIME_FIELD_MAX_OUTPUT_TOKENS)
        && cfg->max_output_tokens >= 0)
      set_max_tokens (session, "max_output_tokens", cfg->max_output_tokens);
  }
  return session;
}

static JsonObject *
build_beta (const SandraRealtimeSessionConfig * cfg, SandraRealtimeFields f,
    GError ** error)
{
  const SandraRealtimeApi api = SANDRA_REALTIME_API_BETA;
  JsonObject *session = json_object_new ();

  add_input_members (session, cfg, api, f, "input_audio_format",
      "input_audio_transcription", "input_audio_noise_reduction");

  if (cfg->kind == SANDRA_REALTIME_SESSION_TRANSCRIPTION) {
    set_include (session, cfg->include_logprobs, f);
    return session;
  }

  if ((f & SANDRA_REALTIME_FIELD_MODEL) && cfg->model)
    json_object_set_string_member (session, "model", cfg->model);
  if ((f & SANDRA_REALTIME_FIELD_INSTRUCTIONS) && cfg->instructions)
    json_object_set_string_member (session, "instructions", cfg->instructions);
  if (f & SANDRA_REALTIME_FIELD_OUTPUT_MODALITIES)
    set_modalities (session, "modalities", cfg->output_modality, api);
  if ((f & SANDRA_REALTIME_FIELD_VOICE) && cfg->voice && *cfg->voice)
    json_object_set_member (session, "voice", voice_node (cfg->voice, api));
  if (f & SANDRA_REALTIME_FIELD_OUTPUT_FORMAT)
    json_object_set_member (session, "output_audio_format",
        format_node (cfg->output_format, api));
  if ((f & SANDRA_REALTIME_FIELD_SPEED) && cfg->speed > 0.0)
    json_object_set_double_member (session, "speed", cfg->speed);
  if ((f & SANDRA_REALTIME_FIELD_TEMPERATURE) && cfg->temperature >= 0.0)
    json_object_set_double_member (session, "temperature", cfg->temperature);
  if ((f & SANDRA_REALTIME_FIELD_MAX_OUTPUT_TOKENS)
      && cfg->max_output_tokens >= 0)
    set_max_tokens (session, "max_response_output_tokens",
        cfg->max_output_tokens);
  if (!add_tools (session, cfg, api, f, error)) {
    json_object_unref (session);
    return NULL;
  }
  return session;
}

JsonNode *
sandra_realtime_session_build_object (const SandraRealtimeSessionConfig * cfg,
    SandraRealtimeApi api, SandraRealtimeFields fields, GError ** error)
{
  JsonObject *session;
  JsonNode *node;

  g_return_val_if_fail (cfg != NULL, NULL);

  session = api == SANDRA_REALTIME_API_GA ? build_ga (cfg, fields, error) :
      build_beta (cfg, fields, error);
  if (session == NULL)
    return NULL;
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, session);
  return node;
}

static gchar *
node_to_string (JsonNode * node)
{
  gchar *s = json_to_string (node, FALSE);

  json_node_unref (node);
  return s;
}

gchar *
sandra_realtime_session_build_update (const SandraRealtimeSessionConfig * cfg,
    SandraRealtimeApi api, SandraRealtimeFields fields,
    const gchar * event_id, GError ** error)
{
  JsonNode *session, *root;
  JsonObject *ev;
  gboolean beta_transcription = api == SANDRA_REALTIME_API_BETA
      && cfg->kind == SANDRA_REALTIME_SESSION_TRANSCRIPTION;

  session = sandra_realtime_session_build_object (cfg, api, fields, error);
  if (session == NULL)
    return NULL;
  ev = json_object_new ();
  json_object_set_string_member (ev, "type", beta_transcription ?
      "transcription_session.update" : "session.update");
  if (event_id)
    json_object_set_string_member (ev, "event_id", event_id);
  json_object_set_member (ev, "session", session);
  root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, ev);
  return node_to_string (root);
}

const gchar *
sandra_realtime_client_secret_path (SandraRealtimeApi api,
    SandraRealtimeSessionKind kind)
{
  if (api == SANDRA_REALTIME_API_GA)
    return "/v1/realtime/client_secrets";
  return kind == SANDRA_REALTIME_SESSION_TRANSCRIPTION ?
      "/v1/realtime/transcription_sessions" : "/v1/realtime/sessions";
}

static JsonObject *
expires_after_object (guint seconds)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "anchor", "created_at");
  json_object_set_int_member (o, "seconds", seconds);
  return o;
}

gchar *
sandra_realtime_client_secret_build_request (const SandraRealtimeSessionConfig
    * cfg, SandraRealtimeApi api, guint expires_after_s, GError ** error)
{
  JsonNode *session, *root;
  JsonObject *body;

  g_return_val_if_fail (cfg != NULL, NULL);

  if (expires_after_s != 0 && (expires_after_s < 10 || expires_after_s > 7200)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
        "Secret lifetime %u s is outside 10..7200 s", expires_after_s);
    return NULL;
  }
  session = sandra_realtime_session_build_object (cfg, api,
      SANDRA_REALTIME_FIELD_ALL, error);
  if (session == NULL)
    return NULL;

  if (api == SANDRA_REALTIME_API_GA) {
    body = json_object_new ();
    if (expires_after_s)
      json_object_set_object_member (body, "expires_after",
          expires_after_object (expires_after_s));
    json_object_set_member (body, "session", session);
  } else {
    body = json_object_ref (json_node_get_object (session));
    json_node_unref (session);
    if (expires_after_s && cfg->kind == SANDRA_REALTIME_SESSION_CONVERSATION) {
      JsonObject *cs = json_object_new ();

      json_object_set_object_member (cs, "expires_after",
          expires_after_object (expires_after_s));
      json_object_set_object_member (body, "client_secret", cs);
    }
  }
  root = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (root, body);
  return node_to_string (root);
}

gboolean
sandra_realtime_client_secret_parse (const gchar * body, gssize length,
    gchar ** value, gint64 * expires_at, GError ** error)
{
  JsonObject *o, *holder;
  const gchar *v;

  g_return_val_if_fail (body != NULL && value != NULL, FALSE);

  *value = NULL;
  if (expires_at)
    *expires_at = 0;
  o = sandra_json_parse_object (body, length, "Client secret response", error);
  if (o == NULL)
    return FALSE;
  /* GA carries the secret at the top, beta inside client_secret */
  holder = o;
  v = sandra_json_get_string (holder, "value");
  if (v == NULL) {
    holder = sandra_json_get_object (o, "client_secret");
    v = sandra_json_get_string (holder, "value");
  }
  if (v == NULL || *v == '\0') {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "Client secret response carries no secret value");
    json_object_unref (o);
    return FALSE;
  }
  *value = g_strdup (v);
  if (expires_at)
    *expires_at = sandra_json_get_int (holder, "expires_at", 0);
  json_object_unref (o);
  return TRUE;
}
