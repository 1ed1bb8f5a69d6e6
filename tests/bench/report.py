#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Turns tests/bench/run.sh's results file (KEY=VALUE lines) into one table per scenario, the
# ratios against the bars of issues 3 and 7, and one machine-readable BAR line per bar.
import sys

SIZES = {"256m": 256 << 20, "1g": 1 << 30}
LABEL = {"256m": "256 MiB", "1g": "1 GiB"}
TOOLS = ("shoal", "udpcast", "uftp")
MIB = 1 << 20


def load(path):
    r = {}
    for line in open(path):
        key, sep, value = line.rstrip("\n").partition("=")
        if sep:
            r[key] = value
    return r


R = load(sys.argv[1])
bars = []


def num(key):
    try:
        return float(R[key])
    except (KeyError, ValueError):
        return None


def ok(prefix):
    return R.get(prefix + ".ok") == "1"


def fmt(v, spec="{:.2f}", missing="-"):
    return missing if v is None else spec.format(v)


def bar(issue, name, metric, value, op, limit, why=""):
    """Records a bar; value None means a run it depends on failed or did not happen."""
    if value is None:
        result = "FAIL"
    elif op == "<=":
        result = "PASS" if value <= limit else "FAIL"
    elif op == "<":
        result = "PASS" if value < limit else "FAIL"
    else:
        result = "PASS" if value >= limit else "FAIL"
    bars.append((issue, name, metric, value, op, limit, result))
    shown = "n/a" if value is None else f"{value:.3f}"
    print(f"  bar (issue {issue}) {name}: {metric} = {shown} {op} {limit:g}  {result}"
          + (f"  [{why}]" if why else ""))


def faster_peer(scen, size):
    best = None
    for tool in ("udpcast", "uftp"):
        k = f"{scen}.{size}.{tool}"
        t = num(k + ".verified_s")
        if ok(k) and t is not None and (best is None or t < best[1]):
            best = (tool, t)
    return best


def table(scen, size, ideal=None):
    n = SIZES[size]
    head = (f"  {'tool':8} {'xfer s':>7} {'verif s':>7} {'Gbit/s':>6} {'wire':>5} "
            f"{'srv CPU':>7} {'cli CPU':>7} {'srv RSS':>7} {'cli RSS':>7}")
    if ideal:
        head += f" {'xfer/ideal':>10} {'verif/ideal':>11}"
    print(head + "  outputs")
    for tool in TOOLS:
        k = f"{scen}.{size}.{tool}"
        if k + ".ok" not in R:
            continue
        t = num(k + ".verified_s")
        x = num(k + ".xfer_s")
        wire = num(k + ".wire_bytes")
        srss = num(k + ".sender_rss_kib")
        crss = num(k + ".client_rss_kib")
        row = (f"  {tool:8} {fmt(x):>7} {fmt(t):>7} "
               f"{fmt(n * 8 / t / 1e9 if t else None, '{:.3f}'):>6} "
               f"{fmt(wire / n if wire else None, '{:.3f}'):>5} "
               f"{fmt(num(k + '.sender_cpu_s')):>7} {fmt(num(k + '.clients_cpu_s')):>7} "
               f"{fmt(srss / 1024 if srss else None, '{:.1f}'):>7} "
               f"{fmt(crss / 1024 if crss else None, '{:.1f}'):>7}")
        if ideal:
            row += (f" {fmt(x / ideal if x else None, '{:.3f}'):>10}"
                    f" {fmt(t / ideal if t else None, '{:.3f}'):>11}")
        print(row + ("  verified" if ok(k) else "  FAILED"))
        if k + ".attempts" in R:
            print(f"  {'':8} verified s of each attempt: {R[k + '.attempts']}")
    k = f"{scen}.{size}.shoal"
    if k + ".ok" in R:
        extra = []
        if num(k + ".session_bytes_sent") is not None:
            extra.append(f"sender payload {num(k + '.session_bytes_sent') / n:.4f}x size "
                         f"(repair {num(k + '.session_repair_bytes') / n:.4f}x)")
        if num(k + ".http_bytes") is not None:
            extra.append(f"HTTP {num(k + '.http_bytes') / MIB:.1f} MiB to 3 clients")
        if extra:
            print("  shoal: " + "; ".join(extra))
        phases = [("session_start_s", "launch>start"),
                  ("first_pass_s", "first pass"),
                  ("xfer_s", "start>last read-back"),
                  ("readback_s", "read-back+exit"),
                  ("launch_verified_s", "launch>verified")]
        shown = [f"{label} {num(k + '.' + key):.2f}" for key, label in phases
                 if num(k + "." + key) is not None]
        if shown:
            print("  shoal s: " + ", ".join(shown))


