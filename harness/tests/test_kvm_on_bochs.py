"""Offline tests of the KVM-on-Bochs runner: layer statuses and attribution
(canned Bochs output; no emulator)."""
import pathlib
import struct
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

import pytest  # noqa: E402

from harness.model import RunStatus  # noqa: E402
from harness.runners import kvm_on_bochs as kob  # noqa: E402


def _e9(tick: int, text: str) -> list[str]:
    return [f"@L1 E9 {tick + i} {hex(ord(c))}" for i, c in enumerate(text)]


BOCHS_OUT = "\n".join([
    "00000000000i[      ] reading configuration from bochsrc/l0-kvm-skylake_x.rc",
    "05836694259e[CPU0  ] VMEXIT: EPT violation for guest paddr 0x0000fffffff0 laddr 0x00000000fffffff0",
    "@L1 INIT uptime=7.7 kernel=6.12.107+deb13-amd64",
    "08132277874e[CPU0  ] VMENTER FAIL: RFLAGS[1] cleared",
    "08132277874e[CPU0  ] VMEXIT: Guest State Checks Failed",
    *_e9(6006671200, "\n@VTMARK BEGIN entry_fail_ctrl\n"),
    "@L1 KVMCHECK 6006967960 vmcs12->cr3_target_count > nested_cpu_vmx_misc_cr3_count(vcpu)",
    *_e9(8000000000, "\n@VTMARK BEGIN invalid_guest_state_rflags_bit1\n"),
    *_e9(8200000000, "\n@VTMARK BEGIN vmcall_loop\n"),
    "09205878676p[UNMAP ] >>PANIC<< Shutdown port: shutdown requested",
]) + "\n"


def test_attribution_by_tick_names_the_layer():
    a = kob.attribute(BOCHS_OUT)
    by = a["by_scenario"]
    assert by["entry_fail_ctrl"]["layer"] == "L1 (KVM nested.c)"
    assert by["entry_fail_ctrl"]["kvm"] == ["vmcs12->cr3_target_count > nested_cpu_vmx_misc_cr3_count(vcpu)"]
    assert by["invalid_guest_state_rflags_bit1"]["layer"] == "L0 (Bochs 3.0)"
    assert by["invalid_guest_state_rflags_bit1"]["bochs"] == [
        "VMENTER FAIL: RFLAGS[1] cleared", "VMEXIT: Guest State Checks Failed"]
    assert "vmcall_loop" not in by  # no failure there; the EPT line before any marker is nobody's
    merged = a["merged"].splitlines()
    i = merged.index("@VTMARK BEGIN invalid_guest_state_rflags_bit1")
    assert merged[i + 1].endswith("VMENTER FAIL: RFLAGS[1] cleared")
    assert any("L1 KVM nested.c VMENTER FAIL: vmcs12->cr3_target_count" in ln for ln in merged)


def test_merged_log_works_with_the_bochs_log_splitter():
    from harness import bochslog
    parts = bochslog.split_by_scenario(kob.attribute(BOCHS_OUT)["merged"])
    assert bochslog.reasons(parts["invalid_guest_state_rflags_bit1"]) == [
        "VMENTER FAIL: RFLAGS[1] cleared", "VMEXIT: Guest State Checks Failed"]
    assert any("cr3_target_count" in r for r in bochslog.reasons(parts["entry_fail_ctrl"]))


def _paths(tmp_path, serial="", console="", bochs=""):
    p = {k: tmp_path / f"{k}.log" for k in ("serial", "console", "bochs", "layers")}
    p["serial"].write_text(serial)
    p["console"].write_text(console)
    p["bochs"].write_text(bochs)
    return p


def _out(stages=(), **kw):
    o = {"stages": [{"stage": s, "detail": d, "wall_s": 1.0} for s, d in stages], "timed_out": False,
         "exit": 1, "signal": None, "panic": None, "shutdown": True, "duration_s": 5.0, "first_record_s": None}
    o.update(kw)
    return o


def test_l1_kernel_panic_is_named(tmp_path):
    console = "[    1.0] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n"
    r = kob.classify("k", _out(timed_out=True, exit=None), _paths(tmp_path, console=console))
    assert r.status == RunStatus.PANIC and r.reason.startswith("L1 kernel panic: Kernel panic")


