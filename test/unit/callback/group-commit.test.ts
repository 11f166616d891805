import assert from 'node:assert/strict';
import { GroupCommit } from '../../../src/callback/group-commit';
import { openTestStore, storeKinds } from '../../helpers/stores';

const T = Date.parse('2026-12-01T15:00:00.000Z');

for (const kind of storeKinds()) {
  describe(`group commit (${kind})`, () => {
    it("an item that fails after writing: its writes are undone, the batch's other items commit", async () => {
      const store = await openTestStore(kind);
      let tries = 0;
      const writer = new GroupCommit<string, string>({
        transaction: (fn) => store.transaction(fn),
        apply: async (name) => {
          tries++;
          await store.putService({ name, template: 'user-terminated-immediate', options: {}, createdAt: T, updatedAt: T });
          if (name.startsWith('bad')) throw new Error(`${name} refused after its write`);
          return name;
        },
      });
      const settled = await Promise.allSettled(['a', 'bad-1', 'b', 'c'].map((n) => writer.submit(n)));
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      assert.match(String((settled[1] as PromiseRejectedResult).reason), /bad-1 refused/);
      assert.deepEqual((await store.listServices()).map((s) => s.name), ['a', 'b', 'c']);
      assert.ok(tries > 4, 'the batch ran again, each item in a savepoint');
    });

    it('an item whose statement fails (a duplicate key): the others commit', async () => {
      const store = await openTestStore(kind);
      await store.insertApiKey({ id: 'k1', name: 'k', secretHash: 'x', scopes: [], allowedNetworks: [], rateLimitPerMinute: null, createdAt: T, createdBy: 't', revokedAt: null, revokedBy: null, replacedBy: null });
      const writer = new GroupCommit<string, string>({
        transaction: (fn) => store.transaction(fn),
        apply: async (id) => {
          await store.insertApiKey({ id, name: id, secretHash: 'x', scopes: [], allowedNetworks: [], rateLimitPerMinute: null, createdAt: T, createdBy: 't', revokedAt: null, revokedBy: null, replacedBy: null });
          return id;
        },
      });
      const settled = await Promise.allSettled(['k2', 'k1', 'k3'].map((n) => writer.submit(n)));
      assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'fulfilled']);
      assert.deepEqual((await store.listApiKeys()).map((k) => k.id).sort(), ['k1', 'k2', 'k3']);
    });
  });
}
