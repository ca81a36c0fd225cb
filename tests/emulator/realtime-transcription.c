/* gst-sandra local API emulator: Realtime transcription sessions
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * ?intent=transcription sessions, GA (session.update with session.type
 * "transcription", nested audio.input) and beta (transcription_session.update,
 * flat fields). Audio appended by the client is kept in the input buffer
 * and, with turn detection on, analysed by an energy VAD that emits
 * speech_started / speech_stopped and commits the turn; committed turns are
 * answered with the scenario's transcripts (delta* then completed, or
 * failed).
 */
#include "realtime.h"
#include "energy-vad.h"

#include <math.h>
#include <string.h>

/* The service accepts at most 15 MiB of audio in one append. */
#define MAX_APPEND_BYTES (15 * 1024 * 1024)
/* A commit needs at least this much audio. */
#define MIN_COMMIT_MS 100
/* How long a voiced run must last before speech is declared. */
#define MIN_SPEECH_MS 60
/* threshold 0..1 spreads over +-20 dB around the scenario's threshold. */
#define THRESHOLD_SPAN_DB 40.0

typedef enum
{
  FORMAT_PCM16,
  FORMAT_ULAW,
  FORMAT_ALAW
} AudioFormat;

struct _EmuRtTranscription
{
  EmuRtConn *conn;
  JsonObject *session;          /* current session, in the connection's shape */
  gchar *session_id;

  /* Derived from the session. */
  AudioFormat format;
  gchar *model;                 /* transcription model, NULL: none */
  gboolean vad_on;

  EmuEnergyVad vad;
  GByteArray *buffer;           /* uncommitted input audio */
  /* The stream clock (audio_start_ms, audio_end_ms) is the VAD's count of
   * 10 ms frames, which survives format changes and commits. */
  gchar *speech_item_id;        /* item of the speech in progress */
  gchar *last_item_id;
  guint64 audio_bytes;          /* appended since the session began */

  /* Set when a conversation uses this session as its input side. */
  const EmuRtInputHooks *hooks;
  gpointer owner;
};

static guint
format_rate (AudioFormat f)
{
  return f == FORMAT_PCM16 ? 24000 : 8000;
}

static guint
format_width (AudioFormat f)
{
  return f == FORMAT_PCM16 ? 2 : 1;
}

static guint64
bytes_to_ms (EmuRtTranscription * tx, guint64 bytes)
{
  return bytes * 1000 / (format_rate (tx->format) * format_width (tx->format));
}

/* ---- session state ---- */

static JsonObject *
default_session (EmuRtTranscription * tx)
{
  JsonObject *s = json_object_new ();

  if (tx->conn->beta) {
    json_object_set_string_member (s, "input_audio_format", "pcm16");
    json_object_set_null_member (s, "input_audio_transcription");
    json_object_set_object_member (s, "turn_detection",
        emu_rt_default_turn_detection ());
    json_object_set_null_member (s, "input_audio_noise_reduction");
    json_object_set_null_member (s, "include");
  } else {
    JsonObject *audio = json_object_new (), *input = json_object_new ();
    JsonObject *format = json_object_new ();

    json_object_set_string_member (format, "type", "audio/pcm");
    json_object_set_int_member (format, "rate", 24000);
    json_object_set_object_member (input, "format", format);
    json_object_set_null_member (input, "transcription");
    json_object_set_null_member (input, "noise_reduction");
    json_object_set_object_member (input, "turn_detection",
        emu_rt_default_turn_detection ());
    json_object_set_object_member (audio, "input", input);
    json_object_set_string_member (s, "type", "transcription");
    json_object_set_object_member (s, "audio", audio);
    json_object_set_null_member (s, "include");
  }
  return s;
}

#define object_or_null emu_rt_object_or_null

