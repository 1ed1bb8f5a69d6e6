/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Systematic Reed-Solomon over GF(2^8) with ISA-L's SIMD kernels. Decoding inverts only the
 * e x e submatrix of the e erasures, so its cost follows the loss, not k^3. A ShoalFec is
 * read-only after creation: any thread may encode or decode with it. */
#include "config.h"

#include <isa-l/erasure_code.h>
#include <string.h>

#include "shoal-fec.h"
#include "shoal-protocol.h"

struct _ShoalFec
{
  guint   k;
  guint   symbol_size;
  guint8 *matrix;   /* SHOAL_MAX_ESI x k: identity rows, then Cauchy rows; read-only */
};

ShoalFec *
shoal_fec_new (guint k,
               guint symbol_size)
{
  ShoalFec *fec;

  g_return_val_if_fail (k >= 1 && k < SHOAL_MAX_ESI, NULL);

  fec = g_new0 (ShoalFec, 1);
  fec->k = k;
  fec->symbol_size = symbol_size;
  fec->matrix = g_malloc ((gsize) SHOAL_MAX_ESI * k);
  gf_gen_cauchy1_matrix (fec->matrix, SHOAL_MAX_ESI, k);
  return fec;
}

void
shoal_fec_free (ShoalFec *fec)
{
  if (fec == NULL)
    return;
  g_free (fec->matrix);
  g_free (fec);
}

guint
shoal_fec_get_k (ShoalFec *fec)
{
  return fec->k;
}

/* Computes the @n symbols whose indices are @esis (each >= k) from the k source symbols. */
void
shoal_fec_encode (ShoalFec      *fec,
                  guint8       **src,
                  const guint8  *esis,
                  guint          n,
                  guint8       **out)
{
  g_autofree guint8 *coef = g_malloc ((gsize) n * fec->k);
  g_autofree guint8 *tables = g_malloc ((gsize) 32 * n * fec->k);

  for (guint i = 0; i < n; i++)
    {
      g_assert (esis[i] >= fec->k && esis[i] < SHOAL_MAX_ESI);
      memcpy (coef + (gsize) i * fec->k, fec->matrix + (gsize) esis[i] * fec->k, fec->k);
    }
  ec_init_tables (fec->k, n, coef, tables);
  ec_encode_data (fec->symbol_size, fec->k, n, tables, src, out);
}

/* @symbols holds k distinct encoding symbols with indices @esis. On return out[i] holds
 * source symbol i for every i < k: received ones are copied, missing ones solved for. */
gboolean
shoal_fec_decode (ShoalFec      *fec,
                  guint8       **symbols,
                  const guint8  *esis,
                  guint8       **out)
{
  const guint k = fec->k;
  guint8 have[SHOAL_MAX_ESI] = { 0 };
  guint missing[SHOAL_MAX_ESI], parity[SHOAL_MAX_ESI];
  guint8 *inputs[SHOAL_MAX_ESI], *outputs[SHOAL_MAX_ESI];
  guint e = 0, np = 0, ni = 0;
  g_autofree guint8 *a = NULL, *ainv = NULL, *d = NULL, *tables = NULL;

  for (guint i = 0; i < k; i++)
    {
      if (esis[i] >= SHOAL_MAX_ESI || have[esis[i]])
        return FALSE;
      have[esis[i]] = 1;
      if (esis[i] < k)
        memcpy (out[esis[i]], symbols[i], fec->symbol_size);
      else
        parity[np++] = i;
    }
  for (guint s = 0; s < k; s++)
    if (!have[s])
      missing[e++] = s;
  g_assert (e == np);
  if (e == 0)
    return TRUE;

  /* A[j][m] = C[parity_j][missing_m]; missing = A^-1 (parity + C_known * known). */
  a = g_malloc ((gsize) e * e);
  ainv = g_malloc ((gsize) e * e);
  for (guint j = 0; j < e; j++)
    for (guint m = 0; m < e; m++)
      a[j * e + m] = fec->matrix[(gsize) esis[parity[j]] * k + missing[m]];
  if (gf_invert_matrix (a, ainv, e) != 0)
    return FALSE;

  /* Inputs: the k - e known source symbols, then the e parity symbols. */
  d = g_malloc0 ((gsize) e * k);
  for (guint s = 0; s < k; s++)
    if (have[s])
      {
        for (guint m = 0; m < e; m++)
          {
            guint8 acc = 0;
            for (guint j = 0; j < e; j++)
              acc ^= gf_mul (ainv[m * e + j], fec->matrix[(gsize) esis[parity[j]] * k + s]);
            d[(gsize) m * k + ni] = acc;
          }
        inputs[ni++] = out[s];
      }
  for (guint j = 0; j < e; j++, ni++)
    {
      for (guint m = 0; m < e; m++)
        d[(gsize) m * k + ni] = ainv[m * e + j];
      inputs[ni] = symbols[parity[j]];
    }
  for (guint m = 0; m < e; m++)
    outputs[m] = out[missing[m]];
  tables = g_malloc ((gsize) 32 * k * e);
  ec_init_tables (k, e, d, tables);
  ec_encode_data (fec->symbol_size, k, e, tables, inputs, outputs);
  return TRUE;
}
