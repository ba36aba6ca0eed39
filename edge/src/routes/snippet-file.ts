// Serves the built snippet first-party, with long-lived caching revalidated by ETag.
import snippet from '../../../sdk/dist/s.js';
import { staticText } from './static-text';

export const serveSnippet = staticText(snippet, 'text/javascript; charset=utf-8');