/* Recomputes format, model and VAD settings from the session. */
static void
apply_session (EmuRtTranscription * tx)
{
  JsonObject *s = tx->session, *input, *tr, *td;
  AudioFormat format = FORMAT_PCM16;
  gdouble threshold = 0.5, base;
  guint silence_ms = 500;

  if (tx->conn->beta) {
    const gchar *f = json_object_get_string_member_with_default (s,
        "input_audio_format", "pcm16");

    format = g_str_equal (f, "g711_ulaw") ? FORMAT_ULAW :
        g_str_equal (f, "g711_alaw") ? FORMAT_ALAW : FORMAT_PCM16;
    tr = object_or_null (s, "input_audio_transcription");
    td = object_or_null (s, "turn_detection");
  } else {
    JsonObject *fmt;

    input = object_or_null (object_or_null (s, "audio"), "input");
    fmt = object_or_null (input, "format");
    if (fmt) {
      const gchar *t = json_object_get_string_member_with_default (fmt,
          "type", "audio/pcm");

      format = g_str_equal (t, "audio/pcmu") ? FORMAT_ULAW :
          g_str_equal (t, "audio/pcma") ? FORMAT_ALAW : FORMAT_PCM16;
    }
    tr = object_or_null (input, "transcription");
    td = object_or_null (input, "turn_detection");
  }

  g_free (tx->model);
  tx->model = tr ? g_strdup (json_object_get_string_member_with_default (tr,
          "model", NULL)) : NULL;

  if (format != tx->format) {
    /* The buffered audio was in the old format: the service would not mix
     * them either. */
    g_byte_array_set_size (tx->buffer, 0);
    tx->format = format;
  }

  tx->vad_on = td != NULL;
  if (td) {
    JsonNode *n = json_object_get_member (td, "threshold");

    if (n && JSON_NODE_HOLDS_VALUE (n))
      threshold = json_node_get_double (n);
    silence_ms = json_object_get_int_member_with_default (td,
        "silence_duration_ms", 500);
    /* semantic_vad decides on meaning; for an energy VAD its eagerness is
     * approximated by the default hangover. */
  }
  g_mutex_lock (&tx->conn->emu->lock);
  base = emu_scenario_get_vad_threshold_dbfs (tx->conn->emu->scenario);
  g_mutex_unlock (&tx->conn->emu->lock);
  if (tx->vad.rate != format_rate (tx->format)) {
    guint64 frames = tx->vad.frames_done;

    emu_energy_vad_clear (&tx->vad);
    emu_energy_vad_init (&tx->vad, format_rate (tx->format), 0.0,
        MIN_SPEECH_MS, 0);
    tx->vad.frames_done = frames;
  }
  /* Changed in place, so that an update during speech does not lose it. */
  tx->vad.threshold_dbfs = base + (threshold - 0.5) * THRESHOLD_SPAN_DB;
  tx->vad.silence_ms = MAX (silence_ms, 10);
}

static JsonObject *
session_event (EmuRtTranscription * tx, const gchar * type)
{
  JsonObject *ev = json_object_new ();
  JsonNode *copy = json_node_new (JSON_NODE_OBJECT);
  JsonObject *s;

  /* A deep copy: the event outlives later updates of the session. */
  s = emu_rt_object_copy (tx->session);
  json_node_take_object (copy, s);
  json_object_set_string_member (s, "id", tx->session_id);
  json_object_set_string_member (s, "object", "realtime.transcription_session");
  json_object_set_int_member (s, "expires_at",
      g_get_real_time () / G_USEC_PER_SEC + 3600);
  json_object_set_string_member (ev, "type", type);
  json_object_set_member (ev, "session", copy);
  return ev;
}

EmuRtTranscription *
emu_rt_transcription_new (EmuRtConn * conn)
{
  EmuRtTranscription *tx = g_new0 (EmuRtTranscription, 1);

  tx->conn = conn;
  tx->session_id = emu_rt_new_id ("sess");
  tx->buffer = g_byte_array_new ();
  tx->session = default_session (tx);
  emu_energy_vad_init (&tx->vad, 24000, -45.0, MIN_SPEECH_MS, 500);
  apply_session (tx);
  return tx;
}

void
emu_rt_transcription_free (EmuRtTranscription * tx)
{
  if (tx == NULL)
    return;
  json_object_unref (tx->session);
  emu_energy_vad_clear (&tx->vad);
  g_byte_array_unref (tx->buffer);
  g_free (tx->session_id);
  g_free (tx->model);
  g_free (tx->speech_item_id);
  g_free (tx->last_item_id);
  g_free (tx);
}

void
emu_rt_transcription_start (EmuRtTranscription * tx)
{
  emu_rt_send (tx->conn, session_event (tx, "session.created"));
}

/* ---- transcripts ---- */

typedef struct
{
  EmuRtTranscription *tx;       /* outlived: timers die before it */
  gchar *item_id;
  JsonObject *turn;
  gchar **deltas;
  guint next;
  gchar *model;
  gdouble seconds;
} Turn;

static void
turn_free (gpointer data)
{
  Turn *t = data;

  g_free (t->item_id);
  json_object_unref (t->turn);
  g_strfreev (t->deltas);
  g_free (t->model);
  g_free (t);
}

