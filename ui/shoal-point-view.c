/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A distribution point in the console. New sessions get selected as they appear, so the
 * session view follows what the admin (or the demo) just started. */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-access-wizard.h"
#include "shoal-format.h"
#include "shoal-multicast-wizard.h"
#include "shoal-package.h"
#include "shoal-point-view.h"
#include "shoal-rate-history.h"
#include "shoal-report-export.h"
#include "shoal-session-view.h"
#include "shoal-start-dialog.h"

struct _ShoalPointView
{
  GtkWidget parent_instance;

  ShoalPoint         *point;
  GtkSingleSelection *sessions;
  GtkSingleSelection *packages;
  ShoalSession       *watched;       /* the selected session, for its state */
  gulong              state_id;

  GtkStack          *tabs;
  GtkColumnView     *sessions_view;
  GtkColumnView     *packages_view;
  ShoalSessionView  *session_view;
  GtkLabel          *error_label;
};

G_DEFINE_FINAL_TYPE (ShoalPointView, shoal_point_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_POINT, N_PROPS };
static GParamSpec *properties[N_PROPS];

static char *
format_session_state (gpointer this, ShoalSession *session, const char *state, guint joined)
{
  const ShoalSenderConfig *c;

  if (session == NULL)
    return g_strdup ("");
  c = shoal_session_get_config (session);
  return shoal_format_session_state (state, joined, c->min_clients,
                                     (guint) (c->max_wait / G_USEC_PER_SEC));
}

static gboolean
session_is_active (ShoalSession *s)
{
  return s != NULL && shoal_session_get_finished (s) == 0;
}

static void
update_actions (ShoalPointView *self)
{
  ShoalSession *s = self->watched;
  gboolean waiting = s != NULL && g_strcmp0 (shoal_session_get_state (s), "waiting") == 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "point.start",
                                 self->point != NULL && shoal_point_get_can_start (self->point));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "point.start-now", waiting);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "point.stop", session_is_active (s));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "point.export", s != NULL);
}

static void
show_error (ShoalPointView *self, const char *message)
{
  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->error_label), message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
}

static void
watch_session (ShoalPointView *self, ShoalSession *session)
{
  if (self->watched == session)
    return;
  if (self->watched != NULL)
    g_clear_signal_handler (&self->state_id, self->watched);
  g_set_object (&self->watched, session);
  if (session != NULL)
    self->state_id = g_signal_connect_swapped (session, "notify::state",
                                               G_CALLBACK (update_actions), self);
  shoal_session_view_set_session (self->session_view, session);
  update_actions (self);
}

static void
on_session_selected (GtkSingleSelection *selection, GParamSpec *pspec, ShoalPointView *self)
{
  watch_session (self, gtk_single_selection_get_selected_item (selection));
}

static void
on_sessions_changed (GListModel *model, guint position, guint removed, guint added,
                     ShoalPointView *self)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(ShoalSession) s = g_list_model_get_item (model, i);

      /* Sampling starts with the session, not when someone first looks at it. */
      shoal_rate_history_for_session (s);
    }
  if (added > 0)
    {
      gtk_single_selection_set_selected (self->sessions, position + added - 1);
      gtk_stack_set_visible_child_name (self->tabs, "sessions");
    }
}

static void
on_point_error (ShoalPointView *self)
{
  show_error (self, shoal_point_get_error (self->point));
}

static void
start_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalPointView *self = SHOAL_POINT_VIEW (widget);
  GObject *package = gtk_single_selection_get_selected_item (self->packages);
  g_autofree char *name = NULL;
  GtkWidget *dialog;

  if (package != NULL)
    g_object_get (package, "name", &name, NULL);
  dialog = shoal_start_dialog_new (self->point, name);
  gtk_window_set_transient_for (GTK_WINDOW (dialog),
                                GTK_WINDOW (gtk_widget_get_root (widget)));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
start_now_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalPointView *self = SHOAL_POINT_VIEW (widget);

  if (self->watched != NULL)
    shoal_session_start_now (self->watched);
}

static void
stop_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalPointView *self = SHOAL_POINT_VIEW (widget);

  if (self->watched != NULL)
    shoal_point_stop_session (self->point, self->watched);
}

static void
export_done (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(ShoalPointView) self = data;
  g_autoptr(GError) error = NULL;

  if (!shoal_report_export_finish (result, &error))
    show_error (self, error->message);
}

