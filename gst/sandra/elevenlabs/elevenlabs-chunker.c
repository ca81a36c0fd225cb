/* gst-sandra: text chunking for streamed speech synthesis
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elevenlabs-chunker.h"

#include <string.h>

struct _ElevenlabsChunker
{
  GString *pending;
  guint max_chars;
  gboolean stream_words;
};

/* Words after which a full stop does not end a sentence. */
static const gchar *const abbreviations[] = { "mr", "mrs", "ms", "dr",
  "st", "jr", "sr", "prof", "vs", "etc", "e.g", "i.e", "no", "sra", "sr",
  "dra", "approx", NULL
};

void
elevenlabs_chunk_free (ElevenlabsChunk * chunk)
{
  if (chunk == NULL)
    return;
  g_free (chunk->text);
  g_free (chunk);
}

ElevenlabsChunker *
elevenlabs_chunker_new (guint max_chars)
{
  ElevenlabsChunker *c = g_new0 (ElevenlabsChunker, 1);

  c->pending = g_string_new (NULL);
  c->max_chars = MAX (max_chars, 16);
  return c;
}

void
elevenlabs_chunker_free (ElevenlabsChunker * c)
{
  if (c == NULL)
    return;
  g_string_free (c->pending, TRUE);
  g_free (c);
}

void
elevenlabs_chunker_set_stream_words (ElevenlabsChunker * c, gboolean stream)
{
  c->stream_words = stream;
}

void
elevenlabs_chunker_reset (ElevenlabsChunker * c)
{
  g_string_truncate (c->pending, 0);
}

guint
elevenlabs_chunker_pending (ElevenlabsChunker * c)
{
  return g_utf8_strlen (c->pending->str, -1);
}

/* Adds pending[0..len) as a chunk: whitespace runs collapsed to one space,
 * no leading space, exactly one trailing space. Blank text adds nothing. */
static void
emit (ElevenlabsChunker * c, gsize len, gboolean flush, GPtrArray * out)
{
  GString *s = g_string_sized_new (len + 1);
  gboolean space = TRUE;        /* drops leading whitespace */
  gsize i;

  for (i = 0; i < len; i++) {
    gchar ch = c->pending->str[i];

    if (g_ascii_isspace (ch)) {
      if (!space)
        g_string_append_c (s, ' ');
      space = TRUE;
    } else {
      g_string_append_c (s, ch);
      space = FALSE;
    }
  }
  g_string_erase (c->pending, 0, len);
  if (s->len == 0) {
    g_string_free (s, TRUE);
    return;
  }
  if (s->str[s->len - 1] != ' ')
    g_string_append_c (s, ' ');
  {
    ElevenlabsChunk *chunk = g_new0 (ElevenlabsChunk, 1);

    chunk->text = g_string_free (s, FALSE);
    chunk->flush = flush;
    g_ptr_array_add (out, chunk);
  }
}

static gboolean
is_abbreviation (const gchar * str, gsize dot)
{
  gsize start = dot;
  gchar *word;
  gboolean abbr;

  while (start > 0 && !g_ascii_isspace (str[start - 1]))
    start--;
  if (dot == start)
    return FALSE;
  word = g_ascii_strdown (str + start, dot - start);
  abbr = g_strv_contains (abbreviations, word) ||
      /* single letters: initials ("J. R. R. Tolkien") */
      (dot - start == 1 && g_ascii_isalpha (str[start]));
  g_free (word);
  return abbr;
}

/* End of the first sentence in pending (just past its terminator and the
 * whitespace that follows it), or 0 when there is none yet. A terminator
 * only counts once whitespace follows it: "3." may become "3.5". */
static gsize
sentence_end (ElevenlabsChunker * c)
{
  const gchar *str = c->pending->str;
  const gchar *p;

  for (p = str; *p; p = g_utf8_next_char (p)) {
    gunichar ch = g_utf8_get_char (p);
    const gchar *next = g_utf8_next_char (p);

    if (ch == '\n' && p != str)
      return next - str;
    if (ch == 0x3002 || ch == 0xFF01 || ch == 0xFF1F)   /* 。！？ */
      return next - str;
    if (ch != '.' && ch != '!' && ch != '?' && ch != 0x2026)
      continue;
    /* runs of terminators and closing quotes belong to the sentence */
    while (*next && strchr (".!?\"')]", *next))
      next++;
    if (!*next || !g_ascii_isspace (*next))
      continue;
    if (ch == '.' && is_abbreviation (str, p - str))
      continue;
    while (*next && g_ascii_isspace (*next))
      next++;
    return next - str;
  }
  return 0;
}

/* Byte length up to the last whitespace within the first max_chars. */
static gsize
word_cut (ElevenlabsChunker * c)
{
  const gchar *str = c->pending->str, *p;
  gsize last = 0;
  guint n = 0;

  for (p = str; *p && n < c->max_chars; p = g_utf8_next_char (p), n++)
    if (g_ascii_isspace (*p))
      last = p - str + 1;
  return last;
}

void
elevenlabs_chunker_push (ElevenlabsChunker * c, const gchar * text,
    GPtrArray * out)
{
  gsize end;

  g_string_append (c->pending, text);
  while ((end = sentence_end (c)) > 0)
    emit (c, end, TRUE, out);
  if (c->stream_words) {
    const gchar *str = c->pending->str;
    gsize i, last = 0;

    /* Complete words go at once, unflushed: the service buffers them by
     * its chunk_length_schedule and starts a long sentence before it
     * ends. A word still being typed waits for its whitespace. */
    for (i = 0; i < c->pending->len; i++)
      if (g_ascii_isspace (str[i]))
        last = i + 1;
    if (last)
      emit (c, last, FALSE, out);
  }
  while (elevenlabs_chunker_pending (c) > c->max_chars) {
    gsize cut = word_cut (c);

    /* one enormous word: send it whole rather than never */
    emit (c, cut ? cut : c->pending->len, FALSE, out);
  }
}

void
elevenlabs_chunker_finish (ElevenlabsChunker * c, GPtrArray * out)
{
  emit (c, c->pending->len, TRUE, out);
}
