/* Where glibc serves a chunk: its own heap or a fresh mmap (docs/benchmarks.md#allocator).
 *   gcc -O1 -o /tmp/malloc-probe bench/malloc-probe.c -lpthread
 *   /tmp/malloc-probe                          # glibc's defaults
 *   MALLOC_TRIM_THRESHOLD_=4000000000 /tmp/malloc-probe
 *   /tmp/malloc-probe -3 2147483647            # mallopt(M_MMAP_THRESHOLD, INT_MAX), as NativeMemory.tune
 * Arguments are mallopt (param, value) pairs, applied first. Each size is allocated, checked with
 * mallinfo2 (hblks counts mmapped chunks) and freed, on the main thread and on a second thread
 * (a non-main arena, as for the JVM's threads). */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *volatile sink;

static void probe(const char *tag) {
  size_t sizes[] = {200000, 1 << 20, (32 << 20) + 4096, 40 << 20, 100 << 20};
  printf("%-6s:", tag);
  for (int i = 0; i < 5; i++) {
    struct mallinfo2 a = mallinfo2();
    sink = malloc(sizes[i]);
    struct mallinfo2 b = mallinfo2();
    printf(" %zuK=%s", sizes[i] >> 10, b.hblks > a.hblks ? "mmap" : "heap");
    free(sink);
  }
  printf("\n");
}

static void *thread(void *unused) {
  probe("thread");
  return NULL;
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    int p = atoi(argv[i]);
    int v = (int) atol(argv[i + 1]);
    printf("mallopt(%d, %d) = %d\n", p, v, mallopt(p, v));
  }
  probe("main");
  pthread_t t;
  pthread_create(&t, NULL, thread, NULL);
  pthread_join(t, NULL);
  return 0;
}
