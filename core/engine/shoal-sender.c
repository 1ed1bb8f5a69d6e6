/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sender's state machine. Receivers report per block how many more symbols they need;
 * the sender keeps the maximum per block and answers with that many fresh symbols, so one
 * parity symbol repairs a different loss at each receiver (the NORM insight). */
#include "config.h"

#include <string.h>

#include "shoal-fec.h"
#include "shoal-seal.h"
#include "shoal-sender.h"

#define CACHE_SLOTS     8
#define DROP_AD_TIME    (3 * G_USEC_PER_SEC)
#define RATE_WINDOW     (250 * 1000)
#define DONE_STATUSES   5
#define MAX_JOB         SHOAL_MAX_ESI
/* Repair waits this long after a block's first NACK, so the NACKs of every receiver (each
 * delayed by its random backoff) are in and one round of parity serves them all. */
#define AGGREGATE       (20 * 1000)
/* A NACK for no more than was just sent for that block crossed the repair in flight. */
#define CROSSED         (50 * 1000)

typedef struct
{
  gint64  block;      /* -1: empty */
  guint64 used;
  guint8 *data;       /* k * symbol_size, zero-padded */
} CacheSlot;

typedef struct
{
  guint32 client_id;
  guint8  reason;
  gint64  until;
} DropAd;

struct _ShoalSender
{
  ShoalSenderConfig cfg;
  ShoalReadFunc     read_func;
  gpointer          read_data;
  ShoalSeal        *seal;
  ShoalFec         *fec;        /* for full blocks */
  ShoalFec         *fec_last;   /* for a short last block */

  guint32  n_blocks;
  guint8  *pending;             /* per block: symbols requested, not yet scheduled */
  gint64  *pending_since;       /* per block: when its first pending NACK came */
  guint8  *served;              /* per block: symbols the last repair of it sent */
  gint64  *served_at;
  guint8  *next_parity;         /* per block: next parity ESI offset (0..255-k-1) */
  guint32  pending_min;         /* no pending block below this */
  guint32  n_pending;

  /* The job in progress: symbols of one block being sent in a row. */
  gboolean job_active;
  guint32  job_block;
  guint8   job_esis[MAX_JOB];
  guint    job_n, job_i;
  guint8   job_flags;
  guint8  *job_parity;          /* job_n * symbol_size when parity */

  /* First pass. */
  guint32  sweep;
  guint    sweep_esi;
  guint16  pass;

  CacheSlot cache[CACHE_SLOTS];
  guint64   cache_clock;

  guint8   state;
  guint32  seq;
  gint64   next_status;
  gint64   first_join;
  gint64   pass_done_at;
  guint    done_statuses;
  gint64   next_rate_check;
  guint64  rate;
  gint64   held_since;          /* back-pressure holds the sending since; 0: it does not */

  GPtrArray *members;           /* ShoalMemberInfo */
  GArray    *drops;             /* DropAd */
  GArray    *events;            /* ShoalSenderEvent */
  ShoalSenderStats stats;
};

static guint64 rate_ceiling (ShoalSender *self);

/* Back-pressure, from the backlog members report (per mille of their block buffer): at
 * BACKLOG_SLOW the sender halves its rate, at BACKLOG_HOLD it sends no data until the
 * backlog falls. A member's backlog counts while its reports are fresh (BACKLOG_FRESH) and
 * for at most max_hold in a row: a receiver that cannot keep up even then repairs later
 * instead of holding the session. */
#define BACKLOG_SLOW    500
#define BACKLOG_HOLD    750
#define BACKLOG_FRESH   (300 * 1000)

void
shoal_sender_config_init (ShoalSenderConfig *c)
{
  memset (c, 0, sizeof *c);
  c->layout.k = 128;
  c->layout.symbol_size = 1404;
  c->min_rate = 10 * 1000 * 1000;
  c->slow_loss_permille = 100;
  c->slow_rate = 0;
  c->slow_grace = 10 * G_USEC_PER_SEC;
  c->silence_timeout = 10 * G_USEC_PER_SEC;
  c->linger = 2 * G_USEC_PER_SEC;
  c->status_interval = 100 * 1000;
  c->max_run = 64;
  c->max_hold = 3 * G_USEC_PER_SEC;
}

