/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The throughput graph's data, without a display: the sample ring and the rate history stay
 * within a fixed memory however long a session runs, and give back what went in. */
#include "config.h"

#include <malloc.h>

#include "shoal-rate-history.h"
#include "shoal-sample-ring.h"

static void
test_ring_order (void)
{
  g_autoptr(ShoalSampleRing) ring = shoal_sample_ring_new (4);

  g_assert_cmpuint (shoal_sample_ring_get_length (ring), ==, 0);
  g_assert_null (shoal_sample_ring_get_last (ring));
  g_assert_cmpfloat (shoal_sample_ring_max_since (ring, 0), ==, 0);
  for (int i = 1; i <= 6; i++)
    shoal_sample_ring_push (ring, i * 10, i * 1.5);
  /* Six in, four kept: the two oldest are gone, the rest in order. */
  g_assert_cmpuint (shoal_sample_ring_get_length (ring), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      g_assert_cmpint (shoal_sample_ring_get (ring, i)->time, ==, (i + 3) * 10);
      g_assert_cmpfloat (shoal_sample_ring_get (ring, i)->value, ==, (i + 3) * 1.5);
    }
  g_assert_cmpint (shoal_sample_ring_get_last (ring)->time, ==, 60);
  g_assert_cmpuint (shoal_sample_ring_find (ring, 0), ==, 0);
  g_assert_cmpuint (shoal_sample_ring_find (ring, 40), ==, 1);
  g_assert_cmpuint (shoal_sample_ring_find (ring, 41), ==, 2);
  g_assert_cmpuint (shoal_sample_ring_find (ring, 61), ==, 4);
  g_assert_cmpfloat (shoal_sample_ring_max_since (ring, 0), ==, 9.0);
  g_assert_cmpfloat (shoal_sample_ring_max_since (ring, 55), ==, 9.0);
  g_assert_cmpfloat (shoal_sample_ring_max_since (ring, 61), ==, 0);
  shoal_sample_ring_clear (ring);
  g_assert_cmpuint (shoal_sample_ring_get_length (ring), ==, 0);
}

static size_t
heap_in_use (void)
{
  struct mallinfo2 mi = mallinfo2 ();

  return mi.uordblks + mi.hblkhd;
}

/* 100000 samples, about 28 hours at one a second: the heap does not grow by a byte. */
static void
test_ring_bounded (void)
{
  g_autoptr(ShoalSampleRing) ring = shoal_sample_ring_new (600);
  size_t before, after;

  shoal_sample_ring_push (ring, 0, 0);
  before = heap_in_use ();
  for (int i = 1; i < 100000; i++)
    shoal_sample_ring_push (ring, (gint64) i * G_USEC_PER_SEC, i);
  after = heap_in_use ();
  g_test_message ("heap in use: %zu bytes before, %zu after 100000 samples", before, after);
  g_assert_cmpuint (after, ==, before);
  g_assert_cmpuint (shoal_sample_ring_get_length (ring), ==, 600);
  g_assert_cmpfloat (shoal_sample_ring_get (ring, 0)->value, ==, 100000 - 600);
  g_assert_cmpfloat (shoal_sample_ring_get_last (ring)->value, ==, 99999);
}

static void
count_changed (ShoalRateHistory *history, guint *n)
{
  (*n)++;
}

/* A session's history with 50 clients: series are created once, and then 10000 rounds of
 * samples cost no memory. */
static void
test_history_bounded (void)
{
  g_autoptr(ShoalRateHistory) history = shoal_rate_history_new (SHOAL_RATE_HISTORY_CAPACITY);
  guint changed = 0;
  size_t before = 0, after;
  char labels[50][16];

  g_signal_connect (history, "changed", G_CALLBACK (count_changed), &changed);
  for (guint c = 0; c < 50; c++)
    g_snprintf (labels[c], sizeof labels[c], "pc%02u", c);
  for (gint64 t = 1; t <= 10000; t++)
    {
      gint64 now = t * G_USEC_PER_SEC;

      shoal_rate_history_push (history, SHOAL_SERIES_SENT, 0, "sent", now, 100e6);
      shoal_rate_history_push (history, SHOAL_SERIES_REPAIR, 0, "repair", now, 5e6);
      for (guint c = 0; c < 50; c++)
        shoal_rate_history_push (history, SHOAL_SERIES_CLIENT, 1000 + c, labels[c], now,
                                 c * 1e6 + t);
      if (t == 1)
        before = heap_in_use ();
    }
  after = heap_in_use ();
  g_test_message ("heap in use: %zu bytes after the first round, %zu after 10000", before,
                  after);
  g_assert_cmpuint (after, ==, before);
  g_assert_cmpuint (shoal_rate_history_get_n_series (history), ==, 52);
  g_assert_cmpint (shoal_rate_history_get_origin (history), ==, G_USEC_PER_SEC);
  for (guint i = 0; i < 52; i++)
    {
      const ShoalRateSeries *s = shoal_rate_history_get_series (history, i);

      g_assert_cmpuint (shoal_sample_ring_get_length (s->ring), ==, SHOAL_RATE_HISTORY_CAPACITY);
      g_assert_cmpint (shoal_sample_ring_get_last (s->ring)->time, ==,
                       (gint64) 10000 * G_USEC_PER_SEC);
      if (s->kind == SHOAL_SERIES_CLIENT)
        {
          /* Colours follow join order and never collide with the sender's two. */
          g_assert_cmpuint (s->colour, ==, 2 + (s->client_id - 1000));
          g_assert_cmpfloat (shoal_sample_ring_get_last (s->ring)->value, ==,
                             (s->client_id - 1000) * 1e6 + 10000);
        }
    }
  /* Nothing sampled from a session here: "changed" is the sampler's signal. */
  g_assert_cmpuint (changed, ==, 0);
}

/* A client's label follows its hostname once the session learns it. */
static void
test_history_relabel (void)
{
  g_autoptr(ShoalRateHistory) history = shoal_rate_history_new (8);
  const ShoalRateSeries *s;

  shoal_rate_history_push (history, SHOAL_SERIES_CLIENT, 7, "client 00000007", 1, 0);
  shoal_rate_history_push (history, SHOAL_SERIES_CLIENT, 7, "pc-lab-07", 2, 1e6);
  g_assert_cmpuint (shoal_rate_history_get_n_series (history), ==, 1);
  s = shoal_rate_history_get_series (history, 0);
  g_assert_cmpstr (s->label, ==, "pc-lab-07");
  g_assert_cmpuint (shoal_sample_ring_get_length (s->ring), ==, 2);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/graph/ring/order", test_ring_order);
  g_test_add_func ("/ui/graph/ring/bounded", test_ring_bounded);
  g_test_add_func ("/ui/graph/history/bounded", test_history_bounded);
  g_test_add_func ("/ui/graph/history/relabel", test_history_relabel);
  return g_test_run ();
}
