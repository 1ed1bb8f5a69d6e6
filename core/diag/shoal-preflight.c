/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network preflight. Three workers run side by side so the whole takes as long as the
 * longest wait: the quick checks (interface, send and loop-back, MTU, TTL), the IGMP/MLD
 * querier listener, and the listener for other senders on the range. Each outcome is handed
 * to the caller's main context, where the check objects live. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shoal-manifest.h"
#include "shoal-net-interface.h"
#include "shoal-preflight.h"
#include "shoal-transport-socket.h"

#define MAX_GROUPS         256     /* addresses of the range listened on */
#define MAX_PORTS          1024    /* ports of the range listened on */
#define JOINS_PER_SOCKET   16      /* under net.ipv4.igmp_max_memberships (20) */
#define LOOP_TIMEOUT_US    (1 * G_USEC_PER_SEC)
#define POLL_SLICE_MS      100
#define MAX_SENDERS_SHOWN  5

struct _ShoalPreflight
{
  GObject parent_instance;

  char          *interface;
  char          *group_first;
  char          *group_last;
  guint          port_first;
  guint          port_last;
  guint          ttl;
  guint          mtu;
  guint          querier_wait;
  guint          listen_time;
  GStrv          exclude;
  GSocketFamily  family;
  guint          ifindex;

  GListStore    *checks;
  char          *state;
  GMainContext  *context;
  guint          workers;          /* still running */
  GTask         *task;
};

G_DEFINE_FINAL_TYPE (ShoalPreflight, shoal_preflight, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-preflight-error-quark, shoal_preflight_error)

enum { PROP_0, PROP_STATE, PROP_OUTCOME, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const struct { const char *name; const char *title; } check_list[] = {
  { "interface", "Interface" },
  { "send-loopback", "Multicast send and loop-back" },
  { "mtu", "Datagram size against the MTU" },
  { "ttl", "TTL" },
  { "igmp-querier", "IGMP querier" },
  { "duplicates", "Other senders on the range" },
};

static void
shoal_preflight_finalize (GObject *object)
{
  ShoalPreflight *self = SHOAL_PREFLIGHT (object);

  g_free (self->interface);
  g_free (self->group_first);
  g_free (self->group_last);
  g_strfreev (self->exclude);
  g_clear_object (&self->checks);
  g_free (self->state);
  g_clear_pointer (&self->context, g_main_context_unref);
  G_OBJECT_CLASS (shoal_preflight_parent_class)->finalize (object);
}

static void
shoal_preflight_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ShoalPreflight *self = SHOAL_PREFLIGHT (object);

  switch (prop_id)
    {
    case PROP_STATE: g_value_set_string (value, self->state); break;
    case PROP_OUTCOME:
      g_value_set_string (value, shoal_check_state_to_string (shoal_preflight_get_outcome (self)));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_preflight_class_init (ShoalPreflightClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags f = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = shoal_preflight_finalize;
  object_class->get_property = shoal_preflight_get_property;

  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, "ready", f);
  properties[PROP_OUTCOME] = g_param_spec_string ("outcome", NULL, NULL, "pass", f);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_preflight_init (ShoalPreflight *self)
{
  self->checks = g_list_store_new (SHOAL_TYPE_PREFLIGHT_CHECK);
  self->state = g_strdup ("ready");
}

static gboolean
invalid (GError **error, const char *field, const char *what)
{
  g_set_error (error, SHOAL_PREFLIGHT_ERROR, SHOAL_PREFLIGHT_ERROR_INVALID, "preflight: %s %s",
               field, what);
  return FALSE;
}

static gboolean
parse_group (const char *text, const char *field, GInetAddress **out, GError **error)
{
  g_autoptr(GInetAddress) a = text ? g_inet_address_new_from_string (text) : NULL;

  if (a == NULL || !g_inet_address_get_is_multicast (a))
    {
      g_autofree char *what = g_strdup_printf ("\"%s\" is not a multicast address",
                                               text ? text : "(none)");
      return invalid (error, field, what);
    }
  *out = g_steal_pointer (&a);
  return TRUE;
}

ShoalPreflight *
shoal_preflight_new (const ShoalPreflightOptions  *options,
                     GError                      **error)
{
  g_autoptr(ShoalPreflight) self = NULL;
  g_autoptr(GInetAddress) first = NULL;
  g_autoptr(GInetAddress) last = NULL;

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!parse_group (options->group_first, "group_first", &first, error)
      || !parse_group (options->group_last, "group_last", &last, error))
    return NULL;
  if (g_inet_address_get_family (first) != g_inet_address_get_family (last))
    return invalid (error, "group_first/group_last", "are of different families"), NULL;
  if (memcmp (g_inet_address_to_bytes (first), g_inet_address_to_bytes (last),
              g_inet_address_get_native_size (first)) > 0)
    return invalid (error, "group_first", "is above group_last"), NULL;
  if (options->port_first == 0 || options->port_last > 65535
      || options->port_first > options->port_last)
    return invalid (error, "port_first/port_last", "must be a range within 1..65535"), NULL;
  if (options->interface != NULL && *options->interface != '\0'
      && (strlen (options->interface) >= IFNAMSIZ || strchr (options->interface, '/')))
    return invalid (error, "interface", "is not an interface name"), NULL;

  self = g_object_new (SHOAL_TYPE_PREFLIGHT, NULL);
  self->interface = options->interface && *options->interface ? g_strdup (options->interface)
                                                              : NULL;
  self->group_first = g_strdup (options->group_first);
  self->group_last = g_strdup (options->group_last);
  self->port_first = options->port_first;
  self->port_last = options->port_last;
  self->ttl = options->ttl;
  self->mtu = options->mtu ? options->mtu : 1500;
  self->querier_wait = options->querier_wait;
  self->listen_time = options->listen_time;
  self->exclude = g_strdupv ((char **) options->exclude);
  self->family = g_inet_address_get_family (first);
  for (guint i = 0; i < G_N_ELEMENTS (check_list); i++)
    {
      g_autoptr(ShoalPreflightCheck) c = NULL;

      if (options->only != NULL && !g_strv_contains (options->only, check_list[i].name))
        continue;
      c = shoal_preflight_check_new (check_list[i].name,
                                     g_str_equal (check_list[i].name, "igmp-querier")
                                     && self->family == G_SOCKET_FAMILY_IPV6
                                     ? "MLD querier" : check_list[i].title);
      g_list_store_append (self->checks, c);
    }
  return g_steal_pointer (&self);
}

GListModel *
shoal_preflight_get_checks (ShoalPreflight *self)
{
  g_return_val_if_fail (SHOAL_IS_PREFLIGHT (self), NULL);
  return G_LIST_MODEL (self->checks);
}

ShoalPreflightCheck *
shoal_preflight_get_check (ShoalPreflight *self,
                           const char     *name)
{
  g_return_val_if_fail (SHOAL_IS_PREFLIGHT (self), NULL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->checks)); i++)
    {
      g_autoptr(ShoalPreflightCheck) c = g_list_model_get_item (G_LIST_MODEL (self->checks), i);
      if (g_str_equal (shoal_preflight_check_get_name (c), name))
        return c;   /* the store keeps it */
    }
  return NULL;
}

