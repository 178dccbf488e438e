/**
 * The core as the other entry points build on it: the public surface, plus the parts they share
 * with `HeartbeatSocket` (validation, events, the callback guard). The core's ES module is built
 * from this file, so a bundle that imports `heartbeat-ws` and `heartbeat-ws/shared` holds one
 * copy of each; the core's UMD (what a `<script>` tag loads) is built from index.ts and carries
 * none of these extras. Not a public API: names here may change in any release.
 */
export * from './index';
export { toData } from './data';
export { fail, fn } from './fail';
export { guard } from './guard';
export { resolveOptions } from './options';
export { checkClose, closeEvent, customEvent, emitter, errorEvent, messageEvent, Surface } from './surface';
export type { Emitter } from './surface';
export { toArgs, toProtocols, toTarget } from './url';
