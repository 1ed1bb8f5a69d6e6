/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The error domain of core/diag. */
#include "config.h"

#include "shoal-diag-error.h"

G_DEFINE_QUARK (shoal-diag-error-quark, shoal_diag_error)
