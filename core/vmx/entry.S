/*
 * VM entry and VM exit, after KVM's vmx_vmenter/__vmx_vcpu_run and the
 * RVM tutorial: guest GPRs and CR2 are loaded from struct vcpu right before
 * VMLAUNCH/VMRESUME and saved right after the exit, on a dedicated host
 * stack whose top slot holds the vcpu pointer (HOST_RSP points at it).
 * Offsets are checked against struct vcpu by _Static_assert in vcpu.c.
 */
#define VCPU_RAX 0
#define VCPU_RBX 8
#define VCPU_RCX 16
#define VCPU_RDX 24
#define VCPU_RSI 32
#define VCPU_RDI 40
#define VCPU_RBP 48
#define VCPU_R8 56
#define VCPU_R9 64
#define VCPU_R10 72
#define VCPU_R11 80
#define VCPU_R12 88
#define VCPU_R13 96
#define VCPU_R14 104
#define VCPU_R15 112
#define VCPU_CR2 120
#define VCPU_HOST_RSP 128
#define VCPU_LAUNCHED 136

        .code64
        .text
/*
 * u64 vmx_enter(struct vcpu *v)
 * Returns 0 after a VM exit (through vmx_exit_stub), or the RFLAGS value
 * right after a failed VMLAUNCH/VMRESUME (CF: VMfailInvalid, ZF: VMfailValid).
 */
        .global vmx_enter
vmx_enter:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        pushq   %rdi
        movq    %rsp, VCPU_HOST_RSP(%rdi)

        movq    VCPU_CR2(%rdi), %rax
        movq    %rax, %cr2

        cmpb    $0, VCPU_LAUNCHED(%rdi)        /* MOVs below keep these flags */
        movq    VCPU_RAX(%rdi), %rax
        movq    VCPU_RBX(%rdi), %rbx
        movq    VCPU_RCX(%rdi), %rcx
        movq    VCPU_RDX(%rdi), %rdx
        movq    VCPU_RSI(%rdi), %rsi
        movq    VCPU_RBP(%rdi), %rbp
        movq    VCPU_R8(%rdi), %r8
        movq    VCPU_R9(%rdi), %r9
        movq    VCPU_R10(%rdi), %r10
        movq    VCPU_R11(%rdi), %r11
        movq    VCPU_R12(%rdi), %r12
        movq    VCPU_R13(%rdi), %r13
        movq    VCPU_R14(%rdi), %r14
        movq    VCPU_R15(%rdi), %r15
        movq    VCPU_RDI(%rdi), %rdi
        je      1f
        .global vmx_insn_vmresume      /* symbols for `make debug` breakpoints */
vmx_insn_vmresume:
        vmresume
        jmp     2f
        .global vmx_insn_vmlaunch
1:
vmx_insn_vmlaunch:
        vmlaunch
2:      /* VMfail: still on the C stack; report RFLAGS. */
        pushfq
        popq    %rax
        popq    %rdi
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret

/* HOST_RIP.  RSP = HOST_RSP = address of the slot holding the vcpu pointer. */
        .global vmx_exit_stub
vmx_exit_stub:
        pushq   %rax
        movq    8(%rsp), %rax
        movq    %rbx, VCPU_RBX(%rax)
        movq    %rcx, VCPU_RCX(%rax)
        movq    %rdx, VCPU_RDX(%rax)
        movq    %rsi, VCPU_RSI(%rax)
        movq    %rdi, VCPU_RDI(%rax)
        movq    %rbp, VCPU_RBP(%rax)
        movq    %r8, VCPU_R8(%rax)
        movq    %r9, VCPU_R9(%rax)
        movq    %r10, VCPU_R10(%rax)
        movq    %r11, VCPU_R11(%rax)
        movq    %r12, VCPU_R12(%rax)
        movq    %r13, VCPU_R13(%rax)
        movq    %r14, VCPU_R14(%rax)
        movq    %r15, VCPU_R15(%rax)
        popq    %rbx
        movq    %rbx, VCPU_RAX(%rax)
        movq    %cr2, %rbx
        movq    %rbx, VCPU_CR2(%rax)

        movq    VCPU_HOST_RSP(%rax), %rsp
        popq    %rdi
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        xorl    %eax, %eax
        ret

        .section .note.GNU-stack, "", @progbits
