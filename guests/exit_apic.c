/*
 * exit_apic_* - APIC virtualization exits: APIC access (44), APIC write (56)
 * and EOI-induced (45).  (TPR below threshold, 43: exit_events.c.)
 *
 * "Virtualize APIC accesses" = 1 with the APIC-access page below; the guest
 * reaches it through the identity paging it shares with the host, so the
 * guest-physical address of the access is the page's address.
 *   exit_apic_read         no "use TPR shadow": a linear read of offset 30H
 *                          (version) -> APIC_ACCESS, type 0 (linear read)
 *   exit_apic_write        no "use TPR shadow": a write of offset 380H -> type 1
 *   exit_apic_write_trap   "use TPR shadow" + "APIC-register virtualization":
 *                          a 32-bit write of offset 380H (initial count) is
 *                          virtualized, then a trap-like APIC-write exit
 *   exit_apic_eoi_trap     the same controls, a write of EOI (B0H) without
 *                          "virtual-interrupt delivery": APIC-write exit, B0H
 *   exit_apic_eoi_induced  + "virtual-interrupt delivery": SVI 31H, VISR bit 31H,
 *                          EOI-exit bitmap bit 31H; the EOI write -> EOI_INDUCED,
 *                          qualification 31H (the vector)
 *   exit_apic_eoi_noexit   the same with the EOI-exit bitmap clear: no exit
 * SDM Vol. 3 "APIC Virtualization and Virtual Interrupts": "APIC-Access VM
 * Exits", "Virtualizing Writes to the APIC-Access Page", "APIC-Write
 * Emulation", "EOI Virtualization"; "Exit Qualification for VM Exits".
 */
#include "exit_insn.h"
#include "lib.h"

u8 exit_apic_page[4096] ALIGNED(4096); /* the APIC-access page */
static u8 apic_virtual_page[4096] ALIGNED(4096);

#define APIC_VECTOR 0x31
#define VAPIC_ISR 0x100

static bool setup_access(struct scenario_ctx *ctx)
{
	memset(exit_apic_page, 0, sizeof(exit_apic_page));
	if (!scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, SECONDARY_VIRTUALIZE_APIC_ACCESSES))
		return false;
	vmcs_write(APIC_ACCESS_ADDR, (u64)exit_apic_page);
	return true;
}

/* "use TPR shadow" with a zeroed virtual-APIC page, then the secondary bits. */
static bool setup_virt(struct scenario_ctx *ctx, u64 proc2)
{
	memset(apic_virtual_page, 0, sizeof(apic_virtual_page));
	if (!scenario_set_ctl(ctx, CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_TPR_SHADOW))
		return false;
	vmcs_write(VIRTUAL_APIC_PAGE_ADDR, (u64)apic_virtual_page);
	vmcs_write(TPR_THRESHOLD, 0);
	if (!setup_access(ctx) || !scenario_set_ctl(ctx, SECONDARY_VM_EXEC_CONTROL, proc2))
		return false;
	return true;
}

static bool setup_write_trap(struct scenario_ctx *ctx)
{
	return setup_virt(ctx, SECONDARY_APIC_REGISTER_VIRT);
}

/* Virtual-interrupt delivery (needs "external-interrupt exiting"): vector 31H
 * in service (SVI, VISR), none requested (RVI 0). */
static bool setup_eoi(struct scenario_ctx *ctx, bool exit_bit)
{
	if (!scenario_set_ctl(ctx, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_EXITING) ||
	    !setup_virt(ctx, SECONDARY_APIC_REGISTER_VIRT | SECONDARY_VIRTUAL_INTR_DELIVERY))
		return false;
	apic_virtual_page[VAPIC_ISR + 0x10 * (APIC_VECTOR / 32) + (APIC_VECTOR % 32) / 8] =
		(u8)(1u << (APIC_VECTOR % 8));
	vmcs_write(GUEST_INTR_STATUS, APIC_VECTOR << 8);
	vmcs_write(EOI_EXIT_BITMAP0, exit_bit ? BIT(APIC_VECTOR) : 0);
	vmcs_write(EOI_EXIT_BITMAP1, 0);
	vmcs_write(EOI_EXIT_BITMAP2, 0);
	vmcs_write(EOI_EXIT_BITMAP3, 0);
	return true;
}
static bool setup_eoi_induced(struct scenario_ctx *ctx) { return setup_eoi(ctx, true); }
static bool setup_eoi_noexit(struct scenario_ctx *ctx) { return setup_eoi(ctx, false); }

