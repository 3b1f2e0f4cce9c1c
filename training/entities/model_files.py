"""What the entity trainers share: checking their packages, finding their data, writing
tables byte-for-byte reproducibly, and reporting the files they wrote."""
from __future__ import annotations

import gzip
import hashlib
import time
from pathlib import Path


def missing_packages(modules: tuple[tuple[str, str], ...]) -> list[str]:
    """The packages, of (module, package) pairs, whose module does not import."""
    missing = []
    for module, package in modules:
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    return missing


def data_file(data: Path, relative: str) -> Path:
    """A file or folder of the development data, or a FileNotFoundError saying which."""
    path = data / relative
    if not path.exists():
        raise FileNotFoundError(f"{path}: training data missing (is {data} the development "
                                "data folder?)")
    return path


def write_table(path: Path, rows) -> None:
    """A gzipped tab-separated table, without a timestamp in the gzip header."""
    text = "".join("\t".join(row) + "\n" for row in rows).encode("utf-8")
    with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                               compresslevel=9, mtime=0) as handle:
        handle.write(text)


def report_written(output: Path, names: tuple[str, ...], what: str, started: float) -> None:
    """Prints each written file's size and sha256 (a rerun must print the same) and the total."""
    total = 0
    for name in names:
        content = (output / name).read_bytes()
        total += len(content)
        print(f"{output / name}: {len(content):,} bytes, sha256 "
              f"{hashlib.sha256(content).hexdigest()[:16]}")
    print(f"{what}: {total / 1e6:.2f} MB in {time.perf_counter() - started:.0f} s")
