/* A TCP relay for tests that need to stage network trouble.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Blocking I/O, two threads per connection: simple, and a test's traffic
 * is small.
 */
#include "sandra-tcp-proxy.h"

#include <gio/gio.h>

struct _SandraTcpProxy
{
  GSocketListener *listener;
  guint port;
  guint target_port;
  GCancellable *cancellable;
  GThread *accept_thread;

  GMutex lock;
  GCond cond;
  gboolean stopping;
  gboolean paused;
  gboolean linger;
  guint server_closes;
  GPtrArray *threads;           /* GThread*, joined on free */
  GPtrArray *conns;             /* Conn* */
};

typedef struct
{
  SandraTcpProxy *proxy;
  GSocketConnection *client;
  GSocketConnection *server;
} Conn;

static void
conn_free (Conn * c)
{
  g_object_unref (c->client);
  g_object_unref (c->server);
  g_free (c);
}

static void
shutdown_both (GSocketConnection * c)
{
  g_socket_shutdown (g_socket_connection_get_socket (c), TRUE, TRUE, NULL);
}

/* Server to client; keeps the client waiting when told to. */
static gpointer
server_to_client (gpointer data)
{
  Conn *c = data;
  SandraTcpProxy *p = c->proxy;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (c->server));
  GOutputStream *out =
      g_io_stream_get_output_stream (G_IO_STREAM (c->client));
  guint8 buf[16384];

  for (;;) {
    gssize n = g_input_stream_read (in, buf, sizeof (buf), p->cancellable,
        NULL);

    if (n <= 0)
      break;
    g_mutex_lock (&p->lock);
    while (p->paused && !p->stopping)
      g_cond_wait (&p->cond, &p->lock);
    g_mutex_unlock (&p->lock);
    if (!g_output_stream_write_all (out, buf, n, NULL, p->cancellable, NULL))
      break;
  }
  g_mutex_lock (&p->lock);
  p->server_closes++;
  g_cond_broadcast (&p->cond);
  while (p->linger && !p->stopping)
    g_cond_wait (&p->cond, &p->lock);
  g_mutex_unlock (&p->lock);
  /* Wakes the other direction's read as well. */
  shutdown_both (c->client);
  return NULL;
}

/* Client to server; once the server is gone, what the client sends is
 * dropped. */
static gpointer
client_to_server (gpointer data)
{
  Conn *c = data;
  SandraTcpProxy *p = c->proxy;
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (c->client));
  GOutputStream *out =
      g_io_stream_get_output_stream (G_IO_STREAM (c->server));
  guint8 buf[16384];
  gboolean server_gone = FALSE;

  for (;;) {
    gssize n = g_input_stream_read (in, buf, sizeof (buf), p->cancellable,
        NULL);

    if (n <= 0)
      break;
    if (!server_gone)
      server_gone = !g_output_stream_write_all (out, buf, n, NULL,
          p->cancellable, NULL);
  }
  /* The client's end of stream, passed on. */
  g_socket_shutdown (g_socket_connection_get_socket (c->server), FALSE, TRUE,
      NULL);
  return NULL;
}

static gpointer
accept_loop (gpointer data)
{
  SandraTcpProxy *p = data;
  GSocketClient *sc = g_socket_client_new ();

  for (;;) {
    GSocketConnection *client = g_socket_listener_accept (p->listener, NULL,
        p->cancellable, NULL);
    GSocketConnection *server;
    Conn *c;

    if (client == NULL)
      break;
    server = g_socket_client_connect_to_host (sc, "127.0.0.1", p->target_port,
        p->cancellable, NULL);
    if (server == NULL) {
      g_object_unref (client);
      continue;
    }
    c = g_new0 (Conn, 1);
    c->proxy = p;
    c->client = client;
    c->server = server;
    g_mutex_lock (&p->lock);
    g_ptr_array_add (p->conns, c);
    g_ptr_array_add (p->threads, g_thread_new ("proxy-s2c",
            server_to_client, c));
    g_ptr_array_add (p->threads, g_thread_new ("proxy-c2s",
            client_to_server, c));
    g_mutex_unlock (&p->lock);
  }
  g_object_unref (sc);
  return NULL;
}

SandraTcpProxy *
sandra_tcp_proxy_new (guint target_port)
{
  SandraTcpProxy *p = g_new0 (SandraTcpProxy, 1);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0);
  GSocketAddress *bound = NULL;
  GError *err = NULL;

  p->target_port = target_port;
  p->cancellable = g_cancellable_new ();
  g_mutex_init (&p->lock);
  g_cond_init (&p->cond);
  p->threads = g_ptr_array_new ();
  p->conns = g_ptr_array_new_with_free_func ((GDestroyNotify) conn_free);
  p->listener = g_socket_listener_new ();
  if (!g_socket_listener_add_address (p->listener, addr,
          G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, &bound, &err))
    g_error ("proxy cannot listen: %s", err->message);
  p->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_object_unref (bound);
  g_object_unref (addr);
  g_object_unref (lo);
  p->accept_thread = g_thread_new ("proxy-accept", accept_loop, p);
  return p;
}

void
sandra_tcp_proxy_free (SandraTcpProxy * p)
{
  guint i;

  g_mutex_lock (&p->lock);
  p->stopping = TRUE;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
  g_cancellable_cancel (p->cancellable);
  g_thread_join (p->accept_thread);
  g_socket_listener_close (p->listener);
  for (i = 0; i < p->conns->len; i++) {
    Conn *c = g_ptr_array_index (p->conns, i);

    shutdown_both (c->client);
    shutdown_both (c->server);
  }
  for (i = 0; i < p->threads->len; i++)
    g_thread_join (g_ptr_array_index (p->threads, i));
  g_ptr_array_unref (p->threads);
  g_ptr_array_unref (p->conns);
  g_object_unref (p->listener);
  g_object_unref (p->cancellable);
  g_mutex_clear (&p->lock);
  g_cond_clear (&p->cond);
  g_free (p);
}

guint
sandra_tcp_proxy_get_port (SandraTcpProxy * p)
{
  return p->port;
}

/* The relay threads wait on these flags. */
static void
set_flag (SandraTcpProxy * p, gboolean * flag, gboolean value)
{
  g_mutex_lock (&p->lock);
  *flag = value;
  g_cond_broadcast (&p->cond);
  g_mutex_unlock (&p->lock);
}

void
sandra_tcp_proxy_set_paused (SandraTcpProxy * p, gboolean paused)
{
  set_flag (p, &p->paused, paused);
}

void
sandra_tcp_proxy_set_linger (SandraTcpProxy * p, gboolean linger)
{
  set_flag (p, &p->linger, linger);
}

void
sandra_tcp_proxy_release (SandraTcpProxy * p)
{
  sandra_tcp_proxy_set_linger (p, FALSE);
}

gboolean
sandra_tcp_proxy_wait_server_closes (SandraTcpProxy * p, guint count,
    guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean ok;

  g_mutex_lock (&p->lock);
  while (p->server_closes < count)
    if (!g_cond_wait_until (&p->cond, &p->lock, end))
      break;
  ok = p->server_closes >= count;
  g_mutex_unlock (&p->lock);
  return ok;
}
