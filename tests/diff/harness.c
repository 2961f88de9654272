/*
 * Differential-test harness: runs A64 instruction sequences under qemu-aarch64 and reports the
 * complete user-visible state after each one. Built by tests/diff/qemu.ts with
 * `aarch64-linux-gnu-gcc -O2 -static`; the binary protocol is documented in tests/diff/README.md
 * and mirrored by tests/diff/layout.ts (keep the two in step).
 *
 * All guest state is loaded and saved through signal frames, so no hand-written register
 * save/restore code is needed: a SIGUSR1 handler rewrites its ucontext (X0-X30, SP, PC, NZCV,
 * V0-V31, FPCR, FPSR) and returns into the code page; the sequence ends with BRK #0x7ac, whose
 * SIGTRAP handler (on an alternate stack, since guest SP points into the data region) copies the
 * ucontext out and siglongjmps back to the loop. SIGILL/SIGSEGV/SIGBUS/SIGFPE/SIGTRAP elsewhere are
 * reported the same way with the signal number and PC.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_BASE 0x20000000UL
#define CODE_SIZE 0x1000UL
#define DATA_BASE 0x10000000UL
#define DATA_SIZE 0x20000UL
#define CHUNK 64
#define MAX_WORDS (CODE_SIZE / 4 - 1)
#define TERMINATOR 0xd420f580u /* BRK #0x7ac */
#define CASE_MAGIC 0x43464944u /* "DIFC" */
#define RESULT_MAGIC 0x52464944u /* "DIFR" */
#define HARNESS_FPSIMD_MAGIC 0x46508001u

struct ctx_head { uint32_t magic, size; };
struct fpsimd_rec { struct ctx_head head; uint32_t fpsr, fpcr; uint8_t vregs[32][16]; };

/* One case as read from stdin (little-endian, packed, see README). */
struct case_hdr {
  uint32_t magic, nwords, data_seed, nzcv, fpcr, fpsr;
  uint64_t x[31], sp;
  uint8_t v[32][16];
};

struct result {
  uint32_t magic, signal;
  uint64_t pc, addr;
  uint64_t x[31], sp;
  uint32_t nzcv, fpcr, fpsr, pad;
  uint8_t v[32][16];
};

static struct case_hdr cur;
static struct result res;
static sigjmp_buf back;
static volatile int in_guest;
static uint32_t *code = (uint32_t *)CODE_BASE;
static uint8_t *data = (uint8_t *)DATA_BASE;
static uint8_t initial[DATA_SIZE];

/* The data region's initial contents: a 4 KiB block of mulberry32 output, repeated. Also computed by tests/diff/layout.ts. */
#define DATA_BLOCK 0x1000UL
static void fill_data(uint32_t seed) {
  uint32_t a = seed;
  for (size_t i = 0; i < DATA_BLOCK; i += 4) {
    uint32_t t = (a += 0x6D2B79F5u);
    t = (t ^ (t >> 15)) * (t | 1u);
    t ^= t + (t ^ (t >> 7)) * (t | 61u);
    t ^= t >> 14;
    memcpy(initial + i, &t, 4);
  }
  for (size_t off = DATA_BLOCK; off < DATA_SIZE; off += DATA_BLOCK) memcpy(initial + off, initial, DATA_BLOCK);
  memcpy(data, initial, DATA_SIZE);
}

static struct fpsimd_rec *find_fpsimd(ucontext_t *uc) {
  uint8_t *p = (uint8_t *)uc->uc_mcontext.__reserved;
  uint8_t *end = p + sizeof(uc->uc_mcontext.__reserved);
  while (p + sizeof(struct ctx_head) <= end) {
    struct ctx_head *h = (struct ctx_head *)p;
    if (h->magic == HARNESS_FPSIMD_MAGIC) return (struct fpsimd_rec *)p;
    if (h->magic == 0 || h->size == 0) break;
    p += h->size;
  }
  return NULL;
}

static void die(const char *msg) {
  if (write(2, msg, strlen(msg)) < 0) _exit(3);
  _exit(3);
}

