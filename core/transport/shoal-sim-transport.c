/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A simulated network in real time, inside one process. Every endpoint has an inbox bounded
 * like a socket's receive buffer; datagrams beyond it are lost, as on a real host that
 * cannot keep up. Addresses are from 198.51.100.0/24 (TEST-NET-2), so nobody mistakes them
 * for real hosts. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "shoal-sim-transport.h"

#define SIM_PORT        5000
#define PACKET_OVERHEAD 256     /* what a kernel charges per queued datagram, roughly */

typedef struct
{
  gsize              len;
  struct sockaddr_in from;
  guint8             data[];
} Packet;

typedef struct
{
  GMutex   lock;
  GCond    cond;
  GQueue   packets;
  gsize    bytes;
  gsize    limit;
  gboolean closed;
} Inbox;

struct _ShoalSimHub
{
  gatomicrefcount    ref;
  GMutex             lock;
  GRand             *rand;
  ShoalSimTransport *sender;      /* while open; not a reference */
  GPtrArray         *receivers;   /* open receivers; not references */
  guint              next_host;
  guint64            delivered;
  guint64            lost;
};

struct _ShoalSimTransport
{
  ShoalTransport     parent_instance;

  ShoalSimHub       *hub;
  gboolean           is_sender;
  double             loss;
  struct sockaddr_in addr;
  Inbox              inbox;
  gboolean           opened;
  gint64             next_departure;
};

G_DEFINE_FINAL_TYPE (ShoalSimTransport, shoal_sim_transport, SHOAL_TYPE_TRANSPORT)

ShoalSimHub *
shoal_sim_hub_new (guint32 seed)
{
  ShoalSimHub *hub = g_new0 (ShoalSimHub, 1);

  g_atomic_ref_count_init (&hub->ref);
  g_mutex_init (&hub->lock);
  hub->rand = g_rand_new_with_seed (seed);
  hub->receivers = g_ptr_array_new ();
  hub->next_host = 10;
  return hub;
}

ShoalSimHub *
shoal_sim_hub_ref (ShoalSimHub *hub)
{
  g_return_val_if_fail (hub != NULL, NULL);

  g_atomic_ref_count_inc (&hub->ref);
  return hub;
}

void
shoal_sim_hub_unref (ShoalSimHub *hub)
{
  if (hub == NULL || !g_atomic_ref_count_dec (&hub->ref))
    return;
  g_assert (hub->sender == NULL && hub->receivers->len == 0);
  g_rand_free (hub->rand);
  g_ptr_array_unref (hub->receivers);
  g_mutex_clear (&hub->lock);
  g_free (hub);
}

/* Datagrams put in a receiver's inbox, and those the links lost (loss or a full inbox). */
guint64
shoal_sim_hub_get_delivered (ShoalSimHub *hub)
{
  guint64 n;

  g_return_val_if_fail (hub != NULL, 0);
  g_mutex_lock (&hub->lock);
  n = hub->delivered;
  g_mutex_unlock (&hub->lock);
  return n;
}

guint64
shoal_sim_hub_get_lost (ShoalSimHub *hub)
{
  guint64 n;

  g_return_val_if_fail (hub != NULL, 0);
  g_mutex_lock (&hub->lock);
  n = hub->lost;
  g_mutex_unlock (&hub->lock);
  return n;
}

static void
inbox_init (Inbox *box)
{
  g_mutex_init (&box->lock);
  g_cond_init (&box->cond);
  g_queue_init (&box->packets);
}

static void
inbox_clear (Inbox *box)
{
  g_queue_clear_full (&box->packets, g_free);
  box->bytes = 0;
}

/* Returns FALSE when the inbox is full or closed: the datagram is lost. */
static gboolean
inbox_push (Inbox *box, const struct sockaddr_in *from, const guint8 *data, gsize len)
{
  Packet *p;

  g_mutex_lock (&box->lock);
  if (box->closed || box->bytes + len + PACKET_OVERHEAD > box->limit)
    {
      g_mutex_unlock (&box->lock);
      return FALSE;
    }
  p = g_malloc (sizeof *p + len);
  p->len = len;
  p->from = *from;
  memcpy (p->data, data, len);
  g_queue_push_tail (&box->packets, p);
  box->bytes += len + PACKET_OVERHEAD;
  g_cond_signal (&box->cond);
  g_mutex_unlock (&box->lock);
  return TRUE;
}

static void
shoal_sim_transport_finalize (GObject *object)
{
  ShoalSimTransport *self = SHOAL_SIM_TRANSPORT (object);

  shoal_transport_close (SHOAL_TRANSPORT (self));
  inbox_clear (&self->inbox);
  g_mutex_clear (&self->inbox.lock);
  g_cond_clear (&self->inbox.cond);
  shoal_sim_hub_unref (self->hub);
  G_OBJECT_CLASS (shoal_sim_transport_parent_class)->finalize (object);
}

