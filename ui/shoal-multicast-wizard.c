/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The multicast wizard. Every check happens on the distribution point (settings/check, the
 * preflight, the probe), so what the wizard shows is what the point found; nothing is
 * written until "Apply", and a refused apply leaves the point as it was. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "shoal-admin-call.h"
#include "shoal-ctl-admin.h"
#include "shoal-format.h"
#include "shoal-multicast-wizard.h"
#include "shoal-net-interface.h"
#include "shoal-preflight-check.h"
#include "shoal-resources.h"
#include "shoal-probe-client.h"

#define LISTEN_SECONDS   3
#define PROBE_WAIT       30
#define POLL_MS          400

static const char * const pages[] = {
  "interface", "addresses", "transfer", "preflight", "summary",
};
static const guint64 rate_profiles[] = { 100000000, 1000000000, 10000000000 };
enum { RATE_100M, RATE_1G, RATE_10G, RATE_CUSTOM, RATE_ADAPTIVE };

struct _ShoalMulticastWizard
{
  GtkWindow parent_instance;

  char               *name;
  char               *url;
  char               *token;
  GCancellable       *cancellable;
  JsonNode           *settings;        /* the point's, as loaded */
  JsonNode           *status;
  GListStore         *interfaces;      /* ShoalNetInterface */
  GtkSingleSelection *iface_selection;
  GListStore         *checks;          /* ShoalPreflightCheck of the preflight */
  GListStore         *results;         /* ShoalPreflightCheck of the apply */
  char               *preflight_id;
  char               *preflight_mode;  /* "range" (the addresses page) or "full" */
  guint               poll_id;
  char               *acknowledged;    /* range values whose other senders were shown */
  char               *range_note;      /* the point's warnings about the range */
  guint               page;
  gboolean            busy;
  gboolean            loaded;
  gboolean            preflight_done;
  gboolean            preflight_ok;
  gboolean            applied;
  gboolean            verified;
  char               *error;

  GtkLabel           *point_label;
  GtkStack           *stack;
  GtkLabel           *step_interface;
  GtkLabel           *step_addresses;
  GtkLabel           *step_transfer;
  GtkLabel           *step_preflight;
  GtkLabel           *step_summary;
  GtkLabel           *error_label;
  GtkSpinner         *spinner;
  GtkButton          *cancel_button;
  GtkButton          *back_button;
  GtkButton          *next_button;
  GtkLabel           *interface_status;
  GtkColumnView      *interfaces_view;
  GtkEntry           *group_first_entry;
  GtkEntry           *group_last_entry;
  GtkCheckButton     *ipv6_check;
  GtkSpinButton      *port_first_spin;
  GtkSpinButton      *port_last_spin;
  GtkLabel           *addresses_status;
  GtkDropDown        *rate_dropdown;
  GtkSpinButton      *custom_rate_spin;
  GtkSpinButton      *min_rate_spin;
  GtkCheckButton     *drop_slow_check;
  GtkSpinButton      *slow_loss_spin;
  GtkSpinButton      *slow_grace_spin;
  GtkSpinButton      *min_clients_spin;
  GtkSpinButton      *max_wait_spin;
  GtkSpinButton      *max_clients_spin;
  GtkSpinButton      *querier_spin;
  GtkCheckButton     *probe_check;
  GtkLabel           *preflight_status;
  GtkListView        *preflight_view;
  GtkLabel           *summary_label;
  GtkCheckButton     *regenerate_check;
  GtkCheckButton     *signing_check;
  GtkLabel           *summary_status;
  GtkListView        *results_view;
};

G_DEFINE_FINAL_TYPE (ShoalMulticastWizard, shoal_multicast_wizard, GTK_TYPE_WINDOW)

static void update_buttons (ShoalMulticastWizard *self);
static void start_preflight (ShoalMulticastWizard *self, const char *mode);

/* A node that takes @object over (json_node_init_object would add a reference). */
static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

/* ---- small helpers --------------------------------------------------------------------- */

static JsonObject *
settings_object (ShoalMulticastWizard *self)
{
  return self->settings ? json_node_get_object (self->settings) : NULL;
}

static gint64
setting_int (ShoalMulticastWizard *self, const char *key, gint64 fallback)
{
  JsonObject *o = settings_object (self);

  return o ? json_object_get_int_member_with_default (o, key, fallback) : fallback;
}

static const char *
setting_str (ShoalMulticastWizard *self, const char *key, const char *fallback)
{
  JsonObject *o = settings_object (self);
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return fallback;
  return json_node_get_string (n);
}

