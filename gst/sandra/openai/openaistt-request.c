/* gst-sandra: openaistt's network side, one request per utterance
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "openaistt-request.h"
#include "sandra-transcription-response.h"
#include "net/sandra-worker.h"
#include "net/sandra-http.h"
#include "net/sandra-api-error.h"
#include "net/sandra-credentials.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (openai_stt_request_debug);
#define GST_CAT_DEFAULT openai_stt_request_debug

/* An utterance shorter than this is not split further on 413: the limit
 * (25 MB) is far above any sane utterance, so a 413 for a short one means
 * the server is misconfigured, not that the audio is long. */
#define MIN_SPLIT_DURATION_MS 2000

/* One utterance, possibly transcribed in several pieces after a 413. */
typedef struct
{
  gint refcount;
  OpenaiSttUtterance *u;
  guint64 id;
  GTree *texts;                 /* sample offset -> gchar* text */
  guint outstanding;
  guint failed_pieces;
  gchar *language;
} UtteranceState;

/* One HTTP request: an utterance or a piece of it. */
typedef struct
{
  OpenaiSttClient *client;
  UtteranceState *state;
  guint64 offset;               /* in samples, from the utterance start */
  GBytes *pcm;                  /* this piece's samples */
  GBytes *file;                 /* this piece's upload */
  GString *partial;             /* streamed text so far */
  gchar *done_text;             /* from transcript.text.done */
  gboolean stream_error;
  gchar *stream_error_text;     /* an error event's code and message */
  GCancellable *cancellable;
  SandraTranscriptionFormat format;
} Job;

struct _OpenaiSttClient
{
  GstElement *element;          /* not owned: the element owns us */
  OpenaiSttConfig *cfg;
  OpenaiSttClientCallbacks cb;
  gpointer user_data;

  SandraWorker *worker;
  SandraHttp *http;

  GMutex lock;
  GQueue waiting;               /* Job*, not yet sent */
  guint inflight;
  GCancellable *cancellable;    /* replaced on cancel_all */
  gchar *locked_language;
  guint64 next_id;
  gboolean failed;
  gboolean warned_lock_unsupported;
};

void
openai_stt_config_free (OpenaiSttConfig * cfg)
{
  if (cfg == NULL)
    return;
  if (cfg->api_key)
    memset (cfg->api_key, 0, strlen (cfg->api_key));
  g_free (cfg->api_key);
  g_free (cfg->base_url);
  g_free (cfg->model);
  g_free (cfg->language);
  g_free (cfg->prompt);
  g_free (cfg);
}

static void
utterance_free (OpenaiSttUtterance * u)
{
  g_bytes_unref (u->file);
  g_bytes_unref (u->pcm);
  g_free (u);
}

static gint
compare_offsets (gconstpointer a, gconstpointer b, gpointer unused)
{
  guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;

  return x < y ? -1 : x > y;
}

static UtteranceState *
state_new (OpenaiSttUtterance * u, guint64 id)
{
  UtteranceState *st = g_new0 (UtteranceState, 1);

  st->refcount = 1;
  st->u = u;
  st->id = id;
  st->texts = g_tree_new_full (compare_offsets, NULL, g_free, g_free);
  return st;
}

static UtteranceState *
state_ref (UtteranceState * st)
{
  g_atomic_int_inc (&st->refcount);
  return st;
}

static void
state_unref (UtteranceState * st)
{
  if (!g_atomic_int_dec_and_test (&st->refcount))
    return;
  utterance_free (st->u);
  g_tree_unref (st->texts);
  g_free (st->language);
  g_free (st);
}

static void
job_free (Job * job)
{
  state_unref (job->state);
  g_bytes_unref (job->pcm);
  g_bytes_unref (job->file);
  g_string_free (job->partial, TRUE);
  g_free (job->done_text);
  g_free (job->stream_error_text);
  g_clear_object (&job->cancellable);
  g_free (job);
}

static gboolean
model_is_whisper (const gchar * model)
{
  return model && g_str_has_prefix (model, "whisper");
}

/* ---------------------------------------------------------------------- */
/* Bus messages */

