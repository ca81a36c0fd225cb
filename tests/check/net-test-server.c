/* gst-sandra: a small SoupServer on 127.0.0.1 for network core tests
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "net-test-server.h"

#include <gst/check/gstcheck.h>

struct _NetTestServer
{
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *soup;
  gchar *url;
  gchar *ws_url;
  GTlsCertificate *cert;
  GMutex lock;
  GCond cond;
  gboolean ready;
};

static gpointer
server_thread (gpointer data)
{
  NetTestServer *s = data;
  GError *error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (s->context);
  s->soup = soup_server_new ("server-header", "net-test-server",
      "tls-certificate", s->cert, NULL);
  if (!soup_server_listen_local (s->soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY |
          (s->cert ? SOUP_SERVER_LISTEN_HTTPS : 0), &error))
    g_error ("cannot listen: %s", error->message);
  uris = soup_server_get_uris (s->soup);
  s->url = g_strdup_printf ("%s://127.0.0.1:%d", s->cert ? "https" : "http",
      g_uri_get_port (uris->data));
  s->ws_url = g_strdup_printf ("%s://127.0.0.1:%d", s->cert ? "wss" : "ws",
      g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_mutex_lock (&s->lock);
  s->ready = TRUE;
  g_cond_signal (&s->cond);
  g_mutex_unlock (&s->lock);

  g_main_loop_run (s->loop);

  soup_server_disconnect (s->soup);
  g_clear_object (&s->soup);
  while (g_main_context_iteration (s->context, FALSE));
  g_main_context_pop_thread_default (s->context);
  return NULL;
}

NetTestServer *
net_test_server_new (void)
{
  return net_test_server_new_tls (NULL);
}

NetTestServer *
net_test_server_new_tls (GTlsCertificate * cert)
{
  NetTestServer *s = g_new0 (NetTestServer, 1);

  s->cert = cert ? g_object_ref (cert) : NULL;
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);
  s->context = g_main_context_new ();
  s->loop = g_main_loop_new (s->context, FALSE);
  s->thread = g_thread_new ("test-server", server_thread, s);
  g_mutex_lock (&s->lock);
  while (!s->ready)
    g_cond_wait (&s->cond, &s->lock);
  g_mutex_unlock (&s->lock);
  return s;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
net_test_server_free (NetTestServer * s)
{
  g_main_context_invoke (s->context, quit_cb, s->loop);
  g_thread_join (s->thread);
  g_main_loop_unref (s->loop);
  g_main_context_unref (s->context);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_clear_object (&s->cert);
  g_free (s->url);
  g_free (s->ws_url);
  g_free (s);
}

const gchar *
net_test_server_get_url (NetTestServer * s)
{
  return s->url;
}

const gchar *
net_test_server_get_ws_url (NetTestServer * s)
{
  return s->ws_url;
}

SoupServer *
net_test_server_get_soup (NetTestServer * s)
{
  return s->soup;
}

GMainContext *
net_test_server_get_context (NetTestServer * s)
{
  return s->context;
}

typedef struct
{
  GSourceFunc func;
  gpointer data;
  GMutex lock;
  GCond cond;
  gboolean done;
} RunCall;

static gboolean
run_cb (gpointer data)
{
  RunCall *c = data;

  c->func (c->data);
  g_mutex_lock (&c->lock);
  c->done = TRUE;
  g_cond_signal (&c->cond);
  g_mutex_unlock (&c->lock);
  return G_SOURCE_REMOVE;
}

void
net_test_server_run (NetTestServer * s, GSourceFunc func, gpointer data)
{
  RunCall c = { func, data };

  g_mutex_init (&c.lock);
  g_cond_init (&c.cond);
  g_main_context_invoke (s->context, run_cb, &c);
  g_mutex_lock (&c.lock);
  while (!c.done)
    g_cond_wait (&c.cond, &c.lock);
  g_mutex_unlock (&c.lock);
  g_mutex_clear (&c.lock);
  g_cond_clear (&c.cond);
}

void
net_test_server_post (NetTestServer * s, GSourceFunc func, gpointer data)
{
  GSource *src = g_idle_source_new ();

  g_source_set_callback (src, func, data, NULL);
  g_source_attach (src, s->context);
  g_source_unref (src);
}

typedef struct
{
  NetTestServer *s;
  const gchar *path;
  gchar **protocols;
  SoupServerCallback cb;
  SoupServerWebsocketCallback ws_cb;
  gboolean early;
  gpointer data;
} AddCall;

static gboolean
add_cb (gpointer data)
{
  AddCall *a = data;

  if (a->ws_cb)
    soup_server_add_websocket_handler (a->s->soup, a->path, NULL,
        a->protocols, a->ws_cb, a->data, NULL);
  else if (a->early)
    soup_server_add_early_handler (a->s->soup, a->path, a->cb, a->data, NULL);
  else
    soup_server_add_handler (a->s->soup, a->path, a->cb, a->data, NULL);
  return G_SOURCE_REMOVE;
}

void
net_test_server_add_handler (NetTestServer * s, const gchar * path,
    SoupServerCallback callback, gpointer data)
{
  AddCall a = { s, path, NULL, callback, NULL, FALSE, data };
  net_test_server_run (s, add_cb, &a);
}

void
net_test_server_add_early_handler (NetTestServer * s, const gchar * path,
    SoupServerCallback callback, gpointer data)
{
  AddCall a = { s, path, NULL, callback, NULL, TRUE, data };
  net_test_server_run (s, add_cb, &a);
}

void
net_test_server_add_websocket_handler (NetTestServer * s, const gchar * path,
    gchar ** protocols, SoupServerWebsocketCallback callback, gpointer data)
{
  AddCall a = { s, path, protocols, NULL, callback, FALSE, data };
  net_test_server_run (s, add_cb, &a);
}

/* ------------------------------------------------------------ raw server */

