/* gst-sandra: API keys, base URLs and keeping keys out of logs
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-credentials.h"

#include <string.h>
#include <gio/gio.h>
#include <gst/gst.h>

static gchar *
non_empty_stripped (const gchar * s)
{
  gchar *copy;

  if (s == NULL)
    return NULL;
  copy = g_strstrip (g_strdup (s));
  if (*copy == '\0') {
    g_free (copy);
    return NULL;
  }
  return copy;
}

gchar *
sandra_credentials_resolve_key (const gchar * property_value,
    const gchar * env_var)
{
  gchar *key = non_empty_stripped (property_value);

  if (key == NULL && env_var != NULL)
    key = non_empty_stripped (g_getenv (env_var));
  return key;
}

gchar *
sandra_credentials_resolve_base_url (const gchar * property_value,
    const gchar * env_var, const gchar * default_url)
{
  gchar *url = non_empty_stripped (property_value);
  gsize len;

  if (url == NULL && env_var != NULL)
    url = non_empty_stripped (g_getenv (env_var));
  if (url == NULL)
    url = non_empty_stripped (default_url);
  if (url == NULL)
    return NULL;

  len = strlen (url);
  while (len > 0 && url[len - 1] == '/')
    url[--len] = '\0';
  return url;
}

gchar *
sandra_credentials_ws_url (const gchar * base_url, const gchar * path)
{
  const gchar *rest;
  const gchar *scheme;

  g_return_val_if_fail (base_url != NULL, NULL);

  if (g_ascii_strncasecmp (base_url, "https://", 8) == 0) {
    scheme = "wss://";
    rest = base_url + 8;
  } else if (g_ascii_strncasecmp (base_url, "http://", 7) == 0) {
    scheme = "ws://";
    rest = base_url + 7;
  } else if (g_ascii_strncasecmp (base_url, "wss://", 6) == 0) {
    scheme = "wss://";
    rest = base_url + 6;
  } else if (g_ascii_strncasecmp (base_url, "ws://", 5) == 0) {
    scheme = "ws://";
    rest = base_url + 5;
  } else {
    return NULL;
  }

  return g_strconcat (scheme, rest, path, NULL);
}

static const gchar *secret_headers[] = {
  "authorization", "proxy-authorization", "xi-api-key", "api-key",
  "x-api-key", "openai-api-key", "cookie", "set-cookie",
};

gboolean
sandra_credentials_is_secret_header (const gchar * name)
{
  guint i;

  if (name == NULL)
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (secret_headers); i++) {
    if (g_ascii_strcasecmp (name, secret_headers[i]) == 0)
      return TRUE;
  }
  return FALSE;
}

gchar *
sandra_credentials_format_headers (SoupMessageHeaders * headers)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;
  GString *s = g_string_new (NULL);

  if (headers == NULL)
    return g_string_free (s, FALSE);

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value)) {
    if (s->len)
      g_string_append (s, "\n");
    g_string_append_printf (s, "%s: %s", name,
        sandra_credentials_is_secret_header (name) ? SANDRA_REDACTED : value);
  }
  return g_string_free (s, FALSE);
}

static gboolean
is_secret_param (const gchar * name)
{
  static const gchar *names[] = { "key", "api_key", "api-key", "apikey",
    "xi_api_key", "xi-api-key", "token", "access_token", "client_secret",
    "authorization", "single_use_token",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      return TRUE;
  }
  return FALSE;
}

gchar *
sandra_credentials_redact_uri (const gchar * uri)
{
  GUri *parsed, *redacted;
  const gchar *query;
  GString *q = NULL;
  gchar *out;

  if (uri == NULL)
    return NULL;

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED,
      NULL);
  /* Not a URI we can take apart: do not risk echoing a secret in it. */
  if (parsed == NULL)
    return g_strdup (SANDRA_REDACTED);

  query = g_uri_get_query (parsed);
  if (query) {
    gchar **pairs = g_strsplit (query, "&", -1);
    guint i;

    q = g_string_new (NULL);
    for (i = 0; pairs[i]; i++) {
      const gchar *eq = strchr (pairs[i], '=');
      gchar *name = eq ? g_strndup (pairs[i], eq - pairs[i]) :
          g_strdup (pairs[i]);

      if (q->len)
        g_string_append_c (q, '&');
      if (eq && is_secret_param (name))
        g_string_append_printf (q, "%s=%s", name, SANDRA_REDACTED);
      else
        g_string_append (q, pairs[i]);
      g_free (name);
    }
    g_strfreev (pairs);
  }

  redacted = g_uri_build (G_URI_FLAGS_ENCODED, g_uri_get_scheme (parsed),
      g_uri_get_userinfo (parsed) ? SANDRA_REDACTED : NULL,
      g_uri_get_host (parsed), g_uri_get_port (parsed),
      g_uri_get_path (parsed), q ? q->str : NULL, g_uri_get_fragment (parsed));
  out = g_uri_to_string (redacted);

  g_uri_unref (redacted);
  g_uri_unref (parsed);
  if (q)
    g_string_free (q, TRUE);
  return out;
}

