/* gst-sandra: elevenlabstts's network side
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "elevenlabs-client.h"
#include "elevenlabs-decoder.h"
#include "elevenlabs-heard.h"
#include "net/sandra-worker.h"
#include "net/sandra-http.h"
#include "net/sandra-websocket.h"
#include "net/sandra-credentials.h"
#include "net/sandra-api-error.h"

#include <json-glib/json-glib.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (elevenlabs_client_debug);
#define GST_CAT_DEFAULT elevenlabs_client_debug

/* previous_text sent with each HTTP chunk: enough for the intonation of a
 * continuing sentence, small enough to keep the request light. */
#define MAX_PREVIOUS_TEXT 1000
#define HTTP_TIMEOUT_MS 30000

G_DEFINE_ENUM_TYPE (GstElevenlabsTransport, elevenlabs_transport,
    G_DEFINE_ENUM_VALUE (ELEVENLABS_TRANSPORT_WEBSOCKET, "websocket"),
    G_DEFINE_ENUM_VALUE (ELEVENLABS_TRANSPORT_HTTP, "http"));

G_DEFINE_ENUM_TYPE (GstElevenlabsAudioFormat, elevenlabs_audio_format,
    G_DEFINE_ENUM_VALUE (ELEVENLABS_AUDIO_FORMAT_PCM, "pcm"),
    G_DEFINE_ENUM_VALUE (ELEVENLABS_AUDIO_FORMAT_OPUS_32, "opus-32"),
    G_DEFINE_ENUM_VALUE (ELEVENLABS_AUDIO_FORMAT_OPUS_64, "opus-64"),
    G_DEFINE_ENUM_VALUE (ELEVENLABS_AUDIO_FORMAT_OPUS_96, "opus-96"),
    G_DEFINE_ENUM_VALUE (ELEVENLABS_AUDIO_FORMAT_OPUS_128, "opus-128"),
    G_DEFINE_ENUM_VALUE (ELEVENLABS_AUDIO_FORMAT_OPUS_192, "opus-192"));

typedef enum
{
  CMD_BEGIN,
  CMD_TEXT,
  CMD_END,
  CMD_CANCEL,
  CMD_CONNECT,
} CmdType;

typedef struct
{
  ElevenlabsClient *client;
  CmdType type;
  guint64 utterance;
  gchar *text;
  gboolean flush;
} Cmd;

typedef struct
{
  gchar *text;
  gboolean flush;
} Chunk;

/* One utterance (websocket: one context). Worker thread only. */
typedef struct
{
  guint64 utterance;            /* 0: the spare context */
  gchar *id;                    /* context id */
  ElevenlabsDecoder *dec;
  GString *text;                /* http: all text sent so far */
  ElevenlabsHeard *heard;       /* websocket: text sent, and what was heard */
  gboolean ended;
  gboolean cancelled;
  gboolean got_audio;
  gboolean reported;            /* `done` was called */
  gboolean resend;              /* lost with a connection that comes back */
  gboolean last_flush;          /* its last text was sent with flush */
  gint64 deadline_us;           /* ended: give up when nothing came by then */
  GQueue chunks;                /* http: Chunk *, not sent yet */
} Utt;

struct _ElevenlabsClient
{
  GstElement *element;
  ElevenlabsConfig *cfg;
  ElevenlabsClientCallbacks cb;
  gpointer user_data;

  SandraWorker *worker;
  SandraHttp *http;

  GMutex lock;
  gboolean failed;

  /* worker thread only */
  SandraWebSocket *ws;
  gboolean ws_was_open;         /* a drop loses what the service held */
  GList *utts;                  /* Utt *, in order (websocket: live contexts) */
  Utt *spare;
  guint next_context;
  SandraApiError *last_ws_error;
  GSource *keepalive;
  GSource *deadlines;
  gint64 last_send_us;
  gboolean http_busy;
  Utt *http_utt;
  GCancellable *http_cancel;
  guint64 http_samples;         /* decoded in the current request */
  GByteArray *scratch;
};

void
elevenlabs_config_free (ElevenlabsConfig * cfg)
{
  if (cfg == NULL)
    return;
  if (cfg->api_key)
    memset (cfg->api_key, 0, strlen (cfg->api_key));
  g_free (cfg->api_key);
  g_free (cfg->base_url);
  g_free (cfg->voice_id);
  g_free (cfg->model_id);
  g_free (cfg->language_code);
  if (cfg->chunk_length_schedule)
    g_array_unref (cfg->chunk_length_schedule);
  g_free (cfg);
}

static gint
opus_kbps (GstElevenlabsAudioFormat f)
{
  static const gint kbps[] = { 0, 32, 64, 96, 128, 192 };

  return kbps[f];
}

gchar *
elevenlabs_config_output_format (const ElevenlabsConfig * cfg)
{
  if (cfg->audio_format == ELEVENLABS_AUDIO_FORMAT_PCM)
    return g_strdup_printf ("pcm_%d", cfg->rate);
  return g_strdup_printf ("opus_48000_%d", opus_kbps (cfg->audio_format));
}

gint
elevenlabs_config_output_rate (const ElevenlabsConfig * cfg)
{
  return cfg->audio_format == ELEVENLABS_AUDIO_FORMAT_PCM ? cfg->rate : 48000;
}

void
elevenlabs_audio_free (ElevenlabsAudio * a)
{
  if (a == NULL)
    return;
  g_bytes_unref (a->samples);
  g_ptr_array_unref (a->chars);
  g_array_unref (a->starts);
  g_array_unref (a->ends);
  g_free (a);
}

static void
chunk_free (Chunk * c)
{
  g_free (c->text);
  g_free (c);
}

static Utt *
utt_new (ElevenlabsClient * client, guint64 utterance)
{
  Utt *u = g_new0 (Utt, 1);

  u->utterance = utterance;
  u->id = g_strdup_printf ("sandra-%u", ++client->next_context);
  u->dec = elevenlabs_decoder_new (client->cfg->audio_format !=
      ELEVENLABS_AUDIO_FORMAT_PCM);
  u->text = g_string_new (NULL);
  u->heard = elevenlabs_heard_new ();
  g_queue_init (&u->chunks);
  return u;
}

