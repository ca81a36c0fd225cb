/* gst-sandra: a small SoupServer on 127.0.0.1 for network core tests
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The server runs in its own thread and GMainContext, like a remote peer:
 * handlers run there, never in the test or the client's worker thread.
 */
#ifndef __NET_TEST_SERVER_H__
#define __NET_TEST_SERVER_H__

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct _NetTestServer NetTestServer;

NetTestServer *net_test_server_new (void);
/* HTTPS (and wss) with @cert, URLs start with https:// / wss:// */
NetTestServer *net_test_server_new_tls (GTlsCertificate * cert);
void net_test_server_free (NetTestServer * server);

/* "http://127.0.0.1:PORT" (no trailing slash; https:// with TLS). */
const gchar *net_test_server_get_url (NetTestServer * server);
/* "ws://127.0.0.1:PORT" */
const gchar *net_test_server_get_ws_url (NetTestServer * server);

SoupServer *net_test_server_get_soup (NetTestServer * server);
GMainContext *net_test_server_get_context (NetTestServer * server);

/* Runs @func in the server thread and waits for it. */
void net_test_server_run (NetTestServer * server, GSourceFunc func,
    gpointer data);
/* Runs @func in the server thread without waiting. */
void net_test_server_post (NetTestServer * server, GSourceFunc func,
    gpointer data);

void net_test_server_add_handler (NetTestServer * server, const gchar * path,
    SoupServerCallback callback, gpointer data);
void net_test_server_add_websocket_handler (NetTestServer * server,
    const gchar * path, gchar ** protocols,
    SoupServerWebsocketCallback callback, gpointer data);
/* An early handler (status set here ends the request before upgrade). */
void net_test_server_add_early_handler (NetTestServer * server,
    const gchar * path, SoupServerCallback callback, gpointer data);

/* A bare TCP server on 127.0.0.1 for what SoupServer will not send
 * (close codes it refuses, responses cut after their headers). Each
 * connection's request head (up to the empty line) goes to the function,
 * whose reply is written as is; then the connection is closed, or, with
 * linger, left open until the client hangs up. @index counts connections
 * from 0. Runs in its own thread. */
typedef struct _NetTestRawServer NetTestRawServer;

typedef struct
{
  GBytes *reply;
  gboolean linger;
} NetTestRawReply;

typedef void (*NetTestRawFunc) (const gchar * head, guint index,
    NetTestRawReply * reply, gpointer data);

NetTestRawServer *net_test_raw_server_new (NetTestRawFunc func,
    gpointer data);
/* "http://127.0.0.1:PORT" */
const gchar *net_test_raw_server_get_url (NetTestRawServer * server);
void net_test_raw_server_free (NetTestRawServer * server);

/* A 101 answer to the WebSocket upgrade in @head, followed by @frames. */
GBytes *net_test_raw_websocket_accept (const gchar * head,
    const guint8 * frames, gsize frames_len);

/* For the end of a test that used TLS: glib-networking runs handshakes in
 * GLib's GTask worker threads, and LeakSanitizer (GCC 12) crashes while
 * scanning the thread-local storage GnuTLS left in those idle threads
 * when the test process exits ("Tracer caught signal 11"), so the leak
 * check never runs. Letting the idle workers end first makes it run, and
 * run clean. Not a leak of ours: nothing is suppressed. */
void net_test_settle_tls_threads (void);

G_END_DECLS

#endif
