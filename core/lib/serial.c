/*
 * The trace sink: COM1 (0x3f8) 16550 UART, 115200 8N1, polled; or, after
 * serial_to_memory(), the memory channel of trace_mem.def.
 */
#include "lib.h"
#include "x86.h"

enum {
#define TRACE_MEM(name, value) TRACE_MEM_##name = (u64)(value),
#include "trace_mem.def"
#undef TRACE_MEM
};

/* NULL: COM1.  Otherwise the memory channel's header. */
static volatile u64 *mem_header;

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE BIT(5)
#define LSR_TEMT BIT(6)

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, 0x80); /* DLAB: divisor 1 = 115200 baud */
	outb(COM1 + 0, 0x01);
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03); /* 8N1 */
	outb(COM1 + UART_FCR, 0xc7); /* FIFO on, cleared */
	outb(COM1 + UART_MCR, 0x03);
}

/*
 * From now on every byte goes to RAM at TRACE_MEM_ADDR (identity-mapped, past
 * the image, inside the smallest RAM a platform gives, 64 MiB).  The magic is
 * written last, so a reader that sees it sees a valid header.
 */
void serial_to_memory(void)
{
	volatile u64 *h = (volatile u64 *)(u64)TRACE_MEM_ADDR;
	h[TRACE_MEM_LEN_OFFSET / 8] = 0;
	h[TRACE_MEM_LOST_OFFSET / 8] = 0;
	asm volatile("" ::: "memory");
	h[0] = TRACE_MEM_MAGIC;
	mem_header = h;
}

void serial_putc(char c)
{
	if (mem_header) {
		u64 n = mem_header[TRACE_MEM_LEN_OFFSET / 8];
		if (n >= TRACE_MEM_SIZE - TRACE_MEM_DATA_OFFSET) {
			mem_header[TRACE_MEM_LOST_OFFSET / 8]++;
			return;
		}
		((volatile u8 *)mem_header)[TRACE_MEM_DATA_OFFSET + n] = (u8)c;
		asm volatile("" ::: "memory"); /* the byte before the length (x86 stores are ordered) */
		mem_header[TRACE_MEM_LEN_OFFSET / 8] = n + 1;
		return;
	}
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		;
	outb(COM1 + UART_THR, (u8)c);
}

void serial_write(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

/* Wait until the transmitter is empty (TEMT): the last byte has left. */
void serial_drain(void)
{
	if (mem_header)
		return;
	while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
		;
}
