// Imported first by every bundle, so that a script's top-level code (k6's
// init context) already sees console, __ENV, __VU, __ITER and open().
import { installGlobals } from './index.js';

installGlobals();
