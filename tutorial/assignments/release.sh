#!/usr/bin/env bash
# tutorial/assignments/release.sh OUT.tar.gz: the student release of the course (make course-release).
#
# The archive holds every file git tracks (as it is in the working tree), under one folder
# selfreward-course/, except tutorial/assignments/solutions/. Build outputs, runs and anything
# untracked stay out: `git add` a new file before releasing it. Written to OUT.tmp first and
# renamed, so a failed run leaves no half-written archive.
set -euo pipefail
out=${1:?usage: release.sh OUT.tar.gz}
cd "$(dirname "$0")/../.."
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "course-release: $(pwd) is not a git checkout (the release lists the files git tracks). HINT: run it in the teacher's clone" >&2
  exit 1
fi
mkdir -p "$(dirname "$out")"
list=$(mktemp)
trap 'rm -f "$list" "$out.tmp"' EXIT
# Tracked files that exist (a deleted, not yet committed file is skipped), minus the solutions.
git ls-files -z | while IFS= read -r -d '' f; do
  case "$f" in tutorial/assignments/solutions/*) continue ;; esac
  [ -f "$f" ] && printf '%s\0' "$f"
done > "$list"
tar --null -T "$list" --transform 's,^,selfreward-course/,' -czf "$out.tmp"
mv "$out.tmp" "$out"
echo "course-release: wrote $out ($(tr -cd '\0' < "$list" | wc -c) files, no solutions; unpack with tar xzf, then make assignment A=1)"
