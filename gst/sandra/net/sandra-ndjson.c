/* gst-sandra: newline-delimited JSON reader
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-ndjson.h"

#include <string.h>

#define DEFAULT_MAX_LINE (64 * 1024 * 1024)

struct _SandraNdjsonParser
{
  SandraNdjsonFunc func;
  gpointer user_data;
  GString *line;
  JsonParser *json;
  gsize max_line;
  gboolean overflow;
};

SandraNdjsonParser *
sandra_ndjson_parser_new (SandraNdjsonFunc func, gpointer user_data)
{
  SandraNdjsonParser *p = g_new0 (SandraNdjsonParser, 1);

  p->func = func;
  p->user_data = user_data;
  p->line = g_string_new (NULL);
  p->json = json_parser_new_immutable ();
  p->max_line = DEFAULT_MAX_LINE;
  return p;
}

void
sandra_ndjson_parser_set_max_line (SandraNdjsonParser * parser, gsize max)
{
  parser->max_line = max;
}

static void
emit_line (SandraNdjsonParser * p)
{
  gsize len = p->line->len;
  GError *err = NULL;

  if (len && p->line->str[len - 1] == '\r')
    g_string_truncate (p->line, --len);
  /* blank (or whitespace-only) lines separate nothing: skip them */
  {
    gsize i;
    for (i = 0; i < len; i++)
      if (!g_ascii_isspace (p->line->str[i]))
        break;
    if (i == len) {
      g_string_truncate (p->line, 0);
      return;
    }
  }

  if (json_parser_load_from_data (p->json, p->line->str, len, &err)
      && json_parser_get_root (p->json)) {
    if (p->func)
      p->func (json_parser_get_root (p->json), p->line->str, NULL,
          p->user_data);
  } else {
    if (err == NULL)
      err =
          g_error_new_literal (JSON_PARSER_ERROR,
          JSON_PARSER_ERROR_INVALID_DATA, "empty JSON document");
    if (p->func)
      p->func (NULL, p->line->str, err, p->user_data);
  }
  g_clear_error (&err);
  g_string_truncate (p->line, 0);
}

gboolean
sandra_ndjson_parser_feed (SandraNdjsonParser * p, const guint8 * data,
    gsize len)
{
  gboolean ok = TRUE;

  g_return_val_if_fail (p != NULL, FALSE);

  while (len > 0) {
    const guint8 *nl = memchr (data, '\n', len);
    gsize chunk = nl ? (gsize) (nl - data) : len;

    if (!p->overflow) {
      if (p->line->len + chunk > p->max_line) {
        g_string_truncate (p->line, 0);
        p->overflow = TRUE;
        ok = FALSE;
      } else {
        g_string_append_len (p->line, (const gchar *) data, chunk);
      }
    }
    if (nl == NULL)
      break;
    if (p->overflow)
      p->overflow = FALSE;
    else
      emit_line (p);
    data = nl + 1;
    len -= chunk + 1;
  }
  return ok;
}

void
sandra_ndjson_parser_finish (SandraNdjsonParser * p)
{
  g_return_if_fail (p != NULL);

  if (!p->overflow && p->line->len)
    emit_line (p);
  g_string_truncate (p->line, 0);
  p->overflow = FALSE;
}

void
sandra_ndjson_parser_free (SandraNdjsonParser * p)
{
  if (p == NULL)
    return;
  g_string_free (p->line, TRUE);
  g_object_unref (p->json);
  g_free (p);
}
