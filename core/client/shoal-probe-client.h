/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The receiving side of a network probe: `shoal-client --probe URL`, and the console's own
 * check. Joins the test group the distribution point names, counts the burst and reports
 * loss and rate back (see core/dp/API.md, "Probes"). */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *server;         /* base URL of the distribution point */
  const char *user;           /* network access account, or NULL */
  const char *password;
  const char *tls_pin;        /* "SHA256:HEX" of its certificate, or NULL: accept any */
  const char *interface;      /* NULL: the kernel's choice */
  const char *transport;      /* NULL: "auto" */
  const char *hostname;       /* NULL: this host's name */
  guint       timeout;        /* seconds to wait for an armed probe and its burst; 0: 60 */
} ShoalProbeClientOptions;

/* Blocking; run it on a worker thread in a GUI. Returns the report it sent:
 * {probe, host, received, count, loss, rate_bps, duplicates, reordered, first_ms, group,
 * port}. Errors are SHOAL_CLIENT_ERROR codes: TIMEOUT (no probe armed, or nothing arrived),
 * ACCESS_DENIED (401/403), SIGNATURE_MISMATCH (the certificate does not match the pin),
 * PROTOCOL; the message names the URL or the group. */
JsonNode *shoal_probe_client_run     (const ShoalProbeClientOptions *options,
                                      GCancellable                  *cancellable,
                                      GError                       **error);
/* One line for people: "1998 of 2000 datagrams (0.1 % loss) at 95.2 Mbit/s on GROUP". */
char     *shoal_probe_client_describe (JsonNode                     *report);
/* shoal-client --probe: prints the line and returns the exit code. The certificate must
 * match the one remembered for @url in known-servers.json, if any (there is no signed
 * descriptor in a probe to check). */
int       shoal_probe_client_command (const char                    *url,
                                      const char                    *user,
                                      const char                    *password_file,
                                      const char                    *interface,
                                      const char                    *transport,
                                      const char                    *hostname,
                                      int                            timeout);

G_END_DECLS
