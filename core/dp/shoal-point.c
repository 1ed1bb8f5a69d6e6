/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A distribution point as the console sees it. The point only holds what its owner tells
 * it; it never talks to the network itself. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "shoal-json-file.h"
#include "shoal-point.h"

struct _ShoalPoint
{
  GObject parent_instance;

  char       *name;
  char       *kind;
  char       *url;
  char       *token;
  char       *admin_url;        /* the embedded point's own REST endpoint, if any */
  char       *admin_token;
  char       *state;
  char       *error;
  GListStore *sessions;
  GListStore *packages;
  GListModel *followed[2];       /* sessions, packages: models mirrored into the stores */

  ShoalPointStartFunc start_func;
  ShoalPointStopFunc  stop_func;
  gpointer            handler_data;
  GDestroyNotify      handler_destroy;
};

G_DEFINE_FINAL_TYPE (ShoalPoint, shoal_point, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-point-error-quark, shoal_point_error)

enum {
  PROP_0,
  PROP_NAME,
  PROP_KIND,
  PROP_URL,
  PROP_STATE,
  PROP_ERROR,
  PROP_CAN_START,
  PROP_SESSIONS,
  PROP_PACKAGES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void unfollow (ShoalPoint *self);

static void
shoal_point_finalize (GObject *object)
{
  ShoalPoint *self = SHOAL_POINT (object);

  unfollow (self);
  if (self->handler_destroy)
    self->handler_destroy (self->handler_data);
  g_free (self->name);
  g_free (self->kind);
  g_free (self->url);
  g_free (self->token);
  g_free (self->admin_url);
  g_free (self->admin_token);
  g_free (self->state);
  g_free (self->error);
  g_object_unref (self->sessions);
  g_object_unref (self->packages);
  G_OBJECT_CLASS (shoal_point_parent_class)->finalize (object);
}

static void
shoal_point_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ShoalPoint *self = SHOAL_POINT (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_KIND: g_value_set_string (value, self->kind); break;
    case PROP_URL: g_value_set_string (value, self->url); break;
    case PROP_STATE: g_value_set_string (value, self->state); break;
    case PROP_ERROR: g_value_set_string (value, self->error); break;
    case PROP_CAN_START: g_value_set_boolean (value, self->start_func != NULL); break;
    case PROP_SESSIONS: g_value_set_object (value, self->sessions); break;
    case PROP_PACKAGES: g_value_set_object (value, self->packages); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_point_class_init (ShoalPointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_point_finalize;
  object_class->get_property = shoal_point_get_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, f);
  /* "embedded" or "remote". */
  properties[PROP_KIND] = g_param_spec_string ("kind", NULL, NULL, NULL, f);
  /* Base URL of a remote point; NULL for the embedded one. */
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, f);
  /* "ready", "connecting", "offline" or "error"; the owner decides. */
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, NULL, f);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, f);
  properties[PROP_CAN_START] = g_param_spec_boolean ("can-start", NULL, NULL, FALSE, f);
  /* GListModel of ShoalSession, newest last. */
  properties[PROP_SESSIONS] = g_param_spec_object ("sessions", NULL, NULL, G_TYPE_LIST_MODEL, f);
  /* GListModel of packages: objects with "name", "size", "n-files", "multicast-only". */
  properties[PROP_PACKAGES] = g_param_spec_object ("packages", NULL, NULL, G_TYPE_LIST_MODEL, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_point_init (ShoalPoint *self)
{
  self->sessions = g_list_store_new (SHOAL_TYPE_SESSION);
  self->packages = g_list_store_new (G_TYPE_OBJECT);
}

ShoalPoint *
shoal_point_new_embedded (const char *name)
{
  ShoalPoint *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_POINT, NULL);
  self->name = g_strdup (name);
  self->kind = g_strdup ("embedded");
  self->state = g_strdup ("ready");
  return self;
}

