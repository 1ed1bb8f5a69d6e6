/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writes a log in the CMTrace format that admins' log viewers read:
 * <![LOG[message]LOG]!><time="HH:MM:SS.mmm+bias" date="M-D-YYYY" component="..." ...> */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  SHOAL_CMTRACE_INFO = 1,
  SHOAL_CMTRACE_WARNING = 2,
  SHOAL_CMTRACE_ERROR = 3,
} ShoalCmtraceType;

typedef struct _ShoalCmtrace ShoalCmtrace;

ShoalCmtrace *shoal_cmtrace_open   (const char       *path,
                                    const char       *component,
                                    GError          **error);
void          shoal_cmtrace_log    (ShoalCmtrace     *log,
                                    ShoalCmtraceType  type,
                                    const char       *format,
                                    ...) G_GNUC_PRINTF (3, 4);
char         *shoal_cmtrace_format (GDateTime        *time,
                                    const char       *component,
                                    ShoalCmtraceType  type,
                                    guint             thread,
                                    const char       *message);
void          shoal_cmtrace_close  (ShoalCmtrace     *log);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalCmtrace, shoal_cmtrace_close)

G_END_DECLS
