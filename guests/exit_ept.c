/*
 * exit_ept_* - EPT violations (48) and EPT misconfigurations (49).
 *
 * Every scenario's setup builds identity-mapped EPT paging structures for the
 * first GiB of guest-physical memory (2-MByte leaves, RWX, memory type WB from
 * IA32_VMX_EPT_VPID_CAP; 4-KByte page tables where a scenario needs one page
 * different), enables EPT (secondary control 1, EPTP: memory type, page-walk
 * length 4, accessed/dirty flags only where the scenario asks), invalidates
 * EPT-derived translations (INVEPT) and then changes one entry.  The tables
 * are rebuilt from scratch each time, so no scenario sees another's changes
 * (nor the EPT accessed/dirty flags a platform set).
 *
 * Violations (SDM "EPT Violations", "Exit Qualification for EPT Violations";
 * guest-physical and guest-linear address fields: "Basic VM-Exit
 * Information"):
 *   exit_ept_read        read of a page whose EPT PTE is not present
 *   exit_ept_read_xonly  read of an execute-only page (IA32_VMX_EPT_VPID_CAP bit 0)
 *   exit_ept_write       write to a read/execute page
 *   exit_ept_write_ad    the same with EPT accessed/dirty flags enabled (EPTP bit 6)
 *   exit_ept_write_adv   the same, bits 9-11 ("advanced VM-exit information
 *                        for EPT violations", capability bit 22) compared
 *   exit_ept_fetch       instruction fetch from a read/write page
 *   exit_ept_walk        the guest's page walk reads a guest page table whose
 *                        EPT PTE is not present: GLA_TRANSLATION 0, the
 *                        guest-physical address is that of the guest PTE
 *   exit_ept_walk_ad     the guest page table is EPT read-only and EPT A/D is on:
 *                        guest paging-structure accesses count as writes
 *   exit_ept_walk_ro     the same page table read-only without A/D: no exit
 * Misconfigurations (SDM "EPT Misconfigurations"): the guest reads linear
 * 0x40000123 (private guest paging, to guest-physical 1 GiB + 0x123, or
 * 512 GiB + 0x123 for the PML4E case):
 *   exit_ept_misconfig_pml4e    bit 3 set in an EPT PML4E (bits 7:3 reserved)
 *   exit_ept_misconfig_pdpte    bit 4 set in an EPT PDPTE that references a PD (6:3)
 *   exit_ept_misconfig_pde      bit 5 set in an EPT PDE that references a PT (6:3)
 *   exit_ept_misconfig_pde_2m   bit 12 set in an EPT PDE mapping 2 MB (20:12 reserved)
 *   exit_ept_misconfig_pde_2m_b13  the same with bit 13
 *   exit_ept_misconfig_pte_pa   an address bit at MAXPHYADDR in an EPT PTE
 *   exit_ept_misconfig_mt2/mt3/mt7  EPT memory type 2, 3, 7 in the leaf
 *   exit_ept_misconfig_wonly    W=1, R=0
 */
#include "exit_insn.h"
#include "ept.h"
#include "lib.h"
#include "model.h" /* VMX_MSR_IDX_* */

u64 ept_pml4[512] ALIGNED(4096), ept_pdpt[512] ALIGNED(4096), ept_pd[512] ALIGNED(4096);
u64 ept_pd2[512] ALIGNED(4096), ept_pt2[512] ALIGNED(4096), ept_pdpt3[512] ALIGNED(4096);
static u64 ept_pt[4][512] ALIGNED(4096);
static u64 ept_pt_base[4]; /* the 2 MiB region each page table maps, or ~0 */
/* Private guest paging (4-level, 4-KByte pages in the window). */
static u64 ept_gpml4[512] ALIGNED(4096), ept_gpdpt[512] ALIGNED(4096), ept_gpd[512] ALIGNED(4096);
/* ept_gpt (the window's guest page table) and ept_data (the target page) are
 * defined in assembly below, so scenarios can name their addresses. */
extern u8 ept_data[4096];
/* Backing page of guest-physical EPT_GPA_HIGH (the second EPT subtree). */
static u8 ept_high_page[4096] ALIGNED(4096);

u64 ept_cap(void)
{
	return vmx_caps.msr_value[VMX_MSR_IDX_IA32_VMX_EPT_VPID_CAP];
}

static u64 leaf_mt(void)
{
	return EPT_MT(EPT_MT_WB);
}