def test_kvm_intel_refusal_names_dmesg_reason(tmp_path):
    st = [("INIT", "uptime=7"), ("FAIL", "stage=kvm_intel reason=insmod: can't insert: Input/output error "
                                 "dmesg: kvm_intel: VMX not supported by CPU 0|")]
    r = kob.classify("k", _out(st), _paths(tmp_path))
    assert r.status == RunStatus.ERROR
    assert r.reason.startswith("L1: kvm_intel refused to load:") and "VMX not supported" in r.reason


def test_no_dev_kvm_and_l0_panic_and_never_init(tmp_path):
    r = kob.classify("k", _out([("INIT", ""), ("FAIL", "stage=dev_kvm reason=x")]), _paths(tmp_path))
    assert r.reason == "L1: no /dev/kvm after loading kvm_intel"
    r = kob.classify("k", _out(panic="01p[CPU0 ] >>PANIC<< prefetch: EIP > CS.limit"), _paths(tmp_path))
    assert r.status == RunStatus.PANIC and r.reason.startswith("L0 panic (Bochs)")
    r = kob.classify("k", _out(timed_out=True, exit=None), _paths(tmp_path))
    assert r.status == RunStatus.TIMEOUT and r.reason == "L1 never reached /init before the timeout"


SERIAL_PARTIAL = "@VT 2 BOOT seq=0 build=x tables=y loader=multiboot1 vendor=GenuineIntel cpuid1_eax=0x1 cpuid1_ecx=0x20\n"


def test_qemu_failure_entry_failure_and_l2_timeout(tmp_path):
    st = [("INIT", ""), ("KVM", ""), ("QEMU", "start"), ("QEMU", "exit=1 uptime=9 bytes=10")]
    bochs = ("@L1 QEMUERR KVM: entry failed, hardware error 0x7\n"
             "05975735935e[CPU0  ] VMFAIL: VMCS EXEC CTRL: Posted Interrupt Descriptor phy addr malformed\n")
    r = kob.classify("k", _out(st), _paths(tmp_path, serial=SERIAL_PARTIAL, bochs=bochs))
    assert r.status == RunStatus.CRASHED
    assert r.reason.startswith("KVM entry failure: KVM: entry failed, hardware error 0x7")
    assert "Posted Interrupt Descriptor" in r.reason  # the L0 check that failed is named
    st[-1] = ("QEMU", "exit=137 uptime=20 bytes=10")
    r = kob.classify("k", _out(st), _paths(tmp_path, serial=SERIAL_PARTIAL))
    assert r.status == RunStatus.TIMEOUT and r.reason.startswith("L2 timeout")
    st[-1] = ("QEMU", "exit=2 uptime=20 bytes=0")
    r = kob.classify("k", _out(st), _paths(tmp_path, bochs="@L1 QEMUERR qemu: could not load kernel\n"))
    assert r.status == RunStatus.CRASHED and r.reason.startswith("QEMU failed (exit=2): qemu: could not load")
    assert r.trace is not None  # the partial trace is always parsed and kept


def test_kvm_internal_error_stop_is_a_crash_not_a_timeout(tmp_path):
    # harness/l1/init kills QEMU (exit 137, like L2's timer) at the end of the register dump of a
    # KVM internal error, and says so: that is CRASHED with QEMU's words, not an L2 timeout.
    st = [("INIT", ""), ("KVM", ""), ("QEMU", "start"),
          ("QEMU", "exit=137 uptime=8.9 com1_bytes=0 stopped=kvm_internal_error")]
    bochs = ("@L1 QEMUERR KVM internal error. Suberror: 1\n@L1 QEMUERR emulation failure\n"
             "@L1 QEMUERR RAX=0000000000000000 RBX=0000000000000000\n"
             "@L1 QEMUERR RIP=000000000012862e RFL=00000046 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"
             "@L1 QEMUERR Code=0f 01 c3 eb 03 <0f> 01 c2 9c\n")
    r = kob.classify("k", _out(st), _paths(tmp_path, serial=SERIAL_PARTIAL, bochs=bochs))
    assert r.status == RunStatus.CRASHED
    assert r.reason == ("QEMU stopped L2 on a KVM internal error (L1 then killed it): KVM internal error. "
                        "Suberror: 1 | emulation failure | RIP=000000000012862e")
    # Without init's word, exit 137 stays L2's timer.
    st[-1] = ("QEMU", "exit=137 uptime=8.9 com1_bytes=0")
    r = kob.classify("k", _out(st), _paths(tmp_path, serial=SERIAL_PARTIAL, bochs=bochs))
    assert r.status == RunStatus.TIMEOUT