static const gchar *
turn_text (Turn * t)
{
  return json_object_get_string_member_with_default (t->turn, "transcript", "");
}

static JsonObject *
item_event (const gchar * type, const gchar * item_id)
{
  JsonObject *ev = json_object_new ();

  json_object_set_string_member (ev, "type", type);
  json_object_set_string_member (ev, "item_id", item_id);
  json_object_set_int_member (ev, "content_index", 0);
  return ev;
}

static void turn_step (EmuRtConn * conn, gpointer data);

static void
send_completed (EmuRtConn * conn, Turn * t)
{
  JsonObject *ev = item_event
      ("conversation.item.input_audio_transcription.completed", t->item_id);
  JsonObject *usage = json_object_new ();

  json_object_set_string_member (ev, "transcript", turn_text (t));
  if (g_str_has_prefix (t->model, "gpt-4o")) {
    gint64 in = (gint64) ceil (t->seconds * 10.0);
    gint64 out = (strlen (turn_text (t)) + 3) / 4;

    json_object_set_string_member (usage, "type", "tokens");
    json_object_set_int_member (usage, "input_tokens", in);
    json_object_set_int_member (usage, "output_tokens", out);
    json_object_set_int_member (usage, "total_tokens", in + out);
  } else {
    json_object_set_string_member (usage, "type", "duration");
    json_object_set_double_member (usage, "seconds", t->seconds);
  }
  json_object_set_object_member (ev, "usage", usage);
  /* The item holds its transcript by the time the client hears of it. */
  if (t->tx->hooks && t->tx->hooks->transcribed)
    t->tx->hooks->transcribed (t->tx->owner, t->item_id, turn_text (t));
  emu_rt_send (conn, ev);
}

/* Sends the next delta (and schedules itself again), or the completion.
 * Owns @data while it runs. */
static void
turn_step (EmuRtConn * conn, gpointer data)
{
  Turn *t = data;
  JsonObject *ev;

  if (json_object_has_member (t->turn, "error")) {
    JsonObject *e = json_object_get_object_member (t->turn, "error");
    JsonObject *err = emu_error_object
        (json_object_get_string_member_with_default (e, "type",
            "server_error"),
        json_object_get_string_member_with_default (e, "message",
            "Transcription failed (scripted)."), NULL,
        json_object_get_string_member_with_default (e, "code",
            "transcription_failed"));

    ev = item_event ("conversation.item.input_audio_transcription.failed",
        t->item_id);
    json_object_set_object_member (ev, "error", err);
    emu_rt_send (conn, ev);
    turn_free (t);
    return;
  }
  if (t->deltas[t->next]) {
    ev = item_event ("conversation.item.input_audio_transcription.delta",
        t->item_id);
    json_object_set_string_member (ev, "delta", t->deltas[t->next++]);
    emu_rt_send (conn, ev);
    emu_rt_schedule (conn, json_object_get_int_member_with_default (t->turn,
            "delta_delay_ms", 0), turn_step, t, turn_free);
    return;
  }
  send_completed (conn, t);
  turn_free (t);
}

