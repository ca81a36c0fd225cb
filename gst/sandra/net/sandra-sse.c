/* gst-sandra: Server-Sent Events reader
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-sse.h"

#include <string.h>

#define DEFAULT_MAX_LINE (16 * 1024 * 1024)

struct _SandraSseParser
{
  SandraSseEventFunc func;
  gpointer user_data;

  GString *line;                /* current, unterminated line */
  GString *data;                /* data buffer of the pending event */
  gchar *event;                 /* event type of the pending event */
  gchar *last_id;
  gint64 retry_ms;
  gsize max_line;

  gboolean have_data;           /* at least one data: line in this event */
  gboolean skip_lf;             /* last byte was CR: a following LF ends nothing */
  gboolean at_start;            /* BOM check pending */
  guint bom_len;                /* BOM bytes matched so far */
  gboolean overflow;            /* discarding the rest of an oversized line */
};

SandraSseParser *
sandra_sse_parser_new (SandraSseEventFunc func, gpointer user_data)
{
  SandraSseParser *p = g_new0 (SandraSseParser, 1);

  p->func = func;
  p->user_data = user_data;
  p->line = g_string_new (NULL);
  p->data = g_string_new (NULL);
  p->retry_ms = -1;
  p->max_line = DEFAULT_MAX_LINE;
  p->at_start = TRUE;
  return p;
}

void
sandra_sse_parser_set_max_line (SandraSseParser * parser, gsize max)
{
  parser->max_line = max;
}

gint64
sandra_sse_parser_get_retry_ms (SandraSseParser * parser)
{
  return parser->retry_ms;
}

static void
dispatch (SandraSseParser * p)
{
  if (p->have_data) {
    /* the spec appends '\n' after every data line, then strips the last */
    if (p->data->len && p->data->str[p->data->len - 1] == '\n')
      g_string_truncate (p->data, p->data->len - 1);
    if (p->func)
      p->func (p->event ? p->event : "message", p->data->str, p->data->len,
          p->last_id, p->user_data);
  }
  g_string_truncate (p->data, 0);
  g_clear_pointer (&p->event, g_free);
  p->have_data = FALSE;
}

static void
process_line (SandraSseParser * p, const gchar * line, gsize len)
{
  const gchar *colon, *value;
  gsize name_len, value_len;

  if (len == 0) {
    dispatch (p);
    return;
  }
  if (line[0] == ':')
    return;

  colon = memchr (line, ':', len);
  if (colon) {
    name_len = colon - line;
    value = colon + 1;
    value_len = len - name_len - 1;
    if (value_len && *value == ' ') {
      value++;
      value_len--;
    }
  } else {
    name_len = len;
    value = "";
    value_len = 0;
  }

#define FIELD_IS(n) (name_len == strlen (n) && memcmp (line, n, name_len) == 0)
  if (FIELD_IS ("data")) {
    g_string_append_len (p->data, value, value_len);
    g_string_append_c (p->data, '\n');
    p->have_data = TRUE;
  } else if (FIELD_IS ("event")) {
    g_free (p->event);
    p->event = g_strndup (value, value_len);
  } else if (FIELD_IS ("id")) {
    if (memchr (value, '\0', value_len) == NULL) {
      g_free (p->last_id);
      p->last_id = g_strndup (value, value_len);
    }
  } else if (FIELD_IS ("retry")) {
    gsize i;
    gint64 v = 0;

    for (i = 0; i < value_len; i++) {
      if (!g_ascii_isdigit (value[i]))
        break;
      /* a value that does not fit is ignored like any invalid one */
      if (v > (G_MAXINT64 - (value[i] - '0')) / 10)
        break;
      v = v * 10 + (value[i] - '0');
    }
    if (value_len > 0 && i == value_len)
      p->retry_ms = v;
  }
#undef FIELD_IS
}

static const guint8 utf8_bom[] = { 0xEF, 0xBB, 0xBF };

static gboolean
feed_lines (SandraSseParser * p, const guint8 * data, gsize len)
{
  gboolean ok = TRUE;
  gsize i;

  for (i = 0; i < len; i++) {
    guint8 c = data[i];
    gsize j;

    if (p->skip_lf) {
      p->skip_lf = FALSE;
      if (c == '\n')
        continue;
    }
    if (c == '\r' || c == '\n') {
      p->skip_lf = (c == '\r');
      if (p->overflow)
        p->overflow = FALSE;
      else
        process_line (p, p->line->str, p->line->len);
      g_string_truncate (p->line, 0);
      continue;
    }
    if (p->overflow)
      continue;

    /* append the run up to the next line end at once */
    for (j = i; j < len && data[j] != '\r' && data[j] != '\n'; j++);
    if (p->line->len + (j - i) > p->max_line) {
      g_string_truncate (p->line, 0);
      p->overflow = TRUE;
      ok = FALSE;
    } else {
      g_string_append_len (p->line, (const gchar *) data + i, j - i);
    }
    i = j - 1;
  }
  return ok;
}

gboolean
sandra_sse_parser_feed (SandraSseParser * p, const guint8 * data, gsize len)
{
  gsize i = 0;

  g_return_val_if_fail (p != NULL, FALSE);

  /* A leading BOM is skipped; it may itself arrive split across chunks. */
  while (p->at_start && i < len) {
    if (data[i] != utf8_bom[p->bom_len]) {
      p->at_start = FALSE;
      /* what looked like a BOM prefix was text */
      if (p->bom_len && !feed_lines (p, utf8_bom, p->bom_len))
        return FALSE;
      break;
    }
    i++;
    if (++p->bom_len == sizeof (utf8_bom))
      p->at_start = FALSE;
  }

  return feed_lines (p, data + i, len - i);
}

void
sandra_sse_parser_finish (SandraSseParser * p)
{
  g_return_if_fail (p != NULL);

  g_string_truncate (p->line, 0);
  g_string_truncate (p->data, 0);
  g_clear_pointer (&p->event, g_free);
  g_clear_pointer (&p->last_id, g_free);
  p->have_data = FALSE;
  p->skip_lf = FALSE;
  p->overflow = FALSE;
  p->at_start = TRUE;
  p->bom_len = 0;
}

void
sandra_sse_parser_free (SandraSseParser * p)
{
  if (p == NULL)
    return;
  g_string_free (p->line, TRUE);
  g_string_free (p->data, TRUE);
  g_free (p->event);
  g_free (p->last_id);
  g_free (p);
}
