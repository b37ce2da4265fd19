"""The platform list is declared: a bochsrc on disk cannot add a platform
silently, and a lost one cannot remove it silently."""
from harness import platforms


def test_every_bochsrc_is_a_declared_platform():
    on_disk = {p.stem for p in platforms.BOCHSRC.glob("bochs*.rc")}
    assert on_disk == set(platforms.BOCHS_PLATFORMS), "declare bochsrc/*.rc in harness/platforms.py"


def test_missing_bochsrc_keeps_the_platform_and_names_the_file(tmp_path):
    from harness.runners.bochs import BochsPlatform
    plat = BochsPlatform("bochs27-gone", "2.7", platforms.REPO / "bochsrc" / "bochs27-gone.rc")
    ok, why = plat.availability()
    assert not ok and why == "bochsrc/bochs27-gone.rc is missing"
    assert plat.model.startswith("unknown")
