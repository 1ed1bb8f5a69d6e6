/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The live throughput graph, drawn in snapshot(): grid and text as render nodes, curves with
 * cairo (GskPathBuilder is GTK 4.14+). The drawing cost is bounded by the plot's width, not
 * by the history: beyond one sample every two pixels, samples are averaged per column. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "shoal-format.h"
#include "shoal-graph.h"

#define MIN_SPAN      (30 * G_USEC_PER_SEC)
#define LEGEND_MAX    12
#define MAX_LINES     12      /* more clients than this, none selected: a band, not lines */
#define PAD           8

struct _ShoalGraph
{
  GtkWidget parent_instance;

  ShoalRateHistory *history;
  gulong            changed_id;
  GArray           *visible;          /* guint32 client ids; empty: every client */
  gboolean          band;             /* this frame draws the clients as a band */
  gint64            last_draw_time;   /* us spent in the last snapshot() */
};

/* Per two-pixel column, over every client: for the band. */
typedef struct
{
  double min, max, sum;
  guint  n;
} Column;

G_DEFINE_FINAL_TYPE (ShoalGraph, shoal_graph, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_HISTORY, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* Sender blue and repair orange stand apart from the client colours, which follow in
 * join order; all stay readable on light and dark backgrounds. */
static const char *const palette[] = {
  "#3584e4", "#e66100",
  "#2ec27e", "#c061cb", "#e5a50a", "#00b3b3", "#e01b24", "#a1785c", "#99c1f1", "#57e389",
  "#dc8add", "#f6d32d", "#77767b", "#ff7800",
};

static GdkRGBA
series_colour (guint index)
{
  GdkRGBA c;
  guint n_clients = G_N_ELEMENTS (palette) - 2;

  gdk_rgba_parse (&c, index < 2 ? palette[index] : palette[2 + (index - 2) % n_clients]);
  return c;
}

static gboolean
series_visible (ShoalGraph *self, const ShoalRateSeries *s)
{
  if (s->kind != SHOAL_SERIES_CLIENT)
    return TRUE;
  if (self->visible->len == 0)
    return !self->band;
  for (guint i = 0; i < self->visible->len; i++)
    if (g_array_index (self->visible, guint32, i) == s->client_id)
      return TRUE;
  return FALSE;
}

/* 1, 2 or 5 times a power of ten, at least @raw. */
static double
nice_step (double raw)
{
  double p = pow (10, floor (log10 (raw)));
  double f = raw / p;

  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

static gint64
time_step (gint64 span_us, int max_ticks)
{
  static const gint64 steps[] = { 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200 };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    if (span_us / (steps[i] * G_USEC_PER_SEC) <= max_ticks)
      return steps[i] * G_USEC_PER_SEC;
  return (gint64) 4 * 3600 * G_USEC_PER_SEC;
}

static void
draw_text (GtkSnapshot *snapshot, PangoLayout *layout, const char *text, float x, float y,
           const GdkRGBA *colour)
{
  pango_layout_set_text (layout, text, -1);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (x, y));
  gtk_snapshot_append_layout (snapshot, layout, colour);
  gtk_snapshot_restore (snapshot);
}

static int
text_width (PangoLayout *layout, const char *text)
{
  int w;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, NULL);
  return w;
}

