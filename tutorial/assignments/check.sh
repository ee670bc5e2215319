#!/usr/bin/env bash
# tutorial/assignments/check.sh: CI's check of the course assignments (run by .ci/run; a
# teacher can run it too, from anywhere: bash tutorial/assignments/check.sh).
#
# For every assignment aN (every folder tutorial/assignments/aN_*):
#   1. the starter file builds, and its tests FAIL, saying "not implemented yet" (every test
#      case fails: none can be passed by the stub);
#   2. the reference solution (SOLUTION=1) builds, and its tests PASS.
# Then the student release (make course-release):
#   3. has no tutorial/assignments/solutions/, and `make -n` (all and test) compiles nothing
#      under tutorial/assignments/;
#   4. unpacked in a temporary folder, builds the engine library and assignment 1, whose
#      tests fail as a stub's must; SOLUTION=1 is refused with a clear message.
# Steps 1-2 link against the library already built here (build/libsr.a); step 4 compiles the
# library once more, at -O0 and without CUDA (it checks that the release is complete, not
# how fast it runs). About 3-5 minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
bad() { echo "check: FAIL: $*"; failures=$((failures + 1)); }
show_tail() { echo "----- last lines of $1 -----"; tail -n 25 "$1"; echo "-----"; }

if [ ! -d tutorial/assignments/solutions ]; then
  echo "check: tutorial/assignments/solutions/ is missing: this is the student release; the check needs the teacher's copy" >&2
  exit 1
fi

numbers=$(ls -d tutorial/assignments/a[0-9]*_*/ | sed -E 's,.*/a([0-9]+)_.*,\1,' | sort -n)
for n in $numbers; do
  log="$work/a$n"
  if make -s assignment A="$n" >"$log.stub" 2>&1; then
    bad "a$n: the starter file's tests pass (a stub must fail)"
  elif ! grep -q "not implemented yet" "$log.stub"; then
    bad "a$n: the starter file's tests fail, but not with \"not implemented yet\" (does it build?)"
    show_tail "$log.stub"
  elif ! grep -qE "^test cases: *([0-9]+) \| *\1 failed" "$log.stub"; then
    bad "a$n: some test cases pass on the stub (every test case must call a student function)"
    grep -E "^test cases:" "$log.stub"
  fi
  if make -s assignment A="$n" SOLUTION=1 >"$log.sol" 2>&1; then
    summary=$(grep -E "All tests passed" "$log.sol" | tail -n 1)
    echo "check: a$n: stub fails (not implemented yet), solution passes: $summary"
  else
    bad "a$n: the reference solution's tests do not pass"
    show_tail "$log.sol"
  fi
done

echo "check: the student release"
make -s course-release >"$work/release.log" 2>&1 || { bad "make course-release failed"; show_tail "$work/release.log"; }
mkdir -p "$work/unpack"
if tar -xzf build/course-release.tar.gz -C "$work/unpack"; then
  root="$work/unpack/selfreward-course"
  [ -e "$root/tutorial/assignments/solutions" ] && bad "the release contains tutorial/assignments/solutions/"
  [ -d "$root/build" ] && bad "the release contains build outputs (build/)"
  [ -f "$root/tutorial/assignments/a1_numeric_gradients/student.cpp" ] || bad "the release lacks the starter files (git add them)"
  if make -C "$root" -n all test 2>/dev/null | grep -q "tutorial/assignments"; then
    bad "make / make test would compile something under tutorial/assignments/"
  fi
  # -O0, no CUDA: the release must be complete; its speed is not the question here.
  if ! make -C "$root" -s OPT=-O0 CUDA=0 build/libsr.a >"$work/rel_lib.log" 2>&1; then
    bad "the release does not build the engine library"
    show_tail "$work/rel_lib.log"
  elif make -C "$root" -s OPT=-O0 CUDA=0 assignment A=1 >"$work/rel_a1.log" 2>&1; then
    bad "in the release, assignment 1's stub tests pass"
  elif ! grep -q "not implemented yet" "$work/rel_a1.log"; then
    bad "in the release, assignment 1 does not build or fails without \"not implemented yet\""
    show_tail "$work/rel_a1.log"
  else
    echo "check: release: no solutions, the library and assignment 1 build, its stub fails as it should"
  fi
  if make -C "$root" -s assignment A=1 SOLUTION=1 >"$work/rel_sol.log" 2>&1 || ! grep -q "no solutions" "$work/rel_sol.log"; then
    bad "in the release, SOLUTION=1 is not refused with a clear message"
    show_tail "$work/rel_sol.log"
  fi
else
  bad "build/course-release.tar.gz does not unpack"
fi

if [ "$failures" -gt 0 ]; then
  echo "check: $failures problem(s)"
  exit 1
fi
echo "check: all $(echo $numbers | wc -w) assignments: stubs fail, solutions pass; the release builds"
