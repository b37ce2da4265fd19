"""End-to-end fixtures: boot each platform once per session, cache its trace.

Test ids are <scenario>-<platform> (and <scenario>-<a>-vs-<b> for pairs), so
``pytest -k vmcall`` selects exactly the VMCALL tests on every platform.
Only the scenarios and platforms of the selected tests are booted.  A platform
that cannot run VMX on this host (NO_VMX_HERE: qemu-kvm without nested KVM) has
one test per test function, every-scenario-<platform>, that -k matches by any
scenario id: it checks that every scenario skipped and SKIPs once, with the reason.
"""
from __future__ import annotations

import os
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from harness import platforms, pytest_plugin, session, tables  # noqa: E402
from harness import session as harness_session  # noqa: E402  (hooks take an argument named session)

try:
    TABLES = tables.load()
    CATALOG = session.load_catalog()
except (tables.TablesError, session.SelectionError) as exc:  # pragma: no cover - clear message, no traceback
    raise pytest.UsageError(f"{exc} (make check builds it)")

SCENARIOS = [s for s in CATALOG if not s["hidden"]]
META = {s["id"]: s for s in CATALOG}
PLATFORMS = list(platforms.all_platforms())
PAIRS = platforms.same_model_pairs(PLATFORMS)


def _no_vmx_here() -> dict:
    """{platform: why}: the platforms that cannot run VMX on this host, known before any boot.
    qemu-kvm runs VMX only under KVM with nested VMX (harness/runners/qemu.py kvm_nested_vmx); QEMU's
    TCG has none.  Each test function then gets one test for all of such a platform's scenarios
    (EVERY_SCENARIO), not one skip per scenario: on this 2-core AMD host, 3,447 skipped tests that
    cost about 15 s of make check."""
    from harness.runners.qemu import kvm_nested_vmx
    out = {}
    for name, plat in platforms.all_platforms().items():
        if getattr(plat, "kind", "") == "qemu":
            ok, why = kvm_nested_vmx()
            if not ok:
                out[name] = why
    return out


NO_VMX_HERE = _no_vmx_here()
EVERY_SCENARIO = "every-scenario"  # the scenario id of such a test
# Per boot: the whole catalog with the entry-check sweep (~780 scenarios) on a loaded 2-core host.
TIMEOUT = float(os.environ.get("VMXDIFF_TIMEOUT", "180"))


def require_platform(name: str):
    """The platform a test needs: it must be able to run here (Bochs 3.0 is
    built if needed).  Its absence fails the test, unless VMXDIFF_ALLOW_MISSING
    accepts it (then a skip).  qemu-kvm without KVM still runs (TCG)."""
    from harness import evaluate
    plat = platforms.get(name)
    if name.startswith("bochs30-") or name.endswith("-on-bochs30"):
        _ensure_bochs3()  # built once, cached; a failed build leaves the reason for availability()
    ok, why = plat.availability()
    if not ok:
        pat = evaluate.allowed_missing(name)
        if pat:
            pytest.skip(f"{name} missing, accepted by {evaluate.ALLOW_MISSING_ENV}={pat}: {why}")
        pytest.fail(f"{name} did not run: {why}", pytrace=False)
    return plat


# The Makefile's own variables: a test's `make` must not inherit them from the `make check` that
# runs pytest (make passes command-line variables down through MAKEFLAGS: `make check ARGS=-x`
# would otherwise hand "-x" to the test's `make run`).
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "ARGS", "O", "V", "PLATFORM",
                  "SCENARIO", "SCENARIOS", "SHARD", "SEED", "N", "JOBS")


def make_env(**extra: str) -> dict:
    """The environment for a test's own `make`: this one without the outer make's variables."""
    env = {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}
    env.update(extra)
    return env


def complete(res) -> bool:
    """A whole trace: COMPLETE, or Debian's Bochs 2.7 dying by SIGSEGV in its own exit path
    (quit_sim) after a complete trace, seen about once in 20 runs: a named status of its own
    (COMPLETE_EMULATOR_CRASHED), whose trace is whole.  Any other signal, or another platform,
    is not complete."""
    from harness.model import RunStatus
    return res.status == RunStatus.COMPLETE or (
        res.platform.startswith("bochs27-") and res.status == RunStatus.COMPLETE_EMULATOR_CRASHED
        and "died by signal 11 " in (res.reason or ""))


def require_run(runs: dict, name: str):
    """The session's run of a platform; one that did not run fails the test."""
    run = runs.get(name)
    if run is None or run.trace is None:
        require_platform(name)
        pytest.fail(f"{name} did not run: {run.status.value + ': ' + run.reason if run else 'not booted'}",
                    pytrace=False)
    return run


