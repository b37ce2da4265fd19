"""A skip is never a pass: a platform this host can run but that did not run
fails the run, naming the platform; only an explicit VMXDIFF_ALLOW_MISSING
accepts fewer platforms, and then the run's last line says so."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO

SELECT = ["-k", "test_sdm and vmcall_loop and bochs27"]


def _pytest(cwd, env, *args):
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
                        "pytest/test_sdm.py", *args], cwd=cwd, env=env, capture_output=True, text=True,
                       timeout=300)
    return r.returncode, r.stdout + r.stderr


def _env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k != "VMXDIFF_ALLOW_MISSING"}
    env.update(PYTHONDONTWRITEBYTECODE="1", VMXDIFF_REPORTS=str(tmp_path / "reports"), **extra)
    return env


def _path_without_bochs_bin(tmp_path) -> str:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for d in ("/usr/bin", "/usr/sbin", "/bin", "/sbin"):
        for f in Path(d).iterdir():
            if f.name != "bochs-bin" and not (bindir / f.name).exists():
                (bindir / f.name).symlink_to(f)
    return str(bindir)


def test_missing_bochs_binary_fails_naming_the_platform(tmp_path):
    rc, out = _pytest(REPO, _env(tmp_path, PATH=_path_without_bochs_bin(tmp_path)), *SELECT)
    assert rc == 1, out[-3000:]
    for plat in ("bochs27-skylake_x", "bochs27-penryn"):
        assert f"{plat} did not run: bochs-bin not found" in out, out[-3000:]
    assert " passed" not in out.splitlines()[-1] or "failed" in out.splitlines()[-1]


def test_accepted_missing_platform_is_skipped_and_said_last(tmp_path):
    env = _env(tmp_path, PATH=_path_without_bochs_bin(tmp_path), VMXDIFF_ALLOW_MISSING="bochs27-*")
    rc, out = _pytest(REPO, env, *SELECT)
    assert rc == 0, out[-3000:]
    assert "SKIPPED" in out and "accepted by VMXDIFF_ALLOW_MISSING=bochs27-*" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("vmx-diff: NOT ALL PLATFORMS RAN") and "bochs27-penryn" in last, last


def test_missing_bochsrc_fails_instead_of_vanishing(tmp_path):
    """A copy of the working tree with one bochsrc removed: the platform is
    still collected, and its tests fail with the reason."""
    copy = tmp_path / "tree"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".git", "reports", "__pycache__", "iso-cache"))
    (copy / "bochsrc" / "bochs27-penryn.rc").unlink()
    rc, out = _pytest(copy, _env(tmp_path), "-k", "test_sdm and vmcall_loop and bochs27-penryn")
    assert rc == 1, out[-3000:]
    assert "vmcall_loop-bochs27-penryn" in out and "bochsrc/bochs27-penryn.rc is missing" in out, out[-3000:]


def test_broken_bochsrc_fails_with_bochs_reason(tmp_path):
    """A bochsrc Bochs cannot parse: the run ends at once as PANIC, with Bochs's own words."""
    copy = tmp_path / "tree"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".git", "reports", "__pycache__", "iso-cache"))
    rc_file = copy / "bochsrc" / "bochs27-penryn.rc"
    rc_file.write_text(rc_file.read_text() + "no_such_directive: 1\n")
    rc, out = _pytest(copy, _env(tmp_path), "-k", "test_platform_boot and bochs27-penryn")
    assert rc == 1, out[-3000:]
    assert "bochs27-penryn: PANIC" in out and "directive 'no_such_directive' not understood" in out, out[-3000:]
