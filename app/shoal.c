/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoal: the GTK 4 desktop console. */
#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <locale.h>
#include <stdio.h>

#include "shoal-cli.h"
#include "shoal-demo.h"
#include "shoal-point.h"
#include "shoal-remote-link.h"
#include "shoal-window.h"

static gboolean opt_demo;
static gboolean opt_demo_loss;
static int      opt_demo_exit_after;
static int      opt_demo_size;
static int      opt_demo_clients;
static int      opt_demo_rate;
static char    *opt_demo_network;
static char    *opt_demo_receivers;
static char    *opt_demo_screenshots;
static char    *opt_page;
static char    *opt_log;

static const GOptionEntry entries[] = {
  { "demo", 0, 0, G_OPTION_ARG_NONE, &opt_demo,
    "Start a demo deployment on this machine", NULL },
  { "demo-loss", 0, 0, G_OPTION_ARG_NONE, &opt_demo_loss,
    "In the demo, make one client lose datagrams so repair can be seen", NULL },
  { "demo-size", 0, 0, G_OPTION_ARG_INT, &opt_demo_size,
    "Size of the demo image (default 256)", "MIB" },
  { "demo-clients", 0, 0, G_OPTION_ARG_INT, &opt_demo_clients,
    "Receivers in the demo (default 4)", "N" },
  { "demo-rate", 0, 0, G_OPTION_ARG_INT, &opt_demo_rate,
    "Sending rate of the demo (default 200)", "MBIT/S" },
  { "demo-network", 0, 0, G_OPTION_ARG_STRING, &opt_demo_network,
    "auto (default), multicast or sim (a simulated network inside the console)", "NETWORK" },
  { "demo-receivers", 0, 0, G_OPTION_ARG_STRING, &opt_demo_receivers,
    "auto (default), processes (shoal-client) or threads (inside the console)", "KIND" },
  { "demo-exit-after", 0, 0, G_OPTION_ARG_INT, &opt_demo_exit_after,
    "Print a summary of the demo and exit once it is done, or after SECONDS at the latest",
    "SECONDS" },
  { "demo-screenshots", 0, 0, G_OPTION_ARG_FILENAME, &opt_demo_screenshots,
    "Save the window mid-transfer and at the end of the demo as PNG files in DIR", "DIR" },
  { "page", 0, 0, G_OPTION_ARG_STRING, &opt_page,
    "Open on this page of the window: deployments or diagnostics", "NAME" },
  { "log", 0, 0, G_OPTION_ARG_FILENAME, &opt_log,
    "Analyse this log (smsts.log, a shoal-client log) on the Diagnostics page", "FILE" },
  { NULL }
};

typedef struct
{
  GtkApplication *app;
  ShoalWindow    *window;
  ShoalPoint     *embedded;
  ShoalDemo      *demo;
  gboolean        mid_saved;
  gboolean        end_saved;
  gboolean        exiting;
  int             exit_code;
} Console;

static Console console;

/* Renders the window as it is on screen into a PNG, through the window's own renderer.
 * FALSE while the window has not drawn itself yet, so the caller tries again. */
static gboolean
save_window (const char *name)
{
  g_autofree char *path = g_build_filename (opt_demo_screenshots, name, NULL);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (console.window));
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w = gtk_widget_get_width (GTK_WIDGET (console.window));
  int h = gtk_widget_get_height (GTK_WIDGET (console.window));
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (console.window));

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  if (node == NULL || renderer == NULL || w == 0 || h == 0)
    return FALSE;
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_mkdir_with_parents (opt_demo_screenshots, 0755);
  if (gdk_texture_save_to_png (texture, path))
    g_print ("screenshot: %s\n", path);
  else
    g_printerr ("shoal: cannot save a screenshot to %s\n", path);
  return TRUE;
}

static void
collect (GtkWidget *widget, const char *name, GPtrArray *found)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    g_ptr_array_add (found, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    collect (c, name, found);
}

