/** A Logger that records lines in memory, for tests that check what the server warns about. */
import type { LogLevel } from '../../src/config/types.js';
import type { Logger } from '../../src/observability/logger.js';

export interface LogLine {
  level: LogLevel;
  message: string;
  meta?: Record<string, unknown>;
}

export class RecordingLogger implements Logger {
  constructor(readonly lines: LogLine[] = [], private current: LogLevel = 'debug') {}

  private add(level: LogLevel, message: string, meta?: Record<string, unknown>): void {
    this.lines.push({ level, message, meta });
  }

  error(message: string, meta?: Record<string, unknown>): void { this.add('error', message, meta); }
  warn(message: string, meta?: Record<string, unknown>): void { this.add('warn', message, meta); }
  info(message: string, meta?: Record<string, unknown>): void { this.add('info', message, meta); }
  debug(message: string, meta?: Record<string, unknown>): void { this.add('debug', message, meta); }
  isDebugEnabled(): boolean { return false; }
  level(): LogLevel { return this.current; }
  setLevel(level: LogLevel): LogLevel {
    const was = this.current;
    this.current = level;
    return was;
  }
  child(): Logger { return new RecordingLogger(this.lines, this.current); }
  async close(): Promise<void> {}

  /** Warnings whose text (message and fields) mentions `word`. */
  warningsAbout(word: string): LogLine[] {
    return this.lines.filter((l) => l.level === 'warn' && `${l.message} ${JSON.stringify(l.meta ?? {})}`.includes(word));
  }
}