static void
emit (ShoalSender *self, ShoalSenderEventType type, gint64 now, guint32 client, guint8 reason)
{
  ShoalSenderEvent ev = { type, now, client, reason };

  g_array_append_val (self->events, ev);
}

ShoalSender *
shoal_sender_new (const ShoalSenderConfig *config,
                  ShoalReadFunc            read_func,
                  gpointer                 user_data)
{
  ShoalSender *self;
  guint last_k;

  g_return_val_if_fail (config->layout.k >= 1 && config->layout.k <= 200, NULL);
  g_return_val_if_fail (config->layout.total_size > 0, NULL);
  g_return_val_if_fail (config->max_run >= 1 && config->max_run <= 64, NULL);

  self = g_new0 (ShoalSender, 1);
  self->cfg = *config;
  self->read_func = read_func;
  self->read_data = user_data;
  self->seal = shoal_seal_new (config->key);
  self->n_blocks = shoal_layout_n_blocks (&config->layout);
  self->fec = shoal_fec_new (config->layout.k, config->layout.symbol_size);
  last_k = shoal_layout_block_k (&config->layout, self->n_blocks - 1);
  if (last_k != config->layout.k)
    self->fec_last = shoal_fec_new (last_k, config->layout.symbol_size);
  self->pending = g_malloc0 (self->n_blocks);
  self->pending_since = g_new0 (gint64, self->n_blocks);
  self->served = g_malloc0 (self->n_blocks);
  self->served_at = g_new0 (gint64, self->n_blocks);
  self->next_parity = g_malloc0 (self->n_blocks);
  self->pending_min = self->n_blocks;
  self->job_parity = g_malloc ((gsize) MAX_JOB * config->layout.symbol_size);
  for (guint i = 0; i < CACHE_SLOTS; i++)
    {
      self->cache[i].block = -1;
      self->cache[i].data = g_malloc (shoal_layout_block_size (&config->layout));
    }
  self->state = SHOAL_SESSION_WAITING;
  self->rate = config->max_rate;
  /* Adaptive mode starts low and grows, rather than flooding a slow path first. */
  if (config->adaptive)
    self->rate = MAX (config->min_rate, rate_ceiling (self) / 10);
  self->members = g_ptr_array_new_with_free_func (g_free);
  self->drops = g_array_new (FALSE, FALSE, sizeof (DropAd));
  self->events = g_array_new (FALSE, FALSE, sizeof (ShoalSenderEvent));
  self->stats.n_blocks = self->n_blocks;
  return self;
}

void
shoal_sender_free (ShoalSender *self)
{
  if (self == NULL)
    return;
  shoal_seal_free (self->seal);
  shoal_fec_free (self->fec);
  shoal_fec_free (self->fec_last);
  g_free (self->pending);
  g_free (self->pending_since);
  g_free (self->served);
  g_free (self->served_at);
  g_free (self->next_parity);
  g_free (self->job_parity);
  for (guint i = 0; i < CACHE_SLOTS; i++)
    g_free (self->cache[i].data);
  g_ptr_array_unref (self->members);
  g_array_unref (self->drops);
  g_array_unref (self->events);
  g_free (self);
}

gsize
shoal_sender_max_datagram (ShoalSender *self)
{
  return SHOAL_DATA_HEADER_LEN + self->cfg.layout.symbol_size + SHOAL_TAG_LEN;
}

static ShoalMemberInfo *
find_member (ShoalSender *self, guint32 id)
{
  for (guint i = 0; i < self->members->len; i++)
    {
      ShoalMemberInfo *m = g_ptr_array_index (self->members, i);
      if (m->id == id)
        return m;
    }
  return NULL;
}

static gboolean
member_finished (const ShoalMemberInfo *m)
{
  return m->dropped || m->state != SHOAL_MEMBER_RECEIVING;
}

static guint
active_members (ShoalSender *self)
{
  guint n = 0;

  for (guint i = 0; i < self->members->len; i++)
    if (!((ShoalMemberInfo *) g_ptr_array_index (self->members, i))->dropped)
      n++;
  return n;
}

