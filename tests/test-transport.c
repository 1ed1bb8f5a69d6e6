/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Both datagram transports over real sockets: loopback and namespace-LAN delivery, the
 * control path back to the sender's port, pacing, GRO splitting and error reports. */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "shoal-gst-transport.h"
#include "shoal-linux-transport.h"
#include "shoal-transport-factory.h"
#include "test-utils.h"

#define PORT         47000
#define CONTROL_PORT 47001

typedef struct
{
  const char *transport;
  int         family;
} Param;

typedef struct
{
  gsize seg;
  guint n;
  gsize last;   /* length of the run's last datagram */
} Run;

/* ---- helpers ------------------------------------------------------------------------ */

static GInetSocketAddress *
group_for (int   family,
           guint port)
{
  const char *ip = family == AF_INET6 ? "ff05::1:7" : "239.1.7.7";

  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (ip, port));
}

static ShoalTransport *
new_transport (const char         *name,
               ShoalTransportRole  role,
               int                 family,
               const char         *iface,
               gboolean            loop,
               guint               control_port)
{
  g_autoptr(GInetSocketAddress) group = group_for (family, PORT);
  g_autoptr(GError) error = NULL;
  ShoalTransport *t;

  t = shoal_transport_new_by_name (name, role, group, iface, 1, loop, control_port, &error);
  g_assert_no_error (error);
  g_assert_nonnull (t);
  return t;
}

static ShoalTransport *
open_transport (const char         *name,
                ShoalTransportRole  role,
                int                 family,
                const char         *iface,
                gboolean            loop,
                guint               control_port)
{
  g_autoptr(GError) error = NULL;
  ShoalTransport *t = new_transport (name, role, family, iface, loop, control_port);

  shoal_transport_open (t, &error);
  g_assert_no_error (error);
  return t;
}

/* Datagram @index starts with its index, then a pattern that depends on both. */
static void
fill_datagram (guint8 *p,
               gsize   len,
               guint32 index)
{
  for (gsize j = 0; j < len; j++)
    p[j] = (guint8) (index * 31 + j * 7);
  if (len >= 4)
    memcpy (p, &index, 4);
}

static gsize
fill_run (guint8    *buf,
          const Run *run,
          guint32    first)
{
  gsize off = 0;

  for (guint i = 0; i < run->n; i++)
    {
      gsize l = i + 1 == run->n ? run->last : run->seg;

      fill_datagram (buf + off, l, first + i);
      off += l;
    }
  return off;
}

static void
check_datagram (GBytes *bytes,
                guint32 index,
                gsize   len)
{
  g_autofree guint8 *want = g_malloc (len);
  gsize got_len;
  const guint8 *got = g_bytes_get_data (bytes, &got_len);

  fill_datagram (want, len, index);
  if (got_len >= 4 && memcmp (got, &index, 4) != 0)
    {
      guint32 seen;

      memcpy (&seen, got, 4);
      g_error ("datagram %u: got datagram %u in its place", index, seen);
    }
  g_assert_cmpuint (got_len, ==, len);
  g_assert_cmpmem (got, got_len, want, len);
}

static guint
sockaddr_port (const struct sockaddr_storage *ss)
{
  if (ss->ss_family == AF_INET6)
    return ntohs (((const struct sockaddr_in6 *) ss)->sin6_port);
  return ntohs (((const struct sockaddr_in *) ss)->sin_port);
}

static char *
sockaddr_ip (const struct sockaddr_storage *ss)
{
  char text[INET6_ADDRSTRLEN] = "";

  if (ss->ss_family == AF_INET6)
    inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) ss)->sin6_addr, text, sizeof text);
  else
    inet_ntop (AF_INET, &((const struct sockaddr_in *) ss)->sin_addr, text, sizeof text);
  return g_strdup (text);
}

/* Receives until @n datagrams arrived or @timeout_us passed; keeps copies and sources. */
static void
receive_n (ShoalTransport     *rx,
           guint               n,
           gint64              timeout_us,
           ShoalDatagramBatch *batch,
           GPtrArray          *out,
           GArray             *from)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;

  while (out->len < n && g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;

      shoal_transport_receive (rx, batch, 100000, &error);
      g_assert_no_error (error);
      for (guint i = 0; i < batch->n_dgrams; i++)
        {
          g_ptr_array_add (out, g_bytes_new (batch->dgrams[i].data, batch->dgrams[i].len));
          if (from != NULL)
            g_array_append_val (from, batch->dgrams[i].from);
        }
    }
}

