#!/usr/bin/env bash
# Submit newsbeam to Google Cloud Dataflow straight from this checkout (no template, no
# image: the workers install the newsbeam wheel), as a batch run or as the unbounded job. For
# a reusable launch without a Python environment, use the Flex Template
# (deploy/dataflow/flex-template.sh).
#
#   PROJECT=my-project REGION=europe-west1 BUCKET=my-bucket deploy/dataflow/submit.sh [--streaming] [newsbeam options]
#
# Feeds and output live in the bucket: gs://$BUCKET/feeds.opml (override with --feeds ...) and
# gs://$BUCKET/news. Add --dry_run=True to build the job without submitting it (works offline).
set -euo pipefail
: "${PROJECT:?set PROJECT}" "${REGION:?set REGION}" "${BUCKET:?set BUCKET}"
cd "$(dirname "$0")/../.."

# Dataflow workers install newsbeam from this wheel; the GCP extras are needed on the submitter.
python3 -m pip install -q -e '.[gcp]'
python3 -m pip wheel -q --no-deps -w dist .
wheel=$(ls -t dist/newsbeam-*.whl | head -n 1)

# The unbounded job runs until drained or cancelled: submit it and return.
detach=()
for arg in "$@"; do
  if [ "$arg" = "--streaming" ]; then detach=(--no_wait_until_finish); fi
done

exec newsbeam run \
  --runner=DataflowRunner --project="$PROJECT" --region="$REGION" \
  --temp_location="gs://$BUCKET/tmp" --extra_package="$wheel" \
  --feeds "gs://$BUCKET/feeds.opml" --output "gs://$BUCKET/news" \
  "${detach[@]}" "$@"