def pytest_generate_tests(metafunc):
    def sids(*plats):
        return [EVERY_SCENARIO] if any(p in NO_VMX_HERE for p in plats) else [s["id"] for s in SCENARIOS]
    if "scenario_platform" in metafunc.fixturenames:
        params = [(s, p) for p in PLATFORMS for s in sids(p)]
        metafunc.parametrize("scenario_platform", params, ids=[f"{s}-{p}" for s, p in params])
    if "scenario_pair" in metafunc.fixturenames:
        params = [(s, a, b) for a, b in PAIRS for s in sids(a, b)]
        metafunc.parametrize("scenario_pair", params, ids=[f"{s}-{a}-vs-{b}" for s, a, b in params])
    if "platform_name" in metafunc.fixturenames:
        metafunc.parametrize("platform_name", PLATFORMS)


@pytest.hookimpl(trylast=True)  # after -k/-m deselection
def pytest_collection_modifyitems(config, items):
    """Record which (platform, scenario) the selected tests need."""
    need_plats, need_ids = set(), set()
    for item in items:
        cs = getattr(item, "callspec", None)
        if not cs:
            continue
        if "scenario_platform" in cs.params:
            sid, plat = cs.params["scenario_platform"]
            need_plats.add(plat)
            need_ids.add(sid)
        elif "scenario_pair" in cs.params:
            sid, a, b = cs.params["scenario_pair"]
            need_plats.update((a, b))
            need_ids.add(sid)
        elif "platform_name" in cs.params:
            need_plats.add(cs.params["platform_name"])
            need_ids.update(s["id"] for s in SCENARIOS)
    # An EVERY_SCENARIO test judges the scenarios the other selected tests boot (pytest -k vmcall:
    # the VMCALL ones), or the whole catalog when it is the only kind selected.
    if EVERY_SCENARIO in need_ids:
        need_ids.discard(EVERY_SCENARIO)
        if not need_ids:
            need_ids.update(s["id"] for s in SCENARIOS)
    config._vmxdiff_need = (need_plats, need_ids)


def every_scenario_skips(config, what: str, verdict_of) -> None:
    """The test of an EVERY_SCENARIO parameter: every selected scenario's verdict on `what` (a
    platform of NO_VMX_HERE, or a pair with one) must be SKIP, since the host cannot give that
    platform VMX; the test then SKIPs once, naming the host's reason and the count.  A scenario
    that did not skip fails it: the host detection and the platform disagree."""
    ids = sorted(getattr(config, "_vmxdiff_need", (set(), set()))[1] or (s["id"] for s in SCENARIOS))
    verdicts = [verdict_of(sid) for sid in ids]
    # A pair's scenario that the other platform's catalog leaves out (a registered crash,
    # harness/compare.py EMULATOR_CRASHES) is XFAIL before either side is read: test_sdm and
    # pytest/test_emulator_crashes.py report it on that platform.
    left_out = {v.scenario for v in verdicts
                if v.status.value == "XFAIL" and v.reason.startswith("not booted in the catalog")}
    others = [f"{v.scenario}: {v.status.value} {v.reason}" for v in verdicts
              if v.status.value != "SKIP" and v.scenario not in left_out]
    host = "; ".join(f"{k}: {why}" for k, why in NO_VMX_HERE.items() if k in what.split("-vs-"))
    assert not others, (f"{what}: this host cannot run VMX there ({host}), yet {len(others)} of "
                        f"{len(ids)} scenarios did not skip:\n" + "\n".join(others[:20]))
    reasons = sorted({v.reason for v in verdicts if v.scenario not in left_out})
    pytest.skip(f"{what}: {len(ids) - len(left_out)} scenarios skipped"
                + (f" ({len(left_out)} more left out of the catalog as registered crashes)" if left_out else "")
                + ": " + " | ".join(reasons[:3])
                + (f" (and {len(reasons) - 3} other reasons)" if len(reasons) > 3 else ""))


CATALOG_GROUP = "catalog"
CATALOG_GROUP_FILES = ("pytest/test_independence.py",)  # reads the session's boot when there is one


def pytest_itemcollected(item):
    """Under pytest-xdist (make check: -n 2 --dist loadgroup) every test that reads the session's
    boot of the platforms runs in one worker, so the catalog is booted once; the other worker runs
    the tests that boot emulators of their own meanwhile.  The mark is set here, as each test is
    collected: xdist reads it in its own (trylast) pytest_collection_modifyitems, which may run
    before ours."""
    if "runs" in getattr(item, "fixturenames", ()) or item.nodeid.startswith(CATALOG_GROUP_FILES):
        item.add_marker(pytest.mark.xdist_group(CATALOG_GROUP))
    cs = getattr(item, "callspec", None)
    if cs and EVERY_SCENARIO in (cs.params.get("scenario_platform") or cs.params.get("scenario_pair") or ()):
        item.extra_keyword_matches.update(s["id"] for s in SCENARIOS)  # pytest -k vmcall selects it too


