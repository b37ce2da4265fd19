"""The platform registry: a declared list, not what happens to be on disk.

A platform whose bochsrc is missing stays in the list and reports itself
UNAVAILABLE with the reason, so a lost file fails the run instead of
silently shrinking it (harness/tests/test_platforms.py checks that every
bochsrc/bochs*.rc is declared here).  KVM-on-Bochs platforms (KVM nested VMX
running inside Bochs 3.0, L0 config bochsrc/l0-kvm-*.rc) are declared below.
"""
from __future__ import annotations

from harness.runners.bochs import BochsPlatform
from harness.runners.kvm_on_bochs import KvmOnBochsPlatform
from harness.runners.qemu import QemuPlatform, kvm_nested_vmx
from harness.tables import REPO

BOCHSRC = REPO / "bochsrc"


class PlatformError(Exception):
    """Unknown platform name."""


# name -> Bochs version; the CPU model is in bochsrc/<name>.rc.
BOCHS_PLATFORMS = {
    "bochs27-penryn": "2.7",
    "bochs27-skylake_x": "2.7",
    "bochs30-penryn": "3.0",
    "bochs30-sapphire_rapids": "3.0",
    "bochs30-skylake_x": "3.0",
}

# KVM-on-Bochs: name -> Debian suite of the L1 kernel and QEMU (harness/provision/l1kvm.py).
KVM_ON_BOCHS = {"qemu-kvm612-on-bochs30": "trixie"}


def all_platforms() -> dict:
    out = {name: BochsPlatform(name, version, BOCHSRC / f"{name}.rc") for name, version in BOCHS_PLATFORMS.items()}
    out["qemu-kvm"] = QemuPlatform("qemu-kvm")
    for name, suite in KVM_ON_BOCHS.items():
        out[name] = KvmOnBochsPlatform(name, suite=suite)
    return out


def get(name: str):
    plats = all_platforms()
    if name not in plats:
        raise PlatformError(f"unknown platform {name!r}; known: {', '.join(plats)}")
    return plats[name]


def same_model_pairs(names) -> list[tuple[str, str]]:
    """Pairs to compare: each 2.7 platform with the 3.0 one of its CPU model,
    the two 2.7 models with each other, Skylake-X with QEMU/KVM, and each
    KVM-on-Bochs platform with Bochs 3.0 of its L0 model and (where the host
    really has nested VMX, so that both run) with native QEMU/KVM."""
    names = list(names)
    pairs = []
    for n in names:
        if n.startswith("bochs27-"):
            twin = "bochs30-" + n.split("-", 1)[1]
            if twin in names:
                pairs.append((n, twin))
    b27 = sorted(n for n in names if n.startswith("bochs27-"))
    for i, a in enumerate(b27):
        for b in b27[i + 1:]:
            pairs.append((a, b))
    vmx_capable = [n for n in names if n.startswith("bochs")]
    if "qemu-kvm" in names:
        pairs += [(n, "qemu-kvm") for n in sorted(vmx_capable) if n.endswith("skylake_x")]
    for n in sorted(x for x in names if x in KVM_ON_BOCHS):
        if "bochs30-skylake_x" in names:
            pairs.append(("bochs30-skylake_x", n))
        if "qemu-kvm" in names and kvm_nested_vmx()[0]:
            pairs.append(("qemu-kvm", n))
    return pairs