struct _NetTestRawServer
{
  GSocketListener *listener;
  GCancellable *cancellable;
  GThread *thread;
  gchar *url;
  NetTestRawFunc func;
  gpointer data;
};

static gchar *
read_head (GInputStream * in, GCancellable * cancellable)
{
  GString *head = g_string_new (NULL);
  gchar c;

  /* byte by byte: nothing after the head may be consumed */
  while (!g_str_has_suffix (head->str, "\r\n\r\n")) {
    if (g_input_stream_read (in, &c, 1, cancellable, NULL) != 1) {
      g_string_free (head, TRUE);
      return NULL;
    }
    g_string_append_c (head, c);
  }
  return g_string_free (head, FALSE);
}

static gpointer
raw_thread (gpointer data)
{
  NetTestRawServer *s = data;
  guint index = 0;

  for (;;) {
    GSocketConnection *conn = g_socket_listener_accept (s->listener, NULL,
        s->cancellable, NULL);
    GInputStream *in;
    GOutputStream *out;
    gchar *head;
    NetTestRawReply reply = { NULL, FALSE };

    if (conn == NULL)
      break;
    in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
    out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
    head = read_head (in, s->cancellable);
    if (head) {
      s->func (head, index++, &reply, s->data);
      if (reply.reply)
        g_output_stream_write_all (out, g_bytes_get_data (reply.reply, NULL),
            g_bytes_get_size (reply.reply), NULL, s->cancellable, NULL);
      if (reply.linger) {
        gchar buf[256];

        /* until the client hangs up */
        while (g_input_stream_read (in, buf, sizeof (buf), s->cancellable,
                NULL) > 0);
      }
    }
    g_clear_pointer (&reply.reply, g_bytes_unref);
    g_free (head);
    g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
    g_object_unref (conn);
  }
  return NULL;
}

NetTestRawServer *
net_test_raw_server_new (NetTestRawFunc func, gpointer data)
{
  NetTestRawServer *s = g_new0 (NetTestRawServer, 1);
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *addr = g_inet_socket_address_new (lo, 0);
  GSocketAddress *bound = NULL;

  s->func = func;
  s->data = data;
  s->cancellable = g_cancellable_new ();
  s->listener = g_socket_listener_new ();
  if (!g_socket_listener_add_address (s->listener, addr, G_SOCKET_TYPE_STREAM,
          G_SOCKET_PROTOCOL_TCP, NULL, &bound, NULL))
    g_error ("raw server cannot listen");
  s->url = g_strdup_printf ("http://127.0.0.1:%u",
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_object_unref (bound);
  g_object_unref (addr);
  g_object_unref (lo);
  s->thread = g_thread_new ("test-raw-server", raw_thread, s);
  return s;
}

const gchar *
net_test_raw_server_get_url (NetTestRawServer * s)
{
  return s->url;
}

void
net_test_raw_server_free (NetTestRawServer * s)
{
  g_cancellable_cancel (s->cancellable);
  g_thread_join (s->thread);
  g_socket_listener_close (s->listener);
  g_object_unref (s->listener);
  g_object_unref (s->cancellable);
  g_free (s->url);
  g_free (s);
}

GBytes *
net_test_raw_websocket_accept (const gchar * head, const guint8 * frames,
    gsize frames_len)
{
  const gchar *k = strstr (head, "Sec-WebSocket-Key: ");
  gchar *key, *accept_src, *accept;
  guint8 digest[20];
  gsize digest_len = sizeof (digest);
  GChecksum *sha1;
  GByteArray *out;
  gchar *resp;

  g_assert (k != NULL);
  k += strlen ("Sec-WebSocket-Key: ");
  key = g_strndup (k, strcspn (k, "\r\n"));
  accept_src = g_strconcat (key, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", NULL);
  sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, (const guchar *) accept_src, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  accept = g_base64_encode (digest, digest_len);
  resp = g_strdup_printf ("HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
  out = g_byte_array_new ();
  g_byte_array_append (out, (const guint8 *) resp, strlen (resp));
  if (frames)
    g_byte_array_append (out, frames, frames_len);
  g_free (resp);
  g_free (accept);
  g_checksum_free (sha1);
  g_free (accept_src);
  g_free (key);
  return g_byte_array_free_to_bytes (out);
}

void
net_test_settle_tls_threads (void)
{
  guint i;

  /* An idle GTask worker leaves its pool after half a second and then
   * waits among GLib's unused threads, which this stops. */
  for (i = 0; i < 3; i++) {
    g_usleep (G_USEC_PER_SEC * 6 / 10);
    g_thread_pool_stop_unused_threads ();
  }
}