def _xdist_worker(config) -> bool:
    return hasattr(config, "workerinput")


def _needed(config) -> tuple[list, list | None]:
    """(platforms to boot, scenario ids or None for the whole catalog) for the selected tests."""
    need_plats, need_ids = getattr(config, "_vmxdiff_need", (set(), set()))
    if not need_plats:  # only unparametrized tests selected: boot everything
        need_plats, need_ids = set(PLATFORMS), {s["id"] for s in SCENARIOS}
    all_ids = {s["id"] for s in SCENARIOS}
    return sorted(need_plats), (None if need_ids >= all_ids else sorted(need_ids))


def _is_slow(name: str) -> bool:
    return "-on-bochs" in name  # KVM inside Bochs: a Linux boot before the catalog


def _boot_slow(plats: list, ids) -> dict:
    if any(p.endswith("-on-bochs30") for p in plats):
        _ensure_bochs3()
        _ensure_l1_image()
    return session.run_platforms(plats, ids, {}, timeout=TIMEOUT, jobs=1)


def pytest_collection_finish(session):
    """Start the slow platforms' catalog now, in the background, if a selected test needs it:
    their Linux boot then overlaps every test that runs before the first one that reads it
    (2 cores: the other tests keep the second)."""
    config = session.config
    if config.option.collectonly or not any("runs" in getattr(i, "fixturenames", ()) for i in session.items):
        return
    if _xdist_worker(config):
        # A worker cannot know at collection whether it will get the catalog, and it may run the unit
        # tests (which repoint XDG_CACHE_HOME) at any time: the fixture boots every platform itself,
        # while the other worker keeps the second core busy.
        return
    plats, ids = _needed(config)
    slow = [p for p in plats if _is_slow(p)]
    if not slow:
        return
    import threading
    harness_session.install_signal_cleanup()
    box: dict = {}

    def work():
        try:
            box["results"] = _boot_slow(slow, ids)
        except BaseException as exc:  # reported by the fixture, never lost
            box["error"] = exc
    t = threading.Thread(target=work, name="vmxdiff-slow-platforms", daemon=True)
    config._vmxdiff_background = (slow, t, box)
    # Started by the first test outside harness/tests: those unit tests point XDG_CACHE_HOME (a
    # process-wide variable) at temporary folders, where the boot would look for Bochs 3.0 and the
    # L1 image and write its locks (a race seen in CI as "Directory not empty").
    if not any(_is_unit_test(i) for i in session.items):
        t.start()


def _is_unit_test(item) -> bool:
    return os.path.join(REPO, "harness", "tests") in str(getattr(item, "fspath", ""))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    bg = getattr(item.config, "_vmxdiff_background", None)
    if bg and not bg[1].is_alive() and not bg[1].ident and not _is_unit_test(item):
        bg[1].start()


@pytest.fixture(scope="session")
def runs(request, record_testsuite_property):
    """{platform: RunResult} for every platform the selected tests need."""
    plats, ids = _needed(request.config)
    slow, thread, box = getattr(request.config, "_vmxdiff_background", ([], None, {}))
    rest = [p for p in plats if p not in slow]
    if any(p.startswith("bochs30-") for p in rest):
        _ensure_bochs3()
    session.install_signal_cleanup()
    # Longest boot first, so it overlaps the Bochs platforms (when not already started).
    order = sorted(rest, key=lambda n: (not _is_slow(n), n))
    results = session.run_platforms(order, ids, {}, timeout=TIMEOUT)
    if thread is not None:
        if not thread.ident:
            thread.start()
        if thread.is_alive():
            sys.stderr.write(f"\nvmx-diff: waiting for {', '.join(slow)} (started in the background)...\n")
        thread.join()
        if "error" in box:
            raise box["error"]
        results.update(box["results"])
    results = {n: results[n] for n in plats}
    request.config._vmxdiff_results = results
    if _xdist_worker(request.config):
        request.config.workeroutput[pytest_plugin.BOOTED] = True  # the controller checks it is one worker
    for name, r in results.items():
        record_testsuite_property(f"{name}.status", r.status.value)
        for k in ("emulator", "version", "cpu_model", "accelerator"):
            if r.info.get(k):
                record_testsuite_property(f"{name}.{k}", str(r.info[k]))
    return results


def pytest_sessionfinish(session, exitstatus):
    """Write reports/results.json, a history entry and the dashboard; under xdist, hand the
    summary to the controller, which prints it."""
    config = session.config
    results = getattr(config, "_vmxdiff_results", None)
    if results:
        from harness import report
        try:
            doc = report.build_results(results, CATALOG, TABLES, PAIRS)
            config._vmxdiff_report = report.save(doc)
        except OSError as exc:
            sys.stderr.write(f"vmx-diff: could not write the report: {exc}\n")
    if _xdist_worker(config) and results:
        config.workeroutput[pytest_plugin.KEY] = _summary(config)  # the controller prints it


