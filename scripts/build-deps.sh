#!/usr/bin/env bash
# Installs what building kuber-server needs beyond Rust: libclang for the rocksdb crate's bindgen
# (RocksDB itself is compiled from source by the crate, once per target directory). Safe to run
# again: it only installs what is missing.
set -euo pipefail
if ! ldconfig -p 2>/dev/null | grep -q 'libclang\(-[0-9.]*\)\?\.so' && ! compgen -G '/usr/lib/llvm-*/lib/libclang.so' >/dev/null; then
    echo "[build-deps] apt-get install libclang-dev (for the rocksdb crate)" >&2
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq libclang-dev >/dev/null
fi
