/* gst-sandra: tolerant readers for JSON received from the services
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __SANDRA_JSON_UTIL_H__
#define __SANDRA_JSON_UTIL_H__

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Services add and change fields without notice, so a member of another
 * type than documented reads as absent instead of failing the whole
 * message. Every accessor accepts a NULL object (an absent parent). */

const gchar *sandra_json_get_string (JsonObject * o, const gchar * name);

/* Integers and floating-point numbers alike. */
gboolean sandra_json_get_number (JsonObject * o, const gchar * name,
    gdouble * out);

/* The number truncated to an integer, or @fallback when absent, not a
 * number or outside gint64. */
gint64 sandra_json_get_int (JsonObject * o, const gchar * name,
    gint64 fallback);

gdouble sandra_json_get_double (JsonObject * o, const gchar * name,
    gdouble fallback);

JsonObject *sandra_json_get_object (JsonObject * o, const gchar * name);
JsonArray *sandra_json_get_array (JsonObject * o, const gchar * name);

/* Parses @data, which must be a JSON object. @what names the message in
 * the error ("Realtime server event"). Returns a new reference, or NULL
 * with @error set: JSON_PARSER_ERROR for malformed JSON,
 * G_IO_ERROR_INVALID_DATA for another kind of value. */
JsonObject *sandra_json_parse_object (const gchar * data, gssize length,
    const gchar * what, GError ** error);

G_END_DECLS

#endif /* __SANDRA_JSON_UTIL_H__ */
