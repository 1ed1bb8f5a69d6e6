/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The datagrams of a network probe: a short numbered multicast burst that the distribution
 * point sends and receivers count, to measure loss and rate on the real path (see
 * core/dp/API.md, "Probes"). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Big-endian:  0 "SHOALPRB"  8 probe id  12 sequence  16 count  20 flags  24.. zero padding */
#define SHOAL_PROBE_MAGIC        "SHOALPRB"
#define SHOAL_PROBE_HEADER_LEN   24
#define SHOAL_PROBE_FLAG_END     1u    /* sent a few times after the burst: stop listening */

typedef struct
{
  guint32 id;
  guint32 seq;
  guint32 count;
  guint32 flags;
} ShoalProbePacket;

/* Writes @packet into @buf and pads it with zeros to @len (at least the header's length). */
void     shoal_probe_packet_encode (const ShoalProbePacket *packet,
                                    guint8                 *buf,
                                    gsize                   len);
/* FALSE for anything that is not a probe datagram. */
gboolean shoal_probe_packet_decode (const guint8           *buf,
                                    gsize                   len,
                                    ShoalProbePacket       *packet);

G_END_DECLS