ShoalPreflightCheck *
shoal_preflight_add_check (ShoalPreflight *self,
                           const char     *name,
                           const char     *title)
{
  g_autoptr(ShoalPreflightCheck) c = NULL;

  g_return_val_if_fail (SHOAL_IS_PREFLIGHT (self), NULL);
  g_return_val_if_fail (shoal_preflight_get_check (self, name) == NULL, NULL);

  c = shoal_preflight_check_new (name, title);
  g_signal_connect_swapped (c, "notify::state", G_CALLBACK (g_object_notify_by_pspec), self);
  g_list_store_append (self->checks, c);
  return c;
}

const char *
shoal_preflight_get_state (ShoalPreflight *self)
{
  g_return_val_if_fail (SHOAL_IS_PREFLIGHT (self), NULL);
  return self->state;
}

ShoalCheckState
shoal_preflight_get_outcome (ShoalPreflight *self)
{
  ShoalCheckState worst = SHOAL_CHECK_PASS;

  g_return_val_if_fail (SHOAL_IS_PREFLIGHT (self), SHOAL_CHECK_FAIL);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->checks)); i++)
    {
      g_autoptr(ShoalPreflightCheck) c = g_list_model_get_item (G_LIST_MODEL (self->checks), i);
      ShoalCheckState s = shoal_preflight_check_get_state (c);

      if (s == SHOAL_CHECK_FAIL)
        worst = SHOAL_CHECK_FAIL;
      else if (s == SHOAL_CHECK_WARN && worst != SHOAL_CHECK_FAIL)
        worst = SHOAL_CHECK_WARN;
    }
  return worst;
}

