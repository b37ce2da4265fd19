/*
 * kmain: parse the boot command line, print the boot header and the VMX
 * capabilities, run the selected scenarios in name order, end the run.
 *
 * Command line (multiboot1 or multiboot2), space-separated key=value:
 *   scenarios=PAT[,PAT...]  glob patterns; default: whole catalog (hidden
 *                           scenarios only when named exactly)
 *   KEY=N or ID.KEY=N       scenario parameters, e.g. vmcall_loop.count=100
 *   skip=ID[,ID...]         scenarios not to run (exact ids; the harness's
 *                           registry of cases that crash an emulator)
 *   trace=serial|mem|disk   where the trace goes: COM1 (default), the
 *                           memory channel of trace_mem.def or the ATA
 *                           disk of trace_disk.def (same bytes on each)
 *   order=forward|reverse   run the selection in name order (default) or
 *                           backwards (pytest/test_independence.py: a
 *                           scenario's records must not depend on what ran
 *                           before it)
 *   marker=text|id          the scenario marker on port 0xe9 (marker.def):
 *                           a text line (default) or one 32-bit OUT of the
 *                           catalog index (the KVM-on-Bochs platform)
 */
#include "lib.h"
#include "trace.h"
#include "scenario.h"
#include "desc.h"
#include "multiboot.h"

#ifndef BUILD_ID
#define BUILD_ID "unknown"
#endif
#ifndef TABLES_HASH
#define TABLES_HASH "unknown"
#endif

extern const struct scenario __scenarios_start[], __scenarios_end[];
static char cmdline[16384]; /* long explicit selections (sweep cases) */
static u8 guest_stack[16384] ALIGNED(16);

static const char *find_cmdline(u32 magic, u32 info)
{
	if (magic == MB1_BOOT_MAGIC) {
		const u32 *mbi = (const u32 *)(u64)info;
		if (mbi[0] & MB1_INFO_CMDLINE)
			return (const char *)(u64)mbi[MB1_INFO_CMDLINE_OFFSET / 4];
	} else if (magic == MB2_BOOT_MAGIC) {
		const u8 *p = (const u8 *)(u64)info + 8;
		const u8 *end = (const u8 *)(u64)info + *(const u32 *)(u64)info;
		while (p < end) {
			u32 type = ((const u32 *)p)[0], size = ((const u32 *)p)[1];
			if (type == 0)
				break;
			if (type == MB2_TAG_CMDLINE)
				return (const char *)(p + 8);
			p += (size + 7) & ~7u;
		}
	}
	return "";
}

/* Value of token "key=" in the command line, or NULL.  Tokens end at a space. */
static const char *cmdline_value(const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = cmdline; *p;) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return p + klen + 1;
		while (*p && *p != ' ')
			p++;
	}
	return NULL;
}

/* Default of a declared parameter ("key=default,..."); a key the scenario
 * did not declare is a bug in the scenario: the run ends with FATAL. */
static u64 param_default(const struct scenario_ctx *ctx, const char *key)
{
	size_t klen = strlen(key);
	for (const char *p = ctx->params; p && *p;) {
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return strtou64(p + klen + 1, NULL);
		while (*p && *p != ',')
			p++;
		if (*p == ',')
			p++;
	}
	trace("FATAL", "what=undeclared_param scenario=%s key=%s", ctx->name, key);
	trace("FINISH", "status=FATAL");
	platform_exit(4);
	return 0;
}

u64 scenario_param(const struct scenario_ctx *ctx, const char *key)
{
	char scoped[96];
	u64 dflt = param_default(ctx, key);
	snprintf(scoped, sizeof(scoped), "%s.%s", ctx->name, key);
	const char *v = cmdline_value(scoped);
	if (!v)
		v = cmdline_value(key);
	return v ? strtou64(v, NULL) : dflt;
}

/* Is s named exactly in the comma-separated list (the "skip=" key)? */
static bool listed(const struct scenario *s, const char *list)
{
	size_t len = strlen(s->name);
	while (list && *list && *list != ' ') {
		size_t n = 0;
		while (list[n] && list[n] != ',' && list[n] != ' ')
			n++;
		if (n == len && !strncmp(list, s->name, n))
			return true;
		list += n;
		if (*list == ',')
			list++;
	}
	return false;
}