static guint
send_runs (ShoalTransport *tx,
           const Run      *runs,
           guint           n_runs)
{
  guint32 index = 0;

  for (guint r = 0; r < n_runs; r++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *buf = g_malloc (runs[r].seg * runs[r].n);
      gsize len = fill_run (buf, &runs[r], index);

      shoal_transport_send_group (tx, buf, len, runs[r].seg, &error);
      g_assert_no_error (error);
      index += runs[r].n;
    }
  return index;
}

static void
check_runs (GPtrArray *got,
            const Run *runs,
            guint      n_runs)
{
  guint32 index = 0;

  for (guint r = 0; r < n_runs; r++)
    for (guint i = 0; i < runs[r].n; i++, index++)
      {
        g_assert_cmpuint (index, <, got->len);
        check_datagram (got->pdata[index], index,
                        i + 1 == runs[r].n ? runs[r].last : runs[r].seg);
      }
  g_assert_cmpuint (got->len, ==, index);
}

/* Sender and receiver on one host, looping multicast back: a namespace of our own as
 * root, else the machine's lo if it already has the MULTICAST flag. IPv4 runs on lo. Linux
 * does not deliver IPv6 multicast that goes out on lo to local sockets, so IPv6 loops back
 * on the namespace's eth0 (IPV6_MULTICAST_LOOP), which needs the namespace. */
typedef struct
{
  ShoalTestLan *lan;
  const char   *iface;
} Loopback;

static gboolean
loopback_up (Loopback *env,
             int       family)
{
  g_autofree char *ip = g_find_program_in_path ("ip");
  struct ifreq ifr = { .ifr_name = "lo" };
  int fd;

  env->iface = family == AF_INET6 ? "eth0" : "lo";
  if (geteuid () == 0 && ip != NULL)
    {
      env->lan = shoal_test_lan_up (0, NULL);
      shoal_test_lan_exec (env->lan, "srv", "ip link set lo multicast on");
      shoal_test_lan_enter (env->lan, "srv");
      return TRUE;
    }
  if (family == AF_INET6)
    {
      g_test_skip ("IPv6 loopback needs root for a namespace");
      return FALSE;
    }
  fd = socket (AF_INET, SOCK_DGRAM, 0);
  if (fd >= 0 && ioctl (fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_MULTICAST))
    {
      close (fd);
      return TRUE;
    }
  if (fd >= 0)
    close (fd);
  g_test_skip ("needs root (for a namespace) or lo with the MULTICAST flag");
  return FALSE;
}

static void
loopback_down (Loopback *env)
{
  if (env->lan == NULL)
    return;
  shoal_test_lan_leave ();
  g_clear_pointer (&env->lan, shoal_test_lan_free);
}

/* ---- tests -------------------------------------------------------------------------- */

static const Run loopback_runs[] = {
  { 1200, 10, 1200 },
  { 1400, 64, 17 },      /* more than one GSO message, short tail */
  { 100, 5, 100 },
  { 1472, 100, 1000 },
  { 8000, 3, 8000 },     /* lo's MTU is 64 KiB: no fragmentation */
  { 1, 1, 1 },
};

