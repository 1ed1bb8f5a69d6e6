/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoald: reads the config file, applies the command-line overrides, runs the distribution
 * point until SIGTERM or SIGINT, and saves the state of running sessions on the way out. */
#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>

#include "shoal-cli.h"
#include "shoal-daemon.h"
#include "shoal-dp.h"

static gboolean
on_signal (gpointer data)
{
  g_message ("stopping");
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
shoal_daemon_main (int    argc,
                   char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalConfig) config = shoal_config_new ();
  g_autoptr(ShoalDp) dp = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autofree char *config_path = NULL, *library = NULL, *state_dir = NULL, *iface = NULL;
  g_autofree char *listen = NULL, *account = NULL, *transport = NULL;
  gboolean anonymous = FALSE, no_tls = FALSE, check = FALSE;
  int rc;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
      "Config file (JSON; default /etc/shoal/shoald.json if it exists)", "FILE" },
    { "library", 'l', 0, G_OPTION_ARG_FILENAME, &library, "Content library directory", "DIR" },
    { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
      "Keys, certificate and session history", "DIR" },
    { "interface", 'i', 0, G_OPTION_ARG_STRING, &iface, "Interface to multicast on", "IF" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "HTTP(S) address and port", "ADDR:PORT" },
    { "anonymous", 0, 0, G_OPTION_ARG_NONE, &anonymous,
      "Anyone on the network may fetch keys and content", NULL },
    { "account", 0, 0, G_OPTION_ARG_STRING, &account,
      "Network access account for keys and content", "USER:PASSWORD-FILE" },
    { "transport", 0, 0, G_OPTION_ARG_STRING, &transport,
      "Datagram transport: auto, gst or linux", "NAME" },
    { "no-tls", 0, 0, G_OPTION_ARG_NONE, &no_tls, "Serve plain HTTP (anonymous mode only)",
      NULL },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check, "Check the configuration and exit", NULL },
    { NULL }
  };

  g_option_context_set_summary (context,
    "The Shoal distribution point: serves packages over multicast sessions and HTTP.\n"
    "Command-line settings override the config file's.");
  g_option_context_add_main_entries (context, entries, NULL);
  if ((rc = shoal_cli_parse (context, "shoald", &argc, &argv)) >= 0)
    return rc;
  if (anonymous && account != NULL)
    {
      shoal_cli_usage_error ("shoald", "--anonymous and --account exclude each other");
      return SHOAL_EXIT_USAGE;
    }
  if (config_path == NULL && g_file_test ("/etc/shoal/shoald.json", G_FILE_TEST_EXISTS))
    config_path = g_strdup ("/etc/shoal/shoald.json");
  if (config_path != NULL && !shoal_config_load (config, config_path, &error))
    {
      fprintf (stderr, "shoald: %s\n", error->message);
      return SHOAL_EXIT_FAILURE;
    }

#define OVERRIDE(field, value) \
  if (value != NULL) { g_free (config->field); config->field = g_strdup (value); }
  OVERRIDE (library, library);
  OVERRIDE (state_dir, state_dir);
  OVERRIDE (interface, iface);
  OVERRIDE (listen, listen);
  OVERRIDE (transport, transport);
#undef OVERRIDE
  if (no_tls)
    config->tls = FALSE;
  if (anonymous)
    config->access = SHOAL_ACCESS_ANONYMOUS;
  if (account != NULL)
    {
      const char *colon = strchr (account, ':');
      if (colon == NULL || colon == account || colon[1] == '\0')
        {
          shoal_cli_usage_error ("shoald", "--account wants USER:PASSWORD-FILE");
          return SHOAL_EXIT_USAGE;
        }
      config->access = SHOAL_ACCESS_AUTHENTICATED;
      g_free (config->account);
      config->account = g_strndup (account, colon - account);
      g_free (config->password_file);
      config->password_file = g_strdup (colon + 1);
    }
  if (!shoal_config_validate (config, &error))
    {
      fprintf (stderr, "shoald: %s%s%s\n", config_path ? config_path : "",
               config_path ? ": " : "", error->message);
      return SHOAL_EXIT_FAILURE;
    }

  if (check)
    {
      printf ("shoald: configuration OK%s%s\n", config_path ? ": " : "",
              config_path ? config_path : "");
      return SHOAL_EXIT_OK;
    }
  dp = shoal_dp_new (g_steal_pointer (&config));
  shoal_dp_set_config_path (dp, config_path);
  if (!shoal_dp_start (dp, &error))
    {
      fprintf (stderr, "shoald: %s\n", error->message);
      return SHOAL_EXIT_FAILURE;
    }
  {
    g_autofree char *url = shoal_dp_dup_url (dp);
    g_message ("serving %s on %s (%s access); key %s%s%s", shoal_dp_get_config (dp)->library,
               url, shoal_dp_get_config (dp)->access == SHOAL_ACCESS_ANONYMOUS
                    ? "anonymous" : "authenticated",
               shoal_dp_get_key_fingerprint (dp),
               shoal_dp_get_tls_fingerprint (dp) ? "; TLS certificate " : "",
               shoal_dp_get_tls_fingerprint (dp) ? shoal_dp_get_tls_fingerprint (dp) : "");
  }
  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, on_signal, loop);
  g_unix_signal_add (SIGINT, on_signal, loop);
  g_main_loop_run (loop);
  shoal_dp_stop (dp);
  return SHOAL_EXIT_OK;
}
