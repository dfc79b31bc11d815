#!/bin/sh
# Firmware checks, run by make test (which builds the images first):
#  - build/firmware.elf (Cortex-M4F, mps2-an386) holds no heap, stdio or file
#    functions (nm), runs under qemu-system-arm and prints the same greedy
#    token ids as the host build (build/mamba-generate, scalar and vector)
#    on the same GGUF blob;
#  - build/firmware-minimal.elf (no tokenizer, writer or safetensors) holds
#    none either, its library .text stays within 32 KiB, and it prints the
#    same ids as build/firmware.elf;
#  - build/firmware-riscv.elf (compile + link only) holds none either.
# A missing toolchain is reported and skipped. Ends with "N passed, N failed".
#   environment: QEMU_ARM (the whole qemu command line), FWCC, RVCC, and
#   HAVE_FW / HAVE_RV (1 when make found the toolchains and built the images)
passed=0; failed=0
ok()   { passed=$((passed + 1)); echo "ok   $*"; }
bad()  { failed=$((failed + 1)); echo "FAIL $*"; }
# malloc family, stdio, files: none may be linked into a no-heap, no-stdio image
forbidden='^(malloc|free|calloc|realloc|reallocf|_malloc_r|_free_r|_calloc_r|_realloc_r|_sbrk|sbrk|_sbrk_r|printf|fprintf|sprintf|snprintf|vprintf|vfprintf|vsnprintf|iprintf|_printf_r|_vfprintf_r|puts|fputs|putchar|fopen|fdopen|freopen|fclose|fread|fwrite|fseek|ftell|fflush|_fopen_r|__sinit|__sfp|open|_open|_open_r|mmap|munmap)$'
check_nm() {   # nm-tool elf label
    if [ ! -f "$2" ]; then bad "$3: $2 was not built"; return; fi
    syms=$("$1" "$2" | awk '{print $NF}' | grep -E "$forbidden" | tr '\n' ' ')
    if [ -z "$syms" ]; then ok "$3: no heap, stdio or file symbols in $2"; else bad "$3: $2 links $syms"; fi
}
FWCC=${FWCC:-arm-none-eabi-gcc}
RVCC=${RVCC:-riscv64-unknown-elf-gcc}
prompt="ROMEO:"
n=64

if [ "${HAVE_FW:-}" = 1 ]; then
    check_nm "${FWCC%gcc}nm" build/firmware.elf "Cortex-M4"
    out=$(timeout 600 $QEMU_ARM 2>&1); rc=$?
    printf '%s\n' "$out" | sed 's/^/   qemu: /'
    if [ "$rc" -eq 0 ]; then ok "firmware ran under qemu (exit 0)"; else bad "firmware exit status $rc"; fi
    fw_ids=$(printf '%s\n' "$out" | sed -n 's/^generated ids: //p')
    if [ -z "$fw_ids" ]; then
        bad "firmware printed no generated ids"
    else
        nfw=$(printf '%s\n' "$fw_ids" | wc -w)
        if [ "$nfw" -eq "$n" ]; then ok "firmware generated $n tokens"; else bad "firmware generated $nfw tokens, not $n"; fi
        for host in build/fwhost/mamba-generate-scalar build/mamba-generate; do
            # --ids echoes the prompt text, then the generated ids
            h=$(OMP_NUM_THREADS=1 "$host" -m build/fw-model.gguf -p "$prompt" -n "$n" --temp 0 --ids 2>/dev/null | head -n 1)
            h=${h#"$prompt"}
            if [ "$h" = "$fw_ids" ]; then ok "firmware ids == $host ids ($n greedy tokens)"
            else bad "firmware ids differ from $host:"; echo "   firmware: $fw_ids"; echo "   host:     $h"; fi
        done
    fi
    # the minimal image (GGUF reader + forward + sampler, ids in and out)
    check_nm "${FWCC%gcc}nm" build/firmware-minimal.elf "Cortex-M4 minimal"
    size() { "${FWCC%gcc}size" -A "$1" | awk -v s=.text '$1 == s {print $2}'; }
    lib=$(( $(size build/firmware-minimal.elf) - $(size build/firmware-baseline.elf) ))
    if [ "$lib" -le 32768 ]; then ok "minimal image: the library adds $lib bytes of .text (<= 32 KiB)"
    else bad "minimal image: the library adds $lib bytes of .text (goal <= 32 KiB)"; fi
    out=$(timeout 600 $(printf '%s' "$QEMU_ARM" | sed 's#build/firmware.elf#build/firmware-minimal.elf#') 2>&1); rc=$?
    printf '%s\n' "$out" | sed 's/^/   qemu minimal: /'
    min_ids=$(printf '%s\n' "$out" | sed -n 's/^generated ids: //p')
    if [ "$rc" -eq 0 ] && [ -n "$min_ids" ] && [ "$min_ids" = "$fw_ids" ]; then ok "minimal image ids == full image ids ($n greedy tokens)"
    else bad "minimal image (exit $rc) ids differ from the full image's:"; echo "   minimal: $min_ids"; echo "   full:    $fw_ids"; fi
else
    echo "SKIPPED Cortex-M4 firmware: $FWCC with newlib-nano or qemu-system-arm not installed (Debian: gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm)"
fi

if [ "${HAVE_RV:-}" = 1 ]; then
    check_nm "${RVCC%gcc}nm" build/firmware-riscv.elf "RISC-V"
else
    echo "SKIPPED RISC-V link check: $RVCC with picolibc not installed (Debian: gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