static void
utt_free (Utt * u)
{
  g_free (u->id);
  elevenlabs_decoder_free (u->dec);
  g_string_free (u->text, TRUE);
  elevenlabs_heard_free (u->heard);
  g_queue_clear_full (&u->chunks, (GDestroyNotify) chunk_free);
  g_free (u);
}

static Utt *
find_utt (ElevenlabsClient * client, guint64 utterance)
{
  GList *l;

  for (l = client->utts; l; l = l->next)
    if (((Utt *) l->data)->utterance == utterance)
      return l->data;
  return NULL;
}

static Utt *
find_context (ElevenlabsClient * client, const gchar * id)
{
  GList *l;

  if (id == NULL)
    return NULL;
  for (l = client->utts; l; l = l->next)
    if (g_str_equal (((Utt *) l->data)->id, id))
      return l->data;
  return NULL;
}

static void
report_done (ElevenlabsClient * client, Utt * u, gboolean complete)
{
  if (u->reported || u->utterance == 0)
    return;
  u->reported = TRUE;
  GST_DEBUG_OBJECT (client->element, "utterance %" G_GUINT64_FORMAT
      " done (%s)", u->utterance, complete ? "complete" : "incomplete");
  if (client->cb.done)
    client->cb.done (u->utterance, complete, client->user_data);
}

static void
remove_utt (ElevenlabsClient * client, Utt * u)
{
  if (client->spare == u)
    client->spare = NULL;
  client->utts = g_list_remove (client->utts, u);
  utt_free (u);
}

/* ---------------------------------------------------------------------- */
/* Errors */

static gboolean
set_failed (ElevenlabsClient * client)
{
  gboolean was;

  g_mutex_lock (&client->lock);
  was = client->failed;
  client->failed = TRUE;
  g_mutex_unlock (&client->lock);
  return was;
}

static void
post_api_error (ElevenlabsClient * client, const SandraApiError * err,
    const gchar * context)
{
  GstStructure *details = sandra_api_error_to_details (err);
  gchar *sentence = sandra_api_error_to_sentence (err, "ElevenLabs");
  gchar *text, *debug = NULL;
  gint code = GST_RESOURCE_ERROR_FAILED;

  if (set_failed (client)) {
    gst_structure_free (details);
    g_free (sentence);
    return;
  }
  if (err->klass == SANDRA_API_ERROR_CLASS_FATAL_AUTH)
    code = GST_RESOURCE_ERROR_NOT_AUTHORIZED;
  else if (g_strcmp0 (err->code, "voice_not_found") == 0)
    code = GST_RESOURCE_ERROR_NOT_FOUND;
  else if (err->klass == SANDRA_API_ERROR_CLASS_FATAL_REQUEST)
    code = GST_RESOURCE_ERROR_SETTINGS;
  if (g_strcmp0 (err->code, "voice_not_found") == 0)
    text = g_strdup_printf ("%s (check the voice-id property)", sentence);
  else
    text = g_strdup (sentence);
  if (context)
    debug = g_strdup (context);
  gst_element_message_full_with_details (client->element,
      GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, code, text, debug, __FILE__,
      GST_FUNCTION, __LINE__, details);
  g_free (sentence);
  if (client->cb.fatal)
    client->cb.fatal (client->user_data);
}

static void
post_warning (ElevenlabsClient * client, GQuark domain, gint code, gchar * text)
{
  gst_element_message_full (client->element, GST_MESSAGE_WARNING, domain,
      code, text, NULL, __FILE__, GST_FUNCTION, __LINE__);
}

/* ---------------------------------------------------------------------- */
/* Audio */

static ElevenlabsAudio *
audio_new (ElevenlabsClient * client, Utt * u)
{
  ElevenlabsAudio *a = g_new0 (ElevenlabsAudio, 1);

  a->utterance = u->utterance;
  a->arrival_us = g_get_monotonic_time ();
  a->chars = g_ptr_array_new_with_free_func (g_free);
  a->starts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  a->ends = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  return a;
}

/* Decodes base64 @b64 with @u's decoder. NULL (and a warning) when the
 * payload is malformed; empty audio is valid. */
static GBytes *
decode_audio (ElevenlabsClient * client, Utt * u, const gchar * b64)
{
  GError *err = NULL;
  guchar *raw;
  gsize len;

  g_byte_array_set_size (client->scratch, 0);
  raw = g_base64_decode (b64, &len);
  if (!elevenlabs_decoder_push (u->dec, raw, len, client->scratch, &err)) {
    post_warning (client, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        g_strdup_printf ("Could not decode ElevenLabs audio: %s",
            err->message));
    g_clear_error (&err);
  }
  g_free (raw);
  return g_bytes_new (client->scratch->data, client->scratch->len);
}

/* Reads an array member as a list of strings or numbers. */
static JsonArray *
get_array (JsonObject * o, const gchar * name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static gdouble
number_at (JsonArray * a, guint i)
{
  JsonNode *n = json_array_get_element (a, i);

  return JSON_NODE_HOLDS_VALUE (n) ? json_node_get_double (n) : 0.0;
}

/* ---------------------------------------------------------------------- */
/* WebSocket transport */

static void ws_ensure_spare (ElevenlabsClient * client);

static gboolean
ws_send (ElevenlabsClient * client, JsonObject * obj, SandraWsSendFlags flags)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  GError *err = NULL;
  gchar *text;
  GBytes *bytes;
  gboolean ok;

  json_node_take_object (node, obj);
  text = json_to_string (node, FALSE);
  json_node_unref (node);
  if (sandra_websocket_get_state (client->ws) == SANDRA_WS_STATE_CLOSED ||
      sandra_websocket_get_state (client->ws) == SANDRA_WS_STATE_IDLE)
    sandra_websocket_connect (client->ws);
  GST_LOG_OBJECT (client->element, "ws <- %s", text);
  bytes = g_bytes_new_take (text, strlen (text));
  ok = sandra_websocket_send (client->ws, SOUP_WEBSOCKET_DATA_TEXT, bytes,
      flags, &err);
  g_bytes_unref (bytes);
  if (!ok) {
    post_warning (client, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_WRITE,
        g_strdup_printf ("Text for ElevenLabs was dropped: %s", err->message));
    g_clear_error (&err);
  }
  client->last_send_us = g_get_monotonic_time ();
  return ok;
}

