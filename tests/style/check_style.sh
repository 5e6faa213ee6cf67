#!/usr/bin/env bash
# The code style of README.md "Conventions", checked over the repository's tracked sources:
# C++ as clang-format writes it (.clang-format), Python flake8-clean and black-formatted, both
# at 100 columns. Names each file that differs and exits 1; exits 0 when every file agrees.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
for tool in clang-format flake8 black; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found (bash cmake/install_packages.sh)"; exit 1; }
done
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t cpp < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cu')
  mapfile -t py < <(git ls-files '*.py')
else  # a source tree without .git
  mapfile -t cpp < <(find . -path './build*' -prune -o -type f \
    \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.cu' \) -print)
  mapfile -t py < <(find . -path './build*' -prune -o -type f -name '*.py' -print)
fi
status=0
echo "clang-format: ${#cpp[@]} C++ files"
if ! out=$(clang-format --dry-run -Werror "${cpp[@]}" 2>&1); then
  echo "$out" | grep -oE '^[^ :]+:[0-9]+:[0-9]+: (warning|error)' | cut -d: -f1 | sort -u |
    sed 's/^/  not clang-formatted: /'
  status=1
fi
echo "flake8: ${#py[@]} Python files"
flake8 --max-line-length 100 "${py[@]}" | sed 's/^/  /'
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "black: ${#py[@]} Python files"
if ! out=$(black --check -l 100 "${py[@]}" 2>&1); then
  echo "$out" | grep '^would reformat' | sed 's/^/  /'
  status=1
fi
exit $status