static void
show_error (ShoalMulticastWizard *self, const char *text)
{
  g_free (self->error);
  self->error = g_strdup (text);
  gtk_label_set_text (self->error_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
show_call_error (ShoalMulticastWizard *self, GError *error)
{
  g_autofree char *text = shoal_admin_describe_error (self->url, error);

  show_error (self, text);
}

static void
set_busy (ShoalMulticastWizard *self, gboolean busy)
{
  self->busy = busy;
  if (busy)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
  update_buttons (self);
}

static const char *
current_interface (ShoalMulticastWizard *self)
{
  ShoalNetInterface *iface = gtk_single_selection_get_selected_item (self->iface_selection);

  return iface ? shoal_net_interface_get_name (iface) : NULL;
}

static guint64
chosen_rate (ShoalMulticastWizard *self, gboolean *adaptive)
{
  guint profile = gtk_drop_down_get_selected (self->rate_dropdown);

  *adaptive = profile == RATE_ADAPTIVE;
  if (profile < G_N_ELEMENTS (rate_profiles))
    return rate_profiles[profile];
  return (guint64) gtk_spin_button_get_value_as_int (self->custom_rate_spin) * 1000000;
}

/* The settings the wizard would apply; @full adds the transfer page's. */
static JsonNode *
proposed (ShoalMulticastWizard *self, gboolean full)
{
  JsonObject *o = json_object_new ();
  const char *iface = current_interface (self);

  json_object_set_boolean_member (o, "multicast_enabled", TRUE);
  if (iface != NULL)
    json_object_set_string_member (o, "interface", iface);
  json_object_set_string_member (o, "group_first",
                                 gtk_editable_get_text (GTK_EDITABLE (self->group_first_entry)));
  json_object_set_string_member (o, "group_last",
                                 gtk_editable_get_text (GTK_EDITABLE (self->group_last_entry)));
  json_object_set_int_member (o, "port_first",
                              gtk_spin_button_get_value_as_int (self->port_first_spin));
  json_object_set_int_member (o, "port_last",
                              gtk_spin_button_get_value_as_int (self->port_last_spin));
  if (full)
    {
      gboolean adaptive;
      guint64 rate = chosen_rate (self, &adaptive);

      json_object_set_int_member (o, "max_rate", (gint64) rate);
      json_object_set_boolean_member (o, "adaptive", adaptive);
      if (adaptive)
        json_object_set_int_member (o, "min_rate",
                                    (gint64) gtk_spin_button_get_value_as_int (self->min_rate_spin)
                                    * 1000000);
      json_object_set_boolean_member (o, "drop_slow",
                                      gtk_check_button_get_active (self->drop_slow_check));
      json_object_set_int_member (o, "slow_loss_percent",
                                  gtk_spin_button_get_value_as_int (self->slow_loss_spin));
      json_object_set_int_member (o, "slow_grace",
                                  gtk_spin_button_get_value_as_int (self->slow_grace_spin));
      json_object_set_int_member (o, "min_clients",
                                  gtk_spin_button_get_value_as_int (self->min_clients_spin));
      json_object_set_int_member (o, "max_wait",
                                  gtk_spin_button_get_value_as_int (self->max_wait_spin));
      json_object_set_int_member (o, "max_clients",
                                  gtk_spin_button_get_value_as_int (self->max_clients_spin));
    }
  return object_node (o);
}

static char *
range_key (ShoalMulticastWizard *self)
{
  return g_strdup_printf ("%s %s %s %d %d", current_interface (self),
                          gtk_editable_get_text (GTK_EDITABLE (self->group_first_entry)),
                          gtk_editable_get_text (GTK_EDITABLE (self->group_last_entry)),
                          gtk_spin_button_get_value_as_int (self->port_first_spin),
                          gtk_spin_button_get_value_as_int (self->port_last_spin));
}

/* ---- pages ----------------------------------------------------------------------------- */

static void
update_steps (ShoalMulticastWizard *self)
{
  GtkLabel *steps[] = { self->step_interface, self->step_addresses, self->step_transfer,
                        self->step_preflight, self->step_summary };

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (steps[i]), "heading");
      gtk_widget_remove_css_class (GTK_WIDGET (steps[i]), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (steps[i]), i == self->page ? "heading" : "dim-label");
    }
}

static void
update_buttons (ShoalMulticastWizard *self)
{
  gboolean next = !self->busy;
  ShoalNetInterface *iface = gtk_single_selection_get_selected_item (self->iface_selection);

  if (self->page == 0)
    next = next && self->loaded && iface != NULL && shoal_net_interface_get_usable (iface);
  else if (self->page == 3)
    next = next && self->preflight_done && self->preflight_ok;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.next", next);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.back",
                                 !self->busy && self->page > 0 && !self->applied);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.preflight",
                                 !self->busy && self->page == 3);
  gtk_button_set_label (self->next_button,
                        self->page < 4 ? _("_Next") : self->applied ? _("_Close") : _("_Apply"));
  gtk_button_set_label (self->cancel_button, self->applied ? _("_Close") : _("_Cancel"));
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), !self->applied);
}

