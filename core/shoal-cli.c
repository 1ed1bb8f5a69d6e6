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
