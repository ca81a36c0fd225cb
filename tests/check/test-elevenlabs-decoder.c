/* gst-sandra: decoding ElevenLabs audio (PCM pieces, Ogg Opus)
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <math.h>

#include "elevenlabs-decoder.h"
#include "sandra-upload-encoder.h"
#include "test-util.h"

static GBytes *
ogg_opus_tone (gsize n)
{
  SandraUploadEncoder *enc = sandra_upload_encoder_new
      (SANDRA_UPLOAD_FORMAT_OGG_OPUS, 48000, 64000, NULL);
  gint16 *pcm = g_new (gint16, n);
  GBytes *file;
  gsize i;

  for (i = 0; i < n; i++)
    pcm[i] = 8000 * sin (2 * G_PI * 300 * i / 48000.0);
  fail_unless (sandra_upload_encoder_feed (enc, pcm, n, NULL));
  file = sandra_upload_encoder_finish (enc, NULL, NULL);
  sandra_upload_encoder_free (enc);
  g_free (pcm);
  return file;
}

/* Feeds @data in pieces of the sizes in @sizes (cycled). */
static GByteArray *
decode_in_pieces (ElevenlabsDecoder * d, const guint8 * data, gsize len,
    const gsize * sizes, guint n_sizes)
{
  GByteArray *out = g_byte_array_new ();
  gsize off = 0;
  guint k = 0;

  while (off < len) {
    gsize want = sizes[k++ % n_sizes];
    gsize piece = MIN (want, len - off);

    fail_unless (elevenlabs_decoder_push (d, data + off, piece, out, NULL));
    off += piece;
  }
  return out;
}

GST_START_TEST (test_pcm_odd_pieces)
{
  ElevenlabsDecoder *d = elevenlabs_decoder_new (FALSE);
  guint8 in[1001];
  const gsize sizes[] = { 1, 2, 3, 7, 64 };
  GByteArray *out;
  guint i;

  for (i = 0; i < sizeof (in); i++)
    in[i] = i * 7;
  out = decode_in_pieces (d, in, sizeof (in), sizes, G_N_ELEMENTS (sizes));
  /* half a sample stays pending; the rest is exactly the input */
  fail_unless_equals_int (out->len, 1000);
  for (i = 0; i < 500; i++)
    fail_unless_equals_int (((gint16 *) out->data)[i],
        (gint16) GINT16_FROM_LE (((guint16) in[2 * i + 1] << 8) | in[2 * i]));
  g_byte_array_unref (out);
  elevenlabs_decoder_free (d);
}

GST_END_TEST;

GST_START_TEST (test_opus_exact_length)
{
  GBytes *file = ogg_opus_tone (48000 + 123);
  ElevenlabsDecoder *d = elevenlabs_decoder_new (TRUE);
  const gsize sizes[] = { 5, 300, 17, 4096 };
  gsize len;
  const guint8 *data = g_bytes_get_data (file, &len);
  GByteArray *out = decode_in_pieces (d, data, len, sizes,
      G_N_ELEMENTS (sizes));

  /* pre-skip removed, end trimmed to the granule position */
  fail_unless_equals_int (out->len / 2, 48000 + 123);
  fail_unless (sandra_test_rms_dbfs ((gint16 *) out->data, out->len / 2) >
      -20.0);
  g_byte_array_unref (out);
  elevenlabs_decoder_free (d);
  g_bytes_unref (file);
}

GST_END_TEST;

GST_START_TEST (test_opus_chained_streams)
{
  GBytes *a = ogg_opus_tone (9600), *b = ogg_opus_tone (4800);
  GByteArray *both = g_byte_array_new ();
  ElevenlabsDecoder *d = elevenlabs_decoder_new (TRUE);
  const gsize sizes[] = { 1000 };
  GByteArray *out;
  gsize la, lb;
  const guint8 *pa = g_bytes_get_data (a, &la), *pb = g_bytes_get_data (b, &lb);

  g_byte_array_append (both, pa, la);
  g_byte_array_append (both, pb, lb);
  /* garbage between streams is skipped */
  g_byte_array_append (both, (const guint8 *) "junk", 4);
  g_byte_array_append (both, pa, la);
  out = decode_in_pieces (d, both->data, both->len, sizes, 1);
  fail_unless_equals_int (out->len / 2, 9600 + 4800 + 9600);
  g_byte_array_unref (out);
  g_byte_array_unref (both);
  elevenlabs_decoder_free (d);
  g_bytes_unref (a);
  g_bytes_unref (b);
}

GST_END_TEST;

static Suite *
decoder_suite (void)
{
  Suite *s = suite_create ("elevenlabs-decoder");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_pcm_odd_pieces);
  tcase_add_test (tc, test_opus_exact_length);
  tcase_add_test (tc, test_opus_chained_streams);
  return s;
}

GST_CHECK_MAIN (decoder);
