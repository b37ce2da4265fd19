/*
 * vmx_root_* - VMX instructions executed by the host: in VMX root operation
 * and outside VMX operation.  Every pre-condition of the operation
 * pseudo-code of SDM Vol. 3 "VMX Instruction Reference" that the image can
 * set up at CPL 0 in 64-bit mode, both sides of each boundary where the
 * passing side is observable, and the order of the checks where two are
 * violated at once.
 *
 * Each scenario executes its instruction(s) on the host, traces what is not
 * VMsucceed (VMFAIL records, or INSNFAULT for an exception the image's
 * exception table caught: #UD, #GP(0), #PF), puts VMX operation back exactly
 * as it found it (CR0/CR4, VMXON with the image's own region, the scenario's
 * VMCS current) and then enters its guest, whose VMCALL exit is the last
 * event of every expectation: proof that the host is again in VMX root
 * operation with a valid current VMCS.  A VMsucceed therefore shows as no
 * record before that exit.
 *
 * Not testable here, and why:
 *  - CPL > 0 (#GP(0) for every instruction), RFLAGS.VM, compatibility mode,
 *    CR0.PE = 0, A20M, SMM, register operands: the image runs only at CPL 0
 *    in 64-bit mode, and the register forms of the memory-operand
 *    instructions encode other instructions (F3 0F C7 /6 mod=11 is
 *    SENDUIPI).
 *  - #GP(0) of VMXON from IA32_FEATURE_CONTROL (lock bit clear, or bit 2
 *    clear outside SMX): the MSR is write-once; the firmware or vmx_init()
 *    locks it with bit 2 set before any scenario runs, and it stays locked
 *    until reset.
 *  - The passing side of the physical-address-width rule for VMXON and
 *    VMPTRLD: an address with bit N-1 set (N = CPUID.80000008H:EAX[7:0])
 *    names no RAM, so the revision identifier they read there is not the
 *    processor's and they fail for that reason instead (VMXON: the same
 *    VMfailInvalid); the passing side is shown with VMCLEAR, which reads
 *    nothing.
 *  - Errors 6 (VMRESUME after VMXOFF: the VMLAUNCH/VMRESUME pseudo-code
 *    never produces it), 16-25 (dual-monitor treatment of SMIs and SMM).
 */
#include "lib.h"
#include "desc.h"
#include "ept.h"
#include "scenario.h"

/* IA32_VMX_EPT_VPID_CAP, appendix "VPID and EPT Capabilities": INVVPID and its types. */
#define VPIDCAP_INVVPID BIT(32)
#define VPIDCAP_TYPE(t) BIT(40 + (t)) /* 0 individual-address, 1 single-context, 2 all-context,
				       * 3 single-context-retaining-globals */
/* 4-level paging (CR4.LA57 = 0): bit 47 set alone is not canonical, 0x7ffffffff000 is
 * (Vol. 1 "Canonical Addressing"); the image maps only the first GiB, so the canonical one
 * takes #PF. */
#define NONCANONICAL_4L 0x0000800000000000ULL
#define CANONICAL_UNMAPPED 0x00007ffffffff000ULL
#define PF_ERR_WRITE 2 /* #PF error code: not present, write, supervisor */

static u8 other_vmxon[4096] ALIGNED(4096); /* a VMXON region besides the image's own */
static u8 other_vmcs[4096] ALIGNED(4096); /* a VMCS region besides the scenario's */

static u32 revision(void) { return (u32)vmx_caps.basic & 0x7fffffff; }
static u64 this_vmcs(struct scenario_ctx *ctx) { return (u64)ctx->vcpu->vmcs; }

static void NORETURN root_fatal(const char *what, struct vmx_outcome o)
{
	trace("FATAL", "what=%s outcome=%s err=%u vector=%d", what, vmx_outcome_name(o.kind), o.error, o.vector);
	trace("FINISH", "status=FATAL");
	platform_exit(4);
}

/* Trace one instruction's outcome: a VMFAIL or INSNFAULT record; nothing for VMsucceed. */
static struct vmx_outcome note(struct scenario_ctx *ctx, const char *insn, struct vmx_outcome o)
{
	switch (o.kind) {
	case VMX_SUCCEED:
		break;
	case VMX_FAIL_VALID:
		trace("VMFAIL", "insn=%s kind=valid err=%u", insn, o.error);
		ctx->vcpu->vmfails++;
		break;
	case VMX_FAIL_INVALID:
		trace("VMFAIL", "insn=%s kind=invalid", insn);
		ctx->vcpu->vmfails++;
		break;
	case VMX_FAULT:
		trace("INSNFAULT", "insn=%s vector=%d error_code=%#lx", insn, o.vector, o.error_code);
		break;
	}
	return o;
}

/* --- the instructions, each with an exception-table fixup (vmx.h VMX_INSN) ------------------- */

#define RUN(asm_text, ...)                                                             \
	({                                                                             \
		struct fault_info f_;                                                  \
		u64 fl_;                                                               \
		fault_arm(&f_);                                                        \
		asm volatile(VMX_INSN(asm_text) : [fl] "=r"(fl_) : __VA_ARGS__ : "cc", "memory"); \
		fault_disarm();                                                        \
		vmx_outcome_of(fl_, &f_);                                              \
	})

static struct vmx_outcome do_vmxoff(void) { return RUN("vmxoff", "i"(0)); }
static struct vmx_outcome do_vmlaunch(void) { return RUN("vmlaunch", "i"(0)); }
static struct vmx_outcome do_vmresume(void) { return RUN("vmresume", "i"(0)); }
/* RAX = 0 and declared changed: KVM takes VMCALL for its hypercall (RAX = number, result in RAX) and
 * leaves RFLAGS as they were, so they are set first to CF = ZF = 0 (TEST of a nonzero RSP): a VMCALL
 * that writes no flags then reads as VMsucceed, never as a VMfail by accident. */
static struct vmx_outcome do_vmcall(void)
{
	struct fault_info f;
	u64 fl, rax = 0;
	fault_arm(&f);
	asm volatile("test %%rsp, %%rsp\n" VMX_INSN("vmcall") : [fl] "=r"(fl), "+a"(rax) : : "cc", "memory");
	fault_disarm();
	return vmx_outcome_of(fl, &f);
}
static struct vmx_outcome do_vmfunc(void) { return RUN("vmfunc", "a"(0), "c"(0)); }
static struct vmx_outcome do_vmptrst(u64 addr) { return RUN("vmptrst (%[a])", [a] "r"(addr)); }
static struct vmx_outcome do_vmread(u64 enc)
{
	struct fault_info f;
	u64 fl, val = 0;
	fault_arm(&f);
	asm volatile(VMX_INSN("vmread %[f], %[v]") : [fl] "=r"(fl), [v] "+r"(val) : [f] "r"(enc) : "cc", "memory");
	fault_disarm();
	return vmx_outcome_of(fl, &f);
}
static struct vmx_outcome do_vmwrite(u64 enc, u64 val) { return RUN("vmwrite %[v], %[f]", [f] "r"(enc), [v] "r"(val)); }
static struct vmx_outcome do_vmread_mem(u64 enc, u64 addr) { return RUN("vmread %[f], (%[a])", [f] "r"(enc), [a] "r"(addr)); }
static struct vmx_outcome do_vmwrite_mem(u64 enc, u64 addr) { return RUN("vmwrite (%[a]), %[f]", [f] "r"(enc), [a] "r"(addr)); }
static struct vmx_outcome do_invept(u64 type, u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };
	return RUN("invept (%[d]), %[t]", [d] "r"(&desc), [t] "r"(type));
}
static struct vmx_outcome do_invvpid(u64 type, u64 vpid_word, u64 addr)
{
	struct { u64 vpid, addr; } desc = { vpid_word, addr };
	return RUN("invvpid (%[d]), %[t]", [d] "r"(&desc), [t] "r"(type));
}

