"""The disk channel's binary trace records (core/include/trace_bin.def) back into text.

The image writes, per record, its type, its printf format and the raw arguments; this module
formats each record exactly as core/trace.c formats it for COM1 (core/lib/fmt.c's printf subset,
the same cuts at LINE_ROOM and BODY_ROOM), with the format strings read out of the ELF that ran.
So the text the parser reads is COM1's, byte for byte (pytest/test_trace_channels.py).

A stream that does not decode is never a traceback: decoding stops at the first record that does
not parse, everything before it is kept, and ``problem`` names what happened ("garbled binary
trace: ..." or "truncated binary trace: ..."); the runner turns that into the run's status.

    python3 -m harness.tracebin TRACE_DISK ELF > trace.txt     # what the runner appends to serial.log
"""
from __future__ import annotations

import struct
import sys
from pathlib import Path

from harness import tables


class ElfStrings:
    """NUL-terminated strings at addresses of an image's .rodata (ELF32 or ELF64)."""

    def __init__(self, path: Path):
        data = Path(path).read_bytes()
        if data[:4] != b"\x7fELF" or data[4] not in (1, 2):
            raise ValueError(f"{path}: not an ELF file")
        if data[4] == 1:
            shoff, = struct.unpack_from("<I", data, 0x20)
            shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
            heads = [struct.unpack_from("<IIIIII", data, shoff + i * shentsize) for i in range(shnum)]
            # name, type, flags, addr, offset, size
        else:
            shoff, = struct.unpack_from("<Q", data, 0x28)
            shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
            heads = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
        strtab = heads[shstrndx][4]
        for h in heads:
            end = data.index(b"\0", strtab + h[0])
            if data[strtab + h[0]:end] == b".rodata":
                self.base, self.data = h[3], data[h[4]:h[4] + h[5]]
                break
        else:
            raise ValueError(f"{path}: no .rodata section")
        self._cache: dict[int, bytes | None] = {}

    def at(self, addr: int) -> bytes | None:
        """The string at addr, or None where addr is not inside .rodata (or has no NUL there)."""
        if addr in self._cache:
            return self._cache[addr]
        off = addr - self.base
        s = None
        if 0 <= off < len(self.data):
            end = self.data.find(b"\0", off)
            if end >= 0:
                s = self.data[off:end]
        self._cache[addr] = s
        return s


def is_binary(data: bytes, tab=None) -> bool:
    """Does data begin with a binary trace's header (its MAGIC)?"""
    return len(data) >= 8 and struct.unpack_from("<Q", data)[0] == (tab or tables.load()).trace_bin["MAGIC"]


class _Bad(Exception):
    """A record that does not parse (the decoder's own signal; never leaves this module)."""


def _conversions(fmt: bytes) -> list:
    """fmt split as core/lib/fmt.c walks it: literal bytes and (conv, alt, zero, width, longs)."""
    out: list = []
    lit = bytearray()
    i, n = 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c != 0x25:  # '%'
            lit.append(c)
            i += 1
            continue
        i += 1
        alt = zero = False
        width = longs = 0
        if i < n and fmt[i] == 0x23:  # '#'
            alt = True
            i += 1
        if i < n and fmt[i] == 0x30:  # '0'
            zero = True
            i += 1
        while i < n and 0x30 <= fmt[i] <= 0x39:
            width = width * 10 + fmt[i] - 0x30
            i += 1
        while i < n and fmt[i] in (0x6C, 0x7A):  # 'l', 'z'
            longs += 1
            i += 1
        conv = chr(fmt[i]) if i < n else ""
        if conv == "%":
            lit.append(0x25)
        elif conv in ("s", "c", "d", "i", "u", "x", "p"):
            if lit:
                out.append(bytes(lit))
                lit = bytearray()
            out.append((conv, alt or conv == "p", zero, width, longs or (conv == "p")))
        elif conv:  # unknown conversion: fmt.c prints it as it stands, takes no argument
            lit += b"%" + conv.encode("latin-1")
        if conv:
            i += 1
    if lit:
        out.append(bytes(lit))
    return out


def _num(v: int, base: int, width: int, zero: bool) -> bytes:
    digits = (format(v, "x") if base == 16 else str(v)).encode()
    if width > len(digits):
        digits = (b"0" if zero else b" ") * (width - len(digits)) + digits
    return digits


