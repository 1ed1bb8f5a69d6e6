/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl's admin commands (multicast, preflight, access, keys, probe, audit), and the
 * helpers they share with the console's wizards: parsing ranges and rates, following a
 * preflight, and the client command line an admin hands out. */
#pragma once

#include <json-glib/json-glib.h>

#include "shoal-cli.h"
#include "shoal-rest-client.h"

G_BEGIN_DECLS

int       shoal_ctl_cmd_multicast  (const ShoalCtlGlobals *globals, int argc, char **argv);
int       shoal_ctl_cmd_preflight  (const ShoalCtlGlobals *globals, int argc, char **argv);
int       shoal_ctl_cmd_access     (const ShoalCtlGlobals *globals, int argc, char **argv);
int       shoal_ctl_cmd_keys       (const ShoalCtlGlobals *globals, int argc, char **argv);
int       shoal_ctl_cmd_probe      (const ShoalCtlGlobals *globals, int argc, char **argv);
int       shoal_ctl_cmd_audit      (const ShoalCtlGlobals *globals, int argc, char **argv);

/* "100M", "1G", "2.5G", "800k" or plain bits per second. SHOAL_DP_ERROR_INVALID names
 * @what. */
gboolean  shoal_parse_rate         (const char  *text,
                                    const char  *what,
                                    guint64     *bps,
                                    GError     **error);
/* "239.255.42.1-239.255.42.254" or "ff05::1:1-ff05::1:ff": two multicast addresses of one
 * family, lowest first. */
gboolean  shoal_parse_group_range  (const char  *text,
                                    char       **first,
                                    char       **last,
                                    GError     **error);
/* "47000-47999" or a single port. */
gboolean  shoal_parse_port_range   (const char  *text,
                                    guint       *first,
                                    guint       *last,
                                    GError     **error);

/* Polls GET /api/v1/preflight/ID every @interval_ms until its state is "done" (or
 * @timeout_s passes), calling @progress (may be NULL) with each answer. Returns the last
 * answer. Blocking: from a worker thread in a GUI. */
JsonNode *shoal_preflight_follow   (ShoalRestClient *client,
                                    const char      *id,
                                    guint            interval_ms,
                                    guint            timeout_s,
                                    void           (*progress) (JsonNode *answer,
                                                                gpointer  data),
                                    gpointer         data,
                                    GCancellable    *cancellable,
                                    GError         **error);

/* The command line a client runs to receive a package from @url, with the account when
 * @account is not NULL. */
char     *shoal_access_client_command (const char *url,
                                       const char *account);
/* What to put on boot media so clients pin the distribution point: the known-servers.json
 * shoal-client reads, with the TLS certificate's and the signing key's fingerprints. */
char     *shoal_access_boot_snippet   (const char *url,
                                       const char *tls_fingerprint,
                                       const char *key_fingerprint);

G_END_DECLS
