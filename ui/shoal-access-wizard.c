/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The anonymous access wizard. The change is one PUT /api/v1/access, which the point checks
 * whole before it writes anything; the verification afterwards is real traffic: fetches
 * with and without the account, and a probe session received by this console. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "shoal-access-wizard.h"
#include "shoal-admin-call.h"
#include "shoal-ctl-admin.h"
#include "shoal-preflight-check.h"
#include "shoal-resources.h"
#include "shoal-probe-client.h"

#define MIN_PASSWORD 8

struct _ShoalAccessWizard
{
  GtkWindow parent_instance;

  char             *name;
  char             *url;
  char             *token;
  GCancellable     *cancellable;
  JsonNode         *status;
  GPtrArray        *packages;        /* names */
  GListStore       *rows;            /* ShoalPreflightCheck of the verification */
  char             *page;
  gboolean          busy;
  gboolean          loaded;
  gboolean          applied;
  gboolean          verified;
  char             *error;

  GtkLabel         *point_label;
  GtkStack         *stack;
  GtkLabel         *step_mode;
  GtkLabel         *step_change;
  GtkLabel         *step_verify;
  GtkLabel         *error_label;
  GtkSpinner       *spinner;
  GtkButton        *cancel_button;
  GtkButton        *back_button;
  GtkButton        *next_button;
  GtkLabel         *current_label;
  GtkCheckButton   *anonymous_radio;
  GtkCheckButton   *authenticated_radio;
  GtkEntry         *account_entry;
  GtkPasswordEntry *password_entry;
  GtkPasswordEntry *confirm_entry;
  GtkLabel         *tls_label;
  GtkLabel         *command_label;
  GtkLabel         *snippet_label;
  GtkLabel         *packages_label;
  GtkCheckButton   *understand_check;
  GtkLabel         *verify_status;
  GtkListView      *verify_view;
};

G_DEFINE_FINAL_TYPE (ShoalAccessWizard, shoal_access_wizard, GTK_TYPE_WINDOW)

static void update_buttons (ShoalAccessWizard *self);

