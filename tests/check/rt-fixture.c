/* gst-sandra tests: an openairealtime pipeline against the emulator
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "rt-fixture.h"

#include <gst/app/gstappsrc.h>
#include <string.h>

#include "test-util.h"
#include "sandra-events.h"


static void
fx_lock (Fx * fx)
{
  g_mutex_lock (&fx->lock);
}

static void
fx_unlock (Fx * fx)
{
  g_cond_broadcast (&fx->cond);
  g_mutex_unlock (&fx->lock);
}

static GstBusSyncReply
bus_sync (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  Fx *fx = user_data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ELEMENT &&
      GST_MESSAGE_SRC (msg) == GST_OBJECT (fx->rt)) {
    fx_lock (fx);
    g_ptr_array_add (fx->msgs,
        gst_structure_copy (gst_message_get_structure (msg)));
    fx_unlock (fx);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    fx_lock (fx);
    if (fx->error == NULL)
      fx->error = gst_message_ref (msg);
    fx_unlock (fx);
  } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_warning (msg, &err, &debug);
    fx_lock (fx);
    g_string_append_printf (fx->warnings, "%s|%s\n", err->message,
        GST_STR_NULL (debug));
    fx_unlock (fx);
    g_error_free (err);
    g_free (debug);
  }
  /* A sync handler that drops a message owns it. */
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static void
on_audio_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, Fx * fx)
{
  GstClockTime pts = GST_BUFFER_PTS (buf), dur = GST_BUFFER_DURATION (buf);

  GST_LOG ("handoff pts %" GST_TIME_FORMAT " at running time %"
      GST_TIME_FORMAT, GST_TIME_ARGS (pts),
      GST_TIME_ARGS (gst_element_get_current_running_time (sink)));
  fx_lock (fx);
  g_ptr_array_add (fx->buf_caps, gst_pad_get_current_caps (pad));
  {
    gsize size = gst_buffer_get_size (buf);

    g_array_append_val (fx->sizes, size);
  }
  fx->rendered_bytes += gst_buffer_get_size (buf);
  fx->n_audio_buffers++;
  g_array_append_val (fx->pts, pts);
  g_array_append_val (fx->dur, dur);
  fx_unlock (fx);
}

static void
on_text_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, Fx * fx)
{
  GstMapInfo map;

  GstClockTime pts = GST_BUFFER_PTS (buf);

  gst_buffer_map (buf, &map, GST_MAP_READ);
  fx_lock (fx);
  g_array_append_val (fx->text_pts, pts);
  g_string_append_len (fx->text, (const gchar *) map.data, map.size);
  fx_unlock (fx);
  gst_buffer_unmap (buf, &map);
}

static GstPadProbeReturn
audio_event_probe (GstPad * pad, GstPadProbeInfo * info, Fx * fx)
{
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);

  fx_lock (fx);
  if (GST_EVENT_TYPE (ev) == GST_EVENT_FLUSH_START)
    fx->n_flush_start++;
  else if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS)
    fx->audio_eos = TRUE;
  else if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
    GstCaps *caps;

    gst_event_parse_caps (ev, &caps);
    gst_caps_replace (&fx->audio_caps, caps);
  }
  fx_unlock (fx);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
text_event_probe (GstPad * pad, GstPadProbeInfo * info, Fx * fx)
{
  GstEvent *ev = GST_PAD_PROBE_INFO_EVENT (info);
  gchar *sentence = NULL;

  fx_lock (fx);
  if (sandra_end_of_sentence_event_parse (ev, &sentence, NULL, NULL)) {
    fx->n_sentences++;
    g_string_append_printf (fx->sentences, "%s|", sentence);
    g_free (sentence);
  } else if (GST_EVENT_TYPE (ev) == GST_EVENT_EOS) {
    fx->text_eos = TRUE;
  }
  fx_unlock (fx);
  return GST_PAD_PROBE_OK;
}

SandraEmulator *
start_emulator (const gchar * scenario)
{
  GError *err = NULL;
  SandraEmulator *emu = sandra_emulator_new (scenario, &err);

  fail_unless (emu != NULL, "scenario: %s", err ? err->message : "");
  fail_unless (sandra_emulator_start (emu, 0, &err), "%s",
      err ? err->message : "");
  return emu;
}

/* @props: extra openairealtime properties; @caps: microphone caps;
 * @audio_sync: render audio against the clock (barge-in). */