static void
export_response (GtkNativeDialog *dialog, int response, ShoalPointView *self)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *path = NULL;
  ShoalReportFormat format = SHOAL_REPORT_FORMAT_PDF;
  GtkFileFilter *filter;

  if (response == GTK_RESPONSE_ACCEPT && self->watched != NULL)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      path = g_file_get_path (file);
      filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog));
      /* The name's extension decides; without one, the chosen filter does, and names it. */
      if (path != NULL && !shoal_report_format_from_path (path, &format))
        {
          char *named;

          if (filter != NULL)
            format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (filter), "format"));
          named = g_strconcat (path, ".", shoal_report_format_to_string (format), NULL);
          g_free (path);
          path = named;
        }
      if (path != NULL)
        shoal_report_export_async (self->point, self->watched, path, format,
                                   g_str_equal (gtk_paper_size_get_default (),
                                                GTK_PAPER_NAME_LETTER)
                                   ? SHOAL_REPORT_PAPER_LETTER : SHOAL_REPORT_PAPER_A4,
                                   NULL, export_done, g_object_ref (self));
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

/* The session's report as PDF, HTML, CSV or JSON (the Export button of the session view). */
static void
export_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalPointView *self = SHOAL_POINT_VIEW (widget);
  static const struct { const char *name; const char *pattern; ShoalReportFormat format; }
    kinds[] = {
      { N_("PDF document"), "*.pdf", SHOAL_REPORT_FORMAT_PDF },
      { N_("Web page (HTML)"), "*.html", SHOAL_REPORT_FORMAT_HTML },
      { N_("Spreadsheet (CSV, one row per client)"), "*.csv", SHOAL_REPORT_FORMAT_CSV },
      { N_("Data (JSON)"), "*.json", SHOAL_REPORT_FORMAT_JSON },
    };
  GtkFileChooserNative *dialog;
  g_autofree char *name = NULL;

  if (self->watched == NULL)
    return;
  dialog = gtk_file_chooser_native_new (_("Export Session Report"),
                                        GTK_WINDOW (gtk_widget_get_root (widget)),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _(kinds[i].name));
      gtk_file_filter_add_pattern (filter, kinds[i].pattern);
      g_object_set_data (G_OBJECT (filter), "format", GINT_TO_POINTER (kinds[i].format));
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
      g_object_unref (filter);
    }
  name = g_strdup_printf ("%s.pdf", shoal_session_get_id (self->watched));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  g_signal_connect (dialog, "response", G_CALLBACK (export_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* The wizards talk to the point's REST API: a remote point's, or the embedded point's own
 * endpoint while it serves one. */
static void
open_wizard (ShoalPointView *self, gboolean multicast)
{
  const char *url = self->point ? shoal_point_get_admin_url (self->point) : NULL;
  GtkWidget *wizard;

  if (url == NULL)
    {
      show_error (self, _("This distribution point serves no admin API to change it through "
                          "(the embedded point serves one while the demo runs)."));
      return;
    }
  wizard = multicast
           ? shoal_multicast_wizard_new (shoal_point_get_name (self->point), url,
                                         shoal_point_get_admin_token (self->point))
           : shoal_access_wizard_new (shoal_point_get_name (self->point), url,
                                      shoal_point_get_admin_token (self->point));
  gtk_window_set_transient_for (GTK_WINDOW (wizard),
                                GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))));
  gtk_window_present (GTK_WINDOW (wizard));
}

static void
multicast_wizard_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  open_wizard (SHOAL_POINT_VIEW (widget), TRUE);
}

static void
access_wizard_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  open_wizard (SHOAL_POINT_VIEW (widget), FALSE);
}

static void
shoal_point_view_dispose (GObject *object)
{
  ShoalPointView *self = SHOAL_POINT_VIEW (object);

  shoal_point_view_set_point (self, NULL);
  watch_session (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_POINT_VIEW);
  g_clear_object (&self->sessions);
  g_clear_object (&self->packages);
  G_OBJECT_CLASS (shoal_point_view_parent_class)->dispose (object);
}