/* A remote point starts "offline": whoever talks to it sets the state. */
ShoalPoint *
shoal_point_new_remote (const char *name,
                        const char *url,
                        const char *token)
{
  ShoalPoint *self;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_POINT, NULL);
  self->name = g_strdup (name != NULL && *name ? name : url);
  self->kind = g_strdup ("remote");
  self->url = g_strdup (url);
  self->token = g_strdup (token);
  self->state = g_strdup ("offline");
  return self;
}

const char *
shoal_point_get_name (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  return self->name;
}

const char *
shoal_point_get_kind (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  return self->kind;
}

const char *
shoal_point_get_url (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  return self->url;
}

const char *
shoal_point_get_token (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  return self->token;
}

void
shoal_point_set_admin_endpoint (ShoalPoint *self,
                                const char *url,
                                const char *token)
{
  g_return_if_fail (SHOAL_IS_POINT (self));

  g_free (self->admin_url);
  self->admin_url = g_strdup (url);
  g_free (self->admin_token);
  self->admin_token = g_strdup (token);
}

const char *
shoal_point_get_admin_url (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  return self->admin_url ? self->admin_url : self->url;
}

const char *
shoal_point_get_admin_token (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  return self->admin_url ? self->admin_token : self->token;
}

const char *
shoal_point_get_state (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  return self->state;
}

const char *
shoal_point_get_error (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  return self->error;
}

gboolean
shoal_point_get_can_start (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), FALSE);
  return self->start_func != NULL;
}

GListModel *
shoal_point_get_sessions (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  return G_LIST_MODEL (self->sessions);
}

GListModel *
shoal_point_get_packages (ShoalPoint *self)
{
  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  return G_LIST_MODEL (self->packages);
}

/* @error describes what went wrong when @state is "error"; NULL otherwise. */
void
shoal_point_set_state (ShoalPoint *self,
                       const char *state,
                       const char *error)
{
  g_return_if_fail (SHOAL_IS_POINT (self));
  g_return_if_fail (state != NULL);

  g_object_freeze_notify (G_OBJECT (self));
  if (g_strcmp0 (self->state, state) != 0)
    {
      g_free (self->state);
      self->state = g_strdup (state);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
  if (g_strcmp0 (self->error, error) != 0)
    {
      g_free (self->error);
      self->error = g_strdup (error);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* Adding a session that is already listed does nothing. */
void
shoal_point_add_session (ShoalPoint   *self,
                         ShoalSession *session)
{
  g_return_if_fail (SHOAL_IS_POINT (self));
  g_return_if_fail (SHOAL_IS_SESSION (session));

  if (!g_list_store_find (self->sessions, session, NULL))
    g_list_store_append (self->sessions, session);
}

gboolean
shoal_point_remove_session (ShoalPoint   *self,
                            ShoalSession *session)
{
  guint pos;

  g_return_val_if_fail (SHOAL_IS_POINT (self), FALSE);
  g_return_val_if_fail (SHOAL_IS_SESSION (session), FALSE);

  if (!g_list_store_find (self->sessions, session, &pos))
    return FALSE;
  g_list_store_remove (self->sessions, pos);
  return TRUE;
}

ShoalSession *
shoal_point_find_session (ShoalPoint *self,
                          const char *id)
{
  guint n;

  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->sessions));
  for (guint i = 0; i < n; i++)
    {
      ShoalSession *s = g_list_model_get_item (G_LIST_MODEL (self->sessions), i);

      /* Borrowed: the store keeps it alive. */
      g_object_unref (s);
      if (g_strcmp0 (shoal_session_get_id (s), id) == 0)
        return s;
    }
  return NULL;
}

static char *
package_name (GObject *package)
{
  char *name = NULL;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (package), "name") != NULL)
    g_object_get (package, "name", &name, NULL);
  return name;
}

