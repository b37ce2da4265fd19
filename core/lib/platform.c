/*
 * Ending a run.  QEMU: isa-debug-exit at port 0xf4 (exit status (code<<1)|1).
 * Bochs: writing "Shutdown" to port 0x8900 stops the simulation.  Writes to
 * the other platform's port are ignored, so both are tried in turn.
 */
#include "lib.h"
#include "x86.h"
#include "smp.h"

void NORETURN platform_exit(int code)
{
	static const char shutdown[] = "Shutdown";

	u32 cpu = smp_this_cpu();
	if (cpu) /* an AP: parked; the BSP prints its records and ends the run with this code */
		smp_ap_exit(cpu, code);
	serial_drain();
	outl(0xf4, (u32)code);
	for (const char *p = shutdown; *p; p++)
		outb(0x8900, (u8)*p);
	for (;;)
		asm volatile("cli; hlt");
}

/*
 * Port 0xe9 (Bochs "port_e9_hack", QEMU -debugcon): a marker in the
 * emulator's own log so the harness can tell which scenario a log line
 * belongs to.  Platforms without such a port ignore the write.
 */
#define MARKER(name, value) MARKER_##name = (value),
enum {
#include "marker.def"
};
#undef MARKER

void debugcon_write(const char *s)
{
	while (*s)
		outb(MARKER_PORT, (u8)*s++);
}

/* The compact marker (command line marker=id, marker.def): one OUT instead of one per byte. */
void debugcon_mark(u32 index)
{
	outl(MARKER_PORT, MARKER_TAG | (index & MARKER_INDEX_MASK));
}
