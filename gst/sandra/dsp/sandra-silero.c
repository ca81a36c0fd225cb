/* gst-sandra: Silero VAD v6 network in plain C
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What one call computes, for a chunk of C samples (C = 512 at 16 kHz, 256
 * at 8 kHz), exactly as the ONNX graph does:
 *
 *   1. input = the last X samples of the previous chunk (X = 64 / 32, zeros at
 *      first) followed by the chunk, then reflection-padded by P = 64 / 32
 *      samples on the right;
 *   2. a short-time Fourier magnitude: 4 frames of N = 256 / 128 samples, hop
 *      N / 2, periodic Hann window, N / 2 + 1 bins. The graph does this as a
 *      convolution with a fixed windowed-DFT basis; scripts/silero/convert.js
 *      checks the basis is exactly that, and here it is a real FFT
 *      (GstFFTF32), the same linear map at a fraction of the cost;
 *   3. an encoder of four 3-tap convolutions with ReLU, strides 1, 2, 2, 1,
 *      taking the 4 frames down to one 128-channel vector;
 *   4. one LSTM cell step (hidden size 128, state h and c carried between
 *      calls);
 *   5. a decoder: ReLU, 128 -> 1 linear, sigmoid.
 *
 * Every layer of steps 3 and 4 is one kernel, y += W^T x, over a weight
 * matrix repacked at load time so that the innermost loop runs over
 * contiguous outputs: plain loops that the compiler vectorises, without
 * intrinsics and without reassociating floating-point sums across lanes.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sandra-silero.h"
#include "sandra-silero-weights.h"

#include <gst/gst.h>
#include <gst/fft/gstfftf32.h>
#include <math.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (sandra_silero_debug);
#define GST_CAT_DEFAULT sandra_silero_debug

#define WEIGHTS_PATH "/org/gstreamer/sandra/silero/silero-vad-v6.weights"

/* Fixed by the architecture, identical at both rates. */
#define N_FRAMES 4
#define HIDDEN 128
#define GATES (4 * HIDDEN)
#define N_ENCODERS 4

/* The largest (16 kHz) sizes, for the per-instance buffers. */
#define MAX_CHUNK 512
#define MAX_CONTEXT 64
#define MAX_PAD 64
#define MAX_FFT 256
#define MAX_BINS (MAX_FFT / 2 + 1)

typedef struct
{
  gint rate;
  const gchar *prefix;          /* of tensor names in the weight file */
  guint chunk;
  guint context;
  guint n_fft;                  /* hop is n_fft / 2 */
  guint pad;
} SileroConfig;

static const SileroConfig configs[] = {
  {16000, "16k", 512, 64, 256, 64},
  {8000, "8k", 256, 32, 128, 32},
};

/* Encoder layers: input channels (0: the FFT bins), output channels, stride. */
static const struct
{
  guint cin, cout, stride;
} encoder_shape[N_ENCODERS] = {
  {0, 128, 1}, {128, 64, 2}, {64, 64, 2}, {64, 128, 1},
};

/* Each 3-tap layer as a matrix: row (k * cin + i), column o holds the
 * weight from input channel i at tap k to output channel o. Input frames are
 * stored one after the other, so the three frames a tap reads are one
 * contiguous vector of 3 * cin values. */
typedef struct
{
  guint cin, cout, stride;
  gfloat *weight;               /* [3 * cin][cout] */
  gfloat *bias;                 /* [cout] */
} SileroConv;

/* The weights of one rate, repacked, shared by every instance at that rate. */
typedef struct
{
  const SileroConfig *config;
  gint refcount;
  gfloat *window;               /* [n_fft] */
  SileroConv encoder[N_ENCODERS];
  gfloat *lstm_weight;          /* [2 * HIDDEN][GATES]: input rows, then h rows */
  gfloat *lstm_bias;            /* [GATES], input and recurrent biases summed */
  gfloat *decoder_weight;       /* [HIDDEN] */
  gfloat decoder_bias;
  gfloat *storage;
} SileroModel;

