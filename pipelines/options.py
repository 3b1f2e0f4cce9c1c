"""Every user-facing option of newsbeam, once; Beam's own options pass through beside them."""
from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions

# The DirectRunner would first try to download Prism from the internet; this is the local
# engine it falls back to, named directly so that a first run downloads nothing.
LOCAL_RUNNER = "FnApiRunner"


class NewsPipelineOptions(PipelineOptions):
    @classmethod
    def _add_argparse_args(cls, parser):
        parser.add_argument(
            "--feeds", nargs="+", default=None,
            help="Feed sources: feed files (RSS 0.9x/1.0/2.0, Atom), folders of them, OPML "
                 "files, text files with one URL or path a line, http(s) URLs. Default: the "
                 "sample feeds shipped with newsbeam.")
        parser.add_argument(
            "--output", default="./output",
            help="Output folder on any Beam filesystem: records under items/, dead letters "
                 "under dead_letter/, a run summary under _runs/.")
        parser.add_argument(
            "--shards", type=int, default=1,
            help="Avro files per partition (and window) and run.")