/* After a commit: sends the item events and runs the scenario's turn. */
static void
answer_commit (EmuRtTranscription * tx, const gchar * item_id,
    guint64 audio_ms, gboolean by_vad)
{
  EmuRtConn *conn = tx->conn;
  JsonObject *turn, *item, *content, *ev;
  JsonArray *parts;
  JsonNode *disc;
  Turn *t;

  /* The user item the transcript belongs to. */
  item = json_object_new ();
  json_object_set_string_member (item, "id", item_id);
  json_object_set_string_member (item, "object", "realtime.item");
  json_object_set_string_member (item, "type", "message");
  json_object_set_string_member (item, "status", "completed");
  json_object_set_string_member (item, "role", "user");
  parts = json_array_new ();
  content = json_object_new ();
  json_object_set_string_member (content, "type", "input_audio");
  json_object_set_null_member (content, "transcript");
  json_array_add_object_element (parts, content);
  json_object_set_array_member (item, "content", parts);
  if (tx->hooks) {
    /* The conversation announces and keeps its items. */
    tx->hooks->committed (tx->owner, item, by_vad);
    json_object_unref (item);
    if (conn->closing)
      return;
  } else if (conn->beta) {
    ev = json_object_new ();
    json_object_set_string_member (ev, "type", "conversation.item.created");
    if (tx->last_item_id)
      json_object_set_string_member (ev, "previous_item_id", tx->last_item_id);
    else
      json_object_set_null_member (ev, "previous_item_id");
    json_object_set_object_member (ev, "item", item);
    emu_rt_send (conn, ev);
  } else {
    JsonNode *n = json_node_new (JSON_NODE_OBJECT);

    json_node_take_object (n, item);
    ev = json_object_new ();
    json_object_set_string_member (ev, "type", "conversation.item.added");
    json_object_set_member (ev, "item", json_node_copy (n));
    emu_rt_send (conn, ev);
    ev = json_object_new ();
    json_object_set_string_member (ev, "type", "conversation.item.done");
    json_object_set_member (ev, "item", n);
    emu_rt_send (conn, ev);
  }
  g_free (tx->last_item_id);
  tx->last_item_id = g_strdup (item_id);

  if (tx->model == NULL)
    return;                     /* no transcription configured */

  g_mutex_lock (&conn->emu->lock);
  turn = emu_scenario_next_realtime_turn (conn->emu->scenario);
  g_mutex_unlock (&conn->emu->lock);

  if ((disc = json_object_get_member (turn, "disconnect"))) {
    JsonObject *d = JSON_NODE_HOLDS_OBJECT (disc) ?
        json_node_get_object (disc) : NULL;

    if (d != NULL || json_node_get_boolean (disc)) {
      emu_rt_close (conn, d ? json_object_get_int_member_with_default (d,
              "code", 1011) : 1011, d ?
          json_object_get_string_member_with_default (d, "reason",
              "scripted disconnect") : "scripted disconnect");
      json_object_unref (turn);
      return;
    }
  }
  if (json_object_has_member (turn, "error_event")) {
    JsonObject *e = json_object_get_object_member (turn, "error_event");
    EmuApiError err = { 0, };

    err.type = g_strdup (json_object_get_string_member_with_default (e,
            "type", "server_error"));
    err.code = g_strdup (json_object_get_string_member_with_default (e,
            "code", NULL));
    err.message = g_strdup (json_object_get_string_member_with_default (e,
            "message", "Scripted error."));
    emu_rt_send_error (conn, NULL, &err);
    emu_api_error_clear (&err);
    json_object_unref (turn);
    return;
  }

  t = g_new0 (Turn, 1);
  t->tx = tx;
  t->item_id = g_strdup (item_id);
  t->turn = turn;
  t->model = g_strdup (tx->model);
  t->seconds = audio_ms / 1000.0;
  if (g_str_equal (tx->model, "whisper-1")) {
    /* whisper-1 delivers the whole transcript in one delta. */
    t->deltas = g_new0 (gchar *, 2);
    t->deltas[0] = g_strdup (turn_text (t));
  } else if (json_object_has_member (turn, "deltas")) {
    JsonArray *a = json_object_get_array_member (turn, "deltas");
    guint i;

    t->deltas = g_new0 (gchar *, json_array_get_length (a) + 1);
    for (i = 0; i < json_array_get_length (a); i++)
      t->deltas[i] = g_strdup (json_array_get_string_element (a, i));
  } else {
    t->deltas = emu_split_deltas (turn_text (t));
  }
  emu_rt_schedule (conn, json_object_get_int_member_with_default (turn,
          "delay_ms", 0), turn_step, t, turn_free);
}

/* Commits the whole input buffer as one item. */
static void
commit (EmuRtTranscription * tx, const gchar * item_id, gboolean by_vad)
{
  JsonObject *ev = json_object_new ();
  guint64 ms = bytes_to_ms (tx, tx->buffer->len);
  gchar *id = item_id ? g_strdup (item_id) : emu_rt_new_id ("item");
  const gchar *previous = tx->hooks ? tx->hooks->last_item_id (tx->owner) :
      tx->last_item_id;

  json_object_set_string_member (ev, "type", "input_audio_buffer.committed");
  if (previous)
    json_object_set_string_member (ev, "previous_item_id", previous);
  else
    json_object_set_null_member (ev, "previous_item_id");
  json_object_set_string_member (ev, "item_id", id);
  emu_rt_send (tx->conn, ev);

  g_byte_array_set_size (tx->buffer, 0);
  answer_commit (tx, id, ms, by_vad);
  g_free (id);
}

/* ---- audio and VAD ---- */

static gint16
ulaw_to_s16 (guint8 u)
{
  gint t;

  u = ~u;
  t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return (u & 0x80) ? 0x84 - t : t - 0x84;
}

