/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine on the simulated network, in virtual time: many receivers, independent and burst
 * loss, late joiners, a dead receiver, start rules, slow clients, adaptive rate. Every run
 * asserts completion, byte-exact content and how much the sender sent. */
#include "config.h"

#include <string.h>

#include "shoal-fec.h"
#include "shoal-receiver.h"
#include "shoal-sender.h"
#include "shoal-simnet.h"

typedef struct
{
  guint64  size;
  guint    k;
  guint    n_receivers;
  guint64  rate;              /* sender pacing, bits/s */
  gint64   limit;             /* virtual-time limit, us */
  ShoalSimLink links[128];
  ShoalSenderConfig sender;   /* filled with defaults, then adjusted by the test */
} Scenario;

typedef struct
{
  ShoalReceiver *rx;
  guint8        *out;
  gboolean       joined;
  gint64         done_at;
} Member;

typedef struct
{
  ShoalSenderStats stats;
  guint    complete;
  guint    ended;
  guint    dropped;
  gint64   end_time;
  Member  *members;
  guint    n;
  guint8  *content;
} Result;

static const guint8 test_key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

static gboolean
read_content (guint64 offset, guint8 *buf, gsize len, gpointer data, GError **error)
{
  memcpy (buf, (guint8 *) data + offset, len);
  return TRUE;
}

static void
scenario_init (Scenario *s, guint64 size, guint k, guint n)
{
  memset (s, 0, sizeof *s);
  s->size = size;
  s->k = k;
  s->n_receivers = n;
  s->rate = 100 * 1000 * 1000;
  s->limit = 600 * G_USEC_PER_SEC;
  for (guint i = 0; i < G_N_ELEMENTS (s->links); i++)
    s->links[i].delay = 500;
  shoal_sender_config_init (&s->sender);
  s->sender.start_immediately = TRUE;
}

static void
process_ready (ShoalReceiver *rx, guint8 *out, const guint8 *content, const ShoalLayout *l,
               ShoalFec *fec, ShoalFec *fec_last)
{
  ShoalReadyBlock *ready;
  g_autofree guint8 *buf = g_malloc ((gsize) l->k * l->symbol_size);

  while ((ready = shoal_receiver_take_ready (rx)) != NULL)
    {
      guint64 off = shoal_layout_block_offset (l, ready->block);
      guint len = shoal_layout_block_len (l, ready->block);
      ShoalFec *f = ready->k == l->k ? fec : fec_last;
      gboolean ok = shoal_ready_block_decode (ready, f, buf);

      g_assert_true (ok);
      memcpy (out + off, buf, len);
      /* Stands in for the manifest's block hash. */
      shoal_receiver_block_verified (rx, ready, memcmp (buf, content + off, len) == 0);
    }
}