static void
drop_member (ShoalSender *self, ShoalMemberInfo *m, guint8 reason, gint64 now)
{
  DropAd ad = { m->id, reason, now + DROP_AD_TIME };

  if (!m->dropped)
    {
      m->dropped = TRUE;
      m->drop_reason = reason;
      m->finished_at = now;
      emit (self, SHOAL_SENDER_EVENT_MEMBER_DROPPED, now, m->id, reason);
    }
  for (guint i = 0; i < self->drops->len; i++)
    if (g_array_index (self->drops, DropAd, i).client_id == m->id)
      {
        g_array_index (self->drops, DropAd, i).until = ad.until;
        return;
      }
  g_array_append_val (self->drops, ad);
}

static void
start (ShoalSender *self, gint64 now)
{
  if (self->state != SHOAL_SESSION_WAITING)
    return;
  self->state = SHOAL_SESSION_RUNNING;
  self->stats.started_at = now;
  self->next_status = now;
  self->next_rate_check = now + RATE_WINDOW;
  emit (self, SHOAL_SENDER_EVENT_STARTED, now, 0, 0);
}

void
shoal_sender_start_now (ShoalSender *self,
                        gint64       now)
{
  start (self, now);
}

void
shoal_sender_cancel (ShoalSender *self,
                     gint64       now)
{
  if (self->state == SHOAL_SESSION_DONE || self->state == SHOAL_SESSION_CANCELLED)
    return;
  self->state = SHOAL_SESSION_CANCELLED;
  self->stats.finished_at = now;
  self->next_status = now;
  emit (self, SHOAL_SENDER_EVENT_DONE, now, 0, 0);
}

static void
add_pending (ShoalSender *self, guint32 b, guint need, gint64 now)
{
  guint k = shoal_layout_block_k (&self->cfg.layout, b);

  need = MIN (need, k);
  if (self->pending[b] >= need)
    return;
  if (self->pending[b] == 0 && self->served_at[b] != 0 && now - self->served_at[b] < CROSSED
      && need <= self->served[b])
    return;
  if (self->pending[b] == 0)
    {
      self->n_pending++;
      self->pending_since[b] = now;
    }
  self->pending[b] = need;
  if (b < self->pending_min)
    self->pending_min = b;
}

static void
handle_report (ShoalSender *self, const ShoalPacketHeader *hdr, const ShoalReportBody *body,
               const struct sockaddr *from, socklen_t from_len, gint64 now)
{
  ShoalMemberInfo *m = find_member (self, hdr->sender_id);
  guint8 old_state;

  if (m == NULL)
    {
      if (self->state == SHOAL_SESSION_DONE || self->state == SHOAL_SESSION_CANCELLED)
        return;
      m = g_new0 (ShoalMemberInfo, 1);
      m->id = hdr->sender_id;
      m->state = SHOAL_MEMBER_RECEIVING;
      m->joined_at = now;
      g_ptr_array_add (self->members, m);
      emit (self, SHOAL_SENDER_EVENT_MEMBER_JOINED, now, m->id, 0);
      if (self->first_join == 0)
        self->first_join = now;
      if (self->cfg.max_clients > 0 && active_members (self) > self->cfg.max_clients)
        drop_member (self, m, SHOAL_DROP_SESSION_FULL, now);
    }
  g_strlcpy (m->hostname, body->hostname, sizeof m->hostname);
  if (from != NULL && from_len <= sizeof m->addr)
    {
      memcpy (&m->addr, from, from_len);
      m->addr_len = from_len;
    }
  m->last_seen = now;
  m->blocks_done = body->blocks_done;
  m->bytes_received = body->bytes_received;
  m->loss_permille = body->loss_permille;
  m->rx_rate_kbps = body->rx_rate_kbps;
  m->backlog_permille = body->backlog_permille;
  if (body->backlog_permille < BACKLOG_SLOW)
    m->pressure_since = 0;
  else if (m->pressure_since == 0)
    m->pressure_since = now;
  old_state = m->state;
  m->state = body->state;
  if (old_state == SHOAL_MEMBER_RECEIVING && m->state != SHOAL_MEMBER_RECEIVING)
    {
      m->finished_at = now;
      emit (self, m->state == SHOAL_MEMBER_COMPLETE ? SHOAL_SENDER_EVENT_MEMBER_COMPLETE
                : m->state == SHOAL_MEMBER_FALLBACK ? SHOAL_SENDER_EVENT_MEMBER_FALLBACK
                : SHOAL_SENDER_EVENT_MEMBER_FAILED, now, m->id, 0);
    }
  if (m->dropped)
    {
      /* Still listening: repeat the news until it stops. */
      if (m->state == SHOAL_MEMBER_RECEIVING)
        drop_member (self, m, m->drop_reason, now);
      return;
    }
  if (self->state != SHOAL_SESSION_RUNNING)
    return;
  for (guint i = 0; i < body->n_nacks; i++)
    {
      ShoalNack n;

      shoal_report_get_nack (body, i, &n);
      if (n.first >= self->n_blocks)
        continue;
      n.last = MIN (n.last, self->n_blocks - 1);
      for (guint32 b = n.first; b <= n.last; b++)
        {
          /* Blocks the first pass has not reached yet will come anyway. */
          if (b >= self->sweep)
            break;
          add_pending (self, b, n.need, now);
          m->nack_symbols += n.need;
        }
    }
}

