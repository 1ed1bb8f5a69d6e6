/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The network preflight: before multicast is switched on, test what usually makes it fail in
 * the field (the wrong interface, no multicast route, fragmentation, TTL, no IGMP querier,
 * another sender on the same groups). The checks run on worker threads; their outcomes land
 * in a GListModel of ShoalPreflightCheck in the caller's main context. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "shoal-preflight-check.h"

G_BEGIN_DECLS

#define SHOAL_PREFLIGHT_ERROR (shoal_preflight_error_quark ())

typedef enum
{
  SHOAL_PREFLIGHT_ERROR_INVALID,    /* bad options: the message names the field */
  SHOAL_PREFLIGHT_ERROR_BUSY,       /* already running */
} ShoalPreflightError;

typedef struct
{
  const char         *interface;     /* NULL: the kernel's choice */
  const char         *group_first;   /* the multicast range sessions will use */
  const char         *group_last;
  guint               port_first;
  guint               port_last;
  guint               ttl;
  guint               mtu;           /* the configured MTU sessions size datagrams for */
  guint               querier_wait;  /* seconds to wait for an IGMP/MLD query; 0: skip */
  guint               listen_time;   /* seconds to listen for other senders; 0: skip */
  const char * const *exclude;       /* "GROUP PORT" of this point's own streams, or NULL */
  const char * const *only;          /* names of the checks to run; NULL: all */
} ShoalPreflightOptions;

#define SHOAL_TYPE_PREFLIGHT (shoal_preflight_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPreflight, shoal_preflight, SHOAL, PREFLIGHT, GObject)

GQuark               shoal_preflight_error_quark (void);
/* Checks the options (addresses, ports, interface name) and lists the checks it will run,
 * all pending. */
ShoalPreflight      *shoal_preflight_new         (const ShoalPreflightOptions *options,
                                                  GError              **error);
/* GListModel of ShoalPreflightCheck, in the order they are shown. */
GListModel          *shoal_preflight_get_checks  (ShoalPreflight       *self);
ShoalPreflightCheck *shoal_preflight_get_check   (ShoalPreflight       *self,
                                                  const char           *name);
/* Adds a check that the caller runs and sets itself (the distribution point's probe). */
ShoalPreflightCheck *shoal_preflight_add_check   (ShoalPreflight       *self,
                                                  const char           *name,
                                                  const char           *title);
/* "ready", "running" or "done". */
const char          *shoal_preflight_get_state   (ShoalPreflight       *self);
/* The worst outcome so far: FAIL over WARN over PASS; SKIP and unfinished checks count as
 * PASS. */
ShoalCheckState      shoal_preflight_get_outcome (ShoalPreflight       *self);

void                 shoal_preflight_run_async   (ShoalPreflight       *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean             shoal_preflight_run_finish  (ShoalPreflight       *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

/* {"state": ..., "outcome": ..., "checks": [...]} */
JsonNode            *shoal_preflight_to_json     (ShoalPreflight       *self);

/* The size of a session's datagrams for @mtu: symbol, Shoal header and tag, and the IP and
 * UDP headers of @family. */
guint                shoal_preflight_packet_size (guint                 mtu,
                                                  GSocketFamily         family);

G_END_DECLS
