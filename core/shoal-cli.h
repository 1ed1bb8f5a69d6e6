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

G_END_DECLS
