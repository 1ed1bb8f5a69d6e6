/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers of the console's wizards; see shoal-admin-call.h. */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "shoal-admin-call.h"
#include "shoal-preflight-check.h"
#include "shoal-probe-client.h"

ShoalRestClient *
shoal_admin_client_new (const char *url,
                        const char *token)
{
  ShoalRestClient *client = shoal_rest_client_new (url, token, NULL);

  shoal_rest_client_set_actor (client, "console");
  return client;
}

char *
shoal_admin_describe_error (const char *url,
                            GError     *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (g_error_matches (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_UNREACHABLE))
    {
      /* "URL/PATH: why": the URL is said once, in front. */
      const char *why = g_str_has_prefix (error->message, url) ? strstr (error->message, ": ")
                                                               : NULL;

      return g_strdup_printf (_("Cannot reach the distribution point at %s: %s. Check that it "
                                "runs and that this computer can reach it; nothing was "
                                "changed."), url, why ? why + 2 : error->message);
    }
  if (g_error_matches (error, SHOAL_REST_ERROR, SHOAL_REST_ERROR_UNAUTHORIZED))
    return g_strdup_printf (_("The distribution point at %s refused the admin token. Check "
                              "the token remembered for it (the file admin-token in its state "
                              "directory); nothing was changed."), url);
  {
    /* The point's own words, without the request's URL and status in front. */
    const char *why = strstr (error->message, ": HTTP ");
    g_autofree char *text = NULL;

    why = why ? strstr (why + 7, ": ") : NULL;
    text = g_strdup (why ? why + 2 : error->message);
    if (*text != '\0')
      text[0] = g_ascii_toupper (text[0]);
    return g_strdup_printf (_("%s%s Nothing was changed."), text,
                            g_str_has_suffix (text, ".") ? "" : ".");
  }
}

void
shoal_admin_sync_checks (GListStore *store,
                         JsonArray  *checks)
{
  GListModel *model = G_LIST_MODEL (store);

  for (guint i = 0; i < json_array_get_length (checks); i++)
    {
      JsonNode *node = json_array_get_element (checks, i);
      g_autoptr(ShoalPreflightCheck) existing = NULL;

      if (i < g_list_model_get_n_items (model))
        existing = g_list_model_get_item (model, i);
      if (existing != NULL && shoal_preflight_check_update_from_json (existing, node))
        continue;
      {
        g_autoptr(ShoalPreflightCheck) c = shoal_preflight_check_new_from_json (node, NULL);

        if (c == NULL)
          continue;
        if (existing != NULL)
          g_list_store_splice (store, i, 1, (gpointer *) &c, 1);
        else
          g_list_store_append (store, c);
      }
    }
  while (g_list_model_get_n_items (model) > json_array_get_length (checks))
    g_list_store_remove (store, g_list_model_get_n_items (model) - 1);
}

static gboolean
accept_any (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

guint
shoal_admin_fetch_status (const char *url,
                          const char *path,
                          const char *user,
                          const char *password)
{
  g_autofree char *full = g_strconcat (url, path, NULL);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 15, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", full);
  g_autoptr(GBytes) body = NULL;

  if (msg == NULL)
    return 0;
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any), NULL);
  if (user != NULL)
    {
      g_autofree char *pair = g_strconcat (user, ":", password ? password : "", NULL);
      g_autofree char *b64 = g_base64_encode ((guchar *) pair, strlen (pair));
      g_autofree char *auth = g_strconcat ("Basic ", b64, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                    auth);
      explicit_bzero (pair, strlen (pair));
    }
  body = soup_session_send_and_read (session, msg, NULL, NULL);
  return body != NULL ? soup_message_get_status (msg) : 0;
}

typedef struct
{
  char      *url;
  char      *token;
  GPtrArray *methods;
  GPtrArray *paths;
  GPtrArray *bodies;
} Batch;

static void
node_unref0 (gpointer node)
{
  if (node != NULL)
    json_node_unref (node);
}

static void
batch_free (gpointer data)
{
  Batch *b = data;

  g_free (b->url);
  g_free (b->token);
  g_ptr_array_unref (b->methods);
  g_ptr_array_unref (b->paths);
  g_ptr_array_unref (b->bodies);
  g_free (b);
}