static void
fill_summary (ShoalMulticastWizard *self)
{
  g_autoptr(JsonNode) next = proposed (self, TRUE);
  g_autoptr(GList) keys = json_object_get_members (json_node_get_object (next));
  GString *s = g_string_new (NULL);
  guint changed = 0;

  g_string_append_printf (s, _("These settings of %s change:\n"), self->name);
  for (GList *l = keys; l != NULL; l = l->next)
    {
      JsonNode *now = settings_object (self)
                      ? json_object_get_member (settings_object (self), l->data) : NULL;
      JsonNode *then = json_object_get_member (json_node_get_object (next), l->data);
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autofree char *a = NULL, *b = NULL;

      if (now != NULL && json_node_equal (now, then))
        continue;
      if (g_str_has_suffix (l->data, "_rate"))
        {
          /* Rates in the words the transfer page uses, not bits per second. */
          a = now ? shoal_format_rate ((guint64) json_node_get_int (now)) : NULL;
          b = shoal_format_rate ((guint64) json_node_get_int (then));
        }
      else
        {
          if (now != NULL)
            {
              json_generator_set_root (gen, now);
              a = json_generator_to_data (gen, NULL);
            }
          json_generator_set_root (gen, then);
          b = json_generator_to_data (gen, NULL);
        }
      g_string_append_printf (s, "  %s: %s → %s\n", (char *) l->data, a ? a : "—", b);
      changed++;
    }
  if (changed == 0)
    g_string_append (s, _("  (none: the point already has them)\n"));
  g_string_append (s, json_object_get_string_member_with_default (
                        json_node_get_object (self->status), "config_file", NULL)
                      ? _("\nThey are written to the point's config file at once (atomically), "
                          "and sessions that are running keep going.")
                      : _("\nThe point runs without a config file: they apply until it "
                          "restarts. Sessions that are running keep going."));
  gtk_label_set_text (self->summary_label, s->str);
  g_string_free (s, TRUE);
}

static void
go_to (ShoalMulticastWizard *self, guint page)
{
  self->page = page;
  show_error (self, NULL);
  gtk_stack_set_visible_child_name (self->stack, pages[page]);
  update_steps (self);
  if (page == 3)
    start_preflight (self, "full");
  if (page == 4)
    fill_summary (self);
  update_buttons (self);
}

/* ---- loading --------------------------------------------------------------------------- */

static void
choose_interface (ShoalMulticastWizard *self)
{
  GListModel *model = G_LIST_MODEL (self->interfaces);
  const char *configured = setting_str (self, "interface", NULL);
  guint best = GTK_INVALID_LIST_POSITION;

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(ShoalNetInterface) iface = g_list_model_get_item (model, i);

      if (configured != NULL && g_str_equal (shoal_net_interface_get_name (iface), configured))
        {
          best = i;
          break;
        }
      if (best == GTK_INVALID_LIST_POSITION && shoal_net_interface_get_usable (iface)
          && !shoal_net_interface_get_loopback (iface))
        best = i;
    }
  if (best != GTK_INVALID_LIST_POSITION)
    gtk_single_selection_set_selected (self->iface_selection, best);
}

static void
fill_from_settings (ShoalMulticastWizard *self)
{
  guint64 rate = (guint64) setting_int (self, "max_rate", 1000000000);
  guint profile = RATE_CUSTOM;

  gtk_editable_set_text (GTK_EDITABLE (self->group_first_entry),
                         setting_str (self, "group_first", "239.255.42.1"));
  gtk_editable_set_text (GTK_EDITABLE (self->group_last_entry),
                         setting_str (self, "group_last", "239.255.42.254"));
  gtk_check_button_set_active (self->ipv6_check,
                               strchr (setting_str (self, "group_first", ""), ':') != NULL);
  gtk_spin_button_set_value (self->port_first_spin, setting_int (self, "port_first", 47000));
  gtk_spin_button_set_value (self->port_last_spin, setting_int (self, "port_last", 47999));
  for (guint i = 0; i < G_N_ELEMENTS (rate_profiles); i++)
    if (rate == rate_profiles[i])
      profile = i;
  if (json_object_get_boolean_member_with_default (settings_object (self), "adaptive", FALSE))
    profile = RATE_ADAPTIVE;
  gtk_drop_down_set_selected (self->rate_dropdown, profile);
  gtk_spin_button_set_value (self->custom_rate_spin, rate ? rate / 1000000 : 1000);
  gtk_spin_button_set_value (self->min_rate_spin, setting_int (self, "min_rate", 10000000)
                                                  / 1000000);
  gtk_check_button_set_active (self->drop_slow_check,
                               json_object_get_boolean_member_with_default (
                                 settings_object (self), "drop_slow", FALSE));
  gtk_spin_button_set_value (self->slow_loss_spin, setting_int (self, "slow_loss_percent", 10));
  gtk_spin_button_set_value (self->slow_grace_spin, setting_int (self, "slow_grace", 10));
  gtk_spin_button_set_value (self->min_clients_spin, setting_int (self, "min_clients", 0));
  gtk_spin_button_set_value (self->max_wait_spin, setting_int (self, "max_wait", 0));
  gtk_spin_button_set_value (self->max_clients_spin, setting_int (self, "max_clients", 0));
}

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  ShoalMulticastWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) answers = shoal_admin_run_finish (result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (answers == NULL)
    {
      gtk_label_set_text (self->interface_status, _("The distribution point did not answer."));
      show_call_error (self, error);
      return;
    }
  self->status = json_node_ref (answers->pdata[0]);
  self->settings = json_node_ref (answers->pdata[1]);
  if (JSON_NODE_HOLDS_ARRAY (answers->pdata[2]))
    {
      JsonArray *a = json_node_get_array (answers->pdata[2]);

      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          g_autoptr(ShoalNetInterface) iface =
            shoal_net_interface_new_from_json (json_array_get_element (a, i), NULL);
          if (iface != NULL)
            g_list_store_append (self->interfaces, iface);
        }
    }
  {
    g_autofree char *text = g_strdup_printf (
      _("%s (%s): multicast is %s; %s access."), self->name, self->url,
      json_object_get_boolean_member_with_default (settings_object (self), "multicast_enabled",
                                                   FALSE) ? _("on") : _("off"),
      json_object_get_string_member_with_default (json_node_get_object (self->status), "access",
                                                  "?"));
    gtk_label_set_text (self->interface_status, text);
  }
  self->loaded = TRUE;
  fill_from_settings (self);
  choose_interface (self);
  update_buttons (self);
}

