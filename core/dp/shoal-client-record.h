/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One client of a session as the distribution point sees it: a row of the console's client
 * table, an entry of the REST API and of session reports. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_CLIENT_RECORD (shoal_client_record_get_type ())
G_DECLARE_FINAL_TYPE (ShoalClientRecord, shoal_client_record, SHOAL, CLIENT_RECORD, GObject)

ShoalClientRecord *shoal_client_record_new            (guint32            id);
guint32            shoal_client_record_get_id         (ShoalClientRecord *self);
const char        *shoal_client_record_get_hostname   (ShoalClientRecord *self);
const char        *shoal_client_record_get_address    (ShoalClientRecord *self);
const char        *shoal_client_record_get_state      (ShoalClientRecord *self);
double             shoal_client_record_get_progress   (ShoalClientRecord *self);
guint64            shoal_client_record_get_rate       (ShoalClientRecord *self);
double             shoal_client_record_get_loss       (ShoalClientRecord *self);
guint64            shoal_client_record_get_bytes      (ShoalClientRecord *self);
guint64            shoal_client_record_get_repair_bytes (ShoalClientRecord *self);
const char        *shoal_client_record_get_last_error (ShoalClientRecord *self);
gint64             shoal_client_record_get_joined     (ShoalClientRecord *self);
gint64             shoal_client_record_get_finished   (ShoalClientRecord *self);

/* Setters notify only on change; the session calls them from its main context. */
void shoal_client_record_update (ShoalClientRecord *self,
                                 const char        *hostname,
                                 const char        *address,
                                 const char        *state,
                                 double             progress,
                                 guint64            rate,
                                 double             loss,
                                 guint64            bytes,
                                 guint64            repair_bytes,
                                 gint64             joined,
                                 gint64             finished);
void shoal_client_record_set_last_error (ShoalClientRecord *self,
                                         const char        *error);

G_END_DECLS