static void
run (Scenario *s, Result *res)
{
  ShoalLayout layout = { s->size, 1404, s->k };
  g_autoptr(ShoalSimNet) net = shoal_simnet_new (42);
  g_autoptr(ShoalSender) sender = NULL;
  g_autoptr(ShoalFec) fec = shoal_fec_new (s->k, layout.symbol_size);
  g_autoptr(ShoalFec) fec_last = NULL;
  guint8 *buf = g_malloc (64 * 1500);
  gint64 now = 0, link_free = 0, sender_wake = 0;
  GRand *rand = g_rand_new_with_seed (7);
  guint last_k = shoal_layout_block_k (&layout, shoal_layout_n_blocks (&layout) - 1);

  memset (res, 0, sizeof *res);
  res->content = g_malloc (s->size);
  for (guint64 i = 0; i < s->size; i++)
    res->content[i] = g_rand_int (rand) & 0xff;
  g_rand_free (rand);
  fec_last = shoal_fec_new (last_k, layout.symbol_size);

  s->sender.session_id = 0x5eed;
  s->sender.instance_id = 0x1234;
  memcpy (s->sender.key, test_key, 32);
  s->sender.layout = layout;
  if (s->sender.max_rate == 0)
    s->sender.max_rate = s->rate;
  sender = shoal_sender_new (&s->sender, read_content, res->content);

  res->n = s->n_receivers;
  res->members = g_new0 (Member, s->n_receivers);
  for (guint i = 0; i < s->n_receivers; i++)
    {
      ShoalReceiverConfig rc;

      shoal_receiver_config_init (&rc);
      rc.session_id = 0x5eed;
      memcpy (rc.key, test_key, 32);
      rc.layout = layout;
      rc.client_id = 1000 + i;
      rc.seed = i;
      g_snprintf (rc.hostname, sizeof rc.hostname, "pc%03u", i);
      res->members[i].rx = shoal_receiver_new (&rc);
      res->members[i].out = g_malloc0 (s->size);
      shoal_simnet_add_receiver (net, &s->links[i]);
    }

  while (now <= s->limit)
    {
      ShoalSimEvent *ev;
      gint64 next = G_MAXINT64;
      gboolean all_done = TRUE;

      while ((ev = shoal_simnet_pop (net, now)) != NULL)
        {
          if (ev->dest < 0)
            {
              shoal_sender_handle_datagram (sender, ev->data, ev->len, NULL, 0, now);
              sender_wake = MIN (sender_wake, now);
            }
          else
            {
              Member *m = &res->members[ev->dest];
              shoal_receiver_handle_datagram (m->rx, ev->data, ev->len, NULL, 0, now);
              process_ready (m->rx, m->out, res->content, &layout, fec, fec_last);
            }
          shoal_simnet_event_free (ev);
        }

      for (guint i = 0; i < res->n; i++)
        {
          Member *m = &res->members[i];
          ShoalReceiverState st;
          const struct sockaddr *dest;
          socklen_t dest_len;
          gsize len;
          gint64 t;

          if (!shoal_simnet_is_alive (net, i, now))
            continue;
          st = shoal_receiver_get_state (m->rx);
          if (st == SHOAL_RECEIVER_ENDED || st == SHOAL_RECEIVER_DROPPED)
            shoal_receiver_leave (m->rx, SHOAL_MEMBER_FALLBACK, now);
          while ((len = shoal_receiver_next_report (m->rx, now, buf, 1500, &dest, &dest_len)) > 0)
            shoal_simnet_unicast (net, i, now, buf, len);
          if (shoal_receiver_get_state (m->rx) >= SHOAL_RECEIVER_COMPLETE && m->done_at == 0)
            m->done_at = now;
          t = shoal_receiver_next_timeout (m->rx);
          if (t >= 0)
            next = MIN (next, MAX (t, now + 1));
        }

      if (now >= sender_wake && now >= link_free && !shoal_sender_is_finished (sender))
        {
          gsize seg = 0, len;
          gint64 wake;

          len = shoal_sender_next_run (sender, now, buf, 64 * 1500, &seg, &wake, NULL);
          if (len > 0)
            {
              guint64 rate = shoal_sender_get_rate (sender);
              gint64 t = MAX (now, link_free);

              for (gsize off = 0; off < len; off += seg)
                {
                  gsize dl = MIN (seg, len - off);
                  shoal_simnet_multicast (net, t, buf + off, dl);
                  /* Rounded up: a short STATUS at 1 Gbit/s still takes time. */
                  t += (gint64) (((dl + 28) * 8 * G_USEC_PER_SEC + rate - 1) / rate);
                }
              link_free = t;
              sender_wake = t;
            }
          else
            sender_wake = wake < 0 ? G_MAXINT64 : MAX (wake, now + 1);
        }
      if (!shoal_sender_is_finished (sender))
        {
          all_done = FALSE;
          next = MIN (next, MAX (sender_wake, link_free));
        }
      next = MIN (next, shoal_simnet_next_time (net));
      if (all_done && next == G_MAXINT64)
        break;
      if (all_done && shoal_simnet_next_time (net) == G_MAXINT64)
        break;
      g_assert_cmpint (next, >, now);
      now = next;
    }
  g_free (buf);
  res->end_time = now;
  shoal_sender_get_stats (sender, &res->stats);
  for (guint i = 0; i < res->n; i++)
    {
      ShoalReceiverState st = shoal_receiver_get_state (res->members[i].rx);
      if (st == SHOAL_RECEIVER_COMPLETE || st == SHOAL_RECEIVER_FINISHED)
        res->complete++;
      else if (st == SHOAL_RECEIVER_DROPPED)
        res->dropped++;
      else
        res->ended++;
    }
}

