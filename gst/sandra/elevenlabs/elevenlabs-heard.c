/* gst-sandra: which of the text sent to ElevenLabs was heard
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elevenlabs-heard.h"

#include <string.h>

/* Sent words a spoken word is looked for in, from the first one not
 * placed: enough to get past a normalised token or two, short enough
 * that a common word ("the") is not taken for one further on. */
#define LOOKAHEAD 8
/* Spoken words in a row that found no place before the alignment is
 * taken to be lost (another spelling of the text altogether). */
#define LOST_WORDS 8
/* Unplaced spoken words that may together spell one sent word (a
 * compound said as two: "well-known" heard as "well", "known"). */
#define MAX_JOIN 3

struct _ElevenlabsHeard
{
  GString *sent;
  GArray *bounds;               /* gsize: byte offsets where sentences end */
  gsize cursor;                 /* end of the last sent word placed */
  GString *partial;             /* spoken characters of an unfinished word */
  GPtrArray *unplaced;          /* keys of spoken words not placed, in order */
  gsize restart;                /* where the spoken stream (re)started */
  guint spoken;                 /* non-space characters spoken since */
};

ElevenlabsHeard *
elevenlabs_heard_new (void)
{
  ElevenlabsHeard *h = g_new0 (ElevenlabsHeard, 1);

  h->sent = g_string_new (NULL);
  h->bounds = g_array_new (FALSE, FALSE, sizeof (gsize));
  h->partial = g_string_new (NULL);
  h->unplaced = g_ptr_array_new_with_free_func (g_free);
  return h;
}

void
elevenlabs_heard_free (ElevenlabsHeard * h)
{
  if (h == NULL)
    return;
  g_string_free (h->sent, TRUE);
  g_array_unref (h->bounds);
  g_string_free (h->partial, TRUE);
  g_ptr_array_unref (h->unplaced);
  g_free (h);
}

void
elevenlabs_heard_add_sent (ElevenlabsHeard * h, const gchar * text,
    gboolean boundary)
{
  g_string_append (h->sent, text);
  if (boundary)
    g_array_append_val (h->bounds, h->sent->len);
}

const gchar *
elevenlabs_heard_get_text (ElevenlabsHeard * h)
{
  return h->sent->str;
}

static gboolean
is_space (const gchar * p)
{
  return g_unichar_isspace (g_utf8_get_char (p));
}

static gsize
skip_spaces (const GString * s, gsize pos)
{
  while (pos < s->len && is_space (s->str + pos))
    pos = g_utf8_next_char (s->str + pos) - s->str;
  return pos;
}

/* The word at or after @pos: [*start, *end). FALSE at the end. */
static gboolean
next_word (const GString * s, gsize pos, gsize * start, gsize * end)
{
  pos = skip_spaces (s, pos);
  if (pos >= s->len)
    return FALSE;
  *start = pos;
  while (pos < s->len && !is_space (s->str + pos))
    pos = g_utf8_next_char (s->str + pos) - s->str;
  *end = pos;
  return TRUE;
}

/* What two spellings of a word have in common once the service has
 * normalised one: its letters and digits, case-folded. */
static gchar *
word_key (const gchar * word, gssize len)
{
  GString *alnum = g_string_new (NULL);
  const gchar *p, *end = word + (len < 0 ? (gssize) strlen (word) : len);
  gchar *key;

  for (p = word; p < end; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);

    if (g_unichar_isalnum (c))
      g_string_append_unichar (alnum, c);
  }
  key = g_utf8_casefold (alnum->str, alnum->len);
  g_string_free (alnum, TRUE);
  return key;
}

/* Whether @key, with the last @join unplaced keys before it, spells
 * @target. */
static gboolean
joined_equals (ElevenlabsHeard * h, guint join, const gchar * key,
    const gchar * target)
{
  GString *s = g_string_new (NULL);
  gboolean eq;
  guint i;

  for (i = h->unplaced->len - join; i < h->unplaced->len; i++)
    g_string_append (s, g_ptr_array_index (h->unplaced, i));
  g_string_append (s, key);
  eq = g_str_equal (s->str, target);
  g_string_free (s, TRUE);
  return eq;
}

typedef enum
{
  PLACE_WORD,                   /* @key is the whole word */
  PLACE_PREFIX,                 /* @key begins the word (cut by the drop) */
  PLACE_INITIAL,                /* @key begins the word's spoken form,
                                 * which may differ: "kil" for "km" */
} PlaceMode;

/* Looks for the sent word spoken as @key among the next LOOKAHEAD sent
 * words after @from. A word further on is accepted only when the sent
 * words skipped to reach it can have been said as the unplaced spoken
 * words (a sent word is said as one spoken word or more, or dropped:
 * one skipped word more than unplaced ones is allowed for that, but not
 * for a mere beginning). Sets @end to the end of the word found. */