static void
test_loopback (gconstpointer data)
{
  const Param *p = data;
  g_autoptr(ShoalTransport) rx = NULL;
  g_autoptr(ShoalTransport) tx = NULL;
  g_autoptr(ShoalDatagramBatch) batch = shoal_datagram_batch_new (1024, 4 << 20);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) from = g_array_new (FALSE, FALSE, sizeof (struct sockaddr_storage));
  g_autoptr(GPtrArray) control = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) control_from = g_array_new (FALSE, FALSE, sizeof (struct sockaddr_storage));
  g_autoptr(GError) error = NULL;
  struct sockaddr_storage back, wrong = { 0 };
  static const guint8 hello[] = "control from the receiver";
  Loopback env = { 0 };
  guint n;

  if (!loopback_up (&env, p->family))
    return;
  /* On one host the ports must differ, or the kernel could hand the receiver's control
   * datagram to the receiver's own socket. */
  rx = open_transport (p->transport, SHOAL_TRANSPORT_ROLE_RECEIVER, p->family, env.iface,
                       TRUE, 0);
  tx = open_transport (p->transport, SHOAL_TRANSPORT_ROLE_SENDER, p->family, env.iface, TRUE,
                       CONTROL_PORT);

  n = send_runs (tx, loopback_runs, G_N_ELEMENTS (loopback_runs));
  receive_n (rx, n, 5 * G_USEC_PER_SEC, batch, got, from);
  check_runs (got, loopback_runs, G_N_ELEMENTS (loopback_runs));
  for (guint i = 0; i < from->len; i++)
    {
      g_assert_cmpint (g_array_index (from, struct sockaddr_storage, i).ss_family, ==, p->family);
      g_assert_cmpuint (sockaddr_port (&g_array_index (from, struct sockaddr_storage, i)), ==,
                        CONTROL_PORT);
    }

  /* Control goes back to where the data came from, and arrives from the receiver's port. */
  back = g_array_index (from, struct sockaddr_storage, 0);
  shoal_transport_send_to (rx, (struct sockaddr *) &back,
                           p->family == AF_INET6 ? sizeof (struct sockaddr_in6)
                                                 : sizeof (struct sockaddr_in),
                           hello, sizeof hello, &error);
  g_assert_no_error (error);
  receive_n (tx, 1, 2 * G_USEC_PER_SEC, batch, control, control_from);
  g_assert_cmpuint (control->len, ==, 1);
  g_assert_cmpmem (g_bytes_get_data (control->pdata[0], NULL),
                   g_bytes_get_size (control->pdata[0]), hello, sizeof hello);
  g_assert_cmpint (g_array_index (control_from, struct sockaddr_storage, 0).ss_family, ==,
                   p->family);
  g_assert_cmpuint (sockaddr_port (&g_array_index (control_from, struct sockaddr_storage, 0)),
                    ==, PORT);

  /* A destination of the other family cannot leave this socket. */
  wrong.ss_family = p->family == AF_INET6 ? AF_INET : AF_INET6;
  g_assert_false (shoal_transport_send_to (rx, (struct sockaddr *) &wrong, sizeof wrong, hello,
                                           sizeof hello, &error));
  g_assert_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_ADDRESS);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  shoal_transport_close (tx);
  shoal_transport_close (rx);
  g_assert_false (shoal_transport_send_group (tx, hello, sizeof hello, 100, &error));
  g_assert_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (shoal_transport_receive (rx, batch, 0, &error));
  g_assert_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_CLOSED);
  loopback_down (&env);
}

typedef struct
{
  ShoalTransport *rx;
  GError         *error;
  gint64          returned;
} Blocked;

static gpointer
blocked_receive (gpointer data)
{
  Blocked *b = data;
  g_autoptr(ShoalDatagramBatch) batch = shoal_datagram_batch_new (64, 1 << 20);

  shoal_transport_receive (b->rx, batch, -1, &b->error);
  b->returned = g_get_monotonic_time ();
  return NULL;
}

/* close() from another thread must wake a receive() that waits forever, with CLOSED. */
static void
test_close_wakes (gconstpointer data)
{
  const char *transport = data;
  g_autoptr(ShoalTransport) rx = NULL;
  Blocked b = { 0 };
  GThread *thread;
  gint64 closed;
  Loopback env = { 0 };

  if (!loopback_up (&env, AF_INET))
    return;
  rx = open_transport (transport, SHOAL_TRANSPORT_ROLE_RECEIVER, AF_INET, "lo", FALSE, 0);
  b.rx = rx;
  thread = g_thread_new ("blocked-receive", blocked_receive, &b);
  g_usleep (200000);
  g_assert_cmpint (b.returned, ==, 0);
  closed = g_get_monotonic_time ();
  shoal_transport_close (rx);
  g_thread_join (thread);
  g_assert_error (b.error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_CLOSED);
  g_assert_cmpint (b.returned - closed, <, G_USEC_PER_SEC);
  g_clear_error (&b.error);
  loopback_down (&env);
}

