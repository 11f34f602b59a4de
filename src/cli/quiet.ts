/**
 * `--quiet` and libtensorflow: the native library prints start-up lines (absl's "WARNING: All log
 * messages before absl::InitializeLog() ..." and an INFO line about oneDNN; the CPU-features notice
 * too when TF_CPP_MIN_LOG_LEVEL is 0) straight to file descriptor 2 while the addon loads, before
 * any flag or environment variable can silence them: TF_CPP_MIN_LOG_LEVEL=3 does not (measured
 * with TF 2.21), and TF_ENABLE_ONEDNN_OPTS=0 would change the numerics. Node cannot redirect fd 2
 * in-process, so `bin/freshcache.js --quiet` runs the command in a child process whose stderr goes
 * through this filter: the start-up lines are dropped, everything else (errors) passes unchanged.
 */

/** One line libtensorflow prints at start-up (not a warning about the user's run). */
export const TF_STARTUP_LINE =
  /^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR|[IW]\d{4} [\d:.]+\s+\d+ (port|cpu_feature_guard)\.cc:\d+\] .*|To enable the following instructions: .* in other operations, rebuild TensorFlow with the appropriate compiler flags\.)$/;

/** Streams text through, dropping whole lines that match TF_STARTUP_LINE. */
export class StartupLineFilter {
  private partial = '';

  /** Text to write for `chunk` (held back only while an unfinished line could be a start-up line). */
  push(chunk: string): string {
    let out = '';
    const text = this.partial + chunk;
    let start = 0;
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', start)) {
      const line = text.slice(start, i);
      if (!TF_STARTUP_LINE.test(line)) out += line + '\n';
      start = i + 1;
    }
    const rest = text.slice(start);
    // an unfinished line that cannot become a start-up line goes out now (progress bars, prompts)
    if (couldBeStartupLine(rest)) this.partial = rest;
    else {
      out += rest;
      this.partial = '';
    }
    return out;
  }

  /** What is left at the end of the stream. */
  end(): string {
    const rest = this.partial;
    this.partial = '';
    return TF_STARTUP_LINE.test(rest) ? '' : rest;
  }
}

function couldBeStartupLine(s: string): boolean {
  return s === '' ? false : 'WARNING: All log'.startsWith(s.slice(0, 16)) || /^[IW]\d{0,4}( |$)/.test(s.slice(0, 6)) || 'To enable the following'.startsWith(s.slice(0, 23));
}
