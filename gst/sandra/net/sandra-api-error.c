/* gst-sandra: errors returned by the OpenAI and ElevenLabs APIs
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-api-error.h"

#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>

/* Longest service message we carry; HTML error pages can be huge. */
#define MAX_MESSAGE_CHARS 500

GType
sandra_api_error_class_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {SANDRA_API_ERROR_CLASS_TRANSIENT, "Transient, retrying may succeed",
        "transient"},
    {SANDRA_API_ERROR_CLASS_FATAL_AUTH, "The API key was rejected",
        "fatal-auth"},
    {SANDRA_API_ERROR_CLASS_FATAL_QUOTA, "The account has no quota left",
        "fatal-quota"},
    {SANDRA_API_ERROR_CLASS_FATAL_REQUEST, "The request was rejected",
        "fatal-request"},
    {SANDRA_API_ERROR_CLASS_TOO_LARGE, "The request was too large",
        "too-large"},
    {0, NULL, NULL}
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("SandraApiErrorClass", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static gboolean
is_quota_code (const gchar * code)
{
  return code && (strcmp (code, "insufficient_quota") == 0 ||
      strcmp (code, "quota_exceeded") == 0 ||
      strcmp (code, "billing_hard_limit_reached") == 0);
}

static gboolean
is_auth_code (const gchar * code)
{
  return code && (strcmp (code, "invalid_api_key") == 0 ||
      strcmp (code, "needs_authorization") == 0 ||
      strcmp (code, "missing_api_key") == 0 ||
      g_str_has_suffix (code, ".invalid_api_key"));
}

SandraApiErrorClass
sandra_api_error_classify (guint http_status, const gchar * code)
{
  if (is_quota_code (code))
    return SANDRA_API_ERROR_CLASS_FATAL_QUOTA;
  if (http_status == 401 || http_status == 403 || is_auth_code (code))
    return SANDRA_API_ERROR_CLASS_FATAL_AUTH;
  if (http_status == 413 || g_strcmp0 (code, "max_character_limit_exceeded")
      == 0)
    return SANDRA_API_ERROR_CLASS_TOO_LARGE;
  if (http_status == 408 || http_status == 409 || http_status == 429 ||
      (http_status >= 500 && http_status < 600))
    return SANDRA_API_ERROR_CLASS_TRANSIENT;
  if (http_status >= 400 && http_status < 500)
    return SANDRA_API_ERROR_CLASS_FATAL_REQUEST;
  /* No HTTP status: WebSocket error events. Known server-side hiccups are
   * transient, anything else is about what we sent. */
  if (http_status == 0 && code && (strcmp (code, "server_error") == 0 ||
          strcmp (code, "rate_limit_exceeded") == 0 ||
          strcmp (code, "system_busy") == 0))
    return SANDRA_API_ERROR_CLASS_TRANSIENT;
  if (http_status == 0)
    return SANDRA_API_ERROR_CLASS_FATAL_REQUEST;
  return SANDRA_API_ERROR_CLASS_TRANSIENT;
}

gboolean
sandra_api_error_is_retryable (const SandraApiError * error)
{
  return error && error->klass == SANDRA_API_ERROR_CLASS_TRANSIENT;
}

/* A member as a string whatever its JSON type (codes may be numbers). */
static gchar *
dup_member_string (JsonObject * obj, const gchar * name)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (node)) {
    GType t = json_node_get_value_type (node);

    if (t == G_TYPE_STRING)
      return g_strdup (json_node_get_string (node));
    if (t == G_TYPE_INT64)
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    if (t == G_TYPE_DOUBLE)
      return g_strdup_printf ("%g", json_node_get_double (node));
    if (t == G_TYPE_BOOLEAN)
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
  }
  return NULL;
}

static gchar *
shorten (const gchar * text, gsize len)
{
  gchar *valid, *s;

  valid = g_utf8_make_valid (text, len);
  s = g_strstrip (valid);
  if (g_utf8_strlen (s, -1) > MAX_MESSAGE_CHARS) {
    gchar *cut = g_utf8_substring (s, 0, MAX_MESSAGE_CHARS);
    gchar *out = g_strconcat (cut, "…", NULL);
    g_free (cut);
    g_free (valid);
    return out;
  }
  s = g_strdup (s);
  g_free (valid);
  return s;
}

