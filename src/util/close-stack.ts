/**
 * What to undo when a home closes, pushed as each part starts: close() undoes them in
 * reverse order (the last started stops first), also after a start that failed midway.
 */
export class CloseStack {
  private readonly steps: Array<() => unknown> = [];
  private closed: Promise<void> | undefined;

  /** Registers how to stop what was just started. */
  defer(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs every registered step once, newest first, each after the previous one finished; a second call waits for the first. */
  close(): Promise<void> {
    this.closed ??= this.unwind();
    return this.closed;
  }

  private async unwind(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) await step();
  }
}
