import { expectTypeOf, test } from 'vitest';
import { HeartbeatSocket, type DropReason, type Outbox } from '../src/index';
import { deleteOutbox, indexedDbOutbox, type Outbox as OutboxOfEntry, type OutboxHooks } from '../src/outbox/index';

test('indexedDbOutbox() is what option outbox takes; deleteOutbox() resolves to nothing', () => {
  expectTypeOf(indexedDbOutbox('orders', { maxAge: 60_000 })).toEqualTypeOf<Outbox>();
  new HeartbeatSocket('ws://x', [], { outbox: indexedDbOutbox('orders') });
  expectTypeOf(deleteOutbox('orders')).toEqualTypeOf<Promise<void>>();
  expectTypeOf<'expired'>().toExtend<DropReason>();
  expectTypeOf<'adopted'>().toExtend<DropReason>();
  // @ts-expect-error the name is a string
  indexedDbOutbox(1);
  // @ts-expect-error maxAge is a number of ms
  indexedDbOutbox('orders', { maxAge: '1 day' });
  // @ts-expect-error an outbox is made by indexedDbOutbox(), not a name
  new HeartbeatSocket('ws://x', [], { outbox: 'orders' });
});

test("heartbeat-ws/outbox names the option's types too, for an outbox of your own", () => {
  expectTypeOf<OutboxOfEntry>().toEqualTypeOf<Outbox>();
  const mine: OutboxOfEntry = {
    attach: (_socket, hooks: OutboxHooks) => (
      hooks.resume([]),
      { keep: (_data, done) => done!, find: () => undefined }
    ),
  };
  new HeartbeatSocket('ws://x', [], { outbox: mine });
});
