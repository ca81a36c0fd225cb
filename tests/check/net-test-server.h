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

G_END_DECLS

#endif
