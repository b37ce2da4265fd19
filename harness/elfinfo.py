"""Read the scenario catalog out of the built image (section ``.scenarios``).

The C side (core/include/scenario.h) lays out ``struct scenario`` as:
name (char *), guest, setup, body (pointers), requires (u32), check (enum,
u32), hidden, no_vmx (bool), sweep (u8, SWEEP_*), cpus (u8: CPUs it runs on, 0 = 1), alone (bool: a boot of its own), padding, params (char *, "key=default,..."), expect and
cite (char *, the declared SDM expectation and its source): 72 bytes.  Reading the ELF means the catalog has exactly one source: the
scenario declarations that were compiled.  The guests' assembler labels
(``label__<id>__<what>``, core/include/scenario.h GUEST_LABEL) come from the
symbol table: where each exiting instruction starts and where the guest
resumes after it, as encoded by the assembler.

Run as ``python3 -m harness.elfinfo build/vmxdiff.elf`` to print JSON.
"""
from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

# core/include/scenario.h SWEEP_*: an entry-check sweep case and what it must do.
SWEEP_KINDS = {0: None, 1: "violate", 2: "satisfy", 3: "model"}
SCENARIO_STRUCT = struct.Struct("<QQQQIIBBBBB3xQQQ")
LABEL_PREFIX = "label__"


class ElfError(Exception):
    """The file is not the ELF64 image this module expects."""


def _sections(data: bytes) -> dict[str, tuple[int, int, int]]:
    """Map section name -> (address, file offset, size)."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ElfError("not an ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    heads = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = heads[shstrndx][4]
    out = {}
    for h in heads:
        name_end = data.index(b"\0", strtab_off + h[0])
        out[data[strtab_off + h[0]:name_end].decode()] = (h[3], h[4], h[5])
    return out


def _symbols(data: bytes) -> dict[str, int]:
    """Name -> value of every symbol in .symtab."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        raise ElfError("not an ELF64 file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, _ = struct.unpack_from("<HHH", data, 0x3A)
    heads = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    out = {}
    for h in heads:
        if h[1] != 2:  # SHT_SYMTAB
            continue
        str_off = heads[h[6]][4]
        for i in range(h[5] // 24):
            name_off, _info, _other, _shndx, value, _size = struct.unpack_from("<IBBHQQ", data, h[4] + i * 24)
            if name_off:
                end = data.index(b"\0", str_off + name_off)
                out[data[str_off + name_off:end].decode()] = value
    return out


def parse_params(text: str) -> list[dict]:
    """``"count=10,x=2"`` -> [{"key": "count", "default": 10}, ...]."""
    out = []
    for part in filter(None, text.split(",")):
        key, sep, val = part.partition("=")
        if not sep or not key or not val.isascii() or not val.isdigit():
            raise ElfError(f"malformed parameter declaration {part!r}")
        out.append({"key": key, "default": int(val)})
    return out


def _read_cstr(data: bytes, secs: dict, addr: int) -> str:
    for sa, off, size in secs.values():
        if sa and sa <= addr < sa + size:
            start = off + addr - sa
            return data[start:data.index(b"\0", start)].decode()
    raise ElfError(f"address {addr:#x} is in no section")


def read_bytes_at(elf: Path):
    """A reader of the image's bytes by address: fn(addr, n) -> bytes."""
    data = elf.read_bytes()
    secs = _sections(data)

    def at(addr: int, n: int) -> bytes:
        for sa, off, size in secs.values():
            if sa and sa <= addr and addr + n <= sa + size:
                return data[off + addr - sa:off + addr - sa + n]
        raise ElfError(f"address {addr:#x} is in no section")
    return at


def read_scenarios(elf: Path, check_names: list[str] | None = None) -> list[dict]:
    """Return [{"id", "hidden", "requires", "check", "params", "labels", "cpus", ...}] in
    catalog (name) order.

    Args:
        elf: the linked 64-bit image.
        check_names: entry-check names in table order (tables.json); when
            given, "check" is the name, else the table index.
    """
    data = elf.read_bytes()
    secs = _sections(data)
    if ".scenarios" not in secs:
        raise ElfError("no .scenarios section")
    _, off, size = secs[".scenarios"]
    if size % SCENARIO_STRUCT.size:
        raise ElfError(f".scenarios is {size} bytes, not a multiple of {SCENARIO_STRUCT.size} "
                       "(struct scenario changed: update SCENARIO_STRUCT)")
    syms = _symbols(data)
    out = []
    for i in range(size // SCENARIO_STRUCT.size):
        (name_p, _g, _s, _b, requires, check, hidden, _no_vmx, sweep, cpus, alone, params_p, expect_p,
         cite_p) = SCENARIO_STRUCT.unpack_from(data, off + i * SCENARIO_STRUCT.size)
        sid = _read_cstr(data, secs, name_p)
        prefix = f"{LABEL_PREFIX}{sid}__"
        labels = {n[len(prefix):]: v for n, v in syms.items() if n.startswith(prefix)}
        entry = {"id": sid, "hidden": bool(hidden), "requires": requires,
                 "params": parse_params(_read_cstr(data, secs, params_p)) if params_p else [],
                 "labels": dict(sorted(labels.items())),
                 "sweep": SWEEP_KINDS.get(sweep),
                 "cpus": max(1, cpus),
                 "alone": bool(alone),
                 "expect": _read_cstr(data, secs, expect_p) if expect_p else None,
                 "cite": _read_cstr(data, secs, cite_p) if cite_p else None}
        if check_names is not None:
            # 0 is CHECK_NONE; the table is indexed from 1 (core/include/vmx.h).
            entry["check"] = check_names[check - 1] if 0 < check <= len(check_names) else None
        else:
            entry["check"] = check
        out.append(entry)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python3 -m harness.elfinfo IMAGE.elf", file=sys.stderr)
        return 2
    elf = Path(argv[0])
    tables = elf.parent / "tables.json"
    names = None
    if tables.exists():
        names = [c["name"] for c in json.loads(tables.read_text())["entry_checks"]]
    try:
        scenarios = read_scenarios(elf, names)
    except (OSError, ElfError) as exc:
        print(f"elfinfo: error: {elf}: {exc}", file=sys.stderr)
        return 1
    if tables.exists():  # every declared expectation must parse against the tables it names
        from harness import spec
        from harness import tables as tables_mod
        tab = tables_mod.load(tables)
        for s in scenarios:
            if s.get("expect"):
                try:
                    spec.parse(s, tab)
                except spec.SpecError as exc:
                    print(f"elfinfo: error: {exc}", file=sys.stderr)
                    return 1
    print(json.dumps({"scenarios": scenarios}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
