/* gst-sandra: API keys, base URLs and keeping keys out of logs
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Resolution order everywhere: the element property, then the conventional
 * environment variable, then (for URLs) the public default. Keys are never
 * logged: every header dump goes through sandra_credentials_format_headers(),
 * which redacts the headers that carry secrets.
 */
#ifndef __SANDRA_CREDENTIALS_H__
#define __SANDRA_CREDENTIALS_H__

#include <glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define SANDRA_OPENAI_KEY_ENV "OPENAI_API_KEY"
#define SANDRA_OPENAI_BASE_URL_ENV "OPENAI_BASE_URL"
#define SANDRA_OPENAI_DEFAULT_BASE_URL "https://api.openai.com/v1"
#define SANDRA_ELEVENLABS_KEY_ENV "ELEVENLABS_API_KEY"
#define SANDRA_ELEVENLABS_BASE_URL_ENV "ELEVENLABS_BASE_URL"
#define SANDRA_ELEVENLABS_DEFAULT_BASE_URL "https://api.elevenlabs.io/v1"

/* What replaces a secret in any text meant for humans. */
#define SANDRA_REDACTED "<redacted>"

/* @property_value if set and not empty, else the environment variable
 * @env_var if set and not empty, else NULL. Surrounding whitespace (a
 * trailing newline from `cat key.txt`) is stripped. Free with g_free. */
gchar *sandra_credentials_resolve_key (const gchar * property_value,
    const gchar * env_var);

/* Same order for a base URL, falling back to @default_url. The result has
 * no trailing '/', so callers append "/audio/transcriptions" etc. */
gchar *sandra_credentials_resolve_base_url (const gchar * property_value,
    const gchar * env_var, const gchar * default_url);

/* Maps http:// to ws:// and https:// to wss:// (ws/wss pass through) and
 * appends @path (may be NULL). NULL for any other scheme. */
gchar *sandra_credentials_ws_url (const gchar * base_url, const gchar * path);

/* TRUE for headers that carry credentials (Authorization, xi-api-key,
 * api-key, Proxy-Authorization, Cookie, ...), compared case-insensitively. */
gboolean sandra_credentials_is_secret_header (const gchar * name);

/* One "Name: value" line per header, secrets replaced by SANDRA_REDACTED.
 * For debug logs. */
gchar *sandra_credentials_format_headers (SoupMessageHeaders * headers);

/* The URI as a string, with the values of query parameters that look like
 * credentials (key, api_key, xi_api_key, token, ...) and any userinfo
 * password redacted. */
gchar *sandra_credentials_redact_uri (const gchar * uri);

/* Appends to @secrets (a GPtrArray of g_free'd strings) the values of
 * @uri's credential query parameters (and its userinfo), as written and
 * percent-decoded, so that a server quoting the URL back can be scrubbed. */
void sandra_credentials_collect_uri_secrets (const gchar * uri,
    GPtrArray * secrets);

/* Copy of @text with every occurrence of @secret (if not NULL/empty)
 * replaced by SANDRA_REDACTED. Use on server-provided messages before they
 * reach an error or a bus message. */
gchar *sandra_credentials_redact_text (const gchar * text,
    const gchar * secret);

/* TRUE when @uri's host is 127.0.0.0/8, ::1 or "localhost". The only hosts
 * for which certificate checks may be relaxed. */
gboolean sandra_credentials_is_loopback_uri (GUri * uri);

/* A SoupMessage::accept-certificate handler that accepts an unverified
 * certificate only when the message goes to a loopback address (a local
 * emulator with a self-signed certificate). Connected only when the user
 * asked for it; remote hosts are always verified. */
gboolean sandra_credentials_accept_loopback_certificate (SoupMessage * msg,
    GTlsCertificate * cert, GTlsCertificateFlags errors, gpointer user_data);

G_END_DECLS

#endif /* __SANDRA_CREDENTIALS_H__ */