static void
post_problem (OpenaiSttClient * client, GstMessageType type, GQuark domain,
    gint code, gchar * text, const SandraApiError * api_error)
{
  GstStructure *details = api_error ? sandra_api_error_to_details (api_error)
      : NULL;
  gchar *debug = NULL;

  if (api_error && api_error->request_id)
    debug = g_strdup_printf ("request id %s", api_error->request_id);
  /* The message takes text and debug; a key never reaches either: server
   * messages were scrubbed by the HTTP layer. */
  gst_element_message_full_with_details (client->element, type, domain,
      code, text, debug, __FILE__, GST_FUNCTION, __LINE__, details);
}

static gchar *
describe_time (const UtteranceState * st)
{
  return g_strdup_printf ("%" GST_TIME_FORMAT " - %" GST_TIME_FORMAT,
      GST_TIME_ARGS (st->u->pts),
      GST_TIME_ARGS (st->u->pts + st->u->duration));
}

/* ---------------------------------------------------------------------- */
/* Sending */

static void send_job (OpenaiSttClient * client, Job * job);

static void
fill_result (OpenaiSttResult * r, UtteranceState * st, const gchar * text)
{
  memset (r, 0, sizeof (*r));
  r->ticket = st->u->ticket;
  r->utterance_id = st->id;
  r->text = text;
  r->language = st->language;
  r->pts = st->u->pts;
  r->duration = st->u->duration;
  r->start_running_time = st->u->start_running_time;
  r->end_running_time = st->u->end_running_time;
  r->latency_ms = (g_get_monotonic_time () - st->u->cut_time_us) / 1000.0;
}

static gboolean
join_text (gpointer key, gpointer value, gpointer data)
{
  GString *out = data;
  const gchar *t = value;

  if (t && *t) {
    if (out->len > 0)
      g_string_append_c (out, ' ');
    g_string_append (out, t);
  }
  return FALSE;
}

/* Worker thread: one piece ended; report the utterance when it was the
 * last. */
static void
piece_finished (OpenaiSttClient * client, Job * job, const gchar * text)
{
  UtteranceState *st = job->state;
  guint64 *key;

  if (text) {
    key = g_new (guint64, 1);
    *key = job->offset;
    g_tree_insert (st->texts, key, g_strdup (g_strstrip ((gchar *) text)));
  } else {
    st->failed_pieces++;
  }
  if (--st->outstanding > 0)
    return;

  if (g_tree_nnodes (st->texts) == 0) {
    client->cb.failed (st->u->ticket, st->u->pts, st->u->duration,
        client->user_data);
  } else {
    GString *all = g_string_new (NULL);
    OpenaiSttResult r;

    g_tree_foreach (st->texts, join_text, all);
    fill_result (&r, st, all->str);
    GST_DEBUG_OBJECT (client->element, "utterance %" G_GUINT64_FORMAT
        " transcribed in %.1f ms: %s", st->id, r.latency_ms, all->str);
    client->cb.final (&r, client->user_data);
    g_string_free (all, TRUE);
  }
}

/* Worker thread: a request slot is free; send the next waiting job. */
static void
release_slot (OpenaiSttClient * client)
{
  Job *next = NULL;

  g_mutex_lock (&client->lock);
  client->inflight--;
  if (client->inflight < client->cfg->max_inflight)
    next = g_queue_pop_head (&client->waiting);
  if (next)
    client->inflight++;
  g_mutex_unlock (&client->lock);
  if (next)
    send_job (client, next);
}

static void
note_language (OpenaiSttClient * client, UtteranceState * st,
    const gchar * code)
{
  if (code == NULL)
    return;
  g_free (st->language);
  st->language = g_strdup (code);
  g_mutex_lock (&client->lock);
  if (client->cfg->lock_language && client->locked_language == NULL &&
      (client->cfg->language == NULL || *client->cfg->language == '\0')) {
    client->locked_language = g_strdup (code);
    GST_INFO_OBJECT (client->element, "language locked to %s", code);
  }
  g_mutex_unlock (&client->lock);
}