void
shoal_sender_handle_datagram (ShoalSender           *self,
                              guint8                *buf,
                              gsize                  len,
                              const struct sockaddr *from,
                              socklen_t              from_len,
                              gint64                 now)
{
  ShoalPacketHeader hdr;
  ShoalReportBody body;
  guint16 body_len;

  if (!shoal_ctrl_packet_parse (buf, len, &hdr, &body_len, NULL)
      || hdr.type != SHOAL_PACKET_REPORT
      || hdr.session_id != self->cfg.session_id
      || !shoal_seal_open (self->seal, &hdr, buf, SHOAL_CTRL_HEADER_LEN, body_len)
      || !shoal_report_body_parse (buf + SHOAL_CTRL_HEADER_LEN, body_len, &body, NULL))
    {
      self->stats.bad_packets++;
      return;
    }
  self->stats.reports++;
  handle_report (self, &hdr, &body, from, from_len, now);
}

/* Returns the zero-padded source of block @b, reading it through a small LRU cache. */
static guint8 *
get_block (ShoalSender *self, guint32 b, GError **error)
{
  CacheSlot *victim = &self->cache[0];
  guint len;

  for (guint i = 0; i < CACHE_SLOTS; i++)
    {
      if (self->cache[i].block == b)
        {
          self->cache[i].used = ++self->cache_clock;
          return self->cache[i].data;
        }
      if (self->cache[i].used < victim->used)
        victim = &self->cache[i];
    }
  len = shoal_layout_block_len (&self->cfg.layout, b);
  victim->block = -1;
  if (!self->read_func (shoal_layout_block_offset (&self->cfg.layout, b),
                        victim->data, len, self->read_data, error))
    return NULL;
  memset (victim->data + len, 0, shoal_layout_block_size (&self->cfg.layout) - len);
  victim->block = b;
  victim->used = ++self->cache_clock;
  return victim->data;
}

static ShoalFec *
fec_for (ShoalSender *self, guint32 b)
{
  return shoal_layout_block_k (&self->cfg.layout, b) == self->cfg.layout.k ? self->fec
                                                                             : self->fec_last;
}

/* Plans @n fresh symbols of block @b: parity while fresh parity lasts, otherwise the whole
 * source again (a receiver that needs most of a block gets it cheapest that way). */
static gboolean
start_job (ShoalSender *self, guint32 b, guint n, guint8 flags, GError **error)
{
  guint k = shoal_layout_block_k (&self->cfg.layout, b);
  guint n_parity = SHOAL_MAX_ESI - k;

  self->job_block = b;
  self->job_i = 0;
  self->job_flags = flags;
  if (n >= k || n > n_parity / 2)
    {
      self->job_n = k;
      for (guint i = 0; i < k; i++)
        self->job_esis[i] = i;
    }
  else
    {
      guint8 *src[SHOAL_MAX_ESI], *out[SHOAL_MAX_ESI];
      guint8 *data = get_block (self, b, error);

      if (data == NULL)
        return FALSE;
      self->job_n = n;
      for (guint i = 0; i < n; i++)
        {
          self->job_esis[i] = k + self->next_parity[b];
          self->next_parity[b] = (self->next_parity[b] + 1) % n_parity;
          out[i] = self->job_parity + (gsize) i * self->cfg.layout.symbol_size;
        }
      for (guint i = 0; i < k; i++)
        src[i] = data + (gsize) i * self->cfg.layout.symbol_size;
      shoal_fec_encode (fec_for (self, b), src, self->job_esis, n, out);
    }
  self->job_active = TRUE;
  return TRUE;
}

