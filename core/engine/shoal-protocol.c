/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shoal's wire protocol: packet layouts, parsing and building. See core/PROTOCOL.md. Every
 * read is preceded by a length check against the buffer it reads from. */
#include "config.h"

#include <string.h>

#include "shoal-protocol.h"

G_DEFINE_QUARK (shoal-protocol-error-quark, shoal_protocol_error)

static inline void put16 (guint8 *p, guint16 v) { p[0] = v >> 8; p[1] = v; }
static inline void put32 (guint8 *p, guint32 v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }
static inline void put64 (guint8 *p, guint64 v) { put32 (p, v >> 32); put32 (p + 4, (guint32) v); }
static inline guint16 get16 (const guint8 *p) { return (guint16) (p[0] << 8 | p[1]); }
static inline guint32 get32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}
static inline guint64 get64 (const guint8 *p) { return (guint64) get32 (p) << 32 | get32 (p + 4); }

static void
write_common (guint8 *buf, const ShoalPacketHeader *hdr)
{
  buf[0] = 'S';
  buf[1] = 'H';
  buf[2] = SHOAL_PROTO_VERSION;
  buf[3] = hdr->type;
  put32 (buf + 4, hdr->session_id);
  put32 (buf + 8, hdr->sender_id);
  put32 (buf + 12, hdr->seq);
}

gboolean
shoal_packet_peek_header (const guint8       *buf,
                          gsize               len,
                          ShoalPacketHeader  *hdr,
                          GError            **error)
{
  if (len < SHOAL_COMMON_HEADER_LEN)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_TRUNCATED,
                   "packet of %" G_GSIZE_FORMAT " bytes is shorter than the %d-byte header",
                   len, SHOAL_COMMON_HEADER_LEN);
      return FALSE;
    }
  if (buf[0] != 'S' || buf[1] != 'H')
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_MAGIC,
                   "bad magic 0x%02x%02x (not a Shoal packet)", buf[0], buf[1]);
      return FALSE;
    }
  if (buf[2] != SHOAL_PROTO_VERSION)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_VERSION,
                   "protocol version %u, expected %u", buf[2], SHOAL_PROTO_VERSION);
      return FALSE;
    }
  if (buf[3] < SHOAL_PACKET_DATA || buf[3] > SHOAL_PACKET_REPORT)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_TYPE,
                   "unknown packet type %u", buf[3]);
      return FALSE;
    }
  hdr->type = buf[3];
  hdr->session_id = get32 (buf + 4);
  hdr->sender_id = get32 (buf + 8);
  hdr->seq = get32 (buf + 12);
  return TRUE;
}

gsize
shoal_data_packet_write_header (guint8                *buf,
                                const ShoalDataPacket *pkt)
{
  write_common (buf, &pkt->hdr);
  put32 (buf + 16, pkt->block);
  put16 (buf + 20, pkt->esi);
  put16 (buf + 22, pkt->len);
  buf[24] = pkt->flags;
  buf[25] = 0;
  put16 (buf + 26, pkt->pass);
  put32 (buf + 28, pkt->sweep);
  return SHOAL_DATA_HEADER_LEN;
}

