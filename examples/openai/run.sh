#!/bin/sh
# Runs an intent with the OpenAI planner against any OpenAI-compatible endpoint (see README.md):
#   OPENAI_API_KEY=… sh examples/openai/run.sh ["what to do"]
#   OPENAI_BASE_URL=http://127.0.0.1:11434/v1 ORCHESTRAL_MODEL=llama3.1 sh examples/openai/run.sh
set -e
INTENT=${1:-"List the files under src recursively, count them by extension, and write a short Markdown summary to out/summary.md"}
export ORCHESTRAL_FS_WRITE_ALLOW=${ORCHESTRAL_FS_WRITE_ALLOW-out/}
exec npx orchestral run --intent "$INTENT" ${ORCHESTRAL_MODEL:+--model "$ORCHESTRAL_MODEL"}