/* A zero frame before and after the real ones gives every 3-tap convolution
 * its zero padding for free. */
#define PADDED(frames, channels) (((frames) + 2) * (channels))

struct _SandraSilero
{
  SileroModel *model;
  GstFFTF32 *fft;

  /* context + chunk + reflection padding */
  gfloat input[MAX_CONTEXT + MAX_CHUNK + MAX_PAD];
  gfloat frame[MAX_FFT];
  GstFFTF32Complex spectrum[MAX_BINS];

  /* Activations, frame-major, with the zero frames around them. */
  gfloat magnitude[PADDED (N_FRAMES, MAX_BINS)];
  gfloat enc0[PADDED (N_FRAMES, 128)];
  gfloat enc1[PADDED (N_FRAMES / 2, 64)];
  gfloat enc2[PADDED (N_FRAMES / 4, 64)];

  /* The LSTM input: the encoder output followed by the previous h. */
  gfloat xh[2 * HIDDEN];
  gfloat cell[HIDDEN];
  gfloat gates[GATES];
};

G_LOCK_DEFINE_STATIC (models);
static SileroModel *models[G_N_ELEMENTS (configs)];

static void
init_debug (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (sandra_silero_debug, "sandrasilero", 0,
        "Silero VAD v6 network");
    g_once_init_leave (&done, 1);
  }
}

/* The one hot kernel: for each of @n outputs t,
 *   y[t][c] += sum over r < rows of w[r][c] * x[t][r],   c < cols,
 * with y[t] = y + t * y_stride and x[t] = x + t * x_stride.
 *
 * Rows go eight at a time, and every output is updated before moving on, so
 * each block of weights is loaded once per call and each pass over y does
 * eight multiply-adds per load and store. The inner loop is contiguous in y
 * and w and free of aliasing, so it vectorises across c. Blocks of zero
 * inputs (ReLU outputs, padding frames) are skipped: they would add exact
 * zeros. Where the compiler and C library allow it, an AVX2 + FMA copy is
 * built next to the baseline one and picked at load time. */
#ifdef SANDRA_HAVE_TARGET_CLONES
__attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#endif
static void
gemm_accumulate (gfloat * restrict y, gsize y_stride,
    const gfloat * restrict w, const gfloat * restrict x, gsize x_stride,
    guint n, guint rows, guint cols)
{
  guint r = 0, t, c;

  for (; r + 8 <= rows; r += 8) {
    const gfloat *restrict w0 = w + (gsize) r * cols;
    const gfloat *restrict w1 = w0 + cols;
    const gfloat *restrict w2 = w1 + cols;
    const gfloat *restrict w3 = w2 + cols;
    const gfloat *restrict w4 = w3 + cols;
    const gfloat *restrict w5 = w4 + cols;
    const gfloat *restrict w6 = w5 + cols;
    const gfloat *restrict w7 = w6 + cols;

    for (t = 0; t < n; t++) {
      const gfloat *xt = x + t * x_stride + r;
      const gfloat x0 = xt[0], x1 = xt[1], x2 = xt[2], x3 = xt[3];
      const gfloat x4 = xt[4], x5 = xt[5], x6 = xt[6], x7 = xt[7];
      gfloat *restrict yt = y + t * y_stride;

      if (x0 == 0.0f && x1 == 0.0f && x2 == 0.0f && x3 == 0.0f
          && x4 == 0.0f && x5 == 0.0f && x6 == 0.0f && x7 == 0.0f)
        continue;
      for (c = 0; c < cols; c++)
        yt[c] += (w0[c] * x0 + w1[c] * x1 + w2[c] * x2 + w3[c] * x3)
            + (w4[c] * x4 + w5[c] * x5 + w6[c] * x6 + w7[c] * x7);
    }
  }
  for (; r < rows; r++) {
    const gfloat *restrict w0 = w + (gsize) r * cols;

    for (t = 0; t < n; t++) {
      const gfloat x0 = x[t * x_stride + r];
      gfloat *restrict yt = y + t * y_stride;

      for (c = 0; c < cols; c++)
        yt[c] += w0[c] * x0;
    }
  }
}