/* Chooses the next symbol: requested repair first, then the first pass. */
static gboolean
next_symbol (ShoalSender *self, gint64 now, guint32 *block, guint *esi, guint8 *flags,
             GError **error)
{
  for (;;)
    {
      if (self->job_active)
        {
          if (self->job_i < self->job_n)
            {
              *block = self->job_block;
              *esi = self->job_esis[self->job_i];
              *flags = self->job_flags;
              return TRUE;
            }
          self->job_active = FALSE;
        }
      if (self->n_pending > 0)
        {
          guint32 b, seen = 0;

          /* The lowest pending block whose NACKs have had time to gather. */
          for (b = self->pending_min; b < self->n_blocks && seen < self->n_pending; b++)
            if (self->pending[b] != 0)
              {
                if (now - self->pending_since[b] >= AGGREGATE)
                  break;
                seen++;
              }
          if (b < self->n_blocks && seen < self->n_pending)
            {
              guint n = self->pending[b];

              self->pending[b] = 0;
              self->n_pending--;
              while (self->pending_min < self->n_blocks && self->pending[self->pending_min] == 0)
                self->pending_min++;
              if (!start_job (self, b, n, SHOAL_DATA_FLAG_REPAIR, error))
                return FALSE;
              self->served[b] = MIN (self->job_n, 255);
              self->served_at[b] = now;
              continue;
            }
        }
      if (self->sweep < self->n_blocks)
        {
          guint k = shoal_layout_block_k (&self->cfg.layout, self->sweep);
          guint proactive = MIN (self->cfg.proactive_parity, SHOAL_MAX_ESI - k);

          if (self->sweep_esi < k)
            {
              *block = self->sweep;
              *esi = self->sweep_esi;
              *flags = 0;
              return TRUE;
            }
          if (self->sweep_esi == k && proactive > 0)
            {
              self->sweep_esi++;
              if (!start_job (self, self->sweep, proactive, SHOAL_DATA_FLAG_PROACTIVE, error))
                return FALSE;
              continue;
            }
          self->sweep++;
          self->sweep_esi = 0;
          continue;
        }
      return FALSE;
    }
}

static void
advance_symbol (ShoalSender *self)
{
  if (self->job_active)
    self->job_i++;
  else
    self->sweep_esi++;
}

static gsize
build_data (ShoalSender *self, guint8 *buf, guint32 b, guint esi, guint8 flags, GError **error)
{
  const ShoalLayout *l = &self->cfg.layout;
  guint k = shoal_layout_block_k (l, b);
  guint len = shoal_layout_symbol_len (l, b, esi);
  ShoalDataPacket pkt = { 0 };
  const guint8 *sym;

  if (esi < k)
    {
      guint8 *data = get_block (self, b, error);
      if (data == NULL)
        return 0;
      sym = data + (gsize) esi * l->symbol_size;
    }
  else
    {
      guint i;
      for (i = 0; i < self->job_n && self->job_esis[i] != esi; i++)
        ;
      g_assert (i < self->job_n);
      sym = self->job_parity + (gsize) i * l->symbol_size;
    }
  pkt.hdr.type = SHOAL_PACKET_DATA;
  pkt.hdr.session_id = self->cfg.session_id;
  pkt.hdr.sender_id = self->cfg.instance_id;
  pkt.hdr.seq = self->seq++;
  pkt.block = b;
  pkt.esi = esi;
  pkt.len = len;
  pkt.flags = flags;
  pkt.pass = self->pass;
  pkt.sweep = self->sweep;
  shoal_data_packet_write_header (buf, &pkt);
  memcpy (buf + SHOAL_DATA_HEADER_LEN, sym, len);
  shoal_seal_seal (self->seal, &pkt.hdr, buf, SHOAL_DATA_HEADER_LEN, len);
  if (flags & SHOAL_DATA_FLAG_REPAIR)
    self->stats.repair_bytes += len;
  else if (flags & SHOAL_DATA_FLAG_PROACTIVE)
    self->stats.proactive_bytes += len;
  else
    self->stats.source_bytes += len;
  return SHOAL_DATA_HEADER_LEN + len + SHOAL_TAG_LEN;
}

