"""Beam's filesystems (local disks, gs://, s3://, hdfs://), imported on first use.

Feeds, lists and output may live on any filesystem Beam knows, so every file access goes
through Beam's `FileSystems`. Importing Beam takes about a second; modules of plain functions
that may never touch a file do not pay for it at import.
"""
from __future__ import annotations


def filesystems():
    """Beam's `FileSystems` class."""
    from apache_beam.io.filesystems import FileSystems

    return FileSystems
