/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The throughput charts of a report, drawn once through a small canvas interface that the
 * HTML renderer turns into SVG and the PDF renderer into cairo calls. The samples are the
 * session's rate history, the one the console's graph draws, and the chart follows the
 * graph's rules: the same colours, Mbit/s on a 1-2-5 scale, elapsed time on the x axis, and
 * beyond two samples per point, one averaged point per column. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "shoal-report-private.h"

#define MIN_SPAN     10.0      /* seconds: a short session still gets a readable axis */
#define LEGEND_MAX   12
#define AXIS_SIZE    7.5
#define LEGEND_SIZE  8.0
#define TEXT_COLOUR  "#3d3846"
#define GRID_COLOUR  "#deddda"

/* The console graph's palette (ui/shoal-graph.c): sender blue, repair orange, then the
 * clients in join order. */
static const char *const palette[] = {
  "#3584e4", "#e66100",
  "#2ec27e", "#c061cb", "#e5a50a", "#00b3b3", "#e01b24", "#a1785c", "#99c1f1", "#57e389",
  "#dc8add", "#f6d32d", "#77767b", "#ff7800",
};

typedef struct
{
  const char *kind;
  const char *label;
  JsonArray  *samples;
  const char *colour;
  double      width;
} Series;

const char *
shoal_report_chart_title (ShoalChartKind kind)
{
  return kind == SHOAL_CHART_SENDER ? "Sender: data and repair" : "Clients: receive rate";
}

static gboolean
wanted (ShoalChartKind chart, const char *kind)
{
  if (chart == SHOAL_CHART_SENDER)
    return g_strcmp0 (kind, "sent") == 0 || g_strcmp0 (kind, "repair") == 0;
  return g_strcmp0 (kind, "client") == 0 || g_str_has_prefix (kind ? kind : "", "clients-");
}

static GArray *
collect (JsonObject *report, ShoalChartKind chart)
{
  JsonArray *all = shoal_report_arr (shoal_report_obj (report, "rates"), "series");
  GArray *out = g_array_new (FALSE, TRUE, sizeof (Series));
  guint n_clients = 0;

  for (guint i = 0; all != NULL && i < json_array_get_length (all); i++)
    {
      JsonObject *o = json_array_get_object_element (all, i);
      const char *kind = shoal_report_str (o, "kind");
      Series s = { 0 };

      if (o == NULL || !wanted (chart, kind))
        continue;
      s.kind = kind;
      s.label = shoal_report_str (o, "label") ? shoal_report_str (o, "label") : kind;
      s.samples = shoal_report_arr (o, "samples");
      if (g_str_equal (kind, "sent"))
        s.colour = palette[0], s.width = 2.0;
      else if (g_str_equal (kind, "repair"))
        s.colour = palette[1], s.width = 2.0;
      else if (g_str_equal (kind, "client"))
        s.colour = palette[2 + n_clients++ % (G_N_ELEMENTS (palette) - 2)], s.width = 1.2;
      else if (g_str_equal (kind, "clients-mean"))
        s.colour = palette[2], s.width = 2.0;
      else
        s.colour = palette[2], s.width = 0.8;
      g_array_append_val (out, s);
    }
  return out;
}

gboolean
shoal_report_chart_has_data (JsonObject     *report,
                             ShoalChartKind  kind)
{
  g_autoptr(GArray) series = collect (report, kind);

  for (guint i = 0; i < series->len; i++)
    {
      JsonArray *s = g_array_index (series, Series, i).samples;

      if (s != NULL && json_array_get_length (s) > 0)
        return TRUE;
    }
  return FALSE;
}

static double
sample_t (JsonArray *samples, guint i)
{
  return json_node_get_double (json_array_get_element (json_array_get_array_element (samples, i),
                                                       0));
}

static double
sample_v (JsonArray *samples, guint i)
{
  return json_node_get_double (json_array_get_element (json_array_get_array_element (samples, i),
                                                       1));
}

