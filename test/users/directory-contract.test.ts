/** The Directory contract (test/contracts/directory-contract.ts) against LocalDirectory. */
import { LocalDirectory } from '../../src/users/directory.js';
import { describeDirectoryContract } from '../contracts/directory-contract.js';

describeDirectoryContract('LocalDirectory (one process)', async () => ({
  directory: new LocalDirectory(3),
  maxDevicesPerUser: 3,
  stop: async () => undefined,
}));