static JsonObject *
voice_settings (ElevenlabsClient * client)
{
  ElevenlabsConfig *cfg = client->cfg;
  JsonObject *vs = json_object_new ();

  json_object_set_double_member (vs, "stability", cfg->stability);
  json_object_set_double_member (vs, "similarity_boost", cfg->similarity_boost);
  json_object_set_double_member (vs, "style", cfg->style);
  json_object_set_boolean_member (vs, "use_speaker_boost",
      cfg->use_speaker_boost);
  json_object_set_double_member (vs, "speed", cfg->speed);
  return vs;
}

/* A context's first message: a space, and the voice settings. */
static void
ws_send_init (ElevenlabsClient * client, Utt * u, SandraWsSendFlags flags)
{
  JsonObject *o = json_object_new ();
  GArray *sched = client->cfg->chunk_length_schedule;

  json_object_set_string_member (o, "text", " ");
  json_object_set_string_member (o, "context_id", u->id);
  json_object_set_object_member (o, "voice_settings", voice_settings (client));
  if (sched && sched->len) {
    JsonObject *gc = json_object_new ();
    JsonArray *a = json_array_new ();
    guint i;

    for (i = 0; i < sched->len; i++)
      json_array_add_int_element (a, g_array_index (sched, guint, i));
    json_object_set_array_member (gc, "chunk_length_schedule", a);
    json_object_set_object_member (o, "generation_config", gc);
  }
  ws_send (client, o, flags);
}

static void
ws_send_text (ElevenlabsClient * client, Utt * u, const gchar * text,
    gboolean flush, SandraWsSendFlags flags)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "text", text);
  json_object_set_string_member (o, "context_id", u->id);
  if (flush)
    json_object_set_boolean_member (o, "flush", TRUE);
  ws_send (client, o, flags);
}

static void
ws_send_close_context (ElevenlabsClient * client, Utt * u,
    SandraWsSendFlags flags)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "context_id", u->id);
  json_object_set_boolean_member (o, "close_context", TRUE);
  ws_send (client, o, flags);
}

static void
ws_send_end (ElevenlabsClient * client, Utt * u, SandraWsSendFlags flags)
{
  JsonObject *o = json_object_new ();

  /* An empty text adds nothing; it is there for services that want a text
   * member in every message. */
  json_object_set_string_member (o, "text", "");
  json_object_set_string_member (o, "context_id", u->id);
  json_object_set_boolean_member (o, "flush", TRUE);
  ws_send (client, o, flags);
  ws_send_close_context (client, u, flags);
}

static void
ws_on_audio_message (ElevenlabsClient * client, JsonObject * o)
{
  const gchar *id = json_object_get_string_member_with_default (o,
      "contextId", NULL);
  JsonNode *audio = json_object_get_member (o, "audio");
  JsonNode *fin = json_object_get_member (o, "isFinal");
  Utt *u;

  if (id == NULL)
    id = json_object_get_string_member_with_default (o, "context_id", NULL);
  if (fin == NULL)
    fin = json_object_get_member (o, "is_final");
  u = find_context (client, id);
  if (u == NULL || u->cancelled || u->utterance == 0) {
    /* Audio of an abandoned context: exactly what must not be heard. */
    GST_DEBUG_OBJECT (client->element, "dropping a message of context %s",
        GST_STR_NULL (id));
    if (u && fin && JSON_NODE_HOLDS_VALUE (fin) && json_node_get_boolean (fin)
        && u->cancelled)
      remove_utt (client, u);
    return;
  }

  if (u->deadline_us)
    u->deadline_us = g_get_monotonic_time () +
        (gint64) client->cfg->response_timeout_ms * 1000;
  if (audio && JSON_NODE_HOLDS_VALUE (audio) &&
      json_node_get_value_type (audio) == G_TYPE_STRING) {
    ElevenlabsAudio *a = audio_new (client, u);
    JsonNode *al = json_object_get_member (o, "alignment");
    JsonObject *alo;
    JsonArray *chars;
    JsonArray *starts, *durs;
    guint i;

    /* The text as sent, else as the service normalised it: either maps
     * back onto the sent text (elevenlabs-heard.c). */
    if (al == NULL || !JSON_NODE_HOLDS_OBJECT (al))
      al = json_object_get_member (o, "normalizedAlignment");
    alo = al && JSON_NODE_HOLDS_OBJECT (al) ? json_node_get_object (al) : NULL;
    chars = get_array (alo, "chars");
    starts = get_array (alo, "charStartTimesMs");
    durs = get_array (alo, "charsDurationsMs");
    a->samples = decode_audio (client, u, json_node_get_string (audio));
    if (chars && starts && durs) {
      guint n = MIN (json_array_get_length (chars),
          MIN (json_array_get_length (starts), json_array_get_length (durs)));

      for (i = 0; i < n; i++) {
        GstClockTime s = number_at (starts, i) * GST_MSECOND;
        GstClockTime e = s + number_at (durs, i) * GST_MSECOND;
        JsonNode *c = json_array_get_element (chars, i);

        g_ptr_array_add (a->chars, g_strdup (JSON_NODE_HOLDS_VALUE (c) &&
                json_node_get_value_type (c) == G_TYPE_STRING ?
                json_node_get_string (c) : ""));
        g_array_append_val (a->starts, s);
        g_array_append_val (a->ends, e);
      }
      elevenlabs_heard_add_spoken (u->heard,
          (const gchar * const *) a->chars->pdata, a->chars->len);
    }
    u->got_audio = TRUE;
    if (g_bytes_get_size (a->samples) && client->cb.audio)
      client->cb.audio (a, client->user_data);
    else
      elevenlabs_audio_free (a);
  }
  if (fin && JSON_NODE_HOLDS_VALUE (fin) &&
      json_node_get_value_type (fin) == G_TYPE_BOOLEAN &&
      json_node_get_boolean (fin)) {
    report_done (client, u, TRUE);
    remove_utt (client, u);
  }
}

