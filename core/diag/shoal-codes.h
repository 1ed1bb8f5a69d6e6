/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shoal's own failure codes: the HRESULT-style codes shoal-client logs, and its exit codes.
 *
 * shoal-client writes a CMTrace log (component="shoal-client") that the analyser reads:
 *  - each phase starts with an info line "Step: NAME" (join, receive, repair, verify, write...);
 *  - a failure is a type="3" line that names what failed and carries its code in hex,
 *    e.g. "Hash mismatch in install.wim block 812 (0xA05A0003)";
 *  - the last line is "Exiting with code N (NAME)", N a ShoalClientExit.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Severity bit and customer bit set, facility 0x5A ("Shoal"). */
#define SHOAL_FACILITY            0x5A
#define SHOAL_CODE(n)             (0xA05A0000u | ((n) & 0xFFFFu))
#define SHOAL_CODE_IS_SHOAL(code) (((guint32) (code) & 0xFFFF0000u) == 0xA05A0000u)

/* The log lines of shoal-client that the analyser recognises (see above). */
#define SHOAL_CLIENT_LOG_COMPONENT   "shoal-client"
#define SHOAL_CLIENT_LOG_STEP_PREFIX "Step: "
#define SHOAL_CLIENT_LOG_EXIT_PREFIX "Exiting with code "

/* Values above INT_MAX: GCC and Clang give such an enum an unsigned type. */
typedef enum
{
  SHOAL_CLIENT_ERROR_NO_SESSION = 0xA05A0001u,
  SHOAL_CLIENT_ERROR_TIMEOUT = 0xA05A0002u,           /* no data arrived in time */
  SHOAL_CLIENT_ERROR_HASH_MISMATCH = 0xA05A0003u,
  SHOAL_CLIENT_ERROR_WRITE_FAILED = 0xA05A0004u,      /* disk full or a write failed */
  SHOAL_CLIENT_ERROR_ACCESS_DENIED = 0xA05A0005u,     /* HTTP 401 or 403 */
  SHOAL_CLIENT_ERROR_MULTICAST_ONLY_INCOMPLETE = 0xA05A0006u,
  SHOAL_CLIENT_ERROR_DROPPED_SLOW = 0xA05A0007u,      /* informational: repair goes on over HTTP */
  SHOAL_CLIENT_ERROR_SIGNATURE_MISMATCH = 0xA05A0008u,
  SHOAL_CLIENT_ERROR_PROTOCOL = 0xA05A0009u,          /* malformed packets */
  SHOAL_CLIENT_ERROR_TCP_STALLED = 0xA05A000Au,       /* window scaling diagnosis */
  SHOAL_CLIENT_ERROR_CANCELLED = 0xA05A000Bu,
} ShoalClientError;

#define SHOAL_CLIENT_ERROR_FIRST SHOAL_CLIENT_ERROR_NO_SESSION
#define SHOAL_CLIENT_ERROR_LAST  SHOAL_CLIENT_ERROR_CANCELLED

/* Process exit codes of shoal-client. 0-2 are the same as every Shoal binary's (ShoalExit). */
typedef enum
{
  SHOAL_CLIENT_EXIT_OK = 0,
  SHOAL_CLIENT_EXIT_FAILURE = 1,
  SHOAL_CLIENT_EXIT_USAGE = 2,
  SHOAL_CLIENT_EXIT_NO_SESSION = 10,
  SHOAL_CLIENT_EXIT_TIMEOUT = 11,
  SHOAL_CLIENT_EXIT_HASH_MISMATCH = 12,
  SHOAL_CLIENT_EXIT_WRITE_FAILED = 13,
  SHOAL_CLIENT_EXIT_ACCESS_DENIED = 14,
  SHOAL_CLIENT_EXIT_MULTICAST_ONLY_INCOMPLETE = 15,
  SHOAL_CLIENT_EXIT_SIGNATURE_MISMATCH = 16,
  SHOAL_CLIENT_EXIT_PROTOCOL = 17,
  SHOAL_CLIENT_EXIT_CANCELLED = 18,
} ShoalClientExit;

const char      *shoal_code_name                (guint32          code);
const char      *shoal_code_describe            (guint32          code);
ShoalClientExit  shoal_client_error_to_exit     (ShoalClientError error);
const char      *shoal_client_exit_name         (int              exit_code);
const char      *shoal_client_exit_describe     (int              exit_code);

G_END_DECLS
