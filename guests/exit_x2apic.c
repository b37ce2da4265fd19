/*
 * exit_x2apic_* - the local APIC in x2APIC mode and MSR-based APIC accesses
 * from the guest (issue 10).
 *
 * Host in x2APIC mode (core/lapic.c lapic_x2apic_enter; skipped with reason
 * "no_x2apic" (CPUID.01H:ECX[21] = 0) where the processor does not enumerate
 * it, e.g. penryn):
 *   exit_x2apic_selfipi        fixed self-IPI through the SELF IPI MSR (83FH),
 *                              pending in IRR (checked), "external-interrupt
 *                              exiting" and "acknowledge interrupt on exit" 1:
 *                              exit 1 before the guest's first instruction
 *   exit_x2apic_icr            the same through the ICR MSR (830H), "self"
 *   exit_x2apic_rdmsr_exit     guest RDMSR of the TPR MSR (808H) with its bit 1
 *                              in the read bitmap for low MSRs: exit 31
 *   exit_x2apic_rdmsr_nobitmap "use MSR bitmaps" 0: exit 31
 *   exit_x2apic_rdmsr_pass     the bit 0: no exit, the guest reads the host's
 *                              TPR (the host set it to TPR_VALUE)
 * Host in xAPIC mode (no switch):
 *   exit_x2apic_xapic_gp       the bit 0, "virtualize x2APIC mode" 0: RDMSR 808H
 *                              outside x2APIC mode is #GP(0) (exception bitmap
 *                              bit 13: exit 0)
 *   exit_x2apic_virt_tpr       "use TPR shadow" + "virtualize x2APIC mode": RDMSR
 *                              808H returns bytes 87H:80H of the virtual-APIC page
 *   exit_x2apic_virt_reg       + "APIC-register virtualization": RDMSR 803H returns
 *                              the 8 bytes at offset 30H of the virtual-APIC page
 * The guest's VMCALL shows EDX:EAX of its RDMSR (rax= rdx=), or for the
 * interrupt scenarios the host's APIC observation as in exit_extint.c (bit 1:
 * ISR set after the exit, so rax=2).  Clean-up: lapic_close() takes or EOIs
 * what is left of the vector, then goes back x2APIC -> disabled -> xAPIC (the
 * only way back, SDM "x2APIC State Transitions") and writes back every xAPIC
 * register saved before the switch, then SVR, TPR and the mapping.
 */
#include "lib.h"
#include "scenario.h"
#include "lapic.h"

#define XVEC 0x52
#define TPR_VALUE 0x20 /* the host's TPR while the guest reads it: class 2, below XVEC */
#define RFLAGS_IF BIT(9)
#define VTPR_LO 0x30 /* virtual-APIC page bytes 83H:80H (VTPR) */
#define VTPR_HI 0xabcd /* bytes 87H:84H: EDX of a virtualized RDMSR 808H */
#define VVER_LO 0x50014 /* bytes 33H:30H (version) */
#define VVER_HI 0xbeef /* bytes 37H:34H */
#define VAPIC_TPR 0x80
#define VAPIC_VERSION 0x30
#define MAX_EXITS 4

static u8 msr_bitmap[4096] ALIGNED(4096);
static u8 vapic_page[4096] ALIGNED(4096);

enum xmode { M_SELFIPI, M_ICR, M_RDMSR, M_XAPIC };
struct x2cfg {
	enum xmode mode;
	bool bitmap, bit; /* "use MSR bitmaps"; 808H's read bit */
	u64 proc2; /* secondary controls (APIC virtualization) */
};
static struct x2cfg cfg;

