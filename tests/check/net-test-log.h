/* gst-sandra: capture what the network core logs, for redaction tests
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __NET_TEST_LOG_H__
#define __NET_TEST_LOG_H__

#include <glib.h>

G_BEGIN_DECLS

/* Turns the sandranet* debug categories up to MEMDUMP and records every
 * GStreamer debug line and every g_log message (default domain) from any
 * thread. */
void net_test_log_start (void);

/* Stops recording, restores the thresholds and returns what was logged.
 * Free with g_free. */
gchar *net_test_log_stop (void);

G_END_DECLS

#endif