static void
result_clear (Result *res)
{
  for (guint i = 0; i < res->n; i++)
    {
      shoal_receiver_free (res->members[i].rx);
      g_free (res->members[i].out);
    }
  g_free (res->members);
  g_free (res->content);
}

static void
assert_member_exact (Result *res, guint i, guint64 size)
{
  g_assert_true (memcmp (res->members[i].out, res->content, size) == 0);
}

static double
overhead (Result *res, guint64 size)
{
  return (double) (res->stats.source_bytes + res->stats.repair_bytes + res->stats.proactive_bytes)
         / size;
}

static void
report (const char *what, Result *res, guint64 size)
{
  g_test_message ("%s: %u complete, %u dropped, %u ended; payload %.4fx the size "
                  "(repair %" G_GUINT64_FORMAT " B); %.2f s virtual",
                  what, res->complete, res->dropped, res->ended, overhead (res, size),
                  res->stats.repair_bytes, res->end_time / 1e6);
}

static void
test_no_loss (void)
{
  Scenario s;
  Result res;

  scenario_init (&s, 3 * 1000 * 1000 + 17, 128, 3);
  run (&s, &res);
  report ("no loss", &res, s.size);
  g_assert_cmpuint (res.complete, ==, 3);
  for (guint i = 0; i < 3; i++)
    assert_member_exact (&res, i, s.size);
  g_assert_cmpuint (res.stats.repair_bytes, ==, 0);
  g_assert_cmpuint (res.stats.source_bytes, ==, s.size);
  g_assert_cmpint (res.stats.state, ==, SHOAL_SESSION_DONE);
  result_clear (&res);
}

/* The bar: at 1 % loss per client the sender's payload stays within 1.03x. */
static void
test_one_percent (void)
{
  Scenario s;
  Result res;

  scenario_init (&s, 16 * 1024 * 1024, 128, 3);
  for (guint i = 0; i < 3; i++)
    s.links[i].loss = 0.01;
  run (&s, &res);
  report ("1% loss", &res, s.size);
  g_assert_cmpuint (res.complete, ==, 3);
  for (guint i = 0; i < 3; i++)
    assert_member_exact (&res, i, s.size);
  g_assert_cmpfloat (overhead (&res, s.size), <=, 1.03);
  result_clear (&res);
}

static void
test_hundred_receivers (void)
{
  Scenario s;
  Result res;

  scenario_init (&s, 2 * 1024 * 1024, 64, 100);
  for (guint i = 0; i < 100; i++)
    s.links[i].loss = 0.20 * i / 99;
  run (&s, &res);
  report ("100 receivers, 0-20% loss", &res, s.size);
  g_assert_cmpuint (res.complete, ==, 100);
  for (guint i = 0; i < 100; i++)
    assert_member_exact (&res, i, s.size);
  /* Parity serves the worst receivers: 20 % loss needs 1.25x, and the maximum need over
   * the ten receivers near 20 % adds about two standard deviations per 64-symbol block.
   * Resending lost packets would serve the union of 100 receivers' losses: nearly every
   * packet, so about 2x. */
  g_assert_cmpfloat (overhead (&res, s.size), <=, 1.55);
  result_clear (&res);
}

static void
test_burst_loss (void)
{
  Scenario s;
  Result res;

  scenario_init (&s, 8 * 1024 * 1024, 128, 4);
  for (guint i = 0; i < 4; i++)
    {
      s.links[i].burst_enter = 0.005;
      s.links[i].burst_exit = 0.1;    /* bursts of ~10 datagrams, ~5 % of the time */
      s.links[i].burst_loss = 1.0;
      s.links[i].jitter = 200;
    }
  run (&s, &res);
  report ("burst loss", &res, s.size);
  g_assert_cmpuint (res.complete, ==, 4);
  for (guint i = 0; i < 4; i++)
    assert_member_exact (&res, i, s.size);
  /* ~5 % loss in bursts of ~10 concentrates in a few symbols of one block each. */
  g_assert_cmpfloat (overhead (&res, s.size), <=, 1.25);
  result_clear (&res);
}

