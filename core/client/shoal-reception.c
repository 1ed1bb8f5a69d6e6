/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Receiving one package on a client. The receive loop never blocks on the disk: complete
 * blocks go to worker threads that decode, hash and write them, and the engine bounds how
 * many may wait. The resume journal lists the blocks written so far. It is a hint, saved
 * without flushing the output (a flush can stall a disk for a second): on resume, every block
 * it claims is read back and checked against the manifest. During the multicast a thread of
 * its own saves it, so the receive loop never waits on the disk. */
#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <string.h>

#include "shoal-client-error.h"
#include "shoal-crypto.h"
#include "shoal-fec.h"
#include "shoal-reception.h"

#define BATCH_DGRAMS     1024
#define LOOP_TIMEOUT     (50 * 1000)
#define PROGRESS_EVERY   (250 * 1000)
#define JOURNAL_EVERY    G_USEC_PER_SEC
#define HASH_TRIES       3
#define HTTP_CHUNK       (8 << 20)
#define JOURNAL_MAGIC    "SHJ1"
/* Two writers: one hashes while the other waits on the disk, and the disk sees two writes
 * in flight instead of one. */
#define N_WORKERS        2
/* The receive loop drains the socket: late, the kernel drops what overflows it and only
 * repair brings that back. The writers' lag is what back-pressure handles, so the loop runs
 * ahead of them where it may (root, or CAP_SYS_NICE). */
#define RECEIVE_NICE     (-5)

typedef struct
{
  ShoalReadyBlock *ready;
  gboolean         ok;
  GError          *error;
} Result;

struct _ShoalReception
{
  ShoalReceptionConfig cfg;
  ShoalLayout     layout;
  guint32         n_blocks;
  ShoalTransport *transport;
  ShoalOutput    *output;
  ShoalReceiver  *rx;
  guint8          identity[32];     /* SHA-256 of the block hashes: the journal's key */

  ShoalProgressFunc progress_func;
  gpointer          progress_data;
  ShoalFetchFunc    fetch_func;
  gpointer          fetch_data;
  ShoalLogFunc      log_func;
  gpointer          log_data;

  GThread     *workers[N_WORKERS];
  GAsyncQueue *work;               /* ShoalReadyBlock*, or the queue itself to stop */
  GAsyncQueue *results;            /* Result* */
  guint        in_flight;
  GHashTable  *hash_failures;      /* block -> count */

  ShoalReceptionProgress progress;
  char        *fallback_reason;
  gboolean     journal_dirty;

  /* The journal thread, during the multicast. */
  GThread     *journal_thread;
  GMutex       journal_lock;
  GCond        journal_cond;
  guint8      *journal_pending;    /* under lock: a journal image to save */
  gboolean     journal_stop;       /* under lock */
  GError      *journal_error;      /* under lock: the first failure */
};

void
shoal_reception_config_init (ShoalReceptionConfig *c)
{
  memset (c, 0, sizeof *c);
  shoal_receiver_config_init (&c->engine);
  c->join_timeout = 10 * G_USEC_PER_SEC;
  c->idle_timeout = 10 * G_USEC_PER_SEC;
}