/* ElevenLabs 422: [{"loc":["body","text"],"msg":"field required",...}] */
static gchar *
join_validation_list (JsonArray * arr)
{
  GString *s = g_string_new (NULL);
  guint i, n = json_array_get_length (arr);

  for (i = 0; i < n; i++) {
    JsonNode *el = json_array_get_element (arr, i);
    JsonObject *o;
    gchar *msg;

    if (!JSON_NODE_HOLDS_OBJECT (el))
      continue;
    o = json_node_get_object (el);
    msg = dup_member_string (o, "msg");
    if (s->len)
      g_string_append (s, "; ");
    if (json_object_has_member (o, "loc") &&
        JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "loc"))) {
      JsonArray *loc = json_object_get_array_member (o, "loc");
      guint j;

      for (j = 0; j < json_array_get_length (loc); j++) {
        JsonNode *p = json_array_get_element (loc, j);
        if (JSON_NODE_HOLDS_VALUE (p)
            && json_node_get_value_type (p) == G_TYPE_STRING)
          g_string_append_printf (s, "%s%s", j ? "." : "",
              json_node_get_string (p));
      }
      g_string_append (s, ": ");
    }
    g_string_append (s, msg ? msg : "invalid");
    g_free (msg);
  }
  if (s->len == 0) {
    g_string_free (s, TRUE);
    return NULL;
  }
  return g_string_free (s, FALSE);
}

/* Fills @err from a parsed body; FALSE when it does not look like an
 * error object of either service. */
static gboolean
fill_from_json (SandraApiError * err, JsonNode * root)
{
  JsonObject *obj, *e;
  JsonNode *node;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  obj = json_node_get_object (root);

  node = json_object_get_member (obj, "error");
  if (node && JSON_NODE_HOLDS_OBJECT (node)) {
    /* OpenAI, HTTP and Realtime */
    e = json_node_get_object (node);
    err->message = dup_member_string (e, "message");
    err->type = dup_member_string (e, "type");
    err->param = dup_member_string (e, "param");
    err->code = dup_member_string (e, "code");
    return TRUE;
  }
  if (node && JSON_NODE_HOLDS_VALUE (node)) {
    /* ElevenLabs WebSocket: {"error":"input_timeout_exceeded","message":..} */
    err->code = dup_member_string (obj, "error");
    err->message = dup_member_string (obj, "message");
    return err->code != NULL || err->message != NULL;
  }

  node = json_object_get_member (obj, "detail");
  if (node && JSON_NODE_HOLDS_OBJECT (node)) {
    e = json_node_get_object (node);
    err->code = dup_member_string (e, "status");
    err->message = dup_member_string (e, "message");
    return TRUE;
  }
  if (node && JSON_NODE_HOLDS_ARRAY (node)) {
    err->code = g_strdup ("validation_error");
    err->message = join_validation_list (json_node_get_array (node));
    return TRUE;
  }
  if (node && JSON_NODE_HOLDS_VALUE (node)) {
    err->message = dup_member_string (obj, "detail");
    return TRUE;
  }

  /* OpenAI-compatible servers sometimes answer {"message": "..."} */
  if (json_object_has_member (obj, "message")) {
    err->message = dup_member_string (obj, "message");
    err->code = dup_member_string (obj, "code");
    return err->message != NULL;
  }
  return FALSE;
}

static JsonNode *
parse_json (const gchar * data, gssize len)
{
  JsonParser *parser = json_parser_new_immutable ();
  JsonNode *root = NULL;

  if (json_parser_load_from_data (parser, data, len, NULL)
      && json_parser_get_root (parser))
    root = json_node_copy (json_parser_get_root (parser));
  g_object_unref (parser);
  return root;
}

SandraApiError *
sandra_api_error_new_from_response (guint http_status,
    SoupMessageHeaders * headers, GBytes * body)
{
  SandraApiError *err = g_new0 (SandraApiError, 1);

  err->http_status = http_status;
  if (headers)
    err->request_id = g_strdup (soup_message_headers_get_one (headers,
            "x-request-id"));

  if (body && g_bytes_get_size (body) > 0) {
    gsize len;
    const gchar *data = g_bytes_get_data (body, &len);
    JsonNode *root = parse_json (data, len);

    if (!fill_from_json (err, root))
      err->message = shorten (data, len);
    if (root)
      json_node_unref (root);
  }
  if (err->message == NULL && http_status)
    err->message = g_strdup (soup_status_get_phrase (http_status));

  err->klass = sandra_api_error_classify (http_status, err->code);
  /* OpenAI labels some quota failures only by type */
  if (g_strcmp0 (err->type, "insufficient_quota") == 0)
    err->klass = SANDRA_API_ERROR_CLASS_FATAL_QUOTA;
  return err;
}

