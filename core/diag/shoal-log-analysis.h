/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The analysis of one log: the outcome, the failing step, the first real error (following
 * generic codes such as 0x80004005 back to the line that caused them), every code decoded, and
 * a summary in words: what failed, when, in which component, why and what to try. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "shoal-decoded-code.h"
#include "shoal-log-entry.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_LOG_ANALYSIS (shoal_log_analysis_get_type ())
G_DECLARE_FINAL_TYPE (ShoalLogAnalysis, shoal_log_analysis, SHOAL, LOG_ANALYSIS, GObject)

typedef enum
{
  SHOAL_LOG_ANALYSIS_NONE = 0,
  /* Keep every entry for a timeline (up to SHOAL_LOG_ANALYSIS_MAX_KEPT); without it memory
   * stays bounded whatever the size of the log. */
  SHOAL_LOG_ANALYSIS_KEEP_ENTRIES = 1 << 0,
} ShoalLogAnalysisFlags;

#define SHOAL_LOG_ANALYSIS_MAX_KEPT 500000

typedef enum
{
  SHOAL_LOG_OUTCOME_UNKNOWN,      /* the log reports neither success nor failure */
  SHOAL_LOG_OUTCOME_SUCCEEDED,
  SHOAL_LOG_OUTCOME_FAILED,
} ShoalLogOutcome;

ShoalLogAnalysis *shoal_log_analysis_new              (const char            *name,
                                                       ShoalLogAnalysisFlags  flags);
void              shoal_log_analysis_push             (ShoalLogAnalysis      *self,
                                                       const void            *data,
                                                       gsize                  len);
void              shoal_log_analysis_finish           (ShoalLogAnalysis      *self);
gboolean          shoal_log_analysis_read_stream      (ShoalLogAnalysis      *self,
                                                       GInputStream          *stream,
                                                       GCancellable          *cancellable,
                                                       GError               **error);
ShoalLogAnalysis *shoal_log_analysis_analyze_file     (GFile                 *file,
                                                       ShoalLogAnalysisFlags  flags,
                                                       GCancellable          *cancellable,
                                                       GError               **error);
void              shoal_log_analysis_analyze_file_async  (GFile                 *file,
                                                          ShoalLogAnalysisFlags  flags,
                                                          GCancellable          *cancellable,
                                                          GAsyncReadyCallback    callback,
                                                          gpointer               user_data);
ShoalLogAnalysis *shoal_log_analysis_analyze_file_finish (GAsyncResult          *result,
                                                          GError               **error);

const char       *shoal_log_analysis_get_name         (ShoalLogAnalysis *self);
ShoalLogOutcome   shoal_log_analysis_get_outcome      (ShoalLogAnalysis *self);
const char       *shoal_log_analysis_get_failing_step (ShoalLogAnalysis *self);
ShoalLogEntry    *shoal_log_analysis_get_failure      (ShoalLogAnalysis *self);
ShoalLogEntry    *shoal_log_analysis_get_root_cause   (ShoalLogAnalysis *self);
ShoalDecodedCode *shoal_log_analysis_get_root_code    (ShoalLogAnalysis *self);
ShoalLogEntry    *shoal_log_analysis_get_wrapper      (ShoalLogAnalysis *self);
ShoalLogEntry    *shoal_log_analysis_get_first_error  (ShoalLogAnalysis *self);
guint64           shoal_log_analysis_get_n_entries    (ShoalLogAnalysis *self);
guint64           shoal_log_analysis_get_n_errors     (ShoalLogAnalysis *self);
guint64           shoal_log_analysis_get_n_warnings   (ShoalLogAnalysis *self);
guint64           shoal_log_analysis_get_n_bad        (ShoalLogAnalysis *self);
guint             shoal_log_analysis_get_code_count   (ShoalLogAnalysis *self,
                                                       guint32           value);
GListModel       *shoal_log_analysis_get_entries      (ShoalLogAnalysis *self);
guint             shoal_log_analysis_get_entry_position (ShoalLogAnalysis *self,
                                                         ShoalLogEntry    *entry);
GListModel       *shoal_log_analysis_get_codes        (ShoalLogAnalysis *self);
GListModel       *shoal_log_analysis_get_bad_lines    (ShoalLogAnalysis *self);
const char       *shoal_log_analysis_get_headline     (ShoalLogAnalysis *self);
const char       *shoal_log_analysis_get_summary      (ShoalLogAnalysis *self);
char             *shoal_log_analysis_dup_summary      (ShoalLogAnalysis *self);
JsonNode         *shoal_log_analysis_to_json          (ShoalLogAnalysis *self);

G_END_DECLS
