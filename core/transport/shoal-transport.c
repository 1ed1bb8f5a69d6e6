/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Datagram I/O behind one small interface: the abstract base with the settings every
 * transport shares. Subclasses: GStreamer (portable), Linux batched fast path. */
#include "config.h"

#include "shoal-transport.h"

typedef struct
{
  ShoalTransportRole  role;
  GInetSocketAddress *group;
  char               *interface;
  guint               ttl;
  gboolean            loop;
  guint               control_port;
  guint               sndbuf;
  guint               rcvbuf;
  guint64             rate;
} ShoalTransportPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (ShoalTransport, shoal_transport, G_TYPE_OBJECT)
G_DEFINE_QUARK (shoal-transport-error-quark, shoal_transport_error)

enum {
  PROP_0,
  PROP_ROLE,
  PROP_GROUP,
  PROP_INTERFACE,
  PROP_TTL,
  PROP_LOOP,
  PROP_CONTROL_PORT,
  PROP_SNDBUF,
  PROP_RCVBUF,
  PROP_RATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

ShoalDatagramBatch *
shoal_datagram_batch_new (guint max_dgrams,
                          gsize buf_size)
{
  ShoalDatagramBatch *batch = g_new0 (ShoalDatagramBatch, 1);

  batch->buf = g_malloc (buf_size);
  batch->buf_size = buf_size;
  batch->dgrams = g_new0 (ShoalDatagram, max_dgrams);
  batch->max_dgrams = max_dgrams;
  return batch;
}

void
shoal_datagram_batch_free (ShoalDatagramBatch *batch)
{
  if (batch == NULL)
    return;
  g_free (batch->buf);
  g_free (batch->dgrams);
  g_free (batch);
}

static void
shoal_transport_finalize (GObject *object)
{
  ShoalTransportPrivate *priv = shoal_transport_get_instance_private (SHOAL_TRANSPORT (object));

  g_clear_object (&priv->group);
  g_clear_pointer (&priv->interface, g_free);
  G_OBJECT_CLASS (shoal_transport_parent_class)->finalize (object);
}

static void
shoal_transport_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ShoalTransportPrivate *priv = shoal_transport_get_instance_private (SHOAL_TRANSPORT (object));

