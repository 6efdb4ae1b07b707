#!/bin/bash
# The psql script that runs commands.txt (or the file given), each after a marker line naming it (the test splits the
# output there).
commands="$(realpath "${1:-$(dirname "$0")/commands.txt}")"
while IFS= read -r command; do
  printf "\\\\echo '### %s'\n%s\n" "${command//\\/\\\\}" "$command"
done < "$commands"
