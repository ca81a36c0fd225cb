/* gst-sandra local API emulator: ElevenLabs text to speech over WebSocket
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * /v1/text-to-speech/{voice_id}/stream-input (one stream of text) and
 * /multi-stream-input (up to max_contexts independent contexts). Text is
 * buffered per context and generated when the buffer reaches the next
 * length of chunk_length_schedule, at a sentence end with auto_mode, on
 * `flush`, or at the end of the input. Every generation is sent as audio
 * messages of about chunk_ms, each with the timings of its characters in
 * milliseconds from the message's first sample.
 *
 * Errors follow the field-observed shape {"message","error","code":1008}
 * followed by a close 1008: a bad key, an unknown voice or model, a context
 * too many (max_active_conversations), the character limit, malformed
 * messages, scripted quota errors, and inactivity (input_timeout_exceeded)
 * once nothing arrived for inactivity_timeout seconds.
 *
 * close_context drops the context's unflushed text at once; audio already
 * generated for it is still sent (as on the service, where it is in
 * flight), then {"isFinal":true,"contextId":...}. A client must drop such
 * stale audio by context id.
 */
#include "elevenlabs.h"

#include <string.h>

#define DEFAULT_INACTIVITY_S 20
#define MAX_INACTIVITY_S 180
#define DEFAULT_MODEL "eleven_multilingual_v2"
#define TRIGGER_CHARS 50

typedef struct
{
  gchar *id;                    /* NULL on stream-input */
  GString *buffer;              /* text not generated yet */
  GArray *schedule;             /* guint, chunk_length_schedule */
  guint generations;
  EmuElVoiceSettings vs;
  guint64 chars;
  gint64 last_due_us;           /* when its last queued message goes out */
} Context;

typedef struct
{
  gchar *text;                  /* the message */
  JsonNode *record;             /* what the record keeps (no audio) */
  gint64 due_us;                /* monotonic time to send it */
  gboolean close_after;         /* end of a stream-input: close 1000 */
} Out;

typedef struct
{
  SandraEmulator *emu;
  SoupWebsocketConnection *ws;
  guint record;
  gboolean multi;
  gchar *voice;
  gchar *model;
  EmuElFormat format;
  EmuElSettings settings;
  gboolean auto_mode;
  guint inactivity_ms;
  gboolean authed;
  JsonObject *script;
  guint n_messages;

  GHashTable *contexts;         /* id ("" on stream-input) -> Context */
  GQueue out;                   /* Out * */
  GSource *send_src;
  GSource *idle_src;
  GSource *script_src;
  gboolean closing;
} Conn;

typedef struct
{
  guint record;
  gchar *voice;
  gchar *model;
  gchar *format;
  gboolean multi;
  gboolean auto_mode;
  guint inactivity_ms;
  gboolean header_key;          /* a key came in the header */
  gboolean key_valid;
  JsonObject *script;
} Upgrade;

static void
upgrade_free (Upgrade * up)
{
  g_free (up->voice);
  g_free (up->model);
  g_free (up->format);
  if (up->script)
    json_object_unref (up->script);
  g_free (up);
}

static void
context_free (Context * ctx)
{
  g_free (ctx->id);
  g_string_free (ctx->buffer, TRUE);
  g_array_unref (ctx->schedule);
  g_free (ctx);
}

static void
out_free (Out * o)
{
  g_free (o->text);
  if (o->record)
    json_node_unref (o->record);
  g_free (o);
}

static void
clear_source (GSource ** src)
{
  if (*src) {
    g_source_destroy (*src);
    g_source_unref (*src);
    *src = NULL;
  }
}

