/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The wizard that switches multicast on for a distribution point: interface, addresses and
 * ports, transfer, preflight, then summary and apply with a test session. It talks to the
 * point over its REST API only, so the embedded point and a remote one go the same way. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_MULTICAST_WIZARD (shoal_multicast_wizard_get_type ())
G_DECLARE_FINAL_TYPE (ShoalMulticastWizard, shoal_multicast_wizard, SHOAL, MULTICAST_WIZARD,
                      GtkWindow)

/* @url and @token: the point's base URL and admin token; @name: what the console calls it. */
GtkWidget  *shoal_multicast_wizard_new          (const char           *name,
                                                 const char           *url,
                                                 const char           *token);
/* "interface", "addresses", "transfer", "preflight" or "summary". */
const char *shoal_multicast_wizard_get_page     (ShoalMulticastWizard *self);
/* Whether a request to the point is under way (tests wait for this to end). */
gboolean    shoal_multicast_wizard_get_busy     (ShoalMulticastWizard *self);
/* The inline error shown, or NULL. */
const char *shoal_multicast_wizard_get_error    (ShoalMulticastWizard *self);
/* Once applied: whether the test session after it was received by this console. */
gboolean    shoal_multicast_wizard_get_verified (ShoalMulticastWizard *self);

G_END_DECLS
