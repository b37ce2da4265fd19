"""Bochs 3.0 from source: unreachable archive degrades to UNAVAILABLE, others still run."""
from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def test_unreachable_archive_reports_bochs3_unavailable(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"),
               VMXDIFF_BOCHS3_URI="http://127.0.0.1:9/debian", PYTHONDONTWRITEBYTECODE="1",
               VMXDIFF_REPORTS=str(tmp_path / "reports"))
    r = subprocess.run([sys.executable, "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider",
                        "pytest/test_sdm.py", "-k", "test_sdm and vmcall_loop"],
                       cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    assert "Bochs 3.0 build failed" in out and "127.0.0.1:9" in out
    assert "passed" in out  # Bochs 2.7 platforms ran and passed
    for plat in ("bochs30-skylake_x", "bochs30-penryn", "bochs30-sapphire_rapids"):
        assert f"vmcall_loop-{plat}] SKIPPED" in out
    assert "vmcall_loop-bochs27-skylake_x] PASSED" in out