/* One encoder layer: @in holds the input frames between two zero frames;
 * writes @frames_out frames of conv->cout channels, after ReLU, into @out
 * (already offset past its leading zero frame). Output frame t reads input
 * frames t * stride - 1 .. t * stride + 1, which are rows t * stride ..
 * t * stride + 2 of the padded buffer: 3 * cin contiguous values. */
static void
conv3_relu (const SileroConv * conv, const gfloat * restrict in,
    guint frames_out, gfloat * restrict out)
{
  guint t, o;

  for (t = 0; t < frames_out; t++)
    memcpy (out + (gsize) t * conv->cout, conv->bias,
        conv->cout * sizeof (gfloat));
  gemm_accumulate (out, conv->cout, conv->weight, in,
      (gsize) conv->stride * conv->cin, frames_out, 3 * conv->cin, conv->cout);
  for (o = 0; o < frames_out * conv->cout; o++)
    out[o] = out[o] > 0.0f ? out[o] : 0.0f;
}

static inline gfloat
sigmoid (gfloat x)
{
  return 1.0f / (1.0f + expf (-x));
}

/* tanh from one expf, exact to a few units in the last place in absolute
 * terms, which is all the network needs; the C library's tanhf goes through
 * expm1f and costs several times more. */
static inline gfloat
fast_tanh (gfloat x)
{
  const gfloat e = expf (-2.0f * fabsf (x));
  const gfloat t = (1.0f - e) / (1.0f + e);

  return x < 0.0f ? -t : t;
}

/* Weight file access. The file is little-endian; see scripts/silero/convert.js
 * for its layout. */
#define HEADER_SIZE 16
#define ENTRY_SIZE 80
#define NAME_SIZE 48

static guint32
read_u32 (const guint8 * p)
{
  guint32 v;

  memcpy (&v, p, sizeof (v));
  return GUINT32_FROM_LE (v);
}

static gfloat
read_f32 (const guint8 * p)
{
  union
  {
    guint32 u;
    gfloat f;
  } v;

  v.u = read_u32 (p);
  return v.f;
}

/* Finds tensor @prefix/@name, checks it has exactly @n_dims dimensions equal
 * to @dims and returns a pointer to its first value, or NULL. */
static const guint8 *
find_tensor (const guint8 * data, gsize size, const gchar * prefix,
    const gchar * name, guint n_dims, const guint * dims)
{
  gchar *full = g_strdup_printf ("%s/%s", prefix, name);
  const guint8 *found = NULL;
  guint32 n_tensors, i, d;

  n_tensors = read_u32 (data + 12);
  if ((gsize) HEADER_SIZE + (gsize) ENTRY_SIZE * n_tensors > size)
    goto out;

  for (i = 0; i < n_tensors; i++) {
    const guint8 *e = data + HEADER_SIZE + ENTRY_SIZE * i;
    guint32 offset, count, expected = 1;

    if (strncmp ((const gchar *) e, full, NAME_SIZE) != 0)
      continue;
    if (read_u32 (e + 48) != n_dims) {
      GST_ERROR ("tensor %s has %u dimensions, expected %u", full,
          read_u32 (e + 48), n_dims);
      goto out;
    }
    for (d = 0; d < n_dims; d++) {
      if (read_u32 (e + 52 + 4 * d) != dims[d]) {
        GST_ERROR ("tensor %s: dimension %u is %u, expected %u", full, d,
            read_u32 (e + 52 + 4 * d), dims[d]);
        goto out;
      }
      expected *= dims[d];
    }
    offset = read_u32 (e + 68);
    count = read_u32 (e + 72);
    if (count != expected || offset > size || (gsize) count * 4 > size - offset) {
      GST_ERROR ("tensor %s: bad extent", full);
      goto out;
    }
    found = data + offset;
    goto out;
  }
  GST_ERROR ("tensor %s missing from the weight file", full);

out:
  g_free (full);
  return found;
}