/* A node that takes @object over (json_node_init_object would add a reference). */
static JsonNode *
object_node (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static JsonObject *
status_object (ShoalAccessWizard *self)
{
  return self->status ? json_node_get_object (self->status) : NULL;
}

static const char *
status_str (ShoalAccessWizard *self, const char *key)
{
  JsonObject *o = status_object (self);
  JsonNode *n = o ? json_object_get_member (o, key) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
currently_anonymous (ShoalAccessWizard *self)
{
  return g_strcmp0 (status_str (self, "access"), "authenticated") != 0;
}

static void
show_error (ShoalAccessWizard *self, const char *text)
{
  g_free (self->error);
  self->error = g_strdup (text);
  gtk_label_set_text (self->error_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
clear_error (ShoalAccessWizard *self)
{
  if (g_str_equal (self->page, "account") && !self->busy
      && json_object_get_boolean_member_with_default (status_object (self), "tls", FALSE))
    show_error (self, NULL);
}

static void
set_busy (ShoalAccessWizard *self, gboolean busy)
{
  self->busy = busy;
  if (busy)
    gtk_spinner_start (self->spinner);
  else
    gtk_spinner_stop (self->spinner);
  update_buttons (self);
}

static void
update_buttons (ShoalAccessWizard *self)
{
  gboolean next = !self->busy && self->loaded;
  gboolean last = g_str_equal (self->page, "account") || g_str_equal (self->page, "confirm");

  if (g_str_equal (self->page, "confirm"))
    next = next && gtk_check_button_get_active (self->understand_check);
  if (g_str_equal (self->page, "account"))
    next = next && json_object_get_boolean_member_with_default (status_object (self), "tls",
                                                                FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.next", next);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "wizard.back",
                                 !self->busy && !g_str_equal (self->page, "mode")
                                 && !self->applied);
  gtk_button_set_label (self->next_button, self->applied ? _("_Close")
                                           : last ? _("_Apply") : _("_Next"));
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), !self->applied);
}

static void
update_client_texts (ShoalAccessWizard *self)
{
  const char *account = gtk_editable_get_text (GTK_EDITABLE (self->account_entry));
  g_autofree char *cmd = shoal_access_client_command (self->url, *account ? account : "USER");
  g_autofree char *snippet = shoal_access_boot_snippet (self->url, status_str (self,
                                                                               "tls_fingerprint"),
                                                        status_str (self, "key_fingerprint"));

  gtk_label_set_text (self->command_label, cmd);
  gtk_label_set_text (self->snippet_label, snippet);
}

static void
go_to (ShoalAccessWizard *self, const char *page)
{
  GtkLabel *steps[] = { self->step_mode, self->step_change, self->step_verify };
  guint current = g_str_equal (page, "mode") ? 0 : g_str_equal (page, "verify") ? 2 : 1;

  g_free (self->page);
  self->page = g_strdup (page);
  show_error (self, NULL);
  gtk_stack_set_visible_child_name (self->stack, page);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      gtk_widget_remove_css_class (GTK_WIDGET (steps[i]), "heading");
      gtk_widget_remove_css_class (GTK_WIDGET (steps[i]), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (steps[i]), i == current ? "heading" : "dim-label");
    }
  if (g_str_equal (page, "account"))
    {
      update_client_texts (self);
      if (!json_object_get_boolean_member_with_default (status_object (self), "tls", FALSE))
        show_error (self, _("Authenticated mode sends the account's password, so it needs "
                            "TLS, and this distribution point serves plain HTTP. Set \"tls\": "
                            "true in its config and restart it first. Nothing was changed."));
    }
  update_buttons (self);
}

/* ---- loading --------------------------------------------------------------------------- */

static void
fill_packages_text (ShoalAccessWizard *self)
{
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, _("With anonymous access on, anyone who can reach %s may fetch, "
                               "without a password:\n"
                               "  • the session descriptors and the session keys, so they can "
                               "decrypt every multicast session;\n"
                               "  • the manifests and the whole content of every package"),
                          self->url);
  if (self->packages->len > 0)
    {
      g_string_append (s, ": ");
      for (guint i = 0; i < self->packages->len; i++)
        g_string_append_printf (s, "%s%s", i ? ", " : "", (char *) self->packages->pdata[i]);
    }
  g_string_append (s, _(".\nIntegrity does not change: clients still check every block "
                        "against the manifest the point signs."));
  gtk_label_set_text (self->packages_label, s->str);
  g_string_free (s, TRUE);
}

static void
on_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  ShoalAccessWizard *self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) answers = shoal_admin_run_finish (result, &error);
  g_autofree char *text = NULL;
  const char *account;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (answers == NULL)
    {
      g_autofree char *message = shoal_admin_describe_error (self->url, error);

      gtk_label_set_text (self->current_label, _("The distribution point did not answer."));
      show_error (self, message);
      return;
    }
  self->status = json_node_ref (answers->pdata[0]);
  if (JSON_NODE_HOLDS_ARRAY (answers->pdata[1]))
    {
      JsonArray *a = json_node_get_array (answers->pdata[1]);

      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (self->packages, g_strdup (json_object_get_string_member_with_default (
                                                     json_array_get_object_element (a, i), "name",
                                                     "?")));
    }
  account = status_str (self, "account");
  text = currently_anonymous (self)
         ? g_strdup_printf (_("Anonymous access is on for %s: anyone on the network may fetch "
                              "keys and content."), self->name)
         : g_strdup_printf (_("Anonymous access is off for %s: keys and content need the "
                              "network access account \"%s\"."), self->name,
                            account ? account : "?");
  gtk_label_set_text (self->current_label, text);
  gtk_check_button_set_active (currently_anonymous (self) ? self->anonymous_radio
                                                          : self->authenticated_radio, TRUE);
  gtk_editable_set_text (GTK_EDITABLE (self->account_entry), account ? account : "deploy");
  gtk_label_set_text (self->tls_label, status_str (self, "tls_fingerprint")
                                       ? status_str (self, "tls_fingerprint")
                                       : _("none: this point serves plain HTTP"));
  fill_packages_text (self);
  self->loaded = TRUE;
  update_buttons (self);
}

