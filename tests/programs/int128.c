/* 128-bit multiplication and division (MUL/UMULH/SMULH, libgcc's __udivti3/__divti3). */
#include <stdint.h>
#include <stdio.h>

static uint64_t state = 0x243f6a8885a308d3ull;
static uint64_t next(void) {
  state ^= state << 13; state ^= state >> 7; state ^= state << 17;
  return state;
}

int main(void) {
  unsigned __int128 acc = 0;
  __int128 sacc = 0;
  for (int k = 0; k < 2000; k++) {
    uint64_t a = next(), b = next();
    unsigned __int128 p = (unsigned __int128)a * b;
    __int128 s = (__int128)(int64_t)a * (int64_t)b;
    acc ^= p + ((unsigned __int128)k << 64);
    sacc += s >> 3;
    if (k % 250 == 0) {
      unsigned __int128 q = p / (b | 1), r = p % ((unsigned __int128)(a >> 7) + 3);
      __int128 sq = s / (__int128)((int64_t)b | 1);
      printf("%d %016llx%016llx q=%016llx%016llx r=%016llx sq=%016llx%016llx\n", k, (unsigned long long)(p >> 64),
             (unsigned long long)p, (unsigned long long)(q >> 64), (unsigned long long)q, (unsigned long long)r,
             (unsigned long long)((unsigned __int128)sq >> 64), (unsigned long long)sq);
    }
  }
  printf("acc %016llx%016llx\n", (unsigned long long)(acc >> 64), (unsigned long long)acc);
  printf("sacc %016llx%016llx\n", (unsigned long long)((unsigned __int128)sacc >> 64), (unsigned long long)sacc);
  return 0;
}
