/* gst-sandra: network worker thread
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A thread running its own GMainContext. libsoup objects are created, used
 * and destroyed only there: a streaming thread never calls libsoup, it hands
 * work over with sandra_worker_invoke() and gets results back through
 * callbacks that run in the worker thread.
 *
 * Shutdown is orderly: sandra_worker_stop() lets work queued before it run,
 * asks every client module (HTTP, WebSocket) to cancel what it has in
 * flight, keeps iterating until each asynchronous operation has delivered
 * its (cancelled) result, lets the clients drop their libsoup objects, and
 * joins the thread. Nothing is left behind, whatever was in progress.
 */
#ifndef __SANDRA_WORKER_H__
#define __SANDRA_WORKER_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SandraWorker SandraWorker;

/* Starts the thread; its main loop is running when this returns. @name
 * names the thread (at most 15 characters are visible to the OS). */
SandraWorker *sandra_worker_new (const gchar * name);

SandraWorker *sandra_worker_ref (SandraWorker * worker);

/* Dropping the last reference stops the worker first. */
void sandra_worker_unref (SandraWorker * worker);

/* Stops and joins the thread as described above. Idempotent; may be called
 * from several threads, each returns once the thread is gone. Must not be
 * called from the worker thread itself. */
void sandra_worker_stop (SandraWorker * worker);

/* The worker's context. Attach sources to it, never iterate it. */
GMainContext *sandra_worker_get_context (SandraWorker * worker);

/* TRUE when called from the worker thread. */
gboolean sandra_worker_is_current (SandraWorker * worker);

/* Runs @func(@data) in the worker thread (directly when already there),
 * then @notify(@data). @func's return value is ignored: it runs once.
 * Returns FALSE, and calls only @notify, when the worker is stopping. */
gboolean sandra_worker_invoke (SandraWorker * worker, GSourceFunc func,
    gpointer data, GDestroyNotify notify);

/* Like sandra_worker_invoke() but waits until @func has returned. FALSE
 * (without running @func) when the worker is stopping. */
gboolean sandra_worker_invoke_sync (SandraWorker * worker, GSourceFunc func,
    gpointer data);

/* A timeout in the worker's context. Returns the attached source (a new
 * reference): remove it with g_source_destroy() + g_source_unref(). */
GSource *sandra_worker_timeout_add (SandraWorker * worker, guint ms,
    GSourceFunc func, gpointer data, GDestroyNotify notify);

/* --- For client modules (sandra-http, sandra-websocket) --- */

/* Worker thread only: an asynchronous operation is in flight; shutdown
 * iterates the context until every hold has been released. */
void sandra_worker_hold (SandraWorker * worker);
void sandra_worker_release (SandraWorker * worker);

typedef void (*SandraWorkerHookFunc) (gpointer data);

/* Registers a client. On stop, in the worker thread, every @cancel runs,
 * then the context is iterated until all holds are released, then every
 * @dispose runs (drop libsoup objects there). Returns an id for
 * sandra_worker_remove_client(). */
guint sandra_worker_add_client (SandraWorker * worker,
    SandraWorkerHookFunc cancel, SandraWorkerHookFunc dispose, gpointer data);
void sandra_worker_remove_client (SandraWorker * worker, guint id);

G_END_DECLS

#endif /* __SANDRA_WORKER_H__ */