static gboolean
place (ElevenlabsHeard * h, gsize from, guint n_unplaced, const gchar * key,
    PlaceMode mode, gsize * end)
{
  gsize pos = from, s, e;
  guint i, skipped = 0;

  for (i = 0; i < LOOKAHEAD && next_word (h->sent, pos, &s, &e); i++) {
    gchar *k = word_key (h->sent->str + s, e - s);
    gboolean found = FALSE;

    pos = e;
    if (*k == '\0') {
      /* punctuation alone ("-", "...") is said as nothing */
      g_free (k);
      continue;
    }
    if (mode == PLACE_INITIAL) {
      found = skipped <= n_unplaced &&
          g_utf8_get_char (k) == g_utf8_get_char (key);
    } else if (mode == PLACE_PREFIX) {
      found = skipped <= n_unplaced && g_str_has_prefix (k, key);
    } else if (skipped <= n_unplaced + 1) {
      guint join;

      found = g_str_equal (k, key);
      for (join = 1; !found && join <= MIN (n_unplaced, MAX_JOIN); join++)
        found = joined_equals (h, join, key, k);
    }
    g_free (k);
    if (found) {
      *end = e;
      return TRUE;
    }
    skipped++;
  }
  return FALSE;
}

static void
word_spoken (ElevenlabsHeard * h)
{
  gchar *key = word_key (h->partial->str, h->partial->len);
  gsize end;

  g_string_truncate (h->partial, 0);
  if (*key == '\0') {
    g_free (key);
    return;
  }
  if (place (h, h->cursor, h->unplaced->len, key, PLACE_WORD, &end)) {
    h->cursor = end;
    g_ptr_array_set_size (h->unplaced, 0);
    g_free (key);
  } else {
    g_ptr_array_add (h->unplaced, key);
  }
}

void
elevenlabs_heard_add_spoken (ElevenlabsHeard * h, const gchar * const *chars,
    guint n_chars)
{
  guint i;

  for (i = 0; i < n_chars; i++) {
    const gchar *p;

    for (p = chars[i]; p && *p; p = g_utf8_next_char (p)) {
      if (is_space (p)) {
        word_spoken (h);
        continue;
      }
      h->spoken++;
      g_string_append_unichar (h->partial, g_utf8_get_char (p));
    }
  }
}

/* Where the @n-th non-space character after the restart point lies:
 * what counting characters would say. */
static gsize
count_position (ElevenlabsHeard * h, guint n)
{
  gsize pos = h->restart;

  while (pos < h->sent->len && n > 0) {
    if (!is_space (h->sent->str + pos))
      n--;
    pos = g_utf8_next_char (h->sent->str + pos) - h->sent->str;
  }
  return pos;
}

gsize
elevenlabs_heard_resume_offset (ElevenlabsHeard * h,
    ElevenlabsHeardMatch * match)
{
  gsize cursor = h->cursor, s, e;
  guint n = h->unplaced->len, i;
  ElevenlabsHeardMatch m = ELEVENLABS_HEARD_EXACT;

  if (h->partial->len) {
    gchar *key = word_key (h->partial->str, h->partial->len);

    /* a word cut by the drop (or ending the audio): heard, or half
     * heard; its tail is not said again */
    if (*key && place (h, cursor, n, key, PLACE_PREFIX, &e)) {
      cursor = e;
      n = 0;
    } else if (*key && n && place (h, cursor, n, key, PLACE_INITIAL, &e)) {
      /* said otherwise than written, after other such words ("forty
       * two kil" for "42 km"): the same first letter is all there is */
      cursor = e;
      n = 0;
      m = ELEVENLABS_HEARD_WORD_CUT;
    } else if (*key) {
      n++;
    }
    g_free (key);
  }
  if (n == 0) {
    /* every spoken word has its place */
  } else if (n <= LOST_WORDS) {
    /* the spoken words after the last placed one are how the next sent
     * word was said, cut by the drop: go on after it */
    m = ELEVENLABS_HEARD_WORD_CUT;
    if (next_word (h->sent, cursor, &s, &e))
      cursor = e;
  } else {
    /* The alignment does not spell the text: counting characters gives
     * a rough position, and the sentence it falls in is said again from
     * its start (a repeat at a sentence start is easier on the ear than
     * words lost). */
    gsize estimate = count_position (h, h->spoken);

    m = ELEVENLABS_HEARD_LOST;
    for (i = 0; i < h->bounds->len; i++) {
      gsize b = g_array_index (h->bounds, gsize, i);

      if (b > cursor && b <= estimate)
        cursor = b;
    }
  }
  if (match)
    *match = m;
  return skip_spaces (h->sent, cursor);
}

void
elevenlabs_heard_restart (ElevenlabsHeard * h, gsize offset)
{
  h->cursor = h->restart = MIN (offset, h->sent->len);
  h->spoken = 0;
  g_string_truncate (h->partial, 0);
  g_ptr_array_set_size (h->unplaced, 0);
}