static void on_start(int sig, siginfo_t *si, void *ucv) {
  (void)sig; (void)si;
  ucontext_t *uc = ucv;
  mcontext_t *m = &uc->uc_mcontext;
  for (int i = 0; i < 31; i++) m->regs[i] = cur.x[i];
  m->sp = cur.sp;
  m->pc = CODE_BASE;
  m->pstate = (m->pstate & 0x0fffffffu) | (cur.nzcv & 0xf0000000u);
  struct fpsimd_rec *f = find_fpsimd(uc);
  if (!f) die("harness: no fpsimd record in signal frame\n");
  f->fpsr = cur.fpsr;
  f->fpcr = cur.fpcr;
  memcpy(f->vregs, cur.v, sizeof cur.v);
  in_guest = 1;
}

static void on_stop(int sig, siginfo_t *si, void *ucv) {
  if (!in_guest) die("harness: unexpected signal outside the guest\n");
  in_guest = 0;
  ucontext_t *uc = ucv;
  mcontext_t *m = &uc->uc_mcontext;
  res.magic = RESULT_MAGIC;
  res.signal = (uint32_t)sig;
  res.pc = m->pc;
  res.addr = (uint64_t)(uintptr_t)si->si_addr;
  for (int i = 0; i < 31; i++) res.x[i] = m->regs[i];
  res.sp = m->sp;
  res.nzcv = (uint32_t)m->pstate & 0xf0000000u;
  struct fpsimd_rec *f = find_fpsimd(uc);
  if (!f) die("harness: no fpsimd record in signal frame\n");
  res.fpcr = f->fpcr;
  res.fpsr = f->fpsr;
  memcpy(res.v, f->vregs, sizeof res.v);
  siglongjmp(back, 1);
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) die("harness: sigaction failed\n");
}

static int read_all(void *buf, size_t n) {
  size_t got = fread(buf, 1, n, stdin);
  return got == n;
}

int main(void) {
  static uint8_t altstack[1 << 16];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  if (sigaltstack(&ss, NULL) != 0) die("harness: sigaltstack failed\n");
  if (mmap((void *)CODE_BASE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (void *)CODE_BASE) die("harness: mmap code failed\n");
  if (mmap((void *)DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (void *)DATA_BASE) die("harness: mmap data failed\n");
  handle(SIGUSR1, on_start);
  int stops[] = { SIGILL, SIGSEGV, SIGBUS, SIGFPE, SIGTRAP, SIGALRM };
  for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++) handle(stops[i], on_stop);

  for (;;) {
    if (!read_all(&cur, sizeof cur)) break;
    if (cur.magic != CASE_MAGIC || cur.nwords > MAX_WORDS) die("harness: bad case header\n");
    memset(code, 0, CODE_SIZE);
    if (!read_all(code, cur.nwords * 4)) die("harness: truncated case\n");
    code[cur.nwords] = TERMINATOR;
    __builtin___clear_cache((char *)code, (char *)code + CODE_SIZE);
    fill_data(cur.data_seed);
    memset(&res, 0, sizeof res);
    if (sigsetjmp(back, 1) == 0) {
      /* No exclusive monitor state may leak from the previous case (our side starts each case clear). */
      __asm__ volatile("clrex" ::: "memory");
      alarm(1);
      raise(SIGUSR1);
      die("harness: returned from the start signal\n");
    }
    alarm(0);
    uint32_t nchunks = 0;
    for (size_t off = 0; off < DATA_SIZE; off += CHUNK) nchunks += memcmp(data + off, initial + off, CHUNK) != 0;
    fwrite(&res, sizeof res, 1, stdout);
    fwrite(&nchunks, 4, 1, stdout);
    for (uint32_t off = 0; off < DATA_SIZE; off += CHUNK) {
      if (memcmp(data + off, initial + off, CHUNK) == 0) continue;
      fwrite(&off, 4, 1, stdout);
      fwrite(data + off, CHUNK, 1, stdout);
    }
  }
  fflush(stdout);
  return 0;
}