static gboolean
sim_open (ShoalTransport *transport, GError **error)
{
  ShoalSimTransport *self = SHOAL_SIM_TRANSPORT (transport);
  ShoalSimHub *hub = self->hub;

  g_mutex_lock (&hub->lock);
  if (self->opened)
    {
      g_mutex_unlock (&hub->lock);
      return TRUE;
    }
  if (self->is_sender && hub->sender != NULL)
    {
      g_mutex_unlock (&hub->lock);
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_ADDRESS,
                   "the simulated network already has a sender");
      return FALSE;
    }
  g_mutex_lock (&self->inbox.lock);
  inbox_clear (&self->inbox);
  self->inbox.closed = FALSE;
  self->inbox.limit = MAX (shoal_transport_get_rcvbuf (transport), 64 * 1024);
  g_mutex_unlock (&self->inbox.lock);
  if (self->is_sender)
    hub->sender = self;
  else
    g_ptr_array_add (hub->receivers, self);
  self->opened = TRUE;
  self->next_departure = 0;
  g_mutex_unlock (&hub->lock);
  return TRUE;
}

static void
sim_close (ShoalTransport *transport)
{
  ShoalSimTransport *self = SHOAL_SIM_TRANSPORT (transport);
  ShoalSimHub *hub = self->hub;

  g_mutex_lock (&hub->lock);
  if (self->opened)
    {
      if (self->is_sender)
        hub->sender = NULL;
      else
        g_ptr_array_remove_fast (hub->receivers, self);
      self->opened = FALSE;
    }
  g_mutex_unlock (&hub->lock);
  g_mutex_lock (&self->inbox.lock);
  self->inbox.closed = TRUE;
  g_cond_broadcast (&self->inbox.cond);
  g_mutex_unlock (&self->inbox.lock);
}

static gboolean
closed_error (ShoalSimTransport *self, GError **error)
{
  g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_CLOSED,
               "simulated %s transport is not open", self->is_sender ? "sender" : "receiver");
  return FALSE;
}

/* Waits until the run may leave at the transport's rate, then hands every datagram to every
 * open receiver, each losing its share. */
static gboolean
sim_send_group (ShoalTransport *transport, const guint8 *data, gsize len, gsize seg_size,
                GError **error)
{
  ShoalSimTransport *self = SHOAL_SIM_TRANSPORT (transport);
  ShoalSimHub *hub = self->hub;
  guint64 rate = shoal_transport_get_rate (transport);
  gint64 now = g_get_monotonic_time ();

  if (!self->is_sender)
    {
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_FAILED,
                   "a simulated receiver cannot send to the group");
      return FALSE;
    }
  if (!self->opened)
    return closed_error (self, error);
  if (rate > 0)
    {
      /* An idle sender does not earn credit for a burst later. */
      if (self->next_departure < now - 2000)
        self->next_departure = now;
      if (self->next_departure > now + 1000)
        g_usleep (self->next_departure - now);
      for (gsize off = 0; off < len; off += seg_size)
        self->next_departure += (gint64) ((MIN (seg_size, len - off) + 28) * 8
                                          * G_USEC_PER_SEC / rate);
    }

  g_mutex_lock (&hub->lock);
  for (gsize off = 0; off < len; off += seg_size)
    {
      gsize dl = MIN (seg_size, len - off);

      for (guint i = 0; i < hub->receivers->len; i++)
        {
          ShoalSimTransport *r = g_ptr_array_index (hub->receivers, i);

          if (g_rand_double (hub->rand) < r->loss
              || !inbox_push (&r->inbox, &self->addr, data + off, dl))
            hub->lost++;
          else
            hub->delivered++;
        }
    }
  g_mutex_unlock (&hub->lock);
  return TRUE;
}

static gboolean
sim_send_to (ShoalTransport *transport, const struct sockaddr *dest, socklen_t dest_len,
             const guint8 *data, gsize len, GError **error)
{
  ShoalSimTransport *self = SHOAL_SIM_TRANSPORT (transport);
  ShoalSimHub *hub = self->hub;
  const struct sockaddr_in *in = (const struct sockaddr_in *) dest;

  if (!self->opened)
    return closed_error (self, error);
  if (dest->sa_family != AF_INET || dest_len < sizeof *in)
    {
      g_set_error (error, SHOAL_TRANSPORT_ERROR, SHOAL_TRANSPORT_ERROR_ADDRESS,
                   "the simulated network is IPv4 only");
      return FALSE;
    }
  g_mutex_lock (&hub->lock);
  if (hub->sender != NULL && hub->sender->addr.sin_addr.s_addr == in->sin_addr.s_addr)
    inbox_push (&hub->sender->inbox, &self->addr, data, len);
  /* Like UDP: a datagram to a host that is not listening vanishes. */
  g_mutex_unlock (&hub->lock);
  return TRUE;
}

