/**
 * Log files: written under logPath by winston-daily-rotate-file, rotated by size (logFileMaxSize)
 * and by period (logFilePeriod → datePattern/frequency), at most logFilesNumber kept, and the level
 * change of PUT /logs/levels applies to the file transport as well as the console.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, rotationOf } from '../../src/observability/logger.js';
import { waitFor } from '../helpers/wait.js';

/** Dated log files, size-rotated ones included (`…log.1`, `…log.2`). */
function logFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => /^jsongle-server-.*\.log(\.\d+)?$/.test(f)).sort();
}

describe('Log files', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'jsongle-logs-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a dated file under logPath and writes JSON lines to it', async () => {
    const logger = createLogger({ logDefaultLevel: 'info', logPath: dir, logFilesNumber: 3, logFilePeriod: '1d' }, { console: false });
    logger.info('hello file', { connectionId: 'c1' });
    await logger.close();
    const files = logFiles(dir);
    expect(files).to.have.length(1);
    expect(files[0]).to.match(/^jsongle-server-\d{4}-\d{2}-\d{2}\.log$/);
    const line = JSON.parse(readFileSync(join(dir, files[0]), 'utf8').trim().split('\n')[0]);
    expect(line).to.include({ level: 'info', message: 'hello file', connectionId: 'c1' });
  });

  it('rotates by size and keeps at most logFilesNumber files', async () => {
    const logger = createLogger({ logDefaultLevel: 'info', logPath: dir, logFilesNumber: 2, logFilePeriod: '1d', logFileMaxSize: '1k' }, { console: false });
    const filler = 'x'.repeat(200);
    // Spaced writes, as a server logs: the library prunes old files as each rotation completes
    // (a burst within one tick rotates before the pruning catches up).
    for (let i = 0; i < 30; i++) {
      logger.info(`line ${i}`, { filler });
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(() => logFiles(dir).length === 2, 'old files to be pruned to logFilesNumber', 5000);
    await logger.close();
    const all = logFiles(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('');
    expect(all).to.include('line 29');
    expect(all).to.not.include('"line 0"');
  });

  it('masks personal data in file lines (display names, descriptions)', async () => {
    const logger = createLogger({ logDefaultLevel: 'info', logPath: dir, logFilesNumber: 3, logFilePeriod: '1d' }, { console: false });
    logger.info('profile', { dn: 'Jon Doe', description: { sdp: 'v=0 secret' }, uid: 'u1' });
    await logger.close();
    const text = readFileSync(join(dir, logFiles(dir)[0]), 'utf8');
    expect(text).to.not.include('Jon Doe');
    expect(text).to.not.include('secret');
    expect(text).to.include('u1');
  });

  it('applies a level change to the file transport too', async () => {
    const logger = createLogger({ logDefaultLevel: 'info', logPath: dir, logFilesNumber: 3, logFilePeriod: '1d' }, { console: false });
    logger.debug('hidden at info');
    expect(logger.setLevel('debug')).to.equal('info');
    logger.debug('shown at debug');
    await logger.close();
    const text = readFileSync(join(dir, logFiles(dir)[0]), 'utf8');
    expect(text).to.include('shown at debug');
    expect(text).to.not.include('hidden at info');
  });

  it('writes no file at all when logPath is empty', async () => {
    const logger = createLogger({ logDefaultLevel: 'info', logPath: '', logFilesNumber: 3, logFilePeriod: '1d' }, { console: false });
    logger.info('console only');
    await logger.close();
    expect(existsSync(dir) && logFiles(dir)).to.deep.equal([]);
  });

  it('maps logFilePeriod onto the rotation library: days by date, hours and minutes by frequency', () => {
    expect(rotationOf('1d')).to.deep.equal({ datePattern: 'YYYY-MM-DD' });
    expect(rotationOf('1h')).to.deep.equal({ datePattern: 'YYYY-MM-DD-HH', frequency: undefined });
    expect(rotationOf('6h')).to.deep.equal({ datePattern: 'YYYY-MM-DD-HH', frequency: '6h' });
    expect(rotationOf('15m')).to.deep.equal({ datePattern: 'YYYY-MM-DD-HH-mm', frequency: '15m' });
  });
});