u64 ept_eptp(bool ad)
{
	u64 mt = (ept_cap() & EPTCAP_WB) ? 6 : 0;
	return (u64)ept_pml4 | mt | (3 << 3) | (ad ? BIT(6) : 0);
}

void ept_invept(u64 eptp)
{
	struct { u64 eptp, zero; } desc = { eptp, 0 };
	u64 type = (ept_cap() & EPTCAP_INVEPT_ALL) ? 2 : 1;
	asm volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static void ept_build(void)
{
	memset(ept_pml4, 0, 4096);
	memset(ept_pdpt, 0, 4096);
	memset(ept_pd2, 0, 4096);
	memset(ept_pt2, 0, 4096);
	memset(ept_pdpt3, 0, 4096);
	/* Accessed (and, in leaves, dirty) flags preset: with EPT A/D enabled
	 * only the entries a scenario clears get set (and logged by PML). */
	ept_pml4[0] = (u64)ept_pdpt | EPT_RWX | EPT_A;
	ept_pdpt[0] = (u64)ept_pd | EPT_RWX | EPT_A;
	for (u64 i = 0; i < 512; i++)
		ept_pd[i] = (i << 21) | EPT_RWX | leaf_mt() | EPT_PS | EPT_A | EPT_D;
	for (int k = 0; k < 4; k++)
		ept_pt_base[k] = ~0ULL;
	/* Guest-physical 1 GiB + 4 KiB * n -> ept_high_page (PTE 0), second subtree. */
	ept_pdpt[1] = (u64)ept_pd2 | EPT_RWX | EPT_A;
	ept_pd2[0] = (u64)ept_pt2 | EPT_RWX | EPT_A;
	ept_pt2[0] = (u64)ept_high_page | EPT_RWX | leaf_mt() | EPT_A | EPT_D;
	/* 1 GiB + 2 MiB: a 2-MByte leaf onto physical 0 (read only by the misconfig case). */
	ept_pd2[1] = 0 | EPT_RWX | leaf_mt() | EPT_PS | EPT_A | EPT_D;
	/* Guest-physical 512 GiB: PML4E 1 -> ept_pdpt3, not present below. */
	ept_pml4[1] = (u64)ept_pdpt3 | EPT_RWX | EPT_A;
}

u64 *ept_pte(u64 gpa)
{
	u64 base = gpa & ~0x1fffffULL;
	int k;
	for (k = 0; k < 4; k++)
		if (ept_pt_base[k] == base)
			return &ept_pt[k][(gpa >> 12) & 511];
	for (k = 0; k < 4 && ept_pt_base[k] != ~0ULL; k++)
		;
	if (k == 4) {
		trace("FATAL", "what=ept_pte_tables");
		trace("FINISH", "status=FATAL");
		platform_exit(4);
	}
	ept_pt_base[k] = base;
	for (u64 i = 0; i < 512; i++)
		ept_pt[k][i] = (base + (i << 12)) | EPT_RWX | leaf_mt() | EPT_A | EPT_D;
	ept_pd[base >> 21] = (u64)ept_pt[k] | EPT_RWX | EPT_A;
	return &ept_pt[k][(gpa >> 12) & 511];
}

bool ept_enable(struct scenario_ctx *ctx, bool ad)
{
	u64 cap = ept_cap();
	if (!vmx_caps.has_proc2 || !((vmx_caps.proc2 >> 32) & SECONDARY_ENABLE_EPT)) {
		ctx->skip_reason = "control_not_allowed";
		return false;
	}
	/* 4-level walk, a WB or UC EPTP, 2-MByte leaves, INVEPT: every
	 * processor with EPT so far; A/D only where enumerated. */
	if (!(cap & EPTCAP_PWL4) || !(cap & (EPTCAP_WB | EPTCAP_UC)) || !(cap & EPTCAP_2M) ||
	    !(cap & EPTCAP_INVEPT) || !(cap & (EPTCAP_INVEPT_ALL | EPTCAP_INVEPT_SINGLE)) ||
	    (ad && !(cap & EPTCAP_AD))) {
		ctx->skip_reason = "ept_capability_missing";
		return false;
	}
	if (!vcpu_set_ctl(ctx->vcpu, SECONDARY_VM_EXEC_CONTROL, SECONDARY_ENABLE_EPT)) {
		ctx->skip_reason = "control_not_allowed";
		return false;
	}
	ept_build();
	vmcs_write(EPT_POINTER, ept_eptp(ad));
	ept_invept(ept_eptp(ad));
	scenario_setup("field=EPT_POINTER value=%#lx ept_vpid_cap=%#lx", ept_eptp(ad), cap);
	return true;
}

void ept_guest_paging(void)
{
	const u64 pte = 0x23; /* present, writable, accessed (no guest paging writes) */
	u64 *hpml4 = (u64 *)(read_cr3() & EPT_ADDR_MASK);
	u64 *hpdpt = (u64 *)(hpml4[0] & EPT_ADDR_MASK);
	memset(ept_gpml4, 0, 4096);
	memset(ept_gpdpt, 0, 4096);
	memset(ept_gpd, 0, 4096);
	memset(ept_gpt, 0, 4096);
	ept_gpml4[0] = (u64)ept_gpdpt | pte;
	ept_gpdpt[0] = hpdpt[0]; /* the first GiB: the host's page directory */
	ept_gpdpt[1] = (u64)ept_gpd | pte; /* linear 1 GiB: the window */
	ept_gpd[0] = (u64)ept_gpt | pte;
	ept_gpt[0] = EPT_GPA_HIGH | pte; /* 0x40000000 -> gpa 1 GiB (EPT PTE ept_pt2[0]) */
	ept_gpt[1] = (EPT_GPA_HIGH + 0x200000) | pte; /* 0x40001000 -> gpa 1 GiB + 2 MiB (2 MB EPT leaf) */
	if (vmx_caps.pa_width >= 40)
		ept_gpt[2] = (1ULL << 39) | pte; /* 0x40002000 -> gpa 512 GiB (EPT PML4E 1) */
	vmcs_write(GUEST_CR3, (u64)ept_gpml4);
}

/* The window's guest page table and the target data page, with the labels the
 * expectations name (guest-physical = guest-linear: identity paging). */
asm(".pushsection .bss.ept_pages,\"aw\",@nobits\n.balign 4096\n"
    ".global ept_gpt\nept_gpt:\n" GUEST_LABEL(exit_ept_walk, gpt) GUEST_LABEL(exit_ept_walk_ad, gpt)
    ".skip 4096\n"
    ".global ept_data\nept_data:\n.skip 0x120\n"
    GUEST_LABEL(exit_ept_read, target) GUEST_LABEL(exit_ept_read_xonly, target)
    ".skip 0x128\n"
    GUEST_LABEL(exit_ept_write, target) GUEST_LABEL(exit_ept_write_ad, target) GUEST_LABEL(exit_ept_write_adv, target)
    ".skip 4096 - 0x248\n"
    ".popsection\n");

/* The page of the fetch scenario: code alone in its 4 KiB page. */
asm(".pushsection .text.ept_fetch,\"ax\"\n.balign 4096\n.global ept_fetch_page\nept_fetch_page:\n"
    GUEST_LABEL(exit_ept_fetch, target) "vmcall\njmp .\n.balign 4096\n.popsection\n");
extern u8 ept_fetch_page[];

/* ---- setups ---- */

static bool set_data_perm(struct scenario_ctx *ctx, bool ad, u64 perm)
{
	if (!ept_enable(ctx, ad))
		return false;
	u64 *pte = ept_pte((u64)ept_data);
	*pte = (*pte & ~EPT_RWX) | perm;
	return true;
}

static bool setup_read(struct scenario_ctx *ctx) { return set_data_perm(ctx, false, 0); }
/* The control first, so a processor without EPT skips as "control_not_allowed". */
static bool ept_allowed(struct scenario_ctx *ctx)
{
	if (vmx_caps.has_proc2 && ((vmx_caps.proc2 >> 32) & SECONDARY_ENABLE_EPT))
		return true;
	ctx->skip_reason = "control_not_allowed";
	return false;
}
static bool setup_read_xonly(struct scenario_ctx *ctx)
{
	if (!ept_allowed(ctx))
		return false;
	if (!(ept_cap() & EPTCAP_XONLY)) {
		ctx->skip_reason = "ept_execute_only_not_supported";
		return false;
	}
	return set_data_perm(ctx, false, EPT_X);
}
static bool setup_write(struct scenario_ctx *ctx) { return set_data_perm(ctx, false, EPT_R | EPT_X); }
static bool setup_write_ad(struct scenario_ctx *ctx) { return set_data_perm(ctx, true, EPT_R | EPT_X); }
static bool setup_write_adv(struct scenario_ctx *ctx)
{
	if (!ept_allowed(ctx))
		return false;
	if (!(ept_cap() & EPTCAP_ADV_INFO)) {
		ctx->skip_reason = "ept_advanced_exit_info_not_supported";
		return false;
	}
	return set_data_perm(ctx, false, EPT_R | EPT_X);
}
static bool setup_fetch(struct scenario_ctx *ctx)
{
	if (!ept_enable(ctx, false))
		return false;
	u64 *pte = ept_pte((u64)ept_fetch_page);
	*pte = (*pte & ~EPT_RWX) | EPT_R | EPT_W;
	return true;
}

/* The guest page table of the window: EPT permission perm. */
static bool setup_walk_perm(struct scenario_ctx *ctx, bool ad, u64 perm)
{
	if (!ept_enable(ctx, ad))
		return false;
	ept_guest_paging();
	u64 *pte = ept_pte((u64)ept_gpt);
	*pte = (*pte & ~EPT_RWX) | perm;
	return true;
}
static bool setup_walk(struct scenario_ctx *ctx) { return setup_walk_perm(ctx, false, 0); }
static bool setup_walk_ad(struct scenario_ctx *ctx) { return setup_walk_perm(ctx, true, EPT_R | EPT_X); }
static bool setup_walk_ro(struct scenario_ctx *ctx) { return setup_walk_perm(ctx, false, EPT_R | EPT_X); }

static bool setup_mis(struct scenario_ctx *ctx)
{
	if (!ept_enable(ctx, false))
		return false;
	ept_guest_paging();
	return true;
}
static bool setup_mis_pml4e(struct scenario_ctx *ctx)
{
	if (!ept_allowed(ctx))
		return false;
	if (vmx_caps.pa_width < 40) {
		ctx->skip_reason = "maxphyaddr_below_40";
		return false;
	}
	if (!setup_mis(ctx))
		return false;
	ept_pml4[1] |= BIT(3);
	return true;
}
static bool setup_mis_pdpte(struct scenario_ctx *ctx)
{
	if (!setup_mis(ctx))
		return false;
	ept_pdpt[1] |= BIT(4);
	return true;
}
static bool setup_mis_pde(struct scenario_ctx *ctx)
{
	if (!setup_mis(ctx))
		return false;
	ept_pd2[0] |= BIT(5);
	return true;
}
static bool setup_mis_pde_2m(struct scenario_ctx *ctx)
{
	if (!setup_mis(ctx))
		return false;
	ept_pd2[1] |= BIT(12);
	return true;
}
static bool setup_mis_pde_2m_b13(struct scenario_ctx *ctx)
{
	if (!setup_mis(ctx))
		return false;
	ept_pd2[1] |= BIT(13);
	return true;
}
static bool setup_mis_pte_pa(struct scenario_ctx *ctx)
{
	if (!ept_allowed(ctx))
		return false;
	if (vmx_caps.pa_width >= 52) {
		ctx->skip_reason = "maxphyaddr_52";
		return false;
	}
	if (!setup_mis(ctx))
		return false;
	ept_pt2[0] |= 1ULL << vmx_caps.pa_width;
	scenario_setup("field=EPT_PTE value=%#lx maxphyaddr=%u", ept_pt2[0], vmx_caps.pa_width);
	return true;
}
static bool setup_mis_mt(struct scenario_ctx *ctx, u64 mt)
{
	if (!setup_mis(ctx))
		return false;
	ept_pt2[0] = (ept_pt2[0] & ~EPT_MT_MASK) | EPT_MT(mt);
	return true;
}
static bool setup_mis_mt2(struct scenario_ctx *ctx) { return setup_mis_mt(ctx, 2); }
static bool setup_mis_mt3(struct scenario_ctx *ctx) { return setup_mis_mt(ctx, 3); }
static bool setup_mis_mt7(struct scenario_ctx *ctx) { return setup_mis_mt(ctx, 7); }
static bool setup_mis_wonly(struct scenario_ctx *ctx)
{
	if (!setup_mis(ctx))
		return false;
	ept_pt2[0] = (ept_pt2[0] & ~EPT_RWX) | EPT_W;
	return true;
}

/* ---- guests ---- */

EXIT_GUEST(exit_ept_read, "", "mov label__exit_ept_read__target(%rip), %rax");
EXIT_GUEST(exit_ept_read_xonly, "", "mov label__exit_ept_read_xonly__target(%rip), %rax");
EXIT_GUEST(exit_ept_write, "", "movl $1, label__exit_ept_write__target(%rip)");
EXIT_GUEST(exit_ept_write_ad, "", "movl $1, label__exit_ept_write_ad__target(%rip)");
EXIT_GUEST(exit_ept_write_adv, "", "movl $1, label__exit_ept_write_adv__target(%rip)");
EXIT_GUEST(exit_ept_fetch, "", "jmp label__exit_ept_fetch__target");
#define WINDOW_READ(id, addr) EXIT_GUEST(id, "movabs $" addr ", %rbx", "mov (%rbx), %eax")
WINDOW_READ(exit_ept_walk, "0x40000123");
WINDOW_READ(exit_ept_walk_ad, "0x40000123");
WINDOW_READ(exit_ept_walk_ro, "0x40000123");
WINDOW_READ(exit_ept_misconfig_pml4e, "0x40002123");
WINDOW_READ(exit_ept_misconfig_pdpte, "0x40000123");
WINDOW_READ(exit_ept_misconfig_pde, "0x40000123");
WINDOW_READ(exit_ept_misconfig_pde_2m, "0x40001123");
WINDOW_READ(exit_ept_misconfig_pde_2m_b13, "0x40001123");
WINDOW_READ(exit_ept_misconfig_pte_pa, "0x40000123");
WINDOW_READ(exit_ept_misconfig_mt2, "0x40000123");
WINDOW_READ(exit_ept_misconfig_mt3, "0x40000123");
WINDOW_READ(exit_ept_misconfig_mt7, "0x40000123");
WINDOW_READ(exit_ept_misconfig_wonly, "0x40000123");

/* ---- expectations ---- */

/* FINAL, WALK, ACC, PERM: the qualification words of ept.h. */
#define VIOL(acc, perm, gla_bits, where) \
	"EPT_VIOLATION at=insn qual={" acc "," perm "," gla_bits "} " where " end"
#define AT_TARGET "gpa=@target gla=@target"

#define CITE_V                                                                              \
	"SDM Vol. 3 \"EPT Violations\"; table \"Exit Qualification for EPT Violations\"; "       \
	"\"Basic VM-Exit Information\" (guest-linear address, guest-physical address); "          \
	"\"EPT Translation Mechanism\""
#define CITE_M                                                                              \
	"SDM Vol. 3 \"EPT Misconfigurations\" (a present entry with a reserved bit set; a leaf "  \
	"with EPT memory type 2, 3 or 7; bit 0 clear and bit 1 set); \"EPT Translation "          \
	"Mechanism\" tables of EPT PML4E/PDPTE/PDE/PTE formats; \"Basic VM-Exit Information\" "  \
	"(guest-physical address); \"Exit Qualification for VM Exits\" (cleared for EPT "          \
	"misconfigurations)"

SCENARIO(exit_ept_read, .guest = guest_exit_ept_read, .setup = setup_read,
	 .expect = VIOL(ACC(1, 0, 0), PERM(0, 0, 0), FINAL, AT_TARGET),
	 .cite = CITE_V "; EPT PTE not present (bits 2:0 = 0): MOV r64, m64 reads 8 bytes at the label");
SCENARIO(exit_ept_read_xonly, .guest = guest_exit_ept_read_xonly, .setup = setup_read_xonly,
	 .expect = VIOL(ACC(1, 0, 0), PERM(0, 0, 1), FINAL, AT_TARGET),
	 .cite = CITE_V "; execute-only EPT PTE (IA32_VMX_EPT_VPID_CAP bit 0)");
SCENARIO(exit_ept_write, .guest = guest_exit_ept_write, .setup = setup_write,
	 .expect = VIOL(ACC(0, 1, 0), PERM(1, 0, 1), FINAL, AT_TARGET),
	 .cite = CITE_V "; EPT PTE R=1 W=0 X=1; MOV m32, imm32 (a write, not read-modify-write)");
SCENARIO(exit_ept_write_ad, .guest = guest_exit_ept_write_ad, .setup = setup_write_ad,
	 .expect = VIOL(ACC(0, 1, 0), PERM(1, 0, 1), FINAL, AT_TARGET),
	 .cite = CITE_V "; \"Accessed and Dirty Flags for EPT\" (EPTP bit 6 = 1); EPT PTE R=1 W=0 X=1");
SCENARIO(exit_ept_write_adv, .guest = guest_exit_ept_write_adv, .setup = setup_write_adv,
	 .expect = VIOL(ACC(0, 1, 0), PERM(1, 0, 1),
			"GLA_VALID=1,GLA_TRANSLATION=1,~USER_EXECUTABLE,USER_MODE_LINEAR=0,RW_PAGE_LINEAR=1,"
			"XD_LINEAR=0,NMI_UNBLOCKING=0", AT_TARGET),
	 .cite = CITE_V "; bits 9-11 with \"advanced VM-exit information for EPT violations\" "
		 "(IA32_VMX_EPT_VPID_CAP bit 22): the linear address is supervisor-mode (U/S 0), "
		 "read/write (R/W 1), executable (XD 0) in the guest's 2-MByte PDE 0x83");
SCENARIO(exit_ept_fetch, .guest = guest_exit_ept_fetch, .setup = setup_fetch,
	 .expect = "EPT_VIOLATION at=target qual={" ACC(0, 0, 1) "," PERM(1, 1, 0) "," FINAL "} "
		   AT_TARGET " end",
	 .cite = CITE_V "; EPT PTE R=1 W=1 X=0: the fetch of the instruction at the jump target");
SCENARIO(exit_ept_walk, .guest = guest_exit_ept_walk, .setup = setup_walk,
	 .expect = VIOL(ACC(1, 0, 0), PERM(0, 0, 0), WALK, "gpa=@gpt gla=0x40000123"),
	 .cite = CITE_V "; \"Reads by the logical processor of guest paging structures to translate a "
		 "linear address are considered to be data reads\"; bit 8 clear: the access is to a "
		 "paging-structure entry; the guest PTE for 0x40000123 is entry 0 of its page table");
SCENARIO(exit_ept_walk_ad, .guest = guest_exit_ept_walk_ad, .setup = setup_walk_ad,
	 .expect = VIOL(ACC(1, 1, 0), PERM(1, 0, 1), WALK, "gpa=@gpt gla=0x40000123"),
	 .cite = CITE_V "; \"If bit 6 of the EPT pointer (EPTP) is 1 ... processor accesses to guest "
		 "paging-structure entries are treated as writes with regard to EPT violations\"; table "
		 "footnote: \"If such an access causes an EPT violation, the processor sets both bit 0 "
		 "and bit 1 of the exit qualification\"");
SCENARIO(exit_ept_walk_ro, .guest = guest_exit_ept_walk_ro, .setup = setup_walk_ro,
	 .expect = "VMCALL at=resume len=3 end",
	 .cite = "SDM Vol. 3 \"EPT Violations\": without EPT A/D (EPTP bit 6 = 0) the guest page walk "
		 "only reads the read-only guest page table (its entries have A = 1: no update), so no "
		 "violation");

#define MIS(gpa) "EPT_MISCONFIG at=insn gpa=" gpa " end"
SCENARIO(exit_ept_misconfig_pml4e, .guest = guest_exit_ept_misconfig_pml4e, .setup = setup_mis_pml4e,
	 .expect = MIS("0x8000000123"), .cite = CITE_M "; EPT PML4E bits 7:3 reserved (bit 3 set)");
SCENARIO(exit_ept_misconfig_pdpte, .guest = guest_exit_ept_misconfig_pdpte, .setup = setup_mis_pdpte,
	 .expect = MIS("0x40000123"),
	 .cite = CITE_M "; EPT PDPTE that references a page directory: bits 6:3 reserved (bit 4 set)");
SCENARIO(exit_ept_misconfig_pde, .guest = guest_exit_ept_misconfig_pde, .setup = setup_mis_pde,
	 .expect = MIS("0x40000123"),
	 .cite = CITE_M "; EPT PDE that references a page table: bits 6:3 reserved (bit 5 set)");
SCENARIO(exit_ept_misconfig_pde_2m, .guest = guest_exit_ept_misconfig_pde_2m, .setup = setup_mis_pde_2m,
	 .expect = MIS("0x40200123"),
	 .cite = CITE_M "; EPT PDE that maps a 2-MByte page: bits 20:12 reserved (bit 12 set)");
SCENARIO(exit_ept_misconfig_pde_2m_b13, .guest = guest_exit_ept_misconfig_pde_2m_b13,
	 .setup = setup_mis_pde_2m_b13, .expect = MIS("0x40200123"),
	 .cite = CITE_M "; EPT PDE that maps a 2-MByte page: bits 20:12 reserved (bit 13 set)");
SCENARIO(exit_ept_misconfig_pte_pa, .guest = guest_exit_ept_misconfig_pte_pa, .setup = setup_mis_pte_pa,
	 .expect = MIS("0x40000123"),
	 .cite = CITE_M "; \"This includes setting a bit in the range 51:12 that is beyond the logical "
		 "processor's physical-address width\" (bit MAXPHYADDR of the EPT PTE)");
SCENARIO(exit_ept_misconfig_mt2, .guest = guest_exit_ept_misconfig_mt2, .setup = setup_mis_mt2,
	 .expect = MIS("0x40000123"), .cite = CITE_M "; EPT PTE memory type 2");
SCENARIO(exit_ept_misconfig_mt3, .guest = guest_exit_ept_misconfig_mt3, .setup = setup_mis_mt3,
	 .expect = MIS("0x40000123"), .cite = CITE_M "; EPT PTE memory type 3");
SCENARIO(exit_ept_misconfig_mt7, .guest = guest_exit_ept_misconfig_mt7, .setup = setup_mis_mt7,
	 .expect = MIS("0x40000123"), .cite = CITE_M "; EPT PTE memory type 7");
SCENARIO(exit_ept_misconfig_wonly, .guest = guest_exit_ept_misconfig_wonly, .setup = setup_mis_wonly,
	 .expect = MIS("0x40000123"), .cite = CITE_M "; EPT PTE bits 2:0 = 010b (write without read)");

/*
 * ---- A 32-bit guest with PAE paging: the guest-linear-address field, both sides ----
 *
 * SDM "Exit Qualification for EPT Violations", bit 7: "Set if the guest linear-address field is
 * valid.  The guest linear-address field is valid for all EPT violations except those resulting
 * from an attempt to load the guest PDPTEs as part of the execution of the MOV CR instruction";
 * bit 8 when bit 7 is 0: reserved (cleared to 0).  "EPT Violations": loads of the PDPTE registers
 * by MOV to CR "are treated as reads".  Field "Guest-linear address" ("Information for VM Exits
 * Due to Instruction Execution"): set for EPT violations that set bit 7; "For all other VM exits,
 * the field is undefined" (exit_info.def: EXIT_INFO_WHEN on GLA_VALID), and "Bits 63:32 are
 * cleared if the logical processor was not in 64-bit mode".
 *
 *   exit_ept_pae_pdpte  MOV to CR3 of a PDPT whose page's EPT PTE is not present: bit 7 = 0,
 *                       the guest-physical address is the PDPT's (PDPTE 0), no linear address
 *   exit_ept_pae_read   the same guest reads a page whose EPT PTE is not present: bit 7 = 1,
 *                       the linear address (32 bits) is the operand's
 *
 * The guest is entered with "IA-32e mode guest" 0, CR4.PAE 1 (CR4.PCIDE 0), a 32-bit code
 * segment, and PAE paging mapping the first GiB with 2-MByte pages (identity); with EPT the
 * entry loads the PDPTEs from the VMCS fields ("Loading Page-Directory-Pointer-Table Entries").
 */
static u64 pae_pd[512] ALIGNED(4096);
static u64 pae_pdpt[4] ALIGNED(32);
/* pae_page_pdpt: the PDPT the guest's MOV to CR3 names, alone in its page; pae_page_data: the
 * read's target page.  Both get their own EPT PTE (not present). */
asm(".pushsection .bss.ept_pae,\"aw\",@nobits\n.balign 4096\n"
    ".global pae_page_pdpt\npae_page_pdpt:\n" GUEST_LABEL(exit_ept_pae_pdpte, pdpt) ".skip 4096\n"
    ".global pae_page_data\npae_page_data:\n.skip 0x1a0\n" GUEST_LABEL(exit_ept_pae_read, target)
    ".skip 4096 - 0x1a0\n.popsection\n");
extern u64 pae_page_pdpt[512];
extern u8 pae_page_data[4096];

#define PAE_PDE_2M 0xe3 /* present, writable, accessed, dirty, 2-MByte page */
#define CS_AR_CODE32 0xc09b /* execute/read accessed, S, DPL 0, present, D = 1, G = 1, L = 0 */

static bool setup_pae(struct scenario_ctx *ctx, u64 gpa_not_present)
{
	struct vcpu *v = ctx->vcpu;
	if (!ept_allowed(ctx))
		return false;
	if ((u32)vmx_caps.entry & VM_ENTRY_IA32E_MODE) { /* allowed 0-setting (bits 31:0) */
		ctx->skip_reason = "ia32e_mode_guest_must_be_1";
		return false;
	}
	if (!ept_enable(ctx, false))
		return false;
	for (u64 i = 0; i < 512; i++)
		pae_pd[i] = (i << 21) | PAE_PDE_2M;
	memset(pae_pdpt, 0, sizeof(pae_pdpt));
	pae_pdpt[0] = (u64)pae_pd | 1;
	memset(pae_page_pdpt, 0, 4096);
	pae_page_pdpt[0] = pae_pdpt[0]; /* the same mapping, had the load succeeded */
	v->entry_ctl &= ~(u64)VM_ENTRY_IA32E_MODE;
	vmcs_write(VM_ENTRY_CONTROLS, v->entry_ctl);
	u64 cr4 = (read_cr4() & ~(u64)X86_CR4_PCIDE) | X86_CR4_PAE;
	vmcs_write(GUEST_CR4, cr4);
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR3, (u64)pae_pdpt);
	vmcs_write(GUEST_PDPTR0, pae_pdpt[0]);
	vmcs_write(GUEST_PDPTR1, 0);
	vmcs_write(GUEST_PDPTR2, 0);
	vmcs_write(GUEST_PDPTR3, 0);
	vmcs_write(GUEST_CS_AR_BYTES, CS_AR_CODE32);
	u64 *pte = ept_pte(gpa_not_present);
	*pte &= ~(u64)EPT_RWX;
	return true;
}
static bool setup_pae_pdpte(struct scenario_ctx *ctx) { return setup_pae(ctx, (u64)pae_page_pdpt); }
static bool setup_pae_read(struct scenario_ctx *ctx) { return setup_pae(ctx, (u64)pae_page_data); }

