"""--feeds to a list of feeds: one resolver for the batch job, follow mode and the streaming job.

A source is a feed file, a folder of them, an OPML file, a text file with one source a line,
an http(s) URL or a glob, on any Beam filesystem. Sources that name nothing usable are reported
one line each; when no feed at all is left, every mode stops the same way: NothingToRead, which
the command turns into one message and exit status 1.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from importlib import resources
from typing import Callable
from urllib.parse import urlsplit
from urllib.request import url2pathname
from xml.etree import ElementTree

import regex

from newsbeam.transforms.feeds.http import is_url
from newsbeam.transforms.filesystems import filesystems, matching_files, unusable_local_path

FEED_SUFFIXES = (".xml", ".rss", ".atom", ".rdf", ".feed")
OPML_SUFFIXES = (".opml",)
LIST_SUFFIXES = (".txt", ".list")


@dataclass(frozen=True)
class SourceProblem:
    source: str
    error: str


def _is_directory(path: str) -> bool:
    if "://" not in path:
        return os.path.isdir(path)
    return bool(matching_files(filesystems().join(path, "*"))) and not filesystems().exists(path)


def _read_text(path: str) -> str:
    with filesystems().open(path) as handle:
        return handle.read().decode("utf-8-sig", errors="replace")


def opml_feed_urls(text: str) -> list[str]:
    """The feed addresses of an OPML document (`xmlUrl` of every outline, nested or not)."""
    root = ElementTree.fromstring(text.encode("utf-8"))
    return [outline.attrib["xmlUrl"].strip() for outline in root.iter("outline")
            if outline.attrib.get("xmlUrl", "").strip()]


def list_feed_sources(text: str) -> list[str]:
    """Sources listed one a line; blank lines and '#' comments are skipped."""
    lines = (line.split("#", 1)[0].strip() if not line.lstrip().startswith("http")
             else line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _looks_like_opml(path: str, text: str) -> bool:
    return path.lower().endswith(OPML_SUFFIXES) or regex.match(r"\s*(<\?xml[^>]*>\s*)?<opml\b", text) is not None


def normalise_source(source: str) -> str:
    """A source as newsbeam reads it: `feed://` and `feed:https://` are web addresses,
    schemes are lower case (`HTTP://` is http://), and a `file://` URL is its local path."""
    source = source.strip()
    if source.lower().startswith("feed:"):
        rest = source[len("feed:"):]
        source = rest if rest.lower().startswith(("http://", "https://")) else \
            "http:" + (rest if rest.startswith("//") else "//" + rest)
    scheme, sep, rest = source.partition("://")
    if sep and regex.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        source = f"{scheme.lower()}://{rest}"
        if scheme.lower() == "file":
            parts = urlsplit(source)
            if parts.netloc not in ("", "localhost"):
                return source  # a file on another host: refused as an unknown scheme
            source = url2pathname(parts.path)
    return source


def _scheme(source: str) -> str | None:
    scheme, sep, _ = source.partition("://")
    return scheme if sep else None


def _unknown_filesystem(path: str) -> str | None:
    """Why a `scheme://` path is not one Beam can read (None when it can)."""
    try:
        filesystems().get_filesystem(path)
    except ValueError:
        return (f"unsupported scheme {_scheme(path)}:// (sources are http(s) URLs, files and "
                f"folders)")
    return None


def expand_sources(sources: list[str], allow_local_paths: bool = False
                   ) -> tuple[list[str], list[SourceProblem]]:
    """Feed addresses (URLs and file paths) named by --feeds, and the sources that failed.

    A folder gives its feed files (one level, by suffix), an OPML file its outlines' xmlUrl, a
    .txt/.list file its lines (each expanded in turn), a URL itself. The command line may name
    files, folders and globs on any Beam filesystem; a list is third-party input, so its
    entries may be http(s) URLs only unless `allow_local_paths`. A local source must be a
    regular file or a folder. Unreachable URLs are only found when fetched; here only names
    are checked.
    """
    feeds: list[str] = []
    problems: list[SourceProblem] = []
    seen: set[str] = set()

    def add(feed: str):
        if "://" not in feed:
            # Item ids derive from the feed's name: "feeds/a.xml" and "./feeds/a.xml" run from
            # the same folder must be one feed.
            feed = os.path.abspath(feed)
        if feed not in seen:
            seen.add(feed)
            feeds.append(feed)

    def expand(source: str, depth: int, listed_in: str | None = None):
        if depth > 3:
            problems.append(SourceProblem(source, "lists nested too deeply"))
            return
        source = normalise_source(source)
        if is_url(source):
            add(source)
            return
        if listed_in is not None and not allow_local_paths:
            # The hint only where the option would help: a file, not an ftp:// address.
            readable = _scheme(source) is None or _unknown_filesystem(source) is None
            hint = " (--allow_local_paths lets it name files)" if readable else ""
            problems.append(SourceProblem(
                listed_in, f"{source}: refused: a list may name http(s) URLs only{hint}"))
            return
        if _scheme(source) is not None:
            unknown = _unknown_filesystem(source)
            if unknown:
                problems.append(SourceProblem(source, unknown))
                return
        if any(char in source for char in "*?["):
            matched = matching_files(source)
            if not matched:
                problems.append(SourceProblem(source, "no file matches"))
            for path in matched:
                expand(path, depth + 1)
            return
        if _scheme(source) is None:
            unusable = unusable_local_path(source)
            if unusable:
                problems.append(SourceProblem(source, unusable))
                return
        if _is_directory(source):
            found = [path for path in matching_files(filesystems().join(source, "*"))
                     if path.lower().endswith(FEED_SUFFIXES + OPML_SUFFIXES)]
            if not found:
                problems.append(SourceProblem(
                    source, "folder holds no feed files (*.xml, *.rss, *.atom, *.rdf, *.opml)"))
            for path in found:
                expand(path, depth + 1)
            return
        if not filesystems().exists(source):
            problems.append(SourceProblem(source, "no such file or folder"))
            return
        lower = source.lower()
        if lower.endswith(FEED_SUFFIXES):
            add(source)
            return
        try:
            text = _read_text(source)
        except OSError as error:
            problems.append(SourceProblem(source, f"cannot read ({error})"))
            return
        if _looks_like_opml(source, text):
            try:
                urls = opml_feed_urls(text)
            except ElementTree.ParseError as error:
                problems.append(SourceProblem(source, f"not valid OPML ({error})"))
                return
            if not urls:
                problems.append(SourceProblem(source, "OPML lists no feed (no outline with xmlUrl)"))
            for url in urls:
                expand(url, depth + 1, listed_in=source)
        elif lower.endswith(LIST_SUFFIXES):
            base = os.path.dirname(source)
            for line in list_feed_sources(text):
                entry = normalise_source(line)
                expand(entry if is_url(entry) or os.path.isabs(entry) or "://" in entry
                       else os.path.join(base, entry), depth + 1, listed_in=source)
        else:
            add(source)  # any other file is taken as a feed; the parser will say if it is not

    for source in sources:
        expand(source, 0)
    return feeds, problems


class NothingToRead(Exception):
    """No --feeds source gave a feed; the message says so in one line."""


def sample_feeds() -> str:
    """The folder of sample feeds shipped with newsbeam (used when --feeds is not given)."""
    return str(resources.files("newsbeam.samples").joinpath("feeds"))


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


def resolve_feeds(sources: list[str] | None, allow_local_paths: bool = False,
                  report: Callable[[str], None] = _to_stderr
                  ) -> tuple[list[str], list[SourceProblem]]:
    """The feeds named by --feeds (the samples when None), and the sources that failed.

    Each failed source is reported as one line, `newsbeam: <source>: <why>`. Raises
    NothingToRead when no feed is left.
    """
    feeds, problems = expand_sources(sources or [sample_feeds()], allow_local_paths)
    for problem in problems:
        report(f"newsbeam: {problem.source}: {problem.error}")
    if not feeds:
        raise NothingToRead("no feed to read: every --feeds source failed")
    return feeds, problems
