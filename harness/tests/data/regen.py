"""Regenerate the canned traces of harness/tests/data from real boots.

    /usr/bin/python3 -m harness.tests.data.regen      (after `make image`)

Writes bochs27_skylake_x.log, bochs27_penryn.log, qemu_tcg.log and
catalog.json (the build's catalog rows of the scenarios they contain, with
the guests' assembler labels the expectations need).  Run it when the trace
format or the guests change; the unit tests read only these files.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from harness import session

DATA = Path(__file__).parent
IDS = ["vmcall_loop", "exit_cpuid", "exit_io_out_imm", "entry_fail_ctrl", "invalid_guest_state_rflags_bit1",
       "invalid_guest_state_rip_bit_n", "guest_rip_bit_n_minus_1"]
PARAMS = {"vmcall_loop.count": 4}
OUT = {"bochs27-skylake_x": "bochs27_skylake_x.log", "bochs27-penryn": "bochs27_penryn.log",
       "qemu-kvm": "qemu_tcg.log"}


def main() -> int:
    catalog = session.load_catalog()
    results = session.run_platforms(list(OUT), IDS, PARAMS, timeout=60)
    for name, res in results.items():
        if res.trace is None or res.trace.finish is None:
            print(f"regen: {name} did not complete: {res.status.value} {res.reason}", file=sys.stderr)
            return 1
        shutil.copyfile(res.serial_path, DATA / OUT[name])
    rows = [s for s in catalog if s["id"] in IDS]
    (DATA / "catalog.json").write_text(json.dumps({"params": PARAMS, "scenarios": rows}, indent=1) + "\n")
    print("regen: wrote " + ", ".join(list(OUT.values()) + ["catalog.json"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
