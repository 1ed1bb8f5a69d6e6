/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Systematic Reed-Solomon over GF(2^8) with ISA-L: encoding symbols 0..k-1 are the source,
 * k..254 are parity rows of a Cauchy matrix. Any k distinct symbols recover the block. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ShoalFec ShoalFec;

ShoalFec *shoal_fec_new    (guint          k,
                            guint          symbol_size);
void      shoal_fec_free   (ShoalFec      *fec);
guint     shoal_fec_get_k  (ShoalFec      *fec);
void      shoal_fec_encode (ShoalFec      *fec,
                            guint8       **src,
                            const guint8  *esis,
                            guint          n,
                            guint8       **out);
gboolean  shoal_fec_decode (ShoalFec      *fec,
                            guint8       **symbols,
                            const guint8  *esis,
                            guint8       **out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ShoalFec, shoal_fec_free)

G_END_DECLS