static void
test_late_joiners (void)
{
  Scenario s;
  Result res;
  guint64 size = 8 * 1024 * 1024;
  /* One pass at 100 Mbit/s takes about size * 8 / 1e8 s (plus headers). */
  gint64 pass = (gint64) (size * 8 * 1.04 / 100);
  const double at[] = { 0.0, 0.10, 0.50, 0.90 };

  scenario_init (&s, size, 128, 4);
  for (guint i = 0; i < 4; i++)
    {
      s.links[i].join_at = (gint64) (pass * at[i]);
      s.links[i].loss = 0.01;
    }
  run (&s, &res);
  report ("late joiners at 10/50/90%", &res, s.size);
  g_assert_cmpuint (res.complete, ==, 4);
  for (guint i = 0; i < 4; i++)
    assert_member_exact (&res, i, s.size);
  /* The latest joiner needs 90 % again: about 1.9x in all, one session. */
  g_assert_cmpfloat (overhead (&res, s.size), <=, 2.05);
  g_assert_cmpint (res.stats.state, ==, SHOAL_SESSION_DONE);
  result_clear (&res);
}

static void
test_dead_receiver (void)
{
  Scenario s;
  Result res;
  guint64 size = 4 * 1024 * 1024;

  scenario_init (&s, size, 128, 3);
  s.links[2].dies_at = (gint64) (size * 8 / 100 * 0.3);
  s.sender.silence_timeout = 2 * G_USEC_PER_SEC;
  for (guint i = 0; i < 3; i++)
    s.links[i].loss = 0.02;
  run (&s, &res);
  report ("dead receiver", &res, s.size);
  g_assert_cmpuint (res.complete, ==, 2);
  assert_member_exact (&res, 0, s.size);
  assert_member_exact (&res, 1, s.size);
  g_assert_cmpint (res.stats.state, ==, SHOAL_SESSION_DONE);
  /* Dropped once silent, the session ends without waiting for the dead one. */
  g_assert_cmpint (res.end_time, <, 10 * G_USEC_PER_SEC);
  result_clear (&res);
}

static void
test_start_min_clients (void)
{
  Scenario s;
  Result res;

  scenario_init (&s, 1024 * 1024, 128, 3);
  s.sender.start_immediately = FALSE;
  s.sender.min_clients = 3;
  s.links[0].join_at = 0;
  s.links[1].join_at = 1 * G_USEC_PER_SEC;
  s.links[2].join_at = 5 * G_USEC_PER_SEC;
  run (&s, &res);
  g_assert_cmpuint (res.complete, ==, 3);
  /* Waited for the third client, then sent the package exactly once. */
  g_assert_cmpint (res.stats.started_at, >=, 5 * G_USEC_PER_SEC);
  g_assert_cmpint (res.stats.started_at, <, 6 * G_USEC_PER_SEC);
  g_assert_cmpuint (res.stats.source_bytes, ==, s.size);
  g_assert_cmpuint (res.stats.repair_bytes, ==, 0);
  result_clear (&res);
}

static void
test_start_max_wait (void)
{
  Scenario s;
  Result res;

  scenario_init (&s, 1024 * 1024, 128, 2);
  s.sender.start_immediately = FALSE;
  s.sender.min_clients = 5;                  /* never reached */
  s.sender.max_wait = 3 * G_USEC_PER_SEC;    /* so this rule starts it */
  s.links[0].join_at = 1 * G_USEC_PER_SEC;
  s.links[1].join_at = 2 * G_USEC_PER_SEC;
  run (&s, &res);
  g_assert_cmpuint (res.complete, ==, 2);
  /* First join is heard at about 1 s; the session starts 3 s later. */
  g_assert_cmpint (res.stats.started_at, >=, 4 * G_USEC_PER_SEC);
  g_assert_cmpint (res.stats.started_at, <, 4 * G_USEC_PER_SEC + 300000);
  result_clear (&res);
}