static const char *skip_list;
static bool marker_id; /* marker=id: one OUT per scenario instead of a text line */

/* Does the selection (comma-separated globs) pick scenario s, and skip= not exclude it? */
static bool selected(const struct scenario *s, const char *sel)
{
	if (listed(s, skip_list))
		return false;
	if (!sel)
		return !s->hidden;
	while (*sel && *sel != ' ') {
		size_t n = 0;
		while (sel[n] && sel[n] != ',' && sel[n] != ' ')
			n++;
		char pat[96];
		if (n < sizeof(pat)) {
			memcpy(pat, sel, n);
			pat[n] = '\0';
			bool wild = strchr(pat, '*') || strchr(pat, '?');
			if (glob_match(pat, s->name, strlen(s->name)) && (!s->hidden || !wild))
				return true;
		}
		sel += n;
		if (*sel == ',')
			sel++;
	}
	return false;
}

/*
 * Host state a scenario can change and the next one would see: a VM exit
 * loads the host's control registers and several MSRs from the host-state
 * area (a sweep case may put a different valid value there), the VM-entry
 * MSR-load area writes guest MSRs that outlive the exit, and a guest's
 * WRMSR may pass through.  The VMCS of the next scenario is built from the
 * host's current state, so it is saved once at boot and put back after
 * every scenario (pytest/test_independence.py: same records in any order).
 */
static const u32 host_msr_list[] = {
	MSR_IA32_PAT, MSR_IA32_EFER, MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP,
	MSR_IA32_FS_BASE, MSR_IA32_GS_BASE, MSR_IA32_KERNEL_GS_BASE, MSR_IA32_STAR, MSR_IA32_LSTAR,
	MSR_IA32_CSTAR, MSR_IA32_FMASK, MSR_IA32_TSC_AUX, MSR_IA32_DEBUGCTL, MSR_IA32_PERF_GLOBAL_CTRL,
	MSR_IA32_BNDCFGS, MSR_IA32_S_CET, MSR_IA32_PKRS, MSR_IA32_XSS,
};
static struct {
	u64 cr0, cr3, cr4;
	u64 msr[sizeof(host_msr_list) / sizeof(host_msr_list[0])];
	bool has[sizeof(host_msr_list) / sizeof(host_msr_list[0])];
} host_saved;

static void host_state_save(void)
{
	host_saved.cr0 = read_cr0();
	host_saved.cr3 = read_cr3();
	host_saved.cr4 = read_cr4();
	for (size_t i = 0; i < ARRAY_SIZE(host_msr_list); i++) {
		struct fault_info f;
		host_saved.has[i] = rdmsr_safe(host_msr_list[i], &host_saved.msr[i], &f);
	}
}

static void host_state_restore(void)
{
	if (read_cr0() != host_saved.cr0)
		write_cr0(host_saved.cr0);
	if (read_cr4() != host_saved.cr4)
		write_cr4(host_saved.cr4);
	if (read_cr3() != host_saved.cr3)
		write_cr3(host_saved.cr3);
	for (size_t i = 0; i < ARRAY_SIZE(host_msr_list); i++) {
		struct fault_info f;
		u64 now;
		if (host_saved.has[i] && rdmsr_safe(host_msr_list[i], &now, &f) && now != host_saved.msr[i])
			wrmsr(host_msr_list[i], host_saved.msr[i]);
	}
}

/*
 * Virtual-NMI blocking outlives a scenario on Bochs 2.7: a VM entry with
 * "virtual NMIs" and interruptibility bit 3 clear does not clear the
 * blocking an earlier VMCS left (exit_ev_nmi_window_stale_blocking shows
 * it).  So after a scenario whose VMCS used virtual NMIs, an untraced entry
 * runs a guest that executes IRET, which removes virtual-NMI blocking (SDM
 * "Changes to Instruction Behavior in VMX Non-Root Operation"), then VMCALL.
 */
void scrub_vnmi_guest(void);
asm(".text\nscrub_vnmi_guest:\n"
    "mov %ss, %eax\npush %rax\npush %rsp\naddq $8, (%rsp)\npushfq\n"
    "mov %cs, %eax\npush %rax\nlea 1f(%rip), %rax\npush %rax\niretq\n"
    "1: vmcall\njmp 1b\n");

