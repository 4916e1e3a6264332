#!/usr/bin/env bash
# The README's first two commands, run as a new user would run them: on a
# minimal Debian 12 (`debootstrap --variant=minbase bookworm`, nothing else
# installed), as root, in a clean clone of HEAD, with a clean environment.
# A green CI on an equipped machine hid a missing install step once (issue
# 15: python3-pkg-resources); this catches the next one before it lands.
#
#   sudo scripts/fresh-debian-check.sh
#
# The commands are read from the README's first two fenced code blocks (so
# the README is what is checked, not a copy of it) and run in order under
# chroot, each from the clone's top directory; each one's wall time and exit
# status are reported. Exits non-zero if either fails.
#
# The pristine minbase root is built once and cached as a tarball
# ($FRESH_CACHE, default /var/cache/passerelle-fresh; FRESH_REFRESH=1 builds
# it again); every run starts from a fresh copy of it, so packages installed
# by one run never help the next. FRESH_MIRROR (default
# http://deb.debian.org/debian) is the Debian mirror, FRESH_KEEP=1 keeps the
# run's root (mounts and processes are always cleaned up), FRESH_WORK is
# where the run's root is made (default /var/tmp).
#
# Needs root (chroot, mount) and network access to the mirror. Installs
# debootstrap with apt-get if it is missing.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
suite=bookworm
mirror=${FRESH_MIRROR:-http://deb.debian.org/debian}
cache=${FRESH_CACHE:-/var/cache/passerelle-fresh}
chroot_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# cpu_now: CPU seconds (user + system) of this script's waited-for children
# so far; with the wall time, shows how much a shared machine slowed a
# command. `times` runs in this shell, not in a subshell (which has no
# children of its own yet).
children_cpu() {
  times >"$logs/.times"
  cpu_now=$(awk 'NR == 2 {
    t = 0
    for (i = 1; i <= 2; i++) { split($i, a, "m"); t += a[1] * 60 + a[2] }
    printf "%d\n", t }' "$logs/.times")
}
say() { printf '== fresh-debian-check: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, mount, chroot): sudo $0"
command -v git >/dev/null || die "needs git on the host to clone HEAD"

# The README's first two fenced code blocks, verbatim.
readme_block() {
  awk -v want="$1" '
    /^```/ { if (inside) { inside = 0; if (n == want) exit } else { inside = 1; n++ } ; next }
    inside && n == want { print }
  ' "$repo/README.md"
}
commands=("$(readme_block 1)" "$(readme_block 2)")
for i in 0 1; do
  [ -n "${commands[$i]//[[:space:]]/}" ] || die "README.md has no fenced code block $((i + 1))"
done

if ! command -v debootstrap >/dev/null; then
  say "installing debootstrap"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    debootstrap debian-archive-keyring >/dev/null
fi
arch=$(dpkg --print-architecture)
tarball="$cache/$suite-$arch-minbase.tar"

# --- the pristine root, built once ------------------------------------------
mkdir -p "$cache"
exec 9>"$cache/lock"
flock 9  # one run at a time builds the cache
bootstrap_time="cached ($(date -u -r "$tarball" '+%Y-%m-%d %H:%M UTC' 2>/dev/null || true))"
if [ -n "${FRESH_REFRESH:-}" ] || [ ! -s "$tarball" ]; then
  say "debootstrap --variant=minbase $suite ($arch) from $mirror"
  staging=$(mktemp -d "$cache/debootstrap.XXXXXX")
  start=$(date +%s)
  if ! debootstrap --variant=minbase --arch="$arch" "$suite" "$staging" "$mirror" \
         >"$cache/debootstrap.log" 2>&1; then
    tail -n 30 "$cache/debootstrap.log" >&2
    rm -rf --one-file-system "$staging"
    die "debootstrap failed (log: $cache/debootstrap.log)"
  fi
  # The sources of a fresh Debian 12 install: the release, its updates and
  # security updates.
  rm -f "$staging/etc/apt/sources.list" "$staging"/var/cache/apt/archives/*.deb
  cat >"$staging/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${FRESH_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  chmod 755 "$staging"
  tar -C "$staging" --numeric-owner -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf --one-file-system "$staging"
  bootstrap_time="$(($(date +%s) - start)) s (debootstrap, now cached in $tarball)"
fi
flock -u 9  # a later refresh replaces the tarball by a rename: no harm to us

# --- this run's root: a fresh copy, mounts, a clean clone of HEAD -------------
mkdir -p "${FRESH_WORK:-/var/tmp}"
root=$(mktemp -d "${FRESH_WORK:-/var/tmp}/passerelle-fresh.XXXXXX")
mounted=()

mounts_under_root() {
  awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts
}

# Processes still running inside the root (a server left behind, an agent
# apt started): found by their root directory, ended by pid. Prints their
# pids and names.
end_leftovers() {
  local pid link tries
  for tries in 1 2 3; do
    local left=()
    for link in /proc/[0-9]*/root; do
      pid=${link#/proc/}; pid=${pid%/root}
      [ "$(readlink "$link" 2>/dev/null)" = "$root" ] && left+=("$pid")
    done
    [ ${#left[@]} -eq 0 ] && return 0
    [ "$tries" -gt 1 ] || for pid in "${left[@]}"; do
      printf '%s(%s) ' "$pid" "$(cat "/proc/$pid/comm" 2>/dev/null)"
    done
    if [ "$tries" -lt 3 ]; then kill -TERM "${left[@]}" 2>/dev/null || true; sleep 2
    else kill -KILL "${left[@]}" 2>/dev/null || true; sleep 1; fi
  done
}

cleanup() {
  local status=$? left
  [ -z "${tail_pid:-}" ] || kill "$tail_pid" 2>/dev/null || true
  left=$(end_leftovers)
  left=${left% }
  [ -z "$left" ] || say "ended processes left in the root: $left"
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" 2>/dev/null ||
      say "could not unmount ${mounted[$i]}"
  done
  if [ -n "$(mounts_under_root)" ]; then
    say "still mounted under $root, not removing it:"; mounts_under_root >&2
    status=3
  elif [ -n "${FRESH_KEEP:-}" ]; then
    say "root kept in $root"
  else
    rm -rf --one-file-system "$root"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "fresh root in $root"
tar -C "$root" --numeric-owner -xpf "$tarball"
chmod 755 "$root"  # it is /: apt's _apt user and other users must get in
# The machine's network configuration, as any installed machine has it.
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
[ -s "$root/etc/hosts" ] || cp -L /etc/hosts "$root/etc/hosts"
# ... and the certificate authorities its network adds (a proxy's), which
# Debian's ca-certificates takes in when install-deps.sh installs it.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp -L /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
fi

mount_in() {  # mount_in TARGET mount-args...
  local target="$root$1"; shift
  mkdir -p "$target"
  mount "$@" "$target" || return 1
  mounted+=("$target")
}
mount_in /proc -t proc proc
mount_in /sys -t sysfs -o ro sysfs 2>/dev/null || mount_in /sys --bind /sys
mount_in /dev --bind /dev
mount_in /dev/pts -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts
mount_in /dev/shm -t tmpfs -o mode=1777 tmpfs

head=$(git -C "$repo" rev-parse HEAD)
checkout=/root/passerelle
git clone --quiet --no-hardlinks "$repo" "$root$checkout"
git -C "$root$checkout" checkout --quiet --detach "$head"
say "clean clone of HEAD $(git -C "$repo" log -1 --format='%h %s' HEAD) in $checkout"

# --- the README's commands ----------------------------------------------------
# Each command's output goes to the terminal and to a log kept after the run.
logs="$root.logs"
mkdir -p "$logs"
results=()
failed=0
for i in 0 1; do
  cmd=${commands[$i]}
  log="$logs/command-$((i + 1)).log"
  say "README command $((i + 1)): $cmd"
  : >"$log"  # before tail opens it
  start=$(date +%s)
  children_cpu; cpu_start=$cpu_now
  # The command writes to its log and tail shows it: waiting for the command
  # only (not for a pipe a leftover process may hold open), and in the
  # background so that a signal to this script is handled (cleanup) at once.
  env -i PATH="$chroot_path" HOME=/root LANG=C.UTF-8 TERM=dumb \
    chroot "$root" /bin/bash -e -c 'cd "$1" && eval "$2"' bash "$checkout" "$cmd" \
    </dev/null >"$log" 2>&1 &
  cmd_pid=$!
  tail -n +1 -f --pid="$cmd_pid" "$log" &
  tail_pid=$!
  set +e
  wait "$cmd_pid"
  rc=$?
  set -e
  wait "$tail_pid" || true
  tail_pid=
  elapsed=$(($(date +%s) - start))
  children_cpu; cpu=$((cpu_now - cpu_start))
  if [ "$rc" -ne 0 ]; then
    verdict="FAILED (exit $rc)"
  elif grep -q "The following tests did not run" "$log"; then
    # ctest passes with skipped tests; a skip here means something the
    # suite needs is missing from the machine (e.g. tzdata).
    rc=1
    verdict="FAILED (tests skipped: $(sed -n '/The following tests did not run/,/^$/p' "$log" |
      sed -n 's/^[[:space:]]*[0-9]* - \([^ ]*\).*/\1/p' | paste -sd' '))"
  else
    verdict=ok
  fi
  left=$(end_leftovers)
  left=${left% }
  if [ -n "$left" ]; then
    # A README command must not leave processes behind.
    rc=1
    verdict="FAILED (left running, now ended: $left)"
  fi
  [ "$rc" -eq 0 ] || failed=1
  results+=("$(printf '%-40s %6d s (CPU %d s)  %s' "$cmd" "$elapsed" "$cpu" "$verdict")")
  say "README command $((i + 1)) $verdict after ${elapsed} s"
  [ "$rc" -eq 0 ] || break  # the second command assumes the first worked
done

say "summary (Debian 12 $suite $arch, minbase, as root, clean environment; logs in $logs)"
printf '  %-40s %s\n' "minimal root" "$bootstrap_time" >&2
for r in "${results[@]}"; do printf '  %s\n' "$r" >&2; done
[ ${#results[@]} -eq 2 ] || printf '  %-40s not run\n' "${commands[1]}" >&2
exit "$failed"
