#!/usr/bin/env bash
# The front end's checks without a browser (make test runs them first; scripts/setup.sh --test installs the tools):
# TypeScript's checker on the JavaScript (JSDoc types; tsconfig.json), ESLint (.eslintrc.json: no function over 150
# lines, no API address outside api.js), and the unit tests of the pure modules (node --test tests/js).
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's eslint lives in /usr/share/nodejs; a Node that is not Debian's does not look there by itself.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
web=Sources/Reports/Resources
for tool in node tsc eslint; do
  command -v "$tool" >/dev/null || { echo "js-check: $tool is missing (scripts/setup.sh --test installs it)" >&2; exit 1; }
done

echo "js-check: tsc --checkJs ($(tsc --version))"
tsc -p tsconfig.json

echo "js-check: eslint ($(eslint --version))"
eslint --no-eslintrc -c .eslintrc.json --max-warnings 0 "$web" tests/js

# The one API client: no other file names an /api/ address, not even in a comment.
if grep -rn "/api/" "$web" --include='*.js' --include='*.html' | grep -v "^$web/api.js:"; then
  echo "js-check: the lines above name /api/ outside api.js" >&2
  exit 1
fi

echo "js-check: node --test tests/js"
node --test tests/js/
