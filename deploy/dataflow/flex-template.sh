#!/usr/bin/env bash
# Build the newsbeam Flex Template, or launch a job from it. Prerequisites (APIs, service
# account, bucket, Artifact Registry repository): docs/deployment.md, "Dataflow".
#
#   PROJECT=my-project REGION=europe-west1 BUCKET=my-bucket REPO=newsbeam \
#     deploy/dataflow/flex-template.sh build
#   PROJECT=... REGION=... BUCKET=... deploy/dataflow/flex-template.sh run [batch|streaming] [name=value ...]
#
# build: both images on Cloud Build (deploy/dataflow/cloudbuild.yaml), then the template spec
#        gs://$BUCKET/templates/newsbeam-$VERSION.json with deploy/dataflow/metadata.json.
# run:   a job from that spec. Parameters default to feeds=gs://$BUCKET/feeds.opml and
#        output=gs://$BUCKET/news; extra name=value pairs are template parameters
#        (deploy/dataflow/metadata.json). The command returns once the job is created.
set -euo pipefail
: "${PROJECT:?set PROJECT}" "${REGION:?set REGION}" "${BUCKET:?set BUCKET}"
VERSION=${VERSION:-0.1.0}
REPO=${REPO:-newsbeam}
IMAGE_ROOT="$REGION-docker.pkg.dev/$PROJECT/$REPO"
TEMPLATE="gs://$BUCKET/templates/newsbeam-$VERSION.json"
SERVICE_ACCOUNT=${SERVICE_ACCOUNT:-newsbeam-worker@$PROJECT.iam.gserviceaccount.com}
cd "$(dirname "$0")/../.."

case "${1:-}" in
  build)
    gcloud builds submit --project "$PROJECT" --region "$REGION" \
      --config deploy/dataflow/cloudbuild.yaml \
      --substitutions "_IMAGE_ROOT=$IMAGE_ROOT,_TAG=$VERSION" .
    gcloud dataflow flex-template build "$TEMPLATE" --project "$PROJECT" \
      --image "$IMAGE_ROOT/newsbeam-template:$VERSION" \
      --sdk-language PYTHON \
      --metadata-file deploy/dataflow/metadata.json
    echo "template: $TEMPLATE"
    ;;
  run)
    mode=${2:-batch}
    shift $(( $# >= 2 ? 2 : 1 ))
    streaming=false; extra=()
    if [ "$mode" = streaming ]; then streaming=true; extra=(--enable-streaming-engine); fi
    params="feeds=gs://$BUCKET/feeds.opml,output=gs://$BUCKET/news,streaming=$streaming"
    for pair in "$@"; do params="$params,$pair"; done
    gcloud dataflow flex-template run "newsbeam-$mode-$(date -u +%Y%m%d-%H%M%S)" \
      --project "$PROJECT" --region "$REGION" \
      --template-file-gcs-location "$TEMPLATE" \
      --service-account-email "$SERVICE_ACCOUNT" \
      --staging-location "gs://$BUCKET/staging" --temp-location "gs://$BUCKET/tmp" \
      "${extra[@]}" \
      --parameters "$params"
    ;;
  *)
    echo "usage: $0 build | run [batch|streaming] [name=value ...]" >&2
    exit 2
    ;;
esac
