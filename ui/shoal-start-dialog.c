/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Starting or scheduling a session. The dialog asks the point to start it and stays open
 * with the reason when that fails, so nothing typed is lost. */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-start-dialog.h"

struct _ShoalStartDialog
{
  GtkWindow parent_instance;

  ShoalPoint     *point;

  GtkDropDown    *package_dropdown;
  GtkCheckButton *immediate_check;
  GtkSpinButton  *min_clients_spin;
  GtkSpinButton  *max_wait_spin;
  GtkSpinButton  *schedule_spin;
  GtkSpinButton  *rate_spin;
  GtkLabel       *error_label;
};

G_DEFINE_FINAL_TYPE (ShoalStartDialog, shoal_start_dialog, GTK_TYPE_WINDOW)

/* Works for any item with a "name" property: the point's packages need not be one type. */
static char *
item_name (GObject *item)
{
  char *name = NULL;

  if (item != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (item), "name"))
    g_object_get (item, "name", &name, NULL);
  return name;
}

static void
start_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalStartDialog *self = SHOAL_START_DIALOG (widget);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSession) session = NULL;
  g_autofree char *package = item_name (gtk_drop_down_get_selected_item (self->package_dropdown));
  ShoalStartRules rules = { 0 };

  rules.immediate = gtk_check_button_get_active (self->immediate_check);
  rules.min_clients = gtk_spin_button_get_value_as_int (self->min_clients_spin);
  rules.max_wait = gtk_spin_button_get_value_as_int (self->max_wait_spin);
  rules.max_rate = (guint64) gtk_spin_button_get_value_as_int (self->rate_spin) * 1000000;
  if (gtk_spin_button_get_value_as_int (self->schedule_spin) > 0)
    rules.start_at = g_get_real_time ()
                     + (gint64) gtk_spin_button_get_value_as_int (self->schedule_spin) * 60
                       * G_USEC_PER_SEC;
  if (package == NULL)
    {
      gtk_label_set_text (self->error_label, _("This distribution point has no package."));
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      return;
    }
  session = shoal_point_start_session (self->point, package, &rules, &error);
  if (session == NULL)
    {
      gtk_label_set_text (self->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      return;
    }
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
shoal_start_dialog_dispose (GObject *object)
{
  ShoalStartDialog *self = SHOAL_START_DIALOG (object);

  g_clear_object (&self->point);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_START_DIALOG);
  G_OBJECT_CLASS (shoal_start_dialog_parent_class)->dispose (object);
}

static void
shoal_start_dialog_class_init (ShoalStartDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_start_dialog_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/shoal/Shoal/shoal-start-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalStartDialog, package_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ShoalStartDialog, immediate_check);
  gtk_widget_class_bind_template_child (widget_class, ShoalStartDialog, min_clients_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalStartDialog, max_wait_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalStartDialog, schedule_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalStartDialog, rate_spin);
  gtk_widget_class_bind_template_child (widget_class, ShoalStartDialog, error_label);
  gtk_widget_class_install_action (widget_class, "dialog.start", NULL, start_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
shoal_start_dialog_init (ShoalStartDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* The rules only apply when the session does not start at once. */
  g_object_bind_property (self->immediate_check, "active", self->min_clients_spin, "sensitive",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
  g_object_bind_property (self->immediate_check, "active", self->max_wait_spin, "sensitive",
                          G_BINDING_SYNC_CREATE | G_BINDING_INVERT_BOOLEAN);
}

/* Preselects @package when given. */
GtkWidget *
shoal_start_dialog_new (ShoalPoint *point,
                        const char *package)
{
  ShoalStartDialog *self;
  GListModel *packages;

  g_return_val_if_fail (SHOAL_IS_POINT (point), NULL);

  self = g_object_new (SHOAL_TYPE_START_DIALOG, NULL);
  self->point = g_object_ref (point);
  packages = shoal_point_get_packages (point);
  gtk_drop_down_set_expression (self->package_dropdown,
                                gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL,
                                                             G_CALLBACK (item_name), NULL, NULL));
  gtk_drop_down_set_model (self->package_dropdown, packages);
  for (guint i = 0; package != NULL && i < g_list_model_get_n_items (packages); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (packages, i);
      g_autofree char *name = item_name (item);

      if (g_strcmp0 (name, package) == 0)
        gtk_drop_down_set_selected (self->package_dropdown, i);
    }
  gtk_spin_button_set_value (self->min_clients_spin, 1);
  gtk_spin_button_set_value (self->max_wait_spin, 60);
  return GTK_WIDGET (self);
}
