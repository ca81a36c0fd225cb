/* gst-sandra: finds sentence ends in text that arrives in pieces
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The assistant's transcript (or text) arrives as deltas of a few
 * characters. A synthesizer downstream speaks best, and soonest, when told
 * where each sentence ends, so the element sends an end-of-sentence event
 * after the delta that completes one. A sentence ends at '.', '!', '?' or
 * '…' (optionally followed by closing quotes or brackets) once whitespace
 * follows, so that "3.5" or "e.g." inside a delta does not end it early;
 * the CJK full stops '。', '！', '？' end it at once. What remains when the
 * text is done is the last sentence.
 *
 * Not thread-safe.
 */
#ifndef __SANDRA_SENTENCE_SPLITTER_H__
#define __SANDRA_SENTENCE_SPLITTER_H__

#include <glib.h>

G_BEGIN_DECLS typedef struct _SandraSentenceSplitter SandraSentenceSplitter;

SandraSentenceSplitter *sandra_sentence_splitter_new (void);
void sandra_sentence_splitter_free (SandraSentenceSplitter * splitter);

/* Adds @delta (UTF-8). Returns the sentences it completed, in order, with
 * surrounding whitespace trimmed (NULL-terminated; free with g_strfreev),
 * or NULL when none. */
gchar **sandra_sentence_splitter_push (SandraSentenceSplitter * splitter,
    const gchar * delta);

/* The text is complete: returns the unfinished last sentence, trimmed, or
 * NULL if only whitespace is left. Resets the splitter. */
gchar *sandra_sentence_splitter_finish (SandraSentenceSplitter * splitter);

/* Forgets pending text. */
void sandra_sentence_splitter_reset (SandraSentenceSplitter * splitter);

G_END_DECLS
#endif /* __SANDRA_SENTENCE_SPLITTER_H__ */