static void
log_msg (ShoalReception *self, int severity, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
log_msg (ShoalReception *self, int severity, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (self->log_func)
    self->log_func (severity, msg, self->log_data);
  else
    g_debug ("%s", msg);
}

ShoalReception *
shoal_reception_new (const ShoalReceptionConfig *config,
                     ShoalTransport             *transport,
                     ShoalOutput                *output)
{
  ShoalReception *self;

  g_return_val_if_fail (config->block_hashes != NULL, NULL);
  g_return_val_if_fail (output != NULL, NULL);

  self = g_new0 (ShoalReception, 1);
  self->cfg = *config;
  self->layout = config->engine.layout;
  self->n_blocks = shoal_layout_n_blocks (&self->layout);
  self->transport = transport ? g_object_ref (transport) : NULL;
  self->output = output;
  self->rx = shoal_receiver_new (&config->engine);
  gnutls_hash_fast (GNUTLS_DIG_SHA256, config->block_hashes, (gsize) self->n_blocks * 32,
                    self->identity);
  self->work = g_async_queue_new ();
  self->results = g_async_queue_new ();
  self->hash_failures = g_hash_table_new (NULL, NULL);
  self->progress.total = self->layout.total_size;
  self->progress.n_blocks = self->n_blocks;
  self->progress.phase = "starting";
  g_mutex_init (&self->journal_lock);
  g_cond_init (&self->journal_cond);
  return self;
}

void
shoal_reception_free (ShoalReception *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->transport);
  shoal_receiver_free (self->rx);
  g_async_queue_unref (self->work);
  g_async_queue_unref (self->results);
  g_hash_table_unref (self->hash_failures);
  g_free (self->fallback_reason);
  g_free (self->journal_pending);
  g_clear_error (&self->journal_error);
  g_mutex_clear (&self->journal_lock);
  g_cond_clear (&self->journal_cond);
  g_free (self);
}

void
shoal_reception_set_progress_func (ShoalReception *self, ShoalProgressFunc func, gpointer data)
{
  self->progress_func = func;
  self->progress_data = data;
}

void
shoal_reception_set_fetch_func (ShoalReception *self, ShoalFetchFunc func, gpointer data)
{
  self->fetch_func = func;
  self->fetch_data = data;
}

void
shoal_reception_set_log_func (ShoalReception *self, ShoalLogFunc func, gpointer data)
{
  self->log_func = func;
  self->log_data = data;
}

static gboolean
block_matches (ShoalReception *self, guint32 b, const guint8 *data, guint len)
{
  guint8 digest[32];

  gnutls_hash_fast (GNUTLS_DIG_SHA256, data, len, digest);
  return memcmp (digest, self->cfg.block_hashes + (gsize) b * 32, 32) == 0;
}

static gboolean
source_in_order (const ShoalReadyBlock *ready)
{
  for (guint i = 0; i < ready->k; i++)
    if (ready->esis[i] != i)
      return FALSE;
  return TRUE;
}

static gpointer
worker_thread (gpointer data)
{
  ShoalReception *self = data;
  g_autoptr(ShoalFec) fec = shoal_fec_new (self->layout.k, self->layout.symbol_size);
  g_autoptr(ShoalFec) fec_last = NULL;
  g_autofree guint8 *buf = g_malloc ((gsize) self->layout.k * self->layout.symbol_size);
  guint last_k = shoal_layout_block_k (&self->layout, self->n_blocks - 1);

  if (last_k != self->layout.k)
    fec_last = shoal_fec_new (last_k, self->layout.symbol_size);
  for (;;)
    {
      gpointer item = g_async_queue_pop (self->work);
      ShoalReadyBlock *ready = item;
      const guint8 *data;
      Result *res;
      guint len;

      if (item == (gpointer) self->work)
        break;
      res = g_new0 (Result, 1);
      res->ready = ready;
      len = shoal_layout_block_len (&self->layout, ready->block);
      /* Without loss the source arrives complete and in order: use it where it lies. */
      data = source_in_order (ready) ? ready->symbols : buf;
      res->ok = (data == ready->symbols
                 || shoal_ready_block_decode (ready, ready->k == self->layout.k ? fec : fec_last,
                                              buf))
                && block_matches (self, ready->block, data, len);
      if (res->ok)
        shoal_output_write (self->output, shoal_layout_block_offset (&self->layout, ready->block),
                            data, len, &res->error);
      g_async_queue_push (self->results, res);
    }
  return NULL;
}

