/* gst-sandra: microphone audio kept until the service has committed it
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sandra-realtime-capture.h"

#include <string.h>

struct _SandraRealtimeCapture
{
  /* data->data[skip..len) holds the bytes [head, head + len - skip).
   * Dropped bytes are only skipped, and the array compacted once the
   * skipped part dominates, so that trimming a few milliseconds per chunk
   * does not move the whole buffer each time. */
  GByteArray *data;
  gsize skip;
  guint64 head;                 /* absolute offset of data[0] */
  guint64 sent;                 /* absolute offset of the next byte to send */
  gsize max_bytes;
};

SandraRealtimeCapture *
sandra_realtime_capture_new (gsize max_bytes)
{
  SandraRealtimeCapture *c = g_new0 (SandraRealtimeCapture, 1);

  c->data = g_byte_array_new ();
  c->max_bytes = max_bytes;
  return c;
}

void
sandra_realtime_capture_free (SandraRealtimeCapture * capture)
{
  if (capture == NULL)
    return;
  g_byte_array_unref (capture->data);
  g_free (capture);
}

/* Drops the @n oldest bytes; returns how many of them were unsent. */
static gsize
drop_head (SandraRealtimeCapture * c, gsize n)
{
  gsize unsent_dropped = 0;

  n = MIN (n, c->data->len - c->skip);
  if (n == 0)
    return 0;
  c->skip += n;
  c->head += n;
  if (c->skip >= c->data->len / 2) {
    g_byte_array_remove_range (c->data, 0, c->skip);
    c->skip = 0;
  }
  if (c->sent < c->head) {
    unsent_dropped = c->head - c->sent;
    c->sent = c->head;
  }
  return unsent_dropped;
}

static gsize
enforce_bound (SandraRealtimeCapture * c)
{
  gsize kept = c->data->len - c->skip;

  if (kept <= c->max_bytes)
    return 0;
  return drop_head (c, kept - c->max_bytes);
}

void
sandra_realtime_capture_set_max_bytes (SandraRealtimeCapture * capture,
    gsize max_bytes)
{
  capture->max_bytes = max_bytes;
  enforce_bound (capture);
}

gsize
sandra_realtime_capture_push (SandraRealtimeCapture * capture,
    gconstpointer data, gsize size)
{
  g_byte_array_append (capture->data, data, size);
  return enforce_bound (capture);
}

GBytes *
sandra_realtime_capture_take (SandraRealtimeCapture * capture,
    gsize max_bytes, gsize align)
{
  gsize unsent = sandra_realtime_capture_unsent (capture);
  gsize n = MIN (unsent, max_bytes);
  GBytes *out;

  if (align > 1)
    n -= n % align;
  if (n == 0)
    return NULL;
  out = g_bytes_new (capture->data->data + capture->skip +
      (capture->sent - capture->head), n);
  capture->sent += n;
  return out;
}

gsize
sandra_realtime_capture_unsent (SandraRealtimeCapture * capture)
{
  return capture->head + sandra_realtime_capture_size (capture) - capture->sent;
}

gsize
sandra_realtime_capture_size (SandraRealtimeCapture * capture)
{
  return capture->data->len - capture->skip;
}

guint64
sandra_realtime_capture_head_offset (SandraRealtimeCapture * capture)
{
  return capture->head;
}

guint64
sandra_realtime_capture_sent_offset (SandraRealtimeCapture * capture)
{
  return capture->sent;
}

void
sandra_realtime_capture_commit (SandraRealtimeCapture * capture, guint64 offset)
{
  offset = MIN (offset, capture->sent);
  if (offset > capture->head)
    drop_head (capture, offset - capture->head);
}

guint64
sandra_realtime_capture_rewind (SandraRealtimeCapture * capture)
{
  capture->sent = capture->head;
  return capture->head;
}

void
sandra_realtime_capture_clear (SandraRealtimeCapture * capture)
{
  capture->head += sandra_realtime_capture_size (capture);
  capture->sent = capture->head;
  capture->skip = 0;
  g_byte_array_set_size (capture->data, 0);
}
