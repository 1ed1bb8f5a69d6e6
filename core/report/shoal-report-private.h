/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the report's renderers share: tolerant readers of JSON members, formatting of
 * figures, and the chart drawn alike into SVG (HTML) and cairo (PDF). */
#pragma once

#include "shoal-report.h"

G_BEGIN_DECLS

/* Members that are missing, null or of another type read as NULL / @fallback. */
const char *shoal_report_str      (JsonObject *o,
                                   const char *key);
double      shoal_report_num      (JsonObject *o,
                                   const char *key,
                                   double      fallback);
gboolean    shoal_report_has_num  (JsonObject *o,
                                   const char *key);
gboolean    shoal_report_bool     (JsonObject *o,
                                   const char *key,
                                   gboolean    fallback);
JsonObject *shoal_report_obj      (JsonObject *o,
                                   const char *key);
JsonArray  *shoal_report_arr      (JsonObject *o,
                                   const char *key);
gint64      shoal_report_time     (JsonObject *o,
                                   const char *key);

/* Figures as people read them; "—" for a missing one. */
char       *shoal_report_fmt_bytes    (JsonObject *o,
                                       const char *key);
char       *shoal_report_fmt_rate     (JsonObject *o,
                                       const char *key);
char       *shoal_report_fmt_time     (JsonObject *o,
                                       const char *key);
char       *shoal_report_fmt_day      (JsonObject *o,
                                       const char *key);
char       *shoal_report_fmt_clock    (JsonObject *o,
                                       const char *key,
                                       const char *day);
char       *shoal_report_fmt_duration (double      seconds);
char       *shoal_report_fmt_percent  (JsonObject *o,
                                       const char *key);

/* The rows of the summary, as (label, value) pairs, shared by HTML and PDF. */
GPtrArray  *shoal_report_summary_rows (JsonObject *report);

/* ---- charts ------------------------------------------------------------------------------ */

typedef enum
{
  SHOAL_CHART_SENDER,    /* the sender's rate and its repair traffic */
  SHOAL_CHART_CLIENTS,   /* each client's receive rate, or the slowest, mean and fastest */
} ShoalChartKind;

typedef enum
{
  SHOAL_CHART_ALIGN_START,
  SHOAL_CHART_ALIGN_MIDDLE,
  SHOAL_CHART_ALIGN_END,
} ShoalChartAlign;

/* The drawing primitives a chart needs, in points from the chart's top left corner. */
typedef struct
{
  void (*line)     (gpointer data, double x0, double y0, double x1, double y1,
                    const char *colour, double width);
  void (*polyline) (gpointer data, const double *xy, guint n, const char *colour,
                    double width);
  void (*band)     (gpointer data, const double *upper, const double *lower, guint n,
                    const char *colour, double opacity);
  void (*text)     (gpointer data, double x, double y, const char *text, ShoalChartAlign align,
                    double size, const char *colour);
  void (*swatch)   (gpointer data, double x, double y, double w, double h, const char *colour);
  /* The width @text takes; NULL: estimated (SVG cannot know the reader's font). */
  double (*measure) (gpointer data, const char *text, double size);
} ShoalChartCanvas;

/* Whether @report has samples for this chart. */
gboolean    shoal_report_chart_has_data (JsonObject             *report,
                                         ShoalChartKind          kind);
void        shoal_report_chart_draw     (JsonObject             *report,
                                         ShoalChartKind          kind,
                                         double                  width,
                                         double                  height,
                                         const ShoalChartCanvas *canvas,
                                         gpointer                data);
const char *shoal_report_chart_title    (ShoalChartKind          kind);

/* ---- formats ----------------------------------------------------------------------------- */

void        shoal_report_csv_header     (GString    *out);
void        shoal_report_csv_rows       (GString    *out,
                                         JsonObject *report);
GBytes     *shoal_report_render_csv     (JsonObject *report);
GBytes     *shoal_report_render_html    (JsonObject *report);
GBytes     *shoal_report_render_pdf     (JsonObject *report,
                                         ShoalReportPaper paper,
                                         GError    **error);

G_END_DECLS
