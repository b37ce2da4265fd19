"""The disk channel's binary records (core/include/trace_bin.def) back into text, without an
emulator: every conversion of core/lib/fmt.c's subset and the cuts of core/trace.c, strings by
address and inline, and streams that do not decode (cut short, garbled, from another build), which
end as a named problem with the records before it kept, never a traceback.  The format strings are
read from a small ELF made here; pytest/test_trace_channels.py checks the real image against COM1."""
import struct
import sys

import pytest

from harness import tables, tracebin
from harness.model import RunStatus
from harness.runners import bochs as bochs_runner
from harness.tables import DEFAULT_BUILD, REPO

T = tables.load().trace_bin
BASE = 0x200000
BUILD = b"0123456789ab"
HEAD = b"@VT %d %s seq=%lu"
STRINGS = [BUILD, HEAD, b"EXIT", b"GOLDEN", b"VMCALL", b"field=%s enc=%#x value=%#lx",
           b"a=%s b=%c d=%d D=%ld i=%i u=%u U=%lu z=%zu x=%x X=%#x L=%#lx p=%p w=%04x s=%5u %% q=%q",
           b"", b"n=%s"]


def make_elf(path, strings=STRINGS, build_class=2):
    """A minimal ELF whose .rodata (at BASE) holds the strings, NUL-terminated; their addresses."""
    rodata, addr = b"", {}
    for s in strings:
        addr[s] = BASE + len(rodata)
        rodata += s + b"\0"
    shstr = b"\0.rodata\0.shstrtab\0"
    if build_class == 2:
        ehdr, sh = 64, struct.Struct("<IIQQQQIIQQ")
    else:
        ehdr, sh = 52, struct.Struct("<IIIIIIIIII")
    off_ro = ehdr
    off_str = off_ro + len(rodata)
    shoff = off_str + len(shstr)
    heads = [sh.pack(*[0] * 10),
             sh.pack(1, 1, 2, BASE, off_ro, len(rodata), 0, 0, 1, 0),
             sh.pack(9, 3, 0, 0, off_str, len(shstr), 0, 0, 1, 0)]
    head = bytearray(ehdr)
    head[:5] = b"\x7fELF" + bytes([build_class])
    if build_class == 2:
        struct.pack_into("<Q", head, 0x28, shoff)
        struct.pack_into("<HHH", head, 0x3A, sh.size, 3, 2)
    else:
        struct.pack_into("<I", head, 0x20, shoff)
        struct.pack_into("<HHH", head, 0x2E, sh.size, 3, 2)
    path.write_bytes(bytes(head) + rodata + shstr + b"".join(heads))
    return addr


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


class Enc:
    """What core/trace.c writes, for a stream made by hand."""

    def __init__(self, addr):
        self.addr = addr
        self.seq = 0

    def s(self, x):
        if isinstance(x, str):  # inline
            b = x.encode()
            return varint(len(b) << 1 | T["STR_INLINE"]) + b
        return varint(self.addr[x] << 1)  # by address

    def header(self, build=BUILD):
        return (struct.pack("<Q", T["MAGIC"]) + varint(len(build) << 1 | 1) + build + self.s(BUILD)
                + self.s(HEAD) + varint(2))

    def rec(self, tag, payload):
        return bytes([tag]) + varint(len(payload)) + payload

    def fmt(self, type_, fmt, *args):
        p = varint(self.seq) + self.s(type_) + self.s(fmt)
        self.seq += 1
        for kind, v in args:
            p += {"s": lambda v: self.s(v), "c": lambda v: bytes([v]),
                  "d": lambda v: varint(((v << 1) ^ (v >> 63)) & 0xFFFFFFFFFFFFFFFF),
                  "u": varint}[kind](v)
        return self.rec(T["TAG_FMT"], p)

    def body(self, type_, body):
        p = varint(self.seq) + self.s(type_) + self.s(body)
        self.seq += 1
        return self.rec(T["TAG_BODY"], p)

    def raw(self, data):
        return self.rec(T["TAG_BYTES"], data)


@pytest.fixture
def elf(tmp_path):
    path = tmp_path / "image.elf"
    return path, make_elf(path)


