/* l1io: the L1 guest's channel to Bochs (L0).  No libc.
 *   l1io e9            copy stdin to I/O port 0xe9 (Bochs: its stdout)
 *   l1io say WORDS...  one line to port 0xe9
 *   l1io off           "Shutdown" to port 0x8900: Bochs ends the simulation
 *   l1io checkpoint    "Checkpoint" to port 0x8900: our Bochs build saves its
 *                      whole state and ends (harness/bochs-patches/); a
 *                      restore ("bochs -r") resumes right after it
 *   l1io read-direct DEV OUT
 *                      the per-run input after a restore: DEV (the CD-ROM,
 *                      whose file the harness swaps) read with O_DIRECT, not
 *                      the page cache of the boot ISO; block 0 says
 *                      "VMXDIFF-RUN <length>\n", the bytes follow from 2048
 *                      on; exit 3 without that header
 *   l1io follow SRC DST DONEFILE
 *                      copy what file SRC gains to DST until DONEFILE exists
 *   l1io follow-mem RAMFILE DST DONEFILE ADDR SIZE MAGIC LEN_OFF LOST_OFF DATA_OFF
 *                      the same for the image's memory trace channel
 *                      (core/include/trace_mem.def) inside L2's RAM file;
 *                      at the end, a non-zero count of lost bytes is said
 *                      on port 0xe9 ("@L1 TRACEMEM lost=N")
 *   l1io e9-lines RAW EVID TYPE_OFF RW_OFF PORT_OFF SIZE_OFF COUNT_OFF VAL_OFF DATA_OFF DATA_SIZE
 *                      read the kvm_pio events of a tracefs ring buffer
 *                      (per_cpu/cpuN/trace_pipe_raw, binary pages) and say
 *                      L2's one-byte writes to port 0xe9 grouped into lines:
 *                      "@L1 E9LINE <tick of the line's first byte> <text>";
 *                      a 32-bit write there (the image's compact marker,
 *                      core/include/marker.def) is said as it is:
 *                      "@L1 E9MARK <tick> <value>"; then
 *                      "@L1 TRACED events=N lines=N partial=N missed=N marks=N".
 *                      Offsets come from the event's and header_page's format
 *                      files (harness/l1/init).  Exit 3 on a page it cannot
 *                      parse: init then falls back to the text trace.
 */
