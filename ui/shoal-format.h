/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How the console writes numbers: rates in Mbit/s, sizes in MiB, fractions in %, durations
 * as h:mm:ss, times of day. Formatting only: every figure comes from a core object. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

char *shoal_format_rate          (guint64      bits_per_second);
char *shoal_format_size          (guint64      bytes);
char *shoal_format_percent       (double       fraction);
char *shoal_format_duration      (gint64       seconds);
char *shoal_format_time_of_day   (gint64       wall_us);
char *shoal_format_axis_rate     (double       bits_per_second,
                                  double       step);
char *shoal_format_session_id    (const char  *package,
                                  const char  *id);
char *shoal_format_session_state (const char  *state,
                                  guint        clients_joined,
                                  guint        min_clients,
                                  guint        max_wait);

/* Registers the helpers as closures ("format_rate", ...) for the class's template and the
 * list item templates inside it. */
void  shoal_format_add_callbacks (GtkWidgetClass *widget_class);

G_END_DECLS
