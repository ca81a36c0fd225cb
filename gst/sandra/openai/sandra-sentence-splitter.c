/* gst-sandra: finds sentence ends in text that arrives in pieces
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sandra-sentence-splitter.h"

#include <string.h>

struct _SandraSentenceSplitter
{
  GString *pending;
};

SandraSentenceSplitter *
sandra_sentence_splitter_new (void)
{
  SandraSentenceSplitter *s = g_new0 (SandraSentenceSplitter, 1);

  s->pending = g_string_new (NULL);
  return s;
}

void
sandra_sentence_splitter_free (SandraSentenceSplitter * splitter)
{
  if (splitter == NULL)
    return;
  g_string_free (splitter->pending, TRUE);
  g_free (splitter);
}

void
sandra_sentence_splitter_reset (SandraSentenceSplitter * splitter)
{
  g_string_truncate (splitter->pending, 0);
}

static gboolean
is_terminator (gunichar c)
{
  return c == '.' || c == '!' || c == '?' || c == 0x2026;
}

static gboolean
is_immediate_terminator (gunichar c)
{
  return c == 0x3002 || c == 0xFF01 || c == 0xFF1F;
}

static gboolean
is_closer (gunichar c)
{
  return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0x201D
      || c == 0x2019 || c == 0xBB;
}

static gchar *
trimmed (const gchar * start, const gchar * end)
{
  gchar *s = g_strndup (start, end - start);

  g_strstrip (s);
  if (*s == '\0') {
    g_free (s);
    return NULL;
  }
  return s;
}

gchar **
sandra_sentence_splitter_push (SandraSentenceSplitter * splitter,
    const gchar * delta)
{
  GPtrArray *out = NULL;
  const gchar *p, *start, *cut = NULL;
  gsize consumed = 0;

  if (delta == NULL || *delta == '\0')
    return NULL;
  g_string_append (splitter->pending, delta);

  start = splitter->pending->str;
  for (p = start; *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    const gchar *end = NULL;

    if (is_immediate_terminator (c)) {
      end = g_utf8_next_char (p);
    } else if (is_terminator (c)) {
      const gchar *q = g_utf8_next_char (p);

      while (*q && (is_terminator (g_utf8_get_char (q)) ||
              is_closer (g_utf8_get_char (q))))
        q = g_utf8_next_char (q);
      /* Only whitespace proves the sentence is over; at the end of the
       * pending text we must wait for the next delta. */
      if (*q && g_unichar_isspace (g_utf8_get_char (q)))
        end = q;
      else if (*q == '\0')
        break;
      p = g_utf8_prev_char (q);
    }
    if (end) {
      gchar *sentence = trimmed (start + consumed, end);

      if (sentence) {
        if (out == NULL)
          out = g_ptr_array_new ();
        g_ptr_array_add (out, sentence);
      }
      consumed = end - start;
      cut = end;
    }
  }
  if (cut)
    g_string_erase (splitter->pending, 0, consumed);
  if (out == NULL)
    return NULL;
  g_ptr_array_add (out, NULL);
  return (gchar **) g_ptr_array_free (out, FALSE);
}

gchar *
sandra_sentence_splitter_finish (SandraSentenceSplitter * splitter)
{
  gchar *rest = trimmed (splitter->pending->str,
      splitter->pending->str + splitter->pending->len);

  g_string_truncate (splitter->pending, 0);
  return rest;
}
