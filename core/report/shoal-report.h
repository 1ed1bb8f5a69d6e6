/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A session report: the versioned JSON document built from a session's record (live or
 * past), and its renderings as CSV, HTML and PDF. The schema is core/report/REPORT-SCHEMA.md
 * and data/report-schema.json; every other format is rendered from the JSON. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SHOAL_REPORT_ERROR (shoal_report_error_quark ())

typedef enum
{
  SHOAL_REPORT_ERROR_INVALID,      /* the session record or report is not what we read */
  SHOAL_REPORT_ERROR_VERSION,      /* a report of a newer schema version */
  SHOAL_REPORT_ERROR_FORMAT,       /* an unknown format or paper name */
  SHOAL_REPORT_ERROR_RENDER,       /* cairo failed */
} ShoalReportError;

typedef enum
{
  SHOAL_REPORT_FORMAT_JSON,
  SHOAL_REPORT_FORMAT_CSV,
  SHOAL_REPORT_FORMAT_HTML,
  SHOAL_REPORT_FORMAT_PDF,
} ShoalReportFormat;

typedef enum
{
  SHOAL_REPORT_PAPER_A4,
  SHOAL_REPORT_PAPER_LETTER,
} ShoalReportPaper;

#define SHOAL_REPORT_FORMAT_NAME   "shoal-session-report"
#define SHOAL_REPORT_VERSION       1
#define SHOAL_HISTORY_FORMAT_NAME  "shoal-client-history"

#define SHOAL_TYPE_REPORT (shoal_report_get_type ())
G_DECLARE_FINAL_TYPE (ShoalReport, shoal_report, SHOAL, REPORT, GObject)

GQuark        shoal_report_error_quark           (void);

ShoalReport  *shoal_report_new_from_session_json (JsonNode          *session,
                                                  const char        *dp_host,
                                                  const char        *dp_url,
                                                  gint64             now,
                                                  GError           **error);
ShoalReport  *shoal_report_new_from_json         (JsonNode          *report,
                                                  GError           **error);
JsonNode     *shoal_report_get_json              (ShoalReport       *self);
const char   *shoal_report_get_session_id        (ShoalReport       *self);
const char   *shoal_report_get_package           (ShoalReport       *self);
gint64        shoal_report_get_started           (ShoalReport       *self);
GBytes       *shoal_report_render                (ShoalReport       *self,
                                                  ShoalReportFormat  format,
                                                  ShoalReportPaper   paper,
                                                  GError           **error);
gboolean      shoal_report_save                  (ShoalReport       *self,
                                                  const char        *path,
                                                  ShoalReportFormat  format,
                                                  ShoalReportPaper   paper,
                                                  GError           **error);

GBytes       *shoal_report_render_history        (GPtrArray         *reports,
                                                  gint64             since,
                                                  ShoalReportFormat  format,
                                                  GError           **error);

gboolean      shoal_report_format_from_string    (const char        *name,
                                                  ShoalReportFormat *format,
                                                  GError           **error);
gboolean      shoal_report_format_from_path      (const char        *path,
                                                  ShoalReportFormat *format);
const char   *shoal_report_format_to_string      (ShoalReportFormat  format);
const char   *shoal_report_format_content_type   (ShoalReportFormat  format);
gboolean      shoal_report_paper_from_string     (const char        *name,
                                                  ShoalReportPaper  *paper,
                                                  GError           **error);

G_END_DECLS
