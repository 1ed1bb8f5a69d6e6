/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shoal's crypto primitives against published test vectors (FIPS 180-2, the GCM spec's test
 * cases, RFC 8032), tampering, key import and export, and AES-GCM throughput. */
#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "shoal-crypto.h"

static guint8 *
unhex (const char *hex,
       gsize      *len)
{
  gsize n = strlen (hex) / 2;
  guint8 *out = g_malloc (n + 1);

  g_assert_true (shoal_hex_decode (hex, out, n));
  if (len != NULL)
    *len = n;
  return out;
}

static void
assert_hex (const guint8 *data,
            gsize         len,
            const char   *expected)
{
  g_autofree char *hex = shoal_hex_encode (data, len);

  g_assert_cmpstr (hex, ==, expected);
}

static void
test_hex (void)
{
  static const guint8 bytes[] = { 0x00, 0x7f, 0x80, 0xab, 0xff };
  guint8 out[5];

  assert_hex (bytes, sizeof bytes, "007f80abff");
  g_assert_true (shoal_hex_decode ("007F80ABff", out, sizeof out));
  g_assert_cmpmem (out, sizeof out, bytes, sizeof bytes);
  g_assert_false (shoal_hex_decode ("007f80abf", out, sizeof out));     /* odd length */
  g_assert_false (shoal_hex_decode ("007f80abff00", out, sizeof out));  /* too long */
  g_assert_false (shoal_hex_decode ("007f80abfg", out, sizeof out));    /* not hex */
  g_assert_false (shoal_hex_decode ("007f80ab f", out, sizeof out));
  g_assert_true (shoal_hex_decode ("", out, 0));
}

