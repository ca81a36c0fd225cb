/* gst-sandra local API emulator: the sandra-emulator command
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Serves a scenario until interrupted, so that pipelines can be built and
 * tested offline:
 *   sandra-emulator --port 8089 --scenario my-scenario.json &
 *   OPENAI_BASE_URL=http://127.0.0.1:8089/v1 OPENAI_API_KEY=sk-test \
 *     gst-launch-1.0 ...
 */
#include "sandra-emulator.h"

#include <gst/gst.h>

#include <glib-unix.h>
#include <stdlib.h>
#include <string.h>

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  gint port = 8089;
  gchar *scenario = NULL, *host = NULL;
  gboolean verbose = FALSE;
  GOptionEntry entries[] = {
    {"port", 'p', 0, G_OPTION_ARG_INT, &port,
        "TCP port to listen on (0: any free port; default 8089)", "N"},
    {"host", 0, 0, G_OPTION_ARG_STRING, &host,
        "IP address to listen on (default 127.0.0.1)", "ADDRESS"},
    {"scenario", 's', 0, G_OPTION_ARG_FILENAME, &scenario,
          "JSON scenario file (default: accept any key, canned replies)",
        "FILE"},
    {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
        "Log every request and WebSocket event (keys redacted)", NULL},
    {NULL}
  };
  GOptionContext *ctx;
  GError *err = NULL;
  SandraEmulator *emu;
  GMainLoop *loop;

  /* The ElevenLabs endpoints encode Opus with GStreamer-based helpers. */
  gst_init (NULL, NULL);
  ctx = g_option_context_new ("- local emulator of the OpenAI transcription "
      "and Realtime APIs and ElevenLabs text to speech");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("%s\n", err->message);
    return EXIT_FAILURE;
  }
  g_option_context_free (ctx);
  if (port < 0 || port > 65535) {
    g_printerr ("--port must be between 0 and 65535\n");
    return EXIT_FAILURE;
  }

  emu = scenario ? sandra_emulator_new_from_file (scenario, &err) :
      sandra_emulator_new (NULL, &err);
  if (emu == NULL) {
    g_printerr ("%s\n", err->message);
    return EXIT_FAILURE;
  }
  sandra_emulator_set_verbose (emu, verbose);
  if (!sandra_emulator_start_on (emu, host ? host : "127.0.0.1", port, &err)) {
    g_printerr ("%s\n", err->message);
    sandra_emulator_free (emu);
    return EXIT_FAILURE;
  }

  g_print ("sandra-emulator listening on %s\n"
      "  export OPENAI_BASE_URL=%s ELEVENLABS_BASE_URL=%s\n"
      "  debug: GET %.*s/__emulator/requests\n",
      sandra_emulator_get_base_url (emu), sandra_emulator_get_base_url (emu),
      sandra_emulator_get_base_url (emu), (int) (strlen (sandra_emulator_get_base_url (emu)) - 3),
      sandra_emulator_get_base_url (emu));

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);

  sandra_emulator_free (emu);
  g_free (scenario);
  g_free (host);
  return EXIT_SUCCESS;
}
