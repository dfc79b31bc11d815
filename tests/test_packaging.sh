#!/bin/sh
# The packaging a user builds against: `make install PREFIX=...` (header,
# tools, mamba.pc, the CMake package), a program compiled with pkg-config, and
# tests/consumer/ built with CMake by add_subdirectory, by FetchContent, and by
# find_package from the `make install` prefix and from a `cmake --install`
# prefix; each program runs on the bundled model. Without cmake the CMake
# builds are skipped, with a message. Ends with "N passed, N failed".
#   sh tests/test_packaging.sh   (run from the repository root)
passed=0; failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory "$@"; }
root=$(pwd)
work=$root/build/tmp/packaging
rm -rf "$work"; mkdir -p "$work"
version=$(sed -n 's/^#define MAMBA_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' mamba.h | paste -sd.)

# the consumer's output: the version line, then text continuing the prompt
check_run() {   # what, program
    out=$("$2" models/shakespeare-tiny 2>"$work/err"); rc=$?
    if [ "$rc" -eq 0 ] && printf '%s\n' "$out" | head -n 1 | grep -qx "mamba.h $version" &&
       [ "$(printf '%s\n' "$out" | sed -n 2p | cut -c1-6)" = "ROMEO:" ] && [ "$(printf '%s' "$out" | wc -c)" -gt 40 ]; then ok
    else bad "$1: exit $rc, output '$(printf '%s' "$out" | head -c 120)' $(head -c 300 "$work/err")"; fi
}

# make install
mk install PREFIX="$work/prefix" > "$work/install.log" 2>&1 && ok || bad "make install: $(tail -n 5 "$work/install.log")"
for f in include/mamba.h bin/mamba-generate bin/mamba-logits bin/mamba-tokenize bin/mamba-perplexity bin/mamba-quantize \
         lib/pkgconfig/mamba.pc lib/cmake/mamba/mambaConfig.cmake lib/cmake/mamba/mambaConfigVersion.cmake; do
    [ -f "$work/prefix/$f" ] && ok || bad "make install did not install $f"
done
cmp -s mamba.h "$work/prefix/include/mamba.h" && ok || bad "installed mamba.h differs"
"$work/prefix/bin/mamba-generate" --help >/dev/null 2>&1 && ok || bad "installed mamba-generate --help"

# pkg-config
if command -v pkg-config >/dev/null 2>&1; then
    pv=$(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --modversion mamba 2>&1)
    [ "$pv" = "$version" ] && ok || bad "pkg-config --modversion mamba: '$pv', want $version"
    flags=$(PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig" pkg-config --cflags --libs mamba)
    # shellcheck disable=SC2086
    ${CC:-cc} -std=c11 -O1 tests/consumer/main.c $flags -o "$work/pc-consumer" 2>"$work/pc.log" && ok || bad "cc with pkg-config: $(head -c 300 "$work/pc.log")"
    [ -x "$work/pc-consumer" ] && check_run "pkg-config build" "$work/pc-consumer"
else
    echo "SKIPPED pkg-config: not installed (Debian: pkg-config)"
fi

if command -v cmake >/dev/null 2>&1; then
    build() {   # what, build dir, cmake arguments...
        what=$1; dir=$2; shift 2
        if cmake -S tests/consumer -B "$dir" "$@" > "$dir.log" 2>&1 && cmake --build "$dir" >> "$dir.log" 2>&1; then ok
            check_run "$what" "$dir/consumer"
        else bad "$what: $(tail -n 8 "$dir.log")"; fi
    }
    build "CMake add_subdirectory" "$work/sub" -DMAMBA_WAY=subdirectory -DMAMBA_SOURCE="$root"
    build "CMake FetchContent" "$work/fetch" -DMAMBA_WAY=fetchcontent -DMAMBA_SOURCE="$root"
    build "CMake find_package (make install)" "$work/pkg" -DMAMBA_WAY=package -DCMAKE_PREFIX_PATH="$work/prefix"
    # the repository's own CMake build and install: tools, header, package
    if cmake -S . -B "$work/self" -DCMAKE_INSTALL_PREFIX="$work/cprefix" > "$work/self.log" 2>&1 &&
       cmake --build "$work/self" >> "$work/self.log" 2>&1 && cmake --install "$work/self" >> "$work/self.log" 2>&1; then ok
        [ -x "$work/cprefix/bin/mamba-generate" ] && [ -x "$work/cprefix/bin/mamba-server" ] && [ -f "$work/cprefix/include/mamba.h" ] && ok || bad "cmake --install: tools or header missing"
        build "CMake find_package (cmake --install)" "$work/cpkg" -DMAMBA_WAY=package -DCMAKE_PREFIX_PATH="$work/cprefix"
    else bad "cmake build of the repository: $(tail -n 8 "$work/self.log")"; fi
    # a version this is not: find_package(mamba 9.9) must fail
    sed 's/find_package(mamba 0.2 REQUIRED)/find_package(mamba 9.9 REQUIRED)/' tests/consumer/CMakeLists.txt > "$work/CMakeLists.txt"
    mkdir -p "$work/v99"; cp "$work/CMakeLists.txt" tests/consumer/main.c "$work/v99/"
    if cmake -S "$work/v99" -B "$work/v99/b" -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/v99.log" 2>&1; then bad "find_package(mamba 9.9) succeeded"; else ok; fi
else
    echo "SKIPPED CMake consumer builds: cmake not installed (Debian: cmake)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