static bool setup_common(struct scenario_ctx *ctx, const struct x2cfg *c)
{
	cfg = *c;
	if (c->mode == M_SELFIPI || c->mode == M_ICR) {
		if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_EXITING) ||
		    !scenario_set_ctl(ctx, VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT))
			return false;
		vmcs_write(GUEST_RFLAGS, 0x2 | RFLAGS_IF);
		return true;
	}
	if (c->bitmap) {
		memset(msr_bitmap, 0, sizeof(msr_bitmap));
		u32 n = X2APIC_MSR(LAPIC_TPR);
		if (c->bit)
			msr_bitmap[n / 8] |= (u8)(1u << (n % 8)); /* read bitmap for low MSRs */
		if (!scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_MSR_BITMAPS))
			return false;
		vmcs_write(MSR_BITMAP, (u64)msr_bitmap);
	}
	if (c->proc2) {
		memset(vapic_page, 0, sizeof(vapic_page));
		*(u32 *)&vapic_page[VAPIC_TPR] = VTPR_LO;
		*(u32 *)&vapic_page[VAPIC_TPR + 4] = VTPR_HI;
		*(u32 *)&vapic_page[VAPIC_VERSION] = VVER_LO;
		*(u32 *)&vapic_page[VAPIC_VERSION + 4] = VVER_HI;
		if (!scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_TPR_SHADOW))
			return false;
		vmcs_write(VIRTUAL_APIC_PAGE_ADDR, (u64)vapic_page);
		vmcs_write(TPR_THRESHOLD, 0);
		if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, c->proc2))
			return false;
	}
	if (c->mode == M_XAPIC)
		vmcs_write(EXCEPTION_BITMAP, BIT(INFO_INTR_INFO_VECTOR_GP));
	return true;
}

static u64 apic_base_before;

/* lapic_close(), then whether the APIC is back in xAPIC mode at its base: a KEEP record. */
static void close_and_check(void)
{
	lapic_close(XVEC);
	trace("KEEP", "field=IA32_APIC_BASE before=%#lx after=%#lx", apic_base_before, rdmsr(MSR_IA32_APIC_BASE));
}

static enum scenario_status body_x2apic(struct scenario_ctx *ctx)
{
	const char *why = NULL;
	if (cfg.mode == M_XAPIC || cfg.proc2) /* host APIC untouched */
		return scenario_default_body(ctx);
	if (!lapic_open(&why) || !lapic_x2apic_enter(&why)) {
		ctx->skip_reason = why;
		lapic_close(XVEC);
		return SCN_SKIP;
	}
	apic_base_before = rdmsr(MSR_IA32_APIC_BASE) & ~(u64)IA32_APIC_BASE_X2APIC;
	if (cfg.mode == M_RDMSR) {
		lapic_write(LAPIC_TPR, TPR_VALUE);
		enum scenario_status st = scenario_default_body(ctx);
		close_and_check();
		return st;
	}
	if (cfg.mode == M_SELFIPI)
		lapic_x2apic_self_ipi(XVEC);
	else
		lapic_x2apic_icr_self(XVEC);
	if (!lapic_irr(XVEC)) {
		ctx->skip_reason = "self_ipi_not_pending";
		close_and_check();
		return SCN_ABORT;
	}
	scenario_one_interrupt_exit(ctx, XVEC, MAX_EXITS);
	close_and_check();
	return SCN_DONE;
}

/* ---- guests ---------------------------------------------------------------------------- */

#define RD_PREP(msr) "mov $" STR(msr) ", %ecx; xor %eax, %eax; xor %edx, %edx"
#define X2_SCENARIO(id, prep, insn, ...)                                                      \
	EXIT_GUEST(id, prep, insn);                                                           \
	static bool setup_##id(struct scenario_ctx *ctx)                                      \
	{                                                                                     \
		static const struct x2cfg c = { __VA_ARGS__ };                                \
		return setup_common(ctx, &c);                                                 \
	}
/* 808H, 803H: X2APIC_MSR(LAPIC_TPR), X2APIC_MSR(0x30) (asserted below). */
#define MSR_TPR 0x808
#define MSR_VERSION 0x803
_Static_assert(MSR_TPR == X2APIC_MSR(LAPIC_TPR) && MSR_VERSION == X2APIC_MSR(VAPIC_VERSION), "x2APIC MSRs");

