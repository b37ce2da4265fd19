/*
 * The trace sink, one of three channels (command line key "trace="):
 *   serial  COM1 (0x3f8) 16550 UART, 115200 8N1, polled (the default);
 *   mem     guest RAM, layout trace_mem.def (serial_to_memory());
 *   disk    sectors of an ATA disk, trace_disk.def (serial_to_disk()).
 * serial and mem carry the trace text; disk carries binary records
 * (trace_bin.def) that the harness turns back into the same text.  One call
 * per record (serial_write_n, or serial_write_record on the disk), so the disk
 * channel writes the sector holding the end of the trace once per record.
 */
#include "lib.h"
#include "x86.h"
#include "trace.h"

enum {
#define TRACE_MEM(name, value) TRACE_MEM_##name = (u64)(value),
#include "trace_mem.def"
#undef TRACE_MEM
#define TRACE_DISK(name, value) TRACE_DISK_##name = (value),
#include "trace_disk.def"
#undef TRACE_DISK
#define TRACE_BIN(name, value) TRACE_BIN_##name = (u64)(value),
#include "trace_bin.def"
#undef TRACE_BIN
};

static enum { CH_SERIAL, CH_MEM, CH_DISK } channel;

/* The memory channel's header (CH_MEM). */
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
	channel = CH_MEM;
}

/* ---- the disk channel: ATA PIO, LBA28, polled, interrupts off (nIEN) ---- */

#define ATA_BASE (TRACE_DISK_ATA_CHANNEL ? 0x170 : 0x1f0)
#define ATA_CTRL (TRACE_DISK_ATA_CHANNEL ? 0x376 : 0x3f6)
#define ATA_DATA 0
#define ATA_COUNT 2
#define ATA_LBA0 3
#define ATA_LBA1 4
#define ATA_LBA2 5
#define ATA_DEVICE 6 /* bit 6 LBA, bit 4 slave, bits 3:0 LBA 27:24 */
#define ATA_STATUS 7 /* read */
#define ATA_COMMAND 7 /* write */
#define ATA_CMD_WRITE_SECTORS 0x30
#define ATA_ST_ERR BIT(0)
#define ATA_ST_DRQ BIT(3)
#define ATA_ST_DF BIT(5)
#define ATA_ST_DRDY BIT(6)
#define ATA_ST_BSY BIT(7)
#define ATA_CTRL_NIEN BIT(1)
#define ATA_POLLS 1000000 /* Bochs completes a PIO write at once; a real disk within this */
#define DISK_SECTORS ((u64)TRACE_DISK_CYLINDERS * TRACE_DISK_HEADS * TRACE_DISK_SPT)

/* The sector being filled, then the sectors one record adds after it (a record is 3 + RECORD_MAX
 * bytes at most); zero past disk_fill. */
#define DISK_BUF_SECTORS 4
_Static_assert((DISK_BUF_SECTORS - 1) * TRACE_DISK_SECTOR >= 3 + TRACE_BIN_RECORD_MAX, "disk_buf");
static u8 disk_buf[DISK_BUF_SECTORS * TRACE_DISK_SECTOR] ALIGNED(16);
static u32 disk_fill; /* bytes of disk_buf in use */
static u32 disk_lba; /* where disk_buf's first sector goes */
static bool disk_failed; /* a write failed (or the disk is full): the rest is dropped */

static u8 ata_select(u32 lba)
{
	outb(ATA_BASE + ATA_DEVICE, (u8)(0xe0 | (TRACE_DISK_ATA_SLAVE << 4) | ((lba >> 24) & 0x0f)));
	return inb(ATA_BASE + ATA_STATUS);
}

/* Wait until BSY clears; the status then, or 0xff when it never does. */
static u8 ata_wait(void)
{
	for (u32 i = 0; i < ATA_POLLS; i++) {
		u8 st = inb(ATA_BASE + ATA_STATUS);
		if (!(st & ATA_ST_BSY))
			return st;
	}
	return 0xff;
}

static bool disk_write_sector(u32 lba, const void *buf)
{
	if (lba >= DISK_SECTORS)
		return false;
	ata_select(lba);
	outb(ATA_BASE + ATA_COUNT, 1);
	outb(ATA_BASE + ATA_LBA0, (u8)lba);
	outb(ATA_BASE + ATA_LBA1, (u8)(lba >> 8));
	outb(ATA_BASE + ATA_LBA2, (u8)(lba >> 16));
	outb(ATA_BASE + ATA_COMMAND, ATA_CMD_WRITE_SECTORS);
	u8 st = ata_wait();
	if ((st & (ATA_ST_ERR | ATA_ST_DF)) || !(st & ATA_ST_DRQ))
		return false;
	/* 32-bit OUTs: half the I/O instructions of OUTSW (Bochs accepts both on the data port; its
	 * bulk-transfer shortcut for REP OUTSW does not apply in 64-bit mode). */
	const void *p = buf;
	u64 dwords = TRACE_DISK_SECTOR / 4;
	asm volatile("cld; rep outsl" : "+S"(p), "+c"(dwords) : "d"((u16)(ATA_BASE + ATA_DATA)) : "memory");
	st = ata_wait();
	return !(st & (ATA_ST_ERR | ATA_ST_DF | ATA_ST_DRQ));
}