static void
ws_text (SandraWebSocket * ws, const gchar * text, gsize len,
    gpointer user_data)
{
  ElevenlabsClient *client = user_data;
  JsonNode *node = json_from_string (text, NULL);
  SandraApiError *err;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
    post_warning (client, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        g_strdup_printf ("Ignoring a malformed ElevenLabs message (%"
            G_GSIZE_FORMAT " bytes)", len));
    if (node)
      json_node_unref (node);
    return;
  }
  if (json_object_has_member (json_node_get_object (node), "error") &&
      (err = sandra_api_error_new_from_json (0, text, len))) {
    /* The service's words reach the bus: never with the key in them. */
    if (err->message) {
      gchar *clean = sandra_credentials_redact_text (err->message,
          client->cfg->api_key);

      g_free (err->message);
      err->message = clean;
    }
    GST_INFO_OBJECT (client->element, "ElevenLabs error %s: %s",
        GST_STR_NULL (err->code), GST_STR_NULL (err->message));
    if (client->last_ws_error)
      sandra_api_error_free (client->last_ws_error);
    client->last_ws_error = err;
  } else {
    ws_on_audio_message (client, json_node_get_object (node));
  }
  json_node_unref (node);
}

/* Opens @u's context on a new socket with the text not heard yet. */
static void
ws_resend (ElevenlabsClient * client, Utt * u, SandraWsSendFlags flags)
{
  static const gchar *const how[] = { "exactly", "after a word cut by the "
        "drop", "from a sentence start (the alignment did not match)"
  };
  const gchar *sent = elevenlabs_heard_get_text (u->heard);
  ElevenlabsHeardMatch match;
  gsize from = elevenlabs_heard_resume_offset (u->heard, &match);

  if (u->ended && sent[from] == '\0' && u->got_audio) {
    /* all of it was heard; only its isFinal was lost */
    report_done (client, u, TRUE);
    remove_utt (client, u);
    return;
  }
  if (u->got_audio)
    GST_INFO_OBJECT (client->element, "utterance %" G_GUINT64_FORMAT
        ": sending again from byte %" G_GSIZE_FORMAT " (%s): %s",
        u->utterance, from, how[match], sent + from);
  elevenlabs_heard_restart (u->heard, from);
  ws_send_init (client, u, flags);
  if (sent[from])
    ws_send_text (client, u, sent + from, (u->ended ||
            u->last_flush) && !client->cfg->auto_mode, flags);
  if (u->ended)
    ws_send_close_context (client, u, flags);
}

static void
ws_opened (SandraWebSocket * ws, const gchar * protocol,
    SoupMessageHeaders * headers, gboolean reconnected, gpointer user_data)
{
  ElevenlabsClient *client = user_data;
  GList *l, *copy;

  GST_DEBUG_OBJECT (client->element, "WebSocket open%s",
      reconnected ? " again" : "");
  g_clear_pointer (&client->last_ws_error, sandra_api_error_free);
  client->ws_was_open = TRUE;
  /* The service forgot every context: open them again, ahead of what was
   * queued meanwhile, with the text it had not spoken yet. Text that came
   * during the reconnection was kept out of the queue (resend), so
   * nothing goes twice. */
  copy = g_list_copy (client->utts);
  for (l = copy; l; l = l->next) {
    Utt *u = l->data;

    if (!u->resend)
      continue;
    u->resend = FALSE;
    if (u->cancelled) {
      remove_utt (client, u);
      continue;
    }
    ws_resend (client, u, SANDRA_WS_SEND_FIRST);
  }
  g_list_free (copy);
}

static void
ws_forget_all (ElevenlabsClient * client)
{
  while (client->utts) {
    Utt *u = client->utts->data;

    report_done (client, u, FALSE);
    remove_utt (client, u);
  }
}

/* The service closed an idle socket. Text that crossed the close on the
 * wire (sent, not heard yet) is not lost: it goes again on a new socket.
 * The send queue was dropped with the old one, so nothing is doubled. */
static void
ws_after_idle_close (ElevenlabsClient * client)
{
  GList *l, *copy = g_list_copy (client->utts);

  for (l = copy; l; l = l->next) {
    Utt *u = l->data;
    const gchar *sent = elevenlabs_heard_get_text (u->heard);

    if (u->cancelled || u->utterance == 0 || (u->ended && *sent == '\0')) {
      report_done (client, u, FALSE);
      remove_utt (client, u);
      continue;
    }
    if (u->got_audio &&
        sent[elevenlabs_heard_resume_offset (u->heard, NULL)] == '\0') {
      /* all heard: no reason to reconnect now; more text for it starts
       * a new utterance */
      report_done (client, u, TRUE);
      remove_utt (client, u);
      continue;
    }
    GST_DEBUG_OBJECT (client->element, "utterance %" G_GUINT64_FORMAT
        " continues on a new connection", u->utterance);
    u->resend = FALSE;
    ws_resend (client, u, SANDRA_WS_SEND_NONE);
  }
  g_list_free (copy);
}

