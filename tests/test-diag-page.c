/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Diagnostics page in a real window (run under Xvfb): a log opened or dropped fills the
 * timeline from the analysis and selects the root cause; a pasted code is explained; an
 * unreadable file is reported. Saves a screenshot of the page with a fixture log. */
#include "config.h"

#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>

#include "shoal-diag-page.h"

typedef struct
{
  GtkWidget     *window;
  ShoalDiagPage *page;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  static GtkCssProvider *css;

  /* The console's window loads the style sheet; here the test does. */
  if (css == NULL)
    {
      css = gtk_css_provider_new ();
      gtk_css_provider_load_from_resource (css, "/io/shoal/Shoal/style.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                  GTK_STYLE_PROVIDER (css),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
    }
  f->window = gtk_window_new ();
  f->page = SHOAL_DIAG_PAGE (shoal_diag_page_new ());
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1280, 760);
  gtk_window_set_child (GTK_WINDOW (f->window), GTK_WIDGET (f->page));
  gtk_window_present (GTK_WINDOW (f->window));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
}

static GFile *
fixture_file (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "logs", name, NULL);

  return g_file_new_for_path (path);
}

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
}

static gboolean
wait_for_analysis (Fixture          *f,
                   ShoalLogAnalysis *before)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (shoal_diag_page_get_analysis (f->page) == before && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  return shoal_diag_page_get_analysis (f->page) != before;
}

/* The first label under @widget whose text contains @part. */
static GtkLabel *
find_label (GtkWidget  *widget,
            const char *part)
{
  if (GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), part) != NULL)
    return GTK_LABEL (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkLabel *found = find_label (c, part);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkColumnView *
find_column_view (GtkWidget *widget)
{
  if (GTK_IS_COLUMN_VIEW (widget))
    return GTK_COLUMN_VIEW (widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkColumnView *found = find_column_view (c);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
save_screenshot (GtkWidget  *window,
                 const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w = gtk_widget_get_width (window);
  int h = gtk_widget_get_height (window);

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot saved to %s", path);
}

static void
test_open_log (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GFile) file = fixture_file ("smsts-download-timeout.log");
  ShoalLogAnalysis *analysis;
  GtkColumnView *timeline;
  GtkSelectionModel *model;
  GtkBitset *selected;
  guint root_pos;

  shoal_diag_page_open_file (f->page, file);
  g_assert_true (wait_for_analysis (f, NULL));
  analysis = shoal_diag_page_get_analysis (f->page);

  /* The timeline shows every entry of the analysis, the root cause selected. */
  timeline = find_column_view (GTK_WIDGET (f->page));
  g_assert_nonnull (timeline);
  model = gtk_column_view_get_model (timeline);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==,
                    shoal_log_analysis_get_n_entries (analysis));
  root_pos = shoal_log_analysis_get_entry_position (analysis,
                                                    shoal_log_analysis_get_root_cause (analysis));
  g_assert_cmpuint (root_pos, ==, 15);
  selected = gtk_selection_model_get_selection (model);
  g_assert_true (gtk_bitset_contains (selected, root_pos));
  gtk_bitset_unref (selected);

  /* The headline, the summary and the selected line's details are the analysis's words. */
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), shoal_log_analysis_get_headline (analysis)));
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "What to try:"));
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "The root cause of the failure."));

  iterate_for (500);
  save_screenshot (f->window, "diag-page.png");
}

static void
test_drop_log (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (GTK_WIDGET (f->page));
  g_autoptr(GFile) file = fixture_file ("shoal-client-hash.log");
  GtkDropTarget *target = NULL;
  GValue value = G_VALUE_INIT;
  GSList *files;
  gboolean accepted = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_DROP_TARGET (c))
        target = GTK_DROP_TARGET (c);
    }
  g_assert_nonnull (target);
  g_assert_true (gdk_content_formats_contain_gtype (gtk_drop_target_get_formats (target),
                                                    GDK_TYPE_FILE_LIST));

  /* What GTK hands the drop signal when a file manager drops a file. */
  files = g_slist_prepend (NULL, file);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_list (files));
  g_slist_free (files);
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &accepted);
  g_value_unset (&value);
  g_assert_true (accepted);

  g_assert_true (wait_for_analysis (f, NULL));
  g_assert_cmphex (shoal_decoded_code_get_value (
                     shoal_log_analysis_get_root_code (shoal_diag_page_get_analysis (f->page))),
                   ==, 0xA05A0003);
}

static void
test_decode (Fixture       *f,
             gconstpointer  data)
{
  shoal_diag_page_decode (f->page, "8004005");
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "0x80004005  E_FAIL"));
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "Most likely it is 0x80004005"));

  shoal_diag_page_decode (f->page, "not a code");
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "“not a code” holds no error code"));
}

static void
test_unreadable (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GFile) file = g_file_new_for_path ("/nonexistent/smsts.log");

  shoal_diag_page_open_file (f->page, file);
  for (gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       find_label (GTK_WIDGET (f->page), "cannot read /nonexistent/smsts.log") == NULL
       && g_get_monotonic_time () < end;)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (find_label (GTK_WIDGET (f->page), "cannot read /nonexistent/smsts.log"));
  g_assert_null (shoal_diag_page_get_analysis (f->page));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  /* Xvfb has no session bus; GTK warns about it. Criticals stay fatal. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  if (!gtk_init_check ())
    {
      printf ("1..0 # SKIP no display: run under Xvfb (xvfb-run)\n");
      return 0;
    }

  g_test_add ("/diag/page/open-log", Fixture, NULL, fixture_set_up, test_open_log,
              fixture_tear_down);
  g_test_add ("/diag/page/drop-log", Fixture, NULL, fixture_set_up, test_drop_log,
              fixture_tear_down);
  g_test_add ("/diag/page/decode", Fixture, NULL, fixture_set_up, test_decode,
              fixture_tear_down);
  g_test_add ("/diag/page/unreadable", Fixture, NULL, fixture_set_up, test_unreadable,
              fixture_tear_down);
  return g_test_run ();
}