static gboolean
sim_receive (ShoalTransport *transport, ShoalDatagramBatch *batch, gint64 timeout_us,
             GError **error)
{
  ShoalSimTransport *self = SHOAL_SIM_TRANSPORT (transport);
  Inbox *box = &self->inbox;
  gint64 end = timeout_us < 0 ? G_MAXINT64 : g_get_monotonic_time () + timeout_us;
  gsize used = 0;

  g_mutex_lock (&box->lock);
  while (g_queue_is_empty (&box->packets) && !box->closed)
    {
      if (timeout_us < 0)
        g_cond_wait (&box->cond, &box->lock);
      else if (timeout_us == 0 || !g_cond_wait_until (&box->cond, &box->lock, end))
        break;
    }
  if (box->closed)
    {
      g_mutex_unlock (&box->lock);
      return closed_error (self, error);
    }
  while (batch->n_dgrams < batch->max_dgrams && !g_queue_is_empty (&box->packets))
    {
      Packet *p = g_queue_peek_head (&box->packets);
      ShoalDatagram *d;

      if (used + p->len > batch->buf_size)
        break;
      g_queue_pop_head (&box->packets);
      box->bytes -= p->len + PACKET_OVERHEAD;
      d = &batch->dgrams[batch->n_dgrams++];
      d->data = batch->buf + used;
      d->len = p->len;
      memcpy (d->data, p->data, p->len);
      memcpy (&d->from, &p->from, sizeof p->from);
      d->from_len = sizeof p->from;
      used += p->len;
      g_free (p);
    }
  g_mutex_unlock (&box->lock);
  return TRUE;
}

static void
shoal_sim_transport_class_init (ShoalSimTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShoalTransportClass *transport_class = SHOAL_TRANSPORT_CLASS (klass);

  object_class->finalize = shoal_sim_transport_finalize;
  transport_class->open = sim_open;
  transport_class->send_group = sim_send_group;
  transport_class->send_to = sim_send_to;
  transport_class->receive = sim_receive;
  transport_class->close = sim_close;
}

static void
shoal_sim_transport_init (ShoalSimTransport *self)
{
  inbox_init (&self->inbox);
  self->inbox.closed = TRUE;
}

static ShoalSimTransport *
sim_new (ShoalSimHub *hub, gboolean is_sender, double loss)
{
  g_autoptr(GInetAddress) ip = g_inet_address_new_from_string ("239.255.0.1");
  g_autoptr(GSocketAddress) group = g_inet_socket_address_new (ip, SIM_PORT);
  ShoalSimTransport *self;
  guint host;

  self = g_object_new (SHOAL_TYPE_SIM_TRANSPORT,
                       "role", is_sender ? SHOAL_TRANSPORT_ROLE_SENDER
                                         : SHOAL_TRANSPORT_ROLE_RECEIVER,
                       "group", group,
                       "ttl", 0,
                       "loop", TRUE,
                       NULL);
  self->hub = shoal_sim_hub_ref (hub);
  self->is_sender = is_sender;
  self->loss = CLAMP (loss, 0.0, 1.0);
  g_mutex_lock (&hub->lock);
  host = is_sender ? 1 : hub->next_host++;
  g_mutex_unlock (&hub->lock);
  self->addr.sin_family = AF_INET;
  self->addr.sin_port = htons (is_sender ? SIM_PORT : 40000 + host);
  self->addr.sin_addr.s_addr = htonl ((198u << 24) | (51u << 16) | (100u << 8) | (host & 0xff));
  return self;
}

ShoalTransport *
shoal_sim_transport_new_sender (ShoalSimHub *hub)
{
  g_return_val_if_fail (hub != NULL, NULL);

  return SHOAL_TRANSPORT (sim_new (hub, TRUE, 0));
}

ShoalTransport *
shoal_sim_transport_new_receiver (ShoalSimHub *hub,
                                  double       loss)
{
  g_return_val_if_fail (hub != NULL, NULL);
  g_return_val_if_fail (loss >= 0 && loss <= 1, NULL);

  return SHOAL_TRANSPORT (sim_new (hub, FALSE, loss));
}

char *
shoal_sim_transport_dup_address (ShoalSimTransport *self)
{
  char buf[INET_ADDRSTRLEN];

  g_return_val_if_fail (SHOAL_IS_SIM_TRANSPORT (self), NULL);

  inet_ntop (AF_INET, &self->addr.sin_addr, buf, sizeof buf);
  return g_strdup_printf ("%s:%u", buf, ntohs (self->addr.sin_port));
}
