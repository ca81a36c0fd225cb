/* gst-sandra: Server-Sent Events reader
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * An incremental text/event-stream parser following the WHATWG event-stream
 * rules: lines end in LF, CRLF or CR (a CRLF split across two chunks counts
 * once), `data:` lines of one event are joined with '\n', a blank line
 * dispatches, ':' lines are comments, a leading BOM is skipped. Feed it
 * bytes in whatever pieces the network delivers. No I/O; unit-tested alone.
 */
#ifndef __SANDRA_SSE_H__
#define __SANDRA_SSE_H__

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SandraSseParser SandraSseParser;

/**
 * SandraSseEventFunc:
 * @event: the `event:` field, "message" when absent
 * @data: the joined `data:` lines, NUL-terminated
 * @data_len: length of @data
 * @id: the last `id:` seen (persists across events per the spec), or NULL
 * @user_data: as given to sandra_sse_parser_new()
 */
typedef void (*SandraSseEventFunc) (const gchar * event, const gchar * data,
    gsize data_len, const gchar * id, gpointer user_data);

SandraSseParser *sandra_sse_parser_new (SandraSseEventFunc func,
    gpointer user_data);

/* Parses @len bytes, calling the event function for each complete event.
 * Returns FALSE (and drops the buffered line) if one line grows beyond the
 * limit, which protects memory against a server that never sends '\n'. */
gboolean sandra_sse_parser_feed (SandraSseParser * parser,
    const guint8 * data, gsize len);

/* End of stream: a final event not closed by a blank line is discarded, as
 * the spec says. Resets the parser for reuse. */
void sandra_sse_parser_finish (SandraSseParser * parser);

/* Longest accepted line in bytes (default 16 MiB). */
void sandra_sse_parser_set_max_line (SandraSseParser * parser, gsize max);

/* The last `retry:` value in ms, or -1. */
gint64 sandra_sse_parser_get_retry_ms (SandraSseParser * parser);

void sandra_sse_parser_free (SandraSseParser * parser);

G_END_DECLS

#endif /* __SANDRA_SSE_H__ */
