/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point's settings. Unknown keys and wrong types are errors that name the
 * key and the file: a typo must not silently fall back to a default. */
#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "shoal-config.h"

G_DEFINE_QUARK (shoal-config-error-quark, shoal_config_error)

ShoalConfig *
shoal_config_new (void)
{
  ShoalConfig *c = g_new0 (ShoalConfig, 1);

  c->library = g_strdup ("/var/lib/shoal/library");
  c->state_dir = g_strdup ("/var/lib/shoal/state");
  c->listen = g_strdup ("0.0.0.0:8470");
  c->tls = TRUE;
  c->multicast_enabled = TRUE;
  c->group_first = g_strdup ("239.255.42.1");
  c->group_last = g_strdup ("239.255.42.254");
  c->port_first = 47000;
  c->port_last = 47999;
  c->ttl = 1;
  c->mtu = 1500;
  c->transport = g_strdup ("auto");
  c->max_rate = (guint64) 2500 * 1000 * 1000;
  c->min_rate = 10 * 1000 * 1000;
  c->auto_start = TRUE;
  c->max_wait = 0;
  c->slow_loss_percent = 10;
  c->slow_grace = 10;
  c->max_hold = 3;
  c->linger = 2;
  c->access = SHOAL_ACCESS_ANONYMOUS;
  c->admin_token_file = g_strdup ("/etc/shoal/admin-token");
  return c;
}

void
shoal_config_free (ShoalConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->library);
  g_free (c->state_dir);
  g_free (c->listen);
  g_free (c->tls_certificate);
  g_free (c->tls_key);
  g_free (c->interface);
  g_free (c->group_first);
  g_free (c->group_last);
  g_free (c->transport);
  g_free (c->account);
  g_free (c->password_file);
  g_free (c->admin_token_file);
  g_free (c);
}

typedef enum { T_STR, T_BOOL, T_UINT, T_U64, T_ACCESS } FieldType;

typedef struct
{
  const char *key;
  FieldType   type;
  gsize       offset;
  gboolean    nullable;
} Field;

#define F(key, type, member, nullable) { key, type, G_STRUCT_OFFSET (ShoalConfig, member), nullable }

static const Field fields[] = {
  F ("library", T_STR, library, FALSE),
  F ("state_dir", T_STR, state_dir, FALSE),
  F ("listen", T_STR, listen, FALSE),
  F ("tls", T_BOOL, tls, FALSE),
  F ("tls_certificate", T_STR, tls_certificate, TRUE),
  F ("tls_key", T_STR, tls_key, TRUE),
  F ("interface", T_STR, interface, TRUE),
  F ("multicast_enabled", T_BOOL, multicast_enabled, FALSE),
  F ("group_first", T_STR, group_first, FALSE),
  F ("group_last", T_STR, group_last, FALSE),
  F ("port_first", T_UINT, port_first, FALSE),
  F ("port_last", T_UINT, port_last, FALSE),
  F ("ttl", T_UINT, ttl, FALSE),
  F ("mtu", T_UINT, mtu, FALSE),
  F ("transport", T_STR, transport, FALSE),
  F ("max_rate", T_U64, max_rate, FALSE),
  F ("adaptive", T_BOOL, adaptive, FALSE),
  F ("min_rate", T_U64, min_rate, FALSE),
  F ("auto_start", T_BOOL, auto_start, FALSE),
  F ("min_clients", T_UINT, min_clients, FALSE),
  F ("max_wait", T_UINT, max_wait, FALSE),
  F ("max_clients", T_UINT, max_clients, FALSE),
  F ("drop_slow", T_BOOL, drop_slow, FALSE),
  F ("slow_loss_percent", T_UINT, slow_loss_percent, FALSE),
  F ("slow_min_rate", T_U64, slow_min_rate, FALSE),
  F ("slow_grace", T_UINT, slow_grace, FALSE),
  F ("max_hold", T_UINT, max_hold, FALSE),
  F ("proactive_parity", T_UINT, proactive_parity, FALSE),
  F ("linger", T_UINT, linger, FALSE),
  F ("access", T_ACCESS, access, FALSE),
  F ("account", T_STR, account, TRUE),
  F ("password_file", T_STR, password_file, TRUE),
  F ("admin_token_file", T_STR, admin_token_file, TRUE),
};