/* As written in the URL, and percent-decoded when that differs. */
static void
add_secret (GPtrArray * secrets, const gchar * value)
{
  gchar *raw, *decoded;

  raw = g_strdup (value);
  if (*raw == '\0') {
    g_free (raw);
    return;
  }
  decoded = g_uri_unescape_string (raw, NULL);
  if (decoded && strcmp (decoded, raw) != 0 && *decoded)
    g_ptr_array_add (secrets, decoded);
  else
    g_free (decoded);
  g_ptr_array_add (secrets, raw);
}

void
sandra_credentials_collect_uri_secrets (const gchar * uri, GPtrArray * secrets)
{
  GUri *parsed;
  const gchar *query;

  g_return_if_fail (secrets != NULL);
  if (uri == NULL)
    return;
  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED,
      NULL);
  if (parsed == NULL)
    return;
  if (g_uri_get_userinfo (parsed))
    add_secret (secrets, g_uri_get_userinfo (parsed));
  query = g_uri_get_query (parsed);
  if (query) {
    gchar **pairs = g_strsplit (query, "&", -1);
    guint i;

    for (i = 0; pairs[i]; i++) {
      const gchar *eq = strchr (pairs[i], '=');
      gchar *name;

      if (eq == NULL)
        continue;
      name = g_strndup (pairs[i], eq - pairs[i]);
      if (is_secret_param (name))
        add_secret (secrets, eq + 1);
      g_free (name);
    }
    g_strfreev (pairs);
  }
  g_uri_unref (parsed);
}

gchar *
sandra_credentials_redact_text (const gchar * text, const gchar * secret)
{
  GString *s;

  if (text == NULL)
    return NULL;
  s = g_string_new (text);
  if (secret && *secret)
    g_string_replace (s, secret, SANDRA_REDACTED, 0);
  return g_string_free (s, FALSE);
}

gboolean
sandra_credentials_is_loopback_uri (GUri * uri)
{
  const gchar *host;
  GInetAddress *addr;
  gboolean ret;

  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL)
    return FALSE;

  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;

  addr = g_inet_address_new_from_string (host);
  if (addr == NULL) {
    /* GUri keeps IPv6 literals bracketed in some versions */
    gchar *bare = NULL;
    gsize len = strlen (host);

    if (len > 2 && host[0] == '[' && host[len - 1] == ']')
      bare = g_strndup (host + 1, len - 2);
    if (bare)
      addr = g_inet_address_new_from_string (bare);
    g_free (bare);
  }
  if (addr == NULL)
    return FALSE;
  ret = g_inet_address_get_is_loopback (addr);
  g_object_unref (addr);
  return ret;
}

gboolean
sandra_credentials_accept_loopback_certificate (SoupMessage * msg,
    GTlsCertificate * cert, GTlsCertificateFlags errors, gpointer user_data)
{
  if (!sandra_credentials_is_loopback_uri (soup_message_get_uri (msg)))
    return FALSE;
  GST_CAT_WARNING (GST_CAT_DEFAULT, "accepting an unverified certificate "
      "(flags 0x%x) from a loopback address", errors);
  return TRUE;
}
