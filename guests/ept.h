/*
 * EPT helpers shared by the memory-virtualisation scenarios (exit_ept.c,
 * exit_misc2.c): identity-mapped EPT paging structures built afresh by every
 * scenario's setup (so a scenario that changes an entry, or a platform that
 * sets EPT accessed/dirty flags, leaves nothing behind), the EPTP, INVEPT,
 * and a private guest paging hierarchy for linear addresses 0x40000000 up.
 *
 * SDM Vol. 3, "The Extended Page Table Mechanism (EPT)": "EPT Translation
 * Mechanism" (4-level walk), "Extended-Page-Table Pointer (EPTP)" (bits 2:0
 * memory type, 5:3 page-walk length minus 1, bit 6 accessed/dirty enable),
 * "EPT and Memory Typing"; appendix "VPID and EPT Capabilities"
 * (IA32_VMX_EPT_VPID_CAP).
 */
#ifndef VMXDIFF_GUESTS_EPT_H
#define VMXDIFF_GUESTS_EPT_H

#include "scenario.h"

/* EPT entry bits. */
#define EPT_R BIT(0)
#define EPT_W BIT(1)
#define EPT_X BIT(2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT(t) ((u64)(t) << 3) /* leaf: EPT memory type, bits 5:3 */
#define EPT_MT_MASK (7ULL << 3)
#define EPT_PS BIT(7)
#define EPT_A BIT(8)
#define EPT_D BIT(9)
#define EPT_ADDR_MASK 0x000ffffffffff000ULL
#define EPT_MT_WB 6

/* IA32_VMX_EPT_VPID_CAP bits (appendix "VPID and EPT Capabilities"). */
#define EPTCAP_XONLY BIT(0)
#define EPTCAP_PWL4 BIT(6)
#define EPTCAP_UC BIT(8)
#define EPTCAP_WB BIT(14)
#define EPTCAP_2M BIT(16)
#define EPTCAP_INVEPT BIT(20)
#define EPTCAP_AD BIT(21)
#define EPTCAP_ADV_INFO BIT(22)
#define EPTCAP_INVEPT_SINGLE BIT(25)
#define EPTCAP_INVEPT_ALL BIT(26)

/* The guest-linear window of the private guest paging (ept_guest_paging()):
 * linear EPT_GLA_BASE + n * 4 KiB maps, through the guest page table
 * ept_gpt[n], to guest-physical ept_gpt_target[n]. */
#define EPT_GLA_BASE 0x40000000ULL
/* Guest-physical 1 GiB .. 2 GiB: the second EPT subtree (ept_pd2 / ept_pt2),
 * used by the misconfiguration scenarios. */
#define EPT_GPA_HIGH 0x40000000ULL

u64 ept_cap(void);
/* Build the tables, enable EPT ("enable EPT" secondary control, EPTP with the
 * memory type and page-walk length the capability MSR allows; accessed/dirty
 * flags if ad), INVEPT.  False (skip reason set) where the platform lacks it. */
bool ept_enable(struct scenario_ctx *ctx, bool ad);
u64 ept_eptp(bool ad);
/* The 4-KByte EPT PTE that maps gpa (< 1 GiB; its 2 MiB region is split on
 * first use by this scenario). */
u64 *ept_pte(u64 gpa);
/* Flush EPT-derived translations (INVEPT all-context, else single-context). */
void ept_invept(u64 eptp);
/* Point GUEST_CR3 at the private guest paging structures: identity for the
 * first GiB (the host's page directory), plus the EPT_GLA_BASE window. */
void ept_guest_paging(void);

/* EPT structures a scenario may change (rebuilt by ept_enable()). */
extern u64 ept_pml4[512], ept_pdpt[512], ept_pd2[512], ept_pt2[512], ept_pdpt3[512];
/* Private guest paging: the page table of the EPT_GLA_BASE window. */
extern u64 ept_gpt[512];

/* .expect words of the EPT-violation qualification (exit_info.def layout EPT_VIOLATION).
 * Bits 9-11 are defined only when bit 8 is 1 and the processor enumerates
 * "advanced VM-exit information for EPT violations"; bit 6 only with the
 * "mode-based execute control for EPT" (0 here): both left out except where a
 * scenario checks them.  FINAL: the access is to the translation of a linear
 * address; WALK: to a guest paging-structure entry. */
#define FINAL "GLA_VALID=1,GLA_TRANSLATION=1,~USER_EXECUTABLE,~USER_MODE_LINEAR,~RW_PAGE_LINEAR,~XD_LINEAR,NMI_UNBLOCKING=0"
#define WALK "GLA_VALID=1,GLA_TRANSLATION=0,~USER_EXECUTABLE,~USER_MODE_LINEAR,~RW_PAGE_LINEAR,~XD_LINEAR,NMI_UNBLOCKING=0"
#define ACC(r, w, f) "READ=" #r ",WRITE=" #w ",FETCH=" #f
#define PERM(r, w, x) "READABLE=" #r ",WRITABLE=" #w ",EXECUTABLE=" #x

#endif
