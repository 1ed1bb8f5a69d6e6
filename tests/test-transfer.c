/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End to end over real sockets: a ShoalSession multicasts a package from the server namespace
 * to ShoalReceptions in three client namespaces, each writing a real file and verifying every
 * block. Runs with no loss, with 2 % independent loss per client, and with a late joiner,
 * over each transport. */
#include "config.h"

#include <gnutls/crypto.h>
#include <string.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "shoal-reception.h"
#include "shoal-session.h"
#include "shoal-transport-factory.h"
#include "test-utils.h"

#define SIZE (24 * 1024 * 1024 + 12345)

typedef struct
{
  ShoalTestLan *lan;
  const char   *transport;
  const char   *group;
  guint8       *content;
  guint8       *hashes;
  ShoalLayout   layout;
  guint8        key[32];
  char         *dir;
  guint         index;
  gint64        delay;
  gboolean      ok;
  char         *error;
  ShoalReceptionProgress progress;
} Client;

static gboolean
read_content (guint64 offset, guint8 *buf, gsize len, gpointer data, GError **error)
{
  memcpy (buf, (guint8 *) data + offset, len);
  return TRUE;
}

static gpointer
client_thread (gpointer data)
{
  Client *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetSocketAddress) group =
    G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (c->group, 47001));
  g_autofree char *host = g_strdup_printf ("c%u", c->index);
  g_autofree char *path = g_strdup_printf ("%s/out-%u.img", c->dir, c->index);
  g_autoptr(ShoalTransport) transport = NULL;
  g_autoptr(ShoalOutput) out = NULL;
  g_autoptr(ShoalReception) rec = NULL;
  ShoalReceptionConfig cfg;

  if (c->delay > 0)
    g_usleep (c->delay);
  /* Sockets keep the namespace they were created in. */
  shoal_test_lan_enter (c->lan, host);
  transport = shoal_transport_new_by_name (c->transport, SHOAL_TRANSPORT_ROLE_RECEIVER, group,
                                           "eth0", 1, FALSE, 0, &error);
  g_assert_no_error (error);
  shoal_reception_config_init (&cfg);
  cfg.engine.session_id = 77;
  memcpy (cfg.engine.key, c->key, 32);
  cfg.engine.layout = c->layout;
  cfg.engine.client_id = 100 + c->index;
  g_strlcpy (cfg.engine.hostname, host, sizeof cfg.engine.hostname);
  cfg.block_hashes = c->hashes;
  out = shoal_output_open_single (path, SIZE, &error);
  g_assert_no_error (error);
  rec = shoal_reception_new (&cfg, transport, out);
  c->ok = shoal_reception_run (rec, NULL, &error);
  /* The transport opened its sockets in this thread's namespace; now leave it. */
  shoal_test_lan_leave ();
  if (!c->ok)
    c->error = g_strdup (error->message);
  shoal_reception_get_progress (rec, &c->progress);
  if (c->ok)
    {
      g_autofree char *got = NULL;
      gsize len;

      g_assert_true (g_file_get_contents (path, &got, &len, NULL));
      c->ok = len == SIZE && memcmp (got, c->content, SIZE) == 0;
      if (!c->ok)
        c->error = g_strdup ("output differs from the package");
    }
  return NULL;
}

static void
on_finished (ShoalSession *session, gpointer data)
{
  *(gboolean *) data = TRUE;
}

