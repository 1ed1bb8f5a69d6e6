/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The receiver's state machine. It asks for how many symbols a block still needs, never
 * which ones: any fresh parity symbol will do. NACKs wait a random backoff and are withheld
 * when the sender already advertises enough repair for the block (suppression). */
#include "config.h"

#include <string.h>

#include "shoal-receiver.h"
#include "shoal-seal.h"

enum { BLOCK_EMPTY, BLOCK_PARTIAL, BLOCK_READY, BLOCK_DONE };

#define FINAL_REPORTS 3

typedef struct
{
  guint8 *symbols;
  guint8  esis[SHOAL_MAX_ESI];
  guint8  have[(SHOAL_MAX_ESI + 7) / 8];
  guint   count;
} Partial;

struct _ShoalReceiver
{
  ShoalReceiverConfig cfg;
  ShoalSeal *seal;
  GRand     *rand;
  guint32    n_blocks;
  guint8    *state;             /* BLOCK_* per block */
  Partial  **partial;
  gint64    *nack_time;
  guint32    first_incomplete;
  GQueue     ready;
  gsize      buffered;

  ShoalReceiverState rstate;
  gboolean   sender_known;
  struct sockaddr_storage sender_addr;
  socklen_t  sender_addr_len;
  guint32    sender_instance;
  guint32    sweep;
  gint64     next_report;
  gint64     last_report;
  guint16    last_backlog;        /* backlog the last report carried */
  gint64     nack_at;
  guint      final_reports;
  guint8     leave_state;

  /* Loss and rate over the current report interval. */
  gboolean   win_any;
  guint32    win_min_seq, win_max_seq;
  guint64    win_count;
  guint64    win_bytes;
  gint64     win_start;
  double     loss;

  ShoalReceiverStats stats;
};

/* Back-pressure: while the block buffer is at least this full, or the last report said it
 * was, reports go every PRESSURE_INTERVAL, so the sender slows down before the buffer
 * overflows and learns soon when it has drained. */
#define PRESSURE_PERMILLE  250
#define PRESSURE_INTERVAL  (20 * 1000)

void
shoal_receiver_config_init (ShoalReceiverConfig *c)
{
  memset (c, 0, sizeof *c);
  c->layout.k = 128;
  c->layout.symbol_size = 1404;
  c->report_interval = 250 * 1000;
  c->nack_backoff = 20 * 1000;
  c->repair_timeout = 150 * 1000;
  c->max_buffered = 32 << 20;
  c->seed = g_random_int ();
}

ShoalReceiver *
shoal_receiver_new (const ShoalReceiverConfig *config)
{
  ShoalReceiver *self;

  g_return_val_if_fail (config->layout.k >= 1 && config->layout.k <= 200, NULL);
  g_return_val_if_fail (config->layout.total_size > 0, NULL);

  self = g_new0 (ShoalReceiver, 1);
  self->cfg = *config;
  self->seal = shoal_seal_new (config->key);
  self->rand = g_rand_new_with_seed (config->seed);
  self->n_blocks = shoal_layout_n_blocks (&config->layout);
  self->state = g_malloc0 (self->n_blocks);
  self->partial = g_new0 (Partial *, self->n_blocks);
  self->nack_time = g_new0 (gint64, self->n_blocks);
  self->rstate = SHOAL_RECEIVER_LISTENING;
  self->stats.n_blocks = self->n_blocks;
  g_queue_init (&self->ready);
  return self;
}

void
shoal_ready_block_free (ShoalReadyBlock *ready)
{
  if (ready == NULL)
    return;
  g_free (ready->symbols);
  g_free (ready);
}

static void
free_partial (Partial *p)
{
  if (p == NULL)
    return;
  g_free (p->symbols);
  g_free (p);
}

void
shoal_receiver_free (ShoalReceiver *self)
{
  if (self == NULL)
    return;
  for (guint32 b = 0; b < self->n_blocks; b++)
    free_partial (self->partial[b]);
  g_queue_clear_full (&self->ready, (GDestroyNotify) shoal_ready_block_free);
  g_free (self->partial);
  g_free (self->state);
  g_free (self->nack_time);
  g_rand_free (self->rand);
  shoal_seal_free (self->seal);
  g_free (self);
}

static void
advance_first_incomplete (ShoalReceiver *self)
{
  while (self->first_incomplete < self->n_blocks
         && self->state[self->first_incomplete] >= BLOCK_READY)
    self->first_incomplete++;
}