static void
on_sse_event (const gchar * event, const gchar * data, gsize len,
    gpointer user_data)
{
  Job *job = user_data;
  OpenaiSttClient *client = job->client;
  g_autoptr (GError) err = NULL;
  g_autoptr (SandraTranscriptionStreamEvent) ev =
      sandra_transcription_stream_event_parse (data, len, &err);

  if (ev == NULL) {
    GST_WARNING_OBJECT (client->element, "unreadable stream event: %s",
        err->message);
    job->stream_error = TRUE;
    return;
  }
  switch (ev->type) {
    case SANDRA_TRANSCRIPTION_STREAM_EVENT_DELTA:{
      OpenaiSttResult r;
      GString *shown = g_string_new (NULL);

      g_string_append (job->partial, ev->delta ? ev->delta : "");
      /* Earlier pieces of a split utterance come first. */
      g_tree_foreach (job->state->texts, join_text, shown);
      if (shown->len > 0)
        g_string_append_c (shown, ' ');
      g_string_append (shown, job->partial->str);
      fill_result (&r, job->state, shown->str);
      client->cb.partial (&r, client->user_data);
      g_string_free (shown, TRUE);
      break;
    }
    case SANDRA_TRANSCRIPTION_STREAM_EVENT_DONE:
      g_free (job->done_text);
      job->done_text = g_strdup (ev->text ? ev->text : job->partial->str);
      break;
    case SANDRA_TRANSCRIPTION_STREAM_EVENT_ERROR:{
      gchar *msg = sandra_credentials_redact_text (ev->error_message,
          client->cfg->api_key);

      job->stream_error = TRUE;
      g_free (job->stream_error_text);
      job->stream_error_text = g_strdup_printf ("the service reported %s%s%s",
          ev->error_code ? ev->error_code : "an error",
          msg ? ": " : "", msg ? msg : "");
      g_free (msg);
      break;
    }
    default:
      break;
  }
}

static void
on_retry (const SandraHttpRetryInfo * info, gpointer user_data)
{
  Job *job = user_data;
  OpenaiSttClient *client = job->client;
  gchar *what = info->status ? g_strdup_printf ("HTTP %u", info->status) :
      g_strdup (info->error ? info->error->message : "network error");
  gchar *when = describe_time (job->state);

  post_problem (client, GST_MESSAGE_WARNING, GST_RESOURCE_ERROR,
      GST_RESOURCE_ERROR_READ,
      g_strdup_printf ("OpenAI transcription failed for the utterance at %s "
          "(%s); retrying in %u ms (attempt %u)", when, what, info->delay_ms,
          info->attempt), info->api_error);
  g_free (what);
  g_free (when);
}

/* Worker thread: re-encodes [from, to) samples of the job's piece. */
static Job *
make_piece (OpenaiSttClient * client, Job * parent, gsize from, gsize to)
{
  GError *err = NULL;
  SandraUploadEncoder *enc;
  const gint16 *samples;
  gsize n;
  Job *job;
  GBytes *file;

  enc = sandra_upload_encoder_new (client->cfg->upload_format,
      parent->state->u->rate, client->cfg->upload_bitrate, &err);
  if (enc == NULL) {
    g_clear_error (&err);
    return NULL;
  }
  samples = g_bytes_get_data (parent->pcm, &n);
  n /= 2;
  to = MIN (to, n);
  if (!sandra_upload_encoder_feed (enc, samples + from, to - from, &err) ||
      !(file = sandra_upload_encoder_finish (enc, NULL, &err))) {
    g_clear_error (&err);
    sandra_upload_encoder_free (enc);
    return NULL;
  }
  sandra_upload_encoder_free (enc);

  job = g_new0 (Job, 1);
  job->client = client;
  job->state = state_ref (parent->state);
  job->offset = parent->offset + from;
  job->pcm = g_bytes_new_from_bytes (parent->pcm, from * 2, (to - from) * 2);
  job->file = file;
  job->partial = g_string_new (NULL);
  job->cancellable = g_object_ref (parent->cancellable);
  return job;
}

/* Worker thread: a 413. Send the two halves instead; both are new pieces
 * of the same utterance. Returns FALSE when the piece cannot be split. */
