/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A remote distribution point, mirrored: every few seconds a worker thread asks the REST API
 * for packages and sessions (with clients and events for those still running), and the main
 * context applies the answer to the point's GObjects, so the console shows a remote shoald
 * exactly like the embedded one. */
#include "config.h"

#include <string.h>

#include "shoal-package.h"
#include "shoal-remote-link.h"
#include "shoal-rest-client.h"

typedef struct
{
  GWeakRef  point;
  char     *url;
  char     *token;
  guint     interval;
  guint     timer;
  GHashTable *known_manifests;  /* package name -> TRUE, fetched once */
  GHashTable *finished_seen;    /* session id -> TRUE, details fetched after it ended */
} Link;

typedef struct
{
  JsonNode   *packages;          /* array */
  JsonNode   *sessions;          /* array */
  GHashTable *details;           /* session id -> JsonNode */
  GHashTable *manifests;         /* package name -> GBytes */
  GHashTable *known;             /* copies of the link's sets, read on the worker */
  GHashTable *finished_seen;
  char       *error;
} Poll;

static void
poll_free (Poll *p)
{
  g_clear_pointer (&p->packages, json_node_unref);
  g_clear_pointer (&p->sessions, json_node_unref);
  g_hash_table_unref (p->details);
  g_hash_table_unref (p->manifests);
  g_hash_table_unref (p->known);
  g_hash_table_unref (p->finished_seen);
  g_free (p->error);
  g_free (p);
}

static void
link_free (Link *l)
{
  g_clear_handle_id (&l->timer, g_source_remove);
  g_weak_ref_clear (&l->point);
  g_free (l->url);
  g_free (l->token);
  g_hash_table_unref (l->known_manifests);
  g_hash_table_unref (l->finished_seen);
  g_free (l);
}

static GHashTable *
copy_set (GHashTable *set)
{
  GHashTable *copy = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_hash_table_add (copy, g_strdup (key));
  return copy;
}

/* On a worker thread: everything over HTTP, nothing touches the point. */
static void
poll_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Link *l = data;
  Poll *p = g_object_get_data (G_OBJECT (task), "poll");
  g_autoptr(ShoalRestClient) rc = shoal_rest_client_new (l->url, l->token, NULL);
  g_autoptr(GError) error = NULL;

  p->packages = shoal_rest_client_call (rc, "GET", "/api/v1/packages", NULL, &error);
  if (p->packages != NULL)
    p->sessions = shoal_rest_client_call (rc, "GET", "/api/v1/sessions", NULL, &error);
  if (p->sessions == NULL || !JSON_NODE_HOLDS_ARRAY (p->sessions)
      || !JSON_NODE_HOLDS_ARRAY (p->packages))
    {
      p->error = g_strdup (error ? error->message : "the REST API's answer is not a list");
      g_task_return_boolean (task, FALSE);
      return;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (p->packages)); i++)
    {
      JsonObject *o = json_array_get_object_element (json_node_get_array (p->packages), i);
      const char *name = json_object_get_string_member_with_default (o, "name", NULL);
      g_autofree char *path = NULL;
      GBytes *bytes;

      if (name == NULL || g_hash_table_contains (p->known, name))
        continue;
      path = g_strdup_printf ("/packages/%s/manifest", name);
      bytes = shoal_rest_client_get_raw (rc, path, NULL, NULL);
      if (bytes != NULL)
        g_hash_table_insert (p->manifests, g_strdup (name), bytes);
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (p->sessions)); i++)
    {
      JsonObject *o = json_array_get_object_element (json_node_get_array (p->sessions), i);
      const char *id = json_object_get_string_member_with_default (o, "id", NULL);
      gboolean running = json_object_get_string_member_with_default (o, "finished", NULL) == NULL;
      g_autofree char *path = NULL;
      JsonNode *detail;

      /* Clients and events: while it runs, and once more after it ended. */
      if (id == NULL || (!running && g_hash_table_contains (p->finished_seen, id)))
        continue;
      path = g_strdup_printf ("/api/v1/sessions/%s", id);
      detail = shoal_rest_client_call (rc, "GET", path, NULL, NULL);
      if (detail != NULL && JSON_NODE_HOLDS_OBJECT (detail))
        g_hash_table_insert (p->details, g_strdup (id), detail);
      else if (detail != NULL)
        json_node_unref (detail);
    }
  g_task_return_boolean (task, TRUE);
}

static void schedule (Link *l);

static void
apply (ShoalPoint *point, Link *l, Poll *p)
{
  JsonArray *packages = json_node_get_array (p->packages);
  JsonArray *sessions = json_node_get_array (p->sessions);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, p->manifests);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_autoptr(ShoalManifest) m = shoal_manifest_new_from_json (
        g_bytes_get_data (value, NULL), g_bytes_get_size (value), NULL);
      JsonObject *o = NULL;

      for (guint i = 0; i < json_array_get_length (packages); i++)
        if (g_strcmp0 (json_object_get_string_member_with_default (
              json_array_get_object_element (packages, i), "name", ""), key) == 0)
          o = json_array_get_object_element (packages, i);
      if (m == NULL || o == NULL || shoal_point_find_package (point, key) != NULL)
        continue;
      {
        g_autoptr(ShoalPackage) pkg = shoal_package_new_remote (
          m, value, json_object_get_string_member_with_default (o, "state", "ready"),
          json_object_get_boolean_member_with_default (o, "multicast_only", FALSE));
        shoal_point_add_package (point, G_OBJECT (pkg));
        g_hash_table_add (l->known_manifests, g_strdup (key));
      }
    }
  for (guint i = 0; i < json_array_get_length (sessions); i++)
    {
      JsonObject *o = json_array_get_object_element (sessions, i);
      const char *id = json_object_get_string_member_with_default (o, "id", NULL);
      JsonNode *detail;
      ShoalSession *s;

      if (id == NULL)
        continue;
      s = shoal_point_find_session (point, id);
      if (s == NULL)
        {
          g_autoptr(ShoalSession) created = shoal_session_new_remote (
            id, json_object_get_string_member_with_default (o, "package", ""));
          shoal_point_add_session (point, created);
          s = created;
        }
      if (!shoal_session_is_remote (s))
        continue;
      detail = g_hash_table_lookup (p->details, id);
      shoal_session_update_from_json (s, detail ? json_node_get_object (detail) : o);
      if (detail != NULL && json_object_get_string_member_with_default (o, "finished", NULL))
        g_hash_table_add (l->finished_seen, g_strdup (id));
    }
}