def _stream(addr):
    e = Enc(addr)
    every = b"a=%s b=%c d=%d D=%ld i=%i u=%u U=%lu z=%zu x=%x X=%#x L=%#lx p=%p w=%04x s=%5u %% q=%q"
    data = e.header() + e.raw(b"\n")
    data += e.fmt(b"EXIT", every, ("s", b"VMCALL"), ("c", ord("Z")), ("d", -5), ("d", -(1 << 63)), ("d", 7),
                  ("u", 0xFFFFFFFF), ("u", 1 << 64 - 1), ("u", 0), ("u", 0xAB), ("u", 0), ("u", 0xFFFF_FFFF_FFFF),
                  ("u", 0x1000), ("u", 0x1F), ("u", 42))
    data += e.fmt(b"GOLDEN", b"field=%s enc=%#x value=%#lx", ("s", "GUEST_RIP"), ("u", 0x681E), ("u", 0x103283))
    data += e.fmt(b"EXIT", b"")  # no body: no space after seq
    data += e.fmt(b"GOLDEN", b"n=%s", ("s", "x" * 500))  # a body longer than BODY_ROOM is cut
    data += e.body("TAKEOVER", "cpu=1 what=enable ret=0x0")  # an AP's record (trace_emit)
    data += e.body("END", "")
    return data


EXPECTED = [b"\n",
            b"@VT 2 EXIT seq=0 a=VMCALL b=Z d=-5 D=-9223372036854775808 i=7 u=4294967295 "
            b"U=9223372036854775808 z=0 x=ab X=0x0 L=0xffffffffffff p=0x1000 w=001f s=   42 % q=%q\n",
            b"@VT 2 GOLDEN seq=1 field=GUEST_RIP enc=0x681e value=0x103283\n",
            b"@VT 2 EXIT seq=2\n",
            b"@VT 2 GOLDEN seq=3 n=" + b"x" * (T["BODY_ROOM"] - 1 - len(b"n=")) + b"\n",
            b"@VT 2 TAKEOVER seq=4 cpu=1 what=enable ret=0x0\n",
            b"@VT 2 END seq=5\n"]


@pytest.mark.parametrize("klass", [1, 2])
@pytest.mark.parametrize("chunk", [1, 7, 1 << 20])
def test_every_conversion_decodes_as_the_image_formats_it(tmp_path, klass, chunk):
    path = tmp_path / "image.elf"
    addr = make_elf(path, build_class=klass)
    disk = tmp_path / "trace.disk"
    disk.write_bytes(_stream(addr) + b"\0" * 4096 + b"junk after the padding is never read")
    text, dec = tracebin.decode_file(disk, path, chunk=chunk)
    assert text == b"".join(EXPECTED)
    assert dec.problem is None and dec.done and dec.records == 6


def _cut(tmp_path, elf, data):
    disk = tmp_path / "trace.disk"
    disk.write_bytes(data)
    return tracebin.decode_file(disk, elf[0])


def test_a_stream_cut_inside_a_record_is_truncated_and_keeps_the_records_before(tmp_path, elf):
    data = _stream(elf[1])
    whole = b"".join(EXPECTED)
    cut = data.index(b"GUEST_RIP") + 3  # inside the GOLDEN record (a cut disk file: no padding)
    text, dec = _cut(tmp_path, elf, data[:cut])
    assert text == b"".join(EXPECTED[:2]) and whole.startswith(text)
    assert dec.problem.startswith("truncated binary trace at byte "), dec.problem


@pytest.mark.parametrize("damage,words", [
    (lambda d, i: d[:i] + b"\x7f" + d[i + 1:], "unknown record tag 0x7f"),
    (lambda d, i: d[:i + 3] + varint(0x7000 << 1) + d[i + 6:], "not in the image's .rodata"),
    (lambda d, i: d[:i + 1] + bytes([d[i + 1] + 4]) + d[i + 2:], "holds"),
    (lambda d, i: d[:i + 1] + bytes([d[i + 1] - 2]) + d[i + 2:], "run past its length"),
])
def test_a_garbled_record_ends_decoding_with_the_records_before_it(tmp_path, elf, damage, words):
    data = _stream(elf[1])
    at = data.index(b"\x01", data.index(b"GUEST_RIP") - 12)  # the GOLDEN record's tag
    text, dec = _cut(tmp_path, elf, damage(data, at) + b"\0" * 64)
    assert text == b"".join(EXPECTED[:2])
    assert dec.problem.startswith(f"garbled binary trace at byte {at}:") and words in dec.problem, dec.problem


def test_a_trace_from_another_build_is_refused(tmp_path, elf):
    e = Enc(elf[1])
    text, dec = _cut(tmp_path, elf, e.header(build=b"ffffffffffff") + e.fmt(b"EXIT", b""))
    assert text == b"" and "from build ffffffffffff" in dec.problem


