/* SPDX-License-Identifier: GPL-3.0-or-later */
/* shoalctl: the command-line tool for scripts. Each command lives in core/; this is the table. */
#include "config.h"

#include "shoal-cli.h"
#include "shoal-ctl-admin.h"
#include "shoal-ctl-commands.h"
#include "shoal-diag-commands.h"
#include "shoal-report-command.h"

static const ShoalCtlCommand commands[] = {
  /* { "name", "one-line summary", shoal_xxx_command_name }, one line per command */
  { "status", "Show a distribution point's identity and access mode", shoal_ctl_cmd_status },
  { "sessions", "List sessions and their history", shoal_ctl_cmd_sessions },
  { "clients", "List a session's clients", shoal_ctl_cmd_clients },
  { "package", "List packages or import one", shoal_ctl_cmd_package },
  { "start", "Start or schedule a session", shoal_ctl_cmd_start },
  { "stop", "Stop a session", shoal_ctl_cmd_stop },
  { "multicast", "Enable multicast with its settings, or disable it", shoal_ctl_cmd_multicast },
  { "preflight", "Test the network for multicast from a distribution point",
    shoal_ctl_cmd_preflight },
  { "access", "Turn anonymous access on or off", shoal_ctl_cmd_access },
  { "keys", "Regenerate the multicast keys", shoal_ctl_cmd_keys },
  { "probe", "Send a probe burst for shoal-client --probe", shoal_ctl_cmd_probe },
  { "audit", "Show who changed what, and when", shoal_ctl_cmd_audit },
  { "report", "Write a session's report (JSON, CSV, HTML, PDF) or the client history",
    shoal_report_command },
  { "decode", "Explain error codes (HRESULT, Win32, WDS, ConfigMgr)", shoal_diag_command_decode },
  { "analyze", "Find what failed in CMTrace logs (smsts.log)", shoal_diag_command_analyze },
  { NULL }
};

int
main (int   argc,
      char *argv[])
{
  return shoal_ctl_main (commands, argc, argv);
}
