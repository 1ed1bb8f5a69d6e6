/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared helpers for Shoal's tests: private LANs of network namespaces, root checks. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test-utils.h"

/* Skips the current test unless it runs as root with iproute2 present. */
gboolean
shoal_test_require_root (void)
{
  g_autofree char *ip = NULL;

  if (geteuid () != 0)
    {
      g_test_skip ("needs root for network namespaces");
      return FALSE;
    }
  ip = g_find_program_in_path ("ip");
  if (ip == NULL)
    {
      g_test_skip ("needs ip from iproute2");
      return FALSE;
    }
  return TRUE;
}

static char *
lan_script (void)
{
  return g_test_build_filename (G_TEST_DIST, "lan.sh", NULL);
}

/* Brings up a LAN of one server and @n_clients clients (see lan.sh for @options). A guard
 * process tears it down when this process dies, even by abort() in a failed assertion. */
ShoalTestLan *
shoal_test_lan_up (guint       n_clients,
                   const char *options)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = lan_script ();
  g_autofree char *cmd = NULL;
  g_autofree char *err = NULL;
  ShoalTestLan *lan;
  int status = 0;

  lan = g_new0 (ShoalTestLan, 1);
  lan->prefix = g_strdup_printf ("shl%d", (int) getpid ());
  lan->n_clients = n_clients;
  lan->guard = g_subprocess_new (G_SUBPROCESS_FLAGS_STDIN_PIPE, &error,
                                 script, "guard", lan->prefix, NULL);
  g_assert_no_error (error);

  cmd = g_strdup_printf ("%s up %s %u %s", script, lan->prefix, n_clients, options ? options : "");
  g_spawn_command_line_sync (cmd, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("lan.sh up failed: %s", err);
  return lan;
}

void
shoal_test_lan_free (ShoalTestLan *lan)
{
  g_autofree char *script = lan_script ();
  g_autofree char *cmd = g_strdup_printf ("%s down %s", script, lan->prefix);

  g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL);
  g_clear_object (&lan->guard);
  g_free (lan->prefix);
  g_free (lan);
}

char *
shoal_test_lan_ns (ShoalTestLan *lan,
                   const char   *host)
{
  return g_strdup_printf ("%s-%s", lan->prefix, host);
}

/* Creates a socket inside @host's namespace: sockets keep the namespace they were made in,
 * so the test can then use it from its own thread as usual. */
int
shoal_test_lan_socket (ShoalTestLan *lan,
                       const char   *host,
                       int           domain,
                       int           type)
{
  g_autofree char *ns = shoal_test_lan_ns (lan, host);
  g_autofree char *path = g_strdup_printf ("/run/netns/%s", ns);
  int self_fd, ns_fd, fd;

  self_fd = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  ns_fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (self_fd, >=, 0);
  g_assert_cmpint (ns_fd, >=, 0);
  g_assert_cmpint (setns (ns_fd, CLONE_NEWNET), ==, 0);
  fd = socket (domain, type | SOCK_CLOEXEC, 0);
  g_assert_cmpint (setns (self_fd, CLONE_NEWNET), ==, 0);
  close (ns_fd);
  close (self_fd);
  g_assert_cmpint (fd, >=, 0);
  return fd;
}

/* The calling thread's own namespace while it is inside a LAN host's. */
static GPrivate saved_ns = G_PRIVATE_INIT (NULL);

/* Switches the calling thread into @host's namespace until shoal_test_lan_leave(): sockets
 * made meanwhile (also by GStreamer elements changing state in this thread) belong there. */
void
shoal_test_lan_enter (ShoalTestLan *lan,
                      const char   *host)
{
  g_autofree char *ns = shoal_test_lan_ns (lan, host);
  g_autofree char *path = g_strdup_printf ("/run/netns/%s", ns);
  int self_fd, ns_fd;

  g_assert_null (g_private_get (&saved_ns));
  self_fd = open ("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  ns_fd = open (path, O_RDONLY | O_CLOEXEC);
  g_assert_cmpint (self_fd, >=, 0);
  g_assert_cmpint (ns_fd, >=, 0);
  g_assert_cmpint (setns (ns_fd, CLONE_NEWNET), ==, 0);
  close (ns_fd);
  g_private_set (&saved_ns, GINT_TO_POINTER (self_fd + 1));
}

void
shoal_test_lan_leave (void)
{
  int self_fd = GPOINTER_TO_INT (g_private_get (&saved_ns)) - 1;

  g_assert_cmpint (self_fd, >=, 0);
  g_assert_cmpint (setns (self_fd, CLONE_NEWNET), ==, 0);
  close (self_fd);
  g_private_set (&saved_ns, NULL);
}

/* Runs a shell @command inside @host's namespace and asserts that it succeeds. */
void
shoal_test_lan_exec (ShoalTestLan *lan,
                     const char   *host,
                     const char   *command)
{
  g_autofree char *ns = shoal_test_lan_ns (lan, host);
  g_autofree char *cmd = g_strdup_printf ("ip netns exec %s sh -c '%s'", ns, command);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_command_line_sync (cmd, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s failed: %s", cmd, err);
}

static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Runs a program inside @host's namespace with `ip netns exec`. */
GSubprocess *
shoal_test_lan_spawn (ShoalTestLan     *lan,
                      const char       *host,
                      GSubprocessFlags  flags,
                      GError          **error,
                      const char       *argv0,
                      ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  va_list args;
  const char *arg;

  g_ptr_array_add (argv, g_strdup ("ip"));
  g_ptr_array_add (argv, g_strdup ("netns"));
  g_ptr_array_add (argv, g_strdup ("exec"));
  g_ptr_array_add (argv, shoal_test_lan_ns (lan, host));
  g_ptr_array_add (argv, g_strdup (argv0));
  va_start (args, argv0);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);
  launcher = g_subprocess_launcher_new (flags);
  /* Dies with the test, even when an assertion aborts it: no daemon outlives its test. */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}
