/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl: the command-line tool for scripts. Each command lives in core/; this is the table. */
#include "config.h"

#include "shoal-cli.h"
#include "shoal-diag-commands.h"

static const ShoalCtlCommand commands[] = {
  /* { "name", "one-line summary", shoal_xxx_command_name }, one line per command */
  { "decode", "Explain error codes (HRESULT, Win32, WDS, ConfigMgr)", shoal_diag_command_decode },
  { "analyze", "Find what failed in CMTrace logs (smsts.log)", shoal_diag_command_analyze },
  { NULL }
};

int
main (int   argc,
      char *argv[])
{
  return shoal_ctl_main (commands, argc, argv);
}
