"""What the tests share: paths, the loopback feed server, reading back Avro output."""
