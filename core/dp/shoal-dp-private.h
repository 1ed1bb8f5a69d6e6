/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ShoalDp's state, shared between the service (shoal-dp.c) and its HTTP front
 * (shoal-dp-http.c). */
#pragma once

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
};

gboolean shoal_dp_http_start (ShoalDp  *self,
                              GError  **error);
void     shoal_dp_http_stop  (ShoalDp  *self);

G_END_DECLS