static void
load (ShoalMulticastWizard *self)
{
  const ShoalAdminRequest requests[] = {
    { "GET", "/api/v1/status", NULL },
    { "GET", "/api/v1/settings", NULL },
    { "GET", "/api/v1/interfaces", NULL },
  };

  gtk_label_set_text (self->interface_status, _("Asking the distribution point…"));
  set_busy (self, TRUE);
  shoal_admin_run_async (self->url, self->token, requests, G_N_ELEMENTS (requests),
                         self->cancellable, on_loaded, self);
}

/* ---- preflight ------------------------------------------------------------------------- */

static void poll_preflight (ShoalMulticastWizard *self);

static void
preflight_finished (ShoalMulticastWizard *self, JsonObject *answer)
{
  const char *outcome = json_object_get_string_member_with_default (answer, "outcome", "fail");

  self->preflight_done = TRUE;
  set_busy (self, FALSE);
  if (g_str_equal (self->preflight_mode, "range"))
    {
      /* Another sender, or a range outside the usual block, is a warning: shown once,
       * then Next goes on. */
      if (g_str_equal (outcome, "pass") && *self->range_note == '\0')
        go_to (self, 2);
      else
        {
          JsonArray *checks = json_object_get_array_member (answer, "checks");
          JsonObject *c = json_array_get_length (checks) > 0
                          ? json_array_get_object_element (checks, 0) : NULL;
          gboolean other = !g_str_equal (outcome, "pass") && c != NULL;
          g_autofree char *text = g_strdup_printf (
            _("%s%s%s%s%sPress Next to use this range anyway, or change it."), self->range_note,
            other ? json_object_get_string_member_with_default (c, "detail", "") : "",
            other ? "\n" : "",
            other ? json_object_get_string_member_with_default (c, "remedy", "") : "",
            other ? "\n" : "");

          g_free (self->acknowledged);
          self->acknowledged = range_key (self);
          gtk_label_set_text (self->addresses_status, text);
          gtk_widget_add_css_class (GTK_WIDGET (self->addresses_status), "warning");
        }
      return;
    }
  self->preflight_ok = !g_str_equal (outcome, "fail");
  if (!self->preflight_ok)
    {
      show_error (self, _("The preflight failed: fix what is marked FAIL, or go back and "
                          "change the settings, then run it again. Nothing has been changed."));
      gtk_label_set_text (self->preflight_status, _("Failed."));
    }
  else
    gtk_label_set_text (self->preflight_status,
                        g_str_equal (outcome, "warn")
                        ? _("Passed with warnings: read them before you go on.")
                        : _("Passed."));
  update_buttons (self);
}

static void
on_polled (GObject *source, GAsyncResult *result, gpointer data)
{
  ShoalMulticastWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) answers = shoal_admin_run_finish (result, &error);
  JsonObject *o;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answers == NULL)
    {
      set_busy (self, FALSE);
      show_call_error (self, error);
      return;
    }
  o = json_node_get_object (answers->pdata[answers->len - 1]);
  if (self->preflight_id == NULL)
    self->preflight_id = g_strdup (json_object_get_string_member (o, "id"));
  if (g_str_equal (self->preflight_mode, "full"))
    shoal_admin_sync_checks (self->checks, json_object_get_array_member (o, "checks"));
  if (g_str_equal (json_object_get_string_member_with_default (o, "state", ""), "done"))
    preflight_finished (self, o);
  else
    self->poll_id = g_timeout_add_once (POLL_MS, (GSourceOnceFunc) poll_preflight, self);
}

