"""`make bench`: measured figures, not timed tests.

Figures: Bochs launch to first trace record; whole-catalog boot per platform
(2.7 vs 3.0); marginal time per scenario; traced VMCALL exits per second on
a long loop; the entry-check sweep in one boot: cases/s and trace records/s
(from the first record to the end), how long the Python parser takes on that
trace, and (Bochs) the same boot with the trace kept in guest RAM
(``trace=mem``: nothing leaves the guest), which separates the trace channel's
cost from the emulation's, and with the other channel (``trace=serial`` when
the platform's channel is the disk: README "Trace channels"); Bochs 3.0 cache-hit time; optionally `make check` wall
time.  Each boot figure is the median of --repeat boots.  Written to
reports/bench.json.

    python3 -m harness bench [--exits 100000] [--repeat 3] [--check] [--platforms 'bochs*']
"""
from __future__ import annotations

import argparse
import fnmatch
import gc
import json
import os
import statistics
import subprocess
import time

from harness import compare, parser, platforms, session
from harness import iso as isomod
from harness.tables import DEFAULT_BUILD
from harness.model import RunStatus
from harness.report import REPORTS, atomic_write
from harness.tables import REPO


def _boot(plat: str, ids, params, timeout=600):
    res = session.run_platforms([plat], ids, params, timeout=timeout, jobs=1)[plat]
    if res.status != RunStatus.COMPLETE:
        raise RuntimeError(f"{plat}: {res.status.value}: {res.reason}")
    return res


def _median_boot(plat, ids, params, repeat):
    runs = [_boot(plat, ids, params) for _ in range(repeat)]
    return (statistics.median(r.duration_s for r in runs),
            statistics.median(r.first_record_s or 0 for r in runs))


def main(argv: list[str]) -> int:
    from harness.cli import OneLineParser  # bad options: one line, exit 2

    def positive(text: str) -> int:
        if not (text.isascii() and text.isdigit() and int(text) > 0):
            raise argparse.ArgumentTypeError(f"expected a whole number greater than 0, got {text!r}")
        return int(text)
    ap = OneLineParser(prog="python3 -m harness bench")
    ap.add_argument("--exits", type=positive, default=100000, help="VMCALL exits in the long loop")
    ap.add_argument("--repeat", type=positive, default=3)
    ap.add_argument("--check", action="store_true", help="also time a whole `make check`")
    ap.add_argument("--platforms", metavar="GLOBS", help="comma-separated platform globs (default: every one "
                    "this host can run, e.g. 'bochs*' leaves out the slow KVM platforms)")
    args = ap.parse_args(argv)
    pats = [p for p in (args.platforms or "*").split(",") if p]

    def wanted(name: str) -> bool:
        return any(fnmatch.fnmatchcase(name, p) for p in pats)
    catalog = session.load_catalog()
    n_all = sum(1 for s in catalog if not s["hidden"])
    figures: dict = {"catalog_scenarios": n_all}
    rows = []
    avail = [p for p in ("bochs27-skylake_x", "bochs30-skylake_x", "bochs27-penryn", "bochs30-penryn",
                         "bochs30-sapphire_rapids", "qemu-kvm") if wanted(p) and platforms.get(p).availability()[0]]
    for plat in avail:
        whole, first = _median_boot(plat, None, {}, args.repeat)
        one, _ = _median_boot(plat, ["vmcall_loop"], {}, args.repeat)
        marginal = (whole - one) / max(1, n_all - 1)
        figures[plat] = {"whole_catalog_s": round(whole, 3), "first_record_s": round(first, 3),
                         "one_scenario_s": round(one, 3), "marginal_per_scenario_s": round(marginal, 4)}
        rows.append(f"{plat:26} whole catalog {whole:6.2f} s   launch->first record {first:5.2f} s   "
                    f"one scenario {one:5.2f} s   marginal/scenario {marginal * 1000:6.1f} ms")
    for plat in [p for p in avail if p.startswith("bochs")][:1] + [p for p in avail if p == "bochs30-skylake_x"]:
        short = _boot(plat, ["vmcall_loop"], {"vmcall_loop.count": 10})
        long = _boot(plat, ["vmcall_loop"], {"vmcall_loop.count": args.exits})
        rate = (args.exits - 10) / max(1e-9, long.duration_s - short.duration_s)
        figures[plat]["traced_exits_per_s"] = round(rate)
        figures[plat]["long_loop_s"] = round(long.duration_s, 2)
        rows.append(f"{plat:26} {args.exits} traced VMCALL exits in {long.duration_s:.1f} s: {rate:,.0f} exits/s")
        del short, long  # 100,000 parsed records: keep them out of the later figures' heap
    sweep = [m["id"] for m in catalog if m.get("sweep") and not m["hidden"]]
    for plat in avail:
        if not sweep or compare.sweep_not_run(plat):
            continue
        try:
            figures[plat].update(sweep_figures(plat, sweep, rows))
        except RuntimeError as exc:  # one platform's failed boot must not lose the others' figures
            figures[plat]["sweep_error"] = str(exc)
            rows.append(f"{plat:26} entry-check sweep: no figure: {exc}")
    from harness import bochs_build
    t = time.perf_counter()
    hit = bochs_build.cached_binary()
    figures["bochs3_cache_hit_s"] = round(time.perf_counter() - t, 4) if hit else None
    rows.append(f"Bochs 3.0 cache hit: {figures['bochs3_cache_hit_s']} s" if hit else "Bochs 3.0: not built")
    kvm = figures_kvm_on_bochs(rows) if wanted(KVM_PLATFORM) else {}
    if kvm:
        figures.update(kvm)
    if args.check:
        t = time.monotonic()
        # A clean environment: under `make bench`, MAKEFLAGS would pass bench's ARGS to pytest.
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "ARGS")}
        r = subprocess.run(["make", "check"], cwd=REPO, capture_output=True, text=True, check=False, env=env)
        figures["make_check_s"] = round(time.monotonic() - t, 1)
        figures["make_check_rc"] = r.returncode
        rows.append(f"make check: {figures['make_check_s']} s (exit {r.returncode})")
    atomic_write(REPORTS / "bench.json", json.dumps(figures, indent=1))
    print("\n".join(rows))
    print(f"figures: {REPORTS / 'bench.json'}")
    return 0


