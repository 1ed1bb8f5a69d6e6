/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Network interfaces for the wizard and the preflight: getifaddrs() for the addresses and
 * flags, SIOCGIFMTU for the MTU. */
#include "config.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "shoal-net-interface.h"

struct _ShoalNetInterface
{
  GObject parent_instance;

  char      *name;
  GStrv      addresses;
  char      *address_text;
  guint      mtu;
  gboolean   up;
  gboolean   multicast;
  gboolean   loopback;
};

G_DEFINE_FINAL_TYPE (ShoalNetInterface, shoal_net_interface, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_ADDRESS_TEXT,
  PROP_MTU,
  PROP_UP,
  PROP_MULTICAST,
  PROP_LOOPBACK,
  PROP_USABLE,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

static void
shoal_net_interface_finalize (GObject *object)
{
  ShoalNetInterface *self = SHOAL_NET_INTERFACE (object);

  g_free (self->name);
  g_strfreev (self->addresses);
  g_free (self->address_text);
  G_OBJECT_CLASS (shoal_net_interface_parent_class)->finalize (object);
}

static void
shoal_net_interface_get_property (GObject *object, guint prop_id, GValue *value,
                                  GParamSpec *pspec)
{
  ShoalNetInterface *self = SHOAL_NET_INTERFACE (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_ADDRESS_TEXT: g_value_set_string (value, self->address_text); break;
    case PROP_MTU: g_value_set_uint (value, self->mtu); break;
    case PROP_UP: g_value_set_boolean (value, self->up); break;
    case PROP_MULTICAST: g_value_set_boolean (value, self->multicast); break;
    case PROP_LOOPBACK: g_value_set_boolean (value, self->loopback); break;
    case PROP_USABLE: g_value_set_boolean (value, shoal_net_interface_get_usable (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_net_interface_class_init (ShoalNetInterfaceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_net_interface_finalize;
  object_class->get_property = shoal_net_interface_get_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, f);
  properties[PROP_ADDRESS_TEXT] = g_param_spec_string ("address-text", NULL, NULL, NULL, f);
  properties[PROP_MTU] = g_param_spec_uint ("mtu", NULL, NULL, 0, G_MAXUINT, 0, f);
  properties[PROP_UP] = g_param_spec_boolean ("up", NULL, NULL, FALSE, f);
  properties[PROP_MULTICAST] = g_param_spec_boolean ("multicast", NULL, NULL, FALSE, f);
  properties[PROP_LOOPBACK] = g_param_spec_boolean ("loopback", NULL, NULL, FALSE, f);
  properties[PROP_USABLE] = g_param_spec_boolean ("usable", NULL, NULL, FALSE, f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_net_interface_init (ShoalNetInterface *self)
{
}

static ShoalNetInterface *
make (const char *name, GPtrArray *addresses, guint mtu, gboolean up, gboolean multicast,
      gboolean loopback)
{
  ShoalNetInterface *self = g_object_new (SHOAL_TYPE_NET_INTERFACE, NULL);

  self->name = g_strdup (name);
  g_ptr_array_add (addresses, NULL);
  self->addresses = g_strdupv ((char **) addresses->pdata);
  g_ptr_array_remove_index (addresses, addresses->len - 1);
  self->address_text = g_strjoinv (", ", self->addresses);
  self->mtu = mtu;
  self->up = up;
  self->multicast = multicast;
  self->loopback = loopback;
  return self;
}

static guint
read_mtu (int fd, const char *name)
{
  struct ifreq ifr = { 0 };

  g_strlcpy (ifr.ifr_name, name, sizeof ifr.ifr_name);
  if (fd < 0 || ioctl (fd, SIOCGIFMTU, &ifr) < 0)
    return 0;
  return (guint) ifr.ifr_mtu;
}

static gint
loopback_last (gconstpointer a, gconstpointer b, gpointer data)
{
  return (gint) shoal_net_interface_get_loopback ((gpointer) a)
         - (gint) shoal_net_interface_get_loopback ((gpointer) b);
}

GListStore *
shoal_net_interface_list (GError **error)
{
  g_autoptr(GListStore) store = g_list_store_new (SHOAL_TYPE_NET_INTERFACE);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  struct ifaddrs *list = NULL;
  int fd;

  if (getifaddrs (&list) < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "cannot list the network interfaces (getifaddrs): %s", g_strerror (saved));
      return NULL;
    }
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  /* getifaddrs gives one entry per address (and one AF_PACKET entry per interface): group
   * them by name, keeping the kernel's order. */
  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      gboolean seen = FALSE;

      for (guint i = 0; i < names->len; i++)
        seen |= g_str_equal (names->pdata[i], ifa->ifa_name);
      if (!seen)
        g_ptr_array_add (names, ifa->ifa_name);
    }
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
      guint flags = 0;

      for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
        {
          g_autoptr(GSocketAddress) sa = NULL;

          if (!g_str_equal (ifa->ifa_name, name))
            continue;
          flags = ifa->ifa_flags;
          if (ifa->ifa_addr == NULL
              || (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6))
            continue;
          sa = g_socket_address_new_from_native (ifa->ifa_addr,
                                                 ifa->ifa_addr->sa_family == AF_INET
                                                 ? sizeof (struct sockaddr_in)
                                                 : sizeof (struct sockaddr_in6));
          if (sa != NULL && G_IS_INET_SOCKET_ADDRESS (sa))
            g_ptr_array_add (addresses, g_inet_address_to_string (
              g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa))));
        }
      {
        g_autoptr(ShoalNetInterface) iface = make (name, addresses, read_mtu (fd, name),
                                                   (flags & IFF_UP) != 0,
                                                   (flags & IFF_MULTICAST) != 0,
                                                   (flags & IFF_LOOPBACK) != 0);
        g_list_store_append (store, iface);
      }
    }
  if (fd >= 0)
    close (fd);
  freeifaddrs (list);
  g_list_store_sort (store, loopback_last, NULL);
  return g_steal_pointer (&store);
}

ShoalNetInterface *
shoal_net_interface_lookup (const char  *name,
                            GError     **error)
{
  g_autoptr(GListStore) all = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  all = shoal_net_interface_list (error);
  if (all == NULL)
    return NULL;
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (all)); i++)
    {
      g_autoptr(ShoalNetInterface) iface = g_list_model_get_item (G_LIST_MODEL (all), i);
      if (g_str_equal (iface->name, name))
        return g_steal_pointer (&iface);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no network interface named “%s”",
               name);
  return NULL;
}

