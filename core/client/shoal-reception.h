/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Receiving one package on a client: join the multicast, decode, verify each block against
 * the manifest and write it, resume from a journal, and fetch what is still missing over
 * HTTP. Blocking; runs in the calling thread plus one worker thread. */
#pragma once

#include <gio/gio.h>

#include "shoal-manifest.h"
#include "shoal-output.h"
#include "shoal-receiver.h"
#include "shoal-transport.h"

G_BEGIN_DECLS

typedef struct
{
  const char *phase;           /* "waiting", "receiving", "repairing over HTTP", ... */
  guint64     total;
  guint64     verified;        /* bytes verified and written */
  guint32     blocks_done;
  guint32     n_blocks;
  guint64     rate;            /* bits/s received */
  guint16     loss_permille;
  guint64     multicast_bytes;
  guint64     http_bytes;
} ShoalReceptionProgress;

typedef void     (*ShoalProgressFunc) (const ShoalReceptionProgress *progress,
                                       gpointer                      user_data);
/* Fetches @len bytes of the package stream at @offset (the HTTP repair path). */
typedef gboolean (*ShoalFetchFunc)    (guint64   offset,
                                       guint8   *buf,
                                       gsize     len,
                                       gpointer  user_data,
                                       GError  **error);
/* severity: 1 information, 2 warning, 3 error (the CMTrace types). */
typedef void     (*ShoalLogFunc)      (int         severity,
                                       const char *message,
                                       gpointer    user_data);

typedef struct
{
  ShoalReceiverConfig engine;
  const guint8 *block_hashes;  /* n_blocks x SHA-256, borrowed */
  ShoalManifest *manifest;     /* optional, borrowed: names files in messages */
  const char   *journal_path;  /* NULL: no resume journal */
  gint64        join_timeout;  /* no multicast at all within this: give up on it (us) */
  gint64        idle_timeout;  /* multicast stops this long mid-session: give up on it */
  gboolean      multicast_only;
  const char   *http_only_reason;  /* why there is no transport, for the summary */
  guint         simulate_loss_permille;  /* the demo's lossy client: drop datagrams on arrival */
} ShoalReceptionConfig;

typedef struct _ShoalReception ShoalReception;

void            shoal_reception_config_init (ShoalReceptionConfig *config);
ShoalReception *shoal_reception_new      (const ShoalReceptionConfig *config,
                                          ShoalTransport             *transport,
                                          ShoalOutput                *output);
void            shoal_reception_free     (ShoalReception  *self);
void            shoal_reception_set_progress_func (ShoalReception *self,
                                          ShoalProgressFunc func,
                                          gpointer        user_data);
void            shoal_reception_set_fetch_func (ShoalReception *self,
                                          ShoalFetchFunc  func,
                                          gpointer        user_data);
void            shoal_reception_set_log_func (ShoalReception *self,
                                          ShoalLogFunc    func,
                                          gpointer        user_data);
gboolean        shoal_reception_run      (ShoalReception  *self,
                                          GCancellable    *cancellable,
                                          GError         **error);
void            shoal_reception_get_progress (ShoalReception *self,
                                          ShoalReceptionProgress *progress);
const char     *shoal_reception_get_fallback_reason (ShoalReception *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalReception, shoal_reception_free)

G_END_DECLS
