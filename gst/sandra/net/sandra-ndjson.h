/* gst-sandra: newline-delimited JSON reader
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Splits a byte stream into lines (LF or CRLF), skips blank ones and parses
 * each with json-glib. Used for ElevenLabs `/stream/with-timestamps`, whose
 * lines carry base64 audio and can be large. No I/O; unit-tested alone.
 */
#ifndef __SANDRA_NDJSON_H__
#define __SANDRA_NDJSON_H__

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _SandraNdjsonParser SandraNdjsonParser;

/**
 * SandraNdjsonFunc:
 * @node: the parsed line (owned by the parser; json_node_ref() to keep), or
 *   NULL when the line is not valid JSON
 * @line: the raw line without its terminator, NUL-terminated
 * @error: why @node is NULL, else NULL
 * @user_data: as given to sandra_ndjson_parser_new()
 */
typedef void (*SandraNdjsonFunc) (JsonNode * node, const gchar * line,
    const GError * error, gpointer user_data);

SandraNdjsonParser *sandra_ndjson_parser_new (SandraNdjsonFunc func,
    gpointer user_data);

/* Parses @len bytes. Returns FALSE (dropping the partial line) if a line
 * grows beyond the limit. */
gboolean sandra_ndjson_parser_feed (SandraNdjsonParser * parser,
    const guint8 * data, gsize len);

/* End of stream: a last line without a trailing newline is still delivered
 * (many servers omit it). Resets the parser for reuse. */
void sandra_ndjson_parser_finish (SandraNdjsonParser * parser);

/* Longest accepted line in bytes (default 64 MiB). */
void sandra_ndjson_parser_set_max_line (SandraNdjsonParser * parser,
    gsize max);

void sandra_ndjson_parser_free (SandraNdjsonParser * parser);

G_END_DECLS

#endif /* __SANDRA_NDJSON_H__ */