static void
conn_close (Conn * conn, gushort code, const gchar * reason)
{
  if (conn->closing)
    return;
  conn->closing = TRUE;
  clear_source (&conn->send_src);
  clear_source (&conn->idle_src);
  clear_source (&conn->script_src);
  emu_log (conn->emu, "  ws closing: %u %s", code, reason ? reason : "");
  emu_record_set_member (conn->emu, conn->record, "close_code",
      json_node_init_int (json_node_alloc (), code));
  if (soup_websocket_connection_get_state (conn->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (conn->ws, code, reason);
}

static void
conn_free (Conn * conn)
{
  clear_source (&conn->send_src);
  clear_source (&conn->idle_src);
  clear_source (&conn->script_src);
  g_queue_clear_full (&conn->out, (GDestroyNotify) out_free);
  g_hash_table_unref (conn->contexts);
  g_signal_handlers_disconnect_by_data (conn->ws, conn);
  g_object_unref (conn->ws);
  if (conn->script)
    json_object_unref (conn->script);
  g_free (conn->voice);
  g_free (conn->model);
  g_free (conn);
}

/* Sends @obj right away (errors), recording it. */
static void
send_now (Conn * conn, JsonObject * obj)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  gchar *text;

  json_node_take_object (node, obj);
  emu_record_ws_event (conn->emu, conn->record, TRUE, node);
  if (!conn->closing && soup_websocket_connection_get_state (conn->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN) {
    text = json_to_string (node, FALSE);
    soup_websocket_connection_send_text (conn->ws, text);
    g_free (text);
  }
  json_node_unref (node);
}

/* The field-observed error message, then close 1008 with the error code as
 * the reason (the reason must stay under 123 bytes). */
static void
fail (Conn * conn, const gchar * error, const gchar * format, ...)
G_GNUC_PRINTF (3, 4);

     static void
         fail (Conn * conn, const gchar * error, const gchar * format, ...)
{
  JsonObject *o = json_object_new ();
  gchar *message;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);
  emu_log (conn->emu, "  ws error %s: %s", error, message);
  json_object_set_string_member (o, "message", message);
  json_object_set_string_member (o, "error", error);
  json_object_set_int_member (o, "code", 1008);
  send_now (conn, o);
  conn_close (conn, 1008, error);
  g_free (message);
}

static gboolean send_next (gpointer data);

/* Contexts are generated concurrently, as on the service: each has its own
 * timeline, and the queue is kept in order of the time each message is
 * due. */
static void
schedule_send (Conn * conn)
{
  Out *head;
  gint64 now = g_get_monotonic_time ();

  if (conn->send_src || conn->closing)
    return;
  head = g_queue_peek_head (&conn->out);
  if (head == NULL)
    return;
  conn->send_src = emu_timeout_add (conn->emu, head->due_us > now ?
      (head->due_us - now + 999) / 1000 : 0, send_next, conn, NULL);
}

static gboolean
send_next (gpointer data)
{
  Conn *conn = data;
  Out *o = g_queue_peek_head (&conn->out);

  g_source_unref (conn->send_src);
  conn->send_src = NULL;
  if (o == NULL)
    return G_SOURCE_REMOVE;
  if (o->due_us > g_get_monotonic_time ()) {
    schedule_send (conn);
    return G_SOURCE_REMOVE;
  }
  g_queue_pop_head (&conn->out);
  emu_record_ws_event (conn->emu, conn->record, TRUE, o->record);
  if (soup_websocket_connection_get_state (conn->ws) ==
      SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (conn->ws, o->text);
  if (o->close_after)
    conn_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  out_free (o);
  schedule_send (conn);
  return G_SOURCE_REMOVE;
}

/* Queues @obj @delay_ms after the context's previous message, or after
 * @since_us (monotonic time, 0: now) if that is later. */
static void
enqueue (Conn * conn, Context * ctx, JsonObject * obj, JsonObject * recorded,
    guint delay_ms, gboolean close_after, gint64 since_us)
{
  Out *o = g_new0 (Out, 1);
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  gint64 now = since_us ? since_us : g_get_monotonic_time ();

  json_node_take_object (node, obj);
  o->text = json_to_string (node, FALSE);
  json_node_unref (node);
  o->record = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (o->record, recorded);
  o->due_us = MAX (now, ctx->last_due_us) + (gint64) delay_ms *1000;
  ctx->last_due_us = o->due_us;
  o->close_after = close_after;
  {
    /* after every message due at the same time or earlier: FIFO order
     * among equals */
    GList *l = conn->out.tail;

    while (l && ((Out *) l->data)->due_us > o->due_us)
      l = l->prev;
    if (l)
      g_queue_insert_after (&conn->out, l, o);
    else
      g_queue_push_head (&conn->out, o);
  }
  clear_source (&conn->send_src);
  schedule_send (conn);
}

static JsonObject *
alignment (EmuElSpeech * sp, guint from, guint to)
{
  JsonObject *o = json_object_new ();
  JsonArray *chars = json_array_new (), *starts = json_array_new (),
      *durs = json_array_new ();
  gint base = from < sp->chars->len ? g_array_index (sp->start_ms, gint,
      from) : 0;
  guint i;

  for (i = from; i < to; i++) {
    json_array_add_string_element (chars, g_ptr_array_index (sp->chars, i));
    json_array_add_int_element (starts, g_array_index (sp->start_ms, gint,
            i) - base);
    json_array_add_int_element (durs, g_array_index (sp->dur_ms, gint, i));
  }
  json_object_set_array_member (o, "chars", chars);
  json_object_set_array_member (o, "charStartTimesMs", starts);
  json_object_set_array_member (o, "charsDurationsMs", durs);
  return o;
}

static void
enqueue_final (Conn * conn, Context * ctx, gboolean close_after)
{
  JsonObject *o = json_object_new ();
  JsonObject *r;

  json_object_set_boolean_member (o, "isFinal", TRUE);
  if (ctx->id)
    json_object_set_string_member (o, "contextId", ctx->id);
  r = json_object_new ();
  json_object_set_boolean_member (r, "isFinal", TRUE);
  if (ctx->id)
    json_object_set_string_member (r, "contextId", ctx->id);
  enqueue (conn, ctx, o, r, 0, close_after, 0);
}

/* Synthesizes @len bytes of the context's buffer and queues the audio. */
static void
generate (Conn * conn, Context * ctx, gsize len)
{
  gchar *written = g_strndup (ctx->buffer->str, len);
  gchar *text = emu_el_normalize (conn->emu, written);
  const gchar *start = text;
  /* The simulated delay counts from the text's arrival: the time this
   * emulator takes to make the audio is not the service's. */
  gint64 arrival_us = g_get_monotonic_time ();
  EmuElSpeech *sp;
  GArray *cuts;
  guint i;

  g_string_erase (ctx->buffer, 0, len);
  g_free (written);
  while (*start && g_ascii_isspace (*start))
    start++;
  if (*start == '\0') {
    g_free (text);
    return;
  }
  ctx->generations++;
  sp = emu_el_synthesize (start, conn->format.rate, ctx->vs.speed,
      conn->settings.ms_per_char);
  cuts = emu_el_speech_split (sp, conn->settings.chunk_ms);
  emu_log (conn->emu, "  generating %u characters for context %s",
      sp->chars->len, ctx->id ? ctx->id : "(stream)");
  for (i = 0; i + 1 < cuts->len; i++) {
    guint from = g_array_index (cuts, guint, i);
    guint to = g_array_index (cuts, guint, i + 1);
    gsize s0 = emu_el_speech_sample_at (sp, from);
    gsize s1 = emu_el_speech_sample_at (sp, to);
    GBytes *audio = emu_el_encode (&conn->format,
        &g_array_index (sp->samples, gint16, s0), s1 - s0);
    JsonObject *o = json_object_new (), *r = json_object_new ();
    gchar *b64 = g_base64_encode (g_bytes_get_data (audio, NULL),
        g_bytes_get_size (audio));

    json_object_set_string_member (o, "audio", b64);
    json_object_set_null_member (o, "isFinal");
    json_object_set_object_member (o, "normalizedAlignment",
        alignment (sp, from, to));
    json_object_set_object_member (o, "alignment", alignment (sp, from, to));
    json_object_set_int_member (r, "audio_bytes", g_bytes_get_size (audio));
    json_object_set_object_member (r, "alignment", alignment (sp, from, to));
    if (ctx->id) {
      json_object_set_string_member (o, "contextId", ctx->id);
      json_object_set_string_member (r, "contextId", ctx->id);
    }
    enqueue (conn, ctx, o, r, i == 0 ? conn->settings.first_audio_delay_ms :
        conn->settings.chunk_interval_ms, FALSE, i == 0 ? arrival_us : 0);
    g_free (b64);
    g_bytes_unref (audio);
  }
  g_array_unref (cuts);
  emu_el_speech_free (sp);
  g_free (text);
}

/* Length of the buffer up to and including its last sentence end followed
 * by whitespace, or 0. */
static gsize
sentence_prefix (const GString * b)
{
  gsize i, last = 0;

  for (i = 0; i + 1 < b->len; i++) {
    if (strchr (".!?", b->str[i]) && g_ascii_isspace (b->str[i + 1]))
      last = i + 2;
  }
  return last;
}

/* Length up to the last whitespace, or 0. */
static gsize
word_prefix (const GString * b)
{
  gsize i;

  for (i = b->len; i > 0; i--)
    if (g_ascii_isspace (b->str[i - 1]))
      return i;
  return 0;
}

static void
maybe_generate (Conn * conn, Context * ctx, gboolean try_trigger)
{
  guint threshold;
  gsize len;

  if (conn->auto_mode) {
    if ((len = sentence_prefix (ctx->buffer)))
      generate (conn, ctx, len);
    return;
  }
  threshold = g_array_index (ctx->schedule, guint, MIN (ctx->generations,
          ctx->schedule->len - 1));
  if (try_trigger)
    threshold = MIN (threshold, TRIGGER_CHARS);
  if (g_utf8_strlen (ctx->buffer->str, -1) >= threshold &&
      (len = word_prefix (ctx->buffer)))
    generate (conn, ctx, len);
}

static Context *
context_new (Conn * conn, const gchar * id)
{
  Context *ctx = g_new0 (Context, 1);
  static const guint default_schedule[] = { 120, 160, 250, 290 };

  ctx->id = g_strdup (id);
  ctx->buffer = g_string_new (NULL);
  ctx->schedule = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_append_vals (ctx->schedule, default_schedule,
      G_N_ELEMENTS (default_schedule));
  emu_el_voice_settings_init (&ctx->vs);
  g_hash_table_insert (conn->contexts, g_strdup (id ? id : ""), ctx);
  return ctx;
}

static gboolean
idle_timeout (gpointer data)
{
  Conn *conn = data;

  g_source_unref (conn->idle_src);
  conn->idle_src = NULL;
  if (!g_queue_is_empty (&conn->out)) {
    /* Still talking: the timeout counts from the last audio. */
    conn->idle_src = emu_timeout_add (conn->emu, conn->inactivity_ms,
        idle_timeout, conn, NULL);
    return G_SOURCE_REMOVE;
  }
  fail (conn, "input_timeout_exceeded", "Have not received a new text input "
      "within the timeout of %g seconds. Streaming input will be closed. To "
      "keep the connection open, send keep-alive messages.",
      conn->inactivity_ms / 1000.0);
  return G_SOURCE_REMOVE;
}

static void
touch (Conn * conn)
{
  clear_source (&conn->idle_src);
  if (!conn->closing)
    conn->idle_src = emu_timeout_add (conn->emu, conn->inactivity_ms,
        idle_timeout, conn, NULL);
}

static gboolean
is_blank (const gchar * text)
{
  for (; *text; text++)
    if (!g_ascii_isspace (*text))
      return FALSE;
  return TRUE;
}

static gboolean
member_is (JsonObject * o, const gchar * name, GType type)
{
  JsonNode *n = json_object_get_member (o, name);

  return n == NULL || JSON_NODE_HOLDS_NULL (n) || (JSON_NODE_HOLDS_VALUE (n)
      && json_node_get_value_type (n) == type);
}

static const gchar *
get_string (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_STRING ?
      json_node_get_string (n) : NULL;
}

static gboolean
get_bool (JsonObject * o, const gchar * name)
{
  JsonNode *n = json_object_get_member (o, name);

  return n && JSON_NODE_HOLDS_VALUE (n) &&
      json_node_get_value_type (n) == G_TYPE_BOOLEAN &&
      json_node_get_boolean (n);
}

/* Authentication by the first message (xi_api_key or authorization), when
 * the upgrade carried no header. */
static gboolean
check_message_key (Conn * conn, JsonObject * msg)
{
  const gchar *key = get_string (msg, "xi_api_key");
  const gchar *auth = get_string (msg, "authorization");

  if (key == NULL && auth && g_str_has_prefix (auth, "Bearer "))
    key = auth + 7;
  if (key == NULL) {
    fail (conn, "invalid_api_key", "You must be authenticated to use this "
        "endpoint: send the xi-api-key header or xi_api_key in the first "
        "message.");
    return FALSE;
  }
  conn->authed = emu_el_check_key (conn->emu, NULL, conn->record, key);
  if (!conn->authed)
    fail (conn, "invalid_api_key", "Invalid API key");
  return conn->authed;
}

static void
handle (Conn * conn, JsonObject * msg)
{
  static const gchar *const members[] = { "text", "try_trigger_generation",
    "flush", "voice_settings", "generation_config", "xi_api_key",
    "authorization", "pronunciation_dictionary_locators", "context_id",
    "close_context", "close_socket", NULL
  };
  GList *names = json_object_get_members (msg), *l;
  const gchar *id = NULL, *text;
  Context *ctx;
  gboolean is_new = FALSE;

  for (l = names; l; l = l->next) {
    const gchar *name = l->data;

    if (!g_strv_contains (members, name) || (!conn->multi &&
            (g_str_equal (name, "context_id") ||
                g_str_equal (name, "close_context") ||
                g_str_equal (name, "close_socket")))) {
      fail (conn, "invalid_message", "Unknown field '%s' in the message.",
          name);
      g_list_free (names);
      return;
    }
  }
  g_list_free (names);
  if (!member_is (msg, "text", G_TYPE_STRING) ||
      !member_is (msg, "flush", G_TYPE_BOOLEAN) ||
      !member_is (msg, "try_trigger_generation", G_TYPE_BOOLEAN) ||
      !member_is (msg, "context_id", G_TYPE_STRING) ||
      !member_is (msg, "close_context", G_TYPE_BOOLEAN) ||
      !member_is (msg, "close_socket", G_TYPE_BOOLEAN)) {
    fail (conn, "invalid_message", "A field of the message has the wrong "
        "type (text and context_id are strings; flush, "
        "try_trigger_generation, close_context and close_socket booleans).");
    return;
  }
  if (!conn->authed && !check_message_key (conn, msg))
    return;

  if (conn->multi && get_bool (msg, "close_socket")) {
    Out *tail = g_queue_peek_tail (&conn->out);

    /* What is already generated still goes out, then the socket closes. */
    if (tail)
      tail->close_after = TRUE;
    else
      conn_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
    return;
  }

  if (conn->multi) {
    id = get_string (msg, "context_id");
    if (id == NULL)
      id = "default";
  }
  ctx = g_hash_table_lookup (conn->contexts, id ? id : "");

  if (conn->multi && get_bool (msg, "close_context")) {
    if (ctx) {
      emu_log (conn->emu, "  context %s closed", id);
      g_string_truncate (ctx->buffer, 0);
      enqueue_final (conn, ctx, FALSE);
      g_hash_table_remove (conn->contexts, id);
    }
    return;
  }

  if (ctx == NULL) {
    if (g_hash_table_size (conn->contexts) >= conn->settings.max_contexts) {
      fail (conn, "max_active_conversations", "Maximum simultaneous contexts "
          "per WebSocket connection exceeded (%u). Please close an existing "
          "context before opening a new one.", conn->settings.max_contexts);
      return;
    }
    ctx = context_new (conn, id);
    is_new = TRUE;
  }
  if (json_object_has_member (msg, "voice_settings") ||
      json_object_has_member (msg, "generation_config")) {
    gchar *loc = NULL, *message = NULL;

    if (!is_new && conn->multi) {
      /* Settings belong to a context's first message; later ones are
       * ignored, as by the service. */
    } else if (!emu_el_parse_voice_settings (json_object_get_member (msg,
                "voice_settings"), &ctx->vs, &loc, &message) ||
        !emu_el_parse_generation_config (json_object_get_member (msg,
                "generation_config"), ctx->schedule, &message)) {
      fail (conn, "invalid_message", "%s%s%s", loc ? loc : "",
          loc ? ": " : "", message);
      g_free (loc);
      g_free (message);
      return;
    }
  }

  text = get_string (msg, "text");
  if (text && *text == '\0' && !conn->multi) {
    /* End of input: generate the rest, then isFinal and close. */
    generate (conn, ctx, ctx->buffer->len);
    enqueue_final (conn, ctx, TRUE);
    return;
  }
  if (text) {
    gsize n = g_utf8_strlen (text, -1);

    ctx->chars += n;
    if (ctx->chars > emu_el_model_char_limit (conn->emu, conn->model)) {
      fail (conn, "max_character_limit_exceeded", "The text of this stream "
          "exceeds the character limit of %u characters.",
          emu_el_model_char_limit (conn->emu, conn->model));
      return;
    }
    /* Whitespace alone keeps the stream alive and adds nothing. */
    if (ctx->buffer->len || !is_blank (text))
      g_string_append (ctx->buffer, text);
  }
  if (get_bool (msg, "flush"))
    generate (conn, ctx, ctx->buffer->len);
  else
    maybe_generate (conn, ctx, get_bool (msg, "try_trigger_generation"));
}

static void
scripted_error (Conn * conn)
{
  JsonObject *e = json_object_get_object_member (conn->script, "error");

  fail (conn, json_object_get_string_member_with_default (e, "status",
          "quota_exceeded"), "%s",
      json_object_get_string_member_with_default (e, "message",
          "This request exceeds your quota."));
}

static void
on_message (SoupWebsocketConnection * ws, gint type, GBytes * message,
    gpointer data)
{
  Conn *conn = data;
  gchar *text;
  JsonNode *node = NULL;

  if (conn->closing)
    return;
  text = g_strndup (g_bytes_get_data (message, NULL),
      g_bytes_get_size (message));
  if (type == SOUP_WEBSOCKET_DATA_TEXT)
    node = json_from_string (text, NULL);
  if (node && JSON_NODE_HOLDS_OBJECT (node)) {
    emu_record_ws_event (conn->emu, conn->record, FALSE, node);
  } else {
    JsonNode *raw = json_node_new (JSON_NODE_OBJECT);
    JsonObject *o = json_object_new ();

    json_object_set_string_member (o, "_unparsed",
        type == SOUP_WEBSOCKET_DATA_TEXT ? text : "(binary frame)");
    json_node_take_object (raw, o);
    emu_record_ws_event (conn->emu, conn->record, FALSE, raw);
    json_node_unref (raw);
  }
  emu_log (conn->emu, "  ws -> %s", text);
  conn->n_messages++;
  touch (conn);

  if (conn->n_messages == 1 && conn->script &&
      json_object_has_member (conn->script, "raw_message")) {
    /* a scripted message, sent verbatim (e.g. malformed JSON) */
    const gchar *raw = json_object_get_string_member (conn->script,
        "raw_message");

    soup_websocket_connection_send_text (conn->ws, raw);
  }
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
    fail (conn, "invalid_message", "Messages must be JSON objects sent as "
        "text frames.");
  } else if (conn->script && json_object_get_boolean_member_with_default
      (conn->script, "silent", FALSE)) {
    /* a service that takes every message and never answers */
  } else if (conn->script && json_object_has_member (conn->script, "error")
      && conn->n_messages >= (guint)
      json_object_get_int_member_with_default (conn->script,
          "error_after_messages", 1)) {
    scripted_error (conn);
  } else {
    handle (conn, json_node_get_object (node));
  }
  if (node)
    json_node_unref (node);
  g_free (text);
}

static void
on_closed (SoupWebsocketConnection * ws, gpointer data)
{
  Conn *conn = data;
  SandraEmulator *emu = conn->emu;

  emu_log (emu, "  ws closed (%u)",
      soup_websocket_connection_get_close_code (ws));
  emu_record_set_member (emu, conn->record, "closed",
      json_node_init_boolean (json_node_alloc (), TRUE));
  emu->el_conns = g_list_remove (emu->el_conns, conn);
  conn_free (conn);
}

static gboolean
scripted_close (gpointer data)
{
  Conn *conn = data;

  g_source_unref (conn->script_src);
  conn->script_src = NULL;
  conn_close (conn, json_object_get_int_member_with_default (conn->script,
          "close_code", 1011),
      json_object_get_string_member_with_default (conn->script,
          "close_reason", "scripted close"));
  return G_SOURCE_REMOVE;
}

static void
websocket_cb (SoupServer * server, SoupServerMessage * msg, const char *path,
    SoupWebsocketConnection * ws, gpointer user_data)
{
  SandraEmulator *emu = user_data;
  Upgrade *up = g_object_get_data (G_OBJECT (msg), "sandra-el-upgrade");
  Conn *conn;

  if (up == NULL) {
    soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_SERVER_ERROR,
        NULL);
    return;
  }
  conn = g_new0 (Conn, 1);
  conn->emu = emu;
  conn->ws = g_object_ref (ws);
  conn->record = up->record;
  conn->multi = up->multi;
  conn->voice = g_strdup (up->voice);
  conn->model = g_strdup (up->model);
  conn->auto_mode = up->auto_mode;
  conn->authed = up->key_valid;
  conn->script = up->script ? json_object_ref (up->script) : NULL;
  conn->contexts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) context_free);
  emu_el_get_settings (emu, &conn->settings);
  conn->inactivity_ms = conn->settings.inactivity_timeout_ms >= 0 ?
      (guint) conn->settings.inactivity_timeout_ms : up->inactivity_ms;
  soup_websocket_connection_set_keepalive_interval (ws, 0);
  soup_websocket_connection_set_max_incoming_payload_size (ws, 0);
  emu->el_conns = g_list_prepend (emu->el_conns, conn);
  g_signal_connect (ws, "message", G_CALLBACK (on_message), conn);
  g_signal_connect (ws, "closed", G_CALLBACK (on_closed), conn);
  emu_record_set_status (emu, conn->record, 101);

  /* Problems the service reports on the open socket. */
  if (up->header_key && !up->key_valid) {
    fail (conn, "invalid_api_key", "Invalid API key");
    return;
  }
  if (!emu_el_voice_known (emu, up->voice)) {
    fail (conn, "voice_not_found", "A voice with the voice_id %s was not "
        "found.", up->voice);
    return;
  }
  if (!emu_el_model_known (emu, up->model, TRUE)) {
    fail (conn, "model_not_found", "The model %s does not exist or does not "
        "support streamed text input.", up->model);
    return;
  }
  if (!emu_el_parse_format (up->format, TRUE, &conn->format) ||
      conn->format.codec == EMU_EL_CODEC_MP3) {
    fail (conn, "invalid_output_format", "Unsupported output_format %s%s.",
        up->format, conn->format.codec == EMU_EL_CODEC_MP3 ?
        " (the sandra emulator cannot encode MP3)" : "");
    return;
  }
  if (conn->script && json_object_has_member (conn->script, "close_after_ms"))
    conn->script_src = emu_timeout_add (emu,
        json_object_get_int_member (conn->script, "close_after_ms"),
        scripted_close, conn, NULL);
  touch (conn);
}