static void
run_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Batch *b = data;
  g_autoptr(ShoalRestClient) client = shoal_admin_client_new (b->url, b->token);
  g_autoptr(GPtrArray) answers = g_ptr_array_new_with_free_func (
    (GDestroyNotify) json_node_unref);

  for (guint i = 0; i < b->paths->len; i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *answer;

      if (g_task_return_error_if_cancelled (task))
        return;
      answer = shoal_rest_client_call (client, b->methods->pdata[i], b->paths->pdata[i],
                                       b->bodies->pdata[i], &error);
      if (answer == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      g_ptr_array_add (answers, answer);
    }
  g_task_return_pointer (task, g_steal_pointer (&answers), (GDestroyNotify) g_ptr_array_unref);
}

void
shoal_admin_run_async (const char              *url,
                       const char              *token,
                       const ShoalAdminRequest *requests,
                       guint                    n_requests,
                       GCancellable            *cancellable,
                       GAsyncReadyCallback      callback,
                       gpointer                 user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Batch *b = g_new0 (Batch, 1);

  b->url = g_strdup (url);
  b->token = g_strdup (token);
  b->methods = g_ptr_array_new_with_free_func (g_free);
  b->paths = g_ptr_array_new_with_free_func (g_free);
  b->bodies = g_ptr_array_new_with_free_func (node_unref0);
  for (guint i = 0; i < n_requests; i++)
    {
      g_ptr_array_add (b->methods, g_strdup (requests[i].method));
      g_ptr_array_add (b->paths, g_strdup (requests[i].path));
      g_ptr_array_add (b->bodies, requests[i].body ? json_node_copy (requests[i].body) : NULL);
    }
  g_task_set_task_data (task, b, batch_free);
  g_task_run_in_thread (task, run_thread);
}

GPtrArray *
shoal_admin_run_finish (GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  char  *url;
  char  *user;
  char  *password;
  guint  timeout;
} ProbeJob;

static void
probe_job_free (gpointer data)
{
  ProbeJob *j = data;

  g_free (j->url);
  g_free (j->user);
  if (j->password != NULL)
    explicit_bzero (j->password, strlen (j->password));
  g_free (j->password);
  g_free (j);
}

static void
probe_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ProbeJob *j = data;
  g_autoptr(GError) error = NULL;
  ShoalProbeClientOptions o = {
    .server = j->url, .user = j->user, .password = j->password, .timeout = j->timeout,
    .hostname = _("this console"),
  };
  JsonNode *report = shoal_probe_client_run (&o, cancellable, &error);

  if (report == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, report, (GDestroyNotify) json_node_unref);
}

void
shoal_admin_probe_async (const char          *url,
                         const char          *user,
                         const char          *password,
                         guint                timeout,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ProbeJob *j = g_new0 (ProbeJob, 1);

  j->url = g_strdup (url);
  j->user = g_strdup (user);
  j->password = g_strdup (password);
  j->timeout = timeout;
  g_task_set_task_data (task, j, probe_job_free);
  g_task_run_in_thread (task, probe_thread);
}

JsonNode *
shoal_admin_probe_finish (GAsyncResult  *result,
                          GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static char *
state_text (gpointer this, const char *state)
{
  if (g_strcmp0 (state, "pass") == 0)
    return g_strdup (_("PASS"));
  if (g_strcmp0 (state, "warn") == 0)
    return g_strdup (_("WARN"));
  if (g_strcmp0 (state, "fail") == 0)
    return g_strdup (_("FAIL"));
  if (g_strcmp0 (state, "skip") == 0)
    return g_strdup (_("SKIP"));
  if (g_strcmp0 (state, "running") == 0)
    return g_strdup (_("…"));
  return g_strdup ("");
}

static GStrv
state_classes (gpointer this, const char *state)
{
  const char *cls = g_strcmp0 (state, "pass") == 0 ? "success"
                    : g_strcmp0 (state, "warn") == 0 ? "warning"
                    : g_strcmp0 (state, "fail") == 0 ? "error" : "dim-label";
  const char *classes[] = { cls, "heading", NULL };

  return g_strdupv ((char **) classes);
}

static gboolean
has_remedy (gpointer this, const char *remedy, const char *state)
{
  return remedy != NULL && *remedy != '\0' && g_strcmp0 (state, "pass") != 0;
}

void
shoal_admin_add_check_callbacks (GtkWidgetClass *widget_class)
{
  gtk_widget_class_bind_template_callback_full (widget_class, "check_state_text",
                                                G_CALLBACK (state_text));
  gtk_widget_class_bind_template_callback_full (widget_class, "check_state_classes",
                                                G_CALLBACK (state_classes));
  gtk_widget_class_bind_template_callback_full (widget_class, "check_has_remedy",
                                                G_CALLBACK (has_remedy));
}
