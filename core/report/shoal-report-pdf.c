/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The PDF report, drawn with cairo and laid out with Pango on A4 or Letter: the summary,
 * the same two charts as the HTML report, the client table (its header repeated on every
 * page), failures with their decoded meaning and remedy, the events and the preflight. */
#include "config.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <string.h>

#include "shoal-report-private.h"

#define MARGIN     42.0
#define FOOTER_H   18.0
#define BODY_SIZE  9.0
#define SMALL_SIZE 7.6
#define HEAD_SIZE  12.5
#define TITLE_SIZE 19.0
#define ROW_PAD    2.0
#define CHART_H    130.0

typedef struct
{
  cairo_surface_t *surface;
  cairo_t         *cr;
  PangoLayout     *layout;
  PangoLayout     *footer_layout;
  double           page_w, page_h, content_w;
  double           y;
  guint            page;
  char            *footer;
} Pdf;

typedef struct
{
  const char *title;
  double      width;       /* share of the content width */
  gboolean    right;
} Column;

static cairo_status_t
write_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* Pango wants valid UTF-8 and would draw control characters as boxes of hex. */
static char *
clean (const char *text)
{
  char *s = g_utf8_make_valid (text ? text : "—", -1);

  for (char *p = s; *p; p++)
    if (((guchar) *p < 0x20 && *p != '\n') || *p == 0x7f)
      *p = '?';
  return s;
}

/* Pango's sizes in PDF points: its cairo font map assumes 96 dpi otherwise. */
static PangoLayout *
new_layout (cairo_t *cr)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);

  pango_cairo_context_set_resolution (pango_layout_get_context (layout), 72);
  pango_layout_context_changed (layout);
  return layout;
}

static void
set_rgb (cairo_t *cr, const char *hex, double alpha)
{
  guint v = (guint) g_ascii_strtoull (hex + 1, NULL, 16);

  cairo_set_source_rgba (cr, ((v >> 16) & 0xff) / 255.0, ((v >> 8) & 0xff) / 255.0,
                         (v & 0xff) / 255.0, alpha);
}

