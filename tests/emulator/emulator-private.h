/* gst-sandra local API emulator: internals shared by its modules
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __SANDRA_EMULATOR_PRIVATE_H__
#define __SANDRA_EMULATOR_PRIVATE_H__

#include <libsoup/soup.h>
#include "sandra-emulator.h"
#include "scenario.h"

G_BEGIN_DECLS

#define EMU_LOG_DOMAIN "sandra-emulator"

struct _SandraEmulator
{
  /* Protects everything a client thread can read or change: the scenario,
   * the records and the verbose flag. Server code runs in the emulator
   * thread and takes the lock only around those. */
  GMutex lock;
  GCond cond;                   /* broadcast whenever a record changes */
  EmuScenario *scenario;
  JsonArray *records;
  GPtrArray *record_files;      /* per record: GPtrArray of GBytes, or NULL */
  guint record_base;            /* id of records[0]; grows on reset */
  gboolean verbose;

  /* Owned by the emulator thread once started. */
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;
  GList *rt_conns;              /* EmuRtConn *, open WebSocket sessions */
  GHashTable *rt_secrets;       /* ephemeral secrets (realtime-secrets.c) */
  GHashTable *rt_audio;         /* decoded reply fixtures (realtime-audio.c) */

  /* Written by the emulator thread before it signals start-up. */
  gchar *host;
  guint port;
  gchar *base_url;
  GError *start_error;
  gboolean start_done;
};

/* ---- emulator.c ---- */

/* Logs with g_message() when verbose is on. */
void emu_log (SandraEmulator * emu, const gchar * format, ...)
    G_GNUC_PRINTF (2, 3);

/* Checks the Bearer key of @msg against the scenario, fills the record's
 * "auth" member and, when the key is missing or unknown, answers 401 in the
 * service's shape. Returns whether the request may proceed. */
gboolean emu_check_auth (SandraEmulator * emu, SoupServerMessage * msg,
    guint record);

/* Applies the scenario's rate limit: adds x-ratelimit-* headers and answers
 * 429 when the budget is spent. Returns whether the request may proceed. */
gboolean emu_check_rate_limit (SandraEmulator * emu, SoupServerMessage * msg,
    guint record);

/* Status with a reason phrase (libsoup lacks some, such as 429's). */
const gchar *emu_status_phrase (guint status);
void emu_set_status (SoupServerMessage * msg, guint status);

/* Sets a JSON body on @msg. */
void emu_reply_json (SoupServerMessage * msg, guint status,
    const gchar * json);

/* Answers @status with {"error":{"message","type","param","code"}}. */
void emu_reply_error (SandraEmulator * emu, SoupServerMessage * msg,
    guint record, guint status, const gchar * type, const gchar * param,
    const gchar * code, const gchar * format, ...) G_GNUC_PRINTF (8, 9);

/* Schedules @func on the emulator context after @delay_ms (0: next
 * iteration). Returns the source (owned by the context). */
GSource *emu_timeout_add (SandraEmulator * emu, guint delay_ms,
    GSourceFunc func, gpointer data, GDestroyNotify notify);

/* ---- record.c ---- */

/* Appends a record for @msg (method, path, query, redacted headers).
 * Returns its index. */
guint emu_record_request (SandraEmulator * emu, SoupServerMessage * msg);
void emu_record_set_status (SandraEmulator * emu, guint record, guint status);
void emu_record_set_member (SandraEmulator * emu, guint record,
    const gchar * name, JsonNode * value /* transfer full */ );
void emu_record_add_form_field (SandraEmulator * emu, guint record,
    const gchar * name, const gchar * value);
void emu_record_add_file (SandraEmulator * emu, guint record,
    const gchar * field, const gchar * filename, const gchar * content_type,
    GBytes * data);
/* @server_event: FALSE for what the client sent. @event is copied. */
void emu_record_ws_event (SandraEmulator * emu, guint record,
    gboolean server_event, JsonNode * event);
/* The records with file bytes inlined as base64, for the debug endpoint. */
gchar *emu_record_dump_json (SandraEmulator * emu);
/* Drops every record; caller holds the lock. */
void emu_record_clear_locked (SandraEmulator * emu);

/* ---- transcription.c ---- */
void emu_transcription_register (SandraEmulator * emu);

/* ---- realtime.c ---- */
void emu_realtime_register (SandraEmulator * emu);
/* Starts closing every open WebSocket (server shutting down). */
void emu_realtime_close_all (SandraEmulator * emu);
/* Frees the connections whose close handshake did not finish, the
 * minted secrets and the decoded fixtures. */
void emu_realtime_free_all (SandraEmulator * emu);

G_END_DECLS

#endif