static gboolean
invalid (GError **error, const char *where, const char *key, const char *what)
{
  g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_INVALID,
               "%s: setting \"%s\": %s", where, key, what);
  return FALSE;
}

/* Applies the members of @node (a JSON object) over @config; @where names the source. */
gboolean
shoal_config_apply_json (ShoalConfig  *config,
                         JsonNode     *node,
                         const char   *where,
                         GError      **error)
{
  JsonObject *obj;
  g_autoptr(GList) members = NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_INVALID,
                   "%s: the settings must be a JSON object", where);
      return FALSE;
    }
  obj = json_node_get_object (node);
  members = json_object_get_members (obj);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *key = l->data;
      JsonNode *v = json_object_get_member (obj, key);
      const Field *f = NULL;
      gpointer p;

      for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
        if (g_str_equal (fields[i].key, key))
          f = &fields[i];
      if (f == NULL)
        return invalid (error, where, key, "unknown setting");
      p = G_STRUCT_MEMBER_P (config, f->offset);
      if (JSON_NODE_HOLDS_NULL (v))
        {
          if (!f->nullable)
            return invalid (error, where, key, "may not be null");
          g_clear_pointer ((char **) p, g_free);
          continue;
        }
      if (!JSON_NODE_HOLDS_VALUE (v))
        return invalid (error, where, key, "must be a plain value, not an object or array");
      switch (f->type)
        {
        case T_STR:
          if (json_node_get_value_type (v) != G_TYPE_STRING)
            return invalid (error, where, key, "must be a string");
          g_free (*(char **) p);
          *(char **) p = g_strdup (json_node_get_string (v));
          break;
        case T_BOOL:
          if (json_node_get_value_type (v) != G_TYPE_BOOLEAN)
            return invalid (error, where, key, "must be true or false");
          *(gboolean *) p = json_node_get_boolean (v);
          break;
        case T_UINT:
        case T_U64:
          if (json_node_get_value_type (v) != G_TYPE_INT64 || json_node_get_int (v) < 0
              || (f->type == T_UINT && json_node_get_int (v) > G_MAXUINT32))
            return invalid (error, where, key, "must be a non-negative integer");
          if (f->type == T_UINT)
            *(guint *) p = (guint) json_node_get_int (v);
          else
            *(guint64 *) p = (guint64) json_node_get_int (v);
          break;
        case T_ACCESS:
          if (json_node_get_value_type (v) != G_TYPE_STRING)
            return invalid (error, where, key, "must be \"anonymous\" or \"authenticated\"");
          if (g_str_equal (json_node_get_string (v), "anonymous"))
            *(ShoalAccessMode *) p = SHOAL_ACCESS_ANONYMOUS;
          else if (g_str_equal (json_node_get_string (v), "authenticated"))
            *(ShoalAccessMode *) p = SHOAL_ACCESS_AUTHENTICATED;
          else
            return invalid (error, where, key, "must be \"anonymous\" or \"authenticated\"");
          break;
        }
    }
  return shoal_config_validate (config, error) || (g_prefix_error (error, "%s: ", where), FALSE);
}

gboolean
shoal_config_load (ShoalConfig  *config,
                   const char   *path,
                   GError      **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local = NULL;

  if (!json_parser_load_from_file (parser, path, &local))
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_PARSE,
                   "cannot read the config file %s: %s", path, local->message);
      return FALSE;
    }
  return shoal_config_apply_json (config, json_parser_get_root (parser), path, error);
}