static void
test_max_clients (void)
{
  Scenario s;
  Result res;

  scenario_init (&s, 8 * 1024 * 1024, 128, 3);
  s.sender.start_immediately = FALSE;
  s.sender.min_clients = 2;
  s.sender.max_clients = 2;
  s.links[2].join_at = 200000;   /* mid-session, and one too many */
  run (&s, &res);
  g_assert_cmpuint (res.complete, ==, 2);
  g_assert_cmpuint (res.dropped, ==, 1);
  {
    ShoalReceiverStats st;
    shoal_receiver_get_stats (res.members[2].rx, &st);
    g_assert_cmpuint (st.drop_reason, ==, SHOAL_DROP_SESSION_FULL);
  }
  result_clear (&res);
}

static void
test_slow_client (gconstpointer data)
{
  gboolean drop = GPOINTER_TO_INT (data);
  Scenario s;
  Result res;

  /* A pass takes ~2.8 s; the bad client is found out within the first second. */
  scenario_init (&s, 32 * 1024 * 1024, 128, 3);
  s.links[2].loss = 0.30;
  s.sender.drop_slow = drop;
  s.sender.slow_loss_permille = 150;
  s.sender.slow_grace = 500 * 1000;
  run (&s, &res);
  report (drop ? "slow client dropped" : "slow client kept", &res, s.size);
  assert_member_exact (&res, 0, s.size);
  assert_member_exact (&res, 1, s.size);
  if (drop)
    {
      g_assert_cmpuint (res.complete, ==, 2);
      g_assert_cmpuint (res.dropped, ==, 1);
      /* The good ones did not pay for the bad one. */
      g_assert_cmpfloat (overhead (&res, s.size), <=, 1.25);
    }
  else
    {
      g_assert_cmpuint (res.complete, ==, 3);
      assert_member_exact (&res, 2, s.size);
    }
  result_clear (&res);
}

static void
test_adaptive_rate (void)
{
  Scenario s;
  Result res;

  scenario_init (&s, 32 * 1024 * 1024, 128, 2);
  s.rate = 1000 * 1000 * 1000;
  s.sender.max_rate = s.rate;
  s.sender.min_rate = 10 * 1000 * 1000;
  s.sender.adaptive = TRUE;
  s.links[1].rate = 100 * 1000 * 1000;  /* a 100 Mbit/s bottleneck ahead of one receiver */
  s.links[1].queue_bytes = 256 * 1024;
  run (&s, &res);
  report ("adaptive rate", &res, s.size);
  g_test_message ("final rate %.1f Mbit/s", res.stats.rate / 1e6);
  g_assert_cmpuint (res.complete, ==, 2);
  assert_member_exact (&res, 0, s.size);
  assert_member_exact (&res, 1, s.size);
  /* Settled near the bottleneck, without flooding it for long. */
  g_assert_cmpuint (res.stats.rate, <, 200 * 1000 * 1000);
  g_assert_cmpuint (res.stats.rate, >, 50 * 1000 * 1000);
  g_assert_cmpfloat (overhead (&res, s.size), <=, 1.5);
  result_clear (&res);
}

/* Back-pressure: a receiver whose writer stalls (its ready blocks are not taken) fills its
 * block buffer; its reports say so and the sender holds its data until the writer catches
 * up, so nothing is dropped. With @stall_us beyond max_hold, the sender gives up waiting at
 * max_hold and the receiver repairs what it had to drop. Sender and receiver are wired
 * directly, in virtual time, one millisecond a step. */
