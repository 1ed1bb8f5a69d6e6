/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Attaching a remote distribution point: a name, its URL and its admin token. */
#pragma once

#include <gtk/gtk.h>

#include "shoal-point.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_ADD_POINT_DIALOG (shoal_add_point_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ShoalAddPointDialog, shoal_add_point_dialog, SHOAL, ADD_POINT_DIALOG,
                      GtkWindow)

GtkWidget *shoal_add_point_dialog_new (void);

G_END_DECLS
