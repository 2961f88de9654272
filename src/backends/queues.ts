/**
 * A multi-queue frontend's queues (`multi-queue-num-queues`): their xenstore directories, and
 * connecting all of them or none, as Linux's blkback and netback do (a queue that fails undoes
 * the ones already connected, so a refused frontend leaves nothing mapped or bound).
 */

/** Where queue keys live: the frontend's own directory for one queue, `queue-N/` for several. */
export function queueDirs(frontendPath: string, nrQueues: number, single: boolean): string[] {
  return single ? [frontendPath] : Array.from({ length: nrQueues }, (_, i) => `${frontendPath}/queue-${i}`);
}

/** Connects every directory's queue; on the first failure releases those connected and returns why. */
export function connectAll<Q>(dirs: readonly string[], connect: (dir: string) => Q | string, release: (q: Q) => void): Q[] | string {
  const queues: Q[] = [];
  for (const dir of dirs) {
    const q = connect(dir);
    if (typeof q === 'string') {
      for (const done of queues) release(done);
      return q;
    }
    queues.push(q);
  }
  return queues;
}
