/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The throughput graph stays responsive with 50 clients and 10000 samples a series: renders
 * frames of the widget (its snapshot(), then the window's renderer to a texture) and prints
 * the frame time. Starts a private Xvfb when there is no display; skips without one. */
#include "config.h"

#include <gtk/gtk.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "shoal-graph.h"

#define N_CLIENTS  50
#define N_SAMPLES  10000
#define N_FRAMES   20

static GSubprocess *xvfb;

/* In the child: the Xvfb goes when this test goes, even if it crashes. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* A display for GTK: the one we have, or a private Xvfb. */
static gboolean
ensure_display (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  GInputStream *out;
  char buf[32] = { 0 };
  gssize n = 0;

  if (g_getenv ("DISPLAY") != NULL || g_getenv ("WAYLAND_DISPLAY") != NULL)
    return TRUE;
  if (g_find_program_in_path ("Xvfb") == NULL)
    return FALSE;
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  xvfb = g_subprocess_launcher_spawn (launcher, &error, "Xvfb", "-displayfd", "1", "-screen",
                                      "0", "1280x800x24", "-nolisten", "tcp", NULL);
  if (xvfb == NULL)
    return FALSE;
  out = g_subprocess_get_stdout_pipe (xvfb);
  while (n < (gssize) sizeof buf - 1 && strchr (buf, '\n') == NULL)
    {
      gssize got = g_input_stream_read (out, buf + n, sizeof buf - 1 - n, NULL, NULL);
      if (got <= 0)
        return FALSE;
      n += got;
    }
  g_strstrip (buf);
  g_setenv ("DISPLAY", g_strconcat (":", buf, NULL), TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  return TRUE;
}

static ShoalRateHistory *
make_history (void)
{
  ShoalRateHistory *h = shoal_rate_history_new (N_SAMPLES);
  GRand *rand = g_rand_new_with_seed (5);
  char label[32];

  for (gint64 t = 1; t <= N_SAMPLES; t++)
    {
      gint64 now = t * G_USEC_PER_SEC;

      shoal_rate_history_push (h, SHOAL_SERIES_SENT, 0, "sent", now,
                               800e6 + g_rand_double (rand) * 50e6);
      shoal_rate_history_push (h, SHOAL_SERIES_REPAIR, 0, "repair", now,
                               g_rand_double (rand) * 40e6);
      for (guint c = 0; c < N_CLIENTS; c++)
        {
          g_snprintf (label, sizeof label, "pc%02u", c);
          shoal_rate_history_push (h, SHOAL_SERIES_CLIENT, c + 1, label, now,
                                   (700 + c) * 1e6 + g_rand_double (rand) * 80e6);
        }
    }
  g_rand_free (rand);
  return h;
}

static double
render_frame (GtkWidget *window, GtkWidget *graph, const char *png)
{
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w = gtk_widget_get_width (graph), h = gtk_widget_get_height (graph);
  gint64 start = g_get_monotonic_time ();

  /* The widget's own snapshot(), as every frame after a new sample runs it: GTK would
   * otherwise reuse the render node it cached from the last frame. */
  GTK_WIDGET_GET_CLASS (graph)->snapshot (graph, snapshot);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_nonnull (texture);
  start = g_get_monotonic_time () - start;
  /* Kept as a test artifact, to look at. */
  if (png != NULL && g_getenv ("G_TEST_BUILDDIR") != NULL)
    {
      g_autofree char *path = g_build_filename (g_getenv ("G_TEST_BUILDDIR"), png, NULL);
      gdk_texture_save_to_png (texture, path);
      g_test_message ("saved %s", path);
    }
  return start / 1000.0;
}

static void
test_graph_frame_time (void)
{
  g_autoptr(ShoalRateHistory) history = NULL;
  GtkWidget *window, *graph;
  double total = 0, worst = 0, snapshot_total = 0;

  if (!gtk_init_check ())
    {
      g_test_skip ("no display and no Xvfb (install xvfb)");
      return;
    }
  history = make_history ();
  window = gtk_window_new ();
  graph = shoal_graph_new ();
  shoal_graph_set_history (SHOAL_GRAPH (graph), history);
  gtk_window_set_default_size (GTK_WINDOW (window), 900, 320);
  gtk_window_set_child (GTK_WINDOW (window), graph);
  gtk_window_present (GTK_WINDOW (window));
  while (gtk_widget_get_width (graph) < 600)
    g_main_context_iteration (NULL, TRUE);

  /* The first frame loads fonts and glyph caches: not what the graph costs. */
  render_frame (window, graph, "graph-50-clients.png");
  for (int i = 0; i < N_FRAMES; i++)
    {
      double ms = render_frame (window, graph, NULL);

      total += ms;
      worst = MAX (worst, ms);
      snapshot_total += shoal_graph_get_last_draw_time (SHOAL_GRAPH (graph)) / 1000.0;
    }
  printf ("# graph with %u series of %u samples, %dx%d px: frame %.1f ms mean, %.1f ms worst "
          "(snapshot() alone %.1f ms)\n", shoal_rate_history_get_n_series (history), N_SAMPLES,
          gtk_widget_get_width (graph), gtk_widget_get_height (graph), total / N_FRAMES, worst,
          snapshot_total / N_FRAMES);
  /* Interactive means a few frames a second at worst, even in software on a loaded CI box. */
  g_assert_cmpfloat (total / N_FRAMES, <, 150);

  /* Selecting clients narrows what is drawn, and still draws. */
  shoal_graph_set_visible_clients (SHOAL_GRAPH (graph), (guint32[]) { 1, 2 }, 2);
  g_assert_cmpfloat (render_frame (window, graph, "graph-2-selected.png"), <, 150);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  int rc;

  g_test_init (&argc, &argv, NULL);
  /* The accessibility bridge wants a session bus that test machines lack, and warns; it is
   * not what this test measures. */
  g_setenv ("GTK_A11Y", "none", TRUE);
  if (!ensure_display () && g_strcmp0 (g_getenv ("CI"), "true") == 0)
    g_error ("no display and no Xvfb under CI");
  g_test_add_func ("/ui/graph/frame-time", test_graph_frame_time);
  rc = g_test_run ();
  if (xvfb != NULL)
    g_subprocess_force_exit (xvfb);
  return rc;
}
