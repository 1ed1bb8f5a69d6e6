/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The receiving side's GError domain. Its codes are the HRESULT-style ShoalClientError values
 * of core/diag/shoal-codes.h, so one code reaches the exit status (through
 * shoal_client_error_to_exit), the CMTrace log and the error decoder. */
#pragma once

#include <glib.h>

#include "shoal-codes.h"

G_BEGIN_DECLS

#define SHOAL_CLIENT_ERROR (shoal_client_error_quark ())

/* A failure without a class of its own: E_FAIL. */
#define SHOAL_CLIENT_ERROR_FAILED ((gint) 0x80004005u)

GQuark shoal_client_error_quark (void);

G_END_DECLS
