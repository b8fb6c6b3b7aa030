#!/usr/bin/env bash
# Re-fetch the vendored web assets (Leaflet, jQuery, Leaflet.markercluster)
# from the npm registry, pinned by version and by sha512 integrity.
# Only needed to upgrade or to check the committed files; the app, the tests
# and CI use the committed copies and never need npm or the network.
#
#   resources/web/vendor/fetch.sh           # re-fetch into this directory
#   git diff --stat resources/web/vendor    # should show no change
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# name version sha512-integrity (as printed by `npm pack --json`)
packages=(
  "leaflet 1.9.4 sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
  "jquery 3.7.1 sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYUdADVD7CkUUizgkpLfg=="
  "leaflet.markercluster 1.5.3 sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA=="
)

# Files to keep from each package tarball, as "source-in-tarball:dest-in-vendor-dir".
files_for() {
  case "$1" in
    leaflet) echo "dist/leaflet.js:leaflet.js dist/leaflet.css:leaflet.css dist/images:images LICENSE:LICENSE" ;;
    jquery) echo "dist/jquery.min.js:jquery.min.js LICENSE.txt:LICENSE.txt" ;;
    leaflet.markercluster) echo "dist/leaflet.markercluster.js:leaflet.markercluster.js dist/MarkerCluster.css:MarkerCluster.css dist/MarkerCluster.Default.css:MarkerCluster.Default.css MIT-LICENCE.txt:MIT-LICENCE.txt" ;;
    *) echo "unknown package $1" >&2; return 1 ;;
  esac
}

command -v npm >/dev/null || { echo "fetch.sh: npm is required (apt-get install npm)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for entry in "${packages[@]}"; do
  read -r name version integrity <<<"$entry"
  echo "== $name@$version"
  (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null)
  tgz="$tmp/$name-$version.tgz"
  actual="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  if [[ "$actual" != "$integrity" ]]; then
    echo "integrity mismatch for $name@$version: got $actual" >&2
    exit 1
  fi
  mkdir -p "$tmp/$name"
  tar -xzf "$tgz" -C "$tmp/$name"
  dest="$here/$name"
  rm -rf "$dest"
  mkdir -p "$dest"
  for pair in $(files_for "$name"); do
    src="${pair%%:*}" dst="${pair#*:}"
    cp -R "$tmp/$name/package/$src" "$dest/$dst"
  done
  # Tarball entries carry npm's fixed timestamps; normalise modes for git.
  find "$dest" -type d -exec chmod 755 {} + && find "$dest" -type f -exec chmod 644 {} +
done
echo "done: $(cd "$here" && find . -type f ! -name fetch.sh ! -name README.md | sort | tr '\n' ' ')"
