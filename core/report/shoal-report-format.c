/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Figures of a report as people read them, and the summary rows that HTML and PDF both
 * show, so that the two say the same thing in the same words. */
#include "config.h"

#include <string.h>

#include "shoal-report-private.h"

#define NONE "—"

char *
shoal_report_fmt_bytes (JsonObject *o,
                        const char *key)
{
  double v = shoal_report_num (o, key, -1);

  if (v < 0)
    return g_strdup (NONE);
  return g_format_size ((guint64) v);
}

static char *
rate_text (double bps)
{
  if (bps >= 1e9)
    return g_strdup_printf ("%.2f Gbit/s", bps / 1e9);
  if (bps >= 1e6)
    return g_strdup_printf ("%.1f Mbit/s", bps / 1e6);
  if (bps >= 1e3)
    return g_strdup_printf ("%.1f kbit/s", bps / 1e3);
  return g_strdup_printf ("%.0f bit/s", bps);
}

char *
shoal_report_fmt_rate (JsonObject *o,
                       const char *key)
{
  if (!shoal_report_has_num (o, key))
    return g_strdup (NONE);
  return rate_text (shoal_report_num (o, key, 0));
}

char *
shoal_report_fmt_time (JsonObject *o,
                       const char *key)
{
  gint64 t = shoal_report_time (o, key);
  g_autoptr(GDateTime) dt = NULL;

  if (t == 0)
    return g_strdup (NONE);
  dt = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC);
  return g_date_time_format (dt, "%Y-%m-%d %H:%M:%S UTC");
}

/* The UTC date of a time member, to tell times of the session's first day from others. */
char *
shoal_report_fmt_day (JsonObject *o,
                      const char *key)
{
  gint64 t = shoal_report_time (o, key);
  g_autoptr(GDateTime) dt = t ? g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC) : NULL;

  return dt ? g_date_time_format (dt, "%Y-%m-%d") : NULL;
}

/* The time of day (UTC) on @day, the date too on any other day. */
char *
shoal_report_fmt_clock (JsonObject *o,
                        const char *key,
                        const char *day)
{
  gint64 t = shoal_report_time (o, key);
  g_autoptr(GDateTime) dt = NULL;
  g_autofree char *date = NULL;

  if (t == 0)
    return g_strdup (NONE);
  dt = g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC);
  date = g_date_time_format (dt, "%Y-%m-%d");
  return g_date_time_format (dt, g_strcmp0 (date, day) == 0 ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S");
}

char *
shoal_report_fmt_duration (double seconds)
{
  guint64 s;

  if (seconds < 0)
    return g_strdup (NONE);
  if (seconds < 60)
    return g_strdup_printf ("%.1f s", seconds);
  s = (guint64) (seconds + 0.5);
  if (s < 3600)
    return g_strdup_printf ("%" G_GUINT64_FORMAT " min %02" G_GUINT64_FORMAT " s", s / 60,
                            s % 60);
  return g_strdup_printf ("%" G_GUINT64_FORMAT " h %02" G_GUINT64_FORMAT " min %02"
                          G_GUINT64_FORMAT " s", s / 3600, s / 60 % 60, s % 60);
}

char *
shoal_report_fmt_percent (JsonObject *o,
                          const char *key)
{
  if (!shoal_report_has_num (o, key))
    return g_strdup (NONE);
  return g_strdup_printf ("%.1f %%", shoal_report_num (o, key, 0) * 100);
}

static void
row (GPtrArray *rows, const char *label, char *value)
{
  g_ptr_array_add (rows, g_strdup (label));
  g_ptr_array_add (rows, value);
}

static char *
rate_settings (JsonObject *s)
{
  g_autofree char *max = NULL;

  if (!shoal_report_has_num (s, "max_rate_bps"))
    return g_strdup (NONE);
  max = shoal_report_num (s, "max_rate_bps", 0) > 0 ? shoal_report_fmt_rate (s, "max_rate_bps")
                                                    : g_strdup ("unlimited");
  if (shoal_report_bool (s, "adaptive", FALSE))
    {
      g_autofree char *min = shoal_report_fmt_rate (s, "min_rate_bps");
      return g_strdup_printf ("at most %s, adaptive (backs off on loss, down to %s)", max, min);
    }
  return g_strdup_printf ("at most %s, fixed", max);
}