static void
block_done (ShoalReceiver *self, guint32 b)
{
  self->state[b] = BLOCK_DONE;
  self->stats.blocks_done++;
  advance_first_incomplete (self);
  if (self->stats.blocks_done == self->n_blocks && self->rstate <= SHOAL_RECEIVER_RECEIVING)
    {
      self->rstate = SHOAL_RECEIVER_COMPLETE;
      self->leave_state = SHOAL_MEMBER_COMPLETE;
      self->next_report = 0;
    }
}

/* Marks a block verified before the session (from the resume journal). */
void
shoal_receiver_mark_done (ShoalReceiver *self,
                          guint32        block)
{
  g_return_if_fail (block < self->n_blocks);
  if (self->state[block] == BLOCK_DONE)
    return;
  g_clear_pointer (&self->partial[block], free_partial);
  block_done (self, block);
}

gboolean
shoal_receiver_is_block_done (ShoalReceiver *self,
                              guint32        block)
{
  return block < self->n_blocks && self->state[block] == BLOCK_DONE;
}

static guint
block_need (ShoalReceiver *self, guint32 b)
{
  if (self->state[b] >= BLOCK_READY)
    return 0;
  return shoal_layout_block_k (&self->cfg.layout, b)
         - (self->partial[b] ? self->partial[b]->count : 0);
}

static void
schedule_nack (ShoalReceiver *self, gint64 now)
{
  gint64 at = now + (self->cfg.nack_backoff > 0
                     ? g_rand_int_range (self->rand, 0, (gint32) self->cfg.nack_backoff) : 0);

  if (self->nack_at == 0 || at < self->nack_at)
    self->nack_at = at;
}

static void
note_sender (ShoalReceiver *self, const ShoalPacketHeader *hdr, const struct sockaddr *from,
             socklen_t from_len, gsize bytes, gint64 now)
{
  if (from != NULL && from_len <= sizeof self->sender_addr)
    {
      memcpy (&self->sender_addr, from, from_len);
      self->sender_addr_len = from_len;
    }
  if (!self->sender_known || hdr->sender_id != self->sender_instance)
    {
      /* A new sender instance (first contact, or a restarted distribution point). */
      self->sender_known = TRUE;
      self->sender_instance = hdr->sender_id;
      self->win_any = FALSE;
      self->next_report = now;
    }
  if (!self->win_any)
    {
      self->win_any = TRUE;
      self->win_min_seq = self->win_max_seq = hdr->seq;
      self->win_start = now;
    }
  else
    {
      if ((gint32) (hdr->seq - self->win_min_seq) < 0)
        self->win_min_seq = hdr->seq;
      if ((gint32) (hdr->seq - self->win_max_seq) > 0)
        self->win_max_seq = hdr->seq;
    }
  self->win_count++;
  self->win_bytes += bytes;
}

static void
set_sweep (ShoalReceiver *self, guint32 sweep, gint64 now)
{
  if (sweep > self->n_blocks)
    return;
  if (sweep > self->sweep)
    {
      self->sweep = sweep;
      if (self->first_incomplete < sweep)
        schedule_nack (self, now);
    }
}

static void
handle_data (ShoalReceiver *self, ShoalDataPacket *pkt, gint64 now)
{
  const ShoalLayout *l = &self->cfg.layout;
  guint32 b = pkt->block;
  guint k, slot;
  Partial *p;

  if (self->rstate == SHOAL_RECEIVER_LISTENING || self->rstate == SHOAL_RECEIVER_WAITING)
    self->rstate = SHOAL_RECEIVER_RECEIVING;
  set_sweep (self, pkt->sweep, now);
  if (b >= self->n_blocks || pkt->len != shoal_layout_symbol_len (l, b, pkt->esi))
    {
      self->stats.bad_packets++;
      return;
    }
  if (self->state[b] >= BLOCK_READY)
    {
      self->stats.duplicates++;
      return;
    }
  k = shoal_layout_block_k (l, b);
  p = self->partial[b];
  if (p == NULL)
    {
      gsize size = (gsize) k * l->symbol_size;

      if (self->buffered + size > self->cfg.max_buffered)
        {
          self->stats.dropped_no_memory++;
          return;
        }
      p = self->partial[b] = g_new0 (Partial, 1);
      p->symbols = g_malloc (size);
      self->buffered += size;
      self->state[b] = BLOCK_PARTIAL;
    }
  if (p->have[pkt->esi / 8] & (1 << (pkt->esi % 8)))
    {
      self->stats.duplicates++;
      return;
    }
  p->have[pkt->esi / 8] |= 1 << (pkt->esi % 8);
  slot = p->count++;
  p->esis[slot] = pkt->esi;
  memcpy (p->symbols + (gsize) slot * l->symbol_size, pkt->payload, pkt->len);
  if (pkt->len < l->symbol_size)
    memset (p->symbols + (gsize) slot * l->symbol_size + pkt->len, 0, l->symbol_size - pkt->len);
  self->stats.bytes_received += pkt->len;
  if (p->count == k)
    {
      ShoalReadyBlock *ready = g_new0 (ShoalReadyBlock, 1);

      ready->block = b;
      ready->k = k;
      ready->symbol_size = l->symbol_size;
      ready->symbols = g_steal_pointer (&p->symbols);
      memcpy (ready->esis, p->esis, k);
      g_clear_pointer (&self->partial[b], free_partial);
      self->state[b] = BLOCK_READY;
      advance_first_incomplete (self);
      g_queue_push_tail (&self->ready, ready);
    }
}