def _summary(config) -> dict:
    """What the end of the run prints: capability differences of the pairs, Bochs's own words for
    every VM-entry failure, where the report is, and the platforms that did not all run."""
    from harness import bochslog, evaluate
    from harness.model import ExitRecord, RunStatus, VmFailRecord
    results = getattr(config, "_vmxdiff_results", None) or {}
    reasons = []
    for name, run in sorted(results.items()):
        if not (name.startswith("bochs") or "-on-bochs" in name) or run.trace is None:
            continue
        for sid, st in run.trace.scenarios.items():
            failed = any(isinstance(e, VmFailRecord) or (isinstance(e, ExitRecord) and e.entry_fail)
                         for e in st.events)
            why = bochslog.reasons_for(run, sid) if failed else []
            if why:
                reasons.append(f"{sid} on {name}: " + " | ".join(why))
    caps = []
    for a, b in PAIRS:
        ra, rb = results.get(a), results.get(b)
        if ra and rb and ra.trace and rb.trace and ra.trace.caps and rb.trace.caps:
            from harness.compare import cap_diff
            for msr, x, y in cap_diff(ra.trace.caps, rb.trace.caps):
                fx = "absent" if x is None else hex(x)
                fy = "absent" if y is None else hex(y)
                caps.append(f"{a} vs {b}: {msr} {fx} vs {fy}")
    path = getattr(config, "_vmxdiff_report", None)
    report = None
    if path:
        where = path.parent.parent
        report = f"vmx-diff results: {where / 'results.json'}, history {path}, dashboard {where / 'index.html'}"
    final = []
    for n, r in sorted(results.items()):
        if r.info.get("sweeps_not_run"):
            final.append(f"vmx-diff: SWEEP NOT RUN on {n}: {len(r.info['sweeps_not_run'])} entry-check cases "
                         f"skipped: {r.info.get('sweeps_not_run_reason')}")
    accepted = sorted(n for n, r in results.items()
                      if r.status == RunStatus.UNAVAILABLE and evaluate.allowed_missing(n))
    if accepted:
        final.append(f"vmx-diff: NOT ALL PLATFORMS RAN: {', '.join(accepted)} missing, accepted by "
                     f"{evaluate.ALLOW_MISSING_ENV}={os.environ.get(evaluate.ALLOW_MISSING_ENV)}")
    return {"caps": caps, "reasons": reasons, "report": report, "final": final}


def _summary_here(config) -> dict | None:
    """The summary of this process's run (None in an xdist worker: harness/pytest_plugin.py prints
    the worker's in the controller)."""
    if _xdist_worker(config):
        return None
    got = getattr(config, "_vmxdiff_summary", None)
    if got is None:
        got = config._vmxdiff_summary = _summary(config)
    return got


def pytest_terminal_summary(terminalreporter):
    """Bochs's own words for every VM-entry failure, then where the report is."""
    summary = _summary_here(terminalreporter.config)
    if summary:
        pytest_plugin.print_summary(terminalreporter, summary)


def pytest_unconfigure(config):
    """Last line of the run: platforms whose absence was accepted explicitly."""
    background = getattr(config, "_vmxdiff_background", None)
    if background and background[1].is_alive():  # interrupted, or no test read it: stop it
        from harness.runners import base
        base.kill_all_live()
        background[1].join(timeout=30)
    summary = _summary_here(config)
    for line in (summary or {}).get("final", ()):
        print(line, flush=True)


def _ensure_l1_image():
    """Build the KVM-on-Bochs L1 image once (cached); on failure the runner reports why."""
    from harness.provision import l1kvm
    if l1kvm.cached_image():
        return
    sys.stderr.write("\nvmx-diff: building the L1 image (Debian kernel + QEMU, first time only, ~2 min)...\n")
    try:
        l1kvm.ensure_image(log=sys.stderr)
    except l1kvm.ProvisionError as exc:
        sys.stderr.write(f"vmx-diff: KVM-on-Bochs unavailable: {exc}\n")


def _ensure_bochs3():
    """Build Bochs 3.0 once (cached); on failure its platforms report UNAVAILABLE."""
    from harness import bochs_build
    from harness.runners.bochs import ensure_bochs3_or_reason
    if bochs_build.cached_binary():
        return
    sys.stderr.write("\nvmx-diff: building Bochs 3.0 from Debian's trixie source (first time only, ~70 s)...\n")
    why = ensure_bochs3_or_reason(log=open(os.devnull, "w"))
    if why:
        sys.stderr.write(f"vmx-diff: Bochs 3.0 unavailable: {why}\n")
