/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The console's main window: distribution points, packages, sessions and clients. The
 * sidebar lists the points; the selected one fills the rest. Remote points the admin adds
 * or removes are remembered on a worker thread, never blocking the main loop. */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-add-point-dialog.h"
#include "shoal-diag-page.h"
#include "shoal-point-view.h"
#include "shoal-resources.h"
#include "shoal-window.h"

struct _ShoalWindow
{
  GtkApplicationWindow parent_instance;

  GListStore         *points;
  GtkSingleSelection *selection;
  char               *remotes_path;

  GtkLabel       *banner;
  GtkStack       *stack;
  GtkListView    *points_view;
  ShoalPointView *point_view;
  ShoalDiagPage  *diag_page;
};

G_DEFINE_FINAL_TYPE (ShoalWindow, shoal_window, GTK_TYPE_APPLICATION_WINDOW)

static char *
format_point_detail (gpointer this, const char *kind, const char *state)
{
  if (g_strcmp0 (kind, "embedded") == 0)
    return g_strdup_printf (_("this computer · %s"), state ? state : "");
  return g_strdup_printf (_("remote · %s"), state ? state : "");
}

static void
update_actions (ShoalWindow *self)
{
  ShoalPoint *p = gtk_single_selection_get_selected_item (self->selection);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.remove-point",
                                 p != NULL && g_strcmp0 (shoal_point_get_kind (p), "remote") == 0);
}

static void
on_point_selected (GtkSingleSelection *selection, GParamSpec *pspec, ShoalWindow *self)
{
  shoal_point_view_set_point (self->point_view, gtk_single_selection_get_selected_item (selection));
  update_actions (self);
}

static void
save_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  const char *path = g_object_get_data (G_OBJECT (task), "path");
  GError *error = NULL;

  if (shoal_point_save_remotes (path, G_LIST_MODEL (data), &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
save_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_warning ("cannot remember the distribution points: %s", error->message);
}

static void
save_remotes (ShoalWindow *self)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, save_done, NULL);
  GListStore *copy = g_list_store_new (SHOAL_TYPE_POINT);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->points));

  /* The worker gets its own list: the window's may change while it writes. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalPoint) p = g_list_model_get_item (G_LIST_MODEL (self->points), i);
      g_list_store_append (copy, p);
    }
  g_object_set_data_full (G_OBJECT (task), "path", g_strdup (self->remotes_path), g_free);
  g_task_set_task_data (task, copy, g_object_unref);
  g_task_run_in_thread (task, save_thread);
}

static void
on_point_added (ShoalAddPointDialog *dialog, ShoalPoint *point, ShoalWindow *self)
{
  g_list_store_append (self->points, point);
  shoal_window_select_point (self, point);
  save_remotes (self);
}

static void
add_point_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalWindow *self = SHOAL_WINDOW (widget);
  GtkWidget *dialog = shoal_add_point_dialog_new ();

  g_signal_connect_object (dialog, "point-added", G_CALLBACK (on_point_added), self, 0);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
remove_point_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalWindow *self = SHOAL_WINDOW (widget);
  ShoalPoint *p = gtk_single_selection_get_selected_item (self->selection);
  guint pos;

  if (p == NULL || g_strcmp0 (shoal_point_get_kind (p), "remote") != 0
      || !g_list_store_find (self->points, p, &pos))
    return;
  g_list_store_remove (self->points, pos);
  save_remotes (self);
}

static void
shoal_window_dispose (GObject *object)
{
  ShoalWindow *self = SHOAL_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_WINDOW);
  g_clear_object (&self->selection);
  g_clear_object (&self->points);
  g_clear_pointer (&self->remotes_path, g_free);
  G_OBJECT_CLASS (shoal_window_parent_class)->dispose (object);
}

static void
shoal_window_class_init (ShoalWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_window_dispose;

  /* Referencing the bundle keeps its object file, and so its registration, in the link. */
  g_assert (shoal_get_resource () != NULL);
  g_type_ensure (SHOAL_TYPE_POINT);
  g_type_ensure (SHOAL_TYPE_POINT_VIEW);
  g_type_ensure (SHOAL_TYPE_DIAG_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/shoal/Shoal/shoal-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, points_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, point_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, diag_page);
  gtk_widget_class_bind_template_callback (widget_class, format_point_detail);

  gtk_widget_class_install_action (widget_class, "win.add-point", NULL, add_point_activated);
  gtk_widget_class_install_action (widget_class, "win.remove-point", NULL,
                                   remove_point_activated);
}

/* GtkApplication (unlike AdwApplication) does not load style.css by itself. */
static void
load_css (void)
{
  static gboolean loaded;
  g_autoptr(GtkCssProvider) css = NULL;

  if (loaded)
    return;
  loaded = TRUE;
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/shoal/Shoal/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
shoal_window_init (ShoalWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  load_css ();

  self->remotes_path = shoal_point_get_remotes_path ();
  self->points = g_list_store_new (SHOAL_TYPE_POINT);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->points)));
  g_signal_connect (self->selection, "notify::selected-item", G_CALLBACK (on_point_selected),
                    self);
  gtk_list_view_set_model (self->points_view, GTK_SELECTION_MODEL (self->selection));
  update_actions (self);
}

ShoalWindow *
shoal_window_new (GtkApplication *app)
{
  return g_object_new (SHOAL_TYPE_WINDOW, "application", app, NULL);
}

void
shoal_window_set_banner (ShoalWindow *self,
                         const char  *text)
{
  g_return_if_fail (SHOAL_IS_WINDOW (self));

  gtk_label_set_text (self->banner, text);
  gtk_widget_set_visible (GTK_WIDGET (self->banner), text != NULL && *text);
}

/* The points the sidebar lists (ShoalPoint), the embedded one first. */
GListStore *
shoal_window_get_points (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  return self->points;
}

/* Where added and removed remote points are remembered (tests point it elsewhere). */
void
shoal_window_set_remotes_path (ShoalWindow *self,
                               const char  *path)
{
  g_return_if_fail (SHOAL_IS_WINDOW (self));
  g_return_if_fail (path != NULL);

  g_free (self->remotes_path);
  self->remotes_path = g_strdup (path);
}

void
shoal_window_select_point (ShoalWindow *self,
                           ShoalPoint  *point)
{
  guint pos;

  g_return_if_fail (SHOAL_IS_WINDOW (self));

  if (g_list_store_find (self->points, point, &pos))
    gtk_single_selection_set_selected (self->selection, pos);
}

ShoalPointView *
shoal_window_get_point_view (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  return self->point_view;
}

/* Shows the stack page called @name ("deployments", "diagnostics"); FALSE if there is none. */
gboolean
shoal_window_show_page (ShoalWindow *self,
                        const char  *name)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (gtk_stack_get_child_by_name (self->stack, name) == NULL)
    return FALSE;
  gtk_stack_set_visible_child_name (self->stack, name);
  return TRUE;
}

ShoalDiagPage *
shoal_window_get_diag_page (ShoalWindow *self)
{
  g_return_val_if_fail (SHOAL_IS_WINDOW (self), NULL);
  return self->diag_page;
}