# --- the memory trace channel (core/include/trace_mem.def) -------------------------------------

def _layout():
    from harness import tables
    return tables.load().trace_mem


def test_trace_mem_layout_comes_from_the_image_tables():
    t = _layout()
    assert struct.pack("<Q", t["MAGIC"]) == b"@VTMEM1\n"
    # The area lies inside the 64 MiB L1 gives QEMU (-m 64), past the image, and the header
    # fields lie before the data.
    assert t["ADDR"] + t["SIZE"] <= 64 << 20 and t["ADDR"] >= 16 << 20
    assert max(t["LEN_OFFSET"], t["LOST_OFFSET"]) + 8 <= t["DATA_OFFSET"] < t["SIZE"]
    args = kob.trace_mem_args(REPO / "build" / "tables.json").split()
    assert args == [str(t[k]) for k in ("ADDR", "SIZE", "MAGIC", "LEN_OFFSET", "LOST_OFFSET", "DATA_OFFSET")]
    init = (REPO / "harness" / "l1" / "init").read_text()
    assert "follow-mem /tmp/l2.ram /dev/ttyS1 /tmp/l2.done $(cat /run/trace-mem)" in init
    assert "mem-path=/tmp/l2.ram,share=on" in init and "-m 64 " in init


def test_l2_command_line_selects_the_memory_channel():
    assert kob.l2_cmdline("scenarios=vmcall_loop") == "scenarios=vmcall_loop trace=mem marker=id"
    assert kob.l2_cmdline("") == "trace=mem marker=id"


@pytest.fixture(scope="module")
def l1io(tmp_path_factory):
    from harness.provision import l1kvm
    out = tmp_path_factory.mktemp("l1io") / "l1io"
    try:
        l1kvm.build_l1io(out)
    except l1kvm.ProvisionError as exc:
        pytest.fail(f"l1io does not build: {exc}")
    return out


def _ram(path, t, data: bytes, *, magic=None, length=None):
    ram = bytearray(t["ADDR"] + t["DATA_OFFSET"] + len(data) + 4096)
    a = t["ADDR"]
    ram[a:a + 8] = struct.pack("<Q", t["MAGIC"] if magic is None else magic)
    ram[a + t["LEN_OFFSET"]:a + t["LEN_OFFSET"] + 8] = struct.pack("<Q", len(data) if length is None else length)
    ram[a + t["DATA_OFFSET"]:a + t["DATA_OFFSET"] + len(data)] = data
    path.write_bytes(bytes(ram))


