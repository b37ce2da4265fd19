/* l1io: the L1 guest's channel to Bochs (L0).  No libc.
 *   l1io e9            copy stdin to I/O port 0xe9 (Bochs: its stdout)
 *   l1io say WORDS...  one line to port 0xe9
 *   l1io off           "Shutdown" to port 0x8900: Bochs ends the simulation
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
struct ts { long s, ns; };
static void outs(unsigned short port, const char *p, u64 n) {
    __asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(port) : "memory");
}
static int eq(const char *a, const char *b) { while (*a && *a == *b) a++, b++; return *a == *b; }
static u64 len(const char *s) { u64 n = 0; while (s[n]) n++; return n; }
static char buf[65536];
void __attribute__((used)) cmain(long argc, char **argv) {
    if (sys3(SYS_iopl, 3, 0, 0) != 0) { sys3(SYS_write, 2, (long)"l1io: iopl failed\n", 18); sys3(SYS_exit, 2, 0, 0); }
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
            struct ts t = { 0, 2000000 };
            sys3(SYS_nanosleep, (long)&t, 0, 0);
        }
    } else if (argc >= 2 && eq(argv[1], "off")) {
        outs(0x8900, "Shutdown", 8);
    } else {
        sys3(SYS_write, 2, (long)"usage: l1io e9|say WORDS|off\n", 29);
        sys3(SYS_exit, 2, 0, 0);
    }
    sys3(SYS_exit, 0, 0, 0);
}
__asm__(".globl _start\n_start:\n xor %rbp,%rbp\n mov (%rsp),%rdi\n lea 8(%rsp),%rsi\n and $-16,%rsp\n call cmain\n hlt\n");
