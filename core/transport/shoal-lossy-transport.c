/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A transport that loses a fraction of what another transport receives. Sending passes
 * through untouched: the loss it stands for is on the way in, where a busy switch port or
 * a weak Wi-Fi link would drop multicast. */
#include "config.h"

#include "shoal-lossy-transport.h"

struct _ShoalLossyTransport
{
  ShoalTransport  parent_instance;

  ShoalTransport *inner;
  double          loss;
  GRand          *rand;      /* used by the receiving thread only */
  gsize           dropped;   /* atomic */
};

G_DEFINE_FINAL_TYPE (ShoalLossyTransport, shoal_lossy_transport, SHOAL_TYPE_TRANSPORT)

static void
shoal_lossy_transport_finalize (GObject *object)
{
  ShoalLossyTransport *self = SHOAL_LOSSY_TRANSPORT (object);

  g_clear_object (&self->inner);
  g_clear_pointer (&self->rand, g_rand_free);
  G_OBJECT_CLASS (shoal_lossy_transport_parent_class)->finalize (object);
}

static gboolean
lossy_open (ShoalTransport *transport, GError **error)
{
  return shoal_transport_open (SHOAL_LOSSY_TRANSPORT (transport)->inner, error);
}

static gboolean
lossy_send_group (ShoalTransport *transport, const guint8 *data, gsize len, gsize seg_size,
                  GError **error)
{
  ShoalLossyTransport *self = SHOAL_LOSSY_TRANSPORT (transport);

  shoal_transport_set_rate (self->inner, shoal_transport_get_rate (transport));
  return shoal_transport_send_group (self->inner, data, len, seg_size, error);
}

static gboolean
lossy_send_to (ShoalTransport *transport, const struct sockaddr *dest, socklen_t dest_len,
               const guint8 *data, gsize len, GError **error)
{
  return shoal_transport_send_to (SHOAL_LOSSY_TRANSPORT (transport)->inner, dest, dest_len,
                                  data, len, error);
}

static gboolean
lossy_receive (ShoalTransport *transport, ShoalDatagramBatch *batch, gint64 timeout_us,
               GError **error)
{
  ShoalLossyTransport *self = SHOAL_LOSSY_TRANSPORT (transport);
  guint kept = 0;

  if (!shoal_transport_receive (self->inner, batch, timeout_us, error))
    return FALSE;
  for (guint i = 0; i < batch->n_dgrams; i++)
    {
      if (g_rand_double (self->rand) < self->loss)
        continue;
      if (kept != i)
        batch->dgrams[kept] = batch->dgrams[i];
      kept++;
    }
  if (kept < batch->n_dgrams)
    g_atomic_pointer_add (&self->dropped, batch->n_dgrams - kept);
  batch->n_dgrams = kept;
  return TRUE;
}

static void
lossy_close (ShoalTransport *transport)
{
  shoal_transport_close (SHOAL_LOSSY_TRANSPORT (transport)->inner);
}

static void
shoal_lossy_transport_class_init (ShoalLossyTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ShoalTransportClass *transport_class = SHOAL_TRANSPORT_CLASS (klass);

  object_class->finalize = shoal_lossy_transport_finalize;
  transport_class->open = lossy_open;
  transport_class->send_group = lossy_send_group;
  transport_class->send_to = lossy_send_to;
  transport_class->receive = lossy_receive;
  transport_class->close = lossy_close;
}

static void
shoal_lossy_transport_init (ShoalLossyTransport *self)
{
}

/* Wraps @inner (not yet open), which keeps every setting of its own. */
ShoalTransport *
shoal_lossy_transport_new (ShoalTransport *inner,
                           double          loss,
                           guint32         seed)
{
  ShoalLossyTransport *self;

  g_return_val_if_fail (SHOAL_IS_TRANSPORT (inner), NULL);
  g_return_val_if_fail (loss >= 0 && loss <= 1, NULL);

  self = g_object_new (SHOAL_TYPE_LOSSY_TRANSPORT,
                       "role", shoal_transport_get_role (inner),
                       "group", shoal_transport_get_group (inner),
                       "interface", shoal_transport_get_interface (inner),
                       "ttl", shoal_transport_get_ttl (inner),
                       "loop", shoal_transport_get_loop (inner),
                       "control-port", shoal_transport_get_control_port (inner),
                       "sndbuf", shoal_transport_get_sndbuf (inner),
                       "rcvbuf", shoal_transport_get_rcvbuf (inner),
                       NULL);
  self->inner = g_object_ref (inner);
  self->loss = loss;
  self->rand = g_rand_new_with_seed (seed);
  return SHOAL_TRANSPORT (self);
}

/* Datagrams this transport threw away; readable from any thread. */
guint64
shoal_lossy_transport_get_dropped (ShoalLossyTransport *self)
{
  g_return_val_if_fail (SHOAL_IS_LOSSY_TRANSPORT (self), 0);

  return (guint64) g_atomic_pointer_get (&self->dropped);
}
