/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A multicast session on the distribution point: runs the sender engine over a transport on
 * a thread of its own and publishes live figures as properties and list models in the
 * main context it was started from. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "shoal-sender.h"
#include "shoal-transport.h"

G_BEGIN_DECLS

#define SHOAL_SESSION_ERROR (shoal_session_error_quark ())

typedef enum
{
  SHOAL_SESSION_ERROR_FAILED,
  SHOAL_SESSION_ERROR_STATE,
  SHOAL_SESSION_ERROR_READ,
  SHOAL_SESSION_ERROR_TRANSPORT,
} ShoalSessionError;

#define SHOAL_TYPE_SESSION (shoal_session_get_type ())
G_DECLARE_FINAL_TYPE (ShoalSession, shoal_session, SHOAL, SESSION, GObject)

/* Asks for @len bytes of the package stream at @offset to be read ahead (into the page
 * cache); called from a thread of the session's own. */
typedef void (*ShoalPrefetchFunc) (guint64  offset,
                                   guint64  len,
                                   gpointer user_data);

GQuark        shoal_session_error_quark    (void);
ShoalSession *shoal_session_new            (const char              *id,
                                            const char              *package,
                                            const ShoalSenderConfig *config,
                                            ShoalTransport          *transport,
                                            ShoalReadFunc            read_func,
                                            gpointer                 read_data,
                                            GDestroyNotify           read_destroy);
/* Before shoal_session_start(): read the package ahead of the first pass with @func, called
 * with the read function's user data. */
void          shoal_session_set_prefetch_func (ShoalSession         *self,
                                            ShoalPrefetchFunc        func);
gboolean      shoal_session_start          (ShoalSession            *self,
                                            GError                 **error);
void          shoal_session_cancel         (ShoalSession            *self);
void          shoal_session_start_now      (ShoalSession            *self);
void          shoal_session_wait           (ShoalSession            *self);

const char   *shoal_session_get_id         (ShoalSession *self);
const char   *shoal_session_get_package    (ShoalSession *self);
const char   *shoal_session_get_state      (ShoalSession *self);
const char   *shoal_session_get_error      (ShoalSession *self);
guint         shoal_session_get_clients_joined (ShoalSession *self);
guint64       shoal_session_get_rate       (ShoalSession *self);
guint64       shoal_session_get_repair_rate (ShoalSession *self);
guint64       shoal_session_get_bytes_sent (ShoalSession *self);
guint64       shoal_session_get_repair_bytes (ShoalSession *self);
guint64       shoal_session_get_total_size (ShoalSession *self);
double        shoal_session_get_progress   (ShoalSession *self);
gint64        shoal_session_get_started    (ShoalSession *self);
gint64        shoal_session_get_finished   (ShoalSession *self);
gint64        shoal_session_get_eta        (ShoalSession *self);
gint64        shoal_session_get_elapsed    (ShoalSession *self);
guint32       shoal_session_get_session_id (ShoalSession *self);
const ShoalSenderConfig *shoal_session_get_config (ShoalSession *self);
GListModel   *shoal_session_get_clients    (ShoalSession *self);
GListModel   *shoal_session_get_events     (ShoalSession *self);
void          shoal_session_get_stats      (ShoalSession *self,
                                            ShoalSenderStats *stats);
ShoalSession *shoal_session_new_remote     (const char       *id,
                                            const char       *package);
gboolean      shoal_session_is_remote      (ShoalSession     *self);
void          shoal_session_update_from_json (ShoalSession   *self,
                                            JsonObject       *object);
JsonNode     *shoal_session_to_json        (ShoalSession     *self,
                                            gboolean          with_clients);
JsonNode     *shoal_client_record_to_json  (gpointer          record);
void          shoal_session_set_http_counted (ShoalSession   *self,
                                            gboolean          counted);
void          shoal_session_add_http_bytes (ShoalSession     *self,
                                            const char       *address,
                                            guint64           bytes);
guint64       shoal_session_get_http_bytes (ShoalSession     *self);
gboolean      shoal_session_has_client_address (ShoalSession *self,
                                            const char       *address);

G_END_DECLS
