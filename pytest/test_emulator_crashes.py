"""Registered emulator crashes (harness/compare.py EMULATOR_CRASHES) still happen.

The catalog boot leaves each registered case out on its platforms (command line skip=) and
reports it XFAIL; here each one is booted alone, and the test FAILS once the emulator stops
crashing on it (then the entry must go, and the case rejoins the catalog)."""
import pytest

from conftest import require_platform

from harness import compare, platforms, session
from harness.model import RunStatus

CASES = [(k, p) for k in compare.EMULATOR_CRASHES for p in platforms.all_platforms() if k.applies(p)]


@pytest.mark.parametrize("entry,plat", CASES, ids=[f"{k.scenario}-{p}" for k, p in CASES])
def test_registered_crash_still_happens(entry, plat):
    require_platform(plat)
    res = session.run_platforms([plat], [entry.scenario], {}, timeout=60)[plat]
    assert res.info.get("excluded") == [entry.scenario]  # the catalog path leaves it out...
    # ...so boot it alone with the plain command line.
    import tempfile
    from pathlib import Path

    from harness import iso as isomod
    from harness.tables import DEFAULT_BUILD
    cmd = session.cmdline_for([entry.scenario], {})
    iso = isomod.cached_iso(DEFAULT_BUILD / "vmxdiff.elf32", DEFAULT_BUILD / "iso-cache", cmd)
    run_dir = Path(tempfile.mkdtemp(prefix="vmxdiff-crash-"))
    res = platforms.get(plat).run(iso=iso, elf32=DEFAULT_BUILD / "vmxdiff.elf32", cmdline=cmd, run_dir=run_dir,
                                  timeout=60)
    assert res.status in (RunStatus.PANIC, RunStatus.CRASHED), (
        f"{plat} no longer crashes on {entry.scenario} ({res.status.value}: {res.reason}): remove the entry "
        "from harness/compare.py EMULATOR_CRASHES")
    assert entry.panic in res.reason, res.reason
