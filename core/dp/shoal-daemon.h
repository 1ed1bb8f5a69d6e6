/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoald's command line: config file, overrides, signals, the main loop. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int shoal_daemon_main (int    argc,
                       char **argv);

G_END_DECLS
