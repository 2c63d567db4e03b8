#!/bin/sh
# The Swift library's documentation (DocC) as a static archive: docs/Glassbox.doccarchive (open its index.html
# through a web server, or `docc preview`). The symbol graph is built in its own scratch folder (.build-docs), so
# the usual build is left as it is.
set -eu
out=${1:-docs/Glassbox.doccarchive}
graphs=.build-docs/symbol-graphs
rm -rf "$graphs" && mkdir -p "$graphs"
swift build --scratch-path .build-docs --target Glassbox \
  -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$PWD/$graphs/all"
mkdir -p "$graphs/glassbox"
cp "$graphs"/all/Glassbox*.symbols.json "$graphs/glassbox/"
rm -rf "$out"
docc convert Sources/Glassbox/Glassbox.docc --additional-symbol-graph-dir "$graphs/glassbox" \
  --fallback-display-name Glassbox --fallback-bundle-identifier org.glassbox.Glassbox \
  --output-path "$out" --analyze --warnings-as-errors
echo "documentation: $out"