static void
handle_status (ShoalReceiver *self, const ShoalStatusBody *body, gint64 now)
{
  for (guint i = 0; i < body->n_drops; i++)
    {
      ShoalDrop d;

      shoal_status_get_drop (body, i, &d);
      if (d.client_id == self->cfg.client_id && self->rstate <= SHOAL_RECEIVER_RECEIVING)
        {
          self->rstate = SHOAL_RECEIVER_DROPPED;
          self->stats.drop_reason = d.reason;
          return;
        }
    }
  if (body->n_blocks != self->n_blocks)
    {
      self->stats.bad_packets++;
      return;
    }
  switch (body->state)
    {
    case SHOAL_SESSION_WAITING:
      if (self->rstate == SHOAL_RECEIVER_LISTENING)
        self->rstate = SHOAL_RECEIVER_WAITING;
      break;
    case SHOAL_SESSION_RUNNING:
      if (self->rstate == SHOAL_RECEIVER_LISTENING || self->rstate == SHOAL_RECEIVER_WAITING)
        self->rstate = SHOAL_RECEIVER_RECEIVING;
      break;
    default:
      if (self->rstate <= SHOAL_RECEIVER_RECEIVING)
        self->rstate = SHOAL_RECEIVER_ENDED;
      return;
    }
  set_sweep (self, body->sweep, now);
  /* Suppression: the sender will send this much anyway, so asking would only add noise. */
  for (guint i = 0; i < body->n_ads; i++)
    {
      ShoalRepairAd ad;

      shoal_status_get_ad (body, i, &ad);
      if (ad.block < self->n_blocks && block_need (self, ad.block) <= ad.count)
        self->nack_time[ad.block] = now;
    }
}

void
shoal_receiver_handle_datagram (ShoalReceiver         *self,
                                guint8                *buf,
                                gsize                  len,
                                const struct sockaddr *from,
                                socklen_t              from_len,
                                gint64                 now)
{
  ShoalPacketHeader hdr;

  self->stats.datagrams++;
  if (self->rstate >= SHOAL_RECEIVER_ENDED)
    return;
  if (!shoal_packet_peek_header (buf, len, &hdr, NULL))
    {
      self->stats.bad_packets++;
      return;
    }
  if (hdr.session_id != self->cfg.session_id)
    return;   /* another session sharing the group */
  if (hdr.type == SHOAL_PACKET_DATA)
    {
      ShoalDataPacket pkt;

      if (!shoal_data_packet_parse (buf, len, self->cfg.layout.symbol_size, &pkt, NULL)
          || !shoal_seal_open (self->seal, &hdr, buf, SHOAL_DATA_HEADER_LEN, pkt.len))
        {
          self->stats.bad_packets++;
          return;
        }
      note_sender (self, &hdr, from, from_len, pkt.len, now);
      handle_data (self, &pkt, now);
    }
  else if (hdr.type == SHOAL_PACKET_STATUS)
    {
      ShoalStatusBody body;
      guint16 body_len;

      if (!shoal_ctrl_packet_parse (buf, len, &hdr, &body_len, NULL)
          || !shoal_seal_open (self->seal, &hdr, buf, SHOAL_CTRL_HEADER_LEN, body_len)
          || !shoal_status_body_parse (buf + SHOAL_CTRL_HEADER_LEN, body_len, &body, NULL))
        {
          self->stats.bad_packets++;
          return;
        }
      note_sender (self, &hdr, from, from_len, 0, now);
      handle_status (self, &body, now);
    }
  else
    self->stats.bad_packets++;
}

