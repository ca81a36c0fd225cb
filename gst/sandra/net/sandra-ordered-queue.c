/* gst-sandra: an output queue that releases items in order
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sandra-ordered-queue.h"

typedef struct
{
  guint64 ticket;               /* 0 for items that were ready at once */
  gboolean ready;
  gpointer payload;
} Place;

struct _SandraOrderedQueue
{
  GMutex lock;
  GCond cond;
  GQueue places;
  GDestroyNotify free_payload;
  guint64 next_ticket;
  guint pending;
  gboolean flushing;
};

SandraOrderedQueue *
sandra_ordered_queue_new (GDestroyNotify free_payload)
{
  SandraOrderedQueue *q = g_new0 (SandraOrderedQueue, 1);

  g_mutex_init (&q->lock);
  g_cond_init (&q->cond);
  g_queue_init (&q->places);
  q->free_payload = free_payload;
  q->next_ticket = 1;
  return q;
}

static void
free_payload (SandraOrderedQueue * q, gpointer payload)
{
  if (payload && q->free_payload)
    q->free_payload (payload);
}

static void
clear_locked (SandraOrderedQueue * q)
{
  Place *p;

  while ((p = g_queue_pop_head (&q->places))) {
    free_payload (q, p->payload);
    g_free (p);
  }
  q->pending = 0;
}

void
sandra_ordered_queue_free (SandraOrderedQueue * q)
{
  if (q == NULL)
    return;
  clear_locked (q);
  g_mutex_clear (&q->lock);
  g_cond_clear (&q->cond);
  g_free (q);
}

void
sandra_ordered_queue_push (SandraOrderedQueue * q, gpointer payload)
{
  Place *p;

  g_mutex_lock (&q->lock);
  if (q->flushing) {
    g_mutex_unlock (&q->lock);
    free_payload (q, payload);
    return;
  }
  p = g_new0 (Place, 1);
  p->ready = TRUE;
  p->payload = payload;
  g_queue_push_tail (&q->places, p);
  g_cond_broadcast (&q->cond);
  g_mutex_unlock (&q->lock);
}

guint64
sandra_ordered_queue_reserve (SandraOrderedQueue * q)
{
  Place *p;
  guint64 ticket = 0;

  g_mutex_lock (&q->lock);
  if (!q->flushing) {
    p = g_new0 (Place, 1);
    p->ticket = ticket = q->next_ticket++;
    g_queue_push_tail (&q->places, p);
    q->pending++;
  }
  g_mutex_unlock (&q->lock);
  return ticket;
}

gboolean
sandra_ordered_queue_fill (SandraOrderedQueue * q, guint64 ticket,
    gpointer payload)
{
  GList *l;

  g_mutex_lock (&q->lock);
  /* Recent tickets sit at the tail, search from there. */
  for (l = q->places.tail; l; l = l->prev) {
    Place *p = l->data;

    if (p->ticket == ticket && !p->ready) {
      p->ready = TRUE;
      p->payload = payload;
      q->pending--;
      g_cond_broadcast (&q->cond);
      g_mutex_unlock (&q->lock);
      return TRUE;
    }
  }
  g_mutex_unlock (&q->lock);
  free_payload (q, payload);
  return FALSE;
}

gboolean
sandra_ordered_queue_pop (SandraOrderedQueue * q, gpointer * payload)
{
  Place *p;

  g_mutex_lock (&q->lock);
  for (;;) {
    if (q->flushing) {
      g_mutex_unlock (&q->lock);
      return FALSE;
    }
    p = g_queue_peek_head (&q->places);
    if (p && p->ready)
      break;
    g_cond_wait (&q->cond, &q->lock);
  }
  g_queue_pop_head (&q->places);
  g_cond_broadcast (&q->cond);
  g_mutex_unlock (&q->lock);
  *payload = p->payload;
  g_free (p);
  return TRUE;
}

void
sandra_ordered_queue_set_flushing (SandraOrderedQueue * q, gboolean flushing)
{
  g_mutex_lock (&q->lock);
  q->flushing = flushing;
  if (flushing)
    clear_locked (q);
  g_cond_broadcast (&q->cond);
  g_mutex_unlock (&q->lock);
}

guint
sandra_ordered_queue_pending (SandraOrderedQueue * q)
{
  guint n;

  g_mutex_lock (&q->lock);
  n = q->pending;
  g_mutex_unlock (&q->lock);
  return n;
}

guint
sandra_ordered_queue_length (SandraOrderedQueue * q)
{
  guint n;

  g_mutex_lock (&q->lock);
  n = q->places.length;
  g_mutex_unlock (&q->lock);
  return n;
}
