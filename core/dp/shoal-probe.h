/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A network probe on the distribution point: waits for receivers to say they listen, sends
 * a short numbered multicast burst on a test group, and collects what each receiver reports
 * back (datagrams received, loss, rate). */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *group;         /* test group and port */
  guint       port;
  const char *interface;     /* NULL: the kernel's choice */
  guint       ttl;
  const char *transport;     /* "auto", "gst", "linux" */
  guint       count;         /* datagrams in the burst */
  guint       size;          /* bytes per datagram (UDP payload) */
  guint64     rate;          /* bits/s */
  guint       wait;          /* seconds to wait for a receiver before sending anyway */
  guint       linger;        /* seconds to keep taking results after the burst */
} ShoalProbeOptions;

#define SHOAL_TYPE_PROBE (shoal_probe_get_type ())
G_DECLARE_FINAL_TYPE (ShoalProbe, shoal_probe, SHOAL, PROBE, GObject)

ShoalProbe  *shoal_probe_new          (guint32                  id,
                                       const ShoalProbeOptions *options);
/* Opens the sending transport (errors name the group and interface) and starts waiting. */
gboolean     shoal_probe_start        (ShoalProbe  *self,
                                       GError     **error);
void         shoal_probe_cancel       (ShoalProbe  *self);
/* A receiver joined the group: the burst starts shortly after the first one. */
void         shoal_probe_client_ready (ShoalProbe  *self,
                                       const char  *address);
/* A receiver's report (see API.md); @address is where it came from. FALSE with @error when
 * the report is not what the protocol says. */
gboolean     shoal_probe_add_result   (ShoalProbe  *self,
                                       JsonNode    *result,
                                       const char  *address,
                                       GError     **error);

guint32      shoal_probe_get_id       (ShoalProbe  *self);
/* "waiting", "sending", "done" (burst sent, results still welcome until the linger ends),
 * "finished", "failed" or "cancelled". */
const char  *shoal_probe_get_state    (ShoalProbe  *self);
gboolean     shoal_probe_get_active   (ShoalProbe  *self);
guint        shoal_probe_get_n_results (ShoalProbe *self);
/* The lowest loss any receiver reported, or -1 with none. */
double       shoal_probe_get_best_loss (ShoalProbe *self);
/* What receivers need to join (GET /probe) or, @with_results, everything. */
JsonNode    *shoal_probe_to_json      (ShoalProbe  *self,
                                       gboolean     with_results);

G_END_DECLS
