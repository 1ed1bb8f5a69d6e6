/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How the console writes numbers. Units are binary for sizes (MiB: what disks and images
 * are measured in) and decimal for rates (Mbit/s: what links are sold in). */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "shoal-format.h"

char *
shoal_format_rate (guint64 bps)
{
  if (bps >= 1000000000)
    return g_strdup_printf (_("%.2f Gbit/s"), bps / 1e9);
  if (bps >= 1000000)
    return g_strdup_printf (_("%.1f Mbit/s"), bps / 1e6);
  if (bps > 0)
    return g_strdup_printf (_("%.0f kbit/s"), bps / 1e3);
  return g_strdup (_("0 Mbit/s"));
}

char *
shoal_format_size (guint64 bytes)
{
  if (bytes == 0)
    return g_strdup ("0");
  return g_format_size_full (bytes, G_FORMAT_SIZE_IEC_UNITS);
}

char *
shoal_format_percent (double fraction)
{
  double pct = CLAMP (fraction, 0.0, 1.0) * 100;

  /* Small losses matter: 0.4 % is not 0 %. */
  if (pct > 0 && pct < 10)
    return g_strdup_printf (_("%.1f %%"), pct);
  return g_strdup_printf (_("%.0f %%"), pct);
}

/* h:mm:ss, or m:ss under an hour; an em dash when unknown (negative). */
char *
shoal_format_duration (gint64 seconds)
{
  if (seconds < 0)
    return g_strdup ("—");
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", seconds / 3600,
                            (int) (seconds / 60 % 60), (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

char *
shoal_format_time_of_day (gint64 wall_us)
{
  g_autoptr(GDateTime) dt = NULL;

  if (wall_us <= 0)
    return g_strdup ("—");
  dt = g_date_time_new_from_unix_local (wall_us / G_USEC_PER_SEC);
  return dt ? g_date_time_format (dt, "%H:%M:%S") : g_strdup ("—");
}

/* An axis label: as many decimals as the step between labels needs. */
char *
shoal_format_axis_rate (double bps,
                        double step)
{
  if (step >= 1e9 || bps >= 1e10)
    return g_strdup_printf ("%.*f G", step >= 1e9 ? 0 : 1, bps / 1e9);
  if (step >= 1e6)
    return g_strdup_printf ("%.0f", bps / 1e6);
  return g_strdup_printf ("%.1f", bps / 1e6);
}

/* What a session is doing, with its start rule while it waits. */
char *
shoal_format_session_state (const char *state,
                            guint       joined,
                            guint       min_clients,
                            guint       max_wait)
{
  if (g_strcmp0 (state, "waiting") != 0)
    return g_strdup (state ? state : "");
  if (min_clients > 0 && max_wait > 0)
    return g_strdup_printf (_("waiting: %u of %u clients, or %u s after the first"),
                            joined, min_clients, max_wait);
  if (min_clients > 0)
    return g_strdup_printf (_("waiting: %u of %u clients"), joined, min_clients);
  if (max_wait > 0)
    return g_strdup_printf (_("waiting: %u s after the first client"), max_wait);
  return g_strdup (_("waiting for the first client"));
}

/* A session's id without its package's name in front, as the distribution point service
 * makes them ("win11-20261122T044039-b35c"): the package has a column of its own. */
char *
shoal_format_session_id (const char *package,
                         const char *id)
{
  gsize n = package ? strlen (package) : 0;

  if (id == NULL)
    return g_strdup ("");
  if (n > 0 && strncmp (id, package, n) == 0 && id[n] == '-' && id[n + 1] != '\0')
    return g_strdup (id + n + 1);
  return g_strdup (id);
}

static char *
session_id_cb (gpointer this, const char *package, const char *id)
{
  return shoal_format_session_id (package, id);
}

static char *
rate_cb (gpointer this, guint64 bps)
{
  return shoal_format_rate (bps);
}

static char *
size_cb (gpointer this, guint64 bytes)
{
  return shoal_format_size (bytes);
}

static char *
percent_cb (gpointer this, double fraction)
{
  return shoal_format_percent (fraction);
}

static char *
duration_cb (gpointer this, gint64 seconds)
{
  return shoal_format_duration (seconds);
}

static char *
time_cb (gpointer this, gint64 wall_us)
{
  return shoal_format_time_of_day (wall_us);
}

static char *
count_cb (gpointer this, guint n)
{
  return g_strdup_printf ("%u", n);
}

static char *
yes_no_cb (gpointer this, gboolean value)
{
  return g_strdup (value ? _("multicast only") : _("multicast, HTTP repair"));
}

static char *
or_dash_cb (gpointer this, const char *text)
{
  return g_strdup (text != NULL && *text ? text : "—");
}

void
shoal_format_add_callbacks (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback_full (widget_class, "format_rate",
                                                G_CALLBACK (rate_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "format_size",
                                                G_CALLBACK (size_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "format_percent",
                                                G_CALLBACK (percent_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "format_duration",
                                                G_CALLBACK (duration_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "format_time",
                                                G_CALLBACK (time_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "format_count",
                                                G_CALLBACK (count_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "format_multicast",
                                                G_CALLBACK (yes_no_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "or_dash",
                                                G_CALLBACK (or_dash_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "format_session_id",
                                                G_CALLBACK (session_id_cb));
}