Fx *
fx_new_with (SandraEmulator * emu, const gchar * props, const gchar * caps,
    gboolean audio_sync, gboolean with_text_in)
{
  Fx *fx = g_new0 (Fx, 1);
  GError *err = NULL;
  gchar *desc;
  GstElement *out, *text;
  GstBus *bus;
  GstPad *pad;

  g_mutex_init (&fx->lock);
  g_cond_init (&fx->cond);
  fx->msgs = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_structure_free);
  fx->pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  fx->dur = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  fx->buf_caps = g_ptr_array_new_with_free_func ((GDestroyNotify)
      gst_caps_unref);
  fx->sizes = g_array_new (FALSE, FALSE, sizeof (gsize));
  fx->text = g_string_new (NULL);
  fx->sentences = g_string_new (NULL);
  fx->warnings = g_string_new (NULL);
  fx->text_pts = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  fx->emu = emu;

  desc = g_strdup_printf ("appsrc name=in is-live=true format=time "
      "do-timestamp=true caps=\"%s\" ! openairealtime name=rt "
      "base-url=%s %s ! fakesink name=out sync=%s async=false "
      "signal-handoffs=true rt.text_src ! fakesink name=text sync=false "
      "async=false signal-handoffs=true %s", caps ? caps :
      "audio/x-raw,format=S16LE,layout=interleaved,rate=24000,channels=1",
      sandra_emulator_get_base_url (fx->emu), props ? props : "api-key="
      KEY, audio_sync ? "true" : "false", with_text_in ?
      "appsrc name=tin format=time caps=text/x-raw,format=utf8 ! "
      "rt.text_sink" : "");
  fx->pipeline = gst_parse_launch (desc, &err);
  fail_unless (fx->pipeline != NULL, "%s: %s", desc, err ? err->message : "");
  g_free (desc);
  fx->in = gst_bin_get_by_name (GST_BIN (fx->pipeline), "in");
  fx->rt = gst_bin_get_by_name (GST_BIN (fx->pipeline), "rt");
  fx->text_in = gst_bin_get_by_name (GST_BIN (fx->pipeline), "tin");
  out = gst_bin_get_by_name (GST_BIN (fx->pipeline), "out");
  text = gst_bin_get_by_name (GST_BIN (fx->pipeline), "text");
  g_signal_connect (out, "handoff", G_CALLBACK (on_audio_handoff), fx);
  g_signal_connect (text, "handoff", G_CALLBACK (on_text_handoff), fx);
  pad = gst_element_get_static_pad (out, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM |
      GST_PAD_PROBE_TYPE_EVENT_FLUSH,
      (GstPadProbeCallback) audio_event_probe, fx, NULL);
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (text, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      (GstPadProbeCallback) text_event_probe, fx, NULL);
  gst_object_unref (pad);
  gst_object_unref (out);
  gst_object_unref (text);

  bus = gst_element_get_bus (fx->pipeline);
  gst_bus_set_sync_handler (bus, bus_sync, fx, NULL);
  gst_object_unref (bus);
  return fx;
}

Fx *
fx_new (const gchar * scenario, const gchar * props, const gchar * caps,
    gboolean audio_sync, gboolean with_text_in)
{
  return fx_new_with (start_emulator (scenario), props, caps, audio_sync,
      with_text_in);
}

void
fx_play (Fx * fx)
{
  fail_if (gst_element_set_state (fx->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
}

void
fx_free (Fx * fx)
{
  gst_element_set_state (fx->pipeline, GST_STATE_NULL);
  gst_object_unref (fx->in);
  gst_object_unref (fx->rt);
  if (fx->text_in)
    gst_object_unref (fx->text_in);
  gst_object_unref (fx->pipeline);
  sandra_emulator_free (fx->emu);
  g_ptr_array_unref (fx->msgs);
  g_clear_pointer (&fx->error, gst_message_unref);
  g_array_unref (fx->pts);
  g_array_unref (fx->dur);
  g_ptr_array_unref (fx->buf_caps);
  g_array_unref (fx->sizes);
  gst_caps_replace (&fx->audio_caps, NULL);
  g_string_free (fx->text, TRUE);
  g_string_free (fx->sentences, TRUE);
  g_string_free (fx->warnings, TRUE);
  g_array_unref (fx->text_pts);
  g_mutex_clear (&fx->lock);
  g_cond_clear (&fx->cond);
  g_free (fx);
}

guint
count_msgs_locked (Fx * fx, const gchar * name)
{
  guint i, n = 0;

  for (i = 0; i < fx->msgs->len; i++)
    if (gst_structure_has_name (g_ptr_array_index (fx->msgs, i), name))
      n++;
  return n;
}

/* Waits for the @n-th (1-based) message @name; returns a copy or fails. */
GstStructure *
wait_msg (Fx * fx, const gchar * name, guint n)
{
  gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
  GstStructure *found = NULL;

  g_mutex_lock (&fx->lock);
  while (TRUE) {
    guint i, seen = 0;

    fail_unless (fx->error == NULL || g_str_equal (name, "error"),
        "pipeline error while waiting for %s", name);
    for (i = 0; i < fx->msgs->len && !found; i++) {
      GstStructure *s = g_ptr_array_index (fx->msgs, i);

      if (gst_structure_has_name (s, name) && ++seen == n)
        found = gst_structure_copy (s);
    }
    if (found || !g_cond_wait_until (&fx->cond, &fx->lock, end))
      break;
  }
  g_mutex_unlock (&fx->lock);
  fail_unless (found != NULL, "no message %s #%u", name, n);
  return found;
}

GstMessage *
wait_error (Fx * fx)
{
  gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;
  GstMessage *m;

  g_mutex_lock (&fx->lock);
  while (fx->error == NULL && g_cond_wait_until (&fx->cond, &fx->lock, end));
  m = fx->error ? gst_message_ref (fx->error) : NULL;
  g_mutex_unlock (&fx->lock);
  fail_unless (m != NULL, "no error posted");
  return m;
}

/* Pushes @size bytes in 20 ms buffers. */
void
push_audio (Fx * fx, const guint8 * data, gsize size, gsize bytes_per_20ms)
{
  gsize off;

  for (off = 0; off < size; off += bytes_per_20ms) {
    gsize n = MIN (bytes_per_20ms, size - off);

    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (fx->in),
            gst_buffer_new_memdup (data + off, n)), GST_FLOW_OK);
  }
}

