/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoald: the headless distribution point. */
#include "config.h"

#include <stdio.h>

#include "shoal-cli.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  int rc;

  g_option_context_set_summary (context, "The Shoal distribution point daemon.");
  if ((rc = shoal_cli_parse (context, "shoald", &argc, &argv)) >= 0)
    return rc;

  fprintf (stderr, "shoald: the distribution point service is not built yet\n");
  return SHOAL_EXIT_FAILURE;
}