def test_an_empty_disk_is_no_trace_and_no_problem(tmp_path, elf):
    text, dec = _cut(tmp_path, elf, b"\0" * 4096)
    assert text == b"" and dec.problem is None


def test_live_decoding_waits_for_a_record_caught_between_its_sector_writes(elf):
    """Progress lines read the disk while Bochs writes it: a record whose first sector is written and
    whose next one is not yet is not an error there, only "no more yet"."""
    data = _stream(elf[1])
    dec = tracebin.Decoder(elf[0])
    at = data.index(b"GUEST_RIP")
    out = dec.feed(data[:at] + b"\0" * 600, live=True)
    assert out == b"".join(EXPECTED[:2]) and dec.problem is None and not dec.done
    out += dec.feed(data[dec.pos + len(dec.buf):] + b"\0" * 600, live=True)
    assert out == b"".join(EXPECTED) and dec.problem is None


def test_progress_counts_the_records_of_a_growing_binary_disk(tmp_path, elf):
    """Progress lines read the trace disk while it grows: the binary records are decoded (their
    text counted as on a text trace), the zero padding and a record not yet whole are no error."""
    import io
    from harness import session
    data = _stream(elf[1])
    disk = tmp_path / "trace.disk"
    with open(disk, "wb") as f:
        f.truncate(1 << 16)
    prog = session.Progress("bochs30-skylake_x", lambda: disk, total=3, every=99, stream=io.StringIO(),
                            elf=elf[0])
    at = data.index(b"GUEST_RIP") + 2
    for upto in (at, len(data)):  # first a record half written, then the rest
        with open(disk, "r+b") as f:
            f.write(data[:upto])
        prog.poll()
    assert prog.decoder is not None and prog.decoder.problem is None
    assert prog.records == 6 and prog.cases == 1  # one END record


def test_the_runner_ends_a_garbled_disk_as_corrupt_with_the_partial_trace(tmp_path, elf, monkeypatch):
    """A whole run through runners/bochs.py with a fake Bochs that writes a damaged binary trace to
    the disk it is given: status CORRUPT, the reason names the problem, serial.log and the parsed
    trace keep the records before it, the undecodable bytes are kept in trace.bin."""
    data = _stream(elf[1])
    at = data.index(b"\x01", data.index(b"GUEST_RIP") - 12)
    damaged = data[:at] + b"\x7f" + data[at + 1:]
    (tmp_path / "tables.json").write_bytes((DEFAULT_BUILD / "tables.json").read_bytes())
    # The fake Bochs boots nothing: any boot disk will do (the image here is a symbol table only).
    monkeypatch.setattr(bochs_runner.bootdisk, "write", lambda elf32, out, cmdline, tab=None: out.write_bytes(b"") or out)
    monkeypatch.setattr(bochs_runner.bootdisk, "bochs_option", lambda path, tab: f"ata0-master: type=disk, path={path}")
    elf32 = tmp_path / "vmxdiff.elf32"
    elf32.write_bytes(elf[0].read_bytes())
    payload = tmp_path / "payload.bin"
    payload.write_bytes(damaged)
    fake = tmp_path / "fake-bochs"
    fake.write_text(f"#!{sys.executable}\n"
                    "import sys\n"
                    "path = [a for a in sys.argv if a.startswith('ata0-slave:')][0].split('path=')[1].split(',')[0]\n"
                    f"data = open({str(payload)!r}, 'rb').read()\n"
                    "with open(path, 'r+b') as f:\n    f.write(data)\n"
                    "print('Shutdown port: shutdown requested')\n")
    fake.chmod(0o755)
    plat = bochs_runner.BochsPlatform("bochs30-skylake_x", "3.0", REPO / "bochsrc" / "bochs30-skylake_x.rc")
    monkeypatch.setattr(plat, "binary", lambda: (str(fake), ""))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    res = plat.run(iso=tmp_path / "none.iso", elf32=elf32, cmdline="trace=disk", run_dir=run_dir, timeout=30)
    assert res.status == RunStatus.CORRUPT, (res.status, res.reason)
    assert res.reason.startswith(f"garbled binary trace at byte {at}: unknown record tag 0x7f"), res.reason
    assert (run_dir / "serial.log").read_bytes() == b"".join(EXPECTED[:2])
    assert res.trace is not None and res.trace.lines >= 1
    assert (run_dir / "trace.bin").read_bytes()[:len(damaged)] == damaged
    assert not (run_dir / "trace.disk").exists()
    assert "-m harness.tracebin" in (run_dir / "command.txt").read_text()