static void
test_backpressure (gconstpointer data)
{
  gint64 stall_us = GPOINTER_TO_SIZE (data) * 1000;
  ShoalLayout layout = { 360 * 16 * 1404, 1404, 16 };   /* whole blocks only */
  ShoalReceiverConfig rc;
  ShoalSenderConfig sc;
  g_autoptr(ShoalReceiver) rx = NULL;
  g_autoptr(ShoalSender) tx = NULL;
  g_autoptr(ShoalFec) fec = shoal_fec_new (16, 1404);
  g_autofree guint8 *content = g_malloc (layout.total_size);
  g_autofree guint8 *out = g_malloc0 (layout.total_size);
  g_autofree guint8 *buf = g_malloc (64 * 1600);
  ShoalReceiverStats st;
  ShoalSenderStats ss;
  guint64 sent_while_stalled_late = 0;
  gint64 now = 1000, credit = 0;

  for (guint64 i = 0; i < layout.total_size; i++)
    content[i] = (guint8) (i * 2654435761u >> 13);
  shoal_receiver_config_init (&rc);
  rc.session_id = 7;
  rc.layout = layout;
  memcpy (rc.key, test_key, 32);
  rc.max_buffered = 64 * 16 * 1404;         /* 64 blocks: 115 ms of sending */
  shoal_sender_config_init (&sc);
  sc.session_id = 7;
  sc.layout = layout;
  memcpy (sc.key, test_key, 32);
  sc.start_immediately = TRUE;
  sc.max_rate = 100 * 1000 * 1000;
  sc.max_hold = 2 * G_USEC_PER_SEC;
  rx = shoal_receiver_new (&rc);
  tx = shoal_sender_new (&sc, read_content, content);

  for (; now < 60 * G_USEC_PER_SEC; now += 1000)
    {
      gboolean stalled = now < stall_us;
      /* Pacing: this millisecond's bytes at the rate the sender paces at now, carrying over
       * what the last run overdrew. */
      credit = MIN (credit, 0) + (gint64) (shoal_sender_get_send_rate (tx, now) / 8 / 1000);
      const struct sockaddr *dest;
      socklen_t dest_len;
      gsize len, seg;
      gint64 wake;

      while (credit > 0)
        {
          len = shoal_sender_next_run (tx, now, buf, 64 * 1600, &seg, &wake, NULL);
          if (len == 0)
            break;
          for (gsize off = 0; off < len; off += seg)
            shoal_receiver_handle_datagram (rx, buf + off, MIN (seg, len - off), NULL, 0, now);
          if (stalled && now > sc.max_hold + 100 * 1000)
            sent_while_stalled_late += len;
          credit -= (gint64) len;
        }
      if (!stalled)
        process_ready (rx, out, content, &layout, fec, NULL);
      while ((len = shoal_receiver_next_report (rx, now, buf, 64 * 1600, &dest, &dest_len)) > 0)
        shoal_sender_handle_datagram (tx, buf, len, NULL, 0, now);
      if (shoal_receiver_get_state (rx) == SHOAL_RECEIVER_COMPLETE)
        break;
    }
  shoal_receiver_get_stats (rx, &st);
  shoal_sender_get_stats (tx, &ss);
  g_test_message ("stall %" G_GINT64_FORMAT " ms: done at %" G_GINT64_FORMAT " ms, %"
                  G_GUINT64_FORMAT " holds, held %" G_GINT64_FORMAT " ms, %" G_GUINT64_FORMAT
                  " dropped with the buffer full, %" G_GUINT64_FORMAT " repair bytes",
                  stall_us / 1000, now / 1000, ss.holds, ss.held_us / 1000,
                  st.dropped_no_memory, ss.repair_bytes);
  g_assert_cmpint (shoal_receiver_get_state (rx), ==, SHOAL_RECEIVER_COMPLETE);
  g_assert_true (memcmp (out, content, layout.total_size) == 0);
  g_assert_cmpuint (ss.holds, >=, 1);
  if (stall_us < sc.max_hold)
    {
      /* Held for about the stall, and nothing was lost. */
      g_assert_cmpuint (st.dropped_no_memory, ==, 0);
      g_assert_cmpuint (ss.repair_bytes, ==, 0);
      g_assert_cmpint (ss.held_us, >=, stall_us / 2);
    }
  else
    {
      /* It stopped waiting after max_hold: sending went on and the receiver repaired. */
      g_assert_cmpuint (sent_while_stalled_late, >, 0);
      g_assert_cmpuint (st.dropped_no_memory, >, 0);
      g_assert_cmpuint (ss.repair_bytes, >, 0);
      g_assert_cmpint (ss.held_us, <=, sc.max_hold + 200 * 1000);
    }
}