/* One transport sends, the other receives: the wire is plain UDP either way. */
static void
test_interop (gconstpointer data)
{
  const char *sender = data;
  const char *receiver = g_str_equal (sender, "gst") ? "linux" : "gst";
  g_autoptr(ShoalTransport) rx = NULL;
  g_autoptr(ShoalTransport) tx = NULL;
  g_autoptr(ShoalDatagramBatch) batch = shoal_datagram_batch_new (1024, 4 << 20);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  Loopback env = { 0 };
  guint n;

  if (!loopback_up (&env, AF_INET))
    return;
  rx = open_transport (receiver, SHOAL_TRANSPORT_ROLE_RECEIVER, AF_INET, "lo", TRUE, 0);
  tx = open_transport (sender, SHOAL_TRANSPORT_ROLE_SENDER, AF_INET, "lo", TRUE, CONTROL_PORT);
  n = send_runs (tx, loopback_runs, G_N_ELEMENTS (loopback_runs));
  receive_n (rx, n, 5 * G_USEC_PER_SEC, batch, got, NULL);
  check_runs (got, loopback_runs, G_N_ELEMENTS (loopback_runs));
  shoal_transport_close (tx);
  shoal_transport_close (rx);
  loopback_down (&env);
}

static void
test_lan (gconstpointer data)
{
  const Param *p = data;
  static const char *clients[] = { "c1", "c2" };
  static const Run runs[] = { { 1300, 50, 1300 }, { 1200, 400, 700 }, { 900, 64, 900 } };
  const char *srv_ip = p->family == AF_INET6 ? "2001:2::1" : "198.18.0.1";
  const char *client_ip[] = { p->family == AF_INET6 ? "2001:2::11" : "198.18.0.11",
                              p->family == AF_INET6 ? "2001:2::12" : "198.18.0.12" };
  g_autoptr(ShoalTestLan) lan = NULL;
  g_autoptr(ShoalTransport) tx = NULL;
  g_autoptr(ShoalDatagramBatch) batch = shoal_datagram_batch_new (1024, 4 << 20);
  g_autoptr(GPtrArray) control = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GArray) control_from = g_array_new (FALSE, FALSE, sizeof (struct sockaddr_storage));
  ShoalTransport *rx[2];
  gboolean seen[2] = { FALSE, FALSE };
  guint n;

  if (!shoal_test_require_root ())
    return;
  lan = shoal_test_lan_up (2, NULL);
  for (guint c = 0; c < 2; c++)
    {
      shoal_test_lan_enter (lan, clients[c]);
      rx[c] = open_transport (p->transport, SHOAL_TRANSPORT_ROLE_RECEIVER, p->family, "eth0",
                              FALSE, 0);
      shoal_test_lan_leave ();
    }
  shoal_test_lan_enter (lan, "srv");
  tx = open_transport (p->transport, SHOAL_TRANSPORT_ROLE_SENDER, p->family, "eth0", FALSE, 0);
  shoal_test_lan_leave ();
  if (p->family == AF_INET6)
    g_usleep (300000); /* let MLD reports settle on the bridge */

  n = send_runs (tx, runs, G_N_ELEMENTS (runs));
  for (guint c = 0; c < 2; c++)
    {
      g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      g_autoptr(GArray) from = g_array_new (FALSE, FALSE, sizeof (struct sockaddr_storage));
      g_autoptr(GError) error = NULL;
      g_autofree char *ip = NULL;
      static const guint8 report[] = "report";
      struct sockaddr_storage back;

      receive_n (rx[c], n, 5 * G_USEC_PER_SEC, batch, got, from);
      g_test_message ("%s got %u of %u datagrams", clients[c], got->len, n);
      check_runs (got, runs, G_N_ELEMENTS (runs));
      back = g_array_index (from, struct sockaddr_storage, 0);
      ip = sockaddr_ip (&back);
      g_assert_cmpstr (ip, ==, srv_ip);
      g_assert_cmpuint (sockaddr_port (&back), ==, PORT);
      shoal_transport_send_to (rx[c], (struct sockaddr *) &back,
                               p->family == AF_INET6 ? sizeof (struct sockaddr_in6)
                                                     : sizeof (struct sockaddr_in),
                               report, sizeof report, &error);
      g_assert_no_error (error);
    }
  receive_n (tx, 2, 3 * G_USEC_PER_SEC, batch, control, control_from);
  g_assert_cmpuint (control->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *ip = sockaddr_ip (&g_array_index (control_from, struct sockaddr_storage, i));

      g_assert_cmpuint (sockaddr_port (&g_array_index (control_from, struct sockaddr_storage, i)),
                        ==, PORT);
      for (guint c = 0; c < 2; c++)
        if (g_str_equal (ip, client_ip[c]))
          seen[c] = TRUE;
    }
  g_assert_true (seen[0] && seen[1]);
  shoal_transport_close (tx);
  for (guint c = 0; c < 2; c++)
    {
      shoal_transport_close (rx[c]);
      g_object_unref (rx[c]);
    }
}

