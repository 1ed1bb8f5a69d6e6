/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The error domain of core/diag: error decoding and log analysis. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_DIAG_ERROR (shoal_diag_error_quark ())

typedef enum
{
  SHOAL_DIAG_ERROR_NOT_A_CODE,  /* the text holds no error code */
  SHOAL_DIAG_ERROR_DATA,        /* a built-in table or the knowledge base is damaged */
  SHOAL_DIAG_ERROR_READ,        /* a log could not be read */
} ShoalDiagError;

GQuark shoal_diag_error_quark (void);

G_END_DECLS
