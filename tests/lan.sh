#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A private LAN of network namespaces for tests and benchmarks: one server and N clients,
# each joined by a veth pair to a bridge that lives in a namespace of its own.
#
#   lan.sh up PREFIX NCLIENTS [--rate MBIT] [--loss PERMILLE[,PERMILLE...]] [--snooping]
#   lan.sh down PREFIX
#   lan.sh guard PREFIX      # tears the LAN down when standard input closes
#
# Namespaces: PREFIX-br (bridge br0), PREFIX-srv, PREFIX-c1 .. PREFIX-cN, each host with
# eth0 at 198.18.0.1 (server) or 198.18.0.(10+i), and 2001:2::1 or 2001:2::(10+i) for IPv6.
# --rate shapes the server's egress with tbf. --loss drops incoming UDP on each client
# independently with nftables numgen (these kernels have no netem), datagram by datagram;
# one value for all clients, or one per client. The bridge does not snoop IGMP unless
# --snooping is given.
set -euo pipefail

die() { echo "lan.sh: $*" >&2; exit 1; }

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces)"
  command -v ip >/dev/null || die "ip (iproute2) is missing"
}

host_v4() { if [ "$1" = srv ]; then echo 198.18.0.1; else echo "198.18.0.$((10 + ${1#c}))"; fi; }
host_v6() { if [ "$1" = srv ]; then echo 2001:2::1; else echo "2001:2::$((10 + ${1#c}))"; fi; }

add_host() {
  local p=$1 h=$2 ns="$1-$2"
  ip netns add "$ns"
  ip -n "$p-br" link add "v$h" type veth peer name eth0 netns "$ns"
  ip -n "$p-br" link set "v$h" master br0 up
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.eth0.accept_dad=0
  ip -n "$ns" addr add "$(host_v4 "$h")/24" dev eth0
  ip -n "$ns" addr add "$(host_v6 "$h")/64" dev eth0 nodad
  ip -n "$ns" link set eth0 up
  # Multicast leaves through eth0 without a default route.
  ip -n "$ns" route add 224.0.0.0/4 dev eth0
}

set_loss() {
  local p=$1 h=$2 permille=$3 ns="$1-$2"
  [ "$permille" -gt 0 ] || return 0
  command -v nft >/dev/null || die "nft (nftables) is missing"
  command -v ethtool >/dev/null || die "ethtool is missing"
  # A sender's UDP_SEGMENT run crosses the veths as one packet; dropped whole, it would be
  # a burst of up to 64 datagrams, not independent loss. Segment it at the bridge's port so
  # numgen decides for each datagram, as on a real lossy link.
  ip netns exec "$p-br" ethtool -K "v$h" tx-udp-segmentation off >/dev/null
  ip netns exec "$ns" nft -f - <<NFT
table inet shoal_loss {
  chain input {
    type filter hook input priority 0; policy accept;
    meta l4proto udp numgen random mod 1000 < $permille drop
  }
}
NFT
}

cmd_up() {
  local p=$1 n=$2 rate="" loss="0" snooping=0
  shift 2
  while [ $# -gt 0 ]; do
    case $1 in
      --rate) rate=$2; shift 2 ;;
      --loss) loss=$2; shift 2 ;;
      --snooping) snooping=1; shift ;;
      *) die "unknown option $1" ;;
    esac
  done
  need_root
  ip netns add "$p-br"
  ip -n "$p-br" link add br0 type bridge mcast_snooping "$snooping"
  ip -n "$p-br" link set br0 up
  add_host "$p" srv
  local i losses
  IFS=, read -r -a losses <<<"$loss"
  for i in $(seq 1 "$n"); do
    add_host "$p" "c$i"
    set_loss "$p" "c$i" "${losses[$((i - 1))]:-${losses[0]}}"
  done
  if [ -n "$rate" ]; then
    ip netns exec "$p-srv" tc qdisc add dev eth0 root tbf rate "${rate}mbit" burst 256kb latency 50ms
  fi
}

cmd_down() {
  local p=$1 ns
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^$p-(br|srv|c[0-9]+)$" || true); do
    ip netns del "$ns" 2>/dev/null || true
  done
}

case ${1:-} in
  up) shift; [ $# -ge 2 ] || die "usage: lan.sh up PREFIX NCLIENTS [options]"
      cmd_down "$1"; trap 'cmd_down "$1"' ERR; cmd_up "$@" ;;
  down) [ $# -eq 2 ] || die "usage: lan.sh down PREFIX"; cmd_down "$2" ;;
  guard) [ $# -eq 2 ] || die "usage: lan.sh guard PREFIX"; cat >/dev/null || true; cmd_down "$2" ;;
  *) die "usage: lan.sh up|down|guard PREFIX ..." ;;
esac