static void
record_written_status (SoupServerMessage * msg, gpointer data)
{
  SandraEmulator *emu = g_object_get_data (G_OBJECT (msg), "sandra-el-emu");

  if (emu)
    emu_record_set_status (emu, GPOINTER_TO_UINT (data),
        soup_server_message_get_status (msg));
}

static gboolean
unpause_upgrade (gpointer data)
{
  soup_server_message_unpause (data);
  return G_SOURCE_REMOVE;
}

void
emu_el_ws_upgrade (SandraEmulator * emu, SoupServerMessage * msg,
    const gchar * path, GHashTable * query, const gchar * voice_id,
    gboolean multi)
{
  guint record = emu_record_request (emu, msg);
  const gchar *v;
  Upgrade *up;
  gint64 inactivity = DEFAULT_INACTIVITY_S;

  g_object_set_data (G_OBJECT (msg), "sandra-el-emu", emu);
  g_signal_connect (msg, "wrote-headers", G_CALLBACK (record_written_status),
      GUINT_TO_POINTER (record));
  emu_log (emu, "%s %s (WebSocket upgrade)",
      soup_server_message_get_method (msg), path);
  emu_record_set_member (emu, record, "websocket",
      json_node_init_boolean (json_node_alloc (), TRUE));

  up = g_new0 (Upgrade, 1);
  up->record = record;
  up->multi = multi;
  up->voice = g_strdup (voice_id);
  v = query ? g_hash_table_lookup (query, "model_id") : NULL;
  up->model = g_strdup (v ? v : DEFAULT_MODEL);
  v = query ? g_hash_table_lookup (query, "output_format") : NULL;
  up->format = g_strdup (v ? v : "mp3_44100_128");
  v = query ? g_hash_table_lookup (query, "auto_mode") : NULL;
  up->auto_mode = v && g_str_equal (v, "true");
  v = query ? g_hash_table_lookup (query, "inactivity_timeout") : NULL;
  if (v) {
    gchar *end = NULL;

    inactivity = g_ascii_strtoll (v, &end, 10);
    if (end == v || *end || inactivity < 1 || inactivity > MAX_INACTIVITY_S) {
      emu_el_reply_validation (emu, msg, record, "query.inactivity_timeout",
          "value_error", "Input should be an integer between 1 and 180");
      upgrade_free (up);
      return;
    }
  }
  up->inactivity_ms = inactivity * 1000;

  up->header_key = soup_message_headers_get_one
      (soup_server_message_get_request_headers (msg), "xi-api-key") != NULL;
  up->key_valid = up->header_key && emu_el_check_key (emu, msg, record, NULL);

  g_mutex_lock (&emu->lock);
  up->script = emu_scenario_next_elevenlabs_connection (emu->scenario);
  g_mutex_unlock (&emu->lock);
  if (up->script && json_object_has_member (up->script, "reject_status")) {
    guint status = json_object_get_int_member (up->script, "reject_status");
    JsonNode *detail = json_object_get_member (up->script, "reject_detail");

    if (detail && JSON_NODE_HOLDS_OBJECT (detail)) {
      JsonObject *d = json_node_get_object (detail);

      emu_el_reply_detail (emu, msg, record, status,
          json_object_get_string_member_with_default (d, "status", "error"),
          "%s", json_object_get_string_member_with_default (d, "message",
              "Rejected by the scenario."));
    } else {
      emu_el_reply_detail (emu, msg, record, status, "error",
          "Connection rejected by the scenario (%u).", status);
    }
    upgrade_free (up);
    return;
  }
  g_object_set_data_full (G_OBJECT (msg), "sandra-el-upgrade", up,
      (GDestroyNotify) upgrade_free);
  {
    EmuElSettings settings;

    /* The connection set-up a real socket pays (TCP, TLS, routing): the
     * 101 is written once the message is unpaused. */
    emu_el_get_settings (emu, &settings);
    if (settings.ws_setup_ms) {
      soup_server_message_pause (msg);
      g_source_unref (emu_timeout_add (emu, settings.ws_setup_ms,
              unpause_upgrade, g_object_ref (msg), g_object_unref));
    }
  }
}

void
emu_el_ws_register (SandraEmulator * emu)
{
  soup_server_add_websocket_handler (emu->server, "/v1/text-to-speech", NULL,
      NULL, websocket_cb, emu, NULL);
}

void
emu_elevenlabs_close_all (SandraEmulator * emu)
{
  GList *l, *conns = g_list_copy (emu->el_conns);

  for (l = conns; l; l = l->next)
    conn_close (l->data, SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
        "emulator shutting down");
  g_list_free (conns);
}

void
emu_elevenlabs_free_all (SandraEmulator * emu)
{
  while (emu->el_conns) {
    Conn *conn = emu->el_conns->data;

    emu->el_conns = g_list_delete_link (emu->el_conns, emu->el_conns);
    conn_free (conn);
  }
}
