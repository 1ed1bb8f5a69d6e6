/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Failure classes of the receiving side. Each maps to a distinct exit code of shoal-client and
 * to an HRESULT-style code in its CMTrace log (see core/diag/shoal-codes.h). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_CLIENT_ERROR (shoal_client_error_quark ())

typedef enum
{
  SHOAL_CLIENT_ERROR_FAILED,
  SHOAL_CLIENT_ERROR_NO_SESSION,      /* no session offers the package */
  SHOAL_CLIENT_ERROR_TIMEOUT,         /* nothing arrived in time, by multicast or HTTP */
  SHOAL_CLIENT_ERROR_HASH_MISMATCH,   /* content does not match the manifest */
  SHOAL_CLIENT_ERROR_DISK,            /* disk full or a write failed */
  SHOAL_CLIENT_ERROR_ACCESS_DENIED,   /* 401/403, or a key we cannot get */
  SHOAL_CLIENT_ERROR_MULTICAST_ONLY,  /* multicast ended incomplete; no HTTP repair allowed */
  SHOAL_CLIENT_ERROR_SIGNATURE,       /* descriptor signature or fingerprint mismatch */
  SHOAL_CLIENT_ERROR_PROTOCOL,        /* malformed data from the server */
  SHOAL_CLIENT_ERROR_CANCELLED,
} ShoalClientErrorCode;

GQuark shoal_client_error_quark (void);

G_END_DECLS
