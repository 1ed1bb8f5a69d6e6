/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Salted password hashes for the network access account: what the distribution point keeps
 * on disk instead of the password itself. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* PBKDF2-HMAC-SHA256. The stored form is one line:
 *   pbkdf2-sha256$ITERATIONS$SALT-BASE64$HASH-BASE64 */
#define SHOAL_PASSWORD_HASH_PREFIX "pbkdf2-sha256$"

/* A new hash of @password with a fresh random salt, or NULL with @error when the system has
 * no randomness or GnuTLS refuses. */
char     *shoal_password_hash    (const char  *password,
                                  GError     **error);
gboolean  shoal_password_is_hash (const char  *stored);
/* Whether @candidate (@len bytes, not NUL-terminated) hashes to @stored. A malformed
 * @stored never matches. Compares in constant time. */
gboolean  shoal_password_verify  (const char  *stored,
                                  const char  *candidate,
                                  gsize        len);

G_END_DECLS
