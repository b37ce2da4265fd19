"""The Bochs trace channels (README "Trace channels"): the disk channel carries exactly the bytes
COM1 carries, and a disk channel that cannot be used, or a trace cut short on it, ends as a named
status with the partial trace.  A harness self-check: both boots run on the same platform, so any
difference is the channel's, never the platform's."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CATALOG, TIMEOUT, complete, require_platform
from harness import parser, session
from harness.model import RunStatus
from harness.runners import bochs as bochs_runner
from harness.tables import DEFAULT_BUILD

# A VMCALL loop (10 EXIT records with registers), an exit with instruction information, an entry
# failure with its VMCS dump (VMCS/VMCSEND), VMfailValid, VMfailInvalid, KEEP records, and the
# first sweep cases (GOLDEN, CASE, DIFF, PREDICT): every record type a Bochs boot prints.
IDS = ["vmcall_loop", "exit_ctrl_xsetbv", "entry_fail_msr_load", "entry_fail_ctrl", "entry_fail_no_current_vmcs",
       "entry_fail_side_msr"] + sorted(s["id"] for s in CATALOG if s.get("sweep") and not s["hidden"])[:4]


# Scenarios on more than one CPU (the APs' records are buffered and printed by the BSP with cpu=N).
SMP_IDS = [s["id"] for s in CATALOG if int(s.get("cpus") or 1) > 1 and not s["hidden"]][:3]


def _boot(plat: str, ids: list[str], channel: str, *, params: dict | None = None, timeout: float = TIMEOUT,
          cpus: int = 1):
    """One boot with the image's trace= key naming the channel (the runner follows it)."""
    p = require_platform(plat)
    cmd = f"{session.cmdline_for(ids, params or {})} trace={channel}"
    elf32 = DEFAULT_BUILD / "vmxdiff.elf32"
    return p.run(iso=None, elf32=elf32, cmdline=cmd, run_dir=session.new_run_dir(f"channel-{channel}"),
                 timeout=timeout, cpus=cpus)


def _records(text: str) -> list[tuple]:
    tr = parser.parse(text)
    assert not tr.errors, tr.errors[:3]
    return [(r.type, r.seq, tuple(sorted(r.fields.items()))) for st in tr.scenarios.values() for r in st.records]


@pytest.mark.parametrize("plat,smp", [("bochs30-skylake_x", False), ("bochs27-skylake_x", False),
                                      ("bochs30-skylake_x", True)], ids=["bochs30", "bochs27", "bochs30-smp"])
def test_disk_channel_carries_the_serial_bytes(plat, smp):
    ids, cpus = (SMP_IDS, max(int(s.get("cpus") or 1) for s in CATALOG if s["id"] in SMP_IDS)) if smp else (IDS, 1)
    serial = _boot(plat, ids, "serial", cpus=cpus)
    disk = _boot(plat, ids, "disk", cpus=cpus)
    assert complete(serial), (serial.status, serial.reason)
    assert complete(disk), (disk.status, disk.reason)
    assert (serial.info["trace_channel"], disk.info["trace_channel"]) == ("serial", "disk")
    a, b = Path(serial.serial_path).read_bytes(), Path(disk.serial_path).read_bytes()
    assert len(a) > (2 if smp else 16) * 512, "the trace spans sectors"
    assert a == b, "the disk channel's bytes differ from COM1's"
    assert _records(a.decode()) == _records(b.decode())
    assert set(disk.trace.scenarios) == set(ids)
    assert not (Path(disk.run_dir) / bochs_runner.DISK_FILE).exists(), "the 1 GiB sparse disk is removed"
    assert "ata0-slave: type=disk" in (Path(disk.run_dir) / "command.txt").read_text()


def test_disk_channel_without_a_disk_is_fatal(monkeypatch):
    """trace=disk with no disk attached: the image stays on COM1 and ends with a named FATAL."""
    monkeypatch.setattr(bochs_runner, "disk_option", lambda path, tab=None: "mouse: enabled=0")
    res = _boot("bochs30-skylake_x", ["vmcall_loop"], "disk")
    assert res.status == RunStatus.CRASHED, res.reason
    assert "what=trace_disk_missing" in res.reason
    assert res.trace.boot is not None and res.trace.finish is not None  # the partial trace, via COM1


def test_trace_cut_short_on_the_disk_keeps_every_record():
    """Bochs killed in the middle of a long loop: TIMEOUT, and the disk's partial trace parses with
    consecutive seq numbers (every complete record was on the disk, nothing garbled)."""
    res = _boot("bochs30-skylake_x", ["vmcall_loop"], "disk", params={"vmcall_loop.count": 10 ** 7}, timeout=3)
    assert res.status == RunStatus.TIMEOUT, res.reason
    st = res.trace.scenarios["vmcall_loop"]
    assert st.end is None and len(st.events) > 100, len(st.events)
    # Only the last line may be cut (Bochs killed between the two sector writes of one record).
    assert all(e.startswith(f"line {res.trace.lines}:") for e in res.trace.errors), res.trace.errors[:3]
    assert [e.gprs["rax"] for e in st.events] == list(range(len(st.events)))
