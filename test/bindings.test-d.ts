import { describe, expectTypeOf, it } from 'vitest';
import { ref } from 'vue';
import { HeartbeatSocket } from '../src/index';
import { useHeartbeatSocket as useReact } from '../src/react/index';
import { SharedHeartbeatSocket } from '../src/shared/index';
import { heartbeatSocketStore, type HeartbeatSocketValue } from '../src/svelte/index';
import { useHeartbeatSocket as useVue } from '../src/vue/index';

// The class of `options.HeartbeatSocket` is the type of `socket`, in every binding as in React's
// hook: a SharedHeartbeatSocket's own members (`isLeader`, `leaderchange`) are there to read.
const URL = 'ws://a.test/';

describe('options.HeartbeatSocket types the socket', () => {
  it('in heartbeat-ws/vue', () => {
    expectTypeOf(useVue(URL).socket).toEqualTypeOf<HeartbeatSocket>();
    expectTypeOf(useVue(ref(URL), undefined, { heartbeat: true }).socket).toEqualTypeOf<HeartbeatSocket>();
    const shared = useVue(URL, undefined, { HeartbeatSocket: SharedHeartbeatSocket, channel: 'feed' });
    expectTypeOf(shared.socket).toEqualTypeOf<SharedHeartbeatSocket>();
    expectTypeOf(shared.socket.isLeader).toBeBoolean();
    // Options second, without protocols.
    expectTypeOf(useVue(URL, { HeartbeatSocket: SharedHeartbeatSocket }).socket).toEqualTypeOf<SharedHeartbeatSocket>();
    expectTypeOf(useVue(URL, { HeartbeatSocket }).socket).toEqualTypeOf<HeartbeatSocket>();
    // A class without the surface the binding uses is no HeartbeatSocket option.
    // @ts-expect-error -- not a socket class
    useVue(URL, { HeartbeatSocket: Date });
  });

  it('in heartbeat-ws/svelte: the store, and its value', () => {
    expectTypeOf(heartbeatSocketStore(URL).socket).toEqualTypeOf<HeartbeatSocket>();
    const store = heartbeatSocketStore(URL, undefined, { HeartbeatSocket: SharedHeartbeatSocket, channel: 'feed' });
    expectTypeOf(store.socket).toEqualTypeOf<SharedHeartbeatSocket>();
    store.subscribe((value) => {
      expectTypeOf(value).toEqualTypeOf<HeartbeatSocketValue<SharedHeartbeatSocket>>();
      expectTypeOf(value.socket.isLeader).toBeBoolean();
    });
    expectTypeOf(
      heartbeatSocketStore(URL, { HeartbeatSocket: SharedHeartbeatSocket }).socket,
    ).toEqualTypeOf<SharedHeartbeatSocket>();
    // @ts-expect-error -- not a socket class
    heartbeatSocketStore(URL, { HeartbeatSocket: Date });
  });

  it('in heartbeat-ws/react, which the others mirror', () => {
    // Called only in a component: its return types are read, not the hook run.
    expectTypeOf(() => useReact(URL, { heartbeat: true }))
      .returns.toHaveProperty('socket')
      .toEqualTypeOf<HeartbeatSocket>();
    expectTypeOf(() => useReact(URL, { HeartbeatSocket: SharedHeartbeatSocket, channel: 'feed' }))
      .returns.toHaveProperty('socket')
      .toEqualTypeOf<SharedHeartbeatSocket>();
  });
});