static void
ws_closed (SandraWebSocket * ws, const SandraWsCloseInfo * info,
    gpointer user_data)
{
  ElevenlabsClient *client = user_data;
  SandraApiError *err = client->last_ws_error;

  GST_DEBUG_OBJECT (client->element, "WebSocket closed: code %u (%s), "
      "HTTP %u, class %d%s", info->code, info->reason, info->http_status,
      info->klass, info->will_reconnect ? ", reconnecting" : "");
  if (info->will_reconnect) {
    GList *l;

    /* Before the first open, everything is still in the send queue,
     * which survives the reconnection. */
    if (client->ws_was_open) {
      guint dropped;

      for (l = client->utts; l; l = l->next)
        ((Utt *) l->data)->resend = TRUE;
      /* What the old socket never wrote is in the utterances' text and
       * goes with the resend: kept in the queue too, it would go twice. */
      dropped = sandra_websocket_clear_queue (client->ws);
      if (dropped)
        GST_DEBUG_OBJECT (client->element, "%u unsent messages folded into "
            "the resend", dropped);
    }
    post_warning (client, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
        g_strdup_printf ("%s (close code %u%s%s, HTTP status %u); "
            "reconnecting", info->http_status == 429 ?
            "ElevenLabs is busy" : "The ElevenLabs connection closed",
            info->code, err && err->code ? ", " : "",
            err && err->code ? err->code : "", info->http_status));
    return;
  }
  if (info->klass == SANDRA_WS_CLOSE_NORMAL) {
    /* Our own close, or the service's inactivity timeout: contexts are
     * gone with the socket, the next utterance reconnects. */
    ws_after_idle_close (client);
    return;
  }

  if (err == NULL) {
    gchar *reason = sandra_credentials_redact_text (info->reason,
        client->cfg->api_key);

    err = sandra_api_error_new_from_response (info->http_status, NULL, NULL);
    if (info->klass == SANDRA_WS_CLOSE_FATAL_AUTH)
      err->klass = SANDRA_API_ERROR_CLASS_FATAL_AUTH;
    else if (info->klass == SANDRA_WS_CLOSE_FATAL_QUOTA)
      err->klass = SANDRA_API_ERROR_CLASS_FATAL_QUOTA;
    if (err->message == NULL)
      err->message = g_strdup_printf ("the WebSocket %s (close code %u%s%s)",
          info->http_status ? "upgrade failed" : "closed", info->code,
          *reason ? ", " : "", reason);
    g_free (reason);
    client->last_ws_error = err;
  }
  {
    gchar *ctx = g_strdup_printf ("WebSocket close code %u, HTTP status %u",
        info->code, info->http_status);

    post_api_error (client, err, ctx);
    g_free (ctx);
  }
  ws_forget_all (client);
}

static void
ws_reconnecting (SandraWebSocket * ws, guint attempt, guint delay_ms,
    gpointer user_data)
{
  ElevenlabsClient *client = user_data;

  GST_INFO_OBJECT (client->element, "reconnecting (attempt %u) in %u ms",
      attempt, delay_ms);
}

static SandraWsCloseClass
ws_classify (const SandraWsCloseInfo * info, SandraWsCloseClass proposed,
    gpointer user_data)
{
  ElevenlabsClient *client = user_data;
  const gchar *code = client->last_ws_error ? client->last_ws_error->code :
      NULL;

  /* Inactivity is routine: reconnect when there is something to say. */
  if (g_strcmp0 (code, "input_timeout_exceeded") == 0)
    return SANDRA_WS_CLOSE_NORMAL;
  if (g_strcmp0 (code, "max_active_conversations") == 0 ||
      g_strcmp0 (code, "system_busy") == 0 ||
      g_strcmp0 (code, "too_many_concurrent_requests") == 0)
    return SANDRA_WS_CLOSE_RETRYABLE;
  if (code && sandra_api_error_classify (0, code) ==
      SANDRA_API_ERROR_CLASS_FATAL_AUTH)
    return SANDRA_WS_CLOSE_FATAL_AUTH;
  if (code && sandra_api_error_classify (0, code) ==
      SANDRA_API_ERROR_CLASS_FATAL_QUOTA)
    return SANDRA_WS_CLOSE_FATAL_QUOTA;
  return proposed;
}

static gboolean
ws_keepalive (gpointer data)
{
  ElevenlabsClient *client = data;
  gint64 interval_us = (gint64) client->cfg->inactivity_timeout_s *
      G_USEC_PER_SEC / 2;
  GList *l;

  if (sandra_websocket_get_state (client->ws) != SANDRA_WS_STATE_OPEN ||
      g_get_monotonic_time () - client->last_send_us < interval_us)
    return G_SOURCE_CONTINUE;
  for (l = client->utts; l; l = l->next) {
    Utt *u = l->data;

    if (!u->ended && !u->cancelled) {
      GST_LOG_OBJECT (client->element, "keep-alive on context %s", u->id);
      ws_send_text (client, u, " ", FALSE, SANDRA_WS_SEND_NONE);
      break;
    }
  }
  return G_SOURCE_CONTINUE;
}

/* An utterance whose text is all sent waits for its audio and isFinal; a
 * service that goes quiet (no message for response_timeout_ms) must not
 * hold EOS and the utterances behind it back forever. */
static gboolean
ws_check_deadlines (gpointer data)
{
  ElevenlabsClient *client = data;
  gint64 now = g_get_monotonic_time ();
  gboolean open = sandra_websocket_get_state (client->ws) ==
      SANDRA_WS_STATE_OPEN;
  GList *l;

  for (l = client->utts; l; l = l->next) {
    Utt *u = l->data;

    /* Only a service that can answer is waited for: connecting and
     * reconnecting have their own timeouts and retries. */
    if (!open && u->deadline_us) {
      u->deadline_us = now + (gint64) client->cfg->response_timeout_ms * 1000;
      continue;
    }
    if (u->cancelled || u->reported || u->utterance == 0 ||
        u->deadline_us == 0 || now < u->deadline_us)
      continue;
    post_warning (client, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
        g_strdup_printf ("ElevenLabs did not finish utterance %"
            G_GUINT64_FORMAT " within %u ms; the rest of it is skipped",
            u->utterance, client->cfg->response_timeout_ms));
    /* kept until its isFinal, so that late audio is dropped by id */
    u->cancelled = TRUE;
    report_done (client, u, FALSE);
  }
  return G_SOURCE_CONTINUE;
}

