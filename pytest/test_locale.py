"""The harness runs under any locale: Debian's default C.UTF-8, C, and none at all.

Debian's Bochs 2.7 aborts ("*** buffer overflow detected ***") under a UTF-8
locale unless LC_ALL=C; the harness must set it itself, whatever the caller's
environment.  Each run starts from `env -i`: nothing of this session's
environment helps.
"""
from __future__ import annotations

import re
import subprocess

import pytest

from conftest import REPO
from harness.tables import DEFAULT_BUILD
from harness.runners.base import die_with_parent
from test_debug_kit import LOCALES, SCRUBBED, require_platform

PLATFORMS = ["bochs27-skylake_x", "bochs30-skylake_x"]


@pytest.mark.parametrize("lang", list(LOCALES))
@pytest.mark.parametrize("plat", PLATFORMS)
def test_run_under_any_locale(plat, lang, tmp_path):
    require_platform(plat)
    argv = SCRUBBED + LOCALES[lang] + [f"VMXDIFF_REPORTS={tmp_path}", f"VMXDIFF_BUILD={DEFAULT_BUILD}",
                                       "/usr/bin/python3", "-m", "harness", "run", "--platform", plat,
                                       "--scenarios", "vmcall_loop"]
    r = subprocess.run(argv, preexec_fn=die_with_parent(), cwd=REPO, capture_output=True, text=True, timeout=180,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"{lang}: rc {r.returncode}\n{r.stdout}\n{r.stderr}"
    # Debian's Bochs 2.7 now and then dies by SIGSEGV in its own exit path after a complete
    # trace (quit_sim, seen about once in 20 runs): that is a named status, not a locale failure.
    # The locale failure is SIGABRT from glibc's "buffer overflow detected".
    head = re.search(rf"^== {plat}: run (\S+?),? ", r.stdout, re.M)
    assert head, r.stdout
    assert head.group(1) == "COMPLETE" or (plat.startswith("bochs27") and head.group(1) == "COMPLETE_EMULATOR_CRASHED"
                                           and "died by signal 11 " in r.stdout), r.stdout
    assert re.search(r"^\s+vmcall_loop\s+PASS\s+[1-9]\d*\s", r.stdout, re.M), r.stdout
    serial = next(tmp_path.glob(f"runs/*/{plat}/serial.log"))
    assert "FINISH" in serial.read_text(errors="replace")
    log = next(tmp_path.glob(f"runs/*/{plat}/emulator.log")).read_text(errors="replace")
    assert "buffer overflow" not in log


@pytest.mark.parametrize("plat", ["bochs27-skylake_x", "qemu-kvm"])
def test_command_txt_is_pasteable_under_utf8(plat, tmp_path):
    """The run folder's command.txt, pasted into a shell with Debian's default locale, boots again."""
    require_platform(plat)
    env = SCRUBBED + ["LANG=C.UTF-8", f"VMXDIFF_REPORTS={tmp_path}", f"VMXDIFF_BUILD={DEFAULT_BUILD}"]
    r = subprocess.run(env + ["/usr/bin/python3", "-m", "harness", "run", "--platform", plat, "--scenarios",
                              "exit_cpuid"], preexec_fn=die_with_parent(), cwd=REPO, capture_output=True,
                       text=True, timeout=180, stdin=subprocess.DEVNULL)
    assert "run COMPLETE" in r.stdout, r.stdout + r.stderr
    folder = next(tmp_path.glob(f"runs/*/{plat}"))
    first = (folder / "serial.log").read_text(errors="replace")
    (folder / "serial.log").unlink()
    command = (folder / "command.txt").read_text()
    assert command.count("\n") == 1, command
    if plat.startswith("bochs27"):
        before = command.split("bochs-bin")[0]
        assert "LC_ALL=C" in before and "unshare" in before, command
    p = subprocess.Popen(SCRUBBED + ["LANG=C.UTF-8", "timeout", "-k", "5", "120", "sh", "-c", command],
                         preexec_fn=die_with_parent(), cwd=tmp_path, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
    out, _ = p.communicate(timeout=180)
    again = (folder / "serial.log").read_text(errors="replace")
    assert "buffer overflow" not in out
    assert "FINISH" in again, f"exit {p.returncode}: {out[-2000:]}"

    def records(text):
        return [re.sub(r" seq=\d+", "", ln[ln.index("@VT "):]) for ln in text.splitlines() if "@VT " in ln]
    assert records(again) == records(first)