static void
describe_block (ShoalReception *self, guint32 b, GString *out)
{
  guint64 off = shoal_layout_block_offset (&self->layout, b);
  guint len = shoal_layout_block_len (&self->layout, b);

  if (self->cfg.manifest != NULL)
    {
      g_autofree char *what = shoal_manifest_describe_block (self->cfg.manifest, b);
      g_string_append_printf (out, "%s, written to %s", what,
                              shoal_output_describe (self->output, off));
      return;
    }
  g_string_append_printf (out, "block %u (bytes %" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT
                          " of the package, in %s)", b, off, off + len - 1,
                          shoal_output_describe (self->output, off));
}

static gboolean
hash_mismatch (ShoalReception *self, guint32 b, const char *how, GError **error)
{
  g_autoptr(GString) what = g_string_new (NULL);

  describe_block (self, b, what);
  g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_HASH_MISMATCH,
               "%s does not match the manifest's SHA-256 %s", what->str, how);
  return FALSE;
}

/* Applies the worker's results; fails on a write error or a block that keeps failing. */
static gboolean
collect (ShoalReception *self, gboolean wait, GError **error)
{
  Result *res;

  while ((res = wait && self->in_flight > 0 ? g_async_queue_pop (self->results)
                                            : g_async_queue_try_pop (self->results)) != NULL)
    {
      guint32 b = res->ready->block;
      g_autoptr(GError) werr = res->error;
      gboolean ok = res->ok && werr == NULL;

      self->in_flight--;
      shoal_receiver_block_verified (self->rx, res->ready, ok);
      g_free (res);
      if (werr != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&werr));
          return FALSE;
        }
      if (ok)
        {
          self->progress.verified += shoal_layout_block_len (&self->layout, b);
          self->journal_dirty = TRUE;
        }
      else
        {
          guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->hash_failures,
                                                           GUINT_TO_POINTER (b))) + 1;
          g_hash_table_insert (self->hash_failures, GUINT_TO_POINTER (b), GUINT_TO_POINTER (n));
          log_msg (self, 2, "block %u failed its hash check (try %u of %u)", b, n, HASH_TRIES);
          /* The same bytes keep coming: the distribution point's copy is damaged. */
          if (n >= HASH_TRIES)
            return hash_mismatch (self, b, "after repeated multicast deliveries", error);
        }
      if (!wait && self->in_flight == 0)
        break;
    }
  return TRUE;
}

/* Journal: magic, identity (32), n_blocks (4, LE), bitmap; written to a temporary file and
 * renamed into place. */
static gsize
journal_size (ShoalReception *self)
{
  return 4 + 32 + 4 + (self->n_blocks + 7) / 8;
}

/* The journal as it stands: only blocks whose writes have completed are marked done. */
static guint8 *
journal_image (ShoalReception *self)
{
  guint8 *data = g_malloc0 (journal_size (self));
  guint32 n = GUINT32_TO_LE (self->n_blocks);

  memcpy (data, JOURNAL_MAGIC, 4);
  memcpy (data + 4, self->identity, 32);
  memcpy (data + 36, &n, 4);
  for (guint32 b = 0; b < self->n_blocks; b++)
    if (shoal_receiver_is_block_done (self->rx, b))
      data[40 + b / 8] |= 1 << (b % 8);
  return data;
}

static gboolean
write_journal (ShoalReception *self, const guint8 *data, GError **error)
{
  g_autofree char *tmp = g_strconcat (self->cfg.journal_path, ".new", NULL);

  if (!g_file_set_contents_full (tmp, (const char *) data, (gssize) journal_size (self),
                                 G_FILE_SET_CONTENTS_NONE, 0600, error))
    return FALSE;
  if (g_rename (tmp, self->cfg.journal_path) != 0)
    {
      int err = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
                   "cannot rename %s to %s: %s", tmp, self->cfg.journal_path, g_strerror (err));
      g_unlink (tmp);
      return FALSE;
    }
  return TRUE;
}

