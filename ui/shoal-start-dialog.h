/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Starting or scheduling a session: which package, and the start rule (at once, or once N
 * clients have joined or M seconds after the first). */
#pragma once

#include <gtk/gtk.h>

#include "shoal-point.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_START_DIALOG (shoal_start_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ShoalStartDialog, shoal_start_dialog, SHOAL, START_DIALOG, GtkWindow)

GtkWidget *shoal_start_dialog_new (ShoalPoint *point,
                                   const char *package);

G_END_DECLS
