// When the server dies, restart it, but not forever: at most `maxRestarts` restarts within `windowMs`.
// A manual "CompletionLsp: Restart Server" resets the count. No `vscode` import; the clock is injectable.

export interface CrashDecision {
  restart: boolean;
  /** Restarts inside the window, this one included when restart is true. */
  recent: number;
  /** Set when giving up: what to tell the user. */
  message?: string;
}

export class RestartPolicy {
  private restarts: number[] = [];

  constructor(
    readonly maxRestarts = 5,
    readonly windowMs = 3 * 60_000,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw new RangeError('maxRestarts must be an integer >= 0');
    if (!(windowMs > 0)) throw new RangeError('windowMs must be > 0');
  }

  /** Called when the server process ended on its own. */
  onCrash(): CrashDecision {
    const t = this.now();
    this.restarts = this.restarts.filter((r) => t - r < this.windowMs);
    if (this.restarts.length < this.maxRestarts) {
      this.restarts.push(t);
      return { restart: true, recent: this.restarts.length };
    }
    const minutes = Math.round(this.windowMs / 60_000);
    const window = minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(this.windowMs / 1000)} s`;
    return {
      restart: false,
      recent: this.restarts.length,
      message:
        `The CompletionLsp server stopped ${this.restarts.length + 1} times in the last ${window} and will not be ` +
        'restarted. See the "CompletionLsp" output for the reason, then run "CompletionLsp: Restart Server".',
    };
  }

  /** A restart the user asked for: start counting again. */
  reset(): void {
    this.restarts = [];
  }
}