static gboolean
split_job (OpenaiSttClient * client, Job * job)
{
  gsize n = g_bytes_get_size (job->pcm) / 2;
  guint64 min = (guint64) job->state->u->rate * MIN_SPLIT_DURATION_MS / 1000;
  Job *a, *b;

  if (n < 2 * min)
    return FALSE;
  a = make_piece (client, job, 0, n / 2);
  b = make_piece (client, job, n / 2, n);
  if (a == NULL || b == NULL) {
    g_clear_pointer (&a, job_free);
    g_clear_pointer (&b, job_free);
    return FALSE;
  }
  GST_INFO_OBJECT (client->element, "upload too large, sending it in two "
      "halves");
  job->state->outstanding += 2;
  g_mutex_lock (&client->lock);
  /* The halves go first: they hold the oldest audio. */
  g_queue_push_head (&client->waiting, b);
  g_queue_push_head (&client->waiting, a);
  g_mutex_unlock (&client->lock);
  return TRUE;
}

/* Marks the client failed before the error is posted, so that an
 * application reacting to the error already finds the element refusing
 * data. */
static void
mark_failed (OpenaiSttClient * client)
{
  g_mutex_lock (&client->lock);
  client->failed = TRUE;
  g_mutex_unlock (&client->lock);
}

/* A 4xx that says the element's configuration (model, language,
 * temperature...) is wrong: every request would fail the same way. */
static gboolean
is_configuration_error (const SandraApiError * e)
{
  static const gchar *params[] = { "model", "language", "temperature",
    "response_format", "prompt", "stream", NULL
  };
  const gchar **p;

  if (e->http_status == 404)
    return TRUE;
  for (p = params; *p; p++)
    if (g_strcmp0 (e->param, *p) == 0)
      return TRUE;
  return FALSE;
}

static void
on_complete (const SandraHttpResult * result, gpointer user_data)
{
  Job *job = user_data;
  OpenaiSttClient *client = job->client;
  UtteranceState *st = job->state;
  gchar *when;

  if (result->error && g_error_matches (result->error, G_IO_ERROR,
          G_IO_ERROR_CANCELLED)) {
    /* Flushed or shutting down: nobody waits for this result. */
    st->outstanding--;
    release_slot (client);
    return;
  }

  when = describe_time (st);

  if (sandra_http_result_ok (result)) {
    const gchar *text = NULL;
    g_autoptr (SandraTranscription) t = NULL;
    g_autoptr (GError) err = NULL;

    if (job->done_text && !job->stream_error) {
      text = job->done_text;
    } else if (result->body) {
      gsize len;
      const gchar *body = g_bytes_get_data (result->body, &len);

      t = sandra_transcription_parse (job->format, body, len, &err);
      if (t) {
        text = t->text;
        note_language (client, st, t->language);
      }
    } else if (job->partial->len > 0 && !job->stream_error) {
      /* The stream ended without its done event: keep what came. */
      text = job->partial->str;
    }
    if (text == NULL) {
      post_problem (client, GST_MESSAGE_WARNING, GST_STREAM_ERROR,
          GST_STREAM_ERROR_DECODE,
          g_strdup_printf ("OpenAI sent a transcription for the utterance at "
              "%s that could not be read (%s); that utterance is lost", when,
              err ? err->message : job->stream_error_text ?
              job->stream_error_text : "malformed or incomplete stream"),
          NULL);
    }
    piece_finished (client, job, text);
  } else if (result->api_error &&
      result->api_error->klass == SANDRA_API_ERROR_CLASS_TOO_LARGE &&
      split_job (client, job)) {
    st->outstanding--;
  } else if (result->api_error &&
      (result->api_error->klass == SANDRA_API_ERROR_CLASS_FATAL_AUTH ||
          result->api_error->klass == SANDRA_API_ERROR_CLASS_FATAL_QUOTA ||
          (result->api_error->klass == SANDRA_API_ERROR_CLASS_FATAL_REQUEST &&
              is_configuration_error (result->api_error)))) {
    const SandraApiError *e = result->api_error;
    gint code = e->klass == SANDRA_API_ERROR_CLASS_FATAL_AUTH ?
        GST_RESOURCE_ERROR_NOT_AUTHORIZED : GST_RESOURCE_ERROR_SETTINGS;

    mark_failed (client);
    post_problem (client, GST_MESSAGE_ERROR, GST_RESOURCE_ERROR, code,
        sandra_api_error_to_sentence (e, "OpenAI"), e);
    client->cb.fatal (client->user_data);
    piece_finished (client, job, NULL);
  } else {
    gchar *why;

    if (result->api_error) {
      why = sandra_api_error_to_sentence (result->api_error, "OpenAI");
    } else {
      why = g_strdup_printf ("OpenAI could not be reached: %s",
          result->error ? result->error->message : "no response");
    }
    post_problem (client, GST_MESSAGE_WARNING, GST_RESOURCE_ERROR,
        GST_RESOURCE_ERROR_READ,
        g_strdup_printf ("%s (utterance at %s, after %u attempts); that "
            "utterance is lost", why, when, result->attempts),
        result->api_error);
    g_free (why);
    piece_finished (client, job, NULL);
  }
  g_free (when);
  release_slot (client);
}

