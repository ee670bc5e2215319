#!/usr/bin/env python3
"""tutorial/check_quotes.py: the code a chapter quotes is the code in the tree, character for character.

A quote in a chapter's Markdown is an HTML comment naming a source file and an anchor, followed
by a fenced code block:

    <!-- quote: autograd/ops.cpp | Var log_sigmoid(const Var& a) -->
    ```cpp
    ...the region, exactly as it stands in the file...
    ```

Two kinds of anchor:
  * a literal piece of a definition's first line (e.g. `Var log_sigmoid(const Var& a)`): it must
    occur on exactly one line of the file that is not a declaration; the region is that line,
    extended upwards over a `template <...>` line and the `//` comment block right above it, and
    down to the brace that closes the first `{` (a function, a struct, a class);
  * `marker NAME`: the lines between `// tutorial: NAME` and `// end tutorial: NAME` (markers
    excluded), for the few regions that are not a whole definition.

    python3 tutorial/check_quotes.py            check every quote (exit 1 on a difference)
    python3 tutorial/check_quotes.py --update   rewrite every quote from the sources

Standard library only; run from anywhere (paths are relative to the repository root).
"""
import difflib
import glob
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUOTE = re.compile(r"^<!-- quote: (?P<path>[^|]+?) \| (?P<anchor>.+?) -->\s*$")
FENCE = re.compile(r"^(```+)")


class QuoteError(Exception):
    pass


def code_only(line, in_block_comment):
    """The line with string/char literals and comments blanked out (for brace counting)."""
    out, i, n = [], 0, len(line)
    while i < n:
        if in_block_comment:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i, in_block_comment = end + 2, False
            continue
        c = line[i]
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            in_block_comment, i = True, i + 2
            continue
        if c in "\"'":
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            i = j + 1
            continue
        out.append(c)
        i += 1
    return "".join(out), in_block_comment


def definition_region(lines, anchor, path):
    hits = [k for k, l in enumerate(lines) if anchor in l]
    # a declaration (the line ends with ';' and no '{' follows before it) is not a definition
    defs = []
    for k in hits:
        rest = ""
        for l in lines[k:k + 12]:
            rest += code_only(l, False)[0]
            if "{" in rest or ";" in rest:
                break
        if "{" in rest and (";" not in rest or rest.index("{") < rest.index(";")):
            defs.append(k)
    if len(defs) != 1:
        raise QuoteError(f"{path}: anchor '{anchor}' starts {len(defs)} definitions (needs exactly 1; lines {[d + 1 for d in defs] or [h + 1 for h in hits]})")
    start = end = defs[0]
    depth, opened, in_comment = 0, False, False
    for k in range(start, len(lines)):
        code, in_comment = code_only(lines[k], in_comment)
        for c in code:
            if c == "{":
                depth, opened = depth + 1, True
            elif c == "}":
                depth -= 1
        if opened and depth == 0:
            end = k
            break
    else:
        raise QuoteError(f"{path}: anchor '{anchor}': no closing brace")
    if start > 0 and lines[start - 1].lstrip().startswith("template"):
        start -= 1
    while start > 0 and lines[start - 1].lstrip().startswith("//"):
        start -= 1
    return lines[start:end + 1]


def marker_region(lines, name, path):
    begin = [k for k, l in enumerate(lines) if l.strip() == f"// tutorial: {name}"]
    end = [k for k, l in enumerate(lines) if l.strip() == f"// end tutorial: {name}"]
    if len(begin) != 1 or len(end) != 1 or end[0] <= begin[0]:
        raise QuoteError(f"{path}: needs one '// tutorial: {name}' line and one '// end tutorial: {name}' line after it")
    return lines[begin[0] + 1:end[0]]


def region(path, anchor):
    full = os.path.join(ROOT, path)
    if not os.path.isfile(full):
        raise QuoteError(f"{path}: no such file")
    with open(full, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if anchor.startswith("marker "):
        return marker_region(lines, anchor[len("marker "):], path)
    return definition_region(lines, anchor, path)


def process(md_path, update):
    """Returns (number of quotes, list of problems); rewrites the file when update is set."""
    with open(md_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, problems, count, k = [], [], 0, 0
    rel = os.path.relpath(md_path, ROOT)
    while k < len(lines):
        line = lines[k]
        out.append(line)
        m = QUOTE.match(line)
        k += 1
        if not m:
            continue
        count += 1
        where = f"{rel}:{k}"
        if k >= len(lines) or not FENCE.match(lines[k]):
            problems.append(f"{where}: a quote marker must be followed directly by a fenced code block")
            continue
        fence = FENCE.match(lines[k]).group(1)
        close = next((j for j in range(k + 1, len(lines)) if lines[j].strip() == fence), None)
        if close is None:
            problems.append(f"{where}: the code block is not closed")
            continue
        quoted = lines[k + 1:close]
        try:
            source = region(m.group("path").strip(), m.group("anchor").strip())
        except QuoteError as e:
            problems.append(f"{where}: {e}")
            out.extend(lines[k:close + 1])
            k = close + 1
            continue
        if quoted != source:
            if update:
                print(f"updated {where} ({m.group('path')} | {m.group('anchor')})")
            else:
                diff = difflib.unified_diff(quoted, source, "chapter", m.group("path"), lineterm="", n=1)
                problems.append(f"{where}: the quote differs from {m.group('path')} | {m.group('anchor')}\n  " +
                                "\n  ".join(list(diff)[:40]))
        out.append(lines[k])
        out.extend(source if update else quoted)
        out.append(lines[close])
        k = close + 1
    if update and out != lines:
        with open(md_path, "w", encoding="utf-8") as f:
            f.write("\n".join(out))
    return count, problems


def main():
    update = "--update" in sys.argv[1:]
    unknown = [a for a in sys.argv[1:] if a != "--update"]
    if unknown:
        sys.exit(f"check_quotes.py: unknown argument {unknown[0]}. Usage: check_quotes.py [--update]")
    files = sorted(glob.glob(os.path.join(ROOT, "tutorial", "**", "*.md"), recursive=True))
    total, problems = 0, []
    for md in files:
        n, p = process(md, update)
        total += n
        problems += p
    for p in problems:
        print(p)
    print(f"check_quotes: {total} quotes in {len(files)} files, {len(problems)} problems" +
          (" (HINT: python3 tutorial/check_quotes.py --update rewrites them from the sources)" if problems and not update else ""))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
