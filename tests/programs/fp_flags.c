/* IEEE exception flags (FPSR cumulative bits) as glibc's fenv reports them. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

static void report(const char *what) {
  int f = fetestexcept(FE_ALL_EXCEPT);
  printf("%-22s invalid=%d divbyzero=%d overflow=%d underflow=%d inexact=%d\n", what, !!(f & FE_INVALID),
         !!(f & FE_DIVBYZERO), !!(f & FE_OVERFLOW), !!(f & FE_UNDERFLOW), !!(f & FE_INEXACT));
  feclearexcept(FE_ALL_EXCEPT);
}

int main(void) {
  volatile double zero = 0.0, one = 1.0, three = 3.0, big = DBL_MAX, tiny = DBL_MIN, nan = NAN;
  volatile float fbig = FLT_MAX, ftiny = FLT_MIN, fthree = 3.0f;
  volatile double r;
  volatile float rf;
  volatile long long i;
  feclearexcept(FE_ALL_EXCEPT);
  report("clear");
  r = one / zero; report("1/0");
  r = zero / zero; report("0/0");
  r = big * 2.0; report("max*2");
  r = tiny / three; report("min/3");
  r = one / three; report("1/3");
  r = one + one; report("1+1");
  r = sqrt(-one); report("sqrt(-1)");
  r = nan + one; report("qnan+1");
  rf = fbig * 2.0f; report("fmax*2");
  rf = ftiny / fthree; report("fmin/3");
  rf = (float)(one / three); report("(float)1/3");
  rf = (float)big; report("(float)DBL_MAX");
  i = (long long)(big); report("(ll)DBL_MAX");
  i = (long long)(nan); report("(ll)NaN");
  i = (long long)(2.5); report("(ll)2.5");
  r = (double)(i + 0x7fffffffffffffffLL); report("(double)2^63-1+x");
  r = fma(big, 2.0, -big); report("fma overflow");
  r = nextafter(tiny, zero); report("nextafter denormal");
  (void)r; (void)rf;
  return 0;
}
