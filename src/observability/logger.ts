/**
 * winston: a console transport and, when logPath is set, daily-rotated files. One level for every
 * transport, changeable at run time (PUT /logs/levels). Client faults log at info/debug, server
 * faults at error; the relay path logs nothing above debug.
 */
import winston from 'winston';
import DailyRotateFile from 'winston-daily-rotate-file';
import type { Config, LogLevel } from '../config/types.js';
import { maskPersonalData } from './mask.js';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'];

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  /** True when a debug line would be written: lets callers skip building its fields. */
  isDebugEnabled(): boolean;
  level(): LogLevel;
  /** Sets the level of every transport; returns the previous one. */
  setLevel(level: LogLevel): LogLevel;
  child(component: string): Logger;
  /** Flushes and closes the file transports. */
  close(): Promise<void>;
}

/** Maps logFilePeriod (Nd / Nh / Nm) to winston-daily-rotate-file's datePattern and frequency. */
export function rotationOf(period: string): { datePattern: string; frequency?: string } {
  const unit = period.slice(-1);
  const n = Number(period.slice(0, -1));
  if (unit === 'd') return { datePattern: 'YYYY-MM-DD' };
  if (unit === 'h') return { datePattern: 'YYYY-MM-DD-HH', frequency: n === 1 ? undefined : `${n}h` };
  return { datePattern: 'YYYY-MM-DD-HH-mm', frequency: `${n}m` };
}

export function createLogger(
  config: Pick<Config, 'logDefaultLevel' | 'logPath' | 'logFilesNumber' | 'logFilePeriod'> & Partial<Pick<Config, 'logFileMaxSize'>>,
  opts: { console?: boolean } = {},
): Logger {
  const format = winston.format.combine(
    maskPersonalData(),
    winston.format.timestamp(),
    winston.format.json(),
  );
  const transports: winston.transport[] = [];
  if (opts.console !== false) transports.push(new winston.transports.Console({ level: config.logDefaultLevel }));
  let files: DailyRotateFile | undefined;
  if (config.logPath) {
    const { datePattern, frequency } = rotationOf(config.logFilePeriod);
    files = new DailyRotateFile({
      level: config.logDefaultLevel,
      dirname: config.logPath,
      filename: 'jsongle-server-%DATE%.log',
      datePattern,
      frequency,
      maxFiles: config.logFilesNumber,
      ...(config.logFileMaxSize ? { maxSize: config.logFileMaxSize } : {}),
      auditFile: `${config.logPath}/.jsongle-server-audit.json`,
    });
    transports.push(files);
  }
  const root = winston.createLogger({ level: config.logDefaultLevel, format, transports, exitOnError: false });
  return wrap(root, root, files);
}

function wrap(root: winston.Logger, log: winston.Logger, files?: DailyRotateFile): Logger {
  return {
    error: (m, meta) => void log.error(m, meta),
    warn: (m, meta) => void log.warn(m, meta),
    info: (m, meta) => void log.info(m, meta),
    debug: (m, meta) => void log.debug(m, meta),
    isDebugEnabled: () => root.isDebugEnabled(),
    level: () => root.level as LogLevel,
    setLevel(level) {
      const was = root.level as LogLevel;
      root.level = level;
      for (const t of root.transports) t.level = level;
      return was;
    },
    child: (component) => wrap(root, log.child({ component }), files),
    close: () =>
      new Promise<void>((resolve) => {
        if (!files) return resolve();
        const transport = files;
        let done = false;
        const finish = () => { if (!done) { done = true; resolve(); } };
        setTimeout(finish, 2000).unref();
        // The transport's own 'finish' means every line reached its file stream, not the disk: end
        // that stream too, and resolve once it has flushed.
        transport.once('finish', () => {
          const stream = (transport as unknown as { logStream?: { end(cb: () => void): void } }).logStream;
          if (stream) stream.end(finish);
          else finish();
        });
        root.end();
      }),
  };
}
