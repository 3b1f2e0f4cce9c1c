"""Streaming pipelines for tests: TestStream drives stateful and windowed steps on the
BundleBasedDirectRunner (the FnApiRunner rejects TestStream). That runner in streaming mode
reports the counters of a step's first bundle alone: check counters on the PortableRunner."""
import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_stream import TestStream as Stream
from apache_beam.transforms.window import TimestampedValue


def stream_pipeline():
    return beam.Pipeline(runner="BundleBasedDirectRunner",
                         options=PipelineOptions([], streaming=True))


def counter(result, name):
    [metric] = result.metrics().query(MetricsFilter().with_name(name))["counters"]
    return metric.committed


def at(seconds, value):
    """`value` with the event time `seconds`."""
    return TimestampedValue(value, seconds)


def ticks(*seconds):
    """A TestStream of one tick at each of `seconds`, the watermark following."""
    stream = Stream()
    for second in seconds:
        stream = stream.advance_watermark_to(second).add_elements([at(second, second)])
    return stream.advance_watermark_to_infinity()
