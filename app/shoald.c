/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoald: the headless distribution point. */
#include "config.h"

#include "shoal-daemon.h"

int
main (int   argc,
      char *argv[])
{
  return shoal_daemon_main (argc, argv);
}