/* 1, 2 or 5 times a power of ten, at least @raw. */
static double
nice_step (double raw)
{
  double p = pow (10, floor (log10 (raw)));
  double f = raw / p;

  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static double
time_step (double span, int max_ticks)
{
  static const int steps[] = { 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200 };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (span / steps[i] <= max_ticks)
      return steps[i];
  return 4 * 3600;
}

static char *
axis_rate (double bps, double step)
{
  if (step >= 1e9 || bps >= 1e10)
    return g_strdup_printf ("%.*f G", step >= 1e9 ? 0 : 1, bps / 1e9);
  if (step >= 1e6)
    return g_strdup_printf ("%.0f", bps / 1e6);
  return g_strdup_printf ("%.1f", bps / 1e6);
}

static char *
axis_time (double seconds)
{
  gint64 s = (gint64) (seconds + 0.5);

  if (s >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", s / 3600, (int) (s / 60 % 60),
                            (int) (s % 60));
  return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
}

/* Good enough for laying out labels in a sans font when the canvas cannot measure. */
static double
measure (const ShoalChartCanvas *canvas, gpointer data, const char *text, double size)
{
  if (canvas->measure != NULL)
    return canvas->measure (data, text, size);
  return g_utf8_strlen (text, -1) * size * 0.62;
}

/* The points of one series in plot coordinates: every sample, or one averaged point per
 * column of the plot when there are more than two samples per point of width. */
static GArray *
points (JsonArray *samples, double t0, double t1, double ymax, double pw, double ph)
{
  GArray *xy = g_array_new (FALSE, FALSE, sizeof (double));
  guint n = samples ? json_array_get_length (samples) : 0;
  gboolean decimate = n > 2 * pw;
  double sum = 0;
  guint count = 0;
  int column = G_MININT;

  for (guint i = 0; i <= n; i++)
    {
      double x = 0, v = 0, y;
      int col = G_MAXINT;

      if (i < n)
        {
          x = (sample_t (samples, i) - t0) / (t1 - t0) * pw;
          v = sample_v (samples, i);
          col = (int) floor (x);
        }
      if (decimate)
        {
          if (col == column || column == G_MININT)
            {
              column = col;
              sum += v;
              count++;
              continue;
            }
          if (count > 0)
            {
              double px = column + 0.5;
              double py = ph - MIN (sum / count, ymax) / ymax * ph;

              g_array_append_val (xy, px);
              g_array_append_val (xy, py);
            }
          column = col;
          sum = v;
          count = 1;
          continue;
        }
      if (i == n)
        break;
      y = ph - MIN (v, ymax) / ymax * ph;
      g_array_append_val (xy, x);
      g_array_append_val (xy, y);
    }
  return xy;
}

void
shoal_report_chart_draw (JsonObject             *report,
                         ShoalChartKind          kind,
                         double                  width,
                         double                  height,
                         const ShoalChartCanvas *canvas,
                         gpointer                data)
{
  g_autoptr(GArray) series = collect (report, kind);
  double t0 = G_MAXDOUBLE, tlast = 0, t1, ymax = 0, ystep, xstep;
  double legend_h = 0, axis_w = 0, left, top, right, bottom, pw, ph;
  const double line_h = LEGEND_SIZE + 4;
  Series *mean = NULL, *lo = NULL, *hi = NULL;
  guint shown = 0, hidden = 0;

  for (guint i = 0; i < series->len; i++)
    {
      Series *s = &g_array_index (series, Series, i);
      guint n = s->samples ? json_array_get_length (s->samples) : 0;

      if (n > 0)
        {
          t0 = MIN (t0, sample_t (s->samples, 0));
          tlast = MAX (tlast, sample_t (s->samples, n - 1));
        }
      for (guint k = 0; k < n; k++)
        ymax = MAX (ymax, sample_v (s->samples, k));
      if (g_str_equal (s->kind, "clients-mean"))
        mean = s;
      else if (g_str_equal (s->kind, "clients-min"))
        lo = s;
      else if (g_str_equal (s->kind, "clients-max"))
        hi = s;
    }
  if (t0 == G_MAXDOUBLE)
    {
      const char *msg = "No throughput samples";
      canvas->text (data, width / 2, height / 2, msg, SHOAL_CHART_ALIGN_MIDDLE, LEGEND_SIZE,
                    TEXT_COLOUR);
      return;
    }
  /* Time runs from the first sample of the session, whichever series it belongs to. */
  t0 = MIN (t0, 0);
  t1 = MAX (tlast, t0 + MIN_SPAN);

  /* Legend rows from the top, as the console's graph lays them out. */
  {
    double x = 0, y = 0;

    for (guint i = 0; i < series->len; i++)
      {
        Series *s = &g_array_index (series, Series, i);
        double w = 14 + measure (canvas, data, s->label, LEGEND_SIZE) + 10;

        if (s == lo || s == hi)
          continue;
        if (shown >= LEGEND_MAX)
          {
            hidden++;
            continue;
          }
        if (x > 0 && x + w > width)
          {
            x = 0;
            y += line_h;
          }
        canvas->swatch (data, x, y + line_h / 2 - 1.5, 10, 3, s->colour);
        canvas->text (data, x + 14, y + LEGEND_SIZE, s->label, SHOAL_CHART_ALIGN_START,
                      LEGEND_SIZE, TEXT_COLOUR);
        x += w;
        shown++;
      }
    if (lo != NULL && hi != NULL)
      {
        const char *label = "range of clients (slowest to fastest)";
        double w = 14 + measure (canvas, data, label, LEGEND_SIZE);

        if (x > 0 && x + w > width)
          {
            x = 0;
            y += line_h;
          }
        canvas->swatch (data, x, y + 2, 10, line_h - 5, "#b5e8cf");
        canvas->text (data, x + 14, y + LEGEND_SIZE, label, SHOAL_CHART_ALIGN_START,
                      LEGEND_SIZE, TEXT_COLOUR);
        x += w + 10;
      }
    if (hidden > 0)
      {
        g_autofree char *more = g_strdup_printf ("+%u more clients", hidden);

        if (x > 0 && x + measure (canvas, data, more, LEGEND_SIZE) > width)
          {
            x = 0;
            y += line_h;
          }
        canvas->text (data, x, y + LEGEND_SIZE, more, SHOAL_CHART_ALIGN_START, LEGEND_SIZE,
                      TEXT_COLOUR);
      }
    legend_h = y + line_h + 2;
  }

  ystep = nice_step (MAX (ymax, 1e6) / 4);
  ymax = ystep * ceil (MAX (ymax, 1e6) * 1.05 / ystep);
  for (double v = 0; v <= ymax + ystep / 2; v += ystep)
    {
      g_autofree char *label = axis_rate (v, ystep);
      axis_w = MAX (axis_w, measure (canvas, data, label, AXIS_SIZE));
    }
  left = axis_w + 6;
  top = legend_h + AXIS_SIZE + 8;
  right = width - 4;
  bottom = height - AXIS_SIZE - 6;
  pw = MAX (right - left, 1);
  ph = MAX (bottom - top, 1);

  /* The unit beside the top of the rate axis, clear of its labels. */
  canvas->text (data, left + 4, top - 3, "Mbit/s", SHOAL_CHART_ALIGN_START, AXIS_SIZE,
                TEXT_COLOUR);
  for (double v = 0; v <= ymax + ystep / 2; v += ystep)
    {
      g_autofree char *label = axis_rate (v, ystep);
      double y = bottom - v / ymax * ph;

      canvas->line (data, left, y, right, y, GRID_COLOUR, 0.5);
      canvas->text (data, axis_w, y + AXIS_SIZE / 2 - 1, label, SHOAL_CHART_ALIGN_END,
                    AXIS_SIZE, TEXT_COLOUR);
    }
  xstep = time_step (t1 - t0, MAX (2, (int) (pw / 60)));
  for (double e = ceil (t0 / xstep) * xstep; e <= t1 + 1e-9; e += xstep)
    {
      g_autofree char *label = axis_time (e);
      double x = left + (e - t0) / (t1 - t0) * pw;

      canvas->line (data, x, top, x, bottom, GRID_COLOUR, 0.5);
      if (x + measure (canvas, data, label, AXIS_SIZE) / 2 <= width)
        canvas->text (data, x, height - 1, label, SHOAL_CHART_ALIGN_MIDDLE, AXIS_SIZE,
                      TEXT_COLOUR);
    }
  canvas->line (data, left, bottom, right, bottom, TEXT_COLOUR, 0.8);
  canvas->line (data, left, top, left, bottom, TEXT_COLOUR, 0.8);

  if (lo != NULL && hi != NULL)
    {
      g_autoptr(GArray) up = points (hi->samples, t0, t1, ymax, pw, ph);
      g_autoptr(GArray) down = points (lo->samples, t0, t1, ymax, pw, ph);
      guint n = MIN (up->len, down->len) / 2;

      for (guint i = 0; i < up->len; i += 2)
        {
          g_array_index (up, double, i) += left;
          g_array_index (up, double, i + 1) += top;
        }
      for (guint i = 0; i < down->len; i += 2)
        {
          g_array_index (down, double, i) += left;
          g_array_index (down, double, i + 1) += top;
        }
      if (n > 0)
        canvas->band (data, (double *) up->data, (double *) down->data, n, palette[2], 0.3);
    }
  /* Clients first, the sender's curves (or the clients' mean) on top. */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < series->len; i++)
      {
        Series *s = &g_array_index (series, Series, i);
        gboolean on_top = s == mean || !g_str_has_prefix (s->kind, "client");
        g_autoptr(GArray) xy = NULL;

        if (on_top != (pass == 1) || s == lo || s == hi)
          continue;
        xy = points (s->samples, t0, t1, ymax, pw, ph);
        for (guint k = 0; k < xy->len; k += 2)
          {
            g_array_index (xy, double, k) += left;
            g_array_index (xy, double, k + 1) += top;
          }
        if (xy->len >= 2)
          canvas->polyline (data, (double *) xy->data, xy->len / 2, s->colour, s->width);
      }
}
