/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ShoalDp's state, shared between the service (shoal-dp.c) and its HTTP front
 * (shoal-dp-http.c). */
#pragma once

#include <libsoup/soup.h>

#include "shoal-dp.h"
#include "shoal-keystore.h"
#include "shoal-library.h"

G_BEGIN_DECLS

typedef struct
{
  char    *group;
  guint    port;
  guint    ttl;
  gboolean multicast_only;
  guint    start_timer;     /* a scheduled start */
  guint64  http_saved;      /* HTTP bytes counted in the record on disk */
  JsonNode *preflight;      /* the newest preflight done when it was created, or NULL */
} SessionInfo;

struct _ShoalDp
{
  GObject          parent_instance;

  ShoalConfig     *config;
  ShoalKeystore   *keystore;
  ShoalLibrary    *library;
  GObject         *http;            /* ShoalHttpServer */
  GTlsCertificate *tls;
  char            *tls_fingerprint;
  char            *admin_token;
  guint            port;            /* the HTTP server's, once listening */
  GListStore      *sessions;        /* ShoalSession, this run's */
  GHashTable      *history;         /* id -> JsonNode of sessions of earlier runs */
  GHashTable      *session_info;    /* id -> SessionInfo */
  guint            persist_timer;
  GPtrArray       *event_streams;   /* SoupServerMessage, paused, for /api/v1/events */

  /* Admin operations (shoal-dp-admin.c). */
  char            *config_path;     /* the file settings changes are written back to */
  GPtrArray       *probes;          /* ShoalProbe, newest last */
  GPtrArray       *preflights;      /* PreflightRun, newest last */
};

gboolean shoal_dp_http_start (ShoalDp  *self,
                              GError  **error);
void     shoal_dp_http_stop  (ShoalDp  *self);

/* shoal-dp-admin.c: its routes under /api/v1 (FALSE when @parts names none of them), the
 * content-class /probe routes, and its share of dispose. */
gboolean shoal_dp_admin_handle_api (ShoalDp            *self,
                                    SoupServerMessage  *msg,
                                    const char         *method,
                                    char              **parts);
void     shoal_dp_admin_http_start (ShoalDp            *self,
                                    gpointer            http);
void     shoal_dp_admin_dispose    (ShoalDp            *self);
/* The newest preflight that has finished, as GET /api/v1/preflight/ID shows it; NULL if
 * none has. Session records keep it for their reports. */
JsonNode *shoal_dp_admin_dup_last_preflight (ShoalDp   *self);
/* Who is asking, for the audit log: "console" when the request says so (X-Shoal-Actor),
 * else "token:" and 8 hex digits of the admin token's SHA-256. Valid during the request. */
const char *shoal_dp_admin_who     (SoupServerMessage  *msg);

G_END_DECLS