static void
test_sha256_vectors (void)
{
  g_autoptr(ShoalSha256) sha = shoal_sha256_new ();
  g_autofree char *hex = NULL;
  g_autofree char *million = g_strnfill (1000000, 'a');
  guint8 digest[SHOAL_SHA256_LEN];

  /* FIPS 180-2, appendix B.1 and B.3. */
  shoal_sha256 ("abc", 3, digest);
  assert_hex (digest, sizeof digest,
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  hex = shoal_sha256_hex ("", 0);
  g_assert_cmpstr (hex, ==, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");

  /* Incremental, in uneven pieces, then reused: finish resets the state. */
  for (gsize off = 0, step = 1; off < 1000000; off += step, step = step * 3 % 9973 + 1)
    shoal_sha256_update (sha, million + off, MIN (step, 1000000 - off));
  shoal_sha256_finish (sha, digest);
  assert_hex (digest, sizeof digest,
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  shoal_sha256_update (sha, "a", 1);
  shoal_sha256_update (sha, "bc", 2);
  shoal_sha256_finish (sha, digest);
  assert_hex (digest, sizeof digest,
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

typedef struct
{
  const char *key, *iv, *plain, *aad, *cipher, *tag;
} GcmVector;

/* Test cases 13 to 16 of McGrew and Viega, "The Galois/Counter Mode of Operation", the
 * AES-256 vectors NIST's GCM validation uses. */
static const GcmVector gcm_vectors[] = {
  { "0000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b" },
  { "0000000000000000000000000000000000000000000000000000000000000000",
    "000000000000000000000000", "00000000000000000000000000000000", "",
    "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919" },
  { "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
    "cafebabefacedbaddecaf888",
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255",
    "",
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
    "b094dac5d93471bdec1a502270e3cc6c" },
  { "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
    "cafebabefacedbaddecaf888",
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    "feedfacedeadbeeffeedfacedeadbeefabaddad2",
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
    "76fc6ece0f4e1768cddf8853bb2d551b" },
};

static void
test_aead_vectors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (gcm_vectors); i++)
    {
      const GcmVector *v = &gcm_vectors[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalAead) aead = NULL;
      g_autofree guint8 *key = unhex (v->key, NULL);
      g_autofree guint8 *iv = unhex (v->iv, NULL);
      g_autofree guint8 *aad = NULL;
      g_autofree guint8 *buf = NULL;
      g_autofree guint8 *plain = NULL;
      guint8 tag[SHOAL_AEAD_TAG_LEN];
      gsize aad_len, len;

      g_test_message ("GCM test case %" G_GSIZE_FORMAT, 13 + i);
      aead = shoal_aead_new (key, &error);
      g_assert_no_error (error);
      aad = unhex (v->aad, &aad_len);
      buf = unhex (v->plain, &len);
      plain = g_memdup2 (buf, len + 1);

      g_assert_true (shoal_aead_seal (aead, iv, aad, aad_len, buf, len, tag));
      assert_hex (buf, len, v->cipher);
      assert_hex (tag, sizeof tag, v->tag);

      g_assert_true (shoal_aead_open (aead, iv, aad, aad_len, buf, len, tag));
      g_assert_cmpmem (buf, len, plain, len);
    }
}

static void
test_aead_tamper (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalAead) aead = NULL;
  guint8 key[SHOAL_AEAD_KEY_LEN], nonce[SHOAL_AEAD_NONCE_LEN], tag[SHOAL_AEAD_TAG_LEN];
  guint8 aad[24], plain[1400], sealed[1400], buf[1400], t[SHOAL_AEAD_TAG_LEN];
  guint8 n[SHOAL_AEAD_NONCE_LEN], a[24];

  g_assert_true (shoal_random_key (key, sizeof key, &error));
  g_assert_true (shoal_random_nonce (nonce, sizeof nonce, &error));
  g_assert_true (shoal_random_nonce (aad, sizeof aad, &error));
  g_assert_true (shoal_random_nonce (plain, sizeof plain, &error));
  g_assert_no_error (error);
  aead = shoal_aead_new (key, &error);
  g_assert_no_error (error);

  memcpy (sealed, plain, sizeof plain);
  g_assert_true (shoal_aead_seal (aead, nonce, aad, sizeof aad, sealed, sizeof sealed, tag));
  g_assert_true (memcmp (sealed, plain, sizeof plain) != 0);

#define RESET() G_STMT_START { memcpy (buf, sealed, sizeof buf); memcpy (t, tag, sizeof t); \
    memcpy (n, nonce, sizeof n); memcpy (a, aad, sizeof a); } G_STMT_END

  RESET ();
  g_assert_true (shoal_aead_open (aead, n, a, sizeof a, buf, sizeof buf, t));
  g_assert_cmpmem (buf, sizeof buf, plain, sizeof plain);

  /* One flipped bit anywhere must be caught: ciphertext start, middle, end, tag, AAD, nonce. */
  for (gsize pos = 0; pos < sizeof buf; pos += 233)
    {
      RESET ();
      buf[pos] ^= 0x01;
      g_assert_false (shoal_aead_open (aead, n, a, sizeof a, buf, sizeof buf, t));
    }
  RESET ();
  buf[sizeof buf - 1] ^= 0x80;
  g_assert_false (shoal_aead_open (aead, n, a, sizeof a, buf, sizeof buf, t));
  for (gsize pos = 0; pos < sizeof t; pos++)
    {
      RESET ();
      t[pos] ^= 0x10;
      g_assert_false (shoal_aead_open (aead, n, a, sizeof a, buf, sizeof buf, t));
    }
  RESET ();
  a[5] ^= 0x01;
  g_assert_false (shoal_aead_open (aead, n, a, sizeof a, buf, sizeof buf, t));
  RESET ();
  n[11] ^= 0x01;
  g_assert_false (shoal_aead_open (aead, n, a, sizeof a, buf, sizeof buf, t));
  RESET ();
  g_assert_false (shoal_aead_open (aead, n, a, sizeof a - 1, buf, sizeof buf, t));  /* AAD cut */
  RESET ();
  g_assert_false (shoal_aead_open (aead, n, a, sizeof a, buf, sizeof buf - 1, t));  /* body cut */

  /* A different key cannot open it either. */
  {
    g_autoptr(ShoalAead) other = NULL;

    key[0] ^= 0x01;
    other = shoal_aead_new (key, &error);
    g_assert_no_error (error);
    RESET ();
    g_assert_false (shoal_aead_open (other, n, a, sizeof a, buf, sizeof buf, t));
  }
#undef RESET
}

static void
test_aead_sizes (void)
{
  static const gsize sizes[] = { 0, 1, 15, 16, 17, 1400, 8972, 65536 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalAead) aead = NULL;
  guint8 key[SHOAL_AEAD_KEY_LEN] = { 7 }, nonce[SHOAL_AEAD_NONCE_LEN] = { 1 };
  guint8 tag[SHOAL_AEAD_TAG_LEN];

  aead = shoal_aead_new (key, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree guint8 *plain = g_malloc (sizes[i] + 1);
      g_autofree guint8 *buf = g_malloc (sizes[i] + 1);

      for (gsize j = 0; j < sizes[i]; j++)
        plain[j] = (guint8) (j * 7 + i);
      memcpy (buf, plain, sizes[i]);
      nonce[0] = (guint8) i;
      g_assert_true (shoal_aead_seal (aead, nonce, NULL, 0, buf, sizes[i], tag));
      g_assert_true (shoal_aead_open (aead, nonce, NULL, 0, buf, sizes[i], tag));
      g_assert_cmpmem (buf, sizes[i], plain, sizes[i]);
    }
}

/* AES-256-GCM on 1400-byte packets with a 32-byte header as AAD, the shape of Shoal's data
 * packets. The receiver has to keep up with a multi-Gbit/s stream on one core. */
static void
test_aead_throughput (void)
{
  enum { PACKET = 1400, HEADER = 32, BATCH = 1024 };
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalAead) aead = NULL;
  g_autofree guint8 *packets = g_malloc0 ((gsize) BATCH * PACKET);
  g_autofree guint8 *tags = g_malloc0 ((gsize) BATCH * SHOAL_AEAD_TAG_LEN);
  guint8 key[SHOAL_AEAD_KEY_LEN] = { 0x42 }, header[HEADER] = { 0 };
  guint8 nonce[SHOAL_AEAD_NONCE_LEN] = { 0 }, work[PACKET];
  double seal_mbs, open_mbs;
  gint64 start, elapsed;
  guint64 bytes = 0;
  guint rounds = 0;

  aead = shoal_aead_new (key, &error);
  g_assert_no_error (error);

  start = g_get_monotonic_time ();
  do
    {
      for (guint i = 0; i < BATCH; i++)
        {
          memcpy (nonce, &i, sizeof i);
          memcpy (nonce + 4, &rounds, sizeof rounds);
          g_assert_true (shoal_aead_seal (aead, nonce, header, HEADER, packets + i * PACKET,
                                          PACKET, tags + i * SHOAL_AEAD_TAG_LEN));
        }
      bytes += (guint64) BATCH * PACKET;
      rounds++;
    }
  while ((elapsed = g_get_monotonic_time () - start) < 300000);
  seal_mbs = bytes / (double) elapsed;

  /* Open the last round's packets over and over, each from a pristine copy since opening
   * decrypts in place; the copy costs a few percent, so the figure is slightly low. */
  rounds--;
  bytes = 0;
  start = g_get_monotonic_time ();
  do
    {
      for (guint i = 0; i < BATCH; i++)
        {
          memcpy (nonce, &i, sizeof i);
          memcpy (nonce + 4, &rounds, sizeof rounds);
          memcpy (work, packets + i * PACKET, PACKET);
          g_assert_true (shoal_aead_open (aead, nonce, header, HEADER, work, PACKET,
                                          tags + i * SHOAL_AEAD_TAG_LEN));
        }
      bytes += (guint64) BATCH * PACKET;
    }
  while ((elapsed = g_get_monotonic_time () - start) < 300000);
  open_mbs = bytes / (double) elapsed;

  g_test_message ("AES-256-GCM, %d-byte packets + %d-byte AAD, one core: seal %.0f MB/s "
                  "(%.1f Gbit/s), open %.0f MB/s (%.1f Gbit/s)", PACKET, HEADER, seal_mbs,
                  seal_mbs * 8 / 1000, open_mbs, open_mbs * 8 / 1000);
  /* A floor far below what AES-NI gives, so a busy machine does not fail it, but above what
   * a table-based software AES reaches: falling under it means the fast path is gone. */
  g_assert_cmpfloat (open_mbs * 8 / 1000, >=, 1.0);
  g_assert_cmpfloat (seal_mbs * 8 / 1000, >=, 1.0);
}

