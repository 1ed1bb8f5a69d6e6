/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoal-client: the receiver on the machine being imaged. */
#include "config.h"

#include "shoal-client-cli.h"

int
main (int   argc,
      char *argv[])
{
  return shoal_client_main (argc, argv);
}
