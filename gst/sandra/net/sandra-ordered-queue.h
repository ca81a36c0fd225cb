/* gst-sandra: an output queue that releases items in order
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Network elements have several requests in flight and must still output
 * in input order. The streaming thread appends ready items (events) or
 * reserves a place for a result that will arrive later; the worker fills
 * reserved places in any order; the source pad task pops strictly in order,
 * blocking until the head is ready. Flushing wakes the task and drops
 * everything, and a result that arrives for a dropped place is discarded.
 */
#ifndef __SANDRA_ORDERED_QUEUE_H__
#define __SANDRA_ORDERED_QUEUE_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SandraOrderedQueue SandraOrderedQueue;

SandraOrderedQueue *sandra_ordered_queue_new (GDestroyNotify free_payload);
void sandra_ordered_queue_free (SandraOrderedQueue * queue);

/* Appends an item that is ready now. While flushing, @payload is freed. */
void sandra_ordered_queue_push (SandraOrderedQueue * queue, gpointer payload);

/* Reserves the next place for a result that comes later. Returns a ticket
 * (never 0); 0 while flushing. */
guint64 sandra_ordered_queue_reserve (SandraOrderedQueue * queue);

/* Fills a reserved place. Returns FALSE, and frees @payload, when the
 * place no longer exists (it was flushed). @payload may be NULL: the place
 * is then skipped without output. */
gboolean sandra_ordered_queue_fill (SandraOrderedQueue * queue,
    guint64 ticket, gpointer payload);

/* Blocks until the head item is ready and returns TRUE with it (NULL for a
 * skipped place), or returns FALSE as soon as the queue is flushing. */
gboolean sandra_ordered_queue_pop (SandraOrderedQueue * queue,
    gpointer * payload);

/* TRUE: drops every item, wakes pop() and refuses new items. FALSE: accepts
 * items again. */
void sandra_ordered_queue_set_flushing (SandraOrderedQueue * queue,
    gboolean flushing);

/* Places reserved but not yet filled. */
guint sandra_ordered_queue_pending (SandraOrderedQueue * queue);
/* All places, ready or not. */
guint sandra_ordered_queue_length (SandraOrderedQueue * queue);

G_END_DECLS

#endif