/* ---- verification ---------------------------------------------------------------------- */

typedef struct
{
  char      *url;
  char      *token;
  gboolean   anonymous;
  char      *account;
  char      *password;
  char      *package;      /* a package to fetch when no probe can be armed */
  char      *path;         /* what was fetched */
  guint      without;      /* HTTP status without credentials */
  guint      with;         /* with the account (authenticated mode) */
  JsonNode  *report;       /* the probe this console received */
  GError    *probe_error;
  JsonNode  *audit;
} Verify;

static void
verify_free (gpointer data)
{
  Verify *v = data;

  g_free (v->url);
  g_free (v->token);
  g_free (v->account);
  g_free (v->package);
  g_free (v->path);
  if (v->password != NULL)
    explicit_bzero (v->password, strlen (v->password));
  g_free (v->password);
  g_clear_pointer (&v->report, json_node_unref);
  g_clear_error (&v->probe_error);
  g_clear_pointer (&v->audit, json_node_unref);
  g_free (v);
}

static void
verify_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Verify *v = data;
  g_autoptr(ShoalRestClient) client = shoal_admin_client_new (v->url, v->token);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) armed = NULL;
  g_autoptr(JsonObject) req = json_object_new ();
  g_autoptr(JsonNode) body = NULL;
  ShoalProbeClientOptions o = { .server = v->url, .hostname = _("this console"), .timeout = 20 };

  /* A probe first: GET /probe is then a real content request that answers 200. */
  json_object_set_int_member (req, "wait", 20);
  body = json_node_init_object (json_node_alloc (), req);
  armed = shoal_rest_client_call (client, "POST", "/api/v1/probe", body, &error);
  if (armed == NULL && (v->package == NULL
                        || !g_error_matches (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_REJECTED)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  /* Multicast is off (409): the fetches still prove access control, on a manifest. */
  v->path = armed ? g_strdup ("/probe") : g_strdup_printf ("/packages/%s/manifest", v->package);
  v->without = shoal_admin_fetch_status (v->url, v->path, NULL, NULL);
  if (!v->anonymous)
    v->with = shoal_admin_fetch_status (v->url, v->path, v->account, v->password);
  if (!v->anonymous)
    {
      o.user = v->account;
      o.password = v->password;
    }
  if (armed != NULL)
    v->report = shoal_probe_client_run (&o, cancellable, &v->probe_error);
  else
    v->probe_error = g_steal_pointer (&error);
  v->audit = shoal_rest_client_call (client, "GET", "/api/v1/audit?limit=1", NULL, NULL);
  g_task_return_boolean (task, TRUE);
}

static void
add_row (ShoalAccessWizard *self, const char *name, const char *title, gboolean ok,
         const char *detail, const char *remedy)
{
  g_autoptr(ShoalPreflightCheck) row = shoal_preflight_check_new (name, title);

  shoal_preflight_check_set (row, ok ? SHOAL_CHECK_PASS : SHOAL_CHECK_FAIL, detail,
                             ok ? NULL : remedy);
  g_list_store_append (self->rows, row);
  self->verified &= ok;
}

static void
on_verified (GObject *source, GAsyncResult *result, gpointer data)
{
  ShoalAccessWizard *self = data;
  g_autoptr(GError) error = NULL;
  Verify *v = g_task_get_task_data (G_TASK (result));
  guint want = v->anonymous ? 200 : 401;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      set_busy (self, FALSE);
      {
        g_autofree char *text = shoal_admin_describe_error (self->url, error);
        show_error (self, text);
      }
      return;
    }
  set_busy (self, FALSE);
  self->verified = TRUE;
  {
    g_autofree char *d = g_strdup_printf (_("GET %s%s without credentials: HTTP %u "
                                            "(expected %u)."), self->url, v->path, v->without,
                                          want);
    add_row (self, "fetch-anonymous", _("Fetch without credentials"), v->without == want, d,
             _("The point did not switch as asked: check its log."));
  }
  if (!v->anonymous)
    {
      g_autofree char *d = g_strdup_printf (_("GET %s%s as \"%s\": HTTP %u (expected 200)."),
                                            self->url, v->path, v->account, v->with);
      add_row (self, "fetch-account", _("Fetch with the account"), v->with == 200, d,
               _("The account was not accepted: apply it again."));
    }
  if (v->report == NULL && g_error_matches (v->probe_error, SHOAL_REST_ERROR,
                                            SHOAL_REST_ERROR_REJECTED))
    {
      g_autoptr(ShoalPreflightCheck) row = shoal_preflight_check_new ("probe",
                                                                      _("Probe multicast session"));

      /* Multicast is off: nothing to probe, and nothing wrong with access. */
      shoal_preflight_check_set (row, SHOAL_CHECK_SKIP, v->probe_error->message,
                                 _("Enable multicast with the multicast wizard to test it."));
      g_list_store_append (self->rows, row);
    }
  else if (v->report != NULL)
    {
      g_autofree char *line = shoal_probe_client_describe (v->report);
      g_autofree char *d = g_strdup_printf (_("This console received %s%s."), line,
                                            v->anonymous ? "" : _(", with the account"));
      add_row (self, "probe", _("Probe multicast session"), TRUE, d, NULL);
    }
  else
    add_row (self, "probe", _("Probe multicast session"), FALSE, v->probe_error->message,
             _("Multicast did not reach this console: run the multicast wizard's preflight."));
  if (v->audit != NULL && JSON_NODE_HOLDS_ARRAY (v->audit)
      && json_array_get_length (json_node_get_array (v->audit)) > 0)
    {
      JsonObject *e = json_array_get_object_element (json_node_get_array (v->audit), 0);
      g_autoptr(JsonGenerator) gen = json_generator_new ();
      g_autofree char *old = NULL, *new_ = NULL, *d = NULL;

      json_generator_set_root (gen, json_object_get_member (e, "old"));
      old = json_generator_to_data (gen, NULL);
      json_generator_set_root (gen, json_object_get_member (e, "new"));
      new_ = json_generator_to_data (gen, NULL);
      d = g_strdup_printf (_("%s: %s changed %s from %s to %s."),
                           json_object_get_string_member_with_default (e, "time", "?"),
                           json_object_get_string_member_with_default (e, "who", "?"),
                           json_object_get_string_member_with_default (e, "what", "?"), old,
                           new_);
      add_row (self, "audit", _("Audit log"), TRUE, d, NULL);
    }
  else
    add_row (self, "audit", _("Audit log"), FALSE, _("No entry in the audit log."),
             _("Check that the point can write STATE/audit.log."));
  gtk_label_set_text (self->verify_status,
                      self->verified
                      ? (v->anonymous ? _("Anonymous access is on, and verified.")
                                      : _("Anonymous access is off, and verified."))
                      : _("Applied, but not everything behaves as expected: see below."));
  gtk_widget_add_css_class (GTK_WIDGET (self->verify_status),
                            self->verified ? "success" : "warning");
}

