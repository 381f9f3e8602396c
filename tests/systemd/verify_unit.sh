#!/usr/bin/env bash
# Tests the shipped systemd files (ARCHITECTURE.md practice 15).
#
#   verify_unit.sh SYSTEMD_SOURCE_DIR [BUILD_DIR]
#
# 1. Configures systemd/gatehouse.service.in the way CMake's configure_file(@ONLY) does, with the
#    binary directory pointing at an executable that exists (the build's gatehoused if there is
#    one, otherwise a stub), because `systemd-analyze verify` rejects a missing ExecStart binary.
# 2. `systemd-analyze verify` must print nothing: any warning (unknown key, bad value, missing
#    command) fails the test.
# 3. `systemd-analyze security --offline=true` must report an overall exposure of 2.0 or lower.
# 4. sysusers.d and tmpfiles.d snippets are applied to a scratch root (when the tools exist;
#    tmpfiles.d only as root, since it chowns).
#
# Exit 0 pass, 1 fail, 77 skip (systemd-analyze not installed).
set -u

MAX_EXPOSURE=2.0

src_dir=${1:?usage: verify_unit.sh SYSTEMD_SOURCE_DIR [BUILD_DIR]}
build_dir=${2:-}

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "SKIP: systemd-analyze not found"
  exit 77
fi

src_dir=$(cd "$src_dir" && pwd) || { echo "FAIL: no directory $1"; exit 1; }
template="$src_dir/gatehouse.service.in"
[[ -f $template ]] || { echo "FAIL: $template not found"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-unit.XXXXXX")
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# --- 1. configure ------------------------------------------------------------------------------
bindir=""
for candidate in "$build_dir/daemon" "$build_dir/bin" "$build_dir"; do
  if [[ -n $build_dir && -x $candidate/gatehoused && ! -d $candidate/gatehoused ]]; then
    bindir=$(cd "$candidate" && pwd)
    break
  fi
done
if [[ -z $bindir ]]; then
  bindir="$work/bin"
  mkdir -p "$bindir"
  true_bin=$(type -P true) || { echo "FAIL: no true(1) executable for the stub"; exit 1; }
  ln -s "$true_bin" "$bindir/gatehoused"
  echo "note: no built gatehoused under '${build_dir:-<none>}', using a stub for ExecStart"
fi

unit_dir="$work/unit"
mkdir -p "$unit_dir"
unit="$unit_dir/gatehouse.service"
sed "s|@CMAKE_INSTALL_FULL_BINDIR@|$bindir|g" "$template" >"$unit"
# Any other @VAR@ outside comments would be a template variable this script does not know.
if grep -v '^[[:space:]]*#' "$unit" | grep -q '@[A-Za-z_][A-Za-z0-9_]*@'; then
  fail "unsubstituted template variables in the unit:"
  grep -n '@[A-Za-z_][A-Za-z0-9_]*@' "$unit" | grep -v ':[[:space:]]*#'
fi

# --- 2. verify ---------------------------------------------------------------------------------
# --man=no: documentation links are not a property of the unit under test.
verify_out=$(cd "$unit_dir" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$unit" 2>&1)
verify_rc=$?
if [[ $verify_rc -ne 0 || -n $verify_out ]]; then
  fail "systemd-analyze verify (exit $verify_rc):"
  printf '%s\n' "$verify_out"
else
  echo "ok: systemd-analyze verify"
fi

# --- 3. security -------------------------------------------------------------------------------
security_out=$(cd "$unit_dir" && SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=true \
  --no-pager "$unit" 2>&1)
score_line=$(printf '%s\n' "$security_out" | grep 'Overall exposure level' | tail -n 1)
score=$(printf '%s\n' "$score_line" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p')
if [[ -z $score ]]; then
  fail "no 'Overall exposure level' in systemd-analyze security output:"
  printf '%s\n' "$security_out"
else
  echo "${score_line#→ }"
  if awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s + 0 > m + 0) }'; then
    fail "exposure $score is above $MAX_EXPOSURE; failing checks:"
    printf '%s\n' "$security_out" | grep '✗'
  else
    echo "ok: exposure $score <= $MAX_EXPOSURE"
  fi
fi

# --- 4. sysusers.d / tmpfiles.d ----------------------------------------------------------------
root="$work/root"
mkdir -p "$root/etc"
if [[ -f $src_dir/gatehouse.sysusers ]] && command -v systemd-sysusers >/dev/null 2>&1; then
  if out=$(systemd-sysusers --root="$root" "$src_dir/gatehouse.sysusers" 2>&1) \
     && grep -q '^gatehouse:' "$root/etc/passwd" && grep -q '^gatehouse:' "$root/etc/group" \
     && grep -q '^gatehouse-operators:' "$root/etc/group"; then
    echo "ok: sysusers creates user and group gatehouse, and group gatehouse-operators"
  else
    fail "systemd-sysusers:"; printf '%s\n' "$out"
  fi
  # tmpfiles chowns to root:gatehouse, which only root may do.
  if [[ -f $src_dir/gatehouse.tmpfiles && $EUID -ne 0 ]]; then
    echo "note: not root, tmpfiles.d check skipped"
  elif [[ -f $src_dir/gatehouse.tmpfiles ]] && command -v systemd-tmpfiles >/dev/null 2>&1; then
    if out=$(systemd-tmpfiles --root="$root" --create "$src_dir/gatehouse.tmpfiles" 2>&1) \
       && [[ -d $root/etc/gatehouse ]] \
       && [[ $(stat -c %a "$root/etc/gatehouse") == 750 ]] \
       && [[ $(stat -c %a "$root/etc/gatehouse/keys") == 700 ]]; then
      echo "ok: tmpfiles creates /etc/gatehouse 0750 and /etc/gatehouse/keys 0700"
    else
      fail "systemd-tmpfiles:"; printf '%s\n' "$out"
    fi
  fi
fi

exit $failed
