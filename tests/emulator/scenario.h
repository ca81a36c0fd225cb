/* gst-sandra local API emulator: scenarios
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A scenario is the JSON script the emulator answers from (schema in
 * docs/emulator.md). This module parses and checks it, and hands out the
 * queued replies in order. It is not thread-safe: the emulator calls it
 * under its lock.
 */
#ifndef __SANDRA_EMULATOR_SCENARIO_H__
#define __SANDRA_EMULATOR_SCENARIO_H__

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _EmuScenario EmuScenario;

/* The audio of a scripted reply that names none (tests/data). */
#define EMU_DEFAULT_REPLY_AUDIO "emulator-reply-24k.wav"


EmuScenario *emu_scenario_new (const gchar * json, GError ** error);
/* Same, for a scenario read from a file in @base_dir: relative fixture
 * names are looked up there first. */
EmuScenario *emu_scenario_new_in_dir (const gchar * json,
    const gchar * base_dir, GError ** error);
void emu_scenario_free (EmuScenario * sc);

/* Rewinds the reply queues and the rate-limit budget. */
void emu_scenario_restart (EmuScenario * sc);

/* Whether @key is accepted. @key_index / @key_id tell which entry of
 * "api_keys" matched (-1 / NULL when the scenario accepts any key). */
gboolean emu_scenario_match_key (EmuScenario * sc, const gchar * key,
    gint * key_index, const gchar ** key_id);

/* Maximum request body, in bytes. */
gint64 emu_scenario_get_max_body_bytes (EmuScenario * sc);

/* Counts one request against the rate limit. Returns FALSE when the budget
 * of the current window is spent. The other values fill the x-ratelimit-*
 * and retry-after headers; @limit is 0 when no rate limit is configured. */
gboolean emu_scenario_take_request (EmuScenario * sc, gint64 now_us,
    guint * limit, guint * remaining, guint * reset_ms,
    guint * retry_after_ms);

/* The next scripted transcription reply (the queue, then "default").
 * Returns a new reference. */
JsonObject *emu_scenario_next_transcription (EmuScenario * sc);

/* The next scripted Realtime transcription turn. New reference. */
JsonObject *emu_scenario_next_realtime_turn (EmuScenario * sc);

/* The next per-connection script of Realtime sessions, or NULL. */
JsonObject *emu_scenario_next_realtime_connection (EmuScenario * sc);

/* The next scripted response of a Realtime conversation. New reference. */
JsonObject *emu_scenario_next_realtime_response (EmuScenario * sc);

/* The next per-connection script of conversation sessions, or NULL. */
JsonObject *emu_scenario_next_conversation_connection (EmuScenario * sc);

/* How long a Realtime session lasts before session_expired. */
guint emu_scenario_get_max_session_ms (EmuScenario * sc, gboolean beta);

/* Whether a bad key on the Realtime upgrade is accepted and closed with
 * 3000 (field-observed) instead of refused with 401. */
gboolean emu_scenario_bad_key_closes (EmuScenario * sc);

/* Lifetime of minted ephemeral secrets in ms; 0: as requested. */
guint emu_scenario_get_secret_ttl_ms (EmuScenario * sc);

/* The path of fixture @name: absolute as is, else under the scenario's
 * data_dir if it has one, else the first that has it of the scenario
 * file's directory, $SANDRA_EMULATOR_DATA_DIR and the source tree's
 * tests/data. g_free(). */
gchar *emu_scenario_resolve_path (EmuScenario * sc, const gchar * name);

/* Energy threshold of the emulated server VAD, in dBFS, for a
 * turn_detection threshold of 0.5 (see realtime-transcription.c). */
gdouble emu_scenario_get_vad_threshold_dbfs (EmuScenario * sc);

/* Whether @model is accepted on top of the documented ones. */
gboolean emu_scenario_extra_model (EmuScenario * sc, const gchar * model);

/* The default deltas of a scripted text: split before each space, so that
 * they concatenate back to the text. NULL-terminated; g_strfreev(). */
gchar **emu_split_deltas (const gchar * text);

G_END_DECLS

#endif
