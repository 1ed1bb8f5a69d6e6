/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sealing whole packets in place: the packet's nonce and header layout around ShoalAead. */
#include "config.h"

#include "shoal-crypto.h"
#include "shoal-seal.h"

struct _ShoalSeal
{
  ShoalAead *aead;
};

ShoalSeal *
shoal_seal_new (const guint8 key[32])
{
  g_autoptr(GError) error = NULL;
  ShoalSeal *seal = g_new0 (ShoalSeal, 1);

  seal->aead = shoal_aead_new (key, &error);
  if (seal->aead == NULL)
    g_error ("AES-256-GCM is unavailable: %s", error->message);
  return seal;
}

void
shoal_seal_free (ShoalSeal *seal)
{
  if (seal == NULL)
    return;
  shoal_aead_free (seal->aead);
  g_free (seal);
}

void
shoal_seal_seal (ShoalSeal               *seal,
                 const ShoalPacketHeader *hdr,
                 guint8                  *packet,
                 gsize                    header_len,
                 gsize                    body_len)
{
  guint8 nonce[SHOAL_NONCE_LEN];

  shoal_packet_nonce (hdr, nonce);
  /* Only a broken GnuTLS fails here, and then the body is zeroed: nothing leaks. */
  if (!shoal_aead_seal (seal->aead, nonce, packet, header_len, packet + header_len, body_len,
                        packet + header_len + body_len))
    g_error ("AES-256-GCM sealing failed");
}

gboolean
shoal_seal_open (ShoalSeal               *seal,
                 const ShoalPacketHeader *hdr,
                 guint8                  *packet,
                 gsize                    header_len,
                 gsize                    body_len)
{
  guint8 nonce[SHOAL_NONCE_LEN];

  shoal_packet_nonce (hdr, nonce);
  return shoal_aead_open (seal->aead, nonce, packet, header_len, packet + header_len, body_len,
                          packet + header_len + body_len);
}