/* What the window shows, read back from its widgets: the tests check this line. */
static char *
describe_window (void)
{
  g_autoptr(GPtrArray) bars = g_ptr_array_new ();
  g_autoptr(GPtrArray) states = g_ptr_array_new ();
  guint full = 0;

  collect (GTK_WIDGET (console.window), "client-progress", bars);
  collect (GTK_WIDGET (console.window), "session-state", states);
  for (guint i = 0; i < bars->len; i++)
    if (gtk_progress_bar_get_fraction (g_ptr_array_index (bars, i)) >= 1.0
        && g_strcmp0 (gtk_progress_bar_get_text (g_ptr_array_index (bars, i)), "100 %") == 0)
      full++;
  return g_strdup_printf ("ui: session %s, %u of %u client rows at 100 %%",
                          states->len ? gtk_label_get_text (g_ptr_array_index (states, 0)) : "none",
                          full, bars->len);
}

static gboolean
on_exit_timeout (gpointer data)
{
  g_autofree char *summary = NULL;
  g_autofree char *ui = NULL;

  if (console.exiting)
    return G_SOURCE_REMOVE;
  console.exiting = TRUE;
  summary = shoal_demo_dup_summary (console.demo);
  ui = describe_window ();

  g_print ("%s\n%s\n", summary, ui);
  if (g_strcmp0 (shoal_demo_get_state (console.demo), "failed") == 0)
    {
      g_printerr ("shoal: the demo failed: %s\n", shoal_demo_get_error (console.demo)
                  ? shoal_demo_get_error (console.demo) : "a receiver failed");
      console.exit_code = 1;
    }
  g_application_quit (G_APPLICATION (console.app));
  return G_SOURCE_REMOVE;
}

static gboolean
save_end (gpointer data)
{
  return save_window ("console-end.png") ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
on_demo_changed (ShoalDemo *demo, GParamSpec *pspec, gpointer data)
{
  const char *state = shoal_demo_get_state (demo);

  if (g_strcmp0 (state, "failed") == 0 && shoal_demo_get_error (demo) != NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The demo could not start: %s"),
                                               shoal_demo_get_error (demo));
      shoal_window_set_banner (console.window, text);
    }
  else if (shoal_demo_get_description (demo) != NULL)
    shoal_window_set_banner (console.window, shoal_demo_get_description (demo));
  /* The end shot and the summary wait for the table to show the last figures. */
  if (opt_demo_screenshots && !console.end_saved && g_strcmp0 (state, "done") == 0)
    {
      console.end_saved = TRUE;
      g_timeout_add (1500, save_end, NULL);
    }
  if (opt_demo_exit_after > 0
      && (g_strcmp0 (state, "done") == 0 || g_strcmp0 (state, "failed") == 0))
    g_timeout_add (2000, on_exit_timeout, NULL);
}

static gboolean
watch_progress (gpointer data)
{
  ShoalSession *s = shoal_point_view_get_selected_session (
    shoal_window_get_point_view (console.window));

  if (s != NULL && shoal_session_get_progress (s) >= 0.5 && save_window ("console-mid.png"))
    return G_SOURCE_REMOVE;
  return G_SOURCE_CONTINUE;
}

static void
start_demo (void)
{
  ShoalDemoOptions options = { 0 };
  g_autofree char *text = NULL;

  options.size = (guint64) MAX (opt_demo_size, 0) << 20;
  options.n_clients = MAX (opt_demo_clients, 0);
  options.loss = opt_demo_loss;
  options.network = opt_demo_network;
  options.receivers = opt_demo_receivers;
  options.rate = (guint64) MAX (opt_demo_rate, 0) * 1000 * 1000;
  console.demo = shoal_demo_new (&options, console.embedded);
  g_signal_connect (console.demo, "notify", G_CALLBACK (on_demo_changed), NULL);
  text = g_strdup_printf (_("Demo: preparing a %d MiB image and the network…"),
                          opt_demo_size ? opt_demo_size : 256);
  shoal_window_set_banner (console.window, text);
  shoal_demo_start (console.demo);
  if (opt_demo_exit_after > 0)
    g_timeout_add_seconds (opt_demo_exit_after, on_exit_timeout, NULL);
  if (opt_demo_screenshots)
    g_timeout_add (250, watch_progress, NULL);
}