def shoal_payload(k):
    """Everything the distribution point sent of the content: multicast symbols and HTTP."""
    sent = num(k + ".session_bytes_sent")
    if sent is None or not ok(k):
        return None
    return sent + (num(k + ".http_bytes") or 0)


print(f"Shoal benchmark, {R.get('meta.date')}, commit {R.get('meta.commit')}, kernel "
      f"{R.get('meta.kernel')}, {R.get('meta.cpus')} CPUs,\nload average at start "
      f"{R.get('meta.load')}; 1 server, 3 clients on a namespace LAN; outputs under "
      f"{R.get('meta.outdir')};\nShoal transport {R.get('meta.transport')}, extra shoald "
      f"settings: {R.get('meta.shoal_opts')}")
if R.get("meta.repeat", "1") != "1":
    print(f"Each measurement ran {R['meta.repeat']} times; the tables keep each tool's fastest.")
print("""\
Times run from session start: the peers' sender launch (receivers already waiting), Shoal's
start rule met (3 clients joined; from its clients' launch to that is shown apart). 'verified':
all 3 outputs checked (Shoal's clients exit 0 only then; peers: transfer, then sha256sum on the
3 in parallel). Shoal's 'transfer' ends when its last client starts the final read-back.
Gbit/s = file size / verified time; wire = bytes out of the server's eth0 / file size; CPU in
s (cli: the 3 receiving processes together, the peers' sha256sum not counted); RSS in MiB (cli:
the largest of the 3).""")

if "clean.sizes" in R:
    print("\n== Scenario 1: unshaped links, no loss ==")
    sizes = R["clean.sizes"].split()
    for size in sizes:
        print(f" {LABEL[size]}:")
        table("clean", size)
        k = f"clean.{size}.shoal"
        t = num(k + ".verified_s") if ok(k) else None
        fp = faster_peer("clean", size)
        ratio = t / fp[1] if t and fp else None
        bar(3, f"clean-{size}", "shoal/faster peer time", ratio, "<=", 0.9,
            f"faster peer {fp[0]} {fp[1]:.2f} s" if fp else "no peer verified")
        if size == "1g":
            speedup = fp[1] / t if t and fp else None
            bar(7, "clean-1g-speedup", "faster peer/shoal time", speedup, ">=", 5.0,
                f"faster peer {fp[0]} {fp[1]:.2f} s" if fp else "no peer verified")
    size = sizes[-1]
    sc = num(f"clean.{size}.shoal.sender_cpu_s") if ok(f"clean.{size}.shoal") else None
    uc = num(f"clean.{size}.udpcast.sender_cpu_s") if ok(f"clean.{size}.udpcast") else None
    bar(7, f"sender-cpu-{size}", "shoald/udp-sender CPU s per GiB", sc / uc if sc and uc else None,
        "<=", 0.25, f"shoald {fmt(sc)} s, udp-sender {fmt(uc)} s for {LABEL[size]}")

