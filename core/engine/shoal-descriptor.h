/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A session descriptor: what a client needs to join a session (group, port, layout, the
 * manifest), signed with the distribution point's Ed25519 key. The signature covers the
 * exact descriptor bytes carried inside the envelope. */
#pragma once

#include <glib.h>

#include "shoal-crypto.h"
#include "shoal-manifest.h"

G_BEGIN_DECLS

#define SHOAL_DESCRIPTOR_ERROR (shoal_descriptor_error_quark ())

typedef enum
{
  SHOAL_DESCRIPTOR_ERROR_INVALID,     /* not a descriptor, or inconsistent */
  SHOAL_DESCRIPTOR_ERROR_SIGNATURE,   /* the signature does not verify */
  SHOAL_DESCRIPTOR_ERROR_FINGERPRINT, /* signed by a key other than the pinned one */
} ShoalDescriptorError;

typedef struct
{
  char          *session;         /* the session's name, e.g. "win11-20261122-1" */
  guint32        session_id;      /* on the wire */
  char          *package;
  char          *group;           /* multicast address; NULL: HTTP only (see no_multicast) */
  guint          port;
  guint          ttl;
  guint64        max_rate;
  gboolean       multicast_only;
  char          *no_multicast;    /* why there is no multicast session, when group is NULL */
  ShoalManifest *manifest;
} ShoalDescriptor;

GQuark           shoal_descriptor_error_quark (void);
GBytes          *shoal_descriptor_sign   (const ShoalDescriptor *descriptor,
                                          ShoalSigningKey       *key,
                                          GError               **error);
ShoalDescriptor *shoal_descriptor_verify (const char            *data,
                                          gsize                  len,
                                          const char            *pinned_fingerprint,
                                          char                 **fingerprint,
                                          GError               **error);
void             shoal_descriptor_free   (ShoalDescriptor       *descriptor);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalDescriptor, shoal_descriptor_free)

G_END_DECLS
