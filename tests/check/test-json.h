/* gst-sandra test helpers: reading produced JSON back by path, so tests
 * assert fields and shapes rather than exact strings.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __SANDRA_TEST_JSON_H__
#define __SANDRA_TEST_JSON_H__

#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>

/* Parses @text, failing the test if it is not a JSON object. */
static G_GNUC_UNUSED JsonNode *
tj_parse (const gchar * text)
{
  GError *err = NULL;
  JsonNode *node;

  fail_unless (text != NULL, "no JSON produced");
  node = json_from_string (text, &err);
  fail_unless (node != NULL, "invalid JSON (%s): %s",
      err ? err->message : "empty", text);
  fail_unless (JSON_NODE_HOLDS_OBJECT (node), "not an object: %s", text);
  return node;
}

/* Walks a dotted path ("session.audio.input.format.type",
 * "item.content.0.text"); NULL when any step is missing. */
static G_GNUC_UNUSED JsonNode *
tj_at (JsonNode * root, const gchar * path)
{
  gchar **steps = g_strsplit (path, ".", -1);
  JsonNode *n = root;
  guint i;

  for (i = 0; n && steps[i]; i++) {
    if (JSON_NODE_HOLDS_OBJECT (n)) {
      n = json_object_get_member (json_node_get_object (n), steps[i]);
    } else if (JSON_NODE_HOLDS_ARRAY (n)) {
      JsonArray *a = json_node_get_array (n);
      guint idx = (guint) atoi (steps[i]);

      n = idx < json_array_get_length (a) ? json_array_get_element (a, idx) :
          NULL;
    } else {
      n = NULL;
    }
  }
  g_strfreev (steps);
  return n;
}

static G_GNUC_UNUSED gboolean
tj_has (JsonNode * root, const gchar * path)
{
  return tj_at (root, path) != NULL;
}

static G_GNUC_UNUSED const gchar *
tj_str (JsonNode * root, const gchar * path)
{
  JsonNode *n = tj_at (root, path);

  fail_unless (n != NULL, "missing %s", path);
  fail_unless (JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_STRING, "%s is not a string",
      path);
  return json_node_get_string (n);
}

static G_GNUC_UNUSED gint64
tj_int (JsonNode * root, const gchar * path)
{
  JsonNode *n = tj_at (root, path);

  fail_unless (n != NULL, "missing %s", path);
  fail_unless (JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_INT64, "%s is not an integer",
      path);
  return json_node_get_int (n);
}

static G_GNUC_UNUSED gdouble
tj_double (JsonNode * root, const gchar * path)
{
  JsonNode *n = tj_at (root, path);

  fail_unless (n != NULL, "missing %s", path);
  fail_unless (JSON_NODE_HOLDS_VALUE (n), "%s is not a number", path);
  return json_node_get_double (n);
}

static G_GNUC_UNUSED gboolean
tj_bool (JsonNode * root, const gchar * path)
{
  JsonNode *n = tj_at (root, path);

  fail_unless (n != NULL, "missing %s", path);
  fail_unless (JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == G_TYPE_BOOLEAN, "%s is not boolean",
      path);
  return json_node_get_boolean (n);
}

static G_GNUC_UNUSED gboolean
tj_is_null (JsonNode * root, const gchar * path)
{
  JsonNode *n = tj_at (root, path);

  return n != NULL && JSON_NODE_HOLDS_NULL (n);
}

/* Number of members of an object, or elements of an array, at @path. */
static G_GNUC_UNUSED guint
tj_size (JsonNode * root, const gchar * path)
{
  JsonNode *n = path ? tj_at (root, path) : root;

  fail_unless (n != NULL, "missing %s", path);
  if (JSON_NODE_HOLDS_OBJECT (n))
    return json_object_get_size (json_node_get_object (n));
  fail_unless (JSON_NODE_HOLDS_ARRAY (n), "%s is not a container", path);
  return json_array_get_length (json_node_get_array (n));
}

#endif
