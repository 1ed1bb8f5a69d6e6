/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A distribution point as the console sees it: the embedded one (this process runs the
 * sessions) or a remote shoald. Both look the same to the UI: a name, a state, and list
 * models of packages and sessions that their owner fills; starting and stopping sessions go
 * through handlers the owner installs (in-process core, or the REST API). */
#pragma once

#include <gio/gio.h>

#include "shoal-session.h"

G_BEGIN_DECLS

#define SHOAL_POINT_ERROR (shoal_point_error_quark ())

typedef enum
{
  SHOAL_POINT_ERROR_UNSUPPORTED,   /* the point has no way to start sessions (yet) */
  SHOAL_POINT_ERROR_NO_PACKAGE,
  SHOAL_POINT_ERROR_INVALID,       /* a bad remembered-points file or argument */
} ShoalPointError;

/* How a new session starts: at once, or when @min_clients have joined, or @max_wait seconds
 * after the first join, whichever comes first; or, scheduled, at @start_at. */
typedef struct
{
  gboolean immediate;
  guint    min_clients;     /* 0: no such rule */
  guint    max_wait;        /* seconds; 0: no such rule */
  guint64  max_rate;        /* bits/s; 0: the point's default */
  gint64   start_at;        /* wall-clock us; 0: by the rules above */
} ShoalStartRules;

#define SHOAL_TYPE_POINT (shoal_point_get_type ())
G_DECLARE_FINAL_TYPE (ShoalPoint, shoal_point, SHOAL, POINT, GObject)

/* Creates and starts a session for @package (an item of the point's packages) and returns a
 * new reference to it; the point then lists it. */
typedef ShoalSession *(*ShoalPointStartFunc) (ShoalPoint            *point,
                                              GObject               *package,
                                              const ShoalStartRules *rules,
                                              gpointer               user_data,
                                              GError               **error);
typedef void          (*ShoalPointStopFunc)  (ShoalPoint            *point,
                                              ShoalSession          *session,
                                              gpointer               user_data);

GQuark        shoal_point_error_quark     (void);
ShoalPoint   *shoal_point_new_embedded    (const char     *name);
ShoalPoint   *shoal_point_new_remote      (const char     *name,
                                           const char     *url,
                                           const char     *token);

const char   *shoal_point_get_name        (ShoalPoint     *self);
const char   *shoal_point_get_kind        (ShoalPoint     *self);
const char   *shoal_point_get_url         (ShoalPoint     *self);
const char   *shoal_point_get_token       (ShoalPoint     *self);
/* Where the point's REST API answers, for the admin wizards: a remote point's URL and
 * token, or the embedded point's own endpoint once it serves one (set by its owner). */
void          shoal_point_set_admin_endpoint (ShoalPoint    *self,
                                           const char     *url,
                                           const char     *token);
const char   *shoal_point_get_admin_url   (ShoalPoint     *self);
const char   *shoal_point_get_admin_token (ShoalPoint     *self);
const char   *shoal_point_get_state       (ShoalPoint     *self);
const char   *shoal_point_get_error       (ShoalPoint     *self);
gboolean      shoal_point_get_can_start   (ShoalPoint     *self);
GListModel   *shoal_point_get_sessions    (ShoalPoint     *self);
GListModel   *shoal_point_get_packages    (ShoalPoint     *self);

void          shoal_point_set_state       (ShoalPoint     *self,
                                           const char     *state,
                                           const char     *error);
void          shoal_point_add_session     (ShoalPoint     *self,
                                           ShoalSession   *session);
gboolean      shoal_point_remove_session  (ShoalPoint     *self,
                                           ShoalSession   *session);
ShoalSession *shoal_point_find_session    (ShoalPoint     *self,
                                           const char     *id);
void          shoal_point_add_package     (ShoalPoint     *self,
                                           GObject        *package);
gboolean      shoal_point_remove_package  (ShoalPoint     *self,
                                           const char     *name);
GObject      *shoal_point_find_package    (ShoalPoint     *self,
                                           const char     *name);

void          shoal_point_follow          (ShoalPoint     *self,
                                           GListModel     *sessions,
                                           GListModel     *packages);
void          shoal_point_set_handlers    (ShoalPoint          *self,
                                           ShoalPointStartFunc  start,
                                           ShoalPointStopFunc   stop,
                                           gpointer             user_data,
                                           GDestroyNotify       destroy);
ShoalSession *shoal_point_start_session   (ShoalPoint            *self,
                                           const char            *package,
                                           const ShoalStartRules *rules,
                                           GError               **error);
void          shoal_point_stop_session    (ShoalPoint     *self,
                                           ShoalSession   *session);

/* Remote points the console remembers (URL and admin token), as JSON; the default file is
 * $XDG_CONFIG_HOME/shoal/points.json, mode 0600 since it holds tokens. */
char         *shoal_point_get_remotes_path (void);
gboolean      shoal_point_load_remotes    (const char     *path,
                                           GListStore     *points,
                                           GError        **error);
gboolean      shoal_point_save_remotes    (const char     *path,
                                           GListModel     *points,
                                           GError        **error);

G_END_DECLS
