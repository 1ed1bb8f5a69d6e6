/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoal: the GTK 4 desktop console. */
#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>
#include <locale.h>

#include "shoal-cli.h"
#include "shoal-window.h"

static gboolean opt_demo;

static const GOptionEntry entries[] = {
  { "demo", 0, 0, G_OPTION_ARG_NONE, &opt_demo,
    "Start a demo deployment on this machine", NULL },
  { NULL }
};

static void
on_activate (GtkApplication *app)
{
  ShoalWindow *window = shoal_window_new (app);

  if (opt_demo)
    shoal_window_set_banner (window, _("Demo deployment: the embedded distribution point "
                                       "will appear here."));
  gtk_window_present (GTK_WINDOW (window));
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

  /* Options are ours: GApplication sees none, so it never exits 1 on one it lacks. */
  app = gtk_application_new (APP_ID, G_APPLICATION_NON_UNIQUE);
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), NULL);
  return g_application_run (G_APPLICATION (app), 1, app_argv);
}