static void scrub_virtual_nmi_blocking(void)
{
	static struct vcpu scrub;
	u64 pin;
	if (__vmcs_read(PIN_BASED_VM_EXEC_CONTROL, &pin).kind != VMX_SUCCEED || !(pin & PIN_BASED_VIRTUAL_NMIS))
		return;
	vcpu_init(&scrub, scrub_vnmi_guest, (u64)guest_stack + sizeof(guest_stack));
	if (!vcpu_set_ctl(&scrub, PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS))
		return;
	(void)vcpu_run(&scrub);
}

/*
 * Blocking by NMI outlives a scenario too: a guest entered with interruptibility bit 3 set and
 * "virtual NMIs" 0 (ec_GUEST_INTR_*__nmi_blocking) leaves Bochs 2.7 with NMIs blocked, and a
 * later scenario's exit then saved blocking by NMI (exit_extint_ack saved 8 instead of 0 only
 * inside the catalog).  The SDM allows that: "such blocking remains in effect until IRET is
 * executed" ("Interruptibility State"), so the host executes IRET (desc_host_iret) after every
 * scenario, and no scenario's records depend on the one before it.
 */

static void run_scenario(const struct scenario *s, bool vmx_ok)
{
	static struct vcpu vcpu;
	struct scenario_ctx ctx = { .vcpu = &vcpu, .name = s->name, .params = s->params, .scenario = s };
	const char *check = s->check == CHECK_NONE ? "none" : entry_check_table[s->check - 1].name;
	enum scenario_status st;

	trace("BEGIN", "scenario=%s check=%s", s->name, check);
	if (marker_id) {
		debugcon_mark((u32)(s - __scenarios_start));
	} else {
		char mark[128];
		snprintf(mark, sizeof(mark), "\n@VTMARK BEGIN %s\n", s->name);
		debugcon_write(mark);
	}
	if (s->no_vmx) {
		st = s->body(&ctx);
		trace("END", "scenario=%s status=%s reason=none exits=0 vmfails=0", s->name,
		      st == SCN_DONE ? "DONE" : "ABORT");
		return;
	}
	if (!vmx_ok) {
		trace("END", "scenario=%s status=SKIP reason=vmx_unavailable exits=0 vmfails=0", s->name);
		return;
	}
	u32 missing = vmx_missing_requirements(s->requires);
	if (missing) {
		trace("END", "scenario=%s status=SKIP reason=missing_%s exits=0 vmfails=0", s->name,
		      vmx_requirement_name(missing));
		return;
	}
	vcpu_init(&vcpu, s->guest, (u64)guest_stack + sizeof(guest_stack));
	if (s->setup && !s->setup(&ctx)) {
		trace("END", "scenario=%s status=SKIP reason=%s exits=0 vmfails=0", s->name,
		      ctx.skip_reason ? ctx.skip_reason : "setup");
		return;
	}
	st = s->body ? s->body(&ctx) : scenario_default_body(&ctx);
	scrub_virtual_nmi_blocking();
	desc_host_iret(); /* ends a leftover blocking by NMI (above) */
	host_state_restore();
	static const char *const names[] = { "DONE", "SKIP", "ABORT" };
	trace("END", "scenario=%s status=%s reason=%s exits=%u vmfails=%u", s->name, names[st],
	      st == SCN_SKIP && ctx.skip_reason ? ctx.skip_reason : "none", vcpu.exits, vcpu.vmfails);
}

/* Report selection patterns that match no scenario (a typo must not pass). */
static void check_selection(const char *sel)
{
	while (sel && *sel && *sel != ' ') {
		size_t n = 0;
		while (sel[n] && sel[n] != ',' && sel[n] != ' ')
			n++;
		char pat[96];
		bool hit = false;
		if (n < sizeof(pat)) {
			memcpy(pat, sel, n);
			pat[n] = '\0';
			for (const struct scenario *s = __scenarios_start; s < __scenarios_end; s++)
				hit |= glob_match(pat, s->name, strlen(s->name));
			if (!hit)
				trace("NOMATCH", "pattern=%s", pat);
		}
		sel += n;
		if (*sel == ',')
			sel++;
	}
}