static void
verify (ShoalAccessWizard *self, gboolean anonymous, const char *account, const char *password)
{
  g_autoptr(GTask) task = g_task_new (NULL, self->cancellable, on_verified, self);
  Verify *v = g_new0 (Verify, 1);

  v->url = g_strdup (self->url);
  v->token = g_strdup (self->token);
  v->anonymous = anonymous;
  v->account = g_strdup (account);
  v->password = g_strdup (password);
  v->package = self->packages->len > 0 ? g_strdup (self->packages->pdata[0]) : NULL;
  g_task_set_task_data (task, v, verify_free);
  gtk_label_set_text (self->verify_status,
                      _("Fetching from the point and receiving a probe session…"));
  set_busy (self, TRUE);
  g_task_run_in_thread (task, verify_thread);
}

/* ---- applying -------------------------------------------------------------------------- */

typedef struct
{
  ShoalAccessWizard *self;
  gboolean           anonymous;
  char              *account;
  char              *password;
} Apply;

static void
on_applied (GObject *source, GAsyncResult *result, gpointer data)
{
  Apply *a = data;
  ShoalAccessWizard *self = a->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) answers = shoal_admin_run_finish (result, &error);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      set_busy (self, FALSE);
      if (answers == NULL)
        {
          g_autofree char *text = shoal_admin_describe_error (self->url, error);
          show_error (self, text);
        }
      else
        {
          g_clear_pointer (&self->status, json_node_unref);
          self->status = json_node_ref (answers->pdata[0]);
          self->applied = TRUE;
          go_to (self, "verify");
          verify (self, a->anonymous, a->account, a->password);
        }
    }
  g_free (a->account);
  if (a->password != NULL)
    explicit_bzero (a->password, strlen (a->password));
  g_free (a->password);
  g_free (a);
}