static void
on_polled (GObject *source, GAsyncResult *result, gpointer data)
{
  Link *l = data;
  Poll *p = g_object_get_data (G_OBJECT (result), "poll");
  g_autoptr(ShoalPoint) point = g_weak_ref_get (&l->point);

  if (point == NULL)
    {
      link_free (l);
      return;
    }
  if (g_task_propagate_boolean (G_TASK (result), NULL))
    {
      apply (point, l, p);
      shoal_point_set_state (point, "online", NULL);
    }
  else
    shoal_point_set_state (point, "unreachable", p->error);
  schedule (l);
}

static gboolean
poll_now (gpointer data)
{
  Link *l = data;
  g_autoptr(GTask) task = g_task_new (NULL, NULL, on_polled, l);
  Poll *p = g_new0 (Poll, 1);

  l->timer = 0;
  p->details = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) json_node_unref);
  p->manifests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_bytes_unref);
  p->known = copy_set (l->known_manifests);
  p->finished_seen = copy_set (l->finished_seen);
  g_object_set_data_full (G_OBJECT (task), "poll", p, (GDestroyNotify) poll_free);
  g_task_set_task_data (task, l, NULL);
  g_task_run_in_thread (task, poll_thread);
  return G_SOURCE_REMOVE;
}

static void
schedule (Link *l)
{
  l->timer = g_timeout_add_seconds (l->interval, poll_now, l);
}

static ShoalSession *
start_session (ShoalPoint *point, GObject *package, const ShoalStartRules *rules,
               gpointer data, GError **error)
{
  Link *l = data;
  g_autoptr(ShoalRestClient) rc = shoal_rest_client_new (l->url, l->token, NULL);
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) answer = NULL;
  ShoalSession *s;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "package");
  json_builder_add_string_value (b, shoal_package_get_name (SHOAL_PACKAGE (package)));
  json_builder_set_member_name (b, "immediate");
  json_builder_add_boolean_value (b, rules->immediate);
  json_builder_set_member_name (b, "min_clients");
  json_builder_add_int_value (b, rules->min_clients);
  json_builder_set_member_name (b, "max_wait");
  json_builder_add_int_value (b, rules->max_wait);
  if (rules->max_rate)
    {
      json_builder_set_member_name (b, "max_rate");
      json_builder_add_int_value (b, (gint64) rules->max_rate);
    }
  if (rules->start_at)
    {
      g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc (rules->start_at / G_USEC_PER_SEC);
      g_autofree char *iso = g_date_time_format_iso8601 (t);
      json_builder_set_member_name (b, "start_at");
      json_builder_add_string_value (b, iso);
    }
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  answer = shoal_rest_client_call (rc, "POST", "/api/v1/sessions", body, error);
  if (answer == NULL)
    return NULL;
  s = shoal_session_new_remote (
    json_object_get_string_member_with_default (json_node_get_object (answer), "id", "?"),
    shoal_package_get_name (SHOAL_PACKAGE (package)));
  shoal_session_update_from_json (s, json_node_get_object (answer));
  return s;
}

static void
stop_session (ShoalPoint *point, ShoalSession *session, gpointer data)
{
  Link *l = data;
  g_autoptr(ShoalRestClient) rc = shoal_rest_client_new (l->url, l->token, NULL);
  g_autofree char *path = g_strdup_printf ("/api/v1/sessions/%s/stop",
                                           shoal_session_get_id (session));
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) answer = shoal_rest_client_call (rc, "POST", path, NULL, &error);

  if (answer == NULL)
    g_warning ("cannot stop session %s on %s: %s", shoal_session_get_id (session), l->url,
               error->message);
}

/* Starts mirroring @point (a remote point) from its URL with its token; it stops by itself
 * once the point is gone. */
void
shoal_remote_link_attach (ShoalPoint *point,
                          guint       interval_seconds)
{
  Link *l;

  g_return_if_fail (SHOAL_IS_POINT (point));
  g_return_if_fail (g_strcmp0 (shoal_point_get_kind (point), "remote") == 0);

  l = g_new0 (Link, 1);
  g_weak_ref_init (&l->point, point);
  l->url = g_strdup (shoal_point_get_url (point));
  l->token = g_strdup (shoal_point_get_token (point));
  l->interval = MAX (interval_seconds, 1);
  l->known_manifests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  l->finished_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  shoal_point_set_handlers (point, start_session, stop_session, l, NULL);
  shoal_point_set_state (point, "connecting", NULL);
  poll_now (l);
}