static void
silero_model_free (SileroModel * model)
{
  g_free (model->storage);
  g_free (model);
}

/* Reads and repacks the weights of @config from the compiled-in resource. */
static SileroModel *
silero_model_load (const SileroConfig * config)
{
  GError *err = NULL;
  GBytes *bytes;
  const guint8 *data, *t;
  gsize size, total, pos;
  SileroModel *model = NULL;
  guint bins = config->n_fft / 2 + 1;
  guint i, j, k, o, l;

  bytes = g_resource_lookup_data (sandra_silero_weights_get_resource (),
      WEIGHTS_PATH, G_RESOURCE_LOOKUP_FLAGS_NONE, &err);
  if (bytes == NULL) {
    GST_ERROR ("cannot read the Silero weights: %s", err->message);
    g_clear_error (&err);
    return NULL;
  }
  data = g_bytes_get_data (bytes, &size);
  if (size < HEADER_SIZE || memcmp (data, "SNDRSLR", 8) != 0
      || read_u32 (data + 8) != 1) {
    GST_ERROR ("the Silero weight file has an unknown format");
    goto fail;
  }

  model = g_new0 (SileroModel, 1);
  model->config = config;

  /* One block for everything, carved up below. */
  total = config->n_fft + 2 * HIDDEN * GATES + GATES + HIDDEN;
  for (l = 0; l < N_ENCODERS; l++) {
    guint cin = encoder_shape[l].cin ? encoder_shape[l].cin : bins;

    total += 3 * cin * encoder_shape[l].cout + encoder_shape[l].cout;
  }
  model->storage = g_new (gfloat, total);
  pos = 0;

  {
    const guint dims[] = { config->n_fft };

    model->window = model->storage + pos;
    pos += config->n_fft;
    if (!(t = find_tensor (data, size, config->prefix, "window", 1, dims)))
      goto fail;
    for (i = 0; i < config->n_fft; i++)
      model->window[i] = read_f32 (t + 4 * i);
  }

  for (l = 0; l < N_ENCODERS; l++) {
    SileroConv *conv = &model->encoder[l];
    gchar name[32];
    guint wdims[3], bdims[1];

    conv->cin = encoder_shape[l].cin ? encoder_shape[l].cin : bins;
    conv->cout = encoder_shape[l].cout;
    conv->stride = encoder_shape[l].stride;
    conv->weight = model->storage + pos;
    pos += 3 * conv->cin * conv->cout;
    conv->bias = model->storage + pos;
    pos += conv->cout;

    /* ONNX layout [cout][cin][3] to [3][cin][cout]. */
    wdims[0] = conv->cout;
    wdims[1] = conv->cin;
    wdims[2] = 3;
    g_snprintf (name, sizeof (name), "encoder.%u.weight", l);
    if (!(t = find_tensor (data, size, config->prefix, name, 3, wdims)))
      goto fail;
    for (o = 0; o < conv->cout; o++)
      for (i = 0; i < conv->cin; i++)
        for (k = 0; k < 3; k++)
          conv->weight[(k * conv->cin + i) * conv->cout + o] =
              read_f32 (t + 4 * ((o * conv->cin + i) * 3 + k));

    bdims[0] = conv->cout;
    g_snprintf (name, sizeof (name), "encoder.%u.bias", l);
    if (!(t = find_tensor (data, size, config->prefix, name, 1, bdims)))
      goto fail;
    for (o = 0; o < conv->cout; o++)
      conv->bias[o] = read_f32 (t + 4 * o);
  }

  {
    /* PyTorch layout [GATES][HIDDEN], gates in the order i, f, g, o;
     * transposed so that row j multiplies input j (x first, then h). */
    const guint wdims[] = { GATES, HIDDEN }, bdims[] = { GATES };
    const guint8 *ih, *hh, *bih, *bhh;

    model->lstm_weight = model->storage + pos;
    pos += 2 * HIDDEN * GATES;
    model->lstm_bias = model->storage + pos;
    pos += GATES;
    if (!(ih = find_tensor (data, size, config->prefix, "lstm.weight_ih", 2,
                wdims))
        || !(hh = find_tensor (data, size, config->prefix, "lstm.weight_hh",
                2, wdims))
        || !(bih = find_tensor (data, size, config->prefix, "lstm.bias_ih", 1,
                bdims))
        || !(bhh = find_tensor (data, size, config->prefix, "lstm.bias_hh", 1,
                bdims)))
      goto fail;
    for (j = 0; j < GATES; j++) {
      for (i = 0; i < HIDDEN; i++) {
        model->lstm_weight[i * GATES + j] =
            read_f32 (ih + 4 * (j * HIDDEN + i));
        model->lstm_weight[(HIDDEN + i) * GATES + j] =
            read_f32 (hh + 4 * (j * HIDDEN + i));
      }
      model->lstm_bias[j] = read_f32 (bih + 4 * j) + read_f32 (bhh + 4 * j);
    }
  }

  {
    const guint wdims[] = { 1, HIDDEN, 1 }, bdims[] = { 1 };

    model->decoder_weight = model->storage + pos;
    pos += HIDDEN;
    if (!(t = find_tensor (data, size, config->prefix, "decoder.weight", 3,
                wdims)))
      goto fail;
    for (i = 0; i < HIDDEN; i++)
      model->decoder_weight[i] = read_f32 (t + 4 * i);
    if (!(t = find_tensor (data, size, config->prefix, "decoder.bias", 1,
                bdims)))
      goto fail;
    model->decoder_bias = read_f32 (t);
  }

  g_assert (pos == total);
  g_bytes_unref (bytes);
  GST_DEBUG ("loaded Silero v6 weights for %d Hz (%" G_GSIZE_FORMAT
      " parameters)", config->rate, total);
  return model;

fail:
  if (model)
    silero_model_free (model);
  g_bytes_unref (bytes);
  return NULL;
}