static gint16
alaw_to_s16 (guint8 a)
{
  gint t, seg;

  a ^= 0x55;
  t = (a & 0x0f) << 4;
  seg = (a & 0x70) >> 4;
  if (seg == 0)
    t += 8;
  else
    t = (t + 0x108) << (seg - 1);
  return (a & 0x80) ? t : -t;
}

static void
vad_event (gboolean started, guint64 at_ms, gpointer data)
{
  EmuRtTranscription *tx = data;
  JsonObject *ev = json_object_new ();

  if (started) {
    g_free (tx->speech_item_id);
    tx->speech_item_id = emu_rt_new_id ("item");
    json_object_set_string_member (ev, "type",
        "input_audio_buffer.speech_started");
    json_object_set_int_member (ev, "audio_start_ms", at_ms);
    json_object_set_string_member (ev, "item_id", tx->speech_item_id);
    emu_rt_send (tx->conn, ev);
    if (tx->hooks)
      tx->hooks->speech_started (tx->owner, tx->speech_item_id, at_ms);
  } else {
    gchar *id = g_steal_pointer (&tx->speech_item_id);

    json_object_set_string_member (ev, "type",
        "input_audio_buffer.speech_stopped");
    json_object_set_int_member (ev, "audio_end_ms", at_ms);
    json_object_set_string_member (ev, "item_id", id);
    emu_rt_send (tx->conn, ev);
    commit (tx, id, TRUE);
    g_free (id);
  }
}

/* Buffers and analyses @data in whole samples. A commit triggered by the
 * VAD takes the buffer up to the end of the frame that ended the speech. */
static void
append_audio (EmuRtTranscription * tx, const guint8 * data, gsize len)
{
  guint width = format_width (tx->format);
  gsize i;

  for (i = 0; i + width <= len; i += width) {
    gint16 s;

    g_byte_array_append (tx->buffer, data + i, width);
    if (!tx->vad_on)
      continue;
    if (tx->format == FORMAT_PCM16)
      s = (gint16) (data[i] | (data[i + 1] << 8));
    else if (tx->format == FORMAT_ULAW)
      s = ulaw_to_s16 (data[i]);
    else
      s = alaw_to_s16 (data[i]);
    emu_energy_vad_process (&tx->vad, &s, 1, vad_event, tx);
    if (tx->conn->closing)
      return;
  }
}

/* ---- client events ---- */

#define only_members emu_rt_only_members

static gboolean
handle_update (EmuRtTranscription * tx, JsonObject * event, EmuApiError * err)
{
  static const gchar *const allowed[] = { "session", NULL };
  static const gchar *const ga_nested[] = { "audio", "input", NULL };
  JsonObject *update;

  if (!only_members (event, allowed, err) ||
      !emu_rt_required_object (event, "session", &update, err) ||
      !emu_validate_transcription_session (update, tx->conn->beta, err))
    return FALSE;

  emu_rt_merge (tx->session, update, tx->conn->beta ? NULL : ga_nested);
  apply_session (tx);
  emu_rt_send (tx->conn, session_event (tx, tx->conn->beta ?
          "transcription_session.updated" : "session.updated"));
  return TRUE;
}

static gboolean
handle_append (EmuRtTranscription * tx, JsonObject * event, EmuApiError * err)
{
  static const gchar *const allowed[] = { "audio", NULL };
  JsonNode *n = json_object_get_member (event, "audio");
  const gchar *b64;
  guchar *data;
  gsize len;

  if (!only_members (event, allowed, err))
    return FALSE;
  if (n == NULL)
    return emu_api_error_set (err, 400, "audio",
        "missing_required_parameter", "Missing required parameter: 'audio'.");
  if (!JSON_NODE_HOLDS_VALUE (n) ||
      json_node_get_value_type (n) != G_TYPE_STRING)
    return emu_api_error_set (err, 400, "audio", "invalid_type",
        "Invalid type for 'audio': expected a base64 string.");
  b64 = json_node_get_string (n);
  if (!emu_is_base64 (b64))
    return emu_api_error_set (err, 400, "audio", "invalid_value",
        "Invalid 'audio'. Expected base64-encoded audio bytes.");
  if (strlen (b64) / 4 * 3 > MAX_APPEND_BYTES)
    return emu_api_error_set (err, 400, "audio", "string_above_max_length",
        "Invalid 'audio': at most 15 MiB of audio per append.");
  data = g_base64_decode (b64, &len);
  tx->audio_bytes += len;
  append_audio (tx, data, len);
  g_free (data);
  return TRUE;
}