/* --- leaving and re-entering VMX operation ------------------------------------------------------ */

static u64 saved_cr0, saved_cr4;

/* VMCLEAR the scenario's VMCS (its data goes to memory: SDM "VMXOFF" asks software to do so), VMXOFF. */
static void leave_vmx(struct scenario_ctx *ctx)
{
	saved_cr0 = read_cr0();
	saved_cr4 = read_cr4();
	struct vmx_outcome o = vmx_clear(this_vmcs(ctx));
	if (o.kind == VMX_SUCCEED)
		o = do_vmxoff();
	if (o.kind != VMX_SUCCEED)
		root_fatal("vmx_root_leave", o);
}

/* CR0/CR4 as before, VMXON with the image's own region, the scenario's VMCS current again. */
static void reenter_vmx(struct scenario_ctx *ctx)
{
	write_cr0(saved_cr0);
	write_cr4(saved_cr4);
	*(u32 *)vmx_vmxon_pointer() = revision();
	struct vmx_outcome o = vmx_on(vmx_vmxon_pointer());
	if (o.kind == VMX_SUCCEED)
		o = vmx_ptrld(this_vmcs(ctx));
	if (o.kind != VMX_SUCCEED)
		root_fatal("vmx_root_reenter", o);
}

/* The scenario's VMCS current again (after a case that cleared it or loaded another). */
static void reload_vmcs(struct scenario_ctx *ctx)
{
	vmx_clear((u64)other_vmcs);
	struct vmx_outcome o = vmx_ptrld(this_vmcs(ctx));
	if (o.kind != VMX_SUCCEED)
		root_fatal("vmx_root_vmptrld", o);
}

static void root_guest(void)
{
	for (;;)
		guest_vmcall();
}

/* Every body ends here: enter the guest, trace its VMCALL exit. */
static enum scenario_status run_guest(struct scenario_ctx *ctx)
{
	struct vcpu_exit e = vcpu_run(ctx->vcpu);
	scenario_trace_result(ctx, &e, false);
	return SCN_DONE;
}