/* Any thread: builds and sends one request. The caller has counted it in
 * inflight. */
static void
send_job (OpenaiSttClient * client, Job * job)
{
  static const SandraHttpCallbacks callbacks = {
    NULL, NULL, on_sse_event, NULL, on_retry, on_complete
  };
  SandraHttpRequest *req;
  gchar *url, *language, *model, *prompt;
  gboolean whisper, stream;

  g_mutex_lock (&client->lock);
  model = g_strdup (client->cfg->model);
  prompt = g_strdup (client->cfg->prompt);
  language = g_strdup (client->cfg->language && *client->cfg->language ?
      client->cfg->language : client->locked_language);
  g_mutex_unlock (&client->lock);

  whisper = model_is_whisper (model);
  /* Streaming is offered by the gpt-4o models only, and only json is;
   * whisper-1's verbose_json is what reports the language. */
  stream = client->cfg->stream && !whisper;
  job->format = whisper ? SANDRA_TRANSCRIPTION_FORMAT_VERBOSE_JSON :
      SANDRA_TRANSCRIPTION_FORMAT_JSON;

  url = g_strconcat (client->cfg->base_url, "/audio/transcriptions", NULL);
  req = sandra_http_request_new ("POST", url);
  sandra_http_request_set_bearer (req, client->cfg->api_key);
  sandra_http_request_add_form_file (req, "file",
      sandra_upload_format_get_filename (client->cfg->upload_format),
      sandra_upload_format_get_content_type (client->cfg->upload_format),
      job->file);
  sandra_http_request_add_form_field (req, "model", model);
  sandra_http_request_add_form_field (req, "response_format",
      sandra_transcription_format_to_wire (job->format));
  if (language && *language)
    sandra_http_request_add_form_field (req, "language", language);
  if (prompt && *prompt)
    sandra_http_request_add_form_field (req, "prompt", prompt);
  if (client->cfg->temperature > 0.0) {
    gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

    sandra_http_request_add_form_field (req, "temperature",
        g_ascii_dtostr (buf, sizeof (buf), client->cfg->temperature));
  }
  if (stream) {
    sandra_http_request_add_form_field (req, "stream", "true");
    sandra_http_request_set_body_mode (req, SANDRA_HTTP_BODY_SSE);
  } else {
    sandra_http_request_set_body_mode (req, SANDRA_HTTP_BODY_FULL);
  }
  sandra_http_request_set_timeout_ms (req, client->cfg->timeout_ms);
  sandra_http_request_set_max_retries (req, client->cfg->retries);

  GST_DEBUG_OBJECT (client->element, "sending utterance %" G_GUINT64_FORMAT
      " (offset %" G_GUINT64_FORMAT ", %" G_GSIZE_FORMAT " bytes, model %s, "
      "language %s)", job->state->id, job->offset,
      g_bytes_get_size (job->file), model, language ? language : "auto");
  sandra_http_send (client->http, req, &callbacks, job,
      (GDestroyNotify) job_free, job->cancellable);
  sandra_http_request_unref (req);
  g_free (url);
  g_free (model);
  g_free (prompt);
  g_free (language);
}

/* ---------------------------------------------------------------------- */
/* Public API */