static gboolean
handle_commit (EmuRtTranscription * tx, JsonObject * event, EmuApiError * err)
{
  gchar *item_id;
  guint64 ms;

  if (!only_members (event, NULL, err))
    return FALSE;
  ms = bytes_to_ms (tx, tx->buffer->len);
  if (ms < MIN_COMMIT_MS)
    return emu_api_error_set (err, 400, NULL,
        "input_audio_buffer_commit_empty", "Error committing input audio "
        "buffer: buffer too small. Expected at least %dms of audio, but "
        "buffer only has %.2fms of audio.", MIN_COMMIT_MS,
        tx->buffer->len * 1000.0 / (format_rate (tx->format) *
            format_width (tx->format)));
  /* A manual commit ends any speech in progress; its item id is used. */
  emu_energy_vad_reset_state (&tx->vad);
  item_id = g_steal_pointer (&tx->speech_item_id);
  commit (tx, item_id, FALSE);
  g_free (item_id);
  return TRUE;
}

static gboolean
handle_clear (EmuRtTranscription * tx, JsonObject * event, EmuApiError * err)
{
  JsonObject *ev;

  if (!only_members (event, NULL, err))
    return FALSE;
  g_byte_array_set_size (tx->buffer, 0);
  emu_energy_vad_reset_state (&tx->vad);
  g_clear_pointer (&tx->speech_item_id, g_free);
  ev = json_object_new ();
  json_object_set_string_member (ev, "type", "input_audio_buffer.cleared");
  emu_rt_send (tx->conn, ev);
  return TRUE;
}

/* Client events the Realtime API defines that have no meaning in a
 * transcription session. */
static const gchar *const other_client_events[] = {
  "conversation.item.create", "conversation.item.retrieve",
  "conversation.item.truncate", "conversation.item.delete",
  "response.create", "response.cancel", "output_audio_buffer.clear",
  NULL
};

gboolean
emu_rt_transcription_handle (EmuRtTranscription * tx, const gchar * type,
    JsonObject * event, EmuApiError * err)
{
  const gchar *update = tx->conn->beta ? "transcription_session.update" :
      "session.update";
  gboolean handled, ok;

  if (g_str_equal (type, update))
    return handle_update (tx, event, err);
  ok = emu_rt_transcription_handle_input (tx, type, event, err, &handled);
  if (handled)
    return ok;
  if (g_strv_contains (other_client_events, type) ||
      g_str_equal (type, "session.update") ||
      g_str_equal (type, "transcription_session.update"))
    return emu_api_error_set (err, 400, "type", "invalid_value",
        "The event '%s' is not supported in a %s transcription session.",
        type, tx->conn->beta ? "beta" : "GA");
  return emu_api_error_set (err, 400, "type", "invalid_value",
      "Invalid value: '%s'. Supported values are: '%s', "
      "'input_audio_buffer.append', 'input_audio_buffer.commit', and "
      "'input_audio_buffer.clear'.", type, update);
}

void
emu_rt_transcription_set_owner (EmuRtTranscription * tx,
    const EmuRtInputHooks * hooks, gpointer owner)
{
  tx->hooks = hooks;
  tx->owner = owner;
}

void
emu_rt_transcription_use_session (EmuRtTranscription * tx, JsonObject * session)
{
  json_object_ref (session);
  json_object_unref (tx->session);
  tx->session = session;
  apply_session (tx);
}

gboolean
emu_rt_transcription_handle_input (EmuRtTranscription * tx,
    const gchar * type, JsonObject * event, EmuApiError * err,
    gboolean * handled)
{
  *handled = TRUE;
  if (g_str_equal (type, "input_audio_buffer.append"))
    return handle_append (tx, event, err);
  if (g_str_equal (type, "input_audio_buffer.commit"))
    return handle_commit (tx, event, err);
  if (g_str_equal (type, "input_audio_buffer.clear"))
    return handle_clear (tx, event, err);
  *handled = FALSE;
  return FALSE;
}

guint64
emu_rt_transcription_get_audio_bytes (EmuRtTranscription * tx)
{
  return tx->audio_bytes;
}

guint64
emu_rt_transcription_get_stream_ms (EmuRtTranscription * tx)
{
  return tx->vad.frames_done * 10;
}

void
emu_rt_transcription_commit_idle (EmuRtTranscription * tx,
    const gchar * item_id)
{
  /* Whatever speech was in progress belongs to the committed item. */
  emu_energy_vad_reset_state (&tx->vad);
  g_clear_pointer (&tx->speech_item_id, g_free);
  commit (tx, item_id, TRUE);
}
