/* l1io: the L1 guest's channel to Bochs (L0).  No libc.
 *   l1io e9            copy stdin to I/O port 0xe9 (Bochs: its stdout)
 *   l1io say WORDS...  one line to port 0xe9
 *   l1io off           "Shutdown" to port 0x8900: Bochs ends the simulation
 *   l1io follow SRC DST DONEFILE
 *                      copy what file SRC gains to DST until DONEFILE exists
 *   l1io follow-mem RAMFILE DST DONEFILE ADDR SIZE MAGIC LEN_OFF LOST_OFF DATA_OFF
 *                      the same for the image's memory trace channel
 *                      (core/include/trace_mem.def) inside L2's RAM file;
 *                      at the end, a non-zero count of lost bytes is said
 *                      on port 0xe9 ("@L1 TRACEMEM lost=N")
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
static void outs(unsigned short port, const char *p, u64 n) {
    static int io;
    if (!io && sys3(SYS_iopl, 3, 0, 0) != 0) { sys3(SYS_write, 2, (long)"l1io: iopl failed\n", 18); sys3(SYS_exit, 2, 0, 0); }
    io = 1;
    __asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(port) : "memory");
}
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
    } else if (argc >= 2 && eq(argv[1], "off")) {
        outs(0x8900, "Shutdown", 8);
    } else {
        sys3(SYS_write, 2, (long)"usage: l1io e9|say|follow|follow-mem|off\n", 41);
        sys3(SYS_exit, 2, 0, 0);
    }
    sys3(SYS_exit, 0, 0, 0);
}
__asm__(".globl _start\n_start:\n xor %rbp,%rbp\n mov (%rsp),%rdi\n lea 8(%rsp),%rsi\n and $-16,%rsp\n call cmain\n hlt\n");