JsonNode *
shoal_preflight_to_json (ShoalPreflight *self)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (SHOAL_IS_PREFLIGHT (self), NULL);

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, self->state);
  json_builder_set_member_name (b, "outcome");
  json_builder_add_string_value (b, shoal_check_state_to_string (
                                      shoal_preflight_get_outcome (self)));
  json_builder_set_member_name (b, "checks");
  json_builder_begin_array (b);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->checks)); i++)
    {
      g_autoptr(ShoalPreflightCheck) c = g_list_model_get_item (G_LIST_MODEL (self->checks), i);
      json_builder_add_value (b, shoal_preflight_check_to_json (c));
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

guint
shoal_preflight_packet_size (guint         mtu,
                             GSocketFamily family)
{
  return shoal_symbol_size_for_mtu (mtu) + SHOAL_DATA_OVERHEAD
         + (family == G_SOCKET_FAMILY_IPV6 ? 48 : 28);
}

/* ---- handing outcomes to the main context ----------------------------------------------- */

typedef struct
{
  ShoalPreflight  *self;
  char            *name;
  ShoalCheckState  state;
  char            *detail;
  char            *remedy;
} Outcome;

static gboolean
apply_outcome (gpointer data)
{
  Outcome *o = data;
  ShoalPreflightCheck *c = shoal_preflight_get_check (o->self, o->name);

  if (c != NULL)
    {
      shoal_preflight_check_set (c, o->state, o->detail, o->remedy);
      g_object_notify_by_pspec (G_OBJECT (o->self), properties[PROP_OUTCOME]);
    }
  g_object_unref (o->self);
  g_free (o->name);
  g_free (o->detail);
  g_free (o->remedy);
  g_free (o);
  return G_SOURCE_REMOVE;
}

static void report (ShoalPreflight *self, const char *name, ShoalCheckState state,
                    const char *remedy, const char *format, ...) G_GNUC_PRINTF (5, 6);

/* Callable from any worker. */
static void
report (ShoalPreflight *self, const char *name, ShoalCheckState state, const char *remedy,
        const char *format, ...)
{
  Outcome *o = g_new0 (Outcome, 1);
  va_list args;

  va_start (args, format);
  o->detail = g_strdup_vprintf (format, args);
  va_end (args);
  o->self = g_object_ref (self);
  o->name = g_strdup (name);
  o->state = state;
  o->remedy = g_strdup (remedy);
  g_main_context_invoke (self->context, apply_outcome, o);
}

static gboolean
wants (ShoalPreflight *self, const char *name)
{
  return shoal_preflight_get_check (self, name) != NULL;
}

/* ---- the quick checks ------------------------------------------------------------------- */

static const char *
family_name (ShoalPreflight *self)
{
  return self->family == G_SOCKET_FAMILY_IPV6 ? "IPv6" : "IPv4";
}

static int
sock_family (ShoalPreflight *self)
{
  return self->family == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET;
}

/* The interface the kernel would send the range's multicast on: the one holding the source
 * address of a route lookup towards the first group. */
static ShoalNetInterface *
route_interface (ShoalPreflight *self, GListModel *all, char **source)
{
  g_autoptr(GInetSocketAddress) dest = G_INET_SOCKET_ADDRESS (
    g_inet_socket_address_new_from_string (self->group_first, self->port_first));
  struct sockaddr_storage ss, local;
  socklen_t len = sizeof local;
  int fd = socket (sock_family (self), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_autoptr(GSocketAddress) la = NULL;
  g_autofree char *text = NULL;

  *source = NULL;
  if (fd < 0)
    return NULL;
  g_socket_address_to_native (G_SOCKET_ADDRESS (dest), &ss, sizeof ss, NULL);
  if (connect (fd, (struct sockaddr *) &ss, g_socket_address_get_native_size (
                 G_SOCKET_ADDRESS (dest))) < 0
      || getsockname (fd, (struct sockaddr *) &local, &len) < 0)
    {
      close (fd);
      return NULL;
    }
  close (fd);
  la = g_socket_address_new_from_native (&local, len);
  text = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (la)));
  for (guint i = 0; i < g_list_model_get_n_items (all); i++)
    {
      g_autoptr(ShoalNetInterface) iface = g_list_model_get_item (all, i);
      if (g_strv_contains (shoal_net_interface_get_addresses (iface), text))
        {
          *source = g_steal_pointer (&text);
          return g_steal_pointer (&iface);
        }
    }
  *source = g_steal_pointer (&text);
  return NULL;
}

static char *
interface_names (GListModel *all)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (all); i++)
    {
      g_autoptr(ShoalNetInterface) iface = g_list_model_get_item (all, i);
      if (shoal_net_interface_get_usable (iface) && !shoal_net_interface_get_loopback (iface))
        g_string_append_printf (s, "%s%s", s->len ? ", " : "",
                                shoal_net_interface_get_name (iface));
    }
  return g_string_free (s, FALSE);
}

/* Returns the interface sessions would use (NULL when none can), after reporting on it. */
static ShoalNetInterface *
check_interface (ShoalPreflight *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GListStore) all = shoal_net_interface_list (&error);
  g_autoptr(ShoalNetInterface) iface = NULL;
  g_autofree char *usable = NULL;
  g_autofree char *remedy = NULL;
  const char *name;

  if (all == NULL)
    {
      report (self, "interface", SHOAL_CHECK_FAIL, NULL, "%s", error->message);
      return NULL;
    }
  usable = interface_names (G_LIST_MODEL (all));
  remedy = *usable ? g_strdup_printf ("Choose an interface that can multicast: %s.", usable)
                   : g_strdup ("This distribution point has no interface that can multicast: "
                               "bring one up with an address.");
  if (self->interface == NULL)
    {
      g_autofree char *source = NULL;

      iface = route_interface (self, G_LIST_MODEL (all), &source);
      if (iface == NULL)
        {
          report (self, "interface", SHOAL_CHECK_FAIL,
                  "Choose the interface explicitly, or add a multicast route "
                  "(ip route add 224.0.0.0/4 dev IF).",
                  "No interface is set and the kernel has no route for %s multicast to %s.",
                  family_name (self), self->group_first);
          return NULL;
        }
    }
  else
    {
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (all)); i++)
        {
          g_autoptr(ShoalNetInterface) it = g_list_model_get_item (G_LIST_MODEL (all), i);
          if (g_str_equal (shoal_net_interface_get_name (it), self->interface))
            iface = g_steal_pointer (&it);
        }
      if (iface == NULL)
        {
          report (self, "interface", SHOAL_CHECK_FAIL, remedy,
                  "This distribution point has no interface named %s.", self->interface);
          return NULL;
        }
    }
  name = shoal_net_interface_get_name (iface);
  if (!shoal_net_interface_get_up (iface))
    {
      g_autofree char *r = g_strdup_printf ("Bring it up (ip link set %s up), or choose "
                                            "another. %s", name, remedy);
      report (self, "interface", SHOAL_CHECK_FAIL, r, "Interface %s is down.", name);
      return NULL;
    }
  if (!shoal_net_interface_get_multicast (iface))
    {
      g_autofree char *r = g_strdup_printf ("Turn multicast on (ip link set %s multicast on), "
                                            "or choose another interface.", name);
      report (self, "interface", SHOAL_CHECK_FAIL, r,
              "Interface %s cannot multicast: it lacks the MULTICAST flag.", name);
      return NULL;
    }
  if (!shoal_net_interface_has_family (iface, self->family))
    {
      report (self, "interface", SHOAL_CHECK_FAIL, remedy,
              "Interface %s has no %s address, so it cannot send to %s.", name,
              family_name (self), self->group_first);
      return NULL;
    }
  report (self, "interface", SHOAL_CHECK_PASS, NULL, "%s%s: %s; MTU %u; multicast.",
          self->interface ? "" : "The kernel's choice, ", name,
          shoal_net_interface_get_address_text (iface), shoal_net_interface_get_mtu (iface));
  return g_steal_pointer (&iface);
}