void kmain(u32 magic, u32 info)
{
	u32 a, b, c, d;
	char vendor[13];

	serial_init();
	desc_init();
	/* Caching on (CD = NW = 0) whatever the firmware left: Bochs's BIOS leaves CR0.CD/NW set,
	 * SeaBIOS under QEMU clears them, and the guests copy the host's CR0, so otherwise every
	 * CR0 a guest reads would differ between platforms for a reason that is not VMX. */
	write_cr0(read_cr0() & ~(X86_CR0_CD | X86_CR0_NW));
	/* Both 8259 PICs masked: the firmware leaves the timer's IRQ 0 unmasked, and a pending
	 * external interrupt would end any scenario that turns on "external-interrupt exiting"
	 * (QEMU's PIT ticks in real time, Bochs's with the instruction count). */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	const char *src = find_cmdline(magic, info);
	size_t n = strlen(src);
	if (n >= sizeof(cmdline))
		n = sizeof(cmdline) - 1;
	memcpy(cmdline, src, n);
	cmdline[n] = '\0';
	const char *channel = cmdline_value("trace");
	bool bad_channel = false, no_disk = false;
	if (channel && !strncmp(channel, "mem", 3) && (channel[3] == ' ' || !channel[3]))
		serial_to_memory();
	else if (channel && !strncmp(channel, "disk", 4) && (channel[4] == ' ' || !channel[4]))
		no_disk = !serial_to_disk(); /* then the trace stays on COM1 and ends FATAL */
	else if (channel && !(!strncmp(channel, "serial", 6) && (channel[6] == ' ' || !channel[6])))
		bad_channel = true;

	cpuid(0, 0, &a, &b, &c, &d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	cpuid(1, 0, &a, &b, &c, &d);
	serial_write("\n");
	trace("BOOT", "build=%s tables=%s loader=%s vendor=%s cpuid1_eax=%#x cpuid1_ecx=%#x",
	      BUILD_ID, TABLES_HASH, magic == MB2_BOOT_MAGIC ? "multiboot2" : "multiboot1", vendor,
	      a, c);

	if (no_disk) {
		trace("FATAL", "what=trace_disk_missing");
		trace("FINISH", "status=FATAL");
		platform_exit(1);
	}
	if (bad_channel) {
		trace("FATAL", "what=bad_trace_channel");
		trace("FINISH", "status=FATAL");
		platform_exit(1);
	}
	const char *order = cmdline_value("order");
	bool reverse = order && !strncmp(order, "reverse", 7) && (order[7] == ' ' || !order[7]);
	if (order && !reverse && !(!strncmp(order, "forward", 7) && (order[7] == ' ' || !order[7]))) {
		trace("FATAL", "what=bad_order");
		trace("FINISH", "status=FATAL");
		platform_exit(1);
	}
	const char *marker = cmdline_value("marker");
	marker_id = marker && !strncmp(marker, "id", 2) && (marker[2] == ' ' || !marker[2]);
	if (marker && !marker_id && !(!strncmp(marker, "text", 4) && (marker[4] == ' ' || !marker[4]))) {
		trace("FATAL", "what=bad_marker");
		trace("FINISH", "status=FATAL");
		platform_exit(1);
	}
	const char *sel = cmdline_value("scenarios");
	skip_list = cmdline_value("skip"); /* scenarios the harness knows crash this emulator */
	check_selection(sel);
	bool vmx_ok = vmx_init();
	host_state_save(); /* after VMXON: CR4.VMXE stays set */
	/* The golden VMCS (core/sweep.c), once per boot before any scenario, on a VMCS of its own: it
	 * finds which vmcs_fields.def fields this platform's VMREAD refuses (vmx.h
	 * vmcs_read_table_field), so that no scenario's VMCS sees that probe's VMfailValid(12) in its
	 * VM-instruction error field and every scenario gives the same records in any order. */
	if (vmx_ok)
		sweep_trace_golden((u64)guest_stack + sizeof(guest_stack));
	u32 count = 0;
	size_t total = (size_t)(__scenarios_end - __scenarios_start);
	for (size_t i = 0; i < total; i++) {
		const struct scenario *s = reverse ? __scenarios_end - 1 - i : __scenarios_start + i;
		if (!selected(s, sel))
			continue;
		run_scenario(s, vmx_ok);
		count++;
	}
	if (vmx_ok)
		vcpu_trace_ctl_used();
	trace("FINISH", "status=OK scenarios=%u", count);
	platform_exit(0);
}