JsonNode *
shoal_config_to_json (const ShoalConfig *config)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      gconstpointer p = G_STRUCT_MEMBER_P (config, fields[i].offset);

      json_builder_set_member_name (b, fields[i].key);
      switch (fields[i].type)
        {
        case T_STR:
          if (*(char * const *) p == NULL)
            json_builder_add_null_value (b);
          else
            json_builder_add_string_value (b, *(char * const *) p);
          break;
        case T_BOOL: json_builder_add_boolean_value (b, *(const gboolean *) p); break;
        case T_UINT: json_builder_add_int_value (b, *(const guint *) p); break;
        case T_U64: json_builder_add_int_value (b, (gint64) *(const guint64 *) p); break;
        case T_ACCESS:
          json_builder_add_string_value (b, *(const ShoalAccessMode *) p == SHOAL_ACCESS_ANONYMOUS
                                            ? "anonymous" : "authenticated");
          break;
        }
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
shoal_config_parse_listen (const char  *listen,
                           char       **host,
                           guint       *port,
                           GError     **error)
{
  g_autoptr(GSocketConnectable) addr = g_network_address_parse (listen, 0, NULL);

  if (addr == NULL || g_network_address_get_port (G_NETWORK_ADDRESS (addr)) == 0)
    {
      g_set_error (error, SHOAL_CONFIG_ERROR, SHOAL_CONFIG_ERROR_INVALID,
                   "\"%s\" is not ADDRESS:PORT", listen);
      return FALSE;
    }
  if (host)
    *host = g_strdup (g_network_address_get_hostname (G_NETWORK_ADDRESS (addr)));
  if (port)
    *port = g_network_address_get_port (G_NETWORK_ADDRESS (addr));
  return TRUE;
}

static gboolean
is_multicast (const char *s, GSocketFamily *family)
{
  g_autoptr(GInetAddress) a = g_inet_address_new_from_string (s);

  if (a == NULL || !g_inet_address_get_is_multicast (a))
    return FALSE;
  *family = g_inet_address_get_family (a);
  return TRUE;
}

gboolean
shoal_config_validate (const ShoalConfig  *c,
                       GError            **error)
{
  GSocketFamily f1 = 0, f2 = 0;

  if (!shoal_config_parse_listen (c->listen, NULL, NULL, error))
    return (g_prefix_error (error, "setting \"listen\": "), FALSE);
  if (!is_multicast (c->group_first, &f1) || !is_multicast (c->group_last, &f2) || f1 != f2)
    return invalid (error, "settings", "group_first/group_last",
                    "must be multicast addresses of one family (e.g. 239.255.42.1 to "
                    "239.255.42.254, or ff05::1:1 to ff05::1:ff)");
  if (c->port_first == 0 || c->port_last > 65535 || c->port_first > c->port_last)
    return invalid (error, "settings", "port_first/port_last", "must be a range within 1..65535");
  if (c->ttl > 255)
    return invalid (error, "settings", "ttl", "must be 0..255");
  if (c->mtu < 576 || c->mtu > 9000)
    return invalid (error, "settings", "mtu", "must be 576..9000");
  if (!g_str_equal (c->transport, "auto") && !g_str_equal (c->transport, "gst")
      && !g_str_equal (c->transport, "linux"))
    return invalid (error, "settings", "transport", "must be \"auto\", \"gst\" or \"linux\"");
  if (c->slow_loss_percent > 100)
    return invalid (error, "settings", "slow_loss_percent", "must be 0..100");
  if (c->access == SHOAL_ACCESS_AUTHENTICATED && (c->account == NULL || c->password_file == NULL))
    return invalid (error, "settings", "access",
                    "authenticated mode needs \"account\" and \"password_file\"");
  if (c->access == SHOAL_ACCESS_AUTHENTICATED && !c->tls)
    return invalid (error, "settings", "access",
                    "authenticated mode sends passwords, so it needs \"tls\": true");
  return TRUE;
}