gboolean
shoal_data_packet_parse (guint8           *buf,
                         gsize             len,
                         guint             symbol_size,
                         ShoalDataPacket  *pkt,
                         GError          **error)
{
  if (!shoal_packet_peek_header (buf, len, &pkt->hdr, error))
    return FALSE;
  if (pkt->hdr.type != SHOAL_PACKET_DATA)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_TYPE,
                   "packet type %u is not DATA", pkt->hdr.type);
      return FALSE;
    }
  if (len < SHOAL_DATA_HEADER_LEN + SHOAL_TAG_LEN)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_TRUNCATED,
                   "DATA packet of %" G_GSIZE_FORMAT " bytes is truncated", len);
      return FALSE;
    }
  pkt->block = get32 (buf + 16);
  pkt->esi = get16 (buf + 20);
  pkt->len = get16 (buf + 22);
  pkt->flags = buf[24];
  pkt->pass = get16 (buf + 26);
  pkt->sweep = get32 (buf + 28);
  if (buf[25] != 0 || (pkt->flags & ~(SHOAL_DATA_FLAG_REPAIR | SHOAL_DATA_FLAG_PROACTIVE)))
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_FIELD,
                   "DATA packet has reserved bits set (flags 0x%02x)", pkt->flags);
      return FALSE;
    }
  if (pkt->esi >= SHOAL_MAX_ESI)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_FIELD,
                   "DATA packet symbol index %u is out of range", pkt->esi);
      return FALSE;
    }
  if (pkt->len == 0 || pkt->len > symbol_size)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_LENGTH,
                   "DATA packet symbol length %u is not in 1..%u", pkt->len, symbol_size);
      return FALSE;
    }
  if (len != (gsize) SHOAL_DATA_HEADER_LEN + pkt->len + SHOAL_TAG_LEN)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_LENGTH,
                   "DATA packet is %" G_GSIZE_FORMAT " bytes but its header says %u",
                   len, SHOAL_DATA_HEADER_LEN + pkt->len + SHOAL_TAG_LEN);
      return FALSE;
    }
  pkt->payload = buf + SHOAL_DATA_HEADER_LEN;
  return TRUE;
}

gsize
shoal_ctrl_header_write (guint8                  *buf,
                         const ShoalPacketHeader *hdr,
                         guint16                  body_len)
{
  write_common (buf, hdr);
  put16 (buf + 16, body_len);
  put16 (buf + 18, 0);
  return SHOAL_CTRL_HEADER_LEN;
}

gboolean
shoal_ctrl_packet_parse (const guint8       *buf,
                         gsize               len,
                         ShoalPacketHeader  *hdr,
                         guint16            *body_len,
                         GError            **error)
{
  if (!shoal_packet_peek_header (buf, len, hdr, error))
    return FALSE;
  if (hdr->type != SHOAL_PACKET_STATUS && hdr->type != SHOAL_PACKET_REPORT)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_TYPE,
                   "packet type %u is not a control packet", hdr->type);
      return FALSE;
    }
  if (len < SHOAL_CTRL_HEADER_LEN + SHOAL_TAG_LEN)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_TRUNCATED,
                   "control packet of %" G_GSIZE_FORMAT " bytes is truncated", len);
      return FALSE;
    }
  *body_len = get16 (buf + 16);
  if (get16 (buf + 18) != 0)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_FIELD,
                   "control packet has reserved bits set");
      return FALSE;
    }
  if (len != (gsize) SHOAL_CTRL_HEADER_LEN + *body_len + SHOAL_TAG_LEN)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_LENGTH,
                   "control packet is %" G_GSIZE_FORMAT " bytes but its header says %u",
                   len, SHOAL_CTRL_HEADER_LEN + *body_len + SHOAL_TAG_LEN);
      return FALSE;
    }
  return TRUE;
}

gsize
shoal_status_body_write (guint8                *buf,
                         gsize                  size,
                         const ShoalStatusBody *body,
                         const ShoalRepairAd   *ads,
                         const ShoalDrop       *drops)
{
  gsize need = SHOAL_STATUS_FIXED_LEN + (gsize) body->n_ads * SHOAL_STATUS_AD_LEN
               + (gsize) body->n_drops * SHOAL_STATUS_DROP_LEN;
  guint8 *p;

  g_return_val_if_fail (need <= size, 0);
  memset (buf, 0, SHOAL_STATUS_FIXED_LEN);
  buf[0] = body->state;
  put16 (buf + 2, body->clients);
  put32 (buf + 4, body->rate_kbps);
  put32 (buf + 8, body->sweep);
  put32 (buf + 12, body->n_blocks);
  put16 (buf + 16, body->pass);
  put16 (buf + 18, body->n_ads);
  put16 (buf + 20, body->n_drops);
  p = buf + SHOAL_STATUS_FIXED_LEN;
  for (guint i = 0; i < body->n_ads; i++, p += SHOAL_STATUS_AD_LEN)
    {
      put32 (p, ads[i].block);
      put16 (p + 4, ads[i].count);
    }
  for (guint i = 0; i < body->n_drops; i++, p += SHOAL_STATUS_DROP_LEN)
    {
      put32 (p, drops[i].client_id);
      p[4] = drops[i].reason;
      p[5] = 0;
    }
  return need;
}

