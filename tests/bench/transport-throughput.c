/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Raw throughput of a ShoalTransport: one sender pushes numbered datagrams unpaced (or at
 * --rate), receivers only count them and touch their bytes. Driven by transport.sh. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "shoal-linux-transport.h"
#include "shoal-transport-factory.h"

#define END_MARK      G_MAXUINT64
#define END_REPEATS   20

static char    *opt_transport = (char *) "auto";
static char    *opt_group = (char *) "239.1.9.9:48000";
static char    *opt_iface = NULL;
static gint64   opt_bytes = 1 << 30;
static gint     opt_seg = 1400;
static gint     opt_run = 64;
static gint64   opt_rate = 0;
static gint     opt_idle_ms = 2000;
static gint     opt_wait_s = 60;

static GOptionEntry entries[] = {
  { "transport", 't', 0, G_OPTION_ARG_STRING, &opt_transport, "auto, gst or linux", "NAME" },
  { "group", 'g', 0, G_OPTION_ARG_STRING, &opt_group, "multicast group and port", "ADDR:PORT" },
  { "iface", 'i', 0, G_OPTION_ARG_STRING, &opt_iface, "interface", "NAME" },
  { "bytes", 'b', 0, G_OPTION_ARG_INT64, &opt_bytes, "payload bytes to send", "N" },
  { "seg", 's', 0, G_OPTION_ARG_INT, &opt_seg, "datagram size", "BYTES" },
  { "run", 'r', 0, G_OPTION_ARG_INT, &opt_run, "datagrams per send_group()", "N" },
  { "rate", 0, 0, G_OPTION_ARG_INT64, &opt_rate, "pace at this many bits/s (0: unpaced)", "BPS" },
  { "idle-ms", 0, 0, G_OPTION_ARG_INT, &opt_idle_ms, "receiver: stop this long after the "
    "last datagram if the end mark was lost", "MS" },
  { "wait", 0, 0, G_OPTION_ARG_INT, &opt_wait_s, "receiver: give up if nothing arrives "
    "for this long", "SECONDS" },
  { NULL }
};

static ShoalTransport *
make_transport (ShoalTransportRole   role,
                GError             **error)
{
  g_autoptr(GSocketConnectable) addr = NULL;
  g_autoptr(ShoalTransport) transport = NULL;

  addr = g_network_address_parse (opt_group, 0, error);
  if (addr == NULL)
    return NULL;
  {
    g_autoptr(GInetAddress) ip =
      g_inet_address_new_from_string (g_network_address_get_hostname (G_NETWORK_ADDRESS (addr)));
    g_autoptr(GSocketAddress) group = NULL;

    if (ip == NULL)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                     "--group %s: not an IP address and port", opt_group);
        return NULL;
      }
    group = g_inet_socket_address_new (ip, g_network_address_get_port (G_NETWORK_ADDRESS (addr)));
    transport = shoal_transport_new_by_name (opt_transport, role, G_INET_SOCKET_ADDRESS (group),
                                             opt_iface, 1, FALSE, 0, error);
  }
  if (transport == NULL || !shoal_transport_open (transport, error))
    return NULL;
  return g_steal_pointer (&transport);
}

static int
run_sender (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTransport) tx = make_transport (SHOAL_TRANSPORT_ROLE_SENDER, &error);
  gsize seg = opt_seg, run = (gsize) opt_seg * opt_run;
  g_autofree guint8 *buf = NULL;
  guint64 seq = 0, sent = 0, end[2];
  gint64 start, stop;
  double secs;

  if (tx == NULL)
    {
      g_printerr ("transport-throughput: %s\n", error->message);
      return 1;
    }
  shoal_transport_set_rate (tx, opt_rate);
  buf = g_malloc (run);
  for (gsize i = 0; i < run; i++)
    buf[i] = (guint8) (i * 131 + 7);
  start = g_get_monotonic_time ();
  while (sent < (guint64) opt_bytes)
    {
      gsize len = MIN (run, (guint64) opt_bytes - sent);

      for (gsize off = 0; off < len; off += seg)
        {
          memcpy (buf + off, &seq, sizeof seq);
          seq++;
        }
      if (!shoal_transport_send_group (tx, buf, len, seg, &error))
        {
          g_printerr ("transport-throughput: %s\n", error->message);
          return 1;
        }
      sent += len;
    }
  stop = g_get_monotonic_time ();
  /* The end mark carries the count; repeated so a lost one does not stall the receivers. */
  end[0] = END_MARK;
  end[1] = seq;
  for (guint i = 0; i < END_REPEATS; i++)
    {
      if (!shoal_transport_send_group (tx, (guint8 *) end, sizeof end, sizeof end, &error))
        {
          g_printerr ("transport-throughput: %s\n", error->message);
          return 1;
        }
      g_usleep (5000);
    }
  shoal_transport_close (tx);
  secs = (stop - start) / 1e6;
  g_print ("role=sender transport=%s datagrams=%" G_GUINT64_FORMAT " bytes=%" G_GUINT64_FORMAT
           " seconds=%.3f gbps=%.3f", shoal_transport_resolve_name (opt_transport), seq, sent,
           secs, sent * 8 / secs / 1e9);
  if (SHOAL_IS_LINUX_TRANSPORT (tx))
    {
      ShoalLinuxTransportStats st;

      shoal_linux_transport_get_stats (SHOAL_LINUX_TRANSPORT (tx), &st);
      g_print (" send_calls=%" G_GUINT64_FORMAT " gso_messages=%" G_GUINT64_FORMAT
               " send_waits=%" G_GUINT64_FORMAT " gso_disabled=%d", st.send_calls,
               st.gso_messages, st.send_waits, st.gso_disabled);
    }
  g_print ("\n");
  return 0;
}