static char *
outcome_text (JsonObject *outcomes)
{
  g_autoptr(GString) s = g_string_new (NULL);
  g_autoptr(GList) members = outcomes ? json_object_get_members (outcomes) : NULL;

  g_string_append_printf (s, "%.0f", shoal_report_num (outcomes, "total", 0));
  for (GList *l = members; l != NULL; l = l->next)
    {
      double n = shoal_report_num (outcomes, l->data, 0);

      if (g_str_equal (l->data, "total") || n == 0)
        continue;
      g_string_append_printf (s, "%s%.0f %s", s->len && strchr (s->str, ':') ? ", " : ": ", n,
                              (const char *) l->data);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Pairs of (label, value), both owned by the array. */
GPtrArray *
shoal_report_summary_rows (JsonObject *report)
{
  GPtrArray *rows = g_ptr_array_new_with_free_func (g_free);
  JsonObject *session = shoal_report_obj (report, "session");
  JsonObject *package = shoal_report_obj (report, "package");
  JsonObject *dp = shoal_report_obj (report, "distribution_point");
  JsonObject *settings = shoal_report_obj (report, "settings");
  JsonObject *bytes = shoal_report_obj (report, "bytes");
  JsonObject *rate = shoal_report_obj (report, "rate");
  const char *error = shoal_report_str (session, "error");
  const char *host = shoal_report_str (dp, "host");
  const char *url = shoal_report_str (dp, "url");
  const char *iface = shoal_report_str (dp, "interface");
  g_autofree char *size = shoal_report_fmt_bytes (package, "size");

  row (rows, "Package", g_strdup_printf ("%s, %s", shoal_report_str (package, "name"), size));
  row (rows, "Session", g_strdup (shoal_report_str (session, "id")));
  row (rows, "State", error ? g_strdup_printf ("%s: %s", shoal_report_str (session, "state"),
                                               error)
                            : g_strdup (shoal_report_str (session, "state")
                                        ? shoal_report_str (session, "state") : NONE));
  if (host && url)
    row (rows, "Distribution point", g_strdup_printf ("%s (%s)", host, url));
  else
    row (rows, "Distribution point", g_strdup (host ? host : url ? url : NONE));
  {
    g_autofree char *port = shoal_report_has_num (dp, "port")
                            ? g_strdup_printf ("%.0f", shoal_report_num (dp, "port", 0))
                            : g_strdup (NONE);

    row (rows, "Interface, group, port",
         g_strdup_printf ("%s, %s, port %s", iface ? iface : "the kernel's choice",
                          shoal_report_str (dp, "group") ? shoal_report_str (dp, "group") : NONE,
                          port));
  }
  row (rows, "Rate", rate_settings (settings));
  row (rows, "Start rule", g_strdup (shoal_report_str (settings, "start_rule")
                                     ? shoal_report_str (settings, "start_rule") : NONE));
  row (rows, "Started", shoal_report_fmt_time (session, "started"));
  row (rows, "Finished", shoal_report_str (session, "finished")
                         ? shoal_report_fmt_time (session, "finished")
                         : g_strdup (shoal_report_bool (report, "snapshot", FALSE)
                                     ? "still running (this report is a snapshot)" : NONE));
  row (rows, "Duration", shoal_report_fmt_duration (shoal_report_num (session, "duration_seconds",
                                                                      -1)));
  row (rows, "Clients", outcome_text (shoal_report_obj (report, "outcomes")));
  row (rows, "Multicast data", shoal_report_fmt_bytes (bytes, "multicast_data"));
  {
    g_autofree char *all = shoal_report_fmt_bytes (bytes, "multicast_parity");
    g_autofree char *asked = shoal_report_fmt_bytes (bytes, "multicast_parity_requested");
    g_autofree char *pro = shoal_report_fmt_bytes (bytes, "multicast_parity_proactive");

    row (rows, "Multicast parity", g_strdup_printf ("%s (%s asked for, %s proactive)", all,
                                                    asked, pro));
  }
  row (rows, "HTTP repair", shoal_report_has_num (bytes, "http_repair")
                            ? shoal_report_fmt_bytes (bytes, "http_repair")
                            : g_strdup ("not counted"));
  row (rows, "Multicast on the wire", shoal_report_fmt_bytes (bytes, "multicast_wire"));
  if (shoal_report_has_num (bytes, "efficiency"))
    {
      g_autofree char *delivered = shoal_report_fmt_bytes (bytes, "delivered");
      row (rows, "Efficiency",
           g_strdup_printf ("%.3f bytes on the wire per byte delivered (%s delivered)",
                            shoal_report_num (bytes, "efficiency", 0), delivered));
    }
  else
    row (rows, "Efficiency", g_strdup ("— (nothing delivered yet)"));
  {
    g_autofree char *avg = shoal_report_fmt_rate (rate, "average_bps");
    g_autofree char *peak = shoal_report_fmt_rate (rate, "peak_bps");

    row (rows, "Rate: average, peak", g_strdup_printf ("%s, %s", avg, peak));
  }
  return rows;
}
