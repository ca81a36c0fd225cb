/* bench-openaistt: what openaistt costs on top of the service.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Prints figures, never passes or fails:
 *  1. bytes uploaded per second of speech for each upload format and rate;
 *  2. the time the element adds (p50, p99) between the last audio of an
 *     utterance and the request reaching the server, and between the
 *     server's answer and the transcript buffer leaving the element, both
 *     against the in-process emulator, next to a plain libsoup client
 *     posting the same upload (the floor of an HTTP round trip here),
 *     once as libsoup sends a POST by default (on a new connection every
 *     time) and once flagged SOUP_MESSAGE_IDEMPOTENT, which lets it reuse
 *     the idle keep-alive connection.
 *
 * Usage: bench-openaistt [N utterances, default 200]
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "sandra-emulator.h"
#include "sandra-events.h"
#include "sandra-upload-encoder.h"

#define KEY "sk-bench"
#define RATE 16000
#define UTTERANCE_MS 1500

static GBytes *
decode (const gchar * path, gint rate)
{
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
      "audioconvert ! audioresample ! audio/x-raw,format=S16LE,channels=1,"
      "rate=%d ! appsink name=s sync=false", path, rate);
  GstElement *p = gst_parse_launch (desc, NULL);
  GstElement *sink = gst_bin_get_by_name (GST_BIN (p), "s");
  GByteArray *out = g_byte_array_new ();
  GstSample *sample;

  gst_element_set_state (p, GST_STATE_PLAYING);
  while (1) {
    GstBuffer *buf;
    GstMapInfo map;

    g_signal_emit_by_name (sink, "pull-sample", &sample);
    if (sample == NULL)
      break;
    buf = gst_sample_get_buffer (sample);
    gst_buffer_map (buf, &map, GST_MAP_READ);
    g_byte_array_append (out, map.data, map.size);
    gst_buffer_unmap (buf, &map);
    gst_sample_unref (sample);
  }
  gst_element_set_state (p, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (p);
  g_free (desc);
  return g_byte_array_free_to_bytes (out);
}

static void
bytes_per_second (const gchar * path)
{
  static const gint rates[] = { 8000, 16000, 24000, 48000 };
  guint i;

  g_print ("\n1. Upload size per second of speech (%s)\n\n", path);
  g_print ("| rate | ogg-opus auto (default) | ogg-opus 24 kbit/s | wav | wav / opus auto |\n");
  g_print ("|---|---|---|---|---|\n");
  for (i = 0; i < G_N_ELEMENTS (rates); i++) {
    GBytes *pcm = decode (path, rates[i]);
    gsize n = g_bytes_get_size (pcm) / 2;
    gdouble seconds = (gdouble) n / rates[i];
    gsize sizes[3];
    guint f;
    struct { SandraUploadFormat format; gint bitrate; } cfg[3] = {
      {SANDRA_UPLOAD_FORMAT_OGG_OPUS, 0},
      {SANDRA_UPLOAD_FORMAT_OGG_OPUS, 24000},
      {SANDRA_UPLOAD_FORMAT_WAV, 0},
    };

    for (f = 0; f < 3; f++) {
      SandraUploadEncoder *enc = sandra_upload_encoder_new (cfg[f].format,
          rates[i], cfg[f].bitrate, NULL);
      GBytes *file;

      sandra_upload_encoder_feed (enc, g_bytes_get_data (pcm, NULL), n, NULL);
      file = sandra_upload_encoder_finish (enc, NULL, NULL);
      sizes[f] = g_bytes_get_size (file);
      g_bytes_unref (file);
      sandra_upload_encoder_free (enc);
    }
    g_print ("| %d Hz | %.0f B/s | %.0f B/s | %.0f B/s | %.1fx |\n", rates[i],
        sizes[0] / seconds, sizes[1] / seconds, sizes[2] / seconds,
        (gdouble) sizes[2] / sizes[0]);
    g_bytes_unref (pcm);
  }
}

static int
cmp_double (const void *a, const void *b)
{
  gdouble x = *(const gdouble *) a, y = *(const gdouble *) b;

  return x < y ? -1 : x > y;
}

static void
percentiles (GArray * ms, gdouble * p50, gdouble * p99)
{
  qsort (ms->data, ms->len, sizeof (gdouble), cmp_double);
  *p50 = g_array_index (ms, gdouble, ms->len / 2);
  *p99 = g_array_index (ms, gdouble, MIN (ms->len - 1, ms->len * 99 / 100));
}

static gint64 pushed_us;

static GstPadProbeReturn
on_transcript (GstPad * pad, GstPadProbeInfo * info, gpointer data)
{
  pushed_us = g_get_monotonic_time ();
  return GST_PAD_PROBE_OK;
}

static gint64
record_member (SandraEmulator * emu, guint index, const gchar * member)
{
  JsonObject *rec = sandra_emulator_dup_request (emu, index);
  gint64 v = json_object_get_int_member_with_default (rec, member, 0);

  json_object_unref (rec);
  return v;
}

static void
element_times (SandraEmulator * emu, GBytes * speech, guint n,
    GArray * send_ms, GArray * push_ms)
{
  GstElement *e = gst_element_factory_make ("openaistt", NULL);
  GstHarness *h;
  GstPad *src;
  const gint16 *pcm = g_bytes_get_data (speech, NULL);
  gsize n_pcm = g_bytes_get_size (speech) / 2;
  guint64 pos = 0;
  guint i, index_base;

  g_object_set (e, "base-url", sandra_emulator_get_base_url (emu), "api-key",
      KEY, "stream", FALSE, "max-inflight", 1, NULL);
  h = gst_harness_new_with_element (e, "sink", "src");
  src = gst_element_get_static_pad (e, "src");
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER, on_transcript, NULL,
      NULL);
  gst_harness_set_src_caps_str (h, "audio/x-raw,format=S16LE,"
      "layout=interleaved,rate=16000,channels=1");
  index_base = sandra_emulator_count_requests (emu, NULL);

  for (i = 0; i < n; i++) {
    guint64 len = (guint64) RATE * UTTERANCE_MS / 1000, done = 0;
    GstClockTime start = gst_util_uint64_scale_int (pos, GST_SECOND, RATE);
    SandraVadInfo vad = { SANDRA_VAD_SPEECH_START, start, start, start,
      GST_CLOCK_TIME_NONE, 1.0
    };
    gint64 end_us;
    GstBuffer *out;

    gst_harness_push_event (h, sandra_vad_event_new (&vad));
    while (done < len) {
      gsize chunk = MIN (320, len - done);
      GstBuffer *buf = gst_buffer_new_memdup (pcm + (pos % (n_pcm - 320)),
          chunk * 2);

      GST_BUFFER_PTS (buf) = gst_util_uint64_scale_int (pos, GST_SECOND, RATE);
      GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (chunk,
          GST_SECOND, RATE);
      gst_harness_push (h, buf);
      pos += chunk;
      done += chunk;
    }
    vad.boundary = SANDRA_VAD_SPEECH_STOP;
    vad.timestamp = gst_util_uint64_scale_int (pos, GST_SECOND, RATE);
    /* The utterance's last audio is in: from here on it is the element. */
    end_us = g_get_monotonic_time ();
    gst_harness_push_event (h, sandra_vad_event_new (&vad));
    out = gst_harness_pull (h);
    gst_buffer_unref (out);
    {
      gdouble send = (record_member (emu, index_base + i, "received_us") -
          end_us) / 1000.0;
      gdouble push = (pushed_us - record_member (emu, index_base + i,
              "responded_us")) / 1000.0;

      g_array_append_val (send_ms, send);
      g_array_append_val (push_ms, push);
    }
  }
  gst_object_unref (src);
  gst_harness_teardown (h);
  gst_object_unref (e);
}

