/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Linux fast path: runs of datagrams leave in one sendmmsg() with UDP segmentation
 * offload and arrive coalesced by UDP GRO, split back here; pacing in user space. */
#pragma once

#include "shoal-transport.h"

G_BEGIN_DECLS

/* What the transport did, for benchmarks and diagnostics. Each half is written by the thread
 * that sends or receives; reading it from another thread gives a close, not exact, copy. */
typedef struct
{
  guint64  datagrams_sent;
  guint64  bytes_sent;          /* UDP payload bytes */
  guint64  send_calls;          /* sendmmsg() calls */
  guint64  gso_messages;        /* messages carrying UDP_SEGMENT */
  guint64  send_waits;          /* back-pressure: EAGAIN or ENOBUFS made the sender wait */
  gboolean gso_disabled;        /* the kernel or interface refused UDP_SEGMENT */
  guint64  datagrams_received;
  guint64  bytes_received;
  guint64  receive_calls;       /* recvmmsg() calls that returned data */
  guint64  gro_buffers;         /* received buffers that held several datagrams */
  guint64  truncated;           /* received buffers cut short (should stay 0) */
} ShoalLinuxTransportStats;

#define SHOAL_TYPE_LINUX_TRANSPORT (shoal_linux_transport_get_type ())
G_DECLARE_FINAL_TYPE (ShoalLinuxTransport, shoal_linux_transport, SHOAL, LINUX_TRANSPORT,
                      ShoalTransport)

/* Receive batches need 64 KiB of buffer per coalesced read; smaller batches work through an
 * internal bounce buffer and a copy. shoal_datagram_batch_new (1024, 4 << 20) suits. */
#define SHOAL_LINUX_TRANSPORT_SLOT_SIZE 65536

gboolean        shoal_linux_transport_supported (void);
ShoalTransport *shoal_linux_transport_new       (ShoalTransportRole   role,
                                                 GInetSocketAddress  *group,
                                                 const char          *iface,
                                                 guint                ttl,
                                                 gboolean             loop,
                                                 guint                control_port);
void            shoal_linux_transport_get_stats (ShoalLinuxTransport      *self,
                                                 ShoalLinuxTransportStats *stats);

G_END_DECLS
