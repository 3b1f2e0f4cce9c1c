"""The distribution: one top-level name, and everything the repository's packages hold in it."""
import shutil
import subprocess
import sys
import zipfile

from tests.support.paths import REPO

PACKAGE_FOLDERS = ("pipelines", "transforms", "schemas", "training", "samples")


def tracked_files(*paths: str) -> list[str]:
    return subprocess.run(["git", "ls-files", *paths], cwd=REPO, check=True,
                          capture_output=True, text=True).stdout.split()


def test_the_wheel_installs_only_newsbeam_and_ships_every_package_file(tmp_path):
    # Built from a copy of the tracked files, as a fresh clone has them (and so the build
    # leaves nothing in the working tree).
    clone = tmp_path / "clone"
    for path in tracked_files():
        if not (REPO / path).is_file():  # deleted, not yet committed
            continue
        (clone / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / path, clone / path)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(tmp_path), str(clone)], check=True)
    [wheel] = tmp_path.glob("newsbeam-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/", 1)[0] for name in names}
    assert top_level == {"newsbeam", wheel.name.split("-py")[0] + ".dist-info"}
    tracked = tracked_files(*PACKAGE_FOLDERS)
    assert {f"newsbeam/{path}" for path in tracked} <= set(names)
    entry_points = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "newsbeam = newsbeam.pipelines.cli:main" in entry_points
