/* gst-sandra: network worker thread
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-worker.h"

#include <gst/gst.h>

GST_DEBUG_CATEGORY_STATIC (sandra_worker_debug);
#define GST_CAT_DEFAULT sandra_worker_debug

typedef struct
{
  guint id;
  SandraWorkerHookFunc cancel;
  SandraWorkerHookFunc dispose;
  gpointer data;
} Client;

struct _SandraWorker
{
  gint refcount;
  gchar *name;
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;              /* join handle */
  GThread *self;                /* the worker thread, for is_current */

  GMutex lock;
  GCond cond;
  gboolean running;             /* loop started */
  gboolean stopping;            /* no new work accepted */
  gboolean joining;             /* someone is joining the thread */
  gboolean stopped;             /* thread joined */
  GList *clients;
  guint next_client_id;

  guint holds;                  /* worker thread only */
};

static void
init_debug (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once)) {
    GST_DEBUG_CATEGORY_INIT (sandra_worker_debug, "sandranetworker", 0,
        "gst-sandra network worker thread");
    g_once_init_leave (&once, 1);
  }
}

static gboolean
signal_running (gpointer data)
{
  SandraWorker *w = data;

  g_mutex_lock (&w->lock);
  w->running = TRUE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
  return G_SOURCE_REMOVE;
}

static gpointer
copy_client (gconstpointer src, gpointer unused)
{
  return g_memdup2 (src, sizeof (Client));
}

static void
run_hooks (SandraWorker * w, gboolean dispose)
{
  GList *snapshot, *l;

  g_mutex_lock (&w->lock);
  snapshot = g_list_copy_deep (w->clients, copy_client, NULL);
  g_mutex_unlock (&w->lock);

  for (l = snapshot; l; l = l->next) {
    Client *c = l->data;
    SandraWorkerHookFunc f = dispose ? c->dispose : c->cancel;

    if (f)
      f (c->data);
  }
  g_list_free_full (snapshot, g_free);
}

static gpointer
worker_thread (gpointer data)
{
  SandraWorker *w = data;
  GSource *src;

  w->self = g_thread_self ();
  /* Owning the context for the thread's whole life means invocations from
   * this thread run directly and no other thread can ever iterate it. */
  g_main_context_acquire (w->context);
  g_main_context_push_thread_default (w->context);

  src = g_idle_source_new ();
  g_source_set_priority (src, G_PRIORITY_HIGH);
  g_source_set_callback (src, signal_running, w, NULL);
  g_source_attach (src, w->context);
  g_source_unref (src);

  GST_DEBUG ("worker %s running", w->name);
  g_main_loop_run (w->loop);
  GST_DEBUG ("worker %s shutting down, %u operations in flight", w->name,
      w->holds);

  run_hooks (w, FALSE);
  /* cancelled operations complete asynchronously: let them */
  while (w->holds > 0)
    g_main_context_iteration (w->context, TRUE);
  run_hooks (w, TRUE);
  /* idle cleanups queued by the disposals (libsoup unrefs connections
   * from idle sources) */
  while (g_main_context_iteration (w->context, FALSE));

  g_main_context_pop_thread_default (w->context);
  g_main_context_release (w->context);
  GST_DEBUG ("worker %s done", w->name);
  /* a later thread may get the same GThread address */
  w->self = NULL;
  return NULL;
}

SandraWorker *
sandra_worker_new (const gchar * name)
{
  SandraWorker *w;

  init_debug ();

  w = g_new0 (SandraWorker, 1);
  w->refcount = 1;
  w->name = g_strdup (name ? name : "sandra-net");
  w->context = g_main_context_new ();
  w->loop = g_main_loop_new (w->context, FALSE);
  g_mutex_init (&w->lock);
  g_cond_init (&w->cond);
  w->next_client_id = 1;

  w->thread = g_thread_new (w->name, worker_thread, w);

  g_mutex_lock (&w->lock);
  while (!w->running)
    g_cond_wait (&w->cond, &w->lock);
  g_mutex_unlock (&w->lock);
  return w;
}

SandraWorker *
sandra_worker_ref (SandraWorker * worker)
{
  g_return_val_if_fail (worker != NULL, NULL);
  g_atomic_int_inc (&worker->refcount);
  return worker;
}

