import type { z } from 'zod';
import type { AgentSpecInput, PaginationSpec } from '../../domain/agent-spec.ts';
export type PaginationSpecInput = z.input<typeof PaginationSpec>;
export type { AgentSpecInput };