static void
poll_preflight (ShoalMulticastWizard *self)
{
  g_autofree char *path = g_strdup_printf ("/api/v1/preflight/%s", self->preflight_id);
  const ShoalAdminRequest request = { "GET", path, NULL };

  self->poll_id = 0;
  shoal_admin_run_async (self->url, self->token, &request, 1, self->cancellable, on_polled,
                         self);
}

static void
start_preflight (ShoalMulticastWizard *self, const char *mode)
{
  g_autoptr(JsonNode) body = proposed (self, FALSE);
  JsonObject *o = json_node_get_object (body);
  ShoalAdminRequest request = { "POST", "/api/v1/preflight", body };

  g_clear_handle_id (&self->poll_id, g_source_remove);
  g_clear_pointer (&self->preflight_id, g_free);
  g_free (self->preflight_mode);
  self->preflight_mode = g_strdup (mode);
  self->preflight_done = self->preflight_ok = FALSE;
  json_object_remove_member (o, "multicast_enabled");
  if (g_str_equal (mode, "range"))
    {
      const char *only[] = { "duplicates" };
      JsonArray *a = json_array_new ();

      json_array_add_string_element (a, only[0]);
      json_object_set_array_member (o, "only", a);
      json_object_set_int_member (o, "listen", LISTEN_SECONDS);
      gtk_label_set_text (self->addresses_status,
                          _("Listening on the range for other senders…"));
      gtk_widget_remove_css_class (GTK_WIDGET (self->addresses_status), "warning");
    }
  else
    {
      g_list_store_remove_all (self->checks);
      json_object_set_int_member (o, "querier_wait",
                                  gtk_spin_button_get_value_as_int (self->querier_spin));
      json_object_set_int_member (o, "listen", LISTEN_SECONDS);
      json_object_set_int_member (o, "probe_wait", gtk_check_button_get_active (self->probe_check)
                                                   ? PROBE_WAIT : 0);
      gtk_label_set_text (self->preflight_status,
                          gtk_check_button_get_active (self->probe_check)
                          ? _("Running on the distribution point; run shoal-client --probe URL "
                              "on a client now…")
                          : _("Running on the distribution point…"));
    }
  set_busy (self, TRUE);
  shoal_admin_run_async (self->url, self->token, &request, 1, self->cancellable, on_polled,
                         self);
}

/* ---- navigation ------------------------------------------------------------------------ */

static void
on_range_checked (GObject *source, GAsyncResult *result, gpointer data)
{
  ShoalMulticastWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) answers = shoal_admin_run_finish (result, &error);
  JsonArray *warnings;
  GString *text;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answers == NULL)
    {
      set_busy (self, FALSE);
      gtk_label_set_text (self->addresses_status, "");
      show_call_error (self, error);
      return;
    }
  warnings = json_object_get_array_member (json_node_get_object (answers->pdata[0]), "warnings");
  text = g_string_new (NULL);
  for (guint i = 0; warnings != NULL && i < json_array_get_length (warnings); i++)
    g_string_append_printf (text, "%s.\n", json_array_get_string_element (warnings, i));
  set_busy (self, FALSE);
  if (self->page == 1)
    {
      g_free (self->range_note);
      self->range_note = g_string_free (g_steal_pointer (&text), FALSE);
      start_preflight (self, "range");
    }
  else
    {
      g_string_free (text, TRUE);
      go_to (self, self->page + 1);
    }
}

static void
check_settings (ShoalMulticastWizard *self, gboolean full)
{
  g_autoptr(JsonNode) body = proposed (self, full);
  const ShoalAdminRequest request = { "POST", "/api/v1/settings/check", body };

  show_error (self, NULL);
  set_busy (self, TRUE);
  shoal_admin_run_async (self->url, self->token, &request, 1, self->cancellable,
                         on_range_checked, self);
}

static void
on_probe_received (GObject *source, GAsyncResult *result, gpointer data)
{
  ShoalMulticastWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) report = shoal_admin_probe_finish (result, &error);
  g_autoptr(ShoalPreflightCheck) row = shoal_preflight_check_new ("test-session",
                                                                  _("Test session"));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (report != NULL)
    {
      g_autofree char *line = shoal_probe_client_describe (report);
      g_autofree char *detail = g_strdup_printf (_("This console received %s."), line);
      double loss = json_object_get_double_member (json_node_get_object (report), "loss");

      shoal_preflight_check_set (row, loss <= 0.01 ? SHOAL_CHECK_PASS : SHOAL_CHECK_WARN, detail,
                                 loss <= 0.01 ? NULL
                                 : _("Some datagrams were lost: repair covers it, but check the "
                                     "rate against the slowest link."));
      self->verified = TRUE;
      gtk_label_set_text (self->summary_status, _("Multicast is on, and it works."));
      gtk_widget_add_css_class (GTK_WIDGET (self->summary_status), "success");
    }
  else
    {
      shoal_preflight_check_set (row, SHOAL_CHECK_FAIL, error->message,
                                 _("The settings are applied, but this console did not receive "
                                   "the test session: see the preflight's advice."));
      gtk_label_set_text (self->summary_status,
                          _("Applied, but the test session did not reach this console."));
    }
  g_list_store_append (self->results, row);
}

