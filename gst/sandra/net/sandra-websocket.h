/* gst-sandra: WebSocket client with a bounded send queue and reconnection
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A SandraWebSocket lives in a SandraWorker. Configure it, connect it, send
 * from any thread; callbacks run in the worker thread.
 *
 * Sending never blocks: messages go to a bounded queue that is written out
 * while the socket is open and held while it is connecting or
 * reconnecting. A full queue makes the send fail with G_IO_ERROR_NO_SPACE,
 * so the caller decides what to drop and can report it.
 *
 * Every disconnection is classified (SandraWsCloseClass). Retryable ones
 * (close codes 1001 1005 1006 1011 1012 1013 1014 1015, network errors,
 * timeouts, HTTP 408/429/5xx on the upgrade) reconnect after an
 * exponential backoff with jitter, up to a number of attempts; the queue
 * survives. Fatal ones (HTTP 401/403 on the upgrade, close 3000 or a reason
 * naming invalid_api_key: auth; a reason naming quota: quota; 1008:
 * policy; anything else: fatal) end the connection and drop the queue. A
 * classify hook may override the verdict, e.g. to treat ElevenLabs'
 * inactivity 1008 as normal.
 */
#ifndef __SANDRA_WEBSOCKET_H__
#define __SANDRA_WEBSOCKET_H__

#include <gst/gst.h>
#include <libsoup/soup.h>

#include "sandra-worker.h"
#include "sandra-backoff.h"

G_BEGIN_DECLS

typedef struct _SandraWebSocket SandraWebSocket;

/**
 * SandraWsCloseClass:
 * @SANDRA_WS_CLOSE_NORMAL: we closed, or the server closed with 1000
 * @SANDRA_WS_CLOSE_RETRYABLE: transient; reconnecting may help
 * @SANDRA_WS_CLOSE_FATAL_AUTH: the credentials were refused
 * @SANDRA_WS_CLOSE_FATAL_QUOTA: the account is out of quota
 * @SANDRA_WS_CLOSE_FATAL_POLICY: close 1008 (policy violation)
 * @SANDRA_WS_CLOSE_FATAL: anything else that retrying will not fix
 */
typedef enum
{
  SANDRA_WS_CLOSE_NORMAL,
  SANDRA_WS_CLOSE_RETRYABLE,
  SANDRA_WS_CLOSE_FATAL_AUTH,
  SANDRA_WS_CLOSE_FATAL_QUOTA,
  SANDRA_WS_CLOSE_FATAL_POLICY,
  SANDRA_WS_CLOSE_FATAL,
} SandraWsCloseClass;

GType sandra_ws_close_class_get_type (void);
#define SANDRA_TYPE_WS_CLOSE_CLASS (sandra_ws_close_class_get_type ())

/**
 * SandraWsCloseInfo:
 * @code: the close code (1006 when the connection dropped without one), 0
 *   when the connection never opened
 * @reason: the close reason, "" when none
 * @http_status: status of a failed upgrade (401, 403, 503...), else 0
 * @error: the network/TLS/timeout error, or NULL
 * @klass: the verdict, after the classify hook
 * @will_reconnect: a reconnection follows (`reconnecting` comes next)
 * @dropped: queued messages discarded because no reconnection follows
 */
typedef struct
{
  guint16 code;
  const gchar *reason;
  guint http_status;
  const GError *error;
  SandraWsCloseClass klass;
  gboolean will_reconnect;
  guint dropped;
} SandraWsCloseInfo;

/* Returns the class to use; @proposed is the built-in verdict. */
typedef SandraWsCloseClass (*SandraWsClassifyFunc) (const SandraWsCloseInfo *
    info, SandraWsCloseClass proposed, gpointer user_data);

/* A sentence for GST_ELEMENT_ERROR / warnings, naming @service ("OpenAI"
 * rejected the API key (HTTP 401 on connect)"), and a "sandra-ws-close"
 * details structure: close-code, reason, http-status (uint/string/uint),
 * class (SandraWsCloseClass) and, for transport failures, error. */
gchar *sandra_websocket_close_to_sentence (const SandraWsCloseInfo * info,
    const gchar * service);
GstStructure *sandra_websocket_close_to_details (const SandraWsCloseInfo *
    info);

/* The built-in verdict, exposed for tests and for hooks that only
 * special-case one code. */
SandraWsCloseClass sandra_websocket_classify (guint16 code,
    const gchar * reason, guint http_status, const GError * error);

/**
 * SandraWebSocketCallbacks:
 * All optional, all called in the worker thread, none after
 * sandra_websocket_free() has returned.
 * @opened: the socket is open; @reconnected is TRUE after a reconnection.
 *   Messages sent from here with SANDRA_WS_SEND_FIRST (a session setup)
 *   go out before what was queued meanwhile.
 * @text: a text message (NUL-terminated)
 * @binary: a binary message
 * @closed: the socket closed or failed to open
 * @reconnecting: reconnection @attempt (1 = first) starts in @delay_ms
 */
typedef struct
{
  void (*opened) (SandraWebSocket * ws, const gchar * protocol,
      SoupMessageHeaders * response_headers, gboolean reconnected,
      gpointer user_data);
  void (*text) (SandraWebSocket * ws, const gchar * text, gsize len,
      gpointer user_data);
  void (*binary) (SandraWebSocket * ws, GBytes * data, gpointer user_data);
  void (*closed) (SandraWebSocket * ws, const SandraWsCloseInfo * info,
      gpointer user_data);
  void (*reconnecting) (SandraWebSocket * ws, guint attempt, guint delay_ms,
      gpointer user_data);
} SandraWebSocketCallbacks;