typedef unsigned long u64;
static long sys3(long n, long a, long b, long c) {
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return r;
}
#define SYS_read 0
#define SYS_write 1
#define SYS_iopl 172
#define SYS_exit 60
#define SYS_open 2
#define SYS_nanosleep 35
#define SYS_access 21
#define SYS_pread64 17
struct ts { long s, ns; };
#ifdef L1IO_STDOUT
/* Host unit tests (harness/tests/test_kvm_on_bochs.py): port output goes to stdout. */
static void outs(unsigned short port, const char *p, u64 n) {
    (void)port;
    while (n > 0) {
        long w = sys3(SYS_write, 1, (long)p, (long)n);
        if (w <= 0) return;
        p += w, n -= (u64)w;
    }
}
#else
static void outs(unsigned short port, const char *p, u64 n) {
    static int io;
    if (!io && sys3(SYS_iopl, 3, 0, 0) != 0) { sys3(SYS_write, 2, (long)"l1io: iopl failed\n", 18); sys3(SYS_exit, 2, 0, 0); }
    io = 1;
    __asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(port) : "memory");
}
#endif
static int eq(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }
static u64 len(const char *s) { u64 n = 0; while (s[n]) n++; return n; }
static char buf[65536];
static u64 num(const char *s) { u64 v = 0; while (*s >= '0' && *s <= '9') v = v * 10 + (u64)(*s++ - '0'); return v; }
static void put_all(long fd, const char *p, long n) {
    while (n > 0) {
        long w = sys3(SYS_write, fd, (long)p, n);
        if (w <= 0) return;
        p += w, n -= w;
    }
}
static long pread(long fd, void *p, u64 n, u64 off) {
    long r;
    register long r10 __asm__("r10") = (long)off;
    __asm__ volatile("syscall" : "=a"(r) : "a"(SYS_pread64), "D"(fd), "S"(p), "d"(n), "r"(r10) : "rcx", "r11", "memory");
    return r;
}
static void pause_ms(long ms) { struct ts t = { 0, ms * 1000000 }; sys3(SYS_nanosleep, (long)&t, 0, 0); }
static void say_num(const char *what, u64 v) {
    char d[24]; int i = sizeof d; d[--i] = '\n';
    do d[--i] = (char)('0' + v % 10), v /= 10; while (v);
    outs(0xe9, what, len(what));
    outs(0xe9, d + i, sizeof d - (u64)i);
}
/* Line buffer of e9-lines: "@L1 E9LINE <tick> <text>\n". */
static char line[8192];
static u64 line_n, line_text, e9_lines, e9_marks;
static int line_open;
static u64 put_dec(char *d, u64 v) {
    char t[24]; int i = 0;
    do t[i++] = (char)('0' + v % 10), v /= 10; while (v);
    for (int k = 0; k < i; k++) d[k] = t[i - 1 - k];
    return (u64)i;
}
static void e9_byte(u64 tick, unsigned v) {
    static const char hex[] = "0123456789abcdef";
    if (!line_open) {
        static const char pre[] = "@L1 E9LINE ";
        for (line_n = 0; pre[line_n]; line_n++) line[line_n] = pre[line_n];
        line_n += put_dec(line + line_n, tick);
        line[line_n++] = ' ';
        line_text = line_n, line_open = 1;
    }
    if (v == '\n') {  /* an empty line (the marker starts with one) says nothing */
        if (line_n != line_text) {
            line[line_n++] = '\n';
            outs(0xe9, line, line_n);
            e9_lines++;
        }
        line_open = 0;
        return;
    }
    if (line_n + 6 >= sizeof line) return;  /* an over-long line is cut, never split */
    if (v >= 0x20 && v < 0x7f && v != '\\') {
        line[line_n++] = (char)v;
    } else {  /* the text stays one line of printable ASCII */
        line[line_n++] = '\\', line[line_n++] = 'x';
        line[line_n++] = hex[(v >> 4) & 15], line[line_n++] = hex[v & 15];
    }
}
static void e9_mark(u64 tick, u64 val) {
    char m[64];
    static const char pre[] = "@L1 E9MARK ";
    u64 n;
    for (n = 0; pre[n]; n++) m[n] = pre[n];
    n += put_dec(m + n, tick);
    m[n++] = ' ';
    n += put_dec(m + n, val);
    m[n++] = '\n';
    outs(0xe9, m, n);
    e9_marks++;
}
static unsigned rd32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (unsigned)p[3] << 24; }
static u64 rd64(const unsigned char *p) { return rd32(p) | (u64)rd32(p + 4) << 32; }
/* One ring-buffer page (include/linux/ring_buffer.h: event header = type_len:5,
 * time_delta:27; 29 padding, 30 time extend, 31 absolute time stamp). */
