// Turns LSP $/progress values (work done progress: begin / report / end, with absolute percentages)
// into VS Code progress reports (a message and an increment). No `vscode` import.

export interface WorkDoneValue {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  percentage?: number;
  cancellable?: boolean;
}

export interface ProgressStep {
  message?: string;
  increment?: number;
}

export class ProgressMapper {
  private last = 0;
  private title: string | undefined;

  constructor(private readonly report: (step: ProgressStep) => void) {}

  handle(value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    const v = value as WorkDoneValue;
    if (v.kind === 'begin' && typeof v.title === 'string') this.title = v.title;
    const step: ProgressStep = {};
    // The notification's own title is fixed; the server's begin title shows until its first message.
    if (typeof v.message === 'string') step.message = v.message;
    else if (v.kind === 'begin' && this.title) step.message = this.title;
    if (typeof v.percentage === 'number' && Number.isFinite(v.percentage)) {
      const pct = Math.min(100, Math.max(0, v.percentage));
      if (pct > this.last) {
        step.increment = pct - this.last;
        this.last = pct;
      }
    }
    if (v.kind === 'end' && this.last < 100) {
      step.increment = (step.increment ?? 0) + (100 - this.last);
      this.last = 100;
    }
    if (step.message !== undefined || step.increment !== undefined) this.report(step);
  }

  get percentage(): number {
    return this.last;
  }
}
