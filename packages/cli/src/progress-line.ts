/** Where progress goes: stderr, so that stdout stays clean for results (and `--json`). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressState {
  label: string;
  done?: number;
  total?: number;
  /** Short text after the counts, e.g. a rate. */
  detail?: string;
}

/** One line of progress for a long-running step. */
export interface ProgressLine {
  update(state: ProgressState): void;
  /** Replaces the line with a final message. */
  finish(message: string): void;
}

const barWidth = 24;
const redrawEveryMs = 80;

function render(state: ProgressState): string {
  const { label, done, total, detail } = state;
  let line = label;
  if (done !== undefined && total !== undefined && total > 0) {
    const fraction = Math.min(1, Math.max(0, done / total));
    const filled = Math.round(fraction * barWidth);
    line += ` [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${done}/${total}`;
  } else if (done !== undefined) {
    line += ` ${done}`;
  }
  return detail ? `${line} ${detail}` : line;
}

/**
 * On a terminal the line redraws in place (at most every 80 ms); in a log or a pipe it prints a
 * line when the label changes and at each quarter of the work, so captured output stays short.
 */
export function createProgressLine(stream: ProgressStream): ProgressLine {
  const interactive = stream.isTTY === true;
  let lastDraw = 0;
  let lastLabel: string | undefined;
  let lastQuarter = -1;
  let drawn = false;

  return {
    update(state) {
      if (interactive) {
        const now = Date.now();
        const complete = state.done !== undefined && state.done === state.total;
        if (now - lastDraw < redrawEveryMs && !complete && state.label === lastLabel) return;
        lastDraw = now;
        lastLabel = state.label;
        // Some pseudo-terminals report 0 columns: take that as unknown.
        const columns = stream.columns !== undefined && stream.columns > 0 ? stream.columns : 100;
        const width = Math.max(20, columns - 1);
        stream.write(`\r\x1b[2K${render(state).slice(0, width)}`);
        drawn = true;
        return;
      }
      const quarter =
        state.done !== undefined && state.total !== undefined && state.total > 0
          ? Math.floor((4 * state.done) / state.total)
          : -1;
      if (state.label !== lastLabel || quarter > lastQuarter) {
        lastLabel = state.label;
        lastQuarter = quarter;
        stream.write(`${render(state)}\n`);
      }
    },
    finish(message) {
      if (interactive && drawn) stream.write('\r\x1b[2K');
      stream.write(`${message}\n`);
      drawn = false;
      lastLabel = undefined;
      lastQuarter = -1;
    },
  };
}