/* Sender and receiver of one group on this host, for the loop-back and MTU checks. */
typedef struct
{
  int                 send_fd;
  int                 recv_fd;
  struct sockaddr_storage dest;
  socklen_t           dest_len;
  char               *group_text;
} LoopPair;

static void
loop_pair_close (LoopPair *p)
{
  if (p->send_fd >= 0)
    close (p->send_fd);
  if (p->recv_fd >= 0)
    close (p->recv_fd);
  g_free (p->group_text);
}

static gboolean
loop_pair_open (ShoalPreflight *self, guint ifindex, const char *ifname, LoopPair *p,
                GError **error)
{
  g_autoptr(GInetSocketAddress) group = NULL;
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  guint port;
  int on = 1;

  p->send_fd = p->recv_fd = -1;
  /* The last group of the range: sessions take addresses from the first one up. */
  p->recv_fd = shoal_transport_socket_open (sock_family (self), 0, TRUE, error);
  if (p->recv_fd < 0 || getsockname (p->recv_fd, (struct sockaddr *) &local, &len) < 0)
    return FALSE;
  port = ntohs (local.ss_family == AF_INET6 ? ((struct sockaddr_in6 *) &local)->sin6_port
                                            : ((struct sockaddr_in *) &local)->sin_port);
  group = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (self->group_last, port));
  p->group_text = shoal_transport_describe_group (group);
  shoal_transport_socket_own_groups_only (p->recv_fd, sock_family (self));
  if (!shoal_transport_socket_join (p->recv_fd, group, ifindex, ifname, error))
    return FALSE;
  p->send_fd = shoal_transport_socket_open (sock_family (self), 0, FALSE, error);
  if (p->send_fd < 0
      || !shoal_transport_socket_set_sender (p->send_fd, sock_family (self), ifindex, self->ttl,
                                             TRUE, error))
    return FALSE;
  /* Don't fragment: a datagram too big for the interface fails with EMSGSIZE instead. */
  if (self->family == G_SOCKET_FAMILY_IPV6)
    setsockopt (p->send_fd, IPPROTO_IPV6, IPV6_DONTFRAG, &on, sizeof on);
  else
    {
      int pmtu = IP_PMTUDISC_DO;
      setsockopt (p->send_fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof pmtu);
    }
  p->dest_len = g_socket_address_get_native_size (G_SOCKET_ADDRESS (group));
  g_socket_address_to_native (G_SOCKET_ADDRESS (group), &p->dest, sizeof p->dest, NULL);
  return TRUE;
}

/* Sends @len bytes with a nonce and waits for them to come back. Returns the round trip in
 * us, or -1 with errno set (0 when nothing came back in time). */
static gint64
loop_pair_roundtrip (LoopPair *p, gsize len, GCancellable *cancellable)
{
  g_autofree guint8 *buf = g_malloc0 (len);
  g_autofree guint8 *in = g_malloc (len + 1);
  guint32 nonce = g_random_int ();
  gint64 start = g_get_monotonic_time ();

  memcpy (buf, &nonce, MIN (len, sizeof nonce));
  if (sendto (p->send_fd, buf, len, 0, (struct sockaddr *) &p->dest, p->dest_len) < 0)
    return -1;
  while (g_get_monotonic_time () - start < LOOP_TIMEOUT_US
         && !g_cancellable_is_cancelled (cancellable))
    {
      struct pollfd pfd = { p->recv_fd, POLLIN, 0 };
      ssize_t n;

      if (poll (&pfd, 1, POLL_SLICE_MS) <= 0)
        continue;
      n = recv (p->recv_fd, in, len + 1, MSG_DONTWAIT);
      if (n == (ssize_t) len && memcmp (in, &nonce, MIN (len, sizeof nonce)) == 0)
        return MAX (g_get_monotonic_time () - start, 1);
    }
  errno = 0;
  return -1;
}

static void
check_ttl (ShoalPreflight *self, ShoalNetInterface *iface)
{
  if (self->ttl == 0)
    report (self, "ttl", SHOAL_CHECK_WARN,
            "Set the TTL to 1 for clients on this network segment, or higher for clients "
            "behind multicast routers.",
            "TTL 0: the multicast never leaves this host. Only clients on this machine can "
            "receive it (the demo uses this).");
  else if (self->ttl == 1)
    report (self, "ttl", SHOAL_CHECK_PASS,
            "Clients behind a router need a TTL above the number of routers and multicast "
            "routing (PIM) on them.",
            "TTL 1: the multicast reaches this network segment (VLAN) and stops at the first "
            "router.");
  else if (self->ttl <= 32)
    report (self, "ttl", SHOAL_CHECK_PASS,
            "Make sure the site's border routers stop administratively scoped groups "
            "(239.0.0.0/8) so the traffic stays inside the site.",
            "TTL %u: the multicast may cross up to %u multicast routers.", self->ttl,
            self->ttl - 1);
  else
    report (self, "ttl", SHOAL_CHECK_WARN,
            "A TTL of 1 to 32 is enough inside a site; lower it unless clients really are that "
            "many routers away.",
            "TTL %u is high: the multicast could travel far beyond the site if a router "
            "forwards it.", self->ttl);
}