#define LAST "VMCALL len=3 end"
#define ROOT_SCENARIO(id, expect_, cite_, ...)                                                   \
	static enum scenario_status body_##id(struct scenario_ctx *ctx);                         \
	SCENARIO(id, .guest = root_guest, .body = body_##id, .expect = expect_ LAST, .cite = cite_, \
		 ##__VA_ARGS__);                                                                   \
	static enum scenario_status body_##id(struct scenario_ctx *ctx)

#define CITE(page) "SDM Vol. 3 \"VMX Instruction Reference\": \"" page "\" operation; \"VM Instruction Error Numbers\""
#define C_VMXON CITE("VMXON-Enter VMX Operation")
#define C_VMXOFF CITE("VMXOFF-Leave VMX Operation")
#define C_VMCLEAR CITE("VMCLEAR-Clear Virtual-Machine Control Structure")
#define C_VMPTRLD CITE("VMPTRLD-Load Pointer to Virtual-Machine Control Structure")
#define C_VMPTRST CITE("VMPTRST-Store Pointer to Virtual-Machine Control Structure")
#define C_VMREAD CITE("VMREAD-Read Field from Virtual-Machine Control Structure")
#define C_VMWRITE CITE("VMWRITE-Write Field to Virtual-Machine Control Structure")
#define C_VMLAUNCH CITE("VMLAUNCH/VMRESUME-Launch/Resume Virtual Machine")
#define C_INVEPT CITE("INVEPT-Invalidate Translations Derived from EPT")
#define C_INVVPID CITE("INVVPID-Invalidate Translations Based on VPID")
#define C_VMCALL CITE("VMCALL-Call to VM Monitor")
#define C_VMFUNC CITE("VMFUNC-Invoke VM function")
#define C_CANON "; Vol. 1 \"Canonical Addressing\" (4-level paging: bits 63:47 identical)"

/* ---- VMXON ------------------------------------------------------------------------------------ */

ROOT_SCENARIO(vmx_root_vmxon_in_root, "VMFAIL_VALID(VMXON_IN_VMX_ROOT) insn=VMXON; ",
	      C_VMXON ": in VMX root operation, CPL 0: VMfail(\"VMXON executed in VMX root operation\")")
{
	note(ctx, "VMXON", vmx_on(vmx_vmxon_pointer()));
	return run_guest(ctx);
}

/* The root-operation test comes before any test of the operand: an invalid pointer still gives 15. */
ROOT_SCENARIO(vmx_root_vmxon_in_root_bad_pointer, "VMFAIL_VALID(VMXON_IN_VMX_ROOT) insn=VMXON; ",
	      C_VMXON ": the ELSIF chain tests \"in VMX root operation\" without reading the operand")
{
	note(ctx, "VMXON", vmx_on(vmx_vmxon_pointer() | 0x800 | BIT(63)));
	return run_guest(ctx);
}

/* VMfail with no current VMCS is VMfailInvalid (SDM "Conventions": VMfail). */
ROOT_SCENARIO(vmx_root_vmxon_in_root_no_vmcs, "VMFAIL_INVALID insn=VMXON; ",
	      C_VMXON "; \"Conventions\": VMfail is VMfailInvalid when the current-VMCS pointer is not valid")
{
	vmx_clear(this_vmcs(ctx));
	note(ctx, "VMXON", vmx_on(vmx_vmxon_pointer()));
	reload_vmcs(ctx);
	return run_guest(ctx);
}

/* Outside VMX operation: VMXON with pointer ptr (the other region, prepared by prep). */
static enum scenario_status vmxon_outside(struct scenario_ctx *ctx, u64 ptr, u32 rev)
{
	memset(other_vmxon, 0, sizeof(other_vmxon));
	*(u32 *)other_vmxon = rev;
	*(u32 *)(other_vmxon + 0x800) = rev; /* so that a misaligned pointer finds a valid one too */
	leave_vmx(ctx);
	struct vmx_outcome o = note(ctx, "VMXON", vmx_on(ptr));
	if (o.kind == VMX_SUCCEED && do_vmxoff().kind != VMX_SUCCEED)
		root_fatal("vmx_root_vmxoff", o);
	reenter_vmx(ctx);
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmxon_other_region, "",
	      C_VMXON ": 4-KByte aligned, no bit beyond the physical-address width, rev[30:0] = the VMCS "
	      "revision identifier and rev[31] = 0: VMsucceed")
{
	return vmxon_outside(ctx, (u64)other_vmxon, revision());
}

ROOT_SCENARIO(vmx_root_vmxon_not_4k_aligned, "VMFAIL_INVALID insn=VMXON; ",
	      C_VMXON ": \"addr is not 4KB-aligned\" -> VMfailInvalid (pointer = region + 800H, a valid revision "
	      "identifier at both)")
{
	return vmxon_outside(ctx, (u64)other_vmxon + 0x800, revision());
}

ROOT_SCENARIO(vmx_root_vmxon_bit_pa_width, "VMFAIL_INVALID insn=VMXON; ",
	      C_VMXON ": \"addr sets any bits beyond the physical-address width\" -> VMfailInvalid; pointer = "
	      "region | bit N, N = CPUID.80000008H:EAX[7:0] (SETUP record)")
{
	u64 ptr = (u64)other_vmxon | (u64)BIT(vmx_caps.pa_width);
	scenario_setup("field=VMXON_POINTER value=%#lx pa_width=%u", ptr, vmx_caps.pa_width);
	return vmxon_outside(ctx, ptr, revision());
}

ROOT_SCENARIO(vmx_root_vmxon_bit63, "VMFAIL_INVALID insn=VMXON; ",
	      C_VMXON ": \"addr sets any bits beyond the physical-address width\" (bit 63) -> VMfailInvalid")
{
	return vmxon_outside(ctx, (u64)other_vmxon | BIT(63), revision());
}

ROOT_SCENARIO(vmx_root_vmxon_wrong_revision, "VMFAIL_INVALID insn=VMXON; ",
	      C_VMXON ": \"rev[30:0] != VMCS revision identifier supported by processor\" -> VMfailInvalid")
{
	return vmxon_outside(ctx, (u64)other_vmxon, revision() ^ 1);
}

ROOT_SCENARIO(vmx_root_vmxon_revision_bit31, "VMFAIL_INVALID insn=VMXON; ",
	      C_VMXON ": \"rev[31] = 1\" -> VMfailInvalid")
{
	return vmxon_outside(ctx, (u64)other_vmxon, revision() | BIT(31));
}

ROOT_SCENARIO(vmx_root_vmxon_cr4_vmxe_clear, "FAULT(UD) insn=VMXON; ",
	      C_VMXON ": \"(CR4.VMXE = 0) ... THEN #UD\"")
{
	leave_vmx(ctx);
	write_cr4(saved_cr4 & ~X86_CR4_VMXE);
	note(ctx, "VMXON", vmx_on(vmx_vmxon_pointer()));
	reenter_vmx(ctx);
	return run_guest(ctx);
}

/* CR0.NE, where IA32_VMX_CR0_FIXED0 requires it: the one fixed CR0 bit that 64-bit mode may clear. */
static bool setup_cr0_ne_fixed(struct scenario_ctx *ctx)
{
	if (!(vmx_caps.cr0_fixed0 & X86_CR0_NE)) {
		ctx->skip_reason = "cr0_ne_not_fixed_to_1";
		return false;
	}
	scenario_setup("field=CR0 value=%#lx cr0_fixed0=%#lx", (u64)(read_cr0() & ~X86_CR0_NE), vmx_caps.cr0_fixed0);
	return true;
}

ROOT_SCENARIO(vmx_root_vmxon_cr0_ne_clear, "FAULT(GP) err=0 insn=VMXON; ",
	      C_VMXON ": \"the values of CR0 and CR4 are not supported in VMX operation\" -> #GP(0); "
	      "\"Restrictions on VMX Operation\": a bit set in IA32_VMX_CR0_FIXED0 must be 1 (CR0.NE)",
	      .setup = setup_cr0_ne_fixed)
{
	leave_vmx(ctx);
	write_cr0(saved_cr0 & ~X86_CR0_NE);
	note(ctx, "VMXON", vmx_on(vmx_vmxon_pointer()));
	reenter_vmx(ctx);
	return run_guest(ctx);
}

/*
 * A CR4 bit that IA32_VMX_CR4_FIXED1 reports 0 ("must be 0 in VMX operation") but MOV to CR4 accepts
 * outside VMX operation.  Candidates: bits whose effect on the image at CPL 0 is nil (TSD, DE, PCE,
 * OSXMMEXCPT, UMIP, SMXE, FSGSBASE, OSXSAVE, PKE with PKRU = 0); the first one the platform lets MOV
 * set is used.  Where FIXED1 allows every bit MOV accepts (IA32_VMX_CR0_FIXED1 likewise: its 1-bits
 * cover all of CR0[31:0], and CR0[63:32] are reserved) the scenario is skipped.
 */
static bool mov_cr4_safe(u64 v)
{
	struct fault_info f;
	fault_arm(&f);
	asm volatile("1: mov %0, %%cr4\n2:\n.pushsection .extable, \"a\"\n.balign 8\n.quad 1b, 2b\n.popsection"
		     : : "r"(v) : "memory");
	fault_disarm();
	return f.vector < 0;
}

static enum scenario_status body_cr4_fixed1(struct scenario_ctx *ctx)
{
	static const u8 candidates[] = { 2, 3, 8, 10, 11, 14, 16, 18, 22 };
	leave_vmx(ctx);
	int bit = -1;
	for (size_t i = 0; i < ARRAY_SIZE(candidates) && bit < 0; i++) {
		u64 b = BIT(candidates[i]);
		if (!(saved_cr4 & b) && !(vmx_caps.cr4_fixed1 & b) && mov_cr4_safe(saved_cr4 | b))
			bit = candidates[i];
	}
	if (bit < 0) {
		reenter_vmx(ctx);
		ctx->skip_reason = "no_cr4_bit_outside_fixed1_that_mov_accepts";
		return SCN_SKIP;
	}
	scenario_setup("field=CR4 value=%#lx cr4_fixed1=%#lx bit=%d", (u64)(saved_cr4 | BIT(bit)),
		       vmx_caps.cr4_fixed1, bit);
	note(ctx, "VMXON", vmx_on(vmx_vmxon_pointer()));
	reenter_vmx(ctx);
	return run_guest(ctx);
}
SCENARIO(vmx_root_vmxon_cr4_fixed1, .guest = root_guest, .body = body_cr4_fixed1,
	 .expect = "FAULT(GP) err=0 insn=VMXON; " LAST,
	 .cite = C_VMXON ": \"the values of CR0 and CR4 are not supported in VMX operation\" -> #GP(0); "
		 "\"Restrictions on VMX Operation\": a bit clear in IA32_VMX_CR4_FIXED1 must be 0 (SETUP record: the bit)");

/* After VMXON the current-VMCS pointer is FFFFFFFF_FFFFFFFFH: VMREAD gives VMfailInvalid. */
ROOT_SCENARIO(vmx_root_vmxon_no_current_vmcs, "VMFAIL_INVALID insn=VMREAD; ",
	      C_VMXON ": \"current-VMCS pointer := FFFFFFFF_FFFFFFFFH\"; " C_VMREAD
	      ": \"current-VMCS pointer is not valid\" -> VMfailInvalid")
{
	leave_vmx(ctx);
	struct vmx_outcome o = vmx_on(vmx_vmxon_pointer());
	if (o.kind != VMX_SUCCEED)
		root_fatal("vmx_root_vmxon", o);
	note(ctx, "VMREAD", do_vmread(GUEST_RIP));
	reload_vmcs(ctx);
	return run_guest(ctx);
}

/* ---- #UD outside VMX operation (VMXOFF done, CR4.VMXE still 1) --------------------------------- */

enum outside_insn { O_VMXOFF, O_VMCLEAR, O_VMPTRLD, O_VMPTRST, O_VMREAD, O_VMWRITE, O_VMLAUNCH, O_VMRESUME,
		    O_INVEPT, O_INVVPID, O_VMCALL, O_VMFUNC };

static enum scenario_status outside(struct scenario_ctx *ctx, enum outside_insn which, const char *insn)
{
	u64 scratch = 0;
	*(u32 *)other_vmcs = revision();
	leave_vmx(ctx);
	struct vmx_outcome o;
	switch (which) {
	case O_VMXOFF: o = do_vmxoff(); break;
	case O_VMCLEAR: o = vmx_clear((u64)other_vmcs); break;
	case O_VMPTRLD: o = vmx_ptrld((u64)other_vmcs); break;
	case O_VMPTRST: o = do_vmptrst((u64)&scratch); break;
	case O_VMREAD: o = do_vmread(GUEST_RIP); break;
	case O_VMWRITE: o = do_vmwrite(GUEST_RIP, 0); break;
	case O_VMLAUNCH: o = do_vmlaunch(); break;
	case O_VMRESUME: o = do_vmresume(); break;
	case O_INVEPT: o = do_invept(2, 0); break;
	case O_INVVPID: o = do_invvpid(2, 0, 0); break;
	case O_VMCALL: o = do_vmcall(); break;
	default: o = do_vmfunc(); break;
	}
	note(ctx, insn, o);
	reenter_vmx(ctx);
	return run_guest(ctx);
}

#define UD_OUTSIDE(name, which, insn, cite_)                                                     \
	ROOT_SCENARIO(vmx_root_outside_##name, "FAULT(UD) insn=" insn "; ",                         \
		      cite_ ": \"(not in VMX operation) ... THEN #UD\" (after VMXOFF, CR4.VMXE = 1)") \
	{                                                                                        \
		return outside(ctx, which, insn);                                                \
	}
UD_OUTSIDE(vmxoff, O_VMXOFF, "VMXOFF", C_VMXOFF)
UD_OUTSIDE(vmclear, O_VMCLEAR, "VMCLEAR", C_VMCLEAR)
UD_OUTSIDE(vmptrld, O_VMPTRLD, "VMPTRLD", C_VMPTRLD)
UD_OUTSIDE(vmptrst, O_VMPTRST, "VMPTRST", C_VMPTRST)
UD_OUTSIDE(vmread, O_VMREAD, "VMREAD", C_VMREAD)
UD_OUTSIDE(vmwrite, O_VMWRITE, "VMWRITE", C_VMWRITE)
UD_OUTSIDE(vmlaunch, O_VMLAUNCH, "VMLAUNCH", C_VMLAUNCH)
UD_OUTSIDE(vmresume, O_VMRESUME, "VMRESUME", C_VMLAUNCH)
UD_OUTSIDE(invept, O_INVEPT, "INVEPT", C_INVEPT)
UD_OUTSIDE(invvpid, O_INVVPID, "INVVPID", C_INVVPID)
UD_OUTSIDE(vmcall, O_VMCALL, "VMCALL", C_VMCALL)
ROOT_SCENARIO(vmx_root_outside_vmfunc, "FAULT(UD) insn=VMFUNC; ",
	      C_VMFUNC ": \"IF not in VMX non-root operation THEN #UD\" (after VMXOFF)")
{
	return outside(ctx, O_VMFUNC, "VMFUNC");
}

/* ---- VMCLEAR ---------------------------------------------------------------------------------- */

ROOT_SCENARIO(vmx_root_vmclear_vmxon_pointer, "VMFAIL_VALID(VMCLEAR_VMXON_POINTER) insn=VMCLEAR; ",
	      C_VMCLEAR ": \"addr = VMXON pointer\" -> VMfail(VMCLEAR with VMXON pointer)")
{
	note(ctx, "VMCLEAR", vmx_clear(vmx_vmxon_pointer()));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmclear_vmxon_pointer_no_vmcs, "VMFAIL_INVALID insn=VMCLEAR; ",
	      C_VMCLEAR "; \"Conventions\": VMfail is VMfailInvalid when the current-VMCS pointer is not valid")
{
	vmx_clear(this_vmcs(ctx));
	note(ctx, "VMCLEAR", vmx_clear(vmx_vmxon_pointer()));
	reload_vmcs(ctx);
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmclear_not_4k_aligned, "VMFAIL_VALID(VMCLEAR_INVALID_ADDRESS) insn=VMCLEAR; ",
	      C_VMCLEAR ": \"addr is not 4KB-aligned\" -> VMfail(VMCLEAR with invalid physical address)")
{
	note(ctx, "VMCLEAR", vmx_clear((u64)other_vmcs + 0x800));
	reload_vmcs(ctx);
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmclear_bit_pa_width, "VMFAIL_VALID(VMCLEAR_INVALID_ADDRESS) insn=VMCLEAR; ",
	      C_VMCLEAR ": \"addr sets any bits beyond the physical-address width\" -> VMfail(VMCLEAR with invalid "
	      "physical address); addr = region | bit N, N = CPUID.80000008H:EAX[7:0] (SETUP record)")
{
	u64 ptr = (u64)other_vmcs | (u64)BIT(vmx_caps.pa_width);
	scenario_setup("field=VMCLEAR_OPERAND value=%#lx pa_width=%u", ptr, vmx_caps.pa_width);
	note(ctx, "VMCLEAR", vmx_clear(ptr));
	reload_vmcs(ctx);
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmclear_bit_pa_width_minus_1, "",
	      C_VMCLEAR ": the passing side of \"addr sets any bits beyond the physical-address width\": addr = "
	      "bit N-1 alone, 4-KByte aligned, not the VMXON pointer -> VMsucceed (nothing is read from it)")
{
	u64 ptr = (u64)BIT(vmx_caps.pa_width - 1);
	scenario_setup("field=VMCLEAR_OPERAND value=%#lx pa_width=%u", ptr, vmx_caps.pa_width);
	note(ctx, "VMCLEAR", vmx_clear(ptr));
	return run_guest(ctx);
}

/* ---- VMPTRLD ---------------------------------------------------------------------------------- */

static enum scenario_status vmptrld_case(struct scenario_ctx *ctx, u64 ptr, u32 rev)
{
	vmx_clear((u64)other_vmcs);
	memset(other_vmcs, 0, sizeof(other_vmcs));
	*(u32 *)other_vmcs = rev;
	*(u32 *)(other_vmcs + 0x800) = rev;
	note(ctx, "VMPTRLD", vmx_ptrld(ptr));
	reload_vmcs(ctx);
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmptrld_other_vmcs, "",
	      C_VMPTRLD ": 4-KByte aligned, within the physical-address width, not the VMXON pointer, rev[30:0] = "
	      "the revision identifier, rev[31] = 0 -> VMsucceed")
{
	return vmptrld_case(ctx, (u64)other_vmcs, revision());
}

ROOT_SCENARIO(vmx_root_vmptrld_vmxon_pointer, "VMFAIL_VALID(VMPTRLD_VMXON_POINTER) insn=VMPTRLD; ",
	      C_VMPTRLD ": \"addr = VMXON pointer\" -> VMfail(VMPTRLD with VMXON pointer)")
{
	return vmptrld_case(ctx, vmx_vmxon_pointer(), revision());
}

ROOT_SCENARIO(vmx_root_vmptrld_not_4k_aligned, "VMFAIL_VALID(VMPTRLD_INVALID_ADDRESS) insn=VMPTRLD; ",
	      C_VMPTRLD ": \"addr is not 4KB-aligned\" -> VMfail(VMPTRLD with invalid physical address) "
	      "(pointer = region + 800H, a valid revision identifier at both)")
{
	return vmptrld_case(ctx, (u64)other_vmcs + 0x800, revision());
}

ROOT_SCENARIO(vmx_root_vmptrld_bit_pa_width, "VMFAIL_VALID(VMPTRLD_INVALID_ADDRESS) insn=VMPTRLD; ",
	      C_VMPTRLD ": \"addr sets any bits beyond the physical-address width\" -> VMfail(VMPTRLD with invalid "
	      "physical address); addr = region | bit N, N = CPUID.80000008H:EAX[7:0] (SETUP record)")
{
	u64 ptr = (u64)other_vmcs | (u64)BIT(vmx_caps.pa_width);
	scenario_setup("field=VMPTRLD_OPERAND value=%#lx pa_width=%u", ptr, vmx_caps.pa_width);
	return vmptrld_case(ctx, ptr, revision());
}

ROOT_SCENARIO(vmx_root_vmptrld_wrong_revision, "VMFAIL_VALID(VMPTRLD_INCORRECT_REVISION) insn=VMPTRLD; ",
	      C_VMPTRLD ": \"rev[30:0] != VMCS revision identifier supported by processor\" -> VMfail(VMPTRLD with "
	      "incorrect VMCS revision identifier)")
{
	return vmptrld_case(ctx, (u64)other_vmcs, revision() ^ 1);
}

static bool shadowing(void)
{
	return vmx_caps.has_proc2 && ((vmx_caps.proc2 >> 32) & SECONDARY_VMCS_SHADOWING);
}
static bool setup_no_shadowing(struct scenario_ctx *ctx)
{
	if (shadowing())
		ctx->skip_reason = "vmcs_shadowing_supported";
	return !shadowing();
}
static bool setup_shadowing(struct scenario_ctx *ctx)
{
	if (!shadowing())
		ctx->skip_reason = "vmcs_shadowing_not_supported";
	return shadowing();
}

ROOT_SCENARIO(vmx_root_vmptrld_revision_bit31_no_shadowing,
	      "VMFAIL_VALID(VMPTRLD_INCORRECT_REVISION) insn=VMPTRLD; ",
	      C_VMPTRLD ": \"rev[31] = 1 AND processor does not support 1-setting of 'VMCS shadowing'\" -> VMfail("
	      "VMPTRLD with incorrect VMCS revision identifier) (IA32_VMX_PROCBASED_CTLS2 bit 46 = 0)",
	      .setup = setup_no_shadowing)
{
	return vmptrld_case(ctx, (u64)other_vmcs, revision() | BIT(31));
}

ROOT_SCENARIO(vmx_root_vmptrld_revision_bit31_shadowing, "",
	      C_VMPTRLD ": rev[31] = 1 and the processor supports 1-setting of \"VMCS shadowing\" "
	      "(IA32_VMX_PROCBASED_CTLS2 bit 46 = 1) -> VMsucceed (a shadow VMCS)",
	      .setup = setup_shadowing)
{
	return vmptrld_case(ctx, (u64)other_vmcs, revision() | BIT(31));
}

/* ---- VMPTRST ---------------------------------------------------------------------------------- */

ROOT_SCENARIO(vmx_root_vmptrst_noncanonical, "FAULT(GP) err=0 insn=VMPTRST; ",
	      C_VMPTRST " 64-Bit Mode Exceptions: \"#GP(0) If the memory address is in a non-canonical form\" "
	      "(destination 800000000000H)" C_CANON)
{
	note(ctx, "VMPTRST", do_vmptrst(NONCANONICAL_4L));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmptrst_unmapped, "FAULT(PF) err=" STR(PF_ERR_WRITE) " insn=VMPTRST; ",
	      C_VMPTRST ": the canonical side (7FFFFFFFF000H, not mapped): \"#PF(fault-code) If a page fault "
	      "occurs in accessing the memory destination operand\"; Vol. 3 \"Page-Fault Exceptions\": P = 0, "
	      "W/R = 1" C_CANON)
{
	note(ctx, "VMPTRST", do_vmptrst(CANONICAL_UNMAPPED));
	return run_guest(ctx);
}

/* ---- VMREAD / VMWRITE ------------------------------------------------------------------------- */

/* Component encoding: access type 1 (high) exists only for 64-bit fields (SDM "Component Encoding"). */
ROOT_SCENARIO(vmx_root_vmread_high_of_natural_width, "VMFAIL_VALID(UNSUPPORTED_VMCS_COMPONENT) insn=VMREAD; ",
	      C_VMREAD ": \"source operand does not correspond to any VMCS field\" -> VMfailValid(12); encoding "
	      "GUEST_RIP | 1: \"Component Encoding\": access type high \"must be full for 16-bit, 32-bit, and "
	      "natural-width fields\"")
{
	note(ctx, "VMREAD", do_vmread(GUEST_RIP | 1));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmread_high_of_64bit, "",
	      C_VMREAD ": VMCS_LINK_POINTER | 1 (access type high of a 64-bit field) is a VMCS field -> VMsucceed")
{
	note(ctx, "VMREAD", do_vmread(VMCS_LINK_POINTER | 1));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmread_encoding_bit32, "VMFAIL_VALID(UNSUPPORTED_VMCS_COMPONENT) insn=VMREAD; ",
	      C_VMREAD ": in 64-bit mode the source operand has 64 bits; GUEST_RIP | bit 32 corresponds to no VMCS "
	      "field -> VMfailValid(12)")
{
	note(ctx, "VMREAD", do_vmread(GUEST_RIP | BIT(32)));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmwrite_high_of_natural_width, "VMFAIL_VALID(UNSUPPORTED_VMCS_COMPONENT) insn=VMWRITE; ",
	      C_VMWRITE ": \"secondary source operand does not correspond to any VMCS field\" -> VMfailValid(12) "
	      "(GUEST_RIP | 1)")
{
	note(ctx, "VMWRITE", do_vmwrite(GUEST_RIP | 1, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmwrite_encoding_bit32, "VMFAIL_VALID(UNSUPPORTED_VMCS_COMPONENT) insn=VMWRITE; ",
	      C_VMWRITE ": GUEST_RIP | bit 32 corresponds to no VMCS field -> VMfailValid(12)")
{
	note(ctx, "VMWRITE", do_vmwrite(GUEST_RIP | BIT(32), vmcs_read(GUEST_RIP)));
	return run_guest(ctx);
}

static bool vmwrite_any(void) { return vmx_caps.misc & VMX_MISC_VMWRITE_ANY; }
static bool setup_misc29_clear(struct scenario_ctx *ctx)
{
	scenario_setup("field=IA32_VMX_MISC value=%#lx", vmx_caps.misc);
	if (vmwrite_any())
		ctx->skip_reason = "vmwrite_to_exit_information_supported";
	return !vmwrite_any();
}
static bool setup_misc29_set(struct scenario_ctx *ctx)
{
	scenario_setup("field=IA32_VMX_MISC value=%#lx", vmx_caps.misc);
	if (!vmwrite_any())
		ctx->skip_reason = "vmwrite_to_exit_information_not_supported";
	return vmwrite_any();
}

ROOT_SCENARIO(vmx_root_vmwrite_exit_info_misc29_0, "VMFAIL_VALID(VMWRITE_READ_ONLY_COMPONENT) insn=VMWRITE; ",
	      C_VMWRITE ": \"VMCS field indexed by secondary source operand is a VM-exit information field AND the "
	      "processor does not support writing to such fields\" (IA32_VMX_MISC bit 29 = 0; appendix "
	      "\"Miscellaneous Data\") -> VMfailValid(13); field EXIT_QUALIFICATION",
	      .setup = setup_misc29_clear)
{
	note(ctx, "VMWRITE", do_vmwrite(EXIT_QUALIFICATION, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmwrite_exit_info_misc29_1, "",
	      C_VMWRITE ": IA32_VMX_MISC bit 29 = 1 (appendix \"Miscellaneous Data\": \"software can use VMWRITE "
	      "to write to any supported field in the VMCS\") -> VMsucceed; field EXIT_QUALIFICATION",
	      .setup = setup_misc29_set)
{
	note(ctx, "VMWRITE", do_vmwrite(EXIT_QUALIFICATION, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmread_no_vmcs, "VMFAIL_INVALID insn=VMREAD; ",
	      C_VMREAD ": \"current-VMCS pointer is not valid\" -> VMfailInvalid (after VMCLEAR of the current VMCS)")
{
	vmx_clear(this_vmcs(ctx));
	note(ctx, "VMREAD", do_vmread(GUEST_RIP));
	reload_vmcs(ctx);
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmwrite_no_vmcs, "VMFAIL_INVALID insn=VMWRITE; ",
	      C_VMWRITE ": \"current-VMCS pointer is not valid\" -> VMfailInvalid (after VMCLEAR of the current VMCS)")
{
	vmx_clear(this_vmcs(ctx));
	note(ctx, "VMWRITE", do_vmwrite(GUEST_RIP, 0));
	reload_vmcs(ctx);
	return run_guest(ctx);
}

/* Memory operands.  VMREAD: "any faults resulting from accessing a memory destination operand can
 * occur only after determining ... that the relevant VMCS pointer is valid and that the specified
 * VMCS field is supported"; VMWRITE: "... occur after determining ... that the relevant VMCS
 * pointer is valid but before determining if the destination VMCS field is supported". */
#define C_VMREAD_MEM C_VMREAD " (description: faults from the memory destination only after the VMCS pointer " \
		     "and the field are found valid); 64-Bit Mode Exceptions: #GP(0) non-canonical" C_CANON
#define C_VMWRITE_MEM C_VMWRITE " (description: faults from the memory source after the VMCS pointer is found " \
		      "valid, before the field is checked); 64-Bit Mode Exceptions: #GP(0) non-canonical" C_CANON

ROOT_SCENARIO(vmx_root_vmread_mem_noncanonical, "FAULT(GP) err=0 insn=VMREAD; ", C_VMREAD_MEM)
{
	note(ctx, "VMREAD", do_vmread_mem(GUEST_RIP, NONCANONICAL_4L));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmread_mem_unmapped, "FAULT(PF) err=" STR(PF_ERR_WRITE) " insn=VMREAD; ",
	      C_VMREAD_MEM "; the canonical side (7FFFFFFFF000H, not mapped): #PF, P = 0, W/R = 1")
{
	note(ctx, "VMREAD", do_vmread_mem(GUEST_RIP, CANONICAL_UNMAPPED));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmread_mem_noncanonical_unsupported,
	      "VMFAIL_VALID(UNSUPPORTED_VMCS_COMPONENT) insn=VMREAD; ", C_VMREAD_MEM "; field GUEST_RIP | 1")
{
	note(ctx, "VMREAD", do_vmread_mem(GUEST_RIP | 1, NONCANONICAL_4L));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmread_mem_noncanonical_no_vmcs, "VMFAIL_INVALID insn=VMREAD; ", C_VMREAD_MEM)
{
	vmx_clear(this_vmcs(ctx));
	note(ctx, "VMREAD", do_vmread_mem(GUEST_RIP, NONCANONICAL_4L));
	reload_vmcs(ctx);
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmwrite_mem_noncanonical, "FAULT(GP) err=0 insn=VMWRITE; ", C_VMWRITE_MEM)
{
	note(ctx, "VMWRITE", do_vmwrite_mem(GUEST_RIP, NONCANONICAL_4L));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmwrite_mem_noncanonical_unsupported, "FAULT(GP) err=0 insn=VMWRITE; ",
	      C_VMWRITE_MEM "; field GUEST_RIP | 1: the fault comes before the field check")
{
	note(ctx, "VMWRITE", do_vmwrite_mem(GUEST_RIP | 1, NONCANONICAL_4L));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmwrite_mem_noncanonical_no_vmcs, "VMFAIL_INVALID insn=VMWRITE; ", C_VMWRITE_MEM)
{
	vmx_clear(this_vmcs(ctx));
	note(ctx, "VMWRITE", do_vmwrite_mem(GUEST_RIP, NONCANONICAL_4L));
	reload_vmcs(ctx);
	return run_guest(ctx);
}

/* ---- VMLAUNCH / VMRESUME right after MOV SS --------------------------------------------------- */

/*
 * u64 vmx_root_enter_movss(struct vcpu *v, int mode): MOV SS, then (mode 0) VMLAUNCH, (1)
 * VMRESUME, (2) NOP and VMLAUNCH.  The frame is vmx_enter()'s (entry.S), so an entry that
 * succeeds comes back through vmx_exit_stub and returns 0; a VMfail returns RFLAGS.  The
 * guest's GPRs are 0 but RAX (the SS selector).
 */
_Static_assert(offsetof(struct vcpu, host_rsp) == 128, "vmx_root_enter_movss VCPU_HOST_RSP");
u64 vmx_root_enter_movss(struct vcpu *v, int mode);
asm(".text\n.global vmx_root_enter_movss\nvmx_root_enter_movss:\n"
    "push %rbp\npush %rbx\npush %r12\npush %r13\npush %r14\npush %r15\npush %rdi\n"
    "mov %rsp, 128(%rdi)\n"
    "mov %esi, %r8d\n"
    "xor %ebx, %ebx\nxor %ecx, %ecx\nxor %edx, %edx\nxor %esi, %esi\nxor %edi, %edi\nxor %ebp, %ebp\n"
    "xor %r9d, %r9d\nxor %r10d, %r10d\nxor %r11d, %r11d\nxor %r12d, %r12d\nxor %r13d, %r13d\n"
    "xor %r14d, %r14d\nxor %r15d, %r15d\n"
    "mov %ss, %eax\n"
    "cmp $1, %r8d\nje 1f\ncmp $2, %r8d\nje 2f\n"
    "xor %r8d, %r8d\nmov %eax, %ss\nvmlaunch\njmp 3f\n"
    "1: xor %r8d, %r8d\nmov %eax, %ss\nvmresume\njmp 3f\n"
    "2: xor %r8d, %r8d\nmov %eax, %ss\nnop\nvmlaunch\n"
    "3: pushfq\npop %rax\npop %rdi\npop %r15\npop %r14\npop %r13\npop %r12\npop %rbx\npop %rbp\nret\n");

enum { MOVSS_VMLAUNCH, MOVSS_VMRESUME, MOVSS_NOP_VMLAUNCH };

static void movss_enter(struct scenario_ctx *ctx, int mode)
{
	struct vcpu *v = ctx->vcpu;
	const char *insn = mode == MOVSS_VMRESUME ? "VMRESUME" : "VMLAUNCH";
	u64 rflags = vmx_root_enter_movss(v, mode);
	if (rflags) {
		struct fault_info none = { .vector = -1 };
		note(ctx, insn, vmx_outcome_of(rflags, &none));
		return;
	}
	/* The entry succeeded: trace the exit as vcpu_run() would. */
	desc_restore();
	v->exits++;
	v->launched = 1;
	struct vcpu_exit e = { .kind = RESULT_EXIT, .insn = insn };
	vcpu_read_exit(&e);
	scenario_trace_result(ctx, &e, false);
}

#define C_MOVSS C_VMLAUNCH ": \"ELSIF events are being blocked by MOV SS THEN VMfailValid(VM entry with events " \
	"blocked by MOV SS)\"; the VM entry is the instruction right after MOV SS"

ROOT_SCENARIO(vmx_root_vmlaunch_after_mov_ss, "VMFAIL_VALID(ENTRY_EVENTS_BLOCKED_MOV_SS) insn=VMLAUNCH; ", C_MOVSS)
{
	movss_enter(ctx, MOVSS_VMLAUNCH);
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmlaunch_after_mov_ss_nop, "",
	      C_VMLAUNCH ": the passing side: MOV SS, NOP, VMLAUNCH (MOV SS blocks events for the one instruction "
	      "after it: Vol. 3 \"Interrupt and Exception Handling\", MOV SS) -> the entry succeeds")
{
	movss_enter(ctx, MOVSS_NOP_VMLAUNCH);
	/* The guest's VMCALL exit is the expectation's only event; it came from movss_enter(). */
	return SCN_DONE;
}

ROOT_SCENARIO(vmx_root_vmresume_after_mov_ss,
	      "VMCALL len=3 end; VMFAIL_VALID(ENTRY_EVENTS_BLOCKED_MOV_SS) insn=VMRESUME; ", C_MOVSS)
{
	struct vcpu_exit e = vcpu_run(ctx->vcpu);
	scenario_trace_result(ctx, &e, false);
	if (e.kind != RESULT_EXIT || e.entry_fail)
		return SCN_ABORT;
	movss_enter(ctx, MOVSS_VMRESUME);
	return run_guest(ctx); /* VMRESUME: the guest executes its VMCALL again */
}

/* Order: MOV SS blocking is tested before the launch state (error 4 otherwise). */
ROOT_SCENARIO(vmx_root_vmlaunch_after_mov_ss_launched,
	      "VMCALL len=3 end; VMFAIL_VALID(ENTRY_EVENTS_BLOCKED_MOV_SS) insn=VMLAUNCH; ",
	      C_MOVSS "; it comes before \"VMLAUNCH and launch state of current VMCS is not clear\"")
{
	struct vcpu_exit e = vcpu_run(ctx->vcpu);
	scenario_trace_result(ctx, &e, false);
	if (e.kind != RESULT_EXIT || e.entry_fail)
		return SCN_ABORT;
	movss_enter(ctx, MOVSS_VMLAUNCH);
	return run_guest(ctx);
}

/* Order: the current-VMCS pointer is tested before MOV SS blocking. */
ROOT_SCENARIO(vmx_root_vmlaunch_after_mov_ss_no_vmcs, "VMFAIL_INVALID insn=VMLAUNCH; ",
	      C_MOVSS "; \"current-VMCS pointer is not valid\" -> VMfailInvalid comes before it")
{
	vmx_clear(this_vmcs(ctx));
	movss_enter(ctx, MOVSS_VMLAUNCH);
	reload_vmcs(ctx);
	return run_guest(ctx);
}

/* Order: MOV SS blocking is tested before the VMX controls (error 7 otherwise). */
ROOT_SCENARIO(vmx_root_vmlaunch_after_mov_ss_bad_control,
	      "VMFAIL_VALID(ENTRY_EVENTS_BLOCKED_MOV_SS) insn=VMLAUNCH; ",
	      C_MOVSS "; it comes before \"Check settings of VMX controls and host-state area\" (CR3-target "
	      "count 5 would give error 7)")
{
	vmcs_write(CR3_TARGET_COUNT, 5);
	movss_enter(ctx, MOVSS_VMLAUNCH);
	vmcs_write(CR3_TARGET_COUNT, 0);
	return run_guest(ctx);
}

/* ---- VMCALL and VMFUNC in VMX root operation -------------------------------------------------- */

ROOT_SCENARIO(vmx_root_vmcall, "VMFAIL_VALID(VMCALL_IN_VMX_ROOT) insn=VMCALL; ",
	      C_VMCALL ": in VMX root operation, not in SMM, IA32_SMM_MONITOR_CTL bit 0 = 0 (only SMM can set it) "
	      "-> VMfail(VMCALL executed in VMX root operation)")
{
	note(ctx, "VMCALL", do_vmcall());
	return run_guest(ctx);
}

/* The same with a launched current VMCS: still error 1 (the "launch state is not clear" test,
 * error 19, belongs to the dual-monitor activation branch, after it). */
ROOT_SCENARIO(vmx_root_vmcall_launched, "VMCALL len=3 end; VMFAIL_VALID(VMCALL_IN_VMX_ROOT) insn=VMCALL; ",
	      C_VMCALL ": \"ELSIF in SMM or the logical processor does not support the dual-monitor treatment of SMIs "
	      "and SMM or the valid bit in the IA32_SMM_MONITOR_CTL MSR is clear THEN VMfail(VMCALL executed in VMX "
	      "root operation)\" comes before \"launch state of current VMCS is not clear\" (error 19); the current "
	      "VMCS is launched (one VM exit first)")
{
	struct vcpu_exit e = vcpu_run(ctx->vcpu);
	scenario_trace_result(ctx, &e, false);
	if (e.kind != RESULT_EXIT || e.entry_fail)
		return SCN_ABORT;
	note(ctx, "VMCALL", do_vmcall());
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmcall_no_vmcs, "VMFAIL_INVALID insn=VMCALL; ",
	      C_VMCALL "; \"Conventions\": VMfail is VMfailInvalid when the current-VMCS pointer is not valid")
{
	vmx_clear(this_vmcs(ctx));
	note(ctx, "VMCALL", do_vmcall());
	reload_vmcs(ctx);
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_vmfunc, "FAULT(UD) insn=VMFUNC; ",
	      C_VMFUNC ": \"IF not in VMX non-root operation THEN #UD\" (in VMX root operation, EAX = 0)")
{
	note(ctx, "VMFUNC", do_vmfunc());
	return run_guest(ctx);
}

/* ---- INVEPT ----------------------------------------------------------------------------------- */

static bool has_invept(void)
{
	return vmx_caps.has_proc2 && ((vmx_caps.proc2 >> 32) & SECONDARY_ENABLE_EPT) && (ept_cap() & EPTCAP_INVEPT);
}
static bool setup_invept(struct scenario_ctx *ctx)
{
	scenario_setup("field=IA32_VMX_EPT_VPID_CAP value=%#lx", ept_cap());
	if (!has_invept())
		ctx->skip_reason = "invept_not_supported";
	return has_invept();
}
static bool setup_no_invept(struct scenario_ctx *ctx)
{
	if (has_invept())
		ctx->skip_reason = "invept_supported";
	return !has_invept();
}
#define SETUP_INVEPT_CAP(name, bit, want)                                                 \
	static bool setup_##name(struct scenario_ctx *ctx)                                 \
	{                                                                                \
		if (!setup_invept(ctx))                                                  \
			return false;                                                    \
		if (!!(ept_cap() & (bit)) != (want)) {                                   \
			ctx->skip_reason = want ? "invept_type_not_supported" : "invept_type_supported"; \
			return false;                                                    \
		}                                                                        \
		return true;                                                             \
	}
SETUP_INVEPT_CAP(single, EPTCAP_INVEPT_SINGLE, true)
SETUP_INVEPT_CAP(no_single, EPTCAP_INVEPT_SINGLE, false)
SETUP_INVEPT_CAP(all, EPTCAP_INVEPT_ALL, true)
SETUP_INVEPT_CAP(no_all, EPTCAP_INVEPT_ALL, false)

#define C_INVEPT_TYPE C_INVEPT ": \"IA32_VMX_EPT_VPID_CAP MSR indicates that processor does not support " \
	"INVEPT_TYPE\" -> VMfail(Invalid operand to INVEPT/INVVPID); bit 25 single-context (1), bit 26 all-context (2)"

ROOT_SCENARIO(vmx_root_invept_type0, "VMFAIL_VALID(INVALID_INVEPT_INVVPID) insn=INVEPT; ",
	      C_INVEPT_TYPE "; type 0 is none of them", .setup = setup_invept)
{
	note(ctx, "INVEPT", do_invept(0, ept_eptp(false)));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invept_type3, "VMFAIL_VALID(INVALID_INVEPT_INVVPID) insn=INVEPT; ",
	      C_INVEPT_TYPE "; type 3 is none of them", .setup = setup_invept)
{
	note(ctx, "INVEPT", do_invept(3, ept_eptp(false)));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invept_type_bit32, "VMFAIL_VALID(INVALID_INVEPT_INVVPID) insn=INVEPT; ",
	      C_INVEPT_TYPE "; type 100000002H (\"in 64-bit mode, the register operand has 64 bits\")",
	      .setup = setup_invept)
{
	note(ctx, "INVEPT", do_invept(BIT(32) | 2, ept_eptp(false)));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invept_single, "", C_INVEPT_TYPE "; type 1 supported, an EPTP a VM entry accepts "
	      "-> VMsucceed", .setup = setup_single)
{
	note(ctx, "INVEPT", do_invept(1, ept_eptp(false)));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invept_single_bad_eptp, "VMFAIL_VALID(INVALID_INVEPT_INVVPID) insn=INVEPT; ",
	      C_INVEPT ": type 1: \"IF VM entry with the 'enable EPT' VM execution control set to 1 would fail due "
	      "to the EPTP value THEN VMfail(Invalid operand to INVEPT/INVVPID)\"; EPTP with page-walk length 1 "
	      "(bits 5:3 = 0; \"Checks on VM-Execution Control Fields\": only lengths IA32_VMX_EPT_VPID_CAP allows)",
	      .setup = setup_single)
{
	note(ctx, "INVEPT", do_invept(1, ept_eptp(false) & ~(7ULL << 3)));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invept_single_unsupported, "VMFAIL_VALID(INVALID_INVEPT_INVVPID) insn=INVEPT; ",
	      C_INVEPT_TYPE "; type 1 with bit 25 = 0", .setup = setup_no_single)
{
	note(ctx, "INVEPT", do_invept(1, ept_eptp(false)));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invept_all, "", C_INVEPT_TYPE "; type 2 supported -> VMsucceed (the descriptor is not "
	      "checked)", .setup = setup_all)
{
	note(ctx, "INVEPT", do_invept(2, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invept_all_unsupported, "VMFAIL_VALID(INVALID_INVEPT_INVVPID) insn=INVEPT; ",
	      C_INVEPT_TYPE "; type 2 with bit 26 = 0", .setup = setup_no_all)
{
	note(ctx, "INVEPT", do_invept(2, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invept_ud, "FAULT(UD) insn=INVEPT; ",
	      C_INVEPT " 64-Bit Mode Exceptions: #UD \"If the logical processor does not support EPT "
	      "(IA32_VMX_PROCBASED_CTLS2[33]=0)\" or INVEPT (IA32_VMX_EPT_VPID_CAP[20]=0)", .setup = setup_no_invept)
{
	note(ctx, "INVEPT", do_invept(2, 0));
	return run_guest(ctx);
}

/* ---- INVVPID ---------------------------------------------------------------------------------- */

static bool has_invvpid(void)
{
	return vmx_caps.has_proc2 && ((vmx_caps.proc2 >> 32) & SECONDARY_ENABLE_VPID) && (ept_cap() & VPIDCAP_INVVPID);
}
static bool setup_no_invvpid(struct scenario_ctx *ctx)
{
	if (has_invvpid())
		ctx->skip_reason = "invvpid_supported";
	return !has_invvpid();
}
#define SETUP_INVVPID_TYPE(type)                                                           \
	static bool setup_invvpid_type##type(struct scenario_ctx *ctx)                      \
	{                                                                                 \
		scenario_setup("field=IA32_VMX_EPT_VPID_CAP value=%#lx la_width=%u", ept_cap(), \
			       vmx_caps.la_width);                                        \
		if (!has_invvpid() || !(ept_cap() & VPIDCAP_TYPE(type))) {                \
			ctx->skip_reason = "invvpid_type_not_supported";                  \
			return false;                                                     \
		}                                                                         \
		return true;                                                              \
	}
SETUP_INVVPID_TYPE(0)
SETUP_INVVPID_TYPE(1)
SETUP_INVVPID_TYPE(2)
SETUP_INVVPID_TYPE(3)
static bool setup_invvpid(struct scenario_ctx *ctx)
{
	scenario_setup("field=IA32_VMX_EPT_VPID_CAP value=%#lx", ept_cap());
	if (!has_invvpid())
		ctx->skip_reason = "invvpid_not_supported";
	return has_invvpid();
}

#define C_INVVPID_OP C_INVVPID ": type 0 individual-address (IA32_VMX_EPT_VPID_CAP bit 40), 1 single-context " \
	"(41), 2 all-context (42), 3 single-context retaining globals (43)"
#define INVVPID_FAILS "VMFAIL_VALID(INVALID_INVEPT_INVVPID) insn=INVVPID; "

ROOT_SCENARIO(vmx_root_invvpid_type4, INVVPID_FAILS,
	      C_INVVPID_OP "; \"IA32_VMX_EPT_VPID_CAP MSR indicates that processor does not support INVVPID_TYPE\" "
	      "-> VMfail: type 4", .setup = setup_invvpid)
{
	note(ctx, "INVVPID", do_invvpid(4, 1, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_type_bit32, INVVPID_FAILS,
	      C_INVVPID_OP "; type 100000002H (\"in 64-bit mode, the register operand has 64 bits\")",
	      .setup = setup_invvpid)
{
	note(ctx, "INVVPID", do_invvpid(BIT(32) | 2, 1, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_individual_vpid0, INVVPID_FAILS,
	      C_INVVPID_OP "; type 0: \"IF VPID = 0 THEN VMfail(Invalid operand to INVEPT/INVVPID)\"",
	      .setup = setup_invvpid_type0)
{
	note(ctx, "INVVPID", do_invvpid(0, 0, 0x1000));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_individual, "",
	      C_INVVPID_OP "; type 0, VPID 1, linear address 7FFFFFFFFFFFH (canonical for every linear-address "
	      "width >= 48) -> VMsucceed", .setup = setup_invvpid_type0)
{
	note(ctx, "INVVPID", do_invvpid(0, 1, BIT(47) - 1));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_individual_high_canonical, "",
	      C_INVVPID_OP "; type 0, VPID 1, linear address FFFFFFFFFFFFF000H (canonical) -> VMsucceed",
	      .setup = setup_invvpid_type0)
{
	note(ctx, "INVVPID", do_invvpid(0, 1, ~0xfffULL));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_individual_noncanonical, INVVPID_FAILS,
	      C_INVVPID_OP "; type 0: \"IF (GL_ADDR is not in a canonical form) THEN VMfail\"; GL_ADDR = bit N-1 "
	      "alone, N = CPUID.80000008H:EAX[15:8] (SETUP record: not canonical for N, nor for any smaller width)",
	      .setup = setup_invvpid_type0)
{
	note(ctx, "INVVPID", do_invvpid(0, 1, BIT(vmx_caps.la_width - 1)));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_single_vpid0, INVVPID_FAILS,
	      C_INVVPID_OP "; type 1: \"IF VPID = 0 THEN VMfail\"", .setup = setup_invvpid_type1)
{
	note(ctx, "INVVPID", do_invvpid(1, 0, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_single, "", C_INVVPID_OP "; type 1, VPID 1 -> VMsucceed",
	      .setup = setup_invvpid_type1)
{
	note(ctx, "INVVPID", do_invvpid(1, 1, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_all_reserved_bit16, INVVPID_FAILS,
	      C_INVVPID_OP "; \"IF INVVPID_DESC[63:16] != 0 THEN VMfail\" (bit 16 set, type 2)",
	      .setup = setup_invvpid_type2)
{
	note(ctx, "INVVPID", do_invvpid(2, BIT(16), 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_all, "",
	      C_INVVPID_OP "; type 2, INVVPID_DESC[63:16] = 0 (VPID FFFFH) -> VMsucceed", .setup = setup_invvpid_type2)
{
	note(ctx, "INVVPID", do_invvpid(2, 0xffff, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_single_globals_vpid0, INVVPID_FAILS,
	      C_INVVPID_OP "; type 3: \"IF VPID = 0 THEN VMfail\"", .setup = setup_invvpid_type3)
{
	note(ctx, "INVVPID", do_invvpid(3, 0, 0));
	return run_guest(ctx);
}

ROOT_SCENARIO(vmx_root_invvpid_ud, "FAULT(UD) insn=INVVPID; ",
	      C_INVVPID " 64-Bit Mode Exceptions: #UD \"If the logical processor does not support VPIDs "
	      "(IA32_VMX_PROCBASED_CTLS2[37]=0)\" or INVVPID (IA32_VMX_EPT_VPID_CAP[32]=0)", .setup = setup_no_invvpid)
{
	note(ctx, "INVVPID", do_invvpid(2, 0, 0));
	return run_guest(ctx);
}
