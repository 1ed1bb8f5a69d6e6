/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the console's wizards share: REST calls to a distribution point (the embedded one
 * through its local URL, a remote one through its own) on worker threads, their errors in
 * words for an inline message, and check lists kept in step with the point's JSON. */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "shoal-rest-client.h"

G_BEGIN_DECLS

/* A client that names the console in the point's audit log. */
ShoalRestClient *shoal_admin_client_new      (const char  *url,
                                              const char  *token);
/* One sentence for the inline error of a wizard page, naming the point's URL. */
char            *shoal_admin_describe_error  (const char  *url,
                                              GError      *error);
/* Makes @store (of ShoalPreflightCheck) hold the checks in @checks (a JSON array of
 * {name, title, state, detail, remedy}): existing ones are updated in place so that bound
 * rows change instead of being rebuilt. */
void             shoal_admin_sync_checks     (GListStore  *store,
                                              JsonArray   *checks);
/* The HTTP status of GET @url@path, with HTTP Basic @user/@password when @user is not NULL
 * (any certificate is accepted: the point is the one the console already talks to). 0 when
 * the point cannot be reached. Blocking. */
guint            shoal_admin_fetch_status    (const char  *url,
                                              const char  *path,
                                              const char  *user,
                                              const char  *password);

/* One REST request of a batch: @body may be NULL. */
typedef struct
{
  const char *method;
  const char *path;
  JsonNode   *body;
} ShoalAdminRequest;

/* Runs @requests one after the other on a worker thread, stopping at the first failure.
 * The finish function returns their answers (JsonNode, NULL for an empty answer) in order. */
void             shoal_admin_run_async       (const char              *url,
                                              const char              *token,
                                              const ShoalAdminRequest *requests,
                                              guint                    n_requests,
                                              GCancellable            *cancellable,
                                              GAsyncReadyCallback      callback,
                                              gpointer                 user_data);
GPtrArray       *shoal_admin_run_finish      (GAsyncResult            *result,
                                              GError                 **error);

/* This console as a probe receiver (shoal_probe_client_run on a worker thread). */
void             shoal_admin_probe_async     (const char              *url,
                                              const char              *user,
                                              const char              *password,
                                              guint                    timeout,
                                              GCancellable            *cancellable,
                                              GAsyncReadyCallback      callback,
                                              gpointer                 user_data);
JsonNode        *shoal_admin_probe_finish    (GAsyncResult            *result,
                                              GError                 **error);

/* Closures for the check rows of the wizards' templates: "check_state_text",
 * "check_state_classes", "check_has_remedy". */
void             shoal_admin_add_check_callbacks (GtkWidgetClass      *widget_class);

G_END_DECLS