typedef enum
{
  SANDRA_WS_SEND_NONE = 0,
  /* ahead of queued messages (order among FIRST messages is kept); for
   * a session setup, so not refused by a full queue */
  SANDRA_WS_SEND_FIRST = 1 << 0,
} SandraWsSendFlags;

typedef enum
{
  SANDRA_WS_STATE_IDLE,         /* never connected */
  SANDRA_WS_STATE_CONNECTING,
  SANDRA_WS_STATE_OPEN,
  SANDRA_WS_STATE_RECONNECTING, /* waiting out the backoff */
  SANDRA_WS_STATE_CLOSING,
  SANDRA_WS_STATE_CLOSED,
} SandraWsState;

/* @url is ws:// or wss:// (http(s):// is mapped). @callbacks is copied;
 * @notify(@user_data) runs in sandra_websocket_free(). */
SandraWebSocket *sandra_websocket_new (SandraWorker * worker,
    const gchar * url, const SandraWebSocketCallbacks * callbacks,
    gpointer user_data, GDestroyNotify notify);

/* Configuration, any thread; takes effect on the next (re)connection, so a
 * `reconnecting` callback may refresh an expiring key or URL. A header set
 * again replaces its value. */
void sandra_websocket_set_url (SandraWebSocket * ws, const gchar * url);
void sandra_websocket_set_header (SandraWebSocket * ws, const gchar * name,
    const gchar * value);
/* "Authorization: Bearer @key"; never logged. */
void sandra_websocket_set_bearer (SandraWebSocket * ws, const gchar * key);
void sandra_websocket_set_protocols (SandraWebSocket * ws,
    const gchar * const *protocols);
/* Connection plus upgrade must finish within @ms (default 10000). */
void sandra_websocket_set_connect_timeout_ms (SandraWebSocket * ws, guint ms);
/* Ping every @seconds while open (default 20, 0 disables). */
void sandra_websocket_set_keepalive_interval_s (SandraWebSocket * ws,
    guint seconds);
/* Queue bounds (default 1024 messages, 16 MiB). */
void sandra_websocket_set_max_queue (SandraWebSocket * ws,
    guint max_messages, gsize max_bytes);
/* Largest incoming message (default 64 MiB; libsoup's own default of
 * 128 KiB is too small for audio deltas). */
void sandra_websocket_set_max_incoming_payload (SandraWebSocket * ws,
    guint64 max_bytes);
/* Reconnection attempts after a retryable close before giving up
 * (default 5, 0 never reconnects). A connection that stays open at least
 * as long as the backoff's longest wait (max_ms) resets the count; one
 * that a server accepts and drops sooner does not, so such a server
 * cannot keep the client reconnecting forever. */
void sandra_websocket_set_max_reconnects (SandraWebSocket * ws, guint n);
/* Copied. Default 500 ms doubling up to 15 s, equal jitter. */
void sandra_websocket_set_backoff (SandraWebSocket * ws,
    const SandraBackoff * backoff);
void sandra_websocket_set_classify_func (SandraWebSocket * ws,
    SandraWsClassifyFunc func, gpointer user_data);

/* See sandra_http_set_insecure_loopback_tls(). Default FALSE. */
void sandra_websocket_set_insecure_loopback_tls (SandraWebSocket * ws,
    gboolean allow);

/* Starts connecting (any thread). Also restarts a CLOSED socket. */
void sandra_websocket_connect (SandraWebSocket * ws);

/* Queues a message (any thread); it waits while the socket is not yet
 * connected or reconnects. FALSE with G_IO_ERROR_NO_SPACE when the queue
 * is full (a message larger than the byte bound never fits), and
 * G_IO_ERROR_CLOSED when the socket is closing or closed for good. */
gboolean sandra_websocket_send (SandraWebSocket * ws,
    SoupWebsocketDataType type, GBytes * data, SandraWsSendFlags flags,
    GError ** error);
gboolean sandra_websocket_send_text (SandraWebSocket * ws, const gchar * text,
    GError ** error);

/* Graceful close (any thread): sends @code/@reason if open, stops any
 * reconnection, drops the queue; `closed` follows with class NORMAL. */
void sandra_websocket_close (SandraWebSocket * ws, guint16 code,
    const gchar * reason);

SandraWsState sandra_websocket_get_state (SandraWebSocket * ws);
/* Messages waiting in the queue. */
guint sandra_websocket_get_queued (SandraWebSocket * ws);
/* Drops what is waiting in the queue and returns how many messages that
 * was: for a client that resends its own state after a reconnection (from
 * the `closed` callback), so that what the dropped connection never wrote
 * does not go twice. */
guint sandra_websocket_clear_queue (SandraWebSocket * ws);

/* Closes (1001 "going away", waiting at most one second for the peer),
 * cancels everything and frees. No callback runs after it returns. Never
 * call it from a callback. */
void sandra_websocket_free (SandraWebSocket * ws);

G_END_DECLS

#endif /* __SANDRA_WEBSOCKET_H__ */
