/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The console's Diagnostics page: paste an error code to have it explained, or open or drop a
 * CMTrace log to see its timeline, errors highlighted, and what failed and why. */
#pragma once

#include <gtk/gtk.h>

#include "shoal-log-analysis.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_DIAG_PAGE (shoal_diag_page_get_type ())
G_DECLARE_FINAL_TYPE (ShoalDiagPage, shoal_diag_page, SHOAL, DIAG_PAGE, GtkBox)

GtkWidget        *shoal_diag_page_new          (void);
void              shoal_diag_page_open_file    (ShoalDiagPage *self,
                                                GFile         *file);
void              shoal_diag_page_decode       (ShoalDiagPage *self,
                                                const char    *text);
ShoalLogAnalysis *shoal_diag_page_get_analysis (ShoalDiagPage *self);

G_END_DECLS
