/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One entry of a log, kept as an object: for the console's timeline and for the lines an
 * analysis points at (the root cause, the failure, the wrapper). */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "shoal-cmtrace-parser.h"
#include "shoal-decoded-code.h"

G_BEGIN_DECLS

#define SHOAL_TYPE_LOG_ENTRY (shoal_log_entry_get_type ())
G_DECLARE_FINAL_TYPE (ShoalLogEntry, shoal_log_entry, SHOAL, LOG_ENTRY, GObject)

/* What an analysis found an entry to be. */
typedef enum
{
  SHOAL_LOG_ROLE_NONE,
  SHOAL_LOG_ROLE_ROOT_CAUSE,      /* the first real error: the cause */
  SHOAL_LOG_ROLE_WRAPPER,         /* a generic error that only passes the cause on */
  SHOAL_LOG_ROLE_FAILURE,         /* where the log reports that the step or run failed */
  SHOAL_LOG_ROLE_STEP,            /* where the failing step started */
} ShoalLogRole;

ShoalLogEntry    *shoal_log_entry_new            (const ShoalLogRecord *record);

guint64           shoal_log_entry_get_line       (ShoalLogEntry    *self);
guint             shoal_log_entry_get_n_lines    (ShoalLogEntry    *self);
ShoalLogFormat    shoal_log_entry_get_format     (ShoalLogEntry    *self);
ShoalLogSeverity  shoal_log_entry_get_severity   (ShoalLogEntry    *self);
const char       *shoal_log_entry_get_severity_name (ShoalLogEntry *self);
const char       *shoal_log_entry_get_message    (ShoalLogEntry    *self);
const char       *shoal_log_entry_get_component  (ShoalLogEntry    *self);
const char       *shoal_log_entry_get_thread     (ShoalLogEntry    *self);
const char       *shoal_log_entry_get_file       (ShoalLogEntry    *self);
gboolean          shoal_log_entry_get_has_time   (ShoalLogEntry    *self);
gint64            shoal_log_entry_get_utc_usec   (ShoalLogEntry    *self);
const char       *shoal_log_entry_get_time_text  (ShoalLogEntry    *self);
char             *shoal_log_entry_dup_when       (ShoalLogEntry    *self);
const char       *shoal_log_entry_get_problem    (ShoalLogEntry    *self);
ShoalDecodedCode *shoal_log_entry_get_code       (ShoalLogEntry    *self);
void              shoal_log_entry_set_code       (ShoalLogEntry    *self,
                                                  ShoalDecodedCode *code);
const char       *shoal_log_entry_get_code_label (ShoalLogEntry    *self);
ShoalLogRole      shoal_log_entry_get_role       (ShoalLogEntry    *self);
void              shoal_log_entry_set_role       (ShoalLogEntry    *self,
                                                  ShoalLogRole      role);
const char       *shoal_log_entry_get_role_name  (ShoalLogEntry    *self);
char             *shoal_log_entry_dup_details    (ShoalLogEntry    *self);
JsonNode         *shoal_log_entry_to_json        (ShoalLogEntry    *self);

G_END_DECLS
