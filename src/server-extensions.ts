/** Plugins mounted beside the API (the Control Center UI, the API reference). */
import type { FastifyInstance } from 'fastify';
import type { Platform } from './platform.ts';

export const serverExtensions: Array<(app: FastifyInstance, platform: Platform) => Promise<void> | void> = [];
import { uiPlugin } from './ui/ui-plugin.ts';
serverExtensions.push(uiPlugin);