X2_SCENARIO(exit_x2apic_selfipi, "", "vmcall", .mode = M_SELFIPI)
X2_SCENARIO(exit_x2apic_icr, "", "vmcall", .mode = M_ICR)
X2_SCENARIO(exit_x2apic_rdmsr_exit, RD_PREP(MSR_TPR), "rdmsr", .mode = M_RDMSR, .bitmap = true, .bit = true)
X2_SCENARIO(exit_x2apic_rdmsr_nobitmap, RD_PREP(MSR_TPR), "rdmsr", .mode = M_RDMSR, .bitmap = false)
X2_SCENARIO(exit_x2apic_rdmsr_pass, RD_PREP(MSR_TPR), "rdmsr", .mode = M_RDMSR, .bitmap = true, .bit = false)
X2_SCENARIO(exit_x2apic_xapic_gp, RD_PREP(MSR_TPR), "rdmsr", .mode = M_XAPIC, .bitmap = true, .bit = false)
X2_SCENARIO(exit_x2apic_virt_tpr, RD_PREP(MSR_TPR), "rdmsr", .mode = M_XAPIC, .bitmap = true, .bit = false,
	    .proc2 = SECONDARY_VIRTUALIZE_X2APIC_MODE)
X2_SCENARIO(exit_x2apic_virt_reg, RD_PREP(MSR_VERSION), "rdmsr", .mode = M_XAPIC, .bitmap = true, .bit = false,
	    .proc2 = SECONDARY_VIRTUALIZE_X2APIC_MODE | SECONDARY_APIC_REGISTER_VIRT)

/* ---- declarations ---------------------------------------------------------------------- */

#define X2SCN(id, ...) SCENARIO(id, .guest = guest_##id, .setup = setup_##id, .body = body_x2apic, __VA_ARGS__)
/* Host in x2APIC mode: each in a boot of its own (.alone).  The way back to xAPIC mode goes
 * through the disabled state, and Bochs (2.7 and 3.0, cpu/msr.cc relocate_apic) ignores
 * every IA32_APIC_BASE write while the APIC is globally disabled ("APIC global enable bit
 * cleared !"): the APIC stays disabled for the rest of the boot, and every later scenario
 * that uses it would skip (no_local_apic) -- in one boot with the catalog that would break
 * the independence of scenarios.  The KEEP record after the clean-up shows it (registered
 * in harness/compare.py). */
#define X2HOST(id, ...) X2SCN(id, .alone = true, __VA_ARGS__)
#define X2_CITE                                                                                          \
	"SDM Vol. 3 \"Extended XAPIC (x2APIC)\": \"x2APIC Register Address Space\" (MSR 800H + offset/16), "    \
	"\"x2APIC State Transitions\" (xAPIC -> x2APIC by setting IA32_APIC_BASE[10]; back only through the "  \
	"disabled state)"
#define X2_INTR_CITE                                                                                     \
	X2_CITE "; \"Pin-Based VM-Execution Controls\" (external-interrupt exiting); \"Information for VM "    \
		"Exits Due to Vectored Events\" (vector, type 0, valid); \"Architectural State Before a VM Exit\" " \
		"(acknowledge interrupt on exit 1: acknowledged, in ISR, not in IRR: rax=2)"
#define RD_CITE                                                                                          \
	"; \"Instructions That Cause VM Exits Conditionally\" (RDMSR: \"use MSR bitmaps\" 0, or the MSR's bit " \
	"1 in the read bitmap for low MSRs: exit); \"MSR-Bitmap Address\"; RDMSR = 0F 32"
#define VIRT_CITE                                                                                        \
	"SDM Vol. 3 \"Virtualizing MSR-Based APIC Accesses\" (the MSR bitmap is consulted first; its bit 0, "   \
	"no exit)"