static int e9_page(const unsigned char *pg, u64 data_off, u64 data_size, const u64 *off,
                   u64 *events, u64 *missed) {
    u64 ts = rd64(pg), commit = rd64(pg + 8);
    u64 used = commit & ((1UL << 30) - 1);
    if (commit & (1UL << 31)) {  /* RB_MISSED_EVENTS; RB_MISSED_STORED: the count follows the data */
        u64 n = (commit & (1UL << 30)) && data_off + used + 8 <= data_off + data_size ? rd64(pg + data_off + used) : 1;
        *missed += n ? n : 1;
    }
    if (used > data_size) return -1;
    const unsigned char *p = pg + data_off, *end = p + used;
    while (p + 4 <= end) {
        unsigned h = rd32(p), type_len = h & 31, delta = h >> 5;
        const unsigned char *rec;
        u64 rlen;
        if (type_len == 29) {  /* padding */
            if (delta == 0) break;  /* the rest of the page */
            if (p + 8 > end) return -1;
            p += 4 + rd32(p + 4);
            continue;
        }
        if (type_len == 30) { if (p + 8 > end) return -1; ts += delta + ((u64)rd32(p + 4) << 27); p += 8; continue; }
        if (type_len == 31) {
            if (p + 8 > end) return -1;
            u64 abs = delta + ((u64)rd32(p + 4) << 27);  /* low 59 bits; the top ones are the page's */
            ts = (ts & ~((1UL << 59) - 1)) | abs;
            p += 8;
            continue;
        }
        ts += delta;
        if (type_len == 0) { if (p + 8 > end) return -1; rlen = rd32(p + 4) - 4; rec = p + 8; }
        else { rlen = (u64)type_len * 4; rec = p + 4; }
        if (rec + rlen > end) return -1;
        p = rec + rlen;
        if (off[0] + 2 > rlen || off[6] + 4 > rlen) continue;
        if ((rec[off[0]] | rec[off[0] + 1] << 8) != off[7]) continue;  /* not kvm_pio */
        (*events)++;
        /* the text path's rule: "pio_write at 0xe9 size 1 count 1" */
        if (rd32(rec + off[1]) == 1 && rd32(rec + off[2]) == 0xe9 && rd32(rec + off[4]) == 1) {
            if (rd32(rec + off[3]) == 1)
                e9_byte(ts, rd32(rec + off[5]) & 0xff);
            else if (rd32(rec + off[3]) == 4)  /* "pio_write at 0xe9 size 4 count 1" */
                e9_mark(ts, rd32(rec + off[5]));
        }
    }
    return 0;
}
static char page[65536];
static int e9_lines_main(char **argv) {
    /* argv: RAW EVID TYPE_OFF RW_OFF PORT_OFF SIZE_OFF COUNT_OFF VAL_OFF DATA_OFF DATA_SIZE */
    u64 off[8] = { num(argv[2]), num(argv[3]), num(argv[4]), num(argv[5]), num(argv[6]), num(argv[7]),
                   0, num(argv[1]) };
    off[6] = off[1];
    for (int k = 1; k < 6; k++) if (off[k] > off[6]) off[6] = off[k];
    u64 data_off = num(argv[8]), data_size = num(argv[9]), psize = data_off + data_size;
    if (data_off < 16 || psize > sizeof page) return 3;
    long fd = sys3(SYS_open, (long)argv[0], 04000 /* O_RDONLY|O_NONBLOCK */, 0);
    if (fd < 0) return 3;
    u64 events = 0, missed = 0;
    for (;;) {
        u64 have = 0;
        while (have < psize) {  /* a read returns at most one page */
            long n = sys3(SYS_read, fd, (long)page + have, (long)(psize - have));
            if (n <= 0) break;
            have += (u64)n;
        }
        if (have == 0) break;
        if (have < 16 || e9_page((unsigned char *)page, data_off, have - data_off, off, &events, &missed))
            return 3;
    }
    outs(0xe9, "@L1 TRACED events=", 18);
    char d[24];
    outs(0xe9, d, put_dec(d, events));
    outs(0xe9, " lines=", 7);
    outs(0xe9, d, put_dec(d, e9_lines));
    outs(0xe9, " partial=", 9);
    outs(0xe9, d, put_dec(d, (u64)line_open));
    outs(0xe9, " missed=", 8);
    outs(0xe9, d, put_dec(d, missed));
    outs(0xe9, " marks=", 7);
    outs(0xe9, d, put_dec(d, e9_marks));
    outs(0xe9, "\n", 1);
    return 0;
}
/* Per-run input after a snapshot restore (harness/runners/kvm_snapshot.py). */
static char dbuf[65536] __attribute__((aligned(4096)));
static int read_direct(const char *dev, const char *path) {
    static const char magic[] = "VMXDIFF-RUN ";
    long in = sys3(SYS_open, (long)dev, 040000 /* O_RDONLY|O_DIRECT */, 0);
    long out = sys3(SYS_open, (long)path, 01 | 0100 | 01000 /* O_WRONLY|O_CREAT|O_TRUNC */, 0644);
    if (in < 0 || out < 0) return 2;
    if (pread(in, dbuf, 2048, 0) != 2048) return 3;
    for (u64 i = 0; i < sizeof magic - 1; i++)
        if (dbuf[i] != magic[i]) return 3;
    u64 want = num(dbuf + sizeof magic - 1), off = 2048;
    while (want > 0) {
        long n = pread(in, dbuf, sizeof dbuf, off);
        if (n <= 0) return 4;
        long k = (u64)n < want ? n : (long)want;
        put_all(out, dbuf, k);
        want -= (u64)k, off += (u64)n;
    }
    return 0;
}
void __attribute__((used)) cmain(long argc, char **argv) {
    if (argc >= 2 && eq(argv[1], "e9")) {
        for (;;) {
            long n = sys3(SYS_read, 0, (long)buf, sizeof buf);
            if (n <= 0) break;
            outs(0xe9, buf, (u64)n);
        }
    } else if (argc >= 2 && eq(argv[1], "say")) {
        for (long i = 2; i < argc; i++) {
            outs(0xe9, argv[i], len(argv[i]));
            outs(0xe9, i + 1 < argc ? " " : "\n", 1);
        }
    } else if (argc >= 5 && eq(argv[1], "follow")) {
        /* follow SRC DST DONEFILE: copy what SRC gains to DST until DONEFILE exists */
        long in = sys3(SYS_open, (long)argv[2], 0, 0);
        long out = sys3(SYS_open, (long)argv[3], 1 | 0400 /* O_WRONLY|O_NOCTTY */, 0);
        if (in < 0 || out < 0) { sys3(SYS_write, 2, (long)"l1io: follow: open failed\n", 26); sys3(SYS_exit, 2, 0, 0); }
        int last = 0;
        for (;;) {
            long n = sys3(SYS_read, in, (long)buf, sizeof buf);
            if (n > 0) {
                for (long off = 0; off < n;) {
                    long w = sys3(SYS_write, out, (long)buf + off, n - off);
                    if (w <= 0) break;
                    off += w;
                }
                continue;
            }
            if (last) break;
            if (sys3(SYS_access, (long)argv[4], 0, 0) == 0) { last = 1; continue; }
            pause_ms(2);
        }
    } else if (argc >= 11 && eq(argv[1], "follow-mem")) {
        u64 addr = num(argv[5]), size = num(argv[6]), magic = num(argv[7]);
        u64 len_off = num(argv[8]), lost_off = num(argv[9]), data_off = num(argv[10]);
        long out = sys3(SYS_open, (long)argv[3], 1 | 0400 /* O_WRONLY|O_NOCTTY */, 0);
        if (out < 0) { sys3(SYS_write, 2, (long)"l1io: follow-mem: open failed\n", 30); sys3(SYS_exit, 2, 0, 0); }
        long in = -1;
        u64 done = 0, lost = 0;
        int last = 0;
        for (;;) {
            int moved = 0;
            if (in < 0)
                in = sys3(SYS_open, (long)argv[2], 0, 0);
            u64 h[3];
            if (in >= 0 && pread(in, h, sizeof h, addr) == (long)sizeof h && h[0] == magic) {
                u64 have = 0;
                pread(in, &have, 8, addr + len_off);
                pread(in, &lost, 8, addr + lost_off);
                if (have > size - data_off)
                    have = size - data_off;
                while (done < have) {
                    u64 want = have - done < sizeof buf ? have - done : sizeof buf;
                    long n = pread(in, buf, want, addr + data_off + done);
                    if (n <= 0) break;
                    put_all(out, buf, n);
                    done += (u64)n;
                    moved = 1;
                }
            }
            if (last) break;
            if (sys3(SYS_access, (long)argv[4], 0, 0) == 0) { last = 1; continue; }
            if (!moved) pause_ms(2);
        }
        if (lost) say_num("@L1 TRACEMEM lost=", lost);
    } else if (argc >= 12 && eq(argv[1], "e9-lines")) {
        sys3(SYS_exit, e9_lines_main(argv + 2), 0, 0);
    } else if (argc >= 2 && eq(argv[1], "off")) {
        outs(0x8900, "Shutdown", 8);
    } else if (argc >= 2 && eq(argv[1], "checkpoint")) {
        outs(0x8900, "Checkpoint", 10);
    } else if (argc >= 4 && eq(argv[1], "read-direct")) {
        sys3(SYS_exit, read_direct(argv[2], argv[3]), 0, 0);
    } else {
        sys3(SYS_write, 2, (long)"usage: l1io e9|say|follow|follow-mem|e9-lines|off|checkpoint|read-direct\n", 73);
        sys3(SYS_exit, 2, 0, 0);
    }
    sys3(SYS_exit, 0, 0, 0);
}
__asm__(".globl _start\n_start:\n xor %rbp,%rbp\n mov (%rsp),%rdi\n lea 8(%rsp),%rsi\n and $-16,%rsp\n call cmain\n hlt\n");
