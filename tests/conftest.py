"""Shared test helpers."""
import pytest
from apache_beam.testing.test_pipeline import TestPipeline

# The plain DirectRunner first tries to download Prism; tests must run offline, so name the
# local engine the DirectRunner falls back to.
LOCAL_RUNNER = "FnApiRunner"


@pytest.fixture
def pipeline():
    return TestPipeline(runner=LOCAL_RUNNER)