void
push_silence (Fx * fx, guint ms)
{
  gsize size = (gsize) ms * PCM_BPS / 1000;
  guint8 *zeros = g_malloc0 (size);

  push_audio (fx, zeros, size, 960);
  g_free (zeros);
}

GBytes *
speech_24k (void)
{
  GBytes *b = sandra_test_load_audio ("librivox-austen-0880-16k.wav", 24000, 1);

  fail_unless (b != NULL);
  return b;
}

gboolean
send_text (Fx * fx, const gchar * text)
{
  gboolean ok = FALSE;

  g_signal_emit_by_name (fx->rt, "send-text", text, &ok);
  return ok;
}

JsonNode *
event_node (JsonArray * events, guint i)
{
  return json_array_get_element (events, i);
}

/* WebSocket records (conversation sessions), in order. */
GPtrArray *
ws_records (SandraEmulator * emu)
{
  JsonArray *all = sandra_emulator_dup_requests (emu);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)
      json_object_unref);
  guint i;

  for (i = 0; i < json_array_get_length (all); i++) {
    JsonObject *r = json_array_get_object_element (all, i);

    if (g_strcmp0 (json_object_get_string_member_with_default (r, "path",
                ""), "/v1/realtime") == 0 &&
        json_object_get_boolean_member_with_default (r, "websocket", FALSE))
      g_ptr_array_add (out, json_object_ref (r));
  }
  json_array_unref (all);
  return out;
}

guint
count_server_errors (SandraEmulator * emu)
{
  JsonArray *a = sandra_emulator_dup_ws_server_events (emu, "error");
  guint i, n = json_array_get_length (a);

  for (i = 0; i < n; i++) {
    gchar *s = json_to_string (json_array_get_element (a, i), FALSE);
    GST_INFO ("server error event: %s", s);
    g_free (s);
  }
  json_array_unref (a);
  return n;
}

guint64
rendered_bytes (Fx * fx)
{
  guint64 b;

  g_mutex_lock (&fx->lock);
  b = fx->rendered_bytes;
  g_mutex_unlock (&fx->lock);
  return b;
}

guint
count_ws_events (Fx * fx, const gchar * type, gboolean from_server)
{
  JsonArray *a = from_server ?
      sandra_emulator_dup_ws_server_events (fx->emu, type) :
      sandra_emulator_dup_ws_events (fx->emu, type);
  guint n = json_array_get_length (a);

  json_array_unref (a);
  return n;
}

/* Ends the input and waits for EOS on both source pads. EOS leaves the
 * element behind everything queued before it, so it is the marker that
 * whatever was going to be rendered has been. */
void
fx_end_and_wait (Fx * fx)
{
  gst_app_src_end_of_stream (GST_APP_SRC (fx->in));
  wait_both_eos (fx);
}

void
wait_both_eos (Fx * fx)
{
  gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;

  g_mutex_lock (&fx->lock);
  while (!(fx->audio_eos && fx->text_eos) &&
      g_cond_wait_until (&fx->cond, &fx->lock, end));
  fail_unless (fx->audio_eos, "no EOS on src");
  fail_unless (fx->text_eos, "no EOS on text_src");
  g_mutex_unlock (&fx->lock);
}

/* Starts the pipeline and asks for a reply once the session is ready. */
void
fx_play_and_ask (Fx * fx, const gchar * question)
{
  fx_play (fx);
  gst_structure_free (wait_msg (fx, "openairealtime-session-ready", 1));
  push_silence (fx, 40);
  fail_unless (send_text (fx, question));
}

/* Waits until at least @bytes of the reply were rendered. */
void
wait_rendered (Fx * fx, guint64 bytes)
{
  gint64 end = g_get_monotonic_time () + WAIT_S * G_TIME_SPAN_SECOND;

  while (rendered_bytes (fx) < bytes && g_get_monotonic_time () < end)
    g_usleep (5000);
  fail_unless (rendered_bytes (fx) >= bytes, "only %" G_GUINT64_FORMAT
      " bytes rendered", rendered_bytes (fx));
}
