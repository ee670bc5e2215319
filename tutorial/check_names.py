#!/usr/bin/env python3
"""tutorial/check_names.py: every name the course and the README mention exists.

Reads README.md and tutorial/**/*.md (the chapters, the assignments) and checks, in inline code
spans and in the command lines of fenced blocks (quoted source and ```cpp blocks are left to
check_quotes.py):

  * file paths (`model/train.cpp`, `tutorial/ch08_training/`) exist, relative to the repository
    root or to the Markdown file; a bare file name (`report.json`) exists somewhere in the tree
    or is a string the sources write; paths under runs/ or /tmp/ are outputs (only a literal
    file name at their end is checked), and build outputs (`build/...`, `./program`) are skipped;
  * identifiers that look like code (`make_batch`, `KVCache::forward_rows`, `Run::sft(...)`,
    `RunConfig`) occur as words in the sources (C++, Python, shell, Makefile), a qualified
    name as `A::B` or as B in a file that defines A;
  * a name said to be in a file ("`make_batch` in `model/train.cpp`", "`f` (`file.h`)") is
    defined in that source file (a header or a folder only has to mention it);
  * Catch2 tags (`[gradcheck]`) are in `./sr_tests --list-tags` (or in an assignment's tests),
    and a test named in prose as test "..." is in `./sr_tests --list-test-names-only` (or is
    an assignment's TEST_CASE);
  * names right after another project's name (llm.c's `dev/cuda`) and files the reader is to
    create ("your `hardworld.json`") are not checked;
  * commands: `./sr CMD --flag` (CMD in `./sr --help`, the flag in `./sr CMD --help`),
    `./sr_demo --flag`, `./sr_bench CASE --flag`, `./sr_tests` tags, `make TARGET`
    (a target of the Makefile), `python3 FILE`, `bash FILE`; a lone `--flag` is a flag of
    some program.

Run after `make` (it asks the programs for their --help); `make chapters` runs it. Standard
library only. Lists every problem, and exits 1 if there is any.
"""
import glob
import os
import re
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRAMS = ("./sr", "./sr_demo", "./sr_bench", "./sr_tests")
# Flags of programs that are not ours, which the README may name on their own (mpirun's).
OUTSIDE_FLAGS = {"--oversubscribe", "--allow-run-as-root", "--hostfile", "--host"}
FILE_EXT = re.compile(r"\.(cpp|h|cu|cuh|md|py|sh|json|jsonl|txt|svg|safetensors|a|c)$")
IDENT = re.compile(r"^(?:[A-Za-z_]\w*::)*~?[A-Za-z_]\w*(?:\(\))?$")
CALL = re.compile(r"^((?:[A-Za-z_]\w*::)*[A-Za-z_]\w*)\(.*\)$")
TAGS_ONLY = re.compile(r'^"?(~?\[[A-Za-z][^\]]*\])+"?$')
# A span right after one of these names is another project's (llm.c's `dev/cuda`), not ours.
OUTSIDE = re.compile(r"\b(llm\.c|nanoGPT|minGPT|micrograd|minbpe|minitorch|cs231n|PyTorch|torch|flashlight|TRL|Hugging Face|"
                     r"nn-zero-to-hero|Karpathy)('s)?\W{0,3}$")
# "`make_batch` in `model/train.cpp`", "`KVCache::forward_rows` (`model/generate.cpp`)": the name
# must occur in that file (this is what catches a function said to live in the wrong file).
NAMED_IN = re.compile(r"`((?:[A-Za-z_]\w*::)*[A-Za-z_]\w*(?:\(\))?)`(?:\s+(?:in|from|of)\s+|\s*\(\s*)`([\w./-]+\.(?:cpp|h|cu|cuh|py|sh)|[\w-]+/)`")
TEST_NAME = re.compile(r'\btest\s+"([^"]{8,})"', re.I)
# A file the reader is asked to create is introduced as "your `name`" or "a new file `name`".
YOURS = re.compile(r"\b(your|your own|a new file)\s*$", re.I)
SKIP_DIRS = {"build", "build-asan", "build-cmake", "runs", ".git"}


def run(args):
    try:
        p = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60)
        return p.stdout + p.stderr
    except (OSError, subprocess.TimeoutExpired) as e:
        sys.exit(f"check_names: cannot run {' '.join(args)} ({e}). HINT: run `make` first, from the repository root")