X2HOST(exit_x2apic_selfipi,
      .expect = "EXTERNAL_INTERRUPT at=insn next=insn intr={VECTOR=" STR(XVEC) ",TYPE=EXTERNAL_INTERRUPT,VALID=1}; "
		"VMCALL at=insn len=3 rax=2 end",
      .cite = X2_INTR_CITE "; \"SELF IPI Register\" (x2APIC mode only: a fixed interrupt of the vector "
			   "written, to this APIC)");
X2HOST(exit_x2apic_icr,
      .expect = "EXTERNAL_INTERRUPT at=insn next=insn intr={VECTOR=" STR(XVEC) ",TYPE=EXTERNAL_INTERRUPT,VALID=1}; "
		"VMCALL at=insn len=3 rax=2 end",
      .cite = X2_INTR_CITE "; \"Interrupt Command Register (ICR)\" in x2APIC mode (one 64-bit MSR 830H; "
			   "destination shorthand 01b, self, fixed)");
X2HOST(exit_x2apic_rdmsr_exit, .expect = STEP_EXIT(MSR_READ, "rcx=0x808"),
      .cite = X2_CITE RD_CITE " (bit 808H = 1: exit 31, ECX 808H)");
X2HOST(exit_x2apic_rdmsr_nobitmap, .expect = STEP_EXIT(MSR_READ, "rcx=0x808"),
      .cite = X2_CITE RD_CITE " (\"use MSR bitmaps\" 0: every RDMSR exits)");
X2HOST(exit_x2apic_rdmsr_pass, .expect = NO_EXIT("rax=" STR(TPR_VALUE) " rdx=0"),
      .cite = X2_CITE RD_CITE " (bit 808H = 0, \"virtualize x2APIC mode\" 0: RDMSR of the TPR MSR \"operates "
			    "normally\": EAX[7:0] the APIC's TPR, which the host set to 20H, EDX 0)");
X2SCN(exit_x2apic_xapic_gp,
      .expect = "EXCEPTION_NMI at=insn intr={VECTOR=GP,TYPE=HW_EXCEPTION,ERROR_VALID=1,VALID=1} err=0 end",
      .cite = "SDM Vol. 3 \"Changes to Instruction Behavior in VMX Non-Root Operation\" (RDMSR, ECX 808H, "
	      "\"virtualize x2APIC mode\" 0: \"the instruction operates normally ... If the local APIC is not in "
	      "x2APIC mode, a general-protection fault occurs\"); \"x2APIC Register Availability\"; \"Exception "
	      "Bitmap\" (bit 13: #GP(0) exits)" RD_CITE);
X2SCN(exit_x2apic_virt_tpr, .expect = NO_EXIT("rax=" STR(VTPR_LO) " rdx=" STR(VTPR_HI)),
      .cite = VIRT_CITE "; RDMSR, ECX 808H, \"virtualize x2APIC mode\" 1: \"the instruction loads EAX:EDX with "
			"the value of bytes 87H:80H of the virtual-APIC page. This occurs even if the local APIC is "
			"not in x2APIC mode\" (host in xAPIC mode; bytes 83H:80H = 30H, 87H:84H = ABCDH)" RD_CITE);
X2SCN(exit_x2apic_virt_reg, .expect = NO_EXIT("rax=" STR(VVER_LO) " rdx=" STR(VVER_HI)),
      .cite = VIRT_CITE "; RDMSR with \"APIC-register virtualization\" 1, ECX 803H (version, one of the "
			"virtualized registers): \"the instruction reads the 8 bytes from offset X on the "
			"virtual-APIC page into EDX:EAX, where X = (ECX & FFH) << 4. This occurs even if the local "
			"APIC is not in x2APIC mode\" (offset 30H: 50014H, 34H: BEEFH)" RD_CITE);