ShoalReadyBlock *
shoal_receiver_take_ready (ShoalReceiver *self)
{
  return g_queue_pop_head (&self->ready);
}

/* Recovers the block's source into @out (k * symbol_size bytes). Thread-safe. */
gboolean
shoal_ready_block_decode (ShoalReadyBlock *ready,
                          ShoalFec        *fec,
                          guint8          *out)
{
  guint8 *symbols[SHOAL_MAX_ESI], *outs[SHOAL_MAX_ESI];

  g_return_val_if_fail (shoal_fec_get_k (fec) == ready->k, FALSE);
  for (guint i = 0; i < ready->k; i++)
    {
      symbols[i] = ready->symbols + (gsize) i * ready->symbol_size;
      outs[i] = out + (gsize) i * ready->symbol_size;
    }
  return shoal_fec_decode (fec, symbols, ready->esis, outs);
}

/* Takes back a ready block after the caller decoded and hashed it. A block that failed its
 * hash is fetched again from scratch. */
void
shoal_receiver_block_verified (ShoalReceiver   *self,
                               ShoalReadyBlock *ready,
                               gboolean         ok)
{
  guint32 b = ready->block;

  self->buffered -= (gsize) ready->k * ready->symbol_size;
  shoal_ready_block_free (ready);
  if (ok)
    {
      block_done (self, b);
      return;
    }
  self->stats.hash_failures++;
  self->state[b] = BLOCK_EMPTY;
  self->nack_time[b] = 0;
  if (b < self->first_incomplete)
    self->first_incomplete = b;
}

static guint
build_nacks (ShoalReceiver *self, ShoalNack *nacks, guint max, gint64 now)
{
  guint n = 0;
  gboolean more = FALSE;

  for (guint32 b = self->first_incomplete; b < self->sweep; b++)
    {
      guint need = block_need (self, b);

      if (need == 0)
        continue;
      if (self->nack_time[b] != 0 && now - self->nack_time[b] < self->cfg.repair_timeout)
        {
          more = TRUE;
          continue;
        }
      if (n > 0 && nacks[n - 1].last == b - 1 && nacks[n - 1].need == need)
        nacks[n - 1].last = b;
      else if (n < max)
        {
          nacks[n].first = nacks[n].last = b;
          nacks[n].need = need;
          n++;
        }
      else
        {
          more = TRUE;
          break;
        }
      self->nack_time[b] = now;
      more = TRUE;
    }
  self->nack_at = 0;
  if (more)
    self->nack_at = now + (n == max ? self->cfg.nack_backoff : self->cfg.repair_timeout);
  return n;
}

static void
close_window (ShoalReceiver *self, gint64 now)
{
  if (self->win_any && self->win_max_seq - self->win_min_seq >= 16)
    {
      double expected = (double) (self->win_max_seq - self->win_min_seq) + 1;
      double loss = 1.0 - MIN (1.0, self->win_count / expected);

      self->loss = self->loss * 0.5 + loss * 0.5;
    }
  if (now > self->win_start)
    self->stats.rx_rate = self->win_bytes * 8 * G_USEC_PER_SEC / (guint64) (now - self->win_start);
  self->stats.loss_permille = (guint16) (self->loss * 1000 + 0.5);
  self->win_any = FALSE;
  self->win_count = 0;
  self->win_bytes = 0;
  self->win_start = now;
}

/* Builds the next report when one is due: periodic progress, NACKs when their timer fires,
 * and a few final reports once complete or leaving. *dest is the sender's address. */
