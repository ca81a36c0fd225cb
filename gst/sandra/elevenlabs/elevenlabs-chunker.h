/* gst-sandra: text chunking for streamed speech synthesis
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Upstream text arrives in any pieces: whole sentences from a file, or one
 * token per buffer from a language model. The service synthesises best
 * from well-formed chunks that end with a space, and needs a flush where a
 * sentence ends to start talking without waiting for more text. The
 * chunker accumulates the pieces and hands out such chunks: one per
 * sentence (flushed), or up to the last word boundary when a sentence
 * grows beyond max_chars (not flushed); or, streaming words, every
 * complete word at once (not flushed) and a flush at each sentence end.
 */
#ifndef __ELEVENLABS_CHUNKER_H__
#define __ELEVENLABS_CHUNKER_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gchar *text;                  /* ends with exactly one space */
  gboolean flush;               /* a sentence (or the utterance) ends here */
} ElevenlabsChunk;

void elevenlabs_chunk_free (ElevenlabsChunk * chunk);

typedef struct _ElevenlabsChunker ElevenlabsChunker;

/* @max_chars: longest chunk held back while waiting for a sentence end. */
ElevenlabsChunker *elevenlabs_chunker_new (guint max_chars);
void elevenlabs_chunker_free (ElevenlabsChunker * chunker);

/* With @stream TRUE, every complete word is handed out as soon as its
 * whitespace arrives (unflushed), sentence ends still flushed: for a
 * transport where the service does its own buffering (WebSocket). Default
 * FALSE: text is held until a sentence end or max_chars (one request per
 * chunk). */
void elevenlabs_chunker_set_stream_words (ElevenlabsChunker * chunker,
    gboolean stream);

/* Appends @text (UTF-8) and adds the chunks that are now complete to @out
 * (ElevenlabsChunk *, owned by the array's free function). */
void elevenlabs_chunker_push (ElevenlabsChunker * chunker,
    const gchar * text, GPtrArray * out);

/* The utterance ends: what is left becomes a final, flushed chunk (none if
 * it is blank). */
void elevenlabs_chunker_finish (ElevenlabsChunker * chunker, GPtrArray * out);

/* Forgets what is pending (flush, barge-in). */
void elevenlabs_chunker_reset (ElevenlabsChunker * chunker);

/* Characters (code points) waiting for a sentence end. */
guint elevenlabs_chunker_pending (ElevenlabsChunker * chunker);

G_END_DECLS

#endif