typedef struct
{
  ShoalTransport *tx;
  gsize           total;
  gint64          started;
  gint64          finished;
  gint64          max_call_gap;
} PaceJob;

static gpointer
pace_sender (gpointer data)
{
  PaceJob *job = data;
  const gsize seg = 1400, run = 64 * seg;
  g_autofree guint8 *buf = g_malloc (run);
  gint64 last;
  gsize off = 0;
  guint32 index = 0;

  for (gsize i = 0; i < run / seg; i++)
    fill_datagram (buf + i * seg, seg, i);
  job->started = last = g_get_monotonic_time ();
  while (off < job->total)
    {
      g_autoptr(GError) error = NULL;
      gsize len = MIN (run, job->total - off);
      gint64 now;

      memcpy (buf, &index, 4);
      shoal_transport_send_group (job->tx, buf, len, seg, &error);
      g_assert_no_error (error);
      now = g_get_monotonic_time ();
      job->max_call_gap = MAX (job->max_call_gap, now - last);
      last = now;
      off += len;
      index++;
    }
  /* The GStreamer sender queues ahead: closing waits until the queue has left. */
  shoal_transport_close (job->tx);
  job->finished = g_get_monotonic_time ();
  return NULL;
}

static void
test_pacing (gconstpointer data)
{
  const Param *p = data;
  const guint64 rate = 50000000;
  g_autoptr(ShoalTransport) rx = NULL;
  g_autoptr(ShoalTransport) tx = NULL;
  g_autoptr(ShoalDatagramBatch) batch = shoal_datagram_batch_new (1024, 4 << 20);
  PaceJob job = { .total = 5000000 };
  gint64 first = 0, last = 0, max_gap = 0, deadline;
  gsize bytes = 0;
  double ideal = job.total * 8.0 / rate, rx_time, tx_time;
  GThread *thread;
  Loopback env = { 0 };

  if (!loopback_up (&env, AF_INET))
    return;
  rx = open_transport (p->transport, SHOAL_TRANSPORT_ROLE_RECEIVER, p->family, "lo", TRUE, 0);
  tx = open_transport (p->transport, SHOAL_TRANSPORT_ROLE_SENDER, p->family, "lo", TRUE,
                       CONTROL_PORT);
  shoal_transport_set_rate (tx, rate);
  job.tx = tx;
  thread = g_thread_new ("pace-sender", pace_sender, &job);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (bytes < job.total && g_get_monotonic_time () < deadline)
    {
      g_autoptr(GError) error = NULL;
      gint64 now;

      shoal_transport_receive (rx, batch, 100000, &error);
      g_assert_no_error (error);
      if (batch->n_dgrams == 0)
        continue;
      now = g_get_monotonic_time ();
      if (first == 0)
        first = now;
      else
        max_gap = MAX (max_gap, now - last);
      last = now;
      for (guint i = 0; i < batch->n_dgrams; i++)
        bytes += batch->dgrams[i].len;
    }
  g_thread_join (thread);
  rx_time = (last - first) / 1e6;
  tx_time = (job.finished - job.started) / 1e6;
  g_test_message ("%s: %" G_GSIZE_FORMAT " bytes at %" G_GUINT64_FORMAT " bit/s: received over "
                  "%.3f s, sent in %.3f s (ideal %.3f s); largest gap %.1f ms at the receiver, "
                  "%.1f ms between send calls", p->transport, bytes, rate, rx_time, tx_time,
                  ideal, max_gap / 1e3, job.max_call_gap / 1e3);
  g_assert_cmpuint (bytes, ==, job.total);
  g_assert_cmpfloat (rx_time, >=, ideal * 0.85);
  g_assert_cmpfloat (rx_time, <=, ideal * 1.15);
  g_assert_cmpfloat (tx_time, >=, ideal * 0.85);
  g_assert_cmpfloat (tx_time, <=, ideal * 1.15);
  g_assert_cmpint (max_gap, <, 100000);
  g_assert_cmpint (job.max_call_gap, <, 100000);
  shoal_transport_close (rx);
  loopback_down (&env);
}