static gboolean
save_journal (ShoalReception *self, GError **error)
{
  g_autofree guint8 *data = NULL;

  if (self->cfg.journal_path == NULL || !self->journal_dirty)
    return TRUE;
  data = journal_image (self);
  if (!write_journal (self, data, error))
    return FALSE;
  self->journal_dirty = FALSE;
  return TRUE;
}

static gpointer
journal_thread (gpointer user_data)
{
  ShoalReception *self = user_data;

  g_mutex_lock (&self->journal_lock);
  for (;;)
    {
      g_autofree guint8 *data = NULL;
      g_autoptr(GError) error = NULL;

      while (!self->journal_stop && self->journal_pending == NULL)
        g_cond_wait (&self->journal_cond, &self->journal_lock);
      if (self->journal_pending == NULL)
        break;
      data = g_steal_pointer (&self->journal_pending);
      g_mutex_unlock (&self->journal_lock);
      write_journal (self, data, &error);
      g_mutex_lock (&self->journal_lock);
      if (error != NULL && self->journal_error == NULL)
        self->journal_error = g_steal_pointer (&error);
    }
  g_mutex_unlock (&self->journal_lock);
  return NULL;
}

/* From the receive loop: hands the journal to the journal thread (replacing one it has not
 * started on) and reports a failure of an earlier save. */
static gboolean
queue_journal (ShoalReception *self, GError **error)
{
  gboolean ok = TRUE;

  if (self->cfg.journal_path == NULL)
    return TRUE;
  g_mutex_lock (&self->journal_lock);
  if (self->journal_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->journal_error));
      ok = FALSE;
    }
  else if (self->journal_dirty)
    {
      g_free (self->journal_pending);
      self->journal_pending = journal_image (self);
      self->journal_dirty = FALSE;
      g_cond_signal (&self->journal_cond);
    }
  g_mutex_unlock (&self->journal_lock);
  return ok;
}

/* Waits for the journal thread to save what it was given; then the caller saves the rest. */
static gboolean
stop_journal_thread (ShoalReception *self, GError **error)
{
  if (self->journal_thread == NULL)
    return TRUE;
  g_mutex_lock (&self->journal_lock);
  self->journal_stop = TRUE;
  g_cond_signal (&self->journal_cond);
  g_mutex_unlock (&self->journal_lock);
  g_clear_pointer (&self->journal_thread, g_thread_join);
  if (self->journal_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&self->journal_error));
      return FALSE;
    }
  return TRUE;
}

static void
load_journal (ShoalReception *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) read_error = NULL;
  g_autofree char *data = NULL;
  g_autofree guint8 *buf = NULL;
  gsize len;
  guint32 n = 0, done = 0, bad = 0;

  if (self->cfg.journal_path == NULL)
    return;
  if (!g_file_get_contents (self->cfg.journal_path, &data, &len, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        log_msg (self, 2, "cannot read the resume journal: %s; starting over", error->message);
      return;
    }
  memcpy (&n, data + 36, len >= 40 ? 4 : 0);
  if (len != journal_size (self) || memcmp (data, JOURNAL_MAGIC, 4) != 0
      || memcmp (data + 4, self->identity, 32) != 0 || GUINT32_FROM_LE (n) != self->n_blocks)
    {
      log_msg (self, 2, "the resume journal %s belongs to another package or is damaged; "
               "starting over", self->cfg.journal_path);
      return;
    }
  /* The journal was saved without flushing the output: trust only what reads back intact. */
  buf = g_malloc (shoal_layout_block_size (&self->layout));
  for (guint32 b = 0; b < self->n_blocks; b++)
    if (data[40 + b / 8] & (1 << (b % 8)))
      {
        guint64 off = shoal_layout_block_offset (&self->layout, b);
        guint blen = shoal_layout_block_len (&self->layout, b);

        if (!shoal_output_read (self->output, off, buf, blen, read_error ? NULL : &read_error)
            || !block_matches (self, b, buf, blen))
          {
            bad++;
            continue;
          }
        shoal_receiver_mark_done (self->rx, b);
        self->progress.verified += blen;
        done++;
      }
  if (bad > 0)
    log_msg (self, 2, "%u blocks the resume journal lists did not read back intact (%s); "
             "receiving them again", bad, read_error ? read_error->message : "hash mismatch");
  log_msg (self, 1, "resuming: %u of %u blocks already verified", done, self->n_blocks);
}