/* Lays the legend out in rows from the top; returns its height. */
static int
draw_legend (ShoalGraph *self, GtkSnapshot *snapshot, PangoLayout *layout, int width,
             int line_h, const GdkRGBA *fg)
{
  guint n = shoal_rate_history_get_n_series (self->history);
  int x = 0, y = 0, shown = 0, hidden = 0;

  for (guint i = 0; i < n; i++)
    {
      const ShoalRateSeries *s = shoal_rate_history_get_series (self->history, i);
      GdkRGBA c = series_colour (s->colour);
      int w;

      if (!series_visible (self, s))
        continue;
      if (shown >= LEGEND_MAX)
        {
          hidden++;
          continue;
        }
      w = 18 + text_width (layout, s->label) + 14;
      if (x > 0 && x + w > width)
        {
          x = 0;
          y += line_h;
        }
      gtk_snapshot_append_color (snapshot, &c,
                                 &GRAPHENE_RECT_INIT (x, y + line_h / 2 - 2, 14, 4));
      draw_text (snapshot, layout, s->label, x + 18, y, fg);
      x += w;
      shown++;
    }
  if (self->band)
    {
      g_autofree char *label = g_strdup_printf (_("clients: range and mean (select rows for "
                                                  "single clients)"));
      GdkRGBA c = series_colour (2);
      int w = 18 + text_width (layout, label);

      if (x > 0 && x + w > width)
        {
          x = 0;
          y += line_h;
        }
      c.alpha = 0.35f;
      gtk_snapshot_append_color (snapshot, &c, &GRAPHENE_RECT_INIT (x, y + 2, 14, line_h - 4));
      c.alpha = 1;
      gtk_snapshot_append_color (snapshot, &c,
                                 &GRAPHENE_RECT_INIT (x, y + line_h / 2 - 1, 14, 2));
      draw_text (snapshot, layout, label, x + 18, y, fg);
      shown++;
    }
  if (hidden > 0)
    {
      g_autofree char *more = g_strdup_printf (_("+%d more (select clients to pick)"), hidden);

      if (x > 0 && x + text_width (layout, more) > width)
        {
          x = 0;
          y += line_h;
        }
      draw_text (snapshot, layout, more, x, y, fg);
    }
  return shown > 0 || hidden > 0 ? y + line_h : 0;
}

/* Adds a point to the curve being drawn. Strokes every few dozen segments: cairo's stroker
 * gets much slower as one path grows and crosses itself, and a rate curve is a long
 * zigzag. */
typedef struct
{
  cairo_t *cr;
  guint    n;
  double   x, y;
} Pen;

#define PEN_CHUNK 48

static void
pen_to (Pen *pen, double x, double y)
{
  if (pen->n == 0)
    cairo_move_to (pen->cr, x, y);
  else
    cairo_line_to (pen->cr, x, y);
  if (++pen->n % PEN_CHUNK == 0)
    {
      cairo_stroke (pen->cr);
      cairo_move_to (pen->cr, x, y);
    }
  pen->x = x;
  pen->y = y;
}

static void
draw_series (cairo_t *cr, const ShoalRateSeries *s, gint64 t0, gint64 t1, double ymax,
             double pw, double ph)
{
  const ShoalSampleRing *ring = s->ring;
  guint len = shoal_sample_ring_get_length (ring);
  guint first = shoal_sample_ring_find (ring, t0);
  double span = (double) (t1 - t0);
  Pen pen = { cr, 0, 0, 0 };
  int bucket = G_MININT;
  double sum = 0;
  guint count = 0;

  /* One sample before the window, so the curve enters from the left edge. */
  if (first > 0)
    first--;
  /* Beyond one sample every two pixels, average per two-pixel column: what the eye can
   * see, at a cost bounded by the width instead of the history. */
  if ((len - first) <= pw / 2)
    {
      for (guint i = first; i < len; i++)
        {
          const ShoalSample *smp = shoal_sample_ring_get (ring, i);
          pen_to (&pen, (smp->time - t0) / span * pw, ph - MIN (smp->value, ymax) / ymax * ph);
        }
    }
  else
    for (guint i = first; i <= len; i++)
      {
        const ShoalSample *smp = i < len ? shoal_sample_ring_get (ring, i) : NULL;
        int col = smp ? (int) floor ((smp->time - t0) / span * pw / 2) : G_MAXINT;

        if (smp != NULL && (col == bucket || bucket == G_MININT))
          {
            bucket = col;
            sum += smp->value;
            count++;
            continue;
          }
        if (count > 0)
          pen_to (&pen, bucket * 2 + 1, ph - MIN (sum / count, ymax) / ymax * ph);
        bucket = col;
        sum = smp ? smp->value : 0;
        count = smp ? 1 : 0;
      }
  if (pen.n % PEN_CHUNK != 0)
    cairo_stroke (cr);
  else
    cairo_new_path (cr);
}

