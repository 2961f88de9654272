/* glibc's string functions (SIMD implementations on arm64) over many lengths and alignments. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t h = 2166136261u;
static void mix(uint64_t v) { for (int i = 0; i < 8; i++) { h ^= (v >> (8 * i)) & 0xff; h *= 16777619u; } }

int main(void) {
  enum { N = 600 };
  unsigned char *a = malloc(N + 64), *b = malloc(N + 64);
  for (int i = 0; i < N + 64; i++) a[i] = (unsigned char)(i * 7 + 3);
  for (int len = 0; len < 300; len += (len < 40 ? 1 : 13)) {
    for (int sa = 0; sa < 16; sa += 3) {
      for (int sb = 0; sb < 16; sb += 5) {
        memset(b, 0x5a, N + 64);
        memcpy(b + sb, a + sa, len);
        mix(memcmp(b + sb, a + sa, len) == 0);
        memmove(b + sb + 3, b + sb, len);
        for (int i = 0; i < len + 8; i++) mix(b[sb + i]);
        memset(b + sa, 'x', len);
        b[sa + len] = 0;
        mix(strlen((char *)b + sa));
        mix((uint64_t)(strchr((char *)b + sa, 'y') != NULL));
        b[sa + len / 2] = 'y';
        char *p = strchr((char *)b + sa, 'y');
        mix(p ? (uint64_t)(p - (char *)b) : 0);
        p = strrchr((char *)b + sa, 'x');
        mix(p ? (uint64_t)(p - (char *)b) : 0);
        void *m = memchr(b + sa, 'y', len);
        mix(m ? (uint64_t)((unsigned char *)m - b) : 1);
        char s1[320], s2[320];
        strcpy(s1, (char *)b + sa);
        strcpy(s2, s1);
        if (len > 0) s2[len - 1] ^= 1;
        mix((uint64_t)(int64_t)(strcmp(s1, s2) > 0) + 2 * (strncmp(s1, s2, len / 2) == 0));
        mix((uint64_t)(int64_t)memcmp(s1, s2, len) < 0);
      }
    }
  }
  char buf[128];
  snprintf(buf, sizeof buf, "%s-%d-%x", "abc", 42, 0xbeef);
  printf("%s %zu %s\n", buf, strlen(buf), strstr(buf, "42") ? "found" : "missing");
  printf("hash %08x\n", h);
  free(a); free(b);
  return 0;
}
