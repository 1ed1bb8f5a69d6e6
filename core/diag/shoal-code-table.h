/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The code tables (names and numbers from the Windows headers, WDS multicast, the configuration
 * manager, Shoal's own) and the knowledge base, loaded from core/diag's resource bundle. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define SHOAL_TYPE_CODE_TABLE (shoal_code_table_get_type ())
G_DECLARE_FINAL_TYPE (ShoalCodeTable, shoal_code_table, SHOAL, CODE_TABLE, GObject)

/* One name of a code. A code may have several (E_ACCESSDENIED and the Win32 name
 * ERROR_ACCESS_DENIED for 0x80070005; a WinHTTP and a WinINet name for 0x80072EE2). */
typedef struct
{
  guint32     value;     /* as an HRESULT; Win32 numbers wrapped as 0x8007xxxx */
  const char *name;      /* NULL for codes that have no symbolic name */
  const char *source;    /* the header or table it comes from: "winerror.h", "configmgr"... */
  const char *text;      /* a short description from a hand-written table, or NULL */
  gboolean    win32;     /* the name is of the Win32 number, not of the HRESULT */
} ShoalCodeName;

/* Our own words about a code that matters in deployment. */
typedef struct
{
  guint32             value;
  const char         *name;      /* overrides the header's name, or NULL */
  const char         *title;
  const char         *meaning;
  const char         *context;   /* why this meaning differs from the header's, or NULL */
  const char * const *causes;
  const char * const *remedies;
  gboolean            wrapper;   /* a generic code that passes on an earlier error */
} ShoalKnowledge;

typedef void (*ShoalCodeNameFunc) (const ShoalCodeName *name,
                                   gpointer             user_data);

ShoalCodeTable        *shoal_code_table_get_default      (void);
ShoalCodeTable        *shoal_code_table_new              (GError        **error);
const ShoalCodeName   *shoal_code_table_lookup           (ShoalCodeTable *self,
                                                          guint32         value,
                                                          guint          *n_names);
gboolean               shoal_code_table_lookup_name      (ShoalCodeTable *self,
                                                          const char     *name,
                                                          guint32        *value);
const ShoalKnowledge  *shoal_code_table_get_knowledge    (ShoalCodeTable *self,
                                                          guint32         value);
const ShoalKnowledge * const *
                       shoal_code_table_list_knowledge   (ShoalCodeTable *self,
                                                          guint          *n_entries);
const char            *shoal_code_table_get_facility_name (ShoalCodeTable *self,
                                                           guint           facility);
const char * const    *shoal_code_table_get_benign       (ShoalCodeTable *self);
void                   shoal_code_table_foreach_name     (ShoalCodeTable   *self,
                                                          ShoalCodeNameFunc func,
                                                          gpointer          user_data);

G_END_DECLS
