/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A fixed-size ring of timed samples. The storage is allocated once, with the ring; the
 * oldest sample is overwritten when it is full. */
#include "config.h"

#include "shoal-sample-ring.h"

struct _ShoalSampleRing
{
  guint       capacity;
  guint       head;       /* index of the oldest sample */
  guint       length;
  ShoalSample samples[];
};

ShoalSampleRing *
shoal_sample_ring_new (guint capacity)
{
  ShoalSampleRing *ring;

  g_return_val_if_fail (capacity > 0, NULL);

  ring = g_malloc0 (sizeof *ring + (gsize) capacity * sizeof (ShoalSample));
  ring->capacity = capacity;
  return ring;
}

void
shoal_sample_ring_free (ShoalSampleRing *ring)
{
  g_free (ring);
}

void
shoal_sample_ring_push (ShoalSampleRing *ring,
                        gint64           time,
                        double           value)
{
  ShoalSample *s;

  g_return_if_fail (ring != NULL);

  if (ring->length < ring->capacity)
    s = &ring->samples[(ring->head + ring->length++) % ring->capacity];
  else
    {
      s = &ring->samples[ring->head];
      ring->head = (ring->head + 1) % ring->capacity;
    }
  s->time = time;
  s->value = value;
}

void
shoal_sample_ring_clear (ShoalSampleRing *ring)
{
  g_return_if_fail (ring != NULL);

  ring->head = 0;
  ring->length = 0;
}

guint
shoal_sample_ring_get_length (const ShoalSampleRing *ring)
{
  g_return_val_if_fail (ring != NULL, 0);

  return ring->length;
}

guint
shoal_sample_ring_get_capacity (const ShoalSampleRing *ring)
{
  g_return_val_if_fail (ring != NULL, 0);

  return ring->capacity;
}

/* The @i-th sample, 0 being the oldest kept. */
const ShoalSample *
shoal_sample_ring_get (const ShoalSampleRing *ring,
                       guint                  i)
{
  g_return_val_if_fail (ring != NULL, NULL);
  g_return_val_if_fail (i < ring->length, NULL);

  return &ring->samples[(ring->head + i) % ring->capacity];
}

const ShoalSample *
shoal_sample_ring_get_last (const ShoalSampleRing *ring)
{
  g_return_val_if_fail (ring != NULL, NULL);

  return ring->length ? shoal_sample_ring_get (ring, ring->length - 1) : NULL;
}

/* Index of the first sample at or after @time (the length if none): a binary search, so the
 * graph finds its visible window without walking the whole history. */
guint
shoal_sample_ring_find (const ShoalSampleRing *ring,
                        gint64                 time)
{
  guint lo = 0, hi;

  g_return_val_if_fail (ring != NULL, 0);

  hi = ring->length;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;

      if (shoal_sample_ring_get (ring, mid)->time < time)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* The largest value among samples at or after @since; 0 when there are none. */
double
shoal_sample_ring_max_since (const ShoalSampleRing *ring,
                             gint64                 since)
{
  double max = 0;

  g_return_val_if_fail (ring != NULL, 0);

  for (guint i = shoal_sample_ring_find (ring, since); i < ring->length; i++)
    max = MAX (max, shoal_sample_ring_get (ring, i)->value);
  return max;
}