  switch (prop_id)
    {
    case PROP_ROLE: g_value_set_int (value, priv->role); break;
    case PROP_GROUP: g_value_set_object (value, priv->group); break;
    case PROP_INTERFACE: g_value_set_string (value, priv->interface); break;
    case PROP_TTL: g_value_set_uint (value, priv->ttl); break;
    case PROP_LOOP: g_value_set_boolean (value, priv->loop); break;
    case PROP_CONTROL_PORT: g_value_set_uint (value, priv->control_port); break;
    case PROP_SNDBUF: g_value_set_uint (value, priv->sndbuf); break;
    case PROP_RCVBUF: g_value_set_uint (value, priv->rcvbuf); break;
    case PROP_RATE: g_value_set_uint64 (value, priv->rate); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_transport_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ShoalTransport *self = SHOAL_TRANSPORT (object);
  ShoalTransportPrivate *priv = shoal_transport_get_instance_private (self);

  switch (prop_id)
    {
    case PROP_ROLE: priv->role = g_value_get_int (value); break;
    case PROP_GROUP: g_set_object (&priv->group, g_value_get_object (value)); break;
    case PROP_INTERFACE: g_free (priv->interface); priv->interface = g_value_dup_string (value); break;
    case PROP_TTL: priv->ttl = g_value_get_uint (value); break;
    case PROP_LOOP: priv->loop = g_value_get_boolean (value); break;
    case PROP_CONTROL_PORT: priv->control_port = g_value_get_uint (value); break;
    case PROP_SNDBUF: priv->sndbuf = g_value_get_uint (value); break;
    case PROP_RCVBUF: priv->rcvbuf = g_value_get_uint (value); break;
    case PROP_RATE: shoal_transport_set_rate (self, g_value_get_uint64 (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
shoal_transport_class_init (ShoalTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;
  const GParamFlags rwc = rw | G_PARAM_CONSTRUCT_ONLY;

  object_class->finalize = shoal_transport_finalize;
  object_class->get_property = shoal_transport_get_property;
  object_class->set_property = shoal_transport_set_property;

  properties[PROP_ROLE] =
    g_param_spec_int ("role", NULL, NULL, 0, 1, 0, rwc);
  properties[PROP_GROUP] =
    g_param_spec_object ("group", NULL, NULL, G_TYPE_INET_SOCKET_ADDRESS, rwc);
  properties[PROP_INTERFACE] =
    g_param_spec_string ("interface", NULL, NULL, NULL, rwc);
  properties[PROP_TTL] =
    g_param_spec_uint ("ttl", NULL, NULL, 0, 255, 1, rwc);
  properties[PROP_LOOP] =
    g_param_spec_boolean ("loop", NULL, NULL, FALSE, rwc);
  properties[PROP_CONTROL_PORT] =
    g_param_spec_uint ("control-port", NULL, NULL, 0, 65535, 0, rwc);
  properties[PROP_SNDBUF] =
    g_param_spec_uint ("sndbuf", NULL, NULL, 0, G_MAXINT, 4 << 20, rwc);
  properties[PROP_RCVBUF] =
    g_param_spec_uint ("rcvbuf", NULL, NULL, 0, G_MAXINT, 16 << 20, rwc);
  properties[PROP_RATE] =
    g_param_spec_uint64 ("rate", NULL, NULL, 0, G_MAXUINT64, 0, rw | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
shoal_transport_init (ShoalTransport *self)
{
  ShoalTransportPrivate *priv = shoal_transport_get_instance_private (self);

  priv->ttl = 1;
  priv->sndbuf = 4 << 20;
  priv->rcvbuf = 16 << 20;
}

gboolean
shoal_transport_open (ShoalTransport  *self,
                      GError         **error)
{
  g_return_val_if_fail (SHOAL_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return SHOAL_TRANSPORT_GET_CLASS (self)->open (self, error);
}

gboolean
shoal_transport_send_group (ShoalTransport  *self,
                            const guint8    *data,
                            gsize            len,
                            gsize            seg_size,
                            GError         **error)
{
  g_return_val_if_fail (SHOAL_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (seg_size > 0 && seg_size <= 65507, FALSE);

  return SHOAL_TRANSPORT_GET_CLASS (self)->send_group (self, data, len, seg_size, error);
}

gboolean
shoal_transport_send_to (ShoalTransport        *self,
                         const struct sockaddr *dest,
                         socklen_t              dest_len,
                         const guint8          *data,
                         gsize                  len,
                         GError               **error)
{
  g_return_val_if_fail (SHOAL_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (dest != NULL, FALSE);

  return SHOAL_TRANSPORT_GET_CLASS (self)->send_to (self, dest, dest_len, data, len, error);
}

gboolean
shoal_transport_receive (ShoalTransport      *self,
                         ShoalDatagramBatch  *batch,
                         gint64               timeout_us,
                         GError             **error)
{
  g_return_val_if_fail (SHOAL_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (batch != NULL, FALSE);

  batch->n_dgrams = 0;
  return SHOAL_TRANSPORT_GET_CLASS (self)->receive (self, batch, timeout_us, error);
}

void
shoal_transport_close (ShoalTransport *self)
{
  g_return_if_fail (SHOAL_IS_TRANSPORT (self));

  SHOAL_TRANSPORT_GET_CLASS (self)->close (self);
}

#define PRIV(self) ((ShoalTransportPrivate *) shoal_transport_get_instance_private (self))

ShoalTransportRole  shoal_transport_get_role (ShoalTransport *self) { return PRIV (self)->role; }
GInetSocketAddress *shoal_transport_get_group (ShoalTransport *self) { return PRIV (self)->group; }
const char *shoal_transport_get_interface (ShoalTransport *self) { return PRIV (self)->interface; }
guint    shoal_transport_get_ttl (ShoalTransport *self) { return PRIV (self)->ttl; }
gboolean shoal_transport_get_loop (ShoalTransport *self) { return PRIV (self)->loop; }
guint    shoal_transport_get_control_port (ShoalTransport *self) { return PRIV (self)->control_port; }
guint    shoal_transport_get_sndbuf (ShoalTransport *self) { return PRIV (self)->sndbuf; }
guint    shoal_transport_get_rcvbuf (ShoalTransport *self) { return PRIV (self)->rcvbuf; }
guint64  shoal_transport_get_rate (ShoalTransport *self) { return PRIV (self)->rate; }

void
shoal_transport_set_rate (ShoalTransport *self,
                          guint64         bits_per_second)
{
  ShoalTransportPrivate *priv;

  g_return_if_fail (SHOAL_IS_TRANSPORT (self));
  priv = PRIV (self);
  if (priv->rate == bits_per_second)
    return;
  priv->rate = bits_per_second;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
}
