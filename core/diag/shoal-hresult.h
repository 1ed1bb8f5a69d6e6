/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HRESULTs as numbers: their parts, and reading them out of the many ways people and logs write
 * them (0x80070005, 80070005, HRESULT=..., -2147467259, 1460, 8004005). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SHOAL_HRESULT_FAILED(hr)      (((guint32) (hr) >> 31) != 0)
#define SHOAL_HRESULT_CUSTOMER(hr)    ((((guint32) (hr) >> 29) & 1) != 0)
/* 13 bits, as winerror.h's HRESULT_FACILITY: some facilities (AUDCLNT, 0x889) use bit 27. */
#define SHOAL_HRESULT_FACILITY(hr)    (((guint32) (hr) >> 16) & 0x1FFFu)
#define SHOAL_HRESULT_CODE(hr)        ((guint32) (hr) & 0xFFFFu)
/* Win32 error numbers become HRESULTs in facility 7; 0 (success) stays 0. */
#define SHOAL_HRESULT_FROM_WIN32(x)   ((x) == 0 ? 0u : (0x80070000u | ((guint32) (x) & 0xFFFFu)))

#define SHOAL_FACILITY_ITF      4
#define SHOAL_FACILITY_WIN32    7
#define SHOAL_FACILITY_WINDOWS  8
#define SHOAL_FACILITY_SECURITY 9
#define SHOAL_FACILITY_INTERNET 12
#define SHOAL_FACILITY_WDSMCSERVER 0x121
#define SHOAL_FACILITY_WDSMCCLIENT 0x122
/* The configuration manager's 0x87D0xxxx and 0x87D1xxxx codes. */
#define SHOAL_FACILITY_CONFIGMGR   0x7D0
#define SHOAL_FACILITY_CONFIGMGR2  0x7D1

typedef enum
{
  SHOAL_CODE_FORM_HEX = 1,      /* 0x80070005 */
  SHOAL_CODE_FORM_BARE_HEX,     /* 80070005 */
  SHOAL_CODE_FORM_DECIMAL,      /* -2147467259 or 2147942405 */
  SHOAL_CODE_FORM_WIN32,        /* 1460: a Win32 error number, in decimal or in hex */
  SHOAL_CODE_FORM_SHORT_HEX,    /* 8004005: seven hex digits, a zero dropped somewhere */
} ShoalCodeForm;

typedef struct
{
  guint32       value;          /* as an HRESULT: Win32 numbers are wrapped as 0x8007xxxx */
  ShoalCodeForm form;
  gsize         start;          /* where the number is in the text, in bytes */
  gsize         end;
} ShoalCodeReading;

GArray     *shoal_hresult_parse          (const char *text,
                                          GError    **error);
GArray     *shoal_hresult_scan           (const char *message);
const char *shoal_hresult_severity_name  (guint32     value);

G_END_DECLS
