/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shoal's wire protocol: packet layouts, parsing and building. See core/PROTOCOL.md. Parsing
 * never reads outside the given buffer and rejects every malformed or truncated packet. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_PROTO_VERSION      1
#define SHOAL_COMMON_HEADER_LEN  16
#define SHOAL_DATA_HEADER_LEN    32
#define SHOAL_CTRL_HEADER_LEN    20
#define SHOAL_TAG_LEN            16
#define SHOAL_NONCE_LEN          12
#define SHOAL_MAX_ESI            255   /* encoding symbols per block: 0..k-1 source, k..254 parity */
#define SHOAL_MAX_HOSTNAME       64
#define SHOAL_STATUS_FIXED_LEN   24
#define SHOAL_STATUS_AD_LEN      6     /* block u32, count u16 */
#define SHOAL_STATUS_DROP_LEN    6     /* client u32, reason u8, pad u8 */
#define SHOAL_REPORT_FIXED_LEN   28
#define SHOAL_REPORT_NACK_LEN    10    /* first u32, last u32, need u16 */

#define SHOAL_PROTOCOL_ERROR (shoal_protocol_error_quark ())

typedef enum
{
  SHOAL_PROTOCOL_ERROR_TRUNCATED,
  SHOAL_PROTOCOL_ERROR_MAGIC,
  SHOAL_PROTOCOL_ERROR_VERSION,
  SHOAL_PROTOCOL_ERROR_TYPE,
  SHOAL_PROTOCOL_ERROR_LENGTH,
  SHOAL_PROTOCOL_ERROR_FIELD,
  SHOAL_PROTOCOL_ERROR_AUTH,
} ShoalProtocolError;

typedef enum
{
  SHOAL_PACKET_DATA = 1,
  SHOAL_PACKET_STATUS = 2,
  SHOAL_PACKET_REPORT = 3,
} ShoalPacketType;

typedef enum
{
  SHOAL_DATA_FLAG_REPAIR = 1 << 0,
  SHOAL_DATA_FLAG_PROACTIVE = 1 << 1,
} ShoalDataFlags;

typedef enum
{
  SHOAL_SESSION_WAITING = 1,
  SHOAL_SESSION_RUNNING = 2,
  SHOAL_SESSION_DONE = 3,
  SHOAL_SESSION_CANCELLED = 4,
} ShoalSessionState;

typedef enum
{
  SHOAL_MEMBER_RECEIVING = 1,
  SHOAL_MEMBER_COMPLETE = 2,
  SHOAL_MEMBER_FALLBACK = 3,   /* left the multicast to finish over HTTP */
  SHOAL_MEMBER_FAILED = 4,
} ShoalMemberState;

typedef enum
{
  SHOAL_DROP_SLOW = 1,
  SHOAL_DROP_SESSION_FULL = 2,
  SHOAL_DROP_SILENT = 3,
} ShoalDropReason;

/* Fields common to every packet. */
typedef struct
{
  guint8  type;
  guint32 session_id;
  guint32 sender_id;     /* sender instance (DATA, STATUS) or client id (REPORT) */
  guint32 seq;
} ShoalPacketHeader;

typedef struct
{
  ShoalPacketHeader hdr;
  guint32 block;
  guint16 esi;
  guint16 len;           /* symbol bytes carried */
  guint8  flags;
  guint16 pass;
  guint32 sweep;         /* next block of the current pass; n_blocks once the pass is over */
  guint8 *payload;       /* points into the datagram: len bytes, then the tag */
} ShoalDataPacket;

typedef struct
{
  guint32 block;
  guint16 count;
} ShoalRepairAd;

typedef struct
{
  guint32 client_id;
  guint8  reason;
} ShoalDrop;

typedef struct
{
  guint8  state;
  guint16 clients;
  guint32 rate_kbps;
  guint32 sweep;
  guint32 n_blocks;
  guint16 pass;
  guint16 n_ads;
  guint16 n_drops;
  const guint8 *ads;     /* n_ads * SHOAL_STATUS_AD_LEN, decode with shoal_status_get_ad() */
  const guint8 *drops;   /* n_drops * SHOAL_STATUS_DROP_LEN */
} ShoalStatusBody;

typedef struct
{
  guint32 first;
  guint32 last;
  guint16 need;
} ShoalNack;

typedef struct
{
  guint8  state;
  guint32 blocks_done;
  guint64 bytes_received;
  guint16 loss_permille;
  guint16 backlog_permille;   /* share of the receiver's block buffer in use */
  guint32 rx_rate_kbps;
  char    hostname[SHOAL_MAX_HOSTNAME + 1];
  guint16 n_nacks;
  const guint8 *nacks;   /* n_nacks * SHOAL_REPORT_NACK_LEN */
} ShoalReportBody;

GQuark   shoal_protocol_error_quark (void);

gboolean shoal_packet_peek_header  (const guint8      *buf,
                                    gsize              len,
                                    ShoalPacketHeader *hdr,
                                    GError           **error);
gsize    shoal_data_packet_write_header (guint8                *buf,
                                         const ShoalDataPacket *pkt);
gboolean shoal_data_packet_parse   (guint8            *buf,
                                    gsize              len,
                                    guint              symbol_size,
                                    ShoalDataPacket   *pkt,
                                    GError           **error);
gsize    shoal_ctrl_header_write   (guint8                  *buf,
                                    const ShoalPacketHeader *hdr,
                                    guint16                  body_len);
gboolean shoal_ctrl_packet_parse   (const guint8      *buf,
                                    gsize              len,
                                    ShoalPacketHeader *hdr,
                                    guint16           *body_len,
                                    GError           **error);
gsize    shoal_status_body_write   (guint8                *buf,
                                    gsize                  size,
                                    const ShoalStatusBody *body,
                                    const ShoalRepairAd   *ads,
                                    const ShoalDrop       *drops);
gboolean shoal_status_body_parse   (const guint8      *buf,
                                    gsize              len,
                                    ShoalStatusBody   *body,
                                    GError           **error);
void     shoal_status_get_ad       (const ShoalStatusBody *body,
                                    guint                  i,
                                    ShoalRepairAd         *ad);
void     shoal_status_get_drop     (const ShoalStatusBody *body,
                                    guint                  i,
                                    ShoalDrop             *drop);
gsize    shoal_report_body_write   (guint8                *buf,
                                    gsize                  size,
                                    const ShoalReportBody *body,
                                    const ShoalNack       *nacks);
gboolean shoal_report_body_parse   (const guint8      *buf,
                                    gsize              len,
                                    ShoalReportBody   *body,
                                    GError           **error);
void     shoal_report_get_nack     (const ShoalReportBody *body,
                                    guint                  i,
                                    ShoalNack             *nack);
void     shoal_packet_nonce        (const ShoalPacketHeader *hdr,
                                    guint8                   nonce[SHOAL_NONCE_LEN]);

G_END_DECLS