class Tree:
    def __init__(self):
        self.files, self.sources = set(), {}
        for dirpath, dirnames, filenames in os.walk(ROOT):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".") or d == ".ci"]
            for f in filenames:
                rel = os.path.relpath(os.path.join(dirpath, f), ROOT)
                self.files.add(rel)
                if rel.startswith("tutorial/check_"):
                    continue  # the checkers name what they check: they must not vouch for it
                if re.search(r"\.(cpp|h|cu|cuh|py|sh)$", f) or f in ("Makefile", "CMakeLists.txt", "run"):
                    with open(os.path.join(dirpath, f), encoding="utf-8", errors="replace") as fh:
                        self.sources[rel] = fh.read()
        self.basenames = {os.path.basename(f) for f in self.files}
        self.words = set()
        for text in self.sources.values():
            self.words.update(re.findall(r"[A-Za-z_]\w*", text))
        self.strings = "\n".join(re.findall(r'"([^"\n]*)"', "\n".join(self.sources.values())))
        makefile = self.sources.get("Makefile", "")
        self.targets = set(re.findall(r"^([A-Za-z][\w.-]*)\s*:(?!=)", makefile, re.M))
        for line in re.findall(r"^\.PHONY:(.*)$", makefile, re.M):
            self.targets.update(line.split())
        self.help = {}

    def help_text(self, *args):
        if args not in self.help:
            self.help[args] = run(list(args) + ["--help"])
        return self.help[args]

    def sr_commands(self):
        return set(re.findall(r"^  ([a-z]\w*)\s{2,}", self.help_text("./sr"), re.M))

    def tags(self):
        if "tags" not in self.help:
            listed = set(re.findall(r"\[([^\]]+)\]", run(["./sr_tests", "--list-tags"])))
            for f in glob.glob(os.path.join(ROOT, "tutorial", "assignments", "**", "*.cpp"), recursive=True):
                with open(f, encoding="utf-8") as fh:
                    for m in re.finditer(r'TEST_CASE\s*\(\s*"[^"]*"\s*,\s*"([^"]*)"', fh.read()):
                        listed.update(re.findall(r"\[([^\]]+)\]", m.group(1)))
            self.help["tags"] = listed
        return self.help["tags"]

    def test_names(self):
        if "names" not in self.help:
            names = set(l.strip() for l in run(["./sr_tests", "--list-test-names-only"]).splitlines())
            for f in glob.glob(os.path.join(ROOT, "tutorial", "assignments", "**", "*.cpp"), recursive=True):
                with open(f, encoding="utf-8") as fh:
                    names.update(re.findall(r'TEST_CASE\s*\(\s*"([^"]*)"', fh.read()))
            self.help["names"] = names
        return self.help["names"]

    def all_flags(self):
        text = self.help_text("./sr_demo") + "".join(self.help_text("./sr", c) for c in self.sr_commands())
        text += "".join(self.help_text("./sr_bench", c) for c in ("ops", "train", "generate", "cuda"))
        return set(re.findall(r"--[a-z][\w-]*", text)) | {"--help", "--list-tags", "--list-tests", "--update", "--fresh"}


def flag_in(flag, help_text):
    return re.search(r"(^|[\s,])" + re.escape(flag) + r"(?![\w-])", help_text, re.M) is not None


