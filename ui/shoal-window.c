/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The console's main window: distribution points, packages, sessions and clients. */
#include "config.h"

#include "shoal-resources.h"
#include "shoal-window.h"

struct _ShoalWindow
{
  GtkApplicationWindow parent_instance;

  GtkLabel *banner;
  GtkStack *stack;
};

G_DEFINE_FINAL_TYPE (ShoalWindow, shoal_window, GTK_TYPE_APPLICATION_WINDOW)

static void
shoal_window_class_init (ShoalWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  /* Referencing the bundle keeps its object file, and so its registration, in the link. */
  g_assert (shoal_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/shoal/Shoal/shoal-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, ShoalWindow, stack);
}

static void
shoal_window_init (ShoalWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
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
