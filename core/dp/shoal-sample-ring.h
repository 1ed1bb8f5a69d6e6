/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A fixed-size ring of timed samples for the throughput graph: pushing never allocates, so a
 * session that runs for hours keeps the same memory and the same drawing cost. Plain GLib. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gint64 time;    /* us, any clock, non-decreasing */
  double value;
} ShoalSample;

typedef struct _ShoalSampleRing ShoalSampleRing;

ShoalSampleRing   *shoal_sample_ring_new          (guint                  capacity);
void               shoal_sample_ring_free         (ShoalSampleRing       *ring);
void               shoal_sample_ring_push         (ShoalSampleRing       *ring,
                                                   gint64                 time,
                                                   double                 value);
void               shoal_sample_ring_clear        (ShoalSampleRing       *ring);
guint              shoal_sample_ring_get_length   (const ShoalSampleRing *ring);
guint              shoal_sample_ring_get_capacity (const ShoalSampleRing *ring);
const ShoalSample *shoal_sample_ring_get          (const ShoalSampleRing *ring,
                                                   guint                  i);
const ShoalSample *shoal_sample_ring_get_last     (const ShoalSampleRing *ring);
guint              shoal_sample_ring_find         (const ShoalSampleRing *ring,
                                                   gint64                 time);
double             shoal_sample_ring_max_since    (const ShoalSampleRing *ring,
                                                   gint64                 since);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalSampleRing, shoal_sample_ring_free)

G_END_DECLS
