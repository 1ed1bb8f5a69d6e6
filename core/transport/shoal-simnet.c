/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A simulated network in virtual time: a binary heap of deliveries, deterministic for a seed. */
#include "config.h"

#include <string.h>

#include "shoal-simnet.h"

typedef struct
{
  ShoalSimLink link;
  gboolean     bad;           /* Gilbert-Elliott state */
  gint64       busy_until;    /* the receiver bottleneck's queue drains until then */
  guint64      dropped;
} Receiver;

struct _ShoalSimNet
{
  GRand     *rand;
  GArray    *receivers;       /* Receiver */
  GPtrArray *heap;            /* ShoalSimEvent*, min-heap on (time, order) */
  guint64    order;
};

/* Ties in time keep send order, so a zero-jitter link never reorders. */
#define EV_ORDER(e) (*(guint64 *) &(e)->data[-(gssize) sizeof (guint64)])

ShoalSimNet *
shoal_simnet_new (guint32 seed)
{
  ShoalSimNet *net = g_new0 (ShoalSimNet, 1);

  net->rand = g_rand_new_with_seed (seed);
  net->receivers = g_array_new (FALSE, TRUE, sizeof (Receiver));
  net->heap = g_ptr_array_new ();
  return net;
}

void
shoal_simnet_event_free (ShoalSimEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->data - sizeof (guint64));
  g_free (event);
}

void
shoal_simnet_free (ShoalSimNet *net)
{
  if (net == NULL)
    return;
  for (guint i = 0; i < net->heap->len; i++)
    shoal_simnet_event_free (g_ptr_array_index (net->heap, i));
  g_ptr_array_unref (net->heap);
  g_array_unref (net->receivers);
  g_rand_free (net->rand);
  g_free (net);
}

guint
shoal_simnet_add_receiver (ShoalSimNet        *net,
                           const ShoalSimLink *link)
{
  Receiver r = { .link = *link };

  g_array_append_val (net->receivers, r);
  return net->receivers->len - 1;
}

gboolean
shoal_simnet_is_alive (ShoalSimNet *net,
                       guint        receiver,
                       gint64       now)
{
  Receiver *r = &g_array_index (net->receivers, Receiver, receiver);

  return now >= r->link.join_at && (r->link.dies_at == 0 || now < r->link.dies_at);
}

static gboolean
before (ShoalSimEvent *a, ShoalSimEvent *b)
{
  return a->time < b->time || (a->time == b->time && EV_ORDER (a) < EV_ORDER (b));
}

static void
push (ShoalSimNet *net, gint64 time, gint dest, gint from, const guint8 *data, gsize len)
{
  ShoalSimEvent *ev = g_new0 (ShoalSimEvent, 1);
  guint8 *block = g_malloc (sizeof (guint64) + len);
  guint i;

  ev->time = time;
  ev->dest = dest;
  ev->from = from;
  ev->len = len;
  ev->data = block + sizeof (guint64);
  memcpy (ev->data, data, len);
  EV_ORDER (ev) = net->order++;
  g_ptr_array_add (net->heap, ev);
  for (i = net->heap->len - 1; i > 0; i = (i - 1) / 2)
    {
      ShoalSimEvent **h = (ShoalSimEvent **) net->heap->pdata;
      guint parent = (i - 1) / 2;
      if (!before (h[i], h[parent]))
        break;
      ShoalSimEvent *t = h[i]; h[i] = h[parent]; h[parent] = t;
    }
}

/* Datagrams that leave the sender at @depart, one after the other as the caller paces them. */
void
shoal_simnet_multicast (ShoalSimNet  *net,
                        gint64        depart,
                        const guint8 *data,
                        gsize         len)
{
  for (guint i = 0; i < net->receivers->len; i++)
    {
      Receiver *r = &g_array_index (net->receivers, Receiver, i);
      gint64 arrive = depart + r->link.delay;
      double p = r->link.loss;

      if (r->link.burst_enter > 0)
        {
          if (r->bad)
            r->bad = g_rand_double (net->rand) >= r->link.burst_exit;
          else
            r->bad = g_rand_double (net->rand) < r->link.burst_enter;
          if (r->bad)
            p = MAX (p, r->link.burst_loss);
        }
      if (r->link.jitter > 0)
        arrive += g_rand_int_range (net->rand, 0, (gint32) r->link.jitter);
      if (!shoal_simnet_is_alive (net, i, arrive) || (p > 0 && g_rand_double (net->rand) < p))
        {
          r->dropped++;
          continue;
        }
      if (r->link.rate > 0)
        {
          gint64 tx = (gint64) (len * 8 * G_USEC_PER_SEC / r->link.rate);
          gint64 start = MAX (arrive, r->busy_until);

          if ((guint64) (start - arrive) * r->link.rate / 8 / G_USEC_PER_SEC > r->link.queue_bytes)
            {
              r->dropped++;
              continue;
            }
          r->busy_until = start + tx;
          arrive = r->busy_until;
        }
      push (net, arrive, i, -1, data, len);
    }
}

void
shoal_simnet_unicast (ShoalSimNet  *net,
                      guint         receiver,
                      gint64        now,
                      const guint8 *data,
                      gsize         len)
{
  Receiver *r = &g_array_index (net->receivers, Receiver, receiver);

  if (!shoal_simnet_is_alive (net, receiver, now)
      || (r->link.ctrl_loss > 0 && g_rand_double (net->rand) < r->link.ctrl_loss))
    return;
  push (net, now + r->link.delay, -1, receiver, data, len);
}

/* The time of the next delivery, or G_MAXINT64 when nothing is in flight. */
gint64
shoal_simnet_next_time (ShoalSimNet *net)
{
  if (net->heap->len == 0)
    return G_MAXINT64;
  return ((ShoalSimEvent *) g_ptr_array_index (net->heap, 0))->time;
}

/* Removes and returns the next delivery due at or before @until, or NULL. */
ShoalSimEvent *
shoal_simnet_pop (ShoalSimNet *net,
                  gint64       until)
{
  ShoalSimEvent **h = (ShoalSimEvent **) net->heap->pdata;
  ShoalSimEvent *top;
  guint n, i = 0;

  if (net->heap->len == 0 || h[0]->time > until)
    return NULL;
  top = h[0];
  n = net->heap->len - 1;
  h[0] = h[n];
  g_ptr_array_set_size (net->heap, n);
  h = (ShoalSimEvent **) net->heap->pdata;
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      if (l < n && before (h[l], h[m])) m = l;
      if (r < n && before (h[r], h[m])) m = r;
      if (m == i)
        break;
      ShoalSimEvent *t = h[i]; h[i] = h[m]; h[m] = t;
      i = m;
    }
  return top;
}

guint64
shoal_simnet_get_dropped (ShoalSimNet *net,
                          guint        receiver)
{
  return g_array_index (net->receivers, Receiver, receiver).dropped;
}
