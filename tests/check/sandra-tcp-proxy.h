/* A TCP relay for tests that need to stage network trouble.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Listens on 127.0.0.1 and relays every connection to a local port. A test
 * can hold back what the server sends (so that several server messages
 * arrive at once, after the client has moved on), and can keep a
 * connection half-dead after the server closed it: the client gets no end
 * of stream until the test releases it, so it stays in the closing
 * handshake (a WebSocket waits for the server to close the TCP connection)
 * and whatever it queues meanwhile is never written.
 */
#ifndef __SANDRA_TCP_PROXY_H__
#define __SANDRA_TCP_PROXY_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SandraTcpProxy SandraTcpProxy;

SandraTcpProxy *sandra_tcp_proxy_new (guint target_port);
/* Closes every connection and joins every thread. */
void sandra_tcp_proxy_free (SandraTcpProxy * proxy);

guint sandra_tcp_proxy_get_port (SandraTcpProxy * proxy);

/* While paused, bytes from the server are read but not passed on; resuming
 * delivers them in order. */
void sandra_tcp_proxy_set_paused (SandraTcpProxy * proxy, gboolean paused);

/* While set, a connection whose server side closes keeps its client side
 * open (what the client sends is discarded) until released. */
void sandra_tcp_proxy_set_linger (SandraTcpProxy * proxy, gboolean linger);
/* Clears linger and closes the client side of lingering connections. */
void sandra_tcp_proxy_release (SandraTcpProxy * proxy);

/* Blocks until the servers closed @count connections in all, or
 * @timeout_ms (a safety net, not a threshold) passed. */
gboolean sandra_tcp_proxy_wait_server_closes (SandraTcpProxy * proxy,
    guint count, guint timeout_ms);

G_END_DECLS

#endif
