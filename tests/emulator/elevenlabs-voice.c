/* gst-sandra local API emulator: the synthetic ElevenLabs voice
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The emulator has to answer text with audio that behaves like speech for
 * the client: a duration proportional to the text, a voiced spectrum with
 * pauses at spaces and punctuation, and character timings that match the
 * samples exactly. Real synthesis (espeak-ng) would need a program spawned
 * per request; this deterministic source-filter sketch runs in-process and
 * gives identical output for identical text, which tests can rely on.
 *
 * Output formats are produced with the project's own encoders: Ogg Opus
 * through sandra-upload-encoder (libopus + libogg), G.711 with the
 * reference companding rules.
 */
#include "elevenlabs.h"
#include "sandra-upload-encoder.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define F0_HZ 120.0
#define PEAK 0.60
#define RAMP_MS 8.0

/* ---- formats ---- */

gboolean
emu_el_parse_format (const gchar * name, gboolean websocket, EmuElFormat * f)
{
  static const gint pcm_rates[] = { 8000, 16000, 22050, 24000, 44100, 48000 };
  static const gint opus_rates[] = { 32, 64, 96, 128, 192 };
  guint i;

  memset (f, 0, sizeof (*f));
  if (name == NULL)
    return FALSE;
  for (i = 0; i < G_N_ELEMENTS (pcm_rates); i++) {
    gchar *n = g_strdup_printf ("pcm_%d", pcm_rates[i]);
    gboolean match = g_str_equal (n, name);

    g_free (n);
    if (match) {
      /* The WebSocket endpoints stop at 44.1 kHz. */
      if (websocket && pcm_rates[i] == 48000)
        return FALSE;
      f->codec = EMU_EL_CODEC_PCM;
      f->rate = pcm_rates[i];
      return TRUE;
    }
  }
  for (i = 0; i < G_N_ELEMENTS (opus_rates); i++) {
    gchar *n = g_strdup_printf ("opus_48000_%d", opus_rates[i]);
    gboolean match = g_str_equal (n, name);

    g_free (n);
    if (match) {
      f->codec = EMU_EL_CODEC_OPUS;
      f->rate = 48000;
      f->bitrate = opus_rates[i] * 1000;
      return TRUE;
    }
  }
  if (g_str_equal (name, "ulaw_8000") || g_str_equal (name, "alaw_8000")) {
    f->codec = name[0] == 'u' ? EMU_EL_CODEC_ULAW : EMU_EL_CODEC_ALAW;
    f->rate = 8000;
    return TRUE;
  }
  if (g_str_equal (name, "mp3_22050_32") || (g_str_has_prefix (name,
              "mp3_44100_") && (g_str_equal (name + 10, "32") ||
              g_str_equal (name + 10, "64") || g_str_equal (name + 10, "96")
              || g_str_equal (name + 10, "128")
              || g_str_equal (name + 10, "192")))) {
    f->codec = EMU_EL_CODEC_MP3;
    f->rate = name[4] == '2' ? 22050 : 44100;
    f->bitrate = atoi (strrchr (name, '_') + 1) * 1000;
    return TRUE;
  }
  return FALSE;
}

