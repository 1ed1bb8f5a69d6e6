/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The console's Export: a session's report written to a file, rendered here for a session
 * of this process, fetched from the daemon's REST API for a session of a remote one. */
#pragma once

#include <gio/gio.h>

#include "shoal-point.h"
#include "shoal-report.h"

G_BEGIN_DECLS

gboolean shoal_report_export        (ShoalPoint          *point,
                                     ShoalSession        *session,
                                     const char          *path,
                                     ShoalReportFormat    format,
                                     ShoalReportPaper     paper,
                                     GError             **error);
void     shoal_report_export_async  (ShoalPoint          *point,
                                     ShoalSession        *session,
                                     const char          *path,
                                     ShoalReportFormat    format,
                                     ShoalReportPaper     paper,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
gboolean shoal_report_export_finish (GAsyncResult        *result,
                                     GError             **error);

G_END_DECLS
