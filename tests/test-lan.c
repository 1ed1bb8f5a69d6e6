/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Proves the namespace LAN harness: multicast from the server reaches every client, over
 * IPv4 and IPv6, and the nftables loss applies to each client independently. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-utils.h"

#define PORT 45000

static int
open_receiver (ShoalTestLan *lan, const char *host, int family, const char *group)
{
  int fd = shoal_test_lan_socket (lan, host, family, SOCK_DGRAM);
  int one = 1, rcvbuf = 16 << 20;

  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  /* The test drains only after sending: hold the whole burst. */
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf), ==, 0);
  if (family == AF_INET)
    {
      struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (PORT) };
      struct ip_mreqn mreq = { 0 };

      inet_pton (AF_INET, group, &sa.sin_addr);
      inet_pton (AF_INET, group, &mreq.imr_multiaddr);
      g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
      g_assert_cmpint (setsockopt (fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq), ==, 0);
    }
  else
    {
      struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons (PORT) };
      struct ipv6_mreq mreq = { 0 };

      inet_pton (AF_INET6, group, &sa.sin6_addr);
      inet_pton (AF_INET6, group, &mreq.ipv6mr_multiaddr);
      g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
      mreq.ipv6mr_interface = 0;
      g_assert_cmpint (setsockopt (fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq), ==, 0);
    }
  return fd;
}

static void
send_burst (ShoalTestLan *lan, int family, const char *group, guint count)
{
  int fd = shoal_test_lan_socket (lan, "srv", family, SOCK_DGRAM);
  char payload[512];
  guint i;

  memset (payload, 'x', sizeof payload);
  for (i = 0; i < count; i++)
    {
      ssize_t n;

      if (family == AF_INET)
        {
          struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons (PORT) };
          inet_pton (AF_INET, group, &sa.sin_addr);
          n = sendto (fd, payload, sizeof payload, 0, (struct sockaddr *) &sa, sizeof sa);
        }
      else
        {
          struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons (PORT) };
          inet_pton (AF_INET6, group, &sa.sin6_addr);
          n = sendto (fd, payload, sizeof payload, 0, (struct sockaddr *) &sa, sizeof sa);
        }
      g_assert_cmpint (n, ==, sizeof payload);
      if (i % 64 == 63)
        g_usleep (2000); /* stay below the receivers' socket buffers */
    }
  close (fd);
}

static guint
drain (int fd)
{
  guint got = 0;
  char buf[2048];
  struct pollfd pfd = { .fd = fd, .events = POLLIN };

  while (poll (&pfd, 1, 300) > 0)
    if (recv (fd, buf, sizeof buf, 0) > 0)
      got++;
  close (fd);
  return got;
}

static void
test_multicast_reaches_clients (gconstpointer data)
{
  int family = GPOINTER_TO_INT (data);
  const char *group = family == AF_INET ? "239.1.2.3" : "ff05::1:2";
  g_autoptr(ShoalTestLan) lan = NULL;
  int r1, r2;

  if (!shoal_test_require_root ())
    return;
  lan = shoal_test_lan_up (2, NULL);
  r1 = open_receiver (lan, "c1", family, group);
  r2 = open_receiver (lan, "c2", family, group);
  if (family == AF_INET6)
    g_usleep (200000); /* let MLD reports settle on the bridge */
  send_burst (lan, family, group, 20);
  g_assert_cmpuint (drain (r1), ==, 20);
  g_assert_cmpuint (drain (r2), ==, 20);
}

static void
test_independent_loss (void)
{
  g_autoptr(ShoalTestLan) lan = NULL;
  guint got1, got2;
  int r1, r2;

  if (!shoal_test_require_root ())
    return;
  lan = shoal_test_lan_up (2, "--loss 300,0");
  r1 = open_receiver (lan, "c1", AF_INET, "239.1.2.4");
  r2 = open_receiver (lan, "c2", AF_INET, "239.1.2.4");
  send_burst (lan, AF_INET, "239.1.2.4", 2000);
  got1 = drain (r1);
  got2 = drain (r2);
  g_test_message ("c1 (30%% loss) got %u of 2000, c2 (no loss) got %u", got1, got2);
  g_assert_cmpuint (got1, >, 1200);
  g_assert_cmpuint (got1, <, 1600);
  g_assert_cmpuint (got2, ==, 2000);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/lan/multicast/ipv4", GINT_TO_POINTER (AF_INET),
                        test_multicast_reaches_clients);
  g_test_add_data_func ("/lan/multicast/ipv6", GINT_TO_POINTER (AF_INET6),
                        test_multicast_reaches_clients);
  g_test_add_func ("/lan/loss/independent", test_independent_loss);
  return g_test_run ();
}