/* The receiver must hand out GSO-sent, GRO-coalesced buffers as the original datagrams,
 * whatever the batch's shape: roomy, few datagram slots (the rest carried over), or a
 * buffer under 64 KiB (read through the bounce buffer). */
static void
test_gro_split (void)
{
  static const Run runs[] = {
    { 1000, 150, 333 },
    { 1472, 64, 1472 },
    { 200, 300, 57 },
    { 1400, 7, 1400 },
  };
  static const struct { guint max_dgrams; gsize buf_size; } shapes[] = {
    { 1024, 4 << 20 }, { 7, 4 << 20 }, { 64, 16 << 10 },
  };
  g_autoptr(ShoalTransport) rx = NULL;
  g_autoptr(ShoalTransport) tx = NULL;
  ShoalLinuxTransportStats rs, ts;
  Loopback env = { 0 };

  if (!shoal_linux_transport_supported ())
    {
      g_test_skip ("the kernel lacks UDP_SEGMENT or UDP_GRO");
      return;
    }
  if (!loopback_up (&env, AF_INET))
    return;
  rx = open_transport ("linux", SHOAL_TRANSPORT_ROLE_RECEIVER, AF_INET, "lo", TRUE, 0);
  tx = open_transport ("linux", SHOAL_TRANSPORT_ROLE_SENDER, AF_INET, "lo", TRUE, CONTROL_PORT);
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      g_autoptr(ShoalDatagramBatch) batch =
        shoal_datagram_batch_new (shapes[s].max_dgrams, shapes[s].buf_size);
      g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
      guint n = send_runs (tx, runs, G_N_ELEMENTS (runs));

      receive_n (rx, n, 5 * G_USEC_PER_SEC, batch, got, NULL);
      g_test_message ("batch of %u datagrams / %" G_GSIZE_FORMAT " bytes: %u of %u",
                      shapes[s].max_dgrams, shapes[s].buf_size, got->len, n);
      check_runs (got, runs, G_N_ELEMENTS (runs));
    }
  shoal_linux_transport_get_stats (SHOAL_LINUX_TRANSPORT (rx), &rs);
  shoal_linux_transport_get_stats (SHOAL_LINUX_TRANSPORT (tx), &ts);
  g_test_message ("sender: %" G_GUINT64_FORMAT " GSO messages in %" G_GUINT64_FORMAT
                  " calls; receiver: %" G_GUINT64_FORMAT " coalesced buffers in %"
                  G_GUINT64_FORMAT " calls", ts.gso_messages, ts.send_calls, rs.gro_buffers,
                  rs.receive_calls);
  g_assert_false (ts.gso_disabled);
  g_assert_cmpuint (ts.gso_messages, >, 0);
  g_assert_cmpuint (rs.gro_buffers, >, 0);
  g_assert_cmpuint (rs.truncated, ==, 0);
  loopback_down (&env);
}

/* The descriptor bound to @port: the test reaches into the transport's real socket to
 * make the kernel itself refuse segmentation. */
static int
find_socket_on_port (guint port)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      int fd = atoi (name), type = 0;
      struct sockaddr_storage ss = { 0 };
      socklen_t len = sizeof ss, tlen = sizeof type;

      if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0 && type == SOCK_DGRAM
          && getsockname (fd, (struct sockaddr *) &ss, &len) == 0
          && ss.ss_family == AF_INET && sockaddr_port (&ss) == port)
        return fd;
    }
  return -1;
}

/* When the kernel refuses UDP_SEGMENT (here because checksums are off on the socket, as
 * they would be on a device that cannot compute them on old kernels), the sender must fall
 * back to one datagram per message, remember it, and lose nothing. */
