# Shared by the CLI test scripts (sourced): a scratch directory removed on exit, and check(),
# which prints ok/FAIL for a named condition and counts the failures in $fails.
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fails=0
check() { # name, condition result
  if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fails=$((fails + 1)); fi
}
