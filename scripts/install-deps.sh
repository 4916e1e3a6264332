#!/usr/bin/env bash
# Installs what Passerelle needs to build, test and run: Debian 12 packages
# only. Idempotent; run as root (or with sudo available).
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config git
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev librocksdb-dev libs2-dev libssl-dev libjemalloc-dev libboost1.81-dev libsodium-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libgoogle-glog-dev
  python3 python3-grpcio python3-grpc-tools python3-protobuf
  # grpc_tools.protoc imports pkg_resources, but Debian's python3-grpc-tools
  # does not depend on the package that has it (the e2e test runs protoc).
  python3-pkg-resources
  # The Europe/Paris zone for "today" (age at start, expiry); without it the
  # programs fall back to UTC and the Paris date test is skipped.
  tzdata
  # The web application's browser test (tests/browser): headless Chromium
  # driven through ChromeDriver by Selenium, all from Debian.
  chromium chromium-driver python3-selenium
  # HTTPS for fetching axe-core below.
  ca-certificates
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  echo "Installing: ${missing[*]}" >&2
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# axe-core, the accessibility checker the browser test runs in the pages
# (not a Debian package): one pinned version from the npm registry, checked
# against its published sha512, into the user's cache (tests use no network).
# Without it the demo still runs; the browser test then fails, saying so.
if ! axe_out=$(/usr/bin/python3 "$(dirname "$0")/../tests/browser/axe_core.py" 2>&1); then
  echo "warning: could not fetch axe-core (the browser test needs it): ${axe_out##*$'\n'}" >&2
fi