static void
on_activate (GtkApplication *app)
{
  g_autofree char *remotes = shoal_point_get_remotes_path ();
  g_autoptr(GError) error = NULL;
  GListStore *points;

  if (console.window != NULL)
    {
      gtk_window_present (GTK_WINDOW (console.window));
      return;
    }
  console.window = shoal_window_new (app);
  points = shoal_window_get_points (console.window);
  console.embedded = shoal_point_new_embedded (_("This computer"));
  g_list_store_append (points, console.embedded);
  if (!shoal_point_load_remotes (remotes, points, &error))
    g_warning ("cannot read the remembered distribution points: %s", error->message);
  /* Remote points show what their shoald says, over its REST API. */
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (points)); i++)
    {
      g_autoptr(ShoalPoint) p = g_list_model_get_item (G_LIST_MODEL (points), i);
      if (g_strcmp0 (shoal_point_get_kind (p), "remote") == 0)
        shoal_remote_link_attach (p, 2);
    }
  shoal_window_select_point (console.window, console.embedded);
  if (opt_log != NULL)
    {
      g_autoptr(GFile) log = g_file_new_for_commandline_arg (opt_log);

      shoal_diag_page_open_file (shoal_window_get_diag_page (console.window), log);
      shoal_window_show_page (console.window, "diagnostics");
    }
  if (opt_page != NULL && !shoal_window_show_page (console.window, opt_page))
    g_warning ("the window has no page called “%s”", opt_page);
  if (opt_demo)
    start_demo ();
  gtk_window_present (GTK_WINDOW (console.window));
}

static void
on_shutdown (GtkApplication *app)
{
  /* The receivers' threads write files: let them stop cleanly before the process ends. */
  if (console.demo != NULL)
    shoal_demo_stop (console.demo);
  g_clear_object (&console.demo);
  g_clear_object (&console.embedded);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GtkApplication) app = NULL;
  char *app_argv[] = { argv[0], NULL };
  int rc;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  textdomain (GETTEXT_PACKAGE);

  g_option_context_set_summary (context, "The Shoal deployment console.");
  g_option_context_add_main_entries (context, entries, NULL);
  if ((rc = shoal_cli_parse (context, "shoal", &argc, &argv)) >= 0)
    return rc;
  if (opt_demo_network != NULL && !g_str_equal (opt_demo_network, "auto")
      && !g_str_equal (opt_demo_network, "multicast") && !g_str_equal (opt_demo_network, "sim"))
    {
      shoal_cli_usage_error ("shoal", "--demo-network must be auto, multicast or sim, not “%s”",
                             opt_demo_network);
      return SHOAL_EXIT_USAGE;
    }
  if (opt_demo_receivers != NULL && !g_str_equal (opt_demo_receivers, "auto")
      && !g_str_equal (opt_demo_receivers, "processes")
      && !g_str_equal (opt_demo_receivers, "threads"))
    {
      shoal_cli_usage_error ("shoal", "--demo-receivers must be auto, processes or threads, "
                             "not “%s”", opt_demo_receivers);
      return SHOAL_EXIT_USAGE;
    }
  if (opt_demo_size < 0 || opt_demo_clients < 0 || opt_demo_rate < 0 || opt_demo_exit_after < 0)
    {
      shoal_cli_usage_error ("shoal", "the --demo-* numbers must not be negative");
      return SHOAL_EXIT_USAGE;
    }
  /* Any --demo-* option implies --demo. */
  opt_demo |= opt_demo_loss || opt_demo_size || opt_demo_clients || opt_demo_rate
              || opt_demo_network || opt_demo_receivers || opt_demo_exit_after
              || opt_demo_screenshots;

  /* Options are ours: GApplication sees none, so it never exits 1 on one it lacks. */
  app = gtk_application_new (APP_ID, G_APPLICATION_NON_UNIQUE);
  console.app = app;
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  g_signal_connect (app, "shutdown", G_CALLBACK (on_shutdown), NULL);
  rc = g_application_run (G_APPLICATION (app), 1, app_argv);
  return rc != 0 ? rc : console.exit_code;
}
