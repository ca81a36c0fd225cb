/* gst-sandra tests: emulator helpers and a plain libsoup Realtime client
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Drives the emulator's Realtime sessions in tests without the project's
 * network core, so the emulator is checked on its own. Every call runs the
 * client's own GMainContext; failures fail the running gst-check test.
 */
#ifndef __EMU_RT_CLIENT_H__
#define __EMU_RT_CLIENT_H__

#include <gst/check/gstcheck.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "sandra-emulator.h"

G_BEGIN_DECLS

typedef struct
{
  GMainContext *context;
  SoupSession *session;
  SoupWebsocketConnection *ws;
  GError *error;
  guint status;                 /* of the upgrade */
  gboolean done;
  gboolean closed;
  GPtrArray *events;            /* JsonObject *, server events */
  guint cursor;                 /* next event wait_event() looks at */
} RtClient;

/* Iterates the client context until @cond holds or 20 s pass (a safety
 * net against hangs, not a performance bound). */
#define RT_ITERATE_UNTIL(c, cond) G_STMT_START { \
    gint64 _end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC; \
    while (!(cond) && g_get_monotonic_time () < _end) \
      g_main_context_iteration ((c)->context, TRUE); \
  } G_STMT_END

/* A started emulator on a free port answering from @scenario, or fails. */
SandraEmulator *emu_test_start (const gchar * scenario);

/* Fixture @name decoded to 24 kHz S16LE mono, followed by @silence_ms of
 * silence. */
GBytes *emu_test_speech_24k (const gchar * name, guint silence_ms);

/* Opens /v1/realtime?@query with Bearer @key (NULL: none); @beta adds
 * OpenAI-Beta: realtime=v1. On a refused upgrade c->ws is NULL and
 * c->status tells why. */
RtClient *rt_connect (SandraEmulator * emu, const gchar * key, gboolean beta,
    const gchar * query);
void rt_free (RtClient * c);
void rt_send (RtClient * c, const gchar * json);
/* The next received server event of @type after the cursor, or NULL. */
JsonObject *rt_scan (RtClient * c, const gchar * type);
/* The next server event of @type (skipping others), or fails. */
JsonObject *rt_wait (RtClient * c, const gchar * type);
/* The next error event; checks its event_id, code and param when given. */
JsonObject *rt_wait_error (RtClient * c, const gchar * event_id,
    const gchar * code, const gchar * param);
/* Sends @n_bytes of audio as appends of 40 ms of 24 kHz S16LE. */
void rt_append_audio (RtClient * c, const guint8 * data, gsize n_bytes);

G_END_DECLS

#endif
