/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point's settings: the config file (JSON), its validation, and the
 * command-line overrides. The same object backs GET/PUT /api/v1/settings. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SHOAL_CONFIG_ERROR (shoal_config_error_quark ())

typedef enum
{
  SHOAL_CONFIG_ERROR_PARSE,
  SHOAL_CONFIG_ERROR_INVALID,
} ShoalConfigError;

typedef enum
{
  SHOAL_ACCESS_ANONYMOUS,
  SHOAL_ACCESS_AUTHENTICATED,
} ShoalAccessMode;

typedef struct
{
  char    *library;            /* content library directory */
  char    *state_dir;          /* keys, TLS, session history */
  char    *listen;             /* ADDR:PORT of the HTTP(S) server */
  gboolean tls;
  char    *tls_certificate;    /* PEM files; NULL: self-signed, generated on first start */
  char    *tls_key;
  char    *interface;          /* NULL: the kernel's choice */
  gboolean multicast_enabled;
  char    *group_first;        /* multicast address range */
  char    *group_last;
  guint    port_first;
  guint    port_last;
  guint    ttl;
  guint    mtu;
  char    *transport;          /* "auto", "gst", "linux" */
  guint64  max_rate;           /* bits/s; 0: unlimited */
  gboolean adaptive;
  guint64  min_rate;
  gboolean auto_start;         /* a client asking for a package starts a session */
  guint    min_clients;
  guint    max_wait;           /* seconds */
  guint    max_clients;
  gboolean drop_slow;
  guint    slow_loss_percent;
  guint64  slow_min_rate;
  guint    slow_grace;         /* seconds */
  guint    max_hold;           /* seconds a receiver's full buffer may hold the sending; 0: off */
  guint    proactive_parity;
  guint    linger;             /* seconds */
  ShoalAccessMode access;
  char    *account;
  char    *password_file;
  char    *admin_token_file;
} ShoalConfig;

GQuark       shoal_config_error_quark (void);
ShoalConfig *shoal_config_new         (void);
void         shoal_config_free        (ShoalConfig  *config);
gboolean     shoal_config_load        (ShoalConfig  *config,
                                       const char   *path,
                                       GError      **error);
gboolean     shoal_config_apply_json  (ShoalConfig  *config,
                                       JsonNode     *node,
                                       const char   *where,
                                       GError      **error);
JsonNode    *shoal_config_to_json     (const ShoalConfig *config);
gboolean     shoal_config_validate    (const ShoalConfig *config,
                                       GError      **error);
gboolean     shoal_config_parse_listen (const char  *listen,
                                       char        **host,
                                       guint        *port,
                                       GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalConfig, shoal_config_free)

G_END_DECLS
