/* COM1 (0x3f8) 16550 UART: 115200 8N1, polled. */
#include "lib.h"
#include "x86.h"

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

void serial_putc(char c)
{
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
	while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
		;
}