static void
quick_checks (ShoalPreflight *self, GCancellable *cancellable)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalNetInterface) iface = check_interface (self);
  LoopPair pair = { -1, -1 };
  const char *name;
  guint ifindex;
  guint packet = shoal_preflight_packet_size (self->mtu, self->family);
  g_autofree char *mtu_remedy = NULL;
  gint64 rtt;

  if (iface == NULL)
    {
      const char *why = "Skipped: no usable interface (see above).";
      report (self, "send-loopback", SHOAL_CHECK_SKIP, NULL, "%s", why);
      report (self, "mtu", SHOAL_CHECK_SKIP, NULL, "%s", why);
      report (self, "ttl", SHOAL_CHECK_SKIP, NULL, "%s", why);
      return;
    }
  name = shoal_net_interface_get_name (iface);
  ifindex = if_nametoindex (name);
  mtu_remedy = g_strdup_printf ("Set \"mtu\" to %u (the interface's) or less.",
                                shoal_net_interface_get_mtu (iface));

  if (!loop_pair_open (self, ifindex, name, &pair, &error))
    {
      report (self, "send-loopback", SHOAL_CHECK_FAIL, NULL, "Cannot set up a test group on %s: %s",
              name, error->message);
      report (self, "mtu", SHOAL_CHECK_SKIP, NULL, "Skipped: no test group.");
    }
  else
    {
      rtt = loop_pair_roundtrip (&pair, 64, cancellable);
      if (rtt > 0)
        report (self, "send-loopback", SHOAL_CHECK_PASS, NULL,
                "Sent a datagram to %s on %s and received it back in %.1f ms.",
                pair.group_text, name, rtt / 1000.0);
      else if (errno != 0)
        {
          int saved = errno;
          report (self, "send-loopback", SHOAL_CHECK_FAIL,
                  "Check the multicast route (ip route add 224.0.0.0/4 dev IF) and that a "
                  "firewall does not block outgoing multicast.",
                  "Cannot send multicast to %s on %s: %s.", pair.group_text, name,
                  g_strerror (saved));
        }
      else
        report (self, "send-loopback", SHOAL_CHECK_FAIL,
                "A firewall on this host (nftables, iptables) may drop multicast; allow UDP to "
                "the group range.",
                "Sent a datagram to %s on %s but it did not come back within a second.",
                pair.group_text, name);

      if (packet > shoal_net_interface_get_mtu (iface))
        report (self, "mtu", SHOAL_CHECK_FAIL, mtu_remedy,
                "Datagrams of %u bytes (for the configured MTU %u) exceed the MTU %u of %s: "
                "they would be fragmented, and a fragmented datagram is lost whole when any "
                "fragment is lost (IPv6 routers drop them outright).", packet, self->mtu,
                shoal_net_interface_get_mtu (iface), name);
      else if ((rtt = loop_pair_roundtrip (&pair, packet - (self->family == G_SOCKET_FAMILY_IPV6
                                                              ? 48 : 28), cancellable)) > 0)
        report (self, "mtu", SHOAL_CHECK_PASS, NULL,
                "Datagrams of %u bytes fit the MTU %u of %s: one sent with Don't Fragment came "
                "back whole.", packet, shoal_net_interface_get_mtu (iface), name);
      else
        {
          int saved = errno;
          report (self, "mtu", SHOAL_CHECK_FAIL, "Lower \"mtu\" in the settings.",
                  "A %u-byte datagram with Don't Fragment did not make it on %s: %s.", packet,
                  name, saved ? g_strerror (saved) : "it did not come back");
        }
    }
  loop_pair_close (&pair);
  check_ttl (self, iface);
}

/* ---- the IGMP / MLD querier -------------------------------------------------------------- */

static const char *NO_QUERIER_REMEDY =
  "Switches that do IGMP snooping send a group only to the ports that answered a querier's "
  "questions. With no querier on this network, such a switch may stop sending the multicast "
  "to clients after a few minutes, or flood it to every port. Turn on the IGMP querier of the "
  "switch or router for this VLAN (often \"ip igmp snooping querier\"), or turn IGMP snooping "
  "off. Networks without snooping switches are not affected.";

