"""Files: Beam's filesystems (local disks, gs://, s3://, hdfs://), imported on first use, and
which local paths may be read at all.

Feeds, lists and output may live on any filesystem Beam knows, so every file access goes
through Beam's `FileSystems`. Importing Beam takes about a second; modules of plain functions
that may never touch a file do not pay for it at import.
"""
from __future__ import annotations

import os
import stat

# Kernel and device trees: files there look regular but are not documents (/proc/self/environ).
_SYSTEM_TREES = ("/proc", "/sys", "/dev")


def filesystems():
    """Beam's `FileSystems` class."""
    from apache_beam.io.filesystems import FileSystems

    return FileSystems


def matching_files(pattern: str) -> list[str]:
    """The paths that a glob matches on any filesystem, sorted; none when nothing matches."""
    try:
        [result] = filesystems().match([pattern])
    except Exception:  # noqa: BLE001 (Beam wraps "nothing matched" and I/O errors alike)
        return []
    return sorted(meta.path for meta in result.metadata_list)


def unusable_local_path(path: str) -> str | None:
    """Why a local path cannot be read as a source, or None when it is a regular file or a
    folder: a pipe would hang the reader, a device or a system file is not a document."""
    real = os.path.realpath(path)
    if any(real == tree or real.startswith(tree + "/") for tree in _SYSTEM_TREES):
        return f"refused: {real} is a system file, not a document"
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return "no such file or folder"
    if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        return "refused: not a regular file or folder (a pipe, a device or a socket)"
    return None
