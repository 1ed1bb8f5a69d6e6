/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl's diagnostics commands: "decode CODE..." and "analyze FILE...". */
#pragma once

#include "shoal-cli.h"

G_BEGIN_DECLS

int shoal_diag_command_decode  (const ShoalCtlGlobals *globals,
                                int                    argc,
                                char                 **argv);
int shoal_diag_command_analyze (const ShoalCtlGlobals *globals,
                                int                    argc,
                                char                 **argv);

G_END_DECLS
