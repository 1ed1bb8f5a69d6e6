/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A streaming parser for CMTrace logs (smsts.log, shoal-client's log) and the older
 * "message $$<Component><date time><thread=...>" format. Bytes in, one record per entry out,
 * in bounded memory whatever the size of the log. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  SHOAL_LOG_SEVERITY_NONE = 0,    /* type="0" or no type */
  SHOAL_LOG_SEVERITY_INFO = 1,
  SHOAL_LOG_SEVERITY_WARNING = 2,
  SHOAL_LOG_SEVERITY_ERROR = 3,
} ShoalLogSeverity;

typedef enum
{
  SHOAL_LOG_FORMAT_CMTRACE,       /* <![LOG[message]LOG]!><time="" date="" component="" ...> */
  SHOAL_LOG_FORMAT_LEGACY,        /* message $$<Component><date time><thread=...> */
  SHOAL_LOG_FORMAT_BAD,           /* not an entry: the text is kept as it was */
} ShoalLogFormat;

/* One entry. Every string is valid UTF-8, never NULL, and only lives during the callback. */
typedef struct
{
  ShoalLogFormat   format;
  guint64          line;          /* first line of the entry, from 1 */
  guint            n_lines;
  const char      *message;
  const char      *component;
  const char      *context;
  const char      *thread;
  const char      *file;          /* source file the entry names, e.g. "engine.cxx:274" */
  const char      *date_text;     /* as written: "3-14-2024" */
  const char      *time_text;     /* as written: "10:23:45.123+480" */
  ShoalLogSeverity severity;
  gboolean         severity_inferred; /* the legacy format has no type: read from the words */
  gboolean         has_time;
  gboolean         has_bias;
  gint64           local_usec;    /* the writer's local time, microseconds since 1970-01-01 */
  gint64           utc_usec;      /* local + bias; equal to local_usec when !has_bias */
  int              bias_minutes;  /* UTC = local time + bias */
  const char      *problem;       /* why the entry is bad or only partly read, or NULL */
} ShoalLogRecord;

typedef void (*ShoalLogRecordFunc) (const ShoalLogRecord *record,
                                    gpointer              user_data);

/* Longest entry (or line) kept whole; longer ones are reported and cut. */
#define SHOAL_CMTRACE_MAX_ENTRY (1024 * 1024)

typedef struct _ShoalCmtraceParser ShoalCmtraceParser;

ShoalCmtraceParser *shoal_cmtrace_parser_new         (ShoalLogRecordFunc  func,
                                                      gpointer            user_data);
void                shoal_cmtrace_parser_push        (ShoalCmtraceParser *self,
                                                      const void         *data,
                                                      gsize               len);
void                shoal_cmtrace_parser_finish      (ShoalCmtraceParser *self);
guint64             shoal_cmtrace_parser_get_n_lines (ShoalCmtraceParser *self);
void                shoal_cmtrace_parser_free        (ShoalCmtraceParser *self);

gboolean            shoal_cmtrace_parse_stream       (GInputStream       *stream,
                                                      ShoalLogRecordFunc  func,
                                                      gpointer            user_data,
                                                      GCancellable       *cancellable,
                                                      GError            **error);

const char         *shoal_log_severity_name          (ShoalLogSeverity    severity);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalCmtraceParser, shoal_cmtrace_parser_free)

G_END_DECLS