def trace_rates(res, elapsed: float | None = None) -> dict:
    """Records in a run's trace, records/s and cases/s over the streaming phase (first record to
    the end of the run), and the time the Python parser takes on the whole trace."""
    with open(res.serial_path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    gc.collect()  # the earlier boots' traces (the long loop: 100,000 records) must not bill their GC here
    t = time.perf_counter()
    tr = parser.parse(text)
    parse_s = time.perf_counter() - t
    records = text.count(parser.SENTINEL + " ")  # every record, inside scenarios or not
    cases = sum(1 for st in tr.scenarios.values() if st.end is not None)
    stream = max(1e-9, (elapsed if elapsed is not None else res.duration_s) - (res.first_record_s or 0.0))
    return {"trace_records": records, "trace_bytes": len(text.encode()), "stream_s": round(stream, 3),
            "trace_records_per_s": round(records / stream), "cases_per_stream_s": round(cases / stream, 1),
            "parse_s": round(parse_s, 4), "parse_records_per_s": round(records / max(1e-9, parse_s))}


def sweep_figures(plat: str, sweep: list[str], rows: list) -> dict:
    """The sweep in one boot: cases/s over the whole boot, records/s while the trace streams, the
    parser's share, and (Bochs) the same boot with trace=mem: no serial output, same work."""
    res = _boot(plat, sweep, {})
    ran = sum(1 for sid in sweep if res.trace and sid in res.trace.scenarios
              and res.trace.scenarios[sid].predict is not None)
    rate = ran / max(1e-9, res.duration_s)
    fig = {"sweep_cases": len(sweep), "sweep_cases_run": ran, "sweep_cases_per_s": round(rate, 1),
           "sweep_boot_s": round(res.duration_s, 2), "sweep_first_record_s": round(res.first_record_s or 0, 2)}
    tr = trace_rates(res)
    fig.update({f"sweep_{k}": v for k, v in tr.items()})
    rows.append(f"{plat:26} entry-check sweep: {len(sweep)} cases in one boot, {ran} entered, "
                f"{res.duration_s:.1f} s: {rate:,.0f} cases/s; {tr['trace_records']} records "
                f"({tr['trace_bytes'] / 1024:.0f} KiB) in {tr['stream_s']:.2f} s after the first: "
                f"{tr['trace_records_per_s']:,} records/s; parsing {tr['parse_s'] * 1000:.0f} ms "
                f"({tr['parse_records_per_s']:,} records/s)")
    if plat.startswith("bochs"):
        channel = res.info.get("trace_channel", "?")
        fig["sweep_trace_channel"] = channel
        mem = _boot_channel(plat, sweep, "mem")
        other = "serial" if channel != "serial" else "disk"
        alt = _boot_channel(plat, sweep, other, judged=True)
        if mem is not None:
            cost = res.duration_s - mem.duration_s
            fig.update(sweep_trace_mem_boot_s=round(mem.duration_s, 2), sweep_channel_cost_s=round(cost, 2))
            rows.append(f"{plat:26}   same boot with trace=mem (the trace stays in guest RAM, nothing leaves): "
                        f"{mem.duration_s:.2f} s, so the {channel} channel costs {cost:.2f} s of {res.duration_s:.2f} s "
                        f"({100 * cost / max(1e-9, res.duration_s):.0f}%); "
                        f"parser {100 * tr['parse_s'] / max(1e-9, res.duration_s):.0f}% (after the boot)")
        if alt is not None:
            atr = trace_rates(alt)
            fig.update({f"sweep_{other}_boot_s": round(alt.duration_s, 2),
                        f"sweep_{other}_trace_records_per_s": atr["trace_records_per_s"]})
            rows.append(f"{plat:26}   same boot with trace={other}: {alt.duration_s:.2f} s, "
                        f"{atr['trace_records_per_s']:,} records/s (this boot: trace={channel}, "
                        f"{tr['trace_records_per_s']:,} records/s)")
    return fig


def _boot_channel(plat: str, ids: list[str], channel: str, judged: bool = False):
    """One boot of ids with the image's trace= key set to channel (mem: the trace is kept in guest
    RAM and never leaves, so the boot is not judged and only its duration counts).  The
    RunResult, or None when the boot did not end normally."""
    name = plat
    plat_obj = platforms.get(name)
    cmd = session.cmdline_for(ids, {}, compare.crash_skips(name, ids)) + f" trace={channel}"  # as run_platforms
    elf32 = DEFAULT_BUILD / "vmxdiff.elf32"
    iso = isomod.cached_iso(elf32, DEFAULT_BUILD / "iso-cache", cmd) if getattr(plat_obj, "needs_iso", False) else None
    run_dir = session.new_run_dir(f"bench-{channel}-{name}")
    res = plat_obj.run(iso=iso, elf32=elf32, cmdline=cmd, run_dir=run_dir, timeout=600)
    if res.status in (RunStatus.TIMEOUT, RunStatus.ERROR, RunStatus.UNAVAILABLE, RunStatus.PANIC):
        return None
    if judged and res.status != RunStatus.COMPLETE:
        return None
    return res


KVM_PLATFORM = "qemu-kvm612-on-bochs30"


def kvm_phases(info: dict, duration_s: float) -> dict:
    """Seconds from Bochs's start to each phase of a KVM-on-Bochs boot, wall and Bochs CPU
    (the CPU figure is steadier on a loaded machine): L1 /init, kvm_intel loaded, QEMU
    started, L2's first trace record, QEMU exited, and the end of the boot (catalog done)."""
    st: dict = {}
    for s in info.get("stages", []):
        key = s["stage"] if s["stage"] != "QEMU" else ("QEMU_EXIT" if "exit=" in s["detail"] else "QEMU")
        st.setdefault(key, s)
    fig: dict = {}
    for name, stage in (("l1_init", "INIT"), ("kvm_loaded", "KVM"), ("qemu_start", "QEMU"), ("qemu_exit", "QEMU_EXIT")):
        fig[f"{name}_s"] = st.get(stage, {}).get("wall_s")
        fig[f"{name}_cpu_s"] = st.get(stage, {}).get("cpu_s")
    first = info.get("first_record") or {}
    fig["l2_started_s"], fig["l2_started_cpu_s"] = first.get("wall_s"), first.get("cpu_s")
    fig["catalog_done_s"], fig["catalog_done_cpu_s"] = round(duration_s, 2), info.get("bochs_cpu_s")
    return fig


def kvm_snapshot_row(snap: dict) -> str:
    """How the boot above started: restored from the cached snapshot (restore time = L1 back,
    its "INIT ... snapshot=1"; cache hit = finding and verifying the snapshot) or in full."""
    if not snap.get("used"):
        return f"snapshot: not used ({snap.get('disabled') or snap.get('fallback') or '?'}): L1 booted in full"
    made = (f"created by this run in {snap.get('create_wall_s')} s ({snap.get('create_cpu_s')} s CPU, "
            f"saving {snap.get('save_wall_s')} s)" if snap.get("created") else
            f"cache hit {snap.get('lookup_s')} s (created {snap.get('created_at')})")
    cs = snap.get("create_stages") or {}
    return (f"snapshot: {made}; the full boot it skips: L1 /init at {cs.get('INIT')} s CPU, kvm loaded at "
            f"{cs.get('KVM')} s CPU; restore to L1 running: {snap.get('restore_wall_s')} s "
            f"({snap.get('restore_cpu_s')} s CPU); VMXDIFF_KVM_SNAPSHOT=0 for a full boot")


def figures_kvm_on_bochs(rows: list) -> dict:
    """The KVM-on-Bochs platform: Bochs start to L1 /init, kvm loaded, L2 started, QEMU done and
    catalog done (wall and Bochs CPU), and the cache-hit time of its L1 image (one boot: it is the
    slow platform)."""
    if KVM_PLATFORM not in platforms.all_platforms():
        return {}
    plat = platforms.get(KVM_PLATFORM)
    if not plat.availability()[0]:
        rows.append(f"{KVM_PLATFORM}: unavailable: {plat.availability()[1]}")
        return {}
    from harness.provision import l1kvm
    imgdir, man = plat.image()  # build outside the timed part
    from harness.runners import kvm_snapshot
    if kvm_snapshot.enabled():  # likewise the snapshot: the boot below is then a restore
        from harness import bochs_build
        try:
            kvm_snapshot.ensure(plat, str(bochs_build.cached_binary()), imgdir, man)
        except kvm_snapshot.SnapshotError as e:
            rows.append(f"{KVM_PLATFORM}: no snapshot: {e}")
    l1kvm._VERIFIED.clear()
    t = time.perf_counter()
    hit = l1kvm.cached_image(plat.suite)
    cold_hit = time.perf_counter() - t
    t = time.perf_counter()
    l1kvm.cached_image(plat.suite)
    warm_hit = time.perf_counter() - t
    res = session.run_platforms([KVM_PLATFORM], None, {}, timeout=session.DEFAULT_TIMEOUT, jobs=1)[KVM_PLATFORM]
    fig = kvm_phases(res.info, res.duration_s)
    fig.update({"status": res.status.value, "l1_image_cache_hit_first_s": round(cold_hit, 4),
                "l1_image_cache_hit_s": round(warm_hit, 5), "l1_image": str(hit[0]) if hit else None})
    snap = res.info.get("snapshot") or {}
    fig["snapshot"] = snap

    def both(k):
        return f"{fig[k + '_s']} s" + (f" ({fig[k + '_cpu_s']} s CPU)" if fig.get(k + "_cpu_s") is not None else "")
    rows.append(f"{KVM_PLATFORM:26} L1 /init {both('l1_init')}   kvm loaded {both('kvm_loaded')}   "
                f"L2 started {both('l2_started')}   QEMU done {both('qemu_exit')}   "
                f"catalog done {both('catalog_done')} ({fig['status']})")
    rows.append(f"{'':26} L1 image cache hit {cold_hit:.3f} s (first in process), {warm_hit * 1000:.2f} ms after; "
                f"Bochs wall/CPU are seconds since Bochs started (CPU: Bochs's own user+system time)")
    rows.append(f"{'':26} " + kvm_snapshot_row(snap))
    return {KVM_PLATFORM: fig}