static SileroModel *
silero_model_ref (guint index)
{
  SileroModel *model;

  G_LOCK (models);
  if (models[index] == NULL)
    models[index] = silero_model_load (&configs[index]);
  model = models[index];
  if (model)
    model->refcount++;
  G_UNLOCK (models);

  return model;
}

/* The last instance at a rate releases its weights, so that nothing stays
 * allocated once every detector is gone. */
static void
silero_model_unref (SileroModel * model)
{
  G_LOCK (models);
  if (--model->refcount == 0) {
    guint i;

    for (i = 0; i < G_N_ELEMENTS (configs); i++)
      if (models[i] == model)
        models[i] = NULL;
    silero_model_free (model);
  }
  G_UNLOCK (models);
}

SandraSilero *
sandra_silero_new (gint rate)
{
  SandraSilero *s;
  SileroModel *model;
  guint i;

  init_debug ();

  for (i = 0; i < G_N_ELEMENTS (configs); i++)
    if (configs[i].rate == rate)
      break;
  if (i == G_N_ELEMENTS (configs)) {
    GST_WARNING ("Silero VAD runs at 8000 or 16000 Hz, not %d", rate);
    return NULL;
  }

  model = silero_model_ref (i);
  if (model == NULL)
    return NULL;

  s = g_new0 (SandraSilero, 1);
  s->model = model;
  s->fft = gst_fft_f32_new (model->config->n_fft, FALSE);
  sandra_silero_reset (s);

  return s;
}

guint
sandra_silero_chunk_samples (const SandraSilero * s)
{
  g_return_val_if_fail (s != NULL, 0);

  return s->model->config->chunk;
}

void
sandra_silero_reset (SandraSilero * s)
{
  g_return_if_fail (s != NULL);

  /* Zero context, zero h and c. The activation buffers' padding frames are
   * never written, so they stay zero from here on. */
  memset (s->input, 0, sizeof (s->input));
  memset (s->xh, 0, sizeof (s->xh));
  memset (s->cell, 0, sizeof (s->cell));
  memset (s->magnitude, 0, sizeof (s->magnitude));
  memset (s->enc0, 0, sizeof (s->enc0));
  memset (s->enc1, 0, sizeof (s->enc1));
  memset (s->enc2, 0, sizeof (s->enc2));
}

