/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The demo deployment: the embedded distribution point streams a generated image to several
 * receivers on this machine, over loopback multicast when an interface can multicast, else
 * over an in-process simulated network. Used by `shoal --demo`. */
#pragma once

#include <gio/gio.h>

#include "shoal-point.h"

G_BEGIN_DECLS

#define SHOAL_DEMO_ERROR (shoal_demo_error_quark ())

typedef enum
{
  SHOAL_DEMO_ERROR_FAILED,
  SHOAL_DEMO_ERROR_IMAGE,       /* the image could not be written */
  SHOAL_DEMO_ERROR_NETWORK,     /* multicast was asked for and does not work here */
} ShoalDemoError;

typedef struct
{
  guint64     size;           /* bytes of the image; 0: 256 MiB */
  guint       n_clients;      /* 0: 4 */
  gboolean    loss;           /* one client loses datagrams */
  guint       loss_permille;  /* how many; 0: 80 */
  const char *network;        /* "auto", "multicast" or "sim"; NULL: auto */
  const char *receivers;      /* "auto", "processes" (shoal-client) or "threads"; NULL: auto */
  guint64     rate;           /* bits/s; 0: 200 Mbit/s */
  const char *dir;            /* NULL: $XDG_CACHE_HOME/shoal-demo */
} ShoalDemoOptions;

#define SHOAL_TYPE_DEMO (shoal_demo_get_type ())
G_DECLARE_FINAL_TYPE (ShoalDemo, shoal_demo, SHOAL, DEMO, GObject)

GQuark      shoal_demo_error_quark      (void);
ShoalDemo  *shoal_demo_new              (const ShoalDemoOptions *options,
                                         ShoalPoint             *point);
void        shoal_demo_start            (ShoalDemo              *self);
void        shoal_demo_stop             (ShoalDemo              *self);

const char *shoal_demo_get_state        (ShoalDemo              *self);
const char *shoal_demo_get_description  (ShoalDemo              *self);
const char *shoal_demo_get_error        (ShoalDemo              *self);
const char *shoal_demo_get_network      (ShoalDemo              *self);
guint       shoal_demo_get_n_clients    (ShoalDemo              *self);
guint       shoal_demo_get_n_complete   (ShoalDemo              *self);
guint       shoal_demo_get_n_failed     (ShoalDemo              *self);
char       *shoal_demo_dup_summary      (ShoalDemo              *self);

gboolean    shoal_demo_find_multicast_interface (char  **name,
                                                 guint  *mtu);

G_END_DECLS
