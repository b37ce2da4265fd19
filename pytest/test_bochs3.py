"""Bochs 3.0 from source: an unreachable archive fails the run, naming the
Bochs 3.0 platforms, unless their absence is accepted explicitly."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def _run(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k != "VMXDIFF_ALLOW_MISSING"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), VMXDIFF_BOCHS3_URI="http://127.0.0.1:9/debian",
               PYTHONDONTWRITEBYTECODE="1", VMXDIFF_REPORTS=str(tmp_path / "reports"), **extra)
    r = subprocess.run([sys.executable, "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider",
                        "pytest/test_sdm.py", "-k", "test_sdm and vmcall_loop and bochs"],
                       cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout + r.stderr


def test_unreachable_archive_fails_the_bochs3_platforms(tmp_path):
    rc, out = _run(tmp_path)
    assert rc == 1, out[-3000:]
    assert "Bochs 3.0 build failed" in out and "127.0.0.1:9" in out
    for plat in ("bochs30-skylake_x", "bochs30-penryn", "bochs30-sapphire_rapids"):
        assert f"vmcall_loop-{plat}] FAILED" in out, out[-3000:]
    assert "vmcall_loop-bochs27-skylake_x] PASSED" in out  # the other platforms still ran


def test_unreachable_archive_accepted_offline(tmp_path):
    # KVM-on-Bochs runs inside Bochs 3.0 (and its L1 comes from the same archive): it goes too.
    rc, out = _run(tmp_path, VMXDIFF_ALLOW_MISSING="bochs30-* *-on-bochs30")
    assert rc == 0, out[-3000:]
    for plat in ("bochs30-skylake_x", "bochs30-penryn", "bochs30-sapphire_rapids"):
        assert f"vmcall_loop-{plat}] SKIPPED" in out
    assert "vmcall_loop-bochs27-skylake_x] PASSED" in out
    last = out.strip().splitlines()[-1]
    assert last.startswith("vmx-diff: NOT ALL PLATFORMS RAN") and "qemu-kvm612-on-bochs30" in last, last
