/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AES-256-GCM sealing of whole packets in place: the cleartext header is the AAD, the body is
 * encrypted, the 16-byte tag follows it. One ShoalSeal per thread. */
#pragma once

#include <glib.h>

#include "shoal-protocol.h"

G_BEGIN_DECLS

typedef struct _ShoalSeal ShoalSeal;

ShoalSeal *shoal_seal_new  (const guint8             key[32]);
void       shoal_seal_free (ShoalSeal               *seal);
void       shoal_seal_seal (ShoalSeal               *seal,
                            const ShoalPacketHeader *hdr,
                            guint8                  *packet,
                            gsize                    header_len,
                            gsize                    body_len);
gboolean   shoal_seal_open (ShoalSeal               *seal,
                            const ShoalPacketHeader *hdr,
                            guint8                  *packet,
                            gsize                    header_len,
                            gsize                    body_len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalSeal, shoal_seal_free)

G_END_DECLS