static void
ws_create (ElevenlabsClient * client)
{
  ElevenlabsConfig *cfg = client->cfg;
  static const SandraWebSocketCallbacks callbacks = {
    ws_opened, ws_text, NULL, ws_closed, ws_reconnecting
  };
  gchar *voice = g_uri_escape_string (cfg->voice_id, NULL, TRUE);
  gchar *path = g_strdup_printf ("/text-to-speech/%s/multi-stream-input",
      voice);
  gchar *base = sandra_credentials_ws_url (cfg->base_url, path);
  gchar *format = elevenlabs_config_output_format (cfg);
  gchar *model = g_uri_escape_string (cfg->model_id, NULL, TRUE);
  GString *url = g_string_new (base);

  g_string_append_printf (url, "?model_id=%s&output_format=%s"
      "&inactivity_timeout=%u&sync_alignment=true", model, format,
      cfg->inactivity_timeout_s);
  if (cfg->auto_mode)
    g_string_append (url, "&auto_mode=true");
  if (cfg->language_code && *cfg->language_code) {
    gchar *lang = g_uri_escape_string (cfg->language_code, NULL, TRUE);

    g_string_append_printf (url, "&language_code=%s", lang);
    g_free (lang);
  }
  GST_DEBUG_OBJECT (client->element, "WebSocket %s", url->str);
  client->ws = sandra_websocket_new (client->worker, url->str, &callbacks,
      client, NULL);
  sandra_websocket_set_header (client->ws, "xi-api-key", cfg->api_key);
  sandra_websocket_set_classify_func (client->ws, ws_classify, client);
  sandra_websocket_set_max_reconnects (client->ws, MAX (cfg->retries, 1));
  sandra_websocket_connect (client->ws);
  if (cfg->keepalive)
    client->keepalive = sandra_worker_timeout_add (client->worker,
        MAX (cfg->inactivity_timeout_s * 1000 / 4, 250), ws_keepalive,
        client, NULL);
  if (cfg->response_timeout_ms)
    client->deadlines = sandra_worker_timeout_add (client->worker,
        CLAMP (cfg->response_timeout_ms / 4, 10, 1000), ws_check_deadlines,
        client, NULL);
  g_string_free (url, TRUE);
  g_free (model);
  g_free (format);
  g_free (base);
  g_free (path);
  g_free (voice);
}

/* With keep-alive on, the next utterance's context is opened ahead: its
 * voice settings are already there when text comes, and it carries the
 * keep-alive messages in between. */
static void
ws_ensure_spare (ElevenlabsClient * client)
{
  if (!client->cfg->keepalive || client->spare)
    return;
  client->spare = utt_new (client, 0);
  client->utts = g_list_append (client->utts, client->spare);
  ws_send_init (client, client->spare, SANDRA_WS_SEND_NONE);
}

static void
ws_command (ElevenlabsClient * client, Cmd * cmd)
{
  Utt *u;

  if (client->ws == NULL)
    ws_create (client);
  switch (cmd->type) {
    case CMD_BEGIN:
      if (client->spare && sandra_websocket_get_state (client->ws) !=
          SANDRA_WS_STATE_CLOSED) {
        u = client->spare;
        client->spare = NULL;
        u->utterance = cmd->utterance;
      } else {
        u = utt_new (client, cmd->utterance);
        client->utts = g_list_append (client->utts, u);
        ws_send_init (client, u, SANDRA_WS_SEND_NONE);
      }
      GST_DEBUG_OBJECT (client->element, "utterance %" G_GUINT64_FORMAT
          " is context %s", u->utterance, u->id);
      break;
    case CMD_TEXT:
      u = find_utt (client, cmd->utterance);
      if (u == NULL || u->cancelled || u->ended)
        break;
      elevenlabs_heard_add_sent (u->heard, cmd->text, cmd->flush);
      u->last_flush = cmd->flush;
      /* while reconnecting, the text goes with the resend on open */
      if (!u->resend)
        ws_send_text (client, u, cmd->text, cmd->flush &&
            !client->cfg->auto_mode, SANDRA_WS_SEND_NONE);
      break;
    case CMD_END:
      u = find_utt (client, cmd->utterance);
      if (u == NULL || u->cancelled || u->ended)
        break;
      u->ended = TRUE;
      if (client->cfg->response_timeout_ms)
        u->deadline_us = g_get_monotonic_time () +
            (gint64) client->cfg->response_timeout_ms * 1000;
      if (*elevenlabs_heard_get_text (u->heard) == '\0') {
        /* Nothing to say: no audio will come. */
        if (!u->resend)
          ws_send_close_context (client, u, SANDRA_WS_SEND_NONE);
        report_done (client, u, TRUE);
        u->cancelled = TRUE;
      } else if (!u->resend) {
        ws_send_end (client, u, SANDRA_WS_SEND_NONE);
      }
      ws_ensure_spare (client);
      break;
    case CMD_CANCEL:
      u = find_utt (client, cmd->utterance);
      if (u == NULL || u->cancelled)
        break;
      if (!u->ended && !u->resend)
        ws_send_close_context (client, u, SANDRA_WS_SEND_NONE);
      u->cancelled = TRUE;
      u->ended = TRUE;
      report_done (client, u, FALSE);
      ws_ensure_spare (client);
      break;
    case CMD_CONNECT:
      /* the socket is connecting (above); the spare context is opened
       * on it as soon as it is up */
      ws_ensure_spare (client);
      break;
  }
}

/* ---------------------------------------------------------------------- */
/* HTTP transport */

static void http_pump (ElevenlabsClient * client);

static void
http_json_line (JsonNode * node, const GError * error, gpointer user_data)
{
  ElevenlabsClient *client = user_data;
  Utt *u = client->http_utt;
  JsonObject *o, *al;
  JsonArray *chars, *starts, *ends;
  ElevenlabsAudio *a;
  gint rate = elevenlabs_config_output_rate (client->cfg);
  GstClockTime offset;
  const gchar *b64;

  if (u == NULL || u->cancelled)
    return;
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)) {
    post_warning (client, GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
        g_strdup_printf ("Ignoring a malformed ElevenLabs stream line%s%s",
            error ? ": " : "", error ? error->message : ""));
    return;
  }
  o = json_node_get_object (node);
  b64 = json_object_get_string_member_with_default (o, "audio_base64", NULL);
  if (b64 == NULL)
    return;
  a = audio_new (client, u);
  a->samples = decode_audio (client, u, b64);
  /* Times count from the start of the request; make them relative to
   * this piece. */
  offset = gst_util_uint64_scale_int (client->http_samples, GST_SECOND, rate);
  client->http_samples += g_bytes_get_size (a->samples) / 2;
  al = json_object_get_member (o, "alignment") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "alignment")) ?
      json_object_get_object_member (o, "alignment") : NULL;
  chars = get_array (al, "characters");
  starts = get_array (al, "character_start_times_seconds");
  ends = get_array (al, "character_end_times_seconds");
  if (chars && starts && ends) {
    guint i, n = MIN (json_array_get_length (chars),
        MIN (json_array_get_length (starts), json_array_get_length (ends)));

    for (i = 0; i < n; i++) {
      gdouble s = number_at (starts, i) * GST_SECOND;
      gdouble e = number_at (ends, i) * GST_SECOND;
      GstClockTime rs = s > offset ? (GstClockTime) s - offset : 0;
      GstClockTime re = e > offset ? (GstClockTime) e - offset : 0;
      JsonNode *c = json_array_get_element (chars, i);

      g_ptr_array_add (a->chars, g_strdup (JSON_NODE_HOLDS_VALUE (c) &&
              json_node_get_value_type (c) == G_TYPE_STRING ?
              json_node_get_string (c) : ""));
      g_array_append_val (a->starts, rs);
      g_array_append_val (a->ends, re);
    }
  }
  u->got_audio = TRUE;
  if (g_bytes_get_size (a->samples) && client->cb.audio)
    client->cb.audio (a, client->user_data);
  else
    elevenlabs_audio_free (a);
}