static void
apply (ShoalAccessWizard *self, gboolean anonymous)
{
  JsonObject *o = json_object_new ();
  g_autoptr(JsonNode) body = object_node (o);
  const ShoalAdminRequest request = { "PUT", "/api/v1/access", body };
  Apply *a = g_new0 (Apply, 1);

  a->self = self;
  a->anonymous = anonymous;
  json_object_set_boolean_member (o, "anonymous", anonymous);
  if (!anonymous)
    {
      const char *account = gtk_editable_get_text (GTK_EDITABLE (self->account_entry));
      const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_entry));
      const char *again = gtk_editable_get_text (GTK_EDITABLE (self->confirm_entry));

      if (*account == '\0' || strchr (account, ':') != NULL)
        {
          g_free (a);
          show_error (self, _("Give the account a name without ':'. Nothing was changed."));
          return;
        }
      if (g_utf8_strlen (password, -1) < MIN_PASSWORD)
        {
          g_free (a);
          show_error (self, _("The password needs at least 8 characters. Nothing was "
                              "changed."));
          return;
        }
      if (!g_str_equal (password, again))
        {
          g_free (a);
          show_error (self, _("The two passwords differ. Nothing was changed."));
          return;
        }
      json_object_set_string_member (o, "account", account);
      json_object_set_string_member (o, "password", password);
      a->account = g_strdup (account);
      a->password = g_strdup (password);
    }
  show_error (self, NULL);
  set_busy (self, TRUE);
  shoal_admin_run_async (self->url, self->token, &request, 1, self->cancellable, on_applied, a);
}

static void
next_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  ShoalAccessWizard *self = SHOAL_ACCESS_WIZARD (widget);

  if (self->applied)
    gtk_window_close (GTK_WINDOW (self));
  else if (g_str_equal (self->page, "mode"))
    go_to (self, gtk_check_button_get_active (self->authenticated_radio) ? "account"
                                                                         : "confirm");
  else if (g_str_equal (self->page, "account"))
    apply (self, FALSE);
  else if (g_str_equal (self->page, "confirm"))
    apply (self, TRUE);
}

static void
back_activated (GtkWidget *widget, const char *action, GVariant *param)
{
  go_to (SHOAL_ACCESS_WIZARD (widget), "mode");
}

/* ---- GObject --------------------------------------------------------------------------- */

static void
shoal_access_wizard_dispose (GObject *object)
{
  ShoalAccessWizard *self = SHOAL_ACCESS_WIZARD (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), SHOAL_TYPE_ACCESS_WIZARD);
  g_clear_object (&self->rows);
  G_OBJECT_CLASS (shoal_access_wizard_parent_class)->dispose (object);
}

static void
shoal_access_wizard_finalize (GObject *object)
{
  ShoalAccessWizard *self = SHOAL_ACCESS_WIZARD (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->status, json_node_unref);
  g_ptr_array_unref (self->packages);
  g_free (self->name);
  g_free (self->url);
  if (self->token != NULL)
    explicit_bzero (self->token, strlen (self->token));
  g_free (self->token);
  g_free (self->page);
  g_free (self->error);
  G_OBJECT_CLASS (shoal_access_wizard_parent_class)->finalize (object);
}