static void
report_progress (ShoalReception *self, const char *phase)
{
  ShoalReceiverStats st;

  shoal_receiver_get_stats (self->rx, &st);
  self->progress.phase = phase;
  self->progress.blocks_done = st.blocks_done;
  self->progress.rate = st.rx_rate;
  self->progress.loss_permille = st.loss_permille;
  self->progress.multicast_bytes = st.bytes_received;
  if (self->progress_func)
    self->progress_func (&self->progress, self->progress_data);
}

static void
send_reports (ShoalReception *self, guint8 *buf, gsize size, gint64 now)
{
  const struct sockaddr *dest;
  socklen_t dest_len;
  gsize len;

  while ((len = shoal_receiver_next_report (self->rx, now, buf, size, &dest, &dest_len)) > 0)
    {
      g_autoptr(GError) error = NULL;

      if (!shoal_transport_send_to (self->transport, dest, dest_len, buf, len, &error))
        log_msg (self, 2, "cannot send a report to the distribution point: %s", error->message);
    }
}

static void
set_fallback (ShoalReception *self, const char *reason)
{
  if (self->fallback_reason == NULL)
    self->fallback_reason = g_strdup (reason);
}

static gboolean
receive_multicast (ShoalReception *self, GCancellable *cancellable, GError **error)
{
  /* Large enough for whole GRO-coalesced reads on the Linux transport. */
  g_autoptr(ShoalDatagramBatch) batch = shoal_datagram_batch_new (BATCH_DGRAMS, 4 << 20);
  guint8 report[2048];
  gint64 start = g_get_monotonic_time (), last_packet = 0, complete_at = 0;
  gint64 next_progress = 0, next_journal = start + JOURNAL_EVERY, leave_until = 0;
  guint backlogged = 0;
  ShoalReceiverStats st;

  if (!shoal_transport_open (self->transport, error))
    return FALSE;
#ifdef __linux__
  if (setpriority (PRIO_PROCESS, (id_t) gettid (), RECEIVE_NICE) != 0)
    g_debug ("the receive loop keeps its priority: %s", g_strerror (errno));
#endif
  log_msg (self, 1, "joined the multicast group; waiting for the session");
  for (;;)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 t = shoal_receiver_next_timeout (self->rx);
      gint64 timeout = t < 0 ? LOOP_TIMEOUT : CLAMP (t - now, 0, LOOP_TIMEOUT);
      ShoalReceiverState state;
      ShoalReadyBlock *ready;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!shoal_transport_receive (self->transport, batch, timeout, error))
        return FALSE;
      now = g_get_monotonic_time ();
      for (guint i = 0; i < batch->n_dgrams; i++)
        {
          if (self->cfg.simulate_loss_permille > 0
              && g_random_int_range (0, 1000) < (gint32) self->cfg.simulate_loss_permille)
            continue;
          shoal_receiver_handle_datagram (self->rx, batch->dgrams[i].data, batch->dgrams[i].len,
                                          (struct sockaddr *) &batch->dgrams[i].from,
                                          batch->dgrams[i].from_len, now);
        }
      shoal_receiver_get_stats (self->rx, &st);
      if (batch->n_dgrams > 0 && st.datagrams > st.bad_packets)
        last_packet = now;
      while ((ready = shoal_receiver_take_ready (self->rx)) != NULL)
        {
          self->in_flight++;
          g_async_queue_push (self->work, ready);
        }
      if (!collect (self, FALSE, error))
        return FALSE;
      /* Asking for repair while datagrams still wait in the socket would count them as
       * lost: report once a receive comes back empty (or after 8 batches in a row). */
      if (batch->n_dgrams == 0 || ++backlogged >= 8)
        {
          send_reports (self, report, sizeof report, now);
          backlogged = 0;
        }

      state = shoal_receiver_get_state (self->rx);
      if (state == SHOAL_RECEIVER_COMPLETE || state == SHOAL_RECEIVER_FINISHED)
        {
          if (complete_at == 0)
            complete_at = now;
          /* Linger briefly so the sender hears we are done. */
          if (state == SHOAL_RECEIVER_FINISHED || now - complete_at > G_USEC_PER_SEC)
            break;
        }
      else if (leave_until == 0)
        {
          const char *why = NULL;

          if (state == SHOAL_RECEIVER_ENDED)
            why = "the multicast session ended before every block arrived";
          else if (state == SHOAL_RECEIVER_DROPPED)
            why = st.drop_reason == SHOAL_DROP_SESSION_FULL
                  ? "the session was full (maximum clients reached)"
                  : st.drop_reason == SHOAL_DROP_SLOW
                  ? "the distribution point dropped this client as too slow or too lossy"
                  : "the distribution point dropped this client";
          else if (last_packet == 0 && now - start > self->cfg.join_timeout)
            why = "no multicast arrived (check IGMP snooping, routing, firewall, interface)";
          else if (last_packet != 0 && now - last_packet > self->cfg.idle_timeout)
            why = "the multicast stopped arriving mid-session";
          if (why != NULL)
            {
              set_fallback (self, why);
              log_msg (self, 2, "leaving the multicast: %s", why);
              if (last_packet == 0)
                break;
              shoal_receiver_leave (self->rx, SHOAL_MEMBER_FALLBACK, now);
              leave_until = now + 300 * 1000;
            }
        }
      else if (now >= leave_until)
        break;

      if (now >= next_progress)
        {
          report_progress (self, state <= SHOAL_RECEIVER_WAITING ? "waiting for the session"
                                                                  : "receiving");
          next_progress = now + PROGRESS_EVERY;
        }
      if (now >= next_journal)
        {
          if (!queue_journal (self, error))
            return FALSE;
          next_journal = now + JOURNAL_EVERY;
        }
    }
  shoal_transport_close (self->transport);
  if (!collect (self, TRUE, error))
    return FALSE;
  shoal_receiver_get_stats (self->rx, &st);
  log_msg (self, 1, "multicast: %" G_GUINT64_FORMAT " datagrams, %" G_GUINT64_FORMAT
           " duplicates, %" G_GUINT64_FORMAT " malformed or unauthenticated, %"
           G_GUINT64_FORMAT " dropped with the block buffer full, %" G_GUINT64_FORMAT
           " repair requests, %u blocks failed their hash", st.datagrams, st.duplicates,
           st.bad_packets, st.dropped_no_memory, st.nacks_sent, st.hash_failures);
  return TRUE;
}

