/* gst-sandra test helpers
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef __SANDRA_TEST_UTIL_H__
#define __SANDRA_TEST_UTIL_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* Absolute path of a file in tests/data (an absolute @name is kept as it
 * is). Free with g_free. */
gchar *sandra_test_data_path (const gchar * name);

/* Decodes a fixture (any format GStreamer can parse) to interleaved S16LE at
 * @rate and @channels. Returns NULL (and fails the test) if it cannot. */
GBytes *sandra_test_load_audio (const gchar * name, gint rate, gint channels);

/* Wraps @n_samples frames of S16LE audio starting at @offset_frames in a
 * buffer stamped for @rate, as a live source would. */
GstBuffer *sandra_test_audio_buffer (const gint16 * frames, gsize n_frames,
    gint rate, gint channels, guint64 offset_frames);

/* Root-mean-square level of S16 samples, in dBFS (-inf for silence is
 * reported as -120). */
gdouble sandra_test_rms_dbfs (const gint16 * samples, gsize n_samples);

/* TRUE when the environment variable @name is set and not empty; otherwise
 * prints why the live test is skipped. Live test programs exit 77 then. */
gboolean sandra_test_have_key (const gchar * name);

#define SANDRA_TEST_SKIP_EXIT_CODE 77

G_END_DECLS

#endif
