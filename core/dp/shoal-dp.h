/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point service: content library, sessions, keys, descriptors, history and
 * the HTTP(S) server with the REST API. shoald runs one; the console embeds one. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "shoal-config.h"
#include "shoal-session.h"

G_BEGIN_DECLS

#define SHOAL_DP_ERROR (shoal_dp_error_quark ())

typedef enum
{
  SHOAL_DP_ERROR_FAILED,
  SHOAL_DP_ERROR_NOT_FOUND,       /* 404 */
  SHOAL_DP_ERROR_INVALID,         /* 400 */
  SHOAL_DP_ERROR_CONFLICT,        /* 409: e.g. multicast disabled, no free group */
} ShoalDpError;

/* What an admin asks for when starting or scheduling a session. */
typedef struct
{
  gboolean immediate;
  guint    min_clients;
  guint    max_wait;           /* seconds */
  guint    max_clients;
  gint64   start_at;           /* wall-clock us; 0: now */
  guint64  max_rate;           /* 0: the configured one */
} ShoalSessionRequest;

#define SHOAL_TYPE_DP (shoal_dp_get_type ())
G_DECLARE_FINAL_TYPE (ShoalDp, shoal_dp, SHOAL, DP, GObject)

GQuark        shoal_dp_error_quark      (void);
ShoalDp      *shoal_dp_new              (ShoalConfig   *config);
gboolean      shoal_dp_start            (ShoalDp       *self,
                                         GError       **error);
void          shoal_dp_stop             (ShoalDp       *self);
ShoalConfig  *shoal_dp_get_config       (ShoalDp       *self);
guint         shoal_dp_get_port         (ShoalDp       *self);
char         *shoal_dp_dup_url          (ShoalDp       *self);
const char   *shoal_dp_get_tls_fingerprint (ShoalDp    *self);
const char   *shoal_dp_get_key_fingerprint (ShoalDp    *self);
const char   *shoal_dp_get_admin_token  (ShoalDp       *self);
GListModel   *shoal_dp_get_sessions     (ShoalDp       *self);
GListModel   *shoal_dp_get_packages     (ShoalDp       *self);
gpointer      shoal_dp_get_library      (ShoalDp       *self);
ShoalSession *shoal_dp_find_session     (ShoalDp       *self,
                                         const char    *id);
ShoalSession *shoal_dp_session_for_package (ShoalDp    *self,
                                         const char    *package,
                                         GError       **error);
ShoalSession *shoal_dp_start_session    (ShoalDp       *self,
                                         const char    *package,
                                         const ShoalSessionRequest *request,
                                         GError       **error);
GBytes       *shoal_dp_get_descriptor   (ShoalDp       *self,
                                         ShoalSession  *session,
                                         GError       **error);
GBytes       *shoal_dp_get_http_only_descriptor (ShoalDp *self,
                                         const char    *package,
                                         const char    *reason,
                                         GError       **error);
gboolean      shoal_dp_get_session_key  (ShoalDp       *self,
                                         ShoalSession  *session,
                                         guint8        *key,
                                         GError       **error);
JsonNode     *shoal_dp_sessions_to_json (ShoalDp       *self);
JsonNode     *shoal_dp_session_to_json  (ShoalDp       *self,
                                         const char    *id,
                                         GError       **error);
gboolean      shoal_dp_update_settings  (ShoalDp       *self,
                                         JsonNode      *settings,
                                         GError       **error);
char         *shoal_dp_metrics          (ShoalDp       *self);

/* Admin operations (shoal-dp-admin.c). @who names the caller in the audit log
 * (STATE/audit.log): "console", or "token:" and the start of the admin token's SHA-256. */

/* The config file the daemon was started with: settings changes are written back to it
 * (atomically; only the keys that changed are touched). NULL: changes stay in memory. */
void          shoal_dp_set_config_path  (ShoalDp       *self,
                                         const char    *path);
const char   *shoal_dp_get_config_path  (ShoalDp       *self);
/* Validates @settings over the current ones without changing anything: the config rules,
 * the multicast range (order, reserved blocks), the interface and whether the UDP ports
 * are free (SHOAL_DP_ERROR_CONFLICT). @warnings (may be NULL) receives a JSON array of
 * strings, e.g. a range outside the administratively scoped block. */
gboolean      shoal_dp_check_settings   (ShoalDp       *self,
                                         JsonNode      *settings,
                                         JsonNode     **warnings,
                                         GError       **error);
/* Checks, writes the config file, applies and audits; on any error nothing has changed,
 * on disk or in memory. Running sessions keep going. */
gboolean      shoal_dp_change_settings  (ShoalDp       *self,
                                         JsonNode      *settings,
                                         const char    *who,
                                         GError       **error);
/* Anonymous or authenticated access, live and in the config file. Authenticated mode needs
 * TLS, @account (or the current one) and @password, stored only as a salted hash in
 * STATE/account-*.pwhash. */
gboolean      shoal_dp_set_access       (ShoalDp       *self,
                                         gboolean       anonymous,
                                         const char    *account,
                                         const char    *password,
                                         const char    *who,
                                         GError       **error);
/* Removes the keys of sessions that are over and checks the others (running sessions keep
 * theirs), and with @signing replaces the signing key. Every step is atomic. Returns
 * {removed, kept: [ids], signing_rotated, key_fingerprint, previous_fingerprint}. */
JsonNode     *shoal_dp_regenerate_keys  (ShoalDp       *self,
                                         gboolean       signing,
                                         const char    *who,
                                         GError       **error);
/* The last @max entries of the audit log, oldest first. */
JsonNode     *shoal_dp_read_audit       (ShoalDp       *self,
                                         guint          max,
                                         GError       **error);

G_END_DECLS
