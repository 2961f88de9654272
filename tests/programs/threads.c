/* pthreads with atomics, a mutex and a condition variable (futex under the hood). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

enum { THREADS = 4, ITERS = 20000 };
static atomic_long counter;
static long locked_counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int turn, rounds_done;
static _Thread_local int tls_value;

static void *worker(void *arg) {
  long id = (long)arg;
  tls_value = (int)id * 100;
  for (int i = 0; i < ITERS; i++) {
    atomic_fetch_add_explicit(&counter, 1, memory_order_relaxed);
    if (i % 16 == 0) {
      pthread_mutex_lock(&lock);
      locked_counter += id;
      pthread_mutex_unlock(&lock);
    }
  }
  /* Take turns in id order: a condition-variable ping-pong. */
  for (int r = 0; r < 5; r++) {
    pthread_mutex_lock(&lock);
    while (turn != id) pthread_cond_wait(&cond, &lock);
    rounds_done++;
    turn = (turn + 1) % THREADS;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
  }
  return (void *)(long)(tls_value + 1);
}

int main(void) {
  pthread_t t[THREADS];
  for (long i = 0; i < THREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  long sum = 0;
  for (int i = 0; i < THREADS; i++) {
    void *ret;
    pthread_join(t[i], &ret);
    sum += (long)ret;
  }
  long expected = 0;
  _Atomic int cas = 5;
  int want = 5;
  int ok = atomic_compare_exchange_strong(&cas, &want, 9);
  for (long id = 0; id < THREADS; id++) expected += id * ((ITERS + 15) / 16);
  printf("counter %ld (expected %d)\n", (long)counter, THREADS * ITERS);
  printf("locked %ld (expected %ld)\n", locked_counter, expected);
  printf("rounds %d returns %ld cas %d->%d\n", rounds_done, sum, ok, (int)cas);
  return 0;
}