class Checker:
    def __init__(self, tree):
        self.t, self.problems = tree, []

    def bad(self, where, what):
        self.problems.append(f"{where}: {what}")

    # ---- one name ------------------------------------------------------------------------------
    def path(self, where, md_dir, p):
        p = re.sub(r":\d+(-\d+)?$", "", p).rstrip("/")
        if p.startswith(("runs/", "/tmp/", "/")) or any(c in p for c in "<>*{}$") or "..." in p or "NAME" in p:
            last = os.path.basename(p)
            if p.startswith(("runs/", "/tmp/")) and FILE_EXT.search(last) and not any(c in last for c in "<>*{}$"):
                self.bare_file(where, last)
            return
        if p.startswith("build/") or (p.startswith("./") and "." not in p[2:]):
            return  # build outputs (build/libsr.a, ./course_a1): they exist only after a build
        if p.startswith("./"):
            p = p[2:]
        if "/" not in p:
            return self.bare_file(where, p)
        for base in (ROOT, md_dir):
            if os.path.exists(os.path.join(base, p)):
                return
        self.bad(where, f"path `{p}` does not exist")

    def bare_file(self, where, name):
        if name in self.t.basenames or name in self.t.files or name in self.t.strings:
            return
        self.bad(where, f"file name `{name}` is neither in the tree nor written by the sources")

    def ident(self, where, name):
        name = name[:-2] if name.endswith("()") else name
        parts = name.lstrip("~").split("::")
        parts = [p for p in parts if p not in ("sr", "std")]
        if not parts:
            return
        if len(parts) == 1:
            if parts[0] not in self.t.words:
                self.bad(where, f"`{name}` does not occur in the sources")
            return
        outer, inner = parts[-2], parts[-1]
        if any(f"{outer}::{inner}" in s for s in self.t.sources.values()):
            return
        defines = re.compile(r"\b(struct|class|namespace|enum class)\s+" + re.escape(outer) + r"\b")
        word = re.compile(r"\b" + re.escape(inner) + r"\b")
        if not any(defines.search(s) and word.search(s) for s in self.t.sources.values()):
            self.bad(where, f"`{name}`: no source defines {outer} with {inner} in it")

    def defined_in(self, where, ident, path):
        """`name` in `file` (or `name` (`file`)): the file defines the name (a header or folder: mentions it)."""
        full = os.path.join(ROOT, path.rstrip("/"))
        if not os.path.exists(full):
            return  # path() reports it
        word = re.escape(ident.split("(")[0].split("::")[-1])
        # In a source file the name must be DEFINED there (a line at column 0 naming it before a
        # '(' with no ';', a type, a constant, a macro), not merely called; a header or a folder
        # only has to mention it.
        definition = re.compile(r"^(?:[^\s/#].*[\s*&:~]|)" + word + r"\s*\([^;]*$|"
                                r"^\s*(?:struct|class|enum class|enum|namespace)\s+" + word + r"\b|"
                                r"^(?:constexpr|static|inline|const)\b.*\b" + word + r"\s*=|^#define\s+" + word + r"\b", re.M)
        mention = re.compile(r"\b" + word + r"\b")
        if os.path.isfile(full):
            with open(full, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            found = (mention if full.endswith((".h", ".cuh")) else definition).search(text)
        else:
            found = False
            for f in glob.glob(os.path.join(full, "**", "*"), recursive=True):
                if os.path.isfile(f):
                    with open(f, encoding="utf-8", errors="replace") as fh:
                        found = found or mention.search(fh.read()) is not None
        if not found:
            self.bad(where, f"`{ident}` is said to be in `{path}`, which does not " +
                     ("mention it" if not os.path.isfile(full) or full.endswith((".h", ".cuh")) else "define it"))

    def tag_expr(self, where, expr):
        for tag in re.findall(r"\[([^\]]+)\]", expr):
            if tag not in self.t.tags():
                self.bad(where, f"test tag [{tag}] is not in ./sr_tests --list-tags (nor in an assignment's tests)")

    def command(self, where, md_dir, line):
        for part in re.split(r"&&|\|\||;|\|", line):
            part = part.split(" #")[0].strip()
            try:
                toks = shlex.split(part)
            except ValueError:
                toks = part.split()
            while toks and re.match(r"^[A-Z_]+=", toks[0]):  # VAR=value before a program
                toks = toks[1:]
            if not toks:
                continue
            prog, args = toks[0], toks[1:]
            if prog in PROGRAMS:
                self.program(where, prog, args)
            elif prog == "make":
                for a in args:
                    if a.startswith("-") or "=" in a:
                        continue
                    if a not in self.t.targets:
                        self.bad(where, f"`make {a}`: no such target in the Makefile")
            elif prog in ("python3", "bash") and args and not args[0].startswith("-"):
                self.path(where, md_dir, args[0])

    def program(self, where, prog, args):
        if prog == "./sr_tests":
            for a in args:
                if a.startswith("-"):
                    continue
                if "[" in a:
                    self.tag_expr(where, a)
                elif a not in self.t.test_names():
                    self.bad(where, f"./sr_tests: no test named \"{a}\"")
            return
        key = (prog,)
        if prog == "./sr" and args and not args[0].startswith("-"):
            if "<" in args[0]:
                return
            if args[0] not in self.t.sr_commands():
                return self.bad(where, f"`./sr {args[0]}`: no such command in ./sr --help")
            key, args = (prog, args[0]), args[1:]
        elif prog == "./sr_bench" and args and not args[0].startswith("-"):
            if args[0] not in ("ops", "train", "generate", "cuda"):
                return self.bad(where, f"`./sr_bench {args[0]}`: no such case")
            key, args = (prog, args[0]), args[1:]
        text = self.t.help_text(*key)
        for a in args:
            if a.startswith("--"):
                flag = a.split("=")[0]
                if flag != "--help" and not flag_in(flag, text):
                    self.bad(where, f"`{' '.join(key)} {flag}`: not a flag of {' '.join(key)} (see its --help)")

    def span(self, where, md_dir, s):
        s = s.strip()
        if not s:
            return
        first = s.split()[0]
        if first in PROGRAMS or first == "make" or re.match(r"^[A-Z_]+=\S+ ", s) or first in ("python3", "bash"):
            return self.command(where, md_dir, s)
        if TAGS_ONLY.match(s):
            return self.tag_expr(where, s.strip('"'))
        if first.startswith("--"):
            if first.split("=")[0] not in self.t.all_flags() and first.split("=")[0] not in OUTSIDE_FLAGS:
                self.bad(where, f"flag `{first}` is not a flag of any program")
            return
        m = CALL.match(s)
        if m:
            return self.ident(where, m.group(1))
        if " " in s:
            return
        if "/" in s or FILE_EXT.search(s):
            if not re.match(r"^[\w./<>*{}$~:-]+$", s):
                return
            return self.path(where, md_dir, s)
        if IDENT.match(s):
            bare = s[:-2] if s.endswith("()") else s
            looks_like_code = ("_" in bare.strip("_") or "::" in bare or s.endswith("()") or
                               (re.match(r"^[A-Z][a-z]+[A-Z]\w*$", bare) is not None) or
                               (re.match(r"^[A-Z][A-Za-z]*[a-z][A-Za-z]*$", bare) and len(bare) >= 3 and bare in self.t.words))
            if looks_like_code and not bare.isupper():
                self.ident(where, s)

    # ---- one file ------------------------------------------------------------------------------
    def markdown(self, md):
        rel = os.path.relpath(md, ROOT)
        md_dir = os.path.dirname(md)
        with open(md, encoding="utf-8") as f:
            lines = f.read().split("\n")
        fence, skip_block = None, False
        for n, line in enumerate(lines, 1):
            where = f"{rel}:{n}"
            m = re.match(r"^\s*(```+)(\w*)", line)
            if fence is None and m:
                prev = lines[n - 2] if n >= 2 else ""
                fence = m.group(1)
                skip_block = m.group(2) in ("cpp", "c", "cuda", "json", "math") or prev.startswith("<!-- quote:")
                continue
            if fence is not None:
                if line.strip() == fence:
                    fence = None
                elif not skip_block:
                    cmd = line.strip().lstrip("$ ")
                    if cmd.split(" ")[0] in PROGRAMS + ("make", "python3", "bash") or re.match(r"^[A-Z_]+=\S+ \./", cmd):
                        self.command(where, md_dir, cmd)
                continue
            for ident, path in NAMED_IN.findall(line):
                self.defined_in(where, ident, path)
            for name in TEST_NAME.findall(line):
                if name not in self.t.test_names():
                    self.bad(where, f"no test named \"{name}\" in ./sr_tests --list-test-names-only")
            for m in re.finditer(r"`([^`]+)`", line):
                before = line[max(0, m.start() - 40):m.start()]
                if not OUTSIDE.search(before) and not YOURS.search(before):
                    self.span(where, md_dir, m.group(1))


def main():
    if sys.argv[1:]:
        sys.exit("check_names.py takes no arguments (run it from anywhere after `make`)")
    for p in PROGRAMS:
        if not os.path.exists(os.path.join(ROOT, p)):
            sys.exit(f"check_names: {p} is missing. HINT: run `make` first")
    files = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "tutorial", "**", "*.md"), recursive=True))
    checker = Checker(Tree())
    for md in files:
        checker.markdown(md)
    for p in checker.problems:
        print(p)
    print(f"check_names: {len(files)} Markdown files, {len(checker.problems)} problems")
    sys.exit(1 if checker.problems else 0)


if __name__ == "__main__":
    main()