/* Garbage, truncations and forgeries are counted and ignored, never crash. */
static void
test_malformed (void)
{
  ShoalReceiverConfig rc;
  ShoalSenderConfig sc;
  g_autoptr(ShoalReceiver) rx = NULL;
  g_autoptr(ShoalSender) tx = NULL;
  ShoalReceiverStats st;
  ShoalSenderStats ss;
  guint8 buf[1500], good[1500];
  gsize seg, len;
  gint64 wake;
  guint8 content[5000] = { 0 };
  GRand *rand = g_rand_new_with_seed (3);

  shoal_receiver_config_init (&rc);
  rc.session_id = 9;
  rc.layout = (ShoalLayout) { sizeof content, 1404, 4 };
  shoal_sender_config_init (&sc);
  sc.session_id = 9;
  sc.layout = rc.layout;
  sc.start_immediately = TRUE;
  rx = shoal_receiver_new (&rc);
  tx = shoal_sender_new (&sc, read_content, content);
  len = shoal_sender_next_run (tx, 0, good, sizeof good, &seg, &wake, NULL);   /* STATUS */
  len = shoal_sender_next_run (tx, 1, good, sizeof good, &seg, &wake, NULL);   /* DATA */
  g_assert_cmpuint (len, >, 0);
  len = seg;
  for (guint i = 0; i < 20000; i++)
    {
      gsize n = g_rand_int_range (rand, 0, len + 8);
      memcpy (buf, good, MIN (n, len));
      if (n > len)
        memset (buf + len, 0xa5, n - len);
      buf[g_rand_int_range (rand, 0, MAX (1, (gint) MIN (n, len)))] ^= 1 << g_rand_int_range (rand, 0, 8);
      shoal_receiver_handle_datagram (rx, buf, n, NULL, 0, 2);
      shoal_sender_handle_datagram (tx, buf, n, NULL, 0, 2);
    }
  g_rand_free (rand);
  shoal_receiver_get_stats (rx, &st);
  shoal_sender_get_stats (tx, &ss);
  g_assert_cmpuint (st.bad_packets, >, 19000);
  g_assert_cmpuint (st.bytes_received, ==, 0);
  g_assert_cmpuint (ss.bad_packets, ==, 20000);
  /* The untouched packet is still accepted. */
  shoal_receiver_handle_datagram (rx, good, len, NULL, 0, 3);
  shoal_receiver_get_stats (rx, &st);
  g_assert_cmpuint (st.bytes_received, ==, 1404);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/transfer/no-loss", test_no_loss);
  g_test_add_func ("/engine/repair/one-percent", test_one_percent);
  g_test_add_func ("/engine/repair/hundred-receivers", test_hundred_receivers);
  g_test_add_func ("/engine/repair/burst-loss", test_burst_loss);
  g_test_add_func ("/engine/carousel/late-joiners", test_late_joiners);
  g_test_add_func ("/engine/members/dead-receiver", test_dead_receiver);
  g_test_add_func ("/engine/start/min-clients", test_start_min_clients);
  g_test_add_func ("/engine/start/max-wait", test_start_max_wait);
  g_test_add_func ("/engine/start/max-clients", test_max_clients);
  g_test_add_data_func ("/engine/slow/drop", GINT_TO_POINTER (TRUE), test_slow_client);
  g_test_add_data_func ("/engine/slow/keep", GINT_TO_POINTER (FALSE), test_slow_client);
  g_test_add_func ("/engine/rate/adaptive", test_adaptive_rate);
  g_test_add_data_func ("/engine/backpressure/hold", GSIZE_TO_POINTER (800),
                        test_backpressure);
  g_test_add_data_func ("/engine/backpressure/give-up", GSIZE_TO_POINTER (5000),
                        test_backpressure);
  g_test_add_func ("/engine/protocol/malformed", test_malformed);
  return g_test_run ();
}
