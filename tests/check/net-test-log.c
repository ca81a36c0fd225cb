/* gst-sandra: capture what the network core logs, for redaction tests
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "net-test-log.h"

#include <gst/gst.h>

static GMutex lock;
static GString *captured;
static guint glog_handler;

static void
capture_gst_log (GstDebugCategory * category, GstDebugLevel level,
    const gchar * file, const gchar * function, gint line, GObject * object,
    GstDebugMessage * message, gpointer user_data)
{
  gchar *l = gst_debug_log_get_line (category, level, file, function, line,
      object, message);

  g_mutex_lock (&lock);
  if (captured)
    g_string_append (captured, l);
  g_mutex_unlock (&lock);
  g_free (l);
}

static void
capture_glog (const gchar * domain, GLogLevelFlags level, const gchar * msg,
    gpointer data)
{
  g_mutex_lock (&lock);
  if (captured)
    g_string_append_printf (captured, "%s: %s\n", domain ? domain : "", msg);
  g_mutex_unlock (&lock);
}

void
net_test_log_start (void)
{
  g_mutex_lock (&lock);
  captured = g_string_new (NULL);
  g_mutex_unlock (&lock);
  gst_debug_set_active (TRUE);
  gst_debug_set_threshold_for_name ("sandranet*", GST_LEVEL_MEMDUMP);
  gst_debug_add_log_function (capture_gst_log, NULL, NULL);
  glog_handler = g_log_set_handler (NULL, G_LOG_LEVEL_MASK, capture_glog, NULL);
}

gchar *
net_test_log_stop (void)
{
  gchar *text;

  gst_debug_remove_log_function (capture_gst_log);
  g_log_remove_handler (NULL, glog_handler);
  gst_debug_set_threshold_for_name ("sandranet*", GST_LEVEL_WARNING);
  g_mutex_lock (&lock);
  text = g_string_free (captured, FALSE);
  captured = NULL;
  g_mutex_unlock (&lock);
  return text;
}
