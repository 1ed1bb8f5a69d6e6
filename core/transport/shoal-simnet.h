/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A simulated network in virtual time: one sender, many receivers, each link with its own
 * loss (independent or bursty), delay, jitter (reordering), bottleneck and lifetime. Used by
 * the engine tests and the demo when no multicast-capable interface exists. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double  loss;          /* independent loss, sender -> receiver */
  double  burst_enter;   /* Gilbert-Elliott: P(good -> bad) per datagram */
  double  burst_exit;    /* P(bad -> good) per datagram */
  double  burst_loss;    /* loss while bad */
  double  ctrl_loss;     /* receiver -> sender */
  gint64  delay;         /* one way, us */
  gint64  jitter;        /* extra 0..jitter us per datagram: reorders */
  guint64 rate;          /* receiver's own bottleneck, bits/s; 0: none */
  gsize   queue_bytes;   /* the bottleneck's queue; datagrams beyond it are lost */
  gint64  join_at;       /* datagrams before this are not seen */
  gint64  dies_at;       /* 0: never; afterwards the receiver neither hears nor speaks */
} ShoalSimLink;

typedef struct
{
  gint64  time;
  gint    dest;          /* -1: the sender; otherwise a receiver index */
  gint    from;          /* receiver index for control; -1 from the sender */
  gsize   len;
  guint8 *data;
} ShoalSimEvent;

typedef struct _ShoalSimNet ShoalSimNet;

ShoalSimNet *shoal_simnet_new          (guint32             seed);
void         shoal_simnet_free         (ShoalSimNet        *net);
guint        shoal_simnet_add_receiver (ShoalSimNet        *net,
                                        const ShoalSimLink *link);
gboolean     shoal_simnet_is_alive     (ShoalSimNet        *net,
                                        guint               receiver,
                                        gint64              now);
void         shoal_simnet_multicast    (ShoalSimNet        *net,
                                        gint64              depart,
                                        const guint8       *data,
                                        gsize               len);
void         shoal_simnet_unicast      (ShoalSimNet        *net,
                                        guint               receiver,
                                        gint64              now,
                                        const guint8       *data,
                                        gsize               len);
gint64       shoal_simnet_next_time    (ShoalSimNet        *net);
ShoalSimEvent *shoal_simnet_pop        (ShoalSimNet        *net,
                                        gint64              until);
void         shoal_simnet_event_free   (ShoalSimEvent      *event);
guint64      shoal_simnet_get_dropped  (ShoalSimNet        *net,
                                        guint               receiver);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalSimNet, shoal_simnet_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalSimEvent, shoal_simnet_event_free)

G_END_DECLS
