"""The Bochs disk trace channel's host side, without an emulator: the disk's
geometry from trace_disk.def, progress lines from a disk holding text (its binary records:
test_tracebin.py; the channel switch: test_bootdisk.py test_bochs_switches)."""
import io
import subprocess
import sys

from harness import parser, session, tables
from harness.runners import bochs as bochs_runner
from harness.tables import REPO


def test_bad_channel_is_one_line_and_exit_2():
    env = {"VMXDIFF_TRACE_CHANNEL": "pigeon", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    r = subprocess.run([sys.executable, "-m", "harness", "list"], cwd=REPO, env=env, capture_output=True,
                       text=True, timeout=60, check=False)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and "VMXDIFF_TRACE_CHANNEL='pigeon'" in r.stderr, r.stderr


def test_channel_of_a_command_line():
    assert bochs_runner.channel_of("scenarios=a* trace=mem x=1") == "mem"
    assert bochs_runner.channel_of("scenarios=a* order=reverse") is None


def test_disk_geometry_comes_from_the_table(tmp_path):
    tab = tables.load()
    d = tab.trace_disk
    size = bochs_runner.make_disk(tmp_path / "t.disk", tab)
    assert size == d["CYLINDERS"] * d["HEADS"] * d["SPT"] * d["SECTOR"] == (tmp_path / "t.disk").stat().st_size
    assert (tmp_path / "t.disk").stat().st_blocks == 0 or (tmp_path / "t.disk").stat().st_blocks < 64  # sparse
    opt = bochs_runner.disk_option(tmp_path / "t.disk", tab)
    assert opt.startswith("ata0-slave: type=disk, path=") and "mode=flat" in opt
    assert f"cylinders={d['CYLINDERS']}, heads={d['HEADS']}, spt={d['SPT']}" in opt


def test_progress_reads_a_growing_disk(tmp_path, canned):
    """Progress lines from the trace disk: the partial sector is rewritten as records are added,
    and the zeros after the trace are never counted."""
    text = canned("bochs27_skylake_x").encode()
    disk = tmp_path / "trace.disk"
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    prog = session.Progress("bochs30-skylake_x", lambda: disk, total=10, every=99, stream=io.StringIO())
    half = text.index(b"\n", len(text) // 2) + 1
    for upto in (half - 20, len(text)):  # first a record cut in the middle, then the rest
        with open(disk, "r+b") as f:
            f.write(text[:upto])
        prog.poll()
    assert prog.records == text.count(parser.SENTINEL.encode() + b" ")
    assert prog.offset == len(text)