static void
run_transfer (const char *transport, const char *lan_options, gint64 late,
              const char *group_address)
{
  g_autoptr(ShoalTestLan) lan = NULL;
  g_autoptr(GInetSocketAddress) group =
    G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string (group_address, 47001));
  g_autoptr(ShoalTransport) tx = NULL;
  g_autoptr(ShoalSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("shoal-transfer-XXXXXX", NULL);
  g_autofree guint8 *content = g_malloc (SIZE);
  g_autofree guint8 *hashes = NULL;
  ShoalSenderConfig cfg;
  Client clients[3] = { 0 };
  GThread *threads[3];
  GRand *rand = g_rand_new_with_seed (11);
  gboolean finished = FALSE;
  ShoalSenderStats st;
  guint32 n_blocks;

  if (!shoal_test_require_root ())
    return;
  lan = shoal_test_lan_up (3, lan_options);
  for (gsize i = 0; i < SIZE / 4; i++)
    ((guint32 *) content)[i] = g_rand_int (rand);
  g_rand_free (rand);

  shoal_sender_config_init (&cfg);
  cfg.session_id = 77;
  cfg.instance_id = g_random_int ();
  for (guint i = 0; i < 32; i++)
    cfg.key[i] = i * 7;
  cfg.layout = (ShoalLayout) { SIZE, 1404, 128 };
  /* The late joiner's case runs ~4 s so that 2 s late is mid-session. */
  cfg.max_rate = late ? 50 * 1000 * 1000 : 400 * 1000 * 1000;
  cfg.min_clients = late ? 2 : 3;
  cfg.max_wait = 5 * G_USEC_PER_SEC;
  n_blocks = shoal_layout_n_blocks (&cfg.layout);
  hashes = g_malloc ((gsize) n_blocks * 32);
  for (guint32 b = 0; b < n_blocks; b++)
    gnutls_hash_fast (GNUTLS_DIG_SHA256, content + shoal_layout_block_offset (&cfg.layout, b),
                      shoal_layout_block_len (&cfg.layout, b), hashes + (gsize) b * 32);

  shoal_test_lan_enter (lan, "srv");
  tx = shoal_transport_new_by_name (transport, SHOAL_TRANSPORT_ROLE_SENDER, group, "eth0", 1,
                                    FALSE, 0, &error);
  g_assert_no_error (error);
  session = shoal_session_new ("test", "pkg", &cfg, tx, read_content, content, NULL);
  g_signal_connect (session, "finished", G_CALLBACK (on_finished), &finished);
  g_assert_true (shoal_session_start (session, &error));
  g_assert_no_error (error);
  shoal_test_lan_leave ();

  for (guint i = 0; i < 3; i++)
    {
      clients[i] = (Client) { lan, transport, group_address, content, hashes, cfg.layout,
                              { 0 }, dir, i + 1, i == 2 ? late : 0 };
      memcpy (clients[i].key, cfg.key, 32);
      threads[i] = g_thread_new ("client", client_thread, &clients[i]);
    }
  while (!finished)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < 3; i++)
    g_thread_join (threads[i]);

  shoal_session_get_stats (session, &st);
  g_test_message ("%s%s%s: session %s, payload %.4fx (repair %" G_GUINT64_FORMAT " B), "
                  "%u clients", transport, lan_options ? " " : "", lan_options ? lan_options : "",
                  shoal_session_get_state (session),
                  (double) (st.source_bytes + st.repair_bytes) / SIZE, st.repair_bytes,
                  g_list_model_get_n_items (shoal_session_get_clients (session)));
  for (guint i = 0; i < 3; i++)
    {
      g_test_message ("c%u: %s; multicast %" G_GUINT64_FORMAT " B, http %" G_GUINT64_FORMAT " B",
                      i + 1, clients[i].ok ? "verified" : clients[i].error,
                      clients[i].progress.multicast_bytes, clients[i].progress.http_bytes);
      g_assert_true (clients[i].ok);
      /* Everything came by multicast, late joiner included, in the same session. */
      g_assert_cmpuint (clients[i].progress.http_bytes, ==, 0);
      g_free (clients[i].error);
    }
  g_assert_cmpstr (shoal_session_get_state (session), ==, "done");
  g_assert_cmpuint (g_list_model_get_n_items (shoal_session_get_clients (session)), ==, 3);
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *p = g_strdup_printf ("%s/out-%u.img", dir, i);
      g_unlink (p);
    }
  g_rmdir (dir);
}

static void
test_clean (gconstpointer transport)
{
  run_transfer (transport, NULL, 0, "239.1.2.3");
}

/* IPv6 with a site-local group. */
static void
test_ipv6 (gconstpointer transport)
{
  run_transfer (transport, NULL, 0, "ff05::1:3");
}

static void
test_loss (gconstpointer transport)
{
  run_transfer (transport, "--loss 20", 0, "239.1.2.3");
}

static void
test_late (gconstpointer transport)
{
  run_transfer (transport, NULL, 2 * G_USEC_PER_SEC, "239.1.2.3");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < 2; i++)
    {
      const char *t = i == 0 ? "gst" : "linux";
      g_autofree char *p1 = g_strdup_printf ("/transfer/%s/no-loss", t);
      g_autofree char *p2 = g_strdup_printf ("/transfer/%s/two-percent-loss", t);
      g_autofree char *p3 = g_strdup_printf ("/transfer/%s/late-joiner", t);
      g_autofree char *p4 = g_strdup_printf ("/transfer/%s/ipv6", t);

      g_test_add_data_func (p1, t, test_clean);
      g_test_add_data_func (p2, t, test_loss);
      g_test_add_data_func (p3, t, test_late);
      g_test_add_data_func (p4, t, test_ipv6);
    }
  return g_test_run ();
}