def _follow(l1io, tmp_path, t):
    done = tmp_path / "done"
    done.write_text("")
    out = tmp_path / "out"
    out.write_bytes(b"")
    args = kob.trace_mem_args(REPO / "build" / "tables.json").split()
    r = subprocess.run([str(l1io), "follow-mem", str(tmp_path / "ram"), str(out), str(done), *args],
                       capture_output=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return out.read_bytes()


def test_l1io_copies_exactly_the_bytes_the_header_counts(l1io, tmp_path):
    t = _layout()
    trace = b"".join(b"@VT 2 EXIT seq=%d reason=18\n" % i for i in range(5000))  # > one 64 KiB read
    _ram(tmp_path / "ram", t, trace + b"not yet counted", length=len(trace))
    assert _follow(l1io, tmp_path, t) == trace


def test_l1io_ignores_ram_without_the_magic(l1io, tmp_path):
    t = _layout()
    _ram(tmp_path / "ram", t, b"@VT 2 BOOT seq=0\n", magic=t["MAGIC"] ^ 1)
    assert _follow(l1io, tmp_path, t) == b""


def test_l1io_never_reads_past_the_area(l1io, tmp_path):
    t = _layout()
    _ram(tmp_path / "ram", t, b"x" * 100, length=1 << 62)  # a corrupt length
    got = _follow(l1io, tmp_path, t)
    assert got.startswith(b"x" * 100) and len(got) <= t["SIZE"] - t["DATA_OFFSET"]


def test_ept_violations_of_l1s_guest_are_not_entry_failure_reasons():
    from harness import bochslog
    lines = ["0001e[CPU0  ] VMEXIT: EPT violation for guest paddr 0x000002001000 laddr 0x0000000002001000",
             "0002e[CPU0  ] VMENTER FAIL: RFLAGS[1] cleared",
             "0003e[CPU0  ] VMEXIT: Guest State Checks Failed"]
    assert [bool(bochslog.REASON.search(ln)) for ln in lines] == [False, True, True]


# --- port 0xe9 markers: L1 groups the bytes into lines (harness/l1/l1io.c e9-lines) -------------

def _e9_lines(tick: int, text: str) -> list[str]:
    """What l1io e9-lines says for text written byte by byte from tick on (one tick per byte)."""
    out, start, cur = [], None, ""
    for i, c in enumerate(text):
        if start is None:
            start = tick + i
        if c == "\n":
            if cur:
                out.append(f"@L1 E9LINE {start} {cur}")
            start, cur = None, ""
        else:
            cur += c
    return out


def test_marker_lines_attribute_exactly_like_marker_bytes():
    lines = BOCHS_OUT.splitlines()
    grouped = []
    for ln in lines:
        if ln.startswith("@L1 E9 "):
            continue
        grouped.append(ln)
        if ln.startswith("08132277874e") and "Guest State" in ln:
            grouped += _e9_lines(6006671200, "\n@VTMARK BEGIN entry_fail_ctrl\n")
        if ln.startswith("@L1 KVMCHECK"):
            grouped += _e9_lines(8000000000, "\n@VTMARK BEGIN invalid_guest_state_rflags_bit1\n")
            grouped += _e9_lines(8200000000, "\n@VTMARK BEGIN vmcall_loop\n")
    assert sum(ln.startswith("@L1 E9LINE") for ln in grouped) == 3
    a, b = kob.attribute(BOCHS_OUT), kob.attribute("\n".join(grouped) + "\n")
    assert a == b
    assert not any(ln.startswith("@L1 E9") for ln in b["merged"].splitlines())


# kvm_pio as 6.12 lays it out (events/kvm/kvm_pio/format); the test passes these offsets to
# l1io as harness/l1/init does after reading them from the format file.
PIO_ID, PIO_OFF = 77, {"common_type": 0, "rw": 8, "port": 12, "size": 16, "count": 20, "val": 24}
PIO_FORMAT = "name: kvm_pio\nID: %d\nformat:\n" % PIO_ID + "".join(
    f"\tfield:{t} {n};\toffset:{o};\tsize:{s};\tsigned:0;\n" for t, n, o, s in (
        ("unsigned short", "common_type", 0, 2), ("unsigned char", "common_flags", 2, 1),
        ("unsigned char", "common_preempt_count", 3, 1), ("int", "common_pid", 4, 4),
        ("unsigned int", "rw", 8, 4), ("unsigned int", "port", 12, 4), ("unsigned int", "size", 16, 4),
        ("unsigned int", "count", 20, 4), ("unsigned int", "val", 24, 4))) + "\nprint fmt: \"...\"\n"
HEADER_PAGE = ("\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
               "\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n"
               "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
               "\tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;\n")


def test_init_reads_the_offsets_from_the_format_files(tmp_path):
    init = (REPO / "harness" / "l1" / "init").read_text().splitlines()
    keep = [ln.strip() for ln in init if ln.strip().startswith(("off()", "PIO=", "PAGE="))]
    assert len(keep) == 3
    (tmp_path / "fmt").write_text(PIO_FORMAT)
    (tmp_path / "events").mkdir()
    (tmp_path / "events" / "header_page").write_text(HEADER_PAGE)
    script = "\n".join([f"F={tmp_path}/fmt", f"T={tmp_path}", *keep, 'echo "$PIO $PAGE"'])
    r = subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30)
    assert r.stdout.split() == [str(PIO_ID)] + [str(PIO_OFF[k]) for k in PIO_OFF] + ["16", "4080"], r.stderr


