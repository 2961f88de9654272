/* Memory system calls: anonymous and file mmap, mprotect, mremap, munmap, MADV_DONTNEED, malloc. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  (void)argc;
  char *a = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("anon %d zero=%d\n", a != MAP_FAILED, a[12345] == 0);
  for (int i = 0; i < (1 << 20); i += 4096) a[i] = (char)(i >> 12);
  long sum = 0;
  for (int i = 0; i < (1 << 20); i += 4096) sum += a[i];
  printf("sum %ld\n", sum);
  a = mremap(a, 1 << 20, 4 << 20, MREMAP_MAYMOVE);
  printf("mremap %d kept=%d\n", a != MAP_FAILED, a[4096 * 5] == 5);
  printf("madvise %d zeroed=%d\n", madvise(a, 1 << 20, MADV_DONTNEED), a[4096 * 5] == 0);
  printf("mprotect %d\n", mprotect(a, 4096, PROT_READ));
  printf("munmap %d\n", munmap(a, 4 << 20));
  int fd = open(argv[0], O_RDONLY);
  unsigned char *f = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("file map %d magic=%02x%c%c%c\n", f != MAP_FAILED, f[0], f[1], f[2], f[3]);
  munmap(f, 8192);
  close(fd);
  char *big = malloc(50 << 20);
  memset(big, 7, 50 << 20);
  printf("malloc big %d\n", big[(50 << 20) - 1]);
  free(big);
  long total = 0;
  for (int i = 0; i < 10000; i++) {
    char *s = malloc(i % 500 + 1);
    s[0] = 1;
    total += s[0];
    free(s);
  }
  printf("small mallocs %ld\n", total);
  void *p = sbrk(0);
  printf("sbrk %d\n", sbrk(8192) == p && sbrk(0) == (char *)p + 8192);
  return 0;
}
