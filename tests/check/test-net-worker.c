/* The network worker thread: where work runs, in what order, and what an
 * orderly stop guarantees.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

#include "sandra-worker.h"

typedef struct
{
  SandraWorker *worker;
  GMutex lock;
  GString *log;
  gboolean wrong_thread;
} Ctx;

static Ctx *
ctx_new (void)
{
  Ctx *c = g_new0 (Ctx, 1);

  c->worker = sandra_worker_new ("test-worker");
  g_mutex_init (&c->lock);
  c->log = g_string_new (NULL);
  return c;
}

static void
ctx_free (Ctx * c)
{
  sandra_worker_unref (c->worker);
  g_mutex_clear (&c->lock);
  g_string_free (c->log, TRUE);
  g_free (c);
}

static void
note (Ctx * c, const gchar * what)
{
  if (!sandra_worker_is_current (c->worker))
    c->wrong_thread = TRUE;
  g_mutex_lock (&c->lock);
  g_string_append (c->log, what);
  g_mutex_unlock (&c->lock);
}

typedef struct
{
  Ctx *c;
  const gchar *name;
} Item;

static gboolean
run_item (gpointer data)
{
  Item *i = data;

  note (i->c, i->name);
  return G_SOURCE_CONTINUE;     /* ignored: an invocation runs once */
}

static void
free_item (gpointer data)
{
  Item *i = data;
  gchar *n = g_strdup_printf ("~%s", i->name);

  /* notify may run in the caller's thread when the worker refused */
  g_mutex_lock (&i->c->lock);
  g_string_append (i->c->log, n);
  g_mutex_unlock (&i->c->lock);
  g_free (n);
  g_free (i);
}

static Item *
item (Ctx * c, const gchar * name)
{
  Item *i = g_new0 (Item, 1);

  i->c = c;
  i->name = name;
  return i;
}

GST_START_TEST (test_invoke_order_and_thread)
{
  Ctx *c = ctx_new ();
  Item *sync_item = item (c, "c");

  fail_if (sandra_worker_is_current (c->worker));
  fail_unless (sandra_worker_invoke (c->worker, run_item, item (c, "a"),
          free_item));
  fail_unless (sandra_worker_invoke (c->worker, run_item, item (c, "b"),
          free_item));
  /* sync calls queue behind earlier work and wait for it */
  fail_unless (sandra_worker_invoke_sync (c->worker, run_item, sync_item));
  g_mutex_lock (&c->lock);
  fail_unless_equals_string (c->log->str, "a~ab~bc");
  g_mutex_unlock (&c->lock);
  fail_if (c->wrong_thread);
  /* the item of the sync call is ours to free */
  g_free (sync_item);
  sandra_worker_stop (c->worker);
  ctx_free (c);
}

GST_END_TEST;

static gboolean
nested (gpointer data)
{
  Ctx *c = data;

  /* invoking from the worker runs at once, inside the caller */
  note (c, "(");
  sandra_worker_invoke (c->worker, run_item, item (c, "n"), free_item);
  note (c, ")");
  return G_SOURCE_REMOVE;
}

GST_START_TEST (test_invoke_from_worker_runs_inline)
{
  Ctx *c = ctx_new ();

  sandra_worker_invoke_sync (c->worker, nested, c);
  fail_unless_equals_string (c->log->str, "(n~n)");
  ctx_free (c);
}

GST_END_TEST;

static gboolean
tick (gpointer data)
{
  Ctx *c = data;

  note (c, "t");
  return c->log->len < 3 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

GST_START_TEST (test_timeout_runs_in_worker)
{
  Ctx *c = ctx_new ();
  GSource *src = sandra_worker_timeout_add (c->worker, 1, tick, c, NULL);

  while (!g_source_is_destroyed (src))
    g_usleep (1000);
  g_source_unref (src);
  fail_unless_equals_string (c->log->str, "ttt");
  fail_if (c->wrong_thread);
  ctx_free (c);
}

GST_END_TEST;

/* A fake client module with one asynchronous operation in flight, which
 * completes a little after it is cancelled (as libsoup's do). */
typedef struct
{
  Ctx *c;
  GSource *pending;
} Client;

static gboolean
op_done (gpointer data)
{
  Client *cl = data;

  note (cl->c, "done,");
  g_clear_pointer (&cl->pending, g_source_unref);
  sandra_worker_release (cl->c->worker);
  return G_SOURCE_REMOVE;
}

static gboolean
op_start (gpointer data)
{
  Client *cl = data;

  sandra_worker_hold (cl->c->worker);
  note (cl->c, "start,");
  return G_SOURCE_REMOVE;
}

static void
client_cancel (gpointer data)
{
  Client *cl = data;

  note (cl->c, "cancel,");
  cl->pending = sandra_worker_timeout_add (cl->c->worker, 20, op_done, cl,
      NULL);
}

static void
client_dispose (gpointer data)
{
  Client *cl = data;

  note (cl->c, "dispose");
}

GST_START_TEST (test_stop_waits_for_cancelled_work)
{
  Ctx *c = ctx_new ();
  Client cl = { c, NULL };
  guint id;

  id = sandra_worker_add_client (c->worker, client_cancel, client_dispose, &cl);
  sandra_worker_invoke (c->worker, op_start, &cl, NULL);
  /* queued before the stop: still runs */
  sandra_worker_invoke (c->worker, run_item, item (c, "late,"), free_item);
  sandra_worker_stop (c->worker);
  fail_unless_equals_string (c->log->str,
      "start,late,~late,cancel,done,dispose");
  fail_if (c->wrong_thread);

  /* stopped: work is refused, its notify still runs; stop is idempotent */
  g_string_truncate (c->log, 0);
  fail_if (sandra_worker_invoke (c->worker, run_item, item (c, "x"),
          free_item));
  fail_unless_equals_string (c->log->str, "~x");
  fail_if (sandra_worker_invoke_sync (c->worker, run_item, NULL));
  sandra_worker_stop (c->worker);
  sandra_worker_remove_client (c->worker, id);
  ctx_free (c);
}

GST_END_TEST;

static gpointer
stopper (gpointer data)
{
  sandra_worker_stop (data);
  return NULL;
}

GST_START_TEST (test_concurrent_stops)
{
  Ctx *c = ctx_new ();
  GThread *t[4];
  guint i;

  for (i = 0; i < G_N_ELEMENTS (t); i++)
    t[i] = g_thread_new ("stopper", stopper, c->worker);
  for (i = 0; i < G_N_ELEMENTS (t); i++)
    g_thread_join (t[i]);
  fail_if (sandra_worker_invoke_sync (c->worker, run_item, NULL));
  ctx_free (c);
}

GST_END_TEST;

static Suite *
net_worker_suite (void)
{
  Suite *s = suite_create ("net-worker");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_invoke_order_and_thread);
  tcase_add_test (tc, test_invoke_from_worker_runs_inline);
  tcase_add_test (tc, test_timeout_runs_in_worker);
  tcase_add_test (tc, test_stop_waits_for_cancelled_work);
  tcase_add_test (tc, test_concurrent_stops);
  return s;
}

GST_CHECK_MAIN (net_worker);
