#!/usr/bin/env bash
# Configures and builds Passerelle into build/ (or $BUILD_DIR): every target,
# or only those named.   Usage: scripts/build.sh [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  ${CMAKE_ARGS:-} >/dev/null
ninja -C "$build_dir" -j"$(nproc)" "$@"
