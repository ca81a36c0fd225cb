/* gst-sandra tests: an openairealtime pipeline against the emulator
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * appsrc (the microphone) ! openairealtime ! fakesink, with text_src to a
 * second fakesink and optionally an appsrc on text_sink; records what the
 * sinks render and the element's bus messages, for the openairealtime test
 * programs. Waits fail the running test after WAIT_S seconds (a safety
 * net, not a performance bound).
 */
#ifndef __RT_FIXTURE_H__
#define __RT_FIXTURE_H__

#include <gst/check/gstcheck.h>
#include <json-glib/json-glib.h>

#include "sandra-emulator.h"

G_BEGIN_DECLS

#define KEY "sk-test-realtime"
#define PCM_BPS 48000
/* Safety nets for waits on the pipeline, not performance thresholds. */
#define WAIT_S 15

#define TOOLS "[{\"type\":\"function\",\"name\":\"get_weather\"," \
  "\"description\":\"Weather for a city\",\"parameters\":{\"type\":\"object\"," \
  "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]"

typedef struct
{
  SandraEmulator *emu;
  GstElement *pipeline;
  GstElement *in;               /* appsrc for the microphone */
  GstElement *text_in;          /* appsrc on text_sink, or NULL */
  GstElement *rt;

  GMutex lock;
  GCond cond;
  GPtrArray *msgs;              /* GstStructure copies, element messages */
  GstMessage *error;
  /* audio rendered by the "out" fakesink */
  guint64 rendered_bytes;
  guint n_audio_buffers;
  GArray *pts;                  /* GstClockTime of each audio buffer */
  GArray *dur;
  GPtrArray *buf_caps;          /* GstCaps of each audio buffer */
  GArray *sizes;                /* gsize of each audio buffer */
  GstClockTime first_rt_before; /* running time just before the request */
  guint n_flush_start;
  gboolean audio_eos;
  GstCaps *audio_caps;
  /* text_src */
  GString *text;
  guint n_sentences;
  GString *sentences;
  gboolean text_eos;
  GString *warnings;            /* "message|debug" lines */
  GArray *text_pts;             /* GstClockTime of each text buffer */
} Fx;

/* An emulator answering from @scenario (NULL: the defaults), started. */
SandraEmulator *start_emulator (const gchar * scenario);
/* @props: openairealtime properties (NULL: the test key); @caps:
 * microphone caps (NULL: S16LE 24 kHz mono); @audio_sync: render audio
 * against the clock; @with_text_in: an appsrc "tin" on text_sink. */
Fx *fx_new_with (SandraEmulator * emu, const gchar * props,
    const gchar * caps, gboolean audio_sync, gboolean with_text_in);
Fx *fx_new (const gchar * scenario, const gchar * props, const gchar * caps,
    gboolean audio_sync, gboolean with_text_in);
void fx_play (Fx * fx);
/* Stops the pipeline and frees everything, the emulator included. */
void fx_free (Fx * fx);
/* Starts the pipeline and asks for a reply once the session is ready. */
void fx_play_and_ask (Fx * fx, const gchar * question);

/* fx->lock held: how many messages @name were posted. */
guint count_msgs_locked (Fx * fx, const gchar * name);
/* The @n-th (1-based) element message @name (a copy), or fails. */
GstStructure *wait_msg (Fx * fx, const gchar * name, guint n);
GstMessage *wait_error (Fx * fx);

/* Pushes @size bytes in buffers of @bytes_per_20ms. */
void push_audio (Fx * fx, const guint8 * data, gsize size,
    gsize bytes_per_20ms);
void push_silence (Fx * fx, guint ms);
/* Real speech (LibriVox), 24 kHz S16LE mono. */
GBytes *speech_24k (void);
/* The send-text action. */
gboolean send_text (Fx * fx, const gchar * text);

guint64 rendered_bytes (Fx * fx);
/* Waits until at least @bytes of reply audio were rendered. */
void wait_rendered (Fx * fx, guint64 bytes);
void wait_both_eos (Fx * fx);
/* Ends the input and waits for EOS on both source pads: EOS leaves the
 * element behind everything queued before it, so it marks that all that
 * was going to be rendered has been. */
void fx_end_and_wait (Fx * fx);

JsonNode *event_node (JsonArray * events, guint i);
/* The emulator's records of conversation WebSockets, in order. */
GPtrArray *ws_records (SandraEmulator * emu);
/* Error events the emulator sent. */
guint count_server_errors (SandraEmulator * emu);
/* Client events (or, @from_server, server events) of @type. */
guint count_ws_events (Fx * fx, const gchar * type, gboolean from_server);

G_END_DECLS

#endif