class Decoder:
    """Incremental: feed() the stream as it grows, each call returns the text of the records that
    are complete so far.  ``problem`` is set (and decoding stops) at a record that does not parse;
    ``done`` when the zero padding after the last record is reached."""

    def __init__(self, elf: Path, tab=None):
        self.t = (tab or tables.load()).trace_bin
        self.strings = ElfStrings(elf)
        self.buf = b""
        self.pos = 0  # bytes of the stream consumed (header and whole records)
        self.records = 0
        self.header: dict | None = None
        self.problem: str | None = None
        self.done = False
        self._fmt: dict[int, list] = {}

    # -- primitives on self.buf (raise IndexError when the data ends, _Bad when it is wrong)
    def _varint(self, b: bytes, i: int) -> tuple[int, int]:
        v = shift = 0
        while True:
            c = b[i]
            i += 1
            v |= (c & 0x7F) << shift
            if not c & 0x80:
                return v, i
            shift += 7
            if shift > 63:
                raise _Bad("a number longer than 64 bits")

    def _str(self, b: bytes, i: int) -> tuple[bytes, int]:
        v, i = self._varint(b, i)
        if v & self.t["STR_INLINE"]:
            n = v >> 1
            if i + n > len(b):
                raise IndexError
            return bytes(b[i:i + n]), i + n
        s = self.strings.at(v >> 1)
        if s is None:
            raise _Bad(f"string address {v >> 1:#x} is not in the image's .rodata")
        return s, i

    def _head(self, type_: bytes, seq: int) -> bytes:
        h = self.header
        return self._format(h["head_fmt"], [h["major"], type_, seq])

    def _format(self, fmt: bytes, args: list) -> bytes:
        out = bytearray()
        it = iter(args)
        for piece in self._compiled(fmt):
            if isinstance(piece, bytes):
                out += piece
                continue
            conv, alt, zero, width, longs = piece
            v = next(it)
            if conv == "s":
                out += v
            elif conv == "c":
                out.append(v)
            elif conv in ("d", "i"):
                if v < 0:
                    out.append(0x2D)
                    v = -v & 0xFFFFFFFFFFFFFFFF
                out += _num(v, 10, width, zero)
            elif conv == "u":
                out += _num(v, 10, width, zero)
            else:  # x, p
                if alt:
                    out += b"0x"
                out += _num(v, 16, width, zero)
        return bytes(out)

    def _compiled(self, fmt: bytes) -> list:
        c = self._fmt.get(fmt)
        if c is None:
            c = self._fmt[fmt] = _conversions(fmt)
        return c

    def _args(self, fmt: bytes, b: bytes, i: int) -> tuple[list, int]:
        args = []
        for piece in self._compiled(fmt):
            if isinstance(piece, bytes):
                continue
            conv, _alt, _zero, _width, longs = piece
            if conv == "s":
                s, i = self._str(b, i)
                args.append(s)
            elif conv == "c":
                args.append(b[i])
                i += 1
            elif conv in ("d", "i"):
                z, i = self._varint(b, i)
                v = (z >> 1) ^ -(z & 1)
                if not longs:
                    v = ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
                args.append(v)
            else:
                v, i = self._varint(b, i)
                args.append(v if longs else v & 0xFFFFFFFF)
        return args, i

    def _line_fmt(self, type_: bytes, seq: int, fmt: bytes, args: list) -> bytes:
        """core/trace.c trace() on the BSP."""
        room_line, room_body = self.t["LINE_ROOM"], self.t["BODY_ROOM"]
        line = self._head(type_, seq)[:room_line - 1]
        n = len(line)
        if n < room_line - 1:
            room = min(room_line - (n + 1), room_body)
            body = self._format(fmt, args)
            if body:
                line += b" " + body[:room - 1]
        return line + b"\n"

    def _line_body(self, type_: bytes, seq: int, body: bytes) -> bytes:
        """core/trace.c trace_emit()."""
        room_line = self.t["LINE_ROOM"]
        line = self._head(type_, seq)[:room_line - 1]
        if body and len(line) < room_line - 1:
            line = (line + b" " + body)[:room_line - 1]
        return line + b"\n"

    def _parse_header(self, b: bytes) -> int:
        magic, = struct.unpack_from("<Q", b, 0) if len(b) >= 8 else (None,)
        if magic is None:
            raise IndexError
        if magic != self.t["MAGIC"]:
            raise _Bad(f"no binary trace header (magic {b[:8]!r})")
        inline, i = self._str(b, 8)
        v, i = self._varint(b, i)
        if v & self.t["STR_INLINE"]:
            raise _Bad("the header's build id is not a reference into the image")
        in_elf = self.strings.at(v >> 1)
        if in_elf != inline:
            raise _Bad(f"the trace is from build {inline.decode(errors='replace')}, the ELF given is not "
                       f"(its string there: {in_elf!r})")
        head_fmt, i = self._str(b, i)
        major, i = self._varint(b, i)
        self.header = {"build": inline.decode(errors="replace"), "head_fmt": head_fmt, "major": major}
        return i

    def _record(self, b: bytes, i: int) -> tuple[bytes, int]:
        t = self.t
        tag = b[i]
        if tag == t["TAG_END"]:
            self.done = True
            return b"", i
        length, j = self._varint(b, i + 1)
        if length > t["RECORD_MAX"] + 8:
            raise _Bad(f"record length {length}")
        end = j + length
        if end > len(b):
            raise IndexError
        p = memoryview(b)[:end]  # the record's arguments must not run past its length
        if tag == t["TAG_BYTES"]:
            return bytes(p[j:end]), end
        if tag not in (t["TAG_FMT"], t["TAG_BODY"]):
            raise _Bad(f"unknown record tag {tag:#x}")
        try:
            seq, k = self._varint(p, j)
            type_, k = self._str(p, k)
            if tag == t["TAG_BODY"]:
                body, k = self._str(p, k)
                text = self._line_body(type_, seq, body)
            else:
                fmt, k = self._str(p, k)
                args, k = self._args(fmt, p, k)
                text = self._line_fmt(type_, seq, fmt, args)
        except IndexError:
            raise _Bad(f"a record's arguments run past its length {length}") from None
        if k != end:
            raise _Bad(f"a record of length {length} holds {k - j} bytes of arguments")
        self.records += 1
        return text, end

    def feed(self, data: bytes, live: bool = False) -> bytes:
        """The text of every record completed by data (appended to what came before).

        live: the stream is still being written (progress lines read the disk while Bochs runs):
        the zero padding, or a record caught between two of its sector writes, only means "no
        more yet": the rest of data is dropped, nothing is final, and the caller reads again from
        ``pos`` + ``len(buf)``."""
        if self.problem or self.done:
            return b""
        self.buf += data
        b, i, out = self.buf, 0, []
        try:
            if self.header is None:
                if b[:1] == b"\0" and not live:  # nothing written (the image stayed on COM1)
                    self.done = True
                    return b""
                i = self._parse_header(b)
            while not self.done:
                text, i2 = self._record(b, i)
                if self.done:
                    break
                out.append(text)
                i = i2
        except IndexError:
            pass  # the data ends inside a record: wait for more
        except _Bad as exc:
            if live:
                b = b[:i]
            else:
                self.problem = f"garbled binary trace at byte {self.pos + i}: {exc}"
        if live and self.done:
            self.done, b = False, b[:i]
        self.pos += i
        self.buf = b[i:]
        return b"".join(out)

    def finish(self) -> str | None:
        """At the end of the data: the problem, if any (a record cut short included)."""
        if self.problem is None and not self.done and self.buf.strip(b"\0"):
            what = "the header" if self.header is None else "a record"
            self.problem = (f"truncated binary trace at byte {self.pos}: the data ends inside {what} "
                            f"({len(self.buf)} bytes)")
        return self.problem


def decode_file(path: Path, elf: Path, tab=None, chunk: int = 1 << 20) -> tuple[bytes, Decoder]:
    """The text of a trace disk (or any file holding a binary trace), read until the zero padding
    after its last record; the Decoder says how it ended (``problem``, ``pos``, ``records``)."""
    dec = Decoder(elf, tab)
    out = []
    with open(path, "rb") as f:
        while not dec.done and dec.problem is None:
            block = f.read(chunk)
            if not block:
                break
            out.append(dec.feed(block))
    dec.finish()
    return b"".join(out), dec


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python3 -m harness.tracebin TRACE_DISK ELF", file=sys.stderr)
        return 2
    try:
        text, dec = decode_file(Path(argv[0]), Path(argv[1]))
    except (OSError, ValueError) as exc:
        print(f"tracebin: {exc}", file=sys.stderr)
        return 4
    sys.stdout.buffer.write(text)
    if dec.problem:
        print(f"tracebin: {dec.problem}", file=sys.stderr)
        return 5
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