static int
open_querier_socket (ShoalPreflight *self, int *saved)
{
  int on = 1;
  int fd;

  if (self->family == G_SOCKET_FAMILY_IPV6)
    {
      struct icmp6_filter filter;

      fd = socket (AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
      if (fd < 0)
        return (*saved = errno), -1;
      ICMP6_FILTER_SETBLOCKALL (&filter);
      ICMP6_FILTER_SETPASS (MLD_LISTENER_QUERY, &filter);
      setsockopt (fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
      setsockopt (fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
    }
  else
    {
      fd = socket (AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_IGMP);
      if (fd < 0)
        return (*saved = errno), -1;
      setsockopt (fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    }
  return fd;
}

static guint
packet_ifindex (struct msghdr *msg)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR (msg); c != NULL; c = CMSG_NXTHDR (msg, c))
    {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
        return ((struct in_pktinfo *) CMSG_DATA (c))->ipi_ifindex;
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
        return ((struct in6_pktinfo *) CMSG_DATA (c))->ipi6_ifindex;
    }
  return 0;
}

/* Reads one datagram; returns a description of the query it holds, or NULL. */
static char *
read_query (ShoalPreflight *self, int fd, guint ifindex)
{
  guint8 buf[1500], control[256];
  struct sockaddr_storage from;
  struct iovec iov = { buf, sizeof buf };
  struct msghdr msg = {
    .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
    .msg_control = control, .msg_controllen = sizeof control,
  };
  ssize_t n = recvmsg (fd, &msg, MSG_DONTWAIT);
  g_autoptr(GSocketAddress) sa = NULL;
  g_autofree char *source = NULL;

  if (n <= 0 || (ifindex != 0 && packet_ifindex (&msg) != 0 && packet_ifindex (&msg) != ifindex))
    return NULL;
  if (self->family == G_SOCKET_FAMILY_IPV6)
    {
      /* ICMPv6 type 130, then code, checksum, maximum response delay (ms), reserved and the
       * multicast address; MLDv2 queries are longer. */
      if (n < 24 || buf[0] != MLD_LISTENER_QUERY)
        return NULL;
      sa = g_socket_address_new_from_native (&from, msg.msg_namelen);
      source = sa ? g_inet_address_to_string (g_inet_socket_address_get_address (
                      G_INET_SOCKET_ADDRESS (sa))) : g_strdup ("?");
      return g_strdup_printf ("An MLDv%d querier, %s, sent a %s query", n >= 28 ? 2 : 1, source,
                              memcmp (buf + 8, &in6addr_any, 16) == 0 ? "general"
                                                                     : "group-specific");
    }
  else
    {
      guint ihl;
      gsize len;
      const guint8 *igmp;
      int version;

      if (n < 20)
        return NULL;
      ihl = (buf[0] & 0x0f) * 4u;
      if ((gsize) n < ihl + 8)
        return NULL;
      igmp = buf + ihl;
      len = n - ihl;
      if (igmp[0] != 0x11)   /* membership query */
        return NULL;
      version = len >= 12 ? 3 : igmp[1] == 0 ? 1 : 2;
      source = g_strdup_printf ("%u.%u.%u.%u", buf[12], buf[13], buf[14], buf[15]);
      return g_strdup_printf ("An IGMPv%d querier, %s, sent a %s query", version, source,
                              memcmp (igmp + 4, "\0\0\0\0", 4) == 0 ? "general"
                                                                   : "group-specific");
    }
}

static void
querier_check (ShoalPreflight *self, GCancellable *cancellable)
{
  const char *what = self->family == G_SOCKET_FAMILY_IPV6 ? "MLD" : "IGMP";
  const char *on = self->interface ? self->interface : "any interface";
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + (gint64) self->querier_wait * G_USEC_PER_SEC;
  int saved = 0;
  int fd;

  if (self->querier_wait == 0)
    {
      report (self, "igmp-querier", SHOAL_CHECK_SKIP, NULL, "Not asked for.");
      return;
    }
  fd = open_querier_socket (self, &saved);
  if (fd < 0)
    {
      if (saved == EPERM || saved == EACCES)
        report (self, "igmp-querier", SHOAL_CHECK_SKIP,
                "Run the distribution point as root, or give it CAP_NET_RAW "
                "(AmbientCapabilities=CAP_NET_RAW in its systemd unit), to have this checked.",
                "Listening for %s queries needs a raw socket, which this process may not open.",
                what);
      else
        report (self, "igmp-querier", SHOAL_CHECK_SKIP, NULL,
                "Cannot open a raw socket for %s: %s.", what, g_strerror (saved));
      return;
    }
  while (g_get_monotonic_time () < deadline && !g_cancellable_is_cancelled (cancellable))
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      g_autofree char *query = NULL;

      if (poll (&pfd, 1, POLL_SLICE_MS) <= 0)
        continue;
      query = read_query (self, fd, self->ifindex);
      if (query != NULL)
        {
          report (self, "igmp-querier", SHOAL_CHECK_PASS, NULL, "%s on %s after %.1f s.", query,
                  on, (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
          close (fd);
          return;
        }
    }
  close (fd);
  report (self, "igmp-querier", SHOAL_CHECK_WARN, NO_QUERIER_REMEDY,
          "No %s querier asked on %s within %u s.", what, on, self->querier_wait);
}

/* ---- other senders on the range ---------------------------------------------------------- */

typedef struct
{
  char  *key;        /* "GROUP:PORT from SOURCE" */
  guint  count;
} Sender;

static gboolean
nth_address (GInetAddress *first, guint n, GInetAddress *last, guint8 *out)
{
  gsize len = g_inet_address_get_native_size (first);
  guint64 carry = n;

  memcpy (out, g_inet_address_to_bytes (first), len);
  for (gssize i = len - 1; i >= 0 && carry > 0; i--)
    {
      guint64 v = out[i] + (carry & 0xff);
      out[i] = v & 0xff;
      carry = (carry >> 8) + (v >> 8);
    }
  return carry == 0 && memcmp (out, g_inet_address_to_bytes (last), len) <= 0;
}

static void
raise_fd_limit (guint want)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want + 64)
    {
      rl.rlim_cur = MIN ((rlim_t) want + 64, rl.rlim_max);
      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

/* The destination of a received datagram (the group), from IP_PKTINFO / IPV6_PKTINFO. */
static gboolean
packet_destination (struct msghdr *msg, guint8 *addr)
{
  for (struct cmsghdr *c = CMSG_FIRSTHDR (msg); c != NULL; c = CMSG_NXTHDR (msg, c))
    {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
        {
          memcpy (addr, &((struct in_pktinfo *) CMSG_DATA (c))->ipi_addr, 4);
          return TRUE;
        }
      if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
        {
          memcpy (addr, &((struct in6_pktinfo *) CMSG_DATA (c))->ipi6_addr, 16);
          return TRUE;
        }
    }
  return FALSE;
}

static void
duplicates_check (ShoalPreflight *self, GCancellable *cancellable)
{
  g_autoptr(GInetAddress) first = g_inet_address_new_from_string (self->group_first);
  g_autoptr(GInetAddress) last = g_inet_address_new_from_string (self->group_last);
  g_autoptr(GArray) join_fds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GArray) pfds = g_array_new (FALSE, FALSE, sizeof (struct pollfd));
  g_autoptr(GArray) ports = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr(GHashTable) senders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) taken = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  gsize alen = g_inet_address_get_native_size (first);
  guint n_groups = 0, n_ports;
  gint64 deadline;
  int on = 1;

  if (self->listen_time == 0)
    {
      report (self, "duplicates", SHOAL_CHECK_SKIP, NULL, "Not asked for.");
      return;
    }
  n_ports = MIN (self->port_last - self->port_first + 1, MAX_PORTS);
  raise_fd_limit (n_ports + MAX_GROUPS / JOINS_PER_SOCKET + 8);

  /* Memberships are per socket but the host-wide filter they open lets every socket bound to
   * the wildcard see the groups (IP_MULTICAST_ALL), so a few sockets join and one socket per
   * port listens. */
  for (n_groups = 0; n_groups < MAX_GROUPS; n_groups++)
    {
      guint8 bytes[16];
      g_autoptr(GInetAddress) a = NULL;
      g_autoptr(GInetSocketAddress) g = NULL;
      int fd;

      if (!nth_address (first, n_groups, last, bytes))
        break;
      if (n_groups % JOINS_PER_SOCKET == 0)
        {
          fd = socket (sock_family (self), SOCK_DGRAM | SOCK_CLOEXEC, 0);
          if (fd < 0)
            break;
          g_array_append_val (join_fds, fd);
        }
      fd = g_array_index (join_fds, int, join_fds->len - 1);
      a = g_inet_address_new_from_bytes (bytes, self->family);
      g = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (a, self->port_first));
      if (!shoal_transport_socket_join (fd, g, self->ifindex, self->interface, &error))
        break;
    }
  if (error != NULL)
    {
      report (self, "duplicates", SHOAL_CHECK_FAIL, NULL, "Cannot listen on the range: %s",
              error->message);
      goto out;
    }
  for (guint i = 0; i < n_ports; i++)
    {
      guint port = self->port_first + i;
      g_autoptr(GError) local = NULL;
      int fd = shoal_transport_socket_open (sock_family (self), port, TRUE, &local);
      struct pollfd pfd;

      if (fd < 0)
        {
          if (taken->len < MAX_SENDERS_SHOWN)
            g_ptr_array_add (taken, g_strdup_printf ("%u", port));
          continue;
        }
      if (self->family == G_SOCKET_FAMILY_IPV6)
        setsockopt (fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
      else
        setsockopt (fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
      pfd.fd = fd;
      pfd.events = POLLIN;
      pfd.revents = 0;
      g_array_append_val (pfds, pfd);
      g_array_append_val (ports, port);
    }

  deadline = g_get_monotonic_time () + (gint64) self->listen_time * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && !g_cancellable_is_cancelled (cancellable))
    {
      if (poll ((struct pollfd *) pfds->data, pfds->len, POLL_SLICE_MS) <= 0)
        continue;
      for (guint i = 0; i < pfds->len; i++)
        {
          struct pollfd *pfd = &g_array_index (pfds, struct pollfd, i);

          for (guint burst = 0; burst < 64 && (pfd->revents & POLLIN); burst++)
            {
              guint8 buf[64], control[256], dest[16];
              struct sockaddr_storage from;
              struct iovec iov = { buf, sizeof buf };
              struct msghdr msg = {
                .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov,
                .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control,
              };
              g_autoptr(GInetAddress) da = NULL;
              g_autofree char *dtext = NULL;
              g_autofree char *ftext = NULL;
              g_autofree char *pair = NULL;
              g_autofree char *key = NULL;
              guint port = g_array_index (ports, guint, i);

              if (recvmsg (pfd->fd, &msg, MSG_DONTWAIT | MSG_TRUNC) < 0)
                break;
              if (!packet_destination (&msg, dest)
                  || memcmp (dest, g_inet_address_to_bytes (first), alen) < 0
                  || memcmp (dest, g_inet_address_to_bytes (last), alen) > 0)
                continue;
              da = g_inet_address_new_from_bytes (dest, self->family);
              dtext = g_inet_address_to_string (da);
              pair = g_strdup_printf ("%s %u", dtext, port);
              if (self->exclude != NULL && g_strv_contains ((const char * const *) self->exclude,
                                                            pair))
                continue;
              ftext = shoal_transport_describe_address ((struct sockaddr *) &from,
                                                        msg.msg_namelen);
              key = self->family == G_SOCKET_FAMILY_IPV6
                    ? g_strdup_printf ("[%s]:%u from %s", dtext, port, ftext)
                    : g_strdup_printf ("%s:%u from %s", dtext, port, ftext);
              g_hash_table_insert (senders, g_strdup (key),
                                   GUINT_TO_POINTER (GPOINTER_TO_UINT (
                                     g_hash_table_lookup (senders, key)) + 1));
            }
        }
    }

  {
    g_autofree char *range = g_strdup_printf ("%s–%s, ports %u–%u", self->group_first,
                                              self->group_last, self->port_first,
                                              self->port_last);
    g_autofree char *covered = g_strdup_printf ("listened %u s on %u groups and %u ports%s",
                                                self->listen_time, n_groups, pfds->len,
                                                n_ports < self->port_last - self->port_first + 1
                                                || n_groups == MAX_GROUPS
                                                ? ", the start of the range" : "");
    if (g_hash_table_size (senders) > 0)
      {
        g_autoptr(GList) keys = g_list_sort (g_hash_table_get_keys (senders),
                                             (GCompareFunc) g_strcmp0);
        GString *list = g_string_new (NULL);
        guint shown = 0;

        for (GList *l = keys; l != NULL && shown < MAX_SENDERS_SHOWN; l = l->next, shown++)
          g_string_append_printf (list, "%s%s (%u datagrams)", list->len ? "; " : "",
                                  (char *) l->data,
                                  GPOINTER_TO_UINT (g_hash_table_lookup (senders, l->data)));
        report (self, "duplicates", SHOAL_CHECK_WARN,
                "Choose another range, or stop the other sender: clients joined to a group "
                "receive every stream sent to it, which wastes their bandwidth and the "
                "network's.",
                "Another sender already uses %s: %s%s (%s).", range, list->str,
                g_hash_table_size (senders) > MAX_SENDERS_SHOWN ? ", and more" : "", covered);
        g_string_free (list, TRUE);
      }
    else if (taken->len > 0)
      {
        g_autofree char *ports_text = NULL;

        g_ptr_array_add (taken, NULL);
        ports_text = g_strjoinv (", ", (char **) taken->pdata);
        report (self, "duplicates", SHOAL_CHECK_WARN,
                "Choose a port range that no other program on the distribution point uses.",
                "No other sender on %s, but UDP ports %s are taken by another program on this "
                "host (%s).", range, ports_text, covered);
      }
    else
      report (self, "duplicates", SHOAL_CHECK_PASS, NULL, "No other sender on %s (%s).", range,
              covered);
  }

out:
  for (guint i = 0; i < join_fds->len; i++)
    close (g_array_index (join_fds, int, i));
  for (guint i = 0; i < pfds->len; i++)
    close (g_array_index (pfds, struct pollfd, i).fd);
}

/* ---- running ---------------------------------------------------------------------------- */

typedef enum { WORKER_QUICK, WORKER_QUERIER, WORKER_DUPLICATES } Worker;

static gboolean
worker_done (gpointer data)
{
  ShoalPreflight *self = data;

  /* Outcomes were queued before this, so every check is set by now. */
  if (--self->workers == 0)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->task);

      g_free (self->state);
      self->state = g_strdup ("done");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_OUTCOME]);
      g_task_return_boolean (task, TRUE);
    }
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  ShoalPreflight *self;
  Worker          worker;
  GCancellable   *cancellable;
} WorkerData;

