#!/bin/bash
# The psql script that runs commands.txt, each after a marker line naming it (the test splits the output there).
cd "$(dirname "$0")"
while IFS= read -r command; do
  printf "\\\\echo '### %s'\n%s\n" "${command//\\/\\\\}" "$command"
done < commands.txt
