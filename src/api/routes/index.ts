import type { RouteDef } from '../route.ts';
import { agentRoutes } from './agents.ts';
import { runRoutes } from './runs.ts';
import { systemRoutes } from './system.ts';
import { openApiRoutes } from './openapi.ts';
import { scheduleRoutes } from './schedules.ts';
import { userRoutes } from './users.ts';
import { spaceRoutes } from './spaces.ts';
import { analyticsRoutes } from './analytics.ts';
import { builderRoutes } from './builder.ts';

/** Every API endpoint. OpenAPI and the authorization-matrix test read this list. */
export const allRoutes: RouteDef[] = [...systemRoutes, ...agentRoutes, ...runRoutes, ...openApiRoutes, ...scheduleRoutes, ...userRoutes, ...spaceRoutes, ...analyticsRoutes, ...builderRoutes];