#define PAE_GUEST(id, prep, instruction)                                                         \
	void guest_##id(void);                                                                   \
	asm(".text\n.code32\n.global guest_" #id "\nguest_" #id ":\n" prep "\n"                 \
	    GUEST_LABEL(id, insn) instruction "\n" GUEST_LABEL(id, resume) "vmcall\n"           \
	    "jmp label__" #id "__resume\n.code64\n")
PAE_GUEST(exit_ept_pae_pdpte, "mov $label__exit_ept_pae_pdpte__pdpt, %eax", "mov %eax, %cr3");
PAE_GUEST(exit_ept_pae_read, "", "mov label__exit_ept_pae_read__target, %eax");

#define CITE_PAE                                                                                  \
	CITE_V "; bit 7 \"The guest linear-address field is valid for all EPT violations except "  \
	       "those resulting from an attempt to load the guest PDPTEs as part of the execution of " \
	       "the MOV CR instruction\"; \"Loading Page-Directory-Pointer-Table Entries\"; "           \
	       "\"Checks on Guest Page-Directory-Pointer-Table Entries\""
SCENARIO(exit_ept_pae_pdpte, .guest = guest_exit_ept_pae_pdpte, .setup = setup_pae_pdpte,
	 .expect = "EPT_VIOLATION at=insn qual={" ACC(1, 0, 0) "," PERM(0, 0, 0) ",GLA_VALID=NO_GLA,"
		   "GLA_TRANSLATION=0,~USER_EXECUTABLE,~USER_MODE_LINEAR,~RW_PAGE_LINEAR,~XD_LINEAR,"
		   "NMI_UNBLOCKING=0} gpa=@pdpt end",
	 .cite = CITE_PAE "; PAE paging: MOV to CR3 loads the four PDPTEs from CR3 (PDPTE 0 at the PDPT's "
		 "address), \"treated as reads\"; bit 8 is reserved (cleared to 0) when bit 7 is 0");
SCENARIO(exit_ept_pae_read, .guest = guest_exit_ept_pae_read, .setup = setup_pae_read,
	 .expect = VIOL(ACC(1, 0, 0), PERM(0, 0, 0), FINAL, AT_TARGET),
	 .cite = CITE_PAE "; the same 32-bit PAE guest reads 4 bytes at the label (MOV EAX, moffs32): bit 7 "
		 "set, the linear address with bits 63:32 clear (not in 64-bit mode)");