/* ITU-T G.711 mu-law (with the usual bias of 0x84). */
static guint8
s16_to_ulaw (gint16 s)
{
  gint sign = (s < 0) ? 0x80 : 0, exponent, mantissa;
  gint v = s < 0 ? -(gint) s : s;

  v = MIN (v, 32635) + 0x84;
  for (exponent = 7; exponent > 0 && !(v & (0x4000 >> (7 - exponent)));
      exponent--);
  mantissa = (v >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/* ITU-T G.711 A-law (even bits inverted). */
static guint8
s16_to_alaw (gint16 s)
{
  gint sign = (s >= 0) ? 0x80 : 0, exponent, mantissa;
  gint v = s < 0 ? -((gint) s + 1) : s;
  guint8 out;

  v >>= 3;                      /* 13-bit magnitude */
  if (v < 32) {
    exponent = 0;
    mantissa = v >> 1;
  } else {
    for (exponent = 1; exponent < 7 && v >= (64 << exponent); exponent++);
    mantissa = (v >> exponent) & 0x0f;
  }
  out = sign | (exponent << 4) | mantissa;
  return out ^ 0x55;
}

GBytes *
emu_el_encode (const EmuElFormat * f, const gint16 * samples, gsize n)
{
  switch (f->codec) {
    case EMU_EL_CODEC_PCM:{
      gint16 *le = g_new (gint16, MAX (n, 1));
      gsize i;

      for (i = 0; i < n; i++)
        le[i] = GINT16_TO_LE (samples[i]);
      return g_bytes_new_take (le, n * 2);
    }
    case EMU_EL_CODEC_ULAW:
    case EMU_EL_CODEC_ALAW:{
      guint8 *out = g_new (guint8, MAX (n, 1));
      gsize i;

      for (i = 0; i < n; i++)
        out[i] = f->codec == EMU_EL_CODEC_ULAW ? s16_to_ulaw (samples[i]) :
            s16_to_alaw (samples[i]);
      return g_bytes_new_take (out, n);
    }
    case EMU_EL_CODEC_OPUS:{
      SandraUploadEncoder *enc;
      GBytes *file = NULL;
      GError *err = NULL;

      enc = sandra_upload_encoder_new (SANDRA_UPLOAD_FORMAT_OGG_OPUS, 48000,
          MIN (f->bitrate, SANDRA_UPLOAD_ENCODER_MAX_BITRATE), &err);
      if (enc && sandra_upload_encoder_feed (enc, samples, n, &err))
        file = sandra_upload_encoder_finish (enc, NULL, &err);
      if (err) {
        g_warning ("emulator: Opus encoding failed: %s", err->message);
        g_error_free (err);
      }
      if (enc)
        sandra_upload_encoder_free (enc);
      return file;
    }
    case EMU_EL_CODEC_MP3:
    default:
      return NULL;
  }
}

/* ---- synthesis ---- */

typedef struct
{
  gdouble f1, f2;               /* formant centres, Hz */
  gdouble voicing;              /* 0..1 */
  gdouble noise;                /* 0..1 */
  gdouble level;                /* 0..1 */
} Phone;

static gboolean
phone_for (gunichar c, Phone * p, gdouble * length)
{
  gunichar l = g_unichar_tolower (c);

  memset (p, 0, sizeof (*p));
  *length = 1.0;
  if (g_unichar_isspace (c)) {
    *length = 0.6;
    return FALSE;
  }
  if (l == ',' || l == ';' || l == ':') {
    *length = 2.0;
    return FALSE;
  }
  if (l == '.' || l == '!' || l == '?' || l == 0x2026) {
    *length = 3.0;
    return FALSE;
  }
  if (g_unichar_ispunct (c)) {
    *length = 0.5;
    return FALSE;
  }
  p->level = 1.0;
  switch (l) {
    case 'a':
      p->f1 = 730, p->f2 = 1090, p->voicing = 1.0;
      break;
    case 'e':
      p->f1 = 530, p->f2 = 1840, p->voicing = 1.0;
      break;
    case 'i':
    case 'y':
      p->f1 = 270, p->f2 = 2290, p->voicing = 1.0;
      break;
    case 'o':
      p->f1 = 570, p->f2 = 840, p->voicing = 1.0;
      break;
    case 'u':
    case 'w':
      p->f1 = 300, p->f2 = 870, p->voicing = 1.0;
      break;
    case 'b':
    case 'd':
    case 'g':
    case 'm':
    case 'n':
    case 'l':
    case 'r':
    case 'v':
    case 'z':
    case 'j':
      p->f1 = 300, p->f2 = 1500, p->voicing = 0.7, p->noise = 0.15;
      p->level = 0.7;
      break;
    case 's':
    case 'f':
    case 'h':
    case 'k':
    case 'p':
    case 't':
    case 'x':
    case 'c':
    case 'q':
      p->noise = 1.0, p->level = 0.35;
      break;
    default:
      /* digits and letters of other scripts: an open vowel */
      p->f1 = 650, p->f2 = 1400, p->voicing = 1.0;
      break;
  }
  return TRUE;
}

static gdouble
formant_gain (gdouble f, const Phone * p)
{
  const gdouble bw = 120.0;
  gdouble a = (f - p->f1) / bw, b = (f - p->f2) / bw;

  return 1.0 / (1.0 + a * a) + 0.5 / (1.0 + b * b);
}

EmuElSpeech *
emu_el_synthesize (const gchar * text, gint rate, gdouble speed,
    guint ms_per_char)
{
  EmuElSpeech *sp = g_new0 (EmuElSpeech, 1);
  gdouble base_ms = ms_per_char / (speed > 0 ? speed : 1.0);
  gdouble phase = 0.0, lp = 0.0;
  guint32 noise_state = 0x2545f491;
  gint n_harm = (gint) (MIN (rate / 2.0, 4000.0) / F0_HZ);
  const gchar *p;
  gint ramp = (gint) (rate * RAMP_MS / 1000.0);
  gint cum_ms = 0;

  sp->rate = rate;
  sp->samples = g_array_new (FALSE, FALSE, sizeof (gint16));
  sp->chars = g_ptr_array_new_with_free_func (g_free);
  sp->start_ms = g_array_new (FALSE, FALSE, sizeof (gint));
  sp->dur_ms = g_array_new (FALSE, FALSE, sizeof (gint));

  for (p = text; p && *p; p = g_utf8_next_char (p)) {
    gunichar c = g_utf8_get_char (p);
    Phone ph;
    gdouble length;
    gboolean voiced = phone_for (c, &ph, &length);
    gint start = sp->samples->len, n, i, k;
    gint start_ms, end_ms;
    gdouble amps[64];

    /* Timings are whole milliseconds: make the samples match them. */
    start_ms = cum_ms;
    end_ms = start_ms + (gint) (base_ms * length + 0.5);
    cum_ms = end_ms;
    n = (gint) ((gint64) end_ms * rate / 1000) - start;
    g_array_set_size (sp->samples, start + MAX (n, 0));
    g_ptr_array_add (sp->chars, g_strndup (p, g_utf8_next_char (p) - p));
    g_array_append_val (sp->start_ms, start_ms);
    i = end_ms - start_ms;
    g_array_append_val (sp->dur_ms, i);

    for (k = 1; k <= n_harm && k <= 64; k++)
      amps[k - 1] = voiced ? formant_gain (k * F0_HZ, &ph) / k * 2.0 : 0.0;

    for (i = 0; i < n; i++) {
      gdouble t = (gdouble) (start + i) / rate;
      gdouble f0 = F0_HZ * (1.0 + 0.03 * sin (2 * G_PI * 3.0 * t));
      gdouble v = 0.0, env, noise;

      phase += 2 * G_PI * f0 / rate;
      if (phase > 2 * G_PI * 1000)
        phase -= 2 * G_PI * 1000;
      if (voiced && ph.voicing > 0) {
        for (k = 1; k <= n_harm && k <= 64; k++)
          v += amps[k - 1] * sin (k * phase);
        v *= ph.voicing * 0.25;
      }
      noise_state = noise_state * 1664525u + 1013904223u;
      noise = ((noise_state >> 8) / 8388608.0) - 1.0;
      lp += 0.35 * (noise - lp);
      if (voiced)
        v += ph.noise * (noise - lp) * 0.5;
      env = 1.0;
      if (i < ramp)
        env = 0.5 - 0.5 * cos (G_PI * i / ramp);
      else if (n - i < ramp)
        env = 0.5 - 0.5 * cos (G_PI * (n - i) / ramp);
      v *= env * ph.level * PEAK;
      g_array_index (sp->samples, gint16, start + i) =
          (gint16) CLAMP (v * 32767.0, -32768.0, 32767.0);
    }
  }
  return sp;
}

void
emu_el_speech_free (EmuElSpeech * sp)
{
  if (sp == NULL)
    return;
  g_array_unref (sp->samples);
  g_ptr_array_unref (sp->chars);
  g_array_unref (sp->start_ms);
  g_array_unref (sp->dur_ms);
  g_free (sp);
}

GArray *
emu_el_speech_split (EmuElSpeech * sp, guint chunk_ms)
{
  GArray *cuts = g_array_new (FALSE, FALSE, sizeof (guint));
  guint i, begin = 0, n = sp->chars->len;
  gint begin_ms = 0;

  g_array_append_val (cuts, begin);
  for (i = 0; i < n; i++) {
    gint end = g_array_index (sp->start_ms, gint, i) +
        g_array_index (sp->dur_ms, gint, i);

    if (end - begin_ms >= (gint) chunk_ms && i + 1 < n) {
      begin = i + 1;
      begin_ms = end;
      g_array_append_val (cuts, begin);
    }
  }
  if (n > 0 || cuts->len == 1)
    g_array_append_val (cuts, n);
  return cuts;
}

gsize
emu_el_speech_sample_at (EmuElSpeech * sp, guint index)
{
  if (index >= sp->chars->len)
    return sp->samples->len;
  return (gsize) ((gint64) g_array_index (sp->start_ms, gint,
          index) * sp->rate / 1000);
}