static void
shoal_access_wizard_class_init (ShoalAccessWizardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = shoal_access_wizard_dispose;
  object_class->finalize = shoal_access_wizard_finalize;

  g_type_ensure (SHOAL_TYPE_PREFLIGHT_CHECK);
  /* A static link keeps the resource bundle only when something refers to it. */
  g_assert (shoal_get_resource () != NULL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/shoal/Shoal/shoal-access-wizard.ui");
#define CHILD(name) gtk_widget_class_bind_template_child (widget_class, ShoalAccessWizard, name)
  CHILD (point_label);
  CHILD (stack);
  CHILD (step_mode);
  CHILD (step_change);
  CHILD (step_verify);
  CHILD (error_label);
  CHILD (spinner);
  CHILD (cancel_button);
  CHILD (back_button);
  CHILD (next_button);
  CHILD (current_label);
  CHILD (anonymous_radio);
  CHILD (authenticated_radio);
  CHILD (account_entry);
  CHILD (password_entry);
  CHILD (confirm_entry);
  CHILD (tls_label);
  CHILD (command_label);
  CHILD (snippet_label);
  CHILD (packages_label);
  CHILD (understand_check);
  CHILD (verify_status);
  CHILD (verify_view);
#undef CHILD
  shoal_admin_add_check_callbacks (widget_class);

  gtk_widget_class_install_action (widget_class, "wizard.next", NULL, next_activated);
  gtk_widget_class_install_action (widget_class, "wizard.back", NULL, back_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
shoal_access_wizard_init (ShoalAccessWizard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->cancellable = g_cancellable_new ();
  self->packages = g_ptr_array_new_with_free_func (g_free);
  self->page = g_strdup ("mode");
  self->rows = g_list_store_new (SHOAL_TYPE_PREFLIGHT_CHECK);
  gtk_list_view_set_model (self->verify_view, GTK_SELECTION_MODEL (
                             gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->rows)))));
  g_signal_connect_swapped (self->understand_check, "toggled", G_CALLBACK (update_buttons),
                            self);
  g_signal_connect_swapped (self->account_entry, "changed", G_CALLBACK (update_client_texts),
                            self);
  /* An inline error is about what was typed: editing it again clears it. */
  g_signal_connect_swapped (self->account_entry, "changed", G_CALLBACK (clear_error), self);
  g_signal_connect_swapped (self->password_entry, "changed", G_CALLBACK (clear_error), self);
  g_signal_connect_swapped (self->confirm_entry, "changed", G_CALLBACK (clear_error), self);
}

GtkWidget *
shoal_access_wizard_new (const char *name,
                         const char *url,
                         const char *token)
{
  ShoalAccessWizard *self;
  g_autofree char *title = NULL;
  const ShoalAdminRequest requests[] = {
    { "GET", "/api/v1/status", NULL },
    { "GET", "/api/v1/packages", NULL },
  };

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_ACCESS_WIZARD, NULL);
  self->name = g_strdup (name ? name : url);
  self->url = g_strdup (url);
  self->token = g_strdup (token);
  title = g_strdup_printf (_("Anonymous Access on %s"), self->name);
  gtk_label_set_text (self->point_label, title);
  gtk_window_set_title (GTK_WINDOW (self), title);
  go_to (self, "mode");
  gtk_label_set_text (self->current_label, _("Asking the distribution point…"));
  set_busy (self, TRUE);
  shoal_admin_run_async (self->url, self->token, requests, G_N_ELEMENTS (requests),
                         self->cancellable, on_loaded, self);
  return GTK_WIDGET (self);
}

const char *
shoal_access_wizard_get_page (ShoalAccessWizard *self)
{
  g_return_val_if_fail (SHOAL_IS_ACCESS_WIZARD (self), NULL);
  return self->page;
}

gboolean
shoal_access_wizard_get_busy (ShoalAccessWizard *self)
{
  g_return_val_if_fail (SHOAL_IS_ACCESS_WIZARD (self), FALSE);
  return self->busy;
}

const char *
shoal_access_wizard_get_error (ShoalAccessWizard *self)
{
  g_return_val_if_fail (SHOAL_IS_ACCESS_WIZARD (self), NULL);
  return self->error;
}

gboolean
shoal_access_wizard_get_verified (ShoalAccessWizard *self)
{
  g_return_val_if_fail (SHOAL_IS_ACCESS_WIZARD (self), FALSE);
  return self->verified;
}
