/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoal-client: the receiver on the machine being imaged. */
#include "config.h"

#include <stdio.h>

#include "shoal-cli.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  int rc;

  g_option_context_set_summary (context, "Receive a package from a Shoal session.");
  if ((rc = shoal_cli_parse (context, "shoal-client", &argc, &argv)) >= 0)
    return rc;

  fprintf (stderr, "shoal-client: receiving is not built yet\n");
  return SHOAL_EXIT_FAILURE;
}
