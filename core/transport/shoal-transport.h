/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Datagram I/O behind one small interface, shaped for batches: the engine hands out runs of
 * equal-size datagrams to one destination and takes received datagrams in batches. */
#pragma once

#include <gio/gio.h>
#include <sys/socket.h>

G_BEGIN_DECLS

#define SHOAL_TRANSPORT_ERROR (shoal_transport_error_quark ())

typedef enum
{
  SHOAL_TRANSPORT_ERROR_FAILED,
  SHOAL_TRANSPORT_ERROR_INTERFACE,   /* no such interface, or it cannot multicast */
  SHOAL_TRANSPORT_ERROR_ADDRESS,     /* bad group or port, wrong family */
  SHOAL_TRANSPORT_ERROR_SOCKET,      /* a socket call failed; the message names it */
  SHOAL_TRANSPORT_ERROR_CLOSED,
  SHOAL_TRANSPORT_ERROR_UNSUPPORTED, /* e.g. UDP_SEGMENT on an old kernel */
} ShoalTransportError;

typedef enum
{
  SHOAL_TRANSPORT_ROLE_SENDER,   /* sends to the group, receives unicast control */
  SHOAL_TRANSPORT_ROLE_RECEIVER, /* receives from the group, sends unicast control */
} ShoalTransportRole;

/* One received datagram: @data points into the batch's buffer. */
typedef struct
{
  guint8                 *data;
  gsize                   len;
  struct sockaddr_storage from;
  socklen_t               from_len;
} ShoalDatagram;

/* Preallocated storage a transport fills on receive. */
typedef struct
{
  guint8        *buf;
  gsize          buf_size;
  ShoalDatagram *dgrams;
  guint          max_dgrams;
  guint          n_dgrams;
} ShoalDatagramBatch;

ShoalDatagramBatch *shoal_datagram_batch_new  (guint               max_dgrams,
                                               gsize               buf_size);
void                shoal_datagram_batch_free (ShoalDatagramBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalDatagramBatch, shoal_datagram_batch_free)

#define SHOAL_TYPE_TRANSPORT (shoal_transport_get_type ())
G_DECLARE_DERIVABLE_TYPE (ShoalTransport, shoal_transport, SHOAL, TRANSPORT, GObject)

/* Threading: open/close from any thread; one thread sends and one thread receives (they may
 * be the same). Properties are set before open(), except "rate", which may change any time. */
struct _ShoalTransportClass
{
  GObjectClass parent_class;

  gboolean (*open)        (ShoalTransport     *self,
                           GError            **error);
  /* Sends @len bytes of @data as datagrams of @seg_size bytes (the last may be shorter) to
   * the group. Blocks as pacing at "rate" and socket back-pressure require. */
  gboolean (*send_group)  (ShoalTransport     *self,
                           const guint8       *data,
                           gsize               len,
                           gsize               seg_size,
                           GError            **error);
  /* Sends one datagram to a unicast address (receiver -> sender control, or a reply). */
  gboolean (*send_to)     (ShoalTransport     *self,
                           const struct sockaddr *dest,
                           socklen_t           dest_len,
                           const guint8       *data,
                           gsize               len,
                           GError            **error);
  /* Waits up to @timeout_us (0: do not wait, -1: forever) and fills @batch with what has
   * arrived (group data for a receiver, control for a sender). Returns FALSE with @error on
   * failure; a timeout is success with batch->n_dgrams == 0. */
  gboolean (*receive)     (ShoalTransport     *self,
                           ShoalDatagramBatch *batch,
                           gint64              timeout_us,
                           GError            **error);
  void     (*close)       (ShoalTransport     *self);

  gpointer padding[8];
};

GQuark   shoal_transport_error_quark (void);

gboolean shoal_transport_open        (ShoalTransport     *self,
                                      GError            **error);
gboolean shoal_transport_send_group  (ShoalTransport     *self,
                                      const guint8       *data,
                                      gsize               len,
                                      gsize               seg_size,
                                      GError            **error);
gboolean shoal_transport_send_to     (ShoalTransport     *self,
                                      const struct sockaddr *dest,
                                      socklen_t           dest_len,
                                      const guint8       *data,
                                      gsize               len,
                                      GError            **error);
gboolean shoal_transport_receive     (ShoalTransport     *self,
                                      ShoalDatagramBatch *batch,
                                      gint64              timeout_us,
                                      GError            **error);
void     shoal_transport_close       (ShoalTransport     *self);

/* Property accessors. "group" is the multicast group and port ("239.1.2.3:5000",
 * "[ff05::1:2]:5000"); "control-port" is the sender's unicast control port (0: the group
 * port); "interface" is a name such as "eth0" (NULL: the kernel's choice). */
ShoalTransportRole shoal_transport_get_role         (ShoalTransport *self);
GInetSocketAddress *shoal_transport_get_group       (ShoalTransport *self);
const char        *shoal_transport_get_interface    (ShoalTransport *self);
guint              shoal_transport_get_ttl          (ShoalTransport *self);
gboolean           shoal_transport_get_loop         (ShoalTransport *self);
guint              shoal_transport_get_control_port (ShoalTransport *self);
guint              shoal_transport_get_sndbuf       (ShoalTransport *self);
guint              shoal_transport_get_rcvbuf       (ShoalTransport *self);
guint64            shoal_transport_get_rate         (ShoalTransport *self);
void               shoal_transport_set_rate         (ShoalTransport *self,
                                                     guint64         bits_per_second);

G_END_DECLS
