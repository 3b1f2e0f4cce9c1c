"""Output: records fitted to the schema (records), Avro files (avro), dead letters and the run
summary."""