OpenaiSttClient *
openai_stt_client_new (GstElement * element, OpenaiSttConfig * cfg,
    const OpenaiSttClientCallbacks * callbacks, gpointer user_data)
{
  OpenaiSttClient *client = g_new0 (OpenaiSttClient, 1);

  static gsize debug_once = 0;

  if (g_once_init_enter (&debug_once)) {
    GST_DEBUG_CATEGORY_INIT (openai_stt_request_debug, "openaistt-request", 0,
        "openaistt requests");
    g_once_init_leave (&debug_once, 1);
  }

  client->element = element;
  client->cfg = cfg;
  client->cb = *callbacks;
  client->user_data = user_data;
  g_mutex_init (&client->lock);
  g_queue_init (&client->waiting);
  client->cancellable = g_cancellable_new ();
  client->next_id = 1;
  client->worker = sandra_worker_new ("openaistt");
  client->http = sandra_http_new (client->worker, "gst-sandra/" VERSION);
  if (cfg->lock_language && model_is_whisper (cfg->model) == FALSE &&
      (cfg->language == NULL || *cfg->language == '\0')) {
    GST_ELEMENT_WARNING (element, LIBRARY, SETTINGS,
        ("lock-language has no effect with %s: only whisper-1 reports the "
            "language it detected. Set the language property instead.",
            cfg->model), (NULL));
  }
  return client;
}

void
openai_stt_client_free (OpenaiSttClient * client)
{
  if (client == NULL)
    return;
  openai_stt_client_cancel_all (client);
  /* Delivers every outstanding completion (as cancelled), then joins. */
  sandra_http_free (client->http);
  sandra_worker_unref (client->worker);
  g_queue_clear_full (&client->waiting, (GDestroyNotify) job_free);
  g_clear_object (&client->cancellable);
  g_free (client->locked_language);
  openai_stt_config_free (client->cfg);
  g_mutex_clear (&client->lock);
  g_free (client);
}

void
openai_stt_client_submit (OpenaiSttClient * client, OpenaiSttUtterance * u)
{
  Job *job = g_new0 (Job, 1);
  gboolean send_now;

  g_mutex_lock (&client->lock);
  job->client = client;
  job->state = state_new (u, client->next_id++);
  job->state->outstanding = 1;
  job->pcm = g_bytes_ref (u->pcm);
  job->file = g_bytes_ref (u->file);
  job->partial = g_string_new (NULL);
  job->cancellable = g_object_ref (client->cancellable);
  send_now = client->inflight < client->cfg->max_inflight &&
      client->waiting.length == 0;
  if (send_now)
    client->inflight++;
  else
    g_queue_push_tail (&client->waiting, job);
  g_mutex_unlock (&client->lock);
  if (send_now)
    send_job (client, job);
}

void
openai_stt_client_cancel_all (OpenaiSttClient * client)
{
  GQueue dropped = G_QUEUE_INIT;
  GCancellable *old;

  g_mutex_lock (&client->lock);
  old = client->cancellable;
  client->cancellable = g_cancellable_new ();
  dropped = client->waiting;
  g_queue_init (&client->waiting);
  g_mutex_unlock (&client->lock);

  g_cancellable_cancel (old);
  g_object_unref (old);
  g_queue_clear_full (&dropped, (GDestroyNotify) job_free);
}

gboolean
openai_stt_client_has_failed (OpenaiSttClient * client)
{
  gboolean failed;

  if (client == NULL)
    return FALSE;
  g_mutex_lock (&client->lock);
  failed = client->failed;
  g_mutex_unlock (&client->lock);
  return failed;
}

static void
set_cfg_string (OpenaiSttClient * client, gchar ** field, const gchar * v)
{
  g_mutex_lock (&client->lock);
  g_free (*field);
  *field = g_strdup (v);
  g_mutex_unlock (&client->lock);
}

void
openai_stt_client_set_model (OpenaiSttClient * client, const gchar * model)
{
  set_cfg_string (client, &client->cfg->model, model);
}

void
openai_stt_client_set_language (OpenaiSttClient * client,
    const gchar * language)
{
  set_cfg_string (client, &client->cfg->language, language);
}

void
openai_stt_client_set_prompt (OpenaiSttClient * client, const gchar * prompt)
{
  set_cfg_string (client, &client->cfg->prompt, prompt);
}

guint
openai_stt_client_get_queued (OpenaiSttClient * client)
{
  guint n;

  g_mutex_lock (&client->lock);
  n = client->waiting.length + client->inflight;
  g_mutex_unlock (&client->lock);
  return n;
}
