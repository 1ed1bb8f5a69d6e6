/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Command-line conventions shared by the four binaries: --version, usage errors exit 2. */
#include "config.h"

#include <stdio.h>

#include "shoal-cli.h"

static gboolean show_version;

static const GOptionEntry version_entries[] = {
  { "version", 'V', 0, G_OPTION_ARG_NONE, &show_version, "Print the version and exit", NULL },
  { NULL }
};

void
shoal_cli_usage_error (const char *prog,
                       const char *format,
                       ...)
{
  va_list args;
  g_autofree char *msg = NULL;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  fprintf (stderr, "%s: %s\nTry '%s --help' for usage.\n", prog, msg, prog);
}

/* Parses @argv with @context plus --version. Returns -1 when the caller should go on,
 * otherwise the exit code to return from main(): 0 after --version, 2 on a usage error. */
int
shoal_cli_parse (GOptionContext   *context,
                 const char       *prog,
                 int              *argc,
                 char           ***argv)
{
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, version_entries, NULL);
  show_version = FALSE;
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      shoal_cli_usage_error (prog, "%s", error->message);
      return SHOAL_EXIT_USAGE;
    }
  if (show_version)
    {
      printf ("%s %s\n", prog, PACKAGE_VERSION);
      return SHOAL_EXIT_OK;
    }
  return -1;
}

/* shoalctl [GLOBAL OPTIONS] COMMAND [ARGS]: parses the global options up to the command's
 * name, then runs the command from @commands (terminated by a NULL name). */
int
shoal_ctl_main (const ShoalCtlCommand  *commands,
                int                     argc,
                char                  **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("COMMAND [ARGS...]");
  g_autoptr(GString) summary = g_string_new ("Talk to a Shoal distribution point, decode errors "
                                             "and analyse logs.\n\nCommands:");
  g_autofree char *server = NULL;
  g_autofree char *token_file = NULL;
  ShoalCtlGlobals globals = { 0 };
  const GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server,
      "Distribution point URL (default: $SHOAL_SERVER)", "URL" },
    { "token-file", 't', 0, G_OPTION_ARG_FILENAME, &token_file,
      "File holding the admin token (default: $SHOAL_TOKEN_FILE)", "FILE" },
    { NULL }
  };
  int rc;

  for (const ShoalCtlCommand *c = commands; c->name != NULL; c++)
    g_string_append_printf (summary, "\n  %-18s %s", c->name, c->summary);
  g_string_append (summary, "\n\nRun 'shoalctl COMMAND --help' for a command's options.");
  g_option_context_set_summary (context, summary->str);
  g_option_context_add_main_entries (context, entries, NULL);
  /* Stop at the command's name so its own options reach it. */
  g_option_context_set_strict_posix (context, TRUE);
  if ((rc = shoal_cli_parse (context, "shoalctl", &argc, &argv)) >= 0)
    return rc;

  if (argc < 2)
    {
      shoal_cli_usage_error ("shoalctl", "no command given");
      return SHOAL_EXIT_USAGE;
    }
  globals.server = server ? server : g_getenv ("SHOAL_SERVER");
  globals.token_file = token_file ? token_file : g_getenv ("SHOAL_TOKEN_FILE");
  for (const ShoalCtlCommand *c = commands; c->name != NULL; c++)
    if (g_str_equal (c->name, argv[1]))
      return c->run (&globals, argc - 1, argv + 1);

  shoal_cli_usage_error ("shoalctl", "unknown command '%s'", argv[1]);
  return SHOAL_EXIT_USAGE;
}
