/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The distribution point's key material on disk: its Ed25519 signing key and one AES-256 key
 * per session, in STATE/keys/. Every file is written atomically with mode 0600 and checked on
 * load; a damaged one is moved aside to NAME.corrupt-TIMESTAMP, replaced and logged, so no
 * key state ever needs repair by hand. */
#pragma once

#include <gio/gio.h>

#include "shoal-crypto.h"

G_BEGIN_DECLS

#define SHOAL_KEYSTORE_ERROR (shoal_keystore_error_quark ())

typedef enum
{
  SHOAL_KEYSTORE_ERROR_INVALID_ID,  /* a session id that cannot name a key file */
} ShoalKeystoreError;

#define SHOAL_TYPE_KEYSTORE (shoal_keystore_get_type ())
G_DECLARE_FINAL_TYPE (ShoalKeystore, shoal_keystore, SHOAL, KEYSTORE, GObject)

GQuark           shoal_keystore_error_quark        (void);
/* Opens STATE/keys (creating it with mode 0700), removes what interrupted writes left, and
 * loads the signing key, creating it on first start. I/O errors are G_FILE_ERROR and name
 * the file. */
ShoalKeystore   *shoal_keystore_new                (const char     *state_dir,
                                                    GError        **error);
const char      *shoal_keystore_get_dir            (ShoalKeystore  *self);
/* Borrowed; sign from one thread at a time (see ShoalSigningKey). */
ShoalSigningKey *shoal_keystore_get_signing_key    (ShoalKeystore  *self);
/* Session ids are 1 to 128 letters, digits, '.', '_' or '-', not starting with '.'. The key
 * (SHOAL_AEAD_KEY_LEN bytes into @out) is created on first use and kept until rotated or
 * deleted. Safe to call from any thread. */
gboolean         shoal_keystore_get_session_key    (ShoalKeystore  *self,
                                                    const char     *session_id,
                                                    guint8         *out,
                                                    GError        **error);
/* Replaces the session's key with a fresh one, atomically: on failure the old key stays, on
 * disk and in memory. @out (may be NULL) receives the new key. */
gboolean         shoal_keystore_rotate_session_key (ShoalKeystore  *self,
                                                    const char     *session_id,
                                                    guint8         *out,
                                                    GError        **error);
/* Replaces the signing key with a fresh one, atomically: the rename of the new key file is
 * the commit point, so a crash leaves the old key or the new one, never neither. On failure
 * the old key stays. Clients that pinned the old fingerprint must be given the new one.
 * Earlier keys stay valid in memory for callers still holding them. */
gboolean         shoal_keystore_rotate_signing_key (ShoalKeystore  *self,
                                                    GError        **error);
/* Forgets the session's key; a missing key is not an error. */
gboolean         shoal_keystore_delete_session_key (ShoalKeystore  *self,
                                                    const char     *session_id,
                                                    GError        **error);

G_END_DECLS
