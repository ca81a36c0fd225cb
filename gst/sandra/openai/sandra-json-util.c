/* gst-sandra: tolerant readers for JSON received from the services
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-json-util.h"

#include <gio/gio.h>

static JsonNode *
member (JsonObject * o, const gchar * name)
{
  return o ? json_object_get_member (o, name) : NULL;
}

const gchar *
sandra_json_get_string (JsonObject * o, const gchar * name)
{
  JsonNode *n = member (o, name);

  if (n && JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_STRING)
    return json_node_get_string (n);
  return NULL;
}

gboolean
sandra_json_get_number (JsonObject * o, const gchar * name, gdouble * out)
{
  JsonNode *n = member (o, name);
  GType t;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    *out = json_node_get_int (n);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else
    return FALSE;
  return TRUE;
}

gint64
sandra_json_get_int (JsonObject * o, const gchar * name, gint64 fallback)
{
  JsonNode *n = member (o, name);
  gdouble d;

  /* exact for integers beyond the 53 bits a double holds */
  if (n && JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_INT64)
    return json_node_get_int (n);
  if (!sandra_json_get_number (o, name, &d) || !(d >= -9.2e18 && d <= 9.2e18))
    return fallback;
  return (gint64) d;
}

gdouble
sandra_json_get_double (JsonObject * o, const gchar * name, gdouble fallback)
{
  gdouble d;

  return sandra_json_get_number (o, name, &d) ? d : fallback;
}

JsonObject *
sandra_json_get_object (JsonObject * o, const gchar * name)
{
  JsonNode *n = member (o, name);

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

JsonArray *
sandra_json_get_array (JsonObject * o, const gchar * name)
{
  JsonNode *n = member (o, name);

  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

JsonObject *
sandra_json_parse_object (const gchar * data, gssize length,
    const gchar * what, GError ** error)
{
  JsonParser *parser = json_parser_new_immutable ();
  JsonNode *root;
  JsonObject *o = NULL;

  if (!json_parser_load_from_data (parser, data, length, error)) {
    g_prefix_error (error, "%s is not valid JSON: ", what);
  } else if ((root = json_parser_get_root (parser)) == NULL
      || !JSON_NODE_HOLDS_OBJECT (root)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
        "%s is not a JSON object", what);
  } else {
    o = json_object_ref (json_node_get_object (root));
  }
  g_object_unref (parser);
  return o;
}