static void
http_retry (const SandraHttpRetryInfo * info, gpointer user_data)
{
  ElevenlabsClient *client = user_data;
  const gchar *code = info->api_error ? info->api_error->code : NULL;

  /* too_many_concurrent_requests waits for a slot, system_busy backs off;
   * both are retried by the HTTP layer. */
  post_warning (client, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_BUSY,
      g_strdup_printf ("ElevenLabs is busy (%u%s%s); retrying in %u ms",
          info->status, code ? " " : "", code ? code : "", info->delay_ms));
}

static void
http_complete (const SandraHttpResult * result, gpointer user_data)
{
  ElevenlabsClient *client = user_data;
  Utt *u = client->http_utt;

  client->http_busy = FALSE;
  client->http_utt = NULL;
  g_clear_object (&client->http_cancel);
  if (u && !u->cancelled && !sandra_http_result_ok (result)) {
    if (result->api_error && !sandra_api_error_is_retryable (result->api_error)) {
      post_api_error (client, result->api_error, NULL);
      ws_forget_all (client);
      return;
    }
    if (!(result->error && g_error_matches (result->error, G_IO_ERROR,
                G_IO_ERROR_CANCELLED)))
      post_warning (client, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_READ,
          g_strdup_printf ("ElevenLabs did not speak part of utterance %"
              G_GUINT64_FORMAT ": %s", u->utterance, result->error ?
              result->error->message : result->api_error &&
              result->api_error->message ? result->api_error->message :
              "request failed"));
  }
  http_pump (client);
}

static void
http_send_chunk (ElevenlabsClient * client, Utt * u, Chunk * c)
{
  ElevenlabsConfig *cfg = client->cfg;
  static const SandraHttpCallbacks callbacks = {
    NULL, NULL, NULL, http_json_line, http_retry, http_complete
  };
  gchar *voice = g_uri_escape_string (cfg->voice_id, NULL, TRUE);
  gchar *format = elevenlabs_config_output_format (cfg);
  gchar *url = g_strdup_printf ("%s/text-to-speech/%s/stream/with-timestamps"
      "?output_format=%s", cfg->base_url, voice, format);
  SandraHttpRequest *req = sandra_http_request_new ("POST", url);
  JsonObject *body = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (body, "text", c->text);
  json_object_set_string_member (body, "model_id", cfg->model_id);
  if (cfg->language_code && *cfg->language_code)
    json_object_set_string_member (body, "language_code", cfg->language_code);
  json_object_set_object_member (body, "voice_settings",
      voice_settings (client));
  if (cfg->seed >= 0)
    json_object_set_int_member (body, "seed", cfg->seed);
  if (u->text->len) {
    gsize len = u->text->len, from = len > MAX_PREVIOUS_TEXT ?
        len - MAX_PREVIOUS_TEXT : 0;

    /* never start in the middle of a UTF-8 sequence */
    while (from < len && (u->text->str[from] & 0xc0) == 0x80)
      from++;
    json_object_set_string_member (body, "previous_text", u->text->str + from);
  }
  json_node_take_object (node, body);
  sandra_http_request_set_json (req, node);
  sandra_http_request_set_secret_header (req, "xi-api-key", cfg->api_key);
  sandra_http_request_set_body_mode (req, SANDRA_HTTP_BODY_NDJSON);
  sandra_http_request_set_timeout_ms (req, HTTP_TIMEOUT_MS);
  sandra_http_request_set_max_retries (req, cfg->retries);
  g_string_append (u->text, c->text);

  client->http_busy = TRUE;
  client->http_utt = u;
  client->http_samples = 0;
  client->http_cancel = g_cancellable_new ();
  /* each request is its own audio stream */
  elevenlabs_decoder_free (u->dec);
  u->dec = elevenlabs_decoder_new (cfg->audio_format !=
      ELEVENLABS_AUDIO_FORMAT_PCM);
  GST_DEBUG_OBJECT (client->element, "POST for utterance %" G_GUINT64_FORMAT
      ": %s", u->utterance, c->text);
  sandra_http_send (client->http, req, &callbacks, client, NULL,
      client->http_cancel);
  sandra_http_request_unref (req);
  json_node_unref (node);
  g_free (url);
  g_free (format);
  g_free (voice);
}

/* Sends the next chunk in utterance order, one request at a time, and
 * reports utterances whose text is all spoken. */
static void
http_pump (ElevenlabsClient * client)
{
  while (!client->http_busy && client->utts &&
      !elevenlabs_client_has_failed (client)) {
    Utt *u = client->utts->data;
    Chunk *c = g_queue_pop_head (&u->chunks);

    if (c) {
      http_send_chunk (client, u, c);
      chunk_free (c);
      return;
    }
    if (!u->ended)
      return;                   /* waiting for its next text */
    report_done (client, u, !u->cancelled);
    remove_utt (client, u);
  }
}

