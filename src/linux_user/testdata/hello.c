/* argv, environment and exit status through the runner. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) printf("arg%d=[%s]\n", i, argv[i]);
  const char *v = getenv("XENON_TEST_VAR");
  printf("env=%s\n", v ? v : "(unset)");
  fprintf(stderr, "to stderr\n");
  return argc + 40;
}
