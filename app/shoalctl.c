/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl: the command-line tool for scripts. */
#include "config.h"

#include <stdio.h>

#include "shoal-cli.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  int rc;

  g_option_context_set_summary (context, "Talk to a Shoal distribution point.");
  if ((rc = shoal_cli_parse (context, "shoalctl", &argc, &argv)) >= 0)
    return rc;

  fprintf (stderr, "shoalctl: no commands are built yet\n");
  return SHOAL_EXIT_FAILURE;
}