static gboolean
repair_over_http (ShoalReception *self, GCancellable *cancellable, GError **error)
{
  g_autofree guint8 *buf = g_malloc (HTTP_CHUNK + shoal_layout_block_size (&self->layout));
  guint32 missing = 0;

  for (guint32 b = 0; b < self->n_blocks; b++)
    if (!shoal_receiver_is_block_done (self->rx, b))
      missing++;
  log_msg (self, 1, "fetching %u missing blocks over HTTP", missing);
  for (guint32 b = 0; b < self->n_blocks;)
    {
      guint32 first = b, last;
      guint64 off, len = 0;

      if (shoal_receiver_is_block_done (self->rx, b))
        {
          b++;
          continue;
        }
      /* A run of missing blocks, one request. */
      for (last = b; last < self->n_blocks && !shoal_receiver_is_block_done (self->rx, last)
           && len + shoal_layout_block_len (&self->layout, last) <= HTTP_CHUNK; last++)
        len += shoal_layout_block_len (&self->layout, last);
      if (len == 0)
        {
          len = shoal_layout_block_len (&self->layout, b);
          last = b + 1;
        }
      off = shoal_layout_block_offset (&self->layout, first);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (!self->fetch_func (off, buf, len, self->fetch_data, error))
        return FALSE;
      self->progress.http_bytes += len;
      for (guint32 i = first; i < last; i++)
        {
          guint64 boff = shoal_layout_block_offset (&self->layout, i);
          guint blen = shoal_layout_block_len (&self->layout, i);

          if (!block_matches (self, i, buf + (boff - off), blen))
            return hash_mismatch (self, i, "as served over HTTP: the distribution point's copy "
                                  "is damaged", error);
          if (!shoal_output_write (self->output, boff, buf + (boff - off), blen, error))
            return FALSE;
          shoal_receiver_mark_done (self->rx, i);
          self->progress.verified += blen;
          self->journal_dirty = TRUE;
        }
      report_progress (self, "repairing over HTTP");
      if (!save_journal (self, error))
        return FALSE;
      b = last;
    }
  return TRUE;
}

