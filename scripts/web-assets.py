#!/usr/bin/env python3
"""Rewrites the list of front-end files in Package.swift and the table in Sources/Reports/WebAssets.swift from the
files under Sources/Reports/Resources (every .js, .css and .html).
Run it after adding, moving or removing a front-end file; ReportsTests checks that the table and the folder agree."""
import os, re, sys

here = os.path.dirname(os.path.abspath(__file__))
# A build in progress must not see its inputs change under it: it writes this file while it runs.
if os.path.exists(os.path.join(here, "..", ".build", "web-assets.lock")):
    print("web-assets: a build is running (.build/web-assets.lock); run this again once it is done")
    sys.exit(0)
reports = os.path.join(here, "..", "Sources", "Reports")
root = os.path.join(reports, "Resources")
files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
               if f.endswith((".js", ".css", ".html")))
seen = {}
for f in files:
    base = os.path.basename(f)
    if base in seen:
        sys.exit(f"web-assets: {f} and {seen[base]} have the same file name (SwiftPM names an embedded file by its name)")
    seen[base] = f
ident = lambda f: re.sub(r"[^A-Za-z0-9_]", "_", os.path.basename(f))
table = "\n".join(f'        "{f}": PackageResources.{ident(f)},' for f in files)
path = os.path.join(reports, "WebAssets.swift")
text = open(path).read()
new = re.sub(r"(static let files: \[String: \[UInt8\]\] = \[\n)(.*?)(\n    \])", lambda m: m.group(1) + table + m.group(3), text, flags=re.S)
if new != text:
    open(path, "w").write(new)
manifest = os.path.join(here, "..", "Package.swift")
text = open(manifest).read()
listing = "".join(f'    "Resources/{f}",\n' for f in files)
new = re.sub(r"(let webAssets: \[String\] = \[\n)(.*?)(\]\n)", lambda m: m.group(1) + listing + m.group(3), text, flags=re.S)
if new != text:
    open(manifest, "w").write(new)
print(f"web-assets: {len(files)} files")
