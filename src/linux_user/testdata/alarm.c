/* ITIMER_REAL through alarm(): SIGALRM interrupts pause() and a busy loop, then kills the process by default. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static volatile int n;
static void h(int s) { n += s; }
int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGALRM, h);
  alarm(1);
  pause();
  printf("n=%d left=%u\n", n, alarm(0));
  alarm(1);
  for (volatile long i = 0; n < 28; i++) {}
  printf("busy n=%d\n", n);
  signal(SIGALRM, SIG_DFL);
  alarm(1);
  pause();
  return 0;
}
