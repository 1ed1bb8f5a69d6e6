/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Encoding and decoding of probe datagrams; no I/O. */
#include "config.h"

#include <string.h>

#include "shoal-probe-packet.h"

static void
put32 (guint8 *p, guint32 v)
{
  v = GUINT32_TO_BE (v);
  memcpy (p, &v, 4);
}

static guint32
get32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  return GUINT32_FROM_BE (v);
}

void
shoal_probe_packet_encode (const ShoalProbePacket *packet,
                           guint8                 *buf,
                           gsize                   len)
{
  g_return_if_fail (packet != NULL && buf != NULL);
  g_return_if_fail (len >= SHOAL_PROBE_HEADER_LEN);

  memset (buf, 0, len);
  memcpy (buf, SHOAL_PROBE_MAGIC, 8);
  put32 (buf + 8, packet->id);
  put32 (buf + 12, packet->seq);
  put32 (buf + 16, packet->count);
  put32 (buf + 20, packet->flags);
}

gboolean
shoal_probe_packet_decode (const guint8     *buf,
                           gsize             len,
                           ShoalProbePacket *packet)
{
  g_return_val_if_fail (packet != NULL, FALSE);

  if (buf == NULL || len < SHOAL_PROBE_HEADER_LEN || memcmp (buf, SHOAL_PROBE_MAGIC, 8) != 0)
    return FALSE;
  packet->id = get32 (buf + 8);
  packet->seq = get32 (buf + 12);
  packet->count = get32 (buf + 16);
  packet->flags = get32 (buf + 20);
  return packet->count > 0 && (packet->seq < packet->count
                               || (packet->flags & SHOAL_PROBE_FLAG_END));
}