gboolean
shoal_reception_run (ShoalReception  *self,
                     GCancellable    *cancellable,
                     GError         **error)
{
  ShoalReceiverStats st;
  gboolean ok = TRUE;

  load_journal (self);
  if (self->cfg.journal_path != NULL)
    self->journal_thread = g_thread_new ("shoal-journal", journal_thread, self);
  for (guint i = 0; i < N_WORKERS; i++)
    self->workers[i] = g_thread_new ("shoal-writer", worker_thread, self);
  shoal_receiver_get_stats (self->rx, &st);
  if (st.blocks_done < self->n_blocks && self->transport != NULL)
    ok = receive_multicast (self, cancellable, error);
  else if (self->transport == NULL)
    set_fallback (self, self->cfg.http_only_reason ? self->cfg.http_only_reason
                                                   : "multicast was not requested");
  for (guint i = 0; i < N_WORKERS; i++)
    g_async_queue_push (self->work, self->work);
  for (guint i = 0; i < N_WORKERS; i++)
    g_clear_pointer (&self->workers[i], g_thread_join);
  if (!stop_journal_thread (self, ok ? error : NULL))
    ok = FALSE;
  if (ok)
    ok = save_journal (self, error);
  if (!ok)
    return FALSE;

  shoal_receiver_get_stats (self->rx, &st);
  if (st.blocks_done < self->n_blocks)
    {
      guint32 missing = self->n_blocks - st.blocks_done;

      if (self->cfg.multicast_only)
        {
          g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_MULTICAST_ONLY_INCOMPLETE,
                       "%u of %u blocks are missing and the package is multicast-only, so "
                       "they cannot be fetched over HTTP (%s)", missing, self->n_blocks,
                       self->fallback_reason ? self->fallback_reason : "multicast incomplete");
          return FALSE;
        }
      if (self->fetch_func == NULL)
        {
          g_set_error (error, SHOAL_CLIENT_ERROR, SHOAL_CLIENT_ERROR_TIMEOUT,
                       "%u of %u blocks are missing and no HTTP repair path is set (%s)",
                       missing, self->n_blocks,
                       self->fallback_reason ? self->fallback_reason : "multicast incomplete");
          return FALSE;
        }
      if (!repair_over_http (self, cancellable, error))
        return FALSE;
    }
  report_progress (self, "verified");
  return TRUE;
}

void
shoal_reception_get_progress (ShoalReception         *self,
                              ShoalReceptionProgress *progress)
{
  *progress = self->progress;
}

const char *
shoal_reception_get_fallback_reason (ShoalReception *self)
{
  return self->fallback_reason;
}
