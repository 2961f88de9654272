/* Guest signal handlers: raise, blocked-then-unblocked delivery, SIGSEGV recovered with siglongjmp,
   SIGCHLD from a child, and registers (integer and FP) preserved across a handler. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int usr1, chld;
static volatile void *fault_addr;
static volatile int fault_code;
static sigjmp_buf env;

static void on_usr1(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  volatile double x = 1.5;
  for (int i = 0; i < 10; i++) x = x * 1.25 + 0.5;
  usr1 += sig + (si->si_signo == sig) + (x > 0);
}
static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  fault_addr = si->si_addr;
  fault_code = si->si_code;
  siglongjmp(env, 1);
}
static void on_chld(int sig) { chld += sig; }

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  double d = 3.25;
  long keep = 0x1234567890L;
  raise(SIGUSR1);
  printf("usr1 %d d=%g keep=%lx\n", usr1, d * 2, keep);
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, &old);
  raise(SIGUSR1);
  printf("blocked %d\n", usr1);
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("unblocked %d\n", usr1);
  sa.sa_sigaction = on_segv;
  sigaction(SIGSEGV, &sa, NULL);
  if (sigsetjmp(env, 1) == 0) {
    *(volatile int *)0x1238 = 5;
    printf("not reached\n");
  }
  printf("segv at %p code %d\n", fault_addr, fault_code);
  signal(SIGCHLD, on_chld);
  pid_t p = fork();
  if (p == 0) _exit(4);
  int st;
  while (waitpid(p, &st, 0) < 0) {
  }
  printf("child %d chld %d\n", WEXITSTATUS(st), chld);
  signal(SIGUSR2, SIG_IGN);
  raise(SIGUSR2);
  printf("ignored ok\n");
  return 0;
}