static void
relay_times (SandraEmulator * emu, GBytes * speech, guint n, gboolean reuse,
    GArray * send_ms, GArray * push_ms)
{
  SoupSession *session = soup_session_new ();
  SandraUploadEncoder *enc = sandra_upload_encoder_new
      (SANDRA_UPLOAD_FORMAT_OGG_OPUS, RATE, 0, NULL);
  gchar *url = g_strconcat (sandra_emulator_get_base_url (emu),
      "/audio/transcriptions", NULL);
  GBytes *file;
  guint i, index_base = sandra_emulator_count_requests (emu, NULL);

  sandra_upload_encoder_feed (enc, g_bytes_get_data (speech, NULL),
      RATE * UTTERANCE_MS / 1000, NULL);
  file = sandra_upload_encoder_finish (enc, NULL, NULL);
  for (i = 0; i < n; i++) {
    SoupMultipart *mp = soup_multipart_new (SOUP_FORM_MIME_TYPE_MULTIPART);
    SoupMessage *msg;
    GBytes *body;
    gint64 sent_us, got_us;

    soup_multipart_append_form_file (mp, "file", "audio.ogg", "audio/ogg",
        file);
    soup_multipart_append_form_string (mp, "model", "gpt-4o-mini-transcribe");
    soup_multipart_append_form_string (mp, "response_format", "json");
    msg = soup_message_new_from_multipart (url, mp);
    if (reuse)
      soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
    soup_message_headers_replace (soup_message_get_request_headers (msg),
        "Authorization", "Bearer " KEY);
    sent_us = g_get_monotonic_time ();
    body = soup_session_send_and_read (session, msg, NULL, NULL);
    got_us = g_get_monotonic_time ();
    {
      gdouble send = (record_member (emu, index_base + i, "received_us") -
          sent_us) / 1000.0;
      gdouble push = (got_us - record_member (emu, index_base + i,
              "responded_us")) / 1000.0;

      g_array_append_val (send_ms, send);
      g_array_append_val (push_ms, push);
    }
    g_bytes_unref (body);
    g_object_unref (msg);
    soup_multipart_free (mp);
  }
  g_bytes_unref (file);
  sandra_upload_encoder_free (enc);
  g_free (url);
  g_object_unref (session);
}

