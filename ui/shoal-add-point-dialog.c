/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Attaching a remote distribution point. The dialog only checks the URL's form; whoever
 * receives "point-added" connects to it. */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-add-point-dialog.h"
#include "shoal-remote-link.h"

struct _ShoalAddPointDialog
{
  GtkWindow parent_instance;

  GtkEntry         *url_entry;
  GtkEntry         *name_entry;
  GtkPasswordEntry *token_entry;
  GtkLabel         *error_label;
};

G_DEFINE_FINAL_TYPE (ShoalAddPointDialog, shoal_add_point_dialog, GTK_TYPE_WINDOW)

enum { SIGNAL_POINT_ADDED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
add_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalAddPointDialog *self = SHOAL_ADD_POINT_DIALOG (widget);
  g_autofree char *url = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_entry)));
  const char *name = gtk_editable_get_text (GTK_EDITABLE (self->name_entry));
  const char *token = gtk_editable_get_text (GTK_EDITABLE (self->token_entry));
  g_autoptr(GUri) uri = g_uri_parse (g_strstrip (url), G_URI_FLAGS_NONE, NULL);
  g_autoptr(ShoalPoint) point = NULL;

  if (uri == NULL || g_uri_get_host (uri) == NULL
      || (g_strcmp0 (g_uri_get_scheme (uri), "https") != 0
          && g_strcmp0 (g_uri_get_scheme (uri), "http") != 0))
    {
      gtk_label_set_text (self->error_label,
                          _("Enter the distribution point’s address as http://HOST:PORT or "
                            "https://HOST:PORT."));
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
      return;
    }
  point = shoal_point_new_remote (name, url, *token ? token : NULL);
  shoal_remote_link_attach (point, 2);
  g_signal_emit (self, signals[SIGNAL_POINT_ADDED], 0, point);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
shoal_add_point_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), SHOAL_TYPE_ADD_POINT_DIALOG);
  G_OBJECT_CLASS (shoal_add_point_dialog_parent_class)->dispose (object);
}

static void
shoal_add_point_dialog_class_init (ShoalAddPointDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_add_point_dialog_dispose;

  /* (ShoalPoint *point): a new remote point, not yet connected. */
  signals[SIGNAL_POINT_ADDED] = g_signal_new ("point-added", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 1, SHOAL_TYPE_POINT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/shoal/Shoal/shoal-add-point-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalAddPointDialog, url_entry);
  gtk_widget_class_bind_template_child (widget_class, ShoalAddPointDialog, name_entry);
  gtk_widget_class_bind_template_child (widget_class, ShoalAddPointDialog, token_entry);
  gtk_widget_class_bind_template_child (widget_class, ShoalAddPointDialog, error_label);
  gtk_widget_class_install_action (widget_class, "dialog.add", NULL, add_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
shoal_add_point_dialog_init (ShoalAddPointDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
shoal_add_point_dialog_new (void)
{
  return g_object_new (SHOAL_TYPE_ADD_POINT_DIALOG, NULL);
}
