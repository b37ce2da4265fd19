"""The Bochs VM-entry-failure debugging kit, tested non-interactively."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from conftest import META, REPO, TABLES, require_platform, require_run
from harness import bochslog, evaluate, parser, platforms
from harness.model import RunResult, RunStatus
from harness.tables import DEFAULT_BUILD
from harness.runners.base import die_with_parent

PLAT = "bochs27-skylake_x"
SCENARIO = "invalid_guest_state_rflags_bit1"


def _need():
    require_platform(PLAT)


def _harness(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "harness", *args], preexec_fn=die_with_parent(), cwd=REPO,
                          capture_output=True, text=True,
                          timeout=timeout)


def test_bochs_reason_lines_are_attributed(runs):
    run = require_run(runs, PLAT)
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


def test_make_debug_boots_the_scenarios_cpus(tmp_path):
    """A scenario on two CPUs stops in the debugger with both CPUs booted, as the harness runs it."""
    plat, sid = "bochs30-skylake_x", "smp_exit_sipi"
    require_platform(plat)
    assert int(META[sid].get("cpus") or 1) == 2
    out = tmp_path / "transcript.txt"
    r = _harness("debug", "--scenario", sid, "--platform", plat, "--batch", str(out))
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "bochsrc-cpus2.rc" in text
    serial = Path(r.stderr.split("serial ", 1)[1].split()[0] if "serial " in r.stderr else
                  r.stdout.split("serial ", 1)[1].split()[0])
    assert " cpu=1 " in serial.read_text(), "the AP's records are missing: the scenario ran on one CPU"


def test_make_debug_without_a_terminal_runs_in_batch(tmp_path):
    """No terminal on stdin: no interactive prompt to hand over.  The transcript goes to the run
    folder, one line says where, and the exit code (7) says it was not the session asked for."""
    _need()
    r = subprocess.run([sys.executable, "-m", "harness", "debug", "--scenario", SCENARIO, "--platform", PLAT],
                       preexec_fn=die_with_parent(), cwd=REPO, capture_output=True, text=True, timeout=180,
                       stdin=subprocess.DEVNULL,
                       env=dict(os.environ, VMXDIFF_REPORTS=str(tmp_path / "reports")))
    assert r.returncode == 7, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "not a terminal" in lines[0] and "--batch" in lines[0], r.stderr
    transcript = Path(lines[0].split("transcript ", 1)[1].split(" (", 1)[0])
    assert tmp_path / "reports" / "runs" in transcript.parents
    assert "Caught VMEXIT breakpoint" in transcript.read_text()


# One platform of each kind, with a scenario that has a verdict there, and a scenario on two CPUs
# (its kit must boot the CPUs the harness booted).
KIT_CASES = [("bochs27-skylake_x", "entry_fail_msr_load"), ("bochs30-skylake_x", "entry_fail_msr_load"),
             ("bochs30-skylake_x", "smp_exit_sipi"), ("qemu-kvm", "vmcall_loop")]
# run.sh must work under any locale: Debian's default C.UTF-8, C, and none at all.
LOCALES = {"LANG=C.UTF-8": ["LANG=C.UTF-8"], "LANG=C": ["LANG=C"], "LANG-unset": []}
SCRUBBED = ["env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]


def _snapshot(folder: Path) -> dict:
    """Every file under folder: size, mtime and content hash."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p.relative_to(folder))] = (st.st_size, st.st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def _verdict(serial: Path, plat: str, sid: str) -> tuple:
    """(status, divergences) of sid in a serial log, judged as the harness judges a run."""
    tr = parser.parse(serial.read_text(encoding="utf-8", errors="replace"))
    status = RunStatus.COMPLETE if tr.finish is not None and not tr.errors else RunStatus.CRASHED
    v = evaluate.scenario_verdict(RunResult(platform=plat, status=status, trace=tr), META[sid], TABLES)
    return v.status, sorted((d.record, d.field, str(d.left), str(d.right)) for d in v.divergences)