static gsize
build_status (ShoalSender *self, guint8 *buf, gsize size, gint64 now)
{
  gsize max_entries = (size - SHOAL_CTRL_HEADER_LEN - SHOAL_TAG_LEN - SHOAL_STATUS_FIXED_LEN)
                      / SHOAL_STATUS_AD_LEN;
  g_autofree ShoalRepairAd *ads = g_new (ShoalRepairAd, max_entries);
  g_autofree ShoalDrop *drops = g_new (ShoalDrop, max_entries);
  ShoalStatusBody body = { 0 };
  ShoalPacketHeader hdr = { SHOAL_PACKET_STATUS, self->cfg.session_id, self->cfg.instance_id,
                            self->seq++ };
  gsize body_len;

  for (guint i = 0; i < self->drops->len;)
    {
      DropAd *d = &g_array_index (self->drops, DropAd, i);
      if (d->until < now)
        {
          g_array_remove_index_fast (self->drops, i);
          continue;
        }
      if (body.n_drops < max_entries / 2)
        {
          drops[body.n_drops].client_id = d->client_id;
          drops[body.n_drops].reason = d->reason;
          body.n_drops++;
        }
      i++;
    }
  /* Advertise queued repair so receivers that need no more than that stay quiet. */
  if (self->job_active && self->job_i < self->job_n)
    {
      ads[body.n_ads].block = self->job_block;
      ads[body.n_ads].count = self->job_n - self->job_i;
      body.n_ads++;
    }
  for (guint32 b = self->pending_min; b < self->n_blocks && self->n_pending > 0
       && body.n_ads + body.n_drops < max_entries; b++)
    if (self->pending[b] > 0)
      {
        ads[body.n_ads].block = b;
        ads[body.n_ads].count = self->pending[b];
        body.n_ads++;
      }
  body.state = self->state;
  body.clients = MIN (active_members (self), G_MAXUINT16);
  body.rate_kbps = (guint32) MIN (self->rate / 1000, G_MAXUINT32);
  body.sweep = self->sweep;
  body.n_blocks = self->n_blocks;
  body.pass = self->pass;
  body_len = shoal_status_body_write (buf + SHOAL_CTRL_HEADER_LEN,
                                      size - SHOAL_CTRL_HEADER_LEN - SHOAL_TAG_LEN,
                                      &body, ads, drops);
  shoal_ctrl_header_write (buf, &hdr, body_len);
  shoal_seal_seal (self->seal, &hdr, buf, SHOAL_CTRL_HEADER_LEN, body_len);
  return SHOAL_CTRL_HEADER_LEN + body_len + SHOAL_TAG_LEN;
}

static void
check_members (ShoalSender *self, gint64 now)
{
  guint64 slow_kbps = self->cfg.slow_rate / 1000;

  for (guint i = 0; i < self->members->len; i++)
    {
      ShoalMemberInfo *m = g_ptr_array_index (self->members, i);
      gboolean slow;

      if (member_finished (m))
        continue;
      if (now - m->last_seen > self->cfg.silence_timeout)
        {
          drop_member (self, m, SHOAL_DROP_SILENT, now);
          continue;
        }
      if (!self->cfg.drop_slow || self->state != SHOAL_SESSION_RUNNING)
        continue;
      slow = m->loss_permille > self->cfg.slow_loss_permille
             || (slow_kbps > 0 && m->rx_rate_kbps < slow_kbps);
      if (!slow)
        m->slow_since = 0;
      else if (m->slow_since == 0)
        m->slow_since = now;
      else if (now - m->slow_since >= self->cfg.slow_grace)
        drop_member (self, m, SHOAL_DROP_SLOW, now);
    }
}

