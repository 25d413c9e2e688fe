/**
 * Waiting runs, one line per client, served round-robin: a client with a hundred runs
 * queued waits its turn behind each other client's next run, so it cannot starve them.
 */
export class FairQueue<T> {
  private readonly lines = new Map<string, T[]>();
  private size = 0;

  get length(): number {
    return this.size;
  }

  lengthFor(client: string): number {
    return this.lines.get(client)?.length ?? 0;
  }

  push(client: string, item: T): void {
    const line = this.lines.get(client);
    if (line) line.push(item);
    else this.lines.set(client, [item]);
    this.size++;
  }

  /** The next item of the client whose turn it is; that client moves to the back. */
  shift(): T | undefined {
    for (const [client, line] of this.lines) {
      const item = line.shift();
      this.lines.delete(client);
      if (line.length) this.lines.set(client, line);
      if (item !== undefined) {
        this.size--;
        return item;
      }
    }
    return undefined;
  }

  /** Removes one item (e.g. its run was cancelled while waiting). */
  remove(client: string, item: T): boolean {
    const line = this.lines.get(client);
    const index = line?.indexOf(item) ?? -1;
    if (!line || index < 0) return false;
    line.splice(index, 1);
    if (!line.length) this.lines.delete(client);
    this.size--;
    return true;
  }

  drain(): T[] {
    const all = [...this.lines.values()].flat();
    this.lines.clear();
    this.size = 0;
    return all;
  }
}