SandraApiError *
sandra_api_error_new_from_json (guint http_status, const gchar * json,
    gssize len)
{
  SandraApiError *err;
  JsonNode *root;

  g_return_val_if_fail (json != NULL, NULL);

  root = parse_json (json, len);
  err = g_new0 (SandraApiError, 1);
  err->http_status = http_status;
  if (!fill_from_json (err, root)) {
    if (root)
      json_node_unref (root);
    sandra_api_error_free (err);
    return NULL;
  }
  json_node_unref (root);
  err->klass = sandra_api_error_classify (http_status, err->code);
  if (g_strcmp0 (err->type, "insufficient_quota") == 0)
    err->klass = SANDRA_API_ERROR_CLASS_FATAL_QUOTA;
  return err;
}

SandraApiError *
sandra_api_error_copy (const SandraApiError * error)
{
  SandraApiError *copy;

  if (error == NULL)
    return NULL;
  copy = g_new0 (SandraApiError, 1);
  copy->http_status = error->http_status;
  copy->code = g_strdup (error->code);
  copy->type = g_strdup (error->type);
  copy->param = g_strdup (error->param);
  copy->message = g_strdup (error->message);
  copy->request_id = g_strdup (error->request_id);
  copy->klass = error->klass;
  return copy;
}

void
sandra_api_error_free (SandraApiError * error)
{
  if (error == NULL)
    return;
  g_free (error->code);
  g_free (error->type);
  g_free (error->param);
  g_free (error->message);
  g_free (error->request_id);
  g_free (error);
}

void
sandra_api_error_append_headline (GString * s, SandraApiErrorClass klass,
    guint st, const gchar * service)
{
  g_return_if_fail (s != NULL);
  if (service == NULL)
    service = "The service";

  switch (klass) {
    case SANDRA_API_ERROR_CLASS_FATAL_AUTH:
      if (st == 403)
        g_string_append_printf (s, "%s refused access for this API key "
            "(check the key's project, permissions and region)", service);
      else
        g_string_append_printf (s, "%s rejected the API key (set the key "
            "property or the environment variable)", service);
      break;
    case SANDRA_API_ERROR_CLASS_FATAL_QUOTA:
      g_string_append_printf (s, "%s reports the account has no quota left "
          "(check plan and billing)", service);
      break;
    case SANDRA_API_ERROR_CLASS_TOO_LARGE:
      g_string_append_printf (s, "%s rejected the request as too large "
          "(send shorter audio or text)", service);
      break;
    case SANDRA_API_ERROR_CLASS_FATAL_REQUEST:
      if (st == 404)
        g_string_append_printf (s, "%s does not know the requested endpoint, "
            "model or voice", service);
      else
        g_string_append_printf (s, "%s rejected the request", service);
      break;
    case SANDRA_API_ERROR_CLASS_TRANSIENT:
    default:
      if (st == 429)
        g_string_append_printf (s, "%s is rate limiting requests", service);
      else if (st >= 500)
        g_string_append_printf (s, "%s had a server error", service);
      else if (st == 408)
        g_string_append_printf (s, "%s timed out waiting for the request",
            service);
      else
        g_string_append_printf (s, "%s reported a temporary problem", service);
      break;
  }
}

gchar *
sandra_api_error_to_sentence (const SandraApiError * error,
    const gchar * service)
{
  GString *s = g_string_new (NULL);
  guint st;

  g_return_val_if_fail (error != NULL, NULL);
  st = error->http_status;
  sandra_api_error_append_headline (s, error->klass, st, service);

  if (st && error->code)
    g_string_append_printf (s, " (%u %s)", st, error->code);
  else if (st)
    g_string_append_printf (s, " (%u)", st);
  else if (error->code)
    g_string_append_printf (s, " (%s)", error->code);

  if (error->message && *error->message)
    g_string_append_printf (s, ": %s", error->message);
  if (error->request_id)
    g_string_append_printf (s, " [request id %s]", error->request_id);
  return g_string_free (s, FALSE);
}

GstStructure *
sandra_api_error_to_details (const SandraApiError * error)
{
  GstStructure *s;

  g_return_val_if_fail (error != NULL, NULL);

  s = gst_structure_new ("sandra-api-error",
      "http-status", G_TYPE_UINT, error->http_status,
      "class", SANDRA_TYPE_API_ERROR_CLASS, error->klass, NULL);
  if (error->code)
    gst_structure_set (s, "code", G_TYPE_STRING, error->code, NULL);
  if (error->type)
    gst_structure_set (s, "type", G_TYPE_STRING, error->type, NULL);
  if (error->param)
    gst_structure_set (s, "param", G_TYPE_STRING, error->param, NULL);
  if (error->message)
    gst_structure_set (s, "message", G_TYPE_STRING, error->message, NULL);
  if (error->request_id)
    gst_structure_set (s, "request-id", G_TYPE_STRING, error->request_id, NULL);
  return s;
}