static void
test_gso_fallback (void)
{
  g_autoptr(ShoalTransport) rx = NULL;
  g_autoptr(ShoalTransport) tx = NULL;
  g_autoptr(ShoalDatagramBatch) batch = shoal_datagram_batch_new (1024, 4 << 20);
  g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  static const Run runs[] = { { 1000, 150, 333 }, { 1400, 64, 1400 }, { 1200, 300, 1200 } };
  ShoalLinuxTransportStats ts;
  Loopback env = { 0 };
  int fd, one = 1;
  guint n;

  if (!shoal_linux_transport_supported ())
    {
      g_test_skip ("the kernel lacks UDP_SEGMENT or UDP_GRO");
      return;
    }
  if (!loopback_up (&env, AF_INET))
    return;
  rx = open_transport ("linux", SHOAL_TRANSPORT_ROLE_RECEIVER, AF_INET, "lo", TRUE, 0);
  tx = open_transport ("linux", SHOAL_TRANSPORT_ROLE_SENDER, AF_INET, "lo", TRUE, CONTROL_PORT);
  fd = find_socket_on_port (CONTROL_PORT);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_NO_CHECK, &one, sizeof one), ==, 0);
  n = send_runs (tx, runs, G_N_ELEMENTS (runs));
  receive_n (rx, n, 5 * G_USEC_PER_SEC, batch, got, NULL);
  check_runs (got, runs, G_N_ELEMENTS (runs));
  shoal_linux_transport_get_stats (SHOAL_LINUX_TRANSPORT (tx), &ts);
  g_test_message ("sender: %" G_GUINT64_FORMAT " datagrams in %" G_GUINT64_FORMAT " calls, "
                  "%" G_GUINT64_FORMAT " with GSO", ts.datagrams_sent, ts.send_calls,
                  ts.gso_messages);
  g_assert_true (ts.gso_disabled);
  g_assert_cmpuint (ts.gso_messages, ==, 0);
  g_assert_cmpuint (ts.datagrams_sent, ==, n);
  loopback_down (&env);
}

static void
expect_open_error_at (const char         *transport,
                      GInetSocketAddress *group,
                      const char         *iface,
                      int                 code,
                      const char         *needle)
{
  g_autoptr(GError) error = NULL;

  for (int role = 0; role < 2; role++)
    {
      g_autoptr(ShoalTransport) t =
        shoal_transport_new_by_name (transport, role, group, iface, 1, FALSE, 0, &error);

      g_assert_no_error (error);
      g_assert_false (shoal_transport_open (t, &error));
      g_assert_error (error, SHOAL_TRANSPORT_ERROR, code);
      g_test_message ("%s: %s", transport, error->message);
      g_assert_nonnull (strstr (error->message, needle));
      g_clear_error (&error);
    }
}

static void
expect_open_error (const char  *transport,
                   const char  *group_ip,
                   guint        port,
                   const char  *iface,
                   int          code,
                   const char  *needle)
{
  g_autoptr(GInetSocketAddress) group =
    G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (group_ip, port));

  expect_open_error_at (transport, group, iface, code, needle);
}

static void
test_errors (gconstpointer data)
{
  const char *transport = data;
  /* From text, GLib turns an IPv4-mapped address into IPv4; from bytes it stays IPv6. */
  static const guint8 mapped_bytes[16] = { [10] = 0xff, [11] = 0xff, 239, 1, 7, 7 };
  g_autoptr(GInetAddress) mapped = g_inet_address_new_from_bytes (mapped_bytes,
                                                                  G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) mapped_group = g_inet_socket_address_new (mapped, PORT);

  expect_open_error (transport, "239.1.7.7", PORT, "nosuch0", SHOAL_TRANSPORT_ERROR_INTERFACE,
                     "nosuch0");
  expect_open_error (transport, "ff05::1:7", PORT, "nosuch0", SHOAL_TRANSPORT_ERROR_INTERFACE,
                     "nosuch0");
  expect_open_error_at (transport, G_INET_SOCKET_ADDRESS (mapped_group), NULL,
                        SHOAL_TRANSPORT_ERROR_ADDRESS, "wrong family");
  expect_open_error (transport, "198.18.0.1", PORT, NULL, SHOAL_TRANSPORT_ERROR_ADDRESS,
                     "not a multicast address");
  expect_open_error (transport, "239.1.7.7", 0, NULL, SHOAL_TRANSPORT_ERROR_ADDRESS,
                     "no port");
}

