#!/usr/bin/env bash
# Packs sarra-ts as one installable tarball: `bash tools/pack.sh [outdir]` (npm run pack), then
#   npm install -g ./sarra-ts-<version>.tgz        # sr and the sr_* commands on PATH, running the built dist/
# npm does not pack workspace folders with the root package, so the built workspace packages (package.json and
# dist/, no sources, no testkit) are staged as bundled dependencies under node_modules/@sarra/; npm fetches the
# third-party dependencies at install time. Prints the tarball's path.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath "${1:-.}")
npm run build --silent >&2
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r bin configs README.md "$stage/"
mkdir -p "$stage/tools"
cp -r tools/systemd tools/sr.init "$stage/tools/"
pkgs=()
for dir in packages/*/; do
  name=$(basename "$dir")
  [ "$name" = testkit ] && continue
  mkdir -p "$stage/node_modules/@sarra/$name"
  cp "$dir/package.json" "$stage/node_modules/@sarra/$name/"
  cp -r "$dir/dist" "$stage/node_modules/@sarra/$name/"
  pkgs+=("@sarra/$name")
done
node -e '
  const fs = require("node:fs");
  const [stage, ...pkgs] = process.argv.slice(1);
  const root = JSON.parse(fs.readFileSync("package.json", "utf8"));
  const version = (p) => JSON.parse(fs.readFileSync(`${stage}/node_modules/${p}/package.json`, "utf8")).version;
  const thirdParty = {};
  for (const p of pkgs) {
    // ...and taken off the bundled package: npm counts what a bundled package depends on as bundled too, and then
    // leaves it half installed (the winston directory holding only its own node_modules)
    const file = `${stage}/node_modules/${p}/package.json`;
    const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
    for (const [d, v] of Object.entries(pkg.dependencies ?? {})) if (!d.startsWith("@sarra/")) thirdParty[d] = v;
    delete pkg.dependencies;
    fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
  }
  const out = {
    name: root.name, version: root.version, description: root.description, type: root.type, license: root.license,
    engines: root.engines, bin: root.bin,
    // npm does not install what a bundled package depends on: every third-party dependency is listed here
    dependencies: { ...root.dependencies, ...thirdParty, ...Object.fromEntries(pkgs.map((p) => [p, version(p)])) },
    bundleDependencies: pkgs,
  };
  fs.writeFileSync(`${stage}/package.json`, JSON.stringify(out, null, 2) + "\n");
' "$stage" "${pkgs[@]}"
(cd "$stage" && npm pack --silent --pack-destination "$out") | sed "s|^|$out/|"
