#!/usr/bin/env bash
# Submit newsbeam to a Flink 1.20 cluster through Beam's job server, from any machine that
# has newsbeam installed (pip install -e '.[aws]' or '.[gcp]' for s3:// or gs:// paths).
#
#   JOB_HOST=job-server.example deploy/flink/submit.sh [--streaming] [newsbeam options]
#
# JOB_HOST runs apache/beam_flink1.20_job_server:2.77.0 (ports 8099 and 8098 reachable from
# here); deploy/flink/k8s/job-server.yaml and deploy/flink/compose.yaml start one. The Python
# workers run in the Beam worker pool beside each task manager (EXTERNAL, localhost:50000),
# as in deploy/flink/k8s/ and compose.yaml; for Flink task managers that can start Docker
# containers instead, set ENVIRONMENT="--environment_type=DOCKER --environment_config=IMAGE"
# with IMAGE built from deploy/Dockerfile. Feeds and output must be on a filesystem the
# workers share (gs://, s3://, hdfs://).
#
# The unbounded job gets checkpoints every CHECKPOINT_INTERVAL_MS (default 60000) and is
# submitted without waiting (it runs until cancelled or stopped with a savepoint); the batch
# job is waited for and prints its summary.
#
# Without a cluster, the same portable path runs in-process, which is how it is tested here:
#   newsbeam run --runner=PortableRunner --job_endpoint=embed --environment_type=LOOPBACK
set -euo pipefail
: "${JOB_HOST:=localhost}"
read -r -a environment <<< "${ENVIRONMENT:---environment_type=EXTERNAL --environment_config=localhost:50000}"
streaming=()
for arg in "$@"; do
  if [ "$arg" = "--streaming" ]; then
    streaming=(--checkpointing_interval="${CHECKPOINT_INTERVAL_MS:-60000}"
               --externalized_checkpoints_enabled
               --retain_externalized_checkpoints_on_cancellation
               --no_wait_until_finish)
  fi
done
exec newsbeam run \
  --runner=PortableRunner \
  --job_endpoint="$JOB_HOST:8099" --artifact_endpoint="$JOB_HOST:8098" \
  "${environment[@]}" \
  --parallelism="${PARALLELISM:-2}" \
  "${streaming[@]}" \
  "$@"
