/**
 * The project validates with `zod/mini` (a fraction of classic zod's load time, which matters
 * for a CLI started once per command). Mini ships no messages; this switches on English ones.
 * Imported once, for its effect, by schemas.ts.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
