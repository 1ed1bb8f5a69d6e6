/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One session in detail: its clients, its throughput graph and its event log. */
#pragma once

#include <gtk/gtk.h>

#include "shoal-session.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_SESSION_VIEW (shoal_session_view_get_type ())
G_DECLARE_FINAL_TYPE (ShoalSessionView, shoal_session_view, SHOAL, SESSION_VIEW, GtkWidget)

GtkWidget    *shoal_session_view_new         (void);
ShoalSession *shoal_session_view_get_session (ShoalSessionView *self);
void          shoal_session_view_set_session (ShoalSessionView *self,
                                              ShoalSession     *session);

G_END_DECLS