/* RFC 8032 section 7.1, tests 1 to 3. */
static const struct
{
  const char *seed, *pub, *msg, *sig;
} ed25519_vectors[] = {
  { "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "",
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
    "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
  { "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    "72",
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
  { "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    "af82",
    "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
    "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a" },
};

static void
test_ed25519_vectors (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (ed25519_vectors); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ShoalSigningKey) sk = NULL;
      g_autoptr(ShoalVerifyKey) vk = NULL;
      g_autofree guint8 *seed = unhex (ed25519_vectors[i].seed, NULL);
      g_autofree guint8 *expected_pub = unhex (ed25519_vectors[i].pub, NULL);
      g_autofree guint8 *msg = NULL;
      g_autofree char *fingerprint = NULL;
      g_autofree char *pub_digest = NULL;
      guint8 pub[SHOAL_ED25519_PUBLIC_LEN], sig[SHOAL_ED25519_SIG_LEN];
      guint8 got_seed[SHOAL_ED25519_SEED_LEN];
      gsize msg_len;

      g_test_message ("RFC 8032 test %" G_GSIZE_FORMAT, i + 1);
      msg = unhex (ed25519_vectors[i].msg, &msg_len);
      sk = shoal_signing_key_new_from_seed (seed, &error);
      g_assert_no_error (error);
      shoal_signing_key_get_public (sk, pub);
      assert_hex (pub, sizeof pub, ed25519_vectors[i].pub);
      shoal_signing_key_get_seed (sk, got_seed);
      g_assert_cmpmem (got_seed, sizeof got_seed, seed, SHOAL_ED25519_SEED_LEN);

      g_assert_true (shoal_signing_key_sign (sk, msg, msg_len, sig, &error));
      g_assert_no_error (error);
      assert_hex (sig, sizeof sig, ed25519_vectors[i].sig);

      vk = shoal_verify_key_new (expected_pub, &error);
      g_assert_no_error (error);
      g_assert_true (shoal_verify_key_verify (vk, msg, msg_len, sig));

      /* Fingerprint: "SHA256:" + hex SHA-256 of the raw public key, the same from both. */
      pub_digest = shoal_sha256_hex (expected_pub, SHOAL_ED25519_PUBLIC_LEN);
      fingerprint = g_strconcat ("SHA256:", pub_digest, NULL);
      g_assert_cmpstr (shoal_signing_key_get_fingerprint (sk), ==, fingerprint);
      g_assert_cmpstr (shoal_verify_key_get_fingerprint (vk), ==, fingerprint);
      g_clear_pointer (&fingerprint, g_free);
      fingerprint = shoal_ed25519_fingerprint (expected_pub);
      g_assert_cmpstr (fingerprint, ==, shoal_verify_key_get_fingerprint (vk));
    }
}

