/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The block layout of a package stream: blocks of k source symbols of symbol_size bytes; the
 * last block, and its last symbol, may be short. Shared by sender, receiver and manifest. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 total_size;
  guint   symbol_size;
  guint   k;
} ShoalLayout;

static inline guint64
shoal_layout_block_size (const ShoalLayout *l)
{
  return (guint64) l->k * l->symbol_size;
}

static inline guint32
shoal_layout_n_blocks (const ShoalLayout *l)
{
  return (guint32) ((l->total_size + shoal_layout_block_size (l) - 1) / shoal_layout_block_size (l));
}

static inline guint64
shoal_layout_block_offset (const ShoalLayout *l, guint32 b)
{
  return (guint64) b * shoal_layout_block_size (l);
}

static inline guint
shoal_layout_block_len (const ShoalLayout *l, guint32 b)
{
  guint64 off = shoal_layout_block_offset (l, b);

  return (guint) MIN (shoal_layout_block_size (l), l->total_size - off);
}

/* Source symbols in block @b. */
static inline guint
shoal_layout_block_k (const ShoalLayout *l, guint32 b)
{
  return (shoal_layout_block_len (l, b) + l->symbol_size - 1) / l->symbol_size;
}

/* Bytes carried by symbol @esi of block @b: parity symbols are always full size. */
static inline guint
shoal_layout_symbol_len (const ShoalLayout *l, guint32 b, guint esi)
{
  guint k = shoal_layout_block_k (l, b);

  if (esi + 1 < k || esi >= k)
    return l->symbol_size;
  return shoal_layout_block_len (l, b) - esi * l->symbol_size;
}

G_END_DECLS
