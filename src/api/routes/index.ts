import type { RouteDef } from '../route.ts';
import { agentRoutes } from './agents.ts';
import { runRoutes } from './runs.ts';
import { systemRoutes } from './system.ts';

/** Every API endpoint. OpenAPI and the authorization-matrix test read this list. */
export const allRoutes: RouteDef[] = [...systemRoutes, ...agentRoutes, ...runRoutes];
