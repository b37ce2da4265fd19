/*
 * selftest_* - hidden scenarios (run only when named exactly) that make the
 * platform misbehave on purpose, so the harness's failure handling is
 * tested end to end.  They need no VMX, so they run on every platform.
 *   selftest_hang          the host spins forever: the run must end as TIMEOUT
 *   selftest_triple_fault  the host loads an empty IDT and raises #BP: the
 *                          platform must stop (CRASHED), not reboot
 *   selftest_host_fault    the host executes UD2: a FAULT record ends the run
 */
#include "scenario.h"
#include "x86.h"

static void guest_spin(void)
{
	for (;;)
		asm volatile("pause");
}

static enum scenario_status hang(struct scenario_ctx *ctx)
{
	(void)ctx;
	for (;;)
		asm volatile("pause");
	return SCN_ABORT;
}

static enum scenario_status triple_fault(struct scenario_ctx *ctx)
{
	(void)ctx;
	struct desc_ptr empty = { 0, 0 };
	asm volatile("lidt %0\n int3" : : "m"(empty));
	return SCN_ABORT;
}

static enum scenario_status host_fault(struct scenario_ctx *ctx)
{
	(void)ctx;
	asm volatile("ud2");
	return SCN_ABORT;
}

SCENARIO(selftest_hang, .guest = guest_spin, .body = hang, .hidden = true, .no_vmx = true);
SCENARIO(selftest_triple_fault, .guest = guest_spin, .body = triple_fault, .hidden = true, .no_vmx = true);
SCENARIO(selftest_host_fault, .guest = guest_spin, .body = host_fault, .hidden = true, .no_vmx = true);