GstResourceError
sandra_api_error_class_to_resource_error (SandraApiErrorClass klass)
{
  switch (klass) {
    case SANDRA_API_ERROR_CLASS_FATAL_AUTH:
      return GST_RESOURCE_ERROR_NOT_AUTHORIZED;
    case SANDRA_API_ERROR_CLASS_FATAL_REQUEST:
      return GST_RESOURCE_ERROR_SETTINGS;
    case SANDRA_API_ERROR_CLASS_TOO_LARGE:
      return GST_RESOURCE_ERROR_NO_SPACE_LEFT;
    case SANDRA_API_ERROR_CLASS_FATAL_QUOTA:
    case SANDRA_API_ERROR_CLASS_TRANSIENT:
    default:
      return GST_RESOURCE_ERROR_FAILED;
  }
}

gboolean
sandra_parse_duration_ms (const gchar * s, gint64 * ms)
{
  gdouble total_us = 0;
  const gchar *p;

  g_return_val_if_fail (ms != NULL, FALSE);
  if (s == NULL)
    return FALSE;
  p = s;
  while (g_ascii_isspace (*p))
    p++;
  if (*p == '\0')
    return FALSE;

  while (*p && !g_ascii_isspace (*p)) {
    gchar *end;
    gdouble v = g_ascii_strtod (p, &end);
    gdouble unit_us;

    if (end == p || v < 0 || *p == '-' || *p == '+')
      return FALSE;
    p = end;
    if (g_str_has_prefix (p, "ms")) {
      unit_us = 1000;
      p += 2;
    } else if (g_str_has_prefix (p, "us") || g_str_has_prefix (p, "µs")) {
      unit_us = 1;
      p += (*p == 'u') ? 2 : strlen ("µs");
    } else if (g_str_has_prefix (p, "ns")) {
      unit_us = 0.001;
      p += 2;
    } else if (*p == 'h') {
      unit_us = 3600e6;
      p++;
    } else if (*p == 'm') {
      unit_us = 60e6;
      p++;
    } else if (*p == 's') {
      unit_us = 1e6;
      p++;
    } else if (*p == '\0' && v == 0) {
      unit_us = 0;
    } else {
      return FALSE;
    }
    total_us += v * unit_us;
  }
  /* "1e300h" from a server is no duration we can hold */
  if (!isfinite (total_us) || (total_us + 999) / 1000 >= (gdouble) G_MAXINT64)
    return FALSE;
  *ms = (gint64) ((total_us + 999) / 1000);
  return TRUE;
}

static gint64
header_int (SoupMessageHeaders * h, const gchar * name, gboolean * found)
{
  const gchar *v = soup_message_headers_get_one (h, name);
  gchar *end;
  gint64 n;

  if (v == NULL)
    return -1;
  n = g_ascii_strtoll (v, &end, 10);
  if (end == v || n < 0)
    return -1;
  *found = TRUE;
  return n;
}

static gint64
header_duration (SoupMessageHeaders * h, const gchar * name, gboolean * found)
{
  gint64 ms;

  if (!sandra_parse_duration_ms (soup_message_headers_get_one (h, name), &ms))
    return -1;
  *found = TRUE;
  return ms;
}

gboolean
sandra_rate_limits_parse (SoupMessageHeaders * headers,
    SandraRateLimits * limits)
{
  gboolean found = FALSE;

  g_return_val_if_fail (limits != NULL, FALSE);
  limits->limit_requests = limits->remaining_requests = -1;
  limits->reset_requests_ms = limits->limit_tokens = -1;
  limits->remaining_tokens = limits->reset_tokens_ms = -1;
  if (headers == NULL)
    return FALSE;

  limits->limit_requests = header_int (headers, "x-ratelimit-limit-requests",
      &found);
  limits->remaining_requests = header_int (headers,
      "x-ratelimit-remaining-requests", &found);
  limits->reset_requests_ms = header_duration (headers,
      "x-ratelimit-reset-requests", &found);
  limits->limit_tokens = header_int (headers, "x-ratelimit-limit-tokens",
      &found);
  limits->remaining_tokens = header_int (headers,
      "x-ratelimit-remaining-tokens", &found);
  limits->reset_tokens_ms = header_duration (headers,
      "x-ratelimit-reset-tokens", &found);
  return found;
}