int
main (int argc, char **argv)
{
  guint n = argc > 1 ? (guint) atoi (argv[1]) : 200;
  SandraEmulator *emu;
  GBytes *speech;
  GArray *e_send = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *e_push = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *r_send = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *r_push = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *k_send = g_array_new (FALSE, FALSE, sizeof (gdouble));
  GArray *k_push = g_array_new (FALSE, FALSE, sizeof (gdouble));
  gdouble a50, a99, b50, b99, c50, c99, d50, d99, e50, e99, f50, f99;

  gst_init (&argc, &argv);
  bytes_per_second (SANDRA_BENCH_SPEECH);

  emu = sandra_emulator_new ("{\"api_keys\":[\"" KEY "\"],"
      "\"transcription\":{\"default\":{\"text\":\"A sentence of about the "
      "usual length for one utterance.\"}}}", NULL);
  sandra_emulator_start (emu, 0, NULL);
  speech = decode (SANDRA_BENCH_SPEECH, RATE);

  /* warm-up: first connections, lazy initialisation */
  element_times (emu, speech, 5, e_send, e_push);
  relay_times (emu, speech, 5, FALSE, r_send, r_push);
  relay_times (emu, speech, 5, TRUE, k_send, k_push);
  g_array_set_size (e_send, 0);
  g_array_set_size (e_push, 0);
  g_array_set_size (r_send, 0);
  g_array_set_size (r_push, 0);
  g_array_set_size (k_send, 0);
  g_array_set_size (k_push, 0);

  element_times (emu, speech, n, e_send, e_push);
  relay_times (emu, speech, n, FALSE, r_send, r_push);
  relay_times (emu, speech, n, TRUE, k_send, k_push);
  percentiles (e_send, &a50, &a99);
  percentiles (e_push, &b50, &b99);
  percentiles (r_send, &c50, &c99);
  percentiles (r_push, &d50, &d99);
  percentiles (k_send, &e50, &e99);
  percentiles (k_push, &f50, &f99);

  g_print ("\n2. Time added around the service, %u utterances of %d ms, "
      "ogg-opus, emulator in process\n\n", n, UTTERANCE_MS);
  g_print ("| path | openaistt p50 | p99 | plain POST, new connection p50 | "
      "p99 | plain POST, reused connection p50 | p99 |\n"
      "|---|---|---|---|---|---|---|\n");
  g_print ("| last audio (client: send) -> request read by server | "
      "%.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms |\n",
      a50, a99, c50, c99, e50, e99);
  g_print ("| server answers -> transcript pushed (client: body read) | "
      "%.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.2f ms |\n",
      b50, b99, d50, d99, f50, f99);
  g_print ("\nopenaistt's first row includes finishing the Opus stream and "
      "building the multipart body; the plain client's upload was encoded "
      "beforehand. The element's HTTP helper flags its requests idempotent, "
      "so libsoup reuses a kept-alive connection as the plain client's last "
      "columns do; its first request still opens one.\n");

  g_bytes_unref (speech);
  sandra_emulator_free (emu);
  g_array_unref (e_send);
  g_array_unref (e_push);
  g_array_unref (r_send);
  g_array_unref (r_push);
  g_array_unref (k_send);
  g_array_unref (k_push);
  return 0;
}