def _run_kit_script(argv: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    """Run argv in its own session; on a timeout the whole group goes (no emulator left)."""
    p = subprocess.Popen(argv, preexec_fn=die_with_parent(), cwd=cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True,
                         start_new_session=True, stdin=subprocess.DEVNULL)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        pytest.fail(f"{argv} did not end within {timeout} s:\n{out}")
    return subprocess.CompletedProcess(argv, p.returncode, out, "")


@pytest.mark.parametrize("plat,sid", KIT_CASES)
def test_repro_kit_reproduces_on_its_own(plat, sid, tmp_path):
    """make repro's kit, copied elsewhere, reproduces the run with a scrubbed environment under
    any locale, writes only inside its own copy, and its trace gets the original verdict."""
    require_platform(plat)
    r = _harness("repro", "--scenario", sid, "--platform", plat, "--out", str(tmp_path / "kits"), timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    kit = Path(next(ln[len("repro: "):] for ln in r.stdout.splitlines() if ln.startswith("repro: /")))
    run_folder = Path(next(ln[len("repro: run folder "):] for ln in r.stdout.splitlines()
                           if ln.startswith("repro: run folder ")))
    assert kit.is_dir() and run_folder.is_dir(), r.stdout
    medium = "boot.disk" if plat.startswith("bochs") else "vmxdiff.iso"  # Bochs boots the boot disk (default)
    for name in (medium, "vmxdiff.elf", "run.sh", "expected.txt", "actual-trace.log", "bochs-reasons.txt",
                 "emulator.log", "divergences.txt", "README.txt"):
        assert (kit / name).exists(), name
    script = (kit / "run.sh").read_text()
    assert "export LC_ALL=C" in script
    assert str(run_folder) not in script and str(DEFAULT_BUILD) not in script and str(REPO) not in script
    if plat.startswith("bochs"):
        rc = (kit / "bochsrc").read_text()
        assert "$VMXDIFF" not in rc and "#include" not in rc and str(REPO) not in rc
        assert "ata0-master: type=disk, path=boot.disk," in rc and "boot: disk" in rc and "cdrom" not in rc
        cpus = int(META[sid].get("cpus") or 1)
        assert (f"cpu: count={cpus}" in rc) == (cpus > 1), "the kit boots the scenario's CPUs"
    if plat.startswith("bochs27"):
        assert "unshare" in script and "bochs-bin" in script
    if plat.startswith("bochs30"):
        binary, _ = platforms.get(plat).binary()
        assert binary in script, "run.sh must call the Bochs 3.0 binary (Debian's bochs is 2.7)"
    if plat == "qemu-kvm":
        assert (kit / "vmxdiff.elf32").exists()
    with tarfile.open(kit.with_suffix(".tar.gz")) as tar:
        assert f"{kit.name}/run.sh" in tar.getnames()

    original = _verdict(run_folder / "serial.log", plat, sid)
    recorded = (kit / "divergences.txt").read_text().split("\n", 1)[0]
    assert recorded.startswith(f"{sid} on {plat}: {original[0].value}"), (recorded, original)
    kit_before, run_before = _snapshot(kit), _snapshot(run_folder)

    for i, (label, lang) in enumerate(LOCALES.items()):
        copy = tmp_path / f"copy-{i}" / "kit"
        shutil.copytree(kit, copy)
        elsewhere = tmp_path / f"cwd-{i}"
        elsewhere.mkdir()
        p = _run_kit_script(SCRUBBED + lang + [str(copy / "run.sh")], cwd=elsewhere)
        assert p.returncode == 0, f"{label}: run.sh exited {p.returncode}:\n{p.stdout}"
        assert "buffer overflow" not in (copy / "console.log").read_text(errors="replace")
        # Wrote only inside the copy.
        assert _snapshot(kit) == kit_before, f"{label}: run.sh changed the original kit"
        assert _snapshot(run_folder) == run_before, f"{label}: run.sh changed the original run folder"
        assert list(elsewhere.iterdir()) == [], f"{label}: run.sh wrote into its working directory"
        assert sorted(p.name for p in copy.parent.iterdir()) == ["kit"]
        # The same verdict as the original run.
        assert _verdict(copy / "serial.log", plat, sid) == original, label


def test_vmcs_dump_grouped_and_diffed(runs):
    a, b = require_run(runs, "bochs27-skylake_x"), require_run(runs, "bochs27-penryn")
    r = _harness("vmcs", "--scenario", "entry_fail_ctrl", a.serial_path)
    assert r.returncode == 0 and "[control]" in r.stdout and "CR3_TARGET_COUNT" in r.stdout and "[host]" in r.stdout
    r = _harness("vmcs", "--scenario", "entry_fail_ctrl", a.serial_path, b.serial_path)
    # Skylake-X has EPT and VMFUNC fields that Penryn's VMREAD rejects.
    assert r.returncode == 1 and "EPT_POINTER" in r.stdout and "unsupported" in r.stdout
