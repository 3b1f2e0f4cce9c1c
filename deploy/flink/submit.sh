#!/usr/bin/env bash
# Submit newsbeam to Flink through Beam's portable runner and a Flink job server.
#
#   deploy/flink/submit.sh [--streaming] [newsbeam options]
#
# JOB_ENDPOINT (default localhost:8099) is the job server, e.g. started beside a Flink cluster:
#   docker run --net=host apache/beam_flink1.19_job_server:2.77.0 --flink-master=FLINK_HOST:8081
# (Beam 2.77 publishes job servers for Flink 1.19, 1.20, 2.0, 2.1 and 2.2: take your cluster's.)
# The Python workers run in the SDK container built by deploy/Dockerfile (SDK_IMAGE), so the
# transforms and lexicons are present on every task manager. Feeds and output must be on a
# filesystem the workers share (gs://, s3://, hdfs://).
#
# Without Flink, the same portable path runs in-process, which is how it is tested here:
#   newsbeam run --runner=PortableRunner --job_endpoint=embed --environment_type=LOOPBACK
set -euo pipefail
cd "$(dirname "$0")/../.."
exec newsbeam run \
  --runner=PortableRunner --job_endpoint="${JOB_ENDPOINT:-localhost:8099}" \
  --environment_type=DOCKER --environment_config="${SDK_IMAGE:-newsbeam-sdk:0.1.0}" \
  "$@"
