/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Socket plumbing the transports share: checking the group and the interface, and setting
 * the multicast options on a descriptor, with errors that name what failed. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "shoal-transport-socket.h"

char *
shoal_transport_describe_group (GInetSocketAddress *group)
{
  g_autofree char *ip = NULL;
  GInetAddress *addr;

  if (group == NULL)
    return g_strdup ("(none)");
  addr = g_inet_socket_address_get_address (group);
  ip = g_inet_address_to_string (addr);
  if (g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("[%s]:%u", ip, g_inet_socket_address_get_port (group));
  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (group));
}

char *
shoal_transport_describe_address (const struct sockaddr *addr,
                                  socklen_t              len)
{
  g_autoptr(GSocketAddress) saddr = g_socket_address_new_from_native ((gpointer) addr, len);

  if (saddr == NULL || !G_IS_INET_SOCKET_ADDRESS (saddr))
    return g_strdup_printf ("(address of family %d)", len > 0 ? addr->sa_family : -1);
  return shoal_transport_describe_group (G_INET_SOCKET_ADDRESS (saddr));
}

/* A group must be a multicast address with a port, given in its own family: an IPv4 group
 * written as an IPv4-mapped IPv6 address would need an IPv6 socket that cannot join it. */
gboolean
shoal_transport_check_group (GInetSocketAddress  *group,
                             GError             **error)
{
  g_autofree char *text = NULL;
  GInetAddress *addr;

  if (group == NULL)
    {
      g_set_error_literal (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_ADDRESS,
                           "no multicast group given");
      return FALSE;
    }
  text = shoal_transport_describe_group (group);
  addr = g_inet_socket_address_get_address (group);
  if (g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV6)
    {
      const guint8 *b = g_inet_address_to_bytes (addr);
      static const guint8 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

      if (memcmp (b, mapped, sizeof mapped) == 0)
        {
          g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_ADDRESS,
                       "group %s is an IPv4-mapped IPv6 address: wrong family, give the "
                       "IPv4 group %u.%u.%u.%u itself", text, b[12], b[13], b[14], b[15]);
          return FALSE;
        }
    }
  if (!g_inet_address_get_is_multicast (addr))
    {
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_ADDRESS,
                   "group %s is not a multicast address (IPv4 224.0.0.0/4, IPv6 ff00::/8)",
                   text);
      return FALSE;
    }
  if (g_inet_socket_address_get_port (group) == 0)
    {
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_ADDRESS,
                   "group %s has no port", text);
      return FALSE;
    }
  return TRUE;
}

/* Turns an interface name into its index, and refuses one that is down or cannot multicast
 * now rather than letting the sender send into the void. NULL means the kernel's choice. */
gboolean
shoal_transport_resolve_interface (const char  *name,
                                   guint       *ifindex,
                                   GError     **error)
{
  struct ifreq ifr = { 0 };
  int fd, saved;

  *ifindex = 0;
  if (name == NULL || *name == '\0')
    return TRUE;
  if (strlen (name) >= IFNAMSIZ || (*ifindex = if_nametoindex (name)) == 0)
    {
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_INTERFACE,
                   "no network interface named “%s”", name);
      return FALSE;
    }
  fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    fd = socket (AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_strlcpy (ifr.ifr_name, name, sizeof ifr.ifr_name);
  if (fd < 0 || ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_INTERFACE,
                   "cannot read the flags of interface “%s”: %s", name, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  if (!(ifr.ifr_flags & IFF_UP))
    {
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_INTERFACE,
                   "interface “%s” is down", name);
      return FALSE;
    }
  if (!(ifr.ifr_flags & IFF_MULTICAST))
    {
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_INTERFACE,
                   "interface “%s” cannot multicast: it lacks the MULTICAST flag "
                   "(ip link set %s multicast on)", name, name);
      return FALSE;
    }
  return TRUE;
}

