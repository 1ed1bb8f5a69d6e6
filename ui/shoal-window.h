/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The console's main window: distribution points, packages, sessions and clients. */
#pragma once

#include <gtk/gtk.h>

#include "shoal-diag-page.h"
#include "shoal-point.h"
#include "shoal-point-view.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_WINDOW (shoal_window_get_type ())
G_DECLARE_FINAL_TYPE (ShoalWindow, shoal_window, SHOAL, WINDOW, GtkApplicationWindow)

ShoalWindow    *shoal_window_new            (GtkApplication *app);
void            shoal_window_set_banner     (ShoalWindow    *self,
                                             const char     *text);
GListStore     *shoal_window_get_points     (ShoalWindow    *self);
void            shoal_window_set_remotes_path (ShoalWindow  *self,
                                             const char     *path);
void            shoal_window_select_point   (ShoalWindow    *self,
                                             ShoalPoint     *point);
ShoalPointView *shoal_window_get_point_view (ShoalWindow    *self);
gboolean        shoal_window_show_page      (ShoalWindow    *self,
                                             const char     *name);
ShoalDiagPage  *shoal_window_get_diag_page  (ShoalWindow    *self);

G_END_DECLS
