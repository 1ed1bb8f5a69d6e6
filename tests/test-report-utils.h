/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Checks of rendered reports shared by the report tests. Rendered files are kept in the
 * build directory under tests/report-artifacts/ for people to look at. */
#pragma once

#include "shoal-report.h"

G_BEGIN_DECLS

/* The path of @name under the artifacts directory (created if need be). */
char *report_artifact         (const char        *name);
/* A program from $PATH; the test fails naming it when it is not installed. */
char *report_tool             (const char        *name);
/* Runs @argv, fails the test with its output unless it exits 0; returns its stdout. */
char *report_run              (const char *const *argv);
/* tests/report-check.py: "schema" (@file against data/report-schema.json), "csv" or
 * "html" (@file against the JSON report(s) @json, comma-separated). */
void  report_check            (const char        *what,
                               const char        *file,
                               const char        *json);
/* pdftotext finds the package and every client of @report; pdftoppm renders page 1 into
 * @png. */
void  report_check_pdf        (const char        *pdf,
                               JsonObject        *report,
                               const char        *png);
/* Writes @report in every format (and a Letter PDF) as @stem.* and checks each. */
void  report_export_and_check (ShoalReport       *report,
                               const char        *stem);

G_END_DECLS
