"""Every DoFn and PTransform of newsbeam, each a thin wrapper over the plain functions of the
stage packages."""