def _event(delta: int, payload: bytes) -> bytes:
    """One ring-buffer data event: header type_len:5 time_delta:27, then the payload."""
    payload += b"\0" * (-len(payload) % 4)
    if len(payload) <= 112:
        return struct.pack("<I", (delta << 5) | (len(payload) // 4)) + payload
    return struct.pack("<II", delta << 5, len(payload) + 4) + payload  # type_len 0: length in array[0]


def _pio(delta, val, *, port=0xe9, rw=1, size=1, count=1, etype=PIO_ID, big=False):
    rec = struct.pack("<HBBi", etype, 0, 0, 1) + struct.pack("<5I", rw, port, size, count, val)
    return _event(delta, rec + (b"\0" * 120 if big else b""))


def _page(ts: int, events: list, flags: int = 0) -> bytes:
    data = b"".join(events)
    assert len(data) <= 4080
    return struct.pack("<QQ", ts, len(data) | flags) + data + b"\0" * (4080 - len(data))


@pytest.fixture(scope="module")
def l1io_stdout(tmp_path_factory):
    from harness.provision import l1kvm
    out = tmp_path_factory.mktemp("l1io-stdout") / "l1io"
    l1kvm.build_l1io(out, defines=("L1IO_STDOUT",))
    return out


def _e9_run(l1io, path):
    args = [str(PIO_ID)] + [str(PIO_OFF[k]) for k in PIO_OFF] + ["16", "4080"]
    return subprocess.run([str(l1io), "e9-lines", str(path), *args], capture_output=True, timeout=30)


def test_l1io_groups_ring_buffer_bytes_into_marker_lines(l1io_stdout, tmp_path):
    text1 = "\n@VTMARK BEGIN entry_fail_ctrl\n\n@VTMARK BEGIN b"
    ev = [_pio(5 if i else 0, ord(c)) for i, c in enumerate(text1)]
    ev.insert(3, _pio(2, 0x41, port=0x80))                     # another port: not a marker byte
    ev.insert(4, _pio(1, 0x41, etype=PIO_ID + 1))               # another event: skipped, its delta counts
    ev.insert(5, struct.pack("<II", (7 << 5) | 29, 16) + b"\0" * 12)  # discarded: 4 + array[0] bytes, delta ignored
    k2 = text1.rindex("@")
    ev.insert(k2 + 3, struct.pack("<II", (3 << 5) | 30, 2))     # time extend: + 3 + (2 << 27)
    p1 = _page(1000, ev)
    text2 = "ad\x01\\y\n" + "\n@VTMARK BEGIN tail_without_newline"
    p2 = _page(5_000_000_000, [_pio(4, ord(c), big=(i == 0)) for i, c in enumerate(text2)],
               flags=1 << 31)                                   # events were lost before this page
    (tmp_path / "raw").write_bytes(p1 + p2)
    r = _e9_run(l1io_stdout, tmp_path / "raw")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode().splitlines()
    # tick of each marker's first byte: page ts + the deltas before it (+2 and +1 for the two
    # non-marker events, nothing for the discarded one, then the time extend)
    t_first = 1000 + 5 * text1.index("@")
    t_second = 1000 + 5 * k2 + 2 + 1 + 3 + (2 << 27)
    assert out == [f"@L1 E9LINE {t_first} @VTMARK BEGIN entry_fail_ctrl",
                   f"@L1 E9LINE {t_second} @VTMARK BEGIN bad\\x01\\x5cy",
                   f"@L1 TRACED events={len(text1) + len(text2) + 1} lines=2 partial=1 missed=1 marks=0"]
    # into the runner: the second marker owns the Bochs line after its tick
    bochs = "\n".join(out + [f"{t_second + 1:011d}e[CPU0  ] VMENTER FAIL: RFLAGS[1] cleared"]) + "\n"
    by = kob.attribute(bochs)["by_scenario"]
    assert by == {"bad\\x01\\x5cy": {"bochs": ["VMENTER FAIL: RFLAGS[1] cleared"], "kvm": [],
                                     "layer": "L0 (Bochs 3.0)"}}


def test_l1io_refuses_a_page_it_cannot_parse(l1io_stdout, tmp_path):
    (tmp_path / "raw").write_bytes(struct.pack("<QQ", 0, 5000) + b"\0" * 4080)  # commit > page
    r = _e9_run(l1io_stdout, tmp_path / "raw")
    assert r.returncode == 3 and b"TRACED" not in r.stdout
    (tmp_path / "raw").write_bytes(b"")
    r = _e9_run(l1io_stdout, tmp_path / "raw")
    assert r.returncode == 0 and r.stdout == b"@L1 TRACED events=0 lines=0 partial=0 missed=0 marks=0\n"


def test_bench_phases_of_a_boot():
    from harness import bench
    info = {"stages": [{"stage": "INIT", "detail": "", "wall_s": 30.0, "cpu_s": 14.5},
                       {"stage": "MOD", "detail": "kvm", "wall_s": 31.0, "cpu_s": 15.0},
                       {"stage": "KVM", "detail": "", "wall_s": 40.0, "cpu_s": 19.0},
                       {"stage": "QEMU", "detail": "start uptime=8", "wall_s": 41.0, "cpu_s": 19.5},
                       {"stage": "QEMU", "detail": "exit=1 uptime=9", "wall_s": 70.0, "cpu_s": 33.0}],
            "first_record": {"wall_s": 48.0, "cpu_s": 23.0}, "bochs_cpu_s": 34.0}
    f = bench.kvm_phases(info, 72.5)
    assert (f["l1_init_s"], f["kvm_loaded_s"], f["qemu_start_s"], f["l2_started_s"], f["qemu_exit_s"],
            f["catalog_done_s"]) == (30.0, 40.0, 41.0, 48.0, 70.0, 72.5)
    assert (f["l1_init_cpu_s"], f["l2_started_cpu_s"], f["qemu_exit_cpu_s"], f["catalog_done_cpu_s"]) == (
        14.5, 23.0, 33.0, 34.0)
    assert bench.kvm_phases({}, 5.0)["l1_init_s"] is None  # a boot that never got there


# --- the compact marker (core/include/marker.def, command line marker=id) ----------------------

def _marks():
    from harness import tables
    m = tables.load().marker
    return m, kob.marker_names(REPO / "build")


def test_compact_marker_values_name_the_catalog_rows():
    import json
    m, names = _marks()
    ids = [s["id"] for s in json.loads((REPO / "build" / "scenarios.json").read_text())["scenarios"]]
    assert m["PORT"] == 0xe9 and m["TAG"] & m["INDEX_MASK"] == 0 and m["TAG"] & m["TAG_MASK"] == m["TAG"]
    assert len(ids) <= m["INDEX_MASK"] + 1  # every scenario has its own value
    assert names[m["TAG"] | ids.index("entry_fail_ctrl")] == "entry_fail_ctrl"
    assert sorted(names.values()) == sorted(ids)
    assert kob.marker_names(REPO / "no-such-build") == {}


def test_compact_markers_attribute_exactly_like_text_markers(l1io_stdout, tmp_path):
    """The same run as BOCHS_OUT with marker=id: l1io says one E9MARK per 32-bit OUT, and the
    runner names the scenarios from the catalog; attribution and the merged log are unchanged."""
    m, names = _marks()
    idx = {v: k for k, v in names.items()}
    ticks = {"entry_fail_ctrl": 6006671200, "invalid_guest_state_rflags_bit1": 8000000000,
             "vmcall_loop": 8200000000}
    pages = [_page(t, [_pio(0, idx[sid], size=4)]) for sid, t in ticks.items()]  # one page each
    pages[0] = _page(ticks["entry_fail_ctrl"] - 9, [_pio(0, 0x41, size=2), _pio(9, idx["entry_fail_ctrl"], size=4)])
    (tmp_path / "raw").write_bytes(b"".join(pages))  # the size-2 write is neither form
    r = _e9_run(l1io_stdout, tmp_path / "raw")
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode().splitlines()
    assert out == [f"@L1 E9MARK {t} {idx[sid]}" for sid, t in ticks.items()] + [
        "@L1 TRACED events=4 lines=0 partial=0 missed=0 marks=3"]
    compact = [ln for ln in BOCHS_OUT.splitlines() if not ln.startswith("@L1 E9 ")]
    compact[compact.index(next(ln for ln in compact if ln.startswith("@L1 KVMCHECK")))
            :0] = out[:1]
    compact += out[1:-1]  # the TRACED summary is a stage line, kept at the end of the merged log
    a, b = kob.attribute(BOCHS_OUT), kob.attribute("\n".join(compact) + "\n", names)
    assert a == b
    # a value the catalog does not have opens its own (unknown) scenario: nothing after it is
    # given to the scenario before
    c = kob.attribute("\n".join(out[:1] + [f"@L1 E9MARK 6006671300 {m['TAG'] | m['INDEX_MASK']}",
                                            "06006967960e[CPU0  ] VMENTER FAIL: RFLAGS[1] cleared"]) + "\n", names)
    assert list(c["by_scenario"]) == [f"unknown-marker-{m['TAG'] | m['INDEX_MASK']:#x}"]


def test_the_image_refuses_an_unknown_marker_form():
    src = (REPO / "core" / "main.c").read_text()
    assert 'trace("FATAL", "what=bad_marker")' in src