static void
add_result (ShoalMulticastWizard *self, const char *name, const char *title,
            ShoalCheckState state, const char *detail)
{
  g_autoptr(ShoalPreflightCheck) row = shoal_preflight_check_new (name, title);

  shoal_preflight_check_set (row, state, detail, NULL);
  g_list_store_append (self->results, row);
}

static void
on_applied (GObject *source, GAsyncResult *result, gpointer data)
{
  ShoalMulticastWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) answers = shoal_admin_run_finish (result, &error);
  gboolean regenerated = gtk_check_button_get_active (self->regenerate_check);
  JsonObject *status, *keys = NULL;
  JsonArray *sessions;
  guint running = 0;
  const char *file;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answers == NULL)
    {
      set_busy (self, FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->regenerate_check), TRUE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->signing_check), TRUE);
      show_call_error (self, error);
      return;
    }
  self->applied = TRUE;
  /* The results take the choices' place: they are in the rows now. */
  gtk_widget_set_visible (GTK_WIDGET (self->regenerate_check), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->signing_check), FALSE);
  if (regenerated)
    keys = json_node_get_object (answers->pdata[1]);
  status = json_node_get_object (answers->pdata[regenerated ? 2 : 1]);
  sessions = json_node_get_array (answers->pdata[regenerated ? 3 : 2]);
  file = json_object_get_string_member_with_default (status, "config_file", NULL);
  {
    g_autofree char *d = file ? g_strdup_printf (_("Written to %s."), file)
                              : g_strdup (_("Applied in memory: the point has no config file."));
    add_result (self, "saved", _("Settings"), file ? SHOAL_CHECK_PASS : SHOAL_CHECK_WARN, d);
  }
  if (keys != NULL)
    {
      g_autofree char *d = g_strdup_printf (
        _("%" G_GINT64_FORMAT " keys of finished sessions removed, %u kept for running sessions; "
          "signing key %s%s."), json_object_get_int_member (keys, "removed"),
        json_array_get_length (json_object_get_array_member (keys, "kept")),
        json_object_get_string_member (keys, "key_fingerprint"),
        json_object_get_boolean_member (keys, "signing_rotated") ? _(" (new)") : "");
      add_result (self, "keys", _("Keys regenerated"), SHOAL_CHECK_PASS, d);
    }
  for (guint i = 0; sessions != NULL && i < json_array_get_length (sessions); i++)
    {
      const char *state = json_object_get_string_member_with_default (
        json_array_get_object_element (sessions, i), "state", "");
      running += g_str_equal (state, "waiting") || g_str_equal (state, "running")
                 || g_str_equal (state, "repairing");
    }
  {
    g_autofree char *d = g_strdup_printf (ngettext ("%u session was running and kept going.",
                                                    "%u sessions were running and kept going.",
                                                    running), running);
    add_result (self, "sessions", _("Running sessions"), SHOAL_CHECK_PASS, d);
  }
  gtk_label_set_text (self->summary_status,
                      _("Applied. A test session now proves it: this console joins it."));
  update_buttons (self);
  shoal_admin_probe_async (self->url, NULL, NULL, 20, self->cancellable, on_probe_received,
                           self);
}

static void
apply (ShoalMulticastWizard *self)
{
  g_autoptr(JsonNode) settings = proposed (self, TRUE);
  g_autoptr(JsonNode) keys = NULL;
  g_autoptr(JsonNode) probe = NULL;
  ShoalAdminRequest requests[5];
  guint n = 0;

  requests[n++] = (ShoalAdminRequest) { "PUT", "/api/v1/settings", settings };
  if (gtk_check_button_get_active (self->regenerate_check))
    {
      JsonObject *o = json_object_new ();

      json_object_set_boolean_member (o, "signing",
                                      gtk_check_button_get_active (self->signing_check));
      keys = object_node (o);
      requests[n++] = (ShoalAdminRequest) { "POST", "/api/v1/keys/regenerate", keys };
    }
  requests[n++] = (ShoalAdminRequest) { "GET", "/api/v1/status", NULL };
  requests[n++] = (ShoalAdminRequest) { "GET", "/api/v1/sessions", NULL };
  {
    JsonObject *o = json_object_new ();

    json_object_set_int_member (o, "wait", 20);
    probe = object_node (o);
    requests[n++] = (ShoalAdminRequest) { "POST", "/api/v1/probe", probe };
  }
  show_error (self, NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->regenerate_check), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->signing_check), FALSE);
  /* Something could also change between the preflight and here: the point checks again. */
  set_busy (self, TRUE);
  shoal_admin_run_async (self->url, self->token, requests, n, self->cancellable, on_applied,
                         self);
}