gboolean
shoal_status_body_parse (const guint8     *buf,
                         gsize             len,
                         ShoalStatusBody  *body,
                         GError          **error)
{
  gsize need;

  if (len < SHOAL_STATUS_FIXED_LEN)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_TRUNCATED,
                   "STATUS body of %" G_GSIZE_FORMAT " bytes is truncated", len);
      return FALSE;
    }
  body->state = buf[0];
  body->clients = get16 (buf + 2);
  body->rate_kbps = get32 (buf + 4);
  body->sweep = get32 (buf + 8);
  body->n_blocks = get32 (buf + 12);
  body->pass = get16 (buf + 16);
  body->n_ads = get16 (buf + 18);
  body->n_drops = get16 (buf + 20);
  if (body->state < SHOAL_SESSION_WAITING || body->state > SHOAL_SESSION_CANCELLED)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_FIELD,
                   "STATUS has unknown session state %u", body->state);
      return FALSE;
    }
  if (body->sweep > body->n_blocks)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_FIELD,
                   "STATUS sweep %u is past the last block %u", body->sweep, body->n_blocks);
      return FALSE;
    }
  need = SHOAL_STATUS_FIXED_LEN + (gsize) body->n_ads * SHOAL_STATUS_AD_LEN
         + (gsize) body->n_drops * SHOAL_STATUS_DROP_LEN;
  if (len != need)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_LENGTH,
                   "STATUS body is %" G_GSIZE_FORMAT " bytes but its %u ads and %u drops "
                   "need %" G_GSIZE_FORMAT, len, body->n_ads, body->n_drops, need);
      return FALSE;
    }
  body->ads = buf + SHOAL_STATUS_FIXED_LEN;
  body->drops = body->ads + (gsize) body->n_ads * SHOAL_STATUS_AD_LEN;
  return TRUE;
}

void
shoal_status_get_ad (const ShoalStatusBody *body,
                     guint                  i,
                     ShoalRepairAd         *ad)
{
  const guint8 *p;

  g_assert (i < body->n_ads);
  p = body->ads + (gsize) i * SHOAL_STATUS_AD_LEN;
  ad->block = get32 (p);
  ad->count = get16 (p + 4);
}

void
shoal_status_get_drop (const ShoalStatusBody *body,
                       guint                  i,
                       ShoalDrop             *drop)
{
  const guint8 *p;

  g_assert (i < body->n_drops);
  p = body->drops + (gsize) i * SHOAL_STATUS_DROP_LEN;
  drop->client_id = get32 (p);
  drop->reason = p[4];
}

gsize
shoal_report_body_write (guint8                *buf,
                         gsize                  size,
                         const ShoalReportBody *body,
                         const ShoalNack       *nacks)
{
  gsize hlen = strnlen (body->hostname, SHOAL_MAX_HOSTNAME);
  gsize need = SHOAL_REPORT_FIXED_LEN + hlen + (gsize) body->n_nacks * SHOAL_REPORT_NACK_LEN;
  guint8 *p;

  g_return_val_if_fail (need <= size, 0);
  memset (buf, 0, SHOAL_REPORT_FIXED_LEN);
  buf[0] = body->state;
  buf[1] = (guint8) hlen;
  put16 (buf + 2, body->n_nacks);
  put32 (buf + 4, body->blocks_done);
  put64 (buf + 8, body->bytes_received);
  put16 (buf + 16, body->loss_permille);
  put16 (buf + 18, body->backlog_permille);
  put32 (buf + 20, body->rx_rate_kbps);
  p = buf + SHOAL_REPORT_FIXED_LEN;
  memcpy (p, body->hostname, hlen);
  p += hlen;
  for (guint i = 0; i < body->n_nacks; i++, p += SHOAL_REPORT_NACK_LEN)
    {
      put32 (p, nacks[i].first);
      put32 (p + 4, nacks[i].last);
      put16 (p + 8, nacks[i].need);
    }
  return need;
}

