/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl report: a session's report, or the client history, from a distribution point's
 * REST API; or a saved report rendered again in another format, offline. */
#pragma once

#include "shoal-cli.h"

G_BEGIN_DECLS

int shoal_report_command (const ShoalCtlGlobals *globals,
                          int                    argc,
                          char                 **argv);

G_END_DECLS
