/**
 * Runs async sections one at a time per key, within this process.
 *
 * Why: FerretDB 1.24 applies update operators as read-modify-write outside
 * any transaction (FerretDB/FerretDB#3040), so concurrent updates of one
 * document lose writes: probed on its SQLite backend, 50 concurrent $inc of
 * one document left 17, and even a compare-and-set filter let all 30 racers
 * win. Only inserts under a unique index are atomic there. Serialising the
 * writes that share a document makes one process exact on FerretDB; on
 * MongoDB each update is atomic anyway and the lock only orders them.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await section();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