static gboolean
find_package_pos (ShoalPoint *self, const char *name, guint *pos)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->packages));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) p = g_list_model_get_item (G_LIST_MODEL (self->packages), i);
      g_autofree char *pname = package_name (p);

      if (g_strcmp0 (pname, name) == 0)
        {
          *pos = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* @package needs a "name" property; one with the name of a listed package replaces it in
 * place, so a refresh from a remote point does not reorder the view. */
void
shoal_point_add_package (ShoalPoint *self,
                         GObject    *package)
{
  g_autofree char *name = NULL;
  guint pos;

  g_return_if_fail (SHOAL_IS_POINT (self));
  g_return_if_fail (G_IS_OBJECT (package));
  name = package_name (package);
  g_return_if_fail (name != NULL);

  if (find_package_pos (self, name, &pos))
    g_list_store_splice (self->packages, pos, 1, (gpointer *) &package, 1);
  else
    g_list_store_append (self->packages, package);
}

gboolean
shoal_point_remove_package (ShoalPoint *self,
                            const char *name)
{
  guint pos;

  g_return_val_if_fail (SHOAL_IS_POINT (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (!find_package_pos (self, name, &pos))
    return FALSE;
  g_list_store_remove (self->packages, pos);
  return TRUE;
}

GObject *
shoal_point_find_package (ShoalPoint *self,
                          const char *name)
{
  GObject *p;
  guint pos;

  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (!find_package_pos (self, name, &pos))
    return NULL;
  /* Borrowed: the store keeps it alive. */
  p = g_list_model_get_item (G_LIST_MODEL (self->packages), pos);
  g_object_unref (p);
  return p;
}

static void
mirror (GListModel *source, guint position, guint removed, guint added, GListStore *store)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = position; i < position + added; i++)
    g_ptr_array_add (items, g_list_model_get_item (source, i));
  g_list_store_splice (store, position, removed, items->pdata, items->len);
}

static void
unfollow (ShoalPoint *self)
{
  for (guint i = 0; i < 2; i++)
    if (self->followed[i] != NULL)
      {
        g_signal_handlers_disconnect_by_func (self->followed[i], mirror,
                                              i == 0 ? self->sessions : self->packages);
        g_clear_object (&self->followed[i]);
      }
}

/* Makes the point's lists mirror @sessions and @packages (either may be NULL), as they are
 * and as they change: how an owner that keeps its own lists, such as the distribution point
 * service, shows them. The lists must be of ShoalSession and of packages, and nobody should
 * add to or remove from the point's lists directly while it follows. */
void
shoal_point_follow (ShoalPoint *self,
                    GListModel *sessions,
                    GListModel *packages)
{
  GListModel *sources[2] = { sessions, packages };
  GListStore *stores[2];

  g_return_if_fail (SHOAL_IS_POINT (self));
  g_return_if_fail (sessions == NULL || G_IS_LIST_MODEL (sessions));
  g_return_if_fail (packages == NULL || G_IS_LIST_MODEL (packages));

  stores[0] = self->sessions;
  stores[1] = self->packages;
  unfollow (self);
  for (guint i = 0; i < 2; i++)
    {
      if (sources[i] == NULL)
        continue;
      self->followed[i] = g_object_ref (sources[i]);
      g_list_store_remove_all (stores[i]);
      mirror (sources[i], 0, 0, g_list_model_get_n_items (sources[i]), stores[i]);
      g_signal_connect (sources[i], "items-changed", G_CALLBACK (mirror), stores[i]);
    }
}

/* Installs how sessions start and stop on this point: the embedded point's owner runs them
 * in-process, a remote point's owner asks its daemon. Without a stop handler, stopping
 * cancels the session object directly. */
void
shoal_point_set_handlers (ShoalPoint          *self,
                          ShoalPointStartFunc  start,
                          ShoalPointStopFunc   stop,
                          gpointer             user_data,
                          GDestroyNotify       destroy)
{
  gboolean could = FALSE;

  g_return_if_fail (SHOAL_IS_POINT (self));

  could = self->start_func != NULL;
  if (self->handler_destroy)
    self->handler_destroy (self->handler_data);
  self->start_func = start;
  self->stop_func = stop;
  self->handler_data = user_data;
  self->handler_destroy = destroy;
  if (could != (start != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_START]);
}

ShoalSession *
shoal_point_start_session (ShoalPoint            *self,
                           const char            *package,
                           const ShoalStartRules *rules,
                           GError               **error)
{
  ShoalSession *session;
  GObject *p;

  g_return_val_if_fail (SHOAL_IS_POINT (self), NULL);
  g_return_val_if_fail (package != NULL && rules != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (self->start_func == NULL)
    {
      g_set_error (error, SHOAL_POINT_ERROR, SHOAL_POINT_ERROR_UNSUPPORTED,
                   "distribution point “%s” cannot start sessions from this console",
                   self->name);
      return NULL;
    }
  p = shoal_point_find_package (self, package);
  if (p == NULL)
    {
      g_set_error (error, SHOAL_POINT_ERROR, SHOAL_POINT_ERROR_NO_PACKAGE,
                   "distribution point “%s” has no package “%s”", self->name, package);
      return NULL;
    }
  session = self->start_func (self, p, rules, self->handler_data, error);
  if (session != NULL)
    shoal_point_add_session (self, session);
  return session;
}

void
shoal_point_stop_session (ShoalPoint   *self,
                          ShoalSession *session)
{
  g_return_if_fail (SHOAL_IS_POINT (self));
  g_return_if_fail (SHOAL_IS_SESSION (session));

  if (self->stop_func != NULL)
    self->stop_func (self, session, self->handler_data);
  else
    shoal_session_cancel (session);
}

char *
shoal_point_get_remotes_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "shoal", "points.json", NULL);
}