/* Control goes out of the socket that carries the group, so it must be the group's family. */
gboolean
shoal_transport_check_destination (ShoalTransport        *self,
                                   const struct sockaddr *dest,
                                   socklen_t              dest_len,
                                   GError               **error)
{
  GInetSocketAddress *group = shoal_transport_get_group (self);
  int family = g_inet_address_get_family (g_inet_socket_address_get_address (group))
               == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET;
  socklen_t need = family == AF_INET6 ? sizeof (struct sockaddr_in6)
                                      : sizeof (struct sockaddr_in);

  if (dest->sa_family != family || dest_len < need)
    {
      g_autofree char *text = shoal_transport_describe_group (group);

      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_ADDRESS,
                   "destination of family %s (length %u) does not match the %s group %s",
                   dest->sa_family == AF_INET6 ? "IPv6"
                   : dest->sa_family == AF_INET ? "IPv4" : "other",
                   (guint) dest_len, family == AF_INET6 ? "IPv6" : "IPv4", text);
      return FALSE;
    }
  return TRUE;
}

static gboolean
set_int (int          fd,
         int          level,
         int          name,
         int          value,
         const char  *what,
         GError     **error)
{
  if (setsockopt (fd, level, name, &value, sizeof value) < 0)
    {
      int saved = errno;

      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_SOCKET,
                   "setsockopt %s=%d failed: %s", what, value, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Opens a non-blocking UDP socket bound to the wildcard address and @port (0: ephemeral).
 * Wildcard, not the group: the same socket then takes unicast control too. */
int
shoal_transport_socket_open (int        family,
                             guint      port,
                             gboolean   reuse,
                             GError   **error)
{
  struct sockaddr_storage ss = { 0 };
  socklen_t len;
  int fd, saved;

  fd = socket (family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0)
    {
      saved = errno;
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_SOCKET,
                   "socket(%s, UDP) failed: %s", family == AF_INET6 ? "IPv6" : "IPv4",
                   g_strerror (saved));
      return -1;
    }
  if ((reuse && !set_int (fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR", error))
      || (family == AF_INET6 && !set_int (fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, "IPV6_V6ONLY",
                                          error)))
    {
      close (fd);
      return -1;
    }
  if (family == AF_INET6)
    {
      struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

      sin6->sin6_family = AF_INET6;
      sin6->sin6_addr = in6addr_any;
      sin6->sin6_port = htons (port);
      len = sizeof *sin6;
    }
  else
    {
      struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

      sin->sin_family = AF_INET;
      sin->sin_addr.s_addr = htonl (INADDR_ANY);
      sin->sin_port = htons (port);
      len = sizeof *sin;
    }
  if (bind (fd, (struct sockaddr *) &ss, len) < 0)
    {
      saved = errno;
      close (fd);
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_SOCKET,
                   "binding UDP port %u (%s) failed: %s", port,
                   family == AF_INET6 ? "IPv6" : "IPv4", g_strerror (saved));
      return -1;
    }
  return fd;
}

/* Outgoing interface, hop limit and loopback of multicast sent from @fd. */
gboolean
shoal_transport_socket_set_sender (int        fd,
                                   int        family,
                                   guint      ifindex,
                                   guint      ttl,
                                   gboolean   loop,
                                   GError   **error)
{
  if (family == AF_INET6)
    {
      return (ifindex == 0
              || set_int (fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF",
                          error))
             && set_int (fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl, "IPV6_MULTICAST_HOPS",
                         error)
             && set_int (fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, loop ? 1 : 0,
                         "IPV6_MULTICAST_LOOP", error);
    }
  if (ifindex != 0)
    {
      struct ip_mreqn mreq = { .imr_ifindex = ifindex };

      if (setsockopt (fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq) < 0)
        {
          int saved = errno;

          g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_INTERFACE,
                       "setsockopt IP_MULTICAST_IF to interface index %u failed: %s",
                       ifindex, g_strerror (saved));
          return FALSE;
        }
    }
  return set_int (fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl, "IP_MULTICAST_TTL", error)
         && set_int (fd, IPPROTO_IP, IP_MULTICAST_LOOP, loop ? 1 : 0, "IP_MULTICAST_LOOP",
                     error);
}

gboolean
shoal_transport_socket_join (int                  fd,
                             GInetSocketAddress  *group,
                             guint                ifindex,
                             const char          *ifname,
                             GError             **error)
{
  GInetAddress *addr = g_inet_socket_address_get_address (group);
  int rc, saved;

  if (g_inet_address_get_family (addr) == G_SOCKET_FAMILY_IPV6)
    {
      struct ipv6_mreq mreq = { .ipv6mr_interface = ifindex };

      memcpy (&mreq.ipv6mr_multiaddr, g_inet_address_to_bytes (addr), 16);
      rc = setsockopt (fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq);
    }
  else
    {
      struct ip_mreqn mreq = { .imr_ifindex = ifindex };

      memcpy (&mreq.imr_multiaddr, g_inet_address_to_bytes (addr), 4);
      rc = setsockopt (fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq);
    }
  if (rc < 0)
    {
      g_autofree char *text = shoal_transport_describe_group (group);

      saved = errno;
      g_set_error (error, SHOAL_TRANSPORT_ERROR,
                   saved == ENODEV ? SHOAL_TRANSPORT_ERROR_INTERFACE
                                   : SHOAL_TRANSPORT_ERROR_SOCKET,
                   "joining group %s on interface %s failed: %s", text,
                   ifname ? ifname : "(kernel's choice)", g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* By default Linux hands a socket bound to the wildcard every group any socket of the host
 * joined on its port: a sender would read its own data looped back, a receiver other
 * sessions' groups. Old kernels lack the IPv6 option; then filtering falls to the engine. */
void
shoal_transport_socket_own_groups_only (int fd,
                                        int family)
{
  int off = 0;

#if defined(IP_MULTICAST_ALL) && defined(IPV6_MULTICAST_ALL)
  if (family == AF_INET6)
    setsockopt (fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &off, sizeof off);
  else
    setsockopt (fd, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof off);
#else
  (void) fd; (void) family; (void) off;
#endif
}

/* Buffers above net.core.[rw]mem_max need the FORCE variants (CAP_NET_ADMIN); without it the
 * plain option still gets as much as the system allows. */
void
shoal_transport_socket_set_buffer (int   fd,
                                   int   optname,
                                   guint size)
{
  int value = (int) MIN (size, (guint) G_MAXINT / 2);

  if (size == 0)
    return;
#if defined(SO_SNDBUFFORCE) && defined(SO_RCVBUFFORCE)
  {
    int force = optname == SO_SNDBUF ? SO_SNDBUFFORCE : SO_RCVBUFFORCE;

    if (setsockopt (fd, SOL_SOCKET, force, &value, sizeof value) == 0)
      return;
  }
#endif
  if (setsockopt (fd, SOL_SOCKET, optname, &value, sizeof value) < 0)
    g_debug ("setsockopt %s=%d failed: %s", optname == SO_SNDBUF ? "SO_SNDBUF" : "SO_RCVBUF",
             value, g_strerror (errno));
}

/* Without IP_RECVERR, Linux reports a datagram that the queueing discipline dropped as sent
 * (ENOBUFS becomes 0): the sender would lose data silently instead of waiting. */
gboolean
shoal_transport_socket_recverr (int      fd,
                                int      family,
                                GError **error)
{
  if (family == AF_INET6)
    return set_int (fd, IPPROTO_IPV6, IPV6_RECVERR, 1, "IPV6_RECVERR", error);
  return set_int (fd, IPPROTO_IP, IP_RECVERR, 1, "IP_RECVERR", error);
}

/* With IP_RECVERR, ICMP errors (a port unreachable after a unicast reply) queue up and keep
 * the socket readable for errors; reading them keeps poll() from spinning. */
void
shoal_transport_socket_drain_errors (int fd)
{
  guint8 buf[512], control[512];

  for (guint i = 0; i < 64; i++)
    {
      struct iovec iov = { buf, sizeof buf };
      struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1,
        .msg_control = control, .msg_controllen = sizeof control,
      };

      if (recvmsg (fd, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
        break;
    }
}
