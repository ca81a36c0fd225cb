/* gst-sandra: the conversation so far, as text, for replay
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A Realtime conversation lives in its session: when the session expires
 * (60 minutes on GA) or the socket drops, a new session starts empty. To
 * let the assistant carry on, the element keeps the conversation as text
 * (what the user typed, transcripts of what the user said, transcripts of
 * what the assistant said, or as much of them as the user heard before
 * interrupting), with the function calls the model made and their
 * results, and replays it into the new session as
 * conversation.item.create events, so the model keeps its tool context
 * (it knows what it asked for and what came back, and does not ask
 * again). Audio itself is not replayed: the service does not accept
 * assistant audio items from clients, and text costs far fewer tokens.
 *
 * Entries keep the order in which the service created the items. Items
 * whose text never arrives (transcription off, failed) are skipped at
 * replay. The history is bounded by entries; the oldest go first.
 *
 * Not thread-safe; the element holds its lock around calls.
 */
#ifndef __SANDRA_REALTIME_HISTORY_H__
#define __SANDRA_REALTIME_HISTORY_H__

#include <glib.h>

#include "sandra-realtime-session.h"

G_BEGIN_DECLS typedef struct _SandraRealtimeHistory SandraRealtimeHistory;

typedef enum
{
  SANDRA_REALTIME_ROLE_USER,
  SANDRA_REALTIME_ROLE_ASSISTANT,
} SandraRealtimeRole;

SandraRealtimeHistory *sandra_realtime_history_new (guint max_entries);
void sandra_realtime_history_free (SandraRealtimeHistory * history);

/* An item was created (user audio committed, user text, assistant
 * message). Nothing happens if @item_id is already known. @text may be
 * NULL (arrives later). */
void sandra_realtime_history_add (SandraRealtimeHistory * history,
    const gchar * item_id, SandraRealtimeRole role, const gchar * text);

/* The model called a function: a `function_call` item with @call_id,
 * @name and its complete @arguments (JSON text). Nothing happens if
 * @item_id is already known. */
void sandra_realtime_history_add_function_call (SandraRealtimeHistory *
    history, const gchar * item_id, const gchar * call_id,
    const gchar * name, const gchar * arguments);

/* The result of call @call_id was added to the conversation: a
 * `function_call_output` item. Nothing happens if @item_id is already
 * known. */
void sandra_realtime_history_add_function_output (SandraRealtimeHistory *
    history, const gchar * item_id, const gchar * call_id,
    const gchar * output);

/* Replaces the text of @item_id (final transcripts); FALSE if unknown. */
gboolean sandra_realtime_history_set_text (SandraRealtimeHistory * history,
    const gchar * item_id, const gchar * text);

/* Appends to the text of @item_id (transcript deltas); FALSE if unknown. */
gboolean sandra_realtime_history_append_text (SandraRealtimeHistory *
    history, const gchar * item_id, const gchar * delta);

/* The user heard only @heard_ms of @total_ms of the assistant's @item_id:
 * its text is cut to the same share, at a word boundary, so the replayed
 * conversation says what the user actually heard. Later text for the item
 * (the transcript's done event) is ignored. */
void sandra_realtime_history_truncate (SandraRealtimeHistory * history,
    const gchar * item_id, guint64 heard_ms, guint64 total_ms);

/* The service deleted @item_id. */
void sandra_realtime_history_remove (SandraRealtimeHistory * history,
    const gchar * item_id);

guint sandra_realtime_history_length (SandraRealtimeHistory * history);

/* Text of @item_id (borrowed), or NULL. */
const gchar *sandra_realtime_history_get_text (SandraRealtimeHistory *
    history, const gchar * item_id);

/**
 * sandra_realtime_history_build_replay:
 * @api: interface shape of the new session
 *
 * One `conversation.item.create` per entry, oldest first: user messages
 * as `input_text` parts, assistant messages as `output_text` (GA) or `text`
 * (beta) parts (messages without text are skipped), function calls as
 * `function_call` items and their results as `function_call_output` items
 * (a result whose call is no longer kept is skipped: the service cannot
 * pair it). Each item keeps its id (when it is short enough for the
 * service to take from a client), so that the new session's echo of it is
 * recognised and not kept twice.
 *
 * Returns: (transfer full) (element-type utf8): JSON texts of the events.
 */
GPtrArray *sandra_realtime_history_build_replay (SandraRealtimeHistory *
    history, SandraRealtimeApi api);

/* Forgets everything. */
void sandra_realtime_history_clear (SandraRealtimeHistory * history);

G_END_DECLS
#endif /* __SANDRA_REALTIME_HISTORY_H__ */
