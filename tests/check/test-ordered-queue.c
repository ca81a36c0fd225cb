/* The ordered output queue: results filled out of order come out in order;
 * flushing wakes a blocked reader and discards late results.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>
#include "net/sandra-ordered-queue.h"

static gint freed;

static void
count_free (gpointer p)
{
  freed++;
  g_free (p);
}

GST_START_TEST (test_out_of_order_fill)
{
  SandraOrderedQueue *q = sandra_ordered_queue_new (count_free);
  guint64 t1, t2;
  gpointer out;

  freed = 0;
  t1 = sandra_ordered_queue_reserve (q);
  sandra_ordered_queue_push (q, g_strdup ("event-after-1"));
  t2 = sandra_ordered_queue_reserve (q);
  fail_unless (t1 != 0 && t2 != 0 && t1 != t2);
  fail_unless_equals_int (sandra_ordered_queue_pending (q), 2);

  /* The second result arrives first; nothing may come out yet. */
  fail_unless (sandra_ordered_queue_fill (q, t2, g_strdup ("two")));
  fail_unless_equals_int (sandra_ordered_queue_pending (q), 1);
  fail_unless (sandra_ordered_queue_fill (q, t1, g_strdup ("one")));

  fail_unless (sandra_ordered_queue_pop (q, &out));
  fail_unless_equals_string (out, "one");
  g_free (out);
  fail_unless (sandra_ordered_queue_pop (q, &out));
  fail_unless_equals_string (out, "event-after-1");
  g_free (out);
  fail_unless (sandra_ordered_queue_pop (q, &out));
  fail_unless_equals_string (out, "two");
  g_free (out);
  fail_unless_equals_int (sandra_ordered_queue_length (q), 0);
  /* a ticket cannot be filled twice */
  fail_if (sandra_ordered_queue_fill (q, t1, g_strdup ("again")));
  fail_unless_equals_int (freed, 1);
  sandra_ordered_queue_free (q);
}
GST_END_TEST;

typedef struct
{
  SandraOrderedQueue *q;
  gboolean result;
  gpointer payload;
} PopData;

static gpointer
pop_thread (gpointer data)
{
  PopData *d = data;

  d->result = sandra_ordered_queue_pop (d->q, &d->payload);
  return NULL;
}

GST_START_TEST (test_flush_wakes_reader_and_drops_late_results)
{
  SandraOrderedQueue *q = sandra_ordered_queue_new (count_free);
  PopData d = { q, TRUE, NULL };
  GThread *t;
  guint64 ticket;

  freed = 0;
  ticket = sandra_ordered_queue_reserve (q);
  sandra_ordered_queue_push (q, g_strdup ("queued behind the result"));
  t = g_thread_new ("pop", pop_thread, &d);
  /* The reader is (or will be) blocked on the unfilled head. */
  sandra_ordered_queue_set_flushing (q, TRUE);
  g_thread_join (t);
  fail_if (d.result);
  fail_unless (d.payload == NULL);
  fail_unless_equals_int (freed, 1);

  /* A result that arrives after the flush is discarded, not output. */
  fail_if (sandra_ordered_queue_fill (q, ticket, g_strdup ("stale")));
  fail_unless_equals_int (freed, 2);
  /* Nothing is accepted while flushing. */
  fail_unless_equals_uint64 (sandra_ordered_queue_reserve (q), 0);
  sandra_ordered_queue_push (q, g_strdup ("dropped"));
  fail_unless_equals_int (freed, 3);

  sandra_ordered_queue_set_flushing (q, FALSE);
  sandra_ordered_queue_push (q, g_strdup ("after"));
  fail_unless (sandra_ordered_queue_pop (q, &d.payload));
  fail_unless_equals_string (d.payload, "after");
  g_free (d.payload);
  sandra_ordered_queue_free (q);
}
GST_END_TEST;

GST_START_TEST (test_skipped_place)
{
  SandraOrderedQueue *q = sandra_ordered_queue_new (g_free);
  guint64 ticket = sandra_ordered_queue_reserve (q);
  gpointer out = (gpointer) 1;

  sandra_ordered_queue_push (q, g_strdup ("next"));
  fail_unless (sandra_ordered_queue_fill (q, ticket, NULL));
  fail_unless (sandra_ordered_queue_pop (q, &out));
  fail_unless (out == NULL);
  fail_unless (sandra_ordered_queue_pop (q, &out));
  fail_unless_equals_string (out, "next");
  g_free (out);
  sandra_ordered_queue_free (q);
}
GST_END_TEST;

static Suite *
ordered_queue_suite (void)
{
  Suite *s = suite_create ("sandra-ordered-queue");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_out_of_order_fill);
  tcase_add_test (tc, test_flush_wakes_reader_and_drops_late_results);
  tcase_add_test (tc, test_skipped_place);
  return s;
}

GST_CHECK_MAIN (ordered_queue);
