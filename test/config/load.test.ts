/**
 * loadConfig: defaults < config file < environment < command line, strict validation with one
 * single-line error naming each bad setting, and a frozen result. Every test passes env and argv
 * explicitly so the developer's own shell cannot change the outcome.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import type { ConfigOverrides } from '../../src/config/types.js';

describe('loadConfig', () => {
  let dir: string;
  let fileCount = 0;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'jsongle-config-test-'));
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a JSON (or raw text) config file and returns its path. */
  function configFile(content: unknown): string {
    const path = join(dir, `config-${++fileCount}.json`);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  }

  /** The ConfigError loadConfig throws for these options (fails the test when it does not throw). */
  function configError(options: Parameters<typeof loadConfig>[0]): ConfigError {
    try {
      loadConfig(options);
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      return err as ConfigError;
    }
    expect.fail('loadConfig did not throw');
  }

  describe('defaults', () => {
    it('gives the documented defaults with an empty environment and no arguments', () => {
      const c = loadConfig({ env: {}, argv: [] });
      expect(c.id).to.equal('jsongle-server');
      expect(c.wsHost).to.equal('127.0.0.1');
      expect(c.wsPort).to.equal(8080);
      expect(c.restPort).to.equal(8081);
      expect(c.appToken).to.equal('');
      expect(c.adminToken).to.equal('');
      expect(c.maxConcurrentUsers).to.equal(10_000);
      expect(c.maxMembersPerRoom).to.equal(2);
      expect(c.maxMembersPerMultiRoom).to.equal(10);
      expect(c.maxMultiRoomPerUser).to.equal(10);
      expect(c.multiRoomPrefix).to.equal('muc/');
      expect(c.helloTimeoutMs).to.equal(10_000);
      expect(c.maxPayloadLength).to.equal(65_536);
      expect(c.drainTimeoutMs).to.equal(10_000);
      expect(c.rateLimit).to.deep.equal({ messagesPerSecond: 200, burst: 500 });
      expect(c.logDefaultLevel).to.equal('info');
      expect(c.inspect.enabled).to.equal(false);
    });

    it('gives numbers as numbers and booleans as booleans', () => {
      const c = loadConfig({ env: {}, argv: [] });
      expect(c.wsPort).to.be.a('number');
      expect(c.rateLimit.burst).to.be.a('number');
      expect(c.inspect.enabled).to.be.a('boolean');
    });
  });

  describe('environment', () => {
    it('reads an environment variable of the same name as the setting', () => {
      expect(loadConfig({ env: { wsPort: '9000' }, argv: [] }).wsPort).to.equal(9000);
    });

    it('reads string settings from the environment', () => {
      const c = loadConfig({ env: { id: 'edge-1', appToken: 'secret', multiRoomPrefix: 'conf/' }, argv: [] });
      expect(c.id).to.equal('edge-1');
      expect(c.appToken).to.equal('secret');
      expect(c.multiRoomPrefix).to.equal('conf/');
    });

    it('reads a nested setting from NAME_SUBNAME', () => {
      const c = loadConfig({ env: { rateLimit_messagesPerSecond: '50', rateLimit_burst: '70' }, argv: [] });
      expect(c.rateLimit).to.deep.equal({ messagesPerSecond: 50, burst: 70 });
    });

    it('ignores environment variables that name no setting', () => {
      expect(loadConfig({ env: { PATH: '/usr/bin', HOME: '/root', NOT_A_SETTING: 'x' }, argv: [] }).wsPort).to.equal(8080);
    });
  });

  describe('precedence', () => {
    it('takes a value from the config file over the default', () => {
      expect(loadConfig({ file: configFile({ wsPort: 7001 }), env: {}, argv: [] }).wsPort).to.equal(7001);
    });

    it('takes the environment over the config file', () => {
      expect(loadConfig({ file: configFile({ wsPort: 7001 }), env: { wsPort: '7002' }, argv: [] }).wsPort).to.equal(7002);
    });

    it('takes the command line over the environment and the config file', () => {
      const c = loadConfig({ file: configFile({ wsPort: 7001 }), env: { wsPort: '7002' }, argv: ['--wsPort', '7003'] });
      expect(c.wsPort).to.equal(7003);
    });

    it('accepts --name=value on the command line', () => {
      expect(loadConfig({ env: {}, argv: ['--wsPort=7004'] }).wsPort).to.equal(7004);
    });

    it('keeps file values the environment and command line do not set', () => {
      const c = loadConfig({ file: configFile({ wsPort: 7001, restPort: 7101, id: 'from-file' }), env: { restPort: '7102' }, argv: ['--wsPort', '7003'] });
      expect(c).to.include({ wsPort: 7003, restPort: 7102, id: 'from-file' });
    });

    it('merges a partial nested group from the file with the defaults', () => {
      const c = loadConfig({ file: configFile({ rateLimit: { burst: 900 } }), env: {}, argv: [] });
      expect(c.rateLimit).to.deep.equal({ messagesPerSecond: 200, burst: 900 });
    });

    it('ignores --config and its value, which belong to main.ts', () => {
      const c = loadConfig({ env: {}, argv: ['--config', configFile({ wsPort: 7005 }), '--wsPort', '7006'] });
      expect(c.wsPort).to.equal(7006);
    });

    it('applies overrides over the defaults and the file', () => {
      const c = loadConfig({ file: configFile({ wsPort: 7001 }), env: {}, argv: [], overrides: { wsPort: 0, rateLimit: { burst: 3 } } });
      expect(c.wsPort).to.equal(0);
      expect(c.rateLimit).to.deep.equal({ messagesPerSecond: 200, burst: 3 });
    });

    it('applies overrides over the environment and the command line, as LoadOptions documents', () => {
      const c = loadConfig({ env: { wsPort: '7002' }, argv: ['--restPort', '7103'], overrides: { wsPort: 0, restPort: 0 } });
      expect(c.wsPort).to.equal(0);
      expect(c.restPort).to.equal(0);
    });
  });

  describe('validation', () => {
    it('throws a ConfigError naming the setting for an invalid environment value', () => {
      const err = configError({ env: { wsPort: 'not-a-port' }, argv: [] });
      expect(err.message).to.include('wsPort');
      expect(err.message).to.not.include('\n');
    });

    it('throws a ConfigError naming the setting for an invalid file value', () => {
      const err = configError({ file: configFile({ maxMembersPerRoom: 0 }), env: {}, argv: [] });
      expect(err.message).to.include('maxMembersPerRoom');
      expect(err.message).to.not.include('\n');
    });

    it('throws a ConfigError naming the setting for an invalid command-line value', () => {
      const err = configError({ env: {}, argv: ['--wsPort', '70000'] });
      expect(err.message).to.include('wsPort');
    });

    it('names every invalid setting in one single-line message', () => {
      const err = configError({ env: { maxMembersPerRoom: '0', helloTimeoutMs: 'soon', logFilePeriod: 'weekly' }, argv: [] });
      expect(err.message).to.not.include('\n');
      for (const name of ['maxMembersPerRoom', 'helloTimeoutMs', 'logFilePeriod']) expect(err.message).to.include(name);
    });

    it('has the name ConfigError', () => {
      expect(configError({ env: { wsPort: '-1' }, argv: [] }).name).to.equal('ConfigError');
    });

    const invalid: Array<[string, Record<string, unknown>, string]> = [
      ['a port above 65535', { restPort: 65_536 }, 'restPort'],
      ['a fractional positive integer', { maxConcurrentUsers: 1.5 }, 'maxConcurrentUsers'],
      ['an empty server id', { id: '' }, 'id'],
      ['a reserved multi-room prefix', { multiRoomPrefix: 'room/' }, 'multiRoomPrefix'],
      ['an idle timeout between 1 and 7 seconds', { idleTimeoutSec: 5 }, 'idleTimeoutSec'],
      ['an unknown log level', { logDefaultLevel: 'loud' }, 'logDefaultLevel'],
      ['a log period without unit', { logFilePeriod: '1' }, 'logFilePeriod'],
      ['a negative drain timeout', { drainTimeoutMs: -1 }, 'drainTimeoutMs'],
      ['a zero burst', { rateLimit: { burst: 0 } }, 'burst'],
    ];
    for (const [what, content, name] of invalid) {
      it(`refuses ${what} in a file, naming ${name}`, () => {
        const err = configError({ file: configFile(content), env: {}, argv: [] });
        expect(err.message).to.include(name);
        expect(err.message).to.not.include('\n');
      });
    }

    // A MUC topic is multiRoomPrefix + rid, a P2P one room/ + rid, a connection's conn/ + id. With
    // prefix "r", MUC rid "oom/x" is the topic of P2P room "x"; with "con", MUC rid "n/<id>" is a
    // connection's private topic. Only prefixes that can never produce those topics are safe.
    for (const [prefix, clash] of [['r', 'room/'], ['con', 'conn/'], ['room/x/', 'room/'], ['conn/a', 'conn/']]) {
      it(`refuses multiRoomPrefix "${prefix}", whose topics can collide with ${clash} topics`, () => {
        const err = configError({ env: { multiRoomPrefix: prefix }, argv: [] });
        expect(err.message).to.include('multiRoomPrefix');
      });
    }

    it('accepts an idle timeout of 0 (disabled)', () => {
      expect(loadConfig({ file: configFile({ idleTimeoutSec: 0 }), env: {}, argv: [] }).idleTimeoutSec).to.equal(0);
    });

    it('rejects an unknown key in the file (strict), naming it', () => {
      const err = configError({ file: configFile({ wsPort: 7001, wsPortt: 7002 }), env: {}, argv: [] });
      expect(err.message).to.include('wsPortt');
    });

    it('rejects an unknown nested key in the file, naming it', () => {
      const err = configError({ file: configFile({ rateLimit: { burstt: 5 } }), env: {}, argv: [] });
      expect(err.message).to.include('burstt');
    });

    it('rejects an unknown key in the overrides', () => {
      const overrides = { nonsense: true } as unknown as ConfigOverrides;
      const err = configError({ env: {}, argv: [], overrides });
      expect(err.message).to.include('nonsense');
    });

    it('throws a ConfigError naming the file when it is not JSON', () => {
      const path = configFile('{ "wsPort": 7001, }');
      const err = configError({ file: path, env: {}, argv: [] });
      expect(err.message).to.include(path);
    });

    it('throws a ConfigError when the file holds an array', () => {
      const err = configError({ file: configFile([{ wsPort: 1 }]), env: {}, argv: [] });
      expect(err.message).to.include('JSON object');
    });

    it('throws a ConfigError naming a file that does not exist', () => {
      const path = join(dir, 'missing.json');
      expect(configError({ file: path, env: {}, argv: [] }).message).to.include(path);
    });
  });

  describe('comments in files', () => {
    it('ignores keys starting with // at the top level and in nested groups', () => {
      const c = loadConfig({
        file: configFile({
          '//': 'what this file is for',
          '// wsPort': 'the WebSocket port',
          wsPort: 7010,
          rateLimit: { '// burst': 'messages at once', burst: 42 },
        }),
        env: {},
        argv: [],
      });
      expect(c.wsPort).to.equal(7010);
      expect(c.rateLimit.burst).to.equal(42);
      expect(Object.keys(c).some((k) => k.startsWith('//'))).to.equal(false);
      expect(Object.keys(c.rateLimit).some((k) => k.startsWith('//'))).to.equal(false);
    });
  });

  describe('the result', () => {
    it('is frozen, nested groups included', () => {
      const c = loadConfig({ env: {}, argv: [] });
      expect(Object.isFrozen(c)).to.equal(true);
      expect(Object.isFrozen(c.rateLimit)).to.equal(true);
      expect(Object.isFrozen(c.inspect)).to.equal(true);
    });

    it('throws on assignment (modules run in strict mode) and keeps its value', () => {
      const c = loadConfig({ env: {}, argv: [] });
      expect(() => { (c as { wsPort: number }).wsPort = 1; }).to.throw(TypeError);
      expect(() => { (c.rateLimit as { burst: number }).burst = 1; }).to.throw(TypeError);
      expect(() => { (c as unknown as Record<string, unknown>).extra = 1; }).to.throw(TypeError);
      expect(c.wsPort).to.equal(8080);
      expect(c.rateLimit.burst).to.equal(500);
    });

    it('is a new object on every call', () => {
      const a = loadConfig({ env: {}, argv: [] });
      const b = loadConfig({ env: { wsPort: '9000' }, argv: [] });
      expect(a).to.not.equal(b);
      expect(a.wsPort).to.equal(8080);
      expect(b.wsPort).to.equal(9000);
    });
  });
});
