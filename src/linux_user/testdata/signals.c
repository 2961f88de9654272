/* Death by signal must reach the host exit status as it does under qemu-user. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  printf("about to die\n");
  fflush(stdout);
  if (argc > 1 && strcmp(argv[1], "abort") == 0) raise(SIGABRT);
  if (argc > 1 && strcmp(argv[1], "term") == 0) raise(SIGTERM);
  *(volatile int *)16 = 1;
  return 0;
}