static gboolean
quit_loop (gpointer data)
{
  SandraWorker *w = data;

  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

void
sandra_worker_stop (SandraWorker * worker)
{
  SandraWorker *w = worker;
  GSource *src;

  g_return_if_fail (w != NULL);
  g_return_if_fail (!sandra_worker_is_current (w));

  g_mutex_lock (&w->lock);
  if (w->stopped) {
    g_mutex_unlock (&w->lock);
    return;
  }
  if (w->joining) {
    while (!w->stopped)
      g_cond_wait (&w->cond, &w->lock);
    g_mutex_unlock (&w->lock);
    return;
  }
  w->stopping = TRUE;
  w->joining = TRUE;
  /* Low priority: invocations queued before the stop still run first. */
  src = g_idle_source_new ();
  g_source_set_priority (src, G_PRIORITY_LOW);
  g_source_set_callback (src, quit_loop, w, NULL);
  g_source_attach (src, w->context);
  g_source_unref (src);
  g_mutex_unlock (&w->lock);

  g_thread_join (w->thread);

  g_mutex_lock (&w->lock);
  w->thread = NULL;
  w->stopped = TRUE;
  g_cond_broadcast (&w->cond);
  g_mutex_unlock (&w->lock);
}

void
sandra_worker_unref (SandraWorker * worker)
{
  g_return_if_fail (worker != NULL);

  if (!g_atomic_int_dec_and_test (&worker->refcount))
    return;

  sandra_worker_stop (worker);
  g_main_loop_unref (worker->loop);
  /* destroys sources that never ran, calling their notify functions */
  g_main_context_unref (worker->context);
  g_list_free_full (worker->clients, g_free);
  g_mutex_clear (&worker->lock);
  g_cond_clear (&worker->cond);
  g_free (worker->name);
  g_free (worker);
}

GMainContext *
sandra_worker_get_context (SandraWorker * worker)
{
  g_return_val_if_fail (worker != NULL, NULL);
  return worker->context;
}

gboolean
sandra_worker_is_current (SandraWorker * worker)
{
  g_return_val_if_fail (worker != NULL, FALSE);
  return g_thread_self () == worker->self;
}

/* Wraps an invocation so that it runs exactly once, whatever @func
 * returns: a GSourceFunc returning G_SOURCE_CONTINUE by mistake must not
 * turn into a busy loop in the worker. */
typedef struct
{
  GSourceFunc func;
  gpointer data;
  GDestroyNotify notify;
} Invocation;

static gboolean
run_invocation (gpointer data)
{
  Invocation *inv = data;

  inv->func (inv->data);
  return G_SOURCE_REMOVE;
}

static void
free_invocation (gpointer data)
{
  Invocation *inv = data;

  if (inv->notify)
    inv->notify (inv->data);
  g_free (inv);
}

gboolean
sandra_worker_invoke (SandraWorker * worker, GSourceFunc func, gpointer data,
    GDestroyNotify notify)
{
  Invocation *inv;

  g_return_val_if_fail (worker != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (sandra_worker_is_current (worker)) {
    func (data);
    if (notify)
      notify (data);
    return TRUE;
  }

  g_mutex_lock (&worker->lock);
  if (worker->stopping) {
    g_mutex_unlock (&worker->lock);
    if (notify)
      notify (data);
    return FALSE;
  }
  /* Under the lock so that a concurrent stop orders its quit after us. */
  inv = g_new (Invocation, 1);
  inv->func = func;
  inv->data = data;
  inv->notify = notify;
  g_main_context_invoke_full (worker->context, G_PRIORITY_DEFAULT,
      run_invocation, inv, free_invocation);
  g_mutex_unlock (&worker->lock);
  return TRUE;
}

typedef struct
{
  GSourceFunc func;
  gpointer data;
  GMutex lock;
  GCond cond;
  gboolean done;
} SyncCall;

static gboolean
run_sync_call (gpointer data)
{
  SyncCall *call = data;

  call->func (call->data);
  g_mutex_lock (&call->lock);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->lock);
  return G_SOURCE_REMOVE;
}

gboolean
sandra_worker_invoke_sync (SandraWorker * worker, GSourceFunc func,
    gpointer data)
{
  SyncCall call = { func, data };
  gboolean ran;

  g_return_val_if_fail (worker != NULL, FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (sandra_worker_is_current (worker)) {
    func (data);
    return TRUE;
  }

  g_mutex_init (&call.lock);
  g_cond_init (&call.cond);

  g_mutex_lock (&worker->lock);
  ran = !worker->stopping;
  if (ran) {
    GSource *src = g_idle_source_new ();

    g_source_set_priority (src, G_PRIORITY_DEFAULT);
    /* the stop's quit has lower priority, so this always runs */
    g_source_set_callback (src, run_sync_call, &call, NULL);
    g_source_attach (src, worker->context);
    g_source_unref (src);
  }
  g_mutex_unlock (&worker->lock);

  if (ran) {
    g_mutex_lock (&call.lock);
    while (!call.done)
      g_cond_wait (&call.cond, &call.lock);
    g_mutex_unlock (&call.lock);
  }
  g_mutex_clear (&call.lock);
  g_cond_clear (&call.cond);
  return ran;
}

GSource *
sandra_worker_timeout_add (SandraWorker * worker, guint ms, GSourceFunc func,
    gpointer data, GDestroyNotify notify)
{
  GSource *src;

  g_return_val_if_fail (worker != NULL, NULL);

  src = g_timeout_source_new (ms);
  g_source_set_callback (src, func, data, notify);
  g_source_attach (src, worker->context);
  return src;
}

void
sandra_worker_hold (SandraWorker * worker)
{
  g_return_if_fail (sandra_worker_is_current (worker));
  worker->holds++;
}

void
sandra_worker_release (SandraWorker * worker)
{
  g_return_if_fail (sandra_worker_is_current (worker));
  g_return_if_fail (worker->holds > 0);
  worker->holds--;
  /* a shutdown blocked in g_main_context_iteration() re-checks holds */
  if (worker->holds == 0)
    g_main_context_wakeup (worker->context);
}

guint
sandra_worker_add_client (SandraWorker * worker, SandraWorkerHookFunc cancel,
    SandraWorkerHookFunc dispose, gpointer data)
{
  Client *c;

  g_return_val_if_fail (worker != NULL, 0);

  c = g_new0 (Client, 1);
  c->cancel = cancel;
  c->dispose = dispose;
  c->data = data;
  g_mutex_lock (&worker->lock);
  c->id = worker->next_client_id++;
  worker->clients = g_list_append (worker->clients, c);
  g_mutex_unlock (&worker->lock);
  return c->id;
}

void
sandra_worker_remove_client (SandraWorker * worker, guint id)
{
  GList *l;

  g_return_if_fail (worker != NULL);

  g_mutex_lock (&worker->lock);
  for (l = worker->clients; l; l = l->next) {
    Client *c = l->data;
    if (c->id == id) {
      g_free (c);
      worker->clients = g_list_delete_link (worker->clients, l);
      break;
    }
  }
  g_mutex_unlock (&worker->lock);
}
