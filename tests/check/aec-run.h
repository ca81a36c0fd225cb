/* gst-sandra tests: sandraaec pipelines driven from appsrc
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A microphone appsrc into sandraaec into an appsink, and optionally a far
 * end appsrc into a sandraechoprobe, a queue (the sound card buffer) and a
 * clock-synchronised fakesink, in one pipeline so both sides share clock and
 * running time. Collects the output, the last sandraaec-stats message and
 * the warnings.
 */
#ifndef __AEC_RUN_H__
#define __AEC_RUN_H__

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct
{
  /* input */
  const gchar *probe_name;      /* NULL: no probe pipeline */
  const gchar *aec_probe;       /* the aec's probe property */
  const gchar *aec_props;       /* extra gst-launch properties */
  gint rate, channels;          /* near end */
  gint far_rate, far_channels;
  const gint16 *mic;
  gsize mic_frames;
  GBytes *far;                  /* interleaved at far_rate x far_channels */
  gboolean sync;
  /* output */
  GstElement *pipeline;
  GByteArray *out;
  GstStructure *last_stats;
  guint n_stats;
  guint n_warnings;
  gchar *first_warning;
  gboolean done;
} Run;

/* Builds the pipeline, queues all input and sets it PLAYING. */
void aec_run_start (Run * run);

/* Drains the buses until every run reached EOS, then stops them. */
void aec_runs_wait (Run * runs, guint n);

void aec_run_clear (Run * run);

/* A boolean field of the last sandraaec-stats message. */
gboolean aec_run_stats_bool (Run * run, const gchar * field);

G_END_DECLS

#endif
