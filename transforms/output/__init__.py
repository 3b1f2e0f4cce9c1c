"""Output: records fitted to the schema (records); output files (files: partitions, names,
merging, reading back) in each format (formats: avro, parquet, jsonl, from the schemas' types in
schema_types); follow mode's compaction; dead letters and the run summary."""