static void
test_factory (void)
{
  g_autoptr(GInetSocketAddress) group = group_for (AF_INET, PORT);
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTransport) gst = NULL;
  g_autoptr(ShoalTransport) linux_ = NULL;
  g_autoptr(ShoalTransport) any = NULL;
  ShoalTransport *none;

  none = shoal_transport_new_by_name ("udpcast", SHOAL_TRANSPORT_ROLE_SENDER, group, NULL, 1,
                                      FALSE, 0, &error);
  g_assert_null (none);
  g_assert_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "udpcast"));
  g_assert_nonnull (strstr (error->message, "auto, gst, linux"));
  g_clear_error (&error);

  gst = shoal_transport_new_by_name ("gst", SHOAL_TRANSPORT_ROLE_SENDER, group, NULL, 1, FALSE,
                                     0, &error);
  g_assert_true (SHOAL_IS_GST_TRANSPORT (gst));
  linux_ = shoal_transport_new_by_name ("linux", SHOAL_TRANSPORT_ROLE_RECEIVER, group, "eth9",
                                        4, TRUE, 5001, &error);
  g_assert_true (SHOAL_IS_LINUX_TRANSPORT (linux_));
  g_assert_cmpint (shoal_transport_get_role (linux_), ==, SHOAL_TRANSPORT_ROLE_RECEIVER);
  g_assert_cmpstr (shoal_transport_get_interface (linux_), ==, "eth9");
  g_assert_cmpuint (shoal_transport_get_ttl (linux_), ==, 4);
  g_assert_true (shoal_transport_get_loop (linux_));
  g_assert_cmpuint (shoal_transport_get_control_port (linux_), ==, 5001);
  any = shoal_transport_new_by_name ("auto", SHOAL_TRANSPORT_ROLE_SENDER, group, NULL, 1, FALSE,
                                     0, &error);
  g_assert_no_error (error);
  if (shoal_linux_transport_supported ())
    g_assert_true (SHOAL_IS_LINUX_TRANSPORT (any));
  else
    g_assert_true (SHOAL_IS_GST_TRANSPORT (any));
}

int
main (int argc, char *argv[])
{
  static const char *names[] = { "gst", "linux" };
  static Param params[4];

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *loop4 = g_strdup_printf ("/transport/%s/loopback/ipv4", names[i]);
      g_autofree char *loop6 = g_strdup_printf ("/transport/%s/loopback/ipv6", names[i]);
      g_autofree char *lan4 = g_strdup_printf ("/transport/%s/lan/ipv4", names[i]);
      g_autofree char *lan6 = g_strdup_printf ("/transport/%s/lan/ipv6", names[i]);
      g_autofree char *pacing = g_strdup_printf ("/transport/%s/pacing", names[i]);
      g_autofree char *errors = g_strdup_printf ("/transport/%s/errors", names[i]);
      g_autofree char *interop = g_strdup_printf ("/transport/%s/interop", names[i]);
      g_autofree char *close_wakes = g_strdup_printf ("/transport/%s/close-wakes", names[i]);

      params[2 * i] = (Param) { names[i], AF_INET };
      params[2 * i + 1] = (Param) { names[i], AF_INET6 };
      g_test_add_data_func (loop4, &params[2 * i], test_loopback);
      g_test_add_data_func (loop6, &params[2 * i + 1], test_loopback);
      g_test_add_data_func (lan4, &params[2 * i], test_lan);
      g_test_add_data_func (lan6, &params[2 * i + 1], test_lan);
      g_test_add_data_func (pacing, &params[2 * i], test_pacing);
      g_test_add_data_func (errors, names[i], test_errors);
      g_test_add_data_func (interop, names[i], test_interop);
      g_test_add_data_func (close_wakes, names[i], test_close_wakes);
    }
  g_test_add_func ("/transport/linux/gro-split", test_gro_split);
  g_test_add_func ("/transport/linux/gso-fallback", test_gso_fallback);
  g_test_add_func ("/transport/factory", test_factory);
  return g_test_run ();
}