static void
http_command (ElevenlabsClient * client, Cmd * cmd)
{
  Utt *u;
  Chunk *c;

  switch (cmd->type) {
    case CMD_BEGIN:
      u = utt_new (client, cmd->utterance);
      client->utts = g_list_append (client->utts, u);
      break;
    case CMD_TEXT:
      u = find_utt (client, cmd->utterance);
      if (u == NULL || u->ended)
        break;
      c = g_new0 (Chunk, 1);
      c->text = g_strdup (cmd->text);
      c->flush = cmd->flush;
      g_queue_push_tail (&u->chunks, c);
      break;
    case CMD_END:
      u = find_utt (client, cmd->utterance);
      if (u)
        u->ended = TRUE;
      break;
    case CMD_CANCEL:
      u = find_utt (client, cmd->utterance);
      if (u == NULL)
        break;
      u->ended = TRUE;
      u->cancelled = TRUE;
      g_queue_clear_full (&u->chunks, (GDestroyNotify) chunk_free);
      if (client->http_utt == u && client->http_cancel)
        g_cancellable_cancel (client->http_cancel);
      report_done (client, u, FALSE);
      break;
    case CMD_CONNECT:
      break;                    /* a request is its own connection */
  }
  http_pump (client);
}

/* ---------------------------------------------------------------------- */
/* Commands from the streaming thread */

static gboolean
run_command (gpointer data)
{
  Cmd *cmd = data;
  ElevenlabsClient *client = cmd->client;

  if (elevenlabs_client_has_failed (client))
    return G_SOURCE_REMOVE;
  if (client->cfg->transport == ELEVENLABS_TRANSPORT_HTTP)
    http_command (client, cmd);
  else
    ws_command (client, cmd);
  return G_SOURCE_REMOVE;
}

static void
cmd_free (gpointer data)
{
  Cmd *cmd = data;

  g_free (cmd->text);
  g_free (cmd);
}

static void
submit (ElevenlabsClient * client, CmdType type, guint64 utterance,
    const gchar * text, gboolean flush)
{
  Cmd *cmd = g_new0 (Cmd, 1);

  cmd->client = client;
  cmd->type = type;
  cmd->utterance = utterance;
  cmd->text = g_strdup (text);
  cmd->flush = flush;
  sandra_worker_invoke (client->worker, run_command, cmd, cmd_free);
}

void
elevenlabs_client_begin (ElevenlabsClient * client, guint64 utterance)
{
  submit (client, CMD_BEGIN, utterance, NULL, FALSE);
}

void
elevenlabs_client_text (ElevenlabsClient * client, guint64 utterance,
    const gchar * text, gboolean flush)
{
  submit (client, CMD_TEXT, utterance, text, flush);
}

void
elevenlabs_client_end (ElevenlabsClient * client, guint64 utterance)
{
  submit (client, CMD_END, utterance, NULL, FALSE);
}

void
elevenlabs_client_cancel (ElevenlabsClient * client, guint64 utterance)
{
  submit (client, CMD_CANCEL, utterance, NULL, FALSE);
}

void
elevenlabs_client_connect (ElevenlabsClient * client)
{
  submit (client, CMD_CONNECT, 0, NULL, FALSE);
}

gboolean
elevenlabs_client_has_failed (ElevenlabsClient * client)
{
  gboolean failed;

  g_mutex_lock (&client->lock);
  failed = client->failed;
  g_mutex_unlock (&client->lock);
  return failed;
}

ElevenlabsClient *
elevenlabs_client_new (GstElement * element, ElevenlabsConfig * cfg,
    const ElevenlabsClientCallbacks * callbacks, gpointer user_data)
{
  ElevenlabsClient *client = g_new0 (ElevenlabsClient, 1);
  GUri *uri;

  if (g_once_init_enter (&elevenlabs_client_debug)) {
    GST_DEBUG_CATEGORY_INIT (elevenlabs_client_debug, "elevenlabsclient", 0,
        "ElevenLabs network client");
  }
  client->element = element;
  client->cfg = cfg;
  client->cb = *callbacks;
  client->user_data = user_data;
  g_mutex_init (&client->lock);
  client->scratch = g_byte_array_new ();
  client->worker = sandra_worker_new ("elevenlabs");
  client->http = sandra_http_new (client->worker, "gst-sandra/" VERSION);
  uri = g_uri_parse (cfg->base_url, G_URI_FLAGS_NONE, NULL);
  if (uri && sandra_credentials_is_loopback_uri (uri))
    sandra_http_set_insecure_loopback_tls (client->http, TRUE);
  if (uri)
    g_uri_unref (uri);
  return client;
}

static gboolean
teardown (gpointer data)
{
  ElevenlabsClient *client = data;

  if (client->keepalive) {
    g_source_destroy (client->keepalive);
    g_clear_pointer (&client->keepalive, g_source_unref);
  }
  if (client->deadlines) {
    g_source_destroy (client->deadlines);
    g_clear_pointer (&client->deadlines, g_source_unref);
  }
  if (client->http_cancel)
    g_cancellable_cancel (client->http_cancel);
  /* Callbacks only run here, in the worker: none reaches the element
   * after this. */
  memset (&client->cb, 0, sizeof (client->cb));
  return G_SOURCE_REMOVE;
}

void
elevenlabs_client_free (ElevenlabsClient * client)
{
  if (client == NULL)
    return;
  /* No callback may reach the element from now on. */
  g_mutex_lock (&client->lock);
  client->failed = TRUE;
  g_mutex_unlock (&client->lock);
  sandra_worker_invoke_sync (client->worker, teardown, client);
  if (client->ws)
    sandra_websocket_free (client->ws);
  sandra_http_free (client->http);
  sandra_worker_stop (client->worker);
  sandra_worker_unref (client->worker);
  while (client->utts) {
    Utt *u = client->utts->data;

    client->utts = g_list_delete_link (client->utts, client->utts);
    utt_free (u);
  }
  g_clear_pointer (&client->last_ws_error, sandra_api_error_free);
  g_byte_array_unref (client->scratch);
  g_mutex_clear (&client->lock);
  elevenlabs_config_free (client->cfg);
  g_free (client);
}
