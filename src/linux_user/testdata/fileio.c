/* File system calls: create, write, seek, read, pread/pwrite, stat, rename, directories, getdents. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv) {
  if (argc < 2 || chdir(argv[1]) != 0) return 99;
  int fd = open("a.txt", O_CREAT | O_TRUNC | O_RDWR, 0644);
  printf("open %d\n", fd >= 3);
  printf("write %zd\n", write(fd, "hello, world\n", 13));
  printf("lseek %ld\n", (long)lseek(fd, 7, SEEK_SET));
  char buf[64] = {0};
  printf("read %zd [%s]\n", read(fd, buf, 5), buf);
  printf("pwrite %zd\n", pwrite(fd, "W", 1, 7));
  memset(buf, 0, sizeof buf);
  printf("pread %zd [%s]\n", pread(fd, buf, 63, 0), buf);
  struct stat st;
  printf("fstat %d size=%ld reg=%d\n", fstat(fd, &st), (long)st.st_size, S_ISREG(st.st_mode));
  printf("lseek end %ld\n", (long)lseek(fd, 0, SEEK_END));
  close(fd);
  printf("close again %d errno=%d\n", close(fd), errno);
  printf("open missing %d errno=%d\n", open("nope", O_RDONLY), errno);
  printf("mkdir %d %d\n", mkdir("d", 0755), mkdir("d", 0755) == -1 && errno == EEXIST);
  printf("rename %d\n", rename("a.txt", "d/b.txt"));
  FILE *f = fopen("d/c.txt", "w");
  fprintf(f, "%d\n", 12345);
  fclose(f);
  f = fopen("d/c.txt", "a");
  fprintf(f, "more\n");
  fclose(f);
  f = fopen("d/c.txt", "r");
  while (fgets(buf, sizeof buf, f)) printf("line: %s", buf);
  fclose(f);
  DIR *d = opendir("d");
  char *names[16];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 16) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof *names, cmp);
  for (int i = 0; i < n; i++) printf("entry %s\n", names[i]);
  printf("stat %d size=%ld\n", stat("d/b.txt", &st), (long)st.st_size);
  printf("access %d %d\n", access("d/b.txt", R_OK), access("d/zz", F_OK));
  printf("unlink %d %d\n", unlink("d/b.txt"), unlink("d/c.txt"));
  printf("rmdir %d\n", rmdir("d"));
  char cwd[256];
  printf("getcwd %d\n", getcwd(cwd, sizeof cwd) != NULL && strcmp(cwd, argv[1]) == 0);
  int p[2];
  printf("pipe %d\n", pipe(p));
  printf("pipe io %zd %zd\n", write(p[1], "xyz", 3), read(p[0], buf, 10));
  printf("dup2 %d\n", dup2(p[1], 10));
  printf("fcntl cloexec %d\n", fcntl(10, F_SETFD, FD_CLOEXEC) == 0 && fcntl(10, F_GETFD) == FD_CLOEXEC);
  return 0;
}