static guint64
rate_ceiling (ShoalSender *self)
{
  return self->cfg.max_rate ? self->cfg.max_rate : G_GUINT64_CONSTANT (10000000000);
}

/* The highest backlog that may hold the session back now. */
static guint16
pressure (ShoalSender *self, gint64 now)
{
  guint16 worst = 0;

  if (self->cfg.max_hold <= 0)
    return 0;
  for (guint i = 0; i < self->members->len; i++)
    {
      ShoalMemberInfo *m = g_ptr_array_index (self->members, i);

      if (member_finished (m) || m->pressure_since == 0 || now - m->last_seen > BACKLOG_FRESH
          || now - m->pressure_since > self->cfg.max_hold)
        continue;
      worst = MAX (worst, m->backlog_permille);
    }
  return worst;
}

/* On loss, go straight to what the worst member actually receives (its measured rate is
 * the bottleneck's capacity), at most 0.9x the current rate; while clean, grow by 10 % a
 * window. Only members still in the session count. */
static void
adapt_rate (ShoalSender *self, gint64 now)
{
  const ShoalMemberInfo *worst = NULL;
  guint64 rate;

  if (!self->cfg.adaptive || now < self->next_rate_check)
    return;
  self->next_rate_check = now + RATE_WINDOW;
  for (guint i = 0; i < self->members->len; i++)
    {
      ShoalMemberInfo *m = g_ptr_array_index (self->members, i);
      if (!member_finished (m) && now - m->last_seen < RATE_WINDOW * 2
          && (worst == NULL || m->loss_permille > worst->loss_permille))
        worst = m;
    }
  rate = self->rate;
  if (worst != NULL && worst->loss_permille > 15)
    {
      /* rx_rate counts symbol bytes; the wire carries ~6 % more. */
      guint64 capacity = (guint64) worst->rx_rate_kbps * 1000 * 106 / 100;

      rate = rate * 9 / 10;
      if (capacity > 0)
        rate = MIN (rate, capacity);
    }
  else if (worst != NULL)
    rate = rate + rate / 10;
  rate = CLAMP (rate, self->cfg.min_rate, rate_ceiling (self));
  if (rate != self->rate)
    {
      self->rate = rate;
      emit (self, SHOAL_SENDER_EVENT_RATE_CHANGED, now, 0, 0);
    }
}

static void
check_state (ShoalSender *self, gint64 now)
{
  gboolean all_finished = TRUE;

  check_members (self, now);
  if (self->state == SHOAL_SESSION_WAITING)
    {
      guint n = active_members (self);
      gboolean rules = self->cfg.min_clients > 0 || self->cfg.max_wait > 0;

      if (self->cfg.start_immediately
          || (self->cfg.min_clients > 0 && n >= self->cfg.min_clients)
          || (self->cfg.max_wait > 0 && self->first_join > 0
              && now - self->first_join >= self->cfg.max_wait)
          || (!rules && n > 0))
        start (self, now);
      return;
    }
  if (self->state != SHOAL_SESSION_RUNNING)
    return;
  adapt_rate (self, now);
  if (self->sweep < self->n_blocks || self->n_pending > 0 || self->job_active)
    return;
  if (self->pass_done_at == 0)
    {
      self->pass_done_at = now;
      emit (self, SHOAL_SENDER_EVENT_PASS_COMPLETE, now, 0, 0);
    }
  for (guint i = 0; i < self->members->len; i++)
    if (!member_finished (g_ptr_array_index (self->members, i)))
      all_finished = FALSE;
  if (!all_finished)
    return;
  if (self->members->len == 0 && now - self->pass_done_at < self->cfg.linger)
    return;
  self->state = SHOAL_SESSION_DONE;
  self->stats.finished_at = now;
  self->next_status = now;
  emit (self, SHOAL_SENDER_EVENT_DONE, now, 0, 0);
}

/* Fills @buf with the next run of equal-size datagrams (*seg_size each) and returns its
 * length, or 0 when nothing is due before *next_wake (-1 once the session is over). */