static int
run_receiver (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalTransport) rx = make_transport (SHOAL_TRANSPORT_ROLE_RECEIVER, &error);
  g_autoptr(ShoalDatagramBatch) batch = shoal_datagram_batch_new (1024, 4 << 20);
  g_autofree guint8 *seen = NULL;
  guint64 seen_size = 0, datagrams = 0, dups = 0, bytes = 0, expected = 0, touch = 0;
  gint64 first = 0, last = 0, started = g_get_monotonic_time ();
  gboolean ended = FALSE;
  double secs;

  if (rx == NULL)
    {
      g_printerr ("transport-throughput: %s\n", error->message);
      return 1;
    }
  g_print ("ready\n");
  while (!ended)
    {
      gint64 now;

      if (!shoal_transport_receive (rx, batch, 100000, &error))
        {
          g_printerr ("transport-throughput: %s\n", error->message);
          return 1;
        }
      now = g_get_monotonic_time ();
      if (batch->n_dgrams == 0)
        {
          if ((first != 0 && now - last > opt_idle_ms * 1000)
              || (first == 0 && now - started > opt_wait_s * G_USEC_PER_SEC))
            break;
          continue;
        }
      for (guint i = 0; i < batch->n_dgrams; i++)
        {
          const guint8 *p = batch->dgrams[i].data;
          gsize len = batch->dgrams[i].len;
          guint64 seq;

          if (len < 8)
            continue;
          memcpy (&seq, p, 8);
          if (seq == END_MARK && len >= 16)
            {
              memcpy (&expected, p + 8, 8);
              ended = TRUE;
              continue;
            }
          /* Touch every cache line once, as a consumer that reads the payload would. */
          for (gsize off = 0; off + 8 <= len; off += 64)
            {
              guint64 w;

              memcpy (&w, p + off, 8);
              touch ^= w;
            }
          if (seq >= seen_size * 8)
            {
              guint64 size = MAX (seen_size * 2, (seq / 8 + 1) * 2);

              seen = g_realloc (seen, size);
              memset (seen + seen_size, 0, size - seen_size);
              seen_size = size;
            }
          if (seen[seq / 8] & (1 << (seq % 8)))
            dups++;
          else
            {
              seen[seq / 8] |= 1 << (seq % 8);
              datagrams++;
              bytes += len;
            }
        }
      if (first == 0)
        first = now;
      last = now;
    }
  shoal_transport_close (rx);
  secs = first != 0 && last > first ? (last - first) / 1e6 : 0;
  g_print ("role=receiver transport=%s datagrams=%" G_GUINT64_FORMAT " bytes=%" G_GUINT64_FORMAT
           " expected=%" G_GUINT64_FORMAT " loss=%.4f dups=%" G_GUINT64_FORMAT
           " seconds=%.3f gbps=%.3f end=%s touch=%" G_GINT64_MODIFIER "x",
           shoal_transport_resolve_name (opt_transport), datagrams, bytes, expected,
           expected ? 1.0 - (double) datagrams / expected : 1.0, dups, secs,
           secs > 0 ? bytes * 8 / secs / 1e9 : 0.0, ended ? "yes" : "no", touch);
  if (SHOAL_IS_LINUX_TRANSPORT (rx))
    {
      ShoalLinuxTransportStats st;

      shoal_linux_transport_get_stats (SHOAL_LINUX_TRANSPORT (rx), &st);
      g_print (" receive_calls=%" G_GUINT64_FORMAT " gro_buffers=%" G_GUINT64_FORMAT,
               st.receive_calls, st.gro_buffers);
    }
  g_print ("\n");
  return 0;
}

int
main (int argc, char *argv[])
{
  g_autoptr(GOptionContext) context = g_option_context_new ("send|recv");
  g_autoptr(GError) error = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context, "Measures the raw throughput of a Shoal transport.");
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2
      || opt_seg < 16 || opt_seg > 65507 || opt_run < 1 || opt_bytes < 0)
    {
      g_printerr ("transport-throughput: %s\nusage: transport-throughput [options] send|recv\n",
                  error ? error->message : "bad arguments");
      return 2;
    }
  if (g_str_equal (argv[1], "send"))
    return run_sender ();
  if (g_str_equal (argv[1], "recv"))
    return run_receiver ();
  g_printerr ("transport-throughput: unknown mode “%s”: send or recv\n", argv[1]);
  return 2;
}
