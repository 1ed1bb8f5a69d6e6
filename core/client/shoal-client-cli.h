/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoal-client's command line: everything between main() and the reception. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

int shoal_client_main (int    argc,
                       char **argv);

G_END_DECLS