gsize
shoal_sender_next_run (ShoalSender  *self,
                       gint64        now,
                       guint8       *buf,
                       gsize         buf_size,
                       gsize        *seg_size,
                       gint64       *next_wake,
                       GError      **error)
{
  gsize dgram = shoal_sender_max_datagram (self);
  gsize used = 0, size = 0;
  guint n = 0;

  g_return_val_if_fail (buf_size >= dgram, 0);
  check_state (self, now);
  *next_wake = self->next_status;

  if (shoal_sender_is_finished (self))
    {
      *next_wake = -1;
      return 0;
    }
  if (now >= self->next_status)
    {
      gboolean over = self->state == SHOAL_SESSION_DONE
                      || self->state == SHOAL_SESSION_CANCELLED;

      if (over)
        self->done_statuses++;
      self->next_status = now + (over ? self->cfg.status_interval / 4
                                      : self->cfg.status_interval);
      *seg_size = build_status (self, buf, dgram, now);
      *next_wake = now;
      self->stats.datagrams++;
      self->stats.wire_bytes += *seg_size;
      return *seg_size;
    }
  if (self->state != SHOAL_SESSION_RUNNING)
    return 0;
  /* A member's buffer is nearly full: wait for its next report (status still goes out). */
  if (pressure (self, now) >= BACKLOG_HOLD)
    {
      if (self->held_since == 0)
        {
          self->held_since = now;
          self->stats.holds++;
        }
      *next_wake = MIN (self->next_status, now + 5000);
      return 0;
    }
  if (self->held_since != 0)
    {
      self->stats.held_us += now - self->held_since;
      self->held_since = 0;
    }

  while (n < self->cfg.max_run && used + dgram <= buf_size)
    {
      guint32 b;
      guint esi;
      guint8 flags;
      gsize len;

      if (!next_symbol (self, now, &b, &esi, &flags, error))
        {
          if (error && *error)
            return 0;
          break;
        }
      len = SHOAL_DATA_HEADER_LEN + shoal_layout_symbol_len (&self->cfg.layout, b, esi)
            + SHOAL_TAG_LEN;
      /* Only the last datagram of a run may be shorter. */
      if (n > 0 && len != size)
        {
          if (len > size)
            break;
        }
      len = build_data (self, buf + used, b, esi, flags, error);
      if (len == 0)
        return 0;
      advance_symbol (self);
      if (n == 0)
        size = len;
      used += len;
      n++;
      if (len < size)
        break;
    }
  if (n > 0)
    {
      *seg_size = size;
      *next_wake = now;
      self->stats.datagrams += n;
      self->stats.wire_bytes += used;
    }
  else if (self->n_pending > 0)
    *next_wake = MIN (*next_wake, now + AGGREGATE / 4);   /* held repair maturing */
  return used;
}

gboolean
shoal_sender_poll_event (ShoalSender      *self,
                         ShoalSenderEvent *event)
{
  if (self->events->len == 0)
    return FALSE;
  *event = g_array_index (self->events, ShoalSenderEvent, 0);
  g_array_remove_index (self->events, 0);
  return TRUE;
}

gboolean
shoal_sender_is_finished (ShoalSender *self)
{
  return (self->state == SHOAL_SESSION_DONE || self->state == SHOAL_SESSION_CANCELLED)
         && self->done_statuses >= DONE_STATUSES;
}

guint64
shoal_sender_get_rate (ShoalSender *self)
{
  return self->rate;
}

guint64
shoal_sender_get_send_rate (ShoalSender *self,
                            gint64       now)
{
  guint16 p = pressure (self, now);
  guint64 rate = self->rate;

  if (p >= BACKLOG_SLOW)
    rate = rate ? rate / 2 : rate_ceiling (self) / 2;
  return rate;
}

guint32
shoal_sender_get_sweep (ShoalSender *self)
{
  return self->sweep;
}

void
shoal_sender_get_stats (ShoalSender      *self,
                        ShoalSenderStats *stats)
{
  self->stats.state = self->state;
  self->stats.sweep = self->sweep;
  self->stats.pass = self->pass;
  self->stats.rate = self->rate;
  *stats = self->stats;
}

guint
shoal_sender_get_n_members (ShoalSender *self)
{
  return self->members->len;
}

const ShoalMemberInfo *
shoal_sender_get_member (ShoalSender *self,
                         guint        i)
{
  g_return_val_if_fail (i < self->members->len, NULL);
  return g_ptr_array_index (self->members, i);
}