/* The clients' spread per two-pixel column: a filled band from the slowest to the fastest
 * and a line through the mean. Its cost grows with the samples in view, not with lines to
 * stroke, so fifty clients draw as fast as five. */
static void
draw_band (ShoalGraph *self, cairo_t *cr, gint64 t0, gint64 t1, double ymax, double pw,
           double ph)
{
  guint n_cols = (guint) ceil (pw / 2) + 1;
  g_autofree Column *cols = g_new0 (Column, n_cols);
  double span = (double) (t1 - t0);
  GdkRGBA c = series_colour (2);
  Pen pen = { cr, 0, 0, 0 };
  gboolean started = FALSE;

  for (guint i = 0; i < shoal_rate_history_get_n_series (self->history); i++)
    {
      const ShoalRateSeries *s = shoal_rate_history_get_series (self->history, i);
      guint len = shoal_sample_ring_get_length (s->ring);

      if (s->kind != SHOAL_SERIES_CLIENT)
        continue;
      for (guint j = shoal_sample_ring_find (s->ring, t0); j < len; j++)
        {
          const ShoalSample *smp = shoal_sample_ring_get (s->ring, j);
          guint col = (guint) MIN ((smp->time - t0) / span * pw / 2, n_cols - 1);
          Column *k = &cols[col];

          k->min = k->n ? MIN (k->min, smp->value) : smp->value;
          k->max = k->n ? MAX (k->max, smp->value) : smp->value;
          k->sum += smp->value;
          k->n++;
        }
    }
#define Y(v) (ph - MIN ((v), ymax) / ymax * ph)
  for (guint i = 0; i < n_cols; i++)
    if (cols[i].n > 0)
      {
        if (!started)
          cairo_move_to (cr, i * 2 + 1, Y (cols[i].max));
        else
          cairo_line_to (cr, i * 2 + 1, Y (cols[i].max));
        started = TRUE;
      }
  for (guint i = n_cols; i > 0; i--)
    if (cols[i - 1].n > 0)
      cairo_line_to (cr, (i - 1) * 2 + 1, Y (cols[i - 1].min));
  c.alpha = 0.35f;
  gdk_cairo_set_source_rgba (cr, &c);
  cairo_fill (cr);
  /* The mean in a darker shade of the band, so it reads on top of it. */
  c = (GdkRGBA) { c.red * 0.55f, c.green * 0.55f, c.blue * 0.55f, 1 };
  gdk_cairo_set_source_rgba (cr, &c);
  cairo_set_line_width (cr, 1.5);
  for (guint i = 0; i < n_cols; i++)
    if (cols[i].n > 0)
      pen_to (&pen, i * 2 + 1, Y (cols[i].sum / cols[i].n));
  if (pen.n % PEN_CHUNK != 0)
    cairo_stroke (cr);
  else
    cairo_new_path (cr);
#undef Y
}

