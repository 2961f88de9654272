/* Threads: pthread_create/join, a mutex-protected counter, a condition variable and a timed wait. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static long counter;
static int ready;

static void *work(void *arg) {
  long id = (long)arg;
  for (int i = 0; i < 20000; i++) {
    pthread_mutex_lock(&m);
    counter += id;
    pthread_mutex_unlock(&m);
  }
  pthread_mutex_lock(&m);
  ready++;
  pthread_cond_broadcast(&c);
  pthread_mutex_unlock(&m);
  return (void *)(id * 10);
}

int main(void) {
  pthread_t t[4];
  for (long i = 0; i < 4; i++) pthread_create(&t[i], NULL, work, (void *)(i + 1));
  pthread_mutex_lock(&m);
  while (ready < 4) pthread_cond_wait(&c, &m);
  pthread_mutex_unlock(&m);
  long rsum = 0;
  for (int i = 0; i < 4; i++) {
    void *r;
    pthread_join(t[i], &r);
    rsum += (long)r;
  }
  printf("counter %ld joined %ld\n", counter, rsum);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 20 * 1000 * 1000;
  if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
  pthread_mutex_lock(&m);
  int rc = pthread_cond_timedwait(&c, &m, &ts);
  pthread_mutex_unlock(&m);
  printf("timedwait %s\n", rc == ETIMEDOUT ? "ETIMEDOUT" : "other");
  return 0;
}
