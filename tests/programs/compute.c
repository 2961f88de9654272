/* A fixed CPU-bound workload for the benchmark: integer hashing, a sieve, and a small matrix product. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int scale = argc > 1 ? atoi(argv[1]) : 1;
  uint64_t h = 1469598103934665603ull;
  for (long i = 0; i < 2000000L * scale; i++) { h ^= (uint64_t)i; h *= 1099511628211ull; h ^= h >> 29; }
  enum { N = 200000 };
  static unsigned char sieve[N];
  int primes = 0;
  for (int r = 0; r < scale; r++) {
    for (int i = 0; i < N; i++) sieve[i] = 1;
    primes = 0;
    for (int i = 2; i < N; i++) {
      if (!sieve[i]) continue;
      primes++;
      for (int j = 2 * i; j < N; j += i) sieve[j] = 0;
    }
  }
  enum { M = 48 };
  static double a[M][M], b[M][M], c[M][M];
  for (int i = 0; i < M; i++)
    for (int j = 0; j < M; j++) { a[i][j] = (i * j % 7) * 0.5; b[i][j] = (i + j) % 5 - 2.0; }
  for (int r = 0; r < scale; r++)
    for (int i = 0; i < M; i++)
      for (int j = 0; j < M; j++) {
        double s = 0;
        for (int k = 0; k < M; k++) s += a[i][k] * b[k][j];
        c[i][j] = s;
      }
  printf("hash %016llx primes %d c %.3f\n", (unsigned long long)h, primes, c[M - 1][M - 2]);
  return 0;
}