gsize
shoal_receiver_next_report (ShoalReceiver          *self,
                            gint64                  now,
                            guint8                 *buf,
                            gsize                   size,
                            const struct sockaddr **dest,
                            socklen_t              *dest_len)
{
  ShoalReportBody body = { 0 };
  ShoalPacketHeader hdr = { SHOAL_PACKET_REPORT, self->cfg.session_id, self->cfg.client_id, 0 };
  gsize host_len = strnlen (self->cfg.hostname, SHOAL_MAX_HOSTNAME);
  guint max_nacks;
  g_autofree ShoalNack *nacks = NULL;
  gboolean nack_due, pressure_due, leaving;
  gsize body_len;

  if (!self->sender_known || self->rstate == SHOAL_RECEIVER_FINISHED)
    return 0;
  leaving = self->leave_state != 0;
  if (leaving && self->final_reports >= FINAL_REPORTS)
    {
      if (self->rstate == SHOAL_RECEIVER_COMPLETE)
        self->rstate = SHOAL_RECEIVER_FINISHED;
      return 0;
    }
  if (!leaving && self->rstate >= SHOAL_RECEIVER_ENDED)
    return 0;
  nack_due = !leaving && self->nack_at != 0 && now >= self->nack_at;
  body.backlog_permille = (guint16) MIN ((guint64) self->buffered * 1000
                                         / MAX (self->cfg.max_buffered, 1), 1000);
  pressure_due = !leaving && now >= self->last_report + PRESSURE_INTERVAL
                 && (body.backlog_permille >= PRESSURE_PERMILLE
                     || self->last_backlog >= PRESSURE_PERMILLE);
  if (now < self->next_report && !nack_due && !pressure_due)
    return 0;
  g_return_val_if_fail (size >= SHOAL_CTRL_HEADER_LEN + SHOAL_REPORT_FIXED_LEN + host_len
                        + SHOAL_REPORT_NACK_LEN + SHOAL_TAG_LEN, 0);

  max_nacks = (size - SHOAL_CTRL_HEADER_LEN - SHOAL_REPORT_FIXED_LEN - host_len - SHOAL_TAG_LEN)
              / SHOAL_REPORT_NACK_LEN;
  nacks = g_new (ShoalNack, max_nacks);
  if (nack_due)
    body.n_nacks = build_nacks (self, nacks, max_nacks, now);
  if (now >= self->next_report)
    {
      close_window (self, now);
      /* Final reports go quickly: the client is done and only tells the sender so. */
      self->next_report = now + (leaving ? 20 * 1000 : self->cfg.report_interval);
    }
  if (leaving)
    self->final_reports++;
  body.state = leaving ? self->leave_state : SHOAL_MEMBER_RECEIVING;
  body.blocks_done = self->stats.blocks_done;
  body.bytes_received = self->stats.bytes_received;
  body.loss_permille = self->stats.loss_permille;
  body.rx_rate_kbps = (guint32) MIN (self->stats.rx_rate / 1000, G_MAXUINT32);
  memcpy (body.hostname, self->cfg.hostname, host_len);
  body.hostname[host_len] = '\0';
  hdr.seq = (guint32) self->stats.reports_sent++;
  self->last_report = now;
  self->last_backlog = body.backlog_permille;
  body_len = shoal_report_body_write (buf + SHOAL_CTRL_HEADER_LEN,
                                      size - SHOAL_CTRL_HEADER_LEN - SHOAL_TAG_LEN, &body, nacks);
  shoal_ctrl_header_write (buf, &hdr, body_len);
  shoal_seal_seal (self->seal, &hdr, buf, SHOAL_CTRL_HEADER_LEN, body_len);
  if (body.n_nacks > 0)
    self->stats.nacks_sent++;
  *dest = (const struct sockaddr *) &self->sender_addr;
  *dest_len = self->sender_addr_len;
  return SHOAL_CTRL_HEADER_LEN + body_len + SHOAL_TAG_LEN;
}

/* When to call shoal_receiver_next_report() next; -1: only when a datagram arrives. */
gint64
shoal_receiver_next_timeout (ShoalReceiver *self)
{
  gint64 t = -1;

  if (!self->sender_known || self->rstate == SHOAL_RECEIVER_FINISHED)
    return -1;
  if (self->leave_state != 0 || self->rstate < SHOAL_RECEIVER_ENDED)
    t = self->next_report;
  if (self->leave_state == 0 && self->nack_at != 0 && (t < 0 || self->nack_at < t))
    t = self->nack_at;
  return t;
}

/* Leaves the session (e.g. to finish over HTTP), telling the sender in the next reports. */
void
shoal_receiver_leave (ShoalReceiver    *self,
                      ShoalMemberState  state,
                      gint64            now)
{
  if (self->leave_state != 0)
    return;
  self->leave_state = state;
  self->next_report = now;
}

ShoalReceiverState
shoal_receiver_get_state (ShoalReceiver *self)
{
  return self->rstate;
}

void
shoal_receiver_get_stats (ShoalReceiver      *self,
                          ShoalReceiverStats *stats)
{
  *stats = self->stats;
}