static gpointer
run_worker (gpointer data)
{
  WorkerData *w = data;

  switch (w->worker)
    {
    case WORKER_QUICK: quick_checks (w->self, w->cancellable); break;
    case WORKER_QUERIER: querier_check (w->self, w->cancellable); break;
    case WORKER_DUPLICATES: duplicates_check (w->self, w->cancellable); break;
    }
  /* Hands the reference over to worker_done. */
  g_main_context_invoke (w->self->context, worker_done, w->self);
  g_clear_object (&w->cancellable);
  g_free (w);
  return NULL;
}

static void
start_worker (ShoalPreflight *self, Worker worker, GCancellable *cancellable)
{
  WorkerData *w = g_new0 (WorkerData, 1);

  self->workers++;
  w->self = g_object_ref (self);
  w->worker = worker;
  w->cancellable = cancellable ? g_object_ref (cancellable) : NULL;
  /* A thread of its own: waits of many seconds must not hold GTask's shared pool. */
  g_thread_unref (g_thread_new ("shoal-preflight", run_worker, w));
}

static void
mark_running (ShoalPreflight *self, const char *name)
{
  ShoalPreflightCheck *c = shoal_preflight_get_check (self, name);

  if (c != NULL)
    shoal_preflight_check_set (c, SHOAL_CHECK_RUNNING, NULL, NULL);
}