/*
 * Send the trace to the disk of trace_disk.def.  false (and COM1 stays the
 * channel) when no ready disk answers there.
 */
bool serial_to_disk(void)
{
	outb(ATA_CTRL, ATA_CTRL_NIEN);
	u8 st = ata_select(0);
	if (st == 0xff || (st & (ATA_ST_BSY | ATA_ST_DRDY)) != ATA_ST_DRDY)
		return false;
	disk_fill = 0;
	disk_lba = 0;
	disk_failed = false;
	memset(disk_buf, 0, sizeof(disk_buf));
	channel = CH_DISK;
	trace_binary_header();
	return true;
}

bool serial_binary(void)
{
	return channel == CH_DISK;
}

/*
 * One record onto the disk: copied after the bytes already there, then every sector it touched is
 * written, the last first and the one where it starts last.  So a run that ends between two of
 * these writes leaves the disk as it was before the record (its first byte still a zero, where the
 * decoder stops): the disk always holds whole records, never the head of one with zeros for the
 * rest.  Then the full sectors leave the buffer.
 */
static void disk_write_record(const void *rec, size_t n)
{
	if (disk_failed)
		return;
	if (n > sizeof(disk_buf) - disk_fill) { /* cannot happen: records are RECORD_MAX at most */
		disk_failed = true;
		return;
	}
	void *d = disk_buf + disk_fill;
	const void *src = rec;
	size_t c = n;
	asm volatile("cld; rep movsb" : "+D"(d), "+S"(src), "+c"(c) : : "memory");
	u32 first = disk_fill / TRACE_DISK_SECTOR;
	disk_fill += (u32)n;
	for (u32 i = (disk_fill + TRACE_DISK_SECTOR - 1) / TRACE_DISK_SECTOR; i-- > first;)
		if (!disk_write_sector(disk_lba + i, disk_buf + i * TRACE_DISK_SECTOR)) {
			disk_failed = true; /* the disk is full (or broken): the rest is dropped */
			return;
		}
	u32 full = disk_fill / TRACE_DISK_SECTOR;
	if (full) {
		u32 keep = disk_fill - full * TRACE_DISK_SECTOR;
		memcpy(disk_buf, disk_buf + full * TRACE_DISK_SECTOR, keep);
		memset(disk_buf + keep, 0, disk_fill - keep);
		disk_lba += full;
		disk_fill = keep;
	}
}

void serial_putc(char c)
{
	serial_write_n(&c, 1);
}

/* A whole binary record (trace.c), on the disk channel. */
void serial_write_record(const void *rec, size_t n)
{
	disk_write_record(rec, n);
}

void serial_write_n(const char *s, size_t n)
{
	if (channel == CH_DISK) { /* text outside a record: TAG_BYTES records of 127 bytes at most */
		while (n) {
			u8 rec[2 + 0x7f];
			size_t k = n < 0x7f ? n : 0x7f;
			rec[0] = TRACE_BIN_TAG_BYTES;
			rec[1] = (u8)k;
			memcpy(rec + 2, s, k);
			disk_write_record(rec, 2 + k);
			s += k;
			n -= k;
		}
		return;
	}
	if (channel == CH_MEM) {
		for (; n; n--) {
			u64 len = mem_header[TRACE_MEM_LEN_OFFSET / 8];
			if (len >= TRACE_MEM_SIZE - TRACE_MEM_DATA_OFFSET) {
				mem_header[TRACE_MEM_LOST_OFFSET / 8]++;
				continue;
			}
			((volatile u8 *)mem_header)[TRACE_MEM_DATA_OFFSET + len] = (u8)*s++;
			asm volatile("" ::: "memory"); /* the byte before the length (x86 stores are ordered) */
			mem_header[TRACE_MEM_LEN_OFFSET / 8] = len + 1;
		}
		return;
	}
	for (; n; n--) {
		while (!(inb(COM1 + UART_LSR) & LSR_THRE))
			;
		outb(COM1 + UART_THR, (u8)*s++);
	}
}

void serial_write(const char *s)
{
	serial_write_n(s, strlen(s));
}

/* Wait until the transmitter is empty (TEMT): the last byte has left. */
void serial_drain(void)
{
	if (channel != CH_SERIAL)
		return; /* the disk channel is flushed by every serial_write() */
	while (!(inb(COM1 + UART_LSR) & LSR_TEMT))
		;
}
