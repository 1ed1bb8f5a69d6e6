/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A distribution point in the console: its sessions and packages, the selected session in
 * detail, and the start, start-now and stop actions. */
#pragma once

#include <gtk/gtk.h>

#include "shoal-point.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_POINT_VIEW (shoal_point_view_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPointView, shoal_point_view, SHOAL, POINT_VIEW, GtkWidget)

GtkWidget    *shoal_point_view_new                  (void);
ShoalPoint   *shoal_point_view_get_point            (ShoalPointView *self);
void          shoal_point_view_set_point            (ShoalPointView *self,
                                                     ShoalPoint     *point);
ShoalSession *shoal_point_view_get_selected_session (ShoalPointView *self);
void          shoal_point_view_select_session       (ShoalPointView *self,
                                                     ShoalSession   *session);

G_END_DECLS
