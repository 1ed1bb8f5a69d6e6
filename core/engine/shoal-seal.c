/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AES-256-GCM sealing of whole packets in place with GnuTLS (AES-NI where the CPU has it). */
#include "config.h"

#include <gnutls/crypto.h>

#include "shoal-seal.h"

struct _ShoalSeal
{
  gnutls_aead_cipher_hd_t handle;
};

ShoalSeal *
shoal_seal_new (const guint8 key[32])
{
  ShoalSeal *seal = g_new0 (ShoalSeal, 1);
  gnutls_datum_t k = { (unsigned char *) key, 32 };
  int rc = gnutls_aead_cipher_init (&seal->handle, GNUTLS_CIPHER_AES_256_GCM, &k);

  if (rc < 0)
    g_error ("AES-256-GCM is unavailable in GnuTLS: %s", gnutls_strerror (rc));
  return seal;
}

void
shoal_seal_free (ShoalSeal *seal)
{
  if (seal == NULL)
    return;
  gnutls_aead_cipher_deinit (seal->handle);
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
  giovec_t aad = { packet, header_len };
  giovec_t body = { packet + header_len, body_len };
  size_t tag_len = SHOAL_TAG_LEN;
  int rc;

  shoal_packet_nonce (hdr, nonce);
  rc = gnutls_aead_cipher_encryptv2 (seal->handle, nonce, sizeof nonce, &aad, 1, &body, 1,
                                     packet + header_len + body_len, &tag_len);
  g_assert (rc == 0 && tag_len == SHOAL_TAG_LEN);
}

gboolean
shoal_seal_open (ShoalSeal               *seal,
                 const ShoalPacketHeader *hdr,
                 guint8                  *packet,
                 gsize                    header_len,
                 gsize                    body_len)
{
  guint8 nonce[SHOAL_NONCE_LEN];
  giovec_t aad = { packet, header_len };
  giovec_t body = { packet + header_len, body_len };

  shoal_packet_nonce (hdr, nonce);
  return gnutls_aead_cipher_decryptv2 (seal->handle, nonce, sizeof nonce, &aad, 1, &body, 1,
                                       packet + header_len + body_len, SHOAL_TAG_LEN) == 0;
}
