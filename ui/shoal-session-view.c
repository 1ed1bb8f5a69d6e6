/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One session in detail. The template binds every figure to the session's and its clients'
 * properties; this file only swaps models when the session changes and tells the graph
 * which clients are selected. */
#include "config.h"

#include <glib/gi18n.h>

#include "shoal-client-record.h"
#include "shoal-event-record.h"
#include "shoal-format.h"
#include "shoal-graph.h"
#include "shoal-rate-history.h"
#include "shoal-session-view.h"

struct _ShoalSessionView
{
  GtkWidget parent_instance;

  ShoalSession  *session;
  guint          scroll_idle;

  GtkStack      *pages;
  GtkColumnView *clients_view;
  GtkListView   *events_view;
  ShoalGraph    *graph;
};

G_DEFINE_FINAL_TYPE (ShoalSessionView, shoal_session_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SESSION, N_PROPS };
static GParamSpec *properties[N_PROPS];

static char *
format_title (gpointer this, const char *package, const char *id)
{
  g_autofree char *short_id = shoal_format_session_id (package, id);

  if (package == NULL)
    return g_strdup ("");
  return g_strdup_printf (_("%s — session %s"), package, short_id);
}

static char *
format_totals (gpointer this, guint64 rate, guint64 sent, guint64 repair)
{
  g_autofree char *r = shoal_format_rate (rate);
  g_autofree char *s = shoal_format_size (sent);
  g_autofree char *p = shoal_format_size (repair);

  return g_strdup_printf (_("%s · sent %s · repair %s"), r, s, p);
}

/* Colour by meaning, through the theme's own classes so dark and light both work. */
static GStrv
state_classes (gpointer this, const char *state)
{
  const char *cls = NULL;

  if (g_strcmp0 (state, "done") == 0 || g_strcmp0 (state, "complete") == 0)
    cls = "success";
  else if (g_strcmp0 (state, "failed") == 0 || g_strcmp0 (state, "error") == 0)
    cls = "error";
  else if (g_strcmp0 (state, "repairing") == 0 || g_strcmp0 (state, "cancelled") == 0
           || g_strcmp0 (state, "dropped") == 0 || g_strcmp0 (state, "fallback") == 0)
    cls = "warning";
  return g_strdupv ((char *[]) { "heading", (char *) cls, NULL });
}

static GStrv
event_classes (gpointer this, const char *kind)
{
  g_auto(GStrv) classes = state_classes (this, kind);

  /* Events are body text, not headings: keep only the colour. */
  return g_strdupv ((char *[]) { "dim-label", classes[1], NULL });
}

static void
on_selection_changed (GtkSelectionModel *model, guint position, guint n_items,
                      ShoalSessionView *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (model);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (guint32));
  GtkBitsetIter iter;
  guint pos;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &pos); ok;
       ok = gtk_bitset_iter_next (&iter, &pos))
    {
      g_autoptr(ShoalClientRecord) rec = g_list_model_get_item (G_LIST_MODEL (model), pos);
      guint32 id = shoal_client_record_get_id (rec);

      g_array_append_val (ids, id);
    }
  shoal_graph_set_visible_clients (self->graph, (guint32 *) ids->data, ids->len);
}

static gboolean
scroll_to_newest (gpointer data)
{
  ShoalSessionView *self = data;
  GListModel *model = G_LIST_MODEL (gtk_list_view_get_model (self->events_view));
  guint n = model ? g_list_model_get_n_items (model) : 0;

  self->scroll_idle = 0;
  /* The view has laid the new rows out by now; GTK 4.8 has no scroll_to() yet. */
  if (n > 0)
    gtk_widget_activate_action (GTK_WIDGET (self->events_view), "list.scroll-to-item", "u",
                                n - 1);
  return G_SOURCE_REMOVE;
}

