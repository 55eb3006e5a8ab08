#!/usr/bin/env bash
# Builds the project's image from the repository's Dockerfile with podman and runs both tiny
# presets inside it to their Evaluator, checking that the agent and the ML Metadata store come
# out; prints the image's size and each step's wall time.
#
# Where no container registry is reachable, the Dockerfile's BASE is a stand-in built here
# once and cached: a minimal Debian root (debootstrap) holding this machine's Python 3.10 at
# the same path, with python and pip on PATH as in python:3.10-slim. Containers run with
# `buildah run --isolation chroot` (a sandbox without CAP_SYS_RESOURCE cannot `podman run`).
# Everything it builds lives in podman's storage and in $IMAGE_WORK, nothing in the repository.
#
#   bash scripts/image_check.sh            # IMAGE_TAG (default worldmodels:0.1.0, the tag
#                                          # `worldmodels compile` names) and IMAGE_WORK
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${IMAGE_TAG:-worldmodels:0.1.0}
WORK=${IMAGE_WORK:-/var/tmp/worldmodels-image}
BASE=localhost/worldmodels-base:python3.10
SUITE=bookworm

for tool in podman buildah debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "image_check: $tool is missing; install it with: apt-get install podman buildah debootstrap" >&2
    exit 1; }
done

find_python() {  # the prefix of a Python 3.10, as scripts/setup.sh finds one
  for cand in python3.10 "$HOME/.pyenv/versions/"3.10*/bin/python; do
    if command -v "$cand" >/dev/null 2>&1 \
        && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' 2>/dev/null; then
      "$cand" -c 'import sys; print(sys.prefix)'; return 0
    fi
  done
  return 1
}

step() {  # step NAME COMMAND...: runs it, then prints its wall time
  local name=$1 start=$SECONDS; shift
  "$@"
  echo "image_check: $name: $((SECONDS - start)) s"
}

build_base() {
  local prefix rootfs=$WORK/rootfs
  prefix=$(find_python) || { echo "image_check: no Python 3.10 found on PATH or in pyenv" >&2; exit 1; }
  rm -rf "$rootfs"
  mkdir -p "$WORK"
  debootstrap --variant=minbase --include=libssl3,libsqlite3-0,ca-certificates \
    "$SUITE" "$rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 \
    || { echo "image_check: debootstrap failed; see $WORK/debootstrap.log" >&2; exit 1; }
  mkdir -p "$rootfs$(dirname "$prefix")"
  cp -a "$prefix" "$rootfs$prefix"  # its bin/ (python, pip) leads PATH, as in python:3.10-slim
  tar -C "$rootfs" -c . | podman import \
    --change "ENV PATH=$prefix/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    - "$BASE" >/dev/null
  rm -rf "$rootfs"
}

run_preset() {  # run_preset PRESET: the pipeline inside a fresh container, then its checks
  local preset=$1
  CONTAINER=$(buildah from --quiet "$TAG")
  buildah run --isolation chroot "$CONTAINER" -- \
    worldmodels --quiet run --preset "$preset" --root "/app/runs/$preset"
  buildah run --isolation chroot "$CONTAINER" -- python -W ignore -c "
import os, sys
import tensorflow as tf
from worldmodels.inspect import metadata
root = '/app/runs/$preset'
assert os.path.exists(os.path.join(root, 'metadata.sqlite')), 'no ML Metadata store'
agent = metadata.latest_agent(root)
loaded = tf.saved_model.load(agent.agent_dir)
assert loaded.initial_state(1)['h'].shape[0] == 1
print(f'image_check: $preset inside the image: agent {agent.agent_dir}, ML Metadata '
      f'{root}/metadata.sqlite, {agent.mean_return:.1f} over {agent.episodes} episodes')
"
  buildah rm "$CONTAINER" >/dev/null
  CONTAINER=
}

build_image() {
  podman build --isolation chroot --quiet --build-arg "BASE=$BASE" -t "$TAG" . >/dev/null
}

CONTAINER=
trap '[ -z "$CONTAINER" ] || buildah rm "$CONTAINER" >/dev/null 2>&1 || true' EXIT

if podman image exists "$BASE"; then
  echo "image_check: stand-in base $BASE is cached"
else
  step "stand-in base (debootstrap $SUITE + this machine's Python 3.10)" build_base
fi
step "image $TAG from the Dockerfile" build_image
echo "image_check: image size $(podman image inspect "$TAG" --format '{{.Size}}' \
  | awk '{printf "%.2f GB", $1 / 1e9}')"
step "worldmodels run --preset tiny inside the image" run_preset tiny
step "worldmodels run --preset doom_tiny inside the image" run_preset doom_tiny
echo "image_check: done; the image is $TAG (push it with podman tag/push, see docs/scaling.md)"
