/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live throughput graph: the sender's rate, its repair traffic and the receive rate of
 * each client (or of the selected ones), with axes, units and a legend. */
#pragma once

#include <gtk/gtk.h>

#include "shoal-rate-history.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_GRAPH (shoal_graph_get_type ())
G_DECLARE_FINAL_TYPE (ShoalGraph, shoal_graph, SHOAL, GRAPH, GtkWidget)

GtkWidget        *shoal_graph_new                 (void);
ShoalRateHistory *shoal_graph_get_history         (ShoalGraph       *self);
void              shoal_graph_set_history         (ShoalGraph       *self,
                                                   ShoalRateHistory *history);
void              shoal_graph_set_visible_clients (ShoalGraph       *self,
                                                   const guint32    *ids,
                                                   guint             n_ids);
gint64            shoal_graph_get_last_draw_time  (ShoalGraph       *self);

G_END_DECLS
