#!/usr/bin/env bash
# The folders form one stack, and an #include may only point down it:
#
#   tensor <- autograd <- model <- selfreward        data: the task world, used by selfreward only
#
# tensor/ includes tensor/; autograd/ adds tensor/; model/ adds autograd/; data/ may use the
# model layers but not selfreward/; selfreward/ may include everything; tests/ (and tutorial/)
# may include anything. Prints each include that crosses the stack the wrong way; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."

allowed() {  # allowed FOLDER -> the folders its files may include
    case "$1" in
        tensor) echo "tensor" ;;
        autograd) echo "tensor autograd" ;;
        model) echo "tensor autograd model" ;;
        data) echo "tensor autograd model data" ;;
        selfreward) echo "tensor autograd model data selfreward" ;;
    esac
}

bad=0
for dir in tensor autograd model data selfreward; do
    ok=" $(allowed "$dir") "
    while IFS= read -r hit; do
        file=${hit%%:*}
        target=$(sed -E 's/.*#[[:space:]]*include[[:space:]]*"([a-z_]+)\/.*/\1/' <<<"$hit")
        case "$target" in tensor | autograd | model | data | selfreward | tests) ;; *) continue ;; esac
        if [[ "$ok" != *" $target "* ]]; then
            echo "check_includes: $file includes $target/ (${dir}/ may include only: $(allowed "$dir")): ${hit#*:}"
            bad=1
        fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]+/' "$dir"/*.h "$dir"/*.cpp "$dir"/*.cu "$dir"/*.cuh 2>/dev/null || true)
done
if [ "$bad" = 1 ]; then
    echo "check_includes: FAILED. HINT: move the code that joins two folders up the stack (e.g. a command's wiring into selfreward/)"
    exit 1
fi
echo "check_includes: every include points down the stack"
