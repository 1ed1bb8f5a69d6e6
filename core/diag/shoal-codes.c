/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shoal's own failure codes and shoal-client's exit codes: names, one-line descriptions and the
 * mapping between the two. The longer explanations live in the knowledge base. */
#include "config.h"

#include "shoal-codes.h"

typedef struct
{
  ShoalClientError code;
  const char      *name;
  const char      *description;
  ShoalClientExit  exit_code;
} CodeInfo;

static const CodeInfo codes[] = {
  { SHOAL_CLIENT_ERROR_NO_SESSION, "SHOAL_E_NO_SESSION",
    "no session found", SHOAL_CLIENT_EXIT_NO_SESSION },
  { SHOAL_CLIENT_ERROR_TIMEOUT, "SHOAL_E_TIMEOUT",
    "timed out: no data arrived, or the server could not be reached", SHOAL_CLIENT_EXIT_TIMEOUT },
  { SHOAL_CLIENT_ERROR_HASH_MISMATCH, "SHOAL_E_HASH_MISMATCH",
    "content hash mismatch", SHOAL_CLIENT_EXIT_HASH_MISMATCH },
  { SHOAL_CLIENT_ERROR_WRITE_FAILED, "SHOAL_E_WRITE_FAILED",
    "disk full or a write failed", SHOAL_CLIENT_EXIT_WRITE_FAILED },
  { SHOAL_CLIENT_ERROR_ACCESS_DENIED, "SHOAL_E_ACCESS_DENIED",
    "access denied by the distribution point (HTTP 401/403)", SHOAL_CLIENT_EXIT_ACCESS_DENIED },
  { SHOAL_CLIENT_ERROR_MULTICAST_ONLY_INCOMPLETE, "SHOAL_E_MULTICAST_ONLY_INCOMPLETE",
    "multicast-only package could not be completed", SHOAL_CLIENT_EXIT_MULTICAST_ONLY_INCOMPLETE },
  /* Informational: the client carries on over HTTP, so it never decides an exit code. */
  { SHOAL_CLIENT_ERROR_DROPPED_SLOW, "SHOAL_I_DROPPED_SLOW_CLIENT",
    "dropped from multicast as a slow client", SHOAL_CLIENT_EXIT_OK },
  { SHOAL_CLIENT_ERROR_SIGNATURE_MISMATCH, "SHOAL_E_SIGNATURE_MISMATCH",
    "server signature or fingerprint mismatch", SHOAL_CLIENT_EXIT_SIGNATURE_MISMATCH },
  { SHOAL_CLIENT_ERROR_PROTOCOL, "SHOAL_E_PROTOCOL",
    "protocol error: malformed packets", SHOAL_CLIENT_EXIT_PROTOCOL },
  /* A stalled download that stays stalled after the conservative retry times out. */
  { SHOAL_CLIENT_ERROR_TCP_STALLED, "SHOAL_E_TCP_STALLED",
    "unicast download stalled (TCP window scaling)", SHOAL_CLIENT_EXIT_TIMEOUT },
  { SHOAL_CLIENT_ERROR_CANCELLED, "SHOAL_E_CANCELLED",
    "cancelled", SHOAL_CLIENT_EXIT_CANCELLED },
};

typedef struct
{
  ShoalClientExit exit_code;
  const char     *name;
  const char     *description;
} ExitInfo;

static const ExitInfo exits[] = {
  { SHOAL_CLIENT_EXIT_OK, "ok", "the package was received and verified" },
  { SHOAL_CLIENT_EXIT_FAILURE, "failure", "failed; the log says why" },
  { SHOAL_CLIENT_EXIT_USAGE, "usage", "wrong command-line options" },
  { SHOAL_CLIENT_EXIT_NO_SESSION, "no-session", "no session found" },
  { SHOAL_CLIENT_EXIT_TIMEOUT, "timeout",
    "timed out waiting for data, or the distribution point could not be reached" },
  { SHOAL_CLIENT_EXIT_HASH_MISMATCH, "hash-mismatch", "content hash mismatch" },
  { SHOAL_CLIENT_EXIT_WRITE_FAILED, "write-failed", "disk full or a write failed" },
  { SHOAL_CLIENT_EXIT_ACCESS_DENIED, "access-denied", "access denied" },
  { SHOAL_CLIENT_EXIT_MULTICAST_ONLY_INCOMPLETE, "multicast-only-incomplete",
    "multicast-only package could not be completed" },
  { SHOAL_CLIENT_EXIT_SIGNATURE_MISMATCH, "signature-mismatch",
    "server signature or fingerprint mismatch" },
  { SHOAL_CLIENT_EXIT_PROTOCOL, "protocol-error", "protocol error" },
  { SHOAL_CLIENT_EXIT_CANCELLED, "cancelled", "cancelled" },
};

static const CodeInfo *
find_code (guint32 code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (codes); i++)
    if ((guint32) codes[i].code == code)
      return &codes[i];
  return NULL;
}

static const ExitInfo *
find_exit (int exit_code)
{
  for (gsize i = 0; i < G_N_ELEMENTS (exits); i++)
    if ((int) exits[i].exit_code == exit_code)
      return &exits[i];
  return NULL;
}

/* Symbolic name of one of Shoal's codes ("SHOAL_E_HASH_MISMATCH"), or NULL for other codes. */
const char *
shoal_code_name (guint32 code)
{
  const CodeInfo *info = find_code (code);

  return info ? info->name : NULL;
}

/* A few words for one of Shoal's codes, or NULL for other codes. */
const char *
shoal_code_describe (guint32 code)
{
  const CodeInfo *info = find_code (code);

  return info ? info->description : NULL;
}

/* The exit code shoal-client returns when @error ends its run; SHOAL_CLIENT_EXIT_FAILURE for a
 * value that is not a ShoalClientError. */
ShoalClientExit
shoal_client_error_to_exit (ShoalClientError error)
{
  const CodeInfo *info = find_code ((guint32) error);

  return info ? info->exit_code : SHOAL_CLIENT_EXIT_FAILURE;
}

/* Short name of a shoal-client exit code ("hash-mismatch"), or NULL when it is not one. */
const char *
shoal_client_exit_name (int exit_code)
{
  const ExitInfo *info = find_exit (exit_code);

  return info ? info->name : NULL;
}

const char *
shoal_client_exit_describe (int exit_code)
{
  const ExitInfo *info = find_exit (exit_code);

  return info ? info->description : NULL;
}