static void
next_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalMulticastWizard *self = SHOAL_MULTICAST_WIZARD (widget);

  switch (self->page)
    {
    case 0:
      go_to (self, 1);
      break;
    case 1:
      {
        g_autofree char *key = range_key (self);

        if (g_strcmp0 (key, self->acknowledged) == 0)
          go_to (self, 2);
        else
          check_settings (self, FALSE);
      }
      break;
    case 2:
      check_settings (self, TRUE);
      break;
    case 3:
      go_to (self, 4);
      break;
    default:
      if (self->applied)
        gtk_window_close (GTK_WINDOW (self));
      else
        apply (self);
      break;
    }
}

static void
back_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalMulticastWizard *self = SHOAL_MULTICAST_WIZARD (widget);

  if (self->page > 0)
    go_to (self, self->page - 1);
}

static void
preflight_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalMulticastWizard *self = SHOAL_MULTICAST_WIZARD (widget);

  show_error (self, NULL);
  start_preflight (self, "full");
}

static void
on_ipv6_toggled (ShoalMulticastWizard *self)
{
  gboolean v6 = gtk_check_button_get_active (self->ipv6_check);
  const char *first = gtk_editable_get_text (GTK_EDITABLE (self->group_first_entry));

  /* Only swap the defaults in; an address the admin typed of the right family stays. */
  if (v6 == (strchr (first, ':') != NULL))
    return;
  gtk_editable_set_text (GTK_EDITABLE (self->group_first_entry),
                         v6 ? "ff05::4:1" : "239.255.42.1");
  gtk_editable_set_text (GTK_EDITABLE (self->group_last_entry),
                         v6 ? "ff05::4:ff" : "239.255.42.254");
}

static void
on_rate_changed (ShoalMulticastWizard *self)
{
  guint profile = gtk_drop_down_get_selected (self->rate_dropdown);

  gtk_widget_set_sensitive (GTK_WIDGET (self->custom_rate_spin),
                            profile == RATE_CUSTOM || profile == RATE_ADAPTIVE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->min_rate_spin), profile == RATE_ADAPTIVE);
}

static void
on_slow_toggled (ShoalMulticastWizard *self)
{
  gboolean on = gtk_check_button_get_active (self->drop_slow_check);

  gtk_widget_set_sensitive (GTK_WIDGET (self->slow_loss_spin), on);
  gtk_widget_set_sensitive (GTK_WIDGET (self->slow_grace_spin), on);
}

/* ---- GObject --------------------------------------------------------------------------- */

static char *
format_mtu (gpointer this, ShoalNetInterface *iface, guint mtu)
{
  return mtu ? g_strdup_printf ("%u", mtu) : g_strdup ("—");
}

static char *
format_usable (gpointer this, ShoalNetInterface *iface, gboolean usable)
{
  if (iface == NULL)
    return g_strdup ("");
  if (usable)
    return g_strdup (shoal_net_interface_get_loopback (iface) ? _("yes (this host only)")
                                                              : _("yes"));
  if (!shoal_net_interface_get_up (iface))
    return g_strdup (_("no: down"));
  if (!shoal_net_interface_get_multicast (iface))
    return g_strdup (_("no: no MULTICAST flag"));
  return g_strdup (_("no: no address"));
}

static void
shoal_multicast_wizard_dispose (GObject *object)
{
  ShoalMulticastWizard *self = SHOAL_MULTICAST_WIZARD (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_MULTICAST_WIZARD);
  g_clear_object (&self->iface_selection);
  g_clear_object (&self->interfaces);
  g_clear_object (&self->checks);
  g_clear_object (&self->results);
  G_OBJECT_CLASS (shoal_multicast_wizard_parent_class)->dispose (object);
}

static void
shoal_multicast_wizard_finalize (GObject *object)
{
  ShoalMulticastWizard *self = SHOAL_MULTICAST_WIZARD (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->settings, json_node_unref);
  g_clear_pointer (&self->status, json_node_unref);
  g_free (self->name);
  g_free (self->url);
  if (self->token != NULL)
    explicit_bzero (self->token, strlen (self->token));
  g_free (self->token);
  g_free (self->preflight_id);
  g_free (self->preflight_mode);
  g_free (self->acknowledged);
  g_free (self->range_note);
  g_free (self->error);
  G_OBJECT_CLASS (shoal_multicast_wizard_parent_class)->finalize (object);
}

