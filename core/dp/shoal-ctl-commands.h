/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl's commands that talk to a distribution point's REST API. */
#pragma once

#include "shoal-cli.h"

G_BEGIN_DECLS

int shoal_ctl_cmd_status   (const ShoalCtlGlobals *globals, int argc, char **argv);
int shoal_ctl_cmd_sessions (const ShoalCtlGlobals *globals, int argc, char **argv);
int shoal_ctl_cmd_clients  (const ShoalCtlGlobals *globals, int argc, char **argv);
int shoal_ctl_cmd_package  (const ShoalCtlGlobals *globals, int argc, char **argv);
int shoal_ctl_cmd_start    (const ShoalCtlGlobals *globals, int argc, char **argv);
int shoal_ctl_cmd_stop     (const ShoalCtlGlobals *globals, int argc, char **argv);

G_END_DECLS
