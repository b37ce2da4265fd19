"""Registered emulator crashes and hangs (harness/compare.py EMULATOR_CRASHES) still happen.

The catalog boot leaves each registered case out on its platforms (command line skip=) and
reports it XFAIL; here each one is booted alone, and the test FAILS once the platform stops
crashing (kind "crash": PANIC or CRASHED, with the entry's words in the reason) or hanging (kind
"hang": the boot, given the entry's short timeout, must end in TIMEOUT) on it, or when the case
did not start or ended.  Then the entry must go, and the case rejoins the catalog.

Cost: a Bochs case is one short boot (about 1 s).  The KVM-on-Bochs case restores the L1 snapshot
(harness/runners/kvm_snapshot.py); L2 reaches the case, QEMU stops the VM on KVM's internal error,
and L1's /init kills QEMU at the end of the register dump: about 7 s (`pytest
pytest/test_emulator_crashes.py -k kvm`; 22 s while L1 waited out L2's 1 s timeout).  It cannot
share the catalog's boot: a stopped QEMU ends the boot, and every later scenario with it."""
import tempfile
from pathlib import Path

import pytest

from conftest import _ensure_l1_image, require_platform

from harness import compare, platforms, session
from harness.model import RunStatus

CASES = [(k, p) for k in compare.EMULATOR_CRASHES for p in platforms.all_platforms() if k.applies(p)]


def _is_slow(plat: str) -> bool:
    return "-on-bochs" in plat  # a Linux boot before the image


def _logs_text(run_dir: Path) -> str:
    return "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in sorted(run_dir.iterdir())
                     if f.is_file())


@pytest.mark.parametrize("entry,plat", CASES, ids=[f"{k.scenario}-{p}" for k, p in CASES])
def test_registered_crash_still_happens(entry, plat):
    assert entry.kind in ("crash", "hang"), entry.kind
    require_platform(plat)
    # The catalog path leaves it out: skip= on the command line of every boot that would select it.
    skip = compare.crash_skips(plat, None)
    assert entry.scenario in skip
    assert entry.scenario in session.cmdline_for(None, {}, skip).split("skip=", 1)[1].split()[0].split(",")
    if not _is_slow(plat):  # a Bochs boot is cheap: check the run records the exclusion as well
        res = session.run_platforms([plat], [entry.scenario], {}, timeout=60)[plat]
        assert res.info.get("excluded") == [entry.scenario]
    else:
        _ensure_l1_image()
    # Boot it alone with the plain command line.
    from harness import iso as isomod
    from harness.tables import DEFAULT_BUILD
    cmd = session.cmdline_for([entry.scenario], {})
    iso = isomod.cached_iso(DEFAULT_BUILD / "vmxdiff.elf32", DEFAULT_BUILD / "iso-cache", cmd)
    run_dir = Path(tempfile.mkdtemp(prefix=f"vmxdiff-{entry.kind}-"))
    timeout = entry.timeout if entry.kind == "hang" else 60
    res = platforms.get(plat).run(iso=iso, elf32=DEFAULT_BUILD / "vmxdiff.elf32", cmdline=cmd, run_dir=run_dir,
                                  timeout=timeout)
    if entry.kind == "crash":
        assert res.status in (RunStatus.PANIC, RunStatus.CRASHED), (
            f"{plat} no longer crashes on {entry.scenario} ({res.status.value}: {res.reason}): remove the entry "
            "from harness/compare.py EMULATOR_CRASHES")
        assert entry.panic in res.reason, res.reason
    else:
        assert res.status == RunStatus.TIMEOUT, (
            f"{plat} no longer hangs on {entry.scenario} ({res.status.value}: {res.reason}; logs in {run_dir}): "
            "remove the entry from harness/compare.py EMULATOR_CRASHES")
        assert entry.panic in _logs_text(run_dir), f"'{entry.panic}' not in the logs of {run_dir}"
    st = res.trace.scenarios.get(entry.scenario) if res.trace else None
    assert st is not None and st.end is None, f"{entry.scenario} did not start, or ended: logs in {run_dir}"
