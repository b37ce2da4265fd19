"""`make fuzz`: a seeded mismatch between the platform and the model is found and minimised.

The mismatch is seeded in the model (--ignore-check: the host model pretends not to know one
check), so the test does not depend on any platform being wrong: the fuzzer must notice that the
platform refuses an entry the (crippled) model allows, and shrink the case to the field(s) that
violate that check."""
from __future__ import annotations

import subprocess
import sys

from conftest import REPO, TABLES, require_platform

from harness import fuzz, vmxmodel
from harness.runners.base import die_with_parent

PLAT = "bochs30-skylake_x"


def _single_violation_case():
    model = vmxmodel.get(TABLES)
    for seed in (3, 5, 7, 11):
        res = fuzz._boot(PLAT, ["fuzz"], {"fuzz.seed": seed, "fuzz.n": 60, "fuzz.first": 0}, 60)
        st = res.trace.scenarios["fuzz"]
        for c in fuzz.cases_of(st):
            p = fuzz.predict(model, res.trace, c)
            # exactly one violated check, a VM-entry failure the platform agrees with, 2+ fields changed
            if len(p.violated) == 1 and len(c.diff) >= 2 and c.observed in vmxmodel.acceptable(p, TABLES):
                return seed, res.trace, c, p
    raise AssertionError("no seeded case with one violated check and two changed fields")


def test_fuzz_finds_and_minimises_a_seeded_mismatch(tmp_path):
    require_platform(PLAT)
    model = vmxmodel.get(TABLES)
    seed, trace, case, p = _single_violation_case()
    check = p.violated[0]
    crippled = fuzz.predict(model, trace, case, ignore=check)
    assert case.observed not in vmxmodel.acceptable(crippled, TABLES), "the seeded fault makes a mismatch"
    keep = fuzz.minimise(PLAT, model, case, 60, ignore=check, log=lambda *_: None)
    assert keep and set(keep) < set(case.diff), (keep, case.diff)
    # The minimal VMCS still violates exactly that check, per the real model.
    tr, replayed = fuzz.replay(PLAT, keep, 60)
    assert fuzz.predict(model, tr, replayed).violated == (check,)

    # The command line: finds it, minimises it, writes a kit; exit 1 (mismatches).
    r = subprocess.run([sys.executable, "-m", "harness", "fuzz", "--platform", PLAT, "--seed", str(seed), "--n", "60",
                        "--ignore-check", check, "--max-minimise", "1", "--kit-dir", str(tmp_path)],
                       cwd=REPO, capture_output=True, text=True, timeout=600, preexec_fn=die_with_parent())
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"case {case.n}:" in r.stdout and "minimal:" in r.stdout, r.stdout
    kits = [d for d in tmp_path.iterdir() if d.is_dir() and d.name.startswith("fuzz_replay-")]
    assert kits and (kits[0] / "run.sh").exists(), list(tmp_path.iterdir())


def test_fuzz_bad_input_is_one_line():
    r = subprocess.run([sys.executable, "-m", "harness", "fuzz", "--n", "-3"], cwd=REPO, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = subprocess.run([sys.executable, "-m", "harness", "fuzz", "--ignore-check", "NO_SUCH"], cwd=REPO,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "unknown check" in r.stderr
