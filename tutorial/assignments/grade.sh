#!/usr/bin/env bash
# tutorial/assignments/grade.sh: the teacher's (and the student's) score sheet, in the spirit
# of minitorch's classroom workflow: every assignment is built from the student files in
# this copy, every task tag [aN.k] is run on its own, and a task counts when all its tests
# pass. One line per assignment, then the total.
#
#   bash tutorial/assignments/grade.sh             every assignment
#   bash tutorial/assignments/grade.sh 2 5         assignments 2 and 5
#   bash tutorial/assignments/grade.sh --solution  the reference solutions (all tasks pass)
#
# A student file that does not compile scores 0 for its assignment (the line says so).
# Logs of each run are kept in build/grade/ (aN.build.log, aN.k.log).
set -uo pipefail
cd "$(dirname "$0")/../.."
solution=""
numbers=()
for arg in "$@"; do
  case "$arg" in
    --solution) solution="SOLUTION=1" ;;
    [0-9]*) numbers+=("$arg") ;;
    *) echo "grade: unknown argument '$arg'. HINT: grade.sh [--solution] [N ...]" >&2; exit 2 ;;
  esac
done
if [ ${#numbers[@]} -eq 0 ]; then
  mapfile -t numbers < <(ls -d tutorial/assignments/a[0-9]*_*/ | sed -E 's,.*/a([0-9]+)_.*,\1,' | sort -n)
fi
mkdir -p build/grade
total=0
passed_total=0
for n in "${numbers[@]}"; do
  dir=$(ls -d tutorial/assignments/a"$n"_*/ 2>/dev/null | head -n 1)
  if [ -z "$dir" ]; then echo "grade: no assignment $n. HINT: ls tutorial/assignments" >&2; exit 2; fi
  name=$(basename "$dir")
  # the task tags come from the test file itself, so a build failure still knows them
  mapfile -t tasks < <(grep -oE "\[a$n\.[0-9]+\]" "$dir"/test_*.cpp | sed -E 's/.*\[(.*)\]/\1/' | sort -t. -k2 -n -u)
  total=$((total + ${#tasks[@]}))
  if ! make -s assignment-build A="$n" $solution >build/grade/a"$n".build.log 2>&1; then
    printf '%-24s does not build (see build/grade/a%s.build.log)   0/%d\n' "$name" "$n" "${#tasks[@]}"
    continue
  fi
  line=""
  ok=0
  for t in "${tasks[@]}"; do
    if ./course_a"$n" "[$t]" >build/grade/"$t".log 2>&1; then
      line="$line $t pass "
      ok=$((ok + 1))
    else
      line="$line $t FAIL "
    fi
  done
  passed_total=$((passed_total + ok))
  printf '%-24s%s  %d/%d\n' "$name" "$line" "$ok" "${#tasks[@]}"
done
echo "total: $passed_total/$total tasks"
