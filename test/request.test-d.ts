import { expectTypeOf, test } from 'vitest';
import { HeartbeatSocket } from '../src/index';
import { DropError, requests, type Delivered, type Requests } from '../src/request/index';
import { SharedHeartbeatSocket } from '../src/shared/index';

test('requests() takes either socket and types its promises', () => {
  const api = requests(new HeartbeatSocket('ws://x'), { timeout: 1000, id: 'rid' });
  expectTypeOf(api).toEqualTypeOf<Requests>();
  requests(new SharedHeartbeatSocket('ws://x'), { tag: (p, id) => `${id}${String(p)}`, replyId: () => undefined });
  expectTypeOf(api.request<{ n: number }>({ a: 1 })).toEqualTypeOf<Promise<{ n: number }>>();
  expectTypeOf(api.deliver('x')).toEqualTypeOf<Promise<Delivered>>();
  expectTypeOf<Delivered>().toEqualTypeOf<'written' | 'confirmed'>();
  expectTypeOf(new DropError('overflow', 'x').reason).toEqualTypeOf<
    'overflow' | 'cleared' | 'unconfirmed' | 'aborted' | 'expired' | 'adopted'
  >();
  // @ts-expect-error a WebSocket has no extension points
  requests(new WebSocket('ws://x'));
  // @ts-expect-error timeout is a number
  requests(new HeartbeatSocket('ws://x'), { timeout: '5' });
  // A plain object or an array goes as its JSON.
  expectTypeOf(api.deliver({ a: 1 })).toEqualTypeOf<Promise<Delivered>>();
  void api.deliver([1], { signal: null });
  // @ts-expect-error deliver() takes data, a plain object or an array
  void api.deliver(1);
});
