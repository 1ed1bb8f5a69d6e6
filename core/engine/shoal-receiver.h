/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The receiver's state machine: collects symbols per block, hands complete blocks out for
 * decoding and verification, asks for what it misses (with suppression) and reports its
 * progress. Sans-IO: datagrams and timestamps in, reports and ready blocks out. */
#pragma once

#include <glib.h>
#include <sys/socket.h>

#include "shoal-fec.h"
#include "shoal-layout.h"
#include "shoal-protocol.h"

G_BEGIN_DECLS

typedef struct
{
  guint32     session_id;
  guint8      key[32];
  ShoalLayout layout;
  guint32     client_id;
  char        hostname[SHOAL_MAX_HOSTNAME + 1];
  gint64      report_interval;
  gint64      nack_backoff;     /* NACKs wait a random 0..this (us) so others may go first */
  gint64      repair_timeout;   /* ask again for a block after this long */
  gsize       max_buffered;     /* bytes of incomplete blocks held in memory */
  guint32     seed;             /* for the backoff's randomness; tests fix it */
} ShoalReceiverConfig;

typedef enum
{
  SHOAL_RECEIVER_LISTENING = 1,  /* nothing heard from the sender yet */
  SHOAL_RECEIVER_WAITING,        /* the session waits for its start rule */
  SHOAL_RECEIVER_RECEIVING,
  SHOAL_RECEIVER_COMPLETE,       /* every block verified; telling the sender */
  SHOAL_RECEIVER_FINISHED,       /* complete and reported */
  SHOAL_RECEIVER_ENDED,          /* the session ended before we completed: go to HTTP */
  SHOAL_RECEIVER_DROPPED,        /* the sender dropped us: go to HTTP */
} ShoalReceiverState;

/* A block with k distinct symbols, ready to decode and verify (possibly on another thread). */
typedef struct
{
  guint32 block;
  guint   k;
  guint   symbol_size;
  guint8 *symbols;               /* k * symbol_size, in arrival order */
  guint8  esis[SHOAL_MAX_ESI];
} ShoalReadyBlock;

typedef struct
{
  guint32 n_blocks;
  guint32 blocks_done;
  guint64 bytes_received;        /* symbol bytes accepted, duplicates excluded */
  guint64 datagrams;
  guint64 duplicates;
  guint64 bad_packets;           /* malformed, or failed authentication */
  guint64 dropped_no_memory;
  guint64 nacks_sent;
  guint64 reports_sent;
  guint16 loss_permille;
  guint64 rx_rate;               /* bits/s over the last report interval */
  guint8  drop_reason;
  guint32 hash_failures;
} ShoalReceiverStats;

typedef struct _ShoalReceiver ShoalReceiver;

void           shoal_receiver_config_init (ShoalReceiverConfig *config);
ShoalReceiver *shoal_receiver_new         (const ShoalReceiverConfig *config);
void           shoal_receiver_free        (ShoalReceiver   *self);
void           shoal_receiver_mark_done   (ShoalReceiver   *self,
                                           guint32          block);
gboolean       shoal_receiver_is_block_done (ShoalReceiver *self,
                                           guint32          block);
void           shoal_receiver_handle_datagram (ShoalReceiver *self,
                                           guint8          *buf,
                                           gsize            len,
                                           const struct sockaddr *from,
                                           socklen_t        from_len,
                                           gint64           now);
ShoalReadyBlock *shoal_receiver_take_ready (ShoalReceiver  *self);
gboolean       shoal_ready_block_decode   (ShoalReadyBlock *ready,
                                           ShoalFec        *fec,
                                           guint8          *out);
void           shoal_receiver_block_verified (ShoalReceiver *self,
                                           ShoalReadyBlock *ready,
                                           gboolean         ok);
gsize          shoal_receiver_next_report (ShoalReceiver   *self,
                                           gint64           now,
                                           guint8          *buf,
                                           gsize            size,
                                           const struct sockaddr **dest,
                                           socklen_t       *dest_len);
gint64         shoal_receiver_next_timeout (ShoalReceiver  *self);
void           shoal_receiver_leave       (ShoalReceiver   *self,
                                           ShoalMemberState state,
                                           gint64           now);
ShoalReceiverState shoal_receiver_get_state (ShoalReceiver *self);
void           shoal_receiver_get_stats   (ShoalReceiver   *self,
                                           ShoalReceiverStats *stats);
void           shoal_ready_block_free     (ShoalReadyBlock *ready);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalReceiver, shoal_receiver_free)

G_END_DECLS