static void
test_ed25519_tamper (void)
{
  static const char message[] = "session 42: group 239.1.2.3:5000, 1073741824 bytes";
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSigningKey) sk = NULL;
  g_autoptr(ShoalSigningKey) other = NULL;
  g_autoptr(ShoalVerifyKey) vk = NULL;
  g_autoptr(ShoalVerifyKey) other_vk = NULL;
  guint8 pub[SHOAL_ED25519_PUBLIC_LEN], sig[SHOAL_ED25519_SIG_LEN];
  char msg[sizeof message];

  sk = shoal_signing_key_generate (&error);
  g_assert_no_error (error);
  g_assert_true (shoal_signing_key_sign (sk, message, strlen (message), sig, &error));
  shoal_signing_key_get_public (sk, pub);
  vk = shoal_verify_key_new (pub, &error);
  g_assert_no_error (error);
  g_assert_true (shoal_verify_key_verify (vk, message, strlen (message), sig));

  for (gsize pos = 0; pos < strlen (message); pos += 7)
    {
      memcpy (msg, message, sizeof msg);
      msg[pos] ^= 0x01;
      g_assert_false (shoal_verify_key_verify (vk, msg, strlen (message), sig));
    }
  g_assert_false (shoal_verify_key_verify (vk, message, strlen (message) - 1, sig));
  for (gsize pos = 0; pos < sizeof sig; pos += 9)
    {
      guint8 bad[SHOAL_ED25519_SIG_LEN];

      memcpy (bad, sig, sizeof bad);
      bad[pos] ^= 0x40;
      g_assert_false (shoal_verify_key_verify (vk, message, strlen (message), bad));
    }

  /* Another key's verifier rejects it; two generated keys differ. */
  other = shoal_signing_key_generate (&error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_signing_key_get_fingerprint (other), !=,
                   shoal_signing_key_get_fingerprint (sk));
  shoal_signing_key_get_public (other, pub);
  other_vk = shoal_verify_key_new (pub, &error);
  g_assert_no_error (error);
  g_assert_false (shoal_verify_key_verify (other_vk, message, strlen (message), sig));
}

