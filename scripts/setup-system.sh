#!/usr/bin/env bash
# Installs the system packages the build needs (RocksDB's bindings need libclang) if missing,
# and the S3-protocol server the object-store tests start (moto, from PyPI).
# Safe to run again: it does nothing when everything is present.
set -euo pipefail

need_install=()
# libclang itself, not libclang-cpp (which some images ship alone and bindgen cannot use).
have_libclang() {
  local f
  for f in /usr/lib/llvm-*/lib/libclang.so* /usr/lib/llvm-*/lib/libclang-[0-9]*.so* \
    /usr/lib/x86_64-linux-gnu/libclang.so* /usr/lib/x86_64-linux-gnu/libclang-[0-9]*.so*; do
    [ -e "$f" ] && return 0
  done
  return 1
}
if ! have_libclang; then
  need_install+=(libclang-dev)
fi
command -v c++ >/dev/null 2>&1 || need_install+=(g++)
command -v cargo >/dev/null 2>&1 || { echo "cargo not found: install Rust with rustup (https://rustup.rs) first" >&2; exit 1; }

if [ ${#need_install[@]} -gt 0 ]; then
  echo "setup: installing ${need_install[*]} (needed to build RocksDB)" >&2
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root or sudo to install ${need_install[*]}" >&2; exit 1; }
    sudo_cmd="sudo"
  fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_install[@]}" >/dev/null
fi

# The object store's S3 tests run a real S3-protocol server on 127.0.0.1: moto's, from PyPI.
if ! python3 -c "import moto.server, flask" >/dev/null 2>&1; then
  echo "setup: installing moto[server] from PyPI (the S3 server of the object-store tests)" >&2
  python3 -m pip install --quiet --disable-pip-version-check 'moto[server]>=5.1,<6'
fi
