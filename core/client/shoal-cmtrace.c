/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CMTrace log writer. Each entry is flushed at once: a client killed mid-deployment still
 * leaves a log that says how far it got. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gio/gio.h>

#include "shoal-cmtrace.h"

struct _ShoalCmtrace
{
  FILE  *file;
  char  *component;
  GMutex lock;
};

ShoalCmtrace *
shoal_cmtrace_open (const char  *path,
                    const char  *component,
                    GError     **error)
{
  ShoalCmtrace *log;
  FILE *f = fopen (path, "ae");

  if (f == NULL)
    {
      int err = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
                   "cannot open the log %s: %s", path, g_strerror (err));
      return NULL;
    }
  log = g_new0 (ShoalCmtrace, 1);
  log->file = f;
  log->component = g_strdup (component);
  g_mutex_init (&log->lock);
  return log;
}

/* One entry. The bias is minutes to add to local time to get UTC, as CMTrace expects. */
char *
shoal_cmtrace_format (GDateTime        *time,
                      const char       *component,
                      ShoalCmtraceType  type,
                      guint             thread,
                      const char       *message)
{
  int bias = (int) -(g_date_time_get_utc_offset (time) / G_TIME_SPAN_MINUTE);
  g_autoptr(GString) msg = g_string_new (message);

  /* The message may not close the LOG bracket itself. */
  g_string_replace (msg, "]LOG]!>", "]LOG]!&gt;", 0);
  return g_strdup_printf ("<![LOG[%s]LOG]!><time=\"%02d:%02d:%02d.%03d%+04d\" "
                          "date=\"%d-%d-%04d\" component=\"%s\" context=\"\" type=\"%d\" "
                          "thread=\"%u\" file=\"\">",
                          msg->str, g_date_time_get_hour (time), g_date_time_get_minute (time),
                          g_date_time_get_second (time),
                          g_date_time_get_microsecond (time) / 1000, bias,
                          g_date_time_get_month (time), g_date_time_get_day_of_month (time),
                          g_date_time_get_year (time), component, type, thread);
}

void
shoal_cmtrace_log (ShoalCmtrace     *log,
                   ShoalCmtraceType  type,
                   const char       *format,
                   ...)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *message = NULL;
  g_autofree char *line = NULL;
  va_list args;

  if (log == NULL)
    return;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  line = shoal_cmtrace_format (now, log->component, type, (guint) syscall (SYS_gettid), message);
  g_mutex_lock (&log->lock);
  fprintf (log->file, "%s\n", line);
  fflush (log->file);
  g_mutex_unlock (&log->lock);
}

void
shoal_cmtrace_close (ShoalCmtrace *log)
{
  if (log == NULL)
    return;
  fclose (log->file);
  g_free (log->component);
  g_mutex_clear (&log->lock);
  g_free (log);
}