static void
shoal_graph_snapshot (GtkWidget   *widget,
                      GtkSnapshot *snapshot)
{
  ShoalGraph *self = SHOAL_GRAPH (widget);
  gint64 start_time = g_get_monotonic_time ();
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  GdkRGBA fg, dim, grid;
  int line_h, legend_h = 0, axis_w = 0, left, top, right, bottom;
  gint64 t0, t1, tlast = 0, origin, xstep;
  double ymax = 0, ystep;
  guint n = self->history ? shoal_rate_history_get_n_series (self->history) : 0;
  guint n_clients = 0;
  float pw, ph;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  dim = fg;
  dim.alpha *= 0.7f;
  grid = fg;
  grid.alpha *= 0.15f;
  pango_layout_set_text (layout, "0", -1);
  pango_layout_get_pixel_size (layout, NULL, &line_h);

  if (n == 0 || width < 120 || height < 80)
    {
      const char *msg = _("No throughput samples yet");
      int w = text_width (layout, msg);

      draw_text (snapshot, layout, msg, (width - w) / 2.f, (height - line_h) / 2.f, &dim);
      self->last_draw_time = g_get_monotonic_time () - start_time;
      return;
    }

  for (guint i = 0; i < n; i++)
    n_clients += shoal_rate_history_get_series (self->history, i)->kind == SHOAL_SERIES_CLIENT;
  self->band = n_clients > MAX_LINES && self->visible->len == 0;
  legend_h = draw_legend (self, snapshot, layout, width, line_h, &fg);

  /* The visible window: the whole history, at least a minute. */
  origin = shoal_rate_history_get_origin (self->history);
  t0 = G_MAXINT64;
  for (guint i = 0; i < n; i++)
    {
      const ShoalRateSeries *s = shoal_rate_history_get_series (self->history, i);
      const ShoalSample *last = shoal_sample_ring_get_last (s->ring);

      if (shoal_sample_ring_get_length (s->ring) > 0)
        t0 = MIN (t0, shoal_sample_ring_get (s->ring, 0)->time);
      if (last != NULL)
        tlast = MAX (tlast, last->time);
    }
  t1 = MAX (tlast, t0 + MIN_SPAN);
  for (guint i = 0; i < n; i++)
    {
      const ShoalRateSeries *s = shoal_rate_history_get_series (self->history, i);

      if (series_visible (self, s) || self->band)
        ymax = MAX (ymax, shoal_sample_ring_max_since (s->ring, t0));
    }
  ystep = nice_step (MAX (ymax, 1e6) / 4);
  ymax = ystep * ceil (MAX (ymax, 1e6) * 1.05 / ystep);

  for (double v = 0; v <= ymax + ystep / 2; v += ystep)
    {
      g_autofree char *label = shoal_format_axis_rate (v, ystep);
      axis_w = MAX (axis_w, text_width (layout, label));
    }
  left = axis_w + PAD;
  top = legend_h + line_h + PAD;
  right = width - PAD;
  bottom = height - line_h - PAD / 2;
  pw = MAX (right - left, 1);
  ph = MAX (bottom - top, 1);

  /* Units above the rate axis, and at the end of the time axis. */
  draw_text (snapshot, layout, _("Mbit/s"), 0, legend_h + 2, &dim);

  for (double v = 0; v <= ymax + ystep / 2; v += ystep)
    {
      g_autofree char *label = shoal_format_axis_rate (v, ystep);
      float y = bottom - (float) (v / ymax) * ph;

      gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (left, y, pw, 1));
      draw_text (snapshot, layout, label, axis_w - text_width (layout, label),
                 y - line_h / 2.f, &dim);
    }

  xstep = time_step (t1 - t0, MAX (2, (int) pw / 90));
  for (gint64 e = ((t0 - origin) / xstep + 1) * xstep; origin + e <= t1; e += xstep)
    {
      g_autofree char *label = shoal_format_duration (e / G_USEC_PER_SEC);
      float x = left + (float) ((origin + e - t0) / (double) (t1 - t0)) * pw;
      int w = text_width (layout, label);

      gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (x, top, 1, ph));
      if (x + w / 2.f < right)
        draw_text (snapshot, layout, label, x - w / 2.f, bottom + 2, &dim);
    }
  gtk_snapshot_append_color (snapshot, &dim, &GRAPHENE_RECT_INIT (left, bottom, pw, 1));
  gtk_snapshot_append_color (snapshot, &dim, &GRAPHENE_RECT_INIT (left, top, 1, ph));

  {
    cairo_t *cr = gtk_snapshot_append_cairo (snapshot,
                                             &GRAPHENE_RECT_INIT (left, top - 2, pw, ph + 4));

    cairo_translate (cr, left, top);
    cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
    if (self->band)
      draw_band (self, cr, t0, t1, ymax, pw, ph);
    /* Clients first, the sender's two curves on top. */
    for (int pass = 0; pass < 2; pass++)
      for (guint i = 0; i < n; i++)
        {
          const ShoalRateSeries *s = shoal_rate_history_get_series (self->history, i);
          GdkRGBA c = series_colour (s->colour);

          if (!series_visible (self, s) || (s->kind == SHOAL_SERIES_CLIENT) != (pass == 0))
            continue;
          gdk_cairo_set_source_rgba (cr, &c);
          cairo_set_line_width (cr, s->kind == SHOAL_SERIES_CLIENT ? 1.5 : 2.5);
          draw_series (cr, s, t0, t1, ymax, pw, ph);
        }
    cairo_destroy (cr);
  }
  self->last_draw_time = g_get_monotonic_time () - start_time;
}