ShoalNetInterface *
shoal_net_interface_new_from_json (JsonNode  *node,
                                   GError   **error)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_free);
  JsonObject *o;
  JsonArray *a;
  const char *name;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    goto bad;
  o = json_node_get_object (node);
  name = json_object_get_string_member_with_default (o, "name", NULL);
  if (name == NULL)
    goto bad;
  a = json_object_has_member (o, "addresses")
      && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "addresses"))
      ? json_object_get_array_member (o, "addresses") : NULL;
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_STRING)
        g_ptr_array_add (addresses, g_strdup (json_node_get_string (e)));
    }
  return make (name, addresses,
               (guint) json_object_get_int_member_with_default (o, "mtu", 0),
               json_object_get_boolean_member_with_default (o, "up", FALSE),
               json_object_get_boolean_member_with_default (o, "multicast", FALSE),
               json_object_get_boolean_member_with_default (o, "loopback", FALSE));

bad:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "an interface in the answer is not an object with a \"name\"");
  return NULL;
}

JsonNode *
shoal_net_interface_to_json (ShoalNetInterface *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (SHOAL_IS_NET_INTERFACE (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, self->name);
  json_builder_set_member_name (b, "addresses");
  json_builder_begin_array (b);
  for (guint i = 0; self->addresses[i] != NULL; i++)
    json_builder_add_string_value (b, self->addresses[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "mtu");
  json_builder_add_int_value (b, self->mtu);
  json_builder_set_member_name (b, "up");
  json_builder_add_boolean_value (b, self->up);
  json_builder_set_member_name (b, "multicast");
  json_builder_add_boolean_value (b, self->multicast);
  json_builder_set_member_name (b, "loopback");
  json_builder_add_boolean_value (b, self->loopback);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

JsonNode *
shoal_net_interface_list_to_json (GListModel *interfaces)
{
  JsonArray *a = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < g_list_model_get_n_items (interfaces); i++)
    {
      g_autoptr(ShoalNetInterface) iface = g_list_model_get_item (interfaces, i);
      json_array_add_element (a, shoal_net_interface_to_json (iface));
    }
  json_node_take_array (node, a);
  return node;
}

const char *
shoal_net_interface_get_name (ShoalNetInterface *self)
{
  g_return_val_if_fail (SHOAL_IS_NET_INTERFACE (self), NULL);
  return self->name;
}

const char * const *
shoal_net_interface_get_addresses (ShoalNetInterface *self)
{
  g_return_val_if_fail (SHOAL_IS_NET_INTERFACE (self), NULL);
  return (const char * const *) self->addresses;
}

const char *
shoal_net_interface_get_address_text (ShoalNetInterface *self)
{
  g_return_val_if_fail (SHOAL_IS_NET_INTERFACE (self), NULL);
  return self->address_text;
}

guint
shoal_net_interface_get_mtu (ShoalNetInterface *self)
{
  g_return_val_if_fail (SHOAL_IS_NET_INTERFACE (self), 0);
  return self->mtu;
}

gboolean
shoal_net_interface_get_up (ShoalNetInterface *self)
{
  g_return_val_if_fail (SHOAL_IS_NET_INTERFACE (self), FALSE);
  return self->up;
}

gboolean
shoal_net_interface_get_multicast (ShoalNetInterface *self)
{
  g_return_val_if_fail (SHOAL_IS_NET_INTERFACE (self), FALSE);
  return self->multicast;
}

gboolean
shoal_net_interface_get_loopback (ShoalNetInterface *self)
{
  g_return_val_if_fail (SHOAL_IS_NET_INTERFACE (self), FALSE);
  return self->loopback;
}

gboolean
shoal_net_interface_has_family (ShoalNetInterface *self,
                                GSocketFamily      family)
{
  g_return_val_if_fail (SHOAL_IS_NET_INTERFACE (self), FALSE);

  for (guint i = 0; self->addresses[i] != NULL; i++)
    {
      g_autoptr(GInetAddress) a = g_inet_address_new_from_string (self->addresses[i]);
      if (a != NULL && g_inet_address_get_family (a) == family)
        return TRUE;
    }
  return FALSE;
}

gboolean
shoal_net_interface_get_usable (ShoalNetInterface *self)
{
  g_return_val_if_fail (SHOAL_IS_NET_INTERFACE (self), FALSE);
  return self->up && self->multicast && self->addresses[0] != NULL;
}