/* Steps 1 and 2: fills s->magnitude (frames 1..N_FRAMES) from s->input. */
static void
silero_spectrum (SandraSilero * s)
{
  const SileroConfig *config = s->model->config;
  const guint n_fft = config->n_fft, hop = n_fft / 2, bins = n_fft / 2 + 1;
  const guint length = config->context + config->chunk;
  const gfloat *restrict window = s->model->window;
  gfloat *restrict input = s->input;
  guint t, n, f;

  /* Reflection about the last sample, which is not repeated. */
  for (n = 0; n < config->pad; n++)
    input[length + n] = input[length - 2 - n];

  for (t = 0; t < N_FRAMES; t++) {
    gfloat *restrict frame = s->frame;
    gfloat *restrict mag = s->magnitude + (gsize) (t + 1) * bins;

    for (n = 0; n < n_fft; n++)
      frame[n] = input[t * hop + n] * window[n];
    gst_fft_f32_fft (s->fft, frame, s->spectrum);
    for (f = 0; f < bins; f++) {
      const gfloat re = s->spectrum[f].r, im = s->spectrum[f].i;

      mag[f] = sqrtf (re * re + im * im);
    }
  }
}

gfloat
sandra_silero_process (SandraSilero * s, const gfloat * chunk)
{
  const SileroModel *model;
  const SileroConfig *config;
  gfloat *restrict gates, *restrict h, *restrict cell;
  gfloat logit;
  guint length, j;

  g_return_val_if_fail (s != NULL, 0.0f);
  g_return_val_if_fail (chunk != NULL, 0.0f);

  model = s->model;
  config = model->config;
  length = config->context + config->chunk;
  gates = s->gates;
  h = s->xh + HIDDEN;
  cell = s->cell;

  memcpy (s->input + config->context, chunk, config->chunk * sizeof (gfloat));
  silero_spectrum (s);

  /* Encoder: 4 frames -> 4 -> 2 -> 1 -> 1, the last straight into the LSTM
   * input. */
  conv3_relu (&model->encoder[0], s->magnitude, N_FRAMES, s->enc0 + 128);
  conv3_relu (&model->encoder[1], s->enc0, N_FRAMES / 2, s->enc1 + 64);
  conv3_relu (&model->encoder[2], s->enc1, N_FRAMES / 4, s->enc2 + 64);
  conv3_relu (&model->encoder[3], s->enc2, 1, s->xh);

  /* LSTM cell, PyTorch gate order: input, forget, cell candidate, output. */
  memcpy (gates, model->lstm_bias, GATES * sizeof (gfloat));
  gemm_accumulate (gates, 0, model->lstm_weight, s->xh, 0, 1, 2 * HIDDEN,
      GATES);
  for (j = 0; j < HIDDEN; j++) {
    const gfloat in = sigmoid (gates[j]);
    const gfloat forget = sigmoid (gates[HIDDEN + j]);
    const gfloat candidate = fast_tanh (gates[2 * HIDDEN + j]);
    const gfloat out = sigmoid (gates[3 * HIDDEN + j]);

    cell[j] = forget * cell[j] + in * candidate;
    h[j] = out * fast_tanh (cell[j]);
  }

  /* Decoder. */
  logit = model->decoder_bias;
  for (j = 0; j < HIDDEN; j++)
    logit += model->decoder_weight[j] * (h[j] > 0.0f ? h[j] : 0.0f);

  /* The end of this chunk is the context of the next. */
  memmove (s->input, s->input + length - config->context,
      config->context * sizeof (gfloat));

  return sigmoid (logit);
}

void
sandra_silero_free (SandraSilero * s)
{
  if (s == NULL)
    return;

  gst_fft_f32_free (s->fft);
  silero_model_unref (s->model);
  g_free (s);
}
