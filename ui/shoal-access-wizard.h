/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The wizard that turns a distribution point's anonymous access on or off: the mode and
 * what it means, the network access account (or a confirmation naming what becomes
 * readable), then real fetches and a probe session that show the result. REST only, so the
 * embedded and a remote point go the same way. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_ACCESS_WIZARD (shoal_access_wizard_get_type ())
G_DECLARE_FINAL_TYPE (ShoalAccessWizard, shoal_access_wizard, SHOAL, ACCESS_WIZARD, GtkWindow)

GtkWidget  *shoal_access_wizard_new          (const char        *name,
                                              const char        *url,
                                              const char        *token);
/* "mode", "account", "confirm" or "verify". */
const char *shoal_access_wizard_get_page     (ShoalAccessWizard *self);
gboolean    shoal_access_wizard_get_busy     (ShoalAccessWizard *self);
const char *shoal_access_wizard_get_error    (ShoalAccessWizard *self);
/* Once verified: whether every verification passed. */
gboolean    shoal_access_wizard_get_verified (ShoalAccessWizard *self);

G_END_DECLS
