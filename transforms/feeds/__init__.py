"""Feeds: which feeds to read (sources), fetching (http), polling (poll), parsing (parse,
fast_path), what a poll gives (triage), and which item is which (identity)."""
