/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Command-line conventions shared by the four binaries: --version, usage errors exit 2. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit codes common to every Shoal binary. Binaries may define more above 9. */
typedef enum
{
  SHOAL_EXIT_OK = 0,
  SHOAL_EXIT_FAILURE = 1,
  SHOAL_EXIT_USAGE = 2,
} ShoalExit;

int  shoal_cli_parse (GOptionContext  *context,
                      const char      *prog,
                      int             *argc,
                      char          ***argv);
void shoal_cli_usage_error (const char *prog,
                            const char *format,
                            ...) G_GNUC_PRINTF (2, 3);

/* Global options of shoalctl, handed to every subcommand. */
typedef struct
{
  const char *server;      /* base URL of a distribution point, or NULL */
  const char *token_file;  /* file holding the admin token, or NULL */
} ShoalCtlGlobals;

/* A shoalctl subcommand: @argv[0] is the command's name; it parses its own options (use
 * shoal_cli_parse with prog "shoalctl NAME") and returns the process exit code. */
typedef int (*ShoalCtlCommandFunc) (const ShoalCtlGlobals *globals,
                                    int                    argc,
                                    char                 **argv);

typedef struct
{
  const char          *name;
  const char          *summary;
  ShoalCtlCommandFunc  run;
} ShoalCtlCommand;

int  shoal_ctl_main (const ShoalCtlCommand *commands,
                     int                    argc,
                     char                 **argv);

G_END_DECLS
