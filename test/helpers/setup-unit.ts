import { afterEach } from 'vitest';
import { closeAllSockets } from './socket';

afterEach(() => closeAllSockets());