/* Appends the remote points remembered in @path to @points. A missing file is no error: no
 * point was remembered yet. */
gboolean
shoal_point_load_remotes (const char  *path,
                          GListStore  *points,
                          GError     **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonArray *list;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (G_IS_LIST_STORE (points), FALSE);

  root = shoal_json_file_load (path, &local);
  if (root == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root)
      || !json_object_has_member (json_node_get_object (root), "points")
      || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "points")))
    {
      g_set_error (error, SHOAL_POINT_ERROR, SHOAL_POINT_ERROR_INVALID,
                   "%s: expected an object with a \"points\" array", path);
      return FALSE;
    }
  list = json_object_get_array_member (json_node_get_object (root), "points");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonNode *node = json_array_get_element (list, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *url, *name, *token;
      g_autoptr(ShoalPoint) point = NULL;

      url = o ? json_object_get_string_member_with_default (o, "url", NULL) : NULL;
      if (url == NULL || *url == '\0')
        {
          g_set_error (error, SHOAL_POINT_ERROR, SHOAL_POINT_ERROR_INVALID,
                       "%s: points[%u]: \"url\" is missing or not a string", path, i);
          return FALSE;
        }
      name = json_object_get_string_member_with_default (o, "name", NULL);
      token = json_object_get_string_member_with_default (o, "token", NULL);
      point = shoal_point_new_remote (name, url, token);
      g_list_store_append (points, point);
    }
  return TRUE;
}

/* Writes the remote points of @points to @path (mode 0600: it holds admin tokens),
 * atomically, creating the directory if needed. */
gboolean
shoal_point_save_remotes (const char  *path,
                          GListModel  *points,
                          GError     **error)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *dir = NULL;
  guint n;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (G_IS_LIST_MODEL (points), FALSE);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "points");
  json_builder_begin_array (b);
  n = g_list_model_get_n_items (points);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ShoalPoint) p = g_list_model_get_item (points, i);

      if (!SHOAL_IS_POINT (p) || p->url == NULL)
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, p->name);
      json_builder_set_member_name (b, "url");
      json_builder_add_string_value (b, p->url);
      if (p->token != NULL)
        {
          json_builder_set_member_name (b, "token");
          json_builder_add_string_value (b, p->token);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }
  return shoal_json_file_save (path, root, error);
}