if "shaped.256m.shoal.ok" in R:
    link = float(R.get("meta.link_mbit", 200))
    ideal = SIZES["256m"] * 8 / (link * 1e6)
    print(f"\n== Scenario 2: server link shaped to {link:g} Mbit/s (tbf), 256 MiB ==")
    print(f"  ideal: {ideal:.2f} s for the file's bytes at {link:g} Mbit/s; every tool told "
          f"{R.get('meta.told_rate')} Mbit/s")
    table("shaped", "256m", ideal)
    k = "shaped.256m.shoal"
    t = num(k + ".verified_s") if ok(k) else None
    for issue in (3, 7):
        bar(issue, "shaped-256m", "shoal time/ideal", t / ideal if t else None, "<=", 1.1)
    for tool in ("udpcast", "uftp"):
        k = f"shaped.256m.{tool}"
        t = num(k + ".verified_s") if ok(k) else None
        x = num(k + ".xfer_s") if ok(k) else None
        print(f"  {tool}: transfer {fmt(x / ideal if x else None, '{:.3f}')}x, verified "
              f"{fmt(t / ideal if t else None, '{:.3f}')}x the ideal (issue: about "
              f"{'1.23' if tool == 'udpcast' else '1.28'}x)")

if "loss.sizes" in R:
    pm = float(R.get("meta.loss_permille", 10))
    print(f"\n== Scenario 3: {pm / 10:g} % independent loss per client, unshaped ==")
    for size in R["loss.sizes"].split():
        print(f" {LABEL[size]}:")
        table("loss", size)
        k = f"loss.{size}.shoal"
        n = SIZES[size]
        pay = shoal_payload(k)
        t = num(k + ".verified_s") if ok(k) else None
        issue = 3 if size == "256m" else 7
        bar(issue, f"loss-{size}-payload", "shoal payload (multicast + HTTP)/size",
            pay / n if pay else None, "<=", 1.03)
        if size == "256m":
            k2 = "loss.256m.udpcast"
            u = num(k2 + ".verified_s") if ok(k2) else None
            bar(3, "loss-256m-time", "shoal/udpcast time", t / u if t and u else None, "<=", 0.8,
                f"udpcast {fmt(u)} s")
        else:
            fp = faster_peer("loss", size)
            bar(7, f"loss-{size}-speedup", "faster peer/shoal time",
                fp[1] / t if t and fp else None, ">=", 3.0,
                f"faster peer {fp[0]} {fp[1]:.2f} s" if fp else "no peer verified")

if "rss.size" in R:
    size = R["rss.size"]
    k = f"{R.get('rss.from', 'clean')}.{size}.shoal"
    print(f"\n== Scenario 4: peak RSS, {LABEL[size]}, unshaped (from the "
          f"{R.get('rss.from')} run) ==")
    c = num(k + ".client_rss_kib") if ok(k) else None
    s = num(k + ".sender_rss_kib") if ok(k) else None
    print(f"  shoal-client (largest of 3): {fmt(c / 1024 if c else None, '{:.1f} MiB')}; "
          f"shoald VmHWM: {fmt(s / 1024 if s else None, '{:.1f} MiB')}")
    for tool in ("udpcast", "uftp"):
        kp = f"clean.{size}.{tool}"
        if kp + ".client_rss_kib" in R:
            print(f"  {tool}: receiver {num(kp + '.client_rss_kib') / 1024:.1f} MiB, sender "
                  f"{num(kp + '.sender_rss_kib') / 1024:.1f} MiB")
    for issue in (3, 7):
        bar(issue, f"client-rss-{size}", "shoal-client peak RSS MiB",
            c / 1024 if c else None, "<", 64)
    bar(3, f"sender-rss-{size}", "shoald peak RSS MiB", s / 1024 if s else None, "<", 128)

print("\n== Summary ==")
for issue, name, metric, value, op, limit, result in bars:
    v = "nan" if value is None else f"{value:.4f}"
    print(f"BAR issue={issue} bar={name} value={v} op={op} limit={limit:g} result={result}"
          f" metric=\"{metric}\"")
print(f"BARS passed={sum(b[6] == 'PASS' for b in bars)} failed="
      f"{sum(b[6] == 'FAIL' for b in bars)}")
