/* gst-sandra: which of the text sent to ElevenLabs was heard
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * When a WebSocket drops, the service forgets the context; the client
 * sends again, on a new socket, the part of the text that was not heard
 * yet. What was heard is known from the alignment of the audio received,
 * but that alignment need not spell the text that was sent: the service
 * normalises it (numbers and abbreviations expanded, "42" heard as
 * "forty two", whitespace collapsed, symbols dropped), so counting its
 * characters against the sent text drifts and repeats or skips words.
 *
 * The tracker maps the spoken characters back onto the sent text by
 * words: each spoken word is compared (case-folded, letters and digits
 * only) with the next few sent words, and where a sent word has no
 * counterpart (it was said differently) the spoken words around it stand
 * for it. The result is the offset of the first sent word not heard:
 * exact when every spoken word found its place; the word after the one
 * being said when the last few could not be placed (its spoken form was
 * cut by the drop: its tail is lost, not repeated, as for a word cut in
 * the middle); and, when the spoken text no longer resembles the sent
 * one at all, the start of the sentence (a chunk the client flushed) in
 * which the drop most likely fell.
 */
#ifndef __ELEVENLABS_HEARD_H__
#define __ELEVENLABS_HEARD_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ElevenlabsHeard ElevenlabsHeard;

/* How a resume offset was found. */
typedef enum
{
  ELEVENLABS_HEARD_EXACT,       /* every spoken word was placed */
  ELEVENLABS_HEARD_WORD_CUT,    /* the last spoken words stand for one sent word */
  ELEVENLABS_HEARD_LOST,        /* fell back to a sentence boundary */
} ElevenlabsHeardMatch;

ElevenlabsHeard *elevenlabs_heard_new (void);
void elevenlabs_heard_free (ElevenlabsHeard * heard);

/* Text sent to the service, in order. @boundary: a sentence ends after it
 * (the chunk was flushed). */
void elevenlabs_heard_add_sent (ElevenlabsHeard * heard, const gchar * text,
    gboolean boundary);

/* Everything sent so far. */
const gchar *elevenlabs_heard_get_text (ElevenlabsHeard * heard);

/* Characters the service spoke (its alignment), in order: one UTF-8
 * character (or a few, or "") per entry. */
void elevenlabs_heard_add_spoken (ElevenlabsHeard * heard,
    const gchar * const *chars, guint n_chars);

/* Byte offset in the sent text of the first word not heard (at a word
 * start, or the end of the text). @match: how it was found (nullable). */
gsize elevenlabs_heard_resume_offset (ElevenlabsHeard * heard,
    ElevenlabsHeardMatch * match);

/* The service forgot what it had: the text from @offset is sent again
 * and the next spoken characters start there. */
void elevenlabs_heard_restart (ElevenlabsHeard * heard, gsize offset);

G_END_DECLS

#endif