static void
shoal_point_view_get_property (GObject *object, guint prop_id, GValue *value,
                               GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_POINT: g_value_set_object (value, SHOAL_POINT_VIEW (object)->point); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_point_view_set_property (GObject *object, guint prop_id, const GValue *value,
                               GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_POINT:
      shoal_point_view_set_point (SHOAL_POINT_VIEW (object), g_value_get_object (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_point_view_class_init (ShoalPointViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_point_view_dispose;
  object_class->get_property = shoal_point_view_get_property;
  object_class->set_property = shoal_point_view_set_property;

  properties[PROP_POINT] =
    g_param_spec_object ("point", NULL, NULL, SHOAL_TYPE_POINT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SHOAL_TYPE_SESSION_VIEW);
  g_type_ensure (SHOAL_TYPE_SESSION);
  g_type_ensure (SHOAL_TYPE_PACKAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/shoal/Shoal/shoal-point-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalPointView, tabs);
  gtk_widget_class_bind_template_child (widget_class, ShoalPointView, sessions_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalPointView, packages_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalPointView, session_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalPointView, error_label);
  shoal_format_add_callbacks (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, format_session_state);

  gtk_widget_class_install_action (widget_class, "point.start", NULL, start_activated);
  gtk_widget_class_install_action (widget_class, "point.start-now", NULL, start_now_activated);
  gtk_widget_class_install_action (widget_class, "point.stop", NULL, stop_activated);
  gtk_widget_class_install_action (widget_class, "point.multicast-wizard", NULL,
                                   multicast_wizard_activated);
  gtk_widget_class_install_action (widget_class, "point.access-wizard", NULL,
                                   access_wizard_activated);
  gtk_widget_class_install_action (widget_class, "point.export", NULL, export_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "point.start", NULL);
}

static void
shoal_point_view_init (ShoalPointView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->sessions = gtk_single_selection_new (NULL);
  gtk_single_selection_set_can_unselect (self->sessions, TRUE);
  g_signal_connect (self->sessions, "notify::selected-item",
                    G_CALLBACK (on_session_selected), self);
  /* After the selection and the view have taken the new items in, not before. */
  g_signal_connect_after (self->sessions, "items-changed", G_CALLBACK (on_sessions_changed),
                          self);
  gtk_column_view_set_model (self->sessions_view, GTK_SELECTION_MODEL (self->sessions));
  self->packages = gtk_single_selection_new (NULL);
  gtk_single_selection_set_autoselect (self->packages, FALSE);
  gtk_column_view_set_model (self->packages_view, GTK_SELECTION_MODEL (self->packages));
  update_actions (self);
}

GtkWidget *
shoal_point_view_new (void)
{
  return g_object_new (SHOAL_TYPE_POINT_VIEW, NULL);
}

ShoalPoint *
shoal_point_view_get_point (ShoalPointView *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT_VIEW (self), NULL);
  return self->point;
}

void
shoal_point_view_set_point (ShoalPointView *self,
                            ShoalPoint     *point)
{
  GListModel *sessions = NULL;

  g_return_if_fail (SHOAL_IS_POINT_VIEW (self));
  g_return_if_fail (point == NULL || SHOAL_IS_POINT (point));

  if (self->point == point)
    return;
  if (self->point != NULL)
    g_signal_handlers_disconnect_by_data (self->point, self);
  g_set_object (&self->point, point);
  if (point != NULL)
    {
      sessions = shoal_point_get_sessions (point);
      for (guint i = 0; i < g_list_model_get_n_items (sessions); i++)
        {
          g_autoptr(ShoalSession) s = g_list_model_get_item (sessions, i);
          shoal_rate_history_for_session (s);
        }
      g_signal_connect_swapped (point, "notify::can-start", G_CALLBACK (update_actions), self);
      g_signal_connect_swapped (point, "notify::error", G_CALLBACK (on_point_error), self);
      on_point_error (self);
    }
  else
    show_error (self, NULL);
  if (self->sessions != NULL)
    {
      gtk_single_selection_set_model (self->sessions, sessions);
      gtk_single_selection_set_model (self->packages,
                                      point ? shoal_point_get_packages (point) : NULL);
      if (sessions != NULL && g_list_model_get_n_items (sessions) > 0)
        gtk_single_selection_set_selected (self->sessions,
                                           g_list_model_get_n_items (sessions) - 1);
      watch_session (self, gtk_single_selection_get_selected_item (self->sessions));
      /* A point with no sessions yet has nothing to watch: show what it could send. */
      gtk_stack_set_visible_child_name (self->tabs, sessions != NULL
                                        && g_list_model_get_n_items (sessions) == 0
                                        ? "packages" : "sessions");
    }
  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POINT]);
}

ShoalSession *
shoal_point_view_get_selected_session (ShoalPointView *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT_VIEW (self), NULL);
  return self->watched;
}

void
shoal_point_view_select_session (ShoalPointView *self,
                                 ShoalSession   *session)
{
  GListModel *model;

  g_return_if_fail (SHOAL_IS_POINT_VIEW (self));

  model = gtk_single_selection_get_model (self->sessions);
  for (guint i = 0; model != NULL && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalSession) s = g_list_model_get_item (model, i);

      if (s == session)
        {
          gtk_single_selection_set_selected (self->sessions, i);
          gtk_stack_set_visible_child_name (self->tabs, "sessions");
        }
    }
}