void
shoal_preflight_run_async (ShoalPreflight      *self,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SHOAL_IS_PREFLIGHT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, shoal_preflight_run_async);
  if (!g_str_equal (self->state, "ready"))
    {
      g_task_return_new_error (task, SHOAL_PREFLIGHT_ERROR, SHOAL_PREFLIGHT_ERROR_BUSY,
                               "this preflight has already run");
      return;
    }
  self->context = g_main_context_ref_thread_default ();
  self->ifindex = self->interface ? if_nametoindex (self->interface) : 0;
  self->task = g_steal_pointer (&task);
  g_free (self->state);
  self->state = g_strdup ("running");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

  /* The workers hold a reference until they are done. */
  self->workers = 1;
  if (wants (self, "interface") || wants (self, "send-loopback") || wants (self, "mtu")
      || wants (self, "ttl"))
    {
      mark_running (self, "interface");
      mark_running (self, "send-loopback");
      mark_running (self, "mtu");
      mark_running (self, "ttl");
      start_worker (self, WORKER_QUICK, cancellable);
    }
  if (wants (self, "igmp-querier"))
    {
      mark_running (self, "igmp-querier");
      start_worker (self, WORKER_QUERIER, cancellable);
    }
  if (wants (self, "duplicates"))
    {
      mark_running (self, "duplicates");
      start_worker (self, WORKER_DUPLICATES, cancellable);
    }
  worker_done (g_object_ref (self));
}

gboolean
shoal_preflight_run_finish (ShoalPreflight  *self,
                            GAsyncResult    *result,
                            GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
