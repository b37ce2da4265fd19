"""The Bochs VM-entry-failure debugging kit, tested non-interactively."""
from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import REPO, TABLES
from harness import bochslog, platforms, session

PLAT = "bochs27-skylake_x"
SCENARIO = "invalid_guest_state_rflags_bit1"


def _need():
    ok, why = platforms.get(PLAT).availability()
    if not ok:
        pytest.skip(f"{PLAT} unavailable: {why}")


def _harness(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


def test_bochs_reason_lines_are_attributed(runs):
    run = runs.get(PLAT)
    if run is None or run.trace is None:
        pytest.skip(f"{PLAT} did not run")
    assert any("RFLAGS" in r for r in bochslog.reasons_for(run, SCENARIO)), bochslog.reasons_for(run, SCENARIO)
    assert any("CR3 targets" in r for r in bochslog.reasons_for(run, "entry_fail_ctrl"))
    assert bochslog.reasons_for(run, "exit_cpuid") == []


def test_make_debug_batch_transcript(tmp_path):
    _need()
    out = tmp_path / "transcript.txt"
    r = _harness("debug", "--scenario", SCENARIO, "--platform", PLAT, "--batch", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "vmlaunch" in text and "stopped at " + SCENARIO in text
    assert "rip:" in text, "registers (r) missing"
    assert "CR0=" in text, "control registers (creg) missing"
    assert "es:0x" in text.lower(), "segment registers (sreg) missing"
    assert "VMENTER FAIL: RFLAGS[1] cleared" in text
    assert "Caught VMEXIT breakpoint" in text


def test_make_repro_kit(tmp_path):
    _need()
    r = _harness("repro", "--scenario", "entry_fail_msr_load", "--platform", PLAT, "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    kit = next(p for p in tmp_path.iterdir() if p.is_dir())
    for name in ("vmxdiff.iso", "bochsrc", "run.sh", "expected.txt", "actual-trace.log", "bochs-reasons.txt",
                 "emulator.log", "divergences.txt", "README.txt"):
        assert (kit / name).exists(), name
    assert "LoadMSRs" in (kit / "bochs-reasons.txt").read_text()
    assert "$VMXDIFF" not in (kit / "bochsrc").read_text() and "#include" not in (kit / "bochsrc").read_text()
    with tarfile.open(kit.with_suffix(".tar.gz")) as tar:
        assert any(n.endswith("run.sh") for n in tar.getnames())
    # The kit reproduces on its own: run its one command and read the trace.
    subprocess.run(["unshare", "--net", "sh", "./run.sh"], cwd=kit, capture_output=True, timeout=60)
    trace = (kit / "serial.log").read_text()
    assert "reason=34" in trace and "entry_fail=1" in trace


def test_vmcs_dump_grouped_and_diffed(runs):
    a, b = runs.get("bochs27-skylake_x"), runs.get("bochs27-penryn")
    if not a or not b or not a.serial_path or not b.serial_path:
        pytest.skip("both Bochs 2.7 platforms are needed")
    r = _harness("vmcs", "--scenario", "entry_fail_ctrl", a.serial_path)
    assert r.returncode == 0 and "[control]" in r.stdout and "CR3_TARGET_COUNT" in r.stdout and "[host]" in r.stdout
    r = _harness("vmcs", "--scenario", "entry_fail_ctrl", a.serial_path, b.serial_path)
    # Skylake-X has EPT and VMFUNC fields that Penryn's VMREAD rejects.
    assert r.returncode == 1 and "EPT_POINTER" in r.stdout and "unsupported" in r.stdout
