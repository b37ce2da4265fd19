"""`make bench`: measured figures, not timed tests.

Figures: Bochs launch to first trace record; whole-catalog boot per platform
(2.7 vs 3.0); marginal time per scenario; traced VMCALL exits per second on
a long loop; Bochs 3.0 cache-hit time; optionally `make check` wall time.
Each figure is the median of --repeat boots.  Written to reports/bench.json.

    python3 -m harness bench [--exits 100000] [--repeat 3] [--check]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import time

from harness import compare, platforms, session
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
    args = ap.parse_args(argv)
    catalog = session.load_catalog()
    n_all = sum(1 for s in catalog if not s["hidden"])
    figures: dict = {"catalog_scenarios": n_all}
    rows = []
    avail = [p for p in ("bochs27-skylake_x", "bochs30-skylake_x", "bochs27-penryn", "bochs30-penryn",
                         "bochs30-sapphire_rapids", "qemu-kvm") if platforms.get(p).availability()[0]]
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
    sweep = [m["id"] for m in catalog if m.get("sweep") and not m["hidden"]]
    for plat in avail:
        if not sweep or compare.sweep_not_run(plat):
            continue
        res = _boot(plat, sweep, {})
        ran = sum(1 for sid in sweep if res.trace and sid in res.trace.scenarios
                  and res.trace.scenarios[sid].predict is not None)
        rate = ran / max(1e-9, res.duration_s)
        figures[plat]["sweep_cases"] = len(sweep)
        figures[plat]["sweep_cases_run"] = ran
        figures[plat]["sweep_cases_per_s"] = round(rate, 1)
        rows.append(f"{plat:26} entry-check sweep: {len(sweep)} cases in one boot, {ran} entered, "
                    f"{res.duration_s:.1f} s: {rate:,.0f} cases/s")
    from harness import bochs_build
    t = time.perf_counter()
    hit = bochs_build.cached_binary()
    figures["bochs3_cache_hit_s"] = round(time.perf_counter() - t, 4) if hit else None
    rows.append(f"Bochs 3.0 cache hit: {figures['bochs3_cache_hit_s']} s" if hit else "Bochs 3.0: not built")
    kvm = figures_kvm_on_bochs(rows)
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


KVM_PLATFORM = "qemu-kvm612-on-bochs30"


def figures_kvm_on_bochs(rows: list) -> dict:
    """The KVM-on-Bochs platform: L0 start to L1 /init, to kvm loaded, to catalog done,
    and the cache-hit time of its L1 image (one boot: it is the slow platform)."""
    if KVM_PLATFORM not in platforms.all_platforms():
        return {}
    plat = platforms.get(KVM_PLATFORM)
    if not plat.availability()[0]:
        rows.append(f"{KVM_PLATFORM}: unavailable: {plat.availability()[1]}")
        return {}
    from harness.provision import l1kvm
    plat.image()  # build outside the timed part
    l1kvm._VERIFIED.clear()
    t = time.perf_counter()
    hit = l1kvm.cached_image(plat.suite)
    cold_hit = time.perf_counter() - t
    t = time.perf_counter()
    l1kvm.cached_image(plat.suite)
    warm_hit = time.perf_counter() - t
    res = session.run_platforms([KVM_PLATFORM], None, {}, timeout=session.DEFAULT_TIMEOUT, jobs=1)[KVM_PLATFORM]
    st = {}
    for s in res.info.get("stages", []):
        st.setdefault(s["stage"], s["wall_s"])
    fig = {"l1_init_s": st.get("INIT"), "kvm_loaded_s": st.get("KVM"), "qemu_start_s": st.get("QEMU"),
           "catalog_done_s": round(res.duration_s, 2), "status": res.status.value,
           "l1_image_cache_hit_first_s": round(cold_hit, 4), "l1_image_cache_hit_s": round(warm_hit, 5),
           "l1_image": str(hit[0]) if hit else None}
    rows.append(f"{KVM_PLATFORM:26} L1 /init {fig['l1_init_s']} s   kvm loaded {fig['kvm_loaded_s']} s   "
                f"catalog done {fig['catalog_done_s']} s ({fig['status']})   L1 image cache hit "
                f"{cold_hit:.3f} s (first in process), {warm_hit * 1000:.2f} ms after")
    return {KVM_PLATFORM: fig}
