/* Processes: fork + pipe + waitpid, exit statuses, children killed by signals; with "spawn", posix_spawn (vfork + execve). */
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    printf("child says %s\n", argv[2]);
    return 7;
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  int p[2];
  pipe(p);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    for (int i = 0; i < 1000; i++) dprintf(p[1], "line %d\n", i);
    _exit(3);
  }
  close(p[1]);
  char buf[4096];
  long bytes = 0, n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) bytes += n;
  int st;
  printf("waitpid %d bytes=%ld exited=%d status=%d\n", waitpid(pid, &st, 0) == pid, bytes, WIFEXITED(st), WEXITSTATUS(st));
  pid = fork();
  if (pid == 0) {
    *(volatile int *)0 = 1;
    _exit(0);
  }
  waitpid(pid, &st, 0);
  printf("segv child signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
  pid = fork();
  if (pid == 0) abort();
  waitpid(pid, &st, 0);
  printf("abort child signaled=%d sig=%d\n", WIFSIGNALED(st), WTERMSIG(st));
  if (argc > 1 && strcmp(argv[1], "spawn") == 0) {
    /* qemu-user can only exec an arm64 program through binfmt_misc, so this part is checked without it. */
    char *args[] = {argv[0], "child", "hi", NULL};
    printf("spawn %d\n", posix_spawn(&pid, argv[0], NULL, NULL, args, environ));
    waitpid(pid, &st, 0);
    printf("spawned exited=%d status=%d\n", WIFEXITED(st), WEXITSTATUS(st));
    char exe[256] = {0};
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    printf("readlink %d %s\n", l > 0, l > 0 ? strrchr(exe, '/') + 1 : "?");
  }
  printf("no more children %d\n", waitpid(-1, &st, WNOHANG));
  return 0;
}
