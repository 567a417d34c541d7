import type { FieldType } from '../../domain/agent-spec.ts';
import type { Concept } from '../prompt/concepts.ts';

/** The output type the extractor coerces a concept's raw string into. */
export function fieldType(c: Concept): FieldType {
  switch (c) {
    case 'price': return 'price';
    case 'currency': return 'currency';
    case 'url': return 'url';
    case 'image': return 'image';
    case 'date': return 'date';
    case 'rating': return 'rating';
    case 'availability': return 'availability';
    case 'review_count': return 'number';
    default: return 'text';
  }
}