gboolean
shoal_report_body_parse (const guint8     *buf,
                         gsize             len,
                         ShoalReportBody  *body,
                         GError          **error)
{
  gsize hlen, need;

  if (len < SHOAL_REPORT_FIXED_LEN)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_TRUNCATED,
                   "REPORT body of %" G_GSIZE_FORMAT " bytes is truncated", len);
      return FALSE;
    }
  body->state = buf[0];
  hlen = buf[1];
  body->n_nacks = get16 (buf + 2);
  body->blocks_done = get32 (buf + 4);
  body->bytes_received = get64 (buf + 8);
  body->loss_permille = get16 (buf + 16);
  body->backlog_permille = get16 (buf + 18);
  body->rx_rate_kbps = get32 (buf + 20);
  if (body->state < SHOAL_MEMBER_RECEIVING || body->state > SHOAL_MEMBER_FAILED)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_FIELD,
                   "REPORT has unknown member state %u", body->state);
      return FALSE;
    }
  if (hlen > SHOAL_MAX_HOSTNAME || body->loss_permille > 1000
      || body->backlog_permille > 1000)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_FIELD,
                   "REPORT hostname length %" G_GSIZE_FORMAT ", loss %u or backlog %u is out "
                   "of range", hlen, body->loss_permille, body->backlog_permille);
      return FALSE;
    }
  need = SHOAL_REPORT_FIXED_LEN + hlen + (gsize) body->n_nacks * SHOAL_REPORT_NACK_LEN;
  if (len != need)
    {
      g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_LENGTH,
                   "REPORT body is %" G_GSIZE_FORMAT " bytes, expected %" G_GSIZE_FORMAT,
                   len, need);
      return FALSE;
    }
  memcpy (body->hostname, buf + SHOAL_REPORT_FIXED_LEN, hlen);
  body->hostname[hlen] = '\0';
  /* Hostnames are shown to admins: keep printable ASCII only. */
  for (gsize i = 0; i < hlen; i++)
    if (!g_ascii_isgraph (body->hostname[i]))
      body->hostname[i] = '?';
  body->nacks = buf + SHOAL_REPORT_FIXED_LEN + hlen;
  for (guint i = 0; i < body->n_nacks; i++)
    {
      ShoalNack n;

      shoal_report_get_nack (body, i, &n);
      if (n.first > n.last || n.need == 0 || n.need > SHOAL_MAX_ESI)
        {
          g_set_error (error, SHOAL_PROTOCOL_ERROR, SHOAL_PROTOCOL_ERROR_FIELD,
                       "REPORT NACK %u (blocks %u..%u, need %u) is invalid",
                       i, n.first, n.last, n.need);
          return FALSE;
        }
    }
  return TRUE;
}

void
shoal_report_get_nack (const ShoalReportBody *body,
                       guint                  i,
                       ShoalNack             *nack)
{
  const guint8 *p;

  g_assert (i < body->n_nacks);
  p = body->nacks + (gsize) i * SHOAL_REPORT_NACK_LEN;
  nack->first = get32 (p);
  nack->last = get32 (p + 4);
  nack->need = get16 (p + 8);
}

/* Nonces never repeat under one session key: the direction byte separates the sender's
 * counter from the clients', the sender id is random per sender start and per client. */
void
shoal_packet_nonce (const ShoalPacketHeader *hdr,
                    guint8                   nonce[SHOAL_NONCE_LEN])
{
  nonce[0] = hdr->type == SHOAL_PACKET_REPORT ? 1 : 0;
  nonce[1] = hdr->session_id >> 16;
  nonce[2] = hdr->session_id >> 8;
  nonce[3] = hdr->session_id;
  put32 (nonce + 4, hdr->sender_id);
  put32 (nonce + 8, hdr->seq);
}
