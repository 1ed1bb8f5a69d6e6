/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sender's state machine: carousel over a package, repair by parity, start rules, rate
 * and slow-client policy. Sans-IO: datagrams and timestamps in, datagrams and events out. */
#pragma once

#include <glib.h>
#include <sys/socket.h>

#include "shoal-layout.h"
#include "shoal-protocol.h"

G_BEGIN_DECLS

/* Reads @len bytes of the package stream at @offset into @buf; called from the thread that
 * calls shoal_sender_next_run(). */
typedef gboolean (*ShoalReadFunc) (guint64   offset,
                                   guint8   *buf,
                                   gsize     len,
                                   gpointer  user_data,
                                   GError  **error);

typedef struct
{
  guint32     session_id;
  guint32     instance_id;        /* random per sender start; keeps nonces unique */
  guint8      key[32];
  ShoalLayout layout;
  guint64     max_rate;           /* bits/s of datagrams; 0: unlimited */
  gboolean    adaptive;           /* back off on reported loss, recover when it clears */
  guint64     min_rate;
  gboolean    start_immediately;
  guint       min_clients;        /* start once this many have joined; 0: no such rule */
  gint64      max_wait;           /* start this long (us) after the first join; 0: no rule */
  guint       max_clients;        /* 0: unlimited */
  guint       proactive_parity;   /* parity symbols per block sent in the first pass */
  gboolean    drop_slow;
  guint       slow_loss_permille; /* a member above this loss ... */
  guint64     slow_rate;          /* ... or below this receive rate (bits/s) ... */
  gint64      slow_grace;         /* ... for this long (us) is dropped to HTTP repair */
  gint64      silence_timeout;    /* a member silent this long is dropped */
  gint64      linger;             /* with no members, end this long after the pass */
  gint64      status_interval;
  guint       max_run;            /* datagrams per run, at most 64 */
  gint64      max_hold;           /* back-pressure: a member's full buffer holds or slows the
                                   * sending for at most this long (us) at a time; 0: off */
} ShoalSenderConfig;

typedef enum
{
  SHOAL_SENDER_EVENT_STARTED = 1,
  SHOAL_SENDER_EVENT_MEMBER_JOINED,
  SHOAL_SENDER_EVENT_MEMBER_COMPLETE,
  SHOAL_SENDER_EVENT_MEMBER_FALLBACK,
  SHOAL_SENDER_EVENT_MEMBER_FAILED,
  SHOAL_SENDER_EVENT_MEMBER_DROPPED,
  SHOAL_SENDER_EVENT_PASS_COMPLETE,
  SHOAL_SENDER_EVENT_RATE_CHANGED,
  SHOAL_SENDER_EVENT_DONE,
} ShoalSenderEventType;

typedef struct
{
  ShoalSenderEventType type;
  gint64  time;
  guint32 client_id;
  guint8  reason;                 /* ShoalDropReason for MEMBER_DROPPED */
} ShoalSenderEvent;

typedef struct
{
  guint32 id;
  char    hostname[SHOAL_MAX_HOSTNAME + 1];
  struct sockaddr_storage addr;
  socklen_t addr_len;
  guint8  state;                  /* ShoalMemberState */
  gboolean dropped;
  guint8  drop_reason;
  guint32 blocks_done;
  guint64 bytes_received;
  guint16 loss_permille;
  guint32 rx_rate_kbps;
  guint64 nack_symbols;           /* symbols this member asked for */
  gint64  joined_at;
  gint64  last_seen;
  gint64  finished_at;
  gint64  slow_since;
  guint16 backlog_permille;       /* its block buffer in use, as last reported */
  gint64  pressure_since;         /* since when its backlog has been high; 0: it is not */
} ShoalMemberInfo;

typedef struct
{
  guint8  state;                  /* ShoalSessionState */
  guint64 source_bytes;           /* symbol bytes of the first pass */
  guint64 repair_bytes;           /* symbol bytes sent on request */
  guint64 proactive_bytes;
  guint64 wire_bytes;             /* UDP payload bytes, headers and tags included */
  guint64 datagrams;
  guint64 reports;
  guint64 bad_packets;
  guint32 sweep;
  guint32 n_blocks;
  guint16 pass;
  guint64 rate;                   /* current target, bits/s; 0: unlimited */
  gint64  started_at;
  gint64  finished_at;
  guint64 holds;                  /* times back-pressure held the sending */
  gint64  held_us;                /* for how long in all */
} ShoalSenderStats;

typedef struct _ShoalSender ShoalSender;

void          shoal_sender_config_init  (ShoalSenderConfig *config);
ShoalSender  *shoal_sender_new          (const ShoalSenderConfig *config,
                                         ShoalReadFunc     read_func,
                                         gpointer          user_data);
void          shoal_sender_free         (ShoalSender      *self);
void          shoal_sender_handle_datagram (ShoalSender   *self,
                                         guint8           *buf,
                                         gsize             len,
                                         const struct sockaddr *from,
                                         socklen_t         from_len,
                                         gint64            now);
gsize         shoal_sender_next_run     (ShoalSender      *self,
                                         gint64            now,
                                         guint8           *buf,
                                         gsize             buf_size,
                                         gsize            *seg_size,
                                         gint64           *next_wake,
                                         GError          **error);
gboolean      shoal_sender_poll_event   (ShoalSender      *self,
                                         ShoalSenderEvent *event);
void          shoal_sender_cancel       (ShoalSender      *self,
                                         gint64            now);
void          shoal_sender_start_now    (ShoalSender      *self,
                                         gint64            now);
gboolean      shoal_sender_is_finished  (ShoalSender      *self);
guint64       shoal_sender_get_rate     (ShoalSender      *self);
/* The rate to pace at now: the target, halved while a member's block buffer is half full
 * (back-pressure; at three quarters shoal_sender_next_run() sends no data at all). */
guint64       shoal_sender_get_send_rate (ShoalSender     *self,
                                         gint64            now);
/* The first pass's next block (n_blocks once it is complete). */
guint32       shoal_sender_get_sweep    (ShoalSender      *self);
void          shoal_sender_get_stats    (ShoalSender      *self,
                                         ShoalSenderStats *stats);
guint         shoal_sender_get_n_members (ShoalSender     *self);
const ShoalMemberInfo *shoal_sender_get_member (ShoalSender *self,
                                         guint             i);
gsize         shoal_sender_max_datagram (ShoalSender      *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalSender, shoal_sender_free)

G_END_DECLS