static void
font (Pdf *pdf, double size, gboolean bold)
{
  PangoFontDescription *d = pango_font_description_from_string ("DejaVu Sans");

  pango_font_description_set_size (d, (int) (size * PANGO_SCALE));
  pango_font_description_set_weight (d, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (pdf->layout, d);
  pango_font_description_free (d);
}

/* Lays @text out in @width points and returns its height; draws it at (@x, @y) if @draw. */
static double
text (Pdf *pdf, double x, double y, double width, const char *str, gboolean right,
      gboolean draw)
{
  g_autofree char *s = clean (str);
  int h;

  pango_layout_set_width (pdf->layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (pdf->layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (pdf->layout, right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
  pango_layout_set_text (pdf->layout, s, -1);
  pango_layout_get_size (pdf->layout, NULL, &h);
  if (draw)
    {
      cairo_move_to (pdf->cr, x, y);
      pango_cairo_show_layout (pdf->cr, pdf->layout);
    }
  return (double) h / PANGO_SCALE;
}

/* With a layout of its own: a page break in the middle of drawing something keeps that
 * something's font. */
static void
footer (Pdf *pdf)
{
  g_autofree char *page = g_strdup_printf ("page %u", pdf->page);
  g_autofree char *line = clean (pdf->footer);
  PangoLayout *l = pdf->footer_layout;

  set_rgb (pdf->cr, "#77767b", 1);
  pango_layout_set_width (l, (int) (pdf->content_w * 0.8 * PANGO_SCALE));
  pango_layout_set_ellipsize (l, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (l, PANGO_ALIGN_LEFT);
  pango_layout_set_text (l, line, -1);
  cairo_move_to (pdf->cr, MARGIN, pdf->page_h - MARGIN + 6);
  pango_cairo_show_layout (pdf->cr, l);
  pango_layout_set_width (l, (int) (pdf->content_w * PANGO_SCALE));
  pango_layout_set_alignment (l, PANGO_ALIGN_RIGHT);
  pango_layout_set_text (l, page, -1);
  cairo_move_to (pdf->cr, MARGIN, pdf->page_h - MARGIN + 6);
  pango_cairo_show_layout (pdf->cr, l);
}

static void
new_page (Pdf *pdf)
{
  if (pdf->page > 0)
    {
      footer (pdf);
      cairo_show_page (pdf->cr);
    }
  pdf->page++;
  pdf->y = MARGIN;
}

/* Starts a new page unless @h more points fit on this one. */
static gboolean
ensure (Pdf *pdf, double h)
{
  if (pdf->y + h <= pdf->page_h - MARGIN - FOOTER_H)
    return FALSE;
  new_page (pdf);
  return TRUE;
}

static void
heading (Pdf *pdf, const char *title, double size, double min_after)
{
  double h;

  font (pdf, size, TRUE);
  h = text (pdf, 0, 0, pdf->content_w, title, FALSE, FALSE);
  ensure (pdf, h + 8 + min_after);
  pdf->y += 6;
  set_rgb (pdf->cr, "#241f31", 1);
  text (pdf, MARGIN, pdf->y, pdf->content_w, title, FALSE, TRUE);
  pdf->y += h + 1;
  set_rgb (pdf->cr, "#c0bfbc", 1);
  cairo_set_line_width (pdf->cr, 0.6);
  cairo_move_to (pdf->cr, MARGIN, pdf->y);
  cairo_line_to (pdf->cr, MARGIN + pdf->content_w, pdf->y);
  cairo_stroke (pdf->cr);
  pdf->y += 4;
}

/* ---- cairo canvas for the charts --------------------------------------------------------- */

static void
cr_line (gpointer data, double x0, double y0, double x1, double y1, const char *colour,
         double width)
{
  Pdf *pdf = data;

  set_rgb (pdf->cr, colour, 1);
  cairo_set_line_width (pdf->cr, width);
  cairo_move_to (pdf->cr, x0, y0);
  cairo_line_to (pdf->cr, x1, y1);
  cairo_stroke (pdf->cr);
}

static void
cr_polyline (gpointer data, const double *xy, guint n, const char *colour, double width)
{
  Pdf *pdf = data;

  set_rgb (pdf->cr, colour, 1);
  cairo_set_line_width (pdf->cr, width);
  cairo_set_line_join (pdf->cr, CAIRO_LINE_JOIN_ROUND);
  cairo_move_to (pdf->cr, xy[0], xy[1]);
  for (guint i = 1; i < n; i++)
    cairo_line_to (pdf->cr, xy[2 * i], xy[2 * i + 1]);
  cairo_stroke (pdf->cr);
}

static void
cr_band (gpointer data, const double *upper, const double *lower, guint n, const char *colour,
         double opacity)
{
  Pdf *pdf = data;

  set_rgb (pdf->cr, colour, opacity);
  cairo_move_to (pdf->cr, upper[0], upper[1]);
  for (guint i = 1; i < n; i++)
    cairo_line_to (pdf->cr, upper[2 * i], upper[2 * i + 1]);
  for (guint i = n; i-- > 0; )
    cairo_line_to (pdf->cr, lower[2 * i], lower[2 * i + 1]);
  cairo_close_path (pdf->cr);
  cairo_fill (pdf->cr);
}

/* (@x, @y) is the baseline's anchor, as in SVG. */
static void
cr_text (gpointer data, double x, double y, const char *str, ShoalChartAlign align,
         double size, const char *colour)
{
  Pdf *pdf = data;
  g_autofree char *s = clean (str);
  int w;
  double baseline;

  font (pdf, size, FALSE);
  pango_layout_set_width (pdf->layout, -1);
  pango_layout_set_alignment (pdf->layout, PANGO_ALIGN_LEFT);
  pango_layout_set_text (pdf->layout, s, -1);
  pango_layout_get_size (pdf->layout, &w, NULL);
  baseline = (double) pango_layout_get_baseline (pdf->layout) / PANGO_SCALE;
  if (align == SHOAL_CHART_ALIGN_MIDDLE)
    x -= (double) w / PANGO_SCALE / 2;
  else if (align == SHOAL_CHART_ALIGN_END)
    x -= (double) w / PANGO_SCALE;
  set_rgb (pdf->cr, colour, 1);
  cairo_move_to (pdf->cr, x, y - baseline);
  pango_cairo_show_layout (pdf->cr, pdf->layout);
}

static void
cr_swatch (gpointer data, double x, double y, double w, double h, const char *colour)
{
  Pdf *pdf = data;

  set_rgb (pdf->cr, colour, 1);
  cairo_rectangle (pdf->cr, x, y, w, h);
  cairo_fill (pdf->cr);
}

static double
cr_measure (gpointer data, const char *str, double size)
{
  Pdf *pdf = data;
  g_autofree char *s = clean (str);
  int w;

  font (pdf, size, FALSE);
  pango_layout_set_width (pdf->layout, -1);
  pango_layout_set_text (pdf->layout, s, -1);
  pango_layout_get_size (pdf->layout, &w, NULL);
  return (double) w / PANGO_SCALE;
}

static const ShoalChartCanvas cairo_canvas = {
  cr_line, cr_polyline, cr_band, cr_text, cr_swatch, cr_measure,
};

static void
chart (Pdf *pdf, JsonObject *report, ShoalChartKind kind)
{
  ensure (pdf, CHART_H + 20);
  font (pdf, BODY_SIZE, TRUE);
  set_rgb (pdf->cr, "#241f31", 1);
  pdf->y += text (pdf, MARGIN, pdf->y, pdf->content_w, shoal_report_chart_title (kind), FALSE,
                  TRUE) + 2;
  cairo_save (pdf->cr);
  cairo_translate (pdf->cr, MARGIN, pdf->y);
  shoal_report_chart_draw (report, kind, pdf->content_w, CHART_H, &cairo_canvas, pdf);
  cairo_restore (pdf->cr);
  pdf->y += CHART_H + 6;
}

/* ---- tables ------------------------------------------------------------------------------ */

#define MAX_COLUMNS 9

/* One layout per column, so that a row is laid out once: measured, then drawn as is. */
typedef struct
{
  const Column *cols;
  guint         n;
  PangoLayout  *cells[MAX_COLUMNS];
  PangoLayout  *heads[MAX_COLUMNS];
} Table;

static PangoLayout *
column_layout (Pdf *pdf, const Column *col, double size, gboolean bold)
{
  PangoLayout *layout = new_layout (pdf->cr);
  PangoFontDescription *d = pango_font_description_from_string ("DejaVu Sans");

  pango_font_description_set_size (d, (int) (size * PANGO_SCALE));
  pango_font_description_set_weight (d, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description (layout, d);
  pango_font_description_free (d);
  pango_layout_set_width (layout, (int) ((col->width * pdf->content_w - 4) * PANGO_SCALE));
  /* Figures break between words only; names and messages anywhere. */
  pango_layout_set_wrap (layout, col->right ? PANGO_WRAP_WORD : PANGO_WRAP_WORD_CHAR);
  pango_layout_set_alignment (layout, col->right ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
  return layout;
}

static void
table_init (Pdf *pdf, Table *t, const Column *cols, guint n, double size)
{
  g_assert (n <= MAX_COLUMNS);
  t->cols = cols;
  t->n = n;
  for (guint i = 0; i < n; i++)
    {
      t->cells[i] = column_layout (pdf, &cols[i], size, FALSE);
      t->heads[i] = column_layout (pdf, &cols[i], size, TRUE);
      pango_layout_set_text (t->heads[i], cols[i].title, -1);
    }
}

static void
table_clear (Table *t)
{
  for (guint i = 0; i < t->n; i++)
    {
      g_object_unref (t->cells[i]);
      g_object_unref (t->heads[i]);
    }
}

static double
lay_out (Table *t, char **cells)
{
  int h = 0;

  for (guint i = 0; i < t->n; i++)
    {
      g_autofree char *s = clean (cells[i]);
      int ch;

      pango_layout_set_text (t->cells[i], s, -1);
      pango_layout_get_size (t->cells[i], NULL, &ch);
      h = MAX (h, ch);
    }
  return (double) h / PANGO_SCALE + 2 * ROW_PAD;
}

static void
draw_layouts (Pdf *pdf, Table *t, PangoLayout **layouts, double h, const char *fill)
{
  double x = MARGIN;

  if (fill != NULL)
    {
      set_rgb (pdf->cr, fill, 1);
      cairo_rectangle (pdf->cr, MARGIN, pdf->y, pdf->content_w, h);
      cairo_fill (pdf->cr);
    }
  set_rgb (pdf->cr, "#241f31", 1);
  for (guint i = 0; i < t->n; i++)
    {
      cairo_move_to (pdf->cr, x + 2, pdf->y + ROW_PAD);
      pango_cairo_show_layout (pdf->cr, layouts[i]);
      x += t->cols[i].width * pdf->content_w;
    }
  set_rgb (pdf->cr, "#deddda", 1);
  cairo_set_line_width (pdf->cr, 0.4);
  cairo_move_to (pdf->cr, MARGIN, pdf->y + h);
  cairo_line_to (pdf->cr, MARGIN + pdf->content_w, pdf->y + h);
  cairo_stroke (pdf->cr);
  pdf->y += h;
}

static void
table_header (Pdf *pdf, Table *t)
{
  int h = 0;

  for (guint i = 0; i < t->n; i++)
    {
      int ch;

      pango_layout_get_size (t->heads[i], NULL, &ch);
      h = MAX (h, ch);
    }
  draw_layouts (pdf, t, t->heads, (double) h / PANGO_SCALE + 2 * ROW_PAD, "#f6f5f4");
}

/* Draws a row, first moving to a new page (with the header again) if it and @extra more
 * points do not fit. */
static void
table_row (Pdf *pdf, Table *t, char **cells, double extra, const char *fill, gboolean header)
{
  double h = lay_out (t, cells);

  if (ensure (pdf, h + extra) && header)
    table_header (pdf, t);
  draw_layouts (pdf, t, t->cells, h, fill);
}

static char *
event_time (JsonObject *e)
{
  gint64 t = shoal_report_time (e, "time");
  g_autoptr(GDateTime) dt = t ? g_date_time_new_from_unix_utc (t / G_USEC_PER_SEC) : NULL;

  return dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M:%S") : g_strdup ("—");
}

/* Whether @cells fit on this page as a row (laying them out). */
static gboolean
table_row_fits (Pdf *pdf, Table *t, char **cells)
{
  return pdf->y + lay_out (t, cells) <= pdf->page_h - MARGIN - FOOTER_H;
}

static char *
error_text (JsonObject *error)
{
  GString *s = g_string_new (NULL);
  JsonArray *remedies = shoal_report_arr (error, "remedies");
  const char *code = shoal_report_str (error, "code");
  const char *title = shoal_report_str (error, "title");
  const char *meaning = shoal_report_str (error, "meaning");

  if (code != NULL)
    g_string_append_printf (s, "%s%s%s: ", code, title ? " " : "", title ? title : "");
  g_string_append (s, shoal_report_str (error, "text") ? shoal_report_str (error, "text") : "");
  if (meaning != NULL)
    g_string_append_printf (s, "\n%s", meaning);
  for (guint k = 0; remedies != NULL && k < json_array_get_length (remedies); k++)
    g_string_append_printf (s, "\nRemedy: %s", json_array_get_string_element (remedies, k));
  return g_string_free (s, FALSE);
}

static void
clients_table (Pdf *pdf, JsonObject *report)
{
  static const Column cols[] = {
    { "Host", 0.16, FALSE }, { "Address / MAC", 0.13, FALSE }, { "Joined", 0.09, FALSE },
    { "Finished", 0.09, FALSE }, { "Multicast", 0.10, TRUE }, { "HTTP", 0.095, TRUE },
    { "Loss", 0.075, TRUE }, { "Rate", 0.11, TRUE }, { "Outcome", 0.15, FALSE },
  };
  static const Column wide[] = { { "", 1.0, FALSE } };
  JsonArray *clients = shoal_report_arr (report, "clients");
  guint n = clients ? json_array_get_length (clients) : 0;
  g_autofree char *title = g_strdup_printf ("Clients (%u)", n);
  g_autofree char *day = shoal_report_fmt_day (shoal_report_obj (report, "session"), "started");
  Table table, errors;

  heading (pdf, title, HEAD_SIZE, 30);
  if (n == 0)
    {
      font (pdf, BODY_SIZE, FALSE);
      pdf->y += text (pdf, MARGIN, pdf->y, pdf->content_w, "No client joined.", FALSE, TRUE);
      return;
    }
  table_init (pdf, &table, cols, G_N_ELEMENTS (cols), SMALL_SIZE);
  table_init (pdf, &errors, wide, 1, SMALL_SIZE);
  table_header (pdf, &table);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (clients, i);
      JsonObject *error = shoal_report_obj (c, "error");
      const char *outcome = shoal_report_str (c, "outcome");
      const char *mac = shoal_report_str (c, "mac");
      const char *address = shoal_report_str (c, "address");
      gboolean bad = g_strcmp0 (outcome, "failed") == 0 || g_strcmp0 (outcome, "dropped") == 0;
      char *cells[G_N_ELEMENTS (cols) + 1] = {
        g_strdup (shoal_report_str (c, "hostname") ? shoal_report_str (c, "hostname") : "—"),
        mac ? g_strdup_printf ("%s\n%s", address ? address : "—", mac)
            : g_strdup (address ? address : "—"),
        shoal_report_fmt_clock (c, "joined", day),
        shoal_report_fmt_clock (c, "finished", day),
        shoal_report_fmt_bytes (c, "multicast_bytes"),
        shoal_report_has_num (c, "http_bytes") ? shoal_report_fmt_bytes (c, "http_bytes")
                                               : g_strdup ("—"),
        shoal_report_fmt_percent (c, "loss"),
        shoal_report_fmt_rate (c, "average_rate_bps"),
        g_strdup (outcome ? outcome : "—"),
        NULL,
      };

      table_row (pdf, &table, cells, error ? 20 : 0, bad ? "#fbe3e4" : NULL, TRUE);
      for (guint k = 0; k < G_N_ELEMENTS (cols); k++)
        g_free (cells[k]);
      if (error != NULL)
        {
          char *line[2] = { error_text (error), NULL };

          if (table_row_fits (pdf, &errors, line))
            table_row (pdf, &errors, line, 0, "#fdf0f0", FALSE);
          else
            {
              new_page (pdf);
              table_header (pdf, &table);
              table_row (pdf, &errors, line, 0, "#fdf0f0", FALSE);
            }
          g_free (line[0]);
        }
    }
  table_clear (&table);
  table_clear (&errors);
}

static void
events_table (Pdf *pdf, JsonObject *report)
{
  static const Column cols[] = {
    { "Time (UTC)", 0.2, FALSE }, { "Event", 0.1, FALSE }, { "What happened", 0.7, FALSE },
  };
  JsonArray *events = shoal_report_arr (report, "events");
  guint n = events ? json_array_get_length (events) : 0;
  Table table;

  heading (pdf, "Events", HEAD_SIZE, 30);
  if (n == 0)
    {
      font (pdf, BODY_SIZE, FALSE);
      pdf->y += text (pdf, MARGIN, pdf->y, pdf->content_w, "No events.", FALSE, TRUE);
      return;
    }
  table_init (pdf, &table, cols, G_N_ELEMENTS (cols), SMALL_SIZE);
  table_header (pdf, &table);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *e = json_array_get_object_element (events, i);
      char *cells[4] = {
        event_time (e),
        g_strdup (shoal_report_str (e, "kind") ? shoal_report_str (e, "kind") : "—"),
        g_strdup (shoal_report_str (e, "message") ? shoal_report_str (e, "message") : "—"),
        NULL,
      };

      table_row (pdf, &table, cells, 0, NULL, TRUE);
      for (guint k = 0; k < 3; k++)
        g_free (cells[k]);
    }
  table_clear (&table);
}

static void
preflight_table (Pdf *pdf, JsonObject *report)
{
  static const Column cols[] = {
    { "Check", 0.3, FALSE }, { "Result", 0.15, FALSE }, { "Detail", 0.55, FALSE },
  };
  JsonObject *preflight = shoal_report_obj (report, "preflight");
  JsonArray *checks = shoal_report_arr (preflight, "checks");
  g_autofree char *title = NULL;
  Table table;

  if (checks == NULL)
    return;
  title = g_strdup_printf ("Preflight %s: %s", shoal_report_str (preflight, "id")
                                               ? shoal_report_str (preflight, "id") : "",
                           shoal_report_str (preflight, "outcome")
                           ? shoal_report_str (preflight, "outcome") : "—");
  heading (pdf, title, HEAD_SIZE, 30);
  table_init (pdf, &table, cols, G_N_ELEMENTS (cols), SMALL_SIZE);
  table_header (pdf, &table);
  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonObject *c = json_array_get_object_element (checks, i);
      const char *name = shoal_report_str (c, "title") ? shoal_report_str (c, "title")
                                                       : shoal_report_str (c, "name");
      const char *state = shoal_report_str (c, "state");
      const char *remedy = shoal_report_str (c, "remedy");
      char *cells[4] = {
        g_strdup (name ? name : "—"),
        g_strdup (state ? state : "—"),
        remedy ? g_strdup_printf ("%s\nRemedy: %s", shoal_report_str (c, "detail")
                                  ? shoal_report_str (c, "detail") : "", remedy)
               : g_strdup (shoal_report_str (c, "detail") ? shoal_report_str (c, "detail")
                                                          : "—"),
        NULL,
      };

      table_row (pdf, &table, cells, 0, g_strcmp0 (state, "fail") == 0 ? "#fbe3e4"
                                        : g_strcmp0 (state, "warn") == 0 ? "#fdf3d3" : NULL,
                 TRUE);
      for (guint k = 0; k < 3; k++)
        g_free (cells[k]);
    }
  table_clear (&table);
}

static void
summary (Pdf *pdf, JsonObject *report)
{
  static const Column cols[] = { { "", 0.27, FALSE }, { "", 0.73, FALSE } };
  g_autoptr(GPtrArray) rows = shoal_report_summary_rows (report);
  Table table;

  heading (pdf, "Summary", HEAD_SIZE, 40);
  table_init (pdf, &table, cols, G_N_ELEMENTS (cols), BODY_SIZE);
  for (guint i = 0; i + 1 < rows->len; i += 2)
    {
      char *cells[3] = { rows->pdata[i], rows->pdata[i + 1], NULL };

      table_row (pdf, &table, cells, 0, NULL, FALSE);
    }
  table_clear (&table);
}

GBytes *
shoal_report_render_pdf (JsonObject        *report,
                         ShoalReportPaper   paper,
                         GError           **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  JsonObject *session = shoal_report_obj (report, "session");
  const char *package = shoal_report_str (shoal_report_obj (report, "package"), "name");
  const char *id = shoal_report_str (session, "id");
  g_autofree char *title = g_strdup_printf ("Session report: %s", package);
  g_autofree char *generated = shoal_report_fmt_time (report, "generated");
  g_autofree char *sub = g_strdup_printf ("Session %s · generated %s · times in UTC", id,
                                          generated);
  g_autofree char *meta_title = clean (title);
  Pdf pdf = { 0 };
  cairo_status_t status;

  pdf.page_w = paper == SHOAL_REPORT_PAPER_LETTER ? 612 : 595.276;
  pdf.page_h = paper == SHOAL_REPORT_PAPER_LETTER ? 792 : 841.89;
  pdf.content_w = pdf.page_w - 2 * MARGIN;
  pdf.footer = g_strdup_printf ("Shoal session report · %s · %s", package, id);
  pdf.surface = cairo_pdf_surface_create_for_stream (write_bytes, bytes, pdf.page_w,
                                                     pdf.page_h);
  cairo_pdf_surface_set_metadata (pdf.surface, CAIRO_PDF_METADATA_TITLE, meta_title);
  cairo_pdf_surface_set_metadata (pdf.surface, CAIRO_PDF_METADATA_CREATOR,
                                  "shoal " PACKAGE_VERSION);
  pdf.cr = cairo_create (pdf.surface);
  pdf.layout = new_layout (pdf.cr);
  pdf.footer_layout = new_layout (pdf.cr);
  {
    PangoFontDescription *d = pango_font_description_from_string ("DejaVu Sans 7");

    pango_layout_set_font_description (pdf.footer_layout, d);
    pango_font_description_free (d);
  }

  new_page (&pdf);
  font (&pdf, TITLE_SIZE, TRUE);
  set_rgb (pdf.cr, "#241f31", 1);
  pdf.y += text (&pdf, MARGIN, pdf.y, pdf.content_w, title, FALSE, TRUE);
  font (&pdf, BODY_SIZE, FALSE);
  set_rgb (pdf.cr, "#5e5c64", 1);
  pdf.y += text (&pdf, MARGIN, pdf.y, pdf.content_w, sub, FALSE, TRUE) + 2;
  if (shoal_report_bool (report, "snapshot", FALSE))
    {
      set_rgb (pdf.cr, "#9c6e03", 1);
      pdf.y += text (&pdf, MARGIN, pdf.y, pdf.content_w, "The session was still running: this "
                     "report is a snapshot of it at the time it was generated.", FALSE, TRUE);
    }
  summary (&pdf, report);
  heading (&pdf, "Throughput", HEAD_SIZE, CHART_H + 20);
  if (shoal_report_chart_has_data (report, SHOAL_CHART_SENDER)
      || shoal_report_chart_has_data (report, SHOAL_CHART_CLIENTS))
    {
      chart (&pdf, report, SHOAL_CHART_SENDER);
      chart (&pdf, report, SHOAL_CHART_CLIENTS);
    }
  else
    {
      font (&pdf, BODY_SIZE, FALSE);
      pdf.y += text (&pdf, MARGIN, pdf.y, pdf.content_w, "No throughput samples: the session "
                     "did not start, or its record predates rate histories.", FALSE, TRUE);
    }
  clients_table (&pdf, report);
  events_table (&pdf, report);
  preflight_table (&pdf, report);
  footer (&pdf);
  cairo_show_page (pdf.cr);

  g_object_unref (pdf.layout);
  g_object_unref (pdf.footer_layout);
  cairo_destroy (pdf.cr);
  cairo_surface_finish (pdf.surface);
  status = cairo_surface_status (pdf.surface);
  cairo_surface_destroy (pdf.surface);
  g_free (pdf.footer);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, SHOAL_REPORT_ERROR, SHOAL_REPORT_ERROR_RENDER,
                   "PDF report of session %s: cairo failed: %s", id,
                   cairo_status_to_string (status));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}