static void
test_ed25519_pem (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ShoalSigningKey) sk = NULL;
  g_autoptr(ShoalSigningKey) back = NULL;
  g_autoptr(ShoalSigningKey) from_seed = NULL;
  g_autofree char *pem = NULL;
  guint8 seed[SHOAL_ED25519_SEED_LEN], sig1[SHOAL_ED25519_SIG_LEN], sig2[SHOAL_ED25519_SIG_LEN];

  sk = shoal_signing_key_generate (&error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (shoal_signing_key_get_fingerprint (sk), "SHA256:"));
  g_assert_cmpuint (strlen (shoal_signing_key_get_fingerprint (sk)), ==, 7 + 64);

  pem = shoal_signing_key_to_pem (sk, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (pem, "-----BEGIN PRIVATE KEY-----\n"));
  back = shoal_signing_key_new_from_pem (pem, strlen (pem), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_signing_key_get_fingerprint (back), ==,
                   shoal_signing_key_get_fingerprint (sk));

  shoal_signing_key_get_seed (sk, seed);
  from_seed = shoal_signing_key_new_from_seed (seed, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (shoal_signing_key_get_fingerprint (from_seed), ==,
                   shoal_signing_key_get_fingerprint (sk));

  /* Ed25519 is deterministic: the same key signs the same message identically. */
  g_assert_true (shoal_signing_key_sign (back, "x", 1, sig1, &error));
  g_assert_true (shoal_signing_key_sign (from_seed, "x", 1, sig2, &error));
  g_assert_cmpmem (sig1, sizeof sig1, sig2, sizeof sig2);
}

static void
test_ed25519_bad_keys (void)
{
  g_autoptr(GError) error = NULL;
  ShoalSigningKey *sk;
  gnutls_x509_privkey_t ecdsa;
  gnutls_datum_t pem = { NULL, 0 };
  static const char garbage[] = "-----BEGIN PRIVATE KEY-----\nnot base64 at all\n"
                                "-----END PRIVATE KEY-----\n";

  sk = shoal_signing_key_new_from_pem (garbage, strlen (garbage), &error);
  g_assert_null (sk);
  g_assert_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_INVALID_KEY);
  g_test_message ("garbage PEM: %s", error->message);
  g_clear_error (&error);

  /* A valid key of the wrong kind is refused with a message that says which kind. */
  gnutls_x509_privkey_init (&ecdsa);
  g_assert_cmpint (gnutls_x509_privkey_generate (ecdsa, GNUTLS_PK_ECDSA,
                                                 GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                                 0), ==, 0);
  g_assert_cmpint (gnutls_x509_privkey_export2_pkcs8 (ecdsa, GNUTLS_X509_FMT_PEM, NULL,
                                                      GNUTLS_PKCS_PLAIN, &pem), ==, 0);
  sk = shoal_signing_key_new_from_pem ((const char *) pem.data, pem.size, &error);
  g_assert_null (sk);
  g_assert_error (error, SHOAL_CRYPTO_ERROR, SHOAL_CRYPTO_ERROR_INVALID_KEY);
  g_assert_nonnull (strstr (error->message, "not Ed25519"));
  g_test_message ("ECDSA PEM: %s", error->message);
  gnutls_free (pem.data);
  gnutls_x509_privkey_deinit (ecdsa);
}

static void
test_random (void)
{
  g_autoptr(GError) error = NULL;
  guint8 a[32], b[32], zero[32] = { 0 };

  g_assert_true (shoal_random_key (a, sizeof a, &error));
  g_assert_true (shoal_random_key (b, sizeof b, &error));
  g_assert_no_error (error);
  g_assert_true (memcmp (a, b, sizeof a) != 0);
  g_assert_true (memcmp (a, zero, sizeof a) != 0);
  g_assert_true (shoal_random_nonce (a, sizeof a, &error));
  g_assert_true (shoal_random_nonce (b, sizeof b, &error));
  g_assert_true (memcmp (a, b, sizeof a) != 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/crypto/hex", test_hex);
  g_test_add_func ("/crypto/sha256/vectors", test_sha256_vectors);
  g_test_add_func ("/crypto/aead/vectors", test_aead_vectors);
  g_test_add_func ("/crypto/aead/tamper", test_aead_tamper);
  g_test_add_func ("/crypto/aead/sizes", test_aead_sizes);
  g_test_add_func ("/crypto/aead/throughput", test_aead_throughput);
  g_test_add_func ("/crypto/ed25519/rfc8032", test_ed25519_vectors);
  g_test_add_func ("/crypto/ed25519/tamper", test_ed25519_tamper);
  g_test_add_func ("/crypto/ed25519/pem", test_ed25519_pem);
  g_test_add_func ("/crypto/ed25519/bad-keys", test_ed25519_bad_keys);
  g_test_add_func ("/crypto/random", test_random);

  return g_test_run ();
}