static void
shoal_multicast_wizard_class_init (ShoalMulticastWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_multicast_wizard_dispose;
  object_class->finalize = shoal_multicast_wizard_finalize;

  g_type_ensure (SHOAL_TYPE_NET_INTERFACE);
  g_type_ensure (SHOAL_TYPE_PREFLIGHT_CHECK);
  /* A static link keeps the resource bundle only when something refers to it. */
  g_assert (shoal_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/shoal/Shoal/shoal-multicast-wizard.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, ShoalMulticastWizard, name)
  CHILD (point_label);
  CHILD (stack);
  CHILD (step_interface);
  CHILD (step_addresses);
  CHILD (step_transfer);
  CHILD (step_preflight);
  CHILD (step_summary);
  CHILD (error_label);
  CHILD (spinner);
  CHILD (cancel_button);
  CHILD (back_button);
  CHILD (next_button);
  CHILD (interface_status);
  CHILD (interfaces_view);
  CHILD (group_first_entry);
  CHILD (group_last_entry);
  CHILD (ipv6_check);
  CHILD (port_first_spin);
  CHILD (port_last_spin);
  CHILD (addresses_status);
  CHILD (rate_dropdown);
  CHILD (custom_rate_spin);
  CHILD (min_rate_spin);
  CHILD (drop_slow_check);
  CHILD (slow_loss_spin);
  CHILD (slow_grace_spin);
  CHILD (min_clients_spin);
  CHILD (max_wait_spin);
  CHILD (max_clients_spin);
  CHILD (querier_spin);
  CHILD (probe_check);
  CHILD (preflight_status);
  CHILD (preflight_view);
  CHILD (summary_label);
  CHILD (regenerate_check);
  CHILD (signing_check);
  CHILD (summary_status);
  CHILD (results_view);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, format_mtu);
  gtk_widget_class_bind_template_callback (widget_class, format_usable);
  shoal_admin_add_check_callbacks (widget_class);

  gtk_widget_class_install_action (widget_class, "wizard.next", NULL, next_activated);
  gtk_widget_class_install_action (widget_class, "wizard.back", NULL, back_activated);
  gtk_widget_class_install_action (widget_class, "wizard.preflight", NULL, preflight_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
shoal_multicast_wizard_init (ShoalMulticastWizard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->interfaces = g_list_store_new (SHOAL_TYPE_NET_INTERFACE);
  self->iface_selection = gtk_single_selection_new (
    G_LIST_MODEL (g_object_ref (self->interfaces)));
  gtk_single_selection_set_autoselect (self->iface_selection, FALSE);
  g_signal_connect_swapped (self->iface_selection, "notify::selected",
                            G_CALLBACK (update_buttons), self);
  gtk_column_view_set_model (self->interfaces_view, GTK_SELECTION_MODEL (self->iface_selection));
  self->checks = g_list_store_new (SHOAL_TYPE_PREFLIGHT_CHECK);
  self->results = g_list_store_new (SHOAL_TYPE_PREFLIGHT_CHECK);
  gtk_list_view_set_model (self->preflight_view, GTK_SELECTION_MODEL (
                             gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->checks)))));
  gtk_list_view_set_model (self->results_view, GTK_SELECTION_MODEL (
                             gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->results)))));
  gtk_spin_button_set_value (self->querier_spin, 10);
  g_signal_connect_swapped (self->ipv6_check, "toggled", G_CALLBACK (on_ipv6_toggled), self);
  g_signal_connect_swapped (self->rate_dropdown, "notify::selected",
                            G_CALLBACK (on_rate_changed), self);
  g_signal_connect_swapped (self->drop_slow_check, "toggled", G_CALLBACK (on_slow_toggled),
                            self);
  on_rate_changed (self);
  on_slow_toggled (self);
  update_steps (self);
}

GtkWidget *
shoal_multicast_wizard_new (const char *name,
                            const char *url,
                            const char *token)
{
  ShoalMulticastWizard *self;
  g_autofree char *title = NULL;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_MULTICAST_WIZARD, NULL);
  self->name = g_strdup (name ? name : url);
  self->url = g_strdup (url);
  self->token = g_strdup (token);
  title = g_strdup_printf (_("Enable Multicast on %s"), self->name);
  gtk_label_set_text (self->point_label, title);
  gtk_window_set_title (GTK_WINDOW (self), title);
  load (self);
  return GTK_WIDGET (self);
}

const char *
shoal_multicast_wizard_get_page (ShoalMulticastWizard *self)
{
  g_return_val_if_fail (SHOAL_IS_MULTICAST_WIZARD (self), NULL);
  return pages[self->page];
}

gboolean
shoal_multicast_wizard_get_busy (ShoalMulticastWizard *self)
{
  g_return_val_if_fail (SHOAL_IS_MULTICAST_WIZARD (self), FALSE);
  return self->busy;
}

const char *
shoal_multicast_wizard_get_error (ShoalMulticastWizard *self)
{
  g_return_val_if_fail (SHOAL_IS_MULTICAST_WIZARD (self), NULL);
  return self->error;
}

gboolean
shoal_multicast_wizard_get_verified (ShoalMulticastWizard *self)
{
  g_return_val_if_fail (SHOAL_IS_MULTICAST_WIZARD (self), FALSE);
  return self->verified;
}
