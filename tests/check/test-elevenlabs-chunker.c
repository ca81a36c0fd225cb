/* gst-sandra: text chunking for elevenlabstts
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "elevenlabs-chunker.h"

/* Pushes @pieces (NULL-terminated) and finishes; returns "text|flush"
 * lines joined by newlines. */
static gchar *
chunk (guint max_chars, const gchar ** pieces, gboolean finish)
{
  ElevenlabsChunker *c = elevenlabs_chunker_new (max_chars);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      elevenlabs_chunk_free);
  GString *s = g_string_new (NULL);
  guint i;

  for (; *pieces; pieces++)
    elevenlabs_chunker_push (c, *pieces, out);
  if (finish)
    elevenlabs_chunker_finish (c, out);
  for (i = 0; i < out->len; i++) {
    ElevenlabsChunk *ch = g_ptr_array_index (out, i);

    g_string_append_printf (s, "%s[%s]%s", i ? "\n" : "", ch->text,
        ch->flush ? "F" : "");
  }
  g_ptr_array_unref (out);
  elevenlabs_chunker_free (c);
  return g_string_free (s, FALSE);
}

GST_START_TEST (test_tokens_to_sentences)
{
  const gchar *tokens[] = { "Hel", "lo", " wor", "ld.", " How", " are",
    " you", "?", " I'm", " fine", NULL
  };
  gchar *r = chunk (250, tokens, FALSE);

  /* "fine" waits: the sentence is not over */
  fail_unless_equals_string (r, "[Hello world. ]F\n[How are you? ]F");
  g_free (r);
  r = chunk (250, tokens, TRUE);
  fail_unless_equals_string (r, "[Hello world. ]F\n[How are you? ]F\n"
      "[I'm fine ]F");
  g_free (r);
}

GST_END_TEST;

GST_START_TEST (test_stream_words)
{
  const gchar *tokens[] = { "Hel", "lo", " wor", "ld.", " Mr.", " Smith",
    " is", " here", NULL
  };
  ElevenlabsChunker *c = elevenlabs_chunker_new (250);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      elevenlabs_chunk_free);
  GString *s = g_string_new (NULL);
  const gchar **t;
  guint i;

  elevenlabs_chunker_set_stream_words (c, TRUE);
  for (t = tokens; *t; t++)
    elevenlabs_chunker_push (c, *t, out);
  /* "here" is still being typed */
  fail_unless_equals_int (elevenlabs_chunker_pending (c), 4);
  elevenlabs_chunker_finish (c, out);
  for (i = 0; i < out->len; i++) {
    ElevenlabsChunk *ch = g_ptr_array_index (out, i);

    g_string_append_printf (s, "[%s]%s", ch->text, ch->flush ? "F" : "");
  }
  /* whole words as they complete, a flush where a sentence ends */
  fail_unless_equals_string (s->str, "[Hello ][world. ]F[Mr. ][Smith ]"
      "[is ][here ]F");
  g_string_free (s, TRUE);
  g_ptr_array_unref (out);
  elevenlabs_chunker_free (c);
}

GST_END_TEST;

GST_START_TEST (test_not_sentence_ends)
{
  const gchar *a[] = { "It costs 3.50 euros. Mr. Smith and J. R. R. Tolkien "
        "agree", NULL
  };
  const gchar *b[] = { "Wait...", " what?!", " \"Yes.\"", " Done", NULL };
  const gchar *c[] = { "  spaced   out\n\n text  ", NULL };
  gchar *r;

  r = chunk (250, a, TRUE);
  fail_unless_equals_string (r, "[It costs 3.50 euros. ]F\n"
      "[Mr. Smith and J. R. R. Tolkien agree ]F");
  g_free (r);
  r = chunk (250, b, TRUE);
  fail_unless_equals_string (r, "[Wait... ]F\n[what?! ]F\n[\"Yes.\" ]F\n"
      "[Done ]F");
  g_free (r);
  /* whitespace collapsed; a newline ends a chunk */
  r = chunk (250, c, TRUE);
  fail_unless_equals_string (r, "[spaced out ]F\n[text ]F");
  g_free (r);
}

GST_END_TEST;

GST_START_TEST (test_long_sentence_split_at_words)
{
  const gchar *p[] = { "one two three four five six seven eight nine ten "
        "eleven twelve", NULL
  };
  const gchar *blank[] = { "   ", "\n", NULL };
  gchar *r = chunk (20, p, TRUE);

  fail_unless_equals_string (r, "[one two three four ]\n"
      "[five six seven ]\n[eight nine ten ]\n[eleven twelve ]F");
  g_free (r);
  r = chunk (20, blank, TRUE);
  fail_unless_equals_string (r, "");
  g_free (r);
}

GST_END_TEST;

GST_START_TEST (test_utf8)
{
  const gchar *p[] = { "¿Qué tal? ", "Muy bien。", "你好！再见", NULL };
  gchar *r = chunk (250, p, TRUE);

  fail_unless_equals_string (r,
      "[¿Qué tal? ]F\n[Muy bien。 ]F\n[你好！ ]F\n" "[再见 ]F");
  g_free (r);
}

GST_END_TEST;

static Suite *
chunker_suite (void)
{
  Suite *s = suite_create ("elevenlabs-chunker");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_tokens_to_sentences);
  tcase_add_test (tc, test_stream_words);
  tcase_add_test (tc, test_not_sentence_ends);
  tcase_add_test (tc, test_long_sentence_split_at_words);
  tcase_add_test (tc, test_utf8);
  return s;
}

GST_CHECK_MAIN (chunker);
