/**
 * The Directory contract: what every user directory (LocalDirectory in one process, RedisDirectory
 * across nodes) must do, checked through the interface alone. The local half runs in `npm test`
 * (test/users/directory-contract.test.ts), the Redis half in `npm run test:cluster`
 * (test/cluster/directory-contract.cluster-test.ts).
 */
import { expect } from 'chai';
import type { Device, Directory, RegisterRefusal } from '../../src/users/directory.js';

export interface DirectoryFixture {
  directory: Directory;
  /** The maxDevicesPerUser the directory was made with (at least 3). */
  maxDevicesPerUser: number;
  stop(): Promise<void>;
}

/** register as a promise: the device count, or why it was refused. */
export function register(directory: Directory, uid: string, connId: string): Promise<number | RegisterRefusal> {
  return new Promise((resolve) => directory.register(uid, connId, resolve, resolve));
}

/** devicesOf as a promise, sorted by id: the devices, or 'failed'. */
export function devicesOf(directory: Directory, uid: string): Promise<Device[] | 'failed'> {
  return new Promise((resolve) => directory.devicesOf(uid, (d) => resolve([...d].sort((a, b) => a.id.localeCompare(b.id))), () => resolve('failed')));
}

let unique = 0;
/** A uid no other test (or earlier run on the same Redis) uses. */
export const uidFor = (what: string): string => `contract-${what}-${process.pid}-${++unique}`;

export function describeDirectoryContract(name: string, setup: () => Promise<DirectoryFixture>): void {
  describe(`Directory contract: ${name}`, function () {
    this.timeout(15_000);
    let fx: DirectoryFixture;
    beforeEach(async () => {
      fx = await setup();
    });
    afterEach(async () => {
      await fx?.stop();
    });

    it('registers: the first device counts 1, the same one again still 1 (idempotent), a second one 2', async () => {
      const uid = uidFor('count');
      expect(await register(fx.directory, uid, 'c1')).to.equal(1);
      expect(await register(fx.directory, uid, 'c1')).to.equal(1);
      expect(await register(fx.directory, uid, 'c2')).to.equal(2);
    });

    it('lists every device of a uid, this process\'s without a node', async () => {
      const uid = uidFor('list');
      await register(fx.directory, uid, 'c1');
      await register(fx.directory, uid, 'c2');
      expect(await devicesOf(fx.directory, uid)).to.deep.equal([{ id: 'c1' }, { id: 'c2' }]);
    });

    it('unregisters one device, the other stays; a new registration counts from what is left', async () => {
      const uid = uidFor('unregister');
      await register(fx.directory, uid, 'c1');
      await register(fx.directory, uid, 'c2');
      fx.directory.unregister(uid, 'c1');
      expect(await devicesOf(fx.directory, uid)).to.deep.equal([{ id: 'c2' }]);
      expect(await register(fx.directory, uid, 'c3')).to.equal(2);
      fx.directory.unregister(uid, 'c2');
      fx.directory.unregister(uid, 'c3');
      expect(await devicesOf(fx.directory, uid)).to.deep.equal([]);
    });

    it('takes an unregister of an unknown device or uid without an error, changing nothing', async () => {
      const uid = uidFor('unknown');
      await register(fx.directory, uid, 'c1');
      expect(() => fx.directory.unregister(uid, 'nobody')).not.to.throw();
      expect(() => fx.directory.unregister(uidFor('never'), 'c1')).not.to.throw();
      expect(await devicesOf(fx.directory, uid)).to.deep.equal([{ id: 'c1' }]);
    });

    it('refuses full at maxDevicesPerUser, still accepts a device already registered, and a new one once a slot is free', async () => {
      const uid = uidFor('full');
      const max = fx.maxDevicesPerUser;
      for (let i = 1; i <= max; i++) expect(await register(fx.directory, uid, `c${i}`)).to.equal(i);
      expect(await register(fx.directory, uid, 'one-more')).to.equal('full');
      expect(await register(fx.directory, uid, 'c1')).to.equal(max);
      expect(await devicesOf(fx.directory, uid)).to.have.lengthOf(max);
      fx.directory.unregister(uid, 'c1');
      expect(await register(fx.directory, uid, 'one-more')).to.equal(max);
    });

    it('answers no devices for a uid nobody registered', async () => {
      expect(await devicesOf(fx.directory, uidFor('nobody'))).to.deep.equal([]);
    });

    it('keeps uids apart: one full uid does not limit another, the same connection id counts per uid', async () => {
      const [u1, u2] = [uidFor('apart'), uidFor('apart')];
      for (let i = 1; i <= fx.maxDevicesPerUser; i++) await register(fx.directory, u1, `c${i}`);
      expect(await register(fx.directory, u2, 'c1')).to.equal(1);
      expect(await register(fx.directory, u2, 'other')).to.equal(2);
      fx.directory.unregister(u2, 'c1');
      expect(await devicesOf(fx.directory, u1)).to.have.lengthOf(fx.maxDevicesPerUser);
      expect(await devicesOf(fx.directory, u2)).to.deep.equal([{ id: 'other' }]);
    });

    it('forgets everything at clear', async () => {
      const [u1, u2] = [uidFor('clear'), uidFor('clear')];
      await register(fx.directory, u1, 'c1');
      await register(fx.directory, u2, 'c2');
      fx.directory.clear();
      expect(await devicesOf(fx.directory, u1)).to.deep.equal([]);
      expect(await devicesOf(fx.directory, u2)).to.deep.equal([]);
    });
  });
}
