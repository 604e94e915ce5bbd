#!/usr/bin/env bash
# Builds seed corpora for the fuzz targets under fuzz/seeds/<target> (not committed) from the
# project's own YAML and, when present, the shared corpus (MESH_CORPUS, else ../shared/corpus).
set -euo pipefail
cd "$(dirname "$0")"
root=$(cd .. && pwd)
corpus="${MESH_CORPUS:-$root/../shared/corpus}"
seeds=seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{load_yaml,set_flag,overlay_merge,route_test_file,routing_decision}

# Small files only: libFuzzer's -max_len cuts larger inputs anyway.
copy_small() { # DEST FILES...
  local dest=$1 n=0
  shift
  for f in "$@"; do
    [ -f "$f" ] || continue
    [ "$(stat -c %s "$f")" -le 16384 ] || continue
    n=$((n + 1))
    cp "$f" "$dest/seed-$n-$(basename "$f")"
  done
}

shopt -s nullglob globstar
copy_small "$seeds/load_yaml" "$root"/examples/**/*.yaml "$root"/mesh-api/tests/**/*.yaml \
  "$corpus"/istio-config/*.yaml "$corpus"/online-boutique/**/*.yaml "$corpus"/validation/**/*.yaml
copy_small "$seeds/route_test_file" "$root"/mesh-routing/tests/routes/*.yaml "$root"/examples/routes/*.yaml
copy_small "$seeds/overlay_merge" "$root"/mesh-render/profiles/operator/*.yaml "$corpus"/manifest-generate/**/*.yaml
# The overlay target's first byte picks list merging and the dump format.
for f in "$seeds"/overlay_merge/*; do { printf '\0'; cat "$f"; } > "$f.tmp" && mv "$f.tmp" "$f"; done
# libFuzzer starts with nothing but an empty input when a seed folder is empty.
[ -n "$(ls "$seeds/overlay_merge")" ] || printf '\0spec:\n  profile: demo\n' > "$seeds/overlay_merge/seed-0"

n=0
for flag in 'values.global.hub=docker.io/istio' 'components.ingressGateways[0].enabled=true' \
  'components.ingressGateways[name:istio-ingressgateway].k8s.replicaCount=3' 'meshConfig.accessLogFile=/dev/stdout' \
  'values.global.proxy.resources.requests.cpu=100m' 'tag=1.24.0' 'values.pilot.env.A\.B=x\,y' 'profile=demo' \
  'meshConfig.defaultConfig.proxyMetadata.ISTIO_META_DNS_CAPTURE=true' 'values.gateways.istio-ingressgateway.ports[1].port=8443'; do
  n=$((n + 1))
  printf '%s\n' "$flag" > "$seeds/set_flag/seed-$n"
done
# The routing target reads arbitrary-derived structures: random bytes are as good a start as any.
for i in 1 2 3 4 5 6 7 8; do head -c 512 /dev/urandom > "$seeds/routing_decision/seed-$i"; done
for t in "$seeds"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) seeds"; done
