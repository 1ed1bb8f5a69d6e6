/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared helpers for Shoal's tests: private LANs of network namespaces, root checks. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  char        *prefix;
  guint        n_clients;
  GSubprocess *guard;
} ShoalTestLan;

gboolean      shoal_test_require_root (void);
ShoalTestLan *shoal_test_lan_up       (guint         n_clients,
                                       const char   *options);
void          shoal_test_lan_free     (ShoalTestLan *lan);
char         *shoal_test_lan_ns       (ShoalTestLan *lan,
                                       const char   *host);
int           shoal_test_lan_socket   (ShoalTestLan *lan,
                                       const char   *host,
                                       int           domain,
                                       int           type);
void          shoal_test_lan_enter    (ShoalTestLan *lan,
                                       const char   *host);
void          shoal_test_lan_leave    (void);
void          shoal_test_lan_exec     (ShoalTestLan *lan,
                                       const char   *host,
                                       const char   *command);
GSubprocess  *shoal_test_lan_spawn    (ShoalTestLan *lan,
                                       const char   *host,
                                       GSubprocessFlags flags,
                                       GError      **error,
                                       const char   *argv0,
                                       ...) G_GNUC_NULL_TERMINATED;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalTestLan, shoal_test_lan_free)

G_END_DECLS
