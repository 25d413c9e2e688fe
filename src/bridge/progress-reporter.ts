/** Longest progress message passed on, in characters; longer ones are cut. */
export const MAX_PROGRESS_MESSAGE_CHARS = 500;
/** Progress messages one run may send; later ones are dropped. */
export const MAX_PROGRESS_MESSAGES_PER_RUN = 1_000;
/** Characters of progress messages one run may send in all; later messages are dropped. */
export const MAX_PROGRESS_CHARS_PER_RUN = 50_000;

export type ProgressSink = (message: string, progress?: number, total?: number) => void;

/**
 * One run's `progress()` messages on their way to the client: each redacted (it goes
 * straight to the model, like a result), cut to a length, and the run's count and
 * total bounded. Past a bound, one notice says so and the rest are dropped (progress
 * is advisory: the run goes on).
 */
export class ProgressReporter {
  private messages = 0;
  private chars = 0;
  private dropping = false;

  constructor(
    private readonly redact: (text: string) => string,
    private readonly sink: ProgressSink | undefined,
  ) {}

  report(message: string, progress?: number, total?: number): void {
    if (!this.sink || this.dropping) return;
    // Redacted whole, then cut: a cut first could leave part of a secret that redaction no longer recognizes.
    let text = this.redact(message);
    if (text.length > MAX_PROGRESS_MESSAGE_CHARS) text = `${text.slice(0, MAX_PROGRESS_MESSAGE_CHARS - 40)}... [cut from ${message.length} characters]`;
    if (this.messages + 1 > MAX_PROGRESS_MESSAGES_PER_RUN || this.chars + text.length > MAX_PROGRESS_CHARS_PER_RUN) {
      this.dropping = true;
      this.sink(`[further progress messages of this run are dropped: at most ${MAX_PROGRESS_MESSAGES_PER_RUN} messages and ${MAX_PROGRESS_CHARS_PER_RUN} characters per run]`, progress, total);
      return;
    }
    this.messages++;
    this.chars += text.length;
    this.sink(text, progress, total);
  }
}
