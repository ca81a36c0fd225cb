/* gst-sandra: mapping ElevenLabs alignment back onto the sent text
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

#include "elevenlabs-heard.h"

/* Sends @sentences (each a flushed chunk), hears @spoken character by
 * character, and returns the text that would be sent again. */
static gchar *
resume (const gchar * const *sentences, const gchar * spoken,
    ElevenlabsHeardMatch * match)
{
  ElevenlabsHeard *h = elevenlabs_heard_new ();
  GPtrArray *chars = g_ptr_array_new_with_free_func (g_free);
  const gchar *p;
  gchar *rest;

  for (; *sentences; sentences++)
    elevenlabs_heard_add_sent (h, *sentences, TRUE);
  /* as the service reports it: one entry per character */
  for (p = spoken; *p; p = g_utf8_next_char (p))
    g_ptr_array_add (chars, g_strndup (p, g_utf8_next_char (p) - p));
  elevenlabs_heard_add_spoken (h, (const gchar * const *) chars->pdata,
      chars->len);
  rest = g_strdup (elevenlabs_heard_get_text (h) +
      elevenlabs_heard_resume_offset (h, match));
  g_ptr_array_unref (chars);
  elevenlabs_heard_free (h);
  return rest;
}

#define check_resume(sentences, spoken, expected, expected_match) G_STMT_START { \
  ElevenlabsHeardMatch m;                                                     \
  gchar *r = resume (sentences, spoken, &m);                                  \
  fail_unless_equals_string (r, expected);                                    \
  fail_unless_equals_int (m, expected_match);                                 \
  g_free (r);                                                                 \
} G_STMT_END

static const gchar *const hello[] = { "Hello world. ", "How are you? ", NULL };
static const gchar *const apples[] =
    { "I have 42 apples and two pears. ", "That is all. ", NULL };
static const gchar *const drove[] =
    { "Dr. Lee drove 42 km to the old mill. ", NULL };

GST_START_TEST (test_spoken_as_sent)
{
  check_resume (hello, "", "Hello world. How are you? ",
      ELEVENLABS_HEARD_EXACT);
  check_resume (hello, " Hello world. How ", "are you? ",
      ELEVENLABS_HEARD_EXACT);
  /* a word cut by the drop loses its tail, it is not said twice */
  check_resume (hello, "Hello wor", "How are you? ", ELEVENLABS_HEARD_EXACT);
  /* the last word complete, no space after it (end of a generation) */
  check_resume (hello, "Hello world.", "How are you? ", ELEVENLABS_HEARD_EXACT);
  check_resume (hello, "Hello world. How are you?", "", ELEVENLABS_HEARD_EXACT);
}

GST_END_TEST;

/* Counting characters, "forty two" is seven more than "42": the rest
 * would start three words too late ("pears."). Words place it. */
GST_START_TEST (test_numbers_expanded)
{
  check_resume (apples, "I have forty two apples ", "and two pears. "
      "That is all. ", ELEVENLABS_HEARD_EXACT);
  /* "two" further on is not taken for the "two" of "forty two" */
  check_resume (apples, "I have forty two ", "apples and two pears. "
      "That is all. ", ELEVENLABS_HEARD_WORD_CUT);
  /* the drop cut "42" as it was said: its tail is lost, like a word's */
  check_resume (apples, "I have forty ", "apples and two pears. "
      "That is all. ", ELEVENLABS_HEARD_WORD_CUT);
  check_resume (apples, "I have forty two apples and tw", "pears. "
      "That is all. ", ELEVENLABS_HEARD_EXACT);
  /* a cut word said otherwise than written, after a normalised one */
  check_resume (drove, "Doctor Lee drove forty two kil", "to the old mill. ",
      ELEVENLABS_HEARD_WORD_CUT);
  /* "t" of "two" is not taken for "to" two written words on */
  check_resume (drove, "Doctor Lee drove forty t", "km to the old mill. ",
      ELEVENLABS_HEARD_WORD_CUT);
}

GST_END_TEST;

GST_START_TEST (test_abbreviations_and_case)
{
  static const gchar *const doctor[] =
      { "Dr. Smith arrived at 5 pm today. ", "She left at once. ", NULL };

  /* "Dr." said "Doctor", "pm" said as two letters, case changed */
  check_resume (doctor, "doctor SMITH arrived at five p m ",
      "today. She left at once. ", ELEVENLABS_HEARD_EXACT);
  check_resume (doctor, "Doctor Smith arrived at five p m today. She ",
      "left at once. ", ELEVENLABS_HEARD_EXACT);
}

GST_END_TEST;

/* Whitespace collapsed and symbols dropped by the service: characters
 * counted would fall short and repeat words. */
GST_START_TEST (test_whitespace_and_symbols)
{
  static const gchar *const spaced[] =
      { "Great  \u2014  news:   we ", "won \U0001F642 ... the cup! ", NULL };

  check_resume (spaced, "Great news we won the ", "cup! ",
      ELEVENLABS_HEARD_EXACT);
  check_resume (spaced, "Great news: we won", "\U0001F642 ... the cup! ",
      ELEVENLABS_HEARD_EXACT);
}

GST_END_TEST;

/* An alignment that spells something else entirely: the sentence in
 * which the characters counted end is said again from its start. */
GST_START_TEST (test_lost_falls_back_to_sentence)
{
  static const gchar *const three[] = { "First sentence here. ",
    "Second one follows now. ", "Third comes last. ", NULL
  };

  /* 20 characters: past the first sentence (18), in the second */
  check_resume (three, "zz yy xx ww vv uu tt ss rr qq ",
      "Second one follows now. Third comes last. ", ELEVENLABS_HEARD_LOST);
  /* placed words before the confusion still count */
  check_resume (three, "First sentence here. Second zz yy xx ww vv uu tt ss "
      "rr qq pp oo ", "Third comes last. ", ELEVENLABS_HEARD_LOST);
}

GST_END_TEST;

/* After a resend, the spoken characters start at the resent text. */
GST_START_TEST (test_restart)
{
  ElevenlabsHeard *h = elevenlabs_heard_new ();
  const gchar *said[] = { "I", " ", "have", " ", "forty", " ", "two", " " };
  const gchar *said_after[] = { "apples", " ", "and", " " };
  gsize off;

  elevenlabs_heard_add_sent (h, "I have 42 apples and two pears. ", TRUE);
  elevenlabs_heard_add_spoken (h, said, G_N_ELEMENTS (said));
  off = elevenlabs_heard_resume_offset (h, NULL);
  fail_unless_equals_string (elevenlabs_heard_get_text (h) + off,
      "apples and two pears. ");
  elevenlabs_heard_restart (h, off);
  elevenlabs_heard_add_spoken (h, said_after, G_N_ELEMENTS (said_after));
  elevenlabs_heard_add_sent (h, "More. ", TRUE);
  off = elevenlabs_heard_resume_offset (h, NULL);
  fail_unless_equals_string (elevenlabs_heard_get_text (h) + off,
      "two pears. More. ");
  elevenlabs_heard_free (h);
}

GST_END_TEST;

static Suite *
elevenlabs_heard_suite (void)
{
  Suite *s = suite_create ("elevenlabs-heard");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_spoken_as_sent);
  tcase_add_test (tc, test_numbers_expanded);
  tcase_add_test (tc, test_abbreviations_and_case);
  tcase_add_test (tc, test_whitespace_and_symbols);
  tcase_add_test (tc, test_lost_falls_back_to_sentence);
  tcase_add_test (tc, test_restart);
  return s;
}

GST_CHECK_MAIN (elevenlabs_heard);
