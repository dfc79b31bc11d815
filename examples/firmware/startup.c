/* Start-up code for the Cortex-M4F of QEMU's mps2-an386: vector table, .data
   copy, .bss clear, FPU on, main(), then a semihosting exit that carries the
   result to QEMU's exit status. No C library start files are used. */
#include <stdint.h>
#include <string.h>

extern uint32_t __data_start__[], __data_end__[], __data_load__[], __bss_start__[], __bss_end__[], __stack_top__[];
int main(void);
void Reset_Handler(void);
void Fault_Handler(void);
void fw_exit(int status);
void fw_puts(const char *s);
unsigned long fw_stack_used(void);

#define FW_STACK_PAINT 0xA5A5A5A5u

/* Bytes of stack touched since reset: the lowest word below the top that no
   longer holds the paint (measured, not a bound). */
unsigned long fw_stack_used(void) {
    const uint32_t *p = __bss_end__;
    while (p < __stack_top__ && *p == FW_STACK_PAINT) p++;
    return (unsigned long)((uintptr_t)__stack_top__ - (uintptr_t)p);
}

/* Arm semihosting (the BKPT 0xAB call; QEMU needs -semihosting-config enable=on). */
int fw_semihost(int op, const void *arg);
int fw_semihost(int op, const void *arg) {
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void fw_puts(const char *s) { fw_semihost(0x04, s); }   /* SYS_WRITE0 */

void fw_exit(int status) {
    /* SYS_EXIT with ADP_Stopped_ApplicationExit (QEMU exits 0) or RunTimeErrorUnknown (exits 1) */
    fw_semihost(0x18, (const void *)(uintptr_t)(status == 0 ? 0x20026u : 0x20023u));
    for (;;) {}
}

void Fault_Handler(void) {
    fw_puts("firmware: fault\n");
    fw_exit(1);
}

void Reset_Handler(void) {
    uint32_t *src = __data_load__, *dst;
    for (dst = __data_start__; dst < __data_end__;) *dst++ = *src++;
    for (dst = __bss_start__; dst < __bss_end__;) *dst++ = 0;
    {   /* paint the free RAM below this frame, for fw_stack_used */
        uint32_t *sp;
        __asm__ volatile("mov %0, sp" : "=r"(sp));
        for (dst = __bss_end__; dst < sp - 16;) *dst++ = FW_STACK_PAINT;
    }
    /* CP10 and CP11 full access: the FPU (CPACR, B3.2.20 of the ARMv7-M ARM) */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    fw_exit(main());
}

typedef void (*fw_vector)(void);
/* initial stack pointer, reset, NMI, HardFault, MemManage, BusFault, UsageFault */
__attribute__((section(".vectors"), used)) static const fw_vector vectors[16] = {
    (fw_vector)(uintptr_t)__stack_top__, Reset_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, Fault_Handler, Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler, Fault_Handler};
