#!/usr/bin/env bash
# Prints the release notes of VERSION: its section of CHANGELOG.md, without
# the heading. Fails when the section is missing, empty, or still marked
# "(Unreleased)", so that a release cannot go out with the wrong notes.
#
# Usage: scripts/release-notes.sh 0.1.0
set -euo pipefail

version=${1:?usage: scripts/release-notes.sh VERSION (without the v)}
changelog="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/CHANGELOG.md"

heading=$(grep -E "^## ${version//./\\.} " "$changelog" || true)
if [[ -z $heading ]]; then
  echo "release-notes: CHANGELOG.md has no section '## $version (…)'." >&2
  exit 1
fi
if [[ $heading == *Unreleased* ]]; then
  echo "release-notes: CHANGELOG.md still says '$heading': give it the release date first." >&2
  exit 1
fi

notes=$(awk -v heading="$heading" '
  $0 == heading { inside = 1; next }
  inside && /^## / { exit }
  inside { print }
' "$changelog")
if [[ -z ${notes//[[:space:]]/} ]]; then
  echo "release-notes: the section of $version in CHANGELOG.md is empty." >&2
  exit 1
fi
printf '%s\n' "$notes"