/* RBX = the APIC-access page. */
#define APIC_PREP "lea exit_apic_page(%rip), %rbx"
EXIT_GUEST(exit_apic_read, APIC_PREP, "mov 0x30(%rbx), %eax");
EXIT_GUEST(exit_apic_write, APIC_PREP, "movl $0x12345, 0x380(%rbx)");
EXIT_GUEST(exit_apic_write_trap, APIC_PREP, "movl $0x12345, 0x380(%rbx)");
EXIT_GUEST(exit_apic_eoi_trap, APIC_PREP, "movl $0, 0xb0(%rbx)");
EXIT_GUEST(exit_apic_eoi_induced, APIC_PREP, "movl $0, 0xb0(%rbx)");
EXIT_GUEST(exit_apic_eoi_noexit, APIC_PREP, "movl $0, 0xb0(%rbx)");

#define CITE_APIC "SDM Vol. 3 \"APIC Virtualization and Virtual Interrupts\"; \"Exit Qualification for VM Exits\""

SCENARIO(exit_apic_read, .guest = guest_exit_apic_read, .setup = setup_access,
	 .expect = "APIC_ACCESS at=insn qual={OFFSET=0x30,ACCESS_TYPE=LINEAR_READ,ASYNC=0} end",
	 .cite = CITE_APIC "; \"APIC-Access VM Exits\" (\"use TPR shadow\" 0: any linear access to the "
		 "APIC-access page causes an APIC-access VM exit); table \"Exit Qualification for "
		 "APIC-Access VM Exits from Linear Accesses and Guest-Physical Accesses\" (type 0: linear "
		 "access for a data read during instruction execution)");
SCENARIO(exit_apic_write, .guest = guest_exit_apic_write, .setup = setup_access,
	 .expect = "APIC_ACCESS at=insn qual={OFFSET=0x380,ACCESS_TYPE=LINEAR_WRITE,ASYNC=0} end",
	 .cite = CITE_APIC "; \"APIC-Access VM Exits\"; type 1: linear access for a data write "
		 "during instruction execution");
SCENARIO(exit_apic_write_trap, .guest = guest_exit_apic_write_trap, .setup = setup_write_trap,
	 .expect = "APIC_WRITE at=resume qual=0x380 end",
	 .cite = CITE_APIC "; \"Virtualizing Writes to the APIC-Access Page\" (\"APIC-register "
		 "virtualization\" 1: offset 380H is virtualized); \"APIC-Write Emulation\" (otherwise: "
		 "APIC-write VM exit, trap-like: RIP of the next instruction); APIC-write exits: "
		 "\"bits 11:0 of the exit qualification are set to the page offset of the write access\"");
SCENARIO(exit_apic_eoi_trap, .guest = guest_exit_apic_eoi_trap, .setup = setup_write_trap,
	 .expect = "APIC_WRITE at=resume qual=0xb0 end",
	 .cite = CITE_APIC "; \"APIC-Write Emulation\": EOI virtualization only if "
		 "\"virtual-interrupt delivery\" is 1, otherwise an APIC-write VM exit (offset B0H)");
SCENARIO(exit_apic_eoi_induced, .guest = guest_exit_apic_eoi_induced, .setup = setup_eoi_induced,
	 .expect = "EOI_INDUCED at=resume qual=0x31 end",
	 .cite = CITE_APIC "; \"EOI Virtualization\" (VISR[SVI] cleared; EOI_exit_bitmap[vector] 1: "
		 "EOI-induced VM exit, trap-like); \"bits 7:0 of the exit qualification are set to "
		 "vector of the virtual interrupt that was dismissed by the EOI virtualization\"");
SCENARIO(exit_apic_eoi_noexit, .guest = guest_exit_apic_eoi_noexit, .setup = setup_eoi_noexit,
	 .expect = "VMCALL at=resume len=3 end",
	 .cite = CITE_APIC "; \"EOI Virtualization\" (EOI-exit bitmap bit clear: evaluation of "
		 "pending virtual interrupts, RVI 0: none; no VM exit)");