/* The log follows the newest event, like a terminal. */
static void
on_events_changed (GListModel *model, guint position, guint removed, guint added,
                   ShoalSessionView *self)
{
  if (self->scroll_idle == 0)
    self->scroll_idle = g_idle_add_full (G_PRIORITY_LOW, scroll_to_newest, self, NULL);
}

static void
shoal_session_view_dispose (GObject *object)
{
  ShoalSessionView *self = SHOAL_SESSION_VIEW (object);

  g_clear_handle_id (&self->scroll_idle, g_source_remove);

  shoal_session_view_set_session (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_SESSION_VIEW);
  G_OBJECT_CLASS (shoal_session_view_parent_class)->dispose (object);
}

static void
shoal_session_view_get_property (GObject *object, guint prop_id, GValue *value,
                                 GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SESSION: g_value_set_object (value, SHOAL_SESSION_VIEW (object)->session); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_session_view_set_property (GObject *object, guint prop_id, const GValue *value,
                                 GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_SESSION:
      shoal_session_view_set_session (SHOAL_SESSION_VIEW (object), g_value_get_object (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_session_view_class_init (ShoalSessionViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_session_view_dispose;
  object_class->get_property = shoal_session_view_get_property;
  object_class->set_property = shoal_session_view_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, SHOAL_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (SHOAL_TYPE_GRAPH);
  g_type_ensure (SHOAL_TYPE_CLIENT_RECORD);
  g_type_ensure (SHOAL_TYPE_EVENT_RECORD);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/shoal/Shoal/shoal-session-view.ui");
  gtk_widget_class_bind_template_child (widget_class, ShoalSessionView, pages);
  gtk_widget_class_bind_template_child (widget_class, ShoalSessionView, clients_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalSessionView, events_view);
  gtk_widget_class_bind_template_child (widget_class, ShoalSessionView, graph);
  shoal_format_add_callbacks (widget_class);
  gtk_widget_class_bind_template_callback (widget_class, format_title);
  gtk_widget_class_bind_template_callback (widget_class, format_totals);
  gtk_widget_class_bind_template_callback (widget_class, state_classes);
  gtk_widget_class_bind_template_callback (widget_class, event_classes);
}

static void
shoal_session_view_init (ShoalSessionView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
shoal_session_view_new (void)
{
  return g_object_new (SHOAL_TYPE_SESSION_VIEW, NULL);
}

ShoalSession *
shoal_session_view_get_session (ShoalSessionView *self)
{
  g_return_val_if_fail (SHOAL_IS_SESSION_VIEW (self), NULL);
  return self->session;
}

void
shoal_session_view_set_session (ShoalSessionView *self,
                                ShoalSession     *session)
{
  g_autoptr(GtkMultiSelection) clients = NULL;
  g_autoptr(GtkNoSelection) events = NULL;

  g_return_if_fail (SHOAL_IS_SESSION_VIEW (self));
  g_return_if_fail (session == NULL || SHOAL_IS_SESSION (session));

  if (self->session == session)
    return;
  g_set_object (&self->session, session);

  if (session != NULL)
    {
      clients = gtk_multi_selection_new (g_object_ref (shoal_session_get_clients (session)));
      g_signal_connect (clients, "selection-changed", G_CALLBACK (on_selection_changed), self);
      events = gtk_no_selection_new (g_object_ref (shoal_session_get_events (session)));
      g_signal_connect_object (events, "items-changed", G_CALLBACK (on_events_changed), self,
                               G_CONNECT_AFTER);
    }
  gtk_column_view_set_model (self->clients_view, GTK_SELECTION_MODEL (clients));
  gtk_list_view_set_model (self->events_view, GTK_SELECTION_MODEL (events));
  if (events != NULL)
    on_events_changed (G_LIST_MODEL (events), 0, 0, 0, self);
  shoal_graph_set_visible_clients (self->graph, NULL, 0);
  shoal_graph_set_history (self->graph,
                           session ? shoal_rate_history_for_session (session) : NULL);
  gtk_stack_set_visible_child_name (self->pages, session ? "session" : "empty");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}