static void
shoal_graph_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 160;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 260;
}

static void
on_changed (ShoalRateHistory *history, ShoalGraph *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
shoal_graph_dispose (GObject *object)
{
  shoal_graph_set_history (SHOAL_GRAPH (object), NULL);
  G_OBJECT_CLASS (shoal_graph_parent_class)->dispose (object);
}

static void
shoal_graph_finalize (GObject *object)
{
  g_array_unref (SHOAL_GRAPH (object)->visible);
  G_OBJECT_CLASS (shoal_graph_parent_class)->finalize (object);
}

static void
shoal_graph_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_HISTORY: g_value_set_object (value, SHOAL_GRAPH (object)->history); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_graph_set_property (GObject *object, guint prop_id, const GValue *value,
                          GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_HISTORY: shoal_graph_set_history (SHOAL_GRAPH (object), g_value_get_object (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_graph_class_init (ShoalGraphClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_graph_dispose;
  object_class->finalize = shoal_graph_finalize;
  object_class->get_property = shoal_graph_get_property;
  object_class->set_property = shoal_graph_set_property;
  widget_class->snapshot = shoal_graph_snapshot;
  widget_class->measure = shoal_graph_measure;

  properties[PROP_HISTORY] =
    g_param_spec_object ("history", NULL, NULL, SHOAL_TYPE_RATE_HISTORY,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "shoal-graph");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
shoal_graph_init (ShoalGraph *self)
{
  self->visible = g_array_new (FALSE, FALSE, sizeof (guint32));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Throughput graph"), -1);
}

GtkWidget *
shoal_graph_new (void)
{
  return g_object_new (SHOAL_TYPE_GRAPH, NULL);
}

ShoalRateHistory *
shoal_graph_get_history (ShoalGraph *self)
{
  g_return_val_if_fail (SHOAL_IS_GRAPH (self), NULL);
  return self->history;
}

void
shoal_graph_set_history (ShoalGraph       *self,
                         ShoalRateHistory *history)
{
  g_return_if_fail (SHOAL_IS_GRAPH (self));
  g_return_if_fail (history == NULL || SHOAL_IS_RATE_HISTORY (history));

  if (self->history == history)
    return;
  if (self->history != NULL)
    g_clear_signal_handler (&self->changed_id, self->history);
  g_set_object (&self->history, history);
  if (history != NULL)
    self->changed_id = g_signal_connect (history, "changed", G_CALLBACK (on_changed), self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HISTORY]);
}

/* Shows only these clients' curves (the sender's always); none: every client. */
void
shoal_graph_set_visible_clients (ShoalGraph    *self,
                                 const guint32 *ids,
                                 guint          n_ids)
{
  g_return_if_fail (SHOAL_IS_GRAPH (self));

  g_array_set_size (self->visible, 0);
  if (n_ids > 0)
    g_array_append_vals (self->visible, ids, n_ids);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* Microseconds the last snapshot() took, for the frame-time test. */
gint64
shoal_graph_get_last_draw_time (ShoalGraph *self)
{
  g_return_val_if_fail (SHOAL_IS_GRAPH (self), 0);
  return self->last_draw_time;
}
